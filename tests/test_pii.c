/*
 * test_pii.c — participants' personal data (ledger/pii.c), an internal
 * module tested through its own header on a real ledger: names and phones
 * read back (UTF-8, limits, after reopening, on read-only handles) and never
 * on disk in clear; look-alikes across case and spacing, by year, place and
 * programme, in id order, skipping the asker; erasure that zeroes the slot
 * and is final; replacement that keeps the slot and moves the index entry;
 * transactions that fail after pii.slots was written (the slot is reused,
 * the committed record stays readable); a full map passed back for the
 * caller's retry; tampering; a ledger without its data key; bad input.
 */
#include "tests/util.h"

#include "ledger/internal.h"
#include "ledger/pii.h"

#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define P1 1u /* programme ids: pii.c only uses them as key prefixes */
#define P2 2u
#define SLOT_BYTES 72
#define RECORD_BYTES 238
#define RECORD_CIPHERTEXT_AT (4 + 32 + 24)
#define YEAR 1990
#define ID_MAX "p.max_ID-32.xxxxxxxxxxxxxxxxxxxx" /* every kind of character, 32 */

typedef char name_buf[LEDGER_PERSON_NAME_MAX + 1];
typedef char phone_buf[LEDGER_PHONE_MAX + 1];
typedef char id_buf[LEDGER_PARTICIPANT_ID_MAX + 1];

static int setup(void **state)
{
    tl *t = calloc(1, sizeof *t);
    tl_setup(t, "GNF", 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tl *t = *state;
    tl_teardown(t);
    free(t);
    return 0;
}

/* ---- transactions, as a writer holds them ---- */

static MDB_txn *w_begin(ledger *l)
{
    MDB_txn *txn = NULL;
    pthread_mutex_lock(&l->write_mutex);
    assert_int_equal(ledger_txn_begin(l, 0, &txn), LEDGER_OK);
    return txn;
}

static void w_end(ledger *l, MDB_txn *txn, bool commit)
{
    int rc = MDB_SUCCESS;
    if (commit)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    pthread_rwlock_unlock(&l->map_lock);
    pthread_mutex_unlock(&l->write_mutex);
    assert_int_equal(rc, MDB_SUCCESS);
}

/* One put in a write transaction of its own, committed when it succeeds. */
static int put_in(ledger *l, uint32_t programme, const char *id, const char *name,
                  const char *phone, uint16_t year, const char *admin1, const char *admin2)
{
    MDB_txn *txn = w_begin(l);
    int err = pii_put(txn, l, programme, id, name, phone, year, admin1, admin2);
    w_end(l, txn, err == LEDGER_OK);
    return err;
}

static int put(tl *t, const char *id, const char *name, const char *phone)
{
    return put_in(t->l, P1, id, name, phone, YEAR, "Conakry", "Ratoma");
}

static int erase(tl *t, const char *id)
{
    MDB_txn *txn = w_begin(t->l);
    int err = pii_erase(txn, t->l, P1, id);
    w_end(t->l, txn, err == LEDGER_OK);
    return err;
}

/* Reads in a read transaction; on failure checks the buffers were left
 * as they were. */
static int get_in(ledger *l, uint32_t programme, const char *id, char *name, char *phone)
{
    MDB_txn *txn = NULL;
    name_buf n;
    phone_buf p;
    memset(n, 'x', sizeof n);
    memset(p, 'y', sizeof p);
    assert_int_equal(ledger_read_begin(l, &txn), LEDGER_OK);
    int err = pii_get(txn, l, programme, id, n, p);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK) {
        for (size_t i = 0; i < sizeof n; i++)
            assert_int_equal(n[i], 'x');
        for (size_t i = 0; i < sizeof p; i++)
            assert_int_equal(p[i], 'y');
        return err;
    }
    if (name != NULL)
        memcpy(name, n, sizeof n);
    if (phone != NULL)
        memcpy(phone, p, sizeof p);
    return err;
}

static int get(tl *t, const char *id, char *name, char *phone)
{
    return get_in(t->l, P1, id, name, phone);
}

