/*
 * e2e.h — end-to-end helpers: a real ledger directory made with the real
 * `cauris` binary, the real server (`cauris serve`) started on a free
 * loopback port in its own process, raw HTTP exchanges for the tests that
 * must send what no well-behaved client sends, and the C client for the
 * rest. The cauris binary is the one tests/run.c found (tr_init first).
 */
#ifndef CAURIS_TESTS_E2E_H
#define CAURIS_TESTS_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "rpc/rpc.h"

#define E2E_PROGRAMME "demo"
#define E2E_CAPITAL_RATE_BP 1000 /* a wage of 75,000 is 67,500 wallet, 7,500 capital */

typedef struct e2e_server {
    char dir[256];
    pid_t pid;
    uint16_t port;
    char url[64];
    /* Partner mfi1's tokens. `token` ("e2e-poster") may also post transfers,
     * which are the accountants' (admin). */
    char token[LEDGER_TOKEN_TEXT_MAX + 1];         /* post, read, admin */
    char read_token[LEDGER_TOKEN_TEXT_MAX + 1];    /* read only */
    char approve_token[LEDGER_TOKEN_TEXT_MAX + 1]; /* approve, read ("e2e-approver") */
} e2e_server;

/* Makes a ledger in `dir` (missing or empty) with the library: programme
 * "demo" (GNF) with a capital rate of E2E_CAPITAL_RATE_BP, the account
 * partner:mfi1:cash, and participants P1..P<participants> enrolled (phase
 * 1, CSO mfi1, cohort C1; wallet, capital and grant accounts). No token. */
void e2e_ledger_make(const char *dir, int participants);
/* e2e_ledger_make in a new temporary directory, and the tokens. Does not
 * start the server. */
void e2e_ledger_create(e2e_server *s, int participants);
/* Starts `cauris serve` on the ledger with extra options (NULL-terminated
 * list, may be empty); waits until it listens. */
void e2e_start(e2e_server *s, const char *const *extra);
/* SIGTERM and wait: asserts a clean exit. */
void e2e_stop(e2e_server *s);
/* SIGTERM, then wait at most `ms` milliseconds (then SIGKILL and wait).
 * Returns 0 when the server exited by itself with status 0, else -1 and
 * says why on stderr. Asserts nothing: for a teardown's return value. */
int e2e_stop_within(e2e_server *s, int ms);
/* SIGKILL and wait. */
void e2e_kill(e2e_server *s);
/* A cmocka teardown: kills the servers and removes the ledgers that a
 * failed test left behind. */
int e2e_cleanup(void **state);
/* Removes the directory (the server must be stopped). */
void e2e_remove(e2e_server *s);

/* A connected socket to the server, for the tests that hold one open. */
int e2e_connect_raw(const e2e_server *s);

/* Sends `request` on a new connection and reads the reply until the server
 * closes or a whole response (Content-Length) has arrived, at most `cap`-1
 * bytes, NUL-terminated. Returns the HTTP status, 0 when no reply came. */
int e2e_http(const e2e_server *s, const void *request, size_t len, char *reply, size_t cap);
/* Builds a POST to /cauris.v1.Ledger/<method> with the given content type,
 * token (NULL: none) and body, and sends it with e2e_http. */
int e2e_post(const e2e_server *s, const char *method, const char *content_type,
             const char *token, const void *body, size_t body_len, char *reply, size_t cap);
/* The body of a reply (after the blank line), or "" */
const char *e2e_body(const char *reply);

/* A JSON call through the C client (binary when `binary`); returns 0 and a
 * malloc'd reply, or -1 with the Connect code in code[32]. */
int e2e_call(const e2e_server *s, const char *token, const char *method, const char *json,
             bool binary, char **reply, char code[32]);
/* A balance read through GetBalances. */
int64_t e2e_balance(const e2e_server *s, const char *account);
/* The ledger's tree size through GetCheckpoint. */
uint64_t e2e_tree_size(const e2e_server *s);

/* ---- JSON calls through the C client, for the scenario tests ---- */

/* Calls `method` with `req` (taken) as JSON, or binary when `binary`;
 * returns 0 and the parsed reply, or -1 with the Connect code and message. */
int e2e_json_call_any(const e2e_server *s, const char *token, const char *method, json_t *req,
                      bool binary, json_t **reply_out, rpc_error *err);
/* A call that must succeed (JSON on the wire). */
json_t *e2e_json_call(const e2e_server *s, const char *token, const char *method, json_t *req);
/* A call that must fail with Connect `code` and a message holding `words`
 * (NULL: any). */
void e2e_json_call_fails(const e2e_server *s, const char *token, const char *method,
                         json_t *req, const char *code, const char *words);
/* A 64-bit integer as proto3 JSON writes it (a string). */
json_t *e2e_json_i64(int64_t v);
/* An integer field of a reply: proto3 JSON omits zeros and writes 64-bit
 * integers as strings. */
int64_t e2e_json_i64_of(json_t *obj, const char *key);
/* The Result name of a PostEntries reply's i-th result ("RESULT_OK" when
 * omitted, as proto3 JSON does for zero). */
const char *e2e_result_at(json_t *resp, size_t i);
/* A token of the ledger, made before the server starts. */
void e2e_token_make(const e2e_server *s, const char *partner, const char *name, uint32_t roles,
                    char out[LEDGER_TOKEN_TEXT_MAX + 1]);

#endif
