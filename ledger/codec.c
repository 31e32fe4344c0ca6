/*
 * codec.c — canonical leaf encoding (docs/encoding.md).
 *
 * Responsible for turning the journal's records into exactly one byte string
 * each and back. Must never accept trailing bytes, short buffers or unknown
 * versions: two different byte strings for one record would let the same
 * entry hash two ways.
 */
#include "ledger/codec.h"

#include <stdbool.h>
#include <string.h>

typedef struct writer {
    uint8_t *p;
    size_t cap;
    size_t len;
    int failed;
} writer;

typedef struct reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int failed;
} reader;

static void w_bytes(writer *w, const void *src, size_t n)
{
    if (w->failed || w->cap - w->len < n) {
        w->failed = 1;
        return;
    }
    if (n > 0)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void w_u8(writer *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}

static void w_uint(writer *w, uint64_t v, unsigned bytes)
{
    uint8_t b[8];
    for (unsigned i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    w_bytes(w, b, bytes);
}

static void w_str(writer *w, codec_str s)
{
    w_uint(w, s.len, 2);
    w_bytes(w, s.p, s.len);
}

static void w_head(writer *w, codec_leaf_type t)
{
    w_u8(w, (uint8_t)t);
    w_u8(w, CODEC_VERSION);
}

static int w_done(const writer *w, size_t *len_out)
{
    if (w->failed)
        return -1;
    *len_out = w->len;
    return 0;
}

static const uint8_t *r_bytes(reader *r, size_t n)
{
    if (r->failed || r->len - r->pos < n) {
        r->failed = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t r_uint(reader *r, unsigned bytes)
{
    const uint8_t *b = r_bytes(r, bytes);
    uint64_t v = 0;
    if (b == NULL)
        return 0;
    for (unsigned i = 0; i < bytes; i++)
        v = (v << 8) | b[i];
    return v;
}

static codec_str r_str(reader *r)
{
    codec_str s = {NULL, 0};
    uint16_t n = (uint16_t)r_uint(r, 2);
    const uint8_t *b = r_bytes(r, n);
    if (b != NULL) {
        s.p = (const char *)b;
        s.len = n;
        if (memchr(b, 0, n) != NULL)
            r->failed = 1;
    }
    return s;
}

static void r_head(reader *r, codec_leaf_type t)
{
    uint8_t type = (uint8_t)r_uint(r, 1);
    uint8_t version = (uint8_t)r_uint(r, 1);
    if (type != t || version != CODEC_VERSION)
        r->failed = 1;
}

static int r_done(const reader *r)
{
    return (r->failed || r->pos != r->len) ? -1 : 0;
}

int codec_leaf_type_of(const uint8_t *leaf, size_t len)
{
    if (len < 2 || leaf[1] != CODEC_VERSION)
        return -1;
    if (leaf[0] < CODEC_LEAF_ENTRY || leaf[0] > CODEC_LEAF_TYPE_MAX)
        return -1;
    return leaf[0];
}

static bool tags_empty(const codec_tags *t)
{
    return t->participant.len == 0 && t->sex == 0 && t->age_band == 0 && t->disability == 0 &&
           t->admin1.len == 0 && t->admin2.len == 0 && t->category == 0 && t->cohort.len == 0 &&
           t->phase == 0 && t->cso.len == 0 && t->budget_line.len == 0 && t->group.len == 0;
}

/* Tags: one byte 0 when the entry has none (most of a ledger's entries are
 * not about a participant), else 1 and the fields. */
static void w_tags(writer *w, const codec_tags *t)
{
    if (tags_empty(t)) {
        w_u8(w, 0);
        return;
    }
    w_u8(w, 1);
    w_str(w, t->participant);
    w_u8(w, t->sex);
    w_u8(w, t->age_band);
    w_u8(w, t->disability);
    w_str(w, t->admin1);
    w_str(w, t->admin2);
    w_u8(w, t->category);
    w_str(w, t->cohort);
    w_u8(w, t->phase);
    w_str(w, t->cso);
    w_str(w, t->budget_line);
    w_str(w, t->group);
}

static void r_tags(reader *r, codec_tags *t)
{
    static const char empty[1] = "";
    uint8_t present = (uint8_t)r_uint(r, 1);
    memset(t, 0, sizeof *t);
    t->participant = t->admin1 = t->admin2 = t->cohort = t->cso = t->budget_line = t->group =
        (codec_str){empty, 0};
    if (present == 0)
        return;
    t->participant = r_str(r);
    t->sex = (uint8_t)r_uint(r, 1);
    t->age_band = (uint8_t)r_uint(r, 1);
    t->disability = (uint8_t)r_uint(r, 1);
    t->admin1 = r_str(r);
    t->admin2 = r_str(r);
    t->category = (uint8_t)r_uint(r, 1);
    t->cohort = r_str(r);
    t->phase = (uint8_t)r_uint(r, 1);
    t->cso = r_str(r);
    t->budget_line = r_str(r);
    t->group = r_str(r);
    /* One byte string per record: empty tags are written as 0 only. */
    if (present != 1 || tags_empty(t))
        r->failed = 1;
}

int codec_entry_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_entry *e)
{
    writer w = {out, cap, 0, 0};
    if (e->legs_count > LEDGER_LEGS_MAX)
        return -1;
    w_head(&w, CODEC_LEAF_ENTRY);
    w_uint(&w, e->programme, 4);
    w_u8(&w, e->kind);
    w_uint(&w, e->op, 2);
    w_str(&w, e->partner);
    w_str(&w, e->principal);
    w_str(&w, e->client_id);
    w_str(&w, e->external_ref);
    w_str(&w, e->memo);
    w_uint(&w, e->value_date, 4);
    w_uint(&w, (uint64_t)e->recorded_at, 8);
    w_uint(&w, e->ref, 8);
    w_u8(&w, e->legs_count);
    for (unsigned i = 0; i < e->legs_count; i++) {
        const codec_leg *g = &e->legs[i];
        w_uint(&w, g->account_id, 8);
        w_u8(&w, g->side);
        w_uint(&w, (uint64_t)g->amount, 8);
        w_uint(&w, (uint64_t)g->balance_after, 8);
        w_uint(&w, g->prev_seq, 8);
    }
    w_tags(&w, &e->tags);
    return w_done(&w, len_out);
}

int codec_entry_decode(codec_entry *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_entry e;
    memset(&e, 0, sizeof e);
    r_head(&r, CODEC_LEAF_ENTRY);
    e.programme = (uint32_t)r_uint(&r, 4);
    e.kind = (uint8_t)r_uint(&r, 1);
    e.op = (uint16_t)r_uint(&r, 2);
    e.partner = r_str(&r);
    e.principal = r_str(&r);
    e.client_id = r_str(&r);
    e.external_ref = r_str(&r);
    e.memo = r_str(&r);
    e.value_date = (uint32_t)r_uint(&r, 4);
    e.recorded_at = (int64_t)r_uint(&r, 8);
    e.ref = r_uint(&r, 8);
    e.legs_count = (uint8_t)r_uint(&r, 1);
    if (e.legs_count > LEDGER_LEGS_MAX)
        return -1;
    for (unsigned i = 0; i < e.legs_count; i++) {
        codec_leg *g = &e.legs[i];
        g->account_id = r_uint(&r, 8);
        g->side = (uint8_t)r_uint(&r, 1);
        g->amount = (int64_t)r_uint(&r, 8);
        g->balance_after = (int64_t)r_uint(&r, 8);
        g->prev_seq = r_uint(&r, 8);
        if (g->side > LEDGER_CREDIT)
            r.failed = 1;
    }
    r_tags(&r, &e.tags);
    if (r_done(&r) != 0)
        return -1;
    *out = e;
    return 0;
}

int codec_batch_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_batch *b)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_BATCH);
    w_uint(&w, b->batch_no, 8);
    w_uint(&w, b->first_seq, 8);
    w_uint(&w, b->leaves_count, 4);
    w_uint(&w, b->prev_size, 8);
    w_bytes(&w, b->prev_root, 32);
    w_bytes(&w, b->leaves_root, 32);
    w_uint(&w, (uint64_t)b->time, 8);
    w_bytes(&w, b->key_id, 4);
    return w_done(&w, len_out);
}

