/*
 * test_cli_remote.c — end-to-end tests of `cauris --server URL COMMAND`:
 * each test makes a ledger with the real `cauris` binary (CAURIS_BIN, else
 * $CAURIS_ROOT/build/cauris), starts the real server on it (`cauris serve`
 * on a free loopback port, in its own process), runs the CLI against the
 * server and asserts what a person would read: exact balances, each entry's
 * result line, the statement's running balances, a verified proof, and the
 * exit codes 0 / 1 / 2. Where the same answer can be read from the ledger
 * directory, the remote output is compared with the local one.
 *
 * The server is stopped (SIGTERM, waitpid) in the teardown, so a failed
 * assertion never leaves it running; a server that does not stop cleanly
 * fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/e2e.h"
#include "tests/run.h"

#define SERVER_STOP_MS 10000
#define TOKEN_LEN 67 /* "cauris_" + 16 hex + "_" + 43 base64url */

/* ---- the fixture: a ledger and its server ---- */

typedef struct fx {
    char root[200];            /* the temporary directory */
    char ledger[256];          /* root/ledger */
    e2e_server srv;            /* dir: the ledger too; url; pid 0 when not running */
    char token[TOKEN_LEN + 1]; /* partner mfi1, roles post,read */
    pid_t liar;                /* a fake server replaying replies; 0 when none */
} fx;

static const char *fx_path(const fx *f, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->root, name);
    return buf;
}

/* `cauris token create` prints the token alone on stdout. */
static void token_create(fx *f, const char *roles, char out[TOKEN_LEN + 1])
{
    char *text, *err;
    int rc = tr_split(&text, &err, "token", "create", f->ledger, "--partner", "mfi1", "--roles",
                      roles, NULL);
    if (rc != 0)
        fprintf(stderr, "token create: exit %d\n%s%s", rc, text, err);
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(text), TOKEN_LEN + 1);
    assert_memory_equal(text, "cauris_", 7);
    snprintf(out, TOKEN_LEN + 1, "%.*s", TOKEN_LEN, text);
    free(text);
    free(err);
}

static void env_clear(void)
{
    unsetenv("CAURIS_SERVER");
    unsetenv("CAURIS_TOKEN");
    unsetenv("CAURIS_PASSPHRASE");
}

/* A ledger (programme demo, GNF, capital rate 10 %) with partner:mfi1:cash
 * and participant P1 enrolled (wallet, capital, grant), a post,read token,
 * and the server running. */
static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/cauris-remote-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->ledger, sizeof f->ledger, "%s/ledger", f->root);
    *state = f;
    env_clear();
    e2e_ledger_make(f->ledger, 1);
    token_create(f, "post,read", f->token);
    snprintf(f->srv.dir, sizeof f->srv.dir, "%s", f->ledger);
    e2e_start(&f->srv, NULL);
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    if (f->liar > 0) {
        kill(f->liar, SIGKILL);
        waitpid(f->liar, NULL, 0);
    }
    int rc = e2e_stop_within(&f->srv, SERVER_STOP_MS);
    e2e_cleanup(NULL); /* forgets the ledger e2e_start noted */
    tr_remove_tree(f->root);
    free(f);
    env_clear();
    return rc;
}

/* ---- running against the server ---- */

/* Runs `cauris --server URL --token TOKEN [--json-wire] ARGS...`. */
static char *remote_args(fx *f, int status, bool json_wire, const char *input,
                         const char *const *args)
{
    const char *all[TR_ARGS_MAX + 1] = {"--server", f->srv.url, "--token", f->token};
    size_t n = 4;
    if (json_wire)
        all[n++] = "--json-wire";
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < TR_ARGS_MAX);
        all[n++] = args[i];
    }
    all[n] = NULL;
    return tr_run_args(status, input, all);
}

static char *remote_expect(fx *f, int status, ...)
{
    const char *args[TR_ARGS_MAX + 1];
    va_list ap;
    va_start(ap, status);
    tr_collect(args, ap);
    va_end(ap);
    return remote_args(f, status, false, NULL, args);
}

/* A balance read through the server, and the same read from the ledger
 * directory (which another process may read while the server writes). */
