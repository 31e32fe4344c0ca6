/*
 * internal.h — what the files of ledger/ share and nothing outside sees: the
 * handle, the LMDB named databases, the stored account record, the batch
 * builder every write goes through, and small helpers.
 *
 * Layers: init.c (open/close, map growth) -> batch.c (one write transaction,
 * Merkle append, signed checkpoint, commit) -> post.c / accounts.c (the
 * double-entry rules) ; history.c, proof.c, verify.c read. token.c keeps the
 * RPC access tokens beside the journal, in write transactions of its own.
 */
#ifndef CAURIS_LEDGER_INTERNAL_H
#define CAURIS_LEDGER_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>

#include "ledger/codec.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

/* 2: the "tokens" database (token.c). 3: programme operations: entries
 * carry reporting tags (leaf format 2), participant, settings and closure
 * leaves, the "domain" and "pii" databases. */
#define LEDGER_FORMAT_VERSION_CURRENT 3u
#define LEDGER_HISTORY_SPARSE_EVERY 64u /* one history index key per N lines */
#define LEDGER_DBS_COUNT 16
#define LEDGER_MAP_SIZE_DEFAULT ((size_t)64 << 20)
#define LEDGER_MAP_SIZE_MAX_DEFAULT ((size_t)1 << 40)
#define LEDGER_PROGRAMMES_MAX 256

_Static_assert(LEDGER_PAGE_MAX >= 1, "page");
_Static_assert(LEDGER_REQUEST_ENTRIES_MAX <= LEDGER_BATCH_ENTRIES_MAX, "request fits a batch");
_Static_assert(LEDGER_DIR_MAX + 32 < 4096, "a ledger file's path fits the handle's buffers");
_Static_assert(LEDGER_CODE_MAX <= 255, "code length fits its byte");

struct ledger {
    MDB_env *env;
    MDB_dbi dbi_meta;        /* string key -> value */
    MDB_dbi dbi_programmes;  /* "n" name -> programme_rec ; "i" id BE -> programme_rec */
    MDB_dbi dbi_accounts;    /* id BE -> stored account state (store.c) */
    MDB_dbi dbi_pending;     /* id BE -> pending debits, credits (only when not zero) */
    MDB_dbi dbi_names;       /* id BE -> account code */
    MDB_dbi dbi_codes;       /* programme id BE || code -> account id BE */
    MDB_dbi dbi_entries;     /* seq BE -> leaf bytes (every leaf, not only entries) */
    MDB_dbi dbi_keys;        /* len(partner) || partner || client id -> seq BE */
    MDB_dbi dbi_links;       /* seq BE of a pending/posted entry -> seq BE resolving it */
    MDB_dbi dbi_history;     /* account id BE || seq BE -> line number BE (sparse) */
    MDB_dbi dbi_merkle;      /* post-order position BE -> hash of a complete subtree */
    MDB_dbi dbi_checkpoints; /* tree size BE -> signed checkpoint note */
    MDB_dbi dbi_batches;     /* batch number BE -> batch_rec */
    MDB_dbi dbi_tokens;      /* token id (8 bytes) -> token_rec (token.c); not leaves */
    MDB_dbi dbi_domain;      /* programme id BE || kind || subject -> domain state (domain.c) */
    MDB_dbi dbi_pii;         /* personal data, encrypted (pii.c); not leaves */
    bool read_only;
    bool has_signer;
    note_signer signer;
    merkle_frontier frontier; /* of the committed tree; valid when frontier_ok */
    bool frontier_ok;
    pthread_mutex_t write_mutex; /* one writer */
    pthread_rwlock_t map_lock;   /* readers shared; map resize exclusive */
    size_t map_size_max;
    ledger_clock_fn clock;
    void *clock_ctx;
    char dir[4096];
    uint64_t file_dev, file_ino;   /* of data.mdb: one handle per process */
    struct code_cache *code_cache; /* posting's code -> id (post.c) */
    struct pii_keys *pii;          /* the data key and slots file (pii.c) */
};

