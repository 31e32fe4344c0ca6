/*
 * verify.c — `cauris verify`: recompute everything from the stored leaves
 * and compare with what is stored and signed.
 *
 * One read transaction (a consistent snapshot, even while a writer runs)
 * walks every leaf in order and checks: the leaves are contiguous; every
 * leaf hash and every stored Merkle subtree; every batch header (number,
 * previous size and root, root of its leaves, time); every checkpoint's
 * signature by the key in force, its root and size, and the chain of
 * checkpoint hashes; the chart of accounts rebuilt from account leaves;
 * every entry replayed under the same rules as posting (balance, flags,
 * overdraft, references resolved once) with its recorded running balances
 * and history links; then every stored account record, code, idempotency
 * key, link and sparse history key against the replay, and the trial balance
 * of each programme. It stops at the first discrepancy and names it.
 *
 * Must never write: it only reads, in one read-only transaction.
 */
#include "ledger/internal.h"
#include "ledger/verify_domain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define LEAF_RESOLVED 0x80u /* pending resolved or entry reversed */
#define LEAF_KIND_MASK 0x07u

typedef struct vstate {
    ledger *l;
    MDB_txn *txn;
    ledger_verify_report *r;
    merkle_frontier f;
    uint64_t tree_size;
    /* keys, in the order they took effect */
    /* keys[0] the key in force, keys[1] the one it replaced: all a
     * checkpoint may be signed by (a rotation's carries both). */
    note_verifier keys[2];
    uint64_t keys_count; /* key events seen */
    const note_verifier *pinned;
    bool pinned_seen;
    bool key_event_in_batch;
    /* rebuilt state */
    programme_rec programmes[LEDGER_PROGRAMMES_MAX + 1];
    bool programme_seen[LEDGER_PROGRAMMES_MAX + 1];
    uint32_t programmes_count;
    acct_rec *accts; /* by id; [0] unused */
    size_t accts_count, accts_cap;
    uint8_t *leaf_info; /* per seq: entry kind, LEAF_RESOLVED */
    uint64_t entries_count, links_count, history_count;
    /* the batch being read */
    bool in_batch;
    codec_batch hdr;
    uint64_t batch_end;
    uint64_t batches_count;
    int64_t last_time;
    uint8_t (*hashes)[32];
    size_t hashes_count;
    bool has_prev_checkpoint;
    uint8_t prev_checkpoint_hash[32];
    vdomain *domain; /* participants, settings, closures, requests */
} vstate;

static int fail(vstate *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->r->first_error, sizeof s->r->first_error, fmt, ap);
    va_end(ap);
    return LEDGER_VERIFY_FAILED;
}

/* ---- Merkle: recompute and compare each stored subtree ---- */

typedef struct cmp_ctx {
    vstate *s;
    int mismatch;
} cmp_ctx;

static int merkle_compare_put(void *vctx, uint32_t level, uint64_t index,
                              const uint8_t hash[MERKLE_HASH_BYTES])
{
    cmp_ctx *c = vctx;
    merkle_store st = {c->s->l, c->s->txn};
    uint8_t stored[32];
    if (merkle_store_get(&st, level, index, stored) != 0 || memcmp(stored, hash, 32) != 0) {
        fail(c->s, "Merkle subtree (level %u, index %llu) differs from the leaves", level,
             (unsigned long long)index);
        c->mismatch = 1;
        return -1;
    }
    return 0;
}

/* ---- leaves ---- */

static int key_in_force(vstate *s, uint64_t size, const note_verifier **out)
{
    (void)size; /* keys take effect at the checkpoint of the batch that adds them */
    if (s->keys_count == 0)
        return fail(s, "checkpoint of tree size %llu: no signing key was recorded before it",
                    (unsigned long long)size);
    *out = &s->keys[0];
    return LEDGER_OK;
}

static int on_key(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_key_event k;
    note_verifier v;
    uint8_t id[4];
    if (codec_key_decode(&k, leaf, len) != 0 || k.name.len == 0 || k.name.len > NOTE_NAME_MAX)
        return fail(s, "leaf %llu: key event does not decode", (unsigned long long)seq);
    memset(&v, 0, sizeof v);
    memcpy(v.name, k.name.p, k.name.len);
    memcpy(v.pk, k.public_key, 32);
    note_key_id(id, v.name, v.pk);
    if (memcmp(id, k.key_id, 4) != 0)
        return fail(s, "leaf %llu: key id does not match the key", (unsigned long long)seq);
    memcpy(v.key_id, id, 4);
    if (k.from_size != s->batch_end)
        return fail(s, "leaf %llu: key event must take effect at its batch's checkpoint",
                    (unsigned long long)seq);
    if (s->keys_count > 0 && strcmp(s->keys[0].name, v.name) != 0)
        return fail(s, "leaf %llu: a new key must keep the ledger's name",
                    (unsigned long long)seq);
    if (s->pinned != NULL && memcmp(s->pinned->pk, v.pk, 32) == 0 &&
        strcmp(s->pinned->name, v.name) == 0)
        s->pinned_seen = true;
    if (s->key_event_in_batch)
        return fail(s, "leaf %llu: a second key event in one batch", (unsigned long long)seq);
    s->keys[1] = s->keys[0];
    s->keys[0] = v;
    s->keys_count++;
    s->key_event_in_batch = true;
    return LEDGER_OK;
}

