/*
 * client.c — the C client of cauris.v1.Ledger, used by the CLI's --server
 * mode and by the tests: Connect unary over HTTP/1.1 on libevent's HTTP
 * client, one keep-alive connection per client.
 *
 * Requests are given and replies returned as proto3 JSON text, so callers
 * need neither protobuf-c nor the generated code; with `binary` the JSON is
 * turned into the binary message here (rpc/pbjson.c, the same codec as the
 * server's) and the binary reply back into JSON.
 *
 * Never: retry on its own (a retried post is the caller's decision, made
 * safe by client ids).
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cauris/v1/ledger.pb-c.h"
#include "rpc/arena.h"
#include "rpc/connect.h"
#include "rpc/pbjson.h"
#include "rpc/rpc.h"

#define CLIENT_TIMEOUT_S 120
#define CLIENT_REPLY_BYTES_MAX ((size_t)256 << 20)
#define CLIENT_ARENA_BYTES ((size_t)1 << 30) /* the client trusts its server */

struct rpc_client {
    struct event_base *base;
    struct evhttp_connection *conn;
    char host[256];
    uint16_t port;
    char authorization[RPC_TOKEN_MAX + 8];
};

/* One call's outcome, filled by the response callback. */
typedef struct reply {
    bool done;
    int status; /* 0: no HTTP response */
    char content_type[64];
    struct evbuffer *body;
} reply;

