/*
 * draw: putting text on the screen: the feed rows, the risk board's rows
 * (level in its colour, so it still reads as I/II/III/IV without colour),
 * and text blocks with matched terms highlighted. Every string goes through ui_put, which
 * sanitises it (no escape sequence from a feed reaches the terminal, even
 * if the store missed one), cuts it by display width with "…", pads it to
 * its column and writes it with the wide-character curses calls. Columns
 * are placed at explicit x positions so a width disagreement between our
 * table and the terminal's can never shift the next column.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui_private.h"

bool ui_use_color;

static attr_t color(int pair)
{
    return ui_use_color ? COLOR_PAIR(pair) : 0;
}

int ui_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr)
{
    if (cols <= 0)
        return 0;
    char *cell = ui_cell(s, cols);
    size_t len = strlen(cell), i = 0, k = 0;
    wchar_t *ws = xmalloc((len + 1) * sizeof *ws);
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(cell + i, len - i, &cp);
        ws[k++] = (wchar_t)cp;
    }
    ws[k] = L'\0';
    wattr_on(w, attr, NULL);
    mvwaddnwstr(w, y, x, ws, (int)k);
    wattr_off(w, attr, NULL);
    free(ws);
    free(cell);
    return cols;
}

void ui_draw_rule(WINDOW *w, int y, int x, int cols, const char *title, bool focused)
{
    char *t = xasprintf(" %s ", title);
    int tw = utf8_width(t);
    if (tw > cols)
        tw = cols;
    ui_put(w, y, x, t, tw, focused ? A_REVERSE | A_BOLD : A_BOLD);
    if (cols - tw > 0)
        mvwhline_set(w, y, x + tw, WACS_HLINE, cols - tw);
    free(t);
}

void ui_draw_feed(WINDOW *w, int y, int x, int h, int cols, const struct ui_list *l, bool focused,
                  int64_t now)
{
    int src_x = x + UI_FEED_TIME_W + 1;
    int title_x = src_x + UI_FEED_SOURCE_W + 1;
    int title_w = x + cols - title_x;
    for (int r = 0; r < h; r++) {
        size_t idx = l->top + (size_t)r;
        if (idx >= l->n) {
            ui_put(w, y + r, x, r == 0 && l->n == 0 ? "（暂无信息）" : "", cols, 0);
            continue;
        }
        const struct store_item *it = &l->rows[idx];
        attr_t attr = it->read ? 0 : A_BOLD;
        if (idx == l->sel)
            attr |= focused ? A_REVERSE : A_UNDERLINE;
        char when[32];
        ui_format_when(it->sort_at, now, when, sizeof when);
        ui_put(w, y + r, x, when, UI_FEED_TIME_W + 1, attr);
        if (title_w <= 0) {
            ui_put(w, y + r, src_x, it->source_name, x + cols - src_x, attr);
            continue;
        }
        char *src = ui_cell(it->source_name, UI_FEED_SOURCE_W);
        ui_put(w, y + r, src_x, src, UI_FEED_SOURCE_W + 1, attr);
        free(src);
        if (it->dups > 0) {
            /* near-duplicates folded into this row: how many copies in all */
            char *t = xasprintf("×%d %s", it->dups + 1, it->title ? it->title : "");
            ui_put(w, y + r, title_x, t, title_w, attr);
            free(t);
        } else {
            ui_put(w, y + r, title_x, it->title, title_w, attr);
        }
    }
}

/* ---- risk board ------------------------------------------------------------ */

static bool level_bold[5]; /* orange drawn as bold yellow */

static short color_by_name(const char *name, int level)
{
    if (!strcmp(name, "red"))
        return COLOR_RED;
    if (!strcmp(name, "orange")) {
        if (COLORS >= 256)
            return 208;
        level_bold[level] = true;
        return COLOR_YELLOW;
    }
    if (!strcmp(name, "yellow"))
        return COLOR_YELLOW;
    if (!strcmp(name, "blue"))
        return COLOR_BLUE;
    return -1;
}

void ui_colors_init_levels(short bg)
{
    for (int l = LEVEL_I; l <= LEVEL_IV; l++) {
        level_bold[l] = false;
        short fg = color_by_name(level_color((enum risk_level)l), l);
        init_pair((short)(UI_PAIR_LEVEL + l - 1), fg, bg);
    }
    init_pair(UI_PAIR_MARK, COLOR_BLACK, COLOR_YELLOW);
}

