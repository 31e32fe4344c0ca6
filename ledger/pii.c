/*
 * pii.c — participants' personal data: the data key, the per-person keys
 * in pii.slots, the encrypted records and the look-alike index of the "pii"
 * database (see pii.h for the design, and below for the byte layouts).
 *
 * Erasure is crypto-shredding: a person's name and phone are only ever
 * written to LMDB encrypted under their own key, and that key exists only
 * sealed in one slot of pii.slots, a plain file overwritten in place. Once
 * the slot is zeroed and synced, no copy of their ciphertext (live pages,
 * free pages, backups of data.mdb) can be read again.
 *
 * Transactions: everything runs in the caller's transaction and nothing
 * here begins, commits or aborts one. A write transaction may fail after
 * this file wrote to pii.slots, and batch_run may redo it from scratch, so
 * a slot is written only where no committed record depends on it: a new
 * person gets the slot the (uncommitted) counter names, and a replacement
 * keeps the person's key as it is. The one exception is erasure, which
 * zeroes the slot before the record goes: if that transaction then fails,
 * the record stays but reads as erased, which is what was asked.
 *
 * Must never: write a name or phone in clear to LMDB or to a file, keep a
 * key in memory it does not own, or return a key or hash to a caller.
 *
 * Layouts (integers big-endian):
 *   pii.key    the data key, 32 raw bytes.
 *   pii.slots  slot N at offset N * 72: nonce[24] || XChaCha20-Poly1305 of
 *              the person key[32] (tag 16) under the data key, associated
 *              data programme u32 || N u32 || participant id. All zeros:
 *              erased.
 *   "pii" db:  "slots" (5 bytes, shorter than any other key) -> next slot
 *              number u32;
 *              programme u32 || 'r' || id -> slot u32 || look-alike hash[32]
 *              || nonce[24] || XChaCha20-Poly1305 (tag 16) under the person
 *              key of: name_len u8 || phone_len u8 || name || phone, zero
 *              padded to 162 bytes (every record has the same size, so its
 *              size says nothing of the name), associated data programme
 *              u32 || id;
 *              programme u32 || 'l' || hash[32] || id -> empty.
 *   hash:      BLAKE2b-256 keyed with crypto_kdf_derive_from_key(32, 1,
 *              "caurispi", data key) over programme u32 || normalised name
 *              || 0x00 || birth year u16 || admin1 || 0x00 || admin2. The
 *              programme is hashed too, so equal hashes in two programmes
 *              do not show that one person is in both.
 */
#include "ledger/pii.h"
#include "ledger/internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#define PII_KEY_BYTES 32
#define PII_NONCE_BYTES 24
#define PII_TAG_BYTES 16
#define PII_HASH_BYTES 32
#define PII_SLOT_BYTES (PII_NONCE_BYTES + PII_KEY_BYTES + PII_TAG_BYTES)
#define PII_PLAIN_BYTES (2 + LEDGER_PERSON_NAME_MAX + LEDGER_PHONE_MAX)
#define PII_RECORD_BYTES                                                                       \
    (4 + PII_HASH_BYTES + PII_NONCE_BYTES + PII_PLAIN_BYTES + PII_TAG_BYTES)
#define PII_PREFIX_BYTES 5 /* programme u32 || kind */
#define PII_REC_KEY_MAX (PII_PREFIX_BYTES + LEDGER_PARTICIPANT_ID_MAX)
#define PII_IDX_PREFIX_BYTES (PII_PREFIX_BYTES + PII_HASH_BYTES)
#define PII_IDX_KEY_MAX (PII_IDX_PREFIX_BYTES + LEDGER_PARTICIPANT_ID_MAX)
#define PII_SLOT_AD_MAX (4 + 4 + LEDGER_PARTICIPANT_ID_MAX)
#define PII_REC_AD_MAX (4 + LEDGER_PARTICIPANT_ID_MAX)
#define PII_HASH_INPUT_MAX (4 + LEDGER_PERSON_NAME_MAX + 1 + 2 + 2 * LEDGER_REGION_MAX + 1)
#define PII_SLOTS_MAX UINT32_MAX /* slot numbers are u32 */
#define PII_COUNTER_KEY "slots"
#define PII_KIND_RECORD 'r'
#define PII_KIND_INDEX 'l'
#define PII_KDF_CONTEXT "caurispi"
#define PII_KDF_HASH_ID 1
#define PII_FILE_MODE 0600

