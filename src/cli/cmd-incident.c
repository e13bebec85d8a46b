/* cmd-incident.c: jingyu incident, the workflow the console's forms drive, for scripts and tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "incident/incident.h"

static void clock_status_text(const struct inc_clock *k, int64_t now, char *buf, size_t size)
{
    char span[32], at[32];
    switch (k->status) {
    case CLOCK_MET:
        cli_fmt_time(k->met_at, at, sizeof at);
        snprintf(buf, size, "按时完成 %s", at);
        break;
    case CLOCK_LATE:
        cli_fmt_time(k->met_at, at, sizeof at);
        inc_format_span(k->met_at - k->due_at, span, sizeof span);
        snprintf(buf, size, "逾期完成 %s（晚 %s）", at, span);
        break;
    case CLOCK_OVERDUE:
        inc_format_span(now - k->due_at, span, sizeof span);
        snprintf(buf, size, "已超时 %s", span);
        break;
    case CLOCK_PENDING:
        inc_format_span(k->due_at - now, span, sizeof span);
        snprintf(buf, size, "剩余 %s", span);
        break;
    }
}

static const char *clock_status_key(enum inc_clock_status s)
{
    static const char *const keys[] = {"pending", "overdue", "met", "late"};
    return keys[s];
}

static void incident_json(struct jy_buf *b, const struct incident *x, const struct inc_clock *k,
                          size_t nk, int64_t now)
{
    jy_buf_puts(b, "{");
    jy_buf_json_key(b, "id", true);
    jy_buf_json_int(b, x->id);
    cli_json_int(b, "version", x->version);
    cli_json_str(b, "title", x->title, false);
    cli_json_str(b, "category", x->category, false);
    cli_json_str(b, "level", level_roman(x->level), false);
    cli_json_str(b, "model_level", x->model_level ? level_roman(x->model_level) : NULL, false);
    cli_json_str(b, "state", inc_state_name(x->state), false);
    cli_json_str(b, "state_label", inc_state_label(x->state), false);
    cli_json_str(b, "officer", x->officer, false);
    cli_json_str(b, "departments", x->departments, false);
    cli_json_str(b, "origin", x->origin, false);
    cli_json_int(b, "event_id", x->event_id);
    cli_json_int(b, "parent_id", x->parent_id);
    cli_json_int(b, "started_at", x->started_at);
    cli_json_int(b, "created_at", x->created_at);
    cli_json_str(b, "created_by", x->created_by, false);
    cli_json_str(b, "updated_by", x->updated_by, false);
    cli_json_str(b, "level_reason", x->level_reason, false);
    cli_json_str(b, "strategy", x->strategy, false);
    cli_json_int(b, "reported_at", x->reported_at);
    cli_json_str(b, "facts", x->facts, false);
    cli_json_str(b, "evidence", x->evidence, false);
    cli_json_str(b, "legal_opinion", x->legal_opinion, false);
    cli_json_str(b, "legal_by", x->legal_by, false);
    cli_json_str(b, "verified_by", x->verified_by, false);
    cli_json_str(b, "outcome", x->outcome, false);
    cli_json_int(b, "effective", x->effective);
    cli_json_str(b, "effective_why", x->effective_why, false);
    cli_json_int(b, "satisfaction", x->satisfaction);
    cli_json_int(b, "closed_at", x->closed_at);
    cli_json_int(b, "reopened", x->reopened);
    cli_json_int(b, "responses", x->n_responses);
    cli_json_int(b, "first_response_at", x->first_response_at);
    cli_json_int(b, "first_release_at", x->first_release_at);
    jy_buf_json_key(b, "clocks", false);
    jy_buf_puts(b, "[");
    for (size_t i = 0; i < nk; i++) {
        jy_buf_puts(b, i ? ",{" : "{");
        cli_json_str(b, "clock", inc_clock_name(k[i].kind), true);
        cli_json_str(b, "label", inc_clock_label(k[i].kind), false);
        cli_json_int(b, "due_at", k[i].due_at);
        cli_json_int(b, "met_at", k[i].met_at);
        cli_json_str(b, "status", clock_status_key(k[i].status), false);
        jy_buf_puts(b, "}");
    }
    jy_buf_puts(b, "]");
    const struct inc_clock *next = incident_next_clock(k, nk);
    jy_buf_json_key(b, "next", false);
    if (next) {
        jy_buf_puts(b, "{");
        cli_json_str(b, "clock", inc_clock_name(next->kind), true);
        cli_json_int(b, "due_at", next->due_at);
        cli_json_int(b, "left", next->due_at - now);
        jy_buf_puts(b, "}");
    } else {
        jy_buf_puts(b, "null");
    }
    jy_buf_puts(b, "}");
}

/* ---- incident ------------------------------------------------------------------- */

