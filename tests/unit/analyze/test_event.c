/* test_event.c: event grouping (topics, similar text, near-duplicates,
 * window), each event's figures (velocity, hourly series), the risk score and
 * its explanation, levels, alert de-duplication, restoring from state, and the
 * risk vocabulary's marks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze_int.h"

#define T0 1700000000 /* an hour boundary is not needed: hours are counted from it */

static const char *names[] = {"袭警监测", "执法监测"};
static const char *name_cb(void *ctx, int i)
{
    (void)ctx;
    return i >= 0 && i < 2 ? names[i] : NULL;
}

static struct analysis_config acfg(void)
{
    struct analysis_config ac = {
        .simhash_threshold = 3,
        .duplicate_window = 168,
        .event_window = 48,
        .event_similarity = 0.25,
        .risk = {.w_content = 19,
                 .w_attitude = 5,
                 .w_intensity = 47,
                 .w_media = 10,
                 .w_evolution = 3,
                 .w_local = 16,
                 .level_min = {80, 65, 50, 35},
                 .volume_full = 1000,
                 .velocity_full = 36,
                 .velocity_base = 10,
                 .acceleration_full = 20,
                 .content_base = 0.3,
                 .major_content = 0.7},
    };
    return ac;
}

/* One item: text, optional topic, optional term (scheme 0). */
struct item {
    struct event_input in;
    struct an_term term;
    const char *topic;
    int scheme;
};

static void item_make(struct item *it, int64_t id, int64_t at, const char *text, const char *topic,
                      const char *term)
{
    memset(it, 0, sizeof *it);
    it->in.id = id;
    it->in.at = at;
    it->in.collected = at + 5;
    it->in.title = text;
    it->in.text = text;
    it->in.len = strlen(text);
    it->in.simhash = simhash64(text, strlen(text));
    it->topic = topic;
    if (topic) {
        it->in.topics = &it->topic;
        it->in.n_topics = 1;
    }
    if (term) {
        it->term.term = (char *)term;
        it->in.terms = &it->term;
        it->in.n_terms = 1;
    }
    it->scheme = 0;
    it->in.schemes = &it->scheme;
    it->in.n_schemes = 1;
    it->in.source = "微博";
    it->in.media_level = MEDIA_SELF;
}

static int64_t add(struct event_engine *ee, struct item *it, struct an_event *ev, bool *alert)
{
    struct jy_error err = {0};
    bool a;
    assert_int_equal(event_engine_add(ee, &it->in, ev, alert ? alert : &a, &err), 0);
    return ev->id;
}

static int64_t add1(struct event_engine *ee, struct item *it)
{
    struct an_event ev;
    int64_t id = add(ee, it, &ev, NULL);
    an_event_clear(&ev);
    return id;
}

static const char *A1 = "清河县城关派出所民警在处置纠纷时被醉酒男子打伤，嫌疑人已被控制";
static const char *A2 = "城关派出所民警处置纠纷被醉酒男子打伤一事，警方通报嫌疑人已被刑拘";
static const char *B1 = "春节期间高速公路车流量大，交警提醒司机出行前检查车况不要疲劳驾驶";
static const char *C1 = "市民反映办理身份证排队两个小时，窗口工作人员态度冷淡，希望改进";

static void test_topic_groups(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item a, b, c;
    item_make(&a, 1, T0, A1, "清河民警被打", NULL);
    item_make(&b, 2, T0 + 60, A2, "清河民警被打", NULL); /* the same story, same topic */
    item_make(&c, 3, T0 + 120, C1, "办证难", NULL);
    int64_t ea = add1(ee, &a), eb = add1(ee, &b), ec = add1(ee, &c);
    assert_int_equal(ea, 1);
    assert_int_equal(eb, ea);
    assert_int_equal(ec, 2);
    /* A trending topic pasted onto another story does not pull it in:
     * events stay pure. */
    struct item d;
    item_make(&d, 4, T0 + 180, B1, "清河民警被打", NULL);
    assert_int_equal(add1(ee, &d), 3);
    event_engine_free(ee);
}

static void test_similar_text_and_term(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item a, b, c, d;
    item_make(&a, 1, T0, A1, NULL, "民警");
    item_make(&b, 2, T0 + 60, A2, NULL, "民警");  /* similar text, shared term */
    item_make(&c, 3, T0 + 120, B1, NULL, "交警"); /* unrelated */
    item_make(&d, 4, T0 + 180, C1, NULL, "民警"); /* shares a term, text unrelated */
    int64_t ea = add1(ee, &a), eb = add1(ee, &b), ec = add1(ee, &c), ed = add1(ee, &d);
    assert_int_equal(eb, ea);
    assert_true(ec != ea);
    assert_true(ed != ea && ed != ec);
    event_engine_free(ee);
}

static void test_duplicates_and_title(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item a, b, d1, d2;
    struct an_event ev;
    item_make(&a, 1, T0, C1, "话题甲", NULL);
    item_make(&b, 2, T0 + 10, "市民反映办理身份证排队两个小时，窗口工作人员态度冷淡", "话题甲",
              NULL);
    int64_t e = add1(ee, &a);
    assert_int_equal(add1(ee, &b), e);
    /* A copy of item 2 with no topic and another text still joins item 2's
     * event (the duplicate index said so), and makes item 2 representative. */
    item_make(&d1, 3, T0 + 20, "窗口排队两小时 转发", NULL, NULL);
    d1.in.duplicate_of = 2;
    assert_int_equal(add(ee, &d1, &ev, NULL), e);
    assert_int_equal(ev.rep_item, 2);
    assert_string_equal(ev.title, "窗口排队两小时 转发");
    assert_int_equal(ev.items, 3);
    an_event_clear(&ev);
    /* an unrelated item duplicating a first copy nobody holds starts anew */
    item_make(&d2, 4, T0 + 30, B1, NULL, NULL);
    d2.in.duplicate_of = 99;
    assert_true(add1(ee, &d2) != e);
    event_engine_free(ee);
}

/* A copy of a story whose first copy's event has closed starts the story's
 * event anew, and a repost whose chain finds that first copy (the duplicate
 * index answers with it) joins that event, whatever its reposter's own
 * words: they had gone to any event that shared a scheme and looked alike. */
static void test_repost_of_copy_after_close(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item a, b, r, other;
    item_make(&a, 1, T0, A1, NULL, NULL);
    int64_t e1 = add1(ee, &a);
    int64_t later = T0 + 100 * 3600; /* the first event closed long before */
    item_make(&other, 2, later, B1, NULL, NULL);
    int64_t e2 = add1(ee, &other);
    item_make(&b, 3, later + 60, A1, NULL, NULL);
    b.in.duplicate_of = 1;
    int64_t e3 = add1(ee, &b);
    assert_true(e3 != e1 && e3 != e2);
    assert_true(event_engine_holds(ee, 1, later + 120));
    item_make(&r, 4, later + 120, B1, NULL, NULL); /* its words look like the other story */
    r.in.repost_of = 1;
    assert_int_equal(add1(ee, &r), e3);
    event_engine_free(ee);
}

