/*
 * reconcile.c — matching an MFI's statement against the ledger's lines of
 * partner:<mfi>:cash, for `cauris reconcile` (cmd_reconcile.c reads both
 * sides and prints the report).
 *
 * The matching runs in four passes, each on what the previous ones left:
 *   1. by reference: entries whose external_ref is the line's ref; the one
 *      with the line's amount (nearest date, then lowest seq), or all of
 *      them when together they make the amount; otherwise the line and
 *      those entries are an amount difference;
 *   2. by amount and date: one to one, same amount, dates at most
 *      `window` days apart; the nearest dates are paired first (all pairs
 *      0 days apart, then 1 day, ...), then the lowest seq;
 *   3. combined: a line against two or more entries of its window, of the
 *      same direction, summing exactly to it (the fewest entries; among
 *      those the nearest in date); at most REC_COMBINE_CANDIDATES_MAX
 *      candidates, the nearest in date, are tried;
 *   4. an entry and its reversal that no line matched cancel out.
 *
 * Deterministic: the same inputs give the same matches. Never: read files
 * or the ledger, print, or treat two amounts as equal unless they are.
 */
#include "cli/reconcile.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int64_t rec_day_of(uint32_t yyyymmdd)
{
    /* Howard Hinnant's days_from_civil: exact for every Gregorian date. */
    int64_t y = (int64_t)(yyyymmdd / 10000u), m = (int64_t)(yyyymmdd / 100u % 100u),
            d = (int64_t)(yyyymmdd % 100u);
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t abs64(int64_t v)
{
    assert(v != INT64_MIN); /* amounts are parsed within +-INT64_MAX */
    return v < 0 ? -v : v;
}

bool rec_add_checked(int64_t a, int64_t b, int64_t *out)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return false;
    *out = a + b;
    return true;
}

/* ---- growing arrays of the result ---- */

typedef struct matcher {
    rec_stmt *stmts;
    size_t stmts_count;
    rec_entry *entries;
    size_t entries_count;
    int64_t window;
    rec_result *r;
    size_t matches_cap, index_cap;
} matcher;

