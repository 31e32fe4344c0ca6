/*
 * test_model.c — randomized commits checked against a model the test keeps
 * itself.
 *
 * Each round commits 1-3 requests (some all-or-nothing) of 1-6 entries of
 * every kind: posted entries of 2-3 legs between accounts of every type,
 * pending entries, posts and voids of known pending ones, reversals of known
 * posted ones, retries of earlier client ids, and amounts that sometimes
 * overdraw. The ledger decides; the model then applies what it accepted,
 * from the ledger's own record of each entry, and checks after every
 * commit: every account's posted and pending totals and line count, the
 * no-overdraft rule, that each insufficient_funds refusal would indeed have
 * overdrawn, that a retry returns the original seq, and how far the tree
 * grew. At the end: balances as of every commit's tree size, full
 * statements with random page sizes, and verify.
 */
#include "tests/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M_ACCOUNTS 8
#define M_ROUNDS 250
#define M_SEEDS 4
#define M_ENTRIES_MAX 6
#define M_REQUESTS_MAX 3
#define M_SEQ_MAX 8192    /* leaves in one run, well above what it makes */
#define M_COMMITS_MAX 512 /* commits in one run */
#define M_IDS_MAX 4096    /* client ids in one run */

static const char *const codes[M_ACCOUNTS] = {
    "partner:mfi1:cash",     "participant:p1:wallet", "participant:p2:wallet",
    "participant:p3:wallet", "programme:fund",        "programme:wages",
    "group:g1:cash",         "group:g1:member:p1",
};
static const bool debit_normal[M_ACCOUNTS] = {true,  false, false, false,
                                              false, true,  true,  false};
static const bool no_overdraft[M_ACCOUNTS] = {true, true, true, true, false, false, true, true};

typedef struct m_account {
    int64_t dp, cp, dpend, cpend; /* debits and credits, posted and pending */
    uint64_t lines;
} m_account;

typedef struct m_line {
    uint64_t seq;
    int64_t balance_after;
} m_line;

typedef struct model {
    m_account acct[M_ACCOUNTS];
    uint8_t kind_of[M_SEQ_MAX]; /* 0: not an entry */
    bool resolved[M_SEQ_MAX];
    m_line *lines[M_ACCOUNTS];
    size_t lines_count[M_ACCOUNTS];
    uint64_t commit_size[M_COMMITS_MAX];
    int64_t commit_balance[M_COMMITS_MAX][M_ACCOUNTS];
    size_t commits;
    char ids[M_IDS_MAX][16];
    uint64_t id_seq[M_IDS_MAX];
    size_t ids_count;
    uint64_t rng;
} model;

static uint32_t rnd(model *m, uint32_t n)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return (uint32_t)(m->rng % n);
}

static int code_index(const char *code)
{
    for (int i = 0; i < M_ACCOUNTS; i++) {
        if (strcmp(code, codes[i]) == 0)
            return i;
    }
    fail_msg("unknown code %s", code);
    return -1;
}

static int64_t m_balance(const m_account *a, int i)
{
    return debit_normal[i] ? a->dp - a->cp : a->cp - a->dp;
}

static bool m_overdrawn(const m_account *a, int i)
{
    if (!no_overdraft[i])
        return false;
    int64_t out = debit_normal[i] ? a->cp + a->cpend : a->dp + a->dpend;
    int64_t in = debit_normal[i] ? a->dp : a->cp;
    return out > in;
}

/* Applies legs of `kind` to a copy of the accounts; the copy is returned in
 * `out`. */
static void m_apply(const m_account in[M_ACCOUNTS], m_account out[M_ACCOUNTS],
                    const ledger_entry *e)
{
    memcpy(out, in, sizeof(m_account) * M_ACCOUNTS);
    for (uint32_t k = 0; k < e->legs_count; k++) {
        m_account *a = &out[code_index(e->legs[k].account)];
        bool debit = e->legs[k].side == LEDGER_DEBIT;
        int64_t x = e->legs[k].amount;
        switch (e->kind) {
        case LEDGER_KIND_POSTED:
        case LEDGER_KIND_REVERSAL:
            *(debit ? &a->dp : &a->cp) += x;
            a->lines++;
            break;
        case LEDGER_KIND_PENDING:
            *(debit ? &a->dpend : &a->cpend) += x;
            break;
        case LEDGER_KIND_POST:
            *(debit ? &a->dpend : &a->cpend) -= x;
            *(debit ? &a->dp : &a->cp) += x;
            a->lines++;
            break;
        case LEDGER_KIND_VOID:
            *(debit ? &a->dpend : &a->cpend) -= x;
            break;
        }
    }
}

