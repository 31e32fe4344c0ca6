/*
 * writer.h — the one thread that writes the ledger: group commit.
 *
 * Connections hand it jobs (one posting request each). It takes every job
 * queued, up to a commit's entry limit, applies them with one ledger_commit
 * (one LMDB transaction, one Merkle append, one signed checkpoint, one
 * fsync), and only then hands the jobs back, results filled, through the
 * `done` callback on the event loop's thread. While one commit is written,
 * the next jobs queue, so commits grow with the load.
 *
 * The queue is bounded in entries: a job that does not fit is refused at
 * once (the caller answers resource_exhausted), so memory stays bounded.
 */
#ifndef CAURIS_RPC_WRITER_H
#define CAURIS_RPC_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger.h"

struct event_base;

typedef struct rpc_job rpc_job;
struct rpc_job {
    ledger_request request; /* entries and results owned by the submitter */
    int err;                /* the commit's error, LEDGER_OK when durable */
    ledger_commit_info info;
    rpc_job *next; /* owned by the writer while queued */
    void *ctx;     /* the submitter's */
};

/* Called on the event loop's thread for each finished job. */
typedef void (*rpc_job_done_fn)(rpc_job *job);

typedef struct rpc_writer rpc_writer;

typedef struct rpc_writer_stats {
    uint64_t commits;
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
 * thread. */
typedef void (*rpc_commit_observer_fn)(void *ctx, uint64_t entries, uint64_t micros,
                                       const ledger_commit_info *info);
void rpc_writer_observe(rpc_writer *w, rpc_commit_observer_fn fn, void *ctx);

void rpc_writer_stats_get(rpc_writer *w, rpc_writer_stats *out);

/* Stops taking jobs, commits what is queued, hands it back, joins the
 * thread and frees the writer. Call from the event loop's thread; the loop
 * must run until the last job is handed back (the function waits for that
 * by running the loop once per pending batch). */
void rpc_writer_stop(rpc_writer *w);

#endif /* CAURIS_RPC_WRITER_H */
