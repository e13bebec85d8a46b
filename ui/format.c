/*
 * format: the console's pure text helpers: times and ages as the duty room
 * reads them, source states in Chinese, the risk board's velocity arrows
 * and sparklines, the JSON arrays of terms and names the analysis stores,
 * marking matched terms, fixed-width cells and wrapping by display width (a
 * CJK character takes two columns), and the parser of the `:` command line.
 * No curses here, so all of it is unit-tested.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_private.h"

void ui_format_when(int64_t t, int64_t now, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "--:--");
        return;
    }
    time_t tt = (time_t)t, tn = (time_t)now;
    struct tm a, b;
    localtime_r(&tt, &a);
    localtime_r(&tn, &b);
    bool today = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
    strftime(out, n, today ? "%H:%M" : "%m-%d %H:%M", &a);
}

void ui_format_age(int64_t t, int64_t now, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "从未");
        return;
    }
    int64_t d = now - t;
    if (d < 5)
        snprintf(out, n, "刚刚");
    else if (d < 60)
        snprintf(out, n, "%lld秒前", (long long)d);
    else if (d < 3600)
        snprintf(out, n, "%lld分钟前", (long long)(d / 60));
    else if (d < 86400)
        snprintf(out, n, "%lld小时前", (long long)(d / 3600));
    else
        snprintf(out, n, "%lld天前", (long long)(d / 86400));
}

void ui_format_age_short(int64_t t, int64_t now, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "-");
        return;
    }
    int64_t d = now - t;
    if (d < 60)
        snprintf(out, n, "刚刚"); /* also a time slightly ahead of our clock */
    else if (d < 3600)
        snprintf(out, n, "%lld分钟", (long long)(d / 60));
    else if (d < 86400)
        snprintf(out, n, "%lld小时", (long long)(d / 3600));
    else if (d < 100 * 86400)
        snprintf(out, n, "%lld天", (long long)(d / 86400));
    else
        snprintf(out, n, "很久"); /* keeps the column at 6 */
}

const char *ui_velocity_arrow(double velocity)
{
    /* Bands around 1 (as many this hour as the hourly mean before): a
     * doubling is a surge, a fifth more is rising, a fifth less is falling;
     * the rest is noise at the counts a county sees. */
    if (velocity >= 2.0)
        return "↑";
    if (velocity >= 1.2)
        return "↗";
    if (velocity < 0.8)
        return "↓";
    return "→";
}

void ui_sparkline(const int *v, size_t n, char *out, size_t out_n)
{
    static const char *const bars[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    int max = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    size_t o = 0;
    if (!out_n)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *cell = " ";
        if (v[i] > 0) {
            /* ceil(8 * v / max): the largest gets the full block and any
             * count at all at least the lowest one */
            long lvl = ((long)v[i] * 8 + max - 1) / max;
            cell = bars[(lvl < 1 ? 1 : lvl > 8 ? 8 : lvl) - 1];
        }
        size_t len = strlen(cell);
        if (o + len + 1 > out_n)
            break;
        memcpy(out + o, cell, len);
        o += len;
    }
    out[o] = '\0';
}

const char *ui_sentiment_label(int s)
{
    switch (s) {
    case -1:
        return "负面";
    case 0:
        return "中性";
    case 1:
        return "正面";
    }
    return "—";
}

char **ui_json_strings(const char *json, size_t *n)
{
    *n = 0;
    if (!json || !*json)
        return NULL;
    json_t *root = json_loads(json, 0, NULL);
    if (!json_is_array(root)) {
        json_decref(root);
        return NULL;
    }
    size_t count = json_array_size(root), k = 0;
    char **v = xcalloc(count ? count : 1, sizeof *v);
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(root, i);
        const char *s = NULL;
        if (json_is_string(e))
            s = json_string_value(e);
        else if (json_is_object(e))
            s = json_string_value(json_object_get(e, "term"))
                    ? json_string_value(json_object_get(e, "term"))
                    : json_string_value(json_object_get(e, "name"));
        else if (json_is_array(e))
            s = json_string_value(json_array_get(e, 0));
        if (!s || !*s)
            continue;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = !strcmp(v[j], s);
        if (!seen)
            v[k++] = xstrdup(s);
    }
    json_decref(root);
    if (!k) {
        free(v);
        return NULL;
    }
    *n = k;
    return v;
}

