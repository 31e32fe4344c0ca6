/*
 * reconcile_report.c — the report of `cauris reconcile`: a readable text
 * table, CSV (one row per pair of lines) or JSON (jansson), from what
 * reconcile.c matched. Only what the period holds is reported: a match
 * whose lines all lie in the window's margins outside it is left out, and
 * so are unmatched lines there.
 *
 * Never: change a match, or print an amount other than with the
 * currency's digits (text, CSV) or in minor units (JSON, as strings).
 */
#include "cli/reconcile.h"

#include <csv.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_REF_WIDTH_MAX 24  /* characters of a reference in the text tables */
#define REPORT_TEXT_MAX 300      /* a label or memo cleaned for printing, bytes */
#define REPORT_SEQS_TEXT_MAX 256 /* "34,35,..." in a text table */

void rec_summary_make(const rec_ctx *c, rec_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < c->r.matches_count; i++) {
        const rec_match *m = &c->r.matches[i];
        if (m->reported && m->method == REC_DIFFERENCE)
            s->differences++;
        else if (m->reported)
            s->matched++;
    }
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_stmt *st = &c->stmts[i];
        if (!st->in_period)
            continue;
        s->stmt_lines++;
        s->missing_ledger += st->match == REC_NONE;
        s->net_overflow |= !rec_add_checked(s->stmt_net, st->amount, &s->stmt_net);
    }
    for (size_t i = 0; i < c->entries_count; i++) {
        const rec_entry *e = &c->entries[i];
        if (!e->in_period)
            continue;
        s->entry_lines++;
        s->missing_statement += e->match == REC_NONE;
        s->net_overflow |= !rec_add_checked(s->entry_net, e->amount, &s->entry_net);
    }
}

bool rec_reconciled(const rec_summary *s)
{
    return s->differences == 0 && s->missing_ledger == 0 && s->missing_statement == 0;
}

static const char *method_name(rec_method m)
{
    switch (m) {
    case REC_BY_REF:
        return "ref";
    case REC_BY_AMOUNT_DATE:
        return "amount-date";
    case REC_BY_COMBINED:
        return "combined";
    case REC_BY_REVERSAL:
        return "reversal";
    case REC_DIFFERENCE:
        return "difference";
    case REC_UNMATCHED:
        break;
    }
    return "unmatched";
}

static void amount_text(const rec_ctx *c, char out[CLI_AMOUNT_TEXT_MAX], int64_t v)
{
    cli_amount_format(out, CLI_AMOUNT_TEXT_MAX, v, c->digits);
}

static const rec_match *match_of(const rec_ctx *c, size_t id)
{
    return id == REC_NONE ? NULL : &c->r.matches[id];
}

static const rec_entry *entry_at(const rec_ctx *c, const rec_match *m, size_t j)
{
    return &c->entries[c->r.entry_index[m->first + j]];
}

/* Statement amount less the entries' (clamped when out of range). */
static int64_t difference_of(const rec_ctx *c, const rec_match *m)
{
    int64_t d;
    if (!rec_add_checked(c->stmts[m->stmt].amount, -m->entries_sum, &d))
        d = c->stmts[m->stmt].amount > 0 ? INT64_MAX : INT64_MIN;
    return d;
}

/* ---- text ---- */

/* `in` with control characters as spaces, cut to `max` bytes (on a
 * character boundary), or "-" when empty. */
static const char *clean(char out[REPORT_TEXT_MAX], const char *in, size_t max)
{
    size_t n = 0;
    if (in[0] == '\0')
        return "-";
    for (; in[n] != '\0' && n < max && n < REPORT_TEXT_MAX - 1; n++)
        out[n] = (unsigned char)in[n] < 0x20 || in[n] == 0x7f ? ' ' : in[n];
    while (n > 0 && in[n] != '\0' && ((unsigned char)in[n] & 0xc0) == 0x80)
        n--; /* do not cut a character in two */
    out[n] = '\0';
    return out;
}

typedef struct widths {
    int amount, ref;
} widths;

static void width_amount(const rec_ctx *c, widths *w, int64_t v)
{
    char a[CLI_AMOUNT_TEXT_MAX];
    amount_text(c, a, v);
    w->amount = (int)strlen(a) > w->amount ? (int)strlen(a) : w->amount;
}

