/*
 * note.c — signed notes, checkpoints, verifier keys and tlog proofs.
 *
 * This file turns the ledger's tree heads into text that any C2SP-compatible
 * tool can check, and reads such text back: the checkpoint body
 * (c2sp.org/tlog-checkpoint), the signed note around it (c2sp.org/signed-note,
 * Ed25519 only), the verifier key text, and the offline proof
 * (c2sp.org/tlog-proof@v1). It holds no state, touches no file and no
 * database; the caller decides which keys to trust.
 *
 * Everything parsed here may come from an attacker (a QR code, a file, the
 * network), so every parser takes an explicit length, checks it against a
 * named limit first, reads only inside [text, text + len), and rejects
 * anything the specs do not allow instead of repairing it. Out-parameters are
 * written only on success: each parser fills a local copy and copies it out
 * at the end. The formatters check their inputs with the same rules, so what
 * we write we can always read back.
 */
#include "ledger/note.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define NOTE_KEY_ID_BYTES 4
#define NOTE_PK_BYTES 32
#define NOTE_SIG_BYTES 64
#define NOTE_HASH_BYTES 32
#define NOTE_ALG_ED25519 0x01 /* signed-note signature type byte */
#define NOTE_NEWLINE 0x0A

/* U+2014 EM DASH and a space start every signature line. */
#define NOTE_SIG_PREFIX "\xE2\x80\x94 "
#define NOTE_SIG_PREFIX_LEN 4

#define NOTE_B64_VARIANT sodium_base64_VARIANT_ORIGINAL
/* Encoded lengths without the NUL that sodium_bin2base64 adds. */
#define NOTE_SIG_RAW_BYTES (NOTE_KEY_ID_BYTES + NOTE_SIG_BYTES)
#define NOTE_SIG_B64_LEN (sodium_base64_ENCODED_LEN(NOTE_SIG_RAW_BYTES, NOTE_B64_VARIANT) - 1)
#define NOTE_HASH_B64_LEN (sodium_base64_ENCODED_LEN(NOTE_HASH_BYTES, NOTE_B64_VARIANT) - 1)
#define NOTE_VKEY_RAW_BYTES (1 + NOTE_PK_BYTES)
#define NOTE_VKEY_B64_LEN (sodium_base64_ENCODED_LEN(NOTE_VKEY_RAW_BYTES, NOTE_B64_VARIANT) - 1)
#define NOTE_KEY_ID_HEX_LEN (2 * NOTE_KEY_ID_BYTES)

#define NOTE_DECIMAL_MAX 20 /* digits in UINT64_MAX */

/* A signature from a key we do not know may use any algorithm and any size;
 * the note size bounds its decoded length. */
#define NOTE_SIG_DECODED_MAX (NOTE_TEXT_MAX / 4 * 3)
/* Likewise the opaque "extra" data of a proof. */
#define NOTE_EXTRA_DECODED_MAX (NOTE_PROOF_TEXT_MAX / 4 * 3)

#define NOTE_PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define NOTE_PROOF_EXTRA "extra "
#define NOTE_PROOF_INDEX "index "

_Static_assert(crypto_sign_PUBLICKEYBYTES == NOTE_PK_BYTES, "Ed25519 public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == sizeof(((note_signer *)0)->sk),
               "note_signer.sk holds a libsodium Ed25519 secret key");
_Static_assert(crypto_sign_BYTES == NOTE_SIG_BYTES, "Ed25519 signature size");
_Static_assert(crypto_sign_SEEDBYTES == 32, "Ed25519 seed size");
_Static_assert(crypto_hash_sha256_BYTES >= NOTE_KEY_ID_BYTES, "key id is a SHA-256 prefix");
_Static_assert(NOTE_SIG_B64_LEN == 92 && NOTE_HASH_B64_LEN == 44 && NOTE_VKEY_B64_LEN == 44,
               "padded base64 lengths");
