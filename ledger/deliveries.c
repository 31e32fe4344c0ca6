/*
 * deliveries.c — importing the MFI's delivery results of a wage run.
 *
 * A wage run is the set of wage entries a partner posted with client ids
 * "<run>:<participant>" (ledger_entry_in.wage_run). The MFI reports, per
 * line, whether the net wage reached the participant: delivered (all of
 * it), partial (some) or failed (none). Each delivered or partial line
 * becomes a payout entry "<run>:<participant>:payout" taking that amount
 * from the wallet to the MFI's cash; a failed line leaves the money in the
 * wallet and posts nothing.
 *
 * The import is checked whole, under the write lock, before anything is
 * posted, and then posted all or nothing: an import that contradicts
 * itself, the run or an earlier import changes nothing. Must never: pay a
 * line twice, pay more than its net wage, or pay a line that is not in the
 * run.
 */
#include "ledger/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LEDGER_WAGE_RUN_MAX + 1 + LEDGER_PARTICIPANT_ID_MAX + 7 <= LEDGER_CLIENT_ID_MAX,
               "\"<run>:<participant>:payout\" fits a client id");
#define RUN_ID_MAX LEDGER_WAGE_RUN_MAX

typedef struct run_line {
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
    int64_t net; /* what the wage put in the wallet */
    bool mentioned;
} run_line;

typedef struct delivery_ctx {
    const char *programme, *partner, *principal, *run;
    uint32_t value_date;
    const ledger_delivery_in *lines;
    size_t count;
    ledger_result *results;
    ledger_delivery_report *report;
    int verdict; /* LEDGER_OK or why the import was refused */
} delivery_ctx;

/* Internal: refused, abort the batch. */
#define DELIVERY_REFUSED (LEDGER_ERR_COUNT + 3)

static int run_line_cmp(const void *a, const void *b)
{
    return strcmp(((const run_line *)a)->participant, ((const run_line *)b)->participant);
}

/* The net wage of a wage entry: its credit to the participant's wallet. */
static int64_t wage_net(const codec_entry *e, MDB_txn *txn, ledger *l, const char *participant)
{
    char code[LEDGER_CODE_MAX + 1];
    uint64_t id;
    snprintf(code, sizeof code, "participant:%s:wallet", participant);
    if (acct_id_by_code(txn, l, e->programme, code, strlen(code), &id) != LEDGER_OK)
        return 0;
    for (unsigned i = 0; i < e->legs_count; i++) {
        if (e->legs[i].account_id == id && e->legs[i].side == LEDGER_CREDIT)
            return e->legs[i].amount;
    }
    return 0;
}

/* The entry that resolved or reversed `seq`, if any (links). */
static int link_of(batch *b, uint64_t seq, uint64_t *to, bool *found)
{
    uint8_t key[8];
    be64_put(key, seq);
    MDB_val k = {sizeof key, key}, v;
    *found = false;
    int rc = mdb_get(b->txn, b->l->dbi_links, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_OK;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != 8)
        return LEDGER_CORRUPT;
    *to = be64_get(v.mv_data);
    *found = true;
    return LEDGER_OK;
}

/* Whether a wage counts in its run: posted and not reversed, or pending,
 * then approved, and that approval not reversed. */
static int wage_in_run(batch *b, uint64_t seq, uint8_t kind, bool *in_run)
{
    uint64_t to = LEDGER_SEQ_NONE;
    bool found;
    *in_run = false;
    int err = link_of(b, seq, &to, &found);
    if (err != LEDGER_OK || kind == LEDGER_KIND_POSTED) {
        *in_run = err == LEDGER_OK && !found; /* a posted wage's link is its reversal */
        return err;
    }
    if (!found)
        return LEDGER_OK; /* still waiting */
    codec_entry post;
    err = entry_decode_at(b->txn, b->l, to, &post);
    if (err != LEDGER_OK || post.kind != LEDGER_KIND_POST)
        return err; /* cancelled */
    err = link_of(b, to, &to, &found);
    *in_run = err == LEDGER_OK && !found;
    return err;
}

