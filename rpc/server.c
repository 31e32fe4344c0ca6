/*
 * server.c — caurisd: Connect unary over HTTP/1.1 on libevent's evhttp.
 *
 * One event loop thread accepts connections, reads requests, checks the
 * route, content type, token and role, decodes the body into a per-request
 * arena, runs the method's handler and encodes the reply. Reads run here,
 * in LMDB read-only transactions, and never wait for the writer. A body of
 * OFFLOAD_BODY_BYTES or more is decoded and handled on the offload thread
 * instead (offload.c), so that a PostEntries of thousands of entries does
 * not hold up the small calls of every other connection. Every write
 * (entries, enrolments, participant changes, delivery imports, period
 * closures) goes to the writer thread (writer.c) and is answered when it is
 * durable.
 *
 * Never: apply a ledger rule (handlers.c maps to ledger/), or write the
 * ledger from this thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "rpc/arena.h"
#include "rpc/conn.h"
#include "rpc/connect.h"
#include "rpc/handlers.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/offload.h"
#include "rpc/pbjson.h"
#include "rpc/rpc.h"
#include "rpc/writer.h"

#define SERVICE_PREFIX "/cauris.v1.Ledger/"
#define ARENA_BYTES_BASE ((size_t)32 << 20)
#define ARENA_BODY_FACTOR 8u /* decoded messages take a few times their bytes */
#define STOP_FLUSH_MS 250    /* after the last commit, time to send its replies */
/* Bodies from this size on are decoded off the loop: ~200 binary entries,
 * ~0.3 ms of decoding at ~1.5 us an entry. Below it, the hand-over (a
 * wake-up of each thread) would cost about what the loop saves. */
#define OFFLOAD_BODY_BYTES ((size_t)16 << 10)

typedef struct server {
    rpc_server_options opt;
    ledger *ledger;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    rpc_writer *writer;
    rpc_offload *offload;
    rpc_conns *conns;
    rpc_metrics metrics;
    struct event *sig_int, *sig_term;
    bool stopping;
} server;

/* A request waiting for the offload thread or the writer. */
typedef struct pending {
    rpc_offload_item item; /* first: the offload's link */
    rpc_call call;
    server *srv;
    const rpc_route *route;
    struct evhttp_request *req; /* NULL once the client has gone */
    rpc_conn *conn;             /* NULL once the client has gone */
    bool json;
    /* Offloaded (a large body): decoded, handled, and once the writer is
     * done finished and encoded on the offload thread. */
    struct evbuffer *body; /* the body, moved out of the request */
    struct evbuffer *out;  /* the encoded response, when `encoded` */
    bool encoded;
    bool refused;  /* the writer's queue did not take it */
    bool finished; /* back from the writer: finish and encode next */
} pending;

/* ---- replies ---- */

static void reply_error(server *s, struct evhttp_request *req, const rpc_route *route,
                        connect_code code, int http_status, const char *message)
{
    char body[CONNECT_MESSAGE_MAX * 6 + 64];
    size_t len = connect_error_body(body, sizeof body, code, message);
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    evbuffer_add(out, body, len);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/json");
    int status = http_status ? http_status : connect_code_http_status(code);
    evhttp_send_reply(req, status, NULL, NULL);
    rpc_metrics_request(&s->metrics, route, code);
    rpc_log(code == CONNECT_INTERNAL || code == CONNECT_DATA_LOSS ? RPC_LOG_ERROR
                                                                  : RPC_LOG_DEBUG,
            "%s %s: %s", route ? route->method : evhttp_request_get_uri(req),
            connect_code_name(code), message);
}

