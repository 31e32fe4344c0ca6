/*
 * errors.c — the ledger's error codes: a sentence for people and a stable
 * snake_case name for the wire, plus the names of kinds, operations and
 * account types. One table each, indexed by the enum, so a new code cannot
 * be added without its texts (the static asserts below).
 */
#include "ledger/ledger.h"

#include <string.h>

static const char *const err_names[LEDGER_ERR_COUNT] = {
    [LEDGER_OK] = "ok",
    [LEDGER_EXISTS] = "exists",
    [LEDGER_EXISTS_WITH_DIFFERENT_FIELDS] = "exists_with_different_fields",
    [LEDGER_NOT_BALANCED] = "not_balanced",
    [LEDGER_LEGS_COUNT] = "legs_count",
    [LEDGER_INVALID_AMOUNT] = "invalid_amount",
    [LEDGER_UNKNOWN_PROGRAMME] = "unknown_programme",
    [LEDGER_UNKNOWN_ACCOUNT] = "unknown_account",
    [LEDGER_INSUFFICIENT_FUNDS] = "insufficient_funds",
    [LEDGER_ACCOUNT_LOCKED] = "account_locked",
    [LEDGER_ACCOUNT_CLOSED] = "account_closed",
    [LEDGER_OVERFLOW] = "overflow",
    [LEDGER_INVALID_DATE] = "invalid_date",
    [LEDGER_INVALID_FIELD] = "invalid_field",
    [LEDGER_REF_NOT_FOUND] = "ref_not_found",
    [LEDGER_REF_INVALID] = "ref_invalid",
    [LEDGER_PENDING_ALREADY_RESOLVED] = "pending_already_resolved",
    [LEDGER_ALREADY_REVERSED] = "already_reversed",
    [LEDGER_LEGS_MISMATCH] = "legs_mismatch",
    [LEDGER_ACCOUNT_REPEATED] = "account_repeated",
    [LEDGER_LINKED_ENTRY_FAILED] = "linked_entry_failed",
    [LEDGER_ACCOUNT_EXISTS] = "account_exists",
    [LEDGER_ACCOUNT_NOT_EMPTY] = "account_not_empty",
    [LEDGER_FLAGS_INVALID] = "flags_invalid",
    [LEDGER_INVALID_ACCOUNT_CODE] = "invalid_account_code",
    [LEDGER_PROGRAMME_EXISTS] = "programme_exists",
    [LEDGER_UNKNOWN_CURRENCY] = "unknown_currency",
    [LEDGER_INVALID_ARGUMENT] = "invalid_argument",
    [LEDGER_NOT_FOUND] = "not_found",
    [LEDGER_READ_ONLY] = "read_only",
    [LEDGER_NOT_A_LEDGER] = "not_a_ledger",
    [LEDGER_ALREADY_INITIALISED] = "already_initialised",
    [LEDGER_ALREADY_OPEN] = "already_open",
    [LEDGER_FORMAT_VERSION] = "format_version",
    [LEDGER_KEY_PASSPHRASE] = "key_passphrase",
    [LEDGER_KEY_MISMATCH] = "key_mismatch",
    [LEDGER_CORRUPT] = "corrupt",
    [LEDGER_VERIFY_FAILED] = "verify_failed",
    [LEDGER_IO] = "io",
    [LEDGER_STORAGE] = "storage",
    [LEDGER_NOMEM] = "nomem",
    [LEDGER_MAP_LIMIT] = "map_limit",
    [LEDGER_TOKEN_INVALID] = "token_invalid",
    [LEDGER_UNKNOWN_PARTICIPANT] = "unknown_participant",
    [LEDGER_PARTICIPANT_EXISTS] = "participant_exists",
    [LEDGER_DUPLICATE_PERSON] = "duplicate_person",
    [LEDGER_PARTICIPANT_ERASED] = "participant_erased",
    [LEDGER_CAPITAL_LOCKED] = "capital_locked",
    [LEDGER_CAPITAL_HELD] = "capital_held",
    [LEDGER_FOUR_EYES_VIOLATION] = "four_eyes_violation",
    [LEDGER_REQUEST_PENDING] = "request_pending",
    [LEDGER_PERIOD_CLOSED] = "period_closed",
    [LEDGER_WRONG_CURRENCY] = "wrong_currency",
    [LEDGER_DELIVERY_CONTRADICTS] = "delivery_contradicts",
    [LEDGER_DELIVERY_UNMATCHED] = "delivery_unmatched",
    [LEDGER_UNKNOWN_GROUP] = "unknown_group",
    [LEDGER_GROUP_EXISTS] = "group_exists",
    [LEDGER_NOT_A_MEMBER] = "not_a_member",
    [LEDGER_NO_OPEN_CYCLE] = "no_open_cycle",
    [LEDGER_SHARE_LIMIT] = "share_limit",
    [LEDGER_LOAN_ABOVE_FUND] = "loan_above_fund",
    [LEDGER_LOANS_OUTSTANDING] = "loans_outstanding",
    [LEDGER_SOCIAL_FUND_KEPT] = "social_fund_kept",
};