_Static_assert(PII_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "AEAD key");
_Static_assert(PII_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "AEAD nonce");
_Static_assert(PII_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "AEAD tag");
_Static_assert(PII_HASH_BYTES == crypto_generichash_BYTES, "BLAKE2b-256");
_Static_assert(PII_KEY_BYTES == crypto_kdf_KEYBYTES, "the data key is a KDF key");
_Static_assert(sizeof PII_KDF_CONTEXT - 1 == crypto_kdf_CONTEXTBYTES, "KDF context");
_Static_assert(PII_SLOT_BYTES == 72, "slot layout is part of the format");
_Static_assert(PII_RECORD_BYTES == 238, "record layout is part of the format");
_Static_assert(LEDGER_PERSON_NAME_MAX <= UINT8_MAX && LEDGER_PHONE_MAX <= UINT8_MAX,
               "lengths fit their byte");
_Static_assert(sizeof PII_COUNTER_KEY - 1 < PII_PREFIX_BYTES + 1,
               "the counter's key is shorter than any record or index key");
_Static_assert(sizeof(off_t) >= 8, "slot offsets reach 2^32 * 72 bytes");

struct pii_keys {
    uint8_t data_key[PII_KEY_BYTES];
    uint8_t hash_key[PII_HASH_BYTES]; /* derived from data_key */
    int slots_fd;
};

/* ---- files ---- */

static int pii_pwrite_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LEDGER_IO;
        done += (size_t)n;
    }
    return LEDGER_OK;
}

/* LEDGER_CORRUPT when the file ends first: a record names a slot that was
 * never written. */
static int pii_pread_all(int fd, uint8_t *buf, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return LEDGER_IO;
        if (n == 0)
            return LEDGER_CORRUPT;
        done += (size_t)n;
    }
    return LEDGER_OK;
}

/* Creates `file` in dir with O_EXCL, mode 0600, holding buf, synced. An
 * existing file is LEDGER_ALREADY_INITIALISED: it is someone's, never ours
 * to replace. */
static int pii_file_create(const char *dir, const char *file, const uint8_t *buf, size_t len)
{
    char path[4200];
    ledger_path(path, sizeof path, dir, file);
    if (path[0] == '\0')
        return LEDGER_INVALID_ARGUMENT;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PII_FILE_MODE);
    if (fd < 0)
        return errno == EEXIST ? LEDGER_ALREADY_INITIALISED : LEDGER_IO;
    /* The umask may only narrow the mode; make it exactly owner read/write. */
    int err = LEDGER_OK;
    if (fchmod(fd, PII_FILE_MODE) != 0 || pii_pwrite_all(fd, buf, len, 0) != LEDGER_OK ||
        fsync(fd) != 0)
        err = LEDGER_IO;
    if (close(fd) != 0)
        err = LEDGER_IO;
    if (err != LEDGER_OK)
        unlink(path);
    return err;
}

int pii_create(const char *dir)
{
    uint8_t key[PII_KEY_BYTES];
    if (dir == NULL)
        return LEDGER_INVALID_ARGUMENT;
    randombytes_buf(key, sizeof key);
    int err = pii_file_create(dir, PII_KEY_FILE, key, sizeof key);
    sodium_memzero(key, sizeof key);
    if (err != LEDGER_OK)
        return err;
    err = pii_file_create(dir, PII_SLOTS_FILE, NULL, 0);
    if (err != LEDGER_OK) { /* no data key without its slots file */
        char path[4200];
        ledger_path(path, sizeof path, dir, PII_KEY_FILE);
        unlink(path);
    }
    return err;
}

/* Reads the data key: LEDGER_NOT_FOUND when the file is missing or this
 * user may not read it (the handle then works without personal data). */
