/* files.c: who may read the database file and what lies beside it.
 *
 * The database holds incidents, statements before they are published and
 * every officer's login: it is created owner-only (0600, its folder 0700),
 * or, where the configuration names a group for a duty room whose officers
 * run jingyu under their own logins, readable and writable by that group
 * (0660 in a setgid 2770 folder, so that files made later inherit the
 * group). SQLite gives -wal and -shm the database's own mode. A file found
 * more open than that is reported at every start. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

int store_files_group(const char *group, gid_t *gid, struct jy_error *err)
{
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(group, &gr, buf, sizeof buf, &res) != 0 || !res)
        return jy_error_set(err, JY_ECONFIG, "files.group: no group named %s", group);
    *gid = res->gr_gid;
    return 0;
}

/* What is too open for a file (or folder) of mode m. */
static const char *too_open(mode_t m, bool dir, bool group)
{
    if (m & S_IRWXO)
        return "others can reach it";
    if (!group && (m & (dir ? S_IRWXG : (S_IRGRP | S_IWGRP))))
        return "its group can reach it (no files.group is configured)";
    return NULL;
}

static void warn(char ***w, size_t *n, const char *path, mode_t m, const char *why)
{
    *w = xrealloc(*w, (*n + 1) * sizeof **w);
    (*w)[(*n)++] = xasprintf("%s has mode %04o: %s; chmod %s it", path, (unsigned)(m & 07777), why,
                             S_ISDIR(m) ? "go-rwx (or 2770 with files.group)"
                                        : "600 (or 660 "
                                          "with "
                                          "files.group)");
}

int store_files_prepare(const char *db, const char *group, char ***warnings, size_t *n,
                        struct jy_error *err)
{
    *warnings = NULL;
    *n = 0;
    gid_t gid = (gid_t)-1;
    int rc;
    if (group && (rc = store_files_group(group, &gid, err)))
        return rc;
    char *copy = xstrdup(db);
    char *dir = dirname(copy);
    /* the folders above as they always were; the database's own folder
     * private */
    for (char *s = dir + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(dir, 0755);
            *s = '/';
        }
    }
    struct stat sb;
    if (mkdir(dir, group ? 02770 : 0700) == 0) {
        if (group && (chown(dir, (uid_t)-1, gid) != 0 || chmod(dir, 02770) != 0))
            rc = jy_error_set(err, JY_EIO, "%s: cannot give it to group %s: %s", dir, group,
                              strerror(errno));
    } else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = jy_error_set(err, JY_EIO, "cannot create the database folder %s", dir);
    } else if (sb.st_uid == getuid()) {
        /* a folder shared with others (/tmp, a home) is not ours to judge */
        const char *why = too_open(sb.st_mode, true, group != NULL);
        if (why && !(sb.st_mode & S_ISVTX))
            warn(warnings, n, dir, sb.st_mode, why);
    }
    free(copy);
    if (rc)
        return rc;
    /* the database: made here with its mode when new (SQLite would make it
     * 0644 less the umask) */
    mode_t mode = group ? 0660 : 0600;
    int fd = open(db, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) {
        if (fchmod(fd, mode) != 0 || (group && fchown(fd, (uid_t)-1, gid) != 0))
            rc = jy_error_set(err, JY_EIO, "%s: cannot set its mode: %s", db, strerror(errno));
        close(fd);
        return rc;
    }
    if (errno != EEXIST)
        return jy_error_set(err, JY_EIO, "%s: cannot create it: %s", db, strerror(errno));
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char *p = xasprintf("%s%s", db, ext[i]);
        const char *why;
        if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
            (why = too_open(sb.st_mode, false, group != NULL)))
            warn(warnings, n, p, sb.st_mode, why);
        free(p);
    }
    return 0;
}
