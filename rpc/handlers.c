/*
 * handlers.c — cauris.v1.Ledger's methods as calls to the ledger library.
 *
 * Each handler reads a decoded request, checks what only the RPC layer
 * knows (the token's programme, page sizes, the request's own limits), calls
 * ledger/ledger.h and builds the response from arena memory. The ledger's
 * rules (balances, overdrafts, idempotency) stay in ledger/: a refused entry
 * comes back as that entry's result, in the ledger's own numbering.
 *
 * Never: see a connection, a header or the body's encoding; keep state
 * between calls.
 */
#include "rpc/handlers.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cauris/v1/ledger.pb-c.h"
#include "rpc/rpc.h"

#define PAGE_SIZE_DEFAULT 100u
#define PARTICIPANT_ACCOUNTS_MAX 64u
#define LEAF_BYTES_MAX 8192u
#define DATE_TEXT_LEN 10 /* YYYY-MM-DD */
#define TIME_TEXT_LEN 20 /* YYYY-MM-DDTHH:MM:SSZ */

_Static_assert((int)CAURIS__V1__RESULT__RESULT_LINKED_ENTRY_FAILED ==
                   LEDGER_LINKED_ENTRY_FAILED,
               "per-entry results travel with the ledger's numbers");
_Static_assert((int)CAURIS__V1__KIND__KIND_REVERSAL == LEDGER_KIND_REVERSAL, "kinds");
_Static_assert((int)CAURIS__V1__OPERATION__OPERATION_SHARE_OUT == LEDGER_OP_MAX, "operations");
_Static_assert(PAGE_SIZE_DEFAULT <= LEDGER_PAGE_MAX, "default page fits");

static rpc_outcome fail(rpc_call *c, connect_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static rpc_outcome fail(rpc_call *c, connect_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof c->message, fmt, ap);
    va_end(ap);
    c->code = code;
    return RPC_DONE;
}

static rpc_outcome fail_ledger(rpc_call *c, int err, const char *what)
{
    return fail(c, connect_code_of_ledger(err), "%s: %s", what, ledger_strerror(err));
}

static rpc_outcome fail_nomem(rpc_call *c)
{
    return fail(c, CONNECT_RESOURCE_EXHAUSTED,
                "the request needs more memory than one request may use");
}

/* Arena memory for `count` objects of `size`, zeroed; NULL when spent. */
static void *alloc_zero(rpc_call *c, size_t count, size_t size)
{
    if (count != 0 && size > SIZE_MAX / count)
        return NULL;
    void *p = rpc_arena_alloc(c->arena, count * size == 0 ? 1 : count * size);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

static char *str_copy(rpc_call *c, const char *s)
{
    return rpc_arena_strndup(c->arena, s, strlen(s));
}

static char *date_text(rpc_call *c, uint32_t yyyymmdd)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%04u-%02u-%02u", yyyymmdd / 10000u, yyyymmdd / 100u % 100u,
             yyyymmdd % 100u);
    return rpc_arena_strndup(c->arena, buf, DATE_TEXT_LEN);
}

static char *time_text(rpc_call *c, int64_t unix_seconds)
{
    char buf[32];
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return str_copy(c, "");
    return rpc_arena_strndup(c->arena, buf, strlen(buf));
}

/* The programme a request names: empty means the token's; another one is
 * refused. Writes its currency. */
static bool programme_resolve(rpc_call *c, const char *requested, ledger_programme_info *out)
{
    if (requested[0] != '\0' && strcmp(requested, c->token.programme) != 0) {
        fail(c, CONNECT_PERMISSION_DENIED,
             "programme '%.64s': this token is for programme '%s' only", requested,
             c->token.programme);
        return false;
    }
    int err = ledger_programme_get(c->ledger, c->token.programme, out);
    if (err != LEDGER_OK) {
        fail_ledger(c, err, "programme");
        return false;
    }
    return true;
}

/* "YYYY-MM-DD" or "" (0). */
static bool date_field(rpc_call *c, const char *name, const char *text, uint32_t *out)
{
    if (text[0] == '\0') {
        *out = 0;
        return true;
    }
    if (ledger_date_parse(text, out) != 0) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%s: '%.32s' is not a date written YYYY-MM-DD", name,
             text);
        return false;
    }
    return true;
}

