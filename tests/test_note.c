/*
 * test_note.c — signed notes, verifier keys, checkpoints and tlog proofs.
 *
 * Known answers come from two places, quoted byte for byte:
 *   - golang.org/x/mod, sumdb/note/note_test.go (the reference signed-note
 *     implementation): the PeterNeumann and EnochRoot keys, the signed
 *     "If you think cryptography..." note, its mangled-key and bad-message
 *     cases (TestNewVerifier, TestSign, TestOpen);
 *   - the C2SP specs (github.com/C2SP/C2SP): the example checkpoint body in
 *     tlog-checkpoint.md and the example proof lines in tlog-proof.md (its
 *     signatures are elided there, so the proof test signs that checkpoint
 *     with a key of ours).
 * Everything else is round trips with keys from fixed seeds, and malformed
 * input that must be refused with -1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ledger/note.h"

/* ---- golang.org/x/mod sumdb/note/note_test.go ---- */
#define GO_PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
/* From GO_PETER_SKEY
 * "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz": the base64
 * is 0x01 || the Ed25519 seed. */
#define GO_PETER_SKEY_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define GO_ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT                                                                                \
    "If you think cryptography is the answer to your problem,\n"                               \
    "then you don't know what your problem is.\n"
#define GO_PETER_SIG                                                                           \
    "\xE2\x80\x94 PeterNeumann "                                                               \
    "x08go/ZJkuBS9UG/"                                                                         \
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define GO_ENOCH_SIG                                                                           \
    "\xE2\x80\x94 EnochRoot "                                                                  \
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"                                             \
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* ---- C2SP tlog-checkpoint.md example ---- */
#define SPEC_CHECKPOINT_BODY                                                                   \
    "example.com/behind-the-sofa\n"                                                            \
    "20852163\n"                                                                               \
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

/* ---- C2SP tlog-proof.md example (lines before its checkpoint) ---- */
#define SPEC_PROOF_EXTRA "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
#define SPEC_PROOF_INDEX_AND_HASHES                                                            \
    "index 73894\n"                                                                            \
    "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"                                           \
    "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"                                           \
    "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"                                           \
    "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"                                           \
    "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"                                           \
    "\n"
#define SPEC_PROOF_CHECKPOINT_BODY                                                             \
    "example.com/fancylog\n"                                                                   \
    "109482\n"                                                                                 \
    "sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"

#define EM_DASH "\xE2\x80\x94"

static void seed_fill(uint8_t seed[32], uint8_t start)
{
    for (size_t i = 0; i < 32; i++) {
        seed[i] = (uint8_t)(start + i);
    }
}

static void signer_make(note_signer *s, const char *name, uint8_t start)
{
    uint8_t seed[32];
    seed_fill(seed, start);
    assert_int_equal(note_signer_from_seed(s, name, seed), 0);
}

static void go_peter_signer(note_signer *s)
{
    uint8_t raw[33];
    size_t raw_len;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, GO_PETER_SKEY_B64,
                                       strlen(GO_PETER_SKEY_B64), NULL, &raw_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(raw_len, 33);
    assert_int_equal(raw[0], 0x01);
    assert_int_equal(note_signer_from_seed(s, "PeterNeumann", raw + 1), 0);
}

/* Verifies a NUL-terminated note against one verifier. */
static int verify_str(const char *note, const note_verifier *v, size_t count)
{
    size_t body_len = 0;
    return note_verify(note, strlen(note), v, count, &body_len, NULL);
}

/* ---- verifier keys ---- */

