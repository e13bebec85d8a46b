/* Unit tests for the console's pure parts: the key table (and that
 * man/jingyu.1 documents every key of it), the hint line, the line editor
 * behind `/` and `:`, the command parser, time/age formats, the risk
 * board's ages, arrows and sparklines, the analysis' JSON arrays and term
 * marking, cells and wrapping by display width, and the screen layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ui_private.h"

/* ---- the man page ------------------------------------------------------- */

/* Removes the roff escapes the man page uses in tags: fonts (\fB \fR \fI
 * \fP), \- and \&. */
static void roff_plain(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < n; i++) {
        if (in[i] == '\\' && in[i + 1] == 'f' && in[i + 2]) {
            i += 2;
            continue;
        }
        if (in[i] == '\\' && in[i + 1] == '-') {
            out[o++] = '-';
            i++;
            continue;
        }
        if (in[i] == '\\' && in[i + 1] == '&') {
            i++;
            continue;
        }
        out[o++] = in[i];
    }
    while (o > 0 && (out[o - 1] == '\n' || out[o - 1] == ' '))
        o--;
    out[o] = '\0';
}

/* The tags of the .TP entries in the KEYS section. */
static size_t man_key_tags(char tags[][64], size_t max)
{
    const char *srcdir = getenv("JINGYU_SRCDIR");
    if (!srcdir)
        srcdir = ".";
    char path[1024];
    snprintf(path, sizeof path, "%s/man/jingyu.1", srcdir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set JINGYU_SRCDIR)", path);
    char line[1024];
    bool in_keys = false, after_tp = false;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, ".SH", 3)) {
            in_keys = strstr(line, "KEYS") != NULL;
            after_tp = false;
            continue;
        }
        if (!in_keys)
            continue;
        if (!strncmp(line, ".TP", 3)) {
            after_tp = true;
            continue;
        }
        if (after_tp && n < max) {
            const char *tag = line;
            if (!strncmp(tag, ".B ", 3))
                tag += 3;
            roff_plain(tag, tags[n++], 64);
        }
        after_tp = false;
    }
    fclose(f);
    return n;
}

static void man_lists_every_key(void **state)
{
    (void)state;
    char tags[64][64];
    size_t ntags = man_key_tags(tags, 64);
    size_t n;
    const struct ui_key *k = ui_keymap_table(&n);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < ntags; j++)
            found |= !strcmp(tags[j], k[i].name);
        if (!found)
            fail_msg("man/jingyu.1 KEYS has no entry for key \"%s\"", k[i].name);
    }
    /* and nothing documented that the table does not have */
    for (size_t j = 0; j < ntags; j++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= !strcmp(tags[j], k[i].name);
        if (!found)
            fail_msg("man/jingyu.1 KEYS documents \"%s\", which is not in ui/keymap.c", tags[j]);
    }
}

/* ---- the table ------------------------------------------------------------- */