static void assert_reads(tl *t, const char *id, const char *name, const char *phone)
{
    name_buf n;
    phone_buf p;
    assert_int_equal(get(t, id, n, p), LEDGER_OK);
    assert_string_equal(n, name);
    assert_string_equal(p, phone);
}

static int lookalike_in(ledger *l, uint32_t programme, const char *except, const char *name,
                        uint16_t year, const char *admin1, const char *admin2, char *id_out)
{
    MDB_txn *txn = NULL;
    id_buf out;
    memset(out, 'z', sizeof out);
    assert_int_equal(ledger_read_begin(l, &txn), LEDGER_OK);
    int err = pii_lookalike(txn, l, programme, except, name, year, admin1, admin2, out);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK) {
        for (size_t i = 0; i < sizeof out; i++)
            assert_int_equal(out[i], 'z');
    } else if (id_out != NULL) {
        memcpy(id_out, out, sizeof out);
    }
    return err;
}

static int lookalike(tl *t, const char *except, const char *name, char *id_out)
{
    return lookalike_in(t->l, P1, except, name, YEAR, "Conakry", "Ratoma", id_out);
}

static void assert_lookalike(tl *t, const char *except, const char *name, const char *want)
{
    id_buf id;
    assert_int_equal(lookalike(t, except, name, id), LEDGER_OK);
    assert_string_equal(id, want);
}

/* ---- the bytes on disk ---- */

static size_t rec_key(uint8_t *out, uint32_t programme, const char *id)
{
    be32_put(out, programme);
    out[4] = 'r';
    memcpy(out + 5, id, strlen(id));
    return 5 + strlen(id);
}

/* The stored record of P1/id (RECORD_BYTES), copied out. */
static void rec_read(tl *t, const char *id, uint8_t rec[RECORD_BYTES])
{
    uint8_t key[64];
    MDB_txn *txn = NULL;
    MDB_val k = {rec_key(key, P1, id), key}, v;
    assert_int_equal(ledger_read_begin(t->l, &txn), LEDGER_OK);
    assert_int_equal(mdb_get(txn, t->l->dbi_pii, &k, &v), MDB_SUCCESS);
    assert_int_equal(v.mv_size, RECORD_BYTES);
    memcpy(rec, v.mv_data, RECORD_BYTES);
    ledger_read_end(t->l, txn);
}

static void rec_write(tl *t, const char *id, const uint8_t *rec, size_t len)
{
    uint8_t key[64];
    MDB_txn *txn = w_begin(t->l);
    MDB_val k = {rec_key(key, P1, id), key}, v = {len, (void *)rec};
    assert_int_equal(mdb_put(txn, t->l->dbi_pii, &k, &v, 0), MDB_SUCCESS);
    w_end(t->l, txn, true);
}

static uint32_t rec_slot(tl *t, const char *id)
{
    uint8_t rec[RECORD_BYTES];
    rec_read(t, id, rec);
    return be32_get(rec);
}

static void path_of(tl *t, const char *file, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", t->dir, file);
}

static uint8_t *file_read(tl *t, const char *file, size_t *len)
{
    char path[512];
    path_of(t, file, path, sizeof path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void slot_read(tl *t, uint32_t slot, uint8_t out[SLOT_BYTES])
{
    size_t len;
    uint8_t *buf = file_read(t, PII_SLOTS_FILE, &len);
    assert_true(len >= ((size_t)slot + 1) * SLOT_BYTES);
    memcpy(out, buf + (size_t)slot * SLOT_BYTES, SLOT_BYTES);
    free(buf);
}

static void slot_write(tl *t, uint32_t slot, const uint8_t in[SLOT_BYTES])
{
    char path[512];
    path_of(t, PII_SLOTS_FILE, path, sizeof path);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, in, SLOT_BYTES, (off_t)slot * SLOT_BYTES), SLOT_BYTES);
    close(fd);
}

static bool contains(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    }
    return false;
}

static bool all_zero(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (b[i] != 0)
            return false;
    }
    return true;
}