static void print_field_errors(const struct cli *c, const struct field_error *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s: %s: %s\n", c->name, e[i].field, e[i].msg);
}

static int inc_new(struct cli *c, const struct opts *o)
{
    struct store_incident_new n = {
        .title = cli_opt(o, "--title"),
        .category = cli_opt(o, "--category"),
        .officer = cli_opt(o, "--officer"),
        .departments = cli_opt(o, "--departments"),
        .origin = cli_opt(o, "--origin"),
    };
    const char *v;
    if ((v = cli_opt(o, "--event")) && !cli_parse_id(v, &n.event_id))
        return cli_usage_error(c, "--event needs an event id");
    if ((v = cli_opt(o, "--alert")) && !cli_parse_id(v, &n.alert_id))
        return cli_usage_error(c, "--alert needs an alert id");
    if ((v = cli_opt(o, "--parent")) && !cli_parse_id(v, &n.parent_id))
        return cli_usage_error(c, "--parent needs an incident id");
    if ((v = cli_opt(o, "--item")) && !cli_parse_id(v, &n.item_id))
        return cli_usage_error(c, "--item needs an item id");
    if ((v = cli_opt(o, "--level")) && !cli_parse_level(v, &n.level))
        return cli_usage_error(c, "--level is I, II, III or IV");
    if (!cli_opt_time(c, o, "--started", &n.started_at))
        return CMD_EXIT_USAGE;
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    int64_t id;
    struct jy_error err = {0};
    /* from an event and no --category: the one the console would choose */
    struct store_event ev = {0};
    const struct incident_config *ic = &c->cfg->incident;
    if (!n.category && n.event_id && store_event_get(c->st, n.event_id, c->now, &ev, &err) == 0)
        n.category = incident_category_for_event(
            ev.explanation, (const char *const *)ic->categories, ic->n_categories);
    store_event_clear(&ev);
    err.msg[0] = '\0';
    int rc =
        store_incident_create(c->st, &c->me, &n, &c->cfg->incident, c->now, &id, fe, &nfe, &err);
    if (rc) {
        if (nfe) {
            print_field_errors(c, fe, nfe);
            return CMD_EXIT_REFUSED;
        }
        return cli_fail(c, rc, &err);
    }
    printf("%lld\n", (long long)id);
    return 0;
}

static int inc_list(struct cli *c, const struct opts *o)
{
    struct incident *v;
    size_t n;
    struct jy_error err = {0};
    int rc = store_incidents_list(c->st, !cli_flag(o, "--all"), 500, &v, &n, &err);
    if (rc)
        return cli_fail(c, rc, &err);
    incidents_sort(v, n, &c->cfg->incident, c->now);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        struct inc_clock k[INC_N_CLOCKS];
        size_t nk = incident_clocks(&v[i], &c->cfg->incident, c->now, k);
        if (cli_flag(o, "--json")) {
            jy_buf_reset(&b);
            incident_json(&b, &v[i], k, nk, c->now);
            printf("%s\n", b.data);
            continue;
        }
        const struct inc_clock *next = incident_next_clock(k, nk);
        char when[96] = "-";
        if (next) {
            char st[80];
            clock_status_text(next, c->now, st, sizeof st);
            snprintf(when, sizeof when, "%s %s", inc_clock_label(next->kind), st);
        }
        char *title = utf8_sanitize(v[i].title, strlen(v[i].title), 0);
        printf("#%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)v[i].id, level_roman(v[i].level),
               inc_state_label(v[i].state), when, v[i].category, title);
        free(title);
    }
    jy_buf_free(&b);
    incidents_free(v, n);
    return 0;
}

