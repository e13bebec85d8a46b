/*
 * panes: the two panes of the main screen, each a struct ui_pane_ops. The
 * feed pane shows the live feed (or search results) through a ui_list; the
 * risk board lists the events of the last 72 hours as the store ranks them
 * (level, then score). Both re-query only when another connection changed
 * what they show (ui_refresh_plan), and only what they show. The sources
 * are re-read when they change, for the header's 失联信源 count; their
 * details are in the sources view.
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
    case UI_ACT_ACK:
        ui_app_message(app, false, "预警在风险看板上确认：按 Tab 切换到风险看板，再按 a");
        return true;
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

/* ---- source health (the header's count, not a pane) -------------------------- */

void ui_health_free(struct ui_health *hl)
{
    store_sources_free(hl->sources, hl->n);
    free(hl->states);
    hl->sources = NULL;
    hl->states = NULL;
    hl->n = 0;
}

int ui_health_reload(struct ui_app *app, struct jy_error *err)
{
    struct store_source *src = NULL;
    size_t n = 0;
    int rc = store_sources_list(app->st, &src, &n, err);
    if (rc)
        return rc;
    struct ui_health *hl = &app->health;
    ui_health_free(hl);
    hl->sources = src;
    hl->n = n;
    hl->states = xcalloc(n ? n : 1, sizeof *hl->states);
    store_sources_down(src, n, jy_now(), app->cfg->collector.dark_after, hl->states);
    return 0;
}

/* ---- risk board --------------------------------------------------------------- */

/* Events seen in the last three days: a story the duty room has not
 * closed yet is rarely older, and the board stays a short list. */
#define BOARD_HOURS 72
#define BOARD_LIMIT 200

static void board_title(struct ui_app *app, char *buf, size_t n)
{
    size_t waiting = 0, graded = 0;
    for (size_t i = 0; i < app->board.n; i++) {
        if (app->board.events[i].level != LEVEL_NONE)
            graded++;
        if (app->board.events[i].alert_id && !app->board.events[i].acked &&
            !app->board.events[i].silence_id)
            waiting++;
    }
    snprintf(buf, n, "风险看板（72小时 %zu 个事件，分级 %zu，未确认 %zu）", app->board.n, graded,
             waiting);
}

static void board_free(struct ui_board *b)
{
    store_events_free(b->events, b->n);
    b->events = NULL;
    b->n = 0;
}

static int board_reload(struct ui_app *app, struct jy_error *err)
{
    struct store_event *ev = NULL;
    size_t n = 0;
    int rc = store_events_board(app->st, jy_now(), BOARD_HOURS, BOARD_LIMIT, &ev, &n, err);
    if (rc)
        return rc;
    struct ui_board *b = &app->board;
    /* the selection stays on its event when the ranking moves */
    int64_t keep = b->n && b->sel < b->n ? b->events[b->sel].id : 0;
    size_t old_sel = b->sel;
    board_free(b);
    b->events = ev;
    b->n = n;
    b->sel = old_sel;
    for (size_t i = 0; i < n; i++)
        if (ev[i].id == keep)
            b->sel = i;
    if (b->sel >= n)
        b->sel = n ? n - 1 : 0;
    if (b->top > b->sel)
        b->top = b->sel;
    return 0;
}

static void board_draw(struct ui_app *app, WINDOW *w, int y, int x, int h, int cols, bool focused)
{
    struct ui_board *b = &app->board;
    b->height = h;
    if (h > 0 && b->sel >= b->top + (size_t)h)
        b->top = b->sel - (size_t)h + 1;
    ui_draw_board(w, y, x, h, cols, b, focused, jy_now());
}

static bool board_key(struct ui_app *app, enum ui_action act)
{
    struct ui_board *b = &app->board;
    long h = b->height > 0 ? b->height : 1;
    long sel = (long)b->sel;
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
        sel = (long)b->n - 1;
        break;
    case UI_ACT_OPEN:
        if (!b->n)
            ui_app_message(app, false, "没有可打开的事件");
        else
            ui_view_event_open(app, b->events[b->sel].id); /* reports its own errors */
        return true;
    case UI_ACT_ACK:
        if (!b->n)
            ui_app_message(app, false, "没有可确认的事件");
        else
            ui_app_event_ack(app, b->events[b->sel].id, b->events[b->sel].alert_id,
                             b->events[b->sel].alert_level);
        return true;
    case UI_ACT_SILENCE:
        if (!b->n)
            ui_app_message(app, false, "没有可静默的事件");
        else
            ui_app_silence(app, b->events[b->sel].id);
        return true;
    case UI_ACT_NEW_INCIDENT:
        if (!b->n)
            ui_app_message(app, false, "没有可立单的事件");
        else
            ui_app_incident_from_event(app, b->events[b->sel].id);
        return true;
    default:
        return false;
    }
    if (sel >= (long)b->n)
        sel = (long)b->n - 1;
    if (sel < 0)
        sel = 0;
    b->sel = (size_t)sel;
    if (b->sel < b->top)
        b->top = b->sel;
    if (b->sel >= b->top + (size_t)h)
        b->top = b->sel - (size_t)h + 1;
    return true;
}

static void board_resize(struct ui_app *app, int h)
{
    app->board.height = h;
}

static void board_destroy(struct ui_app *app)
{
    board_free(&app->board);
    ui_health_free(&app->health);
}

static size_t board_want_rows(struct ui_app *app)
{
    return app->board.n;
}

const struct ui_pane_ops ui_pane_board = {
    .name = "board",
    .title = board_title,
    .reload = board_reload,
    .draw = board_draw,
    .key = board_key,
    .resize = board_resize,
    .want_rows = board_want_rows,
    .destroy = board_destroy,
};
