/*
 * test_merkle.c — ledger/merkle.c against published vectors and against an
 * independent reference.
 *
 * The reference at the top of this file is RFC 6962 §2.1 read literally:
 * MTH, PATH and SUBPROOF recurse on the leaf data itself and never look at
 * stored nodes; it hashes with crypto_hash_sha256 directly, not through
 * merkle_leaf_hash / merkle_node_hash. merkle.c is then driven through an
 * array-backed store that refuses to read a node that was never written or
 * that lies outside the tree being asked about, so a proof that reads too
 * far fails here instead of quietly reading a later tree's nodes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ledger/merkle.h"

#define H MERKLE_HASH_BYTES
#define SWEEP_SIZE_MAX 300 /* every tree size 1..this, every leaf, every old size */
#define NEG_SIZE_MAX 40    /* tree sizes the corruption probes run on */
#define LEAF_DATA_MAX 48   /* bytes in one generated leaf */
#define STORE_LEVELS 10    /* 2^9 = 512 > SWEEP_SIZE_MAX */
#define STORE_LEAVES_MAX 512
#define REF_PROOF_MAX 64 /* far more than log2(SWEEP_SIZE_MAX) * 2 */

_Static_assert(SWEEP_SIZE_MAX <= STORE_LEAVES_MAX, "store too small for the sweep");
_Static_assert(2 * NEG_SIZE_MAX <= SWEEP_SIZE_MAX, "wrong-size probes need reference data");

/* ---- leaf data --------------------------------------------------------- */

/* The first eight leaves are the Certificate Transparency test leaves (see
 * test_known_answers), so the sweep below also passes through the published
 * roots; the rest are arbitrary lengths and bytes. */
