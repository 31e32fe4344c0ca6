/*
 * cmd_group.c — `cauris group`: savings groups (VSLA) from the command
 * line. A CSO creates a group and adds enrolled participants as members,
 * opens a cycle, records each meeting (its operations, who was present and
 * the cash counted in the box), and closes the cycle with its share-out;
 * `show` and `members` print the figures savings-group networks report.
 *
 * Every rule (membership, share limits, the loan fund, loans repaid before
 * the share-out, the social fund kept) is the library's (ledger/groups.c).
 * This file reads files and options, checks their shape, makes one library
 * call per command (a meeting is one ledger_group_meeting()) and says what
 * happened in words a facilitator can act on. Amounts given and shown are
 * in the currency's units, like every other command; --json gives minor
 * units as strings, like `cauris balance --json`.
 *
 * Never: compute a balance, a share of income or a limit itself (it
 * prints the library's), or record a meeting twice (see meeting_seen()).
 */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char group_usage[] =
    "usage: cauris group create DIR GROUP --partner CSO --principal WHO [--name NAME]\n"
    "       cauris group add DIR GROUP P1 [P2 ...] --principal WHO [--partner CSO]\n"
    "       cauris group add DIR GROUP --file MEMBERS.csv --principal WHO [--partner CSO]\n"
    "       cauris group cycle open DIR GROUP --share-price AMOUNT --start DATE --end DATE\n"
    "                               --principal WHO [--shares-min N] [--shares-max N]\n"
    "                               [--service-charge-bp N] [--partner CSO]\n"
    "       cauris group cycle close DIR GROUP --date DATE --principal WHO [--partner CSO]\n"
    "       cauris group meeting DIR GROUP FILE.csv|FILE.jsonl --date DATE\n"
    "                            --cash-counted AMOUNT --present P1,P2,...\n"
    "                            --principal WHO [--partner CSO]\n"
    "       cauris group show DIR GROUP [--json]\n"
    "       cauris group members DIR GROUP [--json]\n"
    "\n"
    "Savings groups (VSLA): members save by buying shares at meetings, keep a\n"
    "social fund, lend from the rest (the loan fund: cash less the social fund)\n"
    "with a service charge, and at the end of a cycle share out: each member's\n"
    "savings back, and the income divided in proportion to shares (largest\n"
    "remainder). The social fund stays in the group.\n"
    "\n"
    "create    a group (letters, digits, _ - . ; at most 16) led by the CSO\n"
    "          --partner; opens group:GROUP:cash, :social and :income\n"
    "add       enrolled participants as members (at most 100 a group), named on\n"
    "          the command line or in a CSV file with a participant column; prints\n"
    "          each one's result: added, already a member, unknown participant\n"
    "cycle open   the next cycle: --share-price (the currency's units), how many\n"
    "          shares a member buys at a meeting (--shares-min, default 1;\n"
    "          --shares-max, default 5), --service-charge-bp on each repaid loan's\n"
    "          principal (default 0), --start and planned --end\n"
    "cycle close  the share-out, dated --date: refused while any member owes the\n"
    "          group (each one is named); prints the income shared, what was paid\n"
    "          to members, the social fund kept and each member's part\n"
    "meeting   a meeting: its operations from FILE, who was present, and the cash\n"
    "          counted in the box against the ledger's (a difference is recorded\n"
    "          in the meeting and shown as a warning; it is not an error)\n"
    "show      the group's figures: members, cycle, cash, social fund, income,\n"
    "          loan fund, loans outstanding, savings, shares, meetings,\n"
    "          attendance rate, last share-out\n"
    "members   each member's number, shares, savings, loan and projected share\n"
    "          of the income\n"
    "\n"
    "A meeting's FILE (.csv, or .jsonl for JSON lines; --format for others or -)\n"
    "holds its operations, one a line:\n"
    "  op            share_purchase, social_fund, group_loan or loan_repayment\n"
    "  participant   the member\n"
    "  shares        share_purchase: whole shares at the cycle's price\n"
    "  amount        social_fund, group_loan; loan_repayment: the principal repaid\n"
    "                (the service charge is added); share_purchase: optional, must\n"
    "                be shares x price. CSV: the currency's units (a decimal comma\n"
    "                with ';'); JSON lines: minor units, like cauris post\n"
    "  from_wallet   share_purchase paid from the participant's programme wallet\n"
    "                (yes/no; JSON true/false), through cash_partner's cash (default\n"
    "                the partner)\n"
    "  cash_partner, client_id, external_ref, memo   optional\n"
    "JSON lines take the fields of cauris post; group defaults to GROUP and\n"
    "value_date to --date (others are refused). A line without client_id gets\n"
    "GROUP-DATE-LINE (e.g. g1-2026-01-05-3), so running the same file again\n"
    "posts nothing twice and does not record the meeting again: a meeting whose\n"
    "lines are all posted already is only reported, and one with some of them\n"
    "posted is refused (post the others with cauris post). The whole file is\n"
    "checked first; every malformed line is named and then nothing is recorded.\n"
    "Each operation then gets its own result, as with cauris post.\n"
    "\n"
    "options:\n"
    "  --programme NAME        the programme (default: the ledger's only one)\n"
    "  --partner ID            the partner accountable (create: the CSO leading the\n"
    "                          group, required; otherwise default the group's CSO)\n"
    "  --principal WHO         the person doing it (required for changes)\n"
    "  --name NAME             create: the group's name\n"
    "  --file FILE             add: a CSV file with a participant column\n"
    "  --present P1,P2,...     meeting: the members present\n"
    "  --cash-counted AMOUNT   meeting: the cash counted in the box (0 allowed)\n"
    "  --date YYYY-MM-DD       meeting, cycle close: the day\n"
    "  --format csv|jsonl      meeting: the file's format (default: its extension)\n"
    "  --separator SEP         CSV: ',', ';' or tab (default: guessed)\n"
    "  --json                  show, members: JSON (amounts in minor units, strings)\n"
    "  --passphrase-file FILE  passphrase of a sealed key (else $CAURIS_PASSPHRASE)\n"
    "\n"
    "Exits 0 on success, 1 when something was refused (a meeting's cash\n"
    "difference is not a refusal), 2 on bad usage.\n";

#define GROUP_CMD "group"
#define WHY_MAX 256
#define SHARES_MIN_DEFAULT 1
#define SHARES_MAX_DEFAULT 5
#define MEETING_ENTRIES_MAX LEDGER_REQUEST_ENTRIES_MAX /* operations of one meeting */
#define PRESENT_TEXT_MAX (LEDGER_GROUP_MEMBERS_MAX * (LEDGER_PARTICIPANT_ID_MAX + 2))
#define ROW_LABEL_WIDTH 21 /* "  savings per member:" and a space */

_Static_assert(SHARES_MAX_DEFAULT <= LEDGER_SHARES_PER_MEETING_MAX, "default within limit");
_Static_assert(MEETING_ENTRIES_MAX <= LEDGER_REQUEST_ENTRIES_MAX, "one meeting, one request");

typedef struct group_opts {
    const char *programme, *partner, *principal, *pass_file, *name, *file, *separator;
    const char *share_price, *shares_min, *shares_max, *charge_bp, *start, *end;
    const char *date, *cash_counted, *present, *format;
    bool json;
} group_opts;

/* What every action works with once the ledger is open. */
typedef struct group_ctx {
    ledger *l;
    const group_opts *o;
    const char *dir, *group;
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    const char *partner; /* --partner, else the group's CSO */
    char cso[LEDGER_PARTNER_MAX + 1];
} group_ctx;

/* An amount in the currency's units, into buf. */
static const char *money(const group_ctx *c, int64_t minor, char buf[CLI_AMOUNT_TEXT_MAX])
{
    cli_amount_format(buf, CLI_AMOUNT_TEXT_MAX, minor, c->digits);
    return buf;
}

