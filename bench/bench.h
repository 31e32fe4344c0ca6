/*
 * bench.h — what the benchmark programs share: a monotonic clock, a fixed
 * pseudo-random sequence, medians, the machine's description, and removing
 * a temporary ledger directory. Header-only, because each bench/ file is a
 * program of its own; static inline, so a program pays for what it uses.
 */
#ifndef CAURIS_BENCH_H
#define CAURIS_BENCH_H

#include <dirent.h>
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
