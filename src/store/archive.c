/* archive.c: retention. Items older than N whole months move, with their
 * analysis and their events, to one SQLite file a month (archive/
 * jingyu-2026-03.db) that search can still open.
 *
 * What never leaves the live file: incidents and everything they refer to
 * (their linked items and events), alerts and their events (the KPIs count
 * them), silences and grading labels and their events, labelled items (the
 * trainer's data) and the audit trail. An item stays while its event stays;
 * a first copy stays while one of its near-duplicates stays, and a
 * near-duplicate while its live first copy stays. An item goes to the file
 * of the month in which it could leave: its own month, or a later one when
 * its event went on into that month.
 *
 * The files are not written in one transaction with the live file (SQLite
 * makes a transaction across attached WAL files atomic per file only), so
 * each batch goes in three steps, each a transaction:
 *   1. the archive gets the rows, and their ids in arc_pending (synced:
 *      the archive runs with a rollback journal and synchronous=FULL);
 *   2. the live file checks the archive holds every row, then deletes them
 *      (those that became pinned meanwhile, e.g. linked to an incident, stay);
 *   3. the archive forgets the copies of rows that stayed, and arc_pending.
 * A run killed anywhere is finished by the next: a pending id still in the
 * live file is an unfinished copy and leaves the archive (the live row
 * wins); one gone from the live file was moved. Nothing is deleted from
 * the live file before its copy is committed and counted in the archive,
 * and nothing ends up in both. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

#define ARCHIVE_BATCH 2000
#define ARCHIVE_PREFIX "jingyu-"
#define ARCHIVE_SUFFIX ".db"

/* Every table that refers to items or events, and what retention does with
 * the rows that do: copied along (analysis), dropped with the item (read
 * marks), or pinning the item or event in the live file. A table missing
 * here stops retention (see check_references). */
static const char *const known_refs[] = {
    "analysis",       /* items: copied into the archive */
    "item_reads",     /* items: one person's read mark, dropped with the item */
    "event_states",   /* events: the analyzer's memory of an open event, dropped with it */
    "first_copies",   /* items: what the near-duplicate index files it under, dropped with it */
    "item_dups",      /* items: its count of duplicates, copied into the archive's items.dups */
    "labels",         /* items: pinned */
    "incident_items", /* items: pinned */
    "incident_events", "incidents", "alerts", "silences", "grading_labels", /* events: pinned */
};

/* Events that may not leave (an incident, an alert, a silence or a grading
 * label names them). */
#define PINNED_EVENTS                                                                              \
    "SELECT event_id FROM main.alerts WHERE event_id IS NOT NULL "                                 \
    "UNION SELECT event_id FROM main.incident_events "                                             \
    "UNION SELECT event_id FROM main.incidents WHERE event_id IS NOT NULL "                        \
    "UNION SELECT event_id FROM main.silences WHERE event_id IS NOT NULL "                         \
    "UNION SELECT event_id FROM main.grading_labels"

/* The tables an archive holds, in the order they are created and filled
 * (foreign keys point backwards). */
static const char *const archive_tables[] = {"sources", "items",     "analysis",   "events",
                                             "labels",  "items_fts", "items_chars"};

struct run {
    struct store *st;
    const struct store_archive_opts *o;
    struct store_archive_report *rep;
    const char *actor;
    int64_t started_ms;
    int step;      /* counts the steps, for opts->step_hook */
    bool attached; /* "ar" is attached */
    char *cols[4]; /* sources, items, analysis, events: the columns both files have */
    int64_t moved_items, moved_events;
};

/* ---- small helpers -------------------------------------------------------------- */

/* Runs sql with up to two int64 parameters (?1, ?2) to its end; *changes
 * (when not NULL) gets the rows it changed. */
static int run_sql(struct store *st, const char *sql, int nbind, int64_t a, int64_t b, int *changes,
                   struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive");
    if (nbind >= 1)
        sqlite3_bind_int64(s, 1, a);
    if (nbind >= 2)
        sqlite3_bind_int64(s, 2, b);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "archive");
    if (changes)
        *changes = sqlite3_changes(st->db);
    return 0;
}

/* The first column of the first row of sql (one optional int64 ?1), as an
 * int64 (0 when NULL or no row). */
static int query_int(struct store *st, const char *sql, int nbind, int64_t a, int64_t *out,
                     struct jy_error *err)
{
    sqlite3_stmt *s;
    *out = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive");
    if (nbind >= 1)
        sqlite3_bind_int64(s, 1, a);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "archive");
}

/* A simulated crash for the tests: the hook says stop at this step. The
 * run then returns at once, leaving what a kill -9 would leave (the
 * transaction in progress is rolled back when the store closes). */
static int crash_point(struct run *r, struct jy_error *err)
{
    r->step++;
    if (r->o->step_hook && r->o->step_hook(r->o->hook_ctx, r->step))
        return jy_error_set(err, JY_EIO, "archive: stopped at step %d (test)", r->step);
    return 0;
}

static int64_t month_start(int64_t t, int add)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += add;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static void month_name(int64_t t, char out[8])
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 13u;
    snprintf(out, 8, "%04u-%02u", y, m);
}

char *store_archive_path(const char *dir, const char *month)
{
    return xasprintf("%s/" ARCHIVE_PREFIX "%s" ARCHIVE_SUFFIX, dir, month);
}

/* Whether the archives are shared with a group: the folder that holds the
 * archive folder (the database's own, by default) is setgid, as files.c
 * makes it when the configuration names a group. Archives hold what the
 * live file held, so they are no more open than it: 0700 and 0600, or
 * 2770 and 0660 for a group. */