static int inc_show(struct cli *c, const struct opts *o, int64_t id)
{
    struct incident x;
    struct jy_error err = {0};
    int rc = store_incident_get(c->st, id, &x, &err);
    if (rc)
        return cli_fail(c, rc, &err);
    struct inc_clock k[INC_N_CLOCKS];
    size_t nk = incident_clocks(&x, &c->cfg->incident, c->now, k);
    if (cli_flag(o, "--json")) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        incident_json(&b, &x, k, nk, c->now);
        printf("%s\n", b.data);
        jy_buf_free(&b);
        incident_clear(&x);
        return 0;
    }
    char t1[32], t2[32];
    printf("工单 #%lld [%s] %s %s %s 版本 %lld\n", (long long)x.id, inc_state_label(x.state),
           level_roman(x.level), level_label(x.level), x.category, (long long)x.version);
    cli_print_clean("标题: ", x.title);
    cli_print_clean("来源: ", x.origin);
    cli_print_clean("负责人: ", x.officer);
    char *evs, *its;
    if (store_incident_links(c->st, id, &evs, &its, &err) == 0) {
        cli_print_clean("关联事件: ", evs);
        cli_print_clean("关联信息: ", its);
        free(evs);
        free(its);
    }
    cli_print_clean("部门: ", x.departments);
    cli_fmt_time(x.started_at, t1, sizeof t1);
    cli_fmt_time(x.created_at, t2, sizeof t2);
    printf("开始: %s  立单: %s (%s)\n", t1, t2, x.created_by);
    printf("时限:\n");
    for (size_t i = 0; i < nk; i++) {
        char due[32], st[96];
        cli_fmt_time(k[i].due_at, due, sizeof due);
        clock_status_text(&k[i], c->now, st, sizeof st);
        printf("  %s\t截止 %s\t%s\n", inc_clock_label(k[i].kind), due, st);
    }
    if (x.strategy) {
        printf("研判: 等级 %s", level_roman(x.level));
        if (x.model_level)
            printf("（模型 %s）", level_roman(x.model_level));
        printf("\n");
        cli_print_clean("  理由: ", x.level_reason);
        cli_print_clean("  策略: ", x.strategy);
        cli_fmt_time(x.reported_at, t1, sizeof t1);
        printf("  上报: %s\n", x.reported_up ? t1 : "否");
    }
    struct store_response *resp;
    size_t nr;
    if (store_responses_list(c->st, id, &resp, &nr, &err) == 0) {
        for (size_t i = 0; i < nr; i++) {
            cli_fmt_time(resp[i].responded_at, t1, sizeof t1);
            printf("回应: %s %s (%s)\n", t1, resp[i].channel, resp[i].created_by);
            cli_print_clean("  ", resp[i].content);
        }
        store_responses_free(resp, nr);
    }
    if (x.facts) {
        cli_print_clean("核查: ", x.facts);
        cli_print_clean("  证据: ", x.evidence);
        cli_print_clean("  法制审核: ", x.legal_opinion);
        cli_print_clean("  审核人: ", x.legal_by);
        cli_print_clean("  核查人: ", x.verified_by);
    }
    struct store_release *rel;
    size_t nrel;
    if (store_releases_list(c->st, id, &rel, &nrel, &err) == 0) {
        for (size_t i = 0; i < nrel; i++) {
            char name[64];
            inc_release_name(rel[i].seq, name, sizeof name);
            printf("通报 %lld: %s%s [%s] 第%d稿 起草 %s", (long long)rel[i].id, name,
                   rel[i].final ? "（结果）" : "", rel[i].status, rel[i].version,
                   rel[i].drafters ? rel[i].drafters : "-");
            if (rel[i].approver)
                printf(" 审批 %s", rel[i].approver);
            if (rel[i].published_at) {
                cli_fmt_time(rel[i].published_at, t1, sizeof t1);
                printf(" 发布 %s %s", t1, rel[i].channel);
            }
            if (rel[i].correction)
                printf(" %s", !strcmp(rel[i].correction, "retracted") ? "已撤回" : "已更正");
            printf("\n");
            cli_print_clean("  意见: ", rel[i].comment);
            cli_print_clean("  ", rel[i].text);
        }
        store_releases_free(rel, nrel);
    }
    struct store_task *tasks;
    size_t nt;
    if (store_tasks_list(c->st, id, &tasks, &nt, &err) == 0) {
        for (size_t i = 0; i < nt; i++) {
            cli_fmt_time(tasks[i].due_at, t1, sizeof t1);
            printf("任务 %lld: %s 截止 %s\n", (long long)tasks[i].id, tasks[i].department, t1);
            cli_print_clean("  ", tasks[i].description);
            cli_print_clean("  反馈: ", tasks[i].feedback);
        }
        store_tasks_free(tasks, nt);
    }
    if (x.outcome) {
        cli_print_clean("办结: ", x.outcome);
        printf("  有效: %s\n", x.effective == 1 ? "是" : x.effective == 0 ? "否" : "-");
        cli_print_clean("  理由: ", x.effective_why);
        cli_print_clean("  衍生事件: ", x.secondary);
        cli_print_clean("  经验教训: ", x.lessons);
        if (x.satisfaction >= 0)
            printf("  满意度: %d\n", x.satisfaction);
    }
    incident_clear(&x);
    return 0;
}