static int pii_key_load(const char *dir, uint8_t key[PII_KEY_BYTES])
{
    char path[4200];
    struct stat st;
    ledger_path(path, sizeof path, dir, PII_KEY_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return (errno == ENOENT || errno == EACCES || errno == EPERM) ? LEDGER_NOT_FOUND
                                                                      : LEDGER_IO;
    int err = LEDGER_OK;
    if (fstat(fd, &st) != 0)
        err = LEDGER_IO;
    else if (!S_ISREG(st.st_mode) || st.st_size != PII_KEY_BYTES)
        err = LEDGER_CORRUPT;
    else
        err = pii_pread_all(fd, key, PII_KEY_BYTES, 0);
    close(fd);
    return err;
}

int pii_open(ledger *l)
{
    char path[4200];
    assert(l != NULL && l->pii == NULL);
    struct pii_keys *k = sodium_malloc(sizeof *k);
    if (k == NULL)
        return LEDGER_NOMEM;
    k->slots_fd = -1;
    int err = pii_key_load(l->dir, k->data_key);
    if (err == LEDGER_OK &&
        crypto_kdf_derive_from_key(k->hash_key, sizeof k->hash_key, PII_KDF_HASH_ID,
                                   PII_KDF_CONTEXT, k->data_key) != 0)
        err = LEDGER_CORRUPT;
    if (err == LEDGER_OK) {
        ledger_path(path, sizeof path, l->dir, PII_SLOTS_FILE);
        k->slots_fd = open(path, (l->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (k->slots_fd < 0)
            err = LEDGER_IO; /* a data key without its slots: not a state we made */
    }
    if (err != LEDGER_OK) {
        sodium_free(k); /* wipes it */
        return err == LEDGER_NOT_FOUND ? LEDGER_OK : err;
    }
    l->pii = k;
    return LEDGER_OK;
}

void pii_close(ledger *l)
{
    if (l == NULL || l->pii == NULL)
        return;
    if (l->pii->slots_fd >= 0)
        close(l->pii->slots_fd);
    sodium_free(l->pii);
    l->pii = NULL;
}

/* ---- inputs ---- */

/* A string of min..max bytes of valid UTF-8; NULL counts as "". */
static bool pii_text_ok(const char *s, size_t min, size_t max, size_t *len_out)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n < min || n > max || (n > 0 && !ledger_utf8_valid(s, n)))
        return false;
    *len_out = n;
    return true;
}

/* A participant id: 1..LEDGER_PARTICIPANT_ID_MAX of [A-Za-z0-9_.-]. */
static bool pii_id_ok(const char *id, size_t *len_out)
{
    size_t n = id ? strnlen(id, LEDGER_PARTICIPANT_ID_MAX + 1) : 0;
    if (n == 0 || n > LEDGER_PARTICIPANT_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    *len_out = n;
    return true;
}

static bool pii_separator(char c)
{
    return c == ' ' || c == '\t' || c == '-' || c == '.';
}

/* The name as compared for look-alikes: ASCII letters folded to lower
 * case, runs of separators made one space, none at either end. Only ASCII
 * is folded because anything more needs Unicode tables, and a rule that
 * differs between versions would split existing look-alikes. Returns the
 * length, 0 for a name of separators alone. */
static size_t pii_normalise(char out[LEDGER_PERSON_NAME_MAX], const char *name, size_t len)
{
    size_t n = 0;
    bool gap = false;
    assert(len <= LEDGER_PERSON_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (pii_separator(c)) {
            gap = (n > 0);
            continue;
        }
        if (gap)
            out[n++] = ' ';
        gap = false;
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    assert(n <= len);
    return n;
}

/* The arguments a look-alike hash is made of, checked. */
typedef struct pii_person {
    char norm[LEDGER_PERSON_NAME_MAX];
    size_t norm_len, admin1_len, admin2_len;
    const char *admin1, *admin2;
    uint16_t birth_year;
} pii_person;

static int pii_person_make(pii_person *p, const char *name, uint16_t birth_year,
                           const char *admin1, const char *admin2)
{
    size_t name_len;
    if (!pii_text_ok(name, 1, LEDGER_PERSON_NAME_MAX, &name_len) ||
        !pii_text_ok(admin1, 0, LEDGER_REGION_MAX, &p->admin1_len) ||
        !pii_text_ok(admin2, 0, LEDGER_REGION_MAX, &p->admin2_len))
        return LEDGER_INVALID_FIELD;
    /* A name of separators alone normalises to "": allowed, since pii.h
     * promises any 1..LEDGER_PERSON_NAME_MAX bytes of UTF-8; such names are
     * look-alikes of each other, which a confirmation settles. */
    p->norm_len = pii_normalise(p->norm, name, name_len);
    p->admin1 = admin1 ? admin1 : "";
    p->admin2 = admin2 ? admin2 : "";
    p->birth_year = birth_year;
    return LEDGER_OK;
}

static void pii_hash(uint8_t out[PII_HASH_BYTES], const struct pii_keys *k, uint32_t programme,
                     const pii_person *p)
{
    uint8_t in[PII_HASH_INPUT_MAX];
    size_t n = 0;
    be32_put(in, programme);
    n += 4;
    memcpy(in + n, p->norm, p->norm_len);
    n += p->norm_len;
    in[n++] = 0;
    in[n++] = (uint8_t)(p->birth_year >> 8);
    in[n++] = (uint8_t)(p->birth_year & 0xffu);
    memcpy(in + n, p->admin1, p->admin1_len);
    n += p->admin1_len;
    in[n++] = 0;
    memcpy(in + n, p->admin2, p->admin2_len);
    n += p->admin2_len;
    assert(n <= sizeof in);
    crypto_generichash(out, PII_HASH_BYTES, in, n, k->hash_key, sizeof k->hash_key);
    sodium_memzero(in, sizeof in); /* holds the name */
}

/* ---- keys of the "pii" database ---- */

static size_t pii_rec_key(uint8_t out[PII_REC_KEY_MAX], uint32_t programme, const char *id,
                          size_t id_len)
{
    be32_put(out, programme);
    out[4] = PII_KIND_RECORD;
    memcpy(out + PII_PREFIX_BYTES, id, id_len);
    return PII_PREFIX_BYTES + id_len;
}

/* What every index key of one hash starts with. */
static void pii_idx_prefix(uint8_t out[PII_IDX_PREFIX_BYTES], uint32_t programme,
                           const uint8_t hash[PII_HASH_BYTES])
{
    be32_put(out, programme);
    out[4] = PII_KIND_INDEX;
    memcpy(out + PII_PREFIX_BYTES, hash, PII_HASH_BYTES);
}

static size_t pii_idx_key(uint8_t out[PII_IDX_KEY_MAX], uint32_t programme,
                          const uint8_t hash[PII_HASH_BYTES], const char *id, size_t id_len)
{
    pii_idx_prefix(out, programme, hash);
    memcpy(out + PII_IDX_PREFIX_BYTES, id, id_len);
    return PII_IDX_PREFIX_BYTES + id_len;
}

/* The person's record into rec: LEDGER_NOT_FOUND when there is none. */
static int pii_rec_load(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len,
                        uint8_t rec[PII_RECORD_BYTES])
{
    MDB_val k = {key_len, (void *)key}, v;
    int rc = mdb_get(txn, l->dbi_pii, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != PII_RECORD_BYTES)
        return LEDGER_CORRUPT;
    memcpy(rec, v.mv_data, PII_RECORD_BYTES);
    return LEDGER_OK;
}

/* ---- slots ---- */

static size_t pii_slot_ad(uint8_t out[PII_SLOT_AD_MAX], uint32_t programme, uint32_t slot,
                          const char *id, size_t id_len)
{
    be32_put(out, programme);
    be32_put(out + 4, slot);
    memcpy(out + 8, id, id_len);
    return 8 + id_len;
}

static off_t pii_slot_offset(uint32_t slot)
{
    return (off_t)slot * PII_SLOT_BYTES;
}

/* The person key sealed in `slot`: LEDGER_NOT_FOUND when the slot was
 * zeroed (erased), LEDGER_CORRUPT when it does not open. */
static int pii_slot_open(const ledger *l, uint32_t programme, uint32_t slot, const char *id,
                         size_t id_len, uint8_t person_key[PII_KEY_BYTES])
{
    static const uint8_t zeros[PII_SLOT_BYTES];
    uint8_t sealed[PII_SLOT_BYTES], ad[PII_SLOT_AD_MAX];
    int err = pii_pread_all(l->pii->slots_fd, sealed, sizeof sealed, pii_slot_offset(slot));
    if (err != LEDGER_OK)
        return err;
    if (sodium_memcmp(sealed, zeros, sizeof sealed) == 0)
        return LEDGER_NOT_FOUND;
    size_t ad_len = pii_slot_ad(ad, programme, slot, id, id_len);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            person_key, NULL, NULL, sealed + PII_NONCE_BYTES, PII_KEY_BYTES + PII_TAG_BYTES, ad,
            ad_len, sealed, l->pii->data_key) != 0)
        return LEDGER_CORRUPT;
    return LEDGER_OK;
}

/* A new person key, sealed into the slot the counter names; the
 * counter moves on in txn. If txn fails the counter stays and the slot is
 * written again by the next new person: no committed record names it. */
static int pii_slot_new(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
                        size_t id_len, uint8_t person_key[PII_KEY_BYTES], uint32_t *slot_out)
{
    uint8_t sealed[PII_SLOT_BYTES], ad[PII_SLOT_AD_MAX], next_be[4];
    MDB_val k = {sizeof PII_COUNTER_KEY - 1, (void *)PII_COUNTER_KEY}, v;
    uint32_t slot = 0;
    int rc = mdb_get(txn, l->dbi_pii, &k, &v);
    if (rc == MDB_SUCCESS && v.mv_size == 4)
        slot = be32_get(v.mv_data);
    else if (rc == MDB_SUCCESS)
        return LEDGER_CORRUPT;
    else if (rc != MDB_NOTFOUND)
        return ledger_map_err(rc);
    if (slot == PII_SLOTS_MAX)
        return LEDGER_MAP_LIMIT;
    crypto_aead_xchacha20poly1305_ietf_keygen(person_key);
    randombytes_buf(sealed, PII_NONCE_BYTES);
    size_t ad_len = pii_slot_ad(ad, programme, slot, id, id_len);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + PII_NONCE_BYTES, NULL, person_key,
                                               PII_KEY_BYTES, ad, ad_len, NULL, sealed,
                                               l->pii->data_key);
    /* Made durable by pii_sync, once for a whole batch, before the record
     * naming it commits. */
    int err = pii_pwrite_all(l->pii->slots_fd, sealed, sizeof sealed, pii_slot_offset(slot));
    if (err == LEDGER_OK) {
        be32_put(next_be, slot + 1);
        v.mv_size = sizeof next_be;
        v.mv_data = next_be;
        err = ledger_map_err(mdb_put(txn, l->dbi_pii, &k, &v, 0));
    }
    if (err != LEDGER_OK) {
        sodium_memzero(person_key, PII_KEY_BYTES);
        return err;
    }
    *slot_out = slot;
    return LEDGER_OK;
}

