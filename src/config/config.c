/*
 * config.c: turns config.yaml into a struct config. The file is loaded whole
 * with libyaml's document API (so aliases are already resolved and every node
 * carries its position), then walked key by key. Every default lives in
 * config_defaults() and nowhere else. Any problem stops the load with exactly
 * one message of the form "FILE:LINE:COLUMN: KEY: what is wrong", where KEY is
 * a path such as `sources[2].interval` (indexes count from 0) and LINE and
 * COLUMN are 1-based, so that an editor can jump straight to the spot.
 */
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "config/config.h"

#ifndef JY_VERSION
#define JY_VERSION "0"
#endif

/* A configuration file is a few kilobytes; anything this large is a mistake. */
#define CONFIG_MAX_FILE (4u << 20)

struct parse {
    const char *file;
    const char *text; /* the whole file, for positions libyaml does not give */
    size_t len;
    yaml_document_t *doc;
    struct jy_error *err;
    struct config *cfg;
    bool region_words_given;     /* analysis.risk.region_words, even when [] */
    yaml_node_t *anchor_channel; /* audit.anchor_channel, checked against notify's channels */
};

/* ---- names ------------------------------------------------------------- */

static const char *const source_type_names[] = {
    [SOURCE_FEED] = "feed",
    [SOURCE_FILE_DROP] = "file-drop",
    [SOURCE_REPLAY] = "replay",
};

static const char *const media_level_names[] = {
    [MEDIA_UNKNOWN] = "unknown", [MEDIA_CENTRAL] = "central", [MEDIA_PROVINCIAL] = "provincial",
    [MEDIA_LOCAL] = "local",     [MEDIA_SELF] = "self-media", [MEDIA_INTERNAL] = "internal",
};

static const char *const media_level_labels[] = {
    [MEDIA_UNKNOWN] = "未知", [MEDIA_CENTRAL] = "中央", [MEDIA_PROVINCIAL] = "省级",
    [MEDIA_LOCAL] = "地方",   [MEDIA_SELF] = "自媒体",  [MEDIA_INTERNAL] = "内部",
};

const char *source_type_name(enum source_type t)
{
    if ((unsigned)t < sizeof source_type_names / sizeof source_type_names[0])
        return source_type_names[t];
    return "?";
}

const char *media_level_name(enum media_level m)
{
    if ((unsigned)m < sizeof media_level_names / sizeof media_level_names[0])
        return media_level_names[m];
    return media_level_names[MEDIA_UNKNOWN];
}

const char *media_level_label(enum media_level m)
{
    if ((unsigned)m < sizeof media_level_labels / sizeof media_level_labels[0])
        return media_level_labels[m];
    return media_level_labels[MEDIA_UNKNOWN];
}

/* ---- freeing ----------------------------------------------------------- */

static void source_config_clear(struct source_config *s)
{
    free(s->name);
    free(s->url);
    free(s->path);
    free(s->encoding);
    free(s->region);
    for (size_t i = 0; i < s->n_tags; i++)
        free(s->tags[i]);
    free(s->tags);
}

static void strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void scheme_config_clear(struct scheme_config *sc)
{
    free(sc->name);
    for (int g = 0; g < N_GROUPS; g++)
        strings_free(sc->terms[g], sc->n_terms[g]);
    free(sc->expr);
    free(sc->media);
}

static void analysis_config_clear(struct analysis_config *a)
{
    for (size_t i = 0; i < a->n_schemes; i++)
        scheme_config_clear(&a->schemes[i]);
    free(a->schemes);
    strings_free(a->risk.region_words, a->risk.n_region_words);
    strings_free(a->risk.official_words, a->risk.n_official_words);
}

static void duty_config_clear(struct duty_config *dc)
{
    free(dc->timezone);
    for (size_t i = 0; i < dc->n_shifts; i++) {
        free(dc->shifts[i].name);
        strings_free(dc->shifts[i].posts, dc->shifts[i].n_posts);
    }
    free(dc->shifts);
    for (size_t i = 0; i < dc->n_rotations; i++) {
        free(dc->rotations[i].shift);
        free(dc->rotations[i].post);
        strings_free(dc->rotations[i].people, dc->rotations[i].n_people);
    }
    free(dc->rotations);
}

static void notify_config_clear(struct config *cfg)
{
    strings_free(cfg->escalation.bureau_leaders, cfg->escalation.n_bureau_leaders);
    struct notify_config *nc = &cfg->notify;
    free(nc->secrets);
    for (size_t i = 0; i < nc->n_channels; i++) {
        struct notify_channel *c = &nc->channels[i];
        free(c->name);
        free(c->url);
        free(c->secret);
        free(c->user);
        free(c->password);
        free(c->from);
        strings_free(c->to, c->n_to);
    }
    free(nc->channels);
}

static void incident_config_clear(struct incident_config *ic)
{
    strings_free(ic->categories, ic->n_categories);
    strings_free(ic->departments, ic->n_departments);
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    incident_config_clear(&cfg->incident);
    duty_config_clear(&cfg->duty);
    free(cfg->audit_key);
    free(cfg->audit_anchor);
    free(cfg->audit_anchor_channel);
    free(cfg->files_group);
    strings_free(cfg->drop_owners, cfg->n_drop_owners);
    free(cfg->retention.archive_dir);
    notify_config_clear(cfg);
    for (size_t i = 0; i < cfg->n_sources; i++)
        source_config_clear(&cfg->sources[i]);
    free(cfg->sources);
    analysis_config_clear(&cfg->analysis);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->database);
    free(cfg->bureau);
    free(cfg->collector.user_agent);
    free(cfg->collector.proxy);
    free(cfg);
}

/* ---- errors ------------------------------------------------------------ */

static int parse_error_at(struct parse *p, yaml_mark_t mark, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int parse_error_at(struct parse *p, yaml_mark_t mark, const char *key, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (key && *key)
        return jy_error_set(p->err, JY_ECONFIG, "%s:%zu:%zu: %s: %s", p->file, mark.line + 1,
                            mark.column + 1, key, what);
    return jy_error_set(p->err, JY_ECONFIG, "%s:%zu:%zu: %s", p->file, mark.line + 1,
                        mark.column + 1, what);
}

#define parse_error(p, node, key, ...) parse_error_at((p), (node)->start_mark, (key), __VA_ARGS__)

/* ---- scalars ----------------------------------------------------------- */

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* `key:`, `key: ~` and `key: null` all mean "not given". */
static bool node_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    default:
        return node_is_null(n) ? "nothing" : "a scalar";
    }
}

/* How a value is quoted in a message: "as written" (shortened, control
 * characters shown as '?') or what it is when it is not a scalar. The array
 * in the returned struct lives until the end of the caller's expression. */
struct shown {
    char s[96];
};

static struct shown node_show(const yaml_node_t *n)
{
    struct shown out;
    if (n->type != YAML_SCALAR_NODE || node_is_null(n)) {
        snprintf(out.s, sizeof out.s, "%s", node_kind(n));
        return out;
    }
    const char *v = scalar(n);
    size_t len = n->data.scalar.length, o = 0, i = 0;
    out.s[o++] = '"';
    while (i < len && o < 64) {
        unsigned char c = (unsigned char)v[i];
        size_t step = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (i + step > len)
            break;
        if (c < 0x20 || c == 0x7f)
            out.s[o++] = '?';
        else
            for (size_t j = 0; j < step; j++)
                out.s[o++] = v[i + j];
        i += step;
    }
    if (i < len)
        o += (size_t)snprintf(out.s + o, sizeof out.s - o, "…");
    snprintf(out.s + o, sizeof out.s - o, "\"");
    return out;
}

/* A string value. Control characters are refused because every string ends
 * up on the screen, in a log line or in an HTTP header. */
static int get_string(struct parse *p, yaml_node_t *n, const char *key, bool allow_empty,
                      char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return parse_error(p, n, key, "expected a string, found %s", node_kind(n));
    const char *s = scalar(n);
    size_t len = n->data.scalar.length;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return parse_error(p, n, key, "control characters are not allowed");
    }
    if (!allow_empty && node_is_null(n))
        return parse_error(p, n, key, "expected a string, found nothing");
    if (!allow_empty && len == 0)
        return parse_error(p, n, key, "must not be empty");
    free(*out);
    *out = node_is_null(n) ? NULL : xstrndup(s, len);
    return 0;
}

static int get_bool(struct parse *p, yaml_node_t *n, const char *key, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (n->type == YAML_SCALAR_NODE) {
        for (size_t i = 0; i < 3; i++) {
            if (!strcasecmp(scalar(n), yes[i])) {
                *out = true;
                return 0;
            }
            if (!strcasecmp(scalar(n), no[i])) {
                *out = false;
                return 0;
            }
        }
    }
    return parse_error(p, n, key, "expected a boolean (true/false, yes/no, on/off), found %s",
                       node_show(n).s);
}

/* Decimal digits with an optional sign and, when suffixes is true, one of
 * K, M, G (powers of 1024). Anything else after the number is an error. */
