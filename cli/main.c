/*
 * main.c — the `cauris` command: one table of commands, dispatch, the
 * top-level help and the version. Each command lives in its cmd_*.c file
 * and parses its own arguments.
 */
#include "cli/cli.h"

#include <string.h>

typedef struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} cli_cmd;

static const cli_cmd commands[] = {
    {"init", cmd_init, "create a ledger: its first programme, signing key and checkpoint"},
    {"programme", cmd_programme, "add a programme (its currency and fixed accounts)"},
    {"programmes", cmd_programmes, "list the ledger's programmes"},
    {"account", cmd_account, "open, lock, unlock or close accounts"},
    {"accounts", cmd_accounts, "list a programme's accounts with their balances"},
    {"post", cmd_post, "post entries from a JSON-lines file"},
    {"balance", cmd_balance, "balances of accounts, now or as of a date or tree size"},
    {"statement", cmd_statement, "an account's statement for a period"},
    {"entry", cmd_entry, "show one entry with its legs"},
    {"trial-balance", cmd_trial_balance, "check that debits equal credits"},
    {"checkpoint", cmd_checkpoint, "print a signed checkpoint"},
    {"proof", cmd_proof, "inclusion and consistency proofs; check a proof offline"},
    {"key", cmd_key, "rotate the signing key"},
    {"token", cmd_token, "create, list or revoke RPC access tokens"},
    {"serve", cmd_serve, "run caurisd, the Connect RPC server, on a ledger"},
    {"verify", cmd_verify, "recompute and check the whole ledger"},
};

#define COMMANDS_COUNT (sizeof commands / sizeof commands[0])

static int usage_print(FILE *out)
{
    fprintf(out, "usage: cauris COMMAND [arguments]\n\n"
                 "cauris keeps a programme's savings and grant ledger: double-entry,\n"
                 "append-only, signed. Commands:\n\n");
    for (size_t i = 0; i < COMMANDS_COUNT; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "  help           this text\n"
                 "  --version      the version\n\n"
                 "Run 'cauris COMMAND --help' for a command's arguments.\n"
                 "Exit status: 0 ok, 1 failure, 2 bad usage.\n");
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_print(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 && argc >= 3) {
        for (size_t i = 0; i < COMMANDS_COUNT; i++) {
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *help_argv[] = {argv[2], (char *)"--help", NULL};
                return commands[i].fn(2, help_argv);
            }
        }
        fprintf(stderr, "cauris: unknown command '%s'\nsee cauris --help\n", argv[2]);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0)
        return usage_print(stdout);
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("cauris %s\n", CLI_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < COMMANDS_COUNT; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL; /* e.g. a full disk or a closed pipe */
            return rc;
        }
    }
    fprintf(stderr, "cauris: unknown command '%s'\nsee cauris --help\n", name);
    return CLI_EXIT_USAGE;
}
