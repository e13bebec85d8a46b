/* Tests of ui/form.c: typing (Chinese as the input method sends it, one
 * code point at a time), Backspace over wide and combining characters,
 * fields moving with Tab and Shift-Tab, Enter in one- and multi-line
 * fields, choices, what never enters a field (control and bidi characters,
 * escape sequences in a value set from outside), messages placed beside
 * their fields, the draft round trip through JSON, and the drawing: wrapped
 * by display width, the message on the label's row, the cursor after the
 * last character. */
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

static void type(struct ui_form *fm, const char *s)
{
    while (*s) {
        uint32_t cp;
        s += utf8_decode(s, strlen(s), &cp);
        ui_form_key(fm, (int)cp);
    }
}

static const char *const yes_no[] = {"否", "是"};

static void build(struct ui_form *fm)
{
    ui_form_init(fm, "研判");
    ui_form_add(fm, "title", "标题", UI_FIELD_LINE, "网传");
    ui_form_add(fm, "strategy", "处置策略", UI_FIELD_TEXT, NULL);
    ui_form_add(fm, "reported_up", "是否上报", UI_FIELD_CHOICE, "是");
    ui_form_set_choices(fm, "reported_up", yes_no, 2);
}

static void typing_and_moving(void **state)
{
    (void)state;
    struct ui_form fm;
    build(&fm);
    assert_string_equal(ui_form_get(&fm, "reported_up"), "是");
    assert_int_equal(ui_form_key(&fm, 'x'), UI_FORM_CHANGED);
    type(&fm, "民警打人");
    assert_string_equal(ui_form_get(&fm, "title"), "网传x民警打人");
    /* Backspace removes one character, wide or not */
    assert_int_equal(ui_form_key(&fm, UI_FN(KEY_BACKSPACE)), UI_FORM_CHANGED);
    assert_string_equal(ui_form_get(&fm, "title"), "网传x民警打");
    /* ... and a combining mark with the letter it sits on */
    type(&fm, "e\xcc\x81");
    ui_form_key(&fm, 127);
    assert_string_equal(ui_form_get(&fm, "title"), "网传x民警打");
    /* Enter ends a one-line field; in a multi-line one it breaks the line */
    assert_int_equal(ui_form_key(&fm, '\n'), UI_FORM_MOVED);
    assert_int_equal(fm.cur, 1);
    type(&fm, "先核实");
    assert_int_equal(ui_form_key(&fm, '\r'), UI_FORM_CHANGED);
    type(&fm, "再回应");
    assert_string_equal(ui_form_get(&fm, "strategy"), "先核实\n再回应");
    /* Tab wraps round, Shift-Tab goes back */
    ui_form_key(&fm, '\t');
    ui_form_key(&fm, '\t');
    assert_int_equal(fm.cur, 0);
    ui_form_key(&fm, UI_FN(KEY_BTAB));
    assert_int_equal(fm.cur, 2);
    /* a choice steps with Right, Left and Space and takes no typing */
    assert_int_equal(ui_form_key(&fm, UI_FN(KEY_RIGHT)), UI_FORM_CHANGED);
    assert_string_equal(ui_form_get(&fm, "reported_up"), "否");
    ui_form_key(&fm, ' ');
    assert_string_equal(ui_form_get(&fm, "reported_up"), "是");
    ui_form_key(&fm, UI_FN(KEY_LEFT));
    assert_string_equal(ui_form_get(&fm, "reported_up"), "否");
    assert_int_equal(ui_form_key(&fm, 'a'), UI_FORM_IGNORED);
    assert_string_equal(ui_form_get(&fm, "reported_up"), "否");
    ui_form_free(&fm);
}

static void nothing_hostile_enters(void **state)
{
    (void)state;
    struct ui_form fm;
    build(&fm);
    ui_form_key(&fm, UI_CTRL('U'));
    assert_string_equal(ui_form_get(&fm, "title"), "");
    static const int refused[] = {0x1b, 0x07, 0x7f + 1, 0x9b, 0x202e, 0x2066, 0x200f, 0xd800};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(ui_form_key(&fm, refused[i]), UI_FORM_IGNORED);
    assert_string_equal(ui_form_get(&fm, "title"), "");
    /* a value from outside (a stored field, a draft) loses escape sequences,
     * and a one-line field its line breaks */
    ui_form_set(&fm, "title", "警情\x1b[2J通报\n第二行");
    assert_string_equal(ui_form_get(&fm, "title"), "警情通报 第二行");
    ui_form_set(&fm, "strategy", "甲\n乙\x1b]0;x\x07");
    assert_string_equal(ui_form_get(&fm, "strategy"), "甲\n乙");
    /* a choice never holds anything but a choice */
    ui_form_set(&fm, "reported_up", "也许");
    assert_string_equal(ui_form_get(&fm, "reported_up"), "否");
    ui_form_free(&fm);
}

