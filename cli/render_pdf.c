/*
 * render_pdf.c — participants' statements as PDF pages, for batch
 * printing: cairo's PDF surface, text laid out by pango in DejaVu Sans,
 * the QR code (libqrencode, 8-bit mode, level L) drawn as cairo
 * rectangles.
 *
 * Each statement is first turned into blocks (a row of positioned text
 * layouts, with an optional shaded band or rule), measured, then placed:
 * on A4 the blocks flow down the page and continue on another page, under
 * a short heading, when they do not fit; on a receipt roll the page is as
 * tall as the blocks need. Drawing comes last, once the page count is
 * known ("Page 1 of 2").
 *
 * Must never: print figures that are not in the statement_doc, or a QR
 * code that does not carry its payload byte for byte.
 */
#include "cli/render.h"

#include <assert.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define PT_PER_MM (72.0 / 25.4)
#define FONT_FAMILY "DejaVu Sans"
#define BLOCK_ITEMS_MAX 8  /* text layouts in one block */
#define BLOCKS_INITIAL 64  /* grows by doubling */
#define QR_WIDTH_MAX 177   /* modules across a version 40 symbol */
#define QR_QUIET_MODULES 4 /* white modules around the code (ISO/IEC 18004) */
#define TEXT_LINE_MAX 1024 /* bytes of one piece of text on the page */
#define ZEBRA_GREY 0.93    /* every other line's background */
#define BAND_GREY 0.85     /* an account's heading band */
#define NOTE_GREY 0.30     /* explanations and memos */

typedef enum font_id {
    F_BODY,
    F_BOLD,
    F_SMALL,
    F_SMALL_BOLD,
    F_HEAD,
    F_TITLE,
    F_NAME,
    F_BIG,
    F_COUNT
} font_id;

/* Geometry and type sizes of one kind of paper, in points. */
typedef struct paper_spec {
    double width, height; /* height 0: as tall as the statement */
    double margin;
    double qr_size; /* the QR code with its quiet zone */
    double font_pt[F_COUNT];
    bool receipt;
} paper_spec;

static const paper_spec papers[] = {
    [STATEMENT_PAPER_A4] = {210 * PT_PER_MM,
                            297 * PT_PER_MM,
                            14 * PT_PER_MM,
                            62 * PT_PER_MM,
                            {9.5, 9.5, 8, 8, 12.5, 18, 15, 17},
                            false},
    [STATEMENT_PAPER_RECEIPT80] = {80 * PT_PER_MM,
                                   0,
                                   4 * PT_PER_MM,
                                   72 * PT_PER_MM,
                                   {9, 9, 7.5, 7.5, 11, 14, 13, 15},
                                   true},
    [STATEMENT_PAPER_RECEIPT58] = {58 * PT_PER_MM,
                                   0,
                                   5 * PT_PER_MM,
                                   48 * PT_PER_MM,
                                   {7.5, 7.5, 6.5, 6.5, 9, 11, 10.5, 12},
                                   true},
};

static const char *const font_style[F_COUNT] = {"",     "Bold", "",     "Bold",
                                                "Bold", "Bold", "Bold", "Bold"};

typedef struct item {
    PangoLayout *lay;
    double x, y;
    double grey; /* 0 black */
} item;

typedef struct block {
    double h;
    item items[BLOCK_ITEMS_MAX];
    int n;
    bool keep_with_next; /* never the last block of a page */
    double shade;        /* > 0: background grey across the width */
    double shade_h;
    bool rule_above;
    bool qr;
    double qr_x, qr_y, qr_size;
    unsigned page; /* placed: page (1-based) and top */
    double y;
} block;

