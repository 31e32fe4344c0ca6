/*
 * test_cli_report.c — end-to-end tests of `cauris report`, the donor
 * indicators: a ledger built through the real binary (20 participants from
 * CSV, typed wage runs, approvals by a second principal, reversals posted
 * and approved, payouts, capital releases, grants committed, approved,
 * cancelled, awaiting and disbursed, two savings groups (one after its
 * share-out), entries outside the period and in a second programme), then
 * exact figures in the CSV, JSON and text outputs, computed here from the
 * inputs.
 *
 * Also asserted: people are counted once (the buckets of every dimension
 * add up to the total: people, transactions and amounts), a person whose
 * phase changed is counted in the bucket of their latest entry, the charts
 * are PNG files that decode to an image of more than one colour (through
 * libcairo, loaded with dlopen: the tests do not link cairo) and SVG files
 * with text drawn as paths, and the usage errors exit 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/run.h"

/* ---- the participants: 20, with every field varied ---- */

#define PEOPLE 20

typedef struct person {
    char id[8];
    const char *sex; /* "female" or "male" */
    int birth_year;
    const char *wg_ss;
    const char *admin1, *admin2, *category, *cohort, *cso;
    int phase;
} person;

static person people[PEOPLE + 1]; /* [1..PEOPLE] */

static const char *const categories[] = {"former_security_forces", "community_member",
                                         "returned_migrant", "displaced_person", "refugee"};
/* One region name needs quoting in CSV; one has accents. */
static const char *const regions[] = {"Conakry", "Kindia", "Nz\xc3\xa9r\xc3\xa9kor\xc3\xa9",
                                      "Bok\xc3\xa9, Nord"};
static const char *const wg_answers[] = {"111111", "111311", "", "121211"};

static void people_make(void)
{
    for (int i = 1; i <= PEOPLE; i++) {
        person *p = &people[i];
        snprintf(p->id, sizeof p->id, "P%02d", i);
        p->sex = i % 3 == 0 ? "male" : "female";
        p->birth_year = 1960 + (i * 7) % 45;
        p->wg_ss = wg_answers[i % 4];
        p->admin1 = regions[i % 4];
        p->admin2 = i % 2 ? "Centre" : "Est";
        p->category = categories[i % 5];
        p->cohort = i <= 10 ? "2026-A" : "2026-B";
        p->cso = i % 2 ? "cso1" : "cso2";
        p->phase = 1;
    }
}

/* Age band names of the library (ledger_age_band_at: the age reached in
 * the value date's year). */
static const char *age_band_2026(int birth_year)
{
    int age = 2026 - birth_year;
    return age < 15   ? "0-14"
           : age < 25 ? "15-24"
           : age < 35 ? "25-34"
           : age < 50 ? "35-49"
                      : "50+";
}

static const char *disability_of(const char *wg)
{
    if (wg[0] == '\0')
        return "unknown";
    return strchr(wg, '3') || strchr(wg, '4') ? "yes" : "no";
}

/* ---- the money, in GNF (no minor unit) ---- */

#define RATE_BP 1000 /* capital kept from each wage: 10 % */
static long days45(int i)
{
    return i % 5 + 1;
}
static long gross45(int i) /* w45, 2026-11-06: P01..P16, days x 10000 */
{
    return days45(i) * 10000;
}
static long gross46(int i) /* w46, 2026-11-13: P01..P12, a piece rate */
{
    return 20000 + i * 1000;
}
#define GROSS40 50000      /* w40, 2026-10-15 (before the period): P01..P05 */
#define GROSS47_P17 150000 /* above the approval threshold: approved */
#define GROSS47_P18 120000 /* above it too: cancelled */
#define PAYOUT 20000       /* P01..P08 on 2026-11-21; P09 on 2026-12-02 */

/* ---- fixtures ---- */

typedef struct fx {
    char root[256];
    char ledger[300];
    char path[400];
} fx;

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/cauris-report-XXXXXX");
    if (mkdtemp(f->root) == NULL)
        return -1;
    snprintf(f->ledger, sizeof f->ledger, "%s/ledger", f->root);
    unsetenv("CAURIS_PASSPHRASE");
    people_make();
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    tr_remove_tree(f->root);
    free(f);
    return 0;
}

static const char *fx_file(fx *f, const char *name, const char *text)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->root, name);
    tr_file_write(f->path, text);
    return f->path;
}

/* The seq after `prefix` in `out`. */
static unsigned long long seq_after(const char *out, const char *prefix)
{
    const char *p = strstr(out, prefix);
    if (p == NULL)
        fprintf(stderr, "no '%s' in:\n%s\n", prefix, out);
    assert_non_null(p);
    return strtoull(p + strlen(prefix), NULL, 10);
}

static char *post(fx *f, const char *programme, const char *text)
{
    const char *path = fx_file(f, "entries.jsonl", text);
    return tr_expect(0, "post", f->ledger, path, "--partner", "mfi1", "--principal", "moussa",
                     "--programme", programme, NULL);
}

static void decide(fx *f, const char *what, unsigned long long seq)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", seq);
    free(tr_expect(0, what, f->ledger, s, "--principal", "fatou", NULL));
}

/* Appends printf-style text to a growing buffer. */
typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void enrol_all(fx *f)
{
    buf b = {0};
    bprintf(&b, "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone\n");
    for (int i = 1; i <= PEOPLE; i++) {
        const person *p = &people[i];
        bprintf(&b, "%s,%s,%d,%s,\"%s\",%s,%s,%s,%d,%s,Person %02d,\n", p->id,
                p->sex[0] == 'f' ? "f" : "m", p->birth_year, p->wg_ss, p->admin1, p->admin2,
                p->category, p->cohort, p->phase, p->cso, i);
    }
    const char *path = fx_file(f, "people.csv", b.p);
    char *out = tr_expect(0, "enroll", f->ledger, path, "--partner", "cso1", "--principal",
                          "awa", "--programme", "pilot", NULL);
    tr_assert_contains(out, "enrolled 20 participants");
    free(out);
    free(b.p);
}

