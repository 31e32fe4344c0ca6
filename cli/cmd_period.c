/*
 * cmd_period.c — `cauris period close|approve|cancel|status`: closing
 * accounting periods with four eyes. A closure is asked for by one person
 * and approved by another; from then on the ledger refuses every entry
 * dated on or before the closed date. Requests and decisions are leaves
 * of the signed journal.
 */
#include "cli/cli.h"

#include <string.h>

static const char period_usage[] =
    "usage: cauris period close DIR --through YYYY-MM-DD --principal WHO\n"
    "       cauris period approve DIR SEQ --principal WHO\n"
    "       cauris period cancel DIR SEQ --principal WHO\n"
    "       cauris period status DIR\n"
    "\n"
    "close    asks to close every value date up to and including --through; one\n"
    "         request at a time. Prints the request's seq.\n"
    "approve  approves the request SEQ: someone other than who asked (four eyes).\n"
    "         Entries dated on or before the closed date are then refused.\n"
    "cancel   cancels the request SEQ.\n"
    "status   the closed date and the open request, if any.\n"
    "\n"
    "options:\n"
    "  --programme NAME        the programme (default: the ledger's only one)\n"
    "  --partner ID            recorded as the partner (default " CLI_PROGRAMME_PARTNER ")\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

#define PERIOD_CMD "period"

typedef struct period_opts {
    const char *programme, *principal, *partner, *through, *pass_file;
} period_opts;

static int status_print(ledger *l, const char *prog)
{
    uint32_t closed = 0;
    uint64_t request = LEDGER_SEQ_NONE;
    char date[CLI_DATE_TEXT_MAX];
    int err = ledger_period_status(l, prog, &closed, &request);
    if (err != LEDGER_OK)
        return cli_fail_ledger(PERIOD_CMD, prog, err);
    cli_date_format(date, closed);
    printf("programme:      %s\n", prog);
    printf("closed through: %s\n", closed ? date : "nothing closed");
    if (request == LEDGER_SEQ_NONE)
        printf("open request:   none\n");
    else
        printf("open request:   seq %llu, awaiting approval (cauris period approve DIR %llu)\n",
               (unsigned long long)request, (unsigned long long)request);
    return CLI_EXIT_OK;
}

static int period_close(ledger *l, const char *prog, const char *dir, const period_opts *o)
{
    uint32_t through, closed = 0;
    uint64_t seq = 0, open = LEDGER_SEQ_NONE;
    char date[CLI_DATE_TEXT_MAX];
    if (ledger_date_parse(o->through, &through) != 0)
        return cli_usage_error(PERIOD_CMD, "--through '%s' is not a date YYYY-MM-DD",
                               o->through);
    const char *partner = o->partner ? o->partner : CLI_PROGRAMME_PARTNER;
    int err = ledger_period_close(l, prog, partner, o->principal, through, &seq);
    if (err == LEDGER_REQUEST_PENDING || err == LEDGER_PERIOD_CLOSED)
        (void)ledger_period_status(l, prog, &closed, &open);
    cli_date_format(date, closed);
    if (err == LEDGER_REQUEST_PENDING)
        return cli_fail(PERIOD_CMD,
                        "a closure request (seq %llu) already awaits approval: approve or "
                        "cancel it first",
                        (unsigned long long)open);
    if (err == LEDGER_PERIOD_CLOSED)
        return cli_fail(PERIOD_CMD,
                        "value dates through %s are already closed: give a later "
                        "--through",
                        date);
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(PERIOD_CMD, "--principal and --partner must be 1 to %d and %d bytes",
                        LEDGER_PRINCIPAL_MAX, LEDGER_PARTNER_MAX);
    if (err != LEDGER_OK)
        return cli_fail_ledger(PERIOD_CMD, prog, err);
    printf("closure of value dates through %s requested by %s: seq %llu\n", o->through,
           o->principal, (unsigned long long)seq);
    printf("it takes effect when someone else approves it: cauris period approve %s %llu "
           "--principal WHO\n",
           dir, (unsigned long long)seq);
    return CLI_EXIT_OK;
}

