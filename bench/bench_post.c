/*
 * bench_post.c — durable posting through the library alone.
 *
 * Measures what PERFORMANCE.md calls "the same through the library alone":
 * transfers between two wallets chosen uniformly at random among 100,000,
 * posted in group commits of 8,000 entries (one LMDB write transaction, one
 * Merkle append, one signed checkpoint, one fsync each). Two ways of handing
 * the entries over are timed side by side, interleaved run by run on the
 * same ledger: one request of 8,000 per commit (A), and 8 requests of 1,000
 * in one commit (B), the way the server groups its clients' requests. The
 * PostgreSQL peer (bench/pg.h) runs third in each round, posting the very
 * transfers of that round's A run, one transaction per batch of 8,000, so
 * the ratio to PostgreSQL is taken side by side (A, B, PG, A, B, PG, ...).
 *
 * Then: the rate by commit size (8,000 to 64,000); growth: the same runs on
 * a ledger of 1 M and one of 10 M entries (--full; 100,000 and 1 M by
 * default), interleaved; `cauris verify` of the larger one, 5 times; and,
 * on a fresh ledger opened with the default map size, one run that pays
 * for map growth.
 *
 * Every result must be LEDGER_OK: a refused entry aborts the benchmark,
 * since a benchmark that posts refusals measures nothing.
 *
 * Usage: bench_post [--full] [--runs N] [--entries N] [--accounts N]
 *                   [--skip-pg] [--skip-sizes] [--skip-growth]
 *                   [--skip-verify] [--skip-map] [--ordered-ids]
 * Default: 5 runs x 200,000 entries per variant (about 3 minutes on 2
 * cores); --full: 5 runs x 1,000,000 per variant, growth to 10 M.
 * `cauris verify` is ../cauris beside this program, or $CAURIS_BIN.
 */
#include "bench/bench.h"
#include "bench/pg.h"
#include "ledger/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_ACCOUNTS_DEFAULT 100000u
#define BENCH_ACCOUNTS_MAX 10000000u
#define BENCH_RUNS_DEFAULT 5u
#define BENCH_RUNS_MAX 100u
#define BENCH_RUN_ENTRIES_DEFAULT 200000u
#define BENCH_RUN_ENTRIES_FULL 1000000u
#define BENCH_RUN_ENTRIES_MAX 100000000u
#define BENCH_COMMIT_ENTRIES 8000u     /* entries per ledger_commit */
#define BENCH_REQUESTS_PER_COMMIT 8u   /* variant B: 8 requests of 1,000 */
#define BENCH_COMMIT_MAX 64000u        /* largest commit of the size table */
#define BENCH_SIZES_COUNT 4            /* commit sizes 8,000 .. 64,000 */
#define BENCH_SIZE_RUNS 3u             /* runs per commit size */
#define BENCH_SIZE_RUN_ENTRIES 384000u /* entries per run: 6 commits of 64,000 */
#define BENCH_MAP_BYTES ((size_t)4 << 30)
#define BENCH_MAP_BYTES_FULL ((size_t)32 << 30)
#define BENCH_FUNDING_AMOUNT 1000000000 /* XOF per wallet, before transfers */
#define BENCH_AMOUNT_MAX 1000u          /* transfer amounts are 1..this */
#define BENCH_VALUE_DATE 20260115u
#define BENCH_SEED 0x2545F4914F6CDD1DULL
#define BENCH_TARGET_PER_S 150000.0        /* PERFORMANCE.md, library posting */
#define BENCH_VERIFY_TARGET_PER_S 300000.0 /* PERFORMANCE.md, cauris verify */
#define BENCH_ID_MAX 32                    /* client id buffer, bytes */
#define BENCH_CODE_MAX 40                  /* wallet code buffer, bytes */
#define BENCH_PATH_MAX 4096
#define BENCH_VARIANTS 3            /* A, B and the PostgreSQL peer */
#define BENCH_PG 2                  /* the peer's variant number */
#define BENCH_GROWTH_SMALL 100000u  /* entries in the smaller growth ledger */
#define BENCH_GROWTH_LARGE 1000000u /* ... and in the larger one */
#define BENCH_GROWTH_SMALL_FULL 1000000u
#define BENCH_GROWTH_LARGE_FULL 10000000u
#define BENCH_GROWTH_RUN_ENTRIES 80000u /* timed per growth run (10 commits) */
#define BENCH_GROWTH_RUN_ENTRIES_FULL 200000u
#define BENCH_GROWTH_TARGET 0.7 /* PERFORMANCE.md: rate at 10 M / at 1 M */
#define BENCH_VERIFY_RUNS 5u

_Static_assert(BENCH_COMMIT_ENTRIES <= LEDGER_REQUEST_ENTRIES_MAX,
               "variant A sends one request per commit");
_Static_assert(BENCH_COMMIT_ENTRIES % BENCH_REQUESTS_PER_COMMIT == 0,
               "variant B splits a commit into equal requests");
_Static_assert(BENCH_COMMIT_MAX / BENCH_COMMIT_ENTRIES <= BENCH_REQUESTS_PER_COMMIT,
               "the largest commit is requests of 8,000");
_Static_assert(BENCH_SIZE_RUN_ENTRIES % BENCH_COMMIT_MAX == 0, "whole commits of every size");
_Static_assert(BENCH_CODE_MAX > sizeof "participant:P10000000:wallet",
               "wallet codes fit their buffer");

typedef struct bench_params {
    uint32_t accounts;
    uint32_t runs;
    uint32_t run_entries; /* timed entries per run, a multiple of a commit */
    size_t map_bytes;
    bool full;
    bool map;         /* also one run on a ledger opened with the default map */
    bool verify;      /* `cauris verify`, 5 times */
    bool sizes;       /* also the table of commit sizes */
    bool ordered_ids; /* zero-padded client ids */
    bool pg;          /* the PostgreSQL peer */
    bool growth;      /* the 1 M / 10 M ledgers */
    uint32_t growth_small, growth_large, growth_run_entries;
} bench_params;

