/*
 * test_pbjson.c — rpc/arena.c and rpc/pbjson.c: the per-request arena, the
 * proto3 JSON mapping over protobuf-c descriptors, and the checks a binary
 * body gets after protobuf_c_message_unpack.
 *
 * Round trips go JSON -> message -> binary (protobuf_c_message_pack) ->
 * message (unpacked into an arena) -> JSON and compare the text with what
 * the mapping says it must be, byte for byte, so key order, number forms
 * and base64 are checked too. Every refusal pbjson.h lists has a case whose
 * message must name the field path.
 *
 * ledger.proto has no recursive message and no float, double, 32-bit
 * integer other than uint32, or proto2 optional field, so two messages are
 * described by hand below, the way protoc-c would generate them: test.Node
 * (recursive, padded to be large) for the depth limit and the arena budget,
 * and test.Scalars for the remaining types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cauris/v1/ledger.pb-c.h"
#include "rpc/arena.h"
#include "rpc/pbjson.h"

#define STRING_MAX 4096               /* string_bytes_max of most cases */
#define ARENA_BYTES ((size_t)8 << 20) /* budget of most cases */
#define ERR_CAP 512
#define NODE_PAD_BYTES 4000 /* makes each test.Node large */

/* ---- hand-described messages ------------------------------------------- */

typedef struct test_node {
    ProtobufCMessage base;
    struct test_node *child;
    char *name;
    char pad[NODE_PAD_BYTES];
} test_node;

typedef struct test_scalars {
    ProtobufCMessage base;
    double f_double;
    float f_float;
    int32_t f_int32;
    int32_t f_sint32;
    int32_t f_sfixed32;
    uint32_t f_fixed32;
    int64_t f_sint64;
    int64_t f_sfixed64;
    uint64_t f_fixed64;
    size_t n_r_int32;
    int32_t *r_int32;
    size_t n_r_double;
    double *r_double;
    size_t n_r_bool;
    protobuf_c_boolean *r_bool;
    size_t n_r_string;
    char **r_string;
    test_node *node;
    protobuf_c_boolean has_opt_int32;
    int32_t opt_int32;
} test_scalars;

static const ProtobufCMessageDescriptor test_node_descriptor;

static const ProtobufCFieldDescriptor test_node_fields[] = {
    {"child", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(test_node, child),
     &test_node_descriptor, NULL, 0, 0, NULL, NULL},
    {"name", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, offsetof(test_node, name),
     NULL, &protobuf_c_empty_string, 0, 0, NULL, NULL},
};
static const unsigned test_node_by_name[] = {0, 1};
static const ProtobufCIntRange test_node_ranges[] = {{1, 0}, {0, 2}};

static void test_node_init(test_node *m)
{
    memset(m, 0, sizeof *m);
    m->base.descriptor = &test_node_descriptor;
    m->name = (char *)protobuf_c_empty_string;
}

static const ProtobufCMessageDescriptor test_node_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Node",
    "Node",
    "Test__Node",
    "test",
    sizeof(test_node),
    2,
    test_node_fields,
    test_node_by_name,
    1,
    test_node_ranges,
    (ProtobufCMessageInit)test_node_init,
    NULL,
    NULL,
    NULL,
};

#define SCALAR(name_, id_, type_, member_)                                                     \
    {                                                                                          \
        name_, id_, PROTOBUF_C_LABEL_NONE, type_, 0, offsetof(test_scalars, member_), NULL,    \
            NULL, 0, 0, NULL, NULL                                                             \
    }
#define REPEATED(name_, id_, type_, member_)                                                   \
    {                                                                                          \
        name_, id_, PROTOBUF_C_LABEL_REPEATED, type_, offsetof(test_scalars, n_##member_),     \
            offsetof(test_scalars, member_), NULL, NULL, 0, 0, NULL, NULL                      \
    }

static const ProtobufCFieldDescriptor test_scalars_fields[] = {
    SCALAR("f_double", 1, PROTOBUF_C_TYPE_DOUBLE, f_double),
    SCALAR("f_float", 2, PROTOBUF_C_TYPE_FLOAT, f_float),
    SCALAR("f_int32", 3, PROTOBUF_C_TYPE_INT32, f_int32),
    SCALAR("f_sint32", 4, PROTOBUF_C_TYPE_SINT32, f_sint32),
    SCALAR("f_sfixed32", 5, PROTOBUF_C_TYPE_SFIXED32, f_sfixed32),
    SCALAR("f_fixed32", 6, PROTOBUF_C_TYPE_FIXED32, f_fixed32),
    SCALAR("f_sint64", 7, PROTOBUF_C_TYPE_SINT64, f_sint64),
    SCALAR("f_sfixed64", 8, PROTOBUF_C_TYPE_SFIXED64, f_sfixed64),
    SCALAR("f_fixed64", 9, PROTOBUF_C_TYPE_FIXED64, f_fixed64),
    REPEATED("r_int32", 10, PROTOBUF_C_TYPE_INT32, r_int32),
    REPEATED("r_double", 11, PROTOBUF_C_TYPE_DOUBLE, r_double),
    REPEATED("r_bool", 12, PROTOBUF_C_TYPE_BOOL, r_bool),
    REPEATED("r_string", 13, PROTOBUF_C_TYPE_STRING, r_string),
    {"node", 14, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0,
     offsetof(test_scalars, node), &test_node_descriptor, NULL, 0, 0, NULL, NULL},
    {"opt_int32", 15, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32,
     offsetof(test_scalars, has_opt_int32), offsetof(test_scalars, opt_int32), NULL, NULL, 0, 0,
     NULL, NULL},
};
#define SCALARS_FIELDS (sizeof test_scalars_fields / sizeof test_scalars_fields[0])
/* Indexes sorted by name: f_double f_fixed32 f_fixed64 f_float f_int32
 * f_sfixed32 f_sfixed64 f_sint32 f_sint64 node opt_int32 r_bool r_double
 * r_int32 r_string. */
static const unsigned test_scalars_by_name[] = {0, 5,  8,  1,  2,  4, 7, 3,
                                                6, 13, 14, 11, 10, 9, 12};
static const ProtobufCIntRange test_scalars_ranges[] = {{1, 0}, {0, SCALARS_FIELDS}};

static const ProtobufCMessageDescriptor test_scalars_descriptor;

static void test_scalars_init(test_scalars *m)
{
    memset(m, 0, sizeof *m);
    m->base.descriptor = &test_scalars_descriptor;
}

static const ProtobufCMessageDescriptor test_scalars_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Scalars",
    "Scalars",
    "Test__Scalars",
    "test",
    sizeof(test_scalars),
    SCALARS_FIELDS,
    test_scalars_fields,
    test_scalars_by_name,
    1,
    test_scalars_ranges,
    (ProtobufCMessageInit)test_scalars_init,
    NULL,
    NULL,
    NULL,
};

/* ---- helpers ------------------------------------------------------------ */

static rpc_arena *arena_new(void)
{
    rpc_arena *a = rpc_arena_create(ARENA_BYTES);
    assert_non_null(a);
    return a;
}

/* Decodes text that must be accepted. */
static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *desc, const char *json,
                                   rpc_arena *a)
{
    char err[ERR_CAP];
    ProtobufCMessage *m =
        pbjson_decode(desc, json, strlen(json), a, STRING_MAX, err, sizeof err);
    if (m == NULL)
        fail_msg("refused %s: %s", json, err);
    return m;
}

