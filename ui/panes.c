/*
 * panes: the two panes of the main screen, each a struct ui_pane_ops. The
 * feed pane shows the live feed (or search results) through a ui_list; the
 * health pane lists the sources with their state. Both re-query only when
 * the store's data_version moved, and only what they show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_private.h"

/* ---- feed ------------------------------------------------------------------- */

static void feed_title(struct ui_app *app, char *buf, size_t n)
{
    if (!app->searching) {
        snprintf(buf, n, "实时信息");
        return;
    }
    const struct ui_list *l = &app->search;
    if (!l->n)
        snprintf(buf, n, "搜索：%s (0/0)", app->query);
    else
        snprintf(buf, n, "搜索：%s (%zu/%zu%s)", app->query, l->sel + 1, l->n,
                 l->at_oldest ? "" : "+");
}

static int feed_refresh(struct ui_app *app, struct jy_error *err)
{
    int rc = ui_list_refresh(&app->feed, err);
    if (!rc && app->searching)
        rc = ui_list_refresh(&app->search, err);
    return rc;
}

static void feed_draw(struct ui_app *app, WINDOW *w, int y, int x, int h, int cols, bool focused)
{
    ui_draw_feed(w, y, x, h, cols, ui_app_list(app), focused, jy_now());
}

static bool feed_key(struct ui_app *app, enum ui_action act)
{
    struct ui_list *l = ui_app_list(app);
    struct jy_error err = {0};
    int rc = 0;
    long h = l->height > 0 ? l->height : 1;
    switch (act) {
    case UI_ACT_DOWN:
    case UI_ACT_SEARCH_NEXT:
        rc = ui_list_move(l, 1, false, &err);
        if (act == UI_ACT_SEARCH_NEXT && !rc && l->at_oldest && l->n && l->sel == l->n - 1)
            ui_app_message(app, false, "已是最后一条结果");
        break;
    case UI_ACT_UP:
    case UI_ACT_SEARCH_PREV:
        rc = ui_list_move(l, -1, false, &err);
        break;
    case UI_ACT_PAGE_DOWN:
        rc = ui_list_move(l, h, true, &err);
        break;
    case UI_ACT_PAGE_UP:
        rc = ui_list_move(l, -h, true, &err);
        break;
    case UI_ACT_TOP:
        rc = ui_list_home(l, &err);
        break;
    case UI_ACT_BOTTOM:
        rc = ui_list_end(l, &err);
        break;
    case UI_ACT_OPEN: {
        const struct store_item *it = ui_list_selected(l);
        if (!it) {
            ui_app_message(app, false, "没有可打开的信息");
            break;
        }
        ui_view_pager_open(app, it->id); /* reports its own errors */
        return true;
    }
    default:
        return false;
    }
    if (rc)
        ui_app_message(app, true, "读取信息失败：%s", err.msg);
    return true;
}

static void feed_resize(struct ui_app *app, int h)
{
    ui_list_set_height(&app->feed, h);
    ui_list_set_height(&app->search, h);
}

static void feed_destroy(struct ui_app *app)
{
    ui_list_free(&app->feed);
    ui_app_search_end(app);
}

const struct ui_pane_ops ui_pane_feed = {
    .name = "feed",
    .title = feed_title,
    .reload = feed_refresh,
    .draw = feed_draw,
    .key = feed_key,
    .resize = feed_resize,
    .want_rows = NULL,
    .destroy = feed_destroy,
};

/* ---- source health --------------------------------------------------------- */

static void health_title(struct ui_app *app, char *buf, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < app->health.n; i++)
        if (app->health.states[i] == SOURCE_FAILING || app->health.states[i] == SOURCE_DARK)
            bad++;
    snprintf(buf, n, "信源状态（%zu 个，异常 %zu）", app->health.n, bad);
}

static void health_free(struct ui_health *hl)
{
    store_sources_free(hl->sources, hl->n);
    free(hl->states);
    hl->sources = NULL;
    hl->states = NULL;
    hl->n = 0;
}

static int health_refresh(struct ui_app *app, struct jy_error *err)
{
    struct store_source *src = NULL;
    size_t n = 0;
    int rc = store_sources_list(app->st, &src, &n, err);
    if (rc)
        return rc;
    struct ui_health *hl = &app->health;
    int64_t keep = hl->n && hl->sel < hl->n ? hl->sources[hl->sel].id : 0;
    health_free(hl);
    hl->sources = src;
    hl->n = n;
    hl->states = xcalloc(n ? n : 1, sizeof *hl->states);
    store_sources_down(src, n, jy_now(), app->cfg->collector.dark_after, hl->states);
    for (size_t i = 0; i < n; i++)
        if (src[i].id == keep)
            hl->sel = i;
    if (hl->sel >= n)
        hl->sel = n ? n - 1 : 0;
    if (hl->top > hl->sel)
        hl->top = hl->sel;
    return 0;
}

static void health_draw(struct ui_app *app, WINDOW *w, int y, int x, int h, int cols, bool focused)
{
    struct ui_health *hl = &app->health;
    hl->height = h;
    if (h > 0 && hl->sel >= hl->top + (size_t)h)
        hl->top = hl->sel - (size_t)h + 1;
    ui_draw_health(w, y, x, h, cols, hl, focused, jy_now());
}

static bool health_key(struct ui_app *app, enum ui_action act)
{
    struct ui_health *hl = &app->health;
    long h = hl->height > 0 ? hl->height : 1;
    long sel = (long)hl->sel;
    switch (act) {
    case UI_ACT_DOWN:
        sel++;
        break;
    case UI_ACT_UP:
        sel--;
        break;
    case UI_ACT_PAGE_DOWN:
        sel += h;
        break;
    case UI_ACT_PAGE_UP:
        sel -= h;
        break;
    case UI_ACT_TOP:
        sel = 0;
        break;
    case UI_ACT_BOTTOM:
        sel = (long)hl->n - 1;
        break;
    case UI_ACT_OPEN: {
        ui_view_sources_open(app); /* reports its own errors */
        return true;
    }
    default:
        return false;
    }
    if (sel >= (long)hl->n)
        sel = (long)hl->n - 1;
    if (sel < 0)
        sel = 0;
    hl->sel = (size_t)sel;
    if (hl->sel < hl->top)
        hl->top = hl->sel;
    if (hl->sel >= hl->top + (size_t)h)
        hl->top = hl->sel - (size_t)h + 1;
    return true;
}

static void health_resize(struct ui_app *app, int h)
{
    app->health.height = h;
}

static void health_destroy(struct ui_app *app)
{
    health_free(&app->health);
}

static size_t health_want_rows(struct ui_app *app)
{
    return app->health.n;
}

const struct ui_pane_ops ui_pane_health = {
    .name = "health",
    .title = health_title,
    .reload = health_refresh,
    .draw = health_draw,
    .key = health_key,
    .resize = health_resize,
    .want_rows = health_want_rows,
    .destroy = health_destroy,
};
