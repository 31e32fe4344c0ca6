/*
 * test_cli_statements.c — end-to-end tests of participants' printed
 * statements and their verification, through the real `cauris` binary.
 *
 * A ledger is built through the CLI (a capital rate, participants with
 * accented names enrolled from CSV, wages by days and by amount, a
 * payout, a reversal, an approved grant and a tranche of it); then, for
 * each language, a cohort's statements are printed as PDF and read back
 * the way a person or an auditor would meet them: the text (pdftotext)
 * with the figures in the language's number format and its words, every
 * page rendered (pdftoppm) and seen to be neither blank nor black, and the
 * QR code scanned (zbarimg) and checked with `cauris verify-statement`
 * online and offline, while a payload with one figure or one proof byte
 * changed is rejected. Receipt text keeps to its 42 (or 32) columns and
 * is checked by its number and check code; the receipt PDF renders.
 *
 * Needs poppler-utils and zbar-tools (installed by `make deps`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/run.h"

#define SH_COMMAND_MAX 2048
#define PGM_BYTES_MAX (64u << 20)

/* ---- the ledger, built once through the CLI ---- */

typedef struct fx {
    char root[256];   /* the temporary directory */
    char ledger[300]; /* root/ledger */
    char usd[300];    /* root/usd: a currency with cents */
} fx;

static fx g;

static const char *path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", g.root, name);
    return buf;
}

#define PEOPLE_HEADER                                                                          \
    "id,sex,birth_year,wg_ss,admin1,admin2,category,cohort,phase,cso,name,phone\n"

/* Aïssatou Diallô, Mamadou Bah (cohort 2026-A, cso1), Fanta Camará
 * (2026-B, cso2, phase 2). */
static const char people_csv[] = PEOPLE_HEADER
    "P1,f,1994,111111,Conakry,Ratoma,returned_migrant,2026-A,1,cso1,A\xc3\xafssatou "
    "Diall\xc3\xb4,\n"
    "P2,m,1988,,Kindia,Coyah,former_security_forces,2026-A,1,cso1,Mamadou Bah,\n"
    "P3,f,2001,112111,Conakry,Matoto,displaced_person,2026-B,2,cso2,Fanta Camar\xc3\xa1,\n";

static void post(const char *dir, const char *text, const char *principal)
{
    char path[400];
    path_in(path, sizeof path, "entries.jsonl");
    tr_file_write(path, text);
    free(tr_expect(0, "post", dir, path, "--partner", "mfi1", "--principal", principal, NULL));
}

static unsigned long long seq_after(const char *out, const char *prefix)
{
    const char *p = strstr(out, prefix);
    if (p == NULL)
        fprintf(stderr, "no '%s' in:\n%s\n", prefix, out);
    assert_non_null(p);
    return strtoull(p + strlen(prefix), NULL, 10);
}

static void ledger_build(const char *dir, const char *currency)
{
    char path[400];
    free(tr_expect(0, "init", dir, "--programme", "pilot", "--currency", currency,
                   "--capital-rate-bp", "1000", NULL));
    free(tr_expect(0, "account", "open", dir, "partner:mfi1:cash", NULL));
    path_in(path, sizeof path, "people.csv");
    tr_file_write(path, people_csv);
    free(tr_expect(0, "enroll", dir, path, "--partner", "cso1", "--principal", "enroller",
                   NULL));
}

/* P1: 5 days x 15000 (67500 wallet, 7500 capital), 7500 paid out, a wage
 * of 20000 reversed: wallet 60000, capital 7500. P2: 1234567 (1111111 and
 * 123456). P3: a grant of 300000 approved, 100000 of it paid: 200000. */
