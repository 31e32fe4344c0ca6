/*
 * chart.c — horizontal bar charts drawn with cairo (PNG or SVG): a title,
 * a subtitle, then one row per bar: its label on the left, the bar from a
 * zero axis, the caller's text for its value at its end.
 *
 * Lengths are the only floating point here; every figure a person reads
 * is the caller's own text, so no amount is ever rounded by drawing it.
 * This file knows nothing of the ledger.
 */
#include "cli/chart.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CHART_WIDTH_PX 960
#define CHART_MARGIN_PX 24
#define CHART_TOP_PX 84       /* title and subtitle above the first bar */
#define CHART_BOTTOM_PX 28    /* below the last bar */
#define CHART_ROW_PX 34       /* one bar and the gap after it */
#define CHART_BAR_PX 22       /* the bar's thickness */
#define CHART_LABEL_W_MAX 300 /* px of a label before it is cut with an ellipsis */
#define CHART_LABEL_W_MIN 60  /* px a label keeps however long the value texts */
#define CHART_PLOT_W_MIN 160  /* px left for the bars however long the texts */
#define CHART_GAP_PX 10       /* between label, bars and value texts */
#define CHART_FONT "DejaVu Sans"
#define CHART_TITLE_PT 20.0
#define CHART_SUBTITLE_PT 13.0
#define CHART_LABEL_PT 13.0
#define CHART_VALUE_PT 12.0

_Static_assert(CHART_BAR_PX < CHART_ROW_PX, "bars need a gap between them");

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb colour_text = {0.13, 0.13, 0.13};
static const rgb colour_muted = {0.38, 0.38, 0.40};
static const rgb colour_bar = {0.18, 0.40, 0.57};
static const rgb colour_bar_negative = {0.71, 0.31, 0.24};
static const rgb colour_axis = {0.62, 0.62, 0.64};

static void colour_set(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void font_set(cairo_t *cr, double size_pt, bool bold)
{
    cairo_select_font_face(cr, CHART_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size_pt);
}

static double text_width(cairo_t *cr, const char *text)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, text, &ext);
    return ext.x_advance;
}

/* Copies `text` to out[cap], cut at a character boundary and ended with
 * "…" when it is wider than max_w with the current font. */
static void text_fit(cairo_t *cr, const char *text, double max_w, char *out, size_t cap)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    snprintf(out, cap, "%s", text);
    if (text_width(cr, out) <= max_w)
        return;
    size_t n = strlen(out);
    while (n > 0) {
        do
            n--; /* back to the start of a UTF-8 character */
        while (n > 0 && ((unsigned char)out[n] & 0xc0u) == 0x80u);
        if (n + sizeof ellipsis > cap)
            continue;
        memcpy(out + n, ellipsis, sizeof ellipsis);
        if (text_width(cr, out) <= max_w)
            return;
    }
    snprintf(out, cap, "%s", ellipsis);
}

/* Where the bars go: the widest label and value text, the plot between. */
typedef struct layout {
    double height;
    double label_w, value_w;
    double plot_x0, plot_w, zero_x;
    double lo, span; /* value range drawn: lo .. lo + span, zero inside */
} layout;

