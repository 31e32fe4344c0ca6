/*
 * test_rpc_ops.c — programme operations over RPC, in JSON, through the real
 * server (`cauris serve` on a loopback port): enrolment, typed operations
 * whose legs the ledger derives, wage runs and their delivery imports,
 * participants' phases, approvals by a second person, grants, a reversal,
 * a period closure; every refusal by its Result name with nothing written;
 * the roles each action needs.
 *
 * The scenario keeps its own model of every balance, computed from the
 * inputs alone (the capital split, what each delivery paid), and compares
 * it with GetBalances at the end; then the server is stopped and
 * `cauris verify` recomputes everything from the leaves.
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

#define PEOPLE 200
#define RUNS 12
#define RATE_BP E2E_CAPITAL_RATE_BP
#define FUNDING 2000000000LL
#define GRANT_AMOUNT 300000LL
#define TRANCHE_1 120000LL
#define TRANCHE_2 (GRANT_AMOUNT - TRANCHE_1)
#define ACCOUNTS_MAX (3 * PEOPLE + 8)

/* ---- calls ---- */

static uint64_t seq_at(json_t *resp, size_t i)
{
    json_t *r = json_array_get(json_object_get(resp, "results"), i);
    const char *v = json_string_value(json_object_get(r, "seq"));
    return v ? strtoull(v, NULL, 10) : 0;
}

static bool awaiting_at(json_t *resp, size_t i)
{
    json_t *r = json_array_get(json_object_get(resp, "results"), i);
    return json_is_true(json_object_get(r, "awaitingApproval"));
}

/* PostEntries of the entries in `entries` (taken); asserts each result is
 * `want` (NULL: no check). */
static json_t *post(const e2e_server *s, const char *token, json_t *entries, const char *want)
{
    size_t n = json_array_size(entries);
    json_t *resp =
        e2e_json_call(s, token, "PostEntries", json_pack("{s:o}", "entries", entries));
    assert_int_equal(json_array_size(json_object_get(resp, "results")), n);
    for (size_t i = 0; want != NULL && i < n; i++) {
        if (strcmp(e2e_result_at(resp, i), want) != 0) {
            json_t *r = json_array_get(json_object_get(resp, "results"), i);
            fail_msg("entry %zu: %s (%s), expected %s", i, e2e_result_at(resp, i),
                     json_string_value(json_object_get(r, "message")), want);
        }
    }
    return resp;
}

/* One entry posted alone: its result name, and its seq when asked. */
static const char *post_one(const e2e_server *s, const char *token, json_t *entry,
                            uint64_t *seq, bool *awaiting)
{
    static char name[64];
    json_t *resp = post(s, token, json_pack("[o]", entry), NULL);
    snprintf(name, sizeof name, "%s", e2e_result_at(resp, 0));
    if (seq != NULL)
        *seq = seq_at(resp, 0);
    if (awaiting != NULL)
        *awaiting = awaiting_at(resp, 0);
    json_decref(resp);
    return name;
}

/* A typed operation on a participant ("" = none), no legs. */
static json_t *op_entry(const char *client_id, const char *op, const char *date,
                        const char *participant, int64_t amount)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:o}", "clientId", client_id, "operation", op,
                          "valueDate", date, "amount", e2e_json_i64(amount));
    if (participant[0] != '\0')
        json_object_set_new(e, "participant", json_string(participant));
    return e;
}

/* An approval (KIND_POST) or cancellation (KIND_VOID) of request `seq`. */
static json_t *decide_entry(const char *kind, const char *op, uint64_t seq, const char *date)
{
    char id[64], ref[24];
    snprintf(id, sizeof id, "%s-%llu", strcmp(kind, "KIND_POST") == 0 ? "approve" : "cancel",
             (unsigned long long)seq);
    snprintf(ref, sizeof ref, "%llu", (unsigned long long)seq);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "clientId", id, "kind", kind, "operation", op,
                     "valueDate", date, "ref", ref);
}

