/*
 * bench_rpc.c — the RPC server's figures, side by side with PERFORMANCE.md's
 * targets:
 *
 *   1. durable posting over RPC: N connections (default 4), each with one
 *      binary PostEntries request of B transfers in flight (B = 1,000 and
 *      8,000), against the real `cauris serve` on a ledger of 100,000
 *      funded wallets; entries counted when their reply (sent after the
 *      fsync) arrives, every result checked to be RESULT_OK; the rate is the
 *      sum of each connection's, between its first and last reply in the
 *      window (bench_rate_between). Target: 120,000 entries/s. Next to
 *      each RPC run, the same workload through
 *      the library in this process (ledger_commit with the N requests of B
 *      in one commit, what the server's group commit does at best), so the
 *      ratio shows what the RPC layer costs on this machine at this hour.
 *      And next to it, the PostgreSQL peer (bench/pg.h): the same entries
 *      from the same N connections in batches of B, one transaction each,
 *      same window, on a fresh copy of a loaded cluster; then from one
 *      connection (concurrent batches of random transfers mostly wait for
 *      each other's row locks, and one connection can do better). Target:
 *      RPC >= 3.5x the better of the two (with PostgreSQL's per-account
 *      history index).
 *   2. GetBalances of one random account, M connections (default 8, each
 *      with one call in flight, all driven by one epoll thread as wrk -t1
 *      -cM does) back to back, keep-alive, binary: requests/s and client-side latency
 *      p50/p99/p99.9/max, while the N posters run and then alone. Targets:
 *      40,000 requests/s, p99 <= 2 ms.
 *
 * Every run starts from a fresh copy of one template ledger (accounts
 * opened and funded once, copied and fsync'd before the server starts), so
 * runs do not inherit each other's growth. A run: the server started on the
 * copy, a warm-up, a timed window; the counters (this program's replies,
 * the server's /metrics, CPU times from getrusage and /proc) are read at
 * both ends of the window.
 *
 * The posting client is one thread per connection with a blocking socket
 * speaking HTTP/1.1; requests are encoded with the generated protobuf-c code, the
 * next one while the current one is in flight (as a client with more work
 * queued would), and its CPU is reported so that it can be ruled out as the
 * limit.
 *
 * Where the time goes is read off the same runs: commits and commit time
 * from /metrics (entries per commit, writer busy), the server's bytes
 * written per commit (/proc/<pid>/io wchar), the CPU of the server's event
 * loop and writer threads (/proc/<pid>/task), this client's (getrusage) and
 * the machine's (/proc/stat).
 *
 * Usage: bench_rpc [--full] [--runs R] [--seconds S] [--connections N]
 *                  [--readers M] [--batch B] [--accounts A]
 *                  [--library-requests K] [--skip-library] [--skip-pg]
 * The server binary: $CAURIS_BIN, else ../cauris next to this program.
 * Default (what `make bench` runs): 5 runs of 3 s windows, ~2.5 min on 2
 * cores with the PostgreSQL peer.
 * --full: 5 runs of 10 s windows (~6 min). --batch B: only that request
 * size; --library-requests K: K requests of B per library commit (default N).
 */
#define _GNU_SOURCE /* strcasestr */
#include "bench/bench.h"
#include "bench/pg.h"
#include "bench/serve.h"
#include "ledger/ledger.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cauris/v1/ledger.pb-c.h"

#define BENCH_ACCOUNTS_DEFAULT 100000u
#define BENCH_ACCOUNTS_MAX 1000000u
#define BENCH_RUNS_DEFAULT 5u
#define BENCH_RUNS_MAX 50u
#define BENCH_SECONDS_DEFAULT 3.0
#define BENCH_SECONDS_FULL 10.0
#define BENCH_WARMUP_S 0.5
#define BENCH_CONNECTIONS_DEFAULT 4u
#define BENCH_CONNECTIONS_MAX 64u
#define BENCH_READERS_DEFAULT 8u
#define BENCH_READERS_MAX 64u
#define BENCH_BATCH_MAX 8192u /* LEDGER_REQUEST_ENTRIES_MAX, the server's default limit */
#define BENCH_BATCHES_MAX 2
#define BENCH_FUND_CHUNK 8000u
#define BENCH_MAP_BYTES ((size_t)4 << 30)
#define BENCH_FUNDING_AMOUNT 1000000000 /* XOF per wallet */
#define BENCH_AMOUNT_MAX 1000u          /* transfer amounts are 1..this */
#define BENCH_WAGE_ONE_IN 8u            /* 1 entry in 8 is a wage from programme:wages */
#define BENCH_VALUE_DATE "2026-01-15"
#define BENCH_VALUE_DATE_N 20260115u
#define BENCH_SEED 0x2545F4914F6CDD1DULL
#define BENCH_POST_TARGET 120000.0   /* PERFORMANCE.md: entries/s over RPC */
#define BENCH_READ_TARGET 40000.0    /* PERFORMANCE.md: GetBalances/s while posting */
#define BENCH_P99_TARGET_US 2000.0   /* PERFORMANCE.md: GetBalances p99 */
#define BENCH_PG_RATIO_TARGET 3.5    /* PERFORMANCE.md: RPC posting / PostgreSQL's */
#define BENCH_DONE_MAX 100000u       /* reply times kept per posting connection */
#define BENCH_LAT_PER_S_MAX 200000.0 /* latency samples kept per reader per second */
#define BENCH_WAIT_SERVER_MS 15000
#define BENCH_CODE_MAX 40
#define BENCH_ID_MAX 32
#define BENCH_PATH_MAX 4096
#define BENCH_HEAD_MAX 512
#define BENCH_PROGRAMME "bench"
#define BENCH_PARTNER "mfi1"

_Static_assert(BENCH_CODE_MAX > sizeof "participant:P1000000:wallet", "codes fit");
_Static_assert(BENCH_BATCH_MAX <= LEDGER_REQUEST_ENTRIES_MAX, "one request per batch");

/* ---- parameters and the world ---- */

typedef struct params {
    uint32_t accounts, runs, connections, readers;
    uint32_t library_requests; /* requests of B per library commit; 0 = connections */
    uint32_t batches[BENCH_BATCHES_MAX];
    unsigned batches_count;
    double seconds;
    bool full, library, pg;
} params;

static struct {
    char root[BENCH_PATH_MAX - 64]; /* temp dir holding everything below */
    char template[BENCH_PATH_MAX];  /* the ledger as set up, copied for each run */
    char run[BENCH_PATH_MAX];       /* the copy a run uses */
    bench_server srv;               /* cauris serve on `run` */
    char token[LEDGER_TOKEN_TEXT_MAX + 1];
    uint32_t accounts;
    char (*codes)[BENCH_CODE_MAX];
    pg_server pg; /* the PostgreSQL peer, if installed */
    bool pg_on;
    uint64_t checked_entries; /* in the last run's ledger, by ledger_verify */
    uint32_t checked_runs;
} W;

static void cleanup(void)
{
    bench_server_kill(&W.srv);
    if (W.root[0] != '\0')
        bench_dir_remove(W.root);
    W.root[0] = '\0';
}

/* The first thread to fail runs exit() (atexit: kill the server, remove
 * the temp dir); any other one that fails meanwhile (its connection closed
 * by that cleanup) waits for the process to end. */
