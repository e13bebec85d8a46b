/* incidents.c: incidents, their forms, first responses and department tasks.
 *
 * Every write is one transaction that checks the rules (src/incident) against
 * what is stored at that moment, writes, and appends the audit row with the
 * incident as it was before and after (a JSON snapshot made by SQLite). A
 * form save names the row version it was edited from; when someone else has
 * saved since, nothing is written and the caller gets both versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define INC_COLS                                                                                   \
    "id, version, title, category, level, model_level, state, officer, departments, origin, "      \
    "coalesce(event_id, 0), coalesce(alert_id, 0), coalesce(parent_id, 0), started_at, "           \
    "coalesce(ack_from, 0), acked_at, created_at, updated_at, created_by, updated_by, "            \
    "level_reason, strategy, "                                                                     \
    "reported_up, coalesce(reported_at, 0), facts, evidence, legal_opinion, legal_by, "            \
    "verified_by, coalesce(verified_at, 0), outcome, effective, effective_why, secondary, "        \
    "lessons, satisfaction, coalesce(closed_at, 0), reopened, "                                    \
    "(SELECT count(*) FROM responses r WHERE r.incident_id = incidents.id), "                      \
    "(SELECT coalesce(min(responded_at), 0) FROM responses r WHERE r.incident_id = "               \
    "incidents.id), "                                                                              \
    "(SELECT coalesce(min(published_at), 0) FROM releases r WHERE r.incident_id = incidents.id), " \
    "(SELECT coalesce(min(published_at), 0) FROM releases r WHERE r.incident_id = incidents.id "   \
    "  AND r.channel = '" INC_BRIEFING_CHANNEL "'), "                                              \
    "(SELECT coalesce(min(published_at), 0) FROM releases r WHERE r.incident_id = incidents.id "   \
    "  AND r.final), "                                                                             \
    "EXISTS (SELECT 1 FROM releases r WHERE r.incident_id = incidents.id "                         \
    "  AND r.status = 'approved'), "                                                               \
    "EXISTS (SELECT 1 FROM releases r WHERE r.incident_id = incidents.id "                         \
    "  AND r.status IN ('draft', 'submitted'))"

/* The row as the audit trail records it. */
#define INC_SNAPSHOT                                                                               \
    "SELECT json_object('version', version, 'title', title, 'category', category, 'level', "       \
    "level, 'model_level', model_level, 'state', state, 'officer', officer, 'departments', "       \
    "departments, 'origin', origin, 'event_id', event_id, 'parent_id', parent_id, 'started_at', "  \
    "started_at, 'level_reason', level_reason, 'strategy', strategy, 'reported_up', reported_up, " \
    "'reported_at', reported_at, 'facts', facts, 'evidence', evidence, 'legal_opinion', "          \
    "legal_opinion, 'legal_by', legal_by, 'verified_by', verified_by, 'verified_at', "             \
    "verified_at, 'outcome', outcome, 'effective', effective, 'effective_why', effective_why, "    \
    "'secondary', secondary, 'lessons', lessons, 'satisfaction', satisfaction, 'closed_at', "      \
    "closed_at, 'reopened', reopened) FROM incidents WHERE id = ?1"