int codec_batch_decode(codec_batch *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_batch b;
    const uint8_t *p;
    r_head(&r, CODEC_LEAF_BATCH);
    b.batch_no = r_uint(&r, 8);
    b.first_seq = r_uint(&r, 8);
    b.leaves_count = (uint32_t)r_uint(&r, 4);
    b.prev_size = r_uint(&r, 8);
    if ((p = r_bytes(&r, 32)) != NULL)
        memcpy(b.prev_root, p, 32);
    if ((p = r_bytes(&r, 32)) != NULL)
        memcpy(b.leaves_root, p, 32);
    b.time = (int64_t)r_uint(&r, 8);
    if ((p = r_bytes(&r, 4)) != NULL)
        memcpy(b.key_id, p, 4);
    if (r_done(&r) != 0)
        return -1;
    *out = b;
    return 0;
}

int codec_key_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_key_event *k)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_KEY);
    w_str(&w, k->name);
    w_bytes(&w, k->key_id, 4);
    w_bytes(&w, k->public_key, 32);
    w_uint(&w, k->from_size, 8);
    return w_done(&w, len_out);
}

int codec_key_decode(codec_key_event *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_key_event k;
    const uint8_t *p;
    r_head(&r, CODEC_LEAF_KEY);
    k.name = r_str(&r);
    if ((p = r_bytes(&r, 4)) != NULL)
        memcpy(k.key_id, p, 4);
    if ((p = r_bytes(&r, 32)) != NULL)
        memcpy(k.public_key, p, 32);
    k.from_size = r_uint(&r, 8);
    if (r_done(&r) != 0)
        return -1;
    *out = k;
    return 0;
}

