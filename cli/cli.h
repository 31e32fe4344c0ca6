/*
 * cli.h — what the files of the cauris command share: the command table's
 * entry type, argument parsing, messages and exit codes, opening a ledger,
 * formatting amounts and dates, and the JSON-lines entry parser.
 *
 * The CLI includes ledger/ledger.h and nothing else of the library: it never
 * sees LMDB or libsodium. It parses and prints; every ledger rule stays in
 * ledger/.
 *
 * Exit codes: 0 success, 1 failure (the message says what to do), 2 bad
 * usage (one line, then "see cauris CMD --help").
 */
#ifndef CAURIS_CLI_H
#define CAURIS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ledger/ledger.h"

#define CLI_VERSION "0.1.0"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

#define CLI_POSITIONALS_MAX 64        /* positional arguments of one command */
#define CLI_AMOUNT_TEXT_MAX 32        /* "-9223372036854775.808" and a NUL fit */
#define CLI_DATE_TEXT_MAX 11          /* "YYYY-MM-DD" and a NUL */
#define CLI_PASSPHRASE_MAX 1024       /* bytes of a passphrase (first line of its file) */
#define CLI_SMALL_FILE_MAX (1u << 20) /* proof, leaf and key files, bytes */
#define CLI_LEAF_MAX 65536            /* bytes of one stored leaf we accept */

/* ---- the command table (main.c) ---- */

typedef int (*cli_cmd_fn)(int argc, char **argv);

