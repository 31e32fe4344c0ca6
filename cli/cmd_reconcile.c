/*
 * cmd_reconcile.c — `cauris reconcile`: an MFI's statement (CSV) against
 * the ledger's lines of partner:<mfi>:cash. This file reads both sides
 * and prints the report (text, CSV or JSON); reconcile.c matches them.
 *
 * The statement is read with libcsv (csv.c) as the MFI writes it, French
 * conventions included: ';' separator, decimal comma, dd/mm/yyyy dates,
 * thousands grouped by spaces (U+0020, U+00A0, U+202F) or by '.' when the
 * decimal mark is a comma. Columns are found by name, case aside; other
 * columns (a running balance, a value date) are left alone.
 *
 * Signs: both sides are compared as + money into the account, - money
 * out. By default (--statement-sign bank) the file is the MFI's statement
 * to its customer: its credit column, or a positive amount, is money the
 * programme received, which is a debit of the asset partner:<mfi>:cash.
 * With --statement-sign ledger the file's debit and credit columns are the
 * ledger's own sides. A single signed column reads the same way under
 * both: positive is money in.
 *
 * Exit status 0 only when everything is reconciled; 1 when anything is
 * missing on either side or differs, or on failure; 2 on bad usage.
 */
#include "cli/reconcile.h"

#include <stdlib.h>
#include <string.h>

#define REC_ERRORS_SHOWN 20    /* malformed rows named before "and N more" */
#define REC_NUMBER_TEXT_MAX 64 /* an amount's digits and decimal point, bytes */

static const char reconcile_usage[] =
    "usage: cauris reconcile DIR --account CODE --statement FILE.csv [options]\n"
    "\n"
    "Matches the lines of an MFI's statement (CSV) against the ledger's lines of\n"
    "the account (e.g. partner:mfi1:cash), in this order:\n"
    "  1. by reference: the entry's external_ref is the line's reference (an\n"
    "     entry with the same reference and another amount is an amount\n"
    "     difference);\n"
    "  2. by amount and date: the same amount, value dates at most --window-days\n"
    "     apart, one to one, nearest dates first, then the lowest seq;\n"
    "  3. combined: one statement line against 2 or more entries of its window,\n"
    "     in the same direction, whose amounts add up to it exactly (the 12\n"
    "     nearest in date are tried);\n"
    "  4. an entry and its reversal that the statement lacks cancel out.\n"
    "Reports the matched lines and how, the statement lines missing in the\n"
    "ledger, the ledger entries missing in the statement and the amount\n"
    "differences. Exits 0 only when everything is reconciled, 1 otherwise.\n"
    "\n"
    "Amounts are compared as + money into the account, - money out. By default\n"
    "the file is the MFI's statement to its customer (--statement-sign bank): a\n"
    "credit, or a positive amount, is money received, a debit of the account in\n"
    "the ledger. With --statement-sign ledger the file's debit and credit columns\n"
    "are the ledger's sides. A single signed amount column: positive is money in.\n"
    "\n"
    "options:\n"
    "  --programme NAME      the programme (default: the ledger's only one)\n"
    "  --account CODE        the asset account, e.g. partner:mfi1:cash (required)\n"
    "  --statement FILE      the statement, CSV ('-' = standard input; required)\n"
    "  --from DATE, --to DATE  the period, YYYY-MM-DD, on value dates (default:\n"
    "                        everything); lines just outside it may still match\n"
    "                        lines inside it within the window\n"
    "  --window-days N       days between matching dates, 0..60 (default 3)\n"
    "  --format text|csv|json  the report (default text)\n"
    "  --statement-sign bank|ledger  whose debit and credit the file shows\n"
    "\n"
    "the statement's columns (found by name, case aside; others are ignored):\n"
    "  --col-date NAME       the date (default: date)\n"
    "  --col-amount NAME     a signed amount (default: amount or montant)\n"
    "  --col-debit NAME --col-credit NAME  two unsigned columns instead (default:\n"
    "                        debit/débit and credit/crédit)\n"
    "  --col-ref NAME        the MFI's reference (default: ref, reference,\n"
    "                        référence or external_ref; optional)\n"
    "  --col-label NAME      a description (default: label, libellé, description\n"
    "                        or memo; optional)\n"
    "  --date-format F       yyyy-mm-dd, dd/mm/yyyy or mm/dd/yyyy (default: either\n"
    "                        yyyy-mm-dd or dd/mm/yyyy; '.' or '-' may stand for\n"
    "                        '/'; a time after the date is ignored)\n"
    "  --decimal-comma       amounts like 1 234,50 (the default with ';')\n"
    "  --decimal-point       amounts like 1,234.50 (the default otherwise)\n"
    "  --separator SEP       ',', ';' or tab (default: guessed from the header)\n"
    "\n"
    "Amounts may group thousands with spaces (also U+00A0 and U+202F), with '.'\n"
    "under a decimal comma or ',' under a decimal point, and carry a sign ('-'\n"
    "before or after, or parentheses). Rows with no amount (an opening balance\n"
    "line) are skipped and counted.\n";