/* The longest verifier key text fits. */
_Static_assert(NOTE_NAME_MAX + 1 + NOTE_KEY_ID_HEX_LEN + 1 + NOTE_VKEY_B64_LEN <= NOTE_VKEY_MAX,
               "NOTE_VKEY_MAX too small");
/* The longest proof we format fits in NOTE_PROOF_TEXT_MAX. */
_Static_assert(sizeof NOTE_PROOF_HEADER + sizeof NOTE_PROOF_INDEX + NOTE_DECIMAL_MAX + 1 +
                       NOTE_PROOF_HASHES_MAX * (NOTE_HASH_B64_LEN + 1) + 1 + NOTE_TEXT_MAX <=
                   NOTE_PROOF_TEXT_MAX,
               "NOTE_PROOF_TEXT_MAX too small");

/* One signature line of a note, as split out by note_split. */
typedef struct note_sig_line {
    const char *name; /* points into the note */
    size_t name_len;
    uint8_t key_id[NOTE_KEY_ID_BYTES];
    bool is_ed25519_size; /* the decoded signature is 4 + 64 bytes */
    uint8_t sig[NOTE_SIG_BYTES];
} note_sig_line;

typedef struct note_split_result {
    size_t body_len;
    size_t sigs_count;
    note_sig_line sigs[NOTE_SIGNATURES_MAX];
} note_split_result;

/* ---- Text rules ---- */

/* Decodes one code point strictly, as Go's utf8.DecodeRune accepts it: no
 * overlong forms, no surrogates, nothing above U+10FFFF. Returns its length
 * in bytes, or 0 when s[0..len) does not start with a valid sequence. */
static size_t note_utf8_decode(uint32_t *cp_out, const uint8_t *s, size_t len)
{
    uint32_t cp;
    uint32_t cp_min;
    size_t n;

    assert(len > 0);
    if (s[0] < 0x80) {
        *cp_out = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        n = 2, cp = (uint32_t)s[0] & 0x1Fu, cp_min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, cp = (uint32_t)s[0] & 0x0Fu, cp_min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, cp = (uint32_t)s[0] & 0x07u, cp_min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | ((uint32_t)s[i] & 0x3Fu);
    }
    if (cp < cp_min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    *cp_out = cp;
    return n;
}

/* The signed-note rule for the whole text: valid UTF-8, and no ASCII control
 * character other than newline (this also rules out NUL bytes). */
static bool note_text_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        size_t n = note_utf8_decode(&cp, p + i, len - i);
        if (n == 0 || (cp < 0x20 && cp != NOTE_NEWLINE)) {
            return false;
        }
        i += n;
    }
    return true;
}

/* Unicode White_Space, the set Go's unicode.IsSpace tests: key names may
 * contain none of them, so a name always ends at the first space. */
static bool note_is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* A key name: 1..NOTE_NAME_MAX bytes of UTF-8, no space, no '+' (the
 * verifier key text separator), no control character. */
static bool note_name_valid(const char *name, size_t len)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0;
    uint32_t cp;

    if (len == 0 || len > NOTE_NAME_MAX) {
        return false;
    }
    while (i < len) {
        size_t n = note_utf8_decode(&cp, p + i, len - i);
        if (n == 0 || cp < 0x20 || cp == '+' || note_is_space(cp)) {
            return false;
        }
        i += n;
    }
    return true;
}

/* One line of a checkpoint (origin or extension): non-empty, at most len_max
 * bytes, note text rules, no newline inside. */
static bool note_line_valid(const char *s, size_t len, size_t len_max)
{
    return len > 0 && len <= len_max && memchr(s, '\n', len) == NULL && note_text_valid(s, len);
}

/* Length of a NUL-terminated string held in a char[len_max + 1] field, or
 * len_max + 1 when the field is not terminated (callers reject that). */
static size_t note_field_len(const char *field, size_t len_max)
{
    return strnlen(field, len_max + 1);
}

/* Next line of text[*pos..len): sets *line and *line_len (without the
 * newline) and moves *pos past the newline. -1 when no newline is left. */
