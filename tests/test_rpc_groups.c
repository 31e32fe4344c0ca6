/*
 * test_rpc_groups.c — savings groups (VSLA) over RPC, in JSON, through the
 * real server (`cauris serve` on a loopback port): a CSO enrols 25
 * participants and an outsider, creates a group, adds the 25 as members and
 * opens a cycle; the group meets 26 times (PostEntries with a meeting):
 * share purchases from the box and, for members with wages, from their
 * wallets, social fund, loans and repayments, members absent, one cash
 * count short; then the cycle closes with its share-out.
 *
 * The test keeps its own model of every figure, from the inputs alone: each
 * member's shares, savings and loan, the group's cash, social fund and
 * income (the service charge's floor), and the share-out by the
 * largest-remainder rule (README, "Savings groups"), computed here by
 * sorting the remainders. GetGroup, GetBalances, the share-out report and
 * the share-out entries themselves (GetEntry) are checked against it; then
 * the server is stopped and `cauris verify` recomputes everything.
 *
 * Refusals: each by its Result name (per entry, or in the Connect error of
 * a call refused as a whole), with every balance and the tree size as they
 * were.
 */
#define _GNU_SOURCE /* timegm */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ledger/ledger.h"
#include "rpc/rpc.h"
#include "tests/e2e.h"
#include "tests/run.h"

#define MEMBERS 25
#define MEETINGS 26
#define WAGE_EARNERS 5       /* M01..M05 may buy shares from their wallets */
#define WAGE_GROSS 200000    /* GNF; 10 % withheld as capital */
#define FUNDING 10000000     /* GNF to mfi1's cash */
#define PRICE 1000           /* a share, GNF */
#define CHARGE_BP 750        /* service charge on each repaid principal */
#define SOCIAL 100           /* each present member's social fund contribution */
#define SHORT_MEETING 12     /* the meeting whose count is short */
#define SHORT_BY 500         /* GNF missing from that count */
#define LIMIT_MEETING 5      /* the meeting with a purchase above the limit */
#define LAST_LOAN_MEETING 18 /* regular loans stop here */
#define LATE_LOAN_MEETING 24 /* a loan still owed when the close is first tried */
#define LATE_LOAN_MEMBER 6   /* M07 */
#define LATE_LOAN 5000
#define GROUP "G1"
#define CSO "cso-kaloum"
#define CODES_MAX (3 + 2 * MEMBERS + 1 + WAGE_EARNERS)

/* ---- calls ---- */

static const char *str_of(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

/* "YYYY-MM-DD" of 2026-01-07 + days. */
static void date_of(int days, char out[11])
{
    struct tm tm = {.tm_year = 126, .tm_mon = 0, .tm_mday = 7 + days, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void meeting_date(int k, char out[11])
{
    date_of(7 * k, out);
}

static const char *member_id(int i)
{
    static char ids[MEMBERS + 1][8];
    snprintf(ids[i], sizeof ids[i], "M%02d", i + 1);
    return ids[i];
}

/* ---- entries ---- */

static json_t *share_entry(const char *id, const char *date, const char *who, int shares,
                           bool from_wallet)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "clientId", id, "operation",
                          "OPERATION_SHARE_PURCHASE", "valueDate", date, "group", GROUP,
                          "participant", who, "shares", shares);
    if (from_wallet) {
        json_object_set_new(e, "fromWallet", json_true());
        json_object_set_new(e, "cashPartner", json_string("mfi1"));
    }
    return e;
}

/* Social fund, group loan or loan repayment. */
static json_t *group_entry(const char *id, const char *op, const char *date, const char *who,
                           int64_t amount)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "clientId", id, "operation", op,
                     "valueDate", date, "group", GROUP, "participant", who, "amount",
                     e2e_json_i64(amount));
}

static json_t *meeting_request(json_t *entries, const char *date, json_t *present,
                               int64_t counted)
{
    return json_pack("{s:o, s:{s:s, s:s, s:o, s:o}}", "entries", entries, "meeting", "group",
                     GROUP, "date", date, "present", present, "cashCounted",
                     e2e_json_i64(counted));
}

/* ---- the model ---- */

typedef struct model {
    int64_t shares[MEMBERS], savings[MEMBERS], loan[MEMBERS];
    int loan_meeting[MEMBERS]; /* when the loan was taken */
    int64_t wallet[WAGE_EARNERS];
    int64_t mfi_cash;
    int64_t cash, social, income;
    uint64_t attendance;
    int loans_given, repayments;
} model;

/* The service charge: S = floor(P x bp / 10,000). */
static int64_t charge_of(int64_t principal)
{
    return principal * CHARGE_BP / 10000;
}

static int64_t total_shares(const model *m)
{
    int64_t t = 0;
    for (int i = 0; i < MEMBERS; i++)
        t += m->shares[i];
    return t;
}

static int64_t total_savings(const model *m)
{
    int64_t t = 0;
    for (int i = 0; i < MEMBERS; i++)
        t += m->savings[i];
    return t;
}

static int64_t total_loans(const model *m)
{
    int64_t t = 0;
    for (int i = 0; i < MEMBERS; i++)
        t += m->loan[i];
    return t;
}

/* The largest-remainder rule, as the README states it: each member gets
 * floor(income x shares / total); the units left over go one each to the
 * largest remainders, ties to the member who joined first. Computed here
 * by sorting the members by (remainder descending, number ascending). */
typedef struct rem {
    int64_t rest;
    int member;
} rem;

