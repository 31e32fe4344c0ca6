/*
 * handlers.h — the methods of cauris.v1.Ledger: one table of routes, one
 * function per method turning a decoded request into calls to the ledger and
 * a response message. Handlers never see the connection, the HTTP headers
 * or the body's encoding (memcached's process_request / drive_machine split):
 * the server decodes, authenticates and encodes; handlers only map messages
 * to ledger calls and back.
 */
#ifndef CAURIS_RPC_HANDLERS_H
#define CAURIS_RPC_HANDLERS_H

#include <protobuf-c/protobuf-c.h>

#include "ledger/ledger.h"
#include "rpc/arena.h"
#include "rpc/connect.h"
#include "rpc/writer.h"

/* One call in progress. Everything it points to lives in `arena` or
 * outlives the call. */
typedef struct rpc_call {
    ledger *ledger;
    rpc_arena *arena;
    ledger_token_info token;         /* who calls, checked */
    const ProtobufCMessage *request; /* decoded */
    ProtobufCMessage *response;      /* set by the handler on success */
    connect_code code;               /* CONNECT_OK or the error */
    char message[CONNECT_MESSAGE_MAX];
    uint32_t entries_max; /* entries, participants or delivery lines per request */
    rpc_job job;          /* writes (RPC_SUBMIT): the writer's part */
    void *state;          /* the handler's, from handle() to finish() (arena memory) */
} rpc_call;

typedef enum rpc_outcome {
    RPC_DONE = 0,   /* code/response set: reply now */
    RPC_SUBMIT = 1, /* c->job is ready for the writer; reply after finish() */
} rpc_outcome;

typedef struct rpc_route {
    const char *method; /* "PostEntries": the path is /cauris.v1.Ledger/<method> */
    const ProtobufCMessageDescriptor *input;
    /* LEDGER_ROLE_* bits: the token needs one of them to call at all; the
     * handler may ask for more (PostEntries: per entry and action). */
    uint32_t role;
    rpc_outcome (*handle)(rpc_call *c);
    /* For RPC_SUBMIT: builds the response once c->job is back. */
    void (*finish)(rpc_call *c);
} rpc_route;

#define RPC_ROUTES_COUNT 16

/* The route of a method name (`len` bytes), or NULL. */
const rpc_route *rpc_route_find(const char *method, size_t len);
/* The table itself, RPC_ROUTES_COUNT long, for metrics. */
const rpc_route *rpc_routes(void);

#endif /* CAURIS_RPC_HANDLERS_H */
