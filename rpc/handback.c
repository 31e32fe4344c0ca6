/*
 * handback.c — a list under a mutex, drained on the loop's thread (see
 * handback.h).
 */
#include "rpc/handback.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

struct rpc_handback {
    pthread_mutex_t mutex;
    void *head, *tail;
    size_t next_offset;
    struct event *event;
    rpc_handback_fn fn;
    void *ctx;
};

static void **next_of(const rpc_handback *h, void *item)
{
    return (void **)((char *)item + h->next_offset);
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rpc_handback_drain(arg);
}

rpc_handback *rpc_handback_new(struct event_base *base, size_t next_offset, rpc_handback_fn fn,
                               void *ctx)
{
    rpc_handback *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->next_offset = next_offset;
    h->fn = fn;
    h->ctx = ctx;
    h->event = event_new(base, -1, 0, on_event, h);
    if (h->event == NULL) {
        free(h);
        return NULL;
    }
    pthread_mutex_init(&h->mutex, NULL);
    return h;
}

void rpc_handback_push(rpc_handback *h, void *first, void *last)
{
    *next_of(h, last) = NULL;
    pthread_mutex_lock(&h->mutex);
    if (h->tail != NULL)
        *next_of(h, h->tail) = first;
    else
        h->head = first;
    h->tail = last;
    pthread_mutex_unlock(&h->mutex);
    event_active(h->event, 0, 0);
}

void rpc_handback_drain(rpc_handback *h)
{
    pthread_mutex_lock(&h->mutex);
    void *item = h->head;
    h->head = h->tail = NULL;
    pthread_mutex_unlock(&h->mutex);
    while (item != NULL) {
        void *next = *next_of(h, item);
        *next_of(h, item) = NULL;
        h->fn(item, h->ctx);
        item = next;
    }
}

void rpc_handback_free(rpc_handback *h)
{
    rpc_handback_drain(h);
    event_free(h->event);
    pthread_mutex_destroy(&h->mutex);
    free(h);
}
