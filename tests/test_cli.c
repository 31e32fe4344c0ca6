/*
 * test_cli.c — end-to-end tests of the `cauris` command: each test runs the
 * real binary (CAURIS_BIN, else $CAURIS_ROOT/build/cauris) on a fresh
 * temporary directory, captures its stdout and stderr together and its exit
 * status, and asserts what a person would read: exact balances, the lines
 * named in errors, exit codes 0 / 1 / 2.
 *
 * Keys are plain (fast) except in the one sealed-key test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/run.h"

/* ---- fixtures ---- */

static const char *fx_path(tr_fx *f, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->root, name);
    return buf;
}

/* A ledger whose wages keep 10 % as capital (1000 basis points). */
static void init_ledger(tr_fx *f, const char *programme, const char *currency)
{
    free(tr_expect(0, "init", f->ledger, "--programme", programme, "--currency", currency,
                   "--capital-rate-bp", "1000", NULL));
}

/* Participant P1 of programme demo, enrolled: wages, payouts and capital
 * releases are about enrolled participants. */
static void enrol_p1(tr_fx *f)
{
    char path[400];
    snprintf(path, sizeof path, "%s/p1.csv", f->root);
    tr_file_write(path, "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,"
                        "phone\n"
                        "P1,f,1994,,Conakry,Ratoma,returned_migrant,2026-A,1,cso1,Aissatou "
                        "Diallo,\n");
    char *out = tr_expect(0, "enroll", f->ledger, path, "--programme", "demo", "--partner",
                          "cso1", "--principal", "enroller", NULL);
    tr_assert_contains(out, "enrolled 1 participant in demo");
    free(out);
}

/* A ledger "demo" in GNF with P1 enrolled. */
static void init_demo(tr_fx *f)
{
    init_ledger(f, "demo", "GNF");
    enrol_p1(f);
}

/* The balance `cauris balance` prints for one account: "8000 GNF". */
static void assert_balance(tr_fx *f, const char *programme, const char *code,
                           const char *expected)
{
    char *out = tr_expect(0, "balance", f->ledger, code, "--programme", programme, NULL);
    size_t n = strlen(code);
    assert_memory_equal(out, code, n); /* the first line */
    assert_int_equal(out[n], ' ');
    tr_assert_balance_in(out, code, expected);
    free(out);
}

/* The tree size of the latest checkpoint (its second line). */
static unsigned long long tree_size(tr_fx *f)
{
    char *out = tr_expect(0, "checkpoint", f->ledger, NULL);
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    unsigned long long size = strtoull(nl + 1, NULL, 10);
    free(out);
    return size;
}

/* ---- a file of entries: funding, a wage split 90/10, a payout ---- */

/* The participant's accounts come with enrolment; the MFI's are opened. */
#define OPEN_LINE "{\"open\":[\"partner:mfi1:cash\"]}\n"
/* The wage of tests/run.h, about P1: legs given with a typed operation
 * must be exactly the ones the ledger derives (10000 = 9000 + 1000 at
 * 1000 bp). */
#define WAGE_LINE                                                                              \
    "{\"client_id\":\"wage-2026-11-20-P1\",\"kind\":\"posted\",\"op\":\"wage\","               \
    "\"principal\":\"alice\",\"participant\":\"P1\","                                          \
    "\"value_date\":\"2026-11-20\",\"external_ref\":\"MFI-8812\","                             \
    "\"memo\":\"week 47\",\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10000\"},"    \
    "{\"account\":\"participant:P1:wallet\",\"credit\":\"9000\"},"                             \
    "{\"account\":\"participant:P1:capital\",\"credit\":1000}]}\n"
/* The payout of tests/run.h, about P1, given by amount. */
#define PAYOUT_LINE                                                                            \
    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"participant\":\"P1\","                       \
    "\"value_date\":\"2026-11-21\",\"external_ref\":\"MFI-9001\",\"amount\":\"1000\"}\n"

static const char entries_file[] = "# funding, wages, a payout\n"
                                   "\n" OPEN_LINE TR_FUNDING_LINE WAGE_LINE PAYOUT_LINE;

static char *post_file(tr_fx *f, int status, const char *name, const char *text,
                       const char *extra)
{
    char path[400];
    fx_path(f, name, path, sizeof path);
    tr_file_write(path, text);
    if (extra != NULL)
        return tr_expect(status, "post", f->ledger, path, "--programme", "demo", "--partner",
                         "mfi1", "--principal", "test", extra, NULL);
    return tr_expect(status, "post", f->ledger, path, "--programme", "demo", "--partner",
                     "mfi1", "--principal", "test", NULL);
}

