/*
 * pg.h — the PostgreSQL peer of the posting benchmarks (PERFORMANCE.md: "the
 * same workload, same accounts, same batches, same durability, against a
 * local PostgreSQL server that the benchmark starts and stops itself").
 *
 * It owns one throw-away PostgreSQL cluster in a temporary directory: finds
 * initdb and postgres ($PG_BINDIR, else the newest /usr/lib/postgresql/N/bin,
 * else $PATH), runs them as an unprivileged user when started as root
 * (postgres refuses root: the user "postgres" if it exists, else "nobody"),
 * listens on a Unix socket in that directory only (no TCP), and removes it
 * all at exit, also when the program dies (atexit; the server also gets
 * SIGQUIT, an immediate shutdown, if this process ends without cleaning up).
 *
 * The schema is what a careful engineer would write for a double-entry
 * ledger that serves statements: accounts with their balance (a CHECK
 * refuses an overdraft, failing the batch), entries with a unique
 * (partner, client_id) for idempotency, legs with the balance after each
 * line and a per-account history index on (account, seq). A batch of
 * transfers is one transaction: one call of the SQL function post_batch()
 * with the batch as binary arrays (unnest), which locks the touched
 * accounts in id order (no deadlock between concurrent batches, and the
 * balances it reads cannot move under it), inserts the entries and legs,
 * computes each leg's balance after with a window function and updates each
 * account once with the batch's net. bench_pg times the alternatives
 * (codes resolved in SQL, COPY into a temp table, no history index).
 *
 * Durability is PostgreSQL's default and the same as cauris's: fsync=on,
 * synchronous_commit=on, full_page_writes=on; the reply comes after the
 * WAL is flushed. The other settings (PG_SETTINGS) favour PostgreSQL where
 * they differ from a production server: no checkpoint falls in a timed run
 * and VACUUM runs between runs, outside the timed windows.
 *
 * Header-only, like bench.h. The including program defines
 *   static void die(const char *fmt, ...);  (prints, exits non-zero)
 * and links libpq (the Makefile's bench rule). Functions die on any error:
 * a benchmark that goes on after one measures nothing.
 */
#ifndef CAURIS_BENCH_PG_H
#define CAURIS_BENCH_PG_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define PG_PATH_MAX 512
#define PG_PORT 5432 /* only names the socket file: the socket is in our own directory */
#define PG_START_WAIT_S 60.0
#define PG_BATCH_MAX 65536u   /* transfers per batch */
#define PG_CLIENT_ID_MAX 32   /* bytes of a client id */
#define PG_CODE_MAX 40        /* bytes of an account code */
#define PG_USER "bench"       /* the cluster's superuser (trust auth, socket only) */
#define PG_FUNDING 1000000000 /* each wallet's funding, as in the cauris benchmarks */

/* What the server is started with, besides the data directory and socket.
 * Durability is the default (fsync, synchronous_commit, full_page_writes,
 * wal_sync_method fdatasync, all spelled out). shared_buffers holds every
 * table and index of the largest default run; wal_buffers holds a few
 * batches' WAL so commits do not wait for WAL buffer writes; max_wal_size
 * and checkpoint_timeout keep checkpoints (and the full-page images that
 * follow each one) out of the timed runs; work_mem keeps a batch's sorts
 * and hashes in memory; autovacuum is off and the benchmark runs VACUUM
 * (ANALYZE) itself between runs, so that PostgreSQL's background work does
 * not fall into cauris's runs (nor into its own); jit is off (a batch's
 * plan cost would otherwise trigger compilation). */
static const char *const pg_settings[] = {
    "fsync=on",
    "synchronous_commit=on",
    "full_page_writes=on",
    "wal_sync_method=fdatasync",
    "shared_buffers=2GB",
    "wal_buffers=64MB",
    "max_wal_size=32GB",
    "min_wal_size=1GB",
    "checkpoint_timeout=1h",
    "work_mem=64MB",
    "maintenance_work_mem=256MB",
    "autovacuum=off",
    "jit=off",
    "max_connections=50",
    NULL,
};

/* How a batch goes to the server. */
typedef enum pg_method {
    PG_ARRAYS = 0,       /* SELECT post_batch(ids...) with binary int arrays */
    PG_ARRAYS_CODES = 1, /* the same with the account codes, resolved in SQL */
    PG_COPY = 2,         /* COPY into a temp table, then post_staged() */
} pg_method;

static const char *const pg_method_names[] = {
    "arrays of account ids, one call per batch",
    "arrays of account codes (resolved by PostgreSQL), one call per batch",
    "COPY into a temp table, then one INSERT ... SELECT call",
};

/* One throw-away cluster. */
typedef struct pg_server {
    char bindir[PG_PATH_MAX];
    char version[128];
    char root[PG_PATH_MAX]; /* temp dir: socket, log, data, template */
    char data[PG_PATH_MAX + 16];
    char saved[PG_PATH_MAX + 16]; /* a copy of data (pg_server_save) */
    char log[PG_PATH_MAX + 16];
    char conninfo[PG_PATH_MAX + 128];
    uid_t uid; /* whom the server runs as */
    gid_t gid;
    bool drop; /* we are root: run initdb/postgres as uid/gid */
    volatile pid_t pid;
} pg_server;

/* One batch of transfers, as arrays ready to send. */
typedef struct pg_batch {
    uint32_t count;
    char (*ids)[PG_CLIENT_ID_MAX];
    int16_t *ops;
    int32_t *debit, *credit; /* account ids */
    int64_t *amount;
    /* Encoded parameters. */
    char *buf;
    size_t cap, len;
    size_t off[6], size[6];
} pg_batch;

static pg_server *pg_active; /* what the atexit handler stops */

/* ---- finding PostgreSQL ---- */

static inline bool pg_dir_has(const char *dir, const char *name)
{
    char path[PG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, X_OK) == 0;
}