static void assert_balance(fx *f, const char *code, const char *expected)
{
    char *out = remote_expect(f, 0, "balance", code, NULL);
    tr_assert_balance_in(out, code, expected);
    free(out);
    out = tr_expect(0, "balance", f->ledger, code, NULL);
    tr_assert_balance_in(out, code, expected);
    free(out);
}

/* ---- entries: no partner or principal (the server takes them from the
 * token) ---- */

/* The wage of tests/run.h, about P1 (typed operations name their
 * participant; the legs sent are the ones the ledger derives at 1000 bp). */
#define WAGE_LINE                                                                              \
    "{\"client_id\":\"wage-2026-11-20-P1\",\"kind\":\"posted\",\"op\":\"wage\","               \
    "\"participant\":\"P1\",\"value_date\":\"2026-11-20\",\"external_ref\":\"MFI-8812\","      \
    "\"memo\":\"week 47\",\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10000\"},"    \
    "{\"account\":\"participant:P1:wallet\",\"credit\":\"9000\"},"                             \
    "{\"account\":\"participant:P1:capital\",\"credit\":1000}]}\n"
/* A payout of 1000 from P1's wallet: the legs come from the ledger. */
#define PAYOUT_LINE                                                                            \
    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"participant\":\"P1\","                       \
    "\"value_date\":\"2026-11-21\",\"external_ref\":\"MFI-9001\",\"amount\":\"1000\"}\n"
#define OVERDRAFT_LINE                                                                         \
    "{\"client_id\":\"pay-2\",\"op\":\"payout\",\"participant\":\"P1\","                       \
    "\"value_date\":\"2026-11-22\",\"amount\":\"50000\"}\n"

static const char wages_file[] = "# funding and a wage\n" TR_FUNDING_LINE WAGE_LINE;

/* Writes `text` to root/NAME and posts it through the server. */
static char *post_file(fx *f, int status, bool json_wire, const char *name, const char *text,
                       const char *extra)
{
    char path[400];
    fx_path(f, name, path, sizeof path);
    tr_file_write(path, text);
    const char *args[] = {"post", path, extra, NULL};
    return remote_args(f, status, json_wire, NULL, args);
}

static void assert_wages_balances(fx *f)
{
    assert_balance(f, "partner:mfi1:cash", "1000000 GNF");
    assert_balance(f, "participant:P1:wallet", "9000 GNF");
    assert_balance(f, "participant:P1:capital", "1000 GNF");
    assert_balance(f, "programme:wages", "10000 GNF");
}

/* ---- tests ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    env_clear();
    char *out = tr_expect(0, "--help", NULL);
    tr_assert_contains(out, "--server URL");
    tr_assert_contains(out, "--token TOKEN");
    tr_assert_contains(out, "--token-file FILE");
    tr_assert_contains(out, "--json-wire");
    free(out);
    static const char *const cmds[] = {"post", "balance", "statement", "proof", "checkpoint"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        /* Help needs neither a token nor a reachable server. */
        out = tr_expect(0, "--server", "http://127.0.0.1:9", cmds[i], "--help", NULL);
        tr_assert_contains(out, "usage: cauris --server URL");
        tr_assert_contains(out, cmds[i]);
        free(out);
    }
    /* Bad usage: exit 2, nothing sent. */
    out = tr_expect(2, "--server", "http://127.0.0.1:9", "balance", "partner:mfi1:cash", NULL);
    tr_assert_contains(out, "needs an access token");
    free(out);
    out = tr_expect(2, "--server", "ftp://127.0.0.1:9", "--token", "t", "balance", "x", NULL);
    tr_assert_contains(out, "is not a server URL like http://");
    free(out);
    out = tr_expect(2, "--server", "not a url", "--token", "t", "checkpoint", NULL);
    tr_assert_contains(out, "is not a server URL");
    free(out);
    out = tr_expect(2, "--server", "http://127.0.0.1:9", "--token", "t", "init", "d", NULL);
    tr_assert_contains(out, "--server goes with post, balance, statement, proof or checkpoint");
    free(out);
    out = tr_expect(2, "--token", "t", "balance", "d", "x", NULL);
    tr_assert_contains(out, "go with --server URL");
    free(out);
    out = tr_expect(2, "--server", NULL);
    tr_assert_contains(out, "needs a value");
    free(out);
    out = tr_expect(2, "--server", "http://127.0.0.1:9", "--token", "t", "--token-file", "f",
                    "checkpoint", NULL);
    tr_assert_contains(out, "not both");
    free(out);
    out = tr_expect(2, "--server", "http://127.0.0.1:9", "--token", "t", "balance", NULL);
    tr_assert_contains(out, "give account codes or --participant ID");
    free(out);
}

