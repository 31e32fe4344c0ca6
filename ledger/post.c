/*
 * post.c — posting entries: the double-entry rules and the group commit.
 *
 * Responsible for deciding, entry by entry, whether it may be posted (fields,
 * idempotency, references, legs, balance, account flags, overdraft,
 * overflow) and, if so, for writing it: the leaf, the account records, the
 * sparse history index, the idempotency key and the link to what it
 * resolves. Every check runs before the first write of an entry, so a
 * refused entry changes nothing and the others of the batch go on.
 * All-or-nothing requests run in a nested transaction that is dropped whole.
 *
 * Must never: post an unbalanced entry, let a no-overdraft account go below
 * zero, post the same client entry id twice, or resolve a pending entry or
 * reverse an entry more than once.
 */
#include "ledger/domain.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors that stop the whole commit (nothing is written) rather than
 * refusing one entry. */
static bool err_is_fatal(int err)
{
    return err == LEDGER_STORAGE || err == LEDGER_NOMEM || err == LEDGER_IO ||
           err == LEDGER_CORRUPT || err == LEDGER_ERR_MAP_FULL || err == LEDGER_MAP_LIMIT;
}

static bool history_kind(uint8_t kind)
{
    return kind == LEDGER_KIND_POSTED || kind == LEDGER_KIND_POST ||
           kind == LEDGER_KIND_REVERSAL;
}

int64_t acct_balance(const acct_rec *a)
{
    /* Both totals are in [0, INT64_MAX], so the difference cannot overflow. */
    return acct_debit_normal(a->type) ? a->debits_posted - a->credits_posted
                                      : a->credits_posted - a->debits_posted;
}

static int add_checked(int64_t *total, int64_t amount)
{
    if (amount < 0 || *total > INT64_MAX - amount)
        return LEDGER_OVERFLOW;
    *total += amount;
    return LEDGER_OK;
}

int acct_apply_leg(acct_rec *a, ledger_kind kind, ledger_side side, int64_t amount, bool checks,
                   bool correction)
{
    acct_rec c = *a;
    bool debit = side == LEDGER_DEBIT;
    bool debit_normal = acct_debit_normal(c.type);
    bool reduces = debit_normal ? !debit : debit; /* the leg takes money out */
    int64_t *posted = debit ? &c.debits_posted : &c.credits_posted;
    int64_t *pending = debit ? &c.debits_pending : &c.credits_pending;
    int err = LEDGER_OK;

    if (checks && (c.flags & LEDGER_FLAG_CLOSED) && kind != LEDGER_KIND_VOID)
        return LEDGER_ACCOUNT_CLOSED;
    /* A lock stops money leaving; corrections (reversals, also while they
     * await approval) and releasing a reservation (void) are not money
     * leaving. */
    if (checks && (c.flags & LEDGER_FLAG_LOCKED) && reduces && kind != LEDGER_KIND_REVERSAL &&
        kind != LEDGER_KIND_VOID && !correction)
        return LEDGER_ACCOUNT_LOCKED;

    switch (kind) {
    case LEDGER_KIND_POSTED:
    case LEDGER_KIND_REVERSAL:
        err = add_checked(posted, amount);
        break;
    case LEDGER_KIND_PENDING:
        err = add_checked(pending, amount);
        break;
    case LEDGER_KIND_POST:
    case LEDGER_KIND_VOID:
        if (*pending < amount)
            return LEDGER_CORRUPT; /* the pending amounts were recorded with it */
        *pending -= amount;
        if (kind == LEDGER_KIND_POST)
            err = add_checked(posted, amount);
        break;
    default:
        return LEDGER_INVALID_ARGUMENT;
    }
    if (err != LEDGER_OK)
        return err;

    if (checks && (c.flags & LEDGER_FLAG_NO_OVERDRAFT) && reduces && kind != LEDGER_KIND_VOID) {
        /* Reserved (pending) outflows count against the balance too. */
        int64_t out = debit_normal ? c.credits_posted : c.debits_posted;
        int64_t in = debit_normal ? c.debits_posted : c.credits_posted;
        err = add_checked(&out, debit_normal ? c.credits_pending : c.debits_pending);
        if (err != LEDGER_OK)
            return err;
        if (out > in)
            return LEDGER_INSUFFICIENT_FUNDS;
    }
    *a = c;
    return LEDGER_OK;
}

