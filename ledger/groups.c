/*
 * groups.c — savings groups (VSLA): groups and members, cycles, the typed
 * group operations posted at meetings (share purchases, social fund, loans,
 * repayments), the meeting's cash count, and the share-out that closes a
 * cycle.
 *
 * Every change of a group is a group leaf (type 10); the "domain"
 * database keeps the group ('G'), its members ('M', and 'N' by the order
 * they joined). Money moves only through entries, posted by the same rules
 * as every other (post.c), with their legs derived here.
 *
 * Must never: lend from the social fund or above the loan fund, sell part
 * of a share or more shares at a meeting than the cycle allows, share out
 * while a member owes the group, or let a share-out touch the social fund.
 */
#include "ledger/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

static size_t group_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, const char *group)
{
    return domain_key(out, programme, 'G', group, strlen(group));
}

static size_t member_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, char kind,
                         const char *group, const void *sub, size_t sub_len)
{
    uint8_t s[LEDGER_GROUP_ID_MAX + 1 + LEDGER_PARTICIPANT_ID_MAX];
    size_t n = strlen(group);
    memcpy(s, group, n);
    s[n] = ':';
    memcpy(s + n + 1, sub, sub_len);
    return domain_key(out, programme, kind, s, n + 1 + sub_len);
}

int group_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *group, group_rec *out)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = group ? strlen(group) : 0;
    if (n == 0 || n > LEDGER_GROUP_ID_MAX)
        return LEDGER_UNKNOWN_GROUP;
    int err = domain_get(txn, l, key, group_key(key, programme, group), out, sizeof *out);
    return err == LEDGER_NOT_FOUND ? LEDGER_UNKNOWN_GROUP : err;
}

static int group_store(MDB_txn *txn, ledger *l, uint32_t programme, const group_rec *g)
{
    uint8_t key[DOMAIN_KEY_MAX];
    return domain_put(txn, l, key, group_key(key, programme, g->id), g, sizeof *g);
}

int member_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *group,
                const char *participant, member_rec *out)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = participant ? strlen(participant) : 0;
    if (n == 0 || n > LEDGER_PARTICIPANT_ID_MAX)
        return LEDGER_NOT_A_MEMBER;
    int err = domain_get(txn, l, key, member_key(key, programme, 'M', group, participant, n),
                         out, sizeof *out);
    return err == LEDGER_NOT_FOUND ? LEDGER_NOT_A_MEMBER : err;
}

static int member_store(MDB_txn *txn, ledger *l, uint32_t programme, const char *group,
                        const member_rec *m)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = member_key(key, programme, 'M', group, m->participant, strlen(m->participant));
    return domain_put(txn, l, key, n, m, sizeof *m);
}

/* The member of a group with this number (1..members). */
static int member_by_number(MDB_txn *txn, ledger *l, uint32_t programme, const char *group,
                            uint32_t number, member_rec *out)
{
    uint8_t key[DOMAIN_KEY_MAX], nb[4];
    char who[LEDGER_PARTICIPANT_ID_MAX + 1];
    be32_put(nb, number);
    size_t n = member_key(key, programme, 'N', group, nb, sizeof nb);
    MDB_val k = {n, key}, v;
    int rc = mdb_get(txn, l->dbi_domain, &k, &v);
    if (rc != MDB_SUCCESS)
        return rc == MDB_NOTFOUND ? LEDGER_CORRUPT : ledger_map_err(rc);
    if (v.mv_size == 0 || v.mv_size > LEDGER_PARTICIPANT_ID_MAX)
        return LEDGER_CORRUPT;
    memcpy(who, v.mv_data, v.mv_size);
    who[v.mv_size] = '\0';
    int err = member_load(txn, l, programme, group, who, out);
    return err == LEDGER_NOT_A_MEMBER ? LEDGER_CORRUPT : err;
}

static codec_str cstr(const char *s)
{
    return (codec_str){s, (uint16_t)strlen(s)};
}

