/*
 * test_growth.c — the map grows by itself: a ledger created with a tiny
 * LMDB map takes thousands of entries, none lost and none refused, while a
 * reader thread keeps reading consistent snapshots (the trial balance always
 * balances) through every resize.
 */
#include "tests/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ACCOUNTS 300
#define COMMITS 24
#define PER_COMMIT 400

typedef struct reader_ctx {
    tl *t;
    atomic_int stop;
    long reads;
    int failures;
} reader_ctx;

static void *reader(void *arg)
{
    reader_ctx *c = arg;
    while (!atomic_load(&c->stop)) {
        ledger_trial_balance tb;
        int64_t b;
        if (ledger_trial_balance_get(c->t->l, T_PROGRAMME, &tb) != LEDGER_OK ||
            tb.debits != tb.credits)
            c->failures++;
        if (ledger_balance(c->t->l, T_PROGRAMME, "programme:wages", NULL, &b) != LEDGER_OK)
            c->failures++;
        c->reads++;
    }
    return NULL;
}

static void test_tiny_map_grows(void **state)
{
    (void)state;
    tl t;
    char *codes[ACCOUNTS];
    int64_t model[ACCOUNTS] = {0};
    char path[300];
    struct stat st;
    tl_setup(&t, "XOF", 64 * 1024);
    for (int i = 0; i < ACCOUNTS; i++) {
        codes[i] = malloc(40);
        snprintf(codes[i], 40, "participant:P%d:wallet", i);
    }
    tl_open(&t, (const char *const *)codes, ACCOUNTS);

    reader_ctx rc = {&t, 0, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader, &rc), 0);
    uint32_t x = 12345;
    for (int c = 0; c < COMMITS; c++) {
        static ledger_entry_in es[PER_COMMIT];
        static ledger_result r[PER_COMMIT];
        static char ids[PER_COMMIT][32];
        for (int i = 0; i < PER_COMMIT; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            int who = (int)(x % ACCOUNTS);
            snprintf(ids[i], sizeof ids[i], "w-%d-%d", c, i);
            es[i] = tl_transfer(ids[i], "programme:wages", codes[who], 100 + i);
            es[i].memo = "a memo long enough to fill pages faster than the bare minimum would";
            model[who] += 100 + i;
        }
        assert_int_equal(ledger_post(t.l, es, PER_COMMIT, false, r, NULL), LEDGER_OK);
        for (int i = 0; i < PER_COMMIT; i++)
            assert_int_equal(r[i].err, LEDGER_OK);
    }
    atomic_store(&rc.stop, 1);
    pthread_join(th, NULL);
    assert_int_equal(rc.failures, 0);
    assert_true(rc.reads > 0);

    snprintf(path, sizeof path, "%s/data.mdb", t.dir);
    assert_int_equal(stat(path, &st), 0);
    fprintf(stderr, "data.mdb: %lld bytes\n", (long long)st.st_size);
    assert_true(st.st_size > 1024 * 1024); /* it grew far past 64 KiB */
    int64_t total = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        assert_int_equal(tl_balance(&t, codes[i]), model[i]);
        total += model[i];
    }
    assert_int_equal(tl_balance(&t, "programme:wages"), total);
    tl_reopen(&t);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t.l, NULL, &vr), LEDGER_OK);
    assert_int_equal(vr.entries, COMMITS * PER_COMMIT);
    for (int i = 0; i < ACCOUNTS; i++)
        free(codes[i]);
    tl_teardown(&t);
}

