/*
 * chart.c — the chart of accounts of a programme (DESIGN.md, "How the money
 * moves"): which account codes exist, their type and default flags.
 *
 * Codes are stable, human-readable paths of segments separated by ':'. An
 * identifier segment (<mfi>, <id>, <g>, <p>) is 1-40 characters of
 * [A-Za-z0-9._-]. Anything else is refused, so a typo cannot open a stray
 * account that money then disappears into.
 */
#include "ledger/internal.h"

#include <string.h>

#define CHART_SEGMENTS_MAX 4
#define CHART_ID_MAX 40

typedef struct chart_rule {
    const char *pattern; /* "*" = an identifier segment */
    ledger_account_type type;
    uint32_t flags;
} chart_rule;

static const chart_rule chart_rules[] = {
    {"programme:fund", LEDGER_EQUITY, 0},
    {"programme:wages", LEDGER_EXPENSE, 0},
    {"programme:grants", LEDGER_EXPENSE, 0},
    {"partner:*:cash", LEDGER_ASSET, LEDGER_FLAG_NO_OVERDRAFT},
    {"participant:*:wallet", LEDGER_LIABILITY, LEDGER_FLAG_NO_OVERDRAFT},
    /* Capital is locked in phase 1; the phase change unlocks it. */
    {"participant:*:capital", LEDGER_LIABILITY, LEDGER_FLAG_NO_OVERDRAFT | LEDGER_FLAG_LOCKED},
    {"participant:*:grant", LEDGER_LIABILITY, LEDGER_FLAG_NO_OVERDRAFT},
    {"group:*:cash", LEDGER_ASSET, LEDGER_FLAG_NO_OVERDRAFT},
    {"group:*:member:*", LEDGER_LIABILITY, LEDGER_FLAG_NO_OVERDRAFT},
    {"group:*:social", LEDGER_LIABILITY, LEDGER_FLAG_NO_OVERDRAFT},
    {"group:*:loan:*", LEDGER_ASSET, LEDGER_FLAG_NO_OVERDRAFT},
    {"group:*:income", LEDGER_INCOME, LEDGER_FLAG_NO_OVERDRAFT},
};

static bool id_segment_valid(const char *s, size_t len)
{
    if (len == 0 || len > CHART_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Whether `code` matches `pattern`, segment by segment. */
static bool chart_match(const char *pattern, const char *code)
{
    const char *p = pattern, *c = code;
    for (int seg = 0; seg < CHART_SEGMENTS_MAX + 1; seg++) {
        const char *pe = strchr(p, ':');
        const char *ce = strchr(c, ':');
        size_t plen = pe ? (size_t)(pe - p) : strlen(p);
        size_t clen = ce ? (size_t)(ce - c) : strlen(c);
        if (plen == 1 && p[0] == '*') {
            if (!id_segment_valid(c, clen))
                return false;
        } else if (plen != clen || memcmp(p, c, plen) != 0) {
            return false;
        }
        if ((pe == NULL) != (ce == NULL))
            return false;
        if (pe == NULL)
            return true;
        p = pe + 1;
        c = ce + 1;
    }
    return false;
}

int ledger_chart_classify(const char *code, ledger_account_type *type_out, uint32_t *flags_out)
{
    if (code == NULL || strlen(code) > LEDGER_CODE_MAX)
        return LEDGER_INVALID_ACCOUNT_CODE;
    for (size_t i = 0; i < sizeof chart_rules / sizeof chart_rules[0]; i++) {
        if (chart_match(chart_rules[i].pattern, code)) {
            if (type_out != NULL)
                *type_out = chart_rules[i].type;
            if (flags_out != NULL)
                *flags_out = chart_rules[i].flags;
            return LEDGER_OK;
        }
    }
    return LEDGER_INVALID_ACCOUNT_CODE;
}

bool acct_debit_normal(uint8_t type)
{
    return type == LEDGER_ASSET || type == LEDGER_EXPENSE;
}