static const char *const ct_leaves_hex[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static uint8_t leaf_data[SWEEP_SIZE_MAX][LEAF_DATA_MAX];
static size_t leaf_len[SWEEP_SIZE_MAX];
static int data_ready;

static void hex_decode(uint8_t *out, size_t cap, size_t *len_out, const char *hex)
{
    size_t n = strlen(hex), i;

    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (i = 0; i < n / 2; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
    *len_out = n / 2;
}

static void hex32(uint8_t out[H], const char *hex)
{
    size_t len;

    assert_int_equal(strlen(hex), 2 * H);
    hex_decode(out, H, &len, hex);
}

static void data_init(void)
{
    size_t i, j;

    if (data_ready) {
        return;
    }
    for (i = 0; i < SWEEP_SIZE_MAX; i++) {
        if (i < 8) {
            hex_decode(leaf_data[i], LEAF_DATA_MAX, &leaf_len[i], ct_leaves_hex[i]);
            continue;
        }
        leaf_len[i] = (i * 7) % 41;
        for (j = 0; j < leaf_len[i]; j++) {
            leaf_data[i][j] = (uint8_t)(i * 131 + j * 17);
        }
    }
    data_ready = 1;
}

/* ---- reference: RFC 6962 §2.1 on the data ------------------------------ */

static void ref_leaf(uint8_t out[H], size_t i)
{
    uint8_t buf[1 + LEAF_DATA_MAX];

    buf[0] = 0x00;
    memcpy(buf + 1, leaf_data[i], leaf_len[i]);
    crypto_hash_sha256(out, buf, 1 + leaf_len[i]);
}

static void ref_node(uint8_t out[H], const uint8_t l[H], const uint8_t r[H])
{
    uint8_t buf[1 + 2 * H];

    buf[0] = 0x01;
    memcpy(buf + 1, l, H);
    memcpy(buf + 1 + H, r, H);
    crypto_hash_sha256(out, buf, sizeof buf);
}

/* "the largest power of two smaller than n" */
static size_t ref_k(size_t n)
{
    size_t k = 1;

    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

/* MTH(D[a:b]), recomputed from scratch every time. */
static void ref_mth_naive(uint8_t out[H], size_t a, size_t b)
{
    uint8_t l[H], r[H];
    size_t k;

    if (b == a) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    if (b - a == 1) {
        ref_leaf(out, a);
        return;
    }
    k = ref_k(b - a);
    ref_mth_naive(l, a, a + k);
    ref_mth_naive(r, a + k, b);
    ref_node(out, l, r);
}

/* The same function, remembered per (a, b - a): PATH and SUBPROOF call it for
 * every leaf of every tree size, and from scratch that is cubic. The data
 * never changes, so a remembered value is the value. */
static uint8_t memo_hash[SWEEP_SIZE_MAX][SWEEP_SIZE_MAX + 1][H];
static uint8_t memo_have[SWEEP_SIZE_MAX][SWEEP_SIZE_MAX + 1];

static void ref_mth(uint8_t out[H], size_t a, size_t b)
{
    uint8_t l[H], r[H];
    size_t k;

    assert_true(a < b && b <= SWEEP_SIZE_MAX);
    if (!memo_have[a][b - a]) {
        if (b - a == 1) {
            ref_leaf(memo_hash[a][1], a);
        } else {
            k = ref_k(b - a);
            ref_mth(l, a, a + k);
            ref_mth(r, a + k, b);
            ref_node(memo_hash[a][b - a], l, r);
        }
        memo_have[a][b - a] = 1;
    }
    memcpy(out, memo_hash[a][b - a], H);
}

typedef struct ref_proof {
    uint8_t h[REF_PROOF_MAX][H];
    size_t count;
} ref_proof;

static void ref_push(ref_proof *p, size_t a, size_t b)
{
    assert_true(p->count < REF_PROOF_MAX);
    ref_mth(p->h[p->count++], a, b);
}

/* PATH(m, D[a:b]), m relative to a. */
static void ref_path(ref_proof *p, size_t m, size_t a, size_t b)
{
    size_t n = b - a, k;

    if (n == 1) {
        return;
    }
    k = ref_k(n);
    if (m < k) {
        ref_path(p, m, a, a + k);
        ref_push(p, a + k, b);
    } else {
        ref_path(p, m - k, a + k, b);
        ref_push(p, a, a + k);
    }
}

/* SUBPROOF(m, D[a:b], flag). */
static void ref_subproof(ref_proof *p, size_t m, size_t a, size_t b, int flag)
{
    size_t n = b - a, k;

    if (m == n) {
        if (!flag) {
            ref_push(p, a, b);
        }
        return;
    }
    k = ref_k(n);
    if (m <= k) {
        ref_subproof(p, m, a, a + k, flag);
        ref_push(p, a + k, b);
    } else {
        ref_subproof(p, m - k, a + k, b, 0);
        ref_push(p, a, a + k);
    }
}

static void ref_path_of(ref_proof *p, size_t m, size_t n)
{
    p->count = 0;
    ref_path(p, m, 0, n);
}

static void ref_proof_of(ref_proof *p, size_t m, size_t n)
{
    p->count = 0;
    ref_subproof(p, m, 0, n, 1);
}

/* ---- array-backed store ------------------------------------------------ */

typedef struct mem_store {
    uint8_t hash[STORE_LEVELS][STORE_LEAVES_MAX][H];
    uint8_t have[STORE_LEVELS][STORE_LEAVES_MAX];
    uint64_t limit; /* reads must lie inside the first `limit` leaves */
    size_t nodes;   /* distinct nodes written */
    long gets_left; /* < 0: unlimited; else fail once it reaches 0 */
    long puts_left;
    int bad; /* a read out of range or of a missing node, or a rewrite */
    size_t gets;
} mem_store;

static mem_store store;

static void store_reset(mem_store *s)
{
    memset(s, 0, sizeof *s);
    s->gets_left = -1;
    s->puts_left = -1;
}

static int mem_get(void *ctx, uint32_t level, uint64_t index, uint8_t out[H])
{
    mem_store *s = ctx;

    s->gets++;
    if (s->gets_left == 0) {
        return -1;
    }
    if (s->gets_left > 0) {
        s->gets_left--;
    }
    if (level >= STORE_LEVELS || index >= (uint64_t)(STORE_LEAVES_MAX >> level) ||
        ((index + 1) << level) > s->limit || !s->have[level][index]) {
        s->bad = 1;
        return -1;
    }
    memcpy(out, s->hash[level][index], H);
    return 0;
}

static int mem_put(void *ctx, uint32_t level, uint64_t index, const uint8_t hash[H])
{
    mem_store *s = ctx;

    if (s->puts_left == 0) {
        return -1;
    }
    if (s->puts_left > 0) {
        s->puts_left--;
    }
    if (level >= STORE_LEVELS || index >= (uint64_t)(STORE_LEAVES_MAX >> level)) {
        s->bad = 1;
        return -1;
    }
    if (s->have[level][index]) {
        /* Complete subtrees never change; a second, different write is a bug. */
        if (memcmp(s->hash[level][index], hash, H) != 0) {
            s->bad = 1;
        }
        return 0;
    }
    memcpy(s->hash[level][index], hash, H);
    s->have[level][index] = 1;
    s->nodes++;
    return 0;
}

/* Complete subtrees in a tree of n leaves: what append must have stored. */
static size_t nodes_in_tree(size_t n)
{
    size_t total = 0;
    unsigned int level;

    for (level = 0; (n >> level) != 0; level++) {
        total += n >> level;
    }
    return total;
}

/* Appends generated leaves until the tree has `to` of them. */
static void store_grow(merkle_frontier *f, size_t to)
{
    uint8_t leaf[H];

    while (f->size < to) {
        size_t i = (size_t)f->size;
        merkle_leaf_hash(leaf, leaf_data[i], leaf_len[i]);
        assert_int_equal(merkle_frontier_append(f, leaf, mem_put, &store), 0);
    }
    assert_false(store.bad);
}

static void build_tree(merkle_frontier *f, size_t n)
{
    data_init();
    store_reset(&store);
    memset(f, 0, sizeof *f);
    store_grow(f, n);
    store.limit = n;
}

static void frontier_assert_equal(const merkle_frontier *a, const merkle_frontier *b)
{
    int level;

    assert_true(a->size == b->size);
    for (level = 0; level < MERKLE_LEVELS_MAX; level++) {
        if ((a->size >> level) & 1) {
            assert_memory_equal(a->hashes[level], b->hashes[level], H);
        }
    }
}

/* ---- known answers ----------------------------------------------------- */

/*
 * Vectors from transparency-dev/merkle, proof/verify_test.go (`roots`,
 * `leaves`, `inclusionProofs`, `consistencyProofs`, `sha256EmptyTreeHash`)
 * and rfc6962/rfc6962_test.go (empty leaf, leaf "L123456"); the same values
 * appear in Certificate Transparency's merkle tree tests, where they
 * originate. Leaf indexes there are 1-based; here they are 0-based.
 */
static const char *const kat_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", /* empty */
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

typedef struct kat_proof {
    uint64_t a; /* leaf index, or old size */
    uint64_t b; /* tree size, or new size */
    size_t count;
    const char *hashes[3];
} kat_proof;

static const kat_proof kat_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const kat_proof kat_consistency[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static void test_leaf_and_node_hash(void **state)
{
    uint8_t got[H], want[H], l[H], r[H];
    const uint8_t l123456[7] = {'L', '1', '2', '3', '4', '5', '6'};

    (void)state;
    merkle_leaf_hash(got, NULL, 0);
    hex32(want, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert_memory_equal(got, want, H);

    merkle_leaf_hash(got, l123456, sizeof l123456);
    hex32(want, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    assert_memory_equal(got, want, H);

    /* Node = SHA-256(0x01 || l || r): order matters, and it is not a leaf of
     * l || r (the domain separation that stops second preimages). */
    merkle_leaf_hash(l, (const uint8_t *)"Hello", 5);
    merkle_leaf_hash(r, (const uint8_t *)"World", 5);
    merkle_node_hash(got, l, r);
    ref_node(want, l, r);
    assert_memory_equal(got, want, H);
    merkle_node_hash(want, r, l);
    assert_memory_not_equal(got, want, H);
    {
        uint8_t both[2 * H];
        memcpy(both, l, H);
        memcpy(both + H, r, H);
        merkle_leaf_hash(want, both, sizeof both);
        assert_memory_not_equal(got, want, H);
    }
    /* The output may alias an input. */
    memcpy(want, l, H);
    merkle_node_hash(want, want, r);
    assert_memory_equal(got, want, H);
}

static void test_known_answers(void **state)
{
    merkle_frontier f, loaded;
    uint8_t leaves[8][H], got[H], want[H];
    uint8_t proof[MERKLE_PROOF_MAX][H], expect[3][H], root_a[H], root_b[H];
    size_t i, j, count;

    (void)state;
    data_init();
    for (i = 0; i < 8; i++) {
        merkle_leaf_hash(leaves[i], leaf_data[i], leaf_len[i]);
    }

    /* Empty tree: all three ways of asking. */
    hex32(want, kat_roots[0]);
    merkle_root_of_leaves(got, NULL, 0);
    assert_memory_equal(got, want, H);
    f.size = 0;
    merkle_frontier_root(&f, got);
    assert_memory_equal(got, want, H);
    store_reset(&store);
    assert_int_equal(merkle_root(got, 0, mem_get, &store), 0);
    assert_memory_equal(got, want, H);

    build_tree(&f, 8);
    for (i = 1; i <= 8; i++) {
        hex32(want, kat_roots[i]);
        merkle_root_of_leaves(got, (const uint8_t(*)[H])leaves, i);
        assert_memory_equal(got, want, H);
        assert_int_equal(merkle_root(got, i, mem_get, &store), 0);
        assert_memory_equal(got, want, H);
        assert_int_equal(merkle_frontier_load(&loaded, i, mem_get, &store), 0);
        merkle_frontier_root(&loaded, got);
        assert_memory_equal(got, want, H);
    }
    merkle_frontier_root(&f, got);
    hex32(want, kat_roots[8]);
    assert_memory_equal(got, want, H);

    for (i = 0; i < sizeof kat_inclusion / sizeof kat_inclusion[0]; i++) {
        const kat_proof *k = &kat_inclusion[i];
        for (j = 0; j < k->count; j++) {
            hex32(expect[j], k->hashes[j]);
        }
        assert_int_equal(merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, k->a, k->b,
                                                mem_get, &store),
                         0);
        assert_int_equal(count, k->count);
        if (count > 0) {
            assert_memory_equal(proof, expect, count * H);
        }
        hex32(root_a, kat_roots[k->b]);
        assert_int_equal(merkle_inclusion_verify(leaves[k->a], k->a, k->b,
                                                 (const uint8_t(*)[H])expect, k->count, root_a),
                         0);
    }

    for (i = 0; i < sizeof kat_consistency / sizeof kat_consistency[0]; i++) {
        const kat_proof *k = &kat_consistency[i];
        for (j = 0; j < k->count; j++) {
            hex32(expect[j], k->hashes[j]);
        }
        assert_int_equal(merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, k->a, k->b,
                                                  mem_get, &store),
                         0);
        assert_int_equal(count, k->count);
        if (count > 0) {
            assert_memory_equal(proof, expect, count * H);
        }
        hex32(root_a, kat_roots[k->a]);
        hex32(root_b, kat_roots[k->b]);
        assert_int_equal(merkle_consistency_verify(k->a, k->b, root_a, root_b,
                                                   (const uint8_t(*)[H])expect, k->count),
                         0);
    }
    assert_false(store.bad);
}

/* ---- the sweep --------------------------------------------------------- */

static uint8_t sweep_roots[SWEEP_SIZE_MAX + 1][H];

static void check_inclusion(size_t m, size_t n)
{
    uint8_t proof[MERKLE_PROOF_MAX][H], leaf[H];
    ref_proof want;
    size_t count = 0;

    ref_path_of(&want, m, n);
    if (merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, m, n, mem_get, &store) != 0) {
        fail_msg("inclusion proof %zu in %zu failed", m, n);
    }
    if (count != want.count || memcmp(proof, want.h, count * H) != 0) {
        fail_msg("inclusion proof %zu in %zu differs from RFC 6962 PATH", m, n);
    }
    ref_leaf(leaf, m);
    if (merkle_inclusion_verify(leaf, m, n, (const uint8_t(*)[H])proof, count,
                                sweep_roots[n]) != 0) {
        fail_msg("inclusion proof %zu in %zu does not verify", m, n);
    }
}

static void check_consistency(size_t m, size_t n)
{
    uint8_t proof[MERKLE_PROOF_MAX][H];
    ref_proof want;
    size_t count = 0;

    ref_proof_of(&want, m, n);
    if (merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, m, n, mem_get, &store) != 0) {
        fail_msg("consistency proof %zu -> %zu failed", m, n);
    }
    if (count != want.count || memcmp(proof, want.h, count * H) != 0) {
        fail_msg("consistency proof %zu -> %zu differs from RFC 6962 PROOF", m, n);
    }
    if (merkle_consistency_verify(m, n, sweep_roots[m], sweep_roots[n],
                                  (const uint8_t(*)[H])proof, count) != 0) {
        fail_msg("consistency proof %zu -> %zu does not verify", m, n);
    }
}

static void test_sweep(void **state)
{
    static uint8_t leaves[SWEEP_SIZE_MAX][H];
    merkle_frontier f, loaded;
    uint8_t got[H], want[H];
    size_t n, m, consistency_checked = 0;

    (void)state;
    build_tree(&f, 0);
    for (n = 1; n <= SWEEP_SIZE_MAX; n++) {
        /* Grow by one leaf; from here on only the first n leaves may be read. */
        store_grow(&f, n);
        store.limit = n;
        merkle_leaf_hash(leaves[n - 1], leaf_data[n - 1], leaf_len[n - 1]);
        ref_leaf(want, n - 1);
        assert_memory_equal(leaves[n - 1], want, H);
        assert_int_equal(store.nodes, nodes_in_tree(n));

        ref_mth_naive(want, 0, n);
        memcpy(sweep_roots[n], want, H);
        merkle_frontier_root(&f, got);
        assert_memory_equal(got, want, H);
        assert_int_equal(merkle_root(got, n, mem_get, &store), 0);
        assert_memory_equal(got, want, H);
        merkle_root_of_leaves(got, (const uint8_t(*)[H])leaves, n);
        assert_memory_equal(got, want, H);
        assert_int_equal(merkle_frontier_load(&loaded, n, mem_get, &store), 0);
        frontier_assert_equal(&loaded, &f);

        for (m = 0; m < n; m++) {
            check_inclusion(m, n);
        }
        /* Every old size: fast enough with the reference remembered. */
        for (m = 1; m <= n; m++) {
            check_consistency(m, n);
            consistency_checked++;
        }
        assert_false(store.bad);
    }
    assert_int_equal(consistency_checked, SWEEP_SIZE_MAX * (SWEEP_SIZE_MAX + 1) / 2);

    /* A grown store still answers for every smaller tree. */
    for (n = 0; n <= SWEEP_SIZE_MAX; n++) {
        store.limit = n;
        assert_int_equal(merkle_root(got, n, mem_get, &store), 0);
        if (n == 0) {
            crypto_hash_sha256(want, NULL, 0);
            assert_memory_equal(got, want, H);
        } else {
            assert_memory_equal(got, sweep_roots[n], H);
        }
    }
    store.limit = SWEEP_SIZE_MAX;
    check_inclusion(0, 100);
    check_inclusion(99, 100);
    check_consistency(37, 100);
    assert_false(store.bad);
}

/* ---- corruption probes ------------------------------------------------- */

/*
 * A proof does not name the tree size: it is only a list of hashes, and the
 * size decides how the verifier folds them. Two sizes that fold a proof the
 * same way accept the same proof (4 -> 6 also proves 4 -> 5, 4 -> 7 and
 * 4 -> 8, the last hash standing for whatever follows leaf 3), which is why the signed
 * checkpoint binds size and root together. So a wrong size is asserted to fail only when the
 * RFC proof for that size has a different length: the verifier then runs out
 * of hashes or out of levels whatever the hashes are.
 */
static size_t ref_path_len(size_t m, size_t n)
{
    ref_proof p;

    ref_path_of(&p, m, n);
    return p.count;
}

static size_t ref_proof_len(size_t m, size_t n)
{
    ref_proof p;

    ref_proof_of(&p, m, n);
    return p.count;
}

static void inclusion_probe(const uint8_t leaf[H], uint64_t m, uint64_t n,
                            const uint8_t (*proof)[H], size_t count, const uint8_t root[H],
                            const char *what)
{
    if (merkle_inclusion_verify(leaf, m, n, proof, count, root) == 0) {
        fail_msg("inclusion verified with %s (leaf %llu, size %llu)", what,
                 (unsigned long long)m, (unsigned long long)n);
    }
}

static void test_inclusion_corrupted(void **state)
{
    merkle_frontier f;
    uint8_t proof[MERKLE_PROOF_MAX + 1][H], bad[MERKLE_PROOF_MAX + 1][H];
    uint8_t leaf[H], other[H], root[H], empty[H];
    size_t n, m, i, count;
    static const unsigned int bits[] = {0, 3, 100, 255};
    size_t b;

    (void)state;
    build_tree(&f, 2 * NEG_SIZE_MAX);
    crypto_hash_sha256(empty, NULL, 0);
    for (n = 1; n <= NEG_SIZE_MAX; n++) {
        ref_mth(root, 0, n);
        for (m = 0; m < n; m++) {
            store.limit = n;
            assert_int_equal(
                merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, m, n, mem_get, &store),
                0);
            ref_leaf(leaf, m);
            assert_int_equal(
                merkle_inclusion_verify(leaf, m, n, (const uint8_t(*)[H])proof, count, root),
                0);

            /* A flipped bit anywhere in the proof. */
            for (i = 0; i < count; i++) {
                for (b = 0; b < sizeof bits / sizeof bits[0]; b++) {
                    memcpy(bad, proof, count * H);
                    bad[i][bits[b] / 8] ^= (uint8_t)(1u << (bits[b] % 8));
                    inclusion_probe(leaf, m, n, (const uint8_t(*)[H])bad, count, root,
                                    "a flipped bit");
                }
            }
            /* Wrong index: a leaf has one position in a tree of a given size. */
            if (m + 1 <= n) {
                inclusion_probe(leaf, m + 1, n, (const uint8_t(*)[H])proof, count, root,
                                "index + 1");
            }
            if (m > 0) {
                inclusion_probe(leaf, m - 1, n, (const uint8_t(*)[H])proof, count, root,
                                "index - 1");
            }
            inclusion_probe(leaf, m ^ 1, n, (const uint8_t(*)[H])proof, count, root,
                            "index ^ 1");
            inclusion_probe(leaf, m ^ 2, n, (const uint8_t(*)[H])proof, count, root,
                            "index ^ 2");
            inclusion_probe(leaf, m, m, (const uint8_t(*)[H])proof, count, root,
                            "size = index");
            inclusion_probe(leaf, m, 0, (const uint8_t(*)[H])proof, count, root, "size 0");
            /* Wrong size, where the path length differs. */
            {
                size_t sizes[4] = {2 * n, n / 2, n + 1, n - 1};
                for (i = 0; i < 4; i++) {
                    if (sizes[i] > m && ref_path_len(m, sizes[i]) != count) {
                        inclusion_probe(leaf, m, sizes[i], (const uint8_t(*)[H])proof, count,
                                        root, "a wrong size");
                    }
                }
            }
            /* Wrong leaf, wrong root. */
            ref_leaf(other, m + 1);
            inclusion_probe(other, m, n, (const uint8_t(*)[H])proof, count, root,
                            "another leaf");
            inclusion_probe(leaf, m, n, (const uint8_t(*)[H])proof, count, empty, "empty root");
            if (n > 1) {
                ref_mth(other, 0, n - 1);
                inclusion_probe(leaf, m, n, (const uint8_t(*)[H])proof, count, other,
                                "previous root");
            }
            memcpy(other, root, H);
            other[H - 1] ^= 0x80;
            inclusion_probe(leaf, m, n, (const uint8_t(*)[H])proof, count, other,
                            "a flipped root");
            /* Truncated, extended, prefixed. */
            if (count > 0) {
                inclusion_probe(leaf, m, n, (const uint8_t(*)[H])proof, count - 1, root,
                                "a truncated proof");
            }
            memcpy(bad, proof, count * H);
            memcpy(bad[count], root, H);
            inclusion_probe(leaf, m, n, (const uint8_t(*)[H])bad, count + 1, root,
                            "a trailing root");
            memset(bad[count], 0, H);
            inclusion_probe(leaf, m, n, (const uint8_t(*)[H])bad, count + 1, root,
                            "trailing zeros");
            memcpy(bad[0], root, H);
            memcpy(bad[1], proof, count * H);
            inclusion_probe(leaf, m, n, (const uint8_t(*)[H])bad, count + 1, root,
                            "a preceding root");
        }
    }
    assert_false(store.bad);
}

static void consistency_probe(uint64_t m, uint64_t n, const uint8_t root_m[H],
                              const uint8_t root_n[H], const uint8_t (*proof)[H], size_t count,
                              const char *what)
{
    if (merkle_consistency_verify(m, n, root_m, root_n, proof, count) == 0) {
        fail_msg("consistency verified with %s (%llu -> %llu)", what, (unsigned long long)m,
                 (unsigned long long)n);
    }
}

static void test_consistency_corrupted(void **state)
{
    merkle_frontier f;
    uint8_t proof[MERKLE_PROOF_MAX + 1][H], bad[MERKLE_PROOF_MAX + 1][H];
    uint8_t root_m[H], root_n[H], other[H];
    size_t n, m, i, count;
    static const unsigned int bits[] = {0, 4, 129, 255};
    size_t b;

    (void)state;
    build_tree(&f, 2 * NEG_SIZE_MAX);
    for (n = 2; n <= NEG_SIZE_MAX; n++) {
        ref_mth(root_n, 0, n);
        for (m = 1; m < n; m++) {
            ref_mth(root_m, 0, m);
            store.limit = n;
            assert_int_equal(merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, m, n,
                                                      mem_get, &store),
                             0);
            assert_true(count > 0);
            assert_int_equal(merkle_consistency_verify(m, n, root_m, root_n,
                                                       (const uint8_t(*)[H])proof, count),
                             0);

            for (i = 0; i < count; i++) {
                for (b = 0; b < sizeof bits / sizeof bits[0]; b++) {
                    memcpy(bad, proof, count * H);
                    bad[i][bits[b] / 8] ^= (uint8_t)(1u << (bits[b] % 8));
                    consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])bad, count,
                                      "a flipped bit");
                }
            }
            /* Wrong sizes, where the proof length differs. */
            {
                size_t olds[4] = {m - 1, m + 1, m ^ 2, m};
                size_t news[4] = {n, n, n, 2 * n};
                size_t more[3] = {n / 2, n + 1, n - 1};
                for (i = 0; i < 4; i++) {
                    if (olds[i] == 0 || olds[i] > news[i]) {
                        consistency_probe(olds[i], news[i], root_m, root_n,
                                          (const uint8_t(*)[H])proof, count, "bad sizes");
                    } else if (ref_proof_len(olds[i], news[i]) != count) {
                        consistency_probe(olds[i], news[i], root_m, root_n,
                                          (const uint8_t(*)[H])proof, count, "a wrong size");
                    }
                }
                for (i = 0; i < 3; i++) {
                    if (more[i] < m) {
                        consistency_probe(m, more[i], root_m, root_n,
                                          (const uint8_t(*)[H])proof, count,
                                          "new size below old");
                    } else if (ref_proof_len(m, more[i]) != count) {
                        consistency_probe(m, more[i], root_m, root_n,
                                          (const uint8_t(*)[H])proof, count,
                                          "a wrong new size");
                    }
                }
            }
            /* Wrong roots. */
            consistency_probe(m, n, root_n, root_m, (const uint8_t(*)[H])proof, count,
                              "swapped roots");
            memcpy(other, root_m, H);
            other[0] ^= 1;
            consistency_probe(m, n, other, root_n, (const uint8_t(*)[H])proof, count,
                              "a flipped old root");
            memcpy(other, root_n, H);
            other[31] ^= 1;
            consistency_probe(m, n, root_m, other, (const uint8_t(*)[H])proof, count,
                              "a flipped new root");
            if (n - 1 >= m) {
                ref_mth(other, 0, n - 1);
                consistency_probe(m, n, root_m, other, (const uint8_t(*)[H])proof, count,
                                  "the previous new root");
            }
            /* Empty, truncated, extended, prefixed. */
            consistency_probe(m, n, root_m, root_n, NULL, 0, "an empty proof");
            consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])proof, count - 1,
                              "a truncated proof");
            memcpy(bad, proof, count * H);
            memcpy(bad[count], root_n, H);
            consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])bad, count + 1,
                              "a trailing new root");
            memcpy(bad[count], root_m, H);
            consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])bad, count + 1,
                              "a trailing old root");
            memcpy(bad[0], proof[0], H);
            memcpy(bad[1], proof, count * H);
            consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])bad, count + 1,
                              "a repeated first hash");
            memcpy(bad[0], root_m, H);
            consistency_probe(m, n, root_m, root_n, (const uint8_t(*)[H])bad, count + 1,
                              "a preceding old root");
        }
    }
    assert_false(store.bad);
}

