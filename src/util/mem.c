/* mem.c: allocation that never returns NULL, and small file helpers. An
 * allocation failure is a broken invariant for an interactive tool: it
 * aborts with a message instead of limping on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static void oom(size_t n)
{
    fprintf(stderr, "jingyu: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(strlen(fmt));
    return p;
}

int jy_read_file(const char *path, size_t max, char **out, size_t *len, struct jy_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return jy_error_set(err, JY_EIO, "%s: %s", path, strerror(errno));
    struct jy_buf b;
    jy_buf_init(&b, max);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (jy_buf_append(&b, chunk, n) != 0) {
            rc = jy_error_set(err, JY_ETOOBIG, "%s: larger than %zu bytes", path, max);
            break;
        }
    }
    if (!rc && ferror(f))
        rc = jy_error_set(err, JY_EIO, "%s: read error", path);
    fclose(f);
    if (rc) {
        jy_buf_free(&b);
        return rc;
    }
    if (len)
        *len = b.len;
    if (!b.data)
        jy_buf_puts(&b, "");
    *out = jy_buf_steal(&b);
    return 0;
}

uint64_t jy_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}
