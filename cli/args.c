/*
 * args.c — command-line arguments and messages: long options, positionals,
 * "--help", and the three ways a command ends (ok, failure, bad usage).
 *
 * Every command goes through cli_args_parse(), so every command accepts
 * "--name value" and "--name=value", options before or after positionals,
 * and refuses an unknown or repeated option the same way.
 */
#include "cli/cli.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "cauris CMD: <message>\n" on stderr. */
static void report(const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void report(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "cauris %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "see cauris %s --help\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(cmd, fmt, ap);
    va_end(ap);
    return CLI_EXIT_FAIL;
}

int cli_fail_ledger(const char *cmd, const char *what, int err)
{
    int saved_errno = errno;
    if (err == LEDGER_IO && saved_errno != 0)
        return cli_fail(cmd, "%s: %s (%s): %s", what, ledger_strerror(err),
                        ledger_err_name(err), strerror(saved_errno));
    return cli_fail(cmd, "%s: %s (%s)", what, ledger_strerror(err), ledger_err_name(err));
}

int cli_help(const char *text)
{
    fputs(text, stdout);
    return CLI_EXIT_OK;
}

static const cli_opt *opt_find(const cli_opt *opts, const char *name, size_t name_len)
{
    for (const cli_opt *o = opts; o != NULL && o->name != NULL; o++) {
        if (strlen(o->name) == name_len && memcmp(o->name, name, name_len) == 0)
            return o;
    }
    return NULL;
}

/* Handles argv[*i], an option "--name[=value]"; may consume argv[*i + 1]. */
static int opt_take(const char *cmd, int argc, char **argv, int *i, const cli_opt *opts,
                    cli_args *out)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (strcmp(argv[*i], "--help") == 0) {
        out->help = true;
        return 0;
    }
    const cli_opt *o = opt_find(opts, arg, name_len);
    if (o == NULL)
        return cli_usage_error(cmd, "unknown option --%.*s", (int)name_len, arg);
    if (o->value == NULL) {
        if (eq != NULL)
            return cli_usage_error(cmd, "option --%s takes no value", o->name);
        *o->flag = true;
        return 0;
    }
    if (*o->value != NULL)
        return cli_usage_error(cmd, "option --%s given twice", o->name);
    if (eq != NULL) {
        *o->value = eq + 1;
    } else {
        if (*i + 1 >= argc)
            return cli_usage_error(cmd, "option --%s needs a value", o->name);
        *i += 1;
        *o->value = argv[*i];
    }
    return 0;
}

int cli_args_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, cli_args *out)
{
    bool options_done = false;
    memset(out, 0, sizeof *out);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (!options_done && strcmp(a, "-h") == 0) {
            out->help = true;
        } else if (!options_done && a[0] == '-' && a[1] == '-') {
            int rc = opt_take(cmd, argc, argv, &i, opts, out);
            if (rc != 0)
                return rc;
        } else if (!options_done && a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(cmd, "unknown option %s", a);
        } else {
            if (out->pos_count == CLI_POSITIONALS_MAX)
                return cli_usage_error(cmd, "more than %d arguments", CLI_POSITIONALS_MAX);
            out->pos[out->pos_count++] = a;
        }
    }
    return 0;
}

int cli_parse_u64(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    if (text == NULL || text[0] == '\0')
        return -1;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int cli_args_take_repeated(const char *cmd, int *argc, char **argv, const char *name,
                           const char **values, size_t *count)
{
    size_t name_len = strlen(name), n = 0;
    int out = 1;
    bool options_done = false;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        bool ours = !options_done && a[0] == '-' && a[1] == '-' &&
                    strncmp(a + 2, name, name_len) == 0 &&
                    (a[2 + name_len] == '\0' || a[2 + name_len] == '=');
        if (!options_done && strcmp(a, "--") == 0)
            options_done = true;
        if (!ours) {
            argv[out++] = argv[i];
            continue;
        }
        if (n == CLI_REPEAT_MAX)
            return cli_usage_error(cmd, "option --%s given more than %d times", name,
                                   CLI_REPEAT_MAX);
        if (a[2 + name_len] == '=') {
            values[n++] = a + 3 + name_len;
        } else {
            if (i + 1 >= *argc)
                return cli_usage_error(cmd, "option --%s needs a value", name);
            values[n++] = argv[++i];
        }
    }
    argv[out] = NULL;
    *argc = out;
    *count = n;
    return 0;
}

const char *cli_login_name(void)
{
    const char *user = getenv("USER");
    if (user != NULL && user[0] != '\0')
        return user;
    const struct passwd *pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_name : NULL;
}
