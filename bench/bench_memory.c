/*
 * bench_memory.c — the server's own memory, besides LMDB's map
 * (PERFORMANCE.md: RssAnon <= 64 MiB with 1 M accounts).
 *
 * Builds a ledger of A wallets (default 100,000; --full 1,000,000) plus
 * partner:mfi1:cash, each wallet funded by one entry from programme:wages,
 * then, run by run, starts `cauris serve` on it and drives it with
 * everything at once: 4 connections posting requests of B transfers
 * between random wallets (all A of them), 2 connections of GetBalances of
 * a random wallet and 1 of GetStatement (100 lines) of a random wallet,
 * back to back, binary. /proc/<server>/status is sampled every 20 ms:
 * RssAnon (the heap, stacks, caches: what the target is about), RssFile
 * (the pages of data.mdb mapped in: LMDB's map, not counted) and VmRSS (the
 * two together, with RssShmem), and VmHWM at the end. Prints one table.
 *
 * Usage: bench_memory [--full] [--accounts A] [--batch B] [--runs R]
 *                     [--seconds S] [--server-arg ARG]...
 * By default the runs are made twice, with requests of 8,000 transfers and
 * of 1,000 (PERFORMANCE.md's posting load is 1,000-8,000 per request);
 * --batch B makes them with B only.
 * --server-arg passes ARG on to `cauris serve` (e.g. --commit-entries-max).
 * The server is ../cauris beside this program, or $CAURIS_BIN.
 */
#include "bench/bench.h"
#include "bench/serve.h"
#include "cauris/v1/ledger.pb-c.h"
#include "ledger/ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MEM_ACCOUNTS_DEFAULT 100000u
#define MEM_ACCOUNTS_FULL 1000000u
#define MEM_ACCOUNTS_MAX 2000000u
#define MEM_RUNS_DEFAULT 5u
#define MEM_RUNS_MAX 50u
#define MEM_SECONDS_DEFAULT 3.0
#define MEM_SECONDS_FULL 10.0
#define MEM_POSTERS 4u
#define MEM_BALANCE_READERS 2u
#define MEM_STATEMENT_READERS 1u
#define MEM_BATCH_MAX 8000u
#define MEM_FUND_CHUNK 8000u
#define MEM_SAMPLE_S 0.02
#define MEM_TARGET_MIB 64.0
#define MEM_AMOUNT_MAX 1000u
#define MEM_FUNDING 1000000000
#define MEM_MAP_BYTES ((size_t)8 << 30)
#define MEM_CODE_MAX 40
#define MEM_ID_MAX 40
#define MEM_SEED 0x2545F4914F6CDD1DULL

_Static_assert(MEM_CODE_MAX > sizeof "participant:P2000000:wallet", "codes fit");
_Static_assert(MEM_BATCH_MAX <= LEDGER_REQUEST_ENTRIES_MAX, "one request per batch");

static struct {
    char root[BENCH_SERVE_PATH_MAX - 64];
    bench_server srv;
    char token[LEDGER_TOKEN_TEXT_MAX + 1];
    uint32_t accounts;
    uint32_t batch; /* transfers per PostEntries */
    char (*codes)[MEM_CODE_MAX];
} W;

static void cleanup(void)
{
    bench_server_kill(&W.srv);
    if (W.root[0] != '\0')
        bench_dir_remove(W.root);
    W.root[0] = '\0';
}

static atomic_bool exiting;