/* Encodes and checks the text, its length and its termination. */
static void assert_encodes_to(const ProtobufCMessage *m, const char *want)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(pbjson_encode(m, &text, &len), 0);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
}

/* Packs m and unpacks it into `a`. */
static ProtobufCMessage *binary_copy(const ProtobufCMessage *m, rpc_arena *a)
{
    size_t size = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(size + 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(m, buf), size);
    ProtobufCAllocator allocator;
    rpc_arena_allocator(a, &allocator);
    ProtobufCMessage *copy = protobuf_c_message_unpack(m->descriptor, &allocator, size, buf);
    free(buf);
    assert_non_null(copy);
    return copy;
}

/* Packs m and unpacks it into `a`; the copy must pass pbjson_check. */
static ProtobufCMessage *binary_round_trip(const ProtobufCMessage *m, rpc_arena *a)
{
    ProtobufCMessage *copy = binary_copy(m, a);
    char err[ERR_CAP];
    if (pbjson_check(copy, STRING_MAX, err, sizeof err) != 0)
        fail_msg("pbjson_check: %s", err);
    return copy;
}

/* JSON in -> message -> JSON out (== want) -> binary -> message -> JSON
 * (== want) -> message -> JSON (== want). */
static void assert_round_trip(const ProtobufCMessageDescriptor *desc, const char *in,
                              const char *want)
{
    rpc_arena *a = arena_new();
    ProtobufCMessage *m = decode_ok(desc, in, a);
    assert_encodes_to(m, want);
    assert_encodes_to(binary_round_trip(m, a), want);
    assert_encodes_to(decode_ok(desc, want, a), want);
    rpc_arena_destroy(a);
}

/* Decodes text that must be refused with a message containing `want`. */
static void assert_refused_n(const ProtobufCMessageDescriptor *desc, const char *json,
                             size_t len, size_t string_max, const char *want)
{
    rpc_arena *a = arena_new();
    char err[ERR_CAP];
    memset(err, 'x', sizeof err);
    ProtobufCMessage *m = pbjson_decode(desc, json, len, a, string_max, err, sizeof err);
    if (m != NULL)
        fail_msg("accepted %s", json);
    if (memchr(err, '\0', sizeof err) == NULL || strstr(err, want) == NULL)
        fail_msg("refused %s with \"%.*s\", expected \"%s\"", json, ERR_CAP - 1, err, want);
    rpc_arena_destroy(a);
}

static void assert_refused_max(const ProtobufCMessageDescriptor *desc, const char *json,
                               size_t string_max, const char *want)
{
    assert_refused_n(desc, json, strlen(json), string_max, want);
}

static void assert_refused(const ProtobufCMessageDescriptor *desc, const char *json,
                           const char *want)
{
    assert_refused_n(desc, json, strlen(json), STRING_MAX, want);
}

/* "{"child":" k times, then {}, then k closing braces: depth k + 1. */
static char *nested_nodes(size_t k)
{
    static const char open[] = "{\"child\":";
    size_t len = k * (sizeof open - 1) + 2 + k;
    char *s = malloc(len + 1), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < k; i++, p += sizeof open - 1)
        memcpy(p, open, sizeof open - 1);
    *p++ = '{';
    *p++ = '}';
    memset(p, '}', k);
    s[len] = '\0';
    return s;
}

/* ---- the arena ----------------------------------------------------------- */

static void test_arena_alloc(void **state)
{
    (void)state;
    rpc_arena *a = rpc_arena_create((size_t)1 << 20);
    assert_non_null(a);
    char *first = rpc_arena_alloc(a, 1);
    assert_non_null(first);
    char *zero = rpc_arena_alloc(a, 0);
    assert_non_null(zero);
    assert_ptr_not_equal(first, zero);
    assert_int_equal(rpc_arena_used(a), 2 * RPC_ARENA_ALIGN);
    size_t used = rpc_arena_used(a);
    /* Across chunk boundaries, with a large one in between: every pointer
     * aligned, every byte writable (ASan watches). */
    static const size_t sizes[] = {7, 100, RPC_ARENA_LARGE_BYTES + 1, 33, 70000, 16, 5000};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = rpc_arena_alloc(a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % RPC_ARENA_ALIGN, 0);
            memset(p, 0xa5, sizes[i]);
            used += (sizes[i] + RPC_ARENA_ALIGN - 1) / RPC_ARENA_ALIGN * RPC_ARENA_ALIGN;
            if (used > ((size_t)1 << 20) - 70000 - 1024)
                break;
        }
    }
    assert_int_equal(rpc_arena_used(a), used);
    assert_int_equal(rpc_arena_left(a), ((size_t)1 << 20) - used);

    char *s = rpc_arena_strndup(a, "ab\0cd", 5);
    assert_non_null(s);
    assert_memory_equal(s, "ab\0cd", 6);
    assert_null(rpc_arena_strndup(a, "x", SIZE_MAX));
    assert_null(rpc_arena_alloc(a, SIZE_MAX));
    assert_null(rpc_arena_alloc(a, SIZE_MAX - 3));

    rpc_arena_reset(a);
    assert_int_equal(rpc_arena_used(a), 0);
    assert_ptr_equal(rpc_arena_alloc(a, 1), first); /* the first chunk is kept */
    rpc_arena_destroy(a);
    rpc_arena_destroy(NULL);
}

static void test_arena_budget(void **state)
{
    (void)state;
    rpc_arena *a = rpc_arena_create(1000);
    assert_non_null(a);
    assert_null(rpc_arena_alloc(a, 1000)); /* 1008 once rounded */
    assert_non_null(rpc_arena_alloc(a, 992));
    assert_null(rpc_arena_alloc(a, 1));
    assert_int_equal(rpc_arena_used(a), 992);
    assert_int_equal(rpc_arena_left(a), 8);
    rpc_arena_reset(a);
    for (int i = 0; i < 62; i++)
        assert_non_null(rpc_arena_alloc(a, 16));
    assert_null(rpc_arena_alloc(a, 16));
    rpc_arena_destroy(a);

    /* A budget larger than a chunk, spent in chunks and large pieces. */
    a = rpc_arena_create(RPC_ARENA_CHUNK_BYTES * 3);
    assert_non_null(a);
    size_t got = 0;
    while (rpc_arena_alloc(a, 1000) != NULL)
        got += 1008;
    assert_int_equal(got, rpc_arena_used(a));
    assert_true(rpc_arena_left(a) < 1008);
    rpc_arena_reset(a);
    assert_non_null(rpc_arena_alloc(a, RPC_ARENA_CHUNK_BYTES * 2));
    assert_null(rpc_arena_alloc(a, RPC_ARENA_CHUNK_BYTES + 1));
    assert_non_null(rpc_arena_alloc(a, RPC_ARENA_CHUNK_BYTES));
    rpc_arena_destroy(a);

    a = rpc_arena_create(0);
    assert_non_null(a);
    assert_null(rpc_arena_alloc(a, 0));
    rpc_arena_destroy(a);
}

/* protobuf-c unpacks into the arena; a body that asks for more than the
 * budget (many empty entries: each is a whole EntryInput) fails cleanly. */