static int on_programme(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_programme p;
    if (codec_programme_decode(&p, leaf, len) != 0 || p.name.len > LEDGER_NAME_MAX ||
        p.currency.len != LEDGER_CURRENCY_LEN)
        return fail(s, "leaf %llu: programme does not decode", (unsigned long long)seq);
    if (p.id != s->programmes_count + 1 || p.id > LEDGER_PROGRAMMES_MAX)
        return fail(s, "leaf %llu: programme id %u out of sequence", (unsigned long long)seq,
                    p.id);
    programme_rec *r = &s->programmes[p.id];
    memset(r, 0, sizeof *r);
    r->id = p.id;
    r->digits = p.digits;
    memcpy(r->currency, p.currency.p, LEDGER_CURRENCY_LEN);
    memcpy(r->name, p.name.p, p.name.len);
    if (ledger_currency_digits(r->currency) != r->digits)
        return fail(s, "leaf %llu: programme currency is not ISO 4217",
                    (unsigned long long)seq);
    s->programme_seen[p.id] = true;
    s->programmes_count++;
    return LEDGER_OK;
}

static int on_account(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_account a;
    char code[LEDGER_CODE_MAX + 1];
    ledger_account_type type;
    uint32_t flags;
    if (codec_account_decode(&a, leaf, len) != 0 || a.id == 0 || a.code.len == 0 ||
        a.code.len > LEDGER_CODE_MAX || (a.flags & ~LEDGER_FLAGS_ALL) != 0)
        return fail(s, "leaf %llu: account does not decode", (unsigned long long)seq);
    memcpy(code, a.code.p, a.code.len);
    code[a.code.len] = '\0';
    if (a.id <= s->accts_count) { /* a flags change */
        acct_rec *r = &s->accts[a.id];
        if (r->programme != a.programme || r->type != a.type || r->code_len != a.code.len ||
            memcmp(r->code, a.code.p, a.code.len) != 0)
            return fail(s, "leaf %llu: account %llu changes more than its flags",
                        (unsigned long long)seq, (unsigned long long)a.id);
        if ((r->flags & LEDGER_FLAG_CLOSED) ||
            (r->flags & LEDGER_FLAG_NO_OVERDRAFT) != (a.flags & LEDGER_FLAG_NO_OVERDRAFT))
            return fail(s, "leaf %llu: account %.*s: a flag change the rules forbid",
                        (unsigned long long)seq, (int)r->code_len, r->code);
        if ((a.flags & LEDGER_FLAG_CLOSED) &&
            (r->debits_posted != r->credits_posted || r->debits_pending != 0 ||
             r->credits_pending != 0))
            return fail(s, "leaf %llu: account %.*s closed while not empty",
                        (unsigned long long)seq, (int)r->code_len, r->code);
        r->flags = a.flags;
        return LEDGER_OK;
    }
    if (a.id != s->accts_count + 1)
        return fail(s, "leaf %llu: account id %llu out of sequence", (unsigned long long)seq,
                    (unsigned long long)a.id);
    if (a.programme == 0 || a.programme > LEDGER_PROGRAMMES_MAX ||
        !s->programme_seen[a.programme])
        return fail(s, "leaf %llu: account of an unknown programme", (unsigned long long)seq);
    if (ledger_chart_classify(code, &type, &flags) != LEDGER_OK || (uint8_t)type != a.type ||
        flags != a.flags)
        return fail(s, "leaf %llu: account %s does not fit the chart of accounts",
                    (unsigned long long)seq, code);
    if (s->accts_count + 1 >= s->accts_cap) {
        size_t cap = s->accts_cap ? s->accts_cap * 2 : 1024;
        acct_rec *p = realloc(s->accts, cap * sizeof *p);
        if (p == NULL)
            return LEDGER_NOMEM;
        s->accts = p;
        s->accts_cap = cap;
    }
    acct_rec *r = &s->accts[++s->accts_count];
    memset(r, 0, sizeof *r);
    r->id = a.id;
    r->latest_seq = LEDGER_SEQ_NONE;
    r->programme = a.programme;
    r->flags = a.flags;
    r->type = a.type;
    r->code_len = (uint8_t)a.code.len;
    memcpy(r->code, a.code.p, a.code.len);
    return LEDGER_OK;
}

