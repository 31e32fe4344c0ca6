/*
 * test_rpc.c — the real server (`cauris serve`) on a loopback port, called
 * through the C client in binary and JSON and with raw HTTP: posting and
 * queries, idempotent retries after a dropped connection, concurrent
 * connections, a SIGKILL in the middle of a posting loop, bad input, tokens
 * and roles, limits, metrics and the config file. Every test checks
 * outcomes: balances, seqs, Connect codes, and that refused input wrote
 * nothing.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger/ledger.h"
#include "rpc/rpc.h"
#include "tests/e2e.h"
#include "tests/run.h"

#define REPLY_MAX 65536

/* {"entries":[ one transfer ]} */
static void transfer_json(char *out, size_t cap, const char *client_id, const char *debit,
                          const char *credit, long long amount)
{
    snprintf(
        out, cap,
        "{\"entries\":[{\"clientId\":\"%s\",\"valueDate\":\"2026-11-13\",\"legs\":["
        "{\"account\":\"%s\",\"debit\":\"%lld\"},{\"account\":\"%s\",\"credit\":\"%lld\"}]}]}",
        client_id, debit, amount, credit, amount);
}

static json_t *call_json(const e2e_server *s, const char *method, const char *req, bool binary)
{
    char *reply = NULL, code[32];
    assert_int_equal(e2e_call(s, s->token, method, req, binary, &reply, code), 0);
    json_t *j = json_loads(reply, 0, NULL);
    assert_non_null(j);
    free(reply);
    return j;
}

static const char *result_of(json_t *resp, size_t i)
{
    json_t *r = json_array_get(json_object_get(resp, "results"), i);
    const char *v = json_string_value(json_object_get(r, "result"));
    return v ? v : "RESULT_OK";
}

static uint64_t seq_of(json_t *resp, size_t i)
{
    json_t *r = json_array_get(json_object_get(resp, "results"), i);
    const char *v = json_string_value(json_object_get(r, "seq"));
    return v ? strtoull(v, NULL, 10) : 0;
}

static void fund(e2e_server *s, const char *id, long long amount)
{
    char req[512];
    transfer_json(req, sizeof req, id, "partner:mfi1:cash", "programme:fund", amount);
    json_t *j = call_json(s, "PostEntries", req, true);
    assert_string_equal(result_of(j, 0), "RESULT_OK");
    json_decref(j);
}

