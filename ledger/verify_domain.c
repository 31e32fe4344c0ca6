/*
 * verify_domain.c — the part of `cauris verify` that rebuilds the
 * programme operations' state from the leaves and compares it with the
 * "domain" database: participants (each enrolled once, its record as its
 * last leaf says), settings, period closures (four eyes, one request at a
 * time) and the open approval requests.
 *
 * verify.c feeds it each participant, settings and closure leaf and each
 * pending / post / void entry during its walk, then calls
 * vdomain_compare. Like verify.c it only reads.
 */
#include "ledger/domain.h"
#include "ledger/verify_domain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vpart {
    uint32_t programme;
    uint64_t seq;
    uint8_t event;
    char id[LEDGER_PARTICIPANT_ID_MAX + 1];
} vpart;

typedef struct vrequest {
    uint8_t key[DOMAIN_KEY_MAX];
    size_t key_len;
    uint64_t seq; /* the pending entry; LEDGER_SEQ_NONE once resolved */
} vrequest;

typedef struct vgroup {
    uint32_t programme;
    uint64_t meeting_days; /* meeting leaves: one a day, each keyed 'T' */
    group_rec g;
    member_rec members[LEDGER_GROUP_MEMBERS_MAX];
} vgroup;

struct vdomain {
    vgroup *groups;
    size_t groups_count, groups_cap;
    vpart *parts;
    size_t parts_count, parts_cap;
    vrequest *requests;
    size_t requests_count, requests_cap, requests_open;
    ledger_settings settings[LEDGER_PROGRAMMES_MAX + 1];
    bool settings_seen[LEDGER_PROGRAMMES_MAX + 1];
    closure_rec closures[LEDGER_PROGRAMMES_MAX + 1];
    bool closure_seen[LEDGER_PROGRAMMES_MAX + 1];
    char *why;
    size_t why_cap;
};

static int vfail(vdomain *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, d->why_cap, fmt, ap);
    va_end(ap);
    return LEDGER_VERIFY_FAILED;
}

vdomain *vdomain_new(char *why, size_t why_cap)
{
    vdomain *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->why = why;
    d->why_cap = why_cap;
    for (size_t i = 0; i <= LEDGER_PROGRAMMES_MAX; i++)
        d->closures[i].request_seq = LEDGER_SEQ_NONE;
    return d;
}

void vdomain_free(vdomain *d)
{
    if (d == NULL)
        return;
    free(d->parts);
    free(d->requests);
    free(d->groups);
    free(d);
}

static bool grow(void **p, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t next = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, next * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = next;
    return true;
}

static bool programme_ok(uint32_t programme, uint32_t programmes_count)
{
    return programme >= 1 && programme <= programmes_count;
}

int vdomain_participant(vdomain *d, uint32_t programmes_count, uint64_t seq,
                        const uint8_t *leaf, size_t len)
{
    codec_participant c;
    if (codec_participant_decode(&c, leaf, len) != 0 ||
        !programme_ok(c.programme, programmes_count) || c.id.len == 0 ||
        c.id.len > LEDGER_PARTICIPANT_ID_MAX || c.event < CODEC_PARTICIPANT_ENROL ||
        c.event > CODEC_PARTICIPANT_ERASE || c.phase < 1 || c.phase > LEDGER_PHASE_MAX)
        return vfail(d, "leaf %llu: participant record is malformed", (unsigned long long)seq);
    if (!grow((void **)&d->parts, &d->parts_cap, d->parts_count, sizeof *d->parts))
        return LEDGER_NOMEM;
    vpart *v = &d->parts[d->parts_count++];
    v->programme = c.programme;
    v->seq = seq;
    v->event = c.event;
    memcpy(v->id, c.id.p, c.id.len);
    v->id[c.id.len] = '\0';
    return LEDGER_OK;
}

int vdomain_settings(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                     size_t len)
{
    codec_settings c;
    if (codec_settings_decode(&c, leaf, len) != 0 ||
        !programme_ok(c.programme, programmes_count))
        return vfail(d, "leaf %llu: settings are malformed", (unsigned long long)seq);
    ledger_settings *s = &d->settings[c.programme];
    memset(s, 0, sizeof *s);
    s->capital_rate_bp = c.capital_rate_bp;
    s->unlock_phase = c.unlock_phase;
    memcpy(s->approval_above, c.approval_above, sizeof s->approval_above);
    d->settings_seen[c.programme] = true;
    return LEDGER_OK;
}