/* The look-alike hash of the first index entry of `programme`. */
static void index_hash(tl *t, uint32_t programme, uint8_t hash[32])
{
    uint8_t prefix[5];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    be32_put(prefix, programme);
    prefix[4] = 'l';
    MDB_val k = {sizeof prefix, prefix}, v;
    assert_int_equal(ledger_read_begin(t->l, &txn), LEDGER_OK);
    assert_int_equal(mdb_cursor_open(txn, t->l->dbi_pii, &cur), MDB_SUCCESS);
    assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE), MDB_SUCCESS);
    assert_true(k.mv_size > 5 + 32);
    assert_memory_equal(k.mv_data, prefix, sizeof prefix);
    memcpy(hash, (uint8_t *)k.mv_data + 5, 32);
    mdb_cursor_close(cur);
    ledger_read_end(t->l, txn);
}

/* ---- tests ---- */

static void test_files_created(void **state)
{
    tl *t = *state;
    char path[512], dir[256];
    struct stat st;
    path_of(t, PII_KEY_FILE, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    path_of(t, PII_SLOTS_FILE, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 0);
    assert_non_null(t->l->pii);

    /* Never over an existing key, which stays as it was. */
    snprintf(dir, sizeof dir, "/tmp/cauris-pii-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pii_create(dir), LEDGER_OK);
    snprintf(path, sizeof path, "%s/%s", dir, PII_KEY_FILE);
    uint8_t before[32], after[32];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(before, 1, 32, f), 32);
    fclose(f);
    assert_int_equal(pii_create(dir), LEDGER_ALREADY_INITIALISED);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(after, 1, 32, f), 32);
    fclose(f);
    assert_memory_equal(before, after, 32);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", dir, PII_SLOTS_FILE);
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
}

static void test_put_get_round_trip(void **state)
{
    tl *t = *state;
    name_buf n;
    phone_buf p;
    assert_int_equal(get(t, "p-001", n, p), LEDGER_NOT_FOUND);
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", ""), LEDGER_OK);
    assert_int_equal(put(t, "p-002", "Ibrahima Sory Camara", "+224 620 12 34 56"), LEDGER_OK);
    assert_int_equal(put(t, "p-003", "Fatoumata", NULL), LEDGER_OK);
    assert_reads(t, "p-001", "Aïssatou Diallo", "");
    assert_reads(t, "p-002", "Ibrahima Sory Camara", "+224 620 12 34 56");
    assert_reads(t, "p-003", "Fatoumata", "");
    assert_int_equal(rec_slot(t, "p-001"), 0);
    assert_int_equal(rec_slot(t, "p-002"), 1);
    assert_int_equal(rec_slot(t, "p-003"), 2);
    /* One programme's person is not another's. */
    assert_int_equal(get_in(t->l, P2, "p-001", n, p), LEDGER_NOT_FOUND);

    /* The limits themselves are accepted: 64 two-byte letters, 32 digits. */
    char longest[LEDGER_PERSON_NAME_MAX + 1] = "";
    for (int i = 0; i < LEDGER_PERSON_NAME_MAX / 2; i++)
        strcat(longest, "é");
    const char *phone_max = "01234567890123456789012345678901";
    assert_int_equal(strlen(longest), LEDGER_PERSON_NAME_MAX);
    assert_int_equal(strlen(phone_max), LEDGER_PHONE_MAX);
    assert_int_equal(strlen(ID_MAX), LEDGER_PARTICIPANT_ID_MAX);
    assert_int_equal(put(t, ID_MAX, longest, phone_max), LEDGER_OK);
    assert_reads(t, ID_MAX, longest, phone_max);

    tl_reopen(t);
    assert_reads(t, "p-001", "Aïssatou Diallo", "");
    assert_reads(t, "p-002", "Ibrahima Sory Camara", "+224 620 12 34 56");
    assert_reads(t, ID_MAX, longest, phone_max);
}

