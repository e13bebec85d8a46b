/* Unit tests for src/util: bounded buffers, UTF-8 sanitising (escape
 * sequences), display width and truncation, reading JSON objects without a
 * tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/util.h"

static void buf_is_bounded(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 8);
    assert_int_equal(jy_buf_puts(&b, "12345"), 0);
    assert_int_equal(jy_buf_puts(&b, "6789"), JY_ETOOBIG);
    assert_string_equal(b.data, "12345");
    assert_int_equal(jy_buf_puts(&b, "678"), 0);
    assert_int_equal(b.len, 8);
    jy_buf_free(&b);
}

static void sanitize_case(const char *in, const char *want, int flags)
{
    char *got = utf8_sanitize(in, strlen(in), flags);
    if (strcmp(got, want) != 0)
        print_error("in=%s got=[%s] want=[%s]\n", in, got, want);
    assert_string_equal(got, want);
    free(got);
}

static void sanitize_strips_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain 中文", "plain 中文"},
        {"a\x1b[2Jb", "ab"},                    /* CSI clear screen */
        {"x\x1b[31;1mred\x1b[0m", "xred"},      /* SGR */
        {"\x1b]0;owned\x07title", "title"},     /* OSC with BEL */
        {"\x1b]8;;http://x\x1b\\link", "link"}, /* OSC with ST */
        {"\x1bPqdcs\x1b\\after", "after"},      /* DCS */
        {"a\x1b"
         "cb",
         "ab"},             /* RIS */
        {"a\x1b(Bb", "ab"}, /* charset designation */
        {"a\xc2\x9b"
         "2Jb",
         "ab"}, /* C1 CSI */
        {"a\xc2\x9d"
         "0;t\xc2\x9c"
         "b",
         "ab"}, /* C1 OSC ... ST */
        {"bell\x07\x08\x7f!", "bell!"},
        {"tab\there", "tab here"},
        {"line1\r\nline2", "line1 line2"},
        {"bad\xff\xfe utf8", "bad\xef\xbf\xbd\xef\xbf\xbd utf8"},
        {"\xe2\x80\xae"
         "evil",
         "evil"}, /* RLO */
        {"\x1b]0;never ends", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        sanitize_case(cases[i].in, cases[i].want, 0);
    sanitize_case("l1\r\nl2\rl3\n", "l1\nl2\nl3\n", UTF8_KEEP_NEWLINES);
}

/* Long runs of printable ASCII are looked at eight bytes at a time: a
 * control byte, DEL, a stray high byte or a tab at any place of a run is
 * still found. */
static void sanitize_ascii_runs(void **state)
{
    (void)state;
    static const struct {
        char bad;
        const char *becomes;
    } odd[] = {{'\x01', ""}, {'\x1f', ""}, {'\x7f', ""}, {'\x80', "\xef\xbf\xbd"},
               {'\t', " "},  {' ', " "},   {'~', "~"}};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        for (size_t at = 0; at < 40; at++) {
            char in[48], want[48];
            memset(in, 'a' + (char)(at % 26), 41);
            in[41] = '\0';
            in[at] = odd[k].bad;
            snprintf(want, sizeof want, "%.*s%s%s", (int)at, in, odd[k].becomes, in + at + 1);
            sanitize_case(in, want, 0);
        }
    }
}

static void width_counts_columns(void **state)
{
    (void)state;
    assert_int_equal(utf8_width("abc"), 3);
    assert_int_equal(utf8_width("清河县"), 6);
    assert_int_equal(utf8_width("ＡＢ"), 4);             /* fullwidth */
    assert_int_equal(utf8_width("e\xcc\x81"), 1);        /* e + combining acute */
    assert_int_equal(utf8_width("\xf0\x9f\x9a\x93"), 2); /* 🚓 */
}

static void truncate_by_width(void **state)
{
    (void)state;
    char *s = utf8_truncate("清河县公安局通报", 7);
    assert_string_equal(s, "清河县…");
    assert_true(utf8_width(s) <= 7);
    free(s);
    s = utf8_truncate("abc", 3);
    assert_string_equal(s, "abc");
    free(s);
    s = utf8_truncate("a清河", 4);
    assert_string_equal(s, "a清…");
    free(s);
    int w;
    assert_int_equal(utf8_prefix_for_width("清河", 3, &w), 3);
    assert_int_equal(w, 2);
}