static void incident_read(sqlite3_stmt *s, struct incident *x)
{
    memset(x, 0, sizeof *x);
    int c = 0;
    x->id = sqlite3_column_int64(s, c++);
    x->version = sqlite3_column_int64(s, c++);
    x->title = store_col_text(s, c++);
    x->category = store_col_text(s, c++);
    x->level = sqlite3_column_int(s, c++);
    x->model_level = sqlite3_column_int(s, c++);
    x->state = (enum inc_state)sqlite3_column_int(s, c++);
    x->officer = store_col_text(s, c++);
    x->departments = store_col_text(s, c++);
    x->origin = store_col_text(s, c++);
    x->event_id = sqlite3_column_int64(s, c++);
    x->alert_id = sqlite3_column_int64(s, c++);
    x->parent_id = sqlite3_column_int64(s, c++);
    x->started_at = sqlite3_column_int64(s, c++);
    x->ack_from = sqlite3_column_int64(s, c++);
    x->acked_at = sqlite3_column_int64(s, c++);
    x->created_at = sqlite3_column_int64(s, c++);
    x->updated_at = sqlite3_column_int64(s, c++);
    x->created_by = store_col_text(s, c++);
    x->updated_by = store_col_text(s, c++);
    x->level_reason = store_col_text(s, c++);
    x->strategy = store_col_text(s, c++);
    x->reported_up = sqlite3_column_int(s, c++) != 0;
    x->reported_at = sqlite3_column_int64(s, c++);
    x->facts = store_col_text(s, c++);
    x->evidence = store_col_text(s, c++);
    x->legal_opinion = store_col_text(s, c++);
    x->legal_by = store_col_text(s, c++);
    x->verified_by = store_col_text(s, c++);
    x->verified_at = sqlite3_column_int64(s, c++);
    x->outcome = store_col_text(s, c++);
    x->effective = sqlite3_column_int(s, c++);
    x->effective_why = store_col_text(s, c++);
    x->secondary = store_col_text(s, c++);
    x->lessons = store_col_text(s, c++);
    x->satisfaction = sqlite3_column_int(s, c++);
    x->closed_at = sqlite3_column_int64(s, c++);
    x->reopened = sqlite3_column_int(s, c++);
    x->n_responses = sqlite3_column_int(s, c++);
    x->first_response_at = sqlite3_column_int64(s, c++);
    x->first_release_at = sqlite3_column_int64(s, c++);
    x->briefing_at = sqlite3_column_int64(s, c++);
    x->final_release_at = sqlite3_column_int64(s, c++);
    x->release_approved = sqlite3_column_int(s, c++) != 0;
    x->release_in_progress = sqlite3_column_int(s, c++) != 0;
}

int store_incident_get(struct store *st, int64_t id, struct incident *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " INC_COLS " FROM incidents WHERE id = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "read incident");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        incident_read(s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "没有工单 #%lld", (long long)id);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read incident");
}

int store_incidents_list(struct store *st, bool open_only, size_t limit, struct incident **out,
                         size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    const char *sql = open_only ? "SELECT " INC_COLS " FROM incidents WHERE state <> 6 "
                                  "ORDER BY id DESC LIMIT ?1"
                                : "SELECT " INC_COLS " FROM incidents ORDER BY id DESC LIMIT ?1";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list incidents");
    sqlite3_bind_int64(s, 1, (int64_t)limit);
    struct incident *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
        incident_read(s, &v[k++]);
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        incidents_free(v, k);
        return store_db_error(st, err, "list incidents");
    }
    *out = v;
    *n = k;
    return 0;
}

static char *snapshot(struct store *st, int64_t id)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(st->db, INC_SNAPSHOT, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW)
        out = store_col_text(s, 0);
    sqlite3_finalize(s);
    return out;
}

/* Appends the audit row for a change of incident id whose snapshot before
 * it was `before` (taken by the caller). */
static int audit_incident(struct store *st, const struct actor *a, const char *action, int64_t id,
                          const char *before, int64_t now, struct jy_error *err)
{
    char *after = snapshot(st, id);
    int rc = store_audit_append(st, a->login, action, "incident", id, before, after, now, err);
    free(after);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

/* ---- create ---------------------------------------------------------------- */

struct event_brief {
    int64_t id;
    char *title;
    int level;
    int64_t first_collected;
};

static int event_brief(struct store *st, int64_t event_id, struct event_brief *e,
                       struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, title, level, first_collected FROM events WHERE id = ?1", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read event");
    sqlite3_bind_int64(s, 1, event_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        e->id = sqlite3_column_int64(s, 0);
        e->title = store_col_text(s, 1);
        e->level = sqlite3_column_int(s, 2);
        e->first_collected = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "没有事件 #%lld", (long long)event_id);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read event");
}

static int alert_event(struct store *st, int64_t alert_id, int64_t *event_id, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT coalesce(event_id, 0) FROM alerts WHERE id = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "read alert");
    sqlite3_bind_int64(s, 1, alert_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *event_id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "没有预警 #%lld", (long long)alert_id);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "read alert");
    if (!*event_id)
        return jy_error_set(err, JY_EINVAL, "预警 #%lld 不属于任何事件（信源失联预警不能立单）",
                            (long long)alert_id);
    return 0;
}

/* Acknowledges the event's waiting alerts as part of opening its incident,
 * and gives the acknowledgement clock its start (the event's first alert
 * raised) and end (when that alert was acknowledged: earlier by someone, or
 * now). */
