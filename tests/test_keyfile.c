/*
 * test_keyfile.c — the signing key file: plain and sealed round trips,
 * passphrase errors, permissions, no overwrite, and damaged files.
 *
 * Every file lives in a mkdtemp directory removed at the end. Argon2id at
 * the INTERACTIVE cost runs a handful of times only (one sealed file is made
 * once by the group setup and shared), so the whole run takes about a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/keyfile.h"
#include "ledger/ledger.h"

#define PLAIN_BYTES 41
#define SEALED_BYTES 113
#define PASSPHRASE "correct horse battery staple"

typedef struct fixture {
    char dir[64];
    char sealed[128]; /* shared sealed key file, made once */
    uint8_t seed[KEYFILE_SEED_BYTES];
} fixture;

static fixture fx;

static void path_in(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", fx.dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static size_t read_file(uint8_t *out, size_t cap, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap, f);
    fclose(f);
    return n;
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(fx.dir, "/tmp/cauris-keyfile-XXXXXX");
    if (mkdtemp(fx.dir) == NULL) {
        return -1;
    }
    for (size_t i = 0; i < KEYFILE_SEED_BYTES; i++) {
        fx.seed[i] = (uint8_t)(0x40 + i);
    }
    path_in(fx.sealed, sizeof fx.sealed, "sealed.key");
    return keyfile_create(fx.sealed, fx.seed, PASSPHRASE) == LEDGER_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(fx.sealed);
    return rmdir(fx.dir);
}

static void test_plain_round_trip(void **state)
{
    (void)state;
    char path[128], path2[128];
    uint8_t seed[KEYFILE_SEED_BYTES];
    uint8_t raw[256];
    struct stat st;

    path_in(path, sizeof path, "plain.key");
    assert_int_equal(keyfile_create(path, fx.seed, NULL), LEDGER_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, PLAIN_BYTES);
    assert_int_equal(read_file(raw, sizeof raw, path), PLAIN_BYTES);
    assert_memory_equal(raw, "CAURISK1\0", 9);
    assert_memory_equal(raw + 9, fx.seed, KEYFILE_SEED_BYTES);

    memset(seed, 0, sizeof seed);
    assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_OK);
    assert_memory_equal(seed, fx.seed, sizeof seed);
    /* A passphrase given for a plain file is not needed and not an error. */
    memset(seed, 0, sizeof seed);
    assert_int_equal(keyfile_load(seed, path, "unused"), LEDGER_OK);
    assert_memory_equal(seed, fx.seed, sizeof seed);

    /* An empty passphrase means plain too. */
    path_in(path2, sizeof path2, "plain2.key");
    assert_int_equal(keyfile_create(path2, fx.seed, ""), LEDGER_OK);
    assert_int_equal(keyfile_load(seed, path2, ""), LEDGER_OK);
    assert_memory_equal(seed, fx.seed, sizeof seed);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(unlink(path2), 0);
}

/* The mode is exactly 0600 whatever the process umask (this one alone would
 * leave 0400), as docs/keyfile.md promises. */
static void test_mode_ignores_umask(void **state)
{
    (void)state;
    char path[128];
    struct stat st;
    mode_t old = umask(0277);

    path_in(path, sizeof path, "umask.key");
    assert_int_equal(keyfile_create(path, fx.seed, NULL), LEDGER_OK);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(unlink(path), 0);
}