/* "YYYY-MM-DD" of 2026-01-05 + days. */
static void date_of(int days, char out[11])
{
    struct tm tm = {.tm_year = 126, .tm_mon = 0, .tm_mday = 5 + days, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- the model ---- */

typedef struct model {
    int64_t wallet[PEOPLE], capital[PEOPLE], grant[PEOPLE];
    int64_t cash, fund, wages, grants;
    int phase[PEOPLE];
} model;

#define ID_MAX 16

static void person_id(int i, char out[ID_MAX])
{
    snprintf(out, ID_MAX, "B%03d", (i + 1) % 1000);
}

/* DESIGN.md: capital C = floor(W x rate_bp / 10,000). */
static int64_t capital_of(int64_t gross)
{
    return gross * RATE_BP / 10000;
}

static void model_wage(model *m, int i, int64_t gross)
{
    int64_t c = capital_of(gross);
    m->wages += gross;
    m->wallet[i] += gross - c;
    m->capital[i] += c;
}

/* Every account's balance from GetBalances (one call: all codes). */
typedef struct balances {
    size_t count;
    char codes[ACCOUNTS_MAX][LEDGER_CODE_MAX + 1];
    int64_t value[ACCOUNTS_MAX];
    int64_t debits_pending[ACCOUNTS_MAX], credits_pending[ACCOUNTS_MAX];
    char type[ACCOUNTS_MAX][16];
} balances;

/* The programme's accounts, mfi1's cash and those of `people` participants
 * whose ids are `id_fmt` of 1, 2, ... */
static void balances_get(const e2e_server *s, const char *id_fmt, int people, balances *b)
{
    json_t *codes = json_array();
    static const char *const fixed[] = {"partner:mfi1:cash", "programme:fund",
                                        "programme:wages", "programme:grants"};
    for (size_t k = 0; k < 4; k++)
        json_array_append_new(codes, json_string(fixed[k]));
    for (int i = 0; i < people; i++) {
        char id[16], code[64];
        snprintf(id, sizeof id, id_fmt, i + 1);
        static const char *const kinds[] = {"wallet", "capital", "grant"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(code, sizeof code, "participant:%s:%s", id, kinds[k]);
            json_array_append_new(codes, json_string(code));
        }
    }
    json_t *resp =
        e2e_json_call(s, s->read_token, "GetBalances", json_pack("{s:o}", "accounts", codes));
    json_t *list = json_object_get(resp, "balances");
    b->count = json_array_size(list);
    assert_true(b->count <= ACCOUNTS_MAX);
    for (size_t i = 0; i < b->count; i++) {
        json_t *x = json_array_get(list, i);
        snprintf(b->codes[i], sizeof b->codes[i], "%s",
                 json_string_value(json_object_get(x, "account")));
        b->value[i] = e2e_json_i64_of(x, "balance");
        b->debits_pending[i] = e2e_json_i64_of(x, "debitsPending");
        b->credits_pending[i] = e2e_json_i64_of(x, "creditsPending");
        snprintf(b->type[i], sizeof b->type[i], "%s",
                 json_string_value(json_object_get(x, "type")));
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

static void assert_model(const e2e_server *s, const model *m)
{
    static balances b;
    balances_get(s, "B%03d", PEOPLE, &b);
    assert_int_equal(b.count, 4 + 3 * PEOPLE);
    assert_int_equal(balance_in(&b, "partner:mfi1:cash"), m->cash);
    assert_int_equal(balance_in(&b, "programme:fund"), m->fund);
    assert_int_equal(balance_in(&b, "programme:wages"), m->wages);
    assert_int_equal(balance_in(&b, "programme:grants"), m->grants);
    for (int i = 0; i < PEOPLE; i++) {
        char id[ID_MAX], code[64];
        person_id(i, id);
        snprintf(code, sizeof code, "participant:%s:wallet", id);
        if (balance_in(&b, code) != m->wallet[i])
            fail_msg("%s: %lld, the model says %lld", code, (long long)balance_in(&b, code),
                     (long long)m->wallet[i]);
        snprintf(code, sizeof code, "participant:%s:capital", id);
        assert_int_equal(balance_in(&b, code), m->capital[i]);
        snprintf(code, sizeof code, "participant:%s:grant", id);
        assert_int_equal(balance_in(&b, code), m->grant[i]);
    }
    /* The trial balance: debit-normal balances equal credit-normal ones. */
    int64_t debits = 0, credits = 0;
    for (size_t i = 0; i < b.count; i++) {
        bool debit_normal =
            strcmp(b.type[i], "asset") == 0 || strcmp(b.type[i], "expense") == 0;
        if (debit_normal)
            debits += b.value[i];
        else
            credits += b.value[i];
    }
    assert_int_equal(debits, credits);
    assert_int_equal(debits, m->cash + m->wages + m->grants);
}

/* ---- the scenario ---- */

static const char *const regions[][2] = {
    {"Conakry", "Kaloum"}, {"Kindia", "Coyah"}, {"Boke", "Boffa"}};
static const char *const categories[] = {
    "CATEGORY_FORMER_SECURITY_FORCES", "CATEGORY_COMMUNITY_MEMBER", "CATEGORY_RETURNED_MIGRANT",
    "CATEGORY_DISPLACED_PERSON",       "CATEGORY_REFUGEE",
};

static json_t *enrolment_json(int i)
{
    char id[ID_MAX], name[64], phone[32];
    person_id(i, id);
    snprintf(name, sizeof name, "Bénéficiaire %03d", i + 1);
    snprintf(phone, sizeof phone, "+224 62%07d", i);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "sex",
                          i % 2 ? "SEX_MALE" : "SEX_FEMALE", "birthYear", 1970 + i % 40, "wgSs",
                          i % 9 == 0 ? "113111" : "", "admin1", regions[i % 3][0], "admin2",
                          regions[i % 3][1], "category", categories[i % 5], "cohort",
                          i < PEOPLE / 2 ? "2026-A" : "2026-B", "name", name, "phone", phone);
    /* Half name their CSO; the others get the token's partner. Half give
     * phase 1; the others leave it (0 = 1). */
    if (i % 2)
        json_object_set_new(p, "cso", json_string("cso-kindia"));
    if (i % 2)
        json_object_set_new(p, "phase", json_integer(1));
    return p;
}

static void scenario_enrol(const e2e_server *s)
{
    uint64_t size = e2e_tree_size(s);
    json_t *people = json_array();
    for (int i = 0; i < PEOPLE; i++)
        json_array_append_new(people, enrolment_json(i));
    json_t *resp = e2e_json_call(s, s->token, "EnrollParticipants",
                                 json_pack("{s:o, s:b}", "participants", people, "atomic", 1));
    json_t *results = json_object_get(resp, "results");
    assert_int_equal(json_array_size(results), PEOPLE);
    uint64_t last = 0;
    for (size_t i = 0; i < PEOPLE; i++) {
        assert_string_equal(e2e_result_at(resp, i), "RESULT_OK");
        uint64_t seq = seq_at(resp, i);
        assert_true(seq >= size && seq > last);
        last = seq;
    }
    assert_true((uint64_t)e2e_json_i64_of(resp, "treeSize") > last);
    assert_non_null(strstr(json_string_value(json_object_get(resp, "checkpoint")), "cauris/"));
    json_decref(resp);

    /* Every one listed, in id order, page by page, with their CSO. */
    char token[64] = "";
    int seen = 0, pages = 0;
    do {
        json_t *page =
            e2e_json_call(s, s->read_token, "ListParticipants",
                          json_pack("{s:i, s:s}", "pageSize", 64, "pageToken", token));
        json_t *list = json_object_get(page, "participants");
        for (size_t k = 0; k < json_array_size(list); k++, seen++) {
            json_t *p = json_array_get(list, k);
            char id[ID_MAX];
            person_id(seen, id);
            assert_string_equal(json_string_value(json_object_get(p, "id")), id);
            assert_string_equal(json_string_value(json_object_get(p, "cso")),
                                seen % 2 ? "cso-kindia" : "mfi1");
            assert_int_equal(json_integer_value(json_object_get(p, "phase")), 1);
            assert_null(json_object_get(p, "name")); /* no personal data in a list */
        }
        const char *next = json_string_value(json_object_get(page, "nextPageToken"));
        snprintf(token, sizeof token, "%s", next ? next : "");
        json_decref(page);
        pages++;
    } while (token[0] != '\0');
    assert_int_equal(seen, PEOPLE);
    assert_int_equal(pages, (PEOPLE + 63) / 64);
}

/* The gross wage of person i in run w: days x rate, or a piece rate. */
static void wage_terms(int i, int w, uint32_t *days, int64_t *rate, int64_t *amount)
{
    *days = 0;
    *rate = 0;
    *amount = 0;
    if (i % 17 == 0) {
        *amount = 7000 + 13 * w;
    } else {
        *days = (uint32_t)(1 + (i + w) % 5);
        *rate = 2500 + 500 * (i % 3);
    }
}

static void scenario_wage_run(const e2e_server *s, model *m, int w, int64_t net[PEOPLE])
{
    char run[8], date[11], budget[16];
    snprintf(run, sizeof run, "W%02d", w + 1);
    snprintf(budget, sizeof budget, "BL-1.%d", w % 3 + 1);
    date_of(7 * w, date);
    json_t *entries = json_array();
    for (int i = 0; i < PEOPLE; i++) {
        char id[ID_MAX];
        uint32_t days;
        int64_t rate, amount;
        person_id(i, id);
        wage_terms(i, w, &days, &rate, &amount);
        /* No client id: a run's line is "<run>:<participant>". */
        json_t *e =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "operation", "OPERATION_WAGE", "valueDate",
                      date, "participant", id, "wageRun", run, "budgetLine", budget);
        if (days > 0) {
            json_object_set_new(e, "days", json_integer(days));
            json_object_set_new(e, "dailyRate", e2e_json_i64(rate));
        } else {
            json_object_set_new(e, "amount", e2e_json_i64(amount));
        }
        json_array_append_new(entries, e);
        int64_t gross = days > 0 ? (int64_t)days * rate : amount;
        model_wage(m, i, gross);
        net[i] = gross - capital_of(gross);
    }
    json_decref(post(s, s->token, entries, "RESULT_OK"));
}

/* What the MFI reports of person i in run w (amount paid, status). */
static const char *delivery_of(int i, int w, int64_t net, int64_t *paid)
{
    int k = (i + w) % 10;
    if (k == 3) {
        *paid = 0;
        return "DELIVERY_STATUS_FAILED";
    }
    if (k == 7) {
        *paid = net / 2;
        return "DELIVERY_STATUS_PARTIAL";
    }
    *paid = net;
    return "DELIVERY_STATUS_DELIVERED";
}

/* Run W03 leaves four people out of its first import. */
static bool unreported(int i, int w)
{
    return w == 2 && i % 50 == 0;
}

static json_t *delivery_line(int i, int w, int64_t net, int64_t *paid)
{
    char id[ID_MAX], ref[32];
    person_id(i, id);
    snprintf(ref, sizeof ref, "MFI-W%02d-%s", w + 1, id);
    const char *status = delivery_of(i, w, net, paid);
    return json_pack("{s:s, s:s, s:o, s:s}", "participant", id, "status", status, "amount",
                     e2e_json_i64(*paid), "externalRef", ref);
}

static json_t *deliveries_request(int w, json_t *lines)
{
    char run[8], date[11];
    snprintf(run, sizeof run, "W%02d", w + 1);
    date_of(7 * w + 2, date);
    return json_pack("{s:{s:s, s:s, s:o}}", "deliveries", "run", run, "valueDate", date,
                     "lines", lines);
}

static void scenario_deliveries(const e2e_server *s, model *m, int w, const int64_t net[PEOPLE])
{
    json_t *lines = json_array();
    int paid_lines = 0, failed_lines = 0, left_out = 0;
    int index[PEOPLE];
    size_t n = 0;
    for (int i = 0; i < PEOPLE; i++) {
        if (unreported(i, w)) {
            left_out++;
            continue;
        }
        int64_t paid;
        json_array_append_new(lines, delivery_line(i, w, net[i], &paid));
        index[n++] = i;
        m->wallet[i] -= paid;
        m->cash -= paid;
        if (paid > 0)
            paid_lines++;
        else
            failed_lines++;
    }
    json_t *resp = e2e_json_call(s, s->token, "PostEntries", deliveries_request(w, lines));
    json_t *rep = json_object_get(resp, "deliveries");
    assert_non_null(rep);
    assert_int_equal(e2e_json_i64_of(rep, "linesRun"), PEOPLE);
    assert_int_equal(e2e_json_i64_of(rep, "paid"), paid_lines);
    assert_int_equal(e2e_json_i64_of(rep, "failed"), failed_lines);
    assert_int_equal(e2e_json_i64_of(rep, "unreported"), left_out);
    assert_int_equal(e2e_json_i64_of(rep, "refused"), 0);
    for (size_t k = 0; k < n; k++) {
        int64_t paid;
        delivery_of(index[k], w, net[index[k]], &paid);
        assert_string_equal(e2e_result_at(resp, k), "RESULT_OK");
        /* A payout's seq; a failed line posts nothing. */
        assert_true(paid > 0 ? seq_at(resp, k) > 0 : seq_at(resp, k) == 0);
    }
    json_decref(resp);
}

/* W03's late report: the four left out, and one line again (exists). */
static void scenario_late_deliveries(const e2e_server *s, model *m, const int64_t net[PEOPLE])
{
    json_t *lines = json_array();
    int64_t paid;
    for (int i = 0; i < PEOPLE; i++) {
        if (!unreported(i, 2))
            continue;
        json_array_append_new(lines, delivery_line(i, 2, net[i], &paid));
        m->wallet[i] -= paid;
        m->cash -= paid;
    }
    json_array_append_new(lines, delivery_line(2, 2, net[2], &paid)); /* again: no money */
    json_t *resp = e2e_json_call(s, s->token, "PostEntries", deliveries_request(2, lines));
    json_t *rep = json_object_get(resp, "deliveries");
    assert_int_equal(e2e_json_i64_of(rep, "unreported"), PEOPLE - 5);
    assert_int_equal(e2e_json_i64_of(rep, "refused"), 0);
    for (size_t k = 0; k < 4; k++)
        assert_string_equal(e2e_result_at(resp, k), "RESULT_OK");
    assert_string_equal(e2e_result_at(resp, 4), "RESULT_EXISTS");
    json_decref(resp);
}

static void scenario_phase_two(const e2e_server *s, model *m)
{
    for (int i = 0; i < PEOPLE; i += 4) {
        char id[ID_MAX];
        person_id(i, id);
        json_t *resp = e2e_json_call(
            s, s->token, "UpdateParticipant",
            json_pack("{s:s, s:[s], s:i}", "id", id, "fields", "phase", "phase", 2));
        json_t *p = json_object_get(resp, "participant");
        assert_string_equal(json_string_value(json_object_get(p, "id")), id);
        assert_int_equal(json_integer_value(json_object_get(p, "phase")), 2);
        assert_true(e2e_json_i64_of(resp, "treeSize") > 0);
        json_decref(resp);
        m->phase[i] = 2;
    }
    /* Several fields at once: a move to another district and cohort. */
    json_t *resp = e2e_json_call(s, s->token, "UpdateParticipant",
                                 json_pack("{s:s, s:[s,s], s:s, s:s, s:s}", "id", "B002",
                                           "fields", "cohort", "location", "cohort", "2026-C",
                                           "admin1", "Kindia", "admin2", "Dubreka"));
    json_t *p = json_object_get(resp, "participant");
    assert_string_equal(json_string_value(json_object_get(p, "cohort")), "2026-C");
    assert_string_equal(json_string_value(json_object_get(p, "admin2")), "Dubreka");
    assert_int_equal(json_integer_value(json_object_get(p, "phase")), 1);
    json_decref(resp);
}

/* Capital releases of ten phase-2 people: requested by the poster, held
 * as requests, approved by the approver. */
static void scenario_capital_releases(const e2e_server *s, model *m)
{
    for (int i = 0; i < 40; i += 4) {
        char id[ID_MAX], cid[32];
        person_id(i, id);
        snprintf(cid, sizeof cid, "release-%s", id);
        int64_t amount = m->capital[i] / 2;
        assert_true(amount > 0);
        uint64_t seq;
        bool awaiting;
        assert_string_equal(
            post_one(s, s->token,
                     op_entry(cid, "OPERATION_CAPITAL_RELEASE", "2026-02-20", id, amount), &seq,
                     &awaiting),
            "RESULT_OK");
        assert_true(awaiting);
        /* A request moves nothing yet. */
        char code[64];
        snprintf(code, sizeof code, "participant:%s:capital", id);
        assert_int_equal(e2e_balance(s, code), m->capital[i]);
        assert_string_equal(
            post_one(s, s->approve_token,
                     decide_entry("KIND_POST", "OPERATION_CAPITAL_RELEASE", seq, "2026-02-20"),
                     NULL, &awaiting),
            "RESULT_OK");
        assert_false(awaiting);
        m->capital[i] -= amount;
        m->wallet[i] += amount;
    }
}

/* Grants of eight people: committed, approved, paid in two tranches; one
 * more committed and cancelled. */
static void scenario_grants(const e2e_server *s, model *m)
{
    for (int i = 40; i < 72; i += 4) {
        char id[ID_MAX], cid[32];
        uint64_t seq;
        bool awaiting;
        person_id(i, id);
        snprintf(cid, sizeof cid, "grant-%s", id);
        assert_string_equal(
            post_one(s, s->token,
                     op_entry(cid, "OPERATION_GRANT_COMMIT", "2026-03-02", id, GRANT_AMOUNT),
                     &seq, &awaiting),
            "RESULT_OK");
        assert_true(awaiting);
        assert_string_equal(
            post_one(s, s->approve_token,
                     decide_entry("KIND_POST", "OPERATION_GRANT_COMMIT", seq, "2026-03-03"),
                     NULL, NULL),
            "RESULT_OK");
        m->grants += GRANT_AMOUNT;
        m->grant[i] += GRANT_AMOUNT;
        const int64_t tranche[2] = {TRANCHE_1, TRANCHE_2};
        for (int t = 0; t < 2; t++) {
            snprintf(cid, sizeof cid, "grant-%s-t%d", id, t + 1);
            assert_string_equal(
                post_one(s, s->token,
                         op_entry(cid, "OPERATION_GRANT_DISBURSE",
                                  t ? "2026-04-01" : "2026-03-05", id, tranche[t]),
                         NULL, NULL),
                "RESULT_OK");
            m->grant[i] -= tranche[t];
            m->cash -= tranche[t];
        }
    }
    uint64_t seq;
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("grant-B081", "OPERATION_GRANT_COMMIT", "2026-03-02", "B081", 250000),
                 &seq, NULL),
        "RESULT_OK");
    assert_string_equal(
        post_one(s, s->token,
                 decide_entry("KIND_VOID", "OPERATION_GRANT_COMMIT", seq, "2026-03-02"), NULL,
                 NULL),
        "RESULT_OK");
    /* Cancelled: nothing left pending on the grant account. */
    json_t *resp = e2e_json_call(s, s->read_token, "GetBalances",
                                 json_pack("{s:[s]}", "accounts", "participant:B081:grant"));
    json_t *b = json_array_get(json_object_get(resp, "balances"), 0);
    assert_int_equal(e2e_json_i64_of(b, "balance"), 0);
    assert_int_equal(e2e_json_i64_of(b, "creditsPending"), 0);
    json_decref(resp);
}