/* Minor units as a JSON string, like `cauris balance --json`. */
static json_t *json_minor(int64_t minor)
{
    char buf[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(buf, sizeof buf, minor, 0);
    return json_string(buf);
}

static int json_print(json_t *v)
{
    char *text =
        v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(v);
    if (text == NULL)
        return cli_fail(GROUP_CMD, "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

/* One "label:  value" line of a report, the values aligned. */
static void row(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(const char *label, const char *fmt, ...)
{
    va_list ap;
    printf("%-*s", ROW_LABEL_WIDTH, label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* The ledger's refusal of a whole call, in the group's words. */
static int fail_group(const group_ctx *c, const char *what, int err)
{
    if (err == LEDGER_UNKNOWN_GROUP)
        return cli_fail(GROUP_CMD,
                        "no group %s in programme %s (create it: cauris group create)",
                        c->group, c->programme);
    if (err == LEDGER_UNKNOWN_PROGRAMME)
        return cli_fail(GROUP_CMD, "no programme named '%s' in this ledger", c->programme);
    return cli_fail_ledger(GROUP_CMD, what, err);
}

/* Group ids follow participant ids' rule, in at most LEDGER_GROUP_ID_MAX. */
static int group_id_check(const char *id)
{
    char why[WHY_MAX];
    if (strlen(id) > LEDGER_GROUP_ID_MAX || cli_participant_id_check(id, why, sizeof why) != 0)
        return cli_usage_error(GROUP_CMD,
                               "'%.40s' is not a group id: 1 to %d letters, digits, '_', '-' "
                               "or '.'",
                               id, LEDGER_GROUP_ID_MAX);
    return 0;
}

static int date_option(const char *name, const char *text, uint32_t *out)
{
    if (text == NULL)
        return cli_usage_error(GROUP_CMD, "--%s YYYY-MM-DD is required", name);
    if (ledger_date_parse(text, out) != 0)
        return cli_usage_error(GROUP_CMD, "--%s '%s' is not a date YYYY-MM-DD", name, text);
    return 0;
}

static int amount_option(const group_ctx *c, const char *name, const char *text, bool zero_ok,
                         int64_t *out)
{
    char why[WHY_MAX];
    if (text == NULL)
        return cli_usage_error(GROUP_CMD, "--%s AMOUNT is required (in %s)", name, c->currency);
    if (cli_amount_parse_units(text, c->digits, false, zero_ok, out, why, sizeof why) != 0)
        return cli_usage_error(GROUP_CMD, "--%s: %s", name, why);
    return 0;
}

/* A whole number option within lo..hi, `fallback` when not given. */
static int count_option(const char *name, const char *text, uint32_t fallback, uint32_t lo,
                        uint32_t hi, uint32_t *out)
{
    uint64_t v = fallback;
    if (text != NULL && (cli_parse_u64(text, &v) != 0 || v < lo || v > hi))
        return cli_usage_error(GROUP_CMD, "--%s '%s' is not a whole number from %u to %u", name,
                               text, lo, hi);
    *out = (uint32_t)v;
    return 0;
}

/* ---- create and add ---- */

static int group_create(group_ctx *c)
{
    const group_opts *o = c->o;
    char why[WHY_MAX];
    const char *name = o->name ? o->name : "";
    if (cli_text_check(name, LEDGER_GROUP_NAME_MAX, false, why, sizeof why) != 0)
        return cli_usage_error(GROUP_CMD, "--name %s", why);
    int err = ledger_group_create(c->l, c->programme, c->partner, o->principal, c->group, name);
    if (err == LEDGER_GROUP_EXISTS)
        return cli_fail(GROUP_CMD,
                        "group %s already exists in programme %s (cauris group show)", c->group,
                        c->programme);
    if (err == LEDGER_ACCOUNT_EXISTS)
        return cli_fail(GROUP_CMD,
                        "an account group:%s:... is already open (opened by hand); a group "
                        "opens its own accounts: choose another group id",
                        c->group);
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(GROUP_CMD,
                        "--partner and --principal must be 1 to %d and %d bytes of "
                        "text",
                        LEDGER_PARTNER_MAX, LEDGER_PRINCIPAL_MAX);
    if (err != LEDGER_OK)
        return fail_group(c, "the group was not created", err);
    printf("group %s%s%s%s created in programme %s, led by %s: accounts group:%s:cash, "
           ":social and :income\n",
           c->group, name[0] ? " (" : "", name, name[0] ? ")" : "", c->programme, c->partner,
           c->group);
    printf("next: cauris group add %s %s P1 P2 ... --principal %s\n", c->dir, c->group,
           o->principal);
    return CLI_EXIT_OK;
}

/* The participants to add: from the command line or a CSV file. */
typedef struct member_list {
    const char *ids[LEDGER_GROUP_MEMBERS_MAX];
    uint64_t lines[LEDGER_GROUP_MEMBERS_MAX]; /* 0 when from the command line */
    size_t count;
    cli_csv csv;
    bool csv_read;
} member_list;

static int members_from_file(const group_ctx *c, member_list *m)
{
    static const cli_csv_column spec[] = {{"participant", true}};
    char why[WHY_MAX];
    int col;
    uint64_t bad = 0;
    int rc = cli_csv_read(GROUP_CMD, c->o->file, c->o->separator, &m->csv);
    if (rc != CLI_EXIT_OK)
        return rc;
    m->csv_read = true;
    rc = cli_csv_columns(GROUP_CMD, c->o->file, &m->csv, spec, 1, &col);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (m->csv.rows_count == 0 || m->csv.rows_count > LEDGER_GROUP_MEMBERS_MAX)
        return cli_fail(GROUP_CMD, "%s has %zu participants; give 1 to %d", c->o->file,
                        m->csv.rows_count, LEDGER_GROUP_MEMBERS_MAX);
    for (size_t i = 0; i < m->csv.rows_count; i++) {
        const char *id = cli_csv_field(&m->csv, i, col);
        if (cli_participant_id_check(id, why, sizeof why) != 0) {
            fprintf(stderr, "line %llu: column participant: %s\n",
                    (unsigned long long)m->csv.rows[i].line, why);
            bad++;
        }
        m->ids[i] = id;
        m->lines[i] = m->csv.rows[i].line;
    }
    m->count = m->csv.rows_count;
    if (bad > 0)
        return cli_fail(GROUP_CMD, "%s: %llu malformed line%s; nobody was added", c->o->file,
                        (unsigned long long)bad, bad == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int members_from_args(const cli_args *a, member_list *m)
{
    char why[WHY_MAX];
    for (size_t i = 3; i < a->pos_count; i++) {
        if (cli_participant_id_check(a->pos[i], why, sizeof why) != 0)
            return cli_usage_error(GROUP_CMD, "participant %s", why);
        m->ids[m->count] = a->pos[i];
        m->lines[m->count++] = 0;
    }
    return 0;
}

/* The member number of `id`, 0 when it is not one. */
static uint32_t member_number(const ledger_group_member *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].participant, id) == 0)
            return list[i].number;
    }
    return 0;
}

static void add_result_print(const member_list *m, size_t i, int err, uint32_t number)
{
    char where[32] = "";
    if (m->lines[i] != 0)
        snprintf(where, sizeof where, "line %llu: ", (unsigned long long)m->lines[i]);
    if (err == LEDGER_OK)
        printf("%s%s: added, member %u\n", where, m->ids[i], number);
    else if (err == LEDGER_EXISTS)
        printf("%s%s: already a member (member %u)\n", where, m->ids[i], number);
    else if (err == LEDGER_UNKNOWN_PARTICIPANT)
        printf("%s%s: unknown participant: enrol them first (cauris enroll)\n", where,
               m->ids[i]);
    else if (err == LEDGER_INVALID_FIELD)
        printf("%s%s: not added: the group has %d members, the most a group may have\n", where,
               m->ids[i], LEDGER_GROUP_MEMBERS_MAX);
    else
        printf("%s%s: not added: %s (%s)\n", where, m->ids[i], ledger_strerror(err),
               ledger_err_name(err));
}

static int group_add(group_ctx *c, const cli_args *a)
{
    member_list m;
    static ledger_group_member list[LEDGER_GROUP_MEMBERS_MAX]; /* 8 KiB off the stack */
    int results[LEDGER_GROUP_MEMBERS_MAX];
    size_t n = 0, added = 0, already = 0, refused = 0;
    memset(&m, 0, sizeof m);
    int rc = c->o->file ? members_from_file(c, &m) : members_from_args(a, &m);
    if (rc == CLI_EXIT_OK) {
        int err = ledger_group_members_add(c->l, c->programme, c->partner, c->o->principal,
                                           c->group, m.ids, m.count, results);
        if (err == LEDGER_OK)
            err = ledger_group_members(c->l, c->programme, c->group, list,
                                       LEDGER_GROUP_MEMBERS_MAX, &n);
        if (err != LEDGER_OK)
            rc = fail_group(c, "nobody was added", err);
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < m.count; i++) {
        add_result_print(&m, i, results[i], member_number(list, n, m.ids[i]));
        added += results[i] == LEDGER_OK;
        already += results[i] == LEDGER_EXISTS;
        refused += results[i] != LEDGER_OK && results[i] != LEDGER_EXISTS;
    }
    if (rc == CLI_EXIT_OK)
        printf("added %zu, already members %zu, not added %zu; group %s has %zu member%s\n",
               added, already, refused, c->group, n, n == 1 ? "" : "s");
    if (m.csv_read)
        cli_csv_free(&m.csv);
    if (rc == CLI_EXIT_OK && refused > 0)
        rc = cli_fail(GROUP_CMD, "%zu participant%s not added (see above)", refused,
                      refused == 1 ? "" : "s");
    return rc;
}

/* ---- cycles ---- */

static void cycle_terms_print(const group_ctx *c, const ledger_cycle *cy)
{
    char price[CLI_AMOUNT_TEXT_MAX], start[CLI_DATE_TEXT_MAX], end[CLI_DATE_TEXT_MAX];
    cli_date_format(start, cy->start);
    cli_date_format(end, cy->planned_end);
    row("  share price:", "%s %s; %u to %u shares a member at each meeting",
        money(c, cy->share_price, price), c->currency, cy->shares_min, cy->shares_max);
    row("  service charge:", "%u bp of each repaid loan's principal", cy->service_charge_bp);
    row("  dates:", "%s to %s (planned)", start, end);
}

static int cycle_open(group_ctx *c)
{
    const group_opts *o = c->o;
    ledger_cycle cy;
    ledger_group_info g;
    memset(&cy, 0, sizeof cy);
    int rc = amount_option(c, "share-price", o->share_price, false, &cy.share_price);
    if (rc == 0)
        rc = count_option("shares-min", o->shares_min, SHARES_MIN_DEFAULT, 1,
                          LEDGER_SHARES_PER_MEETING_MAX, &cy.shares_min);
    if (rc == 0)
        rc = count_option("shares-max", o->shares_max, SHARES_MAX_DEFAULT, 1,
                          LEDGER_SHARES_PER_MEETING_MAX, &cy.shares_max);
    if (rc == 0)
        rc = count_option("service-charge-bp", o->charge_bp, 0, 0, LEDGER_RATE_BP_MAX,
                          &cy.service_charge_bp);
    if (rc == 0)
        rc = date_option("start", o->start, &cy.start);
    if (rc == 0)
        rc = date_option("end", o->end, &cy.planned_end);
    if (rc == 0 && cy.shares_min > cy.shares_max)
        rc = cli_usage_error(GROUP_CMD, "--shares-min %u is above --shares-max %u",
                             cy.shares_min, cy.shares_max);
    if (rc == 0 && cy.start > cy.planned_end)
        rc = cli_usage_error(GROUP_CMD, "--end %s is before --start %s", o->end, o->start);
    if (rc != 0)
        return rc;
    int err = ledger_cycle_open(c->l, c->programme, c->partner, o->principal, c->group, &cy);
    if (err == LEDGER_NO_OPEN_CYCLE && ledger_group_get(c->l, c->programme, c->group, &g) == 0)
        return cli_fail(GROUP_CMD,
                        "group %s already has cycle %u open: close it first (cauris group "
                        "cycle close)",
                        c->group, g.cycle.number);
    if (err == LEDGER_INVALID_FIELD)
        return cli_fail(GROUP_CMD,
                        "the cycle was refused: --partner or --principal is empty or "
                        "too long");
    if (err == LEDGER_OK)
        err = ledger_group_get(c->l, c->programme, c->group, &g);
    if (err != LEDGER_OK)
        return fail_group(c, "no cycle was opened", err);
    printf("cycle %u of group %s open\n", g.cycle.number, c->group);
    cycle_terms_print(c, &g.cycle);
    return CLI_EXIT_OK;
}

/* Who owes the group, on stderr, when the share-out is refused. */
static int loans_outstanding_fail(const group_ctx *c, uint32_t cycle)
{
    static ledger_group_member list[LEDGER_GROUP_MEMBERS_MAX];
    char amount[CLI_AMOUNT_TEXT_MAX];
    size_t n = 0, owing = 0;
    int64_t total = 0;
    int err =
        ledger_group_members(c->l, c->programme, c->group, list, LEDGER_GROUP_MEMBERS_MAX, &n);
    if (err != LEDGER_OK)
        return fail_group(c, "the share-out was refused: loans are outstanding", err);
    for (size_t i = 0; i < n; i++) {
        owing += list[i].loan > 0;
        total += list[i].loan; /* within the group's cash: no overflow */
    }
    cli_fail(GROUP_CMD,
             "cycle %u of group %s not closed: %zu member%s still owe%s the group %s %s; every "
             "loan must be repaid (loan_repayment at a meeting) before the share-out:",
             cycle, c->group, owing, owing == 1 ? "" : "s", owing == 1 ? "s" : "",
             money(c, total, amount), c->currency);
    for (size_t i = 0; i < n; i++) {
        if (list[i].loan > 0)
            fprintf(stderr, "  %s (member %u) owes %s %s\n", list[i].participant,
                    list[i].number, money(c, list[i].loan, amount), c->currency);
    }
    return CLI_EXIT_FAIL;
}

/* Each member's part of the share-out, from the figures read just before
 * it; shown only when they add up to what the library reports paying. */
static void share_out_members_print(const group_ctx *c, const ledger_group_member *list,
                                    size_t n, const ledger_share_out_report *rep)
{
    char s[CLI_AMOUNT_TEXT_MAX], inc[CLI_AMOUNT_TEXT_MAX], paid[CLI_AMOUNT_TEXT_MAX];
    int64_t income = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        income += list[i].income_share;
        total += list[i].savings + list[i].income_share;
    }
    if (income != rep->income || total != rep->paid) {
        printf("(the ledger changed while closing: see the members' share-out entries)\n");
        return;
    }
    printf("%4s  %-16s %8s %16s %16s %16s\n", "#", "participant", "shares", "savings", "income",
           "paid");
    for (size_t i = 0; i < n; i++)
        printf("%4u  %-16s %8llu %16s %16s %16s\n", list[i].number, list[i].participant,
               (unsigned long long)list[i].shares, money(c, list[i].savings, s),
               money(c, list[i].income_share, inc),
               money(c, list[i].savings + list[i].income_share, paid));
}

static int cycle_close(group_ctx *c)
{
    static ledger_group_member list[LEDGER_GROUP_MEMBERS_MAX];
    ledger_share_out_report rep;
    ledger_group_info g;
    char a[CLI_AMOUNT_TEXT_MAX], date_text[CLI_DATE_TEXT_MAX];
    size_t n = 0;
    uint32_t date;
    int rc = date_option("date", c->o->date, &date);
    if (rc != 0)
        return rc;
    int err = ledger_group_get(c->l, c->programme, c->group, &g);
    if (err == LEDGER_OK && !g.cycle.open)
        return cli_fail(GROUP_CMD,
                        "group %s has no open cycle%s: open one with cauris group cycle open",
                        c->group, g.cycle.number > 0 ? " (its last one is closed)" : "");
    if (err == LEDGER_OK)
        err = ledger_group_members(c->l, c->programme, c->group, list, LEDGER_GROUP_MEMBERS_MAX,
                                   &n);
    if (err == LEDGER_OK)
        err = ledger_cycle_close(c->l, c->programme, c->partner, c->o->principal, c->group,
                                 date, &rep);
    if (err == LEDGER_LOANS_OUTSTANDING)
        return loans_outstanding_fail(c, g.cycle.number);
    if (err == LEDGER_NO_OPEN_CYCLE)
        return cli_fail(GROUP_CMD, "group %s has no open cycle (closed meanwhile)", c->group);
    if (err != LEDGER_OK)
        return fail_group(c, "the cycle was not closed", err);
    cli_date_format(date_text, date);
    printf("cycle %u of group %s closed on %s with its share-out\n", g.cycle.number, c->group,
           date_text);
    row("  income shared:", "%s %s (in proportion to shares)", money(c, rep.income, a),
        c->currency);
    row("  paid to members:", "%s %s (savings and income)", money(c, rep.paid, a), c->currency);
    row("  members paid:", "%u", rep.members_paid);
    row("  social fund kept:", "%s %s (stays in the group's cash)",
        money(c, rep.social_kept, a), c->currency);
    row("  entries:", "%u", rep.entries);
    share_out_members_print(c, list, n, &rep);
    return CLI_EXIT_OK;
}

/* ---- meetings ---- */

typedef struct meeting_ctx {
    group_ctx *c;
    uint32_t date;
    char date_text[CLI_DATE_TEXT_MAX];
    int64_t counted;
    char *present_text; /* --present, split in place */
    const char *present[LEDGER_GROUP_MEMBERS_MAX];
    size_t present_count;
    ledger_entry_in *entries;
    uint64_t *lines;                       /* each entry's line in the file */
    char (*ids)[LEDGER_CLIENT_ID_MAX + 1]; /* client ids made for the lines */
    size_t count;
    cli_jsonl_line *jl; /* JSON lines: what their entries point into */
    cli_csv csv;        /* CSV: what its entries point into */
    bool csv_read;
    uint64_t malformed;
} meeting_ctx;

static int present_parse(meeting_ctx *m, const char *text)
{
    char why[WHY_MAX];
    if (text == NULL)
        return cli_usage_error(GROUP_CMD,
                               "--present P1,P2,... is required: the members present");
    if (strlen(text) > PRESENT_TEXT_MAX)
        return cli_usage_error(GROUP_CMD, "--present is longer than %d bytes",
                               PRESENT_TEXT_MAX);
    m->present_text = strdup(text);
    if (m->present_text == NULL)
        return cli_fail(GROUP_CMD, "out of memory");
    for (char *save = NULL, *p = strtok_r(m->present_text, ",", &save); p != NULL;
         p = strtok_r(NULL, ",", &save)) {
        p += strspn(p, " ");
        for (size_t n = strlen(p); n > 0 && p[n - 1] == ' '; n--)
            p[n - 1] = '\0';
        if (cli_participant_id_check(p, why, sizeof why) != 0)
            return cli_usage_error(GROUP_CMD, "--present: %s", why);
        for (size_t i = 0; i < m->present_count; i++) {
            if (strcmp(m->present[i], p) == 0)
                return cli_usage_error(GROUP_CMD, "--present names %s twice", p);
        }
        if (m->present_count == LEDGER_GROUP_MEMBERS_MAX)
            return cli_usage_error(GROUP_CMD, "--present names more than %d members",
                                   LEDGER_GROUP_MEMBERS_MAX);
        m->present[m->present_count++] = p;
    }
    if (m->present_count == 0)
        return cli_usage_error(GROUP_CMD, "--present names nobody");
    return 0;
}

static int meeting_alloc(meeting_ctx *m, size_t n)
{
    if (n > MEETING_ENTRIES_MAX)
        return cli_fail(GROUP_CMD,
                        "the file holds more than %d operations; a meeting holds "
                        "at most that many",
                        MEETING_ENTRIES_MAX);
    m->entries = calloc(n + 1, sizeof *m->entries);
    m->lines = calloc(n + 1, sizeof *m->lines);
    m->ids = calloc(n + 1, sizeof *m->ids);
    if (m->entries == NULL || m->lines == NULL || m->ids == NULL)
        return cli_fail(GROUP_CMD, "out of memory");
    return CLI_EXIT_OK;
}

/* What every line of a meeting must be, whatever its format. */
static int meeting_entry_check(const meeting_ctx *m, const ledger_entry_in *e, char *why,
                               size_t cap)
{
    char date[CLI_DATE_TEXT_MAX];
    if (!cli_op_group(e->op)) {
        snprintf(why, cap,
                 "op %s: a meeting holds share_purchase, social_fund, group_loan and "
                 "loan_repayment",
                 ledger_op_name(e->op));
        return -1;
    }
    if (e->kind != LEDGER_KIND_POSTED) {
        snprintf(why, cap, "kind %s: a meeting's operations are posted entries",
                 ledger_kind_name(e->kind));
        return -1;
    }
    if (cli_entry_op_check(e, e->legs_count > 0, why, cap) != 0)
        return -1; /* from here on, the entry names its group */
    if (strcmp(e->group, m->c->group) != 0) {
        snprintf(why, cap, "group %s is not the meeting's group %s", e->group, m->c->group);
        return -1;
    }
    if (e->value_date != m->date) {
        cli_date_format(date, e->value_date);
        snprintf(why, cap, "value_date %s is not the meeting's date %s", date, m->date_text);
        return -1;
    }
    if (strcmp(e->programme, m->c->programme) != 0) {
        snprintf(why, cap, "programme %s is not the group's programme %s", e->programme,
                 m->c->programme);
        return -1;
    }
    return 0;
}

/* GROUP-DATE-LINE: the same file gives the same ids, so a second run posts
 * nothing twice. Fits: 16 + 1 + 10 + 1 + 20 bytes < LEDGER_CLIENT_ID_MAX. */
static void client_id_default(const meeting_ctx *m, uint64_t line,
                              char out[LEDGER_CLIENT_ID_MAX + 1])
{
    snprintf(out, LEDGER_CLIENT_ID_MAX + 1, "%s-%s-%llu", m->c->group, m->date_text,
             (unsigned long long)line);
}

_Static_assert(LEDGER_GROUP_ID_MAX + 1 + 10 + 1 + 20 <= LEDGER_CLIENT_ID_MAX,
               "a default client id fits");

/* ---- a meeting's CSV file ---- */

enum {
    MC_OP,
    MC_PARTICIPANT,
    MC_SHARES,
    MC_AMOUNT,
    MC_FROM_WALLET,
    MC_CASH_PARTNER,
    MC_CLIENT_ID,
    MC_EXTERNAL_REF,
    MC_MEMO,
    MC_COUNT
};

static const cli_csv_column meeting_columns[MC_COUNT] = {
    [MC_OP] = {"op", true},
    [MC_PARTICIPANT] = {"participant", true},
    [MC_SHARES] = {"shares", false},
    [MC_AMOUNT] = {"amount", false},
    [MC_FROM_WALLET] = {"from_wallet", false},
    [MC_CASH_PARTNER] = {"cash_partner", false},
    [MC_CLIENT_ID] = {"client_id", false},
    [MC_EXTERNAL_REF] = {"external_ref", false},
    [MC_MEMO] = {"memo", false},
};

static int col_fail(char *why, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int col_fail(char *why, const char *col, const char *fmt, ...)
{
    char text[WHY_MAX - 48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(why, WHY_MAX, "column %s: %s", col, text);
    return -1;
}

/* An optional text column of at most `max` bytes; NULL when empty. */
static int csv_text(const char *s, const char *col, size_t max, const char **out, char *why)
{
    char reason[WHY_MAX];
    if (cli_text_check(s, max, false, reason, sizeof reason) != 0)
        return col_fail(why, col, "%s", reason);
    *out = s[0] ? s : NULL;
    return 0;
}

static int csv_row_get(meeting_ctx *m, const int *col, size_t row, char *why)
{
    const cli_csv *t = &m->csv;
    ledger_entry_in *e = &m->entries[row];
    char reason[WHY_MAX];
    const char *f[MC_COUNT];
    for (int i = 0; i < MC_COUNT; i++)
        f[i] = cli_csv_field(t, row, col[i]);
    memset(e, 0, sizeof *e);
    e->programme = m->c->programme;
    e->kind = LEDGER_KIND_POSTED;
    e->partner = m->c->partner;
    e->principal = m->c->o->principal;
    e->value_date = m->date;
    e->group = m->c->group;
    if (ledger_op_parse(f[MC_OP], &e->op) != 0 || !cli_op_group(e->op))
        return col_fail(why, "op",
                        "'%.32s' is not share_purchase, social_fund, group_loan or "
                        "loan_repayment",
                        f[MC_OP]);
    if (cli_participant_id_check(f[MC_PARTICIPANT], reason, sizeof reason) != 0)
        return col_fail(why, "participant", "%s", reason);
    e->participant = f[MC_PARTICIPANT];
    if (f[MC_SHARES][0] != '\0' && cli_shares_parse(f[MC_SHARES], &e->shares) != 0)
        return col_fail(why, "shares", "'%.32s' is not a number of shares, 1 to %d",
                        f[MC_SHARES], LEDGER_SHARES_PER_MEETING_MAX);
    if (f[MC_AMOUNT][0] != '\0' &&
        cli_amount_parse_units(f[MC_AMOUNT], m->c->digits, t->separator == ';', false,
                               &e->amount, reason, sizeof reason) != 0)
        return col_fail(why, "amount", "%s", reason);
    if (cli_yes_no_parse(f[MC_FROM_WALLET], &e->from_wallet) != 0)
        return col_fail(why, "from_wallet", "'%.32s' is not yes or no", f[MC_FROM_WALLET]);
    if (csv_text(f[MC_CASH_PARTNER], "cash_partner", LEDGER_PARTNER_MAX, &e->cash_partner,
                 why) != 0 ||
        csv_text(f[MC_CLIENT_ID], "client_id", LEDGER_CLIENT_ID_MAX, &e->client_id, why) != 0 ||
        csv_text(f[MC_EXTERNAL_REF], "external_ref", LEDGER_EXTREF_MAX, &e->external_ref,
                 why) != 0 ||
        csv_text(f[MC_MEMO], "memo", LEDGER_MEMO_MAX, &e->memo, why) != 0)
        return -1;
    m->lines[row] = t->rows[row].line;
    if (e->client_id == NULL) {
        client_id_default(m, t->rows[row].line, m->ids[row]);
        e->client_id = m->ids[row];
    }
    return meeting_entry_check(m, e, why, WHY_MAX);
}

static int meeting_read_csv(meeting_ctx *m, const char *path)
{
    int col[MC_COUNT];
    char why[WHY_MAX];
    int rc = cli_csv_read(GROUP_CMD, path, m->c->o->separator, &m->csv);
    if (rc != CLI_EXIT_OK)
        return rc;
    m->csv_read = true;
    rc = cli_csv_columns(GROUP_CMD, path, &m->csv, meeting_columns, MC_COUNT, col);
    if (rc == CLI_EXIT_OK)
        rc = meeting_alloc(m, m->csv.rows_count);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < m->csv.rows_count; i++) {
        if (csv_row_get(m, col, i, why) != 0) {
            fprintf(stderr, "line %llu: %s\n", (unsigned long long)m->csv.rows[i].line, why);
            m->malformed++;
        }
    }
    if (rc == CLI_EXIT_OK)
        m->count = m->csv.rows_count;
    return rc;
}

/* ---- a meeting's JSON-lines file ---- */

/* The meeting's defaults (group, value_date, client_id) into the line's
 * object, then the same parser as cauris post. */
static int jsonl_line_parse(const meeting_ctx *m, const cli_line_reader *r,
                            const cli_jsonl_defaults *d, cli_jsonl_line *out,
                            char err[CLI_JSONL_ERROR_MAX])
{
    char id[LEDGER_CLIENT_ID_MAX + 1];
    json_error_t jerr;
    json_t *obj = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL || !json_is_object(obj)) {
        json_decref(obj); /* the parser names what is wrong with it */
        return cli_jsonl_parse(r->buf, r->len, d, out, err);
    }
    if (json_object_get(obj, "open") != NULL) {
        json_decref(obj);
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "a meeting's file holds its operations; open accounts with cauris post");
        return -1;
    }
    const json_t *op = json_object_get(obj, "op");
    ledger_op parsed;
    if (!json_is_string(op) || ledger_op_parse(json_string_value(op), &parsed) != 0 ||
        !cli_op_group(parsed)) {
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "field op: %.32s%sa meeting holds share_purchase, social_fund, group_loan "
                 "and loan_repayment",
                 json_is_string(op) ? json_string_value(op) : "missing",
                 json_is_string(op) ? " is not one: " : "; ");
        json_decref(obj);
        return -1;
    }
    client_id_default(m, r->no, id);
    int bad = 0;
    if (json_object_get(obj, "group") == NULL)
        bad |= json_object_set_new(obj, "group", json_string(m->c->group));
    if (json_object_get(obj, "value_date") == NULL)
        bad |= json_object_set_new(obj, "value_date", json_string(m->date_text));
    if (json_object_get(obj, "client_id") == NULL)
        bad |= json_object_set_new(obj, "client_id", json_string(id));
    char *text = bad == 0 ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (text == NULL) {
        snprintf(err, CLI_JSONL_ERROR_MAX, "out of memory");
        return -1;
    }
    int rc = cli_jsonl_parse(text, strlen(text), d, out, err);
    free(text);
    return rc;
}

/* One line into m->jl[m->count] (a line counted in m->malformed when
 * it is wrong). */
static void jsonl_line_take(meeting_ctx *m, const cli_line_reader *r,
                            const cli_jsonl_defaults *d)
{
    char err[CLI_JSONL_ERROR_MAX];
    cli_jsonl_line *line = &m->jl[m->count];
    if (r->too_long) {
        fprintf(stderr, "line %llu: longer than %d bytes\n", (unsigned long long)r->no,
                CLI_JSONL_LINE_MAX);
        m->malformed++;
        return;
    }
    if (jsonl_line_parse(m, r, d, line, err) != 0) {
        fprintf(stderr, "line %llu: %s\n", (unsigned long long)r->no, err);
        m->malformed++;
        return;
    }
    if (meeting_entry_check(m, &line->entry, err, sizeof err) != 0) {
        fprintf(stderr, "line %llu: %s\n", (unsigned long long)r->no, err);
        cli_jsonl_line_free(line);
        m->malformed++;
        return;
    }
    m->entries[m->count] = line->entry;
    m->lines[m->count++] = r->no;
}

static int meeting_read_jsonl(meeting_ctx *m, const char *path)
{
    cli_jsonl_defaults d = {m->c->programme, m->c->partner, m->c->o->principal};
    int rc = meeting_alloc(m, MEETING_ENTRIES_MAX);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_line_reader *r = calloc(1, sizeof *r);
    m->jl = calloc(MEETING_ENTRIES_MAX + 1, sizeof *m->jl);
    if (r == NULL || m->jl == NULL) {
        free(r);
        return cli_fail(GROUP_CMD, "out of memory");
    }
    r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (r->f == NULL) {
        free(r);
        return cli_fail(GROUP_CMD, "cannot open %s: %s", path, strerror(errno));
    }
    int got = 0;
    while (rc == CLI_EXIT_OK && (got = cli_line_next(r)) == 1) {
        if (cli_line_skipped(r))
            continue;
        if (m->count == MEETING_ENTRIES_MAX)
            rc = cli_fail(GROUP_CMD,
                          "%s holds more than %d operations; a meeting holds at "
                          "most that many",
                          path, MEETING_ENTRIES_MAX);
        else
            jsonl_line_take(m, r, &d);
    }
    if (rc == CLI_EXIT_OK && got < 0)
        rc = cli_fail(GROUP_CMD, "cannot read %s: %s", path, strerror(errno));
    if (r->f != stdin)
        fclose(r->f);
    free(r);
    return rc;
}

/* ---- recording the meeting ---- */

/* Whether this meeting was recorded already: every line's client id is
 * posted. A meeting is one leaf, and recording it again would count its
 * attendance twice; so a second run with every line posted records
 * nothing, and one with only some posted is refused. *all_out is set when
 * every line is posted (their seqs in results). */
static int meeting_seen(meeting_ctx *m, ledger_result *results, bool *all_out)
{
    size_t seen = 0;
    char lines[WHY_MAX] = "";
    for (size_t i = 0; i < m->count; i++) {
        const ledger_entry_in *e = &m->entries[i];
        uint64_t seq = LEDGER_SEQ_NONE;
        int err = ledger_entry_find(m->c->l, e->partner, e->client_id, &seq);
        if (err != LEDGER_OK && err != LEDGER_NOT_FOUND)
            return cli_fail_ledger(GROUP_CMD, "looking for the meeting's lines", err);
        results[i] =
            (ledger_result){err == LEDGER_OK ? LEDGER_EXISTS : LEDGER_NOT_FOUND, seq, false};
        if (err == LEDGER_OK && seen++ < 8) {
            size_t used = strlen(lines);
            snprintf(lines + used, sizeof lines - used, "%s%llu", used ? ", " : "",
                     (unsigned long long)m->lines[i]);
        }
    }
    *all_out = m->count > 0 && seen == m->count;
    if (seen == 0 || seen == m->count)
        return CLI_EXIT_OK;
    return cli_fail(GROUP_CMD,
                    "line%s %s%s of the file %s posted already: this meeting was recorded "
                    "before, and a meeting is recorded once. Post its other lines with "
                    "cauris post (group %s, value_date %s); nothing was recorded",
                    seen == 1 ? "" : "s", lines, seen > 8 ? ", ..." : "",
                    seen == 1 ? "is" : "are", m->c->group, m->date_text);
}

/* Which --present name is not a member, when the library says one is not. */
static int present_not_member_fail(const meeting_ctx *m)
{
    static ledger_group_member list[LEDGER_GROUP_MEMBERS_MAX];
    size_t n = 0;
    int err = ledger_group_members(m->c->l, m->c->programme, m->c->group, list,
                                   LEDGER_GROUP_MEMBERS_MAX, &n);
    for (size_t i = 0; err == LEDGER_OK && i < m->present_count; i++) {
        if (member_number(list, n, m->present[i]) == 0)
            return cli_fail(GROUP_CMD,
                            "--present names %s, who is not a member of group %s (cauris "
                            "group members); nothing was recorded",
                            m->present[i], m->c->group);
    }
    return fail_group(m->c, "nothing was recorded", LEDGER_NOT_A_MEMBER);
}

static void cash_count_print(const meeting_ctx *m, const ledger_meeting_report *rep,
                             uint32_t members)
{
    const group_ctx *c = m->c;
    char a[CLI_AMOUNT_TEXT_MAX];
    printf("meeting of group %s on %s recorded (seq %llu): %u of %u members present\n",
           c->group, m->date_text, (unsigned long long)rep->seq, rep->present, members);
    row("  cash expected:", "%s %s (group:%s:cash after the meeting)",
        money(c, rep->cash_expected, a), c->currency, c->group);
    row("  cash counted:", "%s %s", money(c, rep->cash_counted, a), c->currency);
    row("  difference:", "%s %s", money(c, rep->difference, a), c->currency);
    if (rep->difference != 0)
        printf("warning: cash count differs by %s %s: recorded in the meeting\n",
               money(c, rep->difference, a), c->currency);
}

static int meeting_record(meeting_ctx *m)
{
    group_ctx *c = m->c;
    ledger_meeting_report rep;
    ledger_group_info g;
    cli_post_totals totals = {0, 0, 0, 0};
    bool all_seen = false;
    ledger_result *results = calloc(m->count + 1, sizeof *results);
    if (results == NULL)
        return cli_fail(GROUP_CMD, "out of memory");
    int rc = meeting_seen(m, results, &all_seen);
    int err = LEDGER_OK;
    if (rc == CLI_EXIT_OK && !all_seen)
        err = ledger_group_meeting(c->l, c->programme, c->partner, c->o->principal, c->group,
                                   m->date, m->present, m->present_count, m->counted,
                                   m->entries, (uint32_t)m->count, results, &rep);
    if (rc == CLI_EXIT_OK && err == LEDGER_NOT_A_MEMBER)
        rc = present_not_member_fail(m);
    else if (rc == CLI_EXIT_OK && err == LEDGER_NO_OPEN_CYCLE)
        rc = cli_fail(GROUP_CMD,
                      "group %s has no open cycle: open one first (cauris group "
                      "cycle open); nothing was recorded",
                      c->group);
    else if (rc == CLI_EXIT_OK && err != LEDGER_OK)
        rc = fail_group(c, "nothing was recorded", err);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < m->count; i++)
        cli_post_result_print(m->lines[i], &results[i], &totals);
    free(results);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (all_seen) {
        printf("meeting of group %s on %s was recorded before (every line is posted); "
               "nothing was recorded again\n",
               c->group, m->date_text);
        return CLI_EXIT_OK;
    }
    if (ledger_group_get(c->l, c->programme, c->group, &g) != LEDGER_OK)
        g.members = rep.present;
    cash_count_print(m, &rep, g.members);
    cli_post_summary_print(c->l, c->dir, &totals);
    if (totals.refused > 0)
        return cli_fail(GROUP_CMD,
                        "%llu line%s refused; the meeting and its other lines are recorded: "
                        "post the corrected lines with cauris post (group %s, value_date %s)",
                        (unsigned long long)totals.refused, totals.refused == 1 ? "" : "s",
                        c->group, m->date_text);
    return CLI_EXIT_OK;
}

