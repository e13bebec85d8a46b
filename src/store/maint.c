/* maint.c: upkeep of the live file: what it holds (`jingyu db stats`) and
 * giving free pages back (`jingyu db vacuum`).
 *
 * Vacuuming has to leave the consoles working. VACUUM INTO a new file and
 * a rename would lose whatever another process writes meanwhile (it keeps
 * writing to the old inode), and a full VACUUM holds the write lock for as
 * long as it takes to rewrite the file. So the file runs in incremental
 * auto-vacuum mode (new files are created so, see db.c), and a vacuum is
 * PRAGMA incremental_vacuum in short transactions, between which the
 * collector and the consoles write as usual. An older file is converted
 * once, by one full VACUUM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int pragma_int(struct store *st, const char *sql, int64_t *out, struct jy_error *err)
{
    sqlite3_stmt *s;
    *out = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, sql);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, sql);
}

/* Rows of one table. The name comes from sqlite_master, quoted as an
 * identifier: names cannot be bound. */
static int table_rows(struct store *st, const char *name, int64_t *rows, struct jy_error *err)
{
    struct jy_buf q;
    jy_buf_init(&q, 0);
    jy_buf_puts(&q, "SELECT count(*) FROM main.\"");
    for (const char *c = name; *c; c++)
        jy_buf_append(&q, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
    jy_buf_puts(&q, "\"");
    int rc = pragma_int(st, q.data, rows, err);
    jy_buf_free(&q);
    return rc;
}

static int table_cmp(const void *a, const void *b)
{
    const struct store_table_stats *x = a, *y = b;
    int64_t kx = x->bytes >= 0 ? x->bytes : x->rows, ky = y->bytes >= 0 ? y->bytes : y->rows;
    return kx < ky ? 1 : kx > ky ? -1 : strcmp(x->name, y->name);
}

static int read_tables(struct store *st, struct store_db_stats *out, struct jy_error *err)
{
    /* dbstat is a compile-time option of SQLite: without it, rows only */
    sqlite3_stmt *bytes = NULL;
    out->dbstat = sqlite3_prepare_v2(st->db,
                                     "SELECT sum(pgsize) FROM dbstat('main') WHERE name = ?1 OR "
                                     "name IN (SELECT name FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name = ?1)",
                                     -1, &bytes, NULL) == SQLITE_OK;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT name, sql LIKE 'CREATE VIRTUAL%' FROM main.sqlite_master "
                           "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                           -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(bytes);
        return store_db_error(st, err, "stats");
    }
    int rc = 0, step;
    size_t cap = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (out->n_tables == cap) {
            cap = cap ? cap * 2 : 32;
            out->tables = xrealloc(out->tables, cap * sizeof *out->tables);
        }
        struct store_table_stats *t = &out->tables[out->n_tables++];
        t->name = xstrdup(name);
        t->rows = -1;
        t->bytes = -1;
        /* a virtual table's rows are its shadow tables' (counted apart) */
        if (!sqlite3_column_int(s, 1) && (rc = table_rows(st, name, &t->rows, err)))
            break;
        if (bytes) {
            sqlite3_reset(bytes);
            sqlite3_bind_text(bytes, 1, name, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(bytes) == SQLITE_ROW)
                t->bytes = sqlite3_column_int64(bytes, 0);
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_db_error(st, err, "stats");
    sqlite3_finalize(s);
    sqlite3_finalize(bytes);
    if (!rc)
        qsort(out->tables, out->n_tables, sizeof *out->tables, table_cmp);
    return rc;
}

static int read_months(struct store *st, struct store_db_stats *out, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT strftime('%Y-%m', fetched_at, 'unixepoch', 'localtime') m, "
                           "count(*) FROM main.items GROUP BY m ORDER BY m",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "stats");
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n_months == cap) {
            cap = cap ? cap * 2 : 16;
            out->months = xrealloc(out->months, cap * sizeof *out->months);
        }
        struct store_month_count *m = &out->months[out->n_months++];
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(m->month, sizeof m->month, "%s", t ? (const char *)t : "?");
        m->items = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "stats");
}

static int read_archives(const char *dir, struct store_db_stats *out, struct jy_error *err)
{
    char **months = NULL;
    size_t n = 0;
    int rc = store_archive_list(dir, &months, &n, err);
    if (rc)
        return rc;
    out->archives = xcalloc(n ? n : 1, sizeof *out->archives);
    for (size_t i = 0; i < n; i++) {
        struct store_archive_file *f = &out->archives[out->n_archives++];
        snprintf(f->month, sizeof f->month, "%s", months[i]);
        char *path = store_archive_path(dir, months[i]);
        f->bytes = file_size(path);
        f->items = -1;
        struct store *ar = NULL;
        struct jy_error e2 = {0};
        if (store_open_archive(path, &ar, &e2) == 0)
            pragma_int(ar, "SELECT count(*) FROM items", &f->items, &e2);
        store_close(ar);
        free(path);
        free(months[i]);
    }
    free(months);
    return 0;
}