/* Fills s->bindir; false if initdb (or postgres beside it) is nowhere. */
static inline bool pg_find(pg_server *s)
{
    memset(s, 0, sizeof *s);
    const char *env = getenv("PG_BINDIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(s->bindir, sizeof s->bindir, "%s", env);
        return pg_dir_has(s->bindir, "initdb") && pg_dir_has(s->bindir, "postgres");
    }
    /* Debian: /usr/lib/postgresql/<major>/bin, newest first. */
    int best = -1;
    DIR *d = opendir("/usr/lib/postgresql");
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int v = atoi(e->d_name);
            char dir[PG_PATH_MAX];
            snprintf(dir, sizeof dir, "/usr/lib/postgresql/%.32s/bin", e->d_name);
            if (v > best && pg_dir_has(dir, "initdb") && pg_dir_has(dir, "postgres")) {
                best = v;
                snprintf(s->bindir, sizeof s->bindir, "%s", dir);
            }
        }
        closedir(d);
    }
    if (best >= 0)
        return true;
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *dir = strtok_r(buf, ":", &save); dir != NULL;
         dir = strtok_r(NULL, ":", &save)) {
        if (pg_dir_has(dir, "initdb") && pg_dir_has(dir, "postgres")) {
            snprintf(s->bindir, sizeof s->bindir, "%s", dir);
            return true;
        }
    }
    return false;
}

/* ---- running its programs ---- */

/* Forks; in the child: the user, an empty signal mask, output to the log,
 * and exec. Returns the child's pid. */
static inline pid_t pg_spawn(const pg_server *s, char *const argv[], bool die_with_parent)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the benchmark may block SIGINT/SIGTERM */
    signal(SIGPIPE, SIG_DFL);
    if (s->drop && (setgroups(0, NULL) != 0 || setgid(s->gid) != 0 || setuid(s->uid) != 0)) {
        fprintf(stderr, "pg: cannot become uid %d: %s\n", (int)s->uid, strerror(errno));
        _exit(126);
    }
    /* Set after setuid, which clears it: if the benchmark ends without
     * stopping the server, the server stops at once (SIGQUIT). */
    if (die_with_parent)
        prctl(PR_SET_PDEATHSIG, SIGQUIT);
    int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    execv(argv[0], argv);
    fprintf(stderr, "pg: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* The last lines of the server's log, to stderr. */
static inline void pg_log_tail(const pg_server *s)
{
    FILE *f = fopen(s->log, "r");
    if (f == NULL)
        return;
    static char tail[4096];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0, SEEK_SET);
    size_t n = fread(tail, 1, sizeof tail - 1, f);
    tail[n] = '\0';
    fclose(f);
    fprintf(stderr, "--- %s (end) ---\n%s\n---\n", s->log, tail);
}

static inline int pg_wait(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

/* Runs argv to completion as the server's user; dies if it fails. */
static inline void pg_run(const pg_server *s, char *const argv[])
{
    int status = pg_wait(pg_spawn(s, argv, false));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        pg_log_tail(s);
        die("%s failed (status %d)", argv[0], status);
    }
}

/* ---- the cluster ---- */

/* PG_BENCH_KEEP=1: the cluster's directory (log included) is left. */
static inline bool pg_keep(void)
{
    const char *keep = getenv("PG_BENCH_KEEP");
    return keep != NULL && keep[0] == '1';
}

static inline void pg_kill(pg_server *s, int sig)
{
    pid_t pid = s->pid;
    if (pid <= 0)
        return;
    kill(pid, sig);
    pg_wait(pid);
    s->pid = 0;
}

static inline void pg_atexit(void)
{
    pg_server *s = pg_active;
    if (s == NULL)
        return;
    pg_active = NULL;
    pg_kill(s, SIGQUIT); /* immediate: the cluster is thrown away */
    if (s->root[0] != '\0' && !pg_keep())
        bench_dir_remove(s->root);
}

/* Creates the cluster: a temp dir, owned by the server's user, and initdb. */
static inline void pg_init(pg_server *s)
{
    char cmd[PG_PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "%s/postgres --version", s->bindir);
    FILE *p = popen(cmd, "r");
    if (p == NULL || fgets(s->version, sizeof s->version, p) == NULL)
        snprintf(s->version, sizeof s->version, "unknown version");
    if (p != NULL)
        pclose(p);
    s->version[strcspn(s->version, "\n")] = '\0';

    const char *tmp = getenv("TMPDIR");
    snprintf(s->root, sizeof s->root, "%s/cauris-bench-pg-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(s->root) == NULL)
        die("mkdtemp %s: %s", s->root, strerror(errno));
    pg_active = s;
    static bool registered;
    if (!registered)
        atexit(pg_atexit);
    registered = true;
    snprintf(s->data, sizeof s->data, "%s/data", s->root);
    snprintf(s->saved, sizeof s->saved, "%s/saved", s->root);
    snprintf(s->log, sizeof s->log, "%s/log", s->root);
    snprintf(s->conninfo, sizeof s->conninfo, "host=%s port=%d dbname=postgres user=%s",
             s->root, PG_PORT, PG_USER);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (pw == NULL)
            pw = getpwnam("nobody");
        if (pw == NULL)
            die("running as root and there is neither a postgres nor a nobody user for "
                "PostgreSQL (which refuses to run as root)");
        s->uid = pw->pw_uid;
        s->gid = pw->pw_gid;
        s->drop = true;
        if (chown(s->root, s->uid, s->gid) != 0)
            die("chown %s: %s", s->root, strerror(errno));
    }
    char initdb[PG_PATH_MAX + 16];
    snprintf(initdb, sizeof initdb, "%s/initdb", s->bindir);
    char *argv[] = {initdb,  "-D", s->data, "-U",         PG_USER,     "-A",
                    "trust", "-E", "UTF8",  "--locale=C", "--no-sync", NULL};
    pg_run(s, argv);
}

/* Starts the server on s->data and waits until it accepts connections. */
static inline void pg_start(pg_server *s)
{
    char postgres[PG_PATH_MAX + 16];
    char sock[PG_PATH_MAX + 32], port[32];
    snprintf(postgres, sizeof postgres, "%s/postgres", s->bindir);
    snprintf(sock, sizeof sock, "unix_socket_directories=%s", s->root);
    snprintf(port, sizeof port, "port=%d", PG_PORT);
    char *argv[64];
    int n = 0;
    argv[n++] = postgres;
    argv[n++] = "-D";
    argv[n++] = s->data;
    argv[n++] = "-c";
    argv[n++] = "listen_addresses=";
    argv[n++] = "-c";
    argv[n++] = sock;
    argv[n++] = "-c";
    argv[n++] = port;
    for (int i = 0; pg_settings[i] != NULL && n < 60; i++) {
        argv[n++] = "-c";
        argv[n++] = (char *)pg_settings[i];
    }
    argv[n] = NULL;
    s->pid = pg_spawn(s, argv, true);
    double t0 = bench_now_s();
    for (;;) {
        if (PQping(s->conninfo) == PQPING_OK)
            return;
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            pg_log_tail(s);
            die("postgres exited while starting (status %d)", status);
        }
        if (bench_now_s() - t0 > PG_START_WAIT_S) {
            pg_log_tail(s);
            die("postgres did not accept connections within %.0f s", PG_START_WAIT_S);
        }
        usleep(20000);
    }
}

