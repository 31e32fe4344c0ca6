/*
 * render.h — participants' printed statements: what one statement says
 * (statement_doc, read from the ledger by render_doc.c after the
 * statement was issued) and the two ways it is printed: PDF pages with a
 * QR code (render_pdf.c: cairo, pango, libqrencode) and plain text for
 * receipt printers (render_text.c).
 *
 * A statement_doc holds numbers and codes, not words: the renderers turn
 * them into the language chosen with i18n_init() (render_words.c). The
 * printed figures are the issued, signed ones: render_doc.c reads the
 * lines as of the statement's tree size and refuses to print anything
 * that differs from what was signed.
 *
 * Ownership: statement_doc_load() fills a caller-owned doc whose lines are
 * malloc'd; statement_doc_free() releases them. Renderers borrow docs.
 */
#ifndef CAURIS_CLI_RENDER_H
#define CAURIS_CLI_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/i18n.h"
#include "ledger/ledger.h"

#define STATEMENT_LINES_MAX 5000   /* lines of one account in one printed statement */
#define STATEMENT_WHY_MAX 512      /* bytes of a renderer's or loader's error */
#define STATEMENT_TEXT_WIDTH_80 42 /* columns of an 80 mm receipt printer (font A) */
#define STATEMENT_TEXT_WIDTH_58 32 /* columns of a 58 mm one */
#define STATEMENT_DIGEST_HEX 16    /* hex characters of the digest printed on receipts */

typedef enum statement_account_kind {
    STATEMENT_WALLET = 0,
    STATEMENT_CAPITAL = 1,
    STATEMENT_GRANT = 2,
} statement_account_kind;

_Static_assert(LEDGER_STATEMENT_ACCOUNTS == 3, "wallet, capital and grant");

typedef struct statement_line {
    uint64_t seq;
    uint32_t value_date;
    ledger_op op;
    ledger_kind kind;
    int64_t amount; /* > 0 money in, < 0 money out (the account's normal side) */
    int64_t balance_after;
    uint32_t ref_date; /* a reversal: value date of the entry it corrects (0 unknown) */
    char memo[LEDGER_MEMO_MAX + 1];
} statement_line;

typedef struct statement_account {
    statement_account_kind kind;
    char code[LEDGER_CODE_MAX + 1];
    int64_t opening, closing;
    bool locked; /* capital: locked (phase 1, or a hold) */
    bool held;   /* capital: a hold is on it */
    uint32_t lines_count;
    statement_line *lines; /* malloc'd, lines_count of them */
} statement_account;

typedef struct statement_doc {
    char programme[LEDGER_NAME_MAX + 1];
    char currency[LEDGER_CURRENCY_LEN + 1];
    int digits;
    char participant[LEDGER_PARTICIPANT_ID_MAX + 1];
    char name[LEDGER_PERSON_NAME_MAX + 1]; /* "" when erased */
    bool erased;
    uint8_t phase, unlock_phase;
    uint32_t date_from, date_to; /* the period (recorded days); 0 = open-ended */
    uint32_t printed_on;         /* today, UTC */
    uint64_t seq;                /* the statement leaf */
    uint8_t digest[LEDGER_HASH_BYTES];
    uint64_t as_of_size;
    char payload[LEDGER_STATEMENT_PAYLOAD_MAX]; /* the QR code's text */
    size_t payload_len;
    uint32_t accounts_count;
    statement_account accounts[LEDGER_STATEMENT_ACCOUNTS];
} statement_doc;

/* Reads what the statement `is` (just issued in `programme`) prints: the
 * participant (name decrypted), the currency, each account's lines of the
 * period as of is->as_of_size with their running balances, and the QR
 * payload. Checks the lines against the signed figures. 0, or -1 with a
 * reason in why[cap] (doc then holds nothing to free). */
int statement_doc_load(ledger *l, const char *programme, const ledger_issued_statement *is,
                       statement_doc *doc, char *why, size_t cap);
void statement_doc_free(statement_doc *doc);
/* The kind of a participant's account from its code's last part. */
statement_account_kind statement_kind_of_code(const char *code);

/* ---- words (render_words.c), in the language of i18n_init() ---- */

/* The title and one-line explanation of an account for the participant. */
const char *statement_account_title(const statement_account *a);
/* Writes the explanation into out (it may carry the unlock phase). */
void statement_account_note(char *out, size_t cap, const statement_doc *d,
                            const statement_account *a);
/* What a line means, in short, concrete words ("Salaire", "Cash received",
 * "Correction of a mistake (line of 12/11/2026)"). */
void statement_line_text(char *out, size_t cap, const statement_account *a,
                         const statement_line *ln);
/* "01/11/2026 to 30/11/2026", "since the start to ..." */
void statement_period_text(char *out, size_t cap, const statement_doc *d);
/* The participant's name, or "—" when erased. */
const char *statement_name_text(const statement_doc *d);
/* The digest's first STATEMENT_DIGEST_HEX hex characters. */
void statement_digest_hex(char out[STATEMENT_DIGEST_HEX + 1], const uint8_t *digest);

/* ---- PDF (render_pdf.c) ---- */

typedef enum statement_paper {
    STATEMENT_PAPER_A4 = 0,        /* 210 x 297 mm, a participant per page (or more) */
    STATEMENT_PAPER_RECEIPT80 = 1, /* 80 mm roll, 72 mm printed, one page each */
    STATEMENT_PAPER_RECEIPT58 = 2, /* 58 mm roll, 48 mm printed, one page each */
} statement_paper;

typedef struct statement_pdf statement_pdf;

/* Starts a PDF written to `out` (borrowed; the caller closes it after
 * statement_pdf_close()). 0, or -1 with a reason. */
int statement_pdf_open(statement_pdf **pdf, FILE *out, statement_paper paper, char *why,
                       size_t cap);
/* Adds one participant's statement: its page (A4: more pages when its lines
 * do not fit one, each with a short heading). *pages_out (may be NULL) gets
 * the pages added. 0, or -1 with a reason (the QR code could not be made,
 * cairo failed). */
int statement_pdf_add(statement_pdf *pdf, const statement_doc *d, unsigned *pages_out,
                      char *why, size_t cap);
/* Finishes the file and frees everything; 0, or -1 with a reason (a write
 * error). pdf may be NULL. */
int statement_pdf_close(statement_pdf *pdf, char *why, size_t cap);
/* Releases what cairo and fontconfig keep for the whole process (font
 * caches), so that leak checkers see nothing left: call once, at the end,
 * after every statement_pdf is closed. */
void statement_pdf_shutdown(void);

/* ---- plain text (render_text.c) ---- */

/* Writes the statement for a receipt printer `width` columns wide
 * (STATEMENT_TEXT_WIDTH_80 or _58): same content as the PDF, but instead
 * of the QR code the statement's seq and the digest's first 16 hex
 * characters, to check with `cauris verify-statement DIR --seq`. Counts
 * characters, not bytes: accents take one column. 0, or -1 on a write
 * error. */
int statement_render_text(FILE *out, const statement_doc *d, int width);

#endif /* CAURIS_CLI_RENDER_H */
