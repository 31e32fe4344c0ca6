/*
 * cli.h — what the files of the cauris command share: the command table's
 * entry type, argument parsing, messages and exit codes, opening a ledger,
 * formatting and parsing amounts and dates, the JSON-lines entry parser,
 * CSV files (libcsv), participants' fields and programme settings.
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
int cmd_balance_sheet(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_verify_statement(int argc, char **argv);
int cmd_entry(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_programme(int argc, char **argv);
int cmd_programmes(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_participant(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_period(int argc, char **argv);
int cmd_deliveries(int argc, char **argv);
int cmd_group(int argc, char **argv);

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

#define CLI_REPEAT_MAX 64 /* values of one repeatable option */

/* Takes every "--name VALUE" / "--name=VALUE" of a repeatable option out
 * of argv[1..*argc) (up to a "--"), in order, into values[] (room for
 * CLI_REPEAT_MAX), their number to *count; argv keeps the rest, in order,
 * for cli_args_parse(). Returns 0, or CLI_EXIT_USAGE after printing the
 * error (a missing value, more than CLI_REPEAT_MAX). */
int cli_args_take_repeated(const char *cmd, int *argc, char **argv, const char *name,
                           const char **values, size_t *count);

/* Who runs the command: $USER, else the login name; NULL when neither is
 * known. The default principal of `cauris post`. */
const char *cli_login_name(void);

/* The partner recorded for what the programme's own staff do from the
 * CLI (participant changes, period closure) when no --partner is given. */
#define CLI_PROGRAMME_PARTNER "programme"

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
/* Parses an amount written for people, in the currency's units: "1234.56"
 * with 2 digits, "75000" with 0; with `decimal_comma`, "1234,56" too (CSV
 * files separated by ';'). No sign, exponent, spaces or thousands
 * separators; at most `digits` decimals; beyond int64 refused. Zero only
 * with `zero_ok`. 0 on success, else -1 with a reason in why[cap]. */
int cli_amount_parse_units(const char *text, int digits, bool decimal_comma, bool zero_ok,
                           int64_t *out, char *why, size_t cap);
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

#define CLI_WAGE_DAYS_MAX 366 /* days worked in one wage line */
/* A wage run's name: "<run>:<participant>:payout" must fit a client id
 * (the library's limit for ledger_deliveries_import). */
#define CLI_WAGE_RUN_MAX (LEDGER_CLIENT_ID_MAX - LEDGER_PARTICIPANT_ID_MAX - 8)

/* Funding, wage, payout, capital_release, grant_commit, grant_disburse
 * and the savings-group operations: the operations whose legs the library
 * derives. */
bool cli_op_typed(ledger_op op);
/* share_purchase, social_fund, group_loan, loan_repayment: the typed
 * savings-group operations, about a group (`group`) and one of its members
 * (`participant`), with `shares` (and `from_wallet`) or an `amount`. A
 * share_out is not one: only closing a cycle posts it. */
bool cli_op_group(ledger_op op);
/* Checks the programme-operation fields of an entry against its kind and
 * op (amount or days x daily_rate, participant, wage_run, ...), before the
 * library sees it; `has_legs` when legs were given. 0, or -1 with a reason
 * in why[cap]. Shared by JSON lines and CSV. */
int cli_entry_op_check(const ledger_entry_in *e, bool has_legs, char *why, size_t cap);
/* The client id of a wage-run line, "<run>:<participant>", into out; -1
 * with a reason when it does not fit or e->client_id is another one. */
int cli_wage_run_client_id(const ledger_entry_in *e, char out[LEDGER_CLIENT_ID_MAX + 1],
                           char *why, size_t cap);

/* Parses a minor-unit amount given as a JSON string: digits only, no sign,
 * no leading zeros, no decimal point or exponent, 1..INT64_MAX. 0 on
 * success, else -1 with a reason in why[cap]. */
int cli_amount_parse(const char *text, int64_t *out, char *why, size_t cap);

/* ---- CSV files (csv.c, on libcsv) ---- */

#define CLI_CSV_FILE_MAX (64u << 20) /* bytes of one CSV file */
#define CLI_CSV_COLUMNS_MAX 64       /* columns of one file */
#define CLI_CSV_ROWS_MAX 1000000u    /* data rows of one file */
#define CLI_CSV_FIELD_MAX 4096       /* bytes of one field */

/* One data row: its fields (NUL-terminated copies) and the line of the
 * file it starts on (1-based; the header is line 1 or later). */
typedef struct cli_csv_row {
    uint64_t line;
    char **fields;
    size_t count;
} cli_csv_row;

/* A whole CSV file, read and split: the header's column names, then the
 * data rows. Rows whose fields are all empty are left out. */
