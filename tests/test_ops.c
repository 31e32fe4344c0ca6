/*
 * test_ops.c — programme operations through the library, on a real LMDB
 * environment: the three-phase scenario for 200 participants with
 * every balance checked against expectations computed here from the
 * inputs alone; one test per rejection, each leaving every balance and the
 * tree unchanged; settings, enrolment (look-alikes and their confirmation),
 * holds, erasure, approvals, reversals awaiting approval, period closure,
 * delivery imports; and verify after each.
 */
#include "tests/util.h"

#include <lmdb.h>
#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_PEOPLE 200
#define N_WEEKS 12
#define RATE_BP 1000 /* 10 % of each wage is capital */
#define DAILY_RATE 15000
#define GRANT 500000
#define GRANT_TRANCHE_1 300000

static int setup(void **state)
{
    tl *t = calloc(1, sizeof *t);
    tl_setup(t, "GNF", 0);
    static const char *const cash[] = {"partner:mfi1:cash", "partner:mfi2:cash"};
    tl_open(t, cash, 2);
    tl_capital_rate(t, RATE_BP);
    *state = t;
    return 0;
}

/* ---- entries ---- */

static ledger_entry_in op(const char *client_id, ledger_op o, const char *participant,
                          int64_t amount, uint32_t date)
{
    ledger_entry_in e;
    memset(&e, 0, sizeof e);
    e.programme = T_PROGRAMME;
    e.kind = LEDGER_KIND_POSTED;
    e.op = o;
    e.partner = "mfi1";
    e.principal = "clerk";
    e.client_id = client_id;
    e.value_date = date;
    e.participant = participant;
    e.amount = amount;
    return e;
}

static ledger_entry_in decide(const char *client_id, ledger_kind kind, uint64_t ref,
                              const char *principal, uint32_t date)
{
    ledger_entry_in e = op(client_id, LEDGER_OP_TRANSFER, NULL, 0, date);
    e.kind = kind;
    e.ref = ref;
    e.principal = principal;
    return e;
}

static ledger_result post1(tl *t, const ledger_entry_in *e)
{
    ledger_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(ledger_post(t->l, e, 1, false, &r, NULL), LEDGER_OK);
    return r;
}

static uint64_t post_ok(tl *t, const ledger_entry_in *e)
{
    ledger_result r = post1(t, e);
    if (r.err != LEDGER_OK)
        fprintf(stderr, "%s refused: %s\n", e->client_id ? e->client_id : "?",
                ledger_err_name(r.err));
    assert_int_equal(r.err, LEDGER_OK);
    return r.seq;
}

static const char *who(int i)
{
    static char ids[N_PEOPLE + 10][16];
    snprintf(ids[i], sizeof ids[i], "P%03d", (i + 1) % 1000);
    return ids[i];
}

/* The balance of participant:<id>:<account>. */
static int64_t bal(tl *t, const char *id, const char *account)
{
    char code[LEDGER_CODE_MAX + 1];
    snprintf(code, sizeof code, "participant:%.32s:%.8s", id, account);
    return tl_balance(t, code);
}

static const void *bytes_find(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    }
    return NULL;
}

static ledger_enrolment person(int i)
{
    static const char *const admin1[] = {"Conakry", "Kankan", "Nzérékoré"};
    ledger_enrolment row;
    memset(&row, 0, sizeof row);
    snprintf(row.p.id, sizeof row.p.id, "%s", who(i));
    row.p.sex = i % 2 ? LEDGER_SEX_MALE : LEDGER_SEX_FEMALE;
    row.p.birth_year = (uint16_t)(1970 + i % 35);
    snprintf(row.p.wg_ss, sizeof row.p.wg_ss, "%s", i % 9 == 0 ? "113111" : "111211");
    snprintf(row.p.admin1, sizeof row.p.admin1, "%s", admin1[i % 3]);
    snprintf(row.p.admin2, sizeof row.p.admin2, "Commune %d", i % 7);
    row.p.category = (ledger_category)(1 + i % LEDGER_CATEGORY_MAX);
    snprintf(row.p.cohort, sizeof row.p.cohort, "C%d", 1 + i % 4);
    row.p.phase = 1;
    snprintf(row.p.cso, sizeof row.p.cso, "cso%d", 1 + i % 2);
    snprintf(row.p.name, sizeof row.p.name, "Participant Numéro %d", i + 1);
    snprintf(row.p.phone, sizeof row.p.phone, "+224 620 %06d", i);
    return row;
}

static void enrol_all(tl *t, int count)
{
    ledger_enrolment *rows = calloc((size_t)count, sizeof *rows);
    ledger_enrol_result *res = calloc((size_t)count, sizeof *res);
    for (int i = 0; i < count; i++)
        rows[i] = person(i);
    assert_int_equal(ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", rows,
                                               (size_t)count, true, res),
                     LEDGER_OK);
    for (int i = 0; i < count; i++)
        assert_int_equal(res[i].err, LEDGER_OK);
    free(rows);
    free(res);
}

static void set_phase(tl *t, const char *id, uint8_t phase)
{
    ledger_participant p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    p.phase = phase;
    assert_int_equal(ledger_participant_update(t->l, T_PROGRAMME, "cso1", "officer", &p,
                                               LEDGER_CHANGE_PHASE),
                     LEDGER_OK);
}

static void set_hold(tl *t, const char *id, const char *reason)
{
    ledger_participant p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.hold, sizeof p.hold, "%s", reason);
    assert_int_equal(
        ledger_participant_update(t->l, T_PROGRAMME, "cso1", "officer", &p, LEDGER_CHANGE_HOLD),
        LEDGER_OK);
}

