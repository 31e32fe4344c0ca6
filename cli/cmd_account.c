/*
 * cmd_account.c — `cauris account open|lock|unlock|close` and
 * `cauris accounts`: opening accounts, changing their flags, listing them.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const char account_usage[] =
    "usage: cauris account open DIR CODE... [--programme NAME]\n"
    "       cauris account lock|unlock|close DIR CODE [--programme NAME]\n"
    "\n"
    "open    opens accounts; each code's type and flags come from the chart of\n"
    "        accounts (participant:P1:wallet, partner:mfi1:cash, group:g1:cash, ...).\n"
    "        Prints one line per code: ok, account_exists or invalid_account_code;\n"
    "        exits 1 if any was not opened.\n"
    "lock    nothing may leave the account (credits are still allowed)\n"
    "unlock  removes the lock\n"
    "close   no leg may touch the account any more\n"
    "\n"
    "options:\n"
    "  --programme NAME        the programme (default: the ledger's only one)\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n";

static const char accounts_usage[] =
    "usage: cauris accounts DIR [--programme NAME] [--prefix P]\n"
    "\n"
    "Lists the programme's accounts in code order: code, type, flags and posted\n"
    "balance in the programme's currency.\n"
    "\n"
    "options:\n"
    "  --programme NAME  the programme (default: the ledger's only one)\n"
    "  --prefix P        only codes starting with P, e.g. participant:P1:\n";

#define ACCOUNTS_PAGE 256 /* accounts read per ledger_accounts_list() call */

static int account_open(const char *cmd, ledger *l, const char *programme, const cli_args *a)
{
    size_t n = a->pos_count - 2;
    int results[CLI_POSITIONALS_MAX];
    int err = ledger_accounts_open(l, programme, a->pos + 2, n, results);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, programme, err);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        printf("%s %s\n", a->pos[2 + i], ledger_err_name(results[i]));
        failed += results[i] != LEDGER_OK;
    }
    if (failed > 0)
        return cli_fail(cmd, "%zu of %zu accounts were not opened", failed, n);
    return CLI_EXIT_OK;
}

static int account_flags(const char *cmd, ledger *l, const char *programme, const char *verb,
                         const char *code)
{
    ledger_account_info info;
    char what[LEDGER_CODE_MAX + 16], flags_text[64];
    snprintf(what, sizeof what, "%s", code);
    int err = ledger_account_get(l, programme, code, &info);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, what, err);
    uint32_t flags = info.flags;
    if (strcmp(verb, "lock") == 0)
        flags |= LEDGER_FLAG_LOCKED;
    else if (strcmp(verb, "unlock") == 0)
        flags &= ~LEDGER_FLAG_LOCKED;
    else
        flags |= LEDGER_FLAG_CLOSED;
    if ((info.flags & LEDGER_FLAG_CLOSED) && strcmp(verb, "unlock") == 0)
        return cli_fail(cmd, "%s is closed; a closed account stays closed", code);
    err = ledger_account_set_flags(l, programme, code, flags);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, what, err);
    cli_flags_format(flags_text, sizeof flags_text, flags);
    printf("%s %s\n", code, flags_text);
    return CLI_EXIT_OK;
}

int cmd_account(int argc, char **argv)
{
    const char *programme = NULL, *pass_file = NULL;
    const cli_opt opts[] = {
        {"programme", &programme, NULL},
        {"passphrase-file", &pass_file, NULL},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse("account", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(account_usage);
    if (a.pos_count == 0)
        return cli_usage_error("account", "needs open, lock, unlock or close");
    const char *verb = a.pos[0];
    bool is_open = strcmp(verb, "open") == 0;
    if (!is_open && strcmp(verb, "lock") != 0 && strcmp(verb, "unlock") != 0 &&
        strcmp(verb, "close") != 0)
        return cli_usage_error("account", "unknown action '%s' (open, lock, unlock, close)",
                               verb);
    if (is_open ? a.pos_count < 3 : a.pos_count != 3)
        return cli_usage_error("account", is_open ? "open needs DIR and at least one CODE"
                                                  : "needs DIR and one CODE");
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    rc = cli_ledger_open_programme("account", a.pos[1], true, pass_file, programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = is_open ? account_open("account", l, prog, &a)
                 : account_flags("account", l, prog, verb, a.pos[2]);
    ledger_close(l);
    return rc;
}

static void account_line(const ledger_account_info *info, int digits)
{
    char amount[CLI_AMOUNT_TEXT_MAX], flags[64];
    const char *type = ledger_account_type_name(info->type);
    cli_amount_format(amount, sizeof amount, info->balance, digits);
    cli_flags_format(flags, sizeof flags, info->flags);
    printf("%-40s %-10s %-20s %20s %s\n", info->code, type ? type : "?", flags, amount,
           info->currency);
}

int cmd_accounts(int argc, char **argv)
{
    const char *programme = NULL, *prefix = NULL;
    const cli_opt opts[] = {
        {"programme", &programme, NULL},
        {"prefix", &prefix, NULL},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse("accounts", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(accounts_usage);
    if (a.pos_count != 1)
        return cli_usage_error("accounts", "needs exactly one ledger directory");
    ledger *l = NULL;
    char currency[LEDGER_CURRENCY_LEN + 1], after[LEDGER_CODE_MAX + 1] = "";
    char prog[LEDGER_NAME_MAX + 1];
    int digits;
    rc = cli_ledger_open_programme("accounts", a.pos[0], false, NULL, programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    programme = prog;
    rc = cli_programme_currency("accounts", l, programme, currency, &digits);
    ledger_account_info *page = calloc(ACCOUNTS_PAGE, sizeof *page);
    if (rc == CLI_EXIT_OK && page == NULL)
        rc = cli_fail("accounts", "out of memory");
    uint64_t total = 0;
    if (rc == CLI_EXIT_OK)
        printf("%-40s %-10s %-20s %20s\n", "code", "type", "flags", "balance");
    while (rc == CLI_EXIT_OK) {
        size_t n = 0;
        int err = ledger_accounts_list(l, programme, prefix ? prefix : "", after, page,
                                       ACCOUNTS_PAGE, &n);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger("accounts", programme, err);
            break;
        }
        for (size_t i = 0; i < n; i++)
            account_line(&page[i], digits);
        total += n;
        if (n < ACCOUNTS_PAGE)
            break;
        snprintf(after, sizeof after, "%s", page[n - 1].code);
    }
    if (rc == CLI_EXIT_OK)
        printf("%llu account%s\n", (unsigned long long)total, total == 1 ? "" : "s");
    free(page);
    ledger_close(l);
    return rc;
}
