/*
 * codec.h — the canonical byte layout of the journal's leaves (format 1).
 *
 * Every leaf of the Merkle log is: type (1 byte) || format version (1 byte)
 * || payload. Integers are big-endian, strings are u16 length || bytes
 * (UTF-8, no NUL). The layout is specified in docs/encoding.md so that a
 * verifier in any language can recompute every hash; it is not protobuf's.
 *
 * Pure functions over caller-owned buffers: no LMDB, no allocation.
 * Decoders take untrusted bytes and check every length.
 */
#ifndef CAURIS_CODEC_H
#define CAURIS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"

#define CODEC_VERSION 2u    /* 2: entries carry reporting tags; leaves 7, 8, 9 */
#define CODEC_LEAF_MAX 2048 /* bytes of the largest leaf */

typedef enum codec_leaf_type {
    CODEC_LEAF_ENTRY = 1,
    CODEC_LEAF_BATCH = 2,
    CODEC_LEAF_KEY = 3,
    CODEC_LEAF_STATEMENT = 4, /* an issued (printed) statement */
    CODEC_LEAF_PROGRAMME = 5,
    CODEC_LEAF_ACCOUNT = 6,
    CODEC_LEAF_PARTICIPANT = 7,
    CODEC_LEAF_SETTINGS = 8,
    CODEC_LEAF_CLOSURE = 9,
    CODEC_LEAF_GROUP = 10,
    CODEC_LEAF_TYPE_MAX = 10,
} codec_leaf_type;

typedef struct codec_leg {
    uint64_t account_id;
    uint8_t side; /* ledger_side */
    int64_t amount;
    int64_t balance_after;
    uint64_t prev_seq;
} codec_leg;

/* Strings point into the caller's buffer (decode) or the caller's strings
 * (encode); lengths are explicit. */
typedef struct codec_str {
    const char *p;
    uint16_t len;
} codec_str;

/* An entry's reporting tags (all empty / 0 when it is about nobody). */
typedef struct codec_tags {
    codec_str participant;
    uint8_t sex, age_band, disability;
    codec_str admin1, admin2;
    uint8_t category;
    codec_str cohort;
    uint8_t phase;
    codec_str cso, budget_line, group;
} codec_tags;

typedef struct codec_entry {
    uint32_t programme;
    uint8_t kind;
    uint16_t op;
    codec_str partner, principal, client_id, external_ref, memo;
    uint32_t value_date;
    int64_t recorded_at;
    uint64_t ref; /* LEDGER_SEQ_NONE when none */
    uint8_t legs_count;
    codec_leg legs[LEDGER_LEGS_MAX];
    codec_tags tags;
} codec_entry;

typedef struct codec_batch {
    uint64_t batch_no;
    uint64_t first_seq;
    uint32_t leaves_count; /* leaves after this header */
    uint64_t prev_size;
    uint8_t prev_root[32];
    uint8_t leaves_root[32]; /* root of the leaves after this header */
    int64_t time;
    uint8_t key_id[4];
} codec_batch;

typedef struct codec_key_event {
    codec_str name;
    uint8_t key_id[4];
    uint8_t public_key[32];
    uint64_t from_size; /* signs checkpoints of this tree size and later */
} codec_key_event;

typedef struct codec_programme {
    uint32_t id;
    codec_str name;
    codec_str currency;
    uint8_t digits;
} codec_programme;

typedef struct codec_account {
    uint64_t id;
    uint32_t programme;
    codec_str code;
    uint8_t type;
    uint32_t flags;
} codec_account;

typedef enum codec_participant_event {
    CODEC_PARTICIPANT_ENROL = 1,
    CODEC_PARTICIPANT_UPDATE = 2,
    CODEC_PARTICIPANT_ERASE = 3,
} codec_participant_event;

/* A participant's record as of this leaf (never personal data). */
typedef struct codec_participant {
    uint32_t programme;
    uint8_t event;
    codec_str partner, principal;
    codec_str id;
    uint8_t sex;
    uint16_t birth_year;
    codec_str wg_ss, admin1, admin2;
    uint8_t category;
    codec_str cohort;
    uint8_t phase;
    codec_str cso, hold;
    codec_str distinct_from; /* enrolment: a look-alike confirmed to be someone else */
} codec_participant;

