/*
 * run.h — running the real `cauris` binary from a test and reading what it
 * printed, for the end-to-end CLI tests (test_cli, test_cli_remote): the
 * binary with arguments and stdin, its output and exit status, and the
 * small text and file helpers their assertions use.
 *
 * Every function asserts (cmocka) on what it cannot do: a test that calls
 * one need not check for errors. Strings returned are malloc'd and
 * NUL-terminated; the caller frees them.
 */
#ifndef CAURIS_TESTS_RUN_H
#define CAURIS_TESTS_RUN_H

#include <stdarg.h>
#include <stddef.h>

#define TR_ARGS_MAX 64        /* arguments of one run, without the program name */
#define TR_OUT_MAX (4u << 20) /* bytes of output kept from one run */
#define TR_INPUT_MAX 60000    /* bytes of stdin: fits a pipe, so writing cannot block */

/* Finds the binary ($CAURIS_BIN when set and not empty, else
 * $CAURIS_ROOT/build/cauris, else ./build/cauris) and checks that it can be
 * run. Returns 0, or -1 after printing "<test_name>: ... is not an
 * executable" on stderr. Call once, from main, before any other tr_ run. */
int tr_init(const char *test_name);
/* The binary tr_init found. */
const char *tr_bin(void);

/* Copies the const char * arguments from `ap` up to its NULL into `args`
 * (room for TR_ARGS_MAX + 1, asserted), NULL-terminated; returns how many. */
size_t tr_collect(const char **args, va_list ap);

/* Runs the binary with `args` (NULL-terminated, without the program name),
 * `input` on stdin when not NULL (at most TR_INPUT_MAX bytes; else stdin is
 * empty). With `err` NULL, stdout and stderr go interleaved to *out; with
 * `err`, stdout alone to *out and stderr to *err. The caller frees *out
 * (and *err). Returns the exit status, 128 + signal when killed. */
int tr_run(const char *input, char **out, char **err, const char *const *args);
/* tr_run for another program of the build (`program`: its path), e.g. a
 * benchmark. */
int tr_run_program(const char *program, const char *input, char **out, char **err,
                   const char *const *args);
/* tr_run with stdout and stderr together; asserts the exit status (printing
 * the command and its output when it differs). Returns the output, which
 * the caller frees. */
char *tr_run_args(int status, const char *input, const char *const *args);
/* tr_run_args with the arguments listed, NULL-terminated, and no input. */
char *tr_expect(int status, ...);
/* tr_run with the arguments listed, NULL-terminated, no input, and stdout
 * (*out) apart from stderr (*err): for commands whose stdout a script
 * captures. The caller frees both. Returns the exit status. */
int tr_split(char **out, char **err, ...);

/* Fails the test, printing both, when `needle` is not in `haystack`. */
void tr_assert_contains(const char *haystack, const char *needle);
/* Fails the test, printing both, when `needle` is in `haystack`. */
void tr_assert_not_contains(const char *haystack, const char *needle);
/* How many times `needle` starts in `haystack` (overlapping ones count). */
size_t tr_count_of(const char *haystack, const char *needle);

/* Fails the test unless `out` (a `cauris balance` output) holds `code`,
 * spaces, then exactly `expected` up to the end of that line ("9000 GNF"). */
void tr_assert_balance_in(const char *out, const char *code, const char *expected);
/* The seq a post printed for line `line_no` ("line N: ok seq S"); fails
 * the test, printing `out`, when there is none. */
unsigned long long tr_seq_of_line(const char *out, int line_no);

/* Entries both CLI tests post, one JSON line each: funding of
 * partner:mfi1:cash, a wage of 10000 to participant P1 split 9000 wallet /
 * 1000 capital (PRINCIPAL: a "principal" field and its comma, or ""), and
 * a payout of 1000 from the wallet. P1 must be enrolled and the programme's
 * capital rate 1000 bp; the legs are the ones the typed operations derive. */
#define TR_FUNDING_LINE                                                                        \
    "{\"client_id\":\"fund-1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","              \
    "\"memo\":\"donor tranche\",\"legs\":[{\"account\":\"partner:mfi1:cash\","                 \
    "\"debit\":\"1000000\"},{\"account\":\"programme:fund\",\"credit\":\"1000000\"}]}\n"
#define TR_WAGE_LINE(PRINCIPAL)                                                                \
    "{\"client_id\":\"wage-2026-11-20-P1\",\"kind\":\"posted\",\"op\":\"wage\"," PRINCIPAL     \
    "\"participant\":\"P1\","                                                                  \
    "\"value_date\":\"2026-11-20\",\"external_ref\":\"MFI-8812\","                             \
    "\"memo\":\"week 47\",\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"10000\"},"    \
    "{\"account\":\"participant:P1:wallet\",\"credit\":\"9000\"},"                             \
    "{\"account\":\"participant:P1:capital\",\"credit\":1000}]}\n"
#define TR_PAYOUT_LINE                                                                         \
    "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"participant\":\"P1\","                       \
    "\"value_date\":\"2026-11-21\","                                                           \
    "\"external_ref\":\"MFI-9001\",\"legs\":[{\"account\":\"participant:P1:wallet\","          \
    "\"debit\":\"1000\"},{\"account\":\"partner:mfi1:cash\",\"credit\":\"1000\"}]}\n"

/* A CLI test's fixture: a temporary directory and the path of a ledger
 * in it (not created). The setup also clears CAURIS_PASSPHRASE. */
typedef struct tr_fx {
    char root[256];   /* the temporary directory */
    char ledger[300]; /* root/ledger */
} tr_fx;
int tr_fx_setup(void **state);
int tr_fx_teardown(void **state);
/* Writes `text` to root/name; its path goes to buf, which is returned. */
const char *tr_fx_file(tr_fx *f, const char *name, const char *text, char *buf, size_t cap);

/* Writes `text` to the file at `path`, replacing it. */
void tr_file_write(const char *path, const char *text);
/* The whole file at `path`, NUL-terminated after its bytes; *len (when not
 * NULL) gets its length. The caller frees it. */
char *tr_file_read(const char *path, size_t *len);
/* Removes the directory `dir` and all below it; quietly does what it can. */
void tr_remove_tree(const char *dir);
/* Sleeps `ms` milliseconds, all of them even when a signal comes. */
void tr_sleep_ms(long ms);

#endif
