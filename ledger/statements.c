/*
 * statements.c — issuing participants' printed statements into the signed
 * log, and the payload printed as a QR code that lets anyone check them.
 *
 * A statement's figures are computed in one read transaction (a snapshot
 * of tree size S), then each is appended as a statement leaf (type 4) in
 * one commit: "as of S, account A had these balances and these lines".
 * The payload carries the leaf and its inclusion proof; checking it needs
 * the verifier key only (offline), or the ledger (online, which also
 * recomputes the figures).
 *
 * Must never: issue figures that are not those of the snapshot they name,
 * or accept a payload whose leaf, proof or signature does not check.
 */
#include "ledger/domain.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_HEADER "cauris-statement@v1\n"

static const char *const statement_accounts[LEDGER_STATEMENT_ACCOUNTS] = {"wallet", "capital",
                                                                          "grant"};

typedef struct issue_ctx {
    const char *programme, *principal;
    const char *const *participants;
    size_t count;
    uint32_t from, to;
    ledger_issued_statement *out;
    codec_statement *leaves;
    char (*codes)[LEDGER_STATEMENT_ACCOUNTS][LEDGER_CODE_MAX + 1];
} issue_ctx;

static void figures_fill(ledger_issued_statement *o, const codec_statement *c,
                         const char *programme)
{
    memset(o, 0, sizeof *o);
    snprintf(o->programme, sizeof o->programme, "%s", programme);
    size_t n = c->participant.len < LEDGER_PARTICIPANT_ID_MAX ? c->participant.len
                                                              : LEDGER_PARTICIPANT_ID_MAX;
    memcpy(o->participant, c->participant.p, n);
    o->date_from = c->date_from;
    o->date_to = c->date_to;
    o->as_of_size = c->as_of_size;
    o->accounts_count = c->accounts_count;
    for (unsigned i = 0; i < c->accounts_count && i < LEDGER_STATEMENT_ACCOUNTS; i++) {
        const codec_statement_account *a = &c->accounts[i];
        size_t k = a->code.len < LEDGER_CODE_MAX ? a->code.len : LEDGER_CODE_MAX;
        memcpy(o->accounts[i].account, a->code.p, k);
        o->accounts[i].opening = a->opening;
        o->accounts[i].closing = a->closing;
        o->accounts[i].lines = a->lines;
    }
}

/* The figures of one participant's statement in a read snapshot. */
static int figures_compute(MDB_txn *txn, ledger *l, const programme_rec *p, const char *who,
                           uint32_t from, uint32_t to, uint64_t size, codec_statement *c,
                           char codes[LEDGER_STATEMENT_ACCOUNTS][LEDGER_CODE_MAX + 1])
{
    ledger_participant rec;
    int err = participant_load(txn, l, p->id, who, &rec);
    if (err != LEDGER_OK)
        return err;
    c->programme = p->id;
    c->participant = (codec_str){who, (uint16_t)strlen(who)};
    c->date_from = from;
    c->date_to = to;
    c->as_of_size = size;
    c->accounts_count = LEDGER_STATEMENT_ACCOUNTS;
    for (unsigned i = 0; err == LEDGER_OK && i < LEDGER_STATEMENT_ACCOUNTS; i++) {
        uint64_t id;
        snprintf(codes[i], LEDGER_CODE_MAX + 1, "participant:%s:%s", who,
                 statement_accounts[i]);
        err = acct_id_by_code(txn, l, p->id, codes[i], strlen(codes[i]), &id);
        if (err == LEDGER_UNKNOWN_ACCOUNT)
            err = LEDGER_CORRUPT; /* opened at enrolment */
        if (err == LEDGER_OK)
            err = history_period(txn, l, id, from, to, size, &c->accounts[i]);
        c->accounts[i].code = (codec_str){codes[i], (uint16_t)strlen(codes[i])};
    }
    return err;
}

static int issue_fn(ledger *l, void *vctx, batch *b)
{
    issue_ctx *c = vctx;
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t len;
    (void)l;
    for (size_t i = 0; i < c->count; i++) {
        c->leaves[i].principal = (codec_str){c->principal, (uint16_t)strlen(c->principal)};
        if (codec_statement_encode(leaf, sizeof leaf, &len, &c->leaves[i]) != 0)
            return LEDGER_CORRUPT;
        c->out[i].seq = b->next_seq;
        merkle_leaf_hash(c->out[i].digest, leaf, len);
        int err = batch_leaf(b, leaf, len);
        if (err != LEDGER_OK)
            return err;
    }
    return LEDGER_OK;
}

