/* Unit tests for src/config: loading (minimal form, defaults, every key,
 * paths), the messages a user sees for each kind of mistake, the lookup order
 * of config_locate() and the bundled example and demo files. Each test writes
 * its YAML into a fresh temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

/* ---- fixtures ---------------------------------------------------------- */

struct tmp {
    char dir[256];
    char path[300];
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void tmp_make(struct tmp *t, const char *yaml)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/jy-config-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    /* config_load() reports the folder with symbolic links resolved. */
    char *real = realpath(t->dir, NULL);
    assert_non_null(real);
    assert_true(strlen(real) < sizeof t->dir);
    strcpy(t->dir, real);
    free(real);
    snprintf(t->path, sizeof t->path, "%s/config.yaml", t->dir);
    if (yaml)
        write_file(t->path, yaml);
}

static void tmp_remove(struct tmp *t)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static struct config *load_ok(struct tmp *t, const char *yaml)
{
    tmp_make(t, yaml);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    int rc = config_load(t->path, &cfg, &err);
    if (rc)
        print_error("unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(cfg);
    return cfg;
}

/* Loads yaml and checks the whole message: "FILE:WHERE: KEY: ..." with what
 * somewhere after it. */
static void expect_error(const char *yaml, const char *where, const char *key, const char *what)
{
    struct tmp t;
    tmp_make(&t, yaml);
    struct config *cfg = (struct config *)1;
    struct jy_error err = {0};
    int rc = config_load(t.path, &cfg, &err);
    char prefix[512];
    if (key)
        snprintf(prefix, sizeof prefix, "%s:%s: %s: ", t.path, where, key);
    else
        snprintf(prefix, sizeof prefix, "%s:%s: ", t.path, where);
    if (rc != JY_ECONFIG || strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
        !strstr(err.msg + strlen(prefix), what))
        print_error("yaml:\n%s\ngot rc=%d [%s]\nwant [%s...%s]\n", yaml, rc, err.msg, prefix, what);
    assert_int_equal(rc, JY_ECONFIG);
    assert_null(cfg);
    assert_memory_equal(err.msg, prefix, strlen(prefix));
    assert_non_null(strstr(err.msg + strlen(prefix), what));
    tmp_remove(&t);
}

static int setup_env(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    unsetenv("JINGYU_CONFIG");
    setenv("HOME", "/home/tester", 1);
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_CONFIG_HOME");
    return 0;
}

/* ---- loading ----------------------------------------------------------- */

static void minimal_form_loads(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: /var/lib/jingyu/jingyu.db\n"
                                     "sources:\n"
                                     "  - name: 某某日报\n"
                                     "    type: feed            # detected\n"
                                     "    url: https://example.org/rss.xml\n"
                                     "    interval: 300         # seconds\n");
    assert_string_equal(cfg->database, "/var/lib/jingyu/jingyu.db");
    assert_string_equal(cfg->path, t.path);
    assert_int_equal(cfg->n_sources, 1);
    struct source_config *s = &cfg->sources[0];
    assert_string_equal(s->name, "某某日报");
    assert_int_equal(s->type, SOURCE_FEED);
    assert_string_equal(s->url, "https://example.org/rss.xml");
    assert_int_equal(s->interval, 300);
    assert_int_equal(s->line, 3);
    assert_int_equal(s->column, 5);
    config_free(cfg);
    tmp_remove(&t);
}

static void defaults_are_applied(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: x.db\n"
                                     "sources:\n"
                                     "  - name: a\n"
                                     "    url: http://127.0.0.1/a\n");
    assert_string_equal(cfg->bureau, "清河县公安局");
    assert_int_equal(cfg->collector.parallel, 8);
    assert_int_equal(cfg->collector.timeout, 30);
    assert_int_equal(cfg->collector.connect_timeout, 10);
    assert_int_equal(cfg->collector.max_body, 20 * 1024 * 1024);
    assert_int_equal(cfg->collector.parse_memory, 8);
    assert_int_equal(cfg->collector.max_redirects, 5);
    assert_int_equal(cfg->collector.min_interval, 60);
    assert_int_equal(cfg->collector.max_backoff, 3600);
    assert_int_equal(cfg->collector.dark_after, 6);
    assert_string_equal(cfg->collector.user_agent, "jingyu/" JY_VERSION);
    assert_null(cfg->collector.proxy);
    assert_true(cfg->ui.color);
    assert_int_equal(cfg->ui.refresh_ms, 250);
    struct source_config *s = &cfg->sources[0];
    assert_int_equal(s->type, SOURCE_FEED);
    assert_int_equal(s->interval, 300);
    assert_true(s->enabled);
    assert_null(s->encoding);
    assert_null(s->path);
    assert_int_equal(s->media_level, MEDIA_UNKNOWN);
    assert_null(s->region);
    assert_int_equal(s->n_tags, 0);
    assert_true(s->speed == 60.0);
    config_free(cfg);
    tmp_remove(&t);
}

