/*
 * i18n.h — the language of printed statements and of verify-statement:
 * the gettext catalogues (po/LANG.po, compiled by the Makefile into
 * <build>/locale/<lang>/LC_MESSAGES/cauris.mo) chosen by --lang alone,
 * never by the environment, and how each language writes amounts and
 * dates on paper.
 *
 * Only the thread's LC_MESSAGES is switched, and only inside i18n_tr():
 * numbers, strerror() and every other message of the CLI stay in the "C"
 * locale whatever the environment says.
 */
#ifndef CAURIS_CLI_I18N_H
#define CAURIS_CLI_I18N_H

#include <stddef.h>
#include <stdint.h>

typedef enum i18n_lang {
    I18N_FR = 0, /* the default: Guinea, Mali, Chad */
    I18N_EN = 1,
    I18N_PT = 2, /* Mozambique, Guinea-Bissau */
    I18N_ES = 3, /* El Salvador */
    I18N_LANG_COUNT = 4,
} i18n_lang;

#define I18N_LANG_DEFAULT I18N_FR
#define I18N_DOMAIN "cauris"
#define I18N_LANGS_TEXT "fr, en, pt or es"
#define I18N_DIR_MAX 4096       /* bytes of the catalogue directory's path */
#define I18N_AMOUNT_TEXT_MAX 64 /* "-9 223 372 036 854 775 807 GNF" with U+202F, and a NUL */
#define I18N_DATE_TEXT_MAX 11   /* "30/11/2026" and a NUL */
#define I18N_WHY_MAX 512        /* bytes of an i18n_init() reason */

/* "fr", "en", "pt", "es" -> the language; 0, or -1 for anything else. */
int i18n_lang_parse(const char *text, i18n_lang *out);
/* The language's code, "fr" ... */
const char *i18n_lang_code(i18n_lang lang);
/* The language chosen by i18n_init() (I18N_LANG_DEFAULT before). */
i18n_lang i18n_lang_current(void);

/* Binds the "cauris" catalogues and chooses `lang` for this process. The
 * catalogue directory is $CAURIS_LOCALEDIR when set, else "locale" beside
 * the executable (or beside its parent directory: build/bench, build/tests),
 * else the compiled-in CAURIS_LOCALEDIR_DEFAULT. Checks that the
 * language's catalogue is really there (its "language-code" message).
 * One language per process: gettext caches translations per locale name,
 * so a second call with another language fails. 0, or -1 with a reason a
 * person can act on in why[cap]. */
int i18n_init(i18n_lang lang, char *why, size_t cap);

/* The translation of `msgid` in the chosen language (msgid itself before
 * i18n_init() or when the catalogue lacks it). Never NULL. */
const char *i18n_tr(const char *msgid) __attribute__((format_arg(1)));
/* ngettext: the singular or plural form for n. */
const char *i18n_ntr(const char *singular, const char *plural, unsigned long n)
    __attribute__((format_arg(1))) __attribute__((format_arg(2)));

#define _(msgid) i18n_tr(msgid)
#define N_(msgid) (msgid) /* marks a string for xgettext; translated later */

/* Amounts as each language writes them (integer arithmetic only):
 *   fr  1 234 567 GNF   1 234,56 USD  (U+202F between groups, U+00A0 before
 *                                       the currency; plain spaces with ASCII)
 *   en  GNF 1,234,567   USD 1,234.56
 *   pt  1.234.567 GNF   1.234,56 MZN
 *   es  GNF 1,234,567   USD 1,234.56  (El Salvador and Central America)
 * `currency` NULL leaves the code out. Flags: */
#define I18N_AMOUNT_SIGN 0x1u  /* "+" before a positive amount ("-" is always there) */
#define I18N_AMOUNT_ASCII 0x2u /* plain spaces only: receipt printers */
void i18n_amount_format(char *out, size_t cap, i18n_lang lang, int64_t minor, int digits,
                        const char *currency, unsigned flags);

/* 20261130 -> "30/11/2026": day first, as in all six countries. "" for 0. */
void i18n_date_format(char out[I18N_DATE_TEXT_MAX], uint32_t yyyymmdd);

#endif /* CAURIS_CLI_I18N_H */