/* ---- tests ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    static const char *const cmds[] = {
        "init",          "account",    "accounts", "post",   "balance",   "statement", "entry",
        "trial-balance", "checkpoint", "proof",    "verify", "token",     "programme", "enroll",
        "participant",   "approve",    "cancel",   "period", "deliveries"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = tr_expect(0, cmds[i], "--help", NULL);
        tr_assert_contains(out, "usage: cauris ");
        tr_assert_contains(out, cmds[i]);
        free(out);
        out = tr_expect(0, "help", cmds[i], NULL);
        tr_assert_contains(out, "usage: cauris ");
        free(out);
    }
    char *out = tr_expect(0, "--help", NULL);
    tr_assert_contains(out, "trial-balance");
    free(out);
    out = tr_expect(0, "help", NULL);
    tr_assert_contains(out, "usage: cauris COMMAND");
    free(out);
    out = tr_expect(0, "--version", NULL);
    assert_string_equal(out, "cauris 0.1.0\n");
    free(out);
    out = tr_expect(0, "account", "open", "--help", NULL);
    tr_assert_contains(out, "usage: cauris account open");
    free(out);

    out = tr_expect(2, "frobnicate", NULL);
    tr_assert_contains(out, "unknown command 'frobnicate'");
    free(out);
    out = tr_expect(2, NULL);
    free(out);
    out = tr_expect(2, "balance", NULL);
    tr_assert_contains(out, "see cauris balance --help");
    free(out);
    out = tr_expect(2, "verify", "/nonexistent", "--colour", "red", NULL);
    tr_assert_contains(out, "unknown option --colour");
    tr_assert_contains(out, "see cauris verify --help");
    free(out);
    out = tr_expect(2, "balance", "/x", "a", "--programme", "p", "--as-of", "tomorrow", NULL);
    tr_assert_contains(out, "not a date");
    free(out);
    out = tr_expect(2, "balance", "/x", "a", "--programme", "p", "--as-of", "2026-+1-05", NULL);
    tr_assert_contains(out, "not a date");
    free(out);
}

static void test_init(void **state)
{
    tr_fx *f = *state;
    char path[400];
    char *out = tr_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "GNF",
                          "--origin", "example.org/cauris-test", NULL);
    tr_assert_contains(out, "origin: example.org/cauris-test\n");
    tr_assert_contains(out, "verifier key: example.org/cauris-test+");
    tr_assert_contains(out, "not sealed");

    struct stat st;
    assert_int_equal(stat(fx_path(f, "ledger/signing.key", path, sizeof path), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The printed verifier key is the one in signing.pub. */
    size_t len;
    char *pub = tr_file_read(fx_path(f, "ledger/signing.pub", path, sizeof path), &len);
    char line[600];
    snprintf(line, sizeof line, "verifier key: %s", pub);
    tr_assert_contains(out, line);
    free(pub);
    free(out);

    out = tr_expect(1, "init", f->ledger, "--programme", "demo", "--currency", "GNF", NULL);
    tr_assert_contains(out, "already holds a ledger");
    free(out);

    out = tr_expect(1, "init", fx_path(f, "other", path, sizeof path), "--programme", "demo",
                    "--currency", "ZZZ", NULL);
    tr_assert_contains(out, "not an ISO 4217 currency");
    free(out);
    out = tr_expect(2, "init", path, "--currency", "GNF", NULL);
    tr_assert_contains(out, "--programme NAME is required");
    free(out);
    out = tr_expect(1, "balance", path, "programme:fund", "--programme", "demo", NULL);
    tr_assert_contains(out, "holds no cauris ledger");
    free(out);
}

static void test_accounts(void **state)
{
    tr_fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out =
        tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", "participant:P1:wallet",
                  "participant:P1:capital", "--programme", "demo", NULL);
    tr_assert_contains(out, "partner:mfi1:cash ok\n");
    tr_assert_contains(out, "participant:P1:capital ok\n");
    free(out);

    out = tr_expect(1, "account", "open", f->ledger, "participant:P1:wallet", "nonsense",
                    "participant:P2:wallet", "--programme", "demo", NULL);
    tr_assert_contains(out, "participant:P1:wallet account_exists\n");
    tr_assert_contains(out, "nonsense invalid_account_code\n");
    tr_assert_contains(out, "participant:P2:wallet ok\n");
    tr_assert_contains(out, "2 of 3 accounts were not opened");
    free(out);

    out = tr_expect(1, "account", "open", f->ledger, "participant:P3:wallet", "--programme",
                    "nosuch", NULL);
    tr_assert_contains(out, "no programme of that name");
    free(out);

    out = tr_expect(0, "accounts", f->ledger, "--programme", "demo", "--prefix",
                    "participant:", NULL);
    tr_assert_contains(out, "participant:P1:capital");
    tr_assert_contains(out, "no_overdraft,locked");
    tr_assert_not_contains(out, "programme:fund");
    tr_assert_contains(out, "3 accounts\n");
    free(out);

    out = tr_expect(0, "account", "lock", f->ledger, "participant:P1:wallet", "--programme",
                    "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet no_overdraft,locked\n");
    free(out);
    out = tr_expect(0, "account", "unlock", f->ledger, "participant:P1:wallet", "--programme",
                    "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet no_overdraft\n");
    free(out);
    out = tr_expect(0, "account", "close", f->ledger, "participant:P2:wallet", "--programme",
                    "demo", NULL);
    assert_string_equal(out, "participant:P2:wallet no_overdraft,closed\n");
    free(out);
    out = tr_expect(1, "account", "lock", f->ledger, "participant:P9:wallet", "--programme",
                    "demo", NULL);
    tr_assert_contains(out, "unknown_account");
    free(out);
    out = tr_expect(2, "account", "freeze", f->ledger, "participant:P1:wallet", "--programme",
                    "demo", NULL);
    tr_assert_contains(out, "unknown action 'freeze'");
    free(out);
}