int codec_programme_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_programme *p)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_PROGRAMME);
    w_uint(&w, p->id, 4);
    w_str(&w, p->name);
    w_str(&w, p->currency);
    w_u8(&w, p->digits);
    return w_done(&w, len_out);
}

int codec_programme_decode(codec_programme *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_programme p;
    r_head(&r, CODEC_LEAF_PROGRAMME);
    p.id = (uint32_t)r_uint(&r, 4);
    p.name = r_str(&r);
    p.currency = r_str(&r);
    p.digits = (uint8_t)r_uint(&r, 1);
    if (r_done(&r) != 0)
        return -1;
    *out = p;
    return 0;
}

int codec_account_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_account *a)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_ACCOUNT);
    w_uint(&w, a->id, 8);
    w_uint(&w, a->programme, 4);
    w_str(&w, a->code);
    w_u8(&w, a->type);
    w_uint(&w, a->flags, 4);
    return w_done(&w, len_out);
}

int codec_account_decode(codec_account *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_account a;
    r_head(&r, CODEC_LEAF_ACCOUNT);
    a.id = r_uint(&r, 8);
    a.programme = (uint32_t)r_uint(&r, 4);
    a.code = r_str(&r);
    a.type = (uint8_t)r_uint(&r, 1);
    a.flags = (uint32_t)r_uint(&r, 4);
    if (r_done(&r) != 0)
        return -1;
    *out = a;
    return 0;
}

int codec_participant_encode(uint8_t *out, size_t cap, size_t *len_out,
                             const codec_participant *p)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_PARTICIPANT);
    w_uint(&w, p->programme, 4);
    w_u8(&w, p->event);
    w_str(&w, p->partner);
    w_str(&w, p->principal);
    w_str(&w, p->id);
    w_u8(&w, p->sex);
    w_uint(&w, p->birth_year, 2);
    w_str(&w, p->wg_ss);
    w_str(&w, p->admin1);
    w_str(&w, p->admin2);
    w_u8(&w, p->category);
    w_str(&w, p->cohort);
    w_u8(&w, p->phase);
    w_str(&w, p->cso);
    w_str(&w, p->hold);
    w_str(&w, p->distinct_from);
    return w_done(&w, len_out);
}