static bool page_size_field(rpc_call *c, uint32_t requested, uint32_t *out)
{
    if (requested > LEDGER_PAGE_MAX) {
        fail(c, CONNECT_INVALID_ARGUMENT, "pageSize: %u is above the limit of %u lines",
             requested, LEDGER_PAGE_MAX);
        return false;
    }
    *out = requested == 0 ? PAGE_SIZE_DEFAULT : requested;
    return true;
}

/* ---- PostEntries ---- */

static void entry_in_fill(rpc_call *c, const Cauris__V1__EntryInput *e, const char *programme,
                          ledger_entry_in *in)
{
    in->programme = programme;
    in->kind = e->kind == CAURIS__V1__KIND__KIND_UNSPECIFIED ? LEDGER_KIND_POSTED
                                                             : (ledger_kind)e->kind;
    in->op = e->operation == CAURIS__V1__OPERATION__OPERATION_UNSPECIFIED
                 ? LEDGER_OP_TRANSFER
                 : (ledger_op)e->operation;
    in->partner = c->token.partner;
    in->principal = c->token.name;
    in->client_id = e->client_id;
    in->external_ref = e->external_ref;
    in->memo = e->memo;
    /* A malformed date stays 0: the ledger refuses that entry alone. */
    if (ledger_date_parse(e->value_date, &in->value_date) != 0)
        in->value_date = 0;
    in->ref = e->ref;
    /* More legs than an entry may have: the ledger reads the count first
     * and refuses the entry (legs_count) without reading the legs. */
    in->legs_count = e->n_legs > LEDGER_LEGS_MAX ? LEDGER_LEGS_MAX + 1 : (uint32_t)e->n_legs;
    for (size_t i = 0; i < e->n_legs && i < LEDGER_LEGS_MAX; i++) {
        const Cauris__V1__Leg *leg = e->legs[i];
        in->legs[i].account = leg->account;
        in->legs[i].side =
            leg->amount_case == CAURIS__V1__LEG__AMOUNT_CREDIT ? LEDGER_CREDIT : LEDGER_DEBIT;
        in->legs[i].amount = leg->amount_case == CAURIS__V1__LEG__AMOUNT_DEBIT    ? leg->debit
                             : leg->amount_case == CAURIS__V1__LEG__AMOUNT_CREDIT ? leg->credit
                                                                                  : 0;
    }
}

static rpc_outcome post_entries(rpc_call *c)
{
    const Cauris__V1__PostEntriesRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    if (r->n_entries == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "entries: a request posts at least one entry");
    if (r->n_entries > c->entries_max)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "entries: %zu entries; a request may hold at most %u (split it)",
                    r->n_entries, c->entries_max);
    ledger_entry_in *in = alloc_zero(c, r->n_entries, sizeof *in);
    ledger_result *results = alloc_zero(c, r->n_entries, sizeof *results);
    char *programme = str_copy(c, prog.name);
    if (in == NULL || results == NULL || programme == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < r->n_entries; i++)
        entry_in_fill(c, r->entries[i], programme, &in[i]);
    c->job.request.entries = in;
    c->job.request.entries_count = (uint32_t)r->n_entries;
    c->job.request.atomic = r->atomic != 0;
    c->job.request.results = results;
    return RPC_SUBMIT;
}

