/*
 * test_cli_accounting.c — end-to-end tests of the accountant's commands:
 * `cauris reconcile` (an MFI's statement against partner:<mfi>:cash),
 * `trial-balance` and `balance-sheet` (as of a date or tree size),
 * `export` (CSV, an hledger journal read back by the real hledger, a
 * beancount ledger checked line by line) and `backup` (taken while the
 * real server keeps posting, then verified and compared).
 *
 * Each test runs the real binary on a fresh temporary ledger and asserts
 * what an accountant reads: the whole reconciliation report, exit codes
 * 0 / 1 / 2, and balances equal to cauris's own.
 *
 * bean-check is not installed (python3 has no beancount module), so the
 * beancount export is checked here: every line is one of the forms
 * beancount reads, account names follow its rules, every transaction
 * balances, every account is opened on or before its first use, and the
 * balances are cauris's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rpc/rpc.h"
#include "tests/e2e.h"
#include "tests/run.h"

#define HLEDGER "/usr/bin/hledger"

/* ---- fixtures ---- */

static const char *fx_path(tr_fx *f, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", f->root, name);
    return buf;
}

static void assert_text_equal(const char *got, const char *expected)
{
    if (strcmp(got, expected) != 0)
        fail_msg("output differs.\n--- expected:\n%s\n--- got:\n%s", expected, got);
}

/* ---- a programme "pilot" (GNF) with an MFI's money moving ---- */

#define PEOPLE_CSV                                                                             \
    "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone\n"             \
    "P1,f,1994,,Conakry,Ratoma,returned_migrant,2026-A,1,cso1,Aissatou Diallo,\n"              \
    "P2,m,1988,,Kindia,Coyah,former_security_forces,2026-A,1,cso1,Mamadou Bah,\n"              \
    "P3,f,2001,,Conakry,Matoto,displaced_person,2026-A,1,cso2,Fanta Camara,\n"                 \
    "P4,m,1999,,Conakry,Kaloum,community_member,2026-A,1,cso2,Ibrahima Sow,\n"                 \
    "ab_c.d-e,f,1990,,Conakry,Dixinn,refugee,2026-A,1,cso1,Awa Toure,\n"

/* Funding, four wages, then six payouts from partner:mfi1:cash. */
static const char pilot_entries[] =
    "{\"client_id\":\"fund-1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
    "\"amount\":\"5000000\",\"external_ref\":\"MFI-7001\",\"memo\":\"donor tranche 1\"}\n"
    "{\"op\":\"wage\",\"wage_run\":\"w45\",\"participant\":\"P1\",\"amount\":\"150000\","
    "\"value_date\":\"2026-11-06\"}\n"
    "{\"op\":\"wage\",\"wage_run\":\"w45\",\"participant\":\"P2\",\"amount\":\"100000\","
    "\"value_date\":\"2026-11-06\"}\n"
    "{\"op\":\"wage\",\"wage_run\":\"w45\",\"participant\":\"P3\",\"amount\":\"100000\","
    "\"value_date\":\"2026-11-06\"}\n"
    "{\"op\":\"wage\",\"wage_run\":\"w45\",\"participant\":\"P4\",\"amount\":\"100000\","
    "\"value_date\":\"2026-11-06\"}\n"
    "{\"client_id\":\"pay-P1\",\"op\":\"payout\",\"participant\":\"P1\",\"amount\":\"90000\","
    "\"value_date\":\"2026-11-10\",\"external_ref\":\"MFI-7101\"}\n"
    "{\"client_id\":\"pay-P2\",\"op\":\"payout\",\"participant\":\"P2\",\"amount\":\"60000\","
    "\"value_date\":\"2026-11-11\"}\n"
    "{\"client_id\":\"pay-P3\",\"op\":\"payout\",\"participant\":\"P3\",\"amount\":\"30000\","
    "\"value_date\":\"2026-11-16\"}\n"
    "{\"client_id\":\"pay-P4\",\"op\":\"payout\",\"participant\":\"P4\",\"amount\":\"45000\","
    "\"value_date\":\"2026-11-16\"}\n"
    "{\"client_id\":\"pay-P1b\",\"op\":\"payout\",\"participant\":\"P1\",\"amount\":\"20000\","
    "\"value_date\":\"2026-11-20\",\"external_ref\":\"MFI-7150\"}\n"
    "{\"client_id\":\"pay-P2b\",\"op\":\"payout\",\"participant\":\"P2\",\"amount\":\"10000\","
    "\"value_date\":\"2026-11-25\",\"external_ref\":\"MFI-7199\"}\n";

typedef struct pilot {
    unsigned long long fund, p1, p2, p3, p4, p1b, p2b; /* seqs of pilot_entries */
    unsigned long long grant_post, reversal;           /* pilot_extras */
} pilot;