static void test_arena_unpack_budget(void **state)
{
    (void)state;
    enum { ENTRIES = 5000 };
    uint8_t *body = malloc(2 * ENTRIES);
    assert_non_null(body);
    for (size_t i = 0; i < ENTRIES; i++) {
        body[2 * i] = 0x12; /* field 2 (entries), length-delimited */
        body[2 * i + 1] = 0;
    }
    ProtobufCAllocator allocator;
    rpc_arena *small = rpc_arena_create(64 * 1024);
    assert_non_null(small);
    rpc_arena_allocator(small, &allocator);
    assert_null(protobuf_c_message_unpack(&cauris__v1__post_entries_request__descriptor,
                                          &allocator, 2 * ENTRIES, body));
    rpc_arena_destroy(small);

    rpc_arena *a = arena_new();
    rpc_arena_allocator(a, &allocator);
    Cauris__V1__PostEntriesRequest *r =
        (Cauris__V1__PostEntriesRequest *)protobuf_c_message_unpack(
            &cauris__v1__post_entries_request__descriptor, &allocator, 2 * ENTRIES, body);
    assert_non_null(r);
    assert_int_equal(r->n_entries, ENTRIES);
    assert_true(rpc_arena_used(a) > ENTRIES * sizeof(Cauris__V1__EntryInput));
    free(body);
    rpc_arena_destroy(a);
}

/* ---- round trips ----------------------------------------------------------- */

static void test_round_trip_post_entries(void **state)
{
    (void)state;
    const char *in =
        "{\"programme\":\"demo\",\"entries\":["
        "{\"clientId\":\"c1\",\"kind\":\"KIND_POSTED\",\"operation\":3,"
        "\"valueDate\":\"2026-11-23\",\"legs\":["
        "{\"account\":\"participant:P1:wallet\",\"debit\":\"1050\"},"
        "{\"account\":\"bank\",\"credit\":1050},{\"account\":\"z\",\"debit\":0,\"credit\":null}"
        "],"
        "\"external_ref\":\"tx-9\",\"memo\":\"wage \\u00e9t\\u00e9 \\\"q\\\"\"},"
        "{\"client_id\":\"c2\",\"kind\":4,\"ref\":\"18446744073709551615\",\"legs\":[]},"
        "{\"kind\":\"KIND_REVERSAL\",\"ref\":\"9223372036854775808\","
        "\"operation\":\"OPERATION_UNSPECIFIED\",\"memo\":null}],"
        "\"atomic\":true}";
    const char *want =
        "{\"programme\":\"demo\",\"entries\":["
        "{\"clientId\":\"c1\",\"kind\":\"KIND_POSTED\",\"operation\":\"OPERATION_WAGE\","
        "\"valueDate\":\"2026-11-23\",\"legs\":["
        "{\"account\":\"participant:P1:wallet\",\"debit\":\"1050\"},"
        "{\"account\":\"bank\",\"credit\":\"1050\"},{\"account\":\"z\",\"debit\":\"0\"}],"
        "\"externalRef\":\"tx-9\",\"memo\":\"wage \xc3\xa9t\xc3\xa9 \\\"q\\\"\"},"
        "{\"clientId\":\"c2\",\"kind\":\"KIND_VOID\",\"ref\":\"18446744073709551615\"},"
        "{\"kind\":\"KIND_REVERSAL\",\"ref\":\"9223372036854775808\"}],"
        "\"atomic\":true}";
    assert_round_trip(&cauris__v1__post_entries_request__descriptor, in, want);

    rpc_arena *a = arena_new();
    Cauris__V1__PostEntriesRequest *r = (Cauris__V1__PostEntriesRequest *)decode_ok(
        &cauris__v1__post_entries_request__descriptor, in, a);
    assert_int_equal(r->n_entries, 3);
    Cauris__V1__EntryInput *e = r->entries[0];
    assert_int_equal(e->n_legs, 3);
    assert_int_equal(e->legs[0]->amount_case, CAURIS__V1__LEG__AMOUNT_DEBIT);
    assert_int_equal(e->legs[0]->debit, 1050);
    assert_int_equal(e->legs[1]->amount_case, CAURIS__V1__LEG__AMOUNT_CREDIT);
    assert_int_equal(e->legs[1]->credit, 1050);
    assert_int_equal(e->legs[2]->amount_case, CAURIS__V1__LEG__AMOUNT_DEBIT);
    assert_int_equal(e->operation, CAURIS__V1__OPERATION__OPERATION_WAGE);
    assert_true(r->entries[1]->ref == UINT64_MAX);
    assert_int_equal(r->entries[1]->n_legs, 0);
    assert_ptr_equal(r->entries[2]->memo, protobuf_c_empty_string); /* null = default */
    assert_ptr_equal(r->entries[2]->client_id, protobuf_c_empty_string);
    assert_true(r->atomic);
    rpc_arena_destroy(a);
}

static void test_round_trip_get_entry(void **state)
{
    (void)state;
    /* URL-safe and unpadded base64 in, standard padded out. */
    const char *in =
        "{\"entry\":{\"seq\":\"5\",\"programme\":\"demo\",\"kind\":\"KIND_POSTED\",\"legs\":["
        "{\"account\":\"a\",\"debit\":\"-3\",\"balance_after\":\"-9223372036854775808\"}]},"
        "\"leaf\":\"AAEC_w\",\"leaf_hash\":\"+/+/\",\"treeSize\":6,"
        "\"inclusionProof\":[\"\",\"AA==\",\"-_8\"],\"checkpoint\":\"c\\n\"}";
    const char *want =
        "{\"entry\":{\"seq\":\"5\",\"programme\":\"demo\",\"kind\":\"KIND_POSTED\",\"legs\":["
        "{\"account\":\"a\",\"debit\":\"-3\",\"balanceAfter\":\"-9223372036854775808\"}]},"
        "\"leaf\":\"AAEC/w==\",\"leafHash\":\"+/+/\",\"treeSize\":\"6\","
        "\"inclusionProof\":[\"\",\"AA==\",\"+/8=\"],\"checkpoint\":\"c\\n\"}";
    assert_round_trip(&cauris__v1__get_entry_response__descriptor, in, want);

    rpc_arena *a = arena_new();
    Cauris__V1__GetEntryResponse *r = (Cauris__V1__GetEntryResponse *)decode_ok(
        &cauris__v1__get_entry_response__descriptor, in, a);
    assert_int_equal(r->leaf.len, 4);
    assert_memory_equal(r->leaf.data, "\x00\x01\x02\xff", 4);
    assert_int_equal(r->n_inclusion_proof, 3);
    assert_int_equal(r->inclusion_proof[0].len, 0);
    assert_int_equal(r->inclusion_proof[2].len, 2);
    assert_memory_equal(r->inclusion_proof[2].data, "\xfb\xff", 2);
    assert_true(r->entry->legs[0]->balance_after == INT64_MIN);
    rpc_arena_destroy(a);
}

