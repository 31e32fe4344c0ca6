/*
 * history.c — reading the journal: entries, account history, balances as of
 * a moment, statements.
 *
 * Account history costs no B-tree insert per leg on the posting path: each
 * leg stores the seq of its account's previous line and the balance after
 * it, and the account record holds its latest seq. A sparse index (one key
 * per LEDGER_HISTORY_SPARSE_EVERY lines: account || seq -> line number)
 * bounds every walk back to that many steps, so a statement page or a past
 * balance costs O(page + 64) reads however long the history.
 *
 * Dates here are the day an entry was recorded (UTC), which never changes
 * once committed; value dates are shown on each line.
 */
#include "ledger/internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line_pos {
    uint64_t seq;     /* LEDGER_SEQ_NONE when there is no such line */
    uint64_t line_no; /* 1-based; 0 with no line */
    int64_t balance;  /* balance after it; 0 with no line */
} line_pos;

static const codec_leg *leg_of(const codec_entry *e, uint64_t account)
{
    for (unsigned i = 0; i < e->legs_count; i++) {
        if (e->legs[i].account_id == account)
            return &e->legs[i];
    }
    return NULL;
}

/* Reads line `seq` of `account`. */
static int line_read(MDB_txn *txn, ledger *l, uint64_t seq, uint64_t account, codec_entry *e,
                     const codec_leg **leg)
{
    int err = entry_decode_at(txn, l, seq, e);
    if (err != LEDGER_OK)
        return err == LEDGER_NOT_FOUND ? LEDGER_CORRUPT : err;
    *leg = leg_of(e, account);
    return *leg != NULL ? LEDGER_OK : LEDGER_CORRUPT;
}

/* The first sparse index point of the account at or after seq `bound`. */
static int sparse_at_or_after(MDB_txn *txn, ledger *l, uint64_t account, uint64_t bound,
                              uint64_t *seq_out, uint64_t *line_out)
{
    MDB_cursor *cur;
    uint8_t key[16];
    be64_put(key, account);
    be64_put(key + 8, bound);
    MDB_val k = {sizeof key, key}, v;
    int rc = mdb_cursor_open(txn, l->dbi_history, &cur);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    int err = LEDGER_NOT_FOUND;
    if (rc == MDB_SUCCESS && k.mv_size == 16 && be64_get(k.mv_data) == account &&
        v.mv_size == 8) {
        *seq_out = be64_get((const uint8_t *)k.mv_data + 8);
        *line_out = be64_get(v.mv_data);
        err = LEDGER_OK;
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        err = ledger_map_err(rc);
    }
    mdb_cursor_close(cur);
    return err;
}

/* Where to start walking back to reach lines below `bound`: the first
 * sparse point at or after it, else the account's latest line. */
static int anchor_for(MDB_txn *txn, ledger *l, const acct_rec *a, uint64_t bound, line_pos *out)
{
    int err = sparse_at_or_after(txn, l, a->id, bound, &out->seq, &out->line_no);
    if (err == LEDGER_NOT_FOUND) {
        out->seq = a->latest_seq;
        out->line_no = a->lines_count;
        err = LEDGER_OK;
    }
    return err;
}

/* The account's last line with seq < bound. */
static int locate_before(MDB_txn *txn, ledger *l, const acct_rec *a, uint64_t bound,
                         line_pos *out)
{
    line_pos p = {LEDGER_SEQ_NONE, 0, 0};
    codec_entry e;
    const codec_leg *g;
    if (a->latest_seq == LEDGER_SEQ_NONE) {
        *out = p;
        return LEDGER_OK;
    }
    if (bound > a->latest_seq) {
        p.seq = a->latest_seq;
        p.line_no = a->lines_count;
        p.balance = acct_balance(a);
        *out = p;
        return LEDGER_OK;
    }
    int err = anchor_for(txn, l, a, bound, &p);
    for (unsigned steps = 0; err == LEDGER_OK && p.seq != LEDGER_SEQ_NONE; steps++) {
        if (steps > LEDGER_HISTORY_SPARSE_EVERY + 1)
            return LEDGER_CORRUPT; /* the sparse index must bound every walk */
        err = line_read(txn, l, p.seq, a->id, &e, &g);
        if (err != LEDGER_OK)
            break;
        if (p.seq < bound) {
            p.balance = g->balance_after;
            *out = p;
            return LEDGER_OK;
        }
        p.seq = g->prev_seq;
        p.line_no--;
    }
    if (err == LEDGER_OK) {
        p.line_no = 0;
        p.balance = 0;
        *out = p;
    }
    return err;
}

/* The first seq recorded on a day after `date` (strict) or on/after it:
 * a binary search over the batches, whose times never go backwards. */
