/*
 * i18n.c — gettext for the statements' words, chosen by --lang and never
 * by the environment, and each language's way of writing amounts and
 * dates.
 *
 * How the language is chosen without touching the process's locale:
 * glibc's gettext takes the language list from $LANGUAGE unless the
 * LC_MESSAGES locale is "C" or "POSIX". So this file sets LANGUAGE to the
 * --lang code, builds a locale object whose LC_MESSAGES is "C.UTF-8"
 * (every other category stays "C") and makes it the thread's locale only
 * for the duration of each dgettext() call. The global locale stays "C":
 * printf's numbers, strerror() and the CLI's other messages are never
 * translated behind its back. C.UTF-8 ships with Debian's libc-bin, so
 * this works where no other locale is installed (CI).
 *
 * Must never: call setlocale(), or let a missing catalogue pass silently
 * (a participant would get a statement in the wrong language).
 */
#include "cli/i18n.h"
#include "cli/cli.h"

#include <assert.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CAURIS_LOCALEDIR_DEFAULT
#define CAURIS_LOCALEDIR_DEFAULT "/usr/local/share/locale"
#endif

static const char *const lang_codes[I18N_LANG_COUNT] = {"fr", "en", "pt", "es"};

static struct {
    bool ready;
    i18n_lang lang;
    locale_t messages; /* LC_MESSAGES C.UTF-8, the rest "C" */
} state = {false, I18N_LANG_DEFAULT, (locale_t)0};

int i18n_lang_parse(const char *text, i18n_lang *out)
{
    for (int i = 0; text != NULL && i < I18N_LANG_COUNT; i++) {
        if (strcmp(text, lang_codes[i]) == 0) {
            *out = (i18n_lang)i;
            return 0;
        }
    }
    return -1;
}

const char *i18n_lang_code(i18n_lang lang)
{
    assert(lang >= 0 && lang < I18N_LANG_COUNT);
    return lang_codes[lang];
}

i18n_lang i18n_lang_current(void)
{
    return state.lang;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the catalogues are: see i18n.h. Writes the directory to out. */
static void localedir_find(char out[I18N_DIR_MAX])
{
    const char *env = getenv("CAURIS_LOCALEDIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, I18N_DIR_MAX, "%s", env);
        return;
    }
    char exe[I18N_DIR_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            char dir[I18N_DIR_MAX + 16];
            snprintf(dir, sizeof dir, "%s/locale", exe);
            if (strlen(dir) < I18N_DIR_MAX && is_dir(dir)) {
                snprintf(out, I18N_DIR_MAX, "%s", dir);
                return;
            }
            /* build/bench/x and build/tests/x find build/locale. */
            snprintf(dir, sizeof dir, "%s/../locale", exe);
            if (strlen(dir) < I18N_DIR_MAX && is_dir(dir)) {
                snprintf(out, I18N_DIR_MAX, "%s", dir);
                return;
            }
        }
    }
    snprintf(out, I18N_DIR_MAX, "%s", CAURIS_LOCALEDIR_DEFAULT);
}

/* A locale whose LC_MESSAGES is not "C", so that gettext reads LANGUAGE. */
static locale_t messages_locale_new(void)
{
    static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        locale_t l = newlocale(LC_MESSAGES_MASK, names[i], (locale_t)0);
        if (l != (locale_t)0)
            return l;
    }
    return (locale_t)0;
}

int i18n_init(i18n_lang lang, char *why, size_t cap)
{
    char dir[I18N_DIR_MAX];
    assert(lang >= 0 && lang < I18N_LANG_COUNT);
    if (state.ready) {
        if (lang == state.lang)
            return 0;
        snprintf(why, cap, "one language per process: %s was chosen already",
                 lang_codes[state.lang]);
        return -1;
    }
    localedir_find(dir);
    if (bindtextdomain(I18N_DOMAIN, dir) == NULL ||
        bind_textdomain_codeset(I18N_DOMAIN, "UTF-8") == NULL) {
        snprintf(why, cap, "cannot bind the message catalogues in %s (out of memory?)", dir);
        return -1;
    }
    if (setenv("LANGUAGE", lang_codes[lang], 1) != 0) {
        snprintf(why, cap, "cannot set LANGUAGE (out of memory?)");
        return -1;
    }
    state.messages = messages_locale_new();
    if (state.messages == (locale_t)0) {
        snprintf(why, cap,
                 "no C.UTF-8 locale on this system: install Debian's libc-bin (or "
                 "locales with en_US.UTF-8) to print statements in another language");
        return -1;
    }
    state.lang = lang;
    state.ready = true;
    /* TRANSLATORS: not words: the code of your language (fr, en, pt, es).
       cauris checks it to know that this catalogue was found. */
    const char *code = _("language-code");
    if (strcmp(code, lang_codes[lang]) != 0) {
        snprintf(why, cap,
                 "no '%s' messages in %s/%s/LC_MESSAGES/%s.mo: run make (it compiles po/ "
                 "into build/locale) or set CAURIS_LOCALEDIR to the directory holding them",
                 lang_codes[lang], dir, lang_codes[lang], I18N_DOMAIN);
        freelocale(state.messages);
        state.messages = (locale_t)0;
        state.ready = false;
        return -1;
    }
    return 0;
}

