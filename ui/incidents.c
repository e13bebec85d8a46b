/* incidents.c: the incident list (处置工单) and the incident view.
 *
 * The list shows open incidents with their next deadline and the time left;
 * overdue ones are red and first, so the most urgent is where the eye
 * lands. The view shows one incident: its clocks, forms, responses,
 * releases with their reviews, tasks, and its history from the audit trail.
 * `o` on the risk board or in the event view opens an incident for the
 * event in one key (acknowledging its alerts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_private.h"

#define INCIDENTS_MAX 500

bool ui_app_may_write(struct ui_app *app)
{
    struct jy_error err = {0};
    if (actor_check_write(&app->me, &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return false;
    }
    return true;
}

int ui_incidents_reload(struct ui_app *app, struct jy_error *err)
{
    struct incident *v;
    size_t n;
    int rc = store_incidents_list(app->st, true, INCIDENTS_MAX, &v, &n, err);
    if (rc)
        return rc;
    int64_t now = jy_now();
    incidents_sort(v, n, &app->cfg->incident, now);
    /* keep the selection on the same incident */
    int64_t sel_id = app->inc_sel < app->n_incs ? app->incs[app->inc_sel].id : 0;
    incidents_free(app->incs, app->n_incs);
    app->incs = v;
    app->n_incs = n;
    app->inc_sel = 0;
    app->overdue = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].id == sel_id)
            app->inc_sel = i;
        struct inc_clock c[INC_N_CLOCKS];
        size_t nc = incident_clocks(&v[i], &app->cfg->incident, now, c);
        const struct inc_clock *next = incident_next_clock(c, nc);
        if (next && next->status == CLOCK_OVERDUE)
            app->overdue++;
    }
    return 0;
}

static attr_t red(void)
{
    return A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : 0);
}

/* "内部上报 已超时 1小时05分" / "公布结果 剩余 2天3小时" / "时限均已完成" */
static void next_deadline(const struct ui_app *app, const struct incident *x, int64_t now,
                          char *buf, size_t size, bool *overdue)
{
    struct inc_clock c[INC_N_CLOCKS];
    size_t nc = incident_clocks(x, &app->cfg->incident, now, c);
    const struct inc_clock *next = incident_next_clock(c, nc);
    *overdue = next && next->status == CLOCK_OVERDUE;
    if (!next) {
        snprintf(buf, size, "时限均已完成");
        return;
    }
    char span[32];
    inc_format_span(*overdue ? now - next->due_at : next->due_at - now, span, sizeof span);
    snprintf(buf, size, "%s %s%s", inc_clock_label(next->kind), *overdue ? "已超时 " : "剩余 ",
             span);
}

void ui_incidents_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    int64_t now = jy_now();
    int cols = app->cols - 2 > 20 ? app->cols - 2 : 20;
    if (app->n_incs == 0) {
        ui_text_add(&app->text, "没有未办结的处置工单。在风险看板或事件视图按 o 立单。", A_DIM);
        return;
    }
    for (size_t i = 0; i < app->n_incs; i++) {
        const struct incident *x = &app->incs[i];
        char when[96];
        bool overdue;
        next_deadline(app, x, now, when, sizeof when, &overdue);
        char *dl = ui_cell(when, 26);
        char *line = xasprintf("#%-4lld %-3s %s  %s  %s", (long long)x->id, level_roman(x->level),
                               inc_state_label(x->state), dl, x->title);
        char *cell = ui_cell(line, cols);
        attr_t attr = overdue ? red() : 0;
        if (i == app->inc_sel)
            attr |= A_REVERSE;
        ui_text_add(&app->text, cell, attr);
        free(cell);
        free(line);
        free(dl);
    }
}

void ui_view_incidents_open(struct ui_app *app)
{
    struct jy_error err = {0};
    if (ui_incidents_reload(app, &err))
        ui_app_message(app, true, "读取工单失败：%s", err.msg);
    app->screen = UI_SCREEN_INCIDENTS;
    app->text.top = 0;
    ui_view_rebuild(app);
}