/* The file's format: --format, else its extension. */
static int meeting_format(const char *path, const char *given, bool *csv)
{
    const char *dot = strrchr(path, '.');
    const char *ext = given ? given : dot ? dot + 1 : "";
    if (strcmp(ext, "csv") == 0 || strcmp(ext, "CSV") == 0)
        *csv = true;
    else if (strcmp(ext, "jsonl") == 0 || strcmp(ext, "json") == 0 ||
             strcmp(ext, "ndjson") == 0)
        *csv = false;
    else if (given != NULL)
        return cli_usage_error(GROUP_CMD, "--format '%s': give csv or jsonl", given);
    else
        return cli_usage_error(GROUP_CMD,
                               "%s: give --format csv or jsonl (the name does not end in .csv "
                               "or .jsonl)",
                               path);
    return 0;
}

static void meeting_free(meeting_ctx *m)
{
    for (size_t i = 0; m->jl != NULL && i < m->count; i++)
        cli_jsonl_line_free(&m->jl[i]);
    free(m->jl);
    if (m->csv_read)
        cli_csv_free(&m->csv);
    free(m->entries);
    free(m->lines);
    free(m->ids);
    free(m->present_text);
}

static int group_meeting(group_ctx *c, const char *path)
{
    meeting_ctx m;
    bool csv = false;
    memset(&m, 0, sizeof m);
    m.c = c;
    int rc = meeting_format(path, c->o->format, &csv);
    if (rc == 0)
        rc = date_option("date", c->o->date, &m.date);
    if (rc == 0)
        rc = amount_option(c, "cash-counted", c->o->cash_counted, true, &m.counted);
    if (rc == 0)
        rc = present_parse(&m, c->o->present);
    cli_date_format(m.date_text, m.date);
    if (rc == 0)
        rc = csv ? meeting_read_csv(&m, path) : meeting_read_jsonl(&m, path);
    if (rc == CLI_EXIT_OK && m.malformed > 0)
        rc = cli_fail(GROUP_CMD, "%s: %llu malformed line%s; nothing was recorded", path,
                      (unsigned long long)m.malformed, m.malformed == 1 ? "" : "s");
    if (rc == CLI_EXIT_OK)
        rc = meeting_record(&m);
    meeting_free(&m);
    return rc;
}

