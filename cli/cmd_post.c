/*
 * cmd_post.c — `cauris post`: posts a JSON-lines file of entries (or a CSV
 * file: post_csv.c), and the result lines both forms print.
 *
 * Two passes. The first reads the whole input, checks every line and
 * reports every malformed one; if any is malformed nothing is posted. The
 * input is spooled to a temporary file on the way, so standard input and
 * pipes work and memory stays bounded by one chunk, not by the file. The
 * second pass opens the accounts the file asks for (one commit per
 * programme, before any entry), then posts the entries in chunks of
 * LEDGER_REQUEST_ENTRIES_MAX, one ledger_post() each, and prints one result
 * line per entry and a summary.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char post_usage[] =
    "usage: cauris post DIR FILE|- [options]\n"
    "       cauris post DIR --csv FILE|- [--separator ,|;|tab] [options]\n"
    "\n"
    "Posts the entries of a JSON-lines file (one JSON object per line; blank lines\n"
    "and lines starting with '#' are skipped). Programme operations (funding, wage,\n"
    "payout, capital_release, grant_commit, grant_disburse) give what they are\n"
    "about and the ledger makes the legs:\n"
    "  {\"client_id\":\"fund-11\",\"op\":\"funding\",\"value_date\":\"2026-11-02\",\n"
    "   \"amount\":\"5000000\"}\n"
    "  {\"op\":\"wage\",\"wage_run\":\"w47\",\"participant\":\"P1\",\"days\":5,\n"
    "   \"daily_rate\":\"15000\",\"value_date\":\"2026-11-20\",\"memo\":\"week 47\"}\n"
    "  {\"client_id\":\"pay-P1\",\"op\":\"payout\",\"participant\":\"P1\",\n"
    "   \"amount\":\"50000\",\"value_date\":\"2026-11-21\"}\n"
    "A wage's gross (amount, or days x daily_rate) is split between the wallet and\n"
    "the capital account at the programme's capital rate. Grant commits, capital\n"
    "releases and amounts above the programme's approval thresholds are recorded\n"
    "as pending requests: another person approves one with {\"kind\":\"post\",\n"
    "\"ref\":SEQ,...} (or cauris approve), cancels it with kind void (cauris cancel).\n"
    "A transfer gives its legs:\n"
    "  {\"client_id\":\"t1\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":\n"
    "   \"programme:wages\",\"debit\":\"10000\"},{\"account\":\"participant:P1:wallet\",\n"
    "   \"credit\":\"10000\"}]}\n"
    "Fields: value_date; client_id (the partner's idempotency key; a wage_run line's\n"
    "is <run>:<participant>, an approval's approve-SEQ, a cancellation's cancel-SEQ);\n"
    "kind (posted, pending, post, void, reversal; default posted), op (default\n"
    "transfer), participant, amount, days, daily_rate, wage_run, cash_partner (the\n"
    "MFI whose cash moves; default the partner), currency (checked against the\n"
    "programme's), budget_line, partner, principal, programme, external_ref, memo,\n"
    "ref (for post/void/reversal), legs. In JSON lines amounts are whole minor\n"
    "units, as strings of digits or JSON integers (\"12345\" is 123.45 USD).\n"
    "A line {\"open\":[\"partner:mfi2:cash\", ...]} opens accounts; they are\n"
    "opened before the file's entries. Participants' accounts come with\n"
    "cauris enroll.\n"
    "\n"
    "With --csv, a CSV file with a header row of columns op, kind, client_id,\n"
    "participant, amount, days, daily_rate, wage_run, cash_partner, value_date,\n"
    "external_ref, memo, ref, budget_line, currency, partner, principal, and debit\n"
    "and credit (account codes: a two-leg transfer of amount). In CSV, amounts are\n"
    "in the currency's units (1234.56 USD, 75000 GNF; with ';' as separator a\n"
    "decimal comma is accepted too).\n"
    "\n"
    "If any line is malformed, every such line is reported and nothing is posted.\n"
    "Posting the same file again is safe: entries already posted say 'exists'.\n"
    "\n"
    "options:\n"
    "  --programme NAME        programme of lines without a \"programme\" field\n"
    "  --partner ID            partner of lines without a \"partner\" field\n"
    "  --principal ID          who posts (default: $USER or the login name)\n"
    "  --atomic                all entries or none (the file must fit one request\n"
    "                          of 8192 entries; accounts are still opened first)\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n"
    "  --csv FILE              read a CSV file instead of JSON lines\n"
    "  --separator SEP         the CSV separator: ',', ';' or tab (default: guessed\n"
    "                          from the header line)\n"
    "\n"
    "Prints 'line N: ok seq S', 'line N: pending approval, seq S', 'line N: exists\n"
    "seq S' or 'line N: refused REASON' per entry, then a summary. Exits 1 if any\n"
    "entry was refused.\n";

#define POST_CMD "post"

/* ---- pass 1: check everything, collect the accounts to open ---- */

