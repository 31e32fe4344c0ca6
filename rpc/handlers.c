/*
 * handlers.c — cauris.v1.Ledger's methods as calls to the ledger library.
 *
 * Each handler reads a decoded request, checks what only the RPC layer
 * knows (the token's programme and roles, page sizes, the request's own
 * limits), calls ledger/ledger.h and builds the response from arena memory.
 * The ledger's rules (balances, overdrafts, idempotency, typed operations'
 * legs, approvals and four eyes, closed periods, deliveries, savings
 * groups' limits, loan fund and share-out) stay in ledger/: a refused
 * entry, participant, member, delivery line or closure step comes back as
 * its result, in the ledger's own numbering.
 *
 * Reads run here, on the event loop's thread. Writes never do: entries go
 * to the writer thread as an entries job (group commit); enrolments,
 * participant changes, delivery imports, period closures and the savings
 * groups' acts (creation, members, cycles, meetings) as a call job that
 * runs the library call there (writer.h), and finish() builds the reply
 * once the job is back.
 *
 * Never: see a connection, a header or the body's encoding; keep state
 * between calls; write the ledger from the event loop's thread.
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
#define DATE_TEXT_LEN 10      /* YYYY-MM-DD */
#define TIME_TEXT_LEN 20      /* YYYY-MM-DDTHH:MM:SSZ */
#define FIELD_NAME_MAX 16     /* an UpdateParticipant field name, bytes */
#define SHARES_MIN_DEFAULT 1u /* OpenCycle: shares a member buys at a meeting */
#define SHARES_MAX_DEFAULT 5u
#define GROUP_READ_ATTEMPTS 3 /* GetGroup: reads until no commit fell between */

/* Per-entry results travel with the ledger's numbers: every code of the
 * Result enum is the ledger's of the same name. */
#define SAME_CODE(NAME)                                                                        \
    _Static_assert((int)CAURIS__V1__RESULT__RESULT_##NAME == LEDGER_##NAME,                    \
                   "Result " #NAME " is the ledger's code")
SAME_CODE(EXISTS);
SAME_CODE(NOT_BALANCED);
SAME_CODE(INSUFFICIENT_FUNDS);
SAME_CODE(PENDING_ALREADY_RESOLVED);
SAME_CODE(LINKED_ENTRY_FAILED);
SAME_CODE(ACCOUNT_EXISTS);
SAME_CODE(UNKNOWN_CURRENCY);
SAME_CODE(UNKNOWN_PARTICIPANT);
SAME_CODE(PARTICIPANT_EXISTS);
SAME_CODE(DUPLICATE_PERSON);
SAME_CODE(PARTICIPANT_ERASED);
SAME_CODE(CAPITAL_LOCKED);
SAME_CODE(CAPITAL_HELD);
SAME_CODE(FOUR_EYES_VIOLATION);
SAME_CODE(REQUEST_PENDING);
SAME_CODE(PERIOD_CLOSED);
SAME_CODE(WRONG_CURRENCY);
SAME_CODE(DELIVERY_CONTRADICTS);
SAME_CODE(DELIVERY_UNMATCHED);
SAME_CODE(UNKNOWN_GROUP);
SAME_CODE(GROUP_EXISTS);
SAME_CODE(NOT_A_MEMBER);
SAME_CODE(NO_OPEN_CYCLE);
SAME_CODE(SHARE_LIMIT);
SAME_CODE(LOAN_ABOVE_FUND);
SAME_CODE(LOANS_OUTSTANDING);
SAME_CODE(SOCIAL_FUND_KEPT);
_Static_assert(LEDGER_SOCIAL_FUND_KEPT + 1 == LEDGER_ERR_COUNT,
               "a new ledger code needs its Result (ledger.proto)");
_Static_assert((int)CAURIS__V1__KIND__KIND_REVERSAL == LEDGER_KIND_REVERSAL, "kinds");
_Static_assert((int)CAURIS__V1__OPERATION__OPERATION_SHARE_OUT == LEDGER_OP_MAX, "operations");
_Static_assert((int)CAURIS__V1__SEX__SEX_MALE == LEDGER_SEX_MALE, "sexes");
_Static_assert((int)CAURIS__V1__CATEGORY__CATEGORY_REFUGEE == LEDGER_CATEGORY_MAX,
               "categories");
_Static_assert((int)CAURIS__V1__AGE_BAND__AGE_BAND_50_PLUS == LEDGER_AGE_50_PLUS, "age bands");
_Static_assert((int)CAURIS__V1__DISABILITY__DISABILITY_YES == LEDGER_DISABILITY_YES,
               "disability");
_Static_assert((int)CAURIS__V1__DELIVERY_STATUS__DELIVERY_STATUS_FAILED ==
                   LEDGER_DELIVERY_FAILED,
               "delivery statuses");
_Static_assert(PAGE_SIZE_DEFAULT <= LEDGER_PAGE_MAX, "default page fits");
_Static_assert(SHARES_MIN_DEFAULT <= SHARES_MAX_DEFAULT &&
                   SHARES_MAX_DEFAULT <= LEDGER_SHARES_PER_MEETING_MAX,
               "the default share limits are a cycle's");
_Static_assert(LEDGER_GROUP_MEMBERS_MAX <= LEDGER_REQUEST_ENTRIES_MAX,
               "a group's members fit in a writer job's weight");
_Static_assert(LEDGER_REQUEST_ENTRIES_MAX <= LEDGER_ENROL_MAX &&
                   LEDGER_REQUEST_ENTRIES_MAX <= LEDGER_DELIVERIES_MAX,
               "a request's entries-max bounds its participants and delivery lines");

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

/* ---- results of writes ---- */

/* The failure of a write the ledger refused as a whole, with its Result
 * name so that a program can tell the reasons apart. */
static rpc_outcome fail_refused(rpc_call *c, int err, const char *what)
{
    return fail(c, connect_code_of_ledger(err), "%s: %s: %s", what, ledger_err_name(err),
                ledger_strerror(err));
}

/* Whether `err` is a code of the Result enum: a result of one entry (line,
 * participant, step), as opposed to a call or system error. */
static bool result_code(int err)
{
    return err == LEDGER_OK ||
           protobuf_c_enum_descriptor_get_value(&cauris__v1__result__descriptor, err) != NULL;
}

static void entry_result_fill(const ledger_result *res, Cauris__V1__EntryResult *item)
{
    cauris__v1__entry_result__init(item);
    item->result = (Cauris__V1__Result)res->err;
    if ((res->err == LEDGER_OK || res->err == LEDGER_EXISTS) && res->seq != LEDGER_SEQ_NONE)
        item->seq = res->seq;
    if (res->err != LEDGER_OK)
        item->message = (char *)ledger_strerror(res->err);
    item->awaiting_approval = res->awaiting;
}

/* A PostEntries response of `n` results, with the tree size and checkpoint
 * of the job that wrote them; NULL when out of memory (c failed). */
static Cauris__V1__PostEntriesResponse *post_response(rpc_call *c, const ledger_result *results,
                                                      size_t n)
{
    Cauris__V1__PostEntriesResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__EntryResult *items = alloc_zero(c, n, sizeof *items);
    Cauris__V1__EntryResult **ptrs = alloc_zero(c, n, sizeof *ptrs);
    char *checkpoint =
        rpc_arena_strndup(c->arena, c->job.info.checkpoint, c->job.info.checkpoint_len);
    if (resp == NULL || items == NULL || ptrs == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return NULL;
    }
    cauris__v1__post_entries_response__init(resp);
    for (size_t i = 0; i < n; i++) {
        entry_result_fill(&results[i], &items[i]);
        ptrs[i] = &items[i];
    }
    resp->n_results = n;
    resp->results = ptrs;
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    return resp;
}

/* Queues a call job of `weight` running fn(ledger, arg) on the writer. */
static rpc_outcome submit_call(rpc_call *c, rpc_job_call_fn fn, void *arg, size_t weight)
{
    c->job.kind = RPC_JOB_CALL;
    c->job.call = fn;
    c->job.call_arg = arg;
    c->job.weight = weight == 0 ? 1u : (uint32_t)weight;
    return RPC_SUBMIT;
}

/* The token has one of `roles`; else the call fails naming them and `what`. */
static bool role_check(rpc_call *c, uint32_t roles, const char *what)
{
    if ((c->token.roles & roles) != 0)
        return true;
    char names[LEDGER_ROLES_TEXT_MAX + 1];
    ledger_roles_format(roles, names, sizeof names);
    fail(c, CONNECT_PERMISSION_DENIED, "%s needs a token with %s '%s'", what,
         (roles & (roles - 1)) != 0 ? "one of the roles" : "the role", names);
    return false;
}

/* A string field copied into a fixed buffer of the ledger's: longer than
 * `max` bytes is refused (never cut). */
static bool text_field(rpc_call *c, const char *where, const char *name, const char *text,
                       char *out, size_t max)
{
    size_t n = strlen(text);
    if (n > max) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%s%s: %zu bytes; at most %zu", where, name, n, max);
        return false;
    }
    memcpy(out, text, n + 1);
    return true;
}