static void test_post_balances_and_repost(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    tr_assert_contains(out, "line 3: ok open partner:mfi1:cash\n");
    tr_assert_contains(out, "line 4: ok seq ");
    tr_assert_contains(out, "line 5: ok seq ");
    tr_assert_contains(out, "line 6: ok seq ");
    tr_assert_contains(out, "posted 3, existing 0, refused 0; tree size ");
    free(out);

    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");
    assert_balance(f, "demo", "programme:fund", "1000000 GNF");
    assert_balance(f, "demo", "programme:wages", "10000 GNF");
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "participant:P1:capital", "1000 GNF");
    unsigned long long size = tree_size(f);

    /* As of the tree before the payout (its seq): the wage only. */
    char *cp =
        tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "pay-1", NULL);
    char before[32];
    snprintf(before, sizeof before, "%llu", strtoull(cp + strlen("seq:"), NULL, 10));
    free(cp);
    out = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--tree-size", before, NULL);
    assert_string_equal(out, "participant:P1:wallet  9000 GNF\n");
    free(out);
    out = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--as-of", "2000-01-01", NULL);
    assert_string_equal(out, "participant:P1:wallet  0 GNF\n");
    free(out);

    /* The same file again: every line already there, nothing changes. */
    out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    tr_assert_contains(out, "line 3: exists open partner:mfi1:cash\n");
    tr_assert_contains(out, "line 4: exists seq ");
    tr_assert_contains(out, "line 5: exists seq ");
    tr_assert_contains(out, "line 6: exists seq ");
    assert_int_equal(tr_count_of(out, ": ok "), 0);
    tr_assert_contains(out, "posted 0, existing 3, refused 0");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");

    /* Same client id, other content: refused, not posted twice. */
    out = post_file(f, 1, "changed.jsonl",
                    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
                    "\"participant\":\"P1\",\"amount\":\"2000\"}\n",
                    NULL);
    tr_assert_contains(out, "line 1: refused exists_with_different_fields");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");

    /* Several accounts at once, and JSON. */
    out = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", "programme:fund",
                    "--programme", "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet     8000 GNF\n"
                             "programme:fund         1000000 GNF\n");
    free(out);
    out = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--json", NULL);
    tr_assert_contains(out, "\"code\": \"participant:P1:wallet\"");
    tr_assert_contains(out, "\"balance\": \"8000\"");
    tr_assert_contains(out, "\"currency\": \"GNF\"");
    free(out);
    out = tr_expect(1, "balance", f->ledger, "participant:P7:wallet", "--programme", "demo",
                    NULL);
    tr_assert_contains(out, "participant:P7:wallet: no account of that code");
    free(out);
}

static void test_post_usd_two_digits(void **state)
{
    tr_fx *f = *state;
    init_ledger(f, "usdprog", "USD");
    char path[400];
    tr_file_write(fx_path(f, "usd.jsonl", path, sizeof path),
                  "{\"open\":[\"partner:mfi1:cash\",\"participant:P1:wallet\"]}\n"
                  "{\"client_id\":\"f1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
                  "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"123456\"},"
                  "{\"account\":\"programme:fund\",\"credit\":\"123456\"}]}\n"
                  "{\"client_id\":\"g1\",\"op\":\"transfer\",\"value_date\":\"2026-11-03\","
                  "\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"5\"},"
                  "{\"account\":\"participant:P1:wallet\",\"credit\":\"5\"}]}\n");
    char *out = tr_expect(0, "post", f->ledger, path, "--programme", "usdprog", "--partner",
                          "mfi1", "--principal", "test", NULL);
    tr_assert_contains(out, "posted 2, existing 0, refused 0");
    free(out);
    assert_balance(f, "usdprog", "partner:mfi1:cash", "1234.56 USD");
    assert_balance(f, "usdprog", "participant:P1:wallet", "0.05 USD");
    assert_balance(f, "usdprog", "programme:fund", "1234.56 USD");
    out = tr_expect(0, "balance", f->ledger, "partner:mfi1:cash", "--programme", "usdprog",
                    "--json", NULL);
    tr_assert_contains(out, "\"balance\": \"123456\"");
    tr_assert_contains(out, "\"currency\": \"USD\"");
    free(out);
    out = tr_expect(0, "trial-balance", f->ledger, "--programme", "usdprog", NULL);
    tr_assert_contains(out, "1234.61 USD");
    tr_assert_contains(out, "trial balance: balanced");
    free(out);
}

static void test_post_refused_overdraft(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    char *out = post_file(
        f, 1, "overdraft.jsonl",
        OPEN_LINE TR_FUNDING_LINE WAGE_LINE
        "{\"client_id\":\"pay-too-much\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
        "\"participant\":\"P1\",\"legs\":[{\"account\":\"participant:P1:wallet\",\"debit\":"
        "\"9001\"},{\"account\":\"partner:mfi1:cash\",\"credit\":\"9001\"}]}\n" PAYOUT_LINE,
        NULL);
    tr_assert_contains(out, "line 2: ok seq ");
    tr_assert_contains(out, "line 3: ok seq ");
    tr_assert_contains(out, "line 4: refused insufficient_funds: insufficient funds");
    tr_assert_contains(out, "line 5: ok seq ");
    tr_assert_contains(out, "posted 3, existing 0, refused 1");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");

    /* The capital account is locked: nothing may leave it, by a transfer or
     * by a capital release (the participant is in phase 1). */
    out =
        post_file(f, 1, "locked.jsonl",
                  "{\"client_id\":\"release\",\"op\":\"transfer\","
                  "\"value_date\":\"2026-11-22\",\"legs\":[{\"account\":"
                  "\"participant:P1:capital\",\"debit\":\"1000\"},{\"account\":"
                  "\"participant:P1:wallet\",\"credit\":\"1000\"}]}\n"
                  "{\"client_id\":\"release-2\",\"op\":\"capital_release\","
                  "\"value_date\":\"2026-11-22\",\"participant\":\"P1\",\"amount\":\"1000\"}\n",
                  NULL);
    tr_assert_contains(out, "line 1: refused account_locked");
    tr_assert_contains(out, "line 2: refused capital_locked");
    free(out);
    assert_balance(f, "demo", "participant:P1:capital", "1000 GNF");
}

