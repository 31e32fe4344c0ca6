/*
 * ledger.h — the public interface of the cauris ledger library.
 *
 * cauris is an append-only double-entry ledger for reintegration and
 * microfinance programmes. This header is the only one that code outside
 * ledger/ includes: the CLI, the RPC server, the tests and the benchmarks.
 *
 * What the library owns:
 *   - one ledger directory = one LMDB environment (data.mdb), one signing key
 *     (signing.key, mode 0600, optionally sealed with a passphrase) and its
 *     public verifier key (signing.pub);
 *   - programmes, each with an ISO 4217 currency and a chart of accounts;
 *   - entries of 2..16 balanced legs, posted in group commits: one LMDB write
 *     transaction, one Merkle append, one signed checkpoint, one fsync;
 *   - account history (running balance per line), statements, balances as of
 *     a date or a tree size, inclusion and consistency proofs, verification;
 *   - the RPC server's access tokens (stored hashed, outside the journal).
 *
 * What it never does: network I/O, protobuf, printing. Nothing is ever
 * deleted or rewritten; corrections are new entries (reversals).
 *
 * Conventions (libsodium / LMDB style):
 *   - functions return 0 (LEDGER_OK) on success or a ledger_err code;
 *   - out-pointers are written only on success;
 *   - strings passed in are borrowed for the duration of the call;
 *   - money is int64_t minor units of the programme's currency; every sum is
 *     overflow-checked.
 *
 * Thread safety: one ledger handle may be shared by threads. Commits are
 * serialised inside the library (one writer); reads run in LMDB read-only
 * transactions and are never blocked by the writer. Another process may open
 * the same directory read-only while a writer runs.
 */
#ifndef CAURIS_LEDGER_H
#define CAURIS_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Limits: every input is checked against these at the boundary. ---- */

#define LEDGER_LEGS_MIN 2
#define LEDGER_LEGS_MAX 16
#define LEDGER_CODE_MAX 64      /* account code, bytes */
#define LEDGER_NAME_MAX 64      /* programme name, bytes */
#define LEDGER_PARTNER_MAX 32   /* partner id, bytes */
#define LEDGER_PRINCIPAL_MAX 64 /* who posted, bytes */
#define LEDGER_CLIENT_ID_MAX 64 /* client entry id (idempotency key), bytes */
#define LEDGER_RESERVED_ID_PREFIX                                                              \
    "cauris:"                           /* client ids of entries the ledger posts              \
                                           itself (share-outs); refused from callers */
#define LEDGER_EXTREF_MAX 64            /* external reference (MFI transaction id) */
#define LEDGER_MEMO_MAX 256             /* memo, bytes */
#define LEDGER_ORIGIN_MAX 128           /* checkpoint origin line, bytes */
#define LEDGER_CURRENCY_LEN 3           /* ISO 4217 alphabetic code */
#define LEDGER_REQUEST_ENTRIES_MAX 8192 /* entries in one request */
#define LEDGER_BATCH_ENTRIES_MAX 65536  /* entries in one group commit */
#define LEDGER_BATCH_REQUESTS_MAX 8192  /* requests in one group commit */
#define LEDGER_DIR_MAX 4000             /* ledger directory path, bytes */
#define LEDGER_ACCOUNTS_OPEN_MAX 200000 /* accounts opened in one call */
#define LEDGER_PAGE_MAX 1000            /* statement lines per page */
#define LEDGER_PROOF_MAX 128            /* hashes in one proof */
#define LEDGER_CHECKPOINT_MAX 2048      /* signed checkpoint note, bytes */
#define LEDGER_PROOF_TEXT_MAX 8192      /* tlog-proof text, bytes */
#define LEDGER_HASH_BYTES 32
#define LEDGER_AMOUNT_MAX INT64_MAX

#define LEDGER_SEQ_NONE UINT64_MAX /* "no such line/entry" in seq fields */

/* ---- Errors and per-entry result codes (one enum; the RPC returns the
 * same values by name). Keep LEDGER_OK == 0 and the order stable. ---- */
typedef enum ledger_err {
    LEDGER_OK = 0,
    /* per-entry results */
    LEDGER_EXISTS, /* same partner+client id, same content: original seq */
    LEDGER_EXISTS_WITH_DIFFERENT_FIELDS, /* same partner+client id, other content */
    LEDGER_NOT_BALANCED,                 /* debits != credits */
    LEDGER_LEGS_COUNT,                   /* fewer than 2 or more than 16 legs */
    LEDGER_INVALID_AMOUNT,               /* amount <= 0 */
    LEDGER_UNKNOWN_PROGRAMME,
    LEDGER_UNKNOWN_ACCOUNT,
    LEDGER_INSUFFICIENT_FUNDS,       /* would overdraw a no-overdraft account */
    LEDGER_ACCOUNT_LOCKED,           /* money would leave a locked account */
    LEDGER_ACCOUNT_CLOSED,           /* any leg on a closed account */
    LEDGER_OVERFLOW,                 /* a balance or total would overflow int64 */
    LEDGER_INVALID_DATE,             /* value date not a real YYYYMMDD date */
    LEDGER_INVALID_FIELD,            /* a string too long, empty where required, bad UTF-8 */
    LEDGER_REF_NOT_FOUND,            /* referenced entry (pending / reversed) not found */
    LEDGER_REF_INVALID,              /* referenced entry is of the wrong kind or programme */
    LEDGER_PENDING_ALREADY_RESOLVED, /* pending entry already posted or voided */
    LEDGER_ALREADY_REVERSED,         /* entry already reversed once */
    LEDGER_LEGS_MISMATCH,            /* legs given for post/void differ from the pending ones */
    LEDGER_ACCOUNT_REPEATED,         /* one account in two legs of an entry */
    LEDGER_LINKED_ENTRY_FAILED,      /* atomic request: another entry of it failed */
    LEDGER_ACCOUNT_EXISTS,           /* account code already open */
    LEDGER_ACCOUNT_NOT_EMPTY,        /* closing an account with a balance or pending amounts */
    LEDGER_FLAGS_INVALID,            /* a flag change the chart or a closure forbids */
    LEDGER_INVALID_ACCOUNT_CODE,     /* code does not fit the chart of accounts */
    LEDGER_PROGRAMME_EXISTS,
    LEDGER_UNKNOWN_CURRENCY,
    /* call and system errors */
    LEDGER_INVALID_ARGUMENT,    /* a caller error: NULL, count out of range */
    LEDGER_NOT_FOUND,           /* no such entry, checkpoint or account */
    LEDGER_READ_ONLY,           /* write on a handle opened read-only */
    LEDGER_NOT_A_LEDGER,        /* directory holds no cauris ledger */
    LEDGER_ALREADY_INITIALISED, /* init on a directory that holds one */
    LEDGER_ALREADY_OPEN,        /* this process has that ledger open already */
    LEDGER_FORMAT_VERSION,      /* data written by another format version */
    LEDGER_KEY_PASSPHRASE,      /* key sealed and passphrase missing or wrong */
    LEDGER_KEY_MISMATCH,        /* key file does not match the ledger's key */
    LEDGER_CORRUPT,             /* stored data failed a check */
    LEDGER_VERIFY_FAILED,       /* verification found a discrepancy */
    LEDGER_IO,                  /* file system error (see errno) */
    LEDGER_STORAGE,             /* LMDB error */
    LEDGER_NOMEM,
    LEDGER_MAP_LIMIT,     /* map would grow past map_size_max */
    LEDGER_TOKEN_INVALID, /* access token malformed, unknown, wrong or revoked */
    /* programme operations (per-entry results too) */
    LEDGER_UNKNOWN_PARTICIPANT,  /* no participant of that id in the programme */
    LEDGER_PARTICIPANT_EXISTS,   /* enrolling an id already enrolled */
    LEDGER_DUPLICATE_PERSON,     /* same name, birth year and location as another
                                    participant, and not confirmed as a different person */
    LEDGER_PARTICIPANT_ERASED,   /* the participant's personal data was erased */
    LEDGER_CAPITAL_LOCKED,       /* capital released before the unlock phase */
    LEDGER_CAPITAL_HELD,         /* capital released while a hold is on it */
    LEDGER_FOUR_EYES_VIOLATION,  /* approved by the principal who asked for it */
    LEDGER_REQUEST_PENDING,      /* a request for the same action awaits approval */
    LEDGER_PERIOD_CLOSED,        /* value date inside a closed period */
    LEDGER_WRONG_CURRENCY,       /* the operation's currency is not the programme's */
    LEDGER_DELIVERY_CONTRADICTS, /* a delivery result contradicts the run, itself or an
                                    earlier import */
    LEDGER_DELIVERY_UNMATCHED,   /* a delivery line matches no line of the wage run */
    /* savings groups */
    LEDGER_UNKNOWN_GROUP,     /* no savings group of that id */
    LEDGER_GROUP_EXISTS,      /* creating a group id already used */
    LEDGER_NOT_A_MEMBER,      /* the participant is not a member of the group */
    LEDGER_NO_OPEN_CYCLE,     /* the group has no open cycle (or has one, to open one) */
    LEDGER_SHARE_LIMIT,       /* shares outside the cycle's limits for a meeting */
    LEDGER_LOAN_ABOVE_FUND,   /* a loan above the loan fund (cash less social fund) */
    LEDGER_LOANS_OUTSTANDING, /* a share-out while loans are not repaid */
    LEDGER_SOCIAL_FUND_KEPT,  /* a share-out may not touch the social fund, nor be posted
                                 other than by closing the cycle */
    LEDGER_ERR_COUNT          /* not an error: the number of codes */
} ledger_err;