static void pilot_make(tr_fx *f, pilot *p)
{
    char path[400];
    free(tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "GNF",
                   "--capital-rate-bp", "1000", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    char *out = tr_expect(0, "enroll", f->ledger,
                          tr_fx_file(f, "people.csv", PEOPLE_CSV, path, sizeof path),
                          "--partner", "cso1", "--principal", "enroller", NULL);
    tr_assert_contains(out, "enrolled 5 participants");
    free(out);
    out = tr_expect(0, "post", f->ledger,
                    tr_fx_file(f, "entries.jsonl", pilot_entries, path, sizeof path),
                    "--partner", "mfi1", "--principal", "moussa", NULL);
    tr_assert_contains(out, "posted 11, existing 0, refused 0");
    memset(p, 0, sizeof *p);
    p->fund = tr_seq_of_line(out, 1);
    p->p1 = tr_seq_of_line(out, 6);
    p->p2 = tr_seq_of_line(out, 7);
    p->p3 = tr_seq_of_line(out, 8);
    p->p4 = tr_seq_of_line(out, 9);
    p->p1b = tr_seq_of_line(out, 10);
    p->p2b = tr_seq_of_line(out, 11);
    free(out);
}

/* A grant commit approved by a second person (kind post), one still
 * awaiting approval (pending: moves no posted balance), a wage of the
 * participant whose id needs escaping in beancount, and the reversal of
 * the last payout. */
static void pilot_extras(tr_fx *f, pilot *p)
{
    char path[400], ref[32], line[256];
    char *out = tr_expect(
        0, "post", f->ledger,
        tr_fx_file(f, "extras.jsonl",
                   "{\"client_id\":\"grant-P3\",\"op\":\"grant_commit\",\"participant\":\"P3\","
                   "\"amount\":\"50000\",\"value_date\":\"2026-11-21\"}\n"
                   "{\"client_id\":\"grant-P4\",\"op\":\"grant_commit\",\"participant\":\"P4\","
                   "\"amount\":\"30000\",\"value_date\":\"2026-11-22\"}\n"
                   "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"ab_c.d-e\","
                   "\"amount\":\"20000\",\"value_date\":\"2026-11-13\","
                   "\"memo\":\"semaine; \\\"47\\\"\"}\n",
                   path, sizeof path),
        "--partner", "mfi1", "--principal", "moussa", NULL);
    const char *pending = strstr(out, "line 1: pending approval, seq ");
    assert_non_null(pending);
    snprintf(ref, sizeof ref, "%llu", strtoull(pending + 30, NULL, 10));
    free(out);
    out = tr_expect(0, "approve", f->ledger, ref, "--principal", "fatou", NULL);
    const char *posted = strstr(out, "approved by fatou: seq ");
    assert_non_null(posted);
    p->grant_post = strtoull(posted + 23, NULL, 10);
    free(out);
    snprintf(line, sizeof line,
             "{\"client_id\":\"pay-P2b-fix\",\"kind\":\"reversal\",\"ref\":\"%llu\","
             "\"value_date\":\"2026-11-26\",\"memo\":\"paid twice\"}\n",
             p->p2b);
    out = tr_expect(0, "post", f->ledger, tr_fx_file(f, "fix.jsonl", line, path, sizeof path),
                    "--partner", "mfi1", "--principal", "moussa", NULL);
    p->reversal = tr_seq_of_line(out, 1);
    free(out);
}

/* ---- help and usage ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    static const char *const cmds[] = {"reconcile", "trial-balance", "balance-sheet", "export",
                                       "backup"};
    char *out = tr_expect(0, "--help", NULL);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        tr_assert_contains(out, cmds[i]);
        char *help = tr_expect(0, cmds[i], "--help", NULL);
        tr_assert_contains(help, "usage: cauris ");
        tr_assert_contains(help, cmds[i]);
        free(help);
    }
    free(out);
    out = tr_expect(2, "reconcile", "/nonexistent", NULL);
    tr_assert_contains(out, "needs --account CODE and --statement FILE");
    free(out);
    out = tr_expect(2, "reconcile", "d", "--account", "a", "--statement", "s", "--window-days",
                    "61", NULL);
    tr_assert_contains(out, "--window-days must be 0 to 60");
    free(out);
    out = tr_expect(2, "reconcile", "d", "--account", "a", "--statement", "s", "--date-format",
                    "d.m.y", NULL);
    tr_assert_contains(out, "give yyyy-mm-dd, dd/mm/yyyy or mm/dd/yyyy");
    free(out);
    out = tr_expect(2, "reconcile", "d", "--account", "a", "--statement", "s", "--col-amount",
                    "x", "--col-debit", "y", "--col-credit", "z", NULL);
    tr_assert_contains(out, "not both");
    free(out);
    out = tr_expect(2, "export", "d", NULL);
    tr_assert_contains(out, "needs --format csv, hledger or beancount");
    free(out);
    out = tr_expect(2, "export", "d", "--format", "ledger", NULL);
    tr_assert_contains(out, "give csv, hledger or beancount");
    free(out);
    out = tr_expect(2, "trial-balance", "d", "--as-of", "2026-11-01", "--tree-size", "3", NULL);
    tr_assert_contains(out, "not both");
    free(out);
    out = tr_expect(2, "balance-sheet", "d", "--as-of", "yesterday", NULL);
    tr_assert_contains(out, "is not a date YYYY-MM-DD");
    free(out);
    out = tr_expect(2, "backup", "d", NULL);
    tr_assert_contains(out, "needs the ledger directory and a destination");
    free(out);
}

/* ---- reconcile: every kind of difference ---- */

/* The MFI's statement of partner:mfi1:cash for November: an opening row
 * without an amount, two lines by reference, one by amount and date (two
 * days later, the MFI's own reference), one bulk withdrawal for two
 * payouts, one reference with another amount, and the MFI's fee that the
 * ledger does not hold. The ledger's payout of 25 November is missing. */
static const char statement_en[] =
    "date,ref,label,amount,balance\n"
    "01/11/2026,,Solde initial,,0\n"
    "02/11/2026,MFI-7001,VIREMENT BAILLEUR,5000000,5000000\n"
    "10/11/2026,MFI-7101,RETRAIT P1,-90000,4910000\n"
    "13/11/2026,BNK-5521,RETRAIT,-60000,4850000\n"
    "17/11/2026,BNK-5530,RETRAIT GROUPE,-75000,4775000\n"
    "20/11/2026,MFI-7150,RETRAIT P1,-25000,4750000\n"
    "28/11/2026,BNK-FEE-11,FRAIS DE TENUE DE COMPTE,-15000,4735000\n";

static void test_reconcile_report_text(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char path[400], expected[4096];
    pilot_make(f, &p);
    tr_fx_file(f, "stmt.csv", statement_en, path, sizeof path);
    char *out = NULL, *err = NULL;
    int rc = tr_split(&out, &err, "reconcile", f->ledger, "--account", "partner:mfi1:cash",
                      "--statement", path, NULL);
    snprintf(
        expected, sizeof expected,
        "reconcile: partner:mfi1:cash (programme pilot, GNF) against %s\n"
        "period: beginning .. end (value dates); date window 3 days\n"
        "amounts: + money into the account (a credit in the MFI's statement, a debit in the "
        "ledger), - money out\n"
        "statement: 6 lines, net 4735000 GNF (1 row without an amount skipped)\n"
        "ledger: 7 lines, net 4745000 GNF\n"
        "\n"
        "matched: 4\n"
        "    line  date            amount  by                seq  value date      amount  ref\n"
        "       3  2026-11-02     5000000  ref          %8llu  2026-11-02     5000000  "
        "MFI-7001\n"
        "       4  2026-11-10      -90000  ref          %8llu  2026-11-10      -90000  "
        "MFI-7101\n"
        "       5  2026-11-13      -60000  amount-date  %8llu  2026-11-11      -60000  -\n"
        "       6  2026-11-17      -75000  combined     %8llu  2026-11-16      -30000  -\n"
        "                                               %8llu  2026-11-16      -45000  -\n"
        "\n"
        "amount differences (same reference, another amount): 1\n"
        "    line  date         statement      ledger  difference  ref         seq\n"
        "       7  2026-11-20      -25000      -20000       -5000  MFI-7150    %llu\n"
        "\n"
        "in the statement, missing in the ledger: 1\n"
        "    line  date            amount  ref         label\n"
        "       8  2026-11-28      -15000  BNK-FEE-11  FRAIS DE TENUE DE COMPTE\n"
        "\n"
        "in the ledger, missing in the statement: 1\n"
        "     seq  value date      amount  ref         operation        client id / memo\n"
        "  %6llu  2026-11-25      -10000  MFI-7199    payout           pay-P2b\n"
        "\n"
        "result: NOT reconciled: 1 amount difference, 1 statement line missing in the ledger, "
        "1 ledger entry missing in the statement\n",
        path, p.fund, p.p1, p.p2, p.p3, p.p4, p.p1b, p.p2b);
    assert_text_equal(out, expected);
    assert_string_equal(err, "");
    assert_int_equal(rc, 1);
    free(out);
    free(err);

    /* The same month with the period given: the lines outside it (the
     * funding, the difference of the 20th, the fee) are not reported; the
     * rest is reconciled. */
    out = tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, "--from", "2026-11-05", "--to", "2026-11-18", NULL);
    tr_assert_contains(out, "period: 2026-11-05 .. 2026-11-18 (value dates)");
    tr_assert_contains(out, "statement: 3 lines, net -225000 GNF");
    tr_assert_contains(out, "ledger: 4 lines, net -225000 GNF");
    tr_assert_contains(out, "matched: 3\n");
    tr_assert_contains(out, "result: reconciled (3 matches)\n");
    free(out);
    /* A period ending on the 19th: the MFI's line of the 20th lies in the
     * window's margin and is not reported, nor is its difference. */
    out = tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, "--from", "2026-11-05", "--to", "2026-11-19", NULL);
    tr_assert_not_contains(out, "MFI-7150");
    free(out);
}