/* Every posted (or approved) wage line of the run, sorted by participant. */
static int run_lines_load(batch *b, const delivery_ctx *c, uint32_t programme, run_line **out,
                          size_t *count_out)
{
    uint8_t prefix[ENTRY_KEY_MAX];
    char run_prefix[RUN_ID_MAX + 2];
    snprintf(run_prefix, sizeof run_prefix, "%s:", c->run);
    size_t n =
        entry_key_make(prefix, c->partner, strlen(c->partner), run_prefix, strlen(run_prefix));
    size_t count = 0, cap = 0;
    run_line *lines = NULL;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(b->txn, b->l->dbi_keys, &cur);
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    int err = LEDGER_OK;
    MDB_val k = {n, prefix}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < n || memcmp(k.mv_data, prefix, n) != 0)
            break;
        const char *who = (const char *)k.mv_data + n;
        size_t who_len = k.mv_size - n;
        if (who_len == 0 || who_len > LEDGER_PARTICIPANT_ID_MAX || memchr(who, ':', who_len))
            continue; /* a payout or another key sharing the prefix */
        codec_entry e;
        if (v.mv_size != 8) {
            err = LEDGER_CORRUPT;
            break;
        }
        err = entry_decode_at(b->txn, b->l, be64_get(v.mv_data), &e);
        if (err != LEDGER_OK)
            break;
        if (e.op != LEDGER_OP_WAGE || e.programme != programme)
            continue;
        if (e.kind != LEDGER_KIND_PENDING && e.kind != LEDGER_KIND_POSTED)
            continue;
        /* A wage that waited for approval is in its run once approved; a
         * reversed one no longer is. */
        bool in_run;
        err = wage_in_run(b, be64_get(v.mv_data), e.kind, &in_run);
        if (err != LEDGER_OK)
            break;
        if (!in_run)
            continue;
        if (count == cap) {
            size_t next = cap ? cap * 2 : 64;
            run_line *m = realloc(lines, next * sizeof *lines);
            if (m == NULL) {
                err = LEDGER_NOMEM;
                break;
            }
            lines = m;
            cap = next;
        }
        run_line *r = &lines[count++];
        memcpy(r->participant, who, who_len);
        r->participant[who_len] = '\0';
        r->mentioned = false;
        r->net = wage_net(&e, b->txn, b->l, r->participant);
    }
    mdb_cursor_close(cur);
    if (err == LEDGER_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    if (err != LEDGER_OK) {
        free(lines);
        return err;
    }
    if (count > 1)
        qsort(lines, count, sizeof *lines, run_line_cmp);
    *out = lines;
    *count_out = count;
    return LEDGER_OK;
}

