/*
 * offload.c — the thread that decodes and handles large requests (see
 * offload.h): a queue under a mutex that it works off, and what comes back
 * handed to the loop's thread (handback.c), as the writer's jobs are.
 */
#include "rpc/offload.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "rpc/handback.h"

struct rpc_offload {
    pthread_t thread;
    pthread_mutex_t mutex; /* the queue and `stopping` */
    pthread_cond_t cond;
    rpc_offload_item *head, *tail;
    bool stopping;
    rpc_handback *back;
    rpc_offload_work_fn work;
    rpc_offload_back_fn back_fn;
    void *ctx;
};

static void *offload_main(void *arg)
{
    rpc_offload *o = arg;
    prctl(PR_SET_NAME, "cauris-offload"); /* for top, perf and bench_rpc */
    for (;;) {
        pthread_mutex_lock(&o->mutex);
        while (o->head == NULL && !o->stopping)
            pthread_cond_wait(&o->cond, &o->mutex);
        rpc_offload_item *item = o->head;
        if (item != NULL) {
            o->head = item->next;
            if (o->head == NULL)
                o->tail = NULL;
        }
        pthread_mutex_unlock(&o->mutex);
        if (item == NULL)
            return NULL; /* stopping, and nothing is left */
        if (o->work(item, o->ctx))
            rpc_handback_push(o->back, item, item);
    }
}

/* On the loop's thread: an item handed back. */
static void item_back(void *item, void *ctx)
{
    rpc_offload *o = ctx;
    o->back_fn(item, o->ctx);
}

rpc_offload *rpc_offload_start(struct event_base *base, rpc_offload_work_fn work,
                               rpc_offload_back_fn back, void *ctx)
{
    rpc_offload *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    o->work = work;
    o->back_fn = back;
    o->ctx = ctx;
    pthread_mutex_init(&o->mutex, NULL);
    pthread_cond_init(&o->cond, NULL);
    o->back = rpc_handback_new(base, offsetof(rpc_offload_item, next), item_back, o);
    if (o->back != NULL && pthread_create(&o->thread, NULL, offload_main, o) == 0)
        return o;
    if (o->back != NULL)
        rpc_handback_free(o->back);
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->mutex);
    free(o);
    return NULL;
}

int rpc_offload_submit(rpc_offload *o, rpc_offload_item *item)
{
    pthread_mutex_lock(&o->mutex);
    if (o->stopping) {
        pthread_mutex_unlock(&o->mutex);
        return -1;
    }
    item->next = NULL;
    if (o->tail != NULL)
        o->tail->next = item;
    else
        o->head = item;
    o->tail = item;
    pthread_cond_signal(&o->cond);
    pthread_mutex_unlock(&o->mutex);
    return 0;
}

void rpc_offload_stop(rpc_offload *o)
{
    pthread_mutex_lock(&o->mutex);
    o->stopping = true;
    pthread_cond_signal(&o->cond);
    pthread_mutex_unlock(&o->mutex);
    pthread_join(o->thread, NULL);
    rpc_handback_free(o->back); /* hands back what the loop has not drained yet */
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->mutex);
    free(o);
}