/* A sentence a person can act on, e.g. "insufficient funds in a no-overdraft
 * account". Never NULL. */
const char *ledger_strerror(int err);
/* The stable snake_case name used on the wire and in CLI output, e.g.
 * "insufficient_funds". Never NULL. */
const char *ledger_err_name(int err);

/* ---- Accounts ---- */

typedef enum ledger_account_type {
    LEDGER_ASSET = 1,
    LEDGER_LIABILITY = 2,
    LEDGER_EQUITY = 3,
    LEDGER_INCOME = 4,
    LEDGER_EXPENSE = 5,
} ledger_account_type;

/* Account flags. "Money leaving" an account is a leg that lowers its
 * balance on its normal side: a debit on a liability, equity or income
 * account, a credit on an asset or expense account. */
#define LEDGER_FLAG_NO_OVERDRAFT                                                               \
    0x1u /* balance (normal side), less pending                                                \
            outflows, never below 0 */
#define LEDGER_FLAG_LOCKED                                                                     \
    0x2u /* no money leaves it (money may arrive);                                             \
            reversals and voids are not refused */
#define LEDGER_FLAG_CLOSED                                                                     \
    0x4u /* no legs at all but voids of what was                                               \
            pending; final, only when empty */
#define LEDGER_FLAGS_ALL 0x7u

typedef enum ledger_side { LEDGER_DEBIT = 0, LEDGER_CREDIT = 1 } ledger_side;

/* "asset", "liability", ... ; NULL for an unknown value. */
const char *ledger_account_type_name(ledger_account_type type);

/* The chart of accounts: derives the type and default flags of an account
 * from its code (see DESIGN.md), e.g. "participant:P1:wallet" -> liability,
 * no-overdraft. Returns LEDGER_INVALID_ACCOUNT_CODE for a code that fits no
 * pattern. Pure function. */
int ledger_chart_classify(const char *code, ledger_account_type *type_out, uint32_t *flags_out);

typedef struct ledger_account_info {
    uint64_t id;
    char code[LEDGER_CODE_MAX + 1];
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    ledger_account_type type;
    uint32_t flags;
    int64_t balance; /* posted, on the account's normal side */
    int64_t debits_posted, credits_posted;
    int64_t debits_pending, credits_pending;
    uint64_t lines_count; /* posted lines in its history */
    uint64_t latest_seq;  /* seq of its latest line, LEDGER_SEQ_NONE if none */
} ledger_account_info;

/* ---- Currencies ---- */

/* Minor unit digits of an ISO 4217 code (GNF 0, USD 2, ...), or -1 when the
 * code is unknown. */
int ledger_currency_digits(const char *code);

/* ---- Text ---- */

/* Length of the longest prefix of s[0..len) that is well-formed UTF-8 (RFC
 * 3629: no overlong forms, surrogates or values past U+10FFFF) without NUL:
 * the rule every string of the ledger follows. Equal to len when all of it
 * is. */
size_t ledger_utf8_valid_prefix(const char *s, size_t len);

/* ---- Dates: value dates are YYYYMMDD as a number, e.g. 20261123. ---- */

bool ledger_date_valid(uint32_t yyyymmdd);
/* Parses "YYYY-MM-DD"; 0 on success. */
int ledger_date_parse(const char *text, uint32_t *yyyymmdd_out);
/* The UTC date of a unix time in seconds. */
uint32_t ledger_date_of_time(int64_t unix_seconds);

/* ---- Opening and creating ---- */

typedef struct ledger ledger;

/* Clock for recorded times (unix seconds); tests set it. NULL = time(). */
typedef int64_t (*ledger_clock_fn)(void *ctx);

typedef struct ledger_options {
    const char *passphrase;  /* sealed key: its passphrase; NULL otherwise */
    bool read_only;          /* no key is loaded and no write is allowed */
    size_t map_size_initial; /* ledger_init: bytes, 0 = 64 MiB; ledger_open keeps the
                                size recorded in the file. Doubles when full */
    size_t map_size_max;     /* bytes; 0 = 1 TiB */
    ledger_clock_fn clock;
    void *clock_ctx;
} ledger_options;

typedef struct ledger_init_options {
    const char *programme;  /* first programme's name, [a-z0-9_-]{1,64} */
    const char *currency;   /* ISO 4217, e.g. "GNF" */
    const char *origin;     /* checkpoint origin; NULL = "cauris/<programme>/<random>" */
    const char *passphrase; /* seal the key with it; NULL = plain key file */
    ledger_options open;    /* map size and clock for the first commit */
    const struct ledger_settings *settings; /* the first programme's; NULL = defaults */
} ledger_init_options;

/* Creates a ledger in `dir` (created if missing; must hold no ledger): the
 * LMDB environment, a new Ed25519 signing key (signing.key, mode 0600),
 * signing.pub, the first programme with its fixed accounts (programme:fund,
 * programme:wages, programme:grants), and the first signed checkpoint. */
int ledger_init(const char *dir, const ledger_init_options *opt);

/* Opens an existing ledger. `opt` may be NULL (read-write, plain key).
 * On success *out owns the handle; free it with ledger_close(). A process
 * may hold one handle per ledger (LMDB's rule: a second one's close would
 * drop the first one's locks): share it between threads; a second open is
 * LEDGER_ALREADY_OPEN. Other processes may open it at the same time. */
int ledger_open(ledger **out, const char *dir, const ledger_options *opt);
void ledger_close(ledger *l);

/* Adds another programme (one currency each) to the ledger, with its fixed
 * accounts. */
int ledger_programme_create(ledger *l, const char *name, const char *currency);