/* The legs of a post, void or reversal must be those of what it refers to.
 * A pending entry with a reference is a reversal awaiting approval: it
 * reverses nothing yet; the post that approves it does. */
static int entry_ref_check(vstate *s, uint64_t seq, const codec_entry *e, codec_entry *ref,
                           uint64_t *also_reverses)
{
    bool reversal = e->kind == LEDGER_KIND_REVERSAL || e->kind == LEDGER_KIND_PENDING;
    *also_reverses = LEDGER_SEQ_NONE;
    if (e->ref >= seq)
        return fail(s, "entry %llu refers forward", (unsigned long long)seq);
    uint8_t info = s->leaf_info[e->ref];
    uint8_t kind = info & LEAF_KIND_MASK;
    bool ok = reversal ? (kind == LEDGER_KIND_POSTED || kind == LEDGER_KIND_POST ||
                          kind == LEDGER_KIND_REVERSAL)
                       : kind == LEDGER_KIND_PENDING;
    if (!ok)
        return fail(s, "entry %llu refers to an entry of the wrong kind",
                    (unsigned long long)seq);
    if (info & LEAF_RESOLVED)
        return fail(s, "entry %llu resolves or reverses entry %llu a second time",
                    (unsigned long long)seq, (unsigned long long)e->ref);
    if (entry_decode_at(s->txn, s->l, e->ref, ref) != LEDGER_OK ||
        ref->programme != e->programme || ref->legs_count != e->legs_count || ref->op != e->op)
        return fail(s, "entry %llu does not match the entry it refers to",
                    (unsigned long long)seq);
    for (unsigned i = 0; i < e->legs_count; i++) {
        uint8_t side = reversal ? (uint8_t)!ref->legs[i].side : ref->legs[i].side;
        if (ref->legs[i].account_id != e->legs[i].account_id ||
            ref->legs[i].amount != e->legs[i].amount || side != e->legs[i].side)
            return fail(s, "entry %llu: leg %u differs from the entry it refers to",
                        (unsigned long long)seq, i);
    }
    if (e->kind == LEDGER_KIND_PENDING)
        return LEDGER_OK;
    s->leaf_info[e->ref] |= LEAF_RESOLVED;
    if (e->kind == LEDGER_KIND_POST && ref->ref != LEDGER_SEQ_NONE) {
        /* Approving a pending reversal reverses the original, once. */
        if (s->leaf_info[ref->ref] & LEAF_RESOLVED)
            return fail(s, "entry %llu reverses entry %llu a second time",
                        (unsigned long long)seq, (unsigned long long)ref->ref);
        s->leaf_info[ref->ref] |= LEAF_RESOLVED;
        *also_reverses = ref->ref;
    }
    return LEDGER_OK;
}

static int stored_u64(vstate *s, MDB_dbi dbi, const void *key, size_t key_len, uint64_t want)
{
    MDB_val k = {key_len, (void *)key}, v;
    int rc = mdb_get(s->txn, dbi, &k, &v);
    return (rc == MDB_SUCCESS && v.mv_size == 8 && be64_get(v.mv_data) == want) ? 0 : -1;
}

static int entry_legs_replay(vstate *s, uint64_t seq, const codec_entry *e, bool correction)
{
    int64_t debits = 0, credits = 0;
    bool history = e->kind == LEDGER_KIND_POSTED || e->kind == LEDGER_KIND_POST ||
                   e->kind == LEDGER_KIND_REVERSAL;
    for (unsigned i = 0; i < e->legs_count; i++) {
        const codec_leg *g = &e->legs[i];
        if (g->account_id == 0 || g->account_id > s->accts_count)
            return fail(s, "entry %llu: leg %u names an account never opened",
                        (unsigned long long)seq, i);
        acct_rec *a = &s->accts[g->account_id];
        if (a->programme != e->programme || g->amount <= 0)
            return fail(s, "entry %llu: leg %u is invalid", (unsigned long long)seq, i);
        for (unsigned j = 0; j < i; j++) {
            if (e->legs[j].account_id == g->account_id)
                return fail(s, "entry %llu: account repeated", (unsigned long long)seq);
        }
        int64_t *sum = g->side == LEDGER_DEBIT ? &debits : &credits;
        if (*sum > INT64_MAX - g->amount)
            return fail(s, "entry %llu: total overflows", (unsigned long long)seq);
        *sum += g->amount;
        int err = acct_apply_leg(a, (ledger_kind)e->kind, (ledger_side)g->side, g->amount, true,
                                 correction);
        if (err != LEDGER_OK)
            return fail(s, "entry %llu: leg %u on %.*s breaks a rule: %s",
                        (unsigned long long)seq, i, (int)a->code_len, a->code,
                        ledger_err_name(err));
        uint64_t prev = LEDGER_SEQ_NONE;
        if (history) {
            prev = a->latest_seq;
            a->latest_seq = seq;
            a->lines_count++;
            if (a->lines_count % LEDGER_HISTORY_SPARSE_EVERY == 0) {
                uint8_t key[16];
                be64_put(key, a->id);
                be64_put(key + 8, seq);
                if (stored_u64(s, s->l->dbi_history, key, sizeof key, a->lines_count) != 0)
                    return fail(s, "history index of %.*s lacks line %llu", (int)a->code_len,
                                a->code, (unsigned long long)a->lines_count);
                s->history_count++;
            }
        }
        if (g->balance_after != acct_balance(a) || g->prev_seq != prev)
            return fail(s,
                        "entry %llu: recorded running balance or history link of %.*s is wrong",
                        (unsigned long long)seq, (int)a->code_len, a->code);
    }
    if (debits != credits)
        return fail(s, "entry %llu is not balanced", (unsigned long long)seq);
    return LEDGER_OK;
}