/* What the scenario leaves, per participant, in November 2026. */
typedef struct expect {
    long wages_net[PEOPLE + 1]; /* counted wages less reversals dated in November */
    long wages_count;           /* wage entries counted in November */
    bool wage_kept[PEOPLE + 1]; /* a November wage of theirs not reversed */
    bool reached[PEOPLE + 1];
    long disbursed[PEOPLE + 1];
} expect;

/* Savings groups: g1 (P01-P05) saving in its first cycle, one loan out;
 * g2 (P06-P08) whose cycle closed with its share-out. Their members were
 * reached otherwise already, later in November. */
#define G1_PRICE 1000
#define G2_PRICE 500
#define SOCIAL_G1 100
#define SOCIAL_G2 50
#define G1_LOAN 5000

static void group_make(fx *f, const char *g, const char *cso, int first, int last,
                       const char *price, const char *start, const char *end)
{
    free(tr_expect(0, "group", "create", f->ledger, g, "--partner", cso, "--principal", "awa",
                   "--programme", "pilot", NULL));
    for (int i = first; i <= last; i++)
        free(tr_expect(0, "group", "add", f->ledger, g, people[i].id, "--partner", cso,
                       "--principal", "awa", "--programme", "pilot", NULL));
    free(tr_expect(0, "group", "cycle", "open", f->ledger, g, "--share-price", price, "--start",
                   start, "--end", end, "--partner", cso, "--principal", "awa", "--programme",
                   "pilot", NULL));
}

static void groups(fx *f)
{
    buf b = {0};
    char present[64] = "", counted[24];
    long cash = 0;
    group_make(f, "g1", "cso1", 1, 5, "1000", "2026-11-01", "2027-04-30");
    bprintf(&b, "op,participant,shares,amount\n");
    for (int i = 1; i <= 5; i++) {
        bprintf(&b, "share_purchase,%s,%d,\nsocial_fund,%s,,%d\n", people[i].id, i,
                people[i].id, SOCIAL_G1);
        cash += i * G1_PRICE + SOCIAL_G1;
        snprintf(present + strlen(present), sizeof present - strlen(present), "%s%s",
                 i > 1 ? "," : "", people[i].id);
    }
    bprintf(&b, "group_loan,P01,,%d\n", G1_LOAN);
    cash -= G1_LOAN;
    snprintf(counted, sizeof counted, "%ld", cash);
    const char *path = fx_file(f, "meeting.csv", b.p);
    free(tr_expect(0, "group", "meeting", f->ledger, "g1", path, "--date", "2026-11-15",
                   "--cash-counted", counted, "--present", present, "--partner", "cso1",
                   "--principal", "awa", "--programme", "pilot", NULL));
    free(b.p);

    group_make(f, "g2", "cso2", 6, 8, "500", "2026-10-01", "2026-11-30");
    b = (buf){0};
    bprintf(&b, "op,participant,shares,amount\n");
    for (int i = 6; i <= 8; i++)
        bprintf(&b, "share_purchase,%s,2,\nsocial_fund,%s,,%d\n", people[i].id, people[i].id,
                SOCIAL_G2);
    snprintf(counted, sizeof counted, "%d", 3 * (2 * G2_PRICE + SOCIAL_G2));
    path = fx_file(f, "meeting.csv", b.p);
    free(tr_expect(0, "group", "meeting", f->ledger, "g2", path, "--date", "2026-10-20",
                   "--cash-counted", counted, "--present", "P06,P07,P08", "--partner", "cso2",
                   "--principal", "awa", "--programme", "pilot", NULL));
    free(b.p);
    free(tr_expect(0, "group", "cycle", "close", f->ledger, "g2", "--date", "2026-11-28",
                   "--partner", "cso2", "--principal", "awa", "--programme", "pilot", NULL));
}