static void every_key_is_read(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: /srv/jy.db\n"
                                     "bureau: 某某市公安局\n"
                                     "collector:\n"
                                     "  parallel: 3\n"
                                     "  timeout: 12\n"
                                     "  connect_timeout: 4\n"
                                     "  max_body: 2048\n"
                                     "  parse_memory: 3\n"
                                     "  max_redirects: 0\n"
                                     "  min_interval: 5\n"
                                     "  max_backoff: 600\n"
                                     "  dark_after: 9\n"
                                     "  user_agent: test-agent/1\n"
                                     "  proxy: http://proxy.local:3128\n"
                                     "ui:\n"
                                     "  color: off\n"
                                     "  refresh_ms: 100\n"
                                     "sources:\n"
                                     "  - name: 甲\n"
                                     "    type: feed\n"
                                     "    url: file:///tmp/a.xml\n"
                                     "    interval: 30\n"
                                     "    enabled: no\n"
                                     "    encoding: GB18030\n"
                                     "    media_level: self-media\n"
                                     "    region: 清河县\n"
                                     "    tags: [微博, 关键词]\n"
                                     "  - name: 乙\n"
                                     "    type: file-drop\n"
                                     "    path: /var/spool/jingyu/drop\n"
                                     "    media_level: internal\n"
                                     "  - {name: 丙, type: replay, path: /d/s.jsonl, speed: 2.5,\n"
                                     "     enabled: yes, media_level: central}\n");
    assert_string_equal(cfg->database, "/srv/jy.db");
    assert_string_equal(cfg->bureau, "某某市公安局");
    struct collector_config *c = &cfg->collector;
    assert_int_equal(c->parallel, 3);
    assert_int_equal(c->timeout, 12);
    assert_int_equal(c->connect_timeout, 4);
    assert_int_equal(c->max_body, 2048);
    assert_int_equal(c->parse_memory, 3);
    assert_int_equal(c->max_redirects, 0);
    assert_int_equal(c->min_interval, 5);
    assert_int_equal(c->max_backoff, 600);
    assert_int_equal(c->dark_after, 9);
    assert_string_equal(c->user_agent, "test-agent/1");
    assert_string_equal(c->proxy, "http://proxy.local:3128");
    assert_false(cfg->ui.color);
    assert_int_equal(cfg->ui.refresh_ms, 100);
    assert_int_equal(cfg->n_sources, 3);
    struct source_config *a = &cfg->sources[0], *b = &cfg->sources[1], *r = &cfg->sources[2];
    assert_string_equal(a->url, "file:///tmp/a.xml");
    assert_int_equal(a->interval, 30);
    assert_false(a->enabled);
    assert_string_equal(a->encoding, "GB18030");
    assert_int_equal(a->media_level, MEDIA_SELF);
    assert_string_equal(a->region, "清河县");
    assert_int_equal(a->n_tags, 2);
    assert_string_equal(a->tags[0], "微博");
    assert_string_equal(a->tags[1], "关键词");
    assert_int_equal(b->type, SOURCE_FILE_DROP);
    assert_string_equal(b->path, "/var/spool/jingyu/drop");
    assert_null(b->url);
    assert_int_equal(b->media_level, MEDIA_INTERNAL);
    assert_int_equal(r->type, SOURCE_REPLAY);
    assert_string_equal(r->path, "/d/s.jsonl");
    assert_true(r->speed == 2.5);
    assert_true(r->enabled);
    assert_int_equal(r->media_level, MEDIA_CENTRAL);
    assert_int_equal(r->line, 32);
    assert_int_equal(r->column, 5); /* the flow mapping's { */
    config_free(cfg);
    tmp_remove(&t);
}

