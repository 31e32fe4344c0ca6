/*
 * test_cli_ops.c — end-to-end tests of the `cauris` commands for programme
 * operations: enrolment from CSV, participant changes and erasure, typed
 * operations posted as JSON lines and CSV (the wage split by the capital
 * rate), approvals with four eyes, period closure, wage-run delivery
 * imports and the programme's settings.
 *
 * Each test runs the real binary on a fresh temporary ledger and asserts
 * what a person would read: exact balances from `cauris balance`, the line
 * and column named in each error, exit codes 0 / 1 / 2, and that nothing
 * was written when a file is refused. Every test ends with `cauris verify`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/run.h"

/* ---- fixtures ---- */

/* A ledger "pilot" keeping 10 % of each wage as capital. */
static void init_pilot(tr_fx *f, const char *currency)
{
    char *out = tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", currency,
                          "--capital-rate-bp", "1000", NULL);
    tr_assert_contains(out, "settings: capital rate 1000 bp, unlock phase 2");
    free(out);
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
}

static void assert_balance(tr_fx *f, const char *code, const char *expected)
{
    char *out = tr_expect(0, "balance", f->ledger, code, NULL);
    tr_assert_balance_in(out, code, expected);
    free(out);
}

static unsigned long long tree_size(tr_fx *f)
{
    char *out = tr_expect(0, "checkpoint", f->ledger, NULL);
    const char *nl = strchr(out, '\n');
    assert_non_null(nl);
    unsigned long long size = strtoull(nl + 1, NULL, 10);
    free(out);
    return size;
}

