/*
 * chart.h — horizontal bar charts for the donor report (cauris report
 * --chart DIR): one chart, one file, PNG or SVG, drawn with cairo.
 *
 * The caller gives a title, a subtitle and up to CHART_BARS_MAX bars, each
 * with its label, the integer its length stands for and the text written at
 * its end (already formatted: chart_thousands() groups digits). Nothing here
 * knows about ledgers or money: a bar's value only sets its length, and the
 * figures people read are the caller's exact texts.
 *
 * Text uses cairo's toy font API with "DejaVu Sans" (Debian's
 * fonts-dejavu-core); fontconfig picks a close face when it is missing.
 */
#ifndef CAURIS_CLI_CHART_H
#define CAURIS_CLI_CHART_H

#include <stddef.h>
#include <stdint.h>

#define CHART_BARS_MAX 64       /* bars in one chart; the caller keeps the largest */
#define CHART_LABEL_MAX 96      /* bytes of a bar's label (longer ones are cut) */
#define CHART_VALUE_TEXT_MAX 48 /* bytes of the text at a bar's end */
#define CHART_TITLE_MAX 160     /* bytes of a title or subtitle */
#define CHART_WHY_MAX 256       /* bytes of an error message */

typedef enum chart_format {
    CHART_PNG = 0, /* 960 px wide, ARGB32, written with cairo_surface_write_to_png */
    CHART_SVG = 1, /* cairo's SVG surface: text as glyph outlines */
} chart_format;

typedef struct chart_bar {
    char label[CHART_LABEL_MAX + 1];
    int64_t value; /* sets the bar's length; may be negative (drawn to the left) */
    char value_text[CHART_VALUE_TEXT_MAX + 1];
} chart_bar;

typedef struct chart_bars {
    char title[CHART_TITLE_MAX + 1];
    char subtitle[CHART_TITLE_MAX + 1]; /* "" for none */
    chart_bar bars[CHART_BARS_MAX];
    size_t count;                    /* 0 draws `empty` instead of bars */
    char empty[CHART_TITLE_MAX + 1]; /* "" = "no data for this period" */
} chart_bars;

/* Draws the chart into the file `path` (created or replaced) in format
 * `format`. Returns 0, or -1 with a sentence in why[cap] (cairo's reason
 * and the path). */
int chart_bars_write(const chart_bars *c, chart_format format, const char *path, char *why,
                     size_t cap);

/* Releases cairo's caches (fonts): call once after the last chart, so a
 * leak checker sees nothing held. */
void chart_end(void);

/* Copies a number written with digits, an optional leading '-' and an
 * optional decimal part ("-1234567.50") to out[cap] with ',' between groups
 * of three digits of its whole part ("-1,234,567.50"). Other text is copied
 * as it is. */
void chart_thousands(char *out, size_t cap, const char *number);

#endif
