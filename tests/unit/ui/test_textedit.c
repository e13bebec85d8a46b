/* Tests of ui/textedit.c, the field editor without curses, and of the form
 * keys that drive it: the cursor moves by whole characters (a CJK one is
 * two columns, a combining mark goes with its letter), text goes in where
 * the cursor is, Home/End and ^A/^E go to the line's ends, Delete, ^K and
 * ^W cut what they should, and Up/Down keep the display column across
 * lines laid out by width; a template's （地点） is filled in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textedit.h"
#include "ui_private.h"

static void set(struct jy_buf *b, const char *s)
{
    jy_buf_reset(b);
    jy_buf_puts(b, s);
}

static void ins(struct jy_buf *b, size_t *cur, const char *s)
{
    assert_int_equal(textedit_insert(b, cur, s, strlen(s)), 0);
}

static void moving_by_characters(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    set(&b, "民警a\xcc\x81x");
    size_t cur = 0;
    assert_false(textedit_left(&b, &cur));
    assert_true(textedit_right(&b, &cur));
    assert_int_equal(cur, 3); /* past 民 */
    assert_true(textedit_right(&b, &cur));
    assert_true(textedit_right(&b, &cur));
    assert_int_equal(cur, 9); /* past a and its accent together */
    assert_true(textedit_left(&b, &cur));
    assert_int_equal(cur, 6);
    assert_true(textedit_end(&b, &cur));
    assert_int_equal(cur, b.len);
    assert_false(textedit_right(&b, &cur));
    assert_true(textedit_home(&b, &cur));
    assert_int_equal(cur, 0);
    jy_buf_free(&b);
}

static void inserting_and_deleting(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    set(&b, "民警打人");
    size_t cur = 6;
    ins(&b, &cur, "涉嫌");
    assert_string_equal(b.data, "民警涉嫌打人");
    assert_int_equal(cur, 12);
    assert_true(textedit_delete(&b, &cur)); /* the character under the cursor */
    assert_string_equal(b.data, "民警涉嫌人");
    assert_true(textedit_backspace(&b, &cur));
    assert_string_equal(b.data, "民警涉人");
    assert_int_equal(cur, 9);
    cur = b.len;
    assert_false(textedit_delete(&b, &cur));
    cur = 0;
    assert_false(textedit_backspace(&b, &cur));
    /* a full buffer takes nothing rather than half a character */
    struct jy_buf small;
    jy_buf_init(&small, 8);
    size_t c2 = 0;
    ins(&small, &c2, "警察");
    assert_int_not_equal(textedit_insert(&small, &c2, "局", 3), 0);
    assert_string_equal(small.data, "警察");
    jy_buf_free(&small);
    jy_buf_free(&b);
}

static void lines_and_kills(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    set(&b, "第一行\n第二行文字\n第三");
    size_t cur = 16; /* after 第二 */
    assert_true(textedit_home(&b, &cur));
    assert_int_equal(cur, 10);
    assert_true(textedit_end(&b, &cur));
    assert_int_equal(cur, 25);
    cur = 19; /* after 第二行 */
    assert_true(textedit_kill_line(&b, &cur));
    assert_string_equal(b.data, "第一行\n第二行\n第三");
    assert_true(textedit_kill_line(&b, &cur)); /* at the end: joins the next line */
    assert_string_equal(b.data, "第一行\n第二行第三");
    /* ^W: back over the breaks, then the word */
    set(&b, "经调取 执法记录仪，");
    cur = b.len;
    assert_true(textedit_kill_word(&b, &cur));
    assert_string_equal(b.data, "经调取 ");
    set(&b, "call the police");
    cur = b.len;
    assert_true(textedit_kill_word(&b, &cur));
    assert_string_equal(b.data, "call the ");
    assert_true(textedit_kill_word(&b, &cur));
    assert_string_equal(b.data, "call ");
    jy_buf_free(&b);
}