/* One ledger under test and the buffers of one commit, reused. */
typedef struct bench_work {
    ledger *l;
    char dir[BENCH_PATH_MAX];
    uint32_t accounts;
    char (*codes)[BENCH_CODE_MAX];
    ledger_entry_in *entries;
    ledger_result *results;
    char (*ids)[BENCH_ID_MAX];
    uint64_t rng;
    uint64_t entries_posted; /* by this program, funding included */
    bool ordered_ids;        /* zero-padded client ids: key order = posting order */
    uint64_t phase_us[3];    /* apply, seal, sync: summed from ledger_commit_info */
} bench_work;

typedef struct bench_run {
    unsigned variant; /* 0 = A, 1 = B, 2 = PostgreSQL */
    uint32_t run_no;
    uint64_t tree_before;
    double seconds;
    double per_s;
    double written_mb_per_commit; /* write(2) bytes (wchar), < 0 if unknown; PG: WAL */
    double phase_ms[3];           /* per commit: apply, seal, sync (ledger_commit_info) */
} bench_run;

static const char *const variant_names[BENCH_VARIANTS] = {
    "A: 1 request x 8,000",
    "B: 8 requests x 1,000",
    "PostgreSQL: 1 transaction x 8,000",
};

/* Temp dirs to remove however the program ends: the main ledger, the map
 * growth one, the two growth ledgers. */
static char cleanup_dirs[4][BENCH_PATH_MAX];

static void cleanup(void)
{
    for (size_t i = 0; i < sizeof cleanup_dirs / sizeof cleanup_dirs[0]; i++) {
        if (cleanup_dirs[i][0] != '\0')
            bench_dir_remove(cleanup_dirs[i]);
        cleanup_dirs[i][0] = '\0';
    }
}

static void die(const char *fmt, ...)
{
    if (pg_active != NULL && pg_active->pid > 0)
        fprintf(stderr, "bench_post: (PostgreSQL's log: %s)\n", pg_active->log);
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_post: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1); /* atexit removes the temp dirs */
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

/* ---- machine ---- */

static void machine_print(const bench_params *p)
{
    bench_machine_print("bench_post — durable posting through the library");
    printf("| size | %s |\n", p->full ? "--full" : "default");
    printf("| accounts | %" PRIu32 " participant wallets (random pair per transfer) |\n",
           p->accounts);
    printf("| runs | %" PRIu32 " per variant, interleaved A,B,%sA,B,... on one ledger |\n",
           p->runs, p->pg ? "PostgreSQL," : "");
    printf("| entries per run | %" PRIu32 " timed (%" PRIu32
           " commits of %u) after 1 warm-up commit |\n",
           p->run_entries, p->run_entries / BENCH_COMMIT_ENTRIES, BENCH_COMMIT_ENTRIES);
    printf("| entry | 2 legs, posted, transfer, partner mfi1, amounts 1..%u XOF |\n",
           BENCH_AMOUNT_MAX);
    printf("| map_size_initial | %zu MiB |\n", p->map_bytes >> 20);
    if (p->growth)
        printf("| growth | two more ledgers of %" PRIu32 " and %" PRIu32
               " entries (grown in commits of 64,000), %" PRIu32 " runs each of %" PRIu32
               " entries, variant A, interleaved |\n",
               p->growth_small, p->growth_large, p->runs, p->growth_run_entries);
    fflush(stdout);
}

/* ---- ledger setup ---- */

static void work_init(bench_work *w, uint32_t accounts)
{
    memset(w, 0, sizeof *w);
    w->accounts = accounts;
    w->rng = BENCH_SEED;
    w->codes = xcalloc(accounts, sizeof *w->codes);
    w->entries = xcalloc(BENCH_COMMIT_MAX, sizeof *w->entries);
    w->results = xcalloc(BENCH_COMMIT_MAX, sizeof *w->results);
    w->ids = xcalloc(BENCH_COMMIT_MAX, sizeof *w->ids);
    for (uint32_t i = 0; i < accounts; i++)
        snprintf(w->codes[i], BENCH_CODE_MAX, "participant:P%" PRIu32 ":wallet", i + 1);
}

static void work_free(bench_work *w)
{
    free(w->codes);
    free(w->entries);
    free(w->results);
    free(w->ids);
    memset(w, 0, sizeof *w);
}

/* Creates a ledger in a new temp dir; map_bytes 0 = the library's default. */
static void ledger_make(bench_work *w, size_t map_bytes, char *cleanup_slot)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(w->dir, sizeof w->dir, "%s/cauris-bench-post-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(w->dir) == NULL)
        die("mkdtemp %s: %s", w->dir, strerror(errno));
    snprintf(cleanup_slot, BENCH_PATH_MAX, "%s", w->dir);
    ledger_init_options io = {.programme = "bench", .currency = "XOF"};
    io.open.map_size_initial = map_bytes;
    int err = ledger_init(w->dir, &io);
    if (err != LEDGER_OK)
        die("ledger_init %s: %s", w->dir, ledger_strerror(err));
    ledger_options oo = {.map_size_initial = map_bytes};
    err = ledger_open(&w->l, w->dir, &oo);
    if (err != LEDGER_OK)
        die("ledger_open %s: %s", w->dir, ledger_strerror(err));
}