static void test_post_malformed_posts_nothing(void **state)
{
    tr_fx *f = *state;
    init_ledger(f, "demo", "GNF");
    unsigned long long size = tree_size(f);
    char *out = post_file(
        f, 1, "bad.jsonl",
        OPEN_LINE TR_FUNDING_LINE
        "{\"client_id\":\"x1\", oops\n"
        "{\"client_id\":\"x2\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":"
        "\"programme:wages\",\"debit\":10.5},{\"account\":\"programme:fund\",\"credit\":"
        "\"10\"}]}\n"
        "{\"client_id\":\"x3\",\"value_date\":\"2026-11-20\",\"colour\":\"red\",\"legs\":[{"
        "\"account\":\"programme:wages\",\"debit\":\"10\"},{\"account\":\"programme:fund\","
        "\"credit\":\"10\"}]}\n"
        "{\"client_id\":\"x4\",\"value_date\":\"2026-11-20\"}\n"
        "{\"client_id\":\"x5\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":"
        "\"programme:wages\",\"debit\":\"9223372036854775808\"},{\"account\":"
        "\"programme:fund\",\"credit\":\"10\"}]}\n"
        "{\"client_id\":\"x6\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":"
        "\"programme:wages\",\"debit\":99999999999999999999},{\"account\":"
        "\"programme:fund\",\"credit\":\"10\"}]}\n"
        "{\"client_id\":\"x7\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":"
        "\"programme:wages\",\"debit\":\"-5\"},{\"account\":\"programme:fund\",\"credit\":"
        "\"1e1\"}]}\n"
        "{\"client_id\":\"x8\",\"value_date\":\"2026-11-20\",\"legs\":[{\"account\":"
        "\"programme:wages\",\"debit\":\"+5\"},{\"account\":\"programme:fund\",\"credit\":"
        "\"5\"}]}\n" PAYOUT_LINE,
        NULL);
    tr_assert_contains(out, "line 3: invalid JSON");
    tr_assert_contains(out, "line 4: field legs[0].debit: not a whole number");
    tr_assert_contains(out, "line 5: unknown field \"colour\"");
    tr_assert_contains(out, "line 6: missing field legs");
    tr_assert_contains(out, "line 7: field legs[0].debit: '9223372036854775808' is beyond");
    tr_assert_contains(out, "line 8: field debit: the number is beyond");
    tr_assert_contains(out, "line 9: field legs[0].debit: '-5' has a sign");
    tr_assert_contains(out, "line 10: field legs[0].debit: '+5' has a sign");
    tr_assert_contains(out, "8 malformed lines; nothing was posted");
    tr_assert_not_contains(out, "line 1:");
    tr_assert_not_contains(out, "line 2:");
    tr_assert_not_contains(out, "line 11:");
    tr_assert_not_contains(out, "ok seq");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(1, "balance", f->ledger, "partner:mfi1:cash", "--programme", "demo", NULL);
    tr_assert_contains(out, "no account of that code"); /* not even the open line ran */
    free(out);

    /* A line beyond the limit is named, and still nothing is posted. */
    size_t long_len = 70000;
    char *long_file = malloc(long_len + sizeof TR_FUNDING_LINE + 16);
    assert_non_null(long_file);
    memcpy(long_file, TR_FUNDING_LINE, sizeof TR_FUNDING_LINE - 1);
    char *p = long_file + sizeof TR_FUNDING_LINE - 1;
    memcpy(p, "{\"memo\":\"", 9);
    memset(p + 9, 'a', long_len);
    strcpy(p + 9 + long_len, "\"}\n");
    out = post_file(f, 1, "long.jsonl", long_file, NULL);
    free(long_file);
    tr_assert_contains(out, "line 2: longer than 65536 bytes");
    tr_assert_contains(out, "1 malformed line; nothing was posted");
    free(out);
    assert_int_equal(tree_size(f), size);

    /* With several programmes and none named, the line says what to give. */
    char path[400];
    free(
        tr_expect(0, "programme", "create", f->ledger, "usd-pilot", "--currency", "USD", NULL));
    size = tree_size(f);
    tr_file_write(fx_path(f, "noprog.jsonl", path, sizeof path), TR_FUNDING_LINE);
    out = tr_expect(1, "post", f->ledger, path, "--partner", "mfi1", "--principal", "t", NULL);
    tr_assert_contains(out, "line 1: no programme: give --programme NAME");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(2, "balance", f->ledger, "programme:fund", NULL);
    tr_assert_contains(
        out, "this ledger holds 2 programmes (demo, usd-pilot): give --programme NAME");
    free(out);
    out = tr_expect(0, "programmes", f->ledger, NULL);
    tr_assert_contains(out, "demo");
    tr_assert_contains(out, "usd-pilot");
    tr_assert_contains(out, "USD");
    free(out);
    out =
        tr_expect(0, "balance", f->ledger, "programme:fund", "--programme", "usd-pilot", NULL);
    tr_assert_contains(out, "0.00 USD");
    free(out);
}

/* With one programme, --programme may be left out. */
static void test_only_programme_by_default(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    char path[400];
    tr_file_write(fx_path(f, "e.jsonl", path, sizeof path), entries_file);
    free(tr_expect(0, "post", f->ledger, path, "--partner", "mfi1", "--principal", "t", NULL));
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    char *out = tr_expect(0, "balance", f->ledger, "participant:P1:wallet", NULL);
    tr_assert_contains(out, "8000 GNF");
    free(out);
    out = tr_expect(0, "statement", f->ledger, "participant:P1:wallet", NULL);
    tr_assert_contains(out, "closing balance: 8000 GNF");
    free(out);
    free(tr_expect(0, "trial-balance", f->ledger, NULL));
    free(tr_expect(0, "accounts", f->ledger, NULL));
    free(tr_expect(0, "account", "lock", f->ledger, "participant:P1:wallet", NULL));
}