static void relative_paths_use_config_folder(void **state)
{
    (void)state;
    struct tmp t;
    setenv("HOME", "/home/duty", 1);
    struct config *cfg = load_ok(&t, "database: data/jy.db\n"
                                     "sources:\n"
                                     "  - {name: d, type: file-drop, path: ./drop/}\n"
                                     "  - {name: r, type: replay, path: .}\n"
                                     "  - {name: h, type: replay, path: ~/drills/a.jsonl}\n");
    char *want = xasprintf("%s/data/jy.db", t.dir);
    assert_string_equal(cfg->database, want);
    free(want);
    want = xasprintf("%s/drop", t.dir);
    assert_string_equal(cfg->sources[0].path, want);
    free(want);
    assert_string_equal(cfg->sources[1].path, t.dir);
    assert_string_equal(cfg->dir, t.dir);
    assert_string_equal(cfg->sources[2].path, "/home/duty/drills/a.jsonl");
    config_free(cfg);
    tmp_remove(&t);
}

static void relative_config_path_gives_absolute_dir(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, "database: jy.db\n");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(t.dir), 0);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    int rc = config_load("config.yaml", &cfg, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    char *want = xasprintf("%s/jy.db", t.dir);
    assert_string_equal(cfg->database, want);
    free(want);
    config_free(cfg);
    tmp_remove(&t);
}

static void database_home_and_xdg_forms(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *xdg, *want;
    } cases[] = {
        {"database: ~/.local/share/jingyu/demo.db", NULL, "/home/duty/.local/share/jingyu/demo.db"},
        {"database: $XDG_DATA_HOME/jingyu/demo.db", NULL, "/home/duty/.local/share/jingyu/demo.db"},
        {"database: ${XDG_DATA_HOME}/jingyu/demo.db", NULL,
         "/home/duty/.local/share/jingyu/demo.db"},
        {"database: $XDG_DATA_HOME/jingyu/demo.db", "/data/xdg", "/data/xdg/jingyu/demo.db"},
        {"database: $XDG_DATA_HOME/jingyu/demo.db", "", "/home/duty/.local/share/jingyu/demo.db"},
    };
    setenv("HOME", "/home/duty", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].xdg)
            setenv("XDG_DATA_HOME", cases[i].xdg, 1);
        else
            unsetenv("XDG_DATA_HOME");
        struct tmp t;
        struct config *cfg = load_ok(&t, cases[i].yaml);
        assert_string_equal(cfg->database, cases[i].want);
        config_free(cfg);
        tmp_remove(&t);
    }
    unsetenv("XDG_DATA_HOME");
}

static void interval_raised_to_min_interval(void **state)
{
    (void)state;
    struct tmp t;
    /* min_interval comes after the sources on purpose. */
    struct config *cfg = load_ok(&t, "database: x.db\n"
                                     "sources:\n"
                                     "  - {name: fast, url: http://a/, interval: 10}\n"
                                     "  - {name: slow, url: http://b/, interval: 900}\n"
                                     "  - {name: default, url: http://c/}\n"
                                     "collector:\n"
                                     "  min_interval: 400\n");
    assert_int_equal(cfg->sources[0].interval, 400);
    assert_int_equal(cfg->sources[1].interval, 900);
    assert_int_equal(cfg->sources[2].interval, 400);
    config_free(cfg);
    tmp_remove(&t);
}

static void max_body_suffixes(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        size_t want;
    } cases[] = {
        {"1K", 1024},     {"1k", 1024},   {"20M", 20u << 20}, {"512m", 512u << 20},
        {"1G", 1u << 30}, {"4096", 4096}, {"1024", 1024},     {"\"8M\"", 8u << 20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *yaml = xasprintf("database: x.db\ncollector:\n  max_body: %s\n", cases[i].value);
        struct tmp t;
        struct config *cfg = load_ok(&t, yaml);
        assert_int_equal(cfg->collector.max_body, cases[i].want);
        config_free(cfg);
        tmp_remove(&t);
        free(yaml);
    }
}

static void booleans_accept_yaml_words(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        bool want;
    } cases[] = {
        {"true", true},   {"yes", true}, {"on", true},   {"True", true},
        {"false", false}, {"no", false}, {"off", false}, {"OFF", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *yaml = xasprintf("database: x.db\nui: {color: %s}\n", cases[i].value);
        struct tmp t;
        struct config *cfg = load_ok(&t, yaml);
        assert_int_equal(cfg->ui.color, cases[i].want);
        config_free(cfg);
        tmp_remove(&t);
        free(yaml);
    }
}

