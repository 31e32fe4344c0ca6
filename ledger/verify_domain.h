/*
 * verify_domain.h — verify.c's helper for programme operations' state
 * (verify_domain.c). Internal to ledger/.
 */
#ifndef CAURIS_VERIFY_DOMAIN_H
#define CAURIS_VERIFY_DOMAIN_H

#include "ledger/internal.h"

typedef struct vdomain vdomain;

/* Discrepancies are written to why[why_cap]. NULL when out of memory. */
vdomain *vdomain_new(char *why, size_t why_cap);
void vdomain_free(vdomain *d);

/* Leaves of types 7, 8 and 9, in journal order. */
int vdomain_participant(vdomain *d, uint32_t programmes_count, uint64_t seq,
                        const uint8_t *leaf, size_t len);
int vdomain_settings(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                     size_t len);
int vdomain_closure(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                    size_t len);
int vdomain_group(vdomain *d, uint32_t programmes_count, uint64_t seq, const uint8_t *leaf,
                  size_t len);
/* Each entry; `ref` is what it refers to (post, void, reversal), else NULL. */
int vdomain_entry(vdomain *d, uint64_t seq, const codec_entry *e, const codec_entry *ref);
/* After the walk: the "domain" database against the replay. */
int vdomain_compare(vdomain *d, MDB_txn *txn, ledger *l, uint32_t programmes_count);

#endif
