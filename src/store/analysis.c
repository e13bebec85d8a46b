/* analysis.c: what the analyzer concluded, stored beside the items.
 *
 * An item's verdict (near-duplicate of, event, sentiment) sits on its own
 * row so that feed pages need no join; its normalised text and matches are in
 * `analysis`. Events are rewritten whole once per transaction that changed
 * them (the analyzer holds the truth in memory and gives us its full
 * picture, plus an opaque `state` to rebuild that memory after a restart). Alerts are
 * deduplicated on the event: while one waits, a rise updates it (one
 * escalation chain per event), an event with an open incident notes its
 * changes on the incident's timeline instead, and a source alerts once per
 * dark spell. Silences (silences.c) are judged when alerts are read, never
 * when they are written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* An analysis row's JSON columns, written straight into one buffer (the
 * store's, reused, or one made ahead on the collector's second thread):
 * topics, schemes (names) and terms, each ended by a NUL. The terms are
 * [term, scheme index, start, end, in title 0|1]: a post matches a dozen
 * terms, and with a key per number this column was larger than the text
 * (rows before it hold one object per term with the keys term, scheme,
 * start, end, title; readers take either). */
static void columns_write(struct jy_buf *b, const struct analyzer *an, const struct an_result *r)
{
    b->len = 0;
    jy_buf_reserve(b, 64 + r->n_terms * 32);
    jy_buf_json_strs(b, (const char *const *)r->norm.topics, r->norm.n_topics);
    jy_buf_putc(b, '\0');
    jy_buf_putc(b, '[');
    for (size_t i = 0; i < r->n_schemes; i++) {
        if (i)
            jy_buf_putc(b, ',');
        const char *name = analyzer_scheme_name(an, r->schemes[i]);
        jy_buf_json_str(b, name ? name : "");
    }
    jy_buf_puts(b, "]");
    jy_buf_putc(b, '\0');
    jy_buf_putc(b, '[');
    for (size_t i = 0; i < r->n_terms; i++) {
        const struct an_term *t = &r->terms[i];
        jy_buf_puts(b, i ? ",[" : "[");
        jy_buf_json_str(b, t->term);
        jy_buf_putc(b, ',');
        jy_buf_json_int(b, t->scheme);
        jy_buf_putc(b, ',');
        jy_buf_json_int(b, (int64_t)t->start);
        jy_buf_putc(b, ',');
        jy_buf_json_int(b, (int64_t)t->end);
        jy_buf_puts(b, t->in_title ? ",1]" : ",0]");
    }
    jy_buf_putc(b, ']');
}

char *store_analysis_columns(const struct analyzer *an, const struct an_result *r)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    columns_write(&b, an, r);
    return jy_buf_steal(&b);
}

static int record_event(struct store *st, const struct an_event *e, int64_t now,
                        struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_EVENT_UPSERT,
        "INSERT INTO events (id, title, rep_item, first_seen, last_seen, first_collected, items, "
        "sources, top_media, negative, velocity, schemes, terms, topics, score, level, "
        "explanation, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13, ?14, ?15, ?16, ?17, ?19) ON CONFLICT(id) DO UPDATE SET "
        "title = excluded.title, rep_item = excluded.rep_item, first_seen = excluded.first_seen, "
        "last_seen = excluded.last_seen, first_collected = excluded.first_collected, "
        "items = excluded.items, sources = excluded.sources, top_media = excluded.top_media, "
        "negative = excluded.negative, velocity = excluded.velocity, schemes = excluded.schemes, "
        "terms = excluded.terms, topics = excluded.topics, score = excluded.score, "
        "level = excluded.level, explanation = excluded.explanation, "
        "updated_at = excluded.updated_at",
        err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, e->id);
    sqlite3_bind_text(s, 2, e->title ? e->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, e->rep_item);
    sqlite3_bind_int64(s, 4, e->first_seen);
    sqlite3_bind_int64(s, 5, e->last_seen);
    sqlite3_bind_int64(s, 6, e->first_collected);
    sqlite3_bind_int(s, 7, e->items);
    sqlite3_bind_int(s, 8, e->sources);
    if (e->top_media != MEDIA_UNKNOWN)
        sqlite3_bind_text(s, 9, media_level_name(e->top_media), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 10, e->negative);
    sqlite3_bind_double(s, 11, e->velocity);
    sqlite3_bind_text(s, 12, e->schemes, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 13, e->terms, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 14, e->topics, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 15, e->score);
    sqlite3_bind_int(s, 16, (int)e->level);
    sqlite3_bind_text(s, 17, e->explanation, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 19, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "store event");
    /* its state beside it (migration 8): none when the analyzer keeps none */
    if (e->state)
        s = store_stmt(st, STMT_EVENT_STATE_UPSERT,
                       "INSERT INTO event_states (event_id, state) VALUES (?1, ?2) "
                       "ON CONFLICT(event_id) DO UPDATE SET state = excluded.state",
                       err);
    else
        s = store_stmt(st, STMT_EVENT_STATE_DELETE, "DELETE FROM event_states WHERE event_id = ?1",
                       err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, e->id);
    if (e->state)
        sqlite3_bind_text(s, 2, e->state, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "store event state");
    return 0;
}

static int raise_alert(struct store *st, const char *kind, const char *key, int64_t event_id,
                       int64_t source_id, int level, const char *title, int64_t now,
                       int64_t first_item_at, bool *raised, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_ALERT_INSERT,
        "INSERT OR IGNORE INTO alerts (kind, dedup_key, event_id, source_id, level, title, "
        "raised_at, first_item_at, latency, first_level, flash, incident_id) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, CASE WHEN ?8 IS NULL THEN NULL ELSE max(0, ?7 - ?8) END, ?5, 0, NULL)",
        err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    if (event_id)
        sqlite3_bind_int64(s, 3, event_id);
    if (source_id)
        sqlite3_bind_int64(s, 4, source_id);
    sqlite3_bind_int(s, 5, level);
    sqlite3_bind_text(s, 6, title ? title : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, now);
    if (first_item_at)
        sqlite3_bind_int64(s, 8, first_item_at);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "raise alert");
    if (raised)
        *raised = sqlite3_changes(st->db) > 0;
    return 0;
}

static void pending_add(struct store *st, int64_t event_id, int alert_level)
{
    if (st->n_pend == st->cap_pend) {
        st->cap_pend = st->cap_pend ? st->cap_pend * 2 : 64;
        st->pend = xrealloc(st->pend, st->cap_pend * sizeof *st->pend);
    }
    st->pend[st->n_pend] =
        (struct store_pending){.event_id = event_id, .alert_level = alert_level, .seq = st->n_pend};
    st->n_pend++;
}

void store_bind_verdict(sqlite3_stmt *s, int first, const struct an_result *r)
{
    if (r->duplicate_of)
        sqlite3_bind_int64(s, first, r->duplicate_of);
    if (r->event_id)
        sqlite3_bind_int64(s, first + 1, r->event_id);
    sqlite3_bind_int(s, first + 2, (int)r->sentiment);
}