/* The limit of what a consistency proof says, written down (see above). */
static void test_proof_does_not_bind_size(void **state)
{
    merkle_frontier f;
    uint8_t proof[MERKLE_PROOF_MAX][H], r4[H], r6[H];
    size_t count;

    (void)state;
    build_tree(&f, 6);
    ref_mth(r4, 0, 4);
    ref_mth(r6, 0, 6);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 4, 6, mem_get, &store), 0);
    assert_int_equal(count, 1);
    assert_int_equal(merkle_consistency_verify(4, 6, r4, r6, (const uint8_t(*)[H])proof, count),
                     0);
    /* Any new size whose tree is [0, 4) plus one more subtree reads it so. */
    assert_int_equal(merkle_consistency_verify(4, 5, r4, r6, (const uint8_t(*)[H])proof, count),
                     0);
    assert_int_equal(merkle_consistency_verify(4, 7, r4, r6, (const uint8_t(*)[H])proof, count),
                     0);
    assert_int_equal(merkle_consistency_verify(4, 8, r4, r6, (const uint8_t(*)[H])proof, count),
                     0);
    /* From 9 leaves up the tree has another level, and the proof is short. */
    assert_int_equal(merkle_consistency_verify(4, 9, r4, r6, (const uint8_t(*)[H])proof, count),
                     -1);
}

