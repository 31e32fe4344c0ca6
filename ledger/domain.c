/*
 * domain.c — the programme's own rules on top of double entry: settings,
 * typed operations (their legs, the capital split of a wage), approvals
 * with four eyes, open requests, reversals that wait for approval, period
 * closure, the reporting tags each entry carries.
 *
 * State lives in the "domain" database, derived from leaves like every
 * other record: key = programme id (u32 BE) || kind || subject.
 *   'S'                      -> ledger_settings (native layout)
 *   'P' || participant id    -> participant record (participants.c)
 *   'C'                      -> closure_rec
 *   'R' || action || subject -> seq (u64 BE) of the open request
 *
 * Posting (post.c) calls domain_entry_derive before anything else,
 * domain_entry_check once the legs are known and domain_entry_done after
 * the write. Must never: let capital leave before the unlock phase or
 * under a hold, let the requester approve their own request, post into a
 * closed period, or hold two open requests for one action.
 */
#include "ledger/internal.h"
#include "ledger/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the domain database ---- */

size_t domain_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, char kind,
                  const void *subject, size_t subject_len)
{
    be32_put(out, programme);
    out[4] = (uint8_t)kind;
    if (subject_len > DOMAIN_KEY_MAX - 5)
        subject_len = DOMAIN_KEY_MAX - 5;
    if (subject_len > 0)
        memcpy(out + 5, subject, subject_len);
    return 5 + subject_len;
}

int domain_get(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len, void *out,
               size_t size)
{
    MDB_val k = {key_len, (void *)key}, v;
    int rc = mdb_get(txn, l->dbi_domain, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != size)
        return LEDGER_CORRUPT;
    memcpy(out, v.mv_data, size);
    return LEDGER_OK;
}

int domain_put(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len, const void *val,
               size_t size)
{
    MDB_val k = {key_len, (void *)key}, v = {size, (void *)val};
    return ledger_map_err(mdb_put(txn, l->dbi_domain, &k, &v, 0));
}

int domain_del(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len)
{
    MDB_val k = {key_len, (void *)key};
    int rc = mdb_del(txn, l->dbi_domain, &k, NULL);
    return rc == MDB_NOTFOUND ? LEDGER_OK : ledger_map_err(rc);
}

/* ---- settings ---- */

void ledger_settings_default(ledger_settings *out)
{
    memset(out, 0, sizeof *out);
    out->capital_rate_bp = 0;
    out->unlock_phase = 2;
    for (unsigned i = 0; i <= LEDGER_OP_MAX; i++)
        out->approval_above[i] = LEDGER_APPROVAL_NEVER;
    /* Always: a grant commit and a capital release are requests. */
    out->approval_above[LEDGER_OP_GRANT_COMMIT] = 0;
    out->approval_above[LEDGER_OP_CAPITAL_RELEASE] = 0;
}

static bool settings_valid(const ledger_settings *s)
{
    if (s->capital_rate_bp > LEDGER_RATE_BP_MAX || s->unlock_phase < 1 ||
        s->unlock_phase > LEDGER_PHASE_MAX)
        return false;
    for (unsigned i = 0; i <= LEDGER_OP_MAX; i++) {
        if (s->approval_above[i] < 0)
            return false;
    }
    return s->approval_above[LEDGER_OP_GRANT_COMMIT] == 0 &&
           s->approval_above[LEDGER_OP_CAPITAL_RELEASE] == 0;
}

int settings_load(MDB_txn *txn, ledger *l, uint32_t programme, ledger_settings *out)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = domain_key(key, programme, 'S', NULL, 0);
    int err = domain_get(txn, l, key, n, out, sizeof *out);
    return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
}

int settings_leaf(batch *b, uint32_t programme, const char *principal, const ledger_settings *s)
{
    ledger_settings def;
    uint8_t leaf[CODEC_LEAF_MAX], key[DOMAIN_KEY_MAX];
    size_t len;
    if (s == NULL) {
        ledger_settings_default(&def);
        s = &def;
    }
    size_t plen = principal ? strlen(principal) : 0;
    if (!settings_valid(s) || plen == 0 || plen > LEDGER_PRINCIPAL_MAX ||
        !ledger_utf8_valid(principal, plen))
        return LEDGER_INVALID_FIELD;
    codec_settings c;
    memset(&c, 0, sizeof c);
    c.programme = programme;
    c.principal = (codec_str){principal, (uint16_t)plen};
    c.capital_rate_bp = s->capital_rate_bp;
    c.unlock_phase = s->unlock_phase;
    memcpy(c.approval_above, s->approval_above, sizeof c.approval_above);
    if (codec_settings_encode(leaf, sizeof leaf, &len, &c) != 0)
        return LEDGER_CORRUPT;
    int err = batch_leaf(b, leaf, len);
    size_t n = domain_key(key, programme, 'S', NULL, 0);
    ledger_settings stored = *s;
    if (err == LEDGER_OK)
        err = domain_put(b->txn, b->l, key, n, &stored, sizeof stored);
    b->rules_programme = 0; /* posting reads them again */
    return err;
}