static void test_post_binary(void **state)
{
    fx *f = *state;
    char *out = post_file(f, 0, false, "wages.jsonl", wages_file, NULL);
    unsigned long long seq_fund = tr_seq_of_line(out, 2), seq_wage = tr_seq_of_line(out, 3);
    assert_true(seq_wage > seq_fund);
    tr_assert_contains(out, "posted 2, existing 0, refused 0; tree size ");
    free(out);
    assert_wages_balances(f);

    /* The same file again: the client ids make it safe. */
    out = post_file(f, 0, false, "wages.jsonl", wages_file, NULL);
    char expect[64];
    snprintf(expect, sizeof expect, "line 2: exists seq %llu\n", seq_fund);
    tr_assert_contains(out, expect);
    snprintf(expect, sizeof expect, "line 3: exists seq %llu\n", seq_wage);
    tr_assert_contains(out, expect);
    tr_assert_contains(out, "posted 0, existing 2, refused 0");
    free(out);
    assert_wages_balances(f);

    /* What the server recorded: the token's partner, and its holder as
     * the principal. */
    char seq_text[24];
    snprintf(seq_text, sizeof seq_text, "%llu", seq_wage);
    out = tr_expect(0, "entry", f->ledger, seq_text, NULL);
    tr_assert_contains(out, "partner:      mfi1\n");
    tr_assert_contains(out, "principal:    token-");
    tr_assert_contains(out, "external ref: MFI-8812\n");
    free(out);
}

static void test_post_json_wire(void **state)
{
    fx *f = *state;
    /* From standard input, one entry per request. */
    const char *args[] = {"post", "-", "--batch", "1", NULL};
    char *out = remote_args(f, 0, true, wages_file, args);
    tr_seq_of_line(out, 2);
    tr_seq_of_line(out, 3);
    assert_int_equal(tr_count_of(out, ": ok seq "), 2);
    tr_assert_contains(out, "posted 2, existing 0, refused 0; tree size ");
    free(out);
    assert_wages_balances(f);

    const char *bal[] = {"balance", "--participant", "P1", NULL};
    out = remote_args(f, 0, true, NULL, bal);
    assert_string_equal(out, "participant:P1:capital  1000 GNF\n"
                             "participant:P1:grant       0 GNF\n"
                             "participant:P1:wallet   9000 GNF\n");
    free(out);
    const char *bal_json[] = {"balance", "participant:P1:wallet", "--json", NULL};
    out = remote_args(f, 0, true, NULL, bal_json);
    char *local = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", "--json", NULL);
    assert_string_equal(out, local);
    tr_assert_contains(out, "\"balance\": \"9000\"");
    free(out);
    free(local);
}

static void test_post_refused(void **state)
{
    fx *f = *state;
    char *out =
        post_file(f, 1, false, "over.jsonl", TR_FUNDING_LINE WAGE_LINE OVERDRAFT_LINE, NULL);
    tr_seq_of_line(out, 1);
    tr_seq_of_line(out, 2);
    tr_assert_contains(out, "line 3: refused insufficient_funds: insufficient funds");
    tr_assert_not_contains(out, "RESULT_");
    tr_assert_contains(out, "posted 2, existing 0, refused 1");
    free(out);
    assert_wages_balances(f);

    /* Atomic: a payout that fits with one that does not posts neither. */
    out = post_file(f, 1, true, "atomic.jsonl", PAYOUT_LINE OVERDRAFT_LINE, "--atomic");
    tr_assert_contains(out, "line 1: refused linked_entry_failed: ");
    tr_assert_contains(out, "line 2: refused insufficient_funds: ");
    tr_assert_contains(out, "posted 0, existing 0, refused 2");
    free(out);
    assert_balance(f, "participant:P1:wallet", "9000 GNF");
}

