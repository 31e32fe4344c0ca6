/*
 * test_history.c — account history: statements by date range across pages,
 * opening and closing balances, running balances, and balances as of a date
 * or a tree size, checked against a model the test keeps itself. Histories
 * span many sparse-index intervals (one key per 64 lines).
 */
#include "tests/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAYS 12
#define PER_DAY 37 /* lines of the watched account per day: not a multiple of 64 */

typedef struct model_line {
    uint64_t seq;
    int day;
    int64_t balance_after;
    int64_t amount;
    ledger_side side;
} model_line;

typedef struct model {
    model_line lines[DAYS * PER_DAY * 2];
    size_t count;
    uint64_t tree_size_end_of_day[DAYS];
} model;

static const char *const accounts[] = {"partner:mfi1:cash", "participant:P1:wallet",
                                       "participant:P2:wallet"};

/* Posts DAYS days of wages to P1 and payouts from P1, interleaved with
 * entries of other accounts, recording P1's lines in the model. */
static void build(tl *t, model *m)
{
    char id[64];
    int64_t balance = 0;
    memset(m, 0, sizeof *m);
    tl_fund(t, "fund", 100000000);
    for (int day = 0; day < DAYS; day++) {
        t->now = tl_day(day);
        for (int i = 0; i < PER_DAY; i++) {
            ledger_entry_in es[3];
            ledger_result r[3];
            int64_t amount = 1000 + day * 10 + i;
            snprintf(id, sizeof id, "w-%d-%d", day, i);
            es[0] = tl_transfer(strdup(id), "programme:wages", "participant:P1:wallet", amount);
            snprintf(id, sizeof id, "o-%d-%d", day, i);
            es[1] = tl_transfer(strdup(id), "programme:wages", "participant:P2:wallet", 7);
            bool payout = (i % 3 == 2);
            snprintf(id, sizeof id, "p-%d-%d", day, i);
            es[2] = tl_transfer(strdup(id), "participant:P1:wallet", "partner:mfi1:cash", 1500);
            uint32_t n = payout ? 3 : 2;
            assert_int_equal(ledger_post(t->l, es, n, false, r, NULL), LEDGER_OK);
            for (uint32_t k = 0; k < n; k++)
                assert_int_equal(r[k].err, LEDGER_OK);
            for (int k = 0; k < 3; k++)
                free((char *)es[k].client_id);
            balance += amount;
            m->lines[m->count++] = (model_line){r[0].seq, day, balance, amount, LEDGER_CREDIT};
            if (payout) {
                balance -= 1500;
                m->lines[m->count++] = (model_line){r[2].seq, day, balance, 1500, LEDGER_DEBIT};
            }
        }
        m->tree_size_end_of_day[day] = tl_tree_size(t);
    }
}

static model the_model;

static int setup(void **state)
{
    tl *t = calloc(1, sizeof *t);
    tl_setup(t, "GNF", 0);
    tl_open(t, accounts, 3);
    build(t, &the_model);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tl *t = *state;
    tl_teardown(t);
    free(t);
    return 0;
}

static uint32_t date_of_day(int day)
{
    return 20261101u + (uint32_t)day; /* days 0..29 stay in November */
}

/* Balance after the last model line with day <= last_day (-1: none). */
static int64_t model_balance_through(const model *m, int last_day)
{
    int64_t b = 0;
    for (size_t i = 0; i < m->count && m->lines[i].day <= last_day; i++)
        b = m->lines[i].balance_after;
    return b;
}

/* Reads the whole statement page by page and checks it against the model. */
static void check_statement(tl *t, const model *m, int from_day, int to_day, uint32_t page_size)
{
    ledger_statement_query q = {T_PROGRAMME, "participant:P1:wallet", 0, 0, 0, page_size};
    if (from_day >= 0)
        q.date_from = date_of_day(from_day);
    if (to_day >= 0)
        q.date_to = date_of_day(to_day);
    ledger_line *lines = calloc(page_size, sizeof *lines);
    assert_non_null(lines);
    size_t expect = 0;
    while (expect < m->count && from_day >= 0 && m->lines[expect].day < from_day)
        expect++;
    int64_t opening = expect > 0 ? m->lines[expect - 1].balance_after : 0;
    int last_day = to_day >= 0 ? to_day : DAYS;
    uint64_t total = 0;
    for (size_t i = expect; i < m->count && m->lines[i].day <= last_day; i++)
        total++;
    size_t seen = 0, pages = 0;
    for (;;) {
        ledger_statement st;
        assert_int_equal(ledger_statement_get(t->l, &q, lines, &st), LEDGER_OK);
        assert_int_equal(st.opening_balance, opening);
        assert_int_equal(st.closing_balance, model_balance_through(m, last_day));
        assert_int_equal(st.lines_total, total);
        assert_true(st.lines_count <= page_size);
        for (uint32_t i = 0; i < st.lines_count; i++, expect++, seen++) {
            const model_line *want = &m->lines[expect];
            assert_int_equal(lines[i].seq, want->seq);
            assert_int_equal(lines[i].amount, want->amount);
            assert_int_equal(lines[i].side, want->side);
            assert_int_equal(lines[i].balance_after, want->balance_after);
            assert_int_equal(ledger_date_of_time(lines[i].recorded_at), date_of_day(want->day));
        }
        pages++;
        if (st.next_page_token == 0)
            break;
        assert_int_equal(st.lines_count, page_size);
        q.page_token = st.next_page_token;
        assert_true(pages < 100000);
    }
    assert_int_equal(seen, total);
    free(lines);
}

