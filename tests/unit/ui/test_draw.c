/* In-process screen tests for ui/draw.c: the feed pane, the risk board and
 * a text view (with matched terms highlighted) are drawn into a curses screen opened with newterm()
 * on /dev/null, then read back cell by cell. They check what a user would see: columns that line up
 * whatever the CJK width of a row, titles cut with "…" inside the screen, no escape sequence drawn,
 * unread rows in bold. */
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

static struct store_event event(int64_t id, int level, const char *title, int items, int sources,
                                double velocity, bool acked, int64_t last_seen)
{
    struct store_event e;
    memset(&e, 0, sizeof e);
    e.id = id;
    e.level = level;
    e.title = (char *)title;
    e.items = items;
    e.sources = sources;
    e.velocity = velocity;
    e.alert_id = level ? id : 0;
    e.acked = acked || !level;
    e.last_seen = last_seen;
    for (int h = 0; h < 24; h++)
        e.hourly[h] = h >= 20 ? (h - 19) * 2 : 0;
    return e;
}

static void board_rows_read_without_colour(void **state)
{
    (void)state;
    int64_t now = jy_now();
    struct store_event ev[] = {
        event(1, LEVEL_I, "县公安局民警执法视频引发热议 多地网友转发评论持续发酵中", 123, 17, 3.5,
              false, now - 10),
        event(2, LEVEL_II, "ascii title", 5, 2, 1.5, true, now - 300),
        event(3, LEVEL_III, "清河大桥火灾", 12, 3, 1.0, false, now - 3 * 3600),
        event(4, LEVEL_IV, "窗口投诉", 2, 1, 0.5, true, now - 2 * 86400),
        event(5, LEVEL_NONE, "未分级的事件", 1, 1, 1.0, true, now - 60),
    };
    struct ui_board b = {.events = ev, .n = 5, .sel = 1};
    erase();
    ui_draw_board(stdscr, 1, 0, 7, 100, &b, true, now);
    const char *roman[] = {"I ", "II", "III", "IV", "- "};
    for (int r = 0; r < 5; r++) {
        char *t = row_text(1 + r, NULL);
        assert_memory_equal(t, roman[r], 2);
        assert_true(utf8_width(t) <= 100);
        free(t);
    }
    char *t = row_text(1, NULL);
    assert_non_null(strstr(t, "×123"));
    assert_non_null(strstr(t, "17源"));
    assert_non_null(strstr(t, "↑"));
    assert_non_null(strstr(t, "刚刚"));
    assert_non_null(strstr(t, "未确认"));
    assert_non_null(strstr(t, "…")); /* the long title cut by display width */
    assert_null(strstr(t, "持续发酵中"));
    assert_non_null(strstr(t, " ▂▄▆█ ")); /* hours 20..23: 2, 4, 6, 8 of 8 */
    free(t);
    t = row_text(2, NULL);
    assert_non_null(strstr(t, "↗"));
    assert_non_null(strstr(t, "5分钟"));
    assert_non_null(strstr(t, "已确认"));
    free(t);
    t = row_text(3, NULL);
    assert_non_null(strstr(t, "→"));
    assert_non_null(strstr(t, "3小时"));
    free(t);
    t = row_text(4, NULL);
    assert_non_null(strstr(t, "↓"));
    assert_non_null(strstr(t, "2天"));
    free(t);
    t = row_text(5, NULL);
    assert_null(strstr(t, "确认")); /* no alert: neither */
    free(t);
    /* every column starts at the same display column whatever the title */
    int count_col = col_of(1, "×123");
    assert_true(count_col > 0);
    assert_int_equal(col_of(2, "×5"), count_col);
    assert_int_equal(col_of(3, "×12"), count_col);
    assert_int_equal(col_of(4, "×2"), count_col);
    assert_int_equal(col_of(1, "未确认"), col_of(2, "已确认"));
    assert_int_equal(col_of(1, "未确认"), col_of(3, "未确认"));
    assert_int_equal(col_of(3, "清河大桥"), col_of(2, "ascii"));
    /* I and II in bold, an unacknowledged alert stands out; the selection reversed */
    attr_t attrs[100];
    free(row_text(1, attrs));
    assert_true(attrs[0] & A_BOLD);
    assert_true(attrs[col_of(1, "未确认")] & A_BOLD);
    free(row_text(4, attrs));
    assert_false(attrs[0] & A_BOLD);
    free(row_text(2, attrs));
    assert_true(attrs[0] & A_REVERSE);
    assert_true(attrs[count_col] & A_REVERSE);
}

static void board_at_80_columns_and_empty(void **state)
{
    (void)state;
    resize_term(24, 80);
    int64_t now = jy_now();
    struct store_event ev[] = {event(1, LEVEL_II, "一二三四五六七八九十一二三四五六七八九十一二三",
                                     7, 2, 2.0, false, now - 7200)};
    struct ui_board b = {.events = ev, .n = 1};
    erase();
    ui_draw_board(stdscr, 1, 0, 3, 80, &b, false, now);
    char *t = row_text(1, NULL);
    assert_int_equal(utf8_width(t), 80);
    assert_non_null(strstr(t, "…"));
    assert_non_null(strstr(t, "×7"));
    assert_non_null(strstr(t, "未确认"));
    assert_non_null(strstr(t, "2小时"));
    free(t);
    struct ui_board empty = {0};
    erase();
    ui_draw_board(stdscr, 1, 0, 3, 80, &empty, false, now);
    assert_int_equal(col_of(1, "（72小时内暂无舆情事件）"), 0);
    resize_term(30, 100);
}

