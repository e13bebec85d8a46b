/*
 * app: the console's loop. It opens its own store connection, starts the
 * collector thread, and then waits for keys with a timeout of
 * ui.refresh_ms: on every timeout it polls PRAGMA data_version (through
 * store_data_version) and, when another connection committed, re-queries
 * the visible parts whose change marks moved (refresh.c), so new items
 * appear without a keypress and a commit that changes nothing shown costs
 * one small query; everything is re-read once a minute anyway; the clock
 * and the header's counters update each second. The header also counts the
 * events whose alert waits to be acknowledged (each event once, however
 * many alerts it raised, and none that a silence holds); the bell rings
 * once at start when any wait, and once more each time the count rises
 * (not on every refresh).
 * Signals only set a flag: the loop sees it, leaves, and endwin() restores
 * the terminal, so a dropped SSH session or a kill leaves nothing broken.
 */
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/collect.h"
#include "ui.h"
#include "ui_private.h"

static volatile sig_atomic_t ui_signalled;

/* Everything is re-read at least this often, whether or not anyone
 * committed: what changes with time alone (a silence ending, a deadline
 * passing, the board's 72 hours moving on) shows within it. */
#define UI_FULL_REFRESH_MS 60000

static void ui_on_signal(int sig)
{
    ui_signalled = sig;
}

void ui_app_message(struct ui_app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->msg, sizeof app->msg, fmt, ap);
    va_end(ap);
    app->msg_error = error;
}

struct ui_list *ui_app_list(struct ui_app *app)
{
    return app->searching ? &app->search : &app->feed;
}

/* ---- list sources ----------------------------------------------------------- */

static int feed_page(void *ctx, const struct store_cursor *from, bool older, size_t limit,
                     struct store_item **out, size_t *n, struct jy_error *err)
{
    struct ui_app *app = ctx;
    return store_items_page(app->st, from, older, limit, out, n, err);
}

static int feed_tail(void *ctx, size_t limit, struct store_item **out, size_t *n,
                     struct jy_error *err)
{
    struct ui_app *app = ctx;
    return store_items_tail(app->st, limit, out, n, err);
}

static int search_page(void *ctx, const struct store_cursor *from, bool older, size_t limit,
                       struct store_item **out, size_t *n, struct jy_error *err)
{
    struct ui_app *app = ctx;
    if (from && !older) { /* store_search only goes older */
        *out = NULL;
        *n = 0;
        return 0;
    }
    return store_search(app->st, app->query, from, limit, out, n, err);
}

int ui_app_search_start(struct ui_app *app, const char *query)
{
    char *q = utf8_sanitize(query, strlen(query), 0);
    char *p = q;
    while (*p == ' ')
        p++;
    size_t len = strlen(p);
    while (len && p[len - 1] == ' ')
        p[--len] = '\0';
    if (!*p) {
        free(q);
        ui_app_message(app, false, "搜索已取消（空查询）");
        return 0;
    }
    ui_app_search_end(app);
    snprintf(app->query, sizeof app->query, "%s", p);
    free(q);
    struct ui_list_src src = {.ctx = app,
                              .page = search_page,
                              .tail = NULL,
                              .free_rows = store_items_free,
                              .can_newer = false};
    ui_list_init(&app->search, &src, app->feed.height);
    app->searching = true;
    struct jy_error err = {0};
    int rc = ui_list_home(&app->search, &err);
    if (rc) {
        ui_app_message(app, true, "搜索失败：%s", err.msg);
        ui_app_search_end(app);
        return rc;
    }
    app->focus = 0;
    /* archived months are not searched here: say how to reach them */
    const char *older = app->cfg->retention.months > 0 && app->search.at_oldest
                            ? "；更早的已归档：jingyu search --archives 词"
                            : "";
    if (!app->search.n)
        ui_app_message(app, false, "搜索：%s — 没有结果（Esc 返回%s）", app->query, older);
    else
        ui_app_message(app, false, "搜索：%s — 找到 %zu%s 条（n 下一条，N 上一条，Esc 返回%s）",
                       app->query, app->search.n, app->search.at_oldest ? "" : "+", older);
    return 0;
}

void ui_app_search_end(struct ui_app *app)
{
    if (!app->searching)
        return;
    ui_list_free(&app->search);
    app->searching = false;
}

/* ---- header ------------------------------------------------------------------- */

/* The audit chain's seal and anchors fall due with time: looked at every
 * AUDIT_CHECK_MS; one newly overdue or failing is said once, loudly (the
 * sources view says which and why). */
#define AUDIT_CHECK_MS 10000

static void audit_update(struct ui_app *app)
{
    const struct config *cfg = app->cfg;
    int64_t mono = jy_mono_ms();
    if ((!cfg->audit_key && !cfg->audit_anchor && !cfg->audit_anchor_channel) ||
        (app->audit_checked_ms && mono - app->audit_checked_ms < AUDIT_CHECK_MS))
        return;
    app->audit_checked_ms = mono;
    struct collect_audit_status as;
    struct jy_error err = {0};
    if (collect_audit_status(app->st, cfg, jy_now(), &as, &err))
        return; /* busy: next time */
    if (as.warn && !app->audit_warn) {
        beep();
        ui_app_message(app, true, "审计链：封存或锚定逾期/失败（按 s 查看）");
    }
    app->audit_warn = as.warn;
}