/* ---- show and members ---- */

/* attendance / (meetings x members) in tenths of a percent, rounded;
 * false when there is nothing to divide by. */
static bool attendance_permille(const ledger_group_info *g, uint64_t *out)
{
    uint64_t possible = (uint64_t)g->meetings * g->members;
    if (possible == 0)
        return false;
    *out = (g->attendance * 1000u + possible / 2) / possible;
    return true;
}

static json_t *cycle_json(const ledger_cycle *cy)
{
    char start[CLI_DATE_TEXT_MAX], end[CLI_DATE_TEXT_MAX];
    if (cy->number == 0)
        return json_null();
    cli_date_format(start, cy->start);
    cli_date_format(end, cy->planned_end);
    return json_pack("{s:I, s:o, s:I, s:I, s:I, s:s, s:s, s:b}", "number",
                     (json_int_t)cy->number, "share_price", json_minor(cy->share_price),
                     "shares_min", (json_int_t)cy->shares_min, "shares_max",
                     (json_int_t)cy->shares_max, "service_charge_bp",
                     (json_int_t)cy->service_charge_bp, "start", start, "planned_end", end,
                     "open", cy->open);
}

static int show_json(const group_ctx *c, const ledger_group_info *g)
{
    uint64_t permille = 0;
    bool rate = attendance_permille(g, &permille);
    json_t *o = json_object();
    json_object_set_new(o, "group", json_string(g->id));
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "cso", json_string(g->cso));
    json_object_set_new(o, "currency", json_string(c->currency));
    json_object_set_new(o, "members", json_integer(g->members));
    json_object_set_new(o, "cycle", cycle_json(&g->cycle));
    json_object_set_new(o, "cash", json_minor(g->cash));
    json_object_set_new(o, "social_fund", json_minor(g->social));
    json_object_set_new(o, "income", json_minor(g->income));
    json_object_set_new(o, "loan_fund", json_minor(g->loan_fund));
    json_object_set_new(o, "loans_outstanding", json_minor(g->loans_outstanding));
    json_object_set_new(o, "savings", json_minor(g->savings));
    json_object_set_new(o, "savings_per_member",
                        g->members ? json_minor(g->savings / g->members) : json_null());
    json_object_set_new(o, "shares", json_integer((json_int_t)g->shares));
    json_object_set_new(o, "meetings", json_integer(g->meetings));
    json_object_set_new(o, "attendance", json_integer((json_int_t)g->attendance));
    json_object_set_new(o, "attendance_rate",
                        rate ? json_real((double)permille / 1000.0) : json_null());
    json_object_set_new(o, "last_share_out", json_minor(g->last_share_out));
    json_object_set_new(o, "last_share_out_members", json_integer(g->last_share_out_members));
    json_object_set_new(o, "last_share_out_per_member",
                        g->last_share_out_members
                            ? json_minor(g->last_share_out / g->last_share_out_members)
                            : json_null());
    return json_print(o);
}