static const char *const err_texts[LEDGER_ERR_COUNT] = {
    [LEDGER_OK] = "ok",
    [LEDGER_EXISTS] = "this entry was already posted (same partner and client id); "
                      "the original is returned",
    [LEDGER_EXISTS_WITH_DIFFERENT_FIELDS] =
        "this client id was already used by the same partner for a different entry",
    [LEDGER_NOT_BALANCED] = "the entry is not balanced: total debits differ from total credits",
    [LEDGER_LEGS_COUNT] = "an entry needs 2 to 16 legs",
    [LEDGER_INVALID_AMOUNT] = "every amount must be a positive whole number of minor units",
    [LEDGER_UNKNOWN_PROGRAMME] = "no programme of that name in this ledger",
    [LEDGER_UNKNOWN_ACCOUNT] = "no account of that code in this programme; open it first",
    [LEDGER_INSUFFICIENT_FUNDS] =
        "insufficient funds: the entry would overdraw a no-overdraft account",
    [LEDGER_ACCOUNT_LOCKED] = "the account is locked: nothing may leave it",
    [LEDGER_ACCOUNT_CLOSED] = "the account is closed",
    [LEDGER_OVERFLOW] = "an amount or balance would exceed the largest representable value",
    [LEDGER_INVALID_DATE] = "the value date is not a real date (YYYY-MM-DD)",
    [LEDGER_INVALID_FIELD] =
        "a field is missing, too long or not valid UTF-8 (partner, principal, client id, "
        "reference, memo)",
    [LEDGER_REF_NOT_FOUND] = "the entry referred to does not exist",
    [LEDGER_REF_INVALID] =
        "the entry referred to cannot be posted, voided or reversed this way",
    [LEDGER_PENDING_ALREADY_RESOLVED] = "the pending entry was already posted or voided",
    [LEDGER_ALREADY_REVERSED] = "the entry was already reversed",
    [LEDGER_LEGS_MISMATCH] = "the legs given differ from those of the entry referred to",
    [LEDGER_ACCOUNT_REPEATED] = "an account appears in more than one leg of the entry",
    [LEDGER_LINKED_ENTRY_FAILED] =
        "not posted: another entry of this all-or-nothing request failed",
    [LEDGER_ACCOUNT_EXISTS] = "an account with that code is already open",
    [LEDGER_ACCOUNT_NOT_EMPTY] =
        "the account still holds money or pending amounts: empty it before closing",
    [LEDGER_FLAGS_INVALID] = "that flag change is not allowed: no-overdraft comes from the "
                             "chart of accounts and a closed account stays closed",
    [LEDGER_INVALID_ACCOUNT_CODE] = "the account code fits no pattern of the chart of accounts",
    [LEDGER_PROGRAMME_EXISTS] = "a programme of that name already exists",
    [LEDGER_UNKNOWN_CURRENCY] = "not an ISO 4217 currency code",
    [LEDGER_INVALID_ARGUMENT] = "invalid argument",
    [LEDGER_NOT_FOUND] = "not found",
    [LEDGER_READ_ONLY] = "the ledger was opened read-only",
    [LEDGER_NOT_A_LEDGER] = "the directory holds no cauris ledger (run cauris init)",
    [LEDGER_ALREADY_INITIALISED] = "the directory already holds a ledger",
    [LEDGER_ALREADY_OPEN] = "this process has the ledger open already: share that handle",
    [LEDGER_FORMAT_VERSION] = "the ledger was written by another format version",
    [LEDGER_KEY_PASSPHRASE] = "the signing key is sealed: the passphrase is missing or wrong",
    [LEDGER_KEY_MISMATCH] = "the signing key file does not belong to this ledger",
    [LEDGER_CORRUPT] = "stored data failed a consistency check",
    [LEDGER_VERIFY_FAILED] = "verification found a discrepancy",
    [LEDGER_IO] = "file system error",
    [LEDGER_STORAGE] = "storage (LMDB) error",
    [LEDGER_NOMEM] = "out of memory",
    [LEDGER_MAP_LIMIT] = "the ledger reached its configured maximum size",
    [LEDGER_TOKEN_INVALID] =
        "the access token is not valid: mistyped, unknown, revoked or not a cauris token",
    [LEDGER_UNKNOWN_PARTICIPANT] = "no participant of that id is enrolled in the programme",
    [LEDGER_PARTICIPANT_EXISTS] = "a participant of that id is already enrolled",
    [LEDGER_DUPLICATE_PERSON] =
        "another participant has the same name, birth year and location; confirm they are "
        "a different person to enrol them",
    [LEDGER_PARTICIPANT_ERASED] = "the participant's personal data was erased",
    [LEDGER_CAPITAL_LOCKED] =
        "capital is locked until the participant reaches the unlock phase",
    [LEDGER_CAPITAL_HELD] = "capital is on hold; lift the hold before releasing it",
    [LEDGER_FOUR_EYES_VIOLATION] =
        "a request must be approved by someone other than the person who made it",
    [LEDGER_REQUEST_PENDING] = "a request for the same action is already awaiting approval",
    [LEDGER_PERIOD_CLOSED] = "the value date falls in a closed period",
    [LEDGER_WRONG_CURRENCY] = "the currency is not the programme's",
    [LEDGER_DELIVERY_CONTRADICTS] =
        "the delivery results contradict themselves, the wage run or an earlier import",
    [LEDGER_DELIVERY_UNMATCHED] = "a delivery line matches no line of the wage run",
    [LEDGER_UNKNOWN_GROUP] = "no savings group of that id in the programme",
    [LEDGER_GROUP_EXISTS] = "a savings group of that id exists already",
    [LEDGER_NOT_A_MEMBER] = "the participant is not a member of the savings group",
    [LEDGER_NO_OPEN_CYCLE] =
        "the group has no open cycle for this (open one first; a share purchase of a cycle "
        "already shared out cannot be reversed), or already has one (close it first)",
    [LEDGER_SHARE_LIMIT] =
        "shares must be whole and within the cycle's limits per member and meeting",
    [LEDGER_LOAN_ABOVE_FUND] =
        "a loan may not exceed the loan fund: the group's cash less its social fund",
    [LEDGER_LOANS_OUTSTANDING] = "every loan must be repaid before the share-out",
    [LEDGER_SOCIAL_FUND_KEPT] =
        "a share-out is posted only by closing the cycle, and never touches the social fund",
};

