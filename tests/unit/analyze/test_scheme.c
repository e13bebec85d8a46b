/*
 * test_scheme.c: the Aho-Corasick automaton (ac.c) and monitoring schemes
 * (scheme.c): expressions, groups, the engine over one automaton.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "analyze/analyze_int.h"

/* ---- ac.c ---------------------------------------------------------------- */

struct hit {
    int32_t value;
    size_t start, end, cstart, cend;
};

struct hits {
    struct hit h[1 << 17];
    size_t n;
    size_t stop_after; /* 0: never stop */
};

static bool collect_hit(void *ctx, int32_t value, size_t start, size_t end, size_t cstart,
                        size_t cend)
{
    struct hits *hs = ctx;
    if (hs->n < sizeof hs->h / sizeof hs->h[0])
        hs->h[hs->n++] = (struct hit){value, start, end, cstart, cend};
    return hs->stop_after == 0 || hs->n < hs->stop_after;
}

static struct ac *ac_of(const char *const *pats, const int32_t *values, size_t n)
{
    struct ac *a = ac_new();
    for (size_t i = 0; i < n; i++)
        ac_add(a, pats[i], strlen(pats[i]), values[i]);
    ac_build(a);
    return a;
}

/* Expected hits as "value:start-end" joined by spaces, in reporting order. */
static void assert_hits(const struct hits *hs, const char *want)
{
    char got[8192] = "";
    size_t off = 0;
    for (size_t i = 0; i < hs->n; i++)
        off += (size_t)snprintf(got + off, sizeof got - off, "%s%d:%zu-%zu", i ? " " : "",
                                hs->h[i].value, hs->h[i].start, hs->h[i].end);
    assert_string_equal(got, want);
}

static void test_ac_overlapping(void **state)
{
    (void)state;
    const char *pats[] = {"he", "she", "his", "hers"};
    const int32_t vals[] = {0, 1, 2, 3};
    struct ac *a = ac_of(pats, vals, 4);
    assert_int_equal(ac_count(a), 4);
    static struct hits hs;
    hs.n = 0;
    ac_scan(a, "ushers", 6, collect_hit, &hs);
    /* Same end: the longest first, then its suffixes. */
    assert_hits(&hs, "1:1-4 0:2-4 3:2-6");
    hs.n = 0;
    ac_scan(a, "ahishers", 8, collect_hit, &hs);
    assert_hits(&hs, "2:1-4 1:3-6 0:4-6 3:4-8");
    ac_free(a);
}

static void test_ac_suffixes(void **state)
{
    (void)state;
    const char *pats[] = {"c", "abc", "bc", "xyzabcd"};
    const int32_t vals[] = {7, 8, 9, 10};
    struct ac *a = ac_of(pats, vals, 4);
    static struct hits hs;
    hs.n = 0;
    /* "xyzab" then "c" fails out of the long pattern into "abc". */
    ac_scan(a, "xyzabc", 6, collect_hit, &hs);
    assert_hits(&hs, "8:3-6 9:4-6 7:5-6");
    hs.n = 0;
    ac_scan(a, "xyzabcd", 7, collect_hit, &hs);
    assert_hits(&hs, "8:3-6 9:4-6 7:5-6 10:0-7");
    ac_free(a);
}

static void test_ac_cjk(void **state)
{
    (void)state;
    const char *pats[] = {"警察", "察局", "公安局", "公安", "安局"};
    const int32_t vals[] = {0, 1, 2, 3, 4};
    struct ac *a = ac_of(pats, vals, 5);
    static struct hits hs;
    hs.n = 0;
    const char *t = "县公安局警察局"; /* 3 bytes a character */
    ac_scan(a, t, strlen(t), collect_hit, &hs);
    assert_hits(&hs, "3:3-9 2:3-12 4:6-12 0:12-18 1:15-21");
    /* the same hits in characters: 公安 is characters 1-3 */
    assert_int_equal(hs.h[0].cstart, 1);
    assert_int_equal(hs.h[0].cend, 3);
    assert_int_equal(hs.h[4].cstart, 5);
    assert_int_equal(hs.h[4].cend, 7);
    ac_free(a);
}

static void test_ac_two_values(void **state)
{
    (void)state;
    const char *pats[] = {"打人", "民警", "打人"};
    const int32_t vals[] = {5, 6, 9};
    struct ac *a = ac_of(pats, vals, 3);
    assert_int_equal(ac_count(a), 3);
    static struct hits hs;
    hs.n = 0;
    const char *t = "民警打人";
    ac_scan(a, t, strlen(t), collect_hit, &hs);
    assert_hits(&hs, "6:0-6 5:6-12 9:6-12");
    ac_free(a);
}

static void test_ac_early_stop_and_empty(void **state)
{
    (void)state;
    const char *pats[] = {"a", "aa"};
    const int32_t vals[] = {1, 2};
    struct ac *a = ac_of(pats, vals, 2);
    static struct hits hs;
    hs.n = 0;
    hs.stop_after = 2;
    ac_scan(a, "aaaa", 4, collect_hit, &hs);
    assert_hits(&hs, "1:0-1 2:0-2");
    hs.n = 0;
    hs.stop_after = 0;
    ac_scan(a, "", 0, collect_hit, &hs);
    ac_scan(a, NULL, 0, collect_hit, &hs);
    ac_scan(a, "bbb", 3, collect_hit, &hs);
    assert_int_equal(hs.n, 0);
    ac_free(a);

    /* No patterns at all. */
    struct ac *e = ac_new();
    ac_build(e);
    assert_int_equal(ac_count(e), 0);
    ac_scan(e, "abc", 3, collect_hit, &hs);
    assert_int_equal(hs.n, 0);
    ac_free(e);
    ac_free(NULL);
}