static void show_cycle_print(const group_ctx *c, const ledger_group_info *g)
{
    if (g->cycle.number == 0) {
        row("cycle:", "none yet (cauris group cycle open)");
        return;
    }
    row("cycle:", "%u, %s", g->cycle.number, g->cycle.open ? "open" : "closed");
    cycle_terms_print(c, &g->cycle);
}

static void show_attendance_print(const ledger_group_info *g)
{
    uint64_t permille = 0;
    if (!attendance_permille(g, &permille)) {
        row("attendance:", "- (no meeting in this cycle yet)");
        return;
    }
    row("attendance:", "%llu.%llu %% (%llu of %llu member-meetings)",
        (unsigned long long)(permille / 10), (unsigned long long)(permille % 10),
        (unsigned long long)g->attendance,
        (unsigned long long)((uint64_t)g->meetings * g->members));
}

static int show_text(const group_ctx *c, const ledger_group_info *g)
{
    char a[CLI_AMOUNT_TEXT_MAX], per[CLI_AMOUNT_TEXT_MAX];
    const char *cur = c->currency;
    row("group:", "%s%s%s%s, led by %s", g->id, g->name[0] ? " (" : "", g->name,
        g->name[0] ? ")" : "", g->cso);
    row("members:", "%u", g->members);
    show_cycle_print(c, g);
    row("cash:", "%s %s", money(c, g->cash, a), cur);
    row("social fund:", "%s %s", money(c, g->social, a), cur);
    row("income:", "%s %s", money(c, g->income, a), cur);
    row("loan fund:", "%s %s", money(c, g->loan_fund, a), cur);
    row("loans outstanding:", "%s %s", money(c, g->loans_outstanding, a), cur);
    row("savings:", "%s %s", money(c, g->savings, a), cur);
    if (g->members > 0)
        row("savings per member:", "%s %s", money(c, g->savings / g->members, a), cur);
    row("shares:", "%llu", (unsigned long long)g->shares);
    row("meetings:", "%u", g->meetings);
    show_attendance_print(g);
    if (g->last_share_out_members > 0)
        row("last share-out:", "%s %s to %u members (%s %s per member)",
            money(c, g->last_share_out, a), cur, g->last_share_out_members,
            money(c, g->last_share_out / g->last_share_out_members, per), cur);
    else
        row("last share-out:", "none");
    return CLI_EXIT_OK;
}