static void decode_rejects_overlong(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 1); /* surrogate */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(utf8_decode("\xe4\xb8\xad", 3, &cp), 3);
    assert_int_equal(cp, 0x4E2D);
    assert_true(utf8_valid("中文", strlen("中文")));
    assert_false(utf8_valid("\xe4\xb8", 2));
}

/* utf8_is_sanitized says exactly when utf8_sanitize gives its input back:
 * random strings of printable ASCII runs, CJK, newlines, tabs, carriage
 * returns, NUL, escape sequences, C1 controls, bidirectional overrides and
 * invalid bytes, with every combination of the flags. */
static void is_sanitized_agrees(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "abcdefghij", "ab",
        "中文字",     "\n",
        "\t",         "\r\n",
        "\r",         "\x1b[2J",
        "\xc2\x9b",   "\xe2\x80\xae",
        "\xff",       "\xe4\xb8",
        "\x7f",       "\x01",
        "，",         "\xf0\x9f\x98\x80",
        "\xc3\xa9",   "0123456789abcdef",
    };
    enum { N = sizeof pieces / sizeof pieces[0] };
    srand(7);
    char s[400];
    for (int round = 0; round < 4000; round++) {
        size_t len = 0;
        int k = rand() % 12;
        for (int j = 0; j < k; j++) {
            const char *p = pieces[rand() % N];
            size_t n = strlen(p);
            memcpy(s + len, p, n);
            len += n;
        }
        if (rand() % 8 == 0 && len > 0)
            s[rand() % len] = '\0'; /* a NUL inside */
        for (int flags = 0; flags < 4; flags++) {
            char *out = utf8_sanitize(s, len, flags);
            bool same = strlen(out) == len && memcmp(out, s, len) == 0;
            if (utf8_is_sanitized(s, len, flags) != same)
                fail_msg("round %d flags %d: is_sanitized %d, sanitize gives it back %d", round,
                         flags, !same, same);
            free(out);
        }
    }
}

/* The inline decoder agrees with the byte-by-byte one on every sequence of
 * three bytes (with a fourth after it and without): its fast path for
 * three-byte characters checks them as one word. */
static void decode_fast_matches_slow(void **state)
{
    (void)state;
    for (uint32_t v = 0; v < (1u << 24); v++) {
        unsigned char b[4] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v,
                              'x'};
        for (size_t len = 3; len <= 4; len++) {
            uint32_t fast, slow;
            size_t nf = utf8_decode((const char *)b, len, &fast);
            size_t ns = utf8_decode_slow((const char *)b, len, &slow);
            if (nf != ns || fast != slow)
                fail_msg("%02x %02x %02x: inline %zu U+%04X, slow %zu U+%04X", b[0], b[1], b[2], nf,
                         (unsigned)fast, ns, (unsigned)slow);
        }
    }
}

/* The JSON writer: what jingyu analyze prints must parse as JSON and keep
 * every byte of the text. */
/* jy_json_pick on a copy of text; returns its result. */
static int pick(const char *text, const char *const *keys, size_t n, struct jy_jval *out,
                char *copy)
{
    size_t len = strlen(text);
    memcpy(copy, text, len + 1);
    return jy_json_pick(copy, len, keys, n, out);
}