/* The pilot programme's story. Seqs of requests come from the output. */
static void scenario(fx *f, expect *x)
{
    memset(x, 0, sizeof *x);
    char *out = tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "GNF",
                          "--capital-rate-bp", "1000", "--approval", "wage=100000", NULL);
    free(out);
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    enrol_all(f);
    buf b = {0};
    bprintf(&b, "{\"client_id\":\"fund-1\",\"op\":\"funding\",\"value_date\":\"2026-10-01\","
                "\"amount\":\"10000000\"}\n");
    for (int i = 1; i <= 5; i++)
        bprintf(&b,
                "{\"op\":\"wage\",\"wage_run\":\"w40\",\"participant\":\"%s\","
                "\"amount\":\"%d\",\"value_date\":\"2026-10-15\"}\n",
                people[i].id, GROSS40);
    for (int i = 1; i <= 16; i++)
        bprintf(&b,
                "{\"op\":\"wage\",\"wage_run\":\"w45\",\"participant\":\"%s\","
                "\"days\":%ld,\"daily_rate\":\"10000\",\"value_date\":\"2026-11-06\","
                "\"budget_line\":\"BL1\"}\n",
                people[i].id, days45(i));
    for (int i = 1; i <= 12; i++)
        bprintf(&b,
                "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"%s\","
                "\"amount\":\"%ld\",\"value_date\":\"2026-11-13\",\"budget_line\":\"BL2\"}\n",
                people[i].id, gross46(i));
    bprintf(&b,
            "{\"op\":\"wage\",\"wage_run\":\"w47\",\"participant\":\"P17\",\"amount\":\"%d\","
            "\"value_date\":\"2026-11-20\"}\n",
            GROSS47_P17);
    bprintf(&b,
            "{\"op\":\"wage\",\"wage_run\":\"w47\",\"participant\":\"P18\",\"amount\":\"%d\","
            "\"value_date\":\"2026-11-20\"}\n",
            GROSS47_P18);
    for (int i = 1; i <= 8; i++)
        bprintf(&b,
                "{\"client_id\":\"pay-%s\",\"op\":\"payout\",\"participant\":\"%s\","
                "\"amount\":\"%d\",\"value_date\":\"2026-11-21\"}\n",
                people[i].id, people[i].id, PAYOUT);
    bprintf(&b,
            "{\"client_id\":\"pay-P09-dec\",\"op\":\"payout\",\"participant\":\"P09\","
            "\"amount\":\"%d\",\"value_date\":\"2026-12-02\"}\n",
            PAYOUT);
    /* Lines: 1 funding, 2-6 w40, 7-22 w45, 23-34 w46, 35 P17, 36 P18. */
    out = post(f, "pilot", b.p);
    unsigned long long w47_p17 = seq_after(out, "line 35: pending approval, seq ");
    unsigned long long w47_p18 = seq_after(out, "line 36: pending approval, seq ");
    unsigned long long w46_p03 = tr_seq_of_line(out, 25);
    unsigned long long w45_p16 = tr_seq_of_line(out, 22);
    unsigned long long w45_p04 = tr_seq_of_line(out, 10);
    unsigned long long w40_p05 = tr_seq_of_line(out, 6);
    free(out);
    free(b.p);
    decide(f, "approve", w47_p17);
    decide(f, "cancel", w47_p18);

    for (int i = 1; i <= 16; i++) {
        x->wages_net[i] += gross45(i);
        x->wage_kept[i] = true;
    }
    for (int i = 1; i <= 12; i++)
        x->wages_net[i] += gross46(i);
    x->wages_net[17] += GROSS47_P17;
    x->wage_kept[17] = true;
    x->wages_count = 16 + 12 + 1;

    /* Reversals posted at once, dated in November: P03's w46, P16's w45
     * (their only November wage), P05's October wage. */
    b = (buf){0};
    bprintf(&b,
            "{\"client_id\":\"rev-1\",\"kind\":\"reversal\",\"ref\":%llu,"
            "\"value_date\":\"2026-11-22\"}\n",
            w46_p03);
    bprintf(&b,
            "{\"client_id\":\"rev-2\",\"kind\":\"reversal\",\"ref\":%llu,"
            "\"value_date\":\"2026-11-22\"}\n",
            w45_p16);
    bprintf(&b,
            "{\"client_id\":\"rev-3\",\"kind\":\"reversal\",\"ref\":%llu,"
            "\"value_date\":\"2026-11-24\"}\n",
            w40_p05);
    free(post(f, "pilot", b.p));
    free(b.p);
    x->wages_net[3] -= gross46(3);
    x->wages_net[16] -= gross45(16);
    x->wage_kept[16] = false;
    x->wages_net[5] -= GROSS40;

    /* A reversal that needs approval: pending, then approved. */
    free(tr_expect(0, "programme", "settings", "set", f->ledger, "--principal", "admin",
                   "--programme", "pilot", "--approval", "reversal=always", NULL));
    b = (buf){0};
    bprintf(&b,
            "{\"client_id\":\"rev-4\",\"kind\":\"reversal\",\"ref\":%llu,"
            "\"value_date\":\"2026-11-23\"}\n",
            w45_p04);
    out = post(f, "pilot", b.p);
    free(b.p);
    decide(f, "approve", seq_after(out, "line 1: pending approval, seq "));
    free(out);
    x->wages_net[4] -= gross45(4);

    /* P01 and P02 reach phase 2; their capital may be released. */
    for (int i = 1; i <= 2; i++)
        free(tr_expect(0, "participant", "update", f->ledger, people[i].id, "--principal",
                       "awa", "--phase", "2", "--programme", "pilot", NULL));
    b = (buf){0};
    bprintf(&b, "{\"client_id\":\"rel-P01\",\"op\":\"capital_release\",\"participant\":\"P01\","
                "\"amount\":\"5000\",\"value_date\":\"2026-11-25\"}\n"
                "{\"client_id\":\"rel-P02\",\"op\":\"capital_release\",\"participant\":\"P02\","
                "\"amount\":\"3000\",\"value_date\":\"2026-12-01\"}\n"
                "{\"client_id\":\"grant-P06\",\"op\":\"grant_commit\",\"participant\":\"P06\","
                "\"amount\":\"300000\",\"value_date\":\"2026-11-20\"}\n"
                "{\"client_id\":\"grant-P07\",\"op\":\"grant_commit\",\"participant\":\"P07\","
                "\"amount\":\"200000\",\"value_date\":\"2026-11-20\"}\n"
                "{\"client_id\":\"grant-P08\",\"op\":\"grant_commit\",\"participant\":\"P08\","
                "\"amount\":\"250000\",\"value_date\":\"2026-11-20\"}\n"
                "{\"client_id\":\"grant-P09\",\"op\":\"grant_commit\",\"participant\":\"P09\","
                "\"amount\":\"100000\",\"value_date\":\"2026-11-20\"}\n");
    out = post(f, "pilot", b.p);
    free(b.p);
    decide(f, "approve", seq_after(out, "line 1: pending approval, seq "));
    decide(f, "approve", seq_after(out, "line 2: pending approval, seq "));
    decide(f, "approve", seq_after(out, "line 3: pending approval, seq "));
    /* line 4 (P07) stays awaiting approval */
    decide(f, "cancel", seq_after(out, "line 5: pending approval, seq "));
    decide(f, "approve", seq_after(out, "line 6: pending approval, seq "));
    free(out);

    free(post(f, "pilot",
              "{\"client_id\":\"disb-P06-1\",\"op\":\"grant_disburse\",\"participant\":\"P06\","
              "\"amount\":\"100000\",\"value_date\":\"2026-11-26\"}\n"
              "{\"client_id\":\"disb-P06-2\",\"op\":\"grant_disburse\",\"participant\":\"P06\","
              "\"amount\":\"50000\",\"value_date\":\"2026-11-28\"}\n"
              "{\"client_id\":\"disb-P09\",\"op\":\"grant_disburse\",\"participant\":\"P09\","
              "\"amount\":\"100000\",\"value_date\":\"2026-11-27\"}\n"));
    x->disbursed[6] = 150000;
    x->disbursed[9] = 100000;

    groups(f);
    for (int i = 1; i <= PEOPLE; i++)
        x->reached[i] = x->wage_kept[i] || (i <= 8); /* wages, payouts */
}

