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

/* ---- names and labels ----------------------------------------------------------- */

void ui_person_label(struct ui_app *app, const char *logins, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!logins)
        return;
    if (app->people_version != app->data_version || !app->people_version) {
        struct store_person *v;
        size_t nv;
        struct jy_error err = {0};
        if (store_people_list(app->st, &v, &nv, &err) == 0) {
            store_people_free(app->people, app->n_people);
            app->people = v;
            app->n_people = nv;
            app->people_version = app->data_version ? app->data_version : 1;
        }
    }
    size_t len = 0;
    for (const char *p = logins; *p && len + 1 < n;) {
        const char *sep = strstr(p, "、");
        size_t l = sep ? (size_t)(sep - p) : strlen(p);
        const char *name = NULL;
        for (size_t i = 0; i < app->n_people && !name; i++)
            if (strlen(app->people[i].login) == l && !strncmp(app->people[i].login, p, l) &&
                app->people[i].name && *app->people[i].name)
                name = app->people[i].name;
        int w = name ? snprintf(buf + len, n - len, "%s%s", len ? "、" : "", name)
                     : snprintf(buf + len, n - len, "%s%.*s", len ? "、" : "", (int)l, p);
        len = w < 0 ? len : len + (size_t)w < n ? len + (size_t)w : n - 1;
        p += l;
        if (sep)
            p += strlen("、");
    }
}

const char *ui_release_status_label(const char *status)
{
    static const struct {
        const char *status, *label;
    } labels[] = {{"draft", "草稿"},
                  {"submitted", "待审批"},
                  {"approved", "已批准"},
                  {"returned", "已退回"},
                  {"published", "已发布"}};
    for (size_t i = 0; status && i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(status, labels[i].status))
            return labels[i].label;
    return status ? status : "";
}

void ui_audit_action_label(const char *action, char *buf, size_t n)
{
    static const struct {
        const char *action, *label;
    } labels[] = {
        {"incident.create", "立单"},
        {"incident.save.header", "修改标题、类别、负责人、部门"},
        {"incident.save.assessment", "填写研判"},
        {"incident.save.response", "填写回应"},
        {"incident.save.verification", "填写核查"},
        {"incident.save.release", "填写通报"},
        {"incident.save.closure", "填写办结"},
        {"incident.save.task", "填写任务"},
        {"incident.link", "关联事件或信息"},
        {"incident.event_level", "事件等级变化"},
        {"response.add", "记录回应"},
        {"task.add", "派任务"},
        {"task.feedback", "记录任务反馈"},
        {"release.draft", "起草通报稿"},
        {"release.submit", "提交审批"},
        {"release.approve", "批准通报稿"},
        {"release.return", "退回通报稿"},
        {"release.publish", "登记发布"},
        {"release.correct", "标为更正"},
        {"release.retract", "标为撤回"},
        {"release.reset", "通报稿退回草稿"},
        {"alert.ack", "确认预警"},
        {"alert.rise", "预警升级"},
        {"alert.notify", "推送预警"},
        {"alert.escalate", "预警逐级上报"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        if (!strcmp(action, labels[i].action)) {
            snprintf(buf, n, "%s", labels[i].label);
            return;
        }
    }
    /* incident.advance|return|reopen.STATE */
    static const struct {
        const char *prefix, *fmt;
    } moves[] = {{"incident.advance.", "转入「%s」"},
                 {"incident.return.", "退回「%s」"},
                 {"incident.reopen.", "重新打开，转入「%s」"}};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        size_t l = strlen(moves[i].prefix);
        int st;
        if (!strncmp(action, moves[i].prefix, l) && (st = inc_state_parse(action + l)) >= 0) {
            snprintf(buf, n, moves[i].fmt, inc_state_label((enum inc_state)st));
            return;
        }
    }
    snprintf(buf, n, "%s", action); /* a new kind of row: shown as recorded */
}

int ui_incidents_reload(struct ui_app *app, struct jy_error *err)
{
    struct incident *v;
    size_t n;
    /* the header needs the open ones only, at every change of the data; the
     * list shows the closed ones too, after them */
    bool all = app->screen == UI_SCREEN_INCIDENTS;
    int rc = store_incidents_list(app->st, !all, INCIDENTS_MAX, &v, &n, err);
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
        if (v[i].state != INC_CLOSED && next && next->status == CLOCK_OVERDUE)
            app->overdue++;
    }
    return 0;
}