static void post_entries_finish(rpc_call *c)
{
    if (c->job.err != LEDGER_OK) {
        fail_ledger(c, c->job.err, "commit");
        return;
    }
    uint32_t n = c->job.request.entries_count;
    Cauris__V1__PostEntriesResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__EntryResult *items = alloc_zero(c, n, sizeof *items);
    Cauris__V1__EntryResult **ptrs = alloc_zero(c, n, sizeof *ptrs);
    char *checkpoint =
        rpc_arena_strndup(c->arena, c->job.info.checkpoint, c->job.info.checkpoint_len);
    if (resp == NULL || items == NULL || ptrs == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__post_entries_response__init(resp);
    for (uint32_t i = 0; i < n; i++) {
        const ledger_result *res = &c->job.request.results[i];
        cauris__v1__entry_result__init(&items[i]);
        items[i].result = (Cauris__V1__Result)res->err;
        if (res->err == LEDGER_OK || res->err == LEDGER_EXISTS)
            items[i].seq = res->seq;
        if (res->err != LEDGER_OK)
            items[i].message = (char *)ledger_strerror(res->err);
        ptrs[i] = &items[i];
    }
    resp->n_results = n;
    resp->results = ptrs;
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    c->response = &resp->base;
}

/* ---- GetBalances ---- */

static rpc_outcome balance_add(rpc_call *c, const char *programme, const char *code,
                               const ledger_as_of *as_of, Cauris__V1__Balance *b)
{
    cauris__v1__balance__init(b);
    b->account = str_copy(c, code);
    if (b->account == NULL)
        return fail_nomem(c);
    ledger_account_info info;
    int err = ledger_account_get(c->ledger, programme, code, &info);
    if (err == LEDGER_OK && as_of != NULL)
        err = ledger_balance(c->ledger, programme, code, as_of, &b->balance);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "account '%.64s': %s", code,
                    ledger_strerror(err));
    /* Type, locked and closed are the account's state now, also for a
     * balance as of the past; pending amounts only exist now. */
    b->type = (char *)ledger_account_type_name(info.type);
    b->locked = (info.flags & LEDGER_FLAG_LOCKED) != 0;
    b->closed = (info.flags & LEDGER_FLAG_CLOSED) != 0;
    if (as_of == NULL) {
        b->balance = info.balance;
        b->debits_pending = info.debits_pending;
        b->credits_pending = info.credits_pending;
    }
    return RPC_DONE;
}