typedef struct open_item {
    char *programme;
    char *code;
    uint64_t line_no;
} open_item;

typedef struct post_plan {
    uint64_t entries;
    uint64_t malformed;
    open_item *opens;
    size_t opens_count, opens_cap;
} post_plan;

static void plan_free(post_plan *p)
{
    for (size_t i = 0; i < p->opens_count; i++) {
        free(p->opens[i].programme);
        free(p->opens[i].code);
    }
    free(p->opens);
    memset(p, 0, sizeof *p);
}

static int plan_add_opens(post_plan *p, const cli_jsonl_line *line, uint64_t line_no)
{
    if (p->opens_count + line->open_count > LEDGER_ACCOUNTS_OPEN_MAX)
        return cli_fail(POST_CMD, "line %llu: more than %d accounts to open in one file",
                        (unsigned long long)line_no, LEDGER_ACCOUNTS_OPEN_MAX);
    if (p->opens_count + line->open_count > p->opens_cap) {
        size_t cap = p->opens_cap ? p->opens_cap : 64;
        while (cap < p->opens_count + line->open_count)
            cap *= 2;
        open_item *grown = realloc(p->opens, cap * sizeof *grown);
        if (grown == NULL)
            return cli_fail(POST_CMD, "out of memory");
        p->opens = grown;
        p->opens_cap = cap;
    }
    for (size_t i = 0; i < line->open_count; i++) {
        open_item *o = &p->opens[p->opens_count];
        o->programme = strdup(line->programme);
        o->code = strdup(line->open_codes[i]);
        o->line_no = line_no;
        p->opens_count++;
        if (o->programme == NULL || o->code == NULL)
            return cli_fail(POST_CMD, "out of memory");
    }
    return CLI_EXIT_OK;
}

/* Reads `in` to its end, copying it to `spool`. Malformed lines are
 * reported on stderr and counted in plan->malformed. */