static void gnf_entries(const char *dir)
{
    char path[400], line[256];
    post(
        dir,
        "{\"client_id\":\"f1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
        "\"amount\":\"10000000\"}\n"
        "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"P1\",\"days\":5,"
        "\"daily_rate\":\"15000\",\"value_date\":\"2026-11-13\",\"memo\":\"semaine 46\"}\n"
        "{\"op\":\"wage\",\"wage_run\":\"w46\",\"participant\":\"P2\",\"amount\":\"1234567\","
        "\"value_date\":\"2026-11-13\"}\n"
        "{\"client_id\":\"pay-1\",\"op\":\"payout\",\"participant\":\"P1\",\"amount\":\"7500\","
        "\"value_date\":\"2026-11-14\"}\n",
        "alice");
    path_in(path, sizeof path, "entries.jsonl");
    tr_file_write(path, "{\"client_id\":\"w-twice\",\"op\":\"wage\",\"participant\":\"P1\","
                        "\"amount\":\"20000\",\"value_date\":\"2026-11-15\"}\n"
                        "{\"client_id\":\"grant-P3\",\"op\":\"grant_commit\","
                        "\"participant\":\"P3\",\"amount\":\"300000\","
                        "\"value_date\":\"2026-11-15\"}\n");
    char *out =
        tr_expect(0, "post", dir, path, "--partner", "mfi1", "--principal", "alice", NULL);
    unsigned long long twice = tr_seq_of_line(out, 1);
    unsigned long long grant = seq_after(out, "line 2: pending approval, seq ");
    free(out);
    char grant_text[32];
    snprintf(grant_text, sizeof grant_text, "%llu", grant);
    free(tr_expect(0, "approve", dir, grant_text, "--principal", "bob", NULL));
    snprintf(line, sizeof line,
             "{\"client_id\":\"rev-1\",\"kind\":\"reversal\",\"ref\":%llu,"
             "\"value_date\":\"2026-11-16\"}\n"
             "{\"client_id\":\"gd-1\",\"op\":\"grant_disburse\",\"participant\":\"P3\","
             "\"amount\":\"100000\",\"value_date\":\"2026-11-18\"}\n",
             twice);
    post(dir, line, "alice");
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g.root, sizeof g.root, "/tmp/cauris-stmt-XXXXXX");
    if (mkdtemp(g.root) == NULL)
        return -1;
    snprintf(g.ledger, sizeof g.ledger, "%s/ledger", g.root);
    snprintf(g.usd, sizeof g.usd, "%s/usd", g.root);
    unsetenv("CAURIS_PASSPHRASE");
    unsetenv("CAURIS_LOCALEDIR");
    ledger_build(g.ledger, "GNF");
    gnf_entries(g.ledger);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tr_remove_tree(g.root);
    return 0;
}

/* ---- other programs: poppler, zbar ---- */

/* Runs a shell command (stderr with stdout); asserts its exit status and
 * returns its output, which the caller frees. */