static atomic_bool exiting;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    if (atomic_exchange(&exiting, true)) {
        for (;;)
            pause();
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_rpc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* SIGINT and SIGTERM are blocked in every thread and taken here, so that
 * the cleanup runs in an ordinary thread. */
static sigset_t stop_signals;

static void *signal_main(void *arg)
{
    (void)arg;
    int sig = 0;
    sigwait(&stop_signals, &sig);
    die("stopped by signal %d", sig);
}

static void signals_setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, signal_main, NULL) != 0)
        die("pthread_create");
    pthread_detach(t);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* xorshift64*. */
/* Sorts v. */
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

/* ---- machine ---- */

static void machine_print(const params *p)
{
    bench_machine_print("bench_rpc — the RPC server: durable posting and GetBalances");
    printf("| server | %s serve DIR --listen 127.0.0.1:0 --log-level warn (defaults otherwise) "
           "|\n",
           W.srv.bin);
    printf("| size | %s: %" PRIu32 " runs, %.1f s timed window after %.1f s warm-up |\n",
           p->full ? "--full" : "default", p->runs, p->seconds, BENCH_WARMUP_S);
    printf("| ledger | a fresh copy of one template per run: %" PRIu32
           " wallets participant:P<n>:wallet + partner:mfi1:cash, each wallet funded "
           "%d XOF from programme:wages; 4 GiB initial map; fsync at every commit |\n",
           p->accounts, BENCH_FUNDING_AMOUNT);
    printf("| posting | %" PRIu32 " connections, keep-alive, one PostEntries in flight each, "
           "application/proto; entries of 2 legs: 1 in %u a wage (programme:wages -> random "
           "wallet), else a transfer between two random wallets, 1..%u XOF; client ids "
           "c<conn>-<10 digits> |\n",
           p->connections, BENCH_WAGE_ONE_IN, BENCH_AMOUNT_MAX);
    printf("| reading | %" PRIu32 " connections, keep-alive, GetBalances of 1 random wallet, "
           "application/proto, back to back; latency from send to whole reply, "
           "CLOCK_MONOTONIC |\n",
           p->readers);
    fflush(stdout);
}

/* ---- CPU accounting ---- */

typedef struct cpu_snap {
    double t;
    double client_s;                    /* this process: user + system */
    double loop_s, offload_s, writer_s; /* the server's threads */
    double machine_busy_ticks;          /* /proc/stat, all cores */
    double machine_total_ticks;
    double server_write_bytes; /* /proc/<server>/io wchar: bytes handed to write(2) and kin */
} cpu_snap;

static double rusage_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of a /proc/.../stat file, in seconds; -1 if unreadable. */
static double stat_cpu_s(const char *path)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* After ')': state (field 3) ... utime (14), stime (15). */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The server's threads by name: the main thread runs the event loop,
 * "cauris-offload" decodes large requests, the rest is the writer. */
static void server_cpu(pid_t pid, double *loop_s, double *offload_s, double *writer_s)
{
    char dir[64], path[128], comm[32] = "";
    *loop_s = *offload_s = *writer_s = 0;
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%.20s/stat", dir, e->d_name);
        double s = stat_cpu_s(path);
        if (s < 0)
            continue;
        snprintf(path, sizeof path, "%s/%.20s/comm", dir, e->d_name);
        bench_proc_line(path, comm, sizeof comm);
        if (atoi(e->d_name) == (int)pid)
            *loop_s += s;
        else if (strcmp(comm, "cauris-offload") == 0)
            *offload_s += s;
        else
            *writer_s += s;
    }
    closedir(d);
}

static void machine_ticks(double *busy, double *total)
{
    unsigned long long v[8] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 5)
        return;
    for (int i = 0; i < 8; i++)
        *total += (double)v[i];
    *busy = *total - (double)v[3] - (double)v[4]; /* less idle and iowait */
}

/* A "key: value" number of a /proc file; -1 if absent. */
static double proc_number(const char *file, const char *key)
{
    char v[64], *end;
    bench_proc_field(file, key, v, sizeof v);
    double n = strtod(v, &end);
    return end == v ? -1 : n;
}

static cpu_snap cpu_take(pid_t server)
{
    cpu_snap s;
    char io[64];
    snprintf(io, sizeof io, "/proc/%d/io", (int)server);
    s.server_write_bytes = server > 0 ? proc_number(io, "wchar") : -1;
    s.t = bench_now_s();
    s.client_s = rusage_s();
    s.loop_s = s.offload_s = s.writer_s = 0;
    if (server > 0)
        server_cpu(server, &s.loop_s, &s.offload_s, &s.writer_s);
    machine_ticks(&s.machine_busy_ticks, &s.machine_total_ticks);
    return s;
}

/* Per cent of one core over the interval, for each part; machine: of all. */
typedef struct cpu_use {
    double client, loop, offload, writer, machine;
    double write_bytes; /* by the server over the interval; < 0 unknown */
} cpu_use;

static cpu_use cpu_between(const cpu_snap *a, const cpu_snap *b)
{
    double wall = b->t - a->t;
    cpu_use u;
    u.client = 100 * (b->client_s - a->client_s) / wall;
    u.loop = 100 * (b->loop_s - a->loop_s) / wall;
    u.offload = 100 * (b->offload_s - a->offload_s) / wall;
    u.writer = 100 * (b->writer_s - a->writer_s) / wall;
    double total = b->machine_total_ticks - a->machine_total_ticks;
    u.machine = total > 0 ? 100 * (b->machine_busy_ticks - a->machine_busy_ticks) / total : 0;
    u.write_bytes = a->server_write_bytes >= 0 && b->server_write_bytes >= a->server_write_bytes
                        ? b->server_write_bytes - a->server_write_bytes
                        : -1;
    return u;
}

/* ---- the template ledger ---- */

static void entry_fill(ledger_entry_in *e, const char *client_id, ledger_op op,
                       const char *debit, const char *credit, int64_t amount)
{
    memset(e, 0, sizeof *e);
    e->programme = BENCH_PROGRAMME;
    e->kind = LEDGER_KIND_POSTED;
    e->op = op;
    e->partner = BENCH_PARTNER;
    e->principal = "bench";
    e->client_id = client_id;
    e->value_date = BENCH_VALUE_DATE_N;
    e->legs_count = 2;
    e->legs[0] = (ledger_leg_in){debit, LEDGER_DEBIT, amount};
    e->legs[1] = (ledger_leg_in){credit, LEDGER_CREDIT, amount};
}

static void commit_checked(ledger *l, ledger_request *reqs, size_t n)
{
    int err = ledger_commit(l, reqs, n, NULL);
    if (err != LEDGER_OK)
        die("ledger_commit: %s", ledger_strerror(err));
    for (size_t r = 0; r < n; r++)
        for (uint32_t i = 0; i < reqs[r].entries_count; i++)
            if (reqs[r].results[i].err != LEDGER_OK)
                die("entry %s refused: %s", reqs[r].entries[i].client_id,
                    ledger_err_name(reqs[r].results[i].err));
}

