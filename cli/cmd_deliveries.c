/*
 * cmd_deliveries.c — `cauris deliveries import`: the MFI's report of what
 * it paid out of a wage run, line by line (delivered, partial, failed),
 * becomes the payouts of that run, all or nothing.
 *
 * The file is checked here (columns, statuses, amounts); whether it fits
 * the run and earlier imports is the library's call
 * (ledger_deliveries_import), which refuses a contradictory file whole and
 * names each line's reason.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char deliveries_usage[] =
    "usage: cauris deliveries import DIR FILE.csv|- --run RUN --value-date YYYY-MM-DD\n"
    "                                --partner MFI --principal WHO [options]\n"
    "\n"
    "Imports the MFI's delivery results of wage run RUN (the wage lines partner MFI\n"
    "posted with wage_run RUN). The CSV file has a header row and the columns:\n"
    "  participant   the run line's participant\n"
    "  status        delivered (the whole net wage was paid), partial (part of it)\n"
    "                or failed (nothing: the money stays in the wallet)\n"
    "  amount        what was paid out, in the currency's units (empty or 0 when\n"
    "                failed); with ';' as separator a decimal comma is accepted\n"
    "  external_ref  optional: the MFI's reference\n"
    "\n"
    "Each delivered or partial line becomes a payout (client id\n"
    "RUN:PARTICIPANT:payout) dated --value-date, all in one commit. A file that\n"
    "contradicts itself, the run or an earlier import is refused as a whole: each\n"
    "line's reason is printed and nothing is posted. Importing the same file again\n"
    "posts nothing twice.\n"
    "\n"
    "options:\n"
    "  --programme NAME        the programme (default: the ledger's only one)\n"
    "  --separator SEP         ',', ';' or tab (default: guessed from the header)\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n"
    "\n"
    "Prints each line's result and the run's counts: lines of the run, paid, failed\n"
    "and not reported. Exits 1 when the file was refused.\n";

#define DELIVERIES_CMD "deliveries"
#define WHY_MAX 256

enum { COL_PARTICIPANT, COL_STATUS, COL_AMOUNT, COL_EXTERNAL_REF, COL_COUNT };

static const cli_csv_column columns[COL_COUNT] = {
    [COL_PARTICIPANT] = {"participant", true},
    [COL_STATUS] = {"status", true},
    [COL_AMOUNT] = {"amount", true},
    [COL_EXTERNAL_REF] = {"external_ref", false},
};

typedef struct import_opts {
    const char *programme, *run, *value_date, *partner, *principal, *separator, *pass_file;
} import_opts;

typedef struct import_ctx {
    const cli_csv *t;
    int col[COL_COUNT];
    int digits;
    char currency[LEDGER_CURRENCY_LEN + 1];
    ledger_delivery_in *lines;
} import_ctx;

static const char *field(const import_ctx *c, size_t row, int col)
{
    return cli_csv_field(c->t, row, c->col[col]);
}

static int bad(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

static int line_check(const import_ctx *c, size_t row, ledger_delivery_in *d, char *why)
{
    char reason[WHY_MAX - 40], status[16];
    const char *who = field(c, row, COL_PARTICIPANT), *st = field(c, row, COL_STATUS),
               *amount = field(c, row, COL_AMOUNT), *ref = field(c, row, COL_EXTERNAL_REF);
    if (cli_participant_id_check(who, reason, sizeof reason) != 0)
        return bad(why, "column participant: %s", reason);
    size_t n = strlen(st);
    for (size_t i = 0; i < n && i + 1 < sizeof status; i++)
        status[i] = (char)tolower((unsigned char)st[i]);
    status[n < sizeof status ? n : sizeof status - 1] = '\0';
    if (n >= sizeof status || ledger_delivery_parse(status, &d->status) != 0)
        return bad(why, "column status: '%.20s' is not delivered, partial or failed", st);
    d->amount = 0;
    bool failed = d->status == LEDGER_DELIVERY_FAILED;
    if (amount[0] == '\0' && !failed)
        return bad(why, "column amount: empty; a %s line says what was paid", status);
    if (amount[0] != '\0' &&
        cli_amount_parse_units(amount, c->digits, c->t->separator == ';', failed, &d->amount,
                               reason, sizeof reason) != 0)
        return bad(why, "column amount: %s", reason);
    if (failed && d->amount != 0)
        return bad(why, "column amount: a failed line paid nothing (empty or 0)");
    if (strlen(ref) > LEDGER_EXTREF_MAX)
        return bad(why, "column external_ref: longer than %d bytes", LEDGER_EXTREF_MAX);
    d->participant = who;
    d->external_ref = ref[0] ? ref : NULL;
    return 0;
}

static void line_print(const import_ctx *c, size_t i, const ledger_result *r)
{
    const ledger_delivery_in *d = &c->lines[i];
    unsigned long long line = (unsigned long long)c->t->rows[i].line;
    char amount[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(amount, sizeof amount, d->amount, c->digits);
    if (r->err == LEDGER_OK && d->status == LEDGER_DELIVERY_FAILED)
        printf("line %llu: %s failed: nothing paid, the wage stays in the wallet\n", line,
               d->participant);
    else if (r->err == LEDGER_OK)
        printf("line %llu: %s %s %s %s: payout seq %llu\n", line, d->participant,
               ledger_delivery_name(d->status), amount, c->currency,
               (unsigned long long)r->seq);
    else if (r->err == LEDGER_EXISTS)
        printf("line %llu: %s %s %s %s: already imported, payout seq %llu\n", line,
               d->participant, ledger_delivery_name(d->status), amount, c->currency,
               (unsigned long long)r->seq);
    else
        printf("line %llu: %s: refused %s: %s\n", line, d->participant, ledger_err_name(r->err),
               ledger_strerror(r->err));
}

static int import_run(ledger *l, const char *prog, const import_opts *o, uint32_t date,
                      const import_ctx *c)
{
    size_t n = c->t->rows_count;
    ledger_delivery_report rep;
    ledger_result *results = calloc(n + 1, sizeof *results);
    if (results == NULL)
        return cli_fail(DELIVERIES_CMD, "out of memory");
    memset(&rep, 0, sizeof rep);
    int err = ledger_deliveries_import(l, prog, o->partner, o->principal, o->run, date,
                                       c->lines, n, results, &rep);
    bool refused = err == LEDGER_DELIVERY_CONTRADICTS || err == LEDGER_DELIVERY_UNMATCHED;
    if (err == LEDGER_OK || refused) {
        for (size_t i = 0; i < n; i++) {
            if (!refused || (results[i].err != LEDGER_OK && results[i].err != LEDGER_EXISTS))
                line_print(c, i, &results[i]);
        }
    }
    free(results);
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(DELIVERIES_CMD,
                        "--run must be 1 to %d bytes without ':', --partner and --principal "
                        "not empty",
                        CLI_WAGE_RUN_MAX);
    if (refused)
        return cli_fail(DELIVERIES_CMD,
                        "run %s: %u of %zu line%s refused; nothing was posted (the run has "
                        "%u line%s)",
                        o->run, rep.refused, n, n == 1 ? "" : "s", rep.lines_run,
                        rep.lines_run == 1 ? "" : "s");
    if (err != LEDGER_OK)
        return cli_fail_ledger(DELIVERIES_CMD, "nothing was posted", err);
    printf("run %s: %u line%s in the run; paid %u, failed %u, not reported %u\n", o->run,
           rep.lines_run, rep.lines_run == 1 ? "" : "s", rep.paid, rep.failed, rep.unreported);
    return CLI_EXIT_OK;
}

static int import_file(const char *dir, const char *path, const import_opts *o, uint32_t date)
{
    import_ctx c;
    cli_csv t;
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1], why[WHY_MAX];
    uint64_t bad = 0;
    memset(&c, 0, sizeof c);
    int rc = cli_csv_read(DELIVERIES_CMD, path, o->separator, &t);
    if (rc != CLI_EXIT_OK)
        return rc;
    c.t = &t;
    rc = cli_csv_columns(DELIVERIES_CMD, path, &t, columns, COL_COUNT, c.col);
    if (rc == CLI_EXIT_OK && t.rows_count > LEDGER_DELIVERIES_MAX)
        rc = cli_fail(DELIVERIES_CMD, "%s has %zu lines; import at most %d at a time", path,
                      t.rows_count, LEDGER_DELIVERIES_MAX);
    if (rc == CLI_EXIT_OK)
        rc = cli_ledger_open_programme(DELIVERIES_CMD, dir, true, o->pass_file, o->programme,
                                       &l, prog);
    if (rc == CLI_EXIT_OK)
        rc = cli_programme_currency(DELIVERIES_CMD, l, prog, c.currency, &c.digits);
    c.lines = calloc(t.rows_count + 1, sizeof *c.lines);
    if (rc == CLI_EXIT_OK && c.lines == NULL)
        rc = cli_fail(DELIVERIES_CMD, "out of memory");
    for (size_t i = 0; rc == CLI_EXIT_OK && i < t.rows_count; i++) {
        if (line_check(&c, i, &c.lines[i], why) != 0) {
            fprintf(stderr, "line %llu: %s\n", (unsigned long long)t.rows[i].line, why);
            bad++;
        }
    }
    if (rc == CLI_EXIT_OK && bad > 0)
        rc = cli_fail(DELIVERIES_CMD, "%s: %llu malformed line%s; nothing was posted", path,
                      (unsigned long long)bad, bad == 1 ? "" : "s");
    if (rc == CLI_EXIT_OK)
        rc = import_run(l, prog, o, date, &c);
    if (l != NULL)
        ledger_close(l);
    free(c.lines);
    cli_csv_free(&t);
    return rc;
}

int cmd_deliveries(int argc, char **argv)
{
    import_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},       {"run", &o.run, NULL},
        {"value-date", &o.value_date, NULL},     {"partner", &o.partner, NULL},
        {"principal", &o.principal, NULL},       {"separator", &o.separator, NULL},
        {"passphrase-file", &o.pass_file, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    uint32_t date;
    int rc = cli_args_parse(DELIVERIES_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(deliveries_usage);
    if (a.pos_count == 0 || strcmp(a.pos[0], "import") != 0)
        return cli_usage_error(DELIVERIES_CMD, "needs: import DIR FILE.csv --run RUN ...");
    if (a.pos_count != 3)
        return cli_usage_error(DELIVERIES_CMD, "needs: import DIR FILE.csv (or -)");
    if (o.run == NULL || o.value_date == NULL || o.partner == NULL || o.principal == NULL)
        return cli_usage_error(DELIVERIES_CMD, "--run, --value-date, --partner and --principal "
                                               "are required");
    if (strlen(o.run) == 0 || strlen(o.run) > CLI_WAGE_RUN_MAX || strchr(o.run, ':') != NULL)
        return cli_usage_error(DELIVERIES_CMD, "--run '%s': 1 to %d bytes without ':'", o.run,
                               CLI_WAGE_RUN_MAX);
    if (ledger_date_parse(o.value_date, &date) != 0)
        return cli_usage_error(DELIVERIES_CMD, "--value-date '%s' is not a date YYYY-MM-DD",
                               o.value_date);
    return import_file(a.pos[1], a.pos[2], &o, date);
}