struct statement_pdf {
    FILE *out;
    int write_errno;
    bool discard; /* opening failed: nothing is written */
    const paper_spec *spec;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoFontMap *fontmap; /* our own, released at close (not pango's global one) */
    PangoContext *pc;
    PangoFontDescription *font[F_COUNT];
    double date_w; /* "30/11/2026" in the body font */
    block *blocks;
    size_t blocks_count, blocks_cap;
    QRcode *qr;                                         /* the statement being laid out */
    unsigned char qr_done[QR_WIDTH_MAX * QR_WIDTH_MAX]; /* modules drawn already */
};

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
    statement_pdf *p = closure;
    if (p->discard)
        return CAIRO_STATUS_SUCCESS;
    if (fwrite(data, 1, len, p->out) != len) {
        p->write_errno = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Pango on the PDF surface: our own font map, points as units, metrics
 * unhinted (print), the language, the type sizes of the paper, and a check
 * that DejaVu Sans is really there. */
static int fonts_setup(statement_pdf *p, char *why, size_t cap)
{
    p->fontmap = pango_cairo_font_map_new();
    p->pc = pango_font_map_create_context(p->fontmap);
    pango_cairo_update_context(p->cr, p->pc);
    /* The surface's unit is the point: 10 means 10 pt, not 10 px at 96 dpi. */
    pango_cairo_context_set_resolution(p->pc, 72.0);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(p->pc, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_language(p->pc,
                               pango_language_from_string(i18n_lang_code(i18n_lang_current())));
    for (int i = 0; i < F_COUNT; i++) {
        char desc[64];
        snprintf(desc, sizeof desc, "%s %s %.1f", FONT_FAMILY, font_style[i],
                 p->spec->font_pt[i]);
        p->font[i] = pango_font_description_from_string(desc);
    }
    /* fontconfig would quietly put another font in its place. */
    PangoFont *font = pango_font_map_load_font(p->fontmap, p->pc, p->font[F_BODY]);
    PangoFontDescription *got = font != NULL ? pango_font_describe(font) : NULL;
    const char *family = got != NULL ? pango_font_description_get_family(got) : NULL;
    bool found = family != NULL && strcmp(family, FONT_FAMILY) == 0;
    if (got != NULL)
        pango_font_description_free(got);
    if (font != NULL)
        g_object_unref(font);
    if (!found) {
        snprintf(why, cap,
                 "the font %s is not installed: install fonts-dejavu-core (make deps)",
                 FONT_FAMILY);
        return -1;
    }
    PangoLayout *lay = pango_layout_new(p->pc);
    pango_layout_set_font_description(lay, p->font[F_BODY]);
    pango_layout_set_text(lay, "30/11/2026", -1);
    int date_w, date_h;
    pango_layout_get_size(lay, &date_w, &date_h);
    p->date_w = (double)date_w / PANGO_SCALE + 2;
    g_object_unref(lay);
    return 0;
}

int statement_pdf_open(statement_pdf **pdf, FILE *out, statement_paper paper, char *why,
                       size_t cap)
{
    assert(paper >= STATEMENT_PAPER_A4 && paper <= STATEMENT_PAPER_RECEIPT58);
    statement_pdf *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    p->out = out;
    p->spec = &papers[paper];
    double h = p->spec->height > 0 ? p->spec->height : p->spec->width;
    p->surface = cairo_pdf_surface_create_for_stream(write_fn, p, p->spec->width, h);
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(why, cap, "cairo: %s", cairo_status_to_string(cairo_status(p->cr)));
        p->discard = true;
        statement_pdf_close(p, NULL, 0);
        return -1;
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE,
                                   _("Account statement"));
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "cauris");
    if (fonts_setup(p, why, cap) != 0) {
        p->discard = true; /* no empty PDF on the way out */
        statement_pdf_close(p, NULL, 0);
        return -1;
    }
    *pdf = p;
    return 0;
}

/* ---- blocks ---- */

