/*
 * util.h — helpers shared by the ledger tests: a real ledger in a fresh
 * temporary directory with a clock the test moves, and short ways to build
 * entries and read balances.
 */
#ifndef CAURIS_TESTS_UTIL_H
#define CAURIS_TESTS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ledger/ledger.h"

#define T_PROGRAMME "demo"

typedef struct tl {
    char dir[256];
    ledger *l;
    int64_t now; /* the ledger's clock, unix seconds */
} tl;

/* A new ledger (programme "demo") in a temporary directory, opened. */
void tl_setup(tl *t, const char *currency, size_t map_size_initial);
/* Closes and removes it. */
void tl_teardown(tl *t);
void tl_reopen(tl *t);
/* Opens accounts; asserts each opened. */
void tl_open(tl *t, const char *const *codes, size_t count);

/* An entry of two legs: debit `from`, credit `to`. */
ledger_entry_in tl_transfer(const char *client_id, const char *debit, const char *credit,
                            int64_t amount);
/* A post, void or reversal of entry `ref`: its legs come from the ledger. */
ledger_entry_in tl_ref(const char *client_id, ledger_kind kind, ledger_op op, uint64_t ref);
/* Posts one entry alone; returns its result code, *seq if not NULL. */
int tl_post(tl *t, const ledger_entry_in *e, uint64_t *seq);
int64_t tl_balance(tl *t, const char *code);
uint64_t tl_tree_size(tl *t);
/* Funds partner:mfi1:cash with `amount` from programme:fund. */
void tl_fund(tl *t, const char *client_id, int64_t amount);
/* 2026-11-01 00:00 UTC + days, at noon. */
int64_t tl_day(int days);

/* Enrols a participant (fixed details, name "Person <id>") with its wallet,
 * capital and grant accounts. */
void tl_enrol(tl *t, const char *id, uint8_t phase);
/* Every account of the programme (balance and pending amounts) and the
 * tree size: what a refused operation must leave as it was. */
#define TL_SNAPSHOT_ACCOUNTS_MAX 256
typedef struct tl_snapshot {
    ledger_account_info accounts[TL_SNAPSHOT_ACCOUNTS_MAX];
    size_t count;
    uint64_t tree_size;
} tl_snapshot;
void tl_snap(tl *t, tl_snapshot *out);
void tl_assert_unchanged(tl *t, const tl_snapshot *before);

/* A cmocka teardown: the ledger must still verify, then it is removed and
 * the tl (calloc'ed by the setup) freed. */
int tl_teardown_verified(void **state);

/* Sets the programme's capitalisation rate. */
void tl_capital_rate(tl *t, uint32_t rate_bp);

#endif
