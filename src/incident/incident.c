/* incident.c: the workflow's rules. The transition table below is the whole
 * state machine: a move not in it is refused, and a move in it is refused
 * when the step it needs has not been done. Forward moves follow the work
 * plan's order; returns go back to where real work is redone (new facts
 * reopen verification; a follow-up report (续报) goes back to approval); a
 * closed incident reopens into follow-up, with a reason, by a leader. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incident.h"

_Static_assert(INC_N_CLOCKS == INCIDENT_N_CLOCKS, "clock lists of config and incident differ");

/* ---- roles --------------------------------------------------------------- */

static const struct {
    unsigned bit;
    const char *name, *label;
} roles[] = {
    {ROLE_OPERATOR, "operator", "值班员"},   {ROLE_LEADER, "leader", "带班领导"},
    {ROLE_APPROVER, "approver", "审批领导"}, {ROLE_ADMIN, "admin", "管理员"},
    {ROLE_VIEWER, "viewer", "只读"},
};
#define N_ROLES (sizeof roles / sizeof roles[0])

void incident_login(bool from_env, char *out, size_t size)
{
    const char *env = from_env ? getenv("JINGYU_USER") : NULL;
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name)
        snprintf(out, size, "%s", res->pw_name);
    else
        snprintf(out, size, "uid%u", (unsigned)getuid());
}

int role_parse(const char *s, unsigned *out, struct jy_error *err)
{
    *out = 0;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, ", ");
        if (n) {
            size_t i = 0;
            while (i < N_ROLES && !(strlen(roles[i].name) == n && !strncmp(p, roles[i].name, n)))
                i++;
            if (i == N_ROLES)
                return jy_error_set(err, JY_EINVAL,
                                    "unknown role \"%.*s\" (known: operator, leader, approver, "
                                    "admin, viewer)",
                                    (int)n, p);
            *out |= roles[i].bit;
        }
        p += n;
        p += strspn(p, ", ");
    }
    if (!*out)
        return jy_error_set(err, JY_EINVAL, "no role given");
    return 0;
}

static void roles_join(unsigned r, bool zh, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_ROLES; i++) {
        if (!(r & roles[i].bit))
            continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? (zh ? "、" : ",") : "",
                         zh ? roles[i].label : roles[i].name);
        if (w < 0 || (size_t)w >= size - len)
            break;
        len += (size_t)w;
    }
}

void role_format(unsigned r, char *buf, size_t size)
{
    roles_join(r, false, buf, size);
}

void role_format_zh(unsigned r, char *buf, size_t size)
{
    roles_join(r, true, buf, size);
}

bool actor_has(const struct actor *a, unsigned role)
{
    return a && !a->read_only && (a->roles & role);
}

bool actor_can_write(const struct actor *a)
{
    return actor_has(a, ROLE_OPERATOR | ROLE_LEADER | ROLE_APPROVER | ROLE_ADMIN);
}

int actor_check_write(const struct actor *a, struct jy_error *err)
{
    if (actor_can_write(a))
        return 0;
    if (a && a->read_only)
        return jy_error_set(err, JY_EPERM, "只读模式：不能修改");
    if (a && !a->known)
        return jy_error_set(err, JY_EPERM, "用户 %s 未登记，只有查看权限", a->login);
    return jy_error_set(err, JY_EPERM, "%s 只有查看权限", a ? a->name : "?");
}

/* ---- states -------------------------------------------------------------- */

static const char *const state_names[INC_N_STATES] = {
    "assessment", "response", "verification", "approval", "released", "followup", "closed"};
static const char *const state_labels[INC_N_STATES] = {"研判", "响应", "核查", "审批",
                                                       "发布", "跟踪", "办结"};

const char *inc_state_name(enum inc_state s)
{
    return (unsigned)s < INC_N_STATES ? state_names[s] : "?";
}

const char *inc_state_label(enum inc_state s)
{
    return (unsigned)s < INC_N_STATES ? state_labels[s] : "?";
}

int inc_state_parse(const char *s)
{
    for (int i = 0; i < INC_N_STATES; i++) {
        if (!strcmp(s, state_names[i]) || !strcmp(s, state_labels[i]))
            return i;
    }
    return -1;
}

/* What a move needs done before it. */
enum need {
    NEED_NOTHING,
    NEED_ASSESSED,
    NEED_RESPONSE,
    NEED_VERIFIED,
    NEED_PUBLISHED, /* an approved release published (store publishes and moves in one) */
    NEED_CLOSURE
};