/* Creates the template: accounts opened in chunks, wallets funded, a token. */
static double template_make(void)
{
    double t0 = bench_now_s();
    ledger_init_options io = {.programme = BENCH_PROGRAMME, .currency = "XOF"};
    io.open.map_size_initial = BENCH_MAP_BYTES;
    int err = ledger_init(W.template, &io);
    if (err != LEDGER_OK)
        die("ledger_init %s: %s", W.template, ledger_strerror(err));
    ledger *l;
    err = ledger_open(&l, W.template, NULL);
    if (err != LEDGER_OK)
        die("ledger_open %s: %s", W.template, ledger_strerror(err));
    /* Accounts: the wallets, then the MFI's cash account. */
    size_t total = (size_t)W.accounts + 1;
    const char **codes = xcalloc(total, sizeof *codes);
    int *results = xcalloc(total, sizeof *results);
    for (uint32_t i = 0; i < W.accounts; i++)
        codes[i] = W.codes[i];
    codes[W.accounts] = "partner:mfi1:cash";
    for (size_t first = 0; first < total; first += LEDGER_ACCOUNTS_OPEN_MAX / 2) {
        size_t n = total - first;
        if (n > LEDGER_ACCOUNTS_OPEN_MAX / 2)
            n = LEDGER_ACCOUNTS_OPEN_MAX / 2;
        err = ledger_accounts_open(l, BENCH_PROGRAMME, codes + first, n, results);
        if (err != LEDGER_OK)
            die("ledger_accounts_open: %s", ledger_strerror(err));
        for (size_t i = 0; i < n; i++)
            if (results[i] != LEDGER_OK)
                die("opening %s: %s", codes[first + i], ledger_err_name(results[i]));
    }
    free(codes);
    free(results);
    /* Funding. */
    ledger_entry_in *entries = xcalloc(BENCH_FUND_CHUNK, sizeof *entries);
    ledger_result *res = xcalloc(BENCH_FUND_CHUNK, sizeof *res);
    char(*ids)[BENCH_ID_MAX] = xcalloc(BENCH_FUND_CHUNK, sizeof *ids);
    for (uint32_t first = 0; first < W.accounts; first += BENCH_FUND_CHUNK) {
        uint32_t n = W.accounts - first;
        if (n > BENCH_FUND_CHUNK)
            n = BENCH_FUND_CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            snprintf(ids[i], BENCH_ID_MAX, "fund-%07" PRIu32, first + i + 1);
            /* Transfers: the wallets are bare accounts, not enrolled
             * participants, so typed wages would be refused. */
            entry_fill(&entries[i], ids[i], LEDGER_OP_TRANSFER, "programme:wages",
                       W.codes[first + i], BENCH_FUNDING_AMOUNT);
        }
        ledger_request req = {entries, n, false, res};
        commit_checked(l, &req, 1);
    }
    free(entries);
    free(res);
    free(ids);
    /* admin: the workload posts transfers, an accountant's operation. */
    err = ledger_token_create(l, BENCH_PROGRAMME, BENCH_PARTNER, "bench-rpc",
                              LEDGER_ROLE_POST | LEDGER_ROLE_READ | LEDGER_ROLE_ADMIN, W.token,
                              NULL);
    if (err != LEDGER_OK)
        die("ledger_token_create: %s", ledger_strerror(err));
    ledger_close(l);
    return bench_now_s() - t0;
}

static void file_copy(const char *from_dir, const char *to_dir, const char *name)
{
    char from[BENCH_PATH_MAX + 64], to[BENCH_PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/%s", from_dir, name);
    snprintf(to, sizeof to, "%s/%s", to_dir, name);
    struct stat st;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &st) != 0)
        die("open %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777);
    if (out < 0)
        die("create %s: %s", to, strerror(errno));
    static char buf[1 << 20];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read %s: %s", from, strerror(errno));
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                die("write %s: %s", to, strerror(errno));
            done += w;
        }
    }
    /* Written back now, so that the first commit's fsync does not pay for
     * the copy. */
    if (fsync(out) != 0 || close(out) != 0)
        die("fsync %s: %s", to, strerror(errno));
    close(in);
}

/* A fresh run directory: the template's files, fsync'd (lock.mdb is
 * recreated by LMDB). */
static double run_dir_fresh(void)
{
    double t0 = bench_now_s();
    bench_dir_remove(W.run);
    if (mkdir(W.run, 0700) != 0)
        die("mkdir %s: %s", W.run, strerror(errno));
    file_copy(W.template, W.run, "data.mdb");
    file_copy(W.template, W.run, "signing.key");
    file_copy(W.template, W.run, "signing.pub");
    int d = open(W.run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        fsync(d);
        close(d);
    }
    return bench_now_s() - t0;
}

/* ---- /metrics ---- */

typedef struct server_counters {
    double commits, commit_seconds, entries_posted, entries_refused;
} server_counters;

static double metric(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    die("/metrics has no %s", name);
}

static server_counters counters_get(void)
{
    char *text = bench_http_get(W.srv.port, "/metrics");
    server_counters s = {metric(text, "cauris_commits_total"),
                         metric(text, "cauris_commit_seconds_sum"),
                         metric(text, "cauris_entries_posted_total"),
                         metric(text, "cauris_entries_refused_total")};
    free(text);
    return s;
}

/* ---- posting connections ---- */

static atomic_bool posters_stop;

typedef struct poster {
    pthread_t thread;
    unsigned idx;
    uint32_t batch;
    uint64_t rng, next_id;
    atomic_uint_fast64_t entries_ok; /* counted at reply */
    atomic_uint_fast64_t requests;
    double *done_at; /* when each reply arrived (bench_now_s), BENCH_DONE_MAX at most */
    size_t done_count;
    bench_http conn;
    Cauris__V1__PostEntriesRequest req;
    Cauris__V1__EntryInput *entries, **entry_ptrs;
    Cauris__V1__Leg *legs, **leg_ptrs;
    char (*ids)[BENCH_ID_MAX];
    uint8_t *body[2];
    size_t body_cap[2], body_len[2];
} poster;

/* The next request's entries: random accounts, fresh client ids. */
static void poster_fill(poster *p)
{
    for (uint32_t i = 0; i < p->batch; i++) {
        Cauris__V1__EntryInput *e = &p->entries[i];
        Cauris__V1__Leg *d = &p->legs[2 * i], *c = &p->legs[2 * i + 1];
        uint32_t a = 0, b;
        int64_t amount;
        bool wage;
        bench_mix_draw(&p->rng, W.accounts, BENCH_AMOUNT_MAX, BENCH_WAGE_ONE_IN, &wage, &a, &b,
                       &amount);
        /* A wage is a transfer from programme:wages: the wallets are bare
         * accounts, not enrolled participants, whose typed wages the
         * ledger refuses (as the library runs below post them). */
        e->operation = CAURIS__V1__OPERATION__OPERATION_TRANSFER;
        d->account = wage ? (char *)"programme:wages" : W.codes[a];
        c->account = W.codes[b];
        d->debit = amount;
        c->credit = amount;
        snprintf(p->ids[i], BENCH_ID_MAX, "c%u-%010" PRIu64, p->idx, p->next_id++);
    }
}

/* Encodes the next request into body[k]. */
static void poster_encode(poster *p, int k)
{
    poster_fill(p);
    size_t len = cauris__v1__post_entries_request__get_packed_size(&p->req);
    if (len > p->body_cap[k]) {
        free(p->body[k]);
        p->body_cap[k] = len + len / 4;
        p->body[k] = xcalloc(p->body_cap[k], 1);
    }
    p->body_len[k] = cauris__v1__post_entries_request__pack(&p->req, p->body[k]);
}

