/*
 * bench_history.c — reading a long account history through the library:
 * statement pages, date-range statements and past balances for an account
 * with a million lines (PERFORMANCE.md: a 100-line statement of such an
 * account, p99 <= 2 ms).
 *
 * Builds a ledger where partner:mfi1:cash takes one line per entry (the
 * MFI's cash account is the one with the longest history), spread over
 * days, then times random reads: one read-only handle, as the CLI and the
 * server's readers use, each query its own read transaction. Then the same
 * statement pages over RPC: `cauris serve` on that ledger, GetStatement
 * (binary, keep-alive, one connection back to back) in 5 runs, latency
 * from send to the whole reply. Prints one table with the machine, date,
 * parameters, and p50 / p99 / max latency per kind of query; for RPC, the
 * median, min and max over the runs.
 *
 * Usage: bench_history [--full] [--lines N] [--skip-rpc]
 * --lines N changes the history's length (default and --full: 1,000,000,
 * PERFORMANCE.md's size). The server is ../cauris beside this program, or
 * $CAURIS_BIN.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/serve.h"
#include "cauris/v1/ledger.pb-c.h"
#include "ledger/ledger.h"

#include <stdarg.h>

#define HIST_LINES_DEFAULT 1000000u
#define HIST_LINES_MAX 20000000u
#define HIST_COMMIT 8000u       /* entries per commit while building */
#define HIST_COMMITS_PER_DAY 5u /* 40,000 lines a day */
#define HIST_QUERIES 20000u     /* timed queries per kind */
#define HIST_RUNS 5u            /* the queries of a kind as runs, for medians */
#define HIST_PAGE 100u          /* lines per statement page */
#define HIST_TARGET_P99_MS 2.0
#define HIST_DAY0 1767225600 /* 2026-01-01T00:00Z */
#define HIST_RPC_RUNS 5u
#define HIST_RPC_QUERIES 4000u   /* per run */
#define HIST_RPC_REQUEST_MAX 256 /* bytes of an encoded GetStatementRequest */

static char token[LEDGER_TOKEN_TEXT_MAX + 1];
static bench_server server;
static char ledger_dir[] = "/tmp/cauris-bench-history-XXXXXX";
static bool dir_made;

static void cleanup(void)
{
    bench_server_kill(&server);
    if (dir_made)
        bench_dir_remove(ledger_dir);
    dir_made = false;
}

static int64_t clock_now;
static int64_t bench_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_history: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1); /* atexit: the server killed, the ledger removed */
}