static void test_reconcile_csv_and_json(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char path[400], expected[4096];
    pilot_make(f, &p);
    tr_fx_file(f, "stmt.csv", statement_en, path, sizeof path);
    char *out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash",
                          "--statement", path, "--format", "csv", NULL);
    snprintf(
        expected, sizeof expected,
        "status,by,line,date,amount,ref,label,seq,value_date,entry_amount,external_ref,"
        "operation,client_id,memo,difference\n"
        "matched,ref,3,2026-11-02,5000000,MFI-7001,VIREMENT BAILLEUR,%llu,2026-11-02,"
        "5000000,MFI-7001,funding,fund-1,donor tranche 1,\n"
        "matched,ref,4,2026-11-10,-90000,MFI-7101,RETRAIT P1,%llu,2026-11-10,-90000,"
        "MFI-7101,payout,pay-P1,,\n"
        "matched,amount-date,5,2026-11-13,-60000,BNK-5521,RETRAIT,%llu,2026-11-11,-60000,,"
        "payout,pay-P2,,\n"
        "matched,combined,6,2026-11-17,-75000,BNK-5530,RETRAIT GROUPE,%llu,2026-11-16,"
        "-30000,,payout,pay-P3,,\n"
        "matched,combined,6,2026-11-17,-75000,BNK-5530,RETRAIT GROUPE,%llu,2026-11-16,"
        "-45000,,payout,pay-P4,,\n"
        "difference,difference,7,2026-11-20,-25000,MFI-7150,RETRAIT P1,%llu,2026-11-20,"
        "-20000,MFI-7150,payout,pay-P1b,,-5000\n"
        "missing_in_ledger,,8,2026-11-28,-15000,BNK-FEE-11,FRAIS DE TENUE DE COMPTE,,,,,,,,"
        "\n"
        "missing_in_statement,,,,,,,%llu,2026-11-25,-10000,MFI-7199,payout,pay-P2b,,\n",
        p.fund, p.p1, p.p2, p.p3, p.p4, p.p1b, p.p2b);
    assert_text_equal(out, expected);
    free(out);

    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, "--format", "json", NULL);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON (%s):\n%s", jerr.text, out);
    assert_false(json_is_true(json_object_get(j, "reconciled")));
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "GNF");
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "matched")), 4);
    assert_int_equal(json_integer_value(json_object_get(counts, "differences")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "missing_in_ledger")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "missing_in_statement")), 1);
    json_t *matched = json_object_get(j, "matched");
    assert_int_equal(json_array_size(matched), 4);
    json_t *combined = json_array_get(matched, 3);
    assert_string_equal(json_string_value(json_object_get(combined, "by")), "combined");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(combined, "statement"), "amount")),
        "-75000");
    json_t *entries = json_object_get(combined, "entries");
    assert_int_equal(json_array_size(entries), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(entries, 0), "seq")),
                     (json_int_t)p.p3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(entries, 1), "seq")),
                     (json_int_t)p.p4);
    json_t *diff = json_array_get(json_object_get(j, "differences"), 0);
    assert_string_equal(json_string_value(json_object_get(diff, "difference")), "-5000");
    assert_string_equal(json_string_value(json_object_get(diff, "ledger_amount")), "-20000");
    json_t *ml = json_array_get(json_object_get(j, "missing_in_ledger"), 0);
    assert_string_equal(json_string_value(json_object_get(ml, "ref")), "BNK-FEE-11");
    assert_int_equal(json_integer_value(json_object_get(ml, "line")), 8);
    json_t *ms = json_array_get(json_object_get(j, "missing_in_statement"), 0);
    assert_int_equal(json_integer_value(json_object_get(ms, "seq")), (json_int_t)p.p2b);
    assert_string_equal(json_string_value(json_object_get(ms, "client_id")), "pay-P2b");
    json_decref(j);
    free(out);
}

/* ---- reconcile: a French statement ---- */

/* A USD programme at an MFI writing French statements: ';', decimal
 * comma, dd/mm/yyyy, thousands grouped by a space, U+00A0, U+202F or '.',
 * debit and credit columns, accented column names. */
static void usd_make(tr_fx *f)
{
    char path[400];
    free(tr_expect(0, "init", f->ledger, "--programme", "usd", "--currency", "USD", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi2:cash", NULL));
    char *out = tr_expect(
        0, "post", f->ledger,
        tr_fx_file(
            f, "usd.jsonl",
            "{\"client_id\":\"fund-u1\",\"op\":\"funding\",\"value_date\":\"2026-10-01\","
            "\"amount\":\"123456789\",\"external_ref\":\"VIR-0001\",\"memo\":\"tranche 1\"}\n"
            "{\"client_id\":\"fund-u2\",\"op\":\"funding\",\"value_date\":\"2026-10-03\","
            "\"amount\":\"50\",\"memo\":\"interest\"}\n"
            "{\"client_id\":\"adj-1\",\"op\":\"transfer\",\"value_date\":\"2026-10-05\","
            "\"legs\":[{\"account\":\"programme:fund\",\"debit\":\"2500\"},"
            "{\"account\":\"partner:mfi2:cash\",\"credit\":\"2500\"}]}\n"
            "{\"client_id\":\"fund-u3\",\"op\":\"funding\",\"value_date\":\"2026-10-07\","
            "\"amount\":\"123450\",\"external_ref\":\"VIR-0002\"}\n",
            path, sizeof path),
        "--partner", "mfi2", "--principal", "awa", NULL);
    tr_assert_contains(out, "posted 4, existing 0, refused 0");
    free(out);
}

#define FR_HEADER "Date opération;Libellé;Référence;%s;%s;Solde\n"
#define FR_ROWS                                                                                \
    "30/09/2026;SOLDE INITIAL;;;;0,00\n"                                                       \
    "01/10/2026;VIREMENT BAILLEUR;VIR-0001;;1 234 567,89;1 234 567,89\n"                       \
    "03/10/2026;INTÉRÊTS CRÉDITEURS;;;0,50;1\xc2\xa0"                                       \
    "234\xc2\xa0"                                                                              \
    "568,39\n"                                                                                 \
    "06/10/2026;FRAIS;;25,00;;1\xe2\x80\xaf"                                                   \
    "234\xe2\x80\xaf"                                                                          \
    "543,39\n"                                                                                 \
    "07/10/2026;VIREMENT BAILLEUR 2;VIR-0002;;1.234,50;1.235.777,89\n"

static void test_reconcile_french(void **state)
{
    tr_fx *f = *state;
    char path[400], text[2048], expected[2048];
    usd_make(f);
    /* Debit first, then credit, as French statements have them: money in
     * is in the credit column (the MFI's view). */
    snprintf(text, sizeof text, FR_HEADER FR_ROWS, "Débit", "Crédit");
    tr_fx_file(f, "releve.csv", text, path, sizeof path);
    char *out = tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi2:cash",
                          "--statement", path, "--col-date", "Date opération", NULL);
    snprintf(expected, sizeof expected,
             "reconcile: partner:mfi2:cash (programme usd, USD) against %s\n"
             "period: beginning .. end (value dates); date window 3 days\n"
             "amounts: + money into the account (a credit in the MFI's statement, a debit in "
             "the ledger), - money out\n"
             "statement: 4 lines, net 1235777.89 USD (1 row without an amount skipped)\n"
             "ledger: 4 lines, net 1235777.89 USD\n"
             "\n"
             "matched: 4\n"
             "    line  date            amount  by                seq  value date      amount  "
             "ref\n",
             path);
    tr_assert_contains(out, expected);
    tr_assert_contains(out, "       3  2026-10-01  1234567.89  ref          ");
    tr_assert_contains(out, "  2026-10-01  1234567.89  VIR-0001\n");
    tr_assert_contains(out, "       4  2026-10-03        0.50  amount-date  ");
    tr_assert_contains(out, "       5  2026-10-06      -25.00  amount-date  ");
    tr_assert_contains(out, "  2026-10-05      -25.00  -\n");
    tr_assert_contains(out, "       6  2026-10-07     1234.50  ref          ");
    tr_assert_contains(out, "result: reconciled (4 matches)\n");
    free(out);

    /* The file written from the ledger's side: money in under "Débit". */
    snprintf(text, sizeof text, FR_HEADER FR_ROWS, "Crédit", "Débit");
    tr_fx_file(f, "releve-ledger.csv", text, path, sizeof path);
    free(tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi2:cash", "--statement",
                   path, "--col-date", "Date opération", "--statement-sign", "ledger", NULL));
    /* Read as the MFI's view instead, every amount has the wrong sign. */
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi2:cash", "--statement",
                    path, "--col-date", "Date opération", NULL);
    tr_assert_contains(out, "statement: 4 lines, net -1235777.89 USD");
    tr_assert_contains(out, "amount differences (same reference, another amount): 2\n");
    tr_assert_contains(out, "       3  2026-10-01  -1234567.89   1234567.89  -2469135.78  "
                            "VIR-0001  ");
    tr_assert_contains(out, "in the statement, missing in the ledger: 2\n");
    tr_assert_contains(out, "       5  2026-10-06        25.00  -         FRAIS\n");
    free(out);

    /* A signed amount column, named with options; dates dd.mm.yyyy. */
    tr_fx_file(f, "signed.csv",
               "Jour;Montant net;Pièce\n"
               "01.10.2026;1 234 567,89;VIR-0001\n"
               "03.10.2026;+0,50;\n"
               "06.10.2026;(25,00);\n"
               "07.10.2026;1 234,50 ;VIR-0002\n",
               path, sizeof path);
    out = tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi2:cash", "--statement",
                    path, "--col-date", "jour", "--col-amount", "Montant net", "--col-ref",
                    "Pièce", "--date-format", "dd/mm/yyyy", "--decimal-comma", NULL);
    tr_assert_contains(out, "result: reconciled (4 matches)\n");
    free(out);

    /* Forced to read a decimal point, the French amounts are refused by
     * line, and nothing is compared. */
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi2:cash", "--statement",
                    path, "--col-date", "jour", "--col-amount", "Montant net",
                    "--decimal-point", NULL);
    tr_assert_contains(out, "line 3: '+0,50' is not an amount like 1,234.50 (or give "
                            "--decimal-comma)\n");
    tr_assert_contains(out, "line 5: '1 234,50' is not an amount like 1,234.50");
    tr_assert_contains(out, "4 lines could not be read; nothing was compared\n");
    tr_assert_not_contains(out, "result:");
    free(out);
}

