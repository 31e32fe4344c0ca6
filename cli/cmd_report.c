/*
 * cmd_report.c — `cauris report`: the donor indicators of a programme over
 * a period, overall and disaggregated by the reporting tags every entry
 * carries (sex, age band, disability, admin-1/admin-2, category, phase,
 * cohort, CSO partner, budget line), as text, CSV (tidy, long) or JSON, and
 * bar charts (chart.c).
 *
 * It only reads: one pass over the journal's entries up to the tree size
 * of the latest checkpoint, the participants' records and the savings
 * groups. The rules of what counts are written once, in the README's
 * "Donor reports" and in report_usage below:
 *   - people are counted once: each person falls in exactly one bucket of
 *     each dimension, the one of the tags of their latest entry in the
 *     period (latest value date, then latest seq; an entry that reached
 *     them wins over a reversal or a request awaiting approval), so the
 *     buckets of a dimension add up to the total;
 *   - amounts and transactions are counted per entry, in the bucket of that
 *     entry's own tags (what was true when the money moved);
 *   - an entry counts when its value date is in the period and it moved
 *     posted balances: kind posted, or the approval (post) of a request;
 *     requests awaiting approval and cancelled ones (void) move nothing;
 *   - a reversal (or the approval of a reversal request) counts against
 *     its operation at its own value date, so a closed period's figures
 *     never change;
 *   - a person is in an indicator when an entry of it in the period
 *     reached them and was not reversed since.
 * Must never: write to the ledger, or round an amount (integers only;
 * chart.c gets the texts it writes).
 */
#include "cli/chart.h"
#include "cli/cli.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPORT_CMD "report"
#define REPORT_KEY_MAX 64             /* bytes of a bucket value or participant id */
#define REPORT_BUCKETS_MAX 4096       /* distinct values of one dimension */
#define REPORT_PEOPLE_MAX 10000000u   /* participants in one report */
#define REPORT_RECORDS_MAX (8u << 20) /* entries about participants in the period */
#define REPORT_PENDING_MAX (4u << 20) /* requests (pending entries) of the programme */
#define REPORT_GROUPS_MAX 10000       /* savings groups of the programme */
#define REPORT_PAGE 256               /* records read per list call */
#define REPORT_RANK_UNKNOWN 1000      /* "unknown" and "none" sort last */
#define REPORT_PATH_MAX 4096          /* bytes of a chart's path */

_Static_assert(REPORT_KEY_MAX >= LEDGER_REGION_MAX, "a region name fits a bucket value");
_Static_assert(REPORT_KEY_MAX >= LEDGER_PARTICIPANT_ID_MAX, "an id fits a key");
_Static_assert(REPORT_BUCKETS_MAX <= UINT16_MAX, "bucket indexes are uint16_t");

static const char report_usage[] =
    "usage: cauris report DIR --from YYYY-MM-DD --to YYYY-MM-DD [options]\n"
    "\n"
    "The donor indicators of a programme over a period (value dates from..to,\n"
    "inclusive), overall and by each dimension asked for:\n"
    "  participants_reached      people with at least one entry in the period that\n"
    "                            moved money (posted, or an approved request) and was\n"
    "                            not reversed since\n"
    "  participants_enrolled     everyone enrolled, as their record is now (age band at\n"
    "                            --to)\n"
    "  wages_paid                gross wages (posted and approved) less wage reversals\n"
    "                            dated in the period; transactions: wage entries\n"
    "  wages_reversed            the wage reversals dated in the period\n"
    "  capital_accumulated       the wages' credits to participant capital, less\n"
    "                            reversals\n"
    "  capital_released          approved capital releases, less reversals\n"
    "  grants_committed          approved grant commits, less reversals\n"
    "  grants_awaiting_approval  grant commits dated in the period still awaiting a\n"
    "                            second person\n"
    "  grants_disbursed          grant tranches paid, less reversals\n"
    "  payouts                   money paid out to participants, less reversals\n"
    "  group_*                   each savings group now: members, savings, social fund,\n"
    "                            loans outstanding, last share-out\n"
    "People are counted once: each person is in one bucket of each dimension, that\n"
    "of their latest entry in the period, so the buckets add up to the total.\n"
    "Amounts and transactions go to the bucket of each entry's own tags.\n"
    "\n"
    "options:\n"
    "  --from YYYY-MM-DD, --to YYYY-MM-DD   the period (required)\n"
    "  --by DIM          a dimension, repeatable or comma-separated: sex, age_band,\n"
    "                    disability, admin1, admin2, category, phase, cohort, partner\n"
    "                    (the participant's CSO), budget_line (default: all but admin2\n"
    "                    and budget_line)\n"
    "  --format F        text (default), csv (indicator,dimension,value,people,\n"
    "                    transactions,amount,currency) or json\n"
    "  --output FILE     write the report to FILE instead of standard output\n"
    "  --chart DIR       also draw bar charts into DIR (created if missing)\n"
    "  --chart-format F  png (default) or svg\n"
    "  --programme NAME  the programme (default: the ledger's only one)\n"
    "\n"
    "Amounts are in the currency's units (1234.50 USD, 75000 GNF). The report reads\n"
    "the entries up to the latest checkpoint's tree size, which it prints.\n";

/* ---- dimensions ---- */

typedef enum dim {
    DIM_SEX,
    DIM_AGE_BAND,
    DIM_DISABILITY,
    DIM_ADMIN1,
    DIM_ADMIN2,
    DIM_CATEGORY,
    DIM_PHASE,
    DIM_COHORT,
    DIM_PARTNER,
    DIM_BUDGET_LINE,
    DIMS_COUNT
} dim;

typedef struct dim_def {
    const char *name;
    const char *title; /* "age band" */
    int enum_max;      /* values 1..enum_max are known names; 0 for free text */
    bool by_default;
} dim_def;

static const dim_def dims[DIMS_COUNT] = {
    [DIM_SEX] = {"sex", "sex", LEDGER_SEX_MALE, true},
    [DIM_AGE_BAND] = {"age_band", "age band", LEDGER_AGE_50_PLUS, true},
    [DIM_DISABILITY] = {"disability", "disability", LEDGER_DISABILITY_YES, true},
    [DIM_ADMIN1] = {"admin1", "region (admin-1)", 0, true},
    [DIM_ADMIN2] = {"admin2", "admin-2", 0, false},
    [DIM_CATEGORY] = {"category", "category", LEDGER_CATEGORY_MAX, true},
    [DIM_PHASE] = {"phase", "phase", LEDGER_PHASE_MAX, true},
    [DIM_COHORT] = {"cohort", "cohort", 0, true},
    [DIM_PARTNER] = {"partner", "partner (CSO)", 0, true},
    [DIM_BUDGET_LINE] = {"budget_line", "budget line", 0, false},
};

/* The name of value v of an enumerated dimension; NULL when it has none. */
static const char *dim_enum_name(dim d, int v, char buf[8])
{
    switch (d) {
    case DIM_SEX:
        return ledger_sex_name((ledger_sex)v);
    case DIM_AGE_BAND:
        return ledger_age_band_name((ledger_age_band)v);
    case DIM_DISABILITY:
        return ledger_disability_name((ledger_disability)v);
    case DIM_CATEGORY:
        return ledger_category_name((ledger_category)v);
    case DIM_PHASE:
        if (v == 0)
            return "unknown";
        snprintf(buf, 8, "%d", v);
        return buf;
    default:
        return NULL;
    }
}

/* An entry's (or a participant's) value of dimension d, and where it sorts:
 * known values of an enumeration in their order, free text by name, and
 * "unknown" (or "none", a budget line not given) last. */
