/*
 * arena.c — chunked bump allocation under a byte budget (see arena.h).
 *
 * This file is responsible for handing out aligned memory and for never
 * handing out more than the budget. It never frees a single allocation,
 * never grows a chunk in place and never knows what the memory is for.
 *
 * Chunks form a singly linked list; `current` is the usual chunk being
 * carved. A large request gets a chunk of exactly its size, linked after the
 * current one so that the current one keeps serving small requests. A new
 * usual chunk is at most RPC_ARENA_CHUNK_BYTES and at most what is left of
 * the budget, so malloc'd memory stays within the budget plus headers.
 */
#include "rpc/arena.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct rpc_arena_chunk {
    struct rpc_arena_chunk *next;
    size_t bytes_cap;  /* usable bytes after the header */
    size_t bytes_used; /* carved so far */
    size_t pad_;       /* keeps the header a multiple of RPC_ARENA_ALIGN */
} rpc_arena_chunk;

struct rpc_arena {
    rpc_arena_chunk *first; /* kept by reset */
    rpc_arena_chunk *current;
    size_t bytes_max;
    size_t bytes_used;
};

_Static_assert(sizeof(rpc_arena_chunk) % RPC_ARENA_ALIGN == 0, "chunk data must start aligned");
_Static_assert(RPC_ARENA_LARGE_BYTES < RPC_ARENA_CHUNK_BYTES,
               "large allocations must be the exception");

static unsigned char *rpc_arena_chunk_data(rpc_arena_chunk *c)
{
    return (unsigned char *)(c + 1);
}

/* bytes rounded up to RPC_ARENA_ALIGN (0 counts as one unit, so that every
 * pointer is distinct), or 0 on overflow. */
static size_t rpc_arena_round(size_t bytes)
{
    if (bytes == 0)
        return RPC_ARENA_ALIGN;
    if (bytes > SIZE_MAX - (RPC_ARENA_ALIGN - 1))
        return 0;
    return (bytes + (RPC_ARENA_ALIGN - 1)) & ~(size_t)(RPC_ARENA_ALIGN - 1);
}

static rpc_arena_chunk *rpc_arena_chunk_new(size_t bytes_cap)
{
    if (bytes_cap > SIZE_MAX - sizeof(rpc_arena_chunk))
        return NULL;
    /* malloc's alignment (16 on the platforms we build for) plus a header of
     * a multiple of 16 keeps the data aligned; checked below. */
    rpc_arena_chunk *c = malloc(sizeof(rpc_arena_chunk) + bytes_cap);
    if (c == NULL)
        return NULL;
    assert(((uintptr_t)rpc_arena_chunk_data(c) % RPC_ARENA_ALIGN) == 0);
    c->next = NULL;
    c->bytes_cap = bytes_cap;
    c->bytes_used = 0;
    c->pad_ = 0;
    return c;
}

/* Size of the next usual chunk: RPC_ARENA_CHUNK_BYTES, or what is left of
 * the budget if that is less, never less than `need`. */
static size_t rpc_arena_chunk_size(const rpc_arena *a, size_t need)
{
    size_t left = a->bytes_max - a->bytes_used;
    size_t size = left < RPC_ARENA_CHUNK_BYTES ? left : RPC_ARENA_CHUNK_BYTES;
    return size < need ? need : size;
}

rpc_arena *rpc_arena_create(size_t bytes_max)
{
    rpc_arena *a = malloc(sizeof *a);
    if (a == NULL)
        return NULL;
    a->bytes_max = bytes_max;
    a->bytes_used = 0;
    /* At most RPC_ARENA_CHUNK_BYTES, so the rounding cannot overflow. */
    a->first = rpc_arena_chunk_new(rpc_arena_round(rpc_arena_chunk_size(a, 0)));
    if (a->first == NULL) {
        free(a);
        return NULL;
    }
    a->current = a->first;
    return a;
}

/* Memory for a request that does not fit in the current chunk. */
static void *rpc_arena_alloc_slow(rpc_arena *a, size_t rounded)
{
    if (rounded > RPC_ARENA_LARGE_BYTES) {
        rpc_arena_chunk *c = rpc_arena_chunk_new(rounded);
        if (c == NULL)
            return NULL;
        c->next = a->current->next;
        a->current->next = c;
        c->bytes_used = rounded;
        return rpc_arena_chunk_data(c);
    }
    rpc_arena_chunk *c = rpc_arena_chunk_new(rpc_arena_round(rpc_arena_chunk_size(a, rounded)));
    if (c == NULL)
        return NULL;
    c->next = a->current->next;
    a->current->next = c;
    a->current = c;
    c->bytes_used = rounded;
    return rpc_arena_chunk_data(c);
}

void *rpc_arena_alloc(rpc_arena *a, size_t bytes)
{
    assert(a != NULL && a->current != NULL);
    size_t rounded = rpc_arena_round(bytes);
    if (rounded == 0 || rounded > a->bytes_max - a->bytes_used)
        return NULL;
    rpc_arena_chunk *c = a->current;
    void *p;
    if (rounded <= c->bytes_cap - c->bytes_used) {
        p = rpc_arena_chunk_data(c) + c->bytes_used;
        c->bytes_used += rounded;
    } else {
        p = rpc_arena_alloc_slow(a, rounded);
        if (p == NULL)
            return NULL;
    }
    a->bytes_used += rounded;
    assert(a->bytes_used <= a->bytes_max);
    return p;
}

char *rpc_arena_strndup(rpc_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = rpc_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t rpc_arena_used(const rpc_arena *a)
{
    return a->bytes_used;
}

size_t rpc_arena_left(const rpc_arena *a)
{
    return a->bytes_max - a->bytes_used;
}

static void rpc_arena_free_after(rpc_arena_chunk *c)
{
    rpc_arena_chunk *next = c->next;
    c->next = NULL;
    while (next != NULL) {
        rpc_arena_chunk *after = next->next;
        free(next);
        next = after;
    }
}

void rpc_arena_reset(rpc_arena *a)
{
    rpc_arena_free_after(a->first);
    a->first->bytes_used = 0;
    a->current = a->first;
    a->bytes_used = 0;
}

void rpc_arena_destroy(rpc_arena *a)
{
    if (a == NULL)
        return;
    rpc_arena_free_after(a->first);
    free(a->first);
    free(a);
}

static void *rpc_arena_pb_alloc(void *data, size_t bytes)
{
    return rpc_arena_alloc(data, bytes);
}

/* protobuf-c frees what it unpacked on its error paths; the arena takes it
 * all back at reset instead. */
static void rpc_arena_pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

void rpc_arena_allocator(rpc_arena *a, ProtobufCAllocator *out)
{
    out->alloc = rpc_arena_pb_alloc;
    out->free = rpc_arena_pb_free;
    out->allocator_data = a;
}