/* ---- the scenario ---- */

typedef struct expect {
    int64_t wallet[N_PEOPLE], capital[N_PEOPLE], grant[N_PEOPLE];
    int64_t cash, fund, wages, grants;
} expect;

static uint32_t week_date(int w)
{
    /* Mondays from 2026-01-05, all in January to March. */
    static const uint32_t d[N_WEEKS] = {20260105, 20260112, 20260119, 20260126,
                                        20260202, 20260209, 20260216, 20260223,
                                        20260302, 20260309, 20260316, 20260323};
    return d[w];
}

static int64_t gross_of(int i)
{
    return (int64_t)(3 + i % 3) * DAILY_RATE;
}

static void check_all(tl *t, const expect *x)
{
    for (int i = 0; i < N_PEOPLE; i++) {
        assert_int_equal(bal(t, who(i), "wallet"), x->wallet[i]);
        assert_int_equal(bal(t, who(i), "capital"), x->capital[i]);
        assert_int_equal(bal(t, who(i), "grant"), x->grant[i]);
    }
    assert_int_equal(tl_balance(t, "partner:mfi1:cash"), x->cash);
    assert_int_equal(tl_balance(t, "programme:fund"), x->fund);
    assert_int_equal(tl_balance(t, "programme:wages"), x->wages);
    assert_int_equal(tl_balance(t, "programme:grants"), x->grants);
    ledger_trial_balance tb;
    assert_int_equal(ledger_trial_balance_get(t->l, T_PROGRAMME, &tb), LEDGER_OK);
    assert_int_equal(tb.debits, tb.credits);
    /* Debit side: the MFI's cash and the two expense accounts. */
    assert_int_equal(tb.debits, x->cash + x->wages + x->grants);
}

static void wage_runs(tl *t, expect *x)
{
    static ledger_entry_in lines[N_PEOPLE];
    static ledger_result res[N_PEOPLE];
    static ledger_delivery_in deliveries[N_PEOPLE];
    char run[8];
    for (int w = 0; w < N_WEEKS; w++) {
        snprintf(run, sizeof run, "W%02d", w + 1);
        for (int i = 0; i < N_PEOPLE; i++) {
            lines[i] = op(NULL, LEDGER_OP_WAGE, who(i), 0, week_date(w));
            lines[i].wage_run = run;
            lines[i].days = (uint32_t)(3 + i % 3);
            lines[i].daily_rate = DAILY_RATE;
        }
        assert_int_equal(ledger_post(t->l, lines, N_PEOPLE, true, res, NULL), LEDGER_OK);
        for (int i = 0; i < N_PEOPLE; i++) {
            int64_t gross = gross_of(i), cap = gross * RATE_BP / 10000;
            assert_int_equal(res[i].err, LEDGER_OK);
            x->wages += gross;
            x->wallet[i] += gross - cap;
            x->capital[i] += cap;
        }
        /* The MFI's delivery results: some fail, some are partial. */
        for (int i = 0; i < N_PEOPLE; i++) {
            int64_t net = gross_of(i) - gross_of(i) * RATE_BP / 10000;
            ledger_delivery_in *d = &deliveries[i];
            d->participant = who(i);
            d->external_ref = "";
            if ((i + w) % 17 == 0) {
                d->status = LEDGER_DELIVERY_FAILED;
                d->amount = 0;
            } else if ((i + w) % 11 == 0) {
                d->status = LEDGER_DELIVERY_PARTIAL;
                d->amount = net / 2;
            } else {
                d->status = LEDGER_DELIVERY_DELIVERED;
                d->amount = net;
            }
            x->wallet[i] -= d->amount;
            x->cash -= d->amount;
        }
        ledger_delivery_report rep;
        assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "mfi-import", run,
                                                  week_date(w) + 4, deliveries, N_PEOPLE, res,
                                                  &rep),
                         LEDGER_OK);
        assert_int_equal(rep.lines_run, N_PEOPLE);
        assert_int_equal(rep.unreported, 0);
        assert_int_equal(rep.refused, 0);
        assert_int_equal(rep.paid + rep.failed, N_PEOPLE);
    }
}