static void dim_value(const ledger_tags *t, dim d, char out[REPORT_KEY_MAX + 1], int *rank)
{
    static const int enums[DIMS_COUNT] = {[DIM_SEX] = 1,
                                          [DIM_AGE_BAND] = 2,
                                          [DIM_DISABILITY] = 3,
                                          [DIM_CATEGORY] = 4,
                                          [DIM_PHASE] = 5};
    char buf[8];
    if (enums[d] != 0) {
        int v = d == DIM_SEX          ? (int)t->sex
                : d == DIM_AGE_BAND   ? (int)t->age_band
                : d == DIM_DISABILITY ? (int)t->disability
                : d == DIM_CATEGORY   ? (int)t->category
                                      : (int)t->phase;
        const char *name = dim_enum_name(d, v, buf);
        snprintf(out, REPORT_KEY_MAX + 1, "%s", name != NULL && v != 0 ? name : "unknown");
        *rank = name != NULL && v != 0 ? v : REPORT_RANK_UNKNOWN;
        return;
    }
    const char *s = d == DIM_ADMIN1    ? t->admin1
                    : d == DIM_ADMIN2  ? t->admin2
                    : d == DIM_COHORT  ? t->cohort
                    : d == DIM_PARTNER ? t->cso
                                       : t->budget_line;
    snprintf(out, REPORT_KEY_MAX + 1, "%s",
             s[0] != '\0'           ? s
             : d == DIM_BUDGET_LINE ? "none"
                                    : "unknown");
    *rank = s[0] != '\0' ? 0 : REPORT_RANK_UNKNOWN;
}

/* ---- a table of interned strings (open addressing) ---- */

typedef struct strkey {
    char key[REPORT_KEY_MAX + 1];
    int rank;
} strkey;

typedef struct strtab {
    strkey *keys;
    size_t count, cap, max;
    uint32_t *slots; /* index + 1; 0 = empty */
    size_t slots_cap;
} strtab;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t cap = t->slots_cap ? t->slots_cap * 2 : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < t->count; i++) {
        size_t s = (size_t)str_hash(t->keys[i].key) & (cap - 1);
        while (slots[s] != 0)
            s = (s + 1) & (cap - 1);
        slots[s] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->slots_cap = cap;
    return 0;
}

/* The index of `key`, added (with `rank`) when new. 0; -1 out of memory;
 * -2 when t->max keys are there already. */
static int strtab_intern(strtab *t, const char *key, int rank, uint32_t *index_out)
{
    if ((t->count + 1) * 2 > t->slots_cap && strtab_grow(t) != 0)
        return -1;
    size_t s = (size_t)str_hash(key) & (t->slots_cap - 1);
    for (; t->slots[s] != 0; s = (s + 1) & (t->slots_cap - 1)) {
        if (strcmp(t->keys[t->slots[s] - 1].key, key) == 0) {
            *index_out = t->slots[s] - 1;
            return 0;
        }
    }
    if (t->count == t->max)
        return -2;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        strkey *keys = realloc(t->keys, cap * sizeof *keys);
        if (keys == NULL)
            return -1;
        t->keys = keys;
        t->cap = cap;
    }
    snprintf(t->keys[t->count].key, sizeof t->keys[t->count].key, "%s", key);
    t->keys[t->count].rank = rank;
    t->slots[s] = (uint32_t)(t->count + 1);
    *index_out = (uint32_t)t->count++;
    return 0;
}

