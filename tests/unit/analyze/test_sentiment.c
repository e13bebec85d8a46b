/*
 * test_sentiment.c: the lexicon scorer on the bundled lexicon (words,
 * negation, degree, longest match, neutral text, errors naming the file), the
 * naive Bayes trainer on a small hand-made set and its blob (round trip,
 * corrupt blobs refused), and, when $JINGYU_SHARED has the labelled Weibo
 * corpus, the trained model against the lexicon on the held-back fifth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analyze/analyze_int.h"
#include "config/config.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            fail_msg("%s = %.9g, want %.9g", #a, a_, b_);                                          \
    } while (0)

struct fixture {
    struct normalizer *nz;
    struct lexicon *lx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct jy_error err = {0};
    if (normalizer_new(&f->nz, &err) != 0) {
        fprintf(stderr, "normalizer_new: %s\n", err.msg);
        return -1;
    }
    if (lexicon_load(f->nz, config_datadir(), &f->lx, &err) != 0) {
        fprintf(stderr, "lexicon_load: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    lexicon_free(f->lx);
    normalizer_free(f->nz);
    free(f);
    return 0;
}

/* Scores raw text the way the analyzer does: normalise, then score .text. */
static enum sentiment lex(struct fixture *f, const char *raw, double *score)
{
    struct normalized n = {0};
    struct jy_error err = {0};
    assert_int_equal(normalize_text(f->nz, raw, strlen(raw), &n, &err), 0);
    enum sentiment s = lexicon_score(f->lx, n.text, strlen(n.text), score);
    normalized_clear(&n);
    return s;
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        enum sentiment s;
        const char *name, *label;
    } cases[] = {
        {SENT_NEGATIVE, "negative", "负面"},
        {SENT_NEUTRAL, "neutral", "中性"},
        {SENT_POSITIVE, "positive", "正面"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(sentiment_name(cases[i].s), cases[i].name);
        assert_string_equal(sentiment_label(cases[i].s), cases[i].label);
        enum sentiment got = SENT_NEUTRAL;
        assert_int_equal(sentiment_parse(cases[i].name, &got), 0);
        assert_int_equal(got, cases[i].s);
        got = SENT_NEUTRAL;
        assert_int_equal(sentiment_parse(cases[i].label, &got), 0);
        assert_int_equal(got, cases[i].s);
    }
    enum sentiment got;
    assert_int_equal(sentiment_parse("Negative ", &got), JY_EINVAL);
    assert_int_equal(sentiment_parse("", &got), JY_EINVAL);
    assert_int_equal(sentiment_parse(NULL, &got), JY_EINVAL);
}

/* What a duty officer would read off single posts. */
static void test_lexicon_words(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *text;
        enum sentiment want;
    } cases[] = {
        {"民警暴力执法，太过分了", SENT_NEGATIVE},
        {"派出所推诿扯皮，态度恶劣", SENT_NEGATIVE},
        {"有人造谣说发生袭警", SENT_NEGATIVE},
        {"乱罚款，钓鱼执法，黑幕！", SENT_NEGATIVE},
        {"愤怒！恶心！", SENT_NEGATIVE},
        {"为见义勇为的市民点赞", SENT_POSITIVE},
        {"感谢民警及时救助，暖心", SENT_POSITIVE},
        {"警方辟谣：网传视频系旧闻", SENT_POSITIVE},
        {"致敬最美警察[心]", SENT_POSITIVE},
        {"加油，谢谢你们", SENT_POSITIVE},
        {"謝謝警察，很感動", SENT_POSITIVE}, /* traditional, normalised first */
        {"今天下午三点在会议室开会", SENT_NEUTRAL},
        {"", SENT_NEUTRAL},
        {"不过很开心", SENT_POSITIVE},   /* 不过 is not a negation */
        {"不，我很开心", SENT_POSITIVE}, /* punctuation stops the negation */
        {"我不开心", SENT_NEGATIVE},
        {"并不担心", SENT_POSITIVE},
        {"我不满意", SENT_NEGATIVE},   /* 不满 is a word of its own */
        {"不是不满意", SENT_POSITIVE}, /* two negations */
        {"没有暴力执法", SENT_POSITIVE},
        {"不作为", SENT_NEGATIVE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double score = 9;
        enum sentiment got = lex(f, cases[i].text, &score);
        if (got != cases[i].want)
            fail_msg("\"%s\": %s (%.3f), want %s", cases[i].text, sentiment_name(got), score,
                     sentiment_name(cases[i].want));
        assert_true(score >= -1 && score <= 1);
        if (cases[i].want == SENT_NEUTRAL)
            assert_true(fabs(score) < 0.2);
    }
}

