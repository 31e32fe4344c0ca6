/*
 * remote.c — the cauris command against a running server (`cauris --server
 * URL COMMAND`): post, balance, statement, proof and checkpoint become
 * Connect calls through rpc/rpc.h's client instead of reads and writes of a
 * ledger directory.
 *
 * What it prints is what the local commands print, so a person or a script
 * reads both alike. Requests and replies are proto3 JSON (jansson); the
 * client turns them into application/proto on the wire unless --json-wire.
 * What the server says is checked where a person could be misled: every
 * reply's fields are checked before use, an inclusion proof is verified here,
 * offline, from the leaf bytes and a verifier key, and the entry shown beside
 * it is checked against that leaf (docs/encoding.md).
 *
 * Never: open a ledger, hold a ledger rule, or retry a call on its own (a
 * post is retried by running it again; client ids make that safe).
 */
#include "cli/cli.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpc/rpc.h"

#define REMOTE_BATCH_DEFAULT 1000u /* entries per PostEntries request */
#define REMOTE_VKEY_MAX 512        /* bytes of a verifier key's text */
#define REMOTE_ENUM_MAX 64         /* bytes of an enum name of the contract */
#define REMOTE_TIME_TEXT_MAX 32    /* "2026-11-23T17:41:28Z" and a NUL */
#define REMOTE_STATEMENT_DESC_WIDTH 28
#define REMOTE_LEAF_FORMAT 2 /* entry leaves of docs/encoding.md this build reads */

/* Entry fields that only the server sets: from the token, not the file. */
#define REMOTE_PLACEHOLDER "-"

_Static_assert(REMOTE_BATCH_DEFAULT <= LEDGER_REQUEST_ENTRIES_MAX, "the default batch fits");
_Static_assert(LEDGER_PAGE_MAX <= 1000, "the contract's page size is 1..1000");

static const char post_usage[] =
    "usage: cauris --server URL [--token TOKEN] post FILE|- [options]\n"
    "\n"
    "Posts the entries of a JSON-lines file through the server, in the format of\n"
    "'cauris post' (see cauris post --help). Every line is checked before anything\n"
    "is sent; if one is malformed, nothing is sent. The server takes the partner\n"
    "and the principal from the token: a line with a \"partner\" or \"principal\"\n"
    "field is refused, and so is a line naming another programme than the others.\n"
    "Accounts cannot be opened through the server: {\"open\": ...} lines are refused.\n"
    "\n"
    "Typed operations (funding, wage, payout, capital_release, grant_commit,\n"
    "grant_disburse) take their legs from the server's ledger: give participant and\n"
    "amount (a wage: amount, or days and daily_rate; wage_run for a payment list),\n"
    "and cash_partner, currency, budget_line where they apply, as for 'cauris post'.\n"
    "\n"
    "options:\n"
    "  --programme NAME   the programme (default: the token's)\n"
    "  --batch N          entries per request, 1..8192 (default 1000)\n"
    "  --atomic           all entries or none: the file goes in one request of at\n"
    "                     most 8192 entries\n"
    "\n"
    "Prints 'line N: ok seq S', 'line N: pending approval, seq S' (a request that\n"
    "another person approves), 'line N: exists seq S' or 'line N: refused REASON'\n"
    "per entry, then a summary. Exits 1 if any entry was refused.\n";

static const char balance_usage[] =
    "usage: cauris --server URL [--token TOKEN] balance CODE... [options]\n"
    "       cauris --server URL [--token TOKEN] balance --participant ID [options]\n"
    "\n"
    "Prints each account's posted balance on its normal side, in the programme's\n"
    "currency (e.g. 'participant:P1:wallet  9000 GNF'); with --participant, every\n"
    "account participant:ID:*.\n"
    "\n"
    "options:\n"
    "  --programme NAME   the programme (default: the token's)\n"
    "  --as-of YYYY-MM-DD entries recorded on or before that UTC day\n"
    "  --tree-size N      entries with seq below N (as of a checkpoint)\n"
    "  --json             a JSON array of {code, balance (minor units, a string),\n"
    "                     currency}\n";

static const char statement_usage[] =
    "usage: cauris --server URL [--token TOKEN] statement CODE [options]\n"
    "\n"
    "Prints the account's statement as 'cauris statement' does: opening balance,\n"
    "one line per entry recorded in the period (recorded date, value date, seq,\n"
    "operation, memo or external reference, debit, credit, running balance),\n"
    "closing balance. Reads every page.\n"
    "\n"
    "options:\n"
    "  --programme NAME  the programme (default: the token's)\n"
    "  --from DATE       first recorded day, YYYY-MM-DD (default: the beginning)\n"
    "  --to DATE         last recorded day, YYYY-MM-DD (default: now)\n"
    "  --page-size N     lines read per call, 1..1000 (default 1000)\n";

static const char proof_usage[] =
    "usage: cauris --server URL [--token TOKEN] proof SEQ [options]\n"
    "       cauris --server URL [--token TOKEN] proof --client-id ID [options]\n"
    "\n"
    "Fetches an entry (by seq, or by the token's partner's client id) with its\n"
    "inclusion proof and checks the proof here, offline: the leaf's hash, the\n"
    "proof hashes up to the root, and the checkpoint's signature by the verifier\n"
    "key. Prints the entry, 'inclusion: ok' and the tree size; exits 1 when the\n"
    "proof fails. The entry shown is checked against the proven leaf.\n"
    "\n"
    "options:\n"
    "  --key VKEY_OR_FILE  the verifier key to trust (the key text or a file, e.g.\n"
    "                      DIR/signing.pub). Without it the server's own key is\n"
    "                      used, which proves nothing against a dishonest server.\n"
    "  --out FILE          write the proof (C2SP tlog-proof@v1) to FILE\n"
    "  --leaf-out FILE     write the leaf's bytes to FILE (what 'cauris proof\n"
    "                      --check' hashes)\n";

static const char checkpoint_usage[] =
    "usage: cauris --server URL [--token TOKEN] checkpoint [--tree-size N]\n"
    "\n"
    "Prints the server's latest signed checkpoint (a C2SP signed note), or the one\n"
    "signed for tree size N.\n";

/* ---- the connection and its calls ---- */

typedef struct remote {
    const char *cmd;
    rpc_client *client;
    bool binary; /* application/proto; false: application/json */
} remote;

/* Calls `method` with `request` (a reference this function takes) and
 * parses the reply. On failure prints "cauris CMD: server: CODE: MESSAGE"
 * and returns CLI_EXIT_FAIL; *reply_out is written only on success. */
static int remote_call(remote *r, const char *method, json_t *request, json_t **reply_out)
{
    char *text = request != NULL ? json_dumps(request, JSON_COMPACT) : NULL;
    json_decref(request);
    if (text == NULL)
        return cli_fail(r->cmd, "cannot build the %s request (out of memory?)", method);
    char *reply = NULL;
    rpc_error err;
    memset(&err, 0, sizeof err);
    int rc = rpc_client_call(r->client, method, text, r->binary, &reply, &err);
    free(text);
    if (rc != 0)
        return cli_fail(r->cmd, "server: %s: %s", err.code[0] ? err.code : "unknown",
                        err.message);
    json_t *j = json_loads(reply, JSON_REJECT_DUPLICATES, NULL);
    free(reply);
    if (!json_is_object(j)) {
        json_decref(j);
        return cli_fail(r->cmd, "the server's %s reply is not a JSON object", method);
    }
    *reply_out = j;
    return CLI_EXIT_OK;
}

static int reply_bad(const remote *r, const char *method, const char *field)
{
    return cli_fail(r->cmd, "the server's %s reply is malformed: field %s", method, field);
}

/* ---- fields of a reply (proto3 JSON: absent means the default) ---- */

/* A string field; "" when absent, NULL when not a string. */
static const char *j_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return "";
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A whole decimal int64, optionally negative; 0 on success. */
static int i64_parse(const char *text, int64_t *out)
{
    bool negative = text[0] == '-';
    uint64_t magnitude;
    if (cli_parse_u64(text + (negative ? 1 : 0), &magnitude) != 0)
        return -1;
    if (!negative && magnitude > (uint64_t)INT64_MAX)
        return -1;
    if (negative && magnitude > (uint64_t)INT64_MAX + 1u)
        return -1;
    if (negative)
        *out = magnitude == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)magnitude;
    else
        *out = (int64_t)magnitude;
    return 0;
}

/* An int64 field: a decimal string or a JSON integer; 0 when absent. */
static int j_i64(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    return json_is_string(v) ? i64_parse(json_string_value(v), out) : -1;
}