static void strtab_free(strtab *t)
{
    free(t->keys);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- indicators ---- */

typedef enum ind {
    IND_REACHED,
    IND_ENROLLED,
    IND_WAGES,
    IND_WAGES_REVERSED,
    IND_CAPITAL_ACC,
    IND_CAPITAL_REL,
    IND_GRANTS_COMMITTED,
    IND_GRANTS_AWAITING,
    IND_GRANTS_DISBURSED,
    IND_PAYOUTS,
    INDS_COUNT
} ind;

typedef struct ind_def {
    const char *id;
    const char *title;
    bool money; /* has transactions and an amount; else people only */
} ind_def;

static const ind_def inds[INDS_COUNT] = {
    [IND_REACHED] = {"participants_reached", "participants reached", false},
    [IND_ENROLLED] = {"participants_enrolled", "participants enrolled (now)", false},
    [IND_WAGES] = {"wages_paid", "wages paid (gross, less reversals)", true},
    [IND_WAGES_REVERSED] = {"wages_reversed", "wages reversed", true},
    [IND_CAPITAL_ACC] = {"capital_accumulated", "capital accumulated", true},
    [IND_CAPITAL_REL] = {"capital_released", "capital released", true},
    [IND_GRANTS_COMMITTED] = {"grants_committed", "grants committed (approved)", true},
    [IND_GRANTS_AWAITING] = {"grants_awaiting_approval", "grants awaiting approval", true},
    [IND_GRANTS_DISBURSED] = {"grants_disbursed", "grants disbursed", true},
    [IND_PAYOUTS] = {"payouts", "payouts to participants", true},
};

/* The indicator an operation's money counts in; INDS_COUNT for none. */
static ind ind_of_op(ledger_op op)
{
    switch (op) {
    case LEDGER_OP_WAGE:
        return IND_WAGES;
    case LEDGER_OP_CAPITAL_RELEASE:
        return IND_CAPITAL_REL;
    case LEDGER_OP_GRANT_COMMIT:
        return IND_GRANTS_COMMITTED;
    case LEDGER_OP_GRANT_DISBURSE:
        return IND_GRANTS_DISBURSED;
    case LEDGER_OP_PAYOUT:
        return IND_PAYOUTS;
    default:
        return INDS_COUNT;
    }
}

typedef struct cell {
    uint64_t people, transactions;
    int64_t amount;
} cell;

/* ---- what the journal holds ---- */

typedef enum rec_role {
    ROLE_COUNTED = 1,  /* posted, or the approval of a request */
    ROLE_REVERSAL = 2, /* a reversal, or the approval of a reversal request */
    ROLE_AWAITING = 3, /* a request (pending entry): counted while unresolved */
} rec_role;

/* One entry about a participant with its value date in the period. */
typedef struct rec {
    uint64_t seq;
    int64_t amount;  /* the entry's total: its debits (= its credits) */
    int64_t capital; /* wages: the leg on participant:<id>:capital */
    uint32_t value_date;
    uint32_t person;
    uint16_t bucket[DIMS_COUNT];
    uint8_t op, role;
} rec;

/* A request (pending entry) of the programme, any date. */
typedef struct pend {
    uint64_t seq;
    uint64_t ref; /* a reversal request: the entry to reverse; else LEDGER_SEQ_NONE */
    int64_t amount;
    uint32_t value_date;
    uint8_t op;
    bool resolved; /* approved or cancelled */
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
} pend;

typedef struct group_row {
    ledger_group_info info;
    uint32_t borrowers; /* members with a loan outstanding */
} group_row;

typedef struct report {
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    uint32_t from, to;
    uint64_t tree_size;
    bool by[DIMS_COUNT];

    strtab people;              /* participant ids -> person index */
    strtab buckets[DIMS_COUNT]; /* values of each dimension */
    rec *recs;
    size_t recs_count, recs_cap;
    pend *pends;
    size_t pends_count, pends_cap;
    uint64_t *reversed; /* seqs reversed (sorted after the scan) */
    size_t reversed_count, reversed_cap;
    uint16_t (*enrolled)[DIMS_COUNT]; /* each enrolled participant's buckets */
    size_t enrolled_count, enrolled_cap;
    group_row *groups;
    size_t groups_count, groups_cap;

    cell total[INDS_COUNT];
    cell *cells[INDS_COUNT][DIMS_COUNT]; /* [bucket] */
} report;

/* Grows *arr (of elem bytes each) to hold one more; -1 past max or out of
 * memory. */
static int grow(void **arr, size_t *cap, size_t count, size_t elem, size_t max)
{
    if (count < *cap)
        return 0;
    if (count >= max)
        return -1;
    size_t n = *cap ? *cap * 2 : 64;
    n = n > max ? max : n;
    void *p = realloc(*arr, n * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

static int add_checked(int64_t *acc, int64_t v)
{
    if ((v > 0 && *acc > INT64_MAX - v) || (v < 0 && *acc < INT64_MIN - v))
        return -1;
    *acc += v;
    return 0;
}

static void report_free(report *r)
{
    strtab_free(&r->people);
    for (int d = 0; d < DIMS_COUNT; d++)
        strtab_free(&r->buckets[d]);
    for (int i = 0; i < INDS_COUNT; i++)
        for (int d = 0; d < DIMS_COUNT; d++)
            free(r->cells[i][d]);
    free(r->recs);
    free(r->pends);
    free(r->reversed);
    free(r->enrolled);
    free(r->groups);
}

/* The known values of the enumerated dimensions, so a donor sees "0
 * refugees" rather than no line. */
static int buckets_seed(report *r)
{
    char buf[8];
    uint32_t idx;
    for (int d = 0; d < DIMS_COUNT; d++) {
        r->buckets[d].max = REPORT_BUCKETS_MAX;
        for (int v = 1; v <= dims[d].enum_max; v++) {
            const char *name = dim_enum_name((dim)d, v, buf);
            if (name != NULL && strtab_intern(&r->buckets[d], name, v, &idx) != 0)
                return -1;
        }
    }
    return 0;
}

/* The bucket of each dimension for tags t; prints why and returns
 * CLI_EXIT_FAIL when a dimension has too many values. */
static int buckets_of(report *r, const ledger_tags *t, uint16_t out[DIMS_COUNT])
{
    char value[REPORT_KEY_MAX + 1];
    for (int d = 0; d < DIMS_COUNT; d++) {
        int rank;
        uint32_t idx;
        dim_value(t, (dim)d, value, &rank);
        int rc = strtab_intern(&r->buckets[d], value, rank, &idx);
        if (rc == -2)
            return cli_fail(REPORT_CMD,
                            "more than %d different values of %s: too many to "
                            "report on",
                            REPORT_BUCKETS_MAX, dims[d].name);
        if (rc != 0)
            return cli_fail(REPORT_CMD, "out of memory");
        out[d] = (uint16_t)idx;
    }
    return CLI_EXIT_OK;
}

/* ---- reading the journal ---- */

static int64_t entry_total(const ledger_entry *e)
{
    int64_t total = 0;
    for (uint32_t i = 0; i < e->legs_count; i++)
        if (e->legs[i].side == LEDGER_DEBIT && add_checked(&total, e->legs[i].amount) != 0)
            return INT64_MAX; /* the ledger keeps totals in range; never reached */
    return total;
}

/* The leg on participant:<id>:capital (a wage's share kept as capital). */
static int64_t entry_capital(const ledger_entry *e)
{
    static const char suffix[] = ":capital";
    for (uint32_t i = 0; i < e->legs_count; i++) {
        const char *code = e->legs[i].account;
        size_t n = strlen(code);
        if (strncmp(code, "participant:", 12) == 0 && n > sizeof suffix &&
            strcmp(code + n - (sizeof suffix - 1), suffix) == 0)
            return e->legs[i].amount;
    }
    return 0;
}

static pend *pend_find(const report *r, uint64_t seq)
{
    size_t lo = 0, hi = r->pends_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->pends[mid].seq == seq)
            return &r->pends[mid];
        if (r->pends[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int reversed_add(report *r, uint64_t seq)
{
    if (grow((void **)&r->reversed, &r->reversed_cap, r->reversed_count, sizeof *r->reversed,
             SIZE_MAX / sizeof *r->reversed) != 0)
        return cli_fail(REPORT_CMD, "out of memory");
    r->reversed[r->reversed_count++] = seq;
    return CLI_EXIT_OK;
}

/* What an entry is to the report (0: nothing); records requests and
 * reversals on the way. Refs point back, so a request is known before
 * its decision. */
static int entry_role(report *r, const ledger_entry *e, int *role_out)
{
    pend *p;
    *role_out = 0;
    switch (e->kind) {
    case LEDGER_KIND_POSTED:
        *role_out = ROLE_COUNTED;
        return CLI_EXIT_OK;
    case LEDGER_KIND_PENDING:
        if (grow((void **)&r->pends, &r->pends_cap, r->pends_count, sizeof *r->pends,
                 REPORT_PENDING_MAX) != 0)
            return cli_fail(REPORT_CMD,
                            "more than %u requests awaiting approval, or out of "
                            "memory",
                            REPORT_PENDING_MAX);
        p = &r->pends[r->pends_count++];
        memset(p, 0, sizeof *p);
        p->seq = e->seq;
        p->ref = e->ref;
        p->amount = entry_total(e);
        p->value_date = e->value_date;
        p->op = (uint8_t)e->op;
        snprintf(p->participant, sizeof p->participant, "%s", e->tags.participant);
        *role_out = e->ref == LEDGER_SEQ_NONE ? ROLE_AWAITING : 0;
        return CLI_EXIT_OK;
    case LEDGER_KIND_POST:
    case LEDGER_KIND_VOID:
        p = pend_find(r, e->ref);
        if (p == NULL)
            return cli_fail(REPORT_CMD,
                            "seq %llu decides seq %llu, which is not a request of "
                            "programme %s: run cauris verify",
                            (unsigned long long)e->seq, (unsigned long long)e->ref,
                            r->programme);
        p->resolved = true;
        if (e->kind == LEDGER_KIND_VOID)
            return CLI_EXIT_OK;
        *role_out = p->ref == LEDGER_SEQ_NONE ? ROLE_COUNTED : ROLE_REVERSAL;
        return p->ref == LEDGER_SEQ_NONE ? CLI_EXIT_OK : reversed_add(r, p->ref);
    case LEDGER_KIND_REVERSAL:
        *role_out = ROLE_REVERSAL;
        return reversed_add(r, e->ref);
    }
    return CLI_EXIT_OK;
}

static int rec_add(report *r, const ledger_entry *e, int role)
{
    uint32_t person;
    int rc = strtab_intern(&r->people, e->tags.participant, 0, &person);
    if (rc == -2)
        return cli_fail(REPORT_CMD, "more than %u participants: too many to report on",
                        REPORT_PEOPLE_MAX);
    if (rc != 0 || grow((void **)&r->recs, &r->recs_cap, r->recs_count, sizeof *r->recs,
                        REPORT_RECORDS_MAX) != 0)
        return cli_fail(REPORT_CMD,
                        "more than %u entries about participants in the period, "
                        "or out of memory: report on a shorter period",
                        REPORT_RECORDS_MAX);
    rec *x = &r->recs[r->recs_count];
    memset(x, 0, sizeof *x);
    rc = buckets_of(r, &e->tags, x->bucket);
    if (rc != CLI_EXIT_OK)
        return rc;
    x->seq = e->seq;
    x->amount = entry_total(e);
    x->capital = e->op == LEDGER_OP_WAGE ? entry_capital(e) : 0;
    x->value_date = e->value_date;
    x->person = person;
    x->op = (uint8_t)e->op;
    x->role = (uint8_t)role;
    r->recs_count++;
    return CLI_EXIT_OK;
}

static int journal_scan(ledger *l, report *r)
{
    char note[LEDGER_CHECKPOINT_MAX];
    size_t note_len;
    int err = ledger_checkpoint_latest(l, note, sizeof note, &note_len, &r->tree_size);
    if (err != LEDGER_OK)
        return cli_fail_ledger(REPORT_CMD, "reading the latest checkpoint", err);
    ledger_entry *e = malloc(sizeof *e);
    if (e == NULL)
        return cli_fail(REPORT_CMD, "out of memory");
    int rc = CLI_EXIT_OK;
    for (uint64_t seq = 0; seq < r->tree_size && rc == CLI_EXIT_OK; seq++) {
        err = ledger_entry_get(l, seq, e);
        if (err == LEDGER_NOT_FOUND)
            continue; /* another kind of leaf */
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(REPORT_CMD, "reading the journal", err);
            break;
        }
        if (strcmp(e->programme, r->programme) != 0)
            continue;
        int role;
        rc = entry_role(r, e, &role);
        if (rc == CLI_EXIT_OK && role != 0 && e->tags.participant[0] != '\0' &&
            e->value_date >= r->from && e->value_date <= r->to)
            rc = rec_add(r, e, role);
    }
    free(e);
    return rc;
}

/* ---- participants and groups ---- */

/* A participant's record as the tags an entry dated `date` would carry. */
static void tags_of_participant(ledger_tags *t, const ledger_participant *p, uint32_t date)
{
    memset(t, 0, sizeof *t);
    snprintf(t->participant, sizeof t->participant, "%s", p->id);
    t->sex = p->sex;
    t->age_band = ledger_age_band_at(p->birth_year, date);
    t->disability = ledger_wg_ss_disability(p->wg_ss);
    snprintf(t->admin1, sizeof t->admin1, "%s", p->admin1);
    snprintf(t->admin2, sizeof t->admin2, "%s", p->admin2);
    t->category = p->category;
    snprintf(t->cohort, sizeof t->cohort, "%s", p->cohort);
    t->phase = p->phase;
    snprintf(t->cso, sizeof t->cso, "%s", p->cso);
}

static int participants_read(ledger *l, report *r)
{
    char after[LEDGER_PARTICIPANT_ID_MAX + 1] = "";
    ledger_participant *page = calloc(REPORT_PAGE, sizeof *page);
    if (page == NULL)
        return cli_fail(REPORT_CMD, "out of memory");
    int rc = CLI_EXIT_OK;
    for (;;) {
        size_t n = 0;
        int err = ledger_participants_list(l, r->programme, after, page, REPORT_PAGE, &n);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(REPORT_CMD, "listing the participants", err);
            break;
        }
        for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
            ledger_tags t;
            if (grow((void **)&r->enrolled, &r->enrolled_cap, r->enrolled_count,
                     sizeof *r->enrolled, REPORT_PEOPLE_MAX) != 0) {
                rc = cli_fail(REPORT_CMD, "more than %u participants, or out of memory",
                              REPORT_PEOPLE_MAX);
                break;
            }
            tags_of_participant(&t, &page[i], r->to);
            rc = buckets_of(r, &t, r->enrolled[r->enrolled_count]);
            r->enrolled_count += rc == CLI_EXIT_OK;
        }
        if (rc != CLI_EXIT_OK || n < REPORT_PAGE)
            break;
        snprintf(after, sizeof after, "%s", page[n - 1].id);
    }
    free(page);
    return rc;
}

static int group_add(ledger *l, report *r, const char *id)
{
    for (size_t i = 0; i < r->groups_count; i++)
        if (strcmp(r->groups[i].info.id, id) == 0)
            return CLI_EXIT_OK;
    if (grow((void **)&r->groups, &r->groups_cap, r->groups_count, sizeof *r->groups,
             REPORT_GROUPS_MAX) != 0)
        return cli_fail(REPORT_CMD, "more than %d savings groups, or out of memory",
                        REPORT_GROUPS_MAX);
    group_row *g = &r->groups[r->groups_count];
    memset(g, 0, sizeof *g);
    int err = ledger_group_get(l, r->programme, id, &g->info);
    if (err == LEDGER_UNKNOWN_GROUP)
        return CLI_EXIT_OK; /* accounts opened by hand under group:, no group record */
    if (err != LEDGER_OK)
        return cli_fail_ledger(REPORT_CMD, id, err);
    ledger_group_member members[LEDGER_GROUP_MEMBERS_MAX];
    size_t n = 0;
    err = ledger_group_members(l, r->programme, id, members, LEDGER_GROUP_MEMBERS_MAX, &n);
    if (err != LEDGER_OK)
        return cli_fail_ledger(REPORT_CMD, id, err);
    for (size_t i = 0; i < n; i++)
        g->borrowers += members[i].loan > 0;
    r->groups_count++;
    return CLI_EXIT_OK;
}

static int group_cmp(const void *a, const void *b)
{
    return strcmp(((const group_row *)a)->info.id, ((const group_row *)b)->info.id);
}

/* The groups: every id under group:<g>: among the programme's accounts. */
static int groups_read(ledger *l, report *r)
{
    char after[LEDGER_CODE_MAX + 1] = "";
    ledger_account_info *page = calloc(REPORT_PAGE, sizeof *page);
    if (page == NULL)
        return cli_fail(REPORT_CMD, "out of memory");
    int rc = CLI_EXIT_OK;
    for (;;) {
        size_t n = 0;
        int err = ledger_accounts_list(l, r->programme, "group:", after, page, REPORT_PAGE, &n);
        if (err != LEDGER_OK) {
            rc = cli_fail_ledger(REPORT_CMD, "listing the savings groups' accounts", err);
            break;
        }
        for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
            char id[LEDGER_GROUP_ID_MAX + 1];
            const char *start = page[i].code + 6, *end = strchr(start, ':');
            size_t len = end ? (size_t)(end - start) : strlen(start);
            if (len == 0 || len > LEDGER_GROUP_ID_MAX)
                continue;
            memcpy(id, start, len);
            id[len] = '\0';
            rc = group_add(l, r, id);
        }
        if (rc != CLI_EXIT_OK || n < REPORT_PAGE)
            break;
        snprintf(after, sizeof after, "%s", page[n - 1].code);
    }
    free(page);
    if (rc == CLI_EXIT_OK && r->groups_count > 1)
        qsort(r->groups, r->groups_count, sizeof *r->groups, group_cmp);
    return rc;
}

/* ---- counting ---- */

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool is_reversed(const report *r, uint64_t seq)
{
    return r->reversed_count > 0 &&
           bsearch(&seq, r->reversed, r->reversed_count, sizeof *r->reversed, u64_cmp) != NULL;
}

/* Adds an entry's money to indicator i: the total and its own buckets. */
static int money_add(report *r, ind i, const rec *x, int64_t amount, uint64_t transactions)
{
    if (add_checked(&r->total[i].amount, amount) != 0)
        return cli_fail(REPORT_CMD, "%s: the total is beyond the largest amount", inds[i].id);
    r->total[i].transactions += transactions;
    for (int d = 0; d < DIMS_COUNT; d++) {
        cell *c = &r->cells[i][d][x->bucket[d]];
        if (add_checked(&c->amount, amount) != 0)
            return cli_fail(REPORT_CMD, "%s: a total is beyond the largest amount", inds[i].id);
        c->transactions += transactions;
    }
    return CLI_EXIT_OK;
}

/* Whether entry x is one of its person's entries in the period: a request
 * counts only while it awaits a decision. */
static bool rec_open(const report *r, const rec *x)
{
    if (x->role != ROLE_AWAITING)
        return true;
    const pend *p = pend_find(r, x->seq);
    return p != NULL && !p->resolved;
}

/* What one entry adds; sets the indicators it puts its person in. */
static int rec_count(report *r, const rec *x, uint32_t *person_inds)
{
    ind i = ind_of_op((ledger_op)x->op);
    int rc = CLI_EXIT_OK;
    if (x->role == ROLE_COUNTED) {
        /* People: only for what was not undone since; money: every entry,
         * its reversal counting against it. */
        uint32_t bits = is_reversed(r, x->seq) ? 0 : ~0u;
        *person_inds |= bits & (1u << IND_REACHED);
        if (i != INDS_COUNT) {
            rc = money_add(r, i, x, x->amount, 1);
            *person_inds |= bits & (1u << i);
        }
        if (rc == CLI_EXIT_OK && x->op == LEDGER_OP_WAGE && x->capital > 0) {
            rc = money_add(r, IND_CAPITAL_ACC, x, x->capital, 1);
            *person_inds |= bits & (1u << IND_CAPITAL_ACC);
        }
    } else if (x->role == ROLE_REVERSAL && i != INDS_COUNT) {
        rc = money_add(r, i, x, -x->amount, 0);
        if (rc == CLI_EXIT_OK && x->op == LEDGER_OP_WAGE) {
            rc = money_add(r, IND_WAGES_REVERSED, x, x->amount, 1);
            *person_inds |= 1u << IND_WAGES_REVERSED;
            if (rc == CLI_EXIT_OK && x->capital > 0)
                rc = money_add(r, IND_CAPITAL_ACC, x, -x->capital, 0);
        }
    } else if (x->role == ROLE_AWAITING && x->op == LEDGER_OP_GRANT_COMMIT && rec_open(r, x)) {
        rc = money_add(r, IND_GRANTS_AWAITING, x, x->amount, 1);
        *person_inds |= 1u << IND_GRANTS_AWAITING;
    }
    return rc;
}

/* Whether entry x says more about where its person stands than entry y:
 * one that reached them first, then the later value date, then seq. */
static bool rec_later(const report *r, const rec *x, const rec *y)
{
    bool rx = x->role == ROLE_COUNTED && !is_reversed(r, x->seq);
    bool ry = y->role == ROLE_COUNTED && !is_reversed(r, y->seq);
    if (rx != ry)
        return rx;
    if (x->value_date != y->value_date)
        return x->value_date > y->value_date;
    return x->seq > y->seq;
}

static int cells_alloc(report *r)
{
    for (int i = 0; i < INDS_COUNT; i++)
        for (int d = 0; d < DIMS_COUNT; d++) {
            r->cells[i][d] = calloc(r->buckets[d].count + 1, sizeof(cell));
            if (r->cells[i][d] == NULL)
                return cli_fail(REPORT_CMD, "out of memory");
        }
    return CLI_EXIT_OK;
}

/* People: once per indicator, in the buckets of their latest entry. */
static void people_count(report *r, const uint32_t *latest, const uint32_t *person_inds)
{
    for (size_t p = 0; p < r->people.count; p++) {
        if (person_inds[p] == 0)
            continue;
        const rec *x = &r->recs[latest[p]];
        for (int i = 0; i < INDS_COUNT; i++) {
            if ((person_inds[p] & (1u << i)) == 0)
                continue;
            r->total[i].people++;
            for (int d = 0; d < DIMS_COUNT; d++)
                r->cells[i][d][x->bucket[d]].people++;
        }
    }
    for (size_t p = 0; p < r->enrolled_count; p++) {
        r->total[IND_ENROLLED].people++;
        for (int d = 0; d < DIMS_COUNT; d++)
            r->cells[IND_ENROLLED][d][r->enrolled[p][d]].people++;
    }
}

static int report_count(report *r)
{
    int rc = cells_alloc(r);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (r->reversed_count > 1)
        qsort(r->reversed, r->reversed_count, sizeof *r->reversed, u64_cmp);
    uint32_t *latest = calloc(r->people.count + 1, sizeof *latest);
    uint32_t *person_inds = calloc(r->people.count + 1, sizeof *person_inds);
    bool *seen = calloc(r->people.count + 1, sizeof *seen);
    if (latest == NULL || person_inds == NULL || seen == NULL)
        rc = cli_fail(REPORT_CMD, "out of memory");
    for (size_t k = 0; rc == CLI_EXIT_OK && k < r->recs_count; k++) {
        const rec *x = &r->recs[k];
        rc = rec_count(r, x, &person_inds[x->person]);
        if (!rec_open(r, x))
            continue; /* a request decided since: its decision is the entry */
        if (!seen[x->person] || rec_later(r, x, &r->recs[latest[x->person]])) {
            latest[x->person] = (uint32_t)k;
            seen[x->person] = true;
        }
    }
    if (rc == CLI_EXIT_OK)
        people_count(r, latest, person_inds);
    free(latest);
    free(person_inds);
    free(seen);
    return rc;
}

/* ---- writing ---- */

/* The buckets of dimension d in reading order: rank, then name. */
static size_t buckets_order(const report *r, dim d, uint32_t *order)
{
    const strtab *t = &r->buckets[d];
    for (size_t i = 0; i < t->count; i++) {
        size_t j = i;
        for (; j > 0; j--) {
            const strkey *a = &t->keys[order[j - 1]], *b = &t->keys[i];
            if (a->rank < b->rank || (a->rank == b->rank && strcmp(a->key, b->key) <= 0))
                break;
            order[j] = order[j - 1];
        }
        order[j] = (uint32_t)i;
    }
    return t->count;
}

/* Whether indicator i is disaggregated by d (nobody is enrolled on a
 * budget line: that is a tag of entries). */
static bool ind_has_dim(const report *r, ind i, dim d)
{
    return r->by[d] && !(i == IND_ENROLLED && d == DIM_BUDGET_LINE);
}

static void amount_plain(const report *r, int64_t v, char out[CLI_AMOUNT_TEXT_MAX])
{
    cli_amount_format(out, CLI_AMOUNT_TEXT_MAX, v, r->digits);
}

/* With thousands separators, for people to read. */
static void amount_read(const report *r, int64_t v, char *out, size_t cap)
{
    char plain[CLI_AMOUNT_TEXT_MAX];
    amount_plain(r, v, plain);
    chart_thousands(out, cap, plain);
}

#define TEXT_ROW "  %-34s %8s %13s %22s\n"

static void text_cell(FILE *out, const report *r, ind i, const char *label, const cell *c)
{
    char people[24], tx[24], amount[CLI_AMOUNT_TEXT_MAX + 8] = "";
    snprintf(people, sizeof people, "%llu", (unsigned long long)c->people);
    snprintf(tx, sizeof tx, "%llu", (unsigned long long)c->transactions);
    if (!inds[i].money) {
        fprintf(out, "  %-34s %8s\n", label, people);
        return;
    }
    amount_read(r, c->amount, amount, sizeof amount);
    fprintf(out, TEXT_ROW, label, people, tx, amount);
}

static void text_groups(FILE *out, const report *r)
{
    char a[4][CLI_AMOUNT_TEXT_MAX + 8];
    fprintf(out, "\nsavings groups (now), amounts in %s\n", r->currency);
    if (r->groups_count == 0) {
        fprintf(out, "  none\n");
        return;
    }
    fprintf(out, "  %-16s %7s %18s %16s %18s %18s\n", "group", "members", "savings",
            "social fund", "loans outstanding", "last share-out");
    for (size_t g = 0; g < r->groups_count; g++) {
        const ledger_group_info *gi = &r->groups[g].info;
        amount_read(r, gi->savings, a[0], sizeof a[0]);
        amount_read(r, gi->social, a[1], sizeof a[1]);
        amount_read(r, gi->loans_outstanding, a[2], sizeof a[2]);
        amount_read(r, gi->last_share_out, a[3], sizeof a[3]);
        fprintf(out, "  %-16s %7u %18s %16s %18s %18s\n", gi->id, gi->members, a[0], a[1], a[2],
                a[3]);
    }
}

static void text_awaiting(FILE *out, const report *r)
{
    bool any = false;
    for (size_t k = 0; k < r->pends_count; k++) {
        const pend *p = &r->pends[k];
        if (p->resolved || p->value_date < r->from || p->value_date > r->to)
            continue;
        char date[CLI_DATE_TEXT_MAX], amount[CLI_AMOUNT_TEXT_MAX + 8];
        if (!any)
            fprintf(out, "\nawaiting approval (dated in the period, not yet approved or "
                         "cancelled)\n");
        any = true;
        cli_date_format(date, p->value_date);
        amount_read(r, p->amount, amount, sizeof amount);
        fprintf(out, "  seq %-8llu %-16s %-10s %-12s %18s%s\n", (unsigned long long)p->seq,
                ledger_op_name((ledger_op)p->op), date,
                p->participant[0] ? p->participant : "-", amount,
                p->ref != LEDGER_SEQ_NONE ? "  (a reversal)" : "");
    }
}

static void text_write(FILE *out, const report *r, const uint32_t *const order[DIMS_COUNT],
                       const size_t counts[DIMS_COUNT])
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX];
    cli_date_format(from, r->from);
    cli_date_format(to, r->to);
    fprintf(out, "donor report: programme %s, %s to %s, amounts in %s\n", r->programme, from,
            to, r->currency);
    fprintf(out,
            "journal up to tree size %llu; people counted once, in the bucket of their "
            "latest entry\n\n",
            (unsigned long long)r->tree_size);
    fprintf(out, TEXT_ROW, "indicator", "people", "transactions", "amount");
    for (int i = 0; i < INDS_COUNT; i++)
        text_cell(out, r, (ind)i, inds[i].title, &r->total[i]);
    for (int i = 0; i < INDS_COUNT; i++) {
        for (int d = 0; d < DIMS_COUNT; d++) {
            if (!ind_has_dim(r, (ind)i, (dim)d))
                continue;
            fprintf(out, "\n%s, by %s\n", inds[i].title, dims[d].title);
            for (size_t b = 0; b < counts[d]; b++)
                text_cell(out, r, (ind)i, r->buckets[d].keys[order[d][b]].key,
                          &r->cells[i][d][order[d][b]]);
        }
    }
    text_awaiting(out, r);
    text_groups(out, r);
}

