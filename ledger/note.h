/*
 * note.h — checkpoints (C2SP tlog-checkpoint), signed notes (C2SP
 * signed-note) with Ed25519, verifier keys, and offline proofs (C2SP
 * tlog-proof@v1). The formats as cauris uses them: docs/checkpoints.md.
 *
 * Pure text and crypto: no LMDB, no files. Uses libsodium. Every parser here
 * reads untrusted text: it takes an explicit length, checks it against the
 * limits below, and rejects rather than guesses.
 *
 * Checkpoint body (the note text):
 *     <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
 * Signed note: the text (ending in '\n'), one empty line, then signature lines
 *     "\u2014 <key name> <base64(key id (4 bytes) || Ed25519 signature (64))>\n"
 * The text is split from the signatures at the last empty line; the
 * signature covers the text including its final '\n'. A note is valid UTF-8
 * with no control character other than '\n'.
 * Key id: the first 4 bytes of SHA-256(<key name> || 0x0A || 0x01 || pubkey)
 * (big-endian when read as a number, as in the 8 hex digits below).
 * Verifier key text: "<key name>+<key id, 8 hex digits>+<base64(0x01 || pubkey)>".
 * Key names are 1..NOTE_NAME_MAX bytes of UTF-8 with no Unicode space, no
 * '+' and no control character.
 */
#ifndef CAURIS_NOTE_H
#define CAURIS_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTE_NAME_MAX 128        /* key name bytes (no spaces, no '+') */
#define NOTE_SIGNATURES_MAX 16   /* signature lines in one note (signed-note: at least 16) */
#define NOTE_EXTENSIONS_MAX 8    /* checkpoint extension lines */
#define NOTE_LINE_MAX 256        /* one extension line, bytes */
#define NOTE_TEXT_MAX 2048       /* a whole signed note */
#define NOTE_VKEY_MAX 256        /* verifier key text */
#define NOTE_PROOF_TEXT_MAX 8192 /* a whole tlog-proof text */
#define NOTE_PROOF_HASHES_MAX 128

typedef struct note_signer {
    char name[NOTE_NAME_MAX + 1];
    uint8_t key_id[4];
    uint8_t pk[32];
    uint8_t sk[64]; /* libsodium Ed25519 secret key (seed || pk) */
} note_signer;

typedef struct note_verifier {
    char name[NOTE_NAME_MAX + 1];
    uint8_t key_id[4];
    uint8_t pk[32];
} note_verifier;

/* A signer from a 32-byte seed (crypto_sign_seed_keypair). 0 or -1 (bad name). */
int note_signer_from_seed(note_signer *out, const char *name, const uint8_t seed[32]);
/* The verifier matching a signer. */
void note_verifier_of(note_verifier *out, const note_signer *s);
void note_key_id(uint8_t out[4], const char *name, const uint8_t pk[32]);

/* Verifier key text (NUL-terminated) and its parser. 0 or -1. */
int note_vkey_format(char *out, size_t cap, const note_verifier *v);
int note_vkey_parse(note_verifier *out, const char *text);

typedef struct note_checkpoint {
    char origin[NOTE_NAME_MAX + 1];
    uint64_t size;
    uint8_t root[32];
    size_t extensions_count;
    char extensions[NOTE_EXTENSIONS_MAX][NOTE_LINE_MAX + 1];
} note_checkpoint;

/* Formats a checkpoint body (not NUL-terminated); *len_out its length. 0 or -1. */
int note_checkpoint_format(char *out, size_t cap, size_t *len_out, const note_checkpoint *c);
/* Parses a checkpoint body (the text before the empty line). 0 or -1. */
int note_checkpoint_parse(note_checkpoint *out, const char *body, size_t len);

/* Signs a body with each signer (1..NOTE_SIGNATURES_MAX): writes body + "\n" +
 * one signature line per signer, not NUL-terminated, at most NOTE_TEXT_MAX
 * bytes; `out` must not overlap `body`. `body` must end with '\n'.
 * 0 or -1 (no room, bad body, bad signer). */
int note_sign(char *out, size_t cap, size_t *len_out, const char *body, size_t body_len,
              const note_signer *signers, size_t signers_count);

/* Splits a signed note (`len` bytes, at most NOTE_TEXT_MAX, need not be
 * NUL-terminated) and checks it: every signature line whose name and key id
 * match one of `verifiers` must verify; at least one must. Lines from unknown
 * keys (name or key id not among `verifiers`) are ignored. On success
 * *body_len_out is the body's length (it starts at note[0]) and, if
 * verified_out is not NULL, verified_out[i] says whether verifiers[i] signed.
 * 0, or -1 when malformed, a known key's signature is bad, or none verified. */
int note_verify(const char *note, size_t len, const note_verifier *verifiers,
                size_t verifiers_count, size_t *body_len_out, bool *verified_out);

/* tlog-proof@v1 (c2sp.org/tlog-proof):
 *     "c2sp.org/tlog-proof@v1\n" ["extra <base64>\n"] "index N\n"
 *     ["<base64 hash>\n"]... "\n" <signed checkpoint note>
 * Hashes run from the leaf's sibling up to the root's child (RFC 6962
 * 2.1.1); an empty line ends them; the signed checkpoint note follows
 * verbatim. The spec's optional "extra" line is unauthenticated and has no
 * meaning in cauris: the formatter never writes one, the parser checks it is
 * base64 and drops it. Both require the checkpoint to be a well-formed signed
 * note whose text is a checkpoint with index < tree size (signatures are
 * checked by the caller, with note_verify). */
typedef struct note_proof {
    uint64_t index;
    size_t hashes_count;
    uint8_t hashes[NOTE_PROOF_HASHES_MAX][32];
    size_t checkpoint_len;
    char checkpoint[NOTE_TEXT_MAX]; /* the signed checkpoint note */
} note_proof;

/* Standard padded base64 of exactly b64[0..b64_len): 0 with the bytes in
 * out and their count, or -1 (bad alphabet, padding or trailing bits, or
 * more than cap bytes). */
int note_b64_decode(uint8_t *out, size_t cap, size_t *len_out, const char *b64, size_t b64_len);

/* Formats a proof (not NUL-terminated); *len_out its length. 0 or -1. */
int note_proof_format(char *out, size_t cap, size_t *len_out, const note_proof *p);
/* Parses a proof of `len` bytes (at most NOTE_PROOF_TEXT_MAX). 0 or -1. */
int note_proof_parse(note_proof *out, const char *text, size_t len);

#endif