typedef struct ledger_programme_info {
    char name[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits; /* minor unit digits of the currency */
} ledger_programme_info;

/* One programme by name: its currency and minor-unit digits.
 * LEDGER_UNKNOWN_PROGRAMME when there is none of that name. */
int ledger_programme_get(ledger *l, const char *name, ledger_programme_info *out);

/* The ledger's programmes in the order they were created: up to `max` to
 * out[], their number to *count_out, and how many there are in all to
 * *total_out (which may be NULL). */
int ledger_programmes_list(ledger *l, ledger_programme_info *out, size_t max, size_t *count_out,
                           size_t *total_out);

/* The checkpoint origin and the verifier key ("name+hexid+base64"). */
int ledger_origin(ledger *l, char *out, size_t cap);
int ledger_vkey(ledger *l, char *out, size_t cap);

/* Replaces the signing key with a new one (sealed with `passphrase`, or
 * plain when NULL). One batch records the new key as a key-event leaf; its
 * checkpoint is signed by both keys, so trust passes from the old key to the
 * new, and later checkpoints by the new key alone. signing.key and
 * signing.pub then hold the new key. A crash between the commit and the key
 * file's replacement is finished at the next ledger_open. */
int ledger_key_rotate(ledger *l, const char *passphrase);

/* ---- Accounts: opened and changed through the journal ---- */

/* Opens `count` accounts in one commit. Each code's type and default flags
 * come from ledger_chart_classify(). results[i] gets LEDGER_OK,
 * LEDGER_ACCOUNT_EXISTS or LEDGER_INVALID_ACCOUNT_CODE; the call itself fails
 * only for a programme, argument or storage error. */
int ledger_accounts_open(ledger *l, const char *programme, const char *const *codes,
                         size_t count, int *results);

/* Sets an account's flags (lock, unlock, close). Recorded as a leaf.
 * No-overdraft comes from the chart of accounts and never changes; closing is
 * final and needs a zero balance with nothing pending
 * (LEDGER_ACCOUNT_NOT_EMPTY); anything else is LEDGER_FLAGS_INVALID. */
int ledger_account_set_flags(ledger *l, const char *programme, const char *code,
                             uint32_t flags);

int ledger_account_get(ledger *l, const char *programme, const char *code,
                       ledger_account_info *out);

/* Lists accounts of a programme whose code starts with `prefix` ("" = all),
 * in code order, starting after `after_code` ("" = from the start).
 * Writes up to `max` to out[], the number in *count_out. */
int ledger_accounts_list(ledger *l, const char *programme, const char *prefix,
                         const char *after_code, ledger_account_info *out, size_t max,
                         size_t *count_out);

/* ---- Entries ---- */

typedef enum ledger_kind {
    LEDGER_KIND_POSTED = 1,   /* ordinary entry: moves posted balances */
    LEDGER_KIND_PENDING = 2,  /* reserves amounts; posted or voided later, once */
    LEDGER_KIND_POST = 3,     /* posts a pending entry (ref = the pending seq) */
    LEDGER_KIND_VOID = 4,     /* voids a pending entry (ref = the pending seq) */
    LEDGER_KIND_REVERSAL = 5, /* reverses a posted entry once (ref = its seq) */
} ledger_kind;

/* Operation codes recorded with each entry (what the entry means to the
 * programme). The ledger core checks the double-entry rules; domain rules
 * per operation come with the programme operations. */
typedef enum ledger_op {
    LEDGER_OP_TRANSFER = 1,
    LEDGER_OP_FUNDING = 2,
    LEDGER_OP_WAGE = 3,
    LEDGER_OP_PAYOUT = 4,
    LEDGER_OP_CAPITAL_RELEASE = 5,
    LEDGER_OP_GRANT_COMMIT = 6,
    LEDGER_OP_GRANT_DISBURSE = 7,
    LEDGER_OP_SHARE_PURCHASE = 8,
    LEDGER_OP_SOCIAL_FUND = 9,
    LEDGER_OP_GROUP_LOAN = 10,
    LEDGER_OP_LOAN_REPAYMENT = 11,
    LEDGER_OP_SHARE_OUT = 12,
    LEDGER_OP_MAX = 12,
} ledger_op;

const char *ledger_kind_name(ledger_kind kind); /* "posted", "pending", ... */
const char *ledger_op_name(ledger_op op);       /* "transfer", "wage", ... */
/* Parse names back; 0 on success. */
int ledger_kind_parse(const char *name, ledger_kind *out);
int ledger_op_parse(const char *name, ledger_op *out);

typedef struct ledger_leg_in {
    const char *account; /* account code within the entry's programme */
    ledger_side side;
    int64_t amount; /* > 0, minor units */
} ledger_leg_in;

/* Reporting tags: what donors disaggregate by. An entry about a participant
 * carries them, copied from the participant record when it is posted (so a
 * later change of cohort or phase does not rewrite history). */
#define LEDGER_PARTICIPANT_ID_MAX 32 /* bytes, [A-Za-z0-9_.-] */
#define LEDGER_REGION_MAX 64         /* admin-1 or admin-2 name, bytes */
#define LEDGER_COHORT_MAX 32         /* bytes */
#define LEDGER_BUDGET_LINE_MAX 32    /* donor budget line, bytes */
#define LEDGER_GROUP_ID_MAX 16       /* savings group id, bytes, [A-Za-z0-9_.-] */
#define LEDGER_WAGE_RUN_MAX 24       /* wage run id, bytes, no ':' */
#define LEDGER_HOLD_REASON_MAX 32    /* a hold's reason code, bytes */
#define LEDGER_PERSON_NAME_MAX 128   /* personal data: a name, bytes */
#define LEDGER_PHONE_MAX 32          /* personal data: a phone number, bytes */
#define LEDGER_WG_SS_LEN 6           /* Washington Group short set answers */
#define LEDGER_PHASE_MAX 3

typedef enum ledger_sex {
    LEDGER_SEX_UNKNOWN = 0,
    LEDGER_SEX_FEMALE = 1,
    LEDGER_SEX_MALE = 2
} ledger_sex;

/* Who the programme serves (DESIGN.md, "How the money moves"). */
typedef enum ledger_category {
    LEDGER_CATEGORY_UNKNOWN = 0,
    LEDGER_CATEGORY_FORMER_SECURITY_FORCES = 1,
    LEDGER_CATEGORY_COMMUNITY_MEMBER = 2,
    LEDGER_CATEGORY_RETURNED_MIGRANT = 3,
    LEDGER_CATEGORY_DISPLACED_PERSON = 4,
    LEDGER_CATEGORY_REFUGEE = 5,
    LEDGER_CATEGORY_MAX = 5,
} ledger_category;

/* Age bands of the reports, at an entry's value date. */
typedef enum ledger_age_band {
    LEDGER_AGE_UNKNOWN = 0,
    LEDGER_AGE_UNDER_15 = 1,
    LEDGER_AGE_15_24 = 2,
    LEDGER_AGE_25_34 = 3,
    LEDGER_AGE_35_49 = 4,
    LEDGER_AGE_50_PLUS = 5,
} ledger_age_band;

/* Disability from the Washington Group short set: unknown when not asked,
 * yes when any of the six domains is answered "a lot of difficulty" or
 * "cannot do at all" (the Group's recommended cut-off). */
typedef enum ledger_disability {
    LEDGER_DISABILITY_UNKNOWN = 0,
    LEDGER_DISABILITY_NO = 1,
    LEDGER_DISABILITY_YES = 2,
} ledger_disability;

typedef struct ledger_tags {
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1]; /* "" when the entry is about nobody */
    ledger_sex sex;
    ledger_age_band age_band;
    ledger_disability disability;
    char admin1[LEDGER_REGION_MAX + 1];
    char admin2[LEDGER_REGION_MAX + 1];
    ledger_category category;
    char cohort[LEDGER_COHORT_MAX + 1];
    uint8_t phase;                    /* 0 when not about a participant */
    char cso[LEDGER_PARTNER_MAX + 1]; /* the participant's CSO partner */
    char budget_line[LEDGER_BUDGET_LINE_MAX + 1];
    char group[LEDGER_GROUP_ID_MAX + 1]; /* savings-group operations: the group */
} ledger_tags;