static int ack_event_alerts(struct store *st, const struct actor *a, int64_t event_id, int64_t now,
                            int64_t *ack_from, int64_t *acked_at, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE alerts SET acked_by = ?2, acked_at = ?3 WHERE event_id = ?1 AND "
                           "acked_at IS NULL RETURNING id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "acknowledge");
    sqlite3_bind_int64(s, 1, event_id);
    sqlite3_bind_text(s, 2, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof *ids);
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    rc = rc == SQLITE_DONE ? 0 : store_db_error(st, err, "acknowledge");
    for (size_t i = 0; !rc && i < n; i++)
        rc = store_audit_append(st, a->login, "alert.ack", "alert", ids[i], NULL,
                                "{\"via\":\"incident\"}", now, err);
    free(ids);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT raised_at, acked_at FROM alerts WHERE event_id = ?1 "
                           "ORDER BY raised_at, id LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "acknowledge");
    sqlite3_bind_int64(s, 1, event_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *ack_from = sqlite3_column_int64(s, 0);
        *acked_at = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return 0;
}

int store_incident_create(struct store *st, const struct actor *a,
                          const struct store_incident_new *n, const struct incident_config *ic,
                          int64_t now, int64_t *id, struct field_error *errs, size_t *n_errs,
                          struct jy_error *err)
{
    *id = 0;
    *n_errs = 0;
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct event_brief ev = {0};
    int64_t event_id = n->event_id;
    if (!event_id && n->alert_id)
        rc = alert_event(st, n->alert_id, &event_id, err);
    if (!rc && event_id)
        rc = event_brief(st, event_id, &ev, err);
    if (rc)
        goto done;

    struct incident x = {0};
    x.title = (char *)(n->title && *n->title ? n->title : ev.title);
    x.category = (char *)n->category;
    x.level = n->level ? n->level : ev.level;
    x.model_level = ev.level;
    x.officer = (char *)n->officer;
    x.departments = (char *)n->departments;
    x.origin = (char *)n->origin;
    x.started_at = n->started_at ? n->started_at : event_id ? ev.first_collected : now;
    if (x.level == 0 && event_id)
        x.level = 4; /* an ungraded event is handled as 一般 until assessed */
    *n_errs = incident_form_validate(FORM_HEADER, &x, ic, now, errs);
    if (*n_errs) {
        rc = jy_error_set_field(err, JY_EINVAL, errs[0].field, "%s", errs[0].msg);
        goto done;
    }
    char origin[64];
    if (!x.origin) {
        if (n->alert_id)
            snprintf(origin, sizeof origin, "预警 #%lld", (long long)n->alert_id);
        else if (event_id)
            snprintf(origin, sizeof origin, "事件 #%lld", (long long)event_id);
        else
            snprintf(origin, sizeof origin, "人工录入");
        x.origin = origin;
    }
    if (n->parent_id) {
        struct incident parent;
        if ((rc = store_incident_get(st, n->parent_id, &parent, err)))
            goto done;
        incident_clear(&parent);
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT INTO incidents (title, category, level, model_level, officer, "
            "departments, origin, event_id, alert_id, parent_id, started_at, "
            "acked_at, created_at, created_by, updated_at, updated_by) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?12, ?13)",
            -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "create incident");
        goto done;
    }
    sqlite3_bind_text(s, 1, x.title, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, x.category, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, x.level);
    sqlite3_bind_int(s, 4, x.model_level);
    bind_text_or_null(s, 5, x.officer);
    bind_text_or_null(s, 6, x.departments);
    bind_text_or_null(s, 7, x.origin);
    if (event_id)
        sqlite3_bind_int64(s, 8, event_id);
    if (n->alert_id)
        sqlite3_bind_int64(s, 9, n->alert_id);
    if (n->parent_id)
        sqlite3_bind_int64(s, 10, n->parent_id);
    sqlite3_bind_int64(s, 11, x.started_at);
    sqlite3_bind_int64(s, 12, now);
    sqlite3_bind_text(s, 13, a->login, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        rc = store_db_error(st, err, "create incident");
        goto done;
    }
    rc = 0;
    *id = sqlite3_last_insert_rowid(st->db);
    if (event_id) {
        if (sqlite3_prepare_v2(
                st->db, "INSERT INTO incident_events (incident_id, event_id) VALUES (?1, ?2)", -1,
                &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "link event");
            goto done;
        }
        sqlite3_bind_int64(s, 1, *id);
        sqlite3_bind_int64(s, 2, event_id);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "link event");
        sqlite3_finalize(s);
        int64_t ack_from = 0, acked_at = 0;
        if (!rc)
            rc = ack_event_alerts(st, a, event_id, now, &ack_from, &acked_at, err);
        if (!rc && ack_from &&
            sqlite3_prepare_v2(st->db,
                               "UPDATE incidents SET ack_from = ?2, acked_at = ?3 WHERE id = ?1",
                               -1, &s, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, *id);
            sqlite3_bind_int64(s, 2, ack_from);
            sqlite3_bind_int64(s, 3, acked_at ? acked_at : now);
            rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "acknowledge");
            sqlite3_finalize(s);
        }
        if (rc)
            goto done;
    }
    if (n->item_id) {
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO incident_items (incident_id, item_id) VALUES (?1, ?2)",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "link item");
            goto done;
        }
        sqlite3_bind_int64(s, 1, *id);
        sqlite3_bind_int64(s, 2, n->item_id);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "link item");
        sqlite3_finalize(s);
        if (rc)
            goto done;
    }
    rc = audit_incident(st, a, "incident.create", *id, NULL, now, err);