/* Loads the incident, lets fill change it, saves `form` with the version
 * given by --version (required: it is what makes a stale save visible). */
static int inc_save(struct cli *c, const struct opts *o, int64_t id, enum inc_form form,
                    int (*fill)(struct cli *, const struct opts *, struct incident *))
{
    int64_t version;
    if (!cli_parse_id(cli_opt(o, "--version"), &version))
        return cli_usage_error(c,
                               "--version V is required (the version you read, see incident show)");
    struct incident x;
    struct jy_error err = {0};
    int rc = store_incident_get(c->st, id, &x, &err);
    if (rc)
        return cli_fail(c, rc, &err);
    x.version = version;
    if ((rc = fill(c, o, &x))) {
        incident_clear(&x);
        return rc;
    }
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    struct incident theirs;
    rc = store_incident_save(c->st, &c->me, form, &x, &c->cfg->incident, c->now, fe, &nfe, &theirs,
                             &err);
    incident_clear(&x);
    if (rc == JY_ECONFLICT)
        incident_clear(&theirs);
    if (rc && nfe) {
        print_field_errors(c, fe, nfe);
        return CMD_EXIT_REFUSED;
    }
    if (rc)
        return cli_fail(c, rc, &err);
    return 0;
}

static void set_str(char **field, const char *v)
{
    if (v) {
        free(*field);
        *field = xstrdup(v);
    }
}

static int fill_assessment(struct cli *c, const struct opts *o, struct incident *x)
{
    const char *v = cli_opt(o, "--level");
    if (v && !cli_parse_level(v, &x->level))
        return cli_usage_error(c, "--level is I, II, III or IV");
    set_str(&x->level_reason, cli_opt(o, "--reason"));
    set_str(&x->strategy, cli_opt(o, "--strategy"));
    int64_t t;
    if (!cli_opt_time(c, o, "--reported-at", &t))
        return CMD_EXIT_USAGE;
    if (t) {
        x->reported_up = true;
        x->reported_at = t;
    }
    return 0;
}

static int fill_verification(struct cli *c, const struct opts *o, struct incident *x)
{
    (void)c;
    set_str(&x->facts, cli_opt(o, "--facts"));
    set_str(&x->evidence, cli_opt(o, "--evidence"));
    set_str(&x->legal_opinion, cli_opt(o, "--legal-opinion"));
    set_str(&x->legal_by, cli_opt(o, "--legal-by"));
    set_str(&x->verified_by, cli_opt(o, "--verified-by"));
    return 0;
}

static int fill_closure(struct cli *c, const struct opts *o, struct incident *x)
{
    set_str(&x->outcome, cli_opt(o, "--outcome"));
    const char *e = cli_opt(o, "--effective");
    if (e) {
        if (!strcmp(e, "yes") || !strcmp(e, "是"))
            x->effective = 1;
        else if (!strcmp(e, "no") || !strcmp(e, "否"))
            x->effective = 0;
        else
            return cli_usage_error(c, "--effective is yes or no");
    }
    set_str(&x->effective_why, cli_opt(o, "--why"));
    set_str(&x->secondary, cli_opt(o, "--secondary"));
    set_str(&x->lessons, cli_opt(o, "--lessons"));
    const char *s = cli_opt(o, "--satisfaction");
    if (s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end || !*s)
            return cli_usage_error(c, "--satisfaction is a number from 0 to 100");
        x->satisfaction = (int)(v < -1 ? -2 : v > 1000 ? 1000 : v);
    }
    return 0;
}

