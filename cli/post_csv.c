/*
 * post_csv.c — `cauris post DIR --csv FILE`: entries from a spreadsheet.
 *
 * One row, one entry. Programme operations name their participant and
 * amount (or days and daily rate), savings-group operations their group,
 * member and shares or amount; a plain transfer names a debit and a
 * credit account and the amount. Amounts are written as people write
 * them, in the currency's units ("1234.56"), with a decimal comma when the
 * file is separated by ';'.
 *
 * Like the JSON-lines form, the whole file is checked first and every
 * malformed row named (line and column); if any is, nothing is posted.
 * Entries point into the CSV table, which outlives the posting.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POST_CMD "post"
#define WHY_MAX 256

enum {
    COL_OP,
    COL_KIND,
    COL_CLIENT_ID,
    COL_PARTICIPANT,
    COL_AMOUNT,
    COL_DAYS,
    COL_DAILY_RATE,
    COL_WAGE_RUN,
    COL_CASH_PARTNER,
    COL_VALUE_DATE,
    COL_EXTERNAL_REF,
    COL_MEMO,
    COL_REF,
    COL_BUDGET_LINE,
    COL_CURRENCY,
    COL_PARTNER,
    COL_PRINCIPAL,
    COL_DEBIT,
    COL_CREDIT,
    COL_GROUP,
    COL_SHARES,
    COL_FROM_WALLET,
    COL_COUNT
};

static const cli_csv_column columns[COL_COUNT] = {
    [COL_OP] = {"op", false},
    [COL_KIND] = {"kind", false},
    [COL_CLIENT_ID] = {"client_id", false},
    [COL_PARTICIPANT] = {"participant", false},
    [COL_AMOUNT] = {"amount", false},
    [COL_DAYS] = {"days", false},
    [COL_DAILY_RATE] = {"daily_rate", false},
    [COL_WAGE_RUN] = {"wage_run", false},
    [COL_CASH_PARTNER] = {"cash_partner", false},
    [COL_VALUE_DATE] = {"value_date", true},
    [COL_EXTERNAL_REF] = {"external_ref", false},
    [COL_MEMO] = {"memo", false},
    [COL_REF] = {"ref", false},
    [COL_BUDGET_LINE] = {"budget_line", false},
    [COL_CURRENCY] = {"currency", false},
    [COL_PARTNER] = {"partner", false},
    [COL_PRINCIPAL] = {"principal", false},
    [COL_DEBIT] = {"debit", false},
    [COL_CREDIT] = {"credit", false},
    [COL_GROUP] = {"group", false},
    [COL_SHARES] = {"shares", false},
    [COL_FROM_WALLET] = {"from_wallet", false},
};

/* What one row needs beside the table: defaults made for it. */
typedef struct row_extra {
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
} row_extra;

typedef struct csv_ctx {
    const cli_csv *t;
    int col[COL_COUNT];
    const cli_jsonl_defaults *d;
    int digits;
    bool decimal_comma;
} csv_ctx;

static const char *field(const csv_ctx *c, size_t row, int col)
{
    return cli_csv_field(c->t, row, c->col[col]);
}