done:
    free(ev.title);
    rc = store_write_end(st, nested, rc, err);
    if (rc)
        *id = 0;
    return rc;
}

/* ---- forms ------------------------------------------------------------------- */

/* Which forms may be saved in which state. */
static int form_allowed(enum inc_form form, enum inc_state state, struct jy_error *err)
{
    if (state == INC_CLOSED && form != FORM_CLOSURE)
        return jy_error_set(err, JY_ESTATE, "工单已办结；须先重新打开");
    switch (form) {
    case FORM_VERIFICATION:
        if (state < INC_VERIFICATION)
            return jy_error_set(err, JY_ESTATE, "尚未进入「核查」");
        break;
    case FORM_CLOSURE:
        if (state != INC_FOLLOWUP)
            return jy_error_set(err, JY_ESTATE, "只有「跟踪」中的工单可以填写办结表");
        break;
    default:
        break;
    }
    return 0;
}

int store_incident_save(struct store *st, const struct actor *a, enum inc_form form,
                        const struct incident *in, const struct incident_config *ic, int64_t now,
                        struct field_error *errs, size_t *n_errs, struct incident *theirs,
                        struct jy_error *err)
{
    *n_errs = 0;
    if (theirs)
        memset(theirs, 0, sizeof *theirs);
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    const char *sql = NULL;
    switch (form) {
    case FORM_HEADER:
        /* the level is graded in 研判, with its reason */
        sql = "UPDATE incidents SET title = ?3, category = ?4, officer = ?6, departments = ?7, "
              "origin = ?8";
        break;
    case FORM_ASSESSMENT:
        /* the model's level as it is now (the event may have risen since
         * the incident was opened) */
        sql = "UPDATE incidents SET level = ?3, level_reason = ?4, strategy = ?5, "
              "reported_up = ?6, reported_at = ?7, model_level = coalesce(?8, model_level)";
        break;
    case FORM_VERIFICATION:
        sql = "UPDATE incidents SET facts = ?3, evidence = ?4, legal_opinion = ?5, legal_by = ?6, "
              "verified_by = ?7, verified_at = ?8";
        break;
    case FORM_CLOSURE:
        sql = "UPDATE incidents SET outcome = ?3, effective = ?4, effective_why = ?5, "
              "secondary = ?6, lessons = ?7, satisfaction = ?8";
        break;
    default:
        return jy_error_set(err, JY_EINVAL, "「%s」不是工单上的表单", inc_form_label(form));
    }
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct incident cur;
    char *before = NULL;
    if ((rc = store_incident_get(st, in->id, &cur, err)))
        return store_write_end(st, nested, rc, err);
    if (cur.version != in->version) {
        rc = jy_error_set(err, JY_ECONFLICT,
                          "工单 #%lld 已被 %s 修改（版本 %lld，你编辑的是版本 %lld）",
                          (long long)cur.id, cur.updated_by ? cur.updated_by : "?",
                          (long long)cur.version, (long long)in->version);
        if (theirs)
            *theirs = cur;
        else
            incident_clear(&cur);
        return store_write_end(st, nested, rc, err);
    }
    /* the model's level is the store's, whatever the caller's copy says */
    struct incident chk = *in;
    chk.model_level = cur.model_level;
    chk.started_at = cur.started_at;
    int model_now = 0;
    if (form == FORM_ASSESSMENT &&
        (rc = store_grading_model_level(st, cur.event_id, &model_now, err)))
        goto done;
    if (model_now)
        chk.model_level = model_now;
    if ((rc = form_allowed(form, cur.state, err)))
        goto done;
    *n_errs = incident_form_validate(form, &chk, ic, now, errs);
    if (*n_errs) {
        rc = jy_error_set_field(err, JY_EINVAL, errs[0].field, "%s", errs[0].msg);
        goto done;
    }
    before = snapshot(st, in->id);
    char *full = xasprintf("%s, version = version + 1, updated_at = ?9, updated_by = ?10 "
                           "WHERE id = ?1 AND version = ?2",
                           sql);
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(st->db, full, -1, &s, NULL);
    free(full);
    if (rc != SQLITE_OK) {
        rc = store_db_error(st, err, "save incident");
        goto done;
    }
    sqlite3_bind_int64(s, 1, in->id);
    sqlite3_bind_int64(s, 2, in->version);
    sqlite3_bind_int64(s, 9, now);
    sqlite3_bind_text(s, 10, a->login, -1, SQLITE_STATIC);
    switch (form) {
    case FORM_HEADER:
        bind_text_or_null(s, 3, in->title);
        bind_text_or_null(s, 4, in->category);
        bind_text_or_null(s, 6, in->officer);
        bind_text_or_null(s, 7, in->departments);
        bind_text_or_null(s, 8, in->origin);
        break;
    case FORM_ASSESSMENT:
        sqlite3_bind_int(s, 3, in->level);
        bind_text_or_null(s, 4, in->level_reason);
        bind_text_or_null(s, 5, in->strategy);
        sqlite3_bind_int(s, 6, in->reported_up);
        if (in->reported_up && in->reported_at)
            sqlite3_bind_int64(s, 7, in->reported_at);
        if (model_now)
            sqlite3_bind_int(s, 8, model_now);
        break;
    case FORM_VERIFICATION:
        bind_text_or_null(s, 3, in->facts);
        bind_text_or_null(s, 4, in->evidence);
        bind_text_or_null(s, 5, in->legal_opinion);
        bind_text_or_null(s, 6, in->legal_by);
        bind_text_or_null(s, 7, in->verified_by);
        sqlite3_bind_int64(s, 8, in->verified_at ? in->verified_at : now);
        break;
    case FORM_CLOSURE:
        bind_text_or_null(s, 3, in->outcome);
        sqlite3_bind_int(s, 4, in->effective);
        bind_text_or_null(s, 5, in->effective_why);
        bind_text_or_null(s, 6, in->secondary);
        bind_text_or_null(s, 7, in->lessons);
        sqlite3_bind_int(s, 8, in->satisfaction);
        break;
    default:
        break;
    }
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        rc = store_db_error(st, err, "save incident");
        goto done;
    }
    char action[48];
    static const char *const form_keys[] = {"header",  "assessment", "response", "verification",
                                            "release", "closure",    "task"};
    snprintf(action, sizeof action, "incident.save.%s", form_keys[form]);
    rc = audit_incident(st, a, action, in->id, before, now, err);
    /* an officer's regrade teaches: the differing level is a label */
    if (!rc && form == FORM_ASSESSMENT)
        rc = store_grading_record(st, a->login, in->id, cur.event_id, in->level, in->level_reason,
                                  now, err);
