/* cmd_incident.c: the incident workflow, people, the audit trail and the
 * KPIs from the command line: everything the console's forms do, for
 * scripts and for tests.
 *
 *   jingyu person add LOGIN --name N --roles R [--badge B] [--unit U] [--inactive]
 *   jingyu person list
 *   jingyu incident new [--event ID | --alert ID] [--title T] [--category C] [--level L]
 *                       [--officer LOGIN] [--departments D] [--started TIME] [--parent ID]
 *   jingyu incident list [--all] [--json]
 *   jingyu incident show ID [--json]
 *   jingyu incident assess ID --version V --level L --strategy S [--reason R]
 *                          [--reported-at TIME]
 *   jingyu incident respond ID --channel C --content T [--at TIME]
 *   jingyu incident verify ID --version V --facts F --verified-by P [--evidence E]
 *                          [--legal-opinion O --legal-by P]
 *   jingyu incident move ID STATE [--reason R] [--version V]
 *   jingyu incident draft ID (--text T | --file F | --template) [--final]
 *   jingyu incident submit|approve RELEASE [--comment C]
 *   jingyu incident return RELEASE --comment C
 *   jingyu incident publish RELEASE --channel C [--link L] [--at TIME]
 *   jingyu incident correct RELEASE --reason R [--retract]
 *   jingyu incident close ID --version V --outcome O --effective yes|no --why W
 *                         [--secondary S] [--lessons L] [--satisfaction N]
 *   jingyu incident link ID (--event E | --item I)
 *   jingyu incident task ID --department D --text T --due TIME
 *   jingyu incident feedback TASK --text T
 *   jingyu audit verify | seal | anchor [--file F] [--channel NAME]
 *   jingyu audit log [--incident ID] [--limit N] [--offset N]
 *   jingyu kpi --from DATE --to DATE [--json]
 *   jingyu duty show|gaps [--from DAY] [--to DAY] | now | generate [--from DAY] [--to DAY]
 *   jingyu duty set DAY SHIFT POST [--login LOGIN] | swap DAY1 DAY2 --first L1 --second L2
 *   jingyu handover prefill | write [--note T] [--to LOGIN] | ack ID [--as-leader]
 *   jingyu handover list [--search WORDS]
 *   jingyu notify run [--once] | send --subject S [--body B] [--channel NAME] | status
 *   jingyu silence add (--event ID | --source ID|NAME) --reason R --until TIME
 *   jingyu silence list [--all] [--json] | expire ID
 *
 * The person acting is the Unix login (or $JINGYU_USER when the
 * configuration's identity.from_env allows it). Exit status: 0 ok, 1 runtime
 * error, 2 bad usage, 3 refused by the rules (right, state, a field),
 * 4 someone else saved first. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "collect/collect.h"
#include "incident/incident.h"
#include "notify/notify.h"
#include "roster/roster.h"
#include "store/store.h"

#define EXIT_REFUSED 3
#define EXIT_CONFLICT 4

struct cli {
    const struct config *cfg;
    struct store *st;
    struct actor me;
    int64_t now;
    const char *name; /* "jingyu incident" */
};

static int fail(const struct cli *c, int rc, const struct jy_error *err)
{
    fprintf(stderr, "%s: %s\n", c->name, err->msg);
    switch (rc) {
    case JY_EPERM:
    case JY_ESTATE:
    case JY_EINVAL:
    case JY_ENOTFOUND:
        return EXIT_REFUSED;
    case JY_ECONFLICT:
        return EXIT_CONFLICT;
    case JY_EVERSION:
        return CMD_EXIT_USAGE;
    default:
        return CMD_EXIT_RUNTIME;
    }
}

static int usage_error(const struct cli *c, const char *what)
{
    fprintf(stderr, "%s: %s (see jingyu(1))\n", c->name, what);
    return CMD_EXIT_USAGE;
}

static int cli_open(struct cli *c, const struct config *cfg, const char *name)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->name = name;
    c->now = jy_now();
    struct jy_error err = {0};
    char login[64];
    incident_login(cfg->identity_from_env, login, sizeof login);
    int rc = store_open(cfg->database, &c->st, &err);
    if (!rc)
        rc = store_actor_resolve(c->st, login, false, &c->me, &err);
    if (rc) {
        int code = fail(c, rc, &err);
        store_close(c->st);
        c->st = NULL;
        return code;
    }
    return 0;
}

/* ---- options ----------------------------------------------------------------- */

struct opts {
    int argc;
    char **argv;
    const char *pos[4]; /* positional arguments */
    int n_pos;
    const char *no_value; /* the last option, when its value is missing */
};

/* Options are --key VALUE (or flags); positional arguments in order. */
static bool is_flag(const char *k)
{
    static const char *const flags[] = {"--json",     "--all",  "--final",     "--retract",
                                        "--inactive", "--once", "--as-leader", "--template"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (!strcmp(k, flags[i]))
            return true;
    }
    return false;
}

static int opts_parse(const struct cli *c, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "--", 2)) {
            if (!is_flag(argv[i]) && ++i >= argc)
                o->no_value = argv[i - 1]; /* said after unknown options are */
        } else if (o->n_pos < 4) {
            o->pos[o->n_pos++] = argv[i];
        } else {
            return usage_error(c, "too many arguments");
        }
    }
    return 0;
}

static const char *opt(const struct opts *o, const char *key)
{
    for (int i = 0; i < o->argc; i++) {
        if (!strncmp(o->argv[i], "--", 2)) {
            if (is_flag(o->argv[i]))
                continue;
            if (!strcmp(o->argv[i], key))
                return o->argv[i + 1];
            i++;
        }
    }
    return NULL;
}

static bool flag(const struct opts *o, const char *key)
{
    for (int i = 0; i < o->argc; i++) {
        if (!strcmp(o->argv[i], key))
            return true;
        if (!strncmp(o->argv[i], "--", 2) && !is_flag(o->argv[i]))
            i++;
    }
    return false;
}

static bool parse_id(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (*s == '#')
        s++;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return false;
    *out = v;
    return true;
}

static bool parse_level(const char *s, int *out)
{
    static const char *const names[] = {"I", "II", "III", "IV"};
    static const char *const digits[] = {"1", "2", "3", "4"};
    for (int i = 0; s && i < 4; i++) {
        if (!strcmp(s, names[i]) || !strcmp(s, digits[i]) || !strcmp(s, level_label(i + 1))) {
            *out = i + 1;
            return true;
        }
    }
    return false;
}

/* --key TIME (optional): 0 when absent; false on a bad time. */
static bool opt_time(const struct cli *c, const struct opts *o, const char *key, int64_t *out)
{
    const char *v = opt(o, key);
    *out = 0;
    if (!v)
        return true;
    if (jy_time_parse(v, out, NULL)) {
        fprintf(stderr, "%s: %s: not a time: %s (use 2026-12-01 08:30)\n", c->name, key, v);
        return false;
    }
    return true;
}

/* The options each verb of a command takes (space-separated). verb "*":
 * the command has no verbs; verb "": the default verb when none is given.
 * An option not listed is refused before anything is opened. */
struct verb_opts {
    const char *verb, *opts;
};

