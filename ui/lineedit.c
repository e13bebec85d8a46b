/*
 * lineedit: the one-line editor behind the `/` search prompt and the `:`
 * command line. Text is kept as UTF-8 and edited by whole characters, so
 * Chinese typed through an input method (several bytes per key from
 * get_wch) goes in and comes out whole.
 */
#include <string.h>

#include "ui_private.h"

void ui_lineedit_clear(struct ui_lineedit *le)
{
    le->buf[0] = '\0';
    le->len = 0;
}

/* Start of the last code point in s[0..len). */
static size_t prev_cp_start(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0) {
        i--;
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            break;
    }
    return i;
}

static void delete_last_char(struct ui_lineedit *le)
{
    /* Remove trailing zero-width code points (combining marks) together with
     * the character they sit on, so one Backspace removes what the user sees
     * as one character. */
    while (le->len > 0) {
        size_t start = prev_cp_start(le->buf, le->len);
        uint32_t cp;
        utf8_decode(le->buf + start, le->len - start, &cp);
        le->len = start;
        if (utf8_cp_width(cp) > 0 || cp < 0x20)
            break;
    }
    le->buf[le->len] = '\0';
}

enum ui_le_result ui_lineedit_key(struct ui_lineedit *le, int key)
{
    switch (key) {
    case '\n':
    case '\r':
    case UI_FN(KEY_ENTER):
        return UI_LE_ACCEPT;
    case UI_KEY_ESC:
        return UI_LE_CANCEL;
    case UI_FN(KEY_BACKSPACE):
    case 127:
    case 8:
        delete_last_char(le);
        return UI_LE_CONTINUE;
    case UI_CTRL('U'):
        ui_lineedit_clear(le);
        return UI_LE_CONTINUE;
    default:
        break;
    }
    if (key & UI_KEY_FN)
        return UI_LE_CONTINUE; /* other function keys do nothing here */
    uint32_t cp = (uint32_t)key;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
        return UI_LE_CONTINUE;
    char enc[4];
    size_t n = utf8_encode(cp, enc);
    if (le->len + n + 1 > sizeof le->buf)
        return UI_LE_CONTINUE; /* full: ignore rather than cut a character */
    memcpy(le->buf + le->len, enc, n);
    le->len += n;
    le->buf[le->len] = '\0';
    return UI_LE_CONTINUE;
}

const char *ui_lineedit_tail(const struct ui_lineedit *le, int cols)
{
    const char *p = le->buf;
    while (*p && utf8_width(p) > cols) {
        uint32_t cp;
        p += utf8_decode(p, strlen(p), &cp);
    }
    return p;
}