done:
    free(before);
    incident_clear(&cur);
    return store_write_end(st, nested, rc, err);
}

/* ---- transitions ---------------------------------------------------------------- */

int store_incident_transition(struct store *st, const struct actor *a, int64_t id, int64_t version,
                              enum inc_state to, const char *reason, int64_t now,
                              struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct incident cur;
    if ((rc = store_incident_get(st, id, &cur, err)))
        return store_write_end(st, nested, rc, err);
    char *before = NULL;
    if (version && cur.version != version) {
        rc = jy_error_set(err, JY_ECONFLICT, "工单 #%lld 已被 %s 修改（版本 %lld）", (long long)id,
                          cur.updated_by ? cur.updated_by : "?", (long long)cur.version);
        goto done;
    }
    if (to == INC_RELEASED && cur.state == INC_APPROVAL) {
        rc = jy_error_set(err, JY_ESTATE, "请通过「发布」登记发布时间、渠道和链接");
        goto done;
    }
    struct inc_facts f = incident_facts(&cur);
    enum inc_move move;
    if ((rc = incident_transition_check(&f, to, a, reason, &move, err)))
        goto done;
    before = snapshot(st, id);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE incidents SET state = ?2, version = version + 1, updated_at = "
                           "?3, updated_by = ?4, closed_at = CASE WHEN ?2 = 6 THEN ?3 ELSE NULL "
                           "END, reopened = reopened + (?5 = 2), effective = CASE WHEN ?5 = 2 "
                           "THEN -1 ELSE effective END WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "transition");
        goto done;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, (int)to);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, (int)move);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "transition");
    sqlite3_finalize(s);
    if (rc)
        goto done;
    /* back to verification: a draft under review goes back to drafting, its
     * approval void */
    if (to == INC_VERIFICATION) {
        sqlite3_stmt *r = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE releases SET status = 'draft', approver = NULL, decided_at "
                               "= NULL WHERE incident_id = ?1 AND status IN ('submitted', "
                               "'approved') RETURNING id, json_object('status', 'draft', "
                               "'reason', 'incident returned to verification')",
                               -1, &r, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "transition");
            goto done;
        }
        sqlite3_bind_int64(r, 1, id);
        struct reset {
            int64_t id;
            char *after;
        } *v = NULL;
        size_t n = 0;
        int step;
        while ((step = sqlite3_step(r)) == SQLITE_ROW) {
            v = xrealloc(v, (n + 1) * sizeof *v);
            v[n].id = sqlite3_column_int64(r, 0);
            v[n++].after = store_col_text(r, 1);
        }
        sqlite3_finalize(r);
        rc = step == SQLITE_DONE ? 0 : store_db_error(st, err, "transition");
        for (size_t i = 0; i < n; i++) {
            if (!rc)
                rc = store_audit_append(st, a->login, "release.reset", "release", v[i].id, NULL,
                                        v[i].after, now, err);
            free(v[i].after);
        }
        free(v);
        if (rc)
            goto done;
    }
    char action[64];
    snprintf(action, sizeof action, "incident.%s.%s",
             move == MOVE_FORWARD  ? "advance"
             : move == MOVE_RETURN ? "return"
                                   : "reopen",
             inc_state_name(to));
    char *after = snapshot(st, id);
    /* the reason travels in the after-image's sibling: a small JSON object */
    char *why = NULL;
    if (reason && *reason) {
        sqlite3_stmt *j = NULL;
        if (sqlite3_prepare_v2(st->db, "SELECT json_set(?1, '$.reason', ?2)", -1, &j, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(j, 1, after ? after : "{}", -1, SQLITE_STATIC);
            sqlite3_bind_text(j, 2, reason, -1, SQLITE_STATIC);
            if (sqlite3_step(j) == SQLITE_ROW)
                why = store_col_text(j, 0);
            sqlite3_finalize(j);
        }
    }
    rc = store_audit_append(st, a->login, action, "incident", id, before, why ? why : after, now,
                            err);
    free(after);
    free(why);
done:
    free(before);
    incident_clear(&cur);
    return store_write_end(st, nested, rc, err);
}