static int index_push(matcher *m, size_t entry)
{
    rec_result *r = m->r;
    if (r->entry_index_count == m->index_cap) {
        size_t cap = m->index_cap ? m->index_cap * 2 : 256;
        size_t *grown = realloc(r->entry_index, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        r->entry_index = grown;
        m->index_cap = cap;
    }
    r->entry_index[r->entry_index_count++] = entry;
    return 0;
}

/* Records a match of statement line `stmt` (or REC_NONE) with `n`
 * entries, marking every line matched. */
static int match_add(matcher *m, rec_method method, size_t stmt, const size_t *entries,
                     size_t n)
{
    rec_result *r = m->r;
    assert(n > 0);
    if (r->matches_count == m->matches_cap) {
        size_t cap = m->matches_cap ? m->matches_cap * 2 : 128;
        rec_match *grown = realloc(r->matches, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        r->matches = grown;
        m->matches_cap = cap;
    }
    size_t id = r->matches_count;
    rec_match *mt = &r->matches[id];
    memset(mt, 0, sizeof *mt);
    mt->method = method;
    mt->stmt = stmt;
    mt->first = r->entry_index_count;
    for (size_t i = 0; i < n; i++) {
        rec_entry *e = &m->entries[entries[i]];
        assert(e->match == REC_NONE);
        if (index_push(m, entries[i]) != 0)
            return -1;
        e->match = id;
        /* Sums of entries a match was found with never overflow; those of a
         * difference may, and are then shown clamped. */
        if (!rec_add_checked(mt->entries_sum, e->amount, &mt->entries_sum))
            mt->entries_sum = e->amount > 0 ? INT64_MAX : INT64_MIN;
    }
    mt->count = n;
    if (stmt != REC_NONE) {
        assert(m->stmts[stmt].match == REC_NONE);
        m->stmts[stmt].match = id;
    }
    r->matches_count++;
    return 0;
}

/* ---- orders (qsort callbacks read the matcher through a file-local
 * pointer: the CLI is single-threaded) ---- */

static const matcher *sort_ctx;

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

static int by_ref_seq(const void *pa, const void *pb)
{
    const rec_entry *a = &sort_ctx->entries[*(const size_t *)pa];
    const rec_entry *b = &sort_ctx->entries[*(const size_t *)pb];
    int c = strcmp(a->external_ref, b->external_ref);
    return c != 0 ? c : cmp_u64(a->seq, b->seq);
}

static int by_amount_day_seq(const void *pa, const void *pb)
{
    const rec_entry *a = &sort_ctx->entries[*(const size_t *)pa];
    const rec_entry *b = &sort_ctx->entries[*(const size_t *)pb];
    int c = cmp_i64(a->amount, b->amount);
    if (c == 0)
        c = cmp_i64(a->day, b->day);
    return c != 0 ? c : cmp_u64(a->seq, b->seq);
}

static int by_day_seq(const void *pa, const void *pb)
{
    const rec_entry *a = &sort_ctx->entries[*(const size_t *)pa];
    const rec_entry *b = &sort_ctx->entries[*(const size_t *)pb];
    int c = cmp_i64(a->day, b->day);
    return c != 0 ? c : cmp_u64(a->seq, b->seq);
}

static int stmt_by_day_line(const void *pa, const void *pb)
{
    const rec_stmt *a = &sort_ctx->stmts[*(const size_t *)pa];
    const rec_stmt *b = &sort_ctx->stmts[*(const size_t *)pb];
    int c = cmp_i64(a->day, b->day);
    return c != 0 ? c : cmp_u64(a->line, b->line);
}

/* Candidates of pass 3 are ordered by distance from this day, then seq. */
static int64_t sort_day;

static int by_distance_seq(const void *pa, const void *pb)
{
    const rec_entry *a = &sort_ctx->entries[*(const size_t *)pa];
    const rec_entry *b = &sort_ctx->entries[*(const size_t *)pb];
    int c = cmp_i64(abs64(a->day - sort_day), abs64(b->day - sort_day));
    return c != 0 ? c : cmp_u64(a->seq, b->seq);
}

static int by_entry_seq(const void *pa, const void *pb)
{
    const rec_entry *a = &sort_ctx->entries[*(const size_t *)pa];
    const rec_entry *b = &sort_ctx->entries[*(const size_t *)pb];
    return cmp_u64(a->seq, b->seq);
}

/* An array 0..n-1 sorted by `cmp`; NULL when out of memory (or n == 0,
 * when nothing needs sorting: callers check n first). */
static size_t *order_make(const matcher *m, size_t n, int (*cmp)(const void *, const void *))
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (order == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_ctx = m;
    qsort(order, n, sizeof *order, cmp);
    return order;
}

/* ---- pass 1: by reference ---- */

/* First position in `byref` (n entries sorted by ref) whose ref is >= ref. */
static size_t ref_lower_bound(const matcher *m, const size_t *byref, size_t n, const char *ref)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->entries[byref[mid]].external_ref, ref) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The line's unmatched entries with its ref, into cand (room for all). */
static size_t ref_candidates(const matcher *m, const size_t *byref, size_t n, const char *ref,
                             size_t *cand)
{
    size_t count = 0;
    for (size_t p = ref_lower_bound(m, byref, n, ref);
         p < n && strcmp(m->entries[byref[p]].external_ref, ref) == 0; p++) {
        if (m->entries[byref[p]].match == REC_NONE)
            cand[count++] = byref[p];
    }
    return count;
}

static int pass_ref_line(matcher *m, size_t s, const size_t *cand, size_t n)
{
    const rec_stmt *st = &m->stmts[s];
    size_t best = REC_NONE;
    int64_t sum = 0;
    bool sum_ok = true;
    for (size_t i = 0; i < n; i++) {
        const rec_entry *e = &m->entries[cand[i]];
        sum_ok = sum_ok && rec_add_checked(sum, e->amount, &sum);
        if (e->amount != st->amount)
            continue;
        if (best == REC_NONE || abs64(e->day - st->day) < abs64(m->entries[best].day - st->day))
            best = cand[i]; /* cand is in seq order: the first of equals stays */
    }
    if (best != REC_NONE)
        return match_add(m, REC_BY_REF, s, &best, 1);
    if (n >= 2 && sum_ok && sum == st->amount)
        return match_add(m, REC_BY_REF, s, cand, n);
    return match_add(m, REC_DIFFERENCE, s, cand, n);
}

static int pass_ref(matcher *m)
{
    size_t n = 0;
    size_t *byref = malloc((m->entries_count ? m->entries_count : 1) * sizeof *byref);
    size_t *cand = malloc((m->entries_count ? m->entries_count : 1) * sizeof *cand);
    int rc = byref != NULL && cand != NULL ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < m->entries_count; i++) {
        if (m->entries[i].external_ref[0] != '\0')
            byref[n++] = i;
    }
    sort_ctx = m;
    if (rc == 0)
        qsort(byref, n, sizeof *byref, by_ref_seq);
    for (size_t s = 0; rc == 0 && s < m->stmts_count; s++) {
        if (m->stmts[s].ref[0] == '\0' || m->stmts[s].match != REC_NONE)
            continue;
        size_t count = ref_candidates(m, byref, n, m->stmts[s].ref, cand);
        if (count > 0)
            rc = pass_ref_line(m, s, cand, count);
    }
    free(byref);
    free(cand);
    return rc;
}

