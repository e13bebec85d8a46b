/*
 * incident: the rules of the incident workflow (处置工单), with no storage
 * and no screen. It owns the states and the table of allowed transitions
 * (and the reason a refused one is refused), roles and what each may do,
 * the forms' records and their validation (one message per field), the
 * deadline clocks (which are due, met, late or overdue at a given time), the
 * numbering of follow-up reports (续报一, 续报二, ...) and the KPI
 * arithmetic. store applies these rules inside its transactions; the
 * console and the CLI show their messages.
 */
#ifndef JY_INCIDENT_H
#define JY_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/util.h"

/* ---- identity and roles -------------------------------------------------- */

enum role {
    ROLE_OPERATOR = 1 << 0, /* 值班员: opens incidents, fills forms, drafts */
    ROLE_LEADER = 1 << 1,   /* 带班领导: grades, assigns, reopens */
    ROLE_APPROVER = 1 << 2, /* 审批领导: approves or returns drafts */
    ROLE_ADMIN = 1 << 3,    /* manages people */
    ROLE_VIEWER = 1 << 4    /* reads only */
};
#define ROLE_ALL (ROLE_OPERATOR | ROLE_LEADER | ROLE_APPROVER | ROLE_ADMIN | ROLE_VIEWER)

/* Who is acting: the Unix login mapped to a person. An unknown login is a
 * viewer (known = false); read_only (jingyu --read-only) takes every right
 * away whatever the roles. */
struct actor {
    int64_t person_id; /* people.id; 0 when unknown or inactive */
    char login[64];
    char name[64]; /* the person's name, or the login when unknown */
    unsigned roles;
    bool known;
    bool read_only;
};

/* The login of the person at the keyboard: $JINGYU_USER when from_env
 * (config identity.from_env: tests and the demo only), else the Unix login
 * of the real user id (the SSH user). */
void incident_login(bool from_env, char *out, size_t size);

/* "operator,approver" <-> bits; JY_EINVAL names the unknown role in err. */
int role_parse(const char *s, unsigned *roles, struct jy_error *err);
void role_format(unsigned roles, char *buf, size_t size);    /* "operator,approver" */
void role_format_zh(unsigned roles, char *buf, size_t size); /* "值班员、审批领导" */
bool actor_can_write(const struct actor *a);
bool actor_has(const struct actor *a, unsigned role);
/* JY_EPERM with a message for the operator when a may not write. */
int actor_check_write(const struct actor *a, struct jy_error *err);

/* ---- states and transitions ---------------------------------------------- */

enum inc_state {
    INC_ASSESSMENT,   /* 研判 */
    INC_RESPONSE,     /* 响应 */
    INC_VERIFICATION, /* 核查 */
    INC_APPROVAL,     /* 审批 */
    INC_RELEASED,     /* 发布 */
    INC_FOLLOWUP,     /* 跟踪 */
    INC_CLOSED,       /* 办结 */
    INC_N_STATES
};
const char *inc_state_name(enum inc_state s);  /* "assessment", ... */
const char *inc_state_label(enum inc_state s); /* 研判, ... */
/* From either name; -1 when neither. */
int inc_state_parse(const char *s);

/* What a transition needs to know about the incident, gathered by store in
 * the same transaction that makes it. */
struct inc_facts {
    enum inc_state state;
    bool assessed;            /* level and strategy recorded */
    int responses;            /* first responses recorded */
    bool verified;            /* facts and the verifier recorded */
    bool release_approved;    /* the current release is approved, not yet published */
    bool release_published;   /* at least one release published */
    bool release_in_progress; /* a release drafted or submitted, not yet decided */
    bool closure_filled;      /* outcome and effectiveness recorded */
};

enum inc_move {
    MOVE_FORWARD, /* the next step */
    MOVE_RETURN,  /* back to where the work is redone (needs a reason) */
    MOVE_REOPEN   /* a closed incident reopened (needs a reason and a leader) */
};

/* Checks moving from f->state to `to`. 0 when allowed (*move says which kind);
 * otherwise JY_ESTATE (or JY_EPERM) with the reason in Chinese in err: a
 * skipped step, a missing form, a missing reason, a missing right. */
int incident_transition_check(const struct inc_facts *f, enum inc_state to, const struct actor *a,
                              const char *reason, enum inc_move *move, struct jy_error *err);
