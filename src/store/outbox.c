/* outbox.c: the notification outbox and the escalation record.
 *
 * Messages are rows first and deliveries second: queuing is part of the
 * transaction that decides to notify, a delivery claims its rows (status
 * "sending") in one short transaction, and marks them sent in another after
 * the receiver answered. A process that dies in between leaves claimed rows
 * that another pass takes back after a while; so a message can be sent
 * twice only if the process dies between the receiver's answer and the
 * commit that follows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define OUTBOX_COLS                                                                                \
    "id, coalesce(alert_id, 0), channel, kind, subject, body, status, last_error, attempts, "      \
    "created_at, next_at, coalesce(sent_at, 0), coalesce(digest_id, 0)"

static void outbox_read(sqlite3_stmt *s, struct store_outbox *o)
{
    o->id = sqlite3_column_int64(s, 0);
    o->alert_id = sqlite3_column_int64(s, 1);
    o->channel = store_col_text(s, 2);
    o->kind = store_col_text(s, 3);
    o->subject = store_col_text(s, 4);
    o->body = store_col_text(s, 5);
    o->status = store_col_text(s, 6);
    o->last_error = store_col_text(s, 7);
    o->attempts = sqlite3_column_int(s, 8);
    o->created_at = sqlite3_column_int64(s, 9);
    o->next_at = sqlite3_column_int64(s, 10);
    o->sent_at = sqlite3_column_int64(s, 11);
    o->digest_id = sqlite3_column_int64(s, 12);
}

void store_outbox_clear(struct store_outbox *o)
{
    free(o->channel);
    free(o->kind);
    free(o->subject);
    free(o->body);
    free(o->status);
    free(o->last_error);
    memset(o, 0, sizeof *o);
}

void store_outbox_free(struct store_outbox *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        store_outbox_clear(&v[i]);
    free(v);
}

static int add_rows(struct store *st, const char *const *channels, size_t n, const char *kind,
                    int64_t alert_id, const char *subject, const char *body, int64_t now,
                    struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO outbox (channel, kind, alert_id, subject, body, status, "
                           "created_at, next_at) VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', ?6, ?6)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, channels[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        if (alert_id)
            sqlite3_bind_int64(s, 3, alert_id);
        else
            sqlite3_bind_null(s, 3);
        sqlite3_bind_text(s, 4, subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, now);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(st, err, "outbox");
    }
    sqlite3_finalize(s);
    return rc;
}

int store_outbox_add(struct store *st, const char *const *channels, size_t n, const char *kind,
                     int64_t alert_id, const char *subject, const char *body, int64_t now,
                     struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    rc = add_rows(st, channels, n, kind, alert_id, subject, body, now, err);
    return store_write_end(st, nested, rc, err);
}

int store_outbox_claim(struct store *st, const char *channel, int64_t now, int64_t stale,
                       int64_t claim, size_t limit, struct store_outbox **out, size_t *n,
                       struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    /* what concerns an alert acknowledged meanwhile is not sent any more */
    rc = store_exec(st,
                    "UPDATE outbox SET status = 'cancelled' WHERE status = 'waiting' AND "
                    "kind IN ('alert', 'escalation') AND alert_id IN (SELECT id FROM alerts "
                    "WHERE acked_at IS NOT NULL)",
                    err);
    if (rc)
        return store_write_end(st, nested, rc, err);
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE outbox SET status = 'sending', claimed_at = ?2, claim = ?5 "
                           "WHERE id IN "
                           "(SELECT id FROM outbox WHERE channel = ?1 AND ((status = 'waiting' AND "
                           "next_at <= ?2) OR (status = 'sending' AND claimed_at < ?2 - ?3)) "
                           "ORDER BY id LIMIT ?4) RETURNING " OUTBOX_COLS,
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "claim"), err);
    sqlite3_bind_text(s, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, stale);
    sqlite3_bind_int64(s, 4, (int64_t)limit);
    sqlite3_bind_int64(s, 5, claim);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        outbox_read(s, &(*out)[(*n)++]);
    }
    sqlite3_finalize(s);
    if (step != SQLITE_DONE)
        rc = store_db_error(st, err, "claim");
    rc = store_write_end(st, nested, rc, err);
    if (rc) {
        store_outbox_free(*out, *n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    /* RETURNING comes in no set order: oldest first */
    for (size_t i = 1; i < *n; i++) {
        struct store_outbox t = (*out)[i];
        size_t j = i;
        while (j > 0 && (*out)[j - 1].id > t.id) {
            (*out)[j] = (*out)[j - 1];
            j--;
        }
        (*out)[j] = t;
    }
    return 0;
}

int store_outbox_sent(struct store *st, int64_t id, int64_t claim, int64_t now,
                      struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts "
                           "+ 1, last_error = NULL WHERE id = ?1 AND claim = ?3",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, claim);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "outbox");
    sqlite3_finalize(s);
    return rc;
}