int codec_participant_decode(codec_participant *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_participant p;
    r_head(&r, CODEC_LEAF_PARTICIPANT);
    p.programme = (uint32_t)r_uint(&r, 4);
    p.event = (uint8_t)r_uint(&r, 1);
    p.partner = r_str(&r);
    p.principal = r_str(&r);
    p.id = r_str(&r);
    p.sex = (uint8_t)r_uint(&r, 1);
    p.birth_year = (uint16_t)r_uint(&r, 2);
    p.wg_ss = r_str(&r);
    p.admin1 = r_str(&r);
    p.admin2 = r_str(&r);
    p.category = (uint8_t)r_uint(&r, 1);
    p.cohort = r_str(&r);
    p.phase = (uint8_t)r_uint(&r, 1);
    p.cso = r_str(&r);
    p.hold = r_str(&r);
    p.distinct_from = r_str(&r);
    if (r_done(&r) != 0)
        return -1;
    *out = p;
    return 0;
}

int codec_settings_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_settings *s)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_SETTINGS);
    w_uint(&w, s->programme, 4);
    w_str(&w, s->principal);
    w_uint(&w, s->capital_rate_bp, 4);
    w_u8(&w, s->unlock_phase);
    w_u8(&w, CODEC_THRESHOLDS_COUNT);
    for (unsigned i = 0; i < CODEC_THRESHOLDS_COUNT; i++)
        w_uint(&w, (uint64_t)s->approval_above[i], 8);
    return w_done(&w, len_out);
}

int codec_settings_decode(codec_settings *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_settings s;
    r_head(&r, CODEC_LEAF_SETTINGS);
    s.programme = (uint32_t)r_uint(&r, 4);
    s.principal = r_str(&r);
    s.capital_rate_bp = (uint32_t)r_uint(&r, 4);
    s.unlock_phase = (uint8_t)r_uint(&r, 1);
    if (r_uint(&r, 1) != CODEC_THRESHOLDS_COUNT)
        return -1;
    for (unsigned i = 0; i < CODEC_THRESHOLDS_COUNT; i++)
        s.approval_above[i] = (int64_t)r_uint(&r, 8);
    if (r_done(&r) != 0)
        return -1;
    *out = s;
    return 0;
}

int codec_closure_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_closure *c)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_CLOSURE);
    w_uint(&w, c->programme, 4);
    w_u8(&w, c->event);
    w_str(&w, c->partner);
    w_str(&w, c->principal);
    w_uint(&w, c->through, 4);
    w_uint(&w, c->ref, 8);
    return w_done(&w, len_out);
}

int codec_closure_decode(codec_closure *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_closure c;
    r_head(&r, CODEC_LEAF_CLOSURE);
    c.programme = (uint32_t)r_uint(&r, 4);
    c.event = (uint8_t)r_uint(&r, 1);
    c.partner = r_str(&r);
    c.principal = r_str(&r);
    c.through = (uint32_t)r_uint(&r, 4);
    c.ref = r_uint(&r, 8);
    if (r_done(&r) != 0)
        return -1;
    *out = c;
    return 0;
}

int codec_group_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_group *g)
{
    writer w = {out, cap, 0, 0};
    w_head(&w, CODEC_LEAF_GROUP);
    w_uint(&w, g->programme, 4);
    w_u8(&w, g->event);
    w_str(&w, g->partner);
    w_str(&w, g->principal);
    w_str(&w, g->group);
    w_str(&w, g->name);
    w_str(&w, g->cso);
    w_str(&w, g->participant);
    w_uint(&w, g->member_number, 4);
    w_uint(&w, g->cycle, 4);
    w_uint(&w, (uint64_t)g->share_price, 8);
    w_uint(&w, g->shares_min, 4);
    w_uint(&w, g->shares_max, 4);
    w_uint(&w, g->service_charge_bp, 4);
    w_uint(&w, g->start, 4);
    w_uint(&w, g->planned_end, 4);
    w_uint(&w, g->date, 4);
    w_uint(&w, (uint64_t)g->cash_expected, 8);
    w_uint(&w, (uint64_t)g->cash_counted, 8);
    w_bytes(&w, g->present, CODEC_PRESENT_BYTES);
    return w_done(&w, len_out);
}

