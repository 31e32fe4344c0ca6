/*
 * test_token.c — the RPC access tokens (ledger/token.c): creating, checking,
 * listing and revoking them; every malformed or wrong token gets the one
 * code LEDGER_TOKEN_INVALID; role names; refusals that write nothing; only
 * a hash of the secret reaches the file; read-only handles; tokens written
 * by another process and by another thread while entries are posted; the
 * count limit; the format version that brought the "tokens" database.
 */
#include "tests/util.h"

#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOKEN_LEN 67 /* "cauris_" + 16 hex + "_" + 43 base64url */
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

typedef char token_text[LEDGER_TOKEN_TEXT_MAX + 1];

static int setup(void **state)
{
    tl *t = calloc(1, sizeof *t);
    tl_setup(t, "GNF", 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tl *t = *state;
    tl_teardown(t);
    free(t);
    return 0;
}

static void create_ok(tl *t, const char *partner, const char *name, uint32_t roles,
                      token_text tok, ledger_token_info *info)
{
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, partner, name, roles, tok, info),
                     LEDGER_OK);
}

static void assert_info_equal(const ledger_token_info *a, const ledger_token_info *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->partner, b->partner);
    assert_string_equal(a->programme, b->programme);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->roles, b->roles);
    assert_int_equal(a->created_at, b->created_at);
    assert_int_equal(a->revoked_at, b->revoked_at);
}

static int check(tl *t, const char *tok, size_t len)
{
    ledger_token_info info, sentinel;
    memset(&info, 0x5a, sizeof info);
    memcpy(&sentinel, &info, sizeof info);
    int err = ledger_token_check(t->l, tok, len, &info);
    if (err != LEDGER_OK) /* out-pointers are written only on success */
        assert_memory_equal(&info, &sentinel, sizeof info);
    return err;
}

static size_t token_count(ledger *l)
{
    static ledger_token_info list[64];
    size_t n = 0;
    assert_int_equal(ledger_token_list(l, list, 64, &n), LEDGER_OK);
    return n;
}

