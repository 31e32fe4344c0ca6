/*
 * handback.h — items handed from a worker thread to the event loop's thread.
 *
 * The writer hands back committed jobs, the offload thread the requests it
 * has decoded or finished. Either pushes items from its own thread; the
 * loop runs `fn` on each, in the order pushed, when its event fires
 * (event_active is thread-safe once libevent's pthreads locking is on).
 * Items are linked through a pointer of their own at `next_offset`, so an
 * item needs no allocation to be handed back.
 */
#ifndef CAURIS_RPC_HANDBACK_H
#define CAURIS_RPC_HANDBACK_H

#include <stddef.h>

struct event_base;

typedef struct rpc_handback rpc_handback;
typedef void (*rpc_handback_fn)(void *item, void *ctx);

rpc_handback *rpc_handback_new(struct event_base *base, size_t next_offset, rpc_handback_fn fn,
                               void *ctx);
/* From any thread: the items from `first` to `last`, already linked in that
 * order (first == last for one), with one lock and one wake-up of the loop:
 * the writer hands back a whole commit at once. */
void rpc_handback_push(rpc_handback *h, void *first, void *last);
/* On the loop's thread: runs `fn` on what is waiting now (also without the
 * event, when a worker stops). */
void rpc_handback_drain(rpc_handback *h);
/* On the loop's thread, once no worker pushes any more: drains, frees. */
void rpc_handback_free(rpc_handback *h);

#endif /* CAURIS_RPC_HANDBACK_H */