int store_exec_id(struct store *st, const char *sql, int64_t id, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "update");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "update");
}

/* ---- responses --------------------------------------------------------------- */

int store_response_add(struct store *st, const struct actor *a, int64_t incident_id,
                       const char *channel, const char *content, int64_t responded_at, int64_t now,
                       int64_t *id, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (!inc_channel_known(inc_response_channels, inc_n_response_channels, channel))
        return jy_error_set_field(err, JY_EINVAL, "channel", "没有「%s」这个回应渠道",
                                  channel ? channel : "");
    if (inc_blank(content))
        return jy_error_set_field(err, JY_EINVAL, "content", "必填");
    if (strlen(content) > 20000)
        return jy_error_set_field(err, JY_EINVAL, "content", "太长（最多 20000 字节）");
    if (!responded_at)
        responded_at = now;
    if (responded_at > now + 60)
        return jy_error_set_field(err, JY_EINVAL, "responded_at", "不能晚于现在");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct incident cur;
    if ((rc = store_incident_get(st, incident_id, &cur, err)))
        return store_write_end(st, nested, rc, err);
    if (cur.state == INC_CLOSED)
        rc = jy_error_set(err, JY_ESTATE, "工单已办结；须先重新打开");
    else if (responded_at < cur.started_at - 60)
        rc = jy_error_set_field(err, JY_EINVAL, "responded_at", "不能早于工单开始");
    incident_clear(&cur);
    if (rc)
        return store_write_end(st, nested, rc, err);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO responses (incident_id, channel, content, responded_at, "
                           "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                           "RETURNING id, json_object('channel', channel, 'content', content, "
                           "'responded_at', responded_at)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "add response"), err);
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, content, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, responded_at);
    sqlite3_bind_text(s, 5, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    char *after = NULL;
    int64_t rid = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        rid = sqlite3_column_int64(s, 0);
        after = store_col_text(s, 1);
    }
    rc = sqlite3_step(s) == SQLITE_DONE && rid ? 0 : store_db_error(st, err, "add response");
    sqlite3_finalize(s);
    if (!rc)
        rc = store_audit_append(st, a->login, "response.add", "incident", incident_id, NULL, after,
                                now, err);
    free(after);
    if (id)
        *id = rc ? 0 : rid;
    return store_write_end(st, nested, rc, err);
}

int store_responses_list(struct store *st, int64_t incident_id, struct store_response **out,
                         size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(
            st->db,
            "SELECT id, incident_id, channel, content, created_by, responded_at, "
            "created_at FROM responses WHERE incident_id = ?1 ORDER BY responded_at, id",
            -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list responses");
    sqlite3_bind_int64(s, 1, incident_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct store_response *r = &(*out)[(*n)++];
        r->id = sqlite3_column_int64(s, 0);
        r->incident_id = sqlite3_column_int64(s, 1);
        r->channel = store_col_text(s, 2);
        r->content = store_col_text(s, 3);
        r->created_by = store_col_text(s, 4);
        r->responded_at = sqlite3_column_int64(s, 5);
        r->created_at = sqlite3_column_int64(s, 6);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_responses_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "list responses");
    }
    return 0;
}

void store_responses_free(struct store_response *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].channel);
        free(v[i].content);
        free(v[i].created_by);
    }
    free(v);
}