/* ---- CSV ---- */

/* A field; libcsv quotes one holding a separator, quote or line end. */
static void report_csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") != NULL)
        csv_fwrite(out, s, strlen(s));
    else
        fputs(s, out);
}

/* What a CSV row holds beside its people. */
typedef enum csv_kind {
    CSV_PEOPLE = 0, /* participants reached or enrolled, group members */
    CSV_MONEY = 1,  /* transactions and an amount */
    CSV_STOCK = 2,  /* an amount held now (groups): no transactions */
} csv_kind;

static void report_csv_row(FILE *out, const report *r, const char *indicator,
                           const char *dimension, const char *value, const cell *c,
                           csv_kind kind)
{
    char amount[CLI_AMOUNT_TEXT_MAX], tx[24] = "";
    report_csv_field(out, indicator);
    fputc(',', out);
    report_csv_field(out, dimension);
    fputc(',', out);
    report_csv_field(out, value);
    fprintf(out, ",%llu,", (unsigned long long)c->people);
    if (kind == CSV_PEOPLE) {
        fputs(",,\n", out);
        return;
    }
    if (kind == CSV_MONEY)
        snprintf(tx, sizeof tx, "%llu", (unsigned long long)c->transactions);
    amount_plain(r, c->amount, amount);
    fprintf(out, "%s,%s,%s\n", tx, amount, r->currency);
}

