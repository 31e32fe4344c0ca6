/*
 * test_bench.c — the programs of bench/ run end to end at a small size, so
 * that `make bench` keeps working from a clean checkout: each exits 0 and
 * prints the table it promises, with a median of 5 runs; the counts each
 * checks after its runs come out as the parameters say (entries in the
 * cauris ledger and in PostgreSQL's); PostgreSQL's absence is said, not
 * fatal; bad arguments are refused with exit 2. No figure is asserted:
 * timings belong to the benchmarks themselves (PERFORMANCE.md).
 *
 * The PostgreSQL peer runs where PostgreSQL 15 is installed; with
 * CAURIS_TEST_PG=1 (CI sets it) its absence fails the test instead.
 */
#include "tests/run.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PG_MISSING "PostgreSQL not installed: skipped"

static char bench_dir[PATH_MAX];

/* Runs bench/<name> with the arguments listed (NULL-terminated), stdout and
 * stderr together; asserts the exit status. The caller frees the output. */
static char *bench(int status, const char *name, ...)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", bench_dir, name);
    const char *args[TR_ARGS_MAX + 1];
    va_list ap;
    va_start(ap, name);
    tr_collect(args, ap);
    va_end(ap);
    char *out;
    int got = tr_run_program(path, NULL, &out, NULL, args);
    if (got != status)
        fprintf(stderr, "%s: exit %d, expected %d; output:\n%s\n", name, got, status, out);
    assert_int_equal(got, status);
    return out;
}

/* Whether the PostgreSQL peer ran, by what the program printed; with
 * CAURIS_TEST_PG=1 it must have. */
static int pg_ran(const char *out)
{
    const char *need = getenv("CAURIS_TEST_PG");
    int missing = strstr(out, PG_MISSING) != NULL;
    if (missing && need != NULL && strcmp(need, "1") == 0)
        fail_msg("CAURIS_TEST_PG=1 but the benchmark says: " PG_MISSING);
    return !missing;
}

/* Library posting: 1,000 funding entries, then 5 rounds of A and B, each a
 * warm-up commit of 8,000 and 16,000 timed; `cauris verify` counts them all
 * 5 times; PostgreSQL posts each round's transfers once (a warm-up batch
 * and 16,000) and its ledger is checked after the runs. */
static void test_bench_post(void **state)
{
    (void)state;
    char *out = bench(0, "bench_post", "--runs", "5", "--entries", "16000", "--accounts",
                      "1000", "--skip-growth", "--skip-sizes", "--skip-map", NULL);
    tr_assert_contains(out, "| A: 1 request x 8,000 | 5 | **");
    tr_assert_contains(out, "| B: 8 requests x 1,000 | 5 | **");
    tr_assert_contains(out, "Ledger after the runs: 241000 entries (funding included)");
    assert_int_equal(tr_count_of(out, "| 241000 | "), 5); /* the verify runs */
    tr_assert_contains(out, "`cauris verify`, 241000 entries, entries/s |");
    if (pg_ran(out)) {
        tr_assert_contains(out, "| PostgreSQL: 1 transaction x 8,000 | 5 | **");
        tr_assert_contains(out, "PostgreSQL's ledger checked after the runs (bench/pg.h, "
                                "pg_check): 121000 entries");
    }
    free(out);
}

/* Without PostgreSQL, each program that runs the peer says so and goes
 * on with cauris alone. */
static void test_bench_without_pg(void **state)
{
    (void)state;
    assert_int_equal(setenv("PG_BINDIR", "/nonexistent/cauris-test-bench", 1), 0);
    char *out = bench(0, "bench_post", "--runs", "5", "--entries", "8000", "--accounts", "100",
                      "--skip-growth", "--skip-sizes", "--skip-map", "--skip-verify", NULL);
    tr_assert_contains(out, "| PostgreSQL | " PG_MISSING " (no initdb and postgres in "
                            "$PG_BINDIR, /usr/lib/postgresql/*/bin or $PATH) |");
    tr_assert_contains(out, "| A: 1 request x 8,000 | 5 | **");
    tr_assert_not_contains(out, "pg_check");
    free(out);
    out = bench(0, "bench_pg", "--runs", "5", NULL);
    tr_assert_contains(out, PG_MISSING);
    free(out);
    assert_int_equal(unsetenv("PG_BINDIR"), 0);
}

/* The peer's own table: 4 ways, 5 runs each, then both databases checked:
 * with the history index 1,000 funding + 5 runs x 3 ways x (a warm-up
 * batch of 1,000 + 4,000), without it 1,000 + 5 x 5,000. */