/* Sends a JSON PostEntries and hangs up at once, without reading the reply. */
static void post_and_hang_up(const e2e_server *s, const char *body)
{
    size_t cap = strlen(body) + 1024;
    char *head = malloc(cap);
    assert_non_null(head);
    int n = snprintf(head, cap,
                     "POST /cauris.v1.Ledger/PostEntries HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     s->token, strlen(body), body);
    char reply[16];
    e2e_http(s, head, (size_t)n, reply, 1); /* cap 1: reads nothing */
    free(head);
}

/* ---- posting and queries, binary and JSON ---- */

static void post_and_query(bool binary)
{
    e2e_server s;
    e2e_ledger_create(&s, 2);
    e2e_start(&s, NULL);
    const char *suffix = binary ? "bin" : "json";
    char req[2048], id[64];
    snprintf(id, sizeof id, "fund-%s", suffix);
    transfer_json(req, sizeof req, id, "partner:mfi1:cash", "programme:fund", 1000000);
    json_t *j = call_json(&s, "PostEntries", req, binary);
    assert_string_equal(result_of(j, 0), "RESULT_OK");
    uint64_t fund_seq = seq_of(j, 0);
    const char *checkpoint = json_string_value(json_object_get(j, "checkpoint"));
    assert_non_null(checkpoint);
    assert_non_null(strstr(checkpoint, "cauris/demo/"));
    json_decref(j);

    snprintf(
        req, sizeof req,
        "{\"entries\":["
        "{\"clientId\":\"w1-%s\",\"operation\":\"OPERATION_WAGE\",\"valueDate\":\"2026-11-13\","
        "\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"75000\"},"
        "{\"account\":\"participant:P1:wallet\",\"credit\":\"67500\"},"
        "{\"account\":\"participant:P1:capital\",\"credit\":\"7500\"}]},"
        "{\"clientId\":\"over-%s\",\"valueDate\":\"2026-11-14\",\"legs\":["
        "{\"account\":\"participant:P1:wallet\",\"debit\":\"999999\"},"
        "{\"account\":\"partner:mfi1:cash\",\"credit\":\"999999\"}]},"
        "{\"clientId\":\"pay-%s\",\"operation\":\"OPERATION_PAYOUT\",\"valueDate\":\"2026-11-"
        "15\","
        "\"externalRef\":\"MFI-1\",\"memo\":\"cash\",\"legs\":["
        "{\"account\":\"participant:P1:wallet\",\"debit\":\"7500\"},"
        "{\"account\":\"partner:mfi1:cash\",\"credit\":\"7500\"}]}]}",
        suffix, suffix, suffix);
    j = call_json(&s, "PostEntries", req, binary);
    assert_string_equal(result_of(j, 0), "RESULT_OK");
    assert_string_equal(result_of(j, 1), "RESULT_INSUFFICIENT_FUNDS");
    assert_int_equal(seq_of(j, 1), 0);
    assert_string_equal(result_of(j, 2), "RESULT_OK");
    uint64_t wage_seq = seq_of(j, 0);
    assert_true(wage_seq > fund_seq);
    json_decref(j);

    assert_int_equal(e2e_balance(&s, "participant:P1:wallet"), 60000);
    assert_int_equal(e2e_balance(&s, "participant:P1:capital"), 7500);
    assert_int_equal(e2e_balance(&s, "partner:mfi1:cash"), 1000000 - 7500);

    /* Balances of a participant (wallet, capital, grant), and as of a tree
     * size before the wage. */
    j = call_json(&s, "GetBalances", "{\"participant\":\"P1\"}", binary);
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "GNF");
    assert_int_equal(json_array_size(json_object_get(j, "balances")), 3);
    json_decref(j);
    snprintf(req, sizeof req,
             "{\"accounts\":[\"participant:P1:wallet\"],\"asOfTreeSize\":\"%llu\"}",
             (unsigned long long)wage_seq);
    j = call_json(&s, "GetBalances", req, binary);
    assert_null(json_object_get(json_array_get(json_object_get(j, "balances"), 0), "balance"));
    json_decref(j);

    /* Statement: two lines with running balances, then paging by one. */
    j = call_json(&s, "GetStatement", "{\"account\":\"participant:P1:wallet\"}", binary);
    json_t *lines = json_object_get(j, "lines");
    assert_int_equal(json_array_size(lines), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 0), "credit")),
                        "67500");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(lines, 1), "balanceAfter")), "60000");
    assert_string_equal(json_string_value(json_object_get(j, "closingBalance")), "60000");
    json_decref(j);
    j = call_json(&s, "GetStatement", "{\"account\":\"participant:P1:wallet\",\"pageSize\":1}",
                  binary);
    const char *next = json_string_value(json_object_get(j, "nextPageToken"));
    assert_non_null(next);
    snprintf(req, sizeof req,
             "{\"account\":\"participant:P1:wallet\",\"pageSize\":1,\"pageToken\":\"%s\"}",
             next);
    json_decref(j);
    j = call_json(&s, "GetStatement", req, binary);
    lines = json_object_get(j, "lines");
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 0), "memo")),
                        "cash");
    assert_null(json_object_get(j, "nextPageToken"));
    json_decref(j);

    /* The entry by client id, with its proof; by seq gives the same. */
    snprintf(req, sizeof req, "{\"clientId\":\"w1-%s\"}", suffix);
    j = call_json(&s, "GetEntry", req, binary);
    json_t *e = json_object_get(j, "entry");
    assert_int_equal(strtoull(json_string_value(json_object_get(e, "seq")), NULL, 10),
                     wage_seq);
    assert_string_equal(json_string_value(json_object_get(e, "operation")), "OPERATION_WAGE");
    assert_string_equal(json_string_value(json_object_get(e, "principal")), "e2e-poster");
    assert_int_equal(json_array_size(json_object_get(e, "legs")), 3);
    assert_true(json_array_size(json_object_get(j, "inclusionProof")) > 0);
    assert_non_null(json_string_value(json_object_get(j, "leafHash")));
    json_decref(j);

    j = call_json(&s, "GetCheckpoint", "{}", binary);
    uint64_t size = strtoull(json_string_value(json_object_get(j, "treeSize")), NULL, 10);
    assert_true(size > wage_seq);
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "verifierKey")), "cauris/demo/"));
    json_decref(j);
    snprintf(req, sizeof req, "{\"oldSize\":\"%llu\"}", (unsigned long long)fund_seq + 1);
    j = call_json(&s, "GetConsistencyProof", req, binary);
    assert_true(json_array_size(json_object_get(j, "proof")) > 0);
    json_decref(j);

    j = call_json(&s, "ListAccounts", "{\"prefix\":\"participant:\",\"pageSize\":4}", binary);
    assert_int_equal(json_array_size(json_object_get(j, "accounts")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "nextPageToken")),
                        "participant:P2:capital");
    json_decref(j);

    e2e_stop(&s);
    free(tr_expect(0, "verify", s.dir, NULL));
    e2e_remove(&s);
}