/* The states one may try to move to from s (for menus), in display order. */
size_t incident_next_states(enum inc_state s, enum inc_state out[INC_N_STATES]);

/* ---- forms --------------------------------------------------------------- */

enum inc_form {
    FORM_HEADER,       /* title, category, officer, departments */
    FORM_ASSESSMENT,   /* 研判 */
    FORM_RESPONSE,     /* 首次回应 (one per response) */
    FORM_VERIFICATION, /* 核查 */
    FORM_RELEASE,      /* 发布审批: the draft and its publication */
    FORM_CLOSURE,      /* 办结 */
    FORM_TASK          /* a department's task */
};
const char *inc_form_label(enum inc_form f);

/* One incident with every form's fields; strings are NULL when empty. */
struct incident {
    int64_t id;
    int64_t version; /* row version: a save names the version it was edited from */
    char *title, *category;
    int level;       /* enum risk_level: the working level */
    int model_level; /* what the risk model said (0: none, e.g. a phone tip) */
    enum inc_state state;
    char *officer;     /* responsible officer's login */
    char *departments; /* "交警、治安" (names from the config's list, joined by 、) */
    char *origin;      /* how it came in: "预警 #12", "电话举报", ... */
    int64_t event_id;  /* the event it was opened from (0: none) */
    int64_t alert_id;
    int64_t parent_id;  /* the incident this one grew out of (衍生事件), 0: none */
    int64_t started_at; /* clocks run from here: the first item's collection, or the tip */
    int64_t ack_from;   /* the acknowledgement clock runs from here: its first alert raised
                           (the start for a tip) */
    int64_t acked_at;   /* that alert acknowledged (the incident opened, for a tip) */
    int64_t created_at, updated_at;
    char *created_by, *updated_by;
    /* 研判 */
    char *level_reason; /* required when level differs from model_level */
    char *strategy;
    bool reported_up;
    int64_t reported_at; /* reported up the chain (0: not yet) */
    /* 核查 */
    char *facts, *evidence, *legal_opinion, *legal_by, *verified_by;
    int64_t verified_at;
    /* 办结 */
    char *outcome;
    int effective; /* -1 not judged, 0 no, 1 yes */
    char *effective_why, *secondary, *lessons;
    int satisfaction; /* 0..100, -1 not surveyed */
    int64_t closed_at;
    int reopened;
    /* Derived (store fills them; not saved from here). */
    int n_responses;
    int64_t first_response_at;
    int64_t first_release_at; /* first release published */
    int64_t briefing_at;      /* first release through 新闻发布会 */
    int64_t final_release_at; /* first release marked as the result (结果通报) */
    bool release_approved;    /* current release approved, not published */
    bool release_in_progress; /* drafted or submitted */
};
void incident_clear(struct incident *inc);
void incidents_free(struct incident *v, size_t n);
struct inc_facts incident_facts(const struct incident *inc);

/* One field's validation message, shown beside the field. */
struct field_error {
    const char *field; /* the field's key: "level_reason", ... */
    char msg[160];
};
#define INC_MAX_FIELD_ERRORS 8

/* Checks the fields a form saves; returns how many errors went into errs
 * (at most INC_MAX_FIELD_ERRORS). now bounds times (no future times beyond a
 * minute's clock skew). */
size_t incident_form_validate(enum inc_form form, const struct incident *inc,
                              const struct incident_config *ic, int64_t now,
                              struct field_error *errs);

/* Response channels (首次回应). */
extern const char *const inc_response_channels[];
extern const size_t inc_n_response_channels;
/* Release channels (发布); 新闻发布会 meets the briefing clock. */
extern const char *const inc_release_channels[];
extern const size_t inc_n_release_channels;
#define INC_BRIEFING_CHANNEL "新闻发布会"
bool inc_channel_known(const char *const *list, size_t n, const char *s);
/* True when s is NULL or holds nothing but white space (ASCII, no-break and
 * ideographic spaces included): such a field is empty. */
bool inc_blank(const char *s);

/* A release's name by its number: 1 首次通报, 2 续报一, 3 续报二, ... */
void inc_release_name(int seq, char *buf, size_t size);

/* ---- categories and templates (template.c) ---------------------------------- */

