/*
 * draw: putting text on the screen. Every string goes through ui_put, which
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
        ui_put(w, y + r, title_x, it->title, title_w, attr);
    }
}

#define HEALTH_NAME_W 14
#define HEALTH_STATE_W 5
#define HEALTH_AGE_W 11
#define HEALTH_FAIL_W 9

void ui_draw_health(WINDOW *w, int y, int x, int h, int cols, const struct ui_health *hl,
                    bool focused, int64_t now)
{
    for (int r = 0; r < h; r++) {
        size_t idx = hl->top + (size_t)r;
        if (idx >= hl->n) {
            ui_put(w, y + r, x, r == 0 && hl->n == 0 ? "（未配置信源）" : "", cols, 0);
            continue;
        }
        const struct store_source *s = &hl->sources[idx];
        enum source_state st = hl->states[idx];
        attr_t sel = idx == hl->sel ? (focused ? A_REVERSE : A_UNDERLINE) : 0;
        attr_t state_attr = sel | A_BOLD;
        if (st == SOURCE_FAILING)
            state_attr |= color(UI_PAIR_ERROR);
        else if (st == SOURCE_DARK)
            state_attr |= color(UI_PAIR_WARN);
        else if (st == SOURCE_OK)
            state_attr |= color(UI_PAIR_OK);
        else if (st == SOURCE_DISABLED)
            state_attr = sel | A_DIM;
        int cx = x, end = x + cols;
        char *name = ui_cell(s->name, HEALTH_NAME_W);
        cx += ui_put(w, y + r, cx, name,
                     end - cx < HEALTH_NAME_W + 1 ? end - cx : HEALTH_NAME_W + 1, sel);
        free(name);
        if (cx >= end)
            continue;
        cx += ui_put(w, y + r, cx, ui_source_state_label(st),
                     end - cx < HEALTH_STATE_W ? end - cx : HEALTH_STATE_W, state_attr);
        char age[64], buf[96];
        ui_format_age(s->last_success, now, age, sizeof age);
        snprintf(buf, sizeof buf, "成功:%s", age);
        if (cx < end)
            cx += ui_put(w, y + r, cx, buf,
                         end - cx < HEALTH_AGE_W + 5 ? end - cx : HEALTH_AGE_W + 5, sel);
        snprintf(buf, sizeof buf, "失败%d次", s->failures);
        if (cx < end)
            cx +=
                ui_put(w, y + r, cx, buf, end - cx < HEALTH_FAIL_W ? end - cx : HEALTH_FAIL_W, sel);
        if (cx < end)
            ui_put(w, y + r, cx, s->last_error ? s->last_error : "", end - cx,
                   sel | (s->last_error ? color(UI_PAIR_ERROR) : 0));
    }
}

/* ---- text blocks ------------------------------------------------------------ */

void ui_text_add(struct ui_text *t, const char *line, attr_t attr)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->lines = xrealloc(t->lines, t->cap * sizeof *t->lines);
        t->attrs = xrealloc(t->attrs, t->cap * sizeof *t->attrs);
    }
    t->lines[t->n] = xstrdup(line);
    t->attrs[t->n] = attr;
    t->n++;
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

void ui_text_clear(struct ui_text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->lines[i]);
    free(t->lines);
    free(t->attrs);
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

void ui_draw_text(WINDOW *w, int y, int x, int h, int cols, const struct ui_text *t)
{
    for (int r = 0; r < h; r++) {
        size_t idx = t->top + (size_t)r;
        ui_put(w, y + r, x, idx < t->n ? t->lines[idx] : "", cols, idx < t->n ? t->attrs[idx] : 0);
    }
}