/* A wage posted by mistake, reversed, and the right one posted. */
static void scenario_reversal(const e2e_server *s, model *m)
{
    uint64_t seq;
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("wrong-B011", "OPERATION_WAGE", "2026-02-25", "B011", 99999), &seq,
                 NULL),
        "RESULT_OK");
    char ref[24];
    snprintf(ref, sizeof ref, "%llu", (unsigned long long)seq);
    json_t *rev =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "clientId", "rev-B011", "kind", "KIND_REVERSAL",
                  "operation", "OPERATION_WAGE", "valueDate", "2026-02-25", "ref", ref);
    assert_string_equal(post_one(s, s->token, rev, NULL, NULL), "RESULT_OK");
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("fix-B011", "OPERATION_WAGE", "2026-02-25", "B011", 9999), NULL,
                 NULL),
        "RESULT_OK");
    model_wage(m, 10, 9999);
}

/* January closed: asked by the accountant, approved by another person;
 * then nothing may be dated in it. */
static void scenario_close_january(const e2e_server *s, model *m)
{
    json_t *resp =
        e2e_json_call(s, s->token, "PostEntries",
                      json_pack("{s:{s:s}}", "period", "closeThrough", "2026-01-31"));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_OK");
    assert_true(awaiting_at(resp, 0));
    uint64_t request = seq_at(resp, 0);
    assert_true(request > 0);
    assert_int_equal(e2e_json_i64_of(resp, "periodRequestSeq"), (int64_t)request);
    json_decref(resp);
    /* Still open until approved. */
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("late-jan-1", "OPERATION_WAGE", "2026-01-30", "B001", 1000), NULL,
                 NULL),
        "RESULT_OK");
    model_wage(m, 0, 1000);
    resp = e2e_json_call(
        s, s->approve_token, "PostEntries",
        json_pack("{s:{s:o}}", "period", "approveRequest", e2e_json_i64((int64_t)request)));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_OK");
    assert_int_equal(e2e_json_i64_of(resp, "periodRequestSeq"), (int64_t)request);
    json_decref(resp);
    uint64_t size = e2e_tree_size(s);
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("late-jan-2", "OPERATION_WAGE", "2026-01-30", "B001", 1000), NULL,
                 NULL),
        "RESULT_PERIOD_CLOSED");
    assert_int_equal(e2e_tree_size(s), size);
    assert_string_equal(
        post_one(s, s->token,
                 op_entry("early-feb", "OPERATION_WAGE", "2026-02-01", "B001", 1000), NULL,
                 NULL),
        "RESULT_OK");
    model_wage(m, 0, 1000);
}