static void poster_init(poster *p, unsigned idx, uint32_t batch, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->idx = idx;
    p->batch = batch;
    p->rng = seed;
    p->next_id = 1;
    p->entries = xcalloc(batch, sizeof *p->entries);
    p->entry_ptrs = xcalloc(batch, sizeof *p->entry_ptrs);
    p->done_at = xcalloc(BENCH_DONE_MAX, sizeof *p->done_at);
    p->legs = xcalloc(2 * (size_t)batch, sizeof *p->legs);
    p->leg_ptrs = xcalloc(2 * (size_t)batch, sizeof *p->leg_ptrs);
    p->ids = xcalloc(batch, sizeof *p->ids);
    cauris__v1__post_entries_request__init(&p->req);
    p->req.n_entries = batch;
    p->req.entries = p->entry_ptrs;
    for (uint32_t i = 0; i < batch; i++) {
        Cauris__V1__EntryInput *e = &p->entries[i];
        cauris__v1__entry_input__init(e);
        e->client_id = p->ids[i];
        e->kind = CAURIS__V1__KIND__KIND_POSTED;
        e->value_date = (char *)BENCH_VALUE_DATE;
        e->n_legs = 2;
        e->legs = &p->leg_ptrs[2 * i];
        for (int k = 0; k < 2; k++) {
            Cauris__V1__Leg *l = &p->legs[2 * i + (uint32_t)k];
            cauris__v1__leg__init(l);
            l->amount_case =
                k == 0 ? CAURIS__V1__LEG__AMOUNT_DEBIT : CAURIS__V1__LEG__AMOUNT_CREDIT;
            p->leg_ptrs[2 * i + (uint32_t)k] = l;
        }
        p->entry_ptrs[i] = e;
    }
}

static void poster_free(poster *p)
{
    free(p->entries);
    free(p->entry_ptrs);
    free(p->legs);
    free(p->leg_ptrs);
    free(p->ids);
    free(p->body[0]);
    free(p->body[1]);
    free(p->done_at);
}

/* Checks a PostEntries reply: every result RESULT_OK. Returns the count. */
static uint64_t post_reply_check(const poster *p, int status, const uint8_t *body, size_t len)
{
    if (status != 200)
        die("PostEntries: HTTP %d: %.*s", status, (int)(len < 300 ? len : 300),
            (const char *)body);
    Cauris__V1__PostEntriesResponse *r =
        cauris__v1__post_entries_response__unpack(NULL, len, body);
    if (r == NULL)
        die("PostEntries: the reply does not decode");
    if (r->n_results != p->batch)
        die("PostEntries: %zu results for %" PRIu32 " entries", r->n_results, p->batch);
    uint64_t ok = 0;
    for (size_t i = 0; i < r->n_results; i++) {
        if (r->results[i]->result == CAURIS__V1__RESULT__RESULT_OK)
            ok++;
        else
            die("PostEntries: entry %zu refused: result %d (%s)", i, (int)r->results[i]->result,
                r->results[i]->message);
    }
    cauris__v1__post_entries_response__free_unpacked(r, NULL);
    return ok;
}

static void *poster_main(void *arg)
{
    poster *p = arg;
    bench_http_open(&p->conn, W.srv.port);
    int cur = 0;
    poster_encode(p, cur);
    while (!atomic_load(&posters_stop)) {
        bench_http_call_send(&p->conn, W.token, "PostEntries", p->body[cur], p->body_len[cur]);
        poster_encode(p, 1 - cur); /* while the server works on this one */
        const uint8_t *body;
        size_t len;
        int status = bench_http_recv(&p->conn, &body, &len);
        uint64_t ok = post_reply_check(p, status, body, len);
        if (p->done_count < BENCH_DONE_MAX)
            p->done_at[p->done_count++] = bench_now_s();
        atomic_fetch_add(&p->entries_ok, ok);
        atomic_fetch_add(&p->requests, 1);
        cur = 1 - cur;
    }
    bench_http_close(&p->conn);
    return NULL;
}

/* ---- GetBalances connections ---- */

static atomic_bool readers_stop;
static atomic_int readers_window = -1; /* which window samples go to; -1 none */

/* One reader connection: one request in flight, back to back. */
typedef struct reader {
    uint64_t rng;
    bench_http conn;
    char *code; /* of the call in flight */
    double t0;
    int w0;
    float *lat_us[2]; /* per window */
    size_t n[2], cap;
} reader;

typedef struct readers {
    pthread_t thread;
    reader *rd;
    uint32_t m;
} readers;

static void reader_send(reader *r)
{
    uint8_t buf[256];
    r->code = W.codes[bench_rng_below(&r->rng, W.accounts)];
    Cauris__V1__GetBalancesRequest q = CAURIS__V1__GET_BALANCES_REQUEST__INIT;
    q.n_accounts = 1;
    q.accounts = &r->code;
    r->w0 = atomic_load(&readers_window);
    r->t0 = bench_now_s();
    size_t len = cauris__v1__get_balances_request__pack(&q, buf);
    r->conn.len = 0;
    r->conn.buf[0] = '\0';
    bench_http_call_send(&r->conn, W.token, "GetBalances", buf, len);
}

static void reader_reply(reader *r, int status, const uint8_t *body, size_t blen)
{
    if (status != 200)
        die("GetBalances: HTTP %d: %.*s", status, (int)(blen < 300 ? blen : 300),
            (const char *)body);
    Cauris__V1__GetBalancesResponse *resp =
        cauris__v1__get_balances_response__unpack(NULL, blen, body);
    if (resp == NULL || resp->n_balances != 1 ||
        strcmp(resp->balances[0]->account, r->code) != 0)
        die("GetBalances: unexpected reply");
    cauris__v1__get_balances_response__free_unpacked(resp, NULL);
    double t1 = bench_now_s();
    int w1 = atomic_load(&readers_window);
    if (r->w0 >= 0 && r->w0 == w1 && r->n[r->w0] < r->cap)
        r->lat_us[r->w0][r->n[r->w0]++] = (float)((t1 - r->t0) * 1e6);
}

/* One thread drives every reader connection through epoll, as a load
 * generator such as wrk does: a thread per connection would have each reply
 * wake a thread of its own, a cost that lands on the server's sends. */
static void *readers_main(void *arg)
{
    readers *g = arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1: %s", strerror(errno));
    for (uint32_t i = 0; i < g->m; i++) {
        reader *r = &g->rd[i];
        bench_http_open(&r->conn, W.srv.port);
        if (fcntl(r->conn.fd, F_SETFL, O_NONBLOCK) != 0)
            die("fcntl: %s", strerror(errno));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = r};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, r->conn.fd, &ev) != 0)
            die("epoll_ctl: %s", strerror(errno));
        reader_send(r);
    }
    struct epoll_event evs[BENCH_READERS_MAX];
    while (!atomic_load(&readers_stop)) {
        int k = epoll_wait(ep, evs, BENCH_READERS_MAX, 100);
        if (k < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int j = 0; j < k; j++) {
            reader *r = evs[j].data.ptr;
            const uint8_t *body;
            size_t blen;
            while (bench_http_read_some(&r->conn)) {
            }
            int status = bench_http_reply(&r->conn, &body, &blen);
            if (status == 0)
                continue;
            reader_reply(r, status, body, blen);
            reader_send(r);
        }
    }
    for (uint32_t i = 0; i < g->m; i++)
        bench_http_close(&g->rd[i].conn);
    close(ep);
    return NULL;
}

/* ---- results ---- */