int entry_decode_at(MDB_txn *txn, ledger *l, uint64_t seq, codec_entry *out)
{
    uint8_t key[8];
    be64_put(key, seq);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, l->dbi_entries, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_NOT_FOUND;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (codec_leaf_type_of(v.mv_data, v.mv_size) != CODEC_LEAF_ENTRY)
        return LEDGER_NOT_FOUND;
    return codec_entry_decode(out, v.mv_data, v.mv_size) == 0 ? LEDGER_OK : LEDGER_CORRUPT;
}

/* ---- field checks ---- */

static bool str_ok(const char *s, size_t max, bool required, codec_str *out)
{
    size_t n = s ? strlen(s) : 0;
    if ((required && n == 0) || n > max || !ledger_utf8_valid(s ? s : "", n))
        return false;
    out->p = s ? s : "";
    out->len = (uint16_t)n;
    return true;
}

static int fields_check(const ledger_entry_in *in, codec_entry *e)
{
    if (in->kind < LEDGER_KIND_POSTED || in->kind > LEDGER_KIND_REVERSAL ||
        in->op < LEDGER_OP_TRANSFER || in->op > LEDGER_OP_MAX)
        return LEDGER_INVALID_FIELD;
    if (!str_ok(in->partner, LEDGER_PARTNER_MAX, true, &e->partner) ||
        !str_ok(in->principal, LEDGER_PRINCIPAL_MAX, true, &e->principal) ||
        !str_ok(in->client_id, LEDGER_CLIENT_ID_MAX, true, &e->client_id) ||
        !str_ok(in->external_ref, LEDGER_EXTREF_MAX, false, &e->external_ref) ||
        !str_ok(in->memo, LEDGER_MEMO_MAX, false, &e->memo))
        return LEDGER_INVALID_FIELD;
    if (!ledger_date_valid(in->value_date))
        return LEDGER_INVALID_DATE;
    if (in->legs_count > LEDGER_LEGS_MAX)
        return LEDGER_LEGS_COUNT;
    e->kind = (uint8_t)in->kind;
    e->op = (uint16_t)in->op;
    e->value_date = in->value_date;
    return LEDGER_OK;
}

/* ---- idempotency ---- */