static void update_status(struct ui_app *app)
{
    /* Darkness comes with time, not with new data: judge the sources the
     * health pane holds (re-read whenever the database changes) anew each
     * second, without a query. */
    struct ui_health *hl = &app->health;
    int dark = store_sources_down(hl->sources, hl->n, jy_now(), app->cfg->collector.dark_after,
                                  hl->states);
    /* a source going dark is said loudly: the bell once, and a message */
    if (dark > app->dark) {
        beep();
        ui_app_message(app, true, "信源异常：%d 个信源失败或失联（按 s 查看）", dark);
    }
    app->dark = dark;
    audit_update(app);
    ui_duty_update(app); /* shifts change with time too */
    if (app->coll && collector_is_leader(app->coll)) {
        snprintf(app->collect_label, sizeof app->collect_label, "采集：本机");
        return;
    }
    struct store_lease lease;
    bool present = false;
    memset(&lease, 0, sizeof lease);
    if (store_lease_get(app->st, &lease, &present, NULL)) {
        snprintf(app->collect_label, sizeof app->collect_label, "采集：未知");
        return;
    }
    if (!present)
        snprintf(app->collect_label, sizeof app->collect_label, "无采集");
    else if (jy_now() - lease.heartbeat > COLLECT_LEASE_TTL)
        snprintf(app->collect_label, sizeof app->collect_label, "采集：%s:%d（心跳超时）",
                 lease.host, lease.pid);
    else
        snprintf(app->collect_label, sizeof app->collect_label, "采集：%s:%d", lease.host,
                 lease.pid);
}

/* The header: who and when, then the counts that call for action. At 80
 * columns not everything fits: the parts are laid out by importance
 * (ui_header_fit), so the overdue count and who collects always show and the
 * bureau's name, the clock's seconds and zero counts give way first. */
static void draw_header(struct ui_app *app, int cols)
{
    char clock[16], hm[8];
    jy_time_local(jy_now(), "%H:%M:%S", clock, sizeof clock);
    jy_time_local(jy_now(), "%H:%M", hm, sizeof hm);
    const char *bureau = app->cfg->bureau ? app->cfg->bureau : "";
    char *title = xasprintf(" %s%s警舆", bureau, bureau[0] ? " " : "");
    char *title_brief = xasprintf(" %s", bureau[0] ? bureau : "警舆");
    char *me = xasprintf("%s%s", app->me.name,
                         app->me.read_only ? "（只读）"
                         : app->me.known   ? ""
                                           : "（未登记）");
    char *dark = xasprintf("失联信源 %d", app->dark);
    char *dark_brief = xasprintf("失联 %d", app->dark);
    char *alerts = app->alert_sources
                       ? xasprintf("待确认事件 %d（信源 %d）", app->alerts, app->alert_sources)
                       : xasprintf("待确认事件 %d", app->alerts);
    char *alerts_brief = xasprintf("待确认 %d", app->alerts + app->alert_sources);
    char *overdue = xasprintf("超时工单 %d", app->overdue);
    /* who collects, briefly: here, elsewhere, stale or nobody */
    const char *coll = app->collect_label;
    bool elsewhere = !strncmp(coll, "采集：", strlen("采集：")) && strcmp(coll, "采集：本机") &&
                     strcmp(coll, "采集：未知");
    const char *coll_brief = strstr(coll, "心跳超时") ? "采集超时"
                             : elsewhere              ? "采集：他机"
                                                      : NULL;
    enum { P_TITLE, P_CLOCK, P_ME, P_DUTY, P_DARK, P_ALERTS, P_OVERDUE, P_COLLECT, P_N };
    struct ui_header_part p[P_N] = {
        [P_TITLE] = {title, title_brief, 4, 0},
        [P_CLOCK] = {clock, hm, 5, 0},
        [P_ME] = {me, NULL, 6, 0},
        [P_DUTY] = {app->duty_label, NULL, 2, 0},
        [P_DARK] = {dark, dark_brief, app->dark ? 7 : 1, 0},
        [P_ALERTS] = {alerts, alerts_brief, app->alerts + app->alert_sources ? 8 : 3, 0},
        [P_OVERDUE] = {overdue, NULL, 0, 0},
        [P_COLLECT] = {coll, coll_brief, 9, 0},
    };
    ui_header_fit(p, P_N, cols, 2);
    attr_t attr = A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_TITLE) : A_REVERSE);
    attr_t loud = A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : A_NORMAL);
    ui_put(stdscr, 0, 0, "", cols, attr); /* the whole line in the header's colour */
    int x = 0;
    for (int i = 0; i < P_N && x < cols; i++) {
        if (!p[i].shown)
            continue;
        const char *text = p[i].shown == 1 && p[i].brief ? p[i].brief : p[i].full;
        /* a count stands out while it calls for action */
        bool red = (i == P_DARK && app->dark > 0) ||
                   (i == P_ALERTS && app->alerts + app->alert_sources > 0) ||
                   (i == P_OVERDUE && app->overdue > 0);
        int w = utf8_width(text);
        ui_put(stdscr, 0, x, text, w < cols - x ? w : cols - x, red ? loud : attr);
        x += w + 2;
    }
    free(title);
    free(title_brief);
    free(me);
    free(dark);
    free(dark_brief);
    free(alerts);
    free(alerts_brief);
    free(overdue);
}

/* ---- drawing ------------------------------------------------------------------ */

