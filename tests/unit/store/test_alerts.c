/* Unit tests for alert noise control in src/store: one escalation chain
 * per event (a rise updates the waiting alert), an open incident taking an
 * event's level changes on its timeline (and a rise of two levels still
 * flashing), silences (who, why, until when; expiry by time and by hand;
 * audit rows; escalation held and resumed), the header's count of events
 * waiting, and the grading label an officer's differing regrade leaves.
 * Events are written straight into a fresh file (the analysis has its own
 * tests); the rules are driven through store_event_alert, which the
 * analysis flush calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "notify/notify.h"
#include "store/store.h"

#define T0 1796140800 /* 2026-12-02 00:00 +08:00 */

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
    struct config *cfg;
    int64_t src;
    struct actor op, viewer;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/jy-alerts-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char cfgpath[160];
    snprintf(cfgpath, sizeof cfgpath, "%s/c.yaml", f->dir);
    FILE *fp = fopen(cfgpath, "w");
    if (!fp)
        return -1;
    fprintf(fp, "database: %s\n", f->path);
    fclose(fp);
    struct jy_error err = {0};
    if (config_load(cfgpath, &f->cfg, &err) != 0 || store_open(f->path, &f->st, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    struct source_config sc = {.name = "某某日报",
                               .type = SOURCE_FEED,
                               .url = "http://127.0.0.1/rss",
                               .interval = 300,
                               .enabled = true};
    if (store_source_sync(f->st, &sc, &f->src, &err) != 0)
        return -1;
    f->op = (struct actor){
        .login = "zhang", .name = "张三", .roles = ROLE_OPERATOR | ROLE_LEADER, .known = true};
    f->viewer = (struct actor){.login = "guest", .name = "guest", .roles = ROLE_VIEWER};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    config_free(f->cfg);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Runs SQL on a connection of its own (the fixture's writes). */
static void sql(struct fixture *f, const char *q)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_close(db);
}

static int64_t count(struct fixture *f, const char *q)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static const char *explanation =
    "[{\"indicator\":\"content\",\"label\":\"涉警内容\",\"value\":0.8,\"weight\":35,\"points\":28},"
    "{\"indicator\":\"attitude\",\"label\":\"民意态度\",\"value\":0.5,\"weight\":10,\"points\":5},"
    "{\"indicator\":\"intensity\",\"label\":\"舆论强度\",\"value\":0.3,\"weight\":27,\"points\":8."
    "1},"
    "{\"indicator\":\"media\",\"label\":\"媒体传播\",\"value\":0.5,\"weight\":10,\"points\":5},"
    "{\"indicator\":\"evolution\",\"label\":\"舆情演变\",\"value\":0.5,\"weight\":3,\"points\":1.5}"
    ","
    "{\"indicator\":\"local\",\"label\":\"本地关联\",\"value\":0.5,\"weight\":15,\"points\":7.5}]";

/* An event at level (score), first collected at T0. */
static int64_t add_event(struct fixture *f, int64_t id, int level, double score)
{
    char q[2048];
    snprintf(q, sizeof q,
             "INSERT INTO events (id, title, first_seen, last_seen, first_collected, items, "
             "sources, negative, velocity, score, level, explanation, updated_at) VALUES (%lld, "
             "'清河民警执法争议 %lld', %d, %d, %d, 3, 1, 1, 1.0, %.1f, %d, '%s', %d)",
             (long long)id, (long long)id, T0, T0, T0, score, level, explanation, T0);
    sql(f, q);
    return id;
}

static void event_level(struct fixture *f, int64_t id, int level)
{
    char q[128];
    snprintf(q, sizeof q, "UPDATE events SET level = %d WHERE id = %lld", level, (long long)id);
    sql(f, q);
}

static int waiting_events(struct fixture *f, int64_t now, int *sources)
{
    int ev = -1, so = -1;
    struct jy_error err = {0};
    assert_int_equal(store_alerts_waiting(f->st, now, &ev, &so, &err), 0);
    if (sources)
        *sources = so;
    return ev;
}

/* ---- one chain per event -------------------------------------------------------- */

static void rise_updates_the_waiting_alert(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    int64_t e = add_event(f, 1, LEVEL_IV, 35);
    assert_int_equal(store_event_alert(f->st, e, 0, LEVEL_IV, T0 + 60, &err), 0);
    /* IV -> II while the IV alert waits: still one alert, risen */
    event_level(f, e, LEVEL_II);
    assert_int_equal(store_event_alert(f->st, e, LEVEL_IV, LEVEL_II, T0 + 660, &err), 0);
    struct store_alert *al;
    size_t n;
    assert_int_equal(store_alerts_list(f->st, false, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].level, LEVEL_II);
    assert_int_equal(al[0].first_level, LEVEL_IV);
    assert_int_equal(al[0].rises, 1);
    assert_int_equal(al[0].risen_at, T0 + 660);
    assert_int_equal(al[0].raised_at, T0 + 60);
    assert_false(al[0].flash);
    int64_t aid = al[0].id;
    store_alerts_free(al, n);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'alert.rise' AND "
                              "json_extract(before, '$.level') = 4 AND "
                              "json_extract(after, '$.level') = 2"),
                     1);
    /* the chain goes on from its first raise with II's windows: the leader
     * step (II: 10 minutes) is due at once, ten minutes after the raise */
    assert_int_equal(store_alerts_escalating(f->st, T0 + 660, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].id, aid);
    assert_int_equal(al[0].clock_at, T0 + 60);
    assert_int_equal(escalation_due(&f->cfg->escalation, al[0].level, al[0].clock_at, T0 + 660), 1);
    /* at IV it would not be due for an hour */
    assert_int_equal(escalation_due(&f->cfg->escalation, LEVEL_IV, al[0].clock_at, T0 + 660), 0);
    store_alerts_free(al, n);
    assert_int_equal(waiting_events(f, T0 + 700, NULL), 1);

    /* the same rise again (a replay) changes nothing */
    assert_int_equal(store_event_alert(f->st, e, LEVEL_IV, LEVEL_II, T0 + 700, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts"), 1);
    assert_int_equal(count(f, "SELECT rises FROM alerts"), 1);

    /* acknowledged from a screen that showed IV: the rise to II keeps waiting */
    int acked = -1;
    assert_int_equal(store_event_ack(f->st, e, aid, LEVEL_IV, "zhang", T0 + 720, &acked, &err), 0);
    assert_int_equal(acked, 0);
    assert_int_equal(store_event_ack(f->st, e, aid, LEVEL_II, "zhang", T0 + 730, &acked, &err), 0);
    assert_int_equal(acked, 1);
    assert_int_equal(waiting_events(f, T0 + 740, NULL), 0);

    /* acknowledged: the next rise starts a new chain; II again does not */
    assert_int_equal(store_event_alert(f->st, e, LEVEL_II, LEVEL_II, T0 + 800, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts"), 1);
    event_level(f, e, LEVEL_I);
    assert_int_equal(store_event_alert(f->st, e, LEVEL_II, LEVEL_I, T0 + 900, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE acked_at IS NULL AND level = 1 "
                              "AND first_level = 1 AND rises = 0"),
                     1);
}

/* Databases from before the rule hold several waiting alerts per event:
 * escalation takes only the newest of each, and the header counts the
 * event once (the 1M-item database showed 10,522 "unacknowledged"). */
static void header_counts_events_not_alerts(void **state)
{
    struct fixture *f = *state;
    add_event(f, 1, LEVEL_II, 70);
    add_event(f, 2, LEVEL_III, 55);
    add_event(f, 3, LEVEL_IV, 35);
    sql(f, "INSERT INTO alerts (kind, dedup_key, event_id, level, first_level, title, raised_at) "
           "VALUES ('event', 'event:1:4', 1, 4, 4, 'a', 1796140800), "
           "('event', 'event:1:3', 1, 3, 3, 'a', 1796140900), "
           "('event', 'event:1:2', 1, 2, 2, 'a', 1796141000), "
           "('event', 'event:2:3', 2, 3, 3, 'b', 1796141000), "
           "('event', 'event:3:4', 3, 4, 4, 'c', 1796141000)");
    sql(f, "UPDATE alerts SET acked_by = 'li', acked_at = 1796141100 WHERE event_id = 3");
    struct jy_error err = {0};
    bool raised;
    assert_int_equal(store_alert_source_dark(f->st, f->src, T0 + 100, &raised, &err), 0);
    int sources = -1;
    assert_int_equal(waiting_events(f, T0 + 2000, &sources), 2);
    assert_int_equal(sources, 1);
    struct store_alert *al;
    size_t n;
    assert_int_equal(store_alerts_escalating(f->st, T0 + 2000, 10, &al, &n, &err), 0);
    assert_int_equal(n, 3); /* event 1's newest, event 2's, the source's */
    int per_event1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (al[i].event_id == 1) {
            per_event1++;
            assert_int_equal(al[i].level, LEVEL_II);
        }
    }
    assert_int_equal(per_event1, 1);
    store_alerts_free(al, n);
    /* a silence takes its event out of the count */
    int64_t sid;
    assert_int_equal(
        store_silence_add(f->st, &f->op, 2, 0, "误报：同名旧闻", T0 + 7200, T0 + 1500, &sid, &err),
        0);
    assert_int_equal(waiting_events(f, T0 + 2000, NULL), 1);
    struct store_event *ev;
    assert_int_equal(store_events_board(f->st, T0 + 2000, 72, 10, &ev, &n, &err), 0);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].id == 2) {
            assert_int_equal(ev[i].silence_id, sid);
            assert_string_equal(ev[i].silenced_by, "zhang");
            assert_string_equal(ev[i].silence_reason, "误报：同名旧闻");
            assert_int_equal(ev[i].silenced_until, T0 + 7200);
            assert_false(ev[i].acked);
        } else {
            assert_int_equal(ev[i].silence_id, 0);
        }
    }
    store_events_free(ev, n);
}