static char *sh(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sh(int status, const char *fmt, ...)
{
    char cmd[SH_COMMAND_MAX];
    va_list ap;
    va_start(ap, fmt);
    cmd[0] = '(';
    int n = vsnprintf(cmd + 1, sizeof cmd - 16, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd - 16);
    /* Around the command: its own redirections keep their stderr apart. */
    strcat(cmd, ") 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + used, 1, cap - used, p)) > 0) {
        used += r;
        if (used == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    buf[used] = '\0';
    int rc = pclose(p);
    int got = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
    if (got != status)
        fprintf(stderr, "%s: exit %d, expected %d; output:\n%s\n", cmd, got, status, buf);
    assert_int_equal(got, status);
    return buf;
}

/* Reads a binary PGM (P5, 8 bits) and checks that the page is neither
 * blank nor black: some dark pixels (text, the QR code), mostly light. */
static void assert_page_printed(const char *path)
{
    size_t len;
    char *b = tr_file_read(path, &len);
    unsigned w = 0, h = 0, max = 0;
    int used = 0;
    assert_true(len > 2 && b[0] == 'P' && b[1] == '5');
    assert_int_equal(sscanf(b + 2, " %u %u %u%n", &w, &h, &max, &used), 3);
    assert_int_equal(max, 255);
    size_t at = 2 + (size_t)used + 1, pixels = (size_t)w * h;
    assert_true(at + pixels <= len);
    size_t dark = 0, light = 0;
    for (size_t i = 0; i < pixels; i++) {
        unsigned char v = (unsigned char)b[at + i];
        dark += v < 128;
        light += v > 200;
    }
    if (dark * 200 < pixels || light * 2 < pixels)
        fprintf(stderr, "%s: %zu pixels, %zu dark, %zu light\n", path, pixels, dark, light);
    assert_true(dark * 200 >= pixels); /* at least 0.5 % ink */
    assert_true(light * 2 >= pixels);  /* and mostly paper */
    free(b);
}

/* Renders every page of a PDF in grey at 20 dpi; checks each one; returns
 * the number of pages. */
static unsigned pages_check(const char *pdf, const char *prefix)
{
    char path[512];
    free(sh(0, "pdftoppm -gray -r 20 '%s' '%s/%s'", pdf, g.root, prefix));
    unsigned n = 0;
    for (;;) {
        /* pdftoppm numbers pages 1, 2, ... with as many digits as the count needs. */
        FILE *f = NULL;
        for (int digits = 1; digits <= 3 && f == NULL; digits++) {
            snprintf(path, sizeof path, "%s/%s-%0*u.pgm", g.root, prefix, digits, n + 1);
            f = fopen(path, "rb");
        }
        if (f == NULL)
            break;
        fclose(f);
        assert_page_printed(path);
        remove(path);
        n++;
    }
    return n;
}

/* Scans the QR code of page `page` into root/<name>; returns its path. */
static const char *qr_scan(const char *pdf, unsigned page, const char *name, char *out,
                           size_t cap)
{
    char png[512];
    snprintf(png, sizeof png, "%s/qr-page", g.root);
    free(sh(0, "pdftoppm -r 150 -png -singlefile -f %u -l %u '%s' '%s'", page, page, pdf, png));
    path_in(out, cap, name);
    free(sh(0, "zbarimg --raw -q '%s.png' > '%s'", png, out));
    size_t len;
    char *payload = tr_file_read(out, &len);
    assert_true(strncmp(payload, "cauris-statement@v1\n", 20) == 0);
    free(payload);
    return out;
}

/* A copy of payload file `from` with the byte at `line` (0-based) and
 * offset `col` of that line changed. */
static const char *payload_tamper(const char *from, int line, size_t col, const char *name,
                                  char *out, size_t cap)
{
    size_t len;
    char *p = tr_file_read(from, &len);
    char *at = p;
    for (int i = 0; i < line; i++) {
        at = strchr(at, '\n');
        assert_non_null(at);
        at++;
    }
    assert_true(at + col < p + len && at[col] != '\n');
    at[col] = at[col] == 'A' ? 'B' : 'A';
    path_in(out, cap, name);
    tr_file_write(out, p);
    free(p);
    return out;
}

/* Base64 (RFC 4648, padded): enough to forge a statement leaf. */
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_decode(const char *in, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        const char *c = strchr(b64_alphabet, in[i]);
        assert_non_null(c);
        acc = (acc << 6) | (uint32_t)(c - b64_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static void b64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63u];
        out[o++] = b64_alphabet[(v >> 12) & 63u];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63u] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63u] : '=';
    }
    out[o] = '\0';
}

/* A copy of payload file `from` whose leaf says `forged` where it said
 * `amount` (a balance, a big-endian int64 in the leaf), the rest as it
 * was: the figures a forger would change. */
static const char *payload_forge(const char *from, int64_t amount, int64_t forged,
                                 const char *name, char *out, size_t cap)
{
    size_t len;
    char *p = tr_file_read(from, &len);
    char *leaf_b64 = strchr(p, '\n') + 1, *end = strchr(leaf_b64, '\n');
    assert_non_null(end);
    unsigned char leaf[4096], be[8], be_forged[8];
    size_t n = b64_decode(leaf_b64, (size_t)(end - leaf_b64), leaf);
    for (int i = 0; i < 8; i++) {
        be[i] = (unsigned char)((uint64_t)amount >> (56 - 8 * i));
        be_forged[i] = (unsigned char)((uint64_t)forged >> (56 - 8 * i));
    }
    unsigned char *at = NULL;
    for (size_t i = 0; i + 8 <= n && at == NULL; i++)
        if (memcmp(leaf + i, be, 8) == 0)
            at = leaf + i;
    assert_non_null(at);
    memcpy(at, be_forged, 8);
    char *text = malloc(len + 16);
    assert_non_null(text);
    size_t head = (size_t)(leaf_b64 - p);
    memcpy(text, p, head);
    b64_encode(leaf, n, text + head);
    strcat(text, end);
    path_in(out, cap, name);
    tr_file_write(out, text);
    free(text);
    free(p);
    return out;
}

/* ---- each language ---- */

typedef struct lang_case {
    const char *lang;
    const char *wallet_closing, *p2_wallet, *capital_closing; /* as pdftotext gives them */
    const char *words[6];
    const char *genuine, *rejected;
} lang_case;