static int plan_read(FILE *in, FILE *spool, const cli_jsonl_defaults *d, post_plan *plan,
                     cli_line_reader *r)
{
    char err[CLI_JSONL_ERROR_MAX];
    int got;
    r->f = in;
    r->no = 0;
    while ((got = cli_line_next(r)) == 1) {
        if (r->no > CLI_JSONL_LINES_MAX)
            return cli_fail(POST_CMD, "the file has more than %u lines; split it",
                            CLI_JSONL_LINES_MAX);
        if (fwrite(r->buf, 1, r->len, spool) != r->len || fputc('\n', spool) == EOF)
            return cli_fail(POST_CMD, "cannot write the temporary copy of the input: %s",
                            strerror(errno));
        if (r->too_long) {
            fprintf(stderr, "line %llu: longer than %d bytes\n", (unsigned long long)r->no,
                    CLI_JSONL_LINE_MAX);
            plan->malformed++;
            continue;
        }
        if (cli_line_skipped(r))
            continue;
        cli_jsonl_line line;
        if (cli_jsonl_parse(r->buf, r->len, d, &line, err) != 0) {
            fprintf(stderr, "line %llu: %s\n", (unsigned long long)r->no, err);
            plan->malformed++;
            continue;
        }
        int rc = CLI_EXIT_OK;
        if (line.kind == CLI_JSONL_OPEN)
            rc = plan_add_opens(plan, &line, r->no);
        else
            plan->entries++;
        cli_jsonl_line_free(&line);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    if (got < 0)
        return cli_fail(POST_CMD, "cannot read the input: %s", strerror(errno));
    return CLI_EXIT_OK;
}

/* ---- pass 2: open accounts, post entries ---- */

typedef cli_post_totals post_totals;

void cli_post_result_print(uint64_t line_no, const ledger_result *res, cli_post_totals *t)
{
    unsigned long long no = (unsigned long long)line_no, seq = (unsigned long long)res->seq;
    if (res->err == LEDGER_OK && res->awaiting) {
        printf("line %llu: pending approval, seq %llu\n", no, seq);
        t->posted++;
        t->awaiting++;
    } else if (res->err == LEDGER_OK) {
        printf("line %llu: ok seq %llu\n", no, seq);
        t->posted++;
    } else if (res->err == LEDGER_EXISTS) {
        printf("line %llu: exists seq %llu%s\n", no, seq,
               res->awaiting ? " (a request for approval)" : "");
        t->existing++;
    } else {
        printf("line %llu: refused %s: %s\n", no, ledger_err_name(res->err),
               ledger_strerror(res->err));
        t->refused++;
    }
}

/* The summary line, and how to approve what waits. */
void cli_post_summary_print(ledger *l, const char *dir, const cli_post_totals *t)
{
    char note[LEDGER_CHECKPOINT_MAX];
    size_t note_len;
    uint64_t tree_size = 0;
    printf("posted %llu, existing %llu, refused %llu", (unsigned long long)t->posted,
           (unsigned long long)t->existing, (unsigned long long)t->refused);
    if (t->awaiting > 0)
        printf("; %llu awaiting approval", (unsigned long long)t->awaiting);
    if (ledger_checkpoint_latest(l, note, sizeof note, &note_len, &tree_size) == LEDGER_OK)
        printf("; tree size %llu", (unsigned long long)tree_size);
    printf("\n");
    if (t->awaiting > 0)
        printf("entries pending approval are posted when someone else approves them: cauris "
               "approve %s SEQ --principal WHO (or cancel them: cauris cancel)\n",
               dir);
}

/* Opens the plan's accounts, one ledger_accounts_open() per programme, in
 * the order the programmes first appear. */
static int opens_apply(ledger *l, const post_plan *plan, post_totals *t)
{
    bool *done = calloc(plan->opens_count + 1, sizeof *done);
    const char **codes = calloc(plan->opens_count + 1, sizeof *codes);
    size_t *idx = calloc(plan->opens_count + 1, sizeof *idx);
    int *results = calloc(plan->opens_count + 1, sizeof *results);
    int rc = CLI_EXIT_OK;
    if (done == NULL || codes == NULL || idx == NULL || results == NULL)
        rc = cli_fail(POST_CMD, "out of memory");
    for (size_t i = 0; rc == CLI_EXIT_OK && i < plan->opens_count; i++) {
        if (done[i])
            continue;
        const char *prog = plan->opens[i].programme;
        size_t n = 0;
        for (size_t j = i; j < plan->opens_count; j++) {
            if (!done[j] && strcmp(plan->opens[j].programme, prog) == 0) {
                done[j] = true;
                idx[n] = j;
                codes[n++] = plan->opens[j].code;
            }
        }
        int err = ledger_accounts_open(l, prog, codes, n, results);
        if (err != LEDGER_OK) {
            char what[LEDGER_NAME_MAX + 64];
            snprintf(what, sizeof what, "opening accounts of programme %s", prog);
            rc = cli_fail_ledger(POST_CMD, what, err);
            break;
        }
        for (size_t k = 0; k < n; k++) {
            const open_item *o = &plan->opens[idx[k]];
            if (results[k] == LEDGER_OK) {
                printf("line %llu: ok open %s\n", (unsigned long long)o->line_no, o->code);
            } else if (results[k] == LEDGER_ACCOUNT_EXISTS) {
                printf("line %llu: exists open %s\n", (unsigned long long)o->line_no, o->code);
            } else {
                printf("line %llu: refused %s: %s (open %s)\n", (unsigned long long)o->line_no,
                       ledger_err_name(results[k]), ledger_strerror(results[k]), o->code);
                t->refused++;
            }
        }
    }
    free(done);
    free(codes);
    free(idx);
    free(results);
    return rc;
}

typedef struct chunk {
    cli_jsonl_line *lines;
    ledger_entry_in *entries;
    ledger_result *results;
    uint64_t *line_nos;
    uint32_t count;
} chunk;

static void chunk_clear(chunk *c)
{
    for (uint32_t i = 0; i < c->count; i++)
        cli_jsonl_line_free(&c->lines[i]);
    c->count = 0;
}

static int chunk_post(ledger *l, chunk *c, bool atomic, post_totals *t)
{
    if (c->count == 0)
        return CLI_EXIT_OK;
    for (uint32_t i = 0; i < c->count; i++)
        c->entries[i] = c->lines[i].entry;
    int err = ledger_post(l, c->entries, c->count, atomic, c->results, NULL);
    if (err != LEDGER_OK) {
        char what[96];
        snprintf(what, sizeof what, "lines %llu to %llu were not posted",
                 (unsigned long long)c->line_nos[0],
                 (unsigned long long)c->line_nos[c->count - 1]);
        chunk_clear(c);
        return cli_fail_ledger(POST_CMD, what, err);
    }
    for (uint32_t i = 0; i < c->count; i++)
        cli_post_result_print(c->line_nos[i], &c->results[i], t);
    chunk_clear(c);
    return CLI_EXIT_OK;
}

/* Re-reads the spooled input and posts its entries chunk by chunk. */
static int entries_post(ledger *l, FILE *spool, const cli_jsonl_defaults *d, bool atomic,
                        cli_line_reader *r, chunk *c, post_totals *t)
{
    char err[CLI_JSONL_ERROR_MAX];
    int got, rc = CLI_EXIT_OK;
    r->f = spool;
    r->no = 0;
    while (rc == CLI_EXIT_OK && (got = cli_line_next(r)) == 1) {
        if (cli_line_skipped(r))
            continue;
        cli_jsonl_line *line = &c->lines[c->count];
        if (cli_jsonl_parse(r->buf, r->len, d, line, err) != 0) {
            chunk_clear(c);
            return cli_fail(POST_CMD, "line %llu changed while posting: %s",
                            (unsigned long long)r->no, err);
        }
        if (line->kind != CLI_JSONL_ENTRY) {
            cli_jsonl_line_free(line);
            continue;
        }
        c->line_nos[c->count++] = r->no;
        if (c->count == LEDGER_REQUEST_ENTRIES_MAX)
            rc = chunk_post(l, c, atomic, t);
    }
    if (rc == CLI_EXIT_OK)
        rc = chunk_post(l, c, atomic, t);
    return rc;
}

/* Posts the checked plan through `l`, which the caller opened and closes. */
static int post_run(ledger *l, const char *dir, FILE *spool, const cli_jsonl_defaults *d,
                    bool atomic, const post_plan *plan, cli_line_reader *r)
{
    chunk c;
    post_totals t = {0, 0, 0, 0};
    int rc = CLI_EXIT_OK;
    memset(&c, 0, sizeof c);
    c.lines = calloc(LEDGER_REQUEST_ENTRIES_MAX, sizeof *c.lines);
    c.entries = calloc(LEDGER_REQUEST_ENTRIES_MAX, sizeof *c.entries);
    c.results = calloc(LEDGER_REQUEST_ENTRIES_MAX, sizeof *c.results);
    c.line_nos = calloc(LEDGER_REQUEST_ENTRIES_MAX, sizeof *c.line_nos);
    if (c.lines == NULL || c.entries == NULL || c.results == NULL || c.line_nos == NULL)
        rc = cli_fail(POST_CMD, "out of memory");
    if (rc == CLI_EXIT_OK && plan->opens_count > 0)
        rc = opens_apply(l, plan, &t);
    if (rc == CLI_EXIT_OK && fseek(spool, 0, SEEK_SET) != 0)
        rc = cli_fail(POST_CMD, "cannot re-read the temporary copy of the input");
    if (rc == CLI_EXIT_OK)
        rc = entries_post(l, spool, d, atomic, r, &c, &t);

    cli_post_summary_print(l, dir, &t);
    free(c.lines);
    free(c.entries);
    free(c.results);
    free(c.line_nos);
    if (rc == CLI_EXIT_OK && t.refused > 0)
        rc = CLI_EXIT_FAIL;
    return rc;
}

/* The JSON-lines form: check the whole file, then post. */
static int post_jsonl(ledger *l, const char *dir, const char *path, const cli_jsonl_defaults *d,
                      bool atomic)
{
    int rc = CLI_EXIT_OK;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (in == NULL)
        return cli_fail(POST_CMD, "cannot open %s: %s", path, strerror(errno));
    FILE *spool = tmpfile();
    cli_line_reader *r = malloc(sizeof *r);
    post_plan plan;
    memset(&plan, 0, sizeof plan);
    if (spool == NULL || r == NULL)
        rc = cli_fail(POST_CMD, "cannot create a temporary file: %s", strerror(errno));
    if (rc == CLI_EXIT_OK)
        rc = plan_read(in, spool, d, &plan, r);
    if (in != stdin)
        fclose(in);
    if (rc == CLI_EXIT_OK && plan.malformed > 0)
        rc = cli_fail(POST_CMD, "%s: %llu malformed line%s; nothing was posted", path,
                      (unsigned long long)plan.malformed, plan.malformed == 1 ? "" : "s");
    if (rc == CLI_EXIT_OK && atomic && plan.entries > LEDGER_REQUEST_ENTRIES_MAX)
        rc = cli_fail(POST_CMD,
                      "%s: %llu entries do not fit one atomic request (%d at most); "
                      "nothing was posted",
                      path, (unsigned long long)plan.entries, LEDGER_REQUEST_ENTRIES_MAX);
    if (rc == CLI_EXIT_OK)
        rc = post_run(l, dir, spool, d, atomic, &plan, r);
    plan_free(&plan);
    free(r);
    if (spool != NULL)
        fclose(spool);
    return rc;
}

int cmd_post(int argc, char **argv)
{
    const char *programme = NULL, *partner = NULL, *principal = NULL, *pass_file = NULL,
               *csv = NULL, *separator = NULL;
    bool atomic = false;
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"partner", &partner, NULL},
        {"principal", &principal, NULL}, {"passphrase-file", &pass_file, NULL},
        {"atomic", NULL, &atomic},       {"csv", &csv, NULL},
        {"separator", &separator, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(POST_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(post_usage);
    if (csv == NULL && a.pos_count != 2)
        return cli_usage_error(POST_CMD, "needs a ledger directory and a file (or - for "
                                         "standard input)");
    if (csv != NULL && a.pos_count != 1)
        return cli_usage_error(POST_CMD, "with --csv FILE, give only the ledger directory");
    if (separator != NULL && csv == NULL)
        return cli_usage_error(POST_CMD, "--separator goes with --csv FILE");
    if (principal == NULL)
        principal = cli_login_name();
    /* Lines without a programme go to --programme, else to the ledger's
     * only one; with several, each line must name its own. */
    char prog[LEDGER_NAME_MAX + 1];
    ledger *l = NULL;
    rc = cli_ledger_open(POST_CMD, a.pos[0], true, pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (programme == NULL) {
        ledger_programme_info only;
        size_t n = 0, total = 0;
        if (ledger_programmes_list(l, &only, 1, &n, &total) == LEDGER_OK && total == 1) {
            snprintf(prog, sizeof prog, "%s", only.name);
            programme = prog;
        }
    }
    cli_jsonl_defaults d = {programme, partner, principal};
    if (csv != NULL)
        rc = cli_post_csv(l, a.pos[0], csv, separator, &d, atomic);
    else
        rc = post_jsonl(l, a.pos[0], a.pos[1], &d, atomic);
    ledger_close(l);
    return rc;
}
