/*
 * pbjson.c — proto3 JSON for protobuf-c messages, from their descriptors
 * (see pbjson.h for the mapping and every refusal).
 *
 * This file is responsible for turning untrusted JSON into a message that
 * respects the schema and the limits, for writing messages as JSON, and for
 * checking what protobuf-c unpacked from a binary body. It never knows what
 * a field means (no ledger rule: an amount is just an int64), never
 * allocates a decoded message outside the caller's arena, and never writes
 * an error message that is not NUL-terminated, valid UTF-8 text.
 *
 * Decoding parses with jansson first (which refuses invalid UTF-8, NULs and
 * duplicate keys and caps its own nesting), then walks the tree field by
 * field; jansson's tree is freed before returning. Recursion follows message
 * nesting only and is cut at PBJSON_DEPTH_MAX. The encoder builds a jansson
 * tree in descriptor order, which protoc-c emits sorted by field number, and
 * lets jansson write the text (it keeps the order of insertion).
 *
 * protobuf-c stores a oneof's case as a uint32_t field number at the
 * field's quantifier_offset, a repeated field's count as a size_t there, and
 * a proto2 optional scalar's has_ flag as a protobuf_c_boolean there.
 */
#include "rpc/pbjson.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger/ledger.h"

#define PBJSON_NUMBER_BYTES_MAX 40 /* "%.17g" of any double, or an int64 */
/* jansson's parse tree, measured with jansson 2.14 on x86-64 (with malloc's
 * own rounding): about 216 bytes per object, 130 per array, 32 per number
 * and 60 per member besides its key. The estimate below counts every
 * container at the object cost, every ',' and ':' as one more value, and
 * twice the text for the strings and keys; it is above the measured cost of
 * "[{},{},...]" (72 times the text), "[0,0,...]" (16 times) and
 * "[{"a":0},...]" (39 times). */
#define PBJSON_JANSSON_CONTAINER_BYTES 224
#define PBJSON_JANSSON_VALUE_BYTES 64
#define PBJSON_JANSSON_TEXT_FACTOR 2
#define PBJSON_INT32_MAG_NEG ((uint64_t)INT32_MAX + 1)
#define PBJSON_INT64_MAG_NEG ((uint64_t)INT64_MAX + 1)

_Static_assert(PBJSON_ERROR_BYTES_MAX > PBJSON_PATH_BYTES_MAX + 64,
               "an error message must hold the path and a reason");
_Static_assert(sizeof(protobuf_c_boolean) == sizeof(int), "protobuf-c bools are ints");

/* ---- field paths and error messages ------------------------------------ */

typedef struct pbjson_ctx {
    char *err;
    size_t err_cap;
    char path[PBJSON_PATH_BYTES_MAX + 1];
    size_t path_len;
} pbjson_ctx;

static void pbjson_ctx_init(pbjson_ctx *c, char *err, size_t err_cap)
{
    c->err = err;
    c->err_cap = err_cap;
    c->path[0] = '\0';
    c->path_len = 0;
    if (err_cap > 0)
        err[0] = '\0';
}

/* Appends s[0..n) to the path, cut at PBJSON_PATH_BYTES_MAX on a character
 * boundary. Returns the length to restore with pbjson_path_pop. */
static size_t pbjson_path_push(pbjson_ctx *c, const char *s, size_t n)
{
    size_t saved = c->path_len;
    size_t room = PBJSON_PATH_BYTES_MAX - c->path_len;
    if (n > room)
        n = ledger_utf8_valid_prefix(s, room);
    memcpy(c->path + c->path_len, s, n);
    c->path_len += n;
    c->path[c->path_len] = '\0';
    return saved;
}

static void pbjson_path_pop(pbjson_ctx *c, size_t saved)
{
    assert(saved <= c->path_len);
    c->path_len = saved;
    c->path[saved] = '\0';
}

/* Pushes ".name" (or "name" at the top level). */
static size_t pbjson_path_push_name(pbjson_ctx *c, const char *name, size_t n)
{
    size_t saved = c->path_len;
    if (c->path_len > 0)
        pbjson_path_push(c, ".", 1);
    pbjson_path_push(c, name, n);
    return saved;
}

static size_t pbjson_path_push_index(pbjson_ctx *c, size_t i)
{
    char text[32];
    int n = snprintf(text, sizeof text, "[%zu]", i);
    assert(n > 0 && (size_t)n < sizeof text);
    return pbjson_path_push(c, text, (size_t)n);
}