static void test_nothing_in_clear_on_disk(void **state)
{
    tl *t = *state;
    size_t len;
    assert_int_equal(put(t, "p-001", "Aissatou Kadiatou Diallo", "+224620998877"), LEDGER_OK);
    assert_int_equal(put(t, "p-002", "Mariama Keita", "+224621554433"), LEDGER_OK);
    assert_reads(t, "p-001", "Aissatou Kadiatou Diallo", "+224620998877");
    const char *secrets[] = {
        "Aissatou Kadiatou", "aissatou kadiatou", "Kadiatou Diallo", "Mariama", "Keita",
        "224620998877",      "224621554433"};
    const char *files[] = {"data.mdb", PII_SLOTS_FILE};
    for (size_t f = 0; f < 2; f++) {
        uint8_t *buf = file_read(t, files[f], &len);
        for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
            assert_false(contains(buf, len, secrets[i]));
        free(buf);
    }
    /* Every record is the same size, whatever the name's length (rec_read
     * checks it). */
    uint8_t rec[RECORD_BYTES];
    rec_read(t, "p-001", rec);
    rec_read(t, "p-002", rec);
}

static void test_lookalike(void **state)
{
    tl *t = *state;
    id_buf id;
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", ""), LEDGER_OK);

    /* Case (ASCII only), spacing, '-' and '.' do not tell people apart. */
    assert_lookalike(t, NULL, "Aïssatou Diallo", "p-001");
    assert_lookalike(t, NULL, "AïSSATOU  diallo", "p-001");
    assert_lookalike(t, NULL, " \tAïssatou--DIALLO. ", "p-001");
    assert_lookalike(t, "p-002", "aïssatou.diallo", "p-001");
    /* Non-ASCII letters are compared as written; a missing gap is a
     * different name. */
    assert_int_equal(lookalike(t, NULL, "AÏSSATOU DIALLO", id), LEDGER_NOT_FOUND);
    assert_int_equal(lookalike(t, NULL, "AïssatouDiallo", id), LEDGER_NOT_FOUND);
    assert_int_equal(lookalike(t, NULL, "Aïssatou Diallo Bah", id), LEDGER_NOT_FOUND);

    /* Year, admin-1, admin-2 and programme all count. */
    assert_int_equal(
        lookalike_in(t->l, P1, NULL, "Aïssatou Diallo", YEAR + 1, "Conakry", "Ratoma", id),
        LEDGER_NOT_FOUND);
    assert_int_equal(
        lookalike_in(t->l, P1, NULL, "Aïssatou Diallo", YEAR, "Conakry", "Dixinn", id),
        LEDGER_NOT_FOUND);
    assert_int_equal(
        lookalike_in(t->l, P1, NULL, "Aïssatou Diallo", YEAR, "Kindia", "Ratoma", id),
        LEDGER_NOT_FOUND);
    assert_int_equal(
        lookalike_in(t->l, P1, NULL, "Aïssatou Diallo", YEAR, "ConakryRatoma", "", id),
        LEDGER_NOT_FOUND);
    assert_int_equal(
        lookalike_in(t->l, P2, NULL, "Aïssatou Diallo", YEAR, "Conakry", "Ratoma", id),
        LEDGER_NOT_FOUND);

    /* The asker is skipped; among several the smallest id comes first. */
    assert_int_equal(lookalike(t, "p-001", "Aïssatou Diallo", id), LEDGER_NOT_FOUND);
    assert_int_equal(put(t, "p-2", "AÏSSATOU DIALLO", ""), LEDGER_OK);
    assert_int_equal(put(t, "p-0010", "aïssatou diallo", "622"), LEDGER_OK);
    assert_lookalike(t, NULL, "Aïssatou Diallo", "p-001");
    assert_lookalike(t, "p-001", "Aïssatou Diallo", "p-0010");
    assert_lookalike(t, "p-0010", "Aïssatou Diallo", "p-001");
    assert_lookalike(t, NULL, "AÏSSATOU DIALLO", "p-2");
    assert_int_equal(lookalike(t, "p-2", "AÏSSATOU DIALLO", id), LEDGER_NOT_FOUND);

    /* The same person in another programme: found there only, under
     * another hash (equal hashes would link the programmes). */
    assert_int_equal(put_in(t->l, P2, "q-9", "Aïssatou Diallo", "", YEAR, "Conakry", "Ratoma"),
                     LEDGER_OK);
    assert_int_equal(
        lookalike_in(t->l, P2, NULL, "aïssatou diallo", YEAR, "Conakry", "Ratoma", id),
        LEDGER_OK);
    assert_string_equal(id, "q-9");
    assert_lookalike(t, NULL, "Aïssatou Diallo", "p-001");
    uint8_t h1[32], h2[32];
    index_hash(t, P1, h1);
    index_hash(t, P2, h2);
    assert_memory_not_equal(h1, h2, 32);

    /* Separators alone make a name too (pii.h allows any UTF-8): it
     * normalises to "" and is a look-alike of others like it. */
    assert_int_equal(put(t, "p-dash", " - ", ""), LEDGER_OK);
    assert_reads(t, "p-dash", " - ", "");
    assert_lookalike(t, NULL, ".", "p-dash");
    assert_int_equal(lookalike(t, NULL, "x", id), LEDGER_NOT_FOUND);

    tl_reopen(t);
    assert_lookalike(t, "p-001", "Aïssatou Diallo", "p-0010");
}

