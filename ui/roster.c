/* roster.c: the duty schedule on screen. The header of every console names
 * the people on duty now; `R` shows the schedule for the week (again: the
 * month) with every empty required post in red, the gaps of the coming
 * days counted at the top, and the latest handover notes; `H` writes the
 * handover note (filled in advance with what the next shift must know) and
 * `A` lets the incoming officer acknowledge it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_private.h"

void ui_duty_update(struct ui_app *app)
{
    int64_t now = jy_now();
    if (app->duty_checked && now - app->duty_checked < 30)
        return;
    app->duty_checked = now;
    struct roster_slot *v;
    size_t n;
    struct jy_error err = {0};
    app->duty_label[0] = '\0';
    if (store_duty_at(app->st, &app->cfg->duty, now, &v, &n, &err))
        return;
    if (n == 0) {
        roster_slots_free(v, n);
        return;
    }
    struct jy_buf b;
    jy_buf_init(&b, sizeof app->duty_label - 1);
    jy_buf_puts(&b, "值班");
    for (size_t i = 0; i < n; i++) {
        const char *who = v[i].name ? v[i].name : v[i].login;
        char *clean = utf8_sanitize(who, strlen(who), 0);
        if (jy_buf_printf(&b, "%s%s", i ? "·" : " ", clean))
            i = n; /* full: the rest is left out */
        free(clean);
    }
    snprintf(app->duty_label, sizeof app->duty_label, "%s", b.data ? b.data : "");
    jy_buf_free(&b);
    roster_slots_free(v, n);
}

void ui_view_roster_open(struct ui_app *app)
{
    app->screen = UI_SCREEN_ROSTER;
    app->text.top = 0;
    ui_view_rebuild(app);
}

static const char *const weekdays[] = {"一", "二", "三", "四", "五", "六", "日"};

void ui_roster_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    const struct duty_config *dc = &app->cfg->duty;
    int64_t now = jy_now();
    int64_t today = roster_day_of(dc, now);
    size_t cur_shift = 0;
    int64_t cur_day = 0;
    bool running = roster_shift_at(dc, now, &cur_shift, &cur_day);
    /* The week starts with the shift on duty now: after midnight that is
     * still the one that began yesterday. */
    int64_t first = running && cur_day < today ? cur_day : today;
    int64_t from = first, to = first + 6;
    if (app->roster_month) {
        int days;
        roster_month(today, &from, &days);
        to = from + days - 1;
    }
    int64_t gap_to = today + dc->gap_days - 1;
    int64_t q_to = to > gap_to ? to : gap_to;
    struct roster_slot *v;
    size_t n;
    struct jy_error err = {0};
    if (store_duty_range(app->st, from < first ? from : first, q_to, &v, &n, &err)) {
        ui_text_add(&app->text, err.msg, ui_alarm_attr());
        return;
    }
    int cols = app->cols - 2 > 20 ? app->cols - 2 : 20;
    /* the coming days' gaps, said first */
    size_t ng;
    struct roster_gap *gaps = roster_gaps(dc, v, n, first, gap_to, &ng);
    if (first < today) { /* of the day before, only the shift still on duty counts */
        size_t k = 0;
        for (size_t i = 0; i < ng; i++) {
            if (gaps[i].day >= today || !strcmp(gaps[i].shift, dc->shifts[cur_shift].name))
                gaps[k++] = gaps[i];
        }
        ng = k;
    }
    char line[256];
    if (ng) {
        char d[16];
        roster_day_format(gaps[0].day, d);
        snprintf(line, sizeof line,
                 "未来%d天有 %zu 处缺岗（最早 %s %s %s）：用 jingyu duty set 补上", dc->gap_days,
                 ng, d, gaps[0].shift, gaps[0].post);
        ui_text_add(&app->text, line, ui_alarm_attr());
    } else {
        snprintf(line, sizeof line, "未来%d天无缺岗", dc->gap_days);
        ui_text_add(&app->text, line, A_DIM);
    }
    free(gaps);
    ui_text_add(&app->text, "", 0);
    for (int64_t day = from; day <= to; day++) {
        char d[16];
        roster_day_format(day, d);
        for (size_t s = 0; s < dc->n_shifts; s++) {
            const struct duty_shift *sh = &dc->shifts[s];
            struct jy_buf b;
            jy_buf_init(&b, 0);
            bool now_here = running && cur_day == day && cur_shift == s;
            jy_buf_printf(&b, "%s%s 周%s %s", now_here ? "▶" : " ", d + 5,
                          weekdays[roster_weekday(day)], sh->name);
            bool gap = false;
            for (size_t p = 0; p < sh->n_posts; p++) {
                const struct roster_slot *x = NULL;
                for (size_t i = 0; i < n && !x; i++)
                    if (v[i].day == day && !strcmp(v[i].shift, sh->name) &&
                        !strcmp(v[i].post, sh->posts[p]))
                        x = &v[i];
                if (x && !x->login[0])
                    x = NULL; /* emptied on purpose */
                if (x) {
                    const char *who = x->name ? x->name : x->login;
                    jy_buf_printf(&b, "  %s %s%s", sh->posts[p], who,
                                  !strcmp(x->source, "swap")       ? "（换）"
                                  : !strcmp(x->source, "override") ? "（调）"
                                                                   : "");
                } else {
                    jy_buf_printf(&b, "  %s 缺", sh->posts[p]);
                    gap = true;
                }
            }
            char *cell = ui_cell(b.data, cols);
            /* a day already over is dim; an empty post ahead (or now) is red */
            bool over = day < today && !now_here;
            attr_t attr = gap && !over ? ui_alarm_attr() : over ? A_DIM : 0;
            if (now_here)
                attr |= A_BOLD;
            ui_text_add(&app->text, cell, attr);
            free(cell);
            jy_buf_free(&b);
        }
    }
    roster_slots_free(v, n);
    /* the latest handover notes */
    struct store_handover *h;
    size_t nh;
    const char *words = app->handover_filter[0] ? app->handover_filter : NULL;
    if (store_handovers_list(app->st, words, words ? 50 : 5, &h, &nh, &err) == 0) {
        ui_text_add(&app->text, "", 0);
        if (words) {
            char *head =
                xasprintf("交接班记录：含「%s」的 %zu 份（/ 换词，空则显示最近的）", words, nh);
            ui_text_add(&app->text, head, A_BOLD);
            free(head);
        } else {
            ui_text_add(&app->text, "交接班（H 写交班记录，A 确认接班，/ 查找）", A_BOLD);
        }
        for (size_t i = 0; i < nh; i++) {
            char when[32], acked[160] = "";
            ui_format_when(h[i].written_at, now, when, sizeof when);
            char from[96], to[96], by[96];
            ui_person_label(app, h[i].from_login, from, sizeof from);
            ui_person_label(app, h[i].to_login, to, sizeof to);
            ui_person_label(app, h[i].acked_by, by, sizeof by);
            if (h[i].acked_by && h[i].acked_as_leader)
                snprintf(acked, sizeof acked, "由带班领导 %s 代为确认", by);
            else if (h[i].acked_by)
                snprintf(acked, sizeof acked, "已由 %s 接班", by);
            char *head =
                xasprintf("  #%lld %s %s → %s  %s", (long long)h[i].id, when, from,
                          h[i].to_login ? to : "下一班", h[i].acked_by ? acked : "待接班确认");
            ui_text_add(&app->text, head, h[i].acked_by ? 0 : A_BOLD);
            free(head);
            if (h[i].note && *h[i].note) {
                char *note = xasprintf("    %s", h[i].note);
                ui_text_add_wrapped(&app->text, note, cols, 0);
                free(note);
            }
        }
        store_handovers_free(h, nh);
    }
}