static void keys_required_by_the_issue_exist(void **state)
{
    (void)state;
    unsigned m = UI_VIEW_MAIN;
    assert_int_equal(ui_keymap_lookup(m, 'j'), UI_ACT_DOWN);
    assert_int_equal(ui_keymap_lookup(m, UI_FN(KEY_DOWN)), UI_ACT_DOWN);
    assert_int_equal(ui_keymap_lookup(m, 'k'), UI_ACT_UP);
    assert_int_equal(ui_keymap_lookup(m, UI_FN(KEY_UP)), UI_ACT_UP);
    assert_int_equal(ui_keymap_lookup(m, UI_FN(KEY_NPAGE)), UI_ACT_PAGE_DOWN);
    assert_int_equal(ui_keymap_lookup(m, UI_CTRL('F')), UI_ACT_PAGE_DOWN);
    assert_int_equal(ui_keymap_lookup(m, UI_FN(KEY_PPAGE)), UI_ACT_PAGE_UP);
    assert_int_equal(ui_keymap_lookup(m, UI_CTRL('B')), UI_ACT_PAGE_UP);
    assert_int_equal(ui_keymap_lookup(m, 'g'), UI_ACT_TOP);
    assert_int_equal(ui_keymap_lookup(m, 'G'), UI_ACT_BOTTOM);
    assert_int_equal(ui_keymap_lookup(m, '\n'), UI_ACT_OPEN);
    assert_int_equal(ui_keymap_lookup(m, 'Q'), UI_ACT_QUIT);
    assert_int_equal(ui_keymap_lookup(m, '\t'), UI_ACT_NEXT_PANE);
    assert_int_equal(ui_keymap_lookup(m, '/'), UI_ACT_SEARCH);
    assert_int_equal(ui_keymap_lookup(m, UI_CTRL('L')), UI_ACT_REDRAW);
    assert_int_equal(ui_keymap_lookup(m, ':'), UI_ACT_COMMAND);
    assert_int_equal(ui_keymap_lookup(m, '?'), UI_ACT_HELP);
    assert_int_equal(ui_keymap_lookup(m, 's'), UI_ACT_SOURCES);
    /* n/N and Esc only mean something in a search, q in the sub-views */
    assert_int_equal(ui_keymap_lookup(m, 'n'), UI_ACT_NONE);
    assert_int_equal(ui_keymap_lookup(m | UI_VIEW_SEARCH, 'n'), UI_ACT_SEARCH_NEXT);
    assert_int_equal(ui_keymap_lookup(m | UI_VIEW_SEARCH, 'N'), UI_ACT_SEARCH_PREV);
    assert_int_equal(ui_keymap_lookup(m | UI_VIEW_SEARCH, UI_KEY_ESC), UI_ACT_BACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, 'q'), UI_ACT_BACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, 'j'), UI_ACT_DOWN);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, '/'), UI_ACT_NONE);
    /* a function key code does not match the character with the same number */
    assert_int_equal(ui_keymap_lookup(m, KEY_DOWN), UI_ACT_NONE);
    /* the risk board: a acknowledges on the board, in the event view and
     * (信源失联) in the sources view; Enter opens the event */
    assert_int_equal(ui_keymap_lookup(m, 'a'), UI_ACT_ACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_EVENT, 'a'), UI_ACT_ACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_SOURCES, 'a'), UI_ACT_ACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, 'a'), UI_ACT_NONE);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_EVENT, 'q'), UI_ACT_BACK);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_EVENT, 'j'), UI_ACT_DOWN);
    /* labels only where an item is open */
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, '-'), UI_ACT_LABEL_NEG);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, '0'), UI_ACT_LABEL_NEU);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, '+'), UI_ACT_LABEL_POS);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_PAGER, '='), UI_ACT_LABEL_POS);
    assert_int_equal(ui_keymap_lookup(m, '-'), UI_ACT_NONE);
    assert_int_equal(ui_keymap_lookup(UI_VIEW_EVENT, '+'), UI_ACT_NONE);
}

static void no_key_is_bound_twice_in_a_view(void **state)
{
    (void)state;
    size_t n;
    const struct ui_key *k = ui_keymap_table(&n);
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            if (!(k[a].views & k[b].views))
                continue;
            for (size_t i = 0; i < 4 && k[a].codes[i]; i++)
                for (size_t j = 0; j < 4 && k[b].codes[j]; j++)
                    if (k[a].codes[i] == k[b].codes[j])
                        fail_msg("%s and %s share a key", k[a].name, k[b].name);
        }
}