/* The tags of a wage: the participant's at posting, not changed since. */
static void scenario_tags(const e2e_server *s)
{
    json_t *resp =
        e2e_json_call(s, s->read_token, "GetEntry", json_pack("{s:s}", "clientId", "W01:B005"));
    json_t *tags = json_object_get(json_object_get(resp, "entry"), "tags");
    assert_non_null(tags);
    assert_string_equal(json_string_value(json_object_get(tags, "participant")), "B005");
    assert_string_equal(json_string_value(json_object_get(tags, "sex")), "SEX_FEMALE");
    assert_string_equal(json_string_value(json_object_get(tags, "admin1")), "Kindia");
    assert_string_equal(json_string_value(json_object_get(tags, "category")),
                        "CATEGORY_REFUGEE");
    assert_string_equal(json_string_value(json_object_get(tags, "cohort")), "2026-A");
    assert_string_equal(json_string_value(json_object_get(tags, "cso")), "mfi1");
    assert_string_equal(json_string_value(json_object_get(tags, "budgetLine")), "BL-1.1");
    assert_string_equal(json_string_value(json_object_get(tags, "ageBand")),
                        "AGE_BAND_50_PLUS");
    /* B005 reached phase 2 after W06: W01 still says 1, W12 says 2. */
    assert_int_equal(json_integer_value(json_object_get(tags, "phase")), 1);
    json_decref(resp);
    resp =
        e2e_json_call(s, s->read_token, "GetEntry", json_pack("{s:s}", "clientId", "W12:B005"));
    tags = json_object_get(json_object_get(resp, "entry"), "tags");
    assert_int_equal(json_integer_value(json_object_get(tags, "phase")), 2);
    json_decref(resp);
    /* B010 answered "a lot of difficulty" in one domain. */
    resp =
        e2e_json_call(s, s->read_token, "GetEntry", json_pack("{s:s}", "clientId", "W01:B010"));
    tags = json_object_get(json_object_get(resp, "entry"), "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "disability")),
                        "DISABILITY_YES");
    json_decref(resp);
}

