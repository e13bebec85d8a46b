/* items.c: storing fetched items and reading them back in pages.
 *
 * The feed's order is (sort_at, id) descending, served from one index with
 * keyset paging, so the cost of a page does not depend on how deep in a
 * million rows it is. A fetch and its source's health are written in one
 * transaction: either both land or neither does. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define ITEM_FROM " FROM items i JOIN sources s ON s.id = i.source_id "

void store_item_read_row(sqlite3_stmt *s, struct store_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = sqlite3_column_int64(s, 0);
    it->source_id = sqlite3_column_int64(s, 1);
    it->source_name = store_col_text(s, 2);
    it->guid = store_col_text(s, 3);
    it->link = store_col_text(s, 4);
    it->title = store_col_text(s, 5);
    it->author = store_col_text(s, 6);
    it->published_at = sqlite3_column_int64(s, 7);
    it->fetched_at = sqlite3_column_int64(s, 8);
    it->sort_at = sqlite3_column_int64(s, 9);
    it->date_missing = sqlite3_column_int(s, 10) != 0;
    it->read = sqlite3_column_int(s, 11) != 0;
    it->analyzed = sqlite3_column_int(s, 12) != 0;
    it->dups = sqlite3_column_int(s, 13);
    it->duplicate_of = sqlite3_column_int64(s, 14);
    it->event_id = sqlite3_column_int64(s, 15);
    it->sentiment = sqlite3_column_int(s, 16);
    it->label = sqlite3_column_int(s, 17);
}

void store_item_clear(struct store_item *it)
{
    if (!it)
        return;
    free(it->source_name);
    free(it->guid);
    free(it->link);
    free(it->title);
    free(it->author);
    free(it->content);
    free(it->dup_sources);
    free(it->schemes);
    free(it->terms);
    memset(it, 0, sizeof *it);
}

void store_items_free(struct store_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_item_clear(&items[i]);
    free(items);
}

/* "A、B、C": the distinct sources of an item and its near-duplicates, its
 * own first. */
static int store_dup_sources(struct store *st, struct store_item *it, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(st, STMT_DUP_SOURCES,
                                 "SELECT group_concat(name, '、') FROM (SELECT s.name FROM items i "
                                 "JOIN sources s ON s.id = i.source_id WHERE i.id = ?1 OR "
                                 "i.dup_of = ?1 GROUP BY s.id ORDER BY min(i.id))",
                                 err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, it->id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return store_db_error(st, err, "read duplicate sources");
    }
    it->dup_sources = store_col_text(s, 0);
    sqlite3_reset(s);
    return 0;
}

/* Steps s to the end, collecting at most limit rows; reverse puts them in
 * the opposite order (for queries that walk the index ascending). */
static int collect_rows(struct store *st, sqlite3_stmt *s, size_t limit, bool reverse,
                        struct store_item **out, size_t *n, struct jy_error *err)
{
    struct store_item *items = xcalloc(limit ? limit : 1, sizeof *items);
    size_t k = 0;
    int rc;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
        store_item_read_row(s, &items[k++]);
    if (k < limit && rc != SQLITE_DONE) {
        store_items_free(items, k);
        sqlite3_reset(s);
        return store_db_error(st, err, "read items");
    }
    sqlite3_reset(s);
    for (size_t i = 0; i < k; i++) {
        if (items[i].dups > 0 && store_dup_sources(st, &items[i], err)) {
            store_items_free(items, k);
            return JY_EDB;
        }
    }
    if (reverse) {
        for (size_t i = 0; i < k / 2; i++) {
            struct store_item t = items[i];
            items[i] = items[k - 1 - i];
            items[k - 1 - i] = t;
        }
    }
    *out = items;
    *n = k;
    return 0;
}

int store_items_page(struct store *st, const struct store_cursor *from, bool older, size_t limit,
                     struct store_item **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    if (!from) {
        s = store_stmt(st, STMT_PAGE_NEWEST,
                       "SELECT " STORE_ITEM_COLS ITEM_FROM "WHERE i.dup_of IS NULL "
                       "ORDER BY i.sort_at DESC, i.id DESC LIMIT ?1",
                       err);
    } else if (older) {
        s = store_stmt(st, STMT_PAGE_OLDER,
                       "SELECT " STORE_ITEM_COLS ITEM_FROM
                       "WHERE (i.sort_at, i.id) < (?2, ?3) AND i.dup_of IS NULL "
                       "ORDER BY i.sort_at DESC, i.id DESC LIMIT ?1",
                       err);
    } else {
        s = store_stmt(st, STMT_PAGE_NEWER,
                       "SELECT " STORE_ITEM_COLS ITEM_FROM
                       "WHERE (i.sort_at, i.id) > (?2, ?3) AND i.dup_of IS NULL "
                       "ORDER BY i.sort_at ASC, i.id ASC LIMIT ?1",
                       err);
    }
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    if (from) {
        sqlite3_bind_int64(s, 2, from->sort_at);
        sqlite3_bind_int64(s, 3, from->id);
    }
    return collect_rows(st, s, limit, from && !older, out, n, err);
}