static void test_create_check_list_revoke(void **state)
{
    tl *t = *state;
    token_text tok1, tok2;
    ledger_token_info i1, i2, got, list[4];
    uint64_t tree_size = tl_tree_size(t);

    create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST | LEDGER_ROLE_READ, tok1, &i1);
    assert_int_equal(strlen(tok1), TOKEN_LEN);
    assert_memory_equal(tok1, "cauris_", 7);
    assert_int_equal(strlen(i1.id), LEDGER_TOKEN_ID_LEN);
    assert_int_equal(strspn(i1.id, "0123456789abcdef"), LEDGER_TOKEN_ID_LEN);
    assert_memory_equal(tok1 + 7, i1.id, LEDGER_TOKEN_ID_LEN);
    assert_int_equal(tok1[23], '_');
    assert_int_equal(strspn(tok1 + 24, B64URL), 43);
    assert_string_equal(i1.partner, "mfi1");
    assert_string_equal(i1.programme, T_PROGRAMME);
    char name[64];
    snprintf(name, sizeof name, "token-%s", i1.id);
    assert_string_equal(i1.name, name);
    assert_int_equal(i1.roles, LEDGER_ROLE_POST | LEDGER_ROLE_READ);
    assert_int_equal(i1.created_at, t->now);
    assert_int_equal(i1.revoked_at, 0);

    assert_int_equal(ledger_token_check(t->l, tok1, strlen(tok1), &got), LEDGER_OK);
    assert_info_equal(&got, &i1);
    assert_int_equal(ledger_token_check(t->l, tok1, strlen(tok1), NULL), LEDGER_OK);

    t->now += 60;
    create_ok(t, "mfi2", "Aïssatou (field office)", LEDGER_ROLE_ADMIN, tok2, &i2);
    assert_string_equal(i2.name, "Aïssatou (field office)");
    assert_int_equal(i2.created_at, t->now);
    assert_string_not_equal(i1.id, i2.id);
    assert_string_not_equal(tok1 + 24, tok2 + 24);
    assert_int_equal(check(t, tok2, strlen(tok2)), LEDGER_OK);

    /* Tokens are not leaves: the journal did not move. */
    assert_int_equal(tl_tree_size(t), tree_size);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t->l, NULL, &vr), LEDGER_OK);

    /* In id order; a short list takes the first. */
    size_t n = 99;
    assert_int_equal(ledger_token_list(t->l, list, 4, &n), LEDGER_OK);
    assert_int_equal(n, 2);
    assert_true(strcmp(list[0].id, list[1].id) < 0);
    bool first_is_1 = strcmp(list[0].id, i1.id) == 0;
    assert_info_equal(&list[first_is_1 ? 0 : 1], &i1);
    assert_info_equal(&list[first_is_1 ? 1 : 0], &i2);
    assert_int_equal(ledger_token_list(t->l, list + 2, 1, &n), LEDGER_OK);
    assert_int_equal(n, 1);
    assert_info_equal(&list[2], &list[0]);
    assert_int_equal(ledger_token_list(t->l, NULL, 0, &n), LEDGER_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ledger_token_list(t->l, NULL, 1, &n), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_token_list(t->l, list, 1, NULL), LEDGER_INVALID_ARGUMENT);

    /* Revoked: refused at once, kept with the time; a second revocation
     * keeps the first time. */
    t->now += 60;
    int64_t revoked_at = t->now;
    assert_int_equal(ledger_token_revoke(t->l, i1.id), LEDGER_OK);
    assert_int_equal(check(t, tok1, strlen(tok1)), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, tok2, strlen(tok2)), LEDGER_OK);
    t->now += 3600;
    assert_int_equal(ledger_token_revoke(t->l, i1.id), LEDGER_OK);
    assert_int_equal(ledger_token_list(t->l, list, 4, &n), LEDGER_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        bool is_1 = strcmp(list[i].id, i1.id) == 0;
        assert_int_equal(list[i].revoked_at, is_1 ? revoked_at : 0);
        assert_int_equal(list[i].created_at, is_1 ? i1.created_at : i2.created_at);
    }
    assert_int_equal(check(t, tok1, strlen(tok1)), LEDGER_TOKEN_INVALID);

    /* Unknown and malformed ids. */
    char upper[LEDGER_TOKEN_ID_LEN + 1];
    snprintf(upper, sizeof upper, "%s", i2.id);
    for (char *p = upper; *p; p++)
        *p = (*p >= 'a' && *p <= 'f') ? (char)(*p - 'a' + 'A') : *p;
    char unknown[LEDGER_TOKEN_ID_LEN + 1];
    snprintf(unknown, sizeof unknown, "%s", i2.id);
    unknown[0] = unknown[0] == '0' ? '1' : '0';
    assert_int_equal(ledger_token_revoke(t->l, unknown), LEDGER_NOT_FOUND);
    if (strcmp(upper, i2.id) != 0)
        assert_int_equal(ledger_token_revoke(t->l, upper), LEDGER_NOT_FOUND);
    assert_int_equal(ledger_token_revoke(t->l, "xyz"), LEDGER_NOT_FOUND);
    assert_int_equal(ledger_token_revoke(t->l, ""), LEDGER_NOT_FOUND);
    assert_int_equal(ledger_token_revoke(t->l, tok2), LEDGER_NOT_FOUND); /* the text */
    assert_int_equal(ledger_token_revoke(t->l, NULL), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(check(t, tok2, strlen(tok2)), LEDGER_OK);
}

/* The index of a base64url character. */
static int b64_index(char c)
{
    const char *p = strchr(B64URL, c);
    assert_non_null(p);
    return (int)(p - B64URL);
}

