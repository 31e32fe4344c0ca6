/*
 * merkle.c — the journal's RFC 6962 Merkle tree: hashing, appending through
 * the frontier, roots, and building and checking inclusion and consistency
 * proofs.
 *
 * This file is responsible for getting the tree arithmetic right and nothing
 * else. It never allocates, never touches LMDB and never keeps state between
 * calls: storage is reached only through the caller's get/put callbacks, one
 * complete aligned subtree (level, index) at a time, and the only hashes it
 * reads are those merkle_frontier_append wrote. Proof builders
 * follow the recursive definitions of RFC 6962 §2.1 (MTH, PATH, SUBPROOF),
 * splitting a range at the largest power of two below its length, and read a
 * range from storage as soon as it is a complete aligned subtree; the
 * verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step so that they
 * can be compared with the text. Recursion is on the tree height, so it is
 * never deeper than MERKLE_LEVELS_MAX.
 *
 * Every call that can fail checks its arguments: a bad size, index, count or
 * buffer is a -1 return, never an assert, because sizes, indexes and proofs
 * arrive from clients. The void hashing calls only assert that their
 * pointers are set; a NULL there is a bug in the caller, not bad input.
 */
#include "ledger/merkle.h"

#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "ledger/sha256.h"

#define MERKLE_LEAF_PREFIX 0x00
#define MERKLE_NODE_PREFIX 0x01

_Static_assert(MERKLE_HASH_BYTES == crypto_hash_sha256_BYTES,
               "Merkle hashes are SHA-256 digests");
_Static_assert(MERKLE_LEVELS_MAX == 64,
               "frontier levels must cover every bit of a uint64_t size");
/* Consistency proofs are the longest: at most two hashes per level. */
_Static_assert(MERKLE_PROOF_MAX >= 2 * MERKLE_LEVELS_MAX,
               "proof buffer too small for any tree");

void merkle_leaf_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t *leaf, size_t len)
{
    assert(out != NULL);
    assert(leaf != NULL || len == 0);
    sha256_prefixed(out, MERKLE_LEAF_PREFIX, leaf, len, NULL, 0);
}

void merkle_node_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t left[MERKLE_HASH_BYTES],
                      const uint8_t right[MERKLE_HASH_BYTES])
{
    uint8_t buf[2 * MERKLE_HASH_BYTES];

    assert(out != NULL && left != NULL && right != NULL);
    /* Copy first: out may alias left or right (verifiers fold in place). */
    memcpy(buf, left, MERKLE_HASH_BYTES);
    memcpy(buf + MERKLE_HASH_BYTES, right, MERKLE_HASH_BYTES);
    sha256_prefixed(out, MERKLE_NODE_PREFIX, buf, sizeof buf, NULL, 0);
}

/* MTH of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
static void empty_root(uint8_t out[MERKLE_HASH_BYTES])
{
    crypto_hash_sha256(out, (const unsigned char *)"", 0);
}

/* Largest power of two strictly below n (n >= 2): RFC 6962's split point k.
 * Written as k <= (n - 1) / 2 so that doubling k can never overflow. */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;

    assert(n >= 2);
    while (k <= (n - 1) / 2) {
        k <<= 1;
    }
    assert(k < n && n - k <= k);
    return k;
}

/* Level of [start, start + len) when it is a complete aligned subtree, or -1. */
static int complete_level(uint64_t start, uint64_t len)
{
    int level = 0;

    if (len == 0 || (len & (len - 1)) != 0 || (start & (len - 1)) != 0) {
        return -1;
    }
    while (((uint64_t)1 << level) != len) {
        level++;
    }
    return level;
}

/* MTH of leaves [start, end), end > start, read from stored subtrees. */
static int range_hash(uint8_t out[MERKLE_HASH_BYTES], uint64_t start, uint64_t end,
                      merkle_get_fn get, void *ctx)
{
    uint8_t left[MERKLE_HASH_BYTES], right[MERKLE_HASH_BYTES];
    int level;
    uint64_t k;

    assert(end > start);
    level = complete_level(start, end - start);
    if (level >= 0) {
        return get(ctx, (uint32_t)level, start >> level, out);
    }
    k = split_point(end - start);
    if (range_hash(left, start, start + k, get, ctx) != 0 ||
        range_hash(right, start + k, end, get, ctx) != 0) {
        return -1;
    }
    merkle_node_hash(out, left, right);
    return 0;
}

/* ---- frontier ---------------------------------------------------------- */

int merkle_frontier_load(merkle_frontier *f, uint64_t size, merkle_get_fn get, void *ctx)
{
    merkle_frontier tmp;
    uint64_t start = 0;
    int level;

    if (f == NULL || get == NULL) {
        return -1;
    }
    tmp.size = size;
    /* High bits first: each set bit is the next complete subtree from the left. */
    for (level = MERKLE_LEVELS_MAX - 1; level >= 0; level--) {
        if (((size >> level) & 1) == 0) {
            continue;
        }
        if (get(ctx, (uint32_t)level, start >> level, tmp.hashes[level]) != 0) {
            return -1;
        }
        start += (uint64_t)1 << level;
    }
    assert(start == size);
    *f = tmp;
    return 0;
}