/* An enum field of a known value: proto3 enums are open, the ledger's are
 * not. */
static bool enum_field(rpc_call *c, const char *where, const char *name,
                       const ProtobufCEnumDescriptor *desc, int value)
{
    if (protobuf_c_enum_descriptor_get_value(desc, value) != NULL)
        return true;
    fail(c, CONNECT_INVALID_ARGUMENT, "%s%s: %d is not a value of %s", where, name, value,
         desc->short_name);
    return false;
}

/* ---- PostEntries: entries ---- */

/* The roles an entry needs (DESIGN.md: partners post; approving is another
 * person's act; transfers are the accountants'). */
static uint32_t entry_roles(const Cauris__V1__EntryInput *e)
{
    switch (e->kind) {
    case CAURIS__V1__KIND__KIND_POST:
        return LEDGER_ROLE_APPROVE;
    case CAURIS__V1__KIND__KIND_VOID:
        return LEDGER_ROLE_POST | LEDGER_ROLE_APPROVE;
    case CAURIS__V1__KIND__KIND_REVERSAL:
        return LEDGER_ROLE_POST;
    default:
        break;
    }
    bool transfer = e->operation == CAURIS__V1__OPERATION__OPERATION_UNSPECIFIED ||
                    e->operation == CAURIS__V1__OPERATION__OPERATION_TRANSFER;
    return transfer ? LEDGER_ROLE_ADMIN : LEDGER_ROLE_POST;
}

/* entries[i]'s roles; the message is formatted only when refused (a
 * request of 8,000 entries checks 8,000 times). */
static bool entry_role_check(rpc_call *c, const Cauris__V1__EntryInput *e, size_t i)
{
    uint32_t roles = entry_roles(e);
    if ((c->token.roles & roles) != 0)
        return true;
    char what[48];
    snprintf(what, sizeof what, "entries[%zu]", i);
    return role_check(c, roles, what);
}

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
    /* Typed operations: the ledger derives the legs from these ("" = none). */
    in->participant = e->participant;
    in->cash_partner = e->cash_partner;
    in->amount = e->amount;
    in->days = e->days;
    in->daily_rate = e->daily_rate;
    in->wage_run = e->wage_run;
    in->currency = e->currency;
    in->budget_line = e->budget_line;
    in->group = e->group;
    in->shares = e->shares;
    in->from_wallet = e->from_wallet != 0;
}

static rpc_outcome post_entries_submit(rpc_call *c, const Cauris__V1__PostEntriesRequest *r,
                                       const ledger_programme_info *prog)
{
    if (r->n_entries == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "entries: a request posts at least one entry (or holds deliveries or "
                    "period)");
    if (r->n_entries > c->entries_max)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "entries: %zu entries; a request may hold at most %u (split it)",
                    r->n_entries, c->entries_max);
    for (size_t i = 0; i < r->n_entries; i++) {
        if (!entry_role_check(c, r->entries[i], i))
            return RPC_DONE;
    }
    ledger_entry_in *in = alloc_zero(c, r->n_entries, sizeof *in);
    ledger_result *results = alloc_zero(c, r->n_entries, sizeof *results);
    char *programme = str_copy(c, prog->name);
    if (in == NULL || results == NULL || programme == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < r->n_entries; i++)
        entry_in_fill(c, r->entries[i], programme, &in[i]);
    c->job.kind = RPC_JOB_ENTRIES;
    c->job.request.entries = in;
    c->job.request.entries_count = (uint32_t)r->n_entries;
    c->job.request.atomic = r->atomic != 0;
    c->job.request.results = results;
    return RPC_SUBMIT;
}

/* ---- PostEntries: delivery imports ---- */

typedef enum post_mode {
    POST_ENTRIES = 0,
    POST_DELIVERIES = 1,
    POST_PERIOD = 2,
    POST_MEETING = 3
} post_mode;

typedef struct deliveries_state {
    const char *programme, *partner, *principal, *run;
    uint32_t value_date;
    ledger_delivery_in *lines;
    size_t count;
    ledger_result *results;
    ledger_delivery_report report; /* examined: false when the import never ran */
} deliveries_state;

typedef enum period_action { PERIOD_CLOSE, PERIOD_APPROVE, PERIOD_CANCEL } period_action;

typedef struct period_state {
    const char *programme, *partner, *principal;
    period_action action;
    uint32_t through;      /* PERIOD_CLOSE */
    uint64_t request_seq;  /* the request made (close) or decided */
    uint64_t decision_seq; /* the approval's or cancellation's leaf */
} period_state;

typedef struct meeting_state {
    const char *programme, *partner, *principal, *group;
    uint32_t date;
    const char *const *present;
    size_t present_count;
    int64_t cash_counted;
    ledger_entry_in *entries;
    uint32_t count;
    ledger_result *results;
    ledger_meeting_report report;
} meeting_state;

typedef struct post_state {
    post_mode mode;
    deliveries_state deliveries;
    period_state period;
    meeting_state meeting;
    ledger_result result; /* the period step's */
} post_state;

static int deliveries_call(ledger *l, void *arg)
{
    deliveries_state *d = arg;
    return ledger_deliveries_import(l, d->programme, d->partner, d->principal, d->run,
                                    d->value_date, d->lines, d->count, d->results, &d->report);
}

static ledger_delivery delivery_status(int status)
{
    switch (status) {
    case CAURIS__V1__DELIVERY_STATUS__DELIVERY_STATUS_DELIVERED:
        return LEDGER_DELIVERY_DELIVERED;
    case CAURIS__V1__DELIVERY_STATUS__DELIVERY_STATUS_PARTIAL:
        return LEDGER_DELIVERY_PARTIAL;
    case CAURIS__V1__DELIVERY_STATUS__DELIVERY_STATUS_FAILED:
        return LEDGER_DELIVERY_FAILED;
    default:
        return LEDGER_DELIVERY_NONE; /* the ledger refuses that line */
    }
}