static bool str_eq(codec_str a, codec_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Same content as the stored entry? The principal is who sent it and may
 * differ on a retry; legs left out of a post/void/reversal come from its
 * reference, so only given legs are compared. */
static bool entry_same(const codec_entry *stored, const codec_entry *e, bool legs_given)
{
    if (stored->programme != e->programme || stored->kind != e->kind || stored->op != e->op ||
        stored->value_date != e->value_date || stored->ref != e->ref ||
        !str_eq(stored->external_ref, e->external_ref) || !str_eq(stored->memo, e->memo))
        return false;
    if (!legs_given)
        return true;
    if (stored->legs_count != e->legs_count)
        return false;
    for (unsigned i = 0; i < e->legs_count; i++) {
        const codec_leg *a = &stored->legs[i], *b = &e->legs[i];
        if (a->account_id != b->account_id || a->side != b->side || a->amount != b->amount)
            return false;
    }
    return true;
}

/* ---- legs ---- */

/* The id of an account code for posting: from the writer's cache, else
 * from LMDB (and then remembered). */
static int posting_account_id(MDB_txn *txn, ledger *l, uint32_t programme, const char *code,
                              uint64_t *id_out)
{
    size_t len = strlen(code);
    if (len == 0 || len > LEDGER_CODE_MAX)
        return LEDGER_UNKNOWN_ACCOUNT;
    if (l->code_cache == NULL && (l->code_cache = calloc(1, sizeof *l->code_cache)) != NULL)
        randombytes_buf(l->code_cache->key, sizeof l->code_cache->key);
    code_cache_slot *slot = NULL;
    uint8_t hash[16];
    if (l->code_cache != NULL) {
        uint8_t in[4 + LEDGER_CODE_MAX];
        be32_put(in, programme);
        memcpy(in + 4, code, len);
        crypto_shorthash_siphashx24(hash, in, 4 + len, l->code_cache->key);
        uint32_t at;
        memcpy(&at, hash, sizeof at);
        slot = &l->code_cache->slots[at & (CODE_CACHE_SLOTS - 1)];
        if (slot->id != 0 && memcmp(slot->hash, hash, sizeof hash) == 0) {
            *id_out = slot->id;
            return LEDGER_OK;
        }
    }
    int err = acct_id_by_code(txn, l, programme, code, len, id_out);
    if (err == LEDGER_OK && slot != NULL) {
        slot->id = *id_out;
        memcpy(slot->hash, hash, sizeof hash);
    }
    return err;
}

static int legs_from_input(MDB_txn *txn, ledger *l, const ledger_entry_in *in, codec_entry *e)
{
    if (in->legs_count < LEDGER_LEGS_MIN || in->legs_count > LEDGER_LEGS_MAX)
        return LEDGER_LEGS_COUNT;
    for (unsigned i = 0; i < in->legs_count; i++) {
        const ledger_leg_in *g = &in->legs[i];
        if (g->amount <= 0)
            return LEDGER_INVALID_AMOUNT;
        if (g->side != LEDGER_DEBIT && g->side != LEDGER_CREDIT)
            return LEDGER_INVALID_FIELD;
        if (g->account == NULL)
            return LEDGER_UNKNOWN_ACCOUNT;
        int err = posting_account_id(txn, l, e->programme, g->account, &e->legs[i].account_id);
        if (err != LEDGER_OK)
            return err;
        e->legs[i].side = (uint8_t)g->side;
        e->legs[i].amount = g->amount;
    }
    e->legs_count = (uint8_t)in->legs_count;
    return LEDGER_OK;
}

static int link_get(MDB_txn *txn, ledger *l, uint64_t seq, bool *found)
{
    uint8_t key[8];
    be64_put(key, seq);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, l->dbi_links, &k, &v);
    *found = (rc == MDB_SUCCESS);
    return (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) ? LEDGER_OK : ledger_map_err(rc);
}

/* For post, void and reversal: the legs come from the entry referred to. */
static int legs_from_ref(MDB_txn *txn, ledger *l, const ledger_entry_in *in, codec_entry *e)
{
    codec_entry ref;
    bool resolved;
    if (in->ref == 0 || in->ref == LEDGER_SEQ_NONE)
        return LEDGER_REF_NOT_FOUND;
    int err = entry_decode_at(txn, l, in->ref, &ref);
    if (err == LEDGER_NOT_FOUND)
        return LEDGER_REF_NOT_FOUND;
    if (err != LEDGER_OK)
        return err;
    /* A pending entry with a reference is a reversal awaiting approval. */
    bool reversal = in->kind == LEDGER_KIND_REVERSAL || in->kind == LEDGER_KIND_PENDING;
    if (ref.programme != e->programme)
        return LEDGER_REF_INVALID;
    if (reversal ? !history_kind(ref.kind) : ref.kind != LEDGER_KIND_PENDING)
        return LEDGER_REF_INVALID;
    err = link_get(txn, l, in->ref, &resolved);
    if (err != LEDGER_OK)
        return err;
    if (resolved)
        return reversal ? LEDGER_ALREADY_REVERSED : LEDGER_PENDING_ALREADY_RESOLVED;
    e->ref = in->ref;
    e->legs_count = ref.legs_count;
    for (unsigned i = 0; i < ref.legs_count; i++) {
        e->legs[i].account_id = ref.legs[i].account_id;
        e->legs[i].amount = ref.legs[i].amount;
        e->legs[i].side = ref.legs[i].side;
        if (reversal)
            e->legs[i].side = ref.legs[i].side == LEDGER_DEBIT ? LEDGER_CREDIT : LEDGER_DEBIT;
    }
    if (in->legs_count > 0) {
        codec_entry given = *e;
        err = legs_from_input(txn, l, in, &given);
        if (err != LEDGER_OK)
            return err;
        if (!entry_same(e, &given, true))
            return LEDGER_LEGS_MISMATCH;
    }
    return LEDGER_OK;
}

