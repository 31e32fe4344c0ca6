/*
 * cmd_key.c — `cauris key rotate`: replaces the ledger's signing key
 * (ledger_key_rotate) and prints the new verifier key.
 */
#include "cli/cli.h"

#include <string.h>

static const char key_usage[] =
    "usage: cauris key rotate DIR [--passphrase-file FILE] [--new-passphrase-file FILE]\n"
    "\n"
    "Replaces the ledger's signing key. The journal records the new public key;\n"
    "the checkpoint of that batch is signed by both the old and the new key, so\n"
    "trust passes from one to the next, and later checkpoints by the new key.\n"
    "signing.key and signing.pub then hold the new key. Old checkpoints stay\n"
    "verifiable: `cauris verify --key` accepts any key of the chain.\n"
    "\n"
    "options:\n"
    "  --passphrase-file FILE      the current key's passphrase (first line);\n"
    "                              default $CAURIS_PASSPHRASE when it is sealed\n"
    "  --new-passphrase-file FILE  seal the new key with this passphrase; default:\n"
    "                              the current key's passphrase, or none if plain\n";

#define KEY_CMD "key rotate"

int cmd_key(int argc, char **argv)
{
    const char *pass_file = NULL, *new_pass_file = NULL;
    const cli_opt opts[] = {{"passphrase-file", &pass_file, NULL},
                            {"new-passphrase-file", &new_pass_file, NULL},
                            {NULL, NULL, NULL}};
    cli_args a;
    char pass[CLI_PASSPHRASE_MAX + 2], vkey[512];
    bool have_pass = false;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cli_help(key_usage);
    if (argc < 2 || strcmp(argv[1], "rotate") != 0)
        return cli_usage_error("key", "the only key command is 'rotate'");
    int rc = cli_args_parse(KEY_CMD, argc - 1, argv + 1, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(key_usage);
    if (a.pos_count != 1)
        return cli_usage_error(KEY_CMD, "needs exactly one ledger directory");
    ledger *l = NULL;
    rc = cli_ledger_open(KEY_CMD, a.pos[0], true, pass_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* The new key's passphrase: its own file, else the one that opened. */
    rc = cli_passphrase_get(KEY_CMD, new_pass_file ? new_pass_file : pass_file, pass,
                            sizeof pass, &have_pass);
    if (rc == CLI_EXIT_OK) {
        int err = ledger_key_rotate(l, have_pass ? pass : NULL);
        if (err == LEDGER_OK)
            err = ledger_vkey(l, vkey, sizeof vkey);
        if (err != LEDGER_OK)
            rc = cli_fail_ledger(KEY_CMD, a.pos[0], err);
        else
            printf("new verifier key: %s\n", vkey);
    }
    cli_wipe(pass, sizeof pass);
    ledger_close(l);
    return rc;
}
