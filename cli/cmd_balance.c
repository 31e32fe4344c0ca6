/*
 * cmd_balance.c — `cauris balance`: balances of accounts, now or as of a
 * date or tree size. (`trial-balance` and `balance-sheet`, the whole
 * programme's books, are in cmd_balance_sheet.c.)
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char balance_usage[] =
    "usage: cauris balance DIR CODE... [--programme NAME] [options]\n"
    "\n"
    "Prints each account's posted balance on its normal side, in the programme's\n"
    "currency (e.g. 'participant:P1:wallet  9000 GNF').\n"
    "\n"
    "options:\n"
    "  --programme NAME   the programme (default: the ledger's only one)\n"
    "  --as-of YYYY-MM-DD entries recorded on or before that UTC day\n"
    "  --tree-size N      entries with seq below N (as of a checkpoint)\n"
    "  --json             a JSON array of {code, balance (minor units, a string),\n"
    "                     currency}\n";

static int as_of_parse(const char *as_of, const char *tree_size, ledger_as_of *out)
{
    memset(out, 0, sizeof *out);
    if (as_of != NULL && tree_size != NULL)
        return cli_usage_error("balance", "give --as-of or --tree-size, not both");
    if (as_of != NULL && ledger_date_parse(as_of, &out->date) != 0)
        return cli_usage_error("balance", "--as-of '%s' is not a date YYYY-MM-DD", as_of);
    if (tree_size != NULL &&
        (cli_parse_u64(tree_size, &out->tree_size) != 0 || out->tree_size == 0))
        return cli_usage_error("balance", "--tree-size '%s' is not a positive number",
                               tree_size);
    return 0;
}

static int balances_print(ledger *l, const char *programme, const cli_args *a,
                          const ledger_as_of *as_of, bool json)
{
    char currency[LEDGER_CURRENCY_LEN + 1], amount[CLI_AMOUNT_TEXT_MAX];
    int digits;
    int rc = cli_programme_currency("balance", l, programme, currency, &digits);
    if (rc != CLI_EXIT_OK)
        return rc;
    size_t n = a->pos_count - 1, width = 0, amount_width = 0;
    int64_t balances[CLI_POSITIONALS_MAX];
    for (size_t i = 0; i < n; i++) {
        const char *code = a->pos[1 + i];
        int err = ledger_balance(l, programme, code, as_of, &balances[i]);
        if (err != LEDGER_OK)
            return cli_fail_ledger("balance", code, err);
        width = strlen(code) > width ? strlen(code) : width;
        cli_amount_format(amount, sizeof amount, balances[i], digits);
        amount_width = strlen(amount) > amount_width ? strlen(amount) : amount_width;
    }
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        if (json) {
            char minor[CLI_AMOUNT_TEXT_MAX];
            cli_amount_format(minor, sizeof minor, balances[i], 0);
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "code", a->pos[1 + i],
                                                 "balance", minor, "currency", currency));
        } else {
            cli_amount_format(amount, sizeof amount, balances[i], digits);
            printf("%-*s  %*s %s\n", (int)width, a->pos[1 + i], (int)amount_width, amount,
                   currency);
        }
    }
    if (json) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        json_decref(arr);
        if (text == NULL)
            return cli_fail("balance", "out of memory");
        printf("%s\n", text);
        free(text);
    }
    return CLI_EXIT_OK;
}

int cmd_balance(int argc, char **argv)
{
    const char *programme = NULL, *as_of_text = NULL, *tree_size = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {"programme", &programme, NULL},
        {"as-of", &as_of_text, NULL},
        {"tree-size", &tree_size, NULL},
        {"json", NULL, &json},
        {NULL, NULL, NULL},
    };
    cli_args a;
    ledger_as_of as_of;
    int rc = cli_args_parse("balance", argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(balance_usage);
    if (a.pos_count < 2)
        return cli_usage_error("balance", "needs a ledger directory and at least one "
                                          "account code");
    rc = as_of_parse(as_of_text, tree_size, &as_of);
    if (rc != 0)
        return rc;
    ledger *l = NULL;
    char prog[LEDGER_NAME_MAX + 1];
    rc = cli_ledger_open_programme("balance", a.pos[0], false, NULL, programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = balances_print(l, prog, &a, &as_of, json);
    ledger_close(l);
    return rc;
}