const char *ledger_sex_name(ledger_sex sex);                /* "female", "male", "unknown" */
const char *ledger_category_name(ledger_category category); /* "returned_migrant", ... */
const char *ledger_age_band_name(ledger_age_band band);     /* "15-24", ... */
const char *ledger_disability_name(ledger_disability d);    /* "yes", "no", "unknown" */
int ledger_sex_parse(const char *name, ledger_sex *out);    /* also "f", "m" */
int ledger_category_parse(const char *name, ledger_category *out);
/* The age band of someone born in birth_year on a YYYYMMDD date. */
ledger_age_band ledger_age_band_at(uint16_t birth_year, uint32_t date);

/* Delivery results of a wage line, as the MFI reports them. */
typedef enum ledger_delivery {
    LEDGER_DELIVERY_NONE = 0,
    LEDGER_DELIVERY_DELIVERED = 1, /* the whole net wage was paid out */
    LEDGER_DELIVERY_PARTIAL = 2,   /* part of it (0 < amount < net wage) */
    LEDGER_DELIVERY_FAILED = 3,    /* nothing: the money stays in the wallet */
} ledger_delivery;
const char *ledger_delivery_name(ledger_delivery d);
int ledger_delivery_parse(const char *name, ledger_delivery *out);

typedef struct ledger_entry_in {
    const char *programme;
    ledger_kind kind;
    ledger_op op;
    const char *partner;      /* required: who is accountable for it */
    const char *principal;    /* required: the person or system that posted */
    const char *client_id;    /* required: idempotency key within the partner */
    const char *external_ref; /* optional ("" or NULL) */
    const char *memo;         /* optional */
    uint32_t value_date;      /* YYYYMMDD, required */
    uint64_t ref;             /* POST, VOID, REVERSAL: the seq referred to */
    uint32_t legs_count;      /* POST/VOID/REVERSAL: 0 = taken from the ref */
    ledger_leg_in legs[LEDGER_LEGS_MAX];
    /* Programme operations. Funding, wage, payout, capital_release,
     * grant_commit and grant_disburse are typed: their legs come from these
     * fields and the programme's settings (DESIGN.md's table), so legs_count
     * is 0 (legs given anyway must be exactly those). Transfers keep their
     * legs. Savings-group operations are typed too (below). Post, void and
     * reversal take their op from the entry they refer to. */
    const char *participant;  /* wage, payout, capital_release, grant_*: whose */
    const char *cash_partner; /* funding, payout, grant_disburse: the MFI whose
                                 partner:<mfi>:cash moves; NULL = `partner` */
    int64_t amount;           /* the operation's amount; a wage's gross */
    uint32_t days;            /* wage by days: days worked (then amount = 0) */
    int64_t daily_rate;       /* wage by days: rate per day, minor units */
    const char *wage_run;     /* wage: the run it belongs to (1..LEDGER_WAGE_RUN_MAX
                                 bytes, no ':'); its client id
                                 is then "<run>:<participant>" (client_id NULL,
                                 "" or exactly that) */
    const char *currency;     /* optional: refused unless the programme's */
    const char *budget_line;  /* donor budget line tag, optional */
    /* Savings-group operations (share_purchase, social_fund, group_loan,
     * loan_repayment) are typed too: group and participant (a member). */
    const char *group;
    uint32_t shares;  /* share_purchase: whole shares at the cycle's price */
    bool from_wallet; /* share_purchase: paid from the programme wallet (four
                         legs, through cash_partner's cash) */
} ledger_entry_in;

typedef struct ledger_result {
    int err;       /* LEDGER_OK, LEDGER_EXISTS or the reason it was refused */
    uint64_t seq;  /* the entry's seq when err is OK or EXISTS */
    bool awaiting; /* recorded as a request (pending) still awaiting a
                      second person's approval: grant commits, capital
                      releases and whatever the programme's settings say
                      (for LEDGER_EXISTS: not yet approved or cancelled) */
} ledger_result;

/* A request: what one client sent. With `atomic` all of its entries are
 * posted or none (the failing one gets its reason, the others
 * LEDGER_LINKED_ENTRY_FAILED). Otherwise each entry stands alone. */
typedef struct ledger_request {
    const ledger_entry_in *entries;
    uint32_t entries_count;
    bool atomic;
    ledger_result *results; /* caller-owned, entries_count of them */
} ledger_request;

typedef struct ledger_commit_info {
    uint64_t tree_size; /* after the commit */
    uint64_t batch;     /* batch number, 0 if nothing was written */
    size_t checkpoint_len;
    char checkpoint[LEDGER_CHECKPOINT_MAX]; /* the signed note covering them */
    /* Where the commit's time went, in microseconds: applying the requests
     * (all attempts, when the map had to grow), sealing the batch (Merkle
     * append, signed checkpoint) and LMDB's commit with its fsync. */
    uint32_t apply_us, seal_us, sync_us;
} ledger_commit_info;

/* Group commit: applies every request in one LMDB write transaction, appends
 * the new leaves to the Merkle log, signs one checkpoint and commits with
 * fsync. When it returns 0 every entry with result OK is durable. A storage
 * error leaves nothing written and is returned for the whole call; per-entry
 * refusals are in each request's results. If the map fills, it grows and the
 * commit is retried: the caller never sees MDB_MAP_FULL. `info` may be NULL. */
int ledger_commit(ledger *l, ledger_request *requests, size_t requests_count,
                  ledger_commit_info *info);

/* One request, one commit. */
int ledger_post(ledger *l, const ledger_entry_in *entries, uint32_t count, bool atomic,
                ledger_result *results, ledger_commit_info *info);

/* ---- Reading entries ---- */

typedef struct ledger_leg {
    uint64_t account_id;
    char account[LEDGER_CODE_MAX + 1];
    ledger_side side;
    int64_t amount;
    int64_t balance_after; /* the account's posted balance after this leg */
    uint64_t prev_seq;     /* the account's previous line, LEDGER_SEQ_NONE */
} ledger_leg;

typedef struct ledger_entry {
    uint64_t seq;
    char programme[LEDGER_NAME_MAX + 1];
    ledger_kind kind;
    ledger_op op;
    char partner[LEDGER_PARTNER_MAX + 1];
    char principal[LEDGER_PRINCIPAL_MAX + 1];
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    char external_ref[LEDGER_EXTREF_MAX + 1];
    char memo[LEDGER_MEMO_MAX + 1];
    uint32_t value_date;
    int64_t recorded_at; /* unix seconds, the commit's time */
    uint64_t ref;        /* post, void: the pending entry; reversal: the entry it
                            reverses; a PENDING entry with a ref is a reversal
                            awaiting approval (of that entry), and the POST that
                            approves it reverses it (its legs are the flipped
                            ones, its op the original's); otherwise
                            LEDGER_SEQ_NONE */
    uint32_t legs_count;
    ledger_leg legs[LEDGER_LEGS_MAX];
    ledger_tags tags;
} ledger_entry;