static int rem_order(const void *a, const void *b)
{
    const rem *x = a, *y = b;
    if (x->rest != y->rest)
        return x->rest > y->rest ? -1 : 1;
    return x->member - y->member;
}

/* *tie_cut: the last unit given went to a member tied with one who got none. */
static void share_out_expected(const model *m, int64_t out[MEMBERS], bool *tie_cut)
{
    int64_t total = total_shares(m), given = 0;
    rem r[MEMBERS];
    for (int i = 0; i < MEMBERS; i++) {
        out[i] = total > 0 ? m->income * m->shares[i] / total : 0;
        r[i] = (rem){total > 0 ? m->income * m->shares[i] % total : 0, i};
        given += out[i];
    }
    int64_t left = m->income - given;
    assert_true(left >= 0 && left < MEMBERS);
    qsort(r, MEMBERS, sizeof r[0], rem_order);
    for (int64_t k = 0; k < left; k++)
        out[r[k].member]++;
    *tie_cut = left > 0 && r[left - 1].rest == r[left].rest;
}

/* Who is absent from meeting k: about one in eleven, never at the last. */
static bool absent(int i, int k)
{
    return k != MEETINGS - 1 && (i * 3 + k) % 11 == 0;
}

/* ---- checks ---- */

/* Every balance the group touches, by GetBalances. */
typedef struct balances {
    size_t count;
    char codes[CODES_MAX][LEDGER_CODE_MAX + 1];
    int64_t value[CODES_MAX];
} balances;

static void balances_get(const e2e_server *s, balances *b)
{
    json_t *codes = json_array();
    char code[LEDGER_CODE_MAX + 1];
    static const char *const fixed[] = {"group:" GROUP ":cash", "group:" GROUP ":social",
                                        "group:" GROUP ":income", "partner:mfi1:cash"};
    for (size_t k = 0; k < 4; k++)
        json_array_append_new(codes, json_string(fixed[k]));
    for (int i = 0; i < MEMBERS; i++) {
        snprintf(code, sizeof code, "group:%s:member:%.8s", GROUP, member_id(i));
        json_array_append_new(codes, json_string(code));
        snprintf(code, sizeof code, "group:%s:loan:%.8s", GROUP, member_id(i));
        json_array_append_new(codes, json_string(code));
    }
    for (int i = 0; i < WAGE_EARNERS; i++) {
        snprintf(code, sizeof code, "participant:%.8s:wallet", member_id(i));
        json_array_append_new(codes, json_string(code));
    }
    json_t *resp =
        e2e_json_call(s, s->read_token, "GetBalances", json_pack("{s:o}", "accounts", codes));
    json_t *list = json_object_get(resp, "balances");
    b->count = json_array_size(list);
    assert_true(b->count <= CODES_MAX);
    for (size_t i = 0; i < b->count; i++) {
        json_t *x = json_array_get(list, i);
        snprintf(b->codes[i], sizeof b->codes[i], "%s", str_of(x, "account"));
        b->value[i] = e2e_json_i64_of(x, "balance");
    }
    json_decref(resp);
}

static int64_t balance_in(const balances *b, const char *code)
{
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->codes[i], code) == 0)
            return b->value[i];
    fail_msg("no balance of %s", code);
    return 0;
}

static void assert_balances(const e2e_server *s, const model *m)
{
    static balances b;
    char code[LEDGER_CODE_MAX + 1];
    balances_get(s, &b);
    assert_int_equal(balance_in(&b, "group:" GROUP ":cash"), m->cash);
    assert_int_equal(balance_in(&b, "group:" GROUP ":social"), m->social);
    assert_int_equal(balance_in(&b, "group:" GROUP ":income"), m->income);
    assert_int_equal(balance_in(&b, "partner:mfi1:cash"), m->mfi_cash);
    for (int i = 0; i < MEMBERS; i++) {
        snprintf(code, sizeof code, "group:%s:member:%.8s", GROUP, member_id(i));
        assert_int_equal(balance_in(&b, code), m->savings[i]);
        snprintf(code, sizeof code, "group:%s:loan:%.8s", GROUP, member_id(i));
        assert_int_equal(balance_in(&b, code), m->loan[i]);
    }
    for (int i = 0; i < WAGE_EARNERS; i++) {
        snprintf(code, sizeof code, "participant:%.8s:wallet", member_id(i));
        assert_int_equal(balance_in(&b, code), m->wallet[i]);
    }
}

/* Nothing written: the tree size and every balance as they were. */
typedef struct snapshot {
    uint64_t tree_size;
    balances b;
} snapshot;

static void snapshot_take(const e2e_server *s, snapshot *out)
{
    out->tree_size = e2e_tree_size(s);
    balances_get(s, &out->b);
}

static void assert_unchanged(const e2e_server *s, const snapshot *before, const char *what)
{
    static snapshot now;
    snapshot_take(s, &now);
    if (now.tree_size != before->tree_size)
        fail_msg("%s wrote: tree size %llu -> %llu", what,
                 (unsigned long long)before->tree_size, (unsigned long long)now.tree_size);
    assert_int_equal(now.b.count, before->b.count);
    for (size_t i = 0; i < now.b.count; i++)
        if (now.b.value[i] != before->b.value[i])
            fail_msg("%s changed %s", what, now.b.codes[i]);
}

/* One entry posted alone (no meeting), refused with `want` and a message,
 * with nothing written. */