static int note_next_line(const char **line, size_t *line_len, const char *text, size_t len,
                          size_t *pos)
{
    const char *nl;

    assert(*pos <= len);
    nl = memchr(text + *pos, '\n', len - *pos);
    if (nl == NULL) {
        return -1;
    }
    *line = text + *pos;
    *line_len = (size_t)(nl - *line);
    *pos += *line_len + 1;
    return 0;
}

/* ASCII decimal, no sign, no leading zero unless the number is 0. */
static int note_parse_u64(uint64_t *out, const char *s, size_t len)
{
    uint64_t v = 0;

    if (len == 0 || len > NOTE_DECIMAL_MAX || (s[0] == '0' && len > 1)) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            return -1;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

static bool note_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

/* Standard padded base64 (RFC 4648 section 4) of exactly the given text:
 * libsodium rejects missing padding and non-zero trailing bits, and with no
 * end pointer anything left unread. The alphabet is checked here first:
 * libsodium 1.0.18 decodes some bytes >= 0x80 as '/' (found by
 * tests/fuzz/fuzz_note.c), which would let two texts parse alike. */
int note_b64_decode(uint8_t *out, size_t cap, size_t *len_out, const char *b64, size_t b64_len)
{
    size_t n;

    for (size_t i = 0; i < b64_len; i++) {
        if (!note_b64_char(b64[i]))
            return -1;
    }
    if (b64_len == 0 ||
        sodium_base642bin(out, cap, b64, b64_len, NULL, &n, NULL, NOTE_B64_VARIANT) != 0) {
        return -1;
    }
    *len_out = n;
    return 0;
}

static int note_hash_decode(uint8_t out[NOTE_HASH_BYTES], const char *b64, size_t b64_len)
{
    size_t n;

    if (b64_len != NOTE_HASH_B64_LEN ||
        note_b64_decode(out, NOTE_HASH_BYTES, &n, b64, b64_len) != 0 || n != NOTE_HASH_BYTES) {
        return -1;
    }
    return 0;
}

/* ---- Keys ---- */

void note_key_id(uint8_t out[4], const char *name, const uint8_t pk[32])
{
    crypto_hash_sha256_state st;
    uint8_t hash[crypto_hash_sha256_BYTES];
    const uint8_t sep[2] = {NOTE_NEWLINE, NOTE_ALG_ED25519};

    assert(out != NULL && name != NULL && pk != NULL);
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep, sizeof sep);
    crypto_hash_sha256_update(&st, pk, NOTE_PK_BYTES);
    crypto_hash_sha256_final(&st, hash);
    memcpy(out, hash, NOTE_KEY_ID_BYTES);
}

int note_signer_from_seed(note_signer *out, const char *name, const uint8_t seed[32])
{
    note_signer s;
    size_t name_len;

    if (out == NULL || name == NULL || seed == NULL) {
        return -1;
    }
    name_len = strnlen(name, NOTE_NAME_MAX + 1);
    if (!note_name_valid(name, name_len) || sodium_init() < 0) {
        return -1;
    }
    memset(&s, 0, sizeof s);
    memcpy(s.name, name, name_len);
    crypto_sign_seed_keypair(s.pk, s.sk, seed);
    note_key_id(s.key_id, s.name, s.pk);
    *out = s;
    /* The local copy holds the secret key too. */
    sodium_memzero(&s, sizeof s);
    return 0;
}

void note_verifier_of(note_verifier *out, const note_signer *s)
{
    assert(out != NULL && s != NULL);
    memset(out, 0, sizeof *out);
    memcpy(out->name, s->name, sizeof out->name);
    out->name[NOTE_NAME_MAX] = '\0';
    memcpy(out->key_id, s->key_id, sizeof out->key_id);
    memcpy(out->pk, s->pk, sizeof out->pk);
}

