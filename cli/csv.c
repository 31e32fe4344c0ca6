/*
 * csv.c — CSV files people make in spreadsheets, read with libcsv into a
 * table of rows with the line each starts on, so that every error names
 * its line and column.
 *
 * libcsv does the quoting (separators, quotes and line ends inside quoted
 * fields, CRLF); this file adds what spreadsheets do around it: a UTF-8
 * byte order mark, ',' or ';' as the separator (French, Portuguese and
 * Spanish locales write ';'), blank rows, and the limits. The input is fed
 * to libcsv one physical line at a time so that a row knows its line.
 *
 * Never: interpret a field (that is each command's business), or accept a
 * row whose length differs from the header's (a stray separator would
 * otherwise shift every later column).
 */
#include "cli/cli.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CSV_BLOCK 65536 /* bytes read from standard input at a time */

typedef struct reader {
    cli_csv *t;
    char **fields; /* the row being read */
    size_t count;
    uint64_t line;      /* the physical line being fed */
    uint64_t row_start; /* the line the current row starts on, 0 = none yet */
    bool header_done;
    bool failed;
    char why[512];
} reader;

static void reader_fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reader_fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    if (r->failed)
        return;
    r->failed = true;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

static uint64_t row_line(const reader *r)
{
    return r->row_start != 0 ? r->row_start : r->line;
}

static void fields_free(char **fields, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(fields[i]);
    free(fields);
}

/* libcsv: one field ended. */
static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    const char *text = s != NULL ? s : "";
    if (r->failed)
        return;
    if (s == NULL)
        len = 0;
    if (r->count == CLI_CSV_COLUMNS_MAX) {
        reader_fail(r, "line %llu: more than %d fields", (unsigned long long)row_line(r),
                    CLI_CSV_COLUMNS_MAX);
        return;
    }
    if (len > CLI_CSV_FIELD_MAX) {
        reader_fail(r, "line %llu: field %zu is longer than %d bytes",
                    (unsigned long long)row_line(r), r->count + 1, CLI_CSV_FIELD_MAX);
        return;
    }
    if (memchr(text, '\0', len) != NULL || ledger_utf8_valid_prefix(text, len) != len) {
        reader_fail(r,
                    "line %llu: field %zu is not UTF-8 text (save the file as UTF-8 "
                    "CSV)",
                    (unsigned long long)row_line(r), r->count + 1);
        return;
    }
    if (r->fields == NULL)
        r->fields = calloc(CLI_CSV_COLUMNS_MAX, sizeof *r->fields);
    char *copy = malloc(len + 1);
    if (r->fields == NULL || copy == NULL) {
        free(copy);
        reader_fail(r, "out of memory");
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    r->fields[r->count++] = copy;
}

static bool row_blank(char **fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (fields[i][0] != '\0')
            return false;
    }
    return true;
}

static void row_take(reader *r, uint64_t line)
{
    cli_csv *t = r->t;
    if (!r->header_done) {
        for (size_t i = 0; i < r->count; i++) {
            if (r->fields[i][0] == '\0') {
                reader_fail(r, "line %llu: the header's column %zu has no name",
                            (unsigned long long)line, i + 1);
                fields_free(r->fields, r->count);
                return;
            }
        }
        t->header = r->fields;
        t->columns = r->count;
        t->header_line = line;
        r->header_done = true;
        return;
    }
    if (r->count != t->columns) {
        reader_fail(r,
                    "line %llu: %zu field%s, but the header (line %llu) has %zu columns; "
                    "check the separator '%c' and the quotes",
                    (unsigned long long)line, r->count, r->count == 1 ? "" : "s",
                    (unsigned long long)t->header_line, t->columns,
                    t->separator == '\t' ? ' ' : t->separator);
        fields_free(r->fields, r->count);
        return;
    }
    if (t->rows_count == CLI_CSV_ROWS_MAX) {
        reader_fail(r, "more than %u rows; split the file", CLI_CSV_ROWS_MAX);
        fields_free(r->fields, r->count);
        return;
    }
    if (t->rows_count % 1024 == 0) {
        cli_csv_row *grown = realloc(t->rows, (t->rows_count + 1024) * sizeof *grown);
        if (grown == NULL) {
            reader_fail(r, "out of memory");
            fields_free(r->fields, r->count);
            return;
        }
        t->rows = grown;
    }
    t->rows[t->rows_count++] = (cli_csv_row){line, r->fields, r->count};
}

/* libcsv: one row ended. */
static void on_row(int c, void *data)
{
    reader *r = data;
    uint64_t line = row_line(r);
    (void)c;
    r->row_start = 0;
    if (r->failed) {
        fields_free(r->fields, r->count);
    } else if (r->count == 0 || row_blank(r->fields, r->count)) {
        fields_free(r->fields, r->count); /* e.g. ";;;;" under a spreadsheet's data */
    } else {
        row_take(r, line);
    }
    r->fields = NULL;
    r->count = 0;
}

/* The separator a header line uses: the more frequent of ',' and ';'
 * outside quotes ("id;name" -> ';'), ',' when neither is there. */
