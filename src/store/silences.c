/* silences.c: silences, Alertmanager-style.
 *
 * A silence names one event or one source, a reason, its owner and an end.
 * It never changes an alert row: whether an alert is silenced is judged
 * when alerts are read (the header's count, escalation, the risk board), at
 * that moment, so a silence that ends lets its alerts escalate again
 * without anything being rewritten. Adding and ending one are audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define SILENCE_MAX_SECONDS (30 * 86400)
#define SILENCE_REASON_MAX 500 /* characters */

/* Whether the event (or source) exists. */
static int target_exists(struct store *st, int64_t event_id, int64_t source_id,
                         struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    const char *sql =
        event_id ? "SELECT 1 FROM events WHERE id = ?1" : "SELECT 1 FROM sources WHERE id = ?1";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "silence");
    sqlite3_bind_int64(s, 1, event_id ? event_id : source_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return event_id ? jy_error_set(err, JY_ENOTFOUND, "没有事件 #%lld", (long long)event_id)
                        : jy_error_set(err, JY_ENOTFOUND, "没有信源 #%lld", (long long)source_id);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "silence");
}

int store_silence_add(struct store *st, const struct actor *a, int64_t event_id, int64_t source_id,
                      const char *reason, int64_t until, int64_t now, int64_t *id,
                      struct jy_error *err)
{
    if (id)
        *id = 0;
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if ((event_id != 0) == (source_id != 0))
        return jy_error_set(err, JY_EINVAL, "静默须指定一个事件或一个信源");
    if (inc_blank(reason))
        return jy_error_set_field(err, JY_EINVAL, "reason", "静默须写明理由");
    if (utf8_width(reason) > 2 * SILENCE_REASON_MAX)
        return jy_error_set_field(err, JY_EINVAL, "reason", "理由过长（至多 %d 字）",
                                  SILENCE_REASON_MAX);
    if (until <= now)
        return jy_error_set_field(err, JY_EINVAL, "until", "静默截止时间须晚于现在");
    if (until - now > SILENCE_MAX_SECONDS)
        return jy_error_set_field(err, JY_EINVAL, "until", "静默至多 30 天");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    if ((rc = target_exists(st, event_id, source_id, err)))
        return store_write_end(st, nested, rc, err);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO silences (event_id, source_id, reason, created_by, "
                           "created_at, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id, "
                           "json_object('event_id', event_id, 'source_id', source_id, 'reason', "
                           "reason, 'until', until)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "silence"), err);
    if (event_id)
        sqlite3_bind_int64(s, 1, event_id);
    if (source_id)
        sqlite3_bind_int64(s, 2, source_id);
    sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, until);
    int64_t sid = 0;
    char *after = NULL;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        sid = sqlite3_column_int64(s, 0);
        after = store_col_text(s, 1);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    rc = rc == SQLITE_DONE ? 0 : store_db_error(st, err, "silence");
    if (!rc)
        rc = store_audit_append(st, a->login, "silence.add", "silence", sid, NULL, after, now, err);
    free(after);
    rc = store_write_end(st, nested, rc, err);
    if (!rc && id)
        *id = sid;
    return rc;
}

int store_silence_expire(struct store *st, const struct actor *a, int64_t id, int64_t now,
                         struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT expired_at IS NULL AND until > ?2, json_object('until', until, "
                           "'expired_at', expired_at) FROM silences WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "expire silence"), err);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    rc = sqlite3_step(s);
    bool active = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    char *before = rc == SQLITE_ROW ? store_col_text(s, 1) : NULL;
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        rc = jy_error_set(err, JY_ENOTFOUND, "没有静默 #%lld", (long long)id);
    else if (rc != SQLITE_ROW)
        rc = store_db_error(st, err, "expire silence");
    else if (!active)
        rc = jy_error_set(err, JY_ESTATE, "静默 #%lld 已结束", (long long)id);
    else
        rc = 0;
    char after[96];
    snprintf(after, sizeof after, "{\"expired_at\":%lld}", (long long)now);
    if (!rc && sqlite3_prepare_v2(st->db,
                                  "UPDATE silences SET expired_by = ?2, expired_at = ?3 WHERE id "
                                  "= ?1",
                                  -1, &s, NULL) != SQLITE_OK)
        rc = store_db_error(st, err, "expire silence");
    else if (!rc) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_text(s, 2, a->login, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "expire silence");
        sqlite3_finalize(s);
    }
    if (!rc)
        rc = store_audit_append(st, a->login, "silence.expire", "silence", id, before, after, now,
                                err);
    free(before);
    return store_write_end(st, nested, rc, err);
}

int store_silences_list(struct store *st, bool all, int64_t now, size_t limit,
                        struct store_silence **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT s.id, coalesce(s.event_id, 0), coalesce(s.source_id, 0), coalesce(e.title, "
            "so.name), s.reason, s.created_by, s.expired_by, s.created_at, s.until, "
            "coalesce(s.expired_at, 0), s.expired_at IS NULL AND s.created_at <= ?2 AND s.until > "
            "?2 FROM silences s LEFT JOIN events e ON e.id = s.event_id LEFT JOIN sources so ON "
            "so.id = s.source_id WHERE ?3 OR (s.expired_at IS NULL AND s.created_at <= ?2 AND "
            "s.until > ?2) ORDER BY s.id DESC LIMIT ?1",
            -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list silences");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int(s, 3, all);
    struct store_silence *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_silence *x = &v[k++];
        x->id = sqlite3_column_int64(s, 0);
        x->event_id = sqlite3_column_int64(s, 1);
        x->source_id = sqlite3_column_int64(s, 2);
        x->target = store_col_text(s, 3);
        x->reason = store_col_text(s, 4);
        x->created_by = store_col_text(s, 5);
        x->expired_by = store_col_text(s, 6);
        x->created_at = sqlite3_column_int64(s, 7);
        x->until = sqlite3_column_int64(s, 8);
        x->expired_at = sqlite3_column_int64(s, 9);
        x->active = sqlite3_column_int(s, 10) != 0;
    }
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_silences_free(v, k);
        return store_db_error(st, err, "list silences");
    }
    *out = v;
    *n = k;
    return 0;
}

void store_silences_free(struct store_silence *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].target);
        free(v[i].reason);
        free(v[i].created_by);
        free(v[i].expired_by);
    }
    free(v);
}