/* A second programme in USD, to show the report keeps to its own. */
static void other_programme(fx *f)
{
    free(tr_expect(0, "programme", "create", f->ledger, "other", "--currency", "USD", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", "--programme", "other",
                   NULL));
    const char *path =
        fx_file(f, "other.csv",
                "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone\n"
                "O1,m,1990,,Maputo,Centro,refugee,2026-A,1,cso9,Other One,\n");
    free(tr_expect(0, "enroll", f->ledger, path, "--partner", "cso9", "--principal", "awa",
                   "--programme", "other", NULL));
    free(post(f, "other",
              "{\"client_id\":\"o-fund\",\"op\":\"funding\",\"value_date\":\"2026-11-01\","
              "\"amount\":\"100000\"}\n"
              "{\"client_id\":\"o-w1\",\"op\":\"wage\",\"participant\":\"O1\","
              "\"amount\":\"1250\",\"value_date\":\"2026-11-10\"}\n"));
}

/* ---- reading the CSV report ---- */

typedef struct row {
    char indicator[128], dimension[128], value[128];
    long long people, transactions;
    bool has_money;
    char amount[128], currency[128];
} row;

typedef struct table {
    row *rows;
    size_t count;
} table;

/* Splits one CSV line (RFC 4180 quoting) into at most max fields. */
static size_t csv_split(const char *line, char fields[][128], size_t max)
{
    size_t n = 0, o = 0;
    bool quoted = false;
    for (const char *p = line;; p++) {
        if (quoted && *p == '"' && p[1] == '"') {
            fields[n][o++] = '"';
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if ((*p == ',' && !quoted) || *p == '\0') {
            fields[n][o] = '\0';
            n++, o = 0;
            if (*p == '\0' || n == max)
                return n;
        } else if (o + 1 < 128) {
            fields[n][o++] = *p;
        }
    }
}

static table csv_parse(char *text)
{
    table t = {0};
    size_t cap = 0;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, "indicator,dimension,value,people,transactions,amount,currency");
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char fields[7][128];
        assert_int_equal(csv_split(line, fields, 7), 7);
        if (t.count == cap) {
            cap = cap ? cap * 2 : 256;
            t.rows = realloc(t.rows, cap * sizeof *t.rows);
            assert_non_null(t.rows);
        }
        row *r = &t.rows[t.count++];
        memset(r, 0, sizeof *r);
        snprintf(r->indicator, sizeof r->indicator, "%s", fields[0]);
        snprintf(r->dimension, sizeof r->dimension, "%s", fields[1]);
        snprintf(r->value, sizeof r->value, "%s", fields[2]);
        r->people = strtoll(fields[3], NULL, 10);
        r->has_money = fields[4][0] != '\0';
        r->transactions = strtoll(fields[4], NULL, 10);
        snprintf(r->amount, sizeof r->amount, "%s", fields[5]);
        snprintf(r->currency, sizeof r->currency, "%s", fields[6]);
    }
    return t;
}

static const row *cell_of(const table *t, const char *ind, const char *dim, const char *value)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->rows[i].indicator, ind) == 0 && strcmp(t->rows[i].dimension, dim) == 0 &&
            strcmp(t->rows[i].value, value) == 0)
            return &t->rows[i];
    fprintf(stderr, "no CSV row %s,%s,%s\n", ind, dim, value);
    fail();
    return NULL;
}

static void assert_cell(const table *t, const char *ind, const char *dim, const char *value,
                        long long people_n, long long tx, long amount)
{
    const row *r = cell_of(t, ind, dim, value);
    if (r->people != people_n)
        fprintf(stderr, "%s,%s,%s: people %lld, expected %lld\n", ind, dim, value, r->people,
                people_n);
    assert_int_equal(r->people, people_n);
    if (tx < 0) {
        assert_false(r->has_money);
        return;
    }
    char want[32];
    snprintf(want, sizeof want, "%ld", amount);
    if (r->transactions != tx || strcmp(r->amount, want) != 0)
        fprintf(stderr, "%s,%s,%s: %lld transactions, amount %s; expected %lld, %s\n", ind, dim,
                value, r->transactions, r->amount, tx, want);
    assert_int_equal(r->transactions, tx);
    assert_string_equal(r->amount, want);
    assert_string_equal(r->currency, "GNF");
}

/* Every dimension of every indicator adds up to its "all" row: people
 * once, and every transaction and amount once. */
static void assert_buckets_add_up(const table *t)
{
    for (size_t i = 0; i < t->count; i++) {
        const row *all = &t->rows[i];
        if (strcmp(all->dimension, "all") != 0 || strncmp(all->indicator, "group_", 6) == 0)
            continue;
        static const char *const dims[] = {"sex",     "age_band",   "disability", "admin1",
                                           "admin2",  "category",   "phase",      "cohort",
                                           "partner", "budget_line"};
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
            long long people_sum = 0, tx_sum = 0, amount_sum = 0;
            size_t buckets = 0;
            for (size_t k = 0; k < t->count; k++) {
                const row *r = &t->rows[k];
                if (strcmp(r->indicator, all->indicator) != 0 ||
                    strcmp(r->dimension, dims[d]) != 0)
                    continue;
                buckets++;
                people_sum += r->people;
                tx_sum += r->transactions;
                amount_sum += strtoll(r->amount, NULL, 10);
            }
            if (buckets == 0)
                continue; /* enrolled has no budget line */
            if (people_sum != all->people)
                fprintf(stderr, "%s by %s: %lld people in the buckets, %lld in all\n",
                        all->indicator, dims[d], people_sum, all->people);
            assert_int_equal(people_sum, all->people);
            assert_int_equal(tx_sum, all->transactions);
            assert_int_equal(amount_sum, strtoll(all->amount, NULL, 10));
        }
    }
}