static void test_statement_all_pages(void **state)
{
    tl *t = *state;
    uint32_t sizes[] = {1, 7, 63, 64, 65, 100, LEDGER_PAGE_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_statement(t, &the_model, -1, -1, sizes[i]);
}

static void test_statement_date_ranges(void **state)
{
    tl *t = *state;
    int ranges[][2] = {{0, 0}, {0, 11}, {3, 3}, {3, 7}, {10, 11}, {5, -1}, {-1, 4}, {11, 11}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        check_statement(t, &the_model, ranges[i][0], ranges[i][1], 10);
        check_statement(t, &the_model, ranges[i][0], ranges[i][1], 64);
    }
    /* A period with no lines: opening equals closing, no lines. */
    ledger_line line;
    ledger_statement st;
    ledger_statement_query q = {T_PROGRAMME, "participant:P1:wallet", 20261201, 20261231, 0, 1};
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_OK);
    assert_int_equal(st.lines_count, 0);
    assert_int_equal(st.lines_total, 0);
    assert_int_equal(st.opening_balance, st.closing_balance);
    assert_int_equal(st.closing_balance, model_balance_through(&the_model, DAYS));
    q.date_from = 20261020;
    q.date_to = 20261031;
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_OK);
    assert_int_equal(st.closing_balance, 0);
    /* Bad queries. */
    q.date_from = 20261105;
    q.date_to = 20261104;
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_INVALID_ARGUMENT);
    q.date_to = 20261131;
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_INVALID_DATE);
    q.date_to = 0;
    q.page_size = LEDGER_PAGE_MAX + 1;
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_INVALID_ARGUMENT);
    q.page_size = 1;
    q.account = "participant:P7:wallet";
    assert_int_equal(ledger_statement_get(t->l, &q, &line, &st), LEDGER_UNKNOWN_ACCOUNT);
}

static void test_balance_as_of(void **state)
{
    tl *t = *state;
    const model *m = &the_model;
    int64_t b;
    for (int day = 0; day < DAYS; day++) {
        ledger_as_of at = {0, date_of_day(day)};
        assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &at, &b),
                         LEDGER_OK);
        assert_int_equal(b, model_balance_through(m, day));
        ledger_as_of ts = {m->tree_size_end_of_day[day], 0};
        assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &ts, &b),
                         LEDGER_OK);
        assert_int_equal(b, model_balance_through(m, day));
    }
    ledger_as_of before = {0, 20261031};
    assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &before, &b),
                     LEDGER_OK);
    assert_int_equal(b, 0);
    /* As of every line's seq (entries before it) and just after it. */
    for (size_t i = 0; i < m->count; i++) {
        ledger_as_of at = {m->lines[i].seq, 0};
        assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &at, &b),
                         LEDGER_OK);
        assert_int_equal(b, i > 0 ? m->lines[i - 1].balance_after : 0);
        at.tree_size = m->lines[i].seq + 1;
        assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &at, &b),
                         LEDGER_OK);
        assert_int_equal(b, m->lines[i].balance_after);
    }
    ledger_as_of both = {5, 20261101};
    assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &both, &b),
                     LEDGER_INVALID_ARGUMENT);
    /* The same after closing and reopening: it is all on disk. */
    tl_reopen(t);
    ledger_as_of at = {0, date_of_day(5)};
    assert_int_equal(ledger_balance(t->l, T_PROGRAMME, "participant:P1:wallet", &at, &b),
                     LEDGER_OK);
    assert_int_equal(b, model_balance_through(m, 5));
    ledger_account_info info;
    assert_int_equal(ledger_account_get(t->l, T_PROGRAMME, "participant:P1:wallet", &info),
                     LEDGER_OK);
    assert_int_equal(info.lines_count, m->count);
    assert_int_equal(info.balance, m->lines[m->count - 1].balance_after);
    ledger_verify_report r;
    assert_int_equal(ledger_verify(t->l, NULL, &r), LEDGER_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_all_pages),
        cmocka_unit_test(test_statement_date_ranges),
        cmocka_unit_test(test_balance_as_of),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