typedef struct library_figure {
    double per_s; /* < 0: not measured */
    double ms_per_commit;
} library_figure;

typedef struct post_figure {
    uint32_t run_no, batch;
    double seconds, entries, per_s;
    double commits, commit_s; /* from /metrics over the window */
    double requests;
    cpu_use cpu;
    library_figure library;
    pg_figure pg;  /* the N connections; per_s < 0: not measured */
    pg_figure pg1; /* one connection; per_s < 0: not measured */
} post_figure;

typedef struct read_figure {
    uint32_t run_no;
    bool posting;
    uint32_t batch;
    double seconds, requests, per_s, p50, p99, p999, max;
    double posting_per_s; /* entries/s of the posters during the window */
    cpu_use cpu;
} read_figure;

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The readers' samples of window w: rate, p50, p99, max. */
static void read_figure_fill(read_figure *f, reader *rd, uint32_t m, int w, double seconds)
{
    size_t n = 0;
    for (uint32_t i = 0; i < m; i++)
        n += rd[i].n[w];
    float *all = xcalloc(n, sizeof *all);
    size_t k = 0;
    for (uint32_t i = 0; i < m; i++) {
        memcpy(all + k, rd[i].lat_us[w], rd[i].n[w] * sizeof *all);
        k += rd[i].n[w];
    }
    qsort(all, n, sizeof *all, cmp_float);
    f->seconds = seconds;
    f->requests = (double)n;
    f->per_s = (double)n / seconds;
    /* nearest rank */
    f->p50 = n ? all[(size_t)((double)(n - 1) * 0.50)] : 0;
    f->p99 = n ? all[(size_t)((double)(n - 1) * 0.99)] : 0;
    f->p999 = n ? all[(size_t)((double)(n - 1) * 0.999)] : 0;
    f->max = n ? all[n - 1] : 0;
    free(all);
}

/* After a run: the ledger the server leaves passes ledger_verify and holds
 * the template's funding plus every entry the posters were told was
 * posted (a figure counts nothing else). */
static void run_check(uint64_t posted)
{
    ledger *l;
    ledger_options o = {.read_only = true};
    int err = ledger_open(&l, W.run, &o);
    if (err != LEDGER_OK)
        die("ledger_open %s: %s", W.run, ledger_strerror(err));
    ledger_verify_report r;
    err = ledger_verify(l, NULL, &r);
    ledger_close(l);
    if (err != LEDGER_OK)
        die("the run's ledger fails verification: %s", r.first_error);
    if (r.entries != (uint64_t)W.accounts + posted)
        die("the run's ledger holds %" PRIu64 " entries, %" PRIu32 " funding + %" PRIu64
            " posted expected",
            r.entries, W.accounts, posted);
    W.checked_entries = r.entries;
    W.checked_runs++;
}

/* One RPC run: a fresh ledger, the server, N posters of `batch` (0 = none)
 * and M readers (0 = none). With readers, the readers go on alone for a
 * second window after the posters stop. */
static void rpc_run(const params *p, uint32_t run_no, uint32_t batch, uint32_t m,
                    post_figure *pf, read_figure *with, read_figure *alone)
{
    run_dir_fresh();
    bench_server_start(&W.srv, NULL);
    uint32_t n = batch ? p->connections : 0;
    poster *ps = xcalloc(n, sizeof *ps);
    reader *rd = xcalloc(m, sizeof *rd);
    atomic_store(&posters_stop, false);
    atomic_store(&readers_stop, false);
    atomic_store(&readers_window, -1);
    for (uint32_t i = 0; i < n; i++) {
        poster_init(&ps[i], i + 1, batch, BENCH_SEED ^ ((uint64_t)run_no << 32) ^ (i + 1));
        if (pthread_create(&ps[i].thread, NULL, poster_main, &ps[i]) != 0)
            die("pthread_create");
    }
    double alone_s = p->seconds / 2 < 1 ? 1 : p->seconds / 2;
    for (uint32_t i = 0; i < m; i++) {
        rd[i].rng = BENCH_SEED ^ ((uint64_t)run_no << 40) ^ (0xABCDu + i);
        rd[i].cap =
            (size_t)(BENCH_LAT_PER_S_MAX * (p->seconds > alone_s ? p->seconds : alone_s));
        rd[i].lat_us[0] = xcalloc(rd[i].cap, sizeof(float));
        rd[i].lat_us[1] = xcalloc(rd[i].cap, sizeof(float));
    }
    readers group = {.rd = rd, .m = m};
    if (m > 0 && pthread_create(&group.thread, NULL, readers_main, &group) != 0)
        die("pthread_create");
    sleep_s(BENCH_WARMUP_S);

    /* Window 0: posters (and readers). */
    uint64_t e0 = 0, q0 = 0, e1 = 0, q1 = 0;
    server_counters s0 = counters_get();
    for (uint32_t i = 0; i < n; i++) {
        e0 += atomic_load(&ps[i].entries_ok);
        q0 += atomic_load(&ps[i].requests);
    }
    cpu_snap c0 = cpu_take(W.srv.pid);
    atomic_store(&readers_window, 0);
    sleep_s(p->seconds);
    atomic_store(&readers_window, -1);
    cpu_snap c1 = cpu_take(W.srv.pid);
    for (uint32_t i = 0; i < n; i++) {
        e1 += atomic_load(&ps[i].entries_ok);
        q1 += atomic_load(&ps[i].requests);
    }
    server_counters s1 = counters_get();
    double window = c1.t - c0.t;
    atomic_store(&posters_stop, true);
    double rate = 0; /* entries/s: each connection's, between its first and last reply */
    uint64_t posted = 0;
    for (uint32_t i = 0; i < n; i++) {
        pthread_join(ps[i].thread, NULL);
        rate += bench_rate_between(ps[i].done_at, ps[i].done_count, c0.t, c1.t, (double)batch);
        posted += atomic_load(&ps[i].entries_ok);
        poster_free(&ps[i]);
    }
    if (pf != NULL) {
        memset(pf, 0, sizeof *pf);
        pf->run_no = run_no;
        pf->batch = batch;
        pf->seconds = window;
        pf->entries = (double)(e1 - e0);
        pf->per_s = rate;
        pf->requests = (double)(q1 - q0);
        pf->commits = s1.commits - s0.commits;
        pf->commit_s = s1.commit_seconds - s0.commit_seconds;
        pf->cpu = cpu_between(&c0, &c1);
        pf->library.per_s = -1;
        if (s1.entries_refused != s0.entries_refused)
            die("the server refused entries");
    }
    if (m > 0) {
        memset(with, 0, sizeof *with);
        with->run_no = run_no;
        with->posting = n > 0;
        with->batch = batch;
        read_figure_fill(with, rd, m, 0, window);
        with->posting_per_s = rate;
        with->cpu = cpu_between(&c0, &c1);
        /* Window 1: readers alone (the posters' last replies are in). */
        if (alone != NULL) {
            cpu_snap a0 = cpu_take(W.srv.pid);
            atomic_store(&readers_window, 1);
            sleep_s(alone_s);
            atomic_store(&readers_window, -1);
            cpu_snap a1 = cpu_take(W.srv.pid);
            memset(alone, 0, sizeof *alone);
            alone->run_no = run_no;
            alone->posting = false;
            read_figure_fill(alone, rd, m, 1, a1.t - a0.t);
            alone->cpu = cpu_between(&a0, &a1);
        }
        atomic_store(&readers_stop, true);
        pthread_join(group.thread, NULL);
        for (uint32_t i = 0; i < m; i++) {
            free(rd[i].lat_us[0]);
            free(rd[i].lat_us[1]);
        }
    }
    free(ps);
    free(rd);
    bench_server_stop(&W.srv);
    if (run_no == p->runs)
        run_check(posted);
    bench_dir_remove(W.run);
}