int note_vkey_format(char *out, size_t cap, const note_verifier *v)
{
    uint8_t id[NOTE_KEY_ID_BYTES];
    uint8_t raw[NOTE_VKEY_RAW_BYTES];
    char hex[NOTE_KEY_ID_HEX_LEN + 1];
    char b64[NOTE_VKEY_B64_LEN + 1];
    size_t name_len;
    size_t pos = 0;

    if (out == NULL || v == NULL) {
        return -1;
    }
    name_len = note_field_len(v->name, NOTE_NAME_MAX);
    if (!note_name_valid(v->name, name_len)) {
        return -1;
    }
    /* A key id that does not match the key would make text no one can parse. */
    note_key_id(id, v->name, v->pk);
    if (memcmp(id, v->key_id, sizeof id) != 0) {
        return -1;
    }
    if (name_len + 1 + NOTE_KEY_ID_HEX_LEN + 1 + NOTE_VKEY_B64_LEN + 1 > cap) {
        return -1;
    }
    raw[0] = NOTE_ALG_ED25519;
    memcpy(raw + 1, v->pk, NOTE_PK_BYTES);
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, NOTE_B64_VARIANT);

    memcpy(out + pos, v->name, name_len), pos += name_len;
    out[pos++] = '+';
    memcpy(out + pos, hex, NOTE_KEY_ID_HEX_LEN), pos += NOTE_KEY_ID_HEX_LEN;
    out[pos++] = '+';
    memcpy(out + pos, b64, NOTE_VKEY_B64_LEN), pos += NOTE_VKEY_B64_LEN;
    out[pos] = '\0';
    assert(pos < cap);
    return 0;
}