static void test_programme_scenario(void **state)
{
    (void)state;
    static model m;
    static int64_t net[RUNS][PEOPLE];
    memset(&m, 0, sizeof m);
    e2e_server s;
    e2e_ledger_create(&s, 0);
    e2e_start(&s, NULL);
    scenario_enrol(&s);
    assert_string_equal(
        post_one(&s, s.token,
                 op_entry("fund-2026", "OPERATION_FUNDING", "2026-01-02", "", FUNDING), NULL,
                 NULL),
        "RESULT_OK");
    m.cash += FUNDING;
    m.fund += FUNDING;
    for (int w = 0; w < RUNS; w++) {
        scenario_wage_run(&s, &m, w, net[w]);
        scenario_deliveries(&s, &m, w, net[w]);
        if (w == 2)
            scenario_late_deliveries(&s, &m, net[2]);
        if (w == 5)
            scenario_phase_two(&s, &m);
    }
    scenario_capital_releases(&s, &m);
    scenario_grants(&s, &m);
    scenario_reversal(&s, &m);
    scenario_close_january(&s, &m);
    scenario_tags(&s);
    assert_model(&s, &m);
    /* Personal data: only for an admin's token, and only when asked. */
    json_t *resp = e2e_json_call(&s, s.token, "GetParticipant",
                                 json_pack("{s:s, s:b}", "id", "B007", "includePersonal", 1));
    json_t *p = json_object_get(resp, "participant");
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Bénéficiaire 007");
    assert_string_equal(json_string_value(json_object_get(p, "phone")), "+224 620000006");
    json_decref(resp);

    e2e_stop(&s);
    char *out = tr_expect(0, "verify", s.dir, NULL);
    tr_assert_contains(out, "verify: ok");
    free(out);
    e2e_remove(&s);
}

/* ---- refusals: each by its Result name, and nothing written ---- */

typedef struct snapshot {
    uint64_t tree_size;
    balances b;
} snapshot;

/* The tree size and the balances of P1..P3 and the programme. */
static void snapshot_take(const e2e_server *s, snapshot *out)
{
    out->tree_size = e2e_tree_size(s);
    balances_get(s, "P%d", 3, &out->b);
}

static void assert_unchanged(const e2e_server *s, const snapshot *before, const char *what)
{
    static snapshot now;
    snapshot_take(s, &now);
    if (now.tree_size != before->tree_size)
        fail_msg("%s wrote: tree size %llu -> %llu", what,
                 (unsigned long long)before->tree_size, (unsigned long long)now.tree_size);
    assert_int_equal(now.b.count, before->b.count);
    /* Pending amounts too: a refused request reserves nothing. */
    for (size_t i = 0; i < now.b.count; i++)
        if (strcmp(now.b.codes[i], before->b.codes[i]) != 0 ||
            now.b.value[i] != before->b.value[i] ||
            now.b.debits_pending[i] != before->b.debits_pending[i] ||
            now.b.credits_pending[i] != before->b.credits_pending[i])
            fail_msg("%s changed %s", what, now.b.codes[i]);
}