int codec_group_decode(codec_group *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_group g;
    const uint8_t *p;
    r_head(&r, CODEC_LEAF_GROUP);
    g.programme = (uint32_t)r_uint(&r, 4);
    g.event = (uint8_t)r_uint(&r, 1);
    g.partner = r_str(&r);
    g.principal = r_str(&r);
    g.group = r_str(&r);
    g.name = r_str(&r);
    g.cso = r_str(&r);
    g.participant = r_str(&r);
    g.member_number = (uint32_t)r_uint(&r, 4);
    g.cycle = (uint32_t)r_uint(&r, 4);
    g.share_price = (int64_t)r_uint(&r, 8);
    g.shares_min = (uint32_t)r_uint(&r, 4);
    g.shares_max = (uint32_t)r_uint(&r, 4);
    g.service_charge_bp = (uint32_t)r_uint(&r, 4);
    g.start = (uint32_t)r_uint(&r, 4);
    g.planned_end = (uint32_t)r_uint(&r, 4);
    g.date = (uint32_t)r_uint(&r, 4);
    g.cash_expected = (int64_t)r_uint(&r, 8);
    g.cash_counted = (int64_t)r_uint(&r, 8);
    if ((p = r_bytes(&r, CODEC_PRESENT_BYTES)) != NULL)
        memcpy(g.present, p, CODEC_PRESENT_BYTES);
    if (r_done(&r) != 0)
        return -1;
    *out = g;
    return 0;
}

int codec_statement_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_statement *s)
{
    writer w = {out, cap, 0, 0};
    if (s->accounts_count > CODEC_STATEMENT_ACCOUNTS_MAX)
        return -1;
    w_head(&w, CODEC_LEAF_STATEMENT);
    w_uint(&w, s->programme, 4);
    w_str(&w, s->principal);
    w_str(&w, s->participant);
    w_uint(&w, s->date_from, 4);
    w_uint(&w, s->date_to, 4);
    w_uint(&w, s->as_of_size, 8);
    w_u8(&w, s->accounts_count);
    for (unsigned i = 0; i < s->accounts_count; i++) {
        const codec_statement_account *a = &s->accounts[i];
        w_str(&w, a->code);
        w_uint(&w, (uint64_t)a->opening, 8);
        w_uint(&w, (uint64_t)a->closing, 8);
        w_uint(&w, a->lines, 8);
        w_bytes(&w, a->lines_root, 32);
    }
    return w_done(&w, len_out);
}

int codec_statement_decode(codec_statement *out, const uint8_t *leaf, size_t len)
{
    reader r = {leaf, len, 0, 0};
    codec_statement s;
    const uint8_t *p;
    memset(&s, 0, sizeof s);
    r_head(&r, CODEC_LEAF_STATEMENT);
    s.programme = (uint32_t)r_uint(&r, 4);
    s.principal = r_str(&r);
    s.participant = r_str(&r);
    s.date_from = (uint32_t)r_uint(&r, 4);
    s.date_to = (uint32_t)r_uint(&r, 4);
    s.as_of_size = r_uint(&r, 8);
    s.accounts_count = (uint8_t)r_uint(&r, 1);
    if (s.accounts_count > CODEC_STATEMENT_ACCOUNTS_MAX)
        return -1;
    for (unsigned i = 0; i < s.accounts_count; i++) {
        codec_statement_account *a = &s.accounts[i];
        a->code = r_str(&r);
        a->opening = (int64_t)r_uint(&r, 8);
        a->closing = (int64_t)r_uint(&r, 8);
        a->lines = r_uint(&r, 8);
        if ((p = r_bytes(&r, 32)) != NULL)
            memcpy(a->lines_root, p, 32);
    }
    if (r_done(&r) != 0)
        return -1;
    *out = s;
    return 0;
}