/* ---- records ---- */

static size_t pii_rec_ad(uint8_t out[PII_REC_AD_MAX], uint32_t programme, const char *id,
                         size_t id_len)
{
    be32_put(out, programme);
    memcpy(out + 4, id, id_len);
    return 4 + id_len;
}

/* rec = slot || hash || nonce || sealed(name_len || phone_len || name || phone || 0...). */
static void pii_rec_seal(uint8_t rec[PII_RECORD_BYTES], uint32_t slot,
                         const uint8_t hash[PII_HASH_BYTES], const uint8_t *ad, size_t ad_len,
                         const uint8_t person_key[PII_KEY_BYTES], const char *name,
                         size_t name_len, const char *phone, size_t phone_len)
{
    uint8_t plain[PII_PLAIN_BYTES];
    uint8_t *nonce = rec + 4 + PII_HASH_BYTES;
    assert(name_len <= LEDGER_PERSON_NAME_MAX && phone_len <= LEDGER_PHONE_MAX);
    memset(plain, 0, sizeof plain);
    plain[0] = (uint8_t)name_len;
    plain[1] = (uint8_t)phone_len;
    memcpy(plain + 2, name, name_len);
    if (phone_len > 0)
        memcpy(plain + 2 + name_len, phone, phone_len);
    be32_put(rec, slot);
    memcpy(rec + 4, hash, PII_HASH_BYTES);
    randombytes_buf(nonce, PII_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + PII_NONCE_BYTES, NULL, plain,
                                               sizeof plain, ad, ad_len, NULL, nonce,
                                               person_key);
    sodium_memzero(plain, sizeof plain);
}