static void test_erase(void **state)
{
    tl *t = *state;
    id_buf id;
    uint8_t slot[SLOT_BYTES];
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", "+224620000000"), LEDGER_OK);
    assert_int_equal(put(t, "p-002", "Mariama Keita", ""), LEDGER_OK);
    uint32_t s1 = rec_slot(t, "p-001"), s2 = rec_slot(t, "p-002");
    slot_read(t, s1, slot);
    assert_false(all_zero(slot, SLOT_BYTES));

    assert_int_equal(erase(t, "p-001"), LEDGER_OK);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_NOT_FOUND);
    slot_read(t, s1, slot);
    assert_true(all_zero(slot, SLOT_BYTES));
    assert_int_equal(lookalike(t, NULL, "Aïssatou Diallo", id), LEDGER_NOT_FOUND);
    /* The neighbour is untouched. */
    slot_read(t, s2, slot);
    assert_false(all_zero(slot, SLOT_BYTES));
    assert_reads(t, "p-002", "Mariama Keita", "");
    assert_lookalike(t, NULL, "Mariama Keita", "p-002");

    /* Already gone, or never there: done. */
    assert_int_equal(erase(t, "p-001"), LEDGER_OK);
    assert_int_equal(erase(t, "nobody"), LEDGER_OK);

    /* The id may be given data again, in a new slot. */
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", ""), LEDGER_OK);
    assert_true(rec_slot(t, "p-001") > s2);
    assert_reads(t, "p-001", "Aïssatou Diallo", "");
    tl_reopen(t);
    assert_reads(t, "p-001", "Aïssatou Diallo", "");
    slot_read(t, s1, slot);
    assert_true(all_zero(slot, SLOT_BYTES));
}

static void test_replace(void **state)
{
    tl *t = *state;
    id_buf id;
    assert_int_equal(put(t, "p-001", "Old Name", "111"), LEDGER_OK);
    uint32_t slot = rec_slot(t, "p-001");
    assert_int_equal(put_in(t->l, P1, "p-001", "New Name", "222", YEAR + 1, "Kindia", "Coyah"),
                     LEDGER_OK);
    assert_reads(t, "p-001", "New Name", "222");
    assert_int_equal(rec_slot(t, "p-001"), slot);
    assert_int_equal(lookalike(t, NULL, "Old Name", id), LEDGER_NOT_FOUND);
    assert_int_equal(lookalike_in(t->l, P1, NULL, "new  NAME", YEAR + 1, "Kindia", "Coyah", id),
                     LEDGER_OK);
    assert_string_equal(id, "p-001");
    /* The counter did not move: the next person gets the next slot. */
    assert_int_equal(put(t, "p-002", "Someone Else", ""), LEDGER_OK);
    assert_int_equal(rec_slot(t, "p-002"), slot + 1);

    /* Only the phone changes: the index entry stays. */
    assert_int_equal(put_in(t->l, P1, "p-001", "New Name", "333", YEAR + 1, "Kindia", "Coyah"),
                     LEDGER_OK);
    assert_reads(t, "p-001", "New Name", "333");
    assert_int_equal(lookalike_in(t->l, P1, NULL, "New Name", YEAR + 1, "Kindia", "Coyah", id),
                     LEDGER_OK);
    assert_string_equal(id, "p-001");
}