static void test_check_refuses_anything_wrong(void **state)
{
    tl *t = *state;
    token_text tok, other;
    ledger_token_info info, info_other;
    char bad[2 * LEDGER_TOKEN_TEXT_MAX];
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST, tok, &info);
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST, other, &info_other);
    size_t len = strlen(tok);

    /* Lengths: short, empty, long, a trailing newline, NULL. */
    assert_int_equal(check(t, tok, len - 1), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, tok, 0), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, "", 0), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, NULL, 0), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, NULL, len), LEDGER_TOKEN_INVALID);
    snprintf(bad, sizeof bad, "%sA", tok);
    assert_int_equal(check(t, bad, len + 1), LEDGER_TOKEN_INVALID);
    snprintf(bad, sizeof bad, "%s\n", tok);
    assert_int_equal(check(t, bad, len + 1), LEDGER_TOKEN_INVALID);
    snprintf(bad, sizeof bad, " %s", tok);
    assert_int_equal(check(t, bad, len + 1), LEDGER_TOKEN_INVALID);
    snprintf(bad, sizeof bad, "%s%s", tok, tok);
    assert_int_equal(check(t, bad, strlen(bad)), LEDGER_TOKEN_INVALID);
    snprintf(bad, sizeof bad, "Bearer %s", tok);
    assert_int_equal(check(t, bad, strlen(bad)), LEDGER_TOKEN_INVALID);

    /* Every single byte changed, to every other value, is refused: no two
     * texts are one token. Regression: a byte 0x80..0xff in place of '_' in
     * the secret was accepted (libsodium 1.0.18's base64 decoder reads any
     * of them as its 63rd character). */
    for (size_t pos = 0; pos < len; pos++) {
        for (int c = 0; c < 256; c++) {
            if ((unsigned char)tok[pos] == c)
                continue;
            memcpy(bad, tok, len + 1);
            bad[pos] = (char)c;
            if (check(t, bad, len) != LEDGER_TOKEN_INVALID)
                fail_msg("byte %zu changed to 0x%02x was accepted", pos, (unsigned)c);
        }
    }

    /* The regression again, on a token whose secret surely holds a '_'. */
    token_text underscored;
    memcpy(underscored, tok, sizeof underscored);
    for (int i = 0; i < 200 && strchr(underscored + 24, '_') == NULL; i++)
        create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST, underscored, NULL);
    const char *under = strchr(underscored + 24, '_');
    assert_non_null(under);
    memcpy(bad, underscored, len + 1);
    bad[under - underscored] = (char)0x80;
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    assert_int_equal(check(t, underscored, len), LEDGER_OK);

    /* Wrong prefixes. */
    static const char *const prefixes[] = {"Cauris_", "cauris-", "cauriz_", "CAURIS_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        memcpy(bad, tok, len + 1);
        memcpy(bad, prefixes[i], 7);
        assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    }
    /* The id in capitals (when it has letters). */
    memcpy(bad, tok, len + 1);
    bool changed = false;
    for (size_t i = 7; i < 23; i++) {
        if (bad[i] >= 'a' && bad[i] <= 'f') {
            bad[i] = (char)(bad[i] - 'a' + 'A');
            changed = true;
        }
    }
    if (changed)
        assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    /* An unknown id, the secret right. */
    memcpy(bad, tok, len + 1);
    bad[7] = bad[7] == '0' ? '1' : '0';
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    /* A known id with another token's secret, both ways. */
    memcpy(bad, tok, 24);
    memcpy(bad + 24, other + 24, 44);
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    memcpy(bad, other, 24);
    memcpy(bad + 24, tok + 24, 44);
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    /* The secret's last character carries 4 bits and 2 zero bits: setting
     * a zero bit gives another text for the same bytes, which is refused. */
    memcpy(bad, tok, len + 1);
    bad[len - 1] = B64URL[b64_index(bad[len - 1]) ^ 1];
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);
    /* The secret's last bits changed for real. */
    memcpy(bad, tok, len + 1);
    bad[len - 1] = B64URL[b64_index(bad[len - 1]) ^ 4];
    assert_int_equal(check(t, bad, len), LEDGER_TOKEN_INVALID);

    /* The token itself still works, with and without a NUL after it. */
    assert_int_equal(check(t, tok, len), LEDGER_OK);
    memcpy(bad, tok, len);
    bad[len] = 'X';
    assert_int_equal(check(t, bad, len), LEDGER_OK);
    assert_int_equal(ledger_token_check(NULL, tok, len, NULL), LEDGER_INVALID_ARGUMENT);
    assert_string_equal(ledger_err_name(LEDGER_TOKEN_INVALID), "token_invalid");
    assert_string_not_equal(ledger_strerror(LEDGER_TOKEN_INVALID), "unknown error");
    assert_int_equal(LEDGER_TOKEN_INVALID, LEDGER_MAP_LIMIT + 1);
    assert_int_equal(LEDGER_UNKNOWN_PARTICIPANT, LEDGER_TOKEN_INVALID + 1);
}