/* The verdict on an item row written before its analysis. */
static int record_verdict(struct store *st, const struct an_result *r, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_ITEM_VERDICT,
        "UPDATE items SET dup_of = ?2, event_id = ?3, sentiment = ?4 WHERE id = ?1", err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, r->id);
    store_bind_verdict(s, 2, r);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "store verdict");
}

/* A first copy's keys as first_copies.low holds them: 4 bytes a value,
 * little-endian (the file may move to another machine). */
static uint32_t keys_encode(const struct an_dup_keys *k, unsigned char low[4 * DUP_KEYS])
{
    uint32_t n = k->n < DUP_KEYS ? k->n : DUP_KEYS;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t b = 0; b < 4; b++)
            low[4 * i + b] = (unsigned char)(k->low[i] >> (8 * b));
    }
    return 4 * n;
}

/* A first copy's row in first_copies (migration 13): what the
 * near-duplicate index files it under. judge: the item may have been
 * analysed before, and a row it had goes when it is no longer a first copy. */
static int first_copy_record(struct store *st, const struct an_result *r, bool judge,
                             int64_t fetched, struct jy_error *err)
{
    struct an_dup_keys k = {.skip = true};
    if (!r->duplicate_of)
        an_dup_keys_of(r, &k);
    sqlite3_stmt *s;
    if (k.skip) {
        if (!judge) /* a new item has no row to drop */
            return 0;
        s = store_stmt(st, STMT_FIRST_COPY_DELETE, "DELETE FROM first_copies WHERE item_id = ?1",
                       err);
        if (!s)
            return JY_EDB;
        sqlite3_bind_int64(s, 1, r->id);
    } else {
        /* an upsert for the reason record_analysis gives; the item's
         * fetched_at looked up when the caller does not know it */
        if (fetched)
            s = store_stmt(st, STMT_FIRST_COPY_PUT,
                           "INSERT INTO first_copies (item_id, simhash, low, at) VALUES (?1, ?2, "
                           "?3, ?4) ON CONFLICT(item_id) DO UPDATE SET at = excluded.at, "
                           "simhash = excluded.simhash, low = excluded.low",
                           err);
        else
            s = store_stmt(st, STMT_FIRST_COPY_PUT_LOOKUP,
                           "INSERT INTO first_copies (item_id, simhash, low, at) SELECT id, ?2, "
                           "?3, fetched_at FROM items WHERE id = ?1 ON CONFLICT(item_id) DO "
                           "UPDATE SET at = excluded.at, simhash = excluded.simhash, "
                           "low = excluded.low",
                           err);
        if (!s)
            return JY_EDB;
        unsigned char low[4 * DUP_KEYS];
        uint32_t bytes = keys_encode(&k, low);
        sqlite3_bind_int64(s, 1, r->id);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)r->simhash);
        if (bytes)
            sqlite3_bind_blob(s, 3, low, (int)bytes, SQLITE_TRANSIENT);
        if (fetched)
            sqlite3_bind_int64(s, 4, fetched);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "store first copy");
}

/* The item's analysis row (and first_copies row, fetched: its fetched_at,
 * 0 when not known), the count of copies on its first copy, and its
 * event to flush; with judge, its verdict on its row too (an item inserted
 * before it was analysed). */
static int record_analysis(struct store *st, const struct analyzer *an, const struct an_result *r,
                           int64_t now, int64_t fetched, bool judge, const char *cols,
                           struct jy_error *err)
{
    /* An upsert, not INSERT OR REPLACE: a REPLACE that may delete a row
     * under foreign keys makes SQLite keep a statement journal (a copy of
     * every page the insert touches), a tenth of the collector's storing;
     * a row can be there already (an item analysed again, or one deleted
     * by hand with foreign keys off, whose id comes back). */
    sqlite3_stmt *s = store_stmt(
        st, STMT_ANALYSIS_INSERT,
        "INSERT INTO analysis (item_id, normalized, repost, topics, schemes, terms, "
        "simhash, sentiment_score, analyzed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "ON CONFLICT(item_id) DO UPDATE SET normalized = excluded.normalized, "
        "repost = excluded.repost, topics = excluded.topics, schemes = excluded.schemes, "
        "terms = excluded.terms, simhash = excluded.simhash, "
        "sentiment_score = excluded.sentiment_score, analyzed_at = excluded.analyzed_at",
        err);
    if (!s)
        return JY_EDB;
    if (!cols) {
        columns_write(&st->json, an, r);
        cols = st->json.data;
    }
    const char *topics = cols, *schemes = topics + strlen(topics) + 1;
    const char *terms = schemes + strlen(schemes) + 1;
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, r->norm.text ? r->norm.text : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->norm.repost, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, topics, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, schemes, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, terms, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)r->simhash);
    sqlite3_bind_double(s, 8, r->sentiment_score);
    sqlite3_bind_int64(s, 9, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "store analysis");

    if ((rc = first_copy_record(st, r, judge, fetched, err)))
        return rc;
    if (judge && (rc = record_verdict(st, r, err)))
        return rc;
    if (r->duplicate_of) {
        /* a narrow row of its own, not the first copy's wide one (migration 15) */
        s = store_stmt(st, STMT_DUPS_BUMP,
                       "INSERT INTO item_dups (item_id, n) VALUES (?1, 1) "
                       "ON CONFLICT(item_id) DO UPDATE SET n = n + 1",
                       err);
        if (!s)
            return JY_EDB;
        sqlite3_bind_int64(s, 1, r->duplicate_of);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return store_db_error(st, err, "count duplicate");
    }
    if (r->event_id)
        pending_add(st, r->event_id, r->alert ? (int)r->event.level : 0);
    return 0;
}

int store_analysis_record(struct store *st, const struct analyzer *an, const struct an_result *r,
                          int64_t now, struct jy_error *err)
{
    return record_analysis(st, an, r, now, 0, true, NULL, err);
}

