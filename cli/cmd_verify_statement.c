/*
 * cmd_verify_statement.c — `cauris verify-statement`: is this printed
 * statement one the ledger signed? The payload of its QR code (a file,
 * or standard input as a phone or zbarimg gives it) is checked offline
 * with the ledger's public key alone, or online against the ledger (which
 * also recomputes the figures); a receipt's number and check code are
 * checked online. The verdict and the signed figures are printed in the
 * language of --lang, so that the person holding the paper can compare.
 */
#include "cli/cli.h"
#include "cli/render.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char verify_statement_usage[] =
    "usage: cauris verify-statement DIR PAYLOAD_FILE [options]\n"
    "       cauris verify-statement --vkey FILE|KEY PAYLOAD_FILE [options]\n"
    "       cauris verify-statement DIR --seq N [--digest CODE] [options]\n"
    "\n"
    "Checks a printed statement. PAYLOAD_FILE holds the text of its QR code (\"-\":\n"
    "standard input), e.g. from 'zbarimg --raw -q page.png'. With DIR, against the\n"
    "ledger: the leaf is the ledger's own, its checkpoint is one the ledger signed\n"
    "and the figures are those the ledger computes again. With --vkey, offline with\n"
    "the ledger's public key alone (signing.pub, or the key printed by cauris init):\n"
    "the statement is in the log of a checkpoint that key signed. A receipt printed\n"
    "as text carries a statement number and a check code instead: --seq N --digest\n"
    "CODE checks them against the ledger.\n"
    "\n"
    "Prints the verdict and the signed figures (participant, period, each account's\n"
    "opening and closing balance and number of lines) to compare with the paper.\n"
    "Exit status 0 when the statement is genuine, 1 when it is not (or cannot be\n"
    "checked), 2 for bad usage.\n"
    "\n"
    "options:\n"
    "  --vkey FILE|KEY   check offline with this verifier key (no ledger needed)\n"
    "  --seq N           the statement number printed on a receipt (with DIR)\n"
    "  --digest CODE     the check code printed beside it (hex, 8 to 64 characters)\n"
    "  --currency CODE   offline: the programme's currency, to write amounts in it\n"
    "                    (otherwise they are in minor units)\n"
    "  --lang LANG       fr (default), en, pt or es\n";

#define VERIFY_CMD "verify-statement"
#define VERIFY_VKEY_MAX 512         /* bytes of a verifier key */
#define VERIFY_WHY_MAX 512          /* bytes of the library's reason */
#define VERIFY_DIGEST_MIN 8         /* hex characters of a check code, at least */
#define VERIFY_QR_PREFIX "QR-Code:" /* what zbarimg prints without --raw */

/* The payload as a scanner gave it: "QR-Code:" dropped, CRLF made LF, and
 * blank lines at the end cut to the one line end the proof ends with. */
static void payload_normalise(char *p, size_t *len)
{
    size_t n = *len, o = 0;
    size_t skip = strncmp(p, VERIFY_QR_PREFIX, strlen(VERIFY_QR_PREFIX)) == 0
                      ? strlen(VERIFY_QR_PREFIX)
                      : 0;
    for (size_t i = skip; i < n; i++) {
        if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
            continue;
        p[o++] = p[i];
    }
    while (o > 0 && (p[o - 1] == '\n' || p[o - 1] == ' ' || p[o - 1] == '\t'))
        o--;
    if (o + 1 <= n)
        p[o++] = '\n';
    p[o] = '\0';
    *len = o;
}