static void no_color_overrides(void **state)
{
    (void)state;
    struct tmp t;
    setenv("NO_COLOR", "1", 1);
    struct config *cfg = load_ok(&t, "database: x.db\nui: {color: true}\n");
    assert_false(cfg->ui.color);
    config_free(cfg);
    tmp_remove(&t);

    /* Set but empty does not count (no-color.org). */
    setenv("NO_COLOR", "", 1);
    cfg = load_ok(&t, "database: x.db\n");
    assert_true(cfg->ui.color);
    config_free(cfg);
    tmp_remove(&t);
    unsetenv("NO_COLOR");
}

static void names_and_labels(void **state)
{
    (void)state;
    assert_string_equal(source_type_name(SOURCE_FEED), "feed");
    assert_string_equal(source_type_name(SOURCE_FILE_DROP), "file-drop");
    assert_string_equal(source_type_name(SOURCE_REPLAY), "replay");
    static const struct {
        enum media_level m;
        const char *name, *label;
    } cases[] = {
        {MEDIA_CENTRAL, "central", "中央"},   {MEDIA_PROVINCIAL, "provincial", "省级"},
        {MEDIA_LOCAL, "local", "地方"},       {MEDIA_SELF, "self-media", "自媒体"},
        {MEDIA_INTERNAL, "internal", "内部"}, {MEDIA_UNKNOWN, "unknown", "未知"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(media_level_name(cases[i].m), cases[i].name);
        assert_string_equal(media_level_label(cases[i].m), cases[i].label);
    }
}

/* ---- errors ------------------------------------------------------------ */

static void error_yaml_syntax(void **state)
{
    (void)state;
    expect_error("database: x.db\nsources:\n  - name: a\n    url: [http://x\n", "5:1", NULL,
                 "YAML syntax error");
    expect_error("database: x.db\nbureau: a: b\n", "2:10", NULL,
                 "YAML syntax error: mapping values are not allowed");
    expect_error("database: \"x.db\n", "2:1", NULL, "YAML syntax error");
    expect_error("database: x.db\n\tbureau: a\n", "2:1", NULL, "YAML syntax error");
    expect_error("database: x.db\nbureau: \xff\xfe\n", "2:9", NULL, "must be UTF-8");
}

static void error_empty_file(void **state)
{
    (void)state;
    expect_error("", "1:1", NULL, "empty");
    expect_error("# only a comment\n\n", "1:1", NULL, "empty");
    expect_error("- a\n- b\n", "1:1", NULL, "expected a mapping");
}

/* audit: the collector's sealing and anchoring (src/collect/seal.c). */
static void audit_upkeep_keys(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: x.db\n");
    assert_null(cfg->audit_key);
    assert_int_equal(cfg->audit_anchor_at, 6 * 60);
    assert_int_equal(cfg->audit_seal_every, 3600);
    config_free(cfg);
    tmp_remove(&t);
    cfg = load_ok(&t, "database: x.db\nnotify:\n  channels:\n"
                      "    - {name: 值班群, type: json, url: \"https://h.example/x\"}\n"
                      "audit:\n  key: k\n  anchor: anchors\n  anchor_channel: 值班群\n"
                      "  anchor_at: \"07:45\"\n  seal_every: 30m\n");
    assert_string_equal(cfg->audit_anchor_channel, "值班群");
    assert_int_equal(cfg->audit_anchor_at, 7 * 60 + 45);
    assert_int_equal(cfg->audit_seal_every, 1800);
    assert_true(cfg->audit_anchor[0] == '/'); /* beside the config */
    config_free(cfg);
    tmp_remove(&t);
    cfg = load_ok(&t, "database: x.db\naudit:\n  seal_every: 0\n");
    assert_int_equal(cfg->audit_seal_every, 0);
    config_free(cfg);
    tmp_remove(&t);
    cfg = load_ok(&t, "database: x.db\naudit:\n  seal_every: 2h\n");
    assert_int_equal(cfg->audit_seal_every, 7200);
    config_free(cfg);
    tmp_remove(&t);
    expect_error("database: x.db\naudit:\n  seal_every: soon\n", "3:15", "audit.seal_every",
                 "expected a span of time");
    expect_error("database: x.db\naudit:\n  seal_every: 8d\n", "3:15", "audit.seal_every",
                 "out of range");
    expect_error("database: x.db\naudit:\n  anchor_at: \"25:00\"\n", "3:14", "audit.anchor_at",
                 "time of day");
    expect_error("database: x.db\naudit:\n  anchor_channel: 无此群\n", "3:19",
                 "audit.anchor_channel", "no channel named");
}

static void error_unknown_keys(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *where, *key;
    } cases[] = {
        {"database: x.db\ndatabse: y\n", "2:1", "databse"},
        {"database: x.db\ncollector:\n  paralel: 3\n", "3:3", "collector.paralel"},
        {"database: x.db\nui: {colour: false}\n", "2:6", "ui.colour"},
        {"database: x.db\nsources:\n  - name: a\n    url: http://a/\n  - name: b\n"
         "    url: http://b/\n    intervall: 5\n",
         "7:5", "sources[1].intervall"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].yaml, cases[i].where, cases[i].key, "unknown key");
}