static void test_post_atomic(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "demo",
                   NULL));
    unsigned long long size = tree_size(f);
    static const char file[] = TR_FUNDING_LINE WAGE_LINE
        "{\"client_id\":\"pay-big\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
        "\"participant\":\"P1\",\"amount\":\"50000\"}\n";
    char *out = post_file(f, 1, "atomic.jsonl", file, "--atomic");
    tr_assert_contains(out, "line 1: refused linked_entry_failed");
    tr_assert_contains(out, "line 2: refused linked_entry_failed");
    tr_assert_contains(out, "line 3: refused insufficient_funds");
    tr_assert_contains(out, "posted 0, existing 0, refused 3");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(0, "balance", f->ledger, "partner:mfi1:cash", "participant:P1:wallet",
                    "--programme", "demo", NULL);
    assert_string_equal(out, "partner:mfi1:cash      0 GNF\n"
                             "participant:P1:wallet  0 GNF\n");
    free(out);

    /* Without --atomic the same file posts its two good entries. */
    out = post_file(f, 1, "atomic.jsonl", file, NULL);
    tr_assert_contains(out, "posted 2, existing 0, refused 1");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "9000 GNF");
}

static void test_post_stdin(void **state)
{
    tr_fx *f = *state;
    init_ledger(f, "demo", "GNF");
    static const char *const args[] = {"post", NULL,        "-",    "--programme",
                                       "demo", "--partner", "mfi1", "--principal",
                                       "t",    NULL};
    const char *argv[10];
    memcpy(argv, args, sizeof args);
    argv[1] = f->ledger;
    char *out;
    int rc = tr_run(OPEN_LINE TR_FUNDING_LINE, &out, NULL, argv);
    if (rc != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    tr_assert_contains(out, "line 2: ok seq ");
    free(out);
    assert_balance(f, "demo", "partner:mfi1:cash", "1000000 GNF");
}

static void test_statement(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    char *out = tr_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme",
                          "demo", NULL);
    tr_assert_contains(out, "programme: demo\n");
    tr_assert_contains(out, "account:   participant:P1:wallet (liability)\n");
    tr_assert_contains(out, "currency:  GNF\n");
    tr_assert_contains(out, "opening balance: 0 GNF\n");
    tr_assert_contains(out, "closing balance: 8000 GNF\n");
    tr_assert_contains(out, "lines: 2\n");
    tr_assert_contains(out, "2026-11-20");
    tr_assert_contains(out, "wage");
    tr_assert_contains(out, "week 47");
    tr_assert_contains(out, "payout");
    tr_assert_contains(out, "MFI-9001"); /* no memo: the external reference */
    /* The wage line: credit 9000, running balance 9000; the payout: 1000, 8000. */
    const char *wage = strstr(out, "week 47");
    assert_non_null(wage);
    char wage_line[256];
    snprintf(wage_line, sizeof wage_line, "%.*s", (int)strcspn(wage, "\n"), wage);
    assert_int_equal(tr_count_of(wage_line, " 9000"), 2);
    const char *pay = strstr(out, "MFI-9001");
    char pay_line[256];
    snprintf(pay_line, sizeof pay_line, "%.*s", (int)strcspn(pay, "\n"), pay);
    tr_assert_contains(pay_line, " 1000 ");
    tr_assert_contains(pay_line, " 8000");
    free(out);

    /* Paging gives the same statement. */
    out = tr_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--page-size", "1", NULL);
    tr_assert_contains(out, "closing balance: 8000 GNF\n");
    tr_assert_contains(out, "lines: 2\n");
    free(out);

    /* A period after everything: opening = closing, no lines. */
    out = tr_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--from", "2999-01-01", NULL);
    tr_assert_contains(out, "opening balance: 8000 GNF\n");
    tr_assert_contains(out, "closing balance: 8000 GNF\n");
    tr_assert_contains(out, "lines: 0\n");
    free(out);

    out = tr_expect(1, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--format", "pdf", NULL);
    tr_assert_contains(out, "format pdf is not available yet");
    free(out);
    out = tr_expect(2, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                    "--page-size", "0", NULL);
    free(out);
}

static void test_entry_show(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    char seq[32];
    snprintf(seq, sizeof seq, "%llu", tr_seq_of_line(out, 5));
    free(out);
    out = tr_expect(0, "entry", f->ledger, seq, NULL);
    tr_assert_contains(out, "operation:    wage\n");
    tr_assert_contains(out, "principal:    alice\n");
    tr_assert_contains(out, "external ref: MFI-8812\n");
    tr_assert_contains(out, "value date:   2026-11-20\n");
    tr_assert_contains(out, "participant:P1:capital");
    tr_assert_contains(out, "credit");
    free(out);
    out = tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id",
                    "wage-2026-11-20-P1", NULL);
    char expect[64];
    snprintf(expect, sizeof expect, "seq:          %s\n", seq);
    tr_assert_contains(out, expect);
    free(out);
    out = tr_expect(1, "entry", f->ledger, "--partner", "mfi1", "--client-id", "nope", NULL);
    tr_assert_contains(out, "no entry with client id nope");
    free(out);
    out = tr_expect(1, "entry", f->ledger, "0", NULL);
    tr_assert_contains(out, "is not an entry");
    free(out);
}

