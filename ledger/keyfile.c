/*
 * keyfile.c — the ledger's signing key file: create it once, read it back.
 *
 * The file holds the 32-byte Ed25519 seed that signs every checkpoint, either
 * plain or sealed under a passphrase (Argon2id, then XSalsa20-Poly1305
 * secretbox). Layout, byte by byte, in docs/keyfile.md:
 *
 *     "CAURISK1" | 0x00 | seed (32)                                  41 bytes
 *     "CAURISK1" | 0x01 | opslimit u64 BE | memlimit u64 BE | salt (16)
 *                | nonce (24) | secretbox(seed) (32 + 16)           113 bytes
 *
 * This file must never leave a secret behind: every buffer that held the
 * seed, the derived key or the passphrase-derived material is wiped with
 * sodium_memzero on every path. A key file is never overwritten (O_EXCL) and
 * is created readable by its owner only. It does not fsync the directory:
 * the caller creates the whole ledger directory and syncs it once.
 *
 * The file is input we did not necessarily write: exact sizes per format are
 * checked, and Argon2 costs above the SENSITIVE limits are refused as a
 * corrupt file rather than letting a crafted file exhaust memory or CPU.
 */
#include "ledger/keyfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger/ledger.h"

#define KEYFILE_MAGIC "CAURISK1"
#define KEYFILE_MAGIC_LEN 8
#define KEYFILE_FORMAT_PLAIN 0
#define KEYFILE_FORMAT_SEALED 1
#define KEYFILE_MODE 0600

#define KEYFILE_HEADER_BYTES (KEYFILE_MAGIC_LEN + 1)
#define KEYFILE_PLAIN_BYTES (KEYFILE_HEADER_BYTES + KEYFILE_SEED_BYTES)
#define KEYFILE_BOX_BYTES (crypto_secretbox_MACBYTES + KEYFILE_SEED_BYTES)
/* Offsets inside a sealed file. */
#define KEYFILE_OPSLIMIT_AT KEYFILE_HEADER_BYTES
#define KEYFILE_MEMLIMIT_AT (KEYFILE_OPSLIMIT_AT + 8)
#define KEYFILE_SALT_AT (KEYFILE_MEMLIMIT_AT + 8)
#define KEYFILE_NONCE_AT (KEYFILE_SALT_AT + crypto_pwhash_SALTBYTES)
#define KEYFILE_BOX_AT (KEYFILE_NONCE_AT + crypto_secretbox_NONCEBYTES)
#define KEYFILE_SEALED_BYTES (KEYFILE_BOX_AT + KEYFILE_BOX_BYTES)

_Static_assert(sizeof KEYFILE_MAGIC == KEYFILE_MAGIC_LEN + 1, "magic is 8 bytes");
_Static_assert(KEYFILE_SEED_BYTES == crypto_sign_SEEDBYTES, "the seed is an Ed25519 seed");
_Static_assert(crypto_secretbox_KEYBYTES == 32, "secretbox key size");
_Static_assert(KEYFILE_PLAIN_BYTES == 41 && KEYFILE_SEALED_BYTES == 113,
               "layout in docs/keyfile.md");
_Static_assert(crypto_pwhash_MEMLIMIT_SENSITIVE <= SIZE_MAX, "memlimit fits a size_t");

static void keyfile_store_u64be(uint8_t out[8], uint64_t v)
{
    for (size_t i = 0; i < 8; i++) {
        out[i] = (uint8_t)(v >> (56 - 8 * i));
    }
}

static uint64_t keyfile_load_u64be(const uint8_t in[8])
{
    uint64_t v = 0;

    for (size_t i = 0; i < 8; i++) {
        v = v << 8 | in[i];
    }
    return v;
}

/* Argon2id of the passphrase into a secretbox key. LEDGER_NOMEM when libsodium
 * cannot get the memory the cost asks for. */
static int keyfile_derive(uint8_t key[crypto_secretbox_KEYBYTES], const char *passphrase,
                          size_t passphrase_len, const uint8_t salt[crypto_pwhash_SALTBYTES],
                          uint64_t opslimit, size_t memlimit)
{
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase, passphrase_len, salt,
                      opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return LEDGER_NOMEM;
    }
    return LEDGER_OK;
}