static void test_roles(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t roles;
    } good[] = {
        {"post", LEDGER_ROLE_POST},
        {"approve", LEDGER_ROLE_APPROVE},
        {"read", LEDGER_ROLE_READ},
        {"admin", LEDGER_ROLE_ADMIN},
        {"post,read", LEDGER_ROLE_POST | LEDGER_ROLE_READ},
        {"admin,post", LEDGER_ROLE_ADMIN | LEDGER_ROLE_POST},
        {"read,read", LEDGER_ROLE_READ},
        {"post,approve,read,admin", LEDGER_ROLES_ALL},
        {"admin,read,approve,post", LEDGER_ROLES_ALL},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint32_t roles = 0;
        assert_int_equal(ledger_roles_parse(good[i].text, &roles), LEDGER_OK);
        assert_int_equal(roles, good[i].roles);
    }
    static const char *const bad[] = {
        "",      ",",     "post,",     ",post",      "post,,read", "Post",      "POST",
        "write", "owner", "post read", "post, read", " post",      "post\n",    "posts",
        "pos",   "all",   "*",         "post;read",  "read,x",     "adminpost",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t roles = 77;
        assert_int_equal(ledger_roles_parse(bad[i], &roles), LEDGER_INVALID_ARGUMENT);
        assert_int_equal(roles, 77);
    }
    uint32_t roles = 77;
    assert_int_equal(ledger_roles_parse(NULL, &roles), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_roles_parse("post", NULL), LEDGER_INVALID_ARGUMENT);

    char out[LEDGER_ROLES_TEXT_MAX + 1];
    ledger_roles_format(LEDGER_ROLES_ALL, out, sizeof out);
    assert_string_equal(out, "post,approve,read,admin");
    assert_int_equal(strlen(out), LEDGER_ROLES_TEXT_MAX);
    ledger_roles_format(LEDGER_ROLE_READ | LEDGER_ROLE_POST, out, sizeof out);
    assert_string_equal(out, "post,read");
    ledger_roles_format(LEDGER_ROLE_ADMIN | LEDGER_ROLE_APPROVE, out, sizeof out);
    assert_string_equal(out, "approve,admin");
    ledger_roles_format(0, out, sizeof out);
    assert_string_equal(out, "");
    ledger_roles_format(0x30 | LEDGER_ROLE_READ, out, sizeof out);
    assert_string_equal(out, "read");
    /* Every set of roles goes through text and back. */
    for (uint32_t r = 1; r <= LEDGER_ROLES_ALL; r++) {
        uint32_t back = 0;
        ledger_roles_format(r, out, sizeof out);
        assert_int_equal(ledger_roles_parse(out, &back), LEDGER_OK);
        assert_int_equal(back, r);
    }
    /* Too small a buffer: cut short, still a string. */
    char small[6];
    memset(small, 'x', sizeof small);
    ledger_roles_format(LEDGER_ROLES_ALL, small, sizeof small);
    assert_true(memchr(small, '\0', sizeof small) != NULL);
    assert_int_equal(strncmp(small, "post", 4), 0);
    ledger_roles_format(LEDGER_ROLES_ALL, small, 0); /* writes nothing */
}

static void test_create_refusals(void **state)
{
    tl *t = *state;
    token_text tok;
    ledger_token_info info;
    char long_partner[LEDGER_PARTNER_MAX + 2], long_name[LEDGER_TOKEN_NAME_MAX + 2];
    memset(long_partner, 'p', sizeof long_partner);
    long_partner[LEDGER_PARTNER_MAX + 1] = '\0';
    memset(long_name, 'n', sizeof long_name);
    long_name[LEDGER_TOKEN_NAME_MAX + 1] = '\0';
    memset(tok, 'x', sizeof tok);
    memset(&info, 0x5a, sizeof info);
    token_text tok_before;
    ledger_token_info info_before;
    memcpy(tok_before, tok, sizeof tok);
    memcpy(&info_before, &info, sizeof info);
    const uint32_t r = LEDGER_ROLE_READ;

    assert_int_equal(ledger_token_create(t->l, "nosuch", "mfi1", NULL, r, tok, &info),
                     LEDGER_UNKNOWN_PROGRAMME);
    assert_int_equal(ledger_token_create(t->l, NULL, "mfi1", NULL, r, tok, &info),
                     LEDGER_UNKNOWN_PROGRAMME);
    static const char *const bad_partners[] = {NULL, "", "\xff\xfe", "a\xc3", "\xed\xa0\x80"};
    for (size_t i = 0; i < sizeof bad_partners / sizeof bad_partners[0]; i++)
        assert_int_equal(
            ledger_token_create(t->l, T_PROGRAMME, bad_partners[i], NULL, r, tok, &info),
            LEDGER_INVALID_FIELD);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, long_partner, NULL, r, tok, &info),
                     LEDGER_INVALID_FIELD);
    static const char *const bad_names[] = {"a\nb", "tab\there", "\x7f", "\xc3", "\xff"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_int_equal(
            ledger_token_create(t->l, T_PROGRAMME, "mfi1", bad_names[i], r, tok, &info),
            LEDGER_INVALID_FIELD);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", long_name, r, tok, &info),
                     LEDGER_INVALID_FIELD);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, 0, tok, &info),
                     LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, 0x10, tok, &info),
                     LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL,
                                         LEDGER_ROLES_ALL | 0x100, tok, &info),
                     LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, r, NULL, &info),
                     LEDGER_INVALID_ARGUMENT);
    assert_int_equal(ledger_token_create(NULL, T_PROGRAMME, "mfi1", NULL, r, tok, &info),
                     LEDGER_INVALID_ARGUMENT);
    /* Nothing written, nothing stored. */
    assert_memory_equal(tok, tok_before, sizeof tok);
    assert_memory_equal(&info, &info_before, sizeof info);
    assert_int_equal(token_count(t->l), 0);

    /* At the limits: accepted. "" is the default name; info may be NULL. */
    long_partner[LEDGER_PARTNER_MAX] = '\0';
    long_name[LEDGER_TOKEN_NAME_MAX] = '\0';
    create_ok(t, long_partner, long_name, LEDGER_ROLES_ALL, tok, &info);
    assert_string_equal(info.partner, long_partner);
    assert_string_equal(info.name, long_name);
    create_ok(t, "mfi1", "", LEDGER_ROLE_READ, tok, &info);
    assert_int_equal(strncmp(info.name, "token-", 6), 0);
    assert_int_equal(ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, r, tok, NULL),
                     LEDGER_OK);
    assert_int_equal(check(t, tok, strlen(tok)), LEDGER_OK);
    assert_int_equal(token_count(t->l), 3);

    /* A second programme: tokens are scoped to the one named. */
    assert_int_equal(ledger_programme_create(t->l, "usd-pilot", "USD"), LEDGER_OK);
    assert_int_equal(
        ledger_token_create(t->l, "usd-pilot", "mfi1", NULL, LEDGER_ROLE_POST, tok, &info),
        LEDGER_OK);
    ledger_token_info got;
    assert_int_equal(ledger_token_check(t->l, tok, strlen(tok), &got), LEDGER_OK);
    assert_string_equal(got.programme, "usd-pilot");
}