/* "内部上报 已超时 1小时05分" / "公布结果 剩余 2天3小时" / "时限均已完成" */
static void next_deadline(const struct ui_app *app, const struct incident *x, int64_t now,
                          char *buf, size_t size, bool *overdue)
{
    struct inc_clock c[INC_N_CLOCKS];
    size_t nc = incident_clocks(x, &app->cfg->incident, now, c);
    const struct inc_clock *next = incident_next_clock(c, nc);
    *overdue = x->state != INC_CLOSED && next && next->status == CLOCK_OVERDUE;
    if (x->state == INC_CLOSED) { /* its clocks stopped when it closed */
        snprintf(buf, size, "已办结");
        return;
    }
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
        ui_text_add(&app->text, "没有处置工单。在风险看板或事件视图按 o 立单，在此按 N 手工立单。",
                    A_DIM);
        return;
    }
    /* the deadline column as wide as its widest entry: "首次回应（黄金4小时）
     * 已超时 1天20小时" was cut at a fixed 26 columns whatever the width */
    int dl_w = 8;
    for (size_t i = 0; i < app->n_incs; i++) {
        char when[96];
        bool overdue;
        next_deadline(app, &app->incs[i], now, when, sizeof when, &overdue);
        int w = utf8_width(when);
        dl_w = w > dl_w ? w : dl_w;
    }
    for (size_t i = 0; i < app->n_incs; i++) {
        const struct incident *x = &app->incs[i];
        char when[96];
        bool overdue;
        next_deadline(app, x, now, when, sizeof when, &overdue);
        char *dl = ui_cell(when, dl_w);
        char *line = xasprintf("#%-4lld %-3s %s  %s  %s", (long long)x->id, level_roman(x->level),
                               inc_state_label(x->state), dl, x->title);
        char *cell = ui_cell(line, cols);
        attr_t attr = overdue ? ui_alarm_attr() : x->state == INC_CLOSED ? A_DIM : 0;
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
    app->screen = UI_SCREEN_INCIDENTS; /* first: the list reads the closed ones too */
    if (ui_incidents_reload(app, &err))
        ui_app_message(app, true, "读取工单失败：%s", err.msg);
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

/* label + value, wrapped; the lines of a multi-line value indented under
 * the label's start */
static void add_field(struct ui_text *t, const char *label, const char *value, int cols)
{
    if (!value || !*value)
        return;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, label);
    int indent = 0;
    while (label[indent] == ' ')
        indent++;
    for (const char *p = value; *p; p++) {
        jy_buf_append(&b, p, 1);
        if (*p == '\n')
            for (int i = 0; i < indent + 2; i++)
                jy_buf_append(&b, " ", 1);
    }
    ui_text_add_wrapped(t, b.data, cols, 0);
    jy_buf_free(&b);
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
    bool closed = x->state == INC_CLOSED && x->closed_at;
    ui_text_add(&app->text, closed ? "时限（已办结，停止计时）" : "时限", A_BOLD);
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
            /* a closed incident's clocks stopped at its closing */
            inc_format_span((closed ? x->closed_at : now) - c[i].due_at, span, sizeof span);
            snprintf(status, sizeof status, "%s %s", closed ? "办结时已超时" : "已超时", span);
            attr = closed ? 0 : ui_alarm_attr();
            break;
        case CLOCK_PENDING:
            if (closed) { /* no countdown: nothing is running any more */
                snprintf(status, sizeof status, "办结时未到期，不再计时");
                attr = A_DIM;
                break;
            }
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

/* The keys of the incident's next step, most likely first, for the front
 * of the hint line: after each change of state the officer sees what to
 * press next. */
static size_t next_keys(const struct inc_facts *f, enum ui_action out[6])
{
    size_t n = 0;
#define K(a) (out[n++] = (a))
    switch (f->state) {
    case INC_ASSESSMENT:
        if (!f->assessed)
            K(UI_ACT_INC_EDIT);
        K(UI_ACT_INC_NEXT);
        K(UI_ACT_INC_HEADER);
        break;
    case INC_RESPONSE:
        if (!f->responses)
            K(UI_ACT_INC_RESPOND);
        K(UI_ACT_INC_NEXT);
        if (f->responses)
            K(UI_ACT_INC_RESPOND);
        break;
    case INC_VERIFICATION:
        if (!f->verified)
            K(UI_ACT_INC_EDIT);
        K(UI_ACT_INC_DRAFT);
        K(UI_ACT_INC_SUBMIT);
        K(UI_ACT_INC_TASK);
        break;
    case INC_APPROVAL:
        if (f->release_approved) {
            K(UI_ACT_INC_PUBLISH);
        } else {
            K(UI_ACT_INC_APPROVE);
            K(UI_ACT_INC_REJECT);
            K(UI_ACT_INC_DRAFT);
        }
        break;
    case INC_RELEASED:
        K(UI_ACT_INC_NEXT);
        K(UI_ACT_INC_CORRECT);
        K(UI_ACT_INC_RETRACT);
        break;
    case INC_FOLLOWUP:
        K(UI_ACT_INC_CLOSE);
        K(UI_ACT_INC_TASK);
        K(UI_ACT_INC_FEEDBACK);
        K(UI_ACT_INC_DRAFT);
        K(UI_ACT_INC_BACK);
        break;
    case INC_CLOSED:
    case INC_N_STATES:
        K(UI_ACT_INC_NEXT); /* reopen */
        break;
    }
#undef K
    return n;
}

void ui_incident_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    struct incident x;
    struct jy_error err = {0};
    if (store_incident_get(app->st, app->incident_id, &x, &err)) {
        ui_text_add(&app->text, err.msg, ui_alarm_attr());
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
    char officer[96];
    ui_person_label(app, x.officer, officer, sizeof officer);
    add_field(t, "负责人：", officer, cols);
    add_field(t, "部门：", x.departments, cols);
    char *evs, *its;
    if (store_incident_links(app->st, x.id, &evs, &its, &err) == 0) {
        add_field(t, "关联事件：", evs, cols);
        add_field(t, "关联信息：", its, cols);
        free(evs);
        free(its);
    }
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
            char who[96];
            ui_person_label(app, resp[i].created_by, who, sizeof who);
            char *line =
                xasprintf("  %s %s（%s）：%s", when, resp[i].channel, who, resp[i].content);
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
            char drafters[192], approver[96];
            ui_person_label(app, rel[i].drafters, drafters, sizeof drafters);
            ui_person_label(app, rel[i].approver, approver, sizeof approver);
            char *line =
                xasprintf("  %s%s [%s] 第%d稿  起草 %s%s%s", name, rel[i].final ? "（结果）" : "",
                          ui_release_status_label(rel[i].status), rel[i].version,
                          drafters[0] ? drafters : "-", rel[i].approver ? "  审批 " : "", approver);
            ui_text_add(t, line, 0);
            free(line);
            if (rel[i].correction) {
                char *c = xasprintf("    已%s：%s",
                                    !strcmp(rel[i].correction, "retracted") ? "撤回" : "更正",
                                    rel[i].correction_reason ? rel[i].correction_reason : "");
                ui_text_add(t, c, ui_alarm_attr());
                free(c);
            }
            add_field(t, "    意见：", rel[i].comment, cols);
            add_field(t, "    ", rel[i].text, cols);
        }
        store_releases_free(rel, nrel);
    }
    struct store_task *tasks;
    size_t ntk;
    if (store_tasks_list(app->st, x.id, &tasks, &ntk, &err) == 0 && ntk) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "协同任务", A_BOLD);
        for (size_t i = 0; i < ntk; i++) {
            char due[32], span[32];
            ui_format_when(tasks[i].due_at, now, due, sizeof due);
            bool late = !tasks[i].feedback && tasks[i].due_at < now;
            if (late)
                inc_format_span(now - tasks[i].due_at, span, sizeof span);
            char *line = xasprintf("  #%lld %s  截止 %s%s%s：%s", (long long)tasks[i].id,
                                   tasks[i].department, due, late ? "  已超时 " : "",
                                   late ? span : "", tasks[i].description);
            ui_text_add_wrapped(t, line, cols, late ? ui_alarm_attr() : 0);
            free(line);
            add_field(t, "    反馈：", tasks[i].feedback, cols);
        }
    }
    if (ntk)
        store_tasks_free(tasks, ntk);
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
    bool more = false;
    if (store_audit_page(app->st, "incident", x.id, 0, 50, &a, &na, &more, &err) == 0) {
        ui_text_add(t, "", 0);
        ui_text_add(t, "历史（审计记录，含通报审批与预警确认，新的在前）", A_BOLD);
        for (size_t i = 0; i < na; i++) {
            char when[32];
            ui_format_when(a[i].at, now, when, sizeof when);
            char who[96], what[128];
            ui_person_label(app, a[i].actor, who, sizeof who);
            ui_audit_action_label(a[i].action, what, sizeof what);
            char *line = xasprintf("  %s  %s  %s", when, who, what);
            ui_text_add(t, line, A_DIM);
            free(line);
        }
        if (more) {
            char *line = xasprintf("  ……只列出最近 %zu 条；全部：jingyu audit log --incident %lld "
                                   "--offset %zu",
                                   na, (long long)x.id, na);
            ui_text_add(t, line, A_DIM);
            free(line);
        }
        store_audit_free(a, na);
    }
    struct inc_facts f = incident_facts(&x);
    app->n_inc_keys = next_keys(&f, app->inc_keys);
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