/* Writes "path: reason" (or the reason alone at the top level) into err,
 * cut to err_cap and then to whole UTF-8 characters. Returns -1. */
static int pbjson_fail(pbjson_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int pbjson_fail(pbjson_ctx *c, const char *fmt, ...)
{
    if (c->err_cap == 0)
        return -1;
    char reason[PBJSON_ERROR_BYTES_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->path_len > 0)
        snprintf(c->err, c->err_cap, "%s: %s", c->path, reason);
    else
        snprintf(c->err, c->err_cap, "%s", reason);
    c->err[ledger_utf8_valid_prefix(c->err, strlen(c->err))] = '\0';
    return -1;
}

/* ---- names and types ---------------------------------------------------- */

/* Whether key is the JSON name of proto field `name`: each '_' dropped and
 * the letter after it upper-cased (protoc's ToJsonName). */
static bool pbjson_json_name_equals(const char *name, const char *key)
{
    bool upper = false;
    for (; *name != '\0'; name++) {
        if (*name == '_') {
            upper = true;
            continue;
        }
        char ch = *name;
        if (upper && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        upper = false;
        if (*key++ != ch)
            return false;
    }
    return *key == '\0';
}

/* Writes the JSON name of `name` into out (cap bytes, cut if longer);
 * returns its length. */
static size_t pbjson_json_name(char *out, size_t cap, const char *name)
{
    size_t n = 0;
    bool upper = false;
    assert(cap > 0);
    for (; *name != '\0' && n + 1 < cap; name++) {
        if (*name == '_') {
            upper = true;
            continue;
        }
        char ch = *name;
        if (upper && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        upper = false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return n;
}

static const ProtobufCFieldDescriptor *
pbjson_field_by_key(const ProtobufCMessageDescriptor *desc, const char *key)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (strcmp(f->name, key) == 0 || pbjson_json_name_equals(f->name, key))
            return f;
    }
    return NULL;
}

/* Bytes one element of a repeated field of this type takes in its array. */
static size_t pbjson_elt_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* An integer type's name and article, for error messages, and its range. */
typedef struct pbjson_int_type {
    const char *article; /* "a" or "an" */
    const char *name;    /* "int64" */
    bool is_signed;
    bool is_64;
} pbjson_int_type;

static bool pbjson_int_type_of(ProtobufCType t, pbjson_int_type *out)
{
    static const struct {
        ProtobufCType type;
        pbjson_int_type info;
    } table[] = {
        {PROTOBUF_C_TYPE_INT32, {"an", "int32", true, false}},
        {PROTOBUF_C_TYPE_SINT32, {"an", "sint32", true, false}},
        {PROTOBUF_C_TYPE_SFIXED32, {"an", "sfixed32", true, false}},
        {PROTOBUF_C_TYPE_UINT32, {"a", "uint32", false, false}},
        {PROTOBUF_C_TYPE_FIXED32, {"a", "fixed32", false, false}},
        {PROTOBUF_C_TYPE_INT64, {"an", "int64", true, true}},
        {PROTOBUF_C_TYPE_SINT64, {"an", "sint64", true, true}},
        {PROTOBUF_C_TYPE_SFIXED64, {"an", "sfixed64", true, true}},
        {PROTOBUF_C_TYPE_UINT64, {"a", "uint64", false, true}},
        {PROTOBUF_C_TYPE_FIXED64, {"a", "fixed64", false, true}},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].type == t) {
            *out = table[i].info;
            return true;
        }
    }
    return false;
}

static void *pbjson_member(const ProtobufCMessage *msg, unsigned offset)
{
    return (char *)msg + offset;
}