static void test_sealed_round_trip(void **state)
{
    (void)state;
    uint8_t seed[KEYFILE_SEED_BYTES];
    uint8_t raw[256];
    struct stat st;

    assert_int_equal(stat(fx.sealed, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, SEALED_BYTES);
    assert_int_equal(read_file(raw, sizeof raw, fx.sealed), SEALED_BYTES);
    assert_memory_equal(raw, "CAURISK1\1", 9);
    /* The seed does not appear in the file. */
    for (size_t i = 0; i + KEYFILE_SEED_BYTES <= SEALED_BYTES; i++) {
        assert_memory_not_equal(raw + i, fx.seed, KEYFILE_SEED_BYTES);
    }

    memset(seed, 0, sizeof seed);
    assert_int_equal(keyfile_load(seed, fx.sealed, PASSPHRASE), LEDGER_OK);
    assert_memory_equal(seed, fx.seed, sizeof seed);
}

static void test_sealed_passphrase_errors(void **state)
{
    (void)state;
    uint8_t seed[KEYFILE_SEED_BYTES];
    const uint8_t untouched[KEYFILE_SEED_BYTES] = {0};

    memset(seed, 0, sizeof seed);
    assert_int_equal(keyfile_load(seed, fx.sealed, NULL), LEDGER_KEY_PASSPHRASE);
    assert_int_equal(keyfile_load(seed, fx.sealed, ""), LEDGER_KEY_PASSPHRASE);
    assert_int_equal(keyfile_load(seed, fx.sealed, PASSPHRASE "!"), LEDGER_KEY_PASSPHRASE);
    /* Nothing written to the output on failure. */
    assert_memory_equal(seed, untouched, sizeof seed);
}

/* Copies the shared sealed file with one byte changed. */
static void sealed_variant(const char *path, size_t at, uint8_t value)
{
    uint8_t raw[SEALED_BYTES];
    assert_int_equal(read_file(raw, sizeof raw, fx.sealed), SEALED_BYTES);
    raw[at] = value;
    write_file(path, raw, sizeof raw);
}

static void test_sealed_damaged(void **state)
{
    (void)state;
    char path[128];
    uint8_t seed[KEYFILE_SEED_BYTES];
    uint8_t raw[SEALED_BYTES];

    path_in(path, sizeof path, "damaged.key");
    assert_int_equal(read_file(raw, sizeof raw, fx.sealed), SEALED_BYTES);

    /* Argon2 costs above SENSITIVE (or below MIN) mean a corrupt file: refused
     * before any hashing. opslimit is bytes 9..16, memlimit 17..24, big-endian. */
    sealed_variant(path, 9, 0x01); /* opslimit >= 2^56 */
    assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);
    sealed_variant(path, 17, 0x01); /* memlimit >= 2^56 */
    assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);
    {
        uint8_t zero[SEALED_BYTES];
        memcpy(zero, raw, sizeof zero);
        memset(zero + 17, 0, 8); /* memlimit 0 */
        write_file(path, zero, sizeof zero);
        assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_CORRUPT);
        assert_int_equal(unlink(path), 0);
    }

    /* A changed byte in the box fails authentication. */
    sealed_variant(path, SEALED_BYTES - 1, (uint8_t)(raw[SEALED_BYTES - 1] ^ 0x01));
    assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_KEY_PASSPHRASE);
    assert_int_equal(unlink(path), 0);

    /* Truncated and extended sealed files. */
    write_file(path, raw, SEALED_BYTES - 1);
    assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);
    {
        uint8_t longer[SEALED_BYTES + 1];
        memcpy(longer, raw, SEALED_BYTES);
        longer[SEALED_BYTES] = 0;
        write_file(path, longer, sizeof longer);
        assert_int_equal(keyfile_load(seed, path, PASSPHRASE), LEDGER_CORRUPT);
        assert_int_equal(unlink(path), 0);
    }
}