/* Group rows: people are members (or the members with a loan, or paid at
 * the last share-out); no transactions. */
static void report_csv_groups(FILE *out, const report *r)
{
    static const char *const ids[] = {"group_members", "group_savings", "group_social_fund",
                                      "group_loans_outstanding", "group_last_share_out"};
    cell all[5];
    memset(all, 0, sizeof all);
    for (size_t g = 0; g <= r->groups_count; g++) {
        cell c[5];
        bool total = g == r->groups_count;
        if (!total) {
            const group_row *gr = &r->groups[g];
            memset(c, 0, sizeof c);
            c[0].people = c[1].people = c[2].people = gr->info.members;
            c[1].amount = gr->info.savings;
            c[2].amount = gr->info.social;
            c[3].people = gr->borrowers;
            c[3].amount = gr->info.loans_outstanding;
            c[4].people = gr->info.last_share_out_members;
            c[4].amount = gr->info.last_share_out;
            for (int k = 0; k < 5; k++) {
                all[k].people += c[k].people;
                (void)add_checked(&all[k].amount, c[k].amount); /* group sums fit */
            }
        }
        for (int k = 0; k < 5; k++)
            report_csv_row(out, r, ids[k], total ? "all" : "group",
                           total ? "all" : r->groups[g].info.id, total ? &all[k] : &c[k],
                           k > 0 ? CSV_STOCK : CSV_PEOPLE);
    }
}