static int error_set(rpc_error *err, const char *code, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int error_set(rpc_error *err, const char *code, int status, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    snprintf(err->code, sizeof err->code, "%s", code);
    err->http_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* "http://host:port" (port default 80). */
static int url_parse(rpc_client *c, const char *url, rpc_error *err)
{
    if (strlen(url) >= RPC_URL_MAX)
        return error_set(err, "invalid_argument", 0, "the server URL is too long");
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *host = u ? evhttp_uri_get_host(u) : NULL;
    if (u == NULL || scheme == NULL || strcmp(scheme, "http") != 0 || host == NULL ||
        strlen(host) >= sizeof c->host) {
        if (u != NULL)
            evhttp_uri_free(u);
        return error_set(err, "invalid_argument", 0,
                         "'%s' is not a server URL like http://127.0.0.1:8080", url);
    }
    snprintf(c->host, sizeof c->host, "%s", host);
    int port = evhttp_uri_get_port(u);
    c->port = (uint16_t)(port > 0 ? port : 80);
    evhttp_uri_free(u);
    return 0;
}

int rpc_client_open(rpc_client **out, const char *url, const char *token, rpc_error *err)
{
    rpc_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return error_set(err, "resource_exhausted", 0, "out of memory");
    if (url_parse(c, url, err) != 0) {
        free(c);
        return -1;
    }
    if (token != NULL) {
        if (strlen(token) > RPC_TOKEN_MAX || strpbrk(token, "\r\n") != NULL) {
            free(c);
            return error_set(err, "invalid_argument", 0, "the token is not a cauris token");
        }
        snprintf(c->authorization, sizeof c->authorization, "Bearer %s", token);
    }
    c->base = event_base_new();
    c->conn = c->base ? evhttp_connection_base_new(c->base, NULL, c->host, c->port) : NULL;
    if (c->conn == NULL) {
        rpc_client_close(c);
        return error_set(err, "resource_exhausted", 0, "cannot set up a connection");
    }
    evhttp_connection_set_timeout(c->conn, CLIENT_TIMEOUT_S);
    *out = c;
    return 0;
}

void rpc_client_close(rpc_client *c)
{
    if (c == NULL)
        return;
    if (c->conn != NULL)
        evhttp_connection_free(c->conn);
    if (c->base != NULL)
        event_base_free(c->base);
    free(c);
}

static void on_response(struct evhttp_request *req, void *arg)
{
    reply *r = arg;
    r->done = true;
    if (req == NULL || evhttp_request_get_response_code(req) == 0)
        return; /* connection refused, reset or timed out */
    r->status = evhttp_request_get_response_code(req);
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    snprintf(r->content_type, sizeof r->content_type, "%s", ct ? ct : "");
    evbuffer_add_buffer(r->body, evhttp_request_get_input_buffer(req));
}

/* POSTs body to /cauris.v1.Ledger/<method>; fills r. */
static int http_post(rpc_client *c, const char *method, const void *body, size_t len,
                     bool binary, reply *r, rpc_error *err)
{
    struct evhttp_request *req = evhttp_request_new(on_response, r);
    if (req == NULL)
        return error_set(err, "resource_exhausted", 0, "out of memory");
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char host[300];
    snprintf(host, sizeof host, "%s:%u", c->host, (unsigned)c->port);
    evhttp_add_header(h, "Host", host);
    evhttp_add_header(h, "Content-Type", binary ? "application/proto" : "application/json");
    evhttp_add_header(h, "Connect-Protocol-Version", "1");
    if (c->authorization[0] != '\0')
        evhttp_add_header(h, "Authorization", c->authorization);
    evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
    char path[RPC_METHOD_MAX + 32];
    snprintf(path, sizeof path, "/cauris.v1.Ledger/%s", method);
    if (evhttp_make_request(c->conn, req, EVHTTP_REQ_POST, path) != 0)
        return error_set(err, "unavailable", 0, "cannot send the request to %s:%u", c->host,
                         (unsigned)c->port);
    while (!r->done)
        if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
            break;
    if (r->status == 0)
        return error_set(err, "unavailable", 0, "no reply from %s:%u (is caurisd running?)",
                         c->host, (unsigned)c->port);
    return 0;
}

/* A Connect error body (or its absence) into err. */
static int error_from_reply(const reply *r, rpc_error *err)
{
    size_t len = evbuffer_get_length(r->body);
    const char *text = (const char *)evbuffer_pullup(r->body, -1);
    json_t *j = len ? json_loadb(text, len, 0, NULL) : NULL;
    const char *code = j ? json_string_value(json_object_get(j, "code")) : NULL;
    const char *message = j ? json_string_value(json_object_get(j, "message")) : NULL;
    if (code != NULL)
        error_set(err, code, r->status, "%s", message ? message : "");
    else
        error_set(err, connect_code_name(connect_code_of_http_status(r->status)), r->status,
                  "HTTP %d without a Connect error body", r->status);
    json_decref(j);
    return -1;
}

static const ProtobufCMethodDescriptor *method_find(const char *method)
{
    return protobuf_c_service_descriptor_get_method_by_name(&cauris__v1__ledger__descriptor,
                                                            method);
}

/* JSON text -> binary message, from the arena. */
static int json_to_binary(const ProtobufCMessageDescriptor *d, const char *json, rpc_arena *a,
                          uint8_t **out, size_t *len_out, rpc_error *err)
{
    char why[PBJSON_ERROR_BYTES_MAX];
    ProtobufCMessage *m =
        pbjson_decode(d, json, strlen(json), a, RPC_STRING_BYTES_MAX, why, sizeof why);
    if (m == NULL)
        return error_set(err, "invalid_argument", 0, "request: %s", why);
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = rpc_arena_alloc(a, len ? len : 1);
    if (buf == NULL)
        return error_set(err, "resource_exhausted", 0, "out of memory");
    *len_out = protobuf_c_message_pack(m, buf);
    *out = buf;
    return 0;
}

static int reply_to_json(const ProtobufCMessageDescriptor *d, reply *r, bool binary,
                         rpc_arena *a, char **out, rpc_error *err)
{
    size_t len = evbuffer_get_length(r->body);
    const uint8_t *data = len ? evbuffer_pullup(r->body, -1) : (const uint8_t *)"";
    if (len > CLIENT_REPLY_BYTES_MAX)
        return error_set(err, "resource_exhausted", r->status, "reply too large");
    if (!binary) {
        char *text = malloc(len + 1);
        if (text == NULL)
            return error_set(err, "resource_exhausted", 0, "out of memory");
        memcpy(text, data, len);
        text[len] = '\0';
        *out = text;
        return 0;
    }
    ProtobufCAllocator allocator;
    rpc_arena_allocator(a, &allocator);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &allocator, len, data);
    size_t text_len;
    if (m == NULL || pbjson_encode(m, out, &text_len) != 0)
        return error_set(err, "internal", r->status, "the reply is not a valid %s", d->name);
    return 0;
}

int rpc_client_call(rpc_client *c, const char *method, const char *request_json, bool binary,
                    char **reply_json_out, rpc_error *err)
{
    const ProtobufCMethodDescriptor *md = method_find(method);
    if (md == NULL)
        return error_set(err, "unimplemented", 0, "no method %s in cauris.v1.Ledger", method);
    rpc_arena *arena = rpc_arena_create(CLIENT_ARENA_BYTES);
    reply r = {.body = evbuffer_new()};
    int rc = -1;
    if (arena == NULL || r.body == NULL) {
        error_set(err, "resource_exhausted", 0, "out of memory");
        goto done;
    }
    const void *body = request_json;
    size_t len = strlen(request_json);
    if (binary) {
        uint8_t *bin = NULL;
        if (json_to_binary(md->input, request_json, arena, &bin, &len, err) != 0)
            goto done;
        body = bin;
    }
    if (http_post(c, method, body, len, binary, &r, err) != 0)
        goto done;
    if (r.status != 200) {
        error_from_reply(&r, err);
        goto done;
    }
    rc = reply_to_json(md->output, &r, binary, arena, reply_json_out, err);
done:
    if (r.body != NULL)
        evbuffer_free(r.body);
    rpc_arena_destroy(arena);
    return rc;
}