/* ---- reading amounts and dates as people write them ---- */

/* Length of a space at s (ASCII space or tab, U+00A0, U+202F), 0 if none. */
static size_t space_len(const char *s)
{
    if (s[0] == ' ' || s[0] == '\t')
        return 1;
    if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
        return 2;
    if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
        (unsigned char)s[2] == 0xaf)
        return 3;
    return 0;
}

/* Length of a space ending s[0..len), 0 if none. */
static size_t space_len_end(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len >= 1 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        return 1;
    if (len >= 2 && u[len - 2] == 0xc2 && u[len - 1] == 0xa0)
        return 2;
    if (len >= 3 && u[len - 3] == 0xe2 && u[len - 2] == 0x80 && u[len - 1] == 0xaf)
        return 3;
    return 0;
}

/* Cuts spaces at both ends of s[0..*len) (s is NUL-terminated somewhere
 * at or after *len); returns the new start. */
static const char *trim(const char *s, size_t *len)
{
    size_t n;
    while (*len > 0 && (n = space_len(s)) > 0 && n <= *len) {
        s += n;
        *len -= n;
    }
    while ((n = space_len_end(s, *len)) > 0)
        *len -= n;
    return s;
}

/* Takes a sign off s[0..*len): '-' or '+' first, '-' last, or
 * parentheses around. */
static const char *sign_take(const char *s, size_t *len, bool *negative)
{
    *negative = false;
    if (*len >= 2 && s[0] == '(' && s[*len - 1] == ')') {
        *negative = true;
        s++;
        *len -= 2;
    } else if (*len >= 1 && (s[0] == '-' || s[0] == '+')) {
        *negative = s[0] == '-';
        s++;
        (*len)--;
    } else if (*len >= 1 && s[*len - 1] == '-') {
        *negative = true;
        (*len)--;
    }
    return trim(s, len);
}

/* Copies the digits of s[0..len) to out with one '.' for the decimal
 * mark, checking that thousands separators group by three before it. */
static int digits_normalise(const char *s, size_t len, bool decimal_comma, char *out,
                            size_t cap, const char **why)
{
    char mark = decimal_comma ? ',' : '.', group = decimal_comma ? '.' : ',';
    size_t o = 0, run = 0, groups = 0;
    bool decimals = false;
    *why = decimal_comma ? "is not an amount like 1 234,50 (or give --decimal-point)"
                         : "is not an amount like 1,234.50 (or give --decimal-comma)";
    for (size_t i = 0; i < len;) {
        size_t sp = space_len(s + i);
        if (s[i] >= '0' && s[i] <= '9') {
            if (o + 2 >= cap)
                return -1;
            out[o++] = s[i++];
            run++;
        } else if ((sp > 0 || s[i] == group || s[i] == '\'') && !decimals) {
            /* A thousands separator: 1 to 3 digits before the first, 3 after each. */
            if (run == 0 || (groups == 0 ? run > 3 : run != 3))
                return -1;
            groups++;
            run = 0;
            i += sp > 0 ? sp : 1;
        } else if (s[i] == mark && !decimals && o > 0 && (groups == 0 || run == 3)) {
            out[o++] = '.';
            decimals = true;
            i++;
        } else {
            return -1;
        }
    }
    if (o == 0 || (groups > 0 && !decimals && run != 3))
        return -1;
    out[o] = '\0';
    return 0;
}