static void test_round_trip_get_statement(void **state)
{
    (void)state;
    const char *in =
        "{\"account\":\"participant:P1:wallet\",\"currency\":\"USD\",\"currencyDigits\":\"2\","
        "\"openingBalance\":\"-100\",\"closingBalance\":950,\"linesTotal\":\"2\",\"lines\":["
        "{\"seq\":\"1\",\"valueDate\":\"2026-11-01\",\"recorded_at\":\"2026-11-01T10:00:00Z\","
        "\"kind\":\"KIND_POSTED\",\"operation\":\"OPERATION_FUNDING\",\"credit\":\"1050\","
        "\"balanceAfter\":\"950\",\"clientId\":\"c1\"},{\"seq\":\"2\",\"debit\":\"0\"}],"
        "\"nextPageToken\":\"0\"}";
    const char *want =
        "{\"account\":\"participant:P1:wallet\",\"currency\":\"USD\",\"currencyDigits\":2,"
        "\"openingBalance\":\"-100\",\"closingBalance\":\"950\",\"linesTotal\":\"2\",\"lines\":"
        "["
        "{\"seq\":\"1\",\"valueDate\":\"2026-11-01\",\"recordedAt\":\"2026-11-01T10:00:00Z\","
        "\"kind\":\"KIND_POSTED\",\"operation\":\"OPERATION_FUNDING\",\"credit\":\"1050\","
        "\"balanceAfter\":\"950\",\"clientId\":\"c1\"},{\"seq\":\"2\"}]}";
    assert_round_trip(&cauris__v1__get_statement_response__descriptor, in, want);
}

static void test_round_trip_scalars(void **state)
{
    (void)state;
    const char *in =
        "{\"fDouble\":\"1e300\",\"f_float\":0.1,\"fInt32\":-2147483648,\"fSint32\":\"-5\","
        "\"fSfixed32\":2147483647,\"fFixed32\":4294967295,\"fSint64\":-9223372036854775808,"
        "\"fSfixed64\":\"-1\",\"fFixed64\":\"18446744073709551615\",\"rInt32\":[1,\"-2\",0],"
        "\"rDouble\":[\"Infinity\",\"-Infinity\",\"NaN\",2.5,\"3.25\",0,1e-300],"
        "\"rBool\":[true,false],\"rString\":[\"\",\"x\"],\"node\":{\"name\":\"n\"},"
        "\"optInt32\":0}";
    const char *want =
        "{\"fDouble\":1.0000000000000001e300,\"fFloat\":0.10000000149011612,"
        "\"fInt32\":-2147483648,\"fSint32\":-5,"
        "\"fSfixed32\":2147483647,\"fFixed32\":4294967295,\"fSint64\":\"-9223372036854775808\","
        "\"fSfixed64\":\"-1\",\"fFixed64\":\"18446744073709551615\",\"rInt32\":[1,-2,0],"
        "\"rDouble\":[\"Infinity\",\"-Infinity\",\"NaN\",2.5,3.25,0.0,1e-300],"
        "\"rBool\":[true,false],\"rString\":[\"\",\"x\"],\"node\":{\"name\":\"n\"},"
        "\"optInt32\":0}";
    /* Reals are written by jansson with 17 significant digits: longer than
     * the shortest text, and read back to the same value. */
    assert_round_trip(&test_scalars_descriptor, in, want);

    rpc_arena *a = arena_new();
    test_scalars *m = (test_scalars *)decode_ok(&test_scalars_descriptor, in, a);
    assert_true(m->f_float == 0.1f);
    assert_true(m->f_double == 1e300);
    assert_true(isnan(m->r_double[2]));
    assert_true(m->has_opt_int32);
    m = (test_scalars *)decode_ok(&test_scalars_descriptor, "{\"fFloat\":\"-0.3\"}", a);
    assert_true(m->f_float == -0.3f);
    assert_false(m->has_opt_int32);
    assert_encodes_to(&m->base, "{\"fFloat\":-0.30000001192092896}");
    m = (test_scalars *)decode_ok(&test_scalars_descriptor, "{\"fDouble\":0.1}", a);
    assert_encodes_to(&m->base, "{\"fDouble\":0.10000000000000001}");
    m = (test_scalars *)decode_ok(&test_scalars_descriptor, "{\"fDouble\":123456789012345678}",
                                  a);
    assert_encodes_to(&m->base, "{\"fDouble\":1.2345678901234568e17}");
    /* A singular -0.0 is left out like 0 (protobuf-c's binary does the
     * same); in an array it is written "-0.0", which keeps its sign. */
    m = (test_scalars *)decode_ok(&test_scalars_descriptor,
                                  "{\"fDouble\":-0.0,\"rDouble\":[-0.0]}", a);
    assert_true(m->f_double == 0 && signbit(m->f_double));
    assert_true(signbit(m->r_double[0]));
    assert_encodes_to(&m->base, "{\"rDouble\":[-0.0]}");
    rpc_arena_destroy(a);
}

/* ---- exact encodings ------------------------------------------------------- */

static void test_encode_exact(void **state)
{
    (void)state;
    /* Key order is field-number order; defaults are left out. */
    Cauris__V1__EntryResult ok = CAURIS__V1__ENTRY_RESULT__INIT;
    ok.seq = 7;
    Cauris__V1__EntryResult bad = CAURIS__V1__ENTRY_RESULT__INIT;
    bad.result = CAURIS__V1__RESULT__RESULT_INSUFFICIENT_FUNDS;
    bad.message = "x";
    Cauris__V1__EntryResult *results[] = {&ok, &bad};
    Cauris__V1__PostEntriesResponse resp = CAURIS__V1__POST_ENTRIES_RESPONSE__INIT;
    resp.checkpoint = "c";
    resp.tree_size = 9;
    resp.n_results = 2;
    resp.results = results;
    assert_encodes_to(&resp.base,
                      "{\"results\":[{\"seq\":\"7\"},{\"result\":\"RESULT_INSUFFICIENT_"
                      "FUNDS\",\"message\":\"x\"}],\"treeSize\":\"9\","
                      "\"checkpoint\":\"c\"}");

    Cauris__V1__GetCheckpointRequest empty = CAURIS__V1__GET_CHECKPOINT_REQUEST__INIT;
    assert_encodes_to(&empty.base, "{}");

    /* A set oneof member is written even at its default. */
    Cauris__V1__GetBalancesRequest gb = CAURIS__V1__GET_BALANCES_REQUEST__INIT;
    gb.as_of_case = CAURIS__V1__GET_BALANCES_REQUEST__AS_OF_AS_OF_TREE_SIZE;
    gb.as_of_tree_size = 0;
    assert_encodes_to(&gb.base, "{\"asOfTreeSize\":\"0\"}");
    gb.as_of_case = CAURIS__V1__GET_BALANCES_REQUEST__AS_OF_AS_OF_DATE;
    gb.as_of_date = "";
    assert_encodes_to(&gb.base, "{\"asOfDate\":\"\"}");
    Cauris__V1__Leg leg = CAURIS__V1__LEG__INIT;
    leg.amount_case = CAURIS__V1__LEG__AMOUNT_CREDIT;
    assert_encodes_to(&leg.base, "{\"credit\":\"0\"}");

    /* A set message is written even when empty. */
    Cauris__V1__Entry entry = CAURIS__V1__ENTRY__INIT;
    Cauris__V1__GetEntryResponse ger = CAURIS__V1__GET_ENTRY_RESPONSE__INIT;
    ger.entry = &entry;
    assert_encodes_to(&ger.base, "{\"entry\":{}}");

    /* Enum values without a name are written as numbers. */
    Cauris__V1__EntryInput in = CAURIS__V1__ENTRY_INPUT__INIT;
    in.operation = (Cauris__V1__Operation)99;
    in.kind = (Cauris__V1__Kind)-1;
    assert_encodes_to(&in.base, "{\"kind\":-1,\"operation\":99}");

    Cauris__V1__Balance bal = CAURIS__V1__BALANCE__INIT;
    bal.balance = INT64_MIN;
    bal.locked = 1;
    assert_encodes_to(&bal.base, "{\"balance\":\"-9223372036854775808\",\"locked\":true}");

    /* Escapes, and U+FFFD for each byte that is not UTF-8. */
    Cauris__V1__EntryInput memo = CAURIS__V1__ENTRY_INPUT__INIT;
    memo.memo = "a\"b\\c\n\t\r\x01\x1f\x7f\xff\xc3\xa9\xed\xa0\x80/";
    assert_encodes_to(&memo.base,
                      "{\"memo\":\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001F\x7f"
                      "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/\"}");

    Cauris__V1__GetConsistencyProofResponse proof =
        CAURIS__V1__GET_CONSISTENCY_PROOF_RESPONSE__INIT;
    uint8_t h1[] = {0xfb, 0xff, 0xbf}, h2[] = {'M', 'a'}, h3[] = {'M'};
    ProtobufCBinaryData hashes[] = {{3, h1}, {2, h2}, {1, h3}};
    proof.proof = hashes;
    proof.n_proof = 3;
    proof.new_size = UINT64_MAX;
    assert_encodes_to(
        &proof.base,
        "{\"newSize\":\"18446744073709551615\",\"proof\":[\"+/+/\",\"TWE=\",\"TQ==\"]}");
}