void ui_app_incident_from_event(struct ui_app *app, int64_t event_id)
{
    if (!ui_app_may_write(app))
        return;
    /* the category the risk model found most severe in the event; the
     * operator corrects it in assessment */
    const struct incident_config *ic = &app->cfg->incident;
    const char *const *cats = (const char *const *)ic->categories;
    struct store_event ev = {0};
    struct jy_error everr = {0};
    const char *category = store_event_get(app->st, event_id, jy_now(), &ev, &everr) == 0
                               ? incident_category_for_event(ev.explanation, cats, ic->n_categories)
                               : incident_category_default(cats, ic->n_categories);
    struct store_incident_new n = {.event_id = event_id, .category = category};
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    int64_t id;
    struct jy_error err = {0};
    if (store_incident_create(app->st, &app->me, &n, &app->cfg->incident, jy_now(), &id, fe, &nfe,
                              &err)) {
        ui_app_message(app, true, "立单失败：%s", err.msg);
        store_event_clear(&ev);
        return;
    }
    store_event_clear(&ev);
    ui_app_refresh(app);
    ui_view_incident_open(app, id);
    ui_app_message(app, false, "已立处置工单 #%lld（%s），该事件的预警已确认", (long long)id,
                   app->me.name);
}

/* ---- forms of an incident ------------------------------------------------------ */

static const char *const level_choices[] = {"I", "II", "III", "IV"};
static const char *const yes_no[] = {"否", "是"};
static const char *const effective_choices[] = {"（未选）", "有效", "无效"};

static void input_time(int64_t t, char *buf, size_t n)
{
    if (t)
        jy_time_local(t, "%Y-%m-%d %H:%M", buf, n);
    else
        buf[0] = '\0';
}

/* A field's value as the form shows it, from the stored incident. */
static void incident_value(const struct incident *x, const char *key, char *buf, size_t n)
{
    const char *s = NULL;
    buf[0] = '\0';
    if (!strcmp(key, "level"))
        s = x->level >= 1 && x->level <= 4 ? level_choices[x->level - 1] : "IV";
    else if (!strcmp(key, "reported_up"))
        s = x->reported_up ? "是" : "否";
    else if (!strcmp(key, "reported_at"))
        input_time(x->reported_up ? x->reported_at : 0, buf, n);
    else if (!strcmp(key, "effective"))
        s = effective_choices[x->effective == 1 ? 1 : x->effective == 0 ? 2 : 0];
    else if (!strcmp(key, "satisfaction")) {
        if (x->satisfaction >= 0)
            snprintf(buf, n, "%d", x->satisfaction);
    } else {
        static const struct {
            const char *key;
            size_t off;
        } strs[] = {
            {"title", offsetof(struct incident, title)},
            {"category", offsetof(struct incident, category)},
            {"officer", offsetof(struct incident, officer)},
            {"departments", offsetof(struct incident, departments)},
            {"level_reason", offsetof(struct incident, level_reason)},
            {"strategy", offsetof(struct incident, strategy)},
            {"facts", offsetof(struct incident, facts)},
            {"evidence", offsetof(struct incident, evidence)},
            {"legal_opinion", offsetof(struct incident, legal_opinion)},
            {"legal_by", offsetof(struct incident, legal_by)},
            {"verified_by", offsetof(struct incident, verified_by)},
            {"outcome", offsetof(struct incident, outcome)},
            {"effective_why", offsetof(struct incident, effective_why)},
            {"secondary", offsetof(struct incident, secondary)},
            {"lessons", offsetof(struct incident, lessons)},
        };
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
            if (!strcmp(key, strs[i].key)) {
                s = *(char *const *)((const char *)x + strs[i].off);
                break;
            }
        }
    }
    if (s)
        snprintf(buf, n, "%s", s);
}

/* The text a new statement starts from: the category's template
 * (incident_template_file) with the bureau's name filled in. */
static char *release_template(const struct ui_app *app, const struct incident *x)
{
    struct jy_error err = {0};
    char *text = incident_template_text(config_datadir(), x->category, app->cfg->bureau, &err);
    return text ? text : xstrdup("");
}

/* The incident's newest release not yet published (NULL when none); the
 * caller frees *all. */
static struct store_release *open_release(struct ui_app *app, int64_t id,
                                          struct store_release **all, size_t *n)
{
    struct jy_error err = {0};
    *all = NULL;
    *n = 0;
    if (store_releases_list(app->st, id, all, n, &err)) {
        ui_app_message(app, true, "读取通报稿失败：%s", err.msg);
        return NULL;
    }
    for (size_t i = *n; i-- > 0;) {
        if (strcmp((*all)[i].status, "published"))
            return &(*all)[i];
    }
    return NULL;
}

/* An incident by hand: a phone tip, an internal report. */
static void form_open_new(struct ui_app *app)
{
    struct ui_form *fm = &app->form;
    ui_form_free(fm);
    ui_form_init(fm, "手工立单");
    fm->kind = UI_FORM_NEW;
    snprintf(fm->draft_key, sizeof fm->draft_key, "incident/0/%d", UI_FORM_NEW);
    const struct incident_config *ic = &app->cfg->incident;
    char now_s[32];
    input_time(jy_now(), now_s, sizeof now_s);
    ui_form_add(fm, "title", "标题", UI_FIELD_LINE, NULL);
    ui_form_add(fm, "category", "类别", UI_FIELD_CHOICE, NULL);
    ui_form_set_choices(fm, "category", (const char *const *)ic->categories, ic->n_categories);
    ui_form_add(fm, "level", "等级", UI_FIELD_CHOICE, "IV");
    ui_form_set_choices(fm, "level", level_choices, 4);
    ui_form_add(fm, "origin", "来源（电话举报、内部报告……）", UI_FIELD_LINE, "电话举报");
    ui_form_add(fm, "started_at", "接报时间", UI_FIELD_TIME, now_s);
    ui_form_add(fm, "departments", "涉及部门（用、分隔）", UI_FIELD_LINE, NULL);
    app->screen = UI_SCREEN_FORM;
    ui_app_message(app, false, "Tab 下一栏  F2/^O 保存  Esc 取消；输入随时保存为草稿");
}