/* Fast shutdown (SIGINT): ends with a checkpoint, as a clean stop does. */
static inline void pg_stop(pg_server *s)
{
    pid_t pid = s->pid;
    if (pid <= 0)
        return;
    kill(pid, SIGINT);
    int status = pg_wait(pid);
    s->pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        pg_log_tail(s);
        die("postgres stopped with status %d", status);
    }
}

/* Stops the server, removes the cluster (the atexit handler then has
 * nothing left to do). */
static inline void pg_destroy(pg_server *s)
{
    pg_stop(s);
    if (s->root[0] != '\0' && !pg_keep())
        bench_dir_remove(s->root);
    else if (s->root[0] != '\0')
        fprintf(stderr, "bench: PostgreSQL's directory kept: %s\n", s->root);
    s->root[0] = '\0';
    if (pg_active == s)
        pg_active = NULL;
}

/* cp -a, as the server's user (so the copy is theirs), then syncfs: the
 * copy's writeback must not fall into a timed run. */
static inline void pg_copy_dir(pg_server *s, const char *from, const char *to)
{
    char *argv[] = {"/bin/cp", "-a", (char *)from, (char *)to, NULL};
    pg_run(s, argv);
    sync();
}

/* Keeps a copy of the stopped cluster's data (a fresh start for later runs). */
static inline void pg_save(pg_server *s)
{
    pg_stop(s);
    bench_dir_remove(s->saved);
    pg_copy_dir(s, s->data, s->saved);
}

/* Back to the saved copy, and starts the server on it. What ran is thrown
 * away: stopped at once (no shutdown checkpoint). */
static inline void pg_restore(pg_server *s)
{
    pg_kill(s, SIGQUIT);
    bench_dir_remove(s->data);
    pg_copy_dir(s, s->saved, s->data);
    pg_start(s);
}

/* ---- SQL ---- */

static inline PGconn *pg_connect(const pg_server *s)
{
    PGconn *c = PQconnectdb(s->conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        die("connecting to PostgreSQL (%s): %s", s->conninfo, PQerrorMessage(c));
    return c;
}

static inline void pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        die("PostgreSQL: %s\nin: %.300s", PQerrorMessage(c), sql);
    PQclear(r);
}

/* The first column of the first row of a query, as a number. */
static inline double pg_number(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        die("PostgreSQL: %s\nin: %.300s", PQerrorMessage(c), sql);
    double v = PQgetisnull(r, 0, 0) ? 0 : strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return v;
}

/* After the CTE t (the batch, a seq per entry), the one statement both
 * forms of a batch run: the entries and legs inserted, each leg with the
 * balance after it, each account updated once with its net. */
#define PG_POST_AFTER_T \
    "  ), e AS (\n" \
    "    INSERT INTO entries (seq, partner, client_id, programme, kind, op, principal, " \
    "value_date)\n" \
    "    SELECT seq, p_partner, cid, 'bench', 1, op, 'bench', DATE '2026-01-15' FROM t\n" \
    "  ), l AS (\n" \
    "    SELECT seq, 0::smallint AS leg, d AS account, -amt AS amount FROM t\n" \
    "    UNION ALL SELECT seq, 1::smallint, c, amt FROM t\n" \
    "  ), r AS MATERIALIZED (\n" \
    "    SELECT l.seq, l.leg, a.id AS account, l.amount,\n" \
    "           a.balance + sum(l.amount) OVER (PARTITION BY l.account ORDER BY l.seq, l.leg)\n" \
    "             AS balance_after\n" \
    "    FROM l LEFT JOIN accounts a ON a.id = l.account\n" \
    "  ), i AS (\n" \
    "    INSERT INTO legs (seq, leg, account, amount, balance_after)\n" \
    "    SELECT seq, leg, account, amount, balance_after FROM r\n" \
    "  ), net AS (\n" \
    "    SELECT account, sum(amount) AS delta, count(*) AS lines, max(seq) AS last\n" \
    "    FROM r GROUP BY account\n" \
    "  )\n" \
    "  UPDATE accounts a SET balance = a.balance + net.delta,\n" \
    "         lines_count = a.lines_count + net.lines, latest_seq = net.last\n" \
    "  FROM net WHERE a.id = net.account"

/* The schema and the batch functions. Account ids: wallet n is id n
 * (1..accounts), programme:wages accounts+1, partner:mfi1:cash accounts+2. */
static const char pg_schema_sql[] =
    "CREATE TABLE accounts (\n"
    "  id integer PRIMARY KEY,\n"
    "  code text NOT NULL UNIQUE,\n"
    "  programme text NOT NULL,\n"
    "  overdraft_allowed boolean NOT NULL,\n"
    "  balance bigint NOT NULL DEFAULT 0,\n"
    "  lines_count bigint NOT NULL DEFAULT 0,\n"
    "  latest_seq bigint,\n"
    "  CONSTRAINT no_overdraft CHECK (overdraft_allowed OR balance >= 0)\n"
    ") WITH (fillfactor = 70);\n" /* room for HOT updates of the balance */
    "CREATE SEQUENCE entries_seq CACHE 1000;\n"
    "CREATE TABLE entries (\n"
    "  seq bigint PRIMARY KEY,\n"
    "  partner text NOT NULL,\n"
    "  client_id text NOT NULL,\n"
    "  programme text NOT NULL,\n"
    "  kind smallint NOT NULL,\n"
    "  op smallint NOT NULL,\n"
    "  principal text NOT NULL,\n"
    "  value_date date NOT NULL,\n"
    "  recorded_at timestamptz NOT NULL DEFAULT now(),\n"
    "  UNIQUE (partner, client_id)\n"
    ");\n"
    "CREATE TABLE legs (\n"
    "  seq bigint NOT NULL,\n"
    "  leg smallint NOT NULL,\n"
    "  account integer NOT NULL,\n"
    "  amount bigint NOT NULL,\n" /* signed: debits negative */
    "  balance_after bigint NOT NULL,\n"
    "  PRIMARY KEY (seq, leg)\n"
    ");\n"
    /* t: the batch with a seq per entry; l: its legs; r: each leg with its
     * account and the balance after it (window over the account's legs in
     * seq order, from the balance locked before); then the entries and legs
     * inserted and each account updated once with its net. A leg whose
     * account does not exist has account NULL: NOT NULL fails the batch. */
    "CREATE FUNCTION post_legs(p_partner text) RETURNS void LANGUAGE sql AS $$\n"
    "  WITH t AS MATERIALIZED (\n"
    "    SELECT nextval('entries_seq') AS seq, cid, op, d, c, amt FROM pg_temp.batch\n"
    PG_POST_AFTER_T "\n"
    "$$;\n";