/* 其他 when configured, else the first configured category. */
const char *incident_category_default(const char *const *cats, size_t n);
/* The category an incident opened from an event starts with: the most
 * severe sensitive category the risk model names in the event's explanation
 * (a debunked rumour last), mapped to one of the n configured categories;
 * the default when none maps. */
const char *incident_category_for_event(const char *explanation, const char *const *cats, size_t n);
/* The file under DATADIR/templates/ a statement of this category starts from. */
const char *incident_template_file(const char *category);
/* That template's text with {bureau} filled in; NULL (err set) when it
 * cannot be read. A new string. */
char *incident_template_text(const char *datadir, const char *category, const char *bureau,
                             struct jy_error *err);
/* Chinese numerals 1..9999: 一, 十, 十一, 二十, 一百零五, ... */
void inc_zh_number(int n, char *buf, size_t size);

/* ---- deadline clocks ----------------------------------------------------- */

enum inc_clock_kind {
    CLOCK_ACK,           /* alert acknowledged */
    CLOCK_REPORT,        /* internal report up the chain */
    CLOCK_HOLDING,       /* holding statement (黄金4小时): the first response */
    CLOCK_AUTHORITATIVE, /* authoritative information: the first release */
    CLOCK_BRIEFING,      /* press briefing */
    CLOCK_RESPONSE,      /* response (III/IV): the first response */
    CLOCK_RESULT,        /* result published (结果通报) or the incident closed */
    INC_N_CLOCKS
};
const char *inc_clock_name(enum inc_clock_kind k);  /* "ack", ... (config keys) */
const char *inc_clock_label(enum inc_clock_kind k); /* 预警确认, ... */

enum inc_clock_status {
    CLOCK_PENDING, /* not met, not yet due */
    CLOCK_OVERDUE, /* not met, due has passed */
    CLOCK_MET,     /* met in time */
    CLOCK_LATE     /* met after it was due */
};

struct inc_clock {
    enum inc_clock_kind kind;
    int64_t due_at;
    int64_t met_at; /* 0: not met */
    enum inc_clock_status status;
};

/* The clocks that apply to inc's level, in order of due time. A closed
 * incident's unmet clocks stop running at its closing. Returns how many. */
size_t incident_clocks(const struct incident *inc, const struct incident_config *ic, int64_t now,
                       struct inc_clock out[INC_N_CLOCKS]);
/* The clock to show on the incident: the first overdue one, else the next
 * pending one; NULL when every clock is met (or the incident is closed). */
const struct inc_clock *incident_next_clock(const struct inc_clock *c, size_t n);
/* Whether every clock due by now was met in time (处置及时率). */
bool incident_on_time(const struct inc_clock *c, size_t n);
/* Sorts for the incident list: overdue first (longest overdue first), then
 * open ones by next due time, then closed ones newest first. */
void incidents_sort(struct incident *v, size_t n, const struct incident_config *ic, int64_t now);

/* "2小时05分", "45分", "3天4小时": a span for the screen (seconds >= 0). */
void inc_format_span(int64_t seconds, char *buf, size_t size);

/* ---- KPIs ---------------------------------------------------------------- */

enum kpi_kind {
    KPI_ALERT_TIMELY,     /* 预警及时率 */
    KPI_HANDLE_TIMELY,    /* 处置及时率 */
    KPI_EFFECTIVE,        /* 有效处置率 */
    KPI_RELEASE_ACCURATE, /* 权威信息发布准确率 */
    KPI_GUIDANCE,         /* 重大敏感舆情引导控制率 */
    KPI_SATISFACTION,     /* 满意度 */
    KPI_N
};

struct kpi {
    enum kpi_kind kind;
    const char *key;      /* "alert_timely", ... */
    const char *label;    /* 预警及时率 */
    char definition[400]; /* with the configured windows filled in */
    double numerator, denominator;
    bool defined;  /* false when the denominator is 0 */
    double value;  /* percent (or mean score for 满意度) */
    double target; /* the plan's target */
    bool below;    /* defined and value < target */
};

/* Fills value/defined/below from numerator and denominator (a rate in
 * percent; for 发布准确率 the numerator is the releases never corrected or
 * retracted; for 满意度 the numerator is the sum of scores and the
 * denominator their count, the value their mean). */
void kpi_finish(struct kpi *k);
/* Sets kind, key, label, target and definition for each of the six. */
void kpi_init(struct kpi k[KPI_N], const struct incident_config *ic);

#endif