static void test_scenario_three_phases(void **state)
{
    tl *t = *state;
    static expect x;
    memset(&x, 0, sizeof x);
    ledger_settings s;
    assert_int_equal(ledger_settings_get(t->l, T_PROGRAMME, &s), LEDGER_OK);
    s.approval_above[LEDGER_APPROVAL_REVERSAL] = 0; /* every reversal needs approval */
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_OK);
    enrol_all(t, N_PEOPLE);

    /* Phase 1: funding, then twelve weekly wage runs with deliveries. */
    ledger_entry_in f = op("fund-1", LEDGER_OP_FUNDING, NULL, 500000000, 20260102);
    post_ok(t, &f);
    x.cash += 500000000;
    x.fund += 500000000;
    wage_runs(t, &x);
    check_all(t, &x);

    /* One wrong wage (a second wage to P010 in week 5), reversed with
     * approval: requested by the clerk, approved by the supervisor. */
    ledger_entry_in wrong = op("W05-extra-P010", LEDGER_OP_WAGE, who(9), 60000, week_date(4));
    uint64_t wrong_seq = post_ok(t, &wrong);
    ledger_entry_in rev = decide("rev-W05-extra-P010", LEDGER_KIND_REVERSAL, wrong_seq, "clerk",
                                 week_date(4) + 1);
    ledger_result rr = post1(t, &rev);
    assert_int_equal(rr.err, LEDGER_OK);
    assert_true(rr.awaiting);
    ledger_entry_in ok =
        decide("rev-approve", LEDGER_KIND_POST, rr.seq, "supervisor", week_date(4) + 2);
    post_ok(t, &ok);
    check_all(t, &x); /* as if it had never been */

    /* Phase 2 for the first 100; a hold on P003. */
    for (int i = 0; i < 100; i++)
        set_phase(t, who(i), 2);
    set_hold(t, who(2), "dispute");

    /* Capital released for the first 50 but P003 (held). */
    for (int i = 0; i < 50; i++) {
        char id[64], ap[64];
        snprintf(id, sizeof id, "release-%s", who(i));
        snprintf(ap, sizeof ap, "release-ok-%s", who(i));
        ledger_entry_in r = op(id, LEDGER_OP_CAPITAL_RELEASE, who(i), x.capital[i], 20260401);
        ledger_result res = post1(t, &r);
        if (i == 2) {
            assert_int_equal(res.err, LEDGER_CAPITAL_HELD);
            continue;
        }
        assert_int_equal(res.err, LEDGER_OK);
        assert_true(res.awaiting);
        ledger_entry_in a = decide(ap, LEDGER_KIND_POST, res.seq, "supervisor", 20260402);
        post_ok(t, &a);
        x.wallet[i] += x.capital[i];
        x.capital[i] = 0;
    }
    check_all(t, &x);

    /* Grants for P001..P020, approved, paid in two tranches; P021's
     * cancelled. */
    for (int i = 0; i <= 20; i++) {
        char id[48];
        snprintf(id, sizeof id, "grant-%s", who(i));
        ledger_entry_in g = op(id, LEDGER_OP_GRANT_COMMIT, who(i), GRANT, 20260410);
        ledger_result res = post1(t, &g);
        assert_int_equal(res.err, LEDGER_OK);
        assert_true(res.awaiting);
        snprintf(id, sizeof id, "grant-decision-%s", who(i));
        ledger_entry_in a = decide(id, i == 20 ? LEDGER_KIND_VOID : LEDGER_KIND_POST, res.seq,
                                   "supervisor", 20260411);
        post_ok(t, &a);
        if (i == 20)
            continue;
        x.grants += GRANT;
        x.grant[i] += GRANT;
        int64_t tranche[2] = {GRANT_TRANCHE_1, GRANT - GRANT_TRANCHE_1};
        for (int k = 0; k < 2; k++) {
            snprintf(id, sizeof id, "grant-%s-tranche-%d", who(i), k + 1);
            ledger_entry_in d =
                op(id, LEDGER_OP_GRANT_DISBURSE, who(i), tranche[k], 20260415 + (uint32_t)k);
            post_ok(t, &d);
            x.grant[i] -= tranche[k];
            x.cash -= tranche[k];
        }
    }
    check_all(t, &x);

    /* January closed by the accountant, approved by the controller. */
    uint64_t req;
    assert_int_equal(
        ledger_period_close(t->l, T_PROGRAMME, "programme", "accountant", 20260131, &req),
        LEDGER_OK);
    assert_int_equal(
        ledger_period_decide(t->l, T_PROGRAMME, "programme", "controller", req, true, NULL),
        LEDGER_OK);
    uint32_t closed;
    uint64_t open_req;
    assert_int_equal(ledger_period_status(t->l, T_PROGRAMME, &closed, &open_req), LEDGER_OK);
    assert_int_equal(closed, 20260131);
    assert_int_equal(open_req, LEDGER_SEQ_NONE);
    ledger_entry_in late = op("late-wage", LEDGER_OP_WAGE, who(0), 45000, 20260120);
    assert_int_equal(post1(t, &late).err, LEDGER_PERIOD_CLOSED);
    check_all(t, &x);

    /* The tags: taken from the participant when posted. */
    ledger_entry e;
    uint64_t seq;
    assert_int_equal(ledger_entry_find(t->l, "mfi1", "W01:P010", &seq), LEDGER_OK);
    assert_int_equal(ledger_entry_get(t->l, seq, &e), LEDGER_OK);
    assert_string_equal(e.tags.participant, "P010");
    assert_int_equal(e.tags.phase, 1);
    assert_int_equal(e.tags.disability, LEDGER_DISABILITY_YES); /* "113111" */
    assert_int_equal(e.tags.sex, LEDGER_SEX_MALE);
    assert_int_equal(e.tags.age_band, ledger_age_band_at(1979, 20260105));
    assert_string_equal(e.tags.admin1, "Conakry");
    assert_string_equal(e.tags.cohort, "C2");
    assert_string_equal(e.tags.cso, "cso2");
    assert_int_equal(ledger_entry_find(t->l, "mfi1", "grant-P010-tranche-1", &seq), LEDGER_OK);
    assert_int_equal(ledger_entry_get(t->l, seq, &e), LEDGER_OK);
    assert_int_equal(e.tags.phase, 2);
}

/* ---- rejections: each changes nothing ---- */

static void refused(tl *t, const ledger_entry_in *e, int reason)
{
    tl_snapshot before;
    tl_snap(t, &before);
    ledger_result r = post1(t, e);
    if (r.err != reason)
        fprintf(stderr, "%s: got %s, want %s\n", e->client_id, ledger_err_name(r.err),
                ledger_err_name(reason));
    assert_int_equal(r.err, reason);
    assert_int_equal(r.seq, LEDGER_SEQ_NONE);
    tl_assert_unchanged(t, &before);
}