/* The rules posting applies to each text field. */
static bool str_valid(codec_str v, size_t min, size_t max)
{
    return v.len >= min && v.len <= max && ledger_utf8_valid(v.p, v.len);
}

static int on_entry(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_entry e;
    uint8_t key[ENTRY_KEY_MAX];
    if (codec_entry_decode(&e, leaf, len) != 0)
        return fail(s, "leaf %llu: entry does not decode", (unsigned long long)seq);
    if (e.programme == 0 || e.programme > LEDGER_PROGRAMMES_MAX ||
        !s->programme_seen[e.programme])
        return fail(s, "entry %llu: unknown programme", (unsigned long long)seq);
    if (e.kind < LEDGER_KIND_POSTED || e.kind > LEDGER_KIND_REVERSAL || e.op < 1 ||
        e.op > LEDGER_OP_MAX || !ledger_date_valid(e.value_date) ||
        e.legs_count < LEDGER_LEGS_MIN || !str_valid(e.partner, 1, LEDGER_PARTNER_MAX) ||
        !str_valid(e.principal, 1, LEDGER_PRINCIPAL_MAX) ||
        !str_valid(e.client_id, 1, LEDGER_CLIENT_ID_MAX) ||
        !str_valid(e.external_ref, 0, LEDGER_EXTREF_MAX) ||
        !str_valid(e.memo, 0, LEDGER_MEMO_MAX))
        return fail(s, "entry %llu: a field is out of range", (unsigned long long)seq);
    if (e.recorded_at != s->hdr.time)
        return fail(s, "entry %llu: recorded time differs from its batch's",
                    (unsigned long long)seq);
    bool refers = e.kind == LEDGER_KIND_POST || e.kind == LEDGER_KIND_VOID ||
                  e.kind == LEDGER_KIND_REVERSAL;
    if (refers ? e.ref == LEDGER_SEQ_NONE
               : (e.ref != LEDGER_SEQ_NONE && e.kind != LEDGER_KIND_PENDING))
        return fail(s, "entry %llu: reference does not fit its kind", (unsigned long long)seq);
    codec_entry ref;
    uint64_t also_reverses = LEDGER_SEQ_NONE;
    int err = e.ref != LEDGER_SEQ_NONE ? entry_ref_check(s, seq, &e, &ref, &also_reverses)
                                       : LEDGER_OK;
    if (err == LEDGER_OK)
        err = vdomain_entry(s->domain, seq, &e, e.ref != LEDGER_SEQ_NONE ? &ref : NULL);
    bool correction = (e.kind == LEDGER_KIND_PENDING && e.ref != LEDGER_SEQ_NONE) ||
                      also_reverses != LEDGER_SEQ_NONE;
    if (err == LEDGER_OK)
        err = entry_legs_replay(s, seq, &e, correction);
    if (err != LEDGER_OK)
        return err;
    if (also_reverses != LEDGER_SEQ_NONE) {
        uint8_t rk[8];
        be64_put(rk, also_reverses);
        if (stored_u64(s, s->l->dbi_links, rk, sizeof rk, seq) != 0)
            return fail(s, "entry %llu: link from entry %llu missing", (unsigned long long)seq,
                        (unsigned long long)also_reverses);
        s->links_count++;
    }
    size_t key_len =
        entry_key_make(key, e.partner.p, e.partner.len, e.client_id.p, e.client_id.len);
    if (stored_u64(s, s->l->dbi_keys, key, key_len, seq) != 0)
        return fail(s, "entry %llu: its client id does not lead back to it",
                    (unsigned long long)seq);
    if (refers) {
        uint8_t rk[8];
        be64_put(rk, e.ref);
        if (stored_u64(s, s->l->dbi_links, rk, sizeof rk, seq) != 0)
            return fail(s, "entry %llu: link from entry %llu missing", (unsigned long long)seq,
                        (unsigned long long)e.ref);
        s->links_count++;
    }
    s->leaf_info[seq] = e.kind;
    s->entries_count++;
    return LEDGER_OK;
}