static void free_text(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* Encodes a response into `out` in the request's own format; -1 when out
 * of memory. Runs on the loop's thread or the offload thread. */
static int message_encode(const ProtobufCMessage *msg, bool json, struct evbuffer *out)
{
    if (json) {
        char *text = NULL;
        size_t len = 0;
        if (pbjson_encode(msg, &text, &len) != 0)
            return -1;
        if (evbuffer_add_reference(out, text, len, free_text, NULL) != 0) {
            free(text);
            return -1;
        }
        return 0;
    }
    size_t len = protobuf_c_message_get_packed_size(msg);
    struct evbuffer_iovec v;
    if (evbuffer_reserve_space(out, (ev_ssize_t)(len ? len : 1), &v, 1) != 1)
        return -1;
    v.iov_len = protobuf_c_message_pack(msg, v.iov_base);
    return evbuffer_commit_space(out, &v, 1);
}

/* Sends the response already in the request's output buffer. */
static void reply_encoded(server *s, struct evhttp_request *req, const rpc_route *route,
                          bool json)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      json ? "application/json" : "application/proto");
    evhttp_send_reply(req, 200, "OK", NULL);
    rpc_metrics_request(&s->metrics, route, CONNECT_OK);
    rpc_log(RPC_LOG_DEBUG, "%s ok (%s)", route->method, json ? "json" : "proto");
}

/* Encodes the handler's response in the request's own format and sends it. */
static void reply_message(server *s, struct evhttp_request *req, const rpc_route *route,
                          const ProtobufCMessage *msg, bool json)
{
    if (message_encode(msg, json, evhttp_request_get_output_buffer(req)) != 0) {
        reply_error(s, req, route, CONNECT_RESOURCE_EXHAUSTED, 0,
                    "out of memory encoding the reply");
        return;
    }
    reply_encoded(s, req, route, json);
}

static void reply_call(server *s, struct evhttp_request *req, const rpc_route *route,
                       rpc_call *c, bool json)
{
    if (c->code != CONNECT_OK || c->response == NULL)
        reply_error(s, req, route, c->code != CONNECT_OK ? c->code : CONNECT_INTERNAL, 0,
                    c->message[0] ? c->message : "no response");
    else
        reply_message(s, req, route, c->response, json);
}

/* ---- the Connect request path ---- */

/* "application/proto" or "application/json", parameters ignored. 1 = json,
 * 0 = binary, -1 = neither. */
static int content_type_parse(const char *ct)
{
    if (ct == NULL)
        return -1;
    size_t n = strcspn(ct, "; ");
    if (n == 17 && strncasecmp(ct, "application/proto", n) == 0)
        return 0;
    if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
        return 1;
    return -1;
}

/* The Bearer token's holder into c->token; false with the reply sent. */
static bool authenticate(server *s, struct evhttp_request *req, const rpc_route *route,
                         rpc_call *c)
{
    const char *auth =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
        reply_error(s, req, route, CONNECT_UNAUTHENTICATED, 0,
                    "this call needs the header 'Authorization: Bearer <token>'");
        return false;
    }
    const char *token = auth + 7;
    int err = ledger_token_check(s->ledger, token, strlen(token), &c->token);
    if (err == LEDGER_TOKEN_INVALID) {
        reply_error(s, req, route, CONNECT_UNAUTHENTICATED, 0,
                    "the token is not valid (unknown, revoked or mistyped)");
        return false;
    }
    if (err != LEDGER_OK) {
        char message[256];
        snprintf(message, sizeof message, "checking the token: %s", ledger_strerror(err));
        reply_error(s, req, route, connect_code_of_ledger(err), 0, message);
        return false;
    }
    if ((c->token.roles & route->role) == 0) {
        char roles[64];
        ledger_roles_format(route->role, roles, sizeof roles);
        char message[256];
        bool several = (route->role & (route->role - 1)) != 0;
        snprintf(message, sizeof message, "%s needs a token with %s '%s'", route->method,
                 several ? "one of the roles" : "the role", roles);
        reply_error(s, req, route, CONNECT_PERMISSION_DENIED, 0, message);
        return false;
    }
    return true;
}

/* The body as the route's input message, in the arena; NULL with `why`.
 * Runs on the loop's thread or the offload thread. */
