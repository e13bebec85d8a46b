/*
 * test_normalize.c: what normalisation makes of Weibo text and of scheme
 * terms, case by case (full-width forms, traditional characters, case,
 * repost chains, topics, emoji remnants, links, broken UTF-8), and a smoke
 * run over the real corpus when $JINGYU_SHARED/corpus is there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <opencc/opencc.h>

#include "analyze/analyze_int.h"

static struct normalizer *nz;

static int setup(void **state)
{
    (void)state;
    struct jy_error err = {0};
    if (normalizer_new(&nz, &err)) {
        fprintf(stderr, "normalizer_new: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    normalizer_free(nz);
    return 0;
}

struct text_case {
    const char *name;
    const char *in;
    size_t len;         /* 0: strlen(in) */
    const char *text;   /* expected normalised text */
    const char *repost; /* expected repost, NULL for none */
    const char *topics; /* expected topics joined by '|', "" for none */
};

static const struct text_case text_cases[] = {
    {"full-width letters and digits", "ＡＢＣ警察１２３", 0, "abc警察123", NULL, ""},
    {"full-width punctuation", "你好，世界！（测试）：“引号”", 0, "你好,世界!(测试):“引号”", NULL,
     ""},
    {"ideographic space", "清河　县", 0, "清河 县", NULL, ""},
    {"compatibility forms", "①ﬁ㈱ｶ", 0, "1fi(株)カ", NULL, ""},
    {"traditional to simplified", "警察打人視頻", 0, "警察打人视频", NULL, ""},
    {"traditional phrase", "頭髮亂了，後來說", 0, "头发乱了,后来说", NULL, ""},
    {"traditional phrase in a long post",
     "今天天气很好，我们去公园散步。他的頭髮亂了，大家都笑了。然后回家吃饭，晚上看电视。", 0,
     "今天天气很好,我们去公园散步。他的头发乱了,大家都笑了。然后回家吃饭,晚上看电视。", NULL, ""},
    {"traditional at both ends of a long post, converted apart",
     "頭髮亂了，今天天气很好，我们去公园散步，大家都笑了，然后回家吃饭，晚上看电视，一直到很晚才睡"
     "觉，"
     "第二天早上起来，後來說視頻",
     0,
     "头发乱了,今天天气很好,我们去公园散步,大家都笑了,然后回家吃饭,晚上看电视,一直到很晚才睡觉,"
     "第二天早上起来,后来说视频",
     NULL, ""},
    {"latin lower-case", "Police HELLO World", 0, "police hello world", NULL, ""},
    {"accented capital (case folding)", "CAFÉ", 0, "café", NULL, ""},
    {"combining accent composed", "Cafe\xcc\x81", 0, "caf\xc3\xa9", NULL, ""},
    {"zero-width space dropped", "警\xe2\x80\x8b察", 0, "警察", NULL, ""},
    {"repost chain split", "说得好//@张三:警察打人了//@李四:转发", 0, "说得好",
     "张三:警察打人了//@李四:转发", ""},
    {"repost only", "//@广州公安:转存！", 0, "", "广州公安:转存!", ""},
    {"repost chain normalised", "好//@ＡＢ:視頻", 0, "好", "ab:视频", ""},
    {"topics in order, no repeats", "#清河县# 警察 #打人##清河县#", 0,
     "#清河县# 警察 #打人##清河县#", NULL, "清河县|打人"},
    {"topic normalised", "＃警察打人視頻＃ 看", 0, "#警察打人视频# 看", NULL, "警察打人视频"},
    {"empty topic skipped", "## #a#", 0, "## #a#", NULL, "a"},
    {"topics from repost too", "转 #甲#//@某:#乙# #甲#", 0, "转 #甲#", "某:#乙# #甲#", "甲|乙"},
    {"private use dropped", "警察\xee\x98\xa7打人\xf3\xb0\x80\x81", 0, "警察打人", NULL, ""},
    {"lone ? at the end", "对比伤医事件层出不穷，痛心 ?", 0, "对比伤医事件层出不穷,痛心", NULL, ""},
    {"lone ? run before a topic", "转发 ???#话题#", 0, "转发 #话题#", NULL, "话题"},
    {"lone ? between spaces", "a ? b", 0, "a b", NULL, ""},
    {"? after a word stays", "what? ok", 0, "what? ok", NULL, ""},
    {"? inside Chinese stays", "怎么办?真的", 0, "怎么办?真的", NULL, ""},
    {"full-width ？ is a real question", "真的吗？", 0, "真的吗?", NULL, ""},
    {"lone ? before a repost chain",
     "转发?"
     "?//@某:好",
     0, "转发", "某:好", ""},
    {"http URL removed", "看视频 http://t.cn/A6vXyz 转发", 0, "看视频 转发", NULL, ""},
    {"https URL before Chinese", "链接https://example.com/a?b=1，快看", 0, "链接,快看", NULL, ""},
    {"bare t.cn link", "t.cn/A6hiZFz 是真的", 0, "是真的", NULL, ""},
    {"URL before a topic", "http://t.cn/x#话题#", 0, "#话题#", NULL, "话题"},
    {"网页链接 tail", "支持请转！O网页链接 收起全文d", 0, "支持请转!", NULL, ""},
    {"网页链接 in the middle", "骗子@平和超O网页链接  骗子", 0, "骗子@平和超 骗子", NULL, ""},
    {"broken link remnant", "看http:O网页链接????", 0, "看", NULL, ""},
    {"whitespace collapsed and trimmed", "  a \t\n b\r\n  c  ", 0, "a b c", NULL, ""},
    {"invalid UTF-8 replaced",
     "a\xff\xfe"
     "b\xe8\xad",
     0,
     "a\xef\xbf\xbd\xef\xbf\xbd"
     "b\xef\xbf\xbd\xef\xbf\xbd",
     NULL, ""},
    {"NUL byte inside", "a\0b", 3, "a b", NULL, ""},
    {"empty", "", 0, "", NULL, ""},
    {"only noise", " ? http://t.cn/x ", 0, "", NULL, ""},
};