int store_outbox_failed(struct store *st, int64_t id, int64_t claim, const char *why,
                        int64_t next_at, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE outbox SET status = 'waiting', next_at = ?2, attempts = "
                           "attempts + 1, last_error = ?3, claimed_at = NULL WHERE id = ?1 AND "
                           "claim = ?4 AND status = 'sending'",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, next_at);
    sqlite3_bind_text(s, 3, why, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, claim);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "outbox");
    sqlite3_finalize(s);
    return rc;
}

int store_outbox_defer(struct store *st, int64_t id, int64_t claim, int64_t next_at,
                       struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE outbox SET status = 'waiting', next_at = ?2, claimed_at = NULL "
                           "WHERE id = ?1 AND claim = ?3 AND status = 'sending'",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, next_at);
    sqlite3_bind_int64(s, 3, claim);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "outbox");
    sqlite3_finalize(s);
    return rc;
}

int store_outbox_digest(struct store *st, const char *channel, const int64_t *ids, size_t n,
                        int64_t claim, const char *subject, const char *body, int64_t now,
                        struct store_outbox *digest, struct jy_error *err)
{
    memset(digest, 0, sizeof *digest);
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO outbox (channel, kind, subject, body, status, created_at, "
                           "next_at, claimed_at, claim) VALUES (?1, 'digest', ?2, ?3, 'sending', "
                           "?4, ?4, ?4, ?5) RETURNING " OUTBOX_COLS,
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "digest"), err);
    sqlite3_bind_text(s, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, 5, claim);
    if (sqlite3_step(s) == SQLITE_ROW)
        outbox_read(s, digest);
    rc = sqlite3_step(s) == SQLITE_DONE && digest->id ? 0 : store_db_error(st, err, "digest");
    sqlite3_finalize(s);
    if (!rc) {
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE outbox SET status = 'digested', digest_id = ?2 WHERE id = "
                               "?1 AND claim = ?3 AND status = 'sending'",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "digest");
        } else {
            for (size_t i = 0; i < n && !rc; i++) {
                sqlite3_reset(s);
                sqlite3_bind_int64(s, 1, ids[i]);
                sqlite3_bind_int64(s, 2, digest->id);
                sqlite3_bind_int64(s, 3, claim);
                if (sqlite3_step(s) != SQLITE_DONE)
                    rc = store_db_error(st, err, "digest");
                else if (sqlite3_changes(st->db) == 0) /* taken back meanwhile */
                    rc = jy_error_set(err, JY_EBUSY, "a message was taken back by another pass");
            }
            sqlite3_finalize(s);
        }
    }
    rc = store_write_end(st, nested, rc, err);
    if (rc) {
        store_outbox_clear(digest);
    }
    return rc;
}

int store_notify_lock(struct store *st, const char *holder, int64_t now, int ttl, bool *got,
                      struct jy_error *err)
{
    *got = false;
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO notify_lock (id, holder, until) VALUES (1, ?1, ?2 + ?3) "
                           "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = "
                           "excluded.until WHERE notify_lock.until < ?2 OR notify_lock.holder = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "notify lock"), err);
    sqlite3_bind_text(s, 1, holder, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int(s, 3, ttl);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "notify lock");
    *got = !rc && sqlite3_changes(st->db) > 0;
    sqlite3_finalize(s);
    return store_write_end(st, nested, rc, err);
}