static int period_decide(ledger *l, const char *prog, const char *seq_text,
                         const period_opts *o, bool approve)
{
    uint64_t seq, open = LEDGER_SEQ_NONE;
    uint32_t closed = 0;
    char date[CLI_DATE_TEXT_MAX];
    if (cli_parse_u64(seq_text, &seq) != 0)
        return cli_usage_error(PERIOD_CMD, "'%s' is not a seq (a whole number)", seq_text);
    const char *partner = o->partner ? o->partner : CLI_PROGRAMME_PARTNER;
    int err = ledger_period_decide(l, prog, partner, o->principal, seq, approve, NULL);
    if (err == LEDGER_FOUR_EYES_VIOLATION)
        return cli_fail(PERIOD_CMD,
                        "%s asked for this closure, so someone else must approve it (four "
                        "eyes)",
                        o->principal);
    if (err == LEDGER_PENDING_ALREADY_RESOLVED || err == LEDGER_REF_NOT_FOUND) {
        (void)ledger_period_status(l, prog, &closed, &open);
        if (open == LEDGER_SEQ_NONE)
            return cli_fail(PERIOD_CMD,
                            "seq %llu is not an open closure request: there is "
                            "none (cauris period status)",
                            (unsigned long long)seq);
        return cli_fail(PERIOD_CMD,
                        "seq %llu is not the open closure request; that is seq %llu",
                        (unsigned long long)seq, (unsigned long long)open);
    }
    if (err != LEDGER_OK)
        return cli_fail_ledger(PERIOD_CMD, prog, err);
    if (!approve) {
        printf("closure request seq %llu cancelled by %s\n", (unsigned long long)seq,
               o->principal);
        return CLI_EXIT_OK;
    }
    err = ledger_period_status(l, prog, &closed, &open);
    cli_date_format(date, closed);
    printf("closure request seq %llu approved by %s: value dates through %s are closed; "
           "entries dated on or before it are refused\n",
           (unsigned long long)seq, o->principal, err == LEDGER_OK ? date : "?");
    return CLI_EXIT_OK;
}

static int args_check(const char *action, const cli_args *a, const period_opts *o)
{
    bool status = strcmp(action, "status") == 0, close = strcmp(action, "close") == 0;
    if (!status && !close && strcmp(action, "approve") != 0 && strcmp(action, "cancel") != 0)
        return cli_usage_error(
            PERIOD_CMD, "unknown action '%s' (close, approve, cancel or status)", action);
    size_t want = (status || close) ? 2 : 3;
    if (a->pos_count != want)
        return cli_usage_error(PERIOD_CMD, "needs: %s DIR%s", action, want == 3 ? " SEQ" : "");
    if (!status && o->principal == NULL)
        return cli_usage_error(PERIOD_CMD, "--principal WHO is required");
    if (close && o->through == NULL)
        return cli_usage_error(PERIOD_CMD, "--through YYYY-MM-DD is required");
    if (!close && o->through != NULL)
        return cli_usage_error(PERIOD_CMD, "--through goes with period close");
    return 0;
}

int cmd_period(int argc, char **argv)
{
    period_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},       {"principal", &o.principal, NULL},
        {"partner", &o.partner, NULL},           {"through", &o.through, NULL},
        {"passphrase-file", &o.pass_file, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(PERIOD_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(period_usage);
    if (a.pos_count == 0)
        return cli_usage_error(PERIOD_CMD, "needs close, approve, cancel or status");
    const char *action = a.pos[0];
    rc = args_check(action, &a, &o);
    if (rc != 0)
        return rc;
    bool writes = strcmp(action, "status") != 0;
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    rc = cli_ledger_open_programme(PERIOD_CMD, a.pos[1], writes, o.pass_file, o.programme, &l,
                                   prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!writes)
        rc = status_print(l, prog);
    else if (strcmp(action, "close") == 0)
        rc = period_close(l, prog, a.pos[1], &o);
    else
        rc = period_decide(l, prog, a.pos[2], &o, strcmp(action, "approve") == 0);
    ledger_close(l);
    return rc;
}
