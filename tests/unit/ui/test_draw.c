/* In-process screen tests for ui/draw.c: the feed and health panes and a
 * text view are drawn into a curses screen opened with newterm() on
 * /dev/null, then read back cell by cell. They check what a user would see:
 * columns that line up whatever the CJK width of a row, titles cut with
 * "…" inside the screen, no escape sequence drawn, unread rows in bold. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "ui_private.h"

static SCREEN *scr;
static FILE *out, *in;

static int setup(void **state)
{
    (void)state;
    if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "C.utf8"))
        return -1;
    out = fopen("/dev/null", "w");
    in = fopen("/dev/null", "r");
    scr = newterm("screen", out, in);
    if (!scr)
        return -1;
    resize_term(30, 100);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    return 0;
}

/* The row as text, one character per cell it starts (a wide character's
 * second cell is skipped), and the attributes of each display column. */
static char *row_text(int y, attr_t *attrs)
{
    int cols = getmaxx(stdscr);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    for (int x = 0; x < cols; x++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t a;
        short pair;
        mvin_wch(y, x, &cc);
        getcchar(&cc, wch, &a, &pair, NULL);
        if (attrs)
            attrs[x] = a;
        char enc[8];
        size_t n = utf8_encode((uint32_t)wch[0], enc);
        jy_buf_append(&b, enc, n);
        if (utf8_cp_width((uint32_t)wch[0]) == 2)
            x++;
    }
    return jy_buf_steal(&b);
}

/* Display column where needle starts in row y, -1 if absent. */
static int col_of(int y, const char *needle)
{
    char *t = row_text(y, NULL);
    char *p = strstr(t, needle);
    int col = -1;
    if (p) {
        *p = '\0';
        col = utf8_width(t);
    }
    free(t);
    return col;
}

static struct store_item item(int64_t id, const char *src, const char *title, bool read)
{
    struct store_item it;
    memset(&it, 0, sizeof it);
    it.id = id;
    it.sort_at = jy_now() - id * 60;
    it.source_name = (char *)src;
    it.title = (char *)title;
    it.read = read;
    return it;
}

static void feed_columns_line_up(void **state)
{
    (void)state;
    struct store_item rows[] = {
        item(1, "人民网", "县城中心路段发生交通事故 两人受伤", false),
        item(2, "rss", "ascii title", true),
        item(3, "微博热搜榜单超长的信源名称", "😀 表情开头的标题", false),
        item(4, "本地论坛",
             "很长的标题很长的标题很长的标题很长的标题很长的标题很长的标题很长的标题很长的标题很长"
             "的标题结尾",
             false),
        item(5, "x", "bad\x1b[2Jtitle\x1b]0;pwned\x07 shown", false),
    };
    struct ui_list l;
    memset(&l, 0, sizeof l);
    l.rows = rows;
    l.n = 5;
    l.height = 10;
    erase();
    ui_draw_feed(stdscr, 2, 0, 10, 100, &l, true, jy_now());
    int src_col = UI_FEED_TIME_W + 1, title_col = src_col + UI_FEED_SOURCE_W + 1;
    assert_int_equal(col_of(2, "人民网"), src_col);
    assert_int_equal(col_of(2, "县城中心"), title_col);
    assert_int_equal(col_of(3, "rss"), src_col);
    assert_int_equal(col_of(3, "ascii title"), title_col);
    assert_int_equal(col_of(4, "微博热搜"), src_col);
    assert_int_equal(col_of(4, "😀"), title_col);
    assert_int_equal(col_of(5, "很长的标题"), title_col);
    /* cut to the screen with an ellipsis */
    char *t = row_text(5, NULL);
    assert_non_null(strstr(t, "…"));
    assert_null(strstr(t, "结尾"));
    assert_true(utf8_width(t) <= 100);
    free(t);
    /* the source name cut to its column */
    t = row_text(4, NULL);
    assert_non_null(strstr(t, "微博热搜榜…"));
    free(t);
    /* escape sequences are not drawn, the text around them is */
    t = row_text(6, NULL);
    assert_non_null(strstr(t, "badtitle shown"));
    assert_null(strchr(t, '\x1b'));
    assert_null(strstr(t, "pwned"));
    free(t);
    /* unread rows bold, read ones not; the selected row reversed */
    attr_t attrs[100];
    free(row_text(3, attrs));
    assert_false(attrs[title_col] & A_BOLD);
    free(row_text(4, attrs));
    assert_true(attrs[title_col] & A_BOLD);
    free(row_text(2, attrs));
    assert_true(attrs[title_col] & A_REVERSE);
    /* rows below the list are blank */
    t = row_text(8, NULL);
    assert_int_equal(strspn(t, " "), strlen(t));
    free(t);
}