static int group_leaf(batch *b, const codec_group *g)
{
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    if (codec_group_encode(leaf, sizeof leaf, &len, g) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

static void leaf_init(codec_group *c, uint32_t programme, uint8_t event, const char *partner,
                      const char *principal, const group_rec *g)
{
    memset(c, 0, sizeof *c);
    c->programme = programme;
    c->event = event;
    c->partner = cstr(partner);
    c->principal = cstr(principal);
    c->group = cstr(g->id);
    c->name = cstr("");
    c->cso = cstr("");
    c->participant = cstr("");
}

static int64_t balance_of(MDB_txn *txn, ledger *l, uint32_t programme, const char *fmt,
                          const char *group, const char *participant, int *err)
{
    char code[LEDGER_CODE_MAX + 1];
    uint64_t id;
    acct_rec a;
    snprintf(code, sizeof code, fmt, group, participant ? participant : "");
    if (*err != LEDGER_OK)
        return 0;
    *err = acct_id_by_code(txn, l, programme, code, strlen(code), &id);
    if (*err == LEDGER_OK)
        *err = acct_load(txn, l, id, &a);
    if (*err == LEDGER_UNKNOWN_ACCOUNT)
        *err = LEDGER_CORRUPT; /* opened with the group or the member */
    return *err == LEDGER_OK ? acct_balance(&a) : 0;
}

/* One write batch of a group's, after the checks every one makes. */
static int run_batch(ledger *l, batch_fn fn, void *ctx, const char *partner,
                     const char *principal)
{
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (!ledger_who_valid(partner, principal))
        return LEDGER_INVALID_FIELD;
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, fn, ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

/* ---- groups and members ---- */

typedef struct group_ctx {
    const char *programme, *partner, *principal, *group;
    const char *name;                /* create */
    const char *const *participants; /* members */
    size_t count;
    int *results;
    const ledger_cycle *cycle;  /* open */
    uint32_t date;              /* meeting, close */
    const char *const *present; /* meeting */
    size_t present_count;
    int64_t cash_counted;
    const ledger_entry_in *entries;
    uint32_t entries_count;
    ledger_result *entry_results;
    ledger_meeting_report *meeting;
    ledger_share_out_report *share_out;
} group_ctx;

/* The programme and group a call names, in the batch. */
static int ctx_group(batch *b, const group_ctx *c, programme_rec *p, group_rec *g)
{
    int err = programme_by_name(b->txn, b->l, c->programme, p);
    return err == LEDGER_OK ? group_load(b->txn, b->l, p->id, c->group, g) : err;
}

static int create_fn(ledger *l, void *vctx, batch *b)
{
    group_ctx *c = vctx;
    programme_rec p;
    group_rec g;
    uint64_t next;
    static const char *const accounts[] = {"cash", "social", "income"};
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err != LEDGER_OK)
        return err;
    err = group_load(b->txn, l, p.id, c->group, &g);
    if (err == LEDGER_OK)
        return LEDGER_GROUP_EXISTS;
    if (err != LEDGER_UNKNOWN_GROUP)
        return err;
    memset(&g, 0, sizeof g);
    snprintf(g.id, sizeof g.id, "%s", c->group);
    snprintf(g.name, sizeof g.name, "%s", c->name ? c->name : "");
    snprintf(g.cso, sizeof g.cso, "%s", c->partner);
    codec_group leaf;
    leaf_init(&leaf, p.id, CODEC_GROUP_CREATE, c->partner, c->principal, &g);
    leaf.name = cstr(g.name);
    leaf.cso = cstr(g.cso);
    err = group_leaf(b, &leaf);
    if (err == LEDGER_OK)
        err = next_id_get(b->txn, l, "account_next", &next);
    for (size_t i = 0; err == LEDGER_OK && i < 3; i++) {
        char code[LEDGER_CODE_MAX + 1];
        snprintf(code, sizeof code, "group:%s:%s", g.id, accounts[i]);
        err = account_open_in(b, p.id, code, &next);
        if (err == LEDGER_ACCOUNT_EXISTS)
            return err; /* opened by hand before the group existed */
    }
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "account_next", next);
    if (err == LEDGER_OK)
        err = group_store(b->txn, l, p.id, &g);
    return err;
}

int ledger_group_create(ledger *l, const char *programme, const char *partner,
                        const char *principal, const char *group, const char *name)
{
    if (l == NULL || programme == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!ledger_id_valid(group, LEDGER_GROUP_ID_MAX) ||
        !ledger_text_valid(name, LEDGER_GROUP_NAME_MAX))
        return LEDGER_INVALID_FIELD;
    group_ctx c = {.programme = programme,
                   .partner = partner,
                   .principal = principal,
                   .group = group,
                   .name = name};
    return run_batch(l, create_fn, &c, partner, principal);
}

static int member_add(batch *b, const programme_rec *p, const group_ctx *c, group_rec *g,
                      const char *who, uint64_t *next)
{
    ledger *l = b->l;
    ledger_participant person;
    member_rec m;
    int err = participant_load(b->txn, l, p->id, who, &person);
    if (err != LEDGER_OK)
        return err;
    err = member_load(b->txn, l, p->id, g->id, who, &m);
    if (err == LEDGER_OK)
        return LEDGER_EXISTS;
    if (err != LEDGER_NOT_A_MEMBER)
        return err;
    if (g->members >= LEDGER_GROUP_MEMBERS_MAX)
        return LEDGER_INVALID_FIELD;
    memset(&m, 0, sizeof m);
    snprintf(m.participant, sizeof m.participant, "%s", who);
    m.number = ++g->members;
    codec_group leaf;
    leaf_init(&leaf, p->id, CODEC_GROUP_MEMBER, c->partner, c->principal, g);
    leaf.participant = cstr(m.participant);
    leaf.member_number = m.number;
    err = group_leaf(b, &leaf);
    static const char *const accounts[] = {"member", "loan"};
    for (size_t i = 0; err == LEDGER_OK && i < 2; i++) {
        char code[LEDGER_CODE_MAX + 1];
        snprintf(code, sizeof code, "group:%s:%s:%s", g->id, accounts[i], who);
        err = account_open_in(b, p->id, code, next);
    }
    if (err == LEDGER_OK)
        err = member_store(b->txn, l, p->id, g->id, &m);
    if (err == LEDGER_OK) {
        uint8_t key[DOMAIN_KEY_MAX], nb[4];
        be32_put(nb, m.number);
        size_t n = member_key(key, p->id, 'N', g->id, nb, sizeof nb);
        err = domain_put(b->txn, l, key, n, m.participant, strlen(m.participant));
    }
    /* Past the checks, a failure is the storage's. */
    return (err == LEDGER_OK || err == LEDGER_ERR_MAP_FULL) ? err : LEDGER_CORRUPT;
}

static int members_fn(ledger *l, void *vctx, batch *b)
{
    group_ctx *c = vctx;
    programme_rec p;
    group_rec g;
    uint64_t next;
    int err = ctx_group(b, c, &p, &g);
    if (err == LEDGER_OK)
        err = next_id_get(b->txn, l, "account_next", &next);
    for (size_t i = 0; err == LEDGER_OK && i < c->count; i++) {
        int r = member_add(b, &p, c, &g, c->participants[i], &next);
        if (r == LEDGER_CORRUPT || r == LEDGER_ERR_MAP_FULL || r == LEDGER_STORAGE)
            return r;
        c->results[i] = r;
    }
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "account_next", next);
    if (err == LEDGER_OK)
        err = group_store(b->txn, l, p.id, &g);
    return err;
}

