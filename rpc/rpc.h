/*
 * rpc.h — the public interface of cauris's RPC layer: the server (caurisd,
 * run by `cauris serve`) and the C client the CLI uses with --server.
 *
 * The server speaks Connect unary over HTTP/1.1 (proto/cauris/v1/ledger.proto)
 * on libevent, with binary protobuf and proto3 JSON bodies. It holds no
 * ledger rule: every request becomes calls to ledger/ledger.h. This header
 * includes neither libevent nor protobuf-c, so the CLI and the tests see
 * plain C types only.
 */
#ifndef CAURIS_RPC_H
#define CAURIS_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Limits: defaults of the server's options, each one named. ---- */

#define RPC_BODY_BYTES_MAX_DEFAULT ((size_t)16 << 20) /* request body, bytes */
#define RPC_BODY_BYTES_MAX_LIMIT ((size_t)256 << 20)  /* the most it may be set to */
#define RPC_HEADERS_BYTES_MAX 16384                   /* request line + headers */
#define RPC_CONNECTIONS_MAX_DEFAULT 256u
#define RPC_TIMEOUT_S_DEFAULT 30u             /* to receive a request's headers and body */
#define RPC_QUEUE_ENTRIES_MAX_DEFAULT 262144u /* entries waiting for the writer */
#define RPC_COMMIT_ENTRIES_MAX_DEFAULT 65536u /* entries in one group commit */
#define RPC_STRING_BYTES_MAX 4096             /* any string field of a request */
#define RPC_ACCOUNTS_MAX 1000                 /* accounts in one GetBalances */
#define RPC_METHOD_MAX 64                     /* method name, bytes */
#define RPC_URL_MAX 512
#define RPC_HOST_MAX 255 /* listen address, bytes */
#define RPC_TOKEN_MAX 128
#define RPC_ERROR_MESSAGE_MAX 512

typedef enum rpc_log_level {
    RPC_LOG_DEBUG = 0,
    RPC_LOG_INFO = 1,
    RPC_LOG_WARN = 2,
    RPC_LOG_ERROR = 3,
} rpc_log_level;

/* ---- Server ---- */

typedef struct rpc_server_options {
    const char *data_dir;               /* the ledger directory (required) */
    char listen_host[RPC_HOST_MAX + 1]; /* default "127.0.0.1" */
    uint16_t port;                      /* default 8080; 0 = any free port */
    const char *port_file;              /* if set, the bound port is written there */
    const char *passphrase;             /* for a sealed signing key; NULL otherwise */
    size_t body_bytes_max;
    uint32_t entries_per_request_max; /* <= LEDGER_REQUEST_ENTRIES_MAX */
    uint32_t connections_max;
    uint32_t timeout_s;
    uint32_t queue_entries_max;
    uint32_t commit_entries_max; /* <= LEDGER_BATCH_ENTRIES_MAX */
    rpc_log_level log_level;
    FILE *log;         /* default stderr */
    char *config_text; /* the config file's text, which strings borrow */
} rpc_server_options;

/* Fills `o` with the defaults above (data_dir NULL). */
void rpc_server_options_default(rpc_server_options *o);

/* Parses one option given by its long name ("listen", "data-dir", "port-file",
 * "body-bytes-max", "entries-max", "connections-max", "timeout-s",
 * "queue-entries-max", "commit-entries-max", "log-level") and its value into
 * `o`. Strings are borrowed: `value` must outlive `o`. 0 on success, -1 with
 * a sentence in `err` otherwise. */
int rpc_server_option_set(rpc_server_options *o, const char *name, const char *value, char *err,
                          size_t err_cap);

/* Reads a config file of "name = value" lines (the names above; '#' starts a
 * comment) into `o`. The file's text stays in o->config_text, which the
 * options' strings borrow, until rpc_server_options_release(). 0 on
 * success, -1 with "FILE:LINE: why" in `err`. */
int rpc_config_load(rpc_server_options *o, const char *path, char *err, size_t err_cap);
/* Frees what rpc_config_load kept; the options' strings are then invalid. */
void rpc_server_options_release(rpc_server_options *o);

/* Opens the ledger, starts the writer thread, listens and serves until
 * SIGINT or SIGTERM, then stops accepting, finishes the queued commits and
 * closes the ledger. Returns 0 after a clean stop, -1 if it could not start
 * (the reason is logged). */
int rpc_server_run(const rpc_server_options *o);

/* ---- Client ---- */

typedef struct rpc_client rpc_client;

/* A Connect error as the client saw it: the code name ("not_found", ...,
 * or "unavailable" when the server could not be reached) and the message. */
typedef struct rpc_error {
    char code[32];
    char message[RPC_ERROR_MESSAGE_MAX];
    int http_status; /* 0 when no HTTP reply came */
} rpc_error;

/* Connects to `url` ("http://host:port"); `token` may be NULL. The client
 * keeps one keep-alive connection. Free with rpc_client_close(). */
int rpc_client_open(rpc_client **out, const char *url, const char *token, rpc_error *err);
void rpc_client_close(rpc_client *c);

/* Calls `method` (e.g. "GetBalances") with a request written as proto3 JSON.
 * With `binary` the request and reply travel as application/proto (encoded
 * and decoded here from the JSON), otherwise as application/json. On success
 * *reply_json_out is a malloc'd NUL-terminated JSON text the caller frees.
 * Returns 0, or -1 with `err` filled. */
int rpc_client_call(rpc_client *c, const char *method, const char *request_json, bool binary,
                    char **reply_json_out, rpc_error *err);

#endif /* CAURIS_RPC_H */
