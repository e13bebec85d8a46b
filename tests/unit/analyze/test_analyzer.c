/* Unit tests for the analyzer as the collector uses it: through the store,
 * inside store_fetch_record's transaction. What is checked is what is stored
 * and what the console's queries return: folded near-duplicates, events,
 * alerts once per level, acknowledgement, memory restored after a restart,
 * labels and the model. Each test works on a fresh folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "store/store.h"

static const char *const CONFIG = "database: t.db\n"
                                  "sources:\n"
                                  "  - name: 微博\n"
                                  "    url: http://127.0.0.1/rss\n"
                                  "    media_level: self-media\n"
                                  "analysis:\n"
                                  "  schemes:\n"
                                  "    - name: 执法争议\n"
                                  "      subject: [民警, 辅警]\n"
                                  "      event: [打人, 暴力执法]\n"
                                  "    - name: 谣言\n"
                                  "      expr: '网传 AND (公安 OR 民警) AND NOT 辟谣'\n"
                                  "  risk:\n"
                                  "    levels: {I: 90, II: 60, III: 30, IV: 5}\n";

struct fixture {
    char dir[64];
    char db[128];
    struct config *cfg;
    struct analyzer *an;
    struct store *st;
    int64_t src;
};

static int open_all(struct fixture *f)
{
    struct jy_error err = {0};
    if (analyzer_new(f->cfg, &f->an, &err) != 0 || store_open(f->db, &f->st, &err) != 0 ||
        store_source_sync(f->st, &f->cfg->sources[0], &f->src, &err) != 0 ||
        store_set_analyzer(f->st, f->an, &f->cfg->analysis, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static void close_all(struct fixture *f)
{
    store_close(f->st);
    analyzer_free(f->an);
    f->st = NULL;
    f->an = NULL;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/jy-analyzer-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char path[160];
    snprintf(path, sizeof path, "%s/c.yaml", f->dir);
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    fputs(CONFIG, fp);
    fclose(fp);
    struct jy_error err = {0};
    if (config_load(path, &f->cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (open_all(f))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close_all(f);
    config_free(f->cfg);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Stores one item fetched at `now` and dated `published`. */