int ledger_group_members_add(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *group,
                             const char *const *participants, size_t count, int *results)
{
    if (l == NULL || programme == NULL || group == NULL ||
        (count > 0 && (participants == NULL || results == NULL)) ||
        count > LEDGER_GROUP_MEMBERS_MAX)
        return LEDGER_INVALID_ARGUMENT;
    group_ctx c = {.programme = programme,
                   .partner = partner,
                   .principal = principal,
                   .group = group,
                   .participants = participants,
                   .count = count,
                   .results = results};
    return run_batch(l, members_fn, &c, partner, principal);
}

/* ---- cycles ---- */

static bool cycle_valid(const ledger_cycle *c)
{
    return c->share_price > 0 && c->shares_min >= 1 && c->shares_min <= c->shares_max &&
           c->shares_max <= LEDGER_SHARES_PER_MEETING_MAX &&
           c->service_charge_bp <= LEDGER_RATE_BP_MAX && ledger_date_valid(c->start) &&
           ledger_date_valid(c->planned_end) && c->start <= c->planned_end;
}

static void leaf_cycle(codec_group *leaf, const ledger_cycle *c)
{
    leaf->cycle = c->number;
    leaf->share_price = c->share_price;
    leaf->shares_min = c->shares_min;
    leaf->shares_max = c->shares_max;
    leaf->service_charge_bp = c->service_charge_bp;
    leaf->start = c->start;
    leaf->planned_end = c->planned_end;
}

static int open_fn(ledger *l, void *vctx, batch *b)
{
    group_ctx *c = vctx;
    programme_rec p;
    group_rec g;
    int err = ctx_group(b, c, &p, &g);
    if (err != LEDGER_OK)
        return err;
    if (g.cycle.open)
        return LEDGER_NO_OPEN_CYCLE; /* one is open already */
    uint32_t number = g.cycle.number + 1;
    g.cycle = *c->cycle;
    g.cycle.number = number;
    g.cycle.open = true;
    g.cycle_seq = b->next_seq;
    g.shares = 0;
    g.meetings = 0;
    g.attendance = 0;
    codec_group leaf;
    leaf_init(&leaf, p.id, CODEC_GROUP_CYCLE_OPEN, c->partner, c->principal, &g);
    leaf_cycle(&leaf, &g.cycle);
    err = group_leaf(b, &leaf);
    return err == LEDGER_OK ? group_store(b->txn, l, p.id, &g) : err;
}

int ledger_cycle_open(ledger *l, const char *programme, const char *partner,
                      const char *principal, const char *group, const ledger_cycle *c)
{
    if (l == NULL || programme == NULL || group == NULL || c == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!cycle_valid(c))
        return LEDGER_INVALID_FIELD;
    group_ctx x = {.programme = programme,
                   .partner = partner,
                   .principal = principal,
                   .group = group,
                   .cycle = c};
    return run_batch(l, open_fn, &x, partner, principal);
}

/* ---- typed group operations ---- */

int group_reversal_check(batch *b, uint32_t programme, uint64_t seq, const ledger_tags *tags)
{
    group_rec g;
    int err = group_load(b->txn, b->l, programme, tags->group, &g);
    if (err != LEDGER_OK)
        return err == LEDGER_UNKNOWN_GROUP ? LEDGER_CORRUPT : err;
    /* Bought in an earlier cycle: shared out already. */
    if (!g.cycle.open || seq < g.cycle_seq || g.cycle.share_price <= 0)
        return LEDGER_NO_OPEN_CYCLE;
    return LEDGER_OK;
}