static const ProtobufCMessage *message_decode(const rpc_route *route, struct evbuffer *in,
                                              rpc_arena *arena, bool json, char *why,
                                              size_t why_cap)
{
    size_t len = evbuffer_get_length(in);
    const uint8_t *data = len ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
    const ProtobufCMessage *msg = NULL;
    if (json) {
        msg = pbjson_decode(route->input, (const char *)data, len, arena, RPC_STRING_BYTES_MAX,
                            why, why_cap);
    } else {
        ProtobufCAllocator allocator;
        rpc_arena_allocator(arena, &allocator);
        msg = protobuf_c_message_unpack(route->input, &allocator, len, data);
        if (msg == NULL)
            snprintf(why, why_cap, "the body is not a valid %s message (or is too large)",
                     route->input->name);
        else if (pbjson_check(msg, RPC_STRING_BYTES_MAX, why, why_cap) != 0)
            msg = NULL;
    }
    return msg;
}

static const ProtobufCMessage *body_decode(server *s, struct evhttp_request *req,
                                           const rpc_route *route, rpc_arena *arena, bool json)
{
    char why[CONNECT_MESSAGE_MAX];
    const ProtobufCMessage *msg = message_decode(route, evhttp_request_get_input_buffer(req),
                                                 arena, json, why, sizeof why);
    if (msg == NULL)
        reply_error(s, req, route, CONNECT_INVALID_ARGUMENT, 0, why);
    return msg;
}

/* A write the writer's queue did not take. */
static void reply_refused(server *s, struct evhttp_request *req, const rpc_route *route)
{
    reply_error(s, req, route, s->stopping ? CONNECT_UNAVAILABLE : CONNECT_RESOURCE_EXHAUSTED,
                0,
                s->stopping ? "the server is stopping; retry later"
                            : "the posting queue is full; retry shortly");
}

static void on_conn_gone(void *arg)
{
    pending *p = arg;
    p->req = NULL; /* evhttp frees the request: the commit goes on, the reply is dropped */
    p->conn = NULL;
}

static void pending_free(pending *p)
{
    if (p->body != NULL)
        evbuffer_free(p->body);
    if (p->out != NULL)
        evbuffer_free(p->out);
    rpc_arena_destroy(p->call.arena);
    free(p);
}

/* The writer is done with a posting: answer it, if its client is still
 * there. */
static void on_job_done(rpc_job *job)
{
    pending *p = job->ctx;
    server *s = p->srv;
    uint64_t posted = 0, refused = 0;
    for (uint32_t i = 0; job->err == LEDGER_OK && i < job->request.entries_count; i++) {
        int err = job->request.results[i].err;
        posted += err == LEDGER_OK;
        refused += err != LEDGER_OK && err != LEDGER_EXISTS; /* a retry is not refused */
    }
    rpc_metrics_entries(&s->metrics, posted, refused);
    /* A large request's reply (8,000 results) is built off the loop too. */
    p->finished = true;
    if (p->body != NULL && p->req != NULL && s->offload != NULL &&
        rpc_offload_submit(s->offload, &p->item) == 0)
        return;
    p->route->finish(&p->call);
    if (p->req != NULL) {
        rpc_conn_unwatch(p->conn);
        reply_call(s, p->req, p->route, &p->call, p->json);
    } else {
        rpc_metrics_request(&s->metrics, p->route, CONNECT_CANCELED);
    }
    pending_free(p);
}

/* On the offload thread: the call's response into p->out. */
static void offload_encode(pending *p)
{
    rpc_call *c = &p->call;
    if (c->code != CONNECT_OK || c->response == NULL)
        return; /* the loop answers the error */
    p->out = evbuffer_new();
    if (p->out == NULL || message_encode(c->response, p->json, p->out) != 0) {
        c->code = CONNECT_RESOURCE_EXHAUSTED;
        snprintf(c->message, sizeof c->message, "out of memory encoding the reply");
        return;
    }
    p->encoded = true;
}

/* On the offload thread: decode, handle and submit, or, back from the
 * writer, finish; true to answer on the loop (a reply, an error, a
 * refusal). Touches neither the request nor the connection: the loop may
 * drop them meanwhile. */
