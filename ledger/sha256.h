/*
 * sha256.h — SHA-256 for the Merkle log, the hottest hashing in cauris
 * (two to three digests per entry posted, one per leaf verified).
 */
#ifndef CAURIS_SHA256_H
#define CAURIS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

/* SHA-256 of prefix || a || b (a and b may be NULL with length 0).
 * Thread-safe. */
void sha256_prefixed(uint8_t out[SHA256_BYTES], uint8_t prefix, const void *a, size_t a_len,
                     const void *b, size_t b_len);

#endif