static void json_pick_members(void **state)
{
    (void)state;
    static const char *const keys[] = {"id", "text", "published", "x", "nested", "t\u00e9"};
    struct jy_jval v[6];
    char buf[512];
    assert_int_equal(pick(" {\"id\": 42, \"text\" : \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\","
                          "\"nested\":{\"a\":[1,2,{\"b\":null}],\"text\":\"no\"},"
                          "\"published\":-7.5e3, \"t\\u00e9\":true, \"text\":\"\\u8b66\u5bdf\"} ",
                          keys, 6, v, buf),
                     0);
    assert_int_equal(v[0].type, JY_J_INT);
    assert_int_equal(v[0].i, 42);
    /* a repeated member: the last one */
    assert_int_equal(v[1].type, JY_J_STRING);
    assert_string_equal(v[1].str, "警察");
    assert_int_equal(v[1].len, strlen("警察"));
    assert_int_equal(v[2].type, JY_J_REAL);
    assert_int_equal(v[2].raw_len, 6);
    assert_memory_equal(v[2].raw, "-7.5e3", 6);
    assert_int_equal(v[3].type, JY_J_ABSENT);
    assert_int_equal(v[4].type, JY_J_OBJECT);
    assert_int_equal(v[5].type, JY_J_TRUE); /* keys are compared unescaped */

    assert_int_equal(
        pick("{\"text\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\\t\"}", keys, 6, v, buf), 0);
    assert_string_equal(v[1].str, "a\"b\\c/\n\u00e9\U0001F600\t");
    assert_int_equal(pick("{}", keys, 6, v, buf), 0);
    assert_int_equal(v[0].type, JY_J_ABSENT);
    assert_int_equal(pick("{\"id\":-9223372036854775808,\"text\":null}", keys, 6, v, buf), 0);
    assert_int_equal(v[0].type, JY_J_INT);
    assert_true(v[0].i == INT64_MIN);
    assert_int_equal(v[1].type, JY_J_NULL);

    static const char *const bad[] = {
        "",
        "[]",
        "\"text\"",
        "{",
        "{\"id\":1,}",
        "{,}",
        "{\"id\" 1}",
        "{\"id\":1}x",
        "{\"id\":1}{}",
        "{\"id\":01}",
        "{\"id\":1.}",
        "{\"id\":-}",
        "{\"id\":9223372036854775808}",
        "{\"id\":tru}",
        "{\"text\":\"\\u0000\"}",
        "{\"text\":\"\\ud83d\"}",
        "{\"text\":\"\\ude00\"}",
        "{\"text\":\"\\x\"}",
        "{\"text\":\"a\tb\"}",
        "{\"text\":\"\xff\"}",
        "{\"text\":\"\xed\xa0\x80\"}", /* an encoded surrogate */
        "{\"text\":\"\xc0\xaf\"}",     /* overlong */
        "{\"text\":\"open}",
        "{\"a\":[1,2}",
        "{\"a\":{\"b\":1]}",
        "{'id':1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pick(bad[i], keys, 6, v, buf) != -1)
            fail_msg("accepted: %s", bad[i]);
    }
    /* nesting: as deep as jansson goes (2048 values), and deeper is refused,
     * not a stack overflow */
    static char deep[8192];
    for (int levels = 2040; levels <= 2050; levels++) {
        size_t n = 0;
        n += (size_t)sprintf(deep + n, "{\"a\":");
        for (int i = 0; i < levels; i++)
            deep[n++] = '[';
        for (int i = 0; i < levels; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = '\0';
        json_error_t je;
        json_t *o = json_loadb(deep, n, 0, &je);
        int want = o ? 0 : -1;
        json_decref(o);
        if (jy_json_pick(deep, n, keys, 6, v) != want)
            fail_msg("%d levels: jansson %s", levels, want ? "refuses" : "accepts");
    }
}

/* Against jansson, which read these lines before: mutated lines are
 * accepted or refused alike, and where accepted the strings agree. */
static void json_pick_agrees_with_jansson(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"id\": 12, \"title\": \"标题\", \"text\": \"民警\\n打人 \\u8b66 \\ud83d\\ude00\", "
        "\"published\": \"2020-01-02T03:04:05Z\", \"tags\": [1, 2.5e-3, true, null, {\"a\": "
        "\"b\"}]}",
        "{\"text\":\"\\\"quoted\\\" \\\\ back\",\"id\":\"x-1\",\"n\":-0.0}",
        /* runs of three-byte characters, with the narrow leads E0 and ED */
        "{\"text\":\"民警打人视频\xe0\xa0\x80\xed\x9f\xbf网友\",\"id\":7}",
    };
    static const char *const keys[] = {"id", "title", "text", "published"};
    const char alphabet[] = "{}[]:,\"\\u0123456789abcdef.eE+-tnl \t\xe8\xad\xa6\x80\xff"
                            "\xe0\xed\xa0\x9f\xbf";
    uint64_t rng = 88172645463325252ULL;
    char line[512], copy[512];
    int accepted = 0;
    for (int round = 0; round < 60000; round++) {
        const char *seed = seeds[round % 3];
        size_t len = strlen(seed);
        memcpy(line, seed, len + 1);
        int edits = 1 + round % 3;
        for (int e = 0; e < edits && len > 0; e++) {
            rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
            uint64_t r = rng * 2685821657736338717ULL;
            size_t at = (size_t)(r >> 8) % len;
            char c = alphabet[(r >> 40) % (sizeof alphabet - 1)];
            switch (r % 3) {
            case 0:
                line[at] = c;
                break; /* replace */
            case 1:
                memmove(line + at, line + at + 1, len - at);
                len--;
                break; /* delete */
            default:
                if (len + 1 < sizeof line) { /* insert */
                    memmove(line + at + 1, line + at, len - at + 1);
                    line[at] = c;
                    len++;
                }
            }
        }
        json_error_t je;
        json_t *o = json_loadb(line, len, 0, &je);
        bool want = json_is_object(o);
        struct jy_jval v[4];
        memcpy(copy, line, len + 1);
        bool got = jy_json_pick(copy, len, keys, 4, v) == 0;
        if (got != want)
            fail_msg("jansson %s, jy_json_pick %s: %.*s", want ? "accepts" : "refuses",
                     got ? "accepts" : "refuses", (int)len, line);
        if (got) {
            accepted++;
            for (int k = 0; k < 4; k++) {
                json_t *m = json_object_get(o, keys[k]);
                if (json_is_string(m)) {
                    assert_int_equal(v[k].type, JY_J_STRING);
                    assert_int_equal(v[k].len, json_string_length(m));
                    assert_memory_equal(v[k].str, json_string_value(m), v[k].len);
                } else if (json_is_integer(m)) {
                    assert_int_equal(v[k].type, JY_J_INT);
                    assert_true(v[k].i == json_integer_value(m));
                } else if (!m) {
                    assert_int_equal(v[k].type, JY_J_ABSENT);
                }
            }
        }
        json_decref(o);
    }
    assert_true(accepted > 1000); /* the comparison saw both answers */
}