/* An issued statement: its figures are those the ledger gives again for
 * the lines before its tree size. */
static int on_statement(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_statement st;
    if (codec_statement_decode(&st, leaf, len) != 0 || st.programme == 0 ||
        st.programme > LEDGER_PROGRAMMES_MAX || !s->programme_seen[st.programme] ||
        st.as_of_size > seq || st.accounts_count == 0)
        return fail(s, "leaf %llu: statement is malformed", (unsigned long long)seq);
    for (unsigned i = 0; i < st.accounts_count; i++) {
        codec_statement_account again;
        uint64_t id;
        const codec_statement_account *a = &st.accounts[i];
        if (acct_id_by_code(s->txn, s->l, st.programme, a->code.p, a->code.len, &id) !=
                LEDGER_OK ||
            history_period(s->txn, s->l, id, st.date_from, st.date_to, st.as_of_size, &again) !=
                LEDGER_OK ||
            again.opening != a->opening || again.closing != a->closing ||
            again.lines != a->lines || memcmp(again.lines_root, a->lines_root, 32) != 0)
            return fail(s, "statement %llu: figures of %.*s differ from the ledger's",
                        (unsigned long long)seq, (int)a->code.len, a->code.p);
    }
    return LEDGER_OK;
}

/* ---- batches and checkpoints ---- */

static int on_batch_header(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    codec_batch h;
    uint8_t root[32];
    if (s->in_batch)
        return fail(s, "leaf %llu: batch header inside another batch", (unsigned long long)seq);
    if (codec_batch_decode(&h, leaf, len) != 0)
        return fail(s, "leaf %llu: batch header does not decode", (unsigned long long)seq);
    merkle_frontier_root(&s->f, root);
    if (h.batch_no != s->batches_count + 1 || h.first_seq != seq || h.prev_size != seq ||
        memcmp(h.prev_root, root, 32) != 0)
        return fail(s, "batch %llu (leaf %llu): header does not follow the previous batch",
                    (unsigned long long)h.batch_no, (unsigned long long)seq);
    if (h.time < s->last_time)
        return fail(s, "batch %llu: time goes backwards", (unsigned long long)h.batch_no);
    if (h.leaves_count == 0 || seq + 1 + h.leaves_count > s->tree_size)
        return fail(s, "batch %llu: leaf count out of range", (unsigned long long)h.batch_no);
    s->hdr = h;
    s->in_batch = true;
    s->batch_end = seq + 1 + h.leaves_count;
    s->last_time = h.time;
    s->hashes_count = 0;
    free(s->hashes);
    s->hashes = malloc((size_t)h.leaves_count * 32);
    return s->hashes ? LEDGER_OK : LEDGER_NOMEM;
}

static int checkpoint_check(vstate *s)
{
    uint64_t size = s->batch_end;
    uint8_t key[8], root[32], digest[32], leaves_root[32];
    const note_verifier *v = NULL;
    note_checkpoint c;
    size_t body_len;
    bool signed_by[2];
    merkle_root_of_leaves(leaves_root, (const uint8_t(*)[32])s->hashes, s->hashes_count);
    if (memcmp(leaves_root, s->hdr.leaves_root, 32) != 0)
        return fail(s, "batch %llu: root of its leaves differs from its header",
                    (unsigned long long)s->hdr.batch_no);
    int err = key_in_force(s, size, &v);
    if (err != LEDGER_OK)
        return err;
    if (memcmp(s->hdr.key_id, v->key_id, 4) != 0)
        return fail(s, "batch %llu: header names another key",
                    (unsigned long long)s->hdr.batch_no);
    be64_put(key, size);
    MDB_val k = {sizeof key, key}, val;
    if (mdb_get(s->txn, s->l->dbi_checkpoints, &k, &val) != MDB_SUCCESS)
        return fail(s, "no checkpoint for tree size %llu", (unsigned long long)size);
    size_t verifiers = s->keys_count >= 2 ? 2 : 1;
    if (note_verify(val.mv_data, val.mv_size, s->keys, verifiers, &body_len, signed_by) != 0 ||
        !signed_by[0])
        return fail(s, "checkpoint of tree size %llu: signature does not verify",
                    (unsigned long long)size);
    /* A key rotation must be signed by the key it retires as well. */
    if (s->key_event_in_batch && s->keys_count >= 2 && !signed_by[1])
        return fail(s, "checkpoint of tree size %llu: key rotation not signed by the old key",
                    (unsigned long long)size);
    s->key_event_in_batch = false;
    if (note_checkpoint_parse(&c, val.mv_data, body_len) != 0)
        return fail(s, "checkpoint of tree size %llu does not parse", (unsigned long long)size);
    merkle_frontier_root(&s->f, root);
    if (c.size != size || memcmp(c.root, root, 32) != 0 || strcmp(c.origin, v->name) != 0)
        return fail(
            s, "checkpoint of tree size %llu: size, root or origin differs from the leaves",
            (unsigned long long)size);
    char want[NOTE_LINE_MAX + 1] = "";
    if (s->has_prev_checkpoint) {
        char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, s->prev_checkpoint_hash, 32,
                          sodium_base64_VARIANT_ORIGINAL);
        snprintf(want, sizeof want, "prev %s", b64);
    }
    bool chained = s->has_prev_checkpoint
                       ? (c.extensions_count == 1 && strcmp(c.extensions[0], want) == 0)
                       : c.extensions_count == 0;
    if (!chained)
        return fail(s, "checkpoint of tree size %llu does not chain to the previous one",
                    (unsigned long long)size);
    crypto_hash_sha256(digest, val.mv_data, val.mv_size);
    memcpy(s->prev_checkpoint_hash, digest, 32);
    s->has_prev_checkpoint = true;

    batch_rec rec;
    if (batch_rec_get(s->txn, s->l, s->hdr.batch_no, &rec) != LEDGER_OK)
        return fail(s, "batch %llu: record missing", (unsigned long long)s->hdr.batch_no);
    if (rec.first_seq != s->hdr.first_seq || rec.end_size != size || rec.time != s->hdr.time)
        return fail(s, "batch %llu: record differs from its header",
                    (unsigned long long)s->hdr.batch_no);
    s->batches_count++;
    s->r->checkpoints++;
    s->r->batches++;
    s->in_batch = false;
    return LEDGER_OK;
}