static int legs_check(const codec_entry *e)
{
    int64_t debits = 0, credits = 0;
    for (unsigned i = 0; i < e->legs_count; i++) {
        for (unsigned j = 0; j < i; j++) {
            if (e->legs[j].account_id == e->legs[i].account_id)
                return LEDGER_ACCOUNT_REPEATED;
        }
        int err = add_checked(e->legs[i].side == LEDGER_DEBIT ? &debits : &credits,
                              e->legs[i].amount);
        if (err != LEDGER_OK)
            return err;
    }
    return debits == credits ? LEDGER_OK : LEDGER_NOT_BALANCED;
}

/* ---- writing ---- */

static int history_mark(MDB_txn *txn, ledger *l, const acct_rec *a)
{
    uint8_t key[16], val[8];
    be64_put(key, a->id);
    be64_put(key + 8, a->latest_seq);
    be64_put(val, a->lines_count);
    MDB_val k = {sizeof key, key}, v = {sizeof val, val};
    return ledger_map_err(mdb_put(txn, l->dbi_history, &k, &v, 0));
}

static int link_put(MDB_txn *txn, ledger *l, uint64_t from, uint64_t to)
{
    uint8_t key[8], val[8];
    be64_put(key, from);
    be64_put(val, to);
    MDB_val k = {sizeof key, key}, v = {sizeof val, val};
    return ledger_map_err(mdb_put(txn, l->dbi_links, &k, &v, MDB_NOOVERWRITE));
}

/* Applies the legs to copies of their accounts; nothing is written. Every
 * slot of the legs is left for the caller to release, loaded or not. */
static int legs_apply(MDB_txn *txn, ledger *l, codec_entry *e, uint64_t seq, bool correction,
                      acct_slot slots[LEDGER_LEGS_MAX])
{
    for (unsigned i = 0; i < e->legs_count; i++) {
        codec_leg *g = &e->legs[i];
        acct_rec *a = &slots[i].rec;
        int err = acct_slot_load(txn, l, g->account_id, &slots[i]);
        if (err == LEDGER_UNKNOWN_ACCOUNT)
            err = LEDGER_CORRUPT; /* resolved from a code or a stored entry */
        if (err == LEDGER_OK)
            err = acct_apply_leg(a, (ledger_kind)e->kind, (ledger_side)g->side, g->amount, true,
                                 correction);
        if (err != LEDGER_OK)
            return err;
        g->balance_after = acct_balance(a);
        g->prev_seq = LEDGER_SEQ_NONE;
        if (history_kind(e->kind)) {
            g->prev_seq = a->latest_seq;
            a->latest_seq = seq;
            a->lines_count++;
        }
    }
    return LEDGER_OK;
}

static int entry_write(batch *b, const codec_entry *e, acct_slot slots[LEDGER_LEGS_MAX])
{
    ledger *l = b->l;
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    uint64_t seq = b->next_seq;
    /* Only pending, post and void entries move pending amounts. */
    bool pending = e->kind == LEDGER_KIND_PENDING || e->kind == LEDGER_KIND_POST ||
                   e->kind == LEDGER_KIND_VOID;
    if (codec_entry_encode(leaf, sizeof leaf, &len, e) != 0)
        return LEDGER_CORRUPT;
    int err = batch_leaf(b, leaf, len);
    for (unsigned i = 0; err == LEDGER_OK && i < e->legs_count; i++) {
        err = acct_slot_store(b->txn, l, &slots[i],
                              pending ? ACCT_STATE | ACCT_PENDING : ACCT_STATE);
        if (err == LEDGER_OK && history_kind(e->kind) &&
            slots[i].rec.lines_count % LEDGER_HISTORY_SPARSE_EVERY == 0)
            err = history_mark(b->txn, l, &slots[i].rec);
    }
    /* A reversal awaiting approval does not reverse yet (domain.c links
     * the original when it is approved). */
    if (err == LEDGER_OK && e->ref != LEDGER_SEQ_NONE && e->kind != LEDGER_KIND_PENDING)
        err = link_put(b->txn, l, e->ref, seq);
    return err;
}

