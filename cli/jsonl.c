/*
 * jsonl.c — one line of a JSON-lines posting file into a ledger entry (or
 * a list of accounts to open), with an error that names the field.
 *
 * Amounts follow the proto3 JSON mapping of int64: a string of digits
 * ("10000"), or a JSON integer, in minor units, for leg amounts and for the
 * amount and daily_rate of programme operations alike. Anything that could
 * lose or invent money is refused here rather than guessed: decimals,
 * exponents, signs, leading zeros, zero, values beyond int64. Shape errors
 * are caught here so that a file with one malformed line posts nothing: a
 * transfer without legs, a typed operation (funding, wage, payout, ...)
 * without its participant or amount, days without a daily rate, a
 * savings-group operation without its group, member, shares or amount. The
 * ledger's own rules (balance, accounts, funds, approvals) stay in ledger/
 * and are reported per entry.
 *
 * Never: print, touch the ledger, or keep state between lines.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(char err[CLI_JSONL_ERROR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(char err[CLI_JSONL_ERROR_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, CLI_JSONL_ERROR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

int cli_amount_parse(const char *text, int64_t *out, char *why, size_t cap)
{
    int64_t v = 0;
    size_t n = strlen(text);
    if (n == 0) {
        snprintf(why, cap, "is empty");
        return -1;
    }
    if (text[0] == '-' || text[0] == '+') {
        snprintf(why, cap, "'%.40s' has a sign; amounts are positive whole minor units", text);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c < '0' || c > '9') {
            snprintf(why, cap,
                     "'%.40s' is not a whole number of minor units (digits only, no "
                     "decimal point, exponent or spaces)",
                     text);
            return -1;
        }
        int64_t d = c - '0';
        if (v > (INT64_MAX - d) / 10) {
            snprintf(why, cap, "'%.40s' is beyond the largest amount %lld", text,
                     (long long)INT64_MAX);
            return -1;
        }
        v = v * 10 + d;
    }
    if (n > 1 && text[0] == '0') {
        snprintf(why, cap, "'%.40s' has a leading zero", text);
        return -1;
    }
    if (v == 0) {
        snprintf(why, cap, "is zero; amounts must be positive");
        return -1;
    }
    *out = v;
    return 0;
}

/* An amount given as a JSON string or integer. */
static int amount_get(const json_t *v, const char *field, int64_t *out,
                      char err[CLI_JSONL_ERROR_MAX])
{
    char why[160];
    if (json_is_string(v)) {
        if (cli_amount_parse(json_string_value(v), out, why, sizeof why) != 0)
            return fail(err, "field %s: %s", field, why);
        return 0;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return fail(err, "field %s: %lld is negative; amounts are positive", field,
                        (long long)i);
        if (i == 0)
            return fail(err, "field %s: is zero; amounts must be positive", field);
        *out = (int64_t)i;
        return 0;
    }
    if (json_is_real(v))
        return fail(err,
                    "field %s: not a whole number of minor units (no decimal point or "
                    "exponent); give it as a string of digits, e.g. \"10000\"",
                    field);
    return fail(err, "field %s: an amount must be a string of digits, e.g. \"10000\"", field);
}

/* A string field: present or defaulted, within `max` bytes. */
static int str_get(const json_t *obj, const char *field, size_t max, bool required,
                   const char *fallback, const char **out, char err[CLI_JSONL_ERROR_MAX])
{
    const json_t *v = json_object_get(obj, field);
    const char *s = fallback;
    if (v != NULL) {
        if (!json_is_string(v))
            return fail(err, "field %s must be a string", field);
        s = json_string_value(v);
    }
    if (s == NULL || s[0] == '\0') {
        if (required)
            return fail(err, "missing field %s", field);
        s = "";
    }
    if (strlen(s) > max)
        return fail(err, "field %s is longer than %zu bytes", field, max);
    *out = s;
    return 0;
}