bool op_of_group(uint16_t op)
{
    return op >= LEDGER_OP_SHARE_PURCHASE && op <= LEDGER_OP_SHARE_OUT;
}

static void leg_add(domain_entry *d, const char *code, ledger_side side, int64_t amount)
{
    unsigned i = d->legs_count;
    snprintf(d->codes[i], sizeof d->codes[i], "%s", code);
    d->legs[i] = (ledger_leg_in){d->codes[i], side, amount};
    d->legs_count++;
}

static bool legs_touch_social(const ledger_entry_in *in)
{
    for (uint32_t i = 0; i < in->legs_count && i < LEDGER_LEGS_MAX; i++) {
        const char *c = in->legs[i].account;
        size_t n = c ? strlen(c) : 0;
        if (n > 7 && strncmp(c, "group:", 6) == 0 && strcmp(c + n - 7, ":social") == 0)
            return true;
    }
    return false;
}

static int share_purchase_legs(const ledger_entry_in *in, const group_rec *g,
                               const member_rec *m, domain_entry *d, const char *cash,
                               const char *member)
{
    const ledger_cycle *c = &g->cycle;
    if (in->shares == 0)
        return LEDGER_SHARE_LIMIT;
    uint64_t at_meeting = m->meeting_date == in->value_date ? m->meeting_shares : 0;
    if ((at_meeting == 0 && in->shares < c->shares_min) ||
        at_meeting + in->shares > c->shares_max)
        return LEDGER_SHARE_LIMIT;
    if (c->share_price > INT64_MAX / (int64_t)in->shares)
        return LEDGER_OVERFLOW;
    int64_t amount = c->share_price * (int64_t)in->shares;
    if (in->amount != 0 && in->amount != amount)
        return LEDGER_INVALID_AMOUNT;
    d->shares = in->shares;
    if (in->from_wallet) {
        /* Money leaves programme custody into the group: four legs. */
        char wallet[LEDGER_CODE_MAX + 1], mfi[LEDGER_CODE_MAX + 1];
        const char *who =
            in->cash_partner && in->cash_partner[0] ? in->cash_partner : in->partner;
        snprintf(wallet, sizeof wallet, "participant:%s:wallet", in->participant);
        if (snprintf(mfi, sizeof mfi, "partner:%s:cash", who) > LEDGER_CODE_MAX)
            return LEDGER_INVALID_FIELD;
        leg_add(d, wallet, LEDGER_DEBIT, amount);
        leg_add(d, mfi, LEDGER_CREDIT, amount);
    }
    leg_add(d, cash, LEDGER_DEBIT, amount);
    leg_add(d, member, LEDGER_CREDIT, amount);
    d->amount = amount;
    return LEDGER_OK;
}

int group_entry_derive(batch *b, const programme_rec *p, const ledger_entry_in *in,
                       domain_entry *d)
{
    char cash[LEDGER_CODE_MAX + 1], member[LEDGER_CODE_MAX + 1], loan[LEDGER_CODE_MAX + 1];
    char social[LEDGER_CODE_MAX + 1], income[LEDGER_CODE_MAX + 1];
    group_rec g;
    member_rec m;
    if (in->op == LEDGER_OP_SHARE_OUT) {
        /* Posted only by ledger_cycle_close, never from the social fund. */
        if (!b->share_out || legs_touch_social(in))
            return LEDGER_SOCIAL_FUND_KEPT;
        return LEDGER_OK;
    }
    int err = group_load(b->txn, b->l, p->id, in->group, &g);
    if (err == LEDGER_OK)
        err = member_load(b->txn, b->l, p->id, g.id, in->participant, &m);
    if (err != LEDGER_OK)
        return err;
    if (!g.cycle.open)
        return LEDGER_NO_OPEN_CYCLE;
    snprintf(d->tags.group, sizeof d->tags.group, "%s", g.id);
    snprintf(cash, sizeof cash, "group:%s:cash", g.id);
    snprintf(member, sizeof member, "group:%s:member:%s", g.id, m.participant);
    snprintf(loan, sizeof loan, "group:%s:loan:%s", g.id, m.participant);
    snprintf(social, sizeof social, "group:%s:social", g.id);
    snprintf(income, sizeof income, "group:%s:income", g.id);
    d->legs_count = 0;
    if (in->op == LEDGER_OP_SHARE_PURCHASE)
        return share_purchase_legs(in, &g, &m, d, cash, member);
    if (in->from_wallet || in->shares != 0 || in->days != 0)
        return LEDGER_INVALID_FIELD;
    int64_t amount = in->amount;
    if (amount <= 0)
        return LEDGER_INVALID_AMOUNT;
    d->amount = amount;
    switch (in->op) {
    case LEDGER_OP_SOCIAL_FUND:
        leg_add(d, cash, LEDGER_DEBIT, amount);
        leg_add(d, social, LEDGER_CREDIT, amount);
        return LEDGER_OK;
    case LEDGER_OP_GROUP_LOAN: {
        /* The loan fund: the group's cash less its social fund. */
        int64_t c = balance_of(b->txn, b->l, p->id, "group:%s:cash%s", g.id, NULL, &err);
        int64_t sf = balance_of(b->txn, b->l, p->id, "group:%s:social%s", g.id, NULL, &err);
        if (err != LEDGER_OK)
            return err;
        if (amount > c - sf)
            return LEDGER_LOAN_ABOVE_FUND;
        leg_add(d, loan, LEDGER_DEBIT, amount);
        leg_add(d, cash, LEDGER_CREDIT, amount);
        return LEDGER_OK;
    }
    case LEDGER_OP_LOAN_REPAYMENT: {
        int64_t charge = capital_of_wage(amount, g.cycle.service_charge_bp);
        if (amount > INT64_MAX - charge)
            return LEDGER_OVERFLOW;
        leg_add(d, cash, LEDGER_DEBIT, amount + charge);
        leg_add(d, loan, LEDGER_CREDIT, amount);
        if (charge > 0)
            leg_add(d, income, LEDGER_CREDIT, charge);
        return LEDGER_OK;
    }
    default:
        return LEDGER_INVALID_FIELD;
    }
}