/* ---- pass 2: by amount and date ---- */

/* The lowest-seq unmatched entry of `amount` on `day` in `byamt`, or
 * REC_NONE. */
static size_t amount_day_find(const matcher *m, const size_t *byamt, int64_t amount,
                              int64_t day)
{
    size_t lo = 0, hi = m->entries_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rec_entry *e = &m->entries[byamt[mid]];
        if (e->amount < amount || (e->amount == amount && e->day < day))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < m->entries_count; lo++) {
        const rec_entry *e = &m->entries[byamt[lo]];
        if (e->amount != amount || e->day != day)
            break;
        if (e->match == REC_NONE)
            return byamt[lo];
    }
    return REC_NONE;
}

static int pass_amount_date(matcher *m, const size_t *stmt_order)
{
    if (m->entries_count == 0)
        return 0;
    size_t *byamt = order_make(m, m->entries_count, by_amount_day_seq);
    if (byamt == NULL)
        return -1;
    int rc = 0;
    for (int64_t d = 0; rc == 0 && d <= m->window; d++) {
        for (size_t k = 0; rc == 0 && k < m->stmts_count; k++) {
            size_t s = stmt_order[k];
            const rec_stmt *st = &m->stmts[s];
            if (st->match != REC_NONE)
                continue;
            size_t before = amount_day_find(m, byamt, st->amount, st->day - d);
            size_t after =
                d == 0 ? REC_NONE : amount_day_find(m, byamt, st->amount, st->day + d);
            size_t pick = before;
            if (pick == REC_NONE ||
                (after != REC_NONE && m->entries[after].seq < m->entries[pick].seq))
                pick = after;
            if (pick != REC_NONE)
                rc = match_add(m, REC_BY_AMOUNT_DATE, s, &pick, 1);
        }
    }
    free(byamt);
    return rc;
}

/* ---- pass 3: one line against several entries ---- */

/* The first `k` of v[start..n) (in order) summing to `remaining`, their
 * positions into pick[depth..k). Every v[i] is > 0. */
static bool subset_find(const int64_t *v, size_t n, size_t k, size_t start, int64_t remaining,
                        size_t *pick, size_t depth)
{
    if (depth == k)
        return remaining == 0;
    for (size_t i = start; i + (k - depth) <= n; i++) {
        if (v[i] > remaining)
            continue;
        pick[depth] = i;
        if (subset_find(v, n, k, i + 1, remaining - v[i], pick, depth + 1))
            return true;
    }
    return false;
}

/* The unmatched entries of the line's window, same direction, smaller:
 * the nearest REC_COMBINE_CANDIDATES_MAX of them into cand. */
static size_t combine_candidates(const matcher *m, const size_t *byday, const rec_stmt *st,
                                 size_t *cand)
{
    size_t lo = 0, hi = m->entries_count, n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->entries[byday[mid]].day < st->day - m->window)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < m->entries_count && m->entries[byday[lo]].day <= st->day + m->window; lo++) {
        const rec_entry *e = &m->entries[byday[lo]];
        if (e->match == REC_NONE && (e->amount > 0) == (st->amount > 0) &&
            abs64(e->amount) < abs64(st->amount))
            cand[n++] = byday[lo];
    }
    sort_day = st->day;
    sort_ctx = m;
    qsort(cand, n, sizeof *cand, by_distance_seq);
    return n < REC_COMBINE_CANDIDATES_MAX ? n : REC_COMBINE_CANDIDATES_MAX;
}