int ledger_statements_issue(ledger *l, const char *programme, const char *principal,
                            const char *const *participants, size_t count, uint32_t date_from,
                            uint32_t date_to, ledger_issued_statement *out)
{
    MDB_txn *txn;
    programme_rec p;
    uint64_t size = 0;
    if (l == NULL || programme == NULL || principal == NULL ||
        (count > 0 && (participants == NULL || out == NULL)) ||
        count > LEDGER_STATEMENTS_ISSUE_MAX)
        return LEDGER_INVALID_ARGUMENT;
    if (l->read_only)
        return LEDGER_READ_ONLY;
    size_t plen = strlen(principal);
    if (plen == 0 || plen > LEDGER_PRINCIPAL_MAX || !ledger_utf8_valid(principal, plen))
        return LEDGER_INVALID_FIELD;
    if ((date_from != 0 && !ledger_date_valid(date_from)) ||
        (date_to != 0 && !ledger_date_valid(date_to)))
        return LEDGER_INVALID_DATE;
    if (date_from != 0 && date_to != 0 && date_from > date_to)
        return LEDGER_INVALID_ARGUMENT;
    issue_ctx c = {programme,
                   principal,
                   participants,
                   count,
                   date_from,
                   date_to,
                   out,
                   calloc(count ? count : 1, sizeof *c.leaves),
                   calloc(count ? count : 1, sizeof *c.codes)};
    int err = (c.leaves && c.codes) ? ledger_read_begin(l, &txn) : LEDGER_NOMEM;
    if (err == LEDGER_OK) {
        err = programme_by_name(txn, l, programme, &p);
        if (err == LEDGER_OK)
            err = meta_get_u64(txn, l, "tree_size", &size);
        for (size_t i = 0; err == LEDGER_OK && i < count; i++) {
            err = figures_compute(txn, l, &p, participants[i], date_from, date_to, size,
                                  &c.leaves[i], c.codes[i]);
            if (err == LEDGER_OK)
                figures_fill(&out[i], &c.leaves[i], programme);
        }
        ledger_read_end(l, txn);
    }
    if (err == LEDGER_OK && count > 0) {
        pthread_mutex_lock(&l->write_mutex);
        err = batch_run(l, issue_fn, &c, NULL);
        pthread_mutex_unlock(&l->write_mutex);
    }
    free(c.leaves);
    free(c.codes);
    return err;
}