/* ---- reconcile: windows, order, combinations, reversals ---- */

static unsigned long long post_one(tr_fx *f, const char *name, const char *line)
{
    char path[400];
    char *out = tr_expect(0, "post", f->ledger, tr_fx_file(f, name, line, path, sizeof path),
                          "--partner", "mfi1", "--principal", "moussa", NULL);
    unsigned long long seq = tr_seq_of_line(out, 1);
    free(out);
    return seq;
}

#define FUNDING(ID, DATE, AMOUNT)                                                              \
    "{\"client_id\":\"" ID "\",\"op\":\"funding\",\"value_date\":\"" DATE "\","                \
    "\"amount\":\"" AMOUNT "\"}\n"

static void test_reconcile_window_order_combined(void **state)
{
    tr_fx *f = *state;
    char path[400], line[256];
    free(tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "GNF", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    /* Two deposits of 100,000: the later-dated one has the lower seq. */
    unsigned long long f13 = post_one(f, "a.jsonl", FUNDING("f13", "2026-11-13", "100000"));
    unsigned long long f10 = post_one(f, "b.jsonl", FUNDING("f10", "2026-11-10", "100000"));
    /* Four deposits of the 24th; the MFI shows three of them as one. */
    unsigned long long g40 = post_one(f, "c.jsonl", FUNDING("g40", "2026-11-24", "40000"));
    unsigned long long g20 = post_one(f, "d.jsonl", FUNDING("g20", "2026-11-24", "20000"));
    unsigned long long g30 = post_one(f, "e.jsonl", FUNDING("g30", "2026-11-24", "30000"));
    unsigned long long g25 = post_one(f, "f.jsonl", FUNDING("g25", "2026-11-24", "25000"));
    /* A deposit posted by mistake, then reversed: the MFI has neither. */
    unsigned long long oops = post_one(f, "g.jsonl", FUNDING("oops", "2026-11-15", "33333"));
    snprintf(line, sizeof line,
             "{\"client_id\":\"oops-fix\",\"kind\":\"reversal\",\"ref\":\"%llu\","
             "\"value_date\":\"2026-11-16\"}\n",
             oops);
    unsigned long long fix = post_one(f, "h.jsonl", line);
    tr_fx_file(f, "stmt.csv",
               "date,amount,label\n"
               "2026-11-11,100000,dépôt\n"
               "2026-11-14,100000,dépôt\n"
               "2026-11-25,90000,dépôts groupés\n"
               "2026-11-26,25000,dépôt\n",
               path, sizeof path);
    char *out = tr_expect(0, "reconcile", f->ledger, "--account", "partner:mfi1:cash",
                          "--statement", path, NULL);
    char row[256];
    /* Nearest date first: the 11th takes the 10th (1 day) though the 13th
     * has the lower seq; the 14th then takes the 13th. */
    snprintf(row, sizeof row,
             "       2  2026-11-11      100000  amount-date  %8llu  2026-11-10      100000",
             f10);
    tr_assert_contains(out, row);
    snprintf(row, sizeof row,
             "       3  2026-11-14      100000  amount-date  %8llu  2026-11-13      100000",
             f13);
    tr_assert_contains(out, row);
    /* The 26th's 25,000 is two days from the 24th: matched by amount. */
    snprintf(row, sizeof row,
             "       5  2026-11-26       25000  amount-date  %8llu  2026-11-24       25000",
             g25);
    tr_assert_contains(out, row);
    /* The fewest entries making 90,000: three, in seq order. */
    snprintf(
        row, sizeof row,
        "       4  2026-11-25       90000  combined     %8llu  2026-11-24       40000  -\n"
        "                                               %8llu  2026-11-24       20000  -\n"
        "                                               %8llu  2026-11-24       30000  -\n",
        g40, g20, g30);
    tr_assert_contains(out, row);
    /* The mistake and its reversal cancel out. */
    snprintf(row, sizeof row, "reversal     %8llu  2026-11-15       33333  -\n", oops);
    tr_assert_contains(out, row);
    snprintf(row, sizeof row, "%8llu  2026-11-16      -33333  -\n", fix);
    tr_assert_contains(out, row);
    tr_assert_contains(out, "matched: 5\n");
    tr_assert_contains(out, "result: reconciled (5 matches)\n");
    free(out);

    /* A window of one day: the 26th's deposit no longer matches, and the
     * 25th's bulk line is made of the three nearest that fit. */
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, "--window-days", "1", NULL);
    tr_assert_contains(out, "date window 1 day\n");
    tr_assert_contains(out, "in the statement, missing in the ledger: 1\n"
                            "    line  date            amount  ref  label\n"
                            "       5  2026-11-26       25000  -    dépôt\n");
    snprintf(row, sizeof row,
             "in the ledger, missing in the statement: 1\n"
             "     seq  value date      amount  ref  operation        client id / memo\n"
             "  %6llu  2026-11-24       25000  -    funding          g25\n",
             g25);
    tr_assert_contains(out, row);
    free(out);
    /* Same dates only: the 11th and the 14th find nothing either. */
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, "--window-days", "0", "--format", "json", NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "matched")), 1); /* reversal */
    assert_int_equal(json_integer_value(json_object_get(counts, "missing_in_ledger")), 4);
    assert_int_equal(json_integer_value(json_object_get(counts, "missing_in_statement")), 6);
    json_decref(j);
    free(out);
}

/* ---- reconcile: files it cannot read ---- */

