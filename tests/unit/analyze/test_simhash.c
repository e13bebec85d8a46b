/* test_simhash.c: SimHash distances on real-looking text, sketches (which
 * copies they call near-duplicates and which different posts they keep
 * apart), the near-duplicate index (thresholds, window, earliest copy,
 * against a brute force scan; entries with sketches through growth and
 * expiry), plus a smoke run over the Weibo corpus when it is present. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze_int.h"

static const char *TEXT100 =
    "今天上午清河县公安局发布警情通报称，城关派出所民警在处置一起纠纷时依法传唤当事人，"
    "网传视频中民警殴打群众的说法与事实不符，县纪委已介入调查，公安机关将依法依规公开处理"
    "结果，欢迎社会各界监督，如有疑问请拨打举报电话。";

static uint64_t sh(const char *s)
{
    return simhash64(s, strlen(s));
}

static void test_identical(void **state)
{
    (void)state;
    assert_int_equal(simhash_distance(sh(TEXT100), sh(TEXT100)), 0);
    assert_int_equal(simhash_distance(sh("ab"), sh("ab")), 0);
    assert_int_equal(sh(""), 0);
    assert_true(sh("ab") != sh("cd"));
    assert_true(sh("ab") != sh("abc"));
}

/* The code point at character index `at` of s. */
static uint32_t char_at(const char *s, size_t at)
{
    size_t i = 0, len = strlen(s);
    uint32_t cp = 0;
    for (size_t c = 0; c <= at; c++)
        i += utf8_decode(s + i, len - i, &cp);
    return cp;
}

/* Replaces the code point at character index `at` of s with rep. */
static char *edit_char(const char *s, size_t at, const char *rep)
{
    size_t i = 0, len = strlen(s);
    for (size_t c = 0; c < at; c++) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
    }
    uint32_t cp;
    size_t n = utf8_decode(s + i, len - i, &cp);
    return xasprintf("%.*s%s%s", (int)i, s, rep, s + i + n);
}

static void test_one_char_edit(void **state)
{
    (void)state;
    size_t chars = 0;
    for (const char *p = TEXT100; *p; p++)
        chars += ((unsigned char)*p & 0xc0) != 0x80;
    assert_true(chars >= 100);
    int worst = 0, hist[65] = {0}, sum = 0;
    size_t edits = 0;
    for (size_t at = 0; at < chars; at++) {
        if (char_at(TEXT100, at) == 0xFF0C || char_at(TEXT100, at) == 0x3002)
            continue; /* a punctuation mark makes no shingle (see below) */
        char *t = edit_char(TEXT100, at, "某");
        int d = simhash_distance(sh(TEXT100), sh(t));
        hist[d]++;
        sum += d;
        edits++;
        if (d > worst)
            worst = d;
        free(t);
    }
    chars = edits;
    for (int d = 0; d <= worst; d++)
        print_message("%d:%d ", d, hist[d]);
    print_message("\none-character edits: mean distance %.2f, worst %d\n", (double)sum / chars,
                  worst);
    /* Three of ~100 shingles change, so bits whose vote was close flip: with
     * equal weights the mean is about 4-5 bits, and a third or more of the
     * edits stay within the default threshold of 3. Unrelated texts are ~32
     * apart. */
    assert_true((double)sum / (double)chars <= 6.0);
    assert_true(hist[0] + hist[1] + hist[2] + hist[3] >= (int)chars / 4);
    assert_true(worst <= 14);
    /* Punctuation, spaces and emoji make no shingles: reposts that differ
     * only there hash alike. */
    assert_int_equal(sh("网友愤怒，民警打人"), sh("网友愤怒!!! 民警打人 😡"));
}

static void test_unrelated(void **state)
{
    (void)state;
    const char *a = "昨晚市区一家超市发生火灾，消防员及时赶到扑灭明火，没有造成人员伤亡，"
                    "起火原因正在调查之中，提醒大家注意用电安全。";
    const char *b = "春节假期高速公路车流量大，交警提醒广大司机朋友出行前检查车况，"
                    "不要疲劳驾驶，遇到拥堵耐心等待，服从现场指挥。";
    int d1 = simhash_distance(sh(TEXT100), sh(a));
    int d2 = simhash_distance(sh(a), sh(b));
    print_message("unrelated distances: %d %d\n", d1, d2);
    assert_true(d1 > 12);
    assert_true(d2 > 12);
}

static uint64_t flip(uint64_t h, const int *bits, int n)
{
    for (int i = 0; i < n; i++)
        h ^= UINT64_C(1) << bits[i];
    return h;
}