static void assert_groups_csv(const table *t)
{
    static const struct {
        const char *ind, *dim, *value;
        long long people_n;
        const char *amount; /* NULL: people only */
    } rows[] = {
        {"group_members", "group", "g1", 5, NULL},
        {"group_savings", "group", "g1", 5, "15000"}, /* 1+2+3+4+5 shares at 1000 */
        {"group_social_fund", "group", "g1", 5, "500"},
        {"group_loans_outstanding", "group", "g1", 1, "5000"},
        {"group_last_share_out", "group", "g1", 0, "0"},
        {"group_members", "group", "g2", 3, NULL},
        {"group_savings", "group", "g2", 3, "0"}, /* paid back at the share-out */
        {"group_social_fund", "group", "g2", 3, "150"},
        {"group_loans_outstanding", "group", "g2", 0, "0"},
        {"group_last_share_out", "group", "g2", 3, "3000"},
        {"group_members", "all", "all", 8, NULL},
        {"group_savings", "all", "all", 8, "15000"},
        {"group_social_fund", "all", "all", 8, "650"},
        {"group_loans_outstanding", "all", "all", 1, "5000"},
        {"group_last_share_out", "all", "all", 3, "3000"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = cell_of(t, rows[i].ind, rows[i].dim, rows[i].value);
        assert_int_equal(r->people, rows[i].people_n);
        assert_false(r->has_money); /* a stock, not transactions */
        assert_string_equal(r->amount, rows[i].amount ? rows[i].amount : "");
        assert_string_equal(r->currency, rows[i].amount ? "GNF" : "");
    }
}

/* ---- the figures ---- */

static long sum_over(const long *v, const char *field_is, const char *(*field)(int))
{
    long s = 0;
    for (int i = 1; i <= PEOPLE; i++)
        if (field_is == NULL || strcmp(field(i), field_is) == 0)
            s += v[i];
    return s;
}

static long count_over(const bool *v, const char *field_is, const char *(*field)(int))
{
    long s = 0;
    for (int i = 1; i <= PEOPLE; i++)
        if (v[i] && (field_is == NULL || strcmp(field(i), field_is) == 0))
            s++;
    return s;
}

static const char *sex_of(int i)
{
    return people[i].sex;
}
static const char *age_of(int i)
{
    return age_band_2026(people[i].birth_year);
}
static const char *disability_of_i(int i)
{
    return disability_of(people[i].wg_ss);
}
static const char *category_of(int i)
{
    return people[i].category;
}
static const char *region_of(int i)
{
    return people[i].admin1;
}

static void assert_totals(const table *t, const expect *x)
{
    long wages = sum_over(x->wages_net, NULL, NULL);
    long reversed = gross46(3) + gross45(16) + gross45(4) + GROSS40;
    long paid_people = count_over(x->wage_kept, NULL, NULL);
    assert_cell(t, "participants_reached", "all", "all", count_over(x->reached, NULL, NULL), -1,
                0);
    assert_int_equal(count_over(x->reached, NULL, NULL), 16); /* P01..P15, P17 */
    assert_cell(t, "participants_enrolled", "all", "all", PEOPLE, -1, 0);
    assert_cell(t, "wages_paid", "all", "all", paid_people, x->wages_count, wages);
    assert_cell(t, "wages_reversed", "all", "all", 4, 4, reversed);
    /* The capital is 10 % of each wage (all multiples of 10 GNF). */
    assert_cell(t, "capital_accumulated", "all", "all", paid_people, x->wages_count,
                wages * RATE_BP / 10000);
    assert_cell(t, "capital_released", "all", "all", 1, 1, 5000);
    assert_cell(t, "grants_committed", "all", "all", 2, 2, 400000);
    assert_cell(t, "grants_awaiting_approval", "all", "all", 1, 1, 200000);
    assert_cell(t, "grants_disbursed", "all", "all", 2, 3, 250000);
    assert_cell(t, "payouts", "all", "all", 8, 8, 8L * PAYOUT);
}

static long wage_entries_of(int i)
{
    return (i <= 16) + (i <= 12) + (i == 17);
}

/* By sex, age band, disability, region and category: fields no entry of
 * the scenario changes, so each person's bucket is their record's. */
static void assert_by_fixed_fields(const table *t, const expect *x)
{
    static const struct {
        const char *dim;
        const char *(*field)(int);
    } fixed[] = {{"sex", sex_of},
                 {"age_band", age_of},
                 {"disability", disability_of_i},
                 {"category", category_of},
                 {"admin1", region_of}};
    for (size_t d = 0; d < sizeof fixed / sizeof fixed[0]; d++) {
        for (int k = 1; k <= PEOPLE; k++) {
            const char *v = fixed[d].field(k);
            long tx = 0, payouts = 0, disbursed_tx = 0;
            bool enrolled[PEOPLE + 1], disbursed_to[PEOPLE + 1];
            for (int i = 1; i <= PEOPLE; i++) {
                bool in = strcmp(fixed[d].field(i), v) == 0;
                enrolled[i] = true;
                disbursed_to[i] = x->disbursed[i] > 0;
                tx += in ? wage_entries_of(i) : 0;
                payouts += in && i <= 8;
                disbursed_tx += in ? (i == 6 ? 2 : i == 9) : 0;
            }
            assert_cell(t, "participants_reached", fixed[d].dim, v,
                        count_over(x->reached, v, fixed[d].field), -1, 0);
            assert_cell(t, "participants_enrolled", fixed[d].dim, v,
                        count_over(enrolled, v, fixed[d].field), -1, 0);
            assert_cell(t, "wages_paid", fixed[d].dim, v,
                        count_over(x->wage_kept, v, fixed[d].field), tx,
                        sum_over(x->wages_net, v, fixed[d].field));
            assert_cell(t, "payouts", fixed[d].dim, v, payouts, payouts, payouts * PAYOUT);
            assert_cell(t, "grants_disbursed", fixed[d].dim, v,
                        count_over(disbursed_to, v, fixed[d].field), disbursed_tx,
                        sum_over(x->disbursed, v, fixed[d].field));
        }
    }
    /* The known values with nobody in them are there, at zero. */
    assert_cell(t, "participants_reached", "age_band", "0-14", 0, -1, 0);
}

/* P01 reached phase 2 after its wages: it is counted once, in phase 2
 * (its latest entry, the capital release), while its wages stay in the
 * bucket of the entries' own tags (phase 1). */
static void assert_by_phase_and_budget_line(const table *t, const expect *x)
{
    long wages = sum_over(x->wages_net, NULL, NULL);
    long paid_people = count_over(x->wage_kept, NULL, NULL);
    assert_cell(t, "participants_reached", "phase", "2", 1, -1, 0);
    assert_cell(t, "participants_reached", "phase", "1", 15, -1, 0);
    assert_cell(t, "participants_reached", "phase", "3", 0, -1, 0);
    assert_cell(t, "participants_enrolled", "phase", "2", 2, -1, 0); /* as they are now */
    assert_cell(t, "wages_paid", "phase", "1", paid_people - 1, x->wages_count, wages);
    assert_cell(t, "wages_paid", "phase", "2", 1, 0, 0);
    assert_cell(t, "capital_released", "phase", "2", 1, 1, 5000);

    long bl1 = -gross45(16) - gross45(4), bl2 = -gross46(3);
    for (int i = 1; i <= 16; i++)
        bl1 += gross45(i);
    for (int i = 1; i <= 12; i++)
        bl2 += gross46(i);
    /* People by their latest entry's line: P13-P15 last had a w45 wage,
     * P10-P12 a w46 one; the others a payout, grant or release (none). */
    assert_cell(t, "wages_paid", "budget_line", "BL1", 3, 16, bl1);
    assert_cell(t, "wages_paid", "budget_line", "BL2", 3, 12, bl2);
    assert_cell(t, "wages_paid", "budget_line", "none", paid_people - 6, 1,
                GROSS47_P17 - GROSS40);
    assert_cell(t, "grants_awaiting_approval", "category", people[7].category, 1, 1, 200000);
}

/* Collapses each run of spaces into one, in place: text tables compared
 * without their column widths. */
static void squash(char *s)
{
    char *o = s;
    for (const char *p = s; *p != '\0'; p++)
        if (!(*p == ' ' && p[1] == ' '))
            *o++ = *p;
    *o = '\0';
}

/* ---- tests ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    char *out = tr_expect(0, "report", "--help", NULL);
    tr_assert_contains(out, "usage: cauris report DIR --from YYYY-MM-DD --to YYYY-MM-DD");
    tr_assert_contains(out, "participants_reached");
    free(out);
    out = tr_expect(0, "--help", NULL);
    tr_assert_contains(out, "report");
    free(out);
    out = tr_expect(2, "report", "/x", "--to", "2026-11-30", NULL);
    tr_assert_contains(out, "--from YYYY-MM-DD and --to YYYY-MM-DD are required");
    free(out);
    out = tr_expect(2, "report", "/x", "--from", "2026-11-31", "--to", "2026-12-01", NULL);
    tr_assert_contains(out, "--from '2026-11-31' is not a date");
    free(out);
    out = tr_expect(2, "report", "/x", "--from", "2026-12-01", "--to", "2026-11-01", NULL);
    tr_assert_contains(out, "is after --to");
    free(out);
    out = tr_expect(2, "report", "/x", "--from", "2026-11-01", "--to", "2026-11-30", "--by",
                    "sex,shoe_size", NULL);
    tr_assert_contains(out, "--by 'shoe_size' is not a dimension");
    free(out);
    out = tr_expect(2, "report", "/x", "--from", "2026-11-01", "--to", "2026-11-30", "--format",
                    "xlsx", NULL);
    tr_assert_contains(out, "give text, csv or json");
    free(out);
    out = tr_expect(2, "report", "/x", "--from", "2026-11-01", "--to", "2026-11-30",
                    "--chart-format", "svg", NULL);
    tr_assert_contains(out, "--chart-format goes with --chart DIR");
    free(out);
    out = tr_expect(1, "report", "/tmp/cauris-report-no-such-ledger", "--from", "2026-11-01",
                    "--to", "2026-11-30", NULL);
    tr_assert_contains(out, "cauris report: ");
    free(out);
}

#define ALL_DIMS                                                                               \
    "sex,age_band,disability,admin1,admin2,category,phase,cohort,partner,budget_line"

static char *report_run(fx *f, const char *format, const char *by)
{
    char *out = NULL, *err = NULL;
    int rc =
        by ? tr_split(&out, &err, "report", f->ledger, "--programme", "pilot", "--from",
                      "2026-11-01", "--to", "2026-11-30", "--format", format, "--by", by, NULL)
           : tr_split(&out, &err, "report", f->ledger, "--programme", "pilot", "--from",
                      "2026-11-01", "--to", "2026-11-30", "--format", format, NULL);
    if (rc != 0)
        fprintf(stderr, "cauris report exited %d:\n%s\n", rc, err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    free(err);
    return out;
}

static void test_report_csv(void **state)
{
    fx *f = *state;
    expect x;
    scenario(f, &x);
    other_programme(f);

    char *csv = report_run(f, "csv", ALL_DIMS);
    char *copy = strdup(csv);
    table t = csv_parse(copy);
    assert_totals(&t, &x);
    assert_by_fixed_fields(&t, &x);
    assert_by_phase_and_budget_line(&t, &x);
    assert_buckets_add_up(&t);
    /* A region with a comma is quoted, and read back whole. */
    assert_cell(&t, "participants_enrolled", "admin1", "Bok\xc3\xa9, Nord", 5, -1, 0);
    tr_assert_contains(csv, "participants_enrolled,admin1,\"Bok\xc3\xa9, Nord\",5,,,\n");
    assert_groups_csv(&t);
    free(t.rows);
    free(copy);

    /* --output writes the same bytes to a file. */
    char path[400];
    snprintf(path, sizeof path, "%s/report.csv", f->root);
    free(tr_expect(0, "report", f->ledger, "--programme", "pilot", "--from", "2026-11-01",
                   "--to", "2026-11-30", "--format", "csv", "--by", "sex", "--by",
                   "age_band,disability,admin1", "--by", "admin2", "--by",
                   "category,phase,cohort,partner,budget_line", "--output", path, NULL));
    char *file = tr_file_read(path, NULL);
    assert_string_equal(file, csv);
    free(file);
    free(csv);

    /* By default: neither admin2 nor budget_line. */
    csv = report_run(f, "csv", NULL);
    tr_assert_contains(csv, "\nwages_paid,partner,cso1,");
    tr_assert_not_contains(csv, ",admin2,");
    tr_assert_not_contains(csv, ",budget_line,");
    free(csv);

    /* Two programmes: the report asks which; the other one is in USD. */
    char *out =
        tr_expect(2, "report", f->ledger, "--from", "2026-11-01", "--to", "2026-11-30", NULL);
    tr_assert_contains(out, "give --programme NAME");
    free(out);
    out = tr_expect(0, "report", f->ledger, "--programme", "other", "--from", "2026-11-01",
                    "--to", "2026-11-30", "--format", "csv", NULL);
    tr_assert_contains(out, "\nwages_paid,all,all,1,1,12.50,USD\n");
    tr_assert_contains(out, "\nparticipants_enrolled,all,all,1,,,\n");
    tr_assert_contains(out, "\nparticipants_reached,category,refugee,1,,,\n");
    free(out);
}