/* The array form: the same statement over unnest() of the parameters. */
static const char pg_post_batch_sql[] =
    "CREATE FUNCTION post_batch(p_partner text, p_ids text[], p_ops smallint[],\n"
    "                           p_debit integer[], p_credit integer[], p_amount bigint[])\n"
    "RETURNS integer LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    /* Every touched account locked in id order: concurrent batches cannot
     * deadlock, and the next statement (a new snapshot) reads balances that
     * no other batch can change before this one commits. */
    "  PERFORM 1 FROM accounts WHERE id = ANY (p_debit || p_credit) ORDER BY id FOR UPDATE;\n"
    "  WITH t AS MATERIALIZED (\n"
    "    SELECT nextval('entries_seq') AS seq, u.cid, u.op, u.d, u.c, u.amt\n"
    "    FROM unnest(p_ids, p_ops, p_debit, p_credit, p_amount) AS u(cid, op, d, c, amt)\n"
    PG_POST_AFTER_T ";\n"
    "  RETURN cardinality(p_ids);\n"
    "END $$;\n"
    /* The same with account codes, resolved here (what a client that keeps
     * no map of codes to ids would send). */
    "CREATE FUNCTION post_batch_codes(p_partner text, p_ids text[], p_ops smallint[],\n"
    "                                 p_debit text[], p_credit text[], p_amount bigint[])\n"
    "RETURNS integer LANGUAGE plpgsql AS $$\n"
    "DECLARE d integer[]; c integer[];\n"
    "BEGIN\n"
    "  d := ARRAY(SELECT a.id FROM unnest(p_debit) WITH ORDINALITY u(code, i)\n"
    "             LEFT JOIN accounts a ON a.code = u.code ORDER BY u.i);\n"
    "  c := ARRAY(SELECT a.id FROM unnest(p_credit) WITH ORDINALITY u(code, i)\n"
    "             LEFT JOIN accounts a ON a.code = u.code ORDER BY u.i);\n"
    "  RETURN post_batch(p_partner, p_ids, p_ops, d, c, p_amount);\n"
    "END $$;\n"
    /* COPY's form: the batch is in the session's temp table pg_temp.batch. */
    "CREATE FUNCTION post_staged(p_partner text) RETURNS integer LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  PERFORM 1 FROM accounts WHERE id IN (SELECT d FROM pg_temp.batch UNION SELECT c FROM "
    "pg_temp.batch)\n"
    "    ORDER BY id FOR UPDATE;\n"
    "  PERFORM post_legs(p_partner);\n"
    "  RETURN (SELECT count(*) FROM pg_temp.batch);\n"
    "END $$;\n";

/* Creates the schema (with or without the history index), the accounts:
 * `wallets` wallets with no overdraft, programme:wages (may go negative)
 * and partner:mfi1:cash. Funding is posted by the caller, as batches. */
static inline void pg_schema_create(PGconn *c, uint32_t wallets, bool history_index)
{
    /* post_legs() names pg_temp.batch: it must exist when it is created. */
    pg_exec(c, "CREATE TEMP TABLE batch (cid text, op smallint, d integer, c integer, amt "
               "bigint) ON COMMIT DELETE ROWS");
    pg_exec(c, pg_schema_sql);
    pg_exec(c, pg_post_batch_sql);
    if (history_index)
        pg_exec(c, "CREATE INDEX legs_history ON legs (account, seq)");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO accounts (id, code, programme, overdraft_allowed) "
             "SELECT g, 'participant:P' || g || ':wallet', 'bench', false "
             "FROM generate_series(1, %" PRIu32 ") g;"
             "INSERT INTO accounts (id, code, programme, overdraft_allowed) VALUES "
             "(%" PRIu32 ", 'programme:wages', 'bench', true), "
             "(%" PRIu32 ", 'partner:mfi1:cash', 'bench', true)",
             wallets, wallets + 1, wallets + 2);
    pg_exec(c, sql);
}

/* Creates a database (for a second schema in the same cluster). */
static inline void pg_database_create(const pg_server *s, const char *name)
{
    PGconn *c = pg_connect(s);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pg_exec(c, sql);
    PQfinish(c);
}

static inline PGconn *pg_connect_db(const pg_server *s, const char *db)
{
    char info[sizeof s->conninfo + 64];
    snprintf(info, sizeof info, "host=%s port=%d dbname=%s user=%s", s->root, PG_PORT, db,
             PG_USER);
    PGconn *c = PQconnectdb(info);
    if (PQstatus(c) != CONNECTION_OK)
        die("connecting to PostgreSQL (%s): %s", info, PQerrorMessage(c));
    return c;
}

/* Session setup for posting: prepared statements for every method. The
 * session's temp table is created by pg_schema_create on its own session;
 * each posting session creates its own. */