int ledger_settings_get(ledger *l, const char *programme, ledger_settings *out)
{
    MDB_txn *txn;
    programme_rec p;
    ledger_settings s;
    if (l == NULL || programme == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = settings_load(txn, l, p.id, &s);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *out = s;
    return err;
}

typedef struct settings_ctx {
    const char *programme, *principal;
    const ledger_settings *s;
} settings_ctx;

static int settings_fn(ledger *l, void *vctx, batch *b)
{
    settings_ctx *c = vctx;
    programme_rec p;
    ledger_settings old;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err == LEDGER_OK)
        err = settings_load(b->txn, l, p.id, &old);
    if (err == LEDGER_OK)
        err = settings_leaf(b, p.id, c->principal, c->s);
    /* The unlock phase decides every participant's capital lock. */
    if (err == LEDGER_OK && old.unlock_phase != c->s->unlock_phase)
        err = participants_capital_relock(b, p.id, c->s);
    return err;
}

int ledger_settings_set(ledger *l, const char *programme, const char *principal,
                        const ledger_settings *s)
{
    if (l == NULL || programme == NULL || s == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (!settings_valid(s))
        return LEDGER_INVALID_FIELD;
    settings_ctx ctx = {programme, principal, s};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, settings_fn, &ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

/* Posting's view of the programme's rules: settings and closed date, read
 * once per batch (every entry needs them). The two writers of them,
 * settings_leaf and closure_fn, drop it, so it is right whatever a batch
 * holds. */
static int batch_rules(batch *b, uint32_t programme)
{
    if (b->rules_programme == programme)
        return LEDGER_OK;
    closure_rec c;
    int err = settings_load(b->txn, b->l, programme, &b->settings);
    if (err == LEDGER_OK)
        err = closure_load(b->txn, b->l, programme, &c);
    if (err != LEDGER_OK)
        return err;
    b->closed_through = c.closed_through;
    b->rules_programme = programme;
    return LEDGER_OK;
}

/* ---- tags ---- */

static void str_copy(char *out, size_t cap, codec_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n > 0)
        memcpy(out, s.p, n);
    out[n] = '\0';
}

static codec_str cstr(const char *s)
{
    return (codec_str){s, (uint16_t)strlen(s)};
}

void tags_from_codec(ledger_tags *out, const codec_tags *t)
{
    memset(out, 0, sizeof *out);
    str_copy(out->participant, sizeof out->participant, t->participant);
    out->sex = (ledger_sex)t->sex;
    out->age_band = (ledger_age_band)t->age_band;
    out->disability = (ledger_disability)t->disability;
    str_copy(out->admin1, sizeof out->admin1, t->admin1);
    str_copy(out->admin2, sizeof out->admin2, t->admin2);
    out->category = (ledger_category)t->category;
    str_copy(out->cohort, sizeof out->cohort, t->cohort);
    out->phase = t->phase;
    str_copy(out->cso, sizeof out->cso, t->cso);
    str_copy(out->budget_line, sizeof out->budget_line, t->budget_line);
    str_copy(out->group, sizeof out->group, t->group);
}

void tags_to_codec(codec_tags *out, const ledger_tags *t)
{
    out->participant = cstr(t->participant);
    out->sex = (uint8_t)t->sex;
    out->age_band = (uint8_t)t->age_band;
    out->disability = (uint8_t)t->disability;
    out->admin1 = cstr(t->admin1);
    out->admin2 = cstr(t->admin2);
    out->category = (uint8_t)t->category;
    out->cohort = cstr(t->cohort);
    out->phase = t->phase;
    out->cso = cstr(t->cso);
    out->budget_line = cstr(t->budget_line);
    out->group = cstr(t->group);
}

static void tags_of_participant(ledger_tags *t, const ledger_participant *p, uint32_t date)
{
    snprintf(t->participant, sizeof t->participant, "%s", p->id);
    t->sex = p->sex;
    t->age_band = ledger_age_band_at(p->birth_year, date);
    t->disability = ledger_wg_ss_disability(p->wg_ss);
    snprintf(t->admin1, sizeof t->admin1, "%s", p->admin1);
    snprintf(t->admin2, sizeof t->admin2, "%s", p->admin2);
    t->category = p->category;
    snprintf(t->cohort, sizeof t->cohort, "%s", p->cohort);
    t->phase = p->phase;
    snprintf(t->cso, sizeof t->cso, "%s", p->cso);
}

/* ---- open requests ---- */

static size_t request_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, uint8_t action,
                          const char *subject)
{
    uint8_t sub[1 + LEDGER_PARTICIPANT_ID_MAX + 20];
    size_t n = strlen(subject);
    sub[0] = action;
    memcpy(sub + 1, subject, n);
    return domain_key(out, programme, 'R', sub, 1 + n);
}