static bool archive_shared(const char *dir)
{
    char *p = xstrdup(dir);
    char *slash = strrchr(p, '/');
    if (slash)
        *(slash == p ? slash + 1 : slash) = '\0';
    struct stat sb;
    bool shared = stat(slash ? p : ".", &sb) == 0 && (sb.st_mode & S_ISGID);
    free(p);
    return shared;
}

static int make_dir(const char *dir, struct jy_error *err)
{
    char *p = xstrdup(dir);
    mode_t mode = archive_shared(dir) ? 02770 : 0700;
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0700);
            *s = '/';
        }
    }
    struct stat sb;
    int rc = 0;
    if (mkdir(p, mode & 0777) == 0)
        chmod(p, mode); /* the setgid bit, which mkdir may drop */
    else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
        rc = jy_error_set(err, JY_EIO, "%s: cannot create the archive folder: %s", p,
                          strerror(errno));
    free(p);
    return rc;
}

static void report_add(struct store_archive_report *rep, const char *month, int64_t items,
                       int64_t events)
{
    for (size_t i = 0; i < rep->n; i++) {
        if (!strcmp(rep->months[i].month, month)) {
            rep->months[i].items += items;
            rep->months[i].events += events;
            return;
        }
    }
    rep->months = xrealloc(rep->months, (rep->n + 1) * sizeof *rep->months);
    struct store_archive_month *m = &rep->months[rep->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->month, sizeof m->month, "%s", month);
    m->items = items;
    m->events = events;
}

void store_archive_report_clear(struct store_archive_report *rep)
{
    free(rep->months);
    memset(rep, 0, sizeof *rep);
}

/* ---- what may leave ----------------------------------------------------------------- */

/* Refuses to run when a table this file does not know refers to items or
 * events: its rows would be lost or block the delete. */
static int check_references(struct store *st, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT m.name, f.\"table\" FROM main.sqlite_master m, "
                           "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
                           "AND f.\"table\" IN ('items', 'events')",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive: read references");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        bool known = false;
        for (size_t i = 0; i < sizeof known_refs / sizeof known_refs[0] && !known; i++)
            known = !strcmp(t, known_refs[i]);
        if (!known) {
            rc = jy_error_set(err, JY_ESTATE,
                              "%s: table %s refers to %s and retention does not know what to do "
                              "with its rows; nothing was archived",
                              st->path, t, (const char *)sqlite3_column_text(s, 1));
            sqlite3_finalize(s);
            return rc;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "archive: read references");
}

static int temp_tables(struct store *st, struct jy_error *err)
{
    return store_exec(st,
                      "CREATE TEMP TABLE IF NOT EXISTS arc_set (id INTEGER PRIMARY KEY);"
                      "CREATE TEMP TABLE IF NOT EXISTS arc_batch (id INTEGER PRIMARY KEY);"
                      "CREATE TEMP TABLE IF NOT EXISTS arc_stay (id INTEGER PRIMARY KEY);"
                      "CREATE TEMP TABLE IF NOT EXISTS arc_pin_ev (id INTEGER PRIMARY KEY);",
                      err);
}

/* Fills temp.arc_set with the items collected before `before` that may
 * leave now (see the top of the file), inside one read transaction. */
static int select_items(struct store *st, int64_t before, int64_t *count, struct jy_error *err)
{
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    /* sort_at <= fetched_at: the feed's index finds the candidates */
    if ((rc = run_sql(st, "DELETE FROM temp.arc_set", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM temp.arc_pin_ev", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "INSERT OR IGNORE INTO temp.arc_pin_ev " PINNED_EVENTS, 0, 0, 0, NULL,
                      err)) ||
        (rc = run_sql(st,
                      "INSERT INTO temp.arc_set SELECT id FROM main.items "
                      "WHERE sort_at < ?1 AND fetched_at < ?1",
                      1, before, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "DELETE FROM temp.arc_set WHERE id IN (SELECT item_id FROM main.labels) "
                      "OR id IN (SELECT item_id FROM main.incident_items)",
                      0, 0, 0, NULL, err)))
        goto done;
    /* The rules that tie items together, until nothing changes: the set
     * only shrinks, so this ends. */
    for (;;) {
        int a = 0, b = 0, c = 0;
        if ((rc = run_sql(st,
                          "DELETE FROM temp.arc_set WHERE id IN (SELECT i.id FROM temp.arc_set x "
                          "JOIN main.items i ON i.id = x.id WHERE i.event_id IS NOT NULL AND "
                          "(i.event_id IN (SELECT id FROM temp.arc_pin_ev) OR EXISTS (SELECT 1 "
                          "FROM main.items j WHERE j.event_id = i.event_id AND j.id NOT IN "
                          "(SELECT id FROM temp.arc_set))))",
                          0, 0, 0, &a, err)) ||
            (rc = run_sql(st,
                          "DELETE FROM temp.arc_set WHERE id IN (SELECT i.id FROM temp.arc_set x "
                          "JOIN main.items i ON i.id = x.id WHERE i.dup_of IS NOT NULL AND "
                          "i.dup_of NOT IN (SELECT id FROM temp.arc_set) AND EXISTS (SELECT 1 "
                          "FROM main.items f WHERE f.id = i.dup_of))",
                          0, 0, 0, &b, err)) ||
            (rc = run_sql(st,
                          "DELETE FROM temp.arc_set WHERE id IN (SELECT j.dup_of FROM main.items j "
                          "WHERE j.dup_of IN (SELECT id FROM temp.arc_set) AND j.id NOT IN "
                          "(SELECT id FROM temp.arc_set))",
                          0, 0, 0, &c, err)))
            goto done;
        if (a + b + c == 0)
            break;
    }
    rc = query_int(st, "SELECT count(*) FROM temp.arc_set", 0, 0, count, err);
done:
    store_exec(st, rc ? "ROLLBACK" : "COMMIT", NULL);
    return rc;
}

/* ---- the archive file ------------------------------------------------------------------ */

