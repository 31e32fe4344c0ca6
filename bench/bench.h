/*
 * bench.h — what the benchmark programs share: a monotonic clock, a fixed
 * pseudo-random sequence, medians, the machine's description, and removing
 * a temporary ledger directory. Header-only, because each bench/ file is a
 * program of its own; static inline, so a program pays for what it uses.
 */
#ifndef CAURIS_BENCH_H
#define CAURIS_BENCH_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define BENCH_DIR_PATH_MAX 4096

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: from a fixed seed, the same accounts and amounts every run. */
static inline uint64_t bench_rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t bench_rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)((bench_rng_next(s) >> 11) % n);
}

/* One transfer of bench_post's workload (and bench_pg's, which replays it):
 * two different wallets drawn uniformly among `wallets` (0-based: wallet
 * i is participant:P<i+1>:wallet), debit *from, credit *to, and an amount
 * 1..amount_max. */
static inline void bench_transfer_draw(uint64_t *rng, uint32_t wallets, uint32_t amount_max,
                                       uint32_t *from, uint32_t *to, int64_t *amount)
{
    uint32_t a = bench_rng_below(rng, wallets);
    uint32_t b = bench_rng_below(rng, wallets - 1);
    if (b >= a)
        b++; /* a uniform pair of two different wallets */
    *from = a;
    *to = b;
    *amount = 1 + (int64_t)bench_rng_below(rng, amount_max);
}

/* One entry of bench_rpc's workload (and of its PostgreSQL peer): an amount
 * 1..amount_max to a random wallet *to, from programme:wages one time in
 * `wage_one_in` (*wage true, *from unset), else from another random wallet. */
static inline void bench_mix_draw(uint64_t *rng, uint32_t wallets, uint32_t amount_max,
                                  uint32_t wage_one_in, bool *wage, uint32_t *from,
                                  uint32_t *to, int64_t *amount)
{
    *amount = 1 + (int64_t)bench_rng_below(rng, amount_max);
    uint32_t b = bench_rng_below(rng, wallets);
    *to = b;
    *wage = bench_rng_below(rng, wage_one_in) == 0;
    if (!*wage) {
        uint32_t a = bench_rng_below(rng, wallets - 1);
        if (a >= b)
            a++; /* two different wallets */
        *from = a;
    }
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), which it sorts. */
static inline double bench_median_of(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The rate of a client that completes batches of `per_done` one after the
 * other, over the window [t0, t1], from the times its batches completed
 * (done_at[0..n), ascending): the batches completed after its first
 * completion in the window and up to its last one, over the time between
 * the two. With a few batches per window, counting the completions that
 * fall inside it would be off by up to a batch either way. */
static inline double bench_rate_between(const double *done_at, size_t n, double t0, double t1,
                                        double per_done)
{
    size_t first = n, last = 0, in = 0;
    for (size_t i = 0; i < n; i++) {
        if (done_at[i] < t0 || done_at[i] > t1)
            continue;
        if (first == n)
            first = i;
        last = i;
        in++;
    }
    if (in < 2 || done_at[last] <= done_at[first])
        return in == 1 ? per_done / (t1 - t0) : 0;
    return (double)(in - 1) * per_done / (done_at[last] - done_at[first]);
}

/* A number argument in min..max; anything else is a usage error: said on
 * stderr, exit status 2 (before any temporary directory exists). */
/* A command line the program does not take: "usage: <synopsis>" on
 * stderr, exit 2 (as a bad number in bench_arg_u32). */
static inline void bench_usage(const char *synopsis) __attribute__((noreturn));
static inline void bench_usage(const char *synopsis)
{
    fprintf(stderr, "usage: %s\n", synopsis);
    exit(2);
}

static inline uint32_t bench_arg_u32(const char *s, uint32_t min, uint32_t max,
                                     const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v < min || v > max) {
        fprintf(stderr, "%s must be a number in %u..%u, got \"%s\"\n", what, (unsigned)min,
                (unsigned)max, s);
        exit(2);
    }
    return (uint32_t)v;
}

/* The first line of a file, without its newline; "" if unreadable. */
static inline void bench_proc_line(const char *file, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return;
    if (fgets(out, (int)cap, f) != NULL)
        out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

/* The value of the first "key<spaces>: value" line of a /proc file. */
static inline void bench_proc_field(const char *file, const char *key, char *out, size_t cap)
{
    char line[512];
    size_t klen = strlen(key);
    snprintf(out, cap, "unknown");
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) != 0)
            continue;
        char *v = strchr(line, ':');
        if (v == NULL)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, cap, "%s", v);
        break;
    }
    fclose(f);
}

/* The table's heading, its date row and its machine row. */
static inline void bench_machine_print(const char *title)
{
    char cpu[256], mem[64], date[64];
    struct utsname u;
    time_t t = time(NULL);
    struct tm tm;
    bench_proc_field("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    bench_proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem);
    if (uname(&u) != 0)
        snprintf(u.release, sizeof u.release, "unknown");
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
    printf("## %s\n\n", title);
    printf("| | |\n|---|---|\n");
    printf("| date | %s |\n", date);
    printf("| machine | %ld cores (sysconf), MemTotal %s, CPU \"%s\", kernel %s %s |\n",
           sysconf(_SC_NPROCESSORS_ONLN), mem, cpu, u.sysname, u.release);
}

/* Removes a temporary directory and what it holds. */
static inline void bench_dir_remove(const char *dir)
{
    char path[BENCH_DIR_PATH_MAX + 512];
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%.4095s/%.255s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            bench_dir_remove(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

#endif /* CAURIS_BENCH_H */
