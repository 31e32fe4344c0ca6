/*
 * test_crash.c — a writer killed with SIGKILL in the middle of posting: on
 * reopening, every entry it was told was posted is there, a retry of
 * everything posts each entry once (acknowledged ones are `exists`), the
 * balances are exact and the ledger verifies. A reply means durable.
 */
#include "tests/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CRASH_ROUNDS 3
#define CRASH_BATCHES_MAX 100000 /* the child posts until killed */
#define CRASH_BATCH 20

static void entry_of(ledger_entry_in *e, char *id, size_t cap, int batch, int i)
{
    snprintf(id, cap, "crash-%d-%d", batch, i);
    *e = tl_transfer(id, "programme:wages", "participant:P1:wallet", 1 + i);
}

/* The child: posts batches and reports each acknowledged batch number on
 * the pipe, until it is killed. */
static void writer_child(const char *dir, int fd)
{
    ledger *l;
    if (ledger_open(&l, dir, NULL) != LEDGER_OK)
        _exit(3);
    for (int batch = 0; batch < CRASH_BATCHES_MAX; batch++) {
        ledger_entry_in es[CRASH_BATCH];
        ledger_result r[CRASH_BATCH];
        char ids[CRASH_BATCH][32];
        for (int i = 0; i < CRASH_BATCH; i++)
            entry_of(&es[i], ids[i], sizeof ids[i], batch, i);
        if (ledger_post(l, es, CRASH_BATCH, false, r, NULL) != LEDGER_OK)
            _exit(4);
        if (write(fd, &batch, sizeof batch) != (ssize_t)sizeof batch)
            _exit(5);
    }
    _exit(0);
}

static void test_sigkill_while_posting(void **state)
{
    (void)state;
    tl t;
    const char *acct = "participant:P1:wallet";
    tl_setup(&t, "GNF", 0);
    tl_open(&t, &acct, 1);
    ledger_close(t.l); /* the child writes; one handle per process */
    t.l = NULL;
    int acked = -1;
    for (int round = 0; round < CRASH_ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            writer_child(t.dir, fds[1]);
        }
        close(fds[1]);
        /* Once it has posted something, let it go on a while, then kill it
         * wherever it is (waiting for the first reply keeps a slow machine
         * from killing it before it starts). */
        int status, b;
        assert_int_equal(read(fds[0], &b, sizeof b), (ssize_t)sizeof b);
        acked = b > acked ? b : acked;
        usleep(20000 + 20000 * (useconds_t)round);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        while (read(fds[0], &b, sizeof b) == (ssize_t)sizeof b)
            acked = b > acked ? b : acked;
        close(fds[0]);
        assert_true(acked >= 0);

        /* Every acknowledged entry is there. */
        tl_reopen(&t);
        for (int batch = 0; batch <= acked; batch++) {
            char id[32];
            uint64_t seq;
            snprintf(id, sizeof id, "crash-%d-%d", batch, CRASH_BATCH - 1);
            assert_int_equal(ledger_entry_find(t.l, "mfi1", id, &seq), LEDGER_OK);
        }
        ledger_verify_report vr;
        int err = ledger_verify(t.l, NULL, &vr);
        if (err != LEDGER_OK)
            fail_msg("verify after SIGKILL: %s", vr.first_error);
        ledger_close(t.l);
        t.l = NULL;
    }
    /* Retrying everything up to the last acknowledged batch and beyond
     * posts each entry exactly once. */
    tl_reopen(&t);
    int last = acked + 3;
    for (int batch = 0; batch <= last; batch++) {
        ledger_entry_in es[CRASH_BATCH];
        ledger_result r[CRASH_BATCH];
        char ids[CRASH_BATCH][32];
        for (int i = 0; i < CRASH_BATCH; i++)
            entry_of(&es[i], ids[i], sizeof ids[i], batch, i);
        assert_int_equal(ledger_post(t.l, es, CRASH_BATCH, false, r, NULL), LEDGER_OK);
        for (int i = 0; i < CRASH_BATCH; i++) {
            if (batch <= acked)
                assert_int_equal(r[i].err, LEDGER_EXISTS);
            else
                assert_true(r[i].err == LEDGER_OK || r[i].err == LEDGER_EXISTS);
        }
    }
    int64_t per_batch = CRASH_BATCH * (CRASH_BATCH + 1) / 2;
    assert_int_equal(tl_balance(&t, acct), per_batch * (last + 1));
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t.l, NULL, &vr), LEDGER_OK);
    assert_int_equal(vr.entries, (uint64_t)(last + 1) * CRASH_BATCH);
    tl_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_while_posting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