/* The codes of a participant's accounts ("participant:<id>:*"). */
static const char **participant_codes(rpc_call *c, const char *programme, const char *id,
                                      size_t *count_out)
{
    char prefix[LEDGER_CODE_MAX + 1];
    int n = snprintf(prefix, sizeof prefix, "participant:%s:", id);
    if (n < 0 || (size_t)n >= sizeof prefix || strchr(id, ':') != NULL) {
        fail(c, CONNECT_INVALID_ARGUMENT, "participant: '%.64s' is not a participant id", id);
        return NULL;
    }
    ledger_account_info *infos = alloc_zero(c, PARTICIPANT_ACCOUNTS_MAX, sizeof *infos);
    const char **codes = alloc_zero(c, PARTICIPANT_ACCOUNTS_MAX, sizeof *codes);
    if (infos == NULL || codes == NULL) {
        fail_nomem(c);
        return NULL;
    }
    size_t count = 0;
    int err = ledger_accounts_list(c->ledger, programme, prefix, "", infos,
                                   PARTICIPANT_ACCOUNTS_MAX, &count);
    if (err != LEDGER_OK) {
        fail_ledger(c, err, "participant");
        return NULL;
    }
    if (count == 0) {
        fail(c, CONNECT_NOT_FOUND, "participant '%.64s': no accounts in programme %s", id,
             programme);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        codes[i] = str_copy(c, infos[i].code);
    *count_out = count;
    return codes;
}

static rpc_outcome get_balances(rpc_call *c)
{
    const Cauris__V1__GetBalancesRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    bool by_participant = r->participant[0] != '\0';
    if (by_participant == (r->n_accounts > 0))
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "give either accounts or a participant (exactly one of the two)");
    if (r->n_accounts > RPC_ACCOUNTS_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT, "accounts: %zu codes; at most %d per call",
                    r->n_accounts, RPC_ACCOUNTS_MAX);
    ledger_as_of as_of = {0, 0};
    const ledger_as_of *as_of_p = NULL;
    if (r->as_of_case == CAURIS__V1__GET_BALANCES_REQUEST__AS_OF_AS_OF_DATE) {
        if (!date_field(c, "asOfDate", r->as_of_date, &as_of.date))
            return RPC_DONE;
        if (as_of.date == 0)
            return fail(c, CONNECT_INVALID_ARGUMENT, "asOfDate: empty");
        as_of_p = &as_of;
    } else if (r->as_of_case == CAURIS__V1__GET_BALANCES_REQUEST__AS_OF_AS_OF_TREE_SIZE) {
        if (r->as_of_tree_size == 0)
            return fail(c, CONNECT_INVALID_ARGUMENT, "asOfTreeSize: must be at least 1");
        as_of.tree_size = r->as_of_tree_size;
        as_of_p = &as_of;
    }
    size_t count = r->n_accounts;
    const char **codes = (const char **)r->accounts;
    if (by_participant &&
        (codes = participant_codes(c, prog.name, r->participant, &count)) == NULL)
        return RPC_DONE;
    Cauris__V1__GetBalancesResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__Balance *items = alloc_zero(c, count, sizeof *items);
    Cauris__V1__Balance **ptrs = alloc_zero(c, count, sizeof *ptrs);
    if (resp == NULL || items == NULL || ptrs == NULL)
        return fail_nomem(c);
    cauris__v1__get_balances_response__init(resp);
    for (size_t i = 0; i < count; i++) {
        balance_add(c, prog.name, codes[i], as_of_p, &items[i]);
        if (c->code != CONNECT_OK)
            return RPC_DONE;
        ptrs[i] = &items[i];
    }
    resp->currency = str_copy(c, prog.currency);
    resp->currency_digits = prog.digits > 0 ? (uint32_t)prog.digits : 0;
    resp->n_balances = count;
    resp->balances = ptrs;
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- GetStatement ---- */

static void statement_line_fill(rpc_call *c, const ledger_line *in,
                                Cauris__V1__StatementLine *l)
{
    cauris__v1__statement_line__init(l);
    l->seq = in->seq;
    l->value_date = date_text(c, in->value_date);
    l->recorded_at = time_text(c, in->recorded_at);
    l->kind = (Cauris__V1__Kind)in->kind;
    l->operation = (Cauris__V1__Operation)in->op;
    if (in->side == LEDGER_DEBIT)
        l->debit = in->amount;
    else
        l->credit = in->amount;
    l->balance_after = in->balance_after;
    l->client_id = str_copy(c, in->client_id);
    l->external_ref = str_copy(c, in->external_ref);
    l->memo = str_copy(c, in->memo);
}

static rpc_outcome get_statement(rpc_call *c)
{
    const Cauris__V1__GetStatementRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    ledger_statement_query q = {
        .programme = prog.name, .account = r->account, .page_token = r->page_token};
    if (!date_field(c, "dateFrom", r->date_from, &q.date_from) ||
        !date_field(c, "dateTo", r->date_to, &q.date_to) ||
        !page_size_field(c, r->page_size, &q.page_size))
        return RPC_DONE;
    ledger_line *lines = alloc_zero(c, q.page_size, sizeof *lines);
    if (lines == NULL)
        return fail_nomem(c);
    ledger_statement st;
    int err = ledger_statement_get(c->ledger, &q, lines, &st);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "account '%.64s': %s", r->account,
                    ledger_strerror(err));
    Cauris__V1__GetStatementResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__StatementLine *items = alloc_zero(c, st.lines_count, sizeof *items);
    Cauris__V1__StatementLine **ptrs = alloc_zero(c, st.lines_count, sizeof *ptrs);
    if (resp == NULL || items == NULL || ptrs == NULL)
        return fail_nomem(c);
    cauris__v1__get_statement_response__init(resp);
    for (uint32_t i = 0; i < st.lines_count; i++) {
        statement_line_fill(c, &lines[i], &items[i]);
        ptrs[i] = &items[i];
    }
    resp->account = str_copy(c, r->account);
    resp->currency = str_copy(c, prog.currency);
    resp->currency_digits = prog.digits > 0 ? (uint32_t)prog.digits : 0;
    resp->opening_balance = st.opening_balance;
    resp->closing_balance = st.closing_balance;
    resp->lines_total = st.lines_total;
    resp->n_lines = st.lines_count;
    resp->lines = ptrs;
    resp->next_page_token = st.next_page_token;
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- GetEntry ---- */

static rpc_outcome entry_message(rpc_call *c, const ledger_entry *e, Cauris__V1__Entry **out)
{
    Cauris__V1__Entry *m = alloc_zero(c, 1, sizeof *m);
    Cauris__V1__EntryLeg *legs = alloc_zero(c, e->legs_count, sizeof *legs);
    Cauris__V1__EntryLeg **ptrs = alloc_zero(c, e->legs_count, sizeof *ptrs);
    if (m == NULL || legs == NULL || ptrs == NULL)
        return fail_nomem(c);
    cauris__v1__entry__init(m);
    m->seq = e->seq;
    m->programme = str_copy(c, e->programme);
    m->kind = (Cauris__V1__Kind)e->kind;
    m->operation = (Cauris__V1__Operation)e->op;
    m->partner = str_copy(c, e->partner);
    m->principal = str_copy(c, e->principal);
    m->client_id = str_copy(c, e->client_id);
    m->external_ref = str_copy(c, e->external_ref);
    m->memo = str_copy(c, e->memo);
    m->value_date = date_text(c, e->value_date);
    m->recorded_at = time_text(c, e->recorded_at);
    m->ref = e->ref == LEDGER_SEQ_NONE ? 0 : e->ref;
    for (uint32_t i = 0; i < e->legs_count; i++) {
        cauris__v1__entry_leg__init(&legs[i]);
        legs[i].account = str_copy(c, e->legs[i].account);
        if (e->legs[i].side == LEDGER_DEBIT)
            legs[i].debit = e->legs[i].amount;
        else
            legs[i].credit = e->legs[i].amount;
        legs[i].balance_after = e->legs[i].balance_after;
        ptrs[i] = &legs[i];
    }
    m->n_legs = e->legs_count;
    m->legs = ptrs;
    *out = m;
    return RPC_DONE;
}

static rpc_outcome get_entry(rpc_call *c)
{
    const Cauris__V1__GetEntryRequest *r = (const void *)c->request;
    uint64_t seq = 0;
    if (r->by_case == CAURIS__V1__GET_ENTRY_REQUEST__BY_CLIENT_ID) {
        int err = ledger_entry_find(c->ledger, c->token.partner, r->client_id, &seq);
        if (err != LEDGER_OK)
            return fail(c, connect_code_of_ledger(err), "clientId '%.64s': %s", r->client_id,
                        ledger_strerror(err));
    } else if (r->by_case == CAURIS__V1__GET_ENTRY_REQUEST__BY_SEQ) {
        seq = r->seq;
    } else {
        return fail(c, CONNECT_INVALID_ARGUMENT, "give seq or clientId");
    }
    ledger_entry *e = alloc_zero(c, 1, sizeof *e);
    uint8_t *leaf = rpc_arena_alloc(c->arena, LEAF_BYTES_MAX);
    uint8_t *leaf_hash = rpc_arena_alloc(c->arena, LEDGER_HASH_BYTES);
    uint8_t(*proof)[LEDGER_HASH_BYTES] =
        rpc_arena_alloc(c->arena, LEDGER_PROOF_MAX * LEDGER_HASH_BYTES);
    char *checkpoint = rpc_arena_alloc(c->arena, LEDGER_CHECKPOINT_MAX);
    if (e == NULL || leaf == NULL || leaf_hash == NULL || proof == NULL || checkpoint == NULL)
        return fail_nomem(c);
    int err = ledger_entry_get(c->ledger, seq, e);
    /* Another programme's entry is not this token's to see. */
    if (err == LEDGER_OK && strcmp(e->programme, c->token.programme) != 0)
        err = LEDGER_NOT_FOUND;
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "entry %llu: %s", (unsigned long long)seq,
                    ledger_strerror(err));
    size_t leaf_len = 0, checkpoint_len = 0, proof_count = 0;
    uint64_t tree_size = 0;
    err = ledger_leaf_get(c->ledger, seq, leaf, LEAF_BYTES_MAX, &leaf_len);
    if (err == LEDGER_OK)
        err = ledger_checkpoint_latest(c->ledger, checkpoint, LEDGER_CHECKPOINT_MAX,
                                       &checkpoint_len, &tree_size);
    if (err == LEDGER_OK)
        err = ledger_inclusion_proof(c->ledger, seq, tree_size, leaf_hash, proof, &proof_count);
    if (err != LEDGER_OK)
        return fail_ledger(c, err, "inclusion proof");
    Cauris__V1__GetEntryResponse *resp = alloc_zero(c, 1, sizeof *resp);
    ProtobufCBinaryData *hashes = alloc_zero(c, proof_count, sizeof *hashes);
    if (resp == NULL || hashes == NULL)
        return fail_nomem(c);
    cauris__v1__get_entry_response__init(resp);
    if (entry_message(c, e, &resp->entry) != RPC_DONE || c->code != CONNECT_OK)
        return RPC_DONE;
    for (size_t i = 0; i < proof_count; i++)
        hashes[i] = (ProtobufCBinaryData){LEDGER_HASH_BYTES, proof[i]};
    resp->leaf = (ProtobufCBinaryData){leaf_len, leaf};
    resp->leaf_hash = (ProtobufCBinaryData){LEDGER_HASH_BYTES, leaf_hash};
    resp->tree_size = tree_size;
    resp->n_inclusion_proof = proof_count;
    resp->inclusion_proof = hashes;
    resp->checkpoint = rpc_arena_strndup(c->arena, checkpoint, checkpoint_len);
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- GetCheckpoint, GetConsistencyProof ---- */

static rpc_outcome get_checkpoint(rpc_call *c)
{
    const Cauris__V1__GetCheckpointRequest *r = (const void *)c->request;
    char *note = rpc_arena_alloc(c->arena, LEDGER_CHECKPOINT_MAX);
    char *vkey = rpc_arena_alloc(c->arena, 256);
    uint8_t *root = rpc_arena_alloc(c->arena, LEDGER_HASH_BYTES);
    Cauris__V1__GetCheckpointResponse *resp = alloc_zero(c, 1, sizeof *resp);
    if (note == NULL || vkey == NULL || root == NULL || resp == NULL)
        return fail_nomem(c);
    size_t len = 0;
    uint64_t tree_size = r->tree_size;
    int err =
        tree_size == 0
            ? ledger_checkpoint_latest(c->ledger, note, LEDGER_CHECKPOINT_MAX, &len, &tree_size)
            : ledger_checkpoint_get(c->ledger, tree_size, note, LEDGER_CHECKPOINT_MAX, &len);
    if (err == LEDGER_OK)
        err = ledger_root(c->ledger, tree_size, root);
    if (err == LEDGER_OK)
        err = ledger_vkey(c->ledger, vkey, 256);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "checkpoint of tree size %llu: %s",
                    (unsigned long long)tree_size, ledger_strerror(err));
    cauris__v1__get_checkpoint_response__init(resp);
    resp->tree_size = tree_size;
    resp->root_hash = (ProtobufCBinaryData){LEDGER_HASH_BYTES, root};
    resp->checkpoint = rpc_arena_strndup(c->arena, note, len);
    resp->verifier_key = vkey;
    c->response = &resp->base;
    return RPC_DONE;
}

