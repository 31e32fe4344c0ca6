/*
 * merkle.h — RFC 6962 Merkle tree hashing, append, proofs and their checks.
 *
 * Pure functions: no LMDB, no allocation. Storage is reached through two
 * callbacks on complete subtrees, node (level, index) covering leaves
 * [index << level, (index + 1) << level). ledger/ stores them in the `merkle`
 * named database; tests store them in an array.
 *
 * Hashes (RFC 6962 §2.1): leaf = SHA-256(0x00 || bytes),
 * node = SHA-256(0x01 || left || right), empty tree = SHA-256("").
 */
#ifndef CAURIS_MERKLE_H
#define CAURIS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_BYTES 32
#define MERKLE_LEVELS_MAX 64 /* tree sizes up to 2^64 - 1 */
#define MERKLE_PROOF_MAX 128 /* hashes in any proof we produce or accept */

/* Reads the hash of complete subtree (level, index) into out; 0 or -1. */
typedef int (*merkle_get_fn)(void *ctx, uint32_t level, uint64_t index,
                             uint8_t out[MERKLE_HASH_BYTES]);
/* Stores the hash of complete subtree (level, index); 0 or -1. */
typedef int (*merkle_put_fn)(void *ctx, uint32_t level, uint64_t index,
                             const uint8_t hash[MERKLE_HASH_BYTES]);

void merkle_leaf_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t *leaf, size_t len);
void merkle_node_hash(uint8_t out[MERKLE_HASH_BYTES], const uint8_t left[MERKLE_HASH_BYTES],
                      const uint8_t right[MERKLE_HASH_BYTES]);

/* The right edge of a tree: for each set bit `level` of size, the hash of the
 * complete subtree of 2^level leaves there. Enough to append and to compute
 * the root without reading storage. */
typedef struct merkle_frontier {
    uint64_t size;
    uint8_t hashes[MERKLE_LEVELS_MAX][MERKLE_HASH_BYTES];
} merkle_frontier;

/* Loads the frontier of a stored tree of `size` leaves. 0 or -1. */
int merkle_frontier_load(merkle_frontier *f, uint64_t size, merkle_get_fn get, void *ctx);
/* Appends one leaf hash: puts (0, size) and every subtree it completes.
 * 0, or -1 if the tree is full (size UINT64_MAX) or a put failed. On failure
 * the frontier is left unchanged, but some puts may have happened: the caller
 * aborts the transaction they went into. */
int merkle_frontier_append(merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_BYTES],
                           merkle_put_fn put, void *ctx);
/* Root hash of the tree the frontier describes. */
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_BYTES]);

/* Root of `count` leaf hashes held in memory (e.g. one batch's entries). */
void merkle_root_of_leaves(uint8_t out[MERKLE_HASH_BYTES],
                           const uint8_t (*leaf_hashes)[MERKLE_HASH_BYTES], size_t count);

/* Root of the stored tree of `size` leaves. 0 or -1. */
int merkle_root(uint8_t out[MERKLE_HASH_BYTES], uint64_t size, merkle_get_fn get, void *ctx);

/* RFC 6962 §2.1.1 audit path of leaf `index` in the tree of `size` leaves.
 * Writes up to `max` hashes and their count. 0, or -1 when index >= size, a
 * read failed or max is too small. */
int merkle_inclusion_proof(uint8_t (*out)[MERKLE_HASH_BYTES], size_t max, size_t *count_out,
                           uint64_t index, uint64_t size, merkle_get_fn get, void *ctx);

/* RFC 6962 §2.1.2 consistency proof from size_old to size_new
 * (0 < size_old <= size_new). 0 or -1. */
int merkle_consistency_proof(uint8_t (*out)[MERKLE_HASH_BYTES], size_t max, size_t *count_out,
                             uint64_t size_old, uint64_t size_new, merkle_get_fn get,
                             void *ctx);

/* RFC 9162 §2.1.3.2: 0 when the proof shows leaf_hash at index in the tree
 * of `size` leaves with this root, -1 otherwise. */
int merkle_inclusion_verify(const uint8_t leaf_hash[MERKLE_HASH_BYTES], uint64_t index,
                            uint64_t size, const uint8_t (*proof)[MERKLE_HASH_BYTES],
                            size_t count, const uint8_t root[MERKLE_HASH_BYTES]);

/* RFC 9162 §2.1.4.2: 0 when the proof shows the tree of size_old with
 * root_old is a prefix of the tree of size_new with root_new, -1 otherwise. */
int merkle_consistency_verify(uint64_t size_old, uint64_t size_new,
                              const uint8_t root_old[MERKLE_HASH_BYTES],
                              const uint8_t root_new[MERKLE_HASH_BYTES],
                              const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t count);

#endif
