/*
 * views: the full-screen views over the main screen: the pager (one item,
 * wrapped by display width, its matched terms highlighted, with its
 * analysis and the operator's label), the help screen (generated from the
 * key table), the sources view (each source's state and why) and the event
 * view (an event's grade and why, its timeline, terms and schemes). Each is
 * a block of text lines rebuilt for the current width, scrolled by the same
 * keys as the lists; the event view is rebuilt when the data changes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collect.h"
#include "ui_private.h"

static int text_cols(const struct ui_app *app)
{
    return app->cols > 4 ? app->cols - 2 : 2;
}

static void fmt_time(int64_t t, char *out, size_t n)
{
    if (t <= 0)
        snprintf(out, n, "—");
    else
        jy_time_local(t, "%Y-%m-%d %H:%M:%S", out, n);
}

/* "人工标注：负面", or how to give one. */
static void pager_label_line(struct ui_app *app, int cols)
{
    const struct store_item *it = &app->item;
    char *line;
    if (it->label >= -1 && it->label <= 1)
        line =
            xasprintf("人工标注：%s（- 负面，0 中性，+ 正面 可改）", ui_sentiment_label(it->label));
    else
        line = xasprintf("人工标注：未标注（- 负面，0 中性，+ 正面）");
    ui_text_add_wrapped(&app->text, line, cols, 0);
    free(line);
}

static void pager_analysis(struct ui_app *app, int cols)
{
    struct ui_text *t = &app->text;
    const struct store_item *it = &app->item;
    char *line;
    if (it->dups > 0) {
        line = xasprintf("相似合并：×%d（%s）", it->dups + 1,
                         it->dup_sources && *it->dup_sources ? it->dup_sources : "—");
        ui_text_add_wrapped(t, line, cols, 0);
        free(line);
    }
    if (!it->analyzed) {
        ui_text_add(t, "情感：未分析", 0);
        pager_label_line(app, cols);
        return;
    }
    line = xasprintf("情感：%s", ui_sentiment_label(it->sentiment));
    ui_text_add(t, line, 0);
    free(line);
    pager_label_line(app, cols);
    char *schemes = ui_json_join(it->schemes, 20);
    line = xasprintf("命中方案：%s", *schemes ? schemes : "无");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    free(schemes);
    char *terms = ui_json_join(it->terms, 30);
    if (*terms) {
        line = xasprintf("命中词：%s", terms);
        ui_text_add_wrapped(t, line, cols, 0);
        free(line);
    }
    free(terms);
}

static void pager_build(struct ui_app *app)
{
    struct ui_text *t = &app->text;
    const struct store_item *it = &app->item;
    int cols = text_cols(app);
    char when[64], buf[256];
    size_t n_terms;
    char **terms = ui_json_strings(it->terms, &n_terms);
    struct normalizer *nz = n_terms ? ui_app_normalizer(app) : NULL;
    ui_text_add_marked(t, it->title && *it->title ? it->title : "（无标题）", cols, A_BOLD, nz,
                       terms, n_terms);
    ui_text_add(t, "", 0);
    char *line = xasprintf("信源：%s", it->source_name ? it->source_name : "—");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    line = xasprintf("作者：%s", it->author && *it->author ? it->author : "—");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    fmt_time(it->published_at, when, sizeof when);
    snprintf(buf, sizeof buf, "发布：%s%s", when, it->date_missing ? "（无日期，按采集时间）" : "");
    ui_text_add(t, buf, 0);
    fmt_time(it->fetched_at, when, sizeof when);
    snprintf(buf, sizeof buf, "采集：%s", when);
    ui_text_add(t, buf, 0);
    line = xasprintf("链接：%s", it->link && *it->link ? it->link : "—");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    pager_analysis(app, cols);
    ui_text_add(t, "", 0);
    ui_text_add_marked(t, it->content ? it->content : "", cols, 0, nz, terms, n_terms);
    ui_lines_free(terms, n_terms);
}