/* ---- tasks (协同联动) ---------------------------------------------------------- */

int store_task_add(struct store *st, const struct actor *a, int64_t incident_id,
                   const char *department, const char *description, int64_t due_at,
                   const struct incident_config *ic, int64_t now, int64_t *id, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (!inc_channel_known((const char *const *)ic->departments, ic->n_departments, department))
        return jy_error_set_field(err, JY_EINVAL, "department", "没有「%s」这个部门",
                                  department ? department : "");
    if (inc_blank(description))
        return jy_error_set_field(err, JY_EINVAL, "description", "必填");
    if (due_at <= now)
        return jy_error_set_field(err, JY_EINVAL, "due_at", "须晚于现在");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct incident cur;
    if ((rc = store_incident_get(st, incident_id, &cur, err)))
        return store_write_end(st, nested, rc, err);
    bool closed = cur.state == INC_CLOSED;
    incident_clear(&cur);
    if (closed)
        return store_write_end(st, nested, jy_error_set(err, JY_ESTATE, "工单已办结"), err);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO tasks (incident_id, department, description, due_at, "
                           "assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING "
                           "id, json_object('department', department, 'description', "
                           "description, 'due_at', due_at)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "add task"), err);
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_text(s, 2, department, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, due_at);
    sqlite3_bind_text(s, 5, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    char *after = NULL;
    int64_t tid = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        tid = sqlite3_column_int64(s, 0);
        after = store_col_text(s, 1);
    }
    rc = sqlite3_step(s) == SQLITE_DONE && tid ? 0 : store_db_error(st, err, "add task");
    sqlite3_finalize(s);
    if (!rc)
        rc = store_audit_append(st, a->login, "task.add", "task", tid, NULL, after, now, err);
    free(after);
    if (id)
        *id = rc ? 0 : tid;
    return store_write_end(st, nested, rc, err);
}

int store_task_feedback(struct store *st, const struct actor *a, int64_t task_id,
                        const char *feedback, int64_t now, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (inc_blank(feedback))
        return jy_error_set_field(err, JY_EINVAL, "feedback", "必填");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE tasks SET feedback = ?2, feedback_by = ?3, feedback_at = ?4 "
                           "WHERE id = ?1 RETURNING json_object('feedback', feedback)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "task feedback"), err);
    sqlite3_bind_int64(s, 1, task_id);
    sqlite3_bind_text(s, 2, feedback, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    char *after = NULL;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        after = store_col_text(s, 0);
    if (step == SQLITE_ROW)
        step = sqlite3_step(s);
    sqlite3_finalize(s);
    if (step != SQLITE_DONE)
        rc = store_db_error(st, err, "task feedback");
    else if (!after)
        rc = jy_error_set(err, JY_ENOTFOUND, "没有任务 #%lld", (long long)task_id);
    else
        rc = store_audit_append(st, a->login, "task.feedback", "task", task_id, NULL, after, now,
                                err);
    free(after);
    return store_write_end(st, nested, rc, err);
}

int store_tasks_list(struct store *st, int64_t incident_id, struct store_task **out, size_t *n,
                     struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, incident_id, department, description, assigned_by, "
                           "feedback, feedback_by, due_at, assigned_at, coalesce(feedback_at, 0) "
                           "FROM tasks WHERE incident_id = ?1 ORDER BY due_at, id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list tasks");
    sqlite3_bind_int64(s, 1, incident_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct store_task *t = &(*out)[(*n)++];
        t->id = sqlite3_column_int64(s, 0);
        t->incident_id = sqlite3_column_int64(s, 1);
        t->department = store_col_text(s, 2);
        t->description = store_col_text(s, 3);
        t->assigned_by = store_col_text(s, 4);
        t->feedback = store_col_text(s, 5);
        t->feedback_by = store_col_text(s, 6);
        t->due_at = sqlite3_column_int64(s, 7);
        t->assigned_at = sqlite3_column_int64(s, 8);
        t->feedback_at = sqlite3_column_int64(s, 9);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_tasks_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "list tasks");
    }
    return 0;
}

