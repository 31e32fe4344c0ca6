/*
 * e2e.c — the real server in its own process, raw HTTP and client calls for
 * the end-to-end tests (see e2e.h).
 */
#define _GNU_SOURCE /* strcasestr */
#include "tests/e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "rpc/rpc.h"
#include "tests/run.h"

#define E2E_WAIT_MS 10000
#define E2E_ARGS_MAX 32
#define E2E_LIVE_MAX 8

/* Ledgers and servers a test made, by value: a failed assertion leaves the
 * test's own copy behind, and e2e_cleanup() still finds them. */
static struct {
    char dir[256];
    pid_t pid;
} live[E2E_LIVE_MAX];

static void live_set(const char *dir, pid_t pid)
{
    int free_slot = -1;
    for (int i = 0; i < E2E_LIVE_MAX; i++) {
        if (strcmp(live[i].dir, dir) == 0) {
            live[i].pid = pid;
            return;
        }
        if (live[i].dir[0] == '\0' && free_slot < 0)
            free_slot = i;
    }
    assert_true(free_slot >= 0);
    snprintf(live[free_slot].dir, sizeof live[free_slot].dir, "%s", dir);
    live[free_slot].pid = pid;
}

static void live_forget(const char *dir)
{
    for (int i = 0; i < E2E_LIVE_MAX; i++)
        if (strcmp(live[i].dir, dir) == 0)
            memset(&live[i], 0, sizeof live[i]);
}

int e2e_cleanup(void **state)
{
    (void)state;
    for (int i = 0; i < E2E_LIVE_MAX; i++) {
        if (live[i].dir[0] == '\0')
            continue;
        if (live[i].pid > 0) {
            kill(live[i].pid, SIGKILL);
            waitpid(live[i].pid, NULL, 0);
        }
        tr_remove_tree(live[i].dir);
        memset(&live[i], 0, sizeof live[i]);
    }
    return 0;
}

void e2e_ledger_make(const char *dir, int participants)
{
    ledger_settings settings;
    ledger_settings_default(&settings);
    settings.capital_rate_bp = E2E_CAPITAL_RATE_BP;
    ledger_init_options io = {
        .programme = E2E_PROGRAMME, .currency = "GNF", .settings = &settings};
    assert_int_equal(ledger_init(dir, &io), LEDGER_OK);
    ledger *l = NULL;
    assert_int_equal(ledger_open(&l, dir, NULL), LEDGER_OK);
    const char *cash = "partner:mfi1:cash";
    int result = -1;
    assert_int_equal(ledger_accounts_open(l, E2E_PROGRAMME, &cash, 1, &result), LEDGER_OK);
    assert_int_equal(result, LEDGER_OK);
    size_t n = (size_t)participants;
    ledger_enrolment *rows = calloc(n ? n : 1, sizeof *rows);
    ledger_enrol_result *results = calloc(n ? n : 1, sizeof *results);
    assert_non_null(rows);
    assert_non_null(results);
    for (size_t i = 0; i < n; i++) {
        ledger_participant *p = &rows[i].p;
        snprintf(p->id, sizeof p->id, "P%zu", i + 1);
        snprintf(p->name, sizeof p->name, "Participant %zu", i + 1);
        p->sex = i % 2 ? LEDGER_SEX_MALE : LEDGER_SEX_FEMALE;
        p->birth_year = (uint16_t)(1980 + i % 25);
        snprintf(p->admin1, sizeof p->admin1, "Conakry");
        snprintf(p->admin2, sizeof p->admin2, "Kaloum");
        p->category = LEDGER_CATEGORY_COMMUNITY_MEMBER;
        snprintf(p->cohort, sizeof p->cohort, "C1");
        p->phase = 1;
        snprintf(p->cso, sizeof p->cso, "mfi1");
    }
    if (n > 0) {
        assert_int_equal(
            ledger_participants_enrol(l, E2E_PROGRAMME, "mfi1", "e2e", rows, n, true, results),
            LEDGER_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(results[i].err, LEDGER_OK);
    }
    ledger_close(l);
    free(rows);
    free(results);
}

void e2e_ledger_create(e2e_server *s, int participants)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/cauris-e2e-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    live_set(s->dir, 0);
    e2e_ledger_make(s->dir, participants);
    ledger *l = NULL;
    assert_int_equal(ledger_open(&l, s->dir, NULL), LEDGER_OK);
    assert_int_equal(
        ledger_token_create(l, E2E_PROGRAMME, "mfi1", "e2e-poster",
                            LEDGER_ROLE_POST | LEDGER_ROLE_READ | LEDGER_ROLE_ADMIN, s->token,
                            NULL),
        LEDGER_OK);
    assert_int_equal(ledger_token_create(l, E2E_PROGRAMME, "mfi1", "e2e-reader",
                                         LEDGER_ROLE_READ, s->read_token, NULL),
                     LEDGER_OK);
    assert_int_equal(ledger_token_create(l, E2E_PROGRAMME, "mfi1", "e2e-approver",
                                         LEDGER_ROLE_APPROVE | LEDGER_ROLE_READ,
                                         s->approve_token, NULL),
                     LEDGER_OK);
    ledger_close(l);
}