static void report_csv_write(FILE *out, const report *r,
                             const uint32_t *const order[DIMS_COUNT],
                             const size_t counts[DIMS_COUNT])
{
    fputs("indicator,dimension,value,people,transactions,amount,currency\n", out);
    for (int i = 0; i < INDS_COUNT; i++) {
        report_csv_row(out, r, inds[i].id, "all", "all", &r->total[i],
                       inds[i].money ? CSV_MONEY : CSV_PEOPLE);
        for (int d = 0; d < DIMS_COUNT; d++) {
            if (!ind_has_dim(r, (ind)i, (dim)d))
                continue;
            for (size_t b = 0; b < counts[d]; b++)
                report_csv_row(
                    out, r, inds[i].id, dims[d].name, r->buckets[d].keys[order[d][b]].key,
                    &r->cells[i][d][order[d][b]], inds[i].money ? CSV_MONEY : CSV_PEOPLE);
        }
    }
    report_csv_groups(out, r);
}

/* ---- JSON ---- */

static json_t *json_amount(const report *r, int64_t v)
{
    char amount[CLI_AMOUNT_TEXT_MAX];
    amount_plain(r, v, amount);
    return json_string(amount);
}

static json_t *json_seq(uint64_t seq)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)seq);
    return json_string(text);
}

static json_t *json_cell(const report *r, const char *value, const cell *c, bool money)
{
    json_t *o = json_object();
    if (value != NULL)
        json_object_set_new(o, "value", json_string(value));
    json_object_set_new(o, "people", json_integer((json_int_t)c->people));
    if (money) {
        json_object_set_new(o, "transactions", json_integer((json_int_t)c->transactions));
        json_object_set_new(o, "amount", json_amount(r, c->amount));
    }
    return o;
}

static json_t *json_indicators(const report *r, const uint32_t *const order[DIMS_COUNT],
                               const size_t counts[DIMS_COUNT])
{
    json_t *all = json_object();
    for (int i = 0; i < INDS_COUNT; i++) {
        json_t *o = json_cell(r, NULL, &r->total[i], inds[i].money);
        json_t *by = json_object();
        for (int d = 0; d < DIMS_COUNT; d++) {
            if (!ind_has_dim(r, (ind)i, (dim)d))
                continue;
            json_t *arr = json_array();
            for (size_t b = 0; b < counts[d]; b++)
                json_array_append_new(arr,
                                      json_cell(r, r->buckets[d].keys[order[d][b]].key,
                                                &r->cells[i][d][order[d][b]], inds[i].money));
            json_object_set_new(by, dims[d].name, arr);
        }
        json_object_set_new(o, "by", by);
        json_object_set_new(all, inds[i].id, o);
    }
    return all;
}

