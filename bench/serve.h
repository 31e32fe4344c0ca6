/*
 * serve.h — what the benchmarks that talk to the real server share:
 * finding the `cauris` binary, starting `cauris serve` on a ledger
 * directory (any free loopback port, read back from --port-file) and
 * stopping it, reading its memory from /proc, and a minimal HTTP/1.1
 * client over a blocking socket for binary Connect calls (one request in
 * flight per connection, keep-alive, Content-Length framed replies).
 *
 * Header-only, like bench.h. The including program defines
 *   static void die(const char *fmt, ...);  (prints, exits non-zero)
 * Functions die on any error.
 */
#ifndef CAURIS_BENCH_SERVE_H
#define CAURIS_BENCH_SERVE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define BENCH_SERVE_PATH_MAX 4096
#define BENCH_SERVE_WAIT_MS 15000 /* for the server to listen */
#define BENCH_SERVE_ARGS_MAX 16   /* extra arguments to `cauris serve` */
#define BENCH_HTTP_HEAD_MAX 512

typedef struct bench_server {
    char bin[BENCH_SERVE_PATH_MAX];       /* cauris */
    char dir[BENCH_SERVE_PATH_MAX];       /* the ledger it serves */
    char port_file[BENCH_SERVE_PATH_MAX]; /* where it writes its port */
    volatile pid_t pid;                   /* 0 when none runs */
    uint16_t port;
} bench_server;

/* $CAURIS_BIN, else ../cauris beside this program (build/bench/ ->
 * build/); false if it cannot be run. */
static inline bool bench_cauris_find(char *out, size_t cap)
{
    const char *env = getenv("CAURIS_BIN");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, cap, "%s", env);
    } else {
        char self[BENCH_SERVE_PATH_MAX - 64];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            snprintf(self, sizeof self, ".");
        else
            self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL)
            *slash = '\0';
        snprintf(out, cap, "%s/../cauris", self);
    }
    return access(out, X_OK) == 0;
}

static inline void bench_sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Starts `cauris serve s->dir --listen 127.0.0.1:0 --port-file F
 * --log-level warn [extra...]` and waits until it listens. The child gets
 * an empty signal mask (the benchmark may block SIGINT/SIGTERM). */
static inline void bench_server_start(bench_server *s, const char *const *extra)
{
    unlink(s->port_file);
    const char *argv[10 + BENCH_SERVE_ARGS_MAX] = {s->bin,       "serve",       s->dir,
                                                   "--listen",   "127.0.0.1:0", "--port-file",
                                                   s->port_file, "--log-level", "warn"};
    int n = 9;
    for (int i = 0; extra != NULL && extra[i] != NULL && i < BENCH_SERVE_ARGS_MAX; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(s->bin, (char *const *)argv);
        fprintf(stderr, "bench: exec %s: %s\n", s->bin, strerror(errno));
        _exit(127);
    }
    s->pid = pid;
    for (int waited = 0; waited < BENCH_SERVE_WAIT_MS; waited += 5) {
        FILE *f = fopen(s->port_file, "r");
        unsigned port = 0;
        if (f != NULL) {
            int got = fscanf(f, "%u", &port);
            fclose(f);
            if (got == 1 && port > 0 && port < 65536) {
                s->port = (uint16_t)port;
                return;
            }
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            die("%s serve exited before listening (status %d)", s->bin, status);
        }
        bench_sleep_s(0.005);
    }
    die("%s serve did not listen within %d ms", s->bin, BENCH_SERVE_WAIT_MS);
}

/* SIGTERM; the server finishes queued commits and must exit 0. */
static inline void bench_server_stop(bench_server *s)
{
    pid_t pid = s->pid;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, 0) != pid) {
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    }
    s->pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("the server ended with status %d", status);
}

/* For atexit handlers: no waiting for queued work. */
static inline void bench_server_kill(bench_server *s)
{
    pid_t pid = s->pid;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        s->pid = 0;
    }
}

/* A /proc/<pid>/status field in kB ("RssAnon", "VmRSS", "VmHWM", ...); -1
 * if absent. */
static inline double bench_proc_status_kb(pid_t pid, const char *key)
{
    char file[64], v[64], *end;
    snprintf(file, sizeof file, "/proc/%d/status", (int)pid);
    bench_proc_field(file, key, v, sizeof v);
    double n = strtod(v, &end);
    return end == v ? -1 : n;
}

/* ---- HTTP/1.1 over a blocking socket ---- */

