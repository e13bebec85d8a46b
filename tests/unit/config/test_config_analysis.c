/* Unit tests for the `analysis:` section of config.yaml: monitoring schemes
 * (groups in English or Chinese, expressions and where they start in the
 * file), near-duplicate and event settings, the risk model, their defaults,
 * and the message a user sees for each mistake. Each test writes its YAML
 * into a fresh temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

struct tmp {
    char dir[256];
    char path[300];
};

static void tmp_make(struct tmp *t, const char *yaml)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/jy-config-an-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    char *real = realpath(t->dir, NULL);
    assert_non_null(real);
    assert_true(strlen(real) < sizeof t->dir);
    strcpy(t->dir, real);
    free(real);
    snprintf(t->path, sizeof t->path, "%s/config.yaml", t->dir);
    FILE *f = fopen(t->path, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
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

/* Loads yaml and checks the message: "FILE:WHERE: KEY: ..." with what after it. */
static void expect_error(const char *yaml, const char *where, const char *key, const char *what)
{
    struct tmp t;
    tmp_make(&t, yaml);
    struct config *cfg = (struct config *)1;
    struct jy_error err = {0};
    int rc = config_load(t.path, &cfg, &err);
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s:%s: %s: ", t.path, where, key);
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
    setenv("HOME", "/home/tester", 1);
    return 0;
}

static void assert_words(char **got, size_t n, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        assert_true(i < n);
        assert_string_equal(got[i], want[i]);
    }
    assert_int_equal(n, i);
}

/* ---- loading ----------------------------------------------------------- */

static void defaults_without_section(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: x.db\n"
                                     "sources:\n"
                                     "  - {name: a, url: http://h/a, region: 清河县}\n"
                                     "  - {name: b, url: http://h/b}\n"
                                     "  - {name: c, url: http://h/c, region: 清河}\n"
                                     "  - {name: d, url: http://h/d, region: 清河县}\n");
    const struct analysis_config *a = &cfg->analysis;
    assert_int_equal(a->n_schemes, 0);
    assert_null(a->schemes);
    assert_int_equal(a->simhash_threshold, 3);
    assert_int_equal(a->duplicate_window, 168);
    assert_int_equal(a->event_window, 48);
    assert_true(a->event_similarity == 0.25);
    const struct risk_config *r = &a->risk;
    assert_true(r->w_content == 19 && r->w_attitude == 5 && r->w_intensity == 47);
    assert_true(r->w_media == 10 && r->w_evolution == 3 && r->w_local == 16);
    assert_true(r->level_min[0] == 80 && r->level_min[1] == 65);
    assert_true(r->level_min[2] == 50 && r->level_min[3] == 35);
    assert_int_equal(r->volume_full, 1000);
    assert_true(r->velocity_full == 36);
    assert_true(r->velocity_base == 10);
    assert_true(r->acceleration_full == 20);
    assert_true(r->content_base == 0.3);
    assert_true(r->major_content == 0.7);
    /* The distinct regions of the sources, in order. */
    assert_words(r->region_words, r->n_region_words, (const char *const[]){"清河县", "清河", NULL});
    assert_int_equal(r->n_official_words, 0);
    config_free(cfg);
    tmp_remove(&t);
}

