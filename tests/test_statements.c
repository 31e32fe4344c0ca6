/*
 * test_statements.c — issued statements: their figures, the payload a QR
 * code carries, checking it offline with the public key alone and online
 * against the ledger, tampering of every part refused, and verify
 * recomputing each issued statement.
 */
#include "tests/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    tl *t = calloc(1, sizeof *t);
    tl_setup(t, "GNF", 0);
    static const char *const cash[] = {"partner:mfi1:cash"};
    tl_open(t, cash, 1);
    tl_capital_rate(t, 1000);
    tl_enrol(t, "P1", 1);
    tl_enrol(t, "P2", 1);
    *state = t;
    return 0;
}

static void wage(tl *t, const char *client_id, const char *who, int64_t gross)
{
    ledger_entry_in e;
    memset(&e, 0, sizeof e);
    e.programme = T_PROGRAMME;
    e.kind = LEDGER_KIND_POSTED;
    e.op = LEDGER_OP_WAGE;
    e.partner = "mfi1";
    e.principal = "clerk";
    e.client_id = client_id;
    e.value_date = 20261101;
    e.participant = who;
    e.amount = gross;
    assert_int_equal(tl_post(t, &e, NULL), LEDGER_OK);
}

static void vkey_of(tl *t, char *out, size_t cap)
{
    assert_int_equal(ledger_vkey(t->l, out, cap), LEDGER_OK);
}

static void test_issue_and_check(void **state)
{
    tl *t = *state;
    tl_fund(t, "fund", 1000000);
    wage(t, "w1", "P1", 10000);
    wage(t, "w2", "P1", 20000);
    wage(t, "w3", "P2", 5000);
    const char *who[] = {"P1", "P2"};
    ledger_issued_statement st[2];
    assert_int_equal(ledger_statements_issue(t->l, T_PROGRAMME, "printer", who, 2, 0, 0, st),
                     LEDGER_OK);
    assert_string_equal(st[0].participant, "P1");
    assert_int_equal(st[0].accounts_count, 3);
    assert_string_equal(st[0].accounts[0].account, "participant:P1:wallet");
    assert_int_equal(st[0].accounts[0].opening, 0);
    assert_int_equal(st[0].accounts[0].closing, 27000);
    assert_int_equal(st[0].accounts[0].lines, 2);
    assert_int_equal(st[0].accounts[1].closing, 3000);
    assert_int_equal(st[1].accounts[0].closing, 4500);
    assert_true(st[1].seq == st[0].seq + 1);

    char payload[LEDGER_STATEMENT_PAYLOAD_MAX], vkey[512], why[256];
    size_t len;
    assert_int_equal(ledger_statement_payload(t->l, st[0].seq, payload, sizeof payload, &len),
                     LEDGER_OK);
    assert_int_equal(strlen(payload), len);
    assert_true(strncmp(payload, "cauris-statement@v1\n", 20) == 0);
    vkey_of(t, vkey, sizeof vkey);
    ledger_issued_statement got;
    assert_int_equal(ledger_statement_payload_verify(payload, len, vkey, &got, why, sizeof why),
                     LEDGER_OK);
    assert_string_equal(got.participant, "P1");
    assert_int_equal(got.accounts[0].closing, 27000);
    assert_memory_equal(got.digest, st[0].digest, 32);
    assert_int_equal(ledger_statement_payload_check(t->l, payload, len, &got, why, sizeof why),
                     LEDGER_OK);
    assert_string_equal(got.programme, T_PROGRAMME);

    /* More entries later: the payload still checks (figures as of its size). */
    wage(t, "w4", "P1", 1000);
    assert_int_equal(ledger_statement_payload_check(t->l, payload, len, NULL, why, sizeof why),
                     LEDGER_OK);

    /* Any byte changed in the leaf, the proof or the checkpoint: refused. */
    for (size_t at = 20; at < len; at += 7) {
        char bad[LEDGER_STATEMENT_PAYLOAD_MAX];
        memcpy(bad, payload, len);
        bad[at] = bad[at] == 'A' ? 'B' : 'A';
        if (bad[at] == payload[at])
            continue;
        assert_int_not_equal(
            ledger_statement_payload_verify(bad, len, vkey, NULL, why, sizeof why), LEDGER_OK);
    }
    /* Another ledger's key: refused offline. */
    tl other;
    tl_setup(&other, "GNF", 0);
    char other_key[512];
    vkey_of(&other, other_key, sizeof other_key);
    assert_int_equal(
        ledger_statement_payload_verify(payload, len, other_key, NULL, why, sizeof why),
        LEDGER_VERIFY_FAILED);
    /* ...and online against another ledger. */
    assert_int_equal(
        ledger_statement_payload_check(other.l, payload, len, NULL, why, sizeof why),
        LEDGER_VERIFY_FAILED);
    tl_teardown(&other);
    /* Not a statement leaf. */
    assert_int_equal(ledger_statement_payload(t->l, 1, payload, sizeof payload, &len),
                     LEDGER_NOT_FOUND);
}