static json_t *json_at(json_t *root, const char *ind)
{
    json_t *v = json_object_get(json_object_get(root, "indicators"), ind);
    if (v == NULL)
        fprintf(stderr, "no indicator %s in the JSON report\n", ind);
    assert_non_null(v);
    return v;
}

/* The JSON report: the same figures, nested; the request awaiting
 * approval listed. */
static void test_report_json(void **state)
{
    fx *f = *state;
    expect x;
    scenario(f, &x);
    char *text = report_run(f, "json", "sex,phase");
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (root == NULL)
        fprintf(stderr, "not JSON (%s):\n%s\n", jerr.text, text);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "currency")), "GNF");
    assert_string_equal(json_string_value(json_object_get(root, "from")), "2026-11-01");
    assert_int_equal(json_array_size(json_object_get(root, "dimensions")), 2);

    json_t *w = json_at(root, "wages_paid");
    char want[32];
    snprintf(want, sizeof want, "%ld", sum_over(x.wages_net, NULL, NULL));
    assert_string_equal(json_string_value(json_object_get(w, "amount")), want);
    assert_int_equal(json_integer_value(json_object_get(w, "transactions")), x.wages_count);
    assert_int_equal(json_integer_value(json_object_get(w, "people")), 16);
    json_t *by_sex = json_object_get(json_object_get(w, "by"), "sex");
    assert_int_equal(json_array_size(by_sex), 2);
    json_int_t people_sum = 0;
    for (size_t i = 0; i < json_array_size(by_sex); i++) {
        json_t *b = json_array_get(by_sex, i);
        const char *v = json_string_value(json_object_get(b, "value"));
        snprintf(want, sizeof want, "%ld", sum_over(x.wages_net, v, sex_of));
        assert_string_equal(json_string_value(json_object_get(b, "amount")), want);
        people_sum += json_integer_value(json_object_get(b, "people"));
    }
    assert_int_equal(people_sum, 16);
    json_t *reached = json_at(root, "participants_reached");
    assert_int_equal(json_integer_value(json_object_get(reached, "people")), 16);
    assert_null(json_object_get(reached, "amount")); /* people only */
    assert_null(json_object_get(json_object_get(json_at(root, "participants_enrolled"), "by"),
                                "budget_line"));

    json_t *awaiting = json_object_get(root, "awaiting_approval");
    assert_int_equal(json_array_size(awaiting), 1);
    json_t *a = json_array_get(awaiting, 0);
    assert_string_equal(json_string_value(json_object_get(a, "op")), "grant_commit");
    assert_string_equal(json_string_value(json_object_get(a, "participant")), "P07");
    assert_string_equal(json_string_value(json_object_get(a, "amount")), "200000");
    assert_true(json_is_null(json_object_get(a, "reversal_of")));
    json_t *groups_arr = json_object_get(root, "savings_groups");
    assert_int_equal(json_array_size(groups_arr), 2);
    json_t *g1 = json_array_get(groups_arr, 0);
    assert_string_equal(json_string_value(json_object_get(g1, "group")), "g1");
    assert_int_equal(json_integer_value(json_object_get(g1, "members")), 5);
    assert_string_equal(json_string_value(json_object_get(g1, "savings")), "15000");
    assert_string_equal(json_string_value(json_object_get(g1, "loans_outstanding")), "5000");
    assert_int_equal(json_integer_value(json_object_get(g1, "members_with_loans")), 1);
    assert_true(json_is_true(json_object_get(g1, "cycle_open")));
    json_t *g2 = json_array_get(groups_arr, 1);
    assert_string_equal(json_string_value(json_object_get(g2, "last_share_out")), "3000");
    assert_int_equal(json_integer_value(json_object_get(g2, "last_share_out_members")), 3);
    assert_true(json_is_false(json_object_get(g2, "cycle_open")));
    json_decref(root);
    free(text);

    /* The text report: the same figures with thousands separators. */
    text = report_run(f, "text", NULL);
    squash(text);
    char line[128];
    long wages = sum_over(x.wages_net, NULL, NULL);
    snprintf(line, sizeof line, "\n wages paid (gross, less reversals) 16 29 %ld,%03ld\n",
             wages / 1000, wages % 1000);
    tr_assert_contains(text, line);
    tr_assert_contains(text, "\n grants awaiting approval 1 1 200,000\n");
    tr_assert_contains(text, "\n participants reached 16\n");
    tr_assert_contains(text, "\nparticipants reached, by phase\n 1 15\n 2 1\n 3 0\n");
    tr_assert_contains(text, " grant_commit 2026-11-20 P07 200,000\n");
    free(text);
}