static void test_go_vkey_round_trip(void **state)
{
    (void)state;
    note_verifier v;
    char text[NOTE_VKEY_MAX + 1];
    const uint8_t id[4] = {0xc7, 0x4f, 0x20, 0xa3};

    assert_int_equal(note_vkey_parse(&v, GO_PETER_VKEY), 0);
    assert_string_equal(v.name, "PeterNeumann");
    assert_memory_equal(v.key_id, id, 4);
    assert_int_equal(note_vkey_format(text, sizeof text, &v), 0);
    assert_string_equal(text, GO_PETER_VKEY);

    /* Exactly enough room, then one byte short. */
    assert_int_equal(note_vkey_format(text, strlen(GO_PETER_VKEY) + 1, &v), 0);
    assert_int_equal(note_vkey_format(text, strlen(GO_PETER_VKEY), &v), -1);

    /* A key id that does not match the key cannot be formatted. */
    v.key_id[0] ^= 1;
    assert_int_equal(note_vkey_format(text, sizeof text, &v), -1);

    /* Upper-case hex is what Go's parser accepts too. */
    assert_int_equal(
        note_vkey_parse(&v,
                        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        0);
}

/* Go's TestNewVerifier: every proper substring and every one-byte increment
 * of the key must be refused. */
static void test_go_vkey_manglings(void **state)
{
    (void)state;
    char b[sizeof GO_PETER_VKEY];
    const size_t len = strlen(GO_PETER_VKEY);
    note_verifier v;

    for (size_t i = 0; i <= len; i++) {
        for (size_t j = i + 1; j <= len; j++) {
            if (i == 0 && j == len) {
                continue;
            }
            memcpy(b, &GO_PETER_VKEY[i], j - i);
            b[j - i] = '\0';
            assert_int_equal(note_vkey_parse(&v, b), -1);
        }
    }
    memcpy(b, GO_PETER_VKEY, sizeof b);
    for (size_t i = 0; i < len; i++) {
        b[i]++;
        assert_int_equal(note_vkey_parse(&v, b), -1);
        b[i]--;
    }
    /* Go's two adjusted-hash cases: wrong key length, unknown algorithm. */
    assert_int_equal(note_vkey_parse(&v,
                                     "PeterNeumann+cc469956+"
                                     "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
                     -1);
    assert_int_equal(
        note_vkey_parse(&v,
                        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        -1);
}

static void test_vkey_round_trip_own_key(void **state)
{
    (void)state;
    note_signer s;
    note_verifier v, back;
    char text[NOTE_VKEY_MAX + 1];
    uint8_t id[4];

    signer_make(&s, "example.com/cauris/programme-1", 7);
    note_key_id(id, s.name, s.pk);
    assert_memory_equal(id, s.key_id, 4);
    note_verifier_of(&v, &s);
    assert_int_equal(note_vkey_format(text, sizeof text, &v), 0);
    assert_int_equal(note_vkey_parse(&back, text), 0);
    assert_string_equal(back.name, s.name);
    assert_memory_equal(back.key_id, s.key_id, 4);
    assert_memory_equal(back.pk, s.pk, 32);

    /* Too long: more than NOTE_VKEY_MAX bytes. */
    char long_text[NOTE_VKEY_MAX + 2];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(note_vkey_parse(&back, long_text), -1);
}

static void test_signer_names(void **state)
{
    (void)state;
    note_signer s;
    uint8_t seed[32];
    char name[NOTE_NAME_MAX + 2];

    seed_fill(seed, 1);
    assert_int_equal(note_signer_from_seed(&s, "", seed), -1);
    assert_int_equal(note_signer_from_seed(&s, "a b", seed), -1);
    assert_int_equal(note_signer_from_seed(&s, "a+b", seed), -1);
    assert_int_equal(note_signer_from_seed(&s, "a\tb", seed), -1);
    assert_int_equal(note_signer_from_seed(&s,
                                           "a\xC2\xA0"
                                           "b",
                                           seed),
                     -1); /* U+00A0 */
    assert_int_equal(note_signer_from_seed(&s,
                                           "a\xE3\x80\x80"
                                           "b",
                                           seed),
                     -1); /* U+3000 */
    assert_int_equal(note_signer_from_seed(&s,
                                           "a\xFF"
                                           "b",
                                           seed),
                     -1); /* not UTF-8 */
    assert_int_equal(note_signer_from_seed(&s, "caf\xC3\xA9.example", seed), 0);

    memset(name, 'n', NOTE_NAME_MAX);
    name[NOTE_NAME_MAX] = '\0';
    assert_int_equal(note_signer_from_seed(&s, name, seed), 0);
    name[NOTE_NAME_MAX] = 'n';
    name[NOTE_NAME_MAX + 1] = '\0';
    assert_int_equal(note_signer_from_seed(&s, name, seed), -1);
}

/* ---- signed notes: the Go known answers ---- */

/* Go's TestSign: Ed25519 is deterministic, so signing the text with the
 * PeterNeumann key must give the reference note byte for byte. */
static void test_go_sign_known_answer(void **state)
{
    (void)state;
    note_signer s;
    note_verifier v;
    char vkey[NOTE_VKEY_MAX + 1];
    char out[NOTE_TEXT_MAX];
    size_t len = 0;
    const char *want = GO_TEXT "\n" GO_PETER_SIG;
    const uint8_t id[4] = {0xc7, 0x4f, 0x20, 0xa3};

    go_peter_signer(&s);
    assert_memory_equal(s.key_id, id, 4);
    note_verifier_of(&v, &s);
    assert_int_equal(note_vkey_format(vkey, sizeof vkey, &v), 0);
    assert_string_equal(vkey, GO_PETER_VKEY);

    assert_int_equal(note_sign(out, sizeof out, &len, GO_TEXT, strlen(GO_TEXT), &s, 1), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
}

/* Go's TestOpen. */
static void test_go_open(void **state)
{
    (void)state;
    note_verifier vs[2];
    bool verified[2] = {false, false};
    size_t body_len = 0;
    const char *peter = GO_TEXT "\n" GO_PETER_SIG;
    const char *both = GO_TEXT "\n" GO_PETER_SIG GO_ENOCH_SIG;

    assert_int_equal(note_vkey_parse(&vs[0], GO_PETER_VKEY), 0);
    assert_int_equal(note_vkey_parse(&vs[1], GO_ENOCH_VKEY), 0);

    assert_int_equal(note_verify(peter, strlen(peter), vs, 1, &body_len, verified), 0);
    assert_int_equal(body_len, strlen(GO_TEXT));
    assert_true(verified[0]);

    /* One verified, one from a key we do not know: ignored. */
    body_len = 0;
    assert_int_equal(note_verify(both, strlen(both), vs, 1, &body_len, verified), 0);
    assert_int_equal(body_len, strlen(GO_TEXT));

    /* Both known, both verified. */
    verified[0] = verified[1] = false;
    assert_int_equal(note_verify(both, strlen(both), vs, 2, &body_len, verified), 0);
    assert_true(verified[0]);
    assert_true(verified[1]);

    /* Only Enoch known; Peter's line is ignored. */
    verified[0] = true;
    assert_int_equal(note_verify(both, strlen(both), &vs[1], 1, &body_len, verified), 0);
    assert_true(verified[0]);
    /* Peter's note and only Enoch known: no known signature. */
    assert_int_equal(verify_str(peter, &vs[1], 1), -1);

    /* No verifiers at all. */
    assert_int_equal(verify_str(both, NULL, 0), -1);

    /* Duplicated signatures, and an unknown key's mangled one, are fine. */
    const char *dup = GO_TEXT "\n" GO_PETER_SIG GO_PETER_SIG GO_ENOCH_SIG GO_ENOCH_SIG;
    assert_int_equal(verify_str(dup, vs, 1), 0);
    char mangled[NOTE_TEXT_MAX];
    const char *enoch = GO_ENOCH_SIG;
    snprintf(mangled, sizeof mangled, "%s\n%s%.60sABCD%s", GO_TEXT, GO_PETER_SIG, enoch,
             enoch + 60);
    assert_int_equal(verify_str(mangled, vs, 1), 0);
    /* ...but not when that key is known. */
    assert_int_equal(verify_str(mangled, vs, 2), -1);

    /* Go's "invalid signature": four base64 characters inserted. */
    const char *psig = GO_PETER_SIG;
    snprintf(mangled, sizeof mangled, "%s\n%.60sABCD%s", GO_TEXT, psig, psig + 60);
    assert_int_equal(verify_str(mangled, vs, 1), -1);
}

/* Go's badMsgs, plus the same note one byte at a time in the text. */
static void test_go_bad_messages(void **state)
{
    (void)state;
    note_verifier v;
    const char *bad[] = {
        GO_TEXT,
        GO_TEXT "\n",
        GO_TEXT "\n" EM_DASH
                " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        "\x01" GO_TEXT "\n" GO_PETER_SIG,
        "\xff" GO_TEXT "\n" GO_PETER_SIG,
        GO_TEXT "\n" EM_DASH " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        GO_TEXT "\n" GO_PETER_SIG "Unexpected line.\n",
    };

    assert_int_equal(note_vkey_parse(&v, GO_PETER_VKEY), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(verify_str(bad[i], &v, 1), -1);
    }
}

/* ---- signed notes: our own keys ---- */

static void test_sign_verify_round_trip(void **state)
{
    (void)state;
    note_signer ss[2];
    note_verifier vs[2];
    bool verified[2] = {false, false};
    char out[NOTE_TEXT_MAX];
    size_t len = 0, body_len = 0;
    const char *body = "example.com/cauris\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    signer_make(&ss[0], "example.com/cauris", 1);
    signer_make(&ss[1], "witness.example", 2);
    note_verifier_of(&vs[0], &ss[0]);
    note_verifier_of(&vs[1], &ss[1]);

    assert_int_equal(note_sign(out, sizeof out, &len, body, strlen(body), ss, 2), 0);
    assert_memory_equal(out, body, strlen(body));
    assert_int_equal(out[strlen(body)], '\n');
    assert_memory_equal(out + strlen(body) + 1, EM_DASH " example.com/cauris ",
                        strlen(EM_DASH " example.com/cauris "));
    assert_int_equal(note_verify(out, len, vs, 2, &body_len, verified), 0);
    assert_int_equal(body_len, strlen(body));
    assert_true(verified[0]);
    assert_true(verified[1]);

    /* A verifier that did not sign is reported as such. */
    note_signer other;
    note_verifier vs3[3];
    bool verified3[3] = {true, true, true};
    signer_make(&other, "other.example", 3);
    vs3[0] = vs[0];
    note_verifier_of(&vs3[1], &other);
    vs3[2] = vs[1];
    assert_int_equal(note_verify(out, len, vs3, 3, &body_len, verified3), 0);
    assert_true(verified3[0]);
    assert_false(verified3[1]);
    assert_true(verified3[2]);

    /* Exactly the room needed, then one byte short. */
    size_t need = len;
    assert_int_equal(note_sign(out, need, &len, body, strlen(body), ss, 2), 0);
    assert_int_equal(len, need);
    len = 12345;
    assert_int_equal(note_sign(out, need - 1, &len, body, strlen(body), ss, 2), -1);
    assert_int_equal(len, 12345); /* not written on failure */

    /* A text with an empty line inside: split at the last one. */
    const char *gaps = "a\n\nb\n";
    assert_int_equal(note_sign(out, sizeof out, &len, gaps, strlen(gaps), ss, 1), 0);
    assert_int_equal(note_verify(out, len, vs, 1, &body_len, NULL), 0);
    assert_int_equal(body_len, strlen(gaps));
}

/* Any single changed byte, anywhere in the note, must make it fail. */
static void test_every_byte_changed_fails(void **state)
{
    (void)state;
    note_signer s;
    note_verifier v;
    char note[NOTE_TEXT_MAX];
    size_t len = 0, body_len = 0;
    const char *body = "example.com/cauris\n42\nq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n";

    signer_make(&s, "example.com/cauris", 9);
    note_verifier_of(&v, &s);
    assert_int_equal(note_sign(note, sizeof note, &len, body, strlen(body), &s, 1), 0);
    assert_int_equal(note_verify(note, len, &v, 1, &body_len, NULL), 0);
    for (size_t i = 0; i < len; i++) {
        note[i] ^= 0x01;
        assert_int_equal(note_verify(note, len, &v, 1, &body_len, NULL), -1);
        note[i] ^= 0x01;
    }
    /* Truncated by one byte, or any amount. */
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_equal(note_verify(note, cut, &v, 1, &body_len, NULL), -1);
    }
}

static void test_unknown_and_known_keys(void **state)
{
    (void)state;
    note_signer a, b, a_other;
    note_verifier va, vb, va_other;
    char note[NOTE_TEXT_MAX];
    char forged[NOTE_TEXT_MAX];
    size_t len = 0, body_len = 0;
    const char *body = "hello\n";

    signer_make(&a, "a.example", 1);
    signer_make(&b, "b.example", 2);
    /* Same name as a, other key: other key id, so an unknown key to a's verifier. */
    signer_make(&a_other, "a.example", 3);
    note_verifier_of(&va, &a);
    note_verifier_of(&vb, &b);
    note_verifier_of(&va_other, &a_other);
    assert_memory_not_equal(va.key_id, va_other.key_id, 4);

    assert_int_equal(note_sign(note, sizeof note, &len, body, strlen(body), &b, 1), 0);
    /* Signed by b only: a's verifier knows no signature in it. */
    assert_int_equal(note_verify(note, len, &va, 1, &body_len, NULL), -1);
    assert_int_equal(note_verify(note, len, &vb, 1, &body_len, NULL), 0);

    assert_int_equal(note_sign(note, sizeof note, &len, body, strlen(body), &a_other, 1), 0);
    assert_int_equal(note_verify(note, len, &va, 1, &body_len, NULL), -1);

    /* A line with a known key's name and id but a wrong signature rejects the
     * whole note, even next to a good one: here a's good signature followed
     * by a's id with b's signature bytes. */
    size_t len_a = 0, len_b = 0;
    char note_b[NOTE_TEXT_MAX];
    assert_int_equal(note_sign(note, sizeof note, &len_a, body, strlen(body), &a, 1), 0);
    assert_int_equal(note_sign(note_b, sizeof note_b, &len_b, body, strlen(body), &b, 1), 0);
    {
        uint8_t raw[68];
        size_t raw_len = 0;
        char b64[93];
        const char *b_b64 = note_b + strlen(body) + 1 + strlen(EM_DASH " b.example ");
        assert_int_equal(sodium_base642bin(raw, sizeof raw, b_b64, 92, NULL, &raw_len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        memcpy(raw, a.key_id, 4);
        sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
        snprintf(forged, sizeof forged, "%.*s" EM_DASH " a.example %s\n", (int)len_a, note,
                 b64);
    }
    assert_int_equal(note_verify(forged, strlen(forged), &va, 1, &body_len, NULL), -1);
    /* With only b known, that line is from an unknown key (b's name differs). */
    assert_int_equal(note_verify(forged, strlen(forged), &vb, 1, &body_len, NULL), -1);
}

static void test_malformed_notes(void **state)
{
    (void)state;
    note_signer s;
    note_verifier v;
    char note[NOTE_TEXT_MAX + 64];
    size_t len = 0, body_len = 0;
    const char *body = "hello\n";
    char sig_line[256];

    signer_make(&s, "k", 5);
    note_verifier_of(&v, &s);
    assert_int_equal(note_sign(note, sizeof note, &len, body, strlen(body), &s, 1), 0);
    size_t sig_line_len = len - strlen(body) - 1;
    assert_true(sig_line_len < sizeof sig_line);
    memcpy(sig_line, note + strlen(body) + 1, sig_line_len);
    sig_line[sig_line_len] = '\0';
    const char *b64 = sig_line + strlen(EM_DASH " k ");

    char buf[NOTE_TEXT_MAX + 64];
    /* No blank line before the signatures. */
    snprintf(buf, sizeof buf, "hello\n%s", sig_line);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    /* ASCII "--" or an en dash instead of the em dash; no space after it. */
    snprintf(buf, sizeof buf, "hello\n\n-- k %s", b64);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    snprintf(buf, sizeof buf, "hello\n\n\xE2\x80\x93 k %s", b64);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    snprintf(buf, sizeof buf, "hello\n\n" EM_DASH "k %s", b64);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    /* Bad base64: a '!' in it, padding dropped, no base64 at all. */
    snprintf(buf, sizeof buf, "hello\n\n" EM_DASH " k !%s", b64 + 1);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    snprintf(buf, sizeof buf, "hello\n\n" EM_DASH " k %.91s\n", b64);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    assert_int_equal(verify_str("hello\n\n" EM_DASH " k \n", &v, 1), -1);
    assert_int_equal(verify_str("hello\n\n" EM_DASH " k\n", &v, 1), -1);
    /* Decodes to 4 bytes (a key id and no signature). */
    assert_int_equal(verify_str("hello\n\n" EM_DASH " k AAAAAA==\n", &v, 1), -1);
    /* Carriage returns are control characters. */
    snprintf(buf, sizeof buf, "hello\r\n\n%s", sig_line);
    assert_int_equal(verify_str(buf, &v, 1), -1);
    /* An empty note, a length of 0. */
    assert_int_equal(note_verify("", 0, &v, 1, &body_len, NULL), -1);
    assert_int_equal(note_verify(note, 0, &v, 1, &body_len, NULL), -1);

    /* A NUL byte inside the text (lengths, not C strings). */
    memcpy(buf, "hel\0o\n\n", 7);
    memcpy(buf + 7, sig_line, strlen(sig_line));
    assert_int_equal(note_verify(buf, 7 + strlen(sig_line), &v, 1, &body_len, NULL), -1);

    /* Too many signature lines: NOTE_SIGNATURES_MAX is fine, one more is not. */
    size_t pos = (size_t)snprintf(buf, sizeof buf, "hello\n\n");
    for (size_t i = 0; i < NOTE_SIGNATURES_MAX; i++) {
        memcpy(buf + pos, sig_line, strlen(sig_line));
        pos += strlen(sig_line);
    }
    assert_int_equal(note_verify(buf, pos, &v, 1, &body_len, NULL), 0);
    memcpy(buf + pos, sig_line, strlen(sig_line));
    pos += strlen(sig_line);
    assert_true(pos <= NOTE_TEXT_MAX);
    assert_int_equal(note_verify(buf, pos, &v, 1, &body_len, NULL), -1);

    /* Too long: a text that would make the note exceed NOTE_TEXT_MAX. */
    char *big = malloc(NOTE_TEXT_MAX + 256);
    assert_non_null(big);
    memset(big, 'x', NOTE_TEXT_MAX);
    big[NOTE_TEXT_MAX - 1] = '\n';
    assert_int_equal(note_sign(buf, sizeof buf, &len, big, NOTE_TEXT_MAX, &s, 1), -1);
    memcpy(big + NOTE_TEXT_MAX, "\n", 1);
    memcpy(big + NOTE_TEXT_MAX + 1, sig_line, strlen(sig_line));
    assert_int_equal(
        note_verify(big, NOTE_TEXT_MAX + 1 + strlen(sig_line), &v, 1, &body_len, NULL), -1);
    free(big);
}

static void test_sign_rejects(void **state)
{
    (void)state;
    note_signer s;
    note_signer many[NOTE_SIGNATURES_MAX + 1];
    char out[NOTE_TEXT_MAX];
    size_t len = 0;

    signer_make(&s, "k", 5);
    assert_int_equal(note_sign(out, sizeof out, &len, "no newline", 10, &s, 1), -1);
    assert_int_equal(note_sign(out, sizeof out, &len, "", 0, &s, 1), -1);
    assert_int_equal(note_sign(out, sizeof out, &len, "a\0b\n", 4, &s, 1), -1);
    assert_int_equal(note_sign(out, sizeof out, &len,
                               "a\x01"
                               "b\n",
                               4, &s, 1),
                     -1);
    assert_int_equal(note_sign(out, sizeof out, &len, "a\n", 2, &s, 0), -1);
    for (size_t i = 0; i < NOTE_SIGNATURES_MAX + 1; i++) {
        many[i] = s;
    }
    assert_int_equal(note_sign(out, sizeof out, &len, "a\n", 2, many, NOTE_SIGNATURES_MAX), 0);
    assert_int_equal(note_sign(out, sizeof out, &len, "a\n", 2, many, NOTE_SIGNATURES_MAX + 1),
                     -1);
    /* A signer whose key id does not match its key. */
    s.key_id[3] ^= 1;
    assert_int_equal(note_sign(out, sizeof out, &len, "a\n", 2, &s, 1), -1);
}

/* ---- checkpoints ---- */

static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    note_checkpoint c, back;
    char out[NOTE_TEXT_MAX];
    size_t len = 0;

    memset(&c, 0, sizeof c);
    strcpy(c.origin, "example.com/cauris/programme-1");
    c.size = 1234567;
    for (size_t i = 0; i < 32; i++) {
        c.root[i] = (uint8_t)(0xA0 + i);
    }
    c.extensions_count = 2;
    strcpy(c.extensions[0], "prev 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    strcpy(c.extensions[1], "time 1700000000");

    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    char root_b64[45];
    sodium_bin2base64(root_b64, sizeof root_b64, c.root, 32, sodium_base64_VARIANT_ORIGINAL);
    char want[NOTE_TEXT_MAX];
    snprintf(want, sizeof want, "example.com/cauris/programme-1\n1234567\n%s\n%s\n%s\n",
             root_b64, c.extensions[0], c.extensions[1]);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);

    assert_int_equal(note_checkpoint_parse(&back, out, len), 0);
    assert_string_equal(back.origin, c.origin);
    assert_true(back.size == c.size);
    assert_memory_equal(back.root, c.root, 32);
    assert_int_equal(back.extensions_count, 2);
    assert_string_equal(back.extensions[0], c.extensions[0]);
    assert_string_equal(back.extensions[1], c.extensions[1]);

    /* Size 0 and UINT64_MAX. */
    c.extensions_count = 0;
    c.size = 0;
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    assert_int_equal(note_checkpoint_parse(&back, out, len), 0);
    assert_true(back.size == 0);
    assert_int_equal(back.extensions_count, 0);
    c.size = UINT64_MAX;
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    assert_int_equal(note_checkpoint_parse(&back, out, len), 0);
    assert_true(back.size == UINT64_MAX);

    /* One byte short of room. */
    assert_int_equal(note_checkpoint_format(out, len - 1, &len, &c), -1);
}

/* The example body of C2SP tlog-checkpoint.md. */
static void test_checkpoint_spec_example(void **state)
{
    (void)state;
    note_checkpoint c;
    char out[NOTE_TEXT_MAX];
    size_t len = 0;

    assert_int_equal(
        note_checkpoint_parse(&c, SPEC_CHECKPOINT_BODY, strlen(SPEC_CHECKPOINT_BODY)), 0);
    assert_string_equal(c.origin, "example.com/behind-the-sofa");
    assert_true(c.size == 20852163);
    assert_int_equal(c.root[0], 0x0A); /* "CsUY..." */
    assert_int_equal(c.extensions_count, 0);
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    assert_int_equal(len, strlen(SPEC_CHECKPOINT_BODY));
    assert_memory_equal(out, SPEC_CHECKPOINT_BODY, len);
}

static int parse_str(const char *body)
{
    note_checkpoint c;
    return note_checkpoint_parse(&c, body, strlen(body));
}

#define ROOT_B64 "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

static void test_checkpoint_parse_rejects(void **state)
{
    (void)state;
    char buf[NOTE_TEXT_MAX * 2];

    assert_int_equal(parse_str("o\n1\n" ROOT_B64 "\n"), 0);
    assert_int_equal(parse_str("o\n18446744073709551615\n" ROOT_B64 "\n"), 0);
    /* Sizes: leading zeros, signs, spaces, overflow, empty. */
    assert_int_equal(parse_str("o\n01\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n00\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n+1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n-1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n 1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n1 \n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n0x1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n18446744073709551616\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n\n" ROOT_B64 "\n"), -1);
    /* Roots: bad base64, unpadded, 31 and 33 bytes, URL-safe alphabet. */
    assert_int_equal(parse_str("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I!\n"), -1);
    assert_int_equal(parse_str("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"), -1);
    assert_int_equal(parse_str("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n"), -1);
    assert_int_equal(parse_str("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA\n"), -1);
    assert_int_equal(parse_str("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n"), -1);
    /* Missing lines, missing final newline, empty origin, empty extension. */
    assert_int_equal(parse_str("o\n1\n"), -1);
    assert_int_equal(parse_str("o\n"), -1);
    assert_int_equal(parse_str(""), -1);
    assert_int_equal(parse_str("o\n1\n" ROOT_B64), -1);
    assert_int_equal(parse_str("\n1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\n1\n" ROOT_B64 "\n\n"), -1);
    assert_int_equal(parse_str("o\n1\n" ROOT_B64 "\nx\n\ny\n"), -1);
    /* Control characters and bad UTF-8. */
    assert_int_equal(parse_str("o\t\n1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(parse_str("o\xC0\xAF\n1\n" ROOT_B64 "\n"), -1);
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, "o\0\n1\n" ROOT_B64 "\n",
                                           strlen(ROOT_B64) + 6),
                     -1);

    /* Extensions: NOTE_EXTENSIONS_MAX fine, one more not; line length limit. */
    size_t pos = (size_t)snprintf(buf, sizeof buf, "o\n1\n" ROOT_B64 "\n");
    for (size_t i = 0; i < NOTE_EXTENSIONS_MAX; i++) {
        pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "ext %zu\n", i);
    }
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf, pos), 0);
    pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "one too many\n");
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf, pos), -1);

    pos = (size_t)snprintf(buf, sizeof buf, "o\n1\n" ROOT_B64 "\n");
    memset(buf + pos, 'e', NOTE_LINE_MAX);
    buf[pos + NOTE_LINE_MAX] = '\n';
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf, pos + NOTE_LINE_MAX + 1),
                     0);
    memset(buf + pos, 'e', NOTE_LINE_MAX + 1);
    buf[pos + NOTE_LINE_MAX + 1] = '\n';
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf, pos + NOTE_LINE_MAX + 2),
                     -1);

    /* Origin length limit. */
    memset(buf, 'o', NOTE_NAME_MAX + 1);
    pos = NOTE_NAME_MAX + 1;
    pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "\n1\n" ROOT_B64 "\n");
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf, pos), -1);
    assert_int_equal(note_checkpoint_parse(&(note_checkpoint){0}, buf + 1, pos - 1), 0);

    /* Out-pointer untouched on failure. */
    note_checkpoint c;
    memset(&c, 0x5A, sizeof c);
    assert_int_equal(note_checkpoint_parse(&c, "o\n01\n" ROOT_B64 "\n", 50), -1);
    assert_int_equal((unsigned char)c.origin[0], 0x5A);
}