static int pass_combined(matcher *m, const size_t *stmt_order)
{
    if (m->entries_count == 0)
        return 0;
    size_t *byday = order_make(m, m->entries_count, by_day_seq);
    size_t *cand = malloc(m->entries_count * sizeof *cand);
    int rc = byday != NULL && cand != NULL ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < m->stmts_count; k++) {
        size_t s = stmt_order[k];
        const rec_stmt *st = &m->stmts[s];
        if (st->match != REC_NONE || st->amount == 0)
            continue;
        size_t n = combine_candidates(m, byday, st, cand);
        int64_t v[REC_COMBINE_CANDIDATES_MAX];
        size_t pick[REC_COMBINE_CANDIDATES_MAX], chosen[REC_COMBINE_CANDIDATES_MAX];
        for (size_t i = 0; i < n; i++)
            v[i] = abs64(m->entries[cand[i]].amount);
        for (size_t size = 2; size <= n; size++) {
            if (!subset_find(v, n, size, 0, abs64(st->amount), pick, 0))
                continue;
            for (size_t i = 0; i < size; i++)
                chosen[i] = cand[pick[i]];
            sort_ctx = m;
            qsort(chosen, size, sizeof *chosen, by_entry_seq);
            rc = match_add(m, REC_BY_COMBINED, s, chosen, size);
            break;
        }
    }
    free(byday);
    free(cand);
    return rc;
}

/* ---- pass 4: an entry and its reversal ---- */

static size_t entry_by_seq(const matcher *m, uint64_t seq)
{
    size_t lo = 0, hi = m->entries_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->entries[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->entries_count && m->entries[lo].seq == seq ? lo : REC_NONE;
}

static int pass_reversal(matcher *m)
{
    for (size_t i = 0; i < m->entries_count; i++) {
        const rec_entry *e = &m->entries[i];
        if (e->match != REC_NONE || e->kind != LEDGER_KIND_REVERSAL ||
            e->reverses == LEDGER_SEQ_NONE)
            continue;
        size_t orig = entry_by_seq(m, e->reverses);
        if (orig == REC_NONE || m->entries[orig].match != REC_NONE ||
            m->entries[orig].amount != -e->amount)
            continue;
        size_t pair[2] = {orig, i};
        if (match_add(m, REC_BY_REVERSAL, REC_NONE, pair, 2) != 0)
            return -1;
    }
    return 0;
}

static void reported_mark(matcher *m)
{
    rec_result *r = m->r;
    for (size_t i = 0; i < r->matches_count; i++) {
        rec_match *mt = &r->matches[i];
        mt->reported = mt->stmt != REC_NONE && m->stmts[mt->stmt].in_period;
        for (size_t j = 0; j < mt->count; j++)
            mt->reported = mt->reported || m->entries[r->entry_index[mt->first + j]].in_period;
    }
}

int rec_match_all(rec_stmt *stmts, size_t stmts_count, rec_entry *entries, size_t entries_count,
                  int window_days, rec_result *out)
{
    rec_result r;
    memset(&r, 0, sizeof r);
    assert(window_days >= 0 && window_days <= REC_WINDOW_DAYS_MAX);
    matcher m = {stmts, stmts_count, entries, entries_count, window_days, &r, 0, 0};
    for (size_t i = 0; i < stmts_count; i++)
        stmts[i].match = REC_NONE;
    for (size_t i = 0; i < entries_count; i++) {
        assert(i == 0 || entries[i - 1].seq < entries[i].seq);
        entries[i].match = REC_NONE;
    }
    size_t *stmt_order = order_make(&m, stmts_count, stmt_by_day_line);
    int rc = stmt_order != NULL ? 0 : -1;
    if (rc == 0)
        rc = pass_ref(&m);
    if (rc == 0)
        rc = pass_amount_date(&m, stmt_order);
    if (rc == 0)
        rc = pass_combined(&m, stmt_order);
    if (rc == 0)
        rc = pass_reversal(&m);
    free(stmt_order);
    if (rc != 0) {
        rec_result_free(&r);
        return -1;
    }
    reported_mark(&m);
    *out = r;
    return 0;
}

void rec_result_free(rec_result *r)
{
    free(r->matches);
    free(r->entry_index);
    memset(r, 0, sizeof *r);
}
