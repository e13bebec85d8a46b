/* local.c: sources that are folders on this machine.
 *
 * file-drop: internal systems drop .jsonl files of items into a folder (write
 * under another name, then rename to *.jsonl). Each file is imported once,
 * then moved to done/, or to failed/ with NAME.reason saying what was wrong
 * with which line. The good lines of a partly bad file are kept: bad input
 * never costs data, and importing a file again adds nothing twice. Only
 * regular files owned by the user running jingyu (or a login named in
 * files.drop_owners) are taken, opened without following a symbolic link;
 * anything else is skipped and named in the source's error. No byte of a
 * file ever goes into an error or a .reason file: a link to /etc/shadow
 * must not print its lines where every console shows them.
 *
 * replay: plays the bundled demo scenario (the .jsonl files of data/demo), whose items
 * carry "at", minutes from the scenario's start; speed says how many
 * scenario seconds pass per real second. When the scenario ends it starts
 * over an hour (scenario time) later, with fresh guids, so a demo left
 * running keeps moving. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <jansson.h>

#include "collect_int.h"

#define MAX_DROP_FILES 256
#define DROP_QUIET_MS 1000 /* a file must be this long unchanged to be imported */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Lists *.jsonl regular files in dir (not symbolic links), sorted;
 * returns count. */
static size_t list_jsonl(const char *dir, char **names, size_t max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".jsonl"))
            continue;
        char *p = xasprintf("%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)))
            names[n++] = xstrdup(e->d_name); /* links are listed to be refused by name */
        free(p);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

/* Whether uid may own a dropped file: the user running jingyu, or a login
 * of files.drop_owners. */
static bool drop_owner_ok(const struct config *cfg, uid_t uid)
{
    if (uid == getuid())
        return true;
    for (size_t i = 0; cfg && i < cfg->n_drop_owners; i++) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwnam_r(cfg->drop_owners[i], &pw, buf, sizeof buf, &res) == 0 && res &&
            res->pw_uid == uid)
            return true;
    }
    return false;
}

/* Reads a dropped file through a descriptor opened without following a
 * link, after checking what it is: a regular file of an allowed owner, at
 * most max bytes. why (no byte of the file in it) says what is wrong:
 * refused (skipped, left where it is) or unreadable. */
static int drop_read(const struct config *cfg, const char *path, size_t max, char **data,
                     size_t *len, bool *refused, char *why, size_t why_size)
{
    *data = NULL;
    *len = 0;
    *refused = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *refused = errno == ELOOP;
        snprintf(why, why_size, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
        return JY_EIO;
    }
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        rc = JY_EIO;
    } else if (!S_ISREG(sb.st_mode)) {
        *refused = true;
        snprintf(why, why_size, "not a regular file");
        rc = JY_EIO;
    } else if (!drop_owner_ok(cfg, sb.st_uid)) {
        *refused = true;
        snprintf(why, why_size, "owned by uid %u, not an allowed user (files.drop_owners)",
                 (unsigned)sb.st_uid);
        rc = JY_EIO;
    } else if ((uint64_t)sb.st_size > max) {
        snprintf(why, why_size, "larger than collector.max_body (%zu bytes)", max);
        rc = JY_ETOOBIG;
    }
    if (!rc) {
        size_t cap = (size_t)sb.st_size + 1, n = 0;
        char *buf = xmalloc(cap);
        ssize_t got = 0;
        while (n < cap - 1 && (got = read(fd, buf + n, cap - 1 - n)) > 0)
            n += (size_t)got;
        if (got < 0) {
            snprintf(why, why_size, "%s", strerror(errno));
            free(buf);
            rc = JY_EIO;
        } else {
            buf[n] = '\0';
            *data = buf;
            *len = n;
        }
    }
    close(fd);
    return rc;
}

/* A line's parse error, told without quoting the line (the parser's own
 * message may show the bytes near the error). */
