/*
 * cmd_backup.c — `cauris backup`: a consistent copy of a ledger directory
 * while it is in use (ledger_backup(): one LMDB read transaction, the
 * environment copied compacted, then the key files), and what was copied.
 *
 * The ledger is opened read-only, so a running server goes on posting;
 * the copy holds the entries of one moment (its tree size is printed) and
 * `cauris verify` passes on it. Never: write into the ledger, or copy over
 * anything: the destination is a new or empty directory.
 */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define BACKUP_CMD "backup"
#define BACKUP_PATH_MAX (LEDGER_DIR_MAX + 32)

static const char backup_usage[] =
    "usage: cauris backup DIR DEST\n"
    "\n"
    "Copies the ledger in DIR to DEST (a new directory, or an empty one) while the\n"
    "ledger is in use, a server posting included: the LMDB environment from one\n"
    "read transaction, compacted (data.mdb), then signing.pub, signing.key,\n"
    "pii.key and pii.slots (those that exist). Prints each file with its size and\n"
    "the copy's tree size. Check the copy with cauris verify DEST.\n"
    "\n"
    "DEST holds the signing key and the personal-data key: keep it as safe as\n"
    "DIR. A copy that failed half way is said to be incomplete; remove it.\n";

/* The files ledger_backup() writes, in its order. */
static const char *const backup_files[] = {"data.mdb", "signing.pub", "signing.key", "pii.key",
                                           "pii.slots"};

/* 0 when `dest` is missing or an empty directory. */
static int dest_check(const char *dest)
{
    struct stat st;
    if (stat(dest, &st) != 0) {
        if (errno == ENOENT)
            return CLI_EXIT_OK;
        return cli_fail(BACKUP_CMD, "%s: %s", dest, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return cli_fail(BACKUP_CMD,
                        "%s exists and is not a directory; give a new or empty "
                        "directory",
                        dest);
    DIR *d = opendir(dest);
    if (d == NULL)
        return cli_fail(BACKUP_CMD, "cannot read the directory %s: %s", dest, strerror(errno));
    struct dirent *ent;
    bool empty = true;
    while (empty && (ent = readdir(d)) != NULL)
        empty = strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0;
    closedir(d);
    if (!empty)
        return cli_fail(BACKUP_CMD, "%s is not empty; give a new or empty directory", dest);
    return CLI_EXIT_OK;
}

/* The copy's files and sizes, and its tree size. */
static int copy_describe(const char *dest)
{
    char path[BACKUP_PATH_MAX], note[LEDGER_CHECKPOINT_MAX];
    unsigned long long total = 0;
    struct stat st;
    printf("copied to %s:\n", dest);
    for (size_t i = 0; i < sizeof backup_files / sizeof backup_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dest, backup_files[i]);
        if (stat(path, &st) != 0)
            continue; /* a key file the ledger does not have */
        printf("  %-12s %12llu bytes\n", backup_files[i], (unsigned long long)st.st_size);
        total += (unsigned long long)st.st_size;
    }
    printf("  %-12s %12llu bytes\n", "total", total);
    ledger *l = NULL;
    size_t len;
    uint64_t size = 0;
    int rc = cli_ledger_open(BACKUP_CMD, dest, false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return cli_fail(BACKUP_CMD, "the copy in %s does not open: remove it", dest);
    int err = ledger_checkpoint_latest(l, note, sizeof note, &len, &size);
    ledger_close(l);
    if (err != LEDGER_OK)
        return cli_fail_ledger(BACKUP_CMD, "the copy's latest checkpoint", err);
    printf("tree size: %llu\n", (unsigned long long)size);
    printf("check it with: cauris verify %s\n", dest);
    printf("%s holds the signing key and the personal-data key: keep it as safe as the "
           "ledger\n",
           dest);
    return CLI_EXIT_OK;
}

int cmd_backup(int argc, char **argv)
{
    cli_args a;
    int rc = cli_args_parse(BACKUP_CMD, argc, argv, NULL, &a);
    if (rc != 0)
        return rc;
    if (a.help)
        return cli_help(backup_usage);
    if (a.pos_count != 2)
        return cli_usage_error(BACKUP_CMD, "needs the ledger directory and a destination");
    const char *dir = a.pos[0], *dest = a.pos[1];
    if (strlen(dest) > LEDGER_DIR_MAX)
        return cli_usage_error(BACKUP_CMD, "the destination is longer than %d bytes",
                               LEDGER_DIR_MAX);
    if ((rc = dest_check(dest)) != CLI_EXIT_OK)
        return rc;
    ledger *l = NULL;
    rc = cli_ledger_open(BACKUP_CMD, dir, false, NULL, &l);
    if (rc != CLI_EXIT_OK)
        return rc;
    errno = 0;
    int err = ledger_backup(l, dest);
    int saved_errno = errno; /* for cli_fail_ledger's LEDGER_IO */
    ledger_close(l);
    errno = saved_errno;
    if (err == LEDGER_ALREADY_INITIALISED)
        return cli_fail(BACKUP_CMD, "%s already holds a ledger; give a new or empty directory",
                        dest);
    if (err != LEDGER_OK) {
        cli_fail_ledger(BACKUP_CMD, dest, err);
        return cli_fail(BACKUP_CMD, "the copy in %s is incomplete: remove it", dest);
    }
    return copy_describe(dest);
}