static void test_reconcile_bad_files(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char path[400];
    pilot_make(f, &p);
    tr_fx_file(f, "bad.csv",
               "date;montant;libellé\n"
               "02/11/2026;5 000 000;ok\n"
               "31/02/2026;-90 000;no such day\n"
               "13/11/26;-60 000;two-digit year\n"
               "17/11/2026;-75 00;wrong grouping\n"
               "20/11/2026;-25 000,5;half a franc\n",
               path, sizeof path);
    char *out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash",
                          "--statement", path, NULL);
    char want[3000];
    snprintf(
        want, sizeof want,
        "cauris reconcile: %s: line 3: date '31/02/2026' is not a date yyyy-mm-dd or "
        "dd/mm/yyyy (see --date-format)\n"
        "cauris reconcile: %s: line 4: date '13/11/26' is not a date yyyy-mm-dd or "
        "dd/mm/yyyy (see --date-format)\n"
        "cauris reconcile: %s: line 5: '-75 00' is not an amount like 1 234,50 (or give "
        "--decimal-point)\n"
        "cauris reconcile: %s: line 6: '-25 000,5': '25000.5' has more than 0 decimals: it "
        "would not be a whole number of the currency's minor unit\n"
        "cauris reconcile: %s: 4 lines could not be read; nothing was compared\n",
        path, path, path, path, path);
    assert_text_equal(out, want);
    free(out);

    tr_fx_file(f, "nodate.csv", "when,amount\n2026-11-02,5000000\n", path, sizeof path);
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, NULL);
    tr_assert_contains(out, "the header (line 1) has no date column; name it with --col-date "
                            "NAME (its columns: 'when', 'amount')");
    free(out);
    tr_fx_file(f, "both.csv", "date,debit,credit\n2026-11-02,10,20\n", path, sizeof path);
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    path, NULL);
    tr_assert_contains(out, "line 2: has both a debit (10) and a credit (20)");
    free(out);
    tr_fx_file(f, "ok.csv", "date,amount\n2026-11-02,5000000\n", path, sizeof path);
    out = tr_expect(1, "reconcile", f->ledger, "--account", "participant:P1:wallet",
                    "--statement", path, NULL);
    tr_assert_contains(out, "participant:P1:wallet is not an asset (it is of type liability)");
    free(out);
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:nobody:cash",
                    "--statement", path, NULL);
    tr_assert_contains(out, "partner:nobody:cash: ");
    free(out);
    out = tr_expect(1, "reconcile", f->ledger, "--account", "partner:mfi1:cash", "--statement",
                    fx_path(f, "missing.csv", path, sizeof path), NULL);
    tr_assert_contains(out, "missing.csv");
    free(out);
}

/* ---- trial balance and balance sheet ---- */

static void today(char out[16])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static unsigned long long tree_size(const char *dir)
{
    char *out = tr_expect(0, "checkpoint", dir, NULL);
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    unsigned long long size = strtoull(nl + 1, NULL, 10);
    free(out);
    return size;
}

static void test_trial_balance_and_balance_sheet(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char size[32], date[16];
    pilot_make(f, &p);
    unsigned long long after_entries = tree_size(f->ledger);
    pilot_extras(f, &p);
    char *out = tr_expect(0, "trial-balance", f->ledger, NULL);
    snprintf(size, sizeof size, "as of: tree size %llu\n", tree_size(f->ledger));
    tr_assert_contains(out, size);
    tr_assert_contains(out, "accounts: 19\n");
    tr_assert_contains(out, "partner:mfi1:cash                                     4755000\n");
    tr_assert_contains(out,
                       "participant:P3:grant                                                "
                       "         50000\n");
    tr_assert_contains(out, "programme:grants                                        50000\n");
    tr_assert_contains(out, "(4 accounts with a zero balance not shown)\n");
    /* The grant awaiting approval (30,000 to P4) moves nothing. */
    tr_assert_contains(out, "debits:               5275000 GNF\n"
                            "credits:              5275000 GNF\n"
                            "trial balance: balanced\n");
    free(out);
    /* As of the tree size after the first entries: no grant, no reversal. */
    snprintf(size, sizeof size, "%llu", after_entries);
    out = tr_expect(0, "trial-balance", f->ledger, "--tree-size", size, "--json", NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "debits")), "5195000");
    assert_string_equal(json_string_value(json_object_get(j, "credits")), "5195000");
    assert_true(json_is_true(json_object_get(j, "balanced")));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "as_of"), "tree_size")),
        (json_int_t)after_entries);
    json_t *acc = json_object_get(j, "accounts");
    assert_int_equal(json_array_size(acc), 19);
    bool cash_seen = false;
    for (size_t i = 0; i < json_array_size(acc); i++) {
        json_t *a = json_array_get(acc, i);
        if (strcmp(json_string_value(json_object_get(a, "code")), "partner:mfi1:cash") != 0)
            continue;
        cash_seen = true;
        assert_string_equal(json_string_value(json_object_get(a, "debit")), "4745000");
        assert_string_equal(json_string_value(json_object_get(a, "credit")), "0");
        assert_string_equal(json_string_value(json_object_get(a, "type")), "asset");
    }
    assert_true(cash_seen);
    json_decref(j);
    free(out);
    /* As of dates: recorded days. Nothing was recorded in 2000; all was
     * recorded today. */
    out = tr_expect(0, "trial-balance", f->ledger, "--as-of", "2000-01-01", NULL);
    tr_assert_contains(out, "as of: 2000-01-01 (entries recorded on or before that day)\n");
    tr_assert_contains(out, "(19 accounts with a zero balance not shown)\n");
    tr_assert_contains(out, "debits:                     0 GNF\n");
    free(out);
    today(date);
    out = tr_expect(0, "trial-balance", f->ledger, "--as-of", date, NULL);
    tr_assert_contains(out, "debits:               5275000 GNF\n");
    free(out);

    out = tr_expect(0, "balance-sheet", f->ledger, NULL);
    tr_assert_contains(out, "balance sheet of programme pilot (GNF)\n");
    tr_assert_contains(out,
                       "assets\n"
                       "  partner:mfi1:cash                                         4755000\n"
                       "  total assets                                              4755000\n");
    tr_assert_contains(out,
                       "  total liabilities                                          275000\n");
    tr_assert_contains(out,
                       "  total equity                                              5000000\n");
    tr_assert_contains(
        out, "income\n  total income                                                    0\n");
    tr_assert_contains(out,
                       "  total expenses                                             520000\n");
    tr_assert_contains(out,
                       "  net income (income - expenses)                            -520000\n"
                       "  assets                                                    4755000\n"
                       "  liabilities + equity + net income                         4755000\n"
                       "balance sheet: balanced\n");
    free(out);
    out = tr_expect(0, "balance-sheet", f->ledger, "--tree-size", size, "--json", NULL);
    j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "assets")), "4745000");
    assert_string_equal(json_string_value(json_object_get(j, "liabilities")), "195000");
    assert_string_equal(json_string_value(json_object_get(j, "equity")), "5000000");
    assert_string_equal(json_string_value(json_object_get(j, "expenses")), "450000");
    assert_string_equal(json_string_value(json_object_get(j, "net_income")), "-450000");
    assert_true(json_is_true(json_object_get(j, "balanced")));
    json_t *sections = json_object_get(j, "sections");
    assert_int_equal(json_array_size(sections), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(sections, 4), "type")),
                        "expense");
    json_decref(j);
    free(out);
}

/* ---- export ---- */

/* Runs a shell command; returns what it printed (the caller frees).
 * Fails the test when it does not exit 0. */
static char *shell(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n;
    while ((n = fread(buf + len, 1, cap - 1 - len, p)) > 0) {
        len += n;
        if (len == cap - 1) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = '\0';
    int status = pclose(p);
    if (status != 0)
        fail_msg("%s: status %d\n%s", cmd, status, buf);
    return buf;
}

typedef struct acct_line {
    char code[80], type[16], balance[40], currency[8];
} acct_line;

/* `cauris accounts` of a programme, parsed. */
static size_t accounts_of(tr_fx *f, const char *programme, acct_line *out, size_t max)
{
    char *text = tr_expect(0, "accounts", f->ledger, "--programme", programme, NULL);
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        acct_line a;
        char flags[64];
        if (sscanf(line, "%79s %15s %63s %39s %7s", a.code, a.type, flags, a.balance,
                   a.currency) != 5 ||
            strcmp(a.code, "code") == 0)
            continue;
        assert_true(n < max);
        out[n++] = a;
    }
    free(text);
    return n;
}

static const char *hledger_prefix(const char *type)
{
    return strcmp(type, "asset") == 0       ? "assets"
           : strcmp(type, "liability") == 0 ? "liabilities"
           : strcmp(type, "equity") == 0    ? "equity"
           : strcmp(type, "income") == 0    ? "income"
                                            : "expenses";
}

/* "1000" -> "-1000", "-5" -> "5" */
static void negate(char *out, size_t cap, const char *amount)
{
    if (amount[0] == '-')
        snprintf(out, cap, "%s", amount + 1);
    else
        snprintf(out, cap, "-%s", amount);
}

