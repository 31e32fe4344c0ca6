/*
 * bench_history.c — reading a long account history through the library:
 * statement pages, date-range statements and past balances for an account
 * with a million lines (PERFORMANCE.md: a 100-line statement of such an
 * account, p99 <= 2 ms).
 *
 * Builds a ledger where partner:mfi1:cash takes one line per entry (the
 * MFI's cash account is the one with the longest history), spread over
 * days, then times random reads: one read-only handle, as the CLI and the
 * server's readers use, each query its own read transaction. Prints one
 * table with the machine, date, parameters, and p50 / p99 / max latency
 * per kind of query. `--lines N` changes the history's length.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "ledger/ledger.h"

#define HIST_LINES_DEFAULT 1000000u
#define HIST_LINES_MAX 20000000u
#define HIST_COMMIT 8000u       /* entries per commit while building */
#define HIST_COMMITS_PER_DAY 5u /* 40,000 lines a day */
#define HIST_QUERIES 20000u     /* timed queries per kind */
#define HIST_PAGE 100u          /* lines per statement page */
#define HIST_TARGET_P99_MS 2.0
#define HIST_DAY0 1767225600 /* 2026-01-01T00:00Z */

static int64_t clock_now;
static int64_t bench_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_history: %s: %s\n", what, ledger_strerror(err));
    exit(1);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(uint64_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % n;
}

/* Sorts the latencies (ms) and prints one row, in microseconds. */
static void row(const char *what, double *ms, size_t n)
{
    qsort(ms, n, sizeof *ms, bench_cmp_double);
    double p50 = ms[n / 2], p99 = ms[(size_t)((double)n * 0.99)], max = ms[n - 1];
    printf("| %s | %zu | %.1f | %.1f | %.1f | %.0f× |\n", what, n, p50 * 1e3, p99 * 1e3,
           max * 1e3, HIST_TARGET_P99_MS / p99);
}

static void build(const char *dir, uint32_t lines, uint32_t *days_out)
{
    ledger_init_options io = {.programme = "bench", .currency = "XOF"};
    io.open.clock = bench_clock;
    io.open.map_size_initial = (size_t)4 << 30;
    clock_now = HIST_DAY0;
    int err = ledger_init(dir, &io);
    if (err != LEDGER_OK)
        die("ledger_init", err);
    ledger *l;
    ledger_options o = {.clock = bench_clock};
    if ((err = ledger_open(&l, dir, &o)) != LEDGER_OK)
        die("ledger_open", err);
    const char *cash = "partner:mfi1:cash";
    int res;
    if ((err = ledger_accounts_open(l, "bench", &cash, 1, &res)) != LEDGER_OK ||
        res != LEDGER_OK)
        die("ledger_accounts_open", err ? err : res);
    ledger_entry_in *es = calloc(HIST_COMMIT, sizeof *es);
    ledger_result *rs = calloc(HIST_COMMIT, sizeof *rs);
    char(*ids)[24] = calloc(HIST_COMMIT, sizeof *ids);
    if (es == NULL || rs == NULL || ids == NULL)
        die("calloc", LEDGER_NOMEM);
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
            die("ledger_post", err);
        for (uint32_t i = 0; i < n; i++) {
            if (rs[i].err != LEDGER_OK)
                die("an entry was refused", rs[i].err);
        }
    }
    *days_out = commits / HIST_COMMITS_PER_DAY + 1;
    free(es);
    free(rs);
    free(ids);
    ledger_close(l);
}

int main(int argc, char **argv)
{
    uint32_t lines = HIST_LINES_DEFAULT, days;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc) {
            lines = (uint32_t)strtoul(argv[++i], NULL, 10);
            if (lines < HIST_COMMIT || lines > HIST_LINES_MAX)
                die("--lines must be 8000..20000000", LEDGER_INVALID_ARGUMENT);
        } else {
            fprintf(stderr, "usage: bench_history [--lines N]\n");
            return 2;
        }
    }
    char dir[] = "/tmp/cauris-bench-history-XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", LEDGER_IO);
    double t0 = bench_now_s();
    build(dir, lines, &days);
    double build_s = bench_now_s() - t0;

    ledger *l;
    ledger_options ro = {.read_only = true};
    int err = ledger_open(&l, dir, &ro);
    if (err != LEDGER_OK)
        die("ledger_open read-only", err);
    ledger_account_info info;
    if ((err = ledger_account_get(l, "bench", "partner:mfi1:cash", &info)) != LEDGER_OK)
        die("ledger_account_get", err);
    double *ms = malloc(HIST_QUERIES * sizeof *ms);
    ledger_line *page = malloc(HIST_PAGE * sizeof *page);
    if (ms == NULL || page == NULL)
        die("malloc", LEDGER_NOMEM);

    time_t wall = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&wall));
    printf("## bench_history — %s, %ld cores\n\n", date, sysconf(_SC_NPROCESSORS_ONLN));
    printf("Account partner:mfi1:cash with %" PRIu64 " lines over %" PRIu32
           " days (built in %.1f s); %u queries of each kind at random positions, each in its "
           "own read transaction on a read-only handle.\n\n",
           info.lines_count, days, build_s, HIST_QUERIES);
    printf(
        "| query | n | p50 µs | p99 µs | max µs | 2 ms / p99 |\n|---|---|---|---|---|---|\n");

    /* A page of 100 lines starting anywhere in the history. */
    uint64_t tree = info.latest_seq + 1;
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        ledger_statement_query sq = {"bench", "partner:mfi1:cash", 0,
                                     0,       1 + rnd(tree - 1),   HIST_PAGE};
        ledger_statement st;
        double a = bench_now_s();
        if ((err = ledger_statement_get(l, &sq, page, &st)) != LEDGER_OK)
            die("ledger_statement_get", err);
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
            die("ledger_statement_get by date", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("statement of one day, first 100 lines", ms, HIST_QUERIES);

    /* The balance as of a random tree size. */
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        ledger_as_of at = {1 + rnd(tree), 0};
        int64_t b;
        double a = bench_now_s();
        if ((err = ledger_balance(l, "bench", "partner:mfi1:cash", &at, &b)) != LEDGER_OK)
            die("ledger_balance", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("balance as of a tree size", ms, HIST_QUERIES);

    /* The current balance. */
    for (uint32_t q = 0; q < HIST_QUERIES; q++) {
        int64_t b;
        double a = bench_now_s();
        if ((err = ledger_balance(l, "bench", "partner:mfi1:cash", NULL, &b)) != LEDGER_OK)
            die("ledger_balance now", err);
        ms[q] = (bench_now_s() - a) * 1e3;
    }
    row("balance now", ms, HIST_QUERIES);
    printf("\n");
    ledger_close(l);
    free(ms);
    free(page);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