static void hint_line_is_generated_and_fits(void **state)
{
    (void)state;
    int widths[] = {80, 100, 40, 10};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        char *h = ui_keymap_hint(UI_VIEW_MAIN, widths[i]);
        assert_true(utf8_width(h) <= widths[i]);
        if (widths[i] >= 80) {
            assert_non_null(strstr(h, "Enter 打开"));
            assert_non_null(strstr(h, "? 帮助"));
            assert_non_null(strstr(h, "Q 退出"));
            assert_null(strstr(h, "n 下一条")); /* not outside a search */
        }
        free(h);
    }
    char *h = ui_keymap_hint(UI_VIEW_MAIN | UI_VIEW_SEARCH, 100);
    assert_non_null(strstr(h, "n 下一条"));
    assert_non_null(strstr(h, "q/Esc 返回"));
    free(h);
    h = ui_keymap_hint(UI_VIEW_MAIN, 80);
    assert_non_null(strstr(h, "a 确认"));
    free(h);
    h = ui_keymap_hint(UI_VIEW_PAGER, 80);
    assert_non_null(strstr(h, "- 标负面"));
    assert_non_null(strstr(h, "+ 标正面"));
    assert_null(strstr(h, "a 确认"));
    free(h);
    h = ui_keymap_hint(UI_VIEW_EVENT, 80);
    assert_non_null(strstr(h, "a 确认"));
    assert_non_null(strstr(h, "q/Esc 返回"));
    free(h);
}

/* `o` is in the board's and the event view's hint line; the incident
 * view's keys all have a label; the next step's keys go first; every key's
 * views are named on `?` (H and A showed "[]"). */
static void hints_name_every_step(void **state)
{
    (void)state;
    char *h = ui_keymap_hint(UI_VIEW_MAIN, 100);
    assert_non_null(strstr(h, "o 立单"));
    free(h);
    h = ui_keymap_hint(UI_VIEW_EVENT, 100);
    assert_non_null(strstr(h, "o 立单"));
    free(h);
    size_t n;
    const struct ui_key *k = ui_keymap_table(&n);
    for (size_t i = 0; i < n; i++)
        if (k[i].views == UI_VIEW_INCIDENT && !k[i].hint)
            fail_msg("%s has no hint label in the incident view", k[i].name);
    enum ui_action first[] = {UI_ACT_INC_PUBLISH, UI_ACT_INC_CORRECT};
    h = ui_keymap_hint_first(UI_VIEW_INCIDENT, 80, first, 2);
    assert_true(!strncmp(h, "p 发布  C 更正", strlen("p 发布  C 更正")));
    assert_true(utf8_width(h) <= 80);
    assert_null(strstr(strstr(h, "p 发布") + 1, "p 发布")); /* not twice */
    free(h);
    char **lines = ui_keymap_help_lines(&n);
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], "[]"))
            fail_msg("no views on ?: %s", lines[i]);
    ui_lines_free(lines, n);
}

static void help_lines_list_every_key(void **state)
{
    (void)state;
    size_t n, nk;
    char **lines = ui_keymap_help_lines(&n);
    const struct ui_key *k = ui_keymap_table(&nk);
    assert_int_equal(n, nk);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strstr(lines[i], k[i].name));
        assert_non_null(strstr(lines[i], k[i].desc));
    }
    ui_lines_free(lines, n);
}

/* ---- line editor ------------------------------------------------------------ */

static void type(struct ui_lineedit *le, const char *utf8)
{
    size_t len = strlen(utf8), i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(utf8 + i, len - i, &cp);
        assert_int_equal(ui_lineedit_key(le, (int)cp), UI_LE_CONTINUE);
    }
}

static void lineedit_edits_whole_characters(void **state)
{
    (void)state;
    struct ui_lineedit le;
    ui_lineedit_clear(&le);
    type(&le, "警情 abc");
    assert_string_equal(le.buf, "警情 abc");
    ui_lineedit_key(&le, UI_FN(KEY_BACKSPACE));
    assert_string_equal(le.buf, "警情 ab");
    ui_lineedit_key(&le, 127);
    ui_lineedit_key(&le, 8);
    ui_lineedit_key(&le, 127);
    assert_string_equal(le.buf, "警情");
    ui_lineedit_key(&le, 127); /* one press removes the whole 3-byte character */
    assert_string_equal(le.buf, "警");
    type(&le, "e\xCC\x81"); /* e + combining acute: one character on screen */
    ui_lineedit_key(&le, 127);
    assert_string_equal(le.buf, "警");
    ui_lineedit_key(&le, 127);
    ui_lineedit_key(&le, 127); /* on an empty line: nothing happens */
    assert_string_equal(le.buf, "");
    assert_int_equal(le.len, 0);
}