static const struct transition {
    enum inc_state from, to;
    enum inc_move move;
    enum need need;
} transitions[] = {
    {INC_ASSESSMENT, INC_RESPONSE, MOVE_FORWARD, NEED_ASSESSED},
    {INC_RESPONSE, INC_VERIFICATION, MOVE_FORWARD, NEED_RESPONSE},
    {INC_VERIFICATION, INC_APPROVAL, MOVE_FORWARD, NEED_VERIFIED},
    {INC_APPROVAL, INC_RELEASED, MOVE_FORWARD, NEED_PUBLISHED},
    {INC_RELEASED, INC_FOLLOWUP, MOVE_FORWARD, NEED_NOTHING},
    {INC_FOLLOWUP, INC_CLOSED, MOVE_FORWARD, NEED_CLOSURE},
    /* a follow-up report (续报) is drafted and approved again */
    {INC_FOLLOWUP, INC_APPROVAL, MOVE_FORWARD, NEED_NOTHING},
    /* new facts reopen verification */
    {INC_APPROVAL, INC_VERIFICATION, MOVE_RETURN, NEED_NOTHING},
    {INC_RELEASED, INC_VERIFICATION, MOVE_RETURN, NEED_NOTHING},
    {INC_FOLLOWUP, INC_VERIFICATION, MOVE_RETURN, NEED_NOTHING},
    {INC_CLOSED, INC_FOLLOWUP, MOVE_REOPEN, NEED_NOTHING},
};
#define N_TRANSITIONS (sizeof transitions / sizeof transitions[0])

size_t incident_next_states(enum inc_state s, enum inc_state out[INC_N_STATES])
{
    size_t n = 0;
    for (size_t i = 0; i < N_TRANSITIONS; i++) {
        if (transitions[i].from == s)
            out[n++] = transitions[i].to;
    }
    return n;
}

bool inc_blank(const char *s)
{
    if (!s)
        return true;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_decode(s, strlen(s), &cp);
        if (!(cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x3000 ||
              (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0xFEFF))
            return false;
        s += n ? n : 1;
    }
    return true;
}

#define blank_text inc_blank

int incident_transition_check(const struct inc_facts *f, enum inc_state to, const struct actor *a,
                              const char *reason, enum inc_move *move, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if ((unsigned)to >= INC_N_STATES)
        return jy_error_set(err, JY_EINVAL, "没有这个状态");
    if (f->state == to)
        return jy_error_set(err, JY_ESTATE, "已经处于「%s」", inc_state_label(to));
    const struct transition *t = NULL;
    for (size_t i = 0; i < N_TRANSITIONS && !t; i++) {
        if (transitions[i].from == f->state && transitions[i].to == to)
            t = &transitions[i];
    }
    if (!t) {
        if (to > f->state && f->state != INC_CLOSED)
            return jy_error_set(err, JY_ESTATE, "不能从「%s」跳到「%s」：须先完成「%s」",
                                inc_state_label(f->state), inc_state_label(to),
                                inc_state_label(f->state + 1));
        return jy_error_set(err, JY_ESTATE, "不能从「%s」转到「%s」", inc_state_label(f->state),
                            inc_state_label(to));
    }
    switch (t->need) {
    case NEED_NOTHING:
        break;
    case NEED_ASSESSED:
        if (!f->assessed)
            return jy_error_set(err, JY_ESTATE, "研判未完成：须填写等级和处置策略");
        break;
    case NEED_RESPONSE:
        if (f->responses == 0)
            return jy_error_set(err, JY_ESTATE, "尚无首次回应：须先记录一次回应");
        break;
    case NEED_VERIFIED:
        if (!f->verified)
            return jy_error_set(err, JY_ESTATE, "核查未完成：须填写查明事实和核查人");
        break;
    case NEED_PUBLISHED:
        if (!f->release_approved)
            return jy_error_set(err, JY_ESTATE, "通报稿未经审批通过，不能发布");
        break;
    case NEED_CLOSURE:
        if (!f->closure_filled)
            return jy_error_set(err, JY_ESTATE, "办结表未填写：须填写处置结果和是否有效");
        break;
    }
    if (t->from == INC_FOLLOWUP && t->to == INC_APPROVAL && !f->release_published)
        return jy_error_set(err, JY_ESTATE, "尚未发布首次通报");
    if (t->move != MOVE_FORWARD && blank_text(reason))
        return jy_error_set(err, JY_ESTATE, "%s须说明理由",
                            t->move == MOVE_REOPEN ? "重新打开" : "退回");
    if (t->move == MOVE_REOPEN && !actor_has(a, ROLE_LEADER | ROLE_ADMIN))
        return jy_error_set(err, JY_EPERM, "只有带班领导可以重新打开已办结的工单");
    if (move)
        *move = t->move;
    return 0;
}