int vdomain_closure(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                    size_t len)
{
    codec_closure c;
    if (codec_closure_decode(&c, leaf, len) != 0 ||
        !programme_ok(c.programme, programmes_count) || !ledger_date_valid(c.through) ||
        c.principal.len == 0 || c.principal.len > LEDGER_PRINCIPAL_MAX)
        return vfail(d, "leaf %llu: closure is malformed", (unsigned long long)seq);
    closure_rec *r = &d->closures[c.programme];
    d->closure_seen[c.programme] = true;
    if (c.event == CODEC_CLOSURE_REQUEST) {
        if (r->request_seq != LEDGER_SEQ_NONE || c.through <= r->closed_through ||
            c.ref != LEDGER_SEQ_NONE)
            return vfail(d,
                         "leaf %llu: closure request while another is open or already closed",
                         (unsigned long long)seq);
        r->request_seq = seq;
        r->request_through = c.through;
        memset(r->request_principal, 0, sizeof r->request_principal);
        memcpy(r->request_principal, c.principal.p, c.principal.len);
        return LEDGER_OK;
    }
    if ((c.event != CODEC_CLOSURE_APPROVE && c.event != CODEC_CLOSURE_CANCEL) ||
        r->request_seq == LEDGER_SEQ_NONE || c.ref != r->request_seq ||
        c.through != r->request_through)
        return vfail(d, "leaf %llu: closure decision does not match the open request",
                     (unsigned long long)seq);
    if (c.event == CODEC_CLOSURE_APPROVE) {
        if (strlen(r->request_principal) == c.principal.len &&
            memcmp(r->request_principal, c.principal.p, c.principal.len) == 0)
            return vfail(d, "leaf %llu: closure approved by its requester",
                         (unsigned long long)seq);
        r->closed_through = r->request_through;
    }
    r->request_seq = LEDGER_SEQ_NONE;
    r->request_through = 0;
    memset(r->request_principal, 0, sizeof r->request_principal);
    return LEDGER_OK;
}

/* ---- savings groups ---- */

static vgroup *vgroup_find(vdomain *d, uint32_t programme, codec_str id)
{
    for (size_t i = 0; i < d->groups_count; i++) {
        vgroup *v = &d->groups[i];
        if (v->programme == programme && strlen(v->g.id) == id.len &&
            memcmp(v->g.id, id.p, id.len) == 0)
            return v;
    }
    return NULL;
}

static member_rec *vmember_find(vgroup *v, codec_str who)
{
    for (uint32_t i = 0; i < v->g.members; i++) {
        if (strlen(v->members[i].participant) == who.len &&
            memcmp(v->members[i].participant, who.p, who.len) == 0)
            return &v->members[i];
    }
    return NULL;
}

static void str_set(char *out, size_t cap, codec_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(out, s.p, n);
    out[n] = '\0';
}

static int group_event(vdomain *d, uint64_t seq, const codec_group *c, vgroup *v)
{
    group_rec *g = &v->g;
    switch (c->event) {
    case CODEC_GROUP_MEMBER: {
        if (c->member_number != g->members + 1 || c->member_number > LEDGER_GROUP_MEMBERS_MAX ||
            c->participant.len == 0 || c->participant.len > LEDGER_PARTICIPANT_ID_MAX ||
            vmember_find(v, c->participant) != NULL)
            return vfail(d, "leaf %llu: group member out of order or twice",
                         (unsigned long long)seq);
        member_rec *m = &v->members[g->members++];
        str_set(m->participant, sizeof m->participant, c->participant);
        m->number = c->member_number;
        return LEDGER_OK;
    }
    case CODEC_GROUP_CYCLE_OPEN:
        if (g->cycle.open || c->cycle != g->cycle.number + 1)
            return vfail(d, "leaf %llu: cycle opened out of order", (unsigned long long)seq);
        g->cycle = (ledger_cycle){
            c->cycle, c->share_price, c->shares_min, c->shares_max, c->service_charge_bp,
            c->start, c->planned_end, true};
        g->shares = 0;
        g->meetings = 0;
        g->attendance = 0;
        g->cycle_seq = seq;
        return LEDGER_OK;
    case CODEC_GROUP_MEETING: {
        if (!g->cycle.open)
            return vfail(d, "leaf %llu: meeting outside a cycle", (unsigned long long)seq);
        uint32_t present = 0;
        for (size_t i = 0; i < CODEC_PRESENT_BYTES; i++)
            for (uint8_t b = c->present[i]; b; b &= (uint8_t)(b - 1))
                present++;
        g->meetings++;
        g->attendance += present;
        v->meeting_days++;
        return LEDGER_OK;
    }
    case CODEC_GROUP_CYCLE_CLOSE:
        if (!g->cycle.open || c->cycle != g->cycle.number)
            return vfail(d, "leaf %llu: cycle closed out of order", (unsigned long long)seq);
        g->cycle.open = false;
        g->shares = 0;
        g->meetings = 0;
        g->attendance = 0;
        g->last_share_out = c->cash_expected;
        g->last_share_out_members = c->member_number;
        for (uint32_t i = 0; i < g->members; i++) {
            v->members[i].shares = 0;
            v->members[i].meeting_date = 0;
            v->members[i].meeting_shares = 0;
        }
        return LEDGER_OK;
    default:
        return vfail(d, "leaf %llu: unknown group event", (unsigned long long)seq);
    }
}