int group_entry_done(batch *b, const programme_rec *p, const domain_entry *d,
                     const codec_entry *e)
{
    group_rec g;
    member_rec m;
    bool bought = e->op == LEDGER_OP_SHARE_PURCHASE && e->kind == LEDGER_KIND_POSTED;
    bool undone = e->kind == LEDGER_KIND_REVERSAL && d->ref_op == LEDGER_OP_SHARE_PURCHASE;
    if (!bought && !undone)
        return LEDGER_OK;
    int err = group_load(b->txn, b->l, p->id, d->tags.group, &g);
    if (err == LEDGER_OK)
        err = member_load(b->txn, b->l, p->id, g.id, d->tags.participant, &m);
    if (err != LEDGER_OK)
        return err == LEDGER_UNKNOWN_GROUP || err == LEDGER_NOT_A_MEMBER ? LEDGER_CORRUPT : err;
    if (undone) {
        /* A share purchase reversed in its cycle (group_reversal_check):
         * its shares go too. */
        uint64_t shares = (uint64_t)(e->legs[0].amount / g.cycle.share_price);
        if (!g.cycle.open || shares > m.shares)
            return LEDGER_CORRUPT;
        m.shares -= shares;
        g.shares -= shares;
        if (m.meeting_date == d->ref_value_date && m.meeting_shares >= shares)
            m.meeting_shares -= (uint32_t)shares;
        err = member_store(b->txn, b->l, p->id, g.id, &m);
        return err == LEDGER_OK ? group_store(b->txn, b->l, p->id, &g) : err;
    }
    if (m.meeting_date != e->value_date) {
        m.meeting_date = e->value_date;
        m.meeting_shares = 0;
    }
    m.meeting_shares += d->shares;
    m.shares += d->shares;
    g.shares += d->shares;
    err = member_store(b->txn, b->l, p->id, g.id, &m);
    return err == LEDGER_OK ? group_store(b->txn, b->l, p->id, &g) : err;
}

/* ---- meetings ---- */

/* The report of a meeting already recorded (leaf at `seq`). */
static int meeting_recorded(batch *b, uint64_t seq, ledger_meeting_report *rep)
{
    uint8_t key[8];
    codec_group leaf;
    be64_put(key, seq);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(b->txn, b->l->dbi_entries, &k, &v);
    if (rc != MDB_SUCCESS || codec_group_decode(&leaf, v.mv_data, v.mv_size) != 0 ||
        leaf.event != CODEC_GROUP_MEETING)
        return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? LEDGER_CORRUPT : ledger_map_err(rc);
    rep->seq = seq;
    rep->cash_expected = leaf.cash_expected;
    rep->cash_counted = leaf.cash_counted;
    rep->difference = leaf.cash_counted - leaf.cash_expected;
    rep->present = 0;
    for (size_t i = 0; i < CODEC_PRESENT_BYTES; i++)
        for (uint8_t bits = leaf.present[i]; bits; bits &= (uint8_t)(bits - 1))
            rep->present++;
    rep->repeated = true;
    return LEDGER_OK;
}