/* The map limit is honoured: past it, a clear error and nothing written. */
static void test_map_limit(void **state)
{
    (void)state;
    tl t;
    tl_setup(&t, "XOF", 64 * 1024);
    ledger_close(t.l);
    ledger_options o = {.map_size_max = 1024 * 1024};
    assert_int_equal(ledger_open(&t.l, t.dir, &o), LEDGER_OK);
    const char *acct = "participant:P1:wallet";
    int res;
    assert_int_equal(ledger_accounts_open(t.l, T_PROGRAMME, &acct, 1, &res), LEDGER_OK);
    uint64_t size_before = tl_tree_size(&t);
    int err = LEDGER_OK;
    int c = 0;
    for (; c < 200 && err == LEDGER_OK; c++) {
        static ledger_entry_in es[500];
        static ledger_result r[500];
        static char ids[500][32];
        for (int i = 0; i < 500; i++) {
            snprintf(ids[i], sizeof ids[i], "m-%d-%d", c, i);
            es[i] = tl_transfer(ids[i], "programme:wages", acct, 1);
        }
        err = ledger_post(t.l, es, 500, false, r, NULL);
        if (err == LEDGER_OK)
            size_before = tl_tree_size(&t);
    }
    assert_int_equal(err, LEDGER_MAP_LIMIT);
    assert_int_equal(tl_tree_size(&t), size_before);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t.l, NULL, &vr), LEDGER_OK);
    tl_teardown(&t);
}

/* Several threads commit through one shared handle (what the server's
 * connections will do) while a reader runs: every entry lands exactly once,
 * every balance is exact, the log verifies. */
#define WRITERS 4
#define WRITER_COMMITS 40
#define WRITER_ENTRIES 25

typedef struct writer_ctx {
    tl *t;
    int index;
    int failures;
} writer_ctx;

static void *writer(void *arg)
{
    writer_ctx *w = arg;
    char ids[WRITER_ENTRIES][40], wallet[40];
    snprintf(wallet, sizeof wallet, "participant:W%d:wallet", w->index);
    for (int c = 0; c < WRITER_COMMITS; c++) {
        ledger_entry_in es[WRITER_ENTRIES];
        ledger_result r[WRITER_ENTRIES];
        for (int i = 0; i < WRITER_ENTRIES; i++) {
            snprintf(ids[i], sizeof ids[i], "w%d-%d-%d", w->index, c, i);
            es[i] = tl_transfer(ids[i], "programme:wages", wallet, 1 + i);
        }
        /* Each commit is posted twice: the retry must change nothing. */
        for (int attempt = 0; attempt < 2; attempt++) {
            if (ledger_post(w->t->l, es, WRITER_ENTRIES, c % 2 == 0, r, NULL) != LEDGER_OK) {
                w->failures++;
                continue;
            }
            for (int i = 0; i < WRITER_ENTRIES; i++)
                w->failures += r[i].err != (attempt == 0 ? LEDGER_OK : LEDGER_EXISTS);
        }
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    tl t;
    char *codes[WRITERS];
    tl_setup(&t, "GNF", 0);
    for (int i = 0; i < WRITERS; i++) {
        codes[i] = malloc(40);
        snprintf(codes[i], 40, "participant:W%d:wallet", i);
    }
    tl_open(&t, (const char *const *)codes, WRITERS);
    reader_ctx rc = {&t, 0, 0, 0};
    pthread_t rth, wth[WRITERS];
    writer_ctx wc[WRITERS];
    assert_int_equal(pthread_create(&rth, NULL, reader, &rc), 0);
    for (int i = 0; i < WRITERS; i++) {
        wc[i] = (writer_ctx){&t, i, 0};
        assert_int_equal(pthread_create(&wth[i], NULL, writer, &wc[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(wth[i], NULL);
        assert_int_equal(wc[i].failures, 0);
    }
    atomic_store(&rc.stop, 1);
    pthread_join(rth, NULL);
    assert_int_equal(rc.failures, 0);
    /* Each wallet got 1 + 2 + ... + 25 per commit. */
    int64_t per_wallet = (int64_t)WRITER_COMMITS * WRITER_ENTRIES * (WRITER_ENTRIES + 1) / 2;
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(tl_balance(&t, codes[i]), per_wallet);
        free(codes[i]);
    }
    assert_int_equal(tl_balance(&t, "programme:wages"), per_wallet * WRITERS);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t.l, NULL, &vr), LEDGER_OK);
    assert_int_equal(vr.entries, WRITERS * WRITER_COMMITS * WRITER_ENTRIES);
    tl_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_map_grows),
        cmocka_unit_test(test_map_limit),
        cmocka_unit_test(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