char *ui_json_join(const char *json, size_t max)
{
    size_t n;
    char **v = ui_json_strings(json, &n);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    for (size_t i = 0; i < n && i < max; i++) {
        if (i)
            jy_buf_puts(&b, "、");
        jy_buf_puts(&b, v[i]);
    }
    if (n > max)
        jy_buf_puts(&b, "…");
    ui_lines_free(v, n);
    return jy_buf_steal(&b);
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* With a normalizer: terms are found in s folded character by character as
 * the analysis folds it, and each hit marks the characters of s it came
 * from (暴力执法 in 暴力執法, police in ＰＯＬＩＣＥ). */
static unsigned char *mark_folded(struct normalizer *nz, const char *s, size_t len,
                                  char *const *terms, size_t n_terms)
{
    size_t *at = NULL;
    char *f = normalize_fold(nz, s, len, &at);
    size_t flen = strlen(f);
    unsigned char *marks = NULL;
    for (size_t t = 0; t < n_terms; t++) {
        size_t tl = terms[t] ? strlen(terms[t]) : 0;
        for (size_t i = 0; tl && i + tl <= flen; i++) {
            if (((unsigned char)f[i] & 0xC0) == 0x80 || memcmp(f + i, terms[t], tl) != 0)
                continue;
            size_t from = at[i], last = at[i + tl - 1];
            uint32_t cp;
            size_t to = last + utf8_decode(s + last, len - last, &cp);
            if (!marks)
                marks = xcalloc(len, 1);
            memset(marks + from, 1, to - from);
        }
    }
    free(at);
    free(f);
    return marks;
}

unsigned char *ui_mark_terms(const char *s, char *const *terms, size_t n_terms,
                             struct normalizer *nz)
{
    size_t len = s ? strlen(s) : 0;
    if (nz && len)
        return mark_folded(nz, s, len, terms, n_terms);
    unsigned char *marks = NULL;
    for (size_t t = 0; t < n_terms; t++) {
        size_t tl = terms[t] ? strlen(terms[t]) : 0;
        if (!tl || tl > len)
            continue;
        for (size_t i = 0; i + tl <= len; i++) {
            size_t j = 0;
            while (j < tl &&
                   ascii_lower((unsigned char)s[i + j]) == ascii_lower((unsigned char)terms[t][j]))
                j++;
            if (j < tl)
                continue;
            /* whole characters only: a term cannot start inside one */
            if (((unsigned char)s[i] & 0xC0) == 0x80)
                continue;
            if (!marks)
                marks = xcalloc(len, 1);
            memset(marks + i, 1, tl);
        }
    }
    return marks;
}

const char *ui_source_state_label(enum source_state s)
{
    switch (s) {
    case SOURCE_NEW:
        return "新建";
    case SOURCE_OK:
        return "正常";
    case SOURCE_FAILING:
        return "失败";
    case SOURCE_DARK:
        return "失联";
    case SOURCE_DISABLED:
        return "停用";
    }
    return "未知";
}

char *ui_cell(const char *s, int cols)
{
    if (cols < 0)
        cols = 0;
    char *clean = utf8_sanitize(s ? s : "", s ? strlen(s) : 0, 0);
    char *cut = utf8_truncate(clean, cols);
    free(clean);
    int w = utf8_width(cut);
    size_t len = strlen(cut);
    size_t pad = w < cols ? (size_t)(cols - w) : 0;
    char *out = xmalloc(len + pad + 1);
    memcpy(out, cut, len);
    memset(out + len, ' ', pad);
    out[len + pad] = '\0';
    free(cut);
    return out;
}

/* ---- wrapping ------------------------------------------------------------- */

struct lines {
    char **v;
    size_t n, cap;
};

static void lines_push(struct lines *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = xstrndup(s, len);
}

static int width_n(const char *s, size_t len)
{
    int w = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        w += utf8_cp_width(cp);
    }
    return w;
}

static void wrap_paragraph(struct lines *out, const char *p, size_t len, int cols)
{
    size_t start = 0, i = 0, brk = 0, brk_next = 0;
    bool have_brk = false;
    int w = 0;
    if (len == 0) {
        lines_push(out, "", 0);
        return;
    }
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        int cw = utf8_cp_width(cp);
        if (w + cw > cols && i > start) {
            if (have_brk && brk > start) {
                lines_push(out, p + start, brk - start);
                start = brk_next;
            } else {
                lines_push(out, p + start, i - start);
                start = i;
            }
            while (start < len && p[start] == ' ')
                start++;
            if (start > i)
                i = start;
            have_brk = false;
            w = width_n(p + start, i - start);
            continue;
        }
        if (cp == ' ') {
            brk = i;
            brk_next = i + 1;
            have_brk = true;
        } else if (cw == 2 && i > start) {
            brk = i; /* a line may break before a wide character */
            brk_next = i;
            have_brk = true;
        }
        w += cw;
        i += n;
        if (cw == 2) {
            brk = i; /* ... and after one */
            brk_next = i;
            have_brk = true;
        }
    }
    if (start < len)
        lines_push(out, p + start, len - start);
}

