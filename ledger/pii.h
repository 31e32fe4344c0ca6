/*
 * pii.h — participants' personal data (names, phone numbers), kept out of
 * the journal and encrypted at rest, with erasure by key destruction.
 *
 * Keys:
 *   - the data key: 32 random bytes in <dir>/pii.key (mode 0600), created by
 *     ledger_init beside (never inside) the signing key;
 *   - one key per person: 32 random bytes, sealed under the data key and
 *     kept in a fixed-size slot of <dir>/pii.slots. Erasing a person
 *     overwrites their slot with zeros in place and syncs the file: every
 *     copy of their ciphertext (live records, LMDB's free pages, backups of
 *     data.mdb) is then unreadable for good.
 * Records, in the "pii" database (keys start with the programme id, BE):
 *   - the person's name and phone, encrypted under their own key
 *     (XChaCha20-Poly1305, the programme and participant id as associated
 *     data), with their slot number;
 *   - a look-alike index: a keyed BLAKE2b hash (key derived from the data
 *     key) of the normalised name, birth year, admin-1 and admin-2 -> the
 *     participant ids that share it. Without the data key the hashes say
 *     nothing; erasure removes the person's entries.
 *
 * Every function runs inside the caller's LMDB transaction; nothing here
 * begins or commits one. A failed write transaction leaves at most an
 * unused slot behind.
 */
#ifndef CAURIS_PII_H
#define CAURIS_PII_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger.h"

typedef struct ledger ledger;

#define PII_KEY_FILE "pii.key"
#define PII_SLOTS_FILE "pii.slots"

/* Creates pii.key (mode 0600, must not exist) and an empty pii.slots in
 * `dir`. Called by ledger_init. */
int pii_create(const char *dir);

/* Loads the data key of l->dir into l->pii (read-only handles too, when
 * the file is readable; when it is missing or unreadable the handle works
 * without personal data: pii_put/pii_get then return LEDGER_KEY_MISMATCH).
 * Called by ledger_open. */
int pii_open(ledger *l);
/* Wipes the key and closes the slots file. Safe on a handle pii_open failed on. */
void pii_close(ledger *l);

/* Stores (or replaces) a person's name and phone, each UTF-8 without NUL,
 * at most LEDGER_PERSON_NAME_MAX / LEDGER_PHONE_MAX bytes, and indexes
 * their look-alike hash. A new person gets a new slot (written, not yet
 * synced: see pii_sync); a replacement keeps it and moves the index entry. */
int pii_put(MDB_txn *txn, ledger *l, uint32_t programme, const char *id, const char *name,
            const char *phone, uint16_t birth_year, const char *admin1, const char *admin2);

/* Makes the slots written by pii_put durable: call it once, after the last
 * pii_put of a transaction and before committing it, so no committed
 * record names a slot that a crash could lose. */
int pii_sync(ledger *l);

/* Reads them back. LEDGER_NOT_FOUND when the person has none (never stored
 * or erased), LEDGER_CORRUPT when authentication fails. */
int pii_get(MDB_txn *txn, ledger *l, uint32_t programme, const char *id,
            char name[LEDGER_PERSON_NAME_MAX + 1], char phone[LEDGER_PHONE_MAX + 1]);

/* Destroys them: the slot is zeroed in pii.slots (and synced) before the
 * record and index entries are deleted. LEDGER_OK also when already gone. */
int pii_erase(MDB_txn *txn, ledger *l, uint32_t programme, const char *id);

/* The first participant (in id order) other than `except_id` whose
 * look-alike hash equals that of (name, birth_year, admin1, admin2):
 * LEDGER_OK with its id, or LEDGER_NOT_FOUND. Names are compared after
 * normalisation: ASCII case folded, runs of spaces, tabs, '-' and '.'
 * collapsed into one space, leading and trailing ones dropped. */
int pii_lookalike(MDB_txn *txn, ledger *l, uint32_t programme, const char *except_id,
                  const char *name, uint16_t birth_year, const char *admin1, const char *admin2,
                  char id_out[LEDGER_PARTICIPANT_ID_MAX + 1]);

#endif