static bool opt_listed(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; (p = strstr(p, key)); p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

static int opts_check(const char *name, const struct verb_opts *table, const struct opts *o)
{
    const char *verb = o->n_pos ? o->pos[0] : "";
    const struct verb_opts *t = table;
    while (t->verb && strcmp(t->verb, "*") && strcmp(t->verb, verb))
        t = t + 1;
    if (!t->verb) /* an unknown verb: the command says so with its usage */
        return o->no_value ? usage_error(&(struct cli){.name = name}, "an option needs a value")
                           : 0;
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        if (strncmp(a, "--", 2))
            continue;
        if (!opt_listed(t->opts, a)) {
            fprintf(stderr, "%s%s%s: unknown option %s\nusage: %s%s%s %s\n(see jingyu(1))\n", name,
                    verb[0] ? " " : "", verb, a, name, verb[0] ? " " : "", verb,
                    t->opts[0] ? t->opts : "(no options)");
            return CMD_EXIT_USAGE;
        }
        if (!is_flag(a))
            i++;
    }
    if (o->no_value) {
        fprintf(stderr, "%s: %s needs a value\n", name, o->no_value);
        return CMD_EXIT_USAGE;
    }
    return 0;
}

/* Runs a subcommand: the options read and checked against its table, the
 * store opened as the person acting, body run, the store closed on every
 * path. */
static int cli_main(const struct config *cfg, const char *name, int argc, char **argv,
                    const struct verb_opts *table, int (*body)(struct cli *c, const struct opts *o))
{
    struct cli c = {.cfg = cfg, .name = name};
    struct opts o;
    int rc = opts_parse(&c, argc, argv, &o);
    if (rc || (rc = opts_check(name, table, &o)))
        return rc;
    if ((rc = cli_open(&c, cfg, name)))
        return rc;
    rc = body(&c, &o);
    store_close(c.st);
    return rc;
}

/* ---- output ------------------------------------------------------------------- */

static void print_clean(const char *label, const char *value)
{
    if (!value || !*value)
        return;
    char *clean = utf8_sanitize(value, strlen(value), 0);
    printf("%s%s\n", label, clean);
    free(clean);
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
    if (!t)
        snprintf(buf, size, "-");
    else
        jy_time_local(t, "%Y-%m-%d %H:%M", buf, size);
}

static void json_kv_str(struct jy_buf *b, const char *k, const char *v, bool first)
{
    jy_buf_json_key(b, k, first);
    if (v)
        jy_buf_json_str(b, v);
    else
        jy_buf_puts(b, "null");
}

static void json_kv_int(struct jy_buf *b, const char *k, int64_t v)
{
    jy_buf_json_key(b, k, false);
    jy_buf_json_int(b, v);
}

static void clock_status_text(const struct inc_clock *k, int64_t now, char *buf, size_t size)
{
    char span[32], at[32];
    switch (k->status) {
    case CLOCK_MET:
        fmt_time(k->met_at, at, sizeof at);
        snprintf(buf, size, "按时完成 %s", at);
        break;
    case CLOCK_LATE:
        fmt_time(k->met_at, at, sizeof at);
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
    json_kv_int(b, "version", x->version);
    json_kv_str(b, "title", x->title, false);
    json_kv_str(b, "category", x->category, false);
    json_kv_str(b, "level", level_roman(x->level), false);
    json_kv_str(b, "model_level", x->model_level ? level_roman(x->model_level) : NULL, false);
    json_kv_str(b, "state", inc_state_name(x->state), false);
    json_kv_str(b, "state_label", inc_state_label(x->state), false);
    json_kv_str(b, "officer", x->officer, false);
    json_kv_str(b, "departments", x->departments, false);
    json_kv_str(b, "origin", x->origin, false);
    json_kv_int(b, "event_id", x->event_id);
    json_kv_int(b, "parent_id", x->parent_id);
    json_kv_int(b, "started_at", x->started_at);
    json_kv_int(b, "created_at", x->created_at);
    json_kv_str(b, "created_by", x->created_by, false);
    json_kv_str(b, "updated_by", x->updated_by, false);
    json_kv_str(b, "level_reason", x->level_reason, false);
    json_kv_str(b, "strategy", x->strategy, false);
    json_kv_int(b, "reported_at", x->reported_at);
    json_kv_str(b, "facts", x->facts, false);
    json_kv_str(b, "evidence", x->evidence, false);
    json_kv_str(b, "legal_opinion", x->legal_opinion, false);
    json_kv_str(b, "legal_by", x->legal_by, false);
    json_kv_str(b, "verified_by", x->verified_by, false);
    json_kv_str(b, "outcome", x->outcome, false);
    json_kv_int(b, "effective", x->effective);
    json_kv_str(b, "effective_why", x->effective_why, false);
    json_kv_int(b, "satisfaction", x->satisfaction);
    json_kv_int(b, "closed_at", x->closed_at);
    json_kv_int(b, "reopened", x->reopened);
    json_kv_int(b, "responses", x->n_responses);
    json_kv_int(b, "first_response_at", x->first_response_at);
    json_kv_int(b, "first_release_at", x->first_release_at);
    jy_buf_json_key(b, "clocks", false);
    jy_buf_puts(b, "[");
    for (size_t i = 0; i < nk; i++) {
        jy_buf_puts(b, i ? ",{" : "{");
        json_kv_str(b, "clock", inc_clock_name(k[i].kind), true);
        json_kv_str(b, "label", inc_clock_label(k[i].kind), false);
        json_kv_int(b, "due_at", k[i].due_at);
        json_kv_int(b, "met_at", k[i].met_at);
        json_kv_str(b, "status", clock_status_key(k[i].status), false);
        jy_buf_puts(b, "}");
    }
    jy_buf_puts(b, "]");
    const struct inc_clock *next = incident_next_clock(k, nk);
    jy_buf_json_key(b, "next", false);
    if (next) {
        jy_buf_puts(b, "{");
        json_kv_str(b, "clock", inc_clock_name(next->kind), true);
        json_kv_int(b, "due_at", next->due_at);
        json_kv_int(b, "left", next->due_at - now);
        jy_buf_puts(b, "}");
    } else {
        jy_buf_puts(b, "null");
    }
    jy_buf_puts(b, "}");
}

/* ---- person -------------------------------------------------------------------- */

static int person_main(struct cli *c, const struct opts *op)
{
    const struct opts o = *op;
    int rc = 0;
    struct jy_error err = {0};
    if (o.n_pos >= 1 && !strcmp(o.pos[0], "list")) {
        struct store_person *v;
        size_t n;
        if ((rc = store_people_list(c->st, &v, &n, &err)))
            return fail(c, rc, &err);
        for (size_t i = 0; i < n; i++) {
            char roles[128];
            role_format(v[i].roles, roles, sizeof roles);
            char *name = utf8_sanitize(v[i].name, strlen(v[i].name), 0);
            printf("%s\t%s\t%s\t%s\t%s%s\n", v[i].login, name, v[i].badge ? v[i].badge : "-",
                   v[i].unit ? v[i].unit : "-", roles, v[i].active ? "" : "\t(inactive)");
            free(name);
        }
        store_people_free(v, n);
        return 0;
    }
    if (o.n_pos != 2 || strcmp(o.pos[0], "add"))
        return usage_error(c, "usage: person add LOGIN --name N --roles R | person list");
    struct store_person p = {.login = (char *)o.pos[1],
                             .name = (char *)opt(&o, "--name"),
                             .badge = (char *)opt(&o, "--badge"),
                             .unit = (char *)opt(&o, "--unit"),
                             .active = !flag(&o, "--inactive")};
    const char *roles = opt(&o, "--roles");
    if (!roles)
        return usage_error(c, "--roles is required (operator, leader, approver, admin, viewer)");
    if ((rc = role_parse(roles, &p.roles, &err)) ||
        (rc = store_person_put(c->st, &c->me, &p, c->now, &err)))
        return fail(c, rc, &err);
    printf("%s\n", p.login);
    return 0;
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
        .title = opt(o, "--title"),
        .category = opt(o, "--category"),
        .officer = opt(o, "--officer"),
        .departments = opt(o, "--departments"),
        .origin = opt(o, "--origin"),
    };
    const char *v;
    if ((v = opt(o, "--event")) && !parse_id(v, &n.event_id))
        return usage_error(c, "--event needs an event id");
    if ((v = opt(o, "--alert")) && !parse_id(v, &n.alert_id))
        return usage_error(c, "--alert needs an alert id");
    if ((v = opt(o, "--parent")) && !parse_id(v, &n.parent_id))
        return usage_error(c, "--parent needs an incident id");
    if ((v = opt(o, "--item")) && !parse_id(v, &n.item_id))
        return usage_error(c, "--item needs an item id");
    if ((v = opt(o, "--level")) && !parse_level(v, &n.level))
        return usage_error(c, "--level is I, II, III or IV");
    if (!opt_time(c, o, "--started", &n.started_at))
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
            return EXIT_REFUSED;
        }
        return fail(c, rc, &err);
    }
    printf("%lld\n", (long long)id);
    return 0;
}