static int meeting_fn(ledger *l, void *vctx, batch *b)
{
    group_ctx *c = vctx;
    programme_rec p;
    group_rec g;
    codec_group leaf;
    int err = ctx_group(b, c, &p, &g);
    if (err != LEDGER_OK)
        return err;
    if (!g.cycle.open)
        return LEDGER_NO_OPEN_CYCLE;
    leaf_init(&leaf, p.id, CODEC_GROUP_MEETING, c->partner, c->principal, &g);
    uint32_t present = 0;
    for (size_t i = 0; i < c->present_count; i++) {
        member_rec m;
        err = member_load(b->txn, l, p.id, g.id, c->present[i], &m);
        if (err != LEDGER_OK)
            return err;
        uint8_t bit = (uint8_t)(1u << ((m.number - 1) % 8));
        if (!(leaf.present[(m.number - 1) / 8] & bit))
            present++;
        leaf.present[(m.number - 1) / 8] |= bit;
    }
    ledger_request r = {c->entries, c->entries_count, false, c->entry_results};
    err = entries_apply(b, &r);
    if (err != LEDGER_OK)
        return err;
    /* One meeting a day: a retry posts what it has not yet and answers
     * with the meeting recorded, never a second one. */
    uint8_t mkey[DOMAIN_KEY_MAX], db[4], seqb[8];
    be32_put(db, c->date);
    size_t mkey_len = member_key(mkey, p.id, 'T', g.id, db, sizeof db);
    err = domain_get(b->txn, l, mkey, mkey_len, seqb, sizeof seqb);
    if (err == LEDGER_OK)
        return meeting_recorded(b, be64_get(seqb), c->meeting);
    if (err != LEDGER_NOT_FOUND)
        return err;
    be64_put(seqb, b->next_seq);
    err = domain_put(b->txn, l, mkey, mkey_len, seqb, sizeof seqb);
    if (err != LEDGER_OK)
        return err;
    /* Reload: the share purchases moved the counts on. */
    err = group_load(b->txn, l, p.id, c->group, &g);
    int64_t expected = balance_of(b->txn, l, p.id, "group:%s:cash%s", g.id, NULL, &err);
    if (err != LEDGER_OK)
        return err;
    leaf.cycle = g.cycle.number;
    leaf.date = c->date;
    leaf.cash_expected = expected;
    leaf.cash_counted = c->cash_counted;
    ledger_meeting_report *rep = c->meeting;
    rep->seq = b->next_seq;
    rep->cash_expected = expected;
    rep->cash_counted = c->cash_counted;
    rep->difference = c->cash_counted - expected;
    rep->present = present;
    err = group_leaf(b, &leaf);
    g.meetings++;
    g.attendance += present;
    return err == LEDGER_OK ? group_store(b->txn, l, p.id, &g) : err;
}

int ledger_group_meeting(ledger *l, const char *programme, const char *partner,
                         const char *principal, const char *group, uint32_t date,
                         const char *const *present, size_t present_count, int64_t cash_counted,
                         const ledger_entry_in *entries, uint32_t count, ledger_result *results,
                         ledger_meeting_report *report)
{
    if (l == NULL || programme == NULL || group == NULL || report == NULL ||
        (present_count > 0 && present == NULL) || present_count > LEDGER_GROUP_MEMBERS_MAX ||
        (count > 0 && (entries == NULL || results == NULL)) ||
        count > LEDGER_REQUEST_ENTRIES_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (!ledger_date_valid(date))
        return LEDGER_INVALID_DATE;
    if (cash_counted < 0)
        return LEDGER_INVALID_AMOUNT;
    /* A meeting's entries are the group's own operations, on its day. */
    for (uint32_t i = 0; i < count; i++) {
        if (entries[i].group == NULL || strcmp(entries[i].group, group) != 0 ||
            entries[i].value_date != date || entries[i].op < LEDGER_OP_SHARE_PURCHASE ||
            entries[i].op > LEDGER_OP_LOAN_REPAYMENT)
            return LEDGER_INVALID_FIELD;
    }
    ledger_meeting_report rep;
    memset(&rep, 0, sizeof rep);
    group_ctx c = {.programme = programme,
                   .partner = partner,
                   .principal = principal,
                   .group = group,
                   .date = date,
                   .present = present,
                   .present_count = present_count,
                   .cash_counted = cash_counted,
                   .entries = entries,
                   .entries_count = count,
                   .entry_results = results,
                   .meeting = &rep};
    int err = run_batch(l, meeting_fn, &c, partner, principal);
    if (err == LEDGER_OK)
        *report = rep;
    return err;
}

/* ---- share-out ---- */

typedef struct share {
    member_rec m;
    int64_t savings; /* before the share-out */
    int64_t income;  /* its share of the income */
    int64_t rest;    /* (income x shares) mod total: who gets the leftover units */
} share;

/* Largest remainder: floor shares, then one unit each to the largest
 * remainders, ties to the earlier member. Nothing is left undivided. */
static void income_divide(share *s, size_t n, int64_t income, uint64_t total)
{
    int64_t given = 0, t = (int64_t)total;
    for (size_t i = 0; i < n; i++) {
        int64_t sh = (int64_t)s[i].m.shares;
        /* income x sh / t without overflow: t and sh stay far below 2^31. */
        s[i].income = (income / t) * sh + ((income % t) * sh) / t;
        s[i].rest = ((income % t) * sh) % t;
        given += s[i].income;
    }
    for (int64_t left = income - given; left > 0; left--) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (s[i].m.shares > 0 && s[i].rest >= 0 && (best == n || s[i].rest > s[best].rest))
                best = i;
        }
        if (best == n)
            break;
        s[best].income++;
        s[best].rest = -1; /* one unit each */
    }
}

#define SHARE_OUT_LEGS (LEDGER_LEGS_MAX - 1) /* one side's legs per entry */

