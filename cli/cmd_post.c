/*
 * cmd_post.c — `cauris post`: posts a JSON-lines file of entries.
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
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char post_usage[] =
    "usage: cauris post DIR FILE|- [options]\n"
    "\n"
    "Posts the entries of a JSON-lines file (one JSON object per line; blank lines\n"
    "and lines starting with '#' are skipped). An entry:\n"
    "  {\"client_id\":\"wage-2026-11-20-P1\",\"op\":\"wage\",\"value_date\":\"2026-11-20\",\n"
    "   \"memo\":\"week 47\",\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10000\"},\n"
    "   {\"account\":\"participant:P1:wallet\",\"credit\":\"9000\"},\n"
    "   {\"account\":\"participant:P1:capital\",\"credit\":\"1000\"}]}\n"
    "Fields: client_id, value_date and legs are required; kind (posted, pending,\n"
    "post, void, reversal; default posted), op (default transfer), partner,\n"
    "principal, programme, external_ref, memo, ref (for post/void/reversal).\n"
    "Amounts are whole minor units, as strings of digits or JSON integers.\n"
    "A line {\"open\":[\"participant:P1:wallet\", ...]} opens accounts; they are\n"
    "opened before the file's entries.\n"
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
    "\n"
    "Prints 'line N: ok seq S', 'line N: exists seq S' or 'line N: refused REASON'\n"
    "per entry, then a summary. Exits 1 if any entry was refused.\n";

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

typedef struct post_totals {
    uint64_t posted, existing, refused;
} post_totals;

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
    for (uint32_t i = 0; i < c->count; i++) {
        const ledger_result *res = &c->results[i];
        unsigned long long no = (unsigned long long)c->line_nos[i];
        if (res->err == LEDGER_OK) {
            printf("line %llu: ok seq %llu\n", no, (unsigned long long)res->seq);
            t->posted++;
        } else if (res->err == LEDGER_EXISTS) {
            printf("line %llu: exists seq %llu\n", no, (unsigned long long)res->seq);
            t->existing++;
        } else {
            printf("line %llu: refused %s: %s\n", no, ledger_err_name(res->err),
                   ledger_strerror(res->err));
            t->refused++;
        }
    }
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
static int post_run(ledger *l, FILE *spool, const cli_jsonl_defaults *d, bool atomic,
                    const post_plan *plan, cli_line_reader *r)
{
    chunk c;
    post_totals t = {0, 0, 0};
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

    char note[LEDGER_CHECKPOINT_MAX];
    size_t note_len;
    uint64_t tree_size = 0;
    int err = ledger_checkpoint_latest(l, note, sizeof note, &note_len, &tree_size);
    if (err == LEDGER_OK)
        printf("posted %llu, existing %llu, refused %llu; tree size %llu\n",
               (unsigned long long)t.posted, (unsigned long long)t.existing,
               (unsigned long long)t.refused, (unsigned long long)tree_size);
    else
        printf("posted %llu, existing %llu, refused %llu\n", (unsigned long long)t.posted,
               (unsigned long long)t.existing, (unsigned long long)t.refused);
    free(c.lines);
    free(c.entries);
    free(c.results);
    free(c.line_nos);
    if (rc == CLI_EXIT_OK && t.refused > 0)
        rc = CLI_EXIT_FAIL;
    return rc;
}

/* Who runs the command, the default principal: $USER, else the account's
 * name in the password database; NULL when neither is known. */
static const char *login_name(void)
{
    const char *user = getenv("USER");
    if (user != NULL && user[0] != '\0')
        return user;
    const struct passwd *pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_name : NULL;
}

int cmd_post(int argc, char **argv)
{
    const char *programme = NULL, *partner = NULL, *principal = NULL, *pass_file = NULL;
    bool atomic = false;
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"partner", &partner, NULL},
        {"principal", &principal, NULL}, {"passphrase-file", &pass_file, NULL},
        {"atomic", NULL, &atomic},       {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(POST_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(post_usage);
    if (a.pos_count != 2)
        return cli_usage_error(POST_CMD, "needs a ledger directory and a file (or - for "
                                         "standard input)");
    if (principal == NULL)
        principal = login_name();
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

    const char *path = a.pos[1];
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (in == NULL) {
        rc = cli_fail(POST_CMD, "cannot open %s: %s", path, strerror(errno));
        ledger_close(l);
        return rc;
    }
    FILE *spool = tmpfile();
    cli_line_reader *r = malloc(sizeof *r);
    post_plan plan;
    memset(&plan, 0, sizeof plan);
    if (spool == NULL || r == NULL)
        rc = cli_fail(POST_CMD, "cannot create a temporary file: %s", strerror(errno));
    if (rc == CLI_EXIT_OK)
        rc = plan_read(in, spool, &d, &plan, r);
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
        rc = post_run(l, spool, &d, atomic, &plan, r);
    ledger_close(l);
    plan_free(&plan);
    free(r);
    if (spool != NULL)
        fclose(spool);
    return rc;
}