/* Ordered pairs: the first text scores strictly higher than the second. */
static void test_lexicon_degree_and_negation(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *higher, *lower;
    } cases[] = {
        {"非常开心", "开心"},     {"开心", "有点开心"},
        {"有点开心", "今天开会"}, {"有点担心", "担心"},
        {"担心", "非常担心"},     {"不太满意", "不满意"}, /* "not very" is milder than "not" */
        {"满意", "不太满意"},     {"最开心", "最近开心"}, /* 最近 hides 最: no degree */
        {"太阳很好", "太差"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double hi, lo;
        lex(f, cases[i].higher, &hi);
        lex(f, cases[i].lower, &lo);
        if (!(hi > lo))
            fail_msg("\"%s\" (%.3f) should score above \"%s\" (%.3f)", cases[i].higher, hi,
                     cases[i].lower, lo);
    }
    /* Degree reaches 2 characters, negation 3, and neither across punctuation. */
    double plain, s;
    lex(f, "开心", &plain);
    lex(f, "最近开心", &s);
    assert_near(s, plain, 1e-9);
    lex(f, "非常的开心", &s);
    assert_true(s > plain);
    lex(f, "非常今天的开心", &s);
    assert_near(s, plain, 1e-9);
    lex(f, "不是今天开心", &s);
    assert_near(s, -plain, 1e-9);
    lex(f, "不，开心", &s);
    assert_near(s, plain, 1e-9);
}