/* A text far longer than the scan's stack buffers, with more hits than it
 * reports at once: every hit's offsets (bytes and code points) are right to
 * the end, and a sink that stops in the middle of a batch stops the scan. */
static void test_ac_long_text(void **state)
{
    (void)state;
    const char *pats[] = {"警", "民警", "a民"};
    const int32_t vals[] = {1, 2, 3};
    struct ac *a = ac_of(pats, vals, 3);
    enum { REPS = 1500 };
    const char *unit = "a民警，"; /* 1 + 3 + 3 + 3 bytes, 4 code points */
    size_t ul = strlen(unit);
    char *text = malloc(REPS * ul + 1);
    for (size_t r = 0; r < REPS; r++)
        memcpy(text + r * ul, unit, ul);
    text[REPS * ul] = 0;
    static struct hits hs;
    hs.n = 0;
    hs.stop_after = 0;
    ac_scan(a, text, REPS * ul, collect_hit, &hs);
    assert_int_equal(hs.n, 3 * REPS);
    for (size_t r = 0; r < REPS; r++) {
        const struct hit *h = &hs.h[3 * r];
        size_t b = r * ul, c = r * 4;
        assert_int_equal(h[0].value, 3);
        assert_int_equal(h[0].start, b);
        assert_int_equal(h[0].end, b + 4);
        assert_int_equal(h[0].cstart, c);
        assert_int_equal(h[0].cend, c + 2);
        /* 警 and 民警 end together: the longer first, as its own state's
         * outputs come before its dictionary link's */
        assert_int_equal(h[1].value, 2);
        assert_int_equal(h[1].start, b + 1);
        assert_int_equal(h[1].cstart, c + 1);
        assert_int_equal(h[2].value, 1);
        assert_int_equal(h[2].start, b + 4);
        assert_int_equal(h[2].end, b + 7);
        assert_int_equal(h[2].cend, c + 3);
    }
    hs.n = 0;
    hs.stop_after = 100;
    ac_scan(a, text, REPS * ul, collect_hit, &hs);
    assert_int_equal(hs.n, 100);
    free(text);
    ac_free(a);
}

static int cmp_hit(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->value - b->value;
}

/* Thousands of random patterns over a small alphabet (well past the dense
 * rows, so sparse states and long failure chains are exercised) against a
 * brute-force search. */
static void test_ac_random_vs_brute(void **state)
{
    (void)state;
    srand(12345);
    enum { NP = 3000, TL = 400 };
    static char pats[NP][10];
    struct ac *a = ac_new();
    for (int i = 0; i < NP; i++) {
        int len = 1 + rand() % 9;
        for (int k = 0; k < len; k++)
            pats[i][k] = (char)("abcd\xe8"[rand() % 5]);
        pats[i][len] = 0;
        ac_add(a, pats[i], (size_t)len, i);
    }
    ac_build(a);
    static struct hits got, want;
    for (int round = 0; round < 20; round++) {
        char text[TL];
        for (int k = 0; k < TL; k++)
            text[k] = (char)("abcd\xe8"[rand() % 5]);
        size_t tl = (size_t)(20 + rand() % (TL - 20));
        got.n = want.n = 0;
        ac_scan(a, text, tl, collect_hit, &got);
        for (size_t k = 1; k < got.n; k++)
            assert_true(got.h[k - 1].end <= got.h[k].end);
        for (int i = 0; i < NP; i++) {
            size_t pl = strlen(pats[i]);
            for (size_t s = 0; s + pl <= tl; s++)
                if (memcmp(text + s, pats[i], pl) == 0 && want.n < (1 << 17))
                    want.h[want.n++] = (struct hit){i, s, s + pl, s, s + pl}; /* 1 byte a char */
        }
        assert_true(want.n < (1 << 17));
        assert_int_equal(got.n, want.n);
        qsort(got.h, got.n, sizeof got.h[0], cmp_hit);
        qsort(want.h, want.n, sizeof want.h[0], cmp_hit);
        assert_memory_equal(got.h, want.h, got.n * sizeof got.h[0]);
    }
    ac_free(a);
}

/* A union of three automata reports, for each part, exactly the hits that
 * part's own automaton reports, in the same order; a part without a sink is
 * dropped. Patterns repeat across parts (the same term in two
 * vocabularies), and characters are CJK, as in the analyzer's use. */