/* ---- names and nulls -------------------------------------------------------- */

static void test_names_and_nulls(void **state)
{
    (void)state;
    /* Proto names and JSON names are the same field. */
    assert_round_trip(&cauris__v1__get_statement_request__descriptor,
                      "{\"date_from\":\"2026-01-01\",\"dateTo\":\"2026-02-01\",\"page_size\":5,"
                      "\"page_token\":\"9\"}",
                      "{\"dateFrom\":\"2026-01-01\",\"dateTo\":\"2026-02-01\",\"pageSize\":5,"
                      "\"pageToken\":\"9\"}");
    /* null is the default, or "not set" for a oneof member and a message. */
    assert_round_trip(&cauris__v1__post_entries_request__descriptor,
                      "{\"programme\":null,\"entries\":null,\"atomic\":null}", "{}");
    assert_round_trip(&cauris__v1__get_entry_response__descriptor,
                      "{\"entry\":null,\"leaf\":null,\"inclusion_proof\":null}", "{}");
    assert_round_trip(&cauris__v1__leg__descriptor, "{\"debit\":null,\"credit\":\"4\"}",
                      "{\"credit\":\"4\"}");
    assert_round_trip(&cauris__v1__leg__descriptor, "{\"debit\":\"-4\",\"credit\":null}",
                      "{\"debit\":\"-4\"}");
    assert_round_trip(&cauris__v1__get_entry_request__descriptor, "{\"clientId\":\"\"}",
                      "{\"clientId\":\"\"}");
    assert_round_trip(&cauris__v1__get_balances_request__descriptor,
                      "{\"accounts\":[\"a\",\"\",\"b\"],\"as_of_date\":\"2026-01-01\"}",
                      "{\"accounts\":[\"a\",\"\",\"b\"],\"asOfDate\":\"2026-01-01\"}");
    /* Leading zeros and "-0" are still decimal integers. */
    assert_round_trip(&cauris__v1__leg__descriptor, "{\"debit\":\"-0\"}", "{\"debit\":\"0\"}");
    assert_round_trip(&cauris__v1__get_checkpoint_request__descriptor, "{\"treeSize\":\"007\"}",
                      "{\"treeSize\":\"7\"}");
    /* Whitespace around JSON tokens is JSON's business, and fine. */
    assert_round_trip(&cauris__v1__get_checkpoint_request__descriptor,
                      " \n{ \"treeSize\" : 1 }\n", "{\"treeSize\":\"1\"}");
}

/* ---- refusals ----------------------------------------------------------------- */

typedef struct refusal {
    const ProtobufCMessageDescriptor *desc;
    const char *json;
    const char *want;
} refusal;

#define PER &cauris__v1__post_entries_request__descriptor
#define GER &cauris__v1__get_entry_response__descriptor
#define SCA &test_scalars_descriptor