/* Writes all of buf, retrying short writes and EINTR. */
static int keyfile_write_all(int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Creates path with O_EXCL, writes buf, syncs. On failure after the file
 * exists it is removed, so a retry is not blocked by a half-written key;
 * errno is the one of the failing call. */
static int keyfile_write_new(const char *path, const uint8_t *buf, size_t len)
{
    int fd;
    int saved_errno;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, KEYFILE_MODE);
    if (fd < 0) {
        return LEDGER_IO;
    }
    /* The umask may only narrow the mode; make it exactly owner read/write. */
    if (fchmod(fd, KEYFILE_MODE) != 0 || keyfile_write_all(fd, buf, len) != 0 ||
        fsync(fd) != 0) {
        saved_errno = errno;
        (void)close(fd);
        (void)unlink(path);
        errno = saved_errno;
        return LEDGER_IO;
    }
    if (close(fd) != 0) {
        saved_errno = errno;
        (void)unlink(path);
        errno = saved_errno;
        return LEDGER_IO;
    }
    return LEDGER_OK;
}

/* The checks both public functions start with: the passphrase's length
 * (0 when NULL) within its limit, and libsodium ready. */
static int keyfile_prepare(const char *passphrase, size_t *len_out)
{
    size_t len = 0;
    if (passphrase != NULL) {
        len = strnlen(passphrase, KEYFILE_PASSPHRASE_MAX + 1);
        if (len > KEYFILE_PASSPHRASE_MAX) {
            return LEDGER_INVALID_ARGUMENT;
        }
    }
    /* Fails only when libsodium cannot set up its random source. */
    if (sodium_init() < 0) {
        return LEDGER_IO;
    }
    *len_out = len;
    return LEDGER_OK;
}