/* ---- charts ---- */

static const char *const chart_names[] = {"participants-reached-by-sex",
                                          "participants-reached-by-age-band",
                                          "participants-reached-by-category",
                                          "participants-reached-by-region",
                                          "wages-paid-by-sex",
                                          "grants-disbursed-by-category",
                                          "savings-by-group"};
#define CHARTS (sizeof chart_names / sizeof chart_names[0])

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* cairo, loaded at run time: the test binaries do not link it. */
typedef struct cairo_fns {
    void *lib;
    void *(*from_png)(const char *);
    int (*status)(void *);
    void (*flush)(void *);
    int (*width)(void *), (*height)(void *), (*stride)(void *);
    unsigned char *(*data)(void *);
    void (*destroy)(void *);
} cairo_fns;

static void cairo_load(cairo_fns *c)
{
    c->lib = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);
    if (c->lib == NULL)
        fprintf(stderr, "cannot load libcairo.so.2 (libcairo2, which cauris links): %s\n",
                dlerror());
    assert_non_null(c->lib);
    *(void **)&c->from_png = dlsym(c->lib, "cairo_image_surface_create_from_png");
    *(void **)&c->status = dlsym(c->lib, "cairo_surface_status");
    *(void **)&c->flush = dlsym(c->lib, "cairo_surface_flush");
    *(void **)&c->width = dlsym(c->lib, "cairo_image_surface_get_width");
    *(void **)&c->height = dlsym(c->lib, "cairo_image_surface_get_height");
    *(void **)&c->stride = dlsym(c->lib, "cairo_image_surface_get_stride");
    *(void **)&c->data = dlsym(c->lib, "cairo_image_surface_get_data");
    *(void **)&c->destroy = dlsym(c->lib, "cairo_surface_destroy");
    assert_true(c->from_png && c->status && c->flush && c->width && c->height && c->stride &&
                c->data && c->destroy);
}