static int seq_of_day(MDB_txn *txn, ledger *l, uint32_t date, bool strict, uint64_t *out)
{
    uint64_t batches = 0, tree_size = 0;
    int err = meta_get_u64(txn, l, "batch", &batches);
    if (err == LEDGER_OK)
        err = meta_get_u64(txn, l, "tree_size", &tree_size);
    if (err != LEDGER_OK)
        return err;
    uint64_t lo = 1, hi = batches + 1; /* answer in [lo, hi]; hi = none */
    batch_rec rec;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        err = batch_rec_get(txn, l, mid, &rec);
        if (err != LEDGER_OK)
            return err;
        uint32_t day = ledger_date_of_time(rec.time);
        if (strict ? day > date : day >= date)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo > batches) {
        *out = tree_size;
        return LEDGER_OK;
    }
    err = batch_rec_get(txn, l, lo, &rec);
    if (err == LEDGER_OK)
        *out = rec.first_seq;
    return err;
}

static int account_resolve(MDB_txn *txn, ledger *l, const char *programme, const char *code,
                           programme_rec *p, acct_rec *a)
{
    uint64_t id;
    if (code == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = programme_by_name(txn, l, programme, p);
    if (err == LEDGER_OK)
        err = acct_id_by_code(txn, l, p->id, code, strlen(code), &id);
    if (err == LEDGER_OK)
        err = acct_load(txn, l, id, a);
    return err;
}

int ledger_balance(ledger *l, const char *programme, const char *code,
                   const ledger_as_of *as_of, int64_t *balance_out)
{
    MDB_txn *txn;
    programme_rec p;
    acct_rec a;
    line_pos pos;
    if (l == NULL || balance_out == NULL ||
        (as_of != NULL && as_of->tree_size != 0 && as_of->date != 0))
        return LEDGER_INVALID_ARGUMENT;
    if (as_of != NULL && as_of->date != 0 && !ledger_date_valid(as_of->date))
        return LEDGER_INVALID_DATE;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = account_resolve(txn, l, programme, code, &p, &a);
    uint64_t bound = UINT64_MAX;
    if (err == LEDGER_OK && as_of != NULL && as_of->tree_size != 0)
        bound = as_of->tree_size;
    else if (err == LEDGER_OK && as_of != NULL && as_of->date != 0)
        err = seq_of_day(txn, l, as_of->date, true, &bound);
    if (err == LEDGER_OK)
        err = locate_before(txn, l, &a, bound, &pos);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *balance_out = pos.balance;
    return err;
}

static void copy_str(char *dst, size_t cap, codec_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void line_fill(ledger_line *out, const codec_entry *e, const codec_leg *g, uint64_t seq)
{
    memset(out, 0, sizeof *out);
    out->seq = seq;
    out->value_date = e->value_date;
    out->recorded_at = e->recorded_at;
    out->kind = (ledger_kind)e->kind;
    out->op = (ledger_op)e->op;
    out->side = (ledger_side)g->side;
    out->amount = g->amount;
    out->balance_after = g->balance_after;
    copy_str(out->client_id, sizeof out->client_id, e->client_id);
    copy_str(out->external_ref, sizeof out->external_ref, e->external_ref);
    copy_str(out->memo, sizeof out->memo, e->memo);
}

/* Lines of the account with seq in [from, anchor], oldest first, into tmp;
 * returns how many. At most one sparse interval: LEDGER_HISTORY_SPARSE_EVERY. */
static int chunk_read(MDB_txn *txn, ledger *l, uint64_t account, uint64_t from, line_pos anchor,
                      ledger_line tmp[LEDGER_HISTORY_SPARSE_EVERY],
                      uint64_t lines_no[LEDGER_HISTORY_SPARSE_EVERY], size_t *count)
{
    size_t n = 0;
    uint64_t seq = anchor.seq, line_no = anchor.line_no;
    codec_entry e;
    const codec_leg *g;
    while (seq != LEDGER_SEQ_NONE && seq >= from) {
        if (n == LEDGER_HISTORY_SPARSE_EVERY)
            return LEDGER_CORRUPT;
        int err = line_read(txn, l, seq, account, &e, &g);
        if (err != LEDGER_OK)
            return err;
        /* Filled newest first at the back, so tmp ends up oldest first. */
        size_t slot = LEDGER_HISTORY_SPARSE_EVERY - 1 - n;
        line_fill(&tmp[slot], &e, g, seq);
        lines_no[slot] = line_no--;
        n++;
        seq = g->prev_seq;
    }
    if (n > 0 && n < LEDGER_HISTORY_SPARSE_EVERY) {
        memmove(tmp, tmp + (LEDGER_HISTORY_SPARSE_EVERY - n), n * sizeof *tmp);
        memmove(lines_no, lines_no + (LEDGER_HISTORY_SPARSE_EVERY - n), n * sizeof *lines_no);
    }
    *count = n;
    return LEDGER_OK;
}

typedef struct page_state {
    ledger_line tmp[LEDGER_HISTORY_SPARSE_EVERY];
    uint64_t lines_no[LEDGER_HISTORY_SPARSE_EVERY];
} page_state;

/* Fills up to page_size lines with seq in [start, hi), oldest first. */
static int page_read(MDB_txn *txn, ledger *l, const acct_rec *a, uint64_t start, uint64_t hi,
                     uint64_t line_hi, const ledger_statement_query *q, ledger_line *lines,
                     ledger_statement *st, page_state *ps)
{
    uint64_t cursor = start, last_line_no = 0;
    uint32_t count = 0;
    bool done = false;
    while (!done && count < q->page_size && a->latest_seq != LEDGER_SEQ_NONE &&
           cursor <= a->latest_seq && cursor < hi) {
        line_pos anchor;
        size_t n;
        int err = anchor_for(txn, l, a, cursor, &anchor);
        if (err == LEDGER_OK)
            err = chunk_read(txn, l, a->id, cursor, anchor, ps->tmp, ps->lines_no, &n);
        if (err != LEDGER_OK)
            return err;
        for (size_t i = 0; i < n; i++) {
            if (ps->tmp[i].seq >= hi || count == q->page_size) {
                done = true;
                break;
            }
            lines[count++] = ps->tmp[i];
            last_line_no = ps->lines_no[i];
        }
        cursor = anchor.seq + 1;
    }
    st->lines_count = count;
    st->next_page_token = 0;
    if (count > 0 && last_line_no < line_hi)
        st->next_page_token = lines[count - 1].seq + 1;
    return LEDGER_OK;
}

int ledger_statement_get(ledger *l, const ledger_statement_query *q, ledger_line *lines,
                         ledger_statement *out)
{
    MDB_txn *txn;
    programme_rec p;
    acct_rec a;
    line_pos open_pos, close_pos;
    ledger_statement st;
    static _Thread_local page_state ps; /* 30 KiB: kept off small thread stacks */
    if (l == NULL || q == NULL || lines == NULL || out == NULL || q->page_size == 0 ||
        q->page_size > LEDGER_PAGE_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if ((q->date_from != 0 && !ledger_date_valid(q->date_from)) ||
        (q->date_to != 0 && !ledger_date_valid(q->date_to)))
        return LEDGER_INVALID_DATE;
    if (q->date_from != 0 && q->date_to != 0 && q->date_from > q->date_to)
        return LEDGER_INVALID_ARGUMENT;
    memset(&st, 0, sizeof st);
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    uint64_t lo = 0, hi = UINT64_MAX;
    err = account_resolve(txn, l, q->programme, q->account, &p, &a);
    if (err == LEDGER_OK && q->date_from != 0)
        err = seq_of_day(txn, l, q->date_from, false, &lo);
    if (err == LEDGER_OK && q->date_to != 0)
        err = seq_of_day(txn, l, q->date_to, true, &hi);
    if (err == LEDGER_OK)
        err = locate_before(txn, l, &a, lo, &open_pos);
    if (err == LEDGER_OK)
        err = locate_before(txn, l, &a, hi, &close_pos);
    if (err == LEDGER_OK) {
        st.opening_balance = open_pos.balance;
        st.closing_balance = close_pos.balance;
        st.lines_total = close_pos.line_no - open_pos.line_no;
        uint64_t start = q->page_token > lo ? q->page_token : lo;
        err = page_read(txn, l, &a, start, hi, close_pos.line_no, q, lines, &st, &ps);
    }
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *out = st;
    return err;
}

/* ---- entries ---- */

int ledger_entry_get(ledger *l, uint64_t seq, ledger_entry *out)
{
    MDB_txn *txn;
    codec_entry e;
    programme_rec p;
    if (l == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = entry_decode_at(txn, l, seq, &e);
    if (err == LEDGER_OK)
        err = programme_by_id(txn, l, e.programme, &p);
    if (err == LEDGER_OK) {
        memset(out, 0, sizeof *out);
        out->seq = seq;
        snprintf(out->programme, sizeof out->programme, "%s", p.name);
        out->kind = (ledger_kind)e.kind;
        out->op = (ledger_op)e.op;
        copy_str(out->partner, sizeof out->partner, e.partner);
        copy_str(out->principal, sizeof out->principal, e.principal);
        copy_str(out->client_id, sizeof out->client_id, e.client_id);
        copy_str(out->external_ref, sizeof out->external_ref, e.external_ref);
        tags_from_codec(&out->tags, &e.tags);
        copy_str(out->memo, sizeof out->memo, e.memo);
        out->value_date = e.value_date;
        out->recorded_at = e.recorded_at;
        out->ref = e.ref;
        out->legs_count = e.legs_count;
        for (unsigned i = 0; err == LEDGER_OK && i < e.legs_count; i++) {
            acct_rec a;
            ledger_leg *g = &out->legs[i];
            err = acct_load(txn, l, e.legs[i].account_id, &a);
            g->account_id = e.legs[i].account_id;
            memcpy(g->account, a.code, a.code_len);
            g->account[a.code_len] = '\0';
            g->side = (ledger_side)e.legs[i].side;
            g->amount = e.legs[i].amount;
            g->balance_after = e.legs[i].balance_after;
            g->prev_seq = e.legs[i].prev_seq;
        }
        if (err == LEDGER_UNKNOWN_ACCOUNT)
            err = LEDGER_CORRUPT;
    }
    ledger_read_end(l, txn);
    return err;
}

int ledger_entry_find(ledger *l, const char *partner, const char *client_id, uint64_t *seq_out)
{
    MDB_txn *txn;
    uint8_t key[ENTRY_KEY_MAX];
    if (l == NULL || partner == NULL || client_id == NULL || seq_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    size_t plen = strlen(partner), clen = strlen(client_id);
    if (plen == 0 || plen > LEDGER_PARTNER_MAX || clen == 0 || clen > LEDGER_CLIENT_ID_MAX)
        return LEDGER_INVALID_FIELD;
    size_t key_len = entry_key_make(key, partner, plen, client_id, clen);
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    MDB_val k = {key_len, key}, v;
    int rc = mdb_get(txn, l->dbi_keys, &k, &v);
    if (rc == MDB_SUCCESS && v.mv_size == 8)
        *seq_out = be64_get(v.mv_data);
    err =
        rc == MDB_SUCCESS ? (v.mv_size == 8 ? LEDGER_OK : LEDGER_CORRUPT) : ledger_map_err(rc);
    ledger_read_end(l, txn);
    return err;
}

/* ---- issued statements ---- */

static int no_put(void *ctx, uint32_t level, uint64_t index, const uint8_t hash[32])
{
    (void)ctx;
    (void)level;
    (void)index;
    (void)hash;
    return 0;
}

int history_period(MDB_txn *txn, ledger *l, uint64_t account_id, uint32_t date_from,
                   uint32_t date_to, uint64_t size, codec_statement_account *out)
{
    acct_rec a;
    line_pos open_pos, close_pos;
    uint64_t lo = 0, hi = size;
    int err = acct_load(txn, l, account_id, &a);
    if (err == LEDGER_OK && date_from != 0)
        err = seq_of_day(txn, l, date_from, false, &lo);
    if (err == LEDGER_OK && date_to != 0)
        err = seq_of_day(txn, l, date_to, true, &hi);
    if (err != LEDGER_OK)
        return err;
    if (hi > size)
        hi = size;
    if (lo > hi)
        lo = hi;
    err = locate_before(txn, l, &a, lo, &open_pos);
    if (err == LEDGER_OK)
        err = locate_before(txn, l, &a, hi, &close_pos);
    if (err != LEDGER_OK)
        return err;
    uint64_t n = close_pos.line_no - open_pos.line_no;
    if (n > HISTORY_PERIOD_LINES_MAX)
        return LEDGER_INVALID_ARGUMENT;
    /* The period's lines, walked back from its last, hashed in order. */
    uint8_t(*hashes)[32] = n ? malloc(n * sizeof *hashes) : NULL;
    if (n > 0 && hashes == NULL)
        return LEDGER_NOMEM;
    uint64_t seq = close_pos.seq;
    for (uint64_t i = n; err == LEDGER_OK && i-- > 0;) {
        codec_entry e;
        const codec_leg *g;
        uint8_t key[8];
        be64_put(key, seq);
        MDB_val k = {sizeof key, key}, v;
        int rc = mdb_get(txn, l->dbi_entries, &k, &v);
        if (rc != MDB_SUCCESS) {
            err = rc == MDB_NOTFOUND ? LEDGER_CORRUPT : ledger_map_err(rc);
            break;
        }
        merkle_leaf_hash(hashes[i], v.mv_data, v.mv_size);
        err = line_read(txn, l, seq, a.id, &e, &g);
        if (err == LEDGER_OK)
            seq = g->prev_seq;
    }
    if (err == LEDGER_OK) {
        merkle_frontier f;
        memset(&f, 0, sizeof f);
        for (uint64_t i = 0; i < n && err == LEDGER_OK; i++)
            err = merkle_frontier_append(&f, hashes[i], no_put, NULL) == 0 ? LEDGER_OK
                                                                           : LEDGER_CORRUPT;
        merkle_frontier_root(&f, out->lines_root);
        out->opening = open_pos.balance;
        out->closing = close_pos.balance;
        out->lines = n;
    }
    free(hashes);
    return err;
}
