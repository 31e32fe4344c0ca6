/*
 * metrics.c — counters and the Prometheus text exposition (version 0.0.4).
 * Counters are plain integers under one mutex: the event loop counts
 * requests, the writer thread counts commits, /metrics reads both.
 * Never: I/O.
 */
#include "rpc/metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Commit latency buckets, seconds. */
static const double bucket_le[METRICS_LATENCY_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
};

void rpc_metrics_init(rpc_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mutex, NULL);
}

void rpc_metrics_destroy(rpc_metrics *m)
{
    pthread_mutex_destroy(&m->mutex);
}

void rpc_metrics_request(rpc_metrics *m, const rpc_route *route, connect_code code)
{
    size_t i = route ? (size_t)(route - rpc_routes()) : RPC_ROUTES_COUNT;
    if ((unsigned)code >= CONNECT_CODES_COUNT)
        code = CONNECT_UNKNOWN;
    pthread_mutex_lock(&m->mutex);
    m->c.requests[i][code]++;
    pthread_mutex_unlock(&m->mutex);
}

void rpc_metrics_entries(rpc_metrics *m, uint64_t posted, uint64_t refused)
{
    pthread_mutex_lock(&m->mutex);
    m->c.entries_posted += posted;
    m->c.entries_refused += refused;
    pthread_mutex_unlock(&m->mutex);
}

void rpc_metrics_commit(rpc_metrics *m, uint64_t micros)
{
    double s = (double)micros / 1e6;
    pthread_mutex_lock(&m->mutex);
    m->c.commits++;
    for (int i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
        if (s <= bucket_le[i]) {
            m->c.commit_buckets[i]++;
            break;
        }
    }
    m->c.commit_seconds_sum += s;
    pthread_mutex_unlock(&m->mutex);
}

void rpc_metrics_connection_refused(rpc_metrics *m)
{
    pthread_mutex_lock(&m->mutex);
    m->c.connections_refused++;
    pthread_mutex_unlock(&m->mutex);
}

typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text;

static void out(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(text *t, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n) * 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

static void render_requests(text *t, const rpc_metrics_counts *m)
{
    out(t, "# HELP cauris_rpc_requests_total RPC requests by method and Connect code.\n"
           "# TYPE cauris_rpc_requests_total counter\n");
    for (size_t i = 0; i < METRICS_METHODS; i++) {
        const char *method = i < RPC_ROUTES_COUNT ? rpc_routes()[i].method : "other";
        for (int c = 0; c < CONNECT_CODES_COUNT; c++) {
            if (m->requests[i][c] == 0 && c != CONNECT_OK)
                continue;
            out(t, "cauris_rpc_requests_total{method=\"%s\",code=\"%s\"} %llu\n", method,
                connect_code_name((connect_code)c), (unsigned long long)m->requests[i][c]);
        }
    }
}

static void render_commits(text *t, const rpc_metrics_counts *m)
{
    out(t,
        "# HELP cauris_entries_posted_total Entries committed with result ok.\n"
        "# TYPE cauris_entries_posted_total counter\n"
        "cauris_entries_posted_total %llu\n"
        "# HELP cauris_entries_refused_total Entries refused by the ledger's rules.\n"
        "# TYPE cauris_entries_refused_total counter\n"
        "cauris_entries_refused_total %llu\n"
        "# HELP cauris_commits_total Group commits (one fsync and one checkpoint each).\n"
        "# TYPE cauris_commits_total counter\n"
        "cauris_commits_total %llu\n",
        (unsigned long long)m->entries_posted, (unsigned long long)m->entries_refused,
        (unsigned long long)m->commits);
    out(t, "# HELP cauris_commit_seconds Duration of a group commit, fsync included.\n"
           "# TYPE cauris_commit_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
        cumulative += m->commit_buckets[i];
        out(t, "cauris_commit_seconds_bucket{le=\"%g\"} %llu\n", bucket_le[i],
            (unsigned long long)cumulative);
    }
    out(t,
        "cauris_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
        "cauris_commit_seconds_sum %.6f\n"
        "cauris_commit_seconds_count %llu\n",
        (unsigned long long)m->commits, m->commit_seconds_sum, (unsigned long long)m->commits);
}

static void render_gauges(text *t, const rpc_metrics_counts *m, const rpc_metrics_gauges *g)
{
    out(t,
        "# HELP cauris_queue_entries Entries waiting for the writer.\n"
        "# TYPE cauris_queue_entries gauge\n"
        "cauris_queue_entries %llu\n"
        "# HELP cauris_connections Open client connections.\n"
        "# TYPE cauris_connections gauge\n"
        "cauris_connections %llu\n"
        "# HELP cauris_connections_refused_total Connections refused at the limit.\n"
        "# TYPE cauris_connections_refused_total counter\n"
        "cauris_connections_refused_total %llu\n"
        "# HELP cauris_tree_size Leaves in the signed log.\n"
        "# TYPE cauris_tree_size gauge\n"
        "cauris_tree_size %llu\n"
        "# HELP cauris_lmdb_map_size_bytes Size of the LMDB memory map.\n"
        "# TYPE cauris_lmdb_map_size_bytes gauge\n"
        "cauris_lmdb_map_size_bytes %llu\n"
        "# HELP cauris_lmdb_map_used_bytes Bytes of the map in use.\n"
        "# TYPE cauris_lmdb_map_used_bytes gauge\n"
        "cauris_lmdb_map_used_bytes %llu\n",
        (unsigned long long)g->queued_entries, (unsigned long long)g->connections_open,
        (unsigned long long)m->connections_refused, (unsigned long long)g->tree_size,
        (unsigned long long)g->map_size_bytes, (unsigned long long)g->map_used_bytes);
}

char *rpc_metrics_render(rpc_metrics *m, const rpc_metrics_gauges *g, size_t *len_out)
{
    text t = {malloc(8192), 0, 8192, false};
    if (t.p == NULL)
        return NULL;
    pthread_mutex_lock(&m->mutex);
    rpc_metrics_counts copy = m->c;
    pthread_mutex_unlock(&m->mutex);
    render_requests(&t, &copy);
    render_commits(&t, &copy);
    render_gauges(&t, &copy, g);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    *len_out = t.len;
    return t.p;
}