void ui_view_pager_label(struct ui_app *app, int label)
{
    if (app->screen != UI_SCREEN_PAGER || !app->have_item || !ui_app_may_write(app))
        return;
    struct jy_error err = {0};
    if (store_item_label(app->st, app->item.id, label, app->operator, jy_now(), &err)) {
        ui_app_message(app, true, "标注失败：%s", err.msg);
        return;
    }
    app->item.label = label;
    ui_view_rebuild(app);
    ui_app_message(app, false, "已标注为%s（%s）", ui_sentiment_label(label), app->operator);
}

/* ---- the event view ------------------------------------------------------- */

static const char *media_label(const char *m)
{
    static const struct {
        const char *name, *label;
    } names[] = {{"central", "中央"}, {"provincial", "省级"},   {"local", "地方"},
                 {"self", "自媒体"},  {"self-media", "自媒体"}, {"internal", "内部"}};
    if (!m || !*m)
        return "—";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(m, names[i].name))
            return names[i].label;
    return m;
}

/* compact: "%g" (a weight of 20.0 reads 20), else two decimals */
static void fmt_number(json_t *v, bool compact, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, compact ? "%g" : "%.2f", json_real_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "%s", media_label(json_string_value(v))); /* "local" reads 地方 */
    else if (json_is_boolean(v))
        snprintf(out, n, "%s", json_is_true(v) ? "是" : "否");
    else
        snprintf(out, n, "—");
}

/* Each indicator's label, value, weight and points, in columns. */
static void event_explanation(struct ui_app *app, const struct store_event *e, int cols)
{
    struct ui_text *t = &app->text;
    ui_text_add(t, "评分依据（各指标的值、权重与得分）：", A_BOLD);
    json_t *root = e->explanation ? json_loads(e->explanation, 0, NULL) : NULL;
    if (!json_is_array(root) || !json_array_size(root)) {
        ui_text_add(t, "  （无）", 0);
        json_decref(root);
        return;
    }
    char *h1 = ui_cell("  指标", 22), *h2 = ui_cell("值", 10), *h3 = ui_cell("权重", 8);
    char *head = xasprintf("%s%s%s得分", h1, h2, h3);
    ui_text_add(t, head, A_DIM);
    free(head);
    free(h1);
    free(h2);
    free(h3);
    double total = 0;
    for (size_t i = 0; i < json_array_size(root); i++) {
        json_t *o = json_array_get(root, i);
        const char *label = json_string_value(json_object_get(o, "label"));
        if (!label)
            label = json_string_value(json_object_get(o, "indicator"));
        char value[64], weight[32], points[32];
        const char *ind = json_string_value(json_object_get(o, "indicator"));
        if (ind && strcmp(ind, "cap") == 0) /* the level the content allows */
            snprintf(value, sizeof value, "≤%s",
                     level_roman((enum risk_level)json_integer_value(json_object_get(o, "value"))));
        else
            fmt_number(json_object_get(o, "value"), false, value, sizeof value);
        fmt_number(json_object_get(o, "weight"), true, weight, sizeof weight);
        json_t *p = json_object_get(o, "points");
        double pts = json_number_value(p);
        total += pts;
        snprintf(points, sizeof points, "%.1f", pts);
        char *name = xasprintf("  %s", label ? label : "—");
        char *c1 = ui_cell(name, 22), *c2 = ui_cell(value, 10), *c3 = ui_cell(weight, 8);
        /* what the value is made of, in the room left */
        const char *detail = json_string_value(json_object_get(o, "detail"));
        char *c4 = ui_cell(points, 8);
        char *what = detail && *detail && cols > 60 ? utf8_truncate(detail, cols - 50) : NULL;
        char *line = xasprintf("%s%s%s%s%s", c1, c2, c3, what ? c4 : points, what ? what : "");
        free(c4);
        free(what);
        ui_text_add(t, line, pts > 0 ? A_BOLD : 0);
        free(line);
        free(name);
        free(c1);
        free(c2);
        free(c3);
    }
    char *c1 = ui_cell("  合计", 40);
    char *line = xasprintf("%s%.1f", c1, total);
    ui_text_add(t, line, A_DIM);
    free(line);
    free(c1);
    json_decref(root);
}