/* The same workload through the library, in this process: commits of
 * `requests` requests of `batch` entries (the server's best grouping with
 * that many connections), on a fresh copy; only ledger_commit is timed, for
 * about `seconds`. */
static library_figure library_run(uint32_t batch, uint32_t requests, double seconds,
                                  uint32_t run_no)
{
    run_dir_fresh();
    ledger *l;
    int err = ledger_open(&l, W.run, NULL);
    if (err != LEDGER_OK)
        die("ledger_open %s: %s", W.run, ledger_strerror(err));
    size_t total = (size_t)batch * requests;
    ledger_entry_in *entries = xcalloc(total, sizeof *entries);
    ledger_result *results = xcalloc(total, sizeof *results);
    char(*ids)[BENCH_ID_MAX] = xcalloc(total, sizeof *ids);
    ledger_request *reqs = xcalloc(requests, sizeof *reqs);
    uint64_t rng = BENCH_SEED ^ ((uint64_t)run_no << 32) ^ 0x11u, next = 1;
    double timed = 0, entries_timed = 0, commits = 0;
    for (int commit = 0; timed < seconds; commit++) {
        for (size_t i = 0; i < total; i++) {
            uint32_t a = 0, b;
            int64_t amount;
            bool wage;
            bench_mix_draw(&rng, W.accounts, BENCH_AMOUNT_MAX, BENCH_WAGE_ONE_IN, &wage, &a, &b,
                           &amount);
            /* A transfer from programme:wages for a wage: bare wallets. */
            ledger_op op = LEDGER_OP_TRANSFER;
            const char *debit = wage ? "programme:wages" : W.codes[a];
            snprintf(ids[i], BENCH_ID_MAX, "c%zu-%010" PRIu64, 1 + i / batch, next + i % batch);
            entry_fill(&entries[i], ids[i], op, debit, W.codes[b], amount);
        }
        next += batch;
        for (uint32_t r = 0; r < requests; r++)
            reqs[r] = (ledger_request){entries + (size_t)r * batch, batch, false,
                                       results + (size_t)r * batch};
        double t0 = bench_now_s();
        commit_checked(l, reqs, requests);
        double dt = bench_now_s() - t0;
        if (commit > 0) { /* the first one warms up */
            timed += dt;
            entries_timed += (double)total;
            commits++;
        }
    }
    ledger_close(l);
    free(entries);
    free(results);
    free(ids);
    free(reqs);
    bench_dir_remove(W.run);
    return (library_figure){entries_timed / timed, 1e3 * timed / commits};
}

/* ---- printing ---- */

/* PostgreSQL's better figure of the run: N connections or one. */
static double pg_best(const post_figure *f)
{
    return f->pg1.per_s > f->pg.per_s ? f->pg1.per_s : f->pg.per_s;
}