int vdomain_group(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                  size_t len)
{
    codec_group c;
    if (codec_group_decode(&c, leaf, len) != 0 ||
        !programme_ok(c.programme, programmes_count) || c.group.len == 0 ||
        c.group.len > LEDGER_GROUP_ID_MAX)
        return vfail(d, "leaf %llu: group record is malformed", (unsigned long long)seq);
    vgroup *v = vgroup_find(d, c.programme, c.group);
    if (c.event == CODEC_GROUP_CREATE) {
        if (v != NULL)
            return vfail(d, "leaf %llu: group created twice", (unsigned long long)seq);
        if (!grow((void **)&d->groups, &d->groups_cap, d->groups_count, sizeof *d->groups))
            return LEDGER_NOMEM;
        v = &d->groups[d->groups_count++];
        memset(v, 0, sizeof *v);
        v->programme = c.programme;
        str_set(v->g.id, sizeof v->g.id, c.group);
        str_set(v->g.name, sizeof v->g.name, c.name);
        str_set(v->g.cso, sizeof v->g.cso, c.cso);
        return LEDGER_OK;
    }
    if (v == NULL)
        return vfail(d, "leaf %llu: event of a group never created", (unsigned long long)seq);
    return group_event(d, seq, &c, v);
}

/* A share purchase, or its reversal, moves the member's shares. */
static int vgroup_shares(vdomain *d, uint64_t seq, const codec_entry *e, const codec_entry *ref)
{
    bool bought = e->op == LEDGER_OP_SHARE_PURCHASE && e->kind == LEDGER_KIND_POSTED;
    bool undone =
        e->kind == LEDGER_KIND_REVERSAL && ref != NULL && ref->op == LEDGER_OP_SHARE_PURCHASE;
    if (!bought && !undone)
        return LEDGER_OK;
    vgroup *v = vgroup_find(d, e->programme, e->tags.group);
    member_rec *m = v ? vmember_find(v, e->tags.participant) : NULL;
    if (m == NULL || v->g.cycle.share_price <= 0 || e->legs_count == 0)
        return vfail(d, "entry %llu: share purchase outside a group's membership",
                     (unsigned long long)seq);
    uint64_t shares = (uint64_t)(e->legs[0].amount / v->g.cycle.share_price);
    if (undone) {
        if (!v->g.cycle.open || e->ref < v->g.cycle_seq || shares > m->shares)
            return vfail(d, "entry %llu reverses a share purchase of a closed cycle",
                         (unsigned long long)seq);
        m->shares -= shares;
        v->g.shares -= shares;
        if (m->meeting_date == ref->value_date && m->meeting_shares >= shares)
            m->meeting_shares -= (uint32_t)shares;
        return LEDGER_OK;
    }
    if (m->meeting_date != e->value_date) {
        m->meeting_date = e->value_date;
        m->meeting_shares = 0;
    }
    m->meeting_shares += (uint32_t)shares;
    m->shares += shares;
    v->g.shares += shares;
    return LEDGER_OK;
}