static void detach(struct run *r)
{
    if (!r->attached)
        return;
    if (!sqlite3_get_autocommit(r->st->db))
        sqlite3_exec(r->st->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(r->st->db, "DETACH DATABASE ar", NULL, NULL, NULL);
    r->attached = false;
    for (int i = 0; i < 4; i++)
        jy_free(&r->cols[i]);
}

/* "a", "b", ...: the columns of table both the live file and the archive
 * have (an archive made by an older jingyu lacks the newer ones). */
static int common_columns(struct store *st, const char *table, char **out, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT a.name FROM pragma_table_info(?1, 'ar') a "
                           "JOIN pragma_table_info(?1, 'main') m ON m.name = a.name ORDER BY a.cid",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive: columns");
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(s, 0);
        jy_buf_puts(&b, b.len ? ", \"" : "\"");
        for (; *c; c++)
            jy_buf_append(&b, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
        jy_buf_puts(&b, "\"");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE || !b.len) {
        jy_buf_free(&b);
        return rc != SQLITE_DONE ? store_db_error(st, err, "archive: columns")
                                 : jy_error_set(err, JY_ESTATE, "archive: no table %s", table);
    }
    *out = jy_buf_steal(&b);
    return 0;
}

/* Makes table in the archive as the live file defines it. */
static int create_like_live(struct store *st, const char *table, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT sql FROM main.sqlite_master WHERE name = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive: schema");
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    const char *sql =
        sqlite3_step(s) == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    const char *prefix = NULL;
    if (sql && !strncmp(sql, "CREATE TABLE ", 13))
        prefix = "CREATE TABLE ";
    else if (sql && !strncmp(sql, "CREATE VIRTUAL TABLE ", 21))
        prefix = "CREATE VIRTUAL TABLE ";
    int rc;
    if (!prefix) {
        rc = jy_error_set(err, JY_ESTATE, "%s: cannot read the definition of %s", st->path, table);
    } else {
        char *create = xasprintf("%sar.%s", prefix, sql + strlen(prefix));
        rc = store_exec(st, create, err);
        free(create);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Makes the archive's tables from the live file's own definitions (the
 * same columns), plus what an archive needs: the index states (everything
 * indexed; the character index from the first item on), the ids in
 * flight, and whether its events are settled. */
static int archive_create(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    int rc = store_exec(st, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof archive_tables / sizeof archive_tables[0] && !rc; i++)
        rc = create_like_live(st, archive_tables[i], err);
    if (!rc)
        rc = store_exec(st,
                        "CREATE INDEX ar.items_event ON items(event_id) WHERE event_id IS NOT NULL;"
                        "CREATE TABLE ar.fts_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                        "  indexed_upto INTEGER NOT NULL);"
                        "INSERT INTO ar.fts_state VALUES (1, 9223372036854775807);"
                        "CREATE TABLE ar.chars_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                        "  floor INTEGER NOT NULL);"
                        "INSERT INTO ar.chars_state VALUES (1, 0);"
                        "CREATE TABLE ar.arc_pending (kind TEXT NOT NULL, id INTEGER NOT NULL,"
                        "  PRIMARY KEY (kind, id)) WITHOUT ROWID;"
                        "CREATE TABLE ar.archive_info (id INTEGER PRIMARY KEY CHECK (id = 1),"
                        "  month TEXT NOT NULL, created_at INTEGER NOT NULL,"
                        "  events_settled INTEGER NOT NULL DEFAULT 1);",
                        err);
    if (!rc) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO ar.archive_info (id, month, created_at) "
                               "VALUES (1, ?1, ?2)",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "archive: schema");
        } else {
            sqlite3_bind_text(s, 1, r->rep->current, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, r->o->now);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_db_error(st, err, "archive: schema");
            sqlite3_finalize(s);
        }
    }
    if (rc) {
        store_exec(st, "ROLLBACK", NULL);
        return rc;
    }
    return store_exec(st, "COMMIT", err);
}

/* An archive written before the character index (schema 14) gets it,
 * empty, with its floor at its newest item: the index covers the ids above
 * the floor (as in the live file, see search.c), new copies join it, and
 * chars_fill takes in the older items a batch at a time. Until it reaches
 * an item, search finds that item by scanning, as before. Only the archive
 * is written, in one transaction. */
static int chars_add(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    int64_t has = 0;
    int rc = query_int(st, "SELECT count(*) FROM ar.sqlite_master WHERE name = 'chars_state'", 0, 0,
                       &has, err);
    if (rc || has)
        return rc;
    if ((rc = store_exec(st, "BEGIN", err)))
        return rc;
    if ((rc = create_like_live(st, "items_chars", err)) ||
        (rc = store_exec(st,
                         "CREATE TABLE ar.chars_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                         "  floor INTEGER NOT NULL);"
                         "INSERT INTO ar.chars_state SELECT 1, coalesce(max(id), 0) FROM ar.items;",
                         err))) {
        store_exec(st, "ROLLBACK", NULL);
        return rc;
    }
    return store_exec(st, "COMMIT", err);
}

static int attach_file(struct run *r, const char *path, struct jy_error *err)
{
    struct store *st = r->st;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "ATTACH DATABASE ?1 AS ar", -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "archive: attach");
    sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return jy_error_set(err, JY_EDB, "%s: cannot open: %s", path, sqlite3_errmsg(st->db));
    r->attached = true;
    if ((rc = run_sql(st, "PRAGMA ar.journal_mode = DELETE", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "PRAGMA ar.synchronous = FULL", 0, 0, 0, NULL, err)))
        detach(r);
    return rc;
}

/* Attaches the archive at path, synced on every commit, and reads the
 * columns it shares with the live file. A new one (when create) is made
 * under another name and renamed when its tables are there, so that a
 * file with the archive's name is always a whole archive. */