static void test_bench_pg(void **state)
{
    (void)state;
    char *out = bench(0, "bench_pg", "--runs", "5", "--entries", "4000", "--batch", "1000",
                      "--accounts", "1000", "--skip-windows", NULL);
    if (pg_ran(out)) {
        tr_assert_contains(out, "| way (one connection, batches of 1000) | runs |");
        tr_assert_contains(out, "PostgreSQL's ledgers checked after the runs (bench/pg.h, "
                                "pg_check): 76000 entries with the history index, 26000 "
                                "without");
    }
    free(out);
}

/* RPC: the real server, 4 posting connections and 2 readers, 5 runs; the
 * ledger each last-run server leaves is verified and holds exactly the
 * entries acknowledged to the posters. */
static void test_bench_rpc(void **state)
{
    (void)state;
    char *out = bench(0, "bench_rpc", "--runs", "5", "--seconds", "1", "--accounts", "1000",
                      "--batch", "1000", "--readers", "2", NULL);
    tr_assert_contains(out, "| 1000 | 5 | **");
    tr_assert_contains(out, "| posting, 4 x 1000 | 5 | **");
    tr_assert_contains(out, "| alone | 5 | **");
    tr_assert_contains(out,
                       "Checked: the ledger of each of the last run's 2 server runs passes "
                       "ledger_verify and holds the funding plus exactly the entries "
                       "acknowledged to the posters");
    if (pg_ran(out))
        tr_assert_contains(out,
                           "PostgreSQL's ledger after the last window checked (bench/pg.h, "
                           "pg_check): ");
    free(out);
}

static void test_bench_history(void **state)
{
    (void)state;
    char *out = bench(0, "bench_history", "--lines", "8000", NULL);
    tr_assert_contains(out, "| account | partner:mfi1:cash with 8000 lines");
    tr_assert_contains(out, "| statement page of 100 lines, anywhere | 5 × 4000 |");
    tr_assert_contains(out, "| **median of 5 runs**");
    free(out);
}

static void test_bench_memory(void **state)
{
    (void)state;
    char *out = bench(0, "bench_memory", "--accounts", "1000", "--batch", "1000", "--runs", "5",
                      "--seconds", "1", NULL);
    tr_assert_contains(out,
                       "| server RssAnon peak, 1000 accounts, requests of 1000, MiB | 5 | **");
    free(out);
}

static void test_bench_statements(void **state)
{
    (void)state;
    char *out = bench(0, "bench_statements", "--participants", "5", "--weeks", "2", "--runs",
                      "5", NULL);
    tr_assert_contains(out, "| output | 5 A4 pages per run (1.00 per participant)");
    tr_assert_contains(out, "| render: A4 pages per s (read, lay out, QR, write PDF) |");
    free(out);
}

/* An unknown option is a usage error, and so is a number out of range or
 * not a number: exit 2, nothing run. */
static void test_bench_arguments(void **state)
{
    (void)state;
    static const char *const programs[][3] = {
        {"bench_post", "--runs", "0"},       {"bench_pg", "--batch", "many"},
        {"bench_rpc", "--seconds", "0"},     {"bench_history", "--lines", "12abc"},
        {"bench_memory", "--accounts", "1"}, {"bench_statements", "--weeks", "-1"},
    };
    for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
        char *out = bench(2, programs[i][0], "--no-such-option", NULL);
        tr_assert_contains(out, "usage: ");
        free(out);
        out = bench(2, programs[i][0], programs[i][1], programs[i][2], NULL);
        tr_assert_contains(out, " must be a number in ");
        tr_assert_not_contains(out, "| date |");
        free(out);
    }
}

int main(void)
{
    if (tr_init("test_bench") != 0)
        return 1;
    const char *bin = tr_bin();
    const char *slash = strrchr(bin, '/');
    int n = snprintf(bench_dir, sizeof bench_dir, "%.*s/bench",
                     slash != NULL ? (int)(slash - bin) : 1, slash != NULL ? bin : ".");
    if (n < 0 || (size_t)n >= sizeof bench_dir)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_arguments), cmocka_unit_test(test_bench_without_pg),
        cmocka_unit_test(test_bench_post),      cmocka_unit_test(test_bench_pg),
        cmocka_unit_test(test_bench_rpc),       cmocka_unit_test(test_bench_history),
        cmocka_unit_test(test_bench_memory),    cmocka_unit_test(test_bench_statements),
    };
    return cmocka_run_group_tests_name("bench", tests, NULL, NULL);
}