static void lineedit_keys_accept_cancel_clear(void **state)
{
    (void)state;
    struct ui_lineedit le;
    ui_lineedit_clear(&le);
    type(&le, "交通事故");
    ui_lineedit_key(&le, 7);               /* other controls are ignored */
    ui_lineedit_key(&le, UI_FN(KEY_LEFT)); /* and so are function keys */
    assert_string_equal(le.buf, "交通事故");
    assert_int_equal(ui_lineedit_key(&le, UI_CTRL('U')), UI_LE_CONTINUE);
    assert_string_equal(le.buf, "");
    type(&le, "火灾");
    assert_int_equal(ui_lineedit_key(&le, '\n'), UI_LE_ACCEPT);
    assert_int_equal(ui_lineedit_key(&le, '\r'), UI_LE_ACCEPT);
    assert_int_equal(ui_lineedit_key(&le, UI_FN(KEY_ENTER)), UI_LE_ACCEPT);
    assert_string_equal(le.buf, "火灾");
    assert_int_equal(ui_lineedit_key(&le, UI_KEY_ESC), UI_LE_CANCEL);
}

static void lineedit_is_bounded_and_never_splits(void **state)
{
    (void)state;
    struct ui_lineedit le;
    ui_lineedit_clear(&le);
    for (int i = 0; i < 400; i++)
        ui_lineedit_key(&le, 0x4E2D); /* 中, 3 bytes */
    assert_true(le.len < UI_LINE_MAX);
    assert_int_equal(le.len % 3, 0);
    assert_true(utf8_valid(le.buf, le.len));
    const char *tail = ui_lineedit_tail(&le, 11);
    assert_int_equal(utf8_width(tail), 10);
}

/* ---- commands ------------------------------------------------------------------ */

static void command_line_parses(void **state)
{
    (void)state;
    struct ui_command c;
    ui_command_parse("source list", &c);
    assert_int_equal(c.kind, UI_CMD_SOURCE_LIST);
    ui_command_parse("  source   disable  人民网 要闻 ", &c);
    assert_int_equal(c.kind, UI_CMD_SOURCE_DISABLE);
    assert_string_equal(c.arg, "人民网 要闻");
    ui_command_parse("source enable x", &c);
    assert_int_equal(c.kind, UI_CMD_SOURCE_ENABLE);
    assert_string_equal(c.arg, "x");
    ui_command_parse("source enable", &c);
    assert_int_equal(c.kind, UI_CMD_USAGE);
    ui_command_parse("quit", &c);
    assert_int_equal(c.kind, UI_CMD_QUIT);
    ui_command_parse("help", &c);
    assert_int_equal(c.kind, UI_CMD_HELP);
    ui_command_parse("", &c);
    assert_int_equal(c.kind, UI_CMD_EMPTY);
    ui_command_parse("frobnicate now", &c);
    assert_int_equal(c.kind, UI_CMD_UNKNOWN);
    assert_string_equal(c.arg, "frobnicate now");
    ui_command_parse("source explode", &c);
    assert_int_equal(c.kind, UI_CMD_UNKNOWN);
}

/* ---- formats -------------------------------------------------------------------- */

