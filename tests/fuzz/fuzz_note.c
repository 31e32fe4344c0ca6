/*
 * fuzz_note.c — libFuzzer target: the text formats auditors and scanners
 * hand us (signed notes, checkpoints, verifier keys, tlog-proof texts, the
 * whole offline proof check) take any bytes without crashing, and a
 * checkpoint or proof they accept formats back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static note_verifier verifier;
static char vkey[NOTE_VKEY_MAX];
static int ready;

static void setup(void)
{
    note_signer s;
    uint8_t seed[32] = {7};
    if (note_signer_from_seed(&s, "cauris.test/fuzz", seed) != 0)
        abort();
    note_verifier_of(&verifier, &s);
    if (note_vkey_format(vkey, sizeof vkey, &verifier) != 0)
        abort();
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static note_checkpoint c;
    static note_proof p;
    static char out[NOTE_PROOF_TEXT_MAX];
    const char *text = (const char *)data;
    size_t body_len, len;
    bool signed_by[1];
    note_verifier v;
    if (!ready)
        setup();
    (void)note_verify(text, size, &verifier, 1, &body_len, signed_by);
    if (note_checkpoint_parse(&c, text, size) == 0) {
        if (note_checkpoint_format(out, sizeof out, &len, &c) != 0 || len != size ||
            memcmp(out, data, size) != 0)
            abort();
    }
    if (note_proof_parse(&p, text, size) == 0) {
        if (note_proof_format(out, sizeof out, &len, &p) != 0)
            abort();
    }
    if (size < sizeof out) {
        memcpy(out, data, size);
        out[size] = '\0';
        (void)note_vkey_parse(&v, out);
    }
    char why[128];
    (void)ledger_proof_text_verify(text, size, vkey, data, size, why, sizeof why);
    return 0;
}