/* A write transaction that fails after pii.slots was written: what batch_run
 * redoes after a full map, and what an atomic request that fails leaves. */
static void test_failed_transactions(void **state)
{
    tl *t = *state;
    id_buf id;

    /* A new person: the slot is written, the counter rolls back. */
    MDB_txn *txn = w_begin(t->l);
    assert_int_equal(pii_put(txn, t->l, P1, "p-001", "Gone Before", "", YEAR, "A", "B"),
                     LEDGER_OK);
    w_end(t->l, txn, false);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_NOT_FOUND);
    assert_int_equal(put(t, "p-002", "Kept Person", "5"), LEDGER_OK);
    assert_int_equal(rec_slot(t, "p-002"), 0);
    assert_reads(t, "p-002", "Kept Person", "5");

    /* A replacement: the committed record stays readable. */
    txn = w_begin(t->l);
    assert_int_equal(pii_put(txn, t->l, P1, "p-002", "Other Name", "6", YEAR, "A", "B"),
                     LEDGER_OK);
    w_end(t->l, txn, false);
    assert_reads(t, "p-002", "Kept Person", "5");
    assert_lookalike(t, NULL, "Kept Person", "p-002");

    /* An erasure: the key is gone for good even though the record stays. */
    txn = w_begin(t->l);
    assert_int_equal(pii_erase(txn, t->l, P1, "p-002"), LEDGER_OK);
    w_end(t->l, txn, false);
    assert_int_equal(get(t, "p-002", NULL, NULL), LEDGER_NOT_FOUND);
    /* ... and a later put gives it a new slot and moves its index entry. */
    assert_int_equal(put(t, "p-002", "Back Again", "7"), LEDGER_OK);
    assert_int_equal(rec_slot(t, "p-002"), 1);
    assert_reads(t, "p-002", "Back Again", "7");
    assert_int_equal(lookalike(t, NULL, "Kept Person", id), LEDGER_NOT_FOUND);
    assert_lookalike(t, NULL, "Back Again", "p-002");
}

/* A full map comes back as LEDGER_ERR_MAP_FULL, unchanged, so the caller
 * can grow the map and redo the transaction. */
static void test_map_full_is_passed_back(void **state)
{
    (void)state;
    tl t;
    char id[16], name[64];
    tl_setup(&t, "GNF", (size_t)256 << 10);
    int err = LEDGER_OK;
    int i = 0;
    MDB_txn *txn = w_begin(t.l);
    for (; i < 100000 && err == LEDGER_OK; i++) {
        snprintf(id, sizeof id, "p-%06d", i);
        snprintf(name, sizeof name, "Person Number %d", i);
        err = pii_put(txn, t.l, P1, id, name, "620000000", YEAR, "Conakry", "Ratoma");
    }
    assert_int_equal(err, LEDGER_ERR_MAP_FULL);
    int count = i;
    w_end(t.l, txn, false);

    /* Grown and redone from scratch, like batch_run does. */
    for (err = LEDGER_ERR_MAP_FULL; err == LEDGER_ERR_MAP_FULL;) {
        assert_int_equal(ledger_map_grow(t.l), LEDGER_OK);
        txn = w_begin(t.l);
        for (i = 0, err = LEDGER_OK; i < count && err == LEDGER_OK; i++) {
            snprintf(id, sizeof id, "p-%06d", i);
            snprintf(name, sizeof name, "Person Number %d", i);
            err = pii_put(txn, t.l, P1, id, name, "620000000", YEAR, "Conakry", "Ratoma");
        }
        w_end(t.l, txn, err == LEDGER_OK);
    }
    assert_int_equal(err, LEDGER_OK);
    assert_reads(&t, "p-000000", "Person Number 0", "620000000");
    snprintf(id, sizeof id, "p-%06d", count - 1);
    snprintf(name, sizeof name, "Person Number %d", count - 1);
    assert_reads(&t, id, name, "620000000");
    assert_int_equal(rec_slot(&t, id), (uint32_t)(count - 1));
    tl_teardown(&t);
}

