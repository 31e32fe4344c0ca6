/*
 * bench_pg.c — the PostgreSQL peer alone: how fast an honest PostgreSQL 15
 * posts bench_post's workload, and which way of sending a batch is the
 * fastest (PERFORMANCE.md's PostgreSQL rows, measured again).
 *
 * Starts its own PostgreSQL in a temporary directory (bench/pg.h: settings,
 * schema, durability), loads 100,000 wallets and funds each, then posts
 * bench_post's transfers (the same seed, accounts and batches of 8,000: run
 * 1 replays bench_post's first run) one transaction per batch, in turn by
 * each way, run by run (v1, v2, v3, v4, v1, ...):
 *
 *   1. arrays of account ids, one SELECT post_batch(...) per batch (what
 *      bench_post and bench_rpc use as the peer);
 *   2. the same with account codes, resolved by PostgreSQL;
 *   3. COPY into a temp table, then one INSERT ... SELECT function call;
 *   4. as 1 without the per-account history index (in a second database),
 *      what PostgreSQL gives when statements are not served from it.
 *
 * Then bench_rpc's mix (1 entry in 8 a wage) from 1 and 4 connections in
 * timed windows, to show what concurrency gives PostgreSQL here, and
 * bench_post's transfers alone from 4 connections: every batch of the mix
 * updates programme:wages, whose row lock serializes the batches.
 *
 * Only the call that posts a batch is timed (filling and encoding it is
 * not), as bench_post times only ledger_commit. Prints one table.
 * "PostgreSQL not installed: skipped" (exit 0) where initdb is not found.
 *
 * Usage: bench_pg [--full] [--runs N] [--entries N] [--batch B]
 *                 [--accounts A] [--skip-windows]
 * Default: 5 runs x 64,000 entries per way (~1.5 min); --full: 5 x 400,000.
 */
#include "bench/bench.h"
#include "bench/pg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PGB_ACCOUNTS_DEFAULT 100000u
#define PGB_ACCOUNTS_MAX 10000000u
#define PGB_RUNS_DEFAULT 5u
#define PGB_RUNS_MAX 50u
#define PGB_ENTRIES_DEFAULT 64000u
#define PGB_ENTRIES_FULL 400000u
#define PGB_ENTRIES_MAX 100000000u
#define PGB_BATCH_DEFAULT 8000u
#define PGB_WAYS 4
#define PGB_WINDOW_S 3.0
#define PGB_WINDOW_S_FULL 10.0
#define PGB_WARMUP_S 0.5
#define PGB_WINDOW_CONNECTIONS 4u
#define PGB_SEED 0x2545F4914F6CDD1DULL /* bench_post's BENCH_SEED */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_pg: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1); /* atexit stops PostgreSQL and removes its directory */
}

typedef struct params {
    uint32_t accounts, runs, entries, batch;
    double window_s;
    bool full, windows;
} params;

static const char *const way_names[PGB_WAYS] = {
    "1. arrays of account ids, one call per batch",
    "2. arrays of account codes, resolved by PostgreSQL",
    "3. COPY into a temp table, then one INSERT ... SELECT call",
    "4. as 1, without the per-account history index",
};