static void feed_at_80_columns(void **state)
{
    (void)state;
    resize_term(24, 80);
    struct store_item rows[] = {
        item(1, "人民网", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五",
             false)};
    struct ui_list l;
    memset(&l, 0, sizeof l);
    l.rows = rows;
    l.n = 1;
    erase();
    ui_draw_feed(stdscr, 1, 0, 5, 80, &l, false, jy_now());
    char *t = row_text(1, NULL);
    assert_int_equal(utf8_width(t), 80);
    assert_non_null(strstr(t, "…"));
    free(t);
    resize_term(30, 100);
}

static void empty_feed_says_so(void **state)
{
    (void)state;
    struct ui_list l;
    memset(&l, 0, sizeof l);
    erase();
    ui_draw_feed(stdscr, 1, 0, 5, 100, &l, true, jy_now());
    assert_int_equal(col_of(1, "（暂无信息）"), 0);
}

static void health_rows_show_state_and_error(void **state)
{
    (void)state;
    struct store_source src[3];
    memset(src, 0, sizeof src);
    src[0].name = "人民网";
    src[0].last_success = jy_now() - 120;
    src[1].name = "县论坛";
    src[1].failures = 3;
    src[1].last_error = "HTTP 503 Service Unavailable";
    src[2].name = "停掉的";
    enum source_state st[3] = {SOURCE_OK, SOURCE_FAILING, SOURCE_DISABLED};
    struct ui_health hl = {.sources = src, .states = st, .n = 3};
    erase();
    ui_draw_health(stdscr, 1, 0, 4, 100, &hl, false, jy_now());
    char *t = row_text(1, NULL);
    assert_non_null(strstr(t, "正常"));
    assert_non_null(strstr(t, "2分钟前"));
    free(t);
    t = row_text(2, NULL);
    assert_non_null(strstr(t, "失败"));
    assert_non_null(strstr(t, "失败3次"));
    assert_non_null(strstr(t, "HTTP 503"));
    free(t);
    assert_true(col_of(1, "正常") == col_of(2, "失败") && col_of(2, "失败") == col_of(3, "停用"));
}

static void text_view_wraps_and_scrolls(void **state)
{
    (void)state;
    struct ui_text t = {0};
    ui_text_add_wrapped(&t, "第一段内容很长很长很长很长很长\n\x1b[31m第二段", 10, 0);
    assert_int_equal(t.n, 4); /* 30 columns of text in three lines of 10, then one */
    erase();
    ui_draw_text(stdscr, 0, 0, 3, 20, &t);
    assert_int_equal(col_of(0, "第一段内容"), 0);
    ui_text_scroll(&t, 100, 3);
    assert_int_equal(t.top, 1);
    ui_text_scroll(&t, -100, 3);
    assert_int_equal(t.top, 0);
    char *row = NULL;
    ui_text_scroll(&t, 2, 3);
    erase();
    ui_draw_text(stdscr, 0, 0, 3, 20, &t);
    row = row_text(2, NULL);
    assert_non_null(strstr(row, "第二段"));
    assert_null(strchr(row, '\x1b'));
    free(row);
    ui_text_clear(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feed_columns_line_up),
        cmocka_unit_test(feed_at_80_columns),
        cmocka_unit_test(empty_feed_says_so),
        cmocka_unit_test(health_rows_show_state_and_error),
        cmocka_unit_test(text_view_wraps_and_scrolls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
