/* sources.c: the configured sources and their health.
 *
 * The configuration says which sources exist; the database remembers how
 * each one has been doing (attempts, failures, validators, due time) and
 * whether an operator switched it off from the console. A source that keeps
 * answering but brings nothing new is "dark": in this field sources break
 * silently (expired cookies, blocked routes), and noticing that is the
 * first thing duty officers ask for. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Below this, "no new item for a while" is normal quiet, not darkness. */
#define DARK_MIN_SECONDS 600

/* In the upsert below: the configuration now names another address. */
#define MOVED "(url IS NOT excluded.url OR type <> excluded.type)"

int store_source_sync(struct store *st, const struct source_config *sc, int64_t *id,
                      struct jy_error *err)
{
    const char *sql =
        "INSERT INTO sources (name, type, url, media_level, region, interval, config_enabled,"
        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT(name) DO UPDATE SET"
        /* a source that now points elsewhere starts afresh: the old
         * address's validators and backoff mean nothing to the new one */
        " etag = iif(" MOVED ", NULL, etag),"
        " last_modified = iif(" MOVED ", NULL, last_modified),"
        " failures = iif(" MOVED ", 0, failures),"
        " failing_since = iif(" MOVED ", NULL, failing_since),"
        " last_error = iif(" MOVED ", NULL, last_error),"
        " last_warning = iif(" MOVED ", NULL, last_warning),"
        " next_due = iif(" MOVED ", 0, next_due),"
        " replay_start = iif(" MOVED ", NULL, replay_start),"
        " type = excluded.type, url = excluded.url,"
        " media_level = excluded.media_level, region = excluded.region,"
        " interval = excluded.interval, config_enabled = excluded.config_enabled"
        " RETURNING id";
    sqlite3_stmt *s = store_stmt(st, STMT_SOURCE_SYNC, sql, err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_text(s, 1, sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, source_type_name(sc->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, sc->type == SOURCE_FEED ? sc->url : sc->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, media_level_name(sc->media_level), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, sc->region, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, sc->interval);
    sqlite3_bind_int(s, 7, sc->enabled);
    sqlite3_bind_int64(s, 8, jy_now());
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && id)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "sync source");
    return 0;
}

#define SOURCE_COLS                                                                                \
    "id, name, type, url, media_level, region, config_enabled AND NOT console_disabled,"           \
    " interval, coalesce(last_attempt, 0), coalesce(last_success, 0),"                             \
    " coalesce(last_status, 0), failures, coalesce(failing_since, 0), last_error, etag,"           \
    " last_modified, next_due, coalesce(last_new_item, 0), created_at,"                            \
    " coalesce(replay_start, 0), last_warning"

static void source_read_row(sqlite3_stmt *s, struct store_source *o)
{
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(s, 0);
    o->name = store_col_text(s, 1);
    o->type = store_col_text(s, 2);
    o->url = store_col_text(s, 3);
    o->media_level = store_col_text(s, 4);
    o->region = store_col_text(s, 5);
    o->enabled = sqlite3_column_int(s, 6) != 0;
    o->interval = sqlite3_column_int(s, 7);
    o->last_attempt = sqlite3_column_int64(s, 8);
    o->last_success = sqlite3_column_int64(s, 9);
    o->last_status = sqlite3_column_int(s, 10);
    o->failures = sqlite3_column_int(s, 11);
    o->failing_since = sqlite3_column_int64(s, 12);
    o->last_error = store_col_text(s, 13);
    o->etag = store_col_text(s, 14);
    o->last_modified = store_col_text(s, 15);
    o->next_due = sqlite3_column_int64(s, 16);
    o->last_new_item = sqlite3_column_int64(s, 17);
    o->created_at = sqlite3_column_int64(s, 18);
    o->replay_start = sqlite3_column_int64(s, 19);
    o->last_warning = store_col_text(s, 20);
}

void store_source_clear(struct store_source *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->type);
    free(s->url);
    free(s->media_level);
    free(s->region);
    free(s->last_error);
    free(s->last_warning);
    free(s->etag);
    free(s->last_modified);
    memset(s, 0, sizeof *s);
}

void store_sources_free(struct store_source *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_source_clear(&s[i]);
    free(s);
}

/* Every source, however many: the collector schedules from this list, so a
 * cap would leave the sources past it unfetched and unreported. */
int store_sources_list(struct store *st, struct store_source **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT " SOURCE_COLS " FROM sources ORDER BY id", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "list sources");
    size_t cap = 16, k = 0;
    struct store_source *v = xcalloc(cap, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
        source_read_row(s, &v[k++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_sources_free(v, k);
        return store_db_error(st, err, "list sources");
    }
    *out = v;
    *n = k;
    return 0;
}

int store_source_get(struct store *st, int64_t id, struct store_source *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s =
        store_stmt(st, STMT_SOURCE_GET, "SELECT " SOURCE_COLS " FROM sources WHERE id = ?1", err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        source_read_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no source %lld", (long long)id);
    return store_db_error(st, err, "read source");
}

int store_source_set_enabled(struct store *st, const char *name, bool enabled, const char *who,
                             int64_t now, struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE sources SET console_disabled = ?2 WHERE name = ?1 RETURNING id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "enable source"), err);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, !enabled);
    int64_t id = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        rc = store_db_error(st, err, "enable source");
    else if (!id)
        rc = jy_error_set(err, JY_ENOTFOUND, "no source named %s", name);
    else
        rc = store_audit_append(st, who, enabled ? "source.enable" : "source.disable", "source", id,
                                NULL, NULL, now, err);
    return store_write_end(st, nested, rc, err);
}

enum source_state store_source_state(const struct store_source *s, int64_t now, int dark_after)
{
    if (!s->enabled)
        return SOURCE_DISABLED;
    if (s->last_attempt == 0)
        return SOURCE_NEW;
    if (s->failures > 0)
        return SOURCE_FAILING;
    int64_t quiet = (int64_t)dark_after * (s->interval > 0 ? s->interval : 300);
    if (quiet < DARK_MIN_SECONDS)
        quiet = DARK_MIN_SECONDS;
    int64_t last = s->last_new_item ? s->last_new_item : s->created_at;
    if (now - last > quiet)
        return SOURCE_DARK;
    return SOURCE_OK;
}

int store_sources_down(const struct store_source *v, size_t n, int64_t now, int dark_after,
                       enum source_state *states)
{
    int down = 0;
    for (size_t i = 0; i < n; i++) {
        enum source_state state = store_source_state(&v[i], now, dark_after);
        if (states)
            states[i] = state;
        if (state == SOURCE_DARK || state == SOURCE_FAILING)
            down++;
    }
    return down;
}