static void assert_verifies(tr_fx *f)
{
    char *out = tr_expect(0, "verify", f->ledger, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
}

/* The seq after `prefix` in `out` ("line 3: pending approval, seq "). */
static unsigned long long seq_after(const char *out, const char *prefix)
{
    const char *p = strstr(out, prefix);
    if (p == NULL)
        fprintf(stderr, "no '%s' in:\n%s\n", prefix, out);
    assert_non_null(p);
    return strtoull(p + strlen(prefix), NULL, 10);
}

#define HEADER "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone\n"

/* P1, P2, P3 in programme pilot, phase 1. */
static const char three_csv[] =
    HEADER "P1,f,1994,111111,Conakry,Ratoma,returned_migrant,2026-A,1,cso1,Aissatou Diallo,\n"
           "P2,m,1988,,Kindia,Coyah,former_security_forces,2026-A,1,cso1,Mamadou Bah,\n"
           "P3,f,2001,112111,Conakry,Matoto,displaced_person,2026-A,1,cso2,Fanta Camara,\n";

static void enrol(tr_fx *f, const char *csv, int status, char **out_kept)
{
    char path[400];
    tr_fx_file(f, "people.csv", csv, path, sizeof path);
    char *out = tr_expect(status, "enroll", f->ledger, path, "--partner", "cso1", "--principal",
                          "enroller", NULL);
    if (out_kept != NULL)
        *out_kept = out;
    else
        free(out);
}

static char *post_jsonl(tr_fx *f, int status, const char *text, const char *principal)
{
    char path[400];
    tr_fx_file(f, "entries.jsonl", text, path, sizeof path);
    return tr_expect(status, "post", f->ledger, path, "--partner", "mfi1", "--principal",
                     principal, NULL);
}

#define FUNDING(ID, AMOUNT)                                                                    \
    "{\"client_id\":\"" ID "\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","              \
    "\"amount\":\"" AMOUNT "\"}\n"

/* ---- help and usage ---- */

static void test_help_and_usage(void **state)
{
    (void)state;
    static const char *const cmds[] = {"enroll", "participant", "approve",   "cancel",
                                       "period", "deliveries",  "programme", "post"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = tr_expect(0, cmds[i], "--help", NULL);
        tr_assert_contains(out, "usage: cauris ");
        tr_assert_contains(out, cmds[i]);
        free(out);
    }
    char *out = tr_expect(0, "--help", NULL);
    tr_assert_contains(out, "enroll");
    tr_assert_contains(out, "deliveries");
    free(out);
    out = tr_expect(2, "enroll", "/x", "f.csv", "--principal", "a", NULL);
    tr_assert_contains(out, "--partner ID is required");
    free(out);
    out = tr_expect(2, "approve", "/x", "12", NULL);
    tr_assert_contains(out, "--principal WHO is required");
    free(out);
    out = tr_expect(2, "approve", "/x", "twelve", "--principal", "a", NULL);
    tr_assert_contains(out, "'twelve' is not a seq");
    free(out);
    out = tr_expect(2, "period", "close", "/x", "--principal", "a", NULL);
    tr_assert_contains(out, "--through YYYY-MM-DD is required");
    free(out);
    out = tr_expect(2, "participant", "freeze", "/x", "P1", NULL);
    tr_assert_contains(out, "unknown action 'freeze'");
    free(out);
    out = tr_expect(2, "deliveries", "import", "/x", "d.csv", "--run", "a:b", "--value-date",
                    "2026-11-01", "--partner", "m", "--principal", "p", NULL);
    tr_assert_contains(out, "without ':'");
    free(out);
    out = tr_expect(2, "init", "/tmp/cauris-ops-never", "--programme", "p", "--currency", "GNF",
                    "--approval", "grant_commit=5", NULL);
    tr_assert_contains(out, "grant commits and capital releases always need approval");
    free(out);
    out = tr_expect(2, "init", "/tmp/cauris-ops-never", "--programme", "p", "--currency", "USD",
                    "--approval", "wage=12.345", NULL);
    tr_assert_contains(out, "more than 2 decimals");
    free(out);
    out = tr_expect(2, "init", "/tmp/cauris-ops-never", "--programme", "p", "--currency", "GNF",
                    "--capital-rate-bp", "10001", NULL);
    tr_assert_contains(out, "basis points 0 to 10000");
    free(out);
}

/* ---- enrolment ---- */

/* A spreadsheet's export: byte order mark, ';', CRLF, quoted names with
 * accents, a ';' and a quote inside, an empty phone, a blank row. */
static void test_enroll_semicolon_csv(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    char path[400];
    tr_fx_file(f, "fr.csv",
               "\xef\xbb\xbf"
               "phone;name;id;sex;birth_year;wg_ss;admin1;admin2;category;cohort;phase;cso\r\n"
               "+224 620 00 00 01;\"A\xc3\xafssatou Diall\xc3\xb4\";P1;F;1994;111211;Conakry;"
               "Ratoma;returned_migrant;2026-A;1;cso1\r\n"
               "\r\n"
               ";\"Mamadou \"\"Petit\"\" Bah; dit Ma\xc3\xa9l\";P2;male;1988;;Kindia;"
               "\"Coyah\";former_security_forces;2026-A;2;cso1\r\n"
               ";;;;;;;;;;;\r\n",
               path, sizeof path);
    char *out = tr_expect(0, "enroll", f->ledger, path, "--partner", "cso1", "--principal",
                          "enroller", NULL);
    tr_assert_contains(out, "enrolled 2 participants in pilot\n");
    free(out);

    out = tr_expect(0, "participant", "show", f->ledger, "P1", "--personal", NULL);
    tr_assert_contains(out, "name:         A\xc3\xafssatou Diall\xc3\xb4\n");
    tr_assert_contains(out, "phone:        +224 620 00 00 01\n");
    tr_assert_contains(out, "sex:          female\n");
    tr_assert_contains(out, "disability:   no (Washington Group answers: 111211)\n");
    tr_assert_contains(out, "location:     Conakry / Ratoma\n");
    tr_assert_contains(out, "participant:P1:capital");
    tr_assert_contains(out, "no_overdraft,locked");
    free(out);
    out = tr_expect(0, "participant", "show", f->ledger, "P2", "--personal", NULL);
    tr_assert_contains(out, "name:         Mamadou \"Petit\" Bah; dit Ma\xc3\xa9l\n");
    tr_assert_contains(out, "phone:        -\n");
    tr_assert_contains(out, "phase:        2\n");
    free(out);
    /* Without --personal, no name. */
    out = tr_expect(0, "participant", "show", f->ledger, "P2", NULL);
    tr_assert_not_contains(out, "Mamadou");
    tr_assert_contains(out, "personal data: not shown");
    free(out);
    /* P2 enrolled in phase 2, the unlock phase: capital is not locked. */
    out = tr_expect(0, "accounts", f->ledger, "--prefix", "participant:P2:capital", NULL);
    tr_assert_not_contains(out, "locked");
    free(out);

    out = tr_expect(0, "participant", "list", f->ledger, NULL);
    tr_assert_contains(out, "\nP1 ");
    tr_assert_contains(out, "\nP2 ");
    tr_assert_contains(out, "2 participants\n");
    tr_assert_not_contains(out, "Mamadou");
    free(out);
    out = tr_expect(0, "participant", "list", f->ledger, "--after", "P1", "--json", NULL);
    tr_assert_contains(out, "\"id\": \"P2\"");
    tr_assert_contains(out, "\"category\": \"former_security_forces\"");
    tr_assert_not_contains(out, "\"id\": \"P1\"");
    tr_assert_not_contains(out, "Mamadou");
    free(out);
    assert_verifies(f);
}

static void test_enroll_mistakes_named(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    unsigned long long size = tree_size(f);
    char *out;
    enrol(f,
          HEADER "P1,f,1994,,Conakry,Ratoma,refugee,2026-A,1,cso1,Awa,\n"
                 "P2,x,19x4,1115,Conakry,,soldier,2026-A,4,cso1,,\n"
                 "P1,f,1990,,Conakry,Ratoma,refugee,2026-A,1,cso1,Binta,\n"
                 "P 4,f,1990,,Conakry,Ratoma,refugee,2026-A,1,cso1,\"Kadi\n",
          1, &out);
    tr_assert_contains(out, "quoted field is never closed");
    free(out);
    enrol(f,
          HEADER "P1,f,1994,,Conakry,Ratoma,refugee,2026-A,1,cso1,Awa,\n"
                 "P2,x,19x4,1115,Conakry,,soldier,2026-A,4,cso1,,\n"
                 "P1,f,1990,,Conakry,Ratoma,refugee,2026-A,1,cso1,Binta,\n"
                 "P 4,f,1990,,Conakry,Ratoma,refugee,2026-A,1,cso1,Kadi,\n",
          1, &out);
    tr_assert_contains(out, "line 3: column sex: 'x' is not f, m, female or male");
    tr_assert_contains(out, "line 3: column birth_year: '19x4' is not a year");
    tr_assert_contains(out, "line 3: column wg_ss: '1115' is not six answers 1 to 4");
    tr_assert_contains(out, "line 3: column admin2: is empty");
    tr_assert_contains(out, "line 3: column category: 'soldier' is not");
    tr_assert_contains(out, "line 3: column phase: '4' is not a phase 1 to 3");
    tr_assert_contains(out, "line 3: column name: is empty");
    tr_assert_contains(out, "line 4: column id: participant P1 is also on line 2");
    tr_assert_contains(out, "line 5: column id: 'P 4' is not an id");
    tr_assert_contains(out, "9 mistakes; nobody was enrolled");
    free(out);
    /* Header mistakes. */
    enrol(f, "id,sex,birth_year\nP1,f,1994\n", 1, &out);
    tr_assert_contains(out, "has no column 'wg_ss'");
    free(out);
    enrol(f, "id,sex,colour\nP1,f,red\n", 1, &out);
    tr_assert_contains(out, "unknown column 'colour'");
    free(out);
    enrol(f, HEADER "P1,f,1994\n", 1, &out);
    tr_assert_contains(out, "line 2: 3 fields, but the header (line 1) has 12 columns");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(1, "participant", "show", f->ledger, "P1", NULL);
    tr_assert_contains(out, "no participant P1 in programme pilot");
    free(out);
    assert_verifies(f);
}

static void test_enroll_duplicates_refused_whole(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    enrol(f, three_csv, 0, NULL);
    unsigned long long size = tree_size(f);
    char *out;

    /* An id already enrolled: the file is refused, the new P4 too. */
    enrol(f,
          HEADER "P4,m,1990,,Labe,Labe,refugee,2026-B,1,cso1,Ibrahima Sow,\n"
                 "P2,m,1970,,Labe,Labe,refugee,2026-B,1,cso1,Other Person,\n",
          1, &out);
    tr_assert_contains(out, "line 3: participant P2 is already enrolled");
    tr_assert_contains(out, "1 of 2 rows refused; nobody was enrolled");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(1, "participant", "show", f->ledger, "P4", NULL);
    tr_assert_contains(out, "no participant P4");
    free(out);

    /* The same person again under another id (name in other case and
     * spacing, same birth year and location). */
    enrol(f,
          HEADER "P4,m,1990,,Labe,Labe,refugee,2026-B,1,cso1,Ibrahima Sow,\n"
                 "P5,f,1994,,Conakry,Ratoma,returned_migrant,2026-B,1,cso1,\"aissatou  "
                 "DIALLO\",\n",
          1, &out);
    tr_assert_contains(out,
                       "line 3: participant P5 looks like participant P1 (same name, birth "
                       "year and location); if they are different people, add "
                       "--confirm-distinct P5=P1 or a confirm_distinct_from column");
    tr_assert_contains(out, "nobody was enrolled");
    free(out);
    assert_int_equal(tree_size(f), size);
    out = tr_expect(0, "participant", "list", f->ledger, NULL);
    tr_assert_contains(out, "3 participants\n");
    free(out);

    /* Confirmed as a different person: by option ... */
    char path[400];
    tr_fx_file(f, "p5.csv",
               HEADER "P4,m,1990,,Labe,Labe,refugee,2026-B,1,cso1,Ibrahima Sow,\n"
                      "P5,f,1994,,Conakry,Ratoma,returned_migrant,2026-B,1,cso1,\"aissatou  "
                      "DIALLO\",\n",
               path, sizeof path);
    out = tr_expect(2, "enroll", f->ledger, path, "--partner", "cso1", "--principal", "e",
                    "--confirm-distinct", "P9=P1", NULL);
    tr_assert_contains(out, "no row of");
    free(out);
    out = tr_expect(0, "enroll", f->ledger, path, "--partner", "cso1", "--principal", "e",
                    "--confirm-distinct", "P5=P1", NULL);
    tr_assert_contains(out, "line 3: P5 enrolled as a different person from P1 (confirmed)");
    tr_assert_contains(out, "enrolled 2 participants in pilot");
    free(out);
    /* ... or by column. */
    enrol(f,
          "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone,"
          "confirm_distinct_from\n"
          "P6,m,1990,,Labe,Labe,refugee,2026-B,1,cso1,Ibrahima Sow,,P4\n",
          0, &out);
    tr_assert_contains(out, "line 2: P6 enrolled as a different person from P4 (confirmed)");
    free(out);
    out = tr_expect(0, "participant", "list", f->ledger, NULL);
    tr_assert_contains(out, "6 participants\n");
    free(out);
    assert_verifies(f);
}

/* ---- participant changes ---- */

static void test_participant_update_hold_erase(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    enrol(f, three_csv, 0, NULL);
    free(post_jsonl(f, 0,
                    FUNDING("f1", "1000000") "{\"client_id\":\"w1\",\"op\":\"wage\","
                                             "\"participant\":\"P1\",\"amount\":\"50000\","
                                             "\"value_date\":\"2026-11-10\"}\n",
                    "alice"));
    assert_balance(f, "participant:P1:capital", "5000 GNF");

    /* In phase 1 the capital stays locked. */
    static const char release[] = "{\"client_id\":\"rel-1\",\"op\":\"capital_release\","
                                  "\"participant\":\"P1\",\"amount\":\"5000\","
                                  "\"value_date\":\"2026-12-01\"}\n";
    char *out = post_jsonl(f, 1, release, "alice");
    tr_assert_contains(out, "line 1: refused capital_locked");
    free(out);

    out = tr_expect(0, "participant", "update", f->ledger, "P1", "--principal", "alice",
                    "--phase", "2", "--cohort", "2026-B", "--admin2", "Dixinn", NULL);
    tr_assert_contains(out, "participant P1 updated\n");
    tr_assert_contains(out, "phase:        2\n");
    tr_assert_contains(out, "cohort:       2026-B\n");
    tr_assert_contains(out, "location:     Conakry / Dixinn\n");
    free(out);
    out = tr_expect(2, "participant", "update", f->ledger, "P1", "--principal", "alice",
                    "--phase", "1", NULL);
    tr_assert_contains(out, "phases only move forward (P1 is in phase 2)");
    free(out);
    out = tr_expect(2, "participant", "update", f->ledger, "P1", "--principal", "alice", NULL);
    tr_assert_contains(out, "nothing to change");
    free(out);
    out = tr_expect(1, "participant", "update", f->ledger, "P9", "--principal", "alice",
                    "--phase", "2", NULL);
    tr_assert_contains(out, "no participant P9 in programme pilot");
    free(out);

    /* A hold stops the release; lifting it lets it through as a request. */
    out = tr_expect(0, "participant", "hold", f->ledger, "P1", "--reason", "dispute",
                    "--principal", "alice", NULL);
    tr_assert_contains(out, "capital on hold (dispute)");
    tr_assert_contains(out, "capital hold: dispute\n");
    free(out);
    out = post_jsonl(f, 1, release, "alice");
    tr_assert_contains(out, "line 1: refused capital_held");
    free(out);
    out = tr_expect(0, "participant", "release-hold", f->ledger, "P1", "--principal", "alice",
                    NULL);
    tr_assert_contains(out, "capital hold: none\n");
    free(out);
    out = post_jsonl(f, 0, release, "alice");
    unsigned long long seq = seq_after(out, "line 1: pending approval, seq ");
    free(out);
    assert_balance(f, "participant:P1:capital", "5000 GNF");
    char seq_text[32];
    snprintf(seq_text, sizeof seq_text, "%llu", seq);
    free(tr_expect(0, "approve", f->ledger, seq_text, "--principal", "bob", NULL));
    assert_balance(f, "participant:P1:capital", "0 GNF");
    assert_balance(f, "participant:P1:wallet", "50000 GNF");

    /* Personal data: changed, then erased for good. */
    free(tr_expect(0, "participant", "update", f->ledger, "P2", "--principal", "alice",
                   "--phone", "+224 600 11 22 33", NULL));
    out = tr_expect(0, "participant", "show", f->ledger, "P2", "--personal", NULL);
    tr_assert_contains(out, "name:         Mamadou Bah\n");
    tr_assert_contains(out, "phone:        +224 600 11 22 33\n");
    free(out);
    out = tr_expect(2, "participant", "erase", f->ledger, "P2", "--principal", "alice", NULL);
    tr_assert_contains(out, "cannot be undone; give --yes");
    free(out);
    out = tr_expect(0, "participant", "show", f->ledger, "P2", "--personal", NULL);
    tr_assert_contains(out, "Mamadou Bah"); /* still there */
    free(out);
    out = tr_expect(0, "participant", "erase", f->ledger, "P2", "--principal", "alice", "--yes",
                    NULL);
    tr_assert_contains(out, "participant P2: name and phone erased for good");
    free(out);
    out = tr_expect(0, "participant", "show", f->ledger, "P2", "--personal", NULL);
    tr_assert_contains(out, "personal data: erased\n");
    tr_assert_not_contains(out, "Mamadou");
    tr_assert_not_contains(out, "600 11 22 33");
    tr_assert_contains(out, "category:     former_security_forces\n"); /* the rest stays */
    free(out);
    out = tr_expect(0, "participant", "show", f->ledger, "P2", "--personal", "--json", NULL);
    tr_assert_contains(out, "\"erased\": true");
    tr_assert_not_contains(out, "\"name\"");
    free(out);
    out = tr_expect(1, "participant", "update", f->ledger, "P2", "--principal", "alice",
                    "--name", "Someone", NULL);
    tr_assert_contains(out, "personal data was erased");
    free(out);
    out = tr_expect(0, "participant", "erase", f->ledger, "P2", "--principal", "alice", "--yes",
                    NULL);
    tr_assert_contains(out, "(they already were)");
    free(out);
    /* Erased people still get wages: the journal holds the id. */
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"w2\",\"op\":\"wage\",\"participant\":\"P2\","
                    "\"amount\":\"20000\",\"value_date\":\"2026-11-10\"}\n",
                    "alice"));
    assert_balance(f, "participant:P2:wallet", "18000 GNF");
    assert_verifies(f);
}