static int get_integer(struct parse *p, yaml_node_t *n, const char *key, long long min,
                       long long max, bool suffixes, long long *out)
{
    if (n->type != YAML_SCALAR_NODE || node_is_null(n))
        return parse_error(p, n, key, "expected an integer, found %s", node_kind(n));
    const char *s = scalar(n);
    const char *q = s;
    if (*q == '+' || *q == '-')
        q++;
    if (*q < '0' || *q > '9')
        return parse_error(p, n, key, "expected an integer, found %s", node_show(n).s);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    bool overflow = errno == ERANGE;
    if (suffixes && *end) {
        long long mult = 0;
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1LL << 10;
            break;
        case 'm':
        case 'M':
            mult = 1LL << 20;
            break;
        case 'g':
        case 'G':
            mult = 1LL << 30;
            break;
        }
        if (mult && !end[1]) {
            if (v > LLONG_MAX / mult || v < LLONG_MIN / mult)
                overflow = true;
            else
                v *= mult;
            end++;
        }
    }
    if (*end) {
        if (suffixes)
            return parse_error(p, n, key,
                               "expected an integer with an optional K, M or G suffix, found %s",
                               node_show(n).s);
        return parse_error(p, n, key, "expected an integer, found %s", node_show(n).s);
    }
    if (overflow || v < min || v > max)
        return parse_error(p, n, key, "%s is out of range (%lld..%lld)", s, min, max);
    *out = v;
    return 0;
}

static int get_int(struct parse *p, yaml_node_t *n, const char *key, int min, int max, int *out)
{
    long long v;
    int rc = get_integer(p, n, key, min, max, false, &v);
    if (!rc)
        *out = (int)v;
    return rc;
}

static int get_enum(struct parse *p, yaml_node_t *n, const char *key, const char *const *names,
                    size_t n_names, size_t skip, int *out)
{
    if (n->type == YAML_SCALAR_NODE) {
        for (size_t i = 0; i < n_names; i++) {
            if (i != skip && !strcmp(scalar(n), names[i])) {
                *out = (int)i;
                return 0;
            }
        }
    }
    char allowed[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < n_names; i++) {
        if (i == skip)
            continue;
        int w = snprintf(allowed + used, sizeof allowed - used, "%s%s", used ? ", " : "", names[i]);
        if (w > 0 && (size_t)w < sizeof allowed - used)
            used += (size_t)w;
    }
    if (n->type != YAML_SCALAR_NODE || node_is_null(n))
        return parse_error(p, n, key, "expected one of %s, found %s", allowed, node_kind(n));
    return parse_error(p, n, key, "unknown value %s (allowed: %s)", node_show(n).s, allowed);
}

/* ---- paths ------------------------------------------------------------- */

/* Drops empty and "." components so that `path: .` in /etc/jingyu/x.yaml
 * becomes /etc/jingyu rather than /etc/jingyu/. (".." is kept: resolving it
 * lexically is wrong across symbolic links). */
static char *path_clean(const char *s)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    bool absolute = *s == '/';
    const char *q = s;
    while (*q) {
        while (*q == '/')
            q++;
        const char *e = q;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - q);
        if (len && !(len == 1 && *q == '.')) {
            if (b.len || absolute)
                jy_buf_putc(&b, '/');
            jy_buf_append(&b, q, len);
        }
        q = e;
    }
    if (!b.len)
        jy_buf_puts(&b, absolute ? "/" : ".");
    return jy_buf_steal(&b);
}

/* Makes a path from the file absolute: `~` and `~/...` start at $HOME,
 * `$XDG_DATA_HOME/...` (or `${XDG_DATA_HOME}/...`) at $XDG_DATA_HOME or, when
 * that is unset, ~/.local/share; other relative paths start at the config
 * file's folder. Returns NULL with *why set when the variable it needs is not
 * there. */
static char *path_resolve(const char *dir, const char *s, const char **why)
{
    const char *home = getenv("HOME");
    bool have_home = home && *home == '/';
    const char *rest = NULL;
    char *joined;

    if (!strcmp(s, "~") || !strncmp(s, "~/", 2)) {
        if (!have_home) {
            *why = "uses ~ but $HOME is not set";
            return NULL;
        }
        joined = xasprintf("%s/%s", home, s + 1);
    } else if (!strncmp(s, "$XDG_DATA_HOME", 14) && (s[14] == '/' || !s[14])) {
        rest = s + 14;
    } else if (!strncmp(s, "${XDG_DATA_HOME}", 16) && (s[16] == '/' || !s[16])) {
        rest = s + 16;
    } else if (*s == '/') {
        joined = xstrdup(s);
    } else {
        joined = xasprintf("%s/%s", dir, s);
    }
    if (rest) {
        const char *xdg = getenv("XDG_DATA_HOME");
        if (xdg && *xdg == '/') {
            joined = xasprintf("%s%s", xdg, rest);
        } else if (have_home) {
            joined = xasprintf("%s/.local/share%s", home, rest);
        } else {
            *why = "uses $XDG_DATA_HOME but neither it nor $HOME is set";
            return NULL;
        }
    }
    char *clean = path_clean(joined);
    free(joined);
    return clean;
}

static int get_path(struct parse *p, yaml_node_t *n, const char *key, char **out)
{
    char *raw = NULL;
    int rc = get_string(p, n, key, false, &raw);
    if (rc)
        return rc;
    const char *why = NULL;
    char *abs = path_resolve(p->cfg->dir, raw, &why);
    free(raw);
    if (!abs)
        return parse_error(p, n, key, "%s", why);
    free(*out);
    *out = abs;
    return 0;
}

/* ---- mappings ---------------------------------------------------------- */

/* Checks that a mapping's keys are plain strings and appear once each. */
static int mapping_check_keys(struct parse *p, yaml_node_t *map, const char *where)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *ka = yaml_document_get_node(p->doc, a->key);
        if (ka->type != YAML_SCALAR_NODE)
            return parse_error(p, ka, where, "keys must be plain strings, found %s", node_kind(ka));
        for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = yaml_document_get_node(p->doc, b->key);
            if (!strcmp(scalar(ka), scalar(kb))) {
                char path[256];
                snprintf(path, sizeof path, "%s%s%s", where, *where ? "." : "", scalar(ka));
                return parse_error(p, ka, path, "duplicate key (first given on line %zu)",
                                   kb->start_mark.line + 1);
            }
        }
    }
    return 0;
}

static int expect_mapping(struct parse *p, yaml_node_t *n, const char *key)
{
    if (n->type != YAML_MAPPING_NODE)
        return parse_error(p, n, key, "expected a mapping, found %s", node_kind(n));
    return mapping_check_keys(p, n, key);
}

/* The i-th key and value of a mapping; false past the end. */
static bool mapping_pair(struct parse *p, yaml_node_t *map, size_t i, yaml_node_t **k,
                         yaml_node_t **v)
{
    yaml_node_pair_t *pair = map->data.mapping.pairs.start + i;
    if (pair >= map->data.mapping.pairs.top)
        return false;
    *k = yaml_document_get_node(p->doc, pair->key);
    *v = yaml_document_get_node(p->doc, pair->value);
    return true;
}

/* ---- collector and ui -------------------------------------------------- */

static const struct {
    const char *name;
    size_t off;
    int min, max;
} collector_ints[] = {
    {"parallel", offsetof(struct collector_config, parallel), 1, 64},
    {"timeout", offsetof(struct collector_config, timeout), 1, 3600},
    {"connect_timeout", offsetof(struct collector_config, connect_timeout), 1, 600},
    {"max_redirects", offsetof(struct collector_config, max_redirects), 0, 50},
    {"min_interval", offsetof(struct collector_config, min_interval), 1, 86400},
    {"max_backoff", offsetof(struct collector_config, max_backoff), 1, 7 * 86400},
    {"dark_after", offsetof(struct collector_config, dark_after), 1, 10000},
    {"parse_memory", offsetof(struct collector_config, parse_memory), 1, 64},
};

static int parse_collector(struct parse *p, yaml_node_t *map)
{
    struct collector_config *c = &p->cfg->collector;
    int rc = expect_mapping(p, map, "collector");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "collector.%s", scalar(k));
        bool known = false;
        for (size_t i = 0; i < sizeof collector_ints / sizeof collector_ints[0]; i++) {
            if (!strcmp(scalar(k), collector_ints[i].name)) {
                int *field = (int *)((char *)c + collector_ints[i].off);
                rc = get_int(p, v, key, collector_ints[i].min, collector_ints[i].max, field);
                known = true;
                break;
            }
        }
        if (known) {
            /* handled by the table */
        } else if (!strcmp(scalar(k), "max_body")) {
            long long bytes;
            rc = get_integer(p, v, key, 1LL << 10, 1LL << 30, true, &bytes);
            if (!rc)
                c->max_body = (size_t)bytes;
        } else if (!strcmp(scalar(k), "user_agent")) {
            rc = get_string(p, v, key, false, &c->user_agent);
        } else if (!strcmp(scalar(k), "proxy")) {
            rc = get_string(p, v, key, true, &c->proxy);
            if (!rc && c->proxy && !*c->proxy)
                jy_free(&c->proxy);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_ui(struct parse *p, yaml_node_t *map)
{
    struct ui_config *u = &p->cfg->ui;
    int rc = expect_mapping(p, map, "ui");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "ui.%s", scalar(k));
        if (!strcmp(scalar(k), "color"))
            rc = get_bool(p, v, key, &u->color);
        else if (!strcmp(scalar(k), "refresh_ms"))
            rc = get_int(p, v, key, 50, 5000, &u->refresh_ms);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- sources ----------------------------------------------------------- */

static bool url_is_allowed(const char *u)
{
    static const char *const schemes[] = {"http://", "https://", "file://"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(schemes[i]);
        if (!strncasecmp(u, schemes[i], n) && u[n] && !strchr(u, ' '))
            return true;
    }
    return false;
}

static bool encoding_is_known(const char *enc)
{
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return false;
    iconv_close(cd);
    return true;
}

static int parse_tags(struct parse *p, yaml_node_t *seq, const char *key, struct source_config *s)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return parse_error(p, seq, key, "expected a sequence of strings, found %s", node_kind(seq));
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    s->tags = xcalloc(n ? n : 1, sizeof *s->tags);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *t = yaml_document_get_node(p->doc, seq->data.sequence.items.start[i]);
        char tkey[300];
        snprintf(tkey, sizeof tkey, "%s[%zu]", key, i);
        char *tag = NULL;
        int rc = get_string(p, t, tkey, false, &tag);
        if (rc)
            return rc;
        s->tags[s->n_tags++] = tag;
    }
    return 0;
}

