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

struct config {
    char *path;     /* the file it was read from */
    char *dir;      /* that file's folder, for relative paths */
    char *database; /* absolute path; required */
    char *bureau;   /* shown in the header (default "清河县公安局") */
    struct source_config *sources;
    size_t n_sources;
    struct collector_config collector;
    struct ui_config ui;
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

const char *source_type_name(enum source_type t);
const char *media_level_name(enum media_level m); /* "central", ... */
const char *media_level_label(enum media_level m); /* 中央, 省级, 地方, 自媒体, 内部, 未知 */
/* The folder holding jingyu's data files (lexicons, demo): $JINGYU_DATADIR, the
 * source tree's data/ when run from a build tree, else the installed one. */
const char *config_datadir(void);

#endif
