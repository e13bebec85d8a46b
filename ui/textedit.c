/*
 * textedit.c: a form field's text edited at a cursor (see textedit.h). A
 * "character" here is what the officer sees as one: a code point with the
 * zero-width marks that follow it. Widths come from utf8_cp_width, the
 * same table the drawing uses, never from the locale.
 */
#include <stdlib.h>
#include <string.h>

#include "textedit.h"

static uint32_t cp_at(const char *s, size_t len, size_t i, size_t *n)
{
    uint32_t cp;
    *n = utf8_decode(s + i, len - i, &cp);
    return cp;
}

static bool zero_width(uint32_t cp)
{
    return cp >= 0x20 && utf8_cp_width(cp) == 0;
}

/* The end of the character that starts at i. */
static size_t char_next(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    size_t n;
    cp_at(s, len, i, &n);
    i += n;
    while (i < len && s[i] != '\n') {
        uint32_t cp = cp_at(s, len, i, &n);
        if (!zero_width(cp))
            break;
        i += n;
    }
    return i;
}

/* The start of the character that ends at i. */
static size_t char_prev(const char *s, size_t len, size_t i)
{
    while (i > 0) {
        size_t start = i - 1;
        while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
            start--;
        size_t n;
        uint32_t cp = cp_at(s, len, start, &n);
        i = start;
        if (!zero_width(cp))
            break; /* a mark goes back with the character under it */
    }
    return i;
}

int textedit_insert(struct jy_buf *b, size_t *cur, const char *s, size_t n)
{
    size_t at = *cur <= b->len ? *cur : b->len;
    size_t tail = b->len - at;
    if (jy_buf_append(b, s, n))
        return JY_EINVAL; /* full: nothing goes in rather than half */
    memmove(b->data + at + n, b->data + at, tail);
    memcpy(b->data + at, s, n);
    *cur = at + n;
    return 0;
}

static void cut(struct jy_buf *b, size_t from, size_t to)
{
    memmove(b->data + from, b->data + to, b->len - to);
    b->len -= to - from;
    b->data[b->len] = '\0';
}

bool textedit_left(const struct jy_buf *b, size_t *cur)
{
    if (*cur == 0)
        return false;
    *cur = char_prev(b->data, b->len, *cur);
    return true;
}

bool textedit_right(const struct jy_buf *b, size_t *cur)
{
    if (*cur >= b->len)
        return false;
    *cur = char_next(b->data, b->len, *cur);
    return true;
}

bool textedit_home(const struct jy_buf *b, size_t *cur)
{
    size_t i = *cur;
    while (i > 0 && b->data[i - 1] != '\n')
        i--;
    bool moved = i != *cur;
    *cur = i;
    return moved;
}

bool textedit_end(const struct jy_buf *b, size_t *cur)
{
    size_t i = *cur;
    while (i < b->len && b->data[i] != '\n')
        i++;
    bool moved = i != *cur;
    *cur = i;
    return moved;
}

bool textedit_backspace(struct jy_buf *b, size_t *cur)
{
    if (*cur == 0)
        return false;
    size_t from = char_prev(b->data, b->len, *cur);
    cut(b, from, *cur);
    *cur = from;
    return true;
}

bool textedit_delete(struct jy_buf *b, size_t *cur)
{
    if (*cur >= b->len)
        return false;
    cut(b, *cur, char_next(b->data, b->len, *cur));
    return true;
}

bool textedit_kill_line(struct jy_buf *b, size_t *cur)
{
    if (*cur >= b->len)
        return false;
    size_t end = *cur;
    while (end < b->len && b->data[end] != '\n')
        end++;
    if (end == *cur)
        end++; /* at the line's end: join the next line */
    cut(b, *cur, end);
    return true;
}

/* Where a word ends: spaces and punctuation, ASCII and Chinese. */
static bool word_break(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                 cp == '_');
    return (cp >= 0x2000 && cp <= 0x206F) || /* general punctuation, spaces */
           (cp >= 0x3000 && cp <= 0x303F) || /* 、。「」《》【】 and the ideographic space */
           (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65); /* ，：（） */
}