/* Typed operations as the local post takes them: the server's ledger
 * derives their legs; a grant commit waits for a second person. */
static void test_post_typed_operations(void **state)
{
    fx *f = *state;
    static const char file[] =
        "{\"client_id\":\"fund-t\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
        "\"amount\":\"1000000\",\"currency\":\"GNF\"}\n"
        "{\"op\":\"wage\",\"participant\":\"P1\",\"wage_run\":\"W47\",\"days\":5,"
        "\"daily_rate\":\"2000\",\"value_date\":\"2026-11-20\",\"budget_line\":\"BL-2\"}\n"
        "{\"client_id\":\"grant-P1\",\"op\":\"grant_commit\",\"participant\":\"P1\","
        "\"value_date\":\"2026-11-21\",\"amount\":\"5000\"}\n"
        "{\"client_id\":\"fund-usd\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
        "\"amount\":\"5\",\"currency\":\"XOF\"}\n";
    char *out = post_file(f, 1, false, "typed.jsonl", file, NULL);
    tr_seq_of_line(out, 1);
    tr_seq_of_line(out, 2);
    tr_assert_contains(out, "line 3: pending approval, seq ");
    char again[64];
    snprintf(again, sizeof again, "line 3: exists seq %llu",
             strtoull(strstr(out, "line 3: pending approval, seq ") + 30, NULL, 10));
    tr_assert_contains(out, "line 4: refused wrong_currency: ");
    tr_assert_contains(out, "posted 3, existing 0, refused 1; 1 awaiting approval; tree size ");
    free(out);
    assert_balance(f, "partner:mfi1:cash", "1000000 GNF");
    assert_balance(f, "participant:P1:wallet", "9000 GNF");
    assert_balance(f, "participant:P1:capital", "1000 GNF");
    assert_balance(f, "participant:P1:grant", "0 GNF");
    /* The run's line got its client id from the ledger, and the
     * participant's tags: the proof checks them against the leaf, and
     * shows them as the local entry does. */
    char key[400];
    snprintf(key, sizeof key, "%s/signing.pub", f->ledger);
    out = remote_expect(f, 0, "proof", "--client-id", "W47:P1", "--key", key, NULL);
    tr_assert_contains(out, "inclusion: ok\n");
    tr_assert_contains(out, "budget line:  BL-2\n");
    char *local =
        tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "W47:P1", NULL);
    const char *line = strstr(local, "participant:  P1 (");
    assert_non_null(line);
    char expect[512];
    snprintf(expect, sizeof expect, "%.*s", (int)(strchr(line, '\n') + 1 - line), line);
    tr_assert_contains(out, expect);
    free(local);
    free(out);
    /* Posting the file again: the pending request exists, still pending. */
    out = post_file(f, 1, false, "typed.jsonl", file, NULL);
    tr_assert_contains(out, again);
    tr_assert_contains(out, "posted 0, existing 3, refused 1");
    free(out);
}

static void test_statement(void **state)
{
    fx *f = *state;
    free(post_file(f, 0, false, "all.jsonl", TR_FUNDING_LINE WAGE_LINE PAYOUT_LINE, NULL));
    char *out = remote_expect(f, 0, "statement", "participant:P1:wallet", NULL);
    char *local = tr_expect(0, "statement", f->ledger, "participant:P1:wallet", NULL);
    /* Running balances: the wage credits 9000, the payout debits 1000. */
    tr_assert_contains(out, "opening balance: 0 GNF\n");
    tr_assert_contains(out, "week 47");
    tr_assert_contains(out, "MFI-9001");
    tr_assert_contains(out, "9000              9000\n");
    tr_assert_contains(out, "1000                                8000\n");
    tr_assert_contains(out, "closing balance: 8000 GNF\nlines: 2\n");
    /* The same text as the local statement after its first line (the
     * server's replies do not name the programme). */
    tr_assert_contains(out, "programme: (the token's)\n");
    assert_string_equal(strchr(out, '\n'), strchr(local, '\n'));
    free(out);

    /* One line per page, and a period: the same lines. */
    out = remote_expect(f, 0, "statement", "participant:P1:wallet", "--page-size", "1", NULL);
    assert_string_equal(strchr(out, '\n'), strchr(local, '\n'));
    free(out);
    free(local);
    out = remote_expect(f, 0, "statement", "participant:P1:wallet", "--from", "2000-01-01",
                        "--to", "2000-12-31", NULL);
    tr_assert_contains(out, "period:    2000-01-01 .. 2000-12-31\n");
    tr_assert_contains(out, "closing balance: 0 GNF\nlines: 0\n");
    free(out);
    out = remote_expect(f, 1, "statement", "participant:P9:wallet", NULL);
    tr_assert_contains(out, "cauris statement: server: not_found: ");
    free(out);
}

