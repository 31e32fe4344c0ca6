/*
 * render_doc.c — what a participant's printed statement says, read from
 * the ledger right after it was issued: the participant (name decrypted),
 * the programme's currency, each account's lines of the period with their
 * running balances, and the QR payload.
 *
 * The lines are read as of the statement's tree size, so entries posted
 * while the batch prints (the server may be running) never slip onto the
 * paper; and they must add up to the signed figures (opening, closing,
 * number of lines) or nothing is printed.
 */
#include "cli/cli.h"
#include "cli/render.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

statement_account_kind statement_kind_of_code(const char *code)
{
    size_t n = strlen(code);
    if (n >= 8 && strcmp(code + n - 8, ":capital") == 0)
        return STATEMENT_CAPITAL;
    if (n >= 6 && strcmp(code + n - 6, ":grant") == 0)
        return STATEMENT_GRANT;
    return STATEMENT_WALLET;
}

/* Control characters (a line end in a memo) would break the layout of a
 * page or a receipt: each becomes a space. */
static void text_clean(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20u || *s == 0x7f)
            *s = ' ';
}

/* The value date of the entry a reversal corrects; 0 when unknown. */
static uint32_t reversed_date(ledger *l, uint64_t seq)
{
    static ledger_entry e; /* ~3 KiB: off the stack; the CLI is one thread */
    if (ledger_entry_get(l, seq, &e) != LEDGER_OK || e.ref == LEDGER_SEQ_NONE)
        return 0;
    uint64_t ref = e.ref;
    if (ledger_entry_get(l, ref, &e) != LEDGER_OK)
        return 0;
    return e.value_date;
}