static size_t record_dated(struct fixture *f, const char *guid, const char *text, int64_t published,
                           int64_t now, int64_t *id)
{
    struct feed_item it = {.guid = (char *)guid,
                           .title = (char *)"",
                           .content = (char *)text,
                           .published = published,
                           .has_date = true};
    int64_t ids[1] = {0};
    struct fetch_result r = {.ok = true, .items = &it, .n_items = 1, .ids = ids};
    size_t n = 0;
    struct jy_error err = {0};
    int rc = store_fetch_record(f->st, f->src, &r, now, &n, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    if (id)
        *id = ids[0];
    return n;
}

static size_t record(struct fixture *f, const char *guid, const char *text, int64_t now,
                     int64_t *id)
{
    return record_dated(f, guid, text, now, now, id);
}

#define T0 1764000000

static const char *const POST = "城关派出所民警暴力执法打人，视频里辅警也动手了，网友愤怒";

/* store_fetch_record without the checks of record_dated: rc is returned. */
static int record_raw(struct fixture *f, int64_t src, const char *guid, const char *text,
                      int64_t now)
{
    struct feed_item it = {.guid = (char *)guid, .title = (char *)"", .content = (char *)text};
    struct fetch_result r = {.ok = true, .items = &it, .n_items = 1};
    struct jy_error err = {0};
    return store_fetch_record(f->st, src, &r, now, NULL, &err);
}

static int event_items_of(struct fixture *f, int64_t item, int64_t now)
{
    struct store_item it;
    struct store_event e;
    struct jy_error err = {0};
    assert_int_equal(store_item_get(f->st, item, &it, &err), 0);
    assert_true(it.event_id > 0);
    assert_int_equal(store_event_get(f->st, it.event_id, now, &e, &err), 0);
    int n = e.items;
    store_event_clear(&e);
    store_item_clear(&it);
    return n;
}

/* Writes grouped in one transaction (the collector's fetches of a turn)
 * write each event they touched once, at the commit, with what all of them
 * added. A write that fails after others analysed items undoes the whole
 * transaction (the analyzer knew more than the database could hold), and
 * the same writes made again one by one store what they would have. A
 * failure before any item was analysed costs only itself. */
static void grouped_writes(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    const int64_t nowhere = 999999; /* no such source: its write fails */
    assert_int_equal(store_tx_begin(f->st, &err), 0);
    assert_int_equal(record_raw(f, f->src, "g1", POST, T0), 0);
    assert_int_not_equal(record_raw(f, nowhere, "x1", POST, T0), 0);
    assert_int_equal(record_raw(f, f->src, "g2", POST, T0) != 0, 1); /* refused at once */
    assert_int_equal(store_tx_commit(f->st, &err), JY_ESTATE);
    int64_t max = -1;
    assert_int_equal(store_items_max_id(f->st, &max, &err), 0);
    assert_int_equal(max, 0);

    /* again, one by one: the first stands */
    assert_int_equal(store_tx_begin(f->st, &err), 0);
    assert_int_equal(record_raw(f, f->src, "g1", POST, T0), 0);
    assert_int_equal(store_tx_commit(f->st, &err), 0);
    assert_int_equal(store_items_max_id(f->st, &max, &err), 0);
    assert_int_equal(max, 1);
    assert_int_equal(event_items_of(f, 1, T0), 1);

    /* a failure first, then two writes of the same story: one event row,
     * counting both */
    assert_int_equal(store_tx_begin(f->st, &err), 0);
    assert_int_not_equal(record_raw(f, nowhere, "x2", POST, T0 + 60), 0);
    assert_int_equal(record_raw(f, f->src, "g2", "城关派出所民警暴力执法打人，又一段视频", T0 + 60),
                     0);
    assert_int_equal(record_raw(f, f->src, "g3", "城关派出所辅警暴力执法打人，网友愤怒", T0 + 120),
                     0);
    assert_int_equal(store_tx_commit(f->st, &err), 0);
    assert_int_equal(store_items_max_id(f->st, &max, &err), 0);
    assert_int_equal(max, 3);
    assert_int_equal(event_items_of(f, 3, T0 + 120), 3);

    /* the memory after a restart agrees with what was written */
    close_all(f);
    assert_int_equal(open_all(f), 0);
    assert_int_equal(record_raw(f, f->src, "g4", "城关派出所民警暴力执法打人事件后续", T0 + 180),
                     0);
    assert_int_equal(event_items_of(f, 4, T0 + 180), 4);
}

/* Copies of a post as they reach the duty room: with a source prefix, with
 * a comment and hashtags added, with two characters changed; each is folded
 * into the first copy, also after a restart (the memory restored from the
 * database). Another notice of the same template, two thirds the same
 * words, is not. */
static void near_duplicate_variants(void **state)
{
    struct fixture *f = *state;
#define HEAD                                                                                                                                    \
    "【平安城关·警情通报】为切实维护辖区社会治安秩序，保障人民群众生命财产安全，现将近期警情通报" \
    "如下："
#define TAIL "请广大群众提高警惕，发现可疑情况及时拨打110报警。"
#define FACTS                                                                                                                                   \
    "3月5日上午，人民路与解放路交叉口一名男子持刀威胁路人，民警迅速赶到将其控制，嫌疑人王某已被刑" \
    "事拘留。"
    static const char notice[] = HEAD FACTS TAIL;
    static const char *const copies[] = {
        "据平安城关报道：" HEAD FACTS TAIL,
        HEAD FACTS TAIL " 转发理由：大家注意安全，为民警点赞！#平安城关#",
        HEAD
        "3月6日上午，人民路与解放路交叉口一名男子持棍威胁路人，民警迅速赶到将其控制，嫌疑人王某"
        "已被刑事拘留。" TAIL,
    };
    static const char other[] = HEAD "3月7日晚，滨河公园附近一辆电动车被盗，民警调取监控于当晚将嫌"
                                     "疑人李某抓获，被盗车辆已发还失主。" TAIL;
    int64_t first = 0, id = 0;
    struct store_item it;
    struct jy_error err = {0};
    assert_int_equal(record(f, "n0", notice, T0, &first), 1);
    for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++) {
        char guid[8];
        snprintf(guid, sizeof guid, "n%zu", i + 1);
        assert_int_equal(record(f, guid, copies[i], T0 + 60 * (int64_t)(i + 1), &id), 1);
        assert_int_equal(store_item_get(f->st, id, &it, &err), 0);
        if (it.duplicate_of != first)
            fail_msg("copy %zu: duplicate of %lld, want %lld", i, (long long)it.duplicate_of,
                     (long long)first);
        store_item_clear(&it);
    }
    assert_int_equal(record(f, "o1", other, T0 + 600, &id), 1);
    assert_int_equal(store_item_get(f->st, id, &it, &err), 0);
    assert_int_equal(it.duplicate_of, 0);
    store_item_clear(&it);

    close_all(f);
    assert_int_equal(open_all(f), 0);
    assert_int_equal(record(f, "n9", "转发：" HEAD FACTS TAIL "（来源：平安城关）", T0 + 900, &id),
                     1);
    assert_int_equal(store_item_get(f->st, id, &it, &err), 0);
    assert_int_equal(it.duplicate_of, first);
    store_item_clear(&it);
#undef HEAD
#undef TAIL
#undef FACTS
}

/* What the collector's second thread makes ahead of a fetch's store (the
 * text analysis and the analysis row's columns) is used only for the item
 * it was made for: made for another media level (the source changed since)
 * it is ignored, even when its columns say otherwise. */