static void test_ac_union_matches_parts(void **state)
{
    (void)state;
    srand(777);
    static const char *const chars[] = {"警", "察", "打", "人", "民", "a"};
    enum { NPARTS = 3, NP = 400, TL = 300 };
    struct ac *parts[NPARTS];
    static char pats[NPARTS][NP][32];
    for (int p = 0; p < NPARTS; p++) {
        parts[p] = ac_new();
        for (int i = 0; i < NP; i++) {
            if (p > 0 && i % 7 == 0) { /* shared with part 0 */
                strcpy(pats[p][i], pats[0][i]);
            } else {
                pats[p][i][0] = 0;
                int len = 1 + rand() % 4;
                for (int k = 0; k < len; k++)
                    strcat(pats[p][i], chars[rand() % 6]);
            }
            ac_add(parts[p], pats[p][i], strlen(pats[p][i]), p * 1000 + i);
        }
        ac_build(parts[p]);
    }
    struct ac *u = ac_union((const struct ac *const *)parts, NPARTS);
    assert_int_equal(ac_count(u), NPARTS * NP);
    static struct hits got[NPARTS], want;
    for (int round = 0; round < 30; round++) {
        char text[TL * 3 + 1] = "";
        int n = 1 + rand() % TL;
        for (int k = 0; k < n; k++)
            strcat(text, chars[rand() % 6]);
        struct ac_sink sinks[NPARTS];
        for (int p = 0; p < NPARTS; p++) {
            got[p].n = 0;
            got[p].stop_after = 0;
            sinks[p] = (struct ac_sink){round % 3 == p ? NULL : collect_hit, &got[p]};
        }
        ac_scan_parts(u, text, strlen(text), sinks);
        for (int p = 0; p < NPARTS; p++) {
            want.n = 0;
            want.stop_after = 0;
            if (sinks[p].hit)
                ac_scan(parts[p], text, strlen(text), collect_hit, &want);
            assert_int_equal(got[p].n, want.n);
            assert_memory_equal(got[p].h, want.h, want.n * sizeof want.h[0]);
        }
    }
    ac_free(u);
    for (int p = 0; p < NPARTS; p++)
        ac_free(parts[p]);
}

/* ---- expressions ------------------------------------------------------------ */

struct expr_case {
    const char *expr, *title, *text;
    bool want;
};

static const struct expr_case expr_cases[] = {
    /* precedence: AND binds tighter than OR, NOT tighter than AND */
    {"a OR b AND c", NULL, "a", true},
    {"a OR b AND c", NULL, "b", false},
    {"a OR b AND c", NULL, "c b", true},
    {"a OR b AND c", NULL, "c", false},
    {"NOT a AND b", NULL, "b", true},
    {"NOT a AND b", NULL, "a b", false},
    {"NOT a AND b", NULL, "x", false},
    {"NOT a", NULL, "x", true},
    {"NOT a", NULL, "", true},
    {"NOT a", NULL, "xa", false},
    {"NOT NOT a", NULL, "a", true},
    /* parentheses */
    {"(a OR b) AND c", NULL, "a", false},
    {"(a OR b) AND c", NULL, "a c", true},
    {"(a OR b) AND NOT (c OR d)", NULL, "b d", false},
    {"(a OR b) AND NOT (c OR d)", NULL, "b e", true},
    {"（民警 OR 警察） 打人", NULL, "警察打人", true},
    /* juxtaposition is AND; lower-case "and" is a term */
    {"民警 打人", NULL, "民警在街上打人", true},
    {"民警 打人", NULL, "民警在街上", false},
    {"a and b", NULL, "a b", false},
    {"a and b", NULL, "a and b", true},
    /* symbols */
    {"a & !b", NULL, "a", true},
    {"a & !b", NULL, "a b", false},
    {"a | b", NULL, "b", true},
    /* phrases keep their spaces */
    {"\"hello world\"", NULL, "say hello world", true},
    {"\"hello world\"", NULL, "hello there world", false},
    {"“交通 事故” OR x", NULL, "一起交通 事故", true},
    /* NEAR/n: at most n characters between, either order, same field */
    {"民警 NEAR/2 打人", NULL, "民警当场打人", true},
    {"民警 NEAR/2 打人", NULL, "民警在当场打人", false},
    {"民警 NEAR/2 打人", NULL, "打人的民警", true},
    {"民警 NEAR/2 打人", NULL, "打人的那位民警", false},
    {"民警 NEAR/3 打人", NULL, "民警在当场打人", true},
    {"民警 NEAR/0 打人", NULL, "民警打人", true},
    {"民警 NEAR/0 打人", NULL, "民警x打人", false},
    {"民警 NEAR/2 打人", NULL, "民警说了很久才有人打人也有民警", true},
    {"民警 NEAR/5 打人", "民警", "打人", false},
    {"police NEAR/1 hit", NULL, "police x hit", false},
    {"police NEAR/3 hit", NULL, "police x hit", true},
    {"\"交通 事故\" NEAR/1 伤亡", NULL, "交通 事故无伤亡", true},
    {"NOT a NEAR/1 b", NULL, "a b", false},
    {"NOT a NEAR/1 b", NULL, "a zz b", true},
    /* a term near itself needs two occurrences */
    {"民警 NEAR/1 民警", NULL, "民警x民警", true},
    {"民警 NEAR/1 民警", NULL, "民警xx民警", false},
    {"民警 NEAR/1 民警", NULL, "民警", false},
    /* the title counts */
    {"通报", "警方通报", "正文", true},
    /* terms are normalised like the text: full-width, upper case, traditional */
    {"ＰＯＬＩＣＥ", NULL, "the police", true},
    {"員警", NULL, "员警到场", true},
};

static void test_expr_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof expr_cases / sizeof expr_cases[0]; i++) {
        const struct expr_case *c = &expr_cases[i];
        struct scheme_set *ss = NULL;
        struct jy_error err = {0};
        int col = -1;
        int rc = scheme_compile_expr(c->expr, &ss, &col, &err);
        if (rc != 0)
            fail_msg("%s: %s", c->expr, err.msg);
        assert_int_equal(col, 0);
        bool got = scheme_set_match(ss, c->title, c->text, NULL, NULL);
        if (got != c->want)
            fail_msg("case %zu: %s on title=%s text=%s: got %d", i, c->expr,
                     c->title ? c->title : "(null)", c->text, got);
        scheme_set_free(ss);
    }
}