static void layout_and_vertical(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    /* 6 columns: three CJK characters a line */
    set(&b, "一二三四五六七\nab");
    size_t n;
    struct textedit_line *v = textedit_layout(b.data, b.len, 6, &n);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].end, 9);
    assert_int_equal(v[1].start, 9);
    assert_int_equal(v[2].start, 18);
    assert_int_equal(v[2].end, 21);
    assert_int_equal(v[3].start, 22);
    free(v);
    int row, col;
    textedit_locate(b.data, b.len, 6, 9, &row, &col); /* between wrapped lines: the second */
    assert_int_equal(row, 1);
    assert_int_equal(col, 0);
    textedit_locate(b.data, b.len, 6, 21, &row, &col); /* before the '\n' */
    assert_int_equal(row, 2);
    assert_int_equal(col, 2);
    size_t cur = 6; /* after 二: column 4 */
    assert_true(textedit_vertical(&b, &cur, 6, 1));
    assert_int_equal(cur, 15); /* after 五 */
    assert_true(textedit_vertical(&b, &cur, 6, 1));
    assert_int_equal(cur, 21); /* line 七: its end */
    assert_true(textedit_vertical(&b, &cur, 6, 1));
    assert_int_equal(cur, 24); /* "ab": column 2 */
    assert_false(textedit_vertical(&b, &cur, 6, 1));
    cur = 23; /* after a: column 1, inside 七 going up: its left edge */
    assert_true(textedit_vertical(&b, &cur, 6, -1));
    assert_int_equal(cur, 18);
    cur = 0;
    assert_false(textedit_vertical(&b, &cur, 6, -1));
    /* an empty text is one empty line */
    set(&b, "");
    v = textedit_layout(b.data, b.len, 6, &n);
    assert_int_equal(n, 1);
    free(v);
    jy_buf_free(&b);
}

static void key(struct ui_form *fm, int k, int times)
{
    for (int i = 0; i < times; i++)
        ui_form_key(fm, k);
}

static void type(struct ui_form *fm, const char *s)
{
    while (*s) {
        uint32_t cp;
        s += utf8_decode(s, strlen(s), &cp);
        ui_form_key(fm, (int)cp);
    }
}

/* The statement's template: （地点） replaced where it stands. */
static void form_fills_a_placeholder(void **state)
{
    (void)state;
    struct ui_form fm;
    ui_form_init(&fm, "通报");
    ui_form_add(&fm, "title", "标题", UI_FIELD_LINE, "情况通报");
    ui_form_add(&fm, "text", "正文", UI_FIELD_TEXT,
                "（时间），在（地点）发生一起事件。\n特此通报。");
    ui_form_key(&fm, '\t');
    key(&fm, UI_FN(KEY_UP), 1); /* the second line: up to the first */
    key(&fm, UI_CTRL('A'), 1);
    key(&fm, UI_FN(KEY_RIGHT), 7); /* （时间），在（ */
    key(&fm, UI_FN(KEY_DC), 2);    /* 地点 */
    type(&fm, "城关镇");
    assert_string_equal(ui_form_get(&fm, "text"),
                        "（时间），在（城关镇）发生一起事件。\n特此通报。");
    key(&fm, UI_FN(KEY_HOME), 1);
    key(&fm, UI_FN(KEY_RIGHT), 1);
    key(&fm, UI_CTRL('K'), 1);
    type(&fm, "12月1日）");
    assert_string_equal(ui_form_get(&fm, "text"), "（12月1日）\n特此通报。");
    key(&fm, UI_CTRL('E'), 1);
    key(&fm, UI_FN(KEY_DOWN), 1);
    key(&fm, UI_FN(KEY_END), 1);
    key(&fm, UI_FN(KEY_BACKSPACE), 1);
    type(&fm, "！");
    assert_string_equal(ui_form_get(&fm, "text"), "（12月1日）\n特此通报！");
    /* past the last line Down goes to the next field (none here: it stays) */
    assert_int_equal(ui_form_key(&fm, UI_FN(KEY_DOWN)), UI_FORM_MOVED);
    assert_int_equal(fm.cur, 1);
    ui_form_key(&fm, UI_FN(KEY_UP));
    ui_form_key(&fm, UI_FN(KEY_UP));
    assert_int_equal(fm.cur, 0);
    /* a one-line field: Left and insert */
    key(&fm, UI_FN(KEY_LEFT), 2);
    type(&fm, "补充");
    assert_string_equal(ui_form_get(&fm, "title"), "情况补充通报");
    key(&fm, UI_CTRL('W'), 1);
    assert_string_equal(ui_form_get(&fm, "title"), "通报");
    ui_form_free(&fm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moving_by_characters),     cmocka_unit_test(inserting_and_deleting),
        cmocka_unit_test(lines_and_kills),          cmocka_unit_test(layout_and_vertical),
        cmocka_unit_test(form_fills_a_placeholder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
