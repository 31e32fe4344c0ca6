/*
 * cmd_statement.c — `cauris statement`: an account's statement for a
 * period as plain text, every page of ledger_statement_get() in turn.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static const char statement_usage[] =
    "usage: cauris statement DIR CODE [--programme NAME] [options]\n"
    "\n"
    "Prints the account's statement: opening balance, one line per entry recorded\n"
    "in the period (recorded date, value date, seq, operation, memo or external\n"
    "reference, debit, credit, running balance), closing balance.\n"
    "\n"
    "options:\n"
    "  --programme NAME  the programme (default: the ledger's only one)\n"
    "  --from DATE       first recorded day, YYYY-MM-DD (default: the beginning)\n"
    "  --to DATE         last recorded day, YYYY-MM-DD (default: now)\n"
    "  --format text     the only format for now (pdf comes later)\n"
    "  --page-size N     lines read per call, 1..1000 (default 1000)\n";

#define STATEMENT_CMD "statement"
#define STATEMENT_DESC_WIDTH 28 /* characters of memo shown per line */

typedef struct statement_ctx {
    const char *programme, *code;
    uint32_t from, to, page_size;
    int digits;
    char currency[LEDGER_CURRENCY_LEN + 1];
} statement_ctx;

static void header_print(const statement_ctx *s, const ledger_account_info *info)
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX];
    const char *type = ledger_account_type_name(info->type);
    cli_date_format(from, s->from);
    cli_date_format(to, s->to);
    printf("programme: %s\n", s->programme);
    printf("account:   %s (%s)\n", s->code, type ? type : "?");
    printf("currency:  %s\n", s->currency);
    printf("period:    %s .. %s\n", s->from ? from : "beginning", s->to ? to : "now");
}

static void line_print(const statement_ctx *s, const ledger_line *ln)
{
    char recorded[CLI_DATE_TEXT_MAX], value[CLI_DATE_TEXT_MAX], amount[CLI_AMOUNT_TEXT_MAX],
        balance[CLI_AMOUNT_TEXT_MAX];
    const char *op = ledger_op_name(ln->op);
    const char *desc = ln->memo[0]           ? ln->memo
                       : ln->external_ref[0] ? ln->external_ref
                                             : ln->client_id;
    cli_date_format(recorded, ledger_date_of_time(ln->recorded_at));
    cli_date_format(value, ln->value_date);
    cli_amount_format(amount, sizeof amount, ln->amount, s->digits);
    cli_amount_format(balance, sizeof balance, ln->balance_after, s->digits);
    printf("%-10s  %-10s  %8llu  %-15s %-*.*s  %16s  %16s  %16s\n", recorded, value,
           (unsigned long long)ln->seq, op ? op : "?", STATEMENT_DESC_WIDTH,
           STATEMENT_DESC_WIDTH, desc, ln->side == LEDGER_DEBIT ? amount : "",
           ln->side == LEDGER_CREDIT ? amount : "", balance);
}

static int statement_print(ledger *l, const statement_ctx *s)
{
    ledger_account_info info;
    ledger_statement st;
    char amount[CLI_AMOUNT_TEXT_MAX];
    int err = ledger_account_get(l, s->programme, s->code, &info);
    if (err != LEDGER_OK)
        return cli_fail_ledger(STATEMENT_CMD, s->code, err);
    ledger_line *lines = calloc(s->page_size, sizeof *lines);
    if (lines == NULL)
        return cli_fail(STATEMENT_CMD, "out of memory");
    ledger_statement_query q = {s->programme, s->code, s->from, s->to, 0, s->page_size};
    uint64_t printed = 0;
    int rc = CLI_EXIT_OK;
    header_print(s, &info);
    do {
        err = ledger_statement_get(l, &q, lines, &st);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(STATEMENT_CMD, s->code, err);
            break;
        }
        if (q.page_token == 0) {
            cli_amount_format(amount, sizeof amount, st.opening_balance, s->digits);
            printf("opening balance: %s %s\n\n", amount, s->currency);
            printf("%-10s  %-10s  %8s  %-15s %-*s  %16s  %16s  %16s\n", "recorded", "value",
                   "seq", "operation", STATEMENT_DESC_WIDTH, "description", "debit", "credit",
                   "balance");
        }
        for (uint32_t i = 0; i < st.lines_count; i++)
            line_print(s, &lines[i]);
        printed += st.lines_count;
        q.page_token = st.next_page_token;
    } while (q.page_token != 0);
    if (rc == CLI_EXIT_OK) {
        cli_amount_format(amount, sizeof amount, st.closing_balance, s->digits);
        printf("\nclosing balance: %s %s\n", amount, s->currency);
        printf("lines: %llu\n", (unsigned long long)printed);
        if (printed != st.lines_total)
            rc = cli_fail(STATEMENT_CMD, "%llu lines printed but the ledger counts %llu",
                          (unsigned long long)printed, (unsigned long long)st.lines_total);
    }
    free(lines);
    return rc;
}

static int date_opt(const char *name, const char *text, uint32_t *out)
{
    *out = 0;
    if (text != NULL && ledger_date_parse(text, out) != 0)
        return cli_usage_error(STATEMENT_CMD, "--%s '%s' is not a date YYYY-MM-DD", name, text);
    return 0;
}

int cmd_statement(int argc, char **argv)
{
    const char *programme = NULL, *from = NULL, *to = NULL, *format = NULL, *page = NULL;
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"from", &from, NULL},      {"to", &to, NULL},
        {"format", &format, NULL},       {"page-size", &page, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    statement_ctx s;
    memset(&s, 0, sizeof s);
    int rc = cli_args_parse(STATEMENT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(statement_usage);
    if (a.pos_count != 2)
        return cli_usage_error(STATEMENT_CMD, "needs a ledger directory and one account code");
    if (format != NULL && strcmp(format, "text") != 0) {
        if (strcmp(format, "pdf") == 0)
            return cli_fail(STATEMENT_CMD,
                            "format pdf is not available yet; use --format text");
        return cli_usage_error(STATEMENT_CMD, "unknown format '%s' (text)", format);
    }
    uint64_t page_size = LEDGER_PAGE_MAX;
    if (page != NULL &&
        (cli_parse_u64(page, &page_size) != 0 || page_size == 0 || page_size > LEDGER_PAGE_MAX))
        return cli_usage_error(STATEMENT_CMD, "--page-size must be 1 to %d", LEDGER_PAGE_MAX);
    if ((rc = date_opt("from", from, &s.from)) != 0 || (rc = date_opt("to", to, &s.to)) != 0)
        return rc;
    if (s.from != 0 && s.to != 0 && s.from > s.to)
        return cli_usage_error(STATEMENT_CMD, "--from is after --to");
    char prog[LEDGER_NAME_MAX + 1];
    s.programme = prog;
    s.code = a.pos[1];
    s.page_size = (uint32_t)page_size;
    ledger *l = NULL;
    rc = cli_ledger_open_programme(STATEMENT_CMD, a.pos[0], false, NULL, programme, &l, prog);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(STATEMENT_CMD, l, prog, s.currency, &s.digits);
    if (rc == CLI_EXIT_OK)
        rc = statement_print(l, &s);
    ledger_close(l);
    return rc;
}