static void full_section_is_read(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg =
        load_ok(&t, "database: x.db\n"                                                   /* 1 */
                    "sources:\n"                                                         /* 2 */
                    "  - {name: a, url: http://h/a, region: 别处}\n"                     /* 3 */
                    "analysis:\n"                                                        /* 4 */
                    "  simhash_threshold: 5\n"                                           /* 5 */
                    "  duplicate_window: 24   # hours\n"                                 /* 6 */
                    "  event_window: 72\n"                                               /* 7 */
                    "  event_similarity: 0.4\n"                                          /* 8 */
                    "  schemes:\n"                                                       /* 9 */
                    "    - name: 执法争议\n"                                             /* 10 */
                    "      地域: [清河, 清河县]\n"                                       /* 11 */
                    "      subject: [警察, 民警, 辅警]\n"                                /* 12 */
                    "      事件: [打人, 暴力执法]\n"                                     /* 13 */
                    "      exclude: [演习]\n"                                            /* 14 */
                    "      title_only: false\n"                                          /* 15 */
                    "      media: [central, provincial]\n"                               /* 16 */
                    "      enabled: true\n"                                              /* 17 */
                    "    - name: 谣言\n"                                                 /* 18 */
                    "      expr: '(警察 OR 民警) AND (谣言 OR \"网传\") AND NOT 辟谣'\n" /* 19 */
                    "      title_only: yes\n"                                            /* 20 */
                    "      enabled: no\n"                                                /* 21 */
                    "    - name: plain\n"                                                /* 22 */
                    "      expr:   警察 AND 打人\n"                                      /* 23 */
                    "    - {name: 双引号, expr: \"救援 NEAR/5 消防\", 排除: []}\n"       /* 24 */
                    "    - name: block\n"                                                /* 25 */
                    "      expr: |\n"                                                    /* 26 */
                    "\n"                                                                 /* 27 */
                    "         窗口 AND 投诉\n"                                           /* 28 */
                    "      media: local\n"                                               /* 29 */
                    "    - name: 单词\n"                                                 /* 30 */
                    "      主体: 警察\n"                                                 /* 31 */
                    "  risk:\n"                                                          /* 32 */
                    "    weights: {content: 30, attitude: 0, intensity: 15.5, media: 15,\n"
                    "              evolution: 5, local: 10}\n"
                    "    levels: {I: 90, II: 70, III: 45, IV: 20.5}\n"
                    "    volume_full: 80\n"
                    "    velocity_full: 4.5\n"
                    "    content_base: 0.6\n"
                    "    major_content: 0.8\n"
                    "    region_words: [清河, 清河县]\n"
                    "    official_words: [公安, 警方]\n");
    const struct analysis_config *a = &cfg->analysis;
    assert_int_equal(a->simhash_threshold, 5);
    assert_int_equal(a->duplicate_window, 24);
    assert_int_equal(a->event_window, 72);
    assert_true(a->event_similarity == 0.4);
    assert_int_equal(a->n_schemes, 6);

    const struct scheme_config *s = &a->schemes[0];
    assert_string_equal(s->name, "执法争议");
    assert_words(s->terms[GROUP_REGION], s->n_terms[GROUP_REGION],
                 (const char *const[]){"清河", "清河县", NULL});
    assert_words(s->terms[GROUP_SUBJECT], s->n_terms[GROUP_SUBJECT],
                 (const char *const[]){"警察", "民警", "辅警", NULL});
    assert_words(s->terms[GROUP_EVENT], s->n_terms[GROUP_EVENT],
                 (const char *const[]){"打人", "暴力执法", NULL});
    assert_words(s->terms[GROUP_EXCLUDE], s->n_terms[GROUP_EXCLUDE],
                 (const char *const[]){"演习", NULL});
    assert_null(s->expr);
    assert_false(s->title_only);
    assert_true(s->enabled);
    assert_int_equal(s->n_media, 2);
    assert_int_equal(s->media[0], MEDIA_CENTRAL);
    assert_int_equal(s->media[1], MEDIA_PROVINCIAL);
    assert_int_equal(s->line, 10);
    assert_int_equal(s->column, 7);

    s = &a->schemes[1];
    assert_string_equal(s->expr, "(警察 OR 民警) AND (谣言 OR \"网传\") AND NOT 辟谣");
    assert_true(s->title_only);
    assert_false(s->enabled);
    assert_int_equal(s->n_media, 0);
    for (int g = 0; g < N_GROUPS; g++)
        assert_int_equal(s->n_terms[g], 0);
    /* Single-quoted: the character after the quote. */
    assert_int_equal(s->expr_line, 19);
    assert_int_equal(s->expr_column, 14);

    s = &a->schemes[2]; /* plain scalar: its first character */
    assert_string_equal(s->expr, "警察 AND 打人");
    assert_int_equal(s->expr_line, 23);
    assert_int_equal(s->expr_column, 15);

    s = &a->schemes[3]; /* double-quoted in a flow mapping, columns in characters */
    assert_string_equal(s->name, "双引号");
    assert_string_equal(s->expr, "救援 NEAR/5 消防");
    assert_int_equal(s->line, 24);
    assert_int_equal(s->column, 7);
    assert_int_equal(s->expr_line, 24);
    assert_int_equal(s->expr_column, 26);

    s = &a->schemes[4];                            /* block scalar: the first line of content */
    assert_string_equal(s->expr, "窗口 AND 投诉"); /* the final newline dropped */
    assert_int_equal(s->expr_line, 28);
    assert_int_equal(s->expr_column, 10);
    assert_int_equal(s->n_media, 1);
    assert_int_equal(s->media[0], MEDIA_LOCAL);

    s = &a->schemes[5]; /* one word instead of a list */
    assert_words(s->terms[GROUP_SUBJECT], s->n_terms[GROUP_SUBJECT],
                 (const char *const[]){"警察", NULL});

    const struct risk_config *r = &a->risk;
    assert_true(r->w_content == 30 && r->w_attitude == 0 && r->w_intensity == 15.5);
    assert_true(r->w_media == 15 && r->w_evolution == 5 && r->w_local == 10);
    assert_true(r->major_content == 0.8);
    assert_true(r->level_min[0] == 90 && r->level_min[1] == 70);
    assert_true(r->level_min[2] == 45 && r->level_min[3] == 20.5);
    assert_int_equal(r->volume_full, 80);
    assert_true(r->velocity_full == 4.5);
    assert_true(r->content_base == 0.6);
    /* Given words replace the sources' regions. */
    assert_words(r->region_words, r->n_region_words, (const char *const[]){"清河", "清河县", NULL});
    assert_words(r->official_words, r->n_official_words,
                 (const char *const[]){"公安", "警方", NULL});
    config_free(cfg);
    tmp_remove(&t);
}