/* Top terms with their counts: "词(5)、词(3)". */
static char *event_terms(const char *json)
{
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    for (size_t i = 0; json_is_array(root) && i < json_array_size(root); i++) {
        json_t *e = json_array_get(root, i);
        const char *term = NULL;
        long long count = 0;
        if (json_is_array(e)) {
            term = json_string_value(json_array_get(e, 0));
            count = json_integer_value(json_array_get(e, 1));
        } else if (json_is_string(e)) {
            term = json_string_value(e);
        } else if (json_is_object(e)) {
            term = json_string_value(json_object_get(e, "term"));
            count = json_integer_value(json_object_get(e, "count"));
        }
        if (!term)
            continue;
        if (b.len)
            jy_buf_puts(&b, "、");
        if (count > 0)
            jy_buf_printf(&b, "%s(%lld)", term, count);
        else
            jy_buf_puts(&b, term);
    }
    json_decref(root);
    return jy_buf_steal(&b);
}

static void event_timeline(struct ui_app *app, const struct store_event *e)
{
    struct ui_text *t = &app->text;
    struct store_item *items = NULL;
    size_t n = 0;
    struct jy_error err = {0};
    if (store_event_items(app->st, e->id, 500, &items, &n, &err)) {
        ui_app_message(app, true, "读取事件信息失败：%s", err.msg);
        return;
    }
    char *head = xasprintf("时间线（%zu 条，最早在前）：", n);
    ui_text_add(t, head, A_BOLD);
    free(head);
    for (size_t i = 0; i < n; i++) {
        const struct store_item *it = &items[i];
        char when[32];
        int64_t at = it->sort_at ? it->sort_at : it->published_at;
        jy_time_local(at, "%m-%d %H:%M", when, sizeof when);
        char *src = ui_cell(it->source_name, 12);
        /* the first item names the source that broke the story */
        const char *mark = i == 0 ? "【首发】" : it->duplicate_of ? "（相似）" : "";
        char *line = xasprintf("  %s  %s %s%s", when, src, mark, it->title ? it->title : "");
        ui_text_add(t, line, i == 0 ? A_BOLD : it->duplicate_of ? A_DIM : 0);
        free(line);
        free(src);
    }
    if (n == 500)
        ui_text_add(t, "  ……（只列出最早的 500 条）", A_DIM);
    store_items_free(items, n);
}