static unsigned current_view(const struct ui_app *app)
{
    switch (app->screen) {
    case UI_SCREEN_PAGER:
        return UI_VIEW_PAGER;
    case UI_SCREEN_HELP:
        return UI_VIEW_HELP;
    case UI_SCREEN_SOURCES:
        return UI_VIEW_SOURCES;
    case UI_SCREEN_EVENT:
        return UI_VIEW_EVENT;
    case UI_SCREEN_INCIDENTS:
        return UI_VIEW_INCIDENTS;
    case UI_SCREEN_INCIDENT:
        return UI_VIEW_INCIDENT;
    case UI_SCREEN_FORM:
        return UI_VIEW_FORM;
    case UI_SCREEN_KPI:
        return UI_VIEW_KPI;
    case UI_SCREEN_ROSTER:
        return UI_VIEW_ROSTER;
    case UI_SCREEN_DIRECTORY:
        return UI_VIEW_DIRECTORY;
    case UI_SCREEN_MAIN:
        break;
    }
    return UI_VIEW_MAIN | (app->searching ? UI_VIEW_SEARCH : 0);
}

/* Gives each pane its rows; re-queries a pane whose height changed. */
static void apply_layout(struct ui_app *app, struct ui_layout *lo)
{
    size_t side_rows = app->panes[1]->want_rows ? app->panes[1]->want_rows(app) : 0;
    ui_layout_compute(app->rows, side_rows, lo);
    int feed_rows = lo->feed_h > 1 ? lo->feed_h - 1 : 1;
    if (app->feed.height != feed_rows) {
        struct jy_error err = {0};
        app->panes[0]->resize(app, feed_rows);
        if (app->panes[0]->reload(app, &err))
            ui_app_message(app, true, "读取信息失败：%s", err.msg);
    }
    app->panes[1]->resize(app, lo->side_h > 1 ? lo->side_h - 1 : 0);
}

