/*
 * bench_statements.c — printing participants' statements (PERFORMANCE.md:
 * >= 50 A4 pages/s): a cohort's statements issued into the signed log,
 * then each read back and laid out as A4 PDF pages with its QR code, by
 * the CLI's own code (cli/render_*.c, linked in by the Makefile).
 *
 * Builds a ledger of N participants (accented names) with a few dozen
 * lines each: weekly wages by days (wallet and capital, a memo on each)
 * and a payout every other week. Each run issues every statement in one
 * ledger_statements_issue() call (timed apart), then renders them all into
 * one PDF file, as `cauris statement --cohort` does. Prints one table: the
 * machine, the parameters, and the median, minimum and maximum of the
 * runs. `--participants N`, `--weeks W`, `--runs R` change the sizes;
 * `--full` is 2,000 participants (the default, what `make bench` runs, 500).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/i18n.h"
#include "cli/render.h"
#include "ledger/ledger.h"

#define ST_PARTICIPANTS_DEFAULT 500u
#define ST_PARTICIPANTS_FULL 2000u
#define ST_PARTICIPANTS_MAX LEDGER_STATEMENTS_ISSUE_MAX
#define ST_WEEKS_DEFAULT 12u /* wages: 2 lines each; payouts every other week */
#define ST_WEEKS_MAX 100u
#define ST_RUNS_DEFAULT 5u
#define ST_RUNS_MAX 50u
#define ST_TARGET_PAGES_S 50.0
#define ST_DAILY_RATE 15000 /* GNF */
#define ST_PROGRAMME "bench"

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_statements: %s: %s\n", what, ledger_strerror(err));
    exit(1);
}

static const char *const first_names[] = {
    "A\xc3\xafssatou", "Mamadou", "Fanta",        "Ibrahima",     "Mariama",   "Alpha",
    "Kadiatou",        "Oumar",   "Hawa",         "S\xc3\xa9kou", "Fatoumata", "Boubacar",
    "Ramatoulaye",     "Moussa",  "Djen\u00e9ba", "Lansana",      "Aminata",   "Thierno"};
static const char *const last_names[] = {"Diallo",         "Bah",      "Camara", "Sow",
                                         "Barry",          "Conde",    "Keita",  "Tour\xc3\xa9",
                                         "Sylla",          "Bangoura", "Soumah", "Kourouma",
                                         "Diakit\xc3\xa9", "Cisse",    "Fofana"};
#define NAMES_OF(a) (sizeof(a) / sizeof((a)[0]))

static void enrol_all(ledger *l, uint32_t n)
{
    ledger_enrolment *rows = calloc(n, sizeof *rows);
    ledger_enrol_result *res = calloc(n, sizeof *res);
    if (rows == NULL || res == NULL)
        die("calloc", LEDGER_NOMEM);
    for (uint32_t i = 0; i < n; i++) {
        ledger_participant *p = &rows[i].p;
        snprintf(p->id, sizeof p->id, "P%05" PRIu32, i + 1);
        p->sex = i % 2 ? LEDGER_SEX_MALE : LEDGER_SEX_FEMALE;
        p->birth_year = (uint16_t)(1960 + i % 45);
        snprintf(p->admin1, sizeof p->admin1, "Conakry");
        snprintf(p->admin2, sizeof p->admin2, "Matoto");
        p->category = LEDGER_CATEGORY_RETURNED_MIGRANT;
        snprintf(p->cohort, sizeof p->cohort, "2026-A");
        p->phase = 1;
        snprintf(p->cso, sizeof p->cso, "cso1");
        snprintf(p->name, sizeof p->name, "%s %s %" PRIu32,
                 first_names[i % NAMES_OF(first_names)],
                 last_names[(i / NAMES_OF(first_names)) % NAMES_OF(last_names)], i + 1);
    }
    int err = ledger_participants_enrol(l, ST_PROGRAMME, "cso1", "bench", rows, n, true, res);
    if (err != LEDGER_OK)
        die("ledger_participants_enrol", err);
    for (uint32_t i = 0; i < n; i++)
        if (res[i].err != LEDGER_OK)
            die("a participant was refused", res[i].err);
    free(rows);
    free(res);
}