static int inc_list(struct cli *c, const struct opts *o)
{
    struct incident *v;
    size_t n;
    struct jy_error err = {0};
    int rc = store_incidents_list(c->st, !flag(o, "--all"), 500, &v, &n, &err);
    if (rc)
        return fail(c, rc, &err);
    incidents_sort(v, n, &c->cfg->incident, c->now);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        struct inc_clock k[INC_N_CLOCKS];
        size_t nk = incident_clocks(&v[i], &c->cfg->incident, c->now, k);
        if (flag(o, "--json")) {
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
        return fail(c, rc, &err);
    struct inc_clock k[INC_N_CLOCKS];
    size_t nk = incident_clocks(&x, &c->cfg->incident, c->now, k);
    if (flag(o, "--json")) {
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
    print_clean("标题: ", x.title);
    print_clean("来源: ", x.origin);
    print_clean("负责人: ", x.officer);
    char *evs, *its;
    if (store_incident_links(c->st, id, &evs, &its, &err) == 0) {
        print_clean("关联事件: ", evs);
        print_clean("关联信息: ", its);
        free(evs);
        free(its);
    }
    print_clean("部门: ", x.departments);
    fmt_time(x.started_at, t1, sizeof t1);
    fmt_time(x.created_at, t2, sizeof t2);
    printf("开始: %s  立单: %s (%s)\n", t1, t2, x.created_by);
    printf("时限:\n");
    for (size_t i = 0; i < nk; i++) {
        char due[32], st[96];
        fmt_time(k[i].due_at, due, sizeof due);
        clock_status_text(&k[i], c->now, st, sizeof st);
        printf("  %s\t截止 %s\t%s\n", inc_clock_label(k[i].kind), due, st);
    }
    if (x.strategy) {
        printf("研判: 等级 %s", level_roman(x.level));
        if (x.model_level)
            printf("（模型 %s）", level_roman(x.model_level));
        printf("\n");
        print_clean("  理由: ", x.level_reason);
        print_clean("  策略: ", x.strategy);
        fmt_time(x.reported_at, t1, sizeof t1);
        printf("  上报: %s\n", x.reported_up ? t1 : "否");
    }
    struct store_response *resp;
    size_t nr;
    if (store_responses_list(c->st, id, &resp, &nr, &err) == 0) {
        for (size_t i = 0; i < nr; i++) {
            fmt_time(resp[i].responded_at, t1, sizeof t1);
            printf("回应: %s %s (%s)\n", t1, resp[i].channel, resp[i].created_by);
            print_clean("  ", resp[i].content);
        }
        store_responses_free(resp, nr);
    }
    if (x.facts) {
        print_clean("核查: ", x.facts);
        print_clean("  证据: ", x.evidence);
        print_clean("  法制审核: ", x.legal_opinion);
        print_clean("  审核人: ", x.legal_by);
        print_clean("  核查人: ", x.verified_by);
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
                fmt_time(rel[i].published_at, t1, sizeof t1);
                printf(" 发布 %s %s", t1, rel[i].channel);
            }
            if (rel[i].correction)
                printf(" %s", !strcmp(rel[i].correction, "retracted") ? "已撤回" : "已更正");
            printf("\n");
            print_clean("  意见: ", rel[i].comment);
            print_clean("  ", rel[i].text);
        }
        store_releases_free(rel, nrel);
    }
    struct store_task *tasks;
    size_t nt;
    if (store_tasks_list(c->st, id, &tasks, &nt, &err) == 0) {
        for (size_t i = 0; i < nt; i++) {
            fmt_time(tasks[i].due_at, t1, sizeof t1);
            printf("任务 %lld: %s 截止 %s\n", (long long)tasks[i].id, tasks[i].department, t1);
            print_clean("  ", tasks[i].description);
            print_clean("  反馈: ", tasks[i].feedback);
        }
        store_tasks_free(tasks, nt);
    }
    if (x.outcome) {
        print_clean("办结: ", x.outcome);
        printf("  有效: %s\n", x.effective == 1 ? "是" : x.effective == 0 ? "否" : "-");
        print_clean("  理由: ", x.effective_why);
        print_clean("  衍生事件: ", x.secondary);
        print_clean("  经验教训: ", x.lessons);
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
    if (!parse_id(opt(o, "--version"), &version))
        return usage_error(c, "--version V is required (the version you read, see incident show)");
    struct incident x;
    struct jy_error err = {0};
    int rc = store_incident_get(c->st, id, &x, &err);
    if (rc)
        return fail(c, rc, &err);
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
        return EXIT_REFUSED;
    }
    if (rc)
        return fail(c, rc, &err);
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
    const char *v = opt(o, "--level");
    if (v && !parse_level(v, &x->level))
        return usage_error(c, "--level is I, II, III or IV");
    set_str(&x->level_reason, opt(o, "--reason"));
    set_str(&x->strategy, opt(o, "--strategy"));
    int64_t t;
    if (!opt_time(c, o, "--reported-at", &t))
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
    set_str(&x->facts, opt(o, "--facts"));
    set_str(&x->evidence, opt(o, "--evidence"));
    set_str(&x->legal_opinion, opt(o, "--legal-opinion"));
    set_str(&x->legal_by, opt(o, "--legal-by"));
    set_str(&x->verified_by, opt(o, "--verified-by"));
    return 0;
}