/* For an entry the rules now refuse: whether the partner already posted it
 * (LEDGER_EXISTS, with the same op, date, references, text, participant and
 * amount), posted something else under its client id
 * (LEDGER_EXISTS_WITH_DIFFERENT_FIELDS), or not (LEDGER_NOT_FOUND). */
static int exists_anyway(batch *b, const programme_rec *p, const ledger_entry_in *in,
                         ledger_result *res)
{
    char run_id[LEDGER_CLIENT_ID_MAX + 1];
    uint8_t key[ENTRY_KEY_MAX];
    const char *cid = in->client_id;
    if ((cid == NULL || cid[0] == '\0') && in->wage_run != NULL && in->participant != NULL) {
        int n = snprintf(run_id, sizeof run_id, "%s:%s", in->wage_run, in->participant);
        cid = (n > 0 && (size_t)n < sizeof run_id) ? run_id : NULL;
    }
    size_t plen = in->partner ? strlen(in->partner) : 0, clen = cid ? strlen(cid) : 0;
    if (plen == 0 || plen > LEDGER_PARTNER_MAX || clen == 0 || clen > LEDGER_CLIENT_ID_MAX)
        return LEDGER_NOT_FOUND;
    size_t key_len = entry_key_make(key, in->partner, plen, cid, clen);
    MDB_val k = {key_len, key}, v;
    int rc = mdb_get(b->txn, b->l->dbi_keys, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_NOT_FOUND;
    if (rc != MDB_SUCCESS || v.mv_size != 8)
        return rc == MDB_SUCCESS ? LEDGER_CORRUPT : ledger_map_err(rc);
    uint64_t seq = be64_get(v.mv_data);
    codec_entry stored;
    int err = entry_decode_at(b->txn, b->l, seq, &stored);
    if (err != LEDGER_OK)
        return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
    codec_str ext, memo, who;
    bool refers = in->kind == LEDGER_KIND_POST || in->kind == LEDGER_KIND_VOID ||
                  in->kind == LEDGER_KIND_REVERSAL;
    bool same = stored.programme == p->id && stored.value_date == in->value_date &&
                str_ok(in->external_ref, LEDGER_EXTREF_MAX, false, &ext) &&
                str_eq(stored.external_ref, ext) &&
                str_ok(in->memo, LEDGER_MEMO_MAX, false, &memo) && str_eq(stored.memo, memo) &&
                (refers ? stored.ref == in->ref : stored.op == (uint16_t)in->op);
    if (same && in->participant != NULL && in->participant[0] != '\0')
        same = str_ok(in->participant, LEDGER_PARTICIPANT_ID_MAX, true, &who) &&
               str_eq(stored.tags.participant, who);
    if (same && in->amount > 0 && in->shares == 0) {
        int64_t debits = 0;
        for (unsigned i = 0; i < stored.legs_count; i++)
            debits += stored.legs[i].side == LEDGER_DEBIT ? stored.legs[i].amount : 0;
        same = debits == in->amount || (stored.op == LEDGER_OP_LOAN_REPAYMENT);
    }
    if (!same)
        return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
    res->seq = seq;
    return LEDGER_EXISTS;
}

/* Decides one entry and writes it if accepted. Returns the entry's result;
 * a fatal error (err_is_fatal) means the commit must stop. */
static int entry_apply(batch *b, const ledger_entry_in *sent, ledger_result *res)
{
    ledger *l = b->l;
    MDB_txn *txn = b->txn;
    codec_entry e;
    programme_rec p;
    acct_slot slots[LEDGER_LEGS_MAX];
    uint8_t key[ENTRY_KEY_MAX];
    domain_entry d;
    memset(&e, 0, sizeof e);
    res->seq = LEDGER_SEQ_NONE;
    res->awaiting = false;

    int err = batch_programme(b, sent->programme, &p);
    if (err != LEDGER_OK)
        return err;
    bool refers = sent->kind == LEDGER_KIND_POST || sent->kind == LEDGER_KIND_VOID ||
                  sent->kind == LEDGER_KIND_REVERSAL;
    if (!refers && sent->ref != 0 && sent->ref != LEDGER_SEQ_NONE)
        return LEDGER_REF_INVALID; /* only post, void and reversal refer */
    /* The programme's view of it: typed legs, approvals, tags. */
    err = domain_entry_derive(b, &p, sent, &d);
    if (err != LEDGER_OK) {
        /* A retry of an entry posted when the rules allowed it (a share
         * bought before the limit was reached, a cycle since closed) is
         * still the same entry. */
        int again = err_is_fatal(err) ? LEDGER_NOT_FOUND : exists_anyway(b, &p, sent, res);
        return again == LEDGER_NOT_FOUND ? err : again;
    }
    const ledger_entry_in *in = &d.in;
    err = fields_check(in, &e);
    if (err != LEDGER_OK)
        return err;
    e.programme = p.id;
    e.recorded_at = b->time;
    e.ref = refers ? in->ref : LEDGER_SEQ_NONE;
    tags_to_codec(&e.tags, &d.tags);

    size_t key_len =
        entry_key_make(key, e.partner.p, e.partner.len, e.client_id.p, e.client_id.len);
    /* Claim the client id with one insert: it either takes the key (and
     * gives it back below if the entry is refused) or finds the entry that
     * already holds it. */
    uint8_t seqbuf[8];
    be64_put(seqbuf, b->next_seq);
    MDB_val k = {key_len, key}, v = {sizeof seqbuf, seqbuf};
    int rc = mdb_put(txn, l->dbi_keys, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
        codec_entry stored;
        if (v.mv_size != 8)
            return LEDGER_CORRUPT;
        uint64_t seq = be64_get(v.mv_data);
        err = entry_decode_at(txn, l, seq, &stored);
        if (err != LEDGER_OK)
            return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
        if (!refers || in->legs_count > 0) {
            err = legs_from_input(txn, l, in, &e);
            if (err != LEDGER_OK)
                return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
        }
        if (!entry_same(&stored, &e, !refers || in->legs_count > 0))
            return LEDGER_EXISTS_WITH_DIFFERENT_FIELDS;
        res->seq = seq;
        if (stored.kind == LEDGER_KIND_PENDING) {
            bool resolved;
            err = link_get(txn, l, seq, &resolved);
            if (err != LEDGER_OK)
                return err;
            res->awaiting = !resolved;
        }
        return LEDGER_EXISTS;
    }
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);

    err = refers ? legs_from_ref(txn, l, in, &e) : legs_from_input(txn, l, in, &e);
    if (err == LEDGER_OK)
        err = legs_check(&e);
    if (err == LEDGER_OK)
        err = domain_entry_check(b, &p, &d, &e);
    for (unsigned i = 0; i < LEDGER_LEGS_MAX; i++)
        slots[i].cur = NULL;
    if (err == LEDGER_OK)
        err = legs_apply(txn, l, &e, b->next_seq, d.request_ref != LEDGER_SEQ_NONE, slots);
    if (err != LEDGER_OK) {
        for (unsigned i = 0; i < e.legs_count; i++)
            acct_slot_release(&slots[i]);
        if (err_is_fatal(err))
            return err;
        /* Refused: the client id stays free for a corrected entry. */
        k.mv_size = key_len;
        k.mv_data = key;
        rc = mdb_del(txn, l->dbi_keys, &k, NULL);
        return rc == MDB_SUCCESS ? err : ledger_map_err(rc);
    }
    uint64_t seq = b->next_seq;
    err = entry_write(b, &e, slots);
    for (unsigned i = 0; i < e.legs_count; i++)
        acct_slot_release(&slots[i]);
    if (err == LEDGER_OK)
        err = domain_entry_done(b, &p, &d, &e, seq);
    if (err != LEDGER_OK)
        return err_is_fatal(err) ? err : LEDGER_CORRUPT;
    res->seq = seq;
    res->awaiting = e.kind == LEDGER_KIND_PENDING;
    return LEDGER_OK;
}