static int attach(struct run *r, const char *path, bool create, struct jy_error *err)
{
    struct store *st = r->st;
    int rc;
    if (access(path, F_OK) != 0) {
        if (!create)
            return jy_error_set(err, JY_ENOTFOUND, "%s: no such archive", path);
        char *tmp = xasprintf("%s.new", path), *tmpj = xasprintf("%s.new-journal", path);
        unlink(tmp); /* left by a run killed while making it */
        unlink(tmpj);
        /* made here with its mode, which SQLite then keeps (and gives its
         * journal) */
        int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                      archive_shared(r->o->dir) ? 0660 : 0600);
        if (fd < 0)
            rc = jy_error_set(err, JY_EIO, "%s: %s", tmp, strerror(errno));
        else
            close(fd);
        if (fd >= 0 && !(rc = attach_file(r, tmp, err))) {
            rc = archive_create(r, err);
            detach(r);
            if (!rc && rename(tmp, path) != 0)
                rc = jy_error_set(err, JY_EIO, "%s: %s", path, strerror(errno));
            int dfd = rc ? -1 : open(r->o->dir, O_RDONLY | O_DIRECTORY);
            if (dfd >= 0) { /* the rename itself on disk */
                fsync(dfd);
                close(dfd);
            }
        }
        free(tmp);
        free(tmpj);
        if (rc)
            return rc;
    }
    if ((rc = attach_file(r, path, err)))
        return rc;
    int64_t has = 0;
    if ((rc = query_int(st, "SELECT count(*) FROM ar.sqlite_master WHERE name = 'arc_pending'", 0,
                        0, &has, err)))
        goto fail;
    if (!has) {
        rc = jy_error_set(err, JY_ESTATE, "%s: not a jingyu archive", path);
        goto fail;
    }
    if ((rc = chars_add(r, err)))
        goto fail;
    static const char *const tables[4] = {"sources", "items", "analysis", "events"};
    for (int i = 0; i < 4; i++)
        if ((rc = common_columns(st, tables[i], &r->cols[i], err)))
            goto fail;
    return 0;
fail:
    detach(r);
    return rc;
}

/* Removes the archive's copies of the items in temp.arc_stay (and their
 * index entries and analyses), inside the caller's transaction. The
 * character index holds the items above its floor only (chars_add). */
static int archive_forget_items(struct store *st, struct jy_error *err)
{
    int rc;
    if ((rc = run_sql(st,
                      "INSERT INTO ar.items_fts (items_fts, rowid, title, content) SELECT "
                      "'delete', id, title, content FROM ar.items WHERE id IN "
                      "(SELECT id FROM temp.arc_stay)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO ar.items_chars (items_chars, rowid, title, content) SELECT "
                      "'delete', id, title, content FROM ar.items WHERE id IN (SELECT id FROM "
                      "temp.arc_stay) AND id > (SELECT floor FROM ar.chars_state)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM ar.analysis WHERE item_id IN (SELECT id FROM temp.arc_stay)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM ar.items WHERE id IN (SELECT id FROM temp.arc_stay)", 0, 0,
                      0, NULL, err)))
        return rc;
    return 0;
}

/* Finishes what a run killed midway left in the attached archive: pending
 * rows still in the live file are unfinished copies and leave the archive;
 * the others were moved. */