static void test_window_expiry(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item a, b, c;
    item_make(&a, 1, T0, A1, "话题", NULL);
    item_make(&b, 2, T0 + 48 * 3600, A2, "话题", NULL); /* exactly the window: joins */
    item_make(&c, 3, T0 + 96 * 3600 + 1, A1, "话题", NULL);
    int64_t e = add1(ee, &a);
    assert_int_equal(add1(ee, &b), e);
    int64_t e3 = add1(ee, &c);
    assert_true(e3 != e);
    assert_int_equal(e3, 2);
    event_engine_free(ee);
}

static void test_velocity_hourly(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item it;
    struct an_event ev;
    int64_t base = (int64_t)T0 / 3600 * 3600;
    int id = 1;
    /* two items an hour for 12 hours, then eight in the 13th */
    for (int h = 0; h < 12; h++) {
        for (int k = 0; k < 2; k++) {
            item_make(&it, id++, base + h * 3600 + k * 60, A1, "话题", NULL);
            add1(ee, &it);
        }
    }
    for (int k = 0; k < 8; k++) {
        item_make(&it, id++, base + 12 * 3600 + k * 60, A2, "话题", NULL);
        add(ee, &it, &ev, NULL);
        if (k < 7)
            an_event_clear(&ev);
    }
    assert_int_equal(ev.items, 32);
    assert_int_equal(ev.hourly[23], 8);
    for (int i = 11; i < 23; i++)
        assert_int_equal(ev.hourly[i], 2);
    for (int i = 0; i < 11; i++)
        assert_int_equal(ev.hourly[i], 0);
    assert_true(fabs(ev.velocity - 4.0) < 1e-9);
    assert_int_equal(ev.first_seen, base);
    assert_int_equal(ev.last_seen, base + 12 * 3600 + 7 * 60);
    assert_int_equal(ev.first_collected, base + 5);
    an_event_clear(&ev);
    /* an item arriving late, in an earlier hour, lands in its hour */
    item_make(&it, id++, base + 5 * 3600, A1, "话题", NULL);
    add(ee, &it, &ev, NULL);
    assert_int_equal(ev.hourly[23 - 7], 3);
    an_event_clear(&ev);
    /* a new event's first item: baseline of one an hour */
    item_make(&it, id++, base, C1, "另一个", NULL);
    add(ee, &it, &ev, NULL);
    assert_true(fabs(ev.velocity - 1.0) < 1e-9);
    an_event_clear(&ev);
    event_engine_free(ee);
}

/* A post and 30 reposts a minute apart from start: the event's risk score
 * and explanation after the last. */
static void burst_assess(int64_t start, double *score, char **explanation)
{
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item it;
    struct an_event ev;
    for (int k = 0; k <= 30; k++) {
        item_make(&it, k + 1, start + k * 60, A1, "话题", NULL);
        add(ee, &it, &ev, NULL);
        if (k < 30)
            an_event_clear(&ev);
    }
    assert_int_equal(ev.items, 31);
    *score = ev.score;
    *explanation = xstrdup(ev.explanation);
    an_event_clear(&ev);
    event_engine_free(ee);
}

/* The spread is measured on the event's own timeline: the same posts
 * shifted by 40 minutes (so that clock hours would cut them 20 + 11) or by
 * any other amount give the same intensity, and a first hour has no
 * acceleration to show. */
static void test_spread_shift(void **state)
{
    (void)state;
    int64_t hour = (int64_t)T0 / 3600 * 3600;
    double s0, s;
    char *e0, *e;
    burst_assess(hour, &s0, &e0);
    assert_non_null(strstr(e0, "近1小时 31 条"));
    assert_non_null(strstr(e0, "无加速度"));
    const int64_t shifts[] = {40 * 60, 59 * 60 + 59, 17, 3 * 3600 + 25 * 60};
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
        burst_assess(hour + shifts[i], &s, &e);
        assert_true(s == s0);
        assert_string_equal(e, e0);
        free(e);
    }
    free(e0);
}

/* Acceleration once the event has an hour before its last to compare:
 * ten items, then thirty an hour later, against ten, then ten. */
static void test_spread_acceleration(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    double score[2];
    for (int run = 0; run < 2; run++) {
        struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
        struct item it;
        struct an_event ev;
        int id = 1, later = run ? 30 : 10;
        for (int k = 0; k < 10; k++) {
            item_make(&it, id++, T0 + 40 * 60 + k * 60, A1, "话题", NULL);
            add1(ee, &it);
        }
        for (int k = 0; k < later; k++) {
            item_make(&it, id++, T0 + 40 * 60 + 3600 + 15 * 60 + k * 30, A2, "话题", NULL);
            add(ee, &it, &ev, NULL);
            if (k < later - 1)
                an_event_clear(&ev);
        }
        assert_null(strstr(ev.explanation, "无加速度"));
        assert_non_null(strstr(ev.explanation, run ? "为前1小时的 3.0 倍" : "为前1小时的 1.0 倍"));
        score[run] = ev.score;
        an_event_clear(&ev);
        event_engine_free(ee);
    }
    assert_true(score[1] > score[0]);
}

/* Intensity in an event's first hour against the posts in it: nothing of
 * velocity below the background (velocity_base an hour), then steep from
 * there to a few hundred, so that 10 and 100 posts lie far apart. */
static double first_hour_intensity(int posts)
{
    struct analysis_config ac = acfg();
    struct risk_inputs in = {.items = posts,
                             .local = posts,
                             .last_hour = posts,
                             .top_media = MEDIA_SELF,
                             .categories = 1u << CAT_ENFORCEMENT};
    double score;
    enum risk_level level;
    char *ex;
    risk_assess(&ac.risk, &in, &score, &level, &ex);
    json_error_t je;
    json_t *a = json_loads(ex, 0, &je);
    assert_non_null(a);
    double points = json_number_value(json_object_get(json_array_get(a, 2), "points"));
    json_decref(a);
    free(ex);
    return points;
}

static void test_first_hour_steep(void **state)
{
    (void)state;
    double p5 = first_hour_intensity(5), p10 = first_hour_intensity(10);
    double p31 = first_hour_intensity(31), p100 = first_hour_intensity(100);
    /* under the background, only volume grows */
    assert_true(p10 - p5 < 3.5);
    /* the grading set's 31 posts keep their old intensity (about 20 of 47) */
    assert_true(fabs(p31 - 20.1) < 0.3);
    /* 10 to 100: more than 18 of the 47 points (on clock hours, 11) */
    assert_true(p100 - p10 > 18);
}