int store_items_tail(struct store *st, size_t limit, struct store_item **out, size_t *n,
                     struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_PAGE_TAIL,
                                 "SELECT " STORE_ITEM_COLS ITEM_FROM "WHERE i.dup_of IS NULL "
                                 "ORDER BY i.sort_at ASC, i.id ASC LIMIT ?1",
                                 err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    return collect_rows(st, s, limit, true, out, n, err);
}

int store_item_get(struct store *st, int64_t id, struct store_item *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s =
        store_stmt(st, STMT_ITEM_GET,
                   "SELECT " STORE_ITEM_COLS ", i.content, a.schemes, a.terms" ITEM_FROM
                   "LEFT JOIN analysis a ON a.item_id = i.id WHERE i.id = ?1",
                   err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_item_read_row(s, out);
        out->content = store_col_text(s, STORE_ITEM_NCOLS);
        out->schemes = store_col_text(s, STORE_ITEM_NCOLS + 1);
        out->terms = store_col_text(s, STORE_ITEM_NCOLS + 2);
        sqlite3_reset(s);
        return 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no item %lld", (long long)id);
    return store_db_error(st, err, "read item");
}

int store_item_mark_read(struct store *st, const struct actor *a, int64_t id, int64_t now,
                         struct jy_error *err)
{
    /* a viewer, an unknown login or a read-only console marks nothing */
    if (!actor_can_write(a) || !a->person_id)
        return 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR IGNORE INTO item_reads (item_id, person_id, read_at) "
                           "VALUES (?1, ?2, ?3)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "mark read");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, a->person_id);
    sqlite3_bind_int64(s, 3, now);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "mark read");
}

int store_items_max_id(struct store *st, int64_t *id, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(st, STMT_MAX_ID, "SELECT coalesce(max(id), 0) FROM items", err);
    if (!s)
        return JY_EDB;
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return store_db_error(st, err, "max id");
    }
    *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}

/* ---- writing a fetch ------------------------------------------------------ */

/* Binds an item's own columns to ?1..?10 of an item insert. */
static void bind_item(sqlite3_stmt *s, int64_t source_id, const struct feed_item *it, int64_t now)
{
    int64_t published = it->has_date ? it->published : now;
    sqlite3_bind_int64(s, 1, source_id);
    sqlite3_bind_text(s, 2, it->guid ? it->guid : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, it->link, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, it->title ? it->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, it->author, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, it->content ? it->content : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, published);
    sqlite3_bind_int64(s, 8, now);
    sqlite3_bind_int64(s, 9, published < now ? published : now);
    sqlite3_bind_int(s, 10, !it->has_date);
}

static int insert_items(struct store *st, int64_t source_id, const struct fetch_result *r,
                        int64_t now, size_t *inserted, int64_t *ids, struct jy_error *err)
{
    sqlite3_stmt *s =
        store_stmt(st, STMT_ITEM_INSERT,
                   "INSERT OR IGNORE INTO items (source_id, guid, link, title, author, content, "
                   "published_at, fetched_at, sort_at, date_missing) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                   err);
    if (!s)
        return JY_EDB;
    for (size_t i = 0; i < r->n_items; i++) {
        sqlite3_reset(s);
        bind_item(s, source_id, &r->items[i], now);
        if (sqlite3_step(s) != SQLITE_DONE) {
            sqlite3_reset(s);
            return store_db_error(st, err, "insert item");
        }
        int changed = sqlite3_changes(st->db);
        *inserted += (size_t)changed;
        if (ids)
            ids[i] = changed ? (int64_t)sqlite3_last_insert_rowid(st->db) : 0;
    }
    sqlite3_reset(s);
    return 0;
}

int store_item_exists(struct store *st, int64_t source_id, const char *guid, bool *exists,
                      struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(st, STMT_ITEM_EXISTS,
                                 "SELECT 1 FROM items WHERE source_id = ?1 AND guid = ?2", err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, source_id);
    sqlite3_bind_text(s, 2, guid ? guid : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "look up item");
    *exists = rc == SQLITE_ROW;
    return 0;
}

int store_item_insert_judged(struct store *st, int64_t source_id, const struct feed_item *it,
                             int64_t now, const struct an_result *verdict, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_ITEM_INSERT_JUDGED,
        "INSERT INTO items (source_id, guid, link, title, author, content, published_at, "
        "fetched_at, sort_at, date_missing, id, dup_of, event_id, sentiment) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        err);
    if (!s)
        return JY_EDB;
    bind_item(s, source_id, it, now);
    sqlite3_bind_int64(s, 11, verdict->id);
    store_bind_verdict(s, 12, verdict);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "insert item");
}