static bool offload_work(rpc_offload_item *item, void *ctx)
{
    server *s = ctx;
    pending *p = (pending *)item;
    rpc_call *c = &p->call;
    if (p->finished) {
        p->route->finish(c);
        offload_encode(p);
        return true;
    }
    c->request =
        message_decode(p->route, p->body, c->arena, p->json, c->message, sizeof c->message);
    if (c->request == NULL) {
        c->code = CONNECT_INVALID_ARGUMENT;
        return true;
    }
    if (p->route->handle(c) != RPC_SUBMIT) {
        offload_encode(p);
        return true;
    }
    /* The writer outlives this thread: the server stops this one first. */
    p->refused = rpc_writer_submit(s->writer, &c->job) != 0;
    return p->refused;
}

/* On the loop's thread: an offloaded request that did not go to the writer. */
static void offload_back(rpc_offload_item *item, void *ctx)
{
    server *s = ctx;
    pending *p = (pending *)item;
    if (p->req == NULL) {
        rpc_metrics_request(&s->metrics, p->route, CONNECT_CANCELED);
    } else {
        rpc_conn_unwatch(p->conn);
        if (p->refused) {
            reply_refused(s, p->req, p->route);
        } else if (p->encoded) {
            evbuffer_add_buffer(evhttp_request_get_output_buffer(p->req), p->out);
            reply_encoded(s, p->req, p->route, p->json);
        } else {
            reply_call(s, p->req, p->route, &p->call, p->json);
        }
    }
    pending_free(p);
}

/* Hands a large body to the offload thread; false if it stays here. */
static bool offload(server *s, pending *p)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(p->req);
    if (s->offload == NULL || evbuffer_get_length(in) < OFFLOAD_BODY_BYTES ||
        (p->body = evbuffer_new()) == NULL)
        return false;
    evbuffer_add_buffer(p->body, in); /* moves the chains, copies nothing */
    rpc_conn_watch(p->conn, on_conn_gone, p);
    if (rpc_offload_submit(s->offload, &p->item) == 0)
        return true;
    rpc_conn_unwatch(p->conn);
    evbuffer_add_buffer(in, p->body);
    return false;
}

static void rpc_request(server *s, struct evhttp_request *req, rpc_conn *conn,
                        const char *method)
{
    const rpc_route *route = rpc_route_find(method, strlen(method));
    if (route == NULL) {
        reply_error(s, req, NULL, CONNECT_UNIMPLEMENTED, 404,
                    "no such method in cauris.v1.Ledger");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        reply_error(s, req, route, CONNECT_UNIMPLEMENTED, 405, "Connect unary calls use POST");
        return;
    }
    int json = content_type_parse(
        evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type"));
    if (json < 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Accept-Post",
                          "application/json, application/proto");
        reply_error(s, req, route, CONNECT_INVALID_ARGUMENT, 415,
                    "Content-Type must be application/proto or application/json");
        return;
    }
    pending *p = calloc(1, sizeof *p);
    size_t body = evbuffer_get_length(evhttp_request_get_input_buffer(req));
    rpc_arena *arena = rpc_arena_create(ARENA_BYTES_BASE + ARENA_BODY_FACTOR * body);
    if (p == NULL || arena == NULL) {
        free(p);
        rpc_arena_destroy(arena);
        reply_error(s, req, route, CONNECT_RESOURCE_EXHAUSTED, 0, "out of memory");
        return;
    }
    p->srv = s;
    p->route = route;
    p->req = req;
    p->conn = conn;
    p->json = json == 1;
    p->call.ledger = s->ledger;
    p->call.arena = arena;
    p->call.entries_max = s->opt.entries_per_request_max;
    p->call.job.ctx = p;
    if (!authenticate(s, req, route, &p->call)) {
        pending_free(p);
        return;
    }
    if (offload(s, p))
        return;
    if ((p->call.request = body_decode(s, req, route, arena, p->json)) == NULL) {
        pending_free(p);
        return;
    }
    if (route->handle(&p->call) == RPC_SUBMIT) {
        if (s->stopping || rpc_writer_submit(s->writer, &p->call.job) != 0) {
            reply_refused(s, req, route);
            pending_free(p);
            return;
        }
        rpc_conn_watch(conn, on_conn_gone, p);
        return;
    }
    reply_call(s, req, route, &p->call, p->json);
    pending_free(p);
}