/* NEAR on a hostile text: tens of thousands of occurrences of both terms
 * just out of reach of each other. One pass over the two lists decides it
 * (a pairwise comparison took seconds here, minutes under the sanitizers). */
static void test_near_many_occurrences(void **state)
{
    (void)state;
    struct scheme_set *ss = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_compile_expr("a NEAR/9 b", &ss, NULL, &err), 0);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (int k = 0; k < 30000; k++)
        jy_buf_putc(&b, 'a');
    jy_buf_puts(&b, "xxxxxxxxxx");
    for (int k = 0; k < 30000; k++)
        jy_buf_putc(&b, 'b');
    assert_false(scheme_set_match(ss, NULL, b.data, NULL, NULL));
    b.data[30009] = 'a'; /* one more a, right before the first b */
    assert_true(scheme_set_match(ss, NULL, b.data, NULL, NULL));
    jy_buf_free(&b);
    scheme_set_free(ss);
}

/* A text of one word repeated reports a bounded number of its occurrences
 * (the rest of the text is not copied into every matched scheme's terms). */
static void test_terms_bounded(void **state)
{
    (void)state;
    struct scheme_set *ss = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_compile_expr("警察 OR 打人", &ss, NULL, &err), 0);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (int k = 0; k < 1000; k++)
        jy_buf_puts(&b, "警察");
    jy_buf_puts(&b, "打人");
    struct an_term *terms = NULL;
    size_t n = 0;
    assert_true(scheme_set_match(ss, NULL, b.data, &terms, &n));
    assert_int_equal(n, 16 + 1);
    assert_string_equal(terms[0].term, "警察");
    assert_int_equal(terms[0].start, 0);
    assert_string_equal(terms[n - 1].term, "打人"); /* in the order of the text */
    free(terms);
    jy_buf_free(&b);
    scheme_set_free(ss);
}

struct expr_error_case {
    const char *expr;
    int column;
    const char *msg;
};

static const struct expr_error_case error_cases[] = {
    {"", 1, "column 1: empty expression"},
    {"   ", 1, "column 1: empty expression"},
    {"(a OR b", 1, "column 1: '(' is not closed"},
    {"a AND ((b)", 7, "column 7: '(' is not closed"},
    {"a OR b)", 7, "column 7: ')' without '('"},
    {"()", 2, "column 2: empty parentheses"},
    {"a AND", 3, "column 3: AND has no right operand"},
    {"AND a", 1, "column 1: AND has no left operand"},
    {"a OR OR b", 3, "column 3: OR has no right operand"},
    {"a OR", 3, "column 3: OR has no right operand"},
    {"NOT", 1, "column 1: NOT has no operand"},
    {"a NOT", 3, "column 3: NOT has no operand"},
    {"a NEAR b", 3, "column 3: NEAR needs a distance in characters, as in NEAR/5"},
    {"a NEAR/x b", 3, "column 3: NEAR needs a distance in characters, as in NEAR/5"},
    {"a NEAR/ b", 3, "column 3: NEAR needs a distance in characters, as in NEAR/5"},
    {"NEAR/3 b", 1, "column 1: NEAR has no left operand"},
    {"a NEAR/3", 3, "column 3: NEAR has no right operand"},
    {"(a OR b) NEAR/3 c", 10,
     "column 10: NEAR joins two terms or phrases; its left operand is "
     "not one"},
    {"a NEAR/3 (b)", 10,
     "column 10: NEAR joins two terms or phrases; its right operand is "
     "not one"},
    {"a NEAR/3 b NEAR/2 c", 12,
     "column 12: NEAR joins two terms or phrases; its left operand "
     "is not one"},
    {"\"abc", 1, "column 1: unterminated quote"},
    {"a \"b c", 3, "column 3: unterminated quote"},
    {"\"\"", 1, "column 1: empty phrase"},
    /* columns count characters, not bytes */
    {"民警 AND (打人 OR", 12, "column 12: OR has no right operand"},
    {"民警打人 )", 6, "column 6: ')' without '('"},
    {"“民警 打人", 1, "column 1: unterminated quote"},
    {"民警 “打人", 4, "column 4: unterminated quote"},
};

static void test_expr_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct expr_error_case *c = &error_cases[i];
        struct scheme_set *ss = (struct scheme_set *)1;
        struct jy_error err = {0};
        int col = 0;
        int rc = scheme_compile_expr(c->expr, &ss, &col, &err);
        if (rc != JY_EINVAL)
            fail_msg("case %zu (%s): rc %d", i, c->expr, rc);
        assert_null(ss);
        if (col != c->column || strcmp(err.msg, c->msg) != 0)
            fail_msg("case %zu (%s): got column %d \"%s\", want %d \"%s\"", i, c->expr, col,
                     err.msg, c->column, c->msg);
    }
}