static void accounts_open(bench_work *w)
{
    const char **codes = xcalloc(LEDGER_ACCOUNTS_OPEN_MAX, sizeof *codes);
    int *results = xcalloc(LEDGER_ACCOUNTS_OPEN_MAX, sizeof *results);
    for (uint32_t first = 0; first < w->accounts; first += LEDGER_ACCOUNTS_OPEN_MAX) {
        uint32_t n = w->accounts - first;
        if (n > LEDGER_ACCOUNTS_OPEN_MAX)
            n = LEDGER_ACCOUNTS_OPEN_MAX;
        for (uint32_t i = 0; i < n; i++)
            codes[i] = w->codes[first + i];
        int err = ledger_accounts_open(w->l, "bench", codes, n, results);
        if (err != LEDGER_OK)
            die("ledger_accounts_open: %s", ledger_strerror(err));
        for (uint32_t i = 0; i < n; i++) {
            if (results[i] != LEDGER_OK)
                die("opening %s: %s", codes[i], ledger_err_name(results[i]));
        }
    }
    free(codes);
    free(results);
}

static void entry_fill(ledger_entry_in *e, const char *client_id, ledger_op op,
                       const char *debit, const char *credit, int64_t amount)
{
    memset(e, 0, sizeof *e);
    e->programme = "bench";
    e->kind = LEDGER_KIND_POSTED;
    e->op = op;
    e->partner = "mfi1";
    e->principal = "bench";
    e->client_id = client_id;
    e->value_date = BENCH_VALUE_DATE;
    e->legs_count = 2;
    e->legs[0] = (ledger_leg_in){debit, LEDGER_DEBIT, amount};
    e->legs[1] = (ledger_leg_in){credit, LEDGER_CREDIT, amount};
}

/* Commits entries[0..count) as `requests` equal requests; every one must
 * be posted. */
static void commit_checked(bench_work *w, uint32_t count, uint32_t requests)
{
    ledger_request reqs[BENCH_REQUESTS_PER_COMMIT];
    uint32_t per = count / requests;
    if (requests == 0 || requests > BENCH_REQUESTS_PER_COMMIT || per * requests != count)
        die("internal: %" PRIu32 " entries do not split into %" PRIu32 " requests", count,
            requests);
    for (uint32_t r = 0; r < requests; r++)
        reqs[r] = (ledger_request){w->entries + r * per, per, false, w->results + r * per};
    static ledger_commit_info info;
    int err = ledger_commit(w->l, reqs, requests, &info);
    if (err != LEDGER_OK)
        die("ledger_commit: %s", ledger_strerror(err));
    w->phase_us[0] += info.apply_us;
    w->phase_us[1] += info.seal_us;
    w->phase_us[2] += info.sync_us;
    for (uint32_t i = 0; i < count; i++) {
        if (w->results[i].err != LEDGER_OK)
            die("entry %s refused: %s (%s)", w->entries[i].client_id,
                ledger_err_name(w->results[i].err), ledger_strerror(w->results[i].err));
    }
    w->entries_posted += count;
}

/* Credits every wallet from programme:wages so no transfer is refused. */
static void fund(bench_work *w)
{
    for (uint32_t first = 0; first < w->accounts; first += BENCH_COMMIT_ENTRIES) {
        uint32_t n = w->accounts - first;
        if (n > BENCH_COMMIT_ENTRIES)
            n = BENCH_COMMIT_ENTRIES;
        for (uint32_t i = 0; i < n; i++) {
            snprintf(w->ids[i], BENCH_ID_MAX, "fund-%" PRIu32, first + i + 1);
            /* A transfer, not a typed wage: the wallets here are bare
             * accounts, not enrolled participants. */
            entry_fill(&w->entries[i], w->ids[i], LEDGER_OP_TRANSFER, "programme:wages",
                       w->codes[first + i], BENCH_FUNDING_AMOUNT);
        }
        commit_checked(w, n, 1);
    }
}

/* Seconds to open the accounts and fund them. */
static double setup(bench_work *w)
{
    double t0 = bench_now_s();
    accounts_open(w);
    fund(w);
    return bench_now_s() - t0;
}

/* ---- the measure ---- */

/* Bytes this process has handed to write(2) and friends so far (Linux
 * /proc/self/io "wchar"); -1 where unavailable. LMDB writes every dirty page
 * of a commit with pwrite/writev, so the difference over a run is the pages
 * a commit writes. */
static long long written_bytes(void)
{
    char v[64];
    bench_proc_field("/proc/self/io", "wchar", v, sizeof v);
    char *end;
    long long n = strtoll(v, &end, 10);
    return end == v ? -1 : n;
}

/* Fills one commit of `count` random transfers, client ids "<tag><run>-<n>"
 * ('r' for timed runs, 'g' for growing a ledger). */
static void transfers_fill(bench_work *w, char tag, uint32_t run_no, uint32_t *next_id,
                           uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t a, b;
        int64_t amount;
        bench_transfer_draw(&w->rng, w->accounts, BENCH_AMOUNT_MAX, &a, &b, &amount);
        if (w->ordered_ids)
            snprintf(w->ids[i], BENCH_ID_MAX, "%c%04" PRIu32 "-%010" PRIu32, tag, run_no,
                     (*next_id)++);
        else
            snprintf(w->ids[i], BENCH_ID_MAX, "%c%" PRIu32 "-%" PRIu32, tag, run_no,
                     (*next_id)++);
        entry_fill(&w->entries[i], w->ids[i], LEDGER_OP_TRANSFER, w->codes[a], w->codes[b],
                   amount);
    }
}

/* One warm-up commit, then `entries` timed in commits of `per_commit`
 * entries sent as `requests` equal requests; filling the buffers is outside
 * the timed region, only ledger_commit is timed. */