static void refused(const e2e_server *s, const char *token, json_t *entry, const char *want)
{
    static snapshot before;
    snapshot_take(s, &before);
    json_t *resp =
        e2e_json_call(s, token, "PostEntries", json_pack("{s:[o]}", "entries", entry));
    assert_string_equal(e2e_result_at(resp, 0), want);
    json_t *r = json_array_get(json_object_get(resp, "results"), 0);
    assert_true(strlen(str_of(r, "message")) > 0);
    assert_int_equal(e2e_json_i64_of(r, "seq"), 0);
    json_decref(resp);
    assert_unchanged(s, &before, want);
}

/* A call refused as a whole: Connect `code`, the Result's name in the
 * message, nothing written. */
static void call_refused(const e2e_server *s, const char *token, const char *method,
                         json_t *req, const char *code, const char *name)
{
    static snapshot before;
    snapshot_take(s, &before);
    e2e_json_call_fails(s, token, method, req, code, name);
    assert_unchanged(s, &before, name);
}

static json_t *group_get(const e2e_server *s, const char *token)
{
    return e2e_json_call(s, token, "GetGroup", json_pack("{s:s}", "group", GROUP));
}

/* GetGroup against the model; the members' income shares against the
 * largest-remainder rule. */
static void assert_group(const e2e_server *s, const char *token, const model *m, int meetings)
{
    json_t *resp = group_get(s, token);
    json_t *g = json_object_get(resp, "group");
    assert_string_equal(str_of(g, "id"), GROUP);
    assert_string_equal(str_of(g, "cso"), CSO);
    assert_int_equal(e2e_json_i64_of(g, "members"), MEMBERS);
    json_t *cy = json_object_get(g, "cycle");
    assert_int_equal(e2e_json_i64_of(cy, "number"), 1);
    assert_true(json_is_true(json_object_get(cy, "open")));
    assert_int_equal(e2e_json_i64_of(g, "shares"), total_shares(m));
    assert_int_equal(e2e_json_i64_of(g, "cash"), m->cash);
    assert_int_equal(e2e_json_i64_of(g, "social"), m->social);
    assert_int_equal(e2e_json_i64_of(g, "income"), m->income);
    assert_int_equal(e2e_json_i64_of(g, "loanFund"), m->cash - m->social);
    assert_int_equal(e2e_json_i64_of(g, "loansOutstanding"), total_loans(m));
    assert_int_equal(e2e_json_i64_of(g, "savings"), total_savings(m));
    assert_int_equal(e2e_json_i64_of(g, "meetings"), meetings);
    assert_int_equal(e2e_json_i64_of(g, "attendance"), (int64_t)m->attendance);
    assert_int_equal(e2e_json_i64_of(g, "lastShareOut"), 0);
    int64_t income_share[MEMBERS];
    bool tie;
    share_out_expected(m, income_share, &tie);
    json_t *list = json_object_get(resp, "members");
    assert_int_equal(json_array_size(list), MEMBERS);
    for (int i = 0; i < MEMBERS; i++) {
        json_t *x = json_array_get(list, (size_t)i);
        assert_int_equal(e2e_json_i64_of(x, "number"), i + 1);
        assert_string_equal(str_of(x, "participant"), member_id(i));
        assert_int_equal(e2e_json_i64_of(x, "shares"), m->shares[i]);
        assert_int_equal(e2e_json_i64_of(x, "savings"), m->savings[i]);
        assert_int_equal(e2e_json_i64_of(x, "loan"), m->loan[i]);
        assert_int_equal(e2e_json_i64_of(x, "incomeShare"), income_share[i]);
    }
    json_decref(resp);
}

/* ---- the scenario ---- */

typedef struct world {
    e2e_server s;
    char cso[LEDGER_TOKEN_TEXT_MAX + 1]; /* partner cso-kaloum: post, read */
    model m;
} world;