/* Reads one account's lines of the period as of the statement's size. */
static int account_load(ledger *l, const char *programme, const ledger_issued_statement *is,
                        const ledger_statement_figures *f, statement_account *a, char *why,
                        size_t cap)
{
    ledger_account_info info;
    int err = ledger_account_get(l, programme, f->account, &info);
    if (err != LEDGER_OK) {
        snprintf(why, cap, "%s: %s", f->account, ledger_strerror(err));
        return -1;
    }
    if (f->lines > STATEMENT_LINES_MAX) {
        snprintf(why, cap,
                 "%s has %llu lines in the period, more than the %d a printed statement "
                 "holds: print a shorter period (--from, --to)",
                 f->account, (unsigned long long)f->lines, STATEMENT_LINES_MAX);
        return -1;
    }
    snprintf(a->code, sizeof a->code, "%s", f->account);
    a->kind = statement_kind_of_code(f->account);
    a->locked = (info.flags & LEDGER_FLAG_LOCKED) != 0;
    a->opening = f->opening;
    a->closing = f->closing;
    bool normal_credit = info.type == LEDGER_LIABILITY || info.type == LEDGER_EQUITY ||
                         info.type == LEDGER_INCOME;
    a->lines = calloc(f->lines ? f->lines : 1, sizeof *a->lines);
    ledger_line *page = calloc(LEDGER_PAGE_MAX, sizeof *page);
    if (a->lines == NULL || page == NULL) {
        free(page);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    ledger_statement_query q = {programme,   f->account, is->date_from,
                                is->date_to, 0,          LEDGER_PAGE_MAX};
    ledger_statement st;
    int64_t balance = f->opening;
    bool first = true, past = false;
    int rc = 0;
    do {
        err = ledger_statement_get(l, &q, page, &st);
        if (err != LEDGER_OK) {
            snprintf(why, cap, "%s: %s", f->account, ledger_strerror(err));
            rc = -1;
            break;
        }
        if (first && st.opening_balance != f->opening) {
            snprintf(why, cap, "%s: the opening balance read differs from the signed one",
                     f->account);
            rc = -1;
            break;
        }
        first = false;
        for (uint32_t i = 0; i < st.lines_count && !past; i++) {
            const ledger_line *ln = &page[i];
            if (ln->seq >= is->as_of_size) {
                past = true; /* posted after the statement was issued */
                break;
            }
            if (a->lines_count >= f->lines) {
                snprintf(why, cap, "%s: more lines than the signed statement counts",
                         f->account);
                rc = -1;
                break;
            }
            statement_line *o = &a->lines[a->lines_count++];
            bool in = (ln->side == LEDGER_CREDIT) == normal_credit;
            o->seq = ln->seq;
            o->value_date = ln->value_date;
            o->op = ln->op;
            o->kind = ln->kind;
            o->amount = in ? ln->amount : -ln->amount;
            o->balance_after = ln->balance_after;
            o->ref_date = ln->kind == LEDGER_KIND_REVERSAL ? reversed_date(l, ln->seq) : 0;
            snprintf(o->memo, sizeof o->memo, "%s", ln->memo);
            text_clean(o->memo);
            balance = ln->balance_after;
        }
        q.page_token = st.next_page_token;
    } while (rc == 0 && !past && q.page_token != 0);
    free(page);
    if (rc == 0 && (a->lines_count != f->lines || balance != f->closing)) {
        snprintf(why, cap,
                 "%s: the lines read (%u, closing %lld) differ from the signed statement "
                 "(%llu, closing %lld)",
                 f->account, a->lines_count, (long long)balance, (unsigned long long)f->lines,
                 (long long)f->closing);
        rc = -1;
    }
    return rc;
}

int statement_doc_load(ledger *l, const char *programme, const ledger_issued_statement *is,
                       statement_doc *doc, char *why, size_t cap)
{
    ledger_programme_info prog;
    ledger_participant p;
    ledger_settings settings;
    assert(is->accounts_count <= LEDGER_STATEMENT_ACCOUNTS);
    memset(doc, 0, sizeof *doc);
    int err = ledger_programme_get(l, programme, &prog);
    if (err == LEDGER_OK)
        err = ledger_settings_get(l, programme, &settings);
    if (err != LEDGER_OK) {
        snprintf(why, cap, "programme %s: %s", programme, ledger_strerror(err));
        return -1;
    }
    err = ledger_participant_get(l, programme, is->participant, true, &p);
    if (err != LEDGER_OK) {
        snprintf(why, cap, "participant %s: %s", is->participant, ledger_strerror(err));
        return -1;
    }
    snprintf(doc->programme, sizeof doc->programme, "%s", prog.name);
    snprintf(doc->currency, sizeof doc->currency, "%s", prog.currency);
    doc->digits = prog.digits;
    snprintf(doc->participant, sizeof doc->participant, "%s", p.id);
    doc->erased = p.erased;
    if (!p.erased)
        snprintf(doc->name, sizeof doc->name, "%s", p.name);
    text_clean(doc->name);
    doc->phase = p.phase;
    doc->unlock_phase = settings.unlock_phase;
    doc->date_from = is->date_from;
    doc->date_to = is->date_to;
    doc->printed_on = ledger_date_of_time((int64_t)time(NULL));
    doc->seq = is->seq;
    memcpy(doc->digest, is->digest, sizeof doc->digest);
    doc->as_of_size = is->as_of_size;
    for (uint32_t i = 0; i < is->accounts_count; i++) {
        if (account_load(l, programme, is, &is->accounts[i], &doc->accounts[i], why, cap) !=
            0) {
            statement_doc_free(doc);
            return -1;
        }
        doc->accounts[i].held = doc->accounts[i].kind == STATEMENT_CAPITAL && p.hold[0];
        doc->accounts_count = i + 1;
    }
    err = ledger_statement_payload(l, is->seq, doc->payload, sizeof doc->payload,
                                   &doc->payload_len);
    if (err != LEDGER_OK) {
        snprintf(why, cap, "the QR payload of statement %llu: %s", (unsigned long long)is->seq,
                 ledger_strerror(err));
        statement_doc_free(doc);
        return -1;
    }
    return 0;
}

void statement_doc_free(statement_doc *doc)
{
    for (size_t i = 0; i < LEDGER_STATEMENT_ACCOUNTS; i++) {
        free(doc->accounts[i].lines);
        doc->accounts[i].lines = NULL;
        doc->accounts[i].lines_count = 0;
    }
}
