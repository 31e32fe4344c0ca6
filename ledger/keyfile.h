/*
 * keyfile.h — the ledger's signing key file.
 *
 * The file holds the 32-byte Ed25519 seed, either plain or sealed with a
 * passphrase (crypto_pwhash Argon2id -> key, crypto_secretbox). It is created
 * with mode 0600 and O_EXCL; secrets are wiped with sodium_memzero. Layout in
 * docs/keyfile.md.
 */
#ifndef CAURIS_KEYFILE_H
#define CAURIS_KEYFILE_H

#include <stdint.h>

#define KEYFILE_SEED_BYTES 32
#define KEYFILE_PASSPHRASE_MAX 1024

/* Writes a new key file at `path` (must not exist). passphrase NULL or ""
 * = plain. Returns LEDGER_OK, LEDGER_IO (errno set; EEXIST if present) or
 * LEDGER_INVALID_ARGUMENT. */
int keyfile_create(const char *path, const uint8_t seed[KEYFILE_SEED_BYTES],
                   const char *passphrase);

/* Reads the seed. Returns LEDGER_OK, LEDGER_IO, LEDGER_CORRUPT (not a key
 * file, truncated), LEDGER_KEY_PASSPHRASE (sealed and passphrase missing or
 * wrong). */
int keyfile_load(uint8_t seed_out[KEYFILE_SEED_BYTES], const char *path,
                 const char *passphrase);

#endif