static rpc_outcome deliveries_submit(rpc_call *c, const Cauris__V1__DeliveryImport *imp,
                                     const char *programme, post_state *st)
{
    deliveries_state *d = &st->deliveries;
    if (!role_check(c, LEDGER_ROLE_POST, "deliveries"))
        return RPC_DONE;
    if (imp->n_lines == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "deliveries.lines: at least one line");
    if (imp->n_lines > c->entries_max)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "deliveries.lines: %zu lines; a request may hold at most %u (split it)",
                    imp->n_lines, c->entries_max);
    if (!date_field(c, "deliveries.valueDate", imp->value_date, &d->value_date))
        return RPC_DONE;
    if (d->value_date == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "deliveries.valueDate: empty");
    d->lines = alloc_zero(c, imp->n_lines, sizeof *d->lines);
    d->results = alloc_zero(c, imp->n_lines, sizeof *d->results);
    if (d->lines == NULL || d->results == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < imp->n_lines; i++) {
        const Cauris__V1__DeliveryLine *line = imp->lines[i];
        d->lines[i].participant = line->participant;
        d->lines[i].status = delivery_status((int)line->status);
        d->lines[i].amount = line->amount;
        d->lines[i].external_ref = line->external_ref;
    }
    d->programme = programme;
    d->partner = c->token.partner;
    d->principal = c->token.name;
    d->run = imp->run;
    d->count = imp->n_lines;
    st->mode = POST_DELIVERIES;
    return submit_call(c, deliveries_call, d, imp->n_lines);
}

static void deliveries_finish(rpc_call *c, deliveries_state *d)
{
    /* Refused as a whole with a reason per line, or imported: both are a
     * reply; anything else (the import never ran) is the call's error. */
    if (!d->report.examined || !result_code(c->job.err)) {
        fail_refused(c, c->job.err, "deliveries");
        return;
    }
    Cauris__V1__PostEntriesResponse *resp = post_response(c, d->results, d->count);
    Cauris__V1__DeliveryReport *rep = alloc_zero(c, 1, sizeof *rep);
    if (resp == NULL || rep == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__delivery_report__init(rep);
    rep->lines_run = d->report.lines_run;
    rep->paid = d->report.paid;
    rep->failed = d->report.failed;
    rep->unreported = d->report.unreported;
    rep->refused = d->report.refused;
    resp->deliveries = rep;
    c->response = &resp->base;
}

/* ---- PostEntries: period closure ---- */

static int period_call(ledger *l, void *arg)
{
    period_state *p = arg;
    if (p->action == PERIOD_CLOSE)
        return ledger_period_close(l, p->programme, p->partner, p->principal, p->through,
                                   &p->request_seq);
    return ledger_period_decide(l, p->programme, p->partner, p->principal, p->request_seq,
                                p->action == PERIOD_APPROVE, &p->decision_seq);
}

static rpc_outcome period_submit(rpc_call *c, const Cauris__V1__PeriodClosure *pc,
                                 const char *programme, post_state *st)
{
    period_state *p = &st->period;
    switch (pc->action_case) {
    case CAURIS__V1__PERIOD_CLOSURE__ACTION_CLOSE_THROUGH:
        if (!role_check(c, LEDGER_ROLE_ADMIN, "period.closeThrough") ||
            !date_field(c, "period.closeThrough", pc->close_through, &p->through))
            return RPC_DONE;
        if (p->through == 0)
            return fail(c, CONNECT_INVALID_ARGUMENT, "period.closeThrough: empty");
        p->action = PERIOD_CLOSE;
        p->request_seq = LEDGER_SEQ_NONE;
        break;
    case CAURIS__V1__PERIOD_CLOSURE__ACTION_APPROVE_REQUEST:
        if (!role_check(c, LEDGER_ROLE_APPROVE, "period.approveRequest"))
            return RPC_DONE;
        p->action = PERIOD_APPROVE;
        p->request_seq = pc->approve_request;
        break;
    case CAURIS__V1__PERIOD_CLOSURE__ACTION_CANCEL_REQUEST:
        if (!role_check(c, LEDGER_ROLE_ADMIN | LEDGER_ROLE_APPROVE, "period.cancelRequest"))
            return RPC_DONE;
        p->action = PERIOD_CANCEL;
        p->request_seq = pc->cancel_request;
        break;
    default:
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "period: give closeThrough, approveRequest or cancelRequest");
    }
    p->programme = programme;
    p->partner = c->token.partner;
    p->principal = c->token.name;
    st->mode = POST_PERIOD;
    return submit_call(c, period_call, p, 1);
}

/* A step the ledger refused for the period's state (not a call error). */
static bool period_refusal(int err)
{
    return err == LEDGER_REQUEST_PENDING || err == LEDGER_PERIOD_CLOSED ||
           err == LEDGER_FOUR_EYES_VIOLATION || err == LEDGER_PENDING_ALREADY_RESOLVED ||
           err == LEDGER_REF_NOT_FOUND;
}

static void period_finish(rpc_call *c, post_state *st)
{
    period_state *p = &st->period;
    int err = c->job.err;
    if (err != LEDGER_OK && !period_refusal(err)) {
        fail_refused(c, err, "period");
        return;
    }
    st->result.err = err;
    /* The leaf it wrote: the request, or the decision. */
    st->result.seq = err != LEDGER_OK            ? LEDGER_SEQ_NONE
                     : p->action == PERIOD_CLOSE ? p->request_seq
                                                 : p->decision_seq;
    st->result.awaiting = err == LEDGER_OK && p->action == PERIOD_CLOSE;
    Cauris__V1__PostEntriesResponse *resp = post_response(c, &st->result, 1);
    if (resp == NULL)
        return;
    if (err == LEDGER_OK || p->action != PERIOD_CLOSE)
        resp->period_request_seq = p->request_seq == LEDGER_SEQ_NONE ? 0 : p->request_seq;
    c->response = &resp->base;
}

/* ---- PostEntries: a savings group's meeting ---- */

static int meeting_call(ledger *l, void *arg)
{
    meeting_state *m = arg;
    return ledger_group_meeting(l, m->programme, m->partner, m->principal, m->group, m->date,
                                m->present, m->present_count, m->cash_counted, m->entries,
                                m->count, m->results, &m->report);
}

/* A meeting's entries are its group's operations of its day: said here by
 * index, before the ledger refuses the meeting whole for it. */
static bool meeting_entry_check(rpc_call *c, size_t i, const Cauris__V1__EntryInput *e,
                                const Cauris__V1__Meeting *mt, uint32_t date)
{
    char what[48];
    uint32_t day = 0;
    if (!entry_role_check(c, e, i))
        return false;
    snprintf(what, sizeof what, "entries[%zu]", i);
    if (strcmp(e->group, mt->group) != 0) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%s.group: '%.16s' is not the meeting's group '%s'",
             what, e->group, mt->group);
        return false;
    }
    if (ledger_date_parse(e->value_date, &day) != 0 || day != date) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%s.valueDate: '%.32s' is not the meeting's date %s",
             what, e->value_date, mt->date);
        return false;
    }
    return true;
}

static rpc_outcome meeting_submit(rpc_call *c, const Cauris__V1__PostEntriesRequest *r,
                                  const char *programme, post_state *st)
{
    const Cauris__V1__Meeting *mt = r->meeting;
    meeting_state *m = &st->meeting;
    if (!role_check(c, LEDGER_ROLE_POST, "meeting") ||
        !date_field(c, "meeting.date", mt->date, &m->date))
        return RPC_DONE;
    if (mt->group[0] == '\0' || strlen(mt->group) > LEDGER_GROUP_ID_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT, "meeting.group: %zu bytes; 1 to %d",
                    strlen(mt->group), LEDGER_GROUP_ID_MAX);
    if (m->date == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "meeting.date: empty");
    if (mt->cash_counted < 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "meeting.cashCounted: %lld is below zero",
                    (long long)mt->cash_counted);
    if (mt->n_present > LEDGER_GROUP_MEMBERS_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "meeting.present: %zu ids; a group has at most %d members", mt->n_present,
                    LEDGER_GROUP_MEMBERS_MAX);
    for (size_t i = 0; i < mt->n_present; i++)
        if (strlen(mt->present[i]) > LEDGER_PARTICIPANT_ID_MAX)
            return fail(c, CONNECT_INVALID_ARGUMENT,
                        "meeting.present[%zu]: %zu bytes; at most %d", i,
                        strlen(mt->present[i]), LEDGER_PARTICIPANT_ID_MAX);
    if (r->atomic)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "atomic: not for a meeting (each of its entries stands alone)");
    if (r->n_entries > c->entries_max)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "entries: %zu entries; a request may hold at most %u (split it)",
                    r->n_entries, c->entries_max);
    for (size_t i = 0; i < r->n_entries; i++)
        if (!meeting_entry_check(c, i, r->entries[i], mt, m->date))
            return RPC_DONE;
    m->entries = alloc_zero(c, r->n_entries, sizeof *m->entries);
    m->results = alloc_zero(c, r->n_entries, sizeof *m->results);
    if (m->entries == NULL || m->results == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < r->n_entries; i++)
        entry_in_fill(c, r->entries[i], programme, &m->entries[i]);
    m->programme = programme;
    m->partner = c->token.partner;
    m->principal = c->token.name;
    m->group = mt->group;
    m->present = (const char *const *)mt->present;
    m->present_count = mt->n_present;
    m->cash_counted = mt->cash_counted;
    m->count = (uint32_t)r->n_entries;
    st->mode = POST_MEETING;
    return submit_call(c, meeting_call, m, r->n_entries);
}