static void test_expr_terms(void **state)
{
    (void)state;
    struct scheme_set *ss = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_compile_expr("民警 AND (打人 OR 推搡) AND NOT 演习", &ss, NULL, &err),
                     0);
    struct an_term *t = NULL;
    size_t n = 0;
    const char *text = "民警打人，民警推搡"; /* the comma is 3 bytes */
    assert_true(scheme_set_match(ss, "民警", text, &t, &n));
    assert_int_equal(n, 5);
    /* title first, then the text in order of end offset */
    const struct {
        const char *term;
        size_t start, end;
        bool in_title;
    } want[] = {{"民警", 0, 6, true},
                {"民警", 0, 6, false},
                {"打人", 6, 12, false},
                {"民警", 15, 21, false},
                {"推搡", 21, 27, false}};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].scheme, 0);
        assert_string_equal(t[i].term, want[i].term);
        assert_int_equal(t[i].start, want[i].start);
        assert_int_equal(t[i].end, want[i].end);
        assert_int_equal(t[i].in_title, want[i].in_title);
    }
    free(t);
    /* no match: no terms */
    assert_false(scheme_set_match(ss, NULL, "民警打人演习", &t, &n));
    assert_int_equal(n, 0);
    assert_null(t);
    scheme_set_free(ss);
}

/* ---- the engine over a configuration ------------------------------------------ */

struct test_scheme {
    const char *name;
    const char *groups[N_GROUPS][4]; /* NULL-terminated */
    const char *expr;
    bool title_only, disabled;
    enum media_level media[3];
    size_t n_media;
};

static struct config *config_of(const struct test_scheme *ts, size_t n)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->path = xstrdup("/etc/jingyu/config.yaml");
    cfg->analysis.schemes = xcalloc(n, sizeof *cfg->analysis.schemes);
    cfg->analysis.n_schemes = n;
    for (size_t i = 0; i < n; i++) {
        struct scheme_config *c = &cfg->analysis.schemes[i];
        c->name = xstrdup(ts[i].name);
        for (int g = 0; g < N_GROUPS; g++) {
            size_t k = 0;
            while (k < 4 && ts[i].groups[g][k])
                k++;
            c->terms[g] = xcalloc(k + 1, sizeof *c->terms[g]);
            for (size_t j = 0; j < k; j++)
                c->terms[g][j] = xstrdup(ts[i].groups[g][j]);
            c->n_terms[g] = k;
        }
        c->expr = xstrdup(ts[i].expr);
        c->title_only = ts[i].title_only;
        c->enabled = !ts[i].disabled;
        c->n_media = ts[i].n_media;
        c->media = xcalloc(3, sizeof *c->media);
        memcpy(c->media, ts[i].media, sizeof ts[i].media);
        c->line = 10 + (int)i * 5;
        c->column = 5;
        c->expr_line = c->line + 1;
        c->expr_column = 13;
    }
    return cfg;
}

static void config_of_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->analysis.n_schemes; i++) {
        struct scheme_config *c = &cfg->analysis.schemes[i];
        free(c->name);
        for (int g = 0; g < N_GROUPS; g++) {
            for (size_t j = 0; j < c->n_terms[g]; j++)
                free(c->terms[g][j]);
            free(c->terms[g]);
        }
        free(c->expr);
        free(c->media);
    }
    free(cfg->analysis.schemes);
    free(cfg->path);
    free(cfg);
}

static struct normalizer *test_nz;