const char *ledger_err_name(int err)
{
    if (err < 0 || err >= LEDGER_ERR_COUNT || err_names[err] == NULL)
        return "unknown";
    return err_names[err];
}

const char *ledger_strerror(int err)
{
    if (err < 0 || err >= LEDGER_ERR_COUNT || err_texts[err] == NULL)
        return "unknown error";
    return err_texts[err];
}

static const char *const kind_names[] = {
    [LEDGER_KIND_POSTED] = "posted",     [LEDGER_KIND_PENDING] = "pending",
    [LEDGER_KIND_POST] = "post",         [LEDGER_KIND_VOID] = "void",
    [LEDGER_KIND_REVERSAL] = "reversal",
};

static const char *const op_names[LEDGER_OP_MAX + 1] = {
    [LEDGER_OP_TRANSFER] = "transfer",
    [LEDGER_OP_FUNDING] = "funding",
    [LEDGER_OP_WAGE] = "wage",
    [LEDGER_OP_PAYOUT] = "payout",
    [LEDGER_OP_CAPITAL_RELEASE] = "capital_release",
    [LEDGER_OP_GRANT_COMMIT] = "grant_commit",
    [LEDGER_OP_GRANT_DISBURSE] = "grant_disburse",
    [LEDGER_OP_SHARE_PURCHASE] = "share_purchase",
    [LEDGER_OP_SOCIAL_FUND] = "social_fund",
    [LEDGER_OP_GROUP_LOAN] = "group_loan",
    [LEDGER_OP_LOAN_REPAYMENT] = "loan_repayment",
    [LEDGER_OP_SHARE_OUT] = "share_out",
};

static const char *const type_names[] = {
    [LEDGER_ASSET] = "asset",   [LEDGER_LIABILITY] = "liability", [LEDGER_EQUITY] = "equity",
    [LEDGER_INCOME] = "income", [LEDGER_EXPENSE] = "expense",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *table, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n || table[v] == NULL)
        return NULL;
    return table[v];
}