static const lang_case cases[] = {
    {"fr",
     "60 000 GNF",
     "1 111 111 GNF",
     "7 500 GNF",
     {"Relev\xc3\xa9 de compte", "Salaire", "Retrait d'argent", "Correction d'une erreur",
      "Scannez pour v\xc3\xa9rifier ce relev\xc3\xa9", "Votre argent disponible"},
     "AUTHENTIQUE",
     "REJET\xc3\x89"},
    {"en",
     "GNF 60,000",
     "GNF 1,111,111",
     "GNF 7,500",
     {"Account statement", "Pay for your work", "Cash received", "Correction of a mistake",
      "Scan to check this statement", "Your money"},
     "GENUINE",
     "REJECTED"},
    {"pt",
     "60.000 GNF",
     "1.111.111 GNF",
     "7.500 GNF",
     {"Extrato de conta", "Sal\xc3\xa1rio", "Dinheiro levantado",
      "Corre\xc3\xa7\xc3\xa3o de um erro", "Digitalize para verificar este extrato",
      "O seu dinheiro dispon\xc3\xadvel"},
     "AUT\xc3\x8aNTICO",
     "REJEITADO"},
    {"es",
     "GNF 60,000",
     "GNF 1,111,111",
     "GNF 7,500",
     {"Estado de cuenta", "Pago por su trabajo", "Dinero retirado",
      "Correcci\xc3\xb3n de un error", "Escanee para verificar", "Su dinero disponible"},
     "AUT\xc3\x89NTICO",
     "RECHAZADO"},
};

static void language_check(const lang_case *c)
{
    char pdf[400], name[64], payload[400], bad[400], vkey[400];
    snprintf(name, sizeof name, "cohort-%s.pdf", c->lang);
    path_in(pdf, sizeof pdf, name);
    char *out = tr_expect(0, "statement", g.ledger, "--cohort", "2026-A", "--lang", c->lang,
                          "--format", "pdf", "--output", pdf, "--principal", "printer", NULL);
    tr_assert_contains(out, "issued 2 statements in pilot");
    tr_assert_contains(out, "2 pages");
    free(out);

    char *text = sh(0, "pdftotext -layout '%s' -", pdf);
    tr_assert_contains(text, "A\xc3\xafssatou Diall\xc3\xb4");
    tr_assert_contains(text, "Mamadou Bah");
    tr_assert_not_contains(text, "Fanta"); /* another cohort */
    tr_assert_contains(text, c->wallet_closing);
    tr_assert_contains(text, c->p2_wallet);
    tr_assert_contains(text, c->capital_closing);
    for (size_t i = 0; i < sizeof c->words / sizeof c->words[0]; i++)
        tr_assert_contains(text, c->words[i]);
    tr_assert_contains(text, "13/11/2026"); /* value dates, day first */
    tr_assert_contains(text, "semaine 46"); /* the memo */
    free(text);
    snprintf(name, sizeof name, "page-%s", c->lang);
    assert_int_equal(pages_check(pdf, name), 2);

    /* The QR code of P1's page, checked online and offline. */
    snprintf(name, sizeof name, "payload-%s.txt", c->lang);
    qr_scan(pdf, 1, name, payload, sizeof payload);
    out = tr_expect(0, "verify-statement", g.ledger, payload, "--lang", c->lang, NULL);
    tr_assert_contains(out, c->genuine);
    tr_assert_contains(out, "P1");
    tr_assert_contains(out, "participant:P1:wallet");
    free(out);
    path_in(vkey, sizeof vkey, "ledger/signing.pub");
    out = tr_expect(0, "verify-statement", "--vkey", vkey, payload, "--currency", "GNF",
                    "--lang", c->lang, NULL);
    tr_assert_contains(out, c->genuine);
    free(out);
    /* The wallet's closing balance changed in the leaf; a byte of the proof. */
    payload_forge(payload, 60000, 90000, "bad-leaf.txt", bad, sizeof bad);
    out = tr_expect(1, "verify-statement", g.ledger, bad, "--lang", c->lang, NULL);
    tr_assert_contains(out, c->rejected);
    tr_assert_not_contains(out, c->genuine);
    free(out);
    out = tr_expect(1, "verify-statement", "--vkey", vkey, bad, "--lang", c->lang, NULL);
    tr_assert_contains(out, c->rejected);
    free(out);
    payload_tamper(payload, 4, 10, "bad-proof.txt", bad, sizeof bad);
    out = tr_expect(1, "verify-statement", "--vkey", vkey, bad, "--lang", c->lang, NULL);
    tr_assert_contains(out, c->rejected);
    free(out);
}