/* Posts one week: a wage of 5 days to everyone, and every other week a
 * payout of half of it. */
static void week_post(ledger *l, uint32_t n, uint32_t week, ledger_entry_in *es,
                      ledger_result *rs, char (*ids)[LEDGER_CLIENT_ID_MAX + 1],
                      char (*who)[LEDGER_PARTICIPANT_ID_MAX + 1], char (*memo)[32])
{
    uint32_t count = 0;
    uint32_t day = 20260105u + (week % 4) * 7u + (week / 4) * 100u; /* Jan..: 4 weeks a month */
    for (uint32_t i = 0; i < n; i++) {
        snprintf(who[i], sizeof who[i], "P%05" PRIu32, i + 1);
        snprintf(memo[i], sizeof memo[i], "semaine %" PRIu32, week + 1);
        uint32_t k = count++;
        snprintf(ids[k], sizeof ids[k], "w%" PRIu32 ":%s", week, who[i]);
        es[k] = (ledger_entry_in){.programme = ST_PROGRAMME,
                                  .kind = LEDGER_KIND_POSTED,
                                  .op = LEDGER_OP_WAGE,
                                  .partner = "mfi1",
                                  .principal = "bench",
                                  .client_id = ids[k],
                                  .memo = memo[i],
                                  .value_date = day,
                                  .participant = who[i],
                                  .days = 5,
                                  .daily_rate = ST_DAILY_RATE};
        if (week % 2 == 1) {
            k = count++;
            snprintf(ids[k], sizeof ids[k], "p%" PRIu32 ":%s", week, who[i]);
            es[k] = (ledger_entry_in){.programme = ST_PROGRAMME,
                                      .kind = LEDGER_KIND_POSTED,
                                      .op = LEDGER_OP_PAYOUT,
                                      .partner = "mfi1",
                                      .principal = "bench",
                                      .client_id = ids[k],
                                      .value_date = day + 1,
                                      .participant = who[i],
                                      .amount = 5 * ST_DAILY_RATE};
        }
    }
    int err = ledger_post(l, es, count, false, rs, NULL);
    if (err != LEDGER_OK)
        die("ledger_post", err);
    for (uint32_t i = 0; i < count; i++)
        if (rs[i].err != LEDGER_OK)
            die("an entry was refused", rs[i].err);
}

static void build(const char *dir, uint32_t n, uint32_t weeks)
{
    ledger_settings s;
    ledger_settings_default(&s);
    s.capital_rate_bp = 1000;
    ledger_init_options io = {.programme = ST_PROGRAMME, .currency = "GNF", .settings = &s};
    io.open.map_size_initial = (size_t)256 << 20;
    int err = ledger_init(dir, &io);
    if (err != LEDGER_OK)
        die("ledger_init", err);
    ledger *l;
    if ((err = ledger_open(&l, dir, NULL)) != LEDGER_OK)
        die("ledger_open", err);
    const char *cash = "partner:mfi1:cash";
    int res;
    if ((err = ledger_accounts_open(l, ST_PROGRAMME, &cash, 1, &res)) != LEDGER_OK ||
        res != LEDGER_OK)
        die("ledger_accounts_open", err ? err : res);
    enrol_all(l, n);
    ledger_entry_in fund = {.programme = ST_PROGRAMME,
                            .kind = LEDGER_KIND_POSTED,
                            .op = LEDGER_OP_FUNDING,
                            .partner = "mfi1",
                            .principal = "bench",
                            .client_id = "fund",
                            .value_date = 20260101,
                            .amount = INT64_MAX / 4};
    ledger_result fr;
    if ((err = ledger_post(l, &fund, 1, false, &fr, NULL)) != LEDGER_OK || fr.err != LEDGER_OK)
        die("funding", err ? err : fr.err);
    ledger_entry_in *es = calloc(2 * (size_t)n, sizeof *es);
    ledger_result *rs = calloc(2 * (size_t)n, sizeof *rs);
    char(*ids)[LEDGER_CLIENT_ID_MAX + 1] = calloc(2 * (size_t)n, sizeof *ids);
    char(*who)[LEDGER_PARTICIPANT_ID_MAX + 1] = calloc(n, sizeof *who);
    char(*memo)[32] = calloc(n, sizeof *memo);
    if (es == NULL || rs == NULL || ids == NULL || who == NULL || memo == NULL)
        die("calloc", LEDGER_NOMEM);
    for (uint32_t w = 0; w < weeks; w++)
        week_post(l, n, w, es, rs, ids, who, memo);
    free(es);
    free(rs);
    free(ids);
    free(who);
    free(memo);
    ledger_close(l);
}

