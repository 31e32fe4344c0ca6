/*
 * test_cli.c — end-to-end tests of the `cauris` command: each test runs the
 * real binary (CAURIS_BIN, else $CAURIS_ROOT/build/cauris) on a fresh
 * temporary directory, captures its stdout and stderr together and its exit
 * status, and asserts what a person would read: exact balances, the lines
 * named in errors, exit codes 0 / 1 / 2.
 *
 * Keys are plain (fast) except in the one sealed-key test.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX (4u << 20) /* bytes of output kept from one run */

static char cauris_bin[4096];

static char *file_read(const char *path, size_t *len);

/* ---- running the binary ---- */

/* Runs cauris with argv (NULL-terminated, without the program name), feeding
 * `input` on stdin when not NULL. Returns the exit status (128 + signal when
 * killed); *out gets stdout and stderr interleaved, NUL-terminated, malloc'd. */
static int run_v(const char *input, char **out, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = cauris_bin;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n < 63);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    int out_pipe[2], in_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    assert_int_equal(pipe(in_pipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(out_pipe[1], 2);
        close(in_pipe[0]);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execv(cauris_bin, (char *const *)argv);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (input != NULL) {
        /* Small inputs only: they fit the pipe, so this cannot block. */
        size_t len = strlen(input);
        assert_true(len < 60000);
        assert_int_equal(write(in_pipe[1], input, len), (ssize_t)len);
    }
    close(in_pipe[1]);
    char *buf = malloc(OUT_MAX + 1);
    assert_non_null(buf);
    size_t used = 0;
    for (;;) {
        ssize_t r = read(out_pipe[0], buf + used, OUT_MAX - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        used += (size_t)r;
        assert_true(used < OUT_MAX);
    }
    close(out_pipe[0]);
    buf[used] = '\0';
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *out = buf;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* Runs cauris with the NULL-terminated arguments; asserts the exit status
 * (printing the output when it differs) and returns the output. */
static char *run_expect(int status, ...)
{
    const char *args[64];
    size_t n = 0;
    char *out;
    va_list ap;
    va_start(ap, status);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        assert_true(n < 63);
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    int got = run_v(NULL, &out, args);
    if (got != status) {
        fprintf(stderr, "cauris");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", args[i]);
        fprintf(stderr, "\nexit %d, expected %d; output:\n%s\n", got, status, out);
    }
    assert_int_equal(got, status);
    return out;
}

/* Runs cauris with the NULL-terminated arguments, stdin empty, and keeps
 * stdout (*out) and stderr (*err) apart, both malloc'd and NUL-terminated:
 * for commands whose stdout a script captures. Returns the exit status. */
static int run_split(char **out, char **err, ...)
{
    const char *argv[64];
    size_t n = 0;
    va_list ap;
    argv[n++] = cauris_bin;
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        assert_true(n < 63);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    char err_path[] = "/tmp/cauris-cli-stderr-XXXXXX";
    int err_fd = mkstemp(err_path);
    assert_true(err_fd >= 0);
    int out_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, 0);
        dup2(out_pipe[1], 1);
        dup2(err_fd, 2);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execv(cauris_bin, (char *const *)argv);
        _exit(127);
    }
    close(out_pipe[1]);
    char *buf = malloc(OUT_MAX + 1);
    assert_non_null(buf);
    size_t used = 0;
    for (;;) {
        ssize_t r = read(out_pipe[0], buf + used, OUT_MAX - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        used += (size_t)r;
        assert_true(used < OUT_MAX);
    }
    close(out_pipe[0]);
    buf[used] = '\0';
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(err_fd);
    size_t err_len;
    *err = file_read(err_path, &err_len);
    unlink(err_path);
    *out = buf;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fprintf(stderr, "expected to find:\n  %s\nin:\n%s\n", needle, haystack);
        fail();
    }
}

static void assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) != NULL) {
        fprintf(stderr, "did not expect:\n  %s\nin:\n%s\n", needle, haystack);
        fail();
    }
}

static size_t count_of(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- fixtures ---- */

typedef struct fx {
    char root[256];   /* the temporary directory */
    char ledger[300]; /* root/ledger */
} fx;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/cauris-cli-XXXXXX");
    if (mkdtemp(f->root) == NULL)
        return -1;
    snprintf(f->ledger, sizeof f->ledger, "%s/ledger", f->root);
    unsetenv("CAURIS_PASSPHRASE");
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    unsetenv("CAURIS_PASSPHRASE");
    return 0;
}

static const char *fx_path(fx *f, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->root, name);
    return buf;
}

static void file_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static char *file_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    buf[*len] = '\0';
    return buf;
}

static void init_ledger(fx *f, const char *programme, const char *currency)
{
    free(run_expect(0, "init", f->ledger, "--programme", programme, "--currency", currency,
                    NULL));
}

/* The balance `cauris balance` prints for one account: "8000 GNF". */
static void assert_balance(fx *f, const char *programme, const char *code, const char *expected)
{
    char *out = run_expect(0, "balance", f->ledger, code, "--programme", programme, NULL);
    size_t n = strlen(code);
    assert_memory_equal(out, code, n);
    const char *p = out + n;
    while (*p == ' ')
        p++;
    char got[128];
    snprintf(got, sizeof got, "%.*s", (int)strcspn(p, "\n"), p);
    if (strcmp(got, expected) != 0)
        fprintf(stderr, "balance of %s: got '%s', expected '%s'\n", code, got, expected);
    assert_string_equal(got, expected);
    free(out);
}

/* The tree size of the latest checkpoint (its second line). */
static unsigned long long tree_size(fx *f)
{
    char *out = run_expect(0, "checkpoint", f->ledger, NULL);
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    unsigned long long size = strtoull(nl + 1, NULL, 10);
    free(out);
    return size;
}