/* The field number of the set member of f's oneof, 0 if none. */
static uint32_t *pbjson_oneof_case(const ProtobufCMessage *msg,
                                   const ProtobufCFieldDescriptor *f)
{
    assert(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
    return pbjson_member(msg, f->quantifier_offset);
}

/* ---- base64 -------------------------------------------------------------- */

static const char pbjson_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of a base64 digit of either alphabet, -1 if none. Adds 1 to the
 * *alphabet bits for '-' and '_' (URL-safe), 2 for '+' and '/' (standard). */
static int pbjson_b64_value(char ch, unsigned *alphabet)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    *alphabet |= (ch == '-' || ch == '_') ? 1u : (ch == '+' || ch == '/') ? 2u : 0u;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* Decodes RFC 4648 base64 or base64url, padded or not, into out (room for
 * n / 4 * 3 + 2 bytes). Strict: padding only at the end and only as much as
 * completes the last quantum, one alphabet, unused bits zero, no
 * whitespace. 0 and the length in *out_len, or -1. */
static int pbjson_b64_decode(const char *s, size_t n, unsigned char *out, size_t *out_len)
{
    size_t pad = 0;
    while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
        pad++;
    size_t body = n - pad;
    if (body % 4 == 1 || (pad > 0 && (n % 4 != 0 || pad != 4 - body % 4)))
        return -1;
    unsigned alphabet = 0;
    uint32_t bits = 0;
    unsigned bits_count = 0;
    size_t len = 0;
    for (size_t i = 0; i < body; i++) {
        int v = pbjson_b64_value(s[i], &alphabet);
        if (v < 0)
            return -1;
        bits = (bits << 6) | (uint32_t)v;
        bits_count += 6;
        if (bits_count >= 8) {
            bits_count -= 8;
            out[len++] = (unsigned char)(bits >> bits_count);
            bits &= (1u << bits_count) - 1;
        }
    }
    if (alphabet == 3 || bits != 0)
        return -1;
    *out_len = len;
    return 0;
}

/* Length of the base64 text (padded) of n bytes, saturating. */
static size_t pbjson_b64_text_len(size_t n)
{
    if (n > (SIZE_MAX - 2) / 4 * 3)
        return SIZE_MAX;
    return (n + 2) / 3 * 4;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct pbjson_decoder {
    pbjson_ctx ctx;
    rpc_arena *arena;
    size_t string_bytes_max;
} pbjson_decoder;

static ProtobufCMessage *pbjson_decode_message(pbjson_decoder *d,
                                               const ProtobufCMessageDescriptor *desc,
                                               json_t *obj, unsigned depth);

static void *pbjson_alloc(pbjson_decoder *d, size_t bytes)
{
    void *p = rpc_arena_alloc(d->arena, bytes);
    if (p == NULL)
        pbjson_fail(&d->ctx, "the request needs more memory than its budget allows");
    return p;
}

/* Reads "-?[0-9]+" into sign and magnitude: 0, -1 if it is not that, -2 if
 * the magnitude does not fit 64 bits. */
static int pbjson_parse_decimal(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    *neg = n > 0 && s[0] == '-';
    if (*neg)
        i = 1;
    if (i == n)
        return -1;
    uint64_t m = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned digit = (unsigned)(s[i] - '0');
        if (m > (UINT64_MAX - digit) / 10)
            return -2;
        m = m * 10 + digit;
    }
    *mag = m;
    return 0;
}

/* Sign and magnitude of an integer given as a JSON integer or a string. */
static int pbjson_int_read(pbjson_decoder *d, const pbjson_int_type *t, json_t *v, bool *neg,
                           uint64_t *mag)
{
    const char *how = t->is_64 ? "a string or integer" : "an integer or string";
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        *neg = i < 0;
        *mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
        return 0;
    }
    if (json_is_real(v))
        return pbjson_fail(&d->ctx, "expected %s %s as %s, without a fraction or exponent",
                           t->article, t->name, how);
    if (!json_is_string(v))
        return pbjson_fail(&d->ctx, "expected %s %s as %s", t->article, t->name, how);
    int rc = pbjson_parse_decimal(json_string_value(v), json_string_length(v), neg, mag);
    if (rc == -2)
        return pbjson_fail(&d->ctx, "out of range for %s", t->name);
    if (rc != 0)
        return pbjson_fail(&d->ctx, "expected %s %s as %s: only digits and an optional '-'",
                           t->article, t->name, how);
    return 0;
}