/* A replay speed: a positive finite decimal number. */
static int get_speed(struct parse *p, yaml_node_t *n, const char *key, double *out)
{
    char *end = NULL;
    double d = 0;
    if (n->type == YAML_SCALAR_NODE && !node_is_null(n)) {
        errno = 0;
        d = strtod(scalar(n), &end);
    }
    if (!end || end == scalar(n) || *end || errno == ERANGE || !isfinite(d))
        return parse_error(p, n, key, "expected a number, found %s", node_show(n).s);
    if (d <= 0 || d > 1e6)
        return parse_error(p, n, key, "%s is out of range (more than 0, at most 1000000)",
                           scalar(n));
    *out = d;
    return 0;
}

static int parse_source(struct parse *p, yaml_node_t *map, size_t index, struct source_config *s)
{
    char where[64];
    snprintf(where, sizeof where, "sources[%zu]", index);
    s->type = SOURCE_FEED;
    s->interval = 300;
    s->enabled = true;
    s->media_level = MEDIA_UNKNOWN;
    s->speed = 60.0;
    s->line = (int)map->start_mark.line + 1;
    s->column = (int)map->start_mark.column + 1;

    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    yaml_node_t *url_node = NULL, *path_node = NULL, *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        const char *name = scalar(k);
        int e = 0;
        if (!strcmp(name, "name")) {
            rc = get_string(p, v, key, false, &s->name);
        } else if (!strcmp(name, "type")) {
            rc = get_enum(p, v, key, source_type_names, 3, (size_t)-1, &e);
            if (!rc)
                s->type = (enum source_type)e;
        } else if (!strcmp(name, "url")) {
            rc = get_string(p, v, key, false, &s->url);
            if (!rc && !url_is_allowed(s->url))
                rc =
                    parse_error(p, v, key, "expected an http://, https:// or file:// URL, found %s",
                                node_show(v).s);
            url_node = v;
        } else if (!strcmp(name, "path")) {
            rc = get_path(p, v, key, &s->path);
            path_node = v;
        } else if (!strcmp(name, "interval")) {
            rc = get_int(p, v, key, 1, 7 * 86400, &s->interval);
        } else if (!strcmp(name, "enabled")) {
            rc = get_bool(p, v, key, &s->enabled);
        } else if (!strcmp(name, "encoding")) {
            rc = get_string(p, v, key, true, &s->encoding);
            if (!rc && s->encoding && !*s->encoding)
                jy_free(&s->encoding);
            if (!rc && s->encoding && !encoding_is_known(s->encoding))
                rc = parse_error(p, v, key, "unknown character encoding \"%s\"", s->encoding);
        } else if (!strcmp(name, "media_level")) {
            rc =
                get_enum(p, v, key, media_level_names,
                         sizeof media_level_names / sizeof media_level_names[0], MEDIA_UNKNOWN, &e);
            if (!rc)
                s->media_level = (enum media_level)e;
        } else if (!strcmp(name, "region")) {
            rc = get_string(p, v, key, true, &s->region);
            if (!rc && s->region && !*s->region)
                jy_free(&s->region);
        } else if (!strcmp(name, "tags")) {
            rc = parse_tags(p, v, key, s);
        } else if (!strcmp(name, "speed")) {
            rc = get_speed(p, v, key, &s->speed);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }

    /* Checks that depend on more than one key, made once all are read since
     * YAML does not order them. */
    char key[256];
    if (!s->name) {
        snprintf(key, sizeof key, "%s.name", where);
        return parse_error(p, map, key, "missing required key");
    }
    if (s->type == SOURCE_FEED) {
        if (!s->url) {
            snprintf(key, sizeof key, "%s.url", where);
            return parse_error(p, map, key, "missing required key (type feed)");
        }
        if (path_node) {
            snprintf(key, sizeof key, "%s.path", where);
            return parse_error(p, path_node, key,
                               "only for type file-drop or replay (this source is a feed)");
        }
    } else {
        if (!s->path) {
            snprintf(key, sizeof key, "%s.path", where);
            return parse_error(p, map, key, "missing required key (type %s)",
                               source_type_name(s->type));
        }
        if (url_node) {
            snprintf(key, sizeof key, "%s.url", where);
            return parse_error(p, url_node, key, "only for type feed (this source is %s)",
                               source_type_name(s->type));
        }
    }
    return 0;
}

static int parse_sources(struct parse *p, yaml_node_t *seq)
{
    struct config *cfg = p->cfg;
    if (node_is_null(seq))
        return 0;
    if (seq->type != YAML_SEQUENCE_NODE)
        return parse_error(p, seq, "sources", "expected a sequence of mappings, found %s",
                           node_kind(seq));
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    cfg->sources = xcalloc(n ? n : 1, sizeof *cfg->sources);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = yaml_document_get_node(p->doc, seq->data.sequence.items.start[i]);
        /* Counted before parsing so that config_free() frees a half-read entry. */
        cfg->n_sources++;
        int rc = parse_source(p, m, i, &cfg->sources[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(cfg->sources[j].name, cfg->sources[i].name)) {
                yaml_node_t *name_node = m;
                yaml_node_t *k, *v;
                for (size_t at = 0; mapping_pair(p, m, at, &k, &v); at++) {
                    if (!strcmp(scalar(k), "name"))
                        name_node = v;
                }
                char key[64];
                snprintf(key, sizeof key, "sources[%zu].name", i);
                return parse_error(p, name_node, key,
                                   "duplicate source name \"%s\" (also sources[%zu], line %d)",
                                   cfg->sources[i].name, j, cfg->sources[j].line);
            }
        }
    }
    return 0;
}

/* ---- analysis ---------------------------------------------------------- */

/* Scheme group keys: English, or the Chinese names the duty room uses. */
static const struct {
    const char *en, *zh;
} group_keys[N_GROUPS] = {
    [GROUP_REGION] = {"region", "地域"},
    [GROUP_SUBJECT] = {"subject", "主体"},
    [GROUP_EVENT] = {"event", "事件"},
    [GROUP_EXCLUDE] = {"exclude", "排除"},
};

/* A decimal number in [min, max]. */
static int get_number(struct parse *p, yaml_node_t *n, const char *key, double min, double max,
                      double *out)
{
    char *end = NULL;
    double d = 0;
    if (n->type == YAML_SCALAR_NODE && !node_is_null(n)) {
        errno = 0;
        d = strtod(scalar(n), &end);
    }
    if (!end || end == scalar(n) || *end || errno == ERANGE || !isfinite(d))
        return parse_error(p, n, key, "expected a number, found %s", node_show(n).s);
    if (d < min || d > max)
        return parse_error(p, n, key, "%s is out of range (%g..%g)", scalar(n), min, max);
    *out = d;
    return 0;
}

static bool blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ')
            return false;
    }
    return true;
}

/* A list of words: a sequence of non-empty strings, or one string. */
static int get_word_list(struct parse *p, yaml_node_t *n, const char *key, char ***out,
                         size_t *n_out)
{
    strings_free(*out, *n_out);
    *out = NULL;
    *n_out = 0;
    if (node_is_null(n))
        return 0;
    yaml_node_item_t *items = NULL;
    size_t count = 1;
    if (n->type == YAML_SEQUENCE_NODE) {
        items = n->data.sequence.items.start;
        count = (size_t)(n->data.sequence.items.top - items);
    } else if (n->type != YAML_SCALAR_NODE) {
        return parse_error(p, n, key, "expected a sequence of strings, found %s", node_kind(n));
    }
    *out = xcalloc(count ? count : 1, sizeof **out);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *t = items ? yaml_document_get_node(p->doc, items[i]) : n;
        char tkey[320];
        if (items)
            snprintf(tkey, sizeof tkey, "%s[%zu]", key, i);
        else
            snprintf(tkey, sizeof tkey, "%s", key);
        char *word = NULL;
        int rc = get_string(p, t, tkey, false, &word);
        if (!rc && blank(word)) {
            free(word);
            rc = parse_error(p, t, tkey, "must not be empty");
        }
        if (rc)
            return rc;
        (*out)[(*n_out)++] = word;
    }
    return 0;
}

/* Where the first character of a scalar's value is: after the opening quote
 * of a quoted scalar, on the next line for a block scalar (| or >). */