int ledger_statement_payload(ledger *l, uint64_t seq, char *out, size_t cap, size_t *len_out)
{
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t leaf_len, proof_len;
    if (l == NULL || out == NULL || len_out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_leaf_get(l, seq, leaf, sizeof leaf, &leaf_len);
    if (err != LEDGER_OK)
        return err;
    if (codec_leaf_type_of(leaf, leaf_len) != CODEC_LEAF_STATEMENT)
        return LEDGER_NOT_FOUND;
    size_t head = sizeof PAYLOAD_HEADER - 1;
    size_t b64 = sodium_base64_encoded_len(leaf_len, sodium_base64_VARIANT_ORIGINAL);
    if (cap < head + b64 + 1)
        return LEDGER_INVALID_ARGUMENT;
    memcpy(out, PAYLOAD_HEADER, head);
    sodium_bin2base64(out + head, b64, leaf, leaf_len, sodium_base64_VARIANT_ORIGINAL);
    size_t at = head + b64 - 1; /* without the NUL */
    out[at++] = '\n';
    err = ledger_proof_text(l, seq, out + at, cap - at - 1, &proof_len);
    if (err != LEDGER_OK)
        return err;
    out[at + proof_len] = '\0';
    *len_out = at + proof_len;
    return LEDGER_OK;
}

static int why_set(char *why, size_t cap, const char *text)
{
    if (why != NULL && cap > 0)
        snprintf(why, cap, "%s", text);
    return LEDGER_VERIFY_FAILED;
}

/* Splits a payload into its leaf bytes and its proof text. */
static int payload_split(const char *payload, size_t len, uint8_t leaf[CODEC_LEAF_MAX],
                         size_t *leaf_len, const char **proof, size_t *proof_len,
                         codec_statement *st)
{
    size_t head = sizeof PAYLOAD_HEADER - 1;
    if (len < head || len > LEDGER_STATEMENT_PAYLOAD_MAX ||
        memcmp(payload, PAYLOAD_HEADER, head) != 0)
        return -1;
    const char *b64 = payload + head;
    const char *nl = memchr(b64, '\n', len - head);
    if (nl == NULL ||
        note_b64_decode(leaf, CODEC_LEAF_MAX, leaf_len, b64, (size_t)(nl - b64)) != 0 ||
        codec_statement_decode(st, leaf, *leaf_len) != 0)
        return -1;
    *proof = nl + 1;
    *proof_len = len - (size_t)(nl + 1 - payload);
    return 0;
}

int ledger_statement_payload_verify(const char *payload, size_t len, const char *vkey,
                                    ledger_issued_statement *out, char *why, size_t why_cap)
{
    uint8_t leaf[CODEC_LEAF_MAX];
    size_t leaf_len, proof_len;
    const char *proof;
    codec_statement st;
    if (payload == NULL || vkey == NULL)
        return LEDGER_INVALID_ARGUMENT;
    if (payload_split(payload, len, leaf, &leaf_len, &proof, &proof_len, &st) != 0)
        return why_set(why, why_cap, "not a cauris statement payload");
    int err = ledger_proof_text_verify(proof, proof_len, vkey, leaf, leaf_len, why, why_cap);
    if (err != LEDGER_OK)
        return err;
    if (out != NULL) {
        figures_fill(out, &st, "");
        merkle_leaf_hash(out->digest, leaf, leaf_len);
        note_proof p;
        if (note_proof_parse(&p, proof, proof_len) == 0)
            out->seq = p.index;
    }
    return LEDGER_OK;
}

int ledger_statement_payload_check(ledger *l, const char *payload, size_t len,
                                   ledger_issued_statement *out, char *why, size_t why_cap)
{
    char vkey[NOTE_VKEY_MAX + 1];
    uint8_t leaf[CODEC_LEAF_MAX], stored[CODEC_LEAF_MAX];
    size_t leaf_len, stored_len, proof_len;
    const char *proof;
    codec_statement st, again;
    ledger_issued_statement is;
    char codes[LEDGER_STATEMENT_ACCOUNTS][LEDGER_CODE_MAX + 1];
    static _Thread_local note_proof p;
    MDB_txn *txn;
    programme_rec prog;
    if (l == NULL || payload == NULL)
        return LEDGER_INVALID_ARGUMENT;
    int err = ledger_vkey(l, vkey, sizeof vkey);
    if (err != LEDGER_OK)
        return err;
    /* The key in force may have signed only later checkpoints: the stored
     * checkpoint of the proof's size is compared below instead. */
    if (payload_split(payload, len, leaf, &leaf_len, &proof, &proof_len, &st) != 0 ||
        note_proof_parse(&p, proof, proof_len) != 0)
        return why_set(why, why_cap, "not a cauris statement payload");
    err = ledger_leaf_get(l, p.index, stored, sizeof stored, &stored_len);
    if (err == LEDGER_NOT_FOUND ||
        (err == LEDGER_OK && (stored_len != leaf_len || memcmp(stored, leaf, leaf_len) != 0)))
        return why_set(why, why_cap, "the ledger holds another leaf at that index");
    if (err != LEDGER_OK)
        return err;
    note_checkpoint cp;
    size_t body_len = 0;
    const char *nl2 = NULL;
    for (size_t i = 0; i + 1 < p.checkpoint_len; i++) {
        if (p.checkpoint[i] == '\n' && p.checkpoint[i + 1] == '\n') {
            nl2 = p.checkpoint + i;
            break;
        }
    }
    body_len = nl2 ? (size_t)(nl2 - p.checkpoint) + 1 : 0;
    if (body_len == 0 || note_checkpoint_parse(&cp, p.checkpoint, body_len) != 0)
        return why_set(why, why_cap, "the checkpoint is malformed");
    char mine[LEDGER_CHECKPOINT_MAX];
    size_t mine_len;
    err = ledger_checkpoint_get(l, cp.size, mine, sizeof mine, &mine_len);
    if (err != LEDGER_OK || mine_len != p.checkpoint_len ||
        memcmp(mine, p.checkpoint, mine_len) != 0)
        return why_set(why, why_cap, "the checkpoint is not one this ledger signed");
    uint8_t leaf_hash[32];
    merkle_leaf_hash(leaf_hash, leaf, leaf_len);
    if (merkle_inclusion_verify(leaf_hash, p.index, cp.size, (const uint8_t(*)[32])p.hashes,
                                p.hashes_count, cp.root) != 0)
        return why_set(why, why_cap, "the leaf is not in the tree of that checkpoint");
    /* The figures again, from the ledger as it stood. */
    err = ledger_read_begin(l, &txn);
    if (err != LEDGER_OK)
        return err;
    char who[LEDGER_PARTICIPANT_ID_MAX + 1];
    size_t n = st.participant.len < LEDGER_PARTICIPANT_ID_MAX ? st.participant.len
                                                              : LEDGER_PARTICIPANT_ID_MAX;
    memcpy(who, st.participant.p, n);
    who[n] = '\0';
    err = programme_by_id(txn, l, st.programme, &prog);
    memset(&again, 0, sizeof again);
    if (err == LEDGER_OK)
        err = figures_compute(txn, l, &prog, who, st.date_from, st.date_to, st.as_of_size,
                              &again, codes);
    ledger_read_end(l, txn);
    if (err != LEDGER_OK)
        return why_set(why, why_cap, "the statement's participant or accounts are unknown");
    again.principal = st.principal;
    uint8_t leaf2[CODEC_LEAF_MAX];
    size_t leaf2_len;
    if (codec_statement_encode(leaf2, sizeof leaf2, &leaf2_len, &again) != 0 ||
        leaf2_len != leaf_len || memcmp(leaf2, leaf, leaf_len) != 0)
        return why_set(why, why_cap, "the figures differ from the ledger's");
    if (out != NULL) {
        figures_fill(&is, &st, prog.name);
        is.seq = p.index;
        memcpy(is.digest, leaf_hash, sizeof is.digest);
        *out = is;
    }
    if (why != NULL && why_cap > 0)
        why[0] = '\0';
    return LEDGER_OK;
}