static void test_checkpoint_format_rejects(void **state)
{
    (void)state;
    note_checkpoint c;
    char out[NOTE_TEXT_MAX];
    size_t len = 0;

    memset(&c, 0, sizeof c);
    strcpy(c.origin, "o");
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    c.origin[0] = '\0';
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
    strcpy(c.origin, "a\nb");
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
    memset(c.origin, 'o', sizeof c.origin); /* not terminated */
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
    strcpy(c.origin, "o");
    c.extensions_count = 1; /* an empty extension line */
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
    strcpy(c.extensions[0], "a\nb");
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
    strcpy(c.extensions[0], "ok");
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), 0);
    c.extensions_count = NOTE_EXTENSIONS_MAX + 1;
    assert_int_equal(note_checkpoint_format(out, sizeof out, &len, &c), -1);
}

/* ---- tlog-proof@v1 ---- */

/* Signs a checkpoint body with s into note; returns its length. */
static size_t signed_checkpoint(char *note, size_t cap, const char *body, const note_signer *s)
{
    size_t len = 0;
    assert_int_equal(note_sign(note, cap, &len, body, strlen(body), s, 1), 0);
    return len;
}

static void make_proof(note_proof *p, const note_signer *s, uint64_t index, size_t hashes)
{
    char body[NOTE_TEXT_MAX];
    memset(p, 0, sizeof *p);
    snprintf(body, sizeof body, "example.com/cauris\n100\n" ROOT_B64 "\ntime 1700000000\n");
    p->index = index;
    p->hashes_count = hashes;
    for (size_t i = 0; i < hashes; i++) {
        for (size_t j = 0; j < 32; j++) {
            p->hashes[i][j] = (uint8_t)(i * 7 + j);
        }
    }
    p->checkpoint_len = signed_checkpoint(p->checkpoint, sizeof p->checkpoint, body, s);
}

