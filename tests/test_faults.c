/*
 * test_faults.c — the error paths LMDB can take, forced with the linker's
 * --wrap: a put that finds the map full (the commit grows the map and is
 * redone: every entry posted exactly once, no error to the caller), a put
 * that fails with an I/O error, and a commit (fsync) that fails. After a
 * failure nothing is visible, the next commit works, and the ledger
 * verifies.
 */
#include "tests/util.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>

static int put_fail_after = -1; /* fail the Nth put from now; -1 = never */
static int put_fail_rc;
static int commit_fail_rc; /* 0 = commit normally */

int __real_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags);
int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags);
int __real_mdb_txn_commit(MDB_txn *txn);
int __wrap_mdb_txn_commit(MDB_txn *txn);

int __wrap_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned flags)
{
    if (put_fail_after >= 0 && put_fail_after-- == 0)
        return put_fail_rc;
    return __real_mdb_put(txn, dbi, key, data, flags);
}

int __wrap_mdb_txn_commit(MDB_txn *txn)
{
    if (commit_fail_rc != 0) { /* these tests make no nested transactions */
        int rc = commit_fail_rc;
        commit_fail_rc = 0;
        mdb_txn_abort(txn); /* what LMDB does on a failed commit */
        return rc;
    }
    return __real_mdb_txn_commit(txn);
}

static const char *const accounts[] = {"partner:mfi1:cash", "participant:P1:wallet"};

static void post_three(tl *t, const char *prefix, int expect_call, ledger_result r[3])
{
    char ids[3][32];
    ledger_entry_in es[3];
    for (int i = 0; i < 3; i++) {
        snprintf(ids[i], sizeof ids[i], "%s-%d", prefix, i);
        es[i] = tl_transfer(ids[i], "programme:wages", "participant:P1:wallet", 10);
    }
    assert_int_equal(ledger_post(t->l, es, 3, false, r, NULL), expect_call);
}

static void verify_ok(tl *t)
{
    ledger_verify_report vr;
    int err = ledger_verify(t->l, NULL, &vr);
    if (err != LEDGER_OK)
        fail_msg("verify: %s", vr.first_error);
}

static void test_map_full_is_retried(void **state)
{
    (void)state;
    tl t;
    ledger_result r[3];
    /* Each injected MAP_FULL doubles the map: start small so that 14
     * doublings stay far below the 1 TiB default limit. */
    tl_setup(&t, "GNF", 1024 * 1024);
    tl_open(&t, accounts, 2);
    /* Put positions across a commit (legs, keys, Merkle nodes, checkpoint,
     * meta), in turn, find the map full. */
    int posts = 0;
    for (int at = 0; at < 40; at += 3, posts++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "mf%d", at);
        put_fail_after = at;
        put_fail_rc = MDB_MAP_FULL;
        post_three(&t, prefix, LEDGER_OK, r);
        put_fail_after = -1;
        for (int i = 0; i < 3; i++)
            assert_int_equal(r[i].err, LEDGER_OK);
    }
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), posts * 3 * 10);
    verify_ok(&t);
    tl_teardown(&t);
}

static void test_io_errors_write_nothing(void **state)
{
    (void)state;
    tl t;
    ledger_result r[3];
    tl_setup(&t, "GNF", 0);
    tl_open(&t, accounts, 2);
    post_three(&t, "ok", LEDGER_OK, r);
    uint64_t size = tl_tree_size(&t);
    for (int at = 0; at < 20; at++) {
        put_fail_after = at;
        put_fail_rc = EIO;
        post_three(&t, "eio", LEDGER_IO, r);
        put_fail_after = -1;
        assert_int_equal(tl_tree_size(&t), size);
        assert_int_equal(tl_balance(&t, "participant:P1:wallet"), 30);
    }
    /* The fsync of the commit fails: nothing is durable, nothing visible,
     * and the caller's info is left as it was (review: the checkpoint was
     * copied into it before the commit). */
    commit_fail_rc = EIO;
    {
        char ids[3][32];
        ledger_entry_in es[3];
        ledger_commit_info info;
        memset(&info, 0xAB, sizeof info);
        for (int i = 0; i < 3; i++) {
            snprintf(ids[i], sizeof ids[i], "eio-commit-%d", i);
            es[i] = tl_transfer(ids[i], "programme:wages", "participant:P1:wallet", 10);
        }
        assert_int_equal(ledger_post(t.l, es, 3, false, r, &info), LEDGER_IO);
        unsigned char *bytes = (unsigned char *)&info;
        for (size_t i = 0; i < sizeof info; i++)
            assert_int_equal(bytes[i], 0xAB);
    }
    assert_int_equal(tl_tree_size(&t), size);
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), 30);
    /* The same entries then post once, and the log stays consistent. */
    post_three(&t, "eio-commit", LEDGER_OK, r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(r[i].err, LEDGER_OK);
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), 60);
    verify_ok(&t);
    tl_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_full_is_retried),
        cmocka_unit_test(test_io_errors_write_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