/* ---- what OpenCC converts is learnt on first sight ---------------------------------- */

/* Every STEP-th code point of the ideograph ranges, from offset `from`. */
#define T2S_STEP 5
static size_t ideographs(uint32_t from, uint32_t *out, size_t cap)
{
    static const uint32_t ranges[][2] = {{0x3400, 0x4dbf}, {0x4e00, 0x9fff}};
    size_t n = 0;
    for (size_t r = 0; r < 2; r++)
        for (uint32_t cp = ranges[r][0] + from; cp <= ranges[r][1] && n < cap; cp += T2S_STEP)
            out[n++] = cp;
    return n;
}

/* OpenCC's own conversion of each code point alone (a new array of
 * strings). */
static char **reference(const uint32_t *cps, size_t n)
{
    opencc_t cc = opencc_open("t2s.json");
    assert_true(cc != (opencc_t)-1);
    char *in = malloc(n * 5 + 1), *p = in;
    for (size_t i = 0; i < n; i++) {
        p += utf8_encode(cps[i], p);
        *p++ = '\n';
    }
    char *out = opencc_convert_utf8(cc, in, (size_t)(p - in));
    assert_non_null(out);
    char **ref = calloc(n, sizeof *ref);
    const char *o = out;
    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(o, '\n');
        assert_non_null(nl);
        ref[i] = strndup(o, (size_t)(nl - o));
        o = nl + 1;
    }
    opencc_convert_utf8_free(out);
    opencc_close(cc);
    free(in);
    return ref;
}

struct t2s_run {
    const uint32_t *cps;
    char **ref;
    size_t n;
    bool backwards;
    size_t wrong;
};

static void *t2s_thread(void *arg)
{
    struct t2s_run *r = arg;
    struct normalizer *mine;
    struct jy_error err = {0};
    if (normalizer_new(&mine, &err)) {
        r->wrong = SIZE_MAX;
        return NULL;
    }
    for (size_t k = 0; k < r->n; k++) {
        size_t i = r->backwards ? r->n - 1 - k : k;
        char s[8];
        s[utf8_encode(r->cps[i], s)] = '\0';
        char *got = normalize_term(mine, s, strlen(s));
        if (strcmp(got, r->ref[i]) != 0)
            r->wrong++;
        free(got);
    }
    normalizer_free(mine);
    return NULL;
}

/* Two threads, each with its own normaliser, meet the same unseen
 * ideographs in opposite orders, so that the tables they share learn them
 * at the same time: each one comes out as OpenCC converts it alone. (This
 * test runs first, before any other has shown the tables an ideograph.) */