static int fill_closure(struct cli *c, const struct opts *o, struct incident *x)
{
    set_str(&x->outcome, opt(o, "--outcome"));
    const char *e = opt(o, "--effective");
    if (e) {
        if (!strcmp(e, "yes") || !strcmp(e, "是"))
            x->effective = 1;
        else if (!strcmp(e, "no") || !strcmp(e, "否"))
            x->effective = 0;
        else
            return usage_error(c, "--effective is yes or no");
    }
    set_str(&x->effective_why, opt(o, "--why"));
    set_str(&x->secondary, opt(o, "--secondary"));
    set_str(&x->lessons, opt(o, "--lessons"));
    const char *s = opt(o, "--satisfaction");
    if (s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end || !*s)
            return usage_error(c, "--satisfaction is a number from 0 to 100");
        x->satisfaction = (int)(v < -1 ? -2 : v > 1000 ? 1000 : v);
    }
    return 0;
}

static int inc_close(struct cli *c, const struct opts *o, int64_t id)
{
    int64_t version;
    if (!parse_id(opt(o, "--version"), &version))
        return usage_error(c, "--version V is required (the version you read, see incident show)");
    struct incident x;
    struct jy_error err = {0};
    int rc = store_incident_get(c->st, id, &x, &err);
    if (rc)
        return fail(c, rc, &err);
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
        return EXIT_REFUSED;
    }
    return rc ? fail(c, rc, &err) : 0;
}

static int inc_move(struct cli *c, const struct opts *o, int64_t id)
{
    if (o->n_pos < 3)
        return usage_error(c, "usage: incident move ID STATE [--reason R]");
    int to = inc_state_parse(o->pos[2]);
    if (to < 0)
        return usage_error(c, "STATE is one of assessment, response, verification, approval, "
                              "released, followup, closed (or 研判, 响应, ...)");
    int64_t version = 0;
    const char *v = opt(o, "--version");
    if (v && !parse_id(v, &version))
        return usage_error(c, "--version needs a number");
    struct jy_error err = {0};
    int rc = store_incident_transition(c->st, &c->me, id, version, (enum inc_state)to,
                                       opt(o, "--reason"), c->now, &err);
    return rc ? fail(c, rc, &err) : 0;
}

static int inc_draft(struct cli *c, const struct opts *o, int64_t id)
{
    const char *text = opt(o, "--text"), *file = opt(o, "--file");
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
    if (!text && flag(o, "--template")) {
        /* the template the console drafts from, chosen by the category */
        struct incident x;
        if (store_incident_get(c->st, id, &x, &err))
            return fail(c, JY_ENOTFOUND, &err);
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
        return usage_error(c, "--text T, --file F or --template is required");
    }
    int64_t rid;
    int rc = store_release_draft(c->st, &c->me, id, text, flag(o, "--final"), c->now, &rid, &err);
    free(buf);
    if (rc)
        return fail(c, rc, &err);
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
        rc = store_release_decide(c->st, &c->me, rid, verb[0] == 'a', opt(o, "--comment"), c->now,
                                  &err);
    } else if (!strcmp(verb, "publish")) {
        int64_t at;
        if (!opt_time(c, o, "--at", &at))
            return CMD_EXIT_USAGE;
        rc = store_release_publish(c->st, &c->me, rid, at, opt(o, "--channel"), opt(o, "--link"),
                                   c->now, &err);
    } else {
        rc = store_release_correct(c->st, &c->me, rid, flag(o, "--retract"), opt(o, "--reason"),
                                   c->now, &err);
    }
    return rc ? fail(c, rc, &err) : 0;
}

static int cmd_incident_verb(struct cli *c, const struct opts *o)
{
    const char *verb = o->pos[0];
    if (!strcmp(verb, "new"))
        return inc_new(c, o);
    if (!strcmp(verb, "list"))
        return inc_list(c, o);
    int64_t id;
    if (o->n_pos < 2 || !parse_id(o->pos[1], &id))
        return usage_error(c, "needs an id");
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
        if (!opt_time(c, o, "--at", &at))
            return CMD_EXIT_USAGE;
        rc = store_response_add(c->st, &c->me, id, opt(o, "--channel"), opt(o, "--content"), at,
                                c->now, NULL, &err);
        return rc ? fail(c, rc, &err) : 0;
    }
    if (!strcmp(verb, "submit") || !strcmp(verb, "approve") || !strcmp(verb, "return") ||
        !strcmp(verb, "publish") || !strcmp(verb, "correct"))
        return inc_release(c, o, verb, id);
    if (!strcmp(verb, "task")) {
        int64_t due;
        if (!opt_time(c, o, "--due", &due))
            return CMD_EXIT_USAGE;
        int64_t tid;
        rc = store_task_add(c->st, &c->me, id, opt(o, "--department"), opt(o, "--text"), due,
                            &c->cfg->incident, c->now, &tid, &err);
        if (rc)
            return fail(c, rc, &err);
        printf("%lld\n", (long long)tid);
        return 0;
    }
    if (!strcmp(verb, "link")) {
        int64_t ev = 0, it = 0;
        const char *v;
        if (((v = opt(o, "--event")) && !parse_id(v, &ev)) ||
            ((v = opt(o, "--item")) && !parse_id(v, &it)))
            return usage_error(c, "--event and --item need ids");
        rc = store_incident_link(c->st, &c->me, id, ev, it, c->now, &err);
        return rc ? fail(c, rc, &err) : 0;
    }
    if (!strcmp(verb, "feedback")) {
        rc = store_task_feedback(c->st, &c->me, id, opt(o, "--text"), c->now, &err);
        return rc ? fail(c, rc, &err) : 0;
    }
    return usage_error(c, "unknown incident command");
}