/* Three participants, funded, each with a week's wage. */
static void small_programme(tl *t)
{
    enrol_all(t, 3);
    ledger_entry_in f = op("fund", LEDGER_OP_FUNDING, NULL, 1000000, 20260102);
    post_ok(t, &f);
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "wage-%d", i);
        ledger_entry_in w = op(id, LEDGER_OP_WAGE, who(i), 100000, 20260105);
        post_ok(t, &w);
    }
}

static void test_rejections(void **state)
{
    tl *t = *state;
    small_programme(t); /* wallets 90,000, capital 10,000 */
    ledger_entry_in e;

    /* Locked capital (phase 1) and held capital (phase 2, hold on). */
    e = op("rel-1", LEDGER_OP_CAPITAL_RELEASE, who(0), 10000, 20260110);
    refused(t, &e, LEDGER_CAPITAL_LOCKED);
    set_phase(t, who(1), 2);
    set_hold(t, who(1), "death");
    e = op("rel-2", LEDGER_OP_CAPITAL_RELEASE, who(1), 10000, 20260110);
    refused(t, &e, LEDGER_CAPITAL_HELD);
    /* The hold also locks the capital account against plain transfers. */
    e = op("tr-held", LEDGER_OP_TRANSFER, NULL, 0, 20260110);
    e.legs_count = 2;
    e.legs[0] = (ledger_leg_in){"participant:P002:capital", LEDGER_DEBIT, 100};
    e.legs[1] = (ledger_leg_in){"participant:P002:wallet", LEDGER_CREDIT, 100};
    refused(t, &e, LEDGER_ACCOUNT_LOCKED);

    /* Overdrafts: wallet, grant, the MFI's cash. */
    e = op("pay-too-much", LEDGER_OP_PAYOUT, who(0), 90001, 20260110);
    refused(t, &e, LEDGER_INSUFFICIENT_FUNDS);
    e = op("disburse-nothing", LEDGER_OP_GRANT_DISBURSE, who(0), 1, 20260110);
    refused(t, &e, LEDGER_INSUFFICIENT_FUNDS);
    e = op("pay-from-mfi2", LEDGER_OP_PAYOUT, who(0), 100, 20260110);
    e.cash_partner = "mfi2";
    refused(t, &e, LEDGER_INSUFFICIENT_FUNDS);

    /* Unknown participant, wrong currency, unbalanced transfer. */
    e = op("wage-nobody", LEDGER_OP_WAGE, "P999", 1000, 20260110);
    refused(t, &e, LEDGER_UNKNOWN_PARTICIPANT);
    e = op("wage-usd", LEDGER_OP_WAGE, who(0), 1000, 20260110);
    e.currency = "USD";
    refused(t, &e, LEDGER_WRONG_CURRENCY);
    e = op("tr-unbalanced", LEDGER_OP_TRANSFER, NULL, 0, 20260110);
    e.legs_count = 2;
    e.legs[0] = (ledger_leg_in){"partner:mfi1:cash", LEDGER_DEBIT, 100};
    e.legs[1] = (ledger_leg_in){"programme:fund", LEDGER_CREDIT, 99};
    refused(t, &e, LEDGER_NOT_BALANCED);
    /* Legs sent with a typed operation must be the ones its rules give. */
    e = op("wage-legs", LEDGER_OP_WAGE, who(0), 0, 20260110);
    e.legs_count = 2;
    e.legs[0] = (ledger_leg_in){"programme:wages", LEDGER_DEBIT, 100};
    e.legs[1] = (ledger_leg_in){"participant:P001:wallet", LEDGER_CREDIT, 100};
    refused(t, &e, LEDGER_LEGS_MISMATCH);
    /* A run's line is known by "<run>:<participant>" and nothing else. */
    e = op("odd-id", LEDGER_OP_WAGE, who(0), 1000, 20260110);
    e.wage_run = "R9";
    refused(t, &e, LEDGER_INVALID_FIELD);
    e.client_id = "R9:P001";
    post_ok(t, &e);

    /* Grants: self-approval, second approval, disbursement above it, a
     * second request while one waits. */
    e = op("grant-1", LEDGER_OP_GRANT_COMMIT, who(0), 50000, 20260110);
    ledger_result g = post1(t, &e);
    assert_int_equal(g.err, LEDGER_OK);
    assert_true(g.awaiting);
    e = op("grant-1b", LEDGER_OP_GRANT_COMMIT, who(0), 20000, 20260110);
    refused(t, &e, LEDGER_REQUEST_PENDING);
    e = decide("grant-1-self", LEDGER_KIND_POST, g.seq, "clerk", 20260111);
    refused(t, &e, LEDGER_FOUR_EYES_VIOLATION);
    e = decide("grant-1-ok", LEDGER_KIND_POST, g.seq, "supervisor", 20260111);
    post_ok(t, &e);
    e = decide("grant-1-again", LEDGER_KIND_POST, g.seq, "controller", 20260111);
    refused(t, &e, LEDGER_PENDING_ALREADY_RESOLVED);
    e = op("disburse-1", LEDGER_OP_GRANT_DISBURSE, who(0), 30000, 20260112);
    post_ok(t, &e);
    e = op("disburse-2", LEDGER_OP_GRANT_DISBURSE, who(0), 20001, 20260112);
    refused(t, &e, LEDGER_INSUFFICIENT_FUNDS);

    /* Reversals: once. */
    uint64_t w2;
    assert_int_equal(ledger_entry_find(t->l, "mfi1", "wage-2", &w2), LEDGER_OK);
    e = decide("rev-1", LEDGER_KIND_REVERSAL, w2, "clerk", 20260112);
    post_ok(t, &e);
    e = decide("rev-2", LEDGER_KIND_REVERSAL, w2, "clerk", 20260112);
    refused(t, &e, LEDGER_ALREADY_REVERSED);

    /* A closed period. */
    uint64_t req;
    assert_int_equal(
        ledger_period_close(t->l, T_PROGRAMME, "programme", "accountant", 20260107, &req),
        LEDGER_OK);
    tl_snapshot before;
    tl_snap(t, &before);
    assert_int_equal(
        ledger_period_decide(t->l, T_PROGRAMME, "programme", "accountant", req, true, NULL),
        LEDGER_FOUR_EYES_VIOLATION);
    tl_assert_unchanged(t, &before);
    assert_int_equal(
        ledger_period_close(t->l, T_PROGRAMME, "programme", "accountant", 20260108, NULL),
        LEDGER_REQUEST_PENDING);
    assert_int_equal(
        ledger_period_decide(t->l, T_PROGRAMME, "programme", "controller", req, true, NULL),
        LEDGER_OK);
    e = op("wage-closed", LEDGER_OP_WAGE, who(0), 1000, 20260107);
    refused(t, &e, LEDGER_PERIOD_CLOSED);
    e = op("wage-open", LEDGER_OP_WAGE, who(0), 1000, 20260108);
    post_ok(t, &e);
}