static int recover(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    int64_t n = 0;
    int rc = query_int(st, "SELECT count(*) FROM ar.arc_pending", 0, 0, &n, err);
    if (rc || !n)
        return rc;
    if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)))
        return rc;
    if ((rc = run_sql(st, "DELETE FROM temp.arc_stay", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO temp.arc_stay SELECT id FROM ar.arc_pending WHERE kind = 'item' "
                      "AND id IN (SELECT id FROM main.items)",
                      0, 0, 0, NULL, err)) ||
        (rc = archive_forget_items(st, err)) ||
        (rc = run_sql(st,
                      "DELETE FROM ar.events WHERE id IN (SELECT id FROM ar.arc_pending WHERE "
                      "kind = 'event' AND id IN (SELECT id FROM main.events))",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM ar.arc_pending", 0, 0, 0, NULL, err))) {
        store_exec(st, "ROLLBACK", NULL);
        return rc;
    }
    if ((rc = store_exec(st, "COMMIT", err)))
        return rc;
    r->rep->recovered += n;
    return 0;
}

/* ---- moving ------------------------------------------------------------------------------ */

/* Step 1 for the items in temp.arc_batch: copies them (their sources,
 * analyses and index entries) into the archive, in one synced transaction,
 * with their ids pending. */
static int copy_items(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    int rc = store_exec(st, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    char *ins_src = xasprintf("INSERT OR IGNORE INTO ar.sources (%s) SELECT %s FROM main.sources "
                              "WHERE id IN (SELECT source_id FROM main.items WHERE id IN "
                              "(SELECT id FROM temp.arc_batch))",
                              r->cols[0], r->cols[0]);
    char *ins_items = xasprintf("INSERT INTO ar.items (%s) SELECT %s FROM main.items WHERE id IN "
                                "(SELECT id FROM temp.arc_batch)",
                                r->cols[1], r->cols[1]);
    char *ins_an = xasprintf("INSERT INTO ar.analysis (%s) SELECT %s FROM main.analysis WHERE "
                             "item_id IN (SELECT id FROM temp.arc_batch)",
                             r->cols[2], r->cols[2]);
    /* a copy left by a killed run is replaced, index entry included */
    if ((rc = run_sql(st, "DELETE FROM temp.arc_stay", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO temp.arc_stay SELECT id FROM ar.items WHERE id IN "
                      "(SELECT id FROM temp.arc_batch)",
                      0, 0, 0, NULL, err)) ||
        (rc = archive_forget_items(st, err)) || (rc = run_sql(st, ins_src, 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, ins_items, 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, ins_an, 0, 0, 0, NULL, err)) ||
        /* the live file counts duplicates in item_dups (migration 15); an
         * archive keeps the count on the item's row, where it is read */
        (rc = run_sql(st,
                      "UPDATE ar.items SET dups = coalesce((SELECT d.n FROM main.item_dups d "
                      "WHERE d.item_id = ar.items.id), 0) WHERE id IN (SELECT id FROM "
                      "temp.arc_batch)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO ar.items_fts (rowid, title, content) SELECT id, title, content "
                      "FROM ar.items WHERE id IN (SELECT id FROM temp.arc_batch)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO ar.items_chars (rowid, title, content) SELECT id, title, "
                      "content FROM ar.items WHERE id IN (SELECT id FROM temp.arc_batch) AND "
                      "id > (SELECT floor FROM ar.chars_state)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT OR IGNORE INTO ar.arc_pending SELECT 'item', id FROM temp.arc_batch",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "UPDATE ar.archive_info SET events_settled = 0", 0, 0, 0, NULL, err)))
        store_exec(st, "ROLLBACK", NULL);
    else
        rc = store_exec(st, "COMMIT", err);
    free(ins_src);
    free(ins_items);
    free(ins_an);
    return rc;
}

/* Step 2: in one live transaction, keeps the items that became pinned
 * since they were chosen (in temp.arc_stay), checks that the archive holds
 * every other one with its analysis, and deletes them (their index entries
 * first: the index is external-content, so an entry is deleted with the
 * text it was made from, and only items already indexed have one). */
static int delete_items(struct run *r, int64_t *moved, struct jy_error *err)
{
    struct store *st = r->st;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    int64_t want = 0, have = 0, an_live = 0, an_ar = 0;
    int n = 0;
    if ((rc = store_fence_check(st, err)) ||
        (rc = run_sql(st, "DELETE FROM temp.arc_stay", 0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO temp.arc_stay SELECT b.id FROM temp.arc_batch b "
                      "JOIN main.items i ON i.id = b.id WHERE b.id IN (SELECT item_id FROM "
                      "main.labels) OR b.id IN (SELECT item_id FROM main.incident_items) OR "
                      "i.event_id IN (" PINNED_EVENTS ")",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM temp.arc_batch WHERE id IN (SELECT id FROM temp.arc_stay)",
                      0, 0, 0, NULL, err)) ||
        (rc = query_int(st, "SELECT count(*) FROM temp.arc_batch", 0, 0, &want, err)) ||
        (rc = query_int(st,
                        "SELECT count(*) FROM ar.items WHERE id IN (SELECT id FROM temp.arc_batch)",
                        0, 0, &have, err)) ||
        (rc = query_int(st,
                        "SELECT count(*) FROM main.analysis WHERE item_id IN "
                        "(SELECT id FROM temp.arc_batch)",
                        0, 0, &an_live, err)) ||
        (rc = query_int(st,
                        "SELECT count(*) FROM ar.analysis WHERE item_id IN "
                        "(SELECT id FROM temp.arc_batch)",
                        0, 0, &an_ar, err)))
        goto fail;
    if (have != want || an_ar != an_live) {
        rc = jy_error_set(err, JY_ESTATE,
                          "archive: the archive holds %lld of %lld items and %lld of %lld "
                          "analyses; nothing deleted",
                          (long long)have, (long long)want, (long long)an_ar, (long long)an_live);
        goto fail;
    }
    if ((rc = crash_point(r, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO main.items_fts (items_fts, rowid, title, content) SELECT "
                      "'delete', id, title, content FROM main.items WHERE id IN (SELECT id FROM "
                      "temp.arc_batch) AND id <= (SELECT indexed_upto FROM main.fts_state)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "INSERT INTO main.items_chars (items_chars, rowid, title, content) SELECT "
                      "'delete', id, title, content FROM main.items WHERE id IN (SELECT id FROM "
                      "temp.arc_batch) AND id > (SELECT floor FROM main.chars_state) AND "
                      "id <= (SELECT indexed_upto FROM main.fts_state)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st,
                      "DELETE FROM main.analysis WHERE item_id IN (SELECT id FROM temp.arc_batch)",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM main.items WHERE id IN (SELECT id FROM temp.arc_batch)", 0,
                      0, 0, &n, err)))
        goto fail;
    if ((rc = store_commit(st, err)))
        return rc;
    *moved = n;
    return 0;
fail:
    store_rollback(st);
    return rc;
}

/* Step 3: the archive forgets the copies of items that stayed, and what
 * was pending. */
static int settle(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    int rc = store_exec(st, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    if ((rc = archive_forget_items(st, err)) ||
        (rc = run_sql(st,
                      "DELETE FROM ar.events WHERE id IN (SELECT id FROM ar.arc_pending WHERE "
                      "kind = 'event' AND id IN (SELECT id FROM main.events))",
                      0, 0, 0, NULL, err)) ||
        (rc = run_sql(st, "DELETE FROM ar.arc_pending", 0, 0, 0, NULL, err))) {
        store_exec(st, "ROLLBACK", NULL);
        return rc;
    }
    return store_exec(st, "COMMIT", err);
}

static bool over_budget(const struct run *r)
{
    return r->o->budget_ms > 0 && jy_mono_ms() - r->started_ms >= r->o->budget_ms;
}

/* Takes the items below the attached archive's character-index floor
 * into the index, newest first, a batch per transaction (of the archive
 * alone: the live file is not locked), until none is left or the budget
 * runs out (*stopped; the report asks for another call). */
static int chars_fill(struct run *r, bool *stopped, struct jy_error *err)
{
    struct store *st = r->st;
    int batch = r->o->chars_batch > 0 ? r->o->chars_batch : ARCHIVE_BATCH;
    for (;;) {
        int64_t floor = 0, lowest = 0, count = 0;
        int rc = query_int(st, "SELECT floor FROM ar.chars_state", 0, 0, &floor, err);
        if (rc || floor <= 0)
            return rc;
        if (over_budget(r)) {
            *stopped = true;
            r->rep->more = true;
            return 0;
        }
        if ((rc = crash_point(r, err)) || (rc = store_exec(st, "BEGIN", err)))
            return rc;
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db,
                               "SELECT min(id), count(*) FROM (SELECT id FROM ar.items "
                               "WHERE id <= ?1 ORDER BY id DESC LIMIT ?2)",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "archive: character index");
        } else {
            sqlite3_bind_int64(s, 1, floor);
            sqlite3_bind_int(s, 2, batch);
            if (sqlite3_step(s) == SQLITE_ROW) {
                lowest = sqlite3_column_int64(s, 0);
                count = sqlite3_column_int64(s, 1);
            } else {
                rc = store_db_error(st, err, "archive: character index");
            }
            sqlite3_finalize(s);
        }
        /* a short batch reached the oldest item: nothing is left below it */
        if (rc ||
            (count > 0 &&
             (rc = run_sql(st,
                           "INSERT INTO ar.items_chars (rowid, title, content) SELECT id, title, "
                           "content FROM ar.items WHERE id >= ?1 AND id <= ?2",
                           2, lowest, floor, NULL, err))) ||
            (rc = run_sql(st, "UPDATE ar.chars_state SET floor = ?1", 1,
                          count < batch ? 0 : lowest - 1, 0, NULL, err))) {
            store_exec(st, "ROLLBACK", NULL);
            return rc;
        }
        if ((rc = store_exec(st, "COMMIT", err)))
            return rc;
    }
}

/* Moves the items of temp.arc_set, a batch at a time. */
static int move_items(struct run *r, bool *stopped, struct jy_error *err)
{
    struct store *st = r->st;
    int64_t last = 0;
    for (;;) {
        if (over_budget(r)) {
            *stopped = true;
            return 0;
        }
        int n = 0, rc;
        if ((rc = run_sql(st, "DELETE FROM temp.arc_batch", 0, 0, 0, NULL, err)) ||
            (rc = run_sql(st,
                          "INSERT INTO temp.arc_batch SELECT id FROM temp.arc_set WHERE id > ?1 "
                          "ORDER BY id LIMIT ?2",
                          2, last, ARCHIVE_BATCH, &n, err)))
            return rc;
        if (n == 0)
            return 0;
        int64_t moved = 0;
        if ((rc = query_int(st, "SELECT max(id) FROM temp.arc_batch", 0, 0, &last, err)) ||
            (rc = crash_point(r, err)) || (rc = copy_items(r, err)) || (rc = crash_point(r, err)) ||
            (rc = delete_items(r, &moved, err)) || (rc = crash_point(r, err)) ||
            (rc = settle(r, err)))
            return rc;
        r->moved_items += moved;
    }
}

/* Moves the events whose items have all left the live file into the
 * attached archive (those that nothing pins), the same three steps. */
static int move_events(struct run *r, struct jy_error *err)
{
    struct store *st = r->st;
    char *ins = xasprintf("INSERT INTO ar.events (%s) SELECT %s FROM main.events WHERE id IN "
                          "(SELECT id FROM temp.arc_batch)",
                          r->cols[3], r->cols[3]);
    int rc = 0;
    int64_t last = 0;
    for (;;) {
        int n = 0;
        if ((rc = run_sql(st, "DELETE FROM temp.arc_batch", 0, 0, 0, NULL, err)) ||
            (rc = run_sql(st,
                          "INSERT INTO temp.arc_batch SELECT DISTINCT x.event_id FROM ar.items x "
                          "WHERE x.event_id > ?1 AND x.event_id IN (SELECT id FROM main.events) "
                          "AND x.event_id NOT IN (" PINNED_EVENTS ") AND NOT EXISTS (SELECT 1 "
                          "FROM main.items i WHERE i.event_id = x.event_id) "
                          "ORDER BY x.event_id LIMIT ?2",
                          2, last, ARCHIVE_BATCH, &n, err)))
            break;
        if (n == 0)
            break;
        if ((rc = query_int(st, "SELECT max(id) FROM temp.arc_batch", 0, 0, &last, err)))
            break;
        /* 1: copy, pending */
        if ((rc = crash_point(r, err)) || (rc = store_exec(st, "BEGIN IMMEDIATE", err)))
            break;
        if ((rc = run_sql(st, "DELETE FROM ar.events WHERE id IN (SELECT id FROM temp.arc_batch)",
                          0, 0, 0, NULL, err)) ||
            (rc = run_sql(st, ins, 0, 0, 0, NULL, err)) ||
            (rc = run_sql(st,
                          "INSERT OR IGNORE INTO ar.arc_pending SELECT 'event', id FROM "
                          "temp.arc_batch",
                          0, 0, 0, NULL, err))) {
            store_exec(st, "ROLLBACK", NULL);
            break;
        }
        if ((rc = store_exec(st, "COMMIT", err)) || (rc = crash_point(r, err)))
            break;
        /* 2: check and delete (an event pinned or given an item meanwhile stays) */
        if ((rc = store_begin(st, err)))
            break;
        int64_t want = 0, have = 0;
        int moved = 0;
        if ((rc = store_fence_check(st, err)) ||
            (rc = run_sql(st,
                          "DELETE FROM temp.arc_batch WHERE id IN (" PINNED_EVENTS ") OR EXISTS "
                          "(SELECT 1 FROM main.items i WHERE i.event_id = temp.arc_batch.id)",
                          0, 0, 0, NULL, err)) ||
            (rc = query_int(st, "SELECT count(*) FROM temp.arc_batch", 0, 0, &want, err)) ||
            (rc = query_int(st,
                            "SELECT count(*) FROM ar.events WHERE id IN "
                            "(SELECT id FROM temp.arc_batch)",
                            0, 0, &have, err))) {
            store_rollback(st);
            break;
        }
        if (have != want) {
            store_rollback(st);
            rc = jy_error_set(err, JY_ESTATE,
                              "archive: the archive holds %lld of %lld events; nothing deleted",
                              (long long)have, (long long)want);
            break;
        }
        /* an event that leaves is closed: the analyzer's memory of it goes */
        if ((rc = run_sql(st,
                          "DELETE FROM main.event_states WHERE event_id IN "
                          "(SELECT id FROM temp.arc_batch)",
                          0, 0, 0, NULL, err)) ||
            (rc = run_sql(st, "DELETE FROM main.events WHERE id IN (SELECT id FROM temp.arc_batch)",
                          0, 0, 0, &moved, err)) ||
            (rc = store_commit(st, err))) {
            store_rollback(st);
            break;
        }
        r->moved_events += moved;
        /* 3 */
        if ((rc = crash_point(r, err)) ||
            (rc = run_sql(st, "DELETE FROM temp.arc_stay", 0, 0, 0, NULL, err)) ||
            (rc = settle(r, err)))
            break;
    }
    free(ins);
    if (!rc)
        rc = run_sql(st, "UPDATE ar.archive_info SET events_settled = 1", 0, 0, 0, NULL, err);
    return rc;
}

/* Moves what may leave of the items collected before `before` into the
 * archive of month (and the events they free), then audits it. */
static int archive_month(struct run *r, const char *month, bool *stopped, struct jy_error *err)
{
    char *path = store_archive_path(r->o->dir, month);
    snprintf(r->rep->current, sizeof r->rep->current, "%s", month);
    r->moved_items = r->moved_events = 0;
    int rc = make_dir(r->o->dir, err);
    if (!rc)
        rc = attach(r, path, true, err);
    if (!rc)
        rc = recover(r, err);
    if (!rc)
        rc = chars_fill(r, stopped, err);
    if (!rc && !*stopped)
        rc = move_items(r, stopped, err);
    if (!rc && !*stopped)
        rc = move_events(r, err);
    if (r->moved_items || r->moved_events) {
        report_add(r->rep, month, r->moved_items, r->moved_events);
        char *after = xasprintf("{\"month\":\"%s\",\"items\":%lld,\"events\":%lld}", month,
                                (long long)r->moved_items, (long long)r->moved_events);
        struct jy_error e2 = {0};
        int arc = store_audit_record(r->st, r->actor, "db.archive", "archive", 0, after, r->o->now,
                                     rc ? &e2 : err);
        if (!rc)
            rc = arc;
        free(after);
    }
    detach(r);
    free(path);
    return rc;
}

/* Archives whose last run was cut short: rows pending, or events not yet
 * moved after their items; and those written before the character index,
 * which get it (chars_fill). */
static int finish_old_archives(struct run *r, struct jy_error *err)
{
    DIR *d = opendir(r->o->dir);
    if (!d)
        return 0; /* none yet */
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len != strlen(ARCHIVE_PREFIX "YYYY-MM" ARCHIVE_SUFFIX) ||
            strncmp(de->d_name, ARCHIVE_PREFIX, strlen(ARCHIVE_PREFIX)) ||
            strcmp(de->d_name + len - strlen(ARCHIVE_SUFFIX), ARCHIVE_SUFFIX))
            continue;
        char month[8];
        snprintf(month, sizeof month, "%.7s", de->d_name + strlen(ARCHIVE_PREFIX));
        char *path = store_archive_path(r->o->dir, month);
        snprintf(r->rep->current, sizeof r->rep->current, "%s", month);
        r->moved_items = r->moved_events = 0;
        int64_t settled = 1;
        bool stopped = false;
        if (!(rc = attach(r, path, false, err)) && !(rc = recover(r, err)) &&
            !(rc = query_int(r->st, "SELECT events_settled FROM ar.archive_info", 0, 0, &settled,
                             err)) &&
            !settled)
            rc = move_events(r, err);
        if (!rc && r->attached)
            rc = chars_fill(r, &stopped, err);
        if (r->moved_events) {
            report_add(r->rep, month, 0, r->moved_events);
            char *after = xasprintf("{\"month\":\"%s\",\"items\":0,\"events\":%lld}", month,
                                    (long long)r->moved_events);
            if (!rc)
                rc = store_audit_record(r->st, r->actor, "db.archive", "archive", 0, after,
                                        r->o->now, err);
            free(after);
        }
        if (rc == JY_ESTATE && !r->attached) /* not ours: leave it alone */
            rc = 0;
        detach(r);
        free(path);
        if (stopped)
            break;
    }
    closedir(d);
    return rc;
}