static int pbjson_decode_int(pbjson_decoder *d, ProtobufCType type, json_t *v, void *dst)
{
    pbjson_int_type t;
    bool ok = pbjson_int_type_of(type, &t);
    assert(ok);
    (void)ok;
    bool neg = false;
    uint64_t mag = 0;
    if (pbjson_int_read(d, &t, v, &neg, &mag) != 0)
        return -1;
    uint64_t max_pos = t.is_64 ? (t.is_signed ? INT64_MAX : UINT64_MAX)
                               : (t.is_signed ? INT32_MAX : UINT32_MAX);
    uint64_t max_neg = !t.is_signed ? 0 : t.is_64 ? PBJSON_INT64_MAG_NEG : PBJSON_INT32_MAG_NEG;
    if (mag > (neg ? max_neg : max_pos))
        return pbjson_fail(&d->ctx, "out of range for %s", t.name);
    if (t.is_signed) {
        int64_t s = !neg                          ? (int64_t)mag
                    : mag == PBJSON_INT64_MAG_NEG ? INT64_MIN
                                                  : -(int64_t)mag;
        if (t.is_64)
            memcpy(dst, &s, sizeof s);
        else {
            int32_t s32 = (int32_t)s;
            memcpy(dst, &s32, sizeof s32);
        }
    } else if (t.is_64) {
        memcpy(dst, &mag, sizeof mag);
    } else {
        uint32_t u32 = (uint32_t)mag;
        memcpy(dst, &u32, sizeof u32);
    }
    return 0;
}

/* A number written in a string: JSON number syntax without surrounding
 * space, or one of the three names of non-finite values. */
static int pbjson_float_text(const char *s, size_t n, double *out)
{
    if (strcmp(s, "NaN") == 0) {
        *out = NAN;
        return 0;
    }
    if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (n == 0 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return -1;
    if (strspn(s, "0123456789+-.eE") != n)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s + n)
        return -1;
    if (errno == ERANGE && isinf(v))
        return -2;
    *out = v;
    return 0;
}

static int pbjson_decode_float(pbjson_decoder *d, ProtobufCType type, json_t *v, void *dst)
{
    const char *name = type == PROTOBUF_C_TYPE_FLOAT ? "float" : "double";
    double x;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        int rc = pbjson_float_text(json_string_value(v), json_string_length(v), &x);
        if (rc == -2)
            return pbjson_fail(&d->ctx, "out of range for a %s", name);
        if (rc != 0)
            return pbjson_fail(&d->ctx, "expected a %s as a number or string", name);
    } else {
        return pbjson_fail(&d->ctx, "expected a %s as a number or string", name);
    }
    if (type == PROTOBUF_C_TYPE_DOUBLE) {
        memcpy(dst, &x, sizeof x);
        return 0;
    }
    if (isfinite(x) && fabs(x) > FLT_MAX)
        return pbjson_fail(&d->ctx, "out of range for a float");
    float f = (float)x;
    memcpy(dst, &f, sizeof f);
    return 0;
}

static int pbjson_decode_enum(pbjson_decoder *d, const ProtobufCEnumDescriptor *e, json_t *v,
                              void *dst)
{
    int32_t value;
    if (json_is_string(v)) {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name(e, json_string_value(v));
        if (ev == NULL)
            return pbjson_fail(&d->ctx, "not a name of enum %s", e->name);
        value = ev->value;
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < INT32_MIN || i > INT32_MAX)
            return pbjson_fail(&d->ctx, "out of range for enum %s", e->name);
        value = (int32_t)i;
    } else {
        return pbjson_fail(&d->ctx, "expected a name of enum %s or its number", e->name);
    }
    memcpy(dst, &value, sizeof value);
    return 0;
}

