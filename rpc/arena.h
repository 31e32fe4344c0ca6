/*
 * arena.h — the per-request memory arena of the RPC layer.
 *
 * Everything a request needs (the unpacked or JSON-decoded message, its
 * strings, the handler's scratch) comes from one arena that is reset or
 * destroyed when the reply is sent: nothing is freed one by one, so an error
 * path can never leak or double-free a part of a message.
 *
 * An arena has a budget, bytes_max: the sum of the sizes it hands out (each
 * rounded up to RPC_ARENA_ALIGN) never exceeds it. What it takes from malloc
 * is that plus, per chunk, a header and the tail left unused when a request
 * did not fit (less than RPC_ARENA_LARGE_BYTES of a RPC_ARENA_CHUNK_BYTES
 * chunk): about 4/3 of the budget at most, plus headers. A hostile body that
 * asks protobuf-c or the JSON decoder for millions of elements therefore
 * gets NULL from the arena, and the request fails, instead of the server
 * allocating without bound.
 *
 * Not thread-safe: one arena belongs to one request at a time.
 */
#ifndef CAURIS_RPC_ARENA_H
#define CAURIS_RPC_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#define RPC_ARENA_ALIGN 16                    /* every pointer handed out */
#define RPC_ARENA_CHUNK_BYTES ((size_t)65536) /* usual chunk size */
/* Allocations larger than this get a chunk of their own, so that one big
 * array does not waste the rest of the current chunk. */
#define RPC_ARENA_LARGE_BYTES (RPC_ARENA_CHUNK_BYTES / 4)

typedef struct rpc_arena rpc_arena;

/* Creates an arena that hands out at most bytes_max bytes in all; its first
 * chunk (at most RPC_ARENA_CHUNK_BYTES, less for a smaller budget) is
 * allocated now. NULL if malloc fails. The caller destroys it with
 * rpc_arena_destroy. */
rpc_arena *rpc_arena_create(size_t bytes_max);

/* `bytes` of uninitialised memory aligned to RPC_ARENA_ALIGN, valid until
 * the next reset or destroy. A request for 0 bytes gets a distinct pointer
 * like any other. NULL when the budget would be exceeded or malloc fails;
 * the arena stays usable either way. */
void *rpc_arena_alloc(rpc_arena *a, size_t bytes);

/* A NUL-terminated copy of the first len bytes of s (which may hold NULs and
 * need not be terminated): len + 1 bytes from the arena. NULL as above. */
char *rpc_arena_strndup(rpc_arena *a, const char *s, size_t len);

/* Bytes handed out since creation or the last reset, counted as the budget
 * counts them (rounded up to RPC_ARENA_ALIGN). */
size_t rpc_arena_used(const rpc_arena *a);

/* Bytes the budget still allows (bytes_max minus rpc_arena_used). Lets a
 * caller refuse work whose memory comes from elsewhere (jansson's parse
 * tree) when it would be larger than what the request may still use. */
size_t rpc_arena_left(const rpc_arena *a);

/* Frees every chunk but the first and makes the whole budget available
 * again. Every pointer handed out before becomes invalid. */
void rpc_arena_reset(rpc_arena *a);

/* Frees the arena and everything it handed out. NULL is allowed. */
void rpc_arena_destroy(rpc_arena *a);

/* Fills *out with a protobuf-c allocator drawing from `a` (its free does
 * nothing), for protobuf_c_message_unpack. The unpacked message must then
 * never be given to protobuf_c_message_free_unpacked with another allocator;
 * it lives until the arena is reset.
 *
 * protobuf-c 1.4.1 also takes its scratch from here (a 32-byte record per
 * field occurrence in the body, in doubling slabs) and allocates anew for
 * each repeat of a singular field: all of it counts against the budget
 * until reset. Measured: a body of empty PostEntriesRequest entries costs
 * about 73 arena bytes per body byte, a singular string repeated about 29,
 * so it is the budget, not the body size, that bounds a request's memory. */
void rpc_arena_allocator(rpc_arena *a, ProtobufCAllocator *out);

#endif