/* The seq printed for line `line_no` of a post ("line N: ok seq S"). */
static unsigned long long seq_of_line(const char *out, int line_no)
{
    char needle[64];
    snprintf(needle, sizeof needle, "line %d: ok seq ", line_no);
    const char *p = strstr(out, needle);
    assert_non_null(p);
    return strtoull(p + strlen(needle), NULL, 10);
}

/* ---- a file of entries: funding, a wage split 90/10, a payout ---- */

#define OPEN_LINE                                                                              \
    "{\"open\":[\"partner:mfi1:cash\",\"participant:P1:wallet\",\"participant:P1:capital\"]}"  \
    "\n"
#define FUNDING_LINE                                                                           \
    "{\"client_id\":\"fund-1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","              \
    "\"memo\":\"donor tranche\",\"legs\":[{\"account\":\"partner:mfi1:cash\","                 \
    "\"debit\":\"1000000\"},{\"account\":\"programme:fund\",\"credit\":\"1000000\"}]}\n"
#define WAGE_LINE                                                                              \
    "{\"client_id\":\"wage-2026-11-20-P1\",\"kind\":\"posted\",\"op\":\"wage\","               \
    "\"principal\":\"alice\",\"value_date\":\"2026-11-20\",\"external_ref\":\"MFI-8812\","     \
    "\"memo\":\"week 47\",\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10000\"},"    \
    "{\"account\":\"participant:P1:wallet\",\"credit\":\"9000\"},"                             \
    "{\"account\":\"participant:P1:capital\",\"credit\":1000}]}\n"
#define PAYOUT_LINE                                                                            \
    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","                \
    "\"external_ref\":\"MFI-9001\",\"legs\":[{\"account\":\"participant:P1:wallet\","          \
    "\"debit\":\"1000\"},{\"account\":\"partner:mfi1:cash\",\"credit\":\"1000\"}]}\n"

static const char entries_file[] = "# funding, wages, a payout\n"
                                   "\n" OPEN_LINE FUNDING_LINE WAGE_LINE PAYOUT_LINE;

static char *post_file(fx *f, int status, const char *name, const char *text, const char *extra)
{
    char path[400];
    fx_path(f, name, path, sizeof path);
    file_write(path, text);
    if (extra != NULL)
        return run_expect(status, "post", f->ledger, path, "--programme", "demo", "--partner",
                          "mfi1", "--principal", "test", extra, NULL);
    return run_expect(status, "post", f->ledger, path, "--programme", "demo", "--partner",
                      "mfi1", "--principal", "test", NULL);
}

/* ---- tests ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    static const char *const cmds[] = {"init",       "account",   "accounts", "post",
                                       "balance",    "statement", "entry",    "trial-balance",
                                       "checkpoint", "proof",     "verify",   "token"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = run_expect(0, cmds[i], "--help", NULL);
        assert_contains(out, "usage: cauris ");
        assert_contains(out, cmds[i]);
        free(out);
        out = run_expect(0, "help", cmds[i], NULL);
        assert_contains(out, "usage: cauris ");
        free(out);
    }
    char *out = run_expect(0, "--help", NULL);
    assert_contains(out, "trial-balance");
    free(out);
    out = run_expect(0, "help", NULL);
    assert_contains(out, "usage: cauris COMMAND");
    free(out);
    out = run_expect(0, "--version", NULL);
    assert_string_equal(out, "cauris 0.1.0\n");
    free(out);
    out = run_expect(0, "account", "open", "--help", NULL);
    assert_contains(out, "usage: cauris account open");
    free(out);

    out = run_expect(2, "frobnicate", NULL);
    assert_contains(out, "unknown command 'frobnicate'");
    free(out);
    out = run_expect(2, NULL);
    free(out);
    out = run_expect(2, "balance", NULL);
    assert_contains(out, "see cauris balance --help");
    free(out);
    out = run_expect(2, "verify", "/nonexistent", "--colour", "red", NULL);
    assert_contains(out, "unknown option --colour");
    assert_contains(out, "see cauris verify --help");
    free(out);
    out = run_expect(2, "balance", "/x", "a", "--programme", "p", "--as-of", "tomorrow", NULL);
    assert_contains(out, "not a date");
    free(out);
    out =
        run_expect(2, "balance", "/x", "a", "--programme", "p", "--as-of", "2026-+1-05", NULL);
    assert_contains(out, "not a date");
    free(out);
}

static void test_init(void **state)
{
    fx *f = *state;
    char path[400];
    char *out = run_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "GNF",
                           "--origin", "example.org/cauris-test", NULL);
    assert_contains(out, "origin: example.org/cauris-test\n");
    assert_contains(out, "verifier key: example.org/cauris-test+");
    assert_contains(out, "not sealed");

    struct stat st;
    assert_int_equal(stat(fx_path(f, "ledger/signing.key", path, sizeof path), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The printed verifier key is the one in signing.pub. */
    size_t len;
    char *pub = file_read(fx_path(f, "ledger/signing.pub", path, sizeof path), &len);
    char line[600];
    snprintf(line, sizeof line, "verifier key: %s", pub);
    assert_contains(out, line);
    free(pub);
    free(out);

    out = run_expect(1, "init", f->ledger, "--programme", "demo", "--currency", "GNF", NULL);
    assert_contains(out, "already holds a ledger");
    free(out);

    out = run_expect(1, "init", fx_path(f, "other", path, sizeof path), "--programme", "demo",
                     "--currency", "ZZZ", NULL);
    assert_contains(out, "not an ISO 4217 currency");
    free(out);
    out = run_expect(2, "init", path, "--currency", "GNF", NULL);
    assert_contains(out, "--programme NAME is required");
    free(out);
    out = run_expect(1, "balance", path, "programme:fund", "--programme", "demo", NULL);
    assert_contains(out, "holds no cauris ledger");
    free(out);
}