typedef struct run_result {
    double issue_s, render_s;
    unsigned pages;
    long pdf_bytes;
} run_result;

/* One run: every statement issued in one call, then all rendered into one
 * A4 PDF. */
static run_result run_once(ledger *l, const char *const *who, uint32_t n, const char *pdf_path,
                           ledger_issued_statement *is, statement_doc *doc)
{
    run_result r = {0, 0, 0, 0};
    char why[STATEMENT_WHY_MAX];
    double t0 = bench_now_s();
    int err = ledger_statements_issue(l, ST_PROGRAMME, "bench", who, n, 0, 0, is);
    if (err != LEDGER_OK)
        die("ledger_statements_issue", err);
    double t1 = bench_now_s();
    FILE *f = fopen(pdf_path, "wb");
    statement_pdf *pdf = NULL;
    if (f == NULL)
        die("fopen", LEDGER_IO);
    if (statement_pdf_open(&pdf, f, STATEMENT_PAPER_A4, why, sizeof why) != 0) {
        fprintf(stderr, "bench_statements: %s\n", why);
        exit(1);
    }
    for (uint32_t i = 0; i < n; i++) {
        unsigned pages = 0;
        if (statement_doc_load(l, ST_PROGRAMME, &is[i], doc, why, sizeof why) != 0 ||
            statement_pdf_add(pdf, doc, &pages, why, sizeof why) != 0) {
            fprintf(stderr, "bench_statements: %s: %s\n", is[i].participant, why);
            exit(1);
        }
        r.pages += pages;
        statement_doc_free(doc);
    }
    if (statement_pdf_close(pdf, why, sizeof why) != 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_statements: %s\n", why);
        exit(1);
    }
    r.render_s = bench_now_s() - t1;
    r.issue_s = t1 - t0;
    struct stat st;
    r.pdf_bytes = stat(pdf_path, &st) == 0 ? (long)st.st_size : -1;
    return r;
}

/* Median, minimum and maximum of v[0..n) (sorted in place). */
static void row(const char *what, double *v, uint32_t n, const char *target)
{
    double med = bench_median_of(v, n); /* sorts */
    printf("| %s | %.1f | %.1f | %.1f | %s |\n", what, med, v[0], v[n - 1], target);
}