/* ---- typed operations ---- */

static void test_post_typed_jsonl(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    enrol(f, three_csv, 0, NULL);
    char *out = post_jsonl(
        f, 0,
        FUNDING("fund-1", "1000000")
        /* 5 days x 15000 = 75000: 67500 wallet, 7500 capital. */
        "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"P1\",\"days\":5,"
        "\"daily_rate\":\"15000\",\"value_date\":\"2026-11-13\",\"budget_line\":\"BL-2.1\"}\n"
        /* 12345: capital floor(1234.5) = 1234, wallet 11111. */
        "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"P2\",\"amount\":12345,"
        "\"value_date\":\"2026-11-13\",\"currency\":\"GNF\"}\n"
        "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"participant\":\"P1\",\"amount\":\"7500\","
        "\"value_date\":\"2026-11-14\",\"external_ref\":\"MFI-1\"}\n",
        "alice");
    tr_assert_contains(out, "line 1: ok seq ");
    tr_assert_contains(out, "line 2: ok seq ");
    tr_assert_contains(out, "line 3: ok seq ");
    tr_assert_contains(out, "line 4: ok seq ");
    tr_assert_contains(out, "posted 4, existing 0, refused 0");
    unsigned long long wage_seq = tr_seq_of_line(out, 2);
    free(out);
    assert_balance(f, "partner:mfi1:cash", "992500 GNF");
    assert_balance(f, "programme:fund", "1000000 GNF");
    assert_balance(f, "programme:wages", "87345 GNF");
    assert_balance(f, "participant:P1:wallet", "60000 GNF");
    assert_balance(f, "participant:P1:capital", "7500 GNF");
    assert_balance(f, "participant:P2:wallet", "11111 GNF");
    assert_balance(f, "participant:P2:capital", "1234 GNF");

    /* The wage-run line's client id, and the tags it carries. */
    out = tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "w46:P1", NULL);
    char seq_line[64];
    snprintf(seq_line, sizeof seq_line, "seq:          %llu\n", wage_seq);
    tr_assert_contains(out, seq_line);
    tr_assert_contains(out, "participant:  P1 (female, age 25-34, disability no, Conakry / "
                            "Ratoma, returned_migrant, cohort 2026-A, phase 1, cso cso1)");
    tr_assert_contains(out, "budget line:  BL-2.1\n");
    free(out);

    /* The same file again posts nothing twice. */
    out = post_jsonl(f, 0, FUNDING("fund-1", "1000000"), "alice");
    tr_assert_contains(out, "line 1: exists seq ");
    free(out);

    /* What the ledger refuses, per entry; what is malformed, before. */
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"x1\",\"op\":\"wage\",\"participant\":\"P9\","
                     "\"amount\":\"100\",\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"x2\",\"op\":\"payout\",\"participant\":\"P3\","
                     "\"amount\":\"1\",\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"x3\",\"op\":\"funding\",\"amount\":\"1\","
                     "\"currency\":\"XOF\",\"value_date\":\"2026-11-13\"}\n",
                     "alice");
    tr_assert_contains(out, "line 1: refused unknown_participant");
    tr_assert_contains(out, "line 2: refused insufficient_funds");
    tr_assert_contains(out, "line 3: refused wrong_currency");
    free(out);
    unsigned long long size = tree_size(f);
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"m1\",\"op\":\"payout\",\"amount\":\"10\","
                     "\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"m2\",\"op\":\"wage\",\"participant\":\"P1\",\"days\":5,"
                     "\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"m3\",\"op\":\"payout\",\"participant\":\"P1\","
                     "\"amount\":\"10.5\",\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"m4\",\"op\":\"transfer\",\"amount\":\"10\","
                     "\"value_date\":\"2026-11-13\"}\n"
                     "{\"op\":\"payout\",\"participant\":\"P1\",\"amount\":\"10\","
                     "\"value_date\":\"2026-11-13\"}\n"
                     "{\"client_id\":\"m6\",\"op\":\"wage\",\"wage_run\":\"w46\","
                     "\"participant\":\"P1\",\"amount\":\"10\",\"value_date\":\"2026-11-13\"}\n"
                     "{\"op\":\"grant_commit\",\"participant\":\"P1\",\"value_date\":"
                     "\"2026-11-13\",\"client_id\":\"m7\"}\n"
                     "{\"client_id\":\"m8\",\"op\":\"wage\",\"participant\":\"P1\",\"days\":0,"
                     "\"daily_rate\":\"100\",\"value_date\":\"2026-11-13\"}\n",
                     "alice");
    tr_assert_contains(out, "line 1: missing participant: a payout is about one participant");
    tr_assert_contains(out, "line 2: days and daily_rate go together");
    tr_assert_contains(out,
                       "line 3: field amount: '10.5' is not a whole number of minor units");
    tr_assert_contains(out, "line 4: amount is for funding, wage, payout");
    tr_assert_contains(out, "line 5: missing field client_id");
    tr_assert_contains(out, "line 6: the client id of a wage_run line is \"w46:P1\"");
    tr_assert_contains(out, "line 7: missing amount");
    tr_assert_contains(out, "line 8: field days must be a whole number of days, 1 to");
    tr_assert_contains(out, "8 malformed lines; nothing was posted");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_verifies(f);
}

