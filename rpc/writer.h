/*
 * writer.h — the one thread that writes the ledger: group commit.
 *
 * Connections hand it jobs. An entries job is one posting request: the
 * writer takes every such job queued, up to a commit's entry limit, applies
 * them with one ledger_commit (one LMDB transaction, one Merkle append, one
 * signed checkpoint, one fsync), and only then hands the jobs back, results
 * filled, through the `done` callback on the event loop's thread. While one
 * commit is written, the next jobs queue, so commits grow with the load.
 *
 * A call job is any other write of the library (an enrolment, a
 * participant's change, a delivery import, a period closure): the writer
 * runs its function alone, in queue order between the commits, so that
 * every write of the server happens on this one thread, and hands it back
 * the same way.
 *
 * The queue is bounded in entries (a call job counts its `weight`): a job
 * that does not fit is refused at once (the caller answers
 * resource_exhausted), so memory stays bounded.
 */
#ifndef CAURIS_RPC_WRITER_H
#define CAURIS_RPC_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger.h"

struct event_base;

typedef enum rpc_job_kind {
    RPC_JOB_ENTRIES = 0, /* `request`, group-committed with other entries jobs */
    RPC_JOB_CALL = 1,    /* `call(ledger, call_arg)`, run alone */
} rpc_job_kind;

/* A library write run on the writer thread: returns a ledger_err, and
 * writes its results into memory `arg` points to (the submitter's, which
 * it reads once the job is handed back). */
typedef int (*rpc_job_call_fn)(ledger *l, void *arg);

typedef struct rpc_job rpc_job;
struct rpc_job {
    rpc_job_kind kind;
    ledger_request request; /* ENTRIES: entries and results owned by the submitter */
    rpc_job_call_fn call;   /* CALL */
    void *call_arg;
    uint32_t weight; /* CALL: what it counts in the queue, 1..LEDGER_REQUEST_ENTRIES_MAX
                        (rows or lines it writes) */
    int err;         /* ENTRIES: the commit's error, LEDGER_OK when durable;
                        CALL: what `call` returned */
    /* ENTRIES: the commit's. CALL: tree_size and the checkpoint as they
     * are after the call (batch 0, no timings). */
    ledger_commit_info info;
    rpc_job *next; /* owned by the writer while queued */
    void *ctx;     /* the submitter's */
};

/* Called on the event loop's thread for each finished job. */
typedef void (*rpc_job_done_fn)(rpc_job *job);

typedef struct rpc_writer rpc_writer;

typedef struct rpc_writer_stats {
    uint64_t commits;         /* group commits and calls run */
    uint64_t entries;         /* entries in requests committed (any result) */
    uint64_t commit_us_total; /* summed commit durations */
    uint64_t queued_entries;  /* waiting now */
} rpc_writer_stats;

/* Starts the writer thread on `l` (borrowed; outlives the writer). Jobs
 * finished are handed back on `base`'s thread to `done`. NULL on failure. */
rpc_writer *rpc_writer_start(ledger *l, struct event_base *base, rpc_job_done_fn done,
                             uint32_t queue_entries_max, uint32_t commit_entries_max);

/* Queues a job. 0, or -1 when the queue has no room (or the writer is
 * stopping): the job is not taken. Thread: the event loop's. */
int rpc_writer_submit(rpc_writer *w, rpc_job *job);

/* Observer of every commit's duration, for metrics; called on the writer
 * thread, after each group commit and each call job that returned
 * LEDGER_OK. `wrote`: the commit added leaves (a call: the tree grew). */
typedef void (*rpc_commit_observer_fn)(void *ctx, uint64_t entries, uint64_t micros, bool wrote,
                                       const ledger_commit_info *info);
void rpc_writer_observe(rpc_writer *w, rpc_commit_observer_fn fn, void *ctx);

void rpc_writer_stats_get(rpc_writer *w, rpc_writer_stats *out);

/* Stops taking jobs, commits what is queued, hands it back, joins the
 * thread and frees the writer. Call from the event loop's thread; the loop
 * must run until the last job is handed back (the function waits for that
 * by running the loop once per pending batch). */
void rpc_writer_stop(rpc_writer *w);

#endif /* CAURIS_RPC_WRITER_H */