attr_t ui_alarm_attr(void)
{
    return A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : 0);
}

attr_t ui_level_attr(int level)
{
    if (level < LEVEL_I || level > LEVEL_IV)
        return 0;
    attr_t a = level <= LEVEL_II ? A_BOLD : 0;
    if (ui_use_color) {
        a |= COLOR_PAIR(UI_PAIR_LEVEL + level - 1);
        if (level_bold[level])
            a |= A_BOLD;
    }
    return a;
}

/* Puts s in a column of w columns at *cx (then a space) when it fits
 * before end; returns false once the row is full. */
static bool put_col(WINDOW *win, int y, int *cx, int end, const char *s, int w, attr_t attr)
{
    if (*cx >= end)
        return false;
    int room = end - *cx;
    ui_put(win, y, *cx, s, w < room ? w : room, attr); /* the row's blank is the gap */
    *cx += w + 1 < room ? w + 1 : room;
    return true;
}

void ui_draw_board(WINDOW *w, int y, int x, int h, int cols, const struct ui_board *b, bool focused,
                   int64_t now)
{
    bool spark = cols >= UI_BOARD_SPARK_MIN_COLS;
    int fixed = UI_BOARD_LEVEL_W + 1 + UI_BOARD_COUNT_W + 1 + UI_BOARD_SOURCES_W + 1 +
                UI_BOARD_ARROW_W + 1 + (spark ? UI_BOARD_SPARK_W + 1 : 0) + UI_BOARD_AGE_W + 1 +
                UI_BOARD_ACK_W;
    int title_w = cols - fixed - 1;
    if (title_w < 8)
        title_w = 8; /* narrow: the columns at the right are cut instead */
    for (int r = 0; r < h; r++) {
        size_t idx = b->top + (size_t)r;
        if (idx >= b->n) {
            ui_put(w, y + r, x, r == 0 && b->n == 0 ? "（72小时内暂无舆情事件）" : "", cols, 0);
            continue;
        }
        const struct store_event *e = &b->events[idx];
        attr_t sel = idx == b->sel ? (focused ? A_REVERSE : A_UNDERLINE) : 0;
        int cx = x, end = x + cols;
        char buf[128];
        /* blank the row first: columns are placed at explicit positions */
        ui_put(w, y + r, x, "", cols, sel);
        put_col(w, y + r, &cx, end, level_roman((enum risk_level)e->level), UI_BOARD_LEVEL_W,
                sel | ui_level_attr(e->level));
        put_col(w, y + r, &cx, end, e->title, title_w,
                sel | (e->acked || e->silence_id ? 0 : A_BOLD));
        snprintf(buf, sizeof buf, "×%d", e->items);
        put_col(w, y + r, &cx, end, buf, UI_BOARD_COUNT_W, sel);
        snprintf(buf, sizeof buf, "%d源", e->sources);
        put_col(w, y + r, &cx, end, buf, UI_BOARD_SOURCES_W, sel);
        put_col(w, y + r, &cx, end, ui_velocity_arrow(e->velocity), UI_BOARD_ARROW_W,
                sel | (e->velocity >= 2.0 ? A_BOLD : 0));
        if (spark) {
            ui_sparkline(e->hourly, 24, buf, sizeof buf);
            put_col(w, y + r, &cx, end, buf, UI_BOARD_SPARK_W, sel | ui_level_attr(e->level));
        }
        ui_format_age_short(e->last_seen, now, buf, sizeof buf);
        put_col(w, y + r, &cx, end, buf, UI_BOARD_AGE_W, sel);
        /* a silenced event's alerts wait, but nobody is chased for them */
        const char *ack = e->alert_id == 0 ? "-"
                          : e->acked       ? "已确认"
                          : e->silence_id  ? "已静默"
                                           : "未确认";
        attr_t ack_attr = e->alert_id == 0 || e->acked || e->silence_id
                              ? A_DIM
                              : A_BOLD | (ui_use_color ? color(UI_PAIR_ERROR) : A_STANDOUT);
        put_col(w, y + r, &cx, end, ack, UI_BOARD_ACK_W, sel | ack_attr);
    }
}