/* ---- bad arguments and failing storage --------------------------------- */

static void test_bad_arguments(void **state)
{
    merkle_frontier f, saved;
    uint8_t proof[MERKLE_PROOF_MAX + 1][H], leaf[H], root[H], r3[H];
    size_t count = 12345, i;

    (void)state;
    build_tree(&f, 20);
    ref_leaf(leaf, 3);
    ref_mth(root, 0, 20);
    ref_mth(r3, 0, 3);

    /* Frontier. */
    assert_int_equal(merkle_frontier_load(NULL, 5, mem_get, &store), -1);
    assert_int_equal(merkle_frontier_load(&f, 5, NULL, &store), -1);
    saved = f;
    assert_int_equal(merkle_frontier_load(&f, 21, mem_get, &store), -1); /* not stored */
    assert_memory_equal(&f, &saved, sizeof f);
    store.bad = 0;
    assert_int_equal(merkle_frontier_append(NULL, leaf, mem_put, &store), -1);
    assert_int_equal(merkle_frontier_append(&f, NULL, mem_put, &store), -1);
    assert_int_equal(merkle_frontier_append(&f, leaf, NULL, &store), -1);
    assert_memory_equal(&f, &saved, sizeof f);

    /* Roots. */
    assert_int_equal(merkle_root(NULL, 5, mem_get, &store), -1);
    assert_int_equal(merkle_root(root, 5, NULL, &store), -1);
    store.limit = 20;
    assert_int_equal(merkle_root(proof[0], 21, mem_get, &store), -1);
    store.bad = 0;

    /* Inclusion proofs. */
    assert_int_equal(
        merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, 20, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, 0, 0, mem_get, &store), -1);
    assert_int_equal(merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, UINT64_MAX, 20,
                                            mem_get, &store),
                     -1);
    assert_int_equal(
        merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, NULL, 3, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, 3, 20, NULL, &store), -1);
    assert_int_equal(merkle_inclusion_proof(NULL, 5, &count, 3, 20, mem_get, &store), -1);
    assert_int_equal(count, 12345); /* untouched on failure */
    /* Path of leaf 3 in 20 leaves has 5 hashes: max 4 is too small, 5 is enough. */
    assert_int_equal(merkle_inclusion_proof(proof, 4, &count, 3, 20, mem_get, &store), -1);
    assert_int_equal(merkle_inclusion_proof(proof, 0, &count, 3, 20, mem_get, &store), -1);
    assert_int_equal(count, 12345);
    assert_int_equal(merkle_inclusion_proof(proof, 5, &count, 3, 20, mem_get, &store), 0);
    assert_int_equal(count, 5);
    /* A one-leaf tree has an empty path: no buffer needed. */
    assert_int_equal(merkle_inclusion_proof(NULL, 0, &count, 0, 1, mem_get, &store), 0);
    assert_int_equal(count, 0);

    /* Consistency proofs. */
    count = 12345;
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 0, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 0, 0, mem_get, &store), -1);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 21, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, NULL, 3, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 3, 20, NULL, &store), -1);
    assert_int_equal(merkle_consistency_proof(NULL, 5, &count, 3, 20, mem_get, &store), -1);
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 3, 21, mem_get, &store),
        -1); /* leaf 20 not stored */
    store.bad = 0;
    assert_int_equal(count, 12345);
    {
        size_t need = ref_proof_len(3, 20);
        assert_int_equal(
            merkle_consistency_proof(proof, need - 1, &count, 3, 20, mem_get, &store), -1);
        assert_int_equal(count, 12345);
        assert_int_equal(merkle_consistency_proof(proof, need, &count, 3, 20, mem_get, &store),
                         0);
        assert_int_equal(count, need);
    }
    assert_int_equal(merkle_consistency_proof(NULL, 0, &count, 20, 20, mem_get, &store), 0);
    assert_int_equal(count, 0);

    /* Inclusion verification. */
    assert_int_equal(
        merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, 3, 20, mem_get, &store), 0);
    assert_int_equal(
        merkle_inclusion_verify(leaf, 3, 20, (const uint8_t(*)[H])proof, count, root), 0);
    assert_int_equal(
        merkle_inclusion_verify(NULL, 3, 20, (const uint8_t(*)[H])proof, count, root), -1);
    assert_int_equal(
        merkle_inclusion_verify(leaf, 3, 20, (const uint8_t(*)[H])proof, count, NULL), -1);
    assert_int_equal(merkle_inclusion_verify(leaf, 3, 20, NULL, count, root), -1);
    assert_int_equal(
        merkle_inclusion_verify(leaf, 20, 20, (const uint8_t(*)[H])proof, count, root), -1);
    assert_int_equal(merkle_inclusion_verify(leaf, UINT64_MAX, UINT64_MAX,
                                             (const uint8_t(*)[H])proof, count, root),
                     -1);
    for (i = count; i <= MERKLE_PROOF_MAX; i++) {
        memcpy(proof[i], root, H);
    }
    assert_int_equal(merkle_inclusion_verify(leaf, 3, 20, (const uint8_t(*)[H])proof,
                                             MERKLE_PROOF_MAX + 1, root),
                     -1);
    assert_int_equal(merkle_inclusion_verify(leaf, 3, 20, (const uint8_t(*)[H])proof,
                                             MERKLE_PROOF_MAX, root),
                     -1);

    /* Consistency verification. */
    assert_int_equal(
        merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, 3, 20, mem_get, &store), 0);
    assert_int_equal(
        merkle_consistency_verify(3, 20, r3, root, (const uint8_t(*)[H])proof, count), 0);
    assert_int_equal(
        merkle_consistency_verify(0, 20, r3, root, (const uint8_t(*)[H])proof, count), -1);
    assert_int_equal(
        merkle_consistency_verify(21, 20, r3, root, (const uint8_t(*)[H])proof, count), -1);
    assert_int_equal(
        merkle_consistency_verify(3, 20, NULL, root, (const uint8_t(*)[H])proof, count), -1);
    assert_int_equal(
        merkle_consistency_verify(3, 20, r3, NULL, (const uint8_t(*)[H])proof, count), -1);
    assert_int_equal(merkle_consistency_verify(3, 20, r3, root, NULL, count), -1);
    for (i = count; i <= MERKLE_PROOF_MAX; i++) {
        memcpy(proof[i], root, H);
    }
    assert_int_equal(merkle_consistency_verify(3, 20, r3, root, (const uint8_t(*)[H])proof,
                                               MERKLE_PROOF_MAX + 1),
                     -1);
    /* Equal sizes: equal roots and no hashes, nothing else. */
    assert_int_equal(merkle_consistency_verify(20, 20, root, root, NULL, 0), 0);
    assert_int_equal(merkle_consistency_verify(20, 20, r3, root, NULL, 0), -1);
    assert_int_equal(
        merkle_consistency_verify(20, 20, root, root, (const uint8_t(*)[H])proof, 1), -1);
    assert_int_equal(merkle_consistency_verify(0, 0, root, root, NULL, 0), -1);
    assert_false(store.bad);
}

