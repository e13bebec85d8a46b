/* releases.c: statements and their approval (发布审批).
 *
 * A release is drafted (every version kept), submitted, then approved or
 * returned by an approver who wrote no version of it; only an approved
 * release can be published, and publishing moves the incident to 发布 in
 * the same transaction. A published release can later be marked corrected
 * or retracted (that feeds 发布准确率). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define REL_COLS                                                                                    \
    "r.id, r.incident_id, r.seq, r.final, r.status, "                                               \
    "(SELECT max(version) FROM release_versions v WHERE v.release_id = r.id), "                     \
    "(SELECT text FROM release_versions v WHERE v.release_id = r.id ORDER BY version DESC "         \
    "  LIMIT 1), "                                                                                  \
    "(SELECT group_concat(w, '、') FROM (SELECT DISTINCT written_by AS w FROM release_versions v " \
    "  WHERE v.release_id = r.id ORDER BY v.version)), "                                            \
    "r.approver, "                                                                                  \
    "(SELECT comment FROM release_reviews x WHERE x.release_id = r.id ORDER BY x.id DESC LIMIT "    \
    "1), "                                                                                          \
    "coalesce(r.decided_at, 0), coalesce(r.published_at, 0), r.channel, r.link, r.correction, "     \
    "r.correction_reason, coalesce(r.corrected_at, 0)"

static void release_read(sqlite3_stmt *s, struct store_release *r)
{
    memset(r, 0, sizeof *r);
    int c = 0;
    r->id = sqlite3_column_int64(s, c++);
    r->incident_id = sqlite3_column_int64(s, c++);
    r->seq = sqlite3_column_int(s, c++);
    r->final = sqlite3_column_int(s, c++) != 0;
    r->status = store_col_text(s, c++);
    r->version = sqlite3_column_int(s, c++);
    r->text = store_col_text(s, c++);
    r->drafters = store_col_text(s, c++);
    r->approver = store_col_text(s, c++);
    r->comment = store_col_text(s, c++);
    r->decided_at = sqlite3_column_int64(s, c++);
    r->published_at = sqlite3_column_int64(s, c++);
    r->channel = store_col_text(s, c++);
    r->link = store_col_text(s, c++);
    r->correction = store_col_text(s, c++);
    r->correction_reason = store_col_text(s, c++);
    r->corrected_at = sqlite3_column_int64(s, c++);
}

static void release_clear(struct store_release *r)
{
    free(r->status);
    free(r->text);
    free(r->drafters);
    free(r->approver);
    free(r->comment);
    free(r->channel);
    free(r->link);
    free(r->correction);
    free(r->correction_reason);
    memset(r, 0, sizeof *r);
}

void store_releases_free(struct store_release *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        release_clear(&v[i]);
    free(v);
}

static int release_get(struct store *st, int64_t id, struct store_release *out,
                       struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " REL_COLS " FROM releases r WHERE r.id = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "read release");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        release_read(s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "没有通报稿 #%lld", (long long)id);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read release");
}

int store_releases_list(struct store *st, int64_t incident_id, struct store_release **out,
                        size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT " REL_COLS " FROM releases r WHERE r.incident_id = ?1 "
                           "ORDER BY r.seq",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list releases");
    sqlite3_bind_int64(s, 1, incident_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        release_read(s, &(*out)[(*n)++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_releases_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "list releases");
    }
    return 0;
}

static void json_str_or_null(struct jy_buf *b, const char *s)
{
    if (s)
        jy_buf_json_str(b, s);
    else
        jy_buf_puts(b, "null");
}

static char *release_json(const struct store_release *r)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "{");
    jy_buf_json_key(&b, "seq", true);
    jy_buf_json_int(&b, r->seq);
    jy_buf_json_key(&b, "status", false);
    jy_buf_json_str(&b, r->status ? r->status : "");
    jy_buf_json_key(&b, "version", false);
    jy_buf_json_int(&b, r->version);
    jy_buf_json_key(&b, "final", false);
    jy_buf_puts(&b, r->final ? "true" : "false");
    if (r->approver) {
        jy_buf_json_key(&b, "approver", false);
        jy_buf_json_str(&b, r->approver);
    }
    if (r->published_at) {
        jy_buf_json_key(&b, "published_at", false);
        jy_buf_json_int(&b, r->published_at);
        jy_buf_json_key(&b, "channel", false);
        json_str_or_null(&b, r->channel);
        jy_buf_json_key(&b, "link", false);
        json_str_or_null(&b, r->link);
    }
    if (r->correction) {
        jy_buf_json_key(&b, "correction", false);
        jy_buf_json_str(&b, r->correction);
        jy_buf_json_key(&b, "reason", false);
        json_str_or_null(&b, r->correction_reason);
    }
    jy_buf_puts(&b, "}");
    return jy_buf_steal(&b);
}

/* Audits a change to release id, whose state before was `before` (NULL for
 * a new one); text (when not NULL) is the version just written, which
 * goes into the after-image. */