static void error_wrong_types(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *where, *key, *what;
    } cases[] = {
        {"database: x.db\ncollector:\n  parallel: eight\n", "3:13", "collector.parallel",
         "expected an integer, found \"eight\""},
        {"database: x.db\ncollector:\n  timeout: 30s\n", "3:12", "collector.timeout",
         "expected an integer"},
        {"database: x.db\ncollector:\n  timeout: 1.5\n", "3:12", "collector.timeout",
         "expected an integer"},
        {"database: x.db\ncollector:\n  timeout:\n", "3:11", "collector.timeout",
         "expected an integer, found nothing"},
        {"database: x.db\ncollector:\n  max_body: 20MB\n", "3:13", "collector.max_body",
         "K, M or G suffix"},
        {"database: x.db\nui:\n  color: maybe\n", "3:10", "ui.color", "expected a boolean"},
        /* Values are quoted with control characters defused and long ones cut. */
        {"database: x.db\nui: {color: \"\\e[31mred\"}\n", "2:13", "ui.color", "found \"?[31mred\""},
        {"database: x.db\nui: {refresh_ms: "
         "1234567890123456789012345678901234567890123456789012345678901234567890x}\n",
         "2:18", "ui.refresh_ms",
         "found \"123456789012345678901234567890123456789012345678901234567890123…\""},
        {"database: [a, b]\n", "1:11", "database", "expected a string"},
        {"database: x.db\ncollector: 5\n", "2:12", "collector", "expected a mapping"},
        {"database: x.db\nsources: {name: a}\n", "2:10", "sources", "expected a sequence"},
        {"database: x.db\nsources:\n  - just-a-name\n", "3:5", "sources[0]", "expected a mapping"},
        {"database: x.db\nsources:\n  - {name: a, url: http://a/, tags: 微博}\n", "3:37",
         "sources[0].tags", "expected a sequence of strings"},
        {"database: x.db\nsources:\n  - {name: a, url: http://a/, tags: [a, [b]]}\n", "3:41",
         "sources[0].tags[1]", "expected a string"},
        {"database: x.db\nsources:\n  - {name: a, type: replay, path: ., speed: fast}\n", "3:45",
         "sources[0].speed", "expected a number"},
        {"database: x.db\nsources:\n  - {name: a, url: http://a/, enabled: 1}\n", "3:40",
         "sources[0].enabled", "expected a boolean"},
        {"database: x.db\nsources:\n  - {name: a, url: \"http://a/\\x1b[2J\"}\n", "3:20",
         "sources[0].url", "control characters"},
        {"database: x.db\nsources:\n  - {name: a, url: ftp://a/}\n", "3:20", "sources[0].url",
         "expected an http://, https:// or file:// URL"},
        {"database: x.db\nsources:\n  - {name: a, url: http://a/, encoding: NOPE-8}\n", "3:41",
         "sources[0].encoding", "unknown character encoding"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].yaml, cases[i].where, cases[i].key, cases[i].what);
}