static double explanation_sum(const char *json, int *n, double *weights)
{
    json_error_t je;
    json_t *a = json_loads(json, 0, &je);
    assert_non_null(a);
    static const char *order[] = {"content",   "attitude", "intensity", "media",
                                  "evolution", "local",    "cap"};
    double sum = 0;
    *weights = 0;
    *n = (int)json_array_size(a);
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        assert_string_equal(json_string_value(json_object_get(o, "indicator")), order[i]);
        assert_non_null(json_string_value(json_object_get(o, "label")));
        assert_non_null(json_string_value(json_object_get(o, "detail")));
        double p = json_number_value(json_object_get(o, "points"));
        assert_true(fabs(p * 10 - round(p * 10)) < 1e-6); /* tenths */
        sum += p;
        *weights += json_number_value(json_object_get(o, "weight"));
    }
    json_decref(a);
    return sum;
}

static void test_explanation_sums(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    /* weights not summing to 100 are normalised */
    ac.risk.w_attitude = 3;
    ac.risk.w_evolution = 7;
    struct risk_inputs cases[] = {
        {.items = 7,
         .negative = 3,
         .voiced = 5,
         .local = 2,
         .official = 1,
         .sources = 2,
         .categories = 1u << CAT_ASSAULT | 1u << CAT_RUMOUR,
         .top_media = MEDIA_PROVINCIAL,
         .last_hour = 27,
         .hour_mean = 10,
         .acceleration = 1.5,
         .phase = PHASE_SPREADING},
        {.items = 1, .top_media = MEDIA_UNKNOWN, .last_hour = 1},
        {.items = 1000,
         .negative = 999,
         .voiced = 1000,
         .local = 1000,
         .official = 3,
         .sources = 40,
         .categories = 0x7f,
         .top_media = MEDIA_CENTRAL,
         .last_hour = 400,
         .hour_mean = 10,
         .acceleration = 40,
         .phase = PHASE_SPREADING},
        {.items = 13,
         .negative = 1,
         .voiced = 13,
         .local = 1,
         .genre = 12,
         .categories = 1u << CAT_WINDOW,
         .top_media = MEDIA_LOCAL,
         .last_hour = 33,
         .hour_mean = 10,
         .phase = PHASE_PEAK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double score;
        enum risk_level level;
        char *ex;
        risk_assess(&ac.risk, &cases[i], &score, &level, &ex);
        int n;
        double w;
        double sum = explanation_sum(ex, &n, &w);
        assert_true(n == 6 || n == 7); /* a capped score says so */
        assert_true(fabs(sum - score) < 1e-6);
        assert_true(fabs(w - 100) < 0.35); /* rounded weights */
        assert_true(score >= 0 && score <= 100);
        free(ex);
    }
    /* the everything case is full marks */
    double score;
    enum risk_level level;
    char *ex;
    risk_assess(&ac.risk, &cases[2], &score, &level, &ex);
    assert_true(score > 99);
    assert_int_equal(level, LEVEL_I);
    assert_non_null(strstr(ex, "\"indicator\":\"content\""));
    assert_non_null(strstr(ex, "袭警/民警受伤"));
    free(ex);
}

/* Volume alone never makes I or II; praise, notices and tips stay at IV;
 * a denied rumour weighs a quarter. */
static void test_caps(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct risk_inputs big = {.items = 5000,
                              .negative = 5000,
                              .voiced = 5000,
                              .local = 5000,
                              .official = 9,
                              .sources = 300,
                              .top_media = MEDIA_CENTRAL,
                              .last_hour = 500,
                              .hour_mean = 10,
                              .acceleration = 50,
                              .phase = PHASE_SPREADING};
    double score;
    enum risk_level level;
    char *ex;
    risk_assess(&ac.risk, &big, &score, &level, &ex);
    assert_int_equal(level, LEVEL_III);
    assert_true(score < 65);
    assert_non_null(strstr(ex, "\"indicator\":\"cap\""));
    free(ex);
    big.categories = 1u << CAT_ENFORCEMENT;
    risk_assess(&ac.risk, &big, &score, &level, NULL);
    assert_int_equal(level, LEVEL_I);
    /* praise: even a big, fast one stays at IV */
    big.categories = 1u << CAT_MAJOR_CASE;
    big.genre = 4000;
    risk_assess(&ac.risk, &big, &score, &level, NULL);
    assert_int_equal(level, LEVEL_IV);
    /* a capped score bends under its ceiling instead of stopping there:
     * a notice thousands passed on still ranks above one a few hundred did */
    double wide = score;
    struct risk_inputs small = big;
    small.items = small.negative = small.voiced = small.local = 300;
    small.genre = 240;
    small.sources = 20;
    small.last_hour = 100;
    small.acceleration = 10;
    enum risk_level small_level;
    double narrow;
    risk_assess(&ac.risk, &small, &narrow, &small_level, NULL);
    assert_int_equal(small_level, LEVEL_IV);
    assert_true(wide < 50);
    assert_true(wide > narrow);
    /* but not when an officer did wrong in it */
    big.categories |= 1u << CAT_MISCONDUCT;
    risk_assess(&ac.risk, &big, &score, &level, NULL);
    assert_int_equal(level, LEVEL_I);
    /* a rumour, then its denial */
    struct risk_inputs r = {.items = 40,
                            .voiced = 20,
                            .negative = 10,
                            .local = 40,
                            .sources = 3,
                            .categories = 1u << CAT_RUMOUR,
                            .top_media = MEDIA_SELF,
                            .last_hour = 80,
                            .hour_mean = 10,
                            .acceleration = 3,
                            .phase = PHASE_SPREADING};
    double before, after;
    enum risk_level lb, la;
    risk_assess(&ac.risk, &r, &before, &lb, NULL);
    r.debunked = true;
    risk_assess(&ac.risk, &r, &after, &la, &ex);
    assert_true(after < before - 5);
    assert_true(la >= lb);
    /* where content weighs more, the denial takes the level down */
    ac.risk.w_content = 35;
    r.debunked = false;
    risk_assess(&ac.risk, &r, &before, &lb, NULL);
    r.debunked = true;
    risk_assess(&ac.risk, &r, &after, &la, NULL);
    assert_true(la > lb);
    assert_non_null(strstr(ex, "已辟谣"));
    free(ex);
}

/* Intensity on log scales: the volume keeps ranking far past 200 items and
 * the growth ratio past 6 (both were full there, so every fast story
 * looked the same in its first hour). */
static void test_intensity_log_scale(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    /* a serious matter, so that no cap bends the scores it compares */
    struct risk_inputs in = {.items = 200,
                             .local = 200,
                             .top_media = MEDIA_SELF,
                             .last_hour = 10,
                             .hour_mean = 10,
                             .categories = 1u << CAT_ENFORCEMENT};
    double s200, s800, slow, fast;
    enum risk_level level;
    risk_assess(&ac.risk, &in, &s200, &level, NULL);
    in.items = in.local = 800;
    risk_assess(&ac.risk, &in, &s800, &level, NULL);
    assert_true(s800 > s200 + 2);
    in.last_hour = 80;
    in.acceleration = 8;
    risk_assess(&ac.risk, &in, &slow, &level, NULL);
    in.last_hour = 190;
    in.acceleration = 19;
    risk_assess(&ac.risk, &in, &fast, &level, NULL);
    assert_true(fast > slow + 2);
    assert_true(slow > s800);
}

/* Content weighs with the spread: a post nobody has passed on has
 * content_base of its content value, and two stories of the same size
 * differ by their content alone. */
static void test_content_with_spread(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    ac.risk = (struct risk_config){
        .w_content = 100, .level_min = {80, 65, 50, 35}, .volume_full = 1000, .content_base = 0.3};
    struct risk_inputs in = {.items = 1, .categories = 1u << CAT_ENFORCEMENT};
    double one, many;
    enum risk_level level;
    risk_assess(&ac.risk, &in, &one, &level, NULL);
    in.items = 1000;
    risk_assess(&ac.risk, &in, &many, &level, NULL);
    assert_true(fabs(many - 100) < 1e-6);
    /* log1p(1) / log1p(1000) of the rest grows in with the first item */
    assert_true(fabs(one - 100 * (0.3 + 0.7 * log(2) / log(1001))) < 0.1);
    ac.risk.content_base = 1;
    in.items = 1;
    risk_assess(&ac.risk, &in, &one, &level, NULL);
    assert_true(fabs(one - 100) < 1e-6);
}

/* The public's attitude: a bare 转发微博 says nothing, so thirty of them do
 * not dilute one angry post. */
static void test_attitude_voiced(void **state)
{
    (void)state;
    struct risk_config rc = {.w_attitude = 100, .level_min = {80, 65, 50, 35}};
    struct risk_inputs in = {
        .items = 31, .negative = 1, .voiced = 1, .categories = 1u << CAT_ENFORCEMENT};
    double score;
    enum risk_level level;
    risk_assess(&rc, &in, &score, &level, NULL);
    assert_true(fabs(score - 100) < 1e-6);
    in.voiced = 31;
    risk_assess(&rc, &in, &score, &level, NULL);
    assert_true(score < 5);
}

static void test_levels(void **state)
{
    (void)state;
    /* only the attitude counts here; a serious category lifts the cap */
    struct risk_config rc = {.w_attitude = 100, .level_min = {80, 60, 40, 25}};
    struct {
        int negative;
        enum risk_level level;
    } cases[] = {{1000, LEVEL_I},   {800, LEVEL_I},   {799, LEVEL_II}, {600, LEVEL_II},
                 {599, LEVEL_III},  {400, LEVEL_III}, {399, LEVEL_IV}, {250, LEVEL_IV},
                 {249, LEVEL_NONE}, {0, LEVEL_NONE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct risk_inputs in = {.items = 1000,
                                 .voiced = 1000,
                                 .negative = cases[i].negative,
                                 .categories = 1u << CAT_ENFORCEMENT};
        double score;
        enum risk_level level;
        risk_assess(&rc, &in, &score, &level, NULL);
        assert_true(fabs(score - cases[i].negative / 10.0) < 1e-6);
        assert_int_equal(level, cases[i].level);
    }
    assert_string_equal(level_roman(LEVEL_III), "III");
    assert_string_equal(level_label(LEVEL_I), "特别重大");
    assert_string_equal(level_color(LEVEL_IV), "blue");
    assert_string_equal(level_label(LEVEL_NONE), "未分级");
}

/* The attitude is toward the police: a sad or angry post that praises them
 * (an officer who died on duty) with nothing they did wrong is not against
 * them; praise that also tells of an officer's wrong, and plain anger,
 * count. */
static void test_attitude_praise(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    memset(&ac.risk, 0, sizeof ac.risk);
    ac.risk.w_attitude = 100;
    ac.risk.level_min[0] = 80;
    ac.risk.level_min[1] = 60;
    ac.risk.level_min[2] = 40;
    ac.risk.level_min[3] = 25;
    struct {
        bool praise;
        unsigned cats;
        int negative; /* the event's negative count after one negative item */
    } cases[] = {
        {true, 0, 0},
        {true, 1u << CAT_ASSAULT, 0},
        {true, 1u << CAT_MISCONDUCT, 1},
        {false, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
        struct item it;
        struct an_event ev;
        bool alert;
        item_make(&it, 1, T0, A1, "话题", NULL);
        it.in.sentiment = SENT_NEGATIVE;
        it.in.voiced = true;
        it.in.marks.praise = cases[i].praise;
        it.in.marks.categories = cases[i].cats;
        add(ee, &it, &ev, &alert);
        assert_int_equal(ev.negative, cases[i].negative);
        an_event_clear(&ev);
        event_engine_free(ee);
    }
}

static void test_alert_once_per_level(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    memset(&ac.risk, 0, sizeof ac.risk);
    ac.risk.w_attitude = 100;
    ac.risk.level_min[0] = 80;
    ac.risk.level_min[1] = 60;
    ac.risk.level_min[2] = 40;
    ac.risk.level_min[3] = 25;
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    /* negative or not, per item; expected level and alert after it */
    struct {
        bool neg;
        enum risk_level level;
        bool alert;
    } steps[] = {
        {false, LEVEL_NONE, false}, /* 0/1 */
        {true, LEVEL_III, true},    /* 1/2 = 50: entered III */
        {false, LEVEL_IV, false},   /* 1/3: falling */
        {true, LEVEL_III, false},   /* 2/4: III again */
        {true, LEVEL_II, true},     /* 3/5 = 60: rising */
        {true, LEVEL_II, false},    /* 4/6 */
        {true, LEVEL_II, false},    /* 5/7 = 71 */
        {true, LEVEL_II, false},    /* 6/8 = 75 */
        {true, LEVEL_II, false},    /* 7/9 = 77.8 */
        {true, LEVEL_I, true},      /* 8/10 = 80 */
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        struct item it;
        struct an_event ev;
        bool alert;
        item_make(&it, (int64_t)i + 1, T0 + (int64_t)i, A1, "话题", NULL);
        it.in.sentiment = steps[i].neg ? SENT_NEGATIVE : SENT_NEUTRAL;
        it.in.voiced = true;
        it.in.marks.categories = 1u << CAT_ENFORCEMENT; /* no cap */
        add(ee, &it, &ev, &alert);
        assert_int_equal(ev.level, steps[i].level);
        assert_int_equal(alert, steps[i].alert);
        an_event_clear(&ev);
    }
    event_engine_free(ee);
}

static void test_restore(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *e1 = event_engine_new(&ac, name_cb, NULL);
    struct item it;
    struct an_event ev;
    bool alert;
    const char *srcs[] = {"微博", "清河发布", "人民网"};
    for (int i = 0; i < 9; i++) {
        item_make(&it, i + 1, T0 + i * 1200, i % 2 ? A2 : A1, i < 3 ? "话题" : NULL, "民警");
        it.in.source = srcs[i % 3];
        it.in.sentiment = i % 3 ? SENT_NEGATIVE : SENT_POSITIVE;
        it.in.marks.local = i % 2;
        it.in.marks.official = i == 4;
        it.in.marks.categories = 1u << CAT_ASSAULT;
        it.in.media_level = i == 5 ? MEDIA_PROVINCIAL : MEDIA_SELF;
        add(e1, &it, &ev, &alert);
        if (i < 8)
            an_event_clear(&ev);
    }
    assert_int_equal(ev.items, 9);
    assert_int_equal(ev.sources, 3);
    assert_int_equal(ev.top_media, MEDIA_PROVINCIAL);
    char *st = xstrdup(ev.state);
    int64_t id = ev.id;
    an_event_clear(&ev);

    struct event_engine *e2 = event_engine_new(&ac, name_cb, NULL);
    struct jy_error err = {0};
    assert_int_equal(event_engine_restore(e2, id, "{not json", &err), JY_EINVAL);
    {
        /* a damaged state (a profile key given 600 times, absurd counts) is
         * read without harm: the keys add up */
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{\"v\":1,\"title\":\"x\",\"items\":3,\"profile\":[");
        for (int k = 0; k < 600; k++)
            jy_buf_puts(&b, k ? ",5,1" : "5,1");
        jy_buf_puts(&b, ",6,-4,7,99999999999]}");
        struct event_engine *e3 = event_engine_new(&ac, name_cb, NULL);
        assert_int_equal(event_engine_restore(e3, 77, b.data, &err), 0);
        struct an_event x;
        assert_int_equal(event_engine_get(e3, 77, &x, &err), 0);
        assert_int_equal(x.items, 3);
        an_event_clear(&x);
        event_engine_free(e3);
        jy_buf_free(&b);
    }
    assert_int_equal(event_engine_restore(e2, id, st, &err), 0);
    free(st);
    event_engine_set_next_id(e2, id + 1);

    /* the same next items give the same figures in both */
    struct item nx[3];
    item_make(&nx[0], 20, T0 + 9 * 1200, A2, NULL, "民警"); /* by text */
    item_make(&nx[1], 21, T0 + 9 * 1300, "城关派出所民警处置纠纷时被醉酒男子打伤，转发关注", "话题",
              NULL);
    item_make(&nx[2], 22, T0 + 9 * 1400, B1, NULL, NULL); /* a new event */
    nx[1].in.source = "新来源";
    nx[2].in.duplicate_of = 1; /* copy of item 1 */
    for (int k = 0; k < 3; k++) {
        struct an_event x, y;
        bool ax, ay;
        nx[k].in.sentiment = SENT_NEGATIVE;
        add(e1, &nx[k], &x, &ax);
        add(e2, &nx[k], &y, &ay);
        assert_int_equal(x.id, y.id);
        assert_int_equal(x.id, id);
        assert_string_equal(x.title, y.title);
        assert_int_equal(x.rep_item, y.rep_item);
        assert_int_equal(x.items, y.items);
        assert_int_equal(x.sources, y.sources);
        assert_int_equal(x.negative, y.negative);
        assert_int_equal(x.first_seen, y.first_seen);
        assert_int_equal(x.last_seen, y.last_seen);
        assert_int_equal(x.first_collected, y.first_collected);
        assert_memory_equal(x.hourly, y.hourly, sizeof x.hourly);
        assert_true(x.velocity == y.velocity);
        assert_true(x.score == y.score);
        assert_int_equal(x.level, y.level);
        assert_int_equal(ax, ay);
        assert_string_equal(x.explanation, y.explanation);
        assert_string_equal(x.terms, y.terms);
        assert_string_equal(x.topics, y.topics);
        assert_string_equal(x.schemes, y.schemes);
        assert_string_equal(x.state, y.state);
        an_event_clear(&x);
        an_event_clear(&y);
    }
    assert_int_equal(add1(e2, &nx[2]), id); /* duplicate of item 1 still found */
    item_make(&it, 30, T0 + 9 * 1500, C1, "别的话题", NULL);
    assert_int_equal(add1(e1, &it), id + 1);
    assert_int_equal(add1(e2, &it), id + 1);
    event_engine_free(e1);
    event_engine_free(e2);
}

/* A state written before profiles were counters (version 1) lists bigrams,
 * not counters: restored, it still draws the same story's next item. */
static void test_restore_v1_state(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "{\"v\":1,\"title\":\"旧事件\",\"rep_item\":1,\"first_seen\":");
    jy_buf_json_int(&b, T0);
    jy_buf_puts(&b, ",\"last_seen\":");
    jy_buf_json_int(&b, T0 + 60);
    jy_buf_puts(&b, ",\"items\":4,\"schemes\":[[0,\"袭警监测\"]],\"profile\":[");
    uint32_t prev = 0;
    bool first = true;
    for (size_t i = 0, n = strlen(A1); i < n;) {
        uint32_t cp;
        i += utf8_decode(A1 + i, n - i, &cp);
        bool cjk = cp >= 0x4e00 && cp <= 0x9fff;
        if (prev && cjk) {
            if (!first)
                jy_buf_putc(&b, ',');
            first = false;
            jy_buf_json_int(&b, (int64_t)(((uint64_t)prev << 21) | cp));
            jy_buf_puts(&b, ",4");
        }
        prev = cjk ? cp : 0;
    }
    jy_buf_puts(&b, "]}");
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct jy_error err = {0};
    assert_int_equal(event_engine_restore(ee, 50, b.data, &err), 0);
    event_engine_set_next_id(ee, 51);
    jy_buf_free(&b);
    struct item it;
    item_make(&it, 9, T0 + 120, A1, NULL, NULL); /* no topic, no term: by text alone */
    assert_int_equal(add1(ee, &it), 50);
    item_make(&it, 10, T0 + 180, C1, NULL, NULL);
    assert_int_equal(add1(ee, &it), 51);
    event_engine_free(ee);
}

/* Counter 0 is a counter like any other: an event whose only bigram falls
 * into it (一囧 does) must draw the same text again after a restore. */
static void test_restore_counter_zero(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *e1 = event_engine_new(&ac, name_cb, NULL);
    event_engine_keep_state(e1, true);
    event_engine_full_picture(e1, true);
    struct item it;
    struct an_event ev;
    item_make(&it, 1, T0, "一囧", NULL, NULL);
    int64_t id = add(e1, &it, &ev, NULL);
    assert_non_null(strstr(ev.state, "\"profile\":[0,1]"));
    char *st = xstrdup(ev.state);
    an_event_clear(&ev);
    event_engine_free(e1);

    struct event_engine *e2 = event_engine_new(&ac, name_cb, NULL);
    struct jy_error err = {0};
    assert_int_equal(event_engine_restore(e2, id, st, &err), 0);
    event_engine_set_next_id(e2, id + 1);
    free(st);
    item_make(&it, 2, T0 + 60, "一囧", NULL, NULL);
    assert_int_equal(add1(e2, &it), id);
    event_engine_free(e2);
}

static void test_event_json(void **state)
{
    (void)state;
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct item it;
    struct an_event ev;
    struct an_term terms[3] = {{.scheme = 0, .term = "袭警"},
                               {.scheme = 1, .term = "袭警"},
                               {.scheme = 1, .term = "打伤"}};
    int schemes[2] = {0, 1};
    const char *topics[2] = {"清河\"民警\"", "袭警"};
    item_make(&it, 1, T0, A1, NULL, NULL);
    it.in.terms = terms;
    it.in.n_terms = 3;
    it.in.schemes = schemes;
    it.in.n_schemes = 2;
    it.in.topics = topics;
    it.in.n_topics = 2;
    add(ee, &it, &ev, NULL);
    assert_string_equal(ev.schemes, "[\"袭警监测\",\"执法监测\"]");
    assert_string_equal(ev.terms, "[[\"打伤\",1],[\"袭警\",1]]");
    assert_string_equal(ev.topics, "[\"清河\\\"民警\\\"\",\"袭警\"]");
    json_error_t je;
    json_t *s = json_loads(ev.state, 0, &je);
    assert_non_null(s);
    json_decref(s);
    an_event_clear(&ev);
    event_engine_free(ee);
}

static void test_vocab_scan(void **state)
{
    (void)state;
    struct normalizer *nz;
    struct jy_error err = {0};
    if (normalizer_new(&nz, &err) != 0) {
        print_message("skipped: %s\n", err.msg);
        skip();
    }
    struct source_config src[2] = {{.name = "a", .region = "清河县"}, {.name = "b"}};
    struct config cfg = {.sources = src, .n_sources = 2};
    struct risk_vocab *rv;
    assert_int_equal(risk_vocab_new(nz, config_datadir(), &cfg, &rv, &err), 0);
    /* Each content rule: who did what to whom, negation, enforcement,
     * genre, hearsay and its denial. */
    enum { P = 1, G = 2, D = 4 }; /* praise, publicity, debunk */
    struct {
        const char *text, *author, *source;
        unsigned cats;
        bool local, official;
        int genre;
    } cases[] = {
        {"清河民警被打，网传视频不实", NULL, NULL, 1u << CAT_ASSAULT, true, false, G | D},
        {"一名中学生在校门口被殴打", NULL, NULL, 1u << CAT_MINORS | 1u << CAT_MAJOR_CASE, false,
         false, 0},
        {"民警救起落水小孩", NULL, NULL, 0, false, false, P},
        {"@清河县公安局 办证难，跑了好几趟", NULL, NULL, 1u << CAT_WINDOW, true, true, 0},
        {"公安机关表示正在调查", NULL, NULL, 0, false, false, 0},
        {"今天天气很好", "平安清河", NULL, 0, false, true, 0},
        {"今天天气很好", NULL, "CCTV新闻", 0, false, true, 0},
        {"今天天气很好", "路人甲", "微博", 0, false, false, 0},
        {"暴力执法，民警酒驾撞人致死", NULL, NULL,
         1u << CAT_ENFORCEMENT | 1u << CAT_MISCONDUCT | 1u << CAT_MAJOR_CASE, false, false, 0},
        /* a notice the post takes issue with makes it no notice */
        {"调查通报出来了，难道就这样算了", NULL, NULL, 0, false, false, 0},
        {"调查通报出来了，事情已经查清", NULL, NULL, 0, false, false, G},
        /* a crackdown is not an officer's drink-driving */
        {"交警开展酒驾整治行动，查处酒驾司机12名", NULL, NULL, 0, false, false, G},
        {"民警醉驾撞人后逃逸", NULL, NULL, 1u << CAT_MISCONDUCT | 1u << CAT_ENFORCEMENT, false,
         false, 0},
        /* the police hit, or hit by someone */
        {"警察枪杀一尸两命", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"民警把男子按在地上扇耳光", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"男子殴打民警被刑拘", NULL, NULL, 1u << CAT_ASSAULT | 1u << CAT_MAJOR_CASE, false, false,
         G},
        {"民警接到报警称一男子打人", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, 0},
        {"民警并未殴打当事人", NULL, NULL, 0, false, false, 0},
        /* hit by the police, told by the one hit; not a gang the police broke */
        {"我弟弟在派出所被警察打了", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"昨晚被两个辅警给踹倒在地", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"犯罪团伙被警方打掉", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        {"他没有被警察打", NULL, NULL, 0, false, false, 0},
        /* death alone is no case; a child rescued is no risk */
        {"今日新增死亡病例三例", NULL, NULL, 0, false, false, 0},
        {"小孩被拐卖", NULL, NULL, 1u << CAT_MINORS, false, false, 0},
        {"为防诈骗，民警上门宣传", NULL, NULL, 0, false, false, G},
        /* an act before the police who come for it is not done to them;
         * a punishment after an officer's offence keeps it his; 无故 is
         * no negation */
        {"清河县男子殴打妻子被民警抓获", NULL, NULL, 1u << CAT_MAJOR_CASE, true, false, G},
        {"清河县男子殴打妻子，民警赶到", NULL, NULL, 1u << CAT_MAJOR_CASE, true, false, 0},
        {"清河县一民警醉驾被刑拘", NULL, NULL, 1u << CAT_MISCONDUCT | 1u << CAT_MAJOR_CASE, true,
         false, G},
        {"清河县民警无故殴打群众", NULL, NULL, 1u << CAT_ENFORCEMENT, true, false, 0},
        /* hearsay of a serious case, and its denial */
        {"网传清河有人偷小孩", NULL, NULL, 1u << CAT_RUMOUR, true, false, 0},
        {"警方辟谣：网传偷小孩系谣言", NULL, NULL, 0, false, false, G | D},
        /* what the police find or take away is not their own doing */
        {"民警获悉有人聚众赌博", NULL, NULL, 0, false, false, 0},
        {"民警把赌博的5人带回", NULL, NULL, 0, false, false, 0},
        /* an officer's sanction tells of misconduct, however plain the notice */
        {"陈某确为崇州市辅警，目前陈某已停职接受调查", NULL, NULL, 1u << CAT_MISCONDUCT, false,
         false, 0},
        /* a denial that is what the police did, or that the post questions,
         * is no denial; one after the claim is */
        {"八名医生在群里探讨病情，被警察以谣言依法处理", NULL, NULL, 1u << CAT_ENFORCEMENT, false,
         false, G},
        {"难道公安局自己断定是谣言", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"网传民警暴力执法，系谣言", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, G | D},
        /* a whistleblower's pledge is no denial: under a condition, or
         * with a promise to answer for it */
        {"实名举报派出所民警违规违纪，如有不实本人承担法律责任", NULL, NULL, 1u << CAT_MISCONDUCT,
         false, false, 0},
        {"曝光民警违规违纪的事实，有夸大不实我愿受法律制裁", NULL, NULL, 1u << CAT_MISCONDUCT,
         false, false, 0},
        /* a demand that officers be dismissed names their misconduct */
        {"公安局相关负责人应该被革职", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        /* one's own taken away by the police, told by a resident or a
         * relative; not a suspect, not under a notice's words, not denied */
        {"警察过来把业主抓了", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"派出所的人带走了我父亲，到现在也不让见", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false,
         0},
        {"我爸被警察带走了", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"我爸没有被警察带走", NULL, NULL, 0, false, false, 0},
        {"民警将嫌疑人带走", NULL, NULL, 0, false, false, 0},
        {"民警依法将闹事业主带走", NULL, NULL, 0, false, false, G},
        {"民警把走失老人带回家", NULL, NULL, 0, false, false, 0},
        /* a death in custody or during an arrest; an officer's death there
         * is the police hurt; a denial of one is none */
        {"男子在派出所内死亡", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"被警察带走后死亡", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"男子被警察带走后死亡", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"民警在抓捕过程中身亡", NULL, NULL, 1u << CAT_ASSAULT, false, false, 0},
        {"看守所没有发生在押人员死亡", NULL, NULL, 0, false, false, 0},
        {"今日新增死亡病例三例，民警坚守岗位", NULL, NULL, 0, false, false, P},
        /* collusion or a cover-up alleged, by the police or near them; a
         * campaign against it is a notice */
        {"这是警匪勾结", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"谁是他们的保护伞", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"公安机关深挖黑恶势力保护伞", NULL, NULL, 0, false, false, G},
        {"没有保护伞", NULL, NULL, 0, false, false, 0},
        /* criticism with no allegation: a reproach, a case not taken */
        {"警察干什么吃的？", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"报警三次派出所都不立案", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        /* officers held to account, not citizens */
        {"督促公安机关撤销训诫书并追究有关人员责任", NULL, NULL,
         1u << CAT_ENFORCEMENT | 1u << CAT_MISCONDUCT, false, false, 0},
        {"公安机关将依法追究相关人员法律责任", NULL, NULL, 0, false, false, G},
        /* a punishment denies a rumour only where one is named */
        {"男子在网上散布疫情谣言，被行政拘留5日", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false,
         G | D},
        {"男子殴打医院安保，被行政拘留5日", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        /* what the police crack down on, or a patient hides, is no
         * officer's doing */
        {"我市公安将继续加大对聚众赌博的打击力度", NULL, NULL, 0, false, false, G},
        {"民警获悉张某可能刻意隐瞒旅居史", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, 0},
        {"民警刻意隐瞒案情", NULL, NULL, 1u << CAT_MISCONDUCT | 1u << CAT_MAJOR_CASE, false, false,
         0},
        /* a demand for justice is criticism; officers named answerable,
         * or falsifying, is misconduct; a forger they catch is a case */
        {"惠安县公安局，请还我一个公道", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"两名辅警是这件事的直接责任人", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"民警伪造笔录", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"男子伪造证件被民警查获", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        /* the police helping someone hurt are no victims: the harm is
         * crime news (or an accident); the police hurt still are */
        {"民警救起被殴打的女子", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, P},
        {"民警为被撞伤的老人撑伞", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, 0},
        {"民警在执勤时被男子殴打", NULL, NULL, 1u << CAT_ASSAULT, false, false, G},
        /* an officer named without 民警: by the uniform, the rank; a harm
         * an officer does is done to the person after it */
        {"穿警服的人打人", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"该所教导员醉酒驾驶", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"一名辅警猥亵女子", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"那个警察收了红包", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        {"民警抓获猥亵女子的男子", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        /* what a tip warns of, and an outcome it threatens, is no story;
         * the same words told of someone are */
        {"警方提醒：谨防不法分子冒充警察实施诈骗", NULL, NULL, 0, false, false, G},
        {"交警温馨提示：酒驾醉驾将被拘留", NULL, NULL, 0, false, false, G},
        {"有人冒充警察诈骗老人", NULL, NULL, 1u << CAT_MISCONDUCT | 1u << CAT_MAJOR_CASE, false,
         false, 0},
        {"男子酒驾被拘留", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        /* two hashtags are two stories; a hashtag and its text are one */
        {"#监狱长被免职##35岁民警倒在战疫岗位#", NULL, NULL, 0, false, false, 0},
        {"#女军官实名举报# 公安厅副厅长", NULL, NULL, 1u << CAT_MISCONDUCT, false, false, 0},
        /* a case told by its outcome is crime news; a campaign or a tip is
         * a notice */
        {"男子网售伪劣口罩被刑拘", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        {"警方开展专项整治，严厉打击违法犯罪", NULL, NULL, 0, false, false, G},
        {"民警没有拘留他", NULL, NULL, 0, false, false, G},
        {"致84人遭隔离男子被立案侦查", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, G},
        /* hearsay with a case told by its outcome is no rumour of a
         * serious case */
        {"他在群里说车很少，交警将其传唤", NULL, NULL, 1u << CAT_RUMOUR | 1u << CAT_MAJOR_CASE,
         false, false, G},
        /* police named with a place abroad are another country's: what they
         * do is world news; a place that is someone else's is not theirs,
         * and our police nearer still decide */
        {"网传莫斯科警方暴力执法，虐待隔离人员", NULL, NULL,
         1u << CAT_MAJOR_CASE | 1u << CAT_RUMOUR, false, false, 0},
        {"美国马萨诸塞州警方打死一名男子", NULL, NULL, 1u << CAT_MAJOR_CASE, false, false, 0},
        {"从美国回来的男子说民警暴力执法", NULL, NULL, 1u << CAT_ENFORCEMENT, false, false, 0},
        {"清河警方暴力执法", NULL, NULL, 1u << CAT_ENFORCEMENT, true, false, 0},
        {"日本警方称清河民警打人", NULL, NULL, 1u << CAT_ENFORCEMENT, true, false, 0},
        /* a question in a #topic# is its headline, not the post's question
         * to the police; the same words outside it are */
        {"#为什么武汉新增病例高于全省# 民警连续执勤十天", NULL, NULL, 0, false, false, G},
        {"#李文亮医生有关情况调查通报#为什么要罚基层民警", NULL, NULL, 1u << CAT_ENFORCEMENT, false,
         false, 0},
        /* 网曝 is hearsay */
        {"网曝清河一药店卖二手口罩，警方调查", NULL, NULL, 1u << CAT_RUMOUR, true, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct risk_marks m;
        char *t = normalize_term(nz, cases[i].text, strlen(cases[i].text));
        risk_vocab_scan(rv, t, strlen(t), cases[i].author, cases[i].source, &m);
        free(t);
        int genre = (m.praise ? P : 0) | (m.publicity ? G : 0) | (m.debunk ? D : 0);
        if (m.categories != cases[i].cats || m.local != cases[i].local ||
            m.official != cases[i].official || genre != cases[i].genre)
            print_message("case %zu: cats %#x local %d official %d genre %d\n", i, m.categories,
                          m.local, m.official, genre);
        assert_int_equal(m.categories, cases[i].cats);
        assert_int_equal(m.local, cases[i].local);
        assert_int_equal(m.official, cases[i].official);
        assert_int_equal(genre, cases[i].genre);
    }
    /* a denial names the rumour's claim at a quarter of its weight */
    struct risk_marks m;
    const char *den = "警方辟谣：网传民警暴力执法不实";
    risk_vocab_scan(rv, den, strlen(den), NULL, NULL, &m);
    assert_true(m.categories & (1u << CAT_ENFORCEMENT));
    assert_int_equal(m.severity[CAT_ENFORCEMENT], 25);
    /* graft is an officer's only with an officer near: else another office's */
    const char *graft = "红十字会截留捐赠物资";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_MISCONDUCT], 30);
    graft = "派出所所长截留捐赠物资";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_MISCONDUCT], 90);
    /* a case told by its outcome keeps its weight; a rumour's punishment
     * is a denial, at a quarter */
    graft = "男子殴打医院安保，被行政拘留5日";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_MAJOR_CASE], 50);
    graft = "他在群里说车很少，交警将其传唤";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_RUMOUR], 35);
    /* a cover-up alleged far from any officer weighs less than theirs */
    graft = "这背后一定有保护伞";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_MISCONDUCT], 60);
    graft = "警匪勾结";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_MISCONDUCT], 90);
    /* one's own taken away is a dispute, below a beating */
    graft = "警察过来把业主抓了";
    risk_vocab_scan(rv, graft, strlen(graft), NULL, NULL, &m);
    assert_int_equal(m.severity[CAT_ENFORCEMENT], 80);
    risk_vocab_free(rv);
    /* configured words replace the defaults */
    char *regions[] = {"河东"};
    char *official[] = {"蓝盾"};
    cfg.analysis.risk.region_words = regions;
    cfg.analysis.risk.n_region_words = 1;
    cfg.analysis.risk.official_words = official;
    cfg.analysis.risk.n_official_words = 1;
    assert_int_equal(risk_vocab_new(nz, config_datadir(), &cfg, &rv, &err), 0);
    const char *t = "河东的@蓝盾卫士 说清河";
    risk_vocab_scan(rv, t, strlen(t), "清河公安", NULL, &m);
    assert_true(m.local);
    assert_true(m.official);
    t = "清河";
    risk_vocab_scan(rv, t, strlen(t), "清河公安", NULL, &m);
    assert_false(m.local);
    assert_false(m.official);
    risk_vocab_free(rv);
    assert_int_equal(risk_vocab_new(nz, "/nonexistent", &cfg, &rv, &err), JY_EIO);
    normalizer_free(nz);
}