/* Only a hash of the secret reaches data.mdb: neither the text, nor the
 * secret's bytes, are anywhere in the file. */
static bool file_holds(const uint8_t *file, size_t file_len, const void *what, size_t len)
{
    for (size_t i = 0; i + len <= file_len; i++) {
        if (memcmp(file + i, what, len) == 0)
            return true;
    }
    return false;
}

static void test_secret_not_stored(void **state)
{
    tl *t = *state;
    token_text tok;
    ledger_token_info info;
    uint8_t secret[32], hash[32];
    size_t secret_len = 0;
    create_ok(t, "mfi1", "stored", LEDGER_ROLE_POST, tok, &info);
    assert_int_equal(sodium_base642bin(secret, sizeof secret, tok + 24, 43, NULL, &secret_len,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(secret_len, 32);
    crypto_generichash(hash, sizeof hash, secret, sizeof secret, NULL, 0);
    tl_reopen(t); /* nothing cached: what follows reads the file */

    char path[400];
    snprintf(path, sizeof path, "%s/data.mdb", t->dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    uint8_t *file = malloc((size_t)size);
    assert_non_null(file);
    assert_int_equal(fread(file, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    assert_true(file_holds(file, (size_t)size, "stored", 6)); /* the record is there */
    assert_true(file_holds(file, (size_t)size, hash, sizeof hash));
    assert_false(file_holds(file, (size_t)size, secret, sizeof secret));
    assert_false(file_holds(file, (size_t)size, tok + 24, 43));
    assert_false(file_holds(file, (size_t)size, tok + 24, 16));
    free(file);
    assert_int_equal(check(t, tok, strlen(tok)), LEDGER_OK);
}

static void test_read_only_and_persistence(void **state)
{
    tl *t = *state;
    token_text tok1, tok2, tok3;
    ledger_token_info i1, i2;
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST, tok1, &i1);
    create_ok(t, "mfi2", NULL, LEDGER_ROLE_READ, tok2, &i2);
    t->now += 10;
    assert_int_equal(ledger_token_revoke(t->l, i2.id), LEDGER_OK);

    ledger_close(t->l);
    t->l = NULL;
    ledger *ro = NULL;
    ledger_options o = {.read_only = true};
    assert_int_equal(ledger_open(&ro, t->dir, &o), LEDGER_OK);
    ledger_token_info got;
    assert_int_equal(ledger_token_check(ro, tok1, strlen(tok1), &got), LEDGER_OK);
    assert_info_equal(&got, &i1);
    assert_int_equal(ledger_token_check(ro, tok2, strlen(tok2), &got), LEDGER_TOKEN_INVALID);
    assert_int_equal(token_count(ro), 2);
    assert_int_equal(ledger_token_create(ro, T_PROGRAMME, "mfi1", NULL, 1, tok3, NULL),
                     LEDGER_READ_ONLY);
    assert_int_equal(ledger_token_revoke(ro, i1.id), LEDGER_READ_ONLY);
    ledger_close(ro);

    tl_reopen(t);
    assert_int_equal(check(t, tok1, strlen(tok1)), LEDGER_OK);
    assert_int_equal(check(t, tok2, strlen(tok2)), LEDGER_TOKEN_INVALID);
    ledger_token_info list[4];
    size_t n = 0;
    assert_int_equal(ledger_token_list(t->l, list, 4, &n), LEDGER_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].id, i2.id) == 0)
            assert_int_equal(list[i].revoked_at, i2.created_at + 10);
        else
            assert_info_equal(&list[i], &i1);
    }
}

/* ---- another process ---- */

#define CHILD_TOKENS 12

/* In a child process with its own handle: creates tokens (written to `fd`,
 * one per line) while the parent posts, and checks the parent's token. */
static int token_child(const char *dir, const char *parent_token, int fd)
{
    ledger *l;
    int fails = 0;
    if (ledger_open(&l, dir, NULL) != LEDGER_OK)
        return 1;
    fails += ledger_token_check(l, parent_token, strlen(parent_token), NULL) != LEDGER_OK;
    for (int i = 0; i < CHILD_TOKENS; i++) {
        token_text tok;
        char line[LEDGER_TOKEN_TEXT_MAX + 2];
        if (ledger_token_create(l, T_PROGRAMME, "child", NULL, LEDGER_ROLE_READ, tok, NULL) !=
            LEDGER_OK) {
            fails++;
            continue;
        }
        int n = snprintf(line, sizeof line, "%s\n", tok);
        fails += write(fd, line, (size_t)n) != n;
    }
    ledger_close(l);
    return fails == 0 ? 0 : 2;
}

static void test_other_process(void **state)
{
    tl *t = *state;
    static const char *const codes[] = {"participant:P1:wallet"};
    tl_open(t, codes, 1);
    token_text parent;
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_POST, parent, NULL);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(token_child(t->dir, parent, fds[1]));
    }
    close(fds[1]);
    /* This process posts, as a server would, until the child is done. */
    int status = 0, posted = 0;
    for (;;) {
        char id[32];
        snprintf(id, sizeof id, "p-%d", posted);
        ledger_entry_in e = tl_transfer(id, "programme:wages", "participant:P1:wallet", 1);
        assert_int_equal(tl_post(t, &e, NULL), LEDGER_OK);
        posted++;
        pid_t done = waitpid(pid, &status, WNOHANG);
        assert_true(done >= 0);
        if (done == pid)
            break;
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char buf[CHILD_TOKENS * (LEDGER_TOKEN_TEXT_MAX + 2) + 1];
    size_t used = 0;
    for (;;) {
        ssize_t r = read(fds[0], buf + used, sizeof buf - 1 - used);
        assert_true(r >= 0);
        if (r == 0)
            break;
        used += (size_t)r;
    }
    close(fds[0]);
    buf[used] = '\0';
    /* This handle sees what the other process wrote. */
    int seen = 0;
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        ledger_token_info info;
        assert_int_equal(ledger_token_check(t->l, line, strlen(line), &info), LEDGER_OK);
        assert_string_equal(info.partner, "child");
        seen++;
    }
    assert_int_equal(seen, CHILD_TOKENS);
    assert_int_equal(token_count(t->l), CHILD_TOKENS + 1);
    assert_int_equal(tl_balance(t, "participant:P1:wallet"), posted);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t->l, NULL, &vr), LEDGER_OK);
    assert_int_equal(vr.entries, (uint64_t)posted);
}