/* A PNG file: its signature, an IHDR 960 pixels wide, an IEND at its end;
 * decoded, more than one colour, and plenty of pixels unlike the
 * background (bars and text). */
static void assert_png(const cairo_fns *c, const char *path)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t len;
    unsigned char *bytes = (unsigned char *)tr_file_read(path, &len);
    assert_true(len > 2000);
    assert_memory_equal(bytes, signature, 8);
    assert_memory_equal(bytes + 12, "IHDR", 4);
    assert_int_equal(be32(bytes + 16), 960);
    assert_true(be32(bytes + 20) >= 100);
    assert_memory_equal(bytes + len - 8, "IEND", 4);
    free(bytes);

    void *s = c->from_png(path);
    assert_int_equal(c->status(s), 0);
    c->flush(s);
    int w = c->width(s), h = c->height(s), stride = c->stride(s);
    const unsigned char *data = c->data(s);
    assert_int_equal(w, 960);
    uint32_t background;
    memcpy(&background, data, 4);
    long other = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t px;
            memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            other += px != background;
        }
    if (other < 500)
        fprintf(stderr, "%s: only %ld pixels differ from the background\n", path, other);
    assert_true(other >= 500);
    c->destroy(s);
}

static void assert_svg(const char *path)
{
    char *text = tr_file_read(path, NULL);
    assert_true(strncmp(text, "<?xml", 5) == 0);
    tr_assert_contains(text, "<svg");
    tr_assert_contains(text, "<path");
    tr_assert_contains(text, "</svg>");
    free(text);
}

static void test_report_charts(void **state)
{
    fx *f = *state;
    expect x;
    scenario(f, &x);
    char dir[400], path[512];
    snprintf(dir, sizeof dir, "%s/charts", f->root);
    char *out = NULL, *err = NULL;
    int rc = tr_split(&out, &err, "report", f->ledger, "--from", "2026-11-01", "--to",
                      "2026-11-30", "--format", "csv", "--chart", dir, NULL);
    assert_int_equal(rc, 0);
    tr_assert_contains(out, "indicator,dimension,value,");
    tr_assert_contains(err, "7 charts written to ");
    free(out);
    free(err);
    cairo_fns c;
    cairo_load(&c);
    for (size_t i = 0; i < CHARTS; i++) {
        snprintf(path, sizeof path, "%s/%s.png", dir, chart_names[i]);
        assert_png(&c, path);
    }
    /* libcairo stays loaded: its caches stay reachable, not leaks. */

    snprintf(dir, sizeof dir, "%s/charts-svg", f->root);
    free(tr_expect(0, "report", f->ledger, "--from", "2026-11-01", "--to", "2026-11-30",
                   "--output", "/dev/null", "--chart", dir, "--chart-format", "svg", NULL));
    for (size_t i = 0; i < CHARTS; i++) {
        snprintf(path, sizeof path, "%s/%s.svg", dir, chart_names[i]);
        assert_svg(path);
    }

    /* A file where the directory should be. */
    snprintf(path, sizeof path, "%s/charts-svg/wages-paid-by-sex.svg", f->root);
    out = tr_expect(1, "report", f->ledger, "--from", "2026-11-01", "--to", "2026-11-30",
                    "--output", "/dev/null", "--chart", path, NULL);
    tr_assert_contains(out, "is a file, not a directory");
    free(out);
}

int main(void)
{
    if (tr_init("test_cli_report") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_report_csv, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_report_json, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_report_charts, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("cli_report", tests, NULL, NULL);
}