/* Account code -> id, remembered by the writer. An id never changes once
 * its account is committed, and posting transactions open no accounts, so
 * an id they read can be reused by every later posting. Direct-mapped: a
 * slot holds the last code hashed to it, as its 128-bit SipHash under a key
 * drawn when the cache is made (no code is kept: 24 bytes a slot instead of
 * the 80 of a whole code). A hit is a match of all 128 bits: with the key
 * secret, nobody can choose codes that collide, and by chance two of even
 * 10^9 codes collide with probability below 2^-68. A miss reads LMDB. */
#define CODE_CACHE_SLOTS 131072u
typedef struct code_cache_slot {
    uint64_t id; /* 0: empty */
    uint8_t hash[16];
} code_cache_slot;
_Static_assert((CODE_CACHE_SLOTS & (CODE_CACHE_SLOTS - 1)) == 0, "a power of two");
_Static_assert(sizeof(code_cache_slot) == 24, "a slot is 24 bytes");

typedef struct code_cache {
    uint8_t key[16];
    code_cache_slot slots[CODE_CACHE_SLOTS];
} code_cache;

/* Stored programme record (native layout; not hashed, derived from leaves). */
typedef struct programme_rec {
    uint32_t id;
    int32_t digits;
    char currency[4];
    char name[LEDGER_NAME_MAX + 1];
    uint8_t pad[3];
} programme_rec;

/* An account in memory: state derived from the journal. Stored in parts
 * (store.c); LMDB values are not aligned: always memcpy in and out. */
typedef struct acct_rec {
    uint64_t id;
    uint64_t latest_seq; /* LEDGER_SEQ_NONE before its first line */
    uint64_t lines_count;
    int64_t debits_posted;
    int64_t credits_posted;
    int64_t debits_pending;
    int64_t credits_pending;
    uint32_t programme;
    uint32_t flags;
    uint8_t type;
    uint8_t code_len;
    char code[LEDGER_CODE_MAX];
    uint8_t pad[6];
} acct_rec;
_Static_assert(sizeof(acct_rec) == 136, "account record layout");

typedef struct batch_rec {
    uint64_t first_seq; /* its header leaf */
    uint64_t end_size;  /* tree size after it */
    int64_t time;
} batch_rec;
_Static_assert(sizeof(batch_rec) == 24, "batch record layout is part of the format");

/* ---- big-endian keys ---- */
void be64_put(uint8_t out[8], uint64_t v);
uint64_t be64_get(const uint8_t in[8]);
void be32_put(uint8_t out[4], uint32_t v);
uint32_t be32_get(const uint8_t in[4]);

/* Internal only: LMDB's map is full; batch_run grows it and retries. Never
 * returned to callers. */
#define LEDGER_ERR_MAP_FULL (LEDGER_ERR_COUNT + 1)

/* ---- LMDB helpers (store.c) ---- */
int ledger_map_err(int mdb_rc); /* LMDB rc -> ledger_err */
int ledger_map_grow(ledger *l);
/* Begins a transaction (flags 0 or MDB_RDONLY) under the shared map lock,
 * adopting the map size first if another process grew it. On success the
 * caller holds the lock until it ends the transaction. */
int ledger_txn_begin(ledger *l, unsigned flags, MDB_txn **txn);
/* dir + "/" + file into out[cap] ("" if it does not fit). */
void ledger_path(char *out, size_t cap, const char *dir, const char *file);

/* The idempotency key of a partner's client entry id (entry_keys):
 * len(partner) || partner || client id. Returns its length. */
#define ENTRY_KEY_MAX (1 + LEDGER_PARTNER_MAX + LEDGER_CLIENT_ID_MAX)
size_t entry_key_make(uint8_t out[ENTRY_KEY_MAX], const char *partner, size_t partner_len,
                      const char *client_id, size_t client_id_len);