static bench_run run_commits(bench_work *w, unsigned variant, uint32_t run_no, uint32_t entries,
                             uint32_t per_commit, uint32_t requests)
{
    bench_run r = {variant, run_no, w->entries_posted, 0, 0, -1, {0, 0, 0}};
    uint32_t next_id = 1;
    transfers_fill(w, 'r', run_no, &next_id, per_commit);
    commit_checked(w, per_commit, requests);
    r.tree_before = w->entries_posted;
    long long written = written_bytes();
    uint64_t phases[3];
    memcpy(phases, w->phase_us, sizeof phases);
    for (uint32_t done = 0; done < entries; done += per_commit) {
        transfers_fill(w, 'r', run_no, &next_id, per_commit);
        double t0 = bench_now_s();
        commit_checked(w, per_commit, requests);
        r.seconds += bench_now_s() - t0;
    }
    r.per_s = (double)entries / r.seconds;
    for (int k = 0; k < 3; k++)
        r.phase_ms[k] =
            (double)(w->phase_us[k] - phases[k]) / 1e3 / (double)(entries / per_commit);
    r.written_mb_per_commit = -1;
    if (written >= 0 && written_bytes() >= written)
        r.written_mb_per_commit =
            (double)(written_bytes() - written) / 1e6 / (double)(entries / per_commit);
    return r;
}

/* Variant A (one request of 8,000 per commit) or B (8 requests of 1,000). */
static bench_run run_one(bench_work *w, unsigned variant, uint32_t run_no, uint32_t entries)
{
    return run_commits(w, variant, run_no, entries, BENCH_COMMIT_ENTRIES,
                       variant == 0 ? 1 : BENCH_REQUESTS_PER_COMMIT);
}

/* How the group commit's size moves the rate: what the server's batcher
 * gains by letting a commit grow under load. Sizes are taken in turn, run
 * by run, so ledger growth weighs on all of them alike. */
static void sizes_measure(bench_work *w, uint32_t *run_no)
{
    static const uint32_t sizes[BENCH_SIZES_COUNT] = {8000, 16000, 32000, 64000};
    double per[BENCH_SIZES_COUNT][BENCH_SIZE_RUNS], mb[BENCH_SIZES_COUNT] = {0};
    double phase[BENCH_SIZES_COUNT][3] = {{0}};
    for (uint32_t run = 0; run < BENCH_SIZE_RUNS; run++) {
        for (unsigned k = 0; k < BENCH_SIZES_COUNT; k++) {
            bench_run r = run_commits(w, 0, ++*run_no, BENCH_SIZE_RUN_ENTRIES, sizes[k],
                                      sizes[k] / BENCH_COMMIT_ENTRIES);
            per[k][run] = r.per_s;
            mb[k] = r.written_mb_per_commit;
            memcpy(phase[k], r.phase_ms, sizeof phase[k]); /* the last run's */
            fprintf(stderr, "size %" PRIu32 " run %" PRIu32 ": %.0f entries/s\n", sizes[k],
                    run + 1, r.per_s);
        }
    }
    printf("| entries per commit (requests of 8,000) | runs | median entries/s | min | max | "
           "apply / seal / sync ms per commit (last run) | MB written per commit | "
           "median / 150,000 target |\n|---|---|---|---|---|---|---|---|\n");
    for (unsigned k = 0; k < BENCH_SIZES_COUNT; k++) {
        double med = bench_median_of(per[k], BENCH_SIZE_RUNS);
        printf("| %" PRIu32 " | %u | %.0f | %.0f | %.0f | %.1f / %.1f / %.1f | %.1f | %.2f |\n",
               sizes[k], BENCH_SIZE_RUNS, med, per[k][0], per[k][BENCH_SIZE_RUNS - 1],
               phase[k][0], phase[k][1], phase[k][2], mb[k], med / BENCH_TARGET_PER_S);
    }
    printf("\n");
}

