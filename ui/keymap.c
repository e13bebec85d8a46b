/*
 * keymap: the one table of the console's keys. The loop looks keys up here,
 * the hint line and the `?` help screen are generated from it, and
 * tests/unit/ui/test_keymap.c checks that man/jingyu.1 lists every entry, so
 * a key cannot exist without being documented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_private.h"

#define V_LISTS (UI_VIEW_MAIN | UI_VIEW_SEARCH)
#define V_SCROLL (UI_VIEW_ALL)
#define V_SUB                                                                                      \
    (UI_VIEW_SEARCH | UI_VIEW_PAGER | UI_VIEW_HELP | UI_VIEW_SOURCES | UI_VIEW_EVENT |             \
     UI_VIEW_INCIDENTS | UI_VIEW_INCIDENT | UI_VIEW_KPI | UI_VIEW_ROSTER | UI_VIEW_DIRECTORY)

/* One entry per line: codes, name, description, hint label, action, views.
 * The hint line takes entries in this order while they fit: `:` comes last
 * so that at 80 columns the board's o, ? and Q keep their places. */
// clang-format off
static const struct ui_key keymap[] = {
    {{'j', UI_FN(KEY_DOWN)},                    "j/Down",  "下移一行",                 NULL,     UI_ACT_DOWN,        V_SCROLL},
    {{'k', UI_FN(KEY_UP)},                      "k/Up",    "上移一行",                 NULL,     UI_ACT_UP,          V_SCROLL},
    {{UI_FN(KEY_NPAGE), UI_CTRL('F'), ' '},     "PgDn/^F", "下翻一页",                 NULL,     UI_ACT_PAGE_DOWN,   V_SCROLL},
    {{UI_FN(KEY_PPAGE), UI_CTRL('B')},          "PgUp/^B", "上翻一页",                 NULL,     UI_ACT_PAGE_UP,     V_SCROLL},
    {{'g', UI_FN(KEY_HOME)},                    "g",       "跳到最新（顶部）",         NULL,     UI_ACT_TOP,         V_SCROLL},
    {{'G', UI_FN(KEY_END)},                     "G",       "跳到最早（底部）",         NULL,     UI_ACT_BOTTOM,      V_SCROLL},
    {{'\n', '\r', UI_FN(KEY_ENTER)},            "Enter",   "打开所选信息（标为已读）、所选事件或所选工单", "打开", UI_ACT_OPEN, V_LISTS | UI_VIEW_INCIDENTS},
    {{'n'},                                     "n",       "下一条搜索结果（到底时载入更早的结果）", "下一条", UI_ACT_SEARCH_NEXT, UI_VIEW_SEARCH},
    {{'N'},                                     "N",       "上一条搜索结果",           "上一条", UI_ACT_SEARCH_PREV, UI_VIEW_SEARCH},
    {{'q', UI_KEY_ESC},                         "q/Esc",   "返回（离开搜索、阅读、帮助、信源、事件、工单、指标、值班表或名录视图）", "返回", UI_ACT_BACK, V_SUB},
    {{'/'},                                     "/",       "搜索（全文，空格分隔多个词）；名录中：筛选；值班表中：查找交接班记录", "搜索", UI_ACT_SEARCH, V_LISTS | UI_VIEW_DIRECTORY | UI_VIEW_ROSTER},
    {{'s'},                                     "s",       "信源视图（状态与详情）",   "信源",   UI_ACT_SOURCES,     V_LISTS},
    {{'\t'},                                    "Tab",     "切换窗格（实时信息 / 风险看板）；表单中：下一栏", "切换", UI_ACT_NEXT_PANE, V_LISTS | UI_VIEW_FORM},
    {{UI_FN(KEY_BTAB)},                         "S-Tab",   "表单：上一栏",             NULL,     UI_ACT_NONE,        UI_VIEW_FORM},
    {{UI_FN(KEY_LEFT), UI_FN(KEY_RIGHT)},       "Left/Right", "表单：光标左右移一个字（按显示列，汉字占两列）；选项栏：换选项", NULL, UI_ACT_NONE, UI_VIEW_FORM},
    {{UI_FN(KEY_UP), UI_FN(KEY_DOWN)},          "Up/Down", "表单：多行栏中上下移一行（同一显示列），到头则到上一栏、下一栏", NULL, UI_ACT_NONE, UI_VIEW_FORM},
    {{UI_FN(KEY_HOME), UI_CTRL('A')},           "Home/^A", "表单：到行首",             NULL,     UI_ACT_NONE,        UI_VIEW_FORM},
    {{UI_FN(KEY_END), UI_CTRL('E')},            "End/^E",  "表单：到行尾",             NULL,     UI_ACT_NONE,        UI_VIEW_FORM},
    {{UI_FN(KEY_DC), UI_CTRL('K'), UI_CTRL('W')}, "Del/^K/^W", "表单：删光标处的字；^K 删到行尾；^W 删光标前的一个词", NULL, UI_ACT_NONE, UI_VIEW_FORM},
    {{UI_FN(KEY_F(2)), UI_CTRL('O')},           "F2/^O",   "表单：保存（字段有误时提示在栏旁）", "保存", UI_ACT_FORM_SAVE, UI_VIEW_FORM},
    {{UI_KEY_ESC},                              "Esc",     "表单：取消（确认后放弃所填内容）", "取消", UI_ACT_FORM_CANCEL, UI_VIEW_FORM},
    {{'e'},                                     "e",       "工单：填写本阶段的表单（研判、回应、核查、通报稿、办结）", "填表", UI_ACT_INC_EDIT, UI_VIEW_INCIDENT},
    {{'E'},                                     "E",       "工单：修改标题、类别、等级、负责人、部门", "改项", UI_ACT_INC_HEADER, UI_VIEW_INCIDENT},
    {{'r'},                                     "r",       "工单：记录一次回应",       "回应",     UI_ACT_INC_RESPOND, UI_VIEW_INCIDENT},
    {{'d'},                                     "d",       "工单：起草或修改通报稿（每次保存留一稿）", "起草", UI_ACT_INC_DRAFT, UI_VIEW_INCIDENT},
    {{'t'},                                     "t",       "工单：提交通报稿审批",     "提交",   UI_ACT_INC_SUBMIT,  UI_VIEW_INCIDENT},
    {{'y'},                                     "y",       "工单：批准通报稿（审批领导，且非起草人）", "批准", UI_ACT_INC_APPROVE, UI_VIEW_INCIDENT},
    {{'x'},                                     "x",       "工单：退回通报稿（须写意见）", "退回", UI_ACT_INC_REJECT, UI_VIEW_INCIDENT},
    {{'p'},                                     "p",       "工单：登记发布（渠道、链接、时间）", "发布", UI_ACT_INC_PUBLISH, UI_VIEW_INCIDENT},
    {{'n'},                                     "n",       "工单：进入下一阶段（已办结时重新打开）", "下一步", UI_ACT_INC_NEXT, UI_VIEW_INCIDENT},
    {{'b'},                                     "b",       "工单：有新情况，退回核查（须写理由）", "退核查", UI_ACT_INC_BACK, UI_VIEW_INCIDENT},
    {{'c'},                                     "c",       "工单：填写办结表并办结",   "办结",     UI_ACT_INC_CLOSE,   UI_VIEW_INCIDENT},
    {{'C'},                                     "C",       "工单：把最近一次发布标为更正（须写理由）", "更正", UI_ACT_INC_CORRECT, UI_VIEW_INCIDENT},
    {{'W'},                                     "W",       "工单：把最近一次发布标为撤回（须写理由）", "撤回", UI_ACT_INC_RETRACT, UI_VIEW_INCIDENT},
    {{'F'},                                     "F",       "工单：记录部门对最早一项未反馈任务的反馈", "反馈", UI_ACT_INC_FEEDBACK, UI_VIEW_INCIDENT},
    {{'a'},                                     "a",       "确认预警（风险看板与事件视图：该事件的预警；信源视图：信源失联预警）", "确认", UI_ACT_ACK, UI_VIEW_MAIN | UI_VIEW_EVENT | UI_VIEW_SOURCES},
    {{'i'},                                     "i",       "处置工单列表（超时的在前，红色）", "工单", UI_ACT_INCIDENTS, V_LISTS | UI_VIEW_EVENT | UI_VIEW_INCIDENT},
    {{'K'},                                     "K",       "考核指标（本月至今：预警及时率、处置及时率……低于目标的标红）", NULL, UI_ACT_KPI, V_LISTS | UI_VIEW_INCIDENTS},
    {{'R'},                                     "R",       "值班表（本周；再按一次：本月）：缺岗标红，交接班记录", NULL, UI_ACT_ROSTER, V_LISTS | UI_VIEW_INCIDENTS | UI_VIEW_ROSTER},
    {{'D'},                                     "D",       "名录：人员、单位、专家库、媒体联络、培训记录（再按一次：下一个名录；/ 筛选）", NULL, UI_ACT_DIRECTORY, V_LISTS | UI_VIEW_ROSTER | UI_VIEW_DIRECTORY},
    {{'H'},                                     "H",       "值班表：写交接班记录（自动带入未确认预警、未办结工单、下一班到期时限）", "交班", UI_ACT_HANDOVER, UI_VIEW_ROSTER},
    {{'A'},                                     "A",       "值班表：确认接班（接班人确认最近一份交接记录）", "接班", UI_ACT_HANDOVER_ACK, UI_VIEW_ROSTER},
    {{'N'},                                     "N",       "工单列表：手工立单（电话举报、内部报告）", "立单", UI_ACT_INC_NEW, UI_VIEW_INCIDENTS},
    {{'T'},                                     "T",       "工单：给部门派任务（协同联动）", "派任务", UI_ACT_INC_TASK, UI_VIEW_INCIDENT},
    {{'o'},                                     "o",       "为所选事件立处置工单（同时确认其预警）", "立单", UI_ACT_NEW_INCIDENT, UI_VIEW_MAIN | UI_VIEW_EVENT},
    {{'z'},                                     "z",       "静默所选事件（问理由和截止时间；期间预警照记，但不升级、不计入待确认）；已静默时解除", NULL, UI_ACT_SILENCE, UI_VIEW_MAIN | UI_VIEW_EVENT},
    {{'-'},                                     "-",       "人工标注本条为负面（训练数据）", "标负面", UI_ACT_LABEL_NEG, UI_VIEW_PAGER},
    {{'0'},                                     "0",       "人工标注本条为中性",       "标中性",   UI_ACT_LABEL_NEU,   UI_VIEW_PAGER},
    {{'+', '='},                                "+",       "人工标注本条为正面（= 亦可）", "标正面", UI_ACT_LABEL_POS, UI_VIEW_PAGER},
    {{'?'},                                     "?",       "帮助（本表）",             "帮助",   UI_ACT_HELP,        UI_VIEW_ALL},
    {{UI_CTRL('L')},                            "^L",      "重绘屏幕",                 NULL,     UI_ACT_REDRAW,      UI_VIEW_ALL | UI_VIEW_FORM},
    {{'Q'},                                     "Q",       "退出（需确认 y/n）",       "退出",   UI_ACT_QUIT,        UI_VIEW_ALL},
    {{':'},                                     ":",       "命令行（:source list|enable|disable 名称，:help，:quit）", "命令", UI_ACT_COMMAND, UI_VIEW_ALL},
};
// clang-format on