int merkle_frontier_append(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                           merkle_put_fn put, void *ctx)
{
    uint8_t h[MERKLE_HASH_BYTES];
    uint64_t size;
    uint32_t level = 0;

    if (f == NULL || leaf_hash == NULL || put == NULL) {
        return -1;
    }
    size = f->size;
    if (size == UINT64_MAX) {
        return -1; /* tree full: the new size would not fit */
    }
    memcpy(h, leaf_hash, MERKLE_HASH_BYTES);
    if (put(ctx, 0, size, h) != 0) {
        return -1;
    }
    /* Each trailing one bit of size is a left sibling the new leaf completes.
     * The frontier is written only once every put succeeded, so a failed
     * append leaves it as it was. */
    while (((size >> level) & 1) != 0) {
        merkle_node_hash(h, f->hashes[level], h);
        level++;
        assert(level < MERKLE_LEVELS_MAX); /* size < UINT64_MAX has a zero bit */
        if (put(ctx, level, size >> level, h) != 0) {
            return -1;
        }
    }
    memcpy(f->hashes[level], h, MERKLE_HASH_BYTES);
    f->size = size + 1;
    return 0;
}

void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_BYTES])
{
    uint8_t acc[MERKLE_HASH_BYTES];
    int level, have = 0;

    assert(f != NULL && out != NULL);
    if (f->size == 0) {
        empty_root(out);
        return;
    }
    /* The right edge folds from the smallest subtree up: MTH splits off the
     * largest power of two on the left at every step. */
    for (level = 0; level < MERKLE_LEVELS_MAX; level++) {
        if (((f->size >> level) & 1) == 0) {
            continue;
        }
        if (!have) {
            memcpy(acc, f->hashes[level], MERKLE_HASH_BYTES);
            have = 1;
        } else {
            merkle_node_hash(acc, f->hashes[level], acc);
        }
    }
    memcpy(out, acc, MERKLE_HASH_BYTES);
}

/* ---- roots ------------------------------------------------------------- */

/* put callback that keeps nothing: merkle_root_of_leaves needs only the
 * frontier. */
static int discard_put(void *ctx, uint32_t level, uint64_t index,
                       const uint8_t hash[MERKLE_HASH_BYTES])
{
    (void)ctx;
    (void)level;
    (void)index;
    (void)hash;
    return 0;
}

void merkle_root_of_leaves(uint8_t out[MERKLE_HASH_BYTES],
                           const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t count)
{
    merkle_frontier f;
    size_t i;
    int rc;

    assert(out != NULL);
    assert(leaf_hashes != NULL || count == 0);
    f.size = 0;
    for (i = 0; i < count; i++) {
        rc = merkle_frontier_append(&f, leaf_hashes[i], discard_put, NULL);
        assert(rc == 0); /* a size_t count cannot fill a uint64_t tree */
        (void)rc;
    }
    merkle_frontier_root(&f, out);
}

int merkle_root(uint8_t out[MERKLE_HASH_BYTES], uint64_t size, merkle_get_fn get, void *ctx)
{
    merkle_frontier f;

    if (out == NULL || get == NULL) {
        return -1;
    }
    if (merkle_frontier_load(&f, size, get, ctx) != 0) {
        return -1;
    }
    merkle_frontier_root(&f, out);
    return 0;
}

/* ---- proofs ------------------------------------------------------------ */

/* Where a proof under construction goes; count grows, out/max are fixed. */
typedef struct proof_sink {
    uint8_t (*out)[MERKLE_HASH_BYTES];
    size_t max;
    size_t count;
    merkle_get_fn get;
    void *ctx;
} proof_sink;

/* Appends MTH(D[start:end]) to the proof. */
static int sink_range(proof_sink *s, uint64_t start, uint64_t end)
{
    if (s->count >= s->max) {
        return -1;
    }
    if (range_hash(s->out[s->count], start, end, s->get, s->ctx) != 0) {
        return -1;
    }
    s->count++;
    return 0;
}

/* RFC 6962 §2.1.1 PATH(m, D[start:end]): the sibling nearest the leaf comes
 * first, so recurse before appending. */
static int path(proof_sink *s, uint64_t m, uint64_t start, uint64_t end)
{
    uint64_t k;

    assert(start <= m && m < end);
    if (end - start == 1) {
        return 0;
    }
    k = split_point(end - start);
    if (m < start + k) {
        return path(s, m, start, start + k) != 0 ? -1 : sink_range(s, start + k, end);
    }
    return path(s, m, start + k, end) != 0 ? -1 : sink_range(s, start, start + k);
}

int merkle_inclusion_proof(uint8_t (*out)[MERKLE_HASH_BYTES], size_t max, size_t *count_out,
                           uint64_t index, uint64_t size, merkle_get_fn get, void *ctx)
{
    proof_sink s;

    if (count_out == NULL || get == NULL || (out == NULL && max > 0) || index >= size) {
        return -1;
    }
    s.out = out;
    s.max = max < MERKLE_PROOF_MAX ? max : MERKLE_PROOF_MAX;
    s.count = 0;
    s.get = get;
    s.ctx = ctx;
    if (path(&s, index, 0, size) != 0) {
        return -1;
    }
    *count_out = s.count;
    return 0;
}

/* RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b), with m counted from start.
 * `whole` is the RFC's b: true while D[start:start + m] is known to the
 * verifier as the old root itself, so it need not be sent. */
static int subproof(proof_sink *s, uint64_t m, uint64_t start, uint64_t end, int whole)
{
    uint64_t k;

    assert(m >= 1 && m <= end - start);
    if (m == end - start) {
        return whole ? 0 : sink_range(s, start, end);
    }
    k = split_point(end - start);
    if (m <= k) {
        return subproof(s, m, start, start + k, whole) != 0 ? -1
                                                            : sink_range(s, start + k, end);
    }
    return subproof(s, m - k, start + k, end, 0) != 0 ? -1 : sink_range(s, start, start + k);
}

int merkle_consistency_proof(uint8_t (*out)[MERKLE_HASH_BYTES], size_t max, size_t *count_out,
                             uint64_t size_old, uint64_t size_new, merkle_get_fn get, void *ctx)
{
    proof_sink s;

    if (count_out == NULL || get == NULL || (out == NULL && max > 0) || size_old == 0 ||
        size_old > size_new) {
        return -1;
    }
    s.out = out;
    s.max = max < MERKLE_PROOF_MAX ? max : MERKLE_PROOF_MAX;
    s.count = 0;
    s.get = get;
    s.ctx = ctx;
    if (subproof(&s, size_old, 0, size_new, 1) != 0) {
        return -1;
    }
    *count_out = s.count;
    return 0;
}

/* ---- verification ------------------------------------------------------ */

int merkle_inclusion_verify(const uint8_t leaf_hash[MERKLE_HASH_BYTES], uint64_t index,
                            uint64_t size, const uint8_t (*proof)[MERKLE_HASH_BYTES],
                            size_t count, const uint8_t root[MERKLE_HASH_BYTES])
{
    uint8_t r[MERKLE_HASH_BYTES];
    uint64_t fn, sn;
    size_t i;

    if (leaf_hash == NULL || root == NULL || (proof == NULL && count > 0) ||
        count > MERKLE_PROOF_MAX) {
        return -1;
    }
    /* Steps 1-3. */
    if (index >= size) {
        return -1;
    }
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, MERKLE_HASH_BYTES);
    /* Step 4. */
    for (i = 0; i < count; i++) {
        if (sn == 0) {
            return -1; /* more hashes than levels: extended proof */
        }
        if ((fn & 1) != 0 || fn == sn) {
            merkle_node_hash(r, proof[i], r);
            /* On the right edge a node with no right sibling moves up as is. */
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, r, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 5: sn must have reached the root, or the proof was truncated. */
    if (sn != 0 || memcmp(r, root, MERKLE_HASH_BYTES) != 0) {
        return -1;
    }
    return 0;
}

int merkle_consistency_verify(uint64_t size_old, uint64_t size_new,
                              const uint8_t root_old[MERKLE_HASH_BYTES],
                              const uint8_t root_new[MERKLE_HASH_BYTES],
                              const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t count)
{
    uint8_t fr[MERKLE_HASH_BYTES], sr[MERKLE_HASH_BYTES];
    uint64_t fn, sn;
    size_t i;

    if (root_old == NULL || root_new == NULL || (proof == NULL && count > 0) ||
        count > MERKLE_PROOF_MAX || size_old == 0 || size_old > size_new) {
        return -1;
    }
    if (size_old == size_new) {
        /* The same tree: nothing to prove, and RFC 6962 sends nothing. */
        return count == 0 && memcmp(root_old, root_new, MERKLE_HASH_BYTES) == 0 ? 0 : -1;
    }
    /* Step 1. */
    if (count == 0) {
        return -1;
    }
    /* Step 2, without copying the proof: when size_old is a power of two the
     * old root is the proof's implicit first element. */
    i = 0;
    if ((size_old & (size_old - 1)) == 0) {
        memcpy(fr, root_old, MERKLE_HASH_BYTES);
    } else {
        memcpy(fr, proof[0], MERKLE_HASH_BYTES);
        i = 1;
    }
    memcpy(sr, fr, MERKLE_HASH_BYTES);
    /* Steps 3-4. */
    fn = size_old - 1;
    sn = size_new - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 6. */
    for (; i < count; i++) {
        if (sn == 0) {
            return -1;
        }
        if ((fn & 1) != 0 || fn == sn) {
            merkle_node_hash(fr, proof[i], fr);
            merkle_node_hash(sr, proof[i], sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, sr, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 7. */
    if (sn != 0 || memcmp(fr, root_old, MERKLE_HASH_BYTES) != 0 ||
        memcmp(sr, root_new, MERKLE_HASH_BYTES) != 0) {
        return -1;
    }
    return 0;
}