static int pending_cmp(const void *a, const void *b)
{
    const struct store_pending *x = a, *y = b;
    if (x->event_id != y->event_id)
        return x->event_id < y->event_id ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The event's level as stored (0 when it is new). */
static int event_level_stored(struct store *st, int64_t id, int *level, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    *level = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT level FROM events WHERE id = ?1", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "read event level");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *level = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "read event level");
}

int store_analysis_flush(struct store *st, struct analyzer *an, int64_t now, bool alerts,
                         struct jy_error *err)
{
    if (st->n_pend > 1)
        qsort(st->pend, st->n_pend, sizeof *st->pend, pending_cmp);
    int rc = 0;
    for (size_t i = 0; i < st->n_pend && !rc;) {
        int64_t id = st->pend[i].event_id;
        /* the highest level its items entered since the last flush: one
         * change of level per event and flush, from what was stored */
        int to = 0, from = 0;
        for (; i < st->n_pend && st->pend[i].event_id == id; i++) {
            int level = st->pend[i].alert_level;
            if (level && (!to || level < to))
                to = level;
        }
        if (!alerts)
            to = 0;
        if (to)
            rc = event_level_stored(st, id, &from, err);
        struct an_event e;
        if (!rc && (rc = analyzer_event(an, id, &e, err)) == 0) {
            rc = record_event(st, &e, now, err);
            an_event_clear(&e);
        }
        if (!rc && to)
            rc = store_event_alert(st, id, from, to, now, err);
    }
    st->n_pend = 0;
    analyzer_settle(an);
    return rc;
}

/* ---- the alert rules ---------------------------------------------------------- */

/* The event's waiting alert (the newest), 0 when none. */
static int waiting_alert(struct store *st, int64_t event_id, int64_t *id, int *level,
                         struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    *id = 0;
    *level = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, level FROM alerts WHERE event_id = ?1 AND acked_at IS NULL "
                           "ORDER BY id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read alerts");
    sqlite3_bind_int64(s, 1, event_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        *level = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "read alerts");
}

/* The newest open incident the event is linked to, 0 when none. */
static int open_incident(struct store *st, int64_t event_id, int64_t *id, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    *id = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT i.id FROM incident_events ie JOIN incidents i ON i.id = "
                           "ie.incident_id WHERE ie.event_id = ?1 AND i.state <> ?2 ORDER BY "
                           "i.id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read incidents");
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_int(s, 2, INC_CLOSED);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "read incidents");
}

/* The waiting alert rises to level (with an audit row saying from where). */
static int alert_rise(struct store *st, int64_t id, int from, int to, const char *title, bool flash,
                      int64_t incident_id, int64_t now, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE alerts SET level = ?2, rises = rises + 1, risen_at = ?3, "
                           "title = ?4, flash = max(flash, ?5), incident_id = coalesce(?6, "
                           "incident_id) WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "raise alert");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, to);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, title ? title : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, flash);
    if (incident_id)
        sqlite3_bind_int64(s, 6, incident_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "raise alert");
    char before[32], after[64];
    snprintf(before, sizeof before, "{\"level\":%d}", from);
    snprintf(after, sizeof after, "{\"level\":%d,\"flash\":%s}", to, flash ? "true" : "false");
    return store_audit_append(st, "jingyu", "alert.rise", "alert", id, before, after, now, err);
}

/* A new event alert at level; *id gets it (0 when the event was alerted at
 * that level or higher before: a replay). */
static int alert_new(struct store *st, int64_t event_id, int level, const char *title,
                     int64_t first_item_at, bool flash, int64_t incident_id, int64_t now,
                     int64_t *id, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    *id = 0;
    char key[64];
    snprintf(key, sizeof key, "event:%lld:%d", (long long)event_id, level);
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT OR IGNORE INTO alerts (kind, dedup_key, event_id, level, first_level, title, "
            "raised_at, first_item_at, latency, flash, incident_id) SELECT 'event', ?1, ?2, ?3, "
            "?3, ?4, ?5, ?6, CASE WHEN ?6 IS NULL THEN NULL ELSE max(0, ?5 - ?6) END, ?7, ?8 "
            "WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE event_id = ?2 AND level BETWEEN 1 AND "
            "?3) RETURNING id",
            -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "raise alert");
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, event_id);
    sqlite3_bind_int(s, 3, level);
    sqlite3_bind_text(s, 4, title ? title : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    if (first_item_at)
        sqlite3_bind_int64(s, 6, first_item_at);
    sqlite3_bind_int(s, 7, flash);
    if (incident_id)
        sqlite3_bind_int64(s, 8, incident_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "raise alert");
}

int store_event_alert(struct store *st, int64_t event_id, int from, int to, int64_t now,
                      struct jy_error *err)
{
    if (to < LEVEL_I || to > LEVEL_IV)
        return jy_error_set(err, JY_EINVAL, "level %d is not I..IV", to);
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    char *title = NULL;
    int64_t first_collected = 0;
    double score = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT title, first_collected, score FROM events WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "read event"), err);
    sqlite3_bind_int64(s, 1, event_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        title = store_col_text(s, 0);
        first_collected = sqlite3_column_int64(s, 1);
        score = sqlite3_column_double(s, 2);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return store_write_end(st, nested,
                               rc == SQLITE_DONE ? jy_error_set(err, JY_ENOTFOUND, "no event %lld",
                                                                (long long)event_id)
                                                 : store_db_error(st, err, "read event"),
                               err);
    int64_t incident = 0, alert = 0;
    int alert_level = 0;
    rc = open_incident(st, event_id, &incident, err);
    if (!rc)
        rc = waiting_alert(st, event_id, &alert, &alert_level, err);
    /* an ungraded event is handled as IV (as its incident is) */
    int base = from >= LEVEL_I && from <= LEVEL_IV ? from : LEVEL_IV;
    bool flash = incident && base - to >= 2;
    if (!rc && alert && to < alert_level) {
        rc = alert_rise(st, alert, alert_level, to, title, flash, flash ? incident : 0, now, err);
    } else if (!rc && !alert && (!incident || flash)) {
        rc = alert_new(st, event_id, to, title, first_collected, flash, flash ? incident : 0, now,
                       &alert, err);
    }
    if (!rc && incident) {
        /* the incident's timeline: what the model says now, and the flash */
        s = NULL;
        if (sqlite3_prepare_v2(st->db, "UPDATE incidents SET model_level = ?2 WHERE id = ?1", -1,
                               &s, NULL) != SQLITE_OK)
            rc = store_db_error(st, err, "update incident");
        else {
            sqlite3_bind_int64(s, 1, incident);
            sqlite3_bind_int(s, 2, to);
            rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "update incident");
        }
        sqlite3_finalize(s);
        struct jy_buf before, after;
        jy_buf_init(&before, 0);
        jy_buf_init(&after, 0);
        jy_buf_printf(&before, "{\"event_id\":%lld,\"level\":%d}", (long long)event_id, from);
        jy_buf_printf(&after, "{\"event_id\":%lld,\"level\":%d,\"score\":%.1f,\"flash\":%s",
                      (long long)event_id, to, score, flash ? "true" : "false");
        if (flash && alert)
            jy_buf_printf(&after, ",\"alert_id\":%lld", (long long)alert);
        jy_buf_putc(&after, '}');
        if (!rc)
            rc = store_audit_append(st, "jingyu", "incident.event_level", "incident", incident,
                                    before.data, after.data, now, err);
        jy_buf_free(&before);
        jy_buf_free(&after);
    }
    free(title);
    return store_write_end(st, nested, rc, err);
}

int store_alert_source_dark(struct store *st, int64_t source_id, int64_t now, bool *raised,
                            struct jy_error *err)
{
    *raised = false;
    struct store_source src;
    int rc = store_source_get(st, source_id, &src, err);
    if (rc)
        return rc;
    char key[96], *title = xasprintf("信源失联：%s", src.name);
    snprintf(key, sizeof key, "source:%lld:%lld", (long long)source_id,
             (long long)(src.last_new_item ? src.last_new_item : src.created_at));
    rc = raise_alert(st, "source", key, 0, source_id, 0, title, now, 0, raised, err);
    free(title);
    store_source_clear(&src);
    return rc;
}

