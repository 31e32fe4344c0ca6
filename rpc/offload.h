/*
 * offload.h — a thread that decodes and handles large requests, so that the
 * event loop keeps answering small calls meanwhile.
 *
 * Decoding a PostEntries of 8,000 entries takes ~12 ms; on the loop's
 * thread every other connection waited that long for its GetBalances. The
 * loop hands such a request (its body moved out of the connection) to this
 * thread, which runs `work` on it: decoding, the method's handler, and the
 * submission to the writer. When `work` returns true the request comes back
 * to the loop's thread through `back` (to be answered there: a decoding
 * error, a read's reply, a full queue); otherwise it went to the writer,
 * whose own callback answers it.
 *
 * Items are queued without a bound: each is one connection's one request in
 * flight, so the connection limit bounds them.
 */
#ifndef CAURIS_RPC_OFFLOAD_H
#define CAURIS_RPC_OFFLOAD_H

#include <stdbool.h>

struct event_base;

typedef struct rpc_offload_item rpc_offload_item;
struct rpc_offload_item {
    rpc_offload_item *next; /* the offload's while queued */
};

/* On the offload thread: true to hand the item back to the loop. */
typedef bool (*rpc_offload_work_fn)(rpc_offload_item *item, void *ctx);
/* On the event loop's thread. */
typedef void (*rpc_offload_back_fn)(rpc_offload_item *item, void *ctx);

typedef struct rpc_offload rpc_offload;

rpc_offload *rpc_offload_start(struct event_base *base, rpc_offload_work_fn work,
                               rpc_offload_back_fn back, void *ctx);
/* From the loop's thread; -1 once stopping (the caller handles it). */
int rpc_offload_submit(rpc_offload *o, rpc_offload_item *item);
/* From the loop's thread: works off what is queued, hands back what has to
 * come back (synchronously, through `back`), joins the thread, frees. */
void rpc_offload_stop(rpc_offload *o);

#endif /* CAURIS_RPC_OFFLOAD_H */
