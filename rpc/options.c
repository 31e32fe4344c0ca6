/*
 * options.c — the server's options: defaults, one option by name (from the
 * command line or a config file), and the config file itself ("name =
 * value" lines, '#' comments). Every numeric option has a range checked
 * here, so the server never starts with a limit it cannot honour.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "rpc/log.h"
#include "rpc/rpc.h"

#define CONFIG_BYTES_MAX 65536
#define CONFIG_LINE_MAX 1024

void rpc_server_options_default(rpc_server_options *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->listen_host, sizeof o->listen_host, "127.0.0.1");
    o->port = 8080;
    o->body_bytes_max = RPC_BODY_BYTES_MAX_DEFAULT;
    o->entries_per_request_max = LEDGER_REQUEST_ENTRIES_MAX;
    o->connections_max = RPC_CONNECTIONS_MAX_DEFAULT;
    o->timeout_s = RPC_TIMEOUT_S_DEFAULT;
    o->queue_entries_max = RPC_QUEUE_ENTRIES_MAX_DEFAULT;
    o->commit_entries_max = RPC_COMMIT_ENTRIES_MAX_DEFAULT;
    o->log_level = RPC_LOG_INFO;
    o->log = stderr;
}

static int fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int number(const char *name, const char *value, uint64_t min, uint64_t max,
                  uint64_t *out, char *err, size_t cap)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max)
        return fail(err, cap, "--%s: '%s' is not a whole number from %llu to %llu", name, value,
                    (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (the host 127.0.0.1). */
static int listen_parse(rpc_server_options *o, const char *value, char *err, size_t cap)
{
    const char *colon = strrchr(value, ':');
    if (colon == NULL)
        return fail(err, cap, "--listen: '%s' is not HOST:PORT", value);
    uint64_t port;
    if (number("listen", colon + 1, 0, 65535, &port, err, cap) != 0)
        return -1;
    size_t host_len = (size_t)(colon - value);
    if (host_len >= 2 && value[0] == '[' && value[host_len - 1] == ']') {
        value++; /* [v6 address] */
        host_len -= 2;
    }
    if (host_len > RPC_HOST_MAX)
        return fail(err, cap, "--listen: host longer than %d bytes", RPC_HOST_MAX);
    if (host_len == 0)
        snprintf(o->listen_host, sizeof o->listen_host, "127.0.0.1");
    else
        snprintf(o->listen_host, sizeof o->listen_host, "%.*s", (int)host_len, value);
    o->port = (uint16_t)port;
    return 0;
}

int rpc_server_option_set(rpc_server_options *o, const char *name, const char *value, char *err,
                          size_t cap)
{
    uint64_t v = 0;
    if (strcmp(name, "listen") == 0)
        return listen_parse(o, value, err, cap);
    if (strcmp(name, "data-dir") == 0) {
        o->data_dir = value;
        return 0;
    }
    if (strcmp(name, "port-file") == 0) {
        o->port_file = value;
        return 0;
    }
    if (strcmp(name, "log-level") == 0) {
        if (rpc_log_level_parse(value, &o->log_level) != 0)
            return fail(err, cap, "--log-level: '%s' is not debug, info, warn or error", value);
        return 0;
    }
    if (strcmp(name, "body-bytes-max") == 0) {
        if (number(name, value, 1024, RPC_BODY_BYTES_MAX_LIMIT, &v, err, cap) != 0)
            return -1;
        o->body_bytes_max = (size_t)v;
    } else if (strcmp(name, "entries-max") == 0) {
        if (number(name, value, 1, LEDGER_REQUEST_ENTRIES_MAX, &v, err, cap) != 0)
            return -1;
        o->entries_per_request_max = (uint32_t)v;
    } else if (strcmp(name, "connections-max") == 0) {
        if (number(name, value, 1, 60000, &v, err, cap) != 0)
            return -1;
        o->connections_max = (uint32_t)v;
    } else if (strcmp(name, "timeout-s") == 0) {
        if (number(name, value, 1, 3600, &v, err, cap) != 0)
            return -1;
        o->timeout_s = (uint32_t)v;
    } else if (strcmp(name, "queue-entries-max") == 0) {
        if (number(name, value, LEDGER_REQUEST_ENTRIES_MAX, 16u << 20, &v, err, cap) != 0)
            return -1;
        o->queue_entries_max = (uint32_t)v;
    } else if (strcmp(name, "commit-entries-max") == 0) {
        if (number(name, value, 1, LEDGER_BATCH_ENTRIES_MAX, &v, err, cap) != 0)
            return -1;
        o->commit_entries_max = (uint32_t)v;
    } else {
        return fail(err, cap, "unknown option '%s'", name);
    }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int rpc_config_load(rpc_server_options *o, const char *path, char *err, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(err, cap, "%s: %s", path, strerror(errno));
    /* Kept in the options, whose strings borrow from it. */
    char *text = malloc(CONFIG_BYTES_MAX + 1);
    size_t len = text ? fread(text, 1, CONFIG_BYTES_MAX + 1, f) : 0;
    fclose(f);
    if (text == NULL)
        return fail(err, cap, "%s: out of memory", path);
    if (len > CONFIG_BYTES_MAX) {
        free(text);
        return fail(err, cap, "%s: larger than %d bytes", path, CONFIG_BYTES_MAX);
    }
    text[len] = '\0';
    free(o->config_text);
    o->config_text = text;
    int line_no = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            return fail(err, cap, "%s:%d: expected 'name = value'", path, line_no);
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        char why[256];
        if (rpc_server_option_set(o, name, value, why, sizeof why) != 0)
            return fail(err, cap, "%s:%d: %s", path, line_no, why);
    }
    return 0;
}

void rpc_server_options_release(rpc_server_options *o)
{
    free(o->config_text);
    o->config_text = NULL;
}
