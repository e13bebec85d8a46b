/* Unit tests for src/util: bounded buffers, UTF-8 sanitising (escape
 * sequences), display width and truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

/* The JSON writer: what jingyu analyze prints must parse as JSON and keep
 * every byte of the text. */
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

static void rfc3339_format(void **state)
{
    (void)state;
    char out[32];
    jy_time_rfc3339(1072986501, out);
    assert_string_equal(out, "2004-01-01T19:48:21Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_is_bounded),
        cmocka_unit_test(sanitize_strips_escapes),
        cmocka_unit_test(width_counts_columns),
        cmocka_unit_test(truncate_by_width),
        cmocka_unit_test(decode_rejects_overlong),
        cmocka_unit_test(rfc3339_format),
        cmocka_unit_test(json_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