static void test_pdf_fr(void **state)
{
    (void)state;
    language_check(&cases[0]);
}

static void test_pdf_en(void **state)
{
    (void)state;
    language_check(&cases[1]);
}

static void test_pdf_pt(void **state)
{
    (void)state;
    language_check(&cases[2]);
}

static void test_pdf_es(void **state)
{
    (void)state;
    language_check(&cases[3]);
}

/* ---- amounts with cents ---- */

static void test_cents_per_language(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *wallet, *capital;
    } want[] = {
        {"fr", "1 111,11 USD", "123,45 USD"},
        {"en", "USD 1,111.11", "USD 123.45"},
        {"pt", "1.111,11 USD", "123,45 USD"},
        {"es", "USD 1,111.11", "USD 123.45"},
    };
    ledger_build(g.usd, "USD");
    /* 1234.56: capital floor(123456 x 10 %) = 12345 cents. */
    post(g.usd,
         "{\"client_id\":\"f1\",\"op\":\"funding\",\"value_date\":\"2026-11-02\","
         "\"amount\":\"1000000\"}\n"
         "{\"client_id\":\"w1\",\"op\":\"wage\",\"participant\":\"P1\",\"amount\":\"123456\","
         "\"value_date\":\"2026-11-13\"}\n",
         "alice");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char pdf[400], name[64];
        snprintf(name, sizeof name, "usd-%s.pdf", want[i].lang);
        path_in(pdf, sizeof pdf, name);
        free(tr_expect(0, "statement", g.usd, "--participant", "P1", "--lang", want[i].lang,
                       "--output", pdf, "--principal", "printer", NULL));
        char *text = sh(0, "pdftotext -layout '%s' -", pdf);
        tr_assert_contains(text, want[i].wallet);
        tr_assert_contains(text, want[i].capital);
        free(text);
        char *out = tr_expect(0, "statement", g.usd, "--participant", "P1", "--lang",
                              want[i].lang, "--format", "text", "--principal", "printer", NULL);
        tr_assert_contains(out, want[i].wallet);
        free(out);
    }
}

/* ---- receipts ---- */

/* Every line of `text` holds at most `width` characters (not bytes). */
static void assert_columns(const char *text, size_t width)
{
    size_t col = 0, line = 1;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n') {
            col = 0;
            line++;
            continue;
        }
        if (((unsigned char)*p & 0xC0u) != 0x80u)
            col++;
        if (col > width)
            fprintf(stderr, "line %zu is wider than %zu columns:\n%s\n", line, width, text);
        assert_true(col <= width);
    }
}

static void test_text_receipt(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    int rc = tr_split(&out, &err, "statement", g.ledger, "--participant", "P1", "--format",
                      "text", "--principal", "printer", NULL);
    assert_int_equal(rc, 0);
    tr_assert_contains(err, "issued 1 statement in pilot");
    assert_columns(out, 42);
    tr_assert_contains(out, "Relev\xc3\xa9 de compte");
    tr_assert_contains(out, "A\xc3\xafssatou Diall\xc3\xb4\n");
    tr_assert_contains(out, "13/11/2026 Salaire\n");
    tr_assert_contains(out, "+67 500");
    tr_assert_contains(out, "-7 500");
    tr_assert_contains(out, "60 000 GNF\n");
    tr_assert_contains(out, "7 500 GNF\n");
    tr_assert_not_contains(out, "\xe2\x80\xaf"); /* plain spaces for the printer */
    /* The number and check code instead of a QR code. */
    unsigned long long seq = seq_after(out, "Relev\xc3\xa9 n\xc2\xb0 ");
    const char *dot = strstr(out, " \xc2\xb7 ");
    assert_non_null(dot);
    char hex[17], seq_text[32];
    memcpy(hex, dot + 4, 16);
    hex[16] = '\0';
    assert_int_equal(strspn(hex, "0123456789abcdef"), 16);
    snprintf(seq_text, sizeof seq_text, "%llu", seq);
    free(out);
    free(err);
    out = tr_expect(0, "verify-statement", g.ledger, "--seq", seq_text, "--digest", hex, NULL);
    tr_assert_contains(out, "AUTHENTIQUE");
    tr_assert_contains(out, "\xc3\xa0 la fin 60 000 GNF");
    tr_assert_contains(out, "4 op\xc3\xa9rations");
    free(out);
    hex[0] = hex[0] == '0' ? '1' : '0';
    out = tr_expect(1, "verify-statement", g.ledger, "--seq", seq_text, "--digest", hex,
                    "--lang", "en", NULL);
    tr_assert_contains(out, "REJECTED");
    tr_assert_contains(out, "the check code is not that of this statement");
    free(out);
    out = tr_expect(1, "verify-statement", g.ledger, "--seq", "1", "--lang", "en", NULL);
    tr_assert_contains(out, "there is no statement number 1 in this ledger");
    free(out);

    /* 58 mm: 32 columns; a cohort: one statement after the other. */
    rc = tr_split(&out, &err, "statement", g.ledger, "--cohort", "2026-A", "--format", "text",
                  "--paper", "receipt58", "--lang", "pt", "--principal", "printer", NULL);
    assert_int_equal(rc, 0);
    assert_columns(out, 32);
    assert_int_equal(tr_count_of(out, "Extrato de conta"), 2);
    tr_assert_contains(out, "1.111.111 GNF");
    free(out);
    free(err);
}