/* ---- threads of one handle ---- */

#define POST_COMMITS 30
#define POST_ENTRIES 40
#define THREAD_TOKENS 30
#define GROW_TOKENS 600 /* ~130 KiB of records: past a 64 KiB map */

typedef struct thread_ctx {
    tl *t;
    atomic_int stop;
    int failures;
    long checks;
    token_text first; /* checked over and over by the reader */
} thread_ctx;

static void *poster(void *arg)
{
    thread_ctx *c = arg;
    static ledger_entry_in es[POST_ENTRIES];
    static ledger_result r[POST_ENTRIES];
    static char ids[POST_ENTRIES][32];
    for (int k = 0; k < POST_COMMITS; k++) {
        for (int i = 0; i < POST_ENTRIES; i++) {
            snprintf(ids[i], sizeof ids[i], "t-%d-%d", k, i);
            es[i] = tl_transfer(ids[i], "programme:wages", "participant:P1:wallet", 1);
            es[i].memo = "a memo long enough to fill the small map and make it grow";
        }
        if (ledger_post(c->t->l, es, POST_ENTRIES, false, r, NULL) != LEDGER_OK)
            c->failures++;
        for (int i = 0; i < POST_ENTRIES; i++)
            c->failures += r[i].err != LEDGER_OK;
    }
    return NULL;
}

static void *creator(void *arg)
{
    thread_ctx *c = arg;
    for (int i = 0; i < THREAD_TOKENS; i++) {
        token_text tok;
        ledger_token_info info, got;
        if (ledger_token_create(c->t->l, T_PROGRAMME, "mfi1", NULL, LEDGER_ROLE_POST, tok,
                                &info) != LEDGER_OK) {
            c->failures++;
            continue;
        }
        if (ledger_token_check(c->t->l, tok, strlen(tok), &got) != LEDGER_OK ||
            strcmp(got.id, info.id) != 0)
            c->failures++;
        if (i % 3 == 0 && ledger_token_revoke(c->t->l, info.id) != LEDGER_OK)
            c->failures++;
    }
    return NULL;
}