/* The balance hledger would show for a cauris account: assets and
 * expenses as they are, the credit-normal types negated. */
static void signed_balance(const acct_line *a, char *out, size_t cap)
{
    bool debit_normal = strcmp(a->type, "asset") == 0 || strcmp(a->type, "expense") == 0;
    if (debit_normal)
        snprintf(out, cap, "%s", a->balance);
    else
        negate(out, cap, a->balance);
}

static bool zero_amount(const char *s)
{
    return strspn(s, "0.") == strlen(s);
}

/* hledger's balances of the journal equal cauris's, account by account,
 * and hledger has no other account. */
static void hledger_check(tr_fx *f, const char *programme, const char *journal)
{
    char cmd[600], want[300], amount[48];
    acct_line accts[64];
    if (access(HLEDGER, X_OK) != 0)
        fail_msg("%s is not installed (Debian package hledger; CI installs it)", HLEDGER);
    snprintf(cmd, sizeof cmd, "%s -f '%s' bal -O csv --flat --no-total 2>&1", HLEDGER, journal);
    char *bal = shell(cmd);
    size_t n = accounts_of(f, programme, accts, 64), nonzero = 0;
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "\"%s:%s\",", hledger_prefix(accts[i].type), accts[i].code);
        if (zero_amount(accts[i].balance)) {
            tr_assert_not_contains(bal, want);
            continue;
        }
        nonzero++;
        signed_balance(&accts[i], amount, sizeof amount);
        snprintf(want, sizeof want, "\"%s:%s\",\"%s %s\"\n", hledger_prefix(accts[i].type),
                 accts[i].code, amount, accts[i].currency);
        tr_assert_contains(bal, want);
    }
    assert_int_equal(tr_count_of(bal, "\n"), nonzero + 1); /* and the header */
    free(bal);
}

/* A second programme in USD, 2 decimals, in the same ledger. */
static void usd_programme_add(tr_fx *f)
{
    char path[400];
    free(tr_expect(0, "programme", "create", f->ledger, "usd", "--currency", "USD", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi2:cash", "--programme", "usd",
                   NULL));
    char *out = tr_expect(
        0, "post", f->ledger,
        tr_fx_file(f, "usd.jsonl",
                   "{\"client_id\":\"u1\",\"op\":\"funding\",\"value_date\":\"2026-10-01\","
                   "\"amount\":\"123456789\",\"external_ref\":\"VIR-0001\"}\n"
                   "{\"client_id\":\"u2\",\"op\":\"transfer\",\"value_date\":\"2026-10-05\","
                   "\"legs\":[{\"account\":\"programme:wages\",\"debit\":\"5\"},"
                   "{\"account\":\"partner:mfi2:cash\",\"credit\":\"5\"}]}\n",
                   path, sizeof path),
        "--programme", "usd", "--partner", "mfi2", "--principal", "awa", NULL);
    tr_assert_contains(out, "posted 2, existing 0, refused 0");
    free(out);
}

static void test_export_hledger(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char journal[400], usd[400], want[512];
    pilot_make(f, &p);
    pilot_extras(f, &p);
    usd_programme_add(f);
    fx_path(f, "pilot.journal", journal, sizeof journal);
    char *out = tr_expect(0, "export", f->ledger, "--programme", "pilot", "--format", "hledger",
                          "--output", journal, NULL);
    snprintf(want, sizeof want,
             "exported 14 entries (33 legs) of programme pilot to %s; 2 pending or void "
             "entries left out\n",
             journal);
    assert_text_equal(out, want);
    free(out);
    char *text = tr_file_read(journal, NULL);
    tr_assert_contains(text, "commodity 1000. GNF\n");
    snprintf(
        want, sizeof want,
        "\n2026-11-02 (seq %llu) funding fund-1  ; ref: MFI-7001\n"
        "    ; donor tranche 1\n"
        "    assets:partner:mfi1:cash                                         5000000 GNF\n"
        "    equity:programme:fund                                           -5000000 GNF\n"
        "\n",
        p.fund);
    tr_assert_contains(text, want);
    snprintf(want, sizeof want, "(seq %llu) grant_commit approve-", p.grant_post);
    tr_assert_contains(text, want);
    snprintf(want, sizeof want,
             "(seq %llu) payout pay-P2b-fix  ; kind: reversal, reverses: %llu\n", p.reversal,
             p.p2b);
    tr_assert_contains(text, want);
    /* The description's ';' would start a comment: it is not in it. */
    tr_assert_contains(text, "    ; semaine; \"47\"\n");
    tr_assert_not_contains(text, "grant-P4"); /* still awaiting approval */
    free(text);
    hledger_check(f, "pilot", journal);

    fx_path(f, "usd.journal", usd, sizeof usd);
    free(tr_expect(0, "export", f->ledger, "--programme", "usd", "--format", "hledger",
                   "--output", usd, NULL));
    text = tr_file_read(usd, NULL);
    tr_assert_contains(text, "commodity 1000.00 USD\n");
    tr_assert_contains(text,
                       "    assets:partner:mfi2:cash                                      "
                       "1234567.89 USD\n");
    tr_assert_contains(text, "-0.05 USD\n");
    free(text);
    hledger_check(f, "usd", usd);
    /* hledger agrees the accounting equation holds: everything sums to 0. */
    snprintf(want, sizeof want, "%s -f '%s' bal -O csv --flat 2>&1 | tail -1", HLEDGER, usd);
    text = shell(want);
    assert_string_equal(text, "\"total\",\"0\"\n");
    free(text);
}

/* ---- beancount, checked line by line ---- */

#define BC_DATE "[0-9]{4}-[0-9]{2}-[0-9]{2}"
#define BC_ACCOUNT "(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+"
#define BC_AMOUNT "-?[0-9]+(\\.[0-9]+)?"

typedef struct bc_rules {
    regex_t option, open, meta, txn, posting;
} bc_rules;

static void bc_compile(bc_rules *r)
{
    assert_int_equal(regcomp(&r->option, "^option \"[a-z_]+\" \"[^\"]*\"$", REG_EXTENDED), 0);
    assert_int_equal(
        regcomp(&r->open, "^(" BC_DATE ") open (" BC_ACCOUNT ") ([A-Z]{3})$", REG_EXTENDED), 0);
    assert_int_equal(
        regcomp(&r->meta, "^  [a-z][a-zA-Z0-9_-]*: (\"[^\"]*\"|[0-9]+)$", REG_EXTENDED), 0);
    assert_int_equal(
        regcomp(&r->txn, "^(" BC_DATE ") \\* \"[^\"]*\" \"[^\"]*\"$", REG_EXTENDED), 0);
    assert_int_equal(
        regcomp(&r->posting, "^  (" BC_ACCOUNT ") +(" BC_AMOUNT ") ([A-Z]{3})$", REG_EXTENDED),
        0);
}

static void bc_free(bc_rules *r)
{
    regfree(&r->option);
    regfree(&r->open);
    regfree(&r->meta);
    regfree(&r->txn);
    regfree(&r->posting);
}

#define BC_ACCOUNTS_MAX 64

typedef struct bc_state {
    char names[BC_ACCOUNTS_MAX][200];
    char opened[BC_ACCOUNTS_MAX][11];
    char codes[BC_ACCOUNTS_MAX][80];    /* the cauris code an open directive names */
    size_t last_open;                   /* the account of the last open, for its code */
    long long balance[BC_ACCOUNTS_MAX]; /* minor units */
    size_t count;
    char txn_date[11];
    long long txn_sum;
    size_t txn_postings, txns;
} bc_state;

static size_t bc_account(bc_state *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->names[i], name) == 0)
            return i;
    assert_true(s->count < BC_ACCOUNTS_MAX);
    snprintf(s->names[s->count], sizeof s->names[0], "%s", name);
    s->opened[s->count][0] = '\0';
    s->codes[s->count][0] = '\0';
    s->balance[s->count] = 0;
    return s->count++;
}