/* ---- incidents and forms ------------------------------------------------- */

void incident_clear(struct incident *inc)
{
    if (!inc)
        return;
    char **strs[] = {&inc->title,     &inc->category,    &inc->officer,    &inc->departments,
                     &inc->origin,    &inc->created_by,  &inc->updated_by, &inc->level_reason,
                     &inc->strategy,  &inc->facts,       &inc->evidence,   &inc->legal_opinion,
                     &inc->legal_by,  &inc->verified_by, &inc->outcome,    &inc->effective_why,
                     &inc->secondary, &inc->lessons};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        jy_free(strs[i]);
}

void incidents_free(struct incident *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        incident_clear(&v[i]);
    free(v);
}

struct inc_facts incident_facts(const struct incident *inc)
{
    struct inc_facts f = {
        .state = inc->state,
        .assessed = inc->level >= 1 && inc->level <= 4 && !blank_text(inc->strategy),
        .responses = inc->n_responses,
        .verified = !blank_text(inc->facts) && !blank_text(inc->verified_by),
        .release_approved = inc->release_approved,
        .release_published = inc->first_release_at != 0,
        .release_in_progress = inc->release_in_progress,
        .closure_filled =
            !blank_text(inc->outcome) && inc->effective >= 0 && !blank_text(inc->effective_why),
    };
    return f;
}

static const char *const form_labels[] = {"工单",     "研判", "首次回应", "核查",
                                          "发布审批", "办结", "协同任务"};

const char *inc_form_label(enum inc_form f)
{
    return (unsigned)f < sizeof form_labels / sizeof form_labels[0] ? form_labels[f] : "?";
}

const char *const inc_response_channels[] = {"官方微博", "官方微信",   "官方抖音",
                                             "媒体采访", "回电发帖人", "内部报告"};
const size_t inc_n_response_channels =
    sizeof inc_response_channels / sizeof inc_response_channels[0];
const char *const inc_release_channels[] = {"官方微博", "官方微信", "官方抖音", "官方网站",
                                            INC_BRIEFING_CHANNEL};
const size_t inc_n_release_channels = sizeof inc_release_channels / sizeof inc_release_channels[0];

bool inc_channel_known(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++) {
        if (!strcmp(list[i], s))
            return true;
    }
    return false;
}

static bool in_list(char *const *list, size_t n, const char *s)
{
    return inc_channel_known((const char *const *)list, n, s);
}

/* I..IV (without the analyzer's level_roman: the rules need no model) */
static const char *roman(int level)
{
    static const char *const r[] = {"-", "I", "II", "III", "IV"};
    return level >= 1 && level <= 4 ? r[level] : r[0];
}

