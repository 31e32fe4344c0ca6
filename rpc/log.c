/*
 * log.c — one line per event with its level. Lines are written with one
 * fprintf each, which stdio locks, so threads do not interleave within a
 * line.
 */
#include "rpc/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static rpc_log_level log_level = RPC_LOG_INFO;
static FILE *log_out;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void rpc_log_setup(rpc_log_level level, FILE *out)
{
    log_level = level;
    log_out = out;
}

bool rpc_log_enabled(rpc_log_level level)
{
    return level >= log_level;
}

void rpc_log(rpc_log_level level, const char *fmt, ...)
{
    if (level < log_level)
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    FILE *out = log_out ? log_out : stderr;
    fprintf(out, "%s %s %s\n", when, level_names[level], message);
    fflush(out);
}

int rpc_log_level_parse(const char *name, rpc_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (rpc_log_level)i;
            return 0;
        }
    }
    return -1;
}