static int on_leaf(vstate *s, uint64_t seq, const uint8_t *leaf, size_t len)
{
    uint8_t hash[32];
    cmp_ctx cmp = {s, 0};
    int type = codec_leaf_type_of(leaf, len);
    int err = LEDGER_OK;
    merkle_leaf_hash(hash, leaf, len);
    if (type == CODEC_LEAF_BATCH)
        err = on_batch_header(s, seq, leaf, len);
    else if (!s->in_batch)
        return fail(s, "leaf %llu is outside any batch", (unsigned long long)seq);
    else
        memcpy(s->hashes[s->hashes_count++], hash, 32);
    if (err != LEDGER_OK)
        return err;
    if (merkle_frontier_append(&s->f, hash, merkle_compare_put, &cmp) != 0)
        return cmp.mismatch ? LEDGER_VERIFY_FAILED : LEDGER_CORRUPT;
    switch (type) {
    case CODEC_LEAF_BATCH:
        break;
    case CODEC_LEAF_ENTRY:
        err = on_entry(s, seq, leaf, len);
        break;
    case CODEC_LEAF_KEY:
        err = on_key(s, seq, leaf, len);
        break;
    case CODEC_LEAF_PROGRAMME:
        err = on_programme(s, seq, leaf, len);
        break;
    case CODEC_LEAF_ACCOUNT:
        err = on_account(s, seq, leaf, len);
        break;
    case CODEC_LEAF_PARTICIPANT:
        err = vdomain_participant(s->domain, s->programmes_count, seq, leaf, len);
        break;
    case CODEC_LEAF_SETTINGS:
        err = vdomain_settings(s->domain, s->programmes_count, seq, leaf, len);
        break;
    case CODEC_LEAF_CLOSURE:
        err = vdomain_closure(s->domain, s->programmes_count, seq, leaf, len);
        break;
    case CODEC_LEAF_GROUP:
        err = vdomain_group(s->domain, s->programmes_count, seq, leaf, len);
        break;
    case CODEC_LEAF_STATEMENT:
        err = on_statement(s, seq, leaf, len);
        break;
    default:
        err = fail(s, "leaf %llu: unknown type or version", (unsigned long long)seq);
    }
    if (err == LEDGER_OK && s->in_batch && seq + 1 == s->batch_end)
        err = checkpoint_check(s);
    return err;
}

static int leaves_walk(vstate *s)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t expect = 0;
    int rc = mdb_cursor_open(s->txn, s->l->dbi_entries, &cur);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    int err = LEDGER_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && err == LEDGER_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8 || be64_get(k.mv_data) != expect) {
            err = fail(s, "leaf %llu is missing", (unsigned long long)expect);
            break;
        }
        if (expect >= s->tree_size) {
            err = fail(s, "leaf %llu lies beyond the tree size %llu",
                       (unsigned long long)expect, (unsigned long long)s->tree_size);
            break;
        }
        err = on_leaf(s, expect, v.mv_data, v.mv_size);
        expect++;
        s->r->leaves = expect;
    }
    mdb_cursor_close(cur);
    if (err == LEDGER_OK && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    if (err == LEDGER_OK && expect != s->tree_size)
        err = fail(s, "%llu leaves stored, tree size is %llu", (unsigned long long)expect,
                   (unsigned long long)s->tree_size);
    if (err == LEDGER_OK && s->in_batch)
        err = fail(s, "the last batch is incomplete");
    return err;
}