/* Opens a record's ciphertext into name and phone (NUL-terminated). */
static int pii_rec_open(const uint8_t rec[PII_RECORD_BYTES], const uint8_t *ad, size_t ad_len,
                        const uint8_t person_key[PII_KEY_BYTES],
                        char name[LEDGER_PERSON_NAME_MAX + 1], char phone[LEDGER_PHONE_MAX + 1])
{
    uint8_t plain[PII_PLAIN_BYTES];
    const uint8_t *nonce = rec + 4 + PII_HASH_BYTES;
    int err = LEDGER_OK;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, nonce + PII_NONCE_BYTES,
                                                   PII_PLAIN_BYTES + PII_TAG_BYTES, ad, ad_len,
                                                   nonce, person_key) != 0)
        return LEDGER_CORRUPT;
    size_t name_len = plain[0], phone_len = plain[1];
    if (name_len == 0 || name_len > LEDGER_PERSON_NAME_MAX || phone_len > LEDGER_PHONE_MAX ||
        memchr(plain + 2, '\0', name_len + phone_len) != NULL) {
        err = LEDGER_CORRUPT; /* authentic yet malformed: not written by pii_put */
    } else {
        memcpy(name, plain + 2, name_len);
        name[name_len] = '\0';
        memcpy(phone, plain + 2 + name_len, phone_len);
        phone[phone_len] = '\0';
    }
    sodium_memzero(plain, sizeof plain);
    return err;
}

