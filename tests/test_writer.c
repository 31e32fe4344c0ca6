/*
 * test_writer.c — the group-commit writer (rpc/writer.c) on a real ledger:
 * jobs queued together share commits, every job comes back on the event
 * loop with its results, the queue refuses what does not fit instead of
 * growing, and a call job (a library write other than entries) runs on the
 * writer thread in queue order between the commits.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpc/writer.h"
#include "tests/util.h"

#define JOB_ENTRIES 8192
#define JOBS_MAX 64

typedef struct job_slot {
    rpc_job job;
    ledger_entry_in *entries;
    ledger_result *results;
    char (*ids)[32];
} job_slot;

static int jobs_done;

static void on_done(rpc_job *job)
{
    (void)job;
    jobs_done++;
}

static void slot_fill(job_slot *js, int job_index)
{
    js->entries = calloc(JOB_ENTRIES, sizeof *js->entries);
    js->results = calloc(JOB_ENTRIES, sizeof *js->results);
    js->ids = calloc(JOB_ENTRIES, sizeof *js->ids);
    assert_non_null(js->ids);
    for (int i = 0; i < JOB_ENTRIES; i++) {
        snprintf(js->ids[i], sizeof js->ids[i], "j%d-%d", job_index, i);
        js->entries[i] = tl_transfer(js->ids[i], "programme:wages", "participant:P1:wallet", 1);
    }
    memset(&js->job, 0, sizeof js->job);
    js->job.request = (ledger_request){js->entries, JOB_ENTRIES, false, js->results};
}

static void slot_free(job_slot *js)
{
    free(js->entries);
    free(js->results);
    free(js->ids);
}

static void test_queue_is_bounded_and_every_job_returns(void **state)
{
    (void)state;
    tl t;
    tl_setup(&t, "GNF", 0);
    const char *codes[] = {"participant:P1:wallet"};
    tl_open(&t, codes, 1);
    assert_int_equal(evthread_use_pthreads(), 0);
    struct event_base *base = event_base_new();
    assert_non_null(base);
    /* Room for two jobs waiting; each commit takes one. */
    rpc_writer *w = rpc_writer_start(t.l, base, on_done, 2 * JOB_ENTRIES, JOB_ENTRIES);
    assert_non_null(w);
    static job_slot slots[JOBS_MAX];
    int submitted = 0, refused = 0;
    jobs_done = 0;
    for (int i = 0; i < JOBS_MAX && refused == 0; i++) {
        slot_fill(&slots[i], i);
        if (rpc_writer_submit(w, &slots[i].job) == 0)
            submitted++;
        else
            refused++;
    }
    /* The writer commits 8,192 entries in far longer than the loop takes
     * to submit: the queue fills and then refuses. */
    assert_int_equal(refused, 1);
    assert_true(submitted >= 2 && submitted <= 4);
    while (jobs_done < submitted)
        event_base_loop(base, EVLOOP_ONCE);
    rpc_writer_stats st;
    rpc_writer_stats_get(w, &st);
    assert_int_equal(st.queued_entries, 0);
    assert_int_equal(st.entries, (uint64_t)submitted * JOB_ENTRIES);
    rpc_writer_stop(w);
    for (int i = 0; i < submitted; i++) {
        assert_int_equal(slots[i].job.err, LEDGER_OK);
        for (int e = 0; e < JOB_ENTRIES; e++)
            assert_int_equal(slots[i].results[e].err, LEDGER_OK);
    }
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), (int64_t)submitted * JOB_ENTRIES);
    for (int i = 0; i < submitted + refused; i++)
        slot_free(&slots[i]);
    event_base_free(base);
    tl_teardown(&t);
}

static void test_small_jobs_share_commits(void **state)
{
    (void)state;
    tl t;
    tl_setup(&t, "GNF", 0);
    const char *codes[] = {"participant:P1:wallet"};
    tl_open(&t, codes, 1);
    struct event_base *base = event_base_new();
    rpc_writer *w = rpc_writer_start(t.l, base, on_done, JOB_ENTRIES * 4, 65536);
    assert_non_null(w);
    enum { SMALL_JOBS = 500 };
    static ledger_entry_in entries[SMALL_JOBS];
    static ledger_result results[SMALL_JOBS];
    static rpc_job jobs[SMALL_JOBS];
    static char ids[SMALL_JOBS][16];
    jobs_done = 0;
    for (int i = 0; i < SMALL_JOBS; i++) {
        snprintf(ids[i], sizeof ids[i], "s%d", i);
        entries[i] = tl_transfer(ids[i], "programme:wages", "participant:P1:wallet", 3);
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].request = (ledger_request){&entries[i], 1, false, &results[i]};
        assert_int_equal(rpc_writer_submit(w, &jobs[i]), 0);
    }
    while (jobs_done < SMALL_JOBS)
        event_base_loop(base, EVLOOP_ONCE);
    rpc_writer_stats st;
    rpc_writer_stats_get(w, &st);
    assert_int_equal(st.entries, SMALL_JOBS);
    assert_true(st.commits < SMALL_JOBS); /* several jobs per commit */
    rpc_writer_stop(w);
    for (int i = 0; i < SMALL_JOBS; i++) {
        assert_int_equal(results[i].err, LEDGER_OK);
        assert_true(jobs[i].info.tree_size > results[i].seq);
    }
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), 3 * SMALL_JOBS);
    event_base_free(base);
    tl_teardown(&t);
}