static rpc_outcome get_consistency_proof(rpc_call *c)
{
    const Cauris__V1__GetConsistencyProofRequest *r = (const void *)c->request;
    uint64_t new_size = r->new_size;
    if (new_size == 0) {
        char note[LEDGER_CHECKPOINT_MAX];
        size_t len;
        int err = ledger_checkpoint_latest(c->ledger, note, sizeof note, &len, &new_size);
        if (err != LEDGER_OK)
            return fail_ledger(c, err, "latest checkpoint");
    }
    if (r->old_size == 0 || r->old_size > new_size)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "oldSize: %llu must be between 1 and newSize (%llu)",
                    (unsigned long long)r->old_size, (unsigned long long)new_size);
    uint8_t(*proof)[LEDGER_HASH_BYTES] =
        rpc_arena_alloc(c->arena, LEDGER_PROOF_MAX * LEDGER_HASH_BYTES);
    Cauris__V1__GetConsistencyProofResponse *resp = alloc_zero(c, 1, sizeof *resp);
    ProtobufCBinaryData *hashes = alloc_zero(c, LEDGER_PROOF_MAX, sizeof *hashes);
    if (proof == NULL || resp == NULL || hashes == NULL)
        return fail_nomem(c);
    size_t count = 0;
    int err = ledger_consistency_proof(c->ledger, r->old_size, new_size, proof, &count);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "consistency proof %llu -> %llu: %s",
                    (unsigned long long)r->old_size, (unsigned long long)new_size,
                    ledger_strerror(err));
    cauris__v1__get_consistency_proof_response__init(resp);
    for (size_t i = 0; i < count; i++)
        hashes[i] = (ProtobufCBinaryData){LEDGER_HASH_BYTES, proof[i]};
    resp->old_size = r->old_size;
    resp->new_size = new_size;
    resp->n_proof = count;
    resp->proof = hashes;
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- ListAccounts ---- */