static int group_show(const group_ctx *c)
{
    ledger_group_info g;
    int err = ledger_group_get(c->l, c->programme, c->group, &g);
    if (err != LEDGER_OK)
        return fail_group(c, c->group, err);
    return c->o->json ? show_json(c, &g) : show_text(c, &g);
}

static int members_json(const ledger_group_member *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const ledger_group_member *x = &list[i];
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:I, s:o, s:o, s:o}", "number", (json_int_t)x->number,
                           "participant", x->participant, "shares", (json_int_t)x->shares,
                           "savings", json_minor(x->savings), "loan", json_minor(x->loan),
                           "income_share", json_minor(x->income_share)));
    }
    return json_print(arr);
}

static int group_members(const group_ctx *c)
{
    static ledger_group_member list[LEDGER_GROUP_MEMBERS_MAX];
    char s[CLI_AMOUNT_TEXT_MAX], l[CLI_AMOUNT_TEXT_MAX], inc[CLI_AMOUNT_TEXT_MAX];
    size_t n = 0;
    int64_t savings = 0, loans = 0, income = 0;
    uint64_t shares = 0;
    int err =
        ledger_group_members(c->l, c->programme, c->group, list, LEDGER_GROUP_MEMBERS_MAX, &n);
    if (err != LEDGER_OK)
        return fail_group(c, c->group, err);
    if (c->o->json)
        return members_json(list, n);
    printf("%4s  %-16s %8s %16s %16s %16s\n", "#", "participant", "shares", "savings", "loan",
           "income share");
    for (size_t i = 0; i < n; i++) {
        printf("%4u  %-16s %8llu %16s %16s %16s\n", list[i].number, list[i].participant,
               (unsigned long long)list[i].shares, money(c, list[i].savings, s),
               money(c, list[i].loan, l), money(c, list[i].income_share, inc));
        shares += list[i].shares;
        savings += list[i].savings; /* each within the group's cash: no overflow */
        loans += list[i].loan;
        income += list[i].income_share;
    }
    printf("%zu member%s, %llu shares; savings %s %s, loans %s %s, income to share %s %s\n", n,
           n == 1 ? "" : "s", (unsigned long long)shares, money(c, savings, s), c->currency,
           money(c, loans, l), c->currency, money(c, income, inc), c->currency);
    return CLI_EXIT_OK;
}