static void m_commit_accepted(model *m, uint64_t seq, const ledger_entry *e)
{
    m_account next[M_ACCOUNTS];
    assert_true(seq < M_SEQ_MAX);
    m_apply(m->acct, next, e);
    memcpy(m->acct, next, sizeof next);
    m->kind_of[seq] = (uint8_t)e->kind;
    if (e->ref != LEDGER_SEQ_NONE) {
        assert_false(m->resolved[e->ref]); /* resolved or reversed once */
        m->resolved[e->ref] = true;
    }
    bool line = e->kind == LEDGER_KIND_POSTED || e->kind == LEDGER_KIND_POST ||
                e->kind == LEDGER_KIND_REVERSAL;
    for (uint32_t k = 0; line && k < e->legs_count; k++) {
        int i = code_index(e->legs[k].account);
        m->lines[i] = realloc(m->lines[i], (m->lines_count[i] + 1) * sizeof(m_line));
        assert_non_null(m->lines[i]);
        m->lines[i][m->lines_count[i]++] = (m_line){seq, m_balance(&m->acct[i], i)};
        assert_int_equal(e->legs[k].balance_after, m_balance(&m->acct[i], i));
    }
}

/* A random seq of the given kinds the model knows, not yet resolved. */
static uint64_t m_pick(model *m, uint64_t size, bool pending)
{
    for (int tries = 0; tries < 40 && size > 0; tries++) {
        uint64_t s = rnd(m, (uint32_t)size);
        uint8_t k = m->kind_of[s];
        bool fits = pending ? k == LEDGER_KIND_PENDING
                            : (k == LEDGER_KIND_POSTED || k == LEDGER_KIND_POST ||
                               k == LEDGER_KIND_REVERSAL);
        if (fits && !m->resolved[s])
            return s;
    }
    return 0;
}

/* The same entry again, rebuilt from the ledger's record of it: a retry. */
static void entry_retry(tl *t, model *m, ledger_entry_in *e, char *id)
{
    size_t j = rnd(m, (uint32_t)m->ids_count);
    ledger_entry old;
    assert_int_equal(ledger_entry_get(t->l, m->id_seq[j], &old), LEDGER_OK);
    memcpy(id, m->ids[j], 16);
    *e = tl_transfer(id, codes[0], codes[1], 1);
    e->kind = old.kind;
    e->value_date = old.value_date;
    if (old.ref != LEDGER_SEQ_NONE) {
        e->ref = old.ref;
        e->legs_count = 0; /* from the reference, as first sent */
        return;
    }
    e->legs_count = old.legs_count;
    for (uint32_t k = 0; k < old.legs_count; k++)
        e->legs[k] = (ledger_leg_in){codes[code_index(old.legs[k].account)], old.legs[k].side,
                                     old.legs[k].amount};
}

static void entry_random(tl *t, model *m, ledger_entry_in *e, char *id, uint64_t size)
{
    uint32_t roll = rnd(m, 100);
    if (m->ids_count > 0 && roll < 8) {
        entry_retry(t, m, e, id);
        return;
    }
    if (m->ids_count > 0 && roll < 12) /* an earlier id for another entry */
        memcpy(id, m->ids[rnd(m, (uint32_t)m->ids_count)], 16);
    else
        snprintf(id, 16, "m%zu", m->ids_count + rnd(m, 1000000) * M_IDS_MAX);
    int a = (int)rnd(m, M_ACCOUNTS), b = (int)rnd(m, M_ACCOUNTS - 1);
    if (b >= a)
        b++;
    *e = tl_transfer(id, codes[a], codes[b], 1 + rnd(m, 3000));
    if (roll < 27) {
        e->kind = LEDGER_KIND_PENDING;
    } else if (roll < 42) {
        e->kind = rnd(m, 2) ? LEDGER_KIND_POST : LEDGER_KIND_VOID;
        e->ref = m_pick(m, size, true);
        e->legs_count = 0;
    } else if (roll < 52) {
        e->kind = LEDGER_KIND_REVERSAL;
        e->ref = m_pick(m, size, false);
        e->legs_count = 0;
    } else if (roll < 67) { /* three legs: one debit split in two credits */
        int c = (int)rnd(m, M_ACCOUNTS);
        if (c != a && c != b && e->legs[0].amount > 1) {
            int64_t half = e->legs[0].amount / 2;
            e->legs[1].amount -= half;
            e->legs[2] = (ledger_leg_in){codes[c], LEDGER_CREDIT, half};
            e->legs_count = 3;
        }
    }
}

