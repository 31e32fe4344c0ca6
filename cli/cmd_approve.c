/*
 * cmd_approve.c — `cauris approve` and `cauris cancel`: decide a request
 * awaiting approval (a grant commit, a capital release, an entry above the
 * programme's thresholds, a reversal). Approving posts kind "post" with
 * ref = the request's seq, cancelling posts kind "void"; the client id is
 * "approve-SEQ" / "cancel-SEQ", so running it twice posts nothing twice.
 * The library refuses an approval by the request's own principal (four
 * eyes); this file only says so in words.
 */
#include "cli/cli.h"

#include <string.h>

static const char approve_usage[] =
    "usage: cauris approve DIR SEQ --principal WHO [options]\n"
    "       cauris cancel DIR SEQ --principal WHO [options]\n"
    "\n"
    "approve  posts the request awaiting approval at seq SEQ (a grant commit, a\n"
    "         capital release, an entry above the programme's approval thresholds, a\n"
    "         reversal): its amounts move. WHO must not be the person who made the\n"
    "         request (four eyes).\n"
    "cancel   voids it: nothing moves, and the request is closed.\n"
    "\n"
    "See the requests in the output of cauris post ('pending approval, seq S') or\n"
    "with cauris entry DIR SEQ.\n"
    "\n"
    "options:\n"
    "  --principal WHO         who decides (required)\n"
    "  --value-date YYYY-MM-DD the decision's value date (default: the request's)\n"
    "  --partner ID            recorded as the partner of the decision (default: the\n"
    "                          request's partner)\n"
    "  --memo TEXT             a note recorded with the decision\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

typedef struct decide_opts {
    const char *principal, *value_date, *partner, *memo, *pass_file;
} decide_opts;

/* Explains why the decision was refused, in words. */
static int decision_refused(const char *cmd, uint64_t seq, const ledger_entry *req,
                            const ledger_entry_in *in, int err)
{
    unsigned long long s = (unsigned long long)seq;
    char date[CLI_DATE_TEXT_MAX];
    switch (err) {
    case LEDGER_FOUR_EYES_VIOLATION:
        return cli_fail(cmd,
                        "%s asked for seq %llu, so someone else must approve it (four eyes): "
                        "ask another person to run cauris %s with their own --principal",
                        req->principal, s, cmd);
    case LEDGER_PENDING_ALREADY_RESOLVED:
    case LEDGER_EXISTS_WITH_DIFFERENT_FIELDS:
        return cli_fail(cmd,
                        "seq %llu was already approved or cancelled (see cauris entry "
                        "DIR --partner %s --client-id approve-%llu or cancel-%llu)",
                        s, in->partner, s, s);
    case LEDGER_PERIOD_CLOSED:
        cli_date_format(date, in->value_date);
        return cli_fail(cmd,
                        "the value date %s is in a closed period: give --value-date after the "
                        "closed date (cauris period status)",
                        date);
    case LEDGER_CAPITAL_LOCKED:
    case LEDGER_CAPITAL_HELD:
    case LEDGER_INSUFFICIENT_FUNDS:
        return cli_fail(cmd, "seq %llu cannot be posted now: %s (%s)", s, ledger_strerror(err),
                        ledger_err_name(err));
    default:
        return cli_fail(cmd, "seq %llu: refused %s: %s", s, ledger_err_name(err),
                        ledger_strerror(err));
    }
}

/* Reads the request and checks that it is one. */
static int request_read(const char *cmd, ledger *l, uint64_t seq, ledger_entry *req)
{
    int err = ledger_entry_get(l, seq, req);
    if (err == LEDGER_NOT_FOUND)
        return cli_fail(cmd, "seq %llu is not an entry (see cauris entry DIR SEQ)",
                        (unsigned long long)seq);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, "reading the request", err);
    if (req->kind != LEDGER_KIND_PENDING)
        return cli_fail(cmd, "seq %llu is a %s %s, not a request awaiting approval",
                        (unsigned long long)seq, ledger_kind_name(req->kind),
                        ledger_op_name(req->op));
    return CLI_EXIT_OK;
}

static int decide(const char *cmd, ledger *l, uint64_t seq, const decide_opts *o, bool approve)
{
    ledger_entry req;
    ledger_entry_in in;
    ledger_result res;
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    int rc = request_read(cmd, l, seq, &req);
    if (rc != CLI_EXIT_OK)
        return rc;
    memset(&in, 0, sizeof in);
    snprintf(client_id, sizeof client_id, "%s-%llu", approve ? "approve" : "cancel",
             (unsigned long long)seq);
    in.programme = req.programme;
    in.kind = approve ? LEDGER_KIND_POST : LEDGER_KIND_VOID;
    in.op = req.op;
    in.partner = o->partner ? o->partner : req.partner;
    in.principal = o->principal;
    in.client_id = client_id;
    in.memo = o->memo;
    in.value_date = req.value_date;
    in.ref = seq;
    if (o->value_date != NULL && ledger_date_parse(o->value_date, &in.value_date) != 0)
        return cli_usage_error(cmd, "--value-date '%s' is not a date YYYY-MM-DD",
                               o->value_date);
    int err = ledger_post(l, &in, 1, false, &res, NULL);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, "nothing was decided", err);
    if (res.err == LEDGER_EXISTS) {
        printf("seq %llu was already %s: seq %llu\n", (unsigned long long)seq,
               approve ? "approved" : "cancelled", (unsigned long long)res.seq);
        return CLI_EXIT_OK;
    }
    if (res.err != LEDGER_OK)
        return decision_refused(cmd, seq, &req, &in, res.err);
    printf("seq %llu (%s by %s) %s by %s: seq %llu\n", (unsigned long long)seq,
           ledger_op_name(req.op), req.principal, approve ? "approved" : "cancelled",
           o->principal, (unsigned long long)res.seq);
    return CLI_EXIT_OK;
}

static int decide_main(const char *cmd, int argc, char **argv, bool approve)
{
    decide_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"principal", &o.principal, NULL},       {"value-date", &o.value_date, NULL},
        {"partner", &o.partner, NULL},           {"memo", &o.memo, NULL},
        {"passphrase-file", &o.pass_file, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    uint64_t seq;
    int rc = cli_args_parse(cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(approve_usage);
    if (a.pos_count != 2)
        return cli_usage_error(cmd, "needs a ledger directory and the seq of the request");
    if (cli_parse_u64(a.pos[1], &seq) != 0 || seq == LEDGER_SEQ_NONE)
        return cli_usage_error(cmd, "'%s' is not a seq (a whole number)", a.pos[1]);
    if (o.principal == NULL)
        return cli_usage_error(cmd, "--principal WHO is required: who %s it",
                               approve ? "approves" : "cancels");
    ledger *l = NULL;
    rc = cli_ledger_open(cmd, a.pos[0], true, o.pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = decide(cmd, l, seq, &o, approve);
    ledger_close(l);
    return rc;
}

int cmd_approve(int argc, char **argv)
{
    return decide_main("approve", argc, argv, true);
}

int cmd_cancel(int argc, char **argv)
{
    return decide_main("cancel", argc, argv, false);
}
