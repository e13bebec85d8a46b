/* utf8.c: decoding, sanitising and measuring UTF-8 text.
 *
 * Every string that reaches storage or the screen passes utf8_sanitize():
 * posts on the public internet carry terminal escape sequences (by accident
 * or on purpose, e.g. "ESC]0;title BEL" to retitle an operator's window), and
 * a single stray byte must never abort an import. Widths come from utf8proc
 * so that they do not depend on the process locale. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util.h"

size_t utf8_decode_slow(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0) {
        *cp = 0;
        return 0;
    }
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need + 1) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need + 1;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1 && (unsigned char)s[i] >= 0x80)
            return false;
        i += n;
    }
    return true;
}

/* Where a string-type escape sequence (OSC, DCS, SOS, PM, APC) ends: after
 * BEL, ESC \ or C1 ST. Returns len when it never ends. */
static size_t skip_string_seq(const char *s, size_t i, size_t len)
{
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == 0x07 || cp == 0x9C)
            return i + n;
        if (cp == 0x1B && i + 1 < len && s[i + 1] == '\\')
            return i + 2;
        i += n;
    }
    return len;
}

/* Where a CSI sequence ends: parameter and intermediate bytes, then a final
 * byte in 0x40..0x7E. */
static size_t skip_csi(const char *s, size_t i, size_t len)
{
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c <= 0x3F) {
            i++;
            continue;
        }
        if (c >= 0x40 && c <= 0x7E)
            return i + 1;
        return i; /* malformed: drop what we have, keep the rest */
    }
    return len;
}

/* Whether the eight bytes at s are all printable ASCII (0x20..0x7E). */
static inline bool ascii8_plain(const char *s)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t w;
    memcpy(&w, s, 8);
    uint64_t del = w ^ (ones * 0x7F);
    /* a byte with its top bit set, below 0x20 (no borrow can reach a byte
     * whose top bit is clear from one below it that is >= 0x20), or 0x7F */
    return ((w | (w - ones * 0x20) | ((del - ones) & ~del)) & high) == 0;
}

/* Where the text from s[i] that utf8_sanitize keeps as it is ends: the
 * first invalid byte, control (other than a newline or tab the flags keep),
 * \r, ESC, C1 or bidirectional override at or after i, else len. */
static inline size_t plain_end(const char *s, size_t i, size_t len, int flags)
{
    while (i < len) {
        unsigned char c0 = (unsigned char)s[i];
        if (c0 >= 0x20 && c0 < 0x7F) {
            /* printable ASCII (markup, Latin text) eight bytes at a time */
            i++;
            while (i + 8 <= len && ascii8_plain(s + i))
                i += 8;
            continue;
        }
        if ((c0 == '\n' && (flags & UTF8_KEEP_NEWLINES)) ||
            (c0 == '\t' && (flags & UTF8_KEEP_TABS))) {
            i++;
            continue;
        }
        /* Three-byte characters from U+3000 on (CJK, fullwidth forms: most
         * of a Chinese post) are all plain when well formed: a run of them
         * is passed over in a loop of its own. */
        if (utf8_cjk3(s + i, len - i)) {
            i += 3;
            while (utf8_cjk3(s + i, len - i))
                i += 3;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if ((cp == 0xFFFD && n == 1) || !utf8_plain_cp(cp))
            return i;
        i += n;
    }
    return len;
}

bool utf8_is_sanitized(const char *s, size_t len, int flags)
{
    return plain_end(s, 0, len, flags) == len;
}

char *utf8_sanitize(const char *s, size_t len, int flags)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_reserve(&b, len); /* nearly always what comes out */
    jy_buf_append(&b, "", 0);
    size_t i = 0, run = 0; /* s[run..i) is plain text not yet copied */
    while ((i = plain_end(s, i, len, flags)) < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        jy_buf_append(&b, s + run, i - run);
        if (cp == 0x1B) {
            i += n;
            if (i < len) {
                unsigned char c = (unsigned char)s[i];
                if (c == '[') {
                    i = skip_csi(s, i + 1, len);
                } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
                    i = skip_string_seq(s, i + 1, len);
                } else {
                    /* nF/Fp/Fe/Fs: intermediates 0x20..0x2F, then a final byte */
                    while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x2F)
                        i++;
                    if (i < len && (unsigned char)s[i] >= 0x30 && (unsigned char)s[i] <= 0x7E)
                        i++;
                }
            }
        } else if (cp == 0x9B) {
            i = skip_csi(s, i + n, len);
        } else if (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F) {
            i = skip_string_seq(s, i + n, len);
        } else {
            i += n;
            if (cp == '\r') {
                if (i < len && s[i] == '\n')
                    i++;
                jy_buf_putc(&b, (flags & UTF8_KEEP_NEWLINES) ? '\n' : ' ');
            } else if (cp == '\n') {
                jy_buf_putc(&b, (flags & UTF8_KEEP_NEWLINES) ? '\n' : ' ');
            } else if (cp == '\t') {
                jy_buf_putc(&b, (flags & UTF8_KEEP_TABS) ? '\t' : ' ');
            } else if (cp == 0xFFFD && n == 1) {
                jy_buf_append(&b, "\xEF\xBF\xBD", 3); /* an invalid byte */
            }
            /* any other control character is dropped */
        }
        run = i;
    }
    jy_buf_append(&b, s + run, i - run);
    return jy_buf_steal(&b);
}

int utf8_cp_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 0;
    if (cp < 0x7F)
        return 1;
    int w = utf8proc_charwidth((utf8proc_int32_t)cp);
    if (w < 0)
        return 0;
    return w > 2 ? 2 : w;
}

int utf8_width(const char *s)
{
    int w = 0;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        w += utf8_cp_width(cp);
    }
    return w;
}

size_t utf8_prefix_for_width(const char *s, int cols, int *width_out)
{
    size_t len = strlen(s), i = 0;
    int w = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        int cw = utf8_cp_width(cp);
        if (w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    if (width_out)
        *width_out = w;
    return i;
}

char *utf8_truncate(const char *s, int cols)
{
    if (cols <= 0)
        return xstrdup("");
    if (utf8_width(s) <= cols)
        return xstrdup(s);
    int w;
    size_t n = utf8_prefix_for_width(s, cols - 1, &w);
    char *out = xmalloc(n + 4);
    memcpy(out, s, n);
    memcpy(out + n, "\xE2\x80\xA6", 4); /* U+2026 and NUL */
    return out;
}