static int payload_read(const char *path, char **out, size_t *len)
{
    if (strcmp(path, "-") != 0)
        return cli_file_read(VERIFY_CMD, path, LEDGER_STATEMENT_PAYLOAD_MAX, out, len);
    char *buf = malloc(LEDGER_STATEMENT_PAYLOAD_MAX + 1);
    if (buf == NULL)
        return cli_fail(VERIFY_CMD, "out of memory");
    size_t n = fread(buf, 1, LEDGER_STATEMENT_PAYLOAD_MAX + 1, stdin);
    if (ferror(stdin) || n > LEDGER_STATEMENT_PAYLOAD_MAX) {
        free(buf);
        return cli_fail(VERIFY_CMD,
                        ferror(stdin) ? "cannot read standard input"
                                      : "standard input is larger than a "
                                        "statement payload (%d bytes)",
                        LEDGER_STATEMENT_PAYLOAD_MAX);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CLI_EXIT_OK;
}

static void period_print(const ledger_issued_statement *s)
{
    char from[I18N_DATE_TEXT_MAX], to[I18N_DATE_TEXT_MAX], period[256];
    i18n_date_format(from, s->date_from);
    i18n_date_format(to, s->date_to);
    if (s->date_from == 0 && s->date_to == 0)
        snprintf(period, sizeof period, "%s", _("everything up to the day it was issued"));
    else if (s->date_from == 0)
        snprintf(period, sizeof period, _("from the start to %s"), to);
    else if (s->date_to == 0)
        snprintf(period, sizeof period, _("from %s to the day it was issued"), from);
    else
        snprintf(period, sizeof period, _("%s to %s"), from, to);
    printf(_("Period: %s"), period);
    printf("\n");
}

/* The signed figures, to compare with the paper. digits < 0: minor units. */
static void figures_print(const ledger_issued_statement *s, const char *currency, int digits)
{
    char hex[STATEMENT_DIGEST_HEX + 1], open[I18N_AMOUNT_TEXT_MAX], close[I18N_AMOUNT_TEXT_MAX],
        lines[64];
    i18n_lang lang = i18n_lang_current();
    if (s->programme[0] != '\0') {
        printf(_("Programme: %s"), s->programme);
        printf("\n");
    }
    printf(_("Number: %s"), s->participant);
    printf("\n");
    period_print(s);
    statement_digest_hex(hex, s->digest);
    printf(_("Statement no. %llu \xc2\xb7 %s"), (unsigned long long)s->seq, hex);
    printf("\n");
    for (uint32_t i = 0; i < s->accounts_count && i < LEDGER_STATEMENT_ACCOUNTS; i++) {
        const ledger_statement_figures *f = &s->accounts[i];
        statement_account a;
        memset(&a, 0, sizeof a);
        a.kind = statement_kind_of_code(f->account);
        /* Plain spaces on a terminal: what is read can be copied and searched. */
        i18n_amount_format(open, sizeof open, lang, f->opening, digits < 0 ? 0 : digits,
                           currency, I18N_AMOUNT_ASCII);
        i18n_amount_format(close, sizeof close, lang, f->closing, digits < 0 ? 0 : digits,
                           currency, I18N_AMOUNT_ASCII);
        snprintf(lines, sizeof lines, i18n_ntr("%llu line", "%llu lines", f->lines),
                 (unsigned long long)f->lines);
        printf("  %s (%s): ", statement_account_title(&a), f->account);
        printf(_("at the start %s, at the end %s, %s"), open, close, lines);
        printf("\n");
    }
    if (digits < 0)
        printf("%s\n", _("Amounts are in the currency's smallest unit (give --currency to "
                         "write them in the currency)."));
}

static int verdict_print(int err, const char *why, const ledger_issued_statement *s,
                         const char *currency, int digits, bool online)
{
    if (err == LEDGER_VERIFY_FAILED) {
        printf("%s\n", _("REJECTED: this statement does not match what the ledger signed. Do "
                         "not trust its figures."));
        printf(_("Reason: %s"), why);
        printf("\n");
        return CLI_EXIT_FAIL;
    }
    if (err != LEDGER_OK)
        return cli_fail_ledger(VERIFY_CMD, "checking the statement", err);
    printf("%s\n", _("GENUINE: the ledger signed these figures."));
    printf("%s\n", online ? _("Checked against the ledger itself.")
                          : _("Checked with the ledger's public key, without the ledger."));
    figures_print(s, currency, digits);
    return CLI_EXIT_OK;
}

static int offline_run(const char *vkey_arg, const char *path, const char *currency)
{
    char vkey[VERIFY_VKEY_MAX], why[VERIFY_WHY_MAX] = "";
    int digits = -1;
    if (currency != NULL && (digits = ledger_currency_digits(currency)) < 0)
        return cli_usage_error(VERIFY_CMD, "--currency '%s' is not an ISO 4217 code", currency);
    int rc = cli_vkey_arg(VERIFY_CMD, vkey_arg, vkey, sizeof vkey);
    char *payload = NULL;
    size_t len = 0;
    if (rc == CLI_EXIT_OK)
        rc = payload_read(path, &payload, &len);
    if (rc != CLI_EXIT_OK)
        return rc;
    payload_normalise(payload, &len);
    ledger_issued_statement s;
    int err = ledger_statement_payload_verify(payload, len, vkey, &s, why, sizeof why);
    free(payload);
    return verdict_print(err, why, &s, currency, digits, false);
}

/* Does the receipt's check code start the statement's digest? */
static bool digest_matches(const char *code, const uint8_t *digest)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(code);
    for (size_t i = 0; i < n; i++) {
        uint8_t nibble = (uint8_t)(i % 2 == 0 ? digest[i / 2] >> 4 : digest[i / 2] & 15u);
        if (tolower((unsigned char)code[i]) != hex[nibble])
            return false;
    }
    return true;
}