static void test_proof_round_trip(void **state)
{
    (void)state;
    note_signer s;
    note_verifier v;
    note_proof *p = calloc(1, sizeof *p);
    note_proof *back = calloc(1, sizeof *back);
    char *out = malloc(NOTE_PROOF_TEXT_MAX);
    size_t len = 0, body_len = 0;

    assert_non_null(p);
    assert_non_null(back);
    assert_non_null(out);
    signer_make(&s, "example.com/cauris", 4);
    note_verifier_of(&v, &s);

    for (size_t hashes = 0; hashes <= 7; hashes += 7) {
        make_proof(p, &s, 42, hashes);
        assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &len, p), 0);
        const char *head = "c2sp.org/tlog-proof@v1\nindex 42\n";
        assert_memory_equal(out, head, strlen(head));
        assert_int_equal(len, strlen(head) + hashes * 45 + 1 + p->checkpoint_len);
        assert_memory_equal(out + len - p->checkpoint_len, p->checkpoint, p->checkpoint_len);

        assert_int_equal(note_proof_parse(back, out, len), 0);
        assert_true(back->index == 42);
        assert_int_equal(back->hashes_count, hashes);
        assert_memory_equal(back->hashes, p->hashes, hashes * 32);
        assert_int_equal(back->checkpoint_len, p->checkpoint_len);
        assert_memory_equal(back->checkpoint, p->checkpoint, p->checkpoint_len);
        assert_int_equal(
            note_verify(back->checkpoint, back->checkpoint_len, &v, 1, &body_len, NULL), 0);
        /* Room for all but one byte. */
        assert_int_equal(note_proof_format(out, len - 1, &len, p), -1);
    }

    /* The largest proof fits in NOTE_PROOF_TEXT_MAX. */
    make_proof(p, &s, 99, NOTE_PROOF_HASHES_MAX);
    assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &len, p), 0);
    assert_int_equal(note_proof_parse(back, out, len), 0);
    assert_int_equal(back->hashes_count, NOTE_PROOF_HASHES_MAX);

    /* Formatting refuses what parsing would refuse. */
    p->hashes_count = NOTE_PROOF_HASHES_MAX + 1;
    assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &len, p), -1);
    make_proof(p, &s, 100, 1); /* index == tree size */
    assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &len, p), -1);
    make_proof(p, &s, 1, 1);
    p->checkpoint_len -= 1; /* no final newline */
    assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &len, p), -1);

    free(out);
    free(back);
    free(p);
}

