/* test_simhash.c: SimHash distances on real-looking text and the banded
 * near-duplicate index (thresholds, window, earliest copy, against a brute
 * force scan), plus a smoke run over the Weibo corpus when it is present. */
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
        cmocka_unit_test(test_corpus_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
