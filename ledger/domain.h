/*
 * domain.h — what the files of ledger/ share about programme operations
 * (domain.c, participants.c, deliveries.c) and what posting (post.c) asks
 * of them. Internal: nothing outside ledger/ includes it.
 */
#ifndef CAURIS_DOMAIN_H
#define CAURIS_DOMAIN_H

#include "ledger/internal.h"

#define DOMAIN_KEY_MAX (5 + 1 + LEDGER_PARTICIPANT_ID_MAX + 20)

/* Actions that may have one open request at a time. */
enum {
    DOMAIN_ACTION_NONE = 0,
    DOMAIN_ACTION_CAPITAL_RELEASE = 1, /* subject: the participant */
    DOMAIN_ACTION_GRANT_COMMIT = 2,    /* subject: the participant */
    DOMAIN_ACTION_REVERSAL = 3,        /* subject: the reversed entry's seq, decimal */
};

/* Period closure state of a programme (derived from closure leaves). */
typedef struct closure_rec {
    uint32_t closed_through;  /* YYYYMMDD, 0 = nothing closed */
    uint32_t request_through; /* of the open request */
    uint64_t request_seq;     /* LEDGER_SEQ_NONE when none is open */
    char request_principal[LEDGER_PRINCIPAL_MAX + 1];
    uint8_t pad[7];
} closure_rec;

/* A savings group's state (groups.c): 'G' || group. */
typedef struct group_rec {
    char id[LEDGER_GROUP_ID_MAX + 1];
    char name[LEDGER_GROUP_NAME_MAX + 1];
    char cso[LEDGER_PARTNER_MAX + 1];
    uint32_t members;
    ledger_cycle cycle;
    uint64_t shares;     /* bought in the current cycle */
    uint32_t meetings;   /* in the current cycle */
    uint64_t attendance; /* members present, summed over them */
    int64_t last_share_out;
    uint32_t last_share_out_members;
    uint8_t pad[4];
    uint64_t cycle_seq; /* the current (or last) cycle's opening leaf */
} group_rec;

/* A member: 'M' || group || ':' || participant; and 'N' || group || ':' ||
 * number (u32 BE) -> participant id, for the order they joined. */
typedef struct member_rec {
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
    uint8_t pad[3];
    uint32_t number;
    uint64_t shares;         /* bought in the current cycle */
    uint32_t meeting_date;   /* the last meeting they bought at */
    uint32_t meeting_shares; /* and how many there */
} member_rec;

/* What posting learns from the domain about one entry, kept between its
 * checks and its write. */
typedef struct domain_entry {
    ledger_entry_in in; /* the entry to post: typed legs derived, kind decided */
    ledger_leg_in legs[LEDGER_LEGS_MAX];
    uint32_t legs_count;
    char codes[LEDGER_LEGS_MAX][LEDGER_CODE_MAX + 1];
    char client_id[LEDGER_CLIENT_ID_MAX + 1];
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1]; /* inferred from the legs sent */
    int64_t amount;                                  /* a typed operation's amount */
    ledger_tags tags;                                /* copied into the leaf */
    char ref_principal[LEDGER_PRINCIPAL_MAX + 1];    /* post/void: who asked */
    uint16_t ref_op;         /* post/void/reversal: the op referred to */
    uint32_t ref_value_date; /* and its value date */
    uint64_t request_ref;    /* a reversal (pending or approved): the entry it reverses */
    uint8_t request_action;  /* DOMAIN_ACTION_* of the open request it opens or closes */
    char request_subject[LEDGER_PARTICIPANT_ID_MAX + 1];
    bool awaiting;   /* recorded pending, awaiting approval */
    uint32_t shares; /* a share purchase's shares */
} domain_entry;

size_t domain_key(uint8_t out[DOMAIN_KEY_MAX], uint32_t programme, char kind,
                  const void *subject, size_t subject_len);
int domain_get(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len, void *out,
               size_t size);
int domain_put(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len, const void *val,
               size_t size);
int domain_del(MDB_txn *txn, ledger *l, const uint8_t *key, size_t key_len);

int settings_load(MDB_txn *txn, ledger *l, uint32_t programme, ledger_settings *out);
int closure_load(MDB_txn *txn, ledger *l, uint32_t programme, closure_rec *out);
int64_t capital_of_wage(int64_t gross, uint32_t rate_bp);

/* participants.c */
int participant_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
                     ledger_participant *out);
/* Sets every participant's capital lock from their phase, hold and `s`. */
int participants_capital_relock(batch *b, uint32_t programme, const ledger_settings *s);

/* Derives the entry to post from what was sent (typed legs, kind after the
 * approval rules, tags, default client id). Rules that depend on the
 * ledger's state at posting are left to domain_entry_check. */
int domain_entry_derive(batch *b, const programme_rec *p, const ledger_entry_in *in,
                        domain_entry *d);
/* The programme's rules for an entry about to be written (`e` has its legs
 * and, for post/void/reversal, its reference). */
int domain_entry_check(batch *b, const programme_rec *p, domain_entry *d, const codec_entry *e);
/* After the entry is written at `seq`: open or close requests, links. */
int domain_entry_done(batch *b, const programme_rec *p, const domain_entry *d,
                      const codec_entry *e, uint64_t seq);

/* groups.c: the typed savings-group operations (legs, membership, cycle,
 * limits, loan fund) and what a posted one changes. */
int group_entry_derive(batch *b, const programme_rec *p, const ledger_entry_in *in,
                       domain_entry *d);
int group_entry_done(batch *b, const programme_rec *p, const domain_entry *d,
                     const codec_entry *e);
int group_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *group, group_rec *out);
int member_load(MDB_txn *txn, ledger *l, uint32_t programme, const char *group,
                const char *participant, member_rec *out);
bool op_of_group(uint16_t op);
/* A share purchase may be reversed only in the cycle it was bought in. */
int group_reversal_check(batch *b, uint32_t programme, uint64_t seq, const ledger_tags *tags);

/* post.c: applies a request's entries inside a batch (deliveries.c), each
 * on its own or all or nothing. */
int entries_apply(batch *b, ledger_request *r);
int entries_apply_atomic(batch *b, ledger_request *r);

#endif