static void times_and_ages(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    int64_t now = 1700000000; /* 2023-11-14 22:13:20 UTC */
    char buf[64];
    ui_format_when(now - 3600, now, buf, sizeof buf);
    assert_string_equal(buf, "21:13");
    ui_format_when(now - 86400, now, buf, sizeof buf);
    assert_string_equal(buf, "11-13 22:13");
    ui_format_when(0, now, buf, sizeof buf);
    assert_string_equal(buf, "--:--");
    ui_format_age(0, now, buf, sizeof buf);
    assert_string_equal(buf, "从未");
    ui_format_age(now - 2, now, buf, sizeof buf);
    assert_string_equal(buf, "刚刚");
    ui_format_age(now - 42, now, buf, sizeof buf);
    assert_string_equal(buf, "42秒前");
    ui_format_age(now - 300, now, buf, sizeof buf);
    assert_string_equal(buf, "5分钟前");
    ui_format_age(now - 7200, now, buf, sizeof buf);
    assert_string_equal(buf, "2小时前");
    ui_format_age(now - 3 * 86400, now, buf, sizeof buf);
    assert_string_equal(buf, "3天前");
    assert_string_equal(ui_source_state_label(SOURCE_OK), "正常");
    assert_string_equal(ui_source_state_label(SOURCE_FAILING), "失败");
    assert_string_equal(ui_source_state_label(SOURCE_DARK), "失联");
    assert_string_equal(ui_source_state_label(SOURCE_DISABLED), "停用");
    assert_string_equal(ui_source_state_label(SOURCE_NEW), "新建");
}

static void cells_have_exact_width(void **state)
{
    (void)state;
    char *c = ui_cell("县城交通事故通报", 9);
    assert_string_equal(c, "县城交通…"); /* 8 columns of text + the ellipsis */
    assert_int_equal(utf8_width(c), 9);
    free(c);
    c = ui_cell("abc", 6);
    assert_string_equal(c, "abc   ");
    free(c);
    c = ui_cell("x\x1b[2Jy\x1b]0;pwned\x07z", 10);
    assert_string_equal(c, "xyz       ");
    free(c);
    c = ui_cell(NULL, 2);
    assert_string_equal(c, "  ");
    free(c);
    c = ui_cell("😀😀", 3); /* an emoji takes two columns */
    assert_int_equal(utf8_width(c), 3);
    free(c);
}

static void wrap_by_display_width(void **state)
{
    (void)state;
    size_t n;
    char **l = ui_wrap("一二三四五六七八九十", 7, &n);
    assert_int_equal(n, 4);
    assert_string_equal(l[0], "一二三");
    assert_string_equal(l[3], "十");
    ui_lines_free(l, n);
    l = ui_wrap("the quick brown fox jumps\n\nover", 10, &n);
    assert_int_equal(n, 5);
    assert_string_equal(l[0], "the quick");
    assert_string_equal(l[1], "brown fox");
    assert_string_equal(l[2], "jumps");
    assert_string_equal(l[3], "");
    assert_string_equal(l[4], "over");
    ui_lines_free(l, n);
    l = ui_wrap("abcdefghijklmnop", 5, &n); /* no space: cut hard */
    assert_int_equal(n, 4);
    assert_string_equal(l[0], "abcde");
    ui_lines_free(l, n);
    l = ui_wrap("通报 police report 今天下午三点", 12, &n);
    for (size_t i = 0; i < n; i++)
        assert_true(utf8_width(l[i]) <= 12);
    ui_lines_free(l, n);
}