void store_tasks_free(struct store_task *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].department);
        free(v[i].description);
        free(v[i].assigned_by);
        free(v[i].feedback);
        free(v[i].feedback_by);
    }
    free(v);
}

/* ---- links ---------------------------------------------------------------------- */

int store_incident_link(struct store *st, const struct actor *a, int64_t id, int64_t event_id,
                        int64_t item_id, int64_t now, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if ((event_id != 0) == (item_id != 0))
        return jy_error_set(err, JY_EINVAL, "须指定一个事件或一条信息");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    struct incident cur;
    if ((rc = store_incident_get(st, id, &cur, err)))
        return store_write_end(st, nested, rc, err);
    incident_clear(&cur);
    const char *check =
        event_id ? "SELECT 1 FROM events WHERE id = ?1" : "SELECT 1 FROM items WHERE id = ?1";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, check, -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "link"), err);
    sqlite3_bind_int64(s, 1, event_id ? event_id : item_id);
    int step = sqlite3_step(s);
    sqlite3_finalize(s);
    if (step != SQLITE_ROW)
        return store_write_end(st, nested,
                               jy_error_set(err, JY_ENOTFOUND, "没有%s #%lld",
                                            event_id ? "事件" : "信息",
                                            (long long)(event_id ? event_id : item_id)),
                               err);
    const char *sql = event_id ? "INSERT OR IGNORE INTO incident_events (incident_id, event_id) "
                                 "VALUES (?1, ?2)"
                               : "INSERT OR IGNORE INTO incident_items (incident_id, item_id) "
                                 "VALUES (?1, ?2)";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "link"), err);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, event_id ? event_id : item_id);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "link");
    bool added = sqlite3_changes(st->db) > 0;
    sqlite3_finalize(s);
    if (!rc && added) {
        char after[64];
        snprintf(after, sizeof after, "{\"%s\":%lld}", event_id ? "event_id" : "item_id",
                 (long long)(event_id ? event_id : item_id));
        rc = store_audit_append(st, a->login, "incident.link", "incident", id, NULL, after, now,
                                err);
    }
    return store_write_end(st, nested, rc, err);
}

static char *id_list(struct store *st, const char *sql, int64_t id)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW)
            out = store_col_text(s, 0);
        sqlite3_finalize(s);
    }
    return out ? out : xstrdup("");
}

int store_incident_links(struct store *st, int64_t id, char **events, char **items,
                         struct jy_error *err)
{
    (void)err;
    *events = id_list(st,
                      "SELECT group_concat('#' || event_id, '、') FROM (SELECT event_id FROM "
                      "incident_events WHERE incident_id = ?1 ORDER BY event_id)",
                      id);
    *items = id_list(st,
                     "SELECT group_concat('#' || item_id, '、') FROM (SELECT item_id FROM "
                     "incident_items WHERE incident_id = ?1 ORDER BY item_id)",
                     id);
    return 0;
}

int store_incident_close(struct store *st, const struct actor *a, const struct incident *in,
                         const struct incident_config *ic, int64_t now, struct field_error *errs,
                         size_t *n_errs, struct incident *theirs, struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    rc = store_incident_save(st, a, FORM_CLOSURE, in, ic, now, errs, n_errs, theirs, err);
    if (!rc)
        rc = store_incident_transition(st, a, in->id, 0, INC_CLOSED, NULL, now, err);
    return store_write_end(st, nested, rc, err);
}