/* The lines of the C2SP tlog-proof.md example, with its checkpoint body
 * signed by a key of ours (the spec elides its signatures). */
static void test_proof_spec_example(void **state)
{
    (void)state;
    note_signer s;
    note_proof *p = calloc(1, sizeof *p);
    char *text = malloc(NOTE_PROOF_TEXT_MAX);
    char *out = malloc(NOTE_PROOF_TEXT_MAX);
    char note[NOTE_TEXT_MAX];
    size_t note_len, len = 0, out_len = 0;
    uint8_t first[32];
    size_t first_len = 0;

    assert_non_null(p);
    assert_non_null(text);
    assert_non_null(out);
    signer_make(&s, "example.com/fancylog", 6);
    note_len = signed_checkpoint(note, sizeof note, SPEC_PROOF_CHECKPOINT_BODY, &s);
    len = (size_t)snprintf(
        text, NOTE_PROOF_TEXT_MAX,
        "c2sp.org/tlog-proof@v1\n" SPEC_PROOF_EXTRA SPEC_PROOF_INDEX_AND_HASHES "%.*s",
        (int)note_len, note);

    assert_int_equal(note_proof_parse(p, text, len), 0);
    assert_true(p->index == 73894);
    assert_int_equal(p->hashes_count, 5);
    assert_int_equal(sodium_base642bin(first, sizeof first,
                                       "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=", 44, NULL,
                                       &first_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_memory_equal(p->hashes[0], first, 32);
    assert_int_equal(p->checkpoint_len, note_len);

    /* We never write the extra line: the same text without it. */
    assert_int_equal(note_proof_format(out, NOTE_PROOF_TEXT_MAX, &out_len, p), 0);
    size_t extra_len = strlen(SPEC_PROOF_EXTRA);
    size_t header_len = strlen("c2sp.org/tlog-proof@v1\n");
    assert_int_equal(out_len, len - extra_len);
    assert_memory_equal(out, text, header_len);
    assert_memory_equal(out + header_len, text + header_len + extra_len, out_len - header_len);

    free(out);
    free(text);
    free(p);
}

static int proof_parse_str(const char *head, const char *note, size_t note_len)
{
    note_proof *p = calloc(1, sizeof *p);
    char *text = malloc(NOTE_PROOF_TEXT_MAX * 2);
    int rc;

    assert_non_null(p);
    assert_non_null(text);
    size_t head_len = strlen(head);
    memcpy(text, head, head_len);
    memcpy(text + head_len, note, note_len);
    rc = note_proof_parse(p, text, head_len + note_len);
    free(text);
    free(p);
    return rc;
}

#define H1 "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"

static void test_proof_parse_rejects(void **state)
{
    (void)state;
    note_signer s;
    char note[NOTE_TEXT_MAX];
    size_t note_len;

    signer_make(&s, "example.com/cauris", 4);
    note_len =
        signed_checkpoint(note, sizeof note, "example.com/cauris\n10\n" ROOT_B64 "\n", &s);

    assert_int_equal(
        proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n" H1 "\n", note, note_len), 0);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 0\n\n", note, note_len), 0);
    /* Header line. */
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v2\nindex 9\n\n", note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1 \nindex 9\n\n", note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("index 9\n\n", note, note_len), -1);
    /* Index line. */
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 09\n\n", note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex \n\n", note, note_len), -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex  9\n\n", note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nIndex 9\n\n", note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\n" H1 "\n", note, note_len), -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 10\n\n", note, note_len),
                     -1);
    /* Extra line: must be base64, and comes before the index. */
    assert_int_equal(
        proof_parse_str("c2sp.org/tlog-proof@v1\nextra AAAA\nindex 9\n\n", note, note_len), 0);
    assert_int_equal(
        proof_parse_str("c2sp.org/tlog-proof@v1\nextra AA!A\nindex 9\n\n", note, note_len), -1);
    assert_int_equal(
        proof_parse_str("c2sp.org/tlog-proof@v1\nextra \nindex 9\n\n", note, note_len), -1);
    assert_int_equal(
        proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\nextra AAAA\n\n", note, note_len), -1);
    /* Hash lines: bad base64, 31 bytes, no empty line before the checkpoint. */
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n"
                                     "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPl!=\n\n",
                                     note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n"
                                     "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPg==\n\n",
                                     note, note_len),
                     -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n" H1, note, note_len),
                     -1);
    /* The checkpoint: missing, unsigned, not a checkpoint. */
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n\n", "", 0), -1);
    assert_int_equal(proof_parse_str("c2sp.org/tlog-proof@v1\nindex 9\n\n",
                                     "example.com/cauris\n10\n" ROOT_B64 "\n",
                                     strlen("example.com/cauris\n10\n" ROOT_B64 "\n")),
                     -1);
    {
        char other[NOTE_TEXT_MAX];
        size_t other_len = signed_checkpoint(other, sizeof other, "just a note\n", &s);
        assert_int_equal(
            proof_parse_str("c2sp.org/tlog-proof@v1\nindex 0\n\n", other, other_len), -1);
    }

    /* Too many hashes. */
    {
        char *head = malloc(NOTE_PROOF_TEXT_MAX * 2);
        assert_non_null(head);
        size_t pos = (size_t)sprintf(head, "c2sp.org/tlog-proof@v1\nindex 9\n");
        for (size_t i = 0; i < NOTE_PROOF_HASHES_MAX + 1; i++) {
            pos += (size_t)sprintf(head + pos, "%s", H1);
        }
        sprintf(head + pos, "\n");
        assert_int_equal(proof_parse_str(head, note, note_len), -1);
        free(head);
    }

    /* Every strict prefix of a valid proof is refused. */
    {
        note_proof *p = calloc(1, sizeof *p);
        char *text = malloc(NOTE_PROOF_TEXT_MAX);
        assert_non_null(p);
        assert_non_null(text);
        size_t len = (size_t)sprintf(text, "c2sp.org/tlog-proof@v1\nindex 9\n" H1 H1 "\n");
        memcpy(text + len, note, note_len);
        len += note_len;
        assert_int_equal(note_proof_parse(p, text, len), 0);
        for (size_t cut = 0; cut < len; cut++) {
            assert_int_equal(note_proof_parse(p, text, cut), -1);
        }
        assert_int_equal(note_proof_parse(p, text, NOTE_PROOF_TEXT_MAX + 1), -1);
        free(text);
        free(p);
    }
}