static void scenario_setup(world *w)
{
    e2e_server *s = &w->s;
    model *m = &w->m;
    /* The CSO enrols its people, the outsider X01 too. */
    json_t *people = json_array();
    for (int i = 0; i <= MEMBERS; i++) {
        char name[64];
        snprintf(name, sizeof name, "Membre %02d", i + 1);
        json_array_append_new(people,
                              json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "id",
                                        i < MEMBERS ? member_id(i) : "X01", "name", name, "sex",
                                        i % 3 ? "SEX_FEMALE" : "SEX_MALE", "birthYear",
                                        1975 + i, "admin1", "Conakry", "admin2", "Kaloum"));
    }
    json_t *resp = e2e_json_call(s, w->cso, "EnrollParticipants",
                                 json_pack("{s:o, s:b}", "participants", people, "atomic", 1));
    for (size_t i = 0; i <= MEMBERS; i++)
        assert_string_equal(e2e_result_at(resp, i), "RESULT_OK");
    json_decref(resp);
    /* The MFI funds the programme and pays wages to M01..M05. */
    json_t *entries = json_array();
    json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:o}", "clientId", "fund",
                                             "operation", "OPERATION_FUNDING", "valueDate",
                                             "2026-01-02", "amount", e2e_json_i64(FUNDING)));
    m->mfi_cash = FUNDING;
    for (int i = 0; i < WAGE_EARNERS; i++) {
        char id[32];
        snprintf(id, sizeof id, "wage-%.8s", member_id(i));
        json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:s, s:o}", "clientId", id,
                                                 "operation", "OPERATION_WAGE", "valueDate",
                                                 "2026-01-03", "participant", member_id(i),
                                                 "amount", e2e_json_i64(WAGE_GROSS)));
        m->wallet[i] = WAGE_GROSS - WAGE_GROSS * E2E_CAPITAL_RATE_BP / 10000;
    }
    resp = e2e_json_call(s, s->token, "PostEntries", json_pack("{s:o}", "entries", entries));
    for (size_t i = 0; i <= WAGE_EARNERS; i++)
        assert_string_equal(e2e_result_at(resp, i), "RESULT_OK");
    json_decref(resp);

    /* The group: created, then its members (an unknown id and a repeat
     * get their own results), then its cycle. */
    uint64_t size = e2e_tree_size(s);
    resp = e2e_json_call(
        s, w->cso, "CreateGroup",
        json_pack("{s:s, s:s}", "group", GROUP, "name", "Groupement Espoir de Kaloum"));
    assert_true((uint64_t)e2e_json_i64_of(resp, "treeSize") > size);
    assert_non_null(strstr(str_of(resp, "checkpoint"), "cauris/"));
    json_decref(resp);
    json_t *ids = json_array();
    for (int i = 0; i < MEMBERS; i++)
        json_array_append_new(ids, json_string(member_id(i)));
    json_array_append_new(ids, json_string("NOBODY"));
    json_array_append_new(ids, json_string(member_id(2)));
    resp = e2e_json_call(s, w->cso, "AddGroupMembers",
                         json_pack("{s:s, s:o}", "group", GROUP, "participants", ids));
    json_t *results = json_object_get(resp, "results");
    assert_int_equal(json_array_size(results), MEMBERS + 2);
    for (size_t i = 0; i < MEMBERS; i++) {
        assert_string_equal(e2e_result_at(resp, i), "RESULT_OK");
        assert_int_equal(e2e_json_i64_of(json_array_get(results, i), "number"), (int64_t)i + 1);
    }
    assert_string_equal(e2e_result_at(resp, MEMBERS), "RESULT_UNKNOWN_PARTICIPANT");
    assert_int_equal(e2e_json_i64_of(json_array_get(results, MEMBERS), "number"), 0);
    assert_string_equal(e2e_result_at(resp, MEMBERS + 1), "RESULT_EXISTS");
    assert_int_equal(e2e_json_i64_of(json_array_get(results, MEMBERS + 1), "number"), 3);
    json_decref(resp);
    /* Share limits left out: 1..5. */
    resp = e2e_json_call(s, w->cso, "OpenCycle",
                         json_pack("{s:s, s:o, s:i, s:s, s:s}", "group", GROUP, "sharePrice",
                                   e2e_json_i64(PRICE), "serviceChargeBp", CHARGE_BP, "start",
                                   "2026-01-07", "plannedEnd", "2026-07-08"));
    json_t *cy = json_object_get(resp, "cycle");
    assert_int_equal(e2e_json_i64_of(cy, "number"), 1);
    assert_int_equal(e2e_json_i64_of(cy, "sharePrice"), PRICE);
    assert_int_equal(e2e_json_i64_of(cy, "sharesMin"), 1);
    assert_int_equal(e2e_json_i64_of(cy, "sharesMax"), 5);
    assert_int_equal(e2e_json_i64_of(cy, "serviceChargeBp"), CHARGE_BP);
    assert_string_equal(str_of(cy, "start"), "2026-01-07");
    assert_string_equal(str_of(cy, "plannedEnd"), "2026-07-08");
    assert_true(json_is_true(json_object_get(cy, "open")));
    json_decref(resp);
}

/* A loan repaid in one or two parts: what member i repays at this meeting. */
static int64_t repayment_due(const model *m, int i, int k)
{
    if (k == MEETINGS - 1)
        return m->loan[i]; /* everything by the last meeting */
    if (m->loan[i] == 0 || k - m->loan_meeting[i] < 3)
        return 0;
    /* Even members repay half first (the odd unit later), odd ones all. */
    bool halves = i % 2 == 0 && k - m->loan_meeting[i] < 5;
    return halves && m->loan[i] > 1 ? m->loan[i] / 2 : m->loan[i];
}