static void fail(const char *what, int err)
{
    die("%s: %s", what, ledger_strerror(err));
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(uint64_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % n;
}

/* Prints one row from the latencies (ms) of n queries in the order they
 * ran, taken as HIST_RUNS runs of n / HIST_RUNS: the medians of the runs'
 * p50 and p99 (with the p99s' min and max) and the largest latency, in
 * microseconds. Sorts ms run by run. */
static void row(const char *what, double *ms, size_t n)
{
    double p50[HIST_RUNS], p99[HIST_RUNS], max = 0;
    size_t per = n / HIST_RUNS;
    for (size_t r = 0; r < HIST_RUNS; r++) {
        double *v = ms + r * per;
        qsort(v, per, sizeof *v, bench_cmp_double);
        p50[r] = v[per / 2];
        p99[r] = v[(size_t)((double)per * 0.99)];
        max = v[per - 1] > max ? v[per - 1] : max;
    }
    double lo = p99[0], hi = p99[0];
    for (size_t r = 1; r < HIST_RUNS; r++) {
        lo = p99[r] < lo ? p99[r] : lo;
        hi = p99[r] > hi ? p99[r] : hi;
    }
    double m99 = bench_median_of(p99, HIST_RUNS);
    printf("| %s | %u × %zu | %.1f | **%.1f** (%.1f–%.1f) | %.1f | **%.0f×** |\n", what,
           HIST_RUNS, per, bench_median_of(p50, HIST_RUNS) * 1e3, m99 * 1e3, lo * 1e3, hi * 1e3,
           max * 1e3, HIST_TARGET_P99_MS / m99);
}

static void build(const char *dir, uint32_t lines, uint32_t *days_out)
{
    ledger_init_options io = {.programme = "bench", .currency = "XOF"};
    io.open.clock = bench_clock;
    io.open.map_size_initial = (size_t)4 << 30;
    clock_now = HIST_DAY0;
    int err = ledger_init(dir, &io);
    if (err != LEDGER_OK)
        fail("ledger_init", err);
    ledger *l;
    ledger_options o = {.clock = bench_clock};
    if ((err = ledger_open(&l, dir, &o)) != LEDGER_OK)
        fail("ledger_open", err);
    const char *cash = "partner:mfi1:cash";
    int res;
    if ((err = ledger_accounts_open(l, "bench", &cash, 1, &res)) != LEDGER_OK ||
        res != LEDGER_OK)
        fail("ledger_accounts_open", err ? err : res);
    ledger_entry_in *es = calloc(HIST_COMMIT, sizeof *es);
    ledger_result *rs = calloc(HIST_COMMIT, sizeof *rs);
    char(*ids)[24] = calloc(HIST_COMMIT, sizeof *ids);
    if (es == NULL || rs == NULL || ids == NULL)
        fail("calloc", LEDGER_NOMEM);
    uint32_t commits = 0;
    for (uint32_t done = 0; done < lines; done += HIST_COMMIT, commits++) {
        uint32_t n = lines - done < HIST_COMMIT ? lines - done : HIST_COMMIT;
        clock_now = HIST_DAY0 + (int64_t)(commits / HIST_COMMITS_PER_DAY) * 86400 + 3600;
        for (uint32_t i = 0; i < n; i++) {
            snprintf(ids[i], sizeof ids[i], "f%" PRIu32, done + i);
            es[i] = (ledger_entry_in){.programme = "bench",
                                      .kind = LEDGER_KIND_POSTED,
                                      .op = LEDGER_OP_FUNDING,
                                      .partner = "mfi1",
                                      .principal = "bench",
                                      .client_id = ids[i],
                                      .value_date = 20260101,
                                      .legs_count = 2};
            es[i].legs[0] = (ledger_leg_in){cash, LEDGER_DEBIT, 1 + (int64_t)(i % 1000)};
            es[i].legs[1] =
                (ledger_leg_in){"programme:fund", LEDGER_CREDIT, 1 + (int64_t)(i % 1000)};
        }
        if ((err = ledger_post(l, es, n, false, rs, NULL)) != LEDGER_OK)
            fail("ledger_post", err);
        for (uint32_t i = 0; i < n; i++) {
            if (rs[i].err != LEDGER_OK)
                fail("an entry was refused", rs[i].err);
        }
    }
    *days_out = commits / HIST_COMMITS_PER_DAY + 1;
    if ((err = ledger_token_create(l, "bench", "mfi1", "bench-history", LEDGER_ROLE_READ, token,
                                   NULL)) != LEDGER_OK)
        fail("ledger_token_create", err);
    free(es);
    free(rs);
    free(ids);
    ledger_close(l);
}

/* One GetStatement of 100 lines from `from_seq`; checks the reply. */
static void rpc_statement(bench_http *c, uint64_t from_seq)
{
    Cauris__V1__GetStatementRequest q = CAURIS__V1__GET_STATEMENT_REQUEST__INIT;
    q.programme = (char *)"bench";
    q.account = (char *)"partner:mfi1:cash";
    q.page_size = HIST_PAGE;
    q.page_token = from_seq;
    uint8_t buf[HIST_RPC_REQUEST_MAX];
    if (cauris__v1__get_statement_request__get_packed_size(&q) > sizeof buf)
        die("internal: GetStatementRequest over %d bytes", HIST_RPC_REQUEST_MAX);
    size_t len = cauris__v1__get_statement_request__pack(&q, buf);
    bench_http_call_send(c, token, "GetStatement", buf, len);
    const uint8_t *body;
    size_t blen;
    int status = bench_http_recv(c, &body, &blen);
    if (status != 200)
        die("GetStatement: HTTP %d: %.*s", status, (int)(blen < 300 ? blen : 300),
            (const char *)body);
    Cauris__V1__GetStatementResponse *r =
        cauris__v1__get_statement_response__unpack(NULL, blen, body);
    if (r == NULL || r->n_lines == 0 || r->lines[0]->seq < from_seq)
        die("GetStatement from %" PRIu64 ": unexpected reply", from_seq);
    cauris__v1__get_statement_response__free_unpacked(r, NULL);
}

/* Statement pages over RPC: the server on the ledger, HIST_RPC_RUNS runs
 * of HIST_RPC_QUERIES calls at random positions; prints a row per run and
 * the median row. */
static void rpc_measure(uint64_t tree, double *ms)
{
    if (!bench_cauris_find(server.bin, sizeof server.bin)) {
        printf("\nGetStatement over RPC: not measured (no ../cauris beside this program and no "
               "$CAURIS_BIN: build it with make).\n\n");
        return;
    }
    snprintf(server.dir, sizeof server.dir, "%s", ledger_dir);
    snprintf(server.port_file, sizeof server.port_file, "%s.port", ledger_dir);
    bench_server_start(&server, NULL);
    bench_http c;
    bench_http_open(&c, server.port);
    for (uint32_t q = 0; q < 200; q++) /* warm-up: connection, token, pages */
        rpc_statement(&c, 1 + rnd(tree - 1));
    double p50[HIST_RPC_RUNS], p99[HIST_RPC_RUNS], mx[HIST_RPC_RUNS], rate[HIST_RPC_RUNS];
    printf("\n| GetStatement over RPC, 100 lines anywhere (binary, 1 connection, back to back) "
           "| n | p50 µs | p99 µs | max µs | calls/s | 2 ms / p99 |\n"
           "|---|---|---|---|---|---|---|\n");
    for (uint32_t run = 0; run < HIST_RPC_RUNS; run++) {
        double t_run = bench_now_s();
        for (uint32_t q = 0; q < HIST_RPC_QUERIES; q++) {
            uint64_t from = 1 + rnd(tree - 1);
            double a = bench_now_s();
            rpc_statement(&c, from);
            ms[q] = (bench_now_s() - a) * 1e3;
        }
        rate[run] = HIST_RPC_QUERIES / (bench_now_s() - t_run);
        qsort(ms, HIST_RPC_QUERIES, sizeof *ms, bench_cmp_double);
        p50[run] = ms[HIST_RPC_QUERIES / 2] * 1e3;
        p99[run] = ms[(size_t)((double)HIST_RPC_QUERIES * 0.99)] * 1e3;
        mx[run] = ms[HIST_RPC_QUERIES - 1] * 1e3;
        printf("| run %" PRIu32 " | %u | %.1f | %.1f | %.1f | %.0f | %.0f× |\n", run + 1,
               HIST_RPC_QUERIES, p50[run], p99[run], mx[run], rate[run],
               HIST_TARGET_P99_MS * 1e3 / p99[run]);
    }
    double lo = p99[0], hi = p99[0];
    for (uint32_t k = 1; k < HIST_RPC_RUNS; k++) {
        lo = p99[k] < lo ? p99[k] : lo;
        hi = p99[k] > hi ? p99[k] : hi;
    }
    double m99 = bench_median_of(p99, HIST_RPC_RUNS);
    printf(
        "| **median of %u runs** (p99 min–max %.1f–%.1f) | %u | %.1f | **%.1f** | %.1f | %.0f "
        "| **%.0f×** |\n\n",
        HIST_RPC_RUNS, lo, hi, HIST_RPC_RUNS * HIST_RPC_QUERIES,
        bench_median_of(p50, HIST_RPC_RUNS), m99, bench_median_of(mx, HIST_RPC_RUNS),
        bench_median_of(rate, HIST_RPC_RUNS), HIST_TARGET_P99_MS * 1e3 / m99);
    bench_http_close(&c);
    bench_server_stop(&server);
    unlink(server.port_file);
}

int main(int argc, char **argv)
{
    uint32_t lines = HIST_LINES_DEFAULT, days;
    bool rpc = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc) {
            lines = bench_arg_u32(argv[++i], HIST_COMMIT, HIST_LINES_MAX, "--lines");
        } else if (strcmp(argv[i], "--full") == 0) {
            lines = HIST_LINES_DEFAULT; /* PERFORMANCE.md's size is the default */
        } else if (strcmp(argv[i], "--skip-rpc") == 0) {
            rpc = false;
        } else {
            bench_usage("bench_history [--full] [--lines N] [--skip-rpc]");
        }
    }
    if (mkdtemp(ledger_dir) == NULL)
        fail("mkdtemp", LEDGER_IO);
    dir_made = true;
    atexit(cleanup);
    double t0 = bench_now_s();
    build(ledger_dir, lines, &days);
    double build_s = bench_now_s() - t0;

    ledger *l;
    ledger_options ro = {.read_only = true};
    int err = ledger_open(&l, ledger_dir, &ro);
    if (err != LEDGER_OK)
        fail("ledger_open read-only", err);
    ledger_account_info info;
    if ((err = ledger_account_get(l, "bench", "partner:mfi1:cash", &info)) != LEDGER_OK)
        fail("ledger_account_get", err);
    double *ms = malloc(HIST_QUERIES * sizeof *ms);
    ledger_line *page = malloc(HIST_PAGE * sizeof *page);
    if (ms == NULL || page == NULL)
        fail("malloc", LEDGER_NOMEM);

    bench_machine_print("bench_history — long account histories");
    printf("| account | partner:mfi1:cash with %" PRIu64 " lines over %" PRIu32
           " days (built in %.1f s, one line per entry, commits of %u) |\n",
           info.lines_count, days, build_s, HIST_COMMIT);
    printf("| library | %u queries of each kind at random positions (as %u runs of %u), each "
           "in its own read transaction on a read-only handle |\n",
           HIST_QUERIES, HIST_RUNS, HIST_QUERIES / HIST_RUNS);
    printf("| RPC | `cauris serve` on the same ledger; GetStatement, 100 lines from a random "
           "seq, binary, keep-alive, 1 connection back to back; %u runs of %u calls after 200 "
           "warm-up calls; latency from send to the whole reply (decoded and checked) |\n\n",
           HIST_RPC_RUNS, HIST_RPC_QUERIES);
    printf("| query (library) | runs × queries | median p50 µs | median p99 µs (min–max) | "
           "max µs | 2 ms / p99 |\n|---|---|---|---|---|---|\n");

    /* A page of 100 lines starting anywhere in the history. */
    uint64_t tree = info.latest_seq + 1;
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        ledger_statement_query sq = {"bench", "partner:mfi1:cash", 0,
                                     0,       1 + rnd(tree - 1),   HIST_PAGE};
        ledger_statement st;
        double a = bench_now_s();
        if ((err = ledger_statement_get(l, &sq, page, &st)) != LEDGER_OK)
            fail("ledger_statement_get", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("statement page of 100 lines, anywhere", ms, HIST_QUERIES);

    /* The first 100 lines of a random one-day period, with its opening and
     * closing balances. */
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        int64_t day = HIST_DAY0 + (int64_t)rnd(days) * 86400;
        uint32_t d = 0;
        struct tm tm;
        time_t tt = (time_t)day;
        gmtime_r(&tt, &tm);
        d = (uint32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
        ledger_statement_query sq = {"bench", "partner:mfi1:cash", d, d, 0, HIST_PAGE};
        ledger_statement st;
        double a = bench_now_s();
        if ((err = ledger_statement_get(l, &sq, page, &st)) != LEDGER_OK)
            fail("ledger_statement_get by date", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("statement of one day, first 100 lines", ms, HIST_QUERIES);

    /* The balance as of a random tree size. */
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        ledger_as_of at = {1 + rnd(tree), 0};
        int64_t b;
        double a = bench_now_s();
        if ((err = ledger_balance(l, "bench", "partner:mfi1:cash", &at, &b)) != LEDGER_OK)
            fail("ledger_balance", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("balance as of a tree size", ms, HIST_QUERIES);

    /* The current balance. */
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        int64_t b;
        double a = bench_now_s();
        if ((err = ledger_balance(l, "bench", "partner:mfi1:cash", NULL, &b)) != LEDGER_OK)
            fail("ledger_balance now", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("balance now", ms, HIST_QUERIES);
    ledger_close(l);
    if (rpc) {
        free(ms);
        ms = malloc(HIST_RPC_QUERIES * sizeof *ms);
        if (ms == NULL)
            fail("malloc", LEDGER_NOMEM);
        rpc_measure(tree, ms);
    } else {
        printf("\n");
    }
    free(ms);
    free(page);
    cleanup();
    return 0;
}