static int event_build(struct ui_app *app)
{
    struct ui_text *t = &app->text;
    struct store_event e;
    struct jy_error err = {0};
    int64_t now = jy_now();
    memset(&e, 0, sizeof e);
    int rc = store_event_get(app->st, app->event_id, now, &e, &err);
    if (rc) {
        ui_app_message(app, true, "读取事件失败：%s", err.msg);
        ui_text_add(t, "（无法读取该事件）", 0);
        return rc;
    }
    app->event_alert_id = e.alert_id; /* what `a` acknowledges, at most */
    app->event_alert_level = e.alert_level;
    int cols = text_cols(app);
    enum risk_level lv = (enum risk_level)e.level;
    char a[64], b[64], age[64], spark[128];
    struct jy_error eerr = {0};
    char *line = xasprintf("[%s %s] %s", level_roman(lv), level_label(lv), e.title ? e.title : "");
    ui_text_add_wrapped(t, line, cols, A_BOLD | ui_level_attr(e.level));
    free(line);
    ui_text_add(t, "", 0);
    line = xasprintf("风险等级：%s %s    风险评分：%.1f / 100", level_roman(lv), level_label(lv),
                     e.score);
    ui_text_add(t, line, ui_level_attr(e.level));
    free(line);
    if (!e.alert_id) {
        line = xasprintf("预警：无（未达分级阈值）");
        ui_text_add(t, line, A_DIM);
    } else if (!e.acked) {
        line = xasprintf("预警：未确认（按 a 确认）");
        ui_text_add(t, line, A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : A_STANDOUT));
    } else {
        fmt_time(e.acked_at, a, sizeof a);
        line = xasprintf("预警：已确认（%s，%s）", e.acked_by ? e.acked_by : "—", a);
        ui_text_add(t, line, 0);
    }
    free(line);
    /* one alert per event: where it rose from while it waited, and a flash */
    if (e.alert_id && e.alert_rises && e.alert_first_level != e.alert_level) {
        line = xasprintf("  预警 #%lld 由 %s 级升至 %s 级（升级 %d 次，同一条升级链）",
                         (long long)e.alert_id, level_roman(e.alert_first_level),
                         level_roman(e.alert_level), e.alert_rises);
        ui_text_add(t, line, A_BOLD);
        free(line);
    }
    if (e.alert_id && e.alert_flash) {
        line = xasprintf("  跃升两级：工单 #%lld 处置中，仍须确认", (long long)e.alert_incident);
        ui_text_add(t, line, A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : A_STANDOUT));
        free(line);
    }
    if (e.silence_id) {
        fmt_time(e.silenced_until, a, sizeof a);
        line = xasprintf("静默：%s 设，至 %s（理由：%s；静默 #%lld，z 解除）",
                         e.silenced_by ? e.silenced_by : "—", a,
                         e.silence_reason ? e.silence_reason : "", (long long)e.silence_id);
        ui_text_add_wrapped(t, line, cols, A_BOLD);
        free(line);
    }
    /* an officer's regrade of it: the disagreement with the model */
    struct store_grading_label *gl;
    size_t ngl;
    if (store_grading_labels_list(app->st, e.id, 50, &gl, &ngl, &eerr) == 0) {
        if (ngl) {
            const struct store_grading_label *g = &gl[ngl - 1];
            line = xasprintf("模型：%s %.1f / 研判：%s（%s，工单 #%lld，%s）",
                             level_roman(g->model_level), g->model_score,
                             level_roman(g->officer_level), g->reason ? g->reason : "",
                             (long long)g->incident_id, g->labelled_by ? g->labelled_by : "—");
            ui_text_add_wrapped(t, line, cols, A_BOLD);
            free(line);
        }
        store_grading_labels_free(gl, ngl);
    }
    /* each escalation step taken for its newest alert */
    struct store_escalation *esc;
    size_t nesc;
    if (e.alert_id && store_escalations_list(app->st, e.alert_id, 10, &esc, &nesc, &eerr) == 0) {
        for (size_t i = nesc; i-- > 0;) {
            char when[32];
            ui_format_when(esc[i].at, now, when, sizeof when);
            line = esc[i].step == 0
                       ? xasprintf("  %s 已推送至通知渠道", when)
                       : xasprintf("  %s 无人确认，已升级至%s %s", when,
                                   esc[i].step == 1 ? "带班领导" : "局领导", esc[i].to_logins);
            ui_text_add(t, line, esc[i].step ? A_BOLD : A_DIM);
            free(line);
        }
        store_escalations_free(esc, nesc);
    }
    fmt_time(e.first_seen, a, sizeof a);
    fmt_time(e.last_seen, b, sizeof b);
    ui_format_age(e.last_seen, now, age, sizeof age);
    line = xasprintf("首次发现：%s    最近：%s（%s）", a, b, age);
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    line = xasprintf("信息 ×%d    信源 %d 个    负面 %d 条    最高媒体级别：%s", e.items, e.sources,
                     e.negative, media_label(e.top_media));
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    line = xasprintf("传播速度：%.2f %s（近1小时条数 ÷ 前12小时每小时均值）", e.velocity,
                     ui_velocity_arrow(e.velocity));
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    ui_sparkline(e.hourly, 24, spark, sizeof spark);
    line = xasprintf("24小时：%s（每格一小时，右端为当前）", spark);
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    ui_text_add(t, "", 0);
    event_explanation(app, &e, cols);
    ui_text_add(t, "", 0);
    char *terms = event_terms(e.terms);
    line = xasprintf("热词：%s", *terms ? terms : "—");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    free(terms);
    size_t n_topics;
    char **topics = ui_json_strings(e.topics, &n_topics);
    struct jy_buf tb;
    jy_buf_init(&tb, 0);
    jy_buf_puts(&tb, "话题：");
    for (size_t i = 0; i < n_topics; i++)
        jy_buf_printf(&tb, "%s#%s#", i ? "、" : "", topics[i]);
    if (!n_topics)
        jy_buf_puts(&tb, "—");
    line = jy_buf_steal(&tb);
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    ui_lines_free(topics, n_topics);
    char *schemes = ui_json_join(e.schemes, 20);
    line = xasprintf("命中方案：%s", *schemes ? schemes : "—");
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    free(schemes);
    ui_text_add(t, "", 0);
    event_timeline(app, &e);
    store_event_clear(&e);
    return 0;
}