static params args_parse(int argc, char **argv)
{
    params p = {PGB_ACCOUNTS_DEFAULT,
                PGB_RUNS_DEFAULT,
                PGB_ENTRIES_DEFAULT,
                PGB_BATCH_DEFAULT,
                PGB_WINDOW_S,
                false,
                true};
    bool entries_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--full") == 0) {
            p.full = true;
        } else if (strcmp(a, "--runs") == 0 && next != NULL) {
            p.runs = bench_arg_u32(next, 1, PGB_RUNS_MAX, "--runs");
            i++;
        } else if (strcmp(a, "--entries") == 0 && next != NULL) {
            p.entries = bench_arg_u32(next, 1, PGB_ENTRIES_MAX, "--entries");
            entries_set = true;
            i++;
        } else if (strcmp(a, "--batch") == 0 && next != NULL) {
            p.batch = bench_arg_u32(next, 1, PG_BATCH_MAX, "--batch");
            i++;
        } else if (strcmp(a, "--accounts") == 0 && next != NULL) {
            p.accounts = bench_arg_u32(next, 2, PGB_ACCOUNTS_MAX, "--accounts");
            i++;
        } else if (strcmp(a, "--skip-windows") == 0) {
            p.windows = false;
        } else {
            bench_usage("bench_pg [--full] [--runs N] [--entries N] [--batch B] [--accounts A] "
                        "[--skip-windows]");
        }
    }
    if (p.full) {
        if (!entries_set)
            p.entries = PGB_ENTRIES_FULL;
        p.window_s = PGB_WINDOW_S_FULL;
    }
    if (p.entries < p.batch)
        p.entries = p.batch;
    p.entries -= p.entries % p.batch; /* whole batches */
    return p;
}

static void figures_row(const char *what, double *v, size_t n, double ref, const char *extra)
{
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    double med = bench_median_of(v, n);
    printf("| %s | %zu | **%.0f** | %.0f | %.0f | %.2f | %s |\n", what, n, med, lo, hi,
           ref > 0 ? med / ref : 1.0, extra);
}