/* The entry at `seq`; LEDGER_NOT_FOUND if that leaf is not an entry. */
int ledger_entry_get(ledger *l, uint64_t seq, ledger_entry *out);
/* The seq of a partner's client entry id. */
int ledger_entry_find(ledger *l, const char *partner, const char *client_id, uint64_t *seq_out);

/* ---- Balances and statements ---- */

/* Balance as of a moment. Both zero = now. A tree size counts the entries
 * with seq < tree_size; a date counts entries recorded on or before that
 * UTC day (YYYYMMDD). Giving both is LEDGER_INVALID_ARGUMENT. */
typedef struct ledger_as_of {
    uint64_t tree_size;
    uint32_t date;
} ledger_as_of;

int ledger_balance(ledger *l, const char *programme, const char *code,
                   const ledger_as_of *as_of, int64_t *balance_out);

typedef struct ledger_line {
    uint64_t seq;
    uint32_t value_date;
    int64_t recorded_at;
    ledger_kind kind;
    ledger_op op;
    ledger_side side;
    int64_t amount;
    int64_t balance_after;
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    char external_ref[LEDGER_EXTREF_MAX + 1];
    char memo[LEDGER_MEMO_MAX + 1];
} ledger_line;

/* A statement covers the lines recorded from date_from to date_to inclusive
 * (UTC days; 0 = open-ended), oldest first. Pass page_token 0 for the first
 * page and the returned next_page_token for the next (0 = no more). */
typedef struct ledger_statement_query {
    const char *programme;
    const char *account;
    uint32_t date_from;
    uint32_t date_to;
    uint64_t page_token;
    uint32_t page_size; /* 1..LEDGER_PAGE_MAX */
} ledger_statement_query;

typedef struct ledger_statement {
    int64_t opening_balance; /* before the first line of the period */
    int64_t closing_balance; /* after the last line of the period */
    uint64_t lines_total;    /* lines in the whole period */
    uint32_t lines_count;    /* lines written to lines[] for this page */
    uint64_t next_page_token;
} ledger_statement;

/* `lines` is caller-owned with room for q->page_size lines. */
int ledger_statement_get(ledger *l, const ledger_statement_query *q, ledger_line *lines,
                         ledger_statement *out);

/* ---- Merkle log, checkpoints and proofs ---- */

/* The latest signed checkpoint (C2SP signed note) and its tree size. */
int ledger_checkpoint_latest(ledger *l, char *out, size_t cap, size_t *len_out,
                             uint64_t *tree_size_out);
/* The checkpoint signed for exactly this tree size. */
int ledger_checkpoint_get(ledger *l, uint64_t tree_size, char *out, size_t cap,
                          size_t *len_out);

/* Inclusion proof of leaf `seq` in the tree of `tree_size` leaves (0 =
 * latest checkpoint's). Writes the leaf hash, up to LEDGER_PROOF_MAX hashes
 * and their count. */
int ledger_inclusion_proof(ledger *l, uint64_t seq, uint64_t tree_size,
                           uint8_t leaf_hash[LEDGER_HASH_BYTES],
                           uint8_t proof[][LEDGER_HASH_BYTES], size_t *count_out);
/* Consistency proof between two tree sizes (RFC 6962 §2.1.2). */
int ledger_consistency_proof(ledger *l, uint64_t size_old, uint64_t size_new,
                             uint8_t proof[][LEDGER_HASH_BYTES], size_t *count_out);
/* Root hash of the tree of `tree_size` leaves. */
int ledger_root(ledger *l, uint64_t tree_size, uint8_t root[LEDGER_HASH_BYTES]);

/* The stored leaf bytes (type byte + payload; see docs/encoding.md). */
int ledger_leaf_get(ledger *l, uint64_t seq, uint8_t *out, size_t cap, size_t *len_out);

/* An offline proof in the C2SP tlog-proof@v1 text format for leaf `seq`
 * against the latest checkpoint. */
int ledger_proof_text(ledger *l, uint64_t seq, char *out, size_t cap, size_t *len_out);
/* Checks a tlog-proof@v1 text offline: the leaf bytes' inclusion and the
 * checkpoint's signature by `vkey`. LEDGER_OK or LEDGER_VERIFY_FAILED (with a
 * reason in `why`, which may be NULL). */
int ledger_proof_text_verify(const char *text, size_t len, const char *vkey,
                             const uint8_t *leaf, size_t leaf_len, char *why, size_t why_cap);

/* ---- Verification ---- */

typedef struct ledger_verify_report {
    uint64_t leaves;
    uint64_t entries;
    uint64_t accounts;
    uint64_t checkpoints;
    uint64_t batches;
    char first_error[512]; /* the first discrepancy, "" when none */
} ledger_verify_report;

/* Recomputes everything from the stored leaves: every leaf hash and stored
 * subtree, every checkpoint signature and the checkpoint chain, every account
 * balance and history line, the trial balance per programme. `vkey` pins the
 * first signing key (NULL = the ledger directory's signing.pub, if any).
 * Reads one consistent snapshot, so it may run while a writer commits; open
 * the handle read-only to verify from another process (LMDB allows one
 * environment handle per directory per process: pass the one you have).
 * Returns LEDGER_OK or LEDGER_VERIFY_FAILED with report->first_error naming
 * the first discrepancy. */
int ledger_verify(ledger *l, const char *vkey, ledger_verify_report *report);

/* ---- Trial balance ---- */

typedef struct ledger_trial_balance {
    int64_t debits;  /* sum of debit-side balances */
    int64_t credits; /* sum of credit-side balances */
    uint64_t accounts;
} ledger_trial_balance;

int ledger_trial_balance_get(ledger *l, const char *programme, ledger_trial_balance *out);

/* ---- Programme settings (journaled: every change is a leaf) ---- */

#define LEDGER_RATE_BP_MAX 10000        /* 100 % in basis points */
#define LEDGER_APPROVAL_NEVER INT64_MAX /* threshold: never needs approval */
#define LEDGER_APPROVAL_REVERSAL 0      /* approval_above[] index of reversals */

typedef struct ledger_settings {
    uint32_t capital_rate_bp; /* share of a gross wage withheld as capital, bp */
    uint8_t unlock_phase;     /* capital may be released from this phase, 1..3 */
    /* An entry whose amount is above approval_above[op] (an op's index;
     * [LEDGER_APPROVAL_REVERSAL] for reversals) is recorded pending and waits
     * for a second person's approval. 0 = always, LEDGER_APPROVAL_NEVER =
     * never. Grant commits and capital releases always need approval. */
    int64_t approval_above[LEDGER_OP_MAX + 1];
} ledger_settings;

/* A new programme's settings: rate 0, unlock phase 2, no approvals beyond
 * grant commits and capital releases. */
void ledger_settings_default(ledger_settings *out);
int ledger_settings_get(ledger *l, const char *programme, ledger_settings *out);
/* Records new settings as a leaf in one commit. LEDGER_INVALID_FIELD for a
 * rate above LEDGER_RATE_BP_MAX, a phase outside 1..3 or a negative
 * threshold. An admin's act: the caller checks who may. */
int ledger_settings_set(ledger *l, const char *programme, const char *principal,
                        const ledger_settings *s);

/* ---- Participants ----
 *
 * The journal holds only what reports need and a pseudonymous id; names and
 * phone numbers are personal data, encrypted at rest (XChaCha20-Poly1305)
 * under a key of the person's own that is itself sealed under the ledger's
 * data key (pii.key, apart from the signing key). Erasing a person destroys
 * that key: their personal data is gone for good while every leaf, and so
 * `verify`, stays as it was. */