/* Meeting k: its entries built and applied to the model, in order. */
static json_t *meeting_entries(model *m, int k, const char *date, json_t *present,
                               int *limit_index)
{
    json_t *entries = json_array();
    char id[48];
    *limit_index = -1;
    for (int i = 0; i < MEMBERS; i++) {
        if (absent(i, k))
            continue;
        json_array_append_new(present, json_string(member_id(i)));
        m->attendance++;
        int shares = 1 + (i + 2 * k) % 5;
        bool wallet = i < WAGE_EARNERS && k % 2 == 0;
        snprintf(id, sizeof id, "%s-%d-%.8s-buy", GROUP, k, member_id(i));
        json_array_append_new(entries, share_entry(id, date, member_id(i), shares, wallet));
        m->shares[i] += shares;
        m->savings[i] += shares * PRICE;
        m->cash += shares * PRICE;
        if (wallet) {
            m->wallet[i] -= shares * PRICE;
            m->mfi_cash -= shares * PRICE;
        }
        snprintf(id, sizeof id, "%s-%d-%.8s-social", GROUP, k, member_id(i));
        json_array_append_new(
            entries, group_entry(id, "OPERATION_SOCIAL_FUND", date, member_id(i), SOCIAL));
        m->cash += SOCIAL;
        m->social += SOCIAL;
        int64_t principal = repayment_due(m, i, k);
        if (principal > 0) {
            snprintf(id, sizeof id, "%s-%d-%.8s-repay", GROUP, k, member_id(i));
            json_array_append_new(entries, group_entry(id, "OPERATION_LOAN_REPAYMENT", date,
                                                       member_id(i), principal));
            m->loan[i] -= principal;
            m->cash += principal + charge_of(principal);
            m->income += charge_of(principal);
            m->repayments++;
        }
    }
    if (k == LIMIT_MEETING) {
        /* Six shares: refused alone (RESULT_SHARE_LIMIT); the meeting goes on. */
        *limit_index = (int)json_array_size(entries);
        json_array_append_new(entries,
                              share_entry(GROUP "-limit", date, member_id(9), 6, false));
    }
    /* Loans last, from what the meeting left in the loan fund. */
    int j = (k * 7) % MEMBERS;
    int64_t amount = 10000 + 1337 * k;
    if (k == LATE_LOAN_MEETING) {
        j = LATE_LOAN_MEMBER;
        amount = LATE_LOAN;
    }
    bool lend = (k >= 2 && k <= LAST_LOAN_MEETING) || k == LATE_LOAN_MEETING;
    if (lend && !absent(j, k) && m->loan[j] == 0 && amount <= m->cash - m->social) {
        snprintf(id, sizeof id, "%s-%d-%.8s-loan", GROUP, k, member_id(j));
        json_array_append_new(
            entries, group_entry(id, "OPERATION_GROUP_LOAN", date, member_id(j), amount));
        m->loan[j] = amount;
        m->loan_meeting[j] = k;
        m->cash -= amount;
        m->loans_given++;
    }
    return entries;
}

static void scenario_meeting(world *w, int k)
{
    model *m = &w->m;
    char date[11];
    meeting_date(k, date);
    json_t *present = json_array();
    int limit_index;
    json_t *entries = meeting_entries(m, k, date, present, &limit_index);
    size_t n = json_array_size(entries), n_present = json_array_size(present);
    int64_t counted = m->cash - (k == SHORT_MEETING ? SHORT_BY : 0);
    uint64_t size = e2e_tree_size(&w->s);
    json_t *resp = e2e_json_call(&w->s, w->cso, "PostEntries",
                                 meeting_request(entries, date, present, counted));
    assert_int_equal(json_array_size(json_object_get(resp, "results")), n);
    for (size_t i = 0; i < n; i++) {
        const char *want = (int)i == limit_index ? "RESULT_SHARE_LIMIT" : "RESULT_OK";
        if (strcmp(e2e_result_at(resp, i), want) != 0)
            fail_msg("meeting %d, entry %zu: %s, expected %s", k, i, e2e_result_at(resp, i),
                     want);
    }
    json_t *rep = json_object_get(resp, "meeting");
    assert_non_null(rep);
    assert_int_equal(e2e_json_i64_of(rep, "cashExpected"), m->cash);
    assert_int_equal(e2e_json_i64_of(rep, "cashCounted"), counted);
    assert_int_equal(e2e_json_i64_of(rep, "difference"), k == SHORT_MEETING ? -SHORT_BY : 0);
    assert_int_equal(e2e_json_i64_of(rep, "present"), (int64_t)n_present);
    /* The meeting leaf comes after its entries, inside the new tree. */
    uint64_t tree_size = (uint64_t)e2e_json_i64_of(resp, "treeSize");
    uint64_t seq = (uint64_t)e2e_json_i64_of(rep, "seq");
    assert_true(seq >= size && seq < tree_size);
    json_t *results = json_object_get(resp, "results");
    for (size_t i = 0; i < n; i++)
        if ((int)i != limit_index)
            assert_true((uint64_t)e2e_json_i64_of(json_array_get(results, i), "seq") < seq);
    json_decref(resp);
}

/* Refusals in the middle of the cycle: each by its Result name, nothing
 * written. */