int main(int argc, char **argv)
{
    params p = args_parse(argc, argv);
    pg_server pg;
    bench_machine_print("bench_pg — the PostgreSQL peer: bench_post's workload");
    if (!pg_find(&pg)) {
        printf("| result | PostgreSQL not installed: skipped (no initdb and postgres in "
               "$PG_BINDIR, /usr/lib/postgresql/*/bin or $PATH) |\n\n");
        printf("PostgreSQL not installed: skipped\n");
        return 0;
    }
    double t_start = bench_now_s();
    pg_init(&pg);
    pg_start(&pg);
    pg_settings_print(&pg);
    printf("| size | %s |\n", p.full ? "--full" : "default");
    printf("| accounts | %" PRIu32 " wallets participant:P<n>:wallet, each funded with %d "
           "from programme:wages (one entry of 2 legs each, batches of 8,000) |\n",
           p.accounts, PG_FUNDING);
    printf("| runs | %" PRIu32 " per way, interleaved 1,2,3,4,1,...; each 1 warm-up batch then "
           "%" PRIu32 " entries in batches of %" PRIu32 ", one transaction each; only the "
           "posting call timed |\n",
           p.runs, p.entries, p.batch);
    printf("| workload | bench_post's: transfers between two wallets drawn uniformly (seed "
           "0x%016llx, run 1 = bench_post's run 1), amounts 1..%u; ways 1-3 on one database "
           "(with the history index), way 4 on a second one |\n",
           (unsigned long long)PGB_SEED, PG_AMOUNT_MAX);
    fflush(stdout);

    double t0 = bench_now_s();
    pg_database_load(&pg, "postgres", p.accounts, true);
    pg_database_load(&pg, "nohist", p.accounts, false);
    printf("| setup | two databases loaded and funded in %.1f s |\n\n", bench_now_s() - t0);
    fflush(stdout);

    PGconn *hist = pg_connect_db(&pg, "postgres"), *nohist = pg_connect_db(&pg, "nohist");
    pg_session_prepare(hist);
    pg_session_prepare(nohist);
    double per[PGB_WAYS][PGB_RUNS_MAX];
    pg_figure last[PGB_WAYS];
    printf("| run | way | entries/s | ms per batch | WAL MB per batch | full-page images per "
           "batch |\n|---|---|---|---|---|---|\n");
    for (uint32_t run = 0; run < p.runs; run++) {
        for (unsigned w = 0; w < PGB_WAYS; w++) {
            /* Every way posts the same transfers in a run. */
            uint64_t rng = run == 0 ? PGB_SEED : PGB_SEED ^ ((uint64_t)(run + 1) << 40);
            PGconn *c = w == 3 ? nohist : hist;
            pg_method m = w == 3 ? PG_ARRAYS : (pg_method)w;
            pg_figure f = pg_run_count(c, m, PG_TRANSFERS, &rng, p.accounts, p.batch, p.entries,
                                       run * PGB_WAYS + w + 1);
            pg_between_runs(c);
            per[w][run] = f.per_s;
            last[w] = f;
            printf("| %" PRIu32 " | %u | %.0f | %.1f | %.2f | %.0f |\n", run + 1, w + 1,
                   f.per_s, 1e3 * f.seconds / f.batches, f.wal_mb_per_batch, f.fpi_per_batch);
            fflush(stdout);
            fprintf(stderr, "run %" PRIu32 " way %u: %.0f entries/s\n", run + 1, w + 1,
                    f.per_s);
        }
    }
    double ref = bench_median_of(per[0], p.runs);
    printf("\n| way (one connection, batches of %" PRIu32 ") | runs | median entries/s | min | "
           "max | / way 1 | WAL MB per batch (last run) |\n|---|---|---|---|---|---|---|\n",
           p.batch);
    for (unsigned w = 0; w < PGB_WAYS; w++) {
        char extra[64];
        snprintf(extra, sizeof extra, "%.2f", last[w].wal_mb_per_batch);
        figures_row(way_names[w], per[w], p.runs, ref, extra);
    }
    double with = pg_check(hist), without = pg_check(nohist);
    printf("\nPostgreSQL's ledgers checked after the runs (bench/pg.h, pg_check): %.0f entries "
           "with the history index, %.0f without, " PG_CHECKED ".\n",
           with, without);
    PQfinish(hist);
    PQfinish(nohist);

    if (p.windows) {
        /* bench_rpc's mix in timed windows, 1 and 4 connections, way 1;
         * then transfers alone (no hot row) from 4. */
        static const uint32_t conns[3] = {1, PGB_WINDOW_CONNECTIONS, PGB_WINDOW_CONNECTIONS};
        static const pg_workload loads[3] = {PG_MIX, PG_MIX, PG_TRANSFERS};
        double wper[3][PGB_RUNS_MAX];
        for (uint32_t run = 0; run < p.runs; run++) {
            for (unsigned k = 0; k < 3; k++) {
                pg_figure f = pg_run_window(&pg, "postgres", PG_ARRAYS, loads[k], p.accounts,
                                            conns[k], p.batch, PGB_WARMUP_S, p.window_s,
                                            PGB_SEED, 1000 + run * 3 + k);
                PGconn *c = pg_connect_db(&pg, "postgres");
                pg_between_runs(c);
                PQfinish(c);
                wper[k][run] = f.per_s;
                fprintf(stderr,
                        "window run %" PRIu32 ", way %u, %" PRIu32 " connections: %.0f/s\n",
                        run + 1, k + 1, conns[k], f.per_s);
            }
        }
        printf("\n| way 1, %.0f s windows, batches of %" PRIu32 " | runs | median entries/s | "
               "min | max | / 1 connection (mix) | |\n|---|---|---|---|---|---|---|\n",
               p.window_s, p.batch);
        double one[PGB_RUNS_MAX];
        memcpy(one, wper[0], sizeof one);
        double ref1 = bench_median_of(one, p.runs);
        for (unsigned k = 0; k < 3; k++) {
            char what[128];
            snprintf(what, sizeof what, "%s, %" PRIu32 " connection%s",
                     loads[k] == PG_MIX ? "bench_rpc's mix (1 in 8 a wage)"
                                        : "bench_post's transfers (no hot row)",
                     conns[k], conns[k] > 1 ? "s" : "");
            figures_row(what, wper[k], p.runs, ref1, "");
        }
    }
    if (p.windows) {
        PGconn *c = pg_connect_db(&pg, "postgres");
        printf("\nAfter the windows, checked again: %.0f entries.\n", pg_check(c));
        PQfinish(c);
    }
    pg_destroy(&pg);
    printf("\nTotal time: %.0f s.\n\n", bench_now_s() - t_start);
    return 0;
}
