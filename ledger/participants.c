/*
 * participants.c — the programme's participants: enrolment (with the
 * look-alike check and its recorded confirmation), changes of phase and
 * details, holds on capital, erasure of personal data, reading them.
 *
 * Each change is a participant leaf holding the whole record as it now is,
 * never personal data (names and phones go to pii.c); the "domain"
 * database keeps the current record under programme || 'P' || id. The
 * capital account's lock follows the record: locked below the programme's
 * unlock phase or while a hold is on.
 */
#include "ledger/domain.h"
#include "ledger/pii.h"

#include <sodium.h>

#include <stdio.h>
#include <string.h>

#define BIRTH_YEAR_MIN 1900
#define BIRTH_YEAR_MAX 2100

static codec_str cstr(const char *s)
{
    return (codec_str){s, (uint16_t)strlen(s)};
}

static size_t participant_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, const char *id)
{
    return domain_key(out, programme, 'P', id, strlen(id));
}

int participant_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
                     ledger_participant *out)
{
    uint8_t key[DOMAIN_KEY_MAX];
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > LEDGER_PARTICIPANT_ID_MAX)
        return LEDGER_UNKNOWN_PARTICIPANT;
    int err = domain_get(txn, l, key, participant_key(key, programme, id), out, sizeof *out);
    return err == LEDGER_NOT_FOUND ? LEDGER_UNKNOWN_PARTICIPANT : err;
}

static int participant_store(MDB_txn *txn, ledger *l, uint32_t programme,
                             const ledger_participant *p)
{
    uint8_t key[DOMAIN_KEY_MAX];
    ledger_participant rec = *p;
    memset(rec.name, 0, sizeof rec.name); /* personal data never goes here */
    memset(rec.phone, 0, sizeof rec.phone);
    return domain_put(txn, l, key, participant_key(key, programme, p->id), &rec, sizeof rec);
}

