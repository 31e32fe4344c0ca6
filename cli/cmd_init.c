/*
 * cmd_init.c — `cauris init`: creates a ledger directory with its first
 * programme and signing key, then prints what an auditor needs to pin: the
 * checkpoint origin and the verifier key.
 */
#include "cli/cli.h"

#include <errno.h>
#include <string.h>

static const char init_usage[] =
    "usage: cauris init DIR --programme NAME --currency CODE [options]\n"
    "\n"
    "Creates a ledger in DIR (created if missing; it must hold no ledger): the\n"
    "storage, a new Ed25519 signing key (DIR/signing.key, mode 0600), its verifier\n"
    "key (DIR/signing.pub), the programme with its fixed accounts programme:fund,\n"
    "programme:wages and programme:grants, and the first signed checkpoint.\n"
    "\n"
    "options:\n"
    "  --programme NAME        the first programme, [a-z0-9_-]{1,64}\n"
    "  --currency CODE         its ISO 4217 currency, e.g. GNF, XOF, USD\n"
    "  --origin TEXT           checkpoint origin (default cauris/NAME/<random>)\n"
    "  --passphrase-file FILE  seal the key with the first line of FILE\n"
    "                          ($CAURIS_PASSPHRASE seals it too)\n"
    "\n"
    "the programme's settings (see cauris programme settings; change them later with\n"
    "cauris programme settings set):\n"
    "  --capital-rate-bp N     share of each gross wage withheld as capital, in basis\n"
    "                          points (default 0; 1000 = 10 %)\n"
    "  --unlock-phase N        capital may be released from this phase on (1..3,\n"
    "                          default 2)\n"
    "  --approval OP=AMOUNT    entries of OP above AMOUNT (in the currency's units)\n"
    "                          wait for a second person's approval; AMOUNT may be\n"
    "                          'always' or 'never' (the default). OP is transfer,\n"
    "                          funding, wage, payout, grant_disburse or reversal.\n"
    "                          Repeatable. Grant commits and capital releases always\n"
    "                          need approval.\n"
    "\n"
    "Prints the ledger directory, the origin and the verifier key; keep the\n"
    "verifier key to check checkpoints and proofs later.\n";

#define INIT_CMD "init"

static int init_report(const char *dir, bool sealed)
{
    ledger *l = NULL;
    char origin[LEDGER_ORIGIN_MAX + 1], vkey[512];
    int rc = cli_ledger_open(INIT_CMD, dir, false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_origin(l, origin, sizeof origin);
    if (err == LEDGER_OK)
        err = ledger_vkey(l, vkey, sizeof vkey);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger(INIT_CMD, dir, err);
    printf("ledger: %s\n", dir);
    printf("origin: %s\n", origin);
    printf("verifier key: %s\n", vkey);
    printf("signing key: %s/signing.key (%s)\n", dir,
           sealed ? "sealed with a passphrase" : "not sealed");
    return CLI_EXIT_OK;
}

int cmd_init(int argc, char **argv)
{
    const char *programme = NULL, *currency = NULL, *origin = NULL, *pass_file = NULL,
               *rate = NULL, *phase = NULL, *approvals[CLI_REPEAT_MAX];
    size_t approvals_count = 0;
    const cli_opt opts[] = {
        {"programme", &programme, NULL},
        {"currency", &currency, NULL},
        {"origin", &origin, NULL},
        {"passphrase-file", &pass_file, NULL},
        {"capital-rate-bp", &rate, NULL},
        {"unlock-phase", &phase, NULL},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc =
        cli_args_take_repeated(INIT_CMD, &argc, argv, "approval", approvals, &approvals_count);
    if (rc != 0)
        return rc;
    rc = cli_args_parse(INIT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(init_usage);
    if (a.pos_count != 1)
        return cli_usage_error(INIT_CMD, "needs exactly one ledger directory");
    if (programme == NULL)
        return cli_usage_error(INIT_CMD, "--programme NAME is required");
    if (currency == NULL)
        return cli_usage_error(INIT_CMD, "--currency CODE is required");
    int digits = ledger_currency_digits(currency);
    if (digits < 0)
        return cli_fail(INIT_CMD, "'%s' is not an ISO 4217 currency code (e.g. GNF, XOF, USD)",
                        currency);
    ledger_settings settings;
    ledger_settings_default(&settings);
    rc = cli_settings_apply(INIT_CMD, &settings, rate, phase, approvals, approvals_count,
                            digits);
    if (rc != 0)
        return rc;

    char passphrase[CLI_PASSPHRASE_MAX + 2];
    bool sealed = false;
    rc = cli_passphrase_get(INIT_CMD, pass_file, passphrase, sizeof passphrase, &sealed);
    if (rc != CLI_EXIT_OK)
        return rc;
    ledger_init_options opt;
    memset(&opt, 0, sizeof opt);
    opt.programme = programme;
    opt.currency = currency;
    opt.origin = origin;
    opt.passphrase = sealed ? passphrase : NULL;
    opt.settings = &settings;
    errno = 0;
    int err = ledger_init(a.pos[0], &opt);
    cli_wipe(passphrase, sizeof passphrase);
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(INIT_CMD,
                        "%s: the programme name must be 1 to 64 of a-z 0-9 _ -, and the "
                        "origin at most %d printable characters without spaces or '+'",
                        a.pos[0], LEDGER_ORIGIN_MAX);
    if (err != LEDGER_OK)
        return cli_fail_ledger(INIT_CMD, a.pos[0], err);
    rc = init_report(a.pos[0], sealed);
    if (rc == CLI_EXIT_OK)
        printf("settings: capital rate %u bp, unlock phase %u (see cauris programme settings "
               "%s)\n",
               settings.capital_rate_bp, settings.unlock_phase, a.pos[0]);
    return rc;
}