static void partial_risk_keeps_defaults(void **state)
{
    (void)state;
    struct tmp t;
    struct config *cfg = load_ok(&t, "database: x.db\n"
                                     "sources:\n"
                                     "  - {name: a, url: http://h/a, region: 清河县}\n"
                                     "analysis:\n"
                                     "  schemes: ~\n"
                                     "  risk:\n"
                                     "    weights: {evolution: 0}\n"
                                     "    levels: {IV: 30}\n"
                                     "    velocity_base: 2.5\n"
                                     "    acceleration_full: 6\n"
                                     "    region_words: []\n");
    const struct risk_config *r = &cfg->analysis.risk;
    assert_int_equal(cfg->analysis.n_schemes, 0);
    assert_true(r->w_content == 19 && r->w_evolution == 0);
    assert_true(r->level_min[0] == 80 && r->level_min[3] == 30);
    assert_true(r->velocity_base == 2.5 && r->acceleration_full == 6);
    assert_true(r->velocity_full == 36);
    /* An explicit empty list means no local words, not the sources' regions. */
    assert_int_equal(r->n_region_words, 0);
    config_free(cfg);
    tmp_remove(&t);
}

/* ---- mistakes ---------------------------------------------------------- */

#define HEAD "database: x.db\nanalysis:\n"

static void error_unknown_keys(void **state)
{
    (void)state;
    expect_error(HEAD "  bogus: 1\n", "3:3", "analysis.bogus", "unknown key");
    expect_error(HEAD "  schemes:\n    - name: a\n      subject: [x]\n      colour: red\n", "6:7",
                 "analysis.schemes[0].colour", "unknown key");
    expect_error(HEAD "  risk:\n    speed: 1\n", "4:5", "analysis.risk.speed", "unknown key");
    expect_error(HEAD "  risk:\n    weights: {content: 1, anger: 2}\n", "4:27",
                 "analysis.risk.weights.anger", "unknown indicator");
    /* the indicators of the model before the DB4401/T 12 families */
    expect_error(HEAD "  risk:\n    weights: {negative: 1}\n", "4:15",
                 "analysis.risk.weights.negative", "the indicators are now content, attitude");
    expect_error(HEAD "  risk:\n    levels: {I: 90, V: 10}\n", "4:21", "analysis.risk.levels.V",
                 "unknown level");
}

static void error_expr_and_groups(void **state)
{
    (void)state;
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      主体: [警察]\n"
                      "      expr: 警察 AND 打人\n",
                 "6:7", "analysis.schemes[0].expr", "not both (主体 is given too)");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      title_only: true\n",
                 "4:7", "analysis.schemes[0]", "needs expr or at least one term");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      event: []\n",
                 "4:7", "analysis.schemes[0]", "needs expr or at least one term");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      排除: [演习]\n",
                 "5:7", "analysis.schemes[0].排除", "exclude alone would match everything");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      region: [x]\n"
                      "      地域: [y]\n",
                 "6:7", "analysis.schemes[0].地域", "given twice (region and 地域)");
}

static void error_names(void **state)
{
    (void)state;
    expect_error(HEAD "  schemes:\n"
                      "    - name: 谣言\n"
                      "      subject: [x]\n"
                      "    - name: b\n"
                      "      subject: [x]\n"
                      "    - name: 谣言\n"
                      "      expr: x\n",
                 "8:13", "analysis.schemes[2].name",
                 "duplicate scheme name \"谣言\" (also analysis.schemes[0], line 4)");
    expect_error(HEAD "  schemes:\n"
                      "    - subject: [x]\n",
                 "4:7", "analysis.schemes[0].name", "missing required key");
    expect_error(HEAD "  schemes:\n"
                      "    - name: ''\n"
                      "      subject: [x]\n",
                 "4:13", "analysis.schemes[0].name", "must not be empty");
}