static void test_duplicate_person(void **state)
{
    tl *t = *state;
    enrol_all(t, 3);
    tl_snapshot before;
    tl_snap(t, &before);
    ledger_enrolment rows[2] = {person(1), person(5)};
    ledger_enrol_result res[2];
    /* Same id as P002; and P006 under a new id but P002's name, year and
     * place (spelled with other case and spacing). */
    snprintf(rows[1].p.id, sizeof rows[1].p.id, "P900");
    snprintf(rows[1].p.name, sizeof rows[1].p.name, "PARTICIPANT  numéro 2");
    rows[1].p.birth_year = rows[0].p.birth_year;
    snprintf(rows[1].p.admin1, sizeof rows[1].p.admin1, "%s", rows[0].p.admin1);
    snprintf(rows[1].p.admin2, sizeof rows[1].p.admin2, "%s", rows[0].p.admin2);
    assert_int_equal(
        ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", rows, 2, false, res),
        LEDGER_OK);
    assert_int_equal(res[0].err, LEDGER_PARTICIPANT_EXISTS);
    assert_int_equal(res[1].err, LEDGER_DUPLICATE_PERSON);
    assert_string_equal(res[1].duplicate_of, "P002");
    tl_assert_unchanged(t, &before);
    ledger_participant p;
    assert_int_equal(ledger_participant_get(t->l, T_PROGRAMME, "P900", false, &p),
                     LEDGER_UNKNOWN_PARTICIPANT);

    /* Confirmed as someone else: enrolled, and the confirmation is in the
     * leaf. */
    rows[1].confirm_distinct_from = "P002";
    assert_int_equal(ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", &rows[1],
                                               1, true, res),
                     LEDGER_OK);
    assert_int_equal(res[0].err, LEDGER_OK);
    uint8_t leaf[2048];
    size_t len;
    assert_int_equal(ledger_leaf_get(t->l, res[0].seq, leaf, sizeof leaf, &len), LEDGER_OK);
    assert_non_null(bytes_find(leaf, len, "P002"));
    /* No personal data in the journal. */
    assert_null(bytes_find(leaf, len, "numéro"));
    assert_int_equal(ledger_participant_get(t->l, T_PROGRAMME, "P900", true, &p), LEDGER_OK);
    assert_string_equal(p.name, "PARTICIPANT  numéro 2");

    /* An atomic enrolment with one bad row enrols nobody. */
    ledger_enrolment batch[2] = {person(10), person(11)};
    batch[1].p.phase = 4;
    tl_snap(t, &before);
    assert_int_equal(
        ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", batch, 2, true, res),
        LEDGER_OK);
    assert_int_equal(res[0].err, LEDGER_LINKED_ENTRY_FAILED);
    assert_int_equal(res[1].err, LEDGER_INVALID_FIELD);
    tl_assert_unchanged(t, &before);
}

static void test_erase_personal_data(void **state)
{
    tl *t = *state;
    small_programme(t);
    ledger_participant p;
    assert_int_equal(ledger_participant_get(t->l, T_PROGRAMME, "P002", true, &p), LEDGER_OK);
    assert_string_equal(p.name, "Participant Numéro 2");
    assert_string_equal(p.phone, "+224 620 000001");
    assert_int_equal(ledger_participant_erase(t->l, T_PROGRAMME, "programme", "dpo", "P002"),
                     LEDGER_OK);
    assert_int_equal(ledger_participant_erase(t->l, T_PROGRAMME, "programme", "dpo", "P002"),
                     LEDGER_OK);
    assert_int_equal(ledger_participant_get(t->l, T_PROGRAMME, "P002", true, &p), LEDGER_OK);
    assert_true(p.erased);
    assert_string_equal(p.name, "");
    assert_string_equal(p.phone, "");
    /* The money history stays, and so does verification (teardown). */
    assert_int_equal(bal(t, "P002", "wallet"), 90000);
    p.phase = 1;
    snprintf(p.name, sizeof p.name, "New Name");
    assert_int_equal(ledger_participant_update(t->l, T_PROGRAMME, "cso1", "officer", &p,
                                               LEDGER_CHANGE_CONTACT),
                     LEDGER_PARTICIPANT_ERASED);
    /* The look-alike index forgot them: the same person may enrol anew. */
    ledger_enrolment again = person(1);
    snprintf(again.p.id, sizeof again.p.id, "P902");
    ledger_enrol_result res;
    assert_int_equal(
        ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", &again, 1, true, &res),
        LEDGER_OK);
    assert_int_equal(res.err, LEDGER_OK);
    /* Reopened, the erased record reads the same. */
    tl_reopen(t);
    assert_int_equal(ledger_participant_get(t->l, T_PROGRAMME, "P002", true, &p), LEDGER_OK);
    assert_true(p.erased);
    assert_string_equal(p.name, "");
}

