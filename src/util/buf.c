/* buf.c: bounded byte buffers. Everything filled from outside the process
 * (HTTP bodies, feed fields, form input) goes through one of these with a
 * cap, so a hostile peer cannot grow memory without bound. */
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

int jy_buf_append(struct jy_buf *b, const void *p, size_t n)
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

int jy_buf_puts(struct jy_buf *b, const char *s)
{
    return jy_buf_append(b, s, strlen(s));
}

int jy_buf_putc(struct jy_buf *b, char c)
{
    return jy_buf_append(b, &c, 1);
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