/* Speed and grouping on the real corpus (skipped when absent). */
static void test_corpus_speed(void **state)
{
    (void)state;
    const char *shared = getenv("JINGYU_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/weibo_police_2020.jsonl", shared ? shared : "");
    FILE *f = shared ? fopen(path, "r") : NULL;
    struct normalizer *nz;
    struct jy_error err = {0};
    if (!f || normalizer_new(&nz, &err) != 0) {
        if (f)
            fclose(f);
        print_message("skipped: %s not found or no normaliser\n", path);
        skip();
    }
    size_t n = 0, cap = 0;
    struct normalized *norms = NULL;
    int64_t *ats = NULL;
    char line[65536];
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *t = json_string_value(json_object_get(j, "text"));
        const char *d = json_string_value(json_object_get(j, "date"));
        if (t && d) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                norms = xrealloc(norms, cap * sizeof *norms);
                ats = xrealloc(ats, cap * sizeof *ats);
            }
            struct tm tm = {0};
            sscanf(d, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            ats[n] = (int64_t)timegm(&tm) + (int64_t)(n % 86400);
            normalize_text(nz, t, strlen(t), &norms[n++], &err);
        }
        json_decref(j);
    }
    fclose(f);
    struct analysis_config ac = acfg();
    struct event_engine *ee = event_engine_new(&ac, name_cb, NULL);
    struct dup_index *di = dup_index_new(3, 168 * 3600);
    static const char *words[] = {"民警", "警察", "公安", "警方", "派出所", "交警"};
    size_t matched = 0;
    int64_t max_event = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        struct an_term terms[6];
        size_t nt = 0;
        for (size_t w = 0; w < 6; w++) {
            if (strstr(norms[i].text, words[w]))
                terms[nt++] = (struct an_term){.scheme = 0, .term = (char *)words[w]};
        }
        if (!nt && !norms[i].n_topics)
            continue;
        matched++;
        int scheme = 0;
        struct event_input in = {.id = (int64_t)i + 1,
                                 .at = ats[i],
                                 .collected = ats[i],
                                 .title = norms[i].text,
                                 .text = norms[i].text,
                                 .len = strlen(norms[i].text),
                                 .simhash = simhash64(norms[i].text, strlen(norms[i].text)),
                                 .topics = (const char *const *)norms[i].topics,
                                 .n_topics = norms[i].n_topics,
                                 .terms = terms,
                                 .n_terms = nt,
                                 .schemes = &scheme,
                                 .n_schemes = 1,
                                 .source = "微博",
                                 .media_level = MEDIA_SELF};
        in.duplicate_of = dup_index_find(di, in.simhash, in.at);
        if (!in.duplicate_of)
            dup_index_add(di, in.id, in.simhash, in.at);
        struct an_event ev;
        bool alert;
        assert_int_equal(event_engine_add(ee, &in, &ev, &alert, &err), 0);
        if (ev.id > max_event)
            max_event = ev.id;
        an_event_clear(&ev);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("events: %zu items, %zu grouped into %lld events, %.0f items/s "
                  "(simhash + dup index + event engine, normalised beforehand)\n",
                  n, matched, (long long)max_event, (double)matched / secs);
    assert_true(max_event > 0 && (size_t)max_event < matched);
    event_engine_free(ee);
    dup_index_free(di);
    for (size_t i = 0; i < n; i++)
        normalized_clear(&norms[i]);
    free(norms);
    free(ats);
    normalizer_free(nz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_groups),
        cmocka_unit_test(test_similar_text_and_term),
        cmocka_unit_test(test_duplicates_and_title),
        cmocka_unit_test(test_window_expiry),
        cmocka_unit_test(test_repost_of_copy_after_close),
        cmocka_unit_test(test_velocity_hourly),
        cmocka_unit_test(test_spread_shift),
        cmocka_unit_test(test_spread_acceleration),
        cmocka_unit_test(test_first_hour_steep),
        cmocka_unit_test(test_explanation_sums),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_intensity_log_scale),
        cmocka_unit_test(test_content_with_spread),
        cmocka_unit_test(test_attitude_voiced),
        cmocka_unit_test(test_attitude_praise),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_alert_once_per_level),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_restore_v1_state),
        cmocka_unit_test(test_restore_counter_zero),
        cmocka_unit_test(test_event_json),
        cmocka_unit_test(test_vocab_scan),
        cmocka_unit_test(test_corpus_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