/* Posts one entry, which must be refused with `want`, its message said,
 * and nothing written. */
static void refused(const e2e_server *s, const char *token, json_t *entry, const char *want)
{
    static snapshot before;
    snapshot_take(s, &before);
    json_t *resp = post(s, token, json_pack("[o]", entry), want);
    json_t *r = json_array_get(json_object_get(resp, "results"), 0);
    assert_true(strlen(json_string_value(json_object_get(r, "message"))) > 0);
    assert_int_equal(seq_at(resp, 0), 0);
    json_decref(resp);
    assert_unchanged(s, &before, want);
}

static void test_refusals_name_their_result(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 3);
    char both[LEDGER_TOKEN_TEXT_MAX + 1];
    e2e_token_make(&s, "mfi1", "e2e-both", LEDGER_ROLES_ALL, both);
    e2e_start(&s, NULL);
    static snapshot before;
    uint64_t seq, release;
    bool awaiting;
    json_decref(post(&s, s.token,
                     json_pack("[o,o,o]",
                               op_entry("fund", "OPERATION_FUNDING", "2026-02-02", "", 1000000),
                               op_entry("w-P1", "OPERATION_WAGE", "2026-02-03", "P1", 100000),
                               op_entry("w-P2", "OPERATION_WAGE", "2026-02-03", "P2", 100000)),
                     "RESULT_OK"));
    json_decref(e2e_json_call(
        &s, s.token, "UpdateParticipant",
        json_pack("{s:s, s:[s], s:i}", "id", "P2", "fields", "phase", "phase", 2)));

    /* Unknown participant. */
    refused(&s, s.token, op_entry("w-P404", "OPERATION_WAGE", "2026-02-03", "P404", 5000),
            "RESULT_UNKNOWN_PARTICIPANT");
    /* Capital of a phase-1 participant. */
    refused(&s, s.token,
            op_entry("rel-P1", "OPERATION_CAPITAL_RELEASE", "2026-02-04", "P1", 500),
            "RESULT_CAPITAL_LOCKED");
    /* Another currency than the programme's (GNF). */
    json_t *usd = op_entry("fund-usd", "OPERATION_FUNDING", "2026-02-04", "", 10);
    json_object_set_new(usd, "currency", json_string("USD"));
    refused(&s, s.token, usd, "RESULT_WRONG_CURRENCY");
    /* Legs sent with a typed operation must be the ones it derives. */
    json_t *legs = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s,s:s},{s:s,s:s}]}", "clientId",
                             "w-legs", "operation", "OPERATION_WAGE", "valueDate", "2026-02-04",
                             "participant", "P1", "legs", "account", "programme:wages", "debit",
                             "1000", "account", "participant:P1:wallet", "credit", "1000");
    refused(&s, s.token, legs, "RESULT_LEGS_MISMATCH");

    /* Self-approval: one person asks and approves. */
    assert_string_equal(
        post_one(&s, both,
                 op_entry("rel-P2", "OPERATION_CAPITAL_RELEASE", "2026-02-04", "P2", 1000),
                 &release, &awaiting),
        "RESULT_OK");
    assert_true(awaiting);
    refused(&s, both,
            decide_entry("KIND_POST", "OPERATION_CAPITAL_RELEASE", release, "2026-02-04"),
            "RESULT_FOUR_EYES_VIOLATION");
    /* A second request for the same action while one is open. */
    refused(&s, s.token,
            op_entry("rel-P2-again", "OPERATION_CAPITAL_RELEASE", "2026-02-04", "P2", 10),
            "RESULT_REQUEST_PENDING");
    /* Approved by another person; then a second approval. */
    assert_string_equal(
        post_one(&s, s.approve_token,
                 decide_entry("KIND_POST", "OPERATION_CAPITAL_RELEASE", release, "2026-02-04"),
                 NULL, NULL),
        "RESULT_OK");
    json_t *again =
        decide_entry("KIND_POST", "OPERATION_CAPITAL_RELEASE", release, "2026-02-04");
    json_object_set_new(again, "clientId", json_string("approve-again"));
    refused(&s, s.approve_token, again, "RESULT_PENDING_ALREADY_RESOLVED");

    /* A disbursement above the approved grant. */
    assert_string_equal(
        post_one(&s, s.token,
                 op_entry("g-P2", "OPERATION_GRANT_COMMIT", "2026-02-05", "P2", 1000), &seq,
                 NULL),
        "RESULT_OK");
    assert_string_equal(
        post_one(&s, s.approve_token,
                 decide_entry("KIND_POST", "OPERATION_GRANT_COMMIT", seq, "2026-02-05"), NULL,
                 NULL),
        "RESULT_OK");
    refused(&s, s.token,
            op_entry("g-P2-t1", "OPERATION_GRANT_DISBURSE", "2026-02-06", "P2", 1001),
            "RESULT_INSUFFICIENT_FUNDS");

    /* A duplicate person: same name, birth year and location as P1. */
    snapshot_take(&s, &before);
    json_t *twin = json_pack("{s:s, s:s, s:i, s:s, s:s}", "id", "P9", "name", "Participant 1",
                             "birthYear", 1980, "admin1", "Conakry", "admin2", "Kaloum");
    json_t *fresh = json_pack("{s:s, s:s}", "id", "P10", "name", "Someone Else");
    json_t *resp =
        e2e_json_call(&s, s.token, "EnrollParticipants",
                      json_pack("{s:[O,o], s:b}", "participants", twin, fresh, "atomic", 1));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_DUPLICATE_PERSON");
    json_t *r0 = json_array_get(json_object_get(resp, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "duplicateOf")), "P1");
    assert_string_equal(e2e_result_at(resp, 1), "RESULT_LINKED_ENTRY_FAILED");
    json_decref(resp);
    assert_unchanged(&s, &before, "a duplicate person");
    e2e_json_call_fails(&s, s.read_token, "GetParticipant", json_pack("{s:s}", "id", "P10"),
                        "not_found", "unknown_participant");
    /* Confirmed to be someone else, they are enrolled. */
    json_object_set_new(twin, "confirmDistinctFrom", json_string("P1"));
    resp = e2e_json_call(&s, s.token, "EnrollParticipants",
                         json_pack("{s:[o]}", "participants", twin));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_OK");
    json_decref(resp);

    /* Deliveries that contradict the run, or match no line of it. */
    json_decref(post(&s, s.token,
                     json_pack("[{s:s, s:s, s:s, s:o, s:s}]", "operation", "OPERATION_WAGE",
                               "valueDate", "2026-02-09", "participant", "P1", "amount",
                               e2e_json_i64(20000), "wageRun", "R1"),
                     "RESULT_OK"));
    snapshot_take(&s, &before);
    resp = e2e_json_call(
        &s, s.token, "PostEntries",
        json_pack("{s:{s:s, s:s, s:[{s:s, s:s, s:o}, {s:s, s:s, s:o}]}}", "deliveries", "run",
                  "R1", "valueDate", "2026-02-10", "lines", "participant", "P1", "status",
                  "DELIVERY_STATUS_DELIVERED", "amount", e2e_json_i64(17000), "participant",
                  "P3", "status", "DELIVERY_STATUS_DELIVERED", "amount", e2e_json_i64(18000)));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_DELIVERY_CONTRADICTS");
    assert_string_equal(e2e_result_at(resp, 1), "RESULT_DELIVERY_UNMATCHED");
    json_t *rep = json_object_get(resp, "deliveries");
    assert_int_equal(e2e_json_i64_of(rep, "linesRun"), 1);
    assert_int_equal(e2e_json_i64_of(rep, "refused"), 2);
    json_decref(resp);
    assert_unchanged(&s, &before, "a contradicting import");

    /* A closed period; self-approval of a closure; approving it twice. */
    resp = e2e_json_call(&s, both, "PostEntries",
                         json_pack("{s:{s:s}}", "period", "closeThrough", "2026-01-31"));
    uint64_t request = seq_at(resp, 0);
    json_decref(resp);
    snapshot_take(&s, &before);
    resp = e2e_json_call(
        &s, both, "PostEntries",
        json_pack("{s:{s:o}}", "period", "approveRequest", e2e_json_i64((int64_t)request)));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_FOUR_EYES_VIOLATION");
    json_decref(resp);
    assert_unchanged(&s, &before, "a self-approved closure");
    json_decref(e2e_json_call(
        &s, s.approve_token, "PostEntries",
        json_pack("{s:{s:o}}", "period", "approveRequest", e2e_json_i64((int64_t)request))));
    snapshot_take(&s, &before);
    resp = e2e_json_call(
        &s, s.approve_token, "PostEntries",
        json_pack("{s:{s:o}}", "period", "approveRequest", e2e_json_i64((int64_t)request)));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_PENDING_ALREADY_RESOLVED");
    json_decref(resp);
    resp = e2e_json_call(&s, both, "PostEntries",
                         json_pack("{s:{s:s}}", "period", "closeThrough", "2026-01-15"));
    assert_string_equal(e2e_result_at(resp, 0), "RESULT_PERIOD_CLOSED");
    json_decref(resp);
    assert_unchanged(&s, &before, "closure steps refused");
    refused(&s, s.token, op_entry("w-jan", "OPERATION_WAGE", "2026-01-20", "P1", 5000),
            "RESULT_PERIOD_CLOSED");

    e2e_stop(&s);
    char *out = tr_expect(0, "verify", s.dir, NULL);
    tr_assert_contains(out, "verify: ok");
    free(out);
    e2e_remove(&s);
}