static void add_error(struct field_error *errs, size_t *n, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_error(struct field_error *errs, size_t *n, const char *field, const char *fmt, ...)
{
    if (*n >= INC_MAX_FIELD_ERRORS)
        return;
    errs[*n].field = field;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(errs[*n].msg, sizeof errs[*n].msg, fmt, ap);
    va_end(ap);
    if (w >= (int)sizeof errs[*n].msg) { /* cut: never in the middle of a character */
        size_t len = strlen(errs[*n].msg);
        while (len > 0 && ((unsigned char)errs[*n].msg[len] & 0xC0) == 0x80)
            len--;
        errs[*n].msg[len] = '\0';
    }
    (*n)++;
}

#define TEXT_MAX 20000 /* bytes in one multi-line field */
#define LINE_MAX_FIELD 400

static void check_text(struct field_error *errs, size_t *n, const char *field, const char *s,
                       bool required, size_t max)
{
    if (required && blank_text(s))
        add_error(errs, n, field, "必填");
    else if (s && strlen(s) > max)
        add_error(errs, n, field, "太长（最多 %zu 字节）", max);
}

static void check_time(struct field_error *errs, size_t *n, const char *field, int64_t t,
                       int64_t not_before, int64_t now)
{
    if (t && t > now + 60)
        add_error(errs, n, field, "不能晚于现在");
    else if (t && not_before && t < not_before - 60) /* typed to the minute */
        add_error(errs, n, field, "不能早于工单开始");
}

/* Every department in "交警、治安" must be configured. */
static void check_departments(struct field_error *errs, size_t *n, const char *s,
                              const struct incident_config *ic)
{
    if (!s)
        return;
    const char *p = s;
    while (*p) {
        const char *sep = strstr(p, "、");
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        if (len) {
            char name[64];
            if (len >= sizeof name) {
                add_error(errs, n, "departments", "部门名太长");
                return;
            }
            memcpy(name, p, len);
            name[len] = '\0';
            if (!in_list(ic->departments, ic->n_departments, name)) {
                add_error(errs, n, "departments", "没有「%s」这个部门", name);
                return;
            }
        }
        p += len + (sep ? strlen("、") : 0);
    }
}

size_t incident_form_validate(enum inc_form form, const struct incident *inc,
                              const struct incident_config *ic, int64_t now,
                              struct field_error *errs)
{
    size_t n = 0;
    switch (form) {
    case FORM_HEADER:
        check_text(errs, &n, "title", inc->title, true, LINE_MAX_FIELD);
        if (blank_text(inc->category))
            add_error(errs, &n, "category", "必填");
        else if (!in_list(ic->categories, ic->n_categories, inc->category))
            add_error(errs, &n, "category", "没有「%s」这个类别", inc->category);
        if (inc->level < 1 || inc->level > 4)
            add_error(errs, &n, "level", "等级须为 I、II、III 或 IV");
        check_text(errs, &n, "officer", inc->officer, false, 63);
        check_departments(errs, &n, inc->departments, ic);
        check_text(errs, &n, "origin", inc->origin, false, LINE_MAX_FIELD);
        check_time(errs, &n, "started_at", inc->started_at, 0, now);
        break;
    case FORM_ASSESSMENT:
        if (inc->level < 1 || inc->level > 4)
            add_error(errs, &n, "level", "等级须为 I、II、III 或 IV");
        else if (inc->model_level && inc->level != inc->model_level &&
                 blank_text(inc->level_reason))
            add_error(errs, &n, "level_reason", "与模型等级（%s）不同，须写明定级理由",
                      roman(inc->model_level));
        check_text(errs, &n, "level_reason", inc->level_reason, false, TEXT_MAX);
        check_text(errs, &n, "strategy", inc->strategy, true, TEXT_MAX);
        if (inc->reported_up && !inc->reported_at)
            add_error(errs, &n, "reported_at", "已上报须填写上报时间");
        if (!inc->reported_up && inc->reported_at)
            add_error(errs, &n, "reported_at", "未上报不应有上报时间");
        check_time(errs, &n, "reported_at", inc->reported_at, inc->started_at, now);
        break;
    case FORM_VERIFICATION:
        check_text(errs, &n, "facts", inc->facts, true, TEXT_MAX);
        check_text(errs, &n, "evidence", inc->evidence, false, TEXT_MAX);
        check_text(errs, &n, "legal_opinion", inc->legal_opinion, false, TEXT_MAX);
        if (!blank_text(inc->legal_opinion) && blank_text(inc->legal_by))
            add_error(errs, &n, "legal_by", "有法制审核意见须写明审核人");
        check_text(errs, &n, "legal_by", inc->legal_by, false, 63);
        check_text(errs, &n, "verified_by", inc->verified_by, true, 63);
        break;
    case FORM_CLOSURE:
        check_text(errs, &n, "outcome", inc->outcome, true, TEXT_MAX);
        if (inc->effective < 0 || inc->effective > 1)
            add_error(errs, &n, "effective", "须选择有效或无效");
        check_text(errs, &n, "effective_why", inc->effective_why, true, TEXT_MAX);
        check_text(errs, &n, "secondary", inc->secondary, false, TEXT_MAX);
        check_text(errs, &n, "lessons", inc->lessons, false, TEXT_MAX);
        if (inc->satisfaction < -1 || inc->satisfaction > 100)
            add_error(errs, &n, "satisfaction", "满意度须在 0 到 100 之间");
        break;
    case FORM_RESPONSE:
    case FORM_RELEASE:
    case FORM_TASK:
        break; /* records of their own: store checks them as they are added */
    }
    return n;
}

/* ---- numbering ----------------------------------------------------------- */

void inc_zh_number(int n, char *buf, size_t size)
{
    static const char *const digit[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    static const char *const unit[] = {"", "十", "百", "千"};
    if (n <= 0 || n > 9999) {
        snprintf(buf, size, "%d", n);
        return;
    }
    char out[64] = "";
    int d[4] = {n / 1000, n / 100 % 10, n / 10 % 10, n % 10};
    int first = 0;
    while (d[first] == 0)
        first++;
    bool zero_pending = false;
    for (int i = first; i < 4; i++) {
        if (d[i] == 0) {
            zero_pending = true;
            continue;
        }
        if (zero_pending)
            strcat(out, digit[0]);
        zero_pending = false;
        /* 十一, not 一十一, when it leads */
        if (!(i == 2 && i == first && d[i] == 1))
            strcat(out, digit[d[i]]);
        strcat(out, unit[3 - i]);
    }
    snprintf(buf, size, "%s", out);
}

void inc_release_name(int seq, char *buf, size_t size)
{
    if (seq <= 1) {
        snprintf(buf, size, "首次通报");
        return;
    }
    char num[64];
    inc_zh_number(seq - 1, num, sizeof num);
    snprintf(buf, size, "续报%s", num);
}

/* ---- clocks -------------------------------------------------------------- */

static const char *const clock_labels[INC_N_CLOCKS] = {
    "预警确认", "内部上报", "首次回应（黄金4小时）", "发布权威信息", "新闻发布会",
    "回应关切", "公布结果"};

const char *inc_clock_name(enum inc_clock_kind k)
{
    return (unsigned)k < INC_N_CLOCKS ? incident_clock_keys[k] : "?";
}

const char *inc_clock_label(enum inc_clock_kind k)
{
    return (unsigned)k < INC_N_CLOCKS ? clock_labels[k] : "?";
}

static int64_t clock_met_at(const struct incident *inc, enum inc_clock_kind k)
{
    switch (k) {
    case CLOCK_ACK:
        return inc->acked_at;
    /* due from ack_from: see incident_clocks */
    case CLOCK_REPORT:
        return inc->reported_up ? inc->reported_at : 0;
    case CLOCK_HOLDING:
    case CLOCK_RESPONSE:
        return inc->first_response_at;
    case CLOCK_AUTHORITATIVE:
        return inc->first_release_at;
    case CLOCK_BRIEFING:
        return inc->briefing_at;
    case CLOCK_RESULT:
        if (inc->final_release_at && inc->closed_at)
            return inc->final_release_at < inc->closed_at ? inc->final_release_at : inc->closed_at;
        return inc->final_release_at ? inc->final_release_at : inc->closed_at;
    case INC_N_CLOCKS:
        break;
    }
    return 0;
}

static int clock_cmp(const void *a, const void *b)
{
    const struct inc_clock *x = a, *y = b;
    if (x->due_at != y->due_at)
        return x->due_at < y->due_at ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

size_t incident_clocks(const struct incident *inc, const struct incident_config *ic, int64_t now,
                       struct inc_clock out[INC_N_CLOCKS])
{
    int level = inc->level >= 1 && inc->level <= 4 ? inc->level : 4;
    /* a closed incident's clocks stop at its closing */
    int64_t at = inc->state == INC_CLOSED && inc->closed_at ? inc->closed_at : now;
    size_t n = 0;
    for (int k = 0; k < INC_N_CLOCKS; k++) {
        int minutes = ic->deadlines[level][k];
        if (minutes <= 0)
            continue;
        struct inc_clock *c = &out[n++];
        c->kind = (enum inc_clock_kind)k;
        /* the acknowledgement is due from the alert, the rest from the start */
        int64_t from = k == CLOCK_ACK && inc->ack_from ? inc->ack_from : inc->started_at;
        c->due_at = from + (int64_t)minutes * 60;
        c->met_at = clock_met_at(inc, c->kind);
        if (c->met_at)
            c->status = c->met_at <= c->due_at ? CLOCK_MET : CLOCK_LATE;
        else
            c->status = at > c->due_at ? CLOCK_OVERDUE : CLOCK_PENDING;
    }
    qsort(out, n, sizeof *out, clock_cmp);
    return n;
}

const struct inc_clock *incident_next_clock(const struct inc_clock *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].status == CLOCK_OVERDUE)
            return &c[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (c[i].status == CLOCK_PENDING)
            return &c[i];
    }
    return NULL;
}

bool incident_on_time(const struct inc_clock *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].status == CLOCK_OVERDUE || c[i].status == CLOCK_LATE)
            return false;
    }
    return true;
}