static void scalar_value_position(struct parse *p, yaml_node_t *n, int *line, int *column)
{
    *line = (int)n->start_mark.line + 1;
    *column = (int)n->start_mark.column + 1;
    switch (n->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        (*column)++;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE: {
        /* The content starts on the first non-blank line after the
         * indicator's. (Counted from the text: libyaml's index is in
         * characters or bytes depending on its version.) */
        size_t i = 0;
        for (size_t l0 = 0; l0 < n->start_mark.line && i < p->len; i++) {
            if (p->text[i] == '\n')
                l0++;
        }
        int l = *line;
        while (i < p->len) {
            while (i < p->len && p->text[i] != '\n')
                i++;
            if (i >= p->len)
                break;
            i++;
            l++;
            int col = 1;
            while (i < p->len && p->text[i] == ' ') {
                i++;
                col++;
            }
            if (i < p->len && p->text[i] != '\n' && p->text[i] != '\r') {
                *line = l;
                *column = col;
                break;
            }
        }
        break;
    }
    default:
        break;
    }
}

/* An expression: a string that may span lines (a block scalar, `|` or `>`);
 * trailing blanks and line breaks are dropped. */
static int get_expr(struct parse *p, yaml_node_t *n, const char *key, char **out)
{
    if (n->type != YAML_SCALAR_NODE || node_is_null(n))
        return parse_error(p, n, key, "expected an expression, found %s", node_kind(n));
    const char *s = scalar(n);
    size_t len = n->data.scalar.length;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return parse_error(p, n, key, "control characters are not allowed");
    }
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t'))
        i++;
    if (i == len)
        return parse_error(p, n, key, "must not be empty");
    /* A block scalar's blank first lines and indentation are dropped too, so
     * that its first character is where scalar_value_position() says. Other
     * styles keep theirs: columns inside the expression count from the
     * scalar's own start. */
    bool block = n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                 n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
    if (!block)
        i = 0;
    free(*out);
    *out = xstrndup(s + i, len - i);
    return 0;
}

static int parse_scheme_media(struct parse *p, yaml_node_t *n, const char *key,
                              struct scheme_config *sc)
{
    if (node_is_null(n))
        return 0;
    yaml_node_item_t *items = NULL;
    size_t count = 1;
    if (n->type == YAML_SEQUENCE_NODE) {
        items = n->data.sequence.items.start;
        count = (size_t)(n->data.sequence.items.top - items);
    } else if (n->type != YAML_SCALAR_NODE) {
        return parse_error(p, n, key, "expected a sequence of media levels, found %s",
                           node_kind(n));
    }
    sc->media = xcalloc(count ? count : 1, sizeof *sc->media);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *t = items ? yaml_document_get_node(p->doc, items[i]) : n;
        char tkey[320];
        if (items)
            snprintf(tkey, sizeof tkey, "%s[%zu]", key, i);
        else
            snprintf(tkey, sizeof tkey, "%s", key);
        int e = 0;
        int rc = get_enum(p, t, tkey, media_level_names,
                          sizeof media_level_names / sizeof media_level_names[0], (size_t)-1, &e);
        if (rc)
            return rc;
        sc->media[sc->n_media++] = (enum media_level)e;
    }
    return 0;
}

static int parse_scheme(struct parse *p, yaml_node_t *map, size_t index, struct scheme_config *sc)
{
    char where[64];
    snprintf(where, sizeof where, "analysis.schemes[%zu]", index);
    sc->enabled = true;
    sc->line = (int)map->start_mark.line + 1;
    sc->column = (int)map->start_mark.column + 1;
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;

    yaml_node_t *group_key[N_GROUPS] = {0}, *expr_key = NULL, *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[256];
        snprintf(key, sizeof key, "%s.%s", where, name);
        int g = -1;
        for (int i = 0; i < N_GROUPS; i++) {
            if (!strcmp(name, group_keys[i].en) || !strcmp(name, group_keys[i].zh))
                g = i;
        }
        if (g >= 0) {
            if (group_key[g])
                return parse_error(p, k, key, "the %s group is given twice (%s and %s)",
                                   group_keys[g].en, scalar(group_key[g]), name);
            group_key[g] = k;
            rc = get_word_list(p, v, key, &sc->terms[g], &sc->n_terms[g]);
        } else if (!strcmp(name, "name")) {
            rc = get_string(p, v, key, false, &sc->name);
            if (!rc && blank(sc->name))
                rc = parse_error(p, v, key, "must not be empty");
        } else if (!strcmp(name, "expr")) {
            expr_key = k;
            rc = get_expr(p, v, key, &sc->expr);
            if (!rc) {
                scalar_value_position(p, v, &sc->expr_line, &sc->expr_column);
                /* whether a column inside the value maps back onto the file */
                sc->expr_lines = v->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ? EXPR_LITERAL
                                 : v->start_mark.line == v->end_mark.line          ? EXPR_ONE_LINE
                                                                                   : EXPR_FOLDED;
            }
        } else if (!strcmp(name, "title_only")) {
            rc = get_bool(p, v, key, &sc->title_only);
        } else if (!strcmp(name, "media")) {
            rc = parse_scheme_media(p, v, key, sc);
        } else if (!strcmp(name, "enabled")) {
            rc = get_bool(p, v, key, &sc->enabled);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }

    char key[256];
    if (!sc->name) {
        snprintf(key, sizeof key, "%s.name", where);
        return parse_error(p, map, key, "missing required key");
    }
    size_t positive =
        sc->n_terms[GROUP_REGION] + sc->n_terms[GROUP_SUBJECT] + sc->n_terms[GROUP_EVENT];
    int first_group = -1; /* an empty group (`exclude: []`) does not count */
    for (int g = 0; g < N_GROUPS && first_group < 0; g++) {
        if (sc->n_terms[g])
            first_group = g;
    }
    if (sc->expr && first_group >= 0) {
        snprintf(key, sizeof key, "%s.expr", where);
        return parse_error(p, expr_key, key,
                           "give either expr or the groups (region, subject, event, exclude), "
                           "not both (%s is given too)",
                           scalar(group_key[first_group]));
    }
    if (!sc->expr && !positive) {
        if (sc->n_terms[GROUP_EXCLUDE]) {
            snprintf(key, sizeof key, "%s.%s", where, scalar(group_key[GROUP_EXCLUDE]));
            return parse_error(p, group_key[GROUP_EXCLUDE], key,
                               "exclude alone would match everything; "
                               "give region, subject or event terms too");
        }
        return parse_error(p, map, where,
                           "needs expr or at least one term in region (地域), subject (主体) "
                           "or event (事件)");
    }
    return 0;
}

static int parse_schemes(struct parse *p, yaml_node_t *seq)
{
    struct analysis_config *a = &p->cfg->analysis;
    if (node_is_null(seq))
        return 0;
    if (seq->type != YAML_SEQUENCE_NODE)
        return parse_error(p, seq, "analysis.schemes", "expected a sequence of mappings, found %s",
                           node_kind(seq));
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    a->schemes = xcalloc(n ? n : 1, sizeof *a->schemes);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = yaml_document_get_node(p->doc, seq->data.sequence.items.start[i]);
        a->n_schemes++; /* before parsing, so that config_free() frees a half-read one */
        int rc = parse_scheme(p, m, i, &a->schemes[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(a->schemes[j].name, a->schemes[i].name))
                continue;
            yaml_node_t *name_node = m, *k, *v;
            for (size_t at = 0; mapping_pair(p, m, at, &k, &v); at++) {
                if (!strcmp(scalar(k), "name"))
                    name_node = v;
            }
            char key[64];
            snprintf(key, sizeof key, "analysis.schemes[%zu].name", i);
            return parse_error(p, name_node, key,
                               "duplicate scheme name \"%s\" (also analysis.schemes[%zu], line %d)",
                               a->schemes[i].name, j, a->schemes[j].line);
        }
    }
    return 0;
}

static const struct {
    const char *name;
    size_t off;
} risk_weights[] = {
    {"content", offsetof(struct risk_config, w_content)},
    {"attitude", offsetof(struct risk_config, w_attitude)},
    {"intensity", offsetof(struct risk_config, w_intensity)},
    {"media", offsetof(struct risk_config, w_media)},
    {"evolution", offsetof(struct risk_config, w_evolution)},
    {"local", offsetof(struct risk_config, w_local)},
};
/* The indicators of the model before the DB4401/T 12 families. */
static const char *const risk_weights_old[] = {"negative", "sensitive", "velocity", "volume",
                                               "official"};

static const char *const level_keys[4] = {"I", "II", "III", "IV"};

static int parse_risk_weights(struct parse *p, yaml_node_t *map)
{
    struct risk_config *r = &p->cfg->analysis.risk;
    int rc = expect_mapping(p, map, "analysis.risk.weights");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "analysis.risk.weights.%s", scalar(k));
        size_t i = 0;
        while (i < sizeof risk_weights / sizeof risk_weights[0] &&
               strcmp(scalar(k), risk_weights[i].name))
            i++;
        if (i == sizeof risk_weights / sizeof risk_weights[0]) {
            for (size_t o = 0; o < sizeof risk_weights_old / sizeof risk_weights_old[0]; o++) {
                if (!strcmp(scalar(k), risk_weights_old[o]))
                    return parse_error(p, k, key,
                                       "an indicator of the old model; the indicators are now "
                                       "content, attitude, intensity, media, evolution, local "
                                       "(see jingyu.yaml(5))");
            }
            return parse_error(p, k, key,
                               "unknown indicator (known: content, attitude, intensity, media, "
                               "evolution, local)");
        }
        double *w = (double *)((char *)r + risk_weights[i].off);
        rc = get_number(p, v, key, -INFINITY, INFINITY, w);
        if (!rc && *w < 0)
            rc = parse_error(p, v, key, "a weight must not be negative");
        if (!rc && *w > 1000)
            rc = parse_error(p, v, key, "%s is out of range (0..1000)", scalar(v));
        if (rc)
            return rc;
    }
    double sum = 0;
    for (size_t i = 0; i < sizeof risk_weights / sizeof risk_weights[0]; i++)
        sum += *(double *)((char *)r + risk_weights[i].off);
    if (sum <= 0)
        return parse_error(p, map, "analysis.risk.weights",
                           "all weights are zero (at least one indicator must count)");
    return 0;
}