int entries_apply(batch *b, ledger_request *r)
{
    for (uint32_t i = 0; i < r->entries_count; i++) {
        int err = entry_apply(b, &r->entries[i], &r->results[i]);
        if (err_is_fatal(err))
            return err;
        r->results[i].err = err;
    }
    return LEDGER_OK;
}

/* All or nothing: a nested transaction dropped whole if one entry fails. */
int entries_apply_atomic(batch *b, ledger_request *r)
{
    MDB_txn *parent = b->txn, *child;
    size_t mark = b->hashes_count;
    uint32_t failed = r->entries_count;
    int rc = mdb_txn_begin(b->l->env, parent, 0, &child);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    b->txn = child;
    for (uint32_t i = 0; i < r->entries_count && failed == r->entries_count; i++) {
        int err = entry_apply(b, &r->entries[i], &r->results[i]);
        if (err_is_fatal(err)) {
            mdb_txn_abort(child);
            b->txn = parent;
            return err;
        }
        r->results[i].err = err;
        if (err != LEDGER_OK && err != LEDGER_EXISTS)
            failed = i;
    }
    b->txn = parent;
    if (failed == r->entries_count)
        return ledger_map_err(mdb_txn_commit(child));
    mdb_txn_abort(child);
    batch_truncate(b, mark);
    for (uint32_t i = 0; i < r->entries_count; i++) {
        if (i != failed) {
            r->results[i].err = LEDGER_LINKED_ENTRY_FAILED;
            r->results[i].seq = LEDGER_SEQ_NONE;
        }
    }
    return LEDGER_OK;
}