static void bc_copy(char *out, size_t cap, const char *line, const regmatch_t *m)
{
    size_t len = (size_t)(m->rm_eo - m->rm_so);
    assert_true(len < cap);
    memcpy(out, line + m->rm_so, len);
    out[len] = '\0';
}

/* "5000000" or "-12.50" in minor units of `digits` */
static long long bc_minor(const char *text, int digits)
{
    long long sign = text[0] == '-' ? -1 : 1, v = 0;
    int decimals = -1;
    for (const char *p = text + (text[0] == '-'); *p; p++) {
        if (*p == '.') {
            decimals = 0;
            continue;
        }
        v = v * 10 + (*p - '0');
        if (decimals >= 0)
            decimals++;
    }
    assert_int_equal(decimals < 0 ? 0 : decimals, digits);
    return sign * v;
}

static void bc_txn_end(bc_state *s)
{
    if (s->txn_date[0] == '\0')
        return;
    assert_true(s->txn_postings >= 2);
    assert_int_equal(s->txn_sum, 0); /* balanced */
    s->txn_date[0] = '\0';
    s->txns++;
}

static void bc_line(bc_state *s, const bc_rules *r, const char *line, int digits)
{
    regmatch_t m[8];
    char name[200], amount[48];
    if (line[0] == '\0' || line[0] == ';') {
        bc_txn_end(s);
    } else if (regexec(&r->option, line, 0, NULL, 0) == 0) {
        bc_txn_end(s);
    } else if (regexec(&r->open, line, 8, m, 0) == 0) {
        bc_txn_end(s);
        bc_copy(name, sizeof name, line, &m[2]);
        size_t a = bc_account(s, name);
        assert_string_equal(s->opened[a], ""); /* opened once */
        bc_copy(s->opened[a], sizeof s->opened[a], line, &m[1]);
        s->last_open = a;
    } else if (regexec(&r->txn, line, 8, m, 0) == 0) {
        bc_txn_end(s);
        bc_copy(s->txn_date, sizeof s->txn_date, line, &m[1]);
        s->txn_sum = 0;
        s->txn_postings = 0;
    } else if (regexec(&r->meta, line, 0, NULL, 0) == 0) {
        /* metadata of an open directive (its code) or a transaction */
        if (strncmp(line, "  code: \"", 9) == 0 && s->txn_date[0] == '\0')
            snprintf(s->codes[s->last_open], sizeof s->codes[0], "%.*s",
                     (int)(strlen(line) - 10), line + 9);
    } else if (regexec(&r->posting, line, 8, m, 0) == 0) {
        assert_true(s->txn_date[0] != '\0');
        bc_copy(name, sizeof name, line, &m[1]);
        bc_copy(amount, sizeof amount, line, &m[4]);
        size_t a = bc_account(s, name);
        if (s->opened[a][0] == '\0' || strcmp(s->opened[a], s->txn_date) > 0)
            fail_msg("%s is used on %s but opened on '%s'", name, s->txn_date, s->opened[a]);
        long long v = bc_minor(amount, digits);
        s->balance[a] += v;
        s->txn_sum += v;
        s->txn_postings++;
    } else {
        fail_msg("not a beancount line: '%s'", line);
    }
}

/* Reads the beancount text line by line (it is cut into lines on the
 * way): every line a form beancount reads, every transaction balanced,
 * every account opened once and before its use, and its balances
 * cauris's (debits positive, as in hledger). */
static void beancount_check(tr_fx *f, const char *programme, char *text, int digits,
                            size_t txns)
{
    bc_rules r;
    bc_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    bc_compile(&r);
    size_t lines = 0;
    for (char *line = text, *nl; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl); /* every line ends */
        *nl = '\0';
        bc_line(s, &r, line, digits);
        lines++;
    }
    bc_txn_end(s);
    assert_true(lines > 10);
    assert_int_equal(s->txns, txns);
    /* The balances are cauris's (debits positive, as in hledger); an
     * account with none has no line or a zero sum. */
    acct_line accts[64];
    size_t n = accounts_of(f, programme, accts, 64);
    for (size_t i = 0; i < n; i++) {
        char amount[48];
        size_t k = 0;
        while (k < s->count && strcmp(s->codes[k], accts[i].code) != 0)
            k++;
        if (zero_amount(accts[i].balance)) {
            assert_true(k == s->count || s->balance[k] == 0);
            continue;
        }
        assert_true(k < s->count);
        signed_balance(&accts[i], amount, sizeof amount);
        assert_int_equal(s->balance[k], bc_minor(amount, digits));
    }
    bc_free(&r);
    free(s);
}

static void test_export_beancount(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char path[400], want[300];
    pilot_make(f, &p);
    pilot_extras(f, &p);
    fx_path(f, "pilot.beancount", path, sizeof path);
    free(tr_expect(0, "export", f->ledger, "--format", "beancount", "--output", path, NULL));
    char *text = tr_file_read(path, NULL);
    tr_assert_contains(text, "option \"operating_currency\" \"GNF\"\n");
    tr_assert_contains(text, "2026-11-02 open Assets:Partner:Mfi1:Cash GNF\n"
                             "  code: \"partner:mfi1:cash\"\n");
    tr_assert_contains(text, "2026-11-06 open Liabilities:Participant:0P1:Wallet GNF\n");
    tr_assert_contains(text, "2026-11-21 open Liabilities:Participant:0P3:Grant GNF\n");
    tr_assert_contains(text,
                       "2026-11-13 open Liabilities:Participant:Ab-5Fc-2Ed--e:Wallet GNF\n"
                       "  code: \"participant:ab_c.d-e:wallet\"\n");
    tr_assert_contains(text, "2026-11-02 open Equity:Programme:Fund GNF\n");
    tr_assert_contains(text, "2026-11-06 open Expenses:Programme:Wages GNF\n");
    snprintf(want, sizeof want,
             "2026-11-02 * \"funding\" \"donor tranche 1\"\n"
             "  seq: %llu\n"
             "  kind: \"posted\"\n"
             "  client_id: \"fund-1\"\n"
             "  external_ref: \"MFI-7001\"\n"
             "  Assets:Partner:Mfi1:Cash                                         5000000 GNF\n"
             "  Equity:Programme:Fund                                           -5000000 GNF\n",
             p.fund);
    tr_assert_contains(text, want);
    tr_assert_contains(text, "2026-11-13 * \"wage\" \"semaine; '47'\"\n");
    snprintf(want, sizeof want, "  kind: \"reversal\"\n  reverses: %llu\n", p.p2b);
    tr_assert_contains(text, want);
    tr_assert_not_contains(text, "grant-P4");

    beancount_check(f, "pilot", text, 0, 14);
    free(text);

    /* The USD programme: two decimals. */
    usd_programme_add(f);
    fx_path(f, "usd.beancount", path, sizeof path);
    free(tr_expect(0, "export", f->ledger, "--programme", "usd", "--format", "beancount",
                   "--output", path, NULL));
    text = tr_file_read(path, NULL);
    tr_assert_contains(text, "option \"operating_currency\" \"USD\"\n");
    tr_assert_contains(text, "  Assets:Partner:Mfi2:Cash                                      "
                             "1234567.89 USD\n");
    tr_assert_contains(text,
                       "  Assets:Partner:Mfi2:Cash                                           "
                       "-0.05 USD\n");
    beancount_check(f, "usd", text, 2, 2);
    free(text);
}

/* ---- export as CSV ---- */