static void test_receipt_pdf(void **state)
{
    (void)state;
    char pdf[400], payload[400];
    path_in(pdf, sizeof pdf, "receipts.pdf");
    char *out = tr_expect(0, "statement", g.ledger, "--partner", "cso2", "--paper", "receipt80",
                          "--lang", "es", "--output", pdf, "--principal", "printer", NULL);
    tr_assert_contains(out, "issued 1 statement in pilot");
    free(out);
    char *info = sh(0, "pdfinfo '%s'", pdf);
    tr_assert_contains(info, "Pages:");
    assert_int_equal(strtol(strstr(info, "Pages:") + 6, NULL, 10), 1);
    tr_assert_contains(info, "226.77"); /* 80 mm wide */
    free(info);
    assert_int_equal(pages_check(pdf, "receipt"), 1);
    char *text = sh(0, "pdftotext -layout '%s' -", pdf);
    tr_assert_contains(text, "Fanta Camar\xc3\xa1");
    tr_assert_contains(text, "Subsidio aprobado");
    tr_assert_contains(text, "Subsidio pagado");
    tr_assert_contains(text, "GNF 200,000");
    free(text);
    qr_scan(pdf, 1, "receipt-payload.txt", payload, sizeof payload);
    /* Standard input, as a scanner app would pipe it. */
    size_t len;
    char *p = tr_file_read(payload, &len);
    const char *args[] = {"verify-statement", g.ledger, "-", "--lang", "es", NULL};
    out = tr_run_args(0, p, args);
    tr_assert_contains(out, "AUT\xc3\x89NTICO");
    tr_assert_contains(out, "GNF 200,000");
    free(out);
    free(p);
}

/* ---- what is refused, and what does not depend on the environment ---- */