bool textedit_kill_word(struct jy_buf *b, size_t *cur)
{
    if (*cur == 0)
        return false;
    const char *s = b->data;
    size_t i = *cur, n;
    if (s[i - 1] == '\n') { /* a line break alone, as Backspace would */
        cut(b, i - 1, i);
        *cur = i - 1;
        return true;
    }
    /* the breaks just before the cursor, then the word before them */
    while (i > 0 && s[i - 1] != '\n') {
        size_t p = char_prev(s, b->len, i);
        if (!word_break(cp_at(s, b->len, p, &n)))
            break;
        i = p;
    }
    while (i > 0 && s[i - 1] != '\n') {
        size_t p = char_prev(s, b->len, i);
        if (word_break(cp_at(s, b->len, p, &n)))
            break;
        i = p;
    }
    cut(b, i, *cur);
    *cur = i;
    return true;
}

struct textedit_line *textedit_layout(const char *s, size_t len, int cols, size_t *n)
{
    if (cols < 2)
        cols = 2;
    size_t cap = 8, k = 0;
    struct textedit_line *v = xmalloc(cap * sizeof *v);
    size_t start = 0, i = 0;
    int w = 0;
    for (;;) {
        bool brk = i >= len || s[i] == '\n';
        int cw = 0;
        size_t next = i;
        if (!brk) {
            next = char_next(s, len, i);
            size_t m;
            cw = utf8_cp_width(cp_at(s, len, i, &m));
        }
        if (brk || (w + cw > cols && i > start)) {
            if (k == cap)
                v = xrealloc(v, (cap *= 2) * sizeof *v);
            v[k].start = start;
            v[k].end = i;
            k++;
            if (i >= len)
                break;
            if (brk)
                i++; /* past the '\n' */
            start = i;
            w = 0;
            continue;
        }
        w += cw;
        i = next;
    }
    *n = k;
    return v;
}

/* The line the cursor shows on: the first that holds it, except that a
 * cursor between two lines of one wrapped paragraph shows at the start of
 * the second. */
static size_t line_of(const char *s, size_t len, const struct textedit_line *v, size_t n,
                      size_t cur)
{
    for (size_t k = 0; k < n; k++) {
        if (cur < v[k].start)
            continue;
        if (cur < v[k].end || k + 1 == n)
            return k;
        if (cur == v[k].end && (v[k].end >= len || s[v[k].end] == '\n'))
            return k;
    }
    return n - 1;
}

static int width_of(const char *s, size_t from, size_t to)
{
    int w = 0;
    while (from < to) {
        size_t m;
        w += utf8_cp_width(cp_at(s, to, from, &m));
        from += m;
    }
    return w;
}

void textedit_locate(const char *s, size_t len, int cols, size_t cur, int *row, int *col)
{
    size_t n;
    struct textedit_line *v = textedit_layout(s, len, cols, &n);
    size_t k = line_of(s, len, v, n, cur);
    *row = (int)k;
    *col = width_of(s, v[k].start, cur < v[k].end ? cur : v[k].end);
    free(v);
}

bool textedit_vertical(const struct jy_buf *b, size_t *cur, int cols, int dir)
{
    const char *s = b->data ? b->data : "";
    size_t n;
    struct textedit_line *v = textedit_layout(s, b->len, cols, &n);
    size_t k = line_of(s, b->len, v, n, *cur);
    if ((dir < 0 && k == 0) || (dir > 0 && k + 1 >= n)) {
        free(v);
        return false;
    }
    int col = width_of(s, v[k].start, *cur < v[k].end ? *cur : v[k].end);
    size_t t = dir < 0 ? k - 1 : k + 1;
    /* the last boundary of line t at or left of col (a wide character
     * under col is passed over to its left edge) */
    size_t i = v[t].start;
    int w = 0;
    while (i < v[t].end) {
        size_t m;
        int cw = utf8_cp_width(cp_at(s, b->len, i, &m));
        if (w + cw > col)
            break;
        w += cw;
        i = char_next(s, b->len, i);
    }
    /* the end of a wrapped line shows as the start of the next: stay left */
    if (i == v[t].end && t + 1 < n && v[t + 1].start == i && i > v[t].start)
        i = char_prev(s, b->len, i);
    *cur = i;
    free(v);
    return true;
}
