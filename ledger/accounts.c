/*
 * accounts.c — programmes and accounts: creating them through the journal
 * (a leaf each, so verification can rebuild the chart from the leaves
 * alone), changing flags, reading and listing them, the trial balance.
 */
#include "ledger/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int leaf_programme(batch *b, const programme_rec *p)
{
    codec_programme c = {
        p->id, {p->name, (uint16_t)strlen(p->name)}, {p->currency, 3}, (uint8_t)p->digits};
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    if (codec_programme_encode(leaf, sizeof leaf, &len, &c) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

static int leaf_account(batch *b, const acct_rec *a)
{
    codec_account c = {a->id, a->programme, {a->code, a->code_len}, a->type, a->flags};
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    if (codec_account_encode(leaf, sizeof leaf, &len, &c) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

static int code_put(MDB_txn *txn, ledger *l, const acct_rec *a)
{
    uint8_t key[4 + LEDGER_CODE_MAX], val[8];
    be32_put(key, a->programme);
    memcpy(key + 4, a->code, a->code_len);
    be64_put(val, a->id);
    MDB_val k = {4u + a->code_len, key}, v = {sizeof val, val};
    return ledger_map_err(mdb_put(txn, l->dbi_codes, &k, &v, MDB_NOOVERWRITE));
}

/* Opens one account in the batch; *next_id is the id to use and advances. */
int account_open_in(batch *b, uint32_t programme, const char *code, uint64_t *next_id)
{
    ledger *l = b->l;
    acct_rec a;
    ledger_account_type type;
    uint32_t flags;
    uint64_t existing;
    int err = ledger_chart_classify(code, &type, &flags);
    if (err != LEDGER_OK)
        return err;
    size_t len = strlen(code);
    err = acct_id_by_code(b->txn, l, programme, code, len, &existing);
    if (err == LEDGER_OK)
        return LEDGER_ACCOUNT_EXISTS;
    if (err != LEDGER_UNKNOWN_ACCOUNT)
        return err;
    memset(&a, 0, sizeof a);
    a.id = (*next_id)++;
    a.latest_seq = LEDGER_SEQ_NONE;
    a.programme = programme;
    a.flags = flags;
    a.type = (uint8_t)type;
    a.code_len = (uint8_t)len;
    memcpy(a.code, code, len);
    err = leaf_account(b, &a);
    if (err == LEDGER_OK)
        err = acct_store(b->txn, l, &a, ACCT_STATE | ACCT_NAME);
    if (err == LEDGER_OK)
        err = code_put(b->txn, l, &a);
    return err;
}

int next_id_get(MDB_txn *txn, ledger *l, const char *key, uint64_t *out)
{
    int err = meta_get_u64(txn, l, key, out);
    if (err == LEDGER_NOT_FOUND) {
        *out = 1;
        return LEDGER_OK;
    }
    return err;
}

static bool err_is_refusal(int err)
{
    return err == LEDGER_ACCOUNT_EXISTS || err == LEDGER_INVALID_ACCOUNT_CODE;
}

static const char *const programme_accounts[] = {"programme:fund", "programme:wages",
                                                 "programme:grants"};

int ledger_programme_add(ledger *l, batch *b, const char *name, const char *currency,
                         const ledger_settings *settings)
{
    programme_rec p;
    uint64_t next_programme, next_account;
    if (!ledger_name_valid(name))
        return LEDGER_INVALID_FIELD;
    int digits = ledger_currency_digits(currency);
    if (digits < 0)
        return LEDGER_UNKNOWN_CURRENCY;
    int err = programme_by_name(b->txn, l, name, &p);
    if (err == LEDGER_OK)
        return LEDGER_PROGRAMME_EXISTS;
    if (err != LEDGER_UNKNOWN_PROGRAMME)
        return err;
    err = next_id_get(b->txn, l, "programme_next", &next_programme);
    if (err == LEDGER_OK)
        err = next_id_get(b->txn, l, "account_next", &next_account);
    if (err != LEDGER_OK)
        return err;
    if (next_programme > LEDGER_PROGRAMMES_MAX)
        return LEDGER_INVALID_ARGUMENT;
    memset(&p, 0, sizeof p);
    p.id = (uint32_t)next_programme;
    p.digits = digits;
    memcpy(p.currency, currency, LEDGER_CURRENCY_LEN);
    snprintf(p.name, sizeof p.name, "%s", name);
    err = programme_store(b->txn, l, &p);
    if (err == LEDGER_OK)
        err = leaf_programme(b, &p);
    for (size_t i = 0; err == LEDGER_OK && i < 3; i++)
        err = account_open_in(b, p.id, programme_accounts[i], &next_account);
    if (err == LEDGER_OK)
        err = settings_leaf(b, p.id, "cauris", settings);
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "programme_next", next_programme + 1);
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "account_next", next_account);
    return err;
}

typedef struct programme_ctx {
    const char *name, *currency;
} programme_ctx;

static int programme_fn(ledger *l, void *vctx, batch *b)
{
    programme_ctx *c = vctx;
    return ledger_programme_add(l, b, c->name, c->currency, NULL);
}

int ledger_programme_create(ledger *l, const char *name, const char *currency)
{
    if (l == NULL)
        return LEDGER_INVALID_ARGUMENT;
    programme_ctx ctx = {name, currency};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, programme_fn, &ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

typedef struct open_ctx {
    const char *programme;
    const char *const *codes;
    size_t count;
    int *results;
} open_ctx;

static int open_fn(ledger *l, void *vctx, batch *b)
{
    open_ctx *c = vctx;
    programme_rec p;
    uint64_t next_account;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err == LEDGER_OK)
        err = next_id_get(b->txn, l, "account_next", &next_account);
    for (size_t i = 0; err == LEDGER_OK && i < c->count; i++) {
        err = account_open_in(b, p.id, c->codes[i], &next_account);
        c->results[i] = err;
        if (err_is_refusal(err))
            err = LEDGER_OK;
    }
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "account_next", next_account);
    return err;
}

int ledger_accounts_open(ledger *l, const char *programme, const char *const *codes,
                         size_t count, int *results)
{
    if (l == NULL || codes == NULL || results == NULL || count == 0 ||
        count > LEDGER_ACCOUNTS_OPEN_MAX)
        return LEDGER_INVALID_ARGUMENT;
    open_ctx ctx = {programme, codes, count, results};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, open_fn, &ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

typedef struct flags_ctx {
    const char *programme, *code;
    uint32_t flags;
} flags_ctx;

int account_flags_in(batch *b, uint32_t programme, const char *code, uint32_t flags)
{
    ledger *l = b->l;
    acct_rec a;
    uint64_t id;
    int err = acct_id_by_code(b->txn, l, programme, code, strlen(code), &id);
    if (err == LEDGER_OK)
        err = acct_load(b->txn, l, id, &a);
    if (err != LEDGER_OK)
        return err;
    if (a.flags == flags)
        return LEDGER_OK; /* nothing changes: no leaf */
    if ((a.flags & LEDGER_FLAG_CLOSED) ||
        (a.flags & LEDGER_FLAG_NO_OVERDRAFT) != (flags & LEDGER_FLAG_NO_OVERDRAFT))
        return LEDGER_FLAGS_INVALID;
    if ((flags & LEDGER_FLAG_CLOSED) && (a.debits_posted != a.credits_posted ||
                                         a.debits_pending != 0 || a.credits_pending != 0))
        return LEDGER_ACCOUNT_NOT_EMPTY;
    a.flags = flags;
    err = leaf_account(b, &a);
    if (err == LEDGER_OK)
        err = acct_store(b->txn, l, &a, ACCT_STATE);
    return err;
}

static int flags_fn(ledger *l, void *vctx, batch *b)
{
    flags_ctx *c = vctx;
    programme_rec p;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    return err == LEDGER_OK ? account_flags_in(b, p.id, c->code, c->flags) : err;
}

int ledger_account_set_flags(ledger *l, const char *programme, const char *code, uint32_t flags)
{
    if (l == NULL || code == NULL || (flags & ~LEDGER_FLAGS_ALL) != 0)
        return LEDGER_INVALID_ARGUMENT;
    flags_ctx ctx = {programme, code, flags};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, flags_fn, &ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

/* ---- reading ---- */

static void programme_info_fill(const programme_rec *p, ledger_programme_info *o)
{
    snprintf(o->name, sizeof o->name, "%s", p->name);
    memcpy(o->currency, p->currency, sizeof o->currency);
    o->currency[LEDGER_CURRENCY_LEN] = '\0';
    o->digits = p->digits;
}

int ledger_programme_get(ledger *l, const char *name, ledger_programme_info *out)
{
    MDB_txn *txn;
    programme_rec p;
    if (l == NULL || name == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, name, &p);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        programme_info_fill(&p, out);
    return err;
}

int ledger_programmes_list(ledger *l, ledger_programme_info *out, size_t max, size_t *count_out,
                           size_t *total_out)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    size_t count = 0, total = 0;
    if (l == NULL || (out == NULL && max > 0) || count_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    int rc = mdb_cursor_open(txn, l->dbi_programmes, &cur);
    if (rc == MDB_SUCCESS) {
        /* The "i" keys hold each programme once, in id (creation) order. */
        MDB_val k = {1, "i"}, v;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            programme_rec p;
            if (k.mv_size != 5 || ((const char *)k.mv_data)[0] != 'i')
                break;
            if (v.mv_size != sizeof p) {
                err = LEDGER_CORRUPT;
                break;
            }
            memcpy(&p, v.mv_data, sizeof p);
            if (count < max)
                programme_info_fill(&p, &out[count++]);
            total++;
        }
        mdb_cursor_close(cur);
    }
    if (err == LEDGER_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK) {
        *count_out = count;
        if (total_out != NULL)
            *total_out = total;
    }
    return err;
}

static void acct_to_info(const acct_rec *a, const programme_rec *p, ledger_account_info *out)
{
    memset(out, 0, sizeof *out);
    out->id = a->id;
    memcpy(out->code, a->code, a->code_len);
    snprintf(out->programme, sizeof out->programme, "%s", p->name);
    memcpy(out->currency, p->currency, LEDGER_CURRENCY_LEN);
    out->type = (ledger_account_type)a->type;
    out->flags = a->flags;
    out->balance = acct_balance(a);
    out->debits_posted = a->debits_posted;
    out->credits_posted = a->credits_posted;
    out->debits_pending = a->debits_pending;
    out->credits_pending = a->credits_pending;
    out->lines_count = a->lines_count;
    out->latest_seq = a->latest_seq;
}

int ledger_account_get(ledger *l, const char *programme, const char *code,
                       ledger_account_info *out)
{
    MDB_txn *txn;
    programme_rec p;
    acct_rec a;
    uint64_t id;
    if (l == NULL || code == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = acct_id_by_code(txn, l, p.id, code, strlen(code), &id);
    if (err == LEDGER_OK)
        err = acct_load(txn, l, id, &a);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        acct_to_info(&a, &p, out);
    return err;
}

/* Calls fn for each account of the programme whose code starts with prefix,
 * after `after`, in code order, until fn returns non-zero. */
typedef int (*acct_visit_fn)(void *ctx, const acct_rec *a);

static int accounts_walk(MDB_txn *txn, ledger *l, uint32_t programme, const char *prefix,
                         const char *after, acct_visit_fn fn, void *ctx)
{
    MDB_cursor *cur;
    uint8_t start[4 + LEDGER_CODE_MAX];
    size_t plen = strlen(prefix), alen = strlen(after);
    if (plen > LEDGER_CODE_MAX || alen > LEDGER_CODE_MAX)
        return LEDGER_INVALID_ARGUMENT;
    be32_put(start, programme);
    const char *from = (alen > 0 && strcmp(after, prefix) > 0) ? after : prefix;
    size_t flen = strlen(from);
    memcpy(start + 4, from, flen);
    int rc = mdb_cursor_open(txn, l->dbi_codes, &cur);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    MDB_val k = {4 + flen, start}, v;
    int err = LEDGER_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data;
        if (k.mv_size < 4 || be32_get(kp) != programme || k.mv_size - 4 < plen ||
            memcmp(kp + 4, prefix, plen) != 0)
            break;
        if (alen > 0 && k.mv_size - 4 == alen && memcmp(kp + 4, after, alen) == 0)
            continue;
        acct_rec a;
        err = acct_load(txn, l, be64_get(v.mv_data), &a);
        if (err != LEDGER_OK || fn(ctx, &a) != 0)
            break;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && err == LEDGER_OK)
        err = ledger_map_err(rc);
    return err;
}

typedef struct list_ctx {
    const programme_rec *p;
    ledger_account_info *out;
    size_t max, count;
} list_ctx;

static int list_visit(void *vctx, const acct_rec *a)
{
    list_ctx *c = vctx;
    acct_to_info(a, c->p, &c->out[c->count++]);
    return c->count == c->max;
}

int ledger_accounts_list(ledger *l, const char *programme, const char *prefix,
                         const char *after_code, ledger_account_info *out, size_t max,
                         size_t *count_out)
{
    MDB_txn *txn;
    programme_rec p;
    if (l == NULL || out == NULL || count_out == NULL || max == 0)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    list_ctx ctx = {&p, out, max, 0};
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = accounts_walk(txn, l, p.id, prefix ? prefix : "", after_code ? after_code : "",
                            list_visit, &ctx);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *count_out = ctx.count;
    return err;
}

typedef struct trial_ctx {
    ledger_trial_balance tb;
    int err;
} trial_ctx;

static int trial_visit(void *vctx, const acct_rec *a)
{
    trial_ctx *c = vctx;
    int64_t net = a->debits_posted - a->credits_posted; /* both >= 0: no overflow */
    int64_t *side = net >= 0 ? &c->tb.debits : &c->tb.credits;
    int64_t amount = net >= 0 ? net : -net;
    if (*side > INT64_MAX - amount) {
        c->err = LEDGER_OVERFLOW;
        return 1;
    }
    *side += amount;
    c->tb.accounts++;
    return 0;
}

int ledger_trial_balance_get(ledger *l, const char *programme, ledger_trial_balance *out)
{
    MDB_txn *txn;
    programme_rec p;
    if (l == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    trial_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = accounts_walk(txn, l, p.id, "", "", trial_visit, &ctx);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        err = ctx.err;
    if (err == LEDGER_OK)
        *out = ctx.tb;
    return err;
}