static void test_phases_holds_and_settings(void **state)
{
    tl *t = *state;
    small_programme(t);
    ledger_account_info info;
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P001:capital", &info),
                     LEDGER_OK);
    assert_true(info.flags & LEDGER_FLAG_LOCKED);
    set_phase(t, who(0), 2);
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P001:capital", &info),
                     LEDGER_OK);
    assert_false(info.flags & LEDGER_FLAG_LOCKED);
    /* Phases only move forward. */
    ledger_participant p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "P001");
    p.phase = 1;
    assert_int_equal(ledger_participant_update(t->l, T_PROGRAMME, "cso1", "officer", &p,
                                               LEDGER_CHANGE_PHASE),
                     LEDGER_INVALID_FIELD);
    /* A hold locks, lifting it unlocks. */
    set_hold(t, who(0), "investigation");
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P001:capital", &info),
                     LEDGER_OK);
    assert_true(info.flags & LEDGER_FLAG_LOCKED);
    set_hold(t, who(0), "");
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P001:capital", &info),
                     LEDGER_OK);
    assert_false(info.flags & LEDGER_FLAG_LOCKED);

    /* Settings: unlock from phase 3 relocks P001; the change is a leaf. */
    ledger_settings s;
    assert_int_equal(ledger_settings_get(t->l, T_PROGRAMME, &s), LEDGER_OK);
    assert_int_equal(s.capital_rate_bp, RATE_BP);
    uint64_t size = tl_tree_size(t);
    s.unlock_phase = 3;
    s.approval_above[LEDGER_OP_PAYOUT] = 50000;
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_OK);
    assert_true(tl_tree_size(t) > size + 1);
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P001:capital", &info),
                     LEDGER_OK);
    assert_true(info.flags & LEDGER_FLAG_LOCKED);
    s.capital_rate_bp = 10001;
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_INVALID_FIELD);
    ledger_settings_default(&s);
    s.approval_above[LEDGER_OP_GRANT_COMMIT] = 5;
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_INVALID_FIELD);

    /* A payout above the threshold waits for approval; below, it does not. */
    ledger_entry_in e = op("pay-small", LEDGER_OP_PAYOUT, who(0), 50000, 20260110);
    ledger_result r = post1(t, &e);
    assert_int_equal(r.err, LEDGER_OK);
    assert_false(r.awaiting);
    e = op("pay-big", LEDGER_OP_PAYOUT, who(0), 40001, 20260110);
    e.amount = 40000;
    e.client_id = "pay-big";
    r = post1(t, &e);
    assert_false(r.awaiting);
    e = op("pay-bigger", LEDGER_OP_PAYOUT, who(1), 50001, 20260110);
    r = post1(t, &e);
    assert_int_equal(r.err, LEDGER_OK);
    assert_true(r.awaiting);
    /* Reserved: the wallet cannot pay it twice. */
    assert_int_equal(bal(t, "P002", "wallet"), 90000);
    e = op("pay-rest", LEDGER_OP_PAYOUT, who(1), 40000, 20260110);
    assert_int_equal(post1(t, &e).err, LEDGER_INSUFFICIENT_FUNDS);
    /* A retry of the request returns it, still awaiting. */
    e = op("pay-bigger", LEDGER_OP_PAYOUT, who(1), 50001, 20260110);
    r = post1(t, &e);
    assert_int_equal(r.err, LEDGER_EXISTS);
    assert_true(r.awaiting);
}