typedef struct ledger_participant {
    char id[LEDGER_PARTICIPANT_ID_MAX + 1];
    ledger_sex sex;
    uint16_t birth_year;              /* 1900..2100; 0 unknown */
    char wg_ss[LEDGER_WG_SS_LEN + 1]; /* "" or six answers 1..4 (seeing, hearing,
                                         walking, cognition, self-care, communication) */
    char admin1[LEDGER_REGION_MAX + 1];
    char admin2[LEDGER_REGION_MAX + 1];
    ledger_category category;
    char cohort[LEDGER_COHORT_MAX + 1];
    uint8_t phase;                         /* 1..3 */
    char cso[LEDGER_PARTNER_MAX + 1];      /* the CSO partner following them */
    char hold[LEDGER_HOLD_REASON_MAX + 1]; /* "" or the reason code of a hold on capital */
    char name[LEDGER_PERSON_NAME_MAX + 1]; /* personal data ("" when erased or not read) */
    char phone[LEDGER_PHONE_MAX + 1];      /* personal data */
    bool erased;                           /* personal data destroyed */
    uint64_t enrolled_seq;                 /* its enrolment leaf */
} ledger_participant;

ledger_disability ledger_wg_ss_disability(const char *wg_ss);

typedef struct ledger_enrolment {
    ledger_participant p;              /* id..cso, name, phone; hold, erased, seq ignored */
    const char *confirm_distinct_from; /* id of a look-alike confirmed to be someone
                                          else; recorded in the leaf. NULL otherwise */
} ledger_enrolment;

typedef struct ledger_enrol_result {
    int err; /* OK, PARTICIPANT_EXISTS, DUPLICATE_PERSON, ... */
    char duplicate_of[LEDGER_PARTICIPANT_ID_MAX + 1]; /* DUPLICATE_PERSON: the look-alike */
    uint64_t seq;                                     /* the enrolment leaf */
} ledger_enrol_result;

#define LEDGER_ENROL_MAX 10000 /* participants in one call */

/* Enrols `count` participants in one commit: a participant leaf each, the
 * accounts participant:<id>:wallet, :capital (locked until the unlock
 * phase) and :grant, and the encrypted personal data. With `atomic`, all or
 * none. results[i] per row; the call fails only for argument or storage
 * errors. A look-alike is a participant of the same programme with the same
 * name (case and spacing aside), birth year, admin-1 and admin-2. */
int ledger_participants_enrol(ledger *l, const char *programme, const char *partner,
                              const char *principal, const ledger_enrolment *rows, size_t count,
                              bool atomic, ledger_enrol_result *results);

/* What a change sets (LEDGER_CHANGE_* bits) */
#define LEDGER_CHANGE_PHASE 0x01u
#define LEDGER_CHANGE_COHORT 0x02u
#define LEDGER_CHANGE_LOCATION 0x04u /* admin1 and admin2 */
#define LEDGER_CHANGE_CATEGORY 0x08u
#define LEDGER_CHANGE_WG_SS 0x10u
#define LEDGER_CHANGE_CSO 0x20u
#define LEDGER_CHANGE_CONTACT 0x40u /* name and phone (personal data) */
#define LEDGER_CHANGE_HOLD 0x80u    /* hold ("" lifts it) */
#define LEDGER_CHANGE_ALL 0xffu

/* Changes a participant: the fields of `changes` taken from `p`, recorded
 * as a participant leaf. Reaching the unlock phase unlocks the capital
 * account (unless held); a hold locks it again. Phases only move forward.
 * Errors: UNKNOWN_PARTICIPANT, PARTICIPANT_ERASED (contact), INVALID_FIELD. */
int ledger_participant_update(ledger *l, const char *programme, const char *partner,
                              const char *principal, const ledger_participant *p,
                              unsigned changes);

/* Destroys a participant's personal data for good and records it as a
 * leaf. Idempotent. */
int ledger_participant_erase(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *id);

/* A participant; with `personal`, name and phone decrypted. */
int ledger_participant_get(ledger *l, const char *programme, const char *id, bool personal,
                           ledger_participant *out);
/* Participants in id order after `after_id` ("" = from the start). */
int ledger_participants_list(ledger *l, const char *programme, const char *after_id,
                             ledger_participant *out, size_t max, size_t *count_out);

/* ---- Period closure (four eyes) ---- */

/* Asks to close every value date up to and including `through` (YYYYMMDD).
 * Recorded as a closure leaf; *seq_out is the request. One request at a
 * time (LEDGER_REQUEST_PENDING); `through` must be after the closed date. */
int ledger_period_close(ledger *l, const char *programme, const char *partner,
                        const char *principal, uint32_t through, uint64_t *seq_out);
/* Approves (approve = true) or cancels a closure request; *seq_out (may be
 * NULL) is the decision's leaf. Approval by its
 * requester is LEDGER_FOUR_EYES_VIOLATION; afterwards entries dated on or
 * before `through` are refused with LEDGER_PERIOD_CLOSED. */
int ledger_period_decide(ledger *l, const char *programme, const char *partner,
                         const char *principal, uint64_t request_seq, bool approve,
                         uint64_t *seq_out);
/* The last closed date (0 = none) and the open request (LEDGER_SEQ_NONE). */
int ledger_period_status(ledger *l, const char *programme, uint32_t *closed_through,
                         uint64_t *request_seq);

/* ---- Wage deliveries ---- */

typedef struct ledger_delivery_in {
    const char *participant; /* the run line's participant */
    ledger_delivery status;
    int64_t amount;           /* paid out: net wage (delivered), less (partial), 0 (failed) */
    const char *external_ref; /* the MFI's reference */
} ledger_delivery_in;

typedef struct ledger_delivery_report {
    bool examined;       /* the lines were examined: false for a call error */
    uint32_t lines_run;  /* lines of the wage run */
    uint32_t paid;       /* payouts posted (or already there, same) */
    uint32_t failed;     /* reported failed: the money stays in the wallet */
    uint32_t unreported; /* run lines the import does not mention */
    uint32_t refused;    /* lines in error (then nothing was posted) */
} ledger_delivery_report;

#define LEDGER_DELIVERIES_MAX 8192 /* lines of one import */

/* Imports the MFI's delivery results for wage run `run` of `partner`: a
 * payout entry (client id "<run>:<participant>:payout", dated value_date)
 * for each delivered or partial line, in one commit, all or nothing. An
 * import that contradicts itself (a participant twice, a status that does
 * not fit its amount), the run (a participant not in it, more than the net
 * wage) or an earlier import (another amount already paid) is refused as a
 * whole: results[i] names each line's reason, LEDGER_OK for the sound ones.
 * A line reported again the same way is LEDGER_EXISTS. A run's lines are
 * its posted wages (and its approved ones) that are not reversed.
 * Returns LEDGER_OK, or the import's verdict when it was refused (with
 * report->examined true and report->refused lines): the first refused
 * line's reason (LEDGER_DELIVERY_CONTRADICTS, LEDGER_DELIVERY_UNMATCHED
 * — preferred when any line is unmatched —, LEDGER_INVALID_FIELD for a line's
 * field, or a payout's own refusal such as LEDGER_INSUFFICIENT_FUNDS or
 * LEDGER_PERIOD_CLOSED), or a call error (report->examined false; then
 * report says nothing else). *report is always written. */
int ledger_deliveries_import(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *run, uint32_t value_date,
                             const ledger_delivery_in *lines, size_t count,
                             ledger_result *results, ledger_delivery_report *report);

/* ---- Savings groups (VSLA) ----
 *
 * A group of participants saves by buying shares at meetings, keeps a
 * social fund, lends from the rest (the loan fund) with a service charge,
 * and at the end of a cycle shares out: income in proportion to shares,
 * each member's savings paid back; the social fund stays. Accounts:
 * group:<g>:cash, :social, :income, :member:<p>, :loan:<p>. */

