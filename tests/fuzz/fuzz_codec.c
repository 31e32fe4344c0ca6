/*
 * fuzz_codec.c — libFuzzer target: the leaf decoders take any bytes without
 * reading past them, and what they accept is canonical: encoding the
 * decoded record gives back exactly the input bytes (one record, one byte
 * string, one hash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const uint8_t *data, size_t size, int rc, const uint8_t *out, size_t len)
{
    if (rc != 0 || len != size || memcmp(out, data, size) != 0)
        abort(); /* a decoded leaf must re-encode to the same bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[CODEC_LEAF_MAX];
    size_t len = 0;
    codec_entry e;
    codec_batch b;
    codec_key_event k;
    codec_programme p;
    codec_account a;
    codec_participant pa;
    codec_settings st;
    codec_closure cl;
    codec_group gr;
    if (codec_participant_decode(&pa, data, size) == 0)
        same(data, size, codec_participant_encode(out, sizeof out, &len, &pa), out, len);
    if (codec_settings_decode(&st, data, size) == 0)
        same(data, size, codec_settings_encode(out, sizeof out, &len, &st), out, len);
    if (codec_closure_decode(&cl, data, size) == 0)
        same(data, size, codec_closure_encode(out, sizeof out, &len, &cl), out, len);
    if (codec_group_decode(&gr, data, size) == 0)
        same(data, size, codec_group_encode(out, sizeof out, &len, &gr), out, len);
    if (codec_entry_decode(&e, data, size) == 0)
        same(data, size, codec_entry_encode(out, sizeof out, &len, &e), out, len);
    if (codec_batch_decode(&b, data, size) == 0)
        same(data, size, codec_batch_encode(out, sizeof out, &len, &b), out, len);
    if (codec_key_decode(&k, data, size) == 0)
        same(data, size, codec_key_encode(out, sizeof out, &len, &k), out, len);
    if (codec_programme_decode(&p, data, size) == 0)
        same(data, size, codec_programme_encode(out, sizeof out, &len, &p), out, len);
    if (codec_account_decode(&a, data, size) == 0)
        same(data, size, codec_account_encode(out, sizeof out, &len, &a), out, len);
    (void)codec_leaf_type_of(data, size);
    return 0;
}