static void meeting_finish(rpc_call *c, meeting_state *m)
{
    char what[LEDGER_GROUP_ID_MAX + 32];
    snprintf(what, sizeof what, "meeting of group '%s'", m->group);
    if (c->job.err != LEDGER_OK) {
        fail_refused(c, c->job.err, what);
        return;
    }
    Cauris__V1__PostEntriesResponse *resp = post_response(c, m->results, m->count);
    Cauris__V1__MeetingReport *rep = alloc_zero(c, 1, sizeof *rep);
    if (resp == NULL || rep == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__meeting_report__init(rep);
    rep->cash_expected = m->report.cash_expected;
    rep->cash_counted = m->report.cash_counted;
    rep->difference = m->report.difference;
    rep->repeated = m->report.repeated;
    rep->present = m->report.present;
    rep->seq = m->report.seq;
    resp->meeting = rep;
    c->response = &resp->base;
}

/* ---- PostEntries ---- */

static rpc_outcome post_entries(rpc_call *c)
{
    const Cauris__V1__PostEntriesRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    if (r->deliveries == NULL && r->period == NULL && r->meeting == NULL)
        return post_entries_submit(c, r, &prog);
    if (r->meeting != NULL && (r->deliveries != NULL || r->period != NULL))
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "give a meeting alone, not with deliveries or period: one per request");
    if (r->deliveries != NULL && r->period != NULL)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "give deliveries or period, not both: one per request");
    if (r->meeting != NULL) {
        post_state *st = alloc_zero(c, 1, sizeof *st);
        char *programme = str_copy(c, prog.name);
        if (st == NULL || programme == NULL)
            return fail_nomem(c);
        c->state = st;
        return meeting_submit(c, r, programme, st);
    }
    if (r->n_entries > 0)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "entries: must be empty in a request with %s (one per request)",
                    r->deliveries != NULL ? "deliveries" : "period");
    post_state *st = alloc_zero(c, 1, sizeof *st);
    char *programme = str_copy(c, prog.name);
    if (st == NULL || programme == NULL)
        return fail_nomem(c);
    c->state = st;
    return r->deliveries != NULL ? deliveries_submit(c, r->deliveries, programme, st)
                                 : period_submit(c, r->period, programme, st);
}

static void post_entries_finish(rpc_call *c)
{
    post_state *st = c->state;
    if (st != NULL && st->mode == POST_DELIVERIES) {
        deliveries_finish(c, &st->deliveries);
        return;
    }
    if (st != NULL && st->mode == POST_PERIOD) {
        period_finish(c, st);
        return;
    }
    if (st != NULL && st->mode == POST_MEETING) {
        meeting_finish(c, &st->meeting);
        return;
    }
    if (c->job.err != LEDGER_OK) {
        fail_ledger(c, c->job.err, "commit");
        return;
    }
    Cauris__V1__PostEntriesResponse *resp =
        post_response(c, c->job.request.results, c->job.request.entries_count);
    if (resp != NULL)
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

static Cauris__V1__Tags *tags_message(rpc_call *c, const ledger_tags *t)
{
    Cauris__V1__Tags *m = alloc_zero(c, 1, sizeof *m);
    if (m == NULL)
        return NULL;
    cauris__v1__tags__init(m);
    m->participant = str_copy(c, t->participant);
    m->sex = (Cauris__V1__Sex)t->sex;
    m->age_band = (Cauris__V1__AgeBand)t->age_band;
    m->disability = (Cauris__V1__Disability)t->disability;
    m->admin1 = str_copy(c, t->admin1);
    m->admin2 = str_copy(c, t->admin2);
    m->category = (Cauris__V1__Category)t->category;
    m->cohort = str_copy(c, t->cohort);
    m->phase = t->phase;
    m->cso = str_copy(c, t->cso);
    m->budget_line = str_copy(c, t->budget_line);
    m->group = str_copy(c, t->group);
    if (m->participant == NULL || m->admin1 == NULL || m->admin2 == NULL || m->cohort == NULL ||
        m->cso == NULL || m->budget_line == NULL || m->group == NULL)
        return NULL;
    return m;
}

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
    if (e->tags.participant[0] != '\0' || e->tags.budget_line[0] != '\0' ||
        e->tags.group[0] != '\0') {
        m->tags = tags_message(c, &e->tags);
        if (m->tags == NULL)
            return fail_nomem(c);
    }
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

/* ---- participants ---- */

static Cauris__V1__Participant *participant_message(rpc_call *c, const ledger_participant *p,
                                                    bool personal)
{
    Cauris__V1__Participant *m = alloc_zero(c, 1, sizeof *m);
    if (m == NULL)
        return NULL;
    cauris__v1__participant__init(m);
    m->id = str_copy(c, p->id);
    m->sex = (Cauris__V1__Sex)p->sex;
    m->birth_year = p->birth_year;
    m->wg_ss = str_copy(c, p->wg_ss);
    m->disability = (Cauris__V1__Disability)ledger_wg_ss_disability(p->wg_ss);
    m->admin1 = str_copy(c, p->admin1);
    m->admin2 = str_copy(c, p->admin2);
    m->category = (Cauris__V1__Category)p->category;
    m->cohort = str_copy(c, p->cohort);
    m->phase = p->phase;
    m->cso = str_copy(c, p->cso);
    m->hold = str_copy(c, p->hold);
    m->name = str_copy(c, personal ? p->name : "");
    m->phone = str_copy(c, personal ? p->phone : "");
    m->erased = p->erased;
    m->enrolled_seq = p->enrolled_seq == LEDGER_SEQ_NONE ? 0 : p->enrolled_seq;
    if (m->id == NULL || m->wg_ss == NULL || m->admin1 == NULL || m->admin2 == NULL ||
        m->cohort == NULL || m->cso == NULL || m->hold == NULL || m->name == NULL ||
        m->phone == NULL)
        return NULL;
    return m;
}

/* A phase of the contract (uint32) as the ledger's byte; above 255 is
 * refused here, 4..255 by the ledger. */
static bool phase_field(rpc_call *c, const char *where, uint32_t phase, uint8_t *out)
{
    if (phase > UINT8_MAX) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%sphase: %u is not a phase (1..%d)", where, phase,
             LEDGER_PHASE_MAX);
        return false;
    }
    *out = (uint8_t)phase;
    return true;
}

/* ---- EnrollParticipants ---- */

typedef struct enrol_state {
    const char *programme, *partner, *principal;
    ledger_enrolment *rows;
    size_t count;
    bool atomic;
    ledger_enrol_result *results;
} enrol_state;

static int enrol_call(ledger *l, void *arg)
{
    enrol_state *e = arg;
    return ledger_participants_enrol(l, e->programme, e->partner, e->principal, e->rows,
                                     e->count, e->atomic, e->results);
}