static void feed_row_shows_duplicates(void **state)
{
    (void)state;
    struct store_item rows[] = {item(1, "人民网", "同一条消息", false),
                                item(2, "rss", "no copies", false)};
    rows[0].dups = 2;
    struct ui_list l;
    memset(&l, 0, sizeof l);
    l.rows = rows;
    l.n = 2;
    erase();
    ui_draw_feed(stdscr, 1, 0, 3, 100, &l, true, jy_now());
    int title_col = UI_FEED_TIME_W + 1 + UI_FEED_SOURCE_W + 1;
    assert_int_equal(col_of(1, "×3 同一条消息"), title_col);
    assert_int_equal(col_of(2, "no copies"), title_col);
    char *t = row_text(2, NULL);
    assert_null(strstr(t, "×"));
    free(t);
}

static void matched_terms_are_highlighted(void **state)
{
    (void)state;
    struct ui_text t = {0};
    char *terms[] = {"执法", "police"};
    ui_text_add_marked(&t, "民警执法视频 Police report\n第二段没有命中词", 40, 0, NULL, terms, 2);
    assert_int_equal(t.n, 2);
    erase();
    ui_draw_text(stdscr, 0, 0, 2, 40, &t);
    attr_t attrs[100];
    free(row_text(0, attrs));
    int c = col_of(0, "执法"), p = col_of(0, "Police");
    assert_int_equal(c, 4);
    assert_false(attrs[0] & A_REVERSE);     /* 民 */
    assert_true(attrs[c] & A_REVERSE);      /* 执 */
    assert_true(attrs[c + 2] & A_REVERSE);  /* 法 */
    assert_false(attrs[c + 4] & A_REVERSE); /* 视 */
    assert_true(attrs[p] & A_REVERSE);      /* case-insensitive for ASCII */
    assert_true(attrs[p + 5] & A_REVERSE);
    assert_false(attrs[p + 7] & A_REVERSE); /* report */
    free(row_text(1, attrs));
    assert_false(attrs[0] & A_REVERSE);
    assert_null(t.marks[1]);
    /* a term split by a line break is marked on both lines */
    ui_text_clear(&t);
    ui_text_add_marked(&t, "一二三执法", 9, 0, NULL, terms, 1);
    assert_int_equal(t.n, 2); /* "一二三执" and "法" */
    erase();
    ui_draw_text(stdscr, 0, 0, 2, 9, &t);
    free(row_text(0, attrs));
    assert_false(attrs[4] & A_REVERSE);
    assert_true(attrs[6] & A_REVERSE);
    free(row_text(1, attrs));
    assert_true(attrs[0] & A_REVERSE);
    ui_text_clear(&t);
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

/* The header at 80 columns: zero counts and the bureau's name give way
 * first, the overdue count and who collects always stay. */
static void header_keeps_what_matters(void **state)
{
    (void)state;
    struct ui_header_part p[] = {
        {" 清河县公安局 警舆", " 清河县公安局", 4, 0},
        {"12:34:56", "12:34", 5, 0},
        {"张三", NULL, 6, 0},
        {"值班 张三·李四·王五·赵六", NULL, 2, 0},
        {"失联信源 0", "失联 0", 1, 0},
        {"待确认事件 3", "待确认 3", 8, 0},
        {"超时工单 2", NULL, 0, 0},
        {"采集：duty-room-server:12345", "采集：他机", 9, 0},
    };
    size_t n = sizeof p / sizeof p[0];
    int w = ui_header_fit(p, n, 200, 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i].shown, 2);
    w = ui_header_fit(p, n, 80, 2);
    assert_true(w <= 80);
    assert_int_equal(p[6].shown, 2); /* 超时工单 */
    assert_int_equal(p[7].shown, 2); /* 采集 in full: the duty line went first */
    assert_int_equal(p[5].shown, 2);
    assert_int_equal(p[3].shown, 0);
    assert_int_equal(p[4].shown, 0);
    w = ui_header_fit(p, n, 40, 2);
    assert_true(w <= 40);
    assert_int_equal(p[6].shown, 2);
    assert_true(p[7].shown > 0);
    assert_int_equal(p[0].shown, 0);
    /* however narrow: the overdue count is never dropped */
    ui_header_fit(p, n, 5, 2);
    assert_int_equal(p[6].shown, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feed_columns_line_up),
        cmocka_unit_test(feed_at_80_columns),
        cmocka_unit_test(empty_feed_says_so),
        cmocka_unit_test(board_rows_read_without_colour),
        cmocka_unit_test(board_at_80_columns_and_empty),
        cmocka_unit_test(feed_row_shows_duplicates),
        cmocka_unit_test(matched_terms_are_highlighted),
        cmocka_unit_test(text_view_wraps_and_scrolls),
        cmocka_unit_test(header_keeps_what_matters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