static int row_fail(char *why, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int row_fail(char *why, const char *column, const char *fmt, ...)
{
    char text[WHY_MAX - 64]; /* room for "column NAME: " */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (column != NULL)
        snprintf(why, WHY_MAX, "column %.32s: %s", column, text);
    else
        snprintf(why, WHY_MAX, "%s", text);
    return -1;
}

/* A text column within `max` bytes; NULL when empty and `fallback` is. */
static int text_get(const csv_ctx *c, size_t row, int col, size_t max, const char *fallback,
                    const char **out, char *why)
{
    const char *s = field(c, row, col);
    if (s[0] == '\0')
        s = fallback;
    if (s != NULL && strlen(s) > max)
        return row_fail(why, columns[col].name, "longer than %zu bytes", max);
    *out = (s != NULL && s[0] != '\0') ? s : NULL;
    return 0;
}

static int amount_get(const csv_ctx *c, size_t row, int col, int64_t *out, char *why)
{
    char reason[160];
    const char *s = field(c, row, col);
    if (s[0] == '\0')
        return 0;
    if (cli_amount_parse_units(s, c->digits, c->decimal_comma, false, out, reason,
                               sizeof reason) != 0)
        return row_fail(why, columns[col].name, "%s", reason);
    return 0;
}

static int kind_op_get(const csv_ctx *c, size_t row, ledger_entry_in *e, char *why)
{
    const char *kind = field(c, row, COL_KIND), *op = field(c, row, COL_OP);
    e->kind = LEDGER_KIND_POSTED;
    e->op = LEDGER_OP_TRANSFER;
    if (kind[0] != '\0' && ledger_kind_parse(kind, &e->kind) != 0)
        return row_fail(why, "kind",
                        "'%.32s' is not a kind (posted, pending, post, void, "
                        "reversal)",
                        kind);
    if (op[0] != '\0' && ledger_op_parse(op, &e->op) != 0)
        return row_fail(why, "op",
                        "'%.32s' is not an operation (transfer, funding, wage, payout, "
                        "capital_release, grant_commit, grant_disburse, ...)",
                        op);
    return 0;
}

int cli_yes_no_parse(const char *text, bool *out)
{
    static const char *const yes[] = {"yes", "y", "true", "1"}, *const no[] = {"no", "n",
                                                                               "false", "0",
                                                                               ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int cli_shares_parse(const char *text, uint32_t *out)
{
    uint64_t n;
    if (cli_parse_u64(text, &n) != 0 || n == 0 || n > LEDGER_SHARES_PER_MEETING_MAX)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

/* A share purchase's shares and whether the wallet pays for it. */
static int group_fields_get(const csv_ctx *c, size_t row, ledger_entry_in *e, char *why)
{
    const char *shares = field(c, row, COL_SHARES), *wallet = field(c, row, COL_FROM_WALLET);
    if (shares[0] != '\0' && cli_shares_parse(shares, &e->shares) != 0)
        return row_fail(why, "shares", "'%.32s' is not a number of shares, 1 to %d", shares,
                        LEDGER_SHARES_PER_MEETING_MAX);
    if (cli_yes_no_parse(wallet, &e->from_wallet) != 0)
        return row_fail(why, "from_wallet", "'%.32s' is not yes or no", wallet);
    return 0;
}

static int numbers_get(const csv_ctx *c, size_t row, ledger_entry_in *e, char *why)
{
    const char *date = field(c, row, COL_VALUE_DATE), *ref = field(c, row, COL_REF),
               *days = field(c, row, COL_DAYS);
    uint64_t n;
    if (ledger_date_parse(date, &e->value_date) != 0)
        return row_fail(why, "value_date", "'%.32s' is not a real date YYYY-MM-DD", date);
    bool derived = e->kind == LEDGER_KIND_POST || e->kind == LEDGER_KIND_VOID ||
                   e->kind == LEDGER_KIND_REVERSAL;
    if (derived && ref[0] == '\0')
        return row_fail(why, "ref", "a %s needs the seq of the entry it refers to",
                        ledger_kind_name(e->kind));
    if (!derived && ref[0] != '\0')
        return row_fail(why, "ref", "only for kinds post, void and reversal");
    if (derived &&
        (cli_parse_u64(ref, &e->ref) != 0 || e->ref == 0 || e->ref == LEDGER_SEQ_NONE))
        return row_fail(why, "ref", "'%.32s' is not the seq of an entry", ref);
    if (days[0] != '\0') {
        if (cli_parse_u64(days, &n) != 0 || n == 0 || n > CLI_WAGE_DAYS_MAX)
            return row_fail(why, "days", "'%.32s' is not a number of days, 1 to %d", days,
                            CLI_WAGE_DAYS_MAX);
        e->days = (uint32_t)n;
    }
    if (amount_get(c, row, COL_AMOUNT, &e->amount, why) != 0 ||
        amount_get(c, row, COL_DAILY_RATE, &e->daily_rate, why) != 0)
        return -1;
    return group_fields_get(c, row, e, why);
}

static int texts_get(const csv_ctx *c, size_t row, ledger_entry_in *e, char *why)
{
    const cli_jsonl_defaults *d = c->d;
    if (text_get(c, row, COL_PARTNER, LEDGER_PARTNER_MAX, d->partner, &e->partner, why) != 0 ||
        text_get(c, row, COL_PRINCIPAL, LEDGER_PRINCIPAL_MAX, d->principal, &e->principal,
                 why) != 0 ||
        text_get(c, row, COL_CLIENT_ID, LEDGER_CLIENT_ID_MAX, NULL, &e->client_id, why) != 0 ||
        text_get(c, row, COL_EXTERNAL_REF, LEDGER_EXTREF_MAX, NULL, &e->external_ref, why) !=
            0 ||
        text_get(c, row, COL_MEMO, LEDGER_MEMO_MAX, NULL, &e->memo, why) != 0 ||
        text_get(c, row, COL_PARTICIPANT, LEDGER_PARTICIPANT_ID_MAX, NULL, &e->participant,
                 why) != 0 ||
        text_get(c, row, COL_GROUP, LEDGER_GROUP_ID_MAX, NULL, &e->group, why) != 0 ||
        text_get(c, row, COL_CASH_PARTNER, LEDGER_PARTNER_MAX, NULL, &e->cash_partner, why) !=
            0 ||
        text_get(c, row, COL_WAGE_RUN, CLI_WAGE_RUN_MAX, NULL, &e->wage_run, why) != 0 ||
        text_get(c, row, COL_BUDGET_LINE, LEDGER_BUDGET_LINE_MAX, NULL, &e->budget_line, why) !=
            0 ||
        text_get(c, row, COL_CURRENCY, LEDGER_CURRENCY_LEN, NULL, &e->currency, why) != 0)
        return -1;
    if (e->partner == NULL)
        return row_fail(why, "partner", "empty: give --partner ID or a partner column");
    if (e->principal == NULL)
        return row_fail(why, "principal", "empty: give --principal ID or a principal column");
    if (e->wage_run != NULL && strchr(e->wage_run, ':') != NULL)
        return row_fail(why, "wage_run", "must not hold ':'");
    e->programme = c->d->programme;
    if (e->programme == NULL)
        return row_fail(why, NULL, "no programme: give --programme NAME");
    return 0;
}

/* debit and credit: a two-leg transfer of `amount`. */
static int legs_get(const csv_ctx *c, size_t row, ledger_entry_in *e, bool *has_legs, char *why)
{
    const char *debit = field(c, row, COL_DEBIT), *credit = field(c, row, COL_CREDIT);
    *has_legs = debit[0] != '\0' || credit[0] != '\0';
    if (!*has_legs)
        return 0;
    if (debit[0] == '\0' || credit[0] == '\0')
        return row_fail(why, debit[0] ? "credit" : "debit",
                        "empty: debit and credit go together (two account codes)");
    if (cli_op_typed(e->op))
        return row_fail(why, "debit",
                        "a %s's accounts come from the ledger; debit and credit are for a "
                        "transfer",
                        ledger_op_name(e->op));
    if (strlen(debit) > LEDGER_CODE_MAX || strlen(credit) > LEDGER_CODE_MAX)
        return row_fail(why, strlen(debit) > LEDGER_CODE_MAX ? "debit" : "credit",
                        "longer than %d bytes", LEDGER_CODE_MAX);
    if (e->amount == 0)
        return row_fail(why, "amount", "empty: a transfer moves an amount");
    e->legs[0] = (ledger_leg_in){debit, LEDGER_DEBIT, e->amount};
    e->legs[1] = (ledger_leg_in){credit, LEDGER_CREDIT, e->amount};
    e->legs_count = 2;
    e->amount = 0;
    return 0;
}

/* Defaults of the client id: a wage-run line's "<run>:<participant>", an
 * approval's "approve-<ref>", a cancellation's "cancel-<ref>". */
static int client_id_default(ledger_entry_in *e, row_extra *x, char *why)
{
    char reason[WHY_MAX];
    if (e->op == LEDGER_OP_WAGE && e->wage_run != NULL && e->kind != LEDGER_KIND_POST &&
        e->kind != LEDGER_KIND_VOID && e->kind != LEDGER_KIND_REVERSAL) {
        if (cli_wage_run_client_id(e, x->client_id, reason, sizeof reason) != 0)
            return row_fail(why, NULL, "%s", reason);
        e->client_id = NULL; /* the library makes the same one */
        return 0;
    }
    if (e->client_id == NULL && (e->kind == LEDGER_KIND_POST || e->kind == LEDGER_KIND_VOID)) {
        snprintf(x->client_id, sizeof x->client_id, "%s-%llu",
                 e->kind == LEDGER_KIND_POST ? "approve" : "cancel",
                 (unsigned long long)e->ref);
        e->client_id = x->client_id;
    }
    if (e->client_id == NULL)
        return row_fail(why, "client_id", "empty: every entry needs the partner's id for it");
    return 0;
}

static int row_get(const csv_ctx *c, size_t row, ledger_entry_in *e, row_extra *x, char *why)
{
    char reason[WHY_MAX];
    bool has_legs = false;
    memset(e, 0, sizeof *e);
    if (kind_op_get(c, row, e, why) != 0 || numbers_get(c, row, e, why) != 0 ||
        texts_get(c, row, e, why) != 0 || legs_get(c, row, e, &has_legs, why) != 0)
        return -1;
    if (cli_entry_op_check(e, has_legs, reason, sizeof reason) != 0)
        return row_fail(why, NULL, "%s", reason);
    return client_id_default(e, x, why);
}

/* Posts entries[0..count) in requests of LEDGER_REQUEST_ENTRIES_MAX. */
static int rows_post(ledger *l, const cli_csv *t, ledger_entry_in *entries, size_t count,
                     bool atomic, cli_post_totals *totals)
{
    ledger_result *results = calloc(LEDGER_REQUEST_ENTRIES_MAX, sizeof *results);
    if (results == NULL)
        return cli_fail(POST_CMD, "out of memory");
    int rc = CLI_EXIT_OK;
    for (size_t first = 0; first < count && rc == CLI_EXIT_OK;) {
        size_t n = count - first;
        if (n > LEDGER_REQUEST_ENTRIES_MAX)
            n = LEDGER_REQUEST_ENTRIES_MAX;
        int err = ledger_post(l, entries + first, (uint32_t)n, atomic, results, NULL);
        if (err != LEDGER_OK) {
            char what[96];
            snprintf(what, sizeof what, "lines %llu to %llu were not posted",
                     (unsigned long long)t->rows[first].line,
                     (unsigned long long)t->rows[first + n - 1].line);
            rc = cli_fail_ledger(POST_CMD, what, err);
            break;
        }
        for (size_t i = 0; i < n; i++)
            cli_post_result_print(t->rows[first + i].line, &results[i], totals);
        first += n;
    }
    free(results);
    return rc;
}

/* Converts every row; reports each malformed one. */
static int rows_convert(const csv_ctx *c, const char *path, ledger_entry_in *entries,
                        row_extra *extras)
{
    char why[WHY_MAX];
    uint64_t malformed = 0;
    for (size_t i = 0; i < c->t->rows_count; i++) {
        if (row_get(c, i, &entries[i], &extras[i], why) != 0) {
            fprintf(stderr, "line %llu: %s\n", (unsigned long long)c->t->rows[i].line, why);
            malformed++;
        }
    }
    if (malformed > 0)
        return cli_fail(POST_CMD, "%s: %llu malformed line%s; nothing was posted", path,
                        (unsigned long long)malformed, malformed == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

int cli_post_csv(ledger *l, const char *dir, const char *path, const char *separator,
                 const cli_jsonl_defaults *d, bool atomic)
{
    cli_csv t;
    csv_ctx c;
    char currency[LEDGER_CURRENCY_LEN + 1];
    memset(&c, 0, sizeof c);
    c.d = d;
    int rc = cli_csv_read(POST_CMD, path, separator, &t);
    if (rc != CLI_EXIT_OK)
        return rc;
    c.t = &t;
    c.decimal_comma = t.separator == ';';
    rc = cli_csv_columns(POST_CMD, path, &t, columns, COL_COUNT, c.col);
    if (rc == CLI_EXIT_OK && d->programme == NULL)
        rc = cli_usage_error(POST_CMD, "this ledger holds several programmes: give "
                                       "--programme NAME");
    if (rc == CLI_EXIT_OK)
        rc = cli_programme_currency(POST_CMD, l, d->programme, currency, &c.digits);
    if (rc == CLI_EXIT_OK && atomic && t.rows_count > LEDGER_REQUEST_ENTRIES_MAX)
        rc = cli_fail(POST_CMD,
                      "%s: %zu entries do not fit one atomic request (%d at most); nothing "
                      "was posted",
                      path, t.rows_count, LEDGER_REQUEST_ENTRIES_MAX);
    ledger_entry_in *entries = calloc(t.rows_count + 1, sizeof *entries);
    row_extra *extras = calloc(t.rows_count + 1, sizeof *extras);
    if (rc == CLI_EXIT_OK && (entries == NULL || extras == NULL))
        rc = cli_fail(POST_CMD, "out of memory");
    if (rc == CLI_EXIT_OK)
        rc = rows_convert(&c, path, entries, extras);
    if (rc == CLI_EXIT_OK) {
        cli_post_totals totals = {0, 0, 0, 0};
        rc = rows_post(l, &t, entries, t.rows_count, atomic, &totals);
        cli_post_summary_print(l, dir, &totals);
        if (rc == CLI_EXIT_OK && totals.refused > 0)
            rc = CLI_EXIT_FAIL;
    }
    free(entries);
    free(extras);
    cli_csv_free(&t);
    return rc;
}