static void scenario_refusals(world *w, int k)
{
    e2e_server *s = &w->s;
    char date[11];
    meeting_date(k, date);
    /* Not a member: X01 is enrolled, but not in the group. */
    refused(s, w->cso, share_entry("x01-buy", date, "X01", 1, false), "RESULT_NOT_A_MEMBER");
    /* Six shares at a meeting where five is the most. */
    refused(s, w->cso, share_entry("m01-six", date, member_id(0), 6, false),
            "RESULT_SHARE_LIMIT");
    /* A loan one unit above the loan fund (cash less social fund). */
    json_t *resp = group_get(s, s->read_token);
    int64_t fund = e2e_json_i64_of(json_object_get(resp, "group"), "loanFund");
    json_decref(resp);
    assert_int_equal(fund, w->m.cash - w->m.social);
    refused(s, w->cso,
            group_entry("m02-big", "OPERATION_GROUP_LOAN", date, member_id(1), fund + 1),
            "RESULT_LOAN_ABOVE_FUND");
    /* A share-out by hand, out of the social fund. */
    refused(s, w->cso,
            json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "clientId", "by-hand",
                      "operation", "OPERATION_SHARE_OUT", "valueDate", date, "group", GROUP,
                      "legs", "account", "group:" GROUP ":social", "debit", "100", "account",
                      "group:" GROUP ":member:M01", "credit", "100"),
            "RESULT_SOCIAL_FUND_KEPT");
    /* Meetings refused whole: someone present who is not a member; an
     * entry of another day or group; atomic. */
    call_refused(s, w->cso, "PostEntries",
                 meeting_request(json_array(), date, json_pack("[s,s]", "M01", "X01"), 0),
                 "invalid_argument", "not_a_member");
    char other[11];
    date_of(7 * k + 1, other);
    call_refused(s, w->cso, "PostEntries",
                 meeting_request(json_pack("[o]", share_entry("late", other, "M01", 1, false)),
                                 date, json_array(), 0),
                 "invalid_argument", "not the meeting's date");
    json_t *elsewhere = share_entry("elsewhere", date, "M01", 1, false);
    json_object_set_new(elsewhere, "group", json_string("G2"));
    call_refused(s, w->cso, "PostEntries",
                 meeting_request(json_pack("[o]", elsewhere), date, json_array(), 0),
                 "invalid_argument", "not the meeting's group");
    json_t *atomic = meeting_request(json_array(), date, json_array(), 0);
    json_object_set_new(atomic, "atomic", json_true());
    call_refused(s, w->cso, "PostEntries", atomic, "invalid_argument", "atomic");
    call_refused(s, w->cso, "PostEntries",
                 meeting_request(json_array(), date, json_array(), -1), "invalid_argument",
                 "cashCounted");
    /* The group exists; its cycle is open; no group G404. */
    call_refused(s, w->cso, "CreateGroup", json_pack("{s:s}", "group", GROUP), "already_exists",
                 "group_exists");
    call_refused(s, w->cso, "OpenCycle",
                 json_pack("{s:s, s:o, s:s, s:s}", "group", GROUP, "sharePrice",
                           e2e_json_i64(PRICE), "start", "2026-08-01", "plannedEnd",
                           "2027-01-01"),
                 "failed_precondition", "no_open_cycle");
    call_refused(s, w->cso, "AddGroupMembers",
                 json_pack("{s:s, s:[s]}", "group", "G404", "participants", "X01"), "not_found",
                 "unknown_group");
    e2e_json_call_fails(s, s->read_token, "GetGroup", json_pack("{s:s}", "group", "G404"),
                        "not_found", "unknown_group");
    /* Roles: reading cannot run a group; approving is not posting. */
    call_refused(s, s->read_token, "CreateGroup", json_pack("{s:s}", "group", "G2"),
                 "permission_denied", "post");
    call_refused(s, s->read_token, "CloseCycle",
                 json_pack("{s:s, s:s}", "group", GROUP, "date", date), "permission_denied",
                 "post");
    call_refused(s, s->approve_token, "PostEntries",
                 meeting_request(json_array(), date, json_array(), 0), "permission_denied",
                 "post");
}

