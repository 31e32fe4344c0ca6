/*
 * connect.h — the Connect protocol's error codes: their wire names, the HTTP
 * status each one travels with, the JSON error body, and the mapping from
 * the ledger's own error codes. Pure functions, no I/O.
 */
#ifndef CAURIS_RPC_CONNECT_H
#define CAURIS_RPC_CONNECT_H

#include <stddef.h>

typedef enum connect_code {
    CONNECT_OK = 0,
    CONNECT_CANCELED = 1,
    CONNECT_UNKNOWN = 2,
    CONNECT_INVALID_ARGUMENT = 3,
    CONNECT_DEADLINE_EXCEEDED = 4,
    CONNECT_NOT_FOUND = 5,
    CONNECT_ALREADY_EXISTS = 6,
    CONNECT_PERMISSION_DENIED = 7,
    CONNECT_RESOURCE_EXHAUSTED = 8,
    CONNECT_FAILED_PRECONDITION = 9,
    CONNECT_ABORTED = 10,
    CONNECT_OUT_OF_RANGE = 11,
    CONNECT_UNIMPLEMENTED = 12,
    CONNECT_INTERNAL = 13,
    CONNECT_UNAVAILABLE = 14,
    CONNECT_DATA_LOSS = 15,
    CONNECT_UNAUTHENTICATED = 16,
    CONNECT_CODES_COUNT = 17
} connect_code;

#define CONNECT_MESSAGE_MAX 512 /* bytes of an error message we send */

/* "invalid_argument", ...; "ok" for CONNECT_OK. */
const char *connect_code_name(connect_code code);
/* The HTTP status of the Connect specification (400, 401, 403, ...). */
int connect_code_http_status(connect_code code);
/* The code a client assumes for an HTTP error without a Connect body (the
 * specification's table: 400 internal, 401 unauthenticated, 404
 * unimplemented, 429 and 502-504 unavailable, ...). */
connect_code connect_code_of_http_status(int status);
/* Parses a wire name; CONNECT_UNKNOWN for anything else. */
connect_code connect_code_parse(const char *name);
/* The Connect code for a ledger_err returned by a query or a commit. */
connect_code connect_code_of_ledger(int ledger_err);

/* Writes {"code":"...","message":"..."} (NUL-terminated), the message cut
 * at CONNECT_MESSAGE_MAX bytes and before any byte that is not UTF-8.
 * Returns the length written (< cap), or 0 if cap is too small. */
size_t connect_error_body(char *out, size_t cap, connect_code code, const char *message);

#endif /* CAURIS_RPC_CONNECT_H */