typedef struct bench_http {
    int fd;
    char *buf; /* the reply being read */
    size_t cap, len;
} bench_http;

static inline void bench_http_open(bench_http *c, uint16_t port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket: %s", strerror(errno));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect 127.0.0.1:%u: %s", (unsigned)port, strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->cap = 1 << 16;
    c->buf = malloc(c->cap);
    if (c->buf == NULL)
        die("out of memory");
}

static inline void bench_http_close(bench_http *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static inline void bench_send_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("send: %s", w < 0 ? strerror(errno) : "connection closed");
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
}

/* POSTs a binary Connect call of cauris.v1.Ledger (the body already
 * encoded) with the bearer token. */
static inline void bench_http_call_send(bench_http *c, const char *token, const char *method,
                                        const void *body, size_t len)
{
    char head[BENCH_HTTP_HEAD_MAX];
    int n = snprintf(head, sizeof head,
                     "POST /cauris.v1.Ledger/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/proto\r\nConnect-Protocol-Version: 1\r\n"
                     "Authorization: Bearer %s\r\nContent-Length: %zu\r\n\r\n",
                     method, token, len);
    if (n < 0 || (size_t)n >= sizeof head)
        die("request head too long");
    struct iovec iov[2] = {{head, (size_t)n}, {(void *)body, len}};
    bench_send_all(c->fd, iov, len ? 2 : 1);
}

static inline void bench_http_grow(bench_http *c, size_t cap)
{
    char *p = realloc(c->buf, cap);
    if (p == NULL)
        die("out of memory");
    c->buf = p;
    c->cap = cap;
}

/* strcasestr without _GNU_SOURCE. */
static inline const char *bench_find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    }
    return NULL;
}

/* Whether c->buf[0, c->len) holds one whole reply (Content-Length framed):
 * 0 while it does not yet, else its status, with the body at *body. */
static inline int bench_http_reply(bench_http *c, const uint8_t **body, size_t *body_len)
{
    const char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t head_len = (size_t)(end + 4 - c->buf);
    const char *cl = bench_find_nocase(c->buf, "\r\nContent-Length:");
    if (cl == NULL || cl > end)
        die("a reply without Content-Length: %.200s", c->buf);
    size_t need = head_len + (size_t)strtoull(cl + 17, NULL, 10);
    if (need + 1 > c->cap)
        bench_http_grow(c, need + 1);
    if (c->len < need)
        return 0;
    if (c->len != need)
        die("bytes after a reply (none was asked for)");
    if (strncmp(c->buf, "HTTP/1.1 ", 9) != 0)
        die("not an HTTP/1.1 reply: %.100s", c->buf);
    *body = (const uint8_t *)c->buf + head_len;
    *body_len = need - head_len;
    return atoi(c->buf + 9);
}

/* Reads what the socket has into c->buf; false when it would block.
 * Dies when the server closes the connection. */
static inline bool bench_http_read_some(bench_http *c)
{
    for (;;) {
        if (c->len + 1 >= c->cap)
            bench_http_grow(c, c->cap * 2);
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n <= 0)
            die("recv: %s", n < 0 ? strerror(errno) : "the server closed the connection");
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
        return true;
    }
}

/* Reads one whole reply on a blocking socket. Returns the status; the body
 * is at *body, valid until the next call. */
static inline int bench_http_recv(bench_http *c, const uint8_t **body, size_t *body_len)
{
    c->len = 0;
    c->buf[0] = '\0';
    for (;;) {
        bench_http_read_some(c);
        int status = bench_http_reply(c, body, body_len);
        if (status != 0)
            return status;
    }
}

/* A GET on a connection of its own; the body, malloc'd and NUL-ended. */
static inline char *bench_http_get(uint16_t port, const char *path)
{
    bench_http c;
    bench_http_open(&c, port);
    char head[BENCH_HTTP_HEAD_MAX];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    struct iovec iov[1] = {{head, (size_t)n}};
    bench_send_all(c.fd, iov, 1);
    const uint8_t *body;
    size_t len;
    int status = bench_http_recv(&c, &body, &len);
    if (status != 200)
        die("GET %s: status %d", path, status);
    char *out = malloc(len + 1);
    if (out == NULL)
        die("out of memory");
    memcpy(out, body, len);
    out[len] = '\0';
    bench_http_close(&c);
    return out;
}

#endif /* CAURIS_BENCH_SERVE_H */