#define CODEC_THRESHOLDS_COUNT (LEDGER_OP_MAX + 1)
typedef struct codec_settings {
    uint32_t programme;
    codec_str principal;
    uint32_t capital_rate_bp;
    uint8_t unlock_phase;
    int64_t approval_above[CODEC_THRESHOLDS_COUNT];
} codec_settings;

typedef enum codec_closure_event {
    CODEC_CLOSURE_REQUEST = 1,
    CODEC_CLOSURE_APPROVE = 2,
    CODEC_CLOSURE_CANCEL = 3,
} codec_closure_event;

typedef struct codec_closure {
    uint32_t programme;
    uint8_t event;
    codec_str partner, principal;
    uint32_t through; /* YYYYMMDD: the last value date closed */
    uint64_t ref;     /* approve, cancel: the request's seq; request: NONE */
} codec_closure;

typedef enum codec_group_event {
    CODEC_GROUP_CREATE = 1,
    CODEC_GROUP_MEMBER = 2,
    CODEC_GROUP_CYCLE_OPEN = 3,
    CODEC_GROUP_MEETING = 4,
    CODEC_GROUP_CYCLE_CLOSE = 5,
} codec_group_event;

#define CODEC_PRESENT_BYTES 13 /* a bit per member number 1..100 */

/* A savings group's event; fields an event does not use are 0 / empty. */
typedef struct codec_group {
    uint32_t programme;
    uint8_t event;
    codec_str partner, principal, group;
    codec_str name;        /* create */
    codec_str cso;         /* create */
    codec_str participant; /* member */
    uint32_t member_number;
    uint32_t cycle; /* cycle open / close: its number */
    int64_t share_price;
    uint32_t shares_min, shares_max, service_charge_bp, start, planned_end;
    uint32_t date; /* meeting, close */
    int64_t cash_expected, cash_counted;
    uint8_t present[CODEC_PRESENT_BYTES];
} codec_group;

#define CODEC_STATEMENT_ACCOUNTS_MAX 4

/* An issued statement: what a participant's printed statement says, as of
 * a tree size (type 4). */
typedef struct codec_statement_account {
    codec_str code; /* the account's code: readable by an offline verifier */
    int64_t opening, closing;
    uint64_t lines;
    uint8_t lines_root[32]; /* RFC 6962 root of the leaf hashes of its lines */
} codec_statement_account;

typedef struct codec_statement {
    uint32_t programme;
    codec_str principal;
    codec_str participant;
    uint32_t date_from, date_to;
    uint64_t as_of_size; /* the lines counted are those with seq < as_of_size */
    uint8_t accounts_count;
    codec_statement_account accounts[CODEC_STATEMENT_ACCOUNTS_MAX];
} codec_statement;

/* Encoders: write into out (cap bytes), the length to *len_out. 0 or -1. */
int codec_entry_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_entry *e);
int codec_batch_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_batch *b);
int codec_key_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_key_event *k);
int codec_programme_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_programme *p);
int codec_account_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_account *a);
int codec_participant_encode(uint8_t *out, size_t cap, size_t *len_out,
                             const codec_participant *p);
int codec_settings_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_settings *s);
int codec_closure_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_closure *c);
int codec_group_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_group *g);
int codec_statement_encode(uint8_t *out, size_t cap, size_t *len_out, const codec_statement *s);

/* The leaf's type, or -1 for too short / unknown version. */
int codec_leaf_type_of(const uint8_t *leaf, size_t len);

/* Decoders: 0, or -1 when the bytes are not exactly one such leaf. */
int codec_entry_decode(codec_entry *out, const uint8_t *leaf, size_t len);
int codec_batch_decode(codec_batch *out, const uint8_t *leaf, size_t len);
int codec_key_decode(codec_key_event *out, const uint8_t *leaf, size_t len);
int codec_programme_decode(codec_programme *out, const uint8_t *leaf, size_t len);
int codec_account_decode(codec_account *out, const uint8_t *leaf, size_t len);
int codec_participant_decode(codec_participant *out, const uint8_t *leaf, size_t len);
int codec_settings_decode(codec_settings *out, const uint8_t *leaf, size_t len);
int codec_closure_decode(codec_closure *out, const uint8_t *leaf, size_t len);
int codec_group_decode(codec_group *out, const uint8_t *leaf, size_t len);
int codec_statement_decode(codec_statement *out, const uint8_t *leaf, size_t len);

#endif