static int record_health(struct store *st, int64_t source_id, const struct fetch_result *r,
                         int64_t now, size_t inserted, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (r->items_only) {
        if (inserted == 0)
            return 0;
        s = store_stmt(st, STMT_SOURCE_NEW_ITEM,
                       "UPDATE sources SET last_new_item = ?2 WHERE id = ?1", err);
        if (!s)
            return JY_EDB;
        sqlite3_bind_int64(s, 1, source_id);
        sqlite3_bind_int64(s, 2, now);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "record new items");
    }
    if (r->ok) {
        s = store_stmt(st, STMT_SOURCE_OK,
                       "UPDATE sources SET last_attempt = ?2, last_success = ?2, last_status = ?3,"
                       " failures = 0, failing_since = NULL, last_error = NULL,"
                       " etag = CASE WHEN ?4 IS NULL THEN etag ELSE nullif(?4, '') END,"
                       " last_modified = CASE WHEN ?5 IS NULL THEN last_modified"
                       "   ELSE nullif(?5, '') END,"
                       " next_due = ?6,"
                       " last_new_item = CASE WHEN ?7 > 0 THEN ?2 ELSE last_new_item END,"
                       " replay_start = coalesce(?8, replay_start),"
                       " last_warning = ?9"
                       " WHERE id = ?1",
                       err);
    } else {
        s = store_stmt(st, STMT_SOURCE_FAIL,
                       "UPDATE sources SET last_attempt = ?2, last_status = ?3,"
                       " failures = failures + 1, failing_since = coalesce(failing_since, ?2),"
                       " last_error = ?4, next_due = ?6,"
                       " last_new_item = CASE WHEN ?7 > 0 THEN ?2 ELSE last_new_item END"
                       " WHERE id = ?1",
                       err);
    }
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, source_id);
    sqlite3_bind_int64(s, 2, now);
    if (r->http_status)
        sqlite3_bind_int(s, 3, r->http_status);
    if (r->ok) {
        sqlite3_bind_text(s, 4, r->etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, r->last_modified, -1, SQLITE_STATIC);
        if (r->replay_start)
            sqlite3_bind_int64(s, 8, r->replay_start);
        if (r->warning && *r->warning)
            sqlite3_bind_text(s, 9, r->warning, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(s, 4, r->error ? r->error : "unknown error", -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(s, 6, r->next_due);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)inserted);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "record source health");
}

int store_fetch_record(struct store *st, int64_t source_id, const struct fetch_result *r,
                       int64_t now, size_t *inserted, struct jy_error *err)
{
    size_t n = 0;
    int64_t *ids = r->ids;
    if (!ids && STORE_ANALYSING(st) && r->n_items)
        ids = xcalloc(r->n_items, sizeof *ids);
    /* inside a caller's transaction this is a savepoint: all or nothing */
    bool nested = !sqlite3_get_autocommit(st->db);
    size_t pend_before = st->n_pend;
    int rc;
    if (nested && st->tx_lost) {
        rc = jy_error_set(err, JY_ESTATE, "%s: an earlier write of this transaction failed",
                          st->path);
        goto out;
    }
    if ((rc = nested ? store_exec(st, "SAVEPOINT fetch", err) : store_begin(st, err)))
        goto out;
    if ((rc = store_fence_check(st, err)) ||
        (rc = STORE_ANALYSING(st) && r->n_items
                  ? store_insert_analysed(st, source_id, r, now, nested, &n, ids, err)
                  : insert_items(st, source_id, r, now, &n, ids, err)) ||
        (rc = record_health(st, source_id, r, now, n, err))) {
        if (nested)
            store_exec(st, "ROLLBACK TO fetch; RELEASE fetch", NULL);
        else
            store_rollback(st);
        /* the analyzer learnt what was undone: it is rebuilt before its next
         * use, and the events earlier writes of the caller's transaction
         * left to write can no longer be written right */
        st->an_dirty = true;
        st->n_pend = 0;
        if (nested && pend_before)
            st->tx_lost = true;
        goto out;
    }
    rc = nested ? store_exec(st, "RELEASE fetch", err) : store_commit(st, err);
    if (rc)
        goto out;
    if (inserted)
        *inserted = n;
out:
    if (ids != r->ids)
        free(ids);
    return rc;
}