static int inc_close(struct cli *c, const struct opts *o, int64_t id)
{
    int64_t version;
    if (!cli_parse_id(cli_opt(o, "--version"), &version))
        return cli_usage_error(c,
                               "--version V is required (the version you read, see incident show)");
    struct incident x;
    struct jy_error err = {0};
    int rc = store_incident_get(c->st, id, &x, &err);
    if (rc)
        return cli_fail(c, rc, &err);
    x.version = version;
    if ((rc = fill_closure(c, o, &x))) {
        incident_clear(&x);
        return rc;
    }
    struct field_error fe[INC_MAX_FIELD_ERRORS];
    size_t nfe = 0;
    struct incident theirs;
    rc =
        store_incident_close(c->st, &c->me, &x, &c->cfg->incident, c->now, fe, &nfe, &theirs, &err);
    incident_clear(&x);
    if (rc == JY_ECONFLICT)
        incident_clear(&theirs);
    if (rc && nfe) {
        print_field_errors(c, fe, nfe);
        return CMD_EXIT_REFUSED;
    }
    return rc ? cli_fail(c, rc, &err) : 0;
}

static int inc_move(struct cli *c, const struct opts *o, int64_t id)
{
    if (o->n_pos < 3)
        return cli_usage_error(c, "usage: incident move ID STATE [--reason R]");
    int to = inc_state_parse(o->pos[2]);
    if (to < 0)
        return cli_usage_error(c, "STATE is one of assessment, response, verification, approval, "
                                  "released, followup, closed (or 研判, 响应, ...)");
    int64_t version = 0;
    const char *v = cli_opt(o, "--version");
    if (v && !cli_parse_id(v, &version))
        return cli_usage_error(c, "--version needs a number");
    struct jy_error err = {0};
    int rc = store_incident_transition(c->st, &c->me, id, version, (enum inc_state)to,
                                       cli_opt(o, "--reason"), c->now, &err);
    return rc ? cli_fail(c, rc, &err) : 0;
}

static int inc_draft(struct cli *c, const struct opts *o, int64_t id)
{
    const char *text = cli_opt(o, "--text"), *file = cli_opt(o, "--file");
    char *buf = NULL;
    struct jy_error err = {0};
    if (!text && file) {
        size_t len;
        if (jy_read_file(file, 1 << 20, &buf, &len, &err)) {
            fprintf(stderr, "%s: %s\n", c->name, err.msg);
            return CMD_EXIT_RUNTIME;
        }
        text = buf;
    }
    if (!text && cli_flag(o, "--template")) {
        /* the template the console drafts from, chosen by the category */
        struct incident x;
        if (store_incident_get(c->st, id, &x, &err))
            return cli_fail(c, JY_ENOTFOUND, &err);
        buf = incident_template_text(config_datadir(), x.category, c->cfg->bureau, &err);
        incident_clear(&x);
        if (!buf) {
            fprintf(stderr, "%s: %s\n", c->name, err.msg);
            return CMD_EXIT_RUNTIME;
        }
        text = buf;
    }
    if (!text) {
        free(buf);
        return cli_usage_error(c, "--text T, --file F or --template is required");
    }
    int64_t rid;
    int rc =
        store_release_draft(c->st, &c->me, id, text, cli_flag(o, "--final"), c->now, &rid, &err);
    free(buf);
    if (rc)
        return cli_fail(c, rc, &err);
    printf("%lld\n", (long long)rid);
    return 0;
}

static int inc_release(struct cli *c, const struct opts *o, const char *verb, int64_t rid)
{
    struct jy_error err = {0};
    int rc;
    if (!strcmp(verb, "submit")) {
        rc = store_release_submit(c->st, &c->me, rid, c->now, &err);
    } else if (!strcmp(verb, "approve") || !strcmp(verb, "return")) {
        rc = store_release_decide(c->st, &c->me, rid, verb[0] == 'a', cli_opt(o, "--comment"),
                                  c->now, &err);
    } else if (!strcmp(verb, "publish")) {
        int64_t at;
        if (!cli_opt_time(c, o, "--at", &at))
            return CMD_EXIT_USAGE;
        rc = store_release_publish(c->st, &c->me, rid, at, cli_opt(o, "--channel"),
                                   cli_opt(o, "--link"), c->now, &err);
    } else {
        rc = store_release_correct(c->st, &c->me, rid, cli_flag(o, "--retract"),
                                   cli_opt(o, "--reason"), c->now, &err);
    }
    return rc ? cli_fail(c, rc, &err) : 0;
}