static void test_proof(void **state)
{
    fx *f = *state;
    char key[400], proof_path[400], leaf_path[400], seq_text[24];
    snprintf(key, sizeof key, "%s/signing.pub", f->ledger);
    fx_path(f, "proof.txt", proof_path, sizeof proof_path);
    fx_path(f, "leaf.bin", leaf_path, sizeof leaf_path);
    char *out = post_file(f, 0, false, "wages.jsonl", wages_file, NULL);
    unsigned long long seq = tr_seq_of_line(out, 3);
    free(out);
    snprintf(seq_text, sizeof seq_text, "%llu", seq);

    out = remote_expect(f, 0, "proof", seq_text, "--key", key, "--out", proof_path,
                        "--leaf-out", leaf_path, NULL);
    char expect[64];
    snprintf(expect, sizeof expect, "seq:          %s\n", seq_text);
    tr_assert_contains(out, expect);
    tr_assert_contains(out, "client id:    wage-2026-11-20-P1\n");
    tr_assert_contains(out,
                       "participant:P1:wallet                    credit             9000 GNF"
                       "  balance after 9000\n");
    tr_assert_contains(out, "leaf:         matches the entry");
    tr_assert_contains(out, "inclusion: ok\n");
    char *note = tr_expect(0, "checkpoint", f->ledger, NULL);
    snprintf(expect, sizeof expect, "tree size: %.*s\n",
             (int)strcspn(strchr(note, '\n') + 1, "\n"), strchr(note, '\n') + 1);
    tr_assert_contains(out, expect);
    free(note);
    tr_assert_not_contains(out, "NOT independently trusted");
    free(out);
    /* What it wrote checks offline, with no server. */
    out = tr_expect(0, "proof", "--check", proof_path, "--leaf", leaf_path, "--key", key, NULL);
    assert_string_equal(out, "proof ok\n");
    free(out);
    char *text = tr_file_read(proof_path, NULL);
    snprintf(expect, sizeof expect, "c2sp.org/tlog-proof@v1\nindex %s\n", seq_text);
    assert_memory_equal(text, expect, strlen(expect));
    free(text);

    /* By client id; and without --key, the server's own key, said so. */
    out = remote_expect(f, 0, "proof", "--client-id", "fund-1", "--key", key, NULL);
    tr_assert_contains(out, "client id:    fund-1\n");
    tr_assert_contains(out, "inclusion: ok\n");
    free(out);
    out = remote_expect(f, 0, "proof", seq_text, NULL);
    tr_assert_contains(out, "NOT independently trusted");
    tr_assert_contains(out, "inclusion: ok\n");
    free(out);

    /* Another ledger's key: the checkpoint is not signed by it. */
    char other[400], other_key[450];
    fx_path(f, "other", other, sizeof other);
    free(tr_expect(0, "init", other, "--programme", "demo", "--currency", "GNF", NULL));
    snprintf(other_key, sizeof other_key, "%s/signing.pub", other);
    out = remote_expect(f, 1, "proof", seq_text, "--key", other_key, NULL);
    tr_assert_contains(out, "inclusion: FAILED\n");
    tr_assert_contains(out,
                       "cauris proof: proof FAILED: the checkpoint is not signed by this key");
    free(out);

    out = remote_expect(f, 1, "proof", "--client-id", "no-such-id", NULL);
    tr_assert_contains(out, "cauris proof: server: not_found: ");
    free(out);
}

