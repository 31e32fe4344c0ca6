/*
 * token.c — the RPC server's access tokens: creating, listing, revoking and
 * checking them, and the names of their roles.
 *
 * A token is "cauris_<id>_<secret>": the id (8 random bytes, in hex) is its
 * key in the "tokens" database, the secret (32 random bytes, base64url) is
 * what proves it. Only a BLAKE2b-256 hash of the secret is stored, so a copy
 * of data.mdb gives no working token; checking compares hashes in constant
 * time. Tokens are not leaves of the journal: their writes are small LMDB
 * write transactions of their own, serialised with the batches of this
 * process by write_mutex (and with other processes by LMDB's writer lock),
 * growing the map like a batch does when it is full.
 *
 * Must never: store or return a secret after creation, leave a secret in
 * memory it owns, tell a caller which part of a bad token was wrong, or
 * delete a token (revoked ones stay, with the time).
 */
#include "ledger/internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define TOKEN_PREFIX "cauris_"
#define TOKEN_PREFIX_LEN (sizeof TOKEN_PREFIX - 1)
#define TOKEN_ID_BYTES 8
#define TOKEN_SECRET_BYTES 32
#define TOKEN_SECRET_TEXT_LEN 43 /* unpadded base64url of 32 bytes */
#define TOKEN_HASH_BYTES 32
#define TOKEN_TEXT_LEN (TOKEN_PREFIX_LEN + LEDGER_TOKEN_ID_LEN + 1 + TOKEN_SECRET_TEXT_LEN)
#define TOKEN_ID_ATTEMPTS_MAX 8     /* random ids tried before giving up */
#define TOKEN_GROWTH_RETRIES_MAX 8  /* map doublings for one token write */
#define TOKEN_DEFAULT_NAME "token-" /* + the id, when no name is given */