static int incident_main(struct cli *c, const struct opts *o)
{
    if (o->n_pos == 0)
        return usage_error(c, "needs a command (new, list, show, assess, ...)");
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

static const struct verb_opts person_opts[] = {
    {"add", "--name --roles --badge --unit --inactive"},
    {"list", ""},
    {NULL, NULL},
};

int cmd_people(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu person", argc, argv, person_opts, person_main);
}

/* ---- audit ----------------------------------------------------------------------- */

/* The audit key (the secret audit.key names in notify.secrets): *key NULL
 * when none is configured; an error when one is but cannot be read. */
static int audit_key_load(const struct cli *c, struct notify_secrets *sec, const char **key,
                          struct jy_error *err)
{
    *key = NULL;
    memset(sec, 0, sizeof *sec);
    if (!c->cfg->audit_key)
        return 0;
    if (!c->cfg->notify.secrets)
        return jy_error_set(err, JY_ECONFIG, "audit.key needs notify.secrets (the secrets file)");
    int rc = notify_secrets_load(c->cfg->notify.secrets, sec, err);
    if (rc)
        return rc;
    *key = notify_secret(sec, c->cfg->audit_key);
    if (!*key || !**key)
        return jy_error_set(err, JY_ECONFIG, "no secret named %s in the secrets file",
                            c->cfg->audit_key);
    return 0;
}

static void audit_print_check(const struct store_audit_check *chk)
{
    if (chk->bad_id) {
        printf("audit chain BROKEN at row %lld: %s (%lld rows checked)\n", (long long)chk->bad_id,
               chk->why, (long long)chk->rows);
        return;
    }
    if (chk->bad_seal) {
        printf("audit chain BROKEN: %s (%lld rows whole, %zu seals checked)\n", chk->why,
               (long long)chk->rows, chk->seals);
        return;
    }
    printf("audit chain ok: %lld rows, head %s\n", (long long)chk->rows, chk->head);
    if (chk->keyed)
        printf("keyed: %zu seals ok, rows 1-%lld sealed, last seal %s\n", chk->seals,
               (long long)chk->sealed_rows, chk->seal_mac);
    else if (chk->seals)
        printf("keyed: %zu seals not checked (no key)\n", chk->seals);
}

/* audit anchor: the head (and last seal) as one line, appended to a file
 * and/or sent to a channel (by default the configuration's), to be
 * compared later from outside. Each is noted like the collector's daily
 * anchor (see src/collect/seal.c), so that `jingyu status` shows it. */
static int audit_anchor(struct cli *c, const struct opts *o, const struct store_audit_check *chk,
                        bool keyed)
{
    char *line = collect_anchor_line(chk, c->now);
    fputs(line, stdout);
    int rc = 0;
    struct jy_error err = {0};
    const char *file = opt(o, "--file") ? opt(o, "--file") : c->cfg->audit_anchor;
    if (file) {
        int e = collect_anchor_append(file, line, &err);
        if (e)
            fprintf(stderr, "%s: %s\n", c->name, err.msg);
        struct jy_error nerr = {0};
        if (keyed || actor_can_write(&c->me)) /* a viewer writes nothing */
            store_audit_upkeep_note(c->st, "anchor:file", file, c->now, e ? err.msg : NULL, &nerr);
        if (e)
            rc = CMD_EXIT_RUNTIME;
        jy_error_clear(&err);
    }
    const char *channel = opt(o, "--channel") ? opt(o, "--channel") : c->cfg->audit_anchor_channel;
    if (!rc && channel) {
        size_t i = 0;
        while (i < c->cfg->notify.n_channels && strcmp(c->cfg->notify.channels[i].name, channel))
            i++;
        int e = 0;
        if (i == c->cfg->notify.n_channels)
            rc = usage_error(c, "no such channel");
        else if (!keyed && (e = actor_check_write(&c->me, &err)))
            rc = fail(c, e, &err);
        else if ((e = store_outbox_add(c->st, &channel, 1, "audit.anchor", 0, "审计链锚点", line,
                                       c->now, &err)))
            rc = fail(c, e, &err);
        else
            store_audit_upkeep_note(c->st, "anchor:channel", channel, c->now, NULL, &err);
    }
    free(line);
    return rc;
}

static int audit_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos == 1 ? o->pos[0] : "";
    if (!strcmp(verb, "verify") || !strcmp(verb, "seal") || !strcmp(verb, "anchor")) {
        struct notify_secrets sec;
        const char *key = NULL;
        if ((rc = audit_key_load(c, &sec, &key, &err))) {
            if (strcmp(verb, "verify")) {
                rc = fail(c, rc, &err);
                notify_secrets_free(&sec);
                return rc;
            }
            /* verify still checks the rows; the seals need the key */
            fprintf(stderr, "%s: seals not checked: %s\n", c->name, err.msg);
            jy_error_clear(&err);
            key = NULL;
        }
        if (!strcmp(verb, "seal") && !key) {
            notify_secrets_free(&sec);
            return usage_error(c, "audit seal needs audit.key (a secret in notify.secrets)");
        }
        struct store_audit_check chk;
        rc = key && strcmp(verb, "verify") ? store_audit_seal(c->st, key, c->now, &chk, &err)
                                           : store_audit_verify(c->st, key, &chk, &err);
        notify_secrets_free(&sec);
        if (rc && rc != JY_ESTATE)
            return fail(c, rc, &err);
        audit_print_check(&chk);
        if (chk.bad_id || chk.bad_seal)
            return CMD_EXIT_RUNTIME;
        if (!strcmp(verb, "anchor"))
            rc = audit_anchor(c, o, &chk, key != NULL);
    } else if (!strcmp(verb, "log")) {
        int64_t id = 0, limit = 50, offset = 0;
        const char *v = opt(o, "--incident");
        if ((v && !parse_id(v, &id)) || ((v = opt(o, "--limit")) && !parse_id(v, &limit)) ||
            ((v = opt(o, "--offset")) && strcmp(v, "0") && !parse_id(v, &offset))) {
            rc = usage_error(c, "--incident, --limit and --offset need numbers");
            return rc;
        }
        struct store_audit *a;
        size_t n;
        bool more = false;
        if ((rc = store_audit_page(c->st, id ? "incident" : NULL, id, (size_t)offset, (size_t)limit,
                                   &a, &n, &more, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        for (size_t i = n; i-- > 0;) {
            char t[32];
            fmt_time(a[i].at, t, sizeof t);
            char *after = a[i].after ? utf8_sanitize(a[i].after, strlen(a[i].after), 0) : NULL;
            printf("%lld\t%s\t%s\t%s\t%s#%lld\t%s\n", (long long)a[i].id, t, a[i].actor,
                   a[i].action, a[i].object, (long long)a[i].object_id, after ? after : "");
            free(after);
        }
        store_audit_free(a, n);
        if (more)
            fprintf(stderr,
                    "%s: older rows not shown: the %lld above are the newest from offset %lld; "
                    "add --offset %lld for the next page\n",
                    c->name, (long long)n, (long long)offset, (long long)(offset + (int64_t)n));
    } else {
        rc = usage_error(c, "usage: audit verify | seal | anchor [--file F] [--channel NAME] | "
                            "log [--incident ID] [--limit N] [--offset N]");
    }
    return rc;
}

static const struct verb_opts audit_opts[] = {
    {"verify", ""}, {"log", "--incident --limit --offset"},
    {"seal", ""},   {"anchor", "--file --channel"},
    {NULL, NULL},
};

int cmd_audit(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu audit", argc, argv, audit_opts, audit_main);
}

/* ---- silences ---------------------------------------------------------------------- */

/* --source: an id or a source's name. */
static int source_ref(const struct cli *c, const char *v, int64_t *id, struct jy_error *err)
{
    if (parse_id(v, id))
        return 0;
    struct store_source *src;
    size_t n;
    int rc = store_sources_list(c->st, &src, &n, err);
    if (rc)
        return rc;
    *id = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(src[i].name, v))
            *id = src[i].id;
    store_sources_free(src, n);
    return *id ? 0 : jy_error_set(err, JY_ENOTFOUND, "没有信源「%s」", v);
}

static void silence_print(const struct store_silence *x, bool json)
{
    char created[32], until[32], expired[32];
    fmt_time(x->created_at, created, sizeof created);
    fmt_time(x->until, until, sizeof until);
    fmt_time(x->expired_at, expired, sizeof expired);
    if (json) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "id", true);
        jy_buf_json_int(&b, x->id);
        json_kv_str(&b, "kind", x->event_id ? "event" : "source", false);
        json_kv_int(&b, x->event_id ? "event_id" : "source_id",
                    x->event_id ? x->event_id : x->source_id);
        json_kv_str(&b, "target", x->target, false);
        json_kv_str(&b, "reason", x->reason, false);
        json_kv_str(&b, "owner", x->created_by, false);
        json_kv_int(&b, "created_at", x->created_at);
        json_kv_int(&b, "until", x->until);
        json_kv_str(&b, "expired_by", x->expired_by, false);
        json_kv_int(&b, "expired_at", x->expired_at);
        jy_buf_json_key(&b, "active", false);
        jy_buf_puts(&b, x->active ? "true}" : "false}");
        printf("%s\n", b.data);
        jy_buf_free(&b);
        return;
    }
    char *target = utf8_sanitize(x->target ? x->target : "", strlen(x->target ? x->target : ""), 0);
    char *reason = utf8_sanitize(x->reason, strlen(x->reason), 0);
    printf("#%lld	%s #%lld %s	%s 设于 %s	至 %s	%s", (long long)x->id,
           x->event_id ? "事件" : "信源", (long long)(x->event_id ? x->event_id : x->source_id),
           target, x->created_by, created, until, reason);
    if (x->expired_at)
        printf("	已由 %s 于 %s 解除", x->expired_by ? x->expired_by : "?", expired);
    else if (!x->active)
        printf("	已到期");
    printf("\n");
    free(target);
    free(reason);
}