static void draw_all(struct ui_app *app)
{
    int rows, cols, form_cy = -1, form_cx = -1;
    getmaxyx(stdscr, rows, cols);
    app->rows = rows;
    app->cols = cols;
    werase(stdscr);
    struct ui_layout lo;
    apply_layout(app, &lo);
    draw_header(app, cols);
    if (app->screen == UI_SCREEN_MAIN) {
        int ys[2] = {lo.feed_y, lo.side_y}, hs[2] = {lo.feed_h, lo.side_h};
        for (size_t i = 0; i < app->n_panes; i++) {
            if (hs[i] <= 0)
                continue;
            char title[UI_LINE_MAX + 64];
            app->panes[i]->title(app, title, sizeof title);
            bool focused = app->focus == i;
            ui_draw_rule(stdscr, ys[i], 0, cols, title, focused);
            app->panes[i]->draw(app, stdscr, ys[i] + 1, 0, hs[i] - 1, cols, focused);
        }
    } else if (app->screen == UI_SCREEN_FORM) {
        ui_draw_rule(stdscr, 1, 0, cols, app->form.title, true);
        ui_draw_form(stdscr, 2, 1, rows - 4, cols - 1, &app->form, &form_cy, &form_cx);
    } else {
        ui_view_draw(app, stdscr, 1, rows - 3, cols);
    }
    if (lo.hint_y > 0) {
        bool inc = app->screen == UI_SCREEN_INCIDENT;
        char *hint = ui_keymap_hint_first(current_view(app), cols - 1, inc ? app->inc_keys : NULL,
                                          inc ? app->n_inc_keys : 0);
        ui_put(stdscr, lo.hint_y, 0, hint, cols, A_DIM);
        free(hint);
    }
    int cursor_x = -1;
    if (app->prompt == UI_PROMPT_SEARCH || app->prompt == UI_PROMPT_COMMAND) {
        const char *label = app->prompt == UI_PROMPT_SEARCH ? "搜索：" : ":";
        int lw = utf8_width(label);
        const char *tail = ui_lineedit_tail(&app->le, cols - lw - 1);
        char *line = xasprintf("%s%s", label, tail);
        cursor_x = utf8_width(line);
        ui_put(stdscr, lo.msg_y, 0, line, cols, A_BOLD);
        free(line);
    } else if (app->prompt == UI_PROMPT_QUIT) {
        ui_put(stdscr, lo.msg_y, 0, "确认退出？(y/n)", cols, A_BOLD);
        cursor_x = utf8_width("确认退出？(y/n)");
    } else if (app->prompt == UI_PROMPT_REASON || app->prompt == UI_PROMPT_FILTER) {
        const char *label = app->prompt == UI_PROMPT_FILTER ? "筛选：" : app->prompt_label;
        int lw = utf8_width(label);
        const char *tail = ui_lineedit_tail(&app->le, cols - lw - 1);
        char *line = xasprintf("%s%s", label, tail);
        cursor_x = utf8_width(line);
        ui_put(stdscr, lo.msg_y, 0, line, cols, A_BOLD);
        free(line);
    } else if (app->prompt == UI_PROMPT_DISCARD || app->prompt == UI_PROMPT_DRAFT ||
               app->prompt == UI_PROMPT_DRAFT_DISCARD) {
        const char *q = app->prompt == UI_PROMPT_DISCARD ? "放弃本表单所填的内容？(y/n)"
                        : app->prompt == UI_PROMPT_DRAFT_DISCARD
                            ? "确认丢弃这份草稿？丢弃后不能找回 (y 丢弃/n 保留)"
                            : app->prompt_label;
        ui_put(stdscr, lo.msg_y, 0, q, cols, A_BOLD);
        cursor_x = utf8_width(q) < cols ? utf8_width(q) : cols - 1;
    } else {
        attr_t attr = app->msg_error ? A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : 0) : 0;
        ui_put(stdscr, lo.msg_y, 0, app->msg, cols, attr);
    }
    if (cursor_x >= 0 && cursor_x < cols) {
        curs_set(1);
        wmove(stdscr, lo.msg_y, cursor_x);
    } else if (app->screen == UI_SCREEN_FORM && form_cy >= 0 && form_cx < cols) {
        curs_set(1);
        wmove(stdscr, form_cy, form_cx);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- data -------------------------------------------------------------------- */

/* The header's count of events waiting: the bell rings once when it rises
 * (and at start when any wait), and the message line says so. */
static void update_alerts(struct ui_app *app)
{
    int count = 0, sources = 0;
    struct jy_error err = {0};
    if (store_alerts_waiting(app->st, jy_now(), &count, &sources, &err)) {
        ui_app_message(app, true, "读取预警失败：%s", err.msg);
        return;
    }
    if (count > app->alerts || (!app->alerts_known && count > 0)) {
        beep();
        ui_app_message(app, true, "预警：%d 个事件待确认（Tab 到风险看板，Enter 查看，a 确认）",
                       count);
    } else if (sources > app->alert_sources) {
        beep();
        ui_app_message(app, true, "信源失联预警：%d 个信源待确认（s 打开信源视图，a 确认）",
                       sources);
    }
    app->alerts = count;
    app->alert_sources = sources;
    app->alerts_known = true;
    /* an alert escalated because nobody answered: every console flashes */
    int64_t esc = 0;
    if (store_escalations_count(app->st, &esc, &err) == 0) {
        if (app->escalations_known && esc > app->escalations) {
            flash();
            beep();
            ui_app_message(app, true,
                           "预警升级：有预警超过时限无人确认（Tab 到风险看板查看，a 确认）");
        }
        app->escalations = esc;
        app->escalations_known = true;
    }
}

/* Re-reads the parts (UI_RELOAD_*) of what the screen shows. */
static void refresh_parts(struct ui_app *app, unsigned parts)
{
    struct jy_error err = {0};
    if ((parts & UI_RELOAD_HEALTH) && ui_health_reload(app, &err)) {
        ui_app_message(app, true, "读取失败：%s", err.msg);
        jy_error_clear(&err);
    }
    for (size_t i = 0; i < app->n_panes; i++) {
        unsigned part = i == 0 ? UI_RELOAD_FEED : UI_RELOAD_BOARD;
        if ((parts & part) && app->panes[i]->reload(app, &err)) {
            ui_app_message(app, true, "读取失败：%s", err.msg);
            jy_error_clear(&err);
        }
    }
    if (parts & UI_RELOAD_ALERTS)
        update_alerts(app);
    if (parts & UI_RELOAD_DUTY) {
        app->duty_checked = 0; /* the schedule may have changed too */
        ui_duty_update(app);
    }
    if ((parts & UI_RELOAD_INCIDENTS) && ui_incidents_reload(app, &err))
        ui_app_message(app, true, "读取工单失败：%s", err.msg);
    if ((parts & UI_RELOAD_VIEW) &&
        (app->screen == UI_SCREEN_SOURCES || app->screen == UI_SCREEN_EVENT ||
         app->screen == UI_SCREEN_INCIDENTS || app->screen == UI_SCREEN_INCIDENT ||
         app->screen == UI_SCREEN_KPI || app->screen == UI_SCREEN_ROSTER ||
         app->screen == UI_SCREEN_DIRECTORY))
        ui_view_rebuild(app);
}

/* Everything, after our own writes (which do not move data_version) and
 * at start; the change marks are taken first, so that a commit landing
 * in between is seen at the next poll. */
static void refresh_data(struct ui_app *app)
{
    struct jy_error err = {0};
    if (store_marks_read(app->st, &app->marks, &err))
        memset(&app->marks, 0, sizeof app->marks);
    app->deferred = 0;
    app->full_refresh_at = jy_mono_ms();
    refresh_parts(app, UI_RELOAD_ALL);
}

/* Another connection committed: re-reads what its commit changed and the
 * screen shows (ui_refresh_plan). Returns true when anything was re-read. */
static bool refresh_changed(struct ui_app *app)
{
    struct store_marks now;
    struct jy_error err = {0};
    if (store_marks_read(app->st, &now, &err)) {
        refresh_data(app); /* cannot tell what changed: everything */
        return true;
    }
    unsigned areas = store_marks_diff(&app->marks, &now);
    app->marks = now;
    unsigned parts = ui_refresh_plan(areas, app->screen, &app->deferred);
    if (parts)
        refresh_parts(app, parts);
    return parts != 0;
}

void ui_app_refresh(struct ui_app *app)
{
    refresh_data(app);
}

void ui_app_event_ack(struct ui_app *app, int64_t event_id, int64_t upto_alert, int seen_level)
{
    int count = 0;
    struct jy_error err = {0};
    if (!ui_app_may_write(app))
        return;
    if (store_event_ack(app->st, event_id, upto_alert, seen_level, app->operator, jy_now(), &count,
                        &err)) {
        ui_app_message(app, true, "确认失败：%s", err.msg);
        return;
    }
    refresh_data(app); /* our own commit does not move data_version */
    if (count)
        ui_app_message(app, false, "已确认 %d 条预警（%s）", count, app->operator);
    else
        ui_app_message(app, false, "该事件没有待确认的预警");
}

void ui_app_silence(struct ui_app *app, int64_t event_id)
{
    if (!ui_app_may_write(app))
        return;
    struct store_event e;
    struct jy_error err = {0};
    int64_t now = jy_now();
    if (store_event_get(app->st, event_id, now, &e, &err)) {
        ui_app_message(app, true, "读取事件失败：%s", err.msg);
        return;
    }
    int64_t silence = e.silence_id;
    store_event_clear(&e);
    if (silence) { /* already silenced: `z` again ends it */
        if (store_silence_expire(app->st, &app->me, silence, now, &err))
            ui_app_message(app, true, "解除静默失败：%s", err.msg);
        else {
            refresh_data(app);
            ui_app_message(app, false, "已解除事件 #%lld 的静默 #%lld（%s）", (long long)event_id,
                           (long long)silence, app->me.name);
        }
        return;
    }
    app->pending = UI_PEND_SILENCE_REASON;
    app->pending_id = event_id;
    snprintf(app->prompt_label, sizeof app->prompt_label, "静默事件 #%lld，理由：",
             (long long)event_id);
    ui_lineedit_clear(&app->le);
    app->prompt = UI_PROMPT_REASON;
}

void ui_app_silence_prompt_done(struct ui_app *app, enum ui_pending what, const char *text)
{
    if (what == UI_PEND_SILENCE_REASON) {
        if (inc_blank(text)) {
            ui_app_message(app, true, "未静默：须写明理由");
            return;
        }
        snprintf(app->silence_reason, sizeof app->silence_reason, "%s", text);
        app->pending = UI_PEND_SILENCE_UNTIL;
        snprintf(app->prompt_label, sizeof app->prompt_label,
                 "静默至（2h、30m、1d 或 2026-12-01 18:00）：");
        ui_lineedit_clear(&app->le);
        for (const char *p = "2h"; *p; p++)
            ui_lineedit_key(&app->le, *p);
        app->prompt = UI_PROMPT_REASON;
        return;
    }
    int64_t now = jy_now(), until, id;
    struct jy_error err = {0};
    if (jy_time_parse_until(text, now, &until)) {
        ui_app_message(app, true, "未静默：看不懂的时间「%s」（如 2h、30m、1d、2026-12-01 18:00）",
                       text);
        return;
    }
    if (store_silence_add(app->st, &app->me, app->pending_id, 0, app->silence_reason, until, now,
                          &id, &err)) {
        ui_app_message(app, true, "未静默：%s", err.msg);
        return;
    }
    refresh_data(app);
    char when[32];
    ui_format_when(until, now, when, sizeof when);
    ui_app_message(app, false, "已静默事件 #%lld 至 %s（静默 #%lld，%s）；期间不升级、不计入待确认",
                   (long long)app->pending_id, when, (long long)id, app->me.name);
}

/* `a` in the sources view: the 信源失联 alerts, which no event carries. */
static void sources_ack(struct ui_app *app)
{
    int count = 0;
    struct jy_error err = {0};
    if (!ui_app_may_write(app))
        return;
    if (store_alerts_ack_sources(app->st, app->operator, jy_now(), &count, &err)) {
        ui_app_message(app, true, "确认失败：%s", err.msg);
        return;
    }
    refresh_data(app);
    if (count)
        ui_app_message(app, false, "已确认 %d 条信源失联预警（%s）", count, app->operator);
    else
        ui_app_message(app, false, "没有待确认的信源失联预警");
}

/* True when another connection committed since the last look. */
static bool data_changed(struct ui_app *app)
{
    int64_t v;
    struct jy_error err = {0};
    if (store_data_version(app->st, &v, &err))
        return false;
    if (v == app->data_version)
        return false;
    app->data_version = v;
    return true;
}

/* ---- keys --------------------------------------------------------------------- */

static void run_command(struct ui_app *app, const char *line)
{
    struct ui_command cmd;
    struct jy_error err = {0};
    ui_command_parse(line, &cmd);
    switch (cmd.kind) {
    case UI_CMD_EMPTY:
        break;
    case UI_CMD_QUIT:
        app->quit = true;
        break;
    case UI_CMD_HELP:
        ui_view_help_open(app);
        break;
    case UI_CMD_SOURCE_LIST:
        ui_view_sources_open(app);
        break;
    case UI_CMD_SOURCE_ENABLE:
    case UI_CMD_SOURCE_DISABLE: {
        bool on = cmd.kind == UI_CMD_SOURCE_ENABLE;
        if (!ui_app_may_write(app))
            break;
        int rc = store_source_set_enabled(app->st, cmd.arg, on, app->me.login, jy_now(), &err);
        if (rc == JY_ENOTFOUND)
            ui_app_message(app, true, "没有名为“%s”的信源", cmd.arg);
        else if (rc)
            ui_app_message(app, true, "操作失败：%s", err.msg);
        else
            ui_app_message(app, false, "已%s信源“%s”", on ? "启用" : "停用", cmd.arg);
        refresh_data(app); /* our own commit does not move data_version */
        break;
    }
    case UI_CMD_USAGE:
        ui_app_message(app, true, "用法：:%s", cmd.arg);
        break;
    case UI_CMD_UNKNOWN:
        ui_app_message(app, true, "未知命令：%s（:help 查看帮助）", cmd.arg);
        break;
    }
}

static void handle_prompt_key(struct ui_app *app, int key)
{
    if (app->prompt == UI_PROMPT_QUIT) {
        app->prompt = UI_PROMPT_NONE;
        if (key == 'y' || key == 'Y')
            app->quit = true;
        else
            ui_app_message(app, false, "已取消退出");
        return;
    }
    if (app->prompt == UI_PROMPT_DRAFT || app->prompt == UI_PROMPT_DRAFT_DISCARD) {
        bool yes = key == 'y' || key == 'Y';
        bool discard = app->prompt == UI_PROMPT_DRAFT && (key == 'd' || key == 'D');
        if (!yes && !discard && key != 'n' && key != 'N' && key != UI_KEY_ESC)
            return; /* only an answer ends the question */
        enum ui_prompt p = app->prompt;
        app->prompt = UI_PROMPT_NONE;
        ui_drafts_answer(app, discard                ? UI_DRAFT_DISCARD_ASK
                              : !yes                 ? UI_DRAFT_KEEP
                              : p == UI_PROMPT_DRAFT ? UI_DRAFT_RESTORE
                                                     : UI_DRAFT_DISCARD);
        return;
    }
    if (app->prompt == UI_PROMPT_DISCARD) {
        bool yes = key == 'y' || key == 'Y';
        if (!yes && key != 'n' && key != 'N' && key != UI_KEY_ESC)
            return; /* only an answer ends the question */
        app->prompt = UI_PROMPT_NONE;
        if (yes)
            ui_form_leave(app);
        else
            ui_app_message(app, false, "继续填写");
        return;
    }
    enum ui_le_result r = ui_lineedit_key(&app->le, key);
    if (r == UI_LE_CONTINUE)
        return;
    enum ui_prompt p = app->prompt;
    app->prompt = UI_PROMPT_NONE;
    if (r == UI_LE_CANCEL) {
        ui_app_message(app, false, "已取消");
        return;
    }
    char line[UI_LINE_MAX];
    snprintf(line, sizeof line, "%s", app->le.buf);
    ui_lineedit_clear(&app->le);
    if (p == UI_PROMPT_SEARCH) {
        if (app->screen != UI_SCREEN_MAIN)
            ui_view_close(app);
        ui_app_search_start(app, line);
    } else if (p == UI_PROMPT_REASON) {
        ui_incident_prompt_done(app, line);
    } else if (p == UI_PROMPT_FILTER && app->screen == UI_SCREEN_ROSTER) {
        snprintf(app->handover_filter, sizeof app->handover_filter, "%s", line);
        ui_view_roster_open(app);
    } else if (p == UI_PROMPT_FILTER) {
        snprintf(app->dir_filter, sizeof app->dir_filter, "%s", line);
        ui_view_directory_open(app);
    } else {
        run_command(app, line);
    }
}

static void handle_view_key(struct ui_app *app, enum ui_action act)
{
    int h = app->rows - 4 > 1 ? app->rows - 4 : 1;
    if (app->screen == UI_SCREEN_INCIDENTS && ui_incidents_key(app, act))
        return;
    switch (act) {
    case UI_ACT_DOWN:
        ui_text_scroll(&app->text, 1, h);
        break;
    case UI_ACT_UP:
        ui_text_scroll(&app->text, -1, h);
        break;
    case UI_ACT_PAGE_DOWN:
        ui_text_scroll(&app->text, h, h);
        break;
    case UI_ACT_PAGE_UP:
        ui_text_scroll(&app->text, -h, h);
        break;
    case UI_ACT_TOP:
        app->text.top = 0;
        break;
    case UI_ACT_BOTTOM:
        ui_text_scroll(&app->text, (long)app->text.n, h);
        break;
    case UI_ACT_BACK:
        ui_view_close(app);
        break;
    default:
        break;
    }
}

static void handle_key(struct ui_app *app, int key)
{
    if (key == UI_FN(KEY_RESIZE)) {
        if (app->screen != UI_SCREEN_MAIN) {
            getmaxyx(stdscr, app->rows, app->cols);
            ui_view_rebuild(app);
        }
        return;
    }
    if (app->prompt != UI_PROMPT_NONE) {
        handle_prompt_key(app, key);
        return;
    }
    if (app->screen == UI_SCREEN_FORM) {
        /* keys type into the form, except its own few */
        switch (ui_keymap_lookup(UI_VIEW_FORM, key)) {
        case UI_ACT_FORM_SAVE:
            ui_form_save(app);
            return;
        case UI_ACT_FORM_CANCEL:
            app->prompt = UI_PROMPT_DISCARD;
            return;
        case UI_ACT_REDRAW:
            clearok(curscr, TRUE);
            return;
        default:
            ui_form_screen_key(app, key);
            return;
        }
    }
    if (!app->msg_error)
        app->msg[0] = '\0';
    enum ui_action act = ui_keymap_lookup(current_view(app), key);
    switch (act) {
    case UI_ACT_QUIT:
        app->prompt = UI_PROMPT_QUIT;
        return;
    case UI_ACT_HELP:
        ui_view_help_open(app);
        return;
    case UI_ACT_SOURCES:
        ui_view_sources_open(app);
        return;
    case UI_ACT_COMMAND:
        ui_lineedit_clear(&app->le);
        app->prompt = UI_PROMPT_COMMAND;
        return;
    case UI_ACT_SEARCH:
        ui_lineedit_clear(&app->le);
        app->prompt = app->screen == UI_SCREEN_DIRECTORY || app->screen == UI_SCREEN_ROSTER
                          ? UI_PROMPT_FILTER
                          : UI_PROMPT_SEARCH;
        return;
    case UI_ACT_REDRAW:
        clearok(curscr, TRUE);
        return;
    case UI_ACT_LABEL_NEG:
    case UI_ACT_LABEL_NEU:
    case UI_ACT_LABEL_POS:
        ui_view_pager_label(app, act == UI_ACT_LABEL_NEG ? -1 : act == UI_ACT_LABEL_NEU ? 0 : 1);
        return;
    case UI_ACT_ACK:
        if (app->screen == UI_SCREEN_EVENT) {
            ui_app_event_ack(app, app->event_id, app->event_alert_id, app->event_alert_level);
            return;
        }
        if (app->screen == UI_SCREEN_SOURCES) {
            sources_ack(app);
            return;
        }
        break; /* the focused pane */
    case UI_ACT_INCIDENTS:
        ui_view_incidents_open(app);
        return;
    case UI_ACT_KPI:
        ui_view_kpi_open(app);
        return;
    case UI_ACT_ROSTER:
        if (app->screen == UI_SCREEN_ROSTER)
            app->roster_month = !app->roster_month;
        ui_view_roster_open(app);
        return;
    case UI_ACT_HANDOVER:
        ui_handover_open(app);
        return;
    case UI_ACT_DIRECTORY:
        if (app->screen == UI_SCREEN_DIRECTORY) {
            app->dir_kind = (app->dir_kind + 1) % DIR_N;
            app->dir_filter[0] = '\0';
        }
        ui_view_directory_open(app);
        return;
    case UI_ACT_HANDOVER_ACK:
        ui_handover_ack(app);
        return;
    case UI_ACT_INC_NEW:
    case UI_ACT_INC_TASK:
    case UI_ACT_INC_EDIT:
    case UI_ACT_INC_HEADER:
    case UI_ACT_INC_RESPOND:
    case UI_ACT_INC_DRAFT:
    case UI_ACT_INC_SUBMIT:
    case UI_ACT_INC_APPROVE:
    case UI_ACT_INC_REJECT:
    case UI_ACT_INC_PUBLISH:
    case UI_ACT_INC_NEXT:
    case UI_ACT_INC_BACK:
    case UI_ACT_INC_CLOSE:
    case UI_ACT_INC_CORRECT:
    case UI_ACT_INC_RETRACT:
    case UI_ACT_INC_FEEDBACK:
        app->msg_error = false;
        ui_incident_action(app, act);
        return;
    case UI_ACT_SILENCE:
        if (app->screen == UI_SCREEN_EVENT) {
            ui_app_silence(app, app->event_id);
            return;
        }
        app->focus = 1; /* the event selected on the risk board */
        app->panes[1]->key(app, act);
        return;
    case UI_ACT_NEW_INCIDENT:
        if (app->screen == UI_SCREEN_EVENT) {
            ui_app_incident_from_event(app, app->event_id);
            return;
        }
        /* on the main screen: the event selected on the risk board, whichever
         * pane has the focus */
        app->focus = 1;
        app->panes[1]->key(app, act);
        return;
    case UI_ACT_NONE:
        if (!(key & UI_KEY_FN) || key != UI_FN(KEY_MOUSE))
            ui_app_message(app, false, "此处没有这个键（按 ? 查看帮助）");
        return;
    default:
        break;
    }
    app->msg_error = false;
    if (app->screen != UI_SCREEN_MAIN) {
        handle_view_key(app, act);
        return;
    }
    switch (act) {
    case UI_ACT_NEXT_PANE:
        app->focus = (app->focus + 1) % app->n_panes;
        return;
    case UI_ACT_BACK:
        if (app->searching) {
            ui_app_search_end(app);
            ui_app_message(app, false, "已离开搜索");
        }
        return;
    case UI_ACT_SEARCH_NEXT:
    case UI_ACT_SEARCH_PREV:
        app->focus = 0;
        app->panes[0]->key(app, act);
        return;
    default:
        app->panes[app->focus]->key(app, act);
        return;
    }
}

/* ---- the loop ------------------------------------------------------------------- */

static void setup_colors(void)
{
    if (!has_colors() || start_color() == ERR)
        return;
    short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
    init_pair(UI_PAIR_ERROR, COLOR_RED, bg);
    init_pair(UI_PAIR_WARN, COLOR_YELLOW, bg);
    init_pair(UI_PAIR_OK, COLOR_GREEN, bg);
    init_pair(UI_PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
    ui_colors_init_levels(bg);
    ui_use_color = true;
}

struct normalizer *ui_app_normalizer(struct ui_app *app)
{
    if (!app->nz_tried) {
        app->nz_tried = true;
        struct jy_error err = {0};
        if (normalizer_new(&app->nz, &err) != 0)
            app->nz = NULL;
    }
    return app->nz;
}

static void app_free(struct ui_app *app)
{
    ui_view_close(app);
    normalizer_free(app->nz);
    app->nz = NULL;
    incidents_free(app->incs, app->n_incs);
    store_people_free(app->people, app->n_people);
    app->incs = NULL;
    app->n_incs = 0;
    ui_form_free(&app->form);
    jy_free(&app->draft_offer);
    for (size_t i = 0; i < app->n_panes; i++)
        if (app->panes[i]->destroy)
            app->panes[i]->destroy(app);
}

static void loop(struct ui_app *app, const struct ui_options *opts)
{
    int refresh_ms = app->cfg->ui.refresh_ms > 0 ? app->cfg->ui.refresh_ms : 250;
    int64_t next_poll = jy_mono_ms() + refresh_ms;
    int64_t last_second = jy_now();
    int ticks = 0;
    bool dirty = true;
    char last_coll_err[256] = "";
    while (!app->quit && !ui_signalled) {
        if (app->deferred && app->screen == UI_SCREEN_MAIN) {
            refresh_parts(app, app->deferred); /* back from a view: what changed meanwhile */
            app->deferred = 0;
            dirty = true;
        }
        if (dirty)
            draw_all(app);
        dirty = false;
        int64_t now_ms = jy_mono_ms();
        int64_t wait = next_poll - now_ms;
        int64_t to_second = 1000 - now_ms % 1000;
        if (to_second < wait)
            wait = to_second;
        if (wait < 10)
            wait = 10;
        wtimeout(stdscr, (int)wait);
        wint_t ch;
        int r = wget_wch(stdscr, &ch);
        if (r != ERR) {
            handle_key(app, r == KEY_CODE_YES ? UI_FN((int)ch) : (int)ch);
            dirty = true;
        }
        if (ui_signalled)
            break;
        now_ms = jy_mono_ms();
        if (now_ms >= next_poll) {
            next_poll = now_ms + refresh_ms;
            if (now_ms - app->full_refresh_at >= UI_FULL_REFRESH_MS) {
                data_changed(app);
                refresh_data(app); /* what time alone changes: ages, silences ending */
                dirty = true;
            } else if (data_changed(app) && refresh_changed(app)) {
                dirty = true;
            }
            if (opts && opts->exit_after > 0 && ++ticks >= opts->exit_after)
                break;
        }
        int64_t now = jy_now();
        if (now != last_second) {
            last_second = now;
            update_status(app);
            if (app->coll) {
                char e[256];
                collector_last_error(app->coll, e, sizeof e);
                if (e[0] && strcmp(e, last_coll_err) && app->prompt == UI_PROMPT_NONE)
                    ui_app_message(app, true, "采集：%s", e);
                snprintf(last_coll_err, sizeof last_coll_err, "%s", e);
            }
            dirty = true;
        }
    }
}

int ui_run(const struct config *cfg, const struct ui_options *opts, struct jy_error *err)
{
    setlocale(LC_ALL, "");
    struct ui_app app;
    memset(&app, 0, sizeof app);
    app.cfg = cfg;
    /* a read-only console opens the file read-only: it neither migrates
     * nor writes anything (a file older than this binary is refused) */
    bool ro = opts && opts->read_only;
    int rc = ro ? store_open_readonly(cfg->database, &app.st, err)
                : store_open(cfg->database, &app.st, err);
    if (rc)
        return rc;
    /* who is at the keyboard: the login mapped to a person (a viewer when
     * unknown); the session is the first line of their audit trail */
    char login[64];
    incident_login(cfg->identity_from_env, login, sizeof login);
    if ((rc = store_actor_resolve(app.st, login, opts && opts->read_only, &app.me, err))) {
        store_close(app.st);
        return rc;
    }
    snprintf(app.operator, sizeof app.operator, "%s", app.me.login);
    store_set_reader(app.st, app.me.person_id); /* each person's own read marks */
    /* a read-only or viewer console writes nothing: no login row, no
     * collector (its lease, imports and moved drop files) */
    bool writes = actor_can_write(&app.me);
    char session[160];
    snprintf(session, sizeof session, "{\"read_only\":%s,\"known\":%s,\"pid\":%d}",
             app.me.read_only ? "true" : "false", app.me.known ? "true" : "false", (int)getpid());
    if (writes && (rc = store_audit_record(app.st, app.me.login, "login", "session", 0, session,
                                           jy_now(), err))) {
        store_close(app.st);
        return rc;
    }
    struct jy_error cerr = {0};
    if (writes && (!opts || opts->collect)) {
        if (collector_start(cfg, &app.coll, &cerr)) {
            ui_app_message(&app, true, "采集线程未启动：%s", cerr.msg);
            app.coll = NULL;
        }
    }

    struct sigaction sa, old_term, old_hup, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ui_on_signal;
    sigemptyset(&sa.sa_mask);
    ui_signalled = 0;
    /* Installed before newterm() so that ncurses leaves them to us. */
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGINT, &sa, &old_int);

    set_escdelay(25); /* Esc cancels at once instead of after a second */
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        const char *term = getenv("TERM");
        rc = jy_error_set(err, JY_EIO, "cannot start the terminal (TERM=%s)", term ? term : "");
        goto out;
    }
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    ui_use_color = false;
    if (cfg->ui.color)
        setup_colors();

    app.panes[0] = &ui_pane_feed;
    app.panes[1] = &ui_pane_board;
    app.n_panes = 2;
    struct ui_list_src feed_src = {.ctx = &app,
                                   .page = feed_page,
                                   .tail = feed_tail,
                                   .free_rows = store_items_free,
                                   .can_newer = true};
    getmaxyx(stdscr, app.rows, app.cols);
    ui_list_init(&app.feed, &feed_src, 0);
    data_changed(&app);
    refresh_data(&app); /* before the first draw, so the layout knows the board's rows */
    update_status(&app);
    if (!app.me.known)
        ui_app_message(&app, true,
                       "用户 %s 未登记，只有查看权限（请管理员用 jingyu person add 登记）",
                       app.me.login);
    else if (!app.msg[0])
        ui_app_message(&app, false, "%s，您好。按 ? 查看帮助，Q 退出", app.me.name);
    if (writes)
        ui_drafts_offer(&app); /* a form a dropped session left behind */

    loop(&app, opts);

    endwin();
    delscreen(scr);
out:
    app_free(&app);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGINT, &old_int, NULL);
    collector_stop(app.coll);
    store_close(app.st);
    return rc;
}