static void board_ages_arrows_sparklines(void **state)
{
    (void)state;
    int64_t now = 1700000000;
    char buf[128];
    ui_format_age_short(0, now, buf, sizeof buf);
    assert_string_equal(buf, "-");
    ui_format_age_short(now - 59, now, buf, sizeof buf);
    assert_string_equal(buf, "刚刚");
    ui_format_age_short(now + 30, now, buf, sizeof buf); /* a clock slightly ahead */
    assert_string_equal(buf, "刚刚");
    ui_format_age_short(now - 300, now, buf, sizeof buf);
    assert_string_equal(buf, "5分钟");
    ui_format_age_short(now - 3 * 3600 - 59, now, buf, sizeof buf);
    assert_string_equal(buf, "3小时");
    ui_format_age_short(now - 2 * 86400, now, buf, sizeof buf);
    assert_string_equal(buf, "2天");
    ui_format_age_short(now - 59 * 60, now, buf, sizeof buf);
    assert_true(utf8_width(buf) <= UI_BOARD_AGE_W);
    ui_format_age_short(now - 99 * 86400, now, buf, sizeof buf);
    assert_true(utf8_width(buf) <= UI_BOARD_AGE_W);
    ui_format_age_short(now - 1000 * 86400, now, buf, sizeof buf);
    assert_true(utf8_width(buf) <= UI_BOARD_AGE_W);

    assert_string_equal(ui_velocity_arrow(6.0), "↑");
    assert_string_equal(ui_velocity_arrow(2.0), "↑");
    assert_string_equal(ui_velocity_arrow(1.99), "↗");
    assert_string_equal(ui_velocity_arrow(1.2), "↗");
    assert_string_equal(ui_velocity_arrow(1.0), "→");
    assert_string_equal(ui_velocity_arrow(0.8), "→");
    assert_string_equal(ui_velocity_arrow(0.79), "↓");
    assert_string_equal(ui_velocity_arrow(0.0), "↓");

    int hourly[24] = {0};
    ui_sparkline(hourly, 24, buf, sizeof buf);
    assert_int_equal(strlen(buf), 24); /* all blank */
    assert_int_equal(strspn(buf, " "), 24);
    int v[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    ui_sparkline(v, 9, buf, sizeof buf);
    assert_string_equal(buf, " ▁▂▃▄▅▆▇█");
    int big[3] = {1, 100, 50}; /* a single item still shows */
    ui_sparkline(big, 3, buf, sizeof buf);
    assert_string_equal(buf, "▁█▄");
    hourly[23] = 5;
    ui_sparkline(hourly, 24, buf, sizeof buf);
    assert_int_equal(utf8_width(buf), 24);
    assert_string_equal(buf + 23, "█");
    char small[8]; /* bounded: whole cells only */
    ui_sparkline(v, 9, small, sizeof small);
    assert_true(utf8_valid(small, strlen(small)));
    assert_string_equal(small, " ▁▂");

    assert_string_equal(ui_sentiment_label(-1), "负面");
    assert_string_equal(ui_sentiment_label(0), "中性");
    assert_string_equal(ui_sentiment_label(1), "正面");
}

static void json_terms_and_marks(void **state)
{
    (void)state;
    size_t n;
    /* an item's terms as stored before (objects) and now ([term, scheme,
     * start, end, in title]), an event's ([term, count]), scheme names */
    char **v = ui_json_strings("[{\"term\":\"执法\",\"start\":3},\"打人\",[\"视频\",4],"
                               "{\"term\":\"执法\"},{\"name\":\"涉警\"},12,\"\","
                               "[\"民警\",3,9,15,0],[\"民警\",3,0,6,1]]",
                               &n);
    assert_int_equal(n, 5);
    assert_string_equal(v[0], "执法");
    assert_string_equal(v[1], "打人");
    assert_string_equal(v[2], "视频");
    assert_string_equal(v[3], "涉警");
    assert_string_equal(v[4], "民警");
    ui_lines_free(v, n);
    assert_null(ui_json_strings(NULL, &n));
    assert_int_equal(n, 0);
    assert_null(ui_json_strings("not json", &n));
    assert_null(ui_json_strings("{\"term\":\"x\"}", &n));
    char *j = ui_json_join("[\"县局方案\",\"涉警舆情\"]", 5);
    assert_string_equal(j, "县局方案、涉警舆情");
    free(j);
    j = ui_json_join("[\"a\",\"b\",\"c\"]", 2);
    assert_string_equal(j, "a、b…");
    free(j);
    j = ui_json_join(NULL, 2);
    assert_string_equal(j, "");
    free(j);

    char *terms[] = {"执法", "police", "ab"};
    const char *s = "民警执法 POLICE police abab";
    unsigned char *m = ui_mark_terms(s, terms, 3, NULL);
    assert_non_null(m);
    size_t at = (size_t)(strstr(s, "执法") - s);
    assert_int_equal(m[at - 1], 0);
    assert_int_equal(m[at], 1);
    assert_int_equal(m[at + 5], 1);
    assert_int_equal(m[at + 6], 0); /* the space */
    at = (size_t)(strstr(s, "POLICE") - s);
    assert_int_equal(m[at], 1);
    assert_int_equal(m[at + 5], 1);
    at = (size_t)(strstr(s, "abab") - s);
    assert_int_equal(m[at + 3], 1);
    free(m);
    assert_null(ui_mark_terms("nothing here", terms, 3, NULL));
    assert_null(ui_mark_terms("", terms, 3, NULL));
    /* a term cannot match inside another character's bytes: 𠀀 is F0 A0 80 80 */
    char *odd[] = {"\xA0\x80"};
    assert_null(ui_mark_terms("\xF0\xA0\x80\x80", odd, 1, NULL));

    /* with a normalizer, terms are found as the analysis found them: in
     * traditional characters and full-width letters too */
    struct normalizer *nz = NULL;
    struct jy_error err = {0};
    if (normalizer_new(&nz, &err) != 0) {
        print_message("skipped the folded marks: %s\n", err.msg);
        return;
    }
    char *norm_terms[] = {"暴力执法", "police"};
    const char *tw = "清河縣民警暴力執法，ＰＯＬＩＣＥ來了";
    assert_null(ui_mark_terms(tw, norm_terms, 2, NULL));
    m = ui_mark_terms(tw, norm_terms, 2, nz);
    assert_non_null(m);
    size_t from = (size_t)(strstr(tw, "暴力執法") - tw), to = from + strlen("暴力執法");
    for (size_t i = 0; i < strlen(tw); i++) {
        size_t p0 = (size_t)(strstr(tw, "ＰＯＬＩＣＥ") - tw), p1 = p0 + strlen("ＰＯＬＩＣＥ");
        bool want = (i >= from && i < to) || (i >= p0 && i < p1);
        if (m[i] != want)
            fail_msg("byte %zu: mark %d, want %d", i, m[i], want);
    }
    free(m);
    normalizer_free(nz);
}

static void layout_fits_80x24_and_larger(void **state)
{
    (void)state;
    struct ui_layout lo;
    ui_layout_compute(24, 5, &lo);
    assert_int_equal(lo.header_y, 0);
    assert_int_equal(lo.feed_y, 1);
    assert_int_equal(lo.hint_y, 22);
    assert_int_equal(lo.msg_y, 23);
    assert_int_equal(lo.side_y + lo.side_h, lo.hint_y);
    assert_int_equal(lo.side_h, 6); /* rule + 5 sources */
    assert_true(lo.feed_h >= 14);
    ui_layout_compute(24, 50, &lo);
    assert_int_equal(lo.side_h, 7); /* at most a third */
    ui_layout_compute(60, 2, &lo);
    assert_int_equal(lo.side_h, 3);
    assert_int_equal(lo.feed_y + lo.feed_h, lo.side_y);
    ui_layout_compute(6, 2, &lo); /* tiny: no second pane, nothing negative */
    assert_int_equal(lo.side_h, 0);
    assert_int_equal(lo.feed_h, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(man_lists_every_key),
        cmocka_unit_test(keys_required_by_the_issue_exist),
        cmocka_unit_test(no_key_is_bound_twice_in_a_view),
        cmocka_unit_test(hints_name_every_step),
        cmocka_unit_test(hint_line_is_generated_and_fits),
        cmocka_unit_test(help_lines_list_every_key),
        cmocka_unit_test(lineedit_edits_whole_characters),
        cmocka_unit_test(lineedit_keys_accept_cancel_clear),
        cmocka_unit_test(lineedit_is_bounded_and_never_splits),
        cmocka_unit_test(command_line_parses),
        cmocka_unit_test(times_and_ages),
        cmocka_unit_test(cells_have_exact_width),
        cmocka_unit_test(wrap_by_display_width),
        cmocka_unit_test(board_ages_arrows_sparklines),
        cmocka_unit_test(json_terms_and_marks),
        cmocka_unit_test(layout_fits_80x24_and_larger),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