static int note_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int note_vkey_parse(note_verifier *out, const char *text)
{
    note_verifier v;
    uint8_t id[NOTE_KEY_ID_BYTES];
    uint8_t raw[NOTE_VKEY_RAW_BYTES];
    const char *plus;
    const char *rest;
    size_t len, name_len, rest_len, raw_len;

    if (out == NULL || text == NULL) {
        return -1;
    }
    len = strnlen(text, NOTE_VKEY_MAX + 1);
    if (len > NOTE_VKEY_MAX) {
        return -1;
    }
    /* Names hold no '+', so the first one ends the name. */
    plus = memchr(text, '+', len);
    if (plus == NULL) {
        return -1;
    }
    name_len = (size_t)(plus - text);
    rest = plus + 1;
    rest_len = len - name_len - 1;
    if (!note_name_valid(text, name_len) || rest_len <= NOTE_KEY_ID_HEX_LEN + 1 ||
        rest[NOTE_KEY_ID_HEX_LEN] != '+') {
        return -1;
    }
    for (size_t i = 0; i < NOTE_KEY_ID_BYTES; i++) {
        int hi = note_hex_digit(rest[2 * i]);
        int lo = note_hex_digit(rest[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        id[i] = (uint8_t)(hi << 4 | lo);
    }
    if (note_b64_decode(raw, sizeof raw, &raw_len, rest + NOTE_KEY_ID_HEX_LEN + 1,
                        rest_len - NOTE_KEY_ID_HEX_LEN - 1) != 0 ||
        raw_len != sizeof raw || raw[0] != NOTE_ALG_ED25519) {
        return -1;
    }
    memset(&v, 0, sizeof v);
    memcpy(v.name, text, name_len);
    memcpy(v.pk, raw + 1, NOTE_PK_BYTES);
    note_key_id(v.key_id, v.name, v.pk);
    if (memcmp(v.key_id, id, sizeof id) != 0) {
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- Signed notes ---- */

/* Splits one signature line (without its newline): em dash, space, name,
 * space, base64 of key id || signature. */
static int note_split_sig_line(note_sig_line *out, const char *line, size_t len)
{
    uint8_t raw[NOTE_SIG_DECODED_MAX];
    const char *space;
    size_t name_len, raw_len;

    if (len < NOTE_SIG_PREFIX_LEN || memcmp(line, NOTE_SIG_PREFIX, NOTE_SIG_PREFIX_LEN) != 0) {
        return -1;
    }
    line += NOTE_SIG_PREFIX_LEN, len -= NOTE_SIG_PREFIX_LEN;
    space = memchr(line, ' ', len);
    if (space == NULL) {
        return -1;
    }
    name_len = (size_t)(space - line);
    if (!note_name_valid(line, name_len) ||
        note_b64_decode(raw, sizeof raw, &raw_len, space + 1, len - name_len - 1) != 0 ||
        raw_len <= NOTE_KEY_ID_BYTES) {
        return -1;
    }
    out->name = line;
    out->name_len = name_len;
    memcpy(out->key_id, raw, NOTE_KEY_ID_BYTES);
    out->is_ed25519_size = raw_len == NOTE_SIG_RAW_BYTES;
    memset(out->sig, 0, sizeof out->sig);
    if (out->is_ed25519_size) {
        memcpy(out->sig, raw + NOTE_KEY_ID_BYTES, NOTE_SIG_BYTES);
    }
    return 0;
}

/* Checks the shape of a signed note, without keys: size, text rules, the
 * last empty line, and every signature line. */
static int note_split(note_split_result *out, const char *note, size_t len)
{
    size_t split = 0;
    bool found = false;
    size_t pos;

    if (len == 0 || len > NOTE_TEXT_MAX || !note_text_valid(note, len) ||
        note[len - 1] != '\n') {
        return -1;
    }
    /* The text ends at the last "\n\n": signature lines are never empty. */
    for (size_t i = len - 1; i >= 1; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            split = i - 1, found = true;
            break;
        }
    }
    if (!found) {
        return -1;
    }
    out->body_len = split + 1;
    out->sigs_count = 0;
    pos = split + 2;
    if (pos >= len) {
        return -1; /* no signature line at all */
    }
    while (pos < len) {
        const char *line;
        size_t line_len;
        /* note ends with '\n', so a line is always found. */
        int rc = note_next_line(&line, &line_len, note, len, &pos);
        assert(rc == 0);
        (void)rc;
        if (out->sigs_count == NOTE_SIGNATURES_MAX ||
            note_split_sig_line(&out->sigs[out->sigs_count], line, line_len) != 0) {
            return -1;
        }
        out->sigs_count++;
    }
    return 0;
}

static bool note_sig_by(const note_sig_line *sig, const note_verifier *v)
{
    size_t name_len = note_field_len(v->name, NOTE_NAME_MAX);

    return name_len == sig->name_len && memcmp(v->name, sig->name, name_len) == 0 &&
           memcmp(v->key_id, sig->key_id, NOTE_KEY_ID_BYTES) == 0;
}

int note_sign(char *out, size_t cap, size_t *len_out, const char *body, size_t body_len,
              const note_signer *signers, size_t signers_count)
{
    uint8_t raw[NOTE_SIG_RAW_BYTES];
    char b64[NOTE_SIG_B64_LEN + 1];
    uint8_t id[NOTE_KEY_ID_BYTES];
    size_t total, pos;

    if (out == NULL || len_out == NULL || body == NULL || signers == NULL ||
        signers_count == 0 || signers_count > NOTE_SIGNATURES_MAX || body_len == 0 ||
        body_len > NOTE_TEXT_MAX || body[body_len - 1] != '\n' ||
        !note_text_valid(body, body_len) || sodium_init() < 0) {
        return -1;
    }
    /* Size and check everything first so nothing is half written. */
    total = body_len + 1;
    for (size_t i = 0; i < signers_count; i++) {
        size_t name_len = note_field_len(signers[i].name, NOTE_NAME_MAX);
        if (!note_name_valid(signers[i].name, name_len)) {
            return -1;
        }
        note_key_id(id, signers[i].name, signers[i].pk);
        if (memcmp(id, signers[i].key_id, sizeof id) != 0) {
            return -1;
        }
        total += NOTE_SIG_PREFIX_LEN + name_len + 1 + NOTE_SIG_B64_LEN + 1;
    }
    /* Never write a note our own verifier would refuse. */
    if (total > NOTE_TEXT_MAX || total > cap) {
        return -1;
    }
    memcpy(out, body, body_len);
    pos = body_len;
    out[pos++] = '\n';
    for (size_t i = 0; i < signers_count; i++) {
        size_t name_len = strlen(signers[i].name);
        memcpy(raw, signers[i].key_id, NOTE_KEY_ID_BYTES);
        crypto_sign_detached(raw + NOTE_KEY_ID_BYTES, NULL, (const uint8_t *)body, body_len,
                             signers[i].sk);
        sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, NOTE_B64_VARIANT);
        memcpy(out + pos, NOTE_SIG_PREFIX, NOTE_SIG_PREFIX_LEN), pos += NOTE_SIG_PREFIX_LEN;
        memcpy(out + pos, signers[i].name, name_len), pos += name_len;
        out[pos++] = ' ';
        memcpy(out + pos, b64, NOTE_SIG_B64_LEN), pos += NOTE_SIG_B64_LEN;
        out[pos++] = '\n';
    }
    assert(pos == total);
    *len_out = total;
    return 0;
}

int note_verify(const char *note, size_t len, const note_verifier *verifiers,
                size_t verifiers_count, size_t *body_len_out, bool *verified_out)
{
    note_split_result split;
    size_t verified_count = 0;

    if (note == NULL || body_len_out == NULL || (verifiers == NULL && verifiers_count > 0) ||
        sodium_init() < 0 || note_split(&split, note, len) != 0) {
        return -1;
    }
    /* The spec: a known key's signature must verify (else reject the note),
     * unknown ones are skipped, and at least one known key must have signed.
     * Every matching line is checked, duplicates included. */
    for (size_t s = 0; s < split.sigs_count; s++) {
        const note_sig_line *sig = &split.sigs[s];
        for (size_t v = 0; v < verifiers_count; v++) {
            if (!note_sig_by(sig, &verifiers[v])) {
                continue;
            }
            if (!sig->is_ed25519_size ||
                crypto_sign_verify_detached(sig->sig, (const uint8_t *)note, split.body_len,
                                            verifiers[v].pk) != 0) {
                return -1;
            }
            verified_count++;
        }
    }
    if (verified_count == 0) {
        return -1;
    }
    *body_len_out = split.body_len;
    if (verified_out != NULL) {
        /* Every line that matched a verifier verified, or we returned above. */
        for (size_t v = 0; v < verifiers_count; v++) {
            verified_out[v] = false;
            for (size_t s = 0; s < split.sigs_count; s++) {
                if (note_sig_by(&split.sigs[s], &verifiers[v])) {
                    verified_out[v] = true;
                    break;
                }
            }
        }
    }
    return 0;
}

/* ---- Checkpoints ---- */

int note_checkpoint_format(char *out, size_t cap, size_t *len_out, const note_checkpoint *c)
{
    char size_text[NOTE_DECIMAL_MAX + 1];
    char root_b64[NOTE_HASH_B64_LEN + 1];
    size_t ext_len[NOTE_EXTENSIONS_MAX];
    size_t origin_len, size_len, total, pos;
    int n;

    if (out == NULL || len_out == NULL || c == NULL ||
        c->extensions_count > NOTE_EXTENSIONS_MAX) {
        return -1;
    }
    origin_len = note_field_len(c->origin, NOTE_NAME_MAX);
    if (!note_line_valid(c->origin, origin_len, NOTE_NAME_MAX)) {
        return -1;
    }
    n = snprintf(size_text, sizeof size_text, "%" PRIu64, c->size);
    assert(n > 0 && (size_t)n < sizeof size_text);
    size_len = (size_t)n;
    total = origin_len + 1 + size_len + 1 + NOTE_HASH_B64_LEN + 1;
    for (size_t i = 0; i < c->extensions_count; i++) {
        ext_len[i] = note_field_len(c->extensions[i], NOTE_LINE_MAX);
        if (!note_line_valid(c->extensions[i], ext_len[i], NOTE_LINE_MAX)) {
            return -1;
        }
        total += ext_len[i] + 1;
    }
    if (total > cap) {
        return -1;
    }
    sodium_bin2base64(root_b64, sizeof root_b64, c->root, sizeof c->root, NOTE_B64_VARIANT);
    pos = 0;
    memcpy(out + pos, c->origin, origin_len), pos += origin_len;
    out[pos++] = '\n';
    memcpy(out + pos, size_text, size_len), pos += size_len;
    out[pos++] = '\n';
    memcpy(out + pos, root_b64, NOTE_HASH_B64_LEN), pos += NOTE_HASH_B64_LEN;
    out[pos++] = '\n';
    for (size_t i = 0; i < c->extensions_count; i++) {
        memcpy(out + pos, c->extensions[i], ext_len[i]), pos += ext_len[i];
        out[pos++] = '\n';
    }
    assert(pos == total);
    *len_out = total;
    return 0;
}

int note_checkpoint_parse(note_checkpoint *out, const char *body, size_t len)
{
    note_checkpoint c;
    const char *line;
    size_t line_len;
    size_t pos = 0;

    if (out == NULL || body == NULL || len == 0 || len > NOTE_TEXT_MAX ||
        body[len - 1] != '\n' || !note_text_valid(body, len)) {
        return -1;
    }
    memset(&c, 0, sizeof c);
    if (note_next_line(&line, &line_len, body, len, &pos) != 0 ||
        !note_line_valid(line, line_len, NOTE_NAME_MAX)) {
        return -1;
    }
    memcpy(c.origin, line, line_len);
    if (note_next_line(&line, &line_len, body, len, &pos) != 0 ||
        note_parse_u64(&c.size, line, line_len) != 0) {
        return -1;
    }
    if (note_next_line(&line, &line_len, body, len, &pos) != 0 ||
        note_hash_decode(c.root, line, line_len) != 0) {
        return -1;
    }
    while (pos < len) {
        /* body ends with '\n', so the line is always there. */
        if (note_next_line(&line, &line_len, body, len, &pos) != 0 ||
            c.extensions_count == NOTE_EXTENSIONS_MAX ||
            !note_line_valid(line, line_len, NOTE_LINE_MAX)) {
            return -1;
        }
        memcpy(c.extensions[c.extensions_count], line, line_len);
        c.extensions_count++;
    }
    *out = c;
    return 0;
}

/* ---- tlog-proof@v1 ---- */

/* The checkpoint part of a proof: a well-formed signed note whose text is a
 * checkpoint covering leaf `index`. Signatures are the caller's to check. */
static int note_proof_checkpoint_check(const char *note, size_t len, uint64_t index)
{
    note_split_result split;
    note_checkpoint c;

    if (note_split(&split, note, len) != 0 ||
        note_checkpoint_parse(&c, note, split.body_len) != 0 || index >= c.size) {
        return -1;
    }
    return 0;
}

int note_proof_format(char *out, size_t cap, size_t *len_out, const note_proof *p)
{
    char index_text[NOTE_DECIMAL_MAX + 1];
    char b64[NOTE_HASH_B64_LEN + 1];
    size_t index_len, total, pos;
    int n;

    if (out == NULL || len_out == NULL || p == NULL ||
        p->hashes_count > NOTE_PROOF_HASHES_MAX || p->checkpoint_len > NOTE_TEXT_MAX ||
        note_proof_checkpoint_check(p->checkpoint, p->checkpoint_len, p->index) != 0) {
        return -1;
    }
    n = snprintf(index_text, sizeof index_text, "%" PRIu64, p->index);
    assert(n > 0 && (size_t)n < sizeof index_text);
    index_len = (size_t)n;
    total = strlen(NOTE_PROOF_HEADER) + 1 + strlen(NOTE_PROOF_INDEX) + index_len + 1 +
            p->hashes_count * (NOTE_HASH_B64_LEN + 1) + 1 + p->checkpoint_len;
    assert(total <= NOTE_PROOF_TEXT_MAX);
    if (total > cap) {
        return -1;
    }
    pos = 0;
    memcpy(out + pos, NOTE_PROOF_HEADER "\n" NOTE_PROOF_INDEX,
           strlen(NOTE_PROOF_HEADER "\n" NOTE_PROOF_INDEX));
    pos += strlen(NOTE_PROOF_HEADER "\n" NOTE_PROOF_INDEX);
    memcpy(out + pos, index_text, index_len), pos += index_len;
    out[pos++] = '\n';
    for (size_t i = 0; i < p->hashes_count; i++) {
        sodium_bin2base64(b64, sizeof b64, p->hashes[i], NOTE_HASH_BYTES, NOTE_B64_VARIANT);
        memcpy(out + pos, b64, NOTE_HASH_B64_LEN), pos += NOTE_HASH_B64_LEN;
        out[pos++] = '\n';
    }
    out[pos++] = '\n';
    memcpy(out + pos, p->checkpoint, p->checkpoint_len), pos += p->checkpoint_len;
    assert(pos == total);
    *len_out = total;
    return 0;
}

/* The optional "extra" line: opaque, unauthenticated, unused by cauris. It
 * must still be well-formed base64. */
static int note_proof_extra_check(const char *b64, size_t b64_len)
{
    uint8_t raw[NOTE_EXTRA_DECODED_MAX];
    size_t raw_len;

    return note_b64_decode(raw, sizeof raw, &raw_len, b64, b64_len);
}

static bool note_has_prefix(const char *line, size_t line_len, const char *prefix)
{
    size_t prefix_len = strlen(prefix);

    return line_len >= prefix_len && memcmp(line, prefix, prefix_len) == 0;
}

int note_proof_parse(note_proof *out, const char *text, size_t len)
{
    note_proof p;
    const char *line;
    size_t line_len;
    size_t pos = 0;
    const size_t extra_len = strlen(NOTE_PROOF_EXTRA);
    const size_t index_len = strlen(NOTE_PROOF_INDEX);

    if (out == NULL || text == NULL || len > NOTE_PROOF_TEXT_MAX) {
        return -1;
    }
    memset(&p, 0, sizeof p);
    if (note_next_line(&line, &line_len, text, len, &pos) != 0 ||
        line_len != strlen(NOTE_PROOF_HEADER) ||
        memcmp(line, NOTE_PROOF_HEADER, line_len) != 0 ||
        note_next_line(&line, &line_len, text, len, &pos) != 0) {
        return -1;
    }
    if (note_has_prefix(line, line_len, NOTE_PROOF_EXTRA)) {
        if (note_proof_extra_check(line + extra_len, line_len - extra_len) != 0 ||
            note_next_line(&line, &line_len, text, len, &pos) != 0) {
            return -1;
        }
    }
    if (!note_has_prefix(line, line_len, NOTE_PROOF_INDEX) ||
        note_parse_u64(&p.index, line + index_len, line_len - index_len) != 0) {
        return -1;
    }
    for (;;) {
        if (note_next_line(&line, &line_len, text, len, &pos) != 0) {
            return -1;
        }
        if (line_len == 0) {
            break; /* the empty line before the checkpoint */
        }
        if (p.hashes_count == NOTE_PROOF_HASHES_MAX ||
            note_hash_decode(p.hashes[p.hashes_count], line, line_len) != 0) {
            return -1;
        }
        p.hashes_count++;
    }
    p.checkpoint_len = len - pos;
    if (p.checkpoint_len > NOTE_TEXT_MAX ||
        note_proof_checkpoint_check(text + pos, p.checkpoint_len, p.index) != 0) {
        return -1;
    }
    memcpy(p.checkpoint, text + pos, p.checkpoint_len);
    *out = p;
    return 0;
}