static void form_open(struct ui_app *app, int kind)
{
    if (!ui_app_may_write(app))
        return;
    if (kind == UI_FORM_NEW) {
        form_open_new(app);
        return;
    }
    if (kind == UI_FORM_HANDOVER) {
        ui_handover_open(app);
        return;
    }
    struct incident x;
    struct jy_error err = {0};
    if (store_incident_get(app->st, app->incident_id, &x, &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    struct ui_form *fm = &app->form;
    ui_form_free(fm);
    char title[160];
    char *short_title = utf8_truncate(x.title, 40); /* whole characters, 40 columns */
    snprintf(title, sizeof title, "工单 #%lld %s · %s", (long long)x.id,
             kind == UI_FORM_PUBLISH ? "发布登记" : inc_form_label((enum inc_form)kind),
             short_title);
    free(short_title);
    ui_form_init(fm, title);
    fm->kind = kind;
    fm->incident_id = x.id;
    fm->version = x.version;
    snprintf(fm->draft_key, sizeof fm->draft_key, "incident/%lld/%d", (long long)x.id, kind);
    const struct incident_config *ic = &app->cfg->incident;
    char buf[64];
    char now_s[32];
    input_time(jy_now(), now_s, sizeof now_s);
#define FROM(key) (incident_value(&x, key, buf, sizeof buf), buf)
    switch (kind) {
    case FORM_HEADER:
        ui_form_add(fm, "title", "标题", UI_FIELD_LINE, x.title);
        ui_form_add(fm, "category", "类别", UI_FIELD_CHOICE, x.category);
        ui_form_set_choices(fm, "category", (const char *const *)ic->categories, ic->n_categories);
        ui_form_add(fm, "level", "等级", UI_FIELD_CHOICE, FROM("level"));
        ui_form_set_choices(fm, "level", level_choices, 4);
        ui_form_add(fm, "officer", "负责人（登录名）", UI_FIELD_LINE, x.officer);
        ui_form_add(fm, "departments", "涉及部门（用、分隔）", UI_FIELD_LINE, x.departments);
        break;
    case FORM_ASSESSMENT:
        ui_form_add(fm, "level", "等级", UI_FIELD_CHOICE, FROM("level"));
        ui_form_field(fm, "level")->label = x.model_level ? "等级（与模型不同须写理由）" : "等级";
        ui_form_set_choices(fm, "level", level_choices, 4);
        ui_form_add(fm, "level_reason", "定级理由", UI_FIELD_TEXT, x.level_reason);
        ui_form_add(fm, "strategy", "处置策略", UI_FIELD_TEXT, x.strategy);
        ui_form_add(fm, "reported_up", "是否已向上级报告", UI_FIELD_CHOICE, FROM("reported_up"));
        ui_form_set_choices(fm, "reported_up", yes_no, 2);
        ui_form_add(fm, "reported_at", "报告时间（2026-12-01 08:30）", UI_FIELD_TIME,
                    x.reported_up ? FROM("reported_at") : now_s);
        break;
    case FORM_RESPONSE:
        ui_form_add(fm, "channel", "渠道", UI_FIELD_CHOICE, NULL);
        ui_form_set_choices(fm, "channel", inc_response_channels, inc_n_response_channels);
        ui_form_add(fm, "content", "回应内容", UI_FIELD_TEXT, NULL);
        ui_form_add(fm, "responded_at", "回应时间", UI_FIELD_TIME, now_s);
        break;
    case FORM_VERIFICATION:
        ui_form_add(fm, "facts", "查明事实", UI_FIELD_TEXT, x.facts);
        ui_form_add(fm, "evidence", "证据（执法记录仪、监控、案卷、证言：写编号，不上传文件）",
                    UI_FIELD_TEXT, x.evidence);
        ui_form_add(fm, "legal_opinion", "法制审核意见", UI_FIELD_TEXT, x.legal_opinion);
        ui_form_add(fm, "legal_by", "审核人", UI_FIELD_LINE, x.legal_by);
        ui_form_add(fm, "verified_by", "核查人", UI_FIELD_LINE,
                    x.verified_by ? x.verified_by : app->me.name);
        break;
    case FORM_RELEASE: {
        struct store_release *all, *r;
        size_t n;
        r = open_release(app, x.id, &all, &n);
        char *text = r && r->text ? xstrdup(r->text) : release_template(app, &x);
        char name[64];
        inc_release_name(r ? r->seq : (int)n + 1, name, sizeof name);
        size_t tl = strlen(fm->title);
        snprintf(fm->title + tl, sizeof fm->title - tl, " · %s", name);
        ui_form_add(fm, "text", "通报稿", UI_FIELD_TEXT, text);
        ui_form_field(fm, "text")->label = r ? "通报稿（修改后另存一稿）" : "通报稿（新稿）";
        ui_form_add(fm, "final", "是否为结果通报", UI_FIELD_CHOICE, r && r->final ? "是" : "否");
        ui_form_set_choices(fm, "final", yes_no, 2);
        free(text);
        store_releases_free(all, n);
        break;
    }
    case FORM_CLOSURE:
        ui_form_add(fm, "outcome", "处置结果", UI_FIELD_TEXT, x.outcome);
        ui_form_add(fm, "effective", "是否有效", UI_FIELD_CHOICE, FROM("effective"));
        ui_form_set_choices(fm, "effective", effective_choices, 3);
        ui_form_add(fm, "effective_why", "有效或无效的理由", UI_FIELD_TEXT, x.effective_why);
        ui_form_add(fm, "secondary", "衍生事件", UI_FIELD_TEXT, x.secondary);
        ui_form_add(fm, "lessons", "经验教训", UI_FIELD_TEXT, x.lessons);
        ui_form_add(fm, "satisfaction", "满意度（0–100，未调查留空）", UI_FIELD_LINE,
                    FROM("satisfaction"));
        break;
    case FORM_TASK: {
        char due[32];
        input_time(jy_now() + 4 * 3600, due, sizeof due);
        ui_form_add(fm, "department", "部门", UI_FIELD_CHOICE, NULL);
        ui_form_set_choices(fm, "department", (const char *const *)ic->departments,
                            ic->n_departments);
        ui_form_add(fm, "description", "任务", UI_FIELD_TEXT, NULL);
        ui_form_add(fm, "due_at", "完成时限", UI_FIELD_TIME, due);
        break;
    }
    case UI_FORM_PUBLISH: {
        struct store_release *all, *r;
        size_t n;
        r = open_release(app, x.id, &all, &n);
        if (!r || strcmp(r->status, "approved")) {
            ui_app_message(app, true, "没有已批准待发布的通报稿");
            store_releases_free(all, n);
            ui_form_free(fm);
            incident_clear(&x);
            return;
        }
        fm->release_id = r->id;
        store_releases_free(all, n);
        ui_form_add(fm, "channel", "发布渠道", UI_FIELD_CHOICE, NULL);
        ui_form_set_choices(fm, "channel", inc_release_channels, inc_n_release_channels);
        ui_form_add(fm, "link", "链接", UI_FIELD_LINE, NULL);
        ui_form_add(fm, "published_at", "发布时间", UI_FIELD_TIME, now_s);
        break;
    }
    default:
        break;
    }
#undef FROM
    incident_clear(&x);
    ui_form_mark_opened(fm);
    app->screen = UI_SCREEN_FORM;
    ui_app_message(app, false, "Tab 下一栏  F2/^O 保存  Esc 取消；输入随时保存为草稿");
}

/* An error about one field (err->field) is put beside that field. */
static bool error_to_field(struct ui_form *fm, const struct jy_error *err)
{
    const struct ui_field *f = err->field[0] ? ui_form_field(fm, err->field) : NULL;
    if (!f)
        return false;
    struct field_error e = {.field = f->key};
    /* whole characters that fit */
    size_t n = strlen(err->msg);
    if (n >= sizeof e.msg) {
        n = sizeof e.msg - 1;
        while (n > 0 && ((unsigned char)err->msg[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(e.msg, err->msg, n);
    e.msg[n] = '\0';
    ui_form_set_errors(fm, &e, 1);
    return true;
}

/* Reads a time field; false (with the message beside it) when unreadable. */
static bool form_time(struct ui_form *fm, const char *key, int64_t *out)
{
    const char *v = ui_form_get(fm, key);
    *out = 0;
    if (!*v)
        return true;
    if (jy_time_parse(v, out, NULL) == 0) {
        /* the current minute, as prefilled: the exact time now */
        int64_t now = jy_now();
        if (*out <= now && now - *out < 60)
            *out = now;
        return true;
    }
    struct field_error e = {.field = ui_form_field(fm, key)->key};
    snprintf(e.msg, sizeof e.msg, "时间格式如 2026-12-01 08:30");
    ui_form_set_errors(fm, &e, 1);
    return false;
}

static void set_text(char **field, const char *v)
{
    free(*field);
    *field = v && *v ? xstrdup(v) : NULL;
}

/* The form's values into the incident (the forms saved on its row). */
static bool form_to_incident(struct ui_form *fm, struct incident *x)
{
    static const char *const strs[] = {"title",         "category",  "officer",     "departments",
                                       "level_reason",  "strategy",  "facts",       "evidence",
                                       "legal_opinion", "legal_by",  "verified_by", "outcome",
                                       "effective_why", "secondary", "lessons"};
    char **fields[] = {&x->title,         &x->category,  &x->officer,     &x->departments,
                       &x->level_reason,  &x->strategy,  &x->facts,       &x->evidence,
                       &x->legal_opinion, &x->legal_by,  &x->verified_by, &x->outcome,
                       &x->effective_why, &x->secondary, &x->lessons};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (ui_form_field(fm, strs[i]))
            set_text(fields[i], ui_form_get(fm, strs[i]));
    }
    if (ui_form_field(fm, "level")) {
        const char *l = ui_form_get(fm, "level");
        for (int i = 0; i < 4; i++)
            if (!strcmp(l, level_choices[i]))
                x->level = i + 1;
    }
    if (ui_form_field(fm, "reported_up")) {
        x->reported_up = !strcmp(ui_form_get(fm, "reported_up"), "是");
        int64_t t;
        if (!form_time(fm, "reported_at", &t))
            return false;
        x->reported_at = x->reported_up ? t : 0;
    }
    if (ui_form_field(fm, "effective")) {
        const char *e = ui_form_get(fm, "effective");
        x->effective = !strcmp(e, "有效") ? 1 : !strcmp(e, "无效") ? 0 : -1;
    }
    if (ui_form_field(fm, "satisfaction")) {
        const char *s = ui_form_get(fm, "satisfaction");
        char *end;
        long v = strtol(s, &end, 10);
        if (!*s) {
            x->satisfaction = -1;
        } else if (*end || v < 0 || v > 100) {
            struct field_error e = {.field = "satisfaction", .msg = "须为 0 到 100 的整数"};
            ui_form_set_errors(fm, &e, 1);
            return false;
        } else {
            x->satisfaction = (int)v;
        }
    }
    return true;
}

/* After a conflict: each field whose stored value differs from the typed
 * one shows the stored one under it. */
static void show_conflict(struct ui_app *app, const struct incident *theirs)
{
    struct ui_form *fm = &app->form;
    fm->conflict = true;
    fm->version = theirs->version;
    for (size_t i = 0; i < fm->n; i++) {
        char buf[20000];
        incident_value(theirs, fm->f[i].key, buf, sizeof buf);
        jy_free(&fm->f[i].theirs);
        if (!strcmp(buf, fm->f[i].value.data))
            continue;
        /* a field nobody touched here (still as the form opened, e.g. a
         * prefilled 核查人 or time) is no conflict: it takes their value, so
         * the next save does not undo what they saved */
        if (!ui_form_touched(&fm->f[i])) {
            ui_form_set(fm, fm->f[i].key, buf);
            continue;
        }
        fm->f[i].theirs = xstrdup(buf[0] ? buf : "（空）");
    }
    char who[96];
    ui_person_label(app, theirs->updated_by, who, sizeof who);
    ui_app_message(app, true,
                   "版本冲突：%s 已先保存（版本 %lld），未覆盖。黄色为已保存的内容；再按 F2 "
                   "以你的内容保存，Esc 放弃你的修改",
                   who[0] ? who : "?", (long long)theirs->version);
}

static void form_done(struct ui_app *app, const char *what)
{
    struct jy_error err = {0};
    store_draft_delete(app->st, app->me.login, app->form.draft_key, &err);
    int64_t id = app->form.incident_id;
    ui_form_free(&app->form);
    ui_app_refresh(app);
    ui_view_incident_open(app, id);
    ui_app_message(app, false, "%s", what);
}

void ui_form_save(struct ui_app *app)
{
    struct ui_form *fm = &app->form;
    if (fm->kind == UI_FORM_HANDOVER) {
        ui_handover_save(app);
        return;
    }
    struct jy_error err = {0};
    int64_t now = jy_now();
    int rc = 0;
    switch (fm->kind) {
    case FORM_HEADER:
    case FORM_ASSESSMENT:
    case FORM_VERIFICATION:
    case FORM_CLOSURE: {
        struct incident x, theirs;
        if ((rc = store_incident_get(app->st, fm->incident_id, &x, &err)))
            break;
        x.version = fm->version;
        if (!form_to_incident(fm, &x)) {
            incident_clear(&x);
            ui_app_message(app, true, "有需要修改的栏目（见栏目旁的提示）");
            return;
        }
        struct field_error fe[INC_MAX_FIELD_ERRORS];
        size_t nfe = 0;
        if (fm->kind == FORM_CLOSURE) /* saved and closed in one transaction */
            rc = store_incident_close(app->st, &app->me, &x, &app->cfg->incident, now, fe, &nfe,
                                      &theirs, &err);
        else
            rc = store_incident_save(app->st, &app->me, (enum inc_form)fm->kind, &x,
                                     &app->cfg->incident, now, fe, &nfe, &theirs, &err);
        incident_clear(&x);
        if (rc == JY_ECONFLICT) {
            show_conflict(app, &theirs);
            incident_clear(&theirs);
            return;
        }
        if (rc && nfe) {
            ui_form_set_errors(fm, fe, nfe);
            ui_app_message(app, true, "有 %zu 处需要修改（见栏目旁的提示）", nfe);
            return;
        }
        if (!rc && fm->kind == FORM_CLOSURE) {
            form_done(app, "已办结");
            return;
        }
        break;
    }
    case FORM_RESPONSE: {
        int64_t at;
        if (!form_time(fm, "responded_at", &at))
            return;
        rc = store_response_add(app->st, &app->me, fm->incident_id, ui_form_get(fm, "channel"),
                                ui_form_get(fm, "content"), at, now, NULL, &err);
        break;
    }
    case FORM_RELEASE: {
        int64_t rid;
        rc = store_release_draft(app->st, &app->me, fm->incident_id, ui_form_get(fm, "text"),
                                 !strcmp(ui_form_get(fm, "final"), "是"), now, &rid, &err);
        break;
    }
    case UI_FORM_NEW: {
        struct store_incident_new n = {.title = ui_form_get(fm, "title"),
                                       .category = ui_form_get(fm, "category"),
                                       .origin = ui_form_get(fm, "origin"),
                                       .departments = ui_form_get(fm, "departments")};
        for (int i = 0; i < 4; i++)
            if (!strcmp(ui_form_get(fm, "level"), level_choices[i]))
                n.level = i + 1;
        if (!form_time(fm, "started_at", &n.started_at))
            return;
        if (!*n.departments)
            n.departments = NULL;
        struct field_error fe[INC_MAX_FIELD_ERRORS];
        size_t nfe = 0;
        int64_t id;
        rc = store_incident_create(app->st, &app->me, &n, &app->cfg->incident, now, &id, fe, &nfe,
                                   &err);
        if (rc && nfe) {
            ui_form_set_errors(fm, fe, nfe);
            ui_app_message(app, true, "有 %zu 处需要修改（见栏目旁的提示）", nfe);
            return;
        }
        if (!rc) {
            fm->incident_id = id;
            char msg[64];
            snprintf(msg, sizeof msg, "已立处置工单 #%lld", (long long)id);
            form_done(app, msg);
            return;
        }
        break;
    }
    case FORM_TASK: {
        int64_t due;
        if (!form_time(fm, "due_at", &due))
            return;
        rc = store_task_add(app->st, &app->me, fm->incident_id, ui_form_get(fm, "department"),
                            ui_form_get(fm, "description"), due, &app->cfg->incident, now, NULL,
                            &err);
        break;
    }
    case UI_FORM_PUBLISH: {
        int64_t at;
        if (!form_time(fm, "published_at", &at))
            return;
        rc = store_release_publish(app->st, &app->me, fm->release_id, at,
                                   ui_form_get(fm, "channel"), ui_form_get(fm, "link"), now, &err);
        break;
    }
    default:
        return;
    }
    if (rc) {
        if (!error_to_field(fm, &err))
            ui_app_message(app, true, "未保存：%s", err.msg);
        else
            ui_app_message(app, true, "有需要修改的栏目（见栏目旁的提示）");
        return;
    }
    form_done(app, "已保存");
}

void ui_form_screen_key(struct ui_app *app, int key)
{
    if (ui_form_key(&app->form, key) != UI_FORM_CHANGED)
        return;
    /* every change is kept at once: a dropped session loses nothing */
    char *json = ui_form_to_json(&app->form);
    struct jy_error err = {0};
    if (json && store_draft_put(app->st, app->me.login, app->form.draft_key, json, jy_now(), &err))
        ui_app_message(app, true, "草稿未能保存：%s", err.msg);
    free(json);
}

void ui_form_leave(struct ui_app *app)
{
    struct jy_error err = {0};
    store_draft_delete(app->st, app->me.login, app->form.draft_key, &err);
    int64_t id = app->form.incident_id;
    bool handover = app->form.kind == UI_FORM_HANDOVER;
    ui_form_free(&app->form);
    if (handover)
        ui_view_roster_open(app);
    else if (id)
        ui_view_incident_open(app, id);
    else
        ui_view_incidents_open(app); /* a new incident given up: back to the list */
    ui_app_message(app, false, "已放弃修改");
}

/* ---- drafts from an earlier session -------------------------------------------- */

void ui_drafts_offer(struct ui_app *app)
{
    if (!actor_can_write(&app->me))
        return;
    char **keys;
    size_t n;
    struct jy_error err = {0};
    if (store_drafts_list(app->st, app->me.login, &keys, &n, &err) || n == 0)
        return;
    char *data = NULL;
    int64_t saved = 0;
    struct ui_form_draft d;
    if (store_draft_get(app->st, app->me.login, keys[0], &data, &saved, &err) == 0 &&
        ui_form_draft_read(data, &d) == 0) {
        char when[32];
        ui_format_when(saved, jy_now(), when, sizeof when);
        snprintf(app->prompt_label, sizeof app->prompt_label,
                 "有上次未保存的表单：工单 #%lld %s（%s）。恢复吗？(y 恢复/n 保留/d 丢弃)",
                 (long long)d.incident_id,
                 d.kind == UI_FORM_PUBLISH    ? "发布登记"
                 : d.kind == UI_FORM_NEW      ? "手工立单"
                 : d.kind == UI_FORM_HANDOVER ? "交接班记录"
                                              : inc_form_label((enum inc_form)d.kind),
                 when);
        app->draft_offer = xstrdup(keys[0]);
        app->prompt = UI_PROMPT_DRAFT;
        ui_form_draft_free(&d);
    } else {
        ui_form_draft_free(&d);
        store_draft_delete(app->st, app->me.login, keys[0], &err); /* unreadable: drop it */
    }
    free(data);
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

/* The answer to the offer: restore it, keep it for later (n, Esc: the
 * reflex after a dropped session must not lose the text), or discard it,
 * which the officer confirms first. */
void ui_drafts_answer(struct ui_app *app, enum ui_draft_answer answer)
{
    if (!app->draft_offer)
        return;
    if (answer == UI_DRAFT_KEEP) {
        free(app->draft_offer);
        app->draft_offer = NULL;
        ui_app_message(app, false, "草稿已保留，下次启动时再问");
        return;
    }
    if (answer == UI_DRAFT_DISCARD_ASK) {
        app->prompt = UI_PROMPT_DRAFT_DISCARD; /* the offer stays until answered */
        return;
    }
    char *key = app->draft_offer;
    app->draft_offer = NULL;
    struct jy_error err = {0};
    char *data = NULL;
    struct ui_form_draft d;
    if (store_draft_get(app->st, app->me.login, key, &data, NULL, &err) == 0 &&
        ui_form_draft_read(data, &d) == 0) {
        if (answer == UI_DRAFT_RESTORE) {
            app->incident_id = d.incident_id;
            form_open(app, d.kind);
            if (app->screen == UI_SCREEN_FORM) {
                ui_form_draft_apply(&app->form, &d);
                app->form.release_id = d.release_id ? d.release_id : app->form.release_id;
                ui_app_message(app, false, "已恢复草稿。F2/^O 保存，Esc 放弃");
            }
        } else {
            store_draft_delete(app->st, app->me.login, key, &err);
            ui_app_message(app, false, "已丢弃草稿");
        }
    }
    ui_form_draft_free(&d);
    free(data);
    free(key);
}

/* ---- the incident view's keys ------------------------------------------------- */

static void transition(struct ui_app *app, enum inc_state to, const char *reason)
{
    struct jy_error err = {0};
    if (store_incident_transition(app->st, &app->me, app->incident_id, 0, to, reason, jy_now(),
                                  &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    ui_app_refresh(app);
    ui_app_message(app, false, "已转入「%s」", inc_state_label(to));
}

static void ask(struct ui_app *app, enum ui_pending what, const char *label)
{
    if (!ui_app_may_write(app))
        return;
    app->pending = what;
    snprintf(app->prompt_label, sizeof app->prompt_label, "%s", label);
    ui_lineedit_clear(&app->le);
    app->prompt = UI_PROMPT_REASON;
}

static void release_step(struct ui_app *app, enum ui_action act)
{
    struct store_release *all, *r;
    size_t n;
    struct incident x;
    struct jy_error err = {0};
    if (store_incident_get(app->st, app->incident_id, &x, &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    r = open_release(app, x.id, &all, &n);
    int rc = 0;
    int64_t now = jy_now();
    if (!r) {
        ui_app_message(app, true, "没有待处理的通报稿（按 d 起草）");
    } else if (act == UI_ACT_INC_SUBMIT) {
        /* submitting from verification or follow-up moves to approval first,
         * in the same transaction */
        if (!(rc = store_tx_begin(app->st, &err))) {
            if (x.state == INC_VERIFICATION || x.state == INC_FOLLOWUP)
                rc = store_incident_transition(app->st, &app->me, x.id, 0, INC_APPROVAL, NULL, now,
                                               &err);
            if (!rc)
                rc = store_release_submit(app->st, &app->me, r->id, now, &err);
            if (!rc)
                rc = store_tx_commit(app->st, &err);
            else
                store_tx_rollback(app->st);
        }
        if (!rc)
            ui_app_message(app, false, "已提交审批（第%d稿）", r->version);
    } else if (act == UI_ACT_INC_APPROVE) {
        rc = store_release_decide(app->st, &app->me, r->id, true, NULL, now, &err);
        if (!rc)
            ui_app_message(app, false, "已批准（%s）", app->me.name);
    } else if (act == UI_ACT_INC_PUBLISH) {
        store_releases_free(all, n);
        incident_clear(&x);
        form_open(app, UI_FORM_PUBLISH);
        return;
    }
    if (rc)
        ui_app_message(app, true, "%s", err.msg);
    store_releases_free(all, n);
    incident_clear(&x);
    ui_app_refresh(app);
}

void ui_incident_action(struct ui_app *app, enum ui_action act)
{
    if (act == UI_ACT_INC_NEW) {
        form_open(app, UI_FORM_NEW);
        return;
    }
    struct incident x;
    struct jy_error err = {0};
    if (store_incident_get(app->st, app->incident_id, &x, &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    enum inc_state state = x.state;
    struct inc_facts f = incident_facts(&x);
    incident_clear(&x);
    switch (act) {
    case UI_ACT_INC_EDIT: {
        static const int by_state[INC_N_STATES] = {FORM_ASSESSMENT,
                                                   FORM_RESPONSE,
                                                   FORM_VERIFICATION,
                                                   FORM_RELEASE,
                                                   FORM_RESPONSE,
                                                   FORM_CLOSURE,
                                                   -1};
        if (by_state[state] < 0)
            ui_app_message(app, true, "工单已办结；按 n 重新打开（须带班领导）");
        else
            form_open(app, by_state[state]);
        return;
    }
    case UI_ACT_INC_HEADER:
        form_open(app, FORM_HEADER);
        return;
    case UI_ACT_INC_TASK:
        form_open(app, FORM_TASK);
        return;
    case UI_ACT_INC_RESPOND:
        form_open(app, FORM_RESPONSE);
        return;
    case UI_ACT_INC_DRAFT:
        form_open(app, FORM_RELEASE);
        return;
    case UI_ACT_INC_CLOSE:
        form_open(app, FORM_CLOSURE);
        return;
    case UI_ACT_INC_SUBMIT:
    case UI_ACT_INC_APPROVE:
    case UI_ACT_INC_PUBLISH:
        if (ui_app_may_write(app))
            release_step(app, act);
        return;
    case UI_ACT_INC_REJECT:
        ask(app, UI_PEND_REJECT, "退回意见：");
        return;
    case UI_ACT_INC_BACK:
        ask(app, UI_PEND_BACK, "退回核查的理由（新情况）：");
        return;
    case UI_ACT_INC_CORRECT:
    case UI_ACT_INC_RETRACT: {
        struct store_release *all;
        size_t n;
        app->pending_id = 0;
        if (store_releases_list(app->st, app->incident_id, &all, &n, &err) == 0) {
            for (size_t i = n; i-- > 0 && !app->pending_id;)
                if (all[i].published_at)
                    app->pending_id = all[i].id;
            store_releases_free(all, n);
        }
        if (!app->pending_id)
            ui_app_message(app, true, "尚无已发布的通报");
        else
            ask(app, act == UI_ACT_INC_CORRECT ? UI_PEND_CORRECT : UI_PEND_RETRACT,
                act == UI_ACT_INC_CORRECT ? "更正的理由：" : "撤回的理由：");
        return;
    }
    case UI_ACT_INC_FEEDBACK: {
        struct store_task *t;
        size_t n;
        app->pending_id = 0;
        char label[128] = "";
        if (store_tasks_list(app->st, app->incident_id, &t, &n, &err) == 0) {
            for (size_t i = 0; i < n && !app->pending_id; i++) {
                if (!t[i].feedback) {
                    app->pending_id = t[i].id;
                    snprintf(label, sizeof label, "任务 #%lld（%s）的反馈：", (long long)t[i].id,
                             t[i].department);
                }
            }
            store_tasks_free(t, n);
        }
        if (!app->pending_id)
            ui_app_message(app, true, "没有等待反馈的任务（按 T 派任务）");
        else
            ask(app, UI_PEND_FEEDBACK, label);
        return;
    }
    case UI_ACT_INC_NEXT:
        if (!ui_app_may_write(app))
            return;
        switch (state) {
        case INC_CLOSED:
            ask(app, UI_PEND_REOPEN, "重新打开的理由：");
            return;
        case INC_APPROVAL:
            if (f.release_approved)
                form_open(app, UI_FORM_PUBLISH);
            else
                ui_app_message(app, true, "通报稿未经审批通过，不能发布");
            return;
        case INC_FOLLOWUP:
            if (f.closure_filled)
                transition(app, INC_CLOSED, NULL);
            else
                form_open(app, FORM_CLOSURE);
            return;
        default:
            transition(app, (enum inc_state)(state + 1), NULL);
            return;
        }
    default:
        return;
    }
}

void ui_incident_prompt_done(struct ui_app *app, const char *text)
{
    enum ui_pending what = app->pending;
    app->pending = UI_PEND_NONE;
    struct jy_error err = {0};
    switch (what) {
    case UI_PEND_REJECT: {
        struct store_release *all, *r;
        size_t n;
        r = open_release(app, app->incident_id, &all, &n);
        if (!r)
            ui_app_message(app, true, "没有待审批的通报稿");
        else if (store_release_decide(app->st, &app->me, r->id, false, text, jy_now(), &err))
            ui_app_message(app, true, "%s", err.msg);
        else
            ui_app_message(app, false, "已退回修改（%s）", app->me.name);
        store_releases_free(all, n);
        ui_app_refresh(app);
        return;
    }
    case UI_PEND_BACK:
        transition(app, INC_VERIFICATION, text);
        return;
    case UI_PEND_REOPEN:
        transition(app, INC_FOLLOWUP, text);
        return;
    case UI_PEND_CORRECT:
    case UI_PEND_RETRACT:
        if (store_release_correct(app->st, &app->me, app->pending_id, what == UI_PEND_RETRACT, text,
                                  jy_now(), &err))
            ui_app_message(app, true, "%s", err.msg);
        else
            ui_app_message(app, false, "已将通报标为%s", what == UI_PEND_RETRACT ? "撤回" : "更正");
        ui_app_refresh(app);
        return;
    case UI_PEND_FEEDBACK:
        if (store_task_feedback(app->st, &app->me, app->pending_id, text, jy_now(), &err))
            ui_app_message(app, true, "%s", err.msg);
        else
            ui_app_message(app, false, "已记录任务 #%lld 的反馈", (long long)app->pending_id);
        ui_app_refresh(app);
        return;
    case UI_PEND_SILENCE_REASON:
    case UI_PEND_SILENCE_UNTIL:
        ui_app_silence_prompt_done(app, what, text);
        return;
    case UI_PEND_HANDOVER_FOR:
        ui_handover_ack_for(app, text);
        return;
    case UI_PEND_NONE:
        return;
    }
}

/* ---- KPIs ------------------------------------------------------------------------ */

void ui_view_kpi_open(struct ui_app *app)
{
    app->screen = UI_SCREEN_KPI;
    app->text.top = 0;
    ui_view_rebuild(app);
}

void ui_kpi_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    int64_t now = jy_now();
    /* this month so far, in local time */
    char month[16];
    jy_time_local(now, "%Y-%m-01", month, sizeof month);
    int64_t from;
    if (jy_time_parse(month, &from, NULL))
        from = now - 30 * 86400;
    struct kpi k[KPI_N];
    struct jy_error err = {0};
    if (store_kpi(app->st, &app->cfg->incident, from, now + 1, now, k, &err)) {
        ui_text_add(&app->text, err.msg, ui_alarm_attr());
        return;
    }
    int cols = app->cols - 2 > 20 ? app->cols - 2 : 20;
    char head[160], to[32];
    jy_time_local(now, "%Y-%m-%d %H:%M", to, sizeof to);
    snprintf(head, sizeof head, "统计区间：%s 至 %s（jingyu kpi 可算任意区间）", month, to);
    ui_text_add(&app->text, head, A_DIM);
    ui_text_add(&app->text, "", 0);
    for (int i = 0; i < KPI_N; i++) {
        char value[32];
        if (!k[i].defined)
            snprintf(value, sizeof value, "—（无数据）");
        else if (k[i].kind == KPI_SATISFACTION)
            snprintf(value, sizeof value, "%.1f", k[i].value);
        else
            snprintf(value, sizeof value, "%.1f%%", k[i].value);
        char *label = ui_cell(k[i].label, 24);
        char *line = xasprintf(
            "%s %-12s  %g/%g  目标 %g%s%s", label, value, k[i].numerator, k[i].denominator,
            k[i].target, k[i].kind == KPI_SATISFACTION ? "" : "%", k[i].below ? "  低于目标" : "");
        ui_text_add(&app->text, line, k[i].below ? ui_alarm_attr() : A_BOLD);
        free(line);
        free(label);
        char *def = xasprintf("    %s", k[i].definition);
        ui_text_add_wrapped(&app->text, def, cols, A_DIM);
        free(def);
        ui_text_add(&app->text, "", 0);
    }
}
