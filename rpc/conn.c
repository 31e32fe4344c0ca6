/*
 * conn.c — connections around evhttp (see conn.h).
 *
 * libevent 2.1's evhttp has no connection limit, no per-connection user
 * data and no hook on the error pages it writes itself. So: connections are
 * found by their evhttp_connection pointer in a small hash table, counted
 * from their first request and forgotten in the close callback; and the
 * output buffer of every connection's bufferevent carries a callback that
 * replaces one of evhttp's HTML error pages (recognised by its text/html
 * content type on an error status at the start of the buffer) with the same
 * status and a Connect JSON body. A filter bufferevent would be the obvious
 * tool, but evhttp's reply-done logic misfires on one (a deferred reply is
 * dropped), so the callback works on the socket bufferevent's buffer.
 *
 * Never: look inside a request, or change a reply the server built.
 */
#include "rpc/conn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rpc/connect.h"
#include "rpc/log.h"

#define CONN_BUCKETS 1024u /* hash buckets; chains stay short below 60,000 */
#define HEAD_BYTES_MAX 4096
#define REPLY_BYTES_MAX 2048

struct rpc_conn {
    rpc_conns *conns;
    struct evhttp_connection *evcon;
    void (*gone)(void *arg);
    void *gone_arg;
    rpc_conn *next; /* in its bucket */
};

struct rpc_conns {
    uint64_t open;
    uint32_t max;
    size_t body_bytes_max;
    rpc_metrics *metrics;
    rpc_conn *buckets[CONN_BUCKETS];
};

static size_t bucket_of(const struct evhttp_connection *evcon)
{
    uintptr_t v = (uintptr_t)evcon;
    v ^= v >> 17;
    v *= 0x9e3779b97f4a7c15u;
    return (size_t)(v >> 40) & (CONN_BUCKETS - 1);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
    rpc_conn *c = arg;
    rpc_conns *conns = c->conns;
    if (c->gone != NULL)
        c->gone(c->gone_arg);
    rpc_conn **p = &conns->buckets[bucket_of(evcon)];
    while (*p != NULL && *p != c)
        p = &(*p)->next;
    if (*p == c)
        *p = c->next;
    conns->open--;
    free(c);
}

rpc_conn *rpc_conn_admit(rpc_conns *conns, struct evhttp_connection *evcon)
{
    size_t b = bucket_of(evcon);
    for (rpc_conn *c = conns->buckets[b]; c != NULL; c = c->next)
        if (c->evcon == evcon)
            return c;
    rpc_conn *c = conns->open < conns->max ? calloc(1, sizeof *c) : NULL;
    if (c == NULL) {
        rpc_metrics_connection_refused(conns->metrics);
        rpc_log(RPC_LOG_WARN, "connection refused: %llu open, limit %u",
                (unsigned long long)conns->open, conns->max);
        return NULL;
    }
    c->conns = conns;
    c->evcon = evcon;
    c->next = conns->buckets[b];
    conns->buckets[b] = c;
    conns->open++;
    evhttp_connection_set_closecb(evcon, conn_closed, c);
    return c;
}

void rpc_conn_watch(rpc_conn *c, void (*gone)(void *arg), void *arg)
{
    c->gone = gone;
    c->gone_arg = arg;
}

void rpc_conn_unwatch(rpc_conn *c)
{
    c->gone = NULL;
    c->gone_arg = NULL;
}

uint64_t rpc_conns_open(const rpc_conns *conns)
{
    return conns ? conns->open : 0;
}

/* ---- evhttp's own error pages ---- */