static block *block_new(statement_pdf *p)
{
    if (p->blocks_count == p->blocks_cap) {
        size_t cap = p->blocks_cap ? 2 * p->blocks_cap : BLOCKS_INITIAL;
        block *b = realloc(p->blocks, cap * sizeof *b);
        if (b == NULL)
            return NULL;
        p->blocks = b;
        p->blocks_cap = cap;
    }
    block *b = &p->blocks[p->blocks_count++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Adds text to block b at (x, y) in a box `width` wide (0: one line,
 * unwrapped); returns the text's height. */
static double text_add(statement_pdf *p, block *b, font_id f, const char *s, double x, double y,
                       double width, PangoAlignment align, double grey)
{
    assert(b->n < BLOCK_ITEMS_MAX);
    PangoLayout *lay = pango_layout_new(p->pc);
    pango_layout_set_font_description(lay, p->font[f]);
    if (width > 0) {
        pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_alignment(lay, align);
    }
    pango_layout_set_text(lay, s, -1);
    int w, h;
    pango_layout_get_size(lay, &w, &h);
    b->items[b->n++] = (item){lay, x, y, grey};
    double bottom = y + (double)h / PANGO_SCALE;
    if (bottom > b->h)
        b->h = bottom;
    return (double)h / PANGO_SCALE;
}

/* Adds one line of text ending at x_right (amounts: never wrapped). */
static double text_add_right(statement_pdf *p, block *b, font_id f, const char *s,
                             double x_right, double y, double grey)
{
    double h = text_add(p, b, f, s, 0, y, 0, PANGO_ALIGN_LEFT, grey);
    int w, hh;
    item *it = &b->items[b->n - 1];
    pango_layout_get_size(it->lay, &w, &hh);
    it->x = x_right - (double)w / PANGO_SCALE;
    return h;
}

static void blocks_free(statement_pdf *p)
{
    for (size_t i = 0; i < p->blocks_count; i++)
        for (int j = 0; j < p->blocks[i].n; j++)
            g_object_unref(p->blocks[i].items[j].lay);
    p->blocks_count = 0;
}

static double content_width(const statement_pdf *p)
{
    return p->spec->width - 2 * p->spec->margin;
}

/* The heading: title, programme, name, id, period and date; the QR code
 * beside it on A4, under it on a receipt. */
static int header_build(statement_pdf *p, const statement_doc *d)
{
    char line[TEXT_LINE_MAX], period[TEXT_LINE_MAX], date[I18N_DATE_TEXT_MAX];
    char hex[STATEMENT_DIGEST_HEX + 1];
    double cw = content_width(p), qr = p->spec->qr_size;
    bool receipt = p->spec->receipt;
    double left_w = receipt ? cw : cw - qr - 10;
    block *b = block_new(p);
    if (b == NULL)
        return -1;
    PangoAlignment al = receipt ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT;
    double y = text_add(p, b, F_TITLE, _("Account statement"), 0, 0, left_w, al, 0) + 4;
    snprintf(line, sizeof line, _("Programme: %s"), d->programme);
    y += text_add(p, b, F_BODY, line, 0, y, left_w, al, 0) + 8;
    y += text_add(p, b, F_NAME, statement_name_text(d), 0, y, left_w, al, 0) + 2;
    snprintf(line, sizeof line, _("Number: %s"), d->participant);
    y += text_add(p, b, F_BODY, line, 0, y, left_w, al, 0) + 6;
    statement_period_text(period, sizeof period, d);
    snprintf(line, sizeof line, _("Period: %s"), period);
    y += text_add(p, b, F_BODY, line, 0, y, left_w, al, 0) + 2;
    i18n_date_format(date, d->printed_on);
    snprintf(line, sizeof line, _("Printed on %s"), date);
    y += text_add(p, b, F_SMALL, line, 0, y, left_w, al, NOTE_GREY);
    /* The QR code and what it is for. */
    double qx = receipt ? (cw - qr) / 2 : cw - qr, qy = receipt ? y + 8 : 0;
    b->qr = true;
    b->qr_x = qx;
    b->qr_y = qy;
    b->qr_size = qr;
    double cy = qy + qr;
    cy += text_add(p, b, F_SMALL_BOLD, _("Scan to check this statement"), qx, cy, qr,
                   PANGO_ALIGN_CENTER, 0);
    statement_digest_hex(hex, d->digest);
    /* TRANSLATORS: the statement's number, then its check code (hex). */
    snprintf(line, sizeof line, _("Statement no. %llu \xc2\xb7 %s"), (unsigned long long)d->seq,
             hex);
    cy += text_add(p, b, F_SMALL, line, qx, cy, qr, PANGO_ALIGN_CENTER, NOTE_GREY);
    if (cy > b->h)
        b->h = cy;
    b->h += receipt ? 8 : 14;
    return 0;
}

/* Column positions of a line of the table, from the content's width. */
typedef struct columns {
    double date_w, text_x, text_w, in_x, out_x, amount_w, bal_x, bal_w;
} columns;

static columns columns_of(const statement_pdf *p)
{
    double cw = content_width(p);
    columns c;
    if (p->spec->receipt) {
        /* Two rows: date and words; then the amount and the balance. */
        c.date_w = p->date_w;
        c.text_x = c.date_w + 4;
        c.text_w = cw - c.text_x;
        c.in_x = c.out_x = c.text_x;
        c.amount_w = c.text_w * 0.6;
        c.bal_x = c.in_x + c.amount_w;
        c.bal_w = cw - c.bal_x;
    } else {
        c.date_w = p->date_w > cw * 0.115 ? p->date_w : cw * 0.115;
        c.text_x = c.date_w + 6;
        c.amount_w = cw * 0.15;
        c.bal_w = cw * 0.165;
        c.bal_x = cw - c.bal_w;
        c.out_x = c.bal_x - 4 - c.amount_w;
        c.in_x = c.out_x - 4 - c.amount_w;
        c.text_w = c.in_x - 6 - c.text_x;
    }
    return c;
}

/* An account's heading band, its opening balance and the table's heads. */
static int account_head_build(statement_pdf *p, const statement_doc *d,
                              const statement_account *a, const columns *c)
{
    char note[TEXT_LINE_MAX], amount[I18N_AMOUNT_TEXT_MAX], line[TEXT_LINE_MAX];
    double cw = content_width(p);
    i18n_lang lang = i18n_lang_current();
    block *b = block_new(p);
    if (b == NULL)
        return -1;
    b->keep_with_next = true;
    b->shade = BAND_GREY;
    double y = 3;
    y += text_add(p, b, F_HEAD, statement_account_title(a), 4, y, cw - 8, PANGO_ALIGN_LEFT, 0);
    statement_account_note(note, sizeof note, d, a);
    y += text_add(p, b, F_BODY, note, 4, y, cw - 8, PANGO_ALIGN_LEFT, 0) + 3;
    b->shade_h = y;
    y += 5;
    i18n_amount_format(amount, sizeof amount, lang, a->opening, d->digits, d->currency, 0);
    snprintf(line, sizeof line, "%s %s", _("At the start:"), amount);
    y += text_add(p, b, F_BOLD, line, 0, y, cw, PANGO_ALIGN_LEFT, 0) + 5;
    if (a->lines_count == 0) {
        b->h = y;
        return 0;
    }
    text_add(p, b, F_SMALL_BOLD, _("Date"), 0, y, c->date_w, PANGO_ALIGN_LEFT, NOTE_GREY);
    double h = text_add(p, b, F_SMALL_BOLD, _("What happened"), c->text_x, y, c->text_w,
                        PANGO_ALIGN_LEFT, NOTE_GREY);
    if (p->spec->receipt) {
        y += h + 1;
        text_add(p, b, F_SMALL_BOLD, _("Money in / out"), c->in_x, y, c->amount_w,
                 PANGO_ALIGN_LEFT, NOTE_GREY);
    } else {
        text_add(p, b, F_SMALL_BOLD, _("Money in"), c->in_x, y, c->amount_w, PANGO_ALIGN_RIGHT,
                 NOTE_GREY);
        text_add(p, b, F_SMALL_BOLD, _("Money out"), c->out_x, y, c->amount_w,
                 PANGO_ALIGN_RIGHT, NOTE_GREY);
    }
    text_add(p, b, F_SMALL_BOLD, _("Balance"), c->bal_x, y, c->bal_w, PANGO_ALIGN_RIGHT,
             NOTE_GREY);
    b->h += 3;
    return 0;
}

static int line_build(statement_pdf *p, const statement_doc *d, const statement_account *a,
                      const statement_line *ln, const columns *c, bool zebra)
{
    char date[I18N_DATE_TEXT_MAX], text[TEXT_LINE_MAX], amount[I18N_AMOUNT_TEXT_MAX],
        balance[I18N_AMOUNT_TEXT_MAX];
    i18n_lang lang = i18n_lang_current();
    block *b = block_new(p);
    if (b == NULL)
        return -1;
    const double pad = 2;
    i18n_date_format(date, ln->value_date);
    statement_line_text(text, sizeof text, a, ln);
    text_add(p, b, F_BODY, date, 0, pad, c->date_w, PANGO_ALIGN_LEFT, 0);
    double y =
        pad + text_add(p, b, F_BODY, text, c->text_x, pad, c->text_w, PANGO_ALIGN_LEFT, 0);
    if (ln->memo[0] != '\0')
        y += text_add(p, b, F_SMALL, ln->memo, c->text_x, y, c->text_w, PANGO_ALIGN_LEFT,
                      NOTE_GREY);
    i18n_amount_format(balance, sizeof balance, lang, ln->balance_after, d->digits, NULL, 0);
    if (p->spec->receipt) {
        double y2 = b->h + 1;
        i18n_amount_format(amount, sizeof amount, lang, ln->amount, d->digits, NULL,
                           I18N_AMOUNT_SIGN);
        text_add(p, b, F_BOLD, amount, c->in_x, y2, 0, PANGO_ALIGN_LEFT, 0);
        text_add_right(p, b, F_BODY, balance, c->bal_x + c->bal_w, y2, 0);
    } else {
        int64_t mag = ln->amount < 0 ? -ln->amount : ln->amount;
        i18n_amount_format(amount, sizeof amount, lang, mag, d->digits, NULL, 0);
        text_add_right(p, b, F_BOLD, amount,
                       (ln->amount < 0 ? c->out_x : c->in_x) + c->amount_w, pad, 0);
        text_add_right(p, b, F_BODY, balance, c->bal_x + c->bal_w, pad, 0);
    }
    b->h += pad;
    if (zebra) {
        b->shade = ZEBRA_GREY;
        b->shade_h = b->h;
    }
    return 0;
}

/* "At the end, you have" and the closing balance in large type. */
static int account_close_build(statement_pdf *p, const statement_doc *d,
                               const statement_account *a)
{
    char amount[I18N_AMOUNT_TEXT_MAX];
    double cw = content_width(p);
    block *b = block_new(p);
    if (b == NULL)
        return -1;
    b->rule_above = true;
    if (a->lines_count == 0)
        text_add(p, b, F_BODY, _("Nothing happened in this period."), 0, 4, cw,
                 PANGO_ALIGN_LEFT, NOTE_GREY);
    i18n_amount_format(amount, sizeof amount, i18n_lang_current(), a->closing, d->digits,
                       d->currency, 0);
    double y = b->h + 4;
    if (p->spec->receipt) {
        y += text_add(p, b, F_BOLD, _("At the end, you have:"), 0, y, cw, PANGO_ALIGN_LEFT, 0);
        text_add_right(p, b, F_BIG, amount, cw, y, 0);
    } else {
        text_add(p, b, F_BOLD, _("At the end, you have:"), 0, y + 5, cw * 0.55,
                 PANGO_ALIGN_LEFT, 0);
        text_add_right(p, b, F_BIG, amount, cw, y, 0);
    }
    b->h += p->spec->receipt ? 10 : 16;
    return 0;
}

static int statement_build(statement_pdf *p, const statement_doc *d)
{
    columns c = columns_of(p);
    if (header_build(p, d) != 0)
        return -1;
    for (uint32_t i = 0; i < d->accounts_count; i++) {
        const statement_account *a = &d->accounts[i];
        if (account_head_build(p, d, a, &c) != 0)
            return -1;
        for (uint32_t k = 0; k < a->lines_count; k++)
            if (line_build(p, d, a, &a->lines[k], &c, k % 2 == 1) != 0)
                return -1;
        if (account_close_build(p, d, a) != 0)
            return -1;
    }
    block *b = block_new(p);
    if (b == NULL)
        return -1;
    text_add(p, b, F_SMALL,
             _("Keep this paper. If a figure looks wrong, talk to your "
               "programme officer."),
             0, 0, content_width(p), PANGO_ALIGN_LEFT, 0);
    if (p->spec->receipt) {
        /* A4 pages carry this in their footer. */
        char line[TEXT_LINE_MAX], hex[STATEMENT_DIGEST_HEX + 1];
        statement_digest_hex(hex, d->digest);
        snprintf(line, sizeof line, "%s \xc2\xb7 %s", d->participant, hex);
        text_add(p, b, F_SMALL, line, 0, b->h + 6, content_width(p), PANGO_ALIGN_RIGHT,
                 NOTE_GREY);
    }
    return 0;
}

/* ---- placing and drawing ---- */

/* Places the blocks from `top` down to `bottom`, page after page; returns
 * the number of pages. Later pages start at cont_top (under a heading). */
static unsigned blocks_place(statement_pdf *p, double top, double cont_top, double bottom)
{
    unsigned page = 1;
    double y = top;
    for (size_t i = 0; i < p->blocks_count; i++) {
        block *b = &p->blocks[i];
        double need = b->h;
        if (b->keep_with_next && i + 1 < p->blocks_count)
            need += p->blocks[i + 1].h;
        bool page_empty = (page == 1 && y == top) || (page > 1 && y == cont_top);
        if (y + need > bottom && !page_empty) {
            page++;
            y = cont_top;
        }
        b->page = page;
        b->y = y;
        y += b->h;
    }
    return page;
}

static bool qr_dark(const QRcode *qr, int row, int col)
{
    return (qr->data[(size_t)row * (size_t)qr->width + (size_t)col] & 1u) != 0;
}

/* Draws the modules as few rectangles: from each dark module not yet
 * drawn, the longest run to the right, then as many rows down as repeat
 * that run (a QR code's blocks and finder patterns collapse). One path,
 * filled once: no seams between modules. */
static void qr_draw(statement_pdf *p, double x, double y, double size)
{
    const QRcode *qr = p->qr;
    int n = qr->width;
    double m = size / (n + 2 * QR_QUIET_MODULES);
    double x0 = x + QR_QUIET_MODULES * m, y0 = y + QR_QUIET_MODULES * m;
    assert(n > 0 && n <= QR_WIDTH_MAX);
    memset(p->qr_done, 0, (size_t)n * (size_t)n);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    for (int row = 0; row < n; row++) {
        for (int col = 0; col < n; col++) {
            if (!qr_dark(qr, row, col) || p->qr_done[row * n + col])
                continue;
            int end = col;
            while (end < n && qr_dark(qr, row, end) && !p->qr_done[row * n + end])
                end++;
            int rows = 1;
            for (bool same = true; same && row + rows < n; rows += same) {
                for (int c = col; same && c < end; c++)
                    same = qr_dark(qr, row + rows, c) && !p->qr_done[(row + rows) * n + c];
            }
            for (int r = row; r < row + rows; r++)
                memset(&p->qr_done[r * n + col], 1, (size_t)(end - col));
            cairo_rectangle(p->cr, x0 + col * m, y0 + row * m, (end - col) * m, rows * m);
        }
    }
    cairo_fill(p->cr);
}

static void block_draw(statement_pdf *p, const block *b)
{
    cairo_t *cr = p->cr;
    double x = p->spec->margin, cw = content_width(p);
    if (b->shade > 0) {
        cairo_set_source_rgb(cr, b->shade, b->shade, b->shade);
        cairo_rectangle(cr, x, b->y, cw, b->shade_h);
        cairo_fill(cr);
    }
    if (b->rule_above) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, x, b->y + 0.3);
        cairo_line_to(cr, x + cw, b->y + 0.3);
        cairo_stroke(cr);
    }
    if (b->qr)
        qr_draw(p, x + b->qr_x, b->y + b->qr_y, b->qr_size);
    for (int i = 0; i < b->n; i++) {
        const item *it = &b->items[i];
        cairo_set_source_rgb(cr, it->grey, it->grey, it->grey);
        cairo_move_to(cr, x + it->x, b->y + it->y);
        pango_cairo_show_layout(cr, it->lay);
    }
}

