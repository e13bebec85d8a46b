/* jsonpick.c: the members of one JSON object read straight off its text.
 *
 * `jingyu analyze` and file drops read a JSON object per line and want a
 * handful of its members as strings and integers. Building a tree for that
 * (a hash table per object, a copy of every string) cost more than some
 * analysis stages; here the text is checked against RFC 8259 in one pass,
 * the wanted members' strings are unescaped in place, and nothing is
 * allocated. What it accepts and refuses matches jansson's defaults, which
 * read these lines before: strict UTF-8, no \u0000 inside strings, integers
 * that fit in 64 bits, nothing but white space after the object. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define JP_MAX_DEPTH 2048 /* jansson's limit, counting every value */

struct jp {
    char *s;
    size_t len, i;
};

static void jp_ws(struct jp *p)
{
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        p->i++;
    }
}

static int hex4(const char *s, uint32_t *v)
{
    uint32_t x = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *v = x;
    return 0;
}

/* A string at p->i (its opening quote). With `decode`, its value is
 * unescaped over its own text (never longer than the escaped form), NUL
 * terminated, and *out and *out_len give it; without, it is only checked. */
static int jp_string(struct jp *p, bool decode, const char **out, size_t *out_len)
{
    const size_t start = p->i + 1;
    size_t i = start, w = start;
    char *s = p->s;
    for (;;) {
        /* the plain run up to the next quote, backslash or control byte */
        size_t run = i;
        while (i < p->len) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x80) {
                /* three-byte characters from U+3000 on (all of CJK) are
                 * checked by their bytes, a run of them in a loop of its
                 * own; the rest go through the decoder */
                if (utf8_cjk3(s + i, p->len - i)) {
                    i += 3;
                    while (utf8_cjk3(s + i, p->len - i))
                        i += 3;
                    continue;
                }
                uint32_t cp;
                size_t n = utf8_decode(s + i, p->len - i, &cp);
                if (cp == 0xFFFD && n == 1)
                    return -1; /* not UTF-8 */
                i += n;
                continue;
            }
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            i++;
        }
        if (i >= p->len)
            return -1;
        if (decode && w != run)
            memmove(s + w, s + run, i - run);
        w += i - run;
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        /* an escape */
        if (i + 1 >= p->len)
            return -1;
        char e = s[i + 1], put = 0;
        switch (e) {
        case '"':
            put = '"';
            break;
        case '\\':
            put = '\\';
            break;
        case '/':
            put = '/';
            break;
        case 'b':
            put = '\b';
            break;
        case 'f':
            put = '\f';
            break;
        case 'n':
            put = '\n';
            break;
        case 'r':
            put = '\r';
            break;
        case 't':
            put = '\t';
            break;
        case 'u':
            break;
        default:
            return -1;
        }
        if (put) {
            if (decode)
                s[w] = put;
            w++;
            i += 2;
            continue;
        }
        uint32_t cp;
        if (i + 6 > p->len || hex4(s + i + 2, &cp))
            return -1;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate: its pair follows */
            uint32_t lo;
            if (i + 6 > p->len || s[i] != '\\' || s[i + 1] != 'u' || hex4(s + i + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return -1; /* a lone low surrogate */
        }
        if (cp == 0)
            return -1; /* a NUL would cut the string short */
        char enc[4];
        size_t n = utf8_encode(cp, enc);
        if (decode)
            memcpy(s + w, enc, n);
        w += n;
    }
    p->i = i + 1;
    if (decode) {
        s[w] = '\0'; /* w <= i: at most over the closing quote */
        *out = s + start;
        *out_len = w - start;
    }
    return 0;
}

/* Whether a real's text (RFC 8259's grammar, checked) is within the range
 * of a double: jansson refuses one that is not. */