/* The share-out: refused while a loan is owed, then the cycle closes. */
static void scenario_close(world *w)
{
    e2e_server *s = &w->s;
    model *m = &w->m;
    char date[11];
    meeting_date(MEETINGS - 1, date);
    int64_t expected[MEMBERS];
    bool tie;
    share_out_expected(m, expected, &tie);
    /* The scenario is built so that the rule's tie-break decides a unit. */
    assert_true(tie);
    int64_t paid = 0, floors = 0;
    for (int i = 0; i < MEMBERS; i++) {
        paid += m->savings[i] + expected[i];
        floors += m->income * m->shares[i] / total_shares(m);
    }
    print_message("share-out: income %lld over %lld shares, %lld units by remainder; "
                  "%d loans, %d repayments; paid %lld\n",
                  (long long)m->income, (long long)total_shares(m),
                  (long long)(m->income - floors), m->loans_given, m->repayments,
                  (long long)paid);
    date_of(7 * (MEETINGS - 1) + 1, date);
    json_t *resp = e2e_json_call(s, w->cso, "CloseCycle",
                                 json_pack("{s:s, s:s}", "group", GROUP, "date", date));
    json_t *rep = json_object_get(resp, "shareOut");
    assert_int_equal(e2e_json_i64_of(rep, "income"), m->income);
    assert_int_equal(e2e_json_i64_of(rep, "paid"), paid);
    assert_int_equal(e2e_json_i64_of(rep, "socialKept"), m->social);
    assert_int_equal(e2e_json_i64_of(rep, "membersPaid"), MEMBERS);
    /* Up to 15 members' legs an entry: income spread, then payouts. */
    int64_t entries = 2 * ((MEMBERS + 14) / 15);
    assert_int_equal(e2e_json_i64_of(rep, "entries"), entries);
    json_t *cy = json_object_get(resp, "cycle");
    assert_int_equal(e2e_json_i64_of(cy, "number"), 1);
    assert_false(json_is_true(json_object_get(cy, "open")));
    json_decref(resp);

    /* The share-out entries themselves, by their client ids. */
    int64_t got_income[MEMBERS] = {0}, got_paid[MEMBERS] = {0}, from_income = 0, from_cash = 0;
    for (int64_t k = 1; k <= entries; k++) {
        char id[64], member[64];
        snprintf(id, sizeof id, "cauris:share-out:%s:1:%lld", GROUP, (long long)k);
        resp = e2e_json_call(s, w->cso, "GetEntry", json_pack("{s:s}", "clientId", id));
        json_t *e = json_object_get(resp, "entry");
        assert_string_equal(str_of(e, "operation"), "OPERATION_SHARE_OUT");
        assert_string_equal(str_of(e, "valueDate"), date);
        assert_string_equal(str_of(json_object_get(e, "tags"), "group"), GROUP);
        json_t *legs = json_object_get(e, "legs");
        for (size_t l = 0; l < json_array_size(legs); l++) {
            json_t *leg = json_array_get(legs, l);
            const char *account = str_of(leg, "account");
            assert_true(strstr(account, ":social") == NULL);
            if (strcmp(account, "group:" GROUP ":income") == 0) {
                from_income += e2e_json_i64_of(leg, "debit");
                continue;
            }
            if (strcmp(account, "group:" GROUP ":cash") == 0) {
                from_cash += e2e_json_i64_of(leg, "credit");
                continue;
            }
            int i = 0;
            for (; i < MEMBERS; i++) {
                snprintf(member, sizeof member, "group:%s:member:%.8s", GROUP, member_id(i));
                if (strcmp(account, member) == 0)
                    break;
            }
            assert_true(i < MEMBERS);
            got_income[i] += e2e_json_i64_of(leg, "credit");
            got_paid[i] += e2e_json_i64_of(leg, "debit");
        }
        json_decref(resp);
    }
    assert_int_equal(from_income, m->income);
    assert_int_equal(from_cash, paid);
    for (int i = 0; i < MEMBERS; i++) {
        if (got_income[i] != expected[i])
            fail_msg("%s's income share: %lld, the rule says %lld", member_id(i),
                     (long long)got_income[i], (long long)expected[i]);
        assert_int_equal(got_paid[i], m->savings[i] + expected[i]);
    }
    /* The model after: members paid, the social fund kept in the cash. */
    for (int i = 0; i < MEMBERS; i++) {
        m->savings[i] = 0;
        m->shares[i] = 0;
    }
    m->cash -= paid;
    m->income = 0;
    assert_int_equal(m->cash, m->social);
    assert_balances(s, m);
    resp = group_get(s, s->read_token);
    json_t *g = json_object_get(resp, "group");
    assert_false(json_is_true(json_object_get(json_object_get(g, "cycle"), "open")));
    assert_int_equal(e2e_json_i64_of(g, "lastShareOut"), paid);
    assert_int_equal(e2e_json_i64_of(g, "lastShareOutMembers"), MEMBERS);
    assert_int_equal(e2e_json_i64_of(g, "shares"), 0);
    assert_int_equal(e2e_json_i64_of(g, "meetings"), 0);
    assert_int_equal(e2e_json_i64_of(g, "savings"), 0);
    assert_int_equal(e2e_json_i64_of(g, "cash"), m->social);
    json_t *first = json_array_get(json_object_get(resp, "members"), 0);
    assert_int_equal(e2e_json_i64_of(first, "incomeShare"), 0);
    json_decref(resp);

    /* Closed: no meeting until the next cycle opens. */
    call_refused(s, w->cso, "PostEntries", meeting_request(json_array(), date, json_array(), 0),
                 "failed_precondition", "no_open_cycle");
    call_refused(s, w->cso, "CloseCycle", json_pack("{s:s, s:s}", "group", GROUP, "date", date),
                 "failed_precondition", "no_open_cycle");
    resp =
        e2e_json_call(s, w->cso, "OpenCycle",
                      json_pack("{s:s, s:o, s:i, s:i, s:s, s:s}", "group", GROUP, "sharePrice",
                                e2e_json_i64(2 * PRICE), "sharesMin", 2, "sharesMax", 4,
                                "start", "2026-07-15", "plannedEnd", "2027-01-13"));
    cy = json_object_get(resp, "cycle");
    assert_int_equal(e2e_json_i64_of(cy, "number"), 2);
    assert_int_equal(e2e_json_i64_of(cy, "sharesMin"), 2);
    assert_int_equal(e2e_json_i64_of(cy, "sharesMax"), 4);
    assert_int_equal(e2e_json_i64_of(cy, "serviceChargeBp"), 0);
    json_decref(resp);
}

static void test_group_cycle(void **state)
{
    (void)state;
    static world w;
    memset(&w, 0, sizeof w);
    e2e_ledger_create(&w.s, 0);
    e2e_token_make(&w.s, CSO, "facilitator", LEDGER_ROLE_POST | LEDGER_ROLE_READ, w.cso);
    e2e_start(&w.s, NULL);
    scenario_setup(&w);
    for (int k = 0; k < MEETINGS; k++) {
        scenario_meeting(&w, k);
        if (k == 13) {
            assert_group(&w.s, w.cso, &w.m, k + 1);
            scenario_refusals(&w, k);
        }
        if (k == LATE_LOAN_MEETING) {
            /* M07 still owes the group: no share-out yet. */
            assert_true(w.m.loan[LATE_LOAN_MEMBER] > 0);
            char date[11];
            meeting_date(k, date);
            call_refused(&w.s, w.cso, "CloseCycle",
                         json_pack("{s:s, s:s}", "group", GROUP, "date", date),
                         "failed_precondition", "loans_outstanding");
        }
    }
    assert_true(w.m.loans_given >= 10 && w.m.repayments > w.m.loans_given);
    assert_int_equal(total_loans(&w.m), 0);
    assert_balances(&w.s, &w.m);
    assert_group(&w.s, w.s.read_token, &w.m, MEETINGS);
    scenario_close(&w);

    e2e_stop(&w.s);
    char *out = tr_expect(0, "verify", w.s.dir, NULL);
    tr_assert_contains(out, "verify: ok");
    free(out);
    e2e_remove(&w.s);
}

/* ---- requests refused before the ledger sees them ---- */