static int share_out_post(batch *b, group_ctx *c, const group_rec *g, share *s, size_t n,
                          int64_t income)
{
    ledger_entry_in e[2 * (LEDGER_GROUP_MEMBERS_MAX / SHARE_OUT_LEGS + 1)];
    ledger_result res[sizeof e / sizeof e[0]];
    char ids[sizeof e / sizeof e[0]][LEDGER_CLIENT_ID_MAX + 1];
    char codes[LEDGER_GROUP_MEMBERS_MAX + 2][LEDGER_CODE_MAX + 1];
    uint32_t count = 0;
    snprintf(codes[n], sizeof codes[n], "group:%s:income", g->id);
    snprintf(codes[n + 1], sizeof codes[n + 1], "group:%s:cash", g->id);
    for (size_t i = 0; i < n; i++)
        snprintf(codes[i], sizeof codes[i], "group:%s:member:%s", g->id, s[i].m.participant);
    /* Pass 1 spreads the income over the members' savings; pass 2 pays
     * every member out of the cash. */
    for (int pass = 0; pass < 2; pass++) {
        size_t i = 0;
        while (i < n) {
            ledger_entry_in *x = &e[count];
            memset(x, 0, sizeof *x);
            int64_t sum = 0;
            uint32_t legs = 1;
            for (; i < n && legs < LEDGER_LEGS_MAX; i++) {
                int64_t amount = pass == 0 ? s[i].income : s[i].savings + s[i].income;
                if (amount <= 0)
                    continue;
                x->legs[legs++] =
                    (ledger_leg_in){codes[i], pass == 0 ? LEDGER_CREDIT : LEDGER_DEBIT, amount};
                sum += amount;
            }
            if (legs == 1)
                continue;
            x->legs[0] = (ledger_leg_in){codes[pass == 0 ? n : n + 1],
                                         pass == 0 ? LEDGER_DEBIT : LEDGER_CREDIT, sum};
            x->legs_count = legs;
            snprintf(ids[count], sizeof ids[count],
                     LEDGER_RESERVED_ID_PREFIX "share-out:%s:%u:%u", g->id, g->cycle.number,
                     count + 1);
            x->programme = c->programme;
            x->kind = LEDGER_KIND_POSTED;
            x->op = LEDGER_OP_SHARE_OUT;
            x->partner = c->partner;
            x->principal = c->principal;
            x->client_id = ids[count];
            x->value_date = c->date;
            x->group = g->id;
            if (pass == 1)
                c->share_out->paid += sum;
            count++;
        }
    }
    (void)income;
    if (count == 0)
        return LEDGER_OK;
    ledger_request r = {e, count, true, res};
    b->share_out = true;
    int err = entries_apply_atomic(b, &r);
    b->share_out = false;
    for (uint32_t i = 0; err == LEDGER_OK && i < count; i++) {
        if (res[i].err != LEDGER_OK)
            err = res[i].err == LEDGER_LINKED_ENTRY_FAILED ? LEDGER_OK : LEDGER_CORRUPT;
    }
    c->share_out->entries = count;
    return err;
}

static int close_fn(ledger *l, void *vctx, batch *b)
{
    group_ctx *c = vctx;
    programme_rec p;
    group_rec g;
    share *s = NULL;
    int err = ctx_group(b, c, &p, &g);
    if (err != LEDGER_OK)
        return err;
    if (!g.cycle.open)
        return LEDGER_NO_OPEN_CYCLE;
    s = calloc(g.members ? g.members : 1, sizeof *s);
    if (s == NULL)
        return LEDGER_NOMEM;
    int64_t owed = 0;
    for (uint32_t i = 0; err == LEDGER_OK && i < g.members; i++) {
        err = member_by_number(b->txn, l, p.id, g.id, i + 1, &s[i].m);
        s[i].savings =
            balance_of(b->txn, l, p.id, "group:%s:member:%s", g.id, s[i].m.participant, &err);
        owed += balance_of(b->txn, l, p.id, "group:%s:loan:%s", g.id, s[i].m.participant, &err);
    }
    int64_t income = balance_of(b->txn, l, p.id, "group:%s:income%s", g.id, NULL, &err);
    int64_t social = balance_of(b->txn, l, p.id, "group:%s:social%s", g.id, NULL, &err);
    if (err == LEDGER_OK && owed > 0)
        err = LEDGER_LOANS_OUTSTANDING;
    ledger_share_out_report *rep = c->share_out;
    memset(rep, 0, sizeof *rep);
    if (err == LEDGER_OK) {
        if (g.shares > 0)
            income_divide(s, g.members, income, g.shares);
        else
            income = 0; /* nobody saved: the income waits for the next cycle */
        rep->income = income;
        rep->social_kept = social;
        err = share_out_post(b, c, &g, s, g.members, income);
    }
    for (uint32_t i = 0; err == LEDGER_OK && i < g.members; i++) {
        rep->members_paid += s[i].savings + s[i].income > 0;
        s[i].m.shares = 0;
        s[i].m.meeting_date = 0;
        s[i].m.meeting_shares = 0;
        err = member_store(b->txn, l, p.id, g.id, &s[i].m);
    }
    free(s);
    if (err != LEDGER_OK)
        return err;
    codec_group leaf;
    leaf_init(&leaf, p.id, CODEC_GROUP_CYCLE_CLOSE, c->partner, c->principal, &g);
    leaf_cycle(&leaf, &g.cycle);
    leaf.date = c->date;
    leaf.cash_expected = rep->paid; /* what the share-out paid members */
    leaf.member_number = rep->members_paid;
    err = group_leaf(b, &leaf);
    g.cycle.open = false;
    g.shares = 0;
    g.meetings = 0;
    g.attendance = 0;
    g.last_share_out = rep->paid;
    g.last_share_out_members = rep->members_paid;
    return err == LEDGER_OK ? group_store(b->txn, l, p.id, &g) : err;
}