static void columns_made_ahead(void **state)
{
    struct fixture *f = *state;
    struct jy_error err = {0};
    struct analyzer *lane = NULL;
    assert_int_equal(analyzer_new(f->cfg, &lane, &err), 0);
    struct feed_item items[2] = {
        {.guid = (char *)"c1", .title = (char *)"", .content = (char *)POST},
        {.guid = (char *)"c2",
         .title = (char *)"",
         .content = (char *)"网传城关民警打人，公安未回应"},
    };
    struct an_text *pre[2] = {NULL, NULL};
    char *cols[2];
    for (int k = 0; k < 2; k++) {
        /* item 1 is made for another media level than its source's */
        struct an_item in = {.title = items[k].title,
                             .text = items[k].content,
                             .media_level = k ? MEDIA_CENTRAL : MEDIA_SELF};
        assert_int_equal(analyzer_text(lane, &in, &pre[k], &err), 0);
        cols[k] = store_analysis_columns(lane, an_text_results(pre[k]));
    }
    free(cols[1]);
    static const char wrong[] = "[]\0[\"wrong\"]\0[]"; /* would be seen if used */
    cols[1] = malloc(sizeof wrong);
    memcpy(cols[1], wrong, sizeof wrong);
    int64_t ids[2] = {0, 0};
    struct fetch_result r = {
        .ok = true, .items = items, .n_items = 2, .ids = ids, .pre = pre, .pre_cols = cols};
    assert_int_equal(store_fetch_record(f->st, f->src, &r, T0, NULL, &err), 0);
    const char *want[2] = {"执法争议", "谣言"};
    for (int k = 0; k < 2; k++) {
        struct store_item it;
        assert_int_equal(store_item_get(f->st, ids[k], &it, &err), 0);
        assert_true(it.analyzed);
        assert_non_null(strstr(it.schemes, want[k]));
        assert_null(strstr(it.schemes, "wrong"));
        assert_non_null(strstr(it.terms, k ? "网传" : "暴力执法"));
        store_item_clear(&it);
        an_text_free(pre[k]);
        free(cols[k]);
    }
    analyzer_free(lane);
}