static int setup_nz(void **state)
{
    (void)state;
    struct jy_error err = {0};
    if (normalizer_new(&test_nz, &err) != 0) {
        fprintf(stderr, "normalizer: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown_nz(void **state)
{
    (void)state;
    normalizer_free(test_nz);
    test_nz = NULL;
    return 0;
}

/* Matches and renders "schemes | term@start-end[t]/scheme ..." for comparison. */
static void engine_check(struct scheme_engine *se, const char *title, const char *text,
                         enum media_level ml, const char *want)
{
    int *sv;
    size_t ns, nt;
    struct an_term *tv;
    scheme_engine_match(se, title, text, ml, &sv, &ns, &tv, &nt);
    char got[2048] = "";
    size_t off = 0;
    for (size_t i = 0; i < ns; i++)
        off += (size_t)snprintf(got + off, sizeof got - off, "%s%d", i ? "," : "", sv[i]);
    off += (size_t)snprintf(got + off, sizeof got - off, " |");
    for (size_t i = 0; i < nt; i++) {
        off += (size_t)snprintf(got + off, sizeof got - off, " %s@%zu-%zu%s/%d", tv[i].term,
                                tv[i].start, tv[i].end, tv[i].in_title ? "t" : "", tv[i].scheme);
    }
    free(sv);
    free(tv);
    if (strcmp(got, want) != 0)
        fail_msg("title=%s text=%s ml=%d:\n got  \"%s\"\n want \"%s\"", title ? title : "(null)",
                 text ? text : "(null)", (int)ml, got, want);
}

static void test_engine_groups(void **state)
{
    (void)state;
    const struct test_scheme ts[] = {
        {"full", {{"清河"}, {"民警", "警察"}, {"打人"}, {"演习"}}, .expr = NULL},
        {"no region", {{NULL}, {"民警"}, {"打人", "推搡"}, {NULL}}, .expr = NULL},
        {"only exclude", {{NULL}, {NULL}, {NULL}, {"广告"}}, .expr = NULL},
        {"nothing", {{NULL}}, .expr = NULL},
        {"off", {{"清河"}}, .disabled = true},
    };
    struct config *cfg = config_of(ts, 5);
    struct scheme_engine *se = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), 0);
    assert_int_equal(scheme_engine_count(se), 5);
    assert_string_equal(scheme_engine_name(se, 1), "no region");
    assert_string_equal(scheme_engine_name(se, 4), "off");
    assert_null(scheme_engine_name(se, 5));
    engine_check(se, NULL, "清河县民警打人", MEDIA_LOCAL,
                 "0,1 | 清河@0-6/0 民警@9-15/0 打人@15-21/0 民警@9-15/1 打人@15-21/1");
    engine_check(se, NULL, "清河县民警打人演习", MEDIA_LOCAL, "1 | 民警@9-15/1 打人@15-21/1");
    engine_check(se, NULL, "警察打人", MEDIA_LOCAL, " |");
    engine_check(se, NULL, "清河县警察推搡", MEDIA_LOCAL, " |");
    engine_check(se, "清河", "警察打人", MEDIA_LOCAL, "0 | 清河@0-6t/0 警察@0-6/0 打人@6-12/0");
    engine_check(se, NULL, "随便什么", MEDIA_LOCAL, " |");
    engine_check(se, NULL, "", MEDIA_LOCAL, " |");
    engine_check(se, NULL, NULL, MEDIA_LOCAL, " |");
    scheme_engine_free(se);
    config_of_free(cfg);
}

static void test_engine_title_media_always(void **state)
{
    (void)state;
    const struct test_scheme ts[] = {
        {"title", .expr = "通报", .title_only = true},
        {"central", .expr = "通报", .media = {MEDIA_CENTRAL, MEDIA_PROVINCIAL}, .n_media = 2},
        {"not ads", .expr = "NOT 广告"},
        {"near", .expr = "民警 NEAR/1 通报", .title_only = true},
    };
    struct config *cfg = config_of(ts, 4);
    struct scheme_engine *se = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), 0);
    engine_check(se, "警方通报", "正文", MEDIA_LOCAL, "0,2 | 通报@6-12t/0");
    engine_check(se, "标题", "警方通报", MEDIA_LOCAL, "2 |");
    engine_check(se, "标题", "警方通报", MEDIA_CENTRAL, "1,2 | 通报@6-12/1");
    engine_check(se, "通报", "通报", MEDIA_PROVINCIAL,
                 "0,1,2 | 通报@0-6t/0 通报@0-6t/1 通报@0-6/1");
    engine_check(se, NULL, "广告通报", MEDIA_SELF, " |");
    engine_check(se, "民警的通报", "x", MEDIA_SELF,
                 "0,2,3 | 通报@9-15t/0 民警@0-6t/3 通报@9-15t/3");
    engine_check(se, "民警", "通报", MEDIA_SELF, "2 |");
    scheme_engine_free(se);
    config_of_free(cfg);
}

static void test_engine_shared_terms(void **state)
{
    (void)state;
    enum { N = 60 };
    static struct test_scheme ts[N];
    static char exprs[N][64];
    for (int i = 0; i < N; i++) {
        snprintf(exprs[i], sizeof exprs[i], "民警 AND (k%d号 OR 共同)", i);
        ts[i] = (struct test_scheme){.name = "s", .expr = exprs[i]};
    }
    ts[30].disabled = true;
    struct config *cfg = config_of(ts, N);
    struct scheme_engine *se = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), 0);
    assert_int_equal(scheme_engine_count(se), N);
    engine_check(se, NULL, "民警 k7号 k42号 k30号", MEDIA_LOCAL,
                 "7,42 | 民警@0-6/7 k7号@7-12/7 民警@0-6/42 k42号@13-19/42");
    engine_check(se, NULL, "k7号 k42号", MEDIA_LOCAL, " |");
    /* one shared term puts every enabled scheme in */
    int *sv;
    size_t ns;
    scheme_engine_match(se, NULL, "民警共同", MEDIA_LOCAL, &sv, &ns, NULL, NULL);
    assert_int_equal(ns, N - 1);
    for (size_t i = 1; i < ns; i++)
        assert_true(sv[i - 1] < sv[i]);
    assert_int_equal(sv[29], 29);
    assert_int_equal(sv[30], 31);
    free(sv);
    scheme_engine_free(se);
    config_of_free(cfg);
}

static void test_engine_errors(void **state)
{
    (void)state;
    const struct test_scheme ts[] = {
        {"ok", .expr = "a"},
        {"bad", .expr = "民警 AND (打人"},
    };
    struct config *cfg = config_of(ts, 2);
    struct scheme_engine *se = (struct scheme_engine *)1;
    struct jy_error err = {0};
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), JY_ECONFIG);
    assert_null(se);
    /* the expression starts at line 16 column 13; '(' is its 8th character */
    assert_string_equal(
        err.msg, "/etc/jingyu/config.yaml:16:20: analysis.schemes[1].expr: '(' is not closed");
    /* a disabled scheme is not compiled */
    cfg->analysis.schemes[1].enabled = false;
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), 0);
    scheme_engine_free(se);
    config_of_free(cfg);
}

/* ---- throughput (printed, not asserted) ---------------------------------------- */

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 200 schemes over 5,000 distinct terms drawn from the corpus itself (so they
 * do occur), matched over the Weibo corpus. */