/* A dry run: what would leave, by the month of each item's collection. */
static int dry_run(struct run *r, int64_t cutoff, struct jy_error *err)
{
    int64_t n = 0;
    int rc = select_items(r->st, cutoff, &n, err);
    if (rc || !n)
        return rc;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(r->st->db,
                           "SELECT strftime('%Y-%m', i.fetched_at, 'unixepoch', 'localtime') m, "
                           "count(*) FROM temp.arc_set x JOIN main.items i ON i.id = x.id "
                           "GROUP BY m ORDER BY m",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(r->st, err, "archive");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        report_add(r->rep, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(r->st, err, "archive");
    /* events: those whose items would all leave */
    int64_t ev = 0;
    if ((rc = query_int(r->st,
                        "SELECT count(DISTINCT i.event_id) FROM temp.arc_set x JOIN main.items i "
                        "ON i.id = x.id WHERE i.event_id IS NOT NULL",
                        0, 0, &ev, err)))
        return rc;
    r->rep->dry_events = ev;
    return 0;
}

int store_archive_run(struct store *st, const struct store_archive_opts *o,
                      struct store_archive_report *rep, struct jy_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (o->months <= 0)
        return jy_error_set(err, JY_EINVAL,
                            "retention is off (retention.months is 0): nothing is archived");
    if (o->actor && !actor_has(o->actor, ROLE_ADMIN))
        return jy_error_set(err, JY_EPERM, "只有管理员可以归档（%s）", o->actor->login);
    if (!sqlite3_get_autocommit(st->db))
        return jy_error_set(err, JY_ESTATE, "archive: inside a transaction");
    struct run r = {.st = st, .o = o, .rep = rep, .actor = o->actor ? o->actor->login : "jingyu"};
    r.started_ms = jy_mono_ms();
    int64_t cutoff = month_start(o->now, -o->months);
    rep->cutoff = cutoff;
    int rc = check_references(st, err);
    if (!rc)
        rc = temp_tables(st, err);
    if (rc)
        return rc;
    if (o->dry_run)
        return dry_run(&r, cutoff, err);
    if ((rc = finish_old_archives(&r, err)) || rep->more)
        return rc;
    int64_t oldest = 0;
    if ((rc = query_int(st,
                        "SELECT min(fetched_at) FROM main.items WHERE sort_at < ?1 AND "
                        "fetched_at < ?1",
                        1, cutoff, &oldest, err)))
        return rc;
    if (!oldest)
        return 0;
    for (int64_t m = month_start(oldest, 0); m < cutoff; m = month_start(m, 1)) {
        int64_t end = month_start(m, 1), n = 0;
        if ((rc = select_items(st, end, &n, err)))
            break;
        if (!n)
            continue;
        char month[8];
        month_name(m, month);
        bool stopped = false;
        if ((rc = archive_month(&r, month, &stopped, err)))
            break;
        if (stopped || over_budget(&r)) {
            rep->more = true;
            break;
        }
    }
    detach(&r);
    return rc;
}

/* ---- reading archives ------------------------------------------------------------------- */

int store_archive_list(const char *dir, char ***months, size_t *n, struct jy_error *err)
{
    (void)err;
    *months = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        int y, mo;
        char tail[8];
        if (len != strlen(ARCHIVE_PREFIX "YYYY-MM" ARCHIVE_SUFFIX) ||
            sscanf(de->d_name, ARCHIVE_PREFIX "%4d-%2d%4s", &y, &mo, tail) != 3 ||
            strcmp(tail, ARCHIVE_SUFFIX))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *months = xrealloc(*months, cap * sizeof **months);
        }
        (*months)[(*n)++] = xasprintf("%04d-%02d", y, mo);
    }
    closedir(d);
    /* newest first */
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp((*months)[j - 1], (*months)[j]) < 0; j--) {
            char *t = (*months)[j];
            (*months)[j] = (*months)[j - 1];
            (*months)[j - 1] = t;
        }
    return 0;
}

