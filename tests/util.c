/*
 * util.c — see util.h.
 */
#include "tests/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t tl_clock(void *ctx)
{
    return ((tl *)ctx)->now;
}

int64_t tl_day(int days)
{
    return 1793491200 + (int64_t)days * 86400 + 43200; /* 2026-11-01T00:00Z + days, noon */
}

static ledger_options tl_options(tl *t)
{
    ledger_options o;
    memset(&o, 0, sizeof o);
    o.clock = tl_clock;
    o.clock_ctx = t;
    return o;
}

void tl_setup(tl *t, const char *currency, size_t map_size_initial)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/cauris-test-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    t->now = tl_day(0);
    ledger_init_options io;
    memset(&io, 0, sizeof io);
    io.programme = T_PROGRAMME;
    io.currency = currency;
    io.origin = "cauris.test/demo";
    io.open = tl_options(t);
    io.open.map_size_initial = map_size_initial;
    assert_int_equal(ledger_init(t->dir, &io), LEDGER_OK);
    tl_reopen(t);
}

void tl_reopen(tl *t)
{
    if (t->l != NULL)
        ledger_close(t->l);
    ledger_options o = tl_options(t);
    t->l = NULL;
    assert_int_equal(ledger_open(&t->l, t->dir, &o), LEDGER_OK);
}

void tl_teardown(tl *t)
{
    char cmd[400];
    ledger_close(t->l);
    t->l = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

void tl_open(tl *t, const char *const *codes, size_t count)
{
    int *results = calloc(count, sizeof *results);
    assert_non_null(results);
    assert_int_equal(ledger_accounts_open(t->l, T_PROGRAMME, codes, count, results), LEDGER_OK);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(results[i], LEDGER_OK);
    free(results);
}

ledger_entry_in tl_transfer(const char *client_id, const char *debit, const char *credit,
                            int64_t amount)
{
    ledger_entry_in e;
    memset(&e, 0, sizeof e);
    e.programme = T_PROGRAMME;
    e.kind = LEDGER_KIND_POSTED;
    e.op = LEDGER_OP_TRANSFER;
    e.partner = "mfi1";
    e.principal = "tester";
    e.client_id = client_id;
    e.value_date = 20261101;
    e.legs_count = 2;
    e.legs[0] = (ledger_leg_in){debit, LEDGER_DEBIT, amount};
    e.legs[1] = (ledger_leg_in){credit, LEDGER_CREDIT, amount};
    return e;
}

ledger_entry_in tl_ref(const char *client_id, ledger_kind kind, ledger_op op, uint64_t ref)
{
    ledger_entry_in e = tl_transfer(client_id, "", "", 1);
    e.kind = kind;
    e.op = op;
    e.ref = ref;
    e.legs_count = 0;
    return e;
}

int tl_post(tl *t, const ledger_entry_in *e, uint64_t *seq)
{
    ledger_result r = {-1, 0, false};
    assert_int_equal(ledger_post(t->l, e, 1, false, &r, NULL), LEDGER_OK);
    if (seq != NULL)
        *seq = r.seq;
    return r.err;
}

int64_t tl_balance(tl *t, const char *code)
{
    int64_t b = -1;
    assert_int_equal(ledger_balance(t->l, T_PROGRAMME, code, NULL, &b), LEDGER_OK);
    return b;
}

uint64_t tl_tree_size(tl *t)
{
    char note[LEDGER_CHECKPOINT_MAX];
    size_t len;
    uint64_t size = 0;
    assert_int_equal(ledger_checkpoint_latest(t->l, note, sizeof note, &len, &size), LEDGER_OK);
    return size;
}

void tl_fund(tl *t, const char *client_id, int64_t amount)
{
    ledger_entry_in e = tl_transfer(client_id, "partner:mfi1:cash", "programme:fund", amount);
    e.op = LEDGER_OP_FUNDING;
    assert_int_equal(tl_post(t, &e, NULL), LEDGER_OK);
}

void tl_enrol(tl *t, const char *id, uint8_t phase)
{
    ledger_enrolment row;
    ledger_enrol_result res;
    memset(&row, 0, sizeof row);
    snprintf(row.p.id, sizeof row.p.id, "%s", id);
    row.p.sex = LEDGER_SEX_FEMALE;
    row.p.birth_year = 1995;
    snprintf(row.p.admin1, sizeof row.p.admin1, "Conakry");
    snprintf(row.p.admin2, sizeof row.p.admin2, "Matoto");
    row.p.category = LEDGER_CATEGORY_RETURNED_MIGRANT;
    snprintf(row.p.cohort, sizeof row.p.cohort, "C1");
    row.p.phase = phase;
    snprintf(row.p.cso, sizeof row.p.cso, "cso1");
    snprintf(row.p.name, sizeof row.p.name, "Person %s", id);
    assert_int_equal(
        ledger_participants_enrol(t->l, T_PROGRAMME, "cso1", "enroller", &row, 1, true, &res),
        LEDGER_OK);
    assert_int_equal(res.err, LEDGER_OK);
}

void tl_capital_rate(tl *t, uint32_t rate_bp)
{
    ledger_settings s;
    assert_int_equal(ledger_settings_get(t->l, T_PROGRAMME, &s), LEDGER_OK);
    s.capital_rate_bp = rate_bp;
    assert_int_equal(ledger_settings_set(t->l, T_PROGRAMME, "admin", &s), LEDGER_OK);
}

void tl_snap(tl *t, tl_snapshot *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(ledger_accounts_list(t->l, T_PROGRAMME, "", "", out->accounts,
                                          TL_SNAPSHOT_ACCOUNTS_MAX, &out->count),
                     LEDGER_OK);
    assert_true(out->count < TL_SNAPSHOT_ACCOUNTS_MAX); /* all of them */
    out->tree_size = tl_tree_size(t);
}

void tl_assert_unchanged(tl *t, const tl_snapshot *before)
{
    static tl_snapshot now;
    tl_snap(t, &now);
    assert_int_equal(now.count, before->count);
    for (size_t i = 0; i < now.count; i++) {
        const ledger_account_info *a = &now.accounts[i], *b = &before->accounts[i];
        assert_string_equal(a->code, b->code);
        assert_int_equal(a->balance, b->balance);
        assert_int_equal(a->debits_pending, b->debits_pending);
        assert_int_equal(a->credits_pending, b->credits_pending);
        assert_int_equal(a->flags, b->flags);
    }
    assert_int_equal(now.tree_size, before->tree_size);
}

int tl_teardown_verified(void **state)
{
    tl *t = *state;
    ledger_verify_report r;
    int err = ledger_verify(t->l, NULL, &r);
    if (err != LEDGER_OK)
        fprintf(stderr, "verify after test: %s\n", r.first_error);
    assert_int_equal(err, LEDGER_OK);
    tl_teardown(t);
    free(t);
    return 0;
}