int main(int argc, char **argv)
{
    uint32_t n = ST_PARTICIPANTS_DEFAULT, weeks = ST_WEEKS_DEFAULT, runs = ST_RUNS_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--participants") == 0 && i + 1 < argc)
            n = bench_arg_u32(argv[++i], 1, ST_PARTICIPANTS_MAX, "--participants");
        else if (strcmp(argv[i], "--weeks") == 0 && i + 1 < argc)
            weeks = bench_arg_u32(argv[++i], 1, ST_WEEKS_MAX, "--weeks");
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = bench_arg_u32(argv[++i], 1, ST_RUNS_MAX, "--runs");
        else if (strcmp(argv[i], "--full") == 0)
            n = ST_PARTICIPANTS_FULL;
        else {
            bench_usage("bench_statements [--full] [--participants N] [--weeks W] "
                        "[--runs R]");
        }
    }
    char why[I18N_WHY_MAX];
    if (i18n_init(I18N_FR, why, sizeof why) != 0) {
        fprintf(stderr, "bench_statements: %s\n", why);
        return 1;
    }
    char dir[] = "/tmp/cauris-bench-statements-XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", LEDGER_IO);
    char ledger_dir[BENCH_DIR_PATH_MAX], pdf_path[BENCH_DIR_PATH_MAX];
    snprintf(ledger_dir, sizeof ledger_dir, "%s/ledger", dir);
    snprintf(pdf_path, sizeof pdf_path, "%s/statements.pdf", dir);
    double t0 = bench_now_s();
    build(ledger_dir, n, weeks);
    double build_s = bench_now_s() - t0;

    ledger *l;
    int err = ledger_open(&l, ledger_dir, NULL);
    if (err != LEDGER_OK)
        die("ledger_open", err);
    const char **who = calloc(n, sizeof *who);
    char(*ids)[LEDGER_PARTICIPANT_ID_MAX + 1] = calloc(n, sizeof *ids);
    ledger_issued_statement *is = calloc(n, sizeof *is);
    statement_doc *doc = malloc(sizeof *doc);
    double *issue = calloc(runs, sizeof *issue), *render = calloc(runs, sizeof *render),
           *total = calloc(runs, sizeof *total), *people = calloc(runs, sizeof *people);
    if (who == NULL || ids == NULL || is == NULL || doc == NULL || issue == NULL ||
        render == NULL || total == NULL || people == NULL)
        die("calloc", LEDGER_NOMEM);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "P%05" PRIu32, i + 1);
        who[i] = ids[i];
    }
    unsigned pages = 0;
    long bytes = 0;
    for (uint32_t r = 0; r < runs; r++) {
        run_result rr = run_once(l, who, n, pdf_path, is, doc);
        issue[r] = (double)n / rr.issue_s;
        render[r] = (double)rr.pages / rr.render_s;
        total[r] = (double)rr.pages / (rr.issue_s + rr.render_s);
        people[r] = (double)n / rr.render_s;
        pages = rr.pages;
        bytes = rr.pdf_bytes;
    }
    uint64_t lines_each = (uint64_t)weeks * 2 + weeks / 2;
    bench_machine_print("bench_statements: printed statements, A4 PDF (French)");
    printf("| parameters | %" PRIu32 " participants, %" PRIu64 " lines each (%" PRIu32
           " weekly wages: wallet and capital; %" PRIu32 " payouts), %" PRIu32
           " runs; ledger built in %.2f s |\n",
           n, lines_each, weeks, weeks / 2, runs, build_s);
    printf("| output | %u A4 pages per run (%.2f per participant), %.1f KiB per page |\n\n",
           pages, (double)pages / n, bytes > 0 ? (double)bytes / 1024.0 / pages : 0.0);
    printf("| what | median | min | max | target |\n|---|---|---|---|---|\n");
    char target[64];
    snprintf(target, sizeof target, ">= %.0f", ST_TARGET_PAGES_S);
    double med_render = bench_median_of(render, runs);
    row("issue: statements signed into the log per s (one call)", issue, runs, "");
    row("render: A4 pages per s (read, lay out, QR, write PDF)", render, runs, target);
    row("issue + render: A4 pages per s", total, runs, target);
    row("render: participants' statements per s", people, runs, "");
    printf("\nrender median %.1f pages/s: %.1f× the target of %.0f pages/s\n\n", med_render,
           med_render / ST_TARGET_PAGES_S, ST_TARGET_PAGES_S);
    ledger_close(l);
    statement_pdf_shutdown();
    free(who);
    free(ids);
    free(is);
    free(doc);
    free(issue);
    free(render);
    free(total);
    free(people);
    if (getenv("BENCH_KEEP") == NULL)
        bench_dir_remove(dir);
    else
        fprintf(stderr, "kept %s\n", dir);
    return 0;
}