int ledger_cycle_close(ledger *l, const char *programme, const char *partner,
                       const char *principal, const char *group, uint32_t date,
                       ledger_share_out_report *report)
{
    if (l == NULL || programme == NULL || group == NULL || report == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!ledger_date_valid(date))
        return LEDGER_INVALID_DATE;
    ledger_share_out_report rep;
    group_ctx c = {.programme = programme,
                   .partner = partner,
                   .principal = principal,
                   .group = group,
                   .date = date,
                   .share_out = &rep};
    int err = run_batch(l, close_fn, &c, partner, principal);
    if (err == LEDGER_OK)
        *report = rep;
    return err;
}

/* ---- reading ---- */

int ledger_group_get(ledger *l, const char *programme, const char *group,
                     ledger_group_info *out)
{
    MDB_txn *txn;
    programme_rec p;
    group_rec g;
    ledger_group_info info;
    if (l == NULL || programme == NULL || group == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = group_load(txn, l, p.id, group, &g);
    memset(&info, 0, sizeof info);
    if (err == LEDGER_OK) {
        snprintf(info.id, sizeof info.id, "%s", g.id);
        snprintf(info.name, sizeof info.name, "%s", g.name);
        snprintf(info.cso, sizeof info.cso, "%s", g.cso);
        info.members = g.members;
        info.cycle = g.cycle;
        info.shares = g.shares;
        info.meetings = g.meetings;
        info.attendance = g.attendance;
        info.last_share_out = g.last_share_out;
        info.last_share_out_members = g.last_share_out_members;
        info.cash = balance_of(txn, l, p.id, "group:%s:cash%s", g.id, NULL, &err);
        info.social = balance_of(txn, l, p.id, "group:%s:social%s", g.id, NULL, &err);
        info.income = balance_of(txn, l, p.id, "group:%s:income%s", g.id, NULL, &err);
        info.loan_fund = info.cash - info.social;
    }
    for (uint32_t i = 0; err == LEDGER_OK && i < g.members; i++) {
        member_rec m;
        err = member_by_number(txn, l, p.id, g.id, i + 1, &m);
        info.savings +=
            balance_of(txn, l, p.id, "group:%s:member:%s", g.id, m.participant, &err);
        info.loans_outstanding +=
            balance_of(txn, l, p.id, "group:%s:loan:%s", g.id, m.participant, &err);
    }
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *out = info;
    return err;
}

int ledger_group_members(ledger *l, const char *programme, const char *group,
                         ledger_group_member *out, size_t max, size_t *count_out)
{
    MDB_txn *txn;
    programme_rec p;
    group_rec g;
    if (l == NULL || programme == NULL || group == NULL || (out == NULL && max > 0) ||
        count_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = group_load(txn, l, p.id, group, &g);
    share *s = err == LEDGER_OK ? calloc(g.members ? g.members : 1, sizeof *s) : NULL;
    if (err == LEDGER_OK && s == NULL)
        err = LEDGER_NOMEM;
    int64_t income = 0;
    if (err == LEDGER_OK)
        income = balance_of(txn, l, p.id, "group:%s:income%s", g.id, NULL, &err);
    for (uint32_t i = 0; err == LEDGER_OK && i < g.members; i++)
        err = member_by_number(txn, l, p.id, g.id, i + 1, &s[i].m);
    if (err == LEDGER_OK && g.shares > 0)
        income_divide(s, g.members, income, g.shares);
    size_t count = 0;
    for (uint32_t i = 0; err == LEDGER_OK && i < g.members && count < max; i++) {
        ledger_group_member *o = &out[count++];
        memset(o, 0, sizeof *o);
        snprintf(o->participant, sizeof o->participant, "%s", s[i].m.participant);
        o->number = s[i].m.number;
        o->shares = s[i].m.shares;
        o->income_share = s[i].income;
        o->savings =
            balance_of(txn, l, p.id, "group:%s:member:%s", g.id, s[i].m.participant, &err);
        o->loan = balance_of(txn, l, p.id, "group:%s:loan:%s", g.id, s[i].m.participant, &err);
    }
    ledger_read_end(l, txn);
    free(s);
    if (err == LEDGER_OK)
        *count_out = count;
    return err;
}
