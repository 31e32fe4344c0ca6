/*
 * cmd_serve.c — `cauris serve`: runs caurisd, the Connect RPC server, on a
 * ledger directory until SIGINT or SIGTERM. Options come from an optional
 * config file first, then the command line.
 */
#include "cli/cli.h"

#include <string.h>

#include "rpc/rpc.h"

static const char serve_usage[] =
    "usage: cauris serve [DIR] [options]\n"
    "\n"
    "Serves the ledger in DIR over Connect RPC (HTTP/1.1, application/proto and\n"
    "application/json) until SIGINT or SIGTERM, then finishes queued commits.\n"
    "Calls need 'Authorization: Bearer TOKEN' (see cauris token). GET /healthz\n"
    "answers 'ok'; GET /metrics gives Prometheus metrics.\n"
    "\n"
    "options (also as 'name = value' lines in the --config file):\n"
    "  --config FILE             read options from FILE; the command line wins\n"
    "  --data-dir DIR            the ledger directory (or give DIR)\n"
    "  --listen HOST:PORT        default 127.0.0.1:8080; port 0 = any free port\n"
    "  --port-file FILE          write the port listened on to FILE\n"
    "  --log-level LEVEL         debug, info (default), warn or error\n"
    "  --body-bytes-max N        request body limit (default 16777216)\n"
    "  --entries-max N           entries per PostEntries request (default 8192)\n"
    "  --connections-max N       open connections (default 256)\n"
    "  --timeout-s N             seconds to receive a request; idle keep-alive\n"
    "                            connections close after it too (default 30)\n"
    "  --queue-entries-max N     entries waiting for the writer (default 262144)\n"
    "  --commit-entries-max N    entries in one group commit (default 65536)\n"
    "  --passphrase-file FILE    passphrase of a sealed signing key (first line);\n"
    "                            default $CAURIS_PASSPHRASE\n";

#define SERVE_CMD "serve"
#define SERVE_OPTIONS 10

static const char *const option_names[SERVE_OPTIONS] = {
    "data-dir",    "listen",          "port-file", "log-level",         "body-bytes-max",
    "entries-max", "connections-max", "timeout-s", "queue-entries-max", "commit-entries-max",
};

/* The config file, then the command line, into `o`. */
static int serve_options(const cli_args *a, const char *config, const char *const *values,
                         rpc_server_options *o)
{
    char err[512];
    if (config != NULL && rpc_config_load(o, config, err, sizeof err) != 0)
        return cli_fail(SERVE_CMD, "%s", err);
    for (size_t i = 0; i < SERVE_OPTIONS; i++)
        if (values[i] != NULL &&
            rpc_server_option_set(o, option_names[i], values[i], err, sizeof err) != 0)
            return cli_usage_error(SERVE_CMD, "%s", err);
    if (a->pos_count == 1)
        o->data_dir = a->pos[0];
    if (o->data_dir == NULL)
        return cli_usage_error(SERVE_CMD, "needs a ledger directory (DIR or --data-dir)");
    return CLI_EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
    const char *values[SERVE_OPTIONS] = {NULL};
    const char *config = NULL, *pass_file = NULL;
    cli_opt opts[SERVE_OPTIONS + 3];
    for (size_t i = 0; i < SERVE_OPTIONS; i++)
        opts[i] = (cli_opt){option_names[i], &values[i], NULL};
    opts[SERVE_OPTIONS] = (cli_opt){"config", &config, NULL};
    opts[SERVE_OPTIONS + 1] = (cli_opt){"passphrase-file", &pass_file, NULL};
    opts[SERVE_OPTIONS + 2] = (cli_opt){NULL, NULL, NULL};
    cli_args a;
    int rc = cli_args_parse(SERVE_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(serve_usage);
    if (a.pos_count > 1)
        return cli_usage_error(SERVE_CMD, "takes at most one ledger directory");
    rpc_server_options o;
    rpc_server_options_default(&o);
    rc = serve_options(&a, config, values, &o);
    if (rc == CLI_EXIT_OK) {
        char passphrase[CLI_PASSPHRASE_MAX];
        bool found = false;
        rc = cli_passphrase_get(SERVE_CMD, pass_file, passphrase, sizeof passphrase, &found);
        o.passphrase = found ? passphrase : NULL;
        if (rc == CLI_EXIT_OK)
            rc = rpc_server_run(&o) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
        cli_wipe(passphrase, sizeof passphrase);
    }
    rpc_server_options_release(&o);
    return rc;
}