/* One of the four calls that read storage, on a tree of 77 leaves. */
static int reading_call(int which, uint8_t (*proof)[H], size_t *count, uint8_t root[H],
                        merkle_frontier *loaded)
{
    switch (which) {
    case 0:
        return merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, count, 70, 77, mem_get, &store);
    case 1:
        return merkle_consistency_proof(proof, MERKLE_PROOF_MAX, count, 13, 77, mem_get,
                                        &store);
    case 2:
        return merkle_root(root, 77, mem_get, &store);
    default:
        return merkle_frontier_load(loaded, 77, mem_get, &store);
    }
}

/* Every read a call makes, failed in turn: the call fails, writes nothing. */
static void test_failing_reads(void **state)
{
    merkle_frontier f, loaded, saved;
    uint8_t proof[MERKLE_PROOF_MAX][H], root[H], want[H];
    size_t count, reads, k;
    int which;

    (void)state;
    build_tree(&f, 77);
    memset(want, 0xAB, H);
    for (which = 0; which < 4; which++) {
        /* How many reads a successful call makes... */
        store.gets = 0;
        store.gets_left = -1;
        assert_int_equal(reading_call(which, proof, &count, root, &loaded), 0);
        reads = store.gets;
        assert_true(reads > 0);
        /* ...then fail each of them. */
        for (k = 0; k < reads; k++) {
            store.gets_left = (long)k;
            count = 999;
            memset(root, 0xAB, H);
            memset(&loaded, 0xCD, sizeof loaded);
            saved = loaded;
            assert_int_equal(reading_call(which, proof, &count, root, &loaded), -1);
            assert_int_equal(count, 999);
            assert_memory_equal(root, want, H);
            assert_memory_equal(&loaded, &saved, sizeof loaded);
        }
    }
    store.gets_left = -1;
    assert_false(store.bad);
}