static void errors_go_beside_their_fields(void **state)
{
    (void)state;
    struct ui_form fm;
    build(&fm);
    struct field_error e[2] = {{.field = "strategy", .msg = "必填"},
                               {.field = "nosuch", .msg = "ignored"}};
    ui_form_set_errors(&fm, e, 2);
    assert_string_equal(ui_form_field(&fm, "strategy")->error, "必填");
    assert_int_equal(fm.cur, 1); /* the cursor goes to the field to fix */
    /* typing into it clears its message */
    type(&fm, "观");
    assert_string_equal(ui_form_field(&fm, "strategy")->error, "");
    ui_form_free(&fm);
}

static void drafts_round_trip(void **state)
{
    (void)state;
    struct ui_form fm;
    build(&fm);
    fm.kind = 1;
    fm.incident_id = 12;
    fm.version = 3;
    ui_form_key(&fm, '\t');
    type(&fm, "策略：\"引号\"\n第二行");
    char *json = ui_form_to_json(&fm);
    ui_form_free(&fm);

    struct ui_form again;
    build(&again);
    struct ui_form_draft d;
    assert_int_equal(ui_form_draft_read(json, &d), 0);
    assert_int_equal(d.kind, 1);
    assert_int_equal(d.incident_id, 12);
    ui_form_draft_apply(&again, &d);
    assert_int_equal(again.version, 3);
    assert_int_equal(again.cur, 1);
    assert_string_equal(ui_form_get(&again, "strategy"), "策略：\"引号\"\n第二行");
    assert_string_equal(ui_form_get(&again, "title"), "网传");
    ui_form_draft_free(&d);
    ui_form_free(&again);
    free(json);
    assert_int_not_equal(ui_form_draft_read("{not json", &d), 0);
    ui_form_draft_free(&d);
}

/* The row as text, one character per cell it starts. */
static char *row_text(int y)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    for (int x = 0; x < getmaxx(stdscr); x++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t a;
        short pair;
        mvin_wch(y, x, &cc);
        getcchar(&cc, wch, &a, &pair, NULL);
        if (wch[0] == 0)
            continue;
        char enc[8];
        size_t n = utf8_encode((uint32_t)wch[0], enc);
        jy_buf_append(&b, enc, n);
        if (wcwidth(wch[0]) == 2)
            x++; /* a wide character's second cell */
    }
    return jy_buf_steal(&b);
}

static void drawn_by_display_width(void **state)
{
    (void)state;
    if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "C.utf8"))
        skip();
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *scr = newterm("screen", out, in);
    assert_non_null(scr);
    resize_term(20, 30);
    struct ui_form fm;
    build(&fm);
    ui_form_key(&fm, '\t');
    /* 20 CJK characters: 40 columns, in a 30-column form (26 for the value) */
    type(&fm, "一二三四五六七八九十一二三四五六七八九十");
    struct field_error e = {.field = "strategy", .msg = "太长"};
    ui_form_set_errors(&fm, &e, 1);
    int cy = -1, cx = -1;
    erase();
    ui_draw_form(stdscr, 0, 0, 20, 30, &fm, &cy, &cx);
    char *label = row_text(3);
    assert_non_null(strstr(label, "处置策略"));
    assert_non_null(strstr(label, "太长")); /* beside the label */
    free(label);
    char *l1 = row_text(4), *l2 = row_text(5);
    assert_non_null(strstr(l1, "一二三四五六七八九十一二三"));
    assert_null(strstr(l1, "四五六七八九十一二三四")); /* cut by width, not bytes */
    assert_non_null(strstr(l2, "四五六七八九十"));
    free(l1);
    free(l2);
    /* the cursor sits after the last character of the wrapped value */
    assert_int_equal(cy, 5);
    assert_int_equal(cx, 2 + 7 * 2);
    /* after Enter in a multi-line field: at the start of the next line */
    ui_form_key(&fm, '\n');
    erase();
    ui_draw_form(stdscr, 0, 0, 20, 30, &fm, &cy, &cx);
    assert_int_equal(cy, 6);
    assert_int_equal(cx, 2);
    type(&fm, "甲");
    erase();
    ui_draw_form(stdscr, 0, 0, 20, 30, &fm, &cy, &cx);
    char *l3 = row_text(6);
    assert_non_null(strstr(l3, "甲"));
    free(l3);
    assert_int_equal(cy, 6);
    assert_int_equal(cx, 4);
    ui_form_free(&fm);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
}

/* A field the officer never changed (a prefilled 核查人 or time) is told
 * apart from one typed in: after a conflict only the typed ones conflict. */
static void untouched_fields_are_known(void **state)
{
    (void)state;
    struct ui_form fm;
    build(&fm);
    ui_form_mark_opened(&fm);
    assert_false(ui_form_touched(ui_form_field(&fm, "title")));
    assert_false(ui_form_touched(ui_form_field(&fm, "strategy")));
    fm.cur = 1;
    type(&fm, "核实");
    assert_true(ui_form_touched(ui_form_field(&fm, "strategy")));
    assert_false(ui_form_touched(ui_form_field(&fm, "title")));
    ui_form_free(&fm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typing_and_moving),
        cmocka_unit_test(nothing_hostile_enters),
        cmocka_unit_test(errors_go_beside_their_fields),
        cmocka_unit_test(drafts_round_trip),
        cmocka_unit_test(drawn_by_display_width),
        cmocka_unit_test(untouched_fields_are_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