static void layout_compute(cairo_t *cr, const chart_bars *c, layout *out)
{
    size_t rows = c->count > 0 ? c->count : 1;
    double label_w = 0, value_w = 0, lo = 0, hi = 0;
    font_set(cr, CHART_LABEL_PT, false);
    for (size_t i = 0; i < c->count; i++) {
        double w = text_width(cr, c->bars[i].label);
        label_w = w > label_w ? w : label_w;
    }
    font_set(cr, CHART_VALUE_PT, false);
    for (size_t i = 0; i < c->count; i++) {
        double w = text_width(cr, c->bars[i].value_text);
        value_w = w > value_w ? w : value_w;
        double v = (double)c->bars[i].value;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (label_w > CHART_LABEL_W_MAX)
        label_w = CHART_LABEL_W_MAX;
    double room =
        CHART_WIDTH_PX - 2.0 * CHART_MARGIN_PX - label_w - value_w - 2.0 * CHART_GAP_PX;
    if (room < CHART_PLOT_W_MIN) {
        /* Very long value texts: the labels give up the room (cut with "…"). */
        label_w -= CHART_PLOT_W_MIN - room;
        label_w = label_w > CHART_LABEL_W_MIN ? label_w : CHART_LABEL_W_MIN;
        room = CHART_PLOT_W_MIN;
    }
    out->height = CHART_TOP_PX + (double)rows * CHART_ROW_PX + CHART_BOTTOM_PX;
    out->label_w = label_w;
    out->value_w = value_w;
    out->plot_x0 = CHART_MARGIN_PX + label_w + CHART_GAP_PX;
    out->plot_w = room;
    out->lo = lo;
    out->span = hi - lo > 0 ? hi - lo : 1.0;
    out->zero_x = out->plot_x0 + (0.0 - lo) / out->span * room;
}

static void draw_titles(cairo_t *cr, const chart_bars *c)
{
    char fitted[CHART_TITLE_MAX + 8];
    double max_w = CHART_WIDTH_PX - 2.0 * CHART_MARGIN_PX;
    colour_set(cr, colour_text);
    font_set(cr, CHART_TITLE_PT, true);
    text_fit(cr, c->title, max_w, fitted, sizeof fitted);
    cairo_move_to(cr, CHART_MARGIN_PX, 36);
    cairo_show_text(cr, fitted);
    if (c->subtitle[0] != '\0') {
        colour_set(cr, colour_muted);
        font_set(cr, CHART_SUBTITLE_PT, false);
        text_fit(cr, c->subtitle, max_w, fitted, sizeof fitted);
        cairo_move_to(cr, CHART_MARGIN_PX, 60);
        cairo_show_text(cr, fitted);
    }
}

/* One row: label (right-aligned), bar from the zero axis, value text. */
static void draw_bar(cairo_t *cr, const layout *lay, const chart_bar *b, size_t row)
{
    char fitted[CHART_LABEL_MAX + 8];
    double top = CHART_TOP_PX + (double)row * CHART_ROW_PX;
    double mid = top + CHART_BAR_PX / 2.0;
    cairo_font_extents_t fe;

    colour_set(cr, colour_text);
    font_set(cr, CHART_LABEL_PT, false);
    cairo_font_extents(cr, &fe);
    text_fit(cr, b->label, lay->label_w, fitted, sizeof fitted);
    cairo_move_to(cr, CHART_MARGIN_PX + lay->label_w - text_width(cr, fitted),
                  mid + (fe.ascent - fe.descent) / 2.0);
    cairo_show_text(cr, fitted);

    double w = (double)b->value / lay->span * lay->plot_w;
    if (b->value != 0 && w > -1.0 && w < 1.0)
        w = b->value > 0 ? 1.0 : -1.0; /* a small value still shows */
    colour_set(cr, b->value < 0 ? colour_bar_negative : colour_bar);
    cairo_rectangle(cr, w >= 0 ? lay->zero_x : lay->zero_x + w, top, w >= 0 ? w : -w,
                    CHART_BAR_PX);
    cairo_fill(cr);

    double end = w > 0 ? lay->zero_x + w : lay->zero_x;
    colour_set(cr, colour_text);
    font_set(cr, CHART_VALUE_PT, false);
    cairo_font_extents(cr, &fe);
    cairo_move_to(cr, end + CHART_GAP_PX / 2.0, mid + (fe.ascent - fe.descent) / 2.0);
    cairo_show_text(cr, b->value_text);
}

static void draw(cairo_t *cr, const chart_bars *c, const layout *lay)
{
    colour_set(cr, (rgb){1.0, 1.0, 1.0});
    cairo_paint(cr);
    draw_titles(cr, c);
    if (c->count == 0) {
        colour_set(cr, colour_muted);
        font_set(cr, CHART_LABEL_PT, false);
        cairo_move_to(cr, CHART_MARGIN_PX, CHART_TOP_PX + CHART_BAR_PX / 2.0 + 4);
        cairo_show_text(cr, c->empty[0] != '\0' ? c->empty : "no data for this period");
        return;
    }
    for (size_t i = 0; i < c->count; i++)
        draw_bar(cr, lay, &c->bars[i], i);
    colour_set(cr, colour_axis);
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, lay->zero_x + 0.5, CHART_TOP_PX - 6);
    cairo_line_to(cr, lay->zero_x + 0.5, CHART_TOP_PX + (double)c->count * CHART_ROW_PX - 6);
    cairo_stroke(cr);
}