/* ---- call jobs ---- */

typedef struct enrol_call_arg {
    ledger_enrolment row;
    ledger_enrol_result result;
    pthread_t thread; /* where it ran */
} enrol_call_arg;

static int enrol_call(ledger *l, void *arg)
{
    enrol_call_arg *a = arg;
    a->thread = pthread_self();
    return ledger_participants_enrol(l, T_PROGRAMME, "mfi1", "writer-test", &a->row, 1, false,
                                     &a->result);
}

static int order_seen[3], order_count;

static void on_done_order(rpc_job *job)
{
    order_seen[order_count++] = (int)(intptr_t)job->ctx;
}

static void test_call_job_runs_in_queue_order_on_the_writer(void **state)
{
    (void)state;
    tl t;
    tl_setup(&t, "GNF", 0);
    struct event_base *base = event_base_new();
    rpc_writer *w = rpc_writer_start(t.l, base, on_done_order, JOB_ENTRIES * 4, 65536);
    assert_non_null(w);
    /* A wage to P7, the enrolment of P7, then the same wage again: the
     * first comes before the enrolment (unknown participant), the last
     * after it. */
    ledger_entry_in wage[2];
    ledger_result results[2];
    rpc_job jobs[3];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 2; i++) {
        memset(&wage[i], 0, sizeof wage[i]);
        wage[i].programme = T_PROGRAMME;
        wage[i].kind = LEDGER_KIND_POSTED;
        wage[i].op = LEDGER_OP_WAGE;
        wage[i].partner = "mfi1";
        wage[i].principal = "writer-test";
        wage[i].client_id = "w-P7";
        wage[i].value_date = 20261102;
        wage[i].participant = "P7";
        wage[i].amount = 500;
    }
    jobs[0].request = (ledger_request){&wage[0], 1, false, &results[0]};
    jobs[2].request = (ledger_request){&wage[1], 1, false, &results[1]};
    static enrol_call_arg arg;
    memset(&arg, 0, sizeof arg);
    ledger_participant *p = &arg.row.p;
    snprintf(p->id, sizeof p->id, "P7");
    snprintf(p->name, sizeof p->name, "Person Seven");
    snprintf(p->cso, sizeof p->cso, "mfi1");
    p->phase = 1;
    jobs[1].kind = RPC_JOB_CALL;
    jobs[1].call = enrol_call;
    jobs[1].call_arg = &arg;
    jobs[1].weight = 1;
    order_count = 0;
    for (int i = 0; i < 3; i++) {
        jobs[i].ctx = (void *)(intptr_t)i;
        assert_int_equal(rpc_writer_submit(w, &jobs[i]), 0);
    }
    while (order_count < 3)
        event_base_loop(base, EVLOOP_ONCE);
    rpc_writer_stats st;
    rpc_writer_stats_get(w, &st);
    rpc_writer_stop(w);
    /* Handed back in the order submitted, each after it ran. */
    assert_int_equal(order_seen[0], 0);
    assert_int_equal(order_seen[1], 1);
    assert_int_equal(order_seen[2], 2);
    assert_int_equal(results[0].err, LEDGER_UNKNOWN_PARTICIPANT);
    assert_int_equal(jobs[1].err, LEDGER_OK);
    assert_int_equal(arg.result.err, LEDGER_OK);
    assert_int_equal(results[1].err, LEDGER_OK);
    /* On the writer thread, never the loop's. */
    assert_false(pthread_equal(arg.thread, pthread_self()));
    /* The call job carries the checkpoint after it: it covers the
     * enrolment leaf, and the wage after it is later. */
    assert_true(jobs[1].info.tree_size > arg.result.seq);
    assert_true(jobs[1].info.checkpoint_len > 0);
    assert_true(results[1].seq >= jobs[1].info.tree_size);
    assert_int_equal(st.commits, 3);
    assert_int_equal(st.entries, 2);
    assert_int_equal(tl_balance(&t, "participant:P7:wallet"), 500);
    event_base_free(base);
    tl_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_is_bounded_and_every_job_returns),
        cmocka_unit_test(test_small_jobs_share_commits),
        cmocka_unit_test(test_call_job_runs_in_queue_order_on_the_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