static json_t *json_awaiting(const report *r)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < r->pends_count; k++) {
        const pend *p = &r->pends[k];
        char date[CLI_DATE_TEXT_MAX];
        if (p->resolved || p->value_date < r->from || p->value_date > r->to)
            continue;
        cli_date_format(date, p->value_date);
        json_t *o = json_object();
        json_object_set_new(o, "seq", json_seq(p->seq));
        json_object_set_new(o, "op", json_string(ledger_op_name((ledger_op)p->op)));
        json_object_set_new(o, "value_date", json_string(date));
        json_object_set_new(o, "participant",
                            p->participant[0] ? json_string(p->participant) : json_null());
        json_object_set_new(o, "amount", json_amount(r, p->amount));
        json_object_set_new(o, "reversal_of",
                            p->ref != LEDGER_SEQ_NONE ? json_seq(p->ref) : json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *json_groups(const report *r)
{
    json_t *arr = json_array();
    for (size_t g = 0; g < r->groups_count; g++) {
        const ledger_group_info *gi = &r->groups[g].info;
        json_t *o = json_object();
        json_object_set_new(o, "group", json_string(gi->id));
        json_object_set_new(o, "name", json_string(gi->name));
        json_object_set_new(o, "cso", json_string(gi->cso));
        json_object_set_new(o, "members", json_integer(gi->members));
        json_object_set_new(o, "savings", json_amount(r, gi->savings));
        json_object_set_new(o, "social_fund", json_amount(r, gi->social));
        json_object_set_new(o, "loans_outstanding", json_amount(r, gi->loans_outstanding));
        json_object_set_new(o, "members_with_loans", json_integer(r->groups[g].borrowers));
        json_object_set_new(o, "last_share_out", json_amount(r, gi->last_share_out));
        json_object_set_new(o, "last_share_out_members",
                            json_integer(gi->last_share_out_members));
        json_object_set_new(o, "cycle", json_integer(gi->cycle.number));
        json_object_set_new(o, "cycle_open", json_boolean(gi->cycle.open));
        json_array_append_new(arr, o);
    }
    return arr;
}

static int json_write(FILE *out, const report *r, const uint32_t *const order[DIMS_COUNT],
                      const size_t counts[DIMS_COUNT])
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX];
    cli_date_format(from, r->from);
    cli_date_format(to, r->to);
    json_t *root = json_object(), *by = json_array();
    for (int d = 0; d < DIMS_COUNT; d++)
        if (r->by[d])
            json_array_append_new(by, json_string(dims[d].name));
    json_object_set_new(root, "programme", json_string(r->programme));
    json_object_set_new(root, "currency", json_string(r->currency));
    json_object_set_new(root, "from", json_string(from));
    json_object_set_new(root, "to", json_string(to));
    json_object_set_new(root, "tree_size", json_seq(r->tree_size));
    json_object_set_new(root, "dimensions", by);
    json_object_set_new(root, "indicators", json_indicators(r, order, counts));
    json_object_set_new(root, "awaiting_approval", json_awaiting(r));
    json_object_set_new(root, "savings_groups", json_groups(r));
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    fputc('\n', out);
    return rc == 0 ? CLI_EXIT_OK : cli_fail(REPORT_CMD, "cannot write the JSON report");
}

/* ---- charts ---- */

typedef struct chart_job {
    const char *file; /* without extension */
    ind indicator;
    dim dimension; /* DIMS_COUNT: savings per group */
    const char *title;
} chart_job;

static const chart_job chart_jobs[] = {
    {"participants-reached-by-sex", IND_REACHED, DIM_SEX, "Participants reached, by sex"},
    {"participants-reached-by-age-band", IND_REACHED, DIM_AGE_BAND,
     "Participants reached, by age band"},
    {"participants-reached-by-category", IND_REACHED, DIM_CATEGORY,
     "Participants reached, by category"},
    {"participants-reached-by-region", IND_REACHED, DIM_ADMIN1,
     "Participants reached, by region (admin-1)"},
    {"wages-paid-by-sex", IND_WAGES, DIM_SEX, "Wages paid, by sex"},
    {"grants-disbursed-by-category", IND_GRANTS_DISBURSED, DIM_CATEGORY,
     "Grants disbursed, by category"},
    {"savings-by-group", INDS_COUNT, DIMS_COUNT, "Savings per group"},
};

/* Free-text dimensions and groups are drawn largest first; past
 * CHART_BARS_MAX the smallest are summed into one "others" bar. */
static void bars_sort_cap(chart_bars *c, size_t n, int64_t *values,
                          char (*labels)[CHART_LABEL_MAX + 1], bool sort)
{
    for (size_t i = 1; sort && i < n; i++)
        for (size_t j = i; j > 0 && values[j] > values[j - 1]; j--) {
            int64_t v = values[j];
            char l[CHART_LABEL_MAX + 1];
            values[j] = values[j - 1], values[j - 1] = v;
            memcpy(l, labels[j], sizeof l);
            memcpy(labels[j], labels[j - 1], sizeof l);
            memcpy(labels[j - 1], l, sizeof l);
        }
    size_t keep = n > CHART_BARS_MAX ? CHART_BARS_MAX - 1 : n;
    for (size_t i = 0; i < keep; i++) {
        snprintf(c->bars[i].label, sizeof c->bars[i].label, "%s", labels[i]);
        c->bars[i].value = values[i];
    }
    c->count = keep;
    if (n > keep) {
        int64_t rest = 0;
        for (size_t i = keep; i < n; i++)
            (void)add_checked(&rest, values[i]); /* sums of reported cells fit */
        snprintf(c->bars[keep].label, sizeof c->bars[keep].label, "%zu others", n - keep);
        c->bars[keep].value = rest;
        c->count++;
    }
}

static int chart_fill(const report *r, const chart_job *j,
                      const uint32_t *const order[DIMS_COUNT], const size_t counts[DIMS_COUNT],
                      chart_bars *c)
{
    bool money = j->dimension == DIMS_COUNT || inds[j->indicator].money;
    size_t n = j->dimension == DIMS_COUNT ? r->groups_count : counts[j->dimension];
    int64_t *values = calloc(n + 1, sizeof *values);
    char(*labels)[CHART_LABEL_MAX + 1] = calloc(n + 1, sizeof *labels);
    if (values == NULL || labels == NULL) {
        free(values);
        free(labels);
        return cli_fail(REPORT_CMD, "out of memory");
    }
    for (size_t b = 0; b < n; b++) {
        if (j->dimension == DIMS_COUNT) {
            values[b] = r->groups[b].info.savings;
            snprintf(labels[b], sizeof labels[b], "%s", r->groups[b].info.id);
        } else {
            const cell *x = &r->cells[j->indicator][j->dimension][order[j->dimension][b]];
            values[b] = money ? x->amount : (int64_t)x->people;
            snprintf(labels[b], sizeof labels[b], "%s",
                     r->buckets[j->dimension].keys[order[j->dimension][b]].key);
            for (char *u = labels[b]; dims[j->dimension].enum_max > 0 && *u; u++)
                *u = *u == '_' ? ' ' : *u; /* "returned migrant" on a chart */
        }
    }
    bars_sort_cap(c, n, values, labels,
                  j->dimension == DIMS_COUNT || dims[j->dimension].enum_max == 0);
    for (size_t b = 0; b < c->count; b++) {
        char text[CHART_VALUE_TEXT_MAX - LEDGER_CURRENCY_LEN - 1], count[24];
        snprintf(count, sizeof count, "%lld", (long long)c->bars[b].value);
        if (money)
            amount_read(r, c->bars[b].value, text, sizeof text);
        else
            chart_thousands(text, sizeof text, count);
        snprintf(c->bars[b].value_text, sizeof c->bars[b].value_text, "%s%s%s", text,
                 money ? " " : "", money ? r->currency : "");
    }
    free(values);
    free(labels);
    return CLI_EXIT_OK;
}

/* Makes DIR (one level) unless it is a directory already. */
static int chart_dir_make(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return CLI_EXIT_OK;
        return cli_fail(REPORT_CMD, "--chart %s is a file, not a directory", dir);
    }
    if (mkdir(dir, 0777) != 0)
        return cli_fail(REPORT_CMD, "cannot create the chart directory %s: %s", dir,
                        strerror(errno));
    return CLI_EXIT_OK;
}

static int charts_write(const report *r, const char *dir, chart_format format,
                        const uint32_t *const order[DIMS_COUNT],
                        const size_t counts[DIMS_COUNT])
{
    char from[CLI_DATE_TEXT_MAX], to[CLI_DATE_TEXT_MAX], path[REPORT_PATH_MAX];
    char why[CHART_WHY_MAX];
    int rc = chart_dir_make(dir);
    if (rc != CLI_EXIT_OK)
        return rc;
    chart_bars *c = malloc(sizeof *c);
    if (c == NULL)
        return cli_fail(REPORT_CMD, "out of memory");
    cli_date_format(from, r->from);
    cli_date_format(to, r->to);
    size_t written = 0;
    for (size_t k = 0; k < sizeof chart_jobs / sizeof chart_jobs[0] && rc == CLI_EXIT_OK; k++) {
        const chart_job *j = &chart_jobs[k];
        memset(c, 0, sizeof *c);
        snprintf(c->title, sizeof c->title, "%s", j->title);
        if (j->dimension == DIMS_COUNT) {
            snprintf(c->subtitle, sizeof c->subtitle, "Programme %s, members' savings now (%s)",
                     r->programme, r->currency);
            snprintf(c->empty, sizeof c->empty, "no savings groups in this programme");
        } else
            snprintf(c->subtitle, sizeof c->subtitle, "Programme %s, %s to %s%s", r->programme,
                     from, to, inds[j->indicator].money ? "" : "; each person counted once");
        rc = chart_fill(r, j, order, counts, c);
        int n = snprintf(path, sizeof path, "%s/%s.%s", dir, j->file,
                         format == CHART_SVG ? "svg" : "png");
        if (rc == CLI_EXIT_OK && (n < 0 || (size_t)n >= sizeof path))
            rc = cli_fail(REPORT_CMD, "the chart directory's path is too long");
        if (rc == CLI_EXIT_OK && chart_bars_write(c, format, path, why, sizeof why) != 0)
            rc = cli_fail(REPORT_CMD, "%s", why);
        written += rc == CLI_EXIT_OK;
    }
    free(c);
    chart_end();
    if (rc == CLI_EXIT_OK)
        fprintf(stderr, "cauris report: %zu charts written to %s\n", written, dir);
    return rc;
}