/* jy_buf_json_str against a byte-at-a-time reference, with the characters
 * to escape at every position of an 8-byte word and bytes above 0x7f
 * beside them (the writer looks at eight bytes at once). */
static void json_string_escapes(void **state)
{
    (void)state;
    static const char pool[] = {'a',        '"',  '\\',       0x01,       0x1f,
                                0x20,       0x7f, (char)0x80, (char)0xe8, (char)0xff,
                                (char)0xa0, 0x21, 0x5b,       0x5d,       0x22 ^ 0x80};
    uint64_t rng = 12345;
    for (int round = 0; round < 20000; round++) {
        char in[40];
        size_t n = (size_t)(round % 39);
        for (size_t i = 0; i < n; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            in[i] = pool[(rng >> 33) % sizeof pool];
        }
        in[n] = '\0';
        char want[256];
        size_t w = 0;
        want[w++] = '"';
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)in[i];
            if (c == '"' || c == '\\') {
                want[w++] = '\\';
                want[w++] = (char)c;
            } else if (c < 0x20) {
                w += (size_t)snprintf(want + w, sizeof want - w, "\\u%04x", c);
            } else {
                want[w++] = (char)c;
            }
        }
        want[w++] = '"';
        want[w] = '\0';
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_json_str(&b, in);
        assert_string_equal(b.data, want);
        jy_buf_free(&b);
    }
}

static void json_writer(void **state)
{
    (void)state;
    const struct {
        double v;
        int decimals;
        const char *want;
    } nums[] = {
        {0, 1, "0"},
        {12, 1, "12"},
        {12.25, 1, "12.3"},
        {-0.04, 1, "0"},
        {-1.5, 2, "-1.5"},
        {0.761594, 6, "0.761594"},
        {0.05, 6, "0.05"},
        {100, 0, "100"},
        {1.0 / 0.0, 2, "null"},
        {-12345678.125, 3, "-12345678.125"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_json_num(&b, nums[i].v, nums[i].decimals);
        assert_string_equal(b.data, nums[i].want);
        jy_buf_free(&b);
    }
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_putc(&b, '{');
    jy_buf_json_key(&b, "text", true);
    jy_buf_json_str(&b, "民警\"打人\"\\\n\x1b[31m");
    jy_buf_json_key(&b, "n", false);
    jy_buf_json_int(&b, INT64_MIN);
    jy_buf_json_key(&b, "m", false);
    jy_buf_json_int(&b, 0);
    jy_buf_putc(&b, '}');
    assert_string_equal(b.data, "{\"text\":\"民警\\\"打人\\\"\\\\\\u000a\\u001b[31m\","
                                "\"n\":-9223372036854775808,\"m\":0}");
    jy_buf_free(&b);
}

/* Integers as printf writes them, into an empty buffer, one with room, and
 * one whose maximum leaves too little room (refused, as any append). */
static void json_int_values(void **state)
{
    (void)state;
    int64_t vals[64];
    size_t n = 0;
    vals[n++] = INT64_MIN;
    vals[n++] = INT64_MAX;
    vals[n++] = INT64_MIN + 1;
    for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
        vals[n++] = p - 1;
        vals[n++] = p;
        vals[n++] = -p;
    }
    char want[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "%lld", (long long)vals[i]);
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_json_int(&b, vals[i]);
        assert_string_equal(b.data, want);
        jy_buf_puts(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        size_t at = b.len;
        jy_buf_json_int(&b, vals[i]);
        assert_string_equal(b.data + at, want);
        assert_int_equal(b.len, at + strlen(want));
        jy_buf_free(&b);
        jy_buf_init(&b, 3);
        jy_buf_json_int(&b, vals[i]);
        assert_string_equal(b.data ? b.data : "", strlen(want) <= 3 ? want : "");
        jy_buf_free(&b);
    }
    for (int64_t v = -1000; v <= 1000; v++) {
        snprintf(want, sizeof want, "%lld", (long long)v);
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "[");
        jy_buf_json_int(&b, v);
        assert_string_equal(b.data + 1, want);
        jy_buf_free(&b);
    }
}