/* A line at the top of a continued page, and the footer of every page. */
static void page_furniture_draw(statement_pdf *p, const statement_doc *d, unsigned page,
                                unsigned pages)
{
    char line[TEXT_LINE_MAX], hex[STATEMENT_DIGEST_HEX + 1];
    double cw = content_width(p), x = p->spec->margin;
    block tmp;
    memset(&tmp, 0, sizeof tmp);
    if (page > 1) {
        snprintf(line, sizeof line, "%s %s \xe2\x80\x94 %s \xe2\x80\x94 %s",
                 _("Account statement"), _("(continued)"), statement_name_text(d),
                 d->participant);
        text_add(p, &tmp, F_BOLD, line, 0, x, cw, PANGO_ALIGN_LEFT, 0);
    }
    statement_digest_hex(hex, d->digest);
    snprintf(line, sizeof line, "%s \xc2\xb7 %s \xc2\xb7 ", d->participant, hex);
    size_t n = strlen(line);
    snprintf(line + n, sizeof line - n, _("Page %u of %u"), page, pages);
    double fy = p->spec->height - x * 0.75;
    text_add(p, &tmp, F_SMALL, line, 0, fy, cw, PANGO_ALIGN_RIGHT, NOTE_GREY);
    tmp.y = 0;
    block_draw(p, &tmp);
    for (int i = 0; i < tmp.n; i++)
        g_object_unref(tmp.items[i].lay);
}