static int keys_check(const json_t *obj, const char *const *allowed, const char *where,
                      char err[CLI_JSONL_ERROR_MAX])
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known)
            return fail(err, "%sunknown field \"%.64s\"", where, key);
    }
    return 0;
}

static int leg_get(const json_t *v, size_t index, ledger_leg_in *leg,
                   char err[CLI_JSONL_ERROR_MAX])
{
    static const char *const allowed[] = {"account", "debit", "credit", NULL};
    char where[48], field[48];
    snprintf(where, sizeof where, "legs[%zu]: ", index);
    if (!json_is_object(v))
        return fail(err,
                    "legs[%zu] must be an object {\"account\":..., \"debit\" or "
                    "\"credit\":...}",
                    index);
    if (keys_check(v, allowed, where, err) != 0)
        return -1;
    snprintf(field, sizeof field, "legs[%zu].account", index);
    const json_t *account = json_object_get(v, "account");
    if (account == NULL)
        return fail(err, "missing field %s", field);
    if (!json_is_string(account) || json_string_length(account) == 0)
        return fail(err, "field %s must be a non-empty string", field);
    if (json_string_length(account) > LEDGER_CODE_MAX)
        return fail(err, "field %s is longer than %d bytes", field, LEDGER_CODE_MAX);
    const json_t *debit = json_object_get(v, "debit"), *credit = json_object_get(v, "credit");
    if ((debit == NULL) == (credit == NULL))
        return fail(err, "legs[%zu] needs exactly one of \"debit\" and \"credit\"", index);
    snprintf(field, sizeof field, "legs[%zu].%s", index, debit ? "debit" : "credit");
    if (amount_get(debit ? debit : credit, field, &leg->amount, err) != 0)
        return -1;
    leg->account = json_string_value(account);
    leg->side = debit ? LEDGER_DEBIT : LEDGER_CREDIT;
    return 0;
}

static bool kind_derived(ledger_kind k)
{
    return k == LEDGER_KIND_POST || k == LEDGER_KIND_VOID || k == LEDGER_KIND_REVERSAL;
}

static int legs_get(const json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    const json_t *legs = json_object_get(obj, "legs");
    if (legs == NULL) {
        if (kind_derived(e->kind))
            return 0; /* the legs come from the entry referred to */
        return fail(err, "missing field legs (%d to %d legs)", LEDGER_LEGS_MIN,
                    LEDGER_LEGS_MAX);
    }
    if (!json_is_array(legs))
        return fail(err, "field legs must be an array");
    size_t n = json_array_size(legs);
    if (n < LEDGER_LEGS_MIN || n > LEDGER_LEGS_MAX)
        return fail(err, "field legs has %zu legs; an entry needs %d to %d", n, LEDGER_LEGS_MIN,
                    LEDGER_LEGS_MAX);
    for (size_t i = 0; i < n; i++) {
        if (leg_get(json_array_get(legs, i), i, &e->legs[i], err) != 0)
            return -1;
    }
    e->legs_count = (uint32_t)n;
    return 0;
}

static int kind_op_get(const json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    const char *kind, *op;
    if (str_get(obj, "kind", 16, false, "posted", &kind, err) != 0 ||
        str_get(obj, "op", 32, false, "transfer", &op, err) != 0)
        return -1;
    if (kind[0] == '\0')
        kind = "posted";
    if (op[0] == '\0')
        op = "transfer";
    if (ledger_kind_parse(kind, &e->kind) != 0)
        return fail(err,
                    "field kind: unknown kind '%s' (posted, pending, post, void, "
                    "reversal)",
                    kind);
    if (ledger_op_parse(op, &e->op) != 0)
        return fail(err,
                    "field op: unknown operation '%s' (transfer, funding, wage, payout, "
                    "capital_release, grant_commit, grant_disburse, ...)",
                    op);
    return 0;
}

