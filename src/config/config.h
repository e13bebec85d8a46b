/*
 * config: reads config.yaml (libyaml) into a struct config, finds the file
 * (--config, $JINGYU_CONFIG, $XDG_CONFIG_HOME/jingyu/config.yaml,
 * /etc/jingyu/config.yaml, else the bundled demo), and reports a bad file in
 * one message with file:line:column and the key. Defaults live here and only
 * here.
 */
#ifndef JY_CONFIG_H
#define JY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

enum source_type { SOURCE_FEED, SOURCE_FILE_DROP, SOURCE_REPLAY };

enum media_level {
    MEDIA_UNKNOWN,
    MEDIA_CENTRAL,    /* central */
    MEDIA_PROVINCIAL, /* provincial */
    MEDIA_LOCAL,      /* local */
    MEDIA_SELF,       /* self-media */
    MEDIA_INTERNAL    /* internal */
};

struct source_config {
    char *name;            /* unique, required */
    enum source_type type; /* "feed" (default), "file-drop", "replay" */
    char *url;             /* feed: http(s):// or file:// URL, required */
    char *path;            /* file-drop: directory; replay: directory or .jsonl file; made
                              absolute relative to the config file's folder */
    int interval;          /* seconds between fetches (default 300, at least
                              collector.min_interval) */
    bool enabled;          /* default true */
    char *encoding;        /* override for sources that lie about their charset, or NULL */
    enum media_level media_level;
    char *region; /* may be NULL */
    char **tags;
    size_t n_tags;
    double speed;     /* replay: scenario seconds per real second (default 60) */
    int line, column; /* where the entry starts in the file (1-based) */
};

struct collector_config {
    int parallel;        /* simultaneous fetches (default 8) */
    int timeout;         /* whole transfer, seconds (default 30) */
    int connect_timeout; /* seconds (default 10) */
    size_t max_body;     /* bytes (default 20 MiB) */
    int parse_memory;    /* parsing one document may hold this many times max_body
                            (default 8) */
    int max_redirects;   /* default 5 */
    int min_interval;    /* seconds, floor for every source's interval (default 60; 1 for
                            the demo and tests) */
    int max_backoff;     /* seconds, ceiling of the failure backoff (default 3600) */
    int dark_after;      /* a source is dark after this many intervals with no new item
                            (default 6) */
    char *user_agent;    /* default "jingyu/VERSION" */
    char *proxy;         /* or NULL: libcurl then honours the usual proxy variables */
};

struct ui_config {
    bool color;     /* default true; NO_COLOR in the environment turns it off */
    int refresh_ms; /* how often panes check for new data (default 250) */
};

/* ---- analysis (monitoring schemes, near-duplicates, events, risk) -------- */

enum scheme_group { GROUP_REGION, GROUP_SUBJECT, GROUP_EVENT, GROUP_EXCLUDE, N_GROUPS };

/* One monitoring scheme (监测方案). Either groups (any region AND any subject
 * AND any event AND NOT any exclude; empty groups ignored) or a free
 * expression; not both. Expressions are compiled by analyze (which reports
 * errors at expr_line:expr_column + the offset inside the expression). */
struct scheme_config {
    char *name;             /* unique, required */
    char **terms[N_GROUPS]; /* keys 地域/region, 主体/subject, 事件/event, 排除/exclude */
    size_t n_terms[N_GROUPS];
    char *expr;              /* or NULL */
    bool title_only;         /* match titles only (default false) */
    enum media_level *media; /* only items from sources at these levels; none = all */
    size_t n_media;
    bool enabled;               /* default true */
    int line, column;           /* where the entry starts */
    int expr_line, expr_column; /* where the expression's first character is (1-based) */
    /* How the expression's text lies in the file: on one line; a literal
     * block (|), line for line; or folded over lines (>, or a plain or quoted
     * scalar broken over lines), where a column of the value is no column of
     * the file. */
    enum { EXPR_ONE_LINE, EXPR_LITERAL, EXPR_FOLDED } expr_lines;
};

/* The risk indicator model (风险评估指标体系): the indicator families of
 * DB4401/T 12-2023 (媒体传播, 舆论强度, 民意态度, 舆情演变) with the 涉警
 * content and local relevance. Weights are points out of 100 (scaled to
 * 100 when they add up to something else). */