static int pbjson_decode_string(pbjson_decoder *d, json_t *v, void *dst)
{
    if (!json_is_string(v))
        return pbjson_fail(&d->ctx, "expected a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > d->string_bytes_max)
        return pbjson_fail(&d->ctx, "longer than %zu bytes", d->string_bytes_max);
    /* jansson has refused invalid UTF-8 and NULs already; kept so that this
     * codec's guarantee does not rest on a parser flag. */
    if (ledger_utf8_valid_prefix(s, n) != n) /* also refuses NUL */
        return pbjson_fail(&d->ctx, "invalid UTF-8");
    char *copy = rpc_arena_strndup(d->arena, s, n);
    if (copy == NULL)
        return pbjson_fail(&d->ctx, "the request needs more memory than its budget allows");
    memcpy(dst, &copy, sizeof copy);
    return 0;
}

static int pbjson_decode_bytes(pbjson_decoder *d, json_t *v, void *dst)
{
    if (!json_is_string(v))
        return pbjson_fail(&d->ctx, "expected base64 text in a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > pbjson_b64_text_len(d->string_bytes_max))
        return pbjson_fail(&d->ctx, "longer than %zu bytes", d->string_bytes_max);
    ProtobufCBinaryData bd = {0, NULL};
    if (n > 0) {
        bd.data = pbjson_alloc(d, n / 4 * 3 + 2);
        if (bd.data == NULL)
            return -1;
    }
    if (pbjson_b64_decode(s, n, bd.data, &bd.len) != 0)
        return pbjson_fail(&d->ctx, "invalid base64");
    if (bd.len > d->string_bytes_max)
        return pbjson_fail(&d->ctx, "longer than %zu bytes", d->string_bytes_max);
    memcpy(dst, &bd, sizeof bd);
    return 0;
}

/* One value of field f (an element, for a repeated field) into dst. */
static int pbjson_decode_value(pbjson_decoder *d, const ProtobufCFieldDescriptor *f, json_t *v,
                               void *dst, unsigned depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return pbjson_decode_float(d, f->type, v, dst);
    case PROTOBUF_C_TYPE_BOOL: {
        if (!json_is_boolean(v))
            return pbjson_fail(&d->ctx, "expected true or false");
        protobuf_c_boolean b = json_is_true(v);
        memcpy(dst, &b, sizeof b);
        return 0;
    }
    case PROTOBUF_C_TYPE_ENUM:
        return pbjson_decode_enum(d, f->descriptor, v, dst);
    case PROTOBUF_C_TYPE_STRING:
        return pbjson_decode_string(d, v, dst);
    case PROTOBUF_C_TYPE_BYTES:
        return pbjson_decode_bytes(d, v, dst);
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (!json_is_object(v))
            return pbjson_fail(&d->ctx, "expected an object");
        ProtobufCMessage *sub = pbjson_decode_message(d, f->descriptor, v, depth + 1);
        if (sub == NULL)
            return -1;
        memcpy(dst, &sub, sizeof sub);
        return 0;
    }
    default:
        return pbjson_decode_int(d, f->type, v, dst);
    }
}

static int pbjson_decode_repeated(pbjson_decoder *d, ProtobufCMessage *msg,
                                  const ProtobufCFieldDescriptor *f, json_t *v, unsigned depth)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return pbjson_fail(&d->ctx, "expected an array");
    size_t n = json_array_size(v);
    if (n == 0)
        return 0;
    size_t elt = pbjson_elt_size(f->type);
    if (n > SIZE_MAX / elt)
        return pbjson_fail(&d->ctx, "too many elements");
    char *array = pbjson_alloc(d, n * elt);
    if (array == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        size_t saved = pbjson_path_push_index(&d->ctx, i);
        int rc = json_is_null(item) ? pbjson_fail(&d->ctx, "null is not allowed in an array")
                                    : pbjson_decode_value(d, f, item, array + i * elt, depth);
        if (rc != 0)
            return -1;
        pbjson_path_pop(&d->ctx, saved);
    }
    memcpy(pbjson_member(msg, f->offset), &array, sizeof array);
    memcpy(pbjson_member(msg, f->quantifier_offset), &n, sizeof n);
    return 0;
}

static int pbjson_decode_field(pbjson_decoder *d, ProtobufCMessage *msg,
                               const ProtobufCFieldDescriptor *f, json_t *v, unsigned depth)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return pbjson_decode_repeated(d, msg, f, v, depth);
    if (json_is_null(v))
        return 0;
    bool oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
    if (oneof && *pbjson_oneof_case(msg, f) != 0) {
        const ProtobufCFieldDescriptor *other = protobuf_c_message_descriptor_get_field(
            msg->descriptor, *pbjson_oneof_case(msg, f));
        char name[PBJSON_PATH_BYTES_MAX];
        pbjson_json_name(name, sizeof name, other != NULL ? other->name : "?");
        return pbjson_fail(&d->ctx, "%s is set too, and only one of them may be", name);
    }
    if (pbjson_decode_value(d, f, v, pbjson_member(msg, f->offset), depth) != 0)
        return -1;
    if (oneof) {
        *pbjson_oneof_case(msg, f) = f->id;
    } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
               f->type != PROTOBUF_C_TYPE_MESSAGE) {
        protobuf_c_boolean has = 1;
        memcpy(pbjson_member(msg, f->quantifier_offset), &has, sizeof has);
    }
    return 0;
}