/* A signed amount in the currency's units into minor units. */
static int amount_read(const rec_ctx *c, const char *text, bool signed_ok, int64_t *out,
                       char *why, size_t cap)
{
    char digits[REC_NUMBER_TEXT_MAX], inner[160];
    size_t len = strlen(text);
    bool negative;
    const char *reason = NULL;
    const char *s = sign_take(trim(text, &len), &len, &negative);
    int64_t v;
    if (negative && !signed_ok) {
        snprintf(why, cap, "'%.40s' has a sign; a debit or credit column holds amounts", text);
        return -1;
    }
    if (digits_normalise(s, len, c->decimal_comma, digits, sizeof digits, &reason) != 0) {
        snprintf(why, cap, "'%.40s' %s", text, reason);
        return -1;
    }
    if (cli_amount_parse_units(digits, c->digits, false, true, &v, inner, sizeof inner) != 0) {
        snprintf(why, cap, "'%.40s': %s", text, inner);
        return -1;
    }
    *out = negative ? -v : v;
    return 0;
}

/* Reads up to three numbers separated by one of "/.-" from s. */
static int date_parts(const char *s, size_t len, unsigned part[3], size_t width[3])
{
    size_t i = 0;
    char sep = 0;
    for (int p = 0; p < 3; p++) {
        part[p] = 0;
        width[p] = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && width[p] < 5) {
            part[p] = part[p] * 10u + (unsigned)(s[i++] - '0');
            width[p]++;
        }
        if (width[p] == 0)
            return -1;
        if (p < 2) {
            if (i >= len || (s[i] != '/' && s[i] != '.' && s[i] != '-') ||
                (sep != 0 && s[i] != sep))
                return -1;
            sep = s[i++];
        }
    }
    return i == len ? 0 : -1;
}

/* A date as --date-format says; with none, yyyy-mm-dd or dd/mm/yyyy
 * (told apart by the year's four digits first or last). */
static int date_read(rec_date_fmt fmt, const char *text, uint32_t *out)
{
    size_t len = strlen(text), cut = 0;
    const char *s = trim(text, &len);
    unsigned part[3], y, m, d;
    size_t width[3];
    while (cut < len && s[cut] != ' ' && s[cut] != 'T')
        cut++; /* a time after the date */
    if (date_parts(s, cut, part, width) != 0)
        return -1;
    bool iso = width[0] == 4;
    if ((fmt == REC_DATE_ISO && !iso) || ((fmt == REC_DATE_DMY || fmt == REC_DATE_MDY) && iso))
        return -1;
    if (iso) {
        y = part[0], m = part[1], d = part[2];
        if (width[1] > 2 || width[2] > 2)
            return -1;
    } else {
        y = part[2];
        m = fmt == REC_DATE_MDY ? part[0] : part[1];
        d = fmt == REC_DATE_MDY ? part[1] : part[0];
        if (width[2] != 4 || width[0] > 2 || width[1] > 2)
            return -1;
    }
    uint32_t date = y * 10000u + m * 100u + d;
    if (y > 9999 || !ledger_date_valid(date))
        return -1;
    *out = date;
    return 0;
}

/* ---- the statement's columns ---- */

typedef struct rec_cols {
    int date, amount, debit, credit, ref, label;
} rec_cols;

static bool name_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    a = trim(a, &la);
    b = trim(b, &lb);
    if (la != lb)
        return false;
    for (size_t i = 0; i < la; i++) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] - 'A' + 'a') : b[i];
        if (x != y)
            return false;
    }
    return true;
}

/* The column named `given`, else the first of `defaults` (NULL-ended)
 * that the header has; -1 when none. */
static int column_find(const cli_csv *t, const char *given, const char *const *defaults)
{
    for (size_t d = 0; given != NULL ? d == 0 : defaults[d] != NULL; d++) {
        const char *name = given != NULL ? given : defaults[d];
        for (size_t c = 0; c < t->columns; c++) {
            if (name_equal(t->header[c], name))
                return (int)c;
        }
    }
    return -1;
}