static void test_accounts(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out = run_expect(0, "account", "open", f->ledger, "partner:mfi1:cash",
                           "participant:P1:wallet", "participant:P1:capital", "--programme",
                           "demo", NULL);
    assert_contains(out, "partner:mfi1:cash ok\n");
    assert_contains(out, "participant:P1:capital ok\n");
    free(out);

    out = run_expect(1, "account", "open", f->ledger, "participant:P1:wallet", "nonsense",
                     "participant:P2:wallet", "--programme", "demo", NULL);
    assert_contains(out, "participant:P1:wallet account_exists\n");
    assert_contains(out, "nonsense invalid_account_code\n");
    assert_contains(out, "participant:P2:wallet ok\n");
    assert_contains(out, "2 of 3 accounts were not opened");
    free(out);

    out = run_expect(1, "account", "open", f->ledger, "participant:P3:wallet", "--programme",
                     "nosuch", NULL);
    assert_contains(out, "no programme of that name");
    free(out);

    out = run_expect(0, "accounts", f->ledger, "--programme", "demo", "--prefix",
                     "participant:", NULL);
    assert_contains(out, "participant:P1:capital");
    assert_contains(out, "no_overdraft,locked");
    assert_not_contains(out, "programme:fund");
    assert_contains(out, "3 accounts\n");
    free(out);

    out = run_expect(0, "account", "lock", f->ledger, "participant:P1:wallet", "--programme",
                     "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet no_overdraft,locked\n");
    free(out);
    out = run_expect(0, "account", "unlock", f->ledger, "participant:P1:wallet", "--programme",
                     "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet no_overdraft\n");
    free(out);
    out = run_expect(0, "account", "close", f->ledger, "participant:P2:wallet", "--programme",
                     "demo", NULL);
    assert_string_equal(out, "participant:P2:wallet no_overdraft,closed\n");
    free(out);
    out = run_expect(1, "account", "lock", f->ledger, "participant:P9:wallet", "--programme",
                     "demo", NULL);
    assert_contains(out, "unknown_account");
    free(out);
    out = run_expect(2, "account", "freeze", f->ledger, "participant:P1:wallet", "--programme",
                     "demo", NULL);
    assert_contains(out, "unknown action 'freeze'");
    free(out);
}

static void test_post_balances_and_repost(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    assert_contains(out, "line 3: ok open partner:mfi1:cash\n");
    assert_contains(out, "line 4: ok seq ");
    assert_contains(out, "line 5: ok seq ");
    assert_contains(out, "line 6: ok seq ");
    assert_contains(out, "posted 3, existing 0, refused 0; tree size ");
    free(out);

    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");
    assert_balance(f, "demo", "programme:fund", "1000000 GNF");
    assert_balance(f, "demo", "programme:wages", "10000 GNF");
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "participant:P1:capital", "1000 GNF");
    unsigned long long size = tree_size(f);

    /* As of the tree before the payout (its seq): the wage only. */
    char *cp =
        run_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "pay-1", NULL);
    char before[32];
    snprintf(before, sizeof before, "%llu", strtoull(cp + strlen("seq:"), NULL, 10));
    free(cp);
    out = run_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--tree-size", before, NULL);
    assert_string_equal(out, "participant:P1:wallet  9000 GNF\n");
    free(out);
    out = run_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--as-of", "2000-01-01", NULL);
    assert_string_equal(out, "participant:P1:wallet  0 GNF\n");
    free(out);

    /* The same file again: every line already there, nothing changes. */
    out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    assert_contains(out, "line 3: exists open partner:mfi1:cash\n");
    assert_contains(out, "line 4: exists seq ");
    assert_contains(out, "line 5: exists seq ");
    assert_contains(out, "line 6: exists seq ");
    assert_int_equal(count_of(out, ": ok "), 0);
    assert_contains(out, "posted 0, existing 3, refused 0");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");

    /* Same client id, other content: refused, not posted twice. */
    out = post_file(f, 1, "changed.jsonl",
                    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
                    "\"legs\":[{\"account\":\"participant:P1:wallet\",\"debit\":\"2000\"},"
                    "{\"account\":\"partner:mfi1:cash\",\"credit\":\"2000\"}]}\n",
                    NULL);
    assert_contains(out, "line 1: refused exists_with_different_fields");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");

    /* Several accounts at once, and JSON. */
    out = run_expect(0, "balance", f->ledger, "participant:P1:wallet", "programme:fund",
                     "--programme", "demo", NULL);
    assert_string_equal(out, "participant:P1:wallet     8000 GNF\n"
                             "programme:fund         1000000 GNF\n");
    free(out);
    out = run_expect(0, "balance", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--json", NULL);
    assert_contains(out, "\"code\": \"participant:P1:wallet\"");
    assert_contains(out, "\"balance\": \"8000\"");
    assert_contains(out, "\"currency\": \"GNF\"");
    free(out);
    out = run_expect(1, "balance", f->ledger, "participant:P7:wallet", "--programme", "demo",
                     NULL);
    assert_contains(out, "participant:P7:wallet: no account of that code");
    free(out);
}