static void test_export_csv(void **state)
{
    tr_fx *f = *state;
    pilot p;
    char want[1024];
    pilot_make(f, &p);
    pilot_extras(f, &p);
    char *out = NULL, *err = NULL;
    assert_int_equal(tr_split(&out, &err, "export", f->ledger, "--format", "csv", NULL), 0);
    assert_string_equal(err, "");
    snprintf(want, sizeof want,
             "seq,date,kind,op,client_id,external_ref,memo,account,debit,credit,currency\n"
             "%llu,2026-11-02,posted,funding,fund-1,MFI-7001,donor tranche 1,partner:mfi1:cash,"
             "5000000,,GNF\n"
             "%llu,2026-11-02,posted,funding,fund-1,MFI-7001,donor tranche 1,programme:fund,,"
             "5000000,GNF\n",
             p.fund, p.fund);
    assert_true(strncmp(out, want, strlen(want)) == 0);
    /* A memo with the separator's neighbours and quotes is quoted (libcsv). */
    tr_assert_contains(out,
                       ",posted,wage,w46:ab_c.d-e,,\"semaine; \"\"47\"\"\",programme:wages,"
                       "20000,,GNF\n");
    snprintf(want, sizeof want, "%llu,2026-11-21,post,grant_commit,approve-", p.grant_post);
    tr_assert_contains(out, want);
    snprintf(want, sizeof want,
             "%llu,2026-11-26,reversal,payout,pay-P2b-fix,,paid twice,partner:mfi1:cash,10000,,"
             "GNF\n",
             p.reversal);
    tr_assert_contains(out, want);
    tr_assert_not_contains(out, "grant-P4"); /* pending: no posted balance moves */
    assert_int_equal(tr_count_of(out, "\n"), 1 + 33);
    /* Debits equal credits over the file. */
    long long debits = 0, credits = 0;
    for (const char *line = strchr(out, '\n') + 1; *line != '\0';
         line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        const char *currency = end;
        while (currency[-1] != ',')
            currency--;
        const char *credit = currency - 1;
        while (credit[-1] != ',')
            credit--;
        const char *debit = credit - 1;
        while (debit[-1] != ',')
            debit--;
        debits += strtoll(debit, NULL, 10);
        credits += strtoll(credit, NULL, 10);
    }
    assert_true(debits == credits && debits > 0);
    free(out);
    free(err);
    /* A period: the entries with value dates in it. */
    out = tr_expect(0, "export", f->ledger, "--format", "csv", "--from", "2026-11-20", "--to",
                    "2026-11-21", NULL);
    assert_int_equal(tr_count_of(out, "\n"), 1 + 4);
    tr_assert_contains(out, ",2026-11-20,posted,payout,pay-P1b,MFI-7150,,");
    free(out);
    out = tr_expect(2, "export", f->ledger, "--format", "csv", "--from", "2026-11-21", "--to",
                    "2026-11-20", NULL);
    tr_assert_contains(out, "--from is after --to");
    free(out);
}

/* ---- backup while the server posts ---- */

#define POSTER_AFTER 3 /* requests the poster completes after the backup returns */

typedef struct poster {
    const e2e_server *s;
    _Atomic int ok, failed, stop_at; /* stop_at 0: go on */
} poster;

static void *poster_run(void *arg)
{
    poster *p = arg;
    rpc_client *c = NULL;
    rpc_error err;
    char req[1024];
    if (rpc_client_open(&c, p->s->url, p->s->token, &err) != 0) {
        p->failed++;
        return NULL;
    }
    for (int i = 0; p->stop_at == 0 || p->ok < p->stop_at; i++) {
        snprintf(req, sizeof req,
                 "{\"entries\":["
                 "{\"clientId\":\"bk-f-%d\",\"valueDate\":\"2026-11-13\",\"legs\":["
                 "{\"account\":\"partner:mfi1:cash\",\"debit\":\"1000\"},"
                 "{\"account\":\"programme:fund\",\"credit\":\"1000\"}]},"
                 "{\"clientId\":\"bk-w-%d\",\"valueDate\":\"2026-11-13\",\"legs\":["
                 "{\"account\":\"programme:wages\",\"debit\":\"100\"},"
                 "{\"account\":\"participant:P%d:wallet\",\"credit\":\"100\"}]}]}",
                 i, i, i % 3 + 1);
        char *reply = NULL;
        if (rpc_client_call(c, "PostEntries", req, i % 2 == 0, &reply, &err) == 0 &&
            strstr(reply, "RESULT_") == NULL)
            p->ok++;
        else
            p->failed++;
        free(reply);
        if (p->failed > 0)
            break;
    }
    rpc_client_close(c);
    return NULL;
}

static int backup_teardown(void **state)
{
    e2e_cleanup(state);
    return tr_fx_teardown(state);
}

static void test_backup_while_posting(void **state)
{
    tr_fx *f = *state;
    e2e_server s;
    char copy[400], size_text[32];
    e2e_ledger_create(&s, 3);
    e2e_start(&s, NULL);
    poster p = {.s = &s};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, poster_run, &p), 0);
    for (int waited = 0; p.ok < 5 && p.failed == 0 && waited < 10000; waited += 10)
        tr_sleep_ms(10);
    fx_path(f, "copy", copy, sizeof copy);
    int before = p.ok;
    char *out = NULL;
    const char *args[] = {"backup", s.dir, copy, NULL};
    int rc = tr_run(NULL, &out, NULL, args);
    p.stop_at = p.ok + POSTER_AFTER;
    assert_int_equal(pthread_join(thread, NULL), 0);
    if (rc != 0)
        fail_msg("cauris backup: exit %d\n%s", rc, out);
    assert_int_equal(p.failed, 0);
    assert_true(before >= 5);
    e2e_stop(&s);

    tr_assert_contains(out, "copied to ");
    tr_assert_contains(out, "  data.mdb     ");
    tr_assert_contains(out, "  signing.pub  ");
    tr_assert_contains(out, "  signing.key  ");
    tr_assert_contains(out, "  pii.key      ");
    tr_assert_contains(out, "holds the signing key and the personal-data key");
    const char *ts = strstr(out, "tree size: ");
    assert_non_null(ts);
    unsigned long long copied = strtoull(ts + 11, NULL, 10);
    free(out);
    struct stat st;
    char key[450];
    snprintf(key, sizeof key, "%s/signing.key", copy);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    out = tr_expect(0, "verify", copy, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    assert_int_equal(tree_size(copy), copied);
    unsigned long long final = tree_size(s.dir);
    assert_true(copied < final); /* the poster went on after the copy */
    snprintf(size_text, sizeof size_text, "%llu", copied);
    /* The copy is the source as of its tree size: same signed checkpoint,
     * same balances. */
    char *a = tr_expect(0, "checkpoint", copy, NULL);
    char *b = tr_expect(0, "checkpoint", s.dir, "--tree-size", size_text, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
#define BALANCE_CODES                                                                          \
    "partner:mfi1:cash", "programme:fund", "programme:wages", "participant:P1:wallet",         \
        "participant:P2:wallet", "participant:P3:wallet"
    a = tr_expect(0, "balance", copy, BALANCE_CODES, NULL);
    b = tr_expect(0, "balance", s.dir, BALANCE_CODES, "--tree-size", size_text, NULL);
    assert_string_equal(a, b);
    tr_assert_not_contains(a, " 0 GNF"); /* the poster's entries are in */
    free(b);
    b = tr_expect(0, "balance", s.dir, BALANCE_CODES, NULL);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    out = tr_expect(0, "trial-balance", copy, NULL);
    tr_assert_contains(out, "trial balance: balanced\n");
    free(out);

    /* Never over something: a copy there already, or a file. */
    out = tr_expect(1, "backup", s.dir, copy, NULL);
    tr_assert_contains(out, "is not empty; give a new or empty directory");
    free(out);
    out = tr_expect(1, "backup", s.dir, key, NULL);
    tr_assert_contains(out, "exists and is not a directory");
    free(out);
    e2e_remove(&s);
}

int main(void)
{
    if (tr_init("test_cli_accounting") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_reconcile_report_text, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_csv_and_json, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_french, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_window_order_combined, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_bad_files, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_trial_balance_and_balance_sheet, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_export_hledger, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_export_beancount, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_export_csv, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_backup_while_posting, tr_fx_setup,
                                        backup_teardown),
    };
    return cmocka_run_group_tests_name("cli_accounting", tests, NULL, NULL);
}
