/*
 * conn.h — what the server tracks per connection, around evhttp:
 *   - the connection limit: a connection is counted from its first request;
 *     one over the limit gets a Connect "unavailable" reply and is closed
 *     (connections that never send a request are closed by the timeout);
 *   - the end of a connection, so that a posting whose client has gone
 *     still commits but is not answered on a freed request;
 *   - evhttp's own error pages (413 for an oversized body, 400 for a
 *     malformed request), rewritten into Connect JSON error bodies before
 *     they reach the socket, so every error a client sees is one it can
 *     parse.
 */
#ifndef CAURIS_RPC_CONN_H
#define CAURIS_RPC_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "rpc/metrics.h"

struct evhttp;
struct evhttp_connection;

typedef struct rpc_conns rpc_conns;
typedef struct rpc_conn rpc_conn;

/* Installs the layer on `http`; `body_bytes_max` is named in the rewritten
 * 413. NULL when out of memory. */
rpc_conns *rpc_conns_attach(struct evhttp *http, uint32_t connections_max,
                            size_t body_bytes_max, rpc_metrics *m);
/* The connection of a request, counted from now on; NULL when it is over
 * the limit (the caller answers "unavailable" and closes it). */
rpc_conn *rpc_conn_admit(rpc_conns *conns, struct evhttp_connection *evcon);
/* Calls gone(arg) once if the connection closes before rpc_conn_unwatch. */
void rpc_conn_watch(rpc_conn *c, void (*gone)(void *arg), void *arg);
void rpc_conn_unwatch(rpc_conn *c);
uint64_t rpc_conns_open(const rpc_conns *conns);
/* After evhttp_free (which closes the connections). NULL is allowed. */
void rpc_conns_free(rpc_conns *conns);

#endif /* CAURIS_RPC_CONN_H */