static void test_post_usd_two_digits(void **state)
{
    fx *f = *state;
    init_ledger(f, "usdprog", "USD");
    char path[400];
    file_write(fx_path(f, "usd.jsonl", path, sizeof path),
               "{\"open\":[\"partner:mfi1:cash\",\"participant:P1:wallet\"]}\n"
               "{\"client_id\":\"f1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
               "\"legs\":[{\"account\":\"partner:mfi1:cash\",\"debit\":\"123456\"},"
               "{\"account\":\"programme:fund\",\"credit\":\"123456\"}]}\n"
               "{\"client_id\":\"g1\",\"op\":\"grant_disburse\",\"value_date\":\"2026-11-03\","
               "\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"5\"},"
               "{\"account\":\"participant:P1:wallet\",\"credit\":\"5\"}]}\n");
    char *out = run_expect(0, "post", f->ledger, path, "--programme", "usdprog", "--partner",
                           "mfi1", "--principal", "test", NULL);
    assert_contains(out, "posted 2, existing 0, refused 0");
    free(out);
    assert_balance(f, "usdprog", "partner:mfi1:cash", "1234.56 USD");
    assert_balance(f, "usdprog", "participant:P1:wallet", "0.05 USD");
    assert_balance(f, "usdprog", "programme:fund", "1234.56 USD");
    out = run_expect(0, "balance", f->ledger, "partner:mfi1:cash", "--programme", "usdprog",
                     "--json", NULL);
    assert_contains(out, "\"balance\": \"123456\"");
    assert_contains(out, "\"currency\": \"USD\"");
    free(out);
    out = run_expect(0, "trial-balance", f->ledger, "--programme", "usdprog", NULL);
    assert_contains(out, "1234.61 USD");
    assert_contains(out, "trial balance: balanced");
    free(out);
}

static void test_post_refused_overdraft(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out = post_file(
        f, 1, "overdraft.jsonl",
        OPEN_LINE FUNDING_LINE WAGE_LINE
        "{\"client_id\":\"pay-too-much\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
        "\"legs\":[{\"account\":\"participant:P1:wallet\",\"debit\":\"9001\"},"
        "{\"account\":\"partner:mfi1:cash\",\"credit\":\"9001\"}]}\n" PAYOUT_LINE,
        NULL);
    assert_contains(out, "line 2: ok seq ");
    assert_contains(out, "line 3: ok seq ");
    assert_contains(out, "line 4: refused insufficient_funds: insufficient funds");
    assert_contains(out, "line 5: ok seq ");
    assert_contains(out, "posted 3, existing 0, refused 1");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    assert_balance(f, "demo", "partner:mfi1:cash", "999000 GNF");

    /* The capital account is locked: nothing may leave it. */
    out = post_file(f, 1, "locked.jsonl",
                    "{\"client_id\":\"release\",\"op\":\"capital_release\","
                    "\"value_date\":\"2026-11-22\",\"legs\":[{\"account\":"
                    "\"participant:P1:capital\",\"debit\":\"1000\"},{\"account\":"
                    "\"participant:P1:wallet\",\"credit\":\"1000\"}]}\n",
                    NULL);
    assert_contains(out, "line 1: refused account_locked");
    free(out);
}