static void test_proof_and_check(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    char seq[32], leaf[400], proof[400], pub[400];
    snprintf(seq, sizeof seq, "%llu", tr_seq_of_line(out, 5));
    free(out);
    fx_path(f, "leaf.bin", leaf, sizeof leaf);
    fx_path(f, "proof.txt", proof, sizeof proof);
    fx_path(f, "ledger/signing.pub", pub, sizeof pub);

    out = tr_expect(0, "proof", f->ledger, seq, "--leaf-out", leaf, NULL);
    tr_assert_contains(out, "c2sp.org/tlog-proof@v1\n");
    char index_line[64];
    snprintf(index_line, sizeof index_line, "index %s\n", seq);
    tr_assert_contains(out, index_line);
    tr_file_write(proof, out);
    free(out);

    out = tr_expect(0, "proof", "--check", proof, "--leaf", leaf, "--key", pub, NULL);
    assert_string_equal(out, "proof ok\n");
    free(out);
    /* The key given as text works the same. */
    size_t len;
    char *vkey = tr_file_read(pub, &len);
    vkey[strcspn(vkey, "\n")] = '\0';
    out = tr_expect(0, "proof", "--check", proof, "--leaf", leaf, "--key", vkey, NULL);
    assert_string_equal(out, "proof ok\n");
    free(out);
    free(vkey);

    /* One flipped byte in the leaf: refused. */
    char *bytes = tr_file_read(leaf, &len);
    assert_true(len > 10);
    bytes[len / 2] ^= 0x01;
    FILE *fp = fopen(leaf, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
    free(bytes);
    out = tr_expect(1, "proof", "--check", proof, "--leaf", leaf, "--key", pub, NULL);
    tr_assert_contains(out, "proof FAILED: the leaf is not in the tree");
    free(out);

    /* Another ledger's key: refused. */
    char other[400];
    fx_path(f, "other", other, sizeof other);
    free(tr_expect(0, "init", other, "--programme", "demo", "--currency", "GNF", NULL));
    fx_path(f, "other/signing.pub", other, sizeof other);
    out = tr_expect(1, "proof", "--check", proof, "--leaf", leaf, "--key", other, NULL);
    tr_assert_contains(out, "proof FAILED");
    free(out);

    out = tr_expect(2, "proof", "--check", proof, NULL);
    tr_assert_contains(out, "needs --leaf FILE and --key");
    free(out);

    /* Consistency proof: base64 hashes, one per line. */
    char size[32];
    snprintf(size, sizeof size, "%llu", tree_size(f));
    out = tr_expect(0, "proof", f->ledger, "--consistency", "3", size, NULL);
    assert_true(strlen(out) > 0);
    for (const char *p = out; *p != '\0';) {
        size_t n = strcspn(p, "\n");
        assert_int_equal(n, 44);
        assert_int_equal(p[43], '=');
        p += n + (p[n] == '\n');
    }
    free(out);
    out = tr_expect(1, "proof", f->ledger, "--consistency", "1", "999999", NULL);
    tr_assert_contains(out, "beyond");
    free(out);
}

static void test_verify_and_trial_balance(void **state)
{
    tr_fx *f = *state;
    init_demo(f);
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    char *out = tr_expect(0, "verify", f->ledger, NULL);
    tr_assert_contains(out, "entries:     3\n");
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    char pub[400];
    out = tr_expect(0, "verify", f->ledger, "--key",
                    fx_path(f, "ledger/signing.pub", pub, sizeof pub), NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    out = tr_expect(0, "trial-balance", f->ledger, "--programme", "demo", NULL);
    tr_assert_contains(out, "debits:               1009000 GNF\n");
    tr_assert_contains(out, "credits:              1009000 GNF\n");
    tr_assert_contains(out, "trial balance: balanced\n");
    free(out);
    out = tr_expect(1, "trial-balance", f->ledger, "--programme", "other", NULL);
    tr_assert_contains(out, "no programme named 'other'");
    free(out);
    out = tr_expect(1, "verify", fx_path(f, "missing", pub, sizeof pub), NULL);
    free(out);
}

static void test_sealed_key(void **state)
{
    tr_fx *f = *state;
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    char *out =
        tr_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "XOF", NULL);
    tr_assert_contains(out, "sealed with a passphrase");
    free(out);

    unsetenv("CAURIS_PASSPHRASE");
    out = tr_expect(1, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "demo",
                    NULL);
    tr_assert_contains(out, "sealed");
    tr_assert_contains(out, "CAURIS_PASSPHRASE");
    free(out);
    /* Reading needs no key. */
    free(tr_expect(0, "balance", f->ledger, "programme:fund", "--programme", "demo", NULL));

    char pass[400];
    fx_path(f, "pass.txt", pass, sizeof pass);
    tr_file_write(pass, "wrong passphrase\n");
    out = tr_expect(1, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "demo",
                    "--passphrase-file", pass, NULL);
    tr_assert_contains(out, "passphrase is missing or wrong");
    free(out);
    tr_file_write(pass, "correct horse battery staple\n");
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "demo",
                   "--passphrase-file", pass, NULL));

    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    out = post_file(f, 0, "fund.jsonl", TR_FUNDING_LINE, NULL);
    tr_assert_contains(out, "posted 1, existing 0, refused 0");
    free(out);
    unsetenv("CAURIS_PASSPHRASE");
    assert_balance(f, "demo", "partner:mfi1:cash", "1000000 XOF");
    out = tr_expect(0, "verify", f->ledger, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
}

/* Replaces every occurrence of `what` in the file with the same bytes, the
 * first one changed: what someone editing data.mdb by hand would do. */
static int file_tamper(const char *path, const char *what)
{
    size_t len, n = strlen(what);
    char *buf = tr_file_read(path, &len);
    int found = 0;
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, what, n) == 0) {
            buf[i] ^= 0x01;
            found++;
        }
    }
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
    free(buf);
    return found;
}