static int audit_release(struct store *st, const struct actor *a, const char *action, int64_t id,
                         const char *before, const char *text, int64_t now, struct jy_error *err)
{
    struct store_release r;
    int rc = release_get(st, id, &r, err);
    if (rc)
        return rc;
    char *after = release_json(&r);
    if (text) {
        /* the version's text goes into the trail too: the trail alone can
         * show what was approved */
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_append(&b, after, strlen(after) - 1);
        jy_buf_json_key(&b, "text", false);
        jy_buf_json_str(&b, text);
        jy_buf_puts(&b, "}");
        free(after);
        after = jy_buf_steal(&b);
    }
    rc = store_audit_append(st, a->login, action, "release", id, before, after, now, err);
    free(after);
    release_clear(&r);
    return rc;
}

static int incident_state(struct store *st, int64_t incident_id, enum inc_state *state,
                          struct jy_error *err)
{
    struct incident cur;
    int rc = store_incident_get(st, incident_id, &cur, err);
    if (rc)
        return rc;
    *state = cur.state;
    incident_clear(&cur);
    return 0;
}

int store_release_draft(struct store *st, const struct actor *a, int64_t incident_id,
                        const char *text, bool final, int64_t now, int64_t *release_id,
                        struct jy_error *err)
{
    *release_id = 0;
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (inc_blank(text))
        return jy_error_set_field(err, JY_EINVAL, "text", "通报稿不能为空");
    if (strlen(text) > 50000)
        return jy_error_set_field(err, JY_EINVAL, "text", "太长（最多 50000 字节）");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    enum inc_state state = INC_ASSESSMENT;
    if ((rc = incident_state(st, incident_id, &state, err)))
        return store_write_end(st, nested, rc, err);
    if (state != INC_VERIFICATION && state != INC_APPROVAL && state != INC_FOLLOWUP) {
        rc = jy_error_set(err, JY_ESTATE, "「%s」阶段不能起草通报（须在核查、审批或跟踪阶段）",
                          inc_state_label(state));
        return store_write_end(st, nested, rc, err);
    }
    /* the open release: the newest one not yet published */
    sqlite3_stmt *s = NULL;
    int64_t id = 0;
    char *status = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, status FROM releases WHERE incident_id = ?1 AND "
                           "status <> 'published' ORDER BY seq DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "draft"), err);
    sqlite3_bind_int64(s, 1, incident_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        status = store_col_text(s, 1);
    }
    sqlite3_finalize(s);
    char *before = NULL;
    const char *action = "release.draft";
    if (id && !strcmp(status, "submitted")) {
        rc = jy_error_set(err, JY_ESTATE, "通报稿已提交审批，等审批领导决定后才能修改");
        goto done;
    }
    if (id) {
        struct store_release r;
        if ((rc = release_get(st, id, &r, err)))
            goto done;
        before = release_json(&r);
        release_clear(&r);
        if (!strcmp(status, "approved"))
            action = "release.draft.withdraw-approval";
        /* a new version is a draft again: any approval was of the old text */
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE releases SET status = 'draft', approver = NULL, "
                               "decided_at = NULL, final = ?2 WHERE id = ?1",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "draft");
        } else {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int(s, 2, final);
            rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "draft");
            sqlite3_finalize(s);
        }
        if (rc)
            goto done;
    } else {
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO releases (incident_id, seq, final, status, created_at) "
                               "SELECT ?1, coalesce(max(seq), 0) + 1, ?2, 'draft', ?3 FROM "
                               "releases WHERE incident_id = ?1",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "draft");
            goto done;
        }
        sqlite3_bind_int64(s, 1, incident_id);
        sqlite3_bind_int(s, 2, final);
        sqlite3_bind_int64(s, 3, now);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "draft");
        sqlite3_finalize(s);
        if (rc)
            goto done;
        id = sqlite3_last_insert_rowid(st->db);
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO release_versions (release_id, version, text, written_by, "
                           "written_at, written_by_id) SELECT ?1, coalesce(max(version), 0) + 1, "
                           "?2, ?3, ?4, ?5 FROM release_versions WHERE release_id = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "draft");
        goto done;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    if (a->person_id)
        sqlite3_bind_int64(s, 5, a->person_id);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "draft");
    sqlite3_finalize(s);
    if (!rc)
        rc = audit_release(st, a, action, id, before, text, now, err);
done:
    free(status);
    free(before);
    rc = store_write_end(st, nested, rc, err);
    if (!rc)
        *release_id = id;
    return rc;
}