/* Every write an append makes, failed in turn: the frontier is unchanged. */
static void test_failing_writes(void **state)
{
    merkle_frontier f, saved, ok;
    uint8_t leaf[H], got[H], want[H];
    size_t k;

    (void)state;
    build_tree(&f, 63); /* the 64th leaf completes six subtrees: seven puts */
    ref_leaf(leaf, 63);
    for (k = 0; k < 7; k++) {
        saved = f;
        store.puts_left = (long)k;
        assert_int_equal(merkle_frontier_append(&f, leaf, mem_put, &store), -1);
        assert_memory_equal(&f, &saved, sizeof f);
    }
    store.puts_left = -1;
    ok = f;
    assert_int_equal(merkle_frontier_append(&ok, leaf, mem_put, &store), 0);
    assert_true(ok.size == 64);
    merkle_frontier_root(&ok, got);
    ref_mth_naive(want, 0, 64);
    assert_memory_equal(got, want, H);
    assert_false(store.bad);
}

/* ---- trees too large to store: every leaf the same --------------------- */

/*
 * When every leaf is the same, every complete subtree of 2^level leaves has
 * the same hash U[level], so a "store" of 2^64 - 1 leaves is one hash per
 * level. That reaches the index and size arithmetic at the top of the range,
 * where an overflow would hide in a small tree. Wrong indexes cannot be
 * probed here (every leaf is the same leaf), only agreement.
 */