static int parse_risk_levels(struct parse *p, yaml_node_t *map)
{
    struct risk_config *r = &p->cfg->analysis.risk;
    int rc = expect_mapping(p, map, "analysis.risk.levels");
    if (rc)
        return rc;
    yaml_node_t *given[4] = {0}, *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "analysis.risk.levels.%s", scalar(k));
        int l = 0;
        while (l < 4 && strcmp(scalar(k), level_keys[l]))
            l++;
        if (l == 4)
            return parse_error(p, k, key, "unknown level (known: I, II, III, IV)");
        rc = get_number(p, v, key, 0, 100, &r->level_min[l]);
        if (rc)
            return rc;
        given[l] = v;
    }
    /* Defaults fill what is not given; the result must descend. */
    for (int l = 1; l < 4; l++) {
        if (r->level_min[l] < r->level_min[l - 1])
            continue;
        int at = given[l] ? l : l - 1;
        yaml_node_t *n = given[at] ? given[at] : map;
        char key[256];
        snprintf(key, sizeof key, "analysis.risk.levels.%s", level_keys[at]);
        return parse_error(p, n, key,
                           "levels must descend (I > II > III > IV): %s is %g but %s is %g",
                           level_keys[l - 1], r->level_min[l - 1], level_keys[l], r->level_min[l]);
    }
    return 0;
}

static int parse_risk(struct parse *p, yaml_node_t *map)
{
    struct risk_config *r = &p->cfg->analysis.risk;
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "analysis.risk");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[256];
        snprintf(key, sizeof key, "analysis.risk.%s", name);
        if (!strcmp(name, "weights")) {
            rc = parse_risk_weights(p, v);
        } else if (!strcmp(name, "levels")) {
            rc = parse_risk_levels(p, v);
        } else if (!strcmp(name, "volume_full")) {
            rc = get_int(p, v, key, 1, 1000000, &r->volume_full);
        } else if (!strcmp(name, "velocity_full")) {
            rc = get_number(p, v, key, -INFINITY, INFINITY, &r->velocity_full);
            if (!rc && (r->velocity_full <= 1 || r->velocity_full > 1000))
                rc = parse_error(p, v, key, "%s is out of range (more than 1, at most 1000)",
                                 scalar(v));
        } else if (!strcmp(name, "velocity_base")) {
            rc = get_number(p, v, key, 1, 10000, &r->velocity_base);
        } else if (!strcmp(name, "acceleration_full")) {
            rc = get_number(p, v, key, -INFINITY, INFINITY, &r->acceleration_full);
            if (!rc && (r->acceleration_full <= 1 || r->acceleration_full > 1000))
                rc = parse_error(p, v, key, "%s is out of range (more than 1, at most 1000)",
                                 scalar(v));
        } else if (!strcmp(name, "content_base")) {
            rc = get_number(p, v, key, 0, 1, &r->content_base);
        } else if (!strcmp(name, "major_content")) {
            rc = get_number(p, v, key, 0, 1, &r->major_content);
            if (!rc && r->major_content <= 0)
                rc = parse_error(p, v, key, "must be more than 0 (at most 1)");
        } else if (!strcmp(name, "region_words")) {
            rc = get_word_list(p, v, key, &r->region_words, &r->n_region_words);
            p->region_words_given = true;
        } else if (!strcmp(name, "official_words")) {
            rc = get_word_list(p, v, key, &r->official_words, &r->n_official_words);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_analysis(struct parse *p, yaml_node_t *map)
{
    struct analysis_config *a = &p->cfg->analysis;
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "analysis");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[256];
        snprintf(key, sizeof key, "analysis.%s", name);
        if (!strcmp(name, "simhash_threshold"))
            rc = get_int(p, v, key, 0, 8, &a->simhash_threshold);
        else if (!strcmp(name, "duplicate_window"))
            rc = get_int(p, v, key, 1, 24 * 366, &a->duplicate_window);
        else if (!strcmp(name, "event_window"))
            rc = get_int(p, v, key, 1, 24 * 366, &a->event_window);
        else if (!strcmp(name, "event_similarity"))
            rc = get_number(p, v, key, 0, 1, &a->event_similarity);
        else if (!strcmp(name, "schemes"))
            rc = parse_schemes(p, v);
        else if (!strcmp(name, "risk"))
            rc = parse_risk(p, v);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    return 0;
}

/* The default local words: each distinct region of the sources. */
static void region_words_from_sources(struct config *cfg)
{
    struct risk_config *r = &cfg->analysis.risk;
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const char *region = cfg->sources[i].region;
        if (!region || blank(region))
            continue;
        bool seen = false;
        for (size_t j = 0; j < r->n_region_words && !seen; j++)
            seen = !strcmp(r->region_words[j], region);
        if (seen)
            continue;
        r->region_words = xrealloc(r->region_words, (r->n_region_words + 1) * sizeof(char *));
        r->region_words[r->n_region_words++] = xstrdup(region);
    }
}

/* ---- incidents and identity -------------------------------------------- */

const char *const incident_clock_keys[INCIDENT_N_CLOCKS] = {
    "ack", "report", "holding", "authoritative", "briefing", "response", "result"};

/* A list of names without repeats (categories, departments): at least one. */
static int get_name_list(struct parse *p, yaml_node_t *n, const char *key, char ***out,
                         size_t *n_out)
{
    int rc = get_word_list(p, n, key, out, n_out);
    if (rc)
        return rc;
    if (*n_out == 0)
        return parse_error(p, n, key, "must name at least one");
    for (size_t i = 0; i < *n_out; i++) {
        if (strstr((*out)[i], "、") || strlen((*out)[i]) > 60)
            return parse_error(p, n, key, "\"%s\": a name is at most 60 bytes, without 、",
                               (*out)[i]);
        for (size_t j = 0; j < i; j++) {
            if (!strcmp((*out)[i], (*out)[j]))
                return parse_error(p, n, key, "\"%s\" is given twice", (*out)[i]);
        }
    }
    return 0;
}

/* incident.deadlines.LEVEL: {clock: minutes, ...}; 0 or null: does not apply. */
static int parse_deadline_level(struct parse *p, yaml_node_t *map, int level, const char *where)
{
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[768]; /* holds the caller's 512-byte key and one more name */
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        int c = 0;
        while (c < INCIDENT_N_CLOCKS && strcmp(scalar(k), incident_clock_keys[c]))
            c++;
        if (c == INCIDENT_N_CLOCKS)
            return parse_error(p, k, key,
                               "unknown clock (known: ack, report, holding, authoritative, "
                               "briefing, response, result)");
        if (node_is_null(v))
            p->cfg->incident.deadlines[level][c] = 0;
        else if ((rc = get_int(p, v, key, 0, 366 * 24 * 60, &p->cfg->incident.deadlines[level][c])))
            return rc;
    }
    return 0;
}

/* A per-level mapping {I: .., II: .., III: .., IV: ..}. */
static int parse_per_level(struct parse *p, yaml_node_t *map, const char *where,
                           int (*each)(struct parse *, yaml_node_t *, int, const char *))
{
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[512];
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        int l = 0;
        while (l < 4 && strcmp(scalar(k), level_keys[l]))
            l++;
        if (l == 4)
            return parse_error(p, k, key, "unknown level (known: I, II, III, IV)");
        if ((rc = each(p, v, l + 1, key)))
            return rc;
    }
    return 0;
}

static int parse_alert_window(struct parse *p, yaml_node_t *v, int level, const char *key)
{
    return get_int(p, v, key, 1, 7 * 24 * 60, &p->cfg->incident.alert_window[level]);
}

static int parse_incident(struct parse *p, yaml_node_t *map)
{
    struct incident_config *ic = &p->cfg->incident;
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "incident");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[256];
        snprintf(key, sizeof key, "incident.%s", name);
        if (!strcmp(name, "categories"))
            rc = get_name_list(p, v, key, &ic->categories, &ic->n_categories);
        else if (!strcmp(name, "departments"))
            rc = get_name_list(p, v, key, &ic->departments, &ic->n_departments);
        else if (!strcmp(name, "deadlines"))
            rc = parse_per_level(p, v, key, parse_deadline_level);
        else if (!strcmp(name, "alert_window"))
            rc = parse_per_level(p, v, key, parse_alert_window);
        else if (!strcmp(name, "effective_days"))
            rc = get_int(p, v, key, 1, 366, &ic->effective_days);
        else if (!strcmp(name, "guidance_hours"))
            rc = get_int(p, v, key, 1, 24 * 366, &ic->guidance_hours);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_retention(struct parse *p, yaml_node_t *map)
{
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "retention");
    if (rc)
        return rc;
    struct retention_config *r = &p->cfg->retention;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "retention.%s", scalar(k));
        if (!strcmp(scalar(k), "months")) {
            rc = get_int(p, v, key, 0, 1200, &r->months);
        } else if (!strcmp(scalar(k), "archive_dir")) {
            jy_free(&r->archive_dir);
            rc = get_path(p, v, key, &r->archive_dir);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_identity(struct parse *p, yaml_node_t *map)
{
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "identity");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "identity.%s", scalar(k));
        if (!strcmp(scalar(k), "from_env"))
            rc = get_bool(p, v, key, &p->cfg->identity_from_env);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    return 0;
}