bool ui_incidents_key(struct ui_app *app, enum ui_action act)
{
    if (app->n_incs == 0)
        return act == UI_ACT_OPEN;
    size_t last = app->n_incs - 1;
    switch (act) {
    case UI_ACT_DOWN:
        app->inc_sel = app->inc_sel < last ? app->inc_sel + 1 : last;
        break;
    case UI_ACT_UP:
        app->inc_sel = app->inc_sel ? app->inc_sel - 1 : 0;
        break;
    case UI_ACT_TOP:
        app->inc_sel = 0;
        break;
    case UI_ACT_BOTTOM:
        app->inc_sel = last;
        break;
    case UI_ACT_OPEN:
        ui_view_incident_open(app, app->incs[app->inc_sel].id);
        return true;
    default:
        return false;
    }
    ui_view_rebuild(app);
    int h = app->rows - 5 > 1 ? app->rows - 5 : 1;
    if (app->inc_sel < app->text.top)
        app->text.top = app->inc_sel;
    else if (app->inc_sel >= app->text.top + (size_t)h)
        app->text.top = app->inc_sel - (size_t)h + 1;
    return true;
}

/* ---- one incident ------------------------------------------------------------ */

static void add_field(struct ui_text *t, const char *label, const char *value, int cols)
{
    if (!value || !*value)
        return;
    char *line = xasprintf("%s%s", label, value);
    ui_text_add_wrapped(t, line, cols, 0);
    free(line);
}

static void add_time(struct ui_text *t, const char *label, int64_t at, int64_t now)
{
    if (!at)
        return;
    char when[32];
    ui_format_when(at, now, when, sizeof when);
    char *line = xasprintf("%s%s", label, when);
    ui_text_add(t, line, 0);
    free(line);
}

static void build_clocks(struct ui_app *app, const struct incident *x, int64_t now)
{
    struct inc_clock c[INC_N_CLOCKS];
    size_t nc = incident_clocks(x, &app->cfg->incident, now, c);
    ui_text_add(&app->text, "时限", A_BOLD);
    for (size_t i = 0; i < nc; i++) {
        char due[32], status[64], span[32];
        ui_format_when(c[i].due_at, now, due, sizeof due);
        attr_t attr = 0;
        switch (c[i].status) {
        case CLOCK_MET:
            snprintf(status, sizeof status, "按时完成");
            attr = A_DIM;
            break;
        case CLOCK_LATE:
            inc_format_span(c[i].met_at - c[i].due_at, span, sizeof span);
            snprintf(status, sizeof status, "逾期完成（晚 %s）", span);
            break;
        case CLOCK_OVERDUE:
            inc_format_span(now - c[i].due_at, span, sizeof span);
            snprintf(status, sizeof status, "已超时 %s", span);
            attr = red();
            break;
        case CLOCK_PENDING:
            inc_format_span(c[i].due_at - now, span, sizeof span);
            snprintf(status, sizeof status, "剩余 %s", span);
            break;
        }
        char *label = ui_cell(inc_clock_label(c[i].kind), 22);
        char *line = xasprintf("  %s 截止 %s  %s", label, due, status);
        ui_text_add(&app->text, line, attr);
        free(line);
        free(label);
    }
}