static void test_deliveries_refused_whole(void **state)
{
    tl *t = *state;
    enrol_all(t, 4);
    ledger_entry_in f = op("fund", LEDGER_OP_FUNDING, NULL, 1000000, 20260102);
    post_ok(t, &f);
    ledger_entry_in lines[3];
    ledger_result res[4];
    for (int i = 0; i < 3; i++) {
        lines[i] = op(NULL, LEDGER_OP_WAGE, who(i), 10000, 20260105);
        lines[i].wage_run = "R1";
    }
    assert_int_equal(ledger_post(t->l, lines, 3, true, res, NULL), LEDGER_OK);
    /* net wage 9,000 each */
    ledger_delivery_report rep;
    tl_snapshot before;
    tl_snap(t, &before);
    struct {
        ledger_delivery_in d[3];
        size_t n;
        int want;
    } bad[] = {
        {{{"P001", LEDGER_DELIVERY_DELIVERED, 9000, "m1"},
          {"P001", LEDGER_DELIVERY_FAILED, 0, ""}},
         2,
         LEDGER_DELIVERY_CONTRADICTS},
        {{{"P001", LEDGER_DELIVERY_DELIVERED, 8000, "m1"}}, 1, LEDGER_DELIVERY_CONTRADICTS},
        {{{"P001", LEDGER_DELIVERY_PARTIAL, 9000, "m1"}}, 1, LEDGER_DELIVERY_CONTRADICTS},
        {{{"P001", LEDGER_DELIVERY_FAILED, 5, "m1"}}, 1, LEDGER_DELIVERY_CONTRADICTS},
        {{{"P002", LEDGER_DELIVERY_DELIVERED, 9000, "m1"},
          {"P004", LEDGER_DELIVERY_DELIVERED, 9000, "m2"}},
         2,
         LEDGER_DELIVERY_UNMATCHED},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                                  20260109, bad[k].d, bad[k].n, res, &rep),
                         bad[k].want);
        assert_true(rep.refused >= 1);
        tl_assert_unchanged(t, &before);
    }
    /* A sound import; again the same way: nothing twice; then another
     * amount for a paid line: refused. */
    ledger_delivery_in good[2] = {{"P001", LEDGER_DELIVERY_DELIVERED, 9000, "m1"},
                                  {"P002", LEDGER_DELIVERY_PARTIAL, 4000, "m2"}};
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                              20260109, good, 2, res, &rep),
                     LEDGER_OK);
    assert_int_equal(rep.lines_run, 3);
    assert_int_equal(rep.paid, 2);
    assert_int_equal(rep.unreported, 1);
    assert_int_equal(bal(t, "P001", "wallet"), 0);
    assert_int_equal(bal(t, "P002", "wallet"), 5000);
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                              20260109, good, 2, res, &rep),
                     LEDGER_OK);
    assert_int_equal(res[0].err, LEDGER_EXISTS);
    assert_int_equal(bal(t, "P002", "wallet"), 5000);
    tl_snap(t, &before);
    good[1].amount = 4500;
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                              20260109, good, 2, res, &rep),
                     LEDGER_DELIVERY_CONTRADICTS);
    assert_int_equal(res[1].err, LEDGER_DELIVERY_CONTRADICTS);
    tl_assert_unchanged(t, &before);
    /* A failed line reported later as delivered is paid. */
    ledger_delivery_in late[1] = {{"P003", LEDGER_DELIVERY_FAILED, 0, ""}};
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                              20260109, late, 1, res, &rep),
                     LEDGER_OK);
    assert_int_equal(rep.failed, 1);
    late[0] = (ledger_delivery_in){"P003", LEDGER_DELIVERY_DELIVERED, 9000, "m3"};
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "R1",
                                              20260110, late, 1, res, &rep),
                     LEDGER_OK);
    assert_int_equal(bal(t, "P003", "wallet"), 0);
}

/* Regressions: an approved wage belongs to its run; a re-post of a
 * decided request does not say it awaits; run names have a limit. */
static void test_approved_wage_in_run(void **state)
{
    tl *t = *state;
    enrol_all(t, 2);
    ledger_settings s;
    assert_int_equal(ledger_settings_get(t->l, T_PROGRAMME, &s), LEDGER_OK);
    s.approval_above[LEDGER_OP_WAGE] = 100000;
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_OK);
    ledger_entry_in f = op("fund", LEDGER_OP_FUNDING, NULL, 1000000, 20260102);
    post_ok(t, &f);
    ledger_entry_in w = op(NULL, LEDGER_OP_WAGE, who(1), 150000, 20260105);
    w.wage_run = "w46";
    ledger_result r = post1(t, &w);
    assert_int_equal(r.err, LEDGER_OK);
    assert_true(r.awaiting);
    ledger_result again = post1(t, &w);
    assert_int_equal(again.err, LEDGER_EXISTS);
    assert_true(again.awaiting);
    ledger_entry_in a = decide("ok-w46", LEDGER_KIND_POST, r.seq, "supervisor", 20260106);
    post_ok(t, &a);
    again = post1(t, &w);
    assert_int_equal(again.err, LEDGER_EXISTS);
    assert_false(again.awaiting);
    ledger_delivery_in d = {who(1), LEDGER_DELIVERY_PARTIAL, 100000, "m1"};
    ledger_delivery_report rep;
    ledger_result res;
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "w46",
                                              20260109, &d, 1, &res, &rep),
                     LEDGER_OK);
    assert_int_equal(rep.lines_run, 1);
    assert_int_equal(bal(t, who(1), "wallet"), 135000 - 100000);
    /* A run name one byte over the limit is refused when posted. */
    char run[LEDGER_WAGE_RUN_MAX + 2];
    memset(run, 'r', sizeof run - 1);
    run[sizeof run - 1] = '\0';
    w = op(NULL, LEDGER_OP_WAGE, who(0), 1000, 20260105);
    w.wage_run = run;
    assert_int_equal(post1(t, &w).err, LEDGER_INVALID_FIELD);
    run[LEDGER_WAGE_RUN_MAX] = '\0';
    assert_int_equal(post1(t, &w).err, LEDGER_OK);
}

/* Regressions: a reversed wage leaves its run; a decision takes the op of
 * what it decides; a closure decision names its leaf. */