/* CSV in a currency with cents, ';' separated with decimal commas. */
static void test_post_typed_csv(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "USD");
    enrol(f, three_csv, 0, NULL);
    char path[400];
    tr_fx_file(f, "ops.csv",
               "op;client_id;participant;amount;days;daily_rate;wage_run;value_date;memo;"
               "debit;credit;external_ref\r\n"
               "funding;fund-1;;\"10000,00\";;;;2026-11-02;donor tranche;;;MFI-1\r\n"
               "wage;;P1;1234,56;;;w46;2026-11-13;week 46;;;\r\n"
               "wage;;P2;;5;12,5;w46;2026-11-13;\"week 46; by days\";;;\r\n"
               "payout;pay-1;P1;100;;;;2026-11-14;;;;MFI-2\r\n"
               "transfer;t-1;;0,05;;;;2026-11-15;rounding;programme:wages;programme:fund;\r\n",
               path, sizeof path);
    char *out = tr_expect(0, "post", f->ledger, "--csv", path, "--partner", "mfi1",
                          "--principal", "alice", NULL);
    tr_assert_contains(out, "line 2: ok seq ");
    tr_assert_contains(out, "line 6: ok seq ");
    tr_assert_contains(out, "posted 5, existing 0, refused 0");
    free(out);
    /* 1234.56: capital floor(123456 x 0.1) = 12345 cents; 5 x 12.50 = 62.50:
     * capital 6.25. */
    assert_balance(f, "participant:P1:wallet", "1011.11 USD");
    assert_balance(f, "participant:P1:capital", "123.45 USD");
    assert_balance(f, "participant:P2:wallet", "56.25 USD");
    assert_balance(f, "participant:P2:capital", "6.25 USD");
    assert_balance(f, "partner:mfi1:cash", "9900.00 USD");
    assert_balance(f, "programme:wages", "1297.11 USD");
    assert_balance(f, "programme:fund", "10000.05 USD");
    out = tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "w46:P2", NULL);
    tr_assert_contains(out, "memo:         week 46; by days\n");
    free(out);

    /* Again: nothing twice. */
    out = tr_expect(0, "post", f->ledger, "--csv", path, "--partner", "mfi1", "--principal",
                    "alice", NULL);
    tr_assert_contains(out, "posted 0, existing 5, refused 0");
    free(out);

    /* Malformed rows are named by line and column; nothing is posted. */
    unsigned long long size = tree_size(f);
    tr_fx_file(f, "bad.csv",
               "op,participant,amount,value_date,client_id,debit,credit\n"
               "payout,P1,1.234,2026-11-14,b1,,\n"
               "payout,P1,-5,2026-11-14,b2,,\n"
               "wage,P1,10,2026-13-01,b3,,\n"
               "transfer,,10,2026-11-14,b4,programme:wages,\n"
               "wage,P1,10,2026-11-14,b5,programme:wages,participant:P1:wallet\n"
               "bonus,P1,10,2026-11-14,b6,,\n"
               "payout,P1,\"1,000\",2026-11-14,b7,,\n"
               "funding,,5,2026-11-14,b8,,\n",
               path, sizeof path);
    out = tr_expect(1, "post", f->ledger, "--csv", path, "--partner", "mfi1", "--principal",
                    "alice", NULL);
    tr_assert_contains(out, "line 2: column amount: '1.234' has more than 2 decimals");
    tr_assert_contains(out, "line 3: column amount: '-5' has a sign");
    tr_assert_contains(out, "line 4: column value_date: '2026-13-01' is not a real date");
    tr_assert_contains(out, "line 5: column credit: empty: debit and credit go together");
    tr_assert_contains(out, "line 6: column debit: a wage's accounts come from the ledger");
    tr_assert_contains(out, "line 7: column op: 'bonus' is not an operation");
    tr_assert_contains(out, "line 8: column amount: '1,000' is not an amount");
    tr_assert_contains(out, "7 malformed lines; nothing was posted");
    tr_assert_not_contains(out, "line 9:");
    free(out);
    out = tr_expect(2, "post", f->ledger, "--csv", path, "extra.jsonl", NULL);
    tr_assert_contains(out, "with --csv FILE, give only the ledger directory");
    free(out);
    tr_fx_file(f, "quote.csv", "op,value_date\nfunding,2026-11-\"02\"\n", path, sizeof path);
    out = tr_expect(1, "post", f->ledger, "--csv", path, "--partner", "mfi1", NULL);
    tr_assert_contains(out, "line 2: a quote in the wrong place");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_verifies(f);
}