static void check_accounts(tl *t, const model *m)
{
    for (int i = 0; i < M_ACCOUNTS; i++) {
        ledger_account_info info;
        const m_account *a = &m->acct[i];
        assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, codes[i], &info), LEDGER_OK);
        assert_int_equal(info.debits_posted, a->dp);
        assert_int_equal(info.credits_posted, a->cp);
        assert_int_equal(info.debits_pending, a->dpend);
        assert_int_equal(info.credits_pending, a->cpend);
        assert_int_equal(info.lines_count, a->lines);
        assert_false(m_overdrawn(a, i));
    }
}

/* Before the results of a request are applied: an insufficient_funds
 * refusal must be one the model agrees would overdraw. */
static void check_refusal(tl *t, const model *m, const ledger_entry_in *in)
{
    ledger_entry e;
    memset(&e, 0, sizeof e);
    e.kind = in->kind;
    e.legs_count = in->legs_count;
    if (in->legs_count == 0) { /* post or void: the legs of the pending one */
        ledger_entry ref;
        assert_int_equal(ledger_entry_get(t->l, in->ref, &ref), LEDGER_OK);
        e.legs_count = ref.legs_count;
        memcpy(e.legs, ref.legs, sizeof ref.legs);
        if (in->kind == LEDGER_KIND_REVERSAL) {
            for (uint32_t k = 0; k < e.legs_count; k++)
                e.legs[k].side = e.legs[k].side == LEDGER_DEBIT ? LEDGER_CREDIT : LEDGER_DEBIT;
        }
    } else {
        for (uint32_t k = 0; k < in->legs_count; k++) {
            snprintf(e.legs[k].account, sizeof e.legs[k].account, "%s", in->legs[k].account);
            e.legs[k].side = in->legs[k].side;
            e.legs[k].amount = in->legs[k].amount;
        }
    }
    m_account after[M_ACCOUNTS];
    m_apply(m->acct, after, &e);
    bool overdraws = false;
    for (int i = 0; i < M_ACCOUNTS; i++)
        overdraws = overdraws || m_overdrawn(&after[i], i);
    assert_true(overdraws);
}