/* An earlier import's payout of this line: its amount, or 0. */
static int payout_earlier(batch *b, const delivery_ctx *c, const char *participant,
                          int64_t *amount, uint64_t *seq)
{
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    uint8_t key[ENTRY_KEY_MAX];
    snprintf(client_id, sizeof client_id, "%s:%s:payout", c->run, participant);
    size_t n =
        entry_key_make(key, c->partner, strlen(c->partner), client_id, strlen(client_id));
    MDB_val k = {n, key}, v;
    *amount = 0;
    int rc = mdb_get(b->txn, b->l->dbi_keys, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LEDGER_OK;
    if (rc != MDB_SUCCESS)
        return ledger_map_err(rc);
    if (v.mv_size != 8)
        return LEDGER_CORRUPT;
    codec_entry e;
    *seq = be64_get(v.mv_data);
    int err = entry_decode_at(b->txn, b->l, *seq, &e);
    if (err != LEDGER_OK)
        return err;
    for (unsigned i = 0; i < e.legs_count; i++) {
        if (e.legs[i].side == LEDGER_DEBIT)
            *amount = e.legs[i].amount;
    }
    return LEDGER_OK;
}

/* One line against the run, the import's earlier lines and the ledger. */
static int line_check(batch *b, delivery_ctx *c, run_line *run, size_t run_count, size_t i)
{
    const ledger_delivery_in *d = &c->lines[i];
    run_line key;
    size_t n = d->participant ? strlen(d->participant) : 0;
    if (n == 0 || n > LEDGER_PARTICIPANT_ID_MAX || d->amount < 0 ||
        d->status < LEDGER_DELIVERY_DELIVERED || d->status > LEDGER_DELIVERY_FAILED ||
        (d->external_ref && strlen(d->external_ref) > LEDGER_EXTREF_MAX))
        return LEDGER_INVALID_FIELD;
    snprintf(key.participant, sizeof key.participant, "%s", d->participant);
    run_line *r = run_count ? bsearch(&key, run, run_count, sizeof *run, run_line_cmp) : NULL;
    if (r == NULL)
        return LEDGER_DELIVERY_UNMATCHED;
    if (r->mentioned)
        return LEDGER_DELIVERY_CONTRADICTS; /* the same line twice in one import */
    r->mentioned = true;
    bool fits = (d->status == LEDGER_DELIVERY_DELIVERED && d->amount == r->net) ||
                (d->status == LEDGER_DELIVERY_PARTIAL && d->amount > 0 && d->amount < r->net) ||
                (d->status == LEDGER_DELIVERY_FAILED && d->amount == 0);
    if (!fits)
        return LEDGER_DELIVERY_CONTRADICTS;
    int64_t paid;
    uint64_t seq = LEDGER_SEQ_NONE;
    int err = payout_earlier(b, c, d->participant, &paid, &seq);
    if (err != LEDGER_OK)
        return err;
    if (seq == LEDGER_SEQ_NONE)
        return LEDGER_OK;
    if (paid != d->amount)
        return LEDGER_DELIVERY_CONTRADICTS; /* an earlier import paid another amount */
    c->results[i].seq = seq;
    return LEDGER_EXISTS;
}

static bool fatal(int err)
{
    return err == LEDGER_STORAGE || err == LEDGER_NOMEM || err == LEDGER_IO ||
           err == LEDGER_CORRUPT || err == LEDGER_ERR_MAP_FULL || err == LEDGER_MAP_LIMIT;
}

/* Posts the payouts of the sound lines, all or nothing. */
static int payouts_post(batch *b, delivery_ctx *c)
{
    ledger_entry_in *entries = calloc(c->count ? c->count : 1, sizeof *entries);
    ledger_result *res = calloc(c->count ? c->count : 1, sizeof *res);
    char(*ids)[LEDGER_CLIENT_ID_MAX + 1] = calloc(c->count ? c->count : 1, sizeof *ids);
    size_t *line_of = calloc(c->count ? c->count : 1, sizeof *line_of);
    int err = (entries && res && ids && line_of) ? LEDGER_OK : LEDGER_NOMEM;
    uint32_t n = 0;
    for (size_t i = 0; err == LEDGER_OK && i < c->count; i++) {
        const ledger_delivery_in *d = &c->lines[i];
        if (c->results[i].err != LEDGER_OK || d->amount == 0)
            continue;
        snprintf(ids[n], sizeof ids[n], "%s:%s:payout", c->run, d->participant);
        ledger_entry_in *e = &entries[n];
        e->programme = c->programme;
        e->kind = LEDGER_KIND_POSTED;
        e->op = LEDGER_OP_PAYOUT;
        e->partner = c->partner;
        e->principal = c->principal;
        e->client_id = ids[n];
        e->external_ref = d->external_ref;
        e->value_date = c->value_date;
        e->participant = d->participant;
        e->cash_partner = c->partner;
        e->amount = d->amount;
        line_of[n++] = i;
    }
    if (err == LEDGER_OK && n > 0) {
        ledger_request r = {entries, n, true, res};
        err = entries_apply_atomic(b, &r);
        for (uint32_t j = 0; err == LEDGER_OK && j < n; j++) {
            c->results[line_of[j]] = res[j];
            if (res[j].err != LEDGER_OK && res[j].err != LEDGER_EXISTS &&
                res[j].err != LEDGER_LINKED_ENTRY_FAILED) {
                c->verdict = res[j].err; /* the payout's own refusal */
                c->report->refused++;
            }
        }
    }
    free(entries);
    free(res);
    free(ids);
    free(line_of);
    return err;
}

static int delivery_fn(ledger *l, void *vctx, batch *b)
{
    delivery_ctx *c = vctx;
    programme_rec p;
    run_line *run = NULL;
    size_t run_count = 0;
    ledger_delivery_report *rep = c->report;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err == LEDGER_OK)
        err = run_lines_load(b, c, p.id, &run, &run_count);
    if (err != LEDGER_OK)
        return err;
    memset(rep, 0, sizeof *rep);
    rep->examined = true;
    rep->lines_run = (uint32_t)run_count;
    c->verdict = LEDGER_OK;
    for (size_t i = 0; i < c->count; i++) {
        c->results[i].err = LEDGER_OK;
        c->results[i].seq = LEDGER_SEQ_NONE;
        c->results[i].awaiting = false;
        err = line_check(b, c, run, run_count, i);
        if (fatal(err))
            break;
        c->results[i].err = err;
        if (err != LEDGER_OK && err != LEDGER_EXISTS) {
            rep->refused++;
            /* Unmatched lines name the import's fault most precisely. */
            if (c->verdict == LEDGER_OK || err == LEDGER_DELIVERY_UNMATCHED)
                c->verdict = err;
        }
        err = LEDGER_OK;
    }
    for (size_t i = 0; err == LEDGER_OK && i < run_count; i++)
        rep->unreported += !run[i].mentioned;
    free(run);
    if (err == LEDGER_OK && c->verdict == LEDGER_OK)
        err = payouts_post(b, c);
    if (err != LEDGER_OK)
        return err;
    if (c->verdict != LEDGER_OK)
        return DELIVERY_REFUSED;
    for (size_t i = 0; i < c->count; i++) {
        if (c->lines[i].status == LEDGER_DELIVERY_FAILED)
            rep->failed++;
        else
            rep->paid++;
    }
    return LEDGER_OK;
}

