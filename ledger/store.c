/*
 * store.c — the LMDB environment of a ledger directory: opening and
 * creating it, the named databases, the format version, the meta and record
 * accessors every other file uses, and the map's growth.
 *
 * Must never: hold a transaction across calls to the caller, or change the
 * map size while a transaction of this process is open (LMDB forbids it; the
 * map_lock makes resizes wait for readers).
 */
#include "ledger/internal.h"
#include "ledger/keyfile.h"
#include "ledger/pii.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

int ledger_map_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return LEDGER_OK;
    case MDB_NOTFOUND:
        return LEDGER_NOT_FOUND;
    case MDB_MAP_FULL:
        return LEDGER_ERR_MAP_FULL;
    case ENOMEM:
        return LEDGER_NOMEM;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return LEDGER_CORRUPT;
    case MDB_VERSION_MISMATCH:
        return LEDGER_FORMAT_VERSION;
    default:
        return rc > 0 ? LEDGER_IO : LEDGER_STORAGE;
    }
}

int ledger_txn_begin(ledger *l, unsigned flags, MDB_txn **txn)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_rwlock_rdlock(&l->map_lock);
        int rc = mdb_txn_begin(l->env, NULL, flags, txn);
        if (rc == MDB_SUCCESS)
            return LEDGER_OK;
        pthread_rwlock_unlock(&l->map_lock);
        if (rc != MDB_MAP_RESIZED)
            return ledger_map_err(rc);
        /* Another process grew the map: adopt its size, then retry. */
        pthread_rwlock_wrlock(&l->map_lock);
        rc = mdb_env_set_mapsize(l->env, 0);
        pthread_rwlock_unlock(&l->map_lock);
        if (rc != MDB_SUCCESS)
            return ledger_map_err(rc);
    }
    return LEDGER_STORAGE;
}

int ledger_read_begin(ledger *l, MDB_txn **txn)
{
    return ledger_txn_begin(l, MDB_RDONLY, txn);
}

void ledger_read_end(ledger *l, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&l->map_lock);
}

int meta_get_bytes(MDB_txn *txn, ledger *l, const char *key, void *out, size_t len)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, l->dbi_meta, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != len)
        return LEDGER_CORRUPT;
    memcpy(out, v.mv_data, len);
    return LEDGER_OK;
}

int meta_put_bytes(MDB_txn *txn, ledger *l, const char *key, const void *val, size_t len)
{
    MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};
    return ledger_map_err(mdb_put(txn, l->dbi_meta, &k, &v, 0));
}

int meta_get_u64(MDB_txn *txn, ledger *l, const char *key, uint64_t *out)
{
    uint8_t b[8];
    int err = meta_get_bytes(txn, l, key, b, sizeof b);
    if (err == LEDGER_OK)
        *out = be64_get(b);
    return err;
}

int meta_put_u64(MDB_txn *txn, ledger *l, const char *key, uint64_t val)
{
    uint8_t b[8];
    be64_put(b, val);
    return meta_put_bytes(txn, l, key, b, sizeof b);
}

int meta_get_str(MDB_txn *txn, ledger *l, const char *key, char *out, size_t cap)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, l->dbi_meta, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size >= cap)
        return LEDGER_CORRUPT;
    memcpy(out, v.mv_data, v.mv_size);
    out[v.mv_size] = '\0';
    return LEDGER_OK;
}

/* ---- programmes: two keys each, by name ("n"+name) and by id ("i"+BE) ---- */

static size_t programme_key_name(uint8_t *key, const char *name)
{
    size_t n = strlen(name);
    key[0] = 'n';
    memcpy(key + 1, name, n);
    return n + 1;
}

static int programme_get(MDB_txn *txn, ledger *l, const uint8_t *key, size_t len,
                         programme_rec *out)
{
    MDB_val k = {len, (void *)key}, v;
    int rc = mdb_get(txn, l->dbi_programmes, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_UNKNOWN_PROGRAMME;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != sizeof *out)
        return LEDGER_CORRUPT;
    memcpy(out, v.mv_data, sizeof *out);
    return LEDGER_OK;
}