static ProtobufCMessage *pbjson_decode_message(pbjson_decoder *d,
                                               const ProtobufCMessageDescriptor *desc,
                                               json_t *obj, unsigned depth)
{
    assert(json_is_object(obj));
    assert(desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    if (depth > PBJSON_DEPTH_MAX) {
        pbjson_fail(&d->ctx, "messages nested deeper than %d", PBJSON_DEPTH_MAX);
        return NULL;
    }
    ProtobufCMessage *msg = pbjson_alloc(d, desc->sizeof_message);
    bool *seen = pbjson_alloc(d, desc->n_fields * sizeof(bool));
    if (msg == NULL || seen == NULL)
        return NULL;
    protobuf_c_message_init(desc, msg);
    memset(seen, 0, desc->n_fields * sizeof(bool));
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t saved = pbjson_path_push_name(&d->ctx, key, strlen(key));
        const ProtobufCFieldDescriptor *f = pbjson_field_by_key(desc, key);
        if (f == NULL) {
            pbjson_fail(&d->ctx, "unknown field of %s", desc->name);
            return NULL;
        }
        size_t index = (size_t)(f - desc->fields);
        if (seen[index]) {
            pbjson_fail(&d->ctx, "field given twice (by its proto name and its JSON name)");
            return NULL;
        }
        seen[index] = true;
        if (pbjson_decode_field(d, msg, f, v, depth) != 0)
            return NULL;
        pbjson_path_pop(&d->ctx, saved);
    }
    return msg;
}

/* An upper bound of the bytes jansson will malloc to parse s[0..n), from a
 * scan that counts containers and separators outside strings; saturates. */
static size_t pbjson_jansson_bytes_estimate(const char *s, size_t n)
{
    const size_t per_byte_max = PBJSON_JANSSON_CONTAINER_BYTES + PBJSON_JANSSON_VALUE_BYTES +
                                PBJSON_JANSSON_TEXT_FACTOR;
    if (n > SIZE_MAX / per_byte_max - 1)
        return SIZE_MAX;
    size_t containers = 0, separators = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            containers++;
        } else if (ch == ',' || ch == ':') {
            separators++;
        }
    }
    return containers * PBJSON_JANSSON_CONTAINER_BYTES +
           (separators + 1) * PBJSON_JANSSON_VALUE_BYTES + n * PBJSON_JANSSON_TEXT_FACTOR;
}

ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json,
                                size_t len, rpc_arena *arena, size_t string_bytes_max,
                                char *err, size_t err_cap)
{
    assert(desc != NULL && arena != NULL && (json != NULL || len == 0));
    pbjson_decoder d = {.arena = arena, .string_bytes_max = string_bytes_max};
    pbjson_ctx_init(&d.ctx, err, err_cap);
    if (pbjson_jansson_bytes_estimate(json, len) > rpc_arena_left(arena)) {
        pbjson_fail(&d.ctx,
                    "the request needs more memory than its budget allows to be parsed");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(json != NULL ? json : "", len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        pbjson_fail(&d.ctx, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column,
                    jerr.text);
        return NULL;
    }
    ProtobufCMessage *msg = NULL;
    if (!json_is_object(root))
        pbjson_fail(&d.ctx, "expected a JSON object at the top level");
    else
        msg = pbjson_decode_message(&d, desc, root, 1);
    json_decref(root);
    assert(msg == NULL || d.ctx.path_len == 0);
    return msg;
}

/* ---- encoding --------------------------------------------------------- */

/* Encoding builds a jansson tree and lets jansson write the text; this file
 * only decides what each field becomes. Every constructor returns NULL when
 * out of memory, and the NULL travels up. */

/* A JSON string of s[0..n), each byte that is not part of valid UTF-8
 * replaced by U+FFFD so the output is always valid JSON. */
static json_t *pbjson_string_value(const char *s, size_t n)
{
    size_t valid = ledger_utf8_valid_prefix(s, n);
    if (valid == n)
        return json_stringn_nocheck(s, n);
    /* Rare: every invalid byte becomes three. */
    char *clean = malloc(n * 3 + 1);
    if (clean == NULL)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        size_t k = ledger_utf8_valid_prefix(s + i, n - i);
        memcpy(clean + len, s + i, k);
        len += k;
        i += k;
        if (i < n) {
            memcpy(clean + len, "\xef\xbf\xbd", 3);
            len += 3;
            i++;
        }
    }
    json_t *v = json_stringn_nocheck(clean, len);
    free(clean);
    return v;
}