static int participant_leaf(batch *b, uint32_t programme, uint8_t event, const char *partner,
                            const char *principal, const ledger_participant *p,
                            const char *distinct_from)
{
    codec_participant c = {
        .programme = programme,
        .event = event,
        .partner = cstr(partner),
        .principal = cstr(principal),
        .id = cstr(p->id),
        .sex = (uint8_t)p->sex,
        .birth_year = p->birth_year,
        .wg_ss = cstr(p->wg_ss),
        .admin1 = cstr(p->admin1),
        .admin2 = cstr(p->admin2),
        .category = (uint8_t)p->category,
        .cohort = cstr(p->cohort),
        .phase = p->phase,
        .cso = cstr(p->cso),
        .hold = cstr(p->hold),
        .distinct_from = cstr(distinct_from ? distinct_from : ""),
    };
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    if (codec_participant_encode(leaf, sizeof leaf, &len, &c) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

/* ---- checks ---- */

/* "" (not asked) or six Washington Group answers, 1..4 each. */
static bool wg_ss_valid(const char *s)
{
    size_t n = strnlen(s, LEDGER_WG_SS_LEN + 1);
    if (n == 0)
        return true;
    if (n != LEDGER_WG_SS_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '1' || s[i] > '4')
            return false;
    }
    return true;
}

static bool record_valid(const ledger_participant *p)
{
    return ledger_id_valid(p->id, LEDGER_PARTICIPANT_ID_MAX) && p->sex <= LEDGER_SEX_MALE &&
           (p->birth_year == 0 ||
            (p->birth_year >= BIRTH_YEAR_MIN && p->birth_year <= BIRTH_YEAR_MAX)) &&
           wg_ss_valid(p->wg_ss) && ledger_text_valid(p->admin1, LEDGER_REGION_MAX) &&
           ledger_text_valid(p->admin2, LEDGER_REGION_MAX) &&
           p->category <= LEDGER_CATEGORY_MAX &&
           ledger_text_valid(p->cohort, LEDGER_COHORT_MAX) && p->phase >= 1 &&
           p->phase <= LEDGER_PHASE_MAX && ledger_text_valid(p->cso, LEDGER_PARTNER_MAX) &&
           ledger_text_valid(p->hold, LEDGER_HOLD_REASON_MAX);
}

static bool contact_valid(const ledger_participant *p)
{
    return p->name[0] != '\0' && ledger_text_valid(p->name, LEDGER_PERSON_NAME_MAX) &&
           ledger_text_valid(p->phone, LEDGER_PHONE_MAX);
}

/* ---- the capital lock ---- */

static int capital_lock_apply(batch *b, uint32_t programme, const ledger_participant *p,
                              const ledger_settings *s)
{
    char code[LEDGER_CODE_MAX + 1];
    ledger_account_type type;
    uint32_t flags;
    snprintf(code, sizeof code, "participant:%s:capital", p->id);
    int err = ledger_chart_classify(code, &type, &flags);
    if (err != LEDGER_OK)
        return err;
    flags &= ~LEDGER_FLAG_LOCKED;
    if (p->phase < s->unlock_phase || p->hold[0] != '\0')
        flags |= LEDGER_FLAG_LOCKED;
    return account_flags_in(b, programme, code, flags);
}

int participants_capital_relock(batch *b, uint32_t programme, const ledger_settings *s)
{
    MDB_cursor *cur;
    uint8_t prefix[DOMAIN_KEY_MAX];
    size_t n = domain_key(prefix, programme, 'P', NULL, 0);
    /* Account changes write to other databases, so the records are read
     * first, one page of ids at a time. */
    char after[LEDGER_PARTICIPANT_ID_MAX + 1] = "";
    for (;;) {
        ledger_participant page[64];
        size_t count = 0;
        int rc = mdb_cursor_open(b->txn, b->l->dbi_domain, &cur);
        if (rc != MDB_SUCCESS)
            return ledger_map_err(rc);
        uint8_t key[DOMAIN_KEY_MAX];
        size_t kn = domain_key(key, programme, 'P', after, strlen(after));
        MDB_val k = {kn, key}, v;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == MDB_SUCCESS && count < 64) {
            if (k.mv_size < n || memcmp(k.mv_data, prefix, n) != 0)
                break;
            if (v.mv_size != sizeof page[0]) {
                mdb_cursor_close(cur);
                return LEDGER_CORRUPT;
            }
            memcpy(&page[count], v.mv_data, sizeof page[0]);
            if (strcmp(page[count].id, after) != 0)
                count++;
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
        if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
            return ledger_map_err(rc);
        for (size_t i = 0; i < count; i++) {
            int err = capital_lock_apply(b, programme, &page[i], s);
            if (err != LEDGER_OK)
                return err;
        }
        if (count == 0)
            return LEDGER_OK;
        snprintf(after, sizeof after, "%s", page[count - 1].id);
    }
}

/* ---- enrolment ---- */

/* Internal: the batch is refused as a whole (atomic enrolment). */
#define ENROL_REFUSED (LEDGER_ERR_COUNT + 2)

typedef struct enrol_ctx {
    const char *programme, *partner, *principal;
    const ledger_enrolment *rows;
    size_t count;
    bool atomic;
    ledger_enrol_result *results;
} enrol_ctx;

static const char *const participant_accounts[] = {"wallet", "capital", "grant"};

static int enrol_one(batch *b, const programme_rec *p, const ledger_settings *s,
                     const enrol_ctx *c, const ledger_enrolment *row, ledger_enrol_result *res,
                     uint64_t *next_account)
{
    ledger *l = b->l;
    ledger_participant rec = row->p, existing;
    char code[LEDGER_CODE_MAX + 1], twin[LEDGER_PARTICIPANT_ID_MAX + 1];
    uint64_t id;
    rec.hold[0] = '\0';
    rec.erased = false;
    if (!record_valid(&rec) || !contact_valid(&rec))
        return LEDGER_INVALID_FIELD;
    const char *distinct = row->confirm_distinct_from ? row->confirm_distinct_from : "";
    if (distinct[0] != '\0' && !ledger_id_valid(distinct, LEDGER_PARTICIPANT_ID_MAX))
        return LEDGER_INVALID_FIELD;
    int err = participant_load(b->txn, l, p->id, rec.id, &existing);
    if (err == LEDGER_OK)
        return LEDGER_PARTICIPANT_EXISTS;
    if (err != LEDGER_UNKNOWN_PARTICIPANT)
        return err;
    for (size_t i = 0; i < 3; i++) {
        snprintf(code, sizeof code, "participant:%s:%s", rec.id, participant_accounts[i]);
        err = acct_id_by_code(b->txn, l, p->id, code, strlen(code), &id);
        if (err == LEDGER_OK)
            return LEDGER_ACCOUNT_EXISTS;
        if (err != LEDGER_UNKNOWN_ACCOUNT)
            return err;
    }
    err = pii_lookalike(b->txn, l, p->id, rec.id, rec.name, rec.birth_year, rec.admin1,
                        rec.admin2, twin);
    if (err == LEDGER_OK && strcmp(twin, distinct) != 0) {
        snprintf(res->duplicate_of, sizeof res->duplicate_of, "%s", twin);
        return LEDGER_DUPLICATE_PERSON;
    }
    if (err != LEDGER_OK && err != LEDGER_NOT_FOUND)
        return err;
    if (err == LEDGER_NOT_FOUND)
        distinct = ""; /* nothing to confirm: nothing recorded */

    res->seq = b->next_seq;
    rec.enrolled_seq = b->next_seq;
    err = participant_leaf(b, p->id, CODEC_PARTICIPANT_ENROL, c->partner, c->principal, &rec,
                           distinct);
    for (size_t i = 0; err == LEDGER_OK && i < 3; i++) {
        snprintf(code, sizeof code, "participant:%s:%s", rec.id, participant_accounts[i]);
        err = account_open_in(b, p->id, code, next_account);
    }
    if (err == LEDGER_OK)
        err = meta_put_u64(b->txn, l, "account_next", *next_account);
    if (err == LEDGER_OK)
        err = capital_lock_apply(b, p->id, &rec, s);
    if (err == LEDGER_OK)
        err = participant_store(b->txn, l, p->id, &rec);
    if (err == LEDGER_OK)
        err = pii_put(b->txn, l, p->id, rec.id, rec.name, rec.phone, rec.birth_year, rec.admin1,
                      rec.admin2);
    /* Past the checks, anything failing is the storage's: fatal. */
    return err == LEDGER_OK ? LEDGER_OK : (err == LEDGER_INVALID_FIELD ? LEDGER_CORRUPT : err);
}

static bool err_fatal(int err)
{
    return err == LEDGER_STORAGE || err == LEDGER_NOMEM || err == LEDGER_IO ||
           err == LEDGER_CORRUPT || err == LEDGER_ERR_MAP_FULL || err == LEDGER_MAP_LIMIT ||
           err == LEDGER_KEY_MISMATCH;
}

static int enrol_fn(ledger *l, void *vctx, batch *b)
{
    enrol_ctx *c = vctx;
    programme_rec p;
    ledger_settings s;
    uint64_t next_account;
    bool refused = false;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err == LEDGER_OK)
        err = settings_load(b->txn, l, p.id, &s);
    if (err == LEDGER_OK)
        err = next_id_get(b->txn, l, "account_next", &next_account);
    if (err != LEDGER_OK)
        return err;
    for (size_t i = 0; i < c->count; i++) {
        ledger_enrol_result *res = &c->results[i];
        memset(res, 0, sizeof *res);
        res->seq = LEDGER_SEQ_NONE;
        err = enrol_one(b, &p, &s, c, &c->rows[i], res, &next_account);
        if (err_fatal(err))
            return err;
        res->err = err;
        if (err != LEDGER_OK) {
            res->seq = LEDGER_SEQ_NONE;
            refused = true;
        }
    }
    /* The new people's keys are durable before their records commit. */
    err = pii_sync(l);
    if (err != LEDGER_OK)
        return err;
    if (refused && c->atomic) {
        for (size_t i = 0; i < c->count; i++) {
            if (c->results[i].err == LEDGER_OK) {
                c->results[i].err = LEDGER_LINKED_ENTRY_FAILED;
                c->results[i].seq = LEDGER_SEQ_NONE;
            }
        }
        return ENROL_REFUSED;
    }
    return LEDGER_OK;
}