/* One Enrolment into the ledger's row; false with c failed when a field
 * does not fit the ledger's record. */
static bool enrolment_fill(rpc_call *c, size_t i, const Cauris__V1__Enrolment *m,
                           ledger_enrolment *row)
{
    char where[48];
    ledger_participant *p = &row->p;
    snprintf(where, sizeof where, "participants[%zu].", i);
    if (!enum_field(c, where, "sex", &cauris__v1__sex__descriptor, (int)m->sex) ||
        !enum_field(c, where, "category", &cauris__v1__category__descriptor,
                    (int)m->category) ||
        !phase_field(c, where, m->phase == 0 ? 1u : m->phase, &p->phase) ||
        !text_field(c, where, "id", m->id, p->id, LEDGER_PARTICIPANT_ID_MAX) ||
        !text_field(c, where, "wgSs", m->wg_ss, p->wg_ss, LEDGER_WG_SS_LEN) ||
        !text_field(c, where, "admin1", m->admin1, p->admin1, LEDGER_REGION_MAX) ||
        !text_field(c, where, "admin2", m->admin2, p->admin2, LEDGER_REGION_MAX) ||
        !text_field(c, where, "cohort", m->cohort, p->cohort, LEDGER_COHORT_MAX) ||
        !text_field(c, where, "cso", m->cso[0] ? m->cso : c->token.partner, p->cso,
                    LEDGER_PARTNER_MAX) ||
        !text_field(c, where, "name", m->name, p->name, LEDGER_PERSON_NAME_MAX) ||
        !text_field(c, where, "phone", m->phone, p->phone, LEDGER_PHONE_MAX))
        return false;
    if (m->birth_year > UINT16_MAX) {
        fail(c, CONNECT_INVALID_ARGUMENT, "%sbirthYear: %u is not a year", where,
             m->birth_year);
        return false;
    }
    p->sex = (ledger_sex)m->sex;
    p->category = (ledger_category)m->category;
    p->birth_year = (uint16_t)m->birth_year;
    row->confirm_distinct_from = m->confirm_distinct_from[0] ? m->confirm_distinct_from : NULL;
    return true;
}

static rpc_outcome enroll_participants(rpc_call *c)
{
    const Cauris__V1__EnrollParticipantsRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    if (r->n_participants == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "participants: at least one");
    if (r->n_participants > c->entries_max)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "participants: %zu; a request may hold at most %u (split it)",
                    r->n_participants, c->entries_max);
    enrol_state *e = alloc_zero(c, 1, sizeof *e);
    if (e == NULL || (e->rows = alloc_zero(c, r->n_participants, sizeof *e->rows)) == NULL ||
        (e->results = alloc_zero(c, r->n_participants, sizeof *e->results)) == NULL ||
        (e->programme = str_copy(c, prog.name)) == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < r->n_participants; i++)
        if (!enrolment_fill(c, i, r->participants[i], &e->rows[i]))
            return RPC_DONE;
    e->partner = c->token.partner;
    e->principal = c->token.name;
    e->count = r->n_participants;
    e->atomic = r->atomic != 0;
    c->state = e;
    return submit_call(c, enrol_call, e, e->count);
}