static void test_post_and_query_binary(void **state)
{
    (void)state;
    post_and_query(true);
}

static void test_post_and_query_json(void **state)
{
    (void)state;
    post_and_query(false);
}

/* ---- a retry after the connection dropped before the reply ---- */

static void test_retry_after_dropped_connection(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    e2e_start(&s, NULL);
    fund(&s, "f1", 100000);
    char body[512];
    transfer_json(body, sizeof body, "drop-1", "partner:mfi1:cash", "participant:P1:wallet",
                  2500);
    post_and_hang_up(&s, body);
    /* The client does not know whether it was posted: it retries. */
    json_t *j = call_json(&s, "PostEntries", body, true);
    const char *r = result_of(j, 0);
    assert_true(strcmp(r, "RESULT_OK") == 0 || strcmp(r, "RESULT_EXISTS") == 0);
    json_decref(j);
    j = call_json(&s, "PostEntries", body, false);
    assert_string_equal(result_of(j, 0), "RESULT_EXISTS");
    json_decref(j);
    assert_int_equal(e2e_balance(&s, "participant:P1:wallet"), 2500);
    e2e_stop(&s);
    e2e_remove(&s);
}

/* ---- concurrent connections ---- */

#define POSTERS 8
#define POSTER_REQUESTS 40
#define POSTER_ENTRIES 25

typedef struct poster {
    e2e_server *s;
    int index;
    int ok;
} poster;

static void *poster_main(void *arg)
{
    poster *p = arg;
    rpc_client *c = NULL;
    rpc_error err;
    if (rpc_client_open(&c, p->s->url, p->s->token, &err) != 0)
        return NULL;
    size_t cap = 256 * POSTER_ENTRIES + 64;
    char *req = malloc(cap);
    for (int r = 0; r < POSTER_REQUESTS && req != NULL; r++) {
        size_t len = (size_t)snprintf(req, cap, "{\"entries\":[");
        for (int e = 0; e < POSTER_ENTRIES; e++)
            len += (size_t)snprintf(
                req + len, cap - len,
                "%s{\"clientId\":\"c%d-%d-%d\",\"valueDate\":\"2026-11-13\",\"legs\":["
                "{\"account\":\"programme:wages\",\"debit\":\"10\"},"
                "{\"account\":\"participant:P%d:wallet\",\"credit\":\"10\"}]}",
                e ? "," : "", p->index, r, e, p->index + 1);
        snprintf(req + len, cap - len, "]}");
        char *reply = NULL;
        /* Half the connections speak JSON, half binary. */
        if (rpc_client_call(c, "PostEntries", req, p->index % 2 == 0, &reply, &err) == 0) {
            json_t *j = json_loads(reply, 0, NULL);
            for (int e = 0; e < POSTER_ENTRIES; e++)
                p->ok += strcmp(result_of(j, (size_t)e), "RESULT_OK") == 0;
            json_decref(j);
            free(reply);
        }
    }
    free(req);
    rpc_client_close(c);
    return NULL;
}

static void test_concurrent_connections(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, POSTERS);
    e2e_start(&s, NULL);
    uint64_t size_before = e2e_tree_size(&s);
    pthread_t threads[POSTERS];
    poster posters[POSTERS];
    for (int i = 0; i < POSTERS; i++) {
        posters[i] = (poster){&s, i, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, poster_main, &posters[i]), 0);
    }
    for (int i = 0; i < POSTERS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < POSTERS; i++) {
        char account[64];
        snprintf(account, sizeof account, "participant:P%d:wallet", i + 1);
        assert_int_equal(posters[i].ok, POSTER_REQUESTS * POSTER_ENTRIES);
        assert_int_equal(e2e_balance(&s, account), 10 * POSTER_REQUESTS * POSTER_ENTRIES);
    }
    assert_int_equal(e2e_balance(&s, "programme:wages"),
                     10 * POSTERS * POSTER_REQUESTS * POSTER_ENTRIES);
    /* Every entry is a leaf; batches add one header leaf each, and fewer
     * batches than requests means commits were shared. */
    uint64_t leaves = e2e_tree_size(&s) - size_before;
    uint64_t entries = POSTERS * POSTER_REQUESTS * POSTER_ENTRIES;
    assert_true(leaves > entries && leaves <= entries + POSTERS * POSTER_REQUESTS);
    e2e_stop(&s);
    free(tr_expect(0, "verify", s.dir, NULL));
    e2e_remove(&s);
}

/* ---- SIGKILL in the middle of a posting loop ---- */

#define CRASH_REQUESTS 400