static void width_ref(widths *w, const char *ref)
{
    int n = (int)strlen(ref);
    n = n > REPORT_REF_WIDTH_MAX ? REPORT_REF_WIDTH_MAX : n;
    w->ref = n > w->ref ? n : w->ref;
}

static void widths_make(const rec_ctx *c, widths *w)
{
    w->amount = 10; /* "difference" */
    w->ref = 3;
    for (size_t i = 0; i < c->stmts_count; i++) {
        width_amount(c, w, c->stmts[i].amount);
        width_ref(w, c->stmts[i].ref);
    }
    for (size_t i = 0; i < c->entries_count; i++) {
        width_amount(c, w, c->entries[i].amount);
        width_ref(w, c->entries[i].external_ref);
    }
    for (size_t i = 0; i < c->r.matches_count; i++) {
        if (c->r.matches[i].method == REC_DIFFERENCE)
            width_amount(c, w, difference_of(c, &c->r.matches[i]));
    }
}

static void text_header(const rec_ctx *c, const rec_summary *s)
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX], a[CLI_AMOUNT_TEXT_MAX],
        b[CLI_AMOUNT_TEXT_MAX];
    cli_date_format(from, c->from);
    cli_date_format(to, c->to);
    printf("reconcile: %s (programme %s, %s) against %s\n", c->o->account, c->programme,
           c->currency, strcmp(c->o->statement, "-") == 0 ? "standard input" : c->o->statement);
    printf("period: %s .. %s (value dates); date window %d day%s\n",
           c->from ? from : "beginning", c->to ? to : "end", c->window,
           c->window == 1 ? "" : "s");
    printf("amounts: + money into the account (%s), - money out\n",
           c->sign_ledger ? "a debit in the file and in the ledger"
                          : "a credit in the MFI's statement, a debit in the ledger");
    amount_text(c, a, s->stmt_net);
    amount_text(c, b, s->entry_net);
    printf("statement: %zu line%s, net %s %s", s->stmt_lines, s->stmt_lines == 1 ? "" : "s", a,
           c->currency);
    if (c->skipped > 0)
        printf(" (%llu row%s without an amount skipped)", (unsigned long long)c->skipped,
               c->skipped == 1 ? "" : "s");
    printf("\nledger: %zu line%s, net %s %s%s\n", s->entry_lines,
           s->entry_lines == 1 ? "" : "s", b, c->currency,
           s->net_overflow ? " (a net is beyond the largest amount)" : "");
}

static void matched_row(const rec_ctx *c, const widths *w, const rec_match *m)
{
    char a[CLI_AMOUNT_TEXT_MAX], b[CLI_AMOUNT_TEXT_MAX], d1[CLI_DATE_TEXT_MAX],
        d2[CLI_DATE_TEXT_MAX], line[24], ref[REPORT_TEXT_MAX];
    const rec_stmt *st = m->stmt != REC_NONE ? &c->stmts[m->stmt] : NULL;
    for (size_t j = 0; j < m->count; j++) {
        const rec_entry *e = entry_at(c, m, j);
        bool first = j == 0 && st != NULL;
        snprintf(line, sizeof line, "%llu", st ? (unsigned long long)st->line : 0ull);
        cli_date_format(d1, st ? st->date : 0);
        amount_text(c, a, st ? st->amount : 0);
        cli_date_format(d2, e->date);
        amount_text(c, b, e->amount);
        printf("  %6s  %-10s  %*s  %-11s  %8llu  %-10s  %*s  %s\n", first ? line : "",
               first ? d1 : "", w->amount, first ? a : "", j == 0 ? method_name(m->method) : "",
               (unsigned long long)e->seq, d2, w->amount, b,
               clean(ref, e->external_ref, REPORT_REF_WIDTH_MAX));
    }
}

static void text_matched(const rec_ctx *c, const rec_summary *s, const widths *w)
{
    printf("\nmatched: %zu\n", s->matched);
    if (s->matched == 0)
        return;
    printf("  %6s  %-10s  %*s  %-11s  %8s  %-10s  %*s  %s\n", "line", "date", w->amount,
           "amount", "by", "seq", "value date", w->amount, "amount", "ref");
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_match *m = match_of(c, c->stmts[i].match);
        if (m != NULL && m->reported && m->method != REC_DIFFERENCE)
            matched_row(c, w, m);
    }
    for (size_t i = 0; i < c->r.matches_count; i++) {
        const rec_match *m = &c->r.matches[i];
        if (m->reported && m->stmt == REC_NONE)
            matched_row(c, w, m);
    }
}