static int silence_main(struct cli *c, const struct opts *o)
{
    const char *verb = o->n_pos ? o->pos[0] : "";
    struct jy_error err = {0};
    int rc;
    if (!strcmp(verb, "add") && o->n_pos == 1) {
        int64_t event_id = 0, source_id = 0, until;
        const char *ev = opt(o, "--event"), *so = opt(o, "--source"), *un = opt(o, "--until");
        if ((!ev) == (!so))
            return usage_error(c, "silence add needs --event ID or --source ID");
        if (ev && !parse_id(ev, &event_id))
            return usage_error(c, "--event needs an event id");
        if (so && (rc = source_ref(c, so, &source_id, &err)))
            return fail(c, rc, &err);
        if (!un)
            return usage_error(c, "silence add needs --until TIME (2h, 1d, 2026-12-01 18:00)");
        if (jy_time_parse_until(un, c->now, &until)) {
            fprintf(stderr, "%s: --until: not a time: %s (use 2h, 30m, 1d or 2026-12-01 18:00)\n",
                    c->name, un);
            return CMD_EXIT_USAGE;
        }
        int64_t id;
        if ((rc = store_silence_add(c->st, &c->me, event_id, source_id, opt(o, "--reason"), until,
                                    c->now, &id, &err)))
            return fail(c, rc, &err);
        printf("%lld\n", (long long)id);
        return 0;
    }
    if (!strcmp(verb, "list") && o->n_pos == 1) {
        struct store_silence *v;
        size_t n;
        if ((rc = store_silences_list(c->st, flag(o, "--all"), c->now, 500, &v, &n, &err)))
            return fail(c, rc, &err);
        for (size_t i = 0; i < n; i++)
            silence_print(&v[i], flag(o, "--json"));
        store_silences_free(v, n);
        return 0;
    }
    if (!strcmp(verb, "expire") && o->n_pos == 2) {
        int64_t id;
        if (!parse_id(o->pos[1], &id))
            return usage_error(c, "silence expire needs a silence id");
        if ((rc = store_silence_expire(c->st, &c->me, id, c->now, &err)))
            return fail(c, rc, &err);
        return 0;
    }
    return usage_error(c, "usage: silence add (--event ID | --source ID) --reason R --until TIME "
                          "| silence list [--all] [--json] | silence expire ID");
}

static const struct verb_opts silence_opts[] = {
    {"add", "--event --source --reason --until"},
    {"list", "--all --json"},
    {"expire", ""},
    {NULL, NULL},
};

int cmd_silence(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu silence", argc, argv, silence_opts, silence_main);
}

/* ---- kpi --------------------------------------------------------------------------- */

static int kpi_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    const char *fs = opt(o, "--from"), *ts = opt(o, "--to");
    int64_t from, to;
    bool to_date;
    if (!fs || !ts || jy_time_parse(fs, &from, NULL) || jy_time_parse(ts, &to, &to_date)) {
        rc = usage_error(c, "usage: kpi --from DATE --to DATE [--json] (DATE as 2026-12-01)");
        return rc;
    }
    if (to_date)
        to += 86400; /* --to names the last day counted */
    struct kpi k[KPI_N];
    struct jy_error err = {0};
    if ((rc = store_kpi(c->st, &c->cfg->incident, from, to, c->now, k, &err))) {
        rc = fail(c, rc, &err);
        return rc;
    }
    struct jy_buf b;
    jy_buf_init(&b, 0);
    bool json = flag(o, "--json");
    if (json) { /* one document: the period, then each KPI */
        jy_buf_puts(&b, "{");
        json_kv_str(&b, "from", fs, true);
        json_kv_str(&b, "to", ts, false);
        jy_buf_json_key(&b, "kpis", false);
        jy_buf_puts(&b, "[");
    }
    for (int i = 0; i < KPI_N; i++) {
        if (json) {
            jy_buf_puts(&b, i ? ",{" : "{");
            json_kv_str(&b, "kpi", k[i].key, true);
            json_kv_str(&b, "label", k[i].label, false);
            json_kv_str(&b, "definition", k[i].definition, false);
            jy_buf_json_key(&b, "numerator", false);
            jy_buf_json_num(&b, k[i].numerator, 2);
            jy_buf_json_key(&b, "denominator", false);
            jy_buf_json_num(&b, k[i].denominator, 2);
            jy_buf_json_key(&b, "value", false);
            if (k[i].defined)
                jy_buf_json_num(&b, k[i].value, 2);
            else
                jy_buf_puts(&b, "null");
            jy_buf_json_key(&b, "target", false);
            jy_buf_json_num(&b, k[i].target, 2);
            jy_buf_json_key(&b, "below_target", false);
            jy_buf_puts(&b, k[i].below ? "true" : "false");
            jy_buf_puts(&b, "}");
            continue;
        }
        char value[32];
        if (!k[i].defined)
            snprintf(value, sizeof value, "—");
        else if (k[i].kind == KPI_SATISFACTION)
            snprintf(value, sizeof value, "%.1f", k[i].value);
        else
            snprintf(value, sizeof value, "%.1f%%", k[i].value);
        printf("%s\t%s\t%g/%g\t目标 %g%s\t%s%s\n", k[i].label, value, k[i].numerator,
               k[i].denominator, k[i].target, k[i].kind == KPI_SATISFACTION ? "" : "%",
               k[i].below ? "低于目标\t" : "", k[i].definition);
    }
    if (json)
        printf("%s]}\n", b.data);
    jy_buf_free(&b);
    return rc;
}