static void test_plain_damaged(void **state)
{
    (void)state;
    char plain[128], path[128];
    uint8_t raw[PLAIN_BYTES];
    uint8_t seed[KEYFILE_SEED_BYTES];
    const uint8_t untouched[KEYFILE_SEED_BYTES] = {0};

    path_in(plain, sizeof plain, "good.key");
    path_in(path, sizeof path, "bad.key");
    assert_int_equal(keyfile_create(plain, fx.seed, NULL), LEDGER_OK);
    assert_int_equal(read_file(raw, sizeof raw, plain), PLAIN_BYTES);
    memset(seed, 0, sizeof seed);

    /* Every truncation, including empty. */
    for (size_t len = 0; len < PLAIN_BYTES; len++) {
        write_file(path, raw, len);
        assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
        assert_int_equal(unlink(path), 0);
    }
    /* A plain header with a sealed file's length, and one byte too many. */
    {
        uint8_t longer[SEALED_BYTES];
        memset(longer, 0, sizeof longer);
        memcpy(longer, raw, PLAIN_BYTES);
        write_file(path, longer, PLAIN_BYTES + 1);
        assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
        assert_int_equal(unlink(path), 0);
        write_file(path, longer, SEALED_BYTES);
        assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
        assert_int_equal(unlink(path), 0);
    }
    /* Wrong magic, wrong version digit, unknown format byte. */
    raw[0] = 'X';
    write_file(path, raw, PLAIN_BYTES);
    assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);
    raw[0] = 'C';
    raw[7] = '2';
    write_file(path, raw, PLAIN_BYTES);
    assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);
    raw[7] = '1';
    raw[8] = 2;
    write_file(path, raw, PLAIN_BYTES);
    assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_CORRUPT);
    assert_int_equal(unlink(path), 0);

    assert_memory_equal(seed, untouched, sizeof seed);
    assert_int_equal(unlink(plain), 0);
}

static void test_no_overwrite(void **state)
{
    (void)state;
    char path[128];
    uint8_t before[256], after[256];
    uint8_t other[KEYFILE_SEED_BYTES];
    size_t before_len, after_len;

    path_in(path, sizeof path, "existing.key");
    assert_int_equal(keyfile_create(path, fx.seed, NULL), LEDGER_OK);
    before_len = read_file(before, sizeof before, path);

    memset(other, 0xEE, sizeof other);
    errno = 0;
    assert_int_equal(keyfile_create(path, other, NULL), LEDGER_IO);
    assert_int_equal(errno, EEXIST);
    after_len = read_file(after, sizeof after, path);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);

    /* Nor over any other existing file. */
    errno = 0;
    assert_int_equal(keyfile_create(fx.sealed, other, NULL), LEDGER_IO);
    assert_int_equal(errno, EEXIST);

    assert_int_equal(unlink(path), 0);
}

static void test_io_and_arguments(void **state)
{
    (void)state;
    char path[128];
    uint8_t seed[KEYFILE_SEED_BYTES];
    char *long_pass = malloc(KEYFILE_PASSPHRASE_MAX + 2);
    struct stat st;

    assert_non_null(long_pass);
    path_in(path, sizeof path, "missing.key");
    errno = 0;
    assert_int_equal(keyfile_load(seed, path, NULL), LEDGER_IO);
    assert_int_equal(errno, ENOENT);
    /* A directory that does not exist. */
    path_in(path, sizeof path, "no-such-dir/x.key");
    assert_int_equal(keyfile_create(path, fx.seed, NULL), LEDGER_IO);

    path_in(path, sizeof path, "args.key");
    assert_int_equal(keyfile_create(NULL, fx.seed, NULL), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(keyfile_create(path, NULL, NULL), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(keyfile_load(NULL, fx.sealed, PASSPHRASE), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(keyfile_load(seed, NULL, PASSPHRASE), LEDGER_INVALID_ARGUMENT);

    memset(long_pass, 'p', KEYFILE_PASSPHRASE_MAX + 1);
    long_pass[KEYFILE_PASSPHRASE_MAX + 1] = '\0';
    assert_int_equal(keyfile_create(path, fx.seed, long_pass), LEDGER_INVALID_ARGUMENT);
    assert_int_equal(stat(path, &st), -1); /* nothing created */
    assert_int_equal(keyfile_load(seed, fx.sealed, long_pass), LEDGER_INVALID_ARGUMENT);
    free(long_pass);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_round_trip),
        cmocka_unit_test(test_mode_ignores_umask),
        cmocka_unit_test(test_sealed_round_trip),
        cmocka_unit_test(test_sealed_passphrase_errors),
        cmocka_unit_test(test_sealed_damaged),
        cmocka_unit_test(test_plain_damaged),
        cmocka_unit_test(test_no_overwrite),
        cmocka_unit_test(test_io_and_arguments),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