/* ---- dispatch ---- */

typedef enum group_action {
    ACT_CREATE,
    ACT_ADD,
    ACT_CYCLE_OPEN,
    ACT_CYCLE_CLOSE,
    ACT_MEETING,
    ACT_SHOW,
    ACT_MEMBERS,
} group_action;

/* Each action: its name, positionals before GROUP's options, whether it
 * writes, and the options it takes beside --programme and
 * --passphrase-file. */
typedef struct action_spec {
    const char *name;
    size_t pos_min, pos_max; /* counting the action's words */
    bool writes;
    const char *options; /* " name name ... " */
} action_spec;

static const action_spec actions[] = {
    [ACT_CREATE] = {"create", 3, 3, true, " partner principal name "},
    [ACT_ADD] = {"add", 3, CLI_POSITIONALS_MAX, true, " partner principal file separator "},
    [ACT_CYCLE_OPEN] = {"cycle open", 4, 4, true,
                        " partner principal share-price shares-min shares-max "
                        "service-charge-bp start end "},
    [ACT_CYCLE_CLOSE] = {"cycle close", 4, 4, true, " partner principal date "},
    [ACT_MEETING] = {"meeting", 4, 4, true,
                     " partner principal date cash-counted present format separator "},
    [ACT_SHOW] = {"show", 3, 3, false, " json "},
    [ACT_MEMBERS] = {"members", 3, 3, false, " json "},
};