static void help_build(struct ui_app *app)
{
    size_t n;
    char **lines = ui_keymap_help_lines(&n);
    ui_text_add(&app->text, "按键        说明  [适用视图]", A_BOLD);
    for (size_t i = 0; i < n; i++)
        ui_text_add_wrapped(&app->text, lines[i], text_cols(app), 0);
    ui_lines_free(lines, n);
    ui_text_add(&app->text, "", 0);
    ui_text_add_wrapped(&app->text,
                        "命令行：:source list 打开信源视图；:source disable 名称 停用信源；"
                        ":source enable 名称 恢复信源；:help 帮助；:quit 退出。",
                        text_cols(app), 0);
}

static void source_describe(struct ui_app *app, const struct store_source *s, enum source_state st,
                            int64_t now)
{
    struct ui_text *t = &app->text;
    int cols = text_cols(app);
    char a[64], b[64], age[64];
    char *line = xasprintf("%s  [%s]  %s  %s", s->name, ui_source_state_label(st),
                           s->type ? s->type : "", s->url ? s->url : "");
    ui_text_add_wrapped(t, line, cols, A_BOLD);
    free(line);
    switch (st) {
    case SOURCE_NEW:
        line = xasprintf("  新建：尚未采集");
        break;
    case SOURCE_OK:
        fmt_time(s->last_success, a, sizeof a);
        ui_format_age(s->last_new_item, now, age, sizeof age);
        line = xasprintf("  正常：上次成功 %s；最近新信息 %s；每 %d 秒采集", a, age, s->interval);
        break;
    case SOURCE_FAILING:
        fmt_time(s->failing_since, a, sizeof a);
        if (s->last_status)
            snprintf(b, sizeof b, "HTTP %d", s->last_status);
        else
            snprintf(b, sizeof b, "无响应");
        line = xasprintf("  失败：自 %s 起连续失败 %d 次（%s）；原因：%s", a, s->failures, b,
                         s->last_error ? s->last_error : "未知");
        break;
    case SOURCE_DARK:
        ui_format_age(s->last_new_item ? s->last_new_item : s->created_at, now, age, sizeof age);
        line = xasprintf("  失联：采集正常但已 %d 个周期（每 %d 秒）无新信息；最近新信息 %s",
                         app->cfg->collector.dark_after, s->interval, age);
        break;
    case SOURCE_DISABLED:
    default:
        line = xasprintf("  停用：不再采集（:source enable %s 可恢复）", s->name);
        break;
    }
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
    if (s->last_warning && st != SOURCE_DISABLED) {
        /* collected, but not everything: the loss is said, not hidden */
        line = xasprintf("  警告：上次采集有损失或猜测：%s", s->last_warning);
        ui_text_add_wrapped(t, line, cols,
                            A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_WARN) : A_UNDERLINE));
        free(line);
    }
    fmt_time(s->last_attempt, a, sizeof a);
    fmt_time(s->next_due, b, sizeof b);
    line = xasprintf("  上次尝试 %s；下次 %s；媒体 %s；地域 %s", a, st == SOURCE_DISABLED ? "—" : b,
                     s->media_level ? s->media_level : "—", s->region ? s->region : "—");
    ui_text_add_wrapped(t, line, cols, A_DIM);
    free(line);
    ui_text_add(t, "", 0);
}

/* The audit chain's seal and anchors, at the head of the sources view:
 * when last done and next due; one overdue or failing is a warning. */