/* "34,35" */
static void seqs_text(const rec_ctx *c, const rec_match *m, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t j = 0; j < m->count && used < cap; j++) {
        int n = snprintf(out + used, cap - used, "%s%llu", j ? "," : "",
                         (unsigned long long)entry_at(c, m, j)->seq);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static void text_differences(const rec_ctx *c, const rec_summary *s, const widths *w)
{
    char a[CLI_AMOUNT_TEXT_MAX], b[CLI_AMOUNT_TEXT_MAX], d[CLI_AMOUNT_TEXT_MAX],
        date[CLI_DATE_TEXT_MAX], ref[REPORT_TEXT_MAX], seqs[REPORT_SEQS_TEXT_MAX];
    printf("\namount differences (same reference, another amount): %zu\n", s->differences);
    if (s->differences == 0)
        return;
    printf("  %6s  %-10s  %*s  %*s  %*s  %-*s  %s\n", "line", "date", w->amount, "statement",
           w->amount, "ledger", w->amount, "difference", w->ref, "ref", "seq");
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_stmt *st = &c->stmts[i];
        const rec_match *m = match_of(c, st->match);
        if (m == NULL || !m->reported || m->method != REC_DIFFERENCE)
            continue;
        cli_date_format(date, st->date);
        amount_text(c, a, st->amount);
        amount_text(c, b, m->entries_sum);
        amount_text(c, d, difference_of(c, m));
        seqs_text(c, m, seqs, sizeof seqs);
        printf("  %6llu  %-10s  %*s  %*s  %*s  %-*s  %s\n", (unsigned long long)st->line, date,
               w->amount, a, w->amount, b, w->amount, d, w->ref,
               clean(ref, st->ref, REPORT_REF_WIDTH_MAX), seqs);
    }
}

static void text_missing(const rec_ctx *c, const rec_summary *s, const widths *w)
{
    char a[CLI_AMOUNT_TEXT_MAX], date[CLI_DATE_TEXT_MAX], ref[REPORT_TEXT_MAX],
        text[REPORT_TEXT_MAX], id[REPORT_TEXT_MAX];
    printf("\nin the statement, missing in the ledger: %zu\n", s->missing_ledger);
    if (s->missing_ledger > 0)
        printf("  %6s  %-10s  %*s  %-*s  %s\n", "line", "date", w->amount, "amount", w->ref,
               "ref", "label");
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_stmt *st = &c->stmts[i];
        if (!st->in_period || st->match != REC_NONE)
            continue;
        cli_date_format(date, st->date);
        amount_text(c, a, st->amount);
        printf("  %6llu  %-10s  %*s  %-*s  %s\n", (unsigned long long)st->line, date, w->amount,
               a, w->ref, clean(ref, st->ref, REPORT_REF_WIDTH_MAX),
               clean(text, st->label, REPORT_TEXT_MAX));
    }
    printf("\nin the ledger, missing in the statement: %zu\n", s->missing_statement);
    if (s->missing_statement > 0)
        printf("  %6s  %-10s  %*s  %-*s  %-15s  %s\n", "seq", "value date", w->amount, "amount",
               w->ref, "ref", "operation", "client id / memo");
    for (size_t i = 0; i < c->entries_count; i++) {
        const rec_entry *e = &c->entries[i];
        if (!e->in_period || e->match != REC_NONE)
            continue;
        const char *op = ledger_op_name(e->op);
        cli_date_format(date, e->date);
        amount_text(c, a, e->amount);
        printf("  %6llu  %-10s  %*s  %-*s  %-15s  %s", (unsigned long long)e->seq, date,
               w->amount, a, w->ref, clean(ref, e->external_ref, REPORT_REF_WIDTH_MAX),
               op ? op : "?", clean(id, e->client_id, LEDGER_CLIENT_ID_MAX));
        if (e->memo[0] != '\0')
            printf(" / %s", clean(text, e->memo, REPORT_TEXT_MAX));
        printf("\n");
    }
}

static void plural(bool *first, size_t n, const char *one, const char *many)
{
    if (n == 0)
        return;
    printf("%s%zu %s", *first ? "" : ", ", n, n == 1 ? one : many);
    *first = false;
}