/* ---- restoring the analyzer ------------------------------------------------- */

/* The first copies of the duplicate window, each read with its text and
 * sketched: what every restore did before first_copies, and what
 * store_analysis_restore still does. */
static int restore_dups_full(struct store *st, struct analyzer *an,
                             const struct analysis_config *ac, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;
    /* Ids grow with collection time, so walking down from the newest first
     * copy stops at the first one collected before the window. The analyzer's
     * clock is the items' time, so the window ends at the newest first copy,
     * not at the wall clock (after a week off, the next item decides). */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT i.id, a.simhash, i.fetched_at, a.normalized FROM items i "
                           "JOIN analysis a ON a.item_id = i.id WHERE i.dup_of IS NULL "
                           "ORDER BY i.id DESC",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "restore duplicates");
    int64_t cutoff = INT64_MIN;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t at = sqlite3_column_int64(s, 2);
        if (cutoff == INT64_MIN)
            cutoff = at - (int64_t)ac->duplicate_window * 3600;
        if (at < cutoff)
            break;
        analyzer_restore_item(an, sqlite3_column_int64(s, 0), (uint64_t)sqlite3_column_int64(s, 1),
                              (const char *)sqlite3_column_text(s, 3), at);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "restore duplicates");
    return 0;
}

/* The normalised text of first copy id, for the analyzer's lazy sketches
 * (analyzer_set_text_source); NULL when it is gone. A failure to read is
 * remembered, and fails the write that met it (see store_text_check). */
static char *first_copy_text(void *ctx, int64_t id)
{
    struct store *st = ctx;
    sqlite3_stmt *s = store_stmt(st, STMT_FIRST_COPY_TEXT,
                                 "SELECT normalized FROM analysis WHERE item_id = ?1", NULL);
    if (!s) {
        st->text_failed = true;
        return NULL;
    }
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    char *text = rc == SQLITE_ROW ? store_col_text(s, 0) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st->text_failed = true;
    sqlite3_reset(s);
    return text;
}

static int text_check(struct store *st, struct jy_error *err)
{
    if (!st->text_failed)
        return 0;
    st->text_failed = false;
    return jy_error_set(err, JY_EDB, "%s: read a first copy's text: %s", st->path,
                        sqlite3_errmsg(st->db));
}

struct backfill {
    int64_t id, at;
    uint64_t simhash;
    struct an_dup_keys k;
};

static int backfill_write(struct store *st, const struct backfill *v, size_t n, int64_t from,
                          struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR IGNORE INTO first_copies (item_id, at, simhash, low) VALUES "
                           "(?1, ?2, ?3, ?4)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "store first copies");
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
        unsigned char low[4 * DUP_KEYS];
        uint32_t bytes = keys_encode(&v[i].k, low);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        sqlite3_bind_int64(s, 1, v[i].id);
        sqlite3_bind_int64(s, 2, v[i].at);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)v[i].simhash);
        if (bytes)
            sqlite3_bind_blob(s, 4, low, (int)bytes, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "store first copies");
    if (sqlite3_prepare_v2(st->db, "UPDATE first_copies_state SET complete_from = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "store first copies");
    sqlite3_bind_int64(s, 1, from);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "store first copies");
}

/* What restore_dups_full files, in the same order, from first_copies: each
 * copy by its keys, its sketch made from its text only when a look-up meets
 * it (most never are). Copies older than first_copies_state.complete_from
 * without a row are read the old way, merged in by id; with backfill (the
 * caller's transaction writes) they are given their rows, so that the next
 * restart finds them too. */
static int restore_dups_lazy(struct store *st, struct analyzer *an,
                             const struct analysis_config *ac, bool backfill, struct jy_error *err)
{
    sqlite3_stmt *nw = NULL, *old = NULL;
    int64_t from = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT complete_from FROM first_copies_state", -1, &nw, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "restore duplicates");
    int rc = sqlite3_step(nw);
    if (rc == SQLITE_ROW)
        from = sqlite3_column_int64(nw, 0);
    sqlite3_finalize(nw);
    nw = NULL;
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "restore duplicates");
    rc = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT item_id, simhash, at, low FROM first_copies "
                           "ORDER BY item_id DESC",
                           -1, &nw, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "SELECT i.id, a.simhash, i.fetched_at, a.normalized FROM items i "
                           "JOIN analysis a ON a.item_id = i.id WHERE i.dup_of IS NULL AND "
                           "i.id < ?1 AND NOT EXISTS (SELECT 1 FROM first_copies f WHERE "
                           "f.item_id = i.id) ORDER BY i.id DESC",
                           -1, &old, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "restore duplicates");
        sqlite3_finalize(nw);
        return rc;
    }
    sqlite3_bind_int64(old, 1, from);
    int rn = sqlite3_step(nw), ro = sqlite3_step(old);
    int64_t cutoff = INT64_MIN, stop = 0;
    struct backfill *fill = NULL;
    size_t n_fill = 0, cap_fill = 0;
    bool met_old = false;
    while (rn == SQLITE_ROW || ro == SQLITE_ROW) {
        bool take_new = ro != SQLITE_ROW || (rn == SQLITE_ROW && sqlite3_column_int64(nw, 0) >
                                                                     sqlite3_column_int64(old, 0));
        sqlite3_stmt *s = take_new ? nw : old;
        int64_t id = sqlite3_column_int64(s, 0), at = sqlite3_column_int64(s, 2);
        uint64_t h = (uint64_t)sqlite3_column_int64(s, 1);
        if (cutoff == INT64_MIN)
            cutoff = at - (int64_t)ac->duplicate_window * 3600;
        if (at < cutoff) {
            stop = id;
            break;
        }
        if (take_new) {
            struct an_dup_keys k = {0};
            const unsigned char *low = sqlite3_column_blob(nw, 3);
            int bytes = sqlite3_column_bytes(nw, 3);
            k.n = low ? (uint32_t)bytes / 4 : 0;
            if (k.n > DUP_KEYS)
                k.n = DUP_KEYS;
            for (uint32_t i = 0; i < k.n; i++)
                k.low[i] = (uint32_t)low[4 * i] | (uint32_t)low[4 * i + 1] << 8 |
                           (uint32_t)low[4 * i + 2] << 16 | (uint32_t)low[4 * i + 3] << 24;
            analyzer_restore_keys(an, id, h, &k, at);
            rn = sqlite3_step(nw);
        } else {
            struct backfill b = {.id = id, .at = at, .simhash = h};
            analyzer_restore_item_keys_out(an, id, h, (const char *)sqlite3_column_text(old, 3), at,
                                           &b.k);
            met_old = true;
            if (backfill && !b.k.skip) {
                if (n_fill == cap_fill) {
                    cap_fill = cap_fill ? 2 * cap_fill : 1024;
                    fill = xrealloc(fill, cap_fill * sizeof *fill);
                }
                fill[n_fill++] = b;
            }
            ro = sqlite3_step(old);
        }
    }
    if ((rn != SQLITE_ROW && rn != SQLITE_DONE) || (ro != SQLITE_ROW && ro != SQLITE_DONE))
        rc = store_db_error(st, err, "restore duplicates");
    sqlite3_finalize(nw);
    sqlite3_finalize(old);
    /* every first copy from stop + 1 on (every one, when the old ones ran
     * out) now has its row */
    int64_t now_from = ro == SQLITE_ROW ? stop + 1 : 0;
    if (!rc && backfill && (met_old || ro != SQLITE_ROW) && now_from < from)
        rc = backfill_write(st, fill, n_fill, now_from, err);
    free(fill);
    return rc;
}