int programme_by_name(MDB_txn *txn, ledger *l, const char *name, programme_rec *out)
{
    uint8_t key[1 + LEDGER_NAME_MAX];
    if (name == NULL || strlen(name) > LEDGER_NAME_MAX)
        return LEDGER_UNKNOWN_PROGRAMME;
    return programme_get(txn, l, key, programme_key_name(key, name), out);
}

int programme_by_id(MDB_txn *txn, ledger *l, uint32_t id, programme_rec *out)
{
    uint8_t key[5] = {'i'};
    be32_put(key + 1, id);
    return programme_get(txn, l, key, sizeof key, out);
}

int programme_store(MDB_txn *txn, ledger *l, const programme_rec *p)
{
    uint8_t key[1 + LEDGER_NAME_MAX];
    uint8_t idkey[5] = {'i'};
    MDB_val k = {programme_key_name(key, p->name), key}, v = {sizeof *p, (void *)p};
    int rc = mdb_put(txn, l->dbi_programmes, &k, &v, 0);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    be32_put(idkey + 1, p->id);
    k.mv_size = sizeof idkey;
    k.mv_data = idkey;
    return ledger_map_err(mdb_put(txn, l->dbi_programmes, &k, &v, 0));
}

/* ---- accounts ----
 * An account is stored in three parts so that posting rewrites as few
 * bytes as possible: LMDB copies every page a commit touches, and with
 * accounts picked at random nearly every page of the table is touched.
 *   accounts         id -> acct_state (40 bytes): rewritten by every leg
 *   account_pending  id -> two int64: only while something is pending
 *   account_names    id -> code: written once, at opening */

typedef struct acct_state {
    int64_t debits_posted;
    int64_t credits_posted;
    uint64_t latest_seq;
    uint64_t lines_count;
    uint32_t programme;
    uint8_t flags;
    uint8_t type;
    uint8_t pad[2];
} acct_state;
_Static_assert(sizeof(acct_state) == 40, "stored account state layout");
_Static_assert(LEDGER_FLAGS_ALL <= UINT8_MAX, "flags fit their byte");

static int id_get(MDB_txn *txn, MDB_dbi dbi, uint64_t id, MDB_val *v)
{
    uint8_t key[8];
    be64_put(key, id);
    MDB_val k = {sizeof key, key};
    return mdb_get(txn, dbi, &k, v);
}