static int parse_of(const char *const *table, size_t n, const char *name, int *out)
{
    for (size_t i = 0; name != NULL && i < n; i++) {
        if (table[i] != NULL && strcmp(table[i], name) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return -1;
}

const char *ledger_kind_name(ledger_kind kind)
{
    return name_of(kind_names, COUNT(kind_names), (int)kind);
}

const char *ledger_op_name(ledger_op op)
{
    return name_of(op_names, COUNT(op_names), (int)op);
}

const char *ledger_account_type_name(ledger_account_type type)
{
    return name_of(type_names, COUNT(type_names), (int)type);
}

int ledger_kind_parse(const char *name, ledger_kind *out)
{
    int v;
    if (parse_of(kind_names, COUNT(kind_names), name, &v) != 0)
        return -1;
    *out = (ledger_kind)v;
    return 0;
}

int ledger_op_parse(const char *name, ledger_op *out)
{
    int v;
    if (parse_of(op_names, COUNT(op_names), name, &v) != 0)
        return -1;
    *out = (ledger_op)v;
    return 0;
}

static const char *const sex_names[] = {[LEDGER_SEX_UNKNOWN] = "unknown",
                                        [LEDGER_SEX_FEMALE] = "female",
                                        [LEDGER_SEX_MALE] = "male"};

static const char *const category_names[] = {
    [LEDGER_CATEGORY_UNKNOWN] = "unknown",
    [LEDGER_CATEGORY_FORMER_SECURITY_FORCES] = "former_security_forces",
    [LEDGER_CATEGORY_COMMUNITY_MEMBER] = "community_member",
    [LEDGER_CATEGORY_RETURNED_MIGRANT] = "returned_migrant",
    [LEDGER_CATEGORY_DISPLACED_PERSON] = "displaced_person",
    [LEDGER_CATEGORY_REFUGEE] = "refugee",
};

static const char *const age_band_names[] = {
    [LEDGER_AGE_UNKNOWN] = "unknown", [LEDGER_AGE_UNDER_15] = "0-14",
    [LEDGER_AGE_15_24] = "15-24",     [LEDGER_AGE_25_34] = "25-34",
    [LEDGER_AGE_35_49] = "35-49",     [LEDGER_AGE_50_PLUS] = "50+",
};

static const char *const disability_names[] = {
    [LEDGER_DISABILITY_UNKNOWN] = "unknown",
    [LEDGER_DISABILITY_NO] = "no",
    [LEDGER_DISABILITY_YES] = "yes",
};

static const char *const delivery_names[] = {
    [LEDGER_DELIVERY_NONE] = "none",
    [LEDGER_DELIVERY_DELIVERED] = "delivered",
    [LEDGER_DELIVERY_PARTIAL] = "partial",
    [LEDGER_DELIVERY_FAILED] = "failed",
};

const char *ledger_sex_name(ledger_sex sex)
{
    return name_of(sex_names, COUNT(sex_names), (int)sex);
}

const char *ledger_category_name(ledger_category category)
{
    return name_of(category_names, COUNT(category_names), (int)category);
}

const char *ledger_age_band_name(ledger_age_band band)
{
    return name_of(age_band_names, COUNT(age_band_names), (int)band);
}

const char *ledger_disability_name(ledger_disability d)
{
    return name_of(disability_names, COUNT(disability_names), (int)d);
}

const char *ledger_delivery_name(ledger_delivery d)
{
    return name_of(delivery_names, COUNT(delivery_names), (int)d);
}

int ledger_sex_parse(const char *name, ledger_sex *out)
{
    int v;
    if (name != NULL && (strcmp(name, "f") == 0 || strcmp(name, "F") == 0))
        v = LEDGER_SEX_FEMALE;
    else if (name != NULL && (strcmp(name, "m") == 0 || strcmp(name, "M") == 0))
        v = LEDGER_SEX_MALE;
    else if (parse_of(sex_names, COUNT(sex_names), name, &v) != 0)
        return -1;
    *out = (ledger_sex)v;
    return 0;
}

int ledger_category_parse(const char *name, ledger_category *out)
{
    int v;
    if (parse_of(category_names, COUNT(category_names), name, &v) != 0)
        return -1;
    *out = (ledger_category)v;
    return 0;
}

int ledger_delivery_parse(const char *name, ledger_delivery *out)
{
    int v;
    if (parse_of(delivery_names, COUNT(delivery_names), name, &v) != 0 ||
        v == LEDGER_DELIVERY_NONE)
        return -1;
    *out = (ledger_delivery)v;
    return 0;
}

ledger_age_band ledger_age_band_at(uint16_t birth_year, uint32_t date)
{
    uint32_t year = date / 10000u;
    if (birth_year == 0 || year < birth_year)
        return LEDGER_AGE_UNKNOWN;
    /* Age in completed years is not known from a birth year alone: the
     * age reached during the value date's year is used. */
    uint32_t age = year - birth_year;
    if (age < 15)
        return LEDGER_AGE_UNDER_15;
    if (age < 25)
        return LEDGER_AGE_15_24;
    if (age < 35)
        return LEDGER_AGE_25_34;
    if (age < 50)
        return LEDGER_AGE_35_49;
    return LEDGER_AGE_50_PLUS;
}

ledger_disability ledger_wg_ss_disability(const char *wg_ss)
{
    if (wg_ss == NULL || strlen(wg_ss) != LEDGER_WG_SS_LEN)
        return LEDGER_DISABILITY_UNKNOWN;
    for (size_t i = 0; i < LEDGER_WG_SS_LEN; i++) {
        if (wg_ss[i] == '3' || wg_ss[i] == '4')
            return LEDGER_DISABILITY_YES;
    }
    return LEDGER_DISABILITY_NO;
}