static int vgroups_compare(vdomain *d, MDB_txn *txn, ledger *l, uint64_t *expected)
{
    for (size_t i = 0; i < d->groups_count; i++) {
        vgroup *v = &d->groups[i];
        group_rec got;
        const group_rec *w = &v->g;
        if (group_load(txn, l, v->programme, w->id, &got) != LEDGER_OK ||
            strcmp(got.name, w->name) != 0 || strcmp(got.cso, w->cso) != 0 ||
            got.members != w->members || got.shares != w->shares ||
            got.meetings != w->meetings || got.attendance != w->attendance ||
            got.last_share_out != w->last_share_out ||
            got.last_share_out_members != w->last_share_out_members ||
            got.cycle_seq != w->cycle_seq || got.cycle.number != w->cycle.number ||
            got.cycle.share_price != w->cycle.share_price ||
            got.cycle.shares_min != w->cycle.shares_min ||
            got.cycle.shares_max != w->cycle.shares_max ||
            got.cycle.service_charge_bp != w->cycle.service_charge_bp ||
            got.cycle.start != w->cycle.start ||
            got.cycle.planned_end != w->cycle.planned_end || got.cycle.open != w->cycle.open)
            return vfail(d, "group %s: stored record differs from its leaves and entries",
                         w->id);
        for (uint32_t k = 0; k < w->members; k++) {
            member_rec m;
            const member_rec *x = &v->members[k];
            if (member_load(txn, l, v->programme, w->id, x->participant, &m) != LEDGER_OK ||
                m.number != x->number || m.shares != x->shares ||
                m.meeting_date != x->meeting_date || m.meeting_shares != x->meeting_shares)
                return vfail(d, "group %s: member %s differs from the leaves and entries",
                             w->id, x->participant);
        }
        *expected += 1 + 2 * (uint64_t)w->members + v->meeting_days;
    }
    return LEDGER_OK;
}

/* A pending entry that is a request of an action (see domain.c). */
static size_t request_key_of(uint8_t out[DOMAIN_KEY_MAX], const codec_entry *e)
{
    uint8_t sub[1 + LEDGER_PARTICIPANT_ID_MAX + 20];
    size_t n;
    if (e->ref != LEDGER_SEQ_NONE) {
        sub[0] = DOMAIN_ACTION_REVERSAL;
        n = (size_t)snprintf((char *)sub + 1, sizeof sub - 1, "%llu",
                             (unsigned long long)e->ref);
    } else if (e->op == LEDGER_OP_CAPITAL_RELEASE || e->op == LEDGER_OP_GRANT_COMMIT) {
        sub[0] = e->op == LEDGER_OP_CAPITAL_RELEASE ? DOMAIN_ACTION_CAPITAL_RELEASE
                                                    : DOMAIN_ACTION_GRANT_COMMIT;
        n = e->tags.participant.len;
        memcpy(sub + 1, e->tags.participant.p, n);
    } else {
        return 0;
    }
    return domain_key(out, e->programme, 'R', sub, 1 + n);
}

int vdomain_entry(vdomain *d, uint64_t seq, const codec_entry *e, const codec_entry *ref)
{
    uint8_t key[DOMAIN_KEY_MAX];
    int err = vgroup_shares(d, seq, e, ref);
    if (err != LEDGER_OK)
        return err;
    if (e->kind == LEDGER_KIND_PENDING) {
        size_t n = request_key_of(key, e);
        if (n == 0)
            return LEDGER_OK;
        for (size_t i = 0; i < d->requests_count; i++) {
            vrequest *r = &d->requests[i];
            if (r->seq != LEDGER_SEQ_NONE && r->key_len == n && memcmp(r->key, key, n) == 0)
                return vfail(d, "entry %llu: a second open request for one action",
                             (unsigned long long)seq);
        }
        if (!grow((void **)&d->requests, &d->requests_cap, d->requests_count,
                  sizeof *d->requests))
            return LEDGER_NOMEM;
        vrequest *r = &d->requests[d->requests_count++];
        memcpy(r->key, key, n);
        r->key_len = n;
        r->seq = seq;
        d->requests_open++;
        return LEDGER_OK;
    }
    if ((e->kind != LEDGER_KIND_POST && e->kind != LEDGER_KIND_VOID) || ref == NULL)
        return LEDGER_OK;
    if (e->kind == LEDGER_KIND_POST && e->principal.len == ref->principal.len &&
        memcmp(e->principal.p, ref->principal.p, e->principal.len) == 0)
        return vfail(d, "entry %llu: approved by the principal who asked for it",
                     (unsigned long long)seq);
    for (size_t i = d->requests_count; i-- > 0;) {
        if (d->requests[i].seq == e->ref) {
            d->requests[i].seq = LEDGER_SEQ_NONE;
            d->requests_open--;
            break;
        }
    }
    return LEDGER_OK;
}