static void test_crash_and_restart(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    e2e_start(&s, NULL);
    /* A child posts one entry per request and records each acknowledged
     * client id on a pipe; the parent kills the server mid-loop. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        rpc_client *c = NULL;
        rpc_error err;
        if (rpc_client_open(&c, s.url, s.token, &err) != 0)
            _exit(2);
        for (int i = 0; i < CRASH_REQUESTS; i++) {
            char req[512], *reply = NULL;
            char id[32];
            snprintf(id, sizeof id, "k%d", i);
            transfer_json(req, sizeof req, id, "programme:wages", "participant:P1:wallet", 100);
            if (rpc_client_call(c, "PostEntries", req, true, &reply, &err) != 0)
                break;
            free(reply);
            if (write(fds[1], &i, sizeof i) != sizeof i)
                break;
        }
        rpc_client_close(c);
        _exit(0);
    }
    close(fds[1]);
    int acked = -1, i;
    while (read(fds[0], &i, sizeof i) == sizeof i) {
        acked = i;
        if (acked == 40)
            e2e_kill(&s);
    }
    close(fds[0]);
    waitpid(child, NULL, 0);
    assert_true(acked >= 40);
    assert_true(acked < CRASH_REQUESTS - 1); /* the kill did interrupt the loop */

    e2e_start(&s, NULL);
    /* Every acknowledged entry is there. */
    for (int k = 0; k <= acked; k++) {
        char req[64], *reply = NULL;
        snprintf(req, sizeof req, "{\"clientId\":\"k%d\"}", k);
        assert_int_equal(e2e_call(&s, s.token, "GetEntry", req, true, &reply, NULL), 0);
        free(reply);
    }
    /* The client retries everything it did not see acknowledged, and more:
     * each entry ends up posted exactly once. */
    int posted_again = 0;
    for (int k = 0; k < CRASH_REQUESTS; k++) {
        char req[512], id[32];
        snprintf(id, sizeof id, "k%d", k);
        transfer_json(req, sizeof req, id, "programme:wages", "participant:P1:wallet", 100);
        json_t *j = call_json(&s, "PostEntries", req, k % 2 == 0);
        const char *r = result_of(j, 0);
        if (k <= acked)
            assert_string_equal(r, "RESULT_EXISTS");
        else
            assert_true(strcmp(r, "RESULT_OK") == 0 || strcmp(r, "RESULT_EXISTS") == 0);
        posted_again += strcmp(r, "RESULT_OK") == 0;
        json_decref(j);
    }
    assert_true(posted_again <= CRASH_REQUESTS - 1 - acked);
    assert_int_equal(e2e_balance(&s, "participant:P1:wallet"), 100 * CRASH_REQUESTS);
    e2e_stop(&s);
    free(tr_expect(0, "verify", s.dir, NULL));
    e2e_remove(&s);
}

/* ---- bad input: the right code, nothing written, still serving ---- */