static inline void pg_session_prepare(PGconn *c)
{
    pg_exec(c, "SET client_min_messages = warning");
    /* PG_BENCH_EXPLAIN=1: every statement's plan, nested ones too, with
     * timings, into the server's log (kept with PG_BENCH_KEEP=1). */
    const char *explain = getenv("PG_BENCH_EXPLAIN");
    if (explain != NULL && explain[0] == '1')
        pg_exec(c, "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; "
                   "SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; "
                   "SET auto_explain.log_nested_statements = on");
    PGresult *r = PQexec(c, "CREATE TEMP TABLE IF NOT EXISTS batch (cid text, op smallint, "
                            "d integer, c integer, amt bigint) ON COMMIT DELETE ROWS");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("PostgreSQL: %s", PQerrorMessage(c));
    PQclear(r);
    /* int4[] 1007, int2[] 1005, int8[] 1016, text[] 1009, text 25 */
    static const Oid ids_types[6] = {25, 1009, 1005, 1007, 1007, 1016};
    static const Oid codes_types[6] = {25, 1009, 1005, 1009, 1009, 1016};
    r = PQprepare(c, "post_batch", "SELECT post_batch($1, $2, $3, $4, $5, $6)", 6, ids_types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("PQprepare post_batch: %s", PQerrorMessage(c));
    PQclear(r);
    r = PQprepare(c, "post_batch_codes", "SELECT post_batch_codes($1, $2, $3, $4, $5, $6)", 6,
                  codes_types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("PQprepare post_batch_codes: %s", PQerrorMessage(c));
    PQclear(r);
}

/* ---- batches ---- */

static inline void pg_batch_init(pg_batch *b, uint32_t cap)
{
    memset(b, 0, sizeof *b);
    if (cap > PG_BATCH_MAX)
        die("a PostgreSQL batch of %" PRIu32 " is over %u", cap, PG_BATCH_MAX);
    b->ids = calloc(cap, sizeof *b->ids);
    b->ops = calloc(cap, sizeof *b->ops);
    b->debit = calloc(cap, sizeof *b->debit);
    b->credit = calloc(cap, sizeof *b->credit);
    b->amount = calloc(cap, sizeof *b->amount);
    b->cap = (size_t)cap * 160 + 4096;
    b->buf = malloc(b->cap);
    if (!b->ids || !b->ops || !b->debit || !b->credit || !b->amount || !b->buf)
        die("out of memory for a PostgreSQL batch");
}

static inline void pg_batch_free(pg_batch *b)
{
    free(b->ids);
    free(b->ops);
    free(b->debit);
    free(b->credit);
    free(b->amount);
    free(b->buf);
    memset(b, 0, sizeof *b);
}

static inline void pg_put32(pg_batch *b, uint32_t v)
{
    if (b->len + 4 > b->cap)
        die("internal: PostgreSQL batch buffer");
    b->buf[b->len++] = (char)(v >> 24);
    b->buf[b->len++] = (char)(v >> 16);
    b->buf[b->len++] = (char)(v >> 8);
    b->buf[b->len++] = (char)v;
}

static inline void pg_put_bytes(pg_batch *b, const void *p, size_t n)
{
    if (b->len + n > b->cap)
        die("internal: PostgreSQL batch buffer");
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

/* The header of a one-dimensional binary array of n elements of type oid. */
static inline void pg_array_head(pg_batch *b, uint32_t oid, uint32_t n)
{
    pg_put32(b, 1); /* ndim */
    pg_put32(b, 0); /* no NULLs */
    pg_put32(b, oid);
    pg_put32(b, n);
    pg_put32(b, 1); /* lower bound */
}

/* An account's code, as the cauris benchmarks name them. */
static inline int pg_account_code(char *out, size_t cap, uint32_t wallets, int32_t id)
{
    if (id == (int32_t)wallets + 1)
        return snprintf(out, cap, "programme:wages");
    if (id == (int32_t)wallets + 2)
        return snprintf(out, cap, "partner:mfi1:cash");
    return snprintf(out, cap, "participant:P%d:wallet", (int)id);
}

/* Encodes the batch's parameters ($2..$6; $1 is the partner) in binary. */
static inline void pg_batch_encode(pg_batch *b, bool codes, uint32_t wallets)
{
    uint32_t n = b->count;
    b->len = 0;
    b->off[0] = 0;
    pg_put_bytes(b, "mfi1", 4);
    b->size[0] = b->len;

    b->off[1] = b->len;
    pg_array_head(b, 25, n);
    for (uint32_t i = 0; i < n; i++) {
        size_t l = strlen(b->ids[i]);
        pg_put32(b, (uint32_t)l);
        pg_put_bytes(b, b->ids[i], l);
    }
    b->size[1] = b->len - b->off[1];

    b->off[2] = b->len;
    pg_array_head(b, 21, n);
    for (uint32_t i = 0; i < n; i++) {
        pg_put32(b, 2);
        uint16_t v = (uint16_t)b->ops[i];
        char be[2] = {(char)(v >> 8), (char)v};
        pg_put_bytes(b, be, 2);
    }
    b->size[2] = b->len - b->off[2];

    for (int k = 0; k < 2; k++) {
        const int32_t *acc = k == 0 ? b->debit : b->credit;
        b->off[3 + k] = b->len;
        pg_array_head(b, codes ? 25 : 23, n);
        for (uint32_t i = 0; i < n; i++) {
            if (codes) {
                char code[PG_CODE_MAX];
                int l = pg_account_code(code, sizeof code, wallets, acc[i]);
                pg_put32(b, (uint32_t)l);
                pg_put_bytes(b, code, (size_t)l);
            } else {
                pg_put32(b, 4);
                pg_put32(b, (uint32_t)acc[i]);
            }
        }
        b->size[3 + k] = b->len - b->off[3 + k];
    }

    b->off[5] = b->len;
    pg_array_head(b, 20, n);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = (uint64_t)b->amount[i];
        pg_put32(b, 8);
        pg_put32(b, (uint32_t)(v >> 32));
        pg_put32(b, (uint32_t)v);
    }
    b->size[5] = b->len - b->off[5];
}

/* Sends an encoded batch (arrays), without waiting for the reply. */
static inline void pg_batch_send(PGconn *c, const pg_batch *b, bool codes)
{
    const char *values[6];
    int lengths[6], formats[6];
    for (int k = 0; k < 6; k++) {
        values[k] = b->buf + b->off[k];
        lengths[k] = (int)b->size[k];
        formats[k] = 1;
    }
    if (!PQsendQueryPrepared(c, codes ? "post_batch_codes" : "post_batch", 6, values, lengths,
                             formats, 0))
        die("PostgreSQL: sending a batch: %s", PQerrorMessage(c));
}

/* Waits for a batch's reply; dies unless every transfer was posted. */
static inline void pg_batch_wait(PGconn *c, const pg_batch *b)
{
    PGresult *r;
    bool ok = false;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            die("PostgreSQL refused a batch of %" PRIu32 " (first id %s): %s", b->count,
                b->ids[0], PQresultErrorMessage(r));
        if (PQntuples(r) == 1 && strtoul(PQgetvalue(r, 0, 0), NULL, 10) == b->count)
            ok = true;
        PQclear(r);
    }
    if (!ok)
        die("PostgreSQL: a batch of %" PRIu32 " did not report its count", b->count);
}

/* The COPY text form of the batch. */
static inline void pg_batch_copy_text(pg_batch *b)
{
    b->len = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        char line[160];
        int l = snprintf(line, sizeof line, "%s\t%d\t%d\t%d\t%" PRId64 "\n", b->ids[i],
                         (int)b->ops[i], (int)b->debit[i], (int)b->credit[i], b->amount[i]);
        pg_put_bytes(b, line, (size_t)l);
    }
}