static void test_threshold_boundary(void **state)
{
    (void)state;
    for (int k = 0; k <= 8; k++) {
        struct dup_index *di = dup_index_new(k, 3600);
        uint64_t h = UINT64_C(0x0123456789abcdef);
        dup_index_add(di, 7, h, 1000);
        /* k flipped bits spread over the word, then k+1. */
        int spread[9], same_band[9];
        for (int i = 0; i <= k; i++) {
            spread[i] = (i * 64 / (k + 1) + 3) % 64;
            same_band[i] = i;
        }
        assert_int_equal(dup_index_find(di, flip(h, spread, k), 1000), 7);
        assert_int_equal(dup_index_find(di, flip(h, same_band, k), 1000), 7);
        assert_int_equal(dup_index_find(di, flip(h, spread, k + 1), 1000), 0);
        assert_int_equal(dup_index_find(di, flip(h, same_band, k + 1), 1000), 0);
        dup_index_free(di);
    }
}

static void test_window(void **state)
{
    (void)state;
    struct dup_index *di = dup_index_new(3, 100);
    dup_index_add(di, 1, 42, 1000);
    dup_index_add(di, 2, UINT64_MAX, 1050);
    assert_int_equal(dup_index_size(di), 2);
    assert_int_equal(dup_index_find(di, 43, 1100), 1); /* exactly window old */
    assert_int_equal(dup_index_find(di, 43, 1101), 0);
    assert_int_equal(dup_index_size(di), 1); /* dropped as time moved */
    assert_int_equal(dup_index_find(di, UINT64_MAX, 1150), 2);
    assert_int_equal(dup_index_find(di, UINT64_MAX, 1151), 0);
    assert_int_equal(dup_index_size(di), 0);
    /* Still usable after emptying. */
    dup_index_add(di, 3, 42, 2000);
    assert_int_equal(dup_index_find(di, 42, 2000), 3);
    dup_index_clear(di);
    assert_int_equal(dup_index_size(di), 0);
    assert_int_equal(dup_index_find(di, 42, 2000), 0);
    dup_index_free(di);
}