void e2e_start(e2e_server *s, const char *const *extra)
{
    char port_file[300];
    snprintf(port_file, sizeof port_file, "%s/port", s->dir);
    unlink(port_file);
    char *argv[E2E_ARGS_MAX];
    int n = 0;
    argv[n++] = (char *)tr_bin();
    argv[n++] = (char *)"serve";
    argv[n++] = s->dir;
    argv[n++] = (char *)"--listen";
    argv[n++] = (char *)"127.0.0.1:0";
    argv[n++] = (char *)"--port-file";
    argv[n++] = port_file;
    argv[n++] = (char *)"--log-level";
    argv[n++] = (char *)"warn";
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < E2E_ARGS_MAX - 1; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    live_set(s->dir, s->pid);
    for (int waited = 0; waited < E2E_WAIT_MS; waited += 10) {
        FILE *f = fopen(port_file, "r");
        unsigned port = 0;
        if (f != NULL) {
            int got = fscanf(f, "%u", &port);
            fclose(f);
            if (got == 1 && port > 0) {
                s->port = (uint16_t)port;
                snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", port);
                return;
            }
        }
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid)
            fail_msg("cauris serve exited before listening (status %d)", status);
        tr_sleep_ms(10);
    }
    fail_msg("cauris serve did not listen within %d ms", E2E_WAIT_MS);
}

void e2e_stop(e2e_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    s->pid = 0;
    live_set(s->dir, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int e2e_stop_within(e2e_server *s, int ms)
{
    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    int status = 0, rc = -1;
    pid_t got = 0;
    for (int waited = 0; got == 0 && waited < ms; waited += 20) {
        got = waitpid(s->pid, &status, WNOHANG);
        if (got == 0)
            tr_sleep_ms(20);
    }
    if (got == s->pid) {
        rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
        if (rc != 0)
            fprintf(stderr, "cauris serve stopped with status 0x%x\n", (unsigned)status);
    } else {
        if (got == 0)
            fprintf(stderr, "cauris serve did not stop within %d ms of SIGTERM\n", ms);
        else
            fprintf(stderr, "waitpid(cauris serve): %s\n", strerror(errno));
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
    live_set(s->dir, 0);
    return rc;
}

void e2e_kill(e2e_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    live_set(s->dir, 0);
}

void e2e_remove(e2e_server *s)
{
    e2e_kill(s);
    tr_remove_tree(s->dir);
    live_forget(s->dir);
}

int e2e_connect_raw(const e2e_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Whole response there? (head and Content-Length bytes) */
static bool response_complete(const char *buf, size_t len)
{
    const char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL)
        return false;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl == NULL || cl > end)
        return false;
    size_t body = (size_t)strtoull(cl + 17, NULL, 10);
    return len >= (size_t)(end + 4 - buf) + body;
}

int e2e_http(const e2e_server *s, const void *request, size_t len, char *reply, size_t cap)
{
    int fd = e2e_connect_raw(s);
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, (const char *)request + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may close early (e.g. an oversized body) */
        sent += (size_t)n;
    }
    size_t got = 0;
    reply[0] = '\0';
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, E2E_WAIT_MS) <= 0)
            break;
        ssize_t n = recv(fd, reply + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        reply[got] = '\0';
        if (response_complete(reply, got) || got == cap - 1)
            break;
    }
    close(fd);
    return got > 12 && strncmp(reply, "HTTP/1.1 ", 9) == 0 ? atoi(reply + 9) : 0;
}

