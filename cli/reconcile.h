/*
 * reconcile.h — what the three files of `cauris reconcile` share: the
 * matching (reconcile.c), reading the statement and the ledger
 * (cmd_reconcile.c) and the report (reconcile_report.c). Private to them.
 *
 * Both sides are lists of signed amounts in minor units, with the same
 * sign convention: + is money into the account (a debit of
 * partner:<mfi>:cash), - money out. The matcher knows nothing of files,
 * columns or formats.
 */
#ifndef CAURIS_CLI_RECONCILE_H
#define CAURIS_CLI_RECONCILE_H

#include "cli/cli.h"

#define REC_WINDOW_DAYS_DEFAULT 3
#define REC_WINDOW_DAYS_MAX 60
/* Ledger entries one statement line may be combined from: the nearest in
 * date are tried, at most this many (2^12 subsets at worst). */
#define REC_COMBINE_CANDIDATES_MAX 12
#define REC_LINES_MAX 200000u /* lines of one side kept for matching */
#define REC_NONE ((size_t)-1)

typedef enum rec_method {
    REC_UNMATCHED = 0,
    REC_BY_REF = 1,         /* the entry's external_ref is the line's ref */
    REC_BY_AMOUNT_DATE = 2, /* same amount, dates within the window */
    REC_BY_COMBINED = 3,    /* several entries summing to the line */
    REC_BY_REVERSAL = 4,    /* an entry and its reversal, both absent from the
                               statement: they cancel out */
    REC_DIFFERENCE = 5,     /* same ref, another amount */
} rec_method;

/* One line of the MFI's statement. */
typedef struct rec_stmt {
    uint64_t line;     /* line of the file */
    uint32_t date;     /* YYYYMMDD */
    int64_t day;       /* days since 1970-01-01 */
    int64_t amount;    /* minor units, + money in */
    const char *ref;   /* "" when none; borrowed */
    const char *label; /* "" when none; borrowed */
    bool in_period;
    size_t match; /* index in rec_result.matches, REC_NONE */
} rec_stmt;

/* One line of the account's history in the ledger. */
typedef struct rec_entry {
    uint64_t seq;
    uint32_t date; /* value date, YYYYMMDD */
    int64_t day;
    int64_t amount; /* minor units, + a debit of the account */
    ledger_kind kind;
    ledger_op op;
    uint64_t reverses; /* a reversal: the seq it reverses; LEDGER_SEQ_NONE */
    char external_ref[LEDGER_EXTREF_MAX + 1];
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    char memo[LEDGER_MEMO_MAX + 1];
    bool in_period;
    size_t match; /* index in rec_result.matches, REC_NONE */
} rec_entry;

/* A statement line (or none, for a reversal pair) with the entries it
 * matched: entries[first .. first + count) of rec_result.entry_index. */
typedef struct rec_match {
    rec_method method;
    size_t stmt; /* index in the statement lines, REC_NONE for a reversal pair */
    size_t first, count;
    int64_t entries_sum;
    bool reported; /* one of its lines is in the period */
} rec_match;

typedef struct rec_result {
    rec_match *matches;
    size_t matches_count;
    size_t *entry_index; /* indexes into the entries, grouped by match */
    size_t entry_index_count;
} rec_result;

/* Days since 1970-01-01 of a valid YYYYMMDD date (proleptic Gregorian). */
int64_t rec_day_of(uint32_t yyyymmdd);

/* Matches the statement lines against the entries (both arrays' `match`
 * fields are set), in order: (1) by reference, (2) by amount and date
 * within `window_days`, one to one, nearest date first then lowest seq,
 * (3) one line against up to REC_COMBINE_CANDIDATES_MAX entries of its
 * window summing exactly to it, (4) an entry and its reversal that no line
 * matched. `entries` must be in seq order. A match whose lines are all
 * outside the period is kept but not `reported`. Returns 0, or -1 when
 * out of memory. The caller frees with rec_result_free(). */
int rec_match_all(rec_stmt *stmts, size_t stmts_count, rec_entry *entries, size_t entries_count,
                  int window_days, rec_result *out);
void rec_result_free(rec_result *r);

/* a + b into *out; false (and *out untouched) when it would overflow. */
bool rec_add_checked(int64_t a, int64_t b, int64_t *out);

/* ---- the command (cmd_reconcile.c) and its report (reconcile_report.c) ---- */

#define RECONCILE_CMD "reconcile"

typedef enum rec_date_fmt {
    REC_DATE_AUTO,
    REC_DATE_ISO,
    REC_DATE_DMY,
    REC_DATE_MDY
} rec_date_fmt;
typedef enum rec_out_fmt { REC_OUT_TEXT, REC_OUT_CSV, REC_OUT_JSON } rec_out_fmt;

/* The command line, as given (NULL = not given). */
typedef struct rec_opts {
    const char *programme, *account, *statement, *from_text, *to_text, *format, *window_text;
    const char *col_date, *col_amount, *col_debit, *col_credit, *col_ref, *col_label;
    const char *date_format, *separator, *sign;
    bool decimal_comma, decimal_point;
} rec_opts;

/* Both sides, read, and what matched. */
typedef struct rec_ctx {
    const rec_opts *o;
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    uint32_t from, to; /* the period on value dates, 0 = open */
    int window;
    bool sign_ledger; /* --statement-sign ledger */
    rec_date_fmt dates;
    rec_out_fmt out;
    bool decimal_comma;
    cli_csv csv; /* owns the strings rec_stmt borrows */
    rec_stmt *stmts;
    size_t stmts_count;
    uint64_t skipped; /* rows without an amount */
    rec_entry *entries;
    size_t entries_count;
    rec_result r;
} rec_ctx;

/* What the period holds: the report's counts and nets. */
typedef struct rec_summary {
    size_t matched, differences, missing_ledger, missing_statement;
    size_t stmt_lines, entry_lines;
    int64_t stmt_net, entry_net;
    bool net_overflow;
} rec_summary;

void rec_summary_make(const rec_ctx *c, rec_summary *s);
bool rec_reconciled(const rec_summary *s);
/* Print the report to stdout; CLI_EXIT_OK, or CLI_EXIT_FAIL after saying
 * why (out of memory). */
int rec_report_text(const rec_ctx *c, const rec_summary *s);
int rec_report_csv(const rec_ctx *c);
int rec_report_json(const rec_ctx *c, const rec_summary *s);

#endif /* CAURIS_CLI_RECONCILE_H */
