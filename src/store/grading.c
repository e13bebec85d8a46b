/* grading.c: the officers' grading labels.
 *
 * When the 研判 form grades an incident differently from what the model
 * says of its event, the pair is kept with the reason and the event's
 * explanation (each indicator's value and weight at that moment), so that
 * `jingyu train --grading-labels` can hand them to whoever fits the
 * weights. One label per incident: a later save replaces it, and a save
 * that agrees with the model removes it (the audit trail keeps each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct model_grade {
    int level;
    double score;
    char *explanation;
};

static int model_grade(struct store *st, int64_t event_id, struct model_grade *g,
                       struct jy_error *err)
{
    memset(g, 0, sizeof *g);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT level, score, explanation FROM events WHERE id = ?1", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read event");
    sqlite3_bind_int64(s, 1, event_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        g->level = sqlite3_column_int(s, 0);
        g->score = sqlite3_column_double(s, 1);
        g->explanation = store_col_text(s, 2);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "read event");
}

int store_grading_model_level(struct store *st, int64_t event_id, int *level, struct jy_error *err)
{
    struct model_grade g;
    *level = 0;
    int rc = event_id ? model_grade(st, event_id, &g, err) : 0;
    if (event_id && !rc) {
        *level = g.level >= LEVEL_I && g.level <= LEVEL_IV ? g.level : 0;
        free(g.explanation);
    }
    return rc;
}

int store_grading_record(struct store *st, const char *who, int64_t incident_id, int64_t event_id,
                         int officer_level, const char *reason, int64_t now, struct jy_error *err)
{
    if (!event_id)
        return 0;
    struct model_grade g;
    int rc = model_grade(st, event_id, &g, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (g.level < LEVEL_I || g.level > LEVEL_IV) {
        free(g.explanation);
        return 0; /* the model did not grade it: nothing to disagree with */
    }
    if (officer_level == g.level) {
        /* agreeing now: an earlier disagreement is no longer the officer's */
        if (sqlite3_prepare_v2(st->db,
                               "DELETE FROM grading_labels WHERE incident_id = ?1 RETURNING id", -1,
                               &s, NULL) != SQLITE_OK)
            rc = store_db_error(st, err, "grading label");
        else {
            sqlite3_bind_int64(s, 1, incident_id);
            int64_t gone = 0;
            rc = sqlite3_step(s);
            if (rc == SQLITE_ROW) {
                gone = sqlite3_column_int64(s, 0);
                rc = sqlite3_step(s);
            }
            rc = rc == SQLITE_DONE ? 0 : store_db_error(st, err, "grading label");
            sqlite3_finalize(s);
            if (!rc && gone)
                rc =
                    store_audit_append(st, who, "grading_label.remove", "grading_label", gone, NULL,
                                       "{\"reason\":\"officer agrees with the model\"}", now, err);
        }
        free(g.explanation);
        return rc;
    }
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT INTO grading_labels (incident_id, event_id, model_level, model_score, "
            "officer_level, reason, explanation, labelled_by, labelled_at) VALUES (?1, ?2, ?3, "
            "?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(incident_id) DO UPDATE SET event_id = "
            "excluded.event_id, model_level = excluded.model_level, model_score = "
            "excluded.model_score, officer_level = excluded.officer_level, reason = "
            "excluded.reason, explanation = excluded.explanation, labelled_by = "
            "excluded.labelled_by, labelled_at = excluded.labelled_at RETURNING id, "
            "json_object('incident_id', incident_id, 'event_id', event_id, 'model_level', "
            "model_level, 'model_score', model_score, 'officer_level', officer_level, 'reason', "
            "reason)",
            -1, &s, NULL) != SQLITE_OK) {
        free(g.explanation);
        return store_db_error(st, err, "grading label");
    }
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, event_id);
    sqlite3_bind_int(s, 3, g.level);
    sqlite3_bind_double(s, 4, g.score);
    sqlite3_bind_int(s, 5, officer_level);
    sqlite3_bind_text(s, 6, reason ? reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, g.explanation, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, who, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, now);
    int64_t id = 0;
    char *after = NULL;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        after = store_col_text(s, 1);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    free(g.explanation);
    rc = rc == SQLITE_DONE ? 0 : store_db_error(st, err, "grading label");
    if (!rc)
        rc = store_audit_append(st, who, "grading_label.put", "grading_label", id, NULL, after, now,
                                err);
    free(after);
    return rc;
}

int store_grading_labels_list(struct store *st, int64_t event_id, size_t limit,
                              struct store_grading_label **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, incident_id, event_id, model_level, model_score, "
                           "officer_level, reason, explanation, labelled_by, labelled_at FROM "
                           "grading_labels WHERE ?2 = 0 OR event_id = ?2 ORDER BY id LIMIT ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read grading labels");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
    sqlite3_bind_int64(s, 2, event_id);
    struct store_grading_label *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_grading_label *g = &v[k++];
        g->id = sqlite3_column_int64(s, 0);
        g->incident_id = sqlite3_column_int64(s, 1);
        g->event_id = sqlite3_column_int64(s, 2);
        g->model_level = sqlite3_column_int(s, 3);
        g->model_score = sqlite3_column_double(s, 4);
        g->officer_level = sqlite3_column_int(s, 5);
        g->reason = store_col_text(s, 6);
        g->explanation = store_col_text(s, 7);
        g->labelled_by = store_col_text(s, 8);
        g->labelled_at = sqlite3_column_int64(s, 9);
    }
    sqlite3_finalize(s);
    if (k < limit && rc != SQLITE_DONE) {
        store_grading_labels_free(v, k);
        return store_db_error(st, err, "read grading labels");
    }
    *out = v;
    *n = k;
    return 0;
}

void store_grading_labels_free(struct store_grading_label *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].reason);
        free(v[i].explanation);
        free(v[i].labelled_by);
    }
    free(v);
}