/* A uint64 or uint32 field, the same way. */
static int j_u64(const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    return json_is_string(v) ? cli_parse_u64(json_string_value(v), out) : -1;
}

/* An enum field of the contract, e.g. "RESULT_INSUFFICIENT_FUNDS" with
 * prefix "RESULT_", as the ledger's snake_case name "insufficient_funds".
 * "" when absent (the enum's zero); a number stays a number. */
static int j_enum(const json_t *obj, const char *key, const char *prefix,
                  char out[REMOTE_ENUM_MAX])
{
    const json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        snprintf(out, REMOTE_ENUM_MAX, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    const char *name = json_string_value(v);
    size_t skip = strlen(prefix);
    if (name == NULL || strncmp(name, prefix, skip) != 0 ||
        strlen(name) - skip >= REMOTE_ENUM_MAX)
        return -1;
    size_t i = 0;
    for (const char *p = name + skip; *p != '\0'; p++)
        out[i++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    out[i] = '\0';
    if (strcmp(out, "unspecified") == 0)
        out[0] = '\0';
    return 0;
}

/* The contract's enum name of a ledger name: "capital_release" with prefix
 * "OPERATION_" -> "OPERATION_CAPITAL_RELEASE". */
static void enum_name(const char *prefix, const char *ledger_name, char out[REMOTE_ENUM_MAX])
{
    size_t n = (size_t)snprintf(out, REMOTE_ENUM_MAX, "%s%s", prefix, ledger_name);
    for (size_t i = strlen(prefix); i < n && i < REMOTE_ENUM_MAX; i++)
        if (out[i] >= 'a' && out[i] <= 'z')
            out[i] = (char)(out[i] - 'a' + 'A');
}

static int kind_of(const char *name, ledger_kind *out)
{
    if (name[0] == '\0') {
        *out = LEDGER_KIND_POSTED; /* KIND_UNSPECIFIED posts as POSTED */
        return 0;
    }
    return ledger_kind_parse(name, out);
}

static int op_of(const char *name, ledger_op *out)
{
    if (name[0] == '\0') {
        *out = LEDGER_OP_TRANSFER; /* OPERATION_UNSPECIFIED posts as TRANSFER */
        return 0;
    }
    return ledger_op_parse(name, out);
}

/* Currency and digits of a balance or statement reply. */
static int currency_get(const remote *r, const char *method, const json_t *reply,
                        char currency[LEDGER_CURRENCY_LEN + 1], int *digits_out)
{
    const char *code = j_str(reply, "currency");
    uint64_t digits;
    if (code == NULL || strlen(code) != LEDGER_CURRENCY_LEN)
        return reply_bad(r, method, "currency");
    if (j_u64(reply, "currencyDigits", &digits) != 0 || digits > 18)
        return reply_bad(r, method, "currencyDigits");
    snprintf(currency, LEDGER_CURRENCY_LEN + 1, "%s", code);
    *digits_out = (int)digits;
    return CLI_EXIT_OK;
}

/* ---- base64 (the proto3 JSON of bytes: standard or URL-safe, padded or
 * not) ---- */

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes `in` into out[cap]; 0 with *len_out, or -1 for malformed text or
 * more than cap bytes. */
static int b64_decode(const char *in, uint8_t *out, size_t cap, size_t *len_out)
{
    size_t len = strlen(in), pad = 0, n = 0;
    while (len > 0 && in[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
        return -1;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return -1;
            out[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    *len_out = n;
    return 0;
}

/* ---- post ---- */

typedef struct post_state {
    remote *r;
    const char *path;
    char programme[LEDGER_NAME_MAX + 1]; /* "" = the token's */
    uint64_t programme_line;             /* where it was named; 0 = --programme */
    uint32_t batch;
    bool atomic;
    uint64_t entries, malformed;
    json_t *request_entries; /* the request being filled */
    uint64_t *line_nos;      /* batch of them */
    uint32_t count;
    cli_post_totals totals;
    uint64_t tree_size;
    bool replied;
} post_state;

static const cli_jsonl_defaults remote_defaults = {REMOTE_PLACEHOLDER, REMOTE_PLACEHOLDER,
                                                   REMOTE_PLACEHOLDER};

/* What the jsonl parser cannot know: fields the server sets from the token,
 * and one programme for the whole file. Returns 0, or -1 with err. */
static int line_remote_check(post_state *s, const cli_jsonl_line *line, uint64_t no,
                             char err[CLI_JSONL_ERROR_MAX])
{
    const json_t *obj = line->json;
    if (line->kind == CLI_JSONL_OPEN) {
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "accounts cannot be opened through the server; open them with 'cauris "
                 "account open DIR CODE...' on the ledger");
        return -1;
    }
    if (json_object_get(obj, "partner") != NULL) {
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "field partner: the server takes the partner from the token; remove it");
        return -1;
    }
    if (json_object_get(obj, "principal") != NULL) {
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "field principal: the server records the token's holder as the "
                 "principal; remove it");
        return -1;
    }
    const char *prog = json_string_value(json_object_get(obj, "programme"));
    if (prog == NULL || prog[0] == '\0')
        return 0;
    if (s->programme[0] == '\0') {
        snprintf(s->programme, sizeof s->programme, "%s", prog);
        s->programme_line = no;
        return 0;
    }
    if (strcmp(prog, s->programme) != 0) {
        char where[48];
        if (s->programme_line == 0)
            snprintf(where, sizeof where, "--programme");
        else
            snprintf(where, sizeof where, "line %llu", (unsigned long long)s->programme_line);
        snprintf(err, CLI_JSONL_ERROR_MAX,
                 "field programme: '%.64s' is not '%s' (%s); a token posts in one programme",
                 prog, s->programme, where);
        return -1;
    }
    return 0;
}

/* Pass 1: reads the whole input, copying it to `spool`; reports every
 * malformed line on stderr. */
static int post_check(post_state *s, FILE *in, FILE *spool, cli_line_reader *lr)
{
    char err[CLI_JSONL_ERROR_MAX];
    int got;
    lr->f = in;
    lr->no = 0;
    while ((got = cli_line_next(lr)) == 1) {
        if (lr->no > CLI_JSONL_LINES_MAX)
            return cli_fail(s->r->cmd, "the file has more than %u lines; split it",
                            CLI_JSONL_LINES_MAX);
        if (fwrite(lr->buf, 1, lr->len, spool) != lr->len || fputc('\n', spool) == EOF)
            return cli_fail(s->r->cmd, "cannot write the temporary copy of the input: %s",
                            strerror(errno));
        if (lr->too_long) {
            fprintf(stderr, "line %llu: longer than %d bytes\n", (unsigned long long)lr->no,
                    CLI_JSONL_LINE_MAX);
            s->malformed++;
            continue;
        }
        if (cli_line_skipped(lr))
            continue;
        cli_jsonl_line line;
        if (cli_jsonl_parse(lr->buf, lr->len, &remote_defaults, &line, err) != 0 ||
            line_remote_check(s, &line, lr->no, err) != 0) {
            fprintf(stderr, "line %llu: %s\n", (unsigned long long)lr->no, err);
            s->malformed++;
        } else {
            s->entries++;
        }
        cli_jsonl_line_free(&line);
    }
    if (got < 0)
        return cli_fail(s->r->cmd, "cannot read the input: %s", strerror(errno));
    return CLI_EXIT_OK;
}

/* Sets key to the text when it is not empty; false when out of memory. */
static bool j_set_text(json_t *o, const char *key, const char *text)
{
    return text == NULL || text[0] == '\0' ||
           json_object_set_new(o, key, json_string(text)) == 0;
}

/* Sets key to an int64 as the mapping writes it (a decimal string) when
 * it is not 0. */
static bool j_set_i64(json_t *o, const char *key, int64_t v)
{
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)v);
    return v == 0 || json_object_set_new(o, key, json_string(number)) == 0;
}

/* The fields of a typed operation (EntryInput 9..19). */
static bool entry_op_json(json_t *o, const ledger_entry_in *e)
{
    return j_set_text(o, "participant", e->participant) && j_set_i64(o, "amount", e->amount) &&
           (e->days == 0 || json_object_set_new(o, "days", json_integer(e->days)) == 0) &&
           j_set_i64(o, "dailyRate", e->daily_rate) && j_set_text(o, "wageRun", e->wage_run) &&
           j_set_text(o, "cashPartner", e->cash_partner) &&
           j_set_text(o, "currency", e->currency) &&
           j_set_text(o, "budgetLine", e->budget_line) && j_set_text(o, "group", e->group) &&
           (e->shares == 0 || json_object_set_new(o, "shares", json_integer(e->shares)) == 0) &&
           (!e->from_wallet || json_object_set_new(o, "fromWallet", json_true()) == 0);
}