static long long file_bytes(const char *dir, const char *name)
{
    char path[BENCH_PATH_MAX + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The medians the closing summary needs. */
typedef struct bench_summary {
    double med[BENCH_VARIANTS];
    double lo[BENCH_VARIANTS], hi[BENCH_VARIANTS];
    double ratio_pg[2]; /* A and B: ratio of the medians to PostgreSQL's */
    double ratio_pg_med[2], ratio_pg_lo[2], ratio_pg_hi[2]; /* round by round */
    bool have_pg;
    double growth_small, growth_large, growth_ratio; /* medians, entries/s */
    double growth_ratio_lo, growth_ratio_hi;
    double verify_med, verify_lo, verify_hi;
    uint64_t verify_entries;
} bench_summary;

static double min_of(const double *v, size_t n)
{
    double m = n ? v[0] : 0;
    for (size_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double max_of(const double *v, size_t n)
{
    double m = n ? v[0] : 0;
    for (size_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* Prints the per-run table and the summary per variant. */
static void runs_print(const bench_params *p, const bench_run *runs, size_t n,
                       bench_summary *sum)
{
    double per[BENCH_VARIANTS][BENCH_RUNS_MAX];
    double round_ratio[2][BENCH_RUNS_MAX]; /* A_k / PG_k, B_k / PG_k */
    size_t count[BENCH_VARIANTS] = {0, 0, 0};
    printf("| run | variant | entries in ledger before | timed entries | seconds | entries/s | "
           "ms per commit | of which apply / seal / sync ms | MB written per commit (PG: WAL) "
           "|\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const bench_run *r = &runs[i];
        printf("| %" PRIu32 " | %s | %" PRIu64 " | %" PRIu32 " | %.2f | %.0f | %.1f | ",
               r->run_no, variant_names[r->variant], r->tree_before, p->run_entries, r->seconds,
               r->per_s, 1e3 * r->seconds / (double)(p->run_entries / BENCH_COMMIT_ENTRIES));
        if (r->variant == BENCH_PG)
            printf("— | %.1f |\n", r->written_mb_per_commit);
        else
            printf("%.1f / %.1f / %.1f | %.1f |\n", r->phase_ms[0], r->phase_ms[1],
                   r->phase_ms[2], r->written_mb_per_commit);
        per[r->variant][count[r->variant]++] = r->per_s;
    }
    sum->have_pg = count[BENCH_PG] > 0;
    for (size_t k = 0; sum->have_pg && k < count[BENCH_PG]; k++) {
        round_ratio[0][k] = per[0][k] / per[BENCH_PG][k];
        round_ratio[1][k] = per[1][k] / per[BENCH_PG][k];
    }
    for (unsigned v = 0; v < BENCH_VARIANTS; v++) {
        sum->lo[v] = min_of(per[v], count[v]);
        sum->hi[v] = max_of(per[v], count[v]);
        sum->med[v] = bench_median_of(per[v], count[v]);
    }
    printf("\n| variant | runs | median entries/s | min | max | median / 150,000 target | "
           "median / PostgreSQL median | round by round / PostgreSQL: median (min–max) |\n"
           "|---|---|---|---|---|---|---|---|\n");
    for (unsigned v = 0; v < BENCH_VARIANTS; v++) {
        if (count[v] == 0)
            continue;
        printf("| %s | %zu | **%.0f** | %.0f | %.0f | %s%.2f%s | ", variant_names[v], count[v],
               sum->med[v], sum->lo[v], sum->hi[v], v == BENCH_PG ? "(" : "**",
               sum->med[v] / BENCH_TARGET_PER_S, v == BENCH_PG ? ")" : "**");
        if (v < BENCH_PG && sum->have_pg) {
            sum->ratio_pg[v] = sum->med[v] / sum->med[BENCH_PG];
            sum->ratio_pg_lo[v] = min_of(round_ratio[v], count[BENCH_PG]);
            sum->ratio_pg_hi[v] = max_of(round_ratio[v], count[BENCH_PG]);
            sum->ratio_pg_med[v] = bench_median_of(round_ratio[v], count[BENCH_PG]);
            printf("**%.2f×** | %.2f× (%.2f–%.2f) |\n", sum->ratio_pg[v], sum->ratio_pg_med[v],
                   sum->ratio_pg_lo[v], sum->ratio_pg_hi[v]);
        } else {
            printf("— | — |\n");
        }
    }
    printf("\nB / A (medians): %.2f\n\n", sum->med[1] / sum->med[0]);
}

/* What the fresh ledger opened with the library's default map cost. */
typedef struct bench_map {
    double setup_s;
    bench_run run;
    long long data_bytes;
} bench_map;

/* One run with the library's default map size on a fresh ledger, setup
 * included, to show what map growth costs. Run next to the main ledger's
 * setup and first run so the two are compared side by side. */
static bench_map map_measure(const bench_params *p)
{
    bench_work g;
    bench_map out;
    work_init(&g, p->accounts);
    ledger_make(&g, 0, cleanup_dirs[1]);
    out.setup_s = setup(&g);
    out.run = run_one(&g, 0, 1, p->run_entries);
    ledger_close(g.l);
    out.data_bytes = file_bytes(g.dir, "data.mdb");
    bench_dir_remove(g.dir);
    cleanup_dirs[1][0] = '\0';
    work_free(&g);
    return out;
}

static void map_print(const bench_params *p, double big_setup_s, const bench_run *big_first,
                      const bench_map *g)
{
    printf("| map | setup (open %" PRIu32 " accounts + fund them), s | first run, variant A, "
           "entries/s |\n|---|---|---|\n",
           p->accounts);
    printf("| %zu MiB initial | %.2f | %.0f |\n", p->map_bytes >> 20, big_setup_s,
           big_first->per_s);
    printf("| default (64 MiB, doubling when full); data.mdb %lld bytes after | %.2f | %.0f |"
           "\n\n",
           g->data_bytes, g->setup_s, g->run.per_s);
}

/* ---- the PostgreSQL peer ---- */

/* One PostgreSQL run: the transfers that the A run of the same round
 * posted (from its rng state before it), one transaction per 8,000. */
static bench_run pg_run_one(PGconn *c, uint64_t rng, uint32_t accounts, uint32_t run_no,
                            uint32_t entries, uint64_t *pg_entries)
{
    bench_run r;
    memset(&r, 0, sizeof r);
    r.variant = BENCH_PG;
    r.run_no = run_no;
    *pg_entries += BENCH_COMMIT_ENTRIES; /* the warm-up batch */
    r.tree_before = *pg_entries;
    pg_figure f = pg_run_count(c, PG_ARRAYS, PG_TRANSFERS, &rng, accounts, BENCH_COMMIT_ENTRIES,
                               entries, run_no);
    *pg_entries += (uint64_t)f.entries;
    r.seconds = f.seconds;
    r.per_s = f.per_s;
    r.written_mb_per_commit = f.wal_mb_per_batch;
    pg_between_runs(c); /* outside the timed window, before cauris's next run */
    return r;
}

/* ---- growth: a ledger of 1 M entries and one of 10 M ---- */

/* Posts until the ledger holds `entries` entries, in commits of 64,000
 * (8 requests of 8,000), untimed; client ids "g<n>". */
static void grow_to(bench_work *w, uint64_t entries)
{
    uint32_t next_id = 1;
    while (w->entries_posted < entries) {
        uint64_t left = entries - w->entries_posted;
        uint32_t n =
            left >= BENCH_COMMIT_MAX ? BENCH_COMMIT_MAX : (uint32_t)left - (uint32_t)left % 8u;
        if (n == 0)
            break;
        uint32_t requests = n % BENCH_COMMIT_ENTRIES == 0 ? n / BENCH_COMMIT_ENTRIES : 8;
        transfers_fill(w, 'g', 0, &next_id, n);
        commit_checked(w, n, requests);
    }
}

/* Builds a ledger of `entries` entries (accounts opened and funded first). */
static double growth_ledger_make(bench_work *w, const bench_params *p, uint64_t entries,
                                 char *cleanup_slot)
{
    double t0 = bench_now_s();
    work_init(w, p->accounts);
    w->ordered_ids = p->ordered_ids;
    ledger_make(w, p->map_bytes, cleanup_slot);
    setup(w);
    grow_to(w, entries);
    return bench_now_s() - t0;
}

/* The same runs (variant A) on the smaller and the larger ledger in turn. */
static void growth_measure(const bench_params *p, bench_work *small, bench_work *large,
                           bench_summary *sum)
{
    double t_small = growth_ledger_make(small, p, p->growth_small, cleanup_dirs[2]);
    double t_large = growth_ledger_make(large, p, p->growth_large, cleanup_dirs[3]);
    printf("Growth ledgers: %" PRIu64 " entries built in %.1f s, %" PRIu64
           " entries built in %.1f s (commits of 64,000).\n\n",
           small->entries_posted, t_small, large->entries_posted, t_large);
    double per[2][BENCH_RUNS_MAX], ratio[BENCH_RUNS_MAX];
    printf(
        "| round | ledger | entries before | entries/s | ms per commit | apply / seal / sync "
        "ms | MB written per commit |\n|---|---|---|---|---|---|---|\n");
    for (uint32_t run = 0; run < p->runs; run++) {
        for (int k = 0; k < 2; k++) {
            bench_work *w = k == 0 ? small : large;
            bench_run r = run_one(w, 0, 100 + run, p->growth_run_entries);
            per[k][run] = r.per_s;
            printf("| %" PRIu32 " | %s | %" PRIu64 " | %.0f | %.1f | %.1f / %.1f / %.1f | %.1f "
                   "|\n",
                   run + 1, k == 0 ? "smaller" : "larger", r.tree_before, r.per_s,
                   1e3 * r.seconds / (double)(p->growth_run_entries / BENCH_COMMIT_ENTRIES),
                   r.phase_ms[0], r.phase_ms[1], r.phase_ms[2], r.written_mb_per_commit);
            fprintf(stderr, "growth round %" PRIu32 " %s: %.0f entries/s\n", run + 1,
                    k == 0 ? "smaller" : "larger", r.per_s);
        }
        ratio[run] = per[1][run] / per[0][run];
    }
    sum->growth_ratio_lo = min_of(ratio, p->runs);
    sum->growth_ratio_hi = max_of(ratio, p->runs);
    double lo0 = min_of(per[0], p->runs), hi0 = max_of(per[0], p->runs);
    double lo1 = min_of(per[1], p->runs), hi1 = max_of(per[1], p->runs);
    sum->growth_small = bench_median_of(per[0], p->runs);
    sum->growth_large = bench_median_of(per[1], p->runs);
    sum->growth_ratio = sum->growth_large / sum->growth_small;
    printf("\n| ledger | runs | median entries/s | min | max |\n|---|---|---|---|---|\n");
    printf("| %" PRIu32 " entries | %" PRIu32 " | **%.0f** | %.0f | %.0f |\n", p->growth_small,
           p->runs, sum->growth_small, lo0, hi0);
    printf("| %" PRIu32 " entries | %" PRIu32 " | **%.0f** | %.0f | %.0f |\n", p->growth_large,
           p->runs, sum->growth_large, lo1, hi1);
    printf("\nGrowth: rate at %" PRIu32 " / rate at %" PRIu32
           " entries (medians) = **%.2f** (target >= %.1f; round by round %.2f–%.2f).\n\n",
           p->growth_large, p->growth_small, sum->growth_ratio, BENCH_GROWTH_TARGET,
           sum->growth_ratio_lo, sum->growth_ratio_hi);
}

/* ---- cauris verify ---- */

static char cauris_bin[BENCH_PATH_MAX];

/* $CAURIS_BIN, else ../cauris beside this program; "" if neither runs. */
static void cauris_find(void)
{
    const char *env = getenv("CAURIS_BIN");
    if (env != NULL && env[0] != '\0') {
        snprintf(cauris_bin, sizeof cauris_bin, "%s", env);
    } else {
        char self[BENCH_PATH_MAX - 64];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return;
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL)
            *slash = '\0';
        snprintf(cauris_bin, sizeof cauris_bin, "%s/../cauris", self);
    }
    if (access(cauris_bin, X_OK) != 0)
        cauris_bin[0] = '\0';
}

/* Runs `cauris verify DIR`; its wall time; dies unless it says ok and
 * counts `entries` entries. */
static double cauris_verify(const char *dir, uint64_t entries)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    fflush(NULL);
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(cauris_bin, cauris_bin, "verify", dir, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char out[4096];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], out + len, sizeof out - 1 - len)) > 0 || (n < 0 && errno == EINTR))
        len += n > 0 ? (size_t)n : 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    double s = bench_now_s() - t0;
    out[len] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || strstr(out, "verify: ok") == NULL)
        die("%s verify %s failed (status %d): %s", cauris_bin, dir, status, out);
    const char *e = strstr(out, "entries:");
    if (e == NULL || strtoull(e + 8, NULL, 10) != entries)
        die("cauris verify counted %s entries, %" PRIu64 " were posted", e ? e + 8 : "no",
            entries);
    return s;
}

