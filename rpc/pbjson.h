/*
 * pbjson.h — the proto3 JSON mapping for protobuf-c messages, and the checks
 * a binary body needs after protobuf_c_message_unpack.
 *
 * protobuf-c has no JSON, so this codec is driven by the generated
 * descriptors (ProtobufCMessageDescriptor / ProtobufCFieldDescriptor) and
 * works for any message: nested and repeated messages, oneofs, enums, bytes,
 * bool, every integer type, float, double and string. It follows
 * https://protobuf.dev/programming-guides/proto3/#json with the refusals
 * listed at pbjson_decode. Maps, Any and the well-known types are not
 * supported (ledger.proto uses none of them).
 *
 * Field names: the JSON name is the proto name with each '_' removed and the
 * letter after it upper-cased (protobuf-c 1.4.1 descriptors carry no
 * json_name); the decoder accepts both, the encoder writes the JSON name.
 */
#ifndef CAURIS_RPC_PBJSON_H
#define CAURIS_RPC_PBJSON_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "rpc/arena.h"

/* Messages nested deeper than this are refused (the top level is depth 1). */
#define PBJSON_DEPTH_MAX 16
/* Field paths in error messages are cut to this many bytes. */
#define PBJSON_PATH_BYTES_MAX 200
/* Room an error message needs to be complete: path, separator and reason. */
#define PBJSON_ERROR_BYTES_MAX 320

/* Decodes the JSON text json[0..len) (it need not be NUL-terminated) into a
 * new message of `desc`. Every allocation of the message comes from `arena`.
 * jansson's parse tree is malloc'd and freed before returning; it costs up
 * to ~72 times the text (216 bytes per "{}"), so the text is refused before
 * parsing when a scan estimates that tree above rpc_arena_left(arena): the
 * request's memory then stays within twice its arena budget.
 *
 * Refuses, with a sentence in err (err_cap bytes, always NUL-terminated,
 * valid UTF-8) that starts with the field path as the client spelled it,
 * e.g. "entries[3].legs[0].debit: expected an int64 as a string or
 * integer": invalid JSON (including invalid UTF-8, "\u0000" and duplicate
 * keys, which jansson refuses), a top level other than an object, an unknown
 * field name, a field given twice (by its proto name and its JSON name),
 * a wrong JSON type, an integer out of range or written with a fraction,
 * exponent, '+', whitespace or no digits, a uint64 above INT64_MAX written as
 * a JSON number (jansson cannot hold it: the mapping allows it as a string),
 * an unknown enum name, invalid base64, a string of more than
 * string_bytes_max bytes or bytes that decode to more, messages nested
 * deeper than PBJSON_DEPTH_MAX, two members of one oneof, `null` inside an
 * array, and a spent arena budget.
 *
 * Accepts: proto and lowerCamelCase names; `null` for the default (for a
 * oneof member: not set); 64-bit integers as decimal strings or JSON
 * integers; 32-bit integers as JSON integers or decimal strings; enums by
 * name or by any int32 number (proto3 enums are open: the handler checks
 * the value); bool as true/false only; bytes as standard or URL-safe base64,
 * padded or not; float and double as numbers, decimal strings, "NaN",
 * "Infinity" or "-Infinity".
 *
 * Returns the message (owned by the arena), or NULL on refusal. */
ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json,
                                size_t len, rpc_arena *arena, size_t string_bytes_max,
                                char *err, size_t err_cap);

/* Encodes msg as proto3 JSON: fields in field-number order, JSON names,
 * int64/uint64/sint64/fixed64/sfixed64 as decimal strings, enums by name
 * (by number if the value has no name), bytes as standard padded base64,
 * float/double as jansson writes reals, 17 significant digits that read
 * back the same (non-finite ones as "NaN", "Infinity", "-Infinity"). Default-valued scalars,
 * empty strings and bytes, unset messages and empty repeated fields are left out, but a set
 * oneof member is always written. A string that is not valid UTF-8 is written with U+FFFD for
 * each bad byte, so the output is always valid JSON. Nesting must be at most PBJSON_DEPTH_MAX
 * (asserted: messages from clients have passed pbjson_decode or pbjson_check).
 *
 * On success *out is malloc'd NUL-terminated text the caller frees with
 * free(), and *len_out its length without the NUL. Returns 0, or -1 when out
 * of memory (then *out and *len_out are not written). */
int pbjson_encode(const ProtobufCMessage *msg, char **out, size_t *len_out);

/* For binary bodies, after protobuf_c_message_unpack: checks that every
 * string field (singular, repeated, set oneof members, recursively) is
 * valid UTF-8 of at most string_bytes_max bytes, that every bytes field is
 * at most string_bytes_max bytes, and that messages nest at most
 * PBJSON_DEPTH_MAX deep. Returns 0, or -1 with "path: reason" in err (path in
 * JSON names, e.g. "entries[0].clientId: invalid UTF-8").
 *
 * protobuf-c cuts a string at its first NUL byte when unpacking, so an
 * embedded NUL cannot be seen here: the string is simply shorter. */
int pbjson_check(const ProtobufCMessage *msg, size_t string_bytes_max, char *err,
                 size_t err_cap);

#endif