void ui_incident_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    struct incident x;
    struct jy_error err = {0};
    if (store_incident_get(app->st, app->incident_id, &x, &err)) {
        ui_text_add(&app->text, err.msg, red());
        return;
    }
    int64_t now = jy_now();
    int cols = app->cols - 2 > 20 ? app->cols - 2 : 20;
    struct ui_text *t = &app->text;
    char *head = xasprintf("工单 #%lld  [%s]  %s %s  %s", (long long)x.id, inc_state_label(x.state),
                           level_roman(x.level), level_label(x.level), x.category);
    ui_text_add(t, head, A_BOLD | ui_level_attr(x.level));
    free(head);
    add_field(t, "标题：", x.title, cols);
    add_field(t, "来源：", x.origin, cols);
    add_field(t, "负责人：", x.officer, cols);
    add_field(t, "部门：", x.departments, cols);
    add_time(t, "开始：", x.started_at, now);
    ui_text_add(t, "", 0);
    build_clocks(app, &x, now);
    if (x.strategy) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "研判", A_BOLD);
        add_field(t, "  定级理由：", x.level_reason, cols);
        add_field(t, "  处置策略：", x.strategy, cols);
        add_time(t, "  已上报：", x.reported_up ? x.reported_at : 0, now);
    }
    struct store_response *resp;
    size_t nr;
    if (store_responses_list(app->st, x.id, &resp, &nr, &err) == 0 && nr) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "回应", A_BOLD);
        for (size_t i = 0; i < nr; i++) {
            char when[32];
            ui_format_when(resp[i].responded_at, now, when, sizeof when);
            char *line = xasprintf("  %s %s（%s）：%s", when, resp[i].channel, resp[i].created_by,
                                   resp[i].content);
            ui_text_add_wrapped(t, line, cols, 0);
            free(line);
        }
    }
    if (nr)
        store_responses_free(resp, nr);
    if (x.facts) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "核查", A_BOLD);
        add_field(t, "  查明事实：", x.facts, cols);
        add_field(t, "  证据：", x.evidence, cols);
        add_field(t, "  法制审核：", x.legal_opinion, cols);
        add_field(t, "  审核人：", x.legal_by, cols);
        add_field(t, "  核查人：", x.verified_by, cols);
    }
    struct store_release *rel;
    size_t nrel;
    if (store_releases_list(app->st, x.id, &rel, &nrel, &err) == 0 && nrel) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "发布审批", A_BOLD);
        for (size_t i = 0; i < nrel; i++) {
            char name[64];
            inc_release_name(rel[i].seq, name, sizeof name);
            char *line =
                xasprintf("  %s%s [%s] 第%d稿  起草 %s%s%s", name, rel[i].final ? "（结果）" : "",
                          rel[i].status, rel[i].version, rel[i].drafters ? rel[i].drafters : "-",
                          rel[i].approver ? "  审批 " : "", rel[i].approver ? rel[i].approver : "");
            ui_text_add(t, line, 0);
            free(line);
            add_field(t, "    意见：", rel[i].comment, cols);
            add_field(t, "    ", rel[i].text, cols);
        }
        store_releases_free(rel, nrel);
    }
    if (x.outcome) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "办结", A_BOLD);
        add_field(t, "  结果：", x.outcome, cols);
        add_field(t, "  是否有效：",
                  x.effective == 1   ? "是"
                  : x.effective == 0 ? "否"
                                     : NULL,
                  cols);
        add_field(t, "  理由：", x.effective_why, cols);
    }
    struct store_audit *a;
    size_t na;
    if (store_audit_list(app->st, "incident", x.id, 50, &a, &na, &err) == 0) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "历史（审计记录，新的在前）", A_BOLD);
        for (size_t i = 0; i < na; i++) {
            char when[32];
            ui_format_when(a[i].at, now, when, sizeof when);
            char *line = xasprintf("  %s  %s  %s", when, a[i].actor, a[i].action);
            ui_text_add(t, line, A_DIM);
            free(line);
        }
        store_audit_free(a, na);
    }
    incident_clear(&x);
}

void ui_view_incident_open(struct ui_app *app, int64_t id)
{
    app->incident_id = id;
    app->screen = UI_SCREEN_INCIDENT;
    app->text.top = 0;
    ui_view_rebuild(app);
    app->text.top = 0;
}

/* The category an event's incident starts with: 其他 when configured, else
 * the first; the operator corrects it in assessment. */
static const char *default_category(const struct incident_config *ic)
{
    for (size_t i = 0; i < ic->n_categories; i++) {
        if (!strcmp(ic->categories[i], "其他"))
            return ic->categories[i];
    }
    return ic->n_categories ? ic->categories[0] : "其他";
}

void ui_app_incident_from_event(struct ui_app *app, int64_t event_id)
{
    if (!ui_app_may_write(app))
        return;
    struct store_incident_new n = {.event_id = event_id,
                                   .category = default_category(&app->cfg->incident)};
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    int64_t id;
    struct jy_error err = {0};
    if (store_incident_create(app->st, &app->me, &n, &app->cfg->incident, jy_now(), &id, fe, &nfe,
                              &err)) {
        ui_app_message(app, true, "立单失败：%s", err.msg);
        return;
    }
    ui_app_refresh(app);
    ui_view_incident_open(app, id);
    ui_app_message(app, false, "已立处置工单 #%lld（%s），该事件的预警已确认", (long long)id,
                   app->me.name);
}