/* ---- plain paths ---- */

static void metrics_request(server *s, struct evhttp_request *req)
{
    rpc_metrics_gauges g = {0};
    rpc_writer_stats ws = {0};
    if (s->writer != NULL)
        rpc_writer_stats_get(s->writer, &ws);
    g.queued_entries = ws.queued_entries;
    g.connections_open = rpc_conns_open(s->conns);
    char note[LEDGER_CHECKPOINT_MAX];
    size_t len;
    ledger_checkpoint_latest(s->ledger, note, sizeof note, &len, &g.tree_size);
    ledger_storage_stats st;
    if (ledger_storage_stats_get(s->ledger, &st) == LEDGER_OK) {
        g.map_size_bytes = st.map_size_bytes;
        g.map_used_bytes = st.map_used_bytes;
    }
    size_t text_len = 0;
    char *text = rpc_metrics_render(&s->metrics, &g, &text_len);
    if (text == NULL) {
        reply_error(s, req, NULL, CONNECT_RESOURCE_EXHAUSTED, 0, "out of memory");
        return;
    }
    evbuffer_add_reference(evhttp_request_get_output_buffer(req), text, text_len, free_text,
                           NULL);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    server *s = arg;
    rpc_conn *conn = rpc_conn_admit(s->conns, evhttp_request_get_connection(req));
    if (conn == NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        reply_error(s, req, NULL, CONNECT_UNAVAILABLE, 0,
                    "too many connections to this server; retry shortly");
        return;
    }
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (path == NULL)
        path = "";
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
    if (strncmp(path, SERVICE_PREFIX, strlen(SERVICE_PREFIX)) == 0) {
        rpc_request(s, req, conn, path + strlen(SERVICE_PREFIX));
    } else if (strcmp(path, "/healthz") == 0 && get) {
        evbuffer_add(evhttp_request_get_output_buffer(req), "ok\n", 3);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
        evhttp_send_reply(req, 200, "OK", NULL);
    } else if (strcmp(path, "/metrics") == 0 && get) {
        metrics_request(s, req);
    } else {
        reply_error(s, req, NULL, CONNECT_NOT_FOUND, 404,
                    "no such path; calls are POST /cauris.v1.Ledger/<Method>");
    }
}

/* ---- start and stop ---- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    server *s = arg;
    if (s->stopping)
        return;
    s->stopping = true;
    rpc_log(RPC_LOG_INFO, "signal %d: stopping; finishing queued commits", (int)sig);
    if (s->bound != NULL) {
        evhttp_del_accept_socket(s->http, s->bound);
        s->bound = NULL;
    }
    /* Decodes what was handed off, commits what is queued and answers it;
     * then lets the replies drain. */
    rpc_offload_stop(s->offload);
    s->offload = NULL;
    rpc_writer_stop(s->writer);
    s->writer = NULL;
    struct timeval tv = {0, STOP_FLUSH_MS * 1000};
    event_base_loopexit(s->base, &tv);
}

static int port_file_write(const char *path, uint16_t port)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%u\n", (unsigned)port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