static void audit_describe(struct ui_app *app, int64_t now)
{
    const struct config *cfg = app->cfg;
    struct ui_text *t = &app->text;
    int cols = text_cols(app);
    attr_t warn = A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_WARN) : A_UNDERLINE);
    if (!cfg->audit_key && !cfg->audit_anchor && !cfg->audit_anchor_channel)
        return;
    struct collect_audit_status as;
    struct jy_error err = {0};
    if (collect_audit_status(app->st, cfg, now, &as, &err)) {
        char *line = xasprintf("审计链：无法读取（%s）", err.msg);
        ui_text_add_wrapped(t, line, cols, warn);
        free(line);
        ui_text_add(t, "", 0);
        return;
    }
    char *line = as.sealed_rows
                     ? xasprintf("审计链  共 %lld 条，已封存至第 %lld 条", (long long)as.head_rows,
                                 (long long)as.sealed_rows)
                     : xasprintf("审计链  共 %lld 条，尚未封存", (long long)as.head_rows);
    ui_text_add_wrapped(t, line, cols, A_BOLD);
    free(line);
    for (size_t i = 0; i < as.n; i++) {
        const struct collect_upkeep_item *it = &as.items[i];
        char last[64], next[64];
        fmt_time(it->last_ok, last, sizeof last);
        fmt_time(it->next_at, next, sizeof next);
        const char *what = !strcmp(it->kind, "seal")          ? "封存（密钥）"
                           : !strcmp(it->kind, "anchor:file") ? "锚定到文件"
                                                              : "锚定到通道";
        char *target = it->target ? utf8_sanitize(it->target, strlen(it->target), 0) : NULL;
        line =
            xasprintf("  %s%s%s：上次 %s；下次 %s", what, target ? " " : "", target ? target : "",
                      it->last_ok ? last : "从未", it->next_at ? next : "—");
        ui_text_add_wrapped(t, line, cols, 0);
        free(line);
        free(target);
        if (it->error[0] || it->overdue) {
            char *why = it->error[0] ? utf8_sanitize(it->error, strlen(it->error), 0) : NULL;
            line = why ? xasprintf("  警告：%s失败：%s", what, why)
                       : xasprintf("  警告：%s已逾期（采集进程是否在运行？jingyu status）", what);
            ui_text_add_wrapped(t, line, cols, warn);
            free(line);
            free(why);
        }
    }
    ui_text_add(t, "", 0);
}

static int sources_build(struct ui_app *app)
{
    struct store_source *src = NULL;
    size_t n = 0;
    struct jy_error err = {0};
    int rc = store_sources_list(app->st, &src, &n, &err);
    if (rc) {
        ui_app_message(app, true, "读取信源失败：%s", err.msg);
        ui_text_add(&app->text, "（无法读取信源）", 0);
        return rc;
    }
    int64_t now = jy_now();
    audit_describe(app, now);
    if (!n)
        ui_text_add(&app->text, "（未配置信源）", 0);
    for (size_t i = 0; i < n; i++)
        source_describe(app, &src[i],
                        store_source_state(&src[i], now, app->cfg->collector.dark_after), now);
    store_sources_free(src, n);
    return 0;
}

void ui_view_rebuild(struct ui_app *app)
{
    size_t top = app->text.top;
    ui_text_clear(&app->text);
    switch (app->screen) {
    case UI_SCREEN_PAGER:
        pager_build(app);
        break;
    case UI_SCREEN_HELP:
        help_build(app);
        break;
    case UI_SCREEN_SOURCES:
        sources_build(app);
        break;
    case UI_SCREEN_EVENT:
        event_build(app);
        break;
    case UI_SCREEN_INCIDENTS:
        ui_incidents_build(app);
        break;
    case UI_SCREEN_INCIDENT:
        ui_incident_build(app);
        break;
    case UI_SCREEN_KPI:
        ui_kpi_build(app);
        break;
    case UI_SCREEN_ROSTER:
        ui_roster_build(app);
        break;
    case UI_SCREEN_DIRECTORY:
        ui_directory_build(app);
        break;
    case UI_SCREEN_FORM:
    case UI_SCREEN_MAIN:
        return;
    }
    app->text.top = top < app->text.n ? top : 0;
}

/* The list row of the item, for what only page rows carry. */
static const struct store_item *listed_row(struct ui_app *app, int64_t item_id)
{
    struct ui_list *lists[2] = {&app->feed, &app->search};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            if (lists[k]->rows[i].id == item_id)
                return &lists[k]->rows[i];
    return NULL;
}

