/*
 * views: the full-screen views over the main screen: the pager (one item,
 * wrapped by display width), the help screen (generated from the key
 * table) and the sources view (each source's state and why). Each is a
 * block of text lines rebuilt for the current width, scrolled by the same
 * keys as the lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void pager_build(struct ui_app *app)
{
    struct ui_text *t = &app->text;
    const struct store_item *it = &app->item;
    int cols = text_cols(app);
    char when[64], buf[256];
    ui_text_add_wrapped(t, it->title && *it->title ? it->title : "（无标题）", cols, A_BOLD);
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
    ui_text_add(t, "", 0);
    ui_text_add_wrapped(t, it->content ? it->content : "", cols, 0);
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
    fmt_time(s->last_attempt, a, sizeof a);
    fmt_time(s->next_due, b, sizeof b);
    line = xasprintf("  上次尝试 %s；下次 %s；媒体 %s；地域 %s", a, st == SOURCE_DISABLED ? "—" : b,
                     s->media_level ? s->media_level : "—", s->region ? s->region : "—");
    ui_text_add_wrapped(t, line, cols, A_DIM);
    free(line);
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
    case UI_SCREEN_MAIN:
        return;
    }
    app->text.top = top < app->text.n ? top : 0;
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
    if (app->have_item)
        store_item_clear(&app->item);
    app->item = it;
    app->have_item = true;
    if (!it.read) {
        if (store_item_mark_read(app->st, item_id, &err))
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