static void test_usage_and_refusals(void **state)
{
    (void)state;
    char *out = tr_expect(0, "statement", "--help", NULL);
    tr_assert_contains(out, "--cohort");
    tr_assert_contains(out, "--lang LANG");
    free(out);
    out = tr_expect(0, "verify-statement", "--help", NULL);
    tr_assert_contains(out, "--vkey");
    free(out);
    out = tr_expect(2, "statement", g.ledger, "--cohort", "2026-A", NULL);
    tr_assert_contains(out, "--principal WHO is required");
    free(out);
    out = tr_expect(2, "statement", g.ledger, "--cohort", "2026-A", "--principal", "p",
                    "--lang", "de", NULL);
    tr_assert_contains(out, "--lang 'de' is not fr, en, pt or es");
    free(out);
    out = tr_expect(2, "statement", g.ledger, "--cohort", "2026-A", "--partner", "cso1",
                    "--principal", "p", NULL);
    tr_assert_contains(out, "give one of --participant ID, --cohort COHORT or --partner CSO");
    free(out);
    out = tr_expect(2, "statement", g.ledger, "--participant", "P1", "--principal", "p",
                    "--format", "text", "--paper", "a4", NULL);
    tr_assert_contains(out, "a4 goes with --format pdf");
    free(out);
    out = tr_expect(2, "verify-statement", "--vkey", "k", NULL);
    tr_assert_contains(out, "give one PAYLOAD_FILE");
    free(out);

    /* Nothing is issued for an unknown participant or an empty cohort. */
    char *before = tr_expect(0, "checkpoint", g.ledger, NULL);
    out = tr_expect(1, "statement", g.ledger, "--participant", "P1", "--participant", "P9",
                    "--principal", "p", "--format", "text", NULL);
    tr_assert_contains(out, "no participant P9 in programme pilot; nothing was issued");
    free(out);
    out = tr_expect(1, "statement", g.ledger, "--cohort", "2030-Z", "--principal", "p",
                    "--format", "text", NULL);
    tr_assert_contains(out, "no participant in cohort 2030-Z of programme pilot");
    free(out);
    char *after = tr_expect(0, "checkpoint", g.ledger, NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* The account form works as it did. */
    out = tr_expect(0, "statement", g.ledger, "participant:P1:wallet", NULL);
    tr_assert_contains(out, "closing balance: 60000 GNF");
    free(out);
    out = tr_expect(0, "statement", g.ledger, "--account", "participant:P1:capital", NULL);
    tr_assert_contains(out, "closing balance: 7500 GNF");
    free(out);

    /* No catalogue: refused, rather than a statement in the wrong language. */
    setenv("CAURIS_LOCALEDIR", "/nonexistent", 1);
    out = tr_expect(1, "statement", g.ledger, "--participant", "P1", "--principal", "p",
                    "--format", "text", "--lang", "pt", NULL);
    tr_assert_contains(out, "no 'pt' messages in /nonexistent/pt/LC_MESSAGES/cauris.mo");
    free(out);
    unsetenv("CAURIS_LOCALEDIR");
}

/* --lang decides, whatever LANG, LC_ALL and LANGUAGE say; numbers keep
 * the language's format. */
static void test_language_not_from_environment(void **state)
{
    (void)state;
    setenv("LANGUAGE", "de:es", 1);
    setenv("LC_ALL", "C", 1);
    setenv("LANG", "de_DE.UTF-8", 1);
    char *out = NULL, *err = NULL;
    int rc = tr_split(&out, &err, "statement", g.ledger, "--participant", "P1", "--format",
                      "text", "--lang", "en", "--principal", "printer", NULL);
    assert_int_equal(rc, 0);
    tr_assert_contains(out, "Account statement");
    tr_assert_contains(out, "GNF 60,000");
    free(out);
    free(err);
    setenv("LC_ALL", "C.UTF-8", 1);
    rc = tr_split(&out, &err, "statement", g.ledger, "--participant", "P1", "--format", "text",
                  "--principal", "printer", NULL);
    assert_int_equal(rc, 0);
    tr_assert_contains(out, "Relev\xc3\xa9 de compte"); /* the default, French */
    tr_assert_contains(out, "60 000 GNF");
    free(out);
    free(err);
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LANG");
}

/* An erased participant's statement carries no name. Runs on the USD
 * ledger that test_cents_per_language built. */
static void test_erased_name(void **state)
{
    (void)state;
    free(tr_expect(0, "participant", "erase", g.usd, "P2", "--principal", "alice", "--yes",
                   NULL));
    char *out = NULL, *err = NULL;
    int rc = tr_split(&out, &err, "statement", g.usd, "--participant", "P2", "--format", "text",
                      "--principal", "printer", NULL);
    assert_int_equal(rc, 0);
    tr_assert_contains(out, "\n\xe2\x80\x94\n"); /* "—" where the name was */
    tr_assert_not_contains(out, "Mamadou");
    tr_assert_contains(out, "Num\xc3\xa9ro : P2");
    free(out);
    free(err);
    out = tr_expect(0, "verify", g.usd, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
    out = tr_expect(0, "verify", g.ledger, NULL);
    tr_assert_contains(out, "verify: ok\n");
    free(out);
}

int main(void)
{
    if (tr_init("test_cli_statements") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_fr),
        cmocka_unit_test(test_pdf_en),
        cmocka_unit_test(test_pdf_pt),
        cmocka_unit_test(test_pdf_es),
        cmocka_unit_test(test_cents_per_language),
        cmocka_unit_test(test_text_receipt),
        cmocka_unit_test(test_receipt_pdf),
        cmocka_unit_test(test_usage_and_refusals),
        cmocka_unit_test(test_language_not_from_environment),
        cmocka_unit_test(test_erased_name),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