/* The next event id and the events still open. */
static int restore_events(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                          struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(id), 0) + 1 FROM events", -1, &s, NULL) !=
            SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return store_db_error(st, err, "restore events");
    }
    analyzer_restore_next_event(an, sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);

    /* Events still open: the same item clock (see restore_dups_full). */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT e.id, t.state FROM events e JOIN event_states t ON "
                           "t.event_id = e.id WHERE e.last_seen >= (SELECT max(last_seen) FROM "
                           "events) - ?1 ORDER BY e.id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "restore events");
    sqlite3_bind_int64(s, 1, (int64_t)ac->event_window * 3600);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(s, 1);
        struct jy_error e2 = {0};
        /* A state this binary cannot read costs that event's memory, not the
         * collector: its next item starts a new event. */
        if (analyzer_restore_event(an, sqlite3_column_int64(s, 0), state, &e2))
            continue;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "restore events");
    return 0;
}

/* lazy: for the store's own analyzer (see analyzer_fresh), whose first
 * copies are filed by their keys and sketched from their texts on demand,
 * within the caller's write transaction (which backfills first_copies). */
static int restore(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                   bool lazy, struct jy_error *err)
{
    /* One read transaction: duplicates, the next event id and the events
     * come from the same snapshot. */
    bool own = sqlite3_get_autocommit(st->db) != 0;
    int rc = own ? store_exec(st, "BEGIN", err) : 0;
    if (rc)
        return rc;
    rc = lazy ? restore_dups_lazy(st, an, ac, !own, err) : restore_dups_full(st, an, ac, err);
    if (!rc)
        rc = restore_events(st, an, ac, err);
    if (own) {
        int end = store_exec(st, rc ? "ROLLBACK" : "COMMIT", rc ? NULL : err);
        if (!rc)
            rc = end;
    }
    if (!rc && lazy)
        analyzer_set_text_source(an, first_copy_text, st);
    return rc;
}

int store_analysis_restore(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                           struct jy_error *err)
{
    return restore(st, an, ac, false, err);
}

int store_analysis_backlog(struct store *st, size_t limit, struct store_item **out, size_t *n,
                           struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " STORE_ITEM_COLS ", i.content FROM items i JOIN sources s ON "
                           "s.id = i.source_id, analysis_state t WHERE i.id >= t.backlog_next AND "
                           "i.id <= t.backlog_upto AND i.sentiment IS NULL ORDER BY i.id LIMIT ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read analysis backlog");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    struct store_item *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_item_read_row(s, &v[k]);
        v[k].content = store_col_text(s, STORE_ITEM_NCOLS);
        k++;
    }
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_items_free(v, k);
        return store_db_error(st, err, "read analysis backlog");
    }
    /* Move the mark past what we hand out, so a row that cannot be
     * analysed is not offered again forever. */
    char *sql = xasprintf("UPDATE analysis_state SET backlog_next = %lld",
                          (long long)(k ? v[k - 1].id + 1 : INT64_MAX / 2));
    if (k < limit) {
        free(sql);
        sql = xstrdup("UPDATE analysis_state SET backlog_next = backlog_upto + 1");
    }
    rc = store_exec(st, sql, err);
    free(sql);
    if (rc) {
        store_items_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---- events ------------------------------------------------------------------ */

#define EVENT_COLS                                                                                 \
    "e.id, e.title, e.rep_item, e.first_seen, e.last_seen, e.first_collected, e.items, "           \
    "e.sources, e.top_media, e.negative, e.velocity, e.score, e.level, e.explanation, "            \
    "e.schemes, e.terms, e.topics, coalesce(na.id, 0), "                                           \
    "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.event_id = e.id AND a.acked_at IS NULL), "         \
    "na.acked_by, coalesce(na.acked_at, 0), coalesce(na.level, 0), "                               \
    "coalesce(na.first_level, na.level, 0), coalesce(na.rises, 0), coalesce(na.flash, 0), "        \
    "coalesce(na.incident_id, 0), coalesce(si.id, 0), si.created_by, si.reason, "                  \
    "coalesce(si.until, 0)"

/* The events e with their newest alert na and the silence si holding them. */
#define EVENT_FROM                                                                                 \
    "events e LEFT JOIN alerts na ON na.id = (SELECT max(a.id) FROM alerts a WHERE a.event_id = "  \
    "e.id) LEFT JOIN silences si ON si.id = (SELECT s.id FROM silences s WHERE s.event_id = e.id " \
    "AND " SILENCE_ACTIVE("s") " ORDER BY s.until DESC LIMIT 1)"

static void event_read_row(sqlite3_stmt *s, struct store_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(s, 0);
    e->title = store_col_text(s, 1);
    e->rep_item = sqlite3_column_int64(s, 2);
    e->first_seen = sqlite3_column_int64(s, 3);
    e->last_seen = sqlite3_column_int64(s, 4);
    e->first_collected = sqlite3_column_int64(s, 5);
    e->items = sqlite3_column_int(s, 6);
    e->sources = sqlite3_column_int(s, 7);
    e->top_media = store_col_text(s, 8);
    e->negative = sqlite3_column_int(s, 9);
    e->velocity = sqlite3_column_double(s, 10);
    e->score = sqlite3_column_double(s, 11);
    e->level = sqlite3_column_int(s, 12);
    e->explanation = store_col_text(s, 13);
    e->schemes = store_col_text(s, 14);
    e->terms = store_col_text(s, 15);
    e->topics = store_col_text(s, 16);
    e->alert_id = sqlite3_column_int64(s, 17);
    e->acked = sqlite3_column_int(s, 18) != 0;
    e->acked_by = store_col_text(s, 19);
    e->acked_at = sqlite3_column_int64(s, 20);
    e->alert_level = sqlite3_column_int(s, 21);
    e->alert_first_level = sqlite3_column_int(s, 22);
    e->alert_rises = sqlite3_column_int(s, 23);
    e->alert_flash = sqlite3_column_int(s, 24) != 0;
    e->alert_incident = sqlite3_column_int64(s, 25);
    e->silence_id = sqlite3_column_int64(s, 26);
    e->silenced_by = store_col_text(s, 27);
    e->silence_reason = store_col_text(s, 28);
    e->silenced_until = sqlite3_column_int64(s, 29);
}

/* Items per hour over the 24 hours ending at now (by item time). */
static int event_hourly(struct store *st, struct store_event *e, int64_t now, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(
        st, STMT_EVENT_HOURLY,
        "SELECT (?2 - sort_at) / 3600, count(*) FROM items WHERE event_id = ?1 AND sort_at > ?2 - "
        "86400 AND sort_at <= ?2 GROUP BY 1",
        err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_int64(s, 1, e->id);
    sqlite3_bind_int64(s, 2, now);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t ago = sqlite3_column_int64(s, 0);
        if (ago >= 0 && ago < 24)
            e->hourly[23 - ago] = sqlite3_column_int(s, 1);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "read event series");
    return 0;
}

void store_event_clear(struct store_event *e)
{
    if (!e)
        return;
    free(e->title);
    free(e->top_media);
    free(e->explanation);
    free(e->schemes);
    free(e->terms);
    free(e->topics);
    free(e->acked_by);
    free(e->silenced_by);
    free(e->silence_reason);
    memset(e, 0, sizeof *e);
}

void store_events_free(struct store_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_event_clear(&v[i]);
    free(v);
}

int store_events_board(struct store *st, int64_t now, int hours, size_t limit,
                       struct store_event **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " EVENT_COLS " FROM " EVENT_FROM " WHERE e.last_seen >= ?1 OR "
                           "e.id IN (SELECT event_id FROM alerts WHERE acked_at IS NULL AND "
                           "event_id IS NOT NULL) ORDER BY e.level = 0, e.level, e.score DESC, "
                           "e.last_seen DESC LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read risk board");
    sqlite3_bind_int64(s, 1, now - (int64_t)hours * 3600);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
    sqlite3_bind_int64(s, STORE_NOW_PARAM, now);
    struct store_event *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
        event_read_row(s, &v[k++]);
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_events_free(v, k);
        return store_db_error(st, err, "read risk board");
    }
    for (size_t i = 0; i < k; i++) {
        if ((rc = event_hourly(st, &v[i], now, err))) {
            store_events_free(v, k);
            return rc;
        }
    }
    *out = v;
    *n = k;
    return 0;
}