static int listen_start(server *s)
{
    s->bound = evhttp_bind_socket_with_handle(s->http, s->opt.listen_host, s->opt.port);
    if (s->bound == NULL) {
        rpc_log(RPC_LOG_ERROR, "cannot listen on %s:%u: %s", s->opt.listen_host,
                (unsigned)s->opt.port, strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    uint16_t port = s->opt.port;
    if (getsockname(evhttp_bound_socket_get_fd(s->bound), (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    if (s->opt.port_file != NULL && port_file_write(s->opt.port_file, port) != 0) {
        rpc_log(RPC_LOG_ERROR, "cannot write the port file %s: %s", s->opt.port_file,
                strerror(errno));
        return -1;
    }
    rpc_log(RPC_LOG_INFO, "serving %s on http://%s:%u", s->opt.data_dir, s->opt.listen_host,
            (unsigned)port);
    return 0;
}

static void on_commit(void *ctx, uint64_t entries, uint64_t micros, bool wrote,
                      const ledger_commit_info *info)
{
    server *s = ctx;
    if (!wrote)
        return; /* nothing written: no fsync, no checkpoint */
    rpc_metrics_commit(&s->metrics, micros);
    rpc_log(RPC_LOG_DEBUG, "commit: %llu entries, tree size %llu, %llu us",
            (unsigned long long)entries, (unsigned long long)info->tree_size,
            (unsigned long long)micros);
}

static int http_start(server *s)
{
    s->http = evhttp_new(s->base);
    if (s->http == NULL)
        return -1;
    evhttp_set_gencb(s->http, on_request, s);
    evhttp_set_timeout(s->http, (int)s->opt.timeout_s);
    evhttp_set_max_headers_size(s->http, RPC_HEADERS_BYTES_MAX);
    evhttp_set_max_body_size(s->http, (ev_ssize_t)s->opt.body_bytes_max);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    s->conns =
        rpc_conns_attach(s->http, s->opt.connections_max, s->opt.body_bytes_max, &s->metrics);
    if (s->conns == NULL)
        return -1;
    return listen_start(s);
}

static void server_free(server *s)
{
    if (s->offload != NULL)
        rpc_offload_stop(s->offload);
    if (s->writer != NULL)
        rpc_writer_stop(s->writer);
    if (s->http != NULL)
        evhttp_free(s->http);
    rpc_conns_free(s->conns);
    if (s->sig_int != NULL)
        event_free(s->sig_int);
    if (s->sig_term != NULL)
        event_free(s->sig_term);
    if (s->base != NULL)
        event_base_free(s->base);
    if (s->ledger != NULL)
        ledger_close(s->ledger);
    rpc_metrics_destroy(&s->metrics);
}

int rpc_server_run(const rpc_server_options *o)
{
    server s;
    memset(&s, 0, sizeof s);
    s.opt = *o;
    rpc_log_setup(o->log_level, o->log);
    rpc_metrics_init(&s.metrics);
    signal(SIGPIPE, SIG_IGN);
    int rc = -1;
    ledger_options lo = {.passphrase = o->passphrase};
    int err = o->data_dir ? ledger_open(&s.ledger, o->data_dir, &lo) : LEDGER_INVALID_ARGUMENT;
    if (err != LEDGER_OK) {
        rpc_log(RPC_LOG_ERROR, "cannot open the ledger %s: %s",
                o->data_dir ? o->data_dir : "(none)", ledger_strerror(err));
        goto done;
    }
    if (evthread_use_pthreads() != 0 || (s.base = event_base_new()) == NULL) {
        rpc_log(RPC_LOG_ERROR, "cannot start the event loop");
        goto done;
    }
    s.writer = rpc_writer_start(s.ledger, s.base, on_job_done, o->queue_entries_max,
                                o->commit_entries_max);
    if (s.writer == NULL) {
        rpc_log(RPC_LOG_ERROR, "cannot start the writer thread");
        goto done;
    }
    rpc_writer_observe(s.writer, on_commit, &s);
    s.offload = rpc_offload_start(s.base, offload_work, offload_back, &s);
    if (s.offload == NULL) {
        rpc_log(RPC_LOG_ERROR, "cannot start the offload thread");
        goto done;
    }
    s.sig_int = evsignal_new(s.base, SIGINT, on_signal, &s);
    s.sig_term = evsignal_new(s.base, SIGTERM, on_signal, &s);
    if (s.sig_int == NULL || s.sig_term == NULL || evsignal_add(s.sig_int, NULL) != 0 ||
        evsignal_add(s.sig_term, NULL) != 0 || http_start(&s) != 0)
        goto done;
    event_base_dispatch(s.base);
    rpc_log(RPC_LOG_INFO, "stopped");
    rc = 0;
done:
    server_free(&s);
    return rc;
}