#define RISK_DEFAULT_WEIGHTS 19, 5, 47, 10, 3, 16 /* content .. local, in struct order */
#define RISK_DEFAULT_LEVELS 80, 65, 50, 35
#define RISK_DEFAULT_VOLUME_FULL 1000
#define RISK_DEFAULT_VELOCITY_FULL 36
#define RISK_DEFAULT_VELOCITY_BASE 10
#define RISK_DEFAULT_ACCELERATION_FULL 20
#define RISK_DEFAULT_CONTENT_BASE 0.3
#define RISK_DEFAULT_MAJOR_CONTENT 0.7
struct risk_config {
    double w_content;   /* 涉警内容: the most serious category, decided in context */
    double w_attitude;  /* 民意态度: share of items whose own words are negative */
    double w_intensity; /* 舆论强度: volume, velocity, acceleration */
    double w_media;     /* 媒体传播: highest media level, official accounts, sources */
    double w_evolution; /* 舆情演变: the phase (发生, 扩散, 高潮, 消散) */
    double w_local; /* 本地关联: share of items naming a local place or from a local source */
    double level_min[4];  /* score at or above which the level is I, II, III, IV
                             (default RISK_DEFAULT_LEVELS); below IV: not graded */
    int volume_full;      /* items at which the volume part is full, on a log scale
                             (default 1000) */
    double velocity_full; /* ratio at which velocity is full, on a log scale (default 36) */
    /* Items an hour an event's last hour is measured against at least: the
     * background, below which nothing spreads (default 10). */
    double velocity_base;
    /* Ratio to the hour before at which acceleration is full, on a log scale
     * (default 20). */
    double acceleration_full;
    double content_base;  /* share of the content value an event has before it spreads;
                             the rest grows with its volume (0..1, default 0.3) */
    double major_content; /* content value an event needs for I or II (default 0.7) */
    char **region_words;  /* local place names (default: the sources' regions) */
    size_t n_region_words;
    char **official_words; /* markers of official accounts (default: data/risk/official.txt) */
    size_t n_official_words;
};

struct analysis_config {
    struct scheme_config *schemes;
    size_t n_schemes;
    int simhash_threshold;   /* max Hamming distance of near-duplicates compared by SimHash
                                (no letters or digits, restored without text; 0..8, default 3) */
    int duplicate_window;    /* hours a first copy stays findable (default 168) */
    int event_window;        /* hours an event stays open to new items (default 48) */
    double event_similarity; /* 0..1, text similarity to join an event (default 0.25) */
    struct risk_config risk;
};

/* ---- incidents (处置工单) --------------------------------------------------- */

/* The deadline clocks, in this order (keys of incident.deadlines.LEVEL). */
#define INCIDENT_N_CLOCKS 7
extern const char *const incident_clock_keys[INCIDENT_N_CLOCKS];

struct incident_config {
    char **categories; /* default 执法争议, 民警违纪, 警情谣言, 袭警, 重大案事件, 窗口投诉,
                          正面事迹, 其他 */
    size_t n_categories;
    char **departments; /* default 交警, 治安, 刑侦, 督察, 法制, 宣传, 指挥中心, 派出所 */
    size_t n_departments;
    /* Minutes from the incident's start to each clock's deadline, per level
     * ([1] = I .. [4] = IV); 0: the clock does not apply at that level.
     * Defaults from the work plan: ack 5/10/30/60, report 60, holding 240
     * (I/II), authoritative 300 (I/II), briefing 1440 (I/II), response 2880
     * (III/IV), result 4320. */
    int deadlines[5][INCIDENT_N_CLOCKS];
    /* 预警及时率: an alert is timely when raised within this many minutes of
     * its event's first item being collected (default I 15, II 30, III 60,
     * IV 120). */
    int alert_window[5];
    int effective_days; /* 有效处置率: no secondary incident within N days (default 7) */
    int guidance_hours; /* 引导控制率: negative share must fall within N hours (default 72) */
};

/* ---- duty (值班) -------------------------------------------------------------- */

struct duty_shift {
    char *name;   /* "全天", "白班", ... unique */
    int start;    /* minutes after midnight (local) */
    int hours;    /* 1..48 */
    char **posts; /* the posts that must be filled: 带班领导, 值班员, 技术保障 */
    size_t n_posts;
};

/* A rotation puts people[k] on post of shift, changing every `every` days,
 * from start_day (a day number, see roster_day_of) on. */
struct duty_rotation {
    char *shift, *post;
    char **people; /* logins */
    size_t n_people;
    int64_t start_day;
    int every;
    int line; /* where it is in the file */
};

struct duty_config {
    char *timezone;            /* default Asia/Shanghai */
    int utc_offset;            /* seconds east of UTC, from timezone at load time */
    struct duty_shift *shifts; /* default one: 全天 08:30 24 h, 带班领导 + 值班员 + 技术保障 */
    size_t n_shifts;
    struct duty_rotation *rotations;
    size_t n_rotations;
    int gap_days; /* how many days ahead gaps are looked for (default 14) */
};

/* ---- escalation and notifications ----------------------------------------------- */