int e2e_post(const e2e_server *s, const char *method, const char *content_type,
             const char *token, const void *body, size_t body_len, char *reply, size_t cap)
{
    size_t head_cap = 1024;
    char *req = malloc(head_cap + body_len);
    assert_non_null(req);
    char auth[200] = "";
    if (token != NULL)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
    int n = snprintf(req, head_cap,
                     "POST /cauris.v1.Ledger/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     method, content_type, auth, body_len);
    assert_true(n > 0 && (size_t)n < head_cap);
    memcpy(req + n, body, body_len);
    int status = e2e_http(s, req, (size_t)n + body_len, reply, cap);
    free(req);
    return status;
}

const char *e2e_body(const char *reply)
{
    const char *p = strstr(reply, "\r\n\r\n");
    return p ? p + 4 : "";
}

int e2e_call(const e2e_server *s, const char *token, const char *method, const char *json,
             bool binary, char **reply, char code[32])
{
    rpc_client *c = NULL;
    rpc_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(rpc_client_open(&c, s->url, token, &err), 0);
    int rc = rpc_client_call(c, method, json, binary, reply, &err);
    rpc_client_close(c);
    if (code != NULL)
        snprintf(code, 32, "%s", rc == 0 ? "ok" : err.code);
    if (rc != 0)
        print_message("call %s: %s: %s\n", method, err.code, err.message);
    return rc;
}

int64_t e2e_balance(const e2e_server *s, const char *account)
{
    char req[256], *reply = NULL;
    snprintf(req, sizeof req, "{\"accounts\":[\"%s\"]}", account);
    assert_int_equal(e2e_call(s, s->token, "GetBalances", req, true, &reply, NULL), 0);
    json_t *j = json_loads(reply, 0, NULL);
    assert_non_null(j);
    json_t *b = json_array_get(json_object_get(j, "balances"), 0);
    const char *v = json_string_value(json_object_get(b, "balance"));
    int64_t balance = v ? strtoll(v, NULL, 10) : 0; /* omitted when zero */
    json_decref(j);
    free(reply);
    return balance;
}

uint64_t e2e_tree_size(const e2e_server *s)
{
    char *reply = NULL;
    assert_int_equal(e2e_call(s, s->token, "GetCheckpoint", "{}", false, &reply, NULL), 0);
    json_t *j = json_loads(reply, 0, NULL);
    const char *v = json_string_value(json_object_get(j, "treeSize"));
    uint64_t size = v ? strtoull(v, NULL, 10) : 0;
    json_decref(j);
    free(reply);
    return size;
}

/* ---- JSON calls through the C client ---- */

int e2e_json_call_any(const e2e_server *s, const char *token, const char *method, json_t *req,
                      bool binary, json_t **reply_out, rpc_error *err)
{
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    assert_non_null(text);
    rpc_client *c = NULL;
    memset(err, 0, sizeof *err);
    assert_int_equal(rpc_client_open(&c, s->url, token, err), 0);
    char *reply = NULL;
    int rc = rpc_client_call(c, method, text, binary, &reply, err);
    rpc_client_close(c);
    free(text);
    if (rc != 0)
        return -1;
    *reply_out = json_loads(reply, 0, NULL);
    free(reply);
    assert_non_null(*reply_out);
    return 0;
}

json_t *e2e_json_call(const e2e_server *s, const char *token, const char *method, json_t *req)
{
    json_t *reply = NULL;
    rpc_error err;
    if (e2e_json_call_any(s, token, method, req, false, &reply, &err) != 0)
        fail_msg("%s: %s: %s", method, err.code, err.message);
    return reply;
}

void e2e_json_call_fails(const e2e_server *s, const char *token, const char *method,
                         json_t *req, const char *code, const char *words)
{
    json_t *reply = NULL;
    rpc_error err;
    if (e2e_json_call_any(s, token, method, req, false, &reply, &err) == 0) {
        char *text = json_dumps(reply, JSON_COMPACT);
        fail_msg("%s succeeded, expected %s: %s", method, code, text);
    }
    if (strcmp(err.code, code) != 0 || (words != NULL && strstr(err.message, words) == NULL))
        fail_msg("%s: got %s: %s; expected %s with '%s'", method, err.code, err.message, code,
                 words ? words : "");
}

json_t *e2e_json_i64(int64_t v)
{
    return json_sprintf("%lld", (long long)v);
}

int64_t e2e_json_i64_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    assert_true(json_is_string(v));
    return strtoll(json_string_value(v), NULL, 10);
}

const char *e2e_result_at(json_t *resp, size_t i)
{
    json_t *r = json_array_get(json_object_get(resp, "results"), i);
    assert_non_null(r);
    const char *v = json_string_value(json_object_get(r, "result"));
    return v ? v : "RESULT_OK";
}

void e2e_token_make(const e2e_server *s, const char *partner, const char *name, uint32_t roles,
                    char out[LEDGER_TOKEN_TEXT_MAX + 1])
{
    ledger *l = NULL;
    assert_int_equal(ledger_open(&l, s->dir, NULL), LEDGER_OK);
    assert_int_equal(ledger_token_create(l, E2E_PROGRAMME, partner, name, roles, out, NULL),
                     LEDGER_OK);
    ledger_close(l);
}