/* ---- approvals ---- */

static void test_approvals_four_eyes(void **state)
{
    tr_fx *f = *state;
    free(tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "GNF",
                   "--capital-rate-bp", "1000", "--approval", "wage=100000", "--approval",
                   "payout=never", NULL));
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    enrol(f, three_csv, 0, NULL);
    char *out = post_jsonl(
        f, 0,
        FUNDING("fund-1",
                "2000000") "{\"client_id\":\"w-small\",\"op\":\"wage\",\"participant\":\"P1\","
                           "\"amount\":\"100000\",\"value_date\":\"2026-11-13\"}\n"
                           "{\"client_id\":\"w-big\",\"op\":\"wage\",\"participant\":\"P2\","
                           "\"amount\":\"100001\",\"value_date\":\"2026-11-13\"}\n"
                           "{\"client_id\":\"grant-P3\",\"op\":\"grant_commit\","
                           "\"participant\":\"P3\",\"amount\":\"300000\","
                           "\"value_date\":\"2026-11-15\"}\n",
        "alice");
    unsigned long long small = tr_seq_of_line(out, 2);
    unsigned long long big = seq_after(out, "line 3: pending approval, seq ");
    unsigned long long grant = seq_after(out, "line 4: pending approval, seq ");
    tr_assert_contains(out, "posted 4, existing 0, refused 0; 2 awaiting approval");
    free(out);
    assert_balance(f, "participant:P1:wallet", "90000 GNF");
    assert_balance(f, "participant:P2:wallet", "0 GNF"); /* waits for approval */
    assert_balance(f, "participant:P3:grant", "0 GNF");

    char big_text[32], grant_text[32];
    snprintf(big_text, sizeof big_text, "%llu", big);
    snprintf(grant_text, sizeof grant_text, "%llu", grant);
    /* The one who asked cannot approve. */
    out = tr_expect(1, "approve", f->ledger, big_text, "--principal", "alice", NULL);
    tr_assert_contains(out, "alice asked for seq");
    tr_assert_contains(out, "someone else must approve it (four eyes)");
    free(out);
    assert_balance(f, "participant:P2:wallet", "0 GNF");
    /* Someone else can: 100001 -> capital 10000, wallet 90001. */
    out = tr_expect(0, "approve", f->ledger, big_text, "--principal", "bob", NULL);
    tr_assert_contains(out, "(wage by alice) approved by bob: seq ");
    free(out);
    assert_balance(f, "participant:P2:wallet", "90001 GNF");
    assert_balance(f, "participant:P2:capital", "10000 GNF");
    out = tr_expect(0, "approve", f->ledger, big_text, "--principal", "bob", NULL);
    tr_assert_contains(out, "was already approved");
    free(out);
    out = tr_expect(1, "cancel", f->ledger, big_text, "--principal", "carol", NULL);
    tr_assert_contains(out, "was already approved or cancelled");
    free(out);
    assert_balance(f, "participant:P2:wallet", "90001 GNF");

    /* A grant: cancelled, asked again, approved in a JSON line, disbursed. */
    out = tr_expect(0, "cancel", f->ledger, grant_text, "--principal", "bob", NULL);
    tr_assert_contains(out, "cancelled by bob");
    free(out);
    assert_balance(f, "participant:P3:grant", "0 GNF");
    out = post_jsonl(f, 0,
                     "{\"client_id\":\"grant-P3-2\",\"op\":\"grant_commit\","
                     "\"participant\":\"P3\",\"amount\":\"300000\","
                     "\"value_date\":\"2026-11-16\"}\n",
                     "alice");
    grant = seq_after(out, "line 1: pending approval, seq ");
    free(out);
    char line[200];
    snprintf(line, sizeof line,
             "{\"kind\":\"post\",\"ref\":%llu,\"value_date\":\"2026-11-17\"}\n", grant);
    out = post_jsonl(f, 1, line, "alice");
    tr_assert_contains(out, "line 1: refused four_eyes_violation");
    free(out);
    out = post_jsonl(f, 0, line, "dana");
    tr_assert_contains(out, "line 1: ok seq ");
    free(out);
    assert_balance(f, "participant:P3:grant", "300000 GNF");
    assert_balance(f, "programme:grants", "300000 GNF");
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"gd-1\",\"op\":\"grant_disburse\",\"participant\":\"P3\","
                     "\"amount\":\"100000\",\"value_date\":\"2026-11-18\"}\n"
                     "{\"client_id\":\"gd-2\",\"op\":\"grant_disburse\",\"participant\":\"P3\","
                     "\"amount\":\"200001\",\"value_date\":\"2026-11-18\"}\n",
                     "alice");
    tr_assert_contains(out, "line 1: ok seq ");
    tr_assert_contains(out, "line 2: refused insufficient_funds");
    free(out);
    assert_balance(f, "participant:P3:grant", "200000 GNF");
    assert_balance(f, "partner:mfi1:cash", "1900000 GNF");

    snprintf(big_text, sizeof big_text, "%llu", small);
    out = tr_expect(1, "approve", f->ledger, big_text, "--principal", "bob", NULL);
    tr_assert_contains(out, "is a posted wage, not a request awaiting approval");
    free(out);
    assert_verifies(f);
}

