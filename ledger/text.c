/*
 * text.c — checks on text and dates that come from outside: UTF-8,
 * programme names, YYYYMMDD value dates, and big-endian key helpers.
 */
#include "ledger/internal.h"

#include <string.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), or 0: no
 * NUL, no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c != 0;
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || len > n)
        return 0;
    unsigned lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return len;
}

size_t ledger_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Most text is ASCII: eight bytes at a time while all are below
         * 0x80 and none is NUL (a NUL byte minus one borrows into its high
         * bit; a byte of 1..0x7f minus one does not). The RPC server checks
         * every string of every request this way. */
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, u + i, sizeof w);
            if (((w | (w - 0x0101010101010101u)) & 0x8080808080808080u) == 0) {
                i += 8;
                continue;
            }
        }
        size_t k = utf8_seq(u + i, len - i);
        if (k == 0)
            break;
        i += k;
    }
    return i;
}

bool ledger_utf8_valid(const char *s, size_t len)
{
    return ledger_utf8_valid_prefix(s, len) == len;
}

bool ledger_name_valid(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > LEDGER_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int days_in_month(uint32_t y, uint32_t m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (m == 2 && leap) ? 29 : days[m - 1];
}

bool ledger_date_valid(uint32_t d)
{
    uint32_t y = d / 10000, m = (d / 100) % 100, day = d % 100;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || day < 1)
        return false;
    return (int)day <= days_in_month(y, m);
}

static bool digits(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

int ledger_date_parse(const char *text, uint32_t *out)
{
    uint32_t y, m, d;
    /* Exactly YYYY-MM-DD: no signs, spaces or short fields (sscanf allows them). */
    if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        !digits(text, 4, &y) || !digits(text + 5, 2, &m) || !digits(text + 8, 2, &d))
        return -1;
    uint32_t v = y * 10000 + m * 100 + d;
    if (!ledger_date_valid(v))
        return -1;
    *out = v;
    return 0;
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm). */
uint32_t ledger_date_of_time(int64_t t)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    return (uint32_t)(y * 10000 + m * 100 + d);
}

void be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

void be32_put(uint8_t out[4], uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint32_t be32_get(const uint8_t in[4])
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 8) | in[i];
    return v;
}

bool ledger_id_valid(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

bool ledger_text_valid(const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n > max || !ledger_utf8_valid(s ? s : "", n))
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    }
    return true;
}

bool ledger_who_valid(const char *partner, const char *principal)
{
    return partner != NULL && principal != NULL && partner[0] != '\0' && principal[0] != '\0' &&
           ledger_text_valid(partner, LEDGER_PARTNER_MAX) &&
           ledger_text_valid(principal, LEDGER_PRINCIPAL_MAX);
}