static uint8_t uniform[MERKLE_LEVELS_MAX][H];

typedef struct uniform_store {
    uint64_t size; /* reads and writes must lie inside this many leaves */
    int bad;
} uniform_store;

static void uniform_init(void)
{
    size_t level;

    merkle_leaf_hash(uniform[0], (const uint8_t *)"x", 1);
    for (level = 1; level < MERKLE_LEVELS_MAX; level++) {
        ref_node(uniform[level], uniform[level - 1], uniform[level - 1]);
    }
}

static int uniform_get(void *ctx, uint32_t level, uint64_t index, uint8_t out[H])
{
    uniform_store *u = ctx;

    /* Complete subtree inside the tree: (index + 1) << level <= size. */
    if (level >= MERKLE_LEVELS_MAX || index >= (u->size >> level)) {
        u->bad = 1;
        return -1;
    }
    memcpy(out, uniform[level], H);
    return 0;
}

static int uniform_put(void *ctx, uint32_t level, uint64_t index, const uint8_t hash[H])
{
    uniform_store *u = ctx;

    if (level >= MERKLE_LEVELS_MAX || index >= (u->size >> level) ||
        memcmp(hash, uniform[level], H) != 0) {
        u->bad = 1;
        return -1;
    }
    return 0;
}

/* MTH of n equal leaves, by the RFC's split. */
static void uniform_root(uint8_t out[H], uint64_t n)
{
    uint8_t right[H];
    uint64_t k;
    unsigned int level;

    if (n == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    if ((n & (n - 1)) == 0) {
        for (level = 0; ((uint64_t)1 << level) != n; level++) {
        }
        memcpy(out, uniform[level], H);
        return;
    }
    /* k = highest set bit of n - 1, the largest power of two below n. */
    for (level = 63; ((n - 1) >> level) == 0; level--) {
    }
    k = (uint64_t)1 << level;
    uniform_root(right, n - k);
    ref_node(out, uniform[level], right);
}

static void test_huge_trees(void **state)
{
    static const uint64_t sizes[] = {
        UINT64_MAX,
        UINT64_MAX - 1,
        ((uint64_t)1 << 63) + 1,
        (uint64_t)1 << 63,
        ((uint64_t)1 << 63) - 1,
        ((uint64_t)1 << 40) + 12345,
        ((uint64_t)1 << 32) + 1,
        0x5555555555555555ull,
        0xAAAAAAAAAAAAAAABull,
    };
    uint8_t proof[MERKLE_PROOF_MAX][H], root[H], want[H], old_root[H];
    uniform_store u;
    merkle_frontier f, loaded, saved;
    size_t s, i, count;

    (void)state;
    uniform_init();
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const uint64_t n = sizes[s];
        const uint64_t leaves[] = {0, 1, 2, n / 3, n / 2, n - 3, n - 2, n - 1};
        const uint64_t olds[] = {
            1, 2, 3, 7, n / 3, n / 2, n - 2, n - 1, n, (uint64_t)1 << 62, (uint64_t)1 << 63};

        u.size = n;
        u.bad = 0;
        uniform_root(want, n);
        assert_int_equal(merkle_root(root, n, uniform_get, &u), 0);
        assert_memory_equal(root, want, H);

        for (i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
            assert_int_equal(merkle_inclusion_proof(proof, MERKLE_PROOF_MAX, &count, leaves[i],
                                                    n, uniform_get, &u),
                             0);
            assert_true(count <= MERKLE_LEVELS_MAX);
            assert_int_equal(merkle_inclusion_verify(uniform[0], leaves[i], n,
                                                     (const uint8_t(*)[H])proof, count, root),
                             0);
            assert_int_equal(merkle_inclusion_verify(uniform[0], leaves[i], n,
                                                     (const uint8_t(*)[H])proof, count, want),
                             0);
        }
        for (i = 0; i < sizeof olds / sizeof olds[0]; i++) {
            if (olds[i] == 0 || olds[i] > n) {
                continue;
            }
            assert_int_equal(merkle_consistency_proof(proof, MERKLE_PROOF_MAX, &count, olds[i],
                                                      n, uniform_get, &u),
                             0);
            assert_true(count <= MERKLE_PROOF_MAX);
            uniform_root(old_root, olds[i]);
            assert_int_equal(merkle_consistency_verify(olds[i], n, old_root, root,
                                                       (const uint8_t(*)[H])proof, count),
                             0);
        }
        assert_false(u.bad);
    }

    /* Filling the last slot, then refusing one more. */
    u.size = UINT64_MAX;
    u.bad = 0;
    assert_int_equal(merkle_frontier_load(&f, UINT64_MAX - 1, uniform_get, &u), 0);
    assert_int_equal(merkle_frontier_append(&f, uniform[0], uniform_put, &u), 0);
    assert_true(f.size == UINT64_MAX);
    merkle_frontier_root(&f, root);
    uniform_root(want, UINT64_MAX);
    assert_memory_equal(root, want, H);
    assert_int_equal(merkle_frontier_load(&loaded, UINT64_MAX, uniform_get, &u), 0);
    frontier_assert_equal(&loaded, &f);
    saved = f;
    assert_int_equal(merkle_frontier_append(&f, uniform[0], uniform_put, &u), -1);
    assert_memory_equal(&f, &saved, sizeof f);
    assert_false(u.bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_and_node_hash),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_inclusion_corrupted),
        cmocka_unit_test(test_consistency_corrupted),
        cmocka_unit_test(test_proof_does_not_bind_size),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_failing_reads),
        cmocka_unit_test(test_failing_writes),
        cmocka_unit_test(test_huge_trees),
    };

    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