static void test_programme_settings(void **state)
{
    tr_fx *f = *state;
    free(tr_expect(0, "init", f->ledger, "--programme", "pilot", "--currency", "USD",
                   "--approval", "transfer=1500.50", "--unlock-phase", "3", NULL));
    char *out = tr_expect(0, "programme", "settings", f->ledger, NULL);
    tr_assert_contains(out, "capital rate:  0 bp (0.00 %");
    tr_assert_contains(out, "unlock phase:  3 ");
    tr_assert_contains(out, "  transfer         above 1500.50 USD\n");
    tr_assert_contains(out, "  wage             never\n");
    tr_assert_contains(out, "  grant_commit     always\n");
    tr_assert_contains(out, "  capital_release  always\n");
    free(out);
    out = tr_expect(0, "programme", "settings", "set", f->ledger, "--principal", "admin",
                    "--capital-rate-bp", "1250", "--approval", "wage=200", "--approval",
                    "transfer=never", "--approval", "reversal=always", NULL);
    tr_assert_contains(out, "settings of pilot changed by admin");
    tr_assert_contains(out, "capital rate:  1250 bp (12.50 %");
    tr_assert_contains(out, "  wage             above 200.00 USD\n");
    tr_assert_contains(out, "  transfer         never\n");
    tr_assert_contains(out, "  reversal         always\n");
    free(out);
    out = tr_expect(0, "programme", "settings", f->ledger, "--json", NULL);
    tr_assert_contains(out, "\"capital_rate_bp\": 1250");
    tr_assert_contains(out, "\"unlock_phase\": 3");
    tr_assert_contains(out, "\"wage\": \"20000\"");
    tr_assert_contains(out, "\"transfer\": null");
    tr_assert_contains(out, "\"grant_commit\": \"0\"");
    free(out);
    out = tr_expect(2, "programme", "settings", "set", f->ledger, "--principal", "admin", NULL);
    tr_assert_contains(out, "nothing to change");
    free(out);
    out =
        tr_expect(2, "programme", "settings", "set", f->ledger, "--capital-rate-bp", "5", NULL);
    tr_assert_contains(out, "--principal WHO is required");
    free(out);
    out = tr_expect(2, "programme", "settings", "set", f->ledger, "--principal", "a",
                    "--approval", "bonus=5", NULL);
    tr_assert_contains(out,
                       "OP is transfer, funding, wage, payout, grant_disburse or reversal");
    free(out);

    /* The new rate applies to the next wage: 100.00 -> 12.50 capital. */
    free(tr_expect(0, "account", "open", f->ledger, "partner:mfi1:cash", NULL));
    enrol(f, three_csv, 0, NULL);
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"w1\",\"op\":\"wage\",\"participant\":\"P1\","
                    "\"amount\":\"10000\",\"value_date\":\"2026-11-13\"}\n",
                    "alice"));
    assert_balance(f, "participant:P1:capital", "12.50 USD");
    assert_balance(f, "participant:P1:wallet", "87.50 USD");
    assert_verifies(f);
}