int ledger_deliveries_import(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *run, uint32_t value_date,
                             const ledger_delivery_in *lines, size_t count,
                             ledger_result *results, ledger_delivery_report *report)
{
    if (report != NULL)
        memset(report, 0, sizeof *report); /* not examined, until it is */
    if (l == NULL || programme == NULL || partner == NULL || principal == NULL || run == NULL ||
        (count > 0 && (lines == NULL || results == NULL)) || report == NULL ||
        count > LEDGER_DELIVERIES_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    size_t run_len = strlen(run), partner_len = strlen(partner);
    if (run_len == 0 || run_len > RUN_ID_MAX || strchr(run, ':') != NULL || partner_len == 0 ||
        partner_len > LEDGER_PARTNER_MAX || !ledger_utf8_valid(run, run_len) ||
        principal[0] == '\0' || strlen(principal) > LEDGER_PRINCIPAL_MAX)
        return LEDGER_INVALID_FIELD;
    if (!ledger_date_valid(value_date))
        return LEDGER_INVALID_DATE;
    ledger_delivery_report rep;
    memset(&rep, 0, sizeof rep);
    delivery_ctx c = {programme, partner, principal, run,  value_date,
                      lines,     count,   results,   &rep, LEDGER_OK};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, delivery_fn, &c, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    if (err == DELIVERY_REFUSED)
        err = c.verdict;
    *report = rep; /* examined: false for a call error */
    return err;
}
