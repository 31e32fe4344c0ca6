/*
 * batch.c — the one way anything is written: a batch.
 *
 * A batch is one LMDB write transaction that appends leaves to the journal.
 * Its first leaf is a header (batch number, previous tree size and root, the
 * root of the batch's own leaves, time, key id); then come the leaves the
 * caller adds; then the Merkle nodes they complete, one checkpoint signed
 * with the ledger's key, and one commit with fsync. One fsync and one
 * signature are shared by everything in the batch: that is the group commit.
 *
 * Must never: commit leaves without their checkpoint, or keep the in-memory
 * frontier of a transaction that did not commit.
 */
#include "ledger/internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define BATCH_GROWTH_RETRIES_MAX 48 /* map doublings before giving up */
#define BATCH_HASHES_INITIAL 1024

/* Merkle nodes are keyed by their post-order position (as in a Merkle
 * mountain range): appending leaves completes nodes in increasing position,
 * so every node write is an append and pages fill up. Node (level, index)
 * is made right after leaf ((index + 1) << level) - 1, the level-th after
 * it; leaf n sits at 2n - popcount(n). */
static uint64_t popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555u);
    v = (v & 0x3333333333333333u) + ((v >> 2) & 0x3333333333333333u);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (v * 0x0101010101010101u) >> 56;
}

static uint64_t merkle_position(uint32_t level, uint64_t index)
{
    uint64_t last_leaf = ((index + 1) << level) - 1;
    return 2 * last_leaf - popcount64(last_leaf) + level;
}

int merkle_store_get(void *vctx, uint32_t level, uint64_t index, uint8_t out[MERKLE_HASH_BYTES])
{
    merkle_store *s = vctx;
    uint8_t key[8];
    be64_put(key, merkle_position(level, index));
    MDB_val k = {sizeof key, key}, v;
    if (mdb_get(s->txn, s->l->dbi_merkle, &k, &v) != MDB_SUCCESS ||
        v.mv_size != MERKLE_HASH_BYTES)
        return -1;
    memcpy(out, v.mv_data, MERKLE_HASH_BYTES);
    return 0;
}

/* Records the LMDB error of a failed put so batch_finish can tell a full map
 * (grow and retry) from other failures. */
typedef struct merkle_put_ctx {
    merkle_store store;
    int rc;
} merkle_put_ctx;

int merkle_store_put(void *vctx, uint32_t level, uint64_t index,
                     const uint8_t hash[MERKLE_HASH_BYTES])
{
    merkle_put_ctx *c = vctx;
    uint8_t key[8];
    be64_put(key, merkle_position(level, index));
    MDB_val k = {sizeof key, key}, v = {MERKLE_HASH_BYTES, (void *)hash};
    c->rc = mdb_put(c->store.txn, c->store.l->dbi_merkle, &k, &v, MDB_APPEND);
    return c->rc == MDB_SUCCESS ? 0 : -1;
}

int batch_begin(ledger *l, batch *b)
{
    uint64_t size = 0, batch_no = 0, last_time = 0;
    memset(b, 0, sizeof *b);
    if (l->read_only || !l->has_signer)
        return LEDGER_READ_ONLY;
    b->l = l;
    int err = ledger_txn_begin(l, 0, &b->txn);
    if (err != LEDGER_OK) {
        b->txn = NULL;
        return err;
    }
    err = meta_get_u64(b->txn, l, "tree_size", &size);
    if (err == LEDGER_NOT_FOUND) /* the first batch of a new ledger */
        err = LEDGER_OK;
    if (err == LEDGER_OK && size > 0) {
        err = meta_get_u64(b->txn, l, "batch", &batch_no);
        if (err == LEDGER_OK)
            err = meta_get_u64(b->txn, l, "time", &last_time);
    }
    if (err == LEDGER_OK && (!l->frontier_ok || l->frontier.size != size)) {
        merkle_store s = {l, b->txn};
        if (merkle_frontier_load(&l->frontier, size, merkle_store_get, &s) != 0)
            err = LEDGER_CORRUPT;
        l->frontier_ok = (err == LEDGER_OK);
    }
    if (err != LEDGER_OK) {
        batch_abort(b);
        return err;
    }
    int64_t now = l->clock(l->clock_ctx);
    b->time = now > (int64_t)last_time ? now : (int64_t)last_time; /* never backwards */
    b->batch_no = batch_no + 1;
    b->first_seq = size;
    b->next_seq = size + 1;
    return LEDGER_OK;
}

