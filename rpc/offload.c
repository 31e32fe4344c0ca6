/*
 * offload.c — the thread that decodes and handles large requests (see
 * offload.h). Two lists under their mutexes: the queue it works off, and
 * the items handed back, which the loop drains when its event fires
 * (event_active is thread-safe once libevent's pthreads locking is on), as
 * the writer's done list does.
 */
#include "rpc/offload.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>

struct rpc_offload {
    pthread_t thread;
    pthread_mutex_t mutex; /* the queue and `stopping` */
    pthread_cond_t cond;
    rpc_offload_item *head, *tail;
    bool stopping;
    pthread_mutex_t back_mutex;
    rpc_offload_item *back_head, *back_tail;
    struct event *back_event;
    rpc_offload_work_fn work;
    rpc_offload_back_fn back;
    void *ctx;
};

static void back_push(rpc_offload *o, rpc_offload_item *item)
{
    item->next = NULL;
    pthread_mutex_lock(&o->back_mutex);
    if (o->back_tail != NULL)
        o->back_tail->next = item;
    else
        o->back_head = item;
    o->back_tail = item;
    pthread_mutex_unlock(&o->back_mutex);
    event_active(o->back_event, 0, 0);
}

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
            back_push(o, item);
    }
}

/* On the loop's thread: every item handed back, in order. */
static void back_drain(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rpc_offload *o = arg;
    pthread_mutex_lock(&o->back_mutex);
    rpc_offload_item *item = o->back_head;
    o->back_head = o->back_tail = NULL;
    pthread_mutex_unlock(&o->back_mutex);
    while (item != NULL) {
        rpc_offload_item *next = item->next;
        item->next = NULL;
        o->back(item, o->ctx);
        item = next;
    }
}

rpc_offload *rpc_offload_start(struct event_base *base, rpc_offload_work_fn work,
                               rpc_offload_back_fn back, void *ctx)
{
    rpc_offload *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    o->work = work;
    o->back = back;
    o->ctx = ctx;
    pthread_mutex_init(&o->mutex, NULL);
    pthread_mutex_init(&o->back_mutex, NULL);
    pthread_cond_init(&o->cond, NULL);
    o->back_event = event_new(base, -1, 0, back_drain, o);
    if (o->back_event != NULL && pthread_create(&o->thread, NULL, offload_main, o) == 0)
        return o;
    if (o->back_event != NULL)
        event_free(o->back_event);
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->back_mutex);
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
    back_drain(-1, 0, o); /* what the loop has not drained yet */
    event_free(o->back_event);
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->back_mutex);
    pthread_mutex_destroy(&o->mutex);
    free(o);
}