int store_event_get(struct store *st, int64_t id, int64_t now, struct store_event *out,
                    struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " EVENT_COLS " FROM " EVENT_FROM " WHERE e.id = ?1", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read event");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, STORE_NOW_PARAM, now);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        event_read_row(s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no event %lld", (long long)id);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "read event");
    if ((rc = event_hourly(st, out, now, err)))
        store_event_clear(out);
    return rc;
}

int store_event_items(struct store *st, int64_t event_id, size_t limit, struct store_item **out,
                      size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " STORE_ITEM_COLS " FROM items i JOIN sources s ON s.id = "
                           "i.source_id WHERE i.event_id = ?1 ORDER BY i.sort_at, i.id LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read event items");
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
    struct store_item *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
        store_item_read_row(s, &v[k++]);
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_items_free(v, k);
        return store_db_error(st, err, "read event items");
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---- alerts ---------------------------------------------------------------- */

int store_alerts_unacked(struct store *st, int *count, struct jy_error *err)
{
    *count = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM alerts WHERE acked_at IS NULL", -1, &s,
                           NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return store_db_error(st, err, "count alerts");
    }
    *count = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return 0;
}

int store_alerts_waiting(struct store *st, int64_t now, int *events, int *sources,
                         struct jy_error *err)
{
    *events = *sources = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT (SELECT count(DISTINCT a.event_id) FROM alerts a WHERE a.acked_at IS NULL AND "
            "a.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM silences s WHERE s.event_id = "
            "a.event_id AND " SILENCE_ACTIVE(
                "s") ")), (SELECT count(DISTINCT a.source_id) FROM "
                     "alerts a WHERE a.acked_at IS NULL AND a.source_id IS NOT NULL AND NOT EXISTS "
                     "(SELECT 1 "
                     "FROM silences s WHERE s.source_id = a.source_id AND " SILENCE_ACTIVE(
                         "s") "))",
            -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "count alerts");
    sqlite3_bind_int64(s, STORE_NOW_PARAM, now);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *events = sqlite3_column_int(s, 0);
        *sources = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "count alerts");
}

/* The columns of a store_alert, in the order alert_read_row expects. */
#define ALERT_COLS                                                                                 \
    "a.id, a.kind, coalesce(a.event_id, 0), coalesce(a.source_id, 0), a.level, a.title, "          \
    "a.raised_at, coalesce(a.first_item_at, 0), a.acked_by, coalesce(a.acked_at, 0), "             \
    "coalesce(a.first_level, a.level), a.rises, coalesce(a.risen_at, 0), a.flash, "                \
    "coalesce(a.incident_id, 0)"

static void alert_read_row(sqlite3_stmt *s, struct store_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->kind = store_col_text(s, 1);
    a->event_id = sqlite3_column_int64(s, 2);
    a->source_id = sqlite3_column_int64(s, 3);
    a->level = sqlite3_column_int(s, 4);
    a->title = store_col_text(s, 5);
    a->raised_at = sqlite3_column_int64(s, 6);
    a->first_item_at = sqlite3_column_int64(s, 7);
    a->acked_by = store_col_text(s, 8);
    a->acked_at = sqlite3_column_int64(s, 9);
    a->first_level = sqlite3_column_int(s, 10);
    a->rises = sqlite3_column_int(s, 11);
    a->risen_at = sqlite3_column_int64(s, 12);
    a->flash = sqlite3_column_int(s, 13) != 0;
    a->incident_id = sqlite3_column_int64(s, 14);
    a->clock_at = a->raised_at;
}

/* Runs a query of ALERT_COLS (and, with clock, the clock as the next
 * column) whose ?1 is limit and STORE_NOW now (when it has one). */
static int alerts_query(struct store *st, const char *sql, int64_t now, size_t limit, bool clock,
                        struct store_alert **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read alerts");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    if (sqlite3_bind_parameter_count(s) >= STORE_NOW_PARAM)
        sqlite3_bind_int64(s, STORE_NOW_PARAM, now);
    struct store_alert *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        alert_read_row(s, &v[k]);
        if (clock)
            v[k].clock_at = sqlite3_column_int64(s, 15);
        k++;
    }
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_alerts_free(v, k);
        return store_db_error(st, err, "read alerts");
    }
    *out = v;
    *n = k;
    return 0;
}

