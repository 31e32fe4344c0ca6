/*
 * render_text.c — participants' statements as plain text for receipt
 * printers: 42 columns on an 80 mm roll, 32 on a 58 mm one, the same
 * content as the PDF. Instead of the QR code, the statement's number (its
 * seq) and the first 16 hex characters of its digest, which anyone can
 * check with `cauris verify-statement DIR --seq N --digest HEX`.
 *
 * Widths are counted in characters, not bytes (UTF-8: "é" is one column);
 * amounts use plain spaces, which every printer's code page has.
 */
#include "cli/render.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#define TEXT_COLUMNS_MAX 80 /* widest line this file lays out */
#define TEXT_PIECE_MAX 1024 /* bytes of one piece of text */
#define DATE_COLUMNS 10     /* "30/11/2026" */

/* Characters (code points) in s[0..n). */
static size_t cols_of(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0u) != 0x80u;
    return c;
}

static size_t cols(const char *s)
{
    return cols_of(s, strlen(s));
}

/* Bytes of s holding at most `max` characters. */
static size_t bytes_for_cols(const char *s, size_t max)
{
    size_t c = 0, i = 0;
    for (; s[i] != '\0'; i++) {
        if (((unsigned char)s[i] & 0xC0u) != 0x80u) {
            if (c == max)
                break;
            c++;
        }
    }
    return i;
}

static void spaces(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

static void rule(FILE *out, int width, char c)
{
    for (int i = 0; i < width; i++)
        fputc(c, out);
    fputc('\n', out);
}

/* Writes `text` wrapped at spaces to `width` columns, the first line after
 * `first` columns already used, the others indented by `indent`. */
static void wrap(FILE *out, const char *text, size_t width, size_t first, size_t indent)
{
    size_t used = first;
    bool wrote = false;
    assert(indent < width);
    while (*text == ' ')
        text++;
    while (*text != '\0') {
        size_t room = width > used ? width - used : 1;
        size_t len = strlen(text);
        size_t fit = bytes_for_cols(text, room);
        if (fit < len) {
            /* Break at the last space that fits; a longer word is cut. */
            size_t cut = fit;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut > 0)
                fit = cut;
        }
        fwrite(text, 1, fit, out);
        fputc('\n', out);
        text += fit;
        while (*text == ' ')
            text++;
        if (*text != '\0')
            spaces(out, indent);
        used = indent;
        wrote = true;
    }
    if (!wrote && first > 0)
        fputc('\n', out); /* nothing written after a prefix */
}

static void centre(FILE *out, const char *text, int width)
{
    size_t c = cols(text);
    if (c < (size_t)width)
        spaces(out, ((size_t)width - c) / 2);
    wrap(out, text, (size_t)width, 0, 0);
}

/* `left` then `right` flush with the right edge; on two lines when they
 * do not fit on one. */
static void left_right(FILE *out, const char *left, const char *right, int width)
{
    size_t l = cols(left), r = cols(right), w = (size_t)width;
    if (l + 1 + r <= w) {
        fputs(left, out);
        spaces(out, w - l - r);
        fputs(right, out);
        fputc('\n', out);
        return;
    }
    wrap(out, left, w, 0, 0);
    if (r < w)
        spaces(out, w - r);
    fputs(right, out);
    fputc('\n', out);
}

static void header_write(FILE *out, const statement_doc *d, int width)
{
    char line[TEXT_PIECE_MAX], period[TEXT_PIECE_MAX], date[I18N_DATE_TEXT_MAX];
    size_t w = (size_t)width;
    rule(out, width, '=');
    centre(out, _("Account statement"), width);
    snprintf(line, sizeof line, _("Programme: %s"), d->programme);
    wrap(out, line, w, 0, 2);
    fputc('\n', out);
    wrap(out, statement_name_text(d), w, 0, 2);
    snprintf(line, sizeof line, _("Number: %s"), d->participant);
    wrap(out, line, w, 0, 2);
    statement_period_text(period, sizeof period, d);
    snprintf(line, sizeof line, _("Period: %s"), period);
    wrap(out, line, w, 0, 2);
    i18n_date_format(date, d->printed_on);
    snprintf(line, sizeof line, _("Printed on %s"), date);
    wrap(out, line, w, 0, 2);
}