char **ui_wrap(const char *text, int cols, size_t *n)
{
    struct lines out = {0};
    if (cols < 2)
        cols = 2;
    const char *p = text ? text : "";
    for (;;) {
        const char *eol = strchr(p, '\n');
        size_t plen = eol ? (size_t)(eol - p) : strlen(p);
        wrap_paragraph(&out, p, plen, cols);
        if (!eol)
            break;
        p = eol + 1;
    }
    *n = out.n;
    return out.v;
}

void ui_lines_free(char **lines, size_t n)
{
    if (!lines)
        return;
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* ---- the header's parts -------------------------------------------------------- */

static int header_width(const struct ui_header_part *p, size_t n, int sep)
{
    int w = 0, shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!p[i].shown)
            continue;
        w += utf8_width(p[i].shown == 1 && p[i].brief ? p[i].brief : p[i].full);
        shown++;
    }
    return w + (shown > 1 ? (shown - 1) * sep : 0);
}

/* The shown part of lowest rank that may still give way, or -1. */
static int header_least(const struct ui_header_part *p, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i].shown && p[i].rank > 0 && (best < 0 || p[i].rank < p[best].rank))
            best = (int)i;
    }
    return best;
}

int ui_header_fit(struct ui_header_part *p, size_t n, int cols, int sep)
{
    for (size_t i = 0; i < n; i++)
        p[i].shown = p[i].full && p[i].full[0] ? 2 : 0;
    int w = header_width(p, n, sep), k;
    /* the least important part first: its brief form, then nothing */
    while (w > cols && (k = header_least(p, n)) >= 0) {
        p[k].shown = p[k].shown == 2 && p[k].brief ? 1 : 0;
        w = header_width(p, n, sep);
    }
    return w;
}

/* ---- `:` commands ---------------------------------------------------------- */

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Copies the next word of *s into out and advances past it. */
static void next_word(const char **s, char *out, size_t n)
{
    const char *p = skip_space(*s);
    size_t len = 0;
    while (p[len] && p[len] != ' ' && p[len] != '\t')
        len++;
    snprintf(out, n, "%.*s", (int)len, p);
    *s = p + len;
}

static void copy_rest(const char *s, char *out, size_t n)
{
    s = skip_space(s);
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    snprintf(out, n, "%.*s", (int)len, s);
}

void ui_command_parse(const char *line, struct ui_command *cmd)
{
    char word[UI_LINE_MAX], sub[64];
    const char *p = line;
    memset(cmd, 0, sizeof *cmd);
    next_word(&p, word, sizeof word);
    if (!word[0]) {
        cmd->kind = UI_CMD_EMPTY;
        return;
    }
    if (!strcmp(word, "quit") || !strcmp(word, "q")) {
        cmd->kind = UI_CMD_QUIT;
        return;
    }
    if (!strcmp(word, "help") || !strcmp(word, "h")) {
        cmd->kind = UI_CMD_HELP;
        return;
    }
    if (!strcmp(word, "source") || !strcmp(word, "sources")) {
        next_word(&p, sub, sizeof sub);
        if (!sub[0] || !strcmp(sub, "list")) {
            cmd->kind = UI_CMD_SOURCE_LIST;
            return;
        }
        if (!strcmp(sub, "enable") || !strcmp(sub, "disable")) {
            copy_rest(p, cmd->arg, sizeof cmd->arg);
            if (!cmd->arg[0]) {
                cmd->kind = UI_CMD_USAGE;
                snprintf(cmd->arg, sizeof cmd->arg, "source %s 名称", sub);
                return;
            }
            cmd->kind = !strcmp(sub, "enable") ? UI_CMD_SOURCE_ENABLE : UI_CMD_SOURCE_DISABLE;
            return;
        }
    }
    cmd->kind = UI_CMD_UNKNOWN;
    copy_rest(line, cmd->arg, sizeof cmd->arg);
}

/* ---- layout ------------------------------------------------------------------ */

void ui_layout_compute(int rows, size_t side_rows, struct ui_layout *lo)
{
    lo->header_y = 0;
    lo->hint_y = rows - 2;
    lo->msg_y = rows - 1;
    lo->feed_y = 1;
    int area = rows - 3;
    if (area < 2) {
        lo->feed_h = area > 0 ? area : 0;
        lo->side_h = 0;
        lo->side_y = lo->feed_y + lo->feed_h;
        return;
    }
    /* The feed is what the duty room watches: it keeps at least two thirds;
     * the second pane takes what its rows need up to a third. */
    int side = area / 3;
    int need = (int)side_rows + 1;
    if (need < 3)
        need = 3;
    if (side > need)
        side = need;
    if (area < 8)
        side = 0;
    lo->feed_h = area - side;
    lo->side_y = lo->feed_y + lo->feed_h;
    lo->side_h = side;
}