static void enroll_participants_finish(rpc_call *c)
{
    const enrol_state *e = c->state;
    if (c->job.err != LEDGER_OK) {
        fail_refused(c, c->job.err, "enrolment");
        return;
    }
    Cauris__V1__EnrollParticipantsResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__EnrolmentResult *items = alloc_zero(c, e->count, sizeof *items);
    Cauris__V1__EnrolmentResult **ptrs = alloc_zero(c, e->count, sizeof *ptrs);
    char *checkpoint =
        rpc_arena_strndup(c->arena, c->job.info.checkpoint, c->job.info.checkpoint_len);
    if (resp == NULL || items == NULL || ptrs == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__enroll_participants_response__init(resp);
    for (size_t i = 0; i < e->count; i++) {
        const ledger_enrol_result *res = &e->results[i];
        cauris__v1__enrolment_result__init(&items[i]);
        items[i].result = (Cauris__V1__Result)res->err;
        if (res->err == LEDGER_OK && res->seq != LEDGER_SEQ_NONE)
            items[i].seq = res->seq;
        items[i].duplicate_of = str_copy(c, res->duplicate_of);
        if (items[i].duplicate_of == NULL) {
            fail_nomem(c);
            return;
        }
        if (res->err != LEDGER_OK)
            items[i].message = (char *)ledger_strerror(res->err);
        ptrs[i] = &items[i];
    }
    resp->n_results = e->count;
    resp->results = ptrs;
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    c->response = &resp->base;
}

/* ---- UpdateParticipant ---- */

typedef struct update_state {
    const char *programme, *partner, *principal;
    ledger_participant p; /* the id and the values of what changes */
    unsigned changes;     /* LEDGER_CHANGE_* */
} update_state;

static int update_call(ledger *l, void *arg)
{
    update_state *u = arg;
    return ledger_participant_update(l, u->programme, u->partner, u->principal, &u->p,
                                     u->changes);
}

static const struct {
    const char *name;
    unsigned bit;
} change_names[] = {
    {"phase", LEDGER_CHANGE_PHASE},       {"cohort", LEDGER_CHANGE_COHORT},
    {"location", LEDGER_CHANGE_LOCATION}, {"category", LEDGER_CHANGE_CATEGORY},
    {"wg_ss", LEDGER_CHANGE_WG_SS},       {"cso", LEDGER_CHANGE_CSO},
    {"contact", LEDGER_CHANGE_CONTACT},   {"hold", LEDGER_CHANGE_HOLD},
};

#define CHANGE_NAMES_COUNT (sizeof change_names / sizeof change_names[0])
_Static_assert(CHANGE_NAMES_COUNT == 8, "one name per LEDGER_CHANGE_* bit");

/* The `fields` of the request as LEDGER_CHANGE_* bits. */
static bool changes_field(rpc_call *c, char *const *fields, size_t n, unsigned *out)
{
    unsigned changes = 0;
    if (n == 0) {
        fail(c, CONNECT_INVALID_ARGUMENT,
             "fields: name at least one of phase, cohort, location, category, wg_ss, cso, "
             "contact, hold");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned bit = 0;
        for (size_t k = 0; k < CHANGE_NAMES_COUNT && bit == 0; k++)
            if (strcmp(fields[i], change_names[k].name) == 0)
                bit = change_names[k].bit;
        if (bit == 0) {
            fail(c, CONNECT_INVALID_ARGUMENT,
                 "fields[%zu]: '%.*s' is not one of phase, cohort, location, category, wg_ss, "
                 "cso, contact, hold",
                 i, FIELD_NAME_MAX, fields[i]);
            return false;
        }
        if (changes & bit) {
            fail(c, CONNECT_INVALID_ARGUMENT, "fields[%zu]: '%s' is named twice", i, fields[i]);
            return false;
        }
        changes |= bit;
    }
    *out = changes;
    return true;
}

static rpc_outcome update_participant(rpc_call *c)
{
    const Cauris__V1__UpdateParticipantRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    update_state *u = alloc_zero(c, 1, sizeof *u);
    if (u == NULL)
        return fail_nomem(c);
    ledger_participant *p = &u->p;
    if (!programme_resolve(c, r->programme, &prog) ||
        !changes_field(c, r->fields, r->n_fields, &u->changes) ||
        !enum_field(c, "", "category", &cauris__v1__category__descriptor, (int)r->category) ||
        !phase_field(c, "", r->phase, &p->phase) ||
        !text_field(c, "", "id", r->id, p->id, LEDGER_PARTICIPANT_ID_MAX) ||
        !text_field(c, "", "cohort", r->cohort, p->cohort, LEDGER_COHORT_MAX) ||
        !text_field(c, "", "admin1", r->admin1, p->admin1, LEDGER_REGION_MAX) ||
        !text_field(c, "", "admin2", r->admin2, p->admin2, LEDGER_REGION_MAX) ||
        !text_field(c, "", "wgSs", r->wg_ss, p->wg_ss, LEDGER_WG_SS_LEN) ||
        !text_field(c, "", "cso", r->cso, p->cso, LEDGER_PARTNER_MAX) ||
        !text_field(c, "", "name", r->name, p->name, LEDGER_PERSON_NAME_MAX) ||
        !text_field(c, "", "phone", r->phone, p->phone, LEDGER_PHONE_MAX) ||
        !text_field(c, "", "hold", r->hold, p->hold, LEDGER_HOLD_REASON_MAX))
        return RPC_DONE;
    if (r->id[0] == '\0')
        return fail(c, CONNECT_INVALID_ARGUMENT, "id: empty");
    p->category = (ledger_category)r->category;
    if ((u->programme = str_copy(c, prog.name)) == NULL)
        return fail_nomem(c);
    u->partner = c->token.partner;
    u->principal = c->token.name;
    c->state = u;
    return submit_call(c, update_call, u, 1);
}

static void update_participant_finish(rpc_call *c)
{
    const update_state *u = c->state;
    char what[LEDGER_PARTICIPANT_ID_MAX + 32];
    snprintf(what, sizeof what, "participant '%s'", u->p.id);
    if (c->job.err != LEDGER_OK) {
        fail_refused(c, c->job.err, what);
        return;
    }
    ledger_participant *now = alloc_zero(c, 1, sizeof *now);
    Cauris__V1__UpdateParticipantResponse *resp = alloc_zero(c, 1, sizeof *resp);
    char *checkpoint =
        rpc_arena_strndup(c->arena, c->job.info.checkpoint, c->job.info.checkpoint_len);
    if (now == NULL || resp == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    /* As recorded now: read back (a read, on this thread). */
    int err = ledger_participant_get(c->ledger, u->programme, u->p.id, false, now);
    if (err != LEDGER_OK) {
        fail_ledger(c, err, what);
        return;
    }
    cauris__v1__update_participant_response__init(resp);
    if ((resp->participant = participant_message(c, now, false)) == NULL) {
        fail_nomem(c);
        return;
    }
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    c->response = &resp->base;
}

/* ---- GetParticipant, ListParticipants ---- */

static rpc_outcome get_participant(rpc_call *c)
{
    const Cauris__V1__GetParticipantRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    if (r->include_personal && !role_check(c, LEDGER_ROLE_ADMIN, "includePersonal"))
        return RPC_DONE;
    if (r->id[0] == '\0')
        return fail(c, CONNECT_INVALID_ARGUMENT, "id: empty");
    ledger_participant *p = alloc_zero(c, 1, sizeof *p);
    Cauris__V1__GetParticipantResponse *resp = alloc_zero(c, 1, sizeof *resp);
    if (p == NULL || resp == NULL)
        return fail_nomem(c);
    int err = ledger_participant_get(c->ledger, prog.name, r->id, r->include_personal != 0, p);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "participant '%.32s': %s: %s", r->id,
                    ledger_err_name(err), ledger_strerror(err));
    cauris__v1__get_participant_response__init(resp);
    resp->participant = participant_message(c, p, r->include_personal != 0);
    /* Personal data leaves the ledger's buffer only into the reply. */
    memset(p->name, 0, sizeof p->name);
    memset(p->phone, 0, sizeof p->phone);
    if (resp->participant == NULL)
        return fail_nomem(c);
    c->response = &resp->base;
    return RPC_DONE;
}

static rpc_outcome list_participants(rpc_call *c)
{
    const Cauris__V1__ListParticipantsRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    uint32_t page_size;
    if (!programme_resolve(c, r->programme, &prog) ||
        !page_size_field(c, r->page_size, &page_size))
        return RPC_DONE;
    if (strlen(r->page_token) > LEDGER_PARTICIPANT_ID_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT, "pageToken: not one this server gave");
    /* One more than the page tells whether another page follows. */
    ledger_participant *list = alloc_zero(c, page_size + 1u, sizeof *list);
    Cauris__V1__ListParticipantsResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__Participant **ptrs = alloc_zero(c, page_size, sizeof *ptrs);
    if (list == NULL || resp == NULL || ptrs == NULL)
        return fail_nomem(c);
    size_t count = 0;
    int err = ledger_participants_list(c->ledger, prog.name, r->page_token, list,
                                       page_size + 1u, &count);
    if (err != LEDGER_OK)
        return fail_ledger(c, err, "participants");
    cauris__v1__list_participants_response__init(resp);
    size_t shown = count > page_size ? page_size : count;
    for (size_t i = 0; i < shown; i++)
        if ((ptrs[i] = participant_message(c, &list[i], false)) == NULL)
            return fail_nomem(c);
    resp->n_participants = shown;
    resp->participants = ptrs;
    if (count > page_size && (resp->next_page_token = str_copy(c, list[shown - 1].id)) == NULL)
        return fail_nomem(c);
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- Savings groups: CreateGroup, AddGroupMembers, OpenCycle, CloseCycle ----
 *
 * Each is a call job. What the reply reads back (members' numbers, the
 * cycle) is read on the writer thread right after the write, so that no
 * other write of the server falls between. */

typedef struct group_state {
    const char *programme, *partner, *principal, *group;
    const char *name;                /* CreateGroup */
    const char *const *participants; /* AddGroupMembers */
    size_t count;
    int *results;
    uint32_t *numbers;            /* members' numbers, read back */
    ledger_group_member *members; /* room for LEDGER_GROUP_MEMBERS_MAX */
    ledger_group_info *info;      /* OpenCycle, CloseCycle: read back */
    ledger_cycle cycle;           /* OpenCycle: asked; then as recorded */
    uint32_t date;                /* CloseCycle */
    ledger_share_out_report share_out;
    int read_err; /* the read back's, after a write that succeeded */
} group_state;

static Cauris__V1__Cycle *cycle_message(rpc_call *c, const ledger_cycle *cy)
{
    Cauris__V1__Cycle *m = alloc_zero(c, 1, sizeof *m);
    if (m == NULL)
        return NULL;
    cauris__v1__cycle__init(m);
    m->number = cy->number;
    m->share_price = cy->share_price;
    m->shares_min = cy->shares_min;
    m->shares_max = cy->shares_max;
    m->service_charge_bp = cy->service_charge_bp;
    m->start = cy->start != 0 ? date_text(c, cy->start) : str_copy(c, "");
    m->planned_end = cy->planned_end != 0 ? date_text(c, cy->planned_end) : str_copy(c, "");
    m->open = cy->open;
    return m->start != NULL && m->planned_end != NULL ? m : NULL;
}

/* What every group call starts with: the programme, the group's id, the
 * state; NULL with c failed. */
static group_state *group_begin(rpc_call *c, const char *programme, const char *group)
{
    ledger_programme_info prog;
    if (!programme_resolve(c, programme, &prog))
        return NULL;
    size_t n = strlen(group);
    if (n == 0 || n > LEDGER_GROUP_ID_MAX) {
        fail(c, CONNECT_INVALID_ARGUMENT, "group: %zu bytes; 1 to %d of [A-Za-z0-9_.-]", n,
             LEDGER_GROUP_ID_MAX);
        return NULL;
    }
    group_state *g = alloc_zero(c, 1, sizeof *g);
    if (g == NULL || (g->programme = str_copy(c, prog.name)) == NULL) {
        fail_nomem(c);
        return NULL;
    }
    g->partner = c->token.partner;
    g->principal = c->token.name;
    g->group = group;
    c->state = g;
    return g;
}

/* The name the failure of a group's write gives, with its Result. */
static void group_refused(rpc_call *c, const group_state *g)
{
    char what[LEDGER_GROUP_ID_MAX + 16];
    snprintf(what, sizeof what, "group '%s'", g->group);
    if (c->job.err != LEDGER_OK)
        fail_refused(c, c->job.err, what);
    else
        fail_ledger(c, g->read_err, what);
}

static char *checkpoint_copy(rpc_call *c)
{
    return rpc_arena_strndup(c->arena, c->job.info.checkpoint, c->job.info.checkpoint_len);
}

/* CreateGroup */

static int group_create_call(ledger *l, void *arg)
{
    group_state *g = arg;
    return ledger_group_create(l, g->programme, g->partner, g->principal, g->group, g->name);
}

static rpc_outcome create_group(rpc_call *c)
{
    const Cauris__V1__CreateGroupRequest *r = (const void *)c->request;
    group_state *g = group_begin(c, r->programme, r->group);
    if (g == NULL)
        return RPC_DONE;
    if (strlen(r->name) > LEDGER_GROUP_NAME_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT, "name: %zu bytes; at most %d", strlen(r->name),
                    LEDGER_GROUP_NAME_MAX);
    g->name = r->name;
    return submit_call(c, group_create_call, g, 1);
}

static void create_group_finish(rpc_call *c)
{
    const group_state *g = c->state;
    if (c->job.err != LEDGER_OK) {
        group_refused(c, g);
        return;
    }
    Cauris__V1__CreateGroupResponse *resp = alloc_zero(c, 1, sizeof *resp);
    char *checkpoint = checkpoint_copy(c);
    if (resp == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__create_group_response__init(resp);
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    c->response = &resp->base;
}

/* AddGroupMembers */

static int members_add_call(ledger *l, void *arg)
{
    group_state *g = arg;
    int err = ledger_group_members_add(l, g->programme, g->partner, g->principal, g->group,
                                       g->participants, g->count, g->results);
    if (err != LEDGER_OK)
        return err;
    size_t n = 0;
    g->read_err = ledger_group_members(l, g->programme, g->group, g->members,
                                       LEDGER_GROUP_MEMBERS_MAX, &n);
    for (size_t i = 0; g->read_err == LEDGER_OK && i < g->count; i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(g->members[k].participant, g->participants[i]) == 0)
                g->numbers[i] = g->members[k].number;
    return LEDGER_OK;
}

static rpc_outcome add_group_members(rpc_call *c)
{
    const Cauris__V1__AddGroupMembersRequest *r = (const void *)c->request;
    group_state *g = group_begin(c, r->programme, r->group);
    if (g == NULL)
        return RPC_DONE;
    if (r->n_participants == 0 || r->n_participants > LEDGER_GROUP_MEMBERS_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT,
                    "participants: %zu; 1 to %d (a group's members)", r->n_participants,
                    LEDGER_GROUP_MEMBERS_MAX);
    for (size_t i = 0; i < r->n_participants; i++)
        if (strlen(r->participants[i]) > LEDGER_PARTICIPANT_ID_MAX)
            return fail(c, CONNECT_INVALID_ARGUMENT, "participants[%zu]: %zu bytes; at most %d",
                        i, strlen(r->participants[i]), LEDGER_PARTICIPANT_ID_MAX);
    g->participants = (const char *const *)r->participants;
    g->count = r->n_participants;
    g->results = alloc_zero(c, g->count, sizeof *g->results);
    g->numbers = alloc_zero(c, g->count, sizeof *g->numbers);
    g->members = alloc_zero(c, LEDGER_GROUP_MEMBERS_MAX, sizeof *g->members);
    if (g->results == NULL || g->numbers == NULL || g->members == NULL)
        return fail_nomem(c);
    return submit_call(c, members_add_call, g, g->count);
}

static void add_group_members_finish(rpc_call *c)
{
    const group_state *g = c->state;
    if (c->job.err != LEDGER_OK || g->read_err != LEDGER_OK) {
        group_refused(c, g);
        return;
    }
    Cauris__V1__AddGroupMembersResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__MemberResult *items = alloc_zero(c, g->count, sizeof *items);
    Cauris__V1__MemberResult **ptrs = alloc_zero(c, g->count, sizeof *ptrs);
    char *checkpoint = checkpoint_copy(c);
    if (resp == NULL || items == NULL || ptrs == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__add_group_members_response__init(resp);
    for (size_t i = 0; i < g->count; i++) {
        int err = g->results[i];
        cauris__v1__member_result__init(&items[i]);
        items[i].result = (Cauris__V1__Result)err;
        if (err == LEDGER_OK || err == LEDGER_EXISTS)
            items[i].number = g->numbers[i];
        if (err != LEDGER_OK)
            items[i].message = (char *)ledger_strerror(err);
        ptrs[i] = &items[i];
    }
    resp->n_results = g->count;
    resp->results = ptrs;
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    c->response = &resp->base;
}

/* OpenCycle and CloseCycle: the cycle as recorded, read back. */

static void cycle_read_back(ledger *l, group_state *g)
{
    g->read_err = ledger_group_get(l, g->programme, g->group, g->info);
    if (g->read_err == LEDGER_OK)
        g->cycle = g->info->cycle;
}

static int cycle_open_call(ledger *l, void *arg)
{
    group_state *g = arg;
    int err = ledger_cycle_open(l, g->programme, g->partner, g->principal, g->group, &g->cycle);
    if (err == LEDGER_OK)
        cycle_read_back(l, g);
    return err;
}

static rpc_outcome open_cycle(rpc_call *c)
{
    const Cauris__V1__OpenCycleRequest *r = (const void *)c->request;
    group_state *g = group_begin(c, r->programme, r->group);
    if (g == NULL)
        return RPC_DONE;
    ledger_cycle *cy = &g->cycle;
    if (!date_field(c, "start", r->start, &cy->start) ||
        !date_field(c, "plannedEnd", r->planned_end, &cy->planned_end))
        return RPC_DONE;
    if (cy->start == 0 || cy->planned_end == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "%s: empty",
                    cy->start == 0 ? "start" : "plannedEnd");
    cy->share_price = r->share_price;
    cy->shares_min = r->shares_min == 0 ? SHARES_MIN_DEFAULT : r->shares_min;
    cy->shares_max = r->shares_max == 0 ? SHARES_MAX_DEFAULT : r->shares_max;
    cy->service_charge_bp = r->service_charge_bp;
    if ((g->info = alloc_zero(c, 1, sizeof *g->info)) == NULL)
        return fail_nomem(c);
    return submit_call(c, cycle_open_call, g, 1);
}

static void open_cycle_finish(rpc_call *c)
{
    const group_state *g = c->state;
    if (c->job.err != LEDGER_OK || g->read_err != LEDGER_OK) {
        group_refused(c, g);
        return;
    }
    Cauris__V1__OpenCycleResponse *resp = alloc_zero(c, 1, sizeof *resp);
    char *checkpoint = checkpoint_copy(c);
    if (resp == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__open_cycle_response__init(resp);
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    if ((resp->cycle = cycle_message(c, &g->cycle)) == NULL) {
        fail_nomem(c);
        return;
    }
    c->response = &resp->base;
}

static int cycle_close_call(ledger *l, void *arg)
{
    group_state *g = arg;
    int err = ledger_cycle_close(l, g->programme, g->partner, g->principal, g->group, g->date,
                                 &g->share_out);
    if (err == LEDGER_OK)
        cycle_read_back(l, g);
    return err;
}

static rpc_outcome close_cycle(rpc_call *c)
{
    const Cauris__V1__CloseCycleRequest *r = (const void *)c->request;
    group_state *g = group_begin(c, r->programme, r->group);
    if (g == NULL || !date_field(c, "date", r->date, &g->date))
        return RPC_DONE;
    if (g->date == 0)
        return fail(c, CONNECT_INVALID_ARGUMENT, "date: empty");
    if ((g->info = alloc_zero(c, 1, sizeof *g->info)) == NULL)
        return fail_nomem(c);
    /* Weighed as a full group: a share-out writes two entries per 15 members. */
    return submit_call(c, cycle_close_call, g, LEDGER_GROUP_MEMBERS_MAX);
}

static void close_cycle_finish(rpc_call *c)
{
    const group_state *g = c->state;
    if (c->job.err != LEDGER_OK || g->read_err != LEDGER_OK) {
        group_refused(c, g);
        return;
    }
    Cauris__V1__CloseCycleResponse *resp = alloc_zero(c, 1, sizeof *resp);
    Cauris__V1__ShareOutReport *rep = alloc_zero(c, 1, sizeof *rep);
    char *checkpoint = checkpoint_copy(c);
    if (resp == NULL || rep == NULL || checkpoint == NULL) {
        fail_nomem(c);
        return;
    }
    cauris__v1__close_cycle_response__init(resp);
    cauris__v1__share_out_report__init(rep);
    rep->income = g->share_out.income;
    rep->paid = g->share_out.paid;
    rep->social_kept = g->share_out.social_kept;
    rep->members_paid = g->share_out.members_paid;
    rep->entries = g->share_out.entries;
    resp->share_out = rep;
    resp->tree_size = c->job.info.tree_size;
    resp->checkpoint = checkpoint;
    if ((resp->cycle = cycle_message(c, &g->cycle)) == NULL) {
        fail_nomem(c);
        return;
    }
    c->response = &resp->base;
}

/* ---- GetGroup ---- */

static Cauris__V1__Group *group_message(rpc_call *c, const ledger_group_info *in)
{
    Cauris__V1__Group *m = alloc_zero(c, 1, sizeof *m);
    if (m == NULL)
        return NULL;
    cauris__v1__group__init(m);
    m->id = str_copy(c, in->id);
    m->name = str_copy(c, in->name);
    m->cso = str_copy(c, in->cso);
    m->members = in->members;
    m->cycle = cycle_message(c, &in->cycle);
    m->shares = in->shares;
    m->cash = in->cash;
    m->social = in->social;
    m->income = in->income;
    m->loan_fund = in->loan_fund;
    m->loans_outstanding = in->loans_outstanding;
    m->savings = in->savings;
    m->meetings = in->meetings;
    m->attendance = in->attendance;
    m->last_share_out = in->last_share_out;
    m->last_share_out_members = in->last_share_out_members;
    if (m->id == NULL || m->name == NULL || m->cso == NULL || m->cycle == NULL)
        return NULL;
    return m;
}

/* The group's figures and its members, from one state of the ledger: the
 * library reads them in two transactions, so they are read again (a few
 * times at most) when a commit fell between. */
static int group_read(rpc_call *c, const char *programme, const char *group,
                      ledger_group_info *info, ledger_group_member *members, size_t *count)
{
    char *note = rpc_arena_alloc(c->arena, LEDGER_CHECKPOINT_MAX);
    if (note == NULL)
        return LEDGER_NOMEM;
    int err = LEDGER_OK;
    for (int attempt = 0; attempt < GROUP_READ_ATTEMPTS; attempt++) {
        size_t len;
        uint64_t before = 0, after = 0;
        err = ledger_checkpoint_latest(c->ledger, note, LEDGER_CHECKPOINT_MAX, &len, &before);
        if (err == LEDGER_OK)
            err = ledger_group_get(c->ledger, programme, group, info);
        if (err == LEDGER_OK)
            err = ledger_group_members(c->ledger, programme, group, members,
                                       LEDGER_GROUP_MEMBERS_MAX, count);
        if (err == LEDGER_OK)
            err =
                ledger_checkpoint_latest(c->ledger, note, LEDGER_CHECKPOINT_MAX, &len, &after);
        if (err != LEDGER_OK || before == after)
            break;
    }
    return err;
}

static rpc_outcome get_group(rpc_call *c)
{
    const Cauris__V1__GetGroupRequest *r = (const void *)c->request;
    ledger_programme_info prog;
    if (!programme_resolve(c, r->programme, &prog))
        return RPC_DONE;
    if (r->group[0] == '\0' || strlen(r->group) > LEDGER_GROUP_ID_MAX)
        return fail(c, CONNECT_INVALID_ARGUMENT, "group: %zu bytes; 1 to %d", strlen(r->group),
                    LEDGER_GROUP_ID_MAX);
    ledger_group_info *info = alloc_zero(c, 1, sizeof *info);
    ledger_group_member *members = alloc_zero(c, LEDGER_GROUP_MEMBERS_MAX, sizeof *members);
    Cauris__V1__GetGroupResponse *resp = alloc_zero(c, 1, sizeof *resp);
    if (info == NULL || members == NULL || resp == NULL)
        return fail_nomem(c);
    size_t count = 0;
    int err = group_read(c, prog.name, r->group, info, members, &count);
    if (err != LEDGER_OK)
        return fail(c, connect_code_of_ledger(err), "group '%.16s': %s: %s", r->group,
                    ledger_err_name(err), ledger_strerror(err));
    Cauris__V1__GroupMember *items = alloc_zero(c, count, sizeof *items);
    Cauris__V1__GroupMember **ptrs = alloc_zero(c, count, sizeof *ptrs);
    if (items == NULL || ptrs == NULL)
        return fail_nomem(c);
    cauris__v1__get_group_response__init(resp);
    if ((resp->group = group_message(c, info)) == NULL)
        return fail_nomem(c);
    for (size_t i = 0; i < count; i++) {
        Cauris__V1__GroupMember *m = &items[i];
        cauris__v1__group_member__init(m);
        m->number = members[i].number;
        if ((m->participant = str_copy(c, members[i].participant)) == NULL)
            return fail_nomem(c);
        m->shares = members[i].shares;
        m->savings = members[i].savings;
        m->loan = members[i].loan;
        m->income_share = members[i].income_share;
        ptrs[i] = m;
    }
    resp->n_members = count;
    resp->members = ptrs;
    c->response = &resp->base;
    return RPC_DONE;
}

/* ---- the table ---- */

static const rpc_route routes[RPC_ROUTES_COUNT] = {
    /* Per entry and action, post_entries asks for the role each needs. */
    {"PostEntries", &cauris__v1__post_entries_request__descriptor,
     LEDGER_ROLE_POST | LEDGER_ROLE_APPROVE | LEDGER_ROLE_ADMIN, post_entries,
     post_entries_finish},
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
    /* The CSO partners enrol and follow the participants. */
    {"EnrollParticipants", &cauris__v1__enroll_participants_request__descriptor,
     LEDGER_ROLE_POST, enroll_participants, enroll_participants_finish},
    {"UpdateParticipant", &cauris__v1__update_participant_request__descriptor, LEDGER_ROLE_POST,
     update_participant, update_participant_finish},
    {"GetParticipant", &cauris__v1__get_participant_request__descriptor, LEDGER_ROLE_READ,
     get_participant, NULL},
    {"ListParticipants", &cauris__v1__list_participants_request__descriptor, LEDGER_ROLE_READ,
     list_participants, NULL},
    /* The CSO partners run their savings groups; closing a cycle (the
     * share-out) is the group's own act, by fixed rules, not an approval. */
    {"CreateGroup", &cauris__v1__create_group_request__descriptor, LEDGER_ROLE_POST,
     create_group, create_group_finish},
    {"AddGroupMembers", &cauris__v1__add_group_members_request__descriptor, LEDGER_ROLE_POST,
     add_group_members, add_group_members_finish},
    {"OpenCycle", &cauris__v1__open_cycle_request__descriptor, LEDGER_ROLE_POST, open_cycle,
     open_cycle_finish},
    {"CloseCycle", &cauris__v1__close_cycle_request__descriptor, LEDGER_ROLE_POST, close_cycle,
     close_cycle_finish},
    {"GetGroup", &cauris__v1__get_group_request__descriptor, LEDGER_ROLE_READ, get_group, NULL},
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