static int cmd_incident_verb(struct cli *c, const struct opts *o)
{
    const char *verb = o->pos[0];
    if (!strcmp(verb, "new"))
        return inc_new(c, o);
    if (!strcmp(verb, "list"))
        return inc_list(c, o);
    int64_t id;
    if (o->n_pos < 2 || !cli_parse_id(o->pos[1], &id))
        return cli_usage_error(c, "needs an id");
    struct jy_error err = {0};
    int rc;
    if (!strcmp(verb, "show"))
        return inc_show(c, o, id);
    if (!strcmp(verb, "assess"))
        return inc_save(c, o, id, FORM_ASSESSMENT, fill_assessment);
    if (!strcmp(verb, "verify"))
        return inc_save(c, o, id, FORM_VERIFICATION, fill_verification);
    if (!strcmp(verb, "close"))
        return inc_close(c, o, id);
    if (!strcmp(verb, "move"))
        return inc_move(c, o, id);
    if (!strcmp(verb, "draft"))
        return inc_draft(c, o, id);
    if (!strcmp(verb, "respond")) {
        int64_t at;
        if (!cli_opt_time(c, o, "--at", &at))
            return CMD_EXIT_USAGE;
        rc = store_response_add(c->st, &c->me, id, cli_opt(o, "--channel"), cli_opt(o, "--content"),
                                at, c->now, NULL, &err);
        return rc ? cli_fail(c, rc, &err) : 0;
    }
    if (!strcmp(verb, "submit") || !strcmp(verb, "approve") || !strcmp(verb, "return") ||
        !strcmp(verb, "publish") || !strcmp(verb, "correct"))
        return inc_release(c, o, verb, id);
    if (!strcmp(verb, "task")) {
        int64_t due;
        if (!cli_opt_time(c, o, "--due", &due))
            return CMD_EXIT_USAGE;
        int64_t tid;
        rc = store_task_add(c->st, &c->me, id, cli_opt(o, "--department"), cli_opt(o, "--text"),
                            due, &c->cfg->incident, c->now, &tid, &err);
        if (rc)
            return cli_fail(c, rc, &err);
        printf("%lld\n", (long long)tid);
        return 0;
    }
    if (!strcmp(verb, "link")) {
        int64_t ev = 0, it = 0;
        const char *v;
        if (((v = cli_opt(o, "--event")) && !cli_parse_id(v, &ev)) ||
            ((v = cli_opt(o, "--item")) && !cli_parse_id(v, &it)))
            return cli_usage_error(c, "--event and --item need ids");
        rc = store_incident_link(c->st, &c->me, id, ev, it, c->now, &err);
        return rc ? cli_fail(c, rc, &err) : 0;
    }
    if (!strcmp(verb, "feedback")) {
        rc = store_task_feedback(c->st, &c->me, id, cli_opt(o, "--text"), c->now, &err);
        return rc ? cli_fail(c, rc, &err) : 0;
    }
    return cli_usage_error(c, "unknown incident command");
}

static int incident_main(struct cli *c, const struct opts *o)
{
    if (o->n_pos == 0)
        return cli_usage_error(c, "needs a command (new, list, show, assess, ...)");
    return cmd_incident_verb(c, o);
}

static const struct verb_opts incident_opts[] = {
    {"new", "--event --alert --title --category --level --officer --departments --started --parent "
            "--item --origin"},
    {"list", "--all --json"},
    {"show", "--json"},
    {"assess", "--version --level --reason --strategy --reported-at"},
    {"respond", "--channel --content --at"},
    {"verify", "--version --facts --evidence --legal-opinion --legal-by --verified-by"},
    {"move", "--reason --version"},
    {"draft", "--text --file --template --final"},
    {"submit", "--comment"},
    {"approve", "--comment"},
    {"return", "--comment"},
    {"publish", "--channel --link --at"},
    {"correct", "--reason --retract"},
    {"close", "--version --outcome --effective --why --secondary --lessons --satisfaction"},
    {"link", "--event --item"},
    {"task", "--department --text --due"},
    {"feedback", "--text"},
    {NULL, NULL},
};

int cmd_incident(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu incident", argc, argv, incident_opts, incident_main);
}