static void error_out_of_range(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *where, *key, *what;
    } cases[] = {
        {"database: x.db\ncollector:\n  parallel: 0\n", "3:13", "collector.parallel",
         "0 is out of range (1..64)"},
        {"database: x.db\ncollector:\n  parallel: 65\n", "3:13", "collector.parallel",
         "out of range (1..64)"},
        {"database: x.db\ncollector:\n  min_interval: 0\n", "3:17", "collector.min_interval",
         "out of range"},
        {"database: x.db\ncollector:\n  max_body: 512\n", "3:13", "collector.max_body",
         "out of range (1024..1073741824)"},
        {"database: x.db\ncollector:\n  max_body: 99999999999999999999G\n", "3:13",
         "collector.max_body", "out of range"},
        {"database: x.db\nui:\n  refresh_ms: 49\n", "3:15", "ui.refresh_ms",
         "out of range (50..5000)"},
        {"database: x.db\nui:\n  refresh_ms: 5001\n", "3:15", "ui.refresh_ms", "out of range"},
        {"database: x.db\nsources:\n  - {name: a, url: http://a/, interval: -5}\n", "3:41",
         "sources[0].interval", "out of range"},
        {"database: x.db\nsources:\n  - {name: a, type: replay, path: ., speed: 0}\n", "3:45",
         "sources[0].speed", "out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].yaml, cases[i].where, cases[i].key, cases[i].what);
}

static void error_missing_required(void **state)
{
    (void)state;
    expect_error("bureau: 某局\nsources: []\n", "1:1", "database", "missing required key");
    expect_error("database: x.db\nsources:\n  - url: http://a/\n", "3:5", "sources[0].name",
                 "missing required key");
    expect_error("database: x.db\nsources:\n  - name: a\n    url: http://a/\n"
                 "  - name: b\n    type: feed\n",
                 "5:5", "sources[1].url", "missing required key (type feed)");
    expect_error("database: x.db\nsources:\n  - name: a\n    type: file-drop\n", "3:5",
                 "sources[0].path", "missing required key (type file-drop)");
    expect_error("database: x.db\nsources:\n  - {name: a, type: replay}\n", "3:5",
                 "sources[0].path", "missing required key (type replay)");
    expect_error("database: x.db\nsources:\n  - {name: \"\", url: http://a/}\n", "3:12",
                 "sources[0].name", "must not be empty");
}

static void error_misplaced_keys(void **state)
{
    (void)state;
    expect_error("database: x.db\nsources:\n  - {name: a, url: http://a/, path: /tmp}\n", "3:37",
                 "sources[0].path", "only for type file-drop or replay");
    expect_error("database: x.db\nsources:\n  - {name: a, url: http://a/, type: replay, path: .}\n",
                 "3:20", "sources[0].url", "only for type feed");
}

static void error_duplicates(void **state)
{
    (void)state;
    expect_error("database: x.db\n"
                 "sources:\n"
                 "  - name: 某某日报\n"
                 "    url: http://a/\n"
                 "  - name: 其他\n"
                 "    url: http://b/\n"
                 "  - url: http://c/\n"
                 "    name: 某某日报\n",
                 "8:11", "sources[2].name",
                 "duplicate source name \"某某日报\" (also sources[0], line 3)");
    expect_error("database: x.db\ndatabase: y.db\n", "2:1", "database", "duplicate key");
    expect_error("database: x.db\nsources:\n  - {name: a, url: http://a/, name: b}\n", "3:31",
                 "sources[0].name", "duplicate key");
}

static void error_bad_enums(void **state)
{
    (void)state;
    expect_error("database: x.db\nsources:\n  - {name: a, type: rss, url: http://a/}\n", "3:21",
                 "sources[0].type", "unknown value \"rss\" (allowed: feed, file-drop, replay)");
    expect_error("database: x.db\nsources:\n  - {name: a, url: http://a/, media_level: national}\n",
                 "3:44", "sources[0].media_level",
                 "unknown value \"national\" (allowed: central, provincial, local, self-media, "
                 "internal)");
}

static void error_missing_file(void **state)
{
    (void)state;
    struct config *cfg = (struct config *)1;
    struct jy_error err = {0};
    assert_int_equal(config_load("/nonexistent/jy.yaml", &cfg, &err), JY_EIO);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, "/nonexistent/jy.yaml"));
}

/* ---- lookup order ------------------------------------------------------ */