/* `cauris verify` of a closed ledger, BENCH_VERIFY_RUNS times (the ledger
 * in the page cache after the first: the figure is CPU, not disk). */
static void verify_measure(const char *dir, uint64_t entries, bench_summary *sum)
{
    double per[BENCH_VERIFY_RUNS];
    printf("| `cauris verify` run | entries | seconds | entries/s |\n|---|---|---|---|\n");
    for (uint32_t k = 0; k < BENCH_VERIFY_RUNS; k++) {
        double s = cauris_verify(dir, entries);
        per[k] = (double)entries / s;
        printf("| %" PRIu32 " | %" PRIu64 " | %.2f | %.0f |\n", k + 1, entries, s, per[k]);
        fprintf(stderr, "cauris verify %" PRIu32 ": %.0f entries/s\n", k + 1, per[k]);
    }
    sum->verify_lo = min_of(per, BENCH_VERIFY_RUNS);
    sum->verify_hi = max_of(per, BENCH_VERIFY_RUNS);
    sum->verify_med = bench_median_of(per, BENCH_VERIFY_RUNS);
    sum->verify_entries = entries;
    printf("\n`cauris verify` (%s, whole ledger, read-only open included): median **%.0f** "
           "entries/s (min %.0f, max %.0f), / 300,000 target = **%.2f**.\n\n",
           cauris_bin, sum->verify_med, sum->verify_lo, sum->verify_hi,
           sum->verify_med / BENCH_VERIFY_TARGET_PER_S);
}