static int get_clock(struct parse *p, yaml_node_t *n, const char *key, int *out);

/* A span of time: "90s", "30m", "1h", "1d", or a number of seconds. */
static int get_span(struct parse *p, yaml_node_t *n, const char *key, int min, int max, int *out)
{
    const char *v = n->type == YAML_SCALAR_NODE && !node_is_null(n) ? scalar(n) : "";
    char *end = NULL;
    errno = 0;
    long long x = v[0] >= '0' && v[0] <= '9' ? strtoll(v, &end, 10) : -1;
    long long mult = !end          ? 0
                     : !*end       ? 1
                     : end[1]      ? 0
                     : *end == 's' ? 1
                     : *end == 'm' ? 60
                     : *end == 'h' ? 3600
                     : *end == 'd' ? 86400
                                   : 0;
    if (x < 0 || !mult || errno == ERANGE)
        return parse_error(p, n, key, "expected a span of time like \"30m\", \"1h\" or 0");
    if (x > max / mult || x * mult < min)
        return parse_error(p, n, key, "%s is out of range (%ds..%ds)", v, min, max);
    *out = (int)(x * mult);
    return 0;
}

static int parse_audit(struct parse *p, yaml_node_t *map)
{
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "audit");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "audit.%s", scalar(k));
        if (!strcmp(scalar(k), "key")) {
            rc = get_string(p, v, key, false, &p->cfg->audit_key);
        } else if (!strcmp(scalar(k), "anchor")) {
            rc = get_path(p, v, key, &p->cfg->audit_anchor);
        } else if (!strcmp(scalar(k), "anchor_channel")) {
            rc = get_string(p, v, key, false, &p->cfg->audit_anchor_channel);
            p->anchor_channel = v;
        } else if (!strcmp(scalar(k), "anchor_at")) {
            rc = get_clock(p, v, key, &p->cfg->audit_anchor_at);
        } else if (!strcmp(scalar(k), "seal_every")) {
            rc = get_span(p, v, key, 0, 7 * 86400, &p->cfg->audit_seal_every);
        } else {
            rc = parse_error(p, k, key,
                             "unknown key (known: key, anchor, anchor_channel, anchor_at, "
                             "seal_every)");
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_files(struct parse *p, yaml_node_t *map)
{
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "files");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[256];
        snprintf(key, sizeof key, "files.%s", scalar(k));
        if (!strcmp(scalar(k), "group"))
            rc = get_string(p, v, key, false, &p->cfg->files_group);
        else if (!strcmp(scalar(k), "drop_owners"))
            rc = get_word_list(p, v, key, &p->cfg->drop_owners, &p->cfg->n_drop_owners);
        else
            rc = parse_error(p, k, key, "unknown key (known: group, drop_owners)");
        if (rc)
            return rc;
    }
    return 0;
}

static char **strings_of(const char *const *v, size_t n)
{
    char **out = xcalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

static void incident_defaults(struct incident_config *ic)
{
    static const char *const categories[] = {"执法争议",   "民警违纪", "警情谣言", "袭警",
                                             "重大案事件", "窗口投诉", "正面事迹", "其他"};
    static const char *const departments[] = {"交警", "治安", "刑侦",     "督察",
                                              "法制", "宣传", "指挥中心", "派出所"};
    ic->n_categories = sizeof categories / sizeof categories[0];
    ic->categories = strings_of(categories, ic->n_categories);
    ic->n_departments = sizeof departments / sizeof departments[0];
    ic->departments = strings_of(departments, ic->n_departments);
    /* order: ack, report, holding, authoritative, briefing, response, result */
    static const int ack[5] = {0, 5, 10, 30, 60};
    static const int window[5] = {0, 15, 30, 60, 120};
    for (int l = 1; l <= 4; l++) {
        int *d = ic->deadlines[l];
        bool major = l <= 2;
        d[0] = ack[l];
        d[1] = 60;
        d[2] = major ? 240 : 0;
        d[3] = major ? 300 : 0;
        d[4] = major ? 1440 : 0;
        d[5] = major ? 0 : 2880;
        d[6] = 4320;
        ic->alert_window[l] = window[l];
    }
    ic->effective_days = 7;
    ic->guidance_hours = 72;
}

/* ---- duty ---------------------------------------------------------------- */

/* "08:30" -> minutes after midnight. */
static int get_clock(struct parse *p, yaml_node_t *n, const char *key, int *out)
{
    int h, m, k = 0;
    const char *v = n->type == YAML_SCALAR_NODE ? scalar(n) : "";
    if (sscanf(v, "%2d:%2d%n", &h, &m, &k) != 2 || v[k] || h > 23 || m > 59 || h < 0 || m < 0)
        return parse_error(p, n, key, "expected a time of day like \"08:30\"");
    *out = h * 60 + m;
    return 0;
}

static int parse_shift(struct parse *p, yaml_node_t *map, size_t index, struct duty_shift *sh)
{
    char where[64];
    snprintf(where, sizeof where, "duty.shifts[%zu]", index);
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    sh->start = 8 * 60 + 30;
    sh->hours = 24;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[128];
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        if (!strcmp(scalar(k), "name"))
            rc = get_string(p, v, key, false, &sh->name);
        else if (!strcmp(scalar(k), "start"))
            rc = get_clock(p, v, key, &sh->start);
        else if (!strcmp(scalar(k), "hours"))
            rc = get_int(p, v, key, 1, 48, &sh->hours);
        else if (!strcmp(scalar(k), "posts"))
            rc = get_name_list(p, v, key, &sh->posts, &sh->n_posts);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    if (!sh->name || blank(sh->name))
        return parse_error(p, map, where, "missing required key name");
    if (!sh->n_posts)
        return parse_error(p, map, where, "missing required key posts");
    return 0;
}

static int parse_rotation(struct parse *p, yaml_node_t *map, size_t index, struct duty_rotation *r)
{
    char where[64];
    snprintf(where, sizeof where, "duty.rotations[%zu]", index);
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    r->every = 1;
    r->line = (int)map->start_mark.line + 1;
    bool have_start = false;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[128];
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        if (!strcmp(scalar(k), "shift")) {
            rc = get_string(p, v, key, false, &r->shift);
        } else if (!strcmp(scalar(k), "post")) {
            rc = get_string(p, v, key, false, &r->post);
        } else if (!strcmp(scalar(k), "people")) {
            rc = get_word_list(p, v, key, &r->people, &r->n_people);
        } else if (!strcmp(scalar(k), "every")) {
            rc = get_int(p, v, key, 1, 366, &r->every);
        } else if (!strcmp(scalar(k), "start")) {
            if (v->type != YAML_SCALAR_NODE || jy_day_parse(scalar(v), &r->start_day))
                rc = parse_error(p, v, key, "expected a date like 2026-12-01");
            have_start = true;
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    if (!r->post)
        return parse_error(p, map, where, "missing required key post");
    if (!r->n_people)
        return parse_error(p, map, where, "missing required key people");
    if (!have_start)
        return parse_error(p, map, where, "missing required key start");
    return 0;
}

/* The zone's offset from UTC now. Done while loading, before any thread
 * runs: the C library knows zones only through TZ. */
/* Whether the C library knows the zone by name (a tzdata file). */
static bool zone_has_file(const char *zone)
{
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    return !strstr(zone, "..") && access(path, R_OK) == 0;
}

static int zone_offset(const char *zone, int *offset)
{
    int h, m, k = 0;
    if ((zone[0] == '+' || zone[0] == '-') && sscanf(zone + 1, "%2d:%2d%n", &h, &m, &k) == 2 &&
        !zone[1 + k] && h <= 14 && m < 60) {
        *offset = (h * 3600 + m * 60) * (zone[0] == '-' ? -1 : 1);
        return 0;
    }
    if (!strcmp(zone, "UTC")) {
        *offset = 0;
        return 0;
    }
    if (!zone_has_file(zone)) {
        if (!strcmp(zone, "Asia/Shanghai")) { /* no tzdata installed: China has no DST */
            *offset = 8 * 3600;
            return 0;
        }
        return JY_EINVAL;
    }
    char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
    setenv("TZ", zone, 1);
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *offset = (int)tm.tm_gmtoff;
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
    return 0;
}

static int parse_duty(struct parse *p, yaml_node_t *map)
{
    struct duty_config *dc = &p->cfg->duty;
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "duty");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[128];
        snprintf(key, sizeof key, "duty.%s", name);
        if (!strcmp(name, "timezone")) {
            free(dc->timezone);
            dc->timezone = NULL;
            rc = get_string(p, v, key, false, &dc->timezone);
            if (!rc && zone_offset(dc->timezone, &dc->utc_offset))
                rc = parse_error(p, v, key,
                                 "unknown time zone \"%s\" (like Asia/Shanghai or +08:00)",
                                 dc->timezone);
        } else if (!strcmp(name, "gap_days")) {
            rc = get_int(p, v, key, 1, 366, &dc->gap_days);
        } else if (!strcmp(name, "shifts") || !strcmp(name, "rotations")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                rc = parse_error(p, v, key, "expected a sequence, found %s", node_kind(v));
            } else {
                size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
                bool shifts = !strcmp(name, "shifts");
                if (shifts) {
                    for (size_t i = 0; i < dc->n_shifts; i++) {
                        free(dc->shifts[i].name);
                        strings_free(dc->shifts[i].posts, dc->shifts[i].n_posts);
                    }
                    free(dc->shifts);
                    dc->shifts = xcalloc(n ? n : 1, sizeof *dc->shifts);
                    dc->n_shifts = 0;
                } else {
                    dc->rotations = xcalloc(n ? n : 1, sizeof *dc->rotations);
                    dc->n_rotations = 0;
                }
                for (size_t i = 0; i < n && !rc; i++) {
                    yaml_node_t *item =
                        yaml_document_get_node(p->doc, v->data.sequence.items.start[i]);
                    if (shifts)
                        rc = parse_shift(p, item, i, &dc->shifts[dc->n_shifts++]);
                    else
                        rc = parse_rotation(p, item, i, &dc->rotations[dc->n_rotations++]);
                }
                if (!rc && shifts && n == 0)
                    rc = parse_error(p, v, key, "at least one shift is needed");
            }
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    /* shift names unique; rotations name a shift and one of its posts */
    for (size_t i = 0; i < dc->n_shifts; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(dc->shifts[i].name, dc->shifts[j].name))
                return parse_error(p, map, "duty.shifts", "shift \"%s\" is given twice",
                                   dc->shifts[i].name);
    for (size_t i = 0; i < dc->n_rotations; i++) {
        struct duty_rotation *r = &dc->rotations[i];
        if (!r->shift)
            r->shift = xstrdup(dc->shifts[0].name);
        const struct duty_shift *sh = NULL;
        for (size_t j = 0; j < dc->n_shifts && !sh; j++)
            if (!strcmp(dc->shifts[j].name, r->shift))
                sh = &dc->shifts[j];
        char where[64];
        snprintf(where, sizeof where, "duty.rotations[%zu]", i);
        if (!sh)
            return parse_error(p, map, where, "no shift named \"%s\"", r->shift);
        bool post = false;
        for (size_t j = 0; j < sh->n_posts && !post; j++)
            post = !strcmp(sh->posts[j], r->post);
        if (!post)
            return parse_error(p, map, where, "shift \"%s\" has no post \"%s\"", sh->name, r->post);
    }
    return 0;
}

void config_apply_timezone(const struct config *cfg)
{
    const char *zone = cfg ? cfg->duty.timezone : NULL;
    if (!zone || getenv("TZ"))
        return;
    if (zone_has_file(zone)) {
        setenv("TZ", zone, 1);
    } else {
        /* an offset (+08:00, UTC, or Asia/Shanghai without tzdata), taken
         * when the file was read; POSIX counts west of Greenwich as
         * positive, so +08:00 is "<+0800>-08:00" */
        int off = cfg->duty.utc_offset, a = off < 0 ? -off : off;
        char tz[64];
        snprintf(tz, sizeof tz, "<%c%02d%02d>%c%02d:%02d", off < 0 ? '-' : '+', a / 3600,
                 a % 3600 / 60, off < 0 ? '+' : '-', a / 3600, a % 3600 / 60);
        setenv("TZ", tz, 1);
    }
    tzset();
}

static void duty_defaults(struct duty_config *dc)
{
    static const char *const posts[] = {"带班领导", "值班员", "技术保障"};
    dc->timezone = xstrdup("Asia/Shanghai");
    if (zone_offset(dc->timezone, &dc->utc_offset))
        dc->utc_offset = 8 * 3600;
    dc->shifts = xcalloc(1, sizeof *dc->shifts);
    dc->n_shifts = 1;
    dc->shifts[0].name = xstrdup("全天");
    dc->shifts[0].start = 8 * 60 + 30;
    dc->shifts[0].hours = 24;
    dc->shifts[0].n_posts = 3;
    dc->shifts[0].posts = strings_of(posts, 3);
    dc->gap_days = 14;
}

/* ---- escalation and notifications ------------------------------------------ */

static int parse_escalation_level(struct parse *p, yaml_node_t *map, int level, const char *where)
{
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        char key[160];
        snprintf(key, sizeof key, "%s.%s", where, scalar(k));
        if (!strcmp(scalar(k), "leader"))
            rc = get_int(p, v, key, 1, 7 * 24 * 60, &p->cfg->escalation.leader[level]);
        else if (!strcmp(scalar(k), "bureau"))
            rc = get_int(p, v, key, 1, 7 * 24 * 60, &p->cfg->escalation.bureau[level]);
        else
            rc = parse_error(p, k, key, "unknown key (known: leader, bureau)");
        if (rc)
            return rc;
    }
    if (p->cfg->escalation.bureau[level] <= p->cfg->escalation.leader[level])
        return parse_error(p, map, where, "bureau must come after leader");
    return 0;
}