/* ---- period closure ---- */

static void test_period_close(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    enrol(f, three_csv, 0, NULL);
    free(post_jsonl(f, 0, FUNDING("fund-1", "1000000"), "alice"));
    char *out = tr_expect(0, "period", "status", f->ledger, NULL);
    tr_assert_contains(out, "closed through: nothing closed\n");
    tr_assert_contains(out, "open request:   none\n");
    free(out);

    /* Asked, cancelled, asked again. */
    out = tr_expect(0, "period", "close", f->ledger, "--through", "2026-11-30", "--principal",
                    "alice", NULL);
    unsigned long long req = seq_after(out, "requested by alice: seq ");
    free(out);
    char req_text[32];
    snprintf(req_text, sizeof req_text, "%llu", req);
    out = tr_expect(1, "period", "close", f->ledger, "--through", "2026-12-31", "--principal",
                    "alice", NULL);
    tr_assert_contains(out, "already awaits approval");
    free(out);
    out = tr_expect(0, "period", "cancel", f->ledger, req_text, "--principal", "alice", NULL);
    tr_assert_contains(out, "cancelled by alice");
    free(out);
    out = tr_expect(0, "period", "close", f->ledger, "--through", "2026-11-30", "--principal",
                    "alice", NULL);
    req = seq_after(out, "requested by alice: seq ");
    free(out);
    snprintf(req_text, sizeof req_text, "%llu", req);
    out = tr_expect(0, "period", "status", f->ledger, NULL);
    tr_assert_contains(out, "awaiting approval");
    free(out);

    /* Until approved, November stays open. */
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"w1\",\"op\":\"wage\",\"participant\":\"P1\","
                    "\"amount\":\"10000\",\"value_date\":\"2026-11-20\"}\n",
                    "alice"));
    out = tr_expect(1, "period", "approve", f->ledger, req_text, "--principal", "alice", NULL);
    tr_assert_contains(out, "someone else must approve it (four eyes)");
    free(out);
    out = tr_expect(1, "period", "approve", f->ledger, "999", "--principal", "bob", NULL);
    tr_assert_contains(out, "is not the open closure request");
    free(out);
    out = tr_expect(0, "period", "approve", f->ledger, req_text, "--principal", "bob", NULL);
    tr_assert_contains(out, "value dates through 2026-11-30 are closed");
    free(out);
    out = tr_expect(0, "period", "status", f->ledger, NULL);
    tr_assert_contains(out, "closed through: 2026-11-30\n");
    tr_assert_contains(out, "open request:   none\n");
    free(out);

    /* Posting into it is refused; after it, accepted. */
    unsigned long long size = tree_size(f);
    out = post_jsonl(f, 1,
                     "{\"client_id\":\"w2\",\"op\":\"wage\",\"participant\":\"P1\","
                     "\"amount\":\"10000\",\"value_date\":\"2026-11-30\"}\n",
                     "alice");
    tr_assert_contains(out, "line 1: refused period_closed");
    free(out);
    assert_int_equal(tree_size(f), size);
    free(post_jsonl(f, 0,
                    "{\"client_id\":\"w3\",\"op\":\"wage\",\"participant\":\"P1\","
                    "\"amount\":\"10000\",\"value_date\":\"2026-12-01\"}\n",
                    "alice"));
    assert_balance(f, "participant:P1:wallet", "18000 GNF");
    out = tr_expect(1, "period", "close", f->ledger, "--through", "2026-11-15", "--principal",
                    "alice", NULL);
    tr_assert_contains(out, "already closed");
    free(out);
    assert_verifies(f);
}