int batch_leaf(batch *b, const uint8_t *leaf, size_t len)
{
    if (b->hashes_count == b->hashes_cap) {
        size_t cap = b->hashes_cap ? b->hashes_cap * 2 : BATCH_HASHES_INITIAL;
        void *p = realloc(b->hashes, cap * MERKLE_HASH_BYTES);
        if (p == NULL)
            return LEDGER_NOMEM;
        b->hashes = p;
        b->hashes_cap = cap;
    }
    uint8_t key[8];
    be64_put(key, b->next_seq);
    MDB_val k = {sizeof key, key}, v = {len, (void *)leaf};
    /* Leaves arrive in seq order after every stored one: append, no search. */
    int rc = mdb_put(b->txn, b->l->dbi_entries, &k, &v, MDB_APPEND);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    merkle_leaf_hash(b->hashes[b->hashes_count], leaf, len);
    b->hashes_count++;
    b->next_seq++;
    return LEDGER_OK;
}

int batch_programme(batch *b, const char *name, programme_rec *out)
{
    if (name != NULL && b->programme_cached && strcmp(b->programme.name, name) == 0) {
        *out = b->programme;
        return LEDGER_OK;
    }
    int err = programme_by_name(b->txn, b->l, name, out);
    if (err == LEDGER_OK) {
        b->programme = *out;
        b->programme_cached = true;
    }
    return err;
}

void batch_truncate(batch *b, size_t count)
{
    assert(count <= b->hashes_count);
    b->next_seq -= b->hashes_count - count;
    b->hashes_count = count;
}

void batch_abort(batch *b)
{
    if (b->txn != NULL) {
        mdb_txn_abort(b->txn);
        pthread_rwlock_unlock(&b->l->map_lock);
        b->txn = NULL;
    }
    free(b->hashes);
    b->hashes = NULL;
}

/* Writes the header leaf at first_seq and returns its hash. */
static int batch_header(batch *b, const uint8_t prev_root[32], uint8_t hash_out[32])
{
    codec_batch h;
    uint8_t leaf[CODEC_LEAF_MAX], key[8];
    size_t len;
    memset(&h, 0, sizeof h);
    h.batch_no = b->batch_no;
    h.first_seq = b->first_seq;
    h.leaves_count = (uint32_t)b->hashes_count;
    h.prev_size = b->first_seq;
    memcpy(h.prev_root, prev_root, 32);
    merkle_root_of_leaves(h.leaves_root, (const uint8_t(*)[32])b->hashes, b->hashes_count);
    h.time = b->time;
    memcpy(h.key_id, b->l->signer.key_id, 4);
    if (codec_batch_encode(leaf, sizeof leaf, &len, &h) != 0)
        return LEDGER_CORRUPT;
    be64_put(key, b->first_seq);
    MDB_val k = {sizeof key, key}, v = {len, leaf};
    int rc = mdb_put(b->txn, b->l->dbi_entries, &k, &v, 0);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    merkle_leaf_hash(hash_out, leaf, len);
    return LEDGER_OK;
}