/* ---- roles, and requests refused as a whole ---- */

static void test_roles_and_malformed_requests(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 2);
    char cso[LEDGER_TOKEN_TEXT_MAX + 1];
    e2e_token_make(&s, "mfi1", "cso-agent", LEDGER_ROLE_POST | LEDGER_ROLE_READ, cso);
    e2e_start(&s, NULL);
    json_t *transfer =
        json_pack("{s:s, s:s, s:[{s:s,s:s},{s:s,s:s}]}", "clientId", "t1", "valueDate",
                  "2026-02-02", "legs", "account", "partner:mfi1:cash", "debit", "5", "account",
                  "programme:fund", "credit", "5");
    /* Transfers are the accountants' (admin). */
    e2e_json_call_fails(&s, cso, "PostEntries", json_pack("{s:[O]}", "entries", transfer),
                        "permission_denied", "admin");
    /* The refusal names the entry, and the request is refused whole: the
     * wage before it is not posted. */
    e2e_json_call_fails(&s, cso, "PostEntries",
                        json_pack("{s:[o,O]}", "entries",
                                  op_entry("w0", "OPERATION_WAGE", "2026-02-02", "P1", 100),
                                  transfer),
                        "permission_denied", "entries[1] needs a token with the role 'admin'");
    assert_int_equal(e2e_balance(&s, "participant:P1:wallet"), 0);
    json_decref(post(&s, s.token, json_pack("[O]", transfer), "RESULT_OK"));
    json_decref(transfer);
    /* An approver approves; it does not post. */
    e2e_json_call_fails(&s, s.approve_token, "PostEntries",
                        json_pack("{s:[o]}", "entries",
                                  op_entry("w", "OPERATION_WAGE", "2026-02-02", "P1", 100)),
                        "permission_denied", "post");
    /* Approving needs `approve`; a partner may cancel. */
    uint64_t seq;
    assert_string_equal(
        post_one(&s, cso, op_entry("g", "OPERATION_GRANT_COMMIT", "2026-02-02", "P1", 100),
                 &seq, NULL),
        "RESULT_OK");
    e2e_json_call_fails(
        &s, cso, "PostEntries",
        json_pack("{s:[o]}", "entries",
                  decide_entry("KIND_POST", "OPERATION_GRANT_COMMIT", seq, "2026-02-02")),
        "permission_denied", "approve");
    assert_string_equal(
        post_one(&s, cso,
                 decide_entry("KIND_VOID", "OPERATION_GRANT_COMMIT", seq, "2026-02-02"), NULL,
                 NULL),
        "RESULT_OK");
    /* Closing a period is an accountant's request, approved by an approver. */
    e2e_json_call_fails(&s, cso, "PostEntries",
                        json_pack("{s:{s:s}}", "period", "closeThrough", "2026-01-31"),
                        "permission_denied", "admin");
    e2e_json_call_fails(&s, cso, "PostEntries",
                        json_pack("{s:{s:s}}", "period", "approveRequest", "9"),
                        "permission_denied", "approve");
    /* Reading cannot enrol or change anyone; personal data needs admin. */
    e2e_json_call_fails(&s, s.read_token, "EnrollParticipants",
                        json_pack("{s:[{s:s, s:s}]}", "participants", "id", "P3", "name", "X"),
                        "permission_denied", NULL);
    e2e_json_call_fails(
        &s, s.read_token, "UpdateParticipant",
        json_pack("{s:s, s:[s], s:i}", "id", "P1", "fields", "phase", "phase", 2),
        "permission_denied", NULL);
    e2e_json_call_fails(&s, cso, "GetParticipant",
                        json_pack("{s:s, s:b}", "id", "P1", "includePersonal", 1),
                        "permission_denied", "admin");
    json_t *resp = e2e_json_call(&s, cso, "GetParticipant", json_pack("{s:s}", "id", "P1"));
    assert_null(json_object_get(json_object_get(resp, "participant"), "name"));
    json_decref(resp);
    resp = e2e_json_call(&s, s.token, "GetParticipant",
                         json_pack("{s:s, s:b}", "id", "P1", "includePersonal", 1));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(resp, "participant"), "name")),
        "Participant 1");
    json_decref(resp);
    uint64_t size = e2e_tree_size(&s);

    /* One action per request. */
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:[o], s:{s:s}}", "entries",
                                  op_entry("x", "OPERATION_WAGE", "2026-02-02", "P1", 100),
                                  "period", "closeThrough", "2026-01-31"),
                        "invalid_argument", "must be empty");
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:{s:s, s:s, s:[]}, s:{s:s}}", "deliveries", "run", "R",
                                  "valueDate", "2026-02-02", "lines", "period", "closeThrough",
                                  "2026-01-31"),
                        "invalid_argument", "not both");
    e2e_json_call_fails(&s, s.token, "PostEntries", json_pack("{s:{}}", "period"),
                        "invalid_argument", "closeThrough");
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:{s:s}}", "period", "closeThrough", "2026-02-30"),
                        "invalid_argument", "YYYY-MM-DD");
    e2e_json_call_fails(&s, s.token, "PostEntries",
                        json_pack("{s:{s:s, s:s, s:[]}}", "deliveries", "run", "R", "valueDate",
                                  "2026-02-02", "lines"),
                        "invalid_argument", "at least one line");
    /* Participants' changes: names of fields, their values. */
    e2e_json_call_fails(&s, s.token, "UpdateParticipant",
                        json_pack("{s:s, s:[s]}", "id", "P1", "fields", "colour"),
                        "invalid_argument", "colour");
    e2e_json_call_fails(&s, s.token, "UpdateParticipant",
                        json_pack("{s:s, s:[]}", "id", "P1", "fields"), "invalid_argument",
                        "at least one");
    e2e_json_call_fails(
        &s, s.token, "UpdateParticipant",
        json_pack("{s:s, s:[s,s], s:i}", "id", "P1", "fields", "phase", "phase", "phase", 2),
        "invalid_argument", "twice");
    e2e_json_call_fails(
        &s, s.token, "UpdateParticipant",
        json_pack("{s:s, s:[s], s:i}", "id", "P404", "fields", "phase", "phase", 2),
        "not_found", "unknown_participant");
    json_decref(e2e_json_call(
        &s, s.token, "UpdateParticipant",
        json_pack("{s:s, s:[s], s:i}", "id", "P1", "fields", "phase", "phase", 3)));
    size = e2e_tree_size(&s);
    e2e_json_call_fails(
        &s, s.token, "UpdateParticipant",
        json_pack("{s:s, s:[s], s:i}", "id", "P1", "fields", "phase", "phase", 2),
        "invalid_argument", "invalid_field");
    /* Strings longer than the ledger's record holds are refused, not cut. */
    char long_name[LEDGER_PERSON_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    e2e_json_call_fails(
        &s, s.token, "EnrollParticipants",
        json_pack("{s:[{s:s, s:s}]}", "participants", "id", "P5", "name", long_name),
        "invalid_argument", "participants[0].name");
    e2e_json_call_fails(
        &s, s.token, "EnrollParticipants",
        json_pack("{s:[{s:s, s:s, s:i}]}", "participants", "id", "P5", "name", "Y", "sex", 7),
        "invalid_argument", "participants[0].sex");
    e2e_json_call_fails(&s, s.token, "EnrollParticipants", json_pack("{s:[]}", "participants"),
                        "invalid_argument", "at least one");
    /* A group needs its id (savings groups: tests/test_rpc_groups.c). */
    e2e_json_call_fails(&s, s.token, "CreateGroup", json_object(), "invalid_argument", "group");
    assert_int_equal(e2e_tree_size(&s), size);

    /* The binary format serves the new methods too. */
    json_t *reply = NULL;
    rpc_error err;
    assert_int_equal(
        e2e_json_call_any(&s, cso, "EnrollParticipants",
                          json_pack("{s:[{s:s, s:s, s:s}]}", "participants", "id", "P3", "name",
                                    "Mariama Camara", "sex", "SEX_FEMALE"),
                          true, &reply, &err),
        0);
    assert_string_equal(e2e_result_at(reply, 0), "RESULT_OK");
    json_decref(reply);
    resp = e2e_json_call(&s, s.read_token, "GetParticipant", json_pack("{s:s}", "id", "P3"));
    json_t *p = json_object_get(resp, "participant");
    assert_string_equal(json_string_value(json_object_get(p, "sex")), "SEX_FEMALE");
    assert_string_equal(json_string_value(json_object_get(p, "cso")), "mfi1");
    json_decref(resp);
    e2e_stop(&s);
    e2e_remove(&s);
}

int main(void)
{
    if (tr_init("test_rpc_ops") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_programme_scenario, e2e_cleanup),
        cmocka_unit_test_teardown(test_refusals_name_their_result, e2e_cleanup),
        cmocka_unit_test_teardown(test_roles_and_malformed_requests, e2e_cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
