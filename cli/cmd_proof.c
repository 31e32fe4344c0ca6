/*
 * cmd_proof.c — what an auditor runs: `cauris checkpoint` (a signed
 * checkpoint note), `cauris proof` (an offline tlog-proof of one leaf, a
 * consistency proof between two tree sizes) and `cauris proof --check`
 * (checks a proof offline: no ledger needed, only the verifier key).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char checkpoint_usage[] =
    "usage: cauris checkpoint DIR [--tree-size N]\n"
    "\n"
    "Prints the latest signed checkpoint (a C2SP signed note: origin, tree size,\n"
    "root hash, signatures), or the one signed for tree size N.\n";

static const char proof_usage[] =
    "usage: cauris proof DIR SEQ [--leaf-out FILE]\n"
    "       cauris proof DIR --consistency OLD NEW\n"
    "       cauris proof --check PROOF_FILE --leaf FILE --key VKEY_OR_FILE\n"
    "\n"
    "The first form prints an offline proof (C2SP tlog-proof@v1) that leaf SEQ is\n"
    "in the tree of the latest signed checkpoint; --leaf-out writes the leaf's\n"
    "raw bytes to FILE, which is what --check hashes.\n"
    "The second prints the consistency proof between tree sizes OLD and NEW, one\n"
    "base64 hash per line (RFC 6962 section 2.1.2).\n"
    "The third checks a proof offline against a verifier key (the key text or a\n"
    "file holding it, e.g. DIR/signing.pub): prints 'proof ok' and exits 0, or\n"
    "the reason and exits 1.\n";

#define CHECKPOINT_CMD "checkpoint"
#define PROOF_CMD "proof"
#define VKEY_MAX 512 /* bytes of a verifier key's text */