static void test_checkpoint_env_and_token_file(void **state)
{
    fx *f = *state;
    free(post_file(f, 0, false, "wages.jsonl", wages_file, NULL));
    char *out = remote_expect(f, 0, "checkpoint", NULL);
    char *local = tr_expect(0, "checkpoint", f->ledger, NULL);
    assert_string_equal(out, local);
    free(out);
    free(local);

    /* $CAURIS_SERVER and $CAURIS_TOKEN instead of the options. */
    setenv("CAURIS_SERVER", f->srv.url, 1);
    setenv("CAURIS_TOKEN", f->token, 1);
    out = tr_expect(0, "balance", "participant:P1:wallet", NULL);
    assert_string_equal(out, "participant:P1:wallet  9000 GNF\n");
    free(out);
    /* A command with no remote form still runs on its directory. */
    out = tr_expect(0, "programmes", f->ledger, NULL);
    tr_assert_contains(out, "demo");
    free(out);
    env_clear();

    /* --token-file: the token on the first line. */
    char path[400], text[TOKEN_LEN + 8];
    fx_path(f, "token.txt", path, sizeof path);
    snprintf(text, sizeof text, "%s\n", f->token);
    tr_file_write(path, text);
    out = tr_expect(0, "--server", f->srv.url, "--token-file", path, "--json-wire", "balance",
                    "participant:P1:capital", NULL);
    assert_string_equal(out, "participant:P1:capital  1000 GNF\n");
    free(out);
}

static void test_wrong_token(void **state)
{
    fx *f = *state;
    const char *bad = "cauris_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    char *out = tr_expect(1, "--server", f->srv.url, "--token", bad, "balance",
                          "partner:mfi1:cash", NULL);
    tr_assert_contains(out, "cauris balance: server: unauthenticated: ");
    free(out);
    char path[400];
    fx_path(f, "wages.jsonl", path, sizeof path);
    tr_file_write(path, wages_file);
    out = tr_expect(1, "--server", f->srv.url, "--token", bad, "post", path, NULL);
    tr_assert_contains(out, "cauris post: server: unauthenticated: ");
    free(out);

    /* A read-only token may not post. */
    char reader[TOKEN_LEN + 1];
    token_create(f, "read", reader);
    out = tr_expect(1, "--server", f->srv.url, "--token", reader, "post", path, NULL);
    tr_assert_contains(out, "cauris post: server: permission_denied: ");
    free(out);
    assert_balance(f, "partner:mfi1:cash", "0 GNF");
}