/* The index entry of (programme, hash, id): put, or deleted (gone already
 * is fine: deleting is what was asked). */
static int pii_idx_set(MDB_txn *txn, ledger *l, uint32_t programme,
                       const uint8_t hash[PII_HASH_BYTES], const char *id, size_t id_len,
                       bool present)
{
    uint8_t key[PII_IDX_KEY_MAX];
    MDB_val k = {pii_idx_key(key, programme, hash, id, id_len), key}, v = {0, NULL};
    int rc = present ? mdb_put(txn, l->dbi_pii, &k, &v, 0) : mdb_del(txn, l->dbi_pii, &k, NULL);
    return (rc == MDB_NOTFOUND && !present) ? LEDGER_OK : ledger_map_err(rc);
}

/* ---- the interface ---- */

/* The slot and key a put uses: the record's own when it has one (a
 * replacement never writes pii.slots, so a failed transaction leaves the
 * committed record readable), else a new one. *old_hash_out tells whether
 * an index entry must move. */
static int pii_put_key(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
                       size_t id_len, uint8_t person_key[PII_KEY_BYTES], uint32_t *slot_out,
                       uint8_t old_hash[PII_HASH_BYTES], bool *had_record)
{
    uint8_t key[PII_REC_KEY_MAX], rec[PII_RECORD_BYTES];
    size_t key_len = pii_rec_key(key, programme, id, id_len);
    int err = pii_rec_load(txn, l, key, key_len, rec);
    *had_record = (err == LEDGER_OK);
    if (err == LEDGER_NOT_FOUND)
        return pii_slot_new(txn, l, programme, id, id_len, person_key, slot_out);
    if (err != LEDGER_OK)
        return err;
    memcpy(old_hash, rec + 4, PII_HASH_BYTES);
    uint32_t slot = be32_get(rec);
    err = pii_slot_open(l, programme, slot, id, id_len, person_key);
    if (err == LEDGER_NOT_FOUND) /* erased by a transaction that then failed */
        return pii_slot_new(txn, l, programme, id, id_len, person_key, slot_out);
    if (err == LEDGER_OK)
        *slot_out = slot;
    return err;
}