int rec_report_text(const rec_ctx *c, const rec_summary *s)
{
    widths w;
    widths_make(c, &w);
    text_header(c, s);
    text_matched(c, s, &w);
    text_differences(c, s, &w);
    text_missing(c, s, &w);
    if (rec_reconciled(s)) {
        printf("\nresult: reconciled (%zu match%s)\n", s->matched, s->matched == 1 ? "" : "es");
        return CLI_EXIT_OK;
    }
    bool first = true;
    printf("\nresult: NOT reconciled: ");
    plural(&first, s->differences, "amount difference", "amount differences");
    plural(&first, s->missing_ledger, "statement line missing in the ledger",
           "statement lines missing in the ledger");
    plural(&first, s->missing_statement, "ledger entry missing in the statement",
           "ledger entries missing in the statement");
    printf("\n");
    return CLI_EXIT_OK;
}

/* ---- CSV: one row per pair of lines ---- */

static void csv_text(const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n") != NULL)
        csv_fwrite(stdout, s, strlen(s)); /* libcsv quotes it */
    else
        fputs(s, stdout);
    fputc(last ? '\n' : ',', stdout);
}

static void csv_amount(const rec_ctx *c, int64_t v, bool given, bool last)
{
    char a[CLI_AMOUNT_TEXT_MAX] = "";
    if (given)
        amount_text(c, a, v);
    csv_text(a, last);
}

static void csv_row(const rec_ctx *c, const char *status, const rec_match *m,
                    const rec_stmt *st, const rec_entry *e, bool with_difference)
{
    char date[CLI_DATE_TEXT_MAX] = "", line[24] = "", seq[24] = "";
    csv_text(status, false);
    csv_text(m ? method_name(m->method) : "", false);
    if (st != NULL) {
        snprintf(line, sizeof line, "%llu", (unsigned long long)st->line);
        cli_date_format(date, st->date);
    }
    csv_text(line, false);
    csv_text(st ? date : "", false);
    csv_amount(c, st ? st->amount : 0, st != NULL, false);
    csv_text(st ? st->ref : "", false);
    csv_text(st ? st->label : "", false);
    if (e != NULL) {
        snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
        cli_date_format(date, e->date);
    }
    const char *op = e ? ledger_op_name(e->op) : "";
    csv_text(seq, false);
    csv_text(e ? date : "", false);
    csv_amount(c, e ? e->amount : 0, e != NULL, false);
    csv_text(e ? e->external_ref : "", false);
    csv_text(op ? op : "", false);
    csv_text(e ? e->client_id : "", false);
    csv_text(e ? e->memo : "", false);
    csv_amount(c, with_difference ? difference_of(c, m) : 0, with_difference, true);
}

static void csv_match(const rec_ctx *c, const rec_match *m)
{
    const rec_stmt *st = m->stmt != REC_NONE ? &c->stmts[m->stmt] : NULL;
    bool diff = m->method == REC_DIFFERENCE;
    for (size_t j = 0; j < m->count; j++)
        csv_row(c, diff ? "difference" : "matched", m, st, entry_at(c, m, j), diff && j == 0);
}

int rec_report_csv(const rec_ctx *c)
{
    printf("status,by,line,date,amount,ref,label,seq,value_date,entry_amount,external_ref,"
           "operation,client_id,memo,difference\n");
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_stmt *st = &c->stmts[i];
        const rec_match *m = match_of(c, st->match);
        if (m != NULL && m->reported)
            csv_match(c, m);
        else if (m == NULL && st->in_period)
            csv_row(c, "missing_in_ledger", NULL, st, NULL, false);
    }
    for (size_t i = 0; i < c->r.matches_count; i++) {
        if (c->r.matches[i].reported && c->r.matches[i].stmt == REC_NONE)
            csv_match(c, &c->r.matches[i]);
    }
    for (size_t i = 0; i < c->entries_count; i++) {
        const rec_entry *e = &c->entries[i];
        if (e->in_period && e->match == REC_NONE)
            csv_row(c, "missing_in_statement", NULL, NULL, e, false);
    }
    return CLI_EXIT_OK;
}

/* ---- JSON ---- */