static int request_find(MDB_txn *txn, ledger *l, uint32_t programme, uint8_t action,
                        const char *subject, bool *open)
{
    uint8_t key[DOMAIN_KEY_MAX], seq[8];
    size_t n = request_key(key, programme, action, subject);
    int err = domain_get(txn, l, key, n, seq, sizeof seq);
    *open = (err == LEDGER_OK);
    return err == LEDGER_NOT_FOUND ? LEDGER_OK : err;
}

/* ---- closure ---- */

int closure_load(MDB_txn *txn, ledger *l, uint32_t programme, closure_rec *out)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = domain_key(key, programme, 'C', NULL, 0);
    int err = domain_get(txn, l, key, n, out, sizeof *out);
    if (err == LEDGER_NOT_FOUND) {
        memset(out, 0, sizeof *out);
        out->request_seq = LEDGER_SEQ_NONE;
        return LEDGER_OK;
    }
    return err;
}

static int closure_store(MDB_txn *txn, ledger *l, uint32_t programme, const closure_rec *c)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = domain_key(key, programme, 'C', NULL, 0);
    return domain_put(txn, l, key, n, c, sizeof *c);
}

/* ---- typed operations ---- */

static bool op_typed(ledger_op op)
{
    return op >= LEDGER_OP_FUNDING && op <= LEDGER_OP_GRANT_DISBURSE;
}

static int code_make(char out[LEDGER_CODE_MAX + 1], const char *fmt, const char *a,
                     const char *b)
{
    int n = snprintf(out, LEDGER_CODE_MAX + 1, fmt, a, b);
    return (n < 0 || n > LEDGER_CODE_MAX) ? LEDGER_INVALID_FIELD : LEDGER_OK;
}

/* capital = floor(gross x rate / 10,000) in integers, without overflow:
 * both parts stay below gross. */
int64_t capital_of_wage(int64_t gross, uint32_t rate_bp)
{
    int64_t whole = (gross / LEDGER_RATE_BP_MAX) * (int64_t)rate_bp;
    int64_t part = ((gross % LEDGER_RATE_BP_MAX) * (int64_t)rate_bp) / LEDGER_RATE_BP_MAX;
    return whole + part;
}

static void leg_set(domain_entry *d, unsigned i, const char *code, ledger_side side,
                    int64_t amount)
{
    ledger_leg_in *g = &d->legs[d->legs_count];
    snprintf(d->codes[i], sizeof d->codes[i], "%s", code);
    g->account = d->codes[i];
    g->side = side;
    g->amount = amount;
    d->legs_count++;
}

/* The wage's gross: days x rate, or the piece-rate amount. */
static int wage_gross(const ledger_entry_in *in, int64_t *gross)
{
    if (in->days == 0) {
        *gross = in->amount;
        return in->amount > 0 ? LEDGER_OK : LEDGER_INVALID_AMOUNT;
    }
    if (in->daily_rate <= 0 || in->daily_rate > INT64_MAX / (int64_t)in->days)
        return in->daily_rate <= 0 ? LEDGER_INVALID_AMOUNT : LEDGER_OVERFLOW;
    int64_t product = (int64_t)in->days * in->daily_rate;
    if (in->amount != 0 && in->amount != product)
        return LEDGER_INVALID_AMOUNT;
    *gross = product;
    return LEDGER_OK;
}

/* Legs sent with a typed operation name its participant:
 * "participant:<id>:...". */
