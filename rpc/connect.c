/*
 * connect.c — Connect error codes, their HTTP statuses and JSON bodies, and
 * how the ledger's errors map onto them. One table per direction, indexed by
 * the enum. Never: I/O, allocation.
 */
#include "rpc/connect.h"

#include <jansson.h>
#include <string.h>

#include "ledger/ledger.h"

static const struct {
    const char *name;
    int http_status;
} codes[CONNECT_CODES_COUNT] = {
    [CONNECT_OK] = {"ok", 200},
    [CONNECT_CANCELED] = {"canceled", 499},
    [CONNECT_UNKNOWN] = {"unknown", 500},
    [CONNECT_INVALID_ARGUMENT] = {"invalid_argument", 400},
    [CONNECT_DEADLINE_EXCEEDED] = {"deadline_exceeded", 504},
    [CONNECT_NOT_FOUND] = {"not_found", 404},
    [CONNECT_ALREADY_EXISTS] = {"already_exists", 409},
    [CONNECT_PERMISSION_DENIED] = {"permission_denied", 403},
    [CONNECT_RESOURCE_EXHAUSTED] = {"resource_exhausted", 429},
    [CONNECT_FAILED_PRECONDITION] = {"failed_precondition", 400},
    [CONNECT_ABORTED] = {"aborted", 409},
    [CONNECT_OUT_OF_RANGE] = {"out_of_range", 400},
    [CONNECT_UNIMPLEMENTED] = {"unimplemented", 501},
    [CONNECT_INTERNAL] = {"internal", 500},
    [CONNECT_UNAVAILABLE] = {"unavailable", 503},
    [CONNECT_DATA_LOSS] = {"data_loss", 500},
    [CONNECT_UNAUTHENTICATED] = {"unauthenticated", 401},
};

const char *connect_code_name(connect_code code)
{
    if ((unsigned)code >= CONNECT_CODES_COUNT)
        return "unknown";
    return codes[code].name;
}

int connect_code_http_status(connect_code code)
{
    if ((unsigned)code >= CONNECT_CODES_COUNT)
        return 500;
    return codes[code].http_status;
}

connect_code connect_code_of_http_status(int status)
{
    switch (status) {
    case 400:
        return CONNECT_INTERNAL;
    case 401:
        return CONNECT_UNAUTHENTICATED;
    case 403:
        return CONNECT_PERMISSION_DENIED;
    case 404:
        return CONNECT_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
        return CONNECT_UNAVAILABLE;
    default:
        return CONNECT_UNKNOWN;
    }
}

connect_code connect_code_parse(const char *name)
{
    for (int i = 1; i < CONNECT_CODES_COUNT; i++)
        if (strcmp(name, codes[i].name) == 0)
            return (connect_code)i;
    return CONNECT_UNKNOWN;
}

connect_code connect_code_of_ledger(int err)
{
    switch (err) {
    case LEDGER_OK:
        return CONNECT_OK;
    case LEDGER_NOT_FOUND:
    case LEDGER_UNKNOWN_ACCOUNT:
    case LEDGER_UNKNOWN_PROGRAMME:
    case LEDGER_UNKNOWN_PARTICIPANT:
    case LEDGER_UNKNOWN_GROUP:
        return CONNECT_NOT_FOUND;
    case LEDGER_PARTICIPANT_EXISTS:
    case LEDGER_GROUP_EXISTS:
        return CONNECT_ALREADY_EXISTS;
    case LEDGER_FOUR_EYES_VIOLATION:
        return CONNECT_PERMISSION_DENIED;
    /* Refused for the state the ledger is in, not for the request's
     * fields: the same request may succeed later. */
    case LEDGER_PARTICIPANT_ERASED:
    case LEDGER_CAPITAL_LOCKED:
    case LEDGER_CAPITAL_HELD:
    case LEDGER_REQUEST_PENDING:
    case LEDGER_PERIOD_CLOSED:
    case LEDGER_PENDING_ALREADY_RESOLVED:
    case LEDGER_NO_OPEN_CYCLE:
    case LEDGER_LOANS_OUTSTANDING:
        return CONNECT_FAILED_PRECONDITION;
    case LEDGER_TOKEN_INVALID:
        return CONNECT_UNAUTHENTICATED;
    case LEDGER_NOMEM:
    case LEDGER_MAP_LIMIT:
        return CONNECT_RESOURCE_EXHAUSTED;
    case LEDGER_READ_ONLY:
        return CONNECT_FAILED_PRECONDITION;
    case LEDGER_IO:
    case LEDGER_STORAGE:
        return CONNECT_UNAVAILABLE;
    case LEDGER_CORRUPT:
    case LEDGER_VERIFY_FAILED:
        return CONNECT_DATA_LOSS;
    case LEDGER_NOT_A_LEDGER:
    case LEDGER_ALREADY_INITIALISED:
    case LEDGER_ALREADY_OPEN:
    case LEDGER_FORMAT_VERSION:
    case LEDGER_KEY_PASSPHRASE:
    case LEDGER_KEY_MISMATCH:
        return CONNECT_INTERNAL;
    default:
        /* Everything else is about the request's own fields. */
        return CONNECT_INVALID_ARGUMENT;
    }
}

size_t connect_error_body(char *out, size_t cap, connect_code code, const char *message)
{
    const char *m = message ? message : "";
    size_t n = strlen(m);
    /* Cut at the limit, and before anything that is not UTF-8 (a message may
     * quote a client's bytes). */
    n = ledger_utf8_valid_prefix(m, n < CONNECT_MESSAGE_MAX ? n : CONNECT_MESSAGE_MAX);
    json_t *body = json_pack("{s:s, s:s%}", "code", connect_code_name(code), "message", m, n);
    size_t len = body ? json_dumpb(body, out, cap, JSON_COMPACT) : 0;
    json_decref(body);
    if (len == 0 || len >= cap)
        return 0;
    out[len] = '\0';
    return len;
}