static void drop_line_error(struct jy_buf *reason, int lineno, const char *msg)
{
    const char *col = strstr(msg, " at column ");
    if (col)
        jy_buf_printf(reason, "line %d: not valid JSON (column %d)\n", lineno,
                      atoi(col + strlen(" at column ")));
    else if (strstr(msg, "not an object"))
        jy_buf_printf(reason, "line %d: not a JSON object\n", lineno);
    else if (strstr(msg, "neither"))
        jy_buf_printf(reason, "line %d: neither \"title\" nor \"content\"\n", lineno);
    else
        jy_buf_printf(reason, "line %d: not an item\n", lineno);
}

struct item_list {
    struct feed_item *v;
    size_t n, cap;
};

static struct feed_item *item_list_add(struct item_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    struct feed_item *it = &l->v[l->n++];
    memset(it, 0, sizeof *it);
    return it;
}

static void item_list_free(struct item_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        feed_item_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Moves dir/name into dir/sub/ (a real folder, made private), not
 * overwriting an earlier file of that name; the reason file is made anew,
 * owner-only (group-readable with files.group), never through a link. */
static int move_to(const struct config *cfg, const char *dir, const char *sub, const char *name,
                   const char *reason, struct jy_error *err)
{
    bool group = cfg && cfg->files_group;
    char *subdir = xasprintf("%s/%s", dir, sub);
    struct stat sb;
    if (mkdir(subdir, group ? 02770 : 0700) != 0 &&
        (errno != EEXIST || lstat(subdir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        int rc = jy_error_set(err, JY_EIO, "mkdir %s: %s", subdir,
                              errno == EEXIST ? "exists and is not a folder" : strerror(errno));
        free(subdir);
        return rc;
    }
    char *from = xasprintf("%s/%s", dir, name);
    char *to = xasprintf("%s/%s", subdir, name);
    for (int k = 1; lstat(to, &sb) == 0 && k < 10000; k++) {
        free(to);
        to = xasprintf("%s/%s.%d", subdir, name, k);
    }
    int rc = 0;
    if (rename(from, to) != 0) {
        rc = jy_error_set(err, JY_EIO, "move %s to %s: %s", from, to, strerror(errno));
    } else if (reason) {
        char *rpath = xasprintf("%s.reason", to);
        unlink(rpath); /* a stale one, or a planted link */
        int fd =
            open(rpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, group ? 0640 : 0600);
        if (fd >= 0) {
            size_t len = strlen(reason);
            if (write(fd, reason, len) != (ssize_t)len)
                rc = jy_error_set(err, JY_EIO, "write %s: %s", rpath, strerror(errno));
            close(fd);
        }
        free(rpath);
    }
    free(from);
    free(to);
    free(subdir);
    return rc;
}

/* Parses a JSON-lines file into items; bad lines are described in reason. */
static void parse_lines(const char *data, size_t len, struct item_list *items,
                        struct jy_buf *reason, int *bad)
{
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        lineno++;
        const char *line = data + pos;
        size_t llen = end - pos;
        pos = end + 1;
        while (llen && (line[llen - 1] == '\r' || line[llen - 1] == ' '))
            llen--;
        if (llen == 0)
            continue;
        struct jy_error e = {0};
        struct feed_item *it = item_list_add(items);
        if (parse_jsonl_item(line, llen, it, &e) != 0) {
            items->n--;
            feed_item_clear(it);
            (*bad)++;
            drop_line_error(reason, lineno, e.msg);
        }
    }
}

/* How long ago path was last modified, in milliseconds (large if unknown). */
static int64_t file_age_ms(const char *path)
{
    struct stat sb;
    struct timespec ts;
    if (stat(path, &sb) != 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return INT64_MAX / 2;
    return ((int64_t)ts.tv_sec - sb.st_mtim.tv_sec) * 1000 +
           ((int64_t)ts.tv_nsec - sb.st_mtim.tv_nsec) / 1000000;
}

int local_file_drop(struct store *st, const struct config *cfg, const struct source_config *sc,
                    int64_t source_id, int64_t now, int64_t next_due, bool wait_for_writers,
                    size_t *inserted, struct jy_error *err)
{
    *inserted = 0;
    struct stat sb;
    if (stat(sc->path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        char msg[600];
        snprintf(msg, sizeof msg, "drop folder %s: %s", sc->path,
                 errno ? strerror(errno) : "not a folder");
        struct fetch_result r = {.ok = false, .error = msg, .next_due = next_due};
        return store_fetch_record(st, source_id, &r, now, NULL, err);
    }
    char *names[MAX_DROP_FILES];
    size_t n = list_jsonl(sc->path, names, MAX_DROP_FILES);
    struct jy_buf errors;
    jy_buf_init(&errors, 4096);
    char first_reason[420] = "";
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char *path = xasprintf("%s/%s", sc->path, names[i]);
        /* A file written in place (scp, cp, SMB) may still be growing: take
         * it once it has been quiet for a moment. --once waits for that. */
        int64_t age_ms = file_age_ms(path);
        if (age_ms < DROP_QUIET_MS && wait_for_writers) {
            usleep((useconds_t)(DROP_QUIET_MS - age_ms) * 1000);
            age_ms = file_age_ms(path);
        }
        if (age_ms < DROP_QUIET_MS) {
            free(path);
            continue;
        }
        char *data = NULL;
        size_t len = 0;
        struct item_list items = {0};
        struct jy_buf reason;
        jy_buf_init(&reason, 64 * 1024);
        int bad = 0;
        char why[160];
        bool refused = false;
        if (drop_read(cfg, path, cfg->collector.max_body, &data, &len, &refused, why, sizeof why) !=
            0) {
            if (refused) {
                /* not ours to take: left where it is, named in the error */
                jy_buf_printf(&errors, "%s (skipped: %s) ", names[i], why);
                jy_buf_free(&reason);
                free(path);
                continue;
            }
            jy_buf_printf(&reason, "%s\n", why);
            bad = 1;
        } else {
            parse_lines(data, len, &items, &reason, &bad);
        }
        struct fetch_result r = {.items_only = true, .items = items.v, .n_items = items.n};
        size_t got = 0;
        rc = store_fetch_record(st, source_id, &r, now, &got, err);
        *inserted += got;
        struct jy_error merr = {0};
        /* only once stored: a failed commit leaves the file to try again */
        if (!rc && move_to(cfg, sc->path, bad ? "failed" : "done", names[i],
                           bad ? (reason.data ? reason.data : "unreadable\n") : NULL, &merr)) {
            /* its items are stored (a second import adds nothing); say why
             * it stays, and go on with the other files */
            jy_buf_printf(&errors, "%s (cannot move: %s) ", names[i], merr.msg);
        }
        if (bad && first_reason[0] == '\0')
            snprintf(first_reason, sizeof first_reason, "%.400s", reason.data ? reason.data : "");
        if (bad)
            jy_buf_printf(&errors, "%s ", names[i]);
        jy_buf_free(&reason);
        item_list_free(&items);
        free(data);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    if (rc && rc != JY_EBUSY) {
        /* storing failed: the file stays for the next look; say so */
        jy_buf_printf(&errors, "(storing failed: %s) ", err ? err->msg : "database error");
        rc = 0;
    }
    if (!rc) {
        /* one health record for the whole look at the folder */
        char msg[1200];
        snprintf(msg, sizeof msg, "not imported cleanly: %.500s(first reason: %s)",
                 errors.data ? errors.data : "", first_reason[0] ? first_reason : "-");
        struct fetch_result r = {.ok = errors.len == 0, .error = msg, .next_due = next_due};
        rc = store_fetch_record(st, source_id, &r, now, NULL, err);
    }
    jy_buf_free(&errors);
    return rc;
}

/* ---- replay ---------------------------------------------------------------- */

struct scene_item {
    double at; /* scenario minutes */
    struct feed_item it;
};

static int load_scene(const char *path, const struct config *cfg, struct scene_item **out,
                      size_t *n, struct jy_error *err)
{
    char *files[MAX_DROP_FILES];
    size_t nf;
    char *dir;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return jy_error_set(err, JY_EIO, "replay %s: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        dir = xstrdup(path);
        nf = list_jsonl(path, files, MAX_DROP_FILES);
    } else {
        const char *slash = strrchr(path, '/');
        dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
        files[0] = xstrdup(slash ? slash + 1 : path);
        nf = 1;
    }
    size_t cap = 256, k = 0;
    struct scene_item *v = xcalloc(cap, sizeof *v);
    int rc = 0;
    for (size_t f = 0; f < nf; f++) {
        char *p = xasprintf("%s/%s", dir, files[f]);
        char *data;
        size_t len;
        if (!rc && (rc = jy_read_file(p, cfg->collector.max_body, &data, &len, err)) == 0) {
            size_t pos = 0;
            int lineno = 0;
            while (pos < len && !rc) {
                const char *nl = memchr(data + pos, '\n', len - pos);
                size_t end = nl ? (size_t)(nl - data) : len;
                lineno++;
                if (end > pos) {
                    json_error_t je;
                    json_t *o = json_loadb(data + pos, end - pos, 0, &je);
                    json_t *at = o ? json_object_get(o, "at") : NULL;
                    if (k == cap)
                        v = xrealloc(v, (cap *= 2) * sizeof *v);
                    struct jy_error e = {0};
                    if (!json_is_number(at) ||
                        parse_jsonl_item(data + pos, end - pos, &v[k].it, &e) != 0) {
                        rc = jy_error_set(err, JY_EPARSE, "%s:%d: %s", p, lineno,
                                          e.msg[0] ? e.msg : "needs a number \"at\"");
                    } else {
                        v[k].at = json_number_value(at);
                        /* guid unique across the scenario's files */
                        char *g = xasprintf("%s:%s", files[f], v[k].it.guid);
                        free(v[k].it.guid);
                        v[k].it.guid = g;
                        k++;
                    }
                    json_decref(o);
                }
                pos = end + 1;
            }
            free(data);
        }
        free(p);
        free(files[f]);
    }
    free(dir);
    if (rc) {
        for (size_t i = 0; i < k; i++)
            feed_item_clear(&v[i].it);
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int local_replay(struct store *st, const struct config *cfg, const struct source_config *sc,
                 const struct store_source *row, int64_t now, int64_t next_due, size_t *inserted,
                 struct jy_error *err)
{
    *inserted = 0;
    struct scene_item *scene = NULL;
    size_t n = 0;
    struct jy_error lerr = {0};
    if (load_scene(sc->path, cfg, &scene, &n, &lerr) != 0 || n == 0) {
        struct fetch_result r = {.ok = false,
                                 .error = n == 0 && !lerr.msg[0] ? "empty scenario" : lerr.msg,
                                 .next_due = next_due};
        free(scene);
        return store_fetch_record(st, row->id, &r, now, NULL, err);
    }
    int64_t start = row->replay_start ? row->replay_start : now;
    double speed = sc->speed > 0 ? sc->speed : 60;
    double min_at = scene[0].at, max_at = scene[0].at;
    for (size_t i = 1; i < n; i++) {
        if (scene[i].at < min_at)
            min_at = scene[i].at;
        if (scene[i].at > max_at)
            max_at = scene[i].at;
    }
    double period = max_at - min_at + 60;               /* scenario minutes per cycle */
    double scen = (double)(now - start) * speed / 60.0; /* scenario minutes elapsed */
    long cycle = scen > max_at ? (long)floor((scen - min_at) / period) : 0;

    struct item_list due = {0};
    for (long k = cycle > 0 ? cycle - 1 : 0; k <= cycle; k++) {
        for (size_t i = 0; i < n; i++) {
            double at = scene[i].at + (double)k * period;
            if (at > scen)
                continue;
            struct feed_item *it = item_list_add(&due);
            const struct feed_item *src = &scene[i].it;
            it->guid = k ? xasprintf("%s#%ld", src->guid, k) : xstrdup(src->guid);
            it->link = xstrdup(src->link);
            it->title = xstrdup(src->title);
            it->author = xstrdup(src->author);
            it->content = xstrdup(src->content);
            it->published = start + (int64_t)llround(at * 60.0 / speed);
            if (it->published > now)
                it->published = now;
            it->has_date = true;
        }
    }
    struct fetch_result r = {
        .ok = true, .next_due = next_due, .replay_start = start, .items = due.v, .n_items = due.n};
    int rc = store_fetch_record(st, row->id, &r, now, inserted, err);
    item_list_free(&due);
    for (size_t i = 0; i < n; i++)
        feed_item_clear(&scene[i].it);
    free(scene);
    return rc;
}
