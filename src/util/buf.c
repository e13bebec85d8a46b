/* buf.c: bounded byte buffers. Everything filled from outside the process
 * (HTTP bodies, feed fields, form input) goes through one of these with a
 * cap, so a hostile peer cannot grow memory without bound. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void jy_buf_init(struct jy_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX - 1;
}

int jy_buf_append_slow(struct jy_buf *b, const void *p, size_t n)
{
    if (n > b->max - b->len)
        return JY_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void jy_buf_reserve(struct jy_buf *b, size_t n)
{
    if (n > b->max - b->len || b->len + n + 1 <= b->cap)
        return;
    b->cap = b->len + n + 1;
    b->data = xrealloc(b->data, b->cap);
    b->data[b->len] = '\0';
}

int jy_buf_printf(struct jy_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return JY_EINVAL;
    if ((size_t)n < sizeof small)
        return jy_buf_append(b, small, (size_t)n);
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = jy_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

void jy_buf_reset(struct jy_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *jy_buf_steal(struct jy_buf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void jy_buf_free(struct jy_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- JSON text -------------------------------------------------------------- */

/* The bytes of w (eight of them) that JSON must escape: '"', '\\' and
 * controls below 0x20, each marked by its top bit. A borrow can mark a byte
 * wrongly, but only above a byte rightly marked, so the lowest mark is
 * always right. */
static inline uint64_t json_special8(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    return (((q - ones) & ~q) | ((bs - ones) & ~bs) | (w - ones * 0x20)) & ~w & high;
}

/* Whether s[0..len) holds nothing JSON must escape. */
static bool json_plain(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (json_special8(w))
            return false;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c < 0x20)
            return false;
    }
    return true;
}

void jy_buf_json_str(struct jy_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(s), i = 0, run = 0;
    /* Most strings (terms, names, topics) are short and need no escape:
     * one copy between the quotes when the buffer has room. */
    if (b->cap - b->len > len + 2 && b->max - b->len >= len + 2 && json_plain(s, len)) {
        char *d = b->data + b->len;
        d[0] = '"';
        memcpy(d + 1, s, len);
        d[len + 1] = '"';
        d[len + 2] = '\0';
        b->len += len + 2;
        return;
    }
    jy_buf_putc(b, '"');
    for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* eight bytes at a time to the next byte to escape (the marks of
         * json_special8 are right from the lowest byte up: little-endian) */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t m = json_special8(w);
            if (m) {
                i += (size_t)__builtin_ctzll(m) / 8;
                break;
            }
            i += 8;
        }
#endif
        while (i < len) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            i++;
        }
        if (i >= len)
            break;
        jy_buf_append(b, s + run, i - run);
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            jy_buf_append(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            jy_buf_append(b, esc, 6);
        }
        run = ++i;
    }
    jy_buf_append(b, s + run, len - run);
    jy_buf_putc(b, '"');
}

/* "00" to "99": two digits per division */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

void jy_buf_json_int(struct jy_buf *b, int64_t v)
{
    /* written right-aligned at out + 20, then copied 20 bytes at once when
     * the buffer has room: no call for a few digits */
    char out[40];
    char *end = out + 20, *p = end;
    memset(end, 0, 20); /* what the fixed copy takes past the digits */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(end - p);
    if (b->cap - b->len > 20 && b->max - b->len >= n) {
        memcpy(b->data + b->len, p, 20); /* p + 20 <= out + 40 */
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    jy_buf_append(b, p, n);
}

void jy_buf_json_num(struct jy_buf *b, double v, int decimals)
{
    if (!isfinite(v)) {
        jy_buf_puts(b, "null");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    int64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    double r = round(fabs(v) * (double)scale);
    if (r >= 9e15) { /* beyond exact integers: let printf say it */
        jy_buf_printf(b, "%.*f", decimals, v);
        return;
    }
    int64_t whole = (int64_t)r / scale, frac = (int64_t)r % scale;
    if (v < 0 && r > 0)
        jy_buf_putc(b, '-');
    jy_buf_json_int(b, whole);
    if (frac == 0)
        return;
    char digits[10];
    int n = decimals;
    while (frac % 10 == 0) {
        frac /= 10;
        n--;
    }
    for (int i = n - 1; i >= 0; i--) {
        digits[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    jy_buf_putc(b, '.');
    jy_buf_append(b, digits, (size_t)n);
}

void jy_buf_json_strs(struct jy_buf *b, const char *const *v, size_t n)
{
    jy_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            jy_buf_putc(b, ',');
        jy_buf_json_str(b, v[i] ? v[i] : "");
    }
    jy_buf_putc(b, ']');
}

void jy_buf_json_key(struct jy_buf *b, const char *k, bool first)
{
    if (!first)
        jy_buf_putc(b, ',');
    jy_buf_json_str(b, k);
    jy_buf_putc(b, ':');
}