#define LEDGER_GROUP_NAME_MAX 64     /* bytes */
#define LEDGER_GROUP_MEMBERS_MAX 100 /* members of one group */
#define LEDGER_SHARES_PER_MEETING_MAX 100

typedef struct ledger_cycle {
    uint32_t number;             /* 1, 2, ... ; 0 = none yet */
    int64_t share_price;         /* minor units, > 0 */
    uint32_t shares_min;         /* shares a member buys at one meeting, at least */
    uint32_t shares_max;         /* and at most (default 1..5) */
    uint32_t service_charge_bp;  /* charge on each loan repayment, of the principal */
    uint32_t start, planned_end; /* YYYYMMDD */
    bool open;
} ledger_cycle;

typedef struct ledger_group_info {
    char id[LEDGER_GROUP_ID_MAX + 1];
    char name[LEDGER_GROUP_NAME_MAX + 1];
    char cso[LEDGER_PARTNER_MAX + 1];
    uint32_t members;
    ledger_cycle cycle; /* the current or last cycle */
    uint64_t shares;    /* shares bought in the current cycle */
    int64_t cash, social, income;
    int64_t loan_fund; /* cash less the social fund */
    int64_t loans_outstanding;
    int64_t savings;        /* the members' savings */
    uint32_t meetings;      /* in the current cycle */
    uint64_t attendance;    /* members present, summed over those meetings */
    int64_t last_share_out; /* paid to members at the last share-out */
    uint32_t last_share_out_members;
} ledger_group_info;

typedef struct ledger_group_member {
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
    uint32_t number;      /* 1, 2, ... in the order they joined */
    uint64_t shares;      /* in the current cycle */
    int64_t savings;      /* group:<g>:member:<p> */
    int64_t loan;         /* group:<g>:loan:<p> outstanding */
    int64_t income_share; /* what the share-out would give now */
} ledger_group_member;

/* Creates a group (its cash, social and income accounts) led by a CSO. */
int ledger_group_create(ledger *l, const char *programme, const char *partner,
                        const char *principal, const char *group, const char *name);
/* Adds enrolled participants as members (their member and loan accounts).
 * results[i]: OK, UNKNOWN_PARTICIPANT, or LEDGER_EXISTS for a member
 * already; the call fails only on argument or storage errors. */
int ledger_group_members_add(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *group,
                             const char *const *participants, size_t count, int *results);
/* Opens the next cycle (number and `open` are set by the library).
 * LEDGER_NO_OPEN_CYCLE when one is open; INVALID_FIELD for a price <= 0,
 * limits outside 1..LEDGER_SHARES_PER_MEETING_MAX or min > max, a rate
 * above 10,000 bp, or dates out of order. */
int ledger_cycle_open(ledger *l, const char *programme, const char *partner,
                      const char *principal, const char *group, const ledger_cycle *c);

typedef struct ledger_meeting_report {
    int64_t cash_expected; /* the ledger's group:<g>:cash after the meeting's entries */
    int64_t cash_counted;  /* what the group counted in the box */
    int64_t difference;    /* counted - expected: recorded in the meeting leaf */
    uint32_t present;
    uint64_t seq;  /* the meeting leaf */
    bool repeated; /* the group's meeting of that day was recorded already:
                      this is its report, and no second one was made */
} ledger_meeting_report;

/* A meeting, in one commit: its entries (the group's own operations —
 * share_purchase, social_fund, group_loan, loan_repayment — of `group`, dated `date`,
 * else LEDGER_INVALID_FIELD;
 * each with its own result, as ledger_post), then a meeting leaf recording
 * who was present and the cash counted against the ledger's; a difference
 * is reported and recorded, never adjusted silently. A group has one
 * meeting a day: calling again for a day already recorded (a retry) posts
 * the entries not yet posted (the others are LEDGER_EXISTS) and reports
 * the meeting recorded, with `repeated`. */
int ledger_group_meeting(ledger *l, const char *programme, const char *partner,
                         const char *principal, const char *group, uint32_t date,
                         const char *const *present, size_t present_count, int64_t cash_counted,
                         const ledger_entry_in *entries, uint32_t count, ledger_result *results,
                         ledger_meeting_report *report);

typedef struct ledger_share_out_report {
    int64_t income;      /* shared in proportion to shares */
    int64_t paid;        /* savings and income paid back to members */
    int64_t social_kept; /* the social fund, left in the group */
    uint32_t members_paid;
    uint32_t entries; /* share_out entries posted */
} ledger_share_out_report;

/* Closes the open cycle with its share-out, in one commit, dated `date`.
 * Refused with LEDGER_LOANS_OUTSTANDING while any member owes the group.
 * The group's income is divided in proportion to the shares each member
 * bought in the cycle: each gets floor(income x shares / total); the units
 * left over go one each to the members with the largest remainders, ties
 * to the earlier member (the largest-remainder method: nothing is left
 * undivided). Then every member's savings and income are paid out of the
 * group's cash. The social fund stays. The share-out entries' client ids
 * are "cauris:share-out:<group>:<cycle>:<k>", partner `partner`. */
int ledger_cycle_close(ledger *l, const char *programme, const char *partner,
                       const char *principal, const char *group, uint32_t date,
                       ledger_share_out_report *report);

int ledger_group_get(ledger *l, const char *programme, const char *group,
                     ledger_group_info *out);
/* Members in the order they joined: up to max, their number in *count_out. */
int ledger_group_members(ledger *l, const char *programme, const char *group,
                         ledger_group_member *out, size_t max, size_t *count_out);

/* ---- Issued statements (printed for participants) ----
 *
 * Issuing a participant's statement for a period appends a statement leaf
 * (its accounts' opening and closing balances, number of lines and the
 * RFC 6962 root of those lines' leaf hashes, as of a tree size) and signs
 * it into the log. Its payload, for the QR code on the paper, is the leaf
 * itself and its inclusion proof against a signed checkpoint: anyone with
 * the ledger's public key can check offline that the printed figures are
 * those the ledger signed, and the ledger can check online that they are
 * its own. Payload text:
 *     "cauris-statement@v1\n" <base64 of the leaf bytes> "\n"
 *     <a c2sp.org/tlog-proof@v1 text for the leaf (see note.h)> */

#define LEDGER_STATEMENT_ACCOUNTS 3       /* wallet, capital, grant */
#define LEDGER_STATEMENT_PAYLOAD_MAX 4096 /* bytes of a payload */
#define LEDGER_STATEMENTS_ISSUE_MAX 10000 /* statements issued in one call */

typedef struct ledger_statement_figures {
    char account[LEDGER_CODE_MAX + 1];
    int64_t opening, closing;
    uint64_t lines;
} ledger_statement_figures;

typedef struct ledger_issued_statement {
    char programme[LEDGER_NAME_MAX + 1];
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
    uint32_t date_from, date_to;
    uint64_t as_of_size; /* the lines are those of the first as_of_size leaves */
    uint64_t seq;        /* the statement leaf */
    uint32_t accounts_count;
    ledger_statement_figures accounts[LEDGER_STATEMENT_ACCOUNTS];
    uint8_t digest[LEDGER_HASH_BYTES]; /* the statement leaf's hash */
} ledger_issued_statement;

/* Issues statements for `count` participants over the lines recorded from
 * date_from to date_to (UTC days, 0 = open-ended): one leaf each, one
 * commit; out[i] gets each statement. LEDGER_UNKNOWN_PARTICIPANT (nothing
 * issued) when one is not enrolled. */