static inline void pg_expect(PGconn *c, PGresult *r, ExecStatusType want, const char *what)
{
    if (PQresultStatus(r) != want)
        die("PostgreSQL: %s: %s", what, PQerrorMessage(c));
    PQclear(r);
}

/* One batch by COPY into the session's temp table and post_staged(), one
 * transaction (the temp table empties at commit). b holds the COPY text. */
static inline void pg_batch_post_copy(PGconn *c, const pg_batch *b)
{
    pg_expect(c, PQexec(c, "BEGIN"), PGRES_COMMAND_OK, "BEGIN");
    pg_expect(c, PQexec(c, "COPY pg_temp.batch FROM STDIN"), PGRES_COPY_IN, "COPY");
    if (PQputCopyData(c, b->buf, (int)b->len) != 1 || PQputCopyEnd(c, NULL) != 1)
        die("PostgreSQL: COPY data: %s", PQerrorMessage(c));
    pg_expect(c, PQgetResult(c), PGRES_COMMAND_OK, "COPY end");
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    PGresult *st = PQexec(c, "SELECT post_staged('mfi1')");
    if (PQresultStatus(st) != PGRES_TUPLES_OK)
        die("PostgreSQL refused a batch (COPY): %s", PQerrorMessage(c));
    if (strtoul(PQgetvalue(st, 0, 0), NULL, 10) != b->count)
        die("PostgreSQL: a COPY batch posted %s of %" PRIu32, PQgetvalue(st, 0, 0), b->count);
    PQclear(st);
    pg_expect(c, PQexec(c, "COMMIT"), PGRES_COMMAND_OK, "COMMIT");
}

/* Posts one batch by `method` and waits for the commit. b must be filled
 * (count, ids, ops, debit, credit, amount) and, for the array methods,
 * encoded by pg_batch_encode (or COPY text by pg_batch_copy_text). */
static inline void pg_batch_post(PGconn *c, const pg_batch *b, pg_method method)
{
    if (method == PG_COPY) {
        pg_batch_post_copy(c, b);
        return;
    }
    pg_batch_send(c, b, method == PG_ARRAYS_CODES);
    pg_batch_wait(c, b);
}

/* Prepares the batch's wire form for `method`. */
static inline void pg_batch_ready(pg_batch *b, pg_method method, uint32_t wallets)
{
    if (method == PG_COPY)
        pg_batch_copy_text(b);
    else
        pg_batch_encode(b, method == PG_ARRAYS_CODES, wallets);
}

/* Funds every wallet from programme:wages in batches of 8,000, as the
 * cauris benchmarks do (one funding entry, two legs, per wallet). */
static inline void pg_fund(PGconn *c, uint32_t wallets)
{
    pg_batch b;
    pg_batch_init(&b, 8000);
    for (uint32_t first = 0; first < wallets; first += 8000) {
        b.count = wallets - first < 8000 ? wallets - first : 8000;
        for (uint32_t i = 0; i < b.count; i++) {
            snprintf(b.ids[i], PG_CLIENT_ID_MAX, "fund-%" PRIu32, first + i + 1);
            b.ops[i] = 2;
            b.debit[i] = (int32_t)wallets + 1;
            b.credit[i] = (int32_t)(first + i + 1);
            b.amount[i] = PG_FUNDING;
        }
        pg_batch_ready(&b, PG_ARRAYS, wallets);
        pg_batch_post(c, &b, PG_ARRAYS);
    }
    pg_batch_free(&b);
}

/* WAL inserted so far, bytes (exact: the insert position); and the
 * full-page images in it (pg_stat_wal, as far as backends have reported:
 * this session's are flushed first, others' lag by up to a second). */
static inline void pg_wal(PGconn *c, double *bytes, double *fpi)
{
    pg_exec(c, "SELECT pg_stat_force_next_flush()"); /* done when this session idles */
    *bytes = pg_number(c, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')");
    *fpi = pg_number(c, "SELECT wal_fpi FROM pg_stat_wal");
}

/* Prints the settings as one table row. */
static inline void pg_settings_print(const pg_server *s)
{
    printf("| PostgreSQL | %s, %s, run as uid %d, Unix socket only; -c ", s->version, s->bindir,
           s->drop ? (int)s->uid : (int)getuid());
    for (int i = 0; pg_settings[i] != NULL; i++)
        printf("%s%s", i ? " " : "", pg_settings[i]);
    printf(" |\n");
}

/* ---- runs ---- */

/* Which workload a batch is filled with. */
typedef enum pg_workload {
    PG_TRANSFERS = 0, /* bench_post's: transfers between two random wallets */
    PG_MIX = 1,       /* bench_rpc's: 1 in 8 a wage from programme:wages */
} pg_workload;

#define PG_AMOUNT_MAX 1000u /* amounts 1..this, as in the cauris benchmarks */
#define PG_WAGE_ONE_IN 8u

/* Fills b with `count` entries of the workload from *rng, client ids
 * "<prefix><n>" (n from *next_id, zero-padded to 10 digits when pad). */
static inline void pg_batch_fill(pg_batch *b, pg_workload w, uint64_t *rng, uint32_t wallets,
                                 uint32_t count, const char *prefix, uint64_t *next_id,
                                 bool pad)
{
    b->count = count;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t from = 0, to = 0;
        int64_t amount;
        bool wage = false;
        if (w == PG_TRANSFERS)
            bench_transfer_draw(rng, wallets, PG_AMOUNT_MAX, &from, &to, &amount);
        else
            bench_mix_draw(rng, wallets, PG_AMOUNT_MAX, PG_WAGE_ONE_IN, &wage, &from, &to,
                           &amount);
        b->ops[i] = 2; /* transfer */
        b->debit[i] = wage ? (int32_t)wallets + 1 : (int32_t)from + 1;
        b->credit[i] = (int32_t)to + 1;
        b->amount[i] = amount;
        if (pad)
            snprintf(b->ids[i], PG_CLIENT_ID_MAX, "%s%010" PRIu64, prefix, (*next_id)++);
        else
            snprintf(b->ids[i], PG_CLIENT_ID_MAX, "%s%" PRIu64, prefix, (*next_id)++);
    }
}