static connect_code own_error_code(int status, const rpc_conns *conns, char *message,
                                   size_t cap)
{
    switch (status) {
    case 413:
        snprintf(message, cap, "the request body is larger than the limit of %zu bytes",
                 conns->body_bytes_max);
        return CONNECT_RESOURCE_EXHAUSTED;
    case 400:
        snprintf(message, cap,
                 "malformed HTTP request (request line, headers or body framing)");
        return CONNECT_INVALID_ARGUMENT;
    case 405:
    case 501:
        snprintf(message, cap, "HTTP method not supported; calls are POST");
        return CONNECT_UNIMPLEMENTED;
    case 408:
    case 504:
        snprintf(message, cap, "the request timed out");
        return CONNECT_DEADLINE_EXCEEDED;
    default:
        snprintf(message, cap, "HTTP error %d", status);
        return CONNECT_INTERNAL;
    }
}

/* A header's value in a response head, or NULL. */
static const char *head_find(const char *head, size_t len, const char *name, size_t *value_len)
{
    size_t n = strlen(name);
    const char *p = memchr(head, '\n', len);
    while (p != NULL && (size_t)(p + 1 - head) < len) {
        const char *line = p + 1;
        const char *end = memchr(line, '\n', len - (size_t)(line - head));
        if (end == NULL)
            break;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = end;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            *value_len = (size_t)(ve - v);
            return v;
        }
        p = end;
    }
    return NULL;
}

/* Runs on every change of a connection's output buffer. Cheap unless the
 * buffer starts with an error status line: then, once evhttp's whole page
 * is there, swaps it for a Connect error. */
static void output_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    rpc_conns *conns = arg;
    if (info->n_added == 0)
        return;
    char start[13];
    if (evbuffer_copyout(buf, start, 12) != 12 || memcmp(start, "HTTP/1.", 7) != 0 ||
        (start[9] != '4' && start[9] != '5'))
        return;
    struct evbuffer_ptr end = evbuffer_search(buf, "\r\n\r\n", 4, NULL);
    if (end.pos < 0 || end.pos > HEAD_BYTES_MAX)
        return;
    size_t head_len = (size_t)end.pos + 4, ct_len = 0, cl_len = 0;
    const char *head = (const char *)evbuffer_pullup(buf, (ev_ssize_t)head_len);
    const char *ct = head_find(head, head_len, "Content-Type", &ct_len);
    const char *cl = head_find(head, head_len, "Content-Length", &cl_len);
    if (ct == NULL || cl == NULL || ct_len < 9 || strncasecmp(ct, "text/html", 9) != 0)
        return;
    size_t body_len = (size_t)strtoull(cl, NULL, 10);
    if (evbuffer_get_length(buf) < head_len + body_len)
        return; /* the page is not all there yet */
    int status = atoi(head + 9);
    char message[256], body[REPLY_BYTES_MAX / 2], reply[REPLY_BYTES_MAX];
    connect_code code = own_error_code(status, conns, message, sizeof message);
    size_t n = connect_error_body(body, sizeof body, code, message);
    int len = snprintf(reply, sizeof reply,
                       "HTTP/1.1 %d Error\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
                       status, n, (int)n, body);
    if (len <= 0 || (size_t)len >= sizeof reply)
        return;
    evbuffer_drain(buf, head_len + body_len); /* nested calls see no error page */
    evbuffer_prepend(buf, reply, (size_t)len);
    rpc_metrics_request(conns->metrics, NULL, code);
    rpc_log(RPC_LOG_DEBUG, "HTTP %d: %s", status, message);
}

static struct bufferevent *bufferevent_make(struct event_base *base, void *arg)
{
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev != NULL)
        evbuffer_add_cb(bufferevent_get_output(bev), output_changed, arg);
    return bev;
}

rpc_conns *rpc_conns_attach(struct evhttp *http, uint32_t connections_max,
                            size_t body_bytes_max, rpc_metrics *m)
{
    rpc_conns *conns = calloc(1, sizeof *conns);
    if (conns == NULL)
        return NULL;
    conns->max = connections_max;
    conns->body_bytes_max = body_bytes_max;
    conns->metrics = m;
    evhttp_set_bevcb(http, bufferevent_make, conns);
    return conns;
}

void rpc_conns_free(rpc_conns *conns)
{
    free(conns);
}