static void test_unreachable(void **state)
{
    (void)state;
    env_clear();
    /* A port that was free a moment ago: nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    char *out =
        tr_expect(1, "--server", url, "--token", "t", "balance", "partner:mfi1:cash", NULL);
    tr_assert_contains(out, "cauris balance: server: unavailable: no reply from 127.0.0.1:");
    tr_assert_contains(out, "is caurisd running?");
    free(out);
    out = tr_expect(1, "--server", url, "--token", "t", "checkpoint", NULL);
    tr_assert_contains(out, "cauris checkpoint: server: unavailable: ");
    free(out);
}

static void test_post_checks_before_sending(void **state)
{
    fx *f = *state;
    char *before = remote_expect(f, 0, "checkpoint", NULL);
    /* A good line, then one naming a partner: nothing is sent. */
    char *out =
        post_file(f, 1, false, "partner.jsonl",
                  TR_FUNDING_LINE "{\"client_id\":\"x\",\"partner\":\"mfi2\","
                                  "\"value_date\":\"2026-11-02\",\"legs\":[{\"account\":"
                                  "\"partner:mfi1:cash\",\"debit\":\"5\"},{\"account\":"
                                  "\"programme:fund\",\"credit\":\"5\"}]}\n",
                  NULL);
    tr_assert_contains(out,
                       "line 2: field partner: the server takes the partner from the token");
    tr_assert_contains(out, "1 malformed line; nothing was sent");
    tr_assert_not_contains(out, "line 1: ok");
    free(out);
    /* Likewise a principal, an account opening, two programmes, and a
     * malformed amount: each reported, nothing sent. */
    out =
        post_file(f, 1, false, "more.jsonl",
                  TR_FUNDING_LINE
                  "{\"client_id\":\"y\",\"principal\":\"bob\",\"value_date\":\"2026-11-02\","
                  "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"5\"},"
                  "{\"account\":\"programme:fund\",\"credit\":\"5\"}]}\n"
                  "{\"open\":[\"participant:P2:wallet\"]}\n"
                  "{\"client_id\":\"z\",\"programme\":\"other\",\"value_date\":\"2026-11-02\","
                  "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"5\"},"
                  "{\"account\":\"programme:fund\",\"credit\":\"5\"}]}\n"
                  "{\"client_id\":\"w\",\"programme\":\"demo\",\"value_date\":\"2026-11-02\","
                  "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"5\"},"
                  "{\"account\":\"programme:fund\",\"credit\":\"5\"}]}\n"
                  "{\"client_id\":\"v\",\"value_date\":\"2026-11-02\","
                  "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"5.5\"},"
                  "{\"account\":\"programme:fund\",\"credit\":\"5\"}]}\n",
                  NULL);
    tr_assert_contains(out, "line 2: field principal: ");
    tr_assert_contains(out, "line 3: accounts cannot be opened through the server");
    tr_assert_contains(out, "line 5: field programme: 'demo' is not 'other' (line 4)");
    tr_assert_contains(out, "line 6: field legs[0].debit: '5.5' is not a whole number");
    tr_assert_contains(out, "4 malformed lines; nothing was sent");
    free(out);
    assert_balance(f, "partner:mfi1:cash", "0 GNF");
    char *after = remote_expect(f, 0, "checkpoint", NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* The token's programme named explicitly is fine; another is refused by
     * the server. */
    out = post_file(f, 0, false, "demo.jsonl", wages_file, "--programme=demo");
    tr_assert_contains(out, "posted 2, existing 0, refused 0");
    free(out);
    out = post_file(f, 1, false, "other.jsonl", PAYOUT_LINE, "--programme=other");
    tr_assert_contains(out, "cauris post: server: permission_denied: ");
    tr_assert_contains(out, "lines 1 to 1 were not posted");
    tr_assert_contains(out, "posted 0, existing 0, refused 0");
    free(out);
    assert_wages_balances(f);
}

/* ---- a lying server: replays replies the test has altered ---- */

#define LIAR_REQUEST_MAX 65536

typedef struct liar_reply {
    const char *method; /* e.g. "GetEntry" */
    const char *body;   /* proto3 JSON */
} liar_reply;

/* Reads one HTTP request (headers and Content-Length body) into buf;
 * returns its length, 0 when the peer closed. */
static size_t liar_read(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    for (;;) {
        buf[used] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = strstr(buf, "Content-Length: ");
            size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
            if (used >= (size_t)(end + 4 - buf) + body)
                return used;
        }
        if (used + 1 >= cap)
            return 0;
        ssize_t r = read(fd, buf + used, cap - 1 - used);
        if (r <= 0)
            return 0;
        used += (size_t)r;
    }
}

/* The child: answers each request with the reply of its method, over
 * keep-alive connections, until killed. */
static void liar_serve(int listener, const liar_reply *replies, size_t count)
{
    static char buf[LIAR_REQUEST_MAX];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0)
            continue;
        while (liar_read(fd, buf, sizeof buf) > 0) {
            const char *body = "{\"code\":\"unimplemented\",\"message\":\"liar\"}";
            const char *status = "404 Not Found";
            for (size_t i = 0; i < count; i++) {
                char path[96];
                snprintf(path, sizeof path, "/cauris.v1.Ledger/%s ", replies[i].method);
                if (strstr(buf, path) != NULL) {
                    body = replies[i].body;
                    status = "200 OK";
                }
            }
            char head[256];
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\n\r\n",
                             status, strlen(body));
            if (write(fd, head, (size_t)n) != n ||
                write(fd, body, strlen(body)) != (ssize_t)strlen(body))
                break;
        }
        close(fd);
    }
}