static int action_find(const cli_args *a, group_action *out)
{
    if (a->pos_count == 0)
        return cli_usage_error(GROUP_CMD, "needs create, add, cycle open, cycle close, "
                                          "meeting, show or members");
    const char *w = a->pos[0];
    if (strcmp(w, "cycle") == 0) {
        const char *sub = a->pos_count > 1 ? a->pos[1] : "";
        if (strcmp(sub, "open") != 0 && strcmp(sub, "close") != 0)
            return cli_usage_error(GROUP_CMD, "cycle needs open or close");
        *out = strcmp(sub, "open") == 0 ? ACT_CYCLE_OPEN : ACT_CYCLE_CLOSE;
        return 0;
    }
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strchr(actions[i].name, ' ') == NULL && strcmp(w, actions[i].name) == 0) {
            *out = (group_action)i;
            return 0;
        }
    }
    return cli_usage_error(
        GROUP_CMD, "unknown action '%s' (create, add, cycle, meeting, show, members)", w);
}

/* Refuses an option the action does not take, and checks the positionals
 * and the options every change needs. */
static int action_check(group_action act, const cli_args *a, const cli_opt *opts,
                        const group_opts *o)
{
    const action_spec *s = &actions[act];
    char word[40];
    for (const cli_opt *x = opts; x->name != NULL; x++) {
        bool given = x->value ? *x->value != NULL : *x->flag;
        snprintf(word, sizeof word, " %s ", x->name);
        if (given && strcmp(x->name, "programme") != 0 &&
            strcmp(x->name, "passphrase-file") != 0 && strstr(s->options, word) == NULL)
            return cli_usage_error(GROUP_CMD, "--%s does not go with group %s", x->name,
                                   s->name);
    }
    const char *const dates[][2] = {{"date", o->date}, {"start", o->start}, {"end", o->end}};
    uint32_t day;
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        if (dates[i][1] != NULL && date_option(dates[i][0], dates[i][1], &day) != 0)
            return CLI_EXIT_USAGE; /* before the ledger is opened */
    }
    size_t words = act == ACT_CYCLE_OPEN || act == ACT_CYCLE_CLOSE ? 2 : 1;
    if (a->pos_count < s->pos_min || a->pos_count > s->pos_max)
        return cli_usage_error(GROUP_CMD, "needs: group %s DIR GROUP%s", s->name,
                               act == ACT_MEETING ? " FILE"
                               : act == ACT_ADD   ? " P1 P2 ... (or --file FILE)"
                                                  : "");
    if (act == ACT_ADD && (a->pos_count > 3) == (o->file != NULL))
        return cli_usage_error(GROUP_CMD, "give the participants to add, or --file FILE "
                                          "(not both)");
    if (act == ACT_ADD && a->pos_count - 3 > LEDGER_GROUP_MEMBERS_MAX)
        return cli_usage_error(GROUP_CMD, "at most %d participants at a time",
                               LEDGER_GROUP_MEMBERS_MAX);
    if (s->writes && o->principal == NULL)
        return cli_usage_error(GROUP_CMD, "--principal WHO is required: who does it");
    if (act == ACT_CREATE && o->partner == NULL)
        return cli_usage_error(GROUP_CMD, "--partner CSO is required: the CSO leading the "
                                          "group");
    return group_id_check(a->pos[words + 1]);
}

/* --partner, else the group's CSO (which also says the group exists). */
static int partner_resolve(group_ctx *c)
{
    ledger_group_info g;
    if (c->o->partner != NULL) {
        c->partner = c->o->partner;
        return CLI_EXIT_OK;
    }
    int err = ledger_group_get(c->l, c->programme, c->group, &g);
    if (err != LEDGER_OK)
        return fail_group(c, c->group, err);
    snprintf(c->cso, sizeof c->cso, "%s", g.cso);
    c->partner = c->cso;
    return CLI_EXIT_OK;
}

static int action_run(group_action act, group_ctx *c, const cli_args *a)
{
    int rc = cli_programme_currency(GROUP_CMD, c->l, c->programme, c->currency, &c->digits);
    if (rc == CLI_EXIT_OK && act == ACT_CREATE)
        c->partner = c->o->partner;
    else if (rc == CLI_EXIT_OK && actions[act].writes)
        rc = partner_resolve(c);
    if (rc != CLI_EXIT_OK)
        return rc;
    switch (act) {
    case ACT_CREATE:
        return group_create(c);
    case ACT_ADD:
        return group_add(c, a);
    case ACT_CYCLE_OPEN:
        return cycle_open(c);
    case ACT_CYCLE_CLOSE:
        return cycle_close(c);
    case ACT_MEETING:
        return group_meeting(c, a->pos[3]);
    case ACT_SHOW:
        return group_show(c);
    default:
        return group_members(c);
    }
}

int cmd_group(int argc, char **argv)
{
    group_opts o;
    memset(&o, 0, sizeof o);
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},
        {"partner", &o.partner, NULL},
        {"principal", &o.principal, NULL},
        {"passphrase-file", &o.pass_file, NULL},
        {"name", &o.name, NULL},
        {"file", &o.file, NULL},
        {"separator", &o.separator, NULL},
        {"share-price", &o.share_price, NULL},
        {"shares-min", &o.shares_min, NULL},
        {"shares-max", &o.shares_max, NULL},
        {"service-charge-bp", &o.charge_bp, NULL},
        {"start", &o.start, NULL},
        {"end", &o.end, NULL},
        {"date", &o.date, NULL},
        {"cash-counted", &o.cash_counted, NULL},
        {"present", &o.present, NULL},
        {"format", &o.format, NULL},
        {"json", NULL, &o.json},
        {NULL, NULL, NULL},
    };
    cli_args a;
    group_action act = ACT_SHOW;
    int rc = cli_args_parse(GROUP_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(group_usage);
    rc = action_find(&a, &act);
    if (rc == 0)
        rc = action_check(act, &a, opts, &o);
    if (rc != 0)
        return rc;
    size_t words = act == ACT_CYCLE_OPEN || act == ACT_CYCLE_CLOSE ? 2 : 1;
    group_ctx c;
    memset(&c, 0, sizeof c);
    c.o = &o;
    c.dir = a.pos[words];
    c.group = a.pos[words + 1];
    rc = cli_ledger_open_programme(GROUP_CMD, c.dir, actions[act].writes, o.pass_file,
                                   o.programme, &c.l, c.programme);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = action_run(act, &c, &a);
    ledger_close(c.l);
    return rc;
}