static int parse_escalation(struct parse *p, yaml_node_t *map)
{
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "escalation");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[128];
        snprintf(key, sizeof key, "escalation.%s", name);
        int l = 0;
        while (l < 4 && strcmp(name, level_keys[l]))
            l++;
        if (l < 4)
            rc = parse_escalation_level(p, v, l + 1, key);
        else if (!strcmp(name, "bureau_leaders"))
            rc = get_word_list(p, v, key, &p->cfg->escalation.bureau_leaders,
                               &p->cfg->escalation.n_bureau_leaders);
        else
            rc = parse_error(p, k, key, "unknown key (known: I, II, III, IV, bureau_leaders)");
        if (rc)
            return rc;
    }
    return 0;
}

static const char *const notify_type_names[] = {"wecom", "dingtalk", "feishu", "json", "smtp"};

static int parse_channel(struct parse *p, yaml_node_t *map, size_t index, struct notify_channel *c)
{
    char where[64];
    snprintf(where, sizeof where, "notify.channels[%zu]", index);
    int rc = expect_mapping(p, map, where);
    if (rc)
        return rc;
    c->per_minute = 20;
    c->line = (int)map->start_mark.line + 1;
    bool typed = false;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[128];
        snprintf(key, sizeof key, "%s.%s", where, name);
        if (!strcmp(name, "name")) {
            rc = get_string(p, v, key, false, &c->name);
        } else if (!strcmp(name, "type")) {
            int t = -1;
            for (int i = 0; i < 5; i++)
                if (v->type == YAML_SCALAR_NODE && !strcmp(scalar(v), notify_type_names[i]))
                    t = i;
            if (t < 0)
                rc = parse_error(p, v, key,
                                 "unknown type (known: wecom, dingtalk, feishu, json, smtp)");
            c->type = (enum notify_type)(t < 0 ? 0 : t);
            typed = true;
        } else if (!strcmp(name, "url")) {
            rc = get_string(p, v, key, false, &c->url);
        } else if (!strcmp(name, "secret")) {
            rc = get_string(p, v, key, false, &c->secret);
        } else if (!strcmp(name, "user")) {
            rc = get_string(p, v, key, false, &c->user);
        } else if (!strcmp(name, "password")) {
            rc = get_string(p, v, key, false, &c->password);
        } else if (!strcmp(name, "from")) {
            rc = get_string(p, v, key, false, &c->from);
        } else if (!strcmp(name, "to")) {
            rc = get_word_list(p, v, key, &c->to, &c->n_to);
        } else if (!strcmp(name, "per_minute")) {
            rc = get_int(p, v, key, 1, 600, &c->per_minute);
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    if (!c->name)
        return parse_error(p, map, where, "missing required key name");
    if (!typed)
        return parse_error(p, map, where, "missing required key type");
    if (!c->url)
        return parse_error(p, map, where, "missing required key url");
    bool smtp = c->type == NOTIFY_SMTP;
    if (smtp ? strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8)
             : strncmp(c->url, "https://", 8) && strncmp(c->url, "http://", 7))
        return parse_error(p, map, where, "url must start with %s",
                           smtp ? "smtp:// or smtps://" : "https:// or http://");
    if (smtp && (!c->from || !c->n_to))
        return parse_error(p, map, where, "an smtp channel needs from and to");
    /* a secret written into the url would end up in logs and on screen:
     * every query value, a robot's hook path and any user:password@ must be
     * a ${NAME} from the secrets file */
    const char *at = strstr(c->url, "://");
    const char *host = at ? at + 3 : c->url;
    const char *slash = strchr(host, '/');
    const char *userinfo = strchr(host, '@');
    if (userinfo && (!slash || userinfo < slash))
        return parse_error(p, map, where,
                           "no user or password in url: use user and password (a secret's name)");
    const char *q = strchr(c->url, '?');
    for (const char *v = q; v; v = strchr(v + 1, '&')) {
        const char *eq = strchr(v, '=');
        if (eq && strncmp(eq + 1, "${", 2))
            return parse_error(p, map, where,
                               "write each query value of url as ${NAME} from the secrets file");
    }
    const char *hook = strstr(c->url, "/hook/");
    if (hook && strncmp(hook + 6, "${", 2))
        return parse_error(p, map, where,
                           "write the hook token of url as ${NAME} from the secrets file");
    return 0;
}