static int id_put(MDB_txn *txn, MDB_dbi dbi, uint64_t id, const void *data, size_t len)
{
    uint8_t key[8];
    be64_put(key, id);
    MDB_val k = {sizeof key, key}, v = {len, (void *)data};
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* Fills `out` from the stored state `v` and the pending record. */
static int acct_from_state(MDB_txn *txn, ledger *l, uint64_t id, const MDB_val *sv,
                           acct_rec *out)
{
    MDB_val v;
    acct_state st;
    int64_t pending[2] = {0, 0};
    if (sv->mv_size != sizeof st)
        return LEDGER_CORRUPT;
    memcpy(&st, sv->mv_data, sizeof st);
    int rc = id_get(txn, l->dbi_pending, id, &v);
    if (rc == MDB_SUCCESS && v.mv_size == sizeof pending)
        memcpy(pending, v.mv_data, sizeof pending);
    else if (rc != MDB_NOTFOUND)
        return rc == MDB_SUCCESS ? LEDGER_CORRUPT : ledger_map_err(rc);
    memset(out, 0, sizeof *out);
    out->id = id;
    out->latest_seq = st.latest_seq;
    out->lines_count = st.lines_count;
    out->debits_posted = st.debits_posted;
    out->credits_posted = st.credits_posted;
    out->debits_pending = pending[0];
    out->credits_pending = pending[1];
    out->programme = st.programme;
    out->flags = st.flags;
    out->type = st.type;
    return LEDGER_OK;
}

/* Everything but the code (code_len 0). */
static int acct_load_state(MDB_txn *txn, ledger *l, uint64_t id, acct_rec *out)
{
    MDB_val v;
    int rc = id_get(txn, l->dbi_accounts, id, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_UNKNOWN_ACCOUNT;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    return acct_from_state(txn, l, id, &v, out);
}

int acct_slot_load(MDB_txn *txn, ledger *l, uint64_t id, acct_slot *slot)
{
    MDB_val v;
    be64_put(slot->key, id);
    MDB_val k = {sizeof slot->key, slot->key};
    int rc = mdb_cursor_open(txn, l->dbi_accounts, &slot->cur);
    if (rc != MDB_SUCCESS) {
        slot->cur = NULL;
        return ledger_map_err(rc);
    }
    rc = mdb_cursor_get(slot->cur, &k, &v, MDB_SET_KEY);
    if (rc == MDB_NOTFOUND)
        return LEDGER_UNKNOWN_ACCOUNT;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    return acct_from_state(txn, l, id, &v, &slot->rec);
}

void acct_slot_release(acct_slot *slot)
{
    if (slot->cur != NULL)
        mdb_cursor_close(slot->cur);
    slot->cur = NULL;
}

int acct_load(MDB_txn *txn, ledger *l, uint64_t id, acct_rec *out)
{
    MDB_val v;
    int err = acct_load_state(txn, l, id, out);
    if (err != LEDGER_OK)
        return err;
    int rc = id_get(txn, l->dbi_names, id, &v);
    if (rc != MDB_SUCCESS)
        return rc == MDB_NOTFOUND ? LEDGER_CORRUPT : ledger_map_err(rc);
    if (v.mv_size == 0 || v.mv_size > LEDGER_CODE_MAX)
        return LEDGER_CORRUPT;
    out->code_len = (uint8_t)v.mv_size;
    memcpy(out->code, v.mv_data, v.mv_size);
    return LEDGER_OK;
}

static int acct_store_rest(MDB_txn *txn, ledger *l, const acct_rec *a, unsigned parts);

static void state_of(acct_state *st, const acct_rec *a)
{
    memset(st, 0, sizeof *st);
    st->debits_posted = a->debits_posted;
    st->credits_posted = a->credits_posted;
    st->latest_seq = a->latest_seq;
    st->lines_count = a->lines_count;
    st->programme = a->programme;
    st->flags = (uint8_t)a->flags;
    st->type = a->type;
}

int acct_store(MDB_txn *txn, ledger *l, const acct_rec *a, unsigned parts)
{
    int rc = MDB_SUCCESS;
    if (parts & ACCT_STATE) {
        acct_state st;
        state_of(&st, a);
        rc = id_put(txn, l->dbi_accounts, a->id, &st, sizeof st);
    }
    return ledger_map_err(rc == MDB_SUCCESS ? acct_store_rest(txn, l, a, parts) : rc);
}

int acct_slot_store(MDB_txn *txn, ledger *l, acct_slot *slot, unsigned parts)
{
    int rc = MDB_SUCCESS;
    if (parts & ACCT_STATE) {
        /* The cursor is still on the record: overwrite it in place. */
        acct_state st;
        state_of(&st, &slot->rec);
        MDB_val k = {sizeof slot->key, slot->key}, v = {sizeof st, &st};
        rc = mdb_cursor_put(slot->cur, &k, &v, MDB_CURRENT);
    }
    return ledger_map_err(rc == MDB_SUCCESS ? acct_store_rest(txn, l, &slot->rec, parts) : rc);
}

/* The pending amounts and the code: LMDB return codes. */
static int acct_store_rest(MDB_txn *txn, ledger *l, const acct_rec *a, unsigned parts)
{
    int rc = MDB_SUCCESS;
    if (parts & ACCT_PENDING) {
        int64_t pending[2] = {a->debits_pending, a->credits_pending};
        if (pending[0] != 0 || pending[1] != 0) {
            rc = id_put(txn, l->dbi_pending, a->id, pending, sizeof pending);
        } else {
            uint8_t key[8];
            be64_put(key, a->id);
            MDB_val k = {sizeof key, key};
            rc = mdb_del(txn, l->dbi_pending, &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = MDB_SUCCESS;
        }
    }
    if (rc == MDB_SUCCESS && (parts & ACCT_NAME))
        rc = id_put(txn, l->dbi_names, a->id, a->code, a->code_len);
    return rc;
}

int acct_id_by_code(MDB_txn *txn, ledger *l, uint32_t programme, const char *code,
                    size_t code_len, uint64_t *id_out)
{
    uint8_t key[4 + LEDGER_CODE_MAX];
    if (code_len == 0 || code_len > LEDGER_CODE_MAX)
        return LEDGER_UNKNOWN_ACCOUNT;
    be32_put(key, programme);
    memcpy(key + 4, code, code_len);
    MDB_val k = {4 + code_len, key}, v;
    int rc = mdb_get(txn, l->dbi_codes, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_UNKNOWN_ACCOUNT;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != 8)
        return LEDGER_CORRUPT;
    *id_out = be64_get(v.mv_data);
    return LEDGER_OK;
}

int batch_rec_get(MDB_txn *txn, ledger *l, uint64_t batch_no, batch_rec *out)
{
    uint8_t key[8];
    be64_put(key, batch_no);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_get(txn, l->dbi_batches, &k, &v);
    if (rc != MDB_SUCCESS)
        return rc == MDB_NOTFOUND ? LEDGER_CORRUPT : ledger_map_err(rc);
    if (v.mv_size != sizeof *out)
        return LEDGER_CORRUPT;
    memcpy(out, v.mv_data, sizeof *out);
    return LEDGER_OK;
}

/* ---- opening ---- */

static const char *const dbi_names[LEDGER_DBS_COUNT] = {
    "meta",          "programmes", "accounts", "account_codes", "entries", "entry_keys",
    "links",         "history",    "merkle",   "checkpoints",   "batches", "account_pending",
    "account_names", "tokens",     "domain",   "pii",
};

static MDB_dbi *dbi_slot(ledger *l, int i)
{
    MDB_dbi *slots[LEDGER_DBS_COUNT] = {
        &l->dbi_meta,    &l->dbi_programmes,  &l->dbi_accounts, &l->dbi_codes,
        &l->dbi_entries, &l->dbi_keys,        &l->dbi_links,    &l->dbi_history,
        &l->dbi_merkle,  &l->dbi_checkpoints, &l->dbi_batches,  &l->dbi_pending,
        &l->dbi_names,   &l->dbi_tokens,      &l->dbi_domain,   &l->dbi_pii,
    };
    return slots[i];
}

void ledger_path(char *out, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(out, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap)
        out[0] = '\0';
}

size_t entry_key_make(uint8_t out[ENTRY_KEY_MAX], const char *partner, size_t partner_len,
                      const char *client_id, size_t client_id_len)
{
    assert(partner_len <= LEDGER_PARTNER_MAX && client_id_len <= LEDGER_CLIENT_ID_MAX);
    out[0] = (uint8_t)partner_len;
    memcpy(out + 1, partner, partner_len);
    memcpy(out + 1 + partner_len, client_id, client_id_len);
    return 1 + partner_len + client_id_len;
}

/* Opens the environment and its databases; `create` makes them. */
static int env_open(ledger *l, const char *dir, bool create, size_t map_size)
{
    MDB_txn *txn = NULL;
    unsigned flags = MDB_NOTLS | (l->read_only ? MDB_RDONLY : 0);
    int rc = mdb_env_create(&l->env);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    mdb_env_set_maxdbs(l->env, LEDGER_DBS_COUNT + 4);
    mdb_env_set_maxreaders(l->env, 254);
    if (map_size != 0)
        mdb_env_set_mapsize(l->env, map_size);
    rc = mdb_env_open(l->env, dir, flags, 0600);
    if (rc != MDB_SUCCESS)
        goto fail;
    rc = mdb_txn_begin(l->env, NULL, l->read_only ? MDB_RDONLY : 0, &txn);
    if (rc != MDB_SUCCESS)
        goto fail;
    for (int i = 0; i < LEDGER_DBS_COUNT; i++) {
        rc = mdb_dbi_open(txn, dbi_names[i], create ? MDB_CREATE : 0, dbi_slot(l, i));
        if (rc == MDB_NOTFOUND && i > 0) {
            /* meta is there but not the rest: another format's layout. */
            mdb_txn_abort(txn);
            mdb_env_close(l->env);
            l->env = NULL;
            return LEDGER_FORMAT_VERSION;
        }
        if (rc != MDB_SUCCESS)
            goto fail;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != MDB_SUCCESS)
        goto fail;
    return LEDGER_OK;
fail:
    if (txn != NULL)
        mdb_txn_abort(txn);
    mdb_env_close(l->env);
    l->env = NULL;
    if (rc == MDB_MAP_FULL) /* the map cannot hold even the empty databases */
        return LEDGER_MAP_LIMIT;
    return rc == MDB_NOTFOUND ? LEDGER_NOT_A_LEDGER : ledger_map_err(rc);
}

static int64_t clock_default(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static ledger *handle_new(const char *dir, const ledger_options *opt)
{
    ledger *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->read_only = opt ? opt->read_only : false;
    l->map_size_max =
        (opt && opt->map_size_max) ? opt->map_size_max : LEDGER_MAP_SIZE_MAX_DEFAULT;
    l->clock = (opt && opt->clock) ? opt->clock : clock_default;
    l->clock_ctx = opt ? opt->clock_ctx : NULL;
    snprintf(l->dir, sizeof l->dir, "%s", dir);
    pthread_mutex_init(&l->write_mutex, NULL);
    pthread_rwlock_init(&l->map_lock, NULL);
    return l;
}

/* The ledgers this process has open, by data.mdb's device and inode. */
#define LEDGER_OPEN_MAX 64
static pthread_mutex_t open_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint64_t dev, ino;
    bool used;
} open_files[LEDGER_OPEN_MAX];

/* A child process must not use its parent's handles (LMDB's rule), so it
 * starts with none registered and may open the ledger itself. */
static void open_forget_all(void)
{
    pthread_mutex_init(&open_mutex, NULL); /* a parent thread may have held it */
    memset(open_files, 0, sizeof open_files);
}

static pthread_once_t open_once = PTHREAD_ONCE_INIT;

static void open_setup(void)
{
    pthread_atfork(NULL, NULL, open_forget_all);
}

static int open_register(ledger *l, const struct stat *st)
{
    int err = LEDGER_OK, slot = -1;
    pthread_once(&open_once, open_setup);
    pthread_mutex_lock(&open_mutex);
    for (int i = 0; i < LEDGER_OPEN_MAX; i++) {
        if (open_files[i].used && open_files[i].dev == (uint64_t)st->st_dev &&
            open_files[i].ino == (uint64_t)st->st_ino)
            err = LEDGER_ALREADY_OPEN;
        if (!open_files[i].used && slot < 0)
            slot = i;
    }
    if (err == LEDGER_OK && slot < 0)
        err = LEDGER_NOMEM;
    if (err == LEDGER_OK) {
        open_files[slot].used = true;
        open_files[slot].dev = l->file_dev = (uint64_t)st->st_dev;
        open_files[slot].ino = l->file_ino = (uint64_t)st->st_ino;
    }
    pthread_mutex_unlock(&open_mutex);
    return err;
}

static void open_unregister(const ledger *l)
{
    pthread_mutex_lock(&open_mutex);
    for (int i = 0; i < LEDGER_OPEN_MAX; i++) {
        if (open_files[i].used && open_files[i].dev == l->file_dev &&
            open_files[i].ino == l->file_ino)
            open_files[i].used = false;
    }
    pthread_mutex_unlock(&open_mutex);
}

void ledger_close(ledger *l)
{
    if (l == NULL)
        return;
    if (l->file_ino != 0)
        open_unregister(l);
    if (l->env != NULL)
        mdb_env_close(l->env);
    free(l->code_cache);
    pii_close(l);
    sodium_memzero(&l->signer, sizeof l->signer);
    pthread_mutex_destroy(&l->write_mutex);
    pthread_rwlock_destroy(&l->map_lock);
    free(l);
}

/* Loads the signing key and checks it is the ledger's current one. */
static int signer_load(ledger *l, const char *passphrase)
{
    char path[4200], origin[LEDGER_ORIGIN_MAX + 1];
    uint8_t seed[KEYFILE_SEED_BYTES], pk[32];
    MDB_txn *txn;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = meta_get_str(txn, l, "origin", origin, sizeof origin);
    if (err == LEDGER_OK)
        err = meta_get_bytes(txn, l, "key_pk", pk, sizeof pk);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK)
        return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
    err = key_rotation_recover(l, pk);
    if (err != LEDGER_OK)
        return err;
    ledger_path(path, sizeof path, l->dir, "signing.key");
    err = keyfile_load(seed, path, passphrase);
    if (err != LEDGER_OK)
        return err;
    if (note_signer_from_seed(&l->signer, origin, seed) != 0)
        err = LEDGER_CORRUPT;
    else if (sodium_memcmp(l->signer.pk, pk, sizeof pk) != 0)
        err = LEDGER_KEY_MISMATCH;
    sodium_memzero(seed, sizeof seed);
    l->has_signer = (err == LEDGER_OK);
    return err;
}

int ledger_open(ledger **out, const char *dir, const ledger_options *opt)
{
    char path[4200];
    struct stat st;
    MDB_txn *txn;
    uint64_t version = 0;
    if (out == NULL || dir == NULL || strlen(dir) > LEDGER_DIR_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (sodium_init() < 0)
        return LEDGER_NOMEM;
    ledger_path(path, sizeof path, dir, "data.mdb");
    if (stat(path, &st) != 0)
        return LEDGER_NOT_A_LEDGER;
    ledger *l = handle_new(dir, opt);
    if (l == NULL)
        return LEDGER_NOMEM;
    int err = open_register(l, &st);
    if (err != LEDGER_OK) {
        ledger_close(l);
        return err;
    }
    err = env_open(l, dir, false, 0);
    if (err != LEDGER_OK)
        goto fail;
    err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        goto fail;
    err = meta_get_u64(txn, l, "format", &version);
    ledger_read_end(l, txn);
    if (err == LEDGER_NOT_FOUND)
        err = LEDGER_NOT_A_LEDGER;
    else if (err == LEDGER_OK && version != LEDGER_FORMAT_VERSION_CURRENT)
        err = LEDGER_FORMAT_VERSION;
    if (err == LEDGER_OK && !l->read_only)
        err = signer_load(l, opt ? opt->passphrase : NULL);
    if (err == LEDGER_OK)
        err = pii_open(l);
    if (err != LEDGER_OK)
        goto fail;
    *out = l;
    return LEDGER_OK;
fail:
    ledger_close(l);
    return err;
}

/* ---- map growth ---- */

int ledger_map_grow(ledger *l)
{
    MDB_envinfo info;
    mdb_env_info(l->env, &info);
    size_t size = info.me_mapsize;
    if (size >= l->map_size_max)
        return LEDGER_MAP_LIMIT;
    size_t next = size > l->map_size_max / 2 ? l->map_size_max : size * 2;
    pthread_rwlock_wrlock(&l->map_lock);
    int rc = mdb_env_set_mapsize(l->env, next);
    pthread_rwlock_unlock(&l->map_lock);
    return ledger_map_err(rc);
}

/* ---- creating ---- */

static bool origin_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LEDGER_ORIGIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '+' || c >= 0x7f)
            return false;
    }
    return true;
}