static json_t *json_amount(int64_t v)
{
    char a[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(a, sizeof a, v, 0);
    return json_string(a);
}

static json_t *json_date(uint32_t d)
{
    char t[CLI_DATE_TEXT_MAX];
    if (d == 0)
        return json_null();
    cli_date_format(t, d);
    return json_string(t);
}

static json_t *json_stmt(const rec_stmt *st)
{
    /* The CSV reader checked every field is UTF-8; the ledger did the same. */
    return json_pack("{s:I, s:o, s:o, s:s, s:s}", "line", (json_int_t)st->line, "date",
                     json_date(st->date), "amount", json_amount(st->amount), "ref", st->ref,
                     "label", st->label);
}

static json_t *json_entry(const rec_entry *e)
{
    const char *op = ledger_op_name(e->op), *kind = ledger_kind_name(e->kind);
    return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
                     "value_date", json_date(e->date), "amount", json_amount(e->amount),
                     "external_ref", e->external_ref, "kind", kind ? kind : "?", "operation",
                     op ? op : "?", "client_id", e->client_id, "memo", e->memo);
}

static json_t *json_match(const rec_ctx *c, const rec_match *m)
{
    json_t *entries = json_array();
    for (size_t j = 0; j < m->count; j++)
        json_array_append_new(entries, json_entry(entry_at(c, m, j)));
    json_t *o = json_pack("{s:s, s:o, s:o}", "by", method_name(m->method), "statement",
                          m->stmt != REC_NONE ? json_stmt(&c->stmts[m->stmt]) : json_null(),
                          "entries", entries);
    if (o != NULL && m->method == REC_DIFFERENCE) {
        json_object_set_new(o, "ledger_amount", json_amount(m->entries_sum));
        json_object_set_new(o, "difference", json_amount(difference_of(c, m)));
    }
    return o;
}

static void json_lists(const rec_ctx *c, json_t *matched, json_t *diffs, json_t *miss_l,
                       json_t *miss_s)
{
    for (size_t i = 0; i < c->stmts_count; i++) {
        const rec_stmt *st = &c->stmts[i];
        const rec_match *m = match_of(c, st->match);
        if (m != NULL && m->reported)
            json_array_append_new(m->method == REC_DIFFERENCE ? diffs : matched,
                                  json_match(c, m));
        else if (m == NULL && st->in_period)
            json_array_append_new(miss_l, json_stmt(st));
    }
    for (size_t i = 0; i < c->r.matches_count; i++) {
        if (c->r.matches[i].reported && c->r.matches[i].stmt == REC_NONE)
            json_array_append_new(matched, json_match(c, &c->r.matches[i]));
    }
    for (size_t i = 0; i < c->entries_count; i++) {
        if (c->entries[i].in_period && c->entries[i].match == REC_NONE)
            json_array_append_new(miss_s, json_entry(&c->entries[i]));
    }
}

int rec_report_json(const rec_ctx *c, const rec_summary *s)
{
    json_t *matched = json_array(), *diffs = json_array(), *miss_l = json_array(),
           *miss_s = json_array();
    json_lists(c, matched, diffs, miss_l, miss_s);
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:i, s:{s:s, s:I, s:I, s:o}, s:{s:I, s:o}, s:{s:o, s:o}, s:i, s:s, "
        "s:b, s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}",
        "programme", c->programme, "account", c->o->account, "currency", c->currency, "digits",
        c->digits, "statement", "file", c->o->statement, "lines", (json_int_t)s->stmt_lines,
        "skipped", (json_int_t)c->skipped, "net", json_amount(s->stmt_net), "ledger", "lines",
        (json_int_t)s->entry_lines, "net", json_amount(s->entry_net), "period", "from",
        json_date(c->from), "to", json_date(c->to), "window_days", c->window, "statement_sign",
        c->sign_ledger ? "ledger" : "bank", "reconciled", rec_reconciled(s), "counts",
        "matched", (json_int_t)s->matched, "differences", (json_int_t)s->differences,
        "missing_in_ledger", (json_int_t)s->missing_ledger, "missing_in_statement",
        (json_int_t)s->missing_statement, "matched", matched, "differences", diffs,
        "missing_in_ledger", miss_l, "missing_in_statement", miss_s);
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (text == NULL)
        return cli_fail(RECONCILE_CMD, "out of memory (or a text that is not UTF-8) "
                                       "writing the JSON report");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}