/* ---- the command ---- */

typedef struct report_opts {
    const char *programme, *from, *to, *format, *output, *chart, *chart_format;
    const char *by[CLI_REPEAT_MAX];
    size_t by_count;
} report_opts;

typedef enum report_format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON } report_format;

/* --by values: names, each possibly a comma-separated list. */
static int by_parse(const report_opts *o, bool by[DIMS_COUNT])
{
    for (int d = 0; d < DIMS_COUNT; d++)
        by[d] = o->by_count == 0 && dims[d].by_default;
    for (size_t k = 0; k < o->by_count; k++) {
        const char *p = o->by[k];
        while (true) {
            size_t len = strcspn(p, ",");
            int found = -1;
            for (int d = 0; d < DIMS_COUNT; d++)
                if (strlen(dims[d].name) == len && strncmp(dims[d].name, p, len) == 0)
                    found = d;
            if (found < 0)
                return cli_usage_error(REPORT_CMD,
                                       "--by '%.*s' is not a dimension: give sex, age_band, "
                                       "disability, admin1, admin2, category, phase, cohort, "
                                       "partner or budget_line",
                                       (int)len, p);
            by[found] = true;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
    }
    return CLI_EXIT_OK;
}

static int opts_check(const report_opts *o, const cli_args *a, report *r, report_format *fmt,
                      chart_format *cfmt)
{
    if (a->pos_count != 1)
        return cli_usage_error(REPORT_CMD, a->pos_count == 0 ? "give the ledger directory DIR"
                                                             : "give one ledger directory");
    if (o->from == NULL || o->to == NULL)
        return cli_usage_error(REPORT_CMD,
                               "--from YYYY-MM-DD and --to YYYY-MM-DD are required");
    if (ledger_date_parse(o->from, &r->from) != 0)
        return cli_usage_error(REPORT_CMD, "--from '%s' is not a date like 2026-11-01",
                               o->from);
    if (ledger_date_parse(o->to, &r->to) != 0)
        return cli_usage_error(REPORT_CMD, "--to '%s' is not a date like 2026-11-30", o->to);
    if (r->from > r->to)
        return cli_usage_error(REPORT_CMD, "--from %s is after --to %s", o->from, o->to);
    const char *f = o->format ? o->format : "text";
    if (strcmp(f, "text") != 0 && strcmp(f, "csv") != 0 && strcmp(f, "json") != 0)
        return cli_usage_error(REPORT_CMD, "--format '%s': give text, csv or json", f);
    *fmt = f[0] == 't' ? FORMAT_TEXT : f[0] == 'c' ? FORMAT_CSV : FORMAT_JSON;
    const char *cf = o->chart_format ? o->chart_format : "png";
    if (strcmp(cf, "png") != 0 && strcmp(cf, "svg") != 0)
        return cli_usage_error(REPORT_CMD, "--chart-format '%s': give png or svg", cf);
    if (o->chart_format != NULL && o->chart == NULL)
        return cli_usage_error(REPORT_CMD, "--chart-format goes with --chart DIR");
    *cfmt = cf[0] == 's' ? CHART_SVG : CHART_PNG;
    return by_parse(o, r->by);
}

/* Reads everything the report needs from the ledger and counts it. */
static int report_build(const char *dir, const report_opts *o, report *r)
{
    ledger *l = NULL;
    int rc =
        cli_ledger_open_programme(REPORT_CMD, dir, false, NULL, o->programme, &l, r->programme);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_programme_currency(REPORT_CMD, l, r->programme, r->currency, &r->digits);
    r->people.max = REPORT_PEOPLE_MAX;
    if (rc == CLI_EXIT_OK && buckets_seed(r) != 0)
        rc = cli_fail(REPORT_CMD, "out of memory");
    if (rc == CLI_EXIT_OK)
        rc = journal_scan(l, r);
    if (rc == CLI_EXIT_OK)
        rc = participants_read(l, r);
    if (rc == CLI_EXIT_OK)
        rc = groups_read(l, r);
    ledger_close(l);
    return rc == CLI_EXIT_OK ? report_count(r) : rc;
}

static int report_emit(const report *r, const report_opts *o, report_format fmt,
                       chart_format cfmt)
{
    uint32_t *order[DIMS_COUNT] = {NULL};
    size_t counts[DIMS_COUNT];
    int rc = CLI_EXIT_OK;
    for (int d = 0; d < DIMS_COUNT && rc == CLI_EXIT_OK; d++) {
        order[d] = calloc(r->buckets[d].count + 1, sizeof *order[d]);
        if (order[d] == NULL)
            rc = cli_fail(REPORT_CMD, "out of memory");
        else
            counts[d] = buckets_order(r, (dim)d, order[d]);
    }
    const uint32_t *const *ord = (const uint32_t *const *)order;
    FILE *out = stdout;
    if (rc == CLI_EXIT_OK && o->output != NULL && (out = fopen(o->output, "w")) == NULL)
        rc = cli_fail(REPORT_CMD, "cannot write %s: %s", o->output, strerror(errno));
    if (rc == CLI_EXIT_OK) {
        if (fmt == FORMAT_CSV)
            report_csv_write(out, r, ord, counts);
        else if (fmt == FORMAT_JSON)
            rc = json_write(out, r, ord, counts);
        else
            text_write(out, r, ord, counts);
        bool failed = ferror(out) != 0;
        if (out != stdout)
            failed = fclose(out) != 0 || failed;
        if (failed && rc == CLI_EXIT_OK)
            rc = cli_fail(REPORT_CMD, "cannot write %s", o->output ? o->output : "the report");
    }
    if (rc == CLI_EXIT_OK && o->chart != NULL)
        rc = charts_write(r, o->chart, cfmt, ord, counts);
    for (int d = 0; d < DIMS_COUNT; d++)
        free(order[d]);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    report_opts o;
    cli_args a;
    memset(&o, 0, sizeof o);
    int rc = cli_args_take_repeated(REPORT_CMD, &argc, argv, "by", o.by, &o.by_count);
    if (rc != 0)
        return rc;
    const cli_opt opts[] = {
        {"programme", &o.programme, NULL},
        {"from", &o.from, NULL},
        {"to", &o.to, NULL},
        {"format", &o.format, NULL},
        {"output", &o.output, NULL},
        {"chart", &o.chart, NULL},
        {"chart-format", &o.chart_format, NULL},
        {NULL, NULL, NULL},
    };
    rc = cli_args_parse(REPORT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(report_usage);
    report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return cli_fail(REPORT_CMD, "out of memory");
    report_format fmt = FORMAT_TEXT;
    chart_format cfmt = CHART_PNG;
    rc = opts_check(&o, &a, r, &fmt, &cfmt);
    if (rc == CLI_EXIT_OK)
        rc = report_build(a.pos[0], &o, r);
    if (rc == CLI_EXIT_OK)
        rc = report_emit(r, &o, fmt, cfmt);
    report_free(r);
    free(r);
    return rc;
}