static int online_run(const char *dir, const char *path, const char *seq_text,
                      const char *digest)
{
    char why[VERIFY_WHY_MAX] = "", *payload = NULL;
    size_t len = 0;
    uint64_t seq = 0;
    if (seq_text != NULL && cli_parse_u64(seq_text, &seq) != 0)
        return cli_usage_error(VERIFY_CMD, "--seq '%s' is not a statement number", seq_text);
    if (digest != NULL) {
        size_t n = strlen(digest);
        bool hex = n >= VERIFY_DIGEST_MIN && n <= 2 * LEDGER_HASH_BYTES;
        for (size_t i = 0; hex && i < n; i++)
            hex = isxdigit((unsigned char)digest[i]) != 0;
        if (!hex)
            return cli_usage_error(VERIFY_CMD, "--digest '%s' is not %d to %d hex characters",
                                   digest, VERIFY_DIGEST_MIN, 2 * LEDGER_HASH_BYTES);
    }
    ledger *l = NULL;
    int rc = cli_ledger_open(VERIFY_CMD, dir, false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (path != NULL) {
        rc = payload_read(path, &payload, &len);
        if (rc == CLI_EXIT_OK)
            payload_normalise(payload, &len);
    } else if ((payload = malloc(LEDGER_STATEMENT_PAYLOAD_MAX)) == NULL) {
        rc = cli_fail(VERIFY_CMD, "out of memory");
    } else {
        int err = ledger_statement_payload(l, seq, payload, LEDGER_STATEMENT_PAYLOAD_MAX, &len);
        if (err == LEDGER_NOT_FOUND) {
            printf(_("REJECTED: there is no statement number %llu in this ledger."),
                   (unsigned long long)seq);
            printf("\n");
            rc = CLI_EXIT_FAIL;
        } else if (err != LEDGER_OK) {
            rc = cli_fail_ledger(VERIFY_CMD, seq_text, err);
        }
    }
    if (rc == CLI_EXIT_OK) {
        ledger_issued_statement s;
        ledger_programme_info prog;
        int err = ledger_statement_payload_check(l, payload, len, &s, why, sizeof why);
        if (err == LEDGER_OK && digest != NULL && !digest_matches(digest, s.digest)) {
            err = LEDGER_VERIFY_FAILED;
            snprintf(why, sizeof why, "%s", _("the check code is not that of this statement"));
        }
        const char *currency = NULL;
        int digits = -1; /* minor units, unless the programme is known */
        if (err == LEDGER_OK && ledger_programme_get(l, s.programme, &prog) == LEDGER_OK) {
            currency = prog.currency;
            digits = prog.digits;
        }
        rc = verdict_print(err, why, &s, currency, digits, true);
    }
    free(payload);
    ledger_close(l);
    return rc;
}

int cmd_verify_statement(int argc, char **argv)
{
    const char *vkey = NULL, *seq = NULL, *digest = NULL, *currency = NULL, *lang_text = NULL;
    const cli_opt opts[] = {
        {"vkey", &vkey, NULL},         {"seq", &seq, NULL},        {"digest", &digest, NULL},
        {"currency", &currency, NULL}, {"lang", &lang_text, NULL}, {NULL, NULL, NULL},
    };
    cli_args a;
    char why[I18N_WHY_MAX];
    int rc = cli_args_parse(VERIFY_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(verify_statement_usage);
    i18n_lang lang = I18N_LANG_DEFAULT;
    if (lang_text != NULL && i18n_lang_parse(lang_text, &lang) != 0)
        return cli_usage_error(VERIFY_CMD, "--lang '%s' is not " I18N_LANGS_TEXT, lang_text);
    if (vkey != NULL) {
        if (a.pos_count != 1 || seq != NULL || digest != NULL)
            return cli_usage_error(VERIFY_CMD, "with --vkey, give one PAYLOAD_FILE (no DIR, "
                                               "--seq or --digest: those need the ledger)");
    } else if (seq != NULL) {
        if (a.pos_count != 1)
            return cli_usage_error(VERIFY_CMD, "with --seq, give the ledger directory alone");
    } else if (a.pos_count != 2) {
        return cli_usage_error(VERIFY_CMD, "needs a ledger directory and a PAYLOAD_FILE, or "
                                           "--vkey KEY and a PAYLOAD_FILE");
    }
    if (digest != NULL && seq == NULL)
        return cli_usage_error(VERIFY_CMD, "--digest goes with --seq");
    if (currency != NULL && vkey == NULL)
        return cli_usage_error(VERIFY_CMD,
                               "--currency is for --vkey: the ledger knows its own");
    if (i18n_init(lang, why, sizeof why) != 0)
        return cli_fail(VERIFY_CMD, "%s", why);
    if (vkey != NULL)
        return offline_run(vkey, a.pos[0], currency);
    return online_run(a.pos[0], seq != NULL ? NULL : a.pos[1], seq, digest);
}
