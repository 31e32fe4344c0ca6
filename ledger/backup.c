/*
 * backup.c — a consistent copy of a ledger directory while it is in use.
 *
 * LMDB copies the environment from one read transaction (a snapshot, taken
 * without stopping a writer in this process or another), compacted: free
 * pages are left out and the copy is as small as the data. The key files
 * follow: the verifier key, the signing key, the personal-data key and its
 * slots. The slots file is copied after the snapshot, so it holds every
 * slot the snapshot's records name (slots are only ever added, or zeroed by
 * an erasure, which the copy then keeps).
 *
 * Must never: write into the ledger being copied, or leave a copy that
 * looks complete when a step failed (the copy's files are synced one by
 * one and the caller is told of any failure).
 */
#include "ledger/internal.h"
#include "ledger/pii.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#define BACKUP_CHUNK_BYTES 65536

/* Copies dir/name to dest/name with the source's mode; a missing source
 * is fine when `optional`. */
static int file_copy(const char *dir, const char *dest, const char *name, bool optional)
{
    char from[4200], to[4200];
    uint8_t buf[BACKUP_CHUNK_BYTES];
    struct stat st;
    ledger_path(from, sizeof from, dir, name);
    ledger_path(to, sizeof to, dest, name);
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return (optional && errno == ENOENT) ? LEDGER_OK : LEDGER_IO;
    if (fstat(in, &st) != 0) {
        close(in);
        return LEDGER_IO;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
    int err = out < 0 ? LEDGER_IO : LEDGER_OK;
    for (;;) {
        if (err != LEDGER_OK)
            break;
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n == 0 ? LEDGER_OK : LEDGER_IO;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                err = LEDGER_IO;
                break;
            }
            off += w;
        }
    }
    if (out >= 0 && err == LEDGER_OK && fsync(out) != 0)
        err = LEDGER_IO;
    if (out >= 0)
        close(out);
    close(in);
    return err;
}

/* An empty directory: nothing a copy could mix with. */
static bool dir_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d)) != NULL;)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

int ledger_backup(ledger *l, const char *dest)
{
    char path[4200];
    struct stat st;
    if (l == NULL || dest == NULL || strlen(dest) > LEDGER_DIR_MAX)
        return LEDGER_INVALID_ARGUMENT;
    /* A new directory, or an empty one: never over another ledger. */
    if (mkdir(dest, 0700) != 0 && errno != EEXIST)
        return LEDGER_IO;
    ledger_path(path, sizeof path, dest, "data.mdb");
    if (stat(path, &st) == 0)
        return LEDGER_ALREADY_INITIALISED;
    if (!dir_empty(dest))
        return LEDGER_INVALID_ARGUMENT; /* not a ledger, but not empty either */
    pthread_rwlock_rdlock(&l->map_lock);
    int rc = mdb_env_copy2(l->env, dest, MDB_CP_COMPACT);
    pthread_rwlock_unlock(&l->map_lock);
    int err = ledger_map_err(rc);
    /* LMDB creates the copy with the umask's mode; the ledger's is 0600. */
    if (err == LEDGER_OK && chmod(path, 0600) != 0)
        err = LEDGER_IO;
    static const char *const files[] = {"signing.pub", "signing.key", PII_KEY_FILE,
                                        PII_SLOTS_FILE};
    for (size_t i = 0; err == LEDGER_OK && i < sizeof files / sizeof files[0]; i++)
        err = file_copy(l->dir, dest, files[i], i > 0);
    if (err == LEDGER_OK)
        err = ledger_dir_sync(dest);
    return err;
}