/* The closing table: each figure of this program against its target. */
static void summary_print(const bench_params *p, const bench_summary *sum)
{
    printf("### Figures against PERFORMANCE.md's targets\n\n"
           "| figure | median | min | max | target | median / target |\n"
           "|---|---|---|---|---|---|\n");
    for (unsigned v = 0; v < 2; v++)
        printf(
            "| library posting, %s per commit, entries/s | %.0f | %.0f | %.0f | >= 150,000 | "
            "**%.2f** |\n",
            variant_names[v], sum->med[v], sum->lo[v], sum->hi[v],
            sum->med[v] / BENCH_TARGET_PER_S);
    if (sum->have_pg) {
        printf(
            "| PostgreSQL, same transfers, 1 transaction per 8,000, entries/s | %.0f | %.0f | "
            "%.0f | (peer) | |\n",
            sum->med[BENCH_PG], sum->lo[BENCH_PG], sum->hi[BENCH_PG]);
        for (unsigned v = 0; v < 2; v++)
            printf("| library %s / PostgreSQL, round by round (ratio of the medians %.2f×) | "
                   "%.2f× | %.2f× | %.2f× | (no target for the library) | |\n",
                   variant_names[v], sum->ratio_pg[v], sum->ratio_pg_med[v],
                   sum->ratio_pg_lo[v], sum->ratio_pg_hi[v]);
    }
    if (p->growth)
        printf("| growth: rate at %" PRIu32 " / at %" PRIu32 " entries | %.2f | %.2f | %.2f | "
               ">= 0.70 | **%.2f** |\n",
               p->growth_large, p->growth_small, sum->growth_ratio, sum->growth_ratio_lo,
               sum->growth_ratio_hi, sum->growth_ratio / BENCH_GROWTH_TARGET);
    if (sum->verify_entries > 0)
        printf("| `cauris verify`, %" PRIu64 " entries, entries/s | %.0f | %.0f | %.0f | >= "
               "300,000 | **%.2f** |\n",
               sum->verify_entries, sum->verify_med, sum->verify_lo, sum->verify_hi,
               sum->verify_med / BENCH_VERIFY_TARGET_PER_S);
    printf("\n");
}

/* ---- arguments ---- */

static bench_params args_parse(int argc, char **argv)
{
    bench_params p;
    memset(&p, 0, sizeof p);
    p.accounts = BENCH_ACCOUNTS_DEFAULT;
    p.runs = BENCH_RUNS_DEFAULT;
    p.run_entries = BENCH_RUN_ENTRIES_DEFAULT;
    p.map_bytes = BENCH_MAP_BYTES;
    p.map = p.verify = p.sizes = p.pg = p.growth = true;
    p.growth_small = BENCH_GROWTH_SMALL;
    p.growth_large = BENCH_GROWTH_LARGE;
    p.growth_run_entries = BENCH_GROWTH_RUN_ENTRIES;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--full") == 0) {
            p.full = true;
            p.run_entries = BENCH_RUN_ENTRIES_FULL;
            p.map_bytes = BENCH_MAP_BYTES_FULL;
            p.growth_small = BENCH_GROWTH_SMALL_FULL;
            p.growth_large = BENCH_GROWTH_LARGE_FULL;
            p.growth_run_entries = BENCH_GROWTH_RUN_ENTRIES_FULL;
        } else if (strcmp(a, "--runs") == 0 && next != NULL) {
            p.runs = bench_arg_u32(next, 1, BENCH_RUNS_MAX, "--runs");
            i++;
        } else if (strcmp(a, "--entries") == 0 && next != NULL) {
            p.run_entries =
                bench_arg_u32(next, BENCH_COMMIT_ENTRIES, BENCH_RUN_ENTRIES_MAX, "--entries");
            i++;
        } else if (strcmp(a, "--accounts") == 0 && next != NULL) {
            p.accounts = bench_arg_u32(next, 2, BENCH_ACCOUNTS_MAX, "--accounts");
            i++;
        } else if (strcmp(a, "--skip-growth") == 0) {
            p.growth = false;
        } else if (strcmp(a, "--skip-map") == 0) {
            p.map = false;
        } else if (strcmp(a, "--skip-verify") == 0) {
            p.verify = false;
        } else if (strcmp(a, "--skip-sizes") == 0) {
            p.sizes = false;
        } else if (strcmp(a, "--skip-pg") == 0) {
            p.pg = false;
        } else if (strcmp(a, "--ordered-ids") == 0) {
            p.ordered_ids = true;
        } else {
            bench_usage(
                "bench_post [--full] [--runs N] [--entries N] [--accounts N] "
                "[--skip-pg] [--skip-sizes] [--skip-growth] [--skip-verify] [--skip-map] "
                "[--ordered-ids]");
        }
    }
    p.run_entries -= p.run_entries % BENCH_COMMIT_ENTRIES; /* whole commits */
    return p;
}