/* The highest seq posted so far (0 before any). */
static inline double pg_seq_last(PGconn *c)
{
    return pg_number(c, "SELECT coalesce(max(seq), 0) FROM entries");
}

/* Dies unless exactly `expected` entries were recorded after seq `after`:
 * a run's figure counts only entries that are in the database. */
static inline void pg_expect_posted(PGconn *c, double after, double expected, const char *what)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM entries WHERE seq > %.0f", after);
    double got = pg_number(c, sql);
    if (got != expected)
        die("PostgreSQL %s: %.0f entries recorded, %.0f counted as posted", what, got, expected);
}

/* What pg_check found true, for the programs' output. */
#define PG_CHECKED                                                                           \
    "each of two legs summing to 0; every leg's balance after, every account's balance, " \
    "line count and latest seq agree with the legs"

/* Checks the peer's whole ledger after the runs: every entry has its two
 * legs and they sum to 0; each leg's balance after is the running sum of
 * its account's legs in seq order; each account's balance, line count and
 * latest seq are those of its legs; no wallet is below 0. Dies on the
 * first that fails, printing how many rows break it. Returns the entries. */
static inline double pg_check(PGconn *c)
{
    static const char *const rules[][2] = {
        {"an entry without exactly two legs summing to 0",
         "SELECT count(*) FROM entries e LEFT JOIN (SELECT seq, count(*) AS n, sum(amount) AS s "
         "FROM legs GROUP BY seq) g ON g.seq = e.seq WHERE g.n IS DISTINCT FROM 2 OR g.s <> 0"},
        {"a leg of no entry",
         "SELECT count(*) FROM legs l WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.seq = "
         "l.seq)"},
        {"a leg whose balance after is not its account's running sum",
         "SELECT count(*) FROM (SELECT balance_after, sum(amount) OVER (PARTITION BY account "
         "ORDER BY seq, leg) AS run FROM legs) x WHERE balance_after <> run"},
        {"an account whose balance, line count or latest seq is not its legs'",
         "SELECT count(*) FROM accounts a LEFT JOIN (SELECT account, sum(amount) AS s, count(*) "
         "AS n, max(seq) AS m FROM legs GROUP BY account) g ON g.account = a.id WHERE a.balance "
         "<> coalesce(g.s, 0) OR a.lines_count <> coalesce(g.n, 0) OR a.latest_seq IS DISTINCT "
         "FROM g.m"},
        {"a wallet below 0", "SELECT count(*) FROM accounts WHERE NOT overdraft_allowed AND "
                             "balance < 0"},
    };
    pg_exec(c, "SET work_mem = '256MB'"); /* the sorts of the checks, in memory */
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        double bad = pg_number(c, rules[i][1]);
        if (bad != 0)
            die("PostgreSQL ledger check failed: %.0f rows: %s", bad, rules[i][0]);
    }
    pg_exec(c, "RESET work_mem");
    return pg_number(c, "SELECT count(*) FROM entries");
}

/* What one run measured. */
typedef struct pg_figure {
    double per_s;   /* entries/s */
    double seconds; /* timed */
    double entries; /* timed */
    double batches; /* timed */
    double wal_mb_per_batch;
    double fpi_per_batch; /* full-page images in the WAL per batch */
} pg_figure;

/* One connection, bench_post's way: one warm-up batch, then `entries` in
 * batches of `batch`, only the post call timed (not filling or encoding),
 * client ids "r<run_no>-<n>" as bench_post's. *rng goes on from where it is:
 * given bench_post's rng before its run, the same transfers are posted. */
static inline pg_figure pg_run_count(PGconn *c, pg_method method, pg_workload w, uint64_t *rng,
                                     uint32_t wallets, uint32_t batch, uint32_t entries,
                                     uint32_t run_no)
{
    pg_figure f;
    memset(&f, 0, sizeof f);
    pg_batch b;
    pg_batch_init(&b, batch);
    char prefix[24];
    snprintf(prefix, sizeof prefix, "r%" PRIu32 "-", run_no);
    uint64_t next_id = 1;
    pg_batch_fill(&b, w, rng, wallets, batch, prefix, &next_id, false);
    pg_batch_ready(&b, method, wallets);
    double seq0 = pg_seq_last(c);
    pg_batch_post(c, &b, method); /* warm-up */
    double wal0, fpi0, wal1, fpi1;
    pg_wal(c, &wal0, &fpi0);
    for (uint32_t done = 0; done < entries; done += batch) {
        pg_batch_fill(&b, w, rng, wallets, batch, prefix, &next_id, false);
        pg_batch_ready(&b, method, wallets);
        double t0 = bench_now_s();
        pg_batch_post(c, &b, method);
        f.seconds += bench_now_s() - t0;
        f.entries += batch;
        f.batches++;
    }
    pg_wal(c, &wal1, &fpi1);
    pg_expect_posted(c, seq0, batch + f.entries, "run");
    pg_batch_free(&b);
    f.per_s = f.entries / f.seconds;
    f.wal_mb_per_batch = (wal1 - wal0) / 1e6 / f.batches;
    f.fpi_per_batch = (fpi1 - fpi0) / f.batches;
    return f;
}

/* One connection of a timed-window run. */
typedef struct pg_poster {
    pthread_t thread;
    const pg_server *s;
    const char *db;
    pg_method method;
    pg_workload w;
    uint32_t wallets, batch;
    uint64_t rng;
    char prefix[24];
    const atomic_bool *stop;
    atomic_uint_fast64_t entries_ok; /* counted when the commit returns */
    atomic_uint_fast64_t batches;
    double *done_at; /* when each batch's commit returned (bench_now_s) */
    size_t done_count, done_cap;
} pg_poster;

#define PG_DONE_MAX 65536 /* commit times kept per connection */

/* Posts batches back to back until told to stop; the next batch is filled
 * and encoded while the current one is in flight (as bench_rpc's posters). */