static const refusal refusals[] = {
    /* Not JSON, or not an object. */
    {PER, "", "invalid JSON"},
    {PER, "{\"programme\":", "invalid JSON at line 1"},
    {PER, "{} {}", "invalid JSON"},
    {PER, "[]", "expected a JSON object at the top level"},
    {PER, "null", "expected a JSON object at the top level"},
    {PER, "\"x\"", "expected a JSON object at the top level"},
    {PER, "{\"atomic\":true,\"atomic\":false}", "invalid JSON"}, /* duplicate key */
    {PER, "{\"programme\":\"\xff\"}", "invalid JSON"},
    {PER, "{\"programme\":\"\xc0\xaf\"}", "invalid JSON"},     /* overlong '/' */
    {PER, "{\"programme\":\"\xed\xa0\x80\"}", "invalid JSON"}, /* a surrogate */
    {PER, "{\"programme\":\"\\ud800\"}", "invalid JSON"},      /* a lone surrogate */
    {PER, "{\"programme\":\"a\\u0000b\"}", "invalid JSON"},
    {PER, "{\"entries\":[{\"ref\":18446744073709551615}]}", "invalid JSON"}, /* too big */
    /* Names. */
    {PER, "{\"entries\":[{\"legs\":[{\"acount\":\"x\"}]}]}",
     "entries[0].legs[0].acount: unknown field of cauris.v1.Leg"},
    {PER, "{\"Programme\":\"x\"}", "Programme: unknown field"},
    {PER, "{\"client_id\":\"x\"}", "client_id: unknown field"},
    {PER, "{\"entries\":[{\"client_id\":\"a\",\"clientId\":\"b\"}]}",
     "entries[0].clientId: field given twice"},
    {PER, "{\"entries\":[{\"clientID\":\"a\"}]}", "entries[0].clientID: unknown field"},
    /* JSON types. */
    {PER, "{\"entries\":[{},{},{},{\"legs\":[{\"debit\":true}]}]}",
     "entries[3].legs[0].debit: expected an int64 as a string or integer"},
    {PER, "{\"entries\":[{\"legs\":[{\"credit\":[]}]}]}",
     "entries[0].legs[0].credit: expected an int64 as a string or integer"},
    {PER, "{\"programme\":5}", "programme: expected a string"},
    {PER, "{\"entries\":{}}", "entries: expected an array"},
    {PER, "{\"entries\":[1]}", "entries[0]: expected an object"},
    {PER, "{\"entries\":[{},null]}", "entries[1]: null is not allowed in an array"},
    {PER, "{\"atomic\":1}", "atomic: expected true or false"},
    {PER, "{\"atomic\":\"true\"}", "atomic: expected true or false"},
    {GER, "{\"entry\":[]}", "entry: expected an object"},
    {GER, "{\"leaf\":5}", "leaf: expected base64 text in a string"},
    {GER, "{\"inclusionProof\":[\"AA==\",null]}", "inclusionProof[1]: null is not allowed"},
    /* Integers. */
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":1.5}]}]}",
     "entries[0].legs[0].debit: expected an int64 as a string or integer, without a fraction"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":1e3}]}]}", "without a fraction or exponent"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":1.0}]}]}", "without a fraction or exponent"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"1.0\"}]}]}",
     "only digits and an optional '-'"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"1e3\"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"+5\"}]}]}",
     "legs[0].debit: expected an int64"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\" 5\"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"5 \"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"\"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"-\"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"0x10\"}]}]}", "only digits"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"9223372036854775808\"}]}]}",
     "entries[0].legs[0].debit: out of range for int64"},
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"-9223372036854775809\"}]}]}",
     "out of range for int64"},
    {PER, "{\"entries\":[{\"ref\":\"18446744073709551616\"}]}",
     "entries[0].ref: out of range for uint64"},
    {PER, "{\"entries\":[{\"ref\":\"99999999999999999999999\"}]}", "out of range for uint64"},
    {PER, "{\"entries\":[{\"ref\":\"-1\"}]}", "entries[0].ref: out of range for uint64"},
    {PER, "{\"entries\":[{\"ref\":-1}]}", "entries[0].ref: out of range for uint64"},
    {&cauris__v1__get_balances_response__descriptor, "{\"currencyDigits\":4294967296}",
     "currencyDigits: out of range for uint32"},
    {&cauris__v1__get_balances_response__descriptor, "{\"currencyDigits\":-1}",
     "out of range for uint32"},
    {&cauris__v1__get_balances_response__descriptor, "{\"currencyDigits\":2.5}",
     "expected a uint32 as an integer or string, without a fraction"},
    {SCA, "{\"fInt32\":2147483648}", "fInt32: out of range for int32"},
    {SCA, "{\"fInt32\":\"-2147483649\"}", "fInt32: out of range for int32"},
    {SCA, "{\"fSint64\":\"9223372036854775808\"}", "fSint64: out of range for sint64"},
    {SCA, "{\"rInt32\":[1,\"x\"]}", "rInt32[1]: expected an int32 as an integer or string"},
    /* Floating point. */
    {SCA, "{\"fFloat\":1e39}", "fFloat: out of range for a float"},
    {SCA, "{\"fDouble\":\"1e999\"}", "fDouble: out of range for a double"},
    {SCA, "{\"fDouble\":\"inf\"}", "fDouble: expected a double as a number or string"},
    {SCA, "{\"fDouble\":\"nan\"}", "expected a double"},
    {SCA, "{\"fDouble\":\" 1\"}", "expected a double"},
    {SCA, "{\"fDouble\":\"+1\"}", "expected a double"},
    {SCA, "{\"fDouble\":\"0x1p3\"}", "expected a double"},
    {SCA, "{\"fDouble\":\"1.5 \"}", "expected a double"},
    {SCA, "{\"fDouble\":true}", "expected a double"},
    {SCA, "{\"rBool\":[true,0]}", "rBool[1]: expected true or false"},
    {SCA, "{\"rString\":[\"a\",2]}", "rString[1]: expected a string"},
    {SCA, "{\"node\":{\"child\":{\"nam\":1}}}", "node.child.nam: unknown field of test.Node"},
    /* Enums. */
    {PER, "{\"entries\":[{\"kind\":\"KIND_FOO\"}]}",
     "entries[0].kind: not a name of enum cauris.v1.Kind"},
    {PER, "{\"entries\":[{\"kind\":\"kind_posted\"}]}", "not a name of enum cauris.v1.Kind"},
    {PER, "{\"entries\":[{\"kind\":\"1\"}]}", "not a name of enum"},
    {PER, "{\"entries\":[{\"kind\":1.0}]}", "entries[0].kind: expected a name of enum"},
    {PER, "{\"entries\":[{\"kind\":true}]}",
     "expected a name of enum cauris.v1.Kind or its number"},
    {PER, "{\"entries\":[{\"kind\":2147483648}]}", "entries[0].kind: out of range for enum"},
    /* Base64. */
    {GER, "{\"leaf\":\"ab=c\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"a\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"abcde\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"YR\"}", "leaf: invalid base64"}, /* unused bits set */
    {GER, "{\"leaf\":\"YQ=\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"YQ===\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"YWJj=\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"YW Jj\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"YWJj\\n\"}", "leaf: invalid base64"},
    {GER, "{\"leaf\":\"+-==\"}", "leaf: invalid base64"}, /* two alphabets */
    {GER, "{\"leaf\":\"=\"}", "leaf: invalid base64"},
    {GER, "{\"inclusionProof\":[\"AA==\",\"A*==\"]}", "inclusionProof[1]: invalid base64"},
    /* Oneofs. */
    {PER, "{\"entries\":[{\"legs\":[{\"debit\":\"1\",\"credit\":\"2\"}]}]}",
     "entries[0].legs[0].credit: debit is set too, and only one of them may be"},
    {&cauris__v1__get_entry_request__descriptor, "{\"client_id\":\"x\",\"seq\":1}",
     "seq: clientId is set too"},
    {&cauris__v1__get_balances_request__descriptor,
     "{\"asOfTreeSize\":\"0\",\"asOfDate\":\"2026-01-01\"}",
     "asOfDate: asOfTreeSize is set too"},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        assert_refused(refusals[i].desc, refusals[i].json, refusals[i].want);
    /* Text that is not NUL-terminated, or holds a NUL. */
    rpc_arena *a = arena_new();
    char err[ERR_CAP];
    assert_non_null(pbjson_decode(PER, "{}x", 2, a, STRING_MAX, err, sizeof err));
    rpc_arena_destroy(a);
    assert_refused_n(PER, "{}x", 3, STRING_MAX, "invalid JSON");
    assert_refused_n(PER, "{\"a\0\":1}", 8, STRING_MAX, "invalid JSON");
    assert_refused_n(PER, NULL, 0, STRING_MAX, "invalid JSON");
}

static void test_string_limit(void **state)
{
    (void)state;
    rpc_arena *a = arena_new();
    char err[ERR_CAP];
    const char *ten = "{\"programme\":\"0123456789\"}";
    assert_non_null(pbjson_decode(PER, ten, strlen(ten), a, 10, err, sizeof err));
    assert_refused_max(PER, "{\"programme\":\"0123456789a\"}", 10,
                       "programme: longer than 10 bytes");
    /* Bytes, not characters: five two-byte characters are ten bytes. */
    const char *five = "{\"programme\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}";
    assert_non_null(pbjson_decode(PER, five, strlen(five), a, 10, err, sizeof err));
    assert_refused_max(PER, "{\"entries\":[{},{\"legs\":[{},{\"account\":\"xx\"}]}]}", 1,
                       "entries[1].legs[1].account: longer than 1 bytes");
    /* bytes: the decoded length counts; "AAECAwQFBgcICQ==" is ten bytes. */
    const char *b10 = "{\"leaf\":\"AAECAwQFBgcICQ==\"}";
    assert_non_null(pbjson_decode(GER, b10, strlen(b10), a, 10, err, sizeof err));
    const char *b10u = "{\"leaf\":\"AAECAwQFBgcICQ\"}";
    assert_non_null(pbjson_decode(GER, b10u, strlen(b10u), a, 10, err, sizeof err));
    assert_refused_max(GER, "{\"leaf\":\"AAECAwQFBgcICQo=\"}", 10,
                       "leaf: longer than 10 bytes");
    assert_refused_max(GER, "{\"leaf\":\"AAECAwQFBgcICQoL\"}", 10,
                       "leaf: longer than 10 bytes");
    rpc_arena_destroy(a);
}