static bool participant_of_legs(const ledger_entry_in *in,
                                char out[LEDGER_PARTICIPANT_ID_MAX + 1])
{
    static const char prefix[] = "participant:";
    size_t p = sizeof prefix - 1;
    for (uint32_t i = 0; i < in->legs_count && i < LEDGER_LEGS_MAX; i++) {
        const char *c = in->legs[i].account;
        if (c == NULL || strncmp(c, prefix, p) != 0)
            continue;
        const char *end = strchr(c + p, ':');
        size_t n = end ? (size_t)(end - (c + p)) : 0;
        if (n == 0 || n > LEDGER_PARTICIPANT_ID_MAX)
            continue;
        memcpy(out, c + p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* Legs sent with a typed operation name its MFI: "partner:<mfi>:cash". */
static bool cash_partner_of_legs(const ledger_entry_in *in, char out[LEDGER_PARTNER_MAX + 1])
{
    static const char prefix[] = "partner:", suffix[] = ":cash";
    for (uint32_t i = 0; i < in->legs_count && i < LEDGER_LEGS_MAX; i++) {
        const char *c = in->legs[i].account;
        size_t n = c ? strlen(c) : 0;
        size_t p = sizeof prefix - 1, q = sizeof suffix - 1;
        if (n > p + q && n - p - q <= LEDGER_PARTNER_MAX && memcmp(c, prefix, p) == 0 &&
            memcmp(c + n - q, suffix, q) == 0) {
            memcpy(out, c + p, n - p - q);
            out[n - p - q] = '\0';
            return true;
        }
    }
    return false;
}

static int64_t legs_total(const ledger_leg_in *legs, uint32_t count);

/* Builds the legs of a typed operation in DESIGN.md's table. Sent with
 * legs and no amount, the amount is what the legs debit (and they must
 * then be exactly the derived ones). */
static int typed_legs(const ledger_entry_in *in, const ledger_settings *s, domain_entry *d)
{
    char wallet[LEDGER_CODE_MAX + 1], capital[LEDGER_CODE_MAX + 1], grant[LEDGER_CODE_MAX + 1];
    char cash[LEDGER_CODE_MAX + 1], mfi_of_legs[LEDGER_PARTNER_MAX + 1];
    const char *who = in->participant ? in->participant : "";
    const char *mfi = in->partner;
    if (in->cash_partner != NULL && in->cash_partner[0] != '\0')
        mfi = in->cash_partner;
    else if (cash_partner_of_legs(in, mfi_of_legs))
        mfi = mfi_of_legs;
    int err = code_make(wallet, "participant:%s%s", who, ":wallet");
    if (err == LEDGER_OK)
        err = code_make(capital, "participant:%s%s", who, ":capital");
    if (err == LEDGER_OK)
        err = code_make(grant, "participant:%s%s", who, ":grant");
    if (err == LEDGER_OK)
        err = code_make(cash, "partner:%s%s", mfi ? mfi : "", ":cash");
    if (err != LEDGER_OK)
        return err;
    int64_t amount = in->amount;
    if (amount == 0 && in->days == 0 && in->legs_count > 0)
        amount = legs_total(in->legs, in->legs_count > LEDGER_LEGS_MAX ? 0 : in->legs_count);
    if (in->op == LEDGER_OP_WAGE && in->days == 0) {
        if (amount <= 0)
            return LEDGER_INVALID_AMOUNT;
    } else if (in->op == LEDGER_OP_WAGE) {
        err = wage_gross(in, &amount);
        if (err != LEDGER_OK)
            return err;
    } else if (in->days != 0 || in->daily_rate != 0) {
        return LEDGER_INVALID_FIELD;
    } else if (amount <= 0) {
        return LEDGER_INVALID_AMOUNT;
    }
    d->legs_count = 0;
    switch (in->op) {
    case LEDGER_OP_FUNDING:
        leg_set(d, 0, cash, LEDGER_DEBIT, amount);
        leg_set(d, 1, "programme:fund", LEDGER_CREDIT, amount);
        break;
    case LEDGER_OP_WAGE: {
        int64_t cap = capital_of_wage(amount, s->capital_rate_bp);
        leg_set(d, 0, "programme:wages", LEDGER_DEBIT, amount);
        if (amount - cap > 0)
            leg_set(d, 1, wallet, LEDGER_CREDIT, amount - cap);
        if (cap > 0)
            leg_set(d, 2, capital, LEDGER_CREDIT, cap);
        break;
    }
    case LEDGER_OP_PAYOUT:
        leg_set(d, 0, wallet, LEDGER_DEBIT, amount);
        leg_set(d, 1, cash, LEDGER_CREDIT, amount);
        break;
    case LEDGER_OP_CAPITAL_RELEASE:
        leg_set(d, 0, capital, LEDGER_DEBIT, amount);
        leg_set(d, 1, wallet, LEDGER_CREDIT, amount);
        break;
    case LEDGER_OP_GRANT_COMMIT:
        leg_set(d, 0, "programme:grants", LEDGER_DEBIT, amount);
        leg_set(d, 1, grant, LEDGER_CREDIT, amount);
        break;
    case LEDGER_OP_GRANT_DISBURSE:
        leg_set(d, 0, grant, LEDGER_DEBIT, amount);
        leg_set(d, 1, cash, LEDGER_CREDIT, amount);
        break;
    default:
        return LEDGER_INVALID_FIELD;
    }
    d->amount = amount;
    return LEDGER_OK;
}

/* Legs sent with a typed operation must be the ones it derives. */
static bool legs_given_match(const ledger_entry_in *in, const domain_entry *d)
{
    if (in->legs_count != d->legs_count)
        return false;
    for (unsigned i = 0; i < d->legs_count; i++) {
        const ledger_leg_in *a = &in->legs[i], *b = &d->legs[i];
        if (a->account == NULL || strcmp(a->account, b->account) != 0 || a->side != b->side ||
            a->amount != b->amount)
            return false;
    }
    return true;
}

static int64_t legs_total(const ledger_leg_in *legs, uint32_t count)
{
    int64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (legs[i].side == LEDGER_DEBIT && legs[i].amount > 0) {
            if (total > INT64_MAX - legs[i].amount)
                return INT64_MAX;
            total += legs[i].amount;
        }
    }
    return total;
}

static int64_t codec_total(const codec_entry *e)
{
    int64_t total = 0;
    for (unsigned i = 0; i < e->legs_count; i++) {
        if (e->legs[i].side == LEDGER_DEBIT) {
            if (total > INT64_MAX - e->legs[i].amount)
                return INT64_MAX;
            total += e->legs[i].amount;
        }
    }
    return total;
}

static uint8_t action_of_op(uint16_t op)
{
    if (op == LEDGER_OP_CAPITAL_RELEASE)
        return DOMAIN_ACTION_CAPITAL_RELEASE;
    if (op == LEDGER_OP_GRANT_COMMIT)
        return DOMAIN_ACTION_GRANT_COMMIT;
    return DOMAIN_ACTION_NONE;
}

/* Post, void, reversal: what the entry referred to says. */
static int derive_from_ref(batch *b, const ledger_settings *s, domain_entry *d)
{
    codec_entry ref;
    int err = entry_decode_at(b->txn, b->l, d->in.ref, &ref);
    if (err == LEDGER_NOT_FOUND)
        return LEDGER_OK; /* post.c names it */
    if (err != LEDGER_OK)
        return err;
    tags_from_codec(&d->tags, &ref.tags);
    str_copy(d->ref_principal, sizeof d->ref_principal, ref.principal);
    d->ref_op = ref.op;
    d->ref_value_date = ref.value_date;
    /* A decision or a correction is of the operation it refers to. */
    d->in.op = (ledger_op)ref.op;
    if (d->in.kind == LEDGER_KIND_REVERSAL) {
        if (ref.op == LEDGER_OP_SHARE_OUT)
            return LEDGER_SOCIAL_FUND_KEPT; /* only a cycle's close moves it */
        if (ref.op == LEDGER_OP_SHARE_PURCHASE) {
            err = group_reversal_check(b, ref.programme, d->in.ref, &d->tags);
            if (err != LEDGER_OK)
                return err;
        }
        snprintf(d->request_subject, sizeof d->request_subject, "%llu",
                 (unsigned long long)d->in.ref);
        d->request_action = DOMAIN_ACTION_REVERSAL;
        d->request_ref = d->in.ref;
        /* A group's own money needs no programme approval. */
        if (!op_of_group(ref.op) &&
            codec_total(&ref) > s->approval_above[LEDGER_APPROVAL_REVERSAL]) {
            d->in.kind = LEDGER_KIND_PENDING; /* a reversal awaiting approval */
            d->awaiting = true;
        }
        return LEDGER_OK;
    }
    /* Post or void of a pending entry: a request being decided. */
    if (ref.ref != LEDGER_SEQ_NONE) {
        d->request_action = DOMAIN_ACTION_REVERSAL;
        d->request_ref = ref.ref;
        snprintf(d->request_subject, sizeof d->request_subject, "%llu",
                 (unsigned long long)ref.ref);
    } else {
        d->request_action = action_of_op(ref.op);
        snprintf(d->request_subject, sizeof d->request_subject, "%s", d->tags.participant);
    }
    return LEDGER_OK;
}

int domain_entry_derive(batch *b, const programme_rec *p, const ledger_entry_in *in,
                        domain_entry *d)
{
    ledger_settings s;
    memset(d, 0, sizeof *d);
    d->in = *in;
    d->request_ref = LEDGER_SEQ_NONE;
    if (in->op < LEDGER_OP_TRANSFER || in->op > LEDGER_OP_MAX)
        return LEDGER_INVALID_FIELD;
    /* Ids of that form are the ledger's own (share-outs): none can be taken
     * before the ledger needs it. */
    if (!b->share_out && in->client_id != NULL &&
        strncmp(in->client_id, LEDGER_RESERVED_ID_PREFIX,
                sizeof LEDGER_RESERVED_ID_PREFIX - 1) == 0)
        return LEDGER_INVALID_FIELD;
    if (in->currency != NULL && in->currency[0] != '\0' &&
        strncmp(in->currency, p->currency, 4) != 0)
        return LEDGER_WRONG_CURRENCY;
    size_t bl = in->budget_line ? strlen(in->budget_line) : 0;
    if (bl > LEDGER_BUDGET_LINE_MAX ||
        !ledger_utf8_valid(in->budget_line ? in->budget_line : "", bl))
        return LEDGER_INVALID_FIELD;
    int err = batch_rules(b, p->id);
    if (err != LEDGER_OK)
        return err;
    s = b->settings;
    if (in->kind == LEDGER_KIND_POST || in->kind == LEDGER_KIND_VOID ||
        in->kind == LEDGER_KIND_REVERSAL) {
        if (in->ref != 0 && in->ref != LEDGER_SEQ_NONE)
            err = derive_from_ref(b, &s, d);
        if (bl > 0)
            snprintf(d->tags.budget_line, sizeof d->tags.budget_line, "%s", in->budget_line);
        return err;
    }

    bool typed = op_typed(in->op);
    bool group = op_of_group((uint16_t)in->op);
    bool needs_participant =
        (typed && in->op != LEDGER_OP_FUNDING) || (group && in->op != LEDGER_OP_SHARE_OUT);
    if (needs_participant && (in->participant == NULL || in->participant[0] == '\0') &&
        participant_of_legs(in, d->participant))
        d->in.participant = d->participant;
    in = &d->in; /* from here on, with what was inferred */
    bool has_participant = d->in.participant != NULL && d->in.participant[0] != '\0';
    if (needs_participant && !has_participant)
        return LEDGER_UNKNOWN_PARTICIPANT;
    if (has_participant) {
        ledger_participant who;
        err = participant_load(b->txn, b->l, p->id, in->participant, &who);
        if (err != LEDGER_OK)
            return err;
        tags_of_participant(&d->tags, &who, in->value_date);
    }
    if (bl > 0)
        snprintf(d->tags.budget_line, sizeof d->tags.budget_line, "%s", in->budget_line);
    if (group) {
        /* The group's own money: no programme approval applies. */
        err = group_entry_derive(b, p, in, d);
        if (err != LEDGER_OK || in->op == LEDGER_OP_SHARE_OUT) {
            if (in->group != NULL)
                snprintf(d->tags.group, sizeof d->tags.group, "%s", in->group);
            return err;
        }
        if (in->legs_count > 0 && !legs_given_match(in, d))
            return LEDGER_LEGS_MISMATCH;
        memcpy(d->in.legs, d->legs, sizeof d->legs);
        d->in.legs_count = d->legs_count;
        return in->kind == LEDGER_KIND_POSTED ? LEDGER_OK : LEDGER_INVALID_FIELD;
    }
    if (typed) {
        err = typed_legs(in, &s, d);
        if (err != LEDGER_OK)
            return err;
        if (in->legs_count > 0 && !legs_given_match(in, d))
            return LEDGER_LEGS_MISMATCH;
        memcpy(d->in.legs, d->legs, sizeof d->legs);
        d->in.legs_count = d->legs_count;
    } else if (in->wage_run != NULL && in->wage_run[0] != '\0') {
        return LEDGER_INVALID_FIELD;
    }
    if (in->op == LEDGER_OP_WAGE && in->wage_run != NULL && in->wage_run[0] != '\0') {
        /* A run's line is known by "<run>:<participant>": its deliveries
         * are matched by it. */
        int n =
            snprintf(d->client_id, sizeof d->client_id, "%s:%s", in->wage_run, in->participant);
        if (n < 0 || (size_t)n >= sizeof d->client_id || strchr(in->wage_run, ':') != NULL ||
            strlen(in->wage_run) > LEDGER_WAGE_RUN_MAX)
            return LEDGER_INVALID_FIELD;
        if (in->client_id != NULL && in->client_id[0] != '\0' &&
            strcmp(in->client_id, d->client_id) != 0)
            return LEDGER_INVALID_FIELD;
        d->in.client_id = d->client_id;
    }
    d->request_action = action_of_op((uint16_t)in->op);
    if (d->request_action != DOMAIN_ACTION_NONE)
        snprintf(d->request_subject, sizeof d->request_subject, "%s", d->tags.participant);
    int64_t total = legs_total(d->in.legs, d->in.legs_count);
    if (in->kind == LEDGER_KIND_PENDING) {
        d->awaiting = true;
    } else if (total > s.approval_above[in->op]) {
        d->in.kind = LEDGER_KIND_PENDING;
        d->awaiting = true;
    }
    return LEDGER_OK;
}

static bool link_exists(MDB_txn *txn, ledger *l, uint64_t seq, int *err)
{
    uint8_t key[8];
    be64_put(key, seq);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, l->dbi_links, &k, &v);
    *err = (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) ? LEDGER_OK : ledger_map_err(rc);
    return rc == MDB_SUCCESS;
}

static int capital_check(batch *b, const programme_rec *p, const char *participant)
{
    ledger_participant who;
    int err = participant_load(b->txn, b->l, p->id, participant, &who);
    if (err == LEDGER_OK)
        err = batch_rules(b, p->id);
    if (err != LEDGER_OK)
        return err;
    if (who.phase < b->settings.unlock_phase)
        return LEDGER_CAPITAL_LOCKED;
    return who.hold[0] != '\0' ? LEDGER_CAPITAL_HELD : LEDGER_OK;
}

int domain_entry_check(batch *b, const programme_rec *p, domain_entry *d, const codec_entry *e)
{
    int err = batch_rules(b, p->id);
    if (err != LEDGER_OK)
        return err;
    if (b->closed_through != 0 && e->value_date <= b->closed_through)
        return LEDGER_PERIOD_CLOSED;
    bool release = d->request_ref == LEDGER_SEQ_NONE &&
                   (e->op == LEDGER_OP_CAPITAL_RELEASE ||
                    (e->kind == LEDGER_KIND_POST && d->ref_op == LEDGER_OP_CAPITAL_RELEASE));
    if (release && e->kind != LEDGER_KIND_VOID && e->kind != LEDGER_KIND_REVERSAL) {
        err = capital_check(b, p, d->tags.participant);
        if (err != LEDGER_OK)
            return err;
    }
    if (e->kind == LEDGER_KIND_POST && d->ref_principal[0] != '\0' &&
        e->principal.len == strlen(d->ref_principal) &&
        memcmp(e->principal.p, d->ref_principal, e->principal.len) == 0)
        return LEDGER_FOUR_EYES_VIOLATION;
    if (d->request_action != DOMAIN_ACTION_NONE &&
        (e->kind == LEDGER_KIND_PENDING || e->kind == LEDGER_KIND_REVERSAL)) {
        bool open;
        err = request_find(b->txn, b->l, p->id, d->request_action, d->request_subject, &open);
        if (err != LEDGER_OK)
            return err;
        if (open)
            return LEDGER_REQUEST_PENDING;
    }
    if (d->request_ref != LEDGER_SEQ_NONE && e->kind != LEDGER_KIND_VOID) {
        bool reversed = link_exists(b->txn, b->l, d->request_ref, &err);
        if (err != LEDGER_OK)
            return err;
        if (reversed)
            return LEDGER_ALREADY_REVERSED;
    }
    return LEDGER_OK;
}

int domain_entry_done(batch *b, const programme_rec *p, const domain_entry *d,
                      const codec_entry *e, uint64_t seq)
{
    uint8_t key[DOMAIN_KEY_MAX], val[8];
    if (op_of_group(e->op) || op_of_group(d->ref_op)) {
        int err = group_entry_done(b, p, d, e);
        if (err != LEDGER_OK)
            return err;
    }
    if (d->request_action == DOMAIN_ACTION_NONE)
        return LEDGER_OK;
    size_t n = request_key(key, p->id, d->request_action, d->request_subject);
    if (e->kind == LEDGER_KIND_PENDING) {
        be64_put(val, seq);
        return domain_put(b->txn, b->l, key, n, val, sizeof val);
    }
    if (e->kind != LEDGER_KIND_POST && e->kind != LEDGER_KIND_VOID)
        return LEDGER_OK;
    int err = domain_del(b->txn, b->l, key, n);
    if (err == LEDGER_OK && e->kind == LEDGER_KIND_POST && d->request_ref != LEDGER_SEQ_NONE) {
        /* An approved reversal: the original is now reversed, once. */
        uint8_t from[8], to[8];
        be64_put(from, d->request_ref);
        be64_put(to, seq);
        MDB_val k = {sizeof from, from}, v = {sizeof to, to};
        err = ledger_map_err(mdb_put(b->txn, b->l->dbi_links, &k, &v, MDB_NOOVERWRITE));
    }
    return err;
}

/* ---- period closure ---- */

typedef struct closure_ctx {
    const char *programme, *partner, *principal;
    uint32_t through;
    uint64_t request_seq;
    bool approve;
    bool decide;
    uint64_t seq_out;
} closure_ctx;

static int closure_leaf(batch *b, uint32_t programme, uint8_t event, const closure_ctx *x,
                        uint32_t through, uint64_t ref)
{
    codec_closure c = {programme, event, cstr(x->partner), cstr(x->principal), through, ref};
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    if (codec_closure_encode(leaf, sizeof leaf, &len, &c) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

static int closure_fn(ledger *l, void *vctx, batch *b)
{
    closure_ctx *x = vctx;
    programme_rec p;
    closure_rec c;
    int err = programme_by_name(b->txn, l, x->programme, &p);
    if (err == LEDGER_OK)
        err = closure_load(b->txn, l, p.id, &c);
    if (err != LEDGER_OK)
        return err;
    if (!x->decide) {
        if (c.request_seq != LEDGER_SEQ_NONE)
            return LEDGER_REQUEST_PENDING;
        if (x->through <= c.closed_through)
            return LEDGER_PERIOD_CLOSED;
        x->seq_out = b->next_seq;
        c.request_seq = b->next_seq;
        c.request_through = x->through;
        snprintf(c.request_principal, sizeof c.request_principal, "%s", x->principal);
        err = closure_leaf(b, p.id, CODEC_CLOSURE_REQUEST, x, x->through, LEDGER_SEQ_NONE);
    } else {
        if (c.request_seq == LEDGER_SEQ_NONE || c.request_seq != x->request_seq)
            return x->request_seq < c.request_seq || c.request_seq == LEDGER_SEQ_NONE
                       ? LEDGER_PENDING_ALREADY_RESOLVED
                       : LEDGER_REF_NOT_FOUND;
        if (x->approve && strcmp(c.request_principal, x->principal) == 0)
            return LEDGER_FOUR_EYES_VIOLATION;
        x->seq_out = b->next_seq;
        err = closure_leaf(b, p.id, x->approve ? CODEC_CLOSURE_APPROVE : CODEC_CLOSURE_CANCEL,
                           x, c.request_through, c.request_seq);
        if (x->approve)
            c.closed_through = c.request_through;
        c.request_seq = LEDGER_SEQ_NONE;
        c.request_through = 0;
        memset(c.request_principal, 0, sizeof c.request_principal);
    }
    if (err == LEDGER_OK)
        err = closure_store(b->txn, l, p.id, &c);
    b->rules_programme = 0; /* posting reads the closed date again */
    return err;
}

static int closure_run(ledger *l, closure_ctx *x)
{
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (!ledger_who_valid(x->partner, x->principal))
        return LEDGER_INVALID_FIELD;
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, closure_fn, x, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

int ledger_period_close(ledger *l, const char *programme, const char *partner,
                        const char *principal, uint32_t through, uint64_t *seq_out)
{
    if (l == NULL || programme == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!ledger_date_valid(through))
        return LEDGER_INVALID_DATE;
    closure_ctx x = {programme, partner, principal, through, 0, false, false, 0};
    int err = closure_run(l, &x);
    if (err == LEDGER_OK && seq_out != NULL)
        *seq_out = x.seq_out;
    return err;
}

int ledger_period_decide(ledger *l, const char *programme, const char *partner,
                         const char *principal, uint64_t request_seq, bool approve,
                         uint64_t *seq_out)
{
    if (l == NULL || programme == NULL)
        return LEDGER_INVALID_ARGUMENT;
    closure_ctx x = {programme, partner, principal, 0, request_seq, approve, true, 0};
    int err = closure_run(l, &x);
    if (err == LEDGER_OK && seq_out != NULL)
        *seq_out = x.seq_out;
    return err;
}

int ledger_period_status(ledger *l, const char *programme, uint32_t *closed_through,
                         uint64_t *request_seq)
{
    MDB_txn *txn;
    programme_rec p;
    closure_rec c;
    if (l == NULL || programme == NULL || closed_through == NULL || request_seq == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = closure_load(txn, l, p.id, &c);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK) {
        *closed_through = c.closed_through;
        *request_seq = c.request_seq;
    }
    return err;
}