static const struct verb_opts kpi_opts[] = {
    {"*", "--from --to --json"},
    {NULL, NULL},
};

int cmd_kpi(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu kpi", argc, argv, kpi_opts, kpi_main);
}

/* ---- duty and handover ---------------------------------------------------------------- */

static bool opt_day(const struct cli *c, const struct opts *o, const char *key, int64_t *day,
                    int64_t dflt)
{
    const char *v = opt(o, key);
    *day = dflt;
    if (!v)
        return true;
    if (roster_day_parse(v, day)) {
        fprintf(stderr, "%s: %s: not a date: %s (use 2026-12-01)\n", c->name, key, v);
        return false;
    }
    return true;
}

static void print_slots(const struct config *cfg, const struct roster_slot *v, size_t n,
                        int64_t from, int64_t to)
{
    static const char *const wd[] = {"一", "二", "三", "四", "五", "六", "日"};
    size_t ng;
    struct roster_gap *gaps = roster_gaps(&cfg->duty, v, n, from, to, &ng);
    for (int64_t day = from; day <= to; day++) {
        char d[16];
        roster_day_format(day, d);
        for (size_t s = 0; s < cfg->duty.n_shifts; s++) {
            const struct duty_shift *sh = &cfg->duty.shifts[s];
            printf("%s 周%s %s", d, wd[roster_weekday(day)], sh->name);
            for (size_t p = 0; p < sh->n_posts; p++) {
                const struct roster_slot *x = NULL;
                for (size_t i = 0; i < n && !x; i++)
                    if (v[i].day == day && !strcmp(v[i].shift, sh->name) &&
                        !strcmp(v[i].post, sh->posts[p]))
                        x = &v[i];
                if (x && !x->login[0])
                    x = NULL; /* emptied on purpose */
                if (x)
                    printf("\t%s=%s%s", sh->posts[p], x->name ? x->name : x->login,
                           !strcmp(x->source, "rotation") ? ""
                           : !strcmp(x->source, "swap")   ? "(换)"
                                                          : "(调)");
                else
                    printf("\t%s=缺", sh->posts[p]);
            }
            printf("\n");
        }
    }
    free(gaps);
}