static void test_depth_limit(void **state)
{
    (void)state;
    rpc_arena *a = rpc_arena_create((size_t)1 << 20);
    assert_non_null(a);
    char err[ERR_CAP];
    char *ok = nested_nodes(PBJSON_DEPTH_MAX - 1);
    ProtobufCMessage *m =
        pbjson_decode(&test_node_descriptor, ok, strlen(ok), a, STRING_MAX, err, sizeof err);
    assert_non_null(m);
    char *text;
    size_t len;
    assert_int_equal(pbjson_encode(m, &text, &len), 0);
    assert_string_equal(text, ok);
    free(text);
    assert_int_equal(pbjson_check(m, STRING_MAX, err, sizeof err), 0);
    free(ok);

    char *deep = nested_nodes(PBJSON_DEPTH_MAX);
    assert_null(pbjson_decode(&test_node_descriptor, deep, strlen(deep), a, STRING_MAX, err,
                              sizeof err));
    assert_non_null(strstr(err, "child.child.child"));
    assert_non_null(strstr(err, ": messages nested deeper than 16"));
    free(deep);
    /* Far deeper than jansson's own limit: still a refusal. */
    rpc_arena_destroy(a);
    a = rpc_arena_create((size_t)16 << 20);
    assert_non_null(a);
    char *deeper = nested_nodes(5000);
    assert_null(pbjson_decode(&test_node_descriptor, deeper, strlen(deeper), a, STRING_MAX, err,
                              sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    free(deeper);
    rpc_arena_destroy(a);
}

/* Binary bodies: a chain of nodes one deeper than allowed is unpacked by
 * protobuf-c (it has no depth limit) and refused by pbjson_check. */
static void test_check_depth(void **state)
{
    (void)state;
    enum { CHAIN = PBJSON_DEPTH_MAX + 1 };
    test_node *nodes = calloc(CHAIN, sizeof *nodes);
    assert_non_null(nodes);
    for (size_t i = 0; i < CHAIN; i++) {
        test_node_init(&nodes[i]);
        nodes[i].child = i + 1 < CHAIN ? &nodes[i + 1] : NULL;
    }
    rpc_arena *a = rpc_arena_create((size_t)1 << 20);
    assert_non_null(a);
    char err[ERR_CAP];
    ProtobufCAllocator allocator;
    rpc_arena_allocator(a, &allocator);
    uint8_t buf[256];
    for (size_t start = 0; start < 2; start++) {
        size_t size = protobuf_c_message_pack(&nodes[start].base, buf);
        assert_true(size < sizeof buf);
        ProtobufCMessage *m =
            protobuf_c_message_unpack(&test_node_descriptor, &allocator, size, buf);
        assert_non_null(m);
        int rc = pbjson_check(m, STRING_MAX, err, sizeof err);
        if (start == 0) {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, ": messages nested deeper than 16"));
        } else {
            assert_int_equal(rc, 0);
        }
    }
    rpc_arena_destroy(a);
    free(nodes);
}

/* What protobuf-c 1.4.1 lets through, and what pbjson_check catches. */
static void test_check_binary_strings(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int valid;
    } strings[] = {
        {"plain", 1},
        {"\xc3\xa9", 1},
        {"\xf0\x9f\x98\x80", 1},
        {"\xef\xbf\xbf", 1},
        {"\xc3\x28", 0},
        {"\xc0\xaf", 0},
        {"\xe0\x80\xaf", 0},
        {"\xed\xa0\x80", 0},
        {"\xf4\x90\x80\x80", 0},
        {"\xf8\x88\x80\x80\x80", 0},
        {"\xff", 0},
        {"\xc3", 0},
        {"\xe2\x82", 0},
        {"ok\x80", 0},
    };
    rpc_arena *a = arena_new();
    char err[ERR_CAP];
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        Cauris__V1__EntryInput e0 = CAURIS__V1__ENTRY_INPUT__INIT,
                               e1 = CAURIS__V1__ENTRY_INPUT__INIT;
        Cauris__V1__EntryInput *entries[] = {&e0, &e1};
        Cauris__V1__PostEntriesRequest r = CAURIS__V1__POST_ENTRIES_REQUEST__INIT;
        r.n_entries = 2;
        r.entries = entries;
        e1.client_id = (char *)strings[i].s;
        uint8_t buf[128];
        size_t size = cauris__v1__post_entries_request__pack(&r, buf);
        ProtobufCAllocator allocator;
        rpc_arena_allocator(a, &allocator);
        ProtobufCMessage *m = protobuf_c_message_unpack(
            &cauris__v1__post_entries_request__descriptor, &allocator, size, buf);
        assert_non_null(m); /* protobuf-c does not look at UTF-8 */
        int rc = pbjson_check(m, STRING_MAX, err, sizeof err);
        if (strings[i].valid) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(err, "entries[1].clientId: invalid UTF-8");
        }
    }

    /* The oneof member that is set is checked; repeated strings too. */
    Cauris__V1__GetBalancesRequest gb = CAURIS__V1__GET_BALANCES_REQUEST__INIT;
    gb.as_of_case = CAURIS__V1__GET_BALANCES_REQUEST__AS_OF_AS_OF_DATE;
    gb.as_of_date = "\xff";
    assert_int_equal(pbjson_check(binary_copy(&gb.base, a), STRING_MAX, err, sizeof err), -1);
    assert_string_equal(err, "asOfDate: invalid UTF-8");
    char *accounts[] = {"a", "b", "\xc3"};
    gb.as_of_case = CAURIS__V1__GET_BALANCES_REQUEST__AS_OF__NOT_SET;
    gb.n_accounts = 3;
    gb.accounts = accounts;
    assert_int_equal(pbjson_check(&gb.base, STRING_MAX, err, sizeof err), -1);
    assert_string_equal(err, "accounts[2]: invalid UTF-8");
    accounts[2] = "0123456789a";
    assert_int_equal(pbjson_check(&gb.base, 10, err, sizeof err), -1);
    assert_string_equal(err, "accounts[2]: longer than 10 bytes");
    assert_int_equal(pbjson_check(&gb.base, 11, err, sizeof err), 0);

    Cauris__V1__GetEntryResponse ger = CAURIS__V1__GET_ENTRY_RESPONSE__INIT;
    uint8_t eleven[11] = {0};
    ProtobufCBinaryData proof[] = {{1, eleven}, {11, eleven}};
    ger.n_inclusion_proof = 2;
    ger.inclusion_proof = proof;
    assert_int_equal(pbjson_check(&ger.base, 10, err, sizeof err), -1);
    assert_string_equal(err, "inclusionProof[1]: longer than 10 bytes");
    Cauris__V1__Entry entry = CAURIS__V1__ENTRY__INIT;
    Cauris__V1__EntryLeg leg = CAURIS__V1__ENTRY_LEG__INIT, *legs[] = {&leg};
    entry.n_legs = 1;
    entry.legs = legs;
    leg.account = "\xed\xbf\xbf";
    ger.entry = &entry;
    ger.n_inclusion_proof = 0;
    assert_int_equal(pbjson_check(&ger.base, 10, err, sizeof err), -1);
    assert_string_equal(err, "entry.legs[0].account: invalid UTF-8");

    /* protobuf-c cuts a string at its first NUL: pbjson_check sees "a". */
    static const uint8_t nul[] = {0x0a, 3, 'a', 0, 'b'};
    ProtobufCAllocator allocator;
    rpc_arena_allocator(a, &allocator);
    Cauris__V1__PostEntriesRequest *r =
        (Cauris__V1__PostEntriesRequest *)protobuf_c_message_unpack(
            &cauris__v1__post_entries_request__descriptor, &allocator, sizeof nul, nul);
    assert_non_null(r);
    assert_string_equal(r->programme, "a");
    assert_int_equal(pbjson_check(&r->base, STRING_MAX, err, sizeof err), 0);
    rpc_arena_destroy(a);
}