static void post_print(const params *p, post_figure *f, size_t n)
{
    printf("### Durable posting over RPC (PostEntries, binary)\n\n");
    printf("RPC runs: %" PRIu32 " connections, one request in flight each. Library runs: the "
           "same entries through ledger_commit in this process, %" PRIu32
           " requests of B per commit, only ledger_commit timed, on its own fresh copy just "
           "before the RPC run.\n\n",
           p->connections, p->library_requests);
    printf(
        "| run | entries per request | window s | entries (ok, at reply) | entries/s | "
        "commits | entries per commit | ms per commit | MB written per commit (server wchar) | "
        "writer busy (commit time / window) | "
        "server CPU loop / offload / writer, %% of a core | loop + offload µs per entry | "
        "client CPU %% | "
        "machine busy %% (2 cores = 100) | library entries/s | library ms per commit | "
        "PostgreSQL entries/s (same connections and batches) | PostgreSQL ms per batch | "
        "PostgreSQL WAL MB per batch | PostgreSQL entries/s, 1 connection | RPC / PostgreSQL "
        "(the better of the two) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        "\n");
    for (size_t i = 0; i < n; i++) {
        printf("| %" PRIu32 " | %" PRIu32 " | %.2f | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | "
               "%.0f %% | %.0f / %.0f / %.0f | %.2f | %.0f | %.0f | ",
               f[i].run_no, f[i].batch, f[i].seconds, f[i].entries, f[i].per_s, f[i].commits,
               f[i].commits > 0 ? f[i].entries / f[i].commits : 0,
               f[i].commits > 0 ? 1e3 * f[i].commit_s / f[i].commits : 0,
               f[i].commits > 0 && f[i].cpu.write_bytes >= 0
                   ? f[i].cpu.write_bytes / 1e6 / f[i].commits
                   : -1,
               100 * f[i].commit_s / f[i].seconds, f[i].cpu.loop, f[i].cpu.offload,
               f[i].cpu.writer,
               f[i].entries > 0 ? (f[i].cpu.loop + f[i].cpu.offload) / 100 * f[i].seconds /
                                      f[i].entries * 1e6
                                : 0,
               f[i].cpu.client, f[i].cpu.machine);
        if (f[i].library.per_s >= 0)
            printf("%.0f | %.1f | ", f[i].library.per_s, f[i].library.ms_per_commit);
        else
            printf("— | — | ");
        if (f[i].pg.per_s >= 0) {
            printf("%.0f | %.1f | %.1f | ", f[i].pg.per_s,
                   f[i].pg.batches > 0
                       ? 1e3 * f[i].pg.seconds / f[i].pg.batches * p->connections
                       : 0,
                   f[i].pg.wal_mb_per_batch);
            if (f[i].pg1.per_s >= 0)
                printf("%.0f | ", f[i].pg1.per_s);
            else
                printf("— | ");
            printf("%.2f |\n", f[i].per_s / pg_best(&f[i]));
        } else {
            printf("— | — | — | — | — |\n");
        }
    }
    printf(
        "\n| entries per request | runs | median entries/s | min | max | median / 120,000 "
        "target | median entries per commit | library median (%" PRIu32
        " x B per commit) | RPC / library (medians) | PostgreSQL median entries/s (min–max), "
        "same connections | PostgreSQL, 1 connection | RPC / PostgreSQL's better (medians) | "
        "round by round: min–max | / 3.5× target |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        p->library_requests);
    for (unsigned b = 0; b < p->batches_count; b++) {
        double v[BENCH_RUNS_MAX], epc[BENCH_RUNS_MAX], lib[BENCH_RUNS_MAX];
        double pgv[BENCH_RUNS_MAX], pg1v[BENCH_RUNS_MAX], best[BENCH_RUNS_MAX];
        double ratio[BENCH_RUNS_MAX];
        size_t k = 0, kl = 0, kp = 0, kp1 = 0;
        for (size_t i = 0; i < n; i++) {
            if (f[i].batch != p->batches[b])
                continue;
            epc[k] = f[i].commits > 0 ? f[i].entries / f[i].commits : 0;
            v[k++] = f[i].per_s;
            if (f[i].library.per_s >= 0)
                lib[kl++] = f[i].library.per_s;
            if (f[i].pg.per_s > 0) {
                ratio[kp] = f[i].per_s / pg_best(&f[i]);
                best[kp] = pg_best(&f[i]);
                pgv[kp++] = f[i].pg.per_s;
            }
            if (f[i].pg1.per_s > 0)
                pg1v[kp1++] = f[i].pg1.per_s;
        }
        double lo = min_of(v, k), hi = max_of(v, k), med = bench_median_of(v, k);
        double lmed = bench_median_of(lib, kl);
        printf("| %" PRIu32 " | %zu | **%.0f** | %.0f | %.0f | **%.2f** | %.0f | ",
               p->batches[b], k, med, lo, hi, med / BENCH_POST_TARGET, bench_median_of(epc, k));
        if (kl > 0)
            printf("%.0f | %.2f | ", lmed, med / lmed);
        else
            printf("— | — | ");
        if (kp > 0) {
            double plo = min_of(pgv, kp), phi = max_of(pgv, kp);
            double pmed = bench_median_of(pgv, kp);
            double rlo = min_of(ratio, kp), rhi = max_of(ratio, kp);
            double bmed = bench_median_of(best, kp);
            printf("%.0f (%.0f–%.0f) | ", pmed, plo, phi);
            if (kp1 > 0)
                printf("%.0f (%.0f–%.0f) | ", bench_median_of(pg1v, kp1), min_of(pg1v, kp1),
                       max_of(pg1v, kp1));
            else
                printf("— | ");
            printf("**%.2f×** | %.2f–%.2f | **%.2f** |\n", med / bmed, rlo, rhi,
                   med / bmed / BENCH_PG_RATIO_TARGET);
        } else {
            printf("— | — | — | — | — |\n");
        }
    }
    printf("\n");
}

static void while_name(char *out, size_t cap, const params *p, const read_figure *f)
{
    if (f->posting)
        snprintf(out, cap, "posting, %" PRIu32 " x %" PRIu32, p->connections, f->batch);
    else
        snprintf(out, cap, "alone");
}

static void read_print(const params *p, read_figure *f, size_t n)
{
    printf("### GetBalances over RPC (1 account, binary), %" PRIu32 " connections\n\n",
           p->readers);
    printf("| run | while | window s | requests | requests/s | p50 µs | p99 µs | p99.9 µs | "
           "max µs | posting entries/s meanwhile | server CPU loop / offload / writer, %% of a "
           "core | "
           "client CPU %% | machine busy %% |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        char while_[96];
        while_name(while_, sizeof while_, p, &f[i]);
        printf("| %" PRIu32 " | %s | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | ",
               f[i].run_no, while_, f[i].seconds, f[i].requests, f[i].per_s, f[i].p50, f[i].p99,
               f[i].p999, f[i].max);
        if (f[i].posting)
            printf("%.0f", f[i].posting_per_s);
        else
            printf("—");
        printf(" | %.0f / %.0f / %.0f | %.0f | %.0f |\n", f[i].cpu.loop, f[i].cpu.offload,
               f[i].cpu.writer, f[i].cpu.client, f[i].cpu.machine);
    }
    printf("\n| while | runs | median requests/s | min | max | median p50 µs | median p99 µs "
           "(min–max) | median p99.9 µs | max µs | requests/s / 40,000 target | 2 ms / p99 |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|\n");
    /* Conditions: posting, then alone. */
    for (int c = 0; c < 2; c++) {
        bool posting = c == 0;
        double rate[BENCH_RUNS_MAX], p50[BENCH_RUNS_MAX], p99[BENCH_RUNS_MAX],
            p999[BENCH_RUNS_MAX], mx[BENCH_RUNS_MAX];
        size_t k = 0;
        const read_figure *any = NULL;
        for (size_t i = 0; i < n; i++) {
            if (f[i].posting != posting)
                continue;
            any = &f[i];
            rate[k] = f[i].per_s;
            p50[k] = f[i].p50;
            p99[k] = f[i].p99;
            p999[k] = f[i].p999;
            mx[k] = f[i].max;
            k++;
        }
        if (k == 0)
            continue;
        char while_[96];
        while_name(while_, sizeof while_, p, any);
        double lo = min_of(rate, k), hi = max_of(rate, k), p99lo = min_of(p99, k),
               p99hi = max_of(p99, k), mmax = max_of(mx, k);
        double mr = bench_median_of(rate, k), m50 = bench_median_of(p50, k),
               m99 = bench_median_of(p99, k), m999 = bench_median_of(p999, k);
        printf(
            "| %s | %zu | **%.0f** | %.0f | %.0f | %.0f | **%.0f** (%.0f–%.0f) | %.0f | %.0f | "
            "**%.2f** | **%.2f** |\n",
            while_, k, mr, lo, hi, m50, m99, p99lo, p99hi, m999, mmax, mr / BENCH_READ_TARGET,
            BENCH_P99_TARGET_US / m99);
    }
    printf("\n");
}

/* ---- arguments ---- */

static params args_parse(int argc, char **argv)
{
    params p = {BENCH_ACCOUNTS_DEFAULT,
                BENCH_RUNS_DEFAULT,
                BENCH_CONNECTIONS_DEFAULT,
                BENCH_READERS_DEFAULT,
                0,
                {1000, 8000},
                2,
                BENCH_SECONDS_DEFAULT,
                false,
                true,
                true};
    bool seconds_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--full") == 0) {
            p.full = true;
        } else if (strcmp(a, "--runs") == 0 && next != NULL) {
            p.runs = bench_arg_u32(next, 1, BENCH_RUNS_MAX, "--runs");
            i++;
        } else if (strcmp(a, "--seconds") == 0 && next != NULL) {
            p.seconds = (double)bench_arg_u32(next, 1, 3600, "--seconds");
            seconds_set = true;
            i++;
        } else if (strcmp(a, "--connections") == 0 && next != NULL) {
            p.connections = bench_arg_u32(next, 1, BENCH_CONNECTIONS_MAX, "--connections");
            i++;
        } else if (strcmp(a, "--readers") == 0 && next != NULL) {
            p.readers = bench_arg_u32(next, 0, BENCH_READERS_MAX, "--readers");
            i++;
        } else if (strcmp(a, "--batch") == 0 && next != NULL) {
            p.batches[0] = bench_arg_u32(next, 1, BENCH_BATCH_MAX, "--batch");
            p.batches_count = 1;
            i++;
        } else if (strcmp(a, "--accounts") == 0 && next != NULL) {
            p.accounts = bench_arg_u32(next, 2, BENCH_ACCOUNTS_MAX, "--accounts");
            i++;
        } else if (strcmp(a, "--library-requests") == 0 && next != NULL) {
            p.library_requests =
                bench_arg_u32(next, 1, BENCH_CONNECTIONS_MAX, "--library-requests");
            i++;
        } else if (strcmp(a, "--skip-library") == 0) {
            p.library = false;
        } else if (strcmp(a, "--skip-pg") == 0) {
            p.pg = false;
        } else {
            bench_usage("bench_rpc [--full] [--runs R] [--seconds S] [--connections N] "
                        "[--readers M] [--batch B] [--accounts A] [--library-requests K] "
                        "[--skip-library] [--skip-pg]");
        }
    }
    if (p.full && !seconds_set)
        p.seconds = BENCH_SECONDS_FULL;
    if (p.library_requests == 0)
        p.library_requests = p.connections;
    return p;
}