/* ---- an open incident --------------------------------------------------------- */

static int64_t open_incident(struct fixture *f, int64_t event_id, int64_t now)
{
    struct store_incident_new in = {.category = "执法争议", .event_id = event_id};
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    int64_t id = 0;
    struct jy_error err = {0};
    assert_int_equal(
        store_incident_create(f->st, &f->op, &in, &f->cfg->incident, now, &id, fe, &nfe, &err), 0);
    return id;
}

static void open_incident_takes_changes_and_two_levels_flash(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    int64_t e = add_event(f, 1, LEVEL_IV, 35);
    assert_int_equal(store_event_alert(f->st, e, 0, LEVEL_IV, T0 + 60, &err), 0);
    int64_t inc = open_incident(f, e, T0 + 120); /* acknowledges the IV alert */
    assert_int_equal(waiting_events(f, T0 + 130, NULL), 0);

    /* IV -> III: no alert, a row on the incident's timeline */
    event_level(f, e, LEVEL_III);
    assert_int_equal(store_event_alert(f->st, e, LEVEL_IV, LEVEL_III, T0 + 600, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts"), 1);
    assert_int_equal(waiting_events(f, T0 + 610, NULL), 0);
    struct store_audit *a;
    size_t n;
    assert_int_equal(store_audit_list(f->st, "incident", inc, 10, &a, &n, &err), 0);
    assert_true(n >= 2);
    assert_string_equal(a[0].action, "incident.event_level");
    assert_string_equal(a[0].actor, "jingyu");
    assert_non_null(strstr(a[0].before, "\"level\":4"));
    assert_non_null(strstr(a[0].after, "\"level\":3"));
    assert_non_null(strstr(a[0].after, "\"flash\":false"));
    store_audit_free(a, n);
    struct incident x;
    assert_int_equal(store_incident_get(f->st, inc, &x, &err), 0);
    assert_int_equal(x.model_level, LEVEL_III); /* the incident knows what the model says now */
    assert_int_equal(x.level, LEVEL_IV);        /* its working level is the officers' */
    incident_clear(&x);

    /* III -> I: two levels at once still flash */
    event_level(f, e, LEVEL_I);
    assert_int_equal(store_event_alert(f->st, e, LEVEL_III, LEVEL_I, T0 + 900, &err), 0);
    struct store_alert *al;
    assert_int_equal(store_alerts_list(f->st, true, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_true(al[0].flash);
    assert_int_equal(al[0].level, LEVEL_I);
    assert_int_equal(al[0].incident_id, inc);
    int64_t flash_id = al[0].id;
    store_alerts_free(al, n);
    assert_int_equal(waiting_events(f, T0 + 910, NULL), 1);
    assert_int_equal(store_audit_list(f->st, "incident", inc, 1, &a, &n, &err), 0);
    assert_non_null(strstr(a[0].after, "\"flash\":true"));
    char want[48];
    snprintf(want, sizeof want, "\"alert_id\":%lld", (long long)flash_id);
    assert_non_null(strstr(a[0].after, want));
    store_audit_free(a, n);
    struct store_event ev;
    assert_int_equal(store_event_get(f->st, e, T0 + 910, &ev, &err), 0);
    assert_true(ev.alert_flash);
    assert_int_equal(ev.alert_incident, inc);
    store_event_clear(&ev);
}

static void open_incident_ungraded_counts_as_iv(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    int64_t e = add_event(f, 1, 0, 20);
    open_incident(f, e, T0 + 60);
    /* none -> III is one level above IV: the timeline only */
    assert_int_equal(store_event_alert(f->st, e, 0, LEVEL_III, T0 + 600, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts"), 0);
    /* ... then a closed incident no longer holds its alerts back */
    sql(f, "UPDATE incidents SET state = 6");
    assert_int_equal(store_event_alert(f->st, e, LEVEL_III, LEVEL_II, T0 + 900, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alerts WHERE flash = 0 AND level = 2"), 1);
}

/* ---- silences ----------------------------------------------------------------- */

static void silences_hold_escalation_until_they_end(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    int64_t e = add_event(f, 1, LEVEL_III, 55);
    assert_int_equal(store_event_alert(f->st, e, 0, LEVEL_III, T0, &err), 0);
    int64_t sid = 0;
    /* refused: no reason, an end in the past, too long, unknown event, a viewer */
    assert_int_equal(store_silence_add(f->st, &f->op, e, 0, "  ", T0 + 3600, T0, &sid, &err),
                     JY_EINVAL);
    /* the error names its field apart from the message (issue 16) */
    assert_string_equal(err.field, "reason");
    assert_string_equal(err.msg, "静默须写明理由");
    assert_int_equal(store_silence_add(f->st, &f->op, e, 0, "误报", T0 - 1, T0, &sid, &err),
                     JY_EINVAL);
    assert_string_equal(err.field, "until");
    assert_int_equal(
        store_silence_add(f->st, &f->op, e, 0, "误报", T0 + 31 * 86400, T0, &sid, &err), JY_EINVAL);
    assert_int_equal(store_silence_add(f->st, &f->op, 99, 0, "误报", T0 + 3600, T0, &sid, &err),
                     JY_ENOTFOUND);
    assert_string_equal(err.field, ""); /* about no field */
    assert_int_equal(store_silence_add(f->st, &f->viewer, e, 0, "误报", T0 + 3600, T0, &sid, &err),
                     JY_EPERM);
    assert_int_equal(count(f, "SELECT count(*) FROM silences"), 0);

    assert_int_equal(store_silence_add(f->st, &f->op, e, 0, "已与网信办核实为旧闻", T0 + 3600,
                                       T0 + 60, &sid, &err),
                     0);
    assert_true(sid > 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'silence.add' AND "
                              "actor = 'zhang' AND json_extract(after, '$.until') = 1796144400"),
                     1);
    /* recorded but neither escalated nor counted */
    assert_int_equal(waiting_events(f, T0 + 120, NULL), 0);
    struct store_alert *al;
    size_t n;
    assert_int_equal(store_alerts_escalating(f->st, T0 + 1800, 10, &al, &n, &err), 0);
    assert_int_equal(n, 0);
    store_alerts_free(al, n);
    assert_int_equal(store_alerts_list(f->st, true, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    int64_t aid = al[0].id;
    store_alerts_free(al, n);
    const char *ch[] = {"wecom"};
    assert_int_equal(store_escalation_record(f->st, aid, 1, "li", ch, 1, "s", "b", T0 + 1800, &err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM escalations"), 0);
    /* a rise while silenced is recorded on the alert, still silenced */
    assert_int_equal(store_event_alert(f->st, e, LEVEL_III, LEVEL_II, T0 + 1900, &err), 0);
    assert_int_equal(count(f, "SELECT level FROM alerts"), LEVEL_II);
    assert_int_equal(waiting_events(f, T0 + 1900, NULL), 0);

    struct store_silence *v;
    assert_int_equal(store_silences_list(f->st, false, T0 + 1900, 10, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].event_id, e);
    assert_string_equal(v[0].created_by, "zhang");
    assert_string_equal(v[0].reason, "已与网信办核实为旧闻");
    assert_non_null(strstr(v[0].target, "清河民警"));
    assert_true(v[0].active);
    store_silences_free(v, n);

    /* it ends by itself: escalation resumes, its clock from the end */
    assert_int_equal(waiting_events(f, T0 + 3600, NULL), 1);
    assert_int_equal(store_alerts_escalating(f->st, T0 + 3700, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].clock_at, T0 + 3600);
    store_alerts_free(al, n);
    assert_int_equal(store_silences_list(f->st, false, T0 + 3700, 10, &v, &n, &err), 0);
    assert_int_equal(n, 0);
    store_silences_free(v, n);
    assert_int_equal(store_silence_expire(f->st, &f->op, sid, T0 + 3700, &err), JY_ESTATE);

    /* one ended by hand, early */
    int64_t sid2;
    assert_int_equal(
        store_silence_add(f->st, &f->op, e, 0, "等待核实", T0 + 86400, T0 + 4000, &sid2, &err), 0);
    assert_int_equal(waiting_events(f, T0 + 4100, NULL), 0);
    assert_int_equal(store_silence_expire(f->st, &f->viewer, sid2, T0 + 5000, &err), JY_EPERM);
    assert_int_equal(store_silence_expire(f->st, &f->op, sid2, T0 + 5000, &err), 0);
    assert_int_equal(store_silence_expire(f->st, &f->op, 424242, T0 + 5000, &err), JY_ENOTFOUND);
    assert_int_equal(waiting_events(f, T0 + 5001, NULL), 1);
    assert_int_equal(store_alerts_escalating(f->st, T0 + 5100, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].clock_at, T0 + 5000);
    store_alerts_free(al, n);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'silence.expire' AND "
                              "json_extract(after, '$.expired_at') = 1796145800"),
                     1);
    assert_int_equal(store_silences_list(f->st, true, T0 + 5100, 10, &v, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].expired_by, "zhang");
    assert_int_equal(v[0].expired_at, T0 + 5000);
    assert_false(v[0].active);
    store_silences_free(v, n);
}

static void source_silence_holds_dark_alerts(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    bool raised;
    assert_int_equal(store_alert_source_dark(f->st, f->src, T0, &raised, &err), 0);
    int sources = -1;
    assert_int_equal(waiting_events(f, T0 + 10, &sources), 0);
    assert_int_equal(sources, 1);
    int64_t sid;
    assert_int_equal(
        store_silence_add(f->st, &f->op, 0, f->src, "信源维护中", T0 + 7200, T0 + 20, &sid, &err),
        0);
    assert_int_equal(waiting_events(f, T0 + 30, &sources), 0);
    assert_int_equal(sources, 0);
    struct store_alert *al;
    size_t n;
    assert_int_equal(store_alerts_escalating(f->st, T0 + 30, 10, &al, &n, &err), 0);
    assert_int_equal(n, 0);
    store_alerts_free(al, n);
    assert_int_equal(store_silence_add(f->st, &f->op, 1, f->src, "x", T0 + 7200, T0, &sid, &err),
                     JY_EINVAL); /* one target */
}

/* ---- grading labels ----------------------------------------------------------- */

static int assess(struct fixture *f, int64_t inc, int level, const char *reason, int64_t now,
                  struct field_error *fe, size_t *nfe)
{
    struct incident x;
    struct jy_error err = {0};
    assert_int_equal(store_incident_get(f->st, inc, &x, &err), 0);
    x.level = level;
    free(x.level_reason);
    x.level_reason = reason ? strdup(reason) : NULL;
    free(x.strategy);
    x.strategy = strdup("先核实，再回应");
    int rc = store_incident_save(f->st, &f->op, FORM_ASSESSMENT, &x, &f->cfg->incident, now, fe,
                                 nfe, NULL, &err);
    incident_clear(&x);
    return rc;
}

static void regrade_leaves_a_grading_label(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    int64_t e = add_event(f, 1, LEVEL_III, 55.2);
    int64_t inc = open_incident(f, e, T0 + 60);
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;

    /* the model's level kept: no label */
    assert_int_equal(assess(f, inc, LEVEL_III, NULL, T0 + 120, fe, &nfe), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM grading_labels"), 0);

    /* a different level needs a reason, named on its field */
    assert_int_equal(assess(f, inc, LEVEL_II, "  ", T0 + 180, fe, &nfe), JY_EINVAL);
    assert_int_equal(nfe, 1);
    assert_string_equal(fe[0].field, "level_reason");
    assert_non_null(strstr(fe[0].msg, "III"));
    assert_int_equal(count(f, "SELECT count(*) FROM grading_labels"), 0);

    assert_int_equal(
        assess(f, inc, LEVEL_II, "当事人系未成年人，视频已被央媒转发", T0 + 240, fe, &nfe), 0);
    struct store_grading_label *g;
    size_t n;
    assert_int_equal(store_grading_labels_list(f->st, e, 10, &g, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(g[0].incident_id, inc);
    assert_int_equal(g[0].event_id, e);
    assert_int_equal(g[0].model_level, LEVEL_III);
    assert_true(g[0].model_score > 55.1 && g[0].model_score < 55.3);
    assert_int_equal(g[0].officer_level, LEVEL_II);
    assert_string_equal(g[0].reason, "当事人系未成年人，视频已被央媒转发");
    assert_string_equal(g[0].labelled_by, "zhang");
    assert_int_equal(g[0].labelled_at, T0 + 240);
    assert_string_equal(g[0].explanation, explanation);
    store_grading_labels_free(g, n);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'grading_label.put'"), 1);

    /* the event rose to II meanwhile: the officer agrees now, the label goes */
    event_level(f, e, LEVEL_II);
    assert_int_equal(assess(f, inc, LEVEL_II, NULL, T0 + 300, fe, &nfe), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM grading_labels"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'grading_label.remove'"),
                     1);
    assert_int_equal(count(f, "SELECT model_level FROM incidents"), LEVEL_II);
}

static void grading_label_not_for_ungraded_event(void **state)
{
    struct fixture *f = *state;
    int64_t e = add_event(f, 1, 0, 12);
    int64_t inc = open_incident(f, e, T0 + 60);
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    assert_int_equal(assess(f, inc, LEVEL_II, NULL, T0 + 120, fe, &nfe), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM grading_labels"), 0);
}

static void until_spans_and_times(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(jy_time_parse_until("2h", T0, &t), 0);
    assert_int_equal(t, T0 + 7200);
    assert_int_equal(jy_time_parse_until("+90m", T0, &t), 0);
    assert_int_equal(t, T0 + 5400);
    assert_int_equal(jy_time_parse_until("1d", T0, &t), 0);
    assert_int_equal(t, T0 + 86400);
    assert_int_equal(jy_time_parse_until("@1796150000", T0, &t), 0);
    assert_int_equal(t, 1796150000);
    assert_int_equal(jy_time_parse_until("2026-12-02T08:00:00+08:00", T0, &t), 0);
    assert_int_equal(t, T0 + 8 * 3600);
    assert_int_equal(jy_time_parse_until("2x", T0, &t), JY_EINVAL);
    assert_int_equal(jy_time_parse_until("+", T0, &t), JY_EINVAL);
    assert_int_equal(jy_time_parse_until("", T0, &t), JY_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rise_updates_the_waiting_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(header_counts_events_not_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(open_incident_takes_changes_and_two_levels_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(open_incident_ungraded_counts_as_iv, setup, teardown),
        cmocka_unit_test_setup_teardown(silences_hold_escalation_until_they_end, setup, teardown),
        cmocka_unit_test_setup_teardown(source_silence_holds_dark_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(regrade_leaves_a_grading_label, setup, teardown),
        cmocka_unit_test_setup_teardown(grading_label_not_for_ungraded_event, setup, teardown),
        cmocka_unit_test(until_spans_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
