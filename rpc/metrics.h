/*
 * metrics.h — the server's counters, rendered in the Prometheus text format
 * at GET /metrics: requests by method and code, entries posted, commits, a
 * commit latency histogram, queue depth and LMDB map use.
 */
#ifndef CAURIS_RPC_METRICS_H
#define CAURIS_RPC_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "rpc/connect.h"
#include "rpc/handlers.h"

#define METRICS_LATENCY_BUCKETS 12
#define METRICS_METHODS (RPC_ROUTES_COUNT + 1) /* the last: other paths */

typedef struct rpc_metrics_counts {
    uint64_t requests[METRICS_METHODS][CONNECT_CODES_COUNT];
    uint64_t entries_posted;  /* entries with result ok */
    uint64_t entries_refused; /* by the ledger's rules (a retry is not) */
    uint64_t commits;         /* that wrote something; the histogram's count */
    uint64_t commit_buckets[METRICS_LATENCY_BUCKETS]; /* cumulative at render */
    double commit_seconds_sum;
    uint64_t connections_refused;
} rpc_metrics_counts;

typedef struct rpc_metrics {
    pthread_mutex_t mutex; /* the writer thread adds commits */
    rpc_metrics_counts c;
} rpc_metrics;

void rpc_metrics_init(rpc_metrics *m);
void rpc_metrics_destroy(rpc_metrics *m);
/* `route` NULL for paths outside the service. */
void rpc_metrics_request(rpc_metrics *m, const rpc_route *route, connect_code code);
void rpc_metrics_entries(rpc_metrics *m, uint64_t posted, uint64_t refused);
void rpc_metrics_commit(rpc_metrics *m, uint64_t micros);
void rpc_metrics_connection_refused(rpc_metrics *m);

typedef struct rpc_metrics_gauges {
    uint64_t queued_entries;
    uint64_t connections_open;
    uint64_t tree_size;
    uint64_t map_size_bytes, map_used_bytes;
} rpc_metrics_gauges;

/* The text exposition, malloc'd (caller frees); NULL when out of memory. */
char *rpc_metrics_render(rpc_metrics *m, const rpc_metrics_gauges *g, size_t *len_out);

#endif /* CAURIS_RPC_METRICS_H */