/* Commands: argv[0] is the command's name ("post", "account", ...). */
int cmd_init(int argc, char **argv);
int cmd_account(int argc, char **argv);
int cmd_accounts(int argc, char **argv);
int cmd_post(int argc, char **argv);
int cmd_balance(int argc, char **argv);
int cmd_trial_balance(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_entry(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_programme(int argc, char **argv);
int cmd_programmes(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* ---- a running server instead of a ledger directory (remote.c) ---- */

/* The global options given before the command (main.c parses them). */
typedef struct cli_remote_opts {
    const char *server;     /* --server URL, else $CAURIS_SERVER: "http://host:port" */
    const char *token;      /* --token TOKEN */
    const char *token_file; /* --token-file FILE: the token on its first line */
    bool json_wire;         /* --json-wire: application/json instead of application/proto */
} cli_remote_opts;

/* Whether command `name` has a --server form (post, balance, statement,
 * proof, checkpoint). */
bool cli_remote_supported(const char *name);

/* Runs command argv[0] (one cli_remote_supported() accepts) against the
 * server o->server, with the token of --token, --token-file or
 * $CAURIS_TOKEN. Prints what the local command prints; a server's error as
 * "cauris CMD: server: CODE: MESSAGE". Returns an exit code: a missing
 * token or a malformed URL is CLI_EXIT_USAGE. */
int cli_remote_main(const cli_remote_opts *o, int argc, char **argv);

/* ---- arguments and messages (args.c) ---- */

/* One long option "--name VALUE" (or "--name=VALUE"); a flag when `value`
 * is NULL and `flag` is set. A table ends with a NULL name. */
typedef struct cli_opt {
    const char *name;   /* without the leading "--" */
    const char **value; /* where the value goes; NULL for a flag */
    bool *flag;         /* set to true when the flag is given */
} cli_opt;

typedef struct cli_args {
    const char *pos[CLI_POSITIONALS_MAX];
    size_t pos_count;
    bool help;
} cli_args;

/* Parses argv[1..argc) of command `cmd` ("account open", ...): the options
 * in `opts`, "--help"/"-h", "--" ending the options, everything else a
 * positional ("-" alone is a positional: standard input). Returns 0, or
 * CLI_EXIT_USAGE after printing the error. */
int cli_args_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, cli_args *out);

/* Prints "cauris CMD: <message>" and "see cauris CMD --help" to stderr;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "cauris CMD: <message>" to stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "cauris CMD: <what>: <ledger_strerror(err)> (<err_name>)";
 * returns CLI_EXIT_FAIL. */
int cli_fail_ledger(const char *cmd, const char *what, int err);
/* Prints a usage text to stdout; returns CLI_EXIT_OK. */
int cli_help(const char *text);

/* Parses a whole unsigned decimal number (no sign, no spaces) into *out;
 * 0 on success, -1 otherwise. */
int cli_parse_u64(const char *text, uint64_t *out);

/* ---- ledger access (common.c) ---- */

/* Opens the ledger in `dir`. A writer loads the signing key, with the
 * passphrase from `passphrase_file` (first line) or $CAURIS_PASSPHRASE when
 * the key is sealed. On failure prints the reason and returns
 * CLI_EXIT_FAIL; *out is written only on success. */
int cli_ledger_open(const char *cmd, const char *dir, bool writable,
                    const char *passphrase_file, ledger **out);

/* Reads a passphrase into out[cap]: the first line of `file` when given,
 * else $CAURIS_PASSPHRASE. *found is false when neither is there. Prints
 * the reason and returns CLI_EXIT_FAIL when the file cannot be read. */
int cli_passphrase_get(const char *cmd, const char *file, char *out, size_t cap, bool *found);
/* Overwrites a secret in a way the compiler keeps. */
void cli_wipe(void *p, size_t n);

#define CLI_PROGRAMMES_SHOWN 8 /* programme names listed in an error */

/* cli_ledger_open, then the programme the command works on: `given` when
 * the user gave one, else the ledger's only programme (with several and
 * none given, prints their names and returns CLI_EXIT_USAGE). On success
 * *out is open and programme[] holds the name. */
int cli_ledger_open_programme(const char *cmd, const char *dir, bool writable,
                              const char *passphrase_file, const char *given, ledger **out,
                              char programme[LEDGER_NAME_MAX + 1]);

/* The programme's currency and its minor-unit digits. Prints the reason
 * and returns CLI_EXIT_FAIL. */
int cli_programme_currency(const char *cmd, ledger *l, const char *programme,
                           char currency[LEDGER_CURRENCY_LEN + 1], int *digits_out);

/* Reads a whole file (at most `max` bytes) into a malloc'd NUL-terminated
 * buffer the caller frees. Prints the reason and returns CLI_EXIT_FAIL. */
int cli_file_read(const char *cmd, const char *path, size_t max, char **out, size_t *len_out);

/* A verifier key given as the key text itself or as a file holding it on
 * its first line; writes the key text into out[cap]. */
int cli_vkey_arg(const char *cmd, const char *arg, char *out, size_t cap);

/* ---- formatting (format.c) ---- */

/* "1234567" with 0 digits, "12345.67" with 2, "-0.05" ...; exact for every
 * int64_t including INT64_MIN. `digits` is 0..18. */
void cli_amount_format(char *out, size_t cap, int64_t minor, int digits);
/* 20261123 -> "2026-11-23"; "-" for 0. */
void cli_date_format(char out[CLI_DATE_TEXT_MAX], uint32_t yyyymmdd);
/* Unix seconds -> "2026-11-23 14:05:09Z" (UTC). */
void cli_time_format(char *out, size_t cap, int64_t unix_seconds);
/* "no_overdraft,locked" or "-" */
void cli_flags_format(char *out, size_t cap, uint32_t flags);
/* Standard base64 with padding of `len` bytes; out needs 4*ceil(len/3)+1. */
void cli_base64(char *out, size_t cap, const uint8_t *in, size_t len);

/* ---- JSON lines (jsonl.c) ---- */

#define CLI_JSONL_LINE_MAX 65536     /* bytes of one line, newline excluded */
#define CLI_JSONL_LINES_MAX 1000000u /* lines of one file */
#define CLI_JSONL_ERROR_MAX 256      /* bytes of one error message */

/* Reading a JSON-lines file line by line, with its line numbers. */
typedef struct cli_line_reader {
    FILE *f;
    char buf[CLI_JSONL_LINE_MAX + 1];
    size_t len;
    bool too_long;
    uint64_t no; /* 1-based number of the line in buf */
} cli_line_reader;

/* Reads the next line into r->buf (without its line end). Returns 1 for a
 * line, 0 at the end of the input, -1 on a read error. A line longer than
 * CLI_JSONL_LINE_MAX is consumed whole and flagged too_long. */
int cli_line_next(cli_line_reader *r);
/* A blank line or a '#' comment. */
bool cli_line_skipped(const cli_line_reader *r);

/* Defaults from the command line for fields a line leaves out. */
typedef struct cli_jsonl_defaults {
    const char *programme;
    const char *partner;
    const char *principal;
} cli_jsonl_defaults;

typedef enum cli_jsonl_kind {
    CLI_JSONL_SKIP = 0,  /* blank line or comment */
    CLI_JSONL_ENTRY = 1, /* an entry: `entry` is filled */
    CLI_JSONL_OPEN = 2,  /* account opening: `open_codes` and `programme` */
} cli_jsonl_kind;

/* One parsed line. Its strings point into `json`, which the line owns:
 * release it with cli_jsonl_line_free(). */
typedef struct cli_jsonl_line {
    cli_jsonl_kind kind;
    void *json; /* the parsed object (a json_t *) */
    ledger_entry_in entry;
    const char *programme; /* of an OPEN line */
    size_t open_count;
    const char *const *open_codes; /* malloc'd array of pointers into json */
} cli_jsonl_line;

/* Parses one line (without its newline). Returns 0 with *out filled, or -1
 * with a message naming the field in err[CLI_JSONL_ERROR_MAX] (and nothing
 * to free). */
int cli_jsonl_parse(const char *text, size_t len, const cli_jsonl_defaults *defaults,
                    cli_jsonl_line *out, char err[CLI_JSONL_ERROR_MAX]);
void cli_jsonl_line_free(cli_jsonl_line *line);

/* Parses a minor-unit amount given as a JSON string: digits only, no sign,
 * no leading zeros, no decimal point or exponent, 1..INT64_MAX. 0 on
 * success, else -1 with a reason in why[cap]. */
int cli_amount_parse(const char *text, int64_t *out, char *why, size_t cap);

#endif /* CAURIS_CLI_H */
