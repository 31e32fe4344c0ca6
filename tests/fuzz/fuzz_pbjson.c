/*
 * fuzz_pbjson.c — libFuzzer target: request bodies as caurisd receives them.
 *
 * Every input is tried as a JSON body and as a binary body, for three
 * messages (PostEntriesRequest, the one that matters, and two with bytes
 * and oneofs). Whatever is refused must come with a terminated, non-empty,
 * valid UTF-8 message; whatever is accepted must survive the other
 * direction: a decoded JSON body passes pbjson_check, packs, unpacks and
 * encodes to the same text; an unpacked binary body that passes
 * pbjson_check encodes to JSON that decodes again; and encoding is stable
 * (encode, decode, encode gives the same text). Never a crash, a leak or
 * memory beyond the arena's budget.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cauris/v1/ledger.pb-c.h"
#include "rpc/arena.h"
#include "rpc/pbjson.h"

#define FUZZ_STRING_BYTES_MAX 64           /* small, so that the limit is reached */
#define FUZZ_ARENA_BYTES ((size_t)1 << 20) /* budget of a fuzzed body */
/* Budget of the re-decoding of our own output, which must never fail. */
#define FUZZ_ARENA_BYTES_OWN ((size_t)256 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_pbjson: %s: %s\n", what, detail);
    abort();
}

/* A refusal's message: terminated within the buffer, not empty, UTF-8. */
static void fuzz_check_err(const char *err, size_t cap)
{
    if (memchr(err, '\0', cap) == NULL || err[0] == '\0')
        fuzz_fail("error message", "empty or unterminated");
    json_t *s = json_string(err);
    if (s == NULL)
        fuzz_fail("error message is not UTF-8", err);
    json_decref(s);
}

static char *fuzz_encode(const ProtobufCMessage *m, size_t *len)
{
    char *text = NULL;
    if (pbjson_encode(m, &text, len) != 0)
        fuzz_fail("pbjson_encode", "out of memory");
    if (strlen(text) != *len)
        fuzz_fail("pbjson_encode", "length differs from the text");
    return text;
}

/* Our own JSON must decode and encode to the same text again. */
static void fuzz_stable(const ProtobufCMessageDescriptor *desc, const char *text, size_t len)
{
    char err[PBJSON_ERROR_BYTES_MAX];
    rpc_arena *a = rpc_arena_create(FUZZ_ARENA_BYTES_OWN);
    if (a == NULL)
        abort();
    ProtobufCMessage *m =
        pbjson_decode(desc, text, len, a, FUZZ_STRING_BYTES_MAX, err, sizeof err);
    if (m == NULL)
        fuzz_fail(err, text);
    size_t again_len;
    char *again = fuzz_encode(m, &again_len);
    if (again_len != len || memcmp(again, text, len) != 0)
        fuzz_fail("encoding is not stable", text);
    free(again);
    rpc_arena_destroy(a);
}

/* pack -> unpack -> encode gives the text m encodes to. */
static void fuzz_binary_same(const ProtobufCMessage *m, const char *text)
{
    size_t packed_len = protobuf_c_message_get_packed_size(m);
    uint8_t *packed = malloc(packed_len + 1);
    if (packed == NULL)
        abort();
    protobuf_c_message_pack(m, packed);
    rpc_arena *b = rpc_arena_create(FUZZ_ARENA_BYTES_OWN);
    if (b == NULL)
        abort();
    ProtobufCAllocator allocator;
    rpc_arena_allocator(b, &allocator);
    ProtobufCMessage *copy =
        protobuf_c_message_unpack(m->descriptor, &allocator, packed_len, packed);
    char err[PBJSON_ERROR_BYTES_MAX];
    if (copy == NULL || pbjson_check(copy, FUZZ_STRING_BYTES_MAX, err, sizeof err) != 0)
        fuzz_fail("the packed message does not unpack and check", text);
    size_t copy_len;
    char *copy_text = fuzz_encode(copy, &copy_len);
    if (strcmp(copy_text, text) != 0)
        fuzz_fail("binary round trip changed", text);
    free(copy_text);
    rpc_arena_destroy(b);
    free(packed);
}

static void fuzz_json(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size,
                      rpc_arena *a)
{
    char err[PBJSON_ERROR_BYTES_MAX];
    memset(err, 'x', sizeof err);
    ProtobufCMessage *m = pbjson_decode(desc, (const char *)data, size, a,
                                        FUZZ_STRING_BYTES_MAX, err, sizeof err);
    if (m == NULL) {
        fuzz_check_err(err, sizeof err);
        return;
    }
    if (rpc_arena_used(a) > FUZZ_ARENA_BYTES)
        abort();
    if (pbjson_check(m, FUZZ_STRING_BYTES_MAX, err, sizeof err) != 0)
        fuzz_fail("decoded JSON fails pbjson_check", err);
    size_t len;
    char *text = fuzz_encode(m, &len);
    fuzz_binary_same(m, text);
    fuzz_stable(desc, text, len);
    free(text);
}

static void fuzz_binary(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                        size_t size, rpc_arena *a)
{
    ProtobufCAllocator allocator;
    rpc_arena_allocator(a, &allocator);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &allocator, size, data);
    if (m == NULL)
        return;
    if (rpc_arena_used(a) > FUZZ_ARENA_BYTES)
        abort();
    char err[PBJSON_ERROR_BYTES_MAX];
    memset(err, 'x', sizeof err);
    if (pbjson_check(m, FUZZ_STRING_BYTES_MAX, err, sizeof err) != 0) {
        fuzz_check_err(err, sizeof err);
        return;
    }
    size_t len;
    char *text = fuzz_encode(m, &len);
    fuzz_stable(desc, text, len);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ProtobufCMessageDescriptor *const descs[] = {
        &cauris__v1__post_entries_request__descriptor,
        &cauris__v1__get_entry_response__descriptor,
        &cauris__v1__get_balances_request__descriptor,
    };
    rpc_arena *a = rpc_arena_create(FUZZ_ARENA_BYTES);
    if (a == NULL)
        abort();
    for (size_t i = 0; i < sizeof descs / sizeof descs[0]; i++) {
        fuzz_json(descs[i], data, size, a);
        rpc_arena_reset(a);
        fuzz_binary(descs[i], data, size, a);
        rpc_arena_reset(a);
    }
    rpc_arena_destroy(a);
    return 0;
}
