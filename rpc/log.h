/*
 * log.h — the server's log: one line per event, "TIME LEVEL message", UTC.
 */
#ifndef CAURIS_RPC_LOG_H
#define CAURIS_RPC_LOG_H

#include <stdio.h>

#include "rpc/rpc.h"

void rpc_log_setup(rpc_log_level level, FILE *out);
bool rpc_log_enabled(rpc_log_level level);
void rpc_log(rpc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "debug", "info", "warn", "error"; 0 on success. */
int rpc_log_level_parse(const char *name, rpc_log_level *out);

#endif /* CAURIS_RPC_LOG_H */
