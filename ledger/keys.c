/*
 * keys.c — the ledger's signing keys over time: the key-event leaf that puts
 * each key inside the signed tree, the public verifier key file, and key
 * rotation.
 *
 * A rotation writes the new key file beside the old one (signing.key.next)
 * before the batch that records the new key commits, and renames it over
 * signing.key after: at every moment a key that can sign for the journal is
 * on disk. If the process dies in between, the next open finds
 * signing.key.next holding the journal's current key and finishes the job.
 *
 * Must never: leave the journal naming a key whose secret is not on disk, or
 * drop the old key before the new one's event is durable.
 */
#include "ledger/internal.h"
#include "ledger/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

int key_event_leaf(batch *b)
{
    codec_key_event k;
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    k.name.p = b->l->signer.name;
    k.name.len = (uint16_t)strlen(b->l->signer.name);
    memcpy(k.key_id, b->l->signer.key_id, 4);
    memcpy(k.public_key, b->l->signer.pk, 32);
    k.from_size = b->next_seq + 1; /* the size of this, the batch's last leaf's, tree */
    if (codec_key_encode(leaf, sizeof leaf, &len, &k) != 0)
        return LEDGER_CORRUPT;
    return batch_leaf(b, leaf, len);
}

int ledger_dir_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return LEDGER_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? LEDGER_OK : LEDGER_IO;
}

/* Writes the verifier key text of `v` to `file` in the ledger directory,
 * durably (temporary file, fsync, rename). */
static int vkey_file_write(ledger *l, const note_verifier *v, const char *file)
{
    char path[4200], tmp[4200], tmp_name[64], vkey[NOTE_VKEY_MAX];
    if (note_vkey_format(vkey, sizeof vkey, v) != 0)
        return LEDGER_CORRUPT;
    snprintf(tmp_name, sizeof tmp_name, "%s.tmp", file);
    ledger_path(path, sizeof path, l->dir, file);
    ledger_path(tmp, sizeof tmp, l->dir, tmp_name);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return LEDGER_IO;
    int ok = fprintf(f, "%s\n", vkey) > 0;
    ok = (fflush(f) == 0) && ok;
    ok = (fsync(fileno(f)) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return LEDGER_IO;
    }
    return LEDGER_OK;
}

int key_vkey_write(ledger *l)
{
    note_verifier v;
    note_verifier_of(&v, &l->signer);
    return vkey_file_write(l, &v, "signing.pub");
}

/* The public key recorded beside a pending rotation's key file. */
static int next_public_key(ledger *l, uint8_t pk[32])
{
    char path[4200], text[NOTE_VKEY_MAX + 2];
    note_verifier v;
    ledger_path(path, sizeof path, l->dir, "signing.pub.next");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *line = fgets(text, sizeof text, f);
    fclose(f);
    if (line == NULL)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    if (note_vkey_parse(&v, text) != 0)
        return -1;
    memcpy(pk, v.pk, 32);
    return 0;
}

int key_rotation_recover(ledger *l, const uint8_t journal_pk[32])
{
    char next[4200], next_pub[4200], current[4200], pub[4200];
    uint8_t pk[32];
    ledger_path(next, sizeof next, l->dir, "signing.key.next");
    ledger_path(next_pub, sizeof next_pub, l->dir, "signing.pub.next");
    ledger_path(current, sizeof current, l->dir, "signing.key");
    ledger_path(pub, sizeof pub, l->dir, "signing.pub");
    if (access(next, F_OK) != 0) {
        unlink(next_pub);
        return LEDGER_OK;
    }
    /* The public half, written before the commit, says whether the journal
     * took the new key, without needing its passphrase. */
    if (next_public_key(l, pk) != 0 || sodium_memcmp(pk, journal_pk, 32) != 0) {
        unlink(next); /* the rotation never committed: the old key stays */
        unlink(next_pub);
        return ledger_dir_sync(l->dir);
    }
    if (rename(next, current) != 0 || rename(next_pub, pub) != 0)
        return LEDGER_IO;
    return ledger_dir_sync(l->dir);
}

typedef struct rotate_ctx {
    note_signer retiring;
} rotate_ctx;

static int rotate_fn(ledger *l, void *vctx, batch *b)
{
    rotate_ctx *c = vctx;
    b->retiring = &c->retiring;
    int err = meta_put_bytes(b->txn, l, "key_pk", l->signer.pk, sizeof l->signer.pk);
    if (err == LEDGER_OK)
        err = key_event_leaf(b);
    return err;
}

int ledger_key_rotate(ledger *l, const char *passphrase)
{
    char next[4200], current[4200];
    uint8_t seed[KEYFILE_SEED_BYTES];
    note_signer fresh;
    note_verifier fresh_v;
    rotate_ctx ctx;
    if (l == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only || !l->has_signer)
        return LEDGER_READ_ONLY;
    ledger_path(next, sizeof next, l->dir, "signing.key.next");
    ledger_path(current, sizeof current, l->dir, "signing.key");
    pthread_mutex_lock(&l->write_mutex);
    /* An earlier rotation interrupted after its commit holds the journal's
     * key in signing.key.next: finish it before starting another. */
    int err = key_rotation_recover(l, l->signer.pk);
    if (err == LEDGER_OK) {
        randombytes_buf(seed, sizeof seed);
        err = keyfile_create(next, seed, passphrase);
        if (err == LEDGER_OK && note_signer_from_seed(&fresh, l->signer.name, seed) != 0)
            err = LEDGER_CORRUPT;
        sodium_memzero(seed, sizeof seed);
    }
    if (err == LEDGER_OK) {
        note_verifier_of(&fresh_v, &fresh);
        err = vkey_file_write(l, &fresh_v, "signing.pub.next");
    }
    if (err == LEDGER_OK)
        err = ledger_dir_sync(l->dir);
    if (err == LEDGER_OK) {
        ctx.retiring = l->signer;
        l->signer = fresh;
        err = batch_run(l, rotate_fn, &ctx, NULL);
        if (err != LEDGER_OK)
            l->signer = ctx.retiring; /* nothing committed: the old key stays */
    }
    if (err == LEDGER_OK) {
        /* Committed: the journal names the new key. A failure from here on
         * is finished by key_rotation_recover (next rotation or open). */
        err = key_rotation_recover(l, l->signer.pk);
    } else {
        char next_pub[4200];
        ledger_path(next_pub, sizeof next_pub, l->dir, "signing.pub.next");
        unlink(next);
        unlink(next_pub);
    }
    sodium_memzero(&ctx, sizeof ctx);
    sodium_memzero(&fresh, sizeof fresh);
    pthread_mutex_unlock(&l->write_mutex);
    return err;
}