/* Starts the liar on a free loopback port; writes its URL. */
static void liar_start(fx *f, const liar_reply *replies, size_t count, char url[64])
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, 64, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        liar_serve(fd, replies, count);
        _exit(0);
    }
    close(fd);
    f->liar = pid;
}

static void liar_stop(fx *f)
{
    kill(f->liar, SIGKILL);
    waitpid(f->liar, NULL, 0);
    f->liar = 0;
}

/* A reply of the real server, as JSON. */
static char *real_reply(fx *f, const char *method, const char *request)
{
    char *reply = NULL;
    assert_int_equal(e2e_call(&f->srv, f->token, method, request, false, &reply, NULL), 0);
    return reply;
}

/* Replaces the first `from` in text (in place; same length). */
static void tamper(char *text, const char *from, const char *to)
{
    assert_int_equal(strlen(from), strlen(to));
    char *p = strstr(text, from);
    assert_non_null(p);
    memcpy(p, to, strlen(to));
}

/* A server that lies about an entry is caught by the offline checks. */
static void test_proof_catches_a_lying_server(void **state)
{
    fx *f = *state;
    char key[400], request[64], url[64];
    snprintf(key, sizeof key, "%s/signing.pub", f->ledger);
    char *out = post_file(f, 0, false, "wages.jsonl", wages_file, NULL);
    unsigned long long seq = tr_seq_of_line(out, 3);
    free(out);
    snprintf(request, sizeof request, "{\"seq\":\"%llu\"}", seq);
    char *entry = real_reply(f, "GetEntry", request);
    char *balances = real_reply(f, "GetBalances", "{\"accounts\":[\"programme:wages\"]}");
    const char *args[] = {"--server", url, "--token", f->token, "--json-wire",
                          "proof",    "0", "--key",   key,      NULL};
    char seq_text[24];
    snprintf(seq_text, sizeof seq_text, "%llu", seq);
    args[6] = seq_text;

    /* The reply as sent: it checks. */
    liar_reply replies[] = {{"GetEntry", entry}, {"GetBalances", balances}};
    liar_start(f, replies, 2, url);
    out = tr_run_args(0, NULL, args);
    tr_assert_contains(out, "inclusion: ok\n");
    free(out);
    liar_stop(f);

    /* Another memo than the leaf's. */
    char *lie = strdup(entry);
    assert_non_null(lie);
    tamper(lie, "\"memo\":\"week 47\"", "\"memo\":\"week 48\"");
    replies[0].body = lie;
    liar_start(f, replies, 2, url);
    out = tr_run_args(1, NULL, args);
    tr_assert_contains(out, "proof FAILED: the entry sent does not match its leaf (memo)");
    tr_assert_not_contains(out, "inclusion: ok");
    free(out);
    liar_stop(f);

    /* Another amount in a leg. */
    memcpy(lie, entry, strlen(entry));
    tamper(lie, "\"credit\":\"9000\"", "\"credit\":\"9900\"");
    liar_start(f, replies, 2, url);
    out = tr_run_args(1, NULL, args);
    tr_assert_contains(out, "does not match its leaf (a leg's side or amount)");
    free(out);
    liar_stop(f);

    /* A proof hash altered: the leaf is not in the signed tree. */
    memcpy(lie, entry, strlen(entry));
    char *hash = strstr(lie, "\"inclusionProof\":[\"");
    assert_non_null(hash);
    hash += strlen("\"inclusionProof\":[\"");
    hash[0] = hash[0] == 'A' ? 'B' : 'A';
    liar_start(f, replies, 2, url);
    out = tr_run_args(1, NULL, args);
    tr_assert_contains(out, "inclusion: FAILED\n");
    tr_assert_contains(out, "proof FAILED: the leaf is not in the tree of that checkpoint");
    free(out);
    liar_stop(f);

    free(lie);
    free(entry);
    free(balances);
}

int main(void)
{
    if (tr_init("test_cli_remote") != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test_setup_teardown(test_post_binary, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_json_wire, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_typed_operations, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_statement, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_proof, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_proof_catches_a_lying_server, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_env_and_token_file, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_token, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_checks_before_sending, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("cli_remote", tests, NULL, e2e_cleanup);
}