/* A run killed in the middle of a commit to the archive leaves a hot
 * journal, which a read-only connection cannot roll back (SQLite answers
 * SQLITE_READONLY_ROLLBACK, "attempt to write a readonly database"), so
 * search would refuse the month until the next archive run. Any writer's
 * first read rolls it back, restoring the last committed state and losing
 * nothing: do that once, when the file may be written. 0 when the file
 * needs no rollback or now has none. */
static int settle_hot_journal(const char *path, struct jy_error *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    db = NULL;
    if (rc != SQLITE_READONLY_ROLLBACK)
        return 0; /* anything else is for the real open to report */
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        return jy_error_set(err, JY_EDB,
                            "%s: a stopped archive run left a journal to roll back, and this "
                            "user may not write the file; run `jingyu db archive` to finish it",
                            path);
    return 0;
}

int store_open_archive(const char *path, struct store **out, struct jy_error *err)
{
    *out = NULL;
    int settled = settle_hot_journal(path, err);
    if (settled)
        return settled;
    struct store *st = xcalloc(1, sizeof *st);
    jy_buf_init(&st->json, 0);
    st->path = xstrdup(path);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        int rc = jy_error_set(err, JY_EDB, "%s: cannot open the archive: %s", path,
                              st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return rc;
    }
    sqlite3_busy_timeout(st->db, 10000);
    int64_t has = 0;
    int rc = store_tokenizer_register(st->db, err);
    if (!rc)
        rc = store_register_reader(st, err);
    if (!rc)
        rc = query_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'arc_pending'", 0, 0,
                       &has, err);
    /* Read marks are not archived: the item rows' SQL finds an empty table
     * of its own (a temporary one, which a read-only connection may make). */
    if (!rc && has)
        rc = store_exec(st,
                        "CREATE TEMP TABLE item_reads (item_id INTEGER, person_id INTEGER,"
                        " read_at INTEGER)",
                        err);
    /* An archive keeps each item's count of duplicates on its row: the
     * item rows' SQL reads it through a view named as the live file's table
     * (migration 15). */
    if (!rc && has)
        rc = store_exec(st,
                        "CREATE TEMP VIEW item_dups AS SELECT id AS item_id, dups AS n"
                        " FROM main.items WHERE dups > 0",
                        err);
    /* Rows of a move that was stopped half way (arc_pending) are still in
     * the live file, which answers for them until a later run settles the
     * move: seen through this view, an archive shows only what it holds
     * for good. (A temporary view hides the table of that name.) */
    if (!rc && has)
        rc = store_exec(st,
                        "CREATE TEMP VIEW items AS SELECT * FROM main.items WHERE id NOT IN"
                        " (SELECT id FROM main.arc_pending WHERE kind = 'item')",
                        err);
    if (!rc && !has)
        rc = jy_error_set(err, JY_ESTATE, "%s: not a jingyu archive", path);
    if (rc) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}
