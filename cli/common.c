/*
 * common.c — what several commands need from the ledger and the file
 * system: opening a ledger (read-only unless the command writes), the
 * passphrase of a sealed key, a programme's currency, reading small files
 * and verifier keys given inline or as a file.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0)
        *v++ = 0;
}

/* Cuts a string at its first line end. */
static void first_line(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

int cli_passphrase_get(const char *cmd, const char *file, char *out, size_t cap, bool *found)
{
    *found = false;
    if (file != NULL) {
        FILE *f = fopen(file, "r");
        if (f == NULL)
            return cli_fail(cmd, "cannot read the passphrase file %s: %s", file,
                            strerror(errno));
        bool ok = fgets(out, (int)cap, f) != NULL;
        fclose(f);
        if (!ok)
            return cli_fail(cmd, "the passphrase file %s is empty", file);
        first_line(out);
        if (out[0] == '\0')
            return cli_fail(cmd, "the first line of the passphrase file %s is empty", file);
        *found = true;
        return CLI_EXIT_OK;
    }
    const char *env = getenv("CAURIS_PASSPHRASE");
    if (env != NULL && env[0] != '\0') {
        if (strlen(env) >= cap)
            return cli_fail(cmd, "CAURIS_PASSPHRASE is longer than %zu bytes", cap - 1);
        snprintf(out, cap, "%s", env);
        *found = true;
    }
    return CLI_EXIT_OK;
}

int cli_ledger_open(const char *cmd, const char *dir, bool writable,
                    const char *passphrase_file, ledger **out)
{
    char passphrase[CLI_PASSPHRASE_MAX + 2];
    bool have_passphrase = false;
    ledger_options opt;
    memset(&opt, 0, sizeof opt);
    opt.read_only = !writable;
    if (writable) {
        int rc = cli_passphrase_get(cmd, passphrase_file, passphrase, sizeof passphrase,
                                    &have_passphrase);
        if (rc != CLI_EXIT_OK)
            return rc;
        opt.passphrase = have_passphrase ? passphrase : NULL;
    }
    errno = 0;
    int err = ledger_open(out, dir, &opt);
    if (have_passphrase)
        cli_wipe(passphrase, sizeof passphrase);
    if (err == LEDGER_KEY_PASSPHRASE)
        return cli_fail(cmd, "%s: %s; set CAURIS_PASSPHRASE or give --passphrase-file FILE",
                        dir, ledger_strerror(err));
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, dir, err);
    return CLI_EXIT_OK;
}

int cli_programme_currency(const char *cmd, ledger *l, const char *programme,
                           char currency[LEDGER_CURRENCY_LEN + 1], int *digits_out)
{
    ledger_programme_info info;
    int err = ledger_programme_get(l, programme, &info);
    if (err == LEDGER_UNKNOWN_PROGRAMME)
        return cli_fail(cmd, "no programme named '%s' in this ledger", programme);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, programme, err);
    memcpy(currency, info.currency, LEDGER_CURRENCY_LEN + 1);
    *digits_out = info.digits;
    return CLI_EXIT_OK;
}

int cli_file_read(const char *cmd, const char *path, size_t max, char **out, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return cli_fail(cmd, "cannot open %s: %s", path, strerror(errno));
    char *buf = malloc(max + 1);
    if (buf == NULL) {
        fclose(f);
        return cli_fail(cmd, "out of memory reading %s", path);
    }
    size_t n = fread(buf, 1, max + 1, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(buf);
        return cli_fail(cmd, "cannot read %s", path);
    }
    if (n > max) {
        free(buf);
        return cli_fail(cmd, "%s is larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *out = buf;
    *len_out = n;
    return CLI_EXIT_OK;
}

int cli_vkey_arg(const char *cmd, const char *arg, char *out, size_t cap)
{
    struct stat st;
    if (stat(arg, &st) != 0) {
        if (strchr(arg, '+') == NULL)
            return cli_fail(cmd, "%s is neither a verifier key (name+id+key) nor a file", arg);
        if (strlen(arg) >= cap)
            return cli_fail(cmd, "the verifier key is longer than %zu bytes", cap - 1);
        snprintf(out, cap, "%s", arg);
        return CLI_EXIT_OK;
    }
    char *text;
    size_t len;
    int rc = cli_file_read(cmd, arg, CLI_SMALL_FILE_MAX, &text, &len);
    if (rc != CLI_EXIT_OK)
        return rc;
    first_line(text);
    if (strlen(text) >= cap) {
        free(text);
        return cli_fail(cmd, "the verifier key in %s is longer than %zu bytes", arg, cap - 1);
    }
    snprintf(out, cap, "%s", text);
    free(text);
    return CLI_EXIT_OK;
}

static int programme_resolve(const char *cmd, ledger *l, const char *given,
                             char out[LEDGER_NAME_MAX + 1])
{
    ledger_programme_info progs[CLI_PROGRAMMES_SHOWN];
    size_t n = 0, total = 0;
    if (given != NULL) {
        snprintf(out, LEDGER_NAME_MAX + 1, "%s", given);
        return CLI_EXIT_OK;
    }
    int err = ledger_programmes_list(l, progs, CLI_PROGRAMMES_SHOWN, &n, &total);
    if (err != LEDGER_OK)
        return cli_fail_ledger(cmd, "listing the programmes", err);
    if (total == 1) {
        snprintf(out, LEDGER_NAME_MAX + 1, "%s", progs[0].name);
        return CLI_EXIT_OK;
    }
    char names[CLI_PROGRAMMES_SHOWN * (LEDGER_NAME_MAX + 2) + 8] = "";
    for (size_t i = 0; i < n; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, progs[i].name);
    }
    if (total > n)
        strcat(names, ", ...");
    return cli_usage_error(cmd, "this ledger holds %zu programmes (%s): give --programme NAME",
                           total, names);
}

int cli_ledger_open_programme(const char *cmd, const char *dir, bool writable,
                              const char *passphrase_file, const char *given, ledger **out,
                              char programme[LEDGER_NAME_MAX + 1])
{
    ledger *l = NULL;
    int rc = cli_ledger_open(cmd, dir, writable, passphrase_file, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = programme_resolve(cmd, l, given, programme);
    if (rc != CLI_EXIT_OK) {
        ledger_close(l);
        return rc;
    }
    *out = l;
    return CLI_EXIT_OK;
}