static void locate_case(const char *cli, const char *want)
{
    char *got = NULL;
    struct jy_error err = {0};
    int rc = config_locate(cli, &got, &err);
    if (rc)
        print_error("config_locate: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(got, want);
    free(got);
}

static void lookup_order(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, NULL);
    char *cli = xasprintf("%s/cli.yaml", t.dir);
    char *env = xasprintf("%s/env.yaml", t.dir);
    char *xdg = xasprintf("%s/xdg", t.dir);
    char *home = xasprintf("%s/home", t.dir);
    char *xdg_file = xasprintf("%s/jingyu/config.yaml", xdg);
    char *home_file = xasprintf("%s/.config/jingyu/config.yaml", home);
    char *data = xasprintf("%s/data", t.dir);
    char *demo = xasprintf("%s/demo/demo.yaml", data);
    char *cmd = xasprintf("mkdir -p '%s/jingyu' '%s/.config/jingyu' '%s/demo'", xdg, home, data);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    write_file(cli, "database: a\n");
    write_file(env, "database: a\n");
    write_file(xdg_file, "database: a\n");
    write_file(home_file, "database: a\n");
    write_file(demo, "database: a\n");
    setenv("JINGYU_CONFIG", env, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv("HOME", home, 1);
    setenv("JINGYU_DATADIR", data, 1);

    locate_case(cli, cli);
    locate_case(NULL, env);
    unsetenv("JINGYU_CONFIG");
    locate_case(NULL, xdg_file);
    unsetenv("XDG_CONFIG_HOME");
    locate_case(NULL, home_file);
    unlink(home_file);
    struct stat st;
    if (stat("/etc/jingyu/config.yaml", &st) == 0) {
        print_message("skipping the demo fallback: /etc/jingyu/config.yaml exists\n");
        locate_case(NULL, "/etc/jingyu/config.yaml");
    } else {
        locate_case(NULL, demo);
        assert_string_equal(config_datadir(), data);
        /* Nothing at all: an error that says what was tried. */
        unlink(demo);
        char *got = NULL;
        struct jy_error err = {0};
        assert_int_equal(config_locate(NULL, &got, &err), JY_ENOTFOUND);
        assert_null(got);
        assert_non_null(strstr(err.msg, demo));
    }

    /* Explicitly named files must exist, and the message names them. */
    char *missing = xasprintf("%s/nope.yaml", t.dir);
    char *got = (char *)1;
    struct jy_error err = {0};
    assert_int_equal(config_locate(missing, &got, &err), JY_ENOTFOUND);
    assert_null(got);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "--config"));
    setenv("JINGYU_CONFIG", missing, 1);
    assert_int_equal(config_locate(NULL, &got, &err), JY_ENOTFOUND);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "JINGYU_CONFIG"));
    unsetenv("JINGYU_CONFIG");

    /* Empty counts as unset: the source tree's data/ or the installed one. */
    setenv("JINGYU_DATADIR", "", 1);
    const char *dd = config_datadir();
    assert_true(!strcmp(dd, JY_SRCDATADIR) || !strcmp(dd, JY_DATADIR));

    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (srcdir) {
        char *dd_want = xasprintf("%s/data", srcdir);
        setenv("JINGYU_DATADIR", dd_want, 1);
        free(dd_want);
    } else {
        unsetenv("JINGYU_DATADIR");
    }
    free(missing);
    free(cli);
    free(env);
    free(xdg);
    free(home);
    free(xdg_file);
    free(home_file);
    free(data);
    free(demo);
    tmp_remove(&t);
}

/* ---- the files in the repository --------------------------------------- */