int store_alerts_escalating(struct store *st, int64_t now, size_t limit, struct store_alert **out,
                            size_t *n, struct jy_error *err)
{
    /* a silence's end: its until, or earlier when expired by hand */
    return alerts_query(
        st,
        "SELECT " ALERT_COLS ", max(a.raised_at, coalesce((SELECT max(min(s.until, "
        "coalesce(s.expired_at, s.until))) FROM silences s WHERE (s.event_id = a.event_id OR "
        "s.source_id = a.source_id) AND s.created_at <= " STORE_NOW " AND min(s.until, "
        "coalesce(s.expired_at, s.until)) <= " STORE_NOW
        "), 0)) FROM alerts a WHERE a.acked_at IS NULL "
        "AND (a.event_id IS NULL OR a.id = (SELECT max(b.id) FROM alerts b WHERE b.event_id = "
        "a.event_id AND b.acked_at IS NULL)) AND NOT EXISTS (SELECT 1 FROM silences s WHERE "
        "(s.event_id = a.event_id OR s.source_id = a.source_id) AND " SILENCE_ACTIVE(
            "s") ") "
                 "ORDER BY a.id DESC LIMIT ?1",
        now, limit, true, out, n, err);
}

void store_alerts_free(struct store_alert *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].kind);
        free(v[i].title);
        free(v[i].acked_by);
    }
    free(v);
}

int store_alerts_list(struct store *st, bool unacked_only, size_t limit, struct store_alert **out,
                      size_t *n, struct jy_error *err)
{
    return alerts_query(st,
                        unacked_only ? "SELECT " ALERT_COLS " FROM alerts a WHERE a.acked_at IS "
                                       "NULL ORDER BY a.id DESC LIMIT ?1"
                                     : "SELECT " ALERT_COLS " FROM alerts a ORDER BY a.id DESC "
                                       "LIMIT ?1",
                        0, limit, false, out, n, err);
}

/* where: a fixed condition, on ?1 if it needs a value (never text from
 * outside). Each alert acknowledged gets its audit row in the same
 * transaction. */
static int ack_where(struct store *st, const char *where, int64_t id, int64_t upto, int seen_level,
                     const char *who, int64_t now, int *count, struct jy_error *err)
{
    /* seen_level: an alert that rose above what the operator was shown
     * (a smaller number) keeps waiting */
    char *sql = xasprintf("UPDATE alerts SET acked_by = ?2, acked_at = ?3 WHERE %s AND "
                          "acked_at IS NULL AND id <= ?4 AND (?5 = 0 OR level >= ?5) RETURNING "
                          "id, json_object('kind', kind, 'event_id', event_id, 'level', level, "
                          "'title', title)",
                          where);
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc) {
        free(sql);
        return rc;
    }
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "acknowledge"), err);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, who && *who ? who : "?", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, upto > 0 ? upto : INT64_MAX);
    sqlite3_bind_int(s, 5, seen_level > 0 ? seen_level : 0);
    struct acked {
        int64_t id;
        char *what;
    } *v = NULL;
    size_t n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n].id = sqlite3_column_int64(s, 0);
        v[n++].what = store_col_text(s, 1);
    }
    sqlite3_finalize(s);
    rc = rc == SQLITE_DONE ? 0 : store_db_error(st, err, "acknowledge");
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            rc = store_audit_append(st, who, "alert.ack", "alert", v[i].id, NULL, v[i].what, now,
                                    err);
        free(v[i].what);
    }
    free(v);
    if (!rc && count)
        *count = (int)n;
    return store_write_end(st, nested, rc, err);
}

int store_alert_ack(struct store *st, int64_t id, const char *who, int64_t now,
                    struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM alerts WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "acknowledge");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no alert %lld", (long long)id);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "acknowledge");
    return ack_where(st, "id = ?1", id, 0, 0, who, now, NULL, err);
}

int store_event_ack(struct store *st, int64_t event_id, int64_t upto_alert, int seen_level,
                    const char *who, int64_t now, int *count, struct jy_error *err)
{
    return ack_where(st, "event_id = ?1", event_id, upto_alert, seen_level, who, now, count, err);
}

int store_alerts_ack_sources(struct store *st, const char *who, int64_t now, int *count,
                             struct jy_error *err)
{
    return ack_where(st, "kind = 'source'", 0, 0, 0, who, now, count, err);
}

/* ---- labels and the model ----------------------------------------------------- */

int store_item_label(struct store *st, int64_t item_id, int label, const char *who, int64_t now,
                     struct jy_error *err)
{
    if (label < -1 || label > 1)
        return jy_error_set(err, JY_EINVAL, "label must be -1, 0 or 1");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO labels (item_id, label, labelled_by, "
                           "labelled_at) SELECT id, ?2, ?3, ?4 FROM items WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "label item");
    sqlite3_bind_int64(s, 1, item_id);
    sqlite3_bind_int(s, 2, label);
    sqlite3_bind_text(s, 3, who && *who ? who : "?", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc) {
        sqlite3_finalize(s);
        return rc;
    }
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        rc = store_db_error(st, err, "label item");
    else if (sqlite3_changes(st->db) == 0)
        rc = jy_error_set(err, JY_ENOTFOUND, "no item %lld", (long long)item_id);
    else {
        char after[32];
        snprintf(after, sizeof after, "{\"label\":%d}", label);
        rc = store_audit_append(st, who, "item.label", "item", item_id, NULL, after, now, err);
    }
    return store_write_end(st, nested, rc, err);
}

int store_labels_examples(struct store *st, char ***texts, int **labels, size_t *n,
                          struct jy_error *err)
{
    *texts = NULL;
    *labels = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT i.title || ' ' || i.content, l.label FROM labels l JOIN items i "
                           "ON i.id = l.item_id ORDER BY l.item_id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read labels");
    size_t cap = 0, k = 0;
    char **t = NULL;
    int *l = NULL, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 64;
            t = xrealloc(t, cap * sizeof *t);
            l = xrealloc(l, cap * sizeof *l);
        }
        t[k] = store_col_text(s, 0);
        if (!t[k])
            t[k] = xstrdup("");
        l[k++] = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < k; i++)
            free(t[i]);
        free(t);
        free(l);
        return store_db_error(st, err, "read labels");
    }
    *texts = t;
    *labels = l;
    *n = k;
    return 0;
}

int store_model_put(struct store *st, const struct actor *a, const char *name, const char *blob,
                    size_t len, const char *info, int64_t now, struct jy_error *err)
{
    if (!actor_has(a, ROLE_ADMIN))
        return jy_error_set(err, JY_EPERM, "只有管理员可以更换模型（%s 不是管理员）",
                            a ? a->name : "?");
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO models (name, data, info, created_at) VALUES "
                           "(?1, ?2, ?3, ?4)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "store model"), err);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(s, 2, blob, len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, info, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "store model");
    sqlite3_finalize(s);
    if (!rc) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "name", true);
        jy_buf_json_str(&b, name);
        jy_buf_json_key(&b, "bytes", false);
        jy_buf_json_int(&b, (int64_t)len);
        jy_buf_json_key(&b, "info", false);
        jy_buf_json_str(&b, info ? info : "");
        jy_buf_puts(&b, "}");
        rc = store_audit_append(st, a->login, "model.put", "model", 0, NULL, b.data, now, err);
        jy_buf_free(&b);
    }
    return store_write_end(st, nested, rc, err);
}