int store_db_stats(struct store *st, const char *archive_dir, struct store_db_stats *out,
                   struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    out->file_bytes = file_size(st->path);
    char *wal = xasprintf("%s-wal", st->path);
    out->wal_bytes = file_size(wal);
    free(wal);
    int64_t av = 0;
    /* one read transaction: the figures agree with each other */
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    if (!(rc = pragma_int(st, "PRAGMA page_size", &out->page_size, err)) &&
        !(rc = pragma_int(st, "PRAGMA page_count", &out->pages, err)) &&
        !(rc = pragma_int(st, "PRAGMA freelist_count", &out->free_pages, err)) &&
        !(rc = pragma_int(st, "PRAGMA auto_vacuum", &av, err)) &&
        !(rc = read_tables(st, out, err)) && !(rc = read_months(st, out, err)))
        rc = store_index_lag(st, &out->index_lag, &out->index_oldest, err);
    store_exec(st, rc ? "ROLLBACK" : "COMMIT", NULL);
    out->auto_vacuum = (int)av;
    if (!rc && archive_dir)
        rc = read_archives(archive_dir, out, err);
    if (rc)
        store_db_stats_clear(out);
    return rc;
}

void store_db_stats_clear(struct store_db_stats *s)
{
    for (size_t i = 0; i < s->n_tables; i++)
        free(s->tables[i].name);
    free(s->tables);
    free(s->months);
    free(s->archives);
    memset(s, 0, sizeof *s);
}

/* ---- vacuum ----------------------------------------------------------------------- */

struct vacuum_progress {
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *ctx;
    int64_t started_ms, last_s;
};

static int vacuum_tick(void *arg)
{
    struct vacuum_progress *p = arg;
    int64_t s = (jy_mono_ms() - p->started_ms) / 1000;
    if (s > p->last_s && p->progress) {
        p->last_s = s;
        p->progress(p->ctx, -1, s);
    }
    return 0;
}

/* The one full VACUUM that switches an older file to incremental mode. */
static int vacuum_convert(struct store *st, struct vacuum_progress *p, struct jy_error *err)
{
    int rc = store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL", err);
    if (rc)
        return rc;
    p->started_ms = jy_mono_ms();
    sqlite3_progress_handler(st->db, 100000, vacuum_tick, p);
    rc = store_exec(st, "VACUUM", err);
    sqlite3_progress_handler(st->db, 0, NULL, NULL);
    return rc;
}

int store_db_vacuum(struct store *st, const struct actor *a, int step, bool may_convert,
                    void (*progress)(void *ctx, int64_t done, int64_t total), void *ctx,
                    int64_t now, int64_t *freed, struct jy_error *err)
{
    *freed = 0;
    if (!actor_has(a, ROLE_ADMIN))
        return jy_error_set(err, JY_EPERM, "只有管理员可以整理数据库（%s）", a ? a->login : "?");
    if (step <= 0)
        step = 1000;
    int64_t av = 0, pages0 = 0, free0 = 0;
    int rc = pragma_int(st, "PRAGMA auto_vacuum", &av, err);
    if (!rc)
        rc = pragma_int(st, "PRAGMA page_count", &pages0, err);
    if (rc)
        return rc;
    struct vacuum_progress p = {.progress = progress, .ctx = ctx};
    bool converted = false;
    if (av != 2) {
        if (!may_convert)
            return jy_error_set(err, JY_EBUSY,
                                "%s: the file is not in incremental auto-vacuum mode yet; the "
                                "one full VACUUM that converts it needs the collector lease "
                                "(stop the collector and the consoles that collect, then retry)",
                                st->path);
        if ((rc = vacuum_convert(st, &p, err)))
            return rc;
        converted = true;
    }
    if ((rc = pragma_int(st, "PRAGMA freelist_count", &free0, err)))
        return rc;
    int64_t left = free0;
    /* a pragma takes no parameters: the step is a number we made */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", step);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "vacuum");
    while (left > 0) {
        /* one short write transaction a step: others write in between */
        if ((rc = store_begin(st, err)))
            break;
        sqlite3_reset(s);
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW)
            ;
        if (r != SQLITE_DONE) {
            rc = store_db_error(st, err, "vacuum");
            store_rollback(st);
            break;
        }
        if ((rc = store_commit(st, err)))
            break;
        int64_t now_free = 0;
        if ((rc = pragma_int(st, "PRAGMA freelist_count", &now_free, err)))
            break;
        if (now_free >= left) /* nothing more can go (others freed pages meanwhile) */
            break;
        left = now_free;
        if (progress)
            progress(ctx, free0 - left, free0);
    }
    sqlite3_finalize(s);
    if (rc)
        return rc;
    *freed = free0 - left;
    /* the -wal holds the moved pages until a checkpoint: give it back too
     * (PASSIVE never waits for readers) */
    sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    int64_t pages1 = 0;
    pragma_int(st, "PRAGMA page_count", &pages1, NULL);
    char *after = xasprintf(
        "{\"pages_before\":%lld,\"pages_after\":%lld,\"freed\":%lld,\"converted\":%s}",
        (long long)pages0, (long long)pages1, (long long)*freed, converted ? "true" : "false");
    rc = store_audit_record(st, a->login, "db.vacuum", "database", 0, after, now, err);
    free(after);
    return rc;
}
