/* kpi.c: the work plan's six KPIs, counted from what is stored. The
 * definitions (../shared/DESIGN.md) are printed beside each figure; the
 * arithmetic that turns counts into rates is src/incident's. Everything is
 * read in one read transaction, so the six figures describe one moment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int prepare(struct store *st, const char *sql, sqlite3_stmt **s, struct jy_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "kpi");
    return 0;
}

/* 预警及时率: event alerts raised in [from, to) within their level's window
 * (the level each was raised at: a rise later does not move its latency). */
static int kpi_alerts(struct store *st, const struct incident_config *ic, int64_t from, int64_t to,
                      struct kpi *k, struct jy_error *err)
{
    sqlite3_stmt *s;
    int rc =
        prepare(st,
                "SELECT coalesce(first_level, level), latency FROM alerts WHERE kind = 'event' "
                "AND raised_at >= ?1 "
                "AND raised_at < ?2",
                &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int level = sqlite3_column_int(s, 0);
        if (level < 1 || level > 4)
            level = 4;
        k->denominator++;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL &&
            sqlite3_column_int64(s, 1) <= (int64_t)ic->alert_window[level] * 60)
            k->numerator++;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "kpi alerts");
}

/* Ids of the incidents matching sql (binds ?1 from, ?2 to). */
static int incident_ids(struct store *st, const char *sql, int64_t from, int64_t to, int64_t **ids,
                        size_t *n, struct jy_error *err)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *s;
    int rc = prepare(st, sql, &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        jy_free(ids);
        *n = 0;
        return store_db_error(st, err, "kpi incidents");
    }
    return 0;
}

static int count_query(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c,
                       int64_t *out, struct jy_error *err)
{
    sqlite3_stmt *s;
    int rc = prepare(st, sql, &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    sqlite3_bind_int64(s, 3, c);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "kpi");
}

/* 处置及时率: incidents opened in [from, to) that met every clock due so far. */
static int kpi_handling(struct store *st, const struct incident_config *ic, int64_t from,
                        int64_t to, int64_t now, struct kpi *k, struct jy_error *err)
{
    int64_t *ids;
    size_t n;
    int rc = incident_ids(st, "SELECT id FROM incidents WHERE created_at >= ?1 AND created_at < ?2",
                          from, to, &ids, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        struct incident inc;
        if ((rc = store_incident_get(st, ids[i], &inc, err)))
            break;
        struct inc_clock c[INC_N_CLOCKS];
        size_t nc = incident_clocks(&inc, ic, now, c);
        k->denominator++;
        k->numerator += incident_on_time(c, nc);
        incident_clear(&inc);
    }
    free(ids);
    return rc;
}

/* 有效处置率: incidents closed in [from, to), at least effective_days
 * before now, judged effective at closure, with no alert on their events
 * after the first response and no incident grown out of them (opened
 * before, or within effective_days of, the closing). */
static int kpi_effective(struct store *st, const struct incident_config *ic, int64_t from,
                         int64_t to, int64_t now, struct kpi *k, struct jy_error *err)
{
    int64_t *ids;
    size_t n;
    /* judged once its window has passed: closed at least effective_days ago */
    int64_t judged_by = now - (int64_t)ic->effective_days * 86400;
    int rc = incident_ids(st,
                          "SELECT id FROM incidents WHERE state = 6 AND closed_at >= ?1 AND "
                          "closed_at < ?2",
                          from, to < judged_by ? to : judged_by, &ids, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        struct incident inc;
        if ((rc = store_incident_get(st, ids[i], &inc, err)))
            break;
        k->denominator++;
        int64_t escalations = 0, children = 0;
        if (inc.first_response_at)
            rc = count_query(st,
                             "SELECT count(*) FROM alerts a JOIN incident_events ie ON "
                             "ie.event_id = a.event_id WHERE ie.incident_id = ?1 AND "
                             "a.raised_at > ?2 AND ?3 >= 0",
                             inc.id, inc.first_response_at, 0, &escalations, err);
        if (!rc)
            rc = count_query(st,
                             "SELECT count(*) FROM incidents WHERE parent_id = ?1 AND "
                             "created_at <= ?2 + ?3",
                             inc.id, inc.closed_at, (int64_t)ic->effective_days * 86400, &children,
                             err);
        if (!rc && inc.effective == 1 && escalations == 0 && children == 0)
            k->numerator++;
        incident_clear(&inc);
    }
    free(ids);
    return rc;
}

/* 权威信息发布准确率: releases published in [from, to) never corrected or
 * retracted. */