/* A forged statement with other figures but a genuine proof of some leaf
 * is refused: the leaf's hash must be the proved one. */
static void test_forged_figures(void **state)
{
    tl *t = *state;
    wage(t, "w1", "P1", 10000);
    const char *who[] = {"P1"};
    ledger_issued_statement st;
    assert_int_equal(ledger_statements_issue(t->l, T_PROGRAMME, "printer", who, 1, 0, 0, &st),
                     LEDGER_OK);
    char payload[LEDGER_STATEMENT_PAYLOAD_MAX], vkey[512], why[256];
    size_t len;
    assert_int_equal(ledger_statement_payload(t->l, st.seq, payload, sizeof payload, &len),
                     LEDGER_OK);
    vkey_of(t, vkey, sizeof vkey);
    /* Swap the leaf for another statement leaf's (P2's, issued later). */
    const char *who2[] = {"P2"};
    ledger_issued_statement st2;
    assert_int_equal(ledger_statements_issue(t->l, T_PROGRAMME, "printer", who2, 1, 0, 0, &st2),
                     LEDGER_OK);
    char p2[LEDGER_STATEMENT_PAYLOAD_MAX];
    size_t len2;
    assert_int_equal(ledger_statement_payload(t->l, st2.seq, p2, sizeof p2, &len2), LEDGER_OK);
    const char *leaf1 = payload + 20, *end1 = strchr(leaf1, '\n');
    const char *leaf2 = p2 + 20, *end2 = strchr(leaf2, '\n');
    char forged[LEDGER_STATEMENT_PAYLOAD_MAX * 2];
    int n = snprintf(forged, sizeof forged, "cauris-statement@v1\n%.*s%s", (int)(end2 - leaf2),
                     leaf2, end1);
    assert_true(n > 0);
    (void)end1;
    assert_int_equal(
        ledger_statement_payload_verify(forged, (size_t)n, vkey, NULL, why, sizeof why),
        LEDGER_VERIFY_FAILED);
    assert_int_equal(
        ledger_statement_payload_check(t->l, forged, (size_t)n, NULL, why, sizeof why),
        LEDGER_VERIFY_FAILED);
    /* Unknown participant: nothing issued. */
    uint64_t size = tl_tree_size(t);
    const char *nobody[] = {"P1", "P9"};
    ledger_issued_statement two[2];
    assert_int_equal(
        ledger_statements_issue(t->l, T_PROGRAMME, "printer", nobody, 2, 0, 0, two),
        LEDGER_UNKNOWN_PARTICIPANT);
    assert_int_equal(tl_tree_size(t), size);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_and_check, setup, tl_teardown_verified),
        cmocka_unit_test_setup_teardown(test_forged_figures, setup, tl_teardown_verified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