int ledger_participants_enrol(ledger *l, const char *programme, const char *partner,
                              const char *principal, const ledger_enrolment *rows, size_t count,
                              bool atomic, ledger_enrol_result *results)
{
    if (l == NULL || programme == NULL || (count > 0 && (rows == NULL || results == NULL)) ||
        count > LEDGER_ENROL_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (!ledger_who_valid(partner, principal))
        return LEDGER_INVALID_FIELD;
    if (l->pii == NULL)
        return LEDGER_KEY_MISMATCH;
    enrol_ctx ctx = {programme, partner, principal, rows, count, atomic, results};
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, enrol_fn, &ctx, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err == ENROL_REFUSED ? LEDGER_OK : err;
}

/* ---- changes ---- */

typedef struct change_ctx {
    const char *programme, *partner, *principal;
    const ledger_participant *p;
    unsigned changes;
    bool erase;
} change_ctx;

static int change_apply(const change_ctx *c, ledger_participant *rec)
{
    const ledger_participant *in = c->p;
    unsigned m = c->changes;
    if (m & LEDGER_CHANGE_PHASE) {
        if (in->phase < rec->phase)
            return LEDGER_INVALID_FIELD; /* phases only move forward */
        rec->phase = in->phase;
    }
    if (m & LEDGER_CHANGE_COHORT)
        snprintf(rec->cohort, sizeof rec->cohort, "%s", in->cohort);
    if (m & LEDGER_CHANGE_LOCATION) {
        snprintf(rec->admin1, sizeof rec->admin1, "%s", in->admin1);
        snprintf(rec->admin2, sizeof rec->admin2, "%s", in->admin2);
    }
    if (m & LEDGER_CHANGE_CATEGORY)
        rec->category = in->category;
    if (m & LEDGER_CHANGE_WG_SS)
        snprintf(rec->wg_ss, sizeof rec->wg_ss, "%s", in->wg_ss);
    if (m & LEDGER_CHANGE_CSO)
        snprintf(rec->cso, sizeof rec->cso, "%s", in->cso);
    if (m & LEDGER_CHANGE_HOLD)
        snprintf(rec->hold, sizeof rec->hold, "%s", in->hold);
    return record_valid(rec) ? LEDGER_OK : LEDGER_INVALID_FIELD;
}

static int change_fn(ledger *l, void *vctx, batch *b)
{
    change_ctx *c = vctx;
    programme_rec p;
    ledger_settings s;
    ledger_participant rec;
    int err = programme_by_name(b->txn, l, c->programme, &p);
    if (err == LEDGER_OK)
        err = settings_load(b->txn, l, p.id, &s);
    if (err == LEDGER_OK)
        err = participant_load(b->txn, l, p.id, c->p->id, &rec);
    if (err != LEDGER_OK)
        return err;
    if (c->erase) {
        if (rec.erased)
            return LEDGER_OK; /* nothing left to destroy: no leaf */
        err = pii_erase(b->txn, l, p.id, rec.id);
        rec.erased = true;
        if (err == LEDGER_OK)
            err = participant_leaf(b, p.id, CODEC_PARTICIPANT_ERASE, c->partner, c->principal,
                                   &rec, NULL);
        return err == LEDGER_OK ? participant_store(b->txn, l, p.id, &rec) : err;
    }
    if ((c->changes & LEDGER_CHANGE_CONTACT) && rec.erased)
        return LEDGER_PARTICIPANT_ERASED;
    if ((c->changes & LEDGER_CHANGE_CONTACT) && !contact_valid(c->p))
        return LEDGER_INVALID_FIELD;
    err = change_apply(c, &rec);
    if (err != LEDGER_OK)
        return err;
    err = participant_leaf(b, p.id, CODEC_PARTICIPANT_UPDATE, c->partner, c->principal, &rec,
                           NULL);
    if (err == LEDGER_OK)
        err = capital_lock_apply(b, p.id, &rec, &s);
    if (err == LEDGER_OK)
        err = participant_store(b->txn, l, p.id, &rec);
    if (err == LEDGER_OK && (c->changes & (LEDGER_CHANGE_CONTACT | LEDGER_CHANGE_LOCATION)) &&
        !rec.erased) {
        /* The look-alike index holds the location: re-seal with it. */
        char name[LEDGER_PERSON_NAME_MAX + 1], phone[LEDGER_PHONE_MAX + 1];
        const char *nm = c->p->name, *ph = c->p->phone;
        if (!(c->changes & LEDGER_CHANGE_CONTACT)) {
            err = pii_get(b->txn, l, p.id, rec.id, name, phone);
            nm = name;
            ph = phone;
        }
        if (err == LEDGER_OK)
            err = pii_put(b->txn, l, p.id, rec.id, nm, ph, rec.birth_year, rec.admin1,
                          rec.admin2);
        if (err == LEDGER_OK)
            err = pii_sync(l);
        sodium_memzero(name, sizeof name);
    }
    return err;
}

static int change_run(ledger *l, change_ctx *c)
{
    if (l == NULL || c->programme == NULL || c->p == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    if (!ledger_who_valid(c->partner, c->principal))
        return LEDGER_INVALID_FIELD;
    pthread_mutex_lock(&l->write_mutex);
    int err = batch_run(l, change_fn, c, NULL);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}

int ledger_participant_update(ledger *l, const char *programme, const char *partner,
                              const char *principal, const ledger_participant *p,
                              unsigned changes)
{
    if (changes == 0 || (changes & ~LEDGER_CHANGE_ALL) != 0)
        return LEDGER_INVALID_ARGUMENT;
    change_ctx c = {programme, partner, principal, p, changes, false};
    return change_run(l, &c);
}

int ledger_participant_erase(ledger *l, const char *programme, const char *partner,
                             const char *principal, const char *id)
{
    ledger_participant who;
    if (id == NULL)
        return LEDGER_INVALID_ARGUMENT;
    memset(&who, 0, sizeof who);
    snprintf(who.id, sizeof who.id, "%s", id);
    change_ctx c = {programme, partner, principal, &who, 0, true};
    return change_run(l, &c);
}

/* ---- reading ---- */

int ledger_participant_get(ledger *l, const char *programme, const char *id, bool personal,
                           ledger_participant *out)
{
    MDB_txn *txn;
    programme_rec p;
    ledger_participant rec;
    if (l == NULL || programme == NULL || id == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    if (err == LEDGER_OK)
        err = participant_load(txn, l, p.id, id, &rec);
    if (err == LEDGER_OK && personal && !rec.erased) {
        err = pii_get(txn, l, p.id, id, rec.name, rec.phone);
        if (err == LEDGER_NOT_FOUND)
            err = LEDGER_OK;
    }
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *out = rec;
    return err;
}

int ledger_participants_list(ledger *l, const char *programme, const char *after_id,
                             ledger_participant *out, size_t max, size_t *count_out)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    programme_rec p;
    size_t count = 0;
    if (l == NULL || programme == NULL || (out == NULL && max > 0) || count_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    const char *after = after_id ? after_id : "";
    if (strlen(after) > LEDGER_PARTICIPANT_ID_MAX)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    err = programme_by_name(txn, l, programme, &p);
    int rc = err == LEDGER_OK ? mdb_cursor_open(txn, l->dbi_domain, &cur) : MDB_SUCCESS;
    if (err == LEDGER_OK && rc == MDB_SUCCESS) {
        uint8_t prefix[DOMAIN_KEY_MAX], key[DOMAIN_KEY_MAX];
        size_t n = domain_key(prefix, p.id, 'P', NULL, 0);
        MDB_val k = {domain_key(key, p.id, 'P', after, strlen(after)), key}, v;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS && count < max;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            if (k.mv_size < n || memcmp(k.mv_data, prefix, n) != 0)
                break;
            if (v.mv_size != sizeof *out) {
                err = LEDGER_CORRUPT;
                break;
            }
            memcpy(&out[count], v.mv_data, sizeof *out);
            if (strcmp(out[count].id, after) != 0)
                count++;
        }
        mdb_cursor_close(cur);
    }
    if (err == LEDGER_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        err = ledger_map_err(rc);
    ledger_read_end(l, txn);
    if (err == LEDGER_OK)
        *count_out = count;
    return err;
}