int keyfile_create(const char *path, const uint8_t seed[KEYFILE_SEED_BYTES],
                   const char *passphrase)
{
    uint8_t buf[KEYFILE_SEALED_BYTES];
    uint8_t key[crypto_secretbox_KEYBYTES];
    size_t passphrase_len = 0;
    size_t len;
    int rc;

    if (path == NULL || seed == NULL) {
        return LEDGER_INVALID_ARGUMENT;
    }
    rc = keyfile_prepare(passphrase, &passphrase_len);
    if (rc != LEDGER_OK) {
        return rc;
    }
    memcpy(buf, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN);
    if (passphrase_len == 0) {
        buf[KEYFILE_MAGIC_LEN] = KEYFILE_FORMAT_PLAIN;
        memcpy(buf + KEYFILE_HEADER_BYTES, seed, KEYFILE_SEED_BYTES);
        len = KEYFILE_PLAIN_BYTES;
    } else {
        buf[KEYFILE_MAGIC_LEN] = KEYFILE_FORMAT_SEALED;
        keyfile_store_u64be(buf + KEYFILE_OPSLIMIT_AT, crypto_pwhash_OPSLIMIT_INTERACTIVE);
        keyfile_store_u64be(buf + KEYFILE_MEMLIMIT_AT, crypto_pwhash_MEMLIMIT_INTERACTIVE);
        randombytes_buf(buf + KEYFILE_SALT_AT, crypto_pwhash_SALTBYTES);
        randombytes_buf(buf + KEYFILE_NONCE_AT, crypto_secretbox_NONCEBYTES);
        rc = keyfile_derive(key, passphrase, passphrase_len, buf + KEYFILE_SALT_AT,
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE);
        if (rc != LEDGER_OK) {
            goto done;
        }
        crypto_secretbox_easy(buf + KEYFILE_BOX_AT, seed, KEYFILE_SEED_BYTES,
                              buf + KEYFILE_NONCE_AT, key);
        len = KEYFILE_SEALED_BYTES;
    }
    rc = keyfile_write_new(path, buf, len);
done:
    sodium_memzero(key, sizeof key);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* Reads the whole file into buf and checks magic, format and the exact size
 * of that format. *format_out is KEYFILE_FORMAT_PLAIN or _SEALED. One byte
 * more than the largest format is read so a longer file is caught. */
static int keyfile_read(uint8_t buf[KEYFILE_SEALED_BYTES + 1], int *format_out,
                        const char *path)
{
    size_t len = 0;
    int fd;
    int saved_errno;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return LEDGER_IO;
    }
    while (len < KEYFILE_SEALED_BYTES + 1) {
        ssize_t n = read(fd, buf + len, KEYFILE_SEALED_BYTES + 1 - len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            saved_errno = errno;
            (void)close(fd);
            errno = saved_errno;
            return LEDGER_IO;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    (void)close(fd);
    if (len < KEYFILE_HEADER_BYTES || memcmp(buf, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN) != 0) {
        return LEDGER_CORRUPT;
    }
    if (buf[KEYFILE_MAGIC_LEN] == KEYFILE_FORMAT_PLAIN && len == KEYFILE_PLAIN_BYTES) {
        *format_out = KEYFILE_FORMAT_PLAIN;
        return LEDGER_OK;
    }
    if (buf[KEYFILE_MAGIC_LEN] == KEYFILE_FORMAT_SEALED && len == KEYFILE_SEALED_BYTES) {
        *format_out = KEYFILE_FORMAT_SEALED;
        return LEDGER_OK;
    }
    return LEDGER_CORRUPT;
}

/* Opens a sealed file's box into seed_out. */
static int keyfile_unseal(uint8_t seed_out[KEYFILE_SEED_BYTES], const uint8_t *buf,
                          const char *passphrase, size_t passphrase_len)
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    uint64_t opslimit = keyfile_load_u64be(buf + KEYFILE_OPSLIMIT_AT);
    uint64_t memlimit = keyfile_load_u64be(buf + KEYFILE_MEMLIMIT_AT);
    int rc;

    /* Costs come from the file: out of range means someone else wrote it. */
    if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE) {
        return LEDGER_CORRUPT;
    }
    rc = keyfile_derive(key, passphrase, passphrase_len, buf + KEYFILE_SALT_AT, opslimit,
                        (size_t)memlimit);
    if (rc == LEDGER_OK &&
        crypto_secretbox_open_easy(seed_out, buf + KEYFILE_BOX_AT, KEYFILE_BOX_BYTES,
                                   buf + KEYFILE_NONCE_AT, key) != 0) {
        /* A wrong passphrase and a tampered box look the same; the
         * passphrase is by far the likelier cause. */
        rc = LEDGER_KEY_PASSPHRASE;
    }
    sodium_memzero(key, sizeof key);
    return rc;
}

int keyfile_load(uint8_t seed_out[KEYFILE_SEED_BYTES], const char *path, const char *passphrase)
{
    uint8_t buf[KEYFILE_SEALED_BYTES + 1];
    uint8_t seed[KEYFILE_SEED_BYTES];
    size_t passphrase_len = 0;
    int format = -1;
    int rc;

    if (seed_out == NULL || path == NULL) {
        return LEDGER_INVALID_ARGUMENT;
    }
    rc = keyfile_prepare(passphrase, &passphrase_len);
    if (rc != LEDGER_OK) {
        return rc;
    }
    rc = keyfile_read(buf, &format, path);
    if (rc != LEDGER_OK) {
        goto done;
    }
    if (format == KEYFILE_FORMAT_PLAIN) {
        memcpy(seed, buf + KEYFILE_HEADER_BYTES, KEYFILE_SEED_BYTES);
    } else {
        assert(format == KEYFILE_FORMAT_SEALED);
        if (passphrase_len == 0) {
            rc = LEDGER_KEY_PASSPHRASE;
            goto done;
        }
        rc = keyfile_unseal(seed, buf, passphrase, passphrase_len);
        if (rc != LEDGER_OK) {
            goto done;
        }
    }
    memcpy(seed_out, seed, KEYFILE_SEED_BYTES);
done:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(buf, sizeof buf);
    return rc;
}