/* ---- after the walk: stored state against the replay ---- */

static uint64_t db_count(vstate *s, MDB_dbi dbi)
{
    MDB_stat st;
    return mdb_stat(s->txn, dbi, &st) == MDB_SUCCESS ? st.ms_entries : UINT64_MAX;
}

static int accounts_check(vstate *s)
{
    for (size_t id = 1; id <= s->accts_count; id++) {
        const acct_rec *want = &s->accts[id];
        acct_rec got;
        uint64_t by_code;
        if (acct_load(s->txn, s->l, id, &got) != LEDGER_OK ||
            memcmp(&got, want, offsetof(acct_rec, pad)) != 0)
            return fail(s, "account %.*s: stored balance or history differs from the entries",
                        (int)want->code_len, want->code);
        if (acct_id_by_code(s->txn, s->l, want->programme, want->code, want->code_len,
                            &by_code) != LEDGER_OK ||
            by_code != id)
            return fail(s, "account %.*s: code does not lead to it", (int)want->code_len,
                        want->code);
    }
    uint64_t pending_count = 0;
    for (size_t id = 1; id <= s->accts_count; id++)
        pending_count += s->accts[id].debits_pending != 0 || s->accts[id].credits_pending != 0;
    if (db_count(s, s->l->dbi_accounts) != s->accts_count ||
        db_count(s, s->l->dbi_codes) != s->accts_count ||
        db_count(s, s->l->dbi_names) != s->accts_count ||
        db_count(s, s->l->dbi_pending) != pending_count)
        return fail(s, "stored accounts are not exactly those opened in the journal");
    if (db_count(s, s->l->dbi_keys) != s->entries_count)
        return fail(s, "stored client ids are not exactly those of the entries");
    if (db_count(s, s->l->dbi_links) != s->links_count)
        return fail(s, "stored links are not exactly those of the entries");
    if (db_count(s, s->l->dbi_history) != s->history_count)
        return fail(s, "history index holds keys no entry made");
    if (db_count(s, s->l->dbi_checkpoints) != s->batches_count ||
        db_count(s, s->l->dbi_batches) != s->batches_count)
        return fail(s, "checkpoints or batch records without a batch in the journal");
    return LEDGER_OK;
}

static int programmes_check(vstate *s)
{
    for (uint32_t id = 1; id <= s->programmes_count; id++) {
        const programme_rec *want = &s->programmes[id];
        programme_rec by_name, by_id;
        if (programme_by_name(s->txn, s->l, want->name, &by_name) != LEDGER_OK ||
            programme_by_id(s->txn, s->l, id, &by_id) != LEDGER_OK)
            return fail(s, "programme %s: stored record missing", want->name);
        const programme_rec *got[2] = {&by_name, &by_id};
        for (int i = 0; i < 2; i++) {
            if (got[i]->id != want->id || got[i]->digits != want->digits ||
                memcmp(got[i]->currency, want->currency, sizeof want->currency) != 0 ||
                strcmp(got[i]->name, want->name) != 0)
                return fail(s, "programme %s: stored record differs from its leaf", want->name);
        }
    }
    if (db_count(s, s->l->dbi_programmes) != 2 * (uint64_t)s->programmes_count)
        return fail(s, "stored programmes are not exactly those of the journal");
    return LEDGER_OK;
}

/* The meta values the next write starts from must be those of the replay:
 * a wrong one would make the next batch wrong before verify could see it. */
static int meta_check(vstate *s)
{
    uint64_t batch_no = 0, time = 0, account_next = 0, programme_next = 0;
    uint8_t hash[32], pk[32];
    char origin[LEDGER_ORIGIN_MAX + 1];
    if (meta_get_u64(s->txn, s->l, "batch", &batch_no) != LEDGER_OK ||
        batch_no != s->batches_count ||
        meta_get_u64(s->txn, s->l, "time", &time) != LEDGER_OK || (int64_t)time != s->last_time)
        return fail(s, "meta: last batch number or time differs from the journal");
    if (meta_get_bytes(s->txn, s->l, "checkpoint_hash", hash, sizeof hash) != LEDGER_OK ||
        memcmp(hash, s->prev_checkpoint_hash, sizeof hash) != 0)
        return fail(s, "meta: hash of the last checkpoint differs from the stored checkpoint");
    if (meta_get_u64(s->txn, s->l, "account_next", &account_next) != LEDGER_OK ||
        account_next != s->accts_count + 1 ||
        meta_get_u64(s->txn, s->l, "programme_next", &programme_next) != LEDGER_OK ||
        programme_next != (uint64_t)s->programmes_count + 1)
        return fail(s, "meta: next account or programme id differs from the journal");
    if (meta_get_bytes(s->txn, s->l, "key_pk", pk, sizeof pk) != LEDGER_OK ||
        memcmp(pk, s->keys[0].pk, sizeof pk) != 0 ||
        meta_get_str(s->txn, s->l, "origin", origin, sizeof origin) != LEDGER_OK ||
        strcmp(origin, s->keys[0].name) != 0)
        return fail(s, "meta: signing key or origin differs from the journal's last key");
    /* Every complete subtree is stored once: floor(N / 2^level) per level. */
    uint64_t nodes = 0;
    for (unsigned level = 0; level < 64; level++)
        nodes += s->tree_size >> level;
    if (db_count(s, s->l->dbi_merkle) != nodes)
        return fail(s, "Merkle store holds nodes the tree does not have");
    return LEDGER_OK;
}