static double font_line_h(const statement_pdf *p, font_id f)
{
    return p->spec->font_pt[f] * 1.6;
}

int statement_pdf_add(statement_pdf *p, const statement_doc *d, unsigned *pages_out, char *why,
                      size_t cap)
{
    const paper_spec *s = p->spec;
    p->qr = QRcode_encodeData((int)d->payload_len, (const unsigned char *)d->payload, 0,
                              QR_ECLEVEL_L);
    if (p->qr == NULL) {
        snprintf(why, cap, "statement %llu: its payload (%zu bytes) does not fit a QR code",
                 (unsigned long long)d->seq, d->payload_len);
        return -1;
    }
    int rc = statement_build(p, d);
    unsigned pages = 1;
    if (rc == 0) {
        double top = s->margin, footer = font_line_h(p, F_SMALL) + s->margin * 0.25;
        if (s->receipt) {
            blocks_place(p, top, top, 1e9);
            const block *last = &p->blocks[p->blocks_count - 1];
            double h = last->y + last->h + s->margin;
            cairo_pdf_surface_set_size(p->surface, s->width, h);
        } else {
            double cont_top = top + font_line_h(p, F_BOLD) + 8;
            pages = blocks_place(p, top, cont_top, s->height - s->margin - footer);
        }
        size_t next = 0;
        for (unsigned page = 1; page <= pages; page++) {
            if (!s->receipt)
                page_furniture_draw(p, d, page, pages);
            for (; next < p->blocks_count && p->blocks[next].page == page; next++)
                block_draw(p, &p->blocks[next]);
            cairo_show_page(p->cr);
        }
    } else {
        snprintf(why, cap, "out of memory");
    }
    blocks_free(p);
    QRcode_free(p->qr);
    p->qr = NULL;
    if (rc == 0 && cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(why, cap, "cairo: %s", cairo_status_to_string(cairo_status(p->cr)));
        rc = -1;
    }
    if (rc == 0 && pages_out != NULL)
        *pages_out = pages;
    return rc;
}

int statement_pdf_close(statement_pdf *p, char *why, size_t cap)
{
    int rc = 0;
    if (p == NULL)
        return 0;
    for (int i = 0; i < F_COUNT; i++)
        if (p->font[i] != NULL)
            pango_font_description_free(p->font[i]);
    if (p->pc != NULL)
        g_object_unref(p->pc);
    if (p->fontmap != NULL)
        g_object_unref(p->fontmap);
    if (p->cr != NULL)
        cairo_destroy(p->cr);
    if (p->surface != NULL) {
        cairo_surface_finish(p->surface);
        cairo_status_t st = cairo_surface_status(p->surface);
        if (st != CAIRO_STATUS_SUCCESS || p->write_errno != 0) {
            if (why != NULL)
                snprintf(why, cap, "writing the PDF: %s",
                         p->write_errno ? "write error (disk full?)"
                                        : cairo_status_to_string(st));
            rc = -1;
        }
        cairo_surface_destroy(p->surface);
    }
    blocks_free(p);
    free(p->blocks);
    free(p);
    return rc;
}

void statement_pdf_shutdown(void)
{
    /* cairo's font caches hold fontconfig patterns: released first, then
     * fontconfig's configuration. */
    cairo_debug_reset_static_data();
    FcFini();
}