/* ---- memory budget ------------------------------------------------------------ */

/* "prefix" + item * count (comma-separated) + "suffix". */
static char *repeat_json(const char *prefix, const char *item, size_t count, const char *suffix)
{
    size_t len = strlen(prefix) + count * (strlen(item) + 1) + strlen(suffix);
    char *s = malloc(len + 1), *p = s;
    assert_non_null(s);
    p += sprintf(p, "%s", prefix);
    for (size_t i = 0; i < count; i++)
        p += sprintf(p, i == 0 ? "%s" : ",%s", item);
    sprintf(p, "%s", suffix);
    return s;
}

static void test_budget(void **state)
{
    (void)state;
    char err[ERR_CAP];
    /* Refused before parsing: jansson's tree would not fit the budget. */
    char *many = repeat_json("{\"entries\":[", "{}", 10000, "]}");
    rpc_arena *a = rpc_arena_create(100000);
    assert_non_null(a);
    assert_null(pbjson_decode(PER, many, strlen(many), a, STRING_MAX, err, sizeof err));
    assert_string_equal(err,
                        "the request needs more memory than its budget allows to be parsed");
    assert_int_equal(rpc_arena_used(a), 0);
    rpc_arena_destroy(a);
    a = rpc_arena_create((size_t)16 << 20);
    assert_non_null(a);
    assert_non_null(pbjson_decode(PER, many, strlen(many), a, STRING_MAX, err, sizeof err));
    rpc_arena_destroy(a);
    free(many);

    /* Refused while decoding: test.Node is large (NODE_PAD_BYTES), so the
     * message outgrows the budget that the parse fitted in. */
    char *deep = nested_nodes(PBJSON_DEPTH_MAX - 1);
    a = rpc_arena_create(20000);
    assert_non_null(a);
    assert_null(pbjson_decode(&test_node_descriptor, deep, strlen(deep), a, STRING_MAX, err,
                              sizeof err));
    if (strstr(err, "child.child: the request needs more memory than its budget allows") ==
        NULL)
        fail_msg("%s", err);
    assert_true(rpc_arena_used(a) <= 20000);
    /* The arena is still usable, and after a reset the whole budget is. */
    rpc_arena_reset(a);
    assert_non_null(rpc_arena_alloc(a, 19000));
    rpc_arena_destroy(a);
    free(deep);
}

static size_t jansson_bytes, jansson_bytes_peak;

static void *counting_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (p == NULL)
        return NULL;
    p[0] = n;
    jansson_bytes += n;
    if (jansson_bytes > jansson_bytes_peak)
        jansson_bytes_peak = jansson_bytes;
    return p + 2;
}

static void counting_free(void *q)
{
    if (q == NULL)
        return;
    size_t *p = (size_t *)q - 2;
    jansson_bytes -= p[0];
    free(p);
}

/* The scan's estimate of jansson's tree is an upper bound: with a budget
 * just under what jansson really allocates (counted here without malloc's
 * own rounding, which the estimate also covers), the text is refused before
 * parsing. */
static void test_jansson_estimate_bounds(void **state)
{
    (void)state;
    static const struct {
        const char *prefix, *item, *suffix;
    } shapes[] = {
        {"{\"entries\":[", "{}", "]}"},
        {"{\"entries\":[", "{\"clientId\":\"x\",\"kind\":1}", "]}"},
        {"{\"entries\":[{\"legs\":[", "{\"account\":\"a\",\"debit\":\"1\"}", "]}]}"},
        {"{\"entries\":[", "[]", "]}"},
        {"{\"entries\":[", "0", "]}"},
        {"{\"entries\":[", "\"\"", "]}"},
    };
    char err[ERR_CAP];
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char *text = repeat_json(shapes[i].prefix, shapes[i].item, 5000, shapes[i].suffix);
        json_set_alloc_funcs(counting_malloc, counting_free);
        jansson_bytes = jansson_bytes_peak = 0;
        json_t *tree = json_loads(text, 0, NULL);
        json_decref(tree);
        json_set_alloc_funcs(malloc, free);
        assert_non_null(tree);
        rpc_arena *a = rpc_arena_create(jansson_bytes_peak - 1);
        assert_non_null(a);
        assert_null(pbjson_decode(PER, text, strlen(text), a, STRING_MAX, err, sizeof err));
        assert_string_equal(
            err, "the request needs more memory than its budget allows to be parsed");
        rpc_arena_destroy(a);
        free(text);
    }
}

/* ---- error text ------------------------------------------------------------------- */

static void test_error_text(void **state)
{
    (void)state;
    rpc_arena *a = arena_new();
    char err[ERR_CAP];
    /* An unknown key of 300 two-byte characters: the path is cut on a
     * character boundary and the message stays whole and valid UTF-8. */
    char *key = repeat_json("{\"", "\xc3\xa9", 300, "\":1}");
    assert_null(pbjson_decode(PER, key, strlen(key), a, STRING_MAX, err, sizeof err));
    assert_true(strlen(err) < PBJSON_ERROR_BYTES_MAX);
    json_t *s = json_string(err); /* NULL if not valid UTF-8 */
    assert_non_null(s);
    json_decref(s);
    const char *tail = ": unknown field of cauris.v1.PostEntriesRequest";
    assert_string_equal(err + strlen(err) - strlen(tail), tail);
    /* A small err_cap: cut, terminated, still valid UTF-8. */
    for (size_t cap = 1; cap < 16; cap++) {
        char small[16];
        memset(small, 'x', sizeof small);
        assert_null(pbjson_decode(PER, key, strlen(key), a, STRING_MAX, small, cap));
        assert_true(strlen(small) < cap);
        s = json_string(small);
        assert_non_null(s);
        json_decref(s);
    }
    /* No room at all for a message is allowed. */
    assert_null(pbjson_decode(PER, key, strlen(key), a, STRING_MAX, NULL, 0));
    free(key);
    /* Accepted text leaves an empty message. */
    memset(err, 'x', sizeof err);
    assert_non_null(pbjson_decode(PER, "{}", 2, a, STRING_MAX, err, sizeof err));
    assert_string_equal(err, "");
    rpc_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc),
        cmocka_unit_test(test_arena_budget),
        cmocka_unit_test(test_arena_unpack_budget),
        cmocka_unit_test(test_round_trip_post_entries),
        cmocka_unit_test(test_round_trip_get_entry),
        cmocka_unit_test(test_round_trip_get_statement),
        cmocka_unit_test(test_round_trip_scalars),
        cmocka_unit_test(test_encode_exact),
        cmocka_unit_test(test_names_and_nulls),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_check_depth),
        cmocka_unit_test(test_check_binary_strings),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_jansson_estimate_bounds),
        cmocka_unit_test(test_error_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