static void test_engine_throughput(void **state)
{
    (void)state;
    const char *shared = getenv("JINGYU_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/corpus/weibo_police_2020.jsonl", shared ? shared : "");
    FILE *f = shared ? fopen(path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "skipped: %s not found\n", path);
        skip();
    }
    enum { MAX_ITEMS = 20000, N_TERMS = 5000, N_SCHEMES = 200, PER = N_TERMS / N_SCHEMES };
    char **texts = xcalloc(MAX_ITEMS, sizeof *texts);
    size_t n_items = 0, bytes = 0;
    char *line = NULL;
    size_t cap = 0;
    while (n_items < MAX_ITEMS && getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *t = j ? json_string_value(json_object_get(j, "text")) : NULL;
        if (t) {
            struct normalized nm = {0};
            if (normalize_text(test_nz, t, strlen(t), &nm, NULL) == 0 && nm.text) {
                texts[n_items++] = nm.text;
                bytes += strlen(nm.text);
                nm.text = NULL;
            }
            normalized_clear(&nm);
        }
        json_decref(j);
    }
    free(line);
    fclose(f);

    /* Terms: 2-4 Han characters cut from the texts, distinct. */
    char **terms = xcalloc(N_TERMS, sizeof *terms);
    size_t n_terms = 0;
    uint64_t rng = 88172645463325252u;
    for (size_t tries = 0; n_terms < N_TERMS && tries < 1000000 && n_items; tries++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        const char *t = texts[rng % n_items];
        size_t len = strlen(t), at = (rng >> 20) % (len + 1), want = 2 + (rng >> 40) % 3;
        while (at < len && ((unsigned char)t[at] & 0xC0) == 0x80)
            at++;
        size_t end = at, k = 0;
        while (k < want && end < len) {
            uint32_t cp;
            size_t l = utf8_decode(t + end, len - end, &cp);
            if (cp < 0x4E00 || cp > 0x9FFF)
                break;
            end += l;
            k++;
        }
        if (k < want)
            continue;
        char *cand = xstrndup(t + at, end - at);
        bool dup = false;
        for (size_t i = 0; i < n_terms && !dup; i++)
            dup = strcmp(terms[i], cand) == 0;
        if (dup)
            free(cand);
        else
            terms[n_terms++] = cand;
    }
    if (n_terms < N_TERMS) {
        fprintf(stderr, "skipped: only %zu terms from the corpus\n", n_terms);
        for (size_t i = 0; i < n_items; i++)
            free(texts[i]);
        free(texts);
        for (size_t i = 0; i < n_terms; i++)
            free(terms[i]);
        free(terms);
        skip();
    }

    /* Each scheme owns 25 terms: 3 region, 5 subject (plus shared 民警/警方),
     * 15 event, 2 exclude; every 4th is written as an expression, with a NEAR. */
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->path = xstrdup("bench.yaml");
    cfg->analysis.n_schemes = N_SCHEMES;
    cfg->analysis.schemes = xcalloc(N_SCHEMES, sizeof *cfg->analysis.schemes);
    static const int split[N_GROUPS] = {3, 5, 15, 2};
    for (int s = 0; s < N_SCHEMES; s++) {
        struct scheme_config *c = &cfg->analysis.schemes[s];
        c->name = xasprintf("scheme%d", s);
        c->enabled = true;
        c->expr_line = c->expr_column = 1;
        char **own = terms + s * PER;
        if (s % 4 == 3) {
            c->expr = xasprintf("(%s OR %s OR %s) AND (民警 OR 警方 OR %s OR %s NEAR/10 %s) AND "
                                "(%s OR %s OR %s OR %s OR %s OR %s OR %s OR %s) AND NOT %s",
                                own[0], own[1], own[2], own[3], own[4], own[5], own[6], own[7],
                                own[8], own[9], own[10], own[11], own[12], own[13], own[14]);
            for (int g = 0; g < N_GROUPS; g++)
                c->terms[g] = NULL;
            continue;
        }
        int at = 0;
        for (int g = 0; g < N_GROUPS; g++) {
            int extra = g == GROUP_SUBJECT ? 2 : 0;
            c->terms[g] = xcalloc((size_t)(split[g] + extra), sizeof *c->terms[g]);
            for (int k = 0; k < split[g]; k++)
                c->terms[g][c->n_terms[g]++] = xstrdup(own[at++]);
            if (extra) {
                c->terms[g][c->n_terms[g]++] = xstrdup("民警");
                c->terms[g][c->n_terms[g]++] = xstrdup("警方");
            }
        }
    }
    struct scheme_engine *se = NULL;
    struct jy_error err = {0};
    double t0 = cpu_seconds();
    assert_int_equal(scheme_engine_new(test_nz, cfg, &se, &err), 0);
    double t1 = cpu_seconds();

    size_t matched = 0, n_found = 0, done = 0;
    int rounds = 0;
    for (; rounds < 50 && (rounds < 2 || cpu_seconds() - t1 < 2.0); rounds++) {
        for (size_t i = 0; i < n_items; i++) {
            int *sv;
            size_t ns, nt;
            struct an_term *tv;
            scheme_engine_match(se, NULL, texts[i], MEDIA_SELF, &sv, &ns, &tv, &nt);
            matched += ns > 0;
            n_found += nt;
            free(tv);
            free(sv);
            done++;
        }
    }
    double secs = cpu_seconds() - t1;
    if (secs <= 0)
        secs = 0.001;
    printf("scheme throughput (CPU time, one thread): %d schemes, %zu terms, compiled in %.0f ms; "
           "%zu items x %d rounds (%.0f bytes/item): %.0f items/s, %.1f MB/s; %.1f%% of items "
           "matched, %.2f terms reported per item\n",
           N_SCHEMES, n_terms, (t1 - t0) * 1000, n_items, rounds,
           n_items ? (double)bytes / (double)n_items : 0.0, (double)done / secs,
           (double)bytes * rounds / secs / 1e6, done ? 100.0 * (double)matched / (double)done : 0,
           done ? (double)n_found / (double)done : 0);

    scheme_engine_free(se);
    for (int s = 0; s < N_SCHEMES; s++) {
        struct scheme_config *c = &cfg->analysis.schemes[s];
        free(c->name);
        free(c->expr);
        for (int g = 0; g < N_GROUPS; g++) {
            for (size_t k = 0; k < c->n_terms[g]; k++)
                free(c->terms[g][k]);
            free(c->terms[g]);
        }
    }
    free(cfg->analysis.schemes);
    free(cfg->path);
    free(cfg);
    for (size_t i = 0; i < n_items; i++)
        free(texts[i]);
    free(texts);
    for (size_t i = 0; i < n_terms; i++)
        free(terms[i]);
    free(terms);
}