static void test_verify_detects_tampering(void **state)
{
    tr_fx *f = *state;
    char data[400];
    init_demo(f);
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    free(tr_expect(0, "verify", f->ledger, NULL));
    /* One byte of a stored entry: its external reference. */
    assert_true(file_tamper(fx_path(f, "ledger/data.mdb", data, sizeof data), "MFI-8812") >= 1);
    char *out = tr_expect(1, "verify", f->ledger, NULL);
    tr_assert_contains(out, "verify: FAILED: Merkle subtree (level 0");
    free(out);
}

static void test_key_rotate(void **state)
{
    tr_fx *f = *state;
    char pub[400], old_key[400], *text;
    size_t len;
    init_demo(f);
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    fx_path(f, "ledger/signing.pub", pub, sizeof pub);
    text = tr_file_read(pub, &len);
    fx_path(f, "old.pub", old_key, sizeof old_key);
    tr_file_write(old_key, text);
    char *out = tr_expect(0, "key", "rotate", f->ledger, NULL);
    tr_assert_contains(out, "new verifier key: ");
    char *new_text = tr_file_read(pub, &len);
    assert_string_not_equal(new_text, text);
    free(out);
    /* Still verifies, pinned to the old key and to the new. */
    out = tr_expect(0, "verify", f->ledger, "--key", old_key, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    out = tr_expect(0, "verify", f->ledger, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    /* The rotation's checkpoint carries two signatures. */
    out = tr_expect(0, "checkpoint", f->ledger, NULL);
    assert_int_equal(tr_count_of(out, "\xe2\x80\x94 "), 2);
    free(out);
    free(tr_expect(2, "key", "spin", f->ledger, NULL));
    free(tr_expect(0, "key", "--help", NULL));
    free(text);
    free(new_text);
}

/* `cauris token create` prints the token alone on stdout (what
 * `$(cauris token create ...)` captures) and its id, partner, programme and
 * roles on stderr. Returns the token, malloc'd, without its newline. */
static char *token_create(tr_fx *f, const char *partner, const char *roles, const char *name,
                          char id[17])
{
    char *out, *err;
    int rc = name ? tr_split(&out, &err, "token", "create", f->ledger, "--partner", partner,
                             "--roles", roles, "--name", name, NULL)
                  : tr_split(&out, &err, "token", "create", f->ledger, "--partner", partner,
                             "--roles", roles, NULL);
    if (rc != 0)
        fprintf(stderr, "token create: exit %d\n%s%s", rc, out, err);
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(out), 68); /* the token (67) and a newline: nothing else */
    assert_int_equal(out[67], '\n');
    assert_memory_equal(out, "cauris_", 7);
    out[67] = '\0';
    snprintf(id, 17, "%.16s", out + 7);
    char expect[200];
    snprintf(expect, sizeof expect, "token %s created for partner %s, programme demo, roles %s",
             id, partner, roles);
    tr_assert_contains(err, expect);
    tr_assert_contains(err, "shown only this once");
    tr_assert_not_contains(err, out + 24); /* the secret */
    free(err);
    return out;
}

static void test_tokens(void **state)
{
    tr_fx *f = *state;
    char id1[17], id2[17];
    init_ledger(f, "demo", "GNF");
    char *out = tr_expect(0, "token", "list", f->ledger, NULL);
    assert_string_equal(out, "0 tokens (0 valid, 0 revoked)\n");
    free(out);

    char *tok1 = token_create(f, "mfi1", "post,read", NULL, id1);
    char *tok2 = token_create(f, "mfi2", "post,approve,read,admin", "ops robot", id2);
    assert_string_not_equal(id1, id2);
    assert_string_not_equal(tok1, tok2);

    /* The list: every field but the secret, which the ledger does not have. */
    out = tr_expect(0, "token", "list", f->ledger, NULL);
    tr_assert_contains(out, "id  ");
    tr_assert_contains(out, "state\n");
    char line_start[100];
    snprintf(line_start, sizeof line_start, "\n%s  mfi1 ", id1);
    tr_assert_contains(out, line_start);
    char default_name[40];
    snprintf(default_name, sizeof default_name, "token-%s", id1);
    tr_assert_contains(out, default_name);
    tr_assert_contains(out, " post,read ");
    tr_assert_contains(out, " post,approve,read,admin ");
    tr_assert_contains(out, " ops robot ");
    tr_assert_contains(out, " demo ");
    assert_int_equal(tr_count_of(out, "Z  valid\n"), 2);
    tr_assert_contains(out, "2 tokens (2 valid, 0 revoked)\n");
    tr_assert_not_contains(out, tok1 + 24);
    tr_assert_not_contains(out, tok2 + 24);
    free(out);

    out = tr_expect(0, "token", "list", f->ledger, "--json", NULL);
    char field[100];
    snprintf(field, sizeof field, "\"id\": \"%s\"", id1);
    tr_assert_contains(out, field);
    tr_assert_contains(out, "\"partner\": \"mfi2\"");
    tr_assert_contains(out, "\"name\": \"ops robot\"");
    tr_assert_contains(out, "\"programme\": \"demo\"");
    tr_assert_contains(out, "\"admin\"");
    tr_assert_contains(out, "\"revoked_at\": null");
    assert_int_equal(tr_count_of(out, "\"state\": \"valid\""), 2);
    tr_assert_not_contains(out, tok1 + 24);
    free(out);

    /* Revoked: listed as such, with the time; revoking again is fine. */
    out = tr_expect(0, "token", "revoke", f->ledger, id1, NULL);
    snprintf(field, sizeof field, "token %s revoked\n", id1);
    assert_string_equal(out, field);
    free(out);
    free(tr_expect(0, "token", "revoke", f->ledger, id1, NULL));
    out = tr_expect(0, "token", "list", f->ledger, NULL);
    const char *line = strstr(out, line_start);
    assert_non_null(line);
    char first[300];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
    tr_assert_contains(first, "Z  revoked 20");
    tr_assert_contains(out, "2 tokens (1 valid, 1 revoked)\n");
    free(out);
    out = tr_expect(0, "token", "list", f->ledger, "--json", NULL);
    tr_assert_contains(out, "\"state\": \"revoked\"");
    tr_assert_contains(out, "\"revoked_at\": \"20");
    free(out);

    /* Mistakes: 2 for usage, 1 for what the ledger refuses. */
    out = tr_expect(1, "token", "revoke", f->ledger, "0123456789abcdef", NULL);
    tr_assert_contains(out, "no token with id 0123456789abcdef");
    free(out);
    out = tr_expect(2, "token", "revoke", f->ledger, tok2, NULL);
    tr_assert_contains(out, "is not a token id");
    free(out);
    out = tr_expect(2, "token", "revoke", f->ledger, NULL);
    tr_assert_contains(out, "see cauris token revoke --help");
    free(out);
    out = tr_expect(2, "token", "create", f->ledger, "--roles", "read", NULL);
    tr_assert_contains(out, "--partner ID is required");
    free(out);
    out = tr_expect(2, "token", "create", f->ledger, "--partner", "mfi1", NULL);
    tr_assert_contains(out, "--roles is required");
    free(out);
    out = tr_expect(2, "token", "create", f->ledger, "--partner", "mfi1", "--roles",
                    "post,write", NULL);
    tr_assert_contains(out, "'post,write' is not a list of roles");
    free(out);
    out = tr_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                    "--programme", "nosuch", NULL);
    tr_assert_contains(out, "no programme named 'nosuch'");
    free(out);
    out = tr_expect(1, "token", "create", f->ledger, "--partner",
                    "a-partner-id-longer-than-32-bytes", "--roles", "read", NULL);
    tr_assert_contains(out, "partner id must be 1 to 32 bytes");
    free(out);
    out = tr_expect(2, "token", NULL);
    tr_assert_contains(out, "needs create, list or revoke");
    free(out);
    out = tr_expect(2, "token", "delete", f->ledger, id2, NULL);
    tr_assert_contains(out, "unknown action 'delete'");
    free(out);
    char path[400];
    out = tr_expect(1, "token", "list", fx_path(f, "none", path, sizeof path), NULL);
    tr_assert_contains(out, "holds no cauris ledger");
    free(out);
    out = tr_expect(0, "token", "list", f->ledger, NULL);
    tr_assert_contains(out, "2 tokens (1 valid, 1 revoked)\n"); /* none of that changed it */
    free(out);

    static const char *const verbs[] = {"create", "list", "revoke"};
    for (size_t i = 0; i < 3; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "usage: cauris token %s", verbs[i]);
        out = tr_expect(0, "token", verbs[i], "--help", NULL);
        tr_assert_contains(out, usage);
        free(out);
    }

    /* With two programmes, create asks which one. */
    free(
        tr_expect(0, "programme", "create", f->ledger, "usd-pilot", "--currency", "USD", NULL));
    out = tr_expect(2, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                    NULL);
    tr_assert_contains(out, "give --programme NAME");
    free(out);
    out = tr_expect(0, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                    "--programme", "usd-pilot", NULL);
    tr_assert_contains(out, "programme usd-pilot");
    free(out);
    free(tok1);
    free(tok2);
}