typedef struct cli_csv {
    char separator; /* ',' or ';' (or '\t') */
    char **header;
    size_t columns;
    uint64_t header_line;
    cli_csv_row *rows;
    size_t rows_count;
} cli_csv;

/* One column a command reads: its name in the header, and whether the
 * file must have it. */
typedef struct cli_csv_column {
    const char *name;
    bool required;
} cli_csv_column;

/* Reads `path` ("-" = standard input) with libcsv: quoted fields (with
 * separators, quotes and line ends inside), CRLF or LF, a UTF-8 byte order
 * mark. The separator is `separator` (",", ";" or "tab") when not NULL,
 * else the one of ',' and ';' that the header line holds more of outside
 * quotes. Every field must be UTF-8 without NUL, at most CLI_CSV_FIELD_MAX
 * bytes, and every row as long as the header. On failure prints the reason
 * (with the line) and returns CLI_EXIT_FAIL (CLI_EXIT_USAGE for a bad
 * `separator`); *out is then empty. */
int cli_csv_read(const char *cmd, const char *path, const char *separator, cli_csv *out);
void cli_csv_free(cli_csv *t);

/* Maps the header onto `spec` (n columns): index_out[i] is the column of
 * spec[i], or -1 when the file has none. A header name that is not in
 * `spec`, named twice, or a required column missing is an error: prints
 * it, with the columns the command knows, and returns CLI_EXIT_FAIL. */
int cli_csv_columns(const char *cmd, const char *path, const cli_csv *t,
                    const cli_csv_column *spec, size_t n, int *index_out);
/* The field of data row `row` in column `col`; "" when col is -1. */
const char *cli_csv_field(const cli_csv *t, size_t row, int col);

/* ---- shared by post, approve and cancel (cmd_post.c) ---- */

typedef struct cli_post_totals {
    uint64_t posted, awaiting, existing, refused;
} cli_post_totals;

/* Prints one entry's result: "line N: ok seq S", "line N: pending
 * approval, seq S", "line N: exists seq S" or "line N: refused NAME:
 * TEXT", and counts it. */
void cli_post_result_print(uint64_t line_no, const ledger_result *res, cli_post_totals *t);
/* "posted P, existing E, refused R[; A awaiting approval]; tree size N",
 * and how to approve what waits. */
void cli_post_summary_print(ledger *l, const char *dir, const cli_post_totals *t);

/* `cauris post DIR --csv FILE` (post_csv.c): reads, checks every row
 * (reporting each malformed one; then nothing is posted) and posts the
 * rows in requests of LEDGER_REQUEST_ENTRIES_MAX (one with `atomic`).
 * Returns an exit code: 1 when any row was malformed or refused. */
int cli_post_csv(ledger *l, const char *dir, const char *path, const char *separator,
                 const cli_jsonl_defaults *d, bool atomic);

/* A yes/no column (from_wallet): yes, y, true, 1 or no, n, false, 0, ""
 * in any case, into *out; 0, or -1 for anything else. */
int cli_yes_no_parse(const char *text, bool *out);
/* Whole shares of a share purchase, 1..LEDGER_SHARES_PER_MEETING_MAX, as
 * digits; 0, or -1 for anything else. */
int cli_shares_parse(const char *text, uint32_t *out);

/* ---- participants' fields (people.c): 0, or -1 with a reason in
 * why[cap] saying what to write ---- */

int cli_participant_id_check(const char *id, char *why, size_t cap);
/* UTF-8 of at most `max` bytes without control characters; not empty
 * when `required`. */
int cli_text_check(const char *text, size_t max, bool required, char *why, size_t cap);
int cli_sex_parse(const char *text, ledger_sex *out, char *why,
                  size_t cap); /* f m female male */
int cli_birth_year_parse(const char *text, uint16_t *out, char *why, size_t cap); /* "" = 0 */
int cli_wg_ss_check(const char *text, char *why, size_t cap); /* "" or six of 1..4 */
int cli_category_parse(const char *text, ledger_category *out, char *why, size_t cap);
int cli_phase_parse(const char *text, uint8_t *out, char *why, size_t cap); /* 1..3 */

/* ---- programme settings (cmd_programme.c) ---- */

/* Applies settings options to *s: --capital-rate-bp, --unlock-phase and
 * the --approval OP=AMOUNT|never|always values (amounts in the currency's
 * units, `digits` decimals). NULL = unchanged. Prints the error and
 * returns CLI_EXIT_USAGE for a malformed value. */
int cli_settings_apply(const char *cmd, ledger_settings *s, const char *rate_bp,
                       const char *unlock_phase, const char *const *approvals,
                       size_t approvals_count, int digits);

#endif /* CAURIS_CLI_H */