static void expect_error(const e2e_server *s, const char *method, const char *ctype,
                         const char *token, const void *body, size_t len, int status,
                         const char *code)
{
    char *reply = malloc(REPLY_MAX);
    assert_non_null(reply);
    int got = e2e_post(s, method, ctype, token, body, len, reply, REPLY_MAX);
    if (got != status)
        print_error("expected HTTP %d, got %d:\n%s\n", status, got, reply);
    assert_int_equal(got, status);
    json_t *j = json_loads(e2e_body(reply), 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")), code);
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
    json_decref(j);
    free(reply);
}

static void test_bad_input(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    e2e_start(&s, NULL);
    fund(&s, "f1", 5000);
    uint64_t size = e2e_tree_size(&s);
    const char *json = "application/json", *proto = "application/proto";
    /* Truncated and garbage protobuf. */
    const uint8_t truncated[] = {0x12, 0x40, 0x0a, 0x05, 'a'};
    expect_error(&s, "PostEntries", proto, s.token, truncated, sizeof truncated, 400,
                 "invalid_argument");
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0x01};
    expect_error(&s, "PostEntries", proto, s.token, garbage, sizeof garbage, 400,
                 "invalid_argument");
    /* A string that is not UTF-8, in binary. */
    const uint8_t bad_utf8[] = {0x12, 0x04, 0x0a, 0x02, 0xc3, 0x28};
    expect_error(&s, "PostEntries", proto, s.token, bad_utf8, sizeof bad_utf8, 400,
                 "invalid_argument");
    /* Wrong JSON types, unknown fields, malformed JSON. */
    const char *bodies[] = {
        "{\"entries\":\"many\"}",
        "{\"entries\":[{\"clientId\":5}]}",
        "{\"entries\":[{\"clientId\":\"a\",\"legs\":[{\"account\":\"x\",\"debit\":1.5}]}]}",
        "{\"entries\":[{\"clientId\":\"a\",\"colour\":\"red\"}]}",
        ("{\"entries\":[{\"clientId\":\"a\",\"legs\":[{\"account\":\"x\",\"debit\":\"1\","
         "\"credit\":\"1\"}]}]}"),
        "{\"entries\":[{\"kind\":\"KIND_NONSENSE\"}]}",
        "{\"entries\":[",
        "[]",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_error(&s, "PostEntries", json, s.token, bodies[i], strlen(bodies[i]), 400,
                     "invalid_argument");
    /* Requests with nothing to post, or a whole request of bad dates. */
    expect_error(&s, "PostEntries", json, s.token, "{}", 2, 400, "invalid_argument");
    expect_error(&s, "GetStatement", json, s.token,
                 "{\"account\":\"participant:P1:wallet\","
                 "\"dateFrom\":\"2026-13-01\"}",
                 58, 400, "invalid_argument");
    /* Unknown account, method, content type, HTTP method. */
    expect_error(&s, "GetBalances", json, s.token, "{\"accounts\":[\"participant:P9:wallet\"]}",
                 38, 404, "not_found");
    expect_error(&s, "Nope", json, s.token, "{}", 2, 404, "unimplemented");
    expect_error(&s, "GetBalances", "text/plain", s.token, "{}", 2, 415, "invalid_argument");
    char reply[4096];
    const char get[] = "GET /cauris.v1.Ledger/GetBalances HTTP/1.1\r\nHost: x\r\n"
                       "Connection: close\r\n\r\n";
    assert_int_equal(e2e_http(&s, get, sizeof get - 1, reply, sizeof reply), 405);
    /* A malformed HTTP request gets a Connect body too (evhttp's own 400). */
    const char junk[] = "BLAH\r\n\r\n";
    assert_int_equal(e2e_http(&s, junk, sizeof junk - 1, reply, sizeof reply), 400);
    assert_non_null(strstr(reply, "\"code\":\"invalid_argument\""));
    /* Nothing of it was written, and the server still answers. */
    assert_int_equal(e2e_tree_size(&s), size);
    assert_int_equal(e2e_balance(&s, "partner:mfi1:cash"), 5000);
    const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(e2e_http(&s, health, sizeof health - 1, reply, sizeof reply), 200);
    e2e_stop(&s);
    e2e_remove(&s);
}

/* ---- large requests: decoded and handled off the event loop ---- */

#define BIG_PARTICIPANTS 400
#define BIG_ENTRIES 400 /* ~60 KB of JSON, ~25 KB binary: past the offload size */
#define BIG_ACCOUNTS 1000

/* {"entries":[...]}: BIG_ENTRIES transfers of 10 from programme:wages to
 * the wallets of P1..P20 in turn, client ids <prefix>-<i>. */
static char *big_post(const char *prefix)
{
    size_t cap = 200 * BIG_ENTRIES + 64, len = 0;
    char *req = malloc(cap);
    assert_non_null(req);
    len += (size_t)snprintf(req, cap, "{\"entries\":[");
    for (int i = 0; i < BIG_ENTRIES; i++)
        len += (size_t)snprintf(req + len, cap - len,
                                "%s{\"clientId\":\"%s-%d\",\"valueDate\":\"2026-11-13\","
                                "\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10\"},"
                                "{\"account\":\"participant:P%d:wallet\",\"credit\":\"10\"}]}",
                                i ? "," : "", prefix, i, i % 20 + 1);
    snprintf(req + len, cap - len, "]}");
    return req;
}

static void expect_big_post(e2e_server *s, const char *req, bool binary, bool retry)
{
    json_t *j = call_json(s, "PostEntries", req, binary);
    assert_int_equal(json_array_size(json_object_get(j, "results")), BIG_ENTRIES);
    for (size_t i = 0; i < BIG_ENTRIES; i++) {
        const char *r = result_of(j, i);
        if (!(strcmp(r, "RESULT_OK") == 0 || (retry && strcmp(r, "RESULT_EXISTS") == 0)))
            fail_msg("entry %zu: %s", i, r);
    }
    json_decref(j);
}

static void expect_wallets(e2e_server *s, int64_t each)
{
    for (int p = 1; p <= 20; p++) {
        char account[64];
        snprintf(account, sizeof account, "participant:P%d:wallet", p);
        assert_int_equal(e2e_balance(s, account), each);
    }
}

static void test_large_requests(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, BIG_PARTICIPANTS);
    e2e_start(&s, NULL);
    /* Posts of 400 entries, binary and JSON: every entry, once. */
    char *req = big_post("b");
    expect_big_post(&s, req, true, false);
    free(req);
    req = big_post("j");
    expect_big_post(&s, req, false, false);
    free(req);
    const int64_t per_post = BIG_ENTRIES / 20 * 10;
    expect_wallets(&s, 2 * per_post);
    uint64_t size = e2e_tree_size(&s);
    /* Large malformed bodies: refused whole, nothing written. */
    size_t junk_len = 20000;
    uint8_t *junk = malloc(junk_len + 16);
    assert_non_null(junk);
    memset(junk, 0xff, junk_len);
    expect_error(&s, "PostEntries", "application/proto", s.token, junk, junk_len, 400,
                 "invalid_argument");
    memcpy(junk, "{\"entries\":[", 12);
    memset(junk + 12, ' ', junk_len - 12);
    expect_error(&s, "PostEntries", "application/json", s.token, junk, junk_len, 400,
                 "invalid_argument");
    free(junk);
    assert_int_equal(e2e_tree_size(&s), size);
    /* A large read: GetBalances of 1,000 accounts, answered in order. */
    size_t cap = 40 * BIG_ACCOUNTS + 64, len = 0;
    char *read = malloc(cap);
    assert_non_null(read);
    const char *kinds[3] = {"wallet", "capital", "grant"};
    char(*codes)[48] = calloc(BIG_ACCOUNTS, sizeof *codes);
    assert_non_null(codes);
    len += (size_t)snprintf(read, cap, "{\"accounts\":[");
    for (int i = 0; i < BIG_ACCOUNTS; i++) {
        snprintf(codes[i], sizeof codes[i], "participant:P%d:%s", i / 3 + 1, kinds[i % 3]);
        len += (size_t)snprintf(read + len, cap - len, "%s\"%s\"", i ? "," : "", codes[i]);
    }
    snprintf(read + len, cap - len, "]}");
    json_t *j = call_json(&s, "GetBalances", read, true);
    json_t *balances = json_object_get(j, "balances");
    assert_int_equal(json_array_size(balances), BIG_ACCOUNTS);
    for (size_t i = 0; i < BIG_ACCOUNTS; i++) {
        json_t *b = json_array_get(balances, i);
        assert_string_equal(json_string_value(json_object_get(b, "account")), codes[i]);
    }
    json_decref(j);
    free(codes);
    free(read);
    /* A large post whose client hangs up at once: the server goes on, and
     * the retry finds every entry posted once. */
    req = big_post("drop");
    post_and_hang_up(&s, req);
    expect_big_post(&s, req, true, true);
    free(req);
    expect_wallets(&s, 3 * per_post);
    e2e_stop(&s);
    free(tr_expect(0, "verify", s.dir, NULL));
    e2e_remove(&s);
}