/* Sets a release's status (and reviewer) and records the review. */
static int review(struct store *st, const struct actor *a, const struct store_release *r,
                  const char *decision, const char *status, const char *comment, int64_t now,
                  struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    bool decided = strcmp(decision, "submitted") != 0;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE releases SET status = ?2, approver = CASE WHEN ?5 THEN ?3 ELSE "
                           "approver END, decided_at = CASE WHEN ?5 THEN ?4 ELSE decided_at END "
                           "WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "review");
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int(s, 5, decided);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "review");
    sqlite3_finalize(s);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO release_reviews (release_id, version, decision, by_login, "
                           "at, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "review");
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_int(s, 2, r->version);
    sqlite3_bind_text(s, 3, decision, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, a->login, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    if (comment && *comment)
        sqlite3_bind_text(s, 6, comment, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "review");
    sqlite3_finalize(s);
    return rc;
}

/* Opens a write on release id: the release and its incident's state. */
static int release_begin(struct store *st, const struct actor *a, int64_t id, bool *nested,
                         struct store_release *r, enum inc_state *state, struct jy_error *err)
{
    memset(r, 0, sizeof *r);
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if ((rc = store_write_begin(st, nested, err)))
        return rc;
    if ((rc = release_get(st, id, r, err)) ||
        (rc = incident_state(st, r->incident_id, state, err))) {
        release_clear(r);
        return store_write_end(st, *nested, rc, err);
    }
    return 0;
}

/* Whether the person acting wrote any version of release id: compared by
 * person id, never by names (a login may hold any character, "、" too). */
static int wrote_a_version(struct store *st, int64_t id, const struct actor *a, bool *wrote,
                           struct jy_error *err)
{
    *wrote = false;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM release_versions WHERE release_id = ?1 AND "
                           "(written_by_id = ?2 OR (written_by_id IS NULL AND written_by = ?3)) "
                           "LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read release versions");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, a->person_id);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "read release versions");
    *wrote = rc == SQLITE_ROW;
    return 0;
}

int store_release_submit(struct store *st, const struct actor *a, int64_t release_id, int64_t now,
                         struct jy_error *err)
{
    bool nested;
    struct store_release r;
    enum inc_state state = INC_ASSESSMENT;
    int rc = release_begin(st, a, release_id, &nested, &r, &state, err);
    if (rc)
        return rc;
    char *before = release_json(&r);
    if (state != INC_APPROVAL)
        rc = jy_error_set(err, JY_ESTATE, "工单须处于「审批」才能提交（现为「%s」）",
                          inc_state_label(state));
    else if (strcmp(r.status, "draft"))
        rc = jy_error_set(err, JY_ESTATE, "只有草稿可以提交（此稿为 %s）", r.status);
    else
        rc = review(st, a, &r, "submitted", "submitted", NULL, now, err);
    if (!rc)
        rc = audit_release(st, a, "release.submit", release_id, before, NULL, now, err);
    free(before);
    release_clear(&r);
    return store_write_end(st, nested, rc, err);
}

int store_release_decide(struct store *st, const struct actor *a, int64_t release_id, bool approve,
                         const char *comment, int64_t now, struct jy_error *err)
{
    bool nested;
    struct store_release r;
    enum inc_state state = INC_ASSESSMENT;
    int rc = release_begin(st, a, release_id, &nested, &r, &state, err);
    if (rc)
        return rc;
    char *before = release_json(&r);
    bool wrote = false;
    if (!actor_has(a, ROLE_APPROVER))
        rc = jy_error_set(err, JY_EPERM, "只有审批领导可以审批（%s 没有审批权限）", a->name);
    else if ((rc = wrote_a_version(st, release_id, a, &wrote, err)))
        ;
    else if (wrote)
        rc = jy_error_set(err, JY_EPERM, "起草人不能审批自己起草的通报稿");
    else if (strcmp(r.status, "submitted"))
        rc = jy_error_set(err, JY_ESTATE, "此稿未提交审批（现为 %s）", r.status);
    else if (state != INC_APPROVAL)
        rc = jy_error_set(err, JY_ESTATE, "工单不在「审批」阶段（现为「%s」）",
                          inc_state_label(state));
    else if (!approve && inc_blank(comment))
        rc = jy_error_set_field(err, JY_EINVAL, "comment", "退回须写明意见");
    else
        rc = review(st, a, &r, approve ? "approved" : "returned", approve ? "approved" : "draft",
                    comment, now, err);
    if (!rc)
        rc = audit_release(st, a, approve ? "release.approve" : "release.return", release_id,
                           before, NULL, now, err);
    free(before);
    release_clear(&r);
    return store_write_end(st, nested, rc, err);
}