static int real_fits(const char *text, size_t len)
{
    char small[64], *copy = len < sizeof small ? small : xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    /* strtod reads the locale's decimal point */
    const char *dp = localeconv()->decimal_point;
    char *dot = memchr(copy, '.', len);
    if (dot && dp && dp[0] && !dp[1])
        *dot = dp[0];
    errno = 0;
    double v = strtod(copy, NULL);
    int rc = (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE ? -1 : 0;
    if (copy != small)
        free(copy);
    return rc;
}

/* A number: RFC 8259's grammar. *is_int when it has no fraction or
 * exponent and fits in int64_t (*iv then holds it). */
static int jp_number(struct jp *p, bool *is_int, int64_t *iv)
{
    const size_t start = p->i;
    size_t i = start;
    const char *s = p->s;
    bool neg = false;
    if (i < p->len && s[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= p->len || s[i] < '0' || s[i] > '9')
        return -1;
    uint64_t mag = 0;
    bool overflow = false;
    if (s[i] == '0') {
        i++;
    } else {
        while (i < p->len && s[i] >= '0' && s[i] <= '9') {
            unsigned d = (unsigned)(s[i] - '0');
            if (mag > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                mag = mag * 10 + d;
            i++;
        }
    }
    bool frac = false;
    if (i < p->len && s[i] == '.') {
        frac = true;
        i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9')
            return -1;
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        frac = true;
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9')
            return -1;
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    p->i = i;
    *is_int = false;
    if (frac)
        return real_fits(s + start, i - start);
    /* jansson refuses an integer that does not fit; so do we */
    if (overflow || mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -1;
    *is_int = true;
    *iv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 0;
}

static int jp_literal(struct jp *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return -1;
    p->i += n;
    return 0;
}

static int jp_value(struct jp *p, int depth, struct jy_jval *v);

/* An object or array at p->i, checked and skipped. Given keys (the line's
 * own object), the member named keys[k] goes to out[k]: keys are unescaped
 * to be compared, and of a repeated member the last counts, as in jansson. */
static int jp_container(struct jp *p, int depth, const char *const *keys, size_t n_keys,
                        struct jy_jval *out)
{
    char close = p->s[p->i] == '{' ? '}' : ']';
    bool object = close == '}';
    p->i++;
    jp_ws(p);
    if (p->i < p->len && p->s[p->i] == close) {
        p->i++;
        return 0;
    }
    for (;;) {
        struct jy_jval *pick = NULL;
        if (object) {
            const char *key = NULL;
            size_t key_len = 0;
            if (p->i >= p->len || p->s[p->i] != '"' || jp_string(p, keys != NULL, &key, &key_len))
                return -1;
            for (size_t k = 0; keys && k < n_keys && !pick; k++) {
                if (strlen(keys[k]) == key_len && memcmp(keys[k], key, key_len) == 0)
                    pick = &out[k];
            }
            jp_ws(p);
            if (p->i >= p->len || p->s[p->i] != ':')
                return -1;
            p->i++;
            jp_ws(p);
        }
        if (jp_value(p, depth + 1, pick))
            return -1;
        jp_ws(p);
        if (p->i >= p->len)
            return -1;
        if (p->s[p->i] == ',') {
            p->i++;
            jp_ws(p);
            continue;
        }
        if (p->s[p->i] != close)
            return -1;
        p->i++;
        return 0;
    }
}

/* Any value at p->i; v (when not NULL) learns what it was. */
static int jp_value(struct jp *p, int depth, struct jy_jval *v)
{
    if (p->i >= p->len || depth >= JP_MAX_DEPTH)
        return -1;
    struct jy_jval tmp;
    if (!v)
        v = &tmp;
    size_t start = p->i;
    int rc;
    switch (p->s[p->i]) {
    case '"':
        v->type = JY_J_STRING;
        rc = jp_string(p, v != &tmp, &v->str, &v->len);
        break;
    case '{':
    case '[':
        v->type = p->s[p->i] == '{' ? JY_J_OBJECT : JY_J_ARRAY;
        rc = jp_container(p, depth, NULL, 0, NULL);
        break;
    case 't':
        v->type = JY_J_TRUE;
        rc = jp_literal(p, "true");
        break;
    case 'f':
        v->type = JY_J_FALSE;
        rc = jp_literal(p, "false");
        break;
    case 'n':
        v->type = JY_J_NULL;
        rc = jp_literal(p, "null");
        break;
    default: {
        bool is_int = false;
        rc = jp_number(p, &is_int, &v->i);
        v->type = is_int ? JY_J_INT : JY_J_REAL;
        break;
    }
    }
    v->raw = p->s + start;
    v->raw_len = p->i - start;
    return rc;
}

int jy_json_pick(char *text, size_t len, const char *const *keys, size_t n_keys,
                 struct jy_jval *out)
{
    for (size_t k = 0; k < n_keys; k++)
        out[k] = (struct jy_jval){.type = JY_J_ABSENT};
    struct jp p = {text, len, 0};
    jp_ws(&p);
    if (p.i >= p.len || text[p.i] != '{' || jp_container(&p, 0, keys, n_keys, out))
        return -1;
    jp_ws(&p);
    return p.i == p.len ? 0 : -1;
}