/* ---- tokens and roles ---- */

static void test_tokens_and_roles(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    e2e_start(&s, NULL);
    char body[512];
    transfer_json(body, sizeof body, "t1", "partner:mfi1:cash", "programme:fund", 100);
    const char *json = "application/json";
    expect_error(&s, "PostEntries", json, NULL, body, strlen(body), 401, "unauthenticated");
    expect_error(&s, "PostEntries", json, "cauris_0000000000000000_nope", body, strlen(body),
                 401, "unauthenticated");
    /* One character of a real token changed. */
    char wrong[sizeof s.token];
    memcpy(wrong, s.token, sizeof wrong);
    wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == 'A' ? 'B' : 'A';
    expect_error(&s, "PostEntries", json, wrong, body, strlen(body), 401, "unauthenticated");
    /* A read token may read, not post. */
    expect_error(&s, "PostEntries", json, s.read_token, body, strlen(body), 403,
                 "permission_denied");
    char *reply = NULL;
    assert_int_equal(e2e_call(&s, s.read_token, "GetBalances",
                              "{\"accounts\":[\"programme:fund\"]}", false, &reply, NULL),
                     0);
    free(reply);
    /* Another programme is out of the token's scope. */
    const char other[] = "{\"programme\":\"other\",\"accounts\":[\"programme:fund\"]}";
    expect_error(&s, "GetBalances", json, s.token, other, sizeof other - 1, 403,
                 "permission_denied");
    assert_int_equal(e2e_balance(&s, "programme:fund"), 0);
    /* Revoked while the server runs: refused from the next call on. */
    ledger *l = NULL;
    assert_int_equal(ledger_open(&l, s.dir, &(ledger_options){.read_only = true}), LEDGER_OK);
    ledger_token_info info;
    assert_int_equal(ledger_token_check(l, s.read_token, strlen(s.read_token), &info),
                     LEDGER_OK);
    ledger_close(l);
    free(tr_expect(0, "token", "revoke", s.dir, info.id, NULL));
    expect_error(&s, "GetBalances", json, s.read_token, "{\"accounts\":[\"programme:fund\"]}",
                 32, 401, "unauthenticated");
    e2e_stop(&s);
    e2e_remove(&s);
}

/* ---- limits ---- */