static void test_t2s_learnt_in_threads(void **state)
{
    (void)state;
    static uint32_t cps[8000];
    size_t n = ideographs(0, cps, 8000);
    char **ref = reference(cps, n);
    struct t2s_run runs[2] = {{cps, ref, n, false, 0}, {cps, ref, n, true, 0}};
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&th[t], NULL, t2s_thread, &runs[t]), 0);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(runs[0].wrong, 0);
    assert_int_equal(runs[1].wrong, 0);
    size_t converted = 0;
    for (size_t i = 0; i < n; i++) {
        char s[8];
        s[utf8_encode(cps[i], s)] = '\0';
        converted += strcmp(s, ref[i]) != 0;
        free(ref[i]);
    }
    free(ref);
    assert_true(converted > 100); /* the sample holds traditional characters */
}

/* Unseen ideographs met in a text are learnt together, from the first one
 * on: separated by full-width commas (no phrase spans one), each comes out
 * as OpenCC converts it alone. */
static void test_t2s_learnt_from_text(void **state)
{
    (void)state;
    static uint32_t cps[8000];
    size_t n = ideographs(2, cps, 8000);
    char **ref = reference(cps, n);
    for (size_t at = 0; at < n; at += 300) {
        size_t end = at + 300 < n ? at + 300 : n;
        char *text = malloc((end - at) * 8 + 1), *want = malloc((end - at) * 8 + 1);
        char *p = text, *q = want;
        for (size_t i = at; i < end; i++) {
            if (i > at) {
                memcpy(p, "\xef\xbc\x8c", 3); /* ， */
                p += 3;
                *q++ = ',';
            }
            p += utf8_encode(cps[i], p);
            q = stpcpy(q, ref[i]);
        }
        *p = *q = '\0';
        struct normalized out;
        assert_int_equal(normalize_text(nz, text, strlen(text), &out, NULL), 0);
        assert_string_equal(out.text, want);
        normalized_clear(&out);
        free(text);
        free(want);
    }
    for (size_t i = 0; i < n; i++)
        free(ref[i]);
    free(ref);
}

/* More runs of traditional characters, far apart, than are converted
 * separately: every one is still converted. */
static void test_t2s_many_runs(void **state)
{
    (void)state;
    char in[4096] = "", want[4096] = "";
    for (int k = 0; k < 24; k++) {
        strcat(in, "後來說");
        strcat(want, "后来说");
        strcat(in, "我们去公园散步然后回家吃饭晚上看电视一直到很晚");
        strcat(want, "我们去公园散步然后回家吃饭晚上看电视一直到很晚");
    }
    struct normalized out;
    assert_int_equal(normalize_text(nz, in, strlen(in), &out, NULL), 0);
    assert_string_equal(out.text, want);
    normalized_clear(&out);
}

static void check_topics(const struct normalized *n, const char *want, const char *name)
{
    char got[512] = "";
    for (size_t i = 0; i < n->n_topics; i++) {
        if (i)
            strcat(got, "|");
        strncat(got, n->topics[i], sizeof got - strlen(got) - 2);
    }
    if (strcmp(got, want)) {
        print_error("%s: topics \"%s\", want \"%s\"\n", name, got, want);
        fail();
    }
}

static void test_text_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
        const struct text_case *c = &text_cases[i];
        struct normalized n;
        struct jy_error err = {0};
        size_t len = c->len ? c->len : strlen(c->in);
        assert_int_equal(normalize_text(nz, c->in, len, &n, &err), 0);
        if (strcmp(n.text, c->text)) {
            print_error("%s: text \"%s\", want \"%s\"\n", c->name, n.text, c->text);
            fail();
        }
        if (!c->repost != !n.repost || (c->repost && strcmp(n.repost, c->repost))) {
            print_error("%s: repost \"%s\", want \"%s\"\n", c->name, n.repost ? n.repost : "(null)",
                        c->repost ? c->repost : "(null)");
            fail();
        }
        check_topics(&n, c->topics, c->name);
        normalized_clear(&n);
    }
}

