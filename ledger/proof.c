/*
 * proof.c — what auditors check: signed checkpoints, root hashes, inclusion
 * and consistency proofs, and offline proofs in the C2SP tlog-proof@v1 text
 * format that a printed statement's QR code carries.
 */
#include "ledger/internal.h"

#include <stdio.h>
#include <string.h>

static int tree_size_get(MDB_txn *txn, ledger *l, uint64_t *out)
{
    int err = meta_get_u64(txn, l, "tree_size", out);
    return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
}

static int checkpoint_read(MDB_txn *txn, ledger *l, uint64_t size, char *out, size_t cap,
                           size_t *len_out)
{
    uint8_t key[8];
    be64_put(key, size);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, l->dbi_checkpoints, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size > cap)
        return LEDGER_INVALID_ARGUMENT;
    memcpy(out, v.mv_data, v.mv_size);
    *len_out = v.mv_size;
    return LEDGER_OK;
}

int ledger_checkpoint_get(ledger *l, uint64_t tree_size, char *out, size_t cap, size_t *len_out)
{
    MDB_txn *txn;
    if (l == NULL || out == NULL || len_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = checkpoint_read(txn, l, tree_size, out, cap, len_out);
    ledger_read_end(l, txn);
    return err;
}

int ledger_checkpoint_latest(ledger *l, char *out, size_t cap, size_t *len_out,
                             uint64_t *tree_size_out)
{
    MDB_txn *txn;
    uint64_t size;
    if (l == NULL || out == NULL || len_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = tree_size_get(txn, l, &size);
    if (err == LEDGER_OK)
        err = checkpoint_read(txn, l, size, out, cap, len_out);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK && tree_size_out != NULL)
        *tree_size_out = size;
    return err;
}

static int leaf_read(MDB_txn *txn, ledger *l, uint64_t seq, MDB_val *v)
{
    uint8_t key[8];
    be64_put(key, seq);
    MDB_val k = {sizeof key, key};
    return ledger_map_err(mdb_get(txn, l->dbi_entries, &k, v));
}

int ledger_leaf_get(ledger *l, uint64_t seq, uint8_t *out, size_t cap, size_t *len_out)
{
    MDB_txn *txn;
    MDB_val v;
    if (l == NULL || out == NULL || len_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = leaf_read(txn, l, seq, &v);
    if (err == LEDGER_OK && v.mv_size > cap)
        err = LEDGER_INVALID_ARGUMENT;
    if (err == LEDGER_OK) {
        memcpy(out, v.mv_data, v.mv_size);
        *len_out = v.mv_size;
    }
    ledger_read_end(l, txn);
    return err;
}

int ledger_root(ledger *l, uint64_t tree_size, uint8_t root[LEDGER_HASH_BYTES])
{
    MDB_txn *txn;
    uint64_t size;
    if (l == NULL || root == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = tree_size_get(txn, l, &size);
    if (err == LEDGER_OK && tree_size > size)
        err = LEDGER_NOT_FOUND;
    merkle_store s = {l, txn};
    if (err == LEDGER_OK && merkle_root(root, tree_size, merkle_store_get, &s) != 0)
        err = LEDGER_CORRUPT;
    ledger_read_end(l, txn);
    return err;
}

static int inclusion_in(MDB_txn *txn, ledger *l, uint64_t seq, uint64_t *tree_size,
                        uint8_t leaf_hash[32], uint8_t proof[][32], size_t *count)
{
    uint64_t size;
    MDB_val v;
    int err = tree_size_get(txn, l, &size);
    if (err != LEDGER_OK)
        return err;
    if (*tree_size == 0)
        *tree_size = size;
    if (*tree_size > size || seq >= *tree_size)
        return LEDGER_NOT_FOUND;
    err = leaf_read(txn, l, seq, &v);
    if (err != LEDGER_OK)
        return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
    merkle_leaf_hash(leaf_hash, v.mv_data, v.mv_size);
    merkle_store s = {l, txn};
    if (merkle_inclusion_proof(proof, LEDGER_PROOF_MAX, count, seq, *tree_size,
                               merkle_store_get, &s) != 0)
        return LEDGER_CORRUPT;
    return LEDGER_OK;
}

int ledger_inclusion_proof(ledger *l, uint64_t seq, uint64_t tree_size,
                           uint8_t leaf_hash[LEDGER_HASH_BYTES],
                           uint8_t proof[][LEDGER_HASH_BYTES], size_t *count_out)
{
    MDB_txn *txn;
    if (l == NULL || leaf_hash == NULL || proof == NULL || count_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = inclusion_in(txn, l, seq, &tree_size, leaf_hash, proof, count_out);
    ledger_read_end(l, txn);
    return err;
}

int ledger_consistency_proof(ledger *l, uint64_t size_old, uint64_t size_new,
                             uint8_t proof[][LEDGER_HASH_BYTES], size_t *count_out)
{
    MDB_txn *txn;
    uint64_t size;
    if (l == NULL || proof == NULL || count_out == NULL || size_old == 0 || size_old > size_new)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = tree_size_get(txn, l, &size);
    if (err == LEDGER_OK && size_new > size)
        err = LEDGER_NOT_FOUND;
    merkle_store s = {l, txn};
    if (err == LEDGER_OK &&
        merkle_consistency_proof(proof, LEDGER_PROOF_MAX, count_out, size_old, size_new,
                                 merkle_store_get, &s) != 0)
        err = LEDGER_CORRUPT;
    ledger_read_end(l, txn);
    return err;
}

int ledger_proof_text(ledger *l, uint64_t seq, char *out, size_t cap, size_t *len_out)
{
    MDB_txn *txn;
    static _Thread_local note_proof p; /* 6 KiB: off small thread stacks */
    uint8_t leaf_hash[32];
    uint64_t size = 0;
    if (l == NULL || out == NULL || len_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    memset(&p, 0, sizeof p);
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = inclusion_in(txn, l, seq, &size, leaf_hash, p.hashes, &p.hashes_count);
    if (err == LEDGER_OK)
        err =
            checkpoint_read(txn, l, size, p.checkpoint, sizeof p.checkpoint, &p.checkpoint_len);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK)
        return err;
    p.index = seq;
    return note_proof_format(out, cap, len_out, &p) == 0 ? LEDGER_OK : LEDGER_INVALID_ARGUMENT;
}

static int why_set(char *why, size_t cap, const char *text)
{
    if (why != NULL && cap > 0)
        snprintf(why, cap, "%s", text);
    return LEDGER_VERIFY_FAILED;
}

int ledger_proof_text_verify(const char *text, size_t len, const char *vkey,
                             const uint8_t *leaf, size_t leaf_len, char *why, size_t why_cap)
{
    static _Thread_local note_proof p;
    note_verifier v;
    note_checkpoint c;
    size_t body_len;
    uint8_t leaf_hash[32];
    if (text == NULL || vkey == NULL || leaf == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (note_vkey_parse(&v, vkey) != 0)
        return why_set(why, why_cap, "the verifier key is malformed");
    if (note_proof_parse(&p, text, len) != 0)
        return why_set(why, why_cap, "the proof text is malformed");
    if (note_verify(p.checkpoint, p.checkpoint_len, &v, 1, &body_len, NULL) != 0)
        return why_set(why, why_cap, "the checkpoint is not signed by this key");
    if (note_checkpoint_parse(&c, p.checkpoint, body_len) != 0)
        return why_set(why, why_cap, "the checkpoint is malformed");
    if (strcmp(c.origin, v.name) != 0)
        return why_set(why, why_cap, "the checkpoint's origin is not the key's name");
    merkle_leaf_hash(leaf_hash, leaf, leaf_len);
    if (merkle_inclusion_verify(leaf_hash, p.index, c.size, (const uint8_t(*)[32])p.hashes,
                                p.hashes_count, c.root) != 0)
        return why_set(why, why_cap, "the leaf is not in the tree of that checkpoint");
    if (why != NULL && why_cap > 0)
        why[0] = '\0';
    return LEDGER_OK;
}