_Static_assert(LEDGER_TOKEN_ID_LEN == 2 * TOKEN_ID_BYTES, "the id is its bytes in hex");
_Static_assert(TOKEN_TEXT_LEN <= LEDGER_TOKEN_TEXT_MAX, "a token's text fits its limit");
_Static_assert(sodium_base64_ENCODED_LEN(TOKEN_SECRET_BYTES,
                                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
                   TOKEN_SECRET_TEXT_LEN + 1,
               "the secret's text length");
_Static_assert(LEDGER_TOKEN_NAME_MAX <= LEDGER_PRINCIPAL_MAX, "a name fits a principal");
_Static_assert(sizeof TOKEN_DEFAULT_NAME - 1 + LEDGER_TOKEN_ID_LEN <= LEDGER_TOKEN_NAME_MAX,
               "the default name fits");
_Static_assert(crypto_generichash_BYTES == TOKEN_HASH_BYTES, "BLAKE2b-256");

/* Stored token record (native layout, like programme_rec; LMDB values are
 * not aligned: always memcpy in and out). The id is the key. */
typedef struct token_rec {
    int64_t created_at;
    int64_t revoked_at; /* 0 while valid */
    uint32_t roles;
    uint8_t hash[TOKEN_HASH_BYTES]; /* BLAKE2b-256 of the secret's bytes */
    char partner[LEDGER_PARTNER_MAX + 1];
    char programme[LEDGER_NAME_MAX + 1];
    char name[LEDGER_TOKEN_NAME_MAX + 1];
    uint8_t pad[1];
} token_rec;
_Static_assert(sizeof(token_rec) == 216, "token record layout is part of the format");

/* ---- roles ---- */

static const struct {
    uint32_t bit;
    const char *name;
} role_names[] = {
    {LEDGER_ROLE_POST, "post"},
    {LEDGER_ROLE_APPROVE, "approve"},
    {LEDGER_ROLE_READ, "read"},
    {LEDGER_ROLE_ADMIN, "admin"},
};
#define ROLE_NAMES_COUNT (sizeof role_names / sizeof role_names[0])

int ledger_roles_parse(const char *text, uint32_t *roles_out)
{
    uint32_t roles = 0;
    if (text == NULL || roles_out == NULL || text[0] == '\0')
        return LEDGER_INVALID_ARGUMENT;
    for (const char *p = text;;) {
        size_t n = strcspn(p, ",");
        uint32_t bit = 0;
        for (size_t i = 0; i < ROLE_NAMES_COUNT && bit == 0; i++) {
            if (strlen(role_names[i].name) == n && memcmp(role_names[i].name, p, n) == 0)
                bit = role_names[i].bit;
        }
        if (bit == 0) /* unknown, or empty between commas */
            return LEDGER_INVALID_ARGUMENT;
        roles |= bit;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    assert(roles != 0 && (roles & ~LEDGER_ROLES_ALL) == 0);
    *roles_out = roles;
    return LEDGER_OK;
}

void ledger_roles_format(uint32_t roles, char *out, size_t cap)
{
    size_t used = 0;
    if (out == NULL || cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < ROLE_NAMES_COUNT; i++) {
        if ((roles & role_names[i].bit) == 0)
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used ? "," : "", role_names[i].name);
        if (n < 0 || (size_t)n >= cap - used)
            return; /* cut short, NUL-terminated by snprintf */
        used += (size_t)n;
    }
    assert(used <= LEDGER_ROLES_TEXT_MAX);
}

/* ---- the record and the text ---- */

static bool text_field_ok(const char *s, size_t max, bool no_controls)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max || !ledger_utf8_valid(s, n))
        return false;
    for (size_t i = 0; no_controls && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static bool field_terminated(const char *field, size_t size)
{
    return memchr(field, '\0', size) != NULL;
}

/* A stored value -> record, with the checks a record read back must pass. */
static int token_rec_decode(const MDB_val *v, token_rec *out)
{
    if (v->mv_size != sizeof *out)
        return LEDGER_CORRUPT;
    memcpy(out, v->mv_data, sizeof *out);
    if (out->roles == 0 || (out->roles & ~LEDGER_ROLES_ALL) != 0 || out->revoked_at < 0 ||
        !field_terminated(out->partner, sizeof out->partner) ||
        !field_terminated(out->programme, sizeof out->programme) ||
        !field_terminated(out->name, sizeof out->name))
        return LEDGER_CORRUPT;
    return LEDGER_OK;
}

static void token_info_of(ledger_token_info *info, const uint8_t id[TOKEN_ID_BYTES],
                          const token_rec *rec)
{
    memset(info, 0, sizeof *info);
    sodium_bin2hex(info->id, sizeof info->id, id, TOKEN_ID_BYTES);
    memcpy(info->partner, rec->partner, sizeof info->partner);
    memcpy(info->programme, rec->programme, sizeof info->programme);
    memcpy(info->name, rec->name, sizeof info->name);
    info->roles = rec->roles;
    info->created_at = rec->created_at;
    info->revoked_at = rec->revoked_at;
}

/* Exactly 16 lowercase hex characters -> 8 bytes. */
static bool token_id_parse(const char *text, size_t len, uint8_t id[TOKEN_ID_BYTES])
{
    if (len != LEDGER_TOKEN_ID_LEN)
        return false;
    for (size_t i = 0; i < LEDGER_TOKEN_ID_LEN; i++) {
        char c = text[i];
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = (unsigned)(c - 'a' + 10);
        else
            return false;
        if (i % 2 == 0)
            id[i / 2] = (uint8_t)(v << 4);
        else
            id[i / 2] = (uint8_t)(id[i / 2] | v);
    }
    return true;
}

static bool b64url_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* "cauris_<id>_<secret>" -> id and secret bytes; false for anything else. */
static bool token_text_parse(const char *text, size_t len, uint8_t id[TOKEN_ID_BYTES],
                             uint8_t secret[TOKEN_SECRET_BYTES])
{
    const char *b64_end = NULL;
    size_t secret_len = 0;
    if (text == NULL || len != TOKEN_TEXT_LEN ||
        memcmp(text, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
        !token_id_parse(text + TOKEN_PREFIX_LEN, LEDGER_TOKEN_ID_LEN, id) ||
        text[TOKEN_PREFIX_LEN + LEDGER_TOKEN_ID_LEN] != '_')
        return false;
    const char *b64 = text + TOKEN_PREFIX_LEN + LEDGER_TOKEN_ID_LEN + 1;
    /* Our own check of the alphabet: libsodium 1.0.18 decodes every byte
     * 0x80..0xff as '_'. With it, and libsodium refusing non-zero trailing
     * bits, each secret has one text. */
    for (size_t i = 0; i < TOKEN_SECRET_TEXT_LEN; i++) {
        if (!b64url_char_ok(b64[i]))
            return false;
    }
    if (sodium_base642bin(secret, TOKEN_SECRET_BYTES, b64, TOKEN_SECRET_TEXT_LEN, NULL,
                          &secret_len, &b64_end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        secret_len != TOKEN_SECRET_BYTES || b64_end != b64 + TOKEN_SECRET_TEXT_LEN) {
        sodium_memzero(secret, TOKEN_SECRET_BYTES);
        return false;
    }
    return true;
}

static void token_text_format(char out[LEDGER_TOKEN_TEXT_MAX + 1],
                              const uint8_t id[TOKEN_ID_BYTES],
                              const uint8_t secret[TOKEN_SECRET_BYTES])
{
    char *p = out;
    memcpy(p, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    p += TOKEN_PREFIX_LEN;
    sodium_bin2hex(p, LEDGER_TOKEN_ID_LEN + 1, id, TOKEN_ID_BYTES);
    p += LEDGER_TOKEN_ID_LEN;
    *p++ = '_';
    sodium_bin2base64(p, TOKEN_SECRET_TEXT_LEN + 1, secret, TOKEN_SECRET_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    assert(strlen(out) == TOKEN_TEXT_LEN);
}

static void token_hash(uint8_t out[TOKEN_HASH_BYTES], const uint8_t secret[TOKEN_SECRET_BYTES])
{
    crypto_generichash(out, TOKEN_HASH_BYTES, secret, TOKEN_SECRET_BYTES, NULL, 0);
}

/* ---- writing: one small transaction, serialised like a batch ---- */

typedef int (*token_write_fn)(ledger *l, MDB_txn *txn, void *ctx);

/* Runs fn in a write transaction and commits it (fsync), growing the map
 * and redoing it from scratch when LMDB finds the map full. Takes
 * write_mutex: one writer per process, as for batches. */
static int token_write(ledger *l, token_write_fn fn, void *ctx)
{
    int err = LEDGER_MAP_LIMIT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    pthread_mutex_lock(&l->write_mutex);
    for (int attempt = 0; attempt <= TOKEN_GROWTH_RETRIES_MAX; attempt++) {
        MDB_txn *txn;
        err = ledger_txn_begin(l, 0, &txn);
        if (err != LEDGER_OK)
            break;
        err = fn(l, txn, ctx);
        if (err == LEDGER_OK)
            err = ledger_map_err(mdb_txn_commit(txn)); /* frees txn either way */
        else
            mdb_txn_abort(txn);
        pthread_rwlock_unlock(&l->map_lock);
        if (err != LEDGER_ERR_MAP_FULL)
            break;
        /* Nothing was written: grow the map (no transaction open), redo. */
        err = ledger_map_grow(l);
        if (err != LEDGER_OK)
            break;
        err = LEDGER_MAP_LIMIT;
    }
    pthread_mutex_unlock(&l->write_mutex);
    assert(err != LEDGER_ERR_MAP_FULL);
    return err;
}

typedef struct create_ctx {
    const char *programme;
    const char *name; /* NULL: the default */
    token_rec rec;    /* partner, roles, hash filled by the caller */
    uint8_t id[TOKEN_ID_BYTES];
} create_ctx;

static int create_fn(ledger *l, MDB_txn *txn, void *vctx)
{
    create_ctx *c = vctx;
    programme_rec p;
    MDB_stat st;
    int err = programme_by_name(txn, l, c->programme, &p);
    if (err != LEDGER_OK)
        return err;
    int rc = mdb_stat(txn, l->dbi_tokens, &st);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (st.ms_entries >= LEDGER_TOKENS_MAX)
        return LEDGER_INVALID_ARGUMENT;
    snprintf(c->rec.programme, sizeof c->rec.programme, "%s", p.name);
    c->rec.created_at = l->clock(l->clock_ctx);
    for (int attempt = 0; attempt < TOKEN_ID_ATTEMPTS_MAX; attempt++) {
        char hex[LEDGER_TOKEN_ID_LEN + 1];
        randombytes_buf(c->id, sizeof c->id);
        sodium_bin2hex(hex, sizeof hex, c->id, sizeof c->id);
        if (c->name == NULL)
            snprintf(c->rec.name, sizeof c->rec.name, "%s%s", TOKEN_DEFAULT_NAME, hex);
        MDB_val k = {sizeof c->id, c->id}, v = {sizeof c->rec, &c->rec};
        rc = mdb_put(txn, l->dbi_tokens, &k, &v, MDB_NOOVERWRITE);
        if (rc != MDB_KEYEXIST) /* a random id already taken: draw again */
            return ledger_map_err(rc);
    }
    return LEDGER_STORAGE;
}

int ledger_token_create(ledger *l, const char *programme, const char *partner, const char *name,
                        uint32_t roles, char token_out[LEDGER_TOKEN_TEXT_MAX + 1],
                        ledger_token_info *info_out)
{
    uint8_t secret[TOKEN_SECRET_BYTES];
    create_ctx c;
    if (l == NULL || token_out == NULL || roles == 0 || (roles & ~LEDGER_ROLES_ALL) != 0)
        return LEDGER_INVALID_ARGUMENT;
    if (name != NULL && name[0] == '\0')
        name = NULL;
    if (!text_field_ok(partner, LEDGER_PARTNER_MAX, false) ||
        (name != NULL && !text_field_ok(name, LEDGER_TOKEN_NAME_MAX, true)))
        return LEDGER_INVALID_FIELD;
    memset(&c, 0, sizeof c);
    c.programme = programme;
    c.name = name;
    c.rec.roles = roles;
    snprintf(c.rec.partner, sizeof c.rec.partner, "%s", partner);
    if (name != NULL)
        snprintf(c.rec.name, sizeof c.rec.name, "%s", name);
    randombytes_buf(secret, sizeof secret);
    token_hash(c.rec.hash, secret);
    int err = token_write(l, create_fn, &c);
    if (err == LEDGER_OK) {
        token_text_format(token_out, c.id, secret);
        if (info_out != NULL)
            token_info_of(info_out, c.id, &c.rec);
    }
    sodium_memzero(secret, sizeof secret);
    return err;
}

typedef struct revoke_ctx {
    uint8_t id[TOKEN_ID_BYTES];
} revoke_ctx;

static int revoke_fn(ledger *l, MDB_txn *txn, void *vctx)
{
    revoke_ctx *c = vctx;
    token_rec rec;
    MDB_val k = {sizeof c->id, c->id}, v;
    int rc = mdb_get(txn, l->dbi_tokens, &k, &v);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc); /* MDB_NOTFOUND: LEDGER_NOT_FOUND */
    int err = token_rec_decode(&v, &rec);
    if (err != LEDGER_OK || rec.revoked_at != 0)
        return err; /* revoked already: the first time stays */
    /* revoked_at 0 means valid, so a clock at or before 1970 (a test's)
     * still records a revocation: never before the creation, never 0. */
    int64_t now = l->clock(l->clock_ctx);
    rec.revoked_at = now > rec.created_at ? now : rec.created_at;
    if (rec.revoked_at <= 0)
        rec.revoked_at = 1;
    v.mv_size = sizeof rec;
    v.mv_data = &rec;
    return ledger_map_err(mdb_put(txn, l->dbi_tokens, &k, &v, 0));
}

int ledger_token_revoke(ledger *l, const char *id)
{
    revoke_ctx c;
    if (l == NULL || id == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!token_id_parse(id, strlen(id), c.id))
        return LEDGER_NOT_FOUND; /* no token has such an id */
    return token_write(l, revoke_fn, &c);
}

/* ---- reading ---- */

int ledger_token_list(ledger *l, ledger_token_info *out, size_t max, size_t *count_out)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t n = 0;
    if (l == NULL || count_out == NULL || (out == NULL && max > 0))
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    int rc = mdb_cursor_open(txn, l->dbi_tokens, &cur);
    if (rc != MDB_SUCCESS) {
        ledger_read_end(l, txn);
        return ledger_map_err(rc);
    }
    /* Keys are the ids' bytes, so LMDB's order is the hex ids' order. */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && n < max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        token_rec rec;
        if (k.mv_size != TOKEN_ID_BYTES || token_rec_decode(&v, &rec) != LEDGER_OK) {
            err = LEDGER_CORRUPT;
            break;
        }
        token_info_of(&out[n++], k.mv_data, &rec);
    }
    if (err == LEDGER_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    mdb_cursor_close(cur);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *count_out = n;
    return err;
}

int ledger_token_check(ledger *l, const char *token, size_t token_len,
                       ledger_token_info *info_out)
{
    uint8_t id[TOKEN_ID_BYTES], secret[TOKEN_SECRET_BYTES], hash[TOKEN_HASH_BYTES];
    token_rec rec;
    MDB_txn *txn;
    if (l == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (!token_text_parse(token, token_len, id, secret))
        return LEDGER_TOKEN_INVALID;
    /* Hashed before the look-up, so an unknown id costs what a wrong secret
     * does. */
    token_hash(hash, secret);
    sodium_memzero(secret, sizeof secret);
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    MDB_val k = {sizeof id, id}, v;
    int rc = mdb_get(txn, l->dbi_tokens, &k, &v);
    if (rc == MDB_NOTFOUND)
        err = LEDGER_TOKEN_INVALID;
    else if (rc != MDB_SUCCESS)
        err = ledger_map_err(rc);
    else
        err = token_rec_decode(&v, &rec);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK)
        return err;
    if (sodium_memcmp(hash, rec.hash, sizeof hash) != 0 || rec.revoked_at != 0)
        return LEDGER_TOKEN_INVALID;
    if (info_out != NULL)
        token_info_of(info_out, id, &rec);
    return LEDGER_OK;
}