int store_notify_unlock(struct store *st, const char *holder, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "UPDATE notify_lock SET until = 0 WHERE holder = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "notify lock");
    sqlite3_bind_text(s, 1, holder, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "notify lock");
    sqlite3_finalize(s);
    return rc;
}

int store_outbox_sent_since(struct store *st, const char *channel, int64_t t, int *count,
                            struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*) FROM outbox WHERE channel = ?1 AND sent_at > ?2", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    sqlite3_bind_text(s, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t);
    int rc = sqlite3_step(s);
    *count = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "outbox");
}

int store_outbox_list(struct store *st, const char *status, size_t limit, struct store_outbox **out,
                      size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " OUTBOX_COLS " FROM outbox WHERE ?1 IS NULL OR status = ?1 "
                           "ORDER BY id DESC LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "outbox");
    if (status)
        sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (int64_t)limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        outbox_read(s, &(*out)[(*n)++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_outbox_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "outbox");
    }
    return 0;
}

/* ---- escalation ----------------------------------------------------------------- */

int store_escalation_steps(struct store *st, int64_t alert_id, unsigned *steps,
                           struct jy_error *err)
{
    *steps = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT step FROM escalations WHERE alert_id = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "escalation");
    sqlite3_bind_int64(s, 1, alert_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int k = sqlite3_column_int(s, 0);
        if (k >= 0 && k < 31)
            *steps |= 1u << k;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "escalation");
}

int store_escalation_record(struct store *st, int64_t alert_id, int step, const char *to_logins,
                            const char *const *channels, size_t n, const char *subject,
                            const char *body, int64_t now, struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT OR IGNORE INTO escalations (alert_id, step, to_logins, at) "
            "SELECT a.id, ?2, ?3, ?4 FROM alerts a WHERE a.id = ?1 AND a.acked_at "
            "IS NULL AND NOT EXISTS (SELECT 1 FROM silences s WHERE (s.event_id "
            "= a.event_id OR s.source_id = a.source_id) AND " SILENCE_ACTIVE("s") ")",
            -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "escalation"), err);
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int(s, 2, step);
    sqlite3_bind_text(s, 3, to_logins, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, STORE_NOW_PARAM, now);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "escalation");
    bool added = sqlite3_changes(st->db) > 0;
    sqlite3_finalize(s);
    /* taken already, or acknowledged or silenced meanwhile: nothing to send */
    if (!rc && added)
        rc = add_rows(st, channels, n, step == 0 ? "alert" : "escalation", alert_id, subject, body,
                      now, err);
    if (!rc && added) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_printf(&b, "{\"step\":%d,\"to\":", step);
        jy_buf_json_str(&b, to_logins);
        jy_buf_puts(&b, "}");
        rc = store_audit_append(st, "jingyu", step == 0 ? "alert.notify" : "alert.escalate",
                                "alert", alert_id, NULL, b.data, now, err);
        jy_buf_free(&b);
    }
    return store_write_end(st, nested, rc, err);
}

int store_escalations_list(struct store *st, int64_t alert_id, size_t limit,
                           struct store_escalation **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT alert_id, step, to_logins, at FROM escalations WHERE ?1 = 0 OR "
                           "alert_id = ?1 ORDER BY at DESC, step DESC LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "escalations");
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int64(s, 2, (int64_t)limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct store_escalation *e = &(*out)[(*n)++];
        e->alert_id = sqlite3_column_int64(s, 0);
        e->step = sqlite3_column_int(s, 1);
        e->to_logins = store_col_text(s, 2);
        e->at = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_escalations_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "escalations");
    }
    return 0;
}

void store_escalations_free(struct store_escalation *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].to_logins);
    free(v);
}

int store_escalations_count(struct store *st, int64_t *count, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM escalations WHERE step > 0", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "escalations");
    int rc = sqlite3_step(s);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "escalations");
}