static void line_write(FILE *out, const statement_doc *d, const statement_account *a,
                       const statement_line *ln, int width)
{
    char date[I18N_DATE_TEXT_MAX], text[TEXT_PIECE_MAX], amount[I18N_AMOUNT_TEXT_MAX],
        balance[I18N_AMOUNT_TEXT_MAX];
    i18n_lang lang = i18n_lang_current();
    size_t w = (size_t)width, indent = DATE_COLUMNS + 1;
    i18n_date_format(date, ln->value_date);
    statement_line_text(text, sizeof text, a, ln);
    fprintf(out, "%s ", date);
    wrap(out, text, w, indent, indent);
    if (ln->memo[0] != '\0') {
        spaces(out, indent);
        wrap(out, ln->memo, w, indent, indent);
    }
    i18n_amount_format(amount, sizeof amount, lang, ln->amount, d->digits, NULL,
                       I18N_AMOUNT_SIGN | I18N_AMOUNT_ASCII);
    i18n_amount_format(balance, sizeof balance, lang, ln->balance_after, d->digits, NULL,
                       I18N_AMOUNT_ASCII);
    size_t ac = cols(amount), bc = cols(balance);
    if (indent + ac + 1 + bc <= w) {
        spaces(out, indent);
        fputs(amount, out);
        spaces(out, w - indent - ac - bc);
        fputs(balance, out);
        fputc('\n', out);
    } else {
        left_right(out, amount, balance, width);
    }
}

static void account_write(FILE *out, const statement_doc *d, const statement_account *a,
                          int width)
{
    char note[TEXT_PIECE_MAX], amount[I18N_AMOUNT_TEXT_MAX], head[TEXT_PIECE_MAX];
    size_t w = (size_t)width;
    i18n_lang lang = i18n_lang_current();
    rule(out, width, '-');
    wrap(out, statement_account_title(a), w, 0, 2);
    statement_account_note(note, sizeof note, d, a);
    wrap(out, note, w, 0, 0);
    i18n_amount_format(amount, sizeof amount, lang, a->opening, d->digits, d->currency,
                       I18N_AMOUNT_ASCII);
    left_right(out, _("At the start:"), amount, width);
    if (a->lines_count == 0) {
        wrap(out, _("Nothing happened in this period."), w, 0, 0);
    } else {
        fputc('\n', out);
        const char *date = _("Date");
        fputs(date, out);
        spaces(out, cols(date) < DATE_COLUMNS + 1 ? DATE_COLUMNS + 1 - cols(date) : 1);
        wrap(out, _("What happened"), w, DATE_COLUMNS + 1, DATE_COLUMNS + 1);
        spaces(out, DATE_COLUMNS + 1);
        snprintf(head, sizeof head, "%s", _("Money in / out"));
        left_right(out, head, _("Balance"), width - DATE_COLUMNS - 1);
    }
    for (uint32_t i = 0; i < a->lines_count; i++)
        line_write(out, d, a, &a->lines[i], width);
    rule(out, width, '-');
    i18n_amount_format(amount, sizeof amount, lang, a->closing, d->digits, d->currency,
                       I18N_AMOUNT_ASCII);
    left_right(out, _("At the end, you have:"), amount, width);
    fputc('\n', out);
}

int statement_render_text(FILE *out, const statement_doc *d, int width)
{
    char line[TEXT_PIECE_MAX], hex[STATEMENT_DIGEST_HEX + 1];
    assert(width >= STATEMENT_TEXT_WIDTH_58 && width <= TEXT_COLUMNS_MAX);
    size_t w = (size_t)width;
    header_write(out, d, width);
    for (uint32_t i = 0; i < d->accounts_count; i++)
        account_write(out, d, &d->accounts[i], width);
    rule(out, width, '=');
    statement_digest_hex(hex, d->digest);
    wrap(out, _("To check this statement, give this number and code to the programme:"), w, 0,
         0);
    snprintf(line, sizeof line, _("Statement no. %llu \xc2\xb7 %s"), (unsigned long long)d->seq,
             hex);
    wrap(out, line, w, 0, 0);
    snprintf(line, sizeof line, "cauris verify-statement DIR --seq %llu --digest %s",
             (unsigned long long)d->seq, hex);
    wrap(out, line, w, 0, 2);
    fputc('\n', out);
    wrap(out, _("Keep this paper. If a figure looks wrong, talk to your programme officer."), w,
         0, 0);
    rule(out, width, '=');
    fputs("\n\n\n", out); /* room to tear the paper off */
    return ferror(out) ? -1 : 0;
}