static void test_input_not_modified(void **state)
{
    (void)state;
    char in[] = "ＡＢ視頻 http://t.cn/x #话题#//@某:好";
    char copy[sizeof in];
    memcpy(copy, in, sizeof in);
    struct normalized n;
    assert_int_equal(normalize_text(nz, in, strlen(in), &n, NULL), 0);
    assert_memory_equal(in, copy, sizeof in);
    normalized_clear(&n);
    /* Cleared twice is harmless, and a NULL text is an empty one. */
    normalized_clear(&n);
    assert_int_equal(normalize_text(nz, NULL, 0, &n, NULL), 0);
    assert_string_equal(n.text, "");
    assert_null(n.repost);
    assert_int_equal(n.n_topics, 0);
    normalized_clear(&n);
}

struct term_case {
    const char *in, *want;
};

static const struct term_case term_cases[] = {
    {"  ＡＢＣ　視頻  ", "abc 视频"},
    {"暴力執法", "暴力执法"},
    {"打人?", "打人?"}, /* no Weibo rules for terms */
    {"#话题#", "#话题#"},
    {"http://x", "http://x"},
    {"Ｎear", "near"},
    {"", ""},
};

static void test_terms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof term_cases / sizeof term_cases[0]; i++) {
        char *got = normalize_term(nz, term_cases[i].in, strlen(term_cases[i].in));
        if (strcmp(got, term_cases[i].want)) {
            print_error("term \"%s\": \"%s\", want \"%s\"\n", term_cases[i].in, got,
                        term_cases[i].want);
            fail();
        }
        free(got);
    }
}

/* A term normalised on its own is found in a text normalised as a post. */
static void test_term_matches_text(void **state)
{
    (void)state;
    char *term = normalize_term(nz, "視頻", strlen("視頻"));
    struct normalized n;
    const char *post = "警察打人视頻！！ http://t.cn/x";
    assert_int_equal(normalize_text(nz, post, strlen(post), &n, NULL), 0);
    assert_non_null(strstr(n.text, term));
    free(term);
    normalized_clear(&n);
}

static bool has_pua(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000)
            return true;
    }
    return false;
}

static void check_clean(const char *s)
{
    size_t len = strlen(s);
    assert_true(utf8_valid(s, len));
    assert_false(has_pua(s));
    assert_null(strstr(s, "http://"));
    assert_null(strstr(s, "https://"));
    assert_null(strstr(s, "网页链接"));
    assert_null(strstr(s, "  "));
    if (len) {
        assert_true(s[0] != ' ');
        assert_true(s[len - 1] != ' ');
    }
    for (size_t i = 0; i < len; i++)
        assert_false(s[i] >= 'A' && s[i] <= 'Z');
}

static void test_corpus_smoke(void **state)
{
    (void)state;
    const char *shared = getenv("JINGYU_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpus/weibo_police_2020.jsonl", shared ? shared : "");
    FILE *f = shared ? fopen(path, "r") : NULL;
    if (!f) {
        print_message("corpus not found (%s): skipped\n", shared ? path : "$JINGYU_SHARED unset");
        skip();
    }
    char *line = NULL;
    size_t cap = 0;
    size_t n = 0, reposts = 0, topics = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *t = j ? json_string_value(json_object_get(j, "text")) : NULL;
        if (!t) {
            json_decref(j);
            continue;
        }
        struct normalized out;
        assert_int_equal(normalize_text(nz, t, strlen(t), &out, NULL), 0);
        check_clean(out.text);
        if (out.repost) {
            check_clean(out.repost);
            reposts++;
        }
        /* Normalised text is its own normal form as a term (not as a post:
         * a real full-width ？ became an ASCII ? that could look like an
         * emoji remnant the second time). */
        char *again = normalize_term(nz, out.text, strlen(out.text));
        assert_string_equal(again, out.text);
        free(again);
        for (size_t i = 0; i < out.n_topics; i++) {
            assert_true(*out.topics[i]);
            assert_null(strchr(out.topics[i], '#'));
        }
        topics += out.n_topics;
        normalized_clear(&out);
        json_decref(j);
        n++;
    }
    free(line);
    fclose(f);
    print_message("corpus: %zu posts, %zu reposts, %zu topics\n", n, reposts, topics);
    assert_true(n > 1000);
    assert_true(reposts > 0);
    assert_true(topics > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t2s_learnt_in_threads), cmocka_unit_test(test_t2s_learnt_from_text),
        cmocka_unit_test(test_t2s_many_runs),         cmocka_unit_test(test_text_cases),
        cmocka_unit_test(test_input_not_modified),    cmocka_unit_test(test_terms),
        cmocka_unit_test(test_term_matches_text),     cmocka_unit_test(test_corpus_smoke),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