const struct ui_key *ui_keymap_table(size_t *n)
{
    *n = sizeof keymap / sizeof keymap[0];
    return keymap;
}

enum ui_action ui_keymap_lookup(unsigned view, int key)
{
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++) {
        if (!(keymap[i].views & view))
            continue;
        for (size_t j = 0; j < 4 && keymap[i].codes[j]; j++)
            if (keymap[i].codes[j] == key)
                return keymap[i].action;
    }
    return UI_ACT_NONE;
}

/* Adds k's "NAME hint" to the line when it fits. */
static void hint_add(struct jy_buf *b, int *used, const struct ui_key *k, int cols)
{
    char item[128];
    snprintf(item, sizeof item, "%s%s %s", *used ? "  " : "", k->name, k->hint);
    int w = utf8_width(item);
    if (*used + w > cols)
        return; /* a shorter later entry may still fit */
    jy_buf_puts(b, item);
    *used += w;
}

char *ui_keymap_hint_first(unsigned view, int cols, const enum ui_action *first, size_t n_first)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    int used = 0;
    const size_t nk = sizeof keymap / sizeof keymap[0];
    for (size_t f = 0; f < n_first; f++)
        for (size_t i = 0; i < nk; i++)
            if (keymap[i].action == first[f] && keymap[i].hint && (keymap[i].views & view))
                hint_add(&b, &used, &keymap[i], cols);
    for (size_t i = 0; i < nk; i++) {
        const struct ui_key *k = &keymap[i];
        if (!k->hint || !(k->views & view))
            continue;
        bool done = false;
        for (size_t f = 0; f < n_first && !done; f++)
            done = k->action == first[f];
        if (!done)
            hint_add(&b, &used, k, cols);
    }
    return jy_buf_steal(&b);
}