int store_release_publish(struct store *st, const struct actor *a, int64_t release_id,
                          int64_t published_at, const char *channel, const char *link, int64_t now,
                          struct jy_error *err)
{
    if (!inc_channel_known(inc_release_channels, inc_n_release_channels, channel))
        return jy_error_set_field(err, JY_EINVAL, "channel", "没有「%s」这个发布渠道",
                                  channel ? channel : "");
    if (!published_at)
        published_at = now;
    if (published_at > now + 60)
        return jy_error_set_field(err, JY_EINVAL, "published_at", "不能晚于现在");
    if (link && strlen(link) > 2000)
        return jy_error_set_field(err, JY_EINVAL, "link", "太长");
    bool nested;
    struct store_release r;
    enum inc_state state = INC_ASSESSMENT;
    int rc = release_begin(st, a, release_id, &nested, &r, &state, err);
    if (rc)
        return rc;
    char *before = release_json(&r);
    char *inc_before = NULL;
    if (strcmp(r.status, "approved"))
        rc = jy_error_set(err, JY_ESTATE, "通报稿未经审批通过，不能发布");
    else if (state != INC_APPROVAL)
        rc = jy_error_set(err, JY_ESTATE, "工单不在「审批」阶段（现为「%s」）",
                          inc_state_label(state));
    else if (published_at < r.decided_at - 60) /* typed to the minute */
        rc = jy_error_set_field(err, JY_EINVAL, "published_at", "不能早于批准时间");
    if (rc)
        goto done;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE releases SET status = 'published', published_at = ?2, "
                           "channel = ?3, link = ?4 WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "publish");
        goto done;
    }
    sqlite3_bind_int64(s, 1, release_id);
    sqlite3_bind_int64(s, 2, published_at);
    sqlite3_bind_text(s, 3, channel, -1, SQLITE_STATIC);
    if (link && *link)
        sqlite3_bind_text(s, 4, link, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "publish");
    sqlite3_finalize(s);
    if (!rc)
        rc = audit_release(st, a, "release.publish", release_id, before, NULL, now, err);
    if (rc)
        goto done;
    /* the incident moves to 发布 with it */
    struct incident cur;
    if ((rc = store_incident_get(st, r.incident_id, &cur, err)))
        goto done;
    cur.release_approved = true; /* as it was before this publication */
    struct inc_facts f = incident_facts(&cur);
    incident_clear(&cur);
    if ((rc = incident_transition_check(&f, INC_RELEASED, a, NULL, NULL, err)))
        goto done;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT json_object('state', state, 'version', version) FROM incidents "
                           "WHERE id = ?1",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, r.incident_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            inc_before = store_col_text(s, 0);
        sqlite3_finalize(s);
    }
    if (sqlite3_prepare_v2(
            st->db,
            "UPDATE incidents SET state = 4, version = version + 1, updated_at = ?2, "
            "updated_by = ?3 WHERE id = ?1 RETURNING json_object('state', state, "
            "'version', version)",
            -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "publish");
        goto done;
    }
    sqlite3_bind_int64(s, 1, r.incident_id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    char *inc_after = NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        inc_after = store_col_text(s, 0);
    rc = sqlite3_step(s) == SQLITE_DONE && inc_after ? 0 : store_db_error(st, err, "publish");
    sqlite3_finalize(s);
    if (!rc)
        rc = store_audit_append(st, a->login, "incident.advance.released", "incident",
                                r.incident_id, inc_before, inc_after, now, err);
    free(inc_after);
done:
    free(before);
    free(inc_before);
    release_clear(&r);
    return store_write_end(st, nested, rc, err);
}

int store_release_correct(struct store *st, const struct actor *a, int64_t release_id, bool retract,
                          const char *reason, int64_t now, struct jy_error *err)
{
    if (inc_blank(reason))
        return jy_error_set_field(err, JY_EINVAL, "reason", "须说明更正或撤回的理由");
    bool nested;
    struct store_release r;
    enum inc_state state = INC_ASSESSMENT;
    int rc = release_begin(st, a, release_id, &nested, &r, &state, err);
    if (rc)
        return rc;
    char *before = release_json(&r);
    if (strcmp(r.status, "published"))
        rc = jy_error_set(err, JY_ESTATE, "只有已发布的通报可以更正或撤回");
    else if (r.correction && !strcmp(r.correction, "retracted"))
        rc = jy_error_set(err, JY_ESTATE, "此通报已撤回");
    if (!rc) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE releases SET correction = ?2, correction_reason = ?3, "
                               "corrected_at = ?4 WHERE id = ?1",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "correct release");
        } else {
            sqlite3_bind_int64(s, 1, release_id);
            sqlite3_bind_text(s, 2, retract ? "retracted" : "corrected", -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 4, now);
            rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "correct release");
            sqlite3_finalize(s);
        }
    }
    if (!rc)
        rc = audit_release(st, a, retract ? "release.retract" : "release.correct", release_id,
                           before, NULL, now, err);
    free(before);
    release_clear(&r);
    return store_write_end(st, nested, rc, err);
}