static void test_tokens_sealed_key(void **state)
{
    tr_fx *f = *state;
    char pass[400], id[17];
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    free(tr_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "GNF", NULL));
    unsetenv("CAURIS_PASSPHRASE");
    /* Writing a token opens the ledger for writing, which needs the key. */
    char *out = tr_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles",
                          "read", NULL);
    tr_assert_contains(out, "sealed");
    tr_assert_contains(out, "CAURIS_PASSPHRASE");
    free(out);
    tr_file_write(fx_path(f, "pass.txt", pass, sizeof pass), "wrong\n");
    out = tr_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                    "--passphrase-file", pass, NULL);
    tr_assert_contains(out, "passphrase is missing or wrong");
    free(out);
    tr_file_write(pass, "correct horse battery staple\n");
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    free(token_create(f, "mfi1", "read", NULL, id));
    unsetenv("CAURIS_PASSPHRASE");
    /* Listing reads: no key needed. */
    out = tr_expect(0, "token", "list", f->ledger, NULL);
    tr_assert_contains(out, id);
    free(out);
    out = tr_expect(1, "token", "revoke", f->ledger, id, NULL);
    tr_assert_contains(out, "sealed");
    free(out);
    free(tr_expect(0, "token", "revoke", f->ledger, id, "--passphrase-file", pass, NULL));
    out = tr_expect(0, "token", "list", f->ledger, NULL);
    tr_assert_contains(out, "1 token (0 valid, 1 revoked)\n");
    free(out);
}

int main(void)
{
    if (tr_init("test_cli") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_init, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_accounts, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_balances_and_repost, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_usd_two_digits, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_refused_overdraft, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_malformed_posts_nothing, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_atomic, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_stdin, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_statement, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_entry_show, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_proof_and_check, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_and_trial_balance, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_key, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_key_rotate, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_tampering, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_only_programme_by_default, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_tokens, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_sealed_key, tr_fx_setup, tr_fx_teardown),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