/* Regression (found by tests/fuzz/fuzz_note.c): libsodium 1.0.18 decodes
 * some bytes >= 0x80 as '/', so a root line with them parsed as if it held
 * slashes. Every base64 field must refuse bytes outside the alphabet. */
static void test_base64_alphabet_strict(void **state)
{
    (void)state;
    note_checkpoint c;
    const char good[] = "ca312f0\n6\noxlePSx/7LrGdfIfE8is/demo/bda3121//ndGm5sAA=\n";
    const char bad[] = "ca312f0\n6\noxlePSx/7LrGdfIfE8is/demo/bda3121\xcd\x99ndGm5sAA=\n";
    assert_int_equal(note_checkpoint_parse(&c, good, sizeof good - 1), 0);
    assert_int_equal(note_checkpoint_parse(&c, bad, sizeof bad - 1), -1);
    /* Each byte >= 0x80 in place of a '/' of the root is refused. */
    char text[sizeof good];
    memcpy(text, good, sizeof good);
    char *slash = strstr(text, "//");
    assert_non_null(slash);
    for (int b = 0x80; b <= 0xff; b++) {
        slash[0] = (char)b;
        assert_int_equal(note_checkpoint_parse(&c, text, sizeof good - 1), -1);
    }
    note_verifier v;
    assert_int_equal(
        note_vkey_parse(&v,
                        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        0);
    assert_int_equal(
        note_vkey_parse(
            &v, "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq\xcdLDE4izWy10TW"),
        -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_alphabet_strict),
        cmocka_unit_test(test_go_vkey_round_trip),
        cmocka_unit_test(test_go_vkey_manglings),
        cmocka_unit_test(test_vkey_round_trip_own_key),
        cmocka_unit_test(test_signer_names),
        cmocka_unit_test(test_go_sign_known_answer),
        cmocka_unit_test(test_go_open),
        cmocka_unit_test(test_go_bad_messages),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_every_byte_changed_fails),
        cmocka_unit_test(test_unknown_and_known_keys),
        cmocka_unit_test(test_malformed_notes),
        cmocka_unit_test(test_sign_rejects),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_spec_example),
        cmocka_unit_test(test_checkpoint_parse_rejects),
        cmocka_unit_test(test_checkpoint_format_rejects),
        cmocka_unit_test(test_proof_round_trip),
        cmocka_unit_test(test_proof_spec_example),
        cmocka_unit_test(test_proof_parse_rejects),
    };

    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