/* Standard base64 with padding. */
static json_t *pbjson_base64_value(const ProtobufCBinaryData *bd)
{
    size_t text_len = pbjson_b64_text_len(bd->len);
    char *text = text_len == SIZE_MAX ? NULL : malloc(text_len + 1);
    if (text == NULL)
        return NULL;
    char *o = text;
    for (size_t i = 0; i < bd->len; i += 3) {
        size_t left = bd->len - i;
        uint32_t v = (uint32_t)bd->data[i] << 16;
        if (left > 1)
            v |= (uint32_t)bd->data[i + 1] << 8;
        if (left > 2)
            v |= bd->data[i + 2];
        *o++ = pbjson_b64_alphabet[(v >> 18) & 63];
        *o++ = pbjson_b64_alphabet[(v >> 12) & 63];
        *o++ = left > 1 ? pbjson_b64_alphabet[(v >> 6) & 63] : '=';
        *o++ = left > 2 ? pbjson_b64_alphabet[v & 63] : '=';
    }
    json_t *value = json_stringn_nocheck(text, (size_t)(o - text));
    free(text);
    return value;
}

/* A number, or the proto3 JSON strings for NaN and the infinities. */
static json_t *pbjson_double_value(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v < 0 ? "-Infinity" : "Infinity");
    return json_real(v);
}

/* 64-bit integers travel as decimal strings (proto3 JSON). */
static json_t *pbjson_int64_value(bool is_signed, const void *p)
{
    char text[PBJSON_NUMBER_BYTES_MAX];
    if (is_signed)
        snprintf(text, sizeof text, "%" PRId64, *(const int64_t *)p);
    else
        snprintf(text, sizeof text, "%" PRIu64, *(const uint64_t *)p);
    return json_string(text);
}

static json_t *pbjson_encode_message(const ProtobufCMessage *msg, unsigned depth);

/* Enums by name; a number with no name (proto3 enums are open) by number. */
static json_t *pbjson_enum_value(const ProtobufCEnumDescriptor *e, int32_t v)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(e, v);
    return ev != NULL ? json_string(ev->name) : json_integer(v);
}

