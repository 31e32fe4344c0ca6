/*
 * main.c — the `cauris` command: one table of commands, dispatch, the
 * top-level help and the version. Each command lives in its cmd_*.c file
 * and parses its own arguments. Global options before the command
 * (--server, --token, --token-file, --json-wire) send the commands that
 * have a remote form to remote.c instead.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} cli_cmd;

static const cli_cmd commands[] = {
    {"init", cmd_init, "create a ledger: its first programme, signing key and checkpoint"},
    {"programme", cmd_programme, "add a programme; show or change its settings"},
    {"programmes", cmd_programmes, "list the ledger's programmes"},
    {"account", cmd_account, "open, lock, unlock or close accounts"},
    {"accounts", cmd_accounts, "list a programme's accounts with their balances"},
    {"enroll", cmd_enroll, "enrol participants from a CSV file, all or none"},
    {"participant", cmd_participant, "show, list, update, hold or erase participants"},
    {"post", cmd_post, "post entries from a JSON-lines or CSV file"},
    {"approve", cmd_approve, "approve a request awaiting a second person"},
    {"cancel", cmd_cancel, "cancel a request awaiting approval"},
    {"deliveries", cmd_deliveries, "import an MFI's delivery results of a wage run"},
    {"group", cmd_group, "savings groups: members, cycles, meetings and the share-out"},
    {"period", cmd_period, "close accounting periods (four eyes)"},
    {"balance", cmd_balance, "balances of accounts, now or as of a date or tree size"},
    {"statement", cmd_statement, "an account's lines; participants' printed statements"},
    {"verify-statement", cmd_verify_statement, "check a printed statement's QR code"},
    {"entry", cmd_entry, "show one entry with its legs"},
    {"trial-balance", cmd_trial_balance, "accounts' debit and credit balances; equal totals"},
    {"balance-sheet", cmd_balance_sheet, "accounts by type with subtotals; assets balance"},
    {"reconcile", cmd_reconcile, "match an MFI's statement (CSV) against partner:<mfi>:cash"},
    {"export", cmd_export, "posted entries as CSV, an hledger journal or beancount"},
    {"report", cmd_report, "donor indicators by sex, age, disability, region; CSV, charts"},
    {"checkpoint", cmd_checkpoint, "print a signed checkpoint"},
    {"proof", cmd_proof, "inclusion and consistency proofs; check a proof offline"},
    {"key", cmd_key, "rotate the signing key"},
    {"token", cmd_token, "create, list or revoke RPC access tokens"},
    {"serve", cmd_serve, "run caurisd, the Connect RPC server, on a ledger"},
    {"verify", cmd_verify, "recompute and check the whole ledger"},
    {"backup", cmd_backup, "a consistent copy of a ledger in use, with its keys"},
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
                 "Global options, before COMMAND, run post, balance, statement, proof and\n"
                 "checkpoint against a running server (cauris serve) instead of a ledger\n"
                 "directory, e.g. cauris --server http://127.0.0.1:8080 balance CODE:\n"
                 "  --server URL       the server (default $CAURIS_SERVER)\n"
                 "  --token TOKEN      access token (see cauris token; default $CAURIS_TOKEN)\n"
                 "  --token-file FILE  read the token from the first line of FILE\n"
                 "  --json-wire        send application/json instead of application/proto\n\n"
                 "Run 'cauris COMMAND --help' for a command's arguments, and\n"
                 "'cauris --server URL COMMAND --help' for its remote form.\n"
                 "Exit status: 0 ok, 1 failure, 2 bad usage.\n");
    return CLI_EXIT_OK;
}

static int global_usage_error(const char *message, const char *detail)
{
    fprintf(stderr, "cauris: %s%s\nsee cauris --help\n", message, detail);
    return CLI_EXIT_USAGE;
}

/* Reads the global options at argv[1..]: "--name VALUE", "--name=VALUE"
 * or the flag --json-wire. Stops at the first other argument; *next is its
 * index. Returns 0, or CLI_EXIT_USAGE after printing the error. */
static int globals_parse(int argc, char **argv, cli_remote_opts *g, int *next)
{
    int i = 1;
    memset(g, 0, sizeof *g);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *name = argv[i] + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char **slot = NULL;
        if (len == 9 && strncmp(name, "json-wire", len) == 0 && eq == NULL) {
            g->json_wire = true;
            continue;
        }
        if (len == 6 && strncmp(name, "server", len) == 0)
            slot = &g->server;
        else if (len == 5 && strncmp(name, "token", len) == 0)
            slot = &g->token;
        else if (len == 10 && strncmp(name, "token-file", len) == 0)
            slot = &g->token_file;
        else
            break; /* --help, --version, or the command's business */
        if (*slot != NULL)
            return global_usage_error("given twice: ", argv[i]);
        if (eq == NULL && i + 1 >= argc)
            return global_usage_error("needs a value: ", argv[i]);
        *slot = eq ? eq + 1 : argv[++i];
    }
    *next = i;
    return 0;
}

/* Decides whether command `name` runs against a server: an explicit
 * --server always (and a command without a remote form is then bad
 * usage), $CAURIS_SERVER for the commands that have one. Returns 0 with
 * *remote set, or CLI_EXIT_USAGE. */
static int remote_choose(cli_remote_opts *g, const char *name, bool *remote)
{
    bool given = g->server != NULL;
    const char *env = getenv("CAURIS_SERVER");
    *remote = false;
    if (given && !cli_remote_supported(name))
        return global_usage_error("--server goes with post, balance, statement, proof or "
                                  "checkpoint, not with ",
                                  name);
    if (!given && env != NULL && env[0] != '\0' && cli_remote_supported(name))
        g->server = env;
    if (g->server == NULL && (g->token != NULL || g->token_file != NULL || g->json_wire))
        return global_usage_error("--token, --token-file and --json-wire go with --server URL",
                                  "");
    if (g->server != NULL && g->server[0] == '\0')
        return global_usage_error("--server needs a URL like http://127.0.0.1:8080", "");
    *remote = g->server != NULL;
    return 0;
}

int main(int argc, char **argv)
{
    cli_remote_opts g;
    int first = 1;
    int rc = globals_parse(argc, argv, &g, &first);
    if (rc != 0)
        return rc;
    if (first >= argc) {
        usage_print(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[first];
    if (strcmp(name, "help") == 0 && first + 1 < argc) {
        for (size_t i = 0; i < COMMANDS_COUNT; i++) {
            if (strcmp(argv[first + 1], commands[i].name) == 0) {
                char *help_argv[] = {argv[first + 1], (char *)"--help", NULL};
                if (g.server != NULL && cli_remote_supported(help_argv[0]))
                    return cli_remote_main(&g, 2, help_argv);
                return commands[i].fn(2, help_argv);
            }
        }
        fprintf(stderr, "cauris: unknown command '%s'\nsee cauris --help\n", argv[first + 1]);
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
            bool remote = false;
            rc = remote_choose(&g, name, &remote);
            if (rc != 0)
                return rc;
            rc = remote ? cli_remote_main(&g, argc - first, argv + first)
                        : commands[i].fn(argc - first, argv + first);
            if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL; /* e.g. a full disk or a closed pipe */
            return rc;
        }
    }
    fprintf(stderr, "cauris: unknown command '%s'\nsee cauris --help\n", name);
    return CLI_EXIT_USAGE;
}