static void test_reversed_wage_and_decisions(void **state)
{
    tl *t = *state;
    enrol_all(t, 1);
    ledger_entry_in f = op("fund", LEDGER_OP_FUNDING, NULL, 1000000, 20260102);
    post_ok(t, &f);
    ledger_entry_in w = op(NULL, LEDGER_OP_WAGE, who(0), 10000, 20260105);
    w.wage_run = "W1";
    uint64_t wage = post_ok(t, &w);
    ledger_entry_in rev = decide("rev-W1-P001", LEDGER_KIND_REVERSAL, wage, "clerk", 20260106);
    post_ok(t, &rev);
    ledger_entry_in other = op("other-wage", LEDGER_OP_WAGE, who(0), 20000, 20260106);
    post_ok(t, &other);
    ledger_delivery_in d = {who(0), LEDGER_DELIVERY_DELIVERED, 9000, "m1"};
    ledger_delivery_report rep;
    ledger_result res;
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "W1",
                                              20260109, &d, 1, &res, &rep),
                     LEDGER_DELIVERY_UNMATCHED);
    assert_true(rep.examined);
    assert_int_equal(rep.lines_run, 0);
    assert_int_equal(bal(t, who(0), "wallet"), 18000);
    /* A call error says the lines were not examined. */
    assert_int_equal(ledger_deliveries_import(t->l, T_PROGRAMME, "mfi1", "import", "W:1",
                                              20260109, &d, 1, &res, &rep),
                     LEDGER_INVALID_FIELD);
    assert_false(rep.examined);

    /* An approval sent as a "transfer" is recorded as what it approves. */
    ledger_entry_in g = op("grant", LEDGER_OP_GRANT_COMMIT, who(0), 5000, 20260110);
    ledger_result gr = post1(t, &g);
    ledger_entry_in a = decide("grant-ok", LEDGER_KIND_POST, gr.seq, "supervisor", 20260111);
    assert_int_equal(a.op, LEDGER_OP_TRANSFER);
    uint64_t aseq = post_ok(t, &a);
    ledger_entry e;
    assert_int_equal(ledger_entry_get(t->l, aseq, &e), LEDGER_OK);
    assert_int_equal(e.op, LEDGER_OP_GRANT_COMMIT);
    assert_int_equal(post1(t, &a).err, LEDGER_EXISTS); /* and a retry matches it */

    uint64_t req, dec = 0;
    assert_int_equal(
        ledger_period_close(t->l, T_PROGRAMME, "programme", "accountant", 20260104, &req),
        LEDGER_OK);
    assert_int_equal(
        ledger_period_decide(t->l, T_PROGRAMME, "programme", "controller", req, false, &dec),
        LEDGER_OK);
    assert_true(dec > req);
    uint8_t leaf[256];
    size_t len;
    assert_int_equal(ledger_leaf_get(t->l, dec, leaf, sizeof leaf, &len), LEDGER_OK);
    assert_int_equal(leaf[0], 9); /* a closure leaf: the cancellation */
}

/* Rewrites one "domain" record behind the library's back: byte `at` of
 * the value XOR `mask`, or the value deleted when mask is 0. */
static void domain_patch(tl *t, const void *key, size_t key_len, size_t at, uint8_t mask)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {key_len, (void *)key}, v;
    uint8_t rec[4096];
    ledger_close(t->l);
    t->l = NULL;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    assert_int_equal(mdb_env_open(env, t->dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "domain", 0, &dbi), 0);
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    if (mask == 0) {
        assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    } else {
        assert_true(v.mv_size <= sizeof rec && at < v.mv_size);
        memcpy(rec, v.mv_data, v.mv_size);
        rec[at] ^= mask;
        v.mv_data = rec;
        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    tl_reopen(t);
}

static void expect_verify_fails(tl *t, const char *why)
{
    ledger_verify_report r;
    assert_int_equal(ledger_verify(t->l, NULL, &r), LEDGER_VERIFY_FAILED);
    if (strstr(r.first_error, why) == NULL)
        fprintf(stderr, "verify said: %s\n", r.first_error);
    assert_non_null(strstr(r.first_error, why));
}

static void test_verify_catches_domain_tampering(void **state)
{
    tl *t = *state;
    small_programme(t);
    set_phase(t, who(0), 3);
    ledger_entry_in e = op("grant-req", LEDGER_OP_GRANT_COMMIT, who(0), 1000, 20260110);
    assert_true(post1(t, &e).awaiting);
    ledger_verify_report r;
    assert_int_equal(ledger_verify(t->l, NULL, &r), LEDGER_OK);

    /* A participant's phase. */
    uint8_t key[64] = {0, 0, 0, 1, 'P', 'P', '0', '0', '1'};
    domain_patch(t, key, 9, offsetof(ledger_participant, phase), 0x01);
    expect_verify_fails(t, "participant P001: stored record differs");
    domain_patch(t, key, 9, offsetof(ledger_participant, phase), 0x01);
    assert_int_equal(ledger_verify(t->l, NULL, &r), LEDGER_OK);

    /* The settings' capital rate. */
    uint8_t skey[5] = {0, 0, 0, 1, 'S'};
    domain_patch(t, skey, 5, offsetof(ledger_settings, capital_rate_bp), 0x02);
    expect_verify_fails(t, "stored settings differ");
    domain_patch(t, skey, 5, offsetof(ledger_settings, capital_rate_bp), 0x02);

    /* The open request of the grant, dropped: a second could be made. */
    uint8_t rkey[64] = {0, 0, 0, 1, 'R', 2, 'P', '0', '0', '1'};
    domain_patch(t, rkey, 10, 0, 0);
    expect_verify_fails(t, "open request");
    /* Put the ledger back for the teardown's verify: a fresh one. */
    tl_teardown(t);
    tl_setup(t, "GNF", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scenario_three_phases, setup,
                                        tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_rejections, setup, tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_duplicate_person, setup, tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_erase_personal_data, setup, tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_phases_holds_and_settings, setup,
                                        tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_deliveries_refused_whole, setup,
                                        tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_approved_wage_in_run, setup, tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_reversed_wage_and_decisions, setup,
                                        tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_verify_catches_domain_tampering, setup,
                                        tl_teardown_verified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