static void repo_example_loads(void **state)
{
    (void)state;
    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (!srcdir) {
        print_message("skipped: JINGYU_SRCDIR is not set\n");
        skip();
    }
    char *path = xasprintf("%s/config.yaml", srcdir);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    int rc = config_load(path, &cfg, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(cfg->database, "/var/lib/jingyu/jingyu.db");
    assert_true(cfg->n_sources >= 5);
    bool types[3] = {false, false, false};
    for (size_t i = 0; i < cfg->n_sources; i++)
        types[cfg->sources[i].type] = true;
    assert_true(types[SOURCE_FEED] && types[SOURCE_FILE_DROP] && types[SOURCE_REPLAY]);
    config_free(cfg);
    free(path);
}

static void demo_config_loads(void **state)
{
    (void)state;
    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (!srcdir) {
        print_message("skipped: JINGYU_SRCDIR is not set\n");
        skip();
    }
    setenv("HOME", "/home/duty", 1);
    unsetenv("XDG_DATA_HOME");
    char *path = xasprintf("%s/data/demo/demo.yaml", srcdir);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    int rc = config_load(path, &cfg, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(cfg->bureau, "清河县公安局");
    assert_string_equal(cfg->database, "/home/duty/.local/share/jingyu/demo.db");
    assert_int_equal(cfg->collector.min_interval, 1);
    assert_int_equal(cfg->n_sources, 1);
    struct source_config *s = &cfg->sources[0];
    assert_string_equal(s->name, "清河县演示场景");
    assert_int_equal(s->type, SOURCE_REPLAY);
    assert_string_equal(s->path, cfg->dir);
    char *tail = strstr(s->path, "/data/demo");
    assert_non_null(tail);
    assert_string_equal(tail, "/data/demo");
    assert_true(s->speed == 60.0);
    assert_int_equal(s->interval, 2);
    assert_int_equal(s->media_level, MEDIA_LOCAL);
    assert_string_equal(s->region, "清河县");
    config_free(cfg);
    free(path);
}

/* Each file under tests/fixtures/config/bad starts with "# expect: MESSAGE",
 * the message after "FILE:". */
static void fixtures_bad(void **state)
{
    (void)state;
    static const char *const names[] = {
        "tab-indent", "unknown-key",   "duplicate-name", "bad-media-level",
        "empty",      "interval-type", "no-database",    "max-body",
    };
    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (!srcdir) {
        print_message("skipped: JINGYU_SRCDIR is not set\n");
        skip();
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *path = xasprintf("%s/tests/fixtures/config/bad/%s.yaml", srcdir, names[i]);
        char *text = NULL;
        struct jy_error err = {0};
        assert_int_equal(jy_read_file(path, 1 << 16, &text, NULL, &err), 0);
        assert_memory_equal(text, "# expect: ", 10);
        char *want = xasprintf("%s:%.*s", path, (int)strcspn(text + 10, "\n"), text + 10);
        struct config *cfg = (struct config *)1;
        int rc = config_load(path, &cfg, &err);
        if (rc != JY_ECONFIG || strncmp(err.msg, want, strlen(want)) != 0)
            print_error("%s: got [%s]\nwant [%s...]\n", names[i], err.msg, want);
        assert_int_equal(rc, JY_ECONFIG);
        assert_null(cfg);
        assert_memory_equal(err.msg, want, strlen(want));
        free(want);
        free(text);
        free(path);
    }
}

static void fixtures_good(void **state)
{
    (void)state;
    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (!srcdir) {
        print_message("skipped: JINGYU_SRCDIR is not set\n");
        skip();
    }
    char *path = xasprintf("%s/tests/fixtures/config/good/minimal.yaml", srcdir);
    struct config *cfg = NULL;
    struct jy_error err = {0};
    assert_int_equal(config_load(path, &cfg, &err), 0);
    assert_int_equal(cfg->n_sources, 1);
    assert_string_equal(cfg->sources[0].name, "某某日报");
    assert_int_equal(cfg->sources[0].line, 4);
    assert_int_equal(cfg->sources[0].column, 5);
    config_free(cfg);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(minimal_form_loads, setup_env),
        cmocka_unit_test_setup(defaults_are_applied, setup_env),
        cmocka_unit_test_setup(every_key_is_read, setup_env),
        cmocka_unit_test_setup(relative_paths_use_config_folder, setup_env),
        cmocka_unit_test_setup(relative_config_path_gives_absolute_dir, setup_env),
        cmocka_unit_test_setup(database_home_and_xdg_forms, setup_env),
        cmocka_unit_test_setup(interval_raised_to_min_interval, setup_env),
        cmocka_unit_test_setup(max_body_suffixes, setup_env),
        cmocka_unit_test_setup(booleans_accept_yaml_words, setup_env),
        cmocka_unit_test_setup(no_color_overrides, setup_env),
        cmocka_unit_test_setup(names_and_labels, setup_env),
        cmocka_unit_test_setup(error_yaml_syntax, setup_env),
        cmocka_unit_test_setup(error_empty_file, setup_env),
        cmocka_unit_test_setup(audit_upkeep_keys, setup_env),
        cmocka_unit_test_setup(error_unknown_keys, setup_env),
        cmocka_unit_test_setup(error_wrong_types, setup_env),
        cmocka_unit_test_setup(error_out_of_range, setup_env),
        cmocka_unit_test_setup(error_missing_required, setup_env),
        cmocka_unit_test_setup(error_misplaced_keys, setup_env),
        cmocka_unit_test_setup(error_duplicates, setup_env),
        cmocka_unit_test_setup(error_bad_enums, setup_env),
        cmocka_unit_test_setup(error_missing_file, setup_env),
        cmocka_unit_test_setup(lookup_order, setup_env),
        cmocka_unit_test_setup(repo_example_loads, setup_env),
        cmocka_unit_test_setup(demo_config_loads, setup_env),
        cmocka_unit_test_setup(fixtures_bad, setup_env),
        cmocka_unit_test_setup(fixtures_good, setup_env),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