int main(int argc, char **argv)
{
    params p = args_parse(argc, argv);
    if (!bench_cauris_find(W.srv.bin, sizeof W.srv.bin))
        die("cannot run the server %s (build it with make, or set CAURIS_BIN)", W.srv.bin);
    atexit(cleanup);
    signals_setup();
    const char *tmp = getenv("TMPDIR");
    snprintf(W.root, sizeof W.root, "%s/cauris-bench-rpc-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(W.root) == NULL)
        die("mkdtemp %s: %s", W.root, strerror(errno));
    snprintf(W.template, sizeof W.template, "%s/template", W.root);
    snprintf(W.run, sizeof W.run, "%s/run", W.root);
    snprintf(W.srv.port_file, sizeof W.srv.port_file, "%s/port", W.root);
    snprintf(W.srv.dir, sizeof W.srv.dir, "%s", W.run);
    W.accounts = p.accounts;
    W.codes = xcalloc(p.accounts, sizeof *W.codes);
    for (uint32_t i = 0; i < p.accounts; i++)
        snprintf(W.codes[i], BENCH_CODE_MAX, "participant:P%" PRIu32 ":wallet", i + 1);

    machine_print(&p);
    double t_start = bench_now_s();
    /* The PostgreSQL peer: loaded once, saved, and each of its runs starts
     * from that copy, as each RPC run starts from the template's. */
    W.pg_on = p.pg && pg_find(&W.pg);
    if (p.pg && !W.pg_on) {
        printf("| PostgreSQL | PostgreSQL not installed: skipped (no initdb and postgres in "
               "$PG_BINDIR, /usr/lib/postgresql/*/bin or $PATH) |\n");
    } else if (W.pg_on) {
        pg_init(&W.pg);
        pg_start(&W.pg);
        pg_settings_print(&W.pg);
        double t0 = bench_now_s();
        pg_database_load(&W.pg, "postgres", p.accounts, true);
        pg_save(&W.pg);
        printf("| PostgreSQL peer | schema of bench/pg.h (history index on legs (account, "
               "seq)), the same %" PRIu32 " wallets funded, loaded and saved in %.1f s; after "
               "each RPC run, the same workload (1 in %u a wage from programme:wages) from "
               "%" PRIu32 " connections, then from 1, one batch of B in flight each (SELECT "
               "post_batch(arrays), one transaction), same warm-up and window, each on a fresh "
               "copy of the saved cluster; entries counted when the commit returns; the ratio "
               "is to the better of the two |\n",
               p.accounts, bench_now_s() - t0, BENCH_WAGE_ONE_IN, p.connections);
    }
    printf("\n");
    fflush(stdout);
    double setup_s = template_make();
    double copy_s = run_dir_fresh();
    char data[BENCH_PATH_MAX + 16];
    snprintf(data, sizeof data, "%s/data.mdb", W.template);
    struct stat st;
    long long data_bytes = stat(data, &st) == 0 ? (long long)st.st_size : -1;
    printf("Setup: %" PRIu32
           " accounts opened and funded in %.2f s; the template's data.mdb is "
           "%lld bytes, copied and fsync'd for each run in ~%.2f s.\n\n",
           p.accounts, setup_s, data_bytes, copy_s);
    fflush(stdout);

    size_t post_cap = (size_t)p.runs * p.batches_count, read_cap = 2 * (size_t)p.runs;
    post_figure *pf = xcalloc(post_cap, sizeof *pf);
    read_figure *rf = xcalloc(read_cap, sizeof *rf);
    size_t pn = 0, rn = 0;
    double pg_checked = -1;
    uint32_t reader_batch = p.batches[p.batches_count - 1]; /* the largest given */
    for (uint32_t run = 1; run <= p.runs; run++) {
        for (unsigned b = 0; b < p.batches_count; b++) {
            library_figure lib = {-1, 0};
            if (p.library) {
                lib = library_run(p.batches[b], p.library_requests, p.seconds / 2, run);
                fprintf(stderr,
                        "run %" PRIu32 " library %" PRIu32 " x %" PRIu32
                        " per commit: %.0f entries/s\n",
                        run, p.library_requests, p.batches[b], lib.per_s);
            }
            rpc_run(&p, run, p.batches[b], 0, &pf[pn], NULL, NULL);
            pf[pn].library = lib;
            pf[pn].pg.per_s = -1;
            pf[pn].pg1.per_s = -1;
            if (W.pg_on) {
                /* The same N connections; then one, which does better when
                 * concurrent batches only wait for each other's row locks. */
                for (int k = 0; k < (p.connections > 1 ? 2 : 1); k++) {
                    uint32_t conns = k == 0 ? p.connections : 1;
                    pg_restore(&W.pg);
                    pg_figure f = pg_run_window(&W.pg, "postgres", PG_ARRAYS, PG_MIX,
                                                p.accounts, conns, p.batches[b], BENCH_WARMUP_S,
                                                p.seconds, BENCH_SEED, run * 2 + (uint32_t)k);
                    if (run == p.runs && b == p.batches_count - 1) {
                        PGconn *c = pg_connect_db(&W.pg, "postgres");
                        pg_checked = pg_check(c);
                        PQfinish(c);
                    }
                    pg_kill(&W.pg, SIGQUIT); /* thrown away: no shutdown checkpoint */
                    if (k == 0)
                        pf[pn].pg = f;
                    else
                        pf[pn].pg1 = f;
                    fprintf(stderr,
                            "run %" PRIu32 " PostgreSQL %" PRIu32 " x %" PRIu32
                            ": %.0f entries/s\n",
                            run, conns, p.batches[b], f.per_s);
                }
            }
            fprintf(stderr,
                    "run %" PRIu32 " RPC %" PRIu32 " x %" PRIu32
                    ": %.0f entries/s, %.0f per commit, client CPU %.0f %%\n",
                    run, p.connections, p.batches[b], pf[pn].per_s,
                    pf[pn].commits > 0 ? pf[pn].entries / pf[pn].commits : 0,
                    pf[pn].cpu.client);
            pn++;
        }
        if (p.readers > 0) {
            rpc_run(&p, run, reader_batch, p.readers, NULL, &rf[rn], &rf[rn + 1]);
            fprintf(stderr,
                    "run %" PRIu32 " GetBalances while posting: %.0f/s p99 %.0f us (posting "
                    "%.0f entries/s); alone: %.0f/s p99 %.0f us\n",
                    run, rf[rn].per_s, rf[rn].p99, rf[rn].posting_per_s, rf[rn + 1].per_s,
                    rf[rn + 1].p99);
            rn += 2;
        }
    }
    post_print(&p, pf, pn);
    if (rn > 0)
        read_print(&p, rf, rn);
    printf("Checked: the ledger of each of the last run's %" PRIu32
           " server runs passes ledger_verify and holds the funding plus exactly the entries "
           "acknowledged to the posters (last: %" PRIu64 " entries).\n",
           W.checked_runs, W.checked_entries);
    if (pg_checked >= 0)
        printf("PostgreSQL's ledger after the last window checked (bench/pg.h, pg_check): "
               "%.0f entries, " PG_CHECKED ".\n",
               pg_checked);
    printf("\nTotal time: %.0f s.\n\n", bench_now_s() - t_start);
    free(pf);
    free(rf);
    free(W.codes);
    cleanup();
    return 0;
}