static int duty_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    int64_t today = roster_day_of(&c->cfg->duty, c->now);
    /* between midnight and the day shift's start the shift on duty began the
     * day before: "today" for the schedule is its day, or generating from
     * today would leave the shift on duty now empty */
    size_t shift;
    int64_t shift_day;
    if (roster_shift_at(&c->cfg->duty, c->now, &shift, &shift_day) && shift_day < today)
        today = shift_day;
    const char *verb = o->n_pos ? o->pos[0] : "show";
    if (!strcmp(verb, "generate")) {
        int64_t from, to;
        if (!opt_day(c, o, "--from", &from, today) || !opt_day(c, o, "--to", &to, from + 27)) {
            rc = CMD_EXIT_USAGE;
            return rc;
        }
        int written;
        if ((rc = store_duty_generate(c->st, &c->me, &c->cfg->duty, from, to, c->now, &written,
                                      &err)))
            rc = fail(c, rc, &err);
        else
            printf("%d\n", written);
    } else if (!strcmp(verb, "set")) {
        int64_t day;
        if (o->n_pos < 4 || roster_day_parse(o->pos[1], &day)) {
            rc = usage_error(c, "usage: duty set DAY SHIFT POST [--login LOGIN] (none: empty it)");
            return rc;
        }
        const char *login = opt(o, "--login");
        if ((rc = store_duty_set(c->st, &c->me, &c->cfg->duty, day, o->pos[2], o->pos[3], login,
                                 c->now, &err)))
            rc = fail(c, rc, &err);
    } else if (!strcmp(verb, "swap")) {
        int64_t d1, d2;
        if (o->n_pos != 3 || roster_day_parse(o->pos[1], &d1) || roster_day_parse(o->pos[2], &d2) ||
            !opt(o, "--first") || !opt(o, "--second")) {
            rc = usage_error(c, "usage: duty swap DAY1 DAY2 --first LOGIN1 --second LOGIN2");
            return rc;
        }
        if ((rc = store_duty_swap(c->st, &c->me, d1, opt(o, "--first"), d2, opt(o, "--second"),
                                  c->now, &err)))
            rc = fail(c, rc, &err);
    } else if (!strcmp(verb, "show") || !strcmp(verb, "gaps")) {
        bool gaps_only = !strcmp(verb, "gaps");
        int64_t from, to;
        if (!opt_day(c, o, "--from", &from, today) ||
            !opt_day(c, o, "--to", &to, from + (gaps_only ? c->cfg->duty.gap_days - 1 : 6))) {
            rc = CMD_EXIT_USAGE;
            return rc;
        }
        struct roster_slot *v;
        size_t n;
        if ((rc = store_duty_range(c->st, from, to, &v, &n, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        if (gaps_only) {
            size_t ng;
            struct roster_gap *g = roster_gaps(&c->cfg->duty, v, n, from, to, &ng);
            for (size_t i = 0; i < ng; i++) {
                char d[16];
                roster_day_format(g[i].day, d);
                printf("%s\t%s\t%s\n", d, g[i].shift, g[i].post);
            }
            free(g);
            rc = ng ? CMD_EXIT_RUNTIME : 0; /* scripts can alarm on a gap */
        } else {
            print_slots(c->cfg, v, n, from, to);
        }
        roster_slots_free(v, n);
    } else if (!strcmp(verb, "now")) {
        struct roster_slot *v;
        size_t n;
        if ((rc = store_duty_at(c->st, &c->cfg->duty, c->now, &v, &n, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++)
            printf("%s\t%s\t%s\t%s\n", v[i].shift, v[i].post, v[i].login,
                   v[i].name ? v[i].name : "");
        if (!n)
            printf("未排班\n");
        roster_slots_free(v, n);
    } else {
        rc = usage_error(c, "usage: duty show|gaps|now|generate|set|swap");
    }
    return rc;
}

static const struct verb_opts duty_opts[] = {
    {"", "--from --to"},
    {"show", "--from --to"},
    {"gaps", "--from --to"},
    {"generate", "--from --to"},
    {"set", "--login"},
    {"swap", "--first --second"},
    {"now", ""},
    {NULL, NULL},
};

int cmd_duty(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu duty", argc, argv, duty_opts, duty_main);
}

static int handover_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos ? o->pos[0] : "list";
    if (!strcmp(verb, "prefill") || !strcmp(verb, "write")) {
        char *pre = NULL;
        if ((rc = store_handover_prefill(c->st, &c->cfg->duty, &c->cfg->incident, c->now, &pre,
                                         &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        if (!strcmp(verb, "prefill")) {
            fputs(pre, stdout);
        } else {
            int64_t id;
            rc = store_handover_write(c->st, &c->me, &c->cfg->duty, opt(o, "--to"),
                                      opt(o, "--note"), pre, c->now, &id, &err);
            if (rc)
                rc = fail(c, rc, &err);
            else
                printf("%lld\n", (long long)id);
        }
        free(pre);
    } else if (!strcmp(verb, "ack")) {
        int64_t id;
        if (o->n_pos != 2 || !parse_id(o->pos[1], &id)) {
            rc = usage_error(c, "usage: handover ack ID [--as-leader]");
            return rc;
        }
        if ((rc = store_handover_ack(c->st, &c->me, id, flag(o, "--as-leader"), c->now, &err)))
            rc = fail(c, rc, &err);
    } else if (!strcmp(verb, "list")) {
        struct store_handover *v;
        size_t n;
        if ((rc = store_handovers_list(c->st, opt(o, "--search"), 50, &v, &n, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            char t[32];
            fmt_time(v[i].written_at, t, sizeof t);
            printf("#%lld %s %s → %s ", (long long)v[i].id, t, v[i].from_login,
                   v[i].to_login ? v[i].to_login : "-");
            if (!v[i].acked_by)
                printf("未确认\n");
            else if (v[i].acked_as_leader)
                printf("由带班领导 %s 代为确认\n", v[i].acked_by);
            else
                printf("%s 已接班\n", v[i].acked_by);
            print_clean("  ", v[i].note);
        }
        store_handovers_free(v, n);
    } else {
        rc = usage_error(c, "usage: handover prefill|write [--note T] [--to LOGIN]|ack ID "
                            "[--as-leader]|list [--search WORDS]");
    }
    return rc;
}

static const struct verb_opts handover_opts[] = {
    {"", "--search"},       {"prefill", ""},      {"write", "--note --to"},
    {"ack", "--as-leader"}, {"list", "--search"}, {NULL, NULL},
};

int cmd_handover(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu handover", argc, argv, handover_opts, handover_main);
}

/* ---- notifications ---------------------------------------------------------------------- */

static volatile int notify_stop;

static void on_notify_stop(int sig)
{
    (void)sig;
    notify_stop = 1;
}

static int notify_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos ? o->pos[0] : "status";
    if (!strcmp(verb, "run")) {
        /* escalation and delivery; --once for one pass (tests, cron) */
        struct sigaction sa = {0};
        sa.sa_handler = on_notify_stop;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        notify_stop = 0;
        bool once = flag(o, "--once");
        do {
            struct notify_stats ns;
            jy_error_clear(&err);
            if ((rc = notify_pass_until(c->st, c->cfg, jy_now(), &notify_stop, &ns, &err))) {
                /* once: that is the answer; running: say it and carry on */
                int code = fail(c, rc, &err);
                if (once) {
                    rc = code;
                    break;
                }
                rc = 0;
            }
            if (once || ns.escalated || ns.sent || ns.failed || ns.digests)
                printf("escalated %d, sent %d, failed %d, digests %d, deferred %d\n", ns.escalated,
                       ns.sent, ns.failed, ns.digests, ns.deferred);
            fflush(stdout);
            for (int i = 0; i < 20 && !once && !notify_stop; i++)
                usleep(100 * 1000);
        } while (!once && !notify_stop);
    } else if (!strcmp(verb, "send")) {
        /* a message by hand: to one channel or all */
        const char *subject = opt(o, "--subject"), *body = opt(o, "--body");
        if (!subject) {
            rc = usage_error(c, "usage: notify send --subject S [--body B] [--channel NAME]");
            return rc;
        }
        if ((rc = actor_check_write(&c->me, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        const char *one = opt(o, "--channel");
        const char **names = xcalloc(c->cfg->notify.n_channels + 1, sizeof *names);
        size_t n = 0;
        for (size_t i = 0; i < c->cfg->notify.n_channels; i++)
            if (!one || !strcmp(one, c->cfg->notify.channels[i].name))
                names[n++] = c->cfg->notify.channels[i].name;
        if (!n)
            rc = usage_error(c, "no such channel");
        else if ((rc = store_outbox_add(c->st, names, n, "manual", 0, subject, body ? body : "",
                                        c->now, &err)))
            rc = fail(c, rc, &err);
        free(names);
    } else if (!strcmp(verb, "status")) {
        struct store_outbox *v;
        size_t n;
        if ((rc = store_outbox_list(c->st, NULL, 100, &v, &n, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            char t[32];
            fmt_time(v[i].created_at, t, sizeof t);
            char *subj = utf8_sanitize(v[i].subject, strlen(v[i].subject), 0);
            printf("#%lld\t%s\t%s\t%s\t%d\t%s\t%s\n", (long long)v[i].id, t, v[i].channel,
                   v[i].status, v[i].attempts, subj, v[i].last_error ? v[i].last_error : "");
            free(subj);
        }
        store_outbox_free(v, n);
    } else {
        rc = usage_error(c, "usage: notify run [--once] | send --subject S [--body B] "
                            "[--channel NAME] | status");
    }
    return rc;
}

static const struct verb_opts notify_opts[] = {
    {"", ""},     {"status", ""}, {"run", "--once"}, {"send", "--subject --body --channel"},
    {NULL, NULL},
};

int cmd_notify(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu notify", argc, argv, notify_opts, notify_main);
}

/* ---- directories ------------------------------------------------------------------------- */

static int directory_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    int k = o->n_pos >= 2 ? store_dir_kind(o->pos[1]) : -1;
    if (k < 0) {
        rc = usage_error(c, "usage: directory list|export|import people|units|experts|media|"
                            "training [FILE] [--search WORDS]");
        return rc;
    }
    const struct dir_desc *d = store_dir_desc((enum dir_kind)k);
    if (!strcmp(o->pos[0], "list")) {
        char ***rows;
        size_t n;
        if ((rc = store_dir_list(c->st, (enum dir_kind)k, opt(o, "--search"), 1000, &rows, &n,
                                 &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        for (size_t r = 0; r < n; r++) {
            for (size_t i = 0; i < d->n_cols; i++) {
                char *clean = utf8_sanitize(rows[r][i], strlen(rows[r][i]), 0);
                printf("%s%s", i ? "\t" : "", clean);
                free(clean);
            }
            printf("\n");
        }
        store_dir_rows_free(rows, n, d->n_cols);
    } else if (!strcmp(o->pos[0], "export")) {
        char *csv;
        if ((rc = store_dir_export(c->st, (enum dir_kind)k, &csv, &err))) {
            rc = fail(c, rc, &err);
            return rc;
        }
        fputs(csv, stdout);
        free(csv);
    } else if (!strcmp(o->pos[0], "import") && o->n_pos == 3) {
        char *text;
        size_t len;
        if (jy_read_file(o->pos[2], 16u << 20, &text, &len, &err)) {
            rc = fail(c, JY_EIO, &err);
            return rc;
        }
        int added, updated;
        rc = store_dir_import(c->st, &c->me, (enum dir_kind)k, text, len, c->now, &added, &updated,
                              &err);
        free(text);
        if (rc)
            rc = fail(c, rc, &err);
        else
            printf("%s: %d added, %d updated\n", d->key, added, updated);
    } else {
        rc = usage_error(c, "usage: directory list|export|import KIND [FILE]");
    }
    return rc;
}

static const struct verb_opts directory_opts[] = {
    {"list", "--search"},
    {"export", ""},
    {"import", ""},
    {NULL, NULL},
};

int cmd_directory(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu directory", argc, argv, directory_opts, directory_main);
}