static void *checker(void *arg)
{
    thread_ctx *c = arg;
    static ledger_token_info list[THREAD_TOKENS + 1];
    while (!atomic_load(&c->stop)) {
        size_t n = 0;
        if (ledger_token_check(c->t->l, c->first, strlen(c->first), NULL) != LEDGER_OK)
            c->failures++;
        if (ledger_token_list(c->t->l, list, THREAD_TOKENS + 1, &n) != LEDGER_OK || n < 1)
            c->failures++;
        c->checks++;
    }
    return NULL;
}

static void test_threads_post_and_create(void **state)
{
    (void)state;
    tl t;
    /* A tiny map, so that it grows under both kinds of writes. */
    tl_setup(&t, "GNF", 64 * 1024);
    static const char *const codes[] = {"participant:P1:wallet"};
    tl_open(&t, codes, 1);
    thread_ctx post_ctx = {.t = &t}, create_ctx = {.t = &t}, check_ctx = {.t = &t};
    assert_int_equal(ledger_token_create(t.l, T_PROGRAMME, "mfi1", NULL, LEDGER_ROLE_READ,
                                         check_ctx.first, NULL),
                     LEDGER_OK);
    pthread_t th_post, th_create, th_check;
    assert_int_equal(pthread_create(&th_check, NULL, checker, &check_ctx), 0);
    assert_int_equal(pthread_create(&th_post, NULL, poster, &post_ctx), 0);
    assert_int_equal(pthread_create(&th_create, NULL, creator, &create_ctx), 0);
    pthread_join(th_post, NULL);
    pthread_join(th_create, NULL);
    atomic_store(&check_ctx.stop, 1);
    pthread_join(th_check, NULL);
    assert_int_equal(post_ctx.failures, 0);
    assert_int_equal(create_ctx.failures, 0);
    assert_int_equal(check_ctx.failures, 0);
    assert_true(check_ctx.checks > 0);

    ledger_token_info list[THREAD_TOKENS + 2];
    size_t n = 0, revoked = 0;
    assert_int_equal(ledger_token_list(t.l, list, THREAD_TOKENS + 2, &n), LEDGER_OK);
    assert_int_equal(n, THREAD_TOKENS + 1);
    for (size_t i = 0; i < n; i++)
        revoked += list[i].revoked_at != 0;
    assert_int_equal(revoked, (THREAD_TOKENS + 2) / 3);
    assert_int_equal(tl_balance(&t, "participant:P1:wallet"), POST_COMMITS * POST_ENTRIES);
    ledger_verify_report vr;
    assert_int_equal(ledger_verify(t.l, NULL, &vr), LEDGER_OK);
    assert_int_equal(vr.entries, POST_COMMITS * POST_ENTRIES);
    tl_teardown(&t);
}

/* Token writes alone fill a tiny map: it grows and each write is redone,
 * none lost. */
static void test_tokens_grow_the_map(void **state)
{
    (void)state;
    tl t;
    tl_setup(&t, "GNF", 64 * 1024);
    static ledger_token_info infos[GROW_TOKENS], list[GROW_TOKENS + 1];
    static token_text toks[GROW_TOKENS];
    for (int i = 0; i < GROW_TOKENS; i++)
        create_ok(&t, "mfi1", NULL, LEDGER_ROLE_POST, toks[i], &infos[i]);
    size_t n = 0;
    assert_int_equal(ledger_token_list(t.l, list, GROW_TOKENS + 1, &n), LEDGER_OK);
    assert_int_equal(n, GROW_TOKENS);
    for (int i = 0; i < GROW_TOKENS; i++) {
        ledger_token_info got;
        assert_int_equal(ledger_token_check(t.l, toks[i], strlen(toks[i]), &got), LEDGER_OK);
        assert_info_equal(&got, &infos[i]);
    }
    tl_teardown(&t);
}

/* ---- straight to LMDB: the count limit and the format version ---- */