/* When an alert nobody acknowledged goes further: minutes after it was
 * raised, per level ([1] = I .. [4] = IV): to the shift leader on duty
 * (带班领导), then to the bureau leaders. */
struct escalation_config {
    int leader[5];         /* default 5, 10, 30, 60 (the acknowledgement clock) */
    int bureau[5];         /* default 15, 30, 90, 180 */
    char **bureau_leaders; /* logins */
    size_t n_bureau_leaders;
};

enum notify_type { NOTIFY_WECOM, NOTIFY_DINGTALK, NOTIFY_FEISHU, NOTIFY_JSON, NOTIFY_SMTP };

/* One place notifications go. Secrets (webhook keys, signing secrets, the
 * SMTP password) are never here: url may name them as ${NAME}, secret and
 * password name them, and they are read from notify.secrets. */
struct notify_channel {
    char *name;
    enum notify_type type;
    char *url;      /* https://... or smtp(s)://host:port */
    char *secret;   /* dingtalk/feishu: the signing secret's name in the secrets file */
    char *user;     /* smtp */
    char *password; /* smtp: the password's name in the secrets file */
    char *from;     /* smtp */
    char **to;      /* smtp recipients */
    size_t n_to;
    int per_minute; /* at most this many messages a minute (default 20) */
    int line;
};

struct notify_config {
    char *secrets; /* the secrets file: mode 0600, owned by the user running jingyu */
    struct notify_channel *channels;
    size_t n_channels;
    int timeout; /* seconds per delivery (default 10) */
};

/* Retention (retention:): items older than `months` whole months move, with
 * their analysis and events, to one archive file a month in archive_dir
 * (see store_archive_run). */
struct retention_config {
    int months;        /* 0: keep everything in the live file (default) */
    char *archive_dir; /* absolute; default: "archive" beside the database */
};

struct config {
    char *path;     /* the file it was read from */
    char *dir;      /* that file's folder, for relative paths */
    char *database; /* absolute path; required */
    char *bureau;   /* shown in the header (default "清河县公安局") */
    struct source_config *sources;
    size_t n_sources;
    struct collector_config collector;
    struct ui_config ui;
    struct analysis_config analysis;
    struct incident_config incident;
    struct duty_config duty;
    struct escalation_config escalation;
    struct notify_config notify;
    struct retention_config retention;
    /* identity.from_env: JINGYU_USER chooses who the operator is, in place
     * of the Unix login. For tests and the demo only (default false). */
    bool identity_from_env;
    /* audit.key: the name, in notify.secrets, of the key that seals the
     * audit chain (HMAC-SHA256); NULL: unkeyed. audit.anchor: the file
     * `jingyu audit anchor` and the collector append the head to;
     * audit.anchor_channel: a notify channel it is sent to (NULL: none).
     * The collector seals and anchors once a day at audit.anchor_at
     * (minutes after local midnight, default 06:00), and seals new rows
     * once the last seal is audit.seal_every seconds old (default 3600;
     * 0: only daily). */
    char *audit_key, *audit_anchor, *audit_anchor_channel;
    int audit_anchor_at, audit_seal_every;
    /* files.group: a group that may read (and, for the database, write) the
     * database, its -wal and -shm, and the logs, for a duty room whose
     * officers run jingyu under their own logins; NULL: owner only (0600,
     * folders 0700). files.drop_owners: logins whose files a drop folder
     * takes (besides the user running jingyu). */
    char *files_group;
    char **drop_owners;
    size_t n_drop_owners;
};

/* Finds the configuration file. cli_path is --config's value or NULL.
 * Returns 0 and a new string in *out; an explicitly named file that does not
 * exist is an error. When nothing is found *out is the bundled demo's
 * config (data/demo/demo.yaml in the source tree or the installed data dir). */
int config_locate(const char *cli_path, char **out, struct jy_error *err);

/* Loads and validates. Errors: JY_ECONFIG with "FILE:LINE:COLUMN: KEY: what
 * is wrong" in err->msg. */
int config_load(const char *path, struct config **out, struct jy_error *err);
void config_free(struct config *cfg);
/* Makes the configured zone (duty.timezone) the process's local time when
 * TZ is not set, so that every time shown is in it. Call before any thread
 * starts. */
void config_apply_timezone(const struct config *cfg);

const char *source_type_name(enum source_type t);
const char *media_level_name(enum media_level m); /* "central", ... */
const char *media_level_label(enum media_level m); /* 中央, 省级, 地方, 自媒体, 内部, 未知 */
/* The folder holding jingyu's data files (lexicons, demo): $JINGYU_DATADIR, the
 * source tree's data/ when run from a build tree, else the installed one. */
const char *config_datadir(void);

#endif