static void stored_with_analysis(void **state)
{
    struct fixture *f = *state;
    int64_t a = 0, b = 0, c = 0;
    assert_int_equal(record(f, "1", POST, T0, &a), 1);
    assert_int_equal(record(f, "2", "今天公园里的菊花开了，很好看，周末一起去", T0 + 60, &b), 1);
    /* a near-duplicate: the same post reposted with other punctuation and a link */
    assert_int_equal(
        record(f, "3",
               "城关派出所民警暴力执法打人 视频里辅警也动手了！网友愤怒！！ http://t.cn/A6vXyz",
               T0 + 120, &c),
        1);
    struct store_item it;
    struct jy_error err = {0};
    assert_int_equal(store_item_get(f->st, a, &it, &err), 0);
    assert_true(it.analyzed);
    assert_int_equal(it.sentiment, -1);
    assert_true(it.event_id > 0);
    assert_non_null(strstr(it.schemes, "执法争议"));
    assert_non_null(strstr(it.terms, "暴力执法"));
    assert_int_equal(it.dups, 1);
    int64_t event = it.event_id;
    store_item_clear(&it);

    assert_int_equal(store_item_get(f->st, b, &it, &err), 0);
    assert_true(it.analyzed);
    assert_int_equal(it.event_id, 0);
    store_item_clear(&it);

    assert_int_equal(store_item_get(f->st, c, &it, &err), 0);
    assert_int_equal(it.duplicate_of, a);
    assert_int_equal(it.event_id, event);
    store_item_clear(&it);

    /* the feed shows the first copy once, with its count */
    struct store_item *page;
    size_t n;
    assert_int_equal(store_items_page(f->st, NULL, true, 10, &page, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(page[1].id, a);
    assert_int_equal(page[1].dups, 1);
    assert_string_equal(page[1].dup_sources, "微博");
    store_items_free(page, n);
}

static void events_and_alerts(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    char guid[16], text[200];
    for (int k = 0; k < 12; k++) {
        snprintf(guid, sizeof guid, "e%d", k);
        snprintf(text, sizeof text,
                 "民警打人事件第%d条：网友质疑暴力执法，要求公开执法记录仪视频 #民警打人#", k);
        record(f, guid, text, T0 + k * 300, &id);
    }
    struct store_event *ev;
    size_t n;
    struct jy_error err = {0};
    assert_int_equal(store_events_board(f->st, T0 + 3600, 72, 10, &ev, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].items, 12);
    assert_true(ev[0].level >= LEVEL_I && ev[0].level <= LEVEL_IV);
    assert_non_null(strstr(ev[0].explanation, "points"));
    assert_false(ev[0].acked);
    int sum = 0;
    for (int h = 0; h < 24; h++)
        sum += ev[0].hourly[h];
    assert_int_equal(sum, 12);
    int64_t eid = ev[0].id;
    store_events_free(ev, n);

    /* one alert for the event, however many items arrive and levels it
     * rises through while it waits (one escalation chain per event) */
    struct store_alert *al;
    assert_int_equal(store_alerts_list(f->st, true, 50, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].event_id, eid);
    assert_true(al[0].first_item_at == T0);
    /* the story rose through more than one level: the alert rose with it */
    assert_true(al[0].rises >= 1);
    assert_true(al[0].level < al[0].first_level);
    int64_t aid = al[0].id;
    int first_level = al[0].first_level;
    store_alerts_free(al, n);
    int waiting = 0, sources = 0;
    assert_int_equal(store_alerts_waiting(f->st, T0 + 3600, &waiting, &sources, &err), 0);
    assert_int_equal(waiting, 1);

    /* the board keeps an old event while its alerts wait: ten days on it
     * is still there to be acknowledged */
    assert_int_equal(store_events_board(f->st, T0 + 864000, 72, 10, &ev, &n, &err), 0);
    assert_int_equal(n, 1);
    store_events_free(ev, n);
    int count = 0;
    /* `a` acknowledges what the operator was shown: a screen that still
     * showed the first level leaves the risen alert waiting */
    assert_int_equal(store_event_ack(f->st, eid, aid, first_level, "lisi", T0 + 3990, &count, &err),
                     0);
    assert_int_equal(count, 0);
    assert_int_equal(store_event_ack(f->st, eid, 0, 0, "zhangsan", T0 + 4000, &count, &err), 0);
    assert_int_equal(count, 1);
    assert_int_equal(store_events_board(f->st, T0 + 864000, 72, 10, &ev, &n, &err), 0);
    assert_int_equal(n, 0);
    store_events_free(ev, n);
    assert_int_equal(store_alerts_waiting(f->st, T0 + 4000, &waiting, &sources, &err), 0);
    assert_int_equal(waiting, 0);
    struct store_event e;
    assert_int_equal(store_event_get(f->st, eid, T0 + 4000, &e, &err), 0);
    assert_true(e.acked);
    assert_string_equal(e.acked_by, "zhangsan");
    assert_int_equal(e.acked_at, T0 + 4000);
    store_event_clear(&e);

    /* a restart: a fresh analyzer restored from the database puts the next
     * item of the story into the same event, and raises nothing new for a
     * level already alerted */
    close_all(f);
    assert_int_equal(open_all(f), 0);
    record(f, "e99", "民警打人事件最新进展：网友继续质疑暴力执法 #民警打人#", T0 + 3900, &id);
    struct store_item it;
    assert_int_equal(store_item_get(f->st, id, &it, &err), 0);
    assert_int_equal(it.event_id, eid);
    store_item_clear(&it);
    assert_int_equal(store_event_get(f->st, eid, T0 + 4000, &e, &err), 0);
    assert_int_equal(e.items, 13);
    store_event_clear(&e);
    assert_int_equal(store_alerts_list(f->st, false, 50, &al, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_int_not_equal(al[i].level, al[j].level);
    store_alerts_free(al, n);
}

static void labels_and_model(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    record(f, "l1", "派出所办事效率很高，点赞", T0, &id);
    struct jy_error err = {0};
    assert_int_equal(store_item_label(f->st, id, 1, "lisi", T0, &err), 0);
    assert_int_equal(store_item_label(f->st, 999999, 1, "lisi", T0, &err), JY_ENOTFOUND);
    assert_int_equal(store_item_label(f->st, id, 5, "lisi", T0, &err), JY_EINVAL);
    struct store_item it;
    assert_int_equal(store_item_get(f->st, id, &it, &err), 0);
    assert_int_equal(it.label, 1);
    store_item_clear(&it);
    char **texts;
    int *labels;
    size_t n;
    assert_int_equal(store_labels_examples(f->st, &texts, &labels, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_non_null(strstr(texts[0], "点赞"));
    assert_int_equal(labels[0], 1);
    free(texts[0]);
    free(texts);
    free(labels);

    char *blob;
    size_t len;
    assert_int_equal(store_model_get(f->st, "sentiment", &blob, &len, &err), JY_ENOTFOUND);
    struct actor admin = {.login = "admin", .name = "admin", .roles = ROLE_ADMIN, .known = true};
    assert_int_equal(store_model_put(f->st, &admin, "sentiment", "abc\0def", 7, "{}", T0, &err), 0);
    assert_int_equal(store_model_get(f->st, "sentiment", &blob, &len, &err), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(blob, "abc\0def", 7);
    free(blob);
    /* a blob that is not a model is refused, not trusted */
    assert_int_equal(analyzer_set_model(f->an, "abc\0def", 7, &err), JY_EINVAL);
}

/* A date nobody should believe (milliseconds, 2100) is not the item's time:
 * it would move the analysis's clock and close every open event. */
static void future_date_not_believed(void **state)
{
    struct fixture *f = *state;
    int64_t a = 0, b = 0, c = 0;
    const char *story = "民警打人事件：网友质疑暴力执法，要求公开执法记录仪视频 #民警打人#";
    record(f, "f1", story, T0, &a);
    record_dated(f, "f2", story, (int64_t)T0 * 1000, T0 + 60, &b);
    record_dated(f, "f3", "民警打人事件后续：当事民警已停职 #民警打人#", 4102444800, T0 + 120, &c);
    struct store_item ia, ic;
    struct jy_error err = {0};
    assert_int_equal(store_item_get(f->st, a, &ia, &err), 0);
    assert_int_equal(store_item_get(f->st, c, &ic, &err), 0);
    assert_true(ia.event_id > 0);
    assert_int_equal(ic.event_id, ia.event_id);
    int64_t eid = ia.event_id;
    store_item_clear(&ia);
    store_item_clear(&ic);
    struct store_event e;
    assert_int_equal(store_event_get(f->st, eid, T0 + 200, &e, &err), 0);
    assert_int_equal(e.items, 3);
    assert_true(e.last_seen <= T0 + 120);
    store_event_clear(&e);
}

static void dark_source_alert_once(void **state)
{
    struct fixture *f = *state;
    bool raised = false;
    struct jy_error err = {0};
    assert_int_equal(store_alert_source_dark(f->st, f->src, T0, &raised, &err), 0);
    assert_true(raised);
    assert_int_equal(store_alert_source_dark(f->st, f->src, T0 + 60, &raised, &err), 0);
    assert_false(raised);
    struct store_alert *al;
    size_t n;
    assert_int_equal(store_alerts_list(f->st, true, 10, &al, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(al[0].kind, "source");
    assert_non_null(strstr(al[0].title, "信源失联"));
    assert_int_equal(store_alert_ack(f->st, al[0].id, "wangwu", T0 + 90, &err), 0);
    store_alerts_free(al, n);
    assert_int_equal(store_alert_ack(f->st, 424242, "wangwu", T0 + 90, &err), JY_ENOTFOUND);
    /* a new dark spell (after a new item) alerts again */
    record(f, "d1", "一条新消息", T0 + 100, NULL);
    assert_int_equal(store_alert_source_dark(f->st, f->src, T0 + 9000, &raised, &err), 0);
    assert_true(raised);
    /* `a` in the sources view acknowledges the source alerts only */
    record(f, "d2", "民警打人事件：网友质疑暴力执法 #民警打人#", T0 + 9100, NULL);
    int count = 0, waiting = 0;
    assert_int_equal(store_alerts_ack_sources(f->st, "wangwu", T0 + 9200, &count, &err), 0);
    assert_int_equal(count, 1);
    assert_int_equal(store_alerts_list(f->st, true, 10, &al, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(al[i].kind, "event");
    store_alerts_free(al, n);
    assert_int_equal(store_alerts_unacked(f->st, &waiting, &err), 0);
    assert_int_equal(waiting, (int)n);
}

/* A configuration with these schemes (YAML under analysis.schemes), loaded
 * from a file in a folder that is removed again before it returns. */
static struct config *config_with_schemes(const char *schemes)
{
    char dir[] = "/tmp/jy-schemes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "database: t.db\nsources: []\nanalysis:\n  schemes:\n%s", schemes);
    fclose(fp);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    assert_int_equal(config_load(path, &cfg, &err), 0);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return cfg;
}

/* A text seen again (a repost word for word) gets what it got the first
 * time, but only when its title and media level are the same too: the
 * analyzer remembers recent texts' results, and a scheme limited to some
 * media levels, or a title that matches, must still decide. */
/* A repost carries heat: its //@ chain reproduces an earlier item, so it
 * joins that item's event and counts in its volume, even when its own
 * words match nothing; those words are still the reposter's (no terms of
 * the original's are put in its mouth), and a bare 转发微博 is no attitude.
 * A repost of an item never seen joins by its chain's schemes. Another
 * story sharing a word stays apart. */
static void repost_carries_heat(void **state)
{
    (void)state;
    struct config *cfg = config_with_schemes("    - name: 执法\n      subject: [民警]\n"
                                             "      event: [打人, 按在地上]\n");
    struct analyzer *an = NULL;
    struct jy_error err = {0};
    assert_int_equal(analyzer_new(cfg, &an, &err), 0);
    const char *orig = "柳林检查站几个民警把一个骑摩托的男子按在地上，围了好多人";
    char reposts[4][512];
    snprintf(reposts[0], sizeof reposts[0], "转发微博 //@路人:%s", orig);
    snprintf(reposts[1], sizeof reposts[1], "等通报，求真相 //@路人:%s", orig);
    snprintf(reposts[2], sizeof reposts[2], "同问 //@观察员:转 //@路人:%s", orig);
    snprintf(reposts[3], sizeof reposts[3], "转 //@某人:民警在城关打人了，有视频");
    const char *texts[] = {orig, reposts[0], reposts[1], reposts[2], reposts[3],
                           "城关民警打人？另一件事，与检查站无关的一个新说法",
                           /* a reposter's name is not the story: no 民警 here */
                           "转发 //@清河民警之家:今天有人在城关打人了"};
    int64_t events[7];
    struct an_result r[7];
    for (int i = 0; i < 7; i++) {
        struct an_item in = {.id = i + 1,
                             .text = texts[i],
                             .collected = 1700000000 + i * 60,
                             .media_level = MEDIA_SELF};
        assert_int_equal(analyzer_run(an, &in, &r[i], &err), 0);
        events[i] = r[i].event_id;
    }
    assert_true(events[0] > 0);
    /* reposts of the original join it, one and two levels deep */
    assert_int_equal(events[1], events[0]);
    assert_int_equal(events[2], events[0]);
    assert_int_equal(events[3], events[0]);
    assert_int_equal(r[1].repost_of, 1);
    assert_int_equal(r[1].n_schemes, 1); /* by its chain */
    assert_true(r[1].via_repost);
    assert_int_equal(r[1].n_terms, 0); /* the original's words are not the reposter's */
    assert_int_equal(r[2].sentiment, SENT_NEGATIVE); /* 求真相: the public's reaction */
    /* a repost of something never seen: an event of its own, by its chain */
    assert_true(events[4] > 0 && events[4] != events[0]);
    /* another story sharing words stays apart */
    assert_true(events[5] != events[0]);
    assert_int_equal(r[6].n_schemes, 0);
    assert_int_equal(events[6], 0);
    struct an_event ev;
    assert_int_equal(analyzer_event(an, events[0], &ev, &err), 0);
    assert_int_equal(ev.items, 4);
    /* the attitude counts the angry repost, not the bare 转发微博 */
    assert_non_null(strstr(ev.explanation, "负面 1/"));
    an_event_clear(&ev);
    for (int i = 0; i < 7; i++)
        an_result_clear(&r[i]);
    analyzer_free(an);
    config_free(cfg);
}

static void repeated_text_same_results(void **state)
{
    (void)state;
    struct config *cfg = config_with_schemes(
        "    - name: 本地\n      subject: [民警]\n      event: [打人]\n      media: [local]\n"
        "    - name: 标题\n      expr: '通报'\n      title_only: true\n");
    struct analyzer *an = NULL;
    struct jy_error err = {0};
    assert_int_equal(analyzer_new(cfg, &an, &err), 0);
    const char *text = "城关 民警 打人 #话题#，网友愤怒";
    struct {
        const char *title;
        enum media_level media;
        size_t want_schemes;
    } runs[] = {
        {NULL, MEDIA_LOCAL, 1},       {NULL, MEDIA_LOCAL, 1},       {NULL, MEDIA_SELF, 0},
        {NULL, MEDIA_LOCAL, 1},       {"警方通报", MEDIA_SELF, 1},  {"警方通报", MEDIA_LOCAL, 2},
        {"警方通报", MEDIA_LOCAL, 2}, {"另一标题", MEDIA_LOCAL, 1},
    };
    struct an_result first = {0};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct an_item in = {.id = (int64_t)i + 1,
                             .title = runs[i].title,
                             .text = text,
                             .collected = 1700000000 + (int64_t)i,
                             .media_level = runs[i].media};
        struct an_result r;
        assert_int_equal(analyzer_run(an, &in, &r, &err), 0);
        if (r.n_schemes != runs[i].want_schemes)
            fail_msg("run %zu: %zu schemes, want %zu", i, r.n_schemes, runs[i].want_schemes);
        if (i == 0) {
            first = r;
            continue;
        }
        /* the text's own results are the same every time */
        assert_string_equal(r.norm.text, first.norm.text);
        assert_int_equal(r.norm.n_topics, 1);
        assert_string_equal(r.norm.topics[0], "话题");
        assert_true(r.simhash == first.simhash);
        assert_int_equal(r.sentiment, first.sentiment);
        assert_true(r.sentiment_score == first.sentiment_score);
        if (runs[i].media == MEDIA_LOCAL && !runs[i].title) {
            assert_int_equal(r.n_terms, first.n_terms);
            for (size_t k = 0; k < r.n_terms; k++) {
                assert_string_equal(r.terms[k].term, first.terms[k].term);
                assert_int_equal(r.terms[k].start, first.terms[k].start);
            }
        }
        an_result_clear(&r);
    }
    an_result_clear(&first);
    analyzer_free(an);
    config_free(cfg);
}

/* What the collector's second thread makes ahead (analyzer_text, with an
 * analyzer of its own) gives the store's analyzer the results it would
 * have made itself; made for another media level it is not used; once
 * taken it is never taken again; given back, it is freed with its maker's
 * memory. */
static void text_made_ahead(void **state)
{
    (void)state;
    struct config *cfg = config_with_schemes(
        "    - name: 本地\n      subject: [民警]\n      event: [打人]\n      media: [local]\n");
    struct analyzer *lane = NULL, *store = NULL, *alone = NULL;
    struct jy_error err = {0};
    assert_int_equal(analyzer_new(cfg, &lane, &err), 0);
    assert_int_equal(analyzer_new(cfg, &store, &err), 0);
    assert_int_equal(analyzer_new(cfg, &alone, &err), 0);
    const char *texts[] = {"城关 民警 打人 #话题#，網友憤怒", "清河 民警 打人 视频"};
    for (int k = 0; k < 4; k++) {
        struct an_item in = {.id = k + 1,
                             .title = "标题",
                             .text = texts[k % 2],
                             .collected = 1700000000 + k,
                             .media_level = MEDIA_LOCAL};
        struct an_text *t = NULL;
        /* k == 2: made for another media level (the source changed since) */
        struct an_item ahead = in;
        ahead.media_level = k == 2 ? MEDIA_SELF : MEDIA_LOCAL;
        assert_int_equal(analyzer_text(lane, &ahead, &t, &err), 0);
        struct an_result got, want;
        assert_int_equal(analyzer_run_text(store, &in, t, &got, &err), 0);
        assert_int_equal(analyzer_run(alone, &in, &want, &err), 0);
        assert_string_equal(got.norm.text, want.norm.text);
        assert_int_equal(got.norm.n_topics, want.norm.n_topics);
        assert_int_equal(got.n_schemes, 1);
        assert_int_equal(got.n_terms, want.n_terms);
        for (size_t i = 0; i < got.n_terms; i++) {
            assert_string_equal(got.terms[i].term, want.terms[i].term);
            assert_int_equal(got.terms[i].start, want.terms[i].start);
        }
        assert_true(got.simhash == want.simhash);
        assert_int_equal(got.sentiment, want.sentiment);
        assert_int_equal(got.duplicate_of, want.duplicate_of);
        assert_int_equal(got.event_id, want.event_id);
        /* taken: a second use analyses afresh (it must not find emptied results) */
        struct an_item again = in;
        again.id = 100 + k;
        struct an_result got2;
        assert_int_equal(analyzer_run_text(store, &again, t, &got2, &err), 0);
        assert_string_equal(got2.norm.text, want.norm.text);
        assert_int_equal(got2.n_schemes, 1);
        an_result_clear(&got2);
        /* given back: freed with t (ASan sees a leak or a double free) */
        an_text_give_back(t, &got);
        assert_null(got.norm.text);
        assert_null(got.terms);
        an_result_clear(&got);
        an_result_clear(&want);
        an_text_free(t);
    }
    analyzer_free(lane);
    analyzer_free(store);
    analyzer_free(alone);
    config_free(cfg);
}

/* An event's title is the start of its first item's text made safe to
 * draw: a long text is cut to 60 columns with an ellipsis, and a text that
 * opens with kilobytes of terminal escapes still gets the words after them. */
/* The lazy restore's text source: the texts of the first copies, counting
 * what it is asked for. */
struct texts {
    char (*text)[256];
    size_t n;
    int asked;
    bool gone; /* answer NULL: the text cannot be had */
};

static char *texts_get(void *ctx, int64_t id)
{
    struct texts *t = ctx;
    t->asked++;
    if (t->gone || id < 1 || (size_t)id > t->n)
        return NULL;
    return strdup(t->text[id - 1]);
}

/* A restart that files first copies by their keys (what the store keeps in
 * first_copies) finds the same near-duplicates as one that sketches every
 * text again, and reads only the texts of the copies a look-up meets. */
static void restore_by_keys_sketches_on_demand(void **state)
{
    (void)state;
    struct config *cfg = config_with_schemes("    - name: 执法\n      subject: [民警]\n"
                                             "      event: [打人]\n");
    static const char *const words[] = {"清河", "民警", "夜市", "道路", "积水", "学校", "通知",
                                        "培训", "游客", "摊主", "视频", "网友", "高速", "货车",
                                        "记者", "现场", "居民", "小区", "雨天", "出行"};
    enum { N = 300 };
    struct texts t = {.text = calloc(N, sizeof *t.text), .n = N};
    struct an_dup_keys *keys = calloc(N, sizeof *keys);
    uint64_t *hash = calloc(N, sizeof *hash);
    struct analyzer *first = NULL, *full = NULL, *lazy = NULL;
    struct jy_error err = {0};
    assert_int_equal(analyzer_new(cfg, &first, &err), 0);
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        char *p = t.text[i];
        size_t len = 0;
        for (int w = 0; w < 14; w++) {
            x = x * 1103515245u + 12345u;
            len += (size_t)snprintf(p + len, 256 - len, "%s", words[(x >> 16) % 20]);
        }
        snprintf(p + len, 256 - len, "，第%d条", i);
        struct an_item in = {.id = i + 1, .text = p, .collected = 1700000000 + i};
        struct an_result r;
        assert_int_equal(analyzer_run(first, &in, &r, &err), 0);
        assert_int_equal(r.duplicate_of, 0);
        an_dup_keys_of(&r, &keys[i]);
        assert_false(keys[i].skip);
        assert_true(keys[i].n > 0);
        hash[i] = r.simhash;
        /* the text as the store keeps it */
        snprintf(t.text[i], sizeof t.text[i], "%s", r.norm.text);
        an_result_clear(&r);
    }
    assert_int_equal(analyzer_new(cfg, &full, &err), 0);
    assert_int_equal(analyzer_new(cfg, &lazy, &err), 0);
    analyzer_set_text_source(lazy, texts_get, &t);
    for (int i = N - 1; i >= 0; i--) { /* newest first, as the store restores */
        struct an_dup_keys filed;
        analyzer_restore_item_keys_out(full, i + 1, hash[i], t.text[i], 1700000000 + i, &filed);
        assert_memory_equal(&filed, &keys[i], sizeof filed); /* what the store keeps */
        analyzer_restore_keys(lazy, i + 1, hash[i], &keys[i], 1700000000 + i);
    }
    assert_int_equal(t.asked, 0); /* nothing read to restore */
    /* copies of ten of them (a prefix, a tail), and ten new texts */
    int found = 0;
    for (int k = 0; k < 20; k++) {
        char text[320];
        if (k < 10)
            snprintf(text, sizeof text, "%s%s", k % 2 ? "转发：" : "", t.text[k * 29]);
        else
            snprintf(text, sizeof text, "全新的一条：%s", words[k]);
        if (k < 10 && k % 2 == 0)
            strcat(text, "，大家怎么看");
        struct an_item in = {.id = N + 1 + k, .text = text, .collected = 1700000000 + N + k};
        struct an_result a, b;
        assert_int_equal(analyzer_run(full, &in, &a, &err), 0);
        assert_int_equal(analyzer_run(lazy, &in, &b, &err), 0);
        assert_int_equal(a.duplicate_of, b.duplicate_of);
        assert_int_equal(a.event_id, b.event_id);
        found += a.duplicate_of == k * 29 + 1;
        an_result_clear(&a);
        an_result_clear(&b);
    }
    assert_int_equal(found, 10);
    /* only the copies met were read (each once), not the 300 */
    assert_true(t.asked >= 10 && t.asked <= 20);
    /* a copy whose text is gone matches nothing */
    struct analyzer *gone = NULL;
    assert_int_equal(analyzer_new(cfg, &gone, &err), 0);
    struct texts none = {.gone = true};
    analyzer_set_text_source(gone, texts_get, &none);
    analyzer_restore_keys(gone, 1, hash[0], &keys[0], 1700000000);
    struct an_item in = {.id = N + 100, .text = t.text[0], .collected = 1700000000 + N + 100};
    struct an_result r;
    assert_int_equal(analyzer_run(gone, &in, &r, &err), 0);
    assert_int_equal(r.duplicate_of, 0);
    assert_int_equal(none.asked, 1);
    an_result_clear(&r);
    analyzer_free(gone);
    analyzer_free(first);
    analyzer_free(full);
    analyzer_free(lazy);
    free(t.text);
    free(keys);
    free(hash);
    config_free(cfg);
}

static void event_title_of_long_text(void **state)
{
    (void)state;
    struct config *cfg = config_with_schemes("    - name: 打人\n      expr: '民警 AND 打人'\n");
    struct analyzer *an = NULL;
    struct jy_error err = {0};
    assert_int_equal(analyzer_new(cfg, &an, &err), 0);
    struct jy_buf long_text, escaped;
    jy_buf_init(&long_text, 0);
    jy_buf_init(&escaped, 0);
    for (int i = 0; i < 300; i++)
        jy_buf_puts(&long_text, "民警打人");
    for (int i = 0; i < 400; i++)
        jy_buf_puts(&escaped, "\x1b[31m\x1b]0;x\x07");
    jy_buf_puts(&escaped, "清河县民警打人视频");
    /* 60 columns in all, the first kilobyte ending inside a combining mark:
     * its pieces must not make the start look wider than the whole */
    struct jy_buf marks;
    jy_buf_init(&marks, 0);
    jy_buf_puts(&marks, "民警打人");
    for (int i = 0; i < 50; i++)
        jy_buf_putc(&marks, 'a' + (char)(i % 26));
    jy_buf_puts(&marks, "中");
    for (int i = 0; i < 600; i++)
        jy_buf_puts(&marks, "\xcc\x81"); /* U+0301 */
    const char *texts[] = {long_text.data, escaped.data, marks.data};
    const char *want[] = {NULL, "清河县民警打人视频", marks.data};
    for (int k = 0; k < 3; k++) {
        struct an_item in = {.id = k + 1,
                             .text = texts[k],
                             .collected = 1700000000 + 86400 * 30 * (int64_t)k,
                             .media_level = MEDIA_LOCAL};
        struct an_result r;
        assert_int_equal(analyzer_run(an, &in, &r, &err), 0);
        assert_true(r.event_id > 0);
        struct an_event e;
        assert_int_equal(analyzer_event(an, r.event_id, &e, &err), 0);
        if (want[k]) {
            assert_string_equal(e.title, want[k]);
        } else {
            assert_in_range(utf8_width(e.title), 59, 60); /* 29 ideographs and … */
            assert_non_null(strstr(e.title, "\xE2\x80\xA6"));
            assert_int_equal(strncmp(e.title, "民警打人民警打人", 24), 0);
        }
        an_event_clear(&e);
        an_result_clear(&r);
    }
    jy_buf_free(&long_text);
    jy_buf_free(&escaped);
    jy_buf_free(&marks);
    analyzer_free(an);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_title_of_long_text),
        cmocka_unit_test_setup_teardown(grouped_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(columns_made_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(stored_with_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(near_duplicate_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(events_and_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(labels_and_model, setup, teardown),
        cmocka_unit_test_setup_teardown(dark_source_alert_once, setup, teardown),
        cmocka_unit_test_setup_teardown(future_date_not_believed, setup, teardown),
        cmocka_unit_test(repost_carries_heat),
        cmocka_unit_test(repeated_text_same_results),
        cmocka_unit_test(text_made_ahead),
        cmocka_unit_test(restore_by_keys_sketches_on_demand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