static void lmdb_begin(const char *dir, MDB_env **env, MDB_txn **txn)
{
    assert_int_equal(mdb_env_create(env), 0);
    mdb_env_set_maxdbs(*env, 32);
    assert_int_equal(mdb_env_open(*env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

static void lmdb_commit(MDB_env *env, MDB_txn *txn)
{
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* The limit counts every stored token. Reaching it through the API would
 * take 10,000 commits: the test copies one stored record under other ids
 * instead, in one LMDB transaction. */
static void test_count_limit(void **state)
{
    tl *t = *state;
    token_text tok;
    ledger_token_info info;
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_READ, tok, &info);
    ledger_close(t->l);
    t->l = NULL;

    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t rec[512];
    lmdb_begin(t->dir, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "tokens", 0, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_FIRST), 0);
    assert_true(v.mv_size <= sizeof rec);
    memcpy(rec, v.mv_data, v.mv_size);
    size_t rec_len = v.mv_size;
    mdb_cursor_close(cur);
    for (uint32_t i = 0; i < LEDGER_TOKENS_MAX - 2; i++) {
        uint8_t key[8] = {
            0xee,      0xee, 0, 0, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
            (uint8_t)i};
        MDB_val kk = {sizeof key, key}, vv = {rec_len, rec};
        assert_int_equal(mdb_put(txn, dbi, &kk, &vv, MDB_NOOVERWRITE), 0);
    }
    lmdb_commit(env, txn);

    tl_reopen(t);
    token_text last, refused;
    memset(refused, 'x', sizeof refused);
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_READ, last, NULL); /* the 10,000th */
    assert_int_equal(
        ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, LEDGER_ROLE_READ, refused, NULL),
        LEDGER_INVALID_ARGUMENT);
    assert_int_equal(refused[0], 'x');
    /* Revoked tokens are kept, so they still count. */
    assert_int_equal(ledger_token_revoke(t->l, info.id), LEDGER_OK);
    assert_int_equal(
        ledger_token_create(t->l, T_PROGRAMME, "mfi1", NULL, LEDGER_ROLE_READ, refused, NULL),
        LEDGER_INVALID_ARGUMENT);
    ledger_token_info *list = calloc(LEDGER_TOKENS_MAX + 1, sizeof *list);
    assert_non_null(list);
    size_t n = 0;
    assert_int_equal(ledger_token_list(t->l, list, LEDGER_TOKENS_MAX + 1, &n), LEDGER_OK);
    assert_int_equal(n, LEDGER_TOKENS_MAX);
    free(list);
    assert_int_equal(check(t, last, strlen(last)), LEDGER_OK);
    assert_int_equal(check(t, tok, strlen(tok)), LEDGER_TOKEN_INVALID);
}

/* A ledger of format 1 has no "tokens" database: it is refused, read-only
 * or not, rather than half-opened. A stored record of the wrong size is
 * corruption, not a token verdict. */
static void test_format_version_and_corrupt_record(void **state)
{
    tl *t = *state;
    token_text tok;
    ledger_token_info info;
    create_ok(t, "mfi1", NULL, LEDGER_ROLE_READ, tok, &info);
    ledger_close(t->l);
    t->l = NULL;

    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    uint8_t id[8];
    assert_int_equal(sodium_hex2bin(id, sizeof id, info.id, 16, NULL, NULL, NULL), 0);
    lmdb_begin(t->dir, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "tokens", 0, &dbi), 0);
    MDB_val k = {sizeof id, id}, v = {3, "bad"};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    lmdb_commit(env, txn);
    tl_reopen(t);
    assert_int_equal(ledger_token_check(t->l, tok, strlen(tok), NULL), LEDGER_CORRUPT);
    size_t n;
    ledger_token_info list[2];
    assert_int_equal(ledger_token_list(t->l, list, 2, &n), LEDGER_CORRUPT);
    assert_int_equal(ledger_token_revoke(t->l, info.id), LEDGER_CORRUPT);
    ledger_close(t->l);
    t->l = NULL;

    lmdb_begin(t->dir, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "tokens", 0, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    MDB_val fk = {6, "format"}, fv = {8, one};
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &fk, &fv, 0), 0);
    lmdb_commit(env, txn);
    ledger *l = NULL;
    ledger_options ro = {.read_only = true};
    assert_int_equal(ledger_open(&l, t->dir, &ro), LEDGER_FORMAT_VERSION);
    assert_int_equal(ledger_open(&l, t->dir, NULL), LEDGER_FORMAT_VERSION);
    assert_null(l);

    /* The database back but the format still 1: refused too. */
    lmdb_begin(t->dir, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "tokens", MDB_CREATE, &dbi), 0);
    lmdb_commit(env, txn);
    assert_int_equal(ledger_open(&l, t->dir, &ro), LEDGER_FORMAT_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_check_list_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_refuses_anything_wrong, setup, teardown),
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_and_persistence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_process, setup, teardown),
        cmocka_unit_test(test_threads_post_and_create),
        cmocka_unit_test(test_tokens_grow_the_map),
        cmocka_unit_test_setup_teardown(test_count_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_version_and_corrupt_record, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
