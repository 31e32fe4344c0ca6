/*
 * stats.c — figures about the storage itself, for monitoring: map size and
 * use, reader slots. Reads LMDB's own bookkeeping; never a database.
 */
#include "ledger/internal.h"

int ledger_storage_stats_get(ledger *l, ledger_storage_stats *out)
{
    if (l == NULL || out == NULL)
        return LEDGER_INVALID_ARGUMENT;
    MDB_envinfo info;
    MDB_stat st;
    pthread_rwlock_rdlock(&l->map_lock);
    int rc = mdb_env_info(l->env, &info);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_stat(l->env, &st);
    pthread_rwlock_unlock(&l->map_lock);
    if (rc != MDB_SUCCESS)
        return LEDGER_STORAGE;
    out->map_size_bytes = (uint64_t)info.me_mapsize;
    out->map_used_bytes = ((uint64_t)info.me_last_pgno + 1u) * st.ms_psize;
    out->readers_used = info.me_numreaders;
    return LEDGER_OK;
}