static void test_post_malformed_posts_nothing(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    unsigned long long size = tree_size(f);
    char *out = post_file(
        f, 1, "bad.jsonl",
        OPEN_LINE FUNDING_LINE
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
    assert_contains(out, "line 3: invalid JSON");
    assert_contains(out, "line 4: field legs[0].debit: not a whole number");
    assert_contains(out, "line 5: unknown field \"colour\"");
    assert_contains(out, "line 6: missing field legs");
    assert_contains(out, "line 7: field legs[0].debit: '9223372036854775808' is beyond");
    assert_contains(out, "line 8: field debit: the number is beyond");
    assert_contains(out, "line 9: field legs[0].debit: '-5' has a sign");
    assert_contains(out, "line 10: field legs[0].debit: '+5' has a sign");
    assert_contains(out, "8 malformed lines; nothing was posted");
    assert_not_contains(out, "line 1:");
    assert_not_contains(out, "line 2:");
    assert_not_contains(out, "line 11:");
    assert_not_contains(out, "ok seq");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = run_expect(1, "balance", f->ledger, "partner:mfi1:cash", "--programme", "demo", NULL);
    assert_contains(out, "no account of that code"); /* not even the open line ran */
    free(out);

    /* A line beyond the limit is named, and still nothing is posted. */
    size_t long_len = 70000;
    char *long_file = malloc(long_len + sizeof FUNDING_LINE + 16);
    assert_non_null(long_file);
    memcpy(long_file, FUNDING_LINE, sizeof FUNDING_LINE - 1);
    char *p = long_file + sizeof FUNDING_LINE - 1;
    memcpy(p, "{\"memo\":\"", 9);
    memset(p + 9, 'a', long_len);
    strcpy(p + 9 + long_len, "\"}\n");
    out = post_file(f, 1, "long.jsonl", long_file, NULL);
    free(long_file);
    assert_contains(out, "line 2: longer than 65536 bytes");
    assert_contains(out, "1 malformed line; nothing was posted");
    free(out);
    assert_int_equal(tree_size(f), size);

    /* With several programmes and none named, the line says what to give. */
    char path[400];
    free(run_expect(0, "programme", "create", f->ledger, "usd-pilot", "--currency", "USD",
                    NULL));
    size = tree_size(f);
    file_write(fx_path(f, "noprog.jsonl", path, sizeof path), FUNDING_LINE);
    out = run_expect(1, "post", f->ledger, path, "--partner", "mfi1", "--principal", "t", NULL);
    assert_contains(out, "line 1: no programme: give --programme NAME");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = run_expect(2, "balance", f->ledger, "programme:fund", NULL);
    assert_contains(out,
                    "this ledger holds 2 programmes (demo, usd-pilot): give --programme NAME");
    free(out);
    out = run_expect(0, "programmes", f->ledger, NULL);
    assert_contains(out, "demo");
    assert_contains(out, "usd-pilot");
    assert_contains(out, "USD");
    free(out);
    out =
        run_expect(0, "balance", f->ledger, "programme:fund", "--programme", "usd-pilot", NULL);
    assert_contains(out, "0.00 USD");
    free(out);
}

/* With one programme, --programme may be left out. */
static void test_only_programme_by_default(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char path[400];
    file_write(fx_path(f, "e.jsonl", path, sizeof path), entries_file);
    free(run_expect(0, "post", f->ledger, path, "--partner", "mfi1", "--principal", "t", NULL));
    assert_balance(f, "demo", "participant:P1:wallet", "8000 GNF");
    char *out = run_expect(0, "balance", f->ledger, "participant:P1:wallet", NULL);
    assert_contains(out, "8000 GNF");
    free(out);
    out = run_expect(0, "statement", f->ledger, "participant:P1:wallet", NULL);
    assert_contains(out, "closing balance: 8000 GNF");
    free(out);
    free(run_expect(0, "trial-balance", f->ledger, NULL));
    free(run_expect(0, "accounts", f->ledger, NULL));
    free(run_expect(0, "account", "lock", f->ledger, "participant:P1:wallet", NULL));
}

static void test_post_atomic(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    free(run_expect(0, "account", "open", f->ledger, "partner:mfi1:cash",
                    "participant:P1:wallet", "participant:P1:capital", "--programme", "demo",
                    NULL));
    unsigned long long size = tree_size(f);
    static const char file[] = FUNDING_LINE WAGE_LINE
        "{\"client_id\":\"pay-big\",\"op\":\"payout\",\"value_date\":\"2026-11-21\","
        "\"legs\":[{\"account\":\"participant:P1:wallet\",\"debit\":\"50000\"},"
        "{\"account\":\"partner:mfi1:cash\",\"credit\":\"50000\"}]}\n";
    char *out = post_file(f, 1, "atomic.jsonl", file, "--atomic");
    assert_contains(out, "line 1: refused linked_entry_failed");
    assert_contains(out, "line 2: refused linked_entry_failed");
    assert_contains(out, "line 3: refused insufficient_funds");
    assert_contains(out, "posted 0, existing 0, refused 3");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = run_expect(0, "balance", f->ledger, "partner:mfi1:cash", "participant:P1:wallet",
                     "--programme", "demo", NULL);
    assert_string_equal(out, "partner:mfi1:cash      0 GNF\n"
                             "participant:P1:wallet  0 GNF\n");
    free(out);

    /* Without --atomic the same file posts its two good entries. */
    out = post_file(f, 1, "atomic.jsonl", file, NULL);
    assert_contains(out, "posted 2, existing 0, refused 1");
    free(out);
    assert_balance(f, "demo", "participant:P1:wallet", "9000 GNF");
}

static void test_post_stdin(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    static const char *const args[] = {"post", NULL,        "-",    "--programme",
                                       "demo", "--partner", "mfi1", "--principal",
                                       "t",    NULL};
    const char *argv[10];
    memcpy(argv, args, sizeof args);
    argv[1] = f->ledger;
    char *out;
    int rc = run_v(OPEN_LINE FUNDING_LINE, &out, argv);
    if (rc != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    assert_contains(out, "line 2: ok seq ");
    free(out);
    assert_balance(f, "demo", "partner:mfi1:cash", "1000000 GNF");
}

static void test_statement(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    char *out = run_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme",
                           "demo", NULL);
    assert_contains(out, "programme: demo\n");
    assert_contains(out, "account:   participant:P1:wallet (liability)\n");
    assert_contains(out, "currency:  GNF\n");
    assert_contains(out, "opening balance: 0 GNF\n");
    assert_contains(out, "closing balance: 8000 GNF\n");
    assert_contains(out, "lines: 2\n");
    assert_contains(out, "2026-11-20");
    assert_contains(out, "wage");
    assert_contains(out, "week 47");
    assert_contains(out, "payout");
    assert_contains(out, "MFI-9001"); /* no memo: the external reference */
    /* The wage line: credit 9000, running balance 9000; the payout: 1000, 8000. */
    const char *wage = strstr(out, "week 47");
    assert_non_null(wage);
    char wage_line[256];
    snprintf(wage_line, sizeof wage_line, "%.*s", (int)strcspn(wage, "\n"), wage);
    assert_int_equal(count_of(wage_line, " 9000"), 2);
    const char *pay = strstr(out, "MFI-9001");
    char pay_line[256];
    snprintf(pay_line, sizeof pay_line, "%.*s", (int)strcspn(pay, "\n"), pay);
    assert_contains(pay_line, " 1000 ");
    assert_contains(pay_line, " 8000");
    free(out);

    /* Paging gives the same statement. */
    out = run_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--page-size", "1", NULL);
    assert_contains(out, "closing balance: 8000 GNF\n");
    assert_contains(out, "lines: 2\n");
    free(out);

    /* A period after everything: opening = closing, no lines. */
    out = run_expect(0, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--from", "2999-01-01", NULL);
    assert_contains(out, "opening balance: 8000 GNF\n");
    assert_contains(out, "closing balance: 8000 GNF\n");
    assert_contains(out, "lines: 0\n");
    free(out);

    out = run_expect(1, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--format", "pdf", NULL);
    assert_contains(out, "format pdf is not available yet");
    free(out);
    out = run_expect(2, "statement", f->ledger, "participant:P1:wallet", "--programme", "demo",
                     "--page-size", "0", NULL);
    free(out);
}

static void test_entry_show(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    char seq[32];
    snprintf(seq, sizeof seq, "%llu", seq_of_line(out, 5));
    free(out);
    out = run_expect(0, "entry", f->ledger, seq, NULL);
    assert_contains(out, "operation:    wage\n");
    assert_contains(out, "principal:    alice\n");
    assert_contains(out, "external ref: MFI-8812\n");
    assert_contains(out, "value date:   2026-11-20\n");
    assert_contains(out, "participant:P1:capital");
    assert_contains(out, "credit");
    free(out);
    out = run_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id",
                     "wage-2026-11-20-P1", NULL);
    char expect[64];
    snprintf(expect, sizeof expect, "seq:          %s\n", seq);
    assert_contains(out, expect);
    free(out);
    out = run_expect(1, "entry", f->ledger, "--partner", "mfi1", "--client-id", "nope", NULL);
    assert_contains(out, "no entry with client id nope");
    free(out);
    out = run_expect(1, "entry", f->ledger, "0", NULL);
    assert_contains(out, "is not an entry");
    free(out);
}

static void test_proof_and_check(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    char *out = post_file(f, 0, "entries.jsonl", entries_file, NULL);
    char seq[32], leaf[400], proof[400], pub[400];
    snprintf(seq, sizeof seq, "%llu", seq_of_line(out, 5));
    free(out);
    fx_path(f, "leaf.bin", leaf, sizeof leaf);
    fx_path(f, "proof.txt", proof, sizeof proof);
    fx_path(f, "ledger/signing.pub", pub, sizeof pub);

    out = run_expect(0, "proof", f->ledger, seq, "--leaf-out", leaf, NULL);
    assert_contains(out, "c2sp.org/tlog-proof@v1\n");
    char index_line[64];
    snprintf(index_line, sizeof index_line, "index %s\n", seq);
    assert_contains(out, index_line);
    file_write(proof, out);
    free(out);

    out = run_expect(0, "proof", "--check", proof, "--leaf", leaf, "--key", pub, NULL);
    assert_string_equal(out, "proof ok\n");
    free(out);
    /* The key given as text works the same. */
    size_t len;
    char *vkey = file_read(pub, &len);
    vkey[strcspn(vkey, "\n")] = '\0';
    out = run_expect(0, "proof", "--check", proof, "--leaf", leaf, "--key", vkey, NULL);
    assert_string_equal(out, "proof ok\n");
    free(out);
    free(vkey);

    /* One flipped byte in the leaf: refused. */
    char *bytes = file_read(leaf, &len);
    assert_true(len > 10);
    bytes[len / 2] ^= 0x01;
    FILE *fp = fopen(leaf, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
    free(bytes);
    out = run_expect(1, "proof", "--check", proof, "--leaf", leaf, "--key", pub, NULL);
    assert_contains(out, "proof FAILED: the leaf is not in the tree");
    free(out);

    /* Another ledger's key: refused. */
    char other[400];
    fx_path(f, "other", other, sizeof other);
    free(run_expect(0, "init", other, "--programme", "demo", "--currency", "GNF", NULL));
    fx_path(f, "other/signing.pub", other, sizeof other);
    out = run_expect(1, "proof", "--check", proof, "--leaf", leaf, "--key", other, NULL);
    assert_contains(out, "proof FAILED");
    free(out);

    out = run_expect(2, "proof", "--check", proof, NULL);
    assert_contains(out, "needs --leaf FILE and --key");
    free(out);

    /* Consistency proof: base64 hashes, one per line. */
    char size[32];
    snprintf(size, sizeof size, "%llu", tree_size(f));
    out = run_expect(0, "proof", f->ledger, "--consistency", "3", size, NULL);
    assert_true(strlen(out) > 0);
    for (const char *p = out; *p != '\0';) {
        size_t n = strcspn(p, "\n");
        assert_int_equal(n, 44);
        assert_int_equal(p[43], '=');
        p += n + (p[n] == '\n');
    }
    free(out);
    out = run_expect(1, "proof", f->ledger, "--consistency", "1", "999999", NULL);
    assert_contains(out, "beyond");
    free(out);
}

static void test_verify_and_trial_balance(void **state)
{
    fx *f = *state;
    init_ledger(f, "demo", "GNF");
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    char *out = run_expect(0, "verify", f->ledger, NULL);
    assert_contains(out, "entries:     3\n");
    assert_contains(out, "verify: ok\n");
    free(out);
    char pub[400];
    out = run_expect(0, "verify", f->ledger, "--key",
                     fx_path(f, "ledger/signing.pub", pub, sizeof pub), NULL);
    assert_contains(out, "verify: ok\n");
    free(out);
    out = run_expect(0, "trial-balance", f->ledger, "--programme", "demo", NULL);
    assert_contains(out, "debits:               1009000 GNF\n");
    assert_contains(out, "credits:              1009000 GNF\n");
    assert_contains(out, "trial balance: balanced\n");
    free(out);
    out = run_expect(1, "trial-balance", f->ledger, "--programme", "other", NULL);
    assert_contains(out, "no programme named 'other'");
    free(out);
    out = run_expect(1, "verify", fx_path(f, "missing", pub, sizeof pub), NULL);
    free(out);
}

static void test_sealed_key(void **state)
{
    fx *f = *state;
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    char *out =
        run_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "XOF", NULL);
    assert_contains(out, "sealed with a passphrase");
    free(out);

    unsetenv("CAURIS_PASSPHRASE");
    out = run_expect(1, "account", "open", f->ledger, "partner:mfi1:cash", "--programme",
                     "demo", NULL);
    assert_contains(out, "sealed");
    assert_contains(out, "CAURIS_PASSPHRASE");
    free(out);
    /* Reading needs no key. */
    free(run_expect(0, "balance", f->ledger, "programme:fund", "--programme", "demo", NULL));

    char pass[400];
    fx_path(f, "pass.txt", pass, sizeof pass);
    file_write(pass, "wrong passphrase\n");
    out = run_expect(1, "account", "open", f->ledger, "partner:mfi1:cash", "--programme",
                     "demo", "--passphrase-file", pass, NULL);
    assert_contains(out, "passphrase is missing or wrong");
    free(out);
    file_write(pass, "correct horse battery staple\n");
    free(run_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "demo",
                    "--passphrase-file", pass, NULL));

    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    out = post_file(f, 0, "fund.jsonl", FUNDING_LINE, NULL);
    assert_contains(out, "posted 1, existing 0, refused 0");
    free(out);
    unsetenv("CAURIS_PASSPHRASE");
    assert_balance(f, "demo", "partner:mfi1:cash", "1000000 XOF");
    out = run_expect(0, "verify", f->ledger, NULL);
    assert_contains(out, "verify: ok\n");
    free(out);
}

/* Replaces every occurrence of `what` in the file with the same bytes, the
 * first one changed: what someone editing data.mdb by hand would do. */
static int file_tamper(const char *path, const char *what)
{
    size_t len, n = strlen(what);
    char *buf = file_read(path, &len);
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
    fx *f = *state;
    char data[400];
    init_ledger(f, "demo", "GNF");
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    free(run_expect(0, "verify", f->ledger, NULL));
    /* One byte of a stored entry: its external reference. */
    assert_true(file_tamper(fx_path(f, "ledger/data.mdb", data, sizeof data), "MFI-8812") >= 1);
    char *out = run_expect(1, "verify", f->ledger, NULL);
    assert_contains(out, "verify: FAILED: Merkle subtree (level 0");
    free(out);
}

static void test_key_rotate(void **state)
{
    fx *f = *state;
    char pub[400], old_key[400], *text;
    size_t len;
    init_ledger(f, "demo", "GNF");
    free(post_file(f, 0, "entries.jsonl", entries_file, NULL));
    fx_path(f, "ledger/signing.pub", pub, sizeof pub);
    text = file_read(pub, &len);
    fx_path(f, "old.pub", old_key, sizeof old_key);
    file_write(old_key, text);
    char *out = run_expect(0, "key", "rotate", f->ledger, NULL);
    assert_contains(out, "new verifier key: ");
    char *new_text = file_read(pub, &len);
    assert_string_not_equal(new_text, text);
    free(out);
    /* Still verifies, pinned to the old key and to the new. */
    out = run_expect(0, "verify", f->ledger, "--key", old_key, NULL);
    assert_contains(out, "verify: ok\n");
    free(out);
    out = run_expect(0, "verify", f->ledger, NULL);
    assert_contains(out, "verify: ok\n");
    free(out);
    /* The rotation's checkpoint carries two signatures. */
    out = run_expect(0, "checkpoint", f->ledger, NULL);
    assert_int_equal(count_of(out, "\xe2\x80\x94 "), 2);
    free(out);
    free(run_expect(2, "key", "spin", f->ledger, NULL));
    free(run_expect(0, "key", "--help", NULL));
    free(text);
    free(new_text);
}

/* `cauris token create` prints the token alone on stdout (what
 * `$(cauris token create ...)` captures) and its id, partner, programme and
 * roles on stderr. Returns the token, malloc'd, without its newline. */
static char *token_create(fx *f, const char *partner, const char *roles, const char *name,
                          char id[17])
{
    char *out, *err;
    int rc = name ? run_split(&out, &err, "token", "create", f->ledger, "--partner", partner,
                              "--roles", roles, "--name", name, NULL)
                  : run_split(&out, &err, "token", "create", f->ledger, "--partner", partner,
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
    assert_contains(err, expect);
    assert_contains(err, "shown only this once");
    assert_not_contains(err, out + 24); /* the secret */
    free(err);
    return out;
}

static void test_tokens(void **state)
{
    fx *f = *state;
    char id1[17], id2[17];
    init_ledger(f, "demo", "GNF");
    char *out = run_expect(0, "token", "list", f->ledger, NULL);
    assert_string_equal(out, "0 tokens (0 valid, 0 revoked)\n");
    free(out);

    char *tok1 = token_create(f, "mfi1", "post,read", NULL, id1);
    char *tok2 = token_create(f, "mfi2", "post,approve,read,admin", "ops robot", id2);
    assert_string_not_equal(id1, id2);
    assert_string_not_equal(tok1, tok2);

    /* The list: every field but the secret, which the ledger does not have. */
    out = run_expect(0, "token", "list", f->ledger, NULL);
    assert_contains(out, "id  ");
    assert_contains(out, "state\n");
    char line_start[100];
    snprintf(line_start, sizeof line_start, "\n%s  mfi1 ", id1);
    assert_contains(out, line_start);
    char default_name[40];
    snprintf(default_name, sizeof default_name, "token-%s", id1);
    assert_contains(out, default_name);
    assert_contains(out, " post,read ");
    assert_contains(out, " post,approve,read,admin ");
    assert_contains(out, " ops robot ");
    assert_contains(out, " demo ");
    assert_int_equal(count_of(out, "Z  valid\n"), 2);
    assert_contains(out, "2 tokens (2 valid, 0 revoked)\n");
    assert_not_contains(out, tok1 + 24);
    assert_not_contains(out, tok2 + 24);
    free(out);

    out = run_expect(0, "token", "list", f->ledger, "--json", NULL);
    char field[100];
    snprintf(field, sizeof field, "\"id\": \"%s\"", id1);
    assert_contains(out, field);
    assert_contains(out, "\"partner\": \"mfi2\"");
    assert_contains(out, "\"name\": \"ops robot\"");
    assert_contains(out, "\"programme\": \"demo\"");
    assert_contains(out, "\"admin\"");
    assert_contains(out, "\"revoked_at\": null");
    assert_int_equal(count_of(out, "\"state\": \"valid\""), 2);
    assert_not_contains(out, tok1 + 24);
    free(out);

    /* Revoked: listed as such, with the time; revoking again is fine. */
    out = run_expect(0, "token", "revoke", f->ledger, id1, NULL);
    snprintf(field, sizeof field, "token %s revoked\n", id1);
    assert_string_equal(out, field);
    free(out);
    free(run_expect(0, "token", "revoke", f->ledger, id1, NULL));
    out = run_expect(0, "token", "list", f->ledger, NULL);
    const char *line = strstr(out, line_start);
    assert_non_null(line);
    char first[300];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
    assert_contains(first, "Z  revoked 20");
    assert_contains(out, "2 tokens (1 valid, 1 revoked)\n");
    free(out);
    out = run_expect(0, "token", "list", f->ledger, "--json", NULL);
    assert_contains(out, "\"state\": \"revoked\"");
    assert_contains(out, "\"revoked_at\": \"20");
    free(out);

    /* Mistakes: 2 for usage, 1 for what the ledger refuses. */
    out = run_expect(1, "token", "revoke", f->ledger, "0123456789abcdef", NULL);
    assert_contains(out, "no token with id 0123456789abcdef");
    free(out);
    out = run_expect(2, "token", "revoke", f->ledger, tok2, NULL);
    assert_contains(out, "is not a token id");
    free(out);
    out = run_expect(2, "token", "revoke", f->ledger, NULL);
    assert_contains(out, "see cauris token revoke --help");
    free(out);
    out = run_expect(2, "token", "create", f->ledger, "--roles", "read", NULL);
    assert_contains(out, "--partner ID is required");
    free(out);
    out = run_expect(2, "token", "create", f->ledger, "--partner", "mfi1", NULL);
    assert_contains(out, "--roles is required");
    free(out);
    out = run_expect(2, "token", "create", f->ledger, "--partner", "mfi1", "--roles",
                     "post,write", NULL);
    assert_contains(out, "'post,write' is not a list of roles");
    free(out);
    out = run_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                     "--programme", "nosuch", NULL);
    assert_contains(out, "no programme named 'nosuch'");
    free(out);
    out = run_expect(1, "token", "create", f->ledger, "--partner",
                     "a-partner-id-longer-than-32-bytes", "--roles", "read", NULL);
    assert_contains(out, "partner id must be 1 to 32 bytes");
    free(out);
    out = run_expect(2, "token", NULL);
    assert_contains(out, "needs create, list or revoke");
    free(out);
    out = run_expect(2, "token", "delete", f->ledger, id2, NULL);
    assert_contains(out, "unknown action 'delete'");
    free(out);
    char path[400];
    out = run_expect(1, "token", "list", fx_path(f, "none", path, sizeof path), NULL);
    assert_contains(out, "holds no cauris ledger");
    free(out);
    out = run_expect(0, "token", "list", f->ledger, NULL);
    assert_contains(out, "2 tokens (1 valid, 1 revoked)\n"); /* none of that changed it */
    free(out);

    static const char *const verbs[] = {"create", "list", "revoke"};
    for (size_t i = 0; i < 3; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "usage: cauris token %s", verbs[i]);
        out = run_expect(0, "token", verbs[i], "--help", NULL);
        assert_contains(out, usage);
        free(out);
    }

    /* With two programmes, create asks which one. */
    free(run_expect(0, "programme", "create", f->ledger, "usd-pilot", "--currency", "USD",
                    NULL));
    out = run_expect(2, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                     NULL);
    assert_contains(out, "give --programme NAME");
    free(out);
    out = run_expect(0, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                     "--programme", "usd-pilot", NULL);
    assert_contains(out, "programme usd-pilot");
    free(out);
    free(tok1);
    free(tok2);
}