/* Begins a read transaction under the shared map lock. */
int ledger_read_begin(ledger *l, MDB_txn **txn);
void ledger_read_end(ledger *l, MDB_txn *txn);
int meta_get_u64(MDB_txn *txn, ledger *l, const char *key, uint64_t *out);
int meta_put_u64(MDB_txn *txn, ledger *l, const char *key, uint64_t v);
int meta_get_bytes(MDB_txn *txn, ledger *l, const char *key, void *out, size_t len);
int meta_put_bytes(MDB_txn *txn, ledger *l, const char *key, const void *v, size_t len);
int meta_get_str(MDB_txn *txn, ledger *l, const char *key, char *out, size_t cap);

/* ---- the stored records ---- */
int programme_by_name(MDB_txn *txn, ledger *l, const char *name, programme_rec *out);
int programme_by_id(MDB_txn *txn, ledger *l, uint32_t id, programme_rec *out);
int programme_store(MDB_txn *txn, ledger *l, const programme_rec *p);
/* The whole account, code included. */
int acct_load(MDB_txn *txn, ledger *l, uint64_t id, acct_rec *out);
/* Parts of an account to store. */
#define ACCT_STATE 0x1u   /* balances, history link, flags */
#define ACCT_PENDING 0x2u /* pending amounts */
#define ACCT_NAME 0x4u    /* the code, once */
int acct_store(MDB_txn *txn, ledger *l, const acct_rec *a, unsigned parts);

/* An account being posted to: read through a cursor that stays on its
 * record, so writing it back costs no second search. Release every slot
 * loaded (also on failure) before the transaction changes. */
typedef struct acct_slot {
    MDB_cursor *cur;
    uint8_t key[8];
    acct_rec rec;
} acct_slot;
int acct_slot_load(MDB_txn *txn, ledger *l, uint64_t id, acct_slot *slot);
int acct_slot_store(MDB_txn *txn, ledger *l, acct_slot *slot, unsigned parts);
void acct_slot_release(acct_slot *slot);
int acct_id_by_code(MDB_txn *txn, ledger *l, uint32_t programme, const char *code,
                    size_t code_len, uint64_t *id_out);

/* The record of batch `batch_no`; a missing one is LEDGER_CORRUPT. */
int batch_rec_get(MDB_txn *txn, ledger *l, uint64_t batch_no, batch_rec *out);

/* Normal-side posted balance (assets and expenses: debits - credits). */
int64_t acct_balance(const acct_rec *a);
bool acct_debit_normal(uint8_t type);

/* The double-entry state change of one leg, shared by posting and
 * verification. `kind` is the entry's kind; `checks` is false when replaying
 * (verify checks the recorded result, not the rules of the day);
 * `correction` is true for a reversal awaiting approval and the post that
 * approves it, which a lock does not stop (like a reversal). On success
 * the record is updated; on refusal it is left as it was and the reason is
 * returned. */
int acct_apply_leg(acct_rec *a, ledger_kind kind, ledger_side side, int64_t amount, bool checks,
                   bool correction);

/* ---- batches: every write goes through one (batch.c) ---- */
typedef struct batch {
    ledger *l;
    MDB_txn *txn;
    uint64_t batch_no;
    uint64_t first_seq; /* the header leaf's seq */
    uint64_t next_seq;  /* where the next leaf goes */
    int64_t time;       /* recorded time of every entry in it */
    size_t hashes_count;
    size_t hashes_cap;
    uint8_t (*hashes)[MERKLE_HASH_BYTES]; /* leaves after the header */
    const note_signer *retiring;          /* a key rotation: the old key signs too */
    uint64_t apply_ns;                    /* time spent applying, for ledger_commit_info */
    programme_rec programme;              /* the last one looked up (entries of a batch */
    bool programme_cached;                /* rarely change programme) */
    bool share_out;                       /* a cycle's close is posting its share-out */
    /* The programme's settings and closed date, read once per batch by
     * posting (domain.c; dropped by whatever writes them). */
    uint32_t rules_programme; /* 0 = not read yet */
    uint32_t closed_through;
    ledger_settings settings;
} batch;

/* The programme of that name, cached for the batch. */
int batch_programme(batch *b, const char *name, programme_rec *out);