static void test_read_only_handle(void **state)
{
    tl *t = *state;
    name_buf n;
    phone_buf p;
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", "+224620000000"), LEDGER_OK);
    ledger_close(t->l);
    t->l = NULL;
    ledger_options o;
    memset(&o, 0, sizeof o);
    o.read_only = true;
    assert_int_equal(ledger_open(&t->l, t->dir, &o), LEDGER_OK);
    assert_int_equal(get(t, "p-001", n, p), LEDGER_OK);
    assert_string_equal(n, "Aïssatou Diallo");
    assert_string_equal(p, "+224620000000");
    assert_lookalike(t, NULL, "aïssatou diallo", "p-001");

    MDB_txn *txn = NULL;
    assert_int_equal(ledger_read_begin(t->l, &txn), LEDGER_OK);
    assert_int_equal(pii_put(txn, t->l, P1, "p-002", "X Y", "", YEAR, "A", "B"),
                     LEDGER_READ_ONLY);
    assert_int_equal(pii_erase(txn, t->l, P1, "p-001"), LEDGER_READ_ONLY);
    ledger_read_end(t->l, txn);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_OK);
}

static void test_without_data_key(void **state)
{
    tl *t = *state;
    char path[512];
    id_buf id;
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", ""), LEDGER_OK);
    ledger_close(t->l);
    t->l = NULL;
    path_of(t, PII_KEY_FILE, path, sizeof path);
    assert_int_equal(unlink(path), 0);

    /* The ledger opens and works; personal data is out of reach. */
    tl_reopen(t);
    assert_null(t->l->pii);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_KEY_MISMATCH);
    assert_int_equal(lookalike(t, NULL, "Aïssatou Diallo", id), LEDGER_KEY_MISMATCH);
    assert_int_equal(put(t, "p-002", "X Y", ""), LEDGER_KEY_MISMATCH);
    assert_int_equal(erase(t, "p-001"), LEDGER_KEY_MISMATCH);
    assert_true(tl_tree_size(t) > 0);

    /* A key file that is not 32 bytes is damage, not absence. */
    ledger_close(t->l);
    t->l = NULL;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("short", 1, 5, f), 5);
    fclose(f);
    ledger *l = NULL;
    ledger_options o;
    memset(&o, 0, sizeof o);
    assert_int_equal(ledger_open(&l, t->dir, &o), LEDGER_CORRUPT);
    assert_null(l);
    assert_int_equal(unlink(path), 0);
    tl_reopen(t);
}

static void test_tampering(void **state)
{
    tl *t = *state;
    uint8_t rec[RECORD_BYTES], bad[RECORD_BYTES], slot[SLOT_BYTES];
    assert_int_equal(put(t, "p-001", "Aïssatou Diallo", "1"), LEDGER_OK);
    assert_int_equal(put(t, "p-002", "Mariama Keita", "2"), LEDGER_OK);
    rec_read(t, "p-001", rec);

    /* A ciphertext byte. */
    memcpy(bad, rec, sizeof rec);
    bad[RECORD_CIPHERTEXT_AT + 3] ^= 1;
    rec_write(t, "p-001", bad, sizeof bad);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    /* The record's nonce, its tag. */
    memcpy(bad, rec, sizeof rec);
    bad[4 + 32] ^= 0x80;
    rec_write(t, "p-001", bad, sizeof bad);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    memcpy(bad, rec, sizeof rec);
    bad[RECORD_BYTES - 1] ^= 1;
    rec_write(t, "p-001", bad, sizeof bad);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    /* Another person's slot, a slot past the end of the file. */
    memcpy(bad, rec, sizeof rec);
    be32_put(bad, rec_slot(t, "p-002"));
    rec_write(t, "p-001", bad, sizeof bad);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    be32_put(bad, 1000);
    rec_write(t, "p-001", bad, sizeof bad);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    /* Cut short. */
    rec_write(t, "p-001", rec, sizeof rec - 1);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    /* Moved under another id (its slot and record are bound to the id). */
    rec_write(t, "p-003", rec, sizeof rec);
    assert_int_equal(get(t, "p-003", NULL, NULL), LEDGER_CORRUPT);
    /* Intact again: readable again. */
    rec_write(t, "p-001", rec, sizeof rec);
    assert_reads(t, "p-001", "Aïssatou Diallo", "1");

    /* A byte of the sealed person key in pii.slots. */
    uint32_t s = be32_get(rec);
    slot_read(t, s, slot);
    slot[30] ^= 1;
    slot_write(t, s, slot);
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_CORRUPT);
    slot[30] ^= 1;
    slot_write(t, s, slot);
    assert_reads(t, "p-001", "Aïssatou Diallo", "1");
}