int ledger_statements_issue(ledger *l, const char *programme, const char *principal,
                            const char *const *participants, size_t count, uint32_t date_from,
                            uint32_t date_to, ledger_issued_statement *out);

/* The payload of the statement leaf at `seq`, proved against the latest
 * checkpoint. NUL-terminated; *len_out without the NUL. */
int ledger_statement_payload(ledger *l, uint64_t seq, char *out, size_t cap, size_t *len_out);

/* Checks a payload offline, with the verifier key alone: the leaf is a
 * statement, it is in the tree of the checkpoint, the checkpoint is signed
 * by `vkey`. LEDGER_OK with the statement's figures (out may be NULL), or
 * LEDGER_VERIFY_FAILED with a reason in why. */
int ledger_statement_payload_verify(const char *payload, size_t len, const char *vkey,
                                    ledger_issued_statement *out, char *why, size_t why_cap);

/* Checks a payload against this ledger: as offline with the ledger's key,
 * and also that the leaf is the ledger's own leaf at that index, that the
 * checkpoint is the one the ledger signed for that size, and that the
 * figures are what the ledger computes again now. */
int ledger_statement_payload_check(ledger *l, const char *payload, size_t len,
                                   ledger_issued_statement *out, char *why, size_t why_cap);

/* ---- Access tokens (RPC): not journal leaves ----
 *
 * A token lets a partner's system call the RPC server. It belongs to one
 * partner, is scoped to one programme and carries roles. Tokens live in the
 * LMDB environment beside the journal but are not leaves: creating or
 * revoking one is not signed, not in the Merkle log and not checked by
 * ledger_verify(). Only a hash of each token's secret is stored; the text is
 * shown once, by ledger_token_create(). Nothing is deleted: a revoked token
 * is kept with the time it was revoked.
 *
 * Text of a token: "cauris_" || id (16 lowercase hex characters) || "_" ||
 * secret (32 random bytes, unpadded base64url: 43 characters). */

#define LEDGER_ROLE_POST 0x1u
#define LEDGER_ROLE_APPROVE 0x2u
#define LEDGER_ROLE_READ 0x4u
#define LEDGER_ROLE_ADMIN 0x8u
#define LEDGER_ROLES_ALL 0xfu
#define LEDGER_ROLES_TEXT_MAX 23 /* "post,approve,read,admin", bytes */
#define LEDGER_TOKEN_ID_LEN 16   /* hex characters of a token id */
#define LEDGER_TOKEN_TEXT_MAX 80 /* a token as given to its holder, bytes */
#define LEDGER_TOKEN_NAME_MAX 64 /* label of the holder (person or system) */
#define LEDGER_TOKENS_MAX 10000  /* tokens in one ledger, revoked ones included */

typedef struct ledger_token_info {
    char id[LEDGER_TOKEN_ID_LEN + 1];
    char partner[LEDGER_PARTNER_MAX + 1];
    char programme[LEDGER_NAME_MAX + 1];
    char name[LEDGER_TOKEN_NAME_MAX + 1]; /* becomes the principal of what it posts */
    uint32_t roles;
    int64_t created_at; /* unix seconds (the ledger's clock) */
    int64_t revoked_at; /* 0 while valid */
} ledger_token_info;

/* "post,read" -> roles bits. Names are post, approve, read, admin, joined by
 * ',' with no spaces; a name may repeat. 0, or LEDGER_INVALID_ARGUMENT for
 * NULL, an empty text, an empty or unknown name (*roles_out then untouched). */
int ledger_roles_parse(const char *text, uint32_t *roles_out);
/* Roles bits -> names joined by ',' in the order post,approve,read,admin;
 * "" for 0; unknown bits are left out. Fits in LEDGER_ROLES_TEXT_MAX + 1
 * bytes; with less, cut short (always NUL-terminated when cap > 0). */
void ledger_roles_format(uint32_t roles, char *out, size_t cap);

/* Creates a token for `partner` (1..LEDGER_PARTNER_MAX bytes of UTF-8, the
 * rule of an entry's partner id) in `programme` with `roles` and a holder
 * `name` (at most LEDGER_TOKEN_NAME_MAX bytes of UTF-8 with no control
 * character; NULL or "" = "token-<id>"). One small LMDB write transaction
 * of its own, durable when it returns; it waits for a commit running in this
 * process or another. On success writes the token text, NUL-terminated, to
 * token_out (shown once: only a hash of the secret is stored; the caller
 * wipes it when done) and its info to info_out (which may be NULL).
 * Errors: LEDGER_INVALID_ARGUMENT (NULL l or token_out; roles 0 or outside
 * LEDGER_ROLES_ALL; the ledger already holds LEDGER_TOKENS_MAX tokens),
 * LEDGER_INVALID_FIELD (partner or name), LEDGER_UNKNOWN_PROGRAMME,
 * LEDGER_READ_ONLY, LEDGER_MAP_LIMIT, storage errors. */
int ledger_token_create(ledger *l, const char *programme, const char *partner, const char *name,
                        uint32_t roles, char token_out[LEDGER_TOKEN_TEXT_MAX + 1],
                        ledger_token_info *info_out);

/* All tokens (revoked too) in id order: up to `max` to out[] (which may be
 * NULL when max is 0), the number written to *count_out. Works on a
 * read-only handle. LEDGER_CORRUPT if a stored record fails its checks. */
int ledger_token_list(ledger *l, ledger_token_info *out, size_t max, size_t *count_out);

/* Marks a token revoked: kept, with revoked_at (the ledger's clock). A
 * write transaction of its own, like ledger_token_create(). LEDGER_NOT_FOUND
 * for an unknown or malformed id; revoking twice is LEDGER_OK and keeps the
 * first time. LEDGER_READ_ONLY on a read-only handle. */
int ledger_token_revoke(ledger *l, const char *id);

/* Checks a token text of token_len bytes (no NUL needed). LEDGER_OK with its
 * info (info_out may be NULL), or LEDGER_TOKEN_INVALID for anything wrong
 * with the token (NULL, malformed, unknown id, wrong secret, revoked): one
 * code, so a caller learns nothing about which part was wrong. The secret is
 * compared in constant time. A storage failure is returned as such
 * (LEDGER_STORAGE, LEDGER_CORRUPT, ...), never as a verdict on the token.
 * Read-only: one read transaction and one hash; works on a read-only handle
 * and never waits for a writer. */
int ledger_token_check(ledger *l, const char *token, size_t token_len,
                       ledger_token_info *info_out);

/* ---- Storage ---- */

typedef struct ledger_storage_stats {
    uint64_t map_size_bytes; /* the LMDB map as now sized */
    uint64_t map_used_bytes; /* pages in use, as of the last commit */
    uint64_t readers_used;   /* reader slots taken */
} ledger_storage_stats;

/* A consistent, compacted copy of the ledger in `dest` (created, or an
 * empty directory), taken from one read transaction while writers go on in
 * this process or another: data.mdb, then signing.pub, signing.key,
 * pii.key and pii.slots as they are (absent ones skipped). Works on a
 * read-only handle. `ledger_open` and `ledger_verify` work on the copy.
 * LEDGER_ALREADY_INITIALISED when dest holds a ledger, LEDGER_INVALID_ARGUMENT
 * when it holds anything else; LEDGER_IO for a file that could not be
 * written (the copy is then incomplete: remove it). */
int ledger_backup(ledger *l, const char *dest);

/* How much of the LMDB map is in use (for the server's metrics). */
int ledger_storage_stats_get(ledger *l, ledger_storage_stats *out);

#endif /* CAURIS_LEDGER_H */