/* Begins the write transaction; the caller holds write_mutex. */
int batch_begin(ledger *l, batch *b);
/* Appends one leaf at b->next_seq (written and hashed). */
int batch_leaf(batch *b, const uint8_t *leaf, size_t len);
/* Drops the leaves from `count` on (an atomic request that failed). */
void batch_truncate(batch *b, size_t count);
/* Header leaf, Merkle append, signed checkpoint, meta, commit with fsync.
 * With no leaves, aborts and reports the current tree. Frees b. */
int batch_finish(batch *b, ledger_commit_info *info);
void batch_abort(batch *b);

/* Runs fn(l, ctx, b) in a batch, retrying from scratch with a larger map when
 * LMDB reports MDB_MAP_FULL. fn returns LEDGER_OK to commit. */
typedef int (*batch_fn)(ledger *l, void *ctx, batch *b);
int batch_run(ledger *l, batch_fn fn, void *ctx, ledger_commit_info *info);

/* Merkle node storage callbacks over a transaction. */
typedef struct merkle_store {
    ledger *l;
    MDB_txn *txn;
} merkle_store;
int merkle_store_get(void *ctx, uint32_t level, uint64_t index, uint8_t out[MERKLE_HASH_BYTES]);
int merkle_store_put(void *ctx, uint32_t level, uint64_t index,
                     const uint8_t hash[MERKLE_HASH_BYTES]);

/* ---- keys (keys.c) ---- */
/* Appends the event leaf of the ledger's current signer; it must be the last
 * leaf of its batch, whose checkpoint is the first it signs. */
int key_event_leaf(batch *b);
/* Finishes or drops a rotation that was interrupted: if signing.pub.next
 * (written before the rotation's commit) names the journal's current key,
 * signing.key.next and signing.pub.next replace signing.key and
 * signing.pub; otherwise the rotation never committed and both go. */
int key_rotation_recover(ledger *l, const uint8_t journal_pk[32]);
/* Writes signing.pub: the current verifier key. */
int key_vkey_write(ledger *l);
/* Makes a directory's new entries durable. */
int ledger_dir_sync(const char *dir);

/* ---- issued statements (history.c) ---- */
#define HISTORY_PERIOD_LINES_MAX 100000u /* lines of one account in one statement */
/* An account's figures for the lines recorded from date_from to date_to
 * (0 = open) among the first `size` leaves: opening and closing balance,
 * the number of lines and the RFC 6962 root of their leaf hashes. */
int history_period(MDB_txn *txn, ledger *l, uint64_t account_id, uint32_t date_from,
                   uint32_t date_to, uint64_t size, codec_statement_account *out);

/* ---- misc ---- */
bool ledger_utf8_valid(const char *s, size_t len);
/* An id of 1..max bytes of [A-Za-z0-9_.-] (participants, groups). */
bool ledger_id_valid(const char *s, size_t max);
/* NULL or at most max bytes of UTF-8 without control characters. */
bool ledger_text_valid(const char *s, size_t max);
/* A partner and a principal: both given, of their lengths, text. */
bool ledger_who_valid(const char *partner, const char *principal);
/* Checks a name: [a-z0-9_-]{1,64}. */
bool ledger_name_valid(const char *s);
int ledger_programme_add(ledger *l, batch *b, const char *name, const char *currency,
                         const ledger_settings *settings);
/* accounts.c: within a batch. */
int account_open_in(batch *b, uint32_t programme, const char *code, uint64_t *next_id);
int account_flags_in(batch *b, uint32_t programme, const char *code, uint32_t flags);
int next_id_get(MDB_txn *txn, ledger *l, const char *key, uint64_t *out);

/* Writes a settings leaf and stores the settings (NULL = the defaults). */
int settings_leaf(batch *b, uint32_t programme, const char *principal,
                  const ledger_settings *s);
/* Copies decoded tags into strings of their own, and back. */
void tags_from_codec(ledger_tags *out, const codec_tags *t);
void tags_to_codec(codec_tags *out, const ledger_tags *t);
int entry_decode_at(MDB_txn *txn, ledger *l, uint64_t seq, codec_entry *out);

#endif