/* One entry as an EntryInput of the contract. */
static json_t *entry_json(const ledger_entry_in *e)
{
    char date[CLI_DATE_TEXT_MAX], kind[REMOTE_ENUM_MAX], op[REMOTE_ENUM_MAX], number[24];
    cli_date_format(date, e->value_date);
    enum_name("KIND_", ledger_kind_name(e->kind), kind);
    enum_name("OPERATION_", ledger_op_name(e->op), op);
    json_t *o = json_pack("{s:s, s:s, s:s}", "kind", kind, "operation", op, "valueDate", date);
    json_t *legs = json_array();
    if (o == NULL || legs == NULL)
        goto fail;
    /* A wage run's line may leave its client id to the server's ledger. */
    if (!j_set_text(o, "clientId", e->client_id) ||
        !j_set_text(o, "externalRef", e->external_ref) || !j_set_text(o, "memo", e->memo) ||
        !entry_op_json(o, e))
        goto fail;
    if (e->ref != 0) {
        snprintf(number, sizeof number, "%llu", (unsigned long long)e->ref);
        if (json_object_set_new(o, "ref", json_string(number)) != 0)
            goto fail;
    }
    for (uint32_t i = 0; i < e->legs_count; i++) {
        snprintf(number, sizeof number, "%lld", (long long)e->legs[i].amount);
        json_t *leg = json_pack("{s:s, s:s}", "account", e->legs[i].account,
                                e->legs[i].side == LEDGER_DEBIT ? "debit" : "credit", number);
        if (json_array_append_new(legs, leg) != 0)
            goto fail;
    }
    if (e->legs_count > 0 && json_object_set(o, "legs", legs) != 0)
        goto fail;
    json_decref(legs);
    return o;
fail:
    json_decref(legs);
    json_decref(o);
    return NULL;
}

/* The ledger's code of a result name ("insufficient_funds" or a number);
 * -1 when this build does not know it. */
static int result_code(const char *name)
{
    uint64_t number;
    if (name[0] == '\0')
        return LEDGER_OK;
    if (cli_parse_u64(name, &number) == 0)
        return number < LEDGER_ERR_COUNT ? (int)number : -1;
    for (int code = 0; code < LEDGER_ERR_COUNT; code++)
        if (strcmp(ledger_err_name(code), name) == 0)
            return code;
    return -1;
}

static int result_print(post_state *s, const json_t *res, uint64_t line_no)
{
    char name[REMOTE_ENUM_MAX];
    uint64_t seq;
    const char *message = j_str(res, "message");
    const json_t *awaiting = json_object_get(res, "awaitingApproval");
    if (!json_is_object(res) || j_enum(res, "result", "RESULT_", name) != 0 ||
        j_u64(res, "seq", &seq) != 0 || message == NULL ||
        (awaiting != NULL && !json_is_boolean(awaiting)))
        return reply_bad(s->r, "PostEntries", "results");
    int code = result_code(name);
    if (code < 0) {
        /* A reason this build has no name for: the server's words. */
        printf("line %llu: refused %s: %s\n", (unsigned long long)line_no, name, message);
        s->totals.refused++;
        return CLI_EXIT_OK;
    }
    ledger_result r = {code, seq, json_is_true(awaiting)};
    cli_post_result_print(line_no, &r, &s->totals);
    return CLI_EXIT_OK;
}

/* Sends the entries gathered so far as one PostEntries request. */
static int post_flush(post_state *s)
{
    if (s->count == 0)
        return CLI_EXIT_OK;
    json_t *entries = s->request_entries, *req = json_object(), *reply = NULL;
    uint32_t count = s->count;
    s->count = 0;
    s->request_entries = json_array(); /* the next request's */
    if (req == NULL) {
        json_decref(entries);
        return cli_fail(s->r->cmd, "out of memory");
    }
    if (json_object_set_new(req, "entries", entries) != 0 ||
        (s->programme[0] != '\0' &&
         json_object_set_new(req, "programme", json_string(s->programme)) != 0) ||
        (s->atomic && json_object_set_new(req, "atomic", json_true()) != 0)) {
        json_decref(req);
        return cli_fail(s->r->cmd, "out of memory");
    }
    int rc = remote_call(s->r, "PostEntries", req, &reply);
    if (rc != CLI_EXIT_OK) {
        fprintf(stderr,
                "lines %llu to %llu were not posted, or perhaps were if the connection "
                "failed; posting the file again is safe (posted entries say 'exists')\n",
                (unsigned long long)s->line_nos[0], (unsigned long long)s->line_nos[count - 1]);
        return rc;
    }
    const json_t *results = json_object_get(reply, "results");
    if (!json_is_array(results) || json_array_size(results) != count)
        rc = reply_bad(s->r, "PostEntries", "results (one per entry)");
    if (rc == CLI_EXIT_OK && j_u64(reply, "treeSize", &s->tree_size) != 0)
        rc = reply_bad(s->r, "PostEntries", "treeSize");
    for (uint32_t i = 0; rc == CLI_EXIT_OK && i < count; i++)
        rc = result_print(s, json_array_get(results, i), s->line_nos[i]);
    s->replied = s->replied || rc == CLI_EXIT_OK;
    json_decref(reply);
    return rc;
}

/* Pass 2: re-reads the checked spool and posts its entries batch by batch. */
static int post_send(post_state *s, FILE *spool, cli_line_reader *lr)
{
    char err[CLI_JSONL_ERROR_MAX];
    int got, rc = CLI_EXIT_OK;
    lr->f = spool;
    lr->no = 0;
    while (rc == CLI_EXIT_OK && (got = cli_line_next(lr)) == 1) {
        if (cli_line_skipped(lr))
            continue;
        cli_jsonl_line line;
        if (cli_jsonl_parse(lr->buf, lr->len, &remote_defaults, &line, err) != 0)
            return cli_fail(s->r->cmd, "line %llu changed while posting: %s",
                            (unsigned long long)lr->no, err);
        json_t *e = entry_json(&line.entry);
        cli_jsonl_line_free(&line);
        if (e == NULL || json_array_append_new(s->request_entries, e) != 0)
            return cli_fail(s->r->cmd, "line %llu: cannot build the request (out of memory?)",
                            (unsigned long long)lr->no);
        s->line_nos[s->count++] = lr->no;
        if (s->count == s->batch)
            rc = post_flush(s);
    }
    if (rc == CLI_EXIT_OK)
        rc = post_flush(s);
    return rc;
}