static int trial_balance_check(vstate *s)
{
    for (uint32_t p = 1; p <= s->programmes_count; p++) {
        int64_t debits = 0, credits = 0;
        for (size_t id = 1; id <= s->accts_count; id++) {
            const acct_rec *a = &s->accts[id];
            if (a->programme != p)
                continue;
            int64_t net = a->debits_posted - a->credits_posted;
            int64_t *side = net >= 0 ? &debits : &credits;
            int64_t amount = net >= 0 ? net : -net;
            if (*side > INT64_MAX - amount)
                return fail(s, "programme %s: trial balance overflows", s->programmes[p].name);
            *side += amount;
        }
        if (debits != credits)
            return fail(
                s, "programme %s: trial balance does not balance (%lld debit, %lld credit)",
                s->programmes[p].name, (long long)debits, (long long)credits);
    }
    return LEDGER_OK;
}

static int verify_run(vstate *s)
{
    int err = meta_get_u64(s->txn, s->l, "tree_size", &s->tree_size);
    if (err != LEDGER_OK)
        return fail(s, "the ledger records no tree size");
    s->leaf_info = calloc(s->tree_size ? s->tree_size : 1, 1);
    if (s->leaf_info == NULL)
        return LEDGER_NOMEM;
    if (merkle_frontier_load(&s->f, 0, merkle_store_get, NULL) != 0)
        return LEDGER_CORRUPT;
    err = leaves_walk(s);
    if (err == LEDGER_OK)
        err = accounts_check(s);
    if (err == LEDGER_OK)
        err = programmes_check(s);
    if (err == LEDGER_OK)
        err = meta_check(s);
    if (err == LEDGER_OK)
        err = trial_balance_check(s);
    if (err == LEDGER_OK)
        err = vdomain_compare(s->domain, s->txn, s->l, s->programmes_count);
    if (err == LEDGER_OK && s->pinned != NULL && !s->pinned_seen)
        err = fail(s, "the trusted key given is not among the ledger's signing keys");
    s->r->entries = s->entries_count;
    s->r->accounts = s->accts_count;
    return err;
}

static int pinned_key(const char *dir, const char *vkey, note_verifier *out)
{
    char text[NOTE_VKEY_MAX + 2], path[4200];
    if (vkey == NULL) {
        ledger_path(path, sizeof path, dir, "signing.pub");
        FILE *f = fopen(path, "r");
        if (f == NULL)
            return 1; /* nothing to pin: the first key in the journal is trusted */
        char *line = fgets(text, sizeof text, f);
        fclose(f);
        if (line == NULL)
            return -1;
        text[strcspn(text, "\r\n")] = '\0';
        vkey = text;
    }
    return note_vkey_parse(out, vkey) == 0 ? 0 : -1;
}

int ledger_verify(ledger *l, const char *vkey, ledger_verify_report *report)
{
    vstate *s;
    note_verifier pinned;
    if (l == NULL || report == NULL)
        return LEDGER_INVALID_ARGUMENT;
    memset(report, 0, sizeof *report);
    int pin = pinned_key(l->dir, vkey, &pinned);
    if (pin < 0) {
        snprintf(report->first_error, sizeof report->first_error,
                 "the trusted verifier key is malformed");
        return LEDGER_VERIFY_FAILED;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return LEDGER_NOMEM;
    s->l = l;
    s->r = report;
    s->pinned = pin == 0 ? &pinned : NULL;
    s->domain = vdomain_new(report->first_error, sizeof report->first_error);
    if (s->domain == NULL) {
        free(s);
        return LEDGER_NOMEM;
    }
    int err = ledger_read_begin(l, &s->txn);
    if (err == LEDGER_OK) {
        err = verify_run(s);
        ledger_read_end(l, s->txn);
    }
    free(s->accts);
    free(s->leaf_info);
    free(s->hashes);
    vdomain_free(s->domain);
    free(s);
    return err;
}