typedef struct commit_ctx {
    ledger_request *requests;
    size_t count;
} commit_ctx;

static int commit_fn(ledger *l, void *vctx, batch *b)
{
    commit_ctx *ctx = vctx;
    (void)l;
    for (size_t i = 0; i < ctx->count; i++) {
        ledger_request *r = &ctx->requests[i];
        int err = r->atomic ? entries_apply_atomic(b, r) : entries_apply(b, r);
        if (err != LEDGER_OK)
            return err;
    }
    return LEDGER_OK;
}

int ledger_commit(ledger *l, ledger_request *requests, size_t count, ledger_commit_info *info)
{
    size_t entries = 0;
    if (l == NULL || (requests == NULL && count > 0) || count > LEDGER_BATCH_REQUESTS_MAX)
        return LEDGER_INVALID_ARGUMENT;
    for (size_t i = 0; i < count; i++) {
        const ledger_request *r = &requests[i];
        if (r->entries_count > LEDGER_REQUEST_ENTRIES_MAX ||
            (r->entries_count > 0 && (r->entries == NULL || r->results == NULL)))
            return LEDGER_INVALID_ARGUMENT;
        entries += r->entries_count;
    }
    if (entries > LEDGER_BATCH_ENTRIES_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    commit_ctx ctx = {requests, count};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, commit_fn, &ctx, info);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

int ledger_post(ledger *l, const ledger_entry_in *entries, uint32_t count, bool atomic,
                ledger_result *results, ledger_commit_info *info)
{
    ledger_request r = {entries, count, atomic, results};
    return ledger_commit(l, &r, 1, info);
}