static inline void *pg_poster_main(void *arg)
{
    pg_poster *p = arg;
    PGconn *c = pg_connect_db(p->s, p->db);
    pg_session_prepare(c);
    pg_batch b[2];
    pg_batch_init(&b[0], p->batch);
    pg_batch_init(&b[1], p->batch);
    uint64_t next_id = 1;
    int cur = 0;
    pg_batch_fill(&b[cur], p->w, &p->rng, p->wallets, p->batch, p->prefix, &next_id, true);
    pg_batch_ready(&b[cur], p->method, p->wallets);
    while (!atomic_load(p->stop)) {
        if (p->method == PG_COPY) {
            pg_batch_post(c, &b[cur], p->method);
            pg_batch_fill(&b[1 - cur], p->w, &p->rng, p->wallets, p->batch, p->prefix, &next_id,
                          true);
            pg_batch_ready(&b[1 - cur], p->method, p->wallets);
        } else {
            pg_batch_send(c, &b[cur], p->method == PG_ARRAYS_CODES);
            pg_batch_fill(&b[1 - cur], p->w, &p->rng, p->wallets, p->batch, p->prefix, &next_id,
                          true);
            pg_batch_ready(&b[1 - cur], p->method, p->wallets);
            pg_batch_wait(c, &b[cur]);
        }
        if (p->done_count < p->done_cap)
            p->done_at[p->done_count++] = bench_now_s();
        atomic_fetch_add(&p->entries_ok, b[cur].count);
        atomic_fetch_add(&p->batches, 1);
        cur = 1 - cur;
    }
    pg_batch_free(&b[0]);
    pg_batch_free(&b[1]);
    PQfinish(c);
    return NULL;
}

/* One connection's rate over [t0, t1] (bench_rate_between). */
static inline double pg_poster_rate(const pg_poster *p, double t0, double t1)
{
    return bench_rate_between(p->done_at, p->done_count, t0, t1, (double)p->batch);
}

/* `connections` connections to database `db`, each one batch of `batch`
 * in flight, for `warmup_s` and then a window of `seconds`: bench_rpc's way
 * (entries counted when their commit returns; the rate is the sum of the
 * connections' rates between their first and last commits in the window).
 * Client ids "w<run_no>c<conn>-<10 digits>"; rng seeds from `seed`. */
static inline pg_figure pg_run_window(const pg_server *s, const char *db, pg_method method,
                                      pg_workload w, uint32_t wallets, uint32_t connections,
                                      uint32_t batch, double warmup_s, double seconds,
                                      uint64_t seed, uint32_t run_no)
{
    pg_figure f;
    memset(&f, 0, sizeof f);
    atomic_bool stop = false;
    pg_poster *ps = calloc(connections, sizeof *ps);
    if (ps == NULL)
        die("out of memory");
    PGconn *c = pg_connect_db(s, db);
    double seq0 = pg_seq_last(c);
    for (uint32_t i = 0; i < connections; i++) {
        pg_poster *p = &ps[i];
        p->s = s;
        p->db = db;
        p->method = method;
        p->w = w;
        p->wallets = wallets;
        p->batch = batch;
        p->rng = seed ^ ((uint64_t)run_no << 32) ^ (i + 1);
        snprintf(p->prefix, sizeof p->prefix, "w%" PRIu32 "c%" PRIu32 "-", run_no, i + 1);
        p->stop = &stop;
        p->done_cap = PG_DONE_MAX;
        p->done_at = calloc(p->done_cap, sizeof *p->done_at);
        if (p->done_at == NULL)
            die("out of memory");
        if (pthread_create(&p->thread, NULL, pg_poster_main, p) != 0)
            die("pthread_create");
    }
    struct timespec ws = {(time_t)warmup_s,
                          (long)((warmup_s - (double)(time_t)warmup_s) * 1e9)};
    while (nanosleep(&ws, &ws) != 0 && errno == EINTR) {
    }
    uint64_t e0 = 0, b0 = 0, e1 = 0, b1 = 0;
    double wal0, fpi0, wal1, fpi1;
    pg_wal(c, &wal0, &fpi0);
    double t0 = bench_now_s();
    for (uint32_t i = 0; i < connections; i++) {
        e0 += atomic_load(&ps[i].entries_ok);
        b0 += atomic_load(&ps[i].batches);
    }
    struct timespec wt = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&wt, &wt) != 0 && errno == EINTR) {
    }
    for (uint32_t i = 0; i < connections; i++) {
        e1 += atomic_load(&ps[i].entries_ok);
        b1 += atomic_load(&ps[i].batches);
    }
    double t1 = bench_now_s();
    pg_wal(c, &wal1, &fpi1);
    atomic_store(&stop, true);
    for (uint32_t i = 0; i < connections; i++)
        pthread_join(ps[i].thread, NULL);
    f.per_s = 0;
    double posted = 0;
    for (uint32_t i = 0; i < connections; i++) {
        f.per_s += pg_poster_rate(&ps[i], t0, t1);
        posted += (double)atomic_load(&ps[i].entries_ok);
        free(ps[i].done_at);
    }
    pg_expect_posted(c, seq0, posted, "window");
    free(ps);
    PQfinish(c);
    f.seconds = t1 - t0;
    f.entries = (double)(e1 - e0);
    f.batches = (double)(b1 - b0);
    f.wal_mb_per_batch = f.batches > 0 ? (wal1 - wal0) / 1e6 / f.batches : 0;
    f.fpi_per_batch = f.batches > 0 ? (fpi1 - fpi0) / f.batches : 0;
    return f;
}

/* A database ready for posting: schema, accounts, every wallet funded,
 * vacuumed and analysed, then a checkpoint (the timed runs start clean). */
static inline void pg_database_load(const pg_server *s, const char *db, uint32_t wallets,
                                    bool history_index)
{
    if (strcmp(db, "postgres") != 0)
        pg_database_create(s, db);
    PGconn *c = pg_connect_db(s, db);
    pg_schema_create(c, wallets, history_index);
    pg_session_prepare(c);
    pg_fund(c, wallets);
    pg_exec(c, "VACUUM (ANALYZE)");
    pg_exec(c, "CHECKPOINT");
    PQfinish(c);
}

/* Between runs, outside the timed windows: what autovacuum would do; then
 * what VACUUM wrote (through its ring of buffers) is written back, so that
 * the kernel's writeback of it does not fall into the next (cauris) run. */
static inline void pg_between_runs(PGconn *c)
{
    pg_exec(c, "VACUUM (ANALYZE) accounts");
    sync();
}

#endif /* CAURIS_BENCH_PG_H */