static int parse_notify(struct parse *p, yaml_node_t *map)
{
    struct notify_config *nc = &p->cfg->notify;
    if (node_is_null(map))
        return 0;
    int rc = expect_mapping(p, map, "notify");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, map, at, &k, &v); at++) {
        const char *name = scalar(k);
        char key[128];
        snprintf(key, sizeof key, "notify.%s", name);
        if (!strcmp(name, "secrets")) {
            rc = get_path(p, v, key, &nc->secrets);
        } else if (!strcmp(name, "timeout")) {
            rc = get_int(p, v, key, 1, 120, &nc->timeout);
        } else if (!strcmp(name, "channels")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                rc = parse_error(p, v, key, "expected a sequence, found %s", node_kind(v));
            } else {
                size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
                nc->channels = xcalloc(n ? n : 1, sizeof *nc->channels);
                for (size_t i = 0; i < n && !rc; i++) {
                    yaml_node_t *item =
                        yaml_document_get_node(p->doc, v->data.sequence.items.start[i]);
                    rc = parse_channel(p, item, i, &nc->channels[nc->n_channels++]);
                    for (size_t j = 0; !rc && j + 1 < nc->n_channels; j++)
                        if (!strcmp(nc->channels[j].name, nc->channels[nc->n_channels - 1].name))
                            rc = parse_error(p, item, key, "channel \"%s\" is given twice",
                                             nc->channels[j].name);
                }
            }
        } else {
            rc = parse_error(p, k, key, "unknown key");
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- top level --------------------------------------------------------- */

static void config_defaults(struct config *cfg)
{
    cfg->bureau = xstrdup("清河县公安局");
    cfg->collector.parallel = 8;
    cfg->collector.timeout = 30;
    cfg->collector.connect_timeout = 10;
    cfg->collector.max_body = 20u << 20;
    cfg->collector.parse_memory = 8;
    cfg->collector.max_redirects = 5;
    cfg->collector.min_interval = 60;
    cfg->collector.max_backoff = 3600;
    cfg->collector.dark_after = 6;
    cfg->audit_anchor_at = 6 * 60;
    cfg->audit_seal_every = 3600;
    cfg->collector.user_agent = xstrdup("jingyu/" JY_VERSION);
    cfg->collector.proxy = NULL;
    cfg->ui.color = true;
    cfg->ui.refresh_ms = 250;

    struct analysis_config *a = &cfg->analysis;
    a->simhash_threshold = 3;
    a->duplicate_window = 168;
    a->event_window = 48;
    a->event_similarity = 0.25;
    struct risk_config *r = &a->risk;
    const double weights[] = {RISK_DEFAULT_WEIGHTS}, levels[] = {RISK_DEFAULT_LEVELS};
    for (size_t i = 0; i < sizeof risk_weights / sizeof risk_weights[0]; i++)
        *(double *)((char *)r + risk_weights[i].off) = weights[i];
    memcpy(r->level_min, levels, sizeof r->level_min);
    r->volume_full = RISK_DEFAULT_VOLUME_FULL;
    r->velocity_full = RISK_DEFAULT_VELOCITY_FULL;
    r->velocity_base = RISK_DEFAULT_VELOCITY_BASE;
    r->acceleration_full = RISK_DEFAULT_ACCELERATION_FULL;
    r->content_base = RISK_DEFAULT_CONTENT_BASE;
    r->major_content = RISK_DEFAULT_MAJOR_CONTENT;
    incident_defaults(&cfg->incident);
    duty_defaults(&cfg->duty);
    static const int leader[5] = {0, 5, 10, 30, 60}, bureau[5] = {0, 15, 30, 90, 180};
    memcpy(cfg->escalation.leader, leader, sizeof leader);
    memcpy(cfg->escalation.bureau, bureau, sizeof bureau);
    cfg->notify.timeout = 10;
    /* region_words default to the sources' regions (parse_root, once the
     * sources are read); official_words to none here: analyze then reads
     * data/risk/official.txt. */
}

static int parse_root(struct parse *p, yaml_node_t *root)
{
    struct config *cfg = p->cfg;
    if (root->type != YAML_MAPPING_NODE)
        return parse_error(p, root, NULL,
                           "expected a mapping of keys (database, sources, ...) "
                           "at the top level, found %s",
                           node_kind(root));
    int rc = mapping_check_keys(p, root, "");
    if (rc)
        return rc;
    yaml_node_t *k, *v;
    for (size_t at = 0; mapping_pair(p, root, at, &k, &v); at++) {
        const char *key = scalar(k);
        if (!strcmp(key, "database"))
            rc = get_path(p, v, key, &cfg->database);
        else if (!strcmp(key, "bureau"))
            rc = get_string(p, v, key, false, &cfg->bureau);
        else if (!strcmp(key, "collector"))
            rc = parse_collector(p, v);
        else if (!strcmp(key, "ui"))
            rc = parse_ui(p, v);
        else if (!strcmp(key, "sources"))
            rc = parse_sources(p, v);
        else if (!strcmp(key, "analysis"))
            rc = parse_analysis(p, v);
        else if (!strcmp(key, "incident"))
            rc = parse_incident(p, v);
        else if (!strcmp(key, "identity"))
            rc = parse_identity(p, v);
        else if (!strcmp(key, "audit"))
            rc = parse_audit(p, v);
        else if (!strcmp(key, "files"))
            rc = parse_files(p, v);
        else if (!strcmp(key, "retention"))
            rc = parse_retention(p, v);
        else if (!strcmp(key, "duty"))
            rc = parse_duty(p, v);
        else if (!strcmp(key, "escalation"))
            rc = parse_escalation(p, v);
        else if (!strcmp(key, "notify"))
            rc = parse_notify(p, v);
        else
            rc = parse_error(p, k, key, "unknown key");
        if (rc)
            return rc;
    }
    if (!cfg->database)
        return parse_error(p, root, "database", "missing required key");
    if (cfg->audit_anchor_channel) {
        size_t i = 0;
        while (i < cfg->notify.n_channels &&
               strcmp(cfg->notify.channels[i].name, cfg->audit_anchor_channel))
            i++;
        if (i == cfg->notify.n_channels)
            return parse_error(p, p->anchor_channel, "audit.anchor_channel",
                               "no channel named \"%s\" in notify.channels",
                               cfg->audit_anchor_channel);
    }
    if (!cfg->retention.archive_dir) { /* "archive" beside the database */
        const char *slash = strrchr(cfg->database, '/');
        size_t dir = slash ? (size_t)(slash - cfg->database) : 0;
        cfg->retention.archive_dir = xasprintf("%.*s/archive", (int)dir, cfg->database);
    }

    /* min_interval may come after the sources, so the floor is applied last. */
    for (size_t i = 0; i < cfg->n_sources; i++) {
        if (cfg->sources[i].interval < cfg->collector.min_interval)
            cfg->sources[i].interval = cfg->collector.min_interval;
    }
    if (!p->region_words_given)
        region_words_from_sources(cfg);
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        cfg->ui.color = false;
    return 0;
}

/* libyaml reports encoding problems by byte offset only. */
static yaml_mark_t mark_from_offset(const char *text, size_t len, size_t offset)
{
    yaml_mark_t m = {0};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

/* The byte at a line and column (counted in characters) of text, or 0. */
static char char_at_mark(const char *text, size_t len, yaml_mark_t m)
{
    size_t i = 0;
    for (size_t line = 0; line < m.line && i < len; i++) {
        if (text[i] == '\n')
            line++;
    }
    for (size_t col = 0; i < len && text[i] != '\n'; i++) {
        if (((unsigned char)text[i] & 0xc0) == 0x80)
            continue;
        if (col++ == m.column)
            return text[i];
    }
    return 0;
}

static int yaml_error(struct parse *p, yaml_parser_t *parser, const char *text, size_t len)
{
    const char *problem = parser->problem ? parser->problem : "malformed YAML";
    /* libyaml's wording for a tab is obscure, and tabs are the usual cause. */
    if (parser->error == YAML_SCANNER_ERROR &&
        char_at_mark(text, len, parser->problem_mark) == '\t')
        problem = "found a tab character (indent with spaces; YAML does not allow tabs)";
    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        return jy_error_set(p->err, JY_ENOMEM, "%s: out of memory while reading YAML", p->file);
    case YAML_READER_ERROR:
        return parse_error_at(p, mark_from_offset(text, len, parser->problem_offset), NULL,
                              "YAML syntax error: %s (the file must be UTF-8)", problem);
    default:
        if (parser->context)
            return parse_error_at(p, parser->problem_mark, NULL,
                                  "YAML syntax error: %s (%s that started at %zu:%zu)", problem,
                                  parser->context, parser->context_mark.line + 1,
                                  parser->context_mark.column + 1);
        return parse_error_at(p, parser->problem_mark, NULL, "YAML syntax error: %s", problem);
    }
}

/* The folder of path, absolute, so that relative paths in the file do not
 * depend on where jingyu was started. */
static char *config_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    char *real = realpath(dir, NULL);
    if (real) {
        char *copy = xstrdup(real);
        free(real);
        free(dir);
        return copy;
    }
    if (*dir != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd)) {
            char *joined = xasprintf("%s/%s", cwd, dir);
            free(dir);
            dir = path_clean(joined);
            free(joined);
        }
    }
    return dir;
}

int config_load(const char *path, struct config **out, struct jy_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = jy_read_file(path, CONFIG_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;

    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->path = xstrdup(path);
    cfg->dir = config_dir_of(path);
    config_defaults(cfg);
    struct parse p = {.file = path, .text = text, .len = len, .err = err, .cfg = cfg};

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        config_free(cfg);
        return jy_error_set(err, JY_ENOMEM, "%s: cannot start the YAML parser", path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = yaml_error(&p, &parser, text, len);
    } else {
        p.doc = &doc;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_mark_t start = {0};
            rc = parse_error_at(&p, start, NULL,
                                "the file is empty (at least `database:` is required)");
        } else {
            rc = parse_root(&p, root);
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(text);
    if (rc) {
        config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}