static int column_missing(const rec_ctx *c, const char *what, const char *option)
{
    char names[1024];
    size_t used = 0;
    names[0] = '\0';
    for (size_t i = 0; i < c->csv.columns && used < sizeof names; i++) {
        int n = snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "",
                         c->csv.header[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return cli_fail(RECONCILE_CMD,
                    "%s: the header (line %llu) has no %s column; name it with "
                    "%s (its columns: %s)",
                    c->o->statement, (unsigned long long)c->csv.header_line, what, option,
                    names);
}

static const char *const col_date_names[] = {"date", NULL};
static const char *const col_amount_names[] = {"amount", "montant", NULL};
static const char *const col_debit_names[] = {"debit", "débit", NULL};
static const char *const col_credit_names[] = {"credit", "crédit", NULL};
static const char *const col_ref_names[] = {"ref", "reference", "référence", "external_ref",
                                            NULL};
static const char *const col_label_names[] = {"label", "libellé", "description", "memo", NULL};

/* Finds the columns; a single amount column wins over debit and credit
 * unless those are named. */
static int columns_map(const rec_ctx *c, rec_cols *k)
{
    const rec_opts *o = c->o;
    const cli_csv *t = &c->csv;
    bool two = o->col_debit != NULL;
    k->date = column_find(t, o->col_date, col_date_names);
    k->amount = two ? -1 : column_find(t, o->col_amount, col_amount_names);
    k->debit = k->credit = -1;
    if (k->amount < 0 && o->col_amount == NULL) {
        k->debit = column_find(t, o->col_debit, col_debit_names);
        k->credit = column_find(t, o->col_credit, col_credit_names);
    }
    k->ref = column_find(t, o->col_ref, col_ref_names);
    k->label = column_find(t, o->col_label, col_label_names);
    if (k->date < 0)
        return column_missing(c, "date", "--col-date NAME");
    if (o->col_amount != NULL && k->amount < 0)
        return column_missing(c, "amount", "--col-amount NAME");
    if (k->amount < 0 && k->debit < 0 && k->credit < 0 && !two)
        return column_missing(c, "amount",
                              "--col-amount NAME, or --col-debit NAME and --col-credit NAME");
    if (k->amount < 0 && k->debit < 0)
        return column_missing(c, "debit", "--col-debit NAME");
    if (k->amount < 0 && k->credit < 0)
        return column_missing(c, "credit", "--col-credit NAME");
    if (o->col_ref != NULL && k->ref < 0)
        return column_missing(c, "reference", "--col-ref NAME");
    if (o->col_label != NULL && k->label < 0)
        return column_missing(c, "label", "--col-label NAME");
    return CLI_EXIT_OK;
}

/* ---- the statement's rows ---- */

static const char *field_trimmed(rec_ctx *c, size_t row, int col)
{
    /* The field is ours (cli_csv owns a copy): trim it in place. */
    if (col < 0)
        return "";
    char *f = c->csv.rows[row].fields[col];
    size_t len = strlen(f);
    const char *s = trim(f, &len);
    memmove(f, s, len);
    f[len] = '\0';
    return f;
}

/* The row's amount, + money in; *none when it has none. */
static int row_amount(rec_ctx *c, size_t row, const rec_cols *k, int64_t *out, bool *none,
                      char *why, size_t cap)
{
    *none = false;
    if (k->amount >= 0) {
        const char *text = field_trimmed(c, row, k->amount);
        *none = text[0] == '\0';
        return *none ? 0 : amount_read(c, text, true, out, why, cap);
    }
    const char *dt = field_trimmed(c, row, k->debit), *ct = field_trimmed(c, row, k->credit);
    int64_t debit = 0, credit = 0;
    if ((dt[0] != '\0' && amount_read(c, dt, false, &debit, why, cap) != 0) ||
        (ct[0] != '\0' && amount_read(c, ct, false, &credit, why, cap) != 0))
        return -1;
    if (debit != 0 && credit != 0) {
        snprintf(why, cap, "has both a debit (%.20s) and a credit (%.20s)", dt, ct);
        return -1;
    }
    *none = debit == 0 && credit == 0;
    /* The MFI's credit is money in; so is the ledger's debit. */
    int64_t in = c->sign_ledger ? debit : credit, out_ = c->sign_ledger ? credit : debit;
    *out = in != 0 ? in : -out_;
    return 0;
}

static int row_read(rec_ctx *c, size_t row, const rec_cols *k, char *why, size_t cap)
{
    rec_stmt *s = &c->stmts[c->stmts_count];
    bool none;
    int64_t amount = 0;
    memset(s, 0, sizeof *s);
    if (row_amount(c, row, k, &amount, &none, why, cap) != 0)
        return -1;
    if (none || amount == 0) {
        c->skipped++;
        return 0;
    }
    const char *date = field_trimmed(c, row, k->date);
    if (date_read(c->dates, date, &s->date) != 0) {
        snprintf(why, cap, "date '%.40s' is not a date %s", date,
                 c->dates == REC_DATE_ISO   ? "yyyy-mm-dd"
                 : c->dates == REC_DATE_DMY ? "dd/mm/yyyy"
                 : c->dates == REC_DATE_MDY ? "mm/dd/yyyy"
                                            : "yyyy-mm-dd or dd/mm/yyyy (see --date-format)");
        return -1;
    }
    s->line = c->csv.rows[row].line;
    s->day = rec_day_of(s->date);
    s->amount = amount;
    s->ref = field_trimmed(c, row, k->ref);
    s->label = field_trimmed(c, row, k->label);
    s->in_period = (c->from == 0 || s->date >= c->from) && (c->to == 0 || s->date <= c->to);
    /* Lines beyond the period's margins cannot match anything in it. */
    int64_t lo = c->from ? rec_day_of(c->from) - c->window : INT64_MIN;
    int64_t hi = c->to ? rec_day_of(c->to) + c->window : INT64_MAX;
    if (s->day >= lo && s->day <= hi)
        c->stmts_count++;
    return 0;
}

static int statement_read(rec_ctx *c)
{
    rec_cols k;
    char why[300];
    size_t errors = 0;
    int rc = cli_csv_read(RECONCILE_CMD, c->o->statement, c->o->separator, &c->csv);
    if (rc != CLI_EXIT_OK)
        return rc;
    c->decimal_comma = c->o->decimal_comma || (!c->o->decimal_point && c->csv.separator == ';');
    if ((rc = columns_map(c, &k)) != CLI_EXIT_OK)
        return rc;
    if (c->csv.rows_count > REC_LINES_MAX)
        return cli_fail(RECONCILE_CMD, "%s: more than %u lines; give a shorter period",
                        c->o->statement, REC_LINES_MAX);
    c->stmts = calloc(c->csv.rows_count ? c->csv.rows_count : 1, sizeof *c->stmts);
    if (c->stmts == NULL)
        return cli_fail(RECONCILE_CMD, "out of memory");
    for (size_t i = 0; i < c->csv.rows_count; i++) {
        if (row_read(c, i, &k, why, sizeof why) == 0)
            continue;
        if (errors++ < REC_ERRORS_SHOWN)
            fprintf(stderr, "cauris %s: %s: line %llu: %s\n", RECONCILE_CMD, c->o->statement,
                    (unsigned long long)c->csv.rows[i].line, why);
    }
    if (errors > REC_ERRORS_SHOWN)
        fprintf(stderr, "cauris %s: ... and %zu more\n", RECONCILE_CMD,
                errors - REC_ERRORS_SHOWN);
    if (errors > 0)
        return cli_fail(RECONCILE_CMD, "%s: %zu line%s could not be read; nothing was compared",
                        c->o->statement, errors, errors == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- the ledger's lines ---- */

static int entry_take(rec_ctx *c, ledger *l, const ledger_line *ln, size_t *cap)
{
    int64_t day = rec_day_of(ln->value_date);
    int64_t lo = c->from ? rec_day_of(c->from) - c->window : INT64_MIN;
    int64_t hi = c->to ? rec_day_of(c->to) + c->window : INT64_MAX;
    if (day < lo || day > hi)
        return CLI_EXIT_OK;
    if (c->entries_count == REC_LINES_MAX)
        return cli_fail(RECONCILE_CMD,
                        "%s has more than %u lines in the period; give a "
                        "shorter one with --from and --to",
                        c->o->account, REC_LINES_MAX);
    if (c->entries_count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 1024;
        rec_entry *grown = realloc(c->entries, grown_cap * sizeof *grown);
        if (grown == NULL)
            return cli_fail(RECONCILE_CMD, "out of memory");
        c->entries = grown;
        *cap = grown_cap;
    }
    rec_entry *e = &c->entries[c->entries_count];
    memset(e, 0, sizeof *e);
    e->seq = ln->seq;
    e->date = ln->value_date;
    e->day = day;
    e->amount = ln->side == LEDGER_DEBIT ? ln->amount : -ln->amount;
    e->kind = ln->kind;
    e->op = ln->op;
    e->reverses = LEDGER_SEQ_NONE;
    snprintf(e->external_ref, sizeof e->external_ref, "%s", ln->external_ref);
    snprintf(e->client_id, sizeof e->client_id, "%s", ln->client_id);
    snprintf(e->memo, sizeof e->memo, "%s", ln->memo);
    e->in_period = (c->from == 0 || e->date >= c->from) && (c->to == 0 || e->date <= c->to);
    if (ln->kind == LEDGER_KIND_REVERSAL) {
        ledger_entry full;
        int err = ledger_entry_get(l, ln->seq, &full);
        if (err != LEDGER_OK)
            return cli_fail_ledger(RECONCILE_CMD, "reading a reversal", err);
        e->reverses = full.ref;
    }
    c->entries_count++;
    return CLI_EXIT_OK;
}

/* Every line of the account, all pages: a statement's period is on
 * recorded days, and reconciliation is on value dates. */
static int ledger_read(rec_ctx *c, ledger *l)
{
    ledger_account_info info;
    int err = ledger_account_get(l, c->programme, c->o->account, &info);
    if (err != LEDGER_OK)
        return cli_fail_ledger(RECONCILE_CMD, c->o->account, err);
    if (info.type != LEDGER_ASSET)
        return cli_fail(RECONCILE_CMD,
                        "%s is not an asset (it is of type %s); reconcile compares money "
                        "held, such as partner:<mfi>:cash, with its statement",
                        c->o->account, ledger_account_type_name(info.type));
    ledger_line *lines = calloc(LEDGER_PAGE_MAX, sizeof *lines);
    if (lines == NULL)
        return cli_fail(RECONCILE_CMD, "out of memory");
    ledger_statement_query q = {c->programme, c->o->account, 0, 0, 0, LEDGER_PAGE_MAX};
    ledger_statement st;
    size_t cap = 0;
    int rc = CLI_EXIT_OK;
    do {
        err = ledger_statement_get(l, &q, lines, &st);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(RECONCILE_CMD, c->o->account, err);
            break;
        }
        for (uint32_t i = 0; rc == CLI_EXIT_OK && i < st.lines_count; i++)
            rc = entry_take(c, l, &lines[i], &cap);
        q.page_token = st.next_page_token;
    } while (rc == CLI_EXIT_OK && q.page_token != 0);
    free(lines);
    return rc;
}

static int ctx_options(rec_ctx *c)
{
    const rec_opts *o = c->o;
    uint64_t window = REC_WINDOW_DAYS_DEFAULT;
    if (o->account == NULL || o->statement == NULL)
        return cli_usage_error(RECONCILE_CMD, "needs --account CODE and --statement FILE");
    if (o->window_text != NULL &&
        (cli_parse_u64(o->window_text, &window) != 0 || window > REC_WINDOW_DAYS_MAX))
        return cli_usage_error(RECONCILE_CMD, "--window-days must be 0 to %d",
                               REC_WINDOW_DAYS_MAX);
    c->window = (int)window;
    if ((o->from_text != NULL && ledger_date_parse(o->from_text, &c->from) != 0) ||
        (o->to_text != NULL && ledger_date_parse(o->to_text, &c->to) != 0))
        return cli_usage_error(RECONCILE_CMD, "--from and --to are dates YYYY-MM-DD");
    if (c->from != 0 && c->to != 0 && c->from > c->to)
        return cli_usage_error(RECONCILE_CMD, "--from is after --to");
    if (o->decimal_comma && o->decimal_point)
        return cli_usage_error(RECONCILE_CMD,
                               "give --decimal-comma or --decimal-point, not both");
    if (o->col_amount != NULL && (o->col_debit != NULL || o->col_credit != NULL))
        return cli_usage_error(RECONCILE_CMD, "give --col-amount, or --col-debit and "
                                              "--col-credit, not both");
    if ((o->col_debit == NULL) != (o->col_credit == NULL))
        return cli_usage_error(RECONCILE_CMD, "--col-debit and --col-credit go together");
    const char *f = o->format ? o->format : "text";
    c->out = strcmp(f, "csv") == 0    ? REC_OUT_CSV
             : strcmp(f, "json") == 0 ? REC_OUT_JSON
                                      : REC_OUT_TEXT;
    if (c->out == REC_OUT_TEXT && strcmp(f, "text") != 0)
        return cli_usage_error(RECONCILE_CMD, "--format '%s': give text, csv or json", f);
    const char *d = o->date_format;
    c->dates = d == NULL                      ? REC_DATE_AUTO
               : strcmp(d, "yyyy-mm-dd") == 0 ? REC_DATE_ISO
               : strcmp(d, "dd/mm/yyyy") == 0 ? REC_DATE_DMY
               : strcmp(d, "mm/dd/yyyy") == 0 ? REC_DATE_MDY
                                              : (rec_date_fmt)-1;
    if ((int)c->dates < 0)
        return cli_usage_error(RECONCILE_CMD,
                               "--date-format '%s': give yyyy-mm-dd, "
                               "dd/mm/yyyy or mm/dd/yyyy",
                               d);
    if (o->sign != NULL && strcmp(o->sign, "bank") != 0 && strcmp(o->sign, "ledger") != 0)
        return cli_usage_error(RECONCILE_CMD, "--statement-sign '%s': give bank or ledger",
                               o->sign);
    c->sign_ledger = o->sign != NULL && strcmp(o->sign, "ledger") == 0;
    return 0;
}

static int reconcile_run(rec_ctx *c, const char *dir)
{
    ledger *l = NULL;
    int rc = cli_ledger_open_programme(RECONCILE_CMD, dir, false, NULL, c->o->programme, &l,
                                       c->programme);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(RECONCILE_CMD, l, c->programme, c->currency, &c->digits);
    if (rc == CLI_EXIT_OK)
        rc = statement_read(c);
    if (rc == CLI_EXIT_OK)
        rc = ledger_read(c, l);
    ledger_close(l);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (rec_match_all(c->stmts, c->stmts_count, c->entries, c->entries_count, c->window,
                      &c->r) != 0)
        return cli_fail(RECONCILE_CMD, "out of memory");
    rec_summary s;
    rec_summary_make(c, &s);
    rc = c->out == REC_OUT_JSON  ? rec_report_json(c, &s)
         : c->out == REC_OUT_CSV ? rec_report_csv(c)
                                 : rec_report_text(c, &s);
    if (rc != CLI_EXIT_OK)
        return rc;
    return rec_reconciled(&s) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cmd_reconcile(int argc, char **argv)
{
    rec_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},
        {"account", &o.account, NULL},
        {"statement", &o.statement, NULL},
        {"from", &o.from_text, NULL},
        {"to", &o.to_text, NULL},
        {"format", &o.format, NULL},
        {"window-days", &o.window_text, NULL},
        {"col-date", &o.col_date, NULL},
        {"col-amount", &o.col_amount, NULL},
        {"col-debit", &o.col_debit, NULL},
        {"col-credit", &o.col_credit, NULL},
        {"col-ref", &o.col_ref, NULL},
        {"col-label", &o.col_label, NULL},
        {"date-format", &o.date_format, NULL},
        {"separator", &o.separator, NULL},
        {"statement-sign", &o.sign, NULL},
        {"decimal-comma", NULL, &o.decimal_comma},
        {"decimal-point", NULL, &o.decimal_point},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(RECONCILE_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(reconcile_usage);
    if (a.pos_count != 1)
        return cli_usage_error(RECONCILE_CMD, "needs exactly one ledger directory");
    rec_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return cli_fail(RECONCILE_CMD, "out of memory");
    c->o = &o;
    rc = ctx_options(c);
    if (rc == 0)
        rc = reconcile_run(c, a.pos[0]);
    rec_result_free(&c->r);
    cli_csv_free(&c->csv);
    free(c->stmts);
    free(c->entries);
    free(c);
    return rc;
}