static int date_get(const json_t *obj, uint32_t *out, char err[CLI_JSONL_ERROR_MAX])
{
    const char *text;
    if (str_get(obj, "value_date", 64, true, NULL, &text, err) != 0)
        return -1;
    if (ledger_date_parse(text, out) != 0)
        return fail(err, "field value_date: '%.64s' is not a real date YYYY-MM-DD", text);
    return 0;
}

static int ref_get(const json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    const json_t *v = json_object_get(obj, "ref");
    uint64_t seq = 0;
    if (v == NULL) {
        if (kind_derived(e->kind))
            return fail(err, "missing field ref (the seq of the entry this %s refers to)",
                        ledger_kind_name(e->kind));
        return 0;
    }
    if (!kind_derived(e->kind))
        return fail(err, "field ref is only for kinds post, void and reversal");
    if (json_is_string(v)) {
        if (cli_parse_u64(json_string_value(v), &seq) != 0)
            return fail(err, "field ref: '%.40s' is not a seq (digits only)",
                        json_string_value(v));
    } else if (json_is_integer(v) && json_integer_value(v) >= 0) {
        seq = (uint64_t)json_integer_value(v);
    } else {
        return fail(err, "field ref must be a seq given as a string of digits");
    }
    if (seq == 0 || seq == LEDGER_SEQ_NONE)
        return fail(err, "field ref: %llu is not the seq of an entry", (unsigned long long)seq);
    e->ref = seq;
    return 0;
}

/* A whole count (days worked, shares bought), 1..max: a JSON integer or a
 * string of digits. */
static int count_get(const json_t *v, uint32_t max, const char *field, const char *unit,
                     uint32_t *out, char err[CLI_JSONL_ERROR_MAX])
{
    uint64_t n = 0;
    if (json_is_string(v)) {
        if (cli_parse_u64(json_string_value(v), &n) != 0)
            n = 0;
    } else if (json_is_integer(v) && json_integer_value(v) > 0) {
        n = (uint64_t)json_integer_value(v);
    }
    if (n == 0 || n > max)
        return fail(err, "field %s must be a whole number of %s, 1 to %u", field, unit,
                    (unsigned)max);
    *out = (uint32_t)n;
    return 0;
}

/* The optional strings of programme operations; "" is left NULL. */
static int op_strings_get(const json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    const char *participant, *cash, *currency, *budget, *run, *group;
    if (str_get(obj, "participant", LEDGER_PARTICIPANT_ID_MAX, false, NULL, &participant,
                err) != 0 ||
        str_get(obj, "group", LEDGER_GROUP_ID_MAX, false, NULL, &group, err) != 0 ||
        str_get(obj, "cash_partner", LEDGER_PARTNER_MAX, false, NULL, &cash, err) != 0 ||
        str_get(obj, "currency", LEDGER_CURRENCY_LEN, false, NULL, &currency, err) != 0 ||
        str_get(obj, "budget_line", LEDGER_BUDGET_LINE_MAX, false, NULL, &budget, err) != 0 ||
        str_get(obj, "wage_run", CLI_WAGE_RUN_MAX, false, NULL, &run, err) != 0)
        return -1;
    if (strchr(run, ':') != NULL)
        return fail(err, "field wage_run must not hold ':'");
    e->participant = participant[0] ? participant : NULL;
    e->group = group[0] ? group : NULL;
    e->cash_partner = cash[0] ? cash : NULL;
    e->currency = currency[0] ? currency : NULL;
    e->budget_line = budget[0] ? budget : NULL;
    e->wage_run = run[0] ? run : NULL;
    return 0;
}

/* The amounts of programme operations, in minor units like the legs, and
 * the shares of a share purchase and whether it is paid from the wallet. */