/* ---- text blocks ------------------------------------------------------------ */

static void text_push(struct ui_text *t, const char *line, attr_t attr, unsigned char *marks)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->lines = xrealloc(t->lines, t->cap * sizeof *t->lines);
        t->attrs = xrealloc(t->attrs, t->cap * sizeof *t->attrs);
        t->marks = xrealloc(t->marks, t->cap * sizeof *t->marks);
    }
    t->lines[t->n] = xstrdup(line);
    t->attrs[t->n] = attr;
    t->marks[t->n] = marks;
    t->n++;
}

void ui_text_add(struct ui_text *t, const char *line, attr_t attr)
{
    text_push(t, line, attr, NULL);
}

void ui_text_add_wrapped(struct ui_text *t, const char *text, int cols, attr_t attr)
{
    char *clean = utf8_sanitize(text ? text : "", text ? strlen(text) : 0, UTF8_KEEP_NEWLINES);
    size_t n;
    char **lines = ui_wrap(clean, cols, &n);
    for (size_t i = 0; i < n; i++)
        ui_text_add(t, lines[i], attr);
    ui_lines_free(lines, n);
    free(clean);
}

void ui_text_add_marked(struct ui_text *t, const char *text, int cols, attr_t attr,
                        struct normalizer *nz, char *const *terms, size_t n_terms)
{
    char *clean = utf8_sanitize(text ? text : "", text ? strlen(text) : 0, UTF8_KEEP_NEWLINES);
    /* Marked before wrapping, so a term split by a line break is found;
     * each wrapped line is a piece of clean, found in order. */
    unsigned char *marks = ui_mark_terms(clean, terms, n_terms, nz);
    size_t n;
    char **lines = ui_wrap(clean, cols, &n);
    const char *at = clean;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(at, lines[i]);
        unsigned char *m = NULL;
        size_t len = strlen(lines[i]);
        if (marks && p && len && memchr(marks + (p - clean), 1, len)) {
            m = xmalloc(len);
            memcpy(m, marks + (p - clean), len);
        }
        if (p)
            at = p + len;
        text_push(t, lines[i], attr, m);
    }
    ui_lines_free(lines, n);
    free(marks);
    free(clean);
}

void ui_text_clear(struct ui_text *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->lines[i]);
        free(t->marks[i]);
    }
    free(t->lines);
    free(t->attrs);
    free(t->marks);
    memset(t, 0, sizeof *t);
}

void ui_text_scroll(struct ui_text *t, long delta, int h)
{
    long max_top = (long)t->n - h;
    if (max_top < 0)
        max_top = 0;
    long top = (long)t->top + delta;
    if (top > max_top)
        top = max_top;
    if (top < 0)
        top = 0;
    t->top = (size_t)top;
}

/* Draws a line whose marked bytes are highlighted: runs of equal marks,
 * each at its own column. Lines come from ui_text_add_marked, already
 * sanitised and wrapped to fit. */
static void put_marked(WINDOW *w, int y, int x, const char *line, const unsigned char *marks,
                       int cols, attr_t attr)
{
    attr_t hl = A_BOLD | (ui_use_color ? color(UI_PAIR_MARK) : A_REVERSE);
    ui_put(w, y, x, "", cols, attr);
    size_t len = strlen(line), i = 0;
    int cx = x;
    while (i < len && cx < x + cols) {
        size_t j = i;
        while (j < len && marks[j] == marks[i])
            j++;
        char *run = xstrndup(line + i, j - i);
        int rw = utf8_width(run);
        if (rw > x + cols - cx)
            rw = x + cols - cx;
        cx += ui_put(w, y, cx, run, rw, marks[i] ? attr | hl : attr);
        free(run);
        i = j;
    }
}

void ui_draw_text(WINDOW *w, int y, int x, int h, int cols, const struct ui_text *t)
{
    for (int r = 0; r < h; r++) {
        size_t idx = t->top + (size_t)r;
        if (idx < t->n && t->marks[idx] && utf8_width(t->lines[idx]) <= cols)
            put_marked(w, y + r, x, t->lines[idx], t->marks[idx], cols, t->attrs[idx]);
        else
            ui_put(w, y + r, x, idx < t->n ? t->lines[idx] : "", cols,
                   idx < t->n ? t->attrs[idx] : 0);
    }
}