static char separator_guess(const char *s, size_t len)
{
    size_t commas = 0, semis = 0, i = 0;
    bool quoted = false;
    while (i < len && (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t'))
        i++;
    for (; i < len && (quoted || (s[i] != '\n' && s[i] != '\r')); i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ',')
            commas++;
        else if (!quoted && s[i] == ';')
            semis++;
    }
    return semis > commas ? ';' : ',';
}

static bool line_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

/* Feeds the text to libcsv line by line. */
static void csv_feed(reader *r, struct csv_parser *p, const char *text, size_t len)
{
    size_t pos = 0;
    r->line = 0;
    while (pos < len && !r->failed) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        r->line++;
        if (r->row_start == 0 && !line_blank(text + pos, n))
            r->row_start = r->line;
        if (csv_parse(p, text + pos, n, on_field, on_row, r) != n) {
            reader_fail(r,
                        "line %llu: a quote in the wrong place (a field with quotes must "
                        "start and end with one, and a quote inside it is written \"\")",
                        (unsigned long long)r->line);
            return;
        }
        pos += n;
    }
    if (!r->failed && csv_fini(p, on_field, on_row, r) != 0)
        reader_fail(r, "line %llu: a quoted field is never closed",
                    (unsigned long long)(r->row_start ? r->row_start : r->line));
}

static int input_read(const char *cmd, const char *path, char **out, size_t *len_out)
{
    if (strcmp(path, "-") != 0)
        return cli_file_read(cmd, path, CLI_CSV_FILE_MAX, out, len_out);
    size_t len = 0, cap = CSV_BLOCK;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (len > CLI_CSV_FILE_MAX) {
            free(buf);
            return cli_fail(cmd, "standard input is larger than %u bytes", CLI_CSV_FILE_MAX);
        }
        if (n == 0)
            break;
        if (len == cap) {
            char *grown = realloc(buf, cap * 2 + 1);
            if (grown == NULL)
                free(buf);
            buf = grown;
            cap *= 2;
        }
    }
    if (buf == NULL)
        return cli_fail(cmd, "out of memory reading standard input");
    if (ferror(stdin)) {
        free(buf);
        return cli_fail(cmd, "cannot read standard input: %s", strerror(errno));
    }
    buf[len] = '\0';
    *out = buf;
    *len_out = len;
    return CLI_EXIT_OK;
}

static int separator_of_option(const char *cmd, const char *given, char *out)
{
    if (strcmp(given, ",") == 0 || strcmp(given, "comma") == 0)
        *out = ',';
    else if (strcmp(given, ";") == 0 || strcmp(given, "semicolon") == 0)
        *out = ';';
    else if (strcmp(given, "tab") == 0 || strcmp(given, "\t") == 0)
        *out = '\t';
    else
        return cli_usage_error(cmd, "--separator '%s': give ',', ';' or tab", given);
    return 0;
}

int cli_csv_read(const char *cmd, const char *path, const char *separator, cli_csv *out)
{
    static const char bom[] = "\xef\xbb\xbf";
    char *text = NULL, sep = ',';
    size_t len = 0;
    struct csv_parser p;
    memset(out, 0, sizeof *out);
    if (separator != NULL && separator_of_option(cmd, separator, &sep) != 0)
        return CLI_EXIT_USAGE;
    int rc = input_read(cmd, path, &text, &len);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *body = text;
    if (len >= 3 && memcmp(text, bom, 3) == 0) {
        body += 3;
        len -= 3;
    }
    if (separator == NULL)
        sep = separator_guess(body, len);
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(text);
        return cli_fail(cmd, "out of memory");
    }
    csv_set_delim(&p, (unsigned char)sep);
    out->separator = sep;
    reader r;
    memset(&r, 0, sizeof r);
    r.t = out;
    csv_feed(&r, &p, body, len);
    csv_free(&p);
    free(text);
    fields_free(r.fields, r.count);
    if (!r.failed && !r.header_done)
        reader_fail(&r, "the file is empty: it needs a header line naming its columns");
    if (r.failed) {
        cli_csv_free(out);
        return cli_fail(cmd, "%s: %s", strcmp(path, "-") == 0 ? "standard input" : path, r.why);
    }
    return CLI_EXIT_OK;
}

void cli_csv_free(cli_csv *t)
{
    if (t == NULL)
        return;
    fields_free(t->header, t->columns);
    for (size_t i = 0; i < t->rows_count; i++)
        fields_free(t->rows[i].fields, t->rows[i].count);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static void names_join(char *out, size_t cap, const cli_csv_column *spec, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", spec[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int cli_csv_columns(const char *cmd, const char *path, const cli_csv *t,
                    const cli_csv_column *spec, size_t n, int *index_out)
{
    char names[1024];
    names_join(names, sizeof names, spec, n);
    if (strcmp(path, "-") == 0)
        path = "standard input";
    for (size_t i = 0; i < n; i++)
        index_out[i] = -1;
    for (size_t c = 0; c < t->columns; c++) {
        size_t i = 0;
        while (i < n && strcmp(spec[i].name, t->header[c]) != 0)
            i++;
        if (i == n)
            return cli_fail(cmd, "%s: line %llu: unknown column '%.64s'; the columns are: %s",
                            path, (unsigned long long)t->header_line, t->header[c], names);
        if (index_out[i] >= 0)
            return cli_fail(cmd, "%s: line %llu: column '%s' appears twice", path,
                            (unsigned long long)t->header_line, spec[i].name);
        index_out[i] = (int)c;
    }
    for (size_t i = 0; i < n; i++) {
        if (spec[i].required && index_out[i] < 0)
            return cli_fail(cmd,
                            "%s: the header (line %llu) has no column '%s'; the columns "
                            "are: %s",
                            path, (unsigned long long)t->header_line, spec[i].name, names);
    }
    return CLI_EXIT_OK;
}

const char *cli_csv_field(const cli_csv *t, size_t row, int col)
{
    if (col < 0 || row >= t->rows_count || (size_t)col >= t->rows[row].count)
        return "";
    return t->rows[row].fields[col];
}