/* The longest match wins: 不作为 is one word of weight 3, not 不 + 作为. */
static void test_lexicon_longest_match(void **state)
{
    struct fixture *f = *state;
    double s;
    assert_int_equal(lex(f, "不作为", &s), SENT_NEGATIVE);
    assert_near(s, tanh(-3.0 / 2), 1e-6);
    /* Two words add up; a repeated word counts twice. */
    double one, two;
    lex(f, "推诿", &one);
    lex(f, "推诿，推诿", &two);
    assert_true(two < one && one < 0);
    assert_near(atanh(two), 2 * atanh(one), 1e-6);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/lexicon/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_lexicon_errors(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/jy-lexicon-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/lexicon", dir);
    assert_int_equal(mkdir(sub, 0700), 0);

    struct lexicon *lx = (struct lexicon *)1;
    struct jy_error err = {0};
    /* Nothing there: the first file is named. */
    assert_int_equal(lexicon_load(f->nz, dir, &lx, &err), JY_EIO);
    assert_null(lx);
    assert_non_null(strstr(err.msg, "negative.txt"));

    /* One missing file among present ones. */
    write_file(dir, "negative.txt", "# c\n坏\t2\n\n差\n");
    write_file(dir, "positive.txt", "好\t1.5\n");
    write_file(dir, "negation.txt", "不\n");
    write_file(dir, "ignore.txt", "好的\n");
    assert_int_equal(lexicon_load(f->nz, dir, &lx, &err), JY_EIO);
    assert_non_null(strstr(err.msg, "degree.txt"));

    /* A bad weight is a parse error naming file and line. */
    write_file(dir, "degree.txt", "很\t1.5\n\n太\tlots\n");
    assert_int_equal(lexicon_load(f->nz, dir, &lx, &err), JY_EPARSE);
    assert_non_null(strstr(err.msg, "degree.txt:3:"));

    /* Fixed, it loads and scores; a word listed twice keeps its first entry. */
    write_file(dir, "degree.txt", "很\t1.5\n");
    write_file(dir, "positive.txt", "好\t1.5\n坏\t3\n");
    assert_int_equal(lexicon_load(f->nz, dir, &lx, &err), 0);
    double s;
    assert_int_equal(lexicon_score(lx, "很坏", strlen("很坏"), &s), SENT_NEGATIVE);
    assert_near(s, tanh(-3.0 / 2), 1e-6);
    assert_int_equal(lexicon_score(lx, "不差", strlen("不差"), &s), SENT_POSITIVE);
    assert_int_equal(lexicon_score(lx, "好的", strlen("好的"), &s), SENT_NEUTRAL);
    lexicon_free(lx);

    const char *names[] = {"negative.txt", "positive.txt", "negation.txt", "degree.txt",
                           "ignore.txt"};
    for (size_t i = 0; i < 5; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/%s", sub, names[i]);
        unlink(path);
    }
    rmdir(sub);
    rmdir(dir);
}

/* ---- the trained model ------------------------------------------------------- */

/* A small set with a clear split: complaint words, thanks, notices. */
static size_t toy_examples(struct sentiment_example *ex, char texts[][128])
{
    static const char *neg[] = {"差评", "垃圾服务", "气死了", "太坑了", "投诉无门"};
    static const char *pos[] = {"谢谢民警", "好评如潮", "点个赞", "真暖心", "辛苦了"};
    static const char *neu[] = {"明天开会", "通知如下", "上午九点", "地点在二楼", "请带证件"};
    static const char *fill[] = {"今天", "刚才", "这次", "那个", "我们"};
    size_t n = 0;
    for (int r = 0; r < 5; r++) {
        for (int k = 0; k < 5; k++) {
            const char **set[] = {neg, pos, neu};
            for (int c = 0; c < 3; c++) {
                snprintf(texts[n], 128, "%s%s", fill[r], set[c][k]);
                ex[n].text = texts[n];
                ex[n].label = (enum sentiment)(c == 0   ? SENT_NEGATIVE
                                               : c == 1 ? SENT_POSITIVE
                                                        : SENT_NEUTRAL);
                n++;
            }
        }
    }
    return n;
}

static void test_model_learns_split(void **state)
{
    struct fixture *f = *state;
    struct sentiment_example ex[75];
    char texts[75][128];
    size_t n = toy_examples(ex, texts);
    char *blob = NULL;
    size_t len = 0;
    struct train_report rep;
    struct jy_error err = {0};

    /* Every fourth held back (the set cycles through the classes every
     * three): the split is clear enough to get them all right. */
    assert_int_equal(sentiment_train(f->nz, ex, n, 4, &blob, &len, &rep, &err), 0);
    assert_int_equal(rep.n_train, 57);
    assert_int_equal(rep.n_test, 18);
    assert_near(rep.macro_f1, 1.0, 1e-9);
    assert_near(rep.accuracy, 1.0, 1e-9);
    assert_true(rep.lexicon_macro_f1 >= 0 && rep.lexicon_macro_f1 <= 1);
    free(blob);

    /* No holdout: everything trains, nothing is measured. */
    assert_int_equal(sentiment_train(f->nz, ex, n, 0, &blob, &len, &rep, &err), 0);
    assert_int_equal(rep.n_train, 75);
    assert_int_equal(rep.n_test, 0);
    struct nb_model *m = NULL;
    assert_int_equal(nb_model_load(blob, len, &m, &err), 0);
    static const struct {
        const char *text;
        enum sentiment want;
    } cases[] = {
        {"垃圾，差评", SENT_NEGATIVE},
        {"谢谢，点赞", SENT_POSITIVE},
        {"开会通知", SENT_NEUTRAL},
    };
    for (size_t i = 0; i < 3; i++) {
        double s = 9;
        enum sentiment got = nb_model_score(m, cases[i].text, strlen(cases[i].text), &s);
        if (got != cases[i].want)
            fail_msg("\"%s\": %s (%.3f)", cases[i].text, sentiment_name(got), s);
        assert_true(s >= -1 && s <= 1);
        if (got == SENT_NEGATIVE)
            assert_true(s < 0);
        if (got == SENT_POSITIVE)
            assert_true(s > 0);
    }
    nb_model_free(m);
    free(blob);

    /* Bad input. */
    assert_int_equal(sentiment_train(f->nz, ex, 0, 0, &blob, &len, &rep, &err), JY_EINVAL);
    assert_null(blob);
    struct sentiment_example bad = {"x", (enum sentiment)5};
    assert_int_equal(sentiment_train(f->nz, &bad, 1, 0, &blob, &len, &rep, &err), JY_EINVAL);
}

static uint32_t le32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void test_model_blob(void **state)
{
    struct fixture *f = *state;
    struct sentiment_example ex[75];
    char texts[75][128];
    size_t n = toy_examples(ex, texts);
    char *blob = NULL;
    size_t len = 0;
    struct train_report rep;
    struct jy_error err = {0};
    assert_int_equal(sentiment_train(f->nz, ex, n, 0, &blob, &len, &rep, &err), 0);

    /* The header as documented, little-endian. */
    assert_true(len > 48);
    assert_memory_equal(blob, "JYNB", 4);
    assert_int_equal(le32(blob + 4), 1);
    assert_int_equal(le32(blob + 12), 3);
    assert_int_equal(len, 48 + 16 * (size_t)le32(blob + 20));
    assert_true(len < (4u << 20));

    /* Round trip: a copy of the bytes scores exactly like the original. */
    char *copy = malloc(len);
    memcpy(copy, blob, len);
    struct nb_model *a = NULL, *b = NULL;
    assert_int_equal(nb_model_load(blob, len, &a, &err), 0);
    assert_int_equal(nb_model_load(copy, len, &b, &err), 0);
    const char *t = "今天垃圾服务，谢谢";
    double sa, sb;
    assert_int_equal(nb_model_score(a, t, strlen(t), &sa), nb_model_score(b, t, strlen(t), &sb));
    assert_near(sa, sb, 0);
    nb_model_free(a);
    nb_model_free(b);

    /* Corrupt blobs are refused with JY_EINVAL and nothing is returned. */
    struct {
        const char *what;
        size_t at;
        char byte;
        size_t len;
    } bad[] = {
        {"magic", 0, 'X', len},
        {"version", 4, 2, len},
        {"bucket bits", 8, 40, len},
        {"classes", 12, 4, len},
        {"entry count", 20, (char)(blob[20] + 1), len},
        {"bucket order", 0, 'J', len}, /* first bucket = second, below */
        {"truncated", 0, 'J', len - 1},
        {"header only", 0, 'J', 20},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(copy, blob, len);
        copy[bad[i].at] = bad[i].byte;
        if (strcmp(bad[i].what, "bucket order") == 0)
            memcpy(copy + 48, copy + 48 + 16, 4);
        struct nb_model *m = (struct nb_model *)1;
        err.msg[0] = '\0';
        int rc = nb_model_load(copy, bad[i].len, &m, &err);
        if (rc != JY_EINVAL)
            fail_msg("%s: loaded (rc %d)", bad[i].what, rc);
        assert_null(m);
        assert_true(err.msg[0] != '\0');
    }
    /* A NaN among the log-probabilities. */
    memcpy(copy, blob, len);
    memset(copy + 48 + 4, 0xff, 4);
    struct nb_model *m = NULL;
    assert_int_equal(nb_model_load(copy, len, &m, &err), JY_EINVAL);
    assert_int_equal(nb_model_load(NULL, 0, &m, &err), JY_EINVAL);
    free(copy);
    free(blob);
}

/* ---- the real corpus ----------------------------------------------------------- */

/* The corpus labels emotions; this is the mapping to three classes. */
static int emotion_label(const char *e, enum sentiment *out)
{
    static const struct {
        const char *emotion;
        enum sentiment s;
    } map[] = {
        {"fear", SENT_NEGATIVE},    {"disgust", SENT_NEGATIVE},  {"sadness", SENT_NEGATIVE},
        {"anger", SENT_NEGATIVE},   {"optimism", SENT_POSITIVE}, {"gratitude", SENT_POSITIVE},
        {"surprise", SENT_NEUTRAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(e, map[i].emotion) == 0) {
            *out = map[i].s;
            return 0;
        }
    }
    return -1;
}

static void test_real_corpus(void **state)
{
    struct fixture *f = *state;
    const char *shared = getenv("JINGYU_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/weibo_emotion_2020.jsonl", shared ? shared : "");
    FILE *fp = shared ? fopen(path, "r") : NULL;
    if (!fp) {
        printf("skipping: %s not found (set JINGYU_SHARED)\n", path);
        skip();
    }
    /* The corpus repeats itself (21,173 lines, 11,017 distinct texts): keep
     * each text once, or half the held-back fifth would be texts the model
     * trained on and the figure would flatter it. */
    json_t *seen = json_object();
    size_t cap = 32768, n = 0;
    struct sentiment_example *ex = malloc(cap * sizeof *ex);
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, fp) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *text = json_string_value(json_object_get(j, "text"));
        const char *emo = json_string_value(json_object_get(j, "emotion"));
        enum sentiment s;
        if (text && emo && emotion_label(emo, &s) == 0 && !json_object_get(seen, text)) {
            json_object_set_new(seen, text, json_true());
            if (n == cap) {
                cap *= 2;
                ex = realloc(ex, cap * sizeof *ex);
            }
            ex[n].text = strdup(text);
            ex[n].label = s;
            n++;
        }
        json_decref(j);
    }
    free(line);
    fclose(fp);
    json_decref(seen);

    char *blob = NULL;
    size_t len = 0;
    struct train_report rep;
    struct jy_error err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(sentiment_train(f->nz, ex, n, 5, &blob, &len, &rep, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf(
        "corpus: %zu distinct texts, %zu train, %zu held back; model %.1f MB, trained in %.1f s\n",
        n, rep.n_train, rep.n_test, (double)len / 1e6,
        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("macro-F1: model %.3f, lexicon %.3f; accuracy: model %.3f, lexicon %.3f\n", rep.macro_f1,
           rep.lexicon_macro_f1, rep.accuracy, rep.lexicon_accuracy);
    assert_int_equal(rep.n_test, n / 5);
    assert_true(rep.macro_f1 > rep.lexicon_macro_f1);

    /* Scoring speed (under the sanitizers this is a floor, not a figure). */
    struct nb_model *m = NULL;
    assert_int_equal(nb_model_load(blob, len, &m, &err), 0);
    size_t bytes = 0, scored = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < 3; r++) {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(ex[i].text);
            nb_model_score(m, ex[i].text, l, NULL);
            bytes += l;
            scored++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double lsecs;
    {
        struct timespec u0, u1;
        clock_gettime(CLOCK_MONOTONIC, &u0);
        for (size_t i = 0; i < n; i++)
            lexicon_score(f->lx, ex[i].text, strlen(ex[i].text), NULL);
        clock_gettime(CLOCK_MONOTONIC, &u1);
        lsecs = (double)(u1.tv_sec - u0.tv_sec) + (double)(u1.tv_nsec - u0.tv_nsec) / 1e9;
    }
    printf("scoring: model %.0f texts/s (%.1f MB/s), lexicon %.0f texts/s\n", (double)scored / secs,
           (double)bytes / secs / 1e6, (double)n / lsecs);
    nb_model_free(m);
    free(blob);
    for (size_t i = 0; i < n; i++)
        free((char *)ex[i].text);
    free(ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_lexicon_words),
        cmocka_unit_test(test_lexicon_degree_and_negation),
        cmocka_unit_test(test_lexicon_longest_match),
        cmocka_unit_test(test_lexicon_errors),
        cmocka_unit_test(test_model_learns_split),
        cmocka_unit_test(test_model_blob),
        cmocka_unit_test(test_real_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