static int op_amounts_get(const json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    const json_t *amount = json_object_get(obj, "amount"),
                 *rate = json_object_get(obj, "daily_rate"),
                 *days = json_object_get(obj, "days"), *shares = json_object_get(obj, "shares"),
                 *from_wallet = json_object_get(obj, "from_wallet");
    if (amount != NULL && amount_get(amount, "amount", &e->amount, err) != 0)
        return -1;
    if (rate != NULL && amount_get(rate, "daily_rate", &e->daily_rate, err) != 0)
        return -1;
    if (days != NULL && count_get(days, CLI_WAGE_DAYS_MAX, "days", "days", &e->days, err) != 0)
        return -1;
    if (shares != NULL && count_get(shares, LEDGER_SHARES_PER_MEETING_MAX, "shares", "shares",
                                    &e->shares, err) != 0)
        return -1;
    if (from_wallet != NULL && !json_is_boolean(from_wallet))
        return fail(err, "field from_wallet must be true or false");
    e->from_wallet = from_wallet != NULL && json_is_true(from_wallet);
    return 0;
}

bool cli_op_group(ledger_op op)
{
    return op == LEDGER_OP_SHARE_PURCHASE || op == LEDGER_OP_SOCIAL_FUND ||
           op == LEDGER_OP_GROUP_LOAN || op == LEDGER_OP_LOAN_REPAYMENT;
}

bool cli_op_typed(ledger_op op)
{
    return op == LEDGER_OP_FUNDING || op == LEDGER_OP_WAGE || op == LEDGER_OP_PAYOUT ||
           op == LEDGER_OP_CAPITAL_RELEASE || op == LEDGER_OP_GRANT_COMMIT ||
           op == LEDGER_OP_GRANT_DISBURSE || cli_op_group(op);
}