char *ui_keymap_hint(unsigned view, int cols)
{
    return ui_keymap_hint_first(view, cols, NULL, 0);
}

const char *ui_view_names(unsigned views, char *buf, size_t n)
{
    static const struct {
        unsigned v;
        const char *name;
    } names[] = {
        {UI_VIEW_MAIN, "主屏"},          {UI_VIEW_SEARCH, "搜索"},   {UI_VIEW_PAGER, "阅读"},
        {UI_VIEW_HELP, "帮助"},          {UI_VIEW_SOURCES, "信源"},  {UI_VIEW_EVENT, "事件"},
        {UI_VIEW_INCIDENTS, "工单列表"}, {UI_VIEW_INCIDENT, "工单"}, {UI_VIEW_FORM, "表单"},
        {UI_VIEW_KPI, "考核指标"},       {UI_VIEW_ROSTER, "值班表"}, {UI_VIEW_DIRECTORY, "名录"}};
    if ((views & UI_VIEW_ALL) == UI_VIEW_ALL) {
        snprintf(buf, n, "全部");
        return buf;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(views & names[i].v))
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? "、" : "", names[i].name);
    }
    return buf;
}

char **ui_keymap_help_lines(size_t *n)
{
    size_t count = sizeof keymap / sizeof keymap[0];
    char **lines = xcalloc(count, sizeof *lines);
    for (size_t i = 0; i < count; i++) {
        char views[128];
        char *name = ui_cell(keymap[i].name, 10);
        lines[i] = xasprintf("%s  %s  [%s]", name, keymap[i].desc,
                             ui_view_names(keymap[i].views, views, sizeof views));
        free(name);
    }
    *n = count;
    return lines;
}
