/*
 * format.c — how amounts, dates, times, flags and hashes are written for
 * people: integer arithmetic only (no floating point ever touches money),
 * exact for every int64_t.
 */
#include "cli/cli.h"

#include <assert.h>
#include <string.h>
#include <time.h>

void cli_amount_format(char *out, size_t cap, int64_t minor, int digits)
{
    char digits_rev[24];
    size_t n = 0;
    assert(digits >= 0 && digits <= 18);
    /* The magnitude as unsigned: -(INT64_MIN) does not fit an int64_t. */
    uint64_t mag = minor < 0 ? (uint64_t)(-(minor + 1)) + 1u : (uint64_t)minor;
    do {
        digits_rev[n++] = (char)('0' + (int)(mag % 10u));
        mag /= 10u;
    } while (mag > 0);
    while (n < (size_t)digits + 1u)
        digits_rev[n++] = '0';

    char text[CLI_AMOUNT_TEXT_MAX];
    size_t t = 0;
    if (minor < 0)
        text[t++] = '-';
    for (size_t i = n; i-- > 0;) {
        text[t++] = digits_rev[i];
        if (digits > 0 && i == (size_t)digits)
            text[t++] = '.';
    }
    text[t] = '\0';
    snprintf(out, cap, "%s", text);
}

void cli_date_format(char out[CLI_DATE_TEXT_MAX], uint32_t yyyymmdd)
{
    if (yyyymmdd == 0) {
        snprintf(out, CLI_DATE_TEXT_MAX, "-");
        return;
    }
    snprintf(out, CLI_DATE_TEXT_MAX, "%04u-%02u-%02u", (yyyymmdd / 10000u) % 10000u,
             (yyyymmdd / 100u) % 100u, yyyymmdd % 100u);
}

void cli_time_format(char *out, size_t cap, int64_t unix_seconds)
{
    struct tm tm;
    time_t t = (time_t)unix_seconds;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "@%lld", (long long)unix_seconds);
}

void cli_flags_format(char *out, size_t cap, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {LEDGER_FLAG_NO_OVERDRAFT, "no_overdraft"},
        {LEDGER_FLAG_LOCKED, "locked"},
        {LEDGER_FLAG_CLOSED, "closed"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((flags & names[i].bit) == 0)
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(out, cap, "-");
}

void cli_base64(char *out, size_t cap, const uint8_t *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = 4 * ((len + 2) / 3) + 1;
    assert(cap >= need);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63u];
        out[o++] = alphabet[(v >> 12) & 63u];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63u] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63u] : '=';
    }
    out[o] = '\0';
    (void)cap;
}

int cli_amount_parse_units(const char *text, int digits, bool decimal_comma, bool zero_ok,
                           int64_t *out, char *why, size_t cap)
{
    int64_t v = 0;
    int decimals = -1; /* -1: no decimal mark seen yet */
    size_t n = strlen(text), digits_seen = 0;
    assert(digits >= 0 && digits <= 18);
    if (n == 0) {
        snprintf(why, cap, "is empty");
        return -1;
    }
    if (text[0] == '-' || text[0] == '+') {
        snprintf(why, cap, "'%.40s' has a sign; amounts are positive", text);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if ((c == '.' || (c == ',' && decimal_comma)) && decimals < 0 && digits_seen > 0) {
            decimals = 0;
            continue;
        }
        if (c < '0' || c > '9') {
            snprintf(why, cap,
                     "'%.40s' is not an amount like %s (digits and one decimal mark%s; no "
                     "spaces, signs or thousands separators)",
                     text, digits == 0 ? "75000" : "1234.50", decimal_comma ? " . or ," : " .");
            return -1;
        }
        if (decimals >= 0 && ++decimals > digits) {
            /* "75000,00" in a currency without minor unit is still exact. */
            if (c == '0')
                continue;
            snprintf(why, cap,
                     "'%.40s' has more than %d decimal%s: it would not be a whole number of "
                     "the currency's minor unit",
                     text, digits, digits == 1 ? "" : "s");
            return -1;
        }
        int64_t d = c - '0';
        if (v > (INT64_MAX - d) / 10)
            goto too_big;
        v = v * 10 + d;
        digits_seen++;
    }
    if (decimals == 0) {
        snprintf(why, cap, "'%.40s' ends with a decimal mark", text);
        return -1;
    }
    /* Scale to minor units: the decimals not written are zeros. */
    for (int i = decimals < 0 ? 0 : decimals; i < digits; i++) {
        if (v > INT64_MAX / 10)
            goto too_big;
        v *= 10;
    }
    if (v == 0 && !zero_ok) {
        snprintf(why, cap, "is zero; amounts must be positive");
        return -1;
    }
    *out = v;
    return 0;
too_big:
    snprintf(why, cap, "'%.40s' is beyond the largest amount", text);
    return -1;
}