static rpc_outcome list_accounts(rpc_call *c)
{
    const Cauris__V1__ListAccountsRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    uint32_t page_size;
    if (!programme_resolve(c, r->programme, &prog) ||
        !page_size_field(c, r->page_size, &page_size))
        return RPC_DONE;
    /* One more than the page tells whether another page follows. */
    ledger_account_info *infos = alloc_zero(c, page_size + 1u, sizeof *infos);
    Cauris__V1__ListAccountsResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__Account *items = alloc_zero(c, page_size, sizeof *items);
    Cauris__V1__Account **ptrs = alloc_zero(c, page_size, sizeof *ptrs);
    if (infos == NULL || resp == NULL || items == NULL || ptrs == NULL)
        return fail_nomem(c);
    size_t count = 0;
    int err = ledger_accounts_list(c->ledger, prog.name, r->prefix, r->page_token, infos,
                                   page_size + 1u, &count);
    if (err != LEDGER_OK)
        return fail_ledger(c, err, "accounts");
    cauris__v1__list_accounts_response__init(resp);
    size_t shown = count > page_size ? page_size : count;
    for (size_t i = 0; i < shown; i++) {
        Cauris__V1__Account *a = &items[i];
        cauris__v1__account__init(a);
        a->code = str_copy(c, infos[i].code);
        a->type = (char *)ledger_account_type_name(infos[i].type);
        a->balance = infos[i].balance;
        a->debits_pending = infos[i].debits_pending;
        a->credits_pending = infos[i].credits_pending;
        a->no_overdraft = (infos[i].flags & LEDGER_FLAG_NO_OVERDRAFT) != 0;
        a->locked = (infos[i].flags & LEDGER_FLAG_LOCKED) != 0;
        a->closed = (infos[i].flags & LEDGER_FLAG_CLOSED) != 0;
        a->lines_count = infos[i].lines_count;
        ptrs[i] = a;
    }
    resp->currency = str_copy(c, prog.currency);
    resp->n_accounts = shown;
    resp->accounts = ptrs;
    if (count > page_size)
        resp->next_page_token = str_copy(c, infos[shown - 1].code);
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- the table ---- */

static const rpc_route routes[RPC_ROUTES_COUNT] = {
    {"PostEntries", &cauris__v1__post_entries_request__descriptor, LEDGER_ROLE_POST,
     post_entries, post_entries_finish},
    {"GetBalances", &cauris__v1__get_balances_request__descriptor, LEDGER_ROLE_READ,
     get_balances, NULL},
    {"GetStatement", &cauris__v1__get_statement_request__descriptor, LEDGER_ROLE_READ,
     get_statement, NULL},
    {"GetEntry", &cauris__v1__get_entry_request__descriptor, LEDGER_ROLE_READ, get_entry, NULL},
    {"GetCheckpoint", &cauris__v1__get_checkpoint_request__descriptor, LEDGER_ROLE_READ,
     get_checkpoint, NULL},
    {"GetConsistencyProof", &cauris__v1__get_consistency_proof_request__descriptor,
     LEDGER_ROLE_READ, get_consistency_proof, NULL},
    {"ListAccounts", &cauris__v1__list_accounts_request__descriptor, LEDGER_ROLE_READ,
     list_accounts, NULL},
};

const rpc_route *rpc_route_find(const char *method, size_t len)
{
    for (size_t i = 0; i < RPC_ROUTES_COUNT; i++)
        if (strlen(routes[i].method) == len && memcmp(routes[i].method, method, len) == 0)
            return &routes[i];
    return NULL;
}

const rpc_route *rpc_routes(void)
{
    return routes;
}