static void error_empty_terms(void **state)
{
    (void)state;
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      region: [清河, \"\"]\n",
                 "5:20", "analysis.schemes[0].region[1]", "must not be empty");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      事件:\n"
                      "        - 打人\n"
                      "        - '  '\n",
                 "7:11", "analysis.schemes[0].事件[1]", "must not be empty");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      expr: \"\"\n",
                 "5:13", "analysis.schemes[0].expr", "must not be empty");
    expect_error(HEAD "  schemes:\n"
                      "    - name: a\n"
                      "      subject: {x: 1}\n",
                 "5:16", "analysis.schemes[0].subject", "expected a sequence of strings");
    expect_error(HEAD "  risk:\n    region_words: [清河, '']\n", "4:24",
                 "analysis.risk.region_words[1]", "must not be empty");
}

static void error_values(void **state)
{
    (void)state;
    expect_error(HEAD "  simhash_threshold: 9\n", "3:22", "analysis.simhash_threshold",
                 "out of range (0..8)");
    expect_error(HEAD "  event_similarity: 1.5\n", "3:21", "analysis.event_similarity",
                 "out of range");
    expect_error(HEAD "  event_similarity: much\n", "3:21", "analysis.event_similarity",
                 "expected a number");
    expect_error(HEAD "  event_window: 0\n", "3:17", "analysis.event_window", "out of range");
    expect_error(HEAD "  schemes: 3\n", "3:12", "analysis.schemes", "expected a sequence");
    expect_error(HEAD "  schemes:\n    - name: a\n      subject: [x]\n      media: [national]\n",
                 "6:15", "analysis.schemes[0].media[0]", "unknown value \"national\"");
    expect_error(HEAD "  schemes:\n    - name: a\n      subject: [x]\n      enabled: maybe\n",
                 "6:16", "analysis.schemes[0].enabled", "expected a boolean");
    expect_error(HEAD "  risk:\n    velocity_full: 1\n", "4:20", "analysis.risk.velocity_full",
                 "more than 1");
    expect_error(HEAD "  risk:\n    acceleration_full: 1\n", "4:24",
                 "analysis.risk.acceleration_full", "more than 1");
    expect_error(HEAD "  risk:\n    velocity_base: 0.5\n", "4:20", "analysis.risk.velocity_base",
                 "out of range");
    expect_error(HEAD "  risk:\n    content_base: 1.5\n", "4:19", "analysis.risk.content_base",
                 "out of range");
    expect_error(HEAD "  risk:\n    volume_full: 0\n", "4:18", "analysis.risk.volume_full",
                 "out of range");
}

static void error_weights(void **state)
{
    (void)state;
    expect_error(HEAD "  risk:\n    weights: {content: 20, media: -5}\n", "4:35",
                 "analysis.risk.weights.media", "must not be negative");
    expect_error(HEAD "  risk:\n"
                      "    weights:\n"
                      "      content: 0\n"
                      "      attitude: 0\n"
                      "      intensity: 0\n"
                      "      media: 0\n"
                      "      evolution: 0\n"
                      "      local: 0\n",
                 "5:7", "analysis.risk.weights", "all weights are zero");
    expect_error(HEAD "  risk:\n    major_content: 1.5\n", "4:20", "analysis.risk.major_content",
                 "out of range");
}

static void error_levels(void **state)
{
    (void)state;
    expect_error(HEAD "  risk:\n    levels: {I: 80, II: 85, III: 40, IV: 25}\n", "4:25",
                 "analysis.risk.levels.II", "must descend");
    /* Against a default: III (50 by default) is not below IV. */
    expect_error(HEAD "  risk:\n    levels: {IV: 50}\n", "4:18", "analysis.risk.levels.IV",
                 "III is 50 but IV is 50");
    /* Against a default the other way: I given below II's default. */
    expect_error(HEAD "  risk:\n    levels:\n      I: 50\n", "5:10", "analysis.risk.levels.I",
                 "I is 50 but II is 65");
    expect_error(HEAD "  risk:\n    levels: {I: 101}\n", "4:17", "analysis.risk.levels.I",
                 "out of range");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_without_section, setup_env),
        cmocka_unit_test_setup(full_section_is_read, setup_env),
        cmocka_unit_test_setup(partial_risk_keeps_defaults, setup_env),
        cmocka_unit_test_setup(error_unknown_keys, setup_env),
        cmocka_unit_test_setup(error_expr_and_groups, setup_env),
        cmocka_unit_test_setup(error_names, setup_env),
        cmocka_unit_test_setup(error_empty_terms, setup_env),
        cmocka_unit_test_setup(error_values, setup_env),
        cmocka_unit_test_setup(error_weights, setup_env),
        cmocka_unit_test_setup(error_levels, setup_env),
    };
    return cmocka_run_group_tests_name("config-analysis", tests, NULL, NULL);
}
