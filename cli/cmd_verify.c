/*
 * cmd_verify.c — `cauris verify`: recomputes the whole ledger from its
 * leaves (ledger_verify) and says whether it holds.
 */
#include "cli/cli.h"

#include <string.h>

static const char verify_usage[] =
    "usage: cauris verify DIR [--key VKEY_OR_FILE]\n"
    "\n"
    "Recomputes everything from the stored leaves: every leaf hash and subtree,\n"
    "every checkpoint signature and the checkpoint chain, every balance and\n"
    "history line, the trial balance of every programme. Runs read-only, also\n"
    "while the server writes.\n"
    "\n"
    "options:\n"
    "  --key VKEY_OR_FILE  a trusted key (the verifier key text or a file holding\n"
    "                      it) that must be one of the ledger's signing keys;\n"
    "                      default: DIR/signing.pub\n"
    "\n"
    "Prints the counts and 'verify: ok', or 'verify: FAILED: <first discrepancy>'\n"
    "and exits 1.\n";

#define VERIFY_CMD "verify"

int cmd_verify(int argc, char **argv)
{
    const char *key = NULL;
    const cli_opt opts[] = {{"key", &key, NULL}, {NULL, NULL, NULL}};
    cli_args a;
    char vkey[512];
    int rc = cli_args_parse(VERIFY_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(verify_usage);
    if (a.pos_count != 1)
        return cli_usage_error(VERIFY_CMD, "needs exactly one ledger directory");
    if (key != NULL && (rc = cli_vkey_arg(VERIFY_CMD, key, vkey, sizeof vkey)) != CLI_EXIT_OK)
        return rc;
    ledger_verify_report report;
    ledger *l = NULL;
    memset(&report, 0, sizeof report);
    rc = cli_ledger_open(VERIFY_CMD, a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_verify(l, key ? vkey : NULL, &report);
    ledger_close(l);
    if (err != LEDGER_OK && err != LEDGER_VERIFY_FAILED)
        return cli_fail_ledger(VERIFY_CMD, a.pos[0], err);
    printf("leaves:      %llu\n", (unsigned long long)report.leaves);
    printf("entries:     %llu\n", (unsigned long long)report.entries);
    printf("accounts:    %llu\n", (unsigned long long)report.accounts);
    printf("checkpoints: %llu\n", (unsigned long long)report.checkpoints);
    printf("batches:     %llu\n", (unsigned long long)report.batches);
    if (err == LEDGER_VERIFY_FAILED) {
        printf("verify: FAILED: %s\n",
               report.first_error[0] ? report.first_error : ledger_strerror(err));
        return CLI_EXIT_FAIL;
    }
    printf("verify: ok\n");
    return CLI_EXIT_OK;
}