static int fail_status(cairo_status_t st, const char *path, char *why, size_t cap)
{
    snprintf(why, cap, "cannot write the chart %s: %s", path, cairo_status_to_string(st));
    return -1;
}

int chart_bars_write(const chart_bars *c, chart_format format, const char *path, char *why,
                     size_t cap)
{
    layout lay;
    /* Measuring needs a context; a 1 x 1 image surface is enough. */
    cairo_surface_t *probe = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(probe);
    if (c->count > CHART_BARS_MAX) {
        snprintf(why, cap, "a chart holds at most %d bars", CHART_BARS_MAX);
        cairo_destroy(cr);
        cairo_surface_destroy(probe);
        return -1;
    }
    layout_compute(cr, c, &lay);
    cairo_destroy(cr);
    cairo_surface_destroy(probe);

    int height = (int)lay.height;
    cairo_surface_t *s =
        format == CHART_SVG
            ? cairo_svg_surface_create(path, CHART_WIDTH_PX, (double)height)
            : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, CHART_WIDTH_PX, height);
    cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return fail_status(st, path, why, cap);
    }
    cr = cairo_create(s);
    draw(cr, c, &lay);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && format == CHART_PNG)
        st = cairo_surface_write_to_png(s, path);
    cairo_surface_finish(s); /* the SVG file is written and closed here */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st == CAIRO_STATUS_SUCCESS ? 0 : fail_status(st, path, why, cap);
}

/* fontconfig keeps its configuration for the life of the process, with
 * pointers stored as offsets a leak checker cannot follow, so ASan reports
 * it unless FcFini() releases it. cauris does not link fontconfig itself
 * (cairo does): its FcFini is looked up in the copy cairo loaded, and
 * nothing new is ever loaded here. */
static void fontconfig_fini(void)
{
    void *lib = dlopen("libfontconfig.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (lib == NULL)
        return;
    void (*fini)(void);
    *(void **)&fini = dlsym(lib, "FcFini");
    if (fini != NULL)
        fini();
    dlclose(lib);
}

void chart_end(void)
{
    cairo_debug_reset_static_data();
    fontconfig_fini();
}

void chart_thousands(char *out, size_t cap, const char *number)
{
    size_t i = 0, o = 0, digits = 0;
    if (cap == 0)
        return;
    if (number[0] == '-')
        i = 1;
    while (number[i + digits] >= '0' && number[i + digits] <= '9')
        digits++;
    char tail = number[i + digits];
    if (digits == 0 || (tail != '\0' && tail != '.')) {
        snprintf(out, cap, "%s", number); /* not a plain number: as it is */
        return;
    }
    if (i == 1 && o + 1 < cap)
        out[o++] = '-';
    for (size_t d = 0; d < digits && o + 1 < cap; d++) {
        if (d > 0 && (digits - d) % 3 == 0 && o + 2 < cap)
            out[o++] = ',';
        out[o++] = number[i + d];
    }
    out[o] = '\0';
    if (tail == '.')
        snprintf(out + o, cap - o, "%s", number + i + digits);
}