int cmd_checkpoint(int argc, char **argv)
{
    const char *size_text = NULL;
    const cli_opt opts[] = {{"tree-size", &size_text, NULL}, {NULL, NULL, NULL}};
    cli_args a;
    uint64_t size = 0;
    int rc = cli_args_parse(CHECKPOINT_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(checkpoint_usage);
    if (a.pos_count != 1)
        return cli_usage_error(CHECKPOINT_CMD, "needs exactly one ledger directory");
    if (size_text != NULL && (cli_parse_u64(size_text, &size) != 0 || size == 0))
        return cli_usage_error(CHECKPOINT_CMD, "--tree-size '%s' is not a positive number",
                               size_text);
    ledger *l = NULL;
    char note[LEDGER_CHECKPOINT_MAX];
    size_t len = 0;
    rc = cli_ledger_open(CHECKPOINT_CMD, a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    int err = size_text ? ledger_checkpoint_get(l, size, note, sizeof note, &len)
                        : ledger_checkpoint_latest(l, note, sizeof note, &len, NULL);
    ledger_close(l);
    if (err == LEDGER_NOT_FOUND)
        return cli_fail(CHECKPOINT_CMD,
                        "no checkpoint was signed for tree size %llu (one is "
                        "signed per commit)",
                        (unsigned long long)size);
    if (err != LEDGER_OK)
        return cli_fail_ledger(CHECKPOINT_CMD, a.pos[0], err);
    fwrite(note, 1, len, stdout);
    return CLI_EXIT_OK;
}

static int file_write(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return cli_fail(PROOF_CMD, "cannot create %s: %s", path, strerror(errno));
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return cli_fail(PROOF_CMD, "cannot write %s: %s", path, strerror(errno));
    return CLI_EXIT_OK;
}

static int proof_check(const char *proof_path, const char *leaf_path, const char *key_arg)
{
    char vkey[VKEY_MAX], why[256];
    char *proof = NULL, *leaf = NULL;
    size_t proof_len = 0, leaf_len = 0;
    int rc = cli_vkey_arg(PROOF_CMD, key_arg, vkey, sizeof vkey);
    if (rc == CLI_EXIT_OK)
        rc = cli_file_read(PROOF_CMD, proof_path, LEDGER_PROOF_TEXT_MAX, &proof, &proof_len);
    if (rc == CLI_EXIT_OK)
        rc = cli_file_read(PROOF_CMD, leaf_path, CLI_LEAF_MAX, &leaf, &leaf_len);
    if (rc == CLI_EXIT_OK) {
        int err = ledger_proof_text_verify(proof, proof_len, vkey, (const uint8_t *)leaf,
                                           leaf_len, why, sizeof why);
        if (err == LEDGER_OK)
            printf("proof ok\n");
        else if (err == LEDGER_VERIFY_FAILED)
            rc = cli_fail(PROOF_CMD, "proof FAILED: %s", why[0] ? why : ledger_strerror(err));
        else
            rc = cli_fail_ledger(PROOF_CMD, "checking the proof", err);
    }
    free(proof);
    free(leaf);
    return rc;
}

static int proof_consistency(ledger *l, const char *old_text, const char *new_text)
{
    uint64_t size_old, size_new;
    uint8_t(*hashes)[LEDGER_HASH_BYTES] = NULL;
    size_t count = 0;
    if (cli_parse_u64(old_text, &size_old) != 0 || cli_parse_u64(new_text, &size_new) != 0 ||
        size_old == 0 || size_old > size_new)
        return cli_usage_error(PROOF_CMD, "--consistency needs two tree sizes 0 < OLD <= NEW");
    hashes = calloc(LEDGER_PROOF_MAX, sizeof *hashes);
    if (hashes == NULL)
        return cli_fail(PROOF_CMD, "out of memory");
    int err = ledger_consistency_proof(l, size_old, size_new, hashes, &count);
    int rc = CLI_EXIT_OK;
    if (err == LEDGER_NOT_FOUND)
        rc = cli_fail(PROOF_CMD, "tree size %llu is beyond the ledger's tree",
                      (unsigned long long)size_new);
    else if (err != LEDGER_OK)
        rc = cli_fail_ledger(PROOF_CMD, "consistency proof", err);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < count; i++) {
        char b64[4 * ((LEDGER_HASH_BYTES + 2) / 3) + 1];
        cli_base64(b64, sizeof b64, hashes[i], LEDGER_HASH_BYTES);
        printf("%s\n", b64);
    }
    free(hashes);
    return rc;
}

static int proof_inclusion(ledger *l, const char *seq_text, const char *leaf_out)
{
    uint64_t seq;
    size_t len = 0;
    if (cli_parse_u64(seq_text, &seq) != 0)
        return cli_usage_error(PROOF_CMD, "'%s' is not a seq (a whole number)", seq_text);
    char *text = malloc(LEDGER_PROOF_TEXT_MAX);
    uint8_t *leaf = malloc(CLI_LEAF_MAX);
    int rc = CLI_EXIT_OK;
    if (text == NULL || leaf == NULL)
        rc = cli_fail(PROOF_CMD, "out of memory");
    int err = rc == CLI_EXIT_OK ? ledger_proof_text(l, seq, text, LEDGER_PROOF_TEXT_MAX, &len)
                                : LEDGER_OK;
    if (err == LEDGER_NOT_FOUND)
        rc = cli_fail(PROOF_CMD, "leaf %llu is not in the tree of the latest checkpoint",
                      (unsigned long long)seq);
    else if (err != LEDGER_OK)
        rc = cli_fail_ledger(PROOF_CMD, "inclusion proof", err);
    if (rc == CLI_EXIT_OK && leaf_out != NULL) {
        size_t leaf_len = 0;
        err = ledger_leaf_get(l, seq, leaf, CLI_LEAF_MAX, &leaf_len);
        if (err != LEDGER_OK)
            rc = cli_fail_ledger(PROOF_CMD, "reading the leaf", err);
        else
            rc = file_write(leaf_out, leaf, leaf_len);
    }
    if (rc == CLI_EXIT_OK)
        fwrite(text, 1, len, stdout);
    free(text);
    free(leaf);
    return rc;
}

int cmd_proof(int argc, char **argv)
{
    const char *check = NULL, *leaf = NULL, *key = NULL, *leaf_out = NULL;
    bool consistency = false;
    const cli_opt opts[] = {
        {"check", &check, NULL},
        {"leaf", &leaf, NULL},
        {"key", &key, NULL},
        {"leaf-out", &leaf_out, NULL},
        {"consistency", NULL, &consistency},
        {NULL, NULL, NULL},
    };
    cli_args a;
    int rc = cli_args_parse(PROOF_CMD, argc, argv, opts, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(proof_usage);
    if (check != NULL) {
        if (leaf == NULL || key == NULL || a.pos_count != 0 || consistency || leaf_out)
            return cli_usage_error(PROOF_CMD, "--check PROOF_FILE needs --leaf FILE and --key "
                                              "VKEY_OR_FILE, and nothing else");
        return proof_check(check, leaf, key);
    }
    if (leaf != NULL || key != NULL)
        return cli_usage_error(PROOF_CMD, "--leaf and --key go with --check");
    if (consistency ? a.pos_count != 3 : a.pos_count != 2)
        return cli_usage_error(PROOF_CMD, consistency ? "--consistency needs DIR OLD NEW"
                                                      : "needs a ledger directory and a seq");
    if (consistency && leaf_out != NULL)
        return cli_usage_error(PROOF_CMD, "--leaf-out goes with an inclusion proof");
    ledger *l = NULL;
    rc = cli_ledger_open(PROOF_CMD, a.pos[0], false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = consistency ? proof_consistency(l, a.pos[1], a.pos[2])
                     : proof_inclusion(l, a.pos[1], leaf_out);
    ledger_close(l);
    return rc;
}