/* ---- wage-run deliveries ---- */

static char *deliveries(tr_fx *f, int status, const char *run, const char *csv)
{
    char path[400];
    tr_fx_file(f, "deliveries.csv", csv, path, sizeof path);
    return tr_expect(status, "deliveries", "import", f->ledger, path, "--run", run,
                     "--value-date", "2026-11-22", "--partner", "mfi1", "--principal", "alice",
                     NULL);
}

static void test_deliveries_import(void **state)
{
    tr_fx *f = *state;
    init_pilot(f, "GNF");
    enrol(f, three_csv, 0, NULL);
    char *out = post_jsonl(
        f, 0,
        FUNDING("fund-1",
                "1000000") "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":"
                           "\"P1\",\"amount\":\"75000\",\"value_date\":\"2026-11-13\"}"
                           "\n"
                           "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":"
                           "\"P2\",\"amount\":\"75000\",\"value_date\":\"2026-11-13\"}"
                           "\n"
                           "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":"
                           "\"P3\",\"amount\":\"75000\",\"value_date\":\"2026-11-13\"}"
                           "\n",
        "alice");
    free(out);
    unsigned long long size = tree_size(f);

    /* Contradictions refuse the whole file, each line's reason named. */
    out = deliveries(f, 1, "w46",
                     "participant,status,amount,external_ref\n"
                     "P1,delivered,67500,MFI-1\n"
                     "P2,delivered,60000,MFI-2\n"
                     "P9,failed,,\n"
                     "P3,partial,67500,MFI-3\n");
    tr_assert_contains(out, "line 3: P2: refused delivery_contradicts");
    tr_assert_contains(out, "line 4: P9: refused delivery_unmatched");
    tr_assert_contains(out, "line 5: P3: refused delivery_contradicts");
    tr_assert_not_contains(out, "line 2:");
    tr_assert_contains(out, "3 of 4 lines refused; nothing was posted");
    free(out);
    out = deliveries(f, 1, "w46",
                     "participant,status,amount\n"
                     "P1,delivered,67500\n"
                     "P1,failed,\n");
    tr_assert_contains(out, "line 3: P1: refused delivery_contradicts");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_balance(f, "participant:P1:wallet", "67500 GNF");
    assert_balance(f, "partner:mfi1:cash", "1000000 GNF");

    /* Malformed lines are caught before the ledger sees them. */
    out = deliveries(f, 1, "w46",
                     "participant;status;amount\n"
                     "P1;lost;1\n"
                     "P2;delivered;\n"
                     "P3;failed;5\n");
    tr_assert_contains(out,
                       "line 2: column status: 'lost' is not delivered, partial or failed");
    tr_assert_contains(out, "line 3: column amount: empty");
    tr_assert_contains(out, "line 4: column amount: a failed line paid nothing");
    free(out);
    assert_int_equal(tree_size(f), size);

    /* The MFI's report: delivered, partial, failed (decimal comma, ';'). */
    static const char report[] = "participant;status;amount;external_ref\n"
                                 "P1;delivered;67500;MFI-1\n"
                                 "P2;partial;\"40000,00\";MFI-2\n"
                                 "P3;failed;;\n";
    out = deliveries(f, 0, "w46", report);
    tr_assert_contains(out, "line 2: P1 delivered 67500 GNF: payout seq ");
    tr_assert_contains(out, "line 3: P2 partial 40000 GNF: payout seq ");
    tr_assert_contains(out, "line 4: P3 failed: nothing paid, the wage stays in the wallet");
    tr_assert_contains(out, "run w46: 3 lines in the run; paid 2, failed 1, not reported 0");
    free(out);
    assert_balance(f, "participant:P1:wallet", "0 GNF");
    assert_balance(f, "participant:P2:wallet", "27500 GNF");
    assert_balance(f, "participant:P3:wallet", "67500 GNF");
    assert_balance(f, "partner:mfi1:cash", "892500 GNF");
    out = tr_expect(0, "entry", f->ledger, "--partner", "mfi1", "--client-id", "w46:P2:payout",
                    NULL);
    tr_assert_contains(out, "external ref: MFI-2\n");
    tr_assert_contains(out, "value date:   2026-11-22\n");
    free(out);

    /* The same report again posts nothing twice; another amount for a paid
     * line contradicts it. */
    size = tree_size(f);
    out = deliveries(f, 0, "w46", report);
    tr_assert_contains(out, "already imported, payout seq ");
    free(out);
    out = deliveries(f, 1, "w46", "participant,status,amount\nP2,partial,30000\n");
    tr_assert_contains(out, "line 2: P2: refused delivery_contradicts");
    free(out);
    assert_int_equal(tree_size(f), size);
    assert_balance(f, "participant:P2:wallet", "27500 GNF");
    assert_verifies(f);
}

int main(void)
{
    if (tr_init("test_cli_ops") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test_setup_teardown(test_enroll_semicolon_csv, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_enroll_mistakes_named, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_enroll_duplicates_refused_whole, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_participant_update_hold_erase, tr_fx_setup,
                                        tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_typed_jsonl, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_post_typed_csv, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_approvals_four_eyes, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_programme_settings, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_period_close, tr_fx_setup, tr_fx_teardown),
        cmocka_unit_test_setup_teardown(test_deliveries_import, tr_fx_setup, tr_fx_teardown),
    };
    return cmocka_run_group_tests_name("cli_ops", tests, NULL, NULL);
}