static void one_round(tl *t, model *m)
{
    ledger_entry_in es[M_REQUESTS_MAX][M_ENTRIES_MAX];
    ledger_result rs[M_REQUESTS_MAX][M_ENTRIES_MAX];
    char ids[M_REQUESTS_MAX][M_ENTRIES_MAX][16];
    ledger_request reqs[M_REQUESTS_MAX];
    ledger_commit_info info;
    uint64_t size = tl_tree_size(t);
    uint32_t nreq = 1 + rnd(m, M_REQUESTS_MAX);
    if (rnd(m, 5) == 0)
        t->now += 86400 * (1 + rnd(m, 2));
    for (uint32_t r = 0; r < nreq; r++) {
        uint32_t n = 1 + rnd(m, M_ENTRIES_MAX);
        for (uint32_t i = 0; i < n; i++)
            entry_random(t, m, &es[r][i], ids[r][i], size);
        reqs[r] = (ledger_request){es[r], n, rnd(m, 5) == 0, rs[r]};
    }
    assert_int_equal(ledger_commit(t->l, reqs, nreq, &info), LEDGER_OK);
    uint64_t accepted = 0;
    for (uint32_t r = 0; r < nreq; r++) {
        for (uint32_t i = 0; i < reqs[r].entries_count; i++) {
            const ledger_result *res = &rs[r][i];
            ledger_entry e;
            if (res->err == LEDGER_OK) {
                assert_int_equal(ledger_entry_get(t->l, res->seq, &e), LEDGER_OK);
                assert_string_equal(e.client_id, ids[r][i]);
                m_commit_accepted(m, res->seq, &e);
                assert_true(m->ids_count < M_IDS_MAX);
                memcpy(m->ids[m->ids_count], ids[r][i], 16);
                m->id_seq[m->ids_count++] = res->seq;
                accepted++;
            } else if (res->err == LEDGER_EXISTS) {
                bool known = false;
                for (size_t j = 0; j < m->ids_count; j++)
                    known = known ||
                            (strcmp(m->ids[j], ids[r][i]) == 0 && m->id_seq[j] == res->seq);
                assert_true(known);
            } else if (res->err == LEDGER_INSUFFICIENT_FUNDS && !reqs[r].atomic) {
                check_refusal(t, m, &es[r][i]);
            }
        }
    }
    /* One header leaf when anything was accepted, then the entries. */
    assert_int_equal(info.tree_size, accepted > 0 ? size + 1 + accepted : size);
    check_accounts(t, m);
    assert_true(m->commits < M_COMMITS_MAX);
    m->commit_size[m->commits] = info.tree_size;
    for (int i = 0; i < M_ACCOUNTS; i++)
        m->commit_balance[m->commits][i] = m_balance(&m->acct[i], i);
    m->commits++;
}

static void check_history(tl *t, model *m)
{
    for (size_t c = 0; c < m->commits; c += 1 + rnd(m, 4)) {
        ledger_as_of at = {m->commit_size[c], 0};
        for (int i = 0; i < M_ACCOUNTS; i++) {
            int64_t b;
            assert_int_equal(ledger_balance(t->l, T_PROGRAMME, codes[i], &at, &b), LEDGER_OK);
            assert_int_equal(b, m->commit_balance[c][i]);
        }
    }
    for (int i = 0; i < M_ACCOUNTS; i++) {
        uint32_t page = 1 + rnd(m, 70);
        ledger_line *lines = calloc(page, sizeof *lines);
        ledger_statement_query q = {T_PROGRAMME, codes[i], 0, 0, 0, page};
        size_t seen = 0;
        for (;;) {
            ledger_statement st;
            assert_int_equal(ledger_statement_get(t->l, &q, lines, &st), LEDGER_OK);
            assert_int_equal(st.lines_total, m->lines_count[i]);
            for (uint32_t k = 0; k < st.lines_count; k++, seen++) {
                assert_int_equal(lines[k].seq, m->lines[i][seen].seq);
                assert_int_equal(lines[k].balance_after, m->lines[i][seen].balance_after);
            }
            if (st.next_page_token == 0)
                break;
            q.page_token = st.next_page_token;
        }
        assert_int_equal(seen, m->lines_count[i]);
        free(lines);
    }
}

static void test_random_commits_against_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= M_SEEDS; seed++) {
        tl t;
        model *m = calloc(1, sizeof *m);
        assert_non_null(m);
        m->rng = 0x9E3779B97F4A7C15u * seed;
        tl_setup(&t, "GNF", 0);
        tl_open(&t, codes, 4);
        tl_open(&t, codes + 6, 2);
        /* Fund the MFI so that most entries can move money. */
        tl_fund(&t, "fund-0", 200000);
        ledger_entry e;
        uint64_t fund_seq;
        assert_int_equal(ledger_entry_find(t.l, "mfi1", "fund-0", &fund_seq), LEDGER_OK);
        assert_int_equal(ledger_entry_get(t.l, fund_seq, &e), LEDGER_OK);
        m_commit_accepted(m, fund_seq, &e);
        for (int round = 0; round < M_ROUNDS; round++)
            one_round(&t, m);
        check_history(&t, m);
        ledger_verify_report vr;
        int err = ledger_verify(t.l, NULL, &vr);
        if (err != LEDGER_OK)
            fail_msg("seed %llu: verify: %s", (unsigned long long)seed, vr.first_error);
        for (int i = 0; i < M_ACCOUNTS; i++)
            free(m->lines[i]);
        free(m);
        tl_teardown(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_commits_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