int store_model_get(struct store *st, const char *name, char **blob, size_t *len,
                    struct jy_error *err)
{
    *blob = NULL;
    *len = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT data FROM models WHERE name = ?1", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "read model");
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int n = sqlite3_column_bytes(s, 0);
        *blob = xmalloc((size_t)n + 1);
        memcpy(*blob, sqlite3_column_blob(s, 0), (size_t)n);
        *len = (size_t)n;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no %s model", name);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "read model");
    return 0;
}

/* ---- analysing as items arrive ------------------------------------------------ */

static enum media_level media_from_name(const char *name)
{
    for (int m = MEDIA_CENTRAL; m <= MEDIA_INTERNAL; m++)
        if (name && strcmp(name, media_level_name((enum media_level)m)) == 0)
            return (enum media_level)m;
    return MEDIA_UNKNOWN;
}

/* Makes the analyzer ready for the next item: made if it is made on first
 * need, its memory rebuilt from the database after a rollback or a
 * takeover. */
static int analyzer_fresh(struct store *st, struct jy_error *err)
{
    if (!st->an) {
        int rc = st->an_make(st->an_make_ctx, &st->an, err);
        if (rc)
            return rc;
        st->an_dirty = true;
    }
    if (!st->an_dirty)
        return 0;
    if (st->n_pend) /* events left to write by this transaction's earlier writes */
        return jy_error_set(err, JY_ESTATE, "%s: the analysis must start again", st->path);
    analyzer_reset(st->an);
    int rc = restore(st, st->an, st->an_cfg, true, err);
    if (rc == 0)
        st->an_dirty = false;
    return rc;
}

int store_set_analyzer(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                       struct jy_error *err)
{
    st->an = an;
    st->an_make = NULL;
    st->an_cfg = ac;
    st->an_dirty = an != NULL; /* restored before its first use */
    (void)err;
    return 0;
}

void store_set_analyzer_factory(struct store *st,
                                int (*make)(void *ctx, struct analyzer **out, struct jy_error *err),
                                void *ctx, const struct analysis_config *ac)
{
    st->an = NULL;
    st->an_make = make;
    st->an_make_ctx = ctx;
    st->an_cfg = ac;
    st->an_dirty = true;
}

static int analyze_one(struct store *st, const struct store_source *src, int64_t id,
                       const char *title, const char *text, const char *author, int64_t published,
                       int64_t collected, int64_t now, struct an_text *pre, struct jy_error *err)
{
    struct an_item in = {
        .id = id,
        .title = title,
        .text = text,
        .published = published,
        .collected = collected,
        .source = src->name,
        .author = author,
        .media_level = media_from_name(src->media_level),
        .region = src->region,
    };
    struct an_result res;
    int rc = analyzer_run_text(st->an, &in, pre, &res, err);
    if (rc)
        return rc;
    rc = text_check(st, err);
    if (!rc)
        rc = record_analysis(st, st->an, &res, now, collected, true, NULL, err);
    an_text_give_back(pre, &res); /* freed where it was made */
    an_result_clear(&res);
    return rc;
}

int store_insert_analysed(struct store *st, int64_t source_id, const struct fetch_result *r,
                          int64_t now, bool defer_events, size_t *inserted, int64_t *ids,
                          struct jy_error *err)
{
    int64_t last = 0;
    int rc = analyzer_fresh(st, err);
    if (rc || (rc = store_items_max_id(st, &last, err)))
        return rc;
    struct store_source src;
    if ((rc = store_source_get(st, source_id, &src, err)))
        return rc;
    /* One write of each new item's row: whether it is new is asked first,
     * then it is analysed under the id SQLite would give it (one past the
     * largest: this transaction is the only writer), then inserted with its
     * verdict. An item the source holds, or one this response repeats, is
     * found by the question and left alone. */
    for (size_t i = 0; i < r->n_items && !rc; i++) {
        const struct feed_item *it = &r->items[i];
        bool exists = false;
        ids[i] = 0;
        if ((rc = store_item_exists(st, source_id, it->guid, &exists, err)) || exists)
            continue;
        if (last == INT64_MAX) {
            rc = jy_error_set(err, JY_EDB, "%s: item ids exhausted", st->path);
            break;
        }
        struct an_item in = {
            .id = last + 1,
            .title = it->title,
            .text = it->content,
            .published = it->has_date ? it->published : 0,
            .collected = now,
            .source = src.name,
            .author = it->author,
            .media_level = media_from_name(src.media_level),
            .region = src.region,
        };
        struct an_text *pre = r->pre ? r->pre[i] : NULL;
        /* columns made ahead from pre hold for this item when pre does */
        const char *cols = pre && r->pre_cols && an_text_fits(pre, &in) ? r->pre_cols[i] : NULL;
        struct an_result res;
        if ((rc = analyzer_run_text(st->an, &in, pre, &res, err)))
            break;
        rc = text_check(st, err);
        if (!rc)
            rc = store_item_insert_judged(st, source_id, it, now, &res, err);
        if (!rc)
            rc = record_analysis(st, st->an, &res, now, now, false, cols, err); /* fetched now */
        an_text_give_back(r->pre ? r->pre[i] : NULL, &res); /* freed where it was made */
        an_result_clear(&res);
        if (!rc) {
            ids[i] = ++last;
            (*inserted)++;
        }
    }
    store_source_clear(&src);
    st->pend_now = now;
    if (!rc && !defer_events)
        rc = store_analysis_flush(st, st->an, now, true, err);
    return rc; /* on failure the caller undoes the writes and the analyzer's memory */
}

int store_analysis_catch_up(struct store *st, size_t batch, int *done, struct jy_error *err)
{
    *done = 0;
    if (!STORE_ANALYSING(st))
        return 0;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    struct store_item *v = NULL;
    size_t n = 0;
    int64_t now = jy_now();
    if ((rc = store_fence_check(st, err)) || (rc = analyzer_fresh(st, err)) ||
        (rc = store_analysis_backlog(st, batch, &v, &n, err)))
        goto fail;
    struct store_source src = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        if (src.id != v[i].source_id) {
            store_source_clear(&src);
            if ((rc = store_source_get(st, v[i].source_id, &src, err)))
                break;
        }
        rc =
            analyze_one(st, &src, v[i].id, v[i].title, v[i].content, v[i].author,
                        v[i].date_missing ? 0 : v[i].published_at, v[i].fetched_at, now, NULL, err);
    }
    store_source_clear(&src);
    store_items_free(v, n);
    /* what happened before analysis existed is graded but raises no alert */
    if (rc || (rc = store_analysis_flush(st, st->an, now, false, err)))
        goto fail;
    if ((rc = store_commit(st, err)))
        return rc;
    *done = (int)n;
    return 0;
fail:
    store_rollback(st);
    return rc;
}