static void test_tokens_sealed_key(void **state)
{
    fx *f = *state;
    char pass[400], id[17];
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    free(run_expect(0, "init", f->ledger, "--programme", "demo", "--currency", "GNF", NULL));
    unsetenv("CAURIS_PASSPHRASE");
    /* Writing a token opens the ledger for writing, which needs the key. */
    char *out = run_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles",
                           "read", NULL);
    assert_contains(out, "sealed");
    assert_contains(out, "CAURIS_PASSPHRASE");
    free(out);
    file_write(fx_path(f, "pass.txt", pass, sizeof pass), "wrong\n");
    out = run_expect(1, "token", "create", f->ledger, "--partner", "mfi1", "--roles", "read",
                     "--passphrase-file", pass, NULL);
    assert_contains(out, "passphrase is missing or wrong");
    free(out);
    file_write(pass, "correct horse battery staple\n");
    setenv("CAURIS_PASSPHRASE", "correct horse battery staple", 1);
    free(token_create(f, "mfi1", "read", NULL, id));
    unsetenv("CAURIS_PASSPHRASE");
    /* Listing reads: no key needed. */
    out = run_expect(0, "token", "list", f->ledger, NULL);
    assert_contains(out, id);
    free(out);
    out = run_expect(1, "token", "revoke", f->ledger, id, NULL);
    assert_contains(out, "sealed");
    free(out);
    free(run_expect(0, "token", "revoke", f->ledger, id, "--passphrase-file", pass, NULL));
    out = run_expect(0, "token", "list", f->ledger, NULL);
    assert_contains(out, "1 token (0 valid, 1 revoked)\n");
    free(out);
}

int main(void)
{
    const char *bin = getenv("CAURIS_BIN");
    const char *root = getenv("CAURIS_ROOT");
    if (bin != NULL && bin[0] != '\0')
        snprintf(cauris_bin, sizeof cauris_bin, "%s", bin);
    else
        snprintf(cauris_bin, sizeof cauris_bin, "%s/build/cauris", root ? root : ".");
    if (access(cauris_bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: %s is not an executable (set CAURIS_BIN or CAURIS_ROOT)\n",
                cauris_bin);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_init, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_accounts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_balances_and_repost, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_usd_two_digits, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_refused_overdraft, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_malformed_posts_nothing, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_atomic, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_stdin, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_statement, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_entry_show, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_proof_and_check, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_and_trial_balance, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_key, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_key_rotate, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_tampering, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_only_programme_by_default, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tokens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_sealed_key, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
