/*
 * run.c — the real `cauris` binary run from a test, and the text and file
 * helpers of the end-to-end CLI tests (see run.h).
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include "tests/run.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char bin[4096];

int tr_init(const char *test_name)
{
    const char *env = getenv("CAURIS_BIN");
    const char *root = getenv("CAURIS_ROOT");
    if (env != NULL && env[0] != '\0')
        snprintf(bin, sizeof bin, "%s", env);
    else
        snprintf(bin, sizeof bin, "%s/build/cauris", root ? root : ".");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "%s: %s is not an executable (set CAURIS_BIN or CAURIS_ROOT)\n",
                test_name, bin);
        return -1;
    }
    return 0;
}

size_t tr_collect(const char **args, va_list ap)
{
    size_t n = 0;
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        assert_true(n < TR_ARGS_MAX);
        args[n++] = a;
    }
    args[n] = NULL;
    return n;
}

const char *tr_bin(void)
{
    assert_true(bin[0] != '\0'); /* tr_init first */
    return bin;
}

/* Reads fd to its end: malloc'd, NUL-terminated, less than TR_OUT_MAX. */
static char *read_all(int fd)
{
    char *buf = malloc(TR_OUT_MAX + 1);
    assert_non_null(buf);
    size_t used = 0;
    for (;;) {
        ssize_t r = read(fd, buf + used, TR_OUT_MAX - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        used += (size_t)r;
        assert_true(used < TR_OUT_MAX);
    }
    buf[used] = '\0';
    return buf;
}

int tr_run(const char *input, char **out, char **err, const char *const *args)
{
    return tr_run_program(tr_bin(), input, out, err, args);
}

int tr_run_program(const char *program, const char *input, char **out, char **err,
                   const char *const *args)
{
    const char *argv[TR_ARGS_MAX + 2];
    size_t n = 0;
    argv[n++] = program;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(n <= TR_ARGS_MAX);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    char err_path[] = "/tmp/cauris-run-stderr-XXXXXX";
    int err_fd = -1;
    if (err != NULL) {
        err_fd = mkstemp(err_path);
        assert_true(err_fd >= 0);
    }
    int out_pipe[2], in_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    assert_int_equal(pipe(in_pipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err != NULL ? err_fd : out_pipe[1], 2);
        close(in_pipe[0]);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execv(program, (char *const *)argv);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (input != NULL) {
        size_t len = strlen(input);
        assert_true(len < TR_INPUT_MAX);
        assert_int_equal(write(in_pipe[1], input, len), (ssize_t)len);
    }
    close(in_pipe[1]);
    *out = read_all(out_pipe[0]);
    close(out_pipe[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (err != NULL) {
        close(err_fd);
        size_t len;
        *err = tr_file_read(err_path, &len);
        unlink(err_path);
        assert_true(len < TR_OUT_MAX);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

char *tr_run_args(int status, const char *input, const char *const *args)
{
    char *out;
    int got = tr_run(input, &out, NULL, args);
    if (got != status) {
        fprintf(stderr, "cauris");
        for (size_t i = 0; args[i] != NULL; i++)
            fprintf(stderr, " %s", args[i]);
        fprintf(stderr, "\nexit %d, expected %d; output:\n%s\n", got, status, out);
    }
    assert_int_equal(got, status);
    return out;
}

char *tr_expect(int status, ...)
{
    const char *args[TR_ARGS_MAX + 1];
    va_list ap;
    va_start(ap, status);
    tr_collect(args, ap);
    va_end(ap);
    return tr_run_args(status, NULL, args);
}

int tr_split(char **out, char **err, ...)
{
    const char *args[TR_ARGS_MAX + 1];
    va_list ap;
    va_start(ap, err);
    tr_collect(args, ap);
    va_end(ap);
    return tr_run(NULL, out, err, args);
}

void tr_assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fprintf(stderr, "expected to find:\n  %s\nin:\n%s\n", needle, haystack);
        fail();
    }
}

void tr_assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) != NULL) {
        fprintf(stderr, "did not expect:\n  %s\nin:\n%s\n", needle, haystack);
        fail();
    }
}

size_t tr_count_of(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Where `needle` starts in `out`; fails the test, printing both, when
 * nowhere. */
static const char *find_in(const char *out, const char *needle)
{
    const char *p = strstr(out, needle);
    if (p == NULL)
        fprintf(stderr, "no '%s' in:\n%s\n", needle, out);
    assert_non_null(p);
    return p;
}

void tr_assert_balance_in(const char *out, const char *code, const char *expected)
{
    char needle[128];
    snprintf(needle, sizeof needle, "%s ", code);
    const char *p = find_in(out, needle) + strlen(code);
    while (*p == ' ')
        p++;
    char got[128];
    snprintf(got, sizeof got, "%.*s", (int)strcspn(p, "\n"), p);
    if (strcmp(got, expected) != 0)
        fprintf(stderr, "balance of %s: got '%s', expected '%s'\n", code, got, expected);
    assert_string_equal(got, expected);
}

unsigned long long tr_seq_of_line(const char *out, int line_no)
{
    char needle[64];
    snprintf(needle, sizeof needle, "line %d: ok seq ", line_no);
    return strtoull(find_in(out, needle) + strlen(needle), NULL, 10);
}

void tr_file_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

char *tr_file_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (;;) {
        used += fread(buf + used, 1, cap - used, fp);
        if (used < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
        assert_non_null(buf);
    }
    assert_int_equal(ferror(fp), 0);
    fclose(fp);
    buf[used] = '\0';
    if (len != NULL)
        *len = used;
    return buf;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tr_remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tr_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int tr_fx_setup(void **state)
{
    tr_fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/cauris-cli-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->ledger, sizeof f->ledger, "%s/ledger", f->root);
    unsetenv("CAURIS_PASSPHRASE");
    *state = f;
    return 0;
}

int tr_fx_teardown(void **state)
{
    tr_fx *f = *state;
    tr_remove_tree(f->root);
    free(f);
    return 0;
}

const char *tr_fx_file(tr_fx *f, const char *name, const char *text, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->root, name);
    tr_file_write(buf, text);
    return buf;
}