/* Reads post's options into s and *path; *help when --help was given. */
static int post_options(remote *r, int argc, char **argv, post_state *s, const char **path,
                        bool *help)
{
    const char *programme = NULL, *batch = NULL;
    const cli_opt opts[] = {
        {"programme", &programme, NULL},
        {"batch", &batch, NULL},
        {"atomic", NULL, &s->atomic},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(r->cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    *help = a.help;
    if (a.help)
        return CLI_EXIT_OK;
    if (a.pos_count != 1)
        return cli_usage_error(r->cmd, "needs one file (or - for standard input); with "
                                       "--server there is no ledger directory");
    uint64_t n = REMOTE_BATCH_DEFAULT;
    if (batch != NULL &&
        (cli_parse_u64(batch, &n) != 0 || n == 0 || n > LEDGER_REQUEST_ENTRIES_MAX))
        return cli_usage_error(r->cmd, "--batch must be 1 to %d", LEDGER_REQUEST_ENTRIES_MAX);
    if (batch != NULL && s->atomic)
        return cli_usage_error(r->cmd, "--atomic sends the whole file in one request; leave "
                                       "out --batch");
    if (programme != NULL && (programme[0] == '\0' || strlen(programme) > LEDGER_NAME_MAX))
        return cli_usage_error(r->cmd, "--programme '%s' is not a programme name", programme);
    if (programme != NULL)
        snprintf(s->programme, sizeof s->programme, "%s", programme);
    s->batch = s->atomic ? LEDGER_REQUEST_ENTRIES_MAX : (uint32_t)n;
    *path = a.pos[0];
    return 0;
}

static void post_summary(const post_state *s)
{
    const cli_post_totals *t = &s->totals;
    printf("posted %llu, existing %llu, refused %llu", (unsigned long long)t->posted,
           (unsigned long long)t->existing, (unsigned long long)t->refused);
    if (t->awaiting > 0)
        printf("; %llu awaiting approval", (unsigned long long)t->awaiting);
    if (s->replied)
        printf("; tree size %llu", (unsigned long long)s->tree_size);
    printf("\n");
}

static int remote_post(remote *r, int argc, char **argv)
{
    post_state s;
    const char *path = NULL;
    memset(&s, 0, sizeof s);
    s.r = r;
    bool help = false;
    int rc = post_options(r, argc, argv, &s, &path, &help);
    if (rc != 0)
        return rc;
    if (help)
        return cli_help(post_usage);
    s.path = path;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (in == NULL)
        return cli_fail(r->cmd, "cannot open %s: %s", path, strerror(errno));
    FILE *spool = tmpfile();
    cli_line_reader *lr = malloc(sizeof *lr);
    s.line_nos = calloc(s.batch, sizeof *s.line_nos);
    s.request_entries = json_array();
    if (spool == NULL || lr == NULL || s.line_nos == NULL || s.request_entries == NULL)
        rc = cli_fail(r->cmd, "cannot set up (temporary file or memory): %s", strerror(errno));
    if (rc == CLI_EXIT_OK)
        rc = post_check(&s, in, spool, lr);
    if (in != stdin)
        fclose(in);
    if (rc == CLI_EXIT_OK && s.malformed > 0)
        rc = cli_fail(r->cmd, "%s: %llu malformed line%s; nothing was sent", path,
                      (unsigned long long)s.malformed, s.malformed == 1 ? "" : "s");
    if (rc == CLI_EXIT_OK && s.atomic && s.entries > LEDGER_REQUEST_ENTRIES_MAX)
        rc = cli_fail(r->cmd,
                      "%s: %llu entries do not fit one atomic request (%d at most); "
                      "nothing was sent",
                      path, (unsigned long long)s.entries, LEDGER_REQUEST_ENTRIES_MAX);
    if (rc == CLI_EXIT_OK && fseek(spool, 0, SEEK_SET) != 0)
        rc = cli_fail(r->cmd, "cannot re-read the temporary copy of the input");
    if (rc == CLI_EXIT_OK) {
        rc = post_send(&s, spool, lr);
        post_summary(&s);
    }
    if (rc == CLI_EXIT_OK && s.totals.refused > 0)
        rc = CLI_EXIT_FAIL;
    json_decref(s.request_entries);
    free(s.line_nos);
    free(lr);
    if (spool != NULL)
        fclose(spool);
    return rc;
}

/* ---- balance ---- */

static int balance_request(remote *r, const cli_args *a, const char *participant,
                           const char *programme, const char *as_of, const char *tree_size,
                           json_t **out)
{
    uint32_t date;
    uint64_t size;
    if (as_of != NULL && tree_size != NULL)
        return cli_usage_error(r->cmd, "give --as-of or --tree-size, not both");
    if (as_of != NULL && ledger_date_parse(as_of, &date) != 0)
        return cli_usage_error(r->cmd, "--as-of '%s' is not a date YYYY-MM-DD", as_of);
    if (tree_size != NULL && (cli_parse_u64(tree_size, &size) != 0 || size == 0))
        return cli_usage_error(r->cmd, "--tree-size '%s' is not a positive number", tree_size);
    if ((participant != NULL) == (a->pos_count > 0))
        return cli_usage_error(r->cmd, "give account codes or --participant ID (one of the "
                                       "two); with --server there is no ledger directory");
    json_t *req = json_object(), *codes = json_array();
    bool ok = req != NULL && codes != NULL;
    for (size_t i = 0; ok && i < a->pos_count; i++)
        ok = json_array_append_new(codes, json_string(a->pos[i])) == 0;
    if (ok && a->pos_count > 0)
        ok = json_object_set(req, "accounts", codes) == 0;
    if (ok && participant != NULL)
        ok = json_object_set_new(req, "participant", json_string(participant)) == 0;
    if (ok && programme != NULL)
        ok = json_object_set_new(req, "programme", json_string(programme)) == 0;
    if (ok && as_of != NULL)
        ok = json_object_set_new(req, "asOfDate", json_string(as_of)) == 0;
    if (ok && tree_size != NULL)
        ok = json_object_set_new(req, "asOfTreeSize", json_string(tree_size)) == 0;
    json_decref(codes);
    if (!ok) {
        json_decref(req);
        return cli_fail(r->cmd, "cannot build the request (out of memory, or a code that is "
                                "not UTF-8)");
    }
    *out = req;
    return CLI_EXIT_OK;
}

/* Prints a GetBalances reply as `cauris balance` does. */
static int balances_print(remote *r, const json_t *reply, bool json)
{
    char currency[LEDGER_CURRENCY_LEN + 1], amount[CLI_AMOUNT_TEXT_MAX];
    int digits;
    int rc = currency_get(r, "GetBalances", reply, currency, &digits);
    const json_t *list = json_object_get(reply, "balances");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!json_is_array(list))
        return reply_bad(r, "GetBalances", "balances");
    size_t n = json_array_size(list), width = 0, amount_width = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(list, i);
        const char *code = j_str(b, "account");
        int64_t balance;
        if (code == NULL || code[0] == '\0' || j_i64(b, "balance", &balance) != 0)
            return reply_bad(r, "GetBalances", "balances");
        width = strlen(code) > width ? strlen(code) : width;
        cli_amount_format(amount, sizeof amount, balance, digits);
        amount_width = strlen(amount) > amount_width ? strlen(amount) : amount_width;
    }
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(list, i);
        const char *code = j_str(b, "account");
        int64_t balance;
        j_i64(b, "balance", &balance);
        if (json) {
            cli_amount_format(amount, sizeof amount, balance, 0);
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "code", code, "balance",
                                                 amount, "currency", currency));
        } else {
            cli_amount_format(amount, sizeof amount, balance, digits);
            printf("%-*s  %*s %s\n", (int)width, code, (int)amount_width, amount, currency);
        }
    }
    if (json) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        json_decref(arr);
        if (text == NULL)
            return cli_fail(r->cmd, "out of memory");
        printf("%s\n", text);
        free(text);
    }
    return CLI_EXIT_OK;
}