static void test_earliest(void **state)
{
    (void)state;
    struct dup_index *di = dup_index_new(3, 1000);
    uint64_t h = UINT64_C(0xf0f0f0f00f0f0f0f);
    dup_index_add(di, 10, h ^ 0x3, 100);                       /* distance 2 from h^1 */
    dup_index_add(di, 11, h ^ 0x1, 101);                       /* distance 0 */
    dup_index_add(di, 12, h ^ (UINT64_C(1) << 63) ^ 0x1, 102); /* distance 1 */
    assert_int_equal(dup_index_find(di, h ^ 0x1, 200), 10);
    /* When the first copy ages out, the next earliest is found. */
    assert_int_equal(dup_index_find(di, h ^ 0x1, 1100), 10);
    assert_int_equal(dup_index_find(di, h ^ 0x1, 1101), 11);
    assert_int_equal(dup_index_find(di, h ^ 0x1, 1102), 12);
    dup_index_free(di);
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The index must agree with a linear scan, through growth and expiry. */
static void test_against_brute_force(void **state)
{
    (void)state;
    enum { N = 20000, WINDOW = 3000 };
    struct {
        int64_t id, at;
        uint64_t h;
    } *all = calloc(N, sizeof *all);
    uint64_t centres[64];
    for (int i = 0; i < 64; i++)
        centres[i] = rnd();
    struct dup_index *di = dup_index_new(3, WINDOW);
    for (int i = 0; i < N; i++) {
        uint64_t h = centres[rnd() % 64];
        int flips = (int)(rnd() % 7);
        for (int f = 0; f < flips; f++)
            h ^= UINT64_C(1) << (rnd() % 64);
        int64_t now = i;
        int64_t expect = 0;
        for (int j = 0; j < i; j++) {
            if (all[j].at >= now - WINDOW && simhash_distance(all[j].h, h) <= 3) {
                expect = all[j].id;
                break;
            }
        }
        assert_int_equal(dup_index_find(di, h, now), expect);
        all[i].id = i + 1;
        all[i].at = now;
        all[i].h = h;
        dup_index_add(di, i + 1, h, now);
    }
    assert_true(dup_index_size(di) <= WINDOW + 1);
    dup_index_free(di);
    free(all);
}

/* A police notice of a common template: boilerplate before and after the
 * facts, as 平安XX accounts post them. */
#define NOTICE_HEAD                                                                                                                             \
    "【平安城关·警情通报】为切实维护辖区社会治安秩序，保障人民群众生命财产安全，现将近期警情通报" \
    "如下："
#define NOTICE_TAIL "请广大群众提高警惕，发现可疑情况及时拨打110报警。"
static const char *NOTICE =
    NOTICE_HEAD "3月5日上午，人民路与解放路交叉口一名男子持刀威胁路人，民警迅速"
                "赶到将其控制，嫌疑人王某已被刑事拘留。" NOTICE_TAIL;
/* Another notice of the same template: two thirds of it is the same words. */
static const char *NOTICE_OTHER =
    NOTICE_HEAD "3月7日晚，滨河公园附近一辆电动车被盗，民警调取监控于当晚"
                "将嫌疑人李某抓获，被盗车辆已发还失主。" NOTICE_TAIL;

static struct dup_sketch sketch_of(const char *s)
{
    struct dup_sketch sk;
    simhash64_sketch(s, strlen(s), &sk);
    dup_sketch_sort(&sk);
    return sk;
}

static bool near_dup(const char *a, const char *b)
{
    struct dup_sketch x = sketch_of(a), y = sketch_of(b);
    return dup_sketch_match(&x, &y) && dup_sketch_match(&y, &x);
}

/* What the held-out judge found SimHash missing: a source prefix, an added
 * tail, two characters changed. Each is more than 3 bits from the original's
 * SimHash (the old rule) and a near-duplicate by its sketch. */
static void test_sketch_variants(void **state)
{
    (void)state;
    char *prefixed = xasprintf("据平安城关报道：%s", NOTICE);
    char *tailed = xasprintf("%s 转发理由：大家注意安全，为民警点赞！#平安城关#", NOTICE);
    char *one = edit_char(NOTICE, 51, "6");  /* 3月5日 -> 3月6日 */
    char *edited = edit_char(one, 71, "棍"); /* 持刀 -> 持棍 */
    assert_int_equal(char_at(NOTICE, 51), '5');
    assert_int_equal(char_at(NOTICE, 71), 0x5200); /* 刀 */
    const char *variants[] = {prefixed, tailed, edited, "【转】", NULL};
    variants[3] = xasprintf("转发：%s（来源：平安城关）", NOTICE);
    for (int i = 0; variants[i]; i++) {
        print_message("variant %d: SimHash distance %d\n", i,
                      simhash_distance(sh(NOTICE), sh(variants[i])));
        assert_true(simhash_distance(sh(NOTICE), sh(variants[i])) > 3);
        assert_true(near_dup(NOTICE, variants[i]));
    }
    /* the same boilerplate around other facts is another notice */
    assert_false(near_dup(NOTICE, NOTICE_OTHER));
    /* and one sentence of a notice is not the notice */
    assert_false(near_dup(NOTICE, NOTICE_TAIL));
    assert_false(near_dup(NOTICE, TEXT100));
    free(prefixed);
    free(tailed);
    free(one);
    free(edited);
    free((char *)variants[3]);
}

/* The sample: every shingle of a short text; of a long one fewer than
 * DUP_SKETCH, all below the limit, sorted without repeats once sorted; a
 * text of one shingle repeated keeps it. */
static void test_sketch_sample(void **state)
{
    (void)state;
    struct dup_sketch sk;
    simhash64_sketch(NOTICE_TAIL, strlen(NOTICE_TAIL), &sk);
    assert_int_equal(sk.shift, 0);
    dup_sketch_sort(&sk);
    assert_int_equal(sk.n, sk.size); /* nothing left out, nothing repeated */
    assert_true(sk.n > 20 && sk.n < DUP_SKETCH);

    char *longer =
        xasprintf("%s%s%s%s%s%s", TEXT100, NOTICE, NOTICE_OTHER, TEXT100, NOTICE_OTHER, NOTICE);
    simhash64_sketch(longer, strlen(longer), &sk);
    assert_true(sk.n > 0 && sk.n < DUP_SKETCH);
    assert_true(sk.shift > 0);
    dup_sketch_sort(&sk);
    for (uint32_t i = 0; i < sk.n; i++) {
        assert_true((uint64_t)sk.v[i] < (UINT64_C(1) << (32 - sk.shift)));
        if (i)
            assert_true(sk.v[i - 1] < sk.v[i]);
    }
    assert_true(sk.n_low == DUP_SKETCH_LOW);
    for (uint32_t i = 0; i < sk.n_low; i++)
        assert_int_equal(sk.low[i], sk.v[i]);
    /* the text twice over is made of the same shingles */
    assert_true(near_dup(longer, NOTICE) == false);
    free(longer);

    char laugh[3 * 600 + 1];
    for (int i = 0; i < 600; i++)
        memcpy(laugh + 3 * i, "哈", 3);
    laugh[sizeof laugh - 1] = '\0';
    simhash64_sketch(laugh, strlen(laugh), &sk);
    dup_sketch_sort(&sk);
    assert_int_equal(sk.n, 1);
    assert_int_equal(sk.size, 1);
    assert_true(near_dup(laugh, "哈哈哈哈"));
}

/* Entries with sketches and without, through the ring's growth and expiry:
 * a copy of any text still in the window is found (as the entry it copies),
 * and none older; SimHash-only entries are found by their hash alone. */
static void test_sketch_index(void **state)
{
    (void)state;
    enum { N = 6000, WINDOW = 1500, CHARS = 40 };
    static const char alphabet[] =
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分"
        "对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十";
    size_t n_alpha = (sizeof alphabet - 1) / 3;
    char(*texts)[3 * CHARS + 1] = calloc(N, sizeof *texts);
    struct dup_index *di = dup_index_new(3, WINDOW);
    for (int i = 0; i < N; i++) {
        for (int c = 0; c < CHARS; c++)
            memcpy(texts[i] + 3 * c, alphabet + 3 * (rnd() % n_alpha), 3);
        int64_t now = i;
        struct dup_sketch sk;
        uint64_t h = simhash64_sketch(texts[i], strlen(texts[i]), &sk);
        /* random texts of 40 characters are not near-duplicates */
        assert_int_equal(dup_index_find_sketch(di, h, &sk, now), 0);
        if (i % 7 == 3) {
            dup_index_add(di, i + 1, h, now); /* as restored without text */
            assert_int_equal(dup_index_find_sketch(di, h, &sk, now), i + 1);
        } else {
            dup_index_add_sketch(di, i + 1, h, &sk, now);
        }
        if (i % 5 == 0 && i > 0) {
            int j = (int)(rnd() % (uint64_t)i);
            uint64_t hj = simhash64_sketch(texts[j], strlen(texts[j]), &sk);
            int64_t want = i - j <= WINDOW ? j + 1 : 0;
            assert_int_equal(dup_index_find_sketch(di, hj, &sk, now), want);
        }
    }
    assert_true(dup_index_size(di) <= WINDOW + 1);
    dup_index_clear(di);
    assert_int_equal(dup_index_size(di), 0);
    struct dup_sketch sk;
    uint64_t h = simhash64_sketch(texts[0], strlen(texts[0]), &sk);
    assert_int_equal(dup_index_find_sketch(di, h, &sk, N), 0);
    dup_index_add_sketch(di, 1, h, &sk, N);
    assert_int_equal(dup_index_find_sketch(di, h, &sk, N), 1);
    dup_index_free(di);
    free(texts);
}

static void test_corpus_smoke(void **state)
{
    (void)state;
    const char *shared = getenv("JINGYU_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/weibo_police_2020.jsonl", shared ? shared : "");
    FILE *f = shared ? fopen(path, "r") : NULL;
    if (!f) {
        print_message("skipped: %s not found\n", path);
        skip();
    }
    size_t cap = 0, n = 0;
    char **texts = NULL;
    char line[65536];
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *t = j ? json_string_value(json_object_get(j, "text")) : NULL;
        if (t) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                texts = xrealloc(texts, cap * sizeof *texts);
            }
            texts[n++] = xstrdup(t);
        }
        json_decref(j);
    }
    fclose(f);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(texts[i]);

    struct dup_index *di = dup_index_new(3, 7 * 24 * 3600);
    size_t dups = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = simhash64(texts[i], strlen(texts[i]));
        if (dup_index_find(di, h, 0))
            dups++;
        else
            dup_index_add(di, (int64_t)i + 1, h, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("corpus: %zu items, %zu first copies, %zu near-duplicates; "
                  "%.0f items/s, %.1f MB/s (hash + index, unnormalised text)\n",
                  n, dup_index_size(di), dups, (double)n / secs, (double)bytes / secs / 1e6);
    assert_true(n > 0);
    assert_true(dup_index_size(di) + dups == n);
    dup_index_free(di);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_one_char_edit),
        cmocka_unit_test(test_unrelated),
        cmocka_unit_test(test_threshold_boundary),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_earliest),
        cmocka_unit_test(test_against_brute_force),
        cmocka_unit_test(test_sketch_variants),
        cmocka_unit_test(test_sketch_sample),
        cmocka_unit_test(test_sketch_index),
        cmocka_unit_test(test_corpus_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