/* One value of field f (an element, for a repeated field) at p. */
static json_t *pbjson_encode_value(const ProtobufCFieldDescriptor *f, const void *p,
                                   unsigned depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return pbjson_int64_value(true, p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return pbjson_int64_value(false, p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM:
        return pbjson_enum_value(f->descriptor, *(const int32_t *)p);
    case PROTOBUF_C_TYPE_FLOAT:
        return pbjson_double_value(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return pbjson_double_value(*(const double *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return pbjson_string_value(s != NULL ? s : "", s != NULL ? strlen(s) : 0);
    }
    case PROTOBUF_C_TYPE_BYTES:
        return pbjson_base64_value(p);
    case PROTOBUF_C_TYPE_MESSAGE:
        assert(*(ProtobufCMessage *const *)p != NULL);
        return pbjson_encode_message(*(ProtobufCMessage *const *)p, depth + 1);
    }
    return NULL;
}

/* Whether a singular field other than a oneof member holds its default
 * (proto3) or is unset (proto2 optional), and so is left out. */
static bool pbjson_is_default(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *p = pbjson_member(msg, f->offset);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(ProtobufCMessage *const *)p == NULL;
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(char *const *)p;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
            return s == NULL || s == f->default_value;
        return s == NULL || s[0] == '\0';
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        return !*(const protobuf_c_boolean *)pbjson_member(msg, f->quantifier_offset);
    switch (f->type) {
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    default: {
        static const unsigned char zeros[8];
        size_t size = pbjson_elt_size(f->type);
        assert(size <= sizeof zeros);
        return memcmp(p, zeros, size) == 0;
    }
    }
}

static bool pbjson_is_written(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *pbjson_oneof_case(msg, f) == f->id;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)pbjson_member(msg, f->quantifier_offset) > 0;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    return !pbjson_is_default(msg, f);
}

static json_t *pbjson_encode_field(const ProtobufCMessage *msg,
                                   const ProtobufCFieldDescriptor *f, unsigned depth)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return pbjson_encode_value(f, pbjson_member(msg, f->offset), depth);
    size_t n = *(const size_t *)pbjson_member(msg, f->quantifier_offset);
    const char *array = *(char *const *)pbjson_member(msg, f->offset);
    size_t elt = pbjson_elt_size(f->type);
    json_t *list = json_array();
    for (size_t i = 0; i < n && list != NULL; i++) {
        if (json_array_append_new(list, pbjson_encode_value(f, array + i * elt, depth)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static json_t *pbjson_encode_message(const ProtobufCMessage *msg, unsigned depth)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert(desc != NULL && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    assert(depth <= PBJSON_DEPTH_MAX);
    json_t *obj = json_object();
    for (unsigned i = 0; i < desc->n_fields && obj != NULL; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        /* Field-number order is the order of the output (jansson keeps the
         * order of insertion). */
        assert(i == 0 || desc->fields[i - 1].id < f->id);
        if (!pbjson_is_written(msg, f))
            continue;
        char name[PBJSON_PATH_BYTES_MAX];
        pbjson_json_name(name, sizeof name, f->name);
        if (json_object_set_new_nocheck(obj, name, pbjson_encode_field(msg, f, depth)) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}

int pbjson_encode(const ProtobufCMessage *msg, char **out, size_t *len_out)
{
    assert(msg != NULL && out != NULL && len_out != NULL);
    json_t *root = pbjson_encode_message(msg, 1);
    char *text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (text == NULL)
        return -1;
    *out = text;
    *len_out = strlen(text);
    return 0;
}

/* ---- checking unpacked messages ----------------------------------------- */

static int pbjson_check_message(pbjson_ctx *c, const ProtobufCMessage *msg, size_t bytes_max,
                                unsigned depth);

static int pbjson_check_value(pbjson_ctx *c, const ProtobufCFieldDescriptor *f, const void *p,
                              size_t bytes_max, unsigned depth)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(char *const *)p;
        size_t n = s != NULL ? strlen(s) : 0;
        if (n > bytes_max)
            return pbjson_fail(c, "longer than %zu bytes", bytes_max);
        if (ledger_utf8_valid_prefix(s, n) != n)
            return pbjson_fail(c, "invalid UTF-8");
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        if (((const ProtobufCBinaryData *)p)->len > bytes_max)
            return pbjson_fail(c, "longer than %zu bytes", bytes_max);
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        if (sub != NULL)
            return pbjson_check_message(c, sub, bytes_max, depth + 1);
    }
    return 0;
}

static int pbjson_check_field(pbjson_ctx *c, const ProtobufCMessage *msg,
                              const ProtobufCFieldDescriptor *f, size_t bytes_max,
                              unsigned depth)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        return pbjson_check_value(c, f, pbjson_member(msg, f->offset), bytes_max, depth);
    size_t n = *(const size_t *)pbjson_member(msg, f->quantifier_offset);
    const char *array = *(char *const *)pbjson_member(msg, f->offset);
    size_t elt = pbjson_elt_size(f->type);
    for (size_t i = 0; i < n; i++) {
        size_t saved = c->err_cap > 0 ? pbjson_path_push_index(c, i) : 0;
        if (pbjson_check_value(c, f, array + i * elt, bytes_max, depth) != 0)
            return -1;
        if (c->err_cap > 0)
            pbjson_path_pop(c, saved);
    }
    return 0;
}

static int pbjson_check_message(pbjson_ctx *c, const ProtobufCMessage *msg, size_t bytes_max,
                                unsigned depth)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert(desc != NULL && desc->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    if (depth > PBJSON_DEPTH_MAX)
        return pbjson_fail(c, "messages nested deeper than %d", PBJSON_DEPTH_MAX);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *pbjson_oneof_case(msg, f) != f->id)
            continue;
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES &&
            f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char name[PBJSON_PATH_BYTES_MAX];
        size_t saved =
            c->err_cap > 0
                ? pbjson_path_push_name(c, name, pbjson_json_name(name, sizeof name, f->name))
                : 0;
        if (pbjson_check_field(c, msg, f, bytes_max, depth) != 0)
            return -1;
        if (c->err_cap > 0)
            pbjson_path_pop(c, saved);
    }
    return 0;
}

int pbjson_check(const ProtobufCMessage *msg, size_t string_bytes_max, char *err,
                 size_t err_cap)
{
    assert(msg != NULL);
    /* First without building field paths (a context with no room for an
     * error keeps none): most messages pass, and a path per field costs
     * about a quarter of the event loop's time per posted entry
     * (bench_rpc). Only a failure walks again, naming the field. */
    pbjson_ctx quiet;
    pbjson_ctx_init(&quiet, NULL, 0);
    if (pbjson_check_message(&quiet, msg, string_bytes_max, 1) == 0)
        return 0;
    pbjson_ctx c;
    pbjson_ctx_init(&c, err, err_cap);
    return pbjson_check_message(&c, msg, string_bytes_max, 1);
}