static void die(const char *fmt, ...)
{
    if (atomic_exchange(&exiting, true)) {
        for (;;)
            pause(); /* another thread is already exiting */
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_memory: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

/* ---- the ledger ---- */

static void ledger_build(void)
{
    ledger_init_options io = {.programme = "bench", .currency = "XOF"};
    io.open.map_size_initial = MEM_MAP_BYTES;
    int err = ledger_init(W.srv.dir, &io);
    if (err != LEDGER_OK)
        die("ledger_init %s: %s", W.srv.dir, ledger_strerror(err));
    ledger *l;
    if ((err = ledger_open(&l, W.srv.dir, NULL)) != LEDGER_OK)
        die("ledger_open: %s", ledger_strerror(err));
    size_t total = (size_t)W.accounts + 1;
    const char **codes = xcalloc(total, sizeof *codes);
    int *results = xcalloc(LEDGER_ACCOUNTS_OPEN_MAX, sizeof *results);
    for (uint32_t i = 0; i < W.accounts; i++)
        codes[i] = W.codes[i];
    codes[W.accounts] = "partner:mfi1:cash";
    for (size_t first = 0; first < total; first += LEDGER_ACCOUNTS_OPEN_MAX) {
        size_t n =
            total - first < LEDGER_ACCOUNTS_OPEN_MAX ? total - first : LEDGER_ACCOUNTS_OPEN_MAX;
        if ((err = ledger_accounts_open(l, "bench", codes + first, n, results)) != LEDGER_OK)
            die("ledger_accounts_open: %s", ledger_strerror(err));
        for (size_t i = 0; i < n; i++)
            if (results[i] != LEDGER_OK)
                die("opening %s: %s", codes[first + i], ledger_err_name(results[i]));
    }
    free(codes);
    free(results);
    ledger_entry_in *es = xcalloc(MEM_FUND_CHUNK, sizeof *es);
    ledger_result *rs = xcalloc(MEM_FUND_CHUNK, sizeof *rs);
    char(*ids)[MEM_ID_MAX] = xcalloc(MEM_FUND_CHUNK, sizeof *ids);
    for (uint32_t first = 0; first < W.accounts; first += MEM_FUND_CHUNK) {
        uint32_t n = W.accounts - first < MEM_FUND_CHUNK ? W.accounts - first : MEM_FUND_CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            snprintf(ids[i], MEM_ID_MAX, "fund-%07" PRIu32, first + i + 1);
            es[i] = (ledger_entry_in){.programme = "bench",
                                      .kind = LEDGER_KIND_POSTED,
                                      .op = LEDGER_OP_TRANSFER,
                                      .partner = "mfi1",
                                      .principal = "bench",
                                      .client_id = ids[i],
                                      .value_date = 20260115,
                                      .legs_count = 2};
            es[i].legs[0] = (ledger_leg_in){"programme:wages", LEDGER_DEBIT, MEM_FUNDING};
            es[i].legs[1] = (ledger_leg_in){W.codes[first + i], LEDGER_CREDIT, MEM_FUNDING};
        }
        if ((err = ledger_post(l, es, n, false, rs, NULL)) != LEDGER_OK)
            die("ledger_post: %s", ledger_strerror(err));
        for (uint32_t i = 0; i < n; i++)
            if (rs[i].err != LEDGER_OK)
                die("funding %s refused: %s", ids[i], ledger_err_name(rs[i].err));
    }
    free(es);
    free(rs);
    free(ids);
    if ((err = ledger_token_create(l, "bench", "mfi1", "bench-memory",
                                   LEDGER_ROLE_POST | LEDGER_ROLE_READ | LEDGER_ROLE_ADMIN,
                                   W.token, NULL)) != LEDGER_OK)
        die("ledger_token_create: %s", ledger_strerror(err));
    ledger_close(l);
}

/* ---- load ---- */

static atomic_bool stop;

typedef struct worker {
    pthread_t thread;
    int kind; /* 0 posting, 1 GetBalances, 2 GetStatement */
    uint32_t run_no, idx;
    uint64_t rng;
    atomic_uint_fast64_t done; /* entries posted, or calls answered */
} worker;

/* One PostEntries of W.batch random transfers; returns the entries ok. */
static uint64_t post_one(worker *w, bench_http *c, uint64_t *next_id)
{
    static _Thread_local Cauris__V1__EntryInput entries[MEM_BATCH_MAX],
        *entry_ptrs[MEM_BATCH_MAX];
    static _Thread_local Cauris__V1__Leg legs[2 * MEM_BATCH_MAX], *leg_ptrs[2 * MEM_BATCH_MAX];
    static _Thread_local char ids[MEM_BATCH_MAX][MEM_ID_MAX];
    Cauris__V1__PostEntriesRequest req = CAURIS__V1__POST_ENTRIES_REQUEST__INIT;
    req.n_entries = W.batch;
    req.entries = entry_ptrs;
    for (uint32_t i = 0; i < W.batch; i++) {
        uint32_t a, b;
        int64_t amount;
        bench_transfer_draw(&w->rng, W.accounts, MEM_AMOUNT_MAX, &a, &b, &amount);
        Cauris__V1__EntryInput *e = &entries[i];
        cauris__v1__entry_input__init(e);
        snprintf(ids[i], MEM_ID_MAX, "m%" PRIu32 "c%" PRIu32 "-%010" PRIu64, w->run_no, w->idx,
                 (*next_id)++);
        e->client_id = ids[i];
        e->kind = CAURIS__V1__KIND__KIND_POSTED;
        e->operation = CAURIS__V1__OPERATION__OPERATION_TRANSFER;
        e->value_date = (char *)"2026-01-15";
        e->n_legs = 2;
        e->legs = &leg_ptrs[2 * i];
        for (int k = 0; k < 2; k++) {
            Cauris__V1__Leg *l = &legs[2 * i + (uint32_t)k];
            cauris__v1__leg__init(l);
            l->account = W.codes[k == 0 ? a : b];
            if (k == 0) {
                l->amount_case = CAURIS__V1__LEG__AMOUNT_DEBIT;
                l->debit = amount;
            } else {
                l->amount_case = CAURIS__V1__LEG__AMOUNT_CREDIT;
                l->credit = amount;
            }
            leg_ptrs[2 * i + (uint32_t)k] = l;
        }
        entry_ptrs[i] = e;
    }
    size_t len = cauris__v1__post_entries_request__get_packed_size(&req);
    uint8_t *body = malloc(len);
    if (body == NULL)
        die("out of memory");
    cauris__v1__post_entries_request__pack(&req, body);
    bench_http_call_send(c, W.token, "PostEntries", body, len);
    free(body);
    const uint8_t *reply;
    size_t rlen;
    int status = bench_http_recv(c, &reply, &rlen);
    if (status != 200)
        die("PostEntries: HTTP %d: %.*s", status, (int)(rlen < 300 ? rlen : 300),
            (const char *)reply);
    Cauris__V1__PostEntriesResponse *r =
        cauris__v1__post_entries_response__unpack(NULL, rlen, reply);
    if (r == NULL || r->n_results != W.batch)
        die("PostEntries: unexpected reply");
    for (size_t i = 0; i < r->n_results; i++)
        if (r->results[i]->result != CAURIS__V1__RESULT__RESULT_OK)
            die("PostEntries: entry refused: %s", r->results[i]->message);
    cauris__v1__post_entries_response__free_unpacked(r, NULL);
    return W.batch;
}

static void read_one(worker *w, bench_http *c)
{
    char *code = W.codes[bench_rng_below(&w->rng, W.accounts)];
    uint8_t buf[256];
    size_t len;
    const char *method;
    if (w->kind == 1) {
        Cauris__V1__GetBalancesRequest q = CAURIS__V1__GET_BALANCES_REQUEST__INIT;
        q.n_accounts = 1;
        q.accounts = &code;
        len = cauris__v1__get_balances_request__pack(&q, buf);
        method = "GetBalances";
    } else {
        Cauris__V1__GetStatementRequest q = CAURIS__V1__GET_STATEMENT_REQUEST__INIT;
        q.programme = (char *)"bench";
        q.account = code;
        q.page_size = 100;
        len = cauris__v1__get_statement_request__pack(&q, buf);
        method = "GetStatement";
    }
    bench_http_call_send(c, W.token, method, buf, len);
    const uint8_t *body;
    size_t blen;
    int status = bench_http_recv(c, &body, &blen);
    if (status != 200)
        die("%s: HTTP %d: %.*s", method, status, (int)(blen < 300 ? blen : 300),
            (const char *)body);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    bench_http c;
    bench_http_open(&c, W.srv.port);
    uint64_t next_id = 1;
    while (!atomic_load(&stop)) {
        if (w->kind == 0)
            atomic_fetch_add(&w->done, post_one(w, &c, &next_id));
        else {
            read_one(w, &c);
            atomic_fetch_add(&w->done, 1);
        }
    }
    bench_http_close(&c);
    return NULL;
}

/* ---- a run ---- */

typedef struct mem_figure {
    double idle_anon_kb;             /* RssAnon after start, before any call */
    double anon_kb, rss_kb, file_kb; /* peaks while driven */
    double hwm_kb;                   /* VmHWM at the end */
    double posted_per_s, balances_per_s, statements_per_s;
} mem_figure;

static double maxd(double a, double b)
{
    return a > b ? a : b;
}

static const char *server_args[BENCH_SERVE_ARGS_MAX + 1];

static mem_figure run_one(uint32_t run_no, double seconds)
{
    mem_figure f;
    memset(&f, 0, sizeof f);
    bench_server_start(&W.srv, server_args);
    bench_sleep_s(0.2);
    f.idle_anon_kb = bench_proc_status_kb(W.srv.pid, "RssAnon");
    enum { N = MEM_POSTERS + MEM_BALANCE_READERS + MEM_STATEMENT_READERS };
    worker ws[N];
    memset(ws, 0, sizeof ws);
    atomic_store(&stop, false);
    for (uint32_t i = 0; i < N; i++) {
        ws[i].kind = i < MEM_POSTERS ? 0 : i < MEM_POSTERS + MEM_BALANCE_READERS ? 1 : 2;
        ws[i].run_no = run_no;
        ws[i].idx = i + 1;
        ws[i].rng = MEM_SEED ^ ((uint64_t)run_no << 32) ^ (i + 1);
        if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
            die("pthread_create");
    }
    double t0 = bench_now_s();
    while (bench_now_s() - t0 < seconds) {
        f.anon_kb = maxd(f.anon_kb, bench_proc_status_kb(W.srv.pid, "RssAnon"));
        f.rss_kb = maxd(f.rss_kb, bench_proc_status_kb(W.srv.pid, "VmRSS"));
        f.file_kb = maxd(f.file_kb, bench_proc_status_kb(W.srv.pid, "RssFile"));
        bench_sleep_s(MEM_SAMPLE_S);
    }
    atomic_store(&stop, true);
    double t1 = bench_now_s();
    uint64_t done[3] = {0, 0, 0};
    for (uint32_t i = 0; i < N; i++) {
        pthread_join(ws[i].thread, NULL);
        done[ws[i].kind] += atomic_load(&ws[i].done);
    }
    f.anon_kb = maxd(f.anon_kb, bench_proc_status_kb(W.srv.pid, "RssAnon"));
    f.hwm_kb = bench_proc_status_kb(W.srv.pid, "VmHWM");
    f.posted_per_s = (double)done[0] / (t1 - t0);
    f.balances_per_s = (double)done[1] / (t1 - t0);
    f.statements_per_s = (double)done[2] / (t1 - t0);
    bench_server_stop(&W.srv);
    return f;
}

int main(int argc, char **argv)
{
    uint32_t accounts = MEM_ACCOUNTS_DEFAULT, runs = MEM_RUNS_DEFAULT;
    double seconds = MEM_SECONDS_DEFAULT;
    W.batch = 0; /* both ends of the range */
    bool full = false, accounts_set = false, seconds_set = false;
    int server_args_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--full") == 0) {
            full = true;
        } else if (strcmp(a, "--accounts") == 0 && next != NULL) {
            accounts = bench_arg_u32(next, 2, MEM_ACCOUNTS_MAX, "--accounts");
            accounts_set = true;
            i++;
        } else if (strcmp(a, "--batch") == 0 && next != NULL) {
            W.batch = bench_arg_u32(next, 1, MEM_BATCH_MAX, "--batch");
            i++;
        } else if (strcmp(a, "--runs") == 0 && next != NULL) {
            runs = bench_arg_u32(next, 1, MEM_RUNS_MAX, "--runs");
            i++;
        } else if (strcmp(a, "--seconds") == 0 && next != NULL) {
            seconds = bench_arg_u32(next, 1, 3600, "--seconds");
            seconds_set = true;
            i++;
        } else if (strcmp(a, "--server-arg") == 0 && next != NULL &&
                   server_args_count < BENCH_SERVE_ARGS_MAX) {
            server_args[server_args_count++] = next;
            i++;
        } else {
            bench_usage("bench_memory [--full] [--accounts A] [--batch B] [--runs R] "
                        "[--seconds S] [--server-arg ARG]...");
        }
    }
    if (full && !accounts_set)
        accounts = MEM_ACCOUNTS_FULL;
    if (full && !seconds_set)
        seconds = MEM_SECONDS_FULL;
    if (!bench_cauris_find(W.srv.bin, sizeof W.srv.bin))
        die("cannot run the server %s (build it with make, or set CAURIS_BIN)", W.srv.bin);
    atexit(cleanup);
    signal(SIGPIPE, SIG_IGN);
    const char *tmp = getenv("TMPDIR");
    snprintf(W.root, sizeof W.root, "%s/cauris-bench-memory-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(W.root) == NULL)
        die("mkdtemp %s: %s", W.root, strerror(errno));
    snprintf(W.srv.dir, sizeof W.srv.dir, "%s/ledger", W.root);
    snprintf(W.srv.port_file, sizeof W.srv.port_file, "%s/port", W.root);
    W.accounts = accounts;
    W.codes = xcalloc(accounts, sizeof *W.codes);
    for (uint32_t i = 0; i < accounts; i++)
        snprintf(W.codes[i], MEM_CODE_MAX, "participant:P%" PRIu32 ":wallet", i + 1);

    double t_start = bench_now_s();
    bench_machine_print("bench_memory — the server's memory besides LMDB's map");
    printf("| size | %s: %" PRIu32 " runs, %.0f s each |\n", full ? "--full" : "default", runs,
           seconds);
    printf("| server | %s serve DIR --listen 127.0.0.1:0 --log-level warn", W.srv.bin);
    for (int k = 0; k < server_args_count; k++)
        printf(" %s", server_args[k]);
    printf(" (defaults otherwise), restarted for each run on the same ledger |\n");
    fflush(stdout);
    ledger_build();
    char data[BENCH_SERVE_PATH_MAX + 16];
    snprintf(data, sizeof data, "%s/data.mdb", W.srv.dir);
    struct stat st;
    printf(
        "| ledger | %" PRIu32 " wallets + partner:mfi1:cash, each wallet funded by one entry "
        "(built in %.1f s, data.mdb %lld bytes); 8 GiB map |\n",
        accounts, bench_now_s() - t_start, stat(data, &st) == 0 ? (long long)st.st_size : -1LL);
    printf("| load | %u connections posting requests of B transfers between random wallets "
           "(of all %" PRIu32 "), %u of GetBalances and %u of GetStatement (100 lines) of a "
           "random wallet, binary, back to back; /proc/<server>/status sampled every %.0f ms "
           "|\n\n",
           MEM_POSTERS, accounts, MEM_BALANCE_READERS, MEM_STATEMENT_READERS,
           MEM_SAMPLE_S * 1e3);
    printf("| run | B | RssAnon idle MiB | RssAnon peak MiB | RssFile peak MiB (the map's "
           "pages) | "
           "VmRSS peak MiB | VmHWM MiB | entries posted/s | GetBalances/s | GetStatement/s |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n");
    /* The ends of PERFORMANCE.md's posting load (1,000-8,000 per request),
     * the largest first; or the one --batch gave. */
    uint32_t batches[2] = {MEM_BATCH_MAX, 1000u}, batches_count = W.batch ? 1u : 2u;
    if (W.batch)
        batches[0] = W.batch;
    double anon[2][MEM_RUNS_MAX];
    uint32_t run_no = 0; /* across sizes: client ids stay unique on the one ledger */
    for (uint32_t k = 0; k < batches_count; k++) {
        W.batch = batches[k];
        for (uint32_t r = 0; r < runs; r++) {
            mem_figure f = run_one(++run_no, seconds);
            anon[k][r] = f.anon_kb / 1024;
            printf("| %" PRIu32 " | %" PRIu32
                   " | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | "
                   "%.0f |\n",
                   run_no, W.batch, f.idle_anon_kb / 1024, f.anon_kb / 1024, f.file_kb / 1024,
                   f.rss_kb / 1024, f.hwm_kb / 1024, f.posted_per_s, f.balances_per_s,
                   f.statements_per_s);
            fflush(stdout);
            fprintf(stderr, "run %" PRIu32 " (B %" PRIu32 "): RssAnon peak %.1f MiB\n", run_no,
                    W.batch, f.anon_kb / 1024);
        }
    }
    printf("\n| figure | runs | median | min | max | target | target / median |\n"
           "|---|---|---|---|---|---|---|\n");
    for (uint32_t k = 0; k < batches_count; k++) {
        double lo = anon[k][0], hi = anon[k][0];
        for (uint32_t r = 1; r < runs; r++) {
            lo = anon[k][r] < lo ? anon[k][r] : lo;
            hi = anon[k][r] > hi ? anon[k][r] : hi;
        }
        double med = bench_median_of(anon[k], runs);
        printf("| server RssAnon peak, %" PRIu32 " accounts, requests of %" PRIu32
               ", MiB | %" PRIu32 " | **%.1f** | %.1f | %.1f | <= %.0f | **%.2f** |\n",
               accounts, batches[k], runs, med, lo, hi, MEM_TARGET_MIB, MEM_TARGET_MIB / med);
    }
    printf("\n");
    printf("Total time: %.0f s.\n\n", bench_now_s() - t_start);
    free(W.codes);
    cleanup();
    return 0;
}