int pii_put(MDB_txn *txn, ledger *l, uint32_t programme, const char *id, const char *name,
            const char *phone, uint16_t birth_year, const char *admin1, const char *admin2)
{
    uint8_t person_key[PII_KEY_BYTES], hash[PII_HASH_BYTES], old_hash[PII_HASH_BYTES];
    uint8_t key[PII_REC_KEY_MAX], rec[PII_RECORD_BYTES], ad[PII_REC_AD_MAX];
    size_t id_len, name_len, phone_len;
    pii_person p;
    uint32_t slot = 0;
    bool had_record = false;
    if (txn == NULL || l == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (l->pii == NULL)
        return LEDGER_KEY_MISMATCH;
    if (!pii_id_ok(id, &id_len) || !pii_text_ok(name, 1, LEDGER_PERSON_NAME_MAX, &name_len) ||
        !pii_text_ok(phone, 0, LEDGER_PHONE_MAX, &phone_len) ||
        pii_person_make(&p, name, birth_year, admin1, admin2) != LEDGER_OK)
        return LEDGER_INVALID_FIELD;
    pii_hash(hash, l->pii, programme, &p);
    sodium_memzero(&p, sizeof p);
    int err =
        pii_put_key(txn, l, programme, id, id_len, person_key, &slot, old_hash, &had_record);
    if (err != LEDGER_OK) {
        sodium_memzero(person_key, sizeof person_key);
        return err;
    }
    pii_rec_seal(rec, slot, hash, ad, pii_rec_ad(ad, programme, id, id_len), person_key, name,
                 name_len, phone, phone_len);
    sodium_memzero(person_key, sizeof person_key);
    MDB_val k = {pii_rec_key(key, programme, id, id_len), key}, v = {sizeof rec, rec};
    err = ledger_map_err(mdb_put(txn, l->dbi_pii, &k, &v, 0));
    if (err == LEDGER_OK && had_record && memcmp(old_hash, hash, sizeof hash) != 0)
        err = pii_idx_set(txn, l, programme, old_hash, id, id_len, false);
    if (err == LEDGER_OK)
        err = pii_idx_set(txn, l, programme, hash, id, id_len, true);
    return err;
}

int pii_get(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
            char name[LEDGER_PERSON_NAME_MAX + 1], char phone[LEDGER_PHONE_MAX + 1])
{
    uint8_t key[PII_REC_KEY_MAX], rec[PII_RECORD_BYTES], ad[PII_REC_AD_MAX];
    uint8_t person_key[PII_KEY_BYTES];
    char name_tmp[LEDGER_PERSON_NAME_MAX + 1], phone_tmp[LEDGER_PHONE_MAX + 1];
    size_t id_len;
    if (txn == NULL || l == NULL || name == NULL || phone == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->pii == NULL)
        return LEDGER_KEY_MISMATCH;
    if (!pii_id_ok(id, &id_len))
        return LEDGER_INVALID_FIELD;
    int err = pii_rec_load(txn, l, key, pii_rec_key(key, programme, id, id_len), rec);
    if (err == LEDGER_OK)
        err = pii_slot_open(l, programme, be32_get(rec), id, id_len, person_key);
    if (err != LEDGER_OK) {
        sodium_memzero(person_key, sizeof person_key);
        return err;
    }
    err = pii_rec_open(rec, ad, pii_rec_ad(ad, programme, id, id_len), person_key, name_tmp,
                       phone_tmp);
    sodium_memzero(person_key, sizeof person_key);
    if (err == LEDGER_OK) {
        memcpy(name, name_tmp, strlen(name_tmp) + 1);
        memcpy(phone, phone_tmp, strlen(phone_tmp) + 1);
    }
    sodium_memzero(name_tmp, sizeof name_tmp);
    sodium_memzero(phone_tmp, sizeof phone_tmp);
    return err;
}

int pii_erase(MDB_txn *txn, ledger *l, uint32_t programme, const char *id)
{
    static const uint8_t zeros[PII_SLOT_BYTES];
    uint8_t key[PII_REC_KEY_MAX], rec[PII_RECORD_BYTES];
    size_t id_len;
    if (txn == NULL || l == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (l->pii == NULL)
        return LEDGER_KEY_MISMATCH;
    if (!pii_id_ok(id, &id_len))
        return LEDGER_INVALID_FIELD;
    size_t key_len = pii_rec_key(key, programme, id, id_len);
    int err = pii_rec_load(txn, l, key, key_len, rec);
    if (err == LEDGER_NOT_FOUND)
        return LEDGER_OK;
    if (err != LEDGER_OK)
        return err;
    /* The key goes first and for good: whatever happens to the transaction
     * after this, the ciphertext can no longer be read. */
    err = pii_pwrite_all(l->pii->slots_fd, zeros, sizeof zeros, pii_slot_offset(be32_get(rec)));
    if (err == LEDGER_OK && fdatasync(l->pii->slots_fd) != 0)
        err = LEDGER_IO;
    if (err != LEDGER_OK)
        return err;
    MDB_val k = {key_len, key};
    err = ledger_map_err(mdb_del(txn, l->dbi_pii, &k, NULL));
    if (err == LEDGER_OK)
        err = pii_idx_set(txn, l, programme, rec + 4, id, id_len, false);
    return err;
}

/* Whether an index key found by the cursor is one of `prefix`, and its id
 * when it is. */
static bool pii_idx_match(const MDB_val *k, const uint8_t prefix[PII_IDX_PREFIX_BYTES],
                          const char **id_out, size_t *id_len_out)
{
    if (k->mv_size <= PII_IDX_PREFIX_BYTES || k->mv_size > PII_IDX_KEY_MAX ||
        memcmp(k->mv_data, prefix, PII_IDX_PREFIX_BYTES) != 0)
        return false;
    *id_out = (const char *)k->mv_data + PII_IDX_PREFIX_BYTES;
    *id_len_out = k->mv_size - PII_IDX_PREFIX_BYTES;
    return true;
}

int pii_lookalike(MDB_txn *txn, ledger *l, uint32_t programme, const char *except_id,
                  const char *name, uint16_t birth_year, const char *admin1, const char *admin2,
                  char id_out[LEDGER_PARTICIPANT_ID_MAX + 1])
{
    uint8_t prefix[PII_IDX_PREFIX_BYTES], hash[PII_HASH_BYTES];
    size_t except_len = 0, id_len = 0;
    const char *id = NULL;
    pii_person p;
    MDB_cursor *cur;
    if (txn == NULL || l == NULL || id_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->pii == NULL)
        return LEDGER_KEY_MISMATCH;
    if ((except_id != NULL && !pii_id_ok(except_id, &except_len)) ||
        pii_person_make(&p, name, birth_year, admin1, admin2) != LEDGER_OK)
        return LEDGER_INVALID_FIELD;
    pii_hash(hash, l->pii, programme, &p);
    sodium_memzero(&p, sizeof p);
    pii_idx_prefix(prefix, programme, hash);
    int rc = mdb_cursor_open(txn, l->dbi_pii, &cur);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    MDB_val k = {sizeof prefix, prefix}, v;
    /* Ids are the keys' suffix, so the cursor meets them in id order. */
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    int err = LEDGER_NOT_FOUND;
    for (; rc == MDB_SUCCESS && pii_idx_match(&k, prefix, &id, &id_len);
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (id_len != except_len || memcmp(id, except_id, id_len) != 0) {
            err = LEDGER_OK;
            break;
        }
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    if (err == LEDGER_OK) {
        memcpy(id_out, id, id_len);
        id_out[id_len] = '\0';
    }
    mdb_cursor_close(cur);
    return err;
}

int pii_sync(ledger *l)
{
    if (l->pii == NULL)
        return LEDGER_OK;
    return fdatasync(l->pii->slots_fd) == 0 ? LEDGER_OK : LEDGER_IO;
}
