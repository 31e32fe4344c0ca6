/*
 * cmd_entry.c — `cauris entry`: one entry with its legs, found by seq or by
 * the partner's client entry id.
 */
#include "cli/cli.h"

#include <string.h>

static const char entry_usage[] =
    "usage: cauris entry DIR SEQ\n"
    "       cauris entry DIR --partner ID --client-id ID\n"
    "\n"
    "Shows one entry: its fields, the participant it is about with the reporting\n"
    "tags recorded with it (sex, age band, disability, location, category,\n"
    "cohort, phase, CSO) and its budget line, and its legs with each account's\n"
    "balance after the leg.\n";

#define ENTRY_CMD "entry"

/* The reporting tags the entry carries: whose it is, as they were then. */
static void tags_print(const ledger_tags *t)
{
    if (t->participant[0] != '\0')
        printf("participant:  %s (%s, age %s, disability %s, %s / %s, %s, cohort %s, phase %u, "
               "cso %s)\n",
               t->participant, ledger_sex_name(t->sex), ledger_age_band_name(t->age_band),
               ledger_disability_name(t->disability), t->admin1, t->admin2,
               ledger_category_name(t->category), t->cohort, t->phase, t->cso);
    if (t->budget_line[0] != '\0')
        printf("budget line:  %s\n", t->budget_line);
}

static void entry_print(const ledger_entry *e, int digits, const char *currency)
{
    char date[CLI_DATE_TEXT_MAX], recorded[40], amount[CLI_AMOUNT_TEXT_MAX],
        balance[CLI_AMOUNT_TEXT_MAX];
    const char *kind = ledger_kind_name(e->kind), *op = ledger_op_name(e->op);
    cli_date_format(date, e->value_date);
    cli_time_format(recorded, sizeof recorded, e->recorded_at);
    printf("seq:          %llu\n", (unsigned long long)e->seq);
    printf("programme:    %s\n", e->programme);
    printf("kind:         %s\n", kind ? kind : "?");
    printf("operation:    %s\n", op ? op : "?");
    printf("partner:      %s\n", e->partner);
    printf("principal:    %s\n", e->principal);
    printf("client id:    %s\n", e->client_id);
    printf("external ref: %s\n", e->external_ref[0] ? e->external_ref : "-");
    printf("memo:         %s\n", e->memo[0] ? e->memo : "-");
    printf("value date:   %s\n", date);
    printf("recorded:     %s\n", recorded);
    if (e->ref != LEDGER_SEQ_NONE)
        printf("refers to:    seq %llu\n", (unsigned long long)e->ref);
    tags_print(&e->tags);
    printf("legs:\n");
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const ledger_leg *g = &e->legs[i];
        cli_amount_format(amount, sizeof amount, g->amount, digits);
        cli_amount_format(balance, sizeof balance, g->balance_after, digits);
        printf("  %-40s %-6s %16s %s  balance after %s\n", g->account,
               g->side == LEDGER_DEBIT ? "debit" : "credit", amount, currency, balance);
    }
}

int cmd_entry(int argc, char **argv)
{
    const char *partner = NULL, *client_id = NULL;
    const cli_opt opts[] = {
        {"partner", &partner, NULL},
        {"client-id", &client_id, NULL},
        {NULL, NULL, NULL},
    };
    cli_args a;
    uint64_t seq = 0;
    int rc = cli_args_parse(ENTRY_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(entry_usage);
    bool by_id = partner != NULL || client_id != NULL;
    if (by_id && (partner == NULL || client_id == NULL || a.pos_count != 1))
        return cli_usage_error(ENTRY_CMD, "give DIR, --partner and --client-id together");
    if (!by_id && a.pos_count != 2)
        return cli_usage_error(ENTRY_CMD, "needs a ledger directory and a seq");
    if (!by_id && cli_parse_u64(a.pos[1], &seq) != 0)
        return cli_usage_error(ENTRY_CMD, "'%s' is not a seq (a whole number)", a.pos[1]);

    ledger *l = NULL;
    ledger_entry e;
    rc = cli_ledger_open(ENTRY_CMD, a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = by_id ? ledger_entry_find(l, partner, client_id, &seq) : LEDGER_OK;
    if (err == LEDGER_NOT_FOUND)
        rc = cli_fail(ENTRY_CMD, "partner %s has posted no entry with client id %s", partner,
                      client_id);
    else if (err != LEDGER_OK)
        rc = cli_fail_ledger(ENTRY_CMD, client_id, err);
    if (rc == CLI_EXIT_OK) {
        err = ledger_entry_get(l, seq, &e);
        if (err == LEDGER_NOT_FOUND)
            rc = cli_fail(ENTRY_CMD,
                          "seq %llu is not an entry (no such leaf, or a batch "
                          "header or account record)",
                          (unsigned long long)seq);
        else if (err != LEDGER_OK)
            rc = cli_fail_ledger(ENTRY_CMD, "reading the entry", err);
    }
    if (rc == CLI_EXIT_OK) {
        char currency[LEDGER_CURRENCY_LEN + 1];
        int digits;
        rc = cli_programme_currency(ENTRY_CMD, l, e.programme, currency, &digits);
        if (rc == CLI_EXIT_OK)
            entry_print(&e, digits, currency);
    }
    ledger_close(l);
    return rc;
}