const char *i18n_tr(const char *msgid)
{
    if (!state.ready)
        return msgid;
    locale_t old = uselocale(state.messages);
    const char *s = dgettext(I18N_DOMAIN, msgid);
    uselocale(old);
    return s != NULL ? s : msgid;
}

const char *i18n_ntr(const char *singular, const char *plural, unsigned long n)
{
    if (!state.ready)
        return n == 1 ? singular : plural;
    locale_t old = uselocale(state.messages);
    const char *s = dngettext(I18N_DOMAIN, singular, plural, n);
    uselocale(old);
    return s != NULL ? s : (n == 1 ? singular : plural);
}

/* ---- amounts and dates ---- */

typedef struct amount_style {
    const char *group, *group_ascii; /* between groups of three digits */
    char decimal;
    bool currency_first;
    const char *space, *space_ascii; /* between the number and the currency */
} amount_style;

static const amount_style styles[I18N_LANG_COUNT] = {
    [I18N_FR] = {"\xe2\x80\xaf", " ", ',', false, "\xc2\xa0", " "},
    [I18N_EN] = {",", ",", '.', true, "\xc2\xa0", " "},
    [I18N_PT] = {".", ".", ',', false, "\xc2\xa0", " "},
    [I18N_ES] = {",", ",", '.', true, "\xc2\xa0", " "},
};

void i18n_amount_format(char *out, size_t cap, i18n_lang lang, int64_t minor, int digits,
                        const char *currency, unsigned flags)
{
    char plain[CLI_AMOUNT_TEXT_MAX], num[I18N_AMOUNT_TEXT_MAX];
    assert(lang >= 0 && lang < I18N_LANG_COUNT);
    const amount_style *st = &styles[lang];
    bool ascii = (flags & I18N_AMOUNT_ASCII) != 0;
    const char *group = ascii ? st->group_ascii : st->group;
    const char *space = ascii ? st->space_ascii : st->space;
    cli_amount_format(plain, sizeof plain, minor, digits); /* "-1234567.89" */
    const char *p = plain[0] == '-' ? plain + 1 : plain;
    size_t int_len = strcspn(p, ".");
    size_t n = 0;
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            n += (size_t)snprintf(num + n, sizeof num - n, "%s", group);
        if (n + 1 < sizeof num)
            num[n++] = p[i];
    }
    if (p[int_len] == '.' && n + 1 < sizeof num) {
        num[n++] = st->decimal;
        n += (size_t)snprintf(num + n, sizeof num - n, "%s", p + int_len + 1);
    }
    num[n < sizeof num ? n : sizeof num - 1] = '\0';
    const char *sign = minor < 0 ? "-" : (flags & I18N_AMOUNT_SIGN) ? "+" : "";
    if (currency == NULL)
        snprintf(out, cap, "%s%s", sign, num);
    else if (st->currency_first)
        snprintf(out, cap, "%s%s%s%s", sign, currency, space, num);
    else
        snprintf(out, cap, "%s%s%s%s", sign, num, space, currency);
}

void i18n_date_format(char out[I18N_DATE_TEXT_MAX], uint32_t yyyymmdd)
{
    if (yyyymmdd == 0) {
        out[0] = '\0';
        return;
    }
    snprintf(out, I18N_DATE_TEXT_MAX, "%02u/%02u/%04u", yyyymmdd % 100u,
             (yyyymmdd / 100u) % 100u, (yyyymmdd / 10000u) % 10000u);
}