void ui_handover_open(struct ui_app *app)
{
    if (!ui_app_may_write(app))
        return;
    char *pre = NULL;
    struct jy_error err = {0};
    if (store_handover_prefill(app->st, &app->cfg->duty, &app->cfg->incident, jy_now(), &pre,
                               &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    /* the default receiver: the next shift's 值班员 */
    char to[64] = "";
    if (store_handover_receiver(app->st, &app->cfg->duty, jy_now(), app->me.login, to, sizeof to,
                                &err))
        to[0] = '\0';
    struct ui_form *fm = &app->form;
    ui_form_free(fm);
    ui_form_init(fm, "交接班记录");
    fm->kind = UI_FORM_HANDOVER;
    snprintf(fm->draft_key, sizeof fm->draft_key, "handover/%d", UI_FORM_HANDOVER);
    ui_form_add(fm, "note", "交班记录（已带入待办，可增删）", UI_FIELD_TEXT, pre);
    ui_form_add(fm, "to", "接班人（登录名）", UI_FIELD_LINE, to);
    free(pre);
    app->screen = UI_SCREEN_FORM;
    ui_app_message(app, false, "Tab 下一栏  F2/^O 保存  Esc 取消；输入随时保存为草稿");
}

void ui_handover_save(struct ui_app *app)
{
    struct ui_form *fm = &app->form;
    int64_t id;
    struct jy_error err = {0};
    if (store_handover_write(app->st, &app->me, &app->cfg->duty, ui_form_get(fm, "to"),
                             ui_form_get(fm, "note"), "", jy_now(), &id, &err)) {
        ui_app_message(app, true, "未保存：%s", err.msg);
        return;
    }
    store_draft_delete(app->st, app->me.login, fm->draft_key, &err);
    ui_form_free(fm);
    ui_view_roster_open(app);
    ui_app_message(app, false, "已写交接班记录 #%lld", (long long)id);
}

void ui_handover_ack(struct ui_app *app)
{
    if (!ui_app_may_write(app))
        return;
    struct store_handover *h;
    size_t nh;
    struct jy_error err = {0};
    if (store_handovers_list(app->st, NULL, 20, &h, &nh, &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    /* the newest note still waiting that someone else wrote, for me or
     * for nobody in particular; a leader may take one for its named
     * receiver, but says so */
    int64_t id = 0, other = 0;
    char other_to[24] = "";
    for (size_t i = 0; i < nh && !id; i++) {
        if (h[i].acked_by || !strcmp(h[i].from_login, app->me.login))
            continue;
        if (!h[i].to_login || !strcmp(h[i].to_login, app->me.login))
            id = h[i].id;
        else if (!other && actor_has(&app->me, ROLE_LEADER)) {
            other = h[i].id;
            snprintf(other_to, sizeof other_to, "%s", h[i].to_login);
        }
    }
    store_handovers_free(h, nh);
    if (!id && other) {
        app->pending = UI_PEND_HANDOVER_FOR;
        app->pending_id = other;
        snprintf(app->prompt_label, sizeof app->prompt_label,
                 "#%lld 交给 %s，以带班领导身份代为确认？(y/n) ", (long long)other, other_to);
        ui_lineedit_clear(&app->le);
        app->prompt = UI_PROMPT_REASON;
        return;
    }
    if (!id) {
        ui_app_message(app, false, "没有等待您确认的交接班记录");
        return;
    }
    if (store_handover_ack(app->st, &app->me, id, false, jy_now(), &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    ui_app_refresh(app);
    ui_app_message(app, false, "已确认接班（交接记录 #%lld，%s）", (long long)id, app->me.name);
}

void ui_handover_ack_for(struct ui_app *app, const char *answer)
{
    if (strcmp(answer, "y") && strcmp(answer, "Y") && strcmp(answer, "是")) {
        ui_app_message(app, false, "未确认交接记录 #%lld", (long long)app->pending_id);
        return;
    }
    struct jy_error err = {0};
    if (store_handover_ack(app->st, &app->me, app->pending_id, true, jy_now(), &err)) {
        ui_app_message(app, true, "%s", err.msg);
        return;
    }
    ui_app_refresh(app);
    ui_app_message(app, false, "已代为确认交接记录 #%lld（带班领导 %s）",
                   (long long)app->pending_id, app->me.name);
}

/* ---- directories ------------------------------------------------------------------ */

void ui_view_directory_open(struct ui_app *app)
{
    app->screen = UI_SCREEN_DIRECTORY;
    app->text.top = 0;
    ui_view_rebuild(app);
}

void ui_directory_build(struct ui_app *app)
{
    ui_text_clear(&app->text);
    const struct dir_desc *d = store_dir_desc((enum dir_kind)app->dir_kind);
    if (!d)
        return;
    int cols = app->cols - 2 > 20 ? app->cols - 2 : 20;
    /* the lists, the shown one in brackets */
    struct jy_buf tabs;
    jy_buf_init(&tabs, 0);
    for (int k = 0; k < DIR_N; k++)
        jy_buf_printf(&tabs, k == app->dir_kind ? "【%s】 " : "%s  ",
                      store_dir_desc((enum dir_kind)k)->label);
    if (app->dir_filter[0])
        jy_buf_printf(&tabs, "  筛选：%s", app->dir_filter);
    ui_text_add(&app->text, tabs.data, A_BOLD);
    jy_buf_free(&tabs);
    char ***rows;
    size_t n;
    struct jy_error err = {0};
    if (store_dir_list(app->st, (enum dir_kind)app->dir_kind, app->dir_filter, 500, &rows, &n,
                       &err)) {
        ui_text_add(&app->text, err.msg, ui_alarm_attr());
        return;
    }
    /* n columns and the n - 1 spaces between them fill the line exactly
     * (a row one column too wide was cut with "…") */
    int w = (cols - ((int)d->n_cols - 1)) / (int)d->n_cols;
    if (w < 6)
        w = 6;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (size_t i = 0; i < d->n_cols; i++) {
        char *c = ui_cell(d->labels[i], w);
        jy_buf_printf(&b, "%s%s", i ? " " : "", c);
        free(c);
    }
    ui_text_add(&app->text, b.data, A_DIM);
    for (size_t r = 0; r < n; r++) {
        jy_buf_reset(&b);
        for (size_t i = 0; i < d->n_cols; i++) {
            /* roles in Chinese: 值班员、审批领导, not operator,approver */
            char zh[160];
            const char *v = rows[r][i];
            unsigned roles;
            struct jy_error rerr = {0};
            if (app->dir_kind == DIR_PEOPLE && !strcmp(d->cols[i], "roles") &&
                role_parse(v, &roles, &rerr) == 0) {
                role_format_zh(roles, zh, sizeof zh);
                v = zh;
            }
            char *c = ui_cell(v, w);
            jy_buf_printf(&b, "%s%s", i ? " " : "", c);
            free(c);
        }
        ui_text_add(&app->text, b.data, 0);
    }
    jy_buf_free(&b);
    if (n == 0)
        ui_text_add(&app->text,
                    app->dir_filter[0] ? "（没有符合的记录）"
                                       : "（空：用 jingyu directory import 导入 CSV）",
                    A_DIM);
    store_dir_rows_free(rows, n, d->n_cols);
}
