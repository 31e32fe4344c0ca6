/*
 * cmd_programme.c — `cauris programme create` adds a programme (its own
 * currency and fixed accounts) to a ledger; `cauris programmes` lists them.
 */
#include "cli/cli.h"

#include <string.h>

static const char programme_usage[] =
    "usage: cauris programme create DIR NAME --currency CODE [--passphrase-file FILE]\n"
    "\n"
    "Adds a programme to the ledger, with its currency (ISO 4217) and its fixed\n"
    "accounts programme:fund, programme:wages and programme:grants. Recorded in\n"
    "the signed journal. NAME is 1-64 of [a-z0-9_-].\n"
    "\n"
    "Once a ledger holds several programmes, commands need --programme NAME.\n";

static const char programmes_usage[] = "usage: cauris programmes DIR\n"
                                       "\n"
                                       "Lists the ledger's programmes with their currency.\n";

#define PROGRAMMES_LIST_MAX 256

int cmd_programme(int argc, char **argv)
{
    const char *currency = NULL, *pass_file = NULL;
    const cli_opt opts[] = {{"currency", &currency, NULL},
                            {"passphrase-file", &pass_file, NULL},
                            {NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse("programme", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(programme_usage);
    if (a.pos_count != 3 || strcmp(a.pos[0], "create") != 0)
        return cli_usage_error("programme", "needs: create DIR NAME --currency CODE");
    if (currency == NULL)
        return cli_usage_error("programme", "--currency CODE is required");
    ledger *l = NULL;
    rc = cli_ledger_open("programme", a.pos[1], true, pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_programme_create(l, a.pos[2], currency);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger("programme", a.pos[2], err);
    printf("programme %s created (%s)\n", a.pos[2], currency);
    return CLI_EXIT_OK;
}

int cmd_programmes(int argc, char **argv)
{
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    cli_args a;
    int rc = cli_args_parse("programmes", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(programmes_usage);
    if (a.pos_count != 1)
        return cli_usage_error("programmes", "needs exactly one ledger directory");
    ledger *l = NULL;
    rc = cli_ledger_open("programmes", a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    static ledger_programme_info list[PROGRAMMES_LIST_MAX];
    size_t n = 0;
    int err = ledger_programmes_list(l, list, PROGRAMMES_LIST_MAX, &n, NULL);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger("programmes", a.pos[0], err);
    for (size_t i = 0; i < n; i++)
        printf("%-40s %s\n", list[i].name, list[i].currency);
    return CLI_EXIT_OK;
}