static void rfc3339_format(void **state)
{
    (void)state;
    char out[32];
    jy_time_rfc3339(1072986501, out);
    assert_string_equal(out, "2004-01-01T19:48:21Z");
}

/* Weights that add up to a total, none negative: recovered exactly from
 * consistent rows, kept at w0 without rows, and a weight the rows would
 * make negative held at 0. */
static void lsq_simplex_fits(void **state)
{
    (void)state;
    const double truth[3] = {50, 30, 20};
    double x[8 * 3], y[8];
    for (int r = 0; r < 8; r++) {
        x[r * 3] = (r % 3) / 2.0;
        x[r * 3 + 1] = ((r + 1) % 4) / 3.0;
        x[r * 3 + 2] = (r % 2) ? 0.9 : 0.1;
        y[r] = truth[0] * x[r * 3] + truth[1] * x[r * 3 + 1] + truth[2] * x[r * 3 + 2];
    }
    double w[3], w0[3] = {10, 10, 80};
    assert_int_equal(jy_lsq_simplex(x, y, 8, 3, w0, 1e-9, 100, w), 0);
    for (int i = 0; i < 3; i++)
        assert_true(w[i] > truth[i] - 0.01 && w[i] < truth[i] + 0.01);
    assert_int_equal(jy_lsq_simplex(x, y, 0, 3, w0, 1, 100, w), 0);
    for (int i = 0; i < 3; i++)
        assert_true(w[i] > w0[i] - 1e-6 && w[i] < w0[i] + 1e-6);
    /* the third indicator only ever lowers the target */
    for (int r = 0; r < 8; r++)
        y[r] = 60 * x[r * 3] + 40 * x[r * 3 + 1] - 30 * x[r * 3 + 2];
    assert_int_equal(jy_lsq_simplex(x, y, 8, 3, NULL, 1e-6, 100, w), 0);
    assert_true(w[2] == 0);
    assert_true(w[0] + w[1] > 99.999 && w[0] + w[1] < 100.001);
    assert_int_equal(jy_lsq_simplex(x, y, 8, 0, NULL, 1, 100, w), JY_EINVAL);
    assert_int_equal(jy_lsq_simplex(x, y, 0, 3, NULL, 0, 100, w), JY_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_int_values),
        cmocka_unit_test(sanitize_ascii_runs),
        cmocka_unit_test(buf_is_bounded),
        cmocka_unit_test(sanitize_strips_escapes),
        cmocka_unit_test(width_counts_columns),
        cmocka_unit_test(truncate_by_width),
        cmocka_unit_test(decode_rejects_overlong),
        cmocka_unit_test(decode_fast_matches_slow),
        cmocka_unit_test(is_sanitized_agrees),
        cmocka_unit_test(rfc3339_format),
        cmocka_unit_test(json_writer),
        cmocka_unit_test(json_pick_members),
        cmocka_unit_test(json_string_escapes),
        cmocka_unit_test(json_pick_agrees_with_jansson),
        cmocka_unit_test(lsq_simplex_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