/* Signs the checkpoint of the new tree, chained to the previous one. */
static int batch_checkpoint(batch *b, const uint8_t root[32], char signed_note[NOTE_TEXT_MAX],
                            size_t *note_len_out)
{
    ledger *l = b->l;
    note_checkpoint c;
    char body[NOTE_TEXT_MAX];
    uint8_t prev[32], key[8], digest[32];
    size_t body_len, note_len;
    memset(&c, 0, sizeof c);
    snprintf(c.origin, sizeof c.origin, "%s", l->signer.name);
    c.size = b->next_seq;
    memcpy(c.root, root, 32);
    int err = meta_get_bytes(b->txn, l, "checkpoint_hash", prev, sizeof prev);
    if (err == LEDGER_OK) {
        char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, prev, 32, sodium_base64_VARIANT_ORIGINAL);
        snprintf(c.extensions[0], sizeof c.extensions[0], "prev %s", b64);
        c.extensions_count = 1;
    } else if (err != LEDGER_NOT_FOUND) {
        return err;
    }
    /* A rotation's checkpoint carries the retiring key's signature too, so
     * trust passes from each key to the next. */
    note_signer signers[2];
    size_t signers_count = 0;
    signers[signers_count++] = l->signer;
    if (b->retiring != NULL)
        signers[signers_count++] = *b->retiring;
    err = LEDGER_OK;
    if (note_checkpoint_format(body, sizeof body, &body_len, &c) != 0 ||
        note_sign(signed_note, NOTE_TEXT_MAX, &note_len, body, body_len, signers,
                  signers_count) != 0)
        err = LEDGER_CORRUPT;
    sodium_memzero(signers, sizeof signers);
    if (err != LEDGER_OK)
        return err;
    be64_put(key, c.size);
    MDB_val k = {sizeof key, key}, v = {note_len, signed_note};
    err = ledger_map_err(mdb_put(b->txn, l->dbi_checkpoints, &k, &v, MDB_APPEND));
    crypto_hash_sha256(digest, (const uint8_t *)signed_note, note_len);
    if (err == LEDGER_OK)
        err = meta_put_bytes(b->txn, l, "checkpoint_hash", digest, sizeof digest);
    if (err == LEDGER_OK)
        *note_len_out = note_len;
    return err;
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint32_t us_of(uint64_t ns)
{
    uint64_t us = ns / 1000u;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

int batch_finish(batch *b, ledger_commit_info *info)
{
    ledger *l = b->l;
    merkle_frontier f;
    merkle_put_ctx mp = {{l, b->txn}, MDB_SUCCESS};
    uint8_t prev_root[32], header_hash[32], root[32], key[8];
    batch_rec rec;
    int err;
    if (b->hashes_count == 0) { /* nothing accepted: nothing to write */
        if (info != NULL) {
            memset(info, 0, sizeof *info);
            info->tree_size = b->first_seq;
        }
        batch_abort(b);
        return LEDGER_OK;
    }
    uint64_t t_seal = mono_ns();
    f = l->frontier;
    merkle_frontier_root(&f, prev_root);
    err = batch_header(b, prev_root, header_hash);
    if (err == LEDGER_OK && merkle_frontier_append(&f, header_hash, merkle_store_put, &mp) != 0)
        err = ledger_map_err(mp.rc);
    for (size_t i = 0; err == LEDGER_OK && i < b->hashes_count; i++) {
        if (merkle_frontier_append(&f, b->hashes[i], merkle_store_put, &mp) != 0)
            err = ledger_map_err(mp.rc);
    }
    assert(err != LEDGER_OK || f.size == b->next_seq);
    merkle_frontier_root(&f, root);
    char note[NOTE_TEXT_MAX];
    size_t note_len = 0;
    if (err == LEDGER_OK)
        err = batch_checkpoint(b, root, note, &note_len);
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "tree_size", b->next_seq);
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "batch", b->batch_no);
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "time", (uint64_t)b->time);
    if (err == LEDGER_OK) {
        rec.first_seq = b->first_seq;
        rec.end_size = b->next_seq;
        rec.time = b->time;
        be64_put(key, b->batch_no);
        MDB_val k = {sizeof key, key}, v = {sizeof rec, &rec};
        err = ledger_map_err(mdb_put(b->txn, l->dbi_batches, &k, &v, MDB_APPEND));
    }
    if (err != LEDGER_OK) {
        batch_abort(b);
        return err;
    }
    uint64_t t_sync = mono_ns();
    int rc = mdb_txn_commit(b->txn); /* fsync: durable when it returns */
    uint64_t t_done = mono_ns();
    b->txn = NULL;
    pthread_rwlock_unlock(&l->map_lock);
    free(b->hashes);
    b->hashes = NULL;
    if (rc != MDB_SUCCESS) {
        l->frontier_ok = false;
        return ledger_map_err(rc);
    }
    l->frontier = f;
    l->frontier_ok = true;
    if (info != NULL) { /* only now: the caller's out-pointer is written on success */
        _Static_assert(LEDGER_CHECKPOINT_MAX >= NOTE_TEXT_MAX, "a checkpoint fits the info");
        info->tree_size = f.size;
        info->batch = b->batch_no;
        memcpy(info->checkpoint, note, note_len);
        info->checkpoint_len = note_len;
        info->apply_us = us_of(b->apply_ns);
        info->seal_us = us_of(t_sync - t_seal);
        info->sync_us = us_of(t_done - t_sync);
    }
    return LEDGER_OK;
}

int batch_run(ledger *l, batch_fn fn, void *ctx, ledger_commit_info *info)
{
    uint64_t apply_ns = 0; /* over every attempt */
    for (int attempt = 0; attempt <= BATCH_GROWTH_RETRIES_MAX; attempt++) {
        batch b;
        int err = batch_begin(l, &b);
        if (err == LEDGER_OK) {
            uint64_t t0 = mono_ns();
            err = fn(l, ctx, &b);
            apply_ns += mono_ns() - t0;
            b.apply_ns = apply_ns;
            if (err == LEDGER_OK)
                err = batch_finish(&b, info);
            else
                batch_abort(&b);
        }
        if (err != LEDGER_ERR_MAP_FULL)
            return err;
        /* The map is full: nothing was written. Grow it and redo the batch. */
        err = ledger_map_grow(l);
        if (err != LEDGER_OK)
            return err;
    }
    return LEDGER_MAP_LIMIT;
}