/* A failed init leaves no half ledger behind to block the next attempt. */
static void init_undo(const char *dir)
{
    static const char *const files[] = {"signing.key", "signing.pub", "data.mdb",
                                        "lock.mdb",    PII_KEY_FILE,  PII_SLOTS_FILE};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        ledger_path(path, sizeof path, dir, files[i]);
        unlink(path);
    }
}

typedef struct init_ctx {
    const ledger_init_options *opt;
} init_ctx;

static int init_fn(ledger *l, void *vctx, batch *b)
{
    init_ctx *ctx = vctx;
    int err = meta_put_u64(b->txn, l, "format", LEDGER_FORMAT_VERSION_CURRENT);
    if (err == LEDGER_OK)
        err = meta_put_bytes(b->txn, l, "origin", l->signer.name, strlen(l->signer.name));
    if (err == LEDGER_OK)
        err = meta_put_bytes(b->txn, l, "key_pk", l->signer.pk, sizeof l->signer.pk);
    if (err == LEDGER_OK)
        err = ledger_programme_add(l, b, ctx->opt->programme, ctx->opt->currency,
                                   ctx->opt->settings);
    if (err == LEDGER_OK)
        err = key_event_leaf(b);
    return err;
}

int ledger_init(const char *dir, const ledger_init_options *opt)
{
    char path[4200], origin[LEDGER_ORIGIN_MAX + 1];
    uint8_t seed[KEYFILE_SEED_BYTES];
    struct stat st;
    if (dir == NULL || opt == NULL || strlen(dir) > LEDGER_DIR_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (!ledger_name_valid(opt->programme))
        return LEDGER_INVALID_FIELD;
    if (ledger_currency_digits(opt->currency) < 0)
        return LEDGER_UNKNOWN_CURRENCY;
    if (sodium_init() < 0)
        return LEDGER_NOMEM;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return LEDGER_IO;
    ledger_path(path, sizeof path, dir, "data.mdb");
    if (stat(path, &st) == 0)
        return LEDGER_ALREADY_INITIALISED;
    if (opt->origin != NULL) {
        snprintf(origin, sizeof origin, "%s", opt->origin);
        if (strlen(opt->origin) > LEDGER_ORIGIN_MAX || !origin_valid(origin))
            return LEDGER_INVALID_FIELD;
    } else {
        uint8_t rnd[4];
        randombytes_buf(rnd, sizeof rnd);
        snprintf(origin, sizeof origin, "cauris/%s/%02x%02x%02x%02x", opt->programme, rnd[0],
                 rnd[1], rnd[2], rnd[3]);
    }

    ledger *l = handle_new(dir, &opt->open);
    if (l == NULL)
        return LEDGER_NOMEM;
    l->read_only = false;
    randombytes_buf(seed, sizeof seed);
    ledger_path(path, sizeof path, dir, "signing.key");
    int err = keyfile_create(path, seed, opt->passphrase);
    if (err == LEDGER_IO && errno == EEXIST)
        err = LEDGER_ALREADY_INITIALISED;
    if (err == LEDGER_OK && note_signer_from_seed(&l->signer, origin, seed) != 0)
        err = LEDGER_INVALID_FIELD;
    if (err == LEDGER_OK)
        err = pii_create(dir);
    sodium_memzero(seed, sizeof seed);
    if (err != LEDGER_OK) {
        ledger_close(l);
        if (err != LEDGER_ALREADY_INITIALISED)
            init_undo(dir);
        return err;
    }
    l->has_signer = true;
    err = env_open(l, dir, true,
                   opt->open.map_size_initial ? opt->open.map_size_initial
                                              : LEDGER_MAP_SIZE_DEFAULT);
    if (err == LEDGER_OK) {
        init_ctx ctx = {opt};
        pthread_mutex_lock(&l->write_mutex);
        err = batch_run(l, init_fn, &ctx, NULL);
        pthread_mutex_unlock(&l->write_mutex);
    }
    if (err == LEDGER_OK)
        err = key_vkey_write(l);
    if (err == LEDGER_OK)
        err = ledger_dir_sync(dir);
    ledger_close(l);
    if (err != LEDGER_OK)
        init_undo(dir);
    return err;
}

int ledger_origin(ledger *l, char *out, size_t cap)
{
    MDB_txn *txn;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = meta_get_str(txn, l, "origin", out, cap);
    ledger_read_end(l, txn);
    return err;
}

int ledger_vkey(ledger *l, char *out, size_t cap)
{
    MDB_txn *txn;
    note_verifier v;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = meta_get_str(txn, l, "origin", v.name, sizeof v.name);
    if (err == LEDGER_OK)
        err = meta_get_bytes(txn, l, "key_pk", v.pk, sizeof v.pk);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK)
        return err;
    note_key_id(v.key_id, v.name, v.pk);
    return note_vkey_format(out, cap, &v) == 0 ? LEDGER_OK : LEDGER_INVALID_ARGUMENT;
}