static int remote_balance(remote *r, int argc, char **argv)
{
    const char *programme = NULL, *as_of = NULL, *tree_size = NULL, *participant = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {"programme", &programme, NULL}, {"as-of", &as_of, NULL},
        {"tree-size", &tree_size, NULL}, {"participant", &participant, NULL},
        {"json", NULL, &json},           {NULL, NULL, NULL},
    };
    cli_args a;
    json_t *req = NULL, *reply = NULL;
    int rc = cli_args_parse(r->cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(balance_usage);
    rc = balance_request(r, &a, participant, programme, as_of, tree_size, &req);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = remote_call(r, "GetBalances", req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = balances_print(r, reply, json);
    json_decref(reply);
    return rc;
}

/* ---- statement ---- */

typedef struct statement_ctx {
    const char *code, *programme, *from, *to;
    uint32_t page_size;
    int digits;
    char currency[LEDGER_CURRENCY_LEN + 1];
    uint64_t printed, lines_total;
    int64_t closing;
} statement_ctx;

/* The account's type, from GetBalances: the statement's header names it. */
static int account_type_get(remote *r, const statement_ctx *s, char *out, size_t cap)
{
    json_t *req = json_pack("{s:[s]}", "accounts", s->code), *reply = NULL;
    if (req != NULL && s->programme != NULL &&
        json_object_set_new(req, "programme", json_string(s->programme)) != 0) {
        json_decref(req);
        req = NULL;
    }
    int rc = remote_call(r, "GetBalances", req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    const json_t *b = json_array_get(json_object_get(reply, "balances"), 0);
    const char *type = j_str(b, "type");
    if (type == NULL)
        rc = reply_bad(r, "GetBalances", "balances[0].type");
    else
        snprintf(out, cap, "%s", type[0] ? type : "?");
    json_decref(reply);
    return rc;
}

static int statement_line_print(remote *r, const statement_ctx *s, const json_t *ln)
{
    char op[REMOTE_ENUM_MAX], debit[CLI_AMOUNT_TEXT_MAX], credit[CLI_AMOUNT_TEXT_MAX],
        balance[CLI_AMOUNT_TEXT_MAX];
    uint64_t seq;
    int64_t d, c, after;
    ledger_op code;
    const char *recorded = j_str(ln, "recordedAt"), *value = j_str(ln, "valueDate");
    const char *memo = j_str(ln, "memo"), *ext = j_str(ln, "externalRef"),
               *client = j_str(ln, "clientId");
    if (!json_is_object(ln) || recorded == NULL || strlen(recorded) < 10 || value == NULL ||
        memo == NULL || ext == NULL || client == NULL || j_u64(ln, "seq", &seq) != 0 ||
        j_i64(ln, "debit", &d) != 0 || j_i64(ln, "credit", &c) != 0 ||
        j_i64(ln, "balanceAfter", &after) != 0 ||
        j_enum(ln, "operation", "OPERATION_", op) != 0 || op_of(op, &code) != 0)
        return reply_bad(r, "GetStatement", "lines");
    const char *desc = memo[0] ? memo : ext[0] ? ext : client;
    cli_amount_format(debit, sizeof debit, d, s->digits);
    cli_amount_format(credit, sizeof credit, c, s->digits);
    cli_amount_format(balance, sizeof balance, after, s->digits);
    printf("%-10.10s  %-10s  %8llu  %-15s %-*.*s  %16s  %16s  %16s\n", recorded, value,
           (unsigned long long)seq, ledger_op_name(code), REMOTE_STATEMENT_DESC_WIDTH,
           REMOTE_STATEMENT_DESC_WIDTH, desc, d != 0 ? debit : "", c != 0 ? credit : "",
           balance);
    return CLI_EXIT_OK;
}

/* The rest of the header, once the first page gave the currency. */
static void statement_header_print(const statement_ctx *s, int64_t opening)
{
    char amount[CLI_AMOUNT_TEXT_MAX];
    cli_amount_format(amount, sizeof amount, opening, s->digits);
    printf("currency:  %s\n", s->currency);
    printf("period:    %s .. %s\n", s->from ? s->from : "beginning", s->to ? s->to : "now");
    printf("opening balance: %s %s\n\n", amount, s->currency);
    printf("%-10s  %-10s  %8s  %-15s %-*s  %16s  %16s  %16s\n", "recorded", "value", "seq",
           "operation", REMOTE_STATEMENT_DESC_WIDTH, "description", "debit", "credit",
           "balance");
}

/* One page: its request, and its lines printed (with the header before the
 * first page's). Writes the next page's token. */
static int statement_page(remote *r, statement_ctx *s, uint64_t *token)
{
    char number[24];
    json_t *req =
        json_pack("{s:s, s:I}", "account", s->code, "pageSize", (json_int_t)s->page_size);
    json_t *reply = NULL;
    snprintf(number, sizeof number, "%llu", (unsigned long long)*token);
    bool ok =
        req != NULL &&
        (*token == 0 || json_object_set_new(req, "pageToken", json_string(number)) == 0) &&
        (s->from == NULL || json_object_set_new(req, "dateFrom", json_string(s->from)) == 0) &&
        (s->to == NULL || json_object_set_new(req, "dateTo", json_string(s->to)) == 0) &&
        (s->programme == NULL ||
         json_object_set_new(req, "programme", json_string(s->programme)) == 0);
    if (!ok) {
        json_decref(req);
        req = NULL;
    }
    int rc = remote_call(r, "GetStatement", req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    const json_t *lines = json_object_get(reply, "lines");
    int64_t opening = 0;
    uint64_t next = 0;
    if (*token == 0 &&
        (rc = currency_get(r, "GetStatement", reply, s->currency, &s->digits)) != 0)
        goto done;
    if ((lines != NULL && !json_is_array(lines)) ||
        j_i64(reply, "openingBalance", &opening) != 0 ||
        j_i64(reply, "closingBalance", &s->closing) != 0 ||
        j_u64(reply, "linesTotal", &s->lines_total) != 0 ||
        j_u64(reply, "nextPageToken", &next) != 0) {
        rc = reply_bad(r, "GetStatement", "a page's totals");
        goto done;
    }
    /* A server that hands out pages forever is stopped here. */
    if (s->printed + json_array_size(lines) > s->lines_total ||
        (next != 0 && json_array_size(lines) == 0)) {
        rc = cli_fail(r->cmd, "the server's pages do not add up to its %llu lines",
                      (unsigned long long)s->lines_total);
        goto done;
    }
    if (*token == 0)
        statement_header_print(s, opening);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < json_array_size(lines); i++)
        rc = statement_line_print(r, s, json_array_get(lines, i));
    s->printed += json_array_size(lines);
    *token = next;
done:
    json_decref(reply);
    return rc;
}

static int statement_print(remote *r, statement_ctx *s)
{
    char type[32], amount[CLI_AMOUNT_TEXT_MAX];
    int rc = account_type_get(r, s, type, sizeof type);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (s->programme != NULL)
        printf("programme: %s\n", s->programme);
    else
        printf("programme: (the token's)\n");
    printf("account:   %s (%s)\n", s->code, type);
    uint64_t token = 0;
    do {
        rc = statement_page(r, s, &token);
    } while (rc == CLI_EXIT_OK && token != 0);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_amount_format(amount, sizeof amount, s->closing, s->digits);
    printf("\nclosing balance: %s %s\n", amount, s->currency);
    printf("lines: %llu\n", (unsigned long long)s->printed);
    if (s->printed != s->lines_total)
        return cli_fail(r->cmd, "%llu lines printed but the server counts %llu",
                        (unsigned long long)s->printed, (unsigned long long)s->lines_total);
    return CLI_EXIT_OK;
}

static int remote_statement(remote *r, int argc, char **argv)
{
    statement_ctx s;
    const char *page = NULL;
    memset(&s, 0, sizeof s);
    const cli_opt opts[] = {
        {"programme", &s.programme, NULL}, {"from", &s.from, NULL}, {"to", &s.to, NULL},
        {"page-size", &page, NULL},        {NULL, NULL, NULL},
    };
    cli_args a;
    uint32_t from = 0, to = 0;
    uint64_t page_size = LEDGER_PAGE_MAX;
    int rc = cli_args_parse(r->cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(statement_usage);
    if (a.pos_count != 1)
        return cli_usage_error(r->cmd, "needs one account code; with --server there is no "
                                       "ledger directory");
    if (s.from != NULL && ledger_date_parse(s.from, &from) != 0)
        return cli_usage_error(r->cmd, "--from '%s' is not a date YYYY-MM-DD", s.from);
    if (s.to != NULL && ledger_date_parse(s.to, &to) != 0)
        return cli_usage_error(r->cmd, "--to '%s' is not a date YYYY-MM-DD", s.to);
    if (from != 0 && to != 0 && from > to)
        return cli_usage_error(r->cmd, "--from is after --to");
    if (page != NULL &&
        (cli_parse_u64(page, &page_size) != 0 || page_size == 0 || page_size > LEDGER_PAGE_MAX))
        return cli_usage_error(r->cmd, "--page-size must be 1 to %d", LEDGER_PAGE_MAX);
    s.code = a.pos[0];
    s.page_size = (uint32_t)page_size;
    return statement_print(r, &s);
}

/* ---- proof ---- */

/* Reads a leaf's fields in order (docs/encoding.md); `bad` sticks. */
typedef struct leaf_reader {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} leaf_reader;

static uint64_t leaf_uint(leaf_reader *lr, size_t bytes)
{
    uint64_t v = 0;
    if (lr->bad || lr->len - lr->pos < bytes) {
        lr->bad = true;
        return 0;
    }
    for (size_t i = 0; i < bytes; i++)
        v = v << 8 | lr->p[lr->pos++];
    return v;
}

/* Whether the next str of the leaf is `expected`. */
static bool leaf_str_is(leaf_reader *lr, const char *expected)
{
    size_t n = (size_t)leaf_uint(lr, 2);
    if (lr->bad || lr->len - lr->pos < n) {
        lr->bad = true;
        return false;
    }
    bool same =
        expected != NULL && strlen(expected) == n && memcmp(lr->p + lr->pos, expected, n) == 0;
    lr->pos += n;
    return same;
}

static void time_rfc3339(char out[REMOTE_TIME_TEXT_MAX], int64_t unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&t, &tm) != NULL)
        strftime(out, REMOTE_TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Compares a leg of the leaf with the reply's leg. */
static const char *leaf_leg_check(leaf_reader *lr, const json_t *leg)
{
    int64_t debit, credit, after;
    if (j_i64(leg, "debit", &debit) != 0 || j_i64(leg, "credit", &credit) != 0 ||
        j_i64(leg, "balanceAfter", &after) != 0)
        return "a leg's amounts";
    leaf_uint(lr, 8); /* account id: the code is not in the leaf */
    uint64_t side = leaf_uint(lr, 1);
    int64_t amount = (int64_t)leaf_uint(lr, 8), balance = (int64_t)leaf_uint(lr, 8);
    leaf_uint(lr, 8); /* prev_seq */
    if (side == LEDGER_DEBIT ? debit != amount || credit != 0 : debit != 0 || credit != amount)
        return "a leg's side or amount";
    return balance == after ? NULL : "a leg's balance after";
}

/* The contract's names of the tags' enums, by the ledger's value. */
static const char *const sex_names[] = {"SEX_UNSPECIFIED", "SEX_FEMALE", "SEX_MALE"};
static const char *const age_band_names[] = {"AGE_BAND_UNSPECIFIED", "AGE_BAND_UNDER_15",
                                             "AGE_BAND_15_24",       "AGE_BAND_25_34",
                                             "AGE_BAND_35_49",       "AGE_BAND_50_PLUS"};
static const char *const disability_names[] = {"DISABILITY_UNSPECIFIED", "DISABILITY_NO",
                                               "DISABILITY_YES"};
static const char *const category_names[] = {
    "CATEGORY_UNSPECIFIED",      "CATEGORY_FORMER_SECURITY_FORCES", "CATEGORY_COMMUNITY_MEMBER",
    "CATEGORY_RETURNED_MIGRANT", "CATEGORY_DISPLACED_PERSON",       "CATEGORY_REFUGEE"};

#define NAMES_COUNT(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(NAMES_COUNT(sex_names) == LEDGER_SEX_MALE + 1, "a name per sex");
_Static_assert(NAMES_COUNT(age_band_names) == LEDGER_AGE_50_PLUS + 1, "a name per band");
_Static_assert(NAMES_COUNT(disability_names) == LEDGER_DISABILITY_YES + 1, "a name per value");
_Static_assert(NAMES_COUNT(category_names) == LEDGER_CATEGORY_MAX + 1, "a name per category");

/* Whether enum field `key` of obj (absent = 0, a name, or a number) is
 * `value`, names[] naming each value. */
static bool j_enum_is(const json_t *obj, const char *key, const char *const *names, size_t n,
                      uint64_t value)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return value == 0;
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 && (uint64_t)json_integer_value(v) == value;
    return json_is_string(v) && value < n && strcmp(json_string_value(v), names[value]) == 0;
}

/* The value of enum field `key` (checked against the leaf before). */
static int j_enum_value(const json_t *obj, const char *key, const char *const *names, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (int)json_integer_value(v);
    for (size_t i = 0; json_is_string(v) && i < n; i++)
        if (strcmp(json_string_value(v), names[i]) == 0)
            return (int)i;
    return 0;
}

/* The tags of a GetEntry reply as `cauris entry` prints them. */
static void tags_print(const json_t *tags)
{
    const char *participant = j_str(tags, "participant"), *budget = j_str(tags, "budgetLine");
    uint64_t phase = 0;
    j_u64(tags, "phase", &phase);
    if (participant != NULL && participant[0] != '\0')
        printf("participant:  %s (%s, age %s, disability %s, %s / %s, %s, cohort %s, phase %u, "
               "cso %s)\n",
               participant,
               ledger_sex_name(
                   (ledger_sex)j_enum_value(tags, "sex", sex_names, NAMES_COUNT(sex_names))),
               ledger_age_band_name((ledger_age_band)j_enum_value(
                   tags, "ageBand", age_band_names, NAMES_COUNT(age_band_names))),
               ledger_disability_name((ledger_disability)j_enum_value(
                   tags, "disability", disability_names, NAMES_COUNT(disability_names))),
               j_str(tags, "admin1"), j_str(tags, "admin2"),
               ledger_category_name((ledger_category)j_enum_value(
                   tags, "category", category_names, NAMES_COUNT(category_names))),
               j_str(tags, "cohort"), (unsigned)phase, j_str(tags, "cso"));
    if (budget != NULL && budget[0] != '\0')
        printf("budget line:  %s\n", budget);
}

/* The reporting tags at the end of an entry leaf against the reply's
 * (absent: an entry about nobody, every tag empty): a byte 0 when the leaf
 * has none, else 1 and every tag. */
static const char *leaf_tags_check(leaf_reader *lr, const json_t *tags)
{
    uint64_t phase;
    if (tags != NULL && !json_is_object(tags))
        return "tags";
    uint64_t present = leaf_uint(lr, 1);
    if (present == 0)
        return tags == NULL || json_object_size(tags) == 0 ? NULL : "tags (the leaf has none)";
    if (present != 1)
        return "tags (the leaf's marker)";
    if (!leaf_str_is(lr, j_str(tags, "participant")))
        return "tags.participant";
    if (!j_enum_is(tags, "sex", sex_names, NAMES_COUNT(sex_names), leaf_uint(lr, 1)))
        return "tags.sex";
    if (!j_enum_is(tags, "ageBand", age_band_names, NAMES_COUNT(age_band_names),
                   leaf_uint(lr, 1)))
        return "tags.ageBand";
    if (!j_enum_is(tags, "disability", disability_names, NAMES_COUNT(disability_names),
                   leaf_uint(lr, 1)))
        return "tags.disability";
    if (!leaf_str_is(lr, j_str(tags, "admin1")))
        return "tags.admin1";
    if (!leaf_str_is(lr, j_str(tags, "admin2")))
        return "tags.admin2";
    if (!j_enum_is(tags, "category", category_names, NAMES_COUNT(category_names),
                   leaf_uint(lr, 1)))
        return "tags.category";
    if (!leaf_str_is(lr, j_str(tags, "cohort")))
        return "tags.cohort";
    if (j_u64(tags, "phase", &phase) != 0 || leaf_uint(lr, 1) != phase)
        return "tags.phase";
    if (!leaf_str_is(lr, j_str(tags, "cso")))
        return "tags.cso";
    if (!leaf_str_is(lr, j_str(tags, "budgetLine")))
        return "tags.budgetLine";
    if (!leaf_str_is(lr, j_str(tags, "group")))
        return "tags.group";
    return NULL;
}

/* The entry of a GetEntry reply against the proven leaf bytes: NULL when
 * every field the leaf holds matches, else the first field that does not.
 * Account codes and the programme are ids in the leaf and cannot be
 * compared here. */
static const char *leaf_entry_check(const uint8_t *leaf, size_t len, const json_t *entry)
{
    leaf_reader lr = {leaf, len, 0, false};
    char kind_name[REMOTE_ENUM_MAX], op_name[REMOTE_ENUM_MAX], recorded[REMOTE_TIME_TEXT_MAX];
    ledger_kind kind;
    ledger_op op;
    uint32_t date;
    uint64_t ref;
    const json_t *legs = json_object_get(entry, "legs");
    const char *value_date = j_str(entry, "valueDate");
    if (j_enum(entry, "kind", "KIND_", kind_name) != 0 || kind_of(kind_name, &kind) != 0 ||
        j_enum(entry, "operation", "OPERATION_", op_name) != 0 || op_of(op_name, &op) != 0 ||
        value_date == NULL || ledger_date_parse(value_date, &date) != 0 ||
        j_u64(entry, "ref", &ref) != 0 || !json_is_array(legs))
        return "the entry's fields";
    if (leaf_uint(&lr, 1) != 1 || leaf_uint(&lr, 1) != REMOTE_LEAF_FORMAT)
        return "the leaf's type (not an entry of format 2)";
    leaf_uint(&lr, 4); /* programme id */
    if (leaf_uint(&lr, 1) != (uint64_t)kind)
        return "kind";
    if (leaf_uint(&lr, 2) != (uint64_t)op)
        return "operation";
    static const char *const strs[] = {"partner", "principal", "clientId", "externalRef",
                                       "memo"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!leaf_str_is(&lr, j_str(entry, strs[i])))
            return strs[i];
    if (leaf_uint(&lr, 4) != date)
        return "valueDate";
    time_rfc3339(recorded, (int64_t)leaf_uint(&lr, 8));
    const char *recorded_at = j_str(entry, "recordedAt");
    if (recorded_at == NULL || strcmp(recorded, recorded_at) != 0)
        return "recordedAt";
    uint64_t leaf_ref = leaf_uint(&lr, 8);
    if ((leaf_ref == LEDGER_SEQ_NONE ? 0 : leaf_ref) != ref)
        return "ref";
    if (leaf_uint(&lr, 1) != json_array_size(legs))
        return "the number of legs";
    for (size_t i = 0; i < json_array_size(legs); i++) {
        const char *why = leaf_leg_check(&lr, json_array_get(legs, i));
        if (why != NULL)
            return why;
    }
    const char *why = leaf_tags_check(&lr, json_object_get(entry, "tags"));
    if (why != NULL)
        return why;
    if (lr.bad || lr.pos != lr.len)
        return "the leaf's length";
    return NULL;
}

/* Prints the entry of a GetEntry reply as `cauris entry` does. */
static void entry_print(const json_t *e, const char *currency, int digits)
{
    char kind[REMOTE_ENUM_MAX], op[REMOTE_ENUM_MAX], recorded[REMOTE_TIME_TEXT_MAX],
        amount[CLI_AMOUNT_TEXT_MAX], balance[CLI_AMOUNT_TEXT_MAX];
    uint64_t seq = 0, ref = 0;
    ledger_kind k = LEDGER_KIND_POSTED;
    ledger_op o = LEDGER_OP_TRANSFER;
    /* Checked by leaf_entry_check() before this runs. */
    j_enum(e, "kind", "KIND_", kind);
    j_enum(e, "operation", "OPERATION_", op);
    kind_of(kind, &k);
    op_of(op, &o);
    j_u64(e, "seq", &seq);
    j_u64(e, "ref", &ref);
    snprintf(recorded, sizeof recorded, "%s", j_str(e, "recordedAt"));
    char *t = strchr(recorded, 'T');
    if (t != NULL)
        *t = ' '; /* "2026-11-23 14:05:09Z", as cauris entry prints it */
    const char *ext = j_str(e, "externalRef"), *memo = j_str(e, "memo");
    printf("seq:          %llu\n", (unsigned long long)seq);
    printf("programme:    %s\n", j_str(e, "programme"));
    printf("kind:         %s\n", ledger_kind_name(k));
    printf("operation:    %s\n", ledger_op_name(o));
    printf("partner:      %s\n", j_str(e, "partner"));
    printf("principal:    %s\n", j_str(e, "principal"));
    printf("client id:    %s\n", j_str(e, "clientId"));
    printf("external ref: %s\n", ext[0] ? ext : "-");
    printf("memo:         %s\n", memo[0] ? memo : "-");
    printf("value date:   %s\n", j_str(e, "valueDate"));
    printf("recorded:     %s\n", recorded);
    if (ref != 0)
        printf("refers to:    seq %llu\n", (unsigned long long)ref);
    tags_print(json_object_get(e, "tags"));
    printf("legs:\n");
    const json_t *legs = json_object_get(e, "legs");
    for (size_t i = 0; i < json_array_size(legs); i++) {
        const json_t *g = json_array_get(legs, i);
        int64_t debit = 0, credit = 0, after = 0;
        j_i64(g, "debit", &debit);
        j_i64(g, "credit", &credit);
        j_i64(g, "balanceAfter", &after);
        cli_amount_format(amount, sizeof amount, debit != 0 ? debit : credit, digits);
        cli_amount_format(balance, sizeof balance, after, digits);
        printf("  %-40s %-6s %16s %s  balance after %s\n", j_str(g, "account"),
               debit != 0 ? "debit" : "credit", amount, currency, balance);
    }
}

/* The tlog-proof@v1 text (docs/checkpoints.md) of a GetEntry reply, as
 * ledger_proof_text() writes it. */
static int proof_text_build(remote *r, const json_t *reply, uint64_t seq, char *out, size_t cap,
                            size_t *len_out)
{
    const json_t *hashes = json_object_get(reply, "inclusionProof");
    const char *checkpoint = j_str(reply, "checkpoint");
    if (hashes != NULL && !json_is_array(hashes))
        return reply_bad(r, "GetEntry", "inclusionProof");
    if (json_array_size(hashes) > LEDGER_PROOF_MAX)
        return reply_bad(r, "GetEntry", "inclusionProof (too many hashes)");
    if (checkpoint == NULL || checkpoint[0] == '\0' ||
        strlen(checkpoint) > LEDGER_CHECKPOINT_MAX)
        return reply_bad(r, "GetEntry", "checkpoint");
    size_t pos = (size_t)snprintf(out, cap, "c2sp.org/tlog-proof@v1\nindex %llu\n",
                                  (unsigned long long)seq);
    for (size_t i = 0; i < json_array_size(hashes); i++) {
        uint8_t hash[LEDGER_HASH_BYTES];
        size_t n = 0;
        const char *text = json_string_value(json_array_get(hashes, i));
        if (text == NULL || b64_decode(text, hash, sizeof hash, &n) != 0 ||
            n != LEDGER_HASH_BYTES)
            return reply_bad(r, "GetEntry", "inclusionProof (a hash is not 32 bytes)");
        char b64[4 * ((LEDGER_HASH_BYTES + 2) / 3) + 1];
        cli_base64(b64, sizeof b64, hash, sizeof hash);
        pos += (size_t)snprintf(out + pos, cap - pos, "%s\n", b64);
    }
    int n = snprintf(out + pos, cap - pos, "\n%s", checkpoint);
    if (n < 0 || (size_t)n >= cap - pos)
        return reply_bad(r, "GetEntry", "checkpoint (the proof is too long)");
    *len_out = pos + (size_t)n;
    return CLI_EXIT_OK;
}

static int file_write(const remote *r, const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return cli_fail(r->cmd, "cannot create %s: %s", path, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return cli_fail(r->cmd, "cannot write %s: %s", path, strerror(errno));
    return CLI_EXIT_OK;
}

/* The verifier key to check with: --key, else the server's own. */
static int proof_vkey(remote *r, const char *key_arg, char vkey[REMOTE_VKEY_MAX])
{
    if (key_arg != NULL)
        return cli_vkey_arg(r->cmd, key_arg, vkey, REMOTE_VKEY_MAX);
    json_t *reply = NULL;
    int rc = remote_call(r, "GetCheckpoint", json_object(), &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *text = j_str(reply, "verifierKey");
    if (text == NULL || text[0] == '\0' || strlen(text) >= REMOTE_VKEY_MAX)
        rc = reply_bad(r, "GetCheckpoint", "verifierKey");
    else
        snprintf(vkey, REMOTE_VKEY_MAX, "%s", text);
    json_decref(reply);
    return rc;
}

/* The currency of the entry's programme, read from the balance of its
 * first leg's account. */
static int proof_currency(remote *r, const json_t *entry,
                          char currency[LEDGER_CURRENCY_LEN + 1], int *digits)
{
    const char *account = j_str(json_array_get(json_object_get(entry, "legs"), 0), "account");
    json_t *reply = NULL;
    if (account == NULL || account[0] == '\0')
        return reply_bad(r, "GetEntry", "entry.legs");
    int rc = remote_call(r, "GetBalances", json_pack("{s:[s]}", "accounts", account), &reply);
    if (rc == CLI_EXIT_OK)
        rc = currency_get(r, "GetBalances", reply, currency, digits);
    json_decref(reply);
    return rc;
}

/* The tree size a checkpoint note states (its second line). Once the
 * note's signature is checked, that is the size the proof is about. */
static int checkpoint_size(const char *note, uint64_t *out)
{
    char line[24];
    const char *start = note != NULL ? strchr(note, '\n') : NULL;
    if (start == NULL)
        return -1;
    start++;
    size_t len = strcspn(start, "\n");
    if (len == 0 || len >= sizeof line || start[len] != '\n')
        return -1;
    memcpy(line, start, len);
    line[len] = '\0';
    return cli_parse_u64(line, out);
}

typedef struct proof_args {
    const char *seq_text, *client_id, *key, *out, *leaf_out;
} proof_args;

/* Checks the GetEntry reply offline and prints the outcome. */
static int proof_check_reply(remote *r, const proof_args *pa, const json_t *reply,
                             const uint8_t *leaf, size_t leaf_len, char *text)
{
    const json_t *entry = json_object_get(reply, "entry");
    char vkey[REMOTE_VKEY_MAX], why[256], currency[LEDGER_CURRENCY_LEN + 1];
    uint64_t seq = 0, wanted = 0, tree_size = 0, signed_size = 0;
    size_t text_len = 0;
    int digits = 0;
    if (!json_is_object(entry) || j_u64(entry, "seq", &seq) != 0 ||
        j_u64(reply, "treeSize", &tree_size) != 0)
        return reply_bad(r, "GetEntry", "entry.seq or treeSize");
    if (pa->seq_text != NULL && (cli_parse_u64(pa->seq_text, &wanted) != 0 || wanted != seq))
        return cli_fail(r->cmd, "the server sent entry %llu for seq %s",
                        (unsigned long long)seq, pa->seq_text);
    const char *client_id = j_str(entry, "clientId");
    if (pa->client_id != NULL && (client_id == NULL || strcmp(client_id, pa->client_id) != 0))
        return cli_fail(r->cmd, "the server sent another client id's entry");
    const char *mismatch = leaf_entry_check(leaf, leaf_len, entry);
    if (mismatch != NULL)
        return cli_fail(r->cmd, "proof FAILED: the entry sent does not match its leaf (%s)",
                        mismatch);
    if (checkpoint_size(j_str(reply, "checkpoint"), &signed_size) != 0 ||
        signed_size != tree_size)
        return reply_bad(r, "GetEntry", "treeSize (not the checkpoint's)");
    int rc = proof_text_build(r, reply, seq, text, LEDGER_PROOF_TEXT_MAX, &text_len);
    if (rc == CLI_EXIT_OK)
        rc = proof_vkey(r, pa->key, vkey);
    if (rc == CLI_EXIT_OK)
        rc = proof_currency(r, entry, currency, &digits);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = ledger_proof_text_verify(text, text_len, vkey, leaf, leaf_len, why, sizeof why);
    entry_print(entry, currency, digits);
    printf("leaf:         matches the entry (account codes are ids in the leaf: not "
           "compared)\n");
    if (pa->key != NULL)
        printf("key:          %s\n", vkey);
    else
        printf("key:          %s (from the server: NOT independently trusted; give --key "
               "with a key you trust)\n",
               vkey);
    if (err != LEDGER_OK) {
        printf("inclusion: FAILED\n");
        if (err == LEDGER_VERIFY_FAILED)
            return cli_fail(r->cmd, "proof FAILED: %s", why[0] ? why : ledger_strerror(err));
        return cli_fail_ledger(r->cmd, "checking the proof", err);
    }
    printf("inclusion: ok\n");
    printf("tree size: %llu\n", (unsigned long long)tree_size); /* the signed one */
    if (pa->out != NULL)
        rc = file_write(r, pa->out, text, text_len);
    if (rc == CLI_EXIT_OK && pa->leaf_out != NULL)
        rc = file_write(r, pa->leaf_out, leaf, leaf_len);
    return rc;
}

static int proof_run(remote *r, const proof_args *pa)
{
    json_t *req = pa->client_id != NULL ? json_pack("{s:s}", "clientId", pa->client_id)
                                        : json_pack("{s:s}", "seq", pa->seq_text);
    json_t *reply = NULL;
    int rc = remote_call(r, "GetEntry", req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    uint8_t *leaf = malloc(CLI_LEAF_MAX);
    char *text = malloc(LEDGER_PROOF_TEXT_MAX);
    size_t leaf_len = 0;
    const char *leaf_b64 = j_str(reply, "leaf");
    if (leaf == NULL || text == NULL)
        rc = cli_fail(r->cmd, "out of memory");
    else if (leaf_b64 == NULL || leaf_b64[0] == '\0' ||
             b64_decode(leaf_b64, leaf, CLI_LEAF_MAX, &leaf_len) != 0)
        rc = reply_bad(r, "GetEntry", "leaf");
    if (rc == CLI_EXIT_OK)
        rc = proof_check_reply(r, pa, reply, leaf, leaf_len, text);
    free(leaf);
    free(text);
    json_decref(reply);
    return rc;
}

static int remote_proof(remote *r, int argc, char **argv)
{
    proof_args pa;
    const char *check = NULL;
    bool consistency = false;
    memset(&pa, 0, sizeof pa);
    const cli_opt opts[] = {
        {"client-id", &pa.client_id, NULL},
        {"key", &pa.key, NULL},
        {"out", &pa.out, NULL},
        {"leaf-out", &pa.leaf_out, NULL},
        {"check", &check, NULL},
        {"consistency", NULL, &consistency},
        {NULL, NULL, NULL},
    };
    cli_args a;
    uint64_t seq;
    int rc = cli_args_parse(r->cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(proof_usage);
    if (check != NULL)
        return cli_usage_error(r->cmd, "--check needs no server: run cauris proof --check "
                                       "without --server");
    if (consistency)
        return cli_usage_error(r->cmd, "--consistency works on a ledger directory only");
    if ((pa.client_id != NULL) == (a.pos_count == 1) || a.pos_count > 1)
        return cli_usage_error(r->cmd, "needs a seq or --client-id ID (one of the two); with "
                                       "--server there is no ledger directory");
    if (a.pos_count == 1 && cli_parse_u64(a.pos[0], &seq) != 0)
        return cli_usage_error(r->cmd, "'%s' is not a seq (a whole number)", a.pos[0]);
    pa.seq_text = a.pos_count == 1 ? a.pos[0] : NULL;
    return proof_run(r, &pa);
}

/* ---- checkpoint ---- */

static int remote_checkpoint(remote *r, int argc, char **argv)
{
    const char *size_text = NULL;
    const cli_opt opts[] = {{"tree-size", &size_text, NULL}, {NULL, NULL, NULL}};
    cli_args a;
    uint64_t size = 0;
    int rc = cli_args_parse(r->cmd, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(checkpoint_usage);
    if (a.pos_count != 0)
        return cli_usage_error(r->cmd, "takes no argument; with --server there is no ledger "
                                       "directory");
    if (size_text != NULL && (cli_parse_u64(size_text, &size) != 0 || size == 0))
        return cli_usage_error(r->cmd, "--tree-size '%s' is not a positive number", size_text);
    json_t *req = size_text ? json_pack("{s:s}", "treeSize", size_text) : json_object();
    json_t *reply = NULL;
    rc = remote_call(r, "GetCheckpoint", req, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *note = j_str(reply, "checkpoint");
    if (note == NULL || note[0] == '\0' || strlen(note) > LEDGER_CHECKPOINT_MAX)
        rc = reply_bad(r, "GetCheckpoint", "checkpoint");
    else
        fputs(note, stdout);
    json_decref(reply);
    return rc;
}

/* ---- dispatch ---- */

typedef struct remote_cmd {
    const char *name;
    int (*fn)(remote *r, int argc, char **argv);
    const char *usage;
} remote_cmd;

static const remote_cmd remote_cmds[] = {
    {"post", remote_post, post_usage},
    {"balance", remote_balance, balance_usage},
    {"statement", remote_statement, statement_usage},
    {"proof", remote_proof, proof_usage},
    {"checkpoint", remote_checkpoint, checkpoint_usage},
};

#define REMOTE_CMDS_COUNT (sizeof remote_cmds / sizeof remote_cmds[0])

static const remote_cmd *remote_cmd_find(const char *name)
{
    for (size_t i = 0; i < REMOTE_CMDS_COUNT; i++)
        if (strcmp(name, remote_cmds[i].name) == 0)
            return &remote_cmds[i];
    return NULL;
}

bool cli_remote_supported(const char *name)
{
    return name != NULL && remote_cmd_find(name) != NULL;
}

/* The token: --token, else the first line of --token-file, else
 * $CAURIS_TOKEN. */
static int token_get(const char *cmd, const cli_remote_opts *o, char out[RPC_TOKEN_MAX + 1])
{
    const char *token = o->token;
    char *file_text = NULL;
    size_t len = 0;
    if (o->token != NULL && o->token_file != NULL)
        return cli_usage_error(cmd, "give --token or --token-file, not both");
    if (token == NULL && o->token_file != NULL) {
        int rc = cli_file_read(cmd, o->token_file, CLI_SMALL_FILE_MAX, &file_text, &len);
        if (rc != CLI_EXIT_OK)
            return rc;
        file_text[strcspn(file_text, "\r\n")] = '\0';
        token = file_text;
    }
    if (token == NULL)
        token = getenv("CAURIS_TOKEN");
    int rc = CLI_EXIT_OK;
    if (token == NULL || token[0] == '\0')
        rc = cli_usage_error(cmd, "needs an access token: --token TOKEN, --token-file FILE "
                                  "or $CAURIS_TOKEN (see cauris token create)");
    else if (strlen(token) > RPC_TOKEN_MAX)
        rc = cli_usage_error(cmd, "the token is longer than %d bytes: not a cauris token",
                             RPC_TOKEN_MAX);
    else
        snprintf(out, RPC_TOKEN_MAX + 1, "%s", token);
    if (file_text != NULL) {
        cli_wipe(file_text, len);
        free(file_text);
    }
    return rc;
}

int cli_remote_main(const cli_remote_opts *o, int argc, char **argv)
{
    const remote_cmd *c = remote_cmd_find(argv[0]);
    assert(c != NULL && o->server != NULL);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_help(c->usage); /* help needs no token or connection */
    char token[RPC_TOKEN_MAX + 1];
    int rc = token_get(c->name, o, token);
    if (rc != CLI_EXIT_OK)
        return rc;
    remote r = {c->name, NULL, !o->json_wire};
    rpc_error err;
    memset(&err, 0, sizeof err);
    if (rpc_client_open(&r.client, o->server, token, &err) != 0) {
        cli_wipe(token, sizeof token);
        if (strcmp(err.code, "invalid_argument") == 0)
            return cli_usage_error(c->name, "%s", err.message);
        return cli_fail(c->name, "%s: %s", err.code, err.message);
    }
    cli_wipe(token, sizeof token);
    rc = c->fn(&r, argc, argv);
    rpc_client_close(r.client);
    return rc;
}