static void test_invalid_fields(void **state)
{
    tl *t = *state;
    id_buf id;
    char name_129[LEDGER_PERSON_NAME_MAX + 2], phone_33[LEDGER_PHONE_MAX + 2];
    char region_65[LEDGER_REGION_MAX + 2];
    memset(name_129, 'a', sizeof name_129 - 1);
    name_129[sizeof name_129 - 1] = '\0';
    memset(phone_33, '1', sizeof phone_33 - 1);
    phone_33[sizeof phone_33 - 1] = '\0';
    memset(region_65, 'r', sizeof region_65 - 1);
    region_65[sizeof region_65 - 1] = '\0';

    const char *bad_ids[] = {"", NULL, "p/1", "p 1", "pé", "123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        assert_int_equal(put(t, bad_ids[i], "A B", ""), LEDGER_INVALID_FIELD);
        assert_int_equal(get(t, bad_ids[i], NULL, NULL), LEDGER_INVALID_FIELD);
        assert_int_equal(erase(t, bad_ids[i]), LEDGER_INVALID_FIELD);
    }
    const char *bad_names[] = {"", NULL, name_129, "\xff\xfe", "Ai\xc3", "caf\xc3\xa9\x80"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        assert_int_equal(put(t, "p-001", bad_names[i], ""), LEDGER_INVALID_FIELD);
        assert_int_equal(lookalike(t, NULL, bad_names[i], id), LEDGER_INVALID_FIELD);
    }
    assert_int_equal(put(t, "p-001", "A B", phone_33), LEDGER_INVALID_FIELD);
    assert_int_equal(put(t, "p-001", "A B", "\x80"), LEDGER_INVALID_FIELD);
    assert_int_equal(put_in(t->l, P1, "p-001", "A B", "", YEAR, region_65, ""),
                     LEDGER_INVALID_FIELD);
    assert_int_equal(put_in(t->l, P1, "p-001", "A B", "", YEAR, "", region_65),
                     LEDGER_INVALID_FIELD);
    assert_int_equal(lookalike_in(t->l, P1, NULL, "A B", YEAR, region_65, "", id),
                     LEDGER_INVALID_FIELD);
    assert_int_equal(lookalike_in(t->l, P1, "p/1", "A B", YEAR, "", "", id),
                     LEDGER_INVALID_FIELD);
    /* Nothing was written: the first person still gets slot 0. */
    assert_int_equal(get(t, "p-001", NULL, NULL), LEDGER_NOT_FOUND);
    assert_int_equal(put(t, "p-001", "A B", ""), LEDGER_OK);
    assert_int_equal(rec_slot(t, "p-001"), 0);

    /* Caller errors. */
    MDB_txn *txn = NULL;
    assert_int_equal(ledger_read_begin(t->l, &txn), LEDGER_OK);
    assert_int_equal(pii_get(txn, t->l, P1, "p-001", NULL, NULL), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(pii_lookalike(txn, t->l, P1, NULL, "A B", YEAR, "", "", NULL),
                     LEDGER_INVALID_ARGUMENT);
    ledger_read_end(t->l, txn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_get_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_in_clear_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookalike, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_transactions, setup, teardown),
        cmocka_unit_test(test_map_full_is_passed_back),
        cmocka_unit_test_setup_teardown(test_read_only_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_data_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fields, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
