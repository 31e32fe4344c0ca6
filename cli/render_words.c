/*
 * render_words.c — the words of a printed statement, shared by the PDF
 * and the receipt text: account titles and what each line means, written
 * for people who read little: short, concrete, no accounting terms. The
 * English text is the msgid; po/<lang>.po holds the other languages.
 */
#include "cli/render.h"

#include <stdio.h>
#include <string.h>

const char *statement_account_title(const statement_account *a)
{
    switch (a->kind) {
    case STATEMENT_WALLET:
        return _("Your money");
    case STATEMENT_CAPITAL:
        return _("Your savings for your activity");
    case STATEMENT_GRANT:
        return _("Your grant");
    }
    return a->code;
}

void statement_account_note(char *out, size_t cap, const statement_doc *d,
                            const statement_account *a)
{
    switch (a->kind) {
    case STATEMENT_WALLET:
        snprintf(out, cap, "%s", _("Money you can withdraw."));
        return;
    case STATEMENT_CAPITAL:
        if (a->held)
            snprintf(out, cap, "%s", _("Locked for now: ask your programme officer why."));
        else if (a->locked)
            snprintf(out, cap, _("Locked until phase %u of the programme."),
                     (unsigned)d->unlock_phase);
        else
            snprintf(out, cap, "%s", _("Unlocked: you can ask for it."));
        return;
    case STATEMENT_GRANT:
        snprintf(out, cap, "%s", _("Grant approved for you, not yet paid."));
        return;
    }
    out[0] = '\0';
}

/* What an operation means on each kind of account, money in or out. */
static const char *op_text(statement_account_kind k, ledger_op op, bool in)
{
    switch (op) {
    case LEDGER_OP_WAGE:
        return k == STATEMENT_CAPITAL ? _("Savings kept from your pay")
                                      : _("Pay for your work");
    case LEDGER_OP_PAYOUT:
        return _("Cash received");
    case LEDGER_OP_CAPITAL_RELEASE:
        return k == STATEMENT_CAPITAL ? _("Savings moved to your money")
                                      : _("Your savings, now yours to use");
    case LEDGER_OP_GRANT_COMMIT:
        return _("Grant approved");
    case LEDGER_OP_GRANT_DISBURSE:
        return _("Grant paid to you");
    case LEDGER_OP_SHARE_PURCHASE:
        return _("Shares in your savings group");
    case LEDGER_OP_TRANSFER:
        return in ? _("Money added by the programme") : _("Money taken by the programme");
    case LEDGER_OP_FUNDING:
    case LEDGER_OP_SOCIAL_FUND:
    case LEDGER_OP_GROUP_LOAN:
    case LEDGER_OP_LOAN_REPAYMENT:
    case LEDGER_OP_SHARE_OUT:
        break;
    }
    return in ? _("Money in") : _("Money out");
}

void statement_line_text(char *out, size_t cap, const statement_account *a,
                         const statement_line *ln)
{
    if (ln->kind == LEDGER_KIND_REVERSAL) {
        char date[I18N_DATE_TEXT_MAX];
        i18n_date_format(date, ln->ref_date);
        if (ln->ref_date != 0)
            /* TRANSLATORS: a line that cancels an earlier one, dated %s. */
            snprintf(out, cap, _("Correction of a mistake (line of %s)"), date);
        else
            snprintf(out, cap, "%s", _("Correction of a mistake"));
        return;
    }
    snprintf(out, cap, "%s", op_text(a->kind, ln->op, ln->amount > 0));
}

void statement_period_text(char *out, size_t cap, const statement_doc *d)
{
    char from[I18N_DATE_TEXT_MAX], to[I18N_DATE_TEXT_MAX];
    i18n_date_format(from, d->date_from);
    /* Open-ended: the figures run to the day it was printed. */
    i18n_date_format(to, d->date_to ? d->date_to : d->printed_on);
    if (d->date_from == 0)
        /* TRANSLATORS: a period; %s is a date, 30/11/2026. */
        snprintf(out, cap, _("from the start to %s"), to);
    else
        /* TRANSLATORS: a period between two dates, 01/11/2026 and 30/11/2026. */
        snprintf(out, cap, _("%s to %s"), from, to);
}

const char *statement_name_text(const statement_doc *d)
{
    return d->erased || d->name[0] == '\0' ? "\xe2\x80\x94" : d->name; /* "—" */
}

void statement_digest_hex(char out[STATEMENT_DIGEST_HEX + 1], const uint8_t *digest)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < STATEMENT_DIGEST_HEX / 2; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15u];
    }
    out[STATEMENT_DIGEST_HEX] = '\0';
}