static int kpi_releases(struct store *st, int64_t from, int64_t to, struct kpi *k,
                        struct jy_error *err)
{
    int64_t total = 0, good = 0;
    int rc = count_query(st,
                         "SELECT count(*) FROM releases WHERE published_at >= ?1 AND "
                         "published_at < ?2 AND ?3 = 0",
                         from, to, 0, &total, err);
    if (!rc)
        rc = count_query(st,
                         "SELECT count(*) FROM releases WHERE published_at >= ?1 AND "
                         "published_at < ?2 AND correction IS NULL AND ?3 = 0",
                         from, to, 0, &good, err);
    k->denominator = (double)total;
    k->numerator = (double)good;
    return rc;
}

/* Negative items and all items of the incident's events collected in [a, b). */
static int negative_share(struct store *st, int64_t incident_id, int64_t a, int64_t b, int64_t *neg,
                          int64_t *all, struct jy_error *err)
{
    sqlite3_stmt *s;
    int rc = prepare(st,
                     "SELECT count(*), coalesce(sum(i.sentiment < 0), 0) FROM items i JOIN "
                     "incident_events ie ON ie.event_id = i.event_id WHERE ie.incident_id = ?1 AND "
                     "i.fetched_at >= ?2 AND i.fetched_at < ?3",
                     &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, incident_id);
    sqlite3_bind_int64(s, 2, a);
    sqlite3_bind_int64(s, 3, b);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *all = sqlite3_column_int64(s, 0);
        *neg = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "kpi negative share");
}

/* 重大敏感舆情引导控制率: level I/II incidents opened in [from, to) whose
 * guidance window has passed (guidance_hours after the first release, or
 * after the start when nothing was released, which counts as not
 * controlled): controlled when the negative share of their events' items
 * in the window after the first release is lower than before it (or
 * nothing more was said at all). */
static int kpi_guidance(struct store *st, const struct incident_config *ic, int64_t from,
                        int64_t to, int64_t now, struct kpi *k, struct jy_error *err)
{
    int64_t *ids;
    size_t n;
    int rc = incident_ids(st,
                          "SELECT id FROM incidents WHERE level <= 2 AND created_at >= ?1 AND "
                          "created_at < ?2",
                          from, to, &ids, &n, err);
    int64_t window = (int64_t)ic->guidance_hours * 3600;
    for (size_t i = 0; !rc && i < n; i++) {
        struct incident inc;
        if ((rc = store_incident_get(st, ids[i], &inc, err)))
            break;
        int64_t r = inc.first_release_at;
        if (!r) {
            if (inc.started_at + window <= now)
                k->denominator++;
        } else if (r + window <= now) {
            int64_t nb = 0, ab = 0, na = 0, aa = 0;
            rc = negative_share(st, inc.id, 0, r, &nb, &ab, err);
            if (!rc)
                rc = negative_share(st, inc.id, r, r + window, &na, &aa, err);
            k->denominator++;
            /* na/aa < nb/ab, in integers */
            if (!rc && (aa == 0 || (ab > 0 && na * ab < nb * aa)))
                k->numerator++;
        }
        incident_clear(&inc);
    }
    free(ids);
    return rc;
}

/* 满意度: the mean of the scores entered at closure in [from, to). */
static int kpi_satisfaction(struct store *st, int64_t from, int64_t to, struct kpi *k,
                            struct jy_error *err)
{
    sqlite3_stmt *s;
    int rc = prepare(st,
                     "SELECT count(*), coalesce(sum(satisfaction), 0) FROM incidents WHERE "
                     "state = 6 AND satisfaction >= 0 AND closed_at >= ?1 AND closed_at < ?2",
                     &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        k->denominator = (double)sqlite3_column_int64(s, 0);
        k->numerator = (double)sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "kpi satisfaction");
}

int store_kpi(struct store *st, const struct incident_config *ic, int64_t from, int64_t to,
              int64_t now, struct kpi k[KPI_N], struct jy_error *err)
{
    kpi_init(k, ic);
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    if (!(rc = kpi_alerts(st, ic, from, to, &k[KPI_ALERT_TIMELY], err)) &&
        !(rc = kpi_handling(st, ic, from, to, now, &k[KPI_HANDLE_TIMELY], err)) &&
        !(rc = kpi_effective(st, ic, from, to, now, &k[KPI_EFFECTIVE], err)) &&
        !(rc = kpi_releases(st, from, to, &k[KPI_RELEASE_ACCURATE], err)) &&
        !(rc = kpi_guidance(st, ic, from, to, now, &k[KPI_GUIDANCE], err)))
        rc = kpi_satisfaction(st, from, to, &k[KPI_SATISFACTION], err);
    sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    for (int i = 0; i < KPI_N; i++)
        kpi_finish(&k[i]);
    return rc;
}