static int why_set(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* The first field of programme operations the entry sets, or NULL; the
 * participant and a share-out's group are tags any entry may carry, and
 * count only with `tags`. */
static const char *op_field_set(const ledger_entry_in *e, bool tags)
{
    if (e->amount != 0)
        return "amount";
    if (e->days != 0)
        return "days";
    if (e->daily_rate != 0)
        return "daily_rate";
    if (e->wage_run != NULL)
        return "wage_run";
    if (e->cash_partner != NULL)
        return "cash_partner";
    if (e->shares != 0)
        return "shares";
    if (e->from_wallet)
        return "from_wallet";
    if (e->group != NULL && (tags || e->op != LEDGER_OP_SHARE_OUT))
        return "group";
    return tags && e->participant != NULL ? "participant" : NULL;
}

/* Savings-group operations: group and member, shares or an amount. */
static int group_op_check(const ledger_entry_in *e, bool has_legs, char *why, size_t cap)
{
    const char *op = ledger_op_name(e->op);
    bool purchase = e->op == LEDGER_OP_SHARE_PURCHASE;
    if (e->group == NULL)
        return why_set(why, cap, "missing group: a %s is about one savings group", op);
    if (e->participant == NULL)
        return why_set(why, cap, "missing participant: a %s is about one member of the group",
                       op);
    if (e->days != 0 || e->daily_rate != 0 || e->wage_run != NULL)
        return why_set(why, cap, "%s is only for a wage",
                       e->days != 0         ? "days"
                       : e->daily_rate != 0 ? "daily_rate"
                                            : "wage_run");
    if (!purchase && (e->shares != 0 || e->from_wallet))
        return why_set(why, cap, "%s is only for a share_purchase",
                       e->shares != 0 ? "shares" : "from_wallet");
    if (e->cash_partner != NULL && !e->from_wallet)
        return why_set(why, cap,
                       "cash_partner goes with from_wallet (the MFI whose cash the wallet "
                       "money leaves)");
    if (purchase && e->shares == 0 && !has_legs)
        return why_set(why, cap, "missing shares: whole shares bought at the cycle's price");
    if (!purchase && e->amount == 0 && !has_legs)
        return why_set(why, cap, "missing amount");
    return 0;
}

int cli_entry_op_check(const ledger_entry_in *e, bool has_legs, char *why, size_t cap)
{
    const char *op = ledger_op_name(e->op), *field = op_field_set(e, false);
    if (kind_derived(e->kind)) {
        field = op_field_set(e, true);
        if (field != NULL)
            return why_set(why, cap,
                           "%s does not go with kind %s: what it moves comes from the entry "
                           "in ref",
                           field, ledger_kind_name(e->kind));
        return 0;
    }
    if (!cli_op_typed(e->op)) {
        if (field != NULL)
            return why_set(why, cap,
                           "%s is for funding, wage, payout, capital_release, grant_commit, "
                           "grant_disburse and the savings-group operations; a %s gives its "
                           "legs",
                           field, op);
        if (!has_legs)
            return why_set(why, cap, "missing field legs (%d to %d legs)", LEDGER_LEGS_MIN,
                           LEDGER_LEGS_MAX);
        return 0;
    }
    if (cli_op_group(e->op))
        return group_op_check(e, has_legs, why, cap);
    if (e->group != NULL || e->shares != 0 || e->from_wallet)
        return why_set(why, cap,
                       "%s is for the savings-group operations (share_purchase, social_fund, "
                       "group_loan, loan_repayment)",
                       e->group != NULL ? "group"
                       : e->shares != 0 ? "shares"
                                        : "from_wallet");
    if (e->op != LEDGER_OP_FUNDING && e->participant == NULL)
        return why_set(why, cap, "missing participant: a %s is about one participant", op);
    if (e->op != LEDGER_OP_WAGE && (e->days != 0 || e->daily_rate != 0 || e->wage_run != NULL))
        return why_set(why, cap, "%s is only for a wage",
                       e->days != 0         ? "days"
                       : e->daily_rate != 0 ? "daily_rate"
                                            : "wage_run");
    if ((e->days == 0) != (e->daily_rate == 0))
        return why_set(why, cap, "days and daily_rate go together (a wage by days worked)");
    if (e->amount == 0 && e->days == 0 && !has_legs)
        return why_set(why, cap, "missing amount%s",
                       e->op == LEDGER_OP_WAGE ? " (or days and daily_rate)" : "");
    return 0;
}

int cli_wage_run_client_id(const ledger_entry_in *e, char out[LEDGER_CLIENT_ID_MAX + 1],
                           char *why, size_t cap)
{
    if (e->participant == NULL)
        return why_set(why, cap, "missing participant: a wage is about one participant");
    size_t n = strlen(e->wage_run) + 1 + strlen(e->participant);
    if (n > LEDGER_CLIENT_ID_MAX)
        return why_set(why, cap,
                       "wage_run and participant make the client id \"%s:%s\", longer than "
                       "%d bytes",
                       e->wage_run, e->participant, LEDGER_CLIENT_ID_MAX);
    /* n fits: the length was checked just above. */
    memcpy(out, e->wage_run, strlen(e->wage_run));
    out[strlen(e->wage_run)] = ':';
    memcpy(out + strlen(e->wage_run) + 1, e->participant, strlen(e->participant) + 1);
    if (e->client_id != NULL && e->client_id[0] != '\0' && strcmp(e->client_id, out) != 0)
        return why_set(why, cap, "the client id of a wage_run line is \"%s\" (or leave it out)",
                       out);
    return 0;
}

/* client_id: required, but a run's wage line may leave it to the library
 * ("<run>:<participant>") and an approval or cancellation gets
 * "approve-<ref>" / "cancel-<ref>", stored in the object, which owns it. */
static int client_id_get(json_t *obj, ledger_entry_in *e, char err[CLI_JSONL_ERROR_MAX])
{
    char made[LEDGER_CLIENT_ID_MAX + 1];
    bool given = json_object_get(obj, "client_id") != NULL;
    if (!given && (e->kind == LEDGER_KIND_POST || e->kind == LEDGER_KIND_VOID)) {
        snprintf(made, sizeof made, "%s-%llu",
                 e->kind == LEDGER_KIND_POST ? "approve" : "cancel",
                 (unsigned long long)e->ref);
        json_object_set_new(obj, "client_id", json_string(made));
        given = true;
    }
    bool run_line = e->op == LEDGER_OP_WAGE && e->wage_run != NULL && !kind_derived(e->kind);
    if ((given || !run_line) &&
        str_get(obj, "client_id", LEDGER_CLIENT_ID_MAX, true, NULL, &e->client_id, err) != 0)
        return -1;
    if (run_line && cli_wage_run_client_id(e, made, err, CLI_JSONL_ERROR_MAX) != 0)
        return -1;
    return 0;
}

static int entry_who_get(const json_t *obj, const cli_jsonl_defaults *d, ledger_entry_in *e,
                         char err[CLI_JSONL_ERROR_MAX])
{
    if (str_get(obj, "programme", LEDGER_NAME_MAX, false, d->programme, &e->programme, err) !=
        0)
        return -1;
    if (e->programme[0] == '\0')
        return fail(err, "no programme: give --programme NAME or a \"programme\" field");
    if (str_get(obj, "partner", LEDGER_PARTNER_MAX, false, d->partner, &e->partner, err) != 0)
        return -1;
    if (e->partner[0] == '\0')
        return fail(err, "no partner: give --partner ID or a \"partner\" field");
    if (str_get(obj, "principal", LEDGER_PRINCIPAL_MAX, false, d->principal, &e->principal,
                err) != 0)
        return -1;
    if (e->principal[0] == '\0')
        return fail(err, "no principal: give --principal ID or a \"principal\" field");
    return 0;
}

static int entry_get(json_t *obj, const cli_jsonl_defaults *d, ledger_entry_in *e,
                     char err[CLI_JSONL_ERROR_MAX])
{
    static const char *const allowed[] = {
        "client_id",    "kind",  "op",         "partner",     "principal",    "value_date",
        "external_ref", "memo",  "programme",  "ref",         "legs",         "participant",
        "amount",       "days",  "daily_rate", "wage_run",    "cash_partner", "currency",
        "budget_line",  "group", "shares",     "from_wallet", NULL,
    };
    char why[CLI_JSONL_ERROR_MAX];
    memset(e, 0, sizeof *e);
    if (keys_check(obj, allowed, "", err) != 0 || entry_who_get(obj, d, e, err) != 0)
        return -1;
    if (str_get(obj, "external_ref", LEDGER_EXTREF_MAX, false, NULL, &e->external_ref, err) !=
            0 ||
        str_get(obj, "memo", LEDGER_MEMO_MAX, false, NULL, &e->memo, err) != 0)
        return -1;
    if (kind_op_get(obj, e, err) != 0 || date_get(obj, &e->value_date, err) != 0 ||
        ref_get(obj, e, err) != 0 || op_strings_get(obj, e, err) != 0 ||
        op_amounts_get(obj, e, err) != 0)
        return -1;
    bool has_legs = json_object_get(obj, "legs") != NULL;
    if (cli_entry_op_check(e, has_legs, why, sizeof why) != 0)
        return fail(err, "%s", why);
    if (client_id_get(obj, e, err) != 0)
        return -1;
    return has_legs ? legs_get(obj, e, err) : 0;
}

static int open_get(const json_t *obj, const cli_jsonl_defaults *d, cli_jsonl_line *out,
                    char err[CLI_JSONL_ERROR_MAX])
{
    static const char *const allowed[] = {"open", "programme", NULL};
    if (keys_check(obj, allowed, "", err) != 0)
        return -1;
    if (str_get(obj, "programme", LEDGER_NAME_MAX, false, d->programme, &out->programme, err) !=
        0)
        return -1;
    if (out->programme[0] == '\0')
        return fail(err, "no programme: give --programme NAME or a \"programme\" field");
    const json_t *codes = json_object_get(obj, "open");
    size_t n = json_array_size(codes);
    if (!json_is_array(codes) || n == 0)
        return fail(err, "field open must be a non-empty array of account codes");
    const char **list = calloc(n, sizeof *list);
    if (list == NULL)
        return fail(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(codes, i);
        ledger_account_type type;
        uint32_t flags;
        if (!json_is_string(c) || json_string_length(c) > LEDGER_CODE_MAX ||
            ledger_chart_classify(json_string_value(c), &type, &flags) != 0) {
            free(list);
            if (!json_is_string(c))
                return fail(err, "field open[%zu] must be a string", i);
            return fail(err,
                        "field open[%zu]: '%.64s' is not an account code of the chart "
                        "(e.g. participant:P1:wallet, partner:mfi1:cash)",
                        i, json_string_value(c));
        }
        list[i] = json_string_value(c);
    }
    out->open_codes = list;
    out->open_count = n;
    out->kind = CLI_JSONL_OPEN;
    return 0;
}

/* Jansson refuses integers beyond its range before we see the field: name
 * it from the text, the nearest "key": before the error position. */
static void field_before(const char *text, size_t len, size_t pos, char *out, size_t cap)
{
    size_t i = pos < len ? pos : len;
    snprintf(out, cap, "?");
    while (i > 0 && text[i - 1] != ':')
        i--;
    if (i == 0)
        return;
    i--; /* on the ':' */
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'))
        i--;
    if (i == 0 || text[i - 1] != '"')
        return;
    size_t end = i - 1, start = end;
    while (start > 0 && text[start - 1] != '"')
        start--;
    if (start == 0)
        return;
    snprintf(out, cap, "%.*s", (int)(end - start), text + start);
}

int cli_jsonl_parse(const char *text, size_t len, const cli_jsonl_defaults *defaults,
                    cli_jsonl_line *out, char err[CLI_JSONL_ERROR_MAX])
{
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        if (strstr(jerr.text, "too big") != NULL) {
            char field[LEDGER_CODE_MAX + 1];
            field_before(text, len, (size_t)(jerr.position > 0 ? jerr.position : 0), field,
                         sizeof field);
            return fail(err, "field %s: the number is beyond the largest amount %lld", field,
                        (long long)INT64_MAX);
        }
        return fail(err, "invalid JSON at column %d: %s", jerr.column, jerr.text);
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        return fail(err, "expected a JSON object {...}");
    }
    int rc = json_object_get(obj, "open") != NULL ? open_get(obj, defaults, out, err)
                                                  : entry_get(obj, defaults, &out->entry, err);
    if (rc != 0) {
        json_decref(obj);
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (out->kind == CLI_JSONL_SKIP)
        out->kind = CLI_JSONL_ENTRY;
    out->json = obj;
    return 0;
}

void cli_jsonl_line_free(cli_jsonl_line *line)
{
    if (line == NULL)
        return;
    free((void *)line->open_codes);
    if (line->json != NULL)
        json_decref((json_t *)line->json);
    memset(line, 0, sizeof *line);
}

/* ---- reading lines ---- */

int cli_line_next(cli_line_reader *r)
{
    int c = EOF;
    r->len = 0;
    r->too_long = false;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (r->len < CLI_JSONL_LINE_MAX)
            r->buf[r->len++] = (char)c;
        else
            r->too_long = true;
    }
    if (c == EOF && ferror(r->f))
        return -1;
    if (c == EOF && r->len == 0 && !r->too_long)
        return 0;
    if (r->len > 0 && r->buf[r->len - 1] == '\r')
        r->len--;
    r->buf[r->len] = '\0';
    r->no++;
    return 1;
}

bool cli_line_skipped(const cli_line_reader *r)
{
    size_t i = 0;
    while (i < r->len && (r->buf[i] == ' ' || r->buf[i] == '\t'))
        i++;
    return !r->too_long && (i == r->len || r->buf[i] == '#');
}