static int vpart_cmp(const void *a, const void *b)
{
    const vpart *x = a, *y = b;
    if (x->programme != y->programme)
        return x->programme < y->programme ? -1 : 1;
    int c = strcmp(x->id, y->id);
    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

static bool cs_eq(codec_str s, const char *t)
{
    return strlen(t) == s.len && memcmp(s.p, t, s.len) == 0;
}

/* One participant's leaves (sorted, first..last) against its record. */
static int participant_compare(vdomain *d, MDB_txn *txn, ledger *l, const vpart *first,
                               const vpart *last)
{
    bool erased = false;
    for (const vpart *v = first; v <= last; v++) {
        if ((v == first) != (v->event == CODEC_PARTICIPANT_ENROL))
            return vfail(d, "participant %s: not enrolled exactly once, first", first->id);
        erased |= v->event == CODEC_PARTICIPANT_ERASE;
    }
    ledger_participant rec;
    codec_participant c;
    MDB_val k, v;
    uint8_t key[8];
    be64_put(key, last->seq);
    k.mv_size = sizeof key;
    k.mv_data = key;
    if (participant_load(txn, l, first->programme, first->id, &rec) != LEDGER_OK)
        return vfail(d, "participant %s: stored record missing", first->id);
    if (mdb_get(txn, l->dbi_entries, &k, &v) != MDB_SUCCESS ||
        codec_participant_decode(&c, v.mv_data, v.mv_size) != 0)
        return LEDGER_CORRUPT;
    if (!cs_eq(c.id, rec.id) || c.sex != rec.sex || c.birth_year != rec.birth_year ||
        !cs_eq(c.wg_ss, rec.wg_ss) || !cs_eq(c.admin1, rec.admin1) ||
        !cs_eq(c.admin2, rec.admin2) || c.category != rec.category ||
        !cs_eq(c.cohort, rec.cohort) || c.phase != rec.phase || !cs_eq(c.cso, rec.cso) ||
        !cs_eq(c.hold, rec.hold) || rec.erased != erased || rec.enrolled_seq != first->seq ||
        rec.name[0] != '\0' || rec.phone[0] != '\0')
        return vfail(d, "participant %s: stored record differs from its last leaf", first->id);
    return LEDGER_OK;
}

static uint64_t domain_count(MDB_txn *txn, ledger *l)
{
    MDB_stat st;
    return mdb_stat(txn, l->dbi_domain, &st) == MDB_SUCCESS ? st.ms_entries : UINT64_MAX;
}

int vdomain_compare(vdomain *d, MDB_txn *txn, ledger *l, uint32_t programmes_count)
{
    uint64_t expected = 0;
    if (d->parts_count > 1)
        qsort(d->parts, d->parts_count, sizeof *d->parts, vpart_cmp);
    for (size_t i = 0; i < d->parts_count;) {
        size_t j = i;
        while (j + 1 < d->parts_count && d->parts[j + 1].programme == d->parts[i].programme &&
               strcmp(d->parts[j + 1].id, d->parts[i].id) == 0)
            j++;
        int err = participant_compare(d, txn, l, &d->parts[i], &d->parts[j]);
        if (err != LEDGER_OK)
            return err;
        expected++;
        i = j + 1;
    }
    for (uint32_t p = 1; p <= programmes_count; p++) {
        ledger_settings got;
        closure_rec c;
        if (!d->settings_seen[p])
            return vfail(d, "programme %u has no settings leaf", p);
        if (settings_load(txn, l, p, &got) != LEDGER_OK ||
            memcmp(&got, &d->settings[p], sizeof got) != 0)
            return vfail(d, "programme %u: stored settings differ from the last settings leaf",
                         p);
        expected++;
        if (d->closure_seen[p]) {
            if (closure_load(txn, l, p, &c) != LEDGER_OK ||
                c.closed_through != d->closures[p].closed_through ||
                c.request_seq != d->closures[p].request_seq ||
                c.request_through != d->closures[p].request_through ||
                strcmp(c.request_principal, d->closures[p].request_principal) != 0)
                return vfail(d, "programme %u: stored closure differs from the closure leaves",
                             p);
            expected++;
        }
    }
    for (size_t i = 0; i < d->requests_count; i++) {
        const vrequest *r = &d->requests[i];
        uint8_t seq[8];
        if (r->seq == LEDGER_SEQ_NONE)
            continue;
        if (domain_get(txn, l, r->key, r->key_len, seq, sizeof seq) != LEDGER_OK ||
            be64_get(seq) != r->seq)
            return vfail(d, "open request of entry %llu is not stored",
                         (unsigned long long)r->seq);
    }
    expected += d->requests_open;
    int err = vgroups_compare(d, txn, l, &expected);
    if (err != LEDGER_OK)
        return err;
    if (domain_count(txn, l) != expected)
        return vfail(d, "the domain database holds records no leaf made");
    return LEDGER_OK;
}