int ui_view_pager_open(struct ui_app *app, int64_t item_id)
{
    struct jy_error err = {0};
    struct store_item it;
    memset(&it, 0, sizeof it);
    int rc = store_item_get(app->st, item_id, &it, &err);
    if (rc) {
        ui_app_message(app, true, "打开信息失败：%s", err.msg);
        return rc;
    }
    const struct store_item *row = listed_row(app, item_id);
    if (row && !it.dup_sources && row->dup_sources) {
        it.dups = row->dups;
        it.dup_sources = xstrdup(row->dup_sources);
    }
    if (app->have_item)
        store_item_clear(&app->item);
    app->item = it;
    app->have_item = true;
    if (!it.read) {
        if (store_item_mark_read(app->st, &app->me, item_id, jy_now(), &err))
            ui_app_message(app, true, "标记已读失败：%s", err.msg);
        /* Show it as read at once; the next refresh confirms it. */
        struct ui_list *lists[2] = {&app->feed, &app->search};
        for (size_t k = 0; k < 2; k++)
            for (size_t i = 0; i < lists[k]->n; i++)
                if (lists[k]->rows[i].id == item_id)
                    lists[k]->rows[i].read = true;
    }
    app->screen = UI_SCREEN_PAGER;
    app->text.top = 0;
    ui_view_rebuild(app);
    app->text.top = 0;
    return 0;
}

int ui_view_event_open(struct ui_app *app, int64_t event_id)
{
    if (app->have_item) {
        store_item_clear(&app->item);
        app->have_item = false;
    }
    app->event_id = event_id;
    app->screen = UI_SCREEN_EVENT;
    ui_text_clear(&app->text);
    ui_view_rebuild(app);
    app->text.top = 0;
    return 0;
}

void ui_view_help_open(struct ui_app *app)
{
    app->screen = UI_SCREEN_HELP;
    app->text.top = 0;
    ui_view_rebuild(app);
}

int ui_view_sources_open(struct ui_app *app)
{
    app->screen = UI_SCREEN_SOURCES;
    app->text.top = 0;
    ui_view_rebuild(app);
    return 0;
}

void ui_view_close(struct ui_app *app)
{
    if (app->screen == UI_SCREEN_INCIDENT) { /* back to the list it came from */
        ui_view_incidents_open(app);
        return;
    }
    app->screen = UI_SCREEN_MAIN;
    ui_text_clear(&app->text);
    if (app->have_item) {
        store_item_clear(&app->item);
        app->have_item = false;
    }
}

const char *ui_view_title(struct ui_app *app)
{
    switch (app->screen) {
    case UI_SCREEN_PAGER:
        return "阅读";
    case UI_SCREEN_HELP:
        return "帮助：按键";
    case UI_SCREEN_SOURCES:
        return "信源";
    case UI_SCREEN_EVENT:
        return "舆情事件";
    case UI_SCREEN_INCIDENTS:
        return "处置工单（超时的在前）";
    case UI_SCREEN_INCIDENT:
        return "处置工单";
    case UI_SCREEN_FORM:
        return app->form.title;
    case UI_SCREEN_KPI:
        return "考核指标（本月至今）";
    case UI_SCREEN_ROSTER:
        return app->roster_month ? "值班表（本月）" : "值班表（本周起 7 天）";
    case UI_SCREEN_DIRECTORY:
        return "名录（D 换下一个，/ 筛选）";
    case UI_SCREEN_MAIN:
        break;
    }
    return "";
}

void ui_view_draw(struct ui_app *app, WINDOW *w, int y, int h, int cols)
{
    if (h <= 0)
        return;
    char title[256];
    if (app->text.n > (size_t)(h - 1) && h > 1)
        snprintf(title, sizeof title, "%s（%zu/%zu 行）", ui_view_title(app), app->text.top + 1,
                 app->text.n);
    else
        snprintf(title, sizeof title, "%s", ui_view_title(app));
    ui_draw_rule(w, y, 0, cols, title, true);
    ui_draw_text(w, y + 1, 1, h - 1, cols - 1, &app->text);
    /* column 0 is the margin */
    for (int r = 1; r < h; r++)
        mvwaddch(w, y + r, 0, ' ');
}