/* Expressions of the groups' shape (clauses joined by AND, each a term, an
 * OR of terms, or NOT of either) are decided from group bits, not by the
 * tree: random ones, with up to nine clauses (more than the seven group
 * bits, so both ways are taken), all in one engine, give on random texts
 * what the expressions say. */
static void test_expr_group_shape_random(void **state)
{
    (void)state;
    static const char *const words[] = {"ab", "bc", "ca", "abc", "d", "ee", "fa"};
    enum { N = 400 };
    static bool neg[N][9];
    static int n_clauses[N], n_terms[N][9], terms[N][9][3];
    static char exprs[N][256];
    static struct test_scheme ts[N];
    uint64_t rng = 4242;
#define RND(n)                                                                                     \
    ((rng = rng * 6364136223846793005ULL + 1442695040888963407ULL), (int)((rng >> 33) % (n)))
    for (int e = 0; e < N; e++) {
        char *expr = exprs[e];
        n_clauses[e] = 1 + RND(9);
        for (int c = 0; c < n_clauses[e]; c++) {
            neg[e][c] = c > 0 && RND(3) == 0;
            n_terms[e][c] = 1 + RND(3);
            if (c)
                strcat(expr, " AND ");
            if (neg[e][c])
                strcat(expr, "NOT ");
            if (n_terms[e][c] > 1)
                strcat(expr, "(");
            for (int t = 0; t < n_terms[e][c]; t++) {
                terms[e][c][t] = RND(7);
                if (t)
                    strcat(expr, " OR ");
                strcat(expr, words[terms[e][c][t]]);
            }
            if (n_terms[e][c] > 1)
                strcat(expr, ")");
        }
        ts[e] = (struct test_scheme){.name = "r", .expr = expr};
    }
    struct config *cfg = config_of(ts, N);
    struct scheme_engine *se = NULL;
    struct jy_error err = {0};
    assert_int_equal(scheme_engine_new(NULL, cfg, &se, &err), 0);
    for (int k = 0; k < 400; k++) {
        char text[32];
        int len = RND(30);
        for (int x = 0; x < len; x++)
            text[x] = "abcdef "[RND(7)];
        text[len] = '\0';
        int *sv;
        size_t ns;
        scheme_engine_match(se, NULL, text, MEDIA_LOCAL, &sv, &ns, NULL, NULL);
        size_t at = 0;
        for (int e = 0; e < N; e++) {
            bool want = true;
            for (int c = 0; c < n_clauses[e] && want; c++) {
                bool any = false;
                for (int t = 0; t < n_terms[e][c]; t++)
                    any |= strstr(text, words[terms[e][c][t]]) != NULL;
                want = neg[e][c] ? !any : any;
            }
            bool got = at < ns && sv[at] == e;
            at += got;
            if (got != want)
                fail_msg("%s on \"%s\": want %d", exprs[e], text, want);
        }
        free(sv);
    }
    scheme_engine_free(se);
    config_of_free(cfg);
#undef RND
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ac_overlapping),
        cmocka_unit_test(test_ac_suffixes),
        cmocka_unit_test(test_ac_cjk),
        cmocka_unit_test(test_ac_two_values),
        cmocka_unit_test(test_ac_early_stop_and_empty),
        cmocka_unit_test(test_ac_long_text),
        cmocka_unit_test(test_ac_random_vs_brute),
        cmocka_unit_test(test_ac_union_matches_parts),
        cmocka_unit_test(test_expr_group_shape_random),
        cmocka_unit_test(test_expr_match),
        cmocka_unit_test(test_near_many_occurrences),
        cmocka_unit_test(test_terms_bounded),
        cmocka_unit_test(test_expr_errors),
        cmocka_unit_test(test_expr_terms),
        cmocka_unit_test_setup_teardown(test_engine_groups, setup_nz, teardown_nz),
        cmocka_unit_test_setup_teardown(test_engine_title_media_always, setup_nz, teardown_nz),
        cmocka_unit_test_setup_teardown(test_engine_shared_terms, setup_nz, teardown_nz),
        cmocka_unit_test_setup_teardown(test_engine_errors, setup_nz, teardown_nz),
        cmocka_unit_test_setup_teardown(test_engine_throughput, setup_nz, teardown_nz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