int main(int argc, char **argv)
{
    bench_params p = args_parse(argc, argv);
    bench_run runs[BENCH_VARIANTS * BENCH_RUNS_MAX];
    size_t runs_count = 0;
    bench_work w;
    bench_summary sum;
    memset(&sum, 0, sizeof sum);
    atexit(cleanup);
    double t_start = bench_now_s();
    machine_print(&p);

    /* The peer first: its table row belongs with the parameters. */
    pg_server pg;
    PGconn *pgc = NULL;
    uint64_t pg_entries = 0;
    if (p.pg && !pg_find(&pg)) {
        printf("| PostgreSQL | PostgreSQL not installed: skipped (no initdb and postgres in "
               "$PG_BINDIR, /usr/lib/postgresql/*/bin or $PATH) |\n");
        p.pg = false;
    } else if (p.pg) {
        pg_init(&pg);
        pg_start(&pg);
        pg_settings_print(&pg);
        double t0 = bench_now_s();
        pg_database_load(&pg, "postgres", p.accounts, true);
        pg_entries = p.accounts;
        printf(
            "| PostgreSQL setup | schema (bench/pg.h, history index on legs (account, seq)), "
            "%" PRIu32 " wallets funded, VACUUM ANALYZE, CHECKPOINT: %.1f s; each round's "
            "PostgreSQL run posts the transfers of that round's A run, batches of %u via "
            "SELECT post_batch(arrays), one transaction each, only the call timed; VACUUM "
            "(ANALYZE) accounts after each, untimed |\n",
            p.accounts, bench_now_s() - t0, BENCH_COMMIT_ENTRIES);
        pgc = pg_connect(&pg);
        pg_session_prepare(pgc);
    }
    printf("\n");
    fflush(stdout);

    work_init(&w, p.accounts);
    w.ordered_ids = p.ordered_ids;
    ledger_make(&w, p.map_bytes, cleanup_dirs[0]);
    double setup_s = setup(&w);
    printf("Setup: %" PRIu32 " accounts opened and funded in %.2f s (%" PRIu64
           " funding entries).\n\n",
           p.accounts, setup_s, w.entries_posted);
    fflush(stdout);
    bench_map map;
    if (p.map)
        map = map_measure(&p);
    for (uint32_t run = 0; run < p.runs; run++) {
        uint64_t rng_a = w.rng; /* the A run's transfers, replayed by PostgreSQL */
        for (unsigned v = 0; v < BENCH_VARIANTS; v++) {
            uint32_t run_no = (uint32_t)runs_count + 1;
            if (v == BENCH_PG && !p.pg)
                continue;
            if (v == BENCH_PG)
                runs[runs_count++] =
                    pg_run_one(pgc, rng_a, p.accounts, run_no, p.run_entries, &pg_entries);
            else
                runs[runs_count++] = run_one(&w, v, run_no, p.run_entries);
            fprintf(stderr, "run %" PRIu32 " %s: %.0f entries/s\n", run_no, variant_names[v],
                    runs[runs_count - 1].per_s);
        }
    }
    runs_print(&p, runs, runs_count, &sum);
    fflush(stdout);
    if (p.pg) {
        double checked = pg_check(pgc);
        if (checked != (double)pg_entries)
            die("PostgreSQL holds %.0f entries, %" PRIu64 " were posted", checked, pg_entries);
        printf("PostgreSQL's ledger checked after the runs (bench/pg.h, pg_check): %.0f "
               "entries, " PG_CHECKED ".\n\n",
               checked);
        PQfinish(pgc);
        pg_destroy(&pg); /* frees its memory and cores for what follows */
    }
    if (p.sizes) {
        uint32_t run_no = (uint32_t)runs_count;
        sizes_measure(&w, &run_no);
        fflush(stdout);
    }
    ledger_close(w.l);
    w.l = NULL;

    long long size = file_bytes(w.dir, "data.mdb");
    printf("Ledger after the runs: %" PRIu64 " entries (funding included), data.mdb %lld "
           "bytes = %.0f bytes per entry.\n\n",
           w.entries_posted, size, (double)size / (double)w.entries_posted);
    fflush(stdout);
    const char *verify_dir = w.dir;
    uint64_t verify_entries = w.entries_posted;
    bench_work small, large;
    if (p.growth) {
        growth_measure(&p, &small, &large, &sum);
        ledger_close(small.l);
        ledger_close(large.l);
        bench_dir_remove(small.dir);
        cleanup_dirs[2][0] = '\0';
        verify_dir = large.dir;
        verify_entries = large.entries_posted;
        fflush(stdout);
    }
    if (p.verify) {
        cauris_find();
        if (cauris_bin[0] == '\0')
            printf("`cauris verify`: not measured (no ../cauris beside this program and no "
                   "$CAURIS_BIN: build it with make).\n\n");
        else
            verify_measure(verify_dir, verify_entries, &sum);
    }
    if (p.map)
        map_print(&p, setup_s, &runs[0], &map);
    summary_print(&p, &sum);
    printf("Total time: %.0f s.\n\n", bench_now_s() - t_start);
    fflush(stdout);
    if (p.growth) {
        work_free(&small);
        work_free(&large);
    }
    work_free(&w);
    cleanup();
    return 0;
}