static void test_malformed_group_requests(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 2);
    e2e_start(&s, NULL);
    uint64_t size = e2e_tree_size(&s);
    e2e_json_call_fails(&s, s.token, "CreateGroup", json_object(), "invalid_argument", "group");
    e2e_json_call_fails(&s, s.token, "CreateGroup",
                        json_pack("{s:s}", "group", "G-with-a-long-id-x"), "invalid_argument",
                        "group");
    e2e_json_call_fails(&s, s.token, "CreateGroup", json_pack("{s:s}", "group", "G:1"),
                        "invalid_argument", "invalid_field");
    char name[LEDGER_GROUP_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    e2e_json_call_fails(&s, s.token, "CreateGroup",
                        json_pack("{s:s, s:s}", "group", "G1", "name", name),
                        "invalid_argument", "name");
    e2e_json_call_fails(&s, s.token, "CreateGroup",
                        json_pack("{s:s, s:s}", "programme", "other", "group", "G1"),
                        "permission_denied", "programme");
    assert_int_equal(e2e_tree_size(&s), size);
    json_decref(e2e_json_call(&s, s.token, "CreateGroup", json_pack("{s:s}", "group", "G1")));
    size = e2e_tree_size(&s);
    e2e_json_call_fails(&s, s.token, "AddGroupMembers",
                        json_pack("{s:s, s:[]}", "group", "G1", "participants"),
                        "invalid_argument", "participants");
    /* Cycles: dates, price, limits, charge. */
    e2e_json_call_fails(&s, s.token, "OpenCycle",
                        json_pack("{s:s, s:o, s:s}", "group", "G1", "sharePrice",
                                  e2e_json_i64(100), "start", "2026-01-01"),
                        "invalid_argument", "plannedEnd");
    e2e_json_call_fails(&s, s.token, "OpenCycle",
                        json_pack("{s:s, s:o, s:s, s:s}", "group", "G1", "sharePrice",
                                  e2e_json_i64(100), "start", "2026-02-30", "plannedEnd",
                                  "2026-06-01"),
                        "invalid_argument", "YYYY-MM-DD");
    static const char *const bad_cycles[] = {
        "{\"group\":\"G1\",\"sharePrice\":\"0\",\"start\":\"2026-01-01\",\"plannedEnd\":\"2026-"
        "06-01\"}",
        "{\"group\":\"G1\",\"sharePrice\":\"1\",\"sharesMin\":4,\"sharesMax\":3,"
        "\"start\":\"2026-01-01\",\"plannedEnd\":\"2026-06-01\"}",
        "{\"group\":\"G1\",\"sharePrice\":\"1\",\"sharesMax\":101,"
        "\"start\":\"2026-01-01\",\"plannedEnd\":\"2026-06-01\"}",
        "{\"group\":\"G1\",\"sharePrice\":\"1\",\"serviceChargeBp\":10001,"
        "\"start\":\"2026-01-01\",\"plannedEnd\":\"2026-06-01\"}",
        "{\"group\":\"G1\",\"sharePrice\":\"1\",\"start\":\"2026-06-02\",\"plannedEnd\":\"2026-"
        "06-01\"}",
    };
    for (size_t i = 0; i < sizeof bad_cycles / sizeof bad_cycles[0]; i++)
        e2e_json_call_fails(&s, s.token, "OpenCycle", json_loads(bad_cycles[i], 0, NULL),
                            "invalid_argument", "invalid_field");
    /* No cycle open yet: no meeting, no close. */
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:[], s:{s:s, s:s}}", "entries", "meeting", "group", "G1",
                                  "date", "2026-01-07"),
                        "failed_precondition", "no_open_cycle");
    e2e_json_call_fails(&s, s.token, "CloseCycle",
                        json_pack("{s:s, s:s}", "group", "G1", "date", "2026-01-07"),
                        "failed_precondition", "no_open_cycle");
    e2e_json_call_fails(&s, s.token, "CloseCycle", json_pack("{s:s}", "group", "G1"),
                        "invalid_argument", "date");
    /* A meeting: its date, its group, one action per request. */
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:[], s:{s:s}}", "entries", "meeting", "group", "G1"),
                        "invalid_argument", "meeting.date");
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:{s:s}}", "meeting", "date", "2026-01-07"),
                        "invalid_argument", "meeting.group");
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:{s:s, s:s}, s:{s:s}}", "meeting", "group", "G1", "date",
                                  "2026-01-07", "period", "closeThrough", "2026-01-01"),
                        "invalid_argument", "alone");
    assert_int_equal(e2e_tree_size(&s), size);
    /* An empty group reads as such. */
    json_t *resp =
        e2e_json_call(&s, s.read_token, "GetGroup", json_pack("{s:s}", "group", "G1"));
    json_t *g = json_object_get(resp, "group");
    assert_string_equal(str_of(g, "cso"), "mfi1");
    assert_int_equal(e2e_json_i64_of(g, "members"), 0);
    assert_int_equal(e2e_json_i64_of(json_object_get(g, "cycle"), "number"), 0);
    assert_string_equal(str_of(json_object_get(g, "cycle"), "start"), "");
    assert_int_equal(json_array_size(json_object_get(resp, "members")), 0);
    json_decref(resp);
    e2e_stop(&s);
    e2e_remove(&s);
}

int main(void)
{
    if (tr_init("test_rpc_groups") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_group_cycle, e2e_cleanup),
        cmocka_unit_test_teardown(test_malformed_group_requests, e2e_cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