struct sort_key {
    int group; /* 0 overdue, 1 open, 2 closed */
    int64_t key;
};

static struct sort_key sort_key_of(const struct incident *inc, const struct incident_config *ic,
                                   int64_t now)
{
    struct inc_clock c[INC_N_CLOCKS];
    size_t n = incident_clocks(inc, ic, now, c);
    const struct inc_clock *next = incident_next_clock(c, n);
    if (inc->state == INC_CLOSED)
        return (struct sort_key){2, -inc->closed_at};
    if (next && next->status == CLOCK_OVERDUE)
        return (struct sort_key){0, next->due_at};
    return (struct sort_key){1, next ? next->due_at : INT64_MAX};
}

void incidents_sort(struct incident *v, size_t n, const struct incident_config *ic, int64_t now)
{
    /* insertion sort on precomputed keys: lists are short (open incidents) */
    struct sort_key *k = xmalloc((n ? n : 1) * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = sort_key_of(&v[i], ic, now);
    for (size_t i = 1; i < n; i++) {
        struct incident t = v[i];
        struct sort_key tk = k[i];
        size_t j = i;
        while (j > 0 &&
               (k[j - 1].group > tk.group ||
                (k[j - 1].group == tk.group &&
                 (k[j - 1].key > tk.key || (k[j - 1].key == tk.key && v[j - 1].id < t.id))))) {
            v[j] = v[j - 1];
            k[j] = k[j - 1];
            j--;
        }
        v[j] = t;
        k[j] = tk;
    }
    free(k);
}

void inc_format_span(int64_t s, char *buf, size_t size)
{
    if (s < 0)
        s = -s;
    int64_t m = s / 60;
    if (m < 60)
        snprintf(buf, size, "%lld分", (long long)m);
    else if (m < 24 * 60)
        snprintf(buf, size, "%lld小时%02lld分", (long long)(m / 60), (long long)(m % 60));
    else
        snprintf(buf, size, "%lld天%lld小时", (long long)(m / 1440), (long long)(m % 1440 / 60));
}

/* ---- KPIs ---------------------------------------------------------------- */

void kpi_init(struct kpi k[KPI_N], const struct incident_config *ic)
{
    static const struct {
        const char *key, *label;
        double target;
    } info[KPI_N] = {
        {"alert_timely", "预警及时率", 95},
        {"handle_timely", "处置及时率", 90},
        {"effective", "有效处置率", 85},
        {"release_accurate", "权威信息发布准确率", 100},
        {"guidance", "重大敏感舆情引导控制率", 90},
        {"satisfaction", "满意度", 90},
    };
    for (int i = 0; i < KPI_N; i++) {
        memset(&k[i], 0, sizeof k[i]);
        k[i].kind = (enum kpi_kind)i;
        k[i].key = info[i].key;
        k[i].label = info[i].label;
        k[i].target = info[i].target;
    }
    snprintf(
        k[KPI_ALERT_TIMELY].definition, sizeof k[0].definition,
        "在等级时限内（I %d分、II %d分、III %d分、IV %d分，自首条相关信息采集起）发出的预警数 ÷ "
        "预警总数",
        ic->alert_window[1], ic->alert_window[2], ic->alert_window[3], ic->alert_window[4]);
    snprintf(k[KPI_HANDLE_TIMELY].definition, sizeof k[0].definition,
             "截至统计时各项已到期时限均按时完成的工单数 ÷ 工单总数");
    snprintf(k[KPI_EFFECTIVE].definition, sizeof k[0].definition,
             "判定有效（首次回应后未再升级预警，办结后%d天内无衍生事件）的办结工单数 ÷ "
             "办结已满%d天的工单数",
             ic->effective_days, ic->effective_days);
    snprintf(k[KPI_RELEASE_ACCURATE].definition, sizeof k[0].definition,
             "1 − 事后更正或撤回的发布数 ÷ 发布总数");
    snprintf(k[KPI_GUIDANCE].definition, sizeof k[0].definition,
             "首次发布后%d小时内负面占比低于发布前的 I/II 级工单数 ÷ 已满%d小时的 I/II "
             "级工单数（未发布的自开始起计，计为未控制）",
             ic->guidance_hours, ic->guidance_hours);
    snprintf(k[KPI_SATISFACTION].definition, sizeof k[0].definition,
             "办结时录入的满意度调查分数（0–100）的平均值");
}

void kpi_finish(struct kpi *k)
{
    k->defined = k->denominator > 0;
    if (!k->defined) {
        k->value = 0;
        k->below = false;
        return;
    }
    if (k->kind == KPI_SATISFACTION)
        k->value = k->numerator / k->denominator;
    else
        k->value = 100.0 * k->numerator / k->denominator;
    k->below = k->value < k->target - 1e-9;
}