static void test_limits(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    const char *extra[] = {"--body-bytes-max",
                           "6000",
                           "--entries-max",
                           "3",
                           "--connections-max",
                           "3",
                           "--timeout-s",
                           "1",
                           NULL};
    e2e_start(&s, extra);
    fund(&s, "f1", 5000);
    uint64_t size = e2e_tree_size(&s);
    /* An oversized body: evhttp's own 413, as a Connect error. */
    char *big = malloc(8192);
    memset(big, ' ', 8192);
    expect_error(&s, "PostEntries", "application/json", s.token, big, 8192, 413,
                 "resource_exhausted");
    free(big);
    /* Too many entries in one request. */
    char body[2048];
    size_t len = (size_t)snprintf(body, sizeof body, "{\"entries\":[");
    for (int i = 0; i < 4; i++)
        len +=
            (size_t)snprintf(body + len, sizeof body - len,
                             "%s{\"clientId\":\"m%d\",\"valueDate\":\"2026-11-13\",\"legs\":["
                             "{\"account\":\"partner:mfi1:cash\",\"debit\":\"1\"},"
                             "{\"account\":\"programme:fund\",\"credit\":\"1\"}]}",
                             i ? "," : "", i);
    len += (size_t)snprintf(body + len, sizeof body - len, "]}");
    expect_error(&s, "PostEntries", "application/json", s.token, body, len, 400,
                 "invalid_argument");
    /* A string longer than any field may be. */
    char *long_id = malloc(RPC_STRING_BYTES_MAX + 200);
    int n = snprintf(long_id, 64, "{\"accounts\":[\"");
    memset(long_id + n, 'x', RPC_STRING_BYTES_MAX + 1);
    strcpy(long_id + n + RPC_STRING_BYTES_MAX + 1, "\"]}");
    expect_error(&s, "GetBalances", "application/json", s.token, long_id, strlen(long_id), 400,
                 "invalid_argument");
    free(long_id);
    assert_int_equal(e2e_tree_size(&s), size);

    /* A slow client that never finishes its request is cut off, while
     * others are served. */
    const char partial[] = "POST /cauris.v1.Ledger/GetBalances HTTP/1.1\r\nHost: x\r\n";
    int fd_slow = e2e_connect_raw(&s);
    assert_true(send(fd_slow, partial, sizeof partial - 1, 0) > 0);
    assert_int_equal(e2e_balance(&s, "partner:mfi1:cash"), 5000);
    sleep(3);
    char buf[64];
    ssize_t got = recv(fd_slow, buf, sizeof buf, 0);
    assert_true(got <= 0); /* closed by the server */
    close(fd_slow);

    /* Connections over the limit get "unavailable"; the others go on. */
    int held[3];
    for (int i = 0; i < 3; i++) {
        held[i] = e2e_connect_raw(&s);
        const char ping[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_true(send(held[i], ping, sizeof ping - 1, 0) > 0);
        char r[512];
        assert_true(recv(held[i], r, sizeof r, 0) > 0);
    }
    char reply[4096];
    const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(e2e_http(&s, health, sizeof health - 1, reply, sizeof reply), 503);
    assert_non_null(strstr(reply, "\"code\":\"unavailable\""));
    close(held[0]);
    usleep(200000);
    assert_int_equal(e2e_http(&s, health, sizeof health - 1, reply, sizeof reply), 200);
    close(held[1]);
    close(held[2]);
    e2e_stop(&s);
    e2e_remove(&s);
}

/* ---- metrics, health and the config file ---- */

static void test_metrics_and_config(void **state)
{
    (void)state;
    e2e_server s;
    e2e_ledger_create(&s, 1);
    char config[400];
    snprintf(config, sizeof config, "%s/caurisd.conf", s.dir);
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(
        f,
        "# caurisd options\nlog-level = error\nentries-max = 2\n\ncommit-entries-max = 100\n");
    fclose(f);
    const char *extra[] = {"--config", config, NULL};
    e2e_start(&s, extra);
    fund(&s, "f1", 7000);
    fund(&s, "f2", 3000);
    /* A retry (exists) is not refused; an overdraft is. */
    char again[512], over[512];
    transfer_json(again, sizeof again, "f1", "partner:mfi1:cash", "programme:fund", 7000);
    json_t *j = call_json(&s, "PostEntries", again, true);
    assert_string_equal(result_of(j, 0), "RESULT_EXISTS");
    json_decref(j);
    transfer_json(over, sizeof over, "o1", "participant:P1:wallet", "partner:mfi1:cash", 1);
    j = call_json(&s, "PostEntries", over, true);
    assert_string_equal(result_of(j, 0), "RESULT_INSUFFICIENT_FUNDS");
    json_decref(j);
    /* entries-max from the file applies. */
    char body[1024];
    snprintf(body, sizeof body,
             "{\"entries\":[{\"clientId\":\"a\"},{\"clientId\":\"b\"},{\"clientId\":\"c\"}]}");
    expect_error(&s, "PostEntries", "application/json", s.token, body, strlen(body), 400,
                 "invalid_argument");
    char *reply = malloc(REPLY_MAX);
    const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(e2e_http(&s, get, sizeof get - 1, reply, REPLY_MAX), 200);
    assert_non_null(
        strstr(reply, "cauris_rpc_requests_total{method=\"PostEntries\",code=\"ok\"} 4"));
    assert_non_null(strstr(
        reply,
        "cauris_rpc_requests_total{method=\"PostEntries\",code=\"invalid_argument\"} 1"));
    assert_non_null(strstr(reply, "cauris_entries_posted_total 2\n"));
    assert_non_null(strstr(reply, "cauris_entries_refused_total 1\n"));
    assert_non_null(
        strstr(reply, "cauris_commits_total 2\n")); /* what wrote nothing is no commit */
    assert_non_null(strstr(reply, "cauris_commit_seconds_count 2\n"));
    assert_non_null(strstr(reply, "cauris_lmdb_map_used_bytes "));
    free(reply);
    e2e_stop(&s);
    /* A config file with a bad line stops the server from starting. */
    f = fopen(config, "w");
    fprintf(f, "listen = 127.0.0.1:0\nentries-max = lots\n");
    fclose(f);
    free(tr_expect(1, "serve", s.dir, "--config", config, NULL));
    e2e_remove(&s);
}

/* ---- make run: the demo ledger, served ---- */

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_make_run_demo(void **state)
{
    (void)state;
    e2e_server s;
    memset(&s, 0, sizeof s);
    snprintf(s.dir, sizeof s.dir, "/tmp/cauris-demo-XXXXXX");
    assert_non_null(mkdtemp(s.dir));
    char ledger_dir[300], listen[64], script[4096];
    snprintf(ledger_dir, sizeof ledger_dir, "%s/demo", s.dir);
    s.port = free_port();
    snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)s.port);
    snprintf(s.url, sizeof s.url, "http://127.0.0.1:%u", (unsigned)s.port);
    snprintf(script, sizeof script, "%s/cli/demo.sh",
             getenv("CAURIS_ROOT") ? getenv("CAURIS_ROOT") : ".");
    s.pid = fork();
    assert_true(s.pid >= 0);
    if (s.pid == 0) {
        /* The script ends by exec'ing the server: the pid is the server's. */
        execl("/bin/sh", "sh", script, tr_bin(), ledger_dir, listen, (char *)NULL);
        _exit(127);
    }
    /* Up when /healthz answers. */
    char reply[1024];
    const char health[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int status = 0;
    for (int i = 0; i < 300 && status != 200; i++) {
        usleep(50000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s.port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool up = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (up)
            status = e2e_http(&s, health, sizeof health - 1, reply, sizeof reply);
    }
    assert_int_equal(status, 200);
    char token_path[400];
    snprintf(token_path, sizeof token_path, "%s/admin.token", ledger_dir);
    FILE *f = fopen(token_path, "r");
    assert_non_null(f);
    assert_non_null(fgets(s.token, sizeof s.token, f));
    fclose(f);
    s.token[strcspn(s.token, "\n")] = '\0';
    /* The demo month: P1 earned two weeks of 67,500 and withdrew 100,000. */
    assert_int_equal(e2e_balance(&s, "participant:P1:wallet"), 35000);
    assert_int_equal(e2e_balance(&s, "participant:P1:capital"), 15000);
    kill(s.pid, SIGTERM);
    int st = 0;
    assert_int_equal(waitpid(s.pid, &st, 0), s.pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    tr_remove_tree(s.dir);
}

int main(void)
{
    if (tr_init("test_rpc") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_post_and_query_binary, e2e_cleanup),
        cmocka_unit_test_teardown(test_post_and_query_json, e2e_cleanup),
        cmocka_unit_test_teardown(test_retry_after_dropped_connection, e2e_cleanup),
        cmocka_unit_test_teardown(test_concurrent_connections, e2e_cleanup),
        cmocka_unit_test_teardown(test_large_requests, e2e_cleanup),
        cmocka_unit_test_teardown(test_crash_and_restart, e2e_cleanup),
        cmocka_unit_test_teardown(test_bad_input, e2e_cleanup),
        cmocka_unit_test_teardown(test_tokens_and_roles, e2e_cleanup),
        cmocka_unit_test_teardown(test_limits, e2e_cleanup),
        cmocka_unit_test_teardown(test_metrics_and_config, e2e_cleanup),
        cmocka_unit_test(test_make_run_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
