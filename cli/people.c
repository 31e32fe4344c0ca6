/*
 * people.c — a participant's fields as people write them (in a CSV file
 * or on the command line), checked before the library sees them, with a
 * reason that says what to write instead; and how a participant is shown.
 *
 * The library checks the same rules again (ledger/participants.c); these
 * exist so that a file with many rows names every bad field at once.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#define BIRTH_YEAR_MIN 1900
#define BIRTH_YEAR_MAX 2100

static int why_set(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

int cli_participant_id_check(const char *id, char *why, size_t cap)
{
    size_t n = strlen(id);
    if (n == 0)
        return why_set(why, cap, "is empty");
    if (n > LEDGER_PARTICIPANT_ID_MAX)
        return why_set(why, cap, "'%.40s' is longer than %d bytes", id,
                       LEDGER_PARTICIPANT_ID_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!isalnum((unsigned char)c) && c != '_' && c != '-' && c != '.')
            return why_set(why, cap,
                           "'%.40s' is not an id (letters, digits, '_', '-' and '.' only)", id);
    }
    return 0;
}

int cli_text_check(const char *text, size_t max, bool required, char *why, size_t cap)
{
    size_t n = strlen(text);
    if (required && n == 0)
        return why_set(why, cap, "is empty");
    if (n > max)
        return why_set(why, cap, "is longer than %zu bytes", max);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return why_set(why, cap, "holds a control character (a tab or line break)");
    }
    if (ledger_utf8_valid_prefix(text, n) != n)
        return why_set(why, cap, "is not UTF-8 text");
    return 0;
}

int cli_sex_parse(const char *text, ledger_sex *out, char *why, size_t cap)
{
    char lower[8];
    size_t n = strlen(text);
    if (n > 0 && n < sizeof lower) {
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)text[i]);
        if (strcmp(lower, "f") == 0 || strcmp(lower, "female") == 0) {
            *out = LEDGER_SEX_FEMALE;
            return 0;
        }
        if (strcmp(lower, "m") == 0 || strcmp(lower, "male") == 0) {
            *out = LEDGER_SEX_MALE;
            return 0;
        }
    }
    return why_set(why, cap, "'%.20s' is not f, m, female or male", text);
}

int cli_birth_year_parse(const char *text, uint16_t *out, char *why, size_t cap)
{
    uint64_t year;
    if (text[0] == '\0') {
        *out = 0; /* not known */
        return 0;
    }
    if (cli_parse_u64(text, &year) != 0 || year < BIRTH_YEAR_MIN || year > BIRTH_YEAR_MAX)
        return why_set(why, cap, "'%.20s' is not a year %d to %d (or empty when not known)",
                       text, BIRTH_YEAR_MIN, BIRTH_YEAR_MAX);
    *out = (uint16_t)year;
    return 0;
}

int cli_wg_ss_check(const char *text, char *why, size_t cap)
{
    size_t n = strlen(text);
    bool ok = n == 0 || n == LEDGER_WG_SS_LEN;
    for (size_t i = 0; ok && i < n; i++)
        ok = text[i] >= '1' && text[i] <= '4';
    if (!ok)
        return why_set(why, cap,
                       "'%.20s' is not six answers 1 to 4 (seeing, hearing, walking, "
                       "cognition, self-care, communication; e.g. 111211) or empty",
                       text);
    return 0;
}

int cli_category_parse(const char *text, ledger_category *out, char *why, size_t cap)
{
    if (ledger_category_parse(text, out) != 0 || *out == LEDGER_CATEGORY_UNKNOWN)
        return why_set(why, cap,
                       "'%.40s' is not former_security_forces, community_member, "
                       "returned_migrant, displaced_person or refugee",
                       text);
    return 0;
}

int cli_phase_parse(const char *text, uint8_t *out, char *why, size_t cap)
{
    uint64_t phase;
    if (cli_parse_u64(text, &phase) != 0 || phase < 1 || phase > LEDGER_PHASE_MAX)
        return why_set(why, cap, "'%.20s' is not a phase 1 to %d", text, LEDGER_PHASE_MAX);
    *out = (uint8_t)phase;
    return 0;
}
