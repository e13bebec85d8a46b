/* charset.c: choosing a document's character set and converting it to UTF-8.
 *
 * Chinese sites still serve GBK and Big5, often with a wrong or missing
 * declaration, so the choice follows a fixed order (override, BOM, HTTP
 * header, in-document declaration, "is it valid UTF-8", GB18030) and the
 * conversion never fails: bytes that do not decode become U+FFFD. Only names
 * from a known table are accepted so that charset_used can stay static. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_internal.h"

struct charset_alias {
    const char *name;  /* as seen in headers and declarations, lower case */
    const char *canon; /* name for iconv and for charset_used */
};

static const struct charset_alias charset_aliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"us-ascii", "UTF-8"},
    {"ascii", "UTF-8"},
    {"gb18030", "GB18030"},
    {"gbk", "GB18030"},
    {"gb2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"cp936", "GB18030"},
    {"x-gbk", "GB18030"},
    {"euc-cn", "GB18030"},
    {"windows-936", "GB18030"},
    {"big5", "BIG5"},
    {"x-big5", "BIG5"},
    {"cp950", "BIG5"},
    {"big5-hkscs", "BIG5-HKSCS"},
    /* as browsers do: 0x80..0x9F in "Latin-1" feeds are cp1252's quotes
     * and dashes, never C1 controls */
    {"iso-8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"iso8859-1", "WINDOWS-1252"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"utf-16", "UTF-16"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"utf-32", "UTF-32"},
    {"utf-32le", "UTF-32LE"},
    {"utf-32be", "UTF-32BE"},
    {"cp037", "IBM037"},
    {"ibm037", "IBM037"},
    {"ebcdic-cp-us", "IBM037"},
    {"shift_jis", "SHIFT_JIS"},
    {"euc-jp", "EUC-JP"},
    {"euc-kr", "EUC-KR"},
    {"koi8-r", "KOI8-R"},
    {"windows-1251", "WINDOWS-1251"},
};

/* The canonical name for a charset label of n bytes, or NULL if unknown. */
static const char *charset_canon(const char *label, size_t n)
{
    while (n > 0 && (*label == ' ' || *label == '"' || *label == '\'')) {
        label++;
        n--;
    }
    while (n > 0 && (label[n - 1] == ' ' || label[n - 1] == '"' || label[n - 1] == '\''))
        n--;
    for (size_t i = 0; i < sizeof charset_aliases / sizeof charset_aliases[0]; i++) {
        if (strlen(charset_aliases[i].name) == n &&
            strncasecmp(charset_aliases[i].name, label, n) == 0)
            return charset_aliases[i].canon;
    }
    return NULL;
}

/* The charset parameter of a Content-Type value, canonical, or NULL. */
static const char *charset_from_content_type(const char *ct)
{
    if (!ct)
        return NULL;
    for (const char *p = ct; *p; p++) {
        if (strncasecmp(p, "charset", 7) != 0)
            continue;
        const char *q = p + 7;
        while (*q == ' ')
            q++;
        if (*q != '=')
            continue;
        q++;
        size_t n = strcspn(q, ";, \t");
        if (*q == '"') {
            q++;
            n = strcspn(q, "\"");
        }
        return charset_canon(q, n);
    }
    return NULL;
}

/* Finds the value after `key` (e.g. "encoding") followed by = and a quoted
 * or bare value, within the first len bytes of s. */
static const char *charset_attr_value(const char *s, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl < len; i++) {
        if (strncasecmp(s + i, key, kl) != 0)
            continue;
        size_t j = i + kl;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= len || s[j] != '=')
            continue;
        j++;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        char quote = 0;
        if (j < len && (s[j] == '"' || s[j] == '\''))
            quote = s[j++];
        size_t k = j;
        while (k < len && s[k] != quote && s[k] != '>' && s[k] != ';' && s[k] != ' ' &&
               s[k] != '/' && s[k] != '?' && (quote || (s[k] != '"' && s[k] != '\'')))
            k++;
        const char *c = charset_canon(s + j, k - j);
        if (c)
            return c;
    }
    return NULL;
}

/* The encoding named by an XML declaration or an HTML meta tag near the
 * start of the document. */
static const char *charset_from_document(const char *body, size_t len)
{
    size_t lim = len < 2048 ? len : 2048;
    if (lim >= 5 && memcmp(body, "<?xml", 5) == 0) {
        const char *end = memchr(body, '>', lim);
        size_t n = end ? (size_t)(end - body) : lim;
        const char *c = charset_attr_value(body, n, "encoding");
        if (c)
            return c;
    }
    /* <meta charset="gbk"> or <meta http-equiv=... content="text/html; charset=gbk"> */
    for (size_t i = 0; i + 5 < lim; i++) {
        if (strncasecmp(body + i, "<meta", 5) != 0)
            continue;
        const char *end = memchr(body + i, '>', lim - i);
        size_t n = end ? (size_t)(end - (body + i)) : lim - i;
        const char *c = charset_attr_value(body + i, n, "charset");
        if (c)
            return c;
    }
    return NULL;
}

static void charset_put_replacement(struct jy_buf *b)
{
    jy_buf_append(b, "\xEF\xBF\xBD", 3);
}

/* Whether the eight bytes at s are all ASCII and none is NUL. */
static inline bool ascii8_nonzero(const char *s)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t w;
    memcpy(&w, s, 8);
    return ((w | ((w - ones) & ~w)) & high) == 0; /* a high bit, or a zero byte */
}

/* Copies UTF-8 input, replacing every invalid byte with U+FFFD. NUL bytes are
 * dropped: no text format we read may contain them. */
static char *charset_utf8_clean(const char *s, size_t len, size_t *out_len)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_reserve(&b, len); /* nearly always what comes out */
    jy_buf_append(&b, "", 0);
    size_t i = 0;
    while (i < len) {
        size_t run = 0;
        while (i + run < len && s[i + run] != '\0') {
            if ((unsigned char)s[i + run] < 0x80) {
                /* markup and Latin text: eight bytes at a time */
                run++;
                while (i + run + 8 <= len && ascii8_nonzero(s + i + run))
                    run += 8;
                continue;
            }
            if (utf8_cjk3(s + i + run, len - i - run)) { /* Chinese text: a run of them */
                run += 3;
                while (utf8_cjk3(s + i + run, len - i - run))
                    run += 3;
                continue;
            }
            uint32_t rcp;
            size_t rn = utf8_decode(s + i + run, len - i - run, &rcp);
            if (rcp == 0xFFFD && rn == 1)
                break;
            run += rn;
        }
        if (run) {
            jy_buf_append(&b, s + i, run);
            i += run;
            continue;
        }
        if (s[i] == '\0') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1)
            charset_put_replacement(&b);
        else
            jy_buf_append(&b, s + i, n);
        i += n;
    }
    *out_len = b.len;
    return jy_buf_steal(&b);
}

/* Converts with iconv; undecodable bytes become U+FFFD and are skipped one
 * at a time. Returns NULL when iconv does not know the charset. */
static char *charset_iconv(const char *s, size_t len, const char *from, size_t *out_len,
                           size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1)
        return NULL;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_append(&b, "", 0);
    char chunk[4096];
    char *in = (char *)s;
    size_t inleft = len;
    while (inleft > 0) {
        char *o = chunk;
        size_t oleft = sizeof chunk;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        int e = errno;
        jy_buf_append(&b, chunk, sizeof chunk - oleft);
        if (r != (size_t)-1)
            break;
        if (e == E2BIG)
            continue;
        /* EILSEQ or EINVAL (truncated at the end): one replacement char per
         * bad byte keeps the rest of the text aligned. */
        charset_put_replacement(&b);
        (*bad)++;
        in++;
        inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    /* iconv may pass NULs through; drop them and re-validate. */
    char *clean = charset_utf8_clean(b.data, b.len, out_len);
    jy_buf_free(&b);
    return clean;
}

/* How much of s looks like UTF-8: *multi gets the well-formed sequences
 * of two bytes or more, *bad the bytes that fit no sequence. */
static void charset_utf8_census(const char *s, size_t len, size_t *multi, size_t *bad)
{
    *multi = *bad = 0;
    for (size_t i = 0; i < len;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1)
            (*bad)++;
        else
            (*multi)++;
        i += n;
    }
}

char *parse_to_utf8(const char *body, size_t len, const char *content_type, const char *override,
                    size_t *out_len, const char **charset_used)
{
    return parse_to_utf8_sanitized(body, len, content_type, override, out_len, charset_used, NULL,
                                   NULL);
}

/* The encoding family that the first bytes of an XML document show when it
 * has no byte order mark (XML 1.0 Appendix F): a document starts with '<',
 * and in UTF-16 or UTF-32 that character has NUL bytes beside it, in EBCDIC
 * it is 0x4C. NULL when the bytes are ASCII-compatible. */
static const char *charset_sniff_xml(const unsigned char *b, size_t len)
{
    if (len < 4)
        return NULL;
    if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == '<')
        return "UTF-32BE";
    if (b[0] == '<' && b[1] == 0 && b[2] == 0 && b[3] == 0)
        return "UTF-32LE";
    if (b[0] == 0 && b[1] == '<' && b[2] == 0 && b[3] != 0)
        return "UTF-16BE";
    if (b[0] == '<' && b[1] == 0 && b[2] != 0 && b[3] == 0)
        return "UTF-16LE";
    if (b[0] == 0x4C && b[1] == 0x6F && b[2] == 0xA7 && b[3] == 0x94) /* "<?xm" */
        return "IBM037";
    return NULL;
}

char *parse_to_utf8_sanitized(const char *body, size_t len, const char *content_type,
                              const char *override, size_t *out_len, const char **charset_used,
                              bool *sanitized, struct charset_note *note)
{
    struct charset_note none;
    if (!note)
        note = &none;
    memset(note, 0, sizeof *note);
    if (sanitized)
        *sanitized = false;
    size_t dummy;
    if (!out_len)
        out_len = &dummy;
    if (!body)
        len = 0;
    const char *cs = NULL;
    if (override && *override)
        cs = charset_canon(override, strlen(override));
    if (!cs && len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        len -= 3;
        cs = "UTF-8";
    } else if (!cs && len >= 4 && memcmp(body, "\x00\x00\xFE\xFF", 4) == 0) {
        body += 4;
        len -= 4;
        cs = "UTF-32BE";
    } else if (!cs && len >= 4 && memcmp(body, "\xFF\xFE\x00\x00", 4) == 0) {
        body += 4;
        len -= 4;
        cs = "UTF-32LE";
    } else if (!cs && len >= 2 && memcmp(body, "\xFF\xFE", 2) == 0) {
        body += 2;
        len -= 2;
        cs = "UTF-16LE";
    } else if (!cs && len >= 2 && memcmp(body, "\xFE\xFF", 2) == 0) {
        body += 2;
        len -= 2;
        cs = "UTF-16BE";
    } else if (cs && len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 && strcmp(cs, "UTF-8") == 0) {
        body += 3;
        len -= 3;
    }
    if (!cs)
        cs = charset_sniff_xml((const unsigned char *)body, len);
    if (!cs)
        cs = note->declared = charset_from_content_type(content_type);
    if (!cs && len > 0)
        cs = note->declared = charset_from_document(body, len);
    char *out = NULL;
    if (!cs) {
        cs = utf8_valid(body, len) ? "UTF-8" : "GB18030";
    } else if (note->declared && strcmp(cs, "UTF-8") == 0 && !utf8_valid(body, len)) {
        /* Declared UTF-8, and it is not. Chinese sites that moved CMS often
         * keep the old GBK bytes under the new declaration: when the bytes
         * look more like something else than like damaged UTF-8, GB18030 is
         * tried, and kept if it decodes more of them. */
        size_t multi, bad;
        charset_utf8_census(body, len, &multi, &bad);
        note->bad = bad;
        if (bad > multi) {
            size_t gb_bad = 0, gb_len;
            char *gb = charset_iconv(body, len, "GB18030", &gb_len, &gb_bad);
            if (gb && gb_bad < bad) {
                out = gb;
                *out_len = gb_len;
                cs = "GB18030";
                note->fell_back = true;
                note->bad = gb_bad;
            } else {
                free(gb);
            }
        }
    }

    if (!out && strcmp(cs, "UTF-8") != 0)
        out = charset_iconv(body, len, cs, out_len, &note->bad);
    if (!out) {
        cs = "UTF-8";
        if (sanitized && body &&
            utf8_is_sanitized(body, len, UTF8_KEEP_NEWLINES | UTF8_KEEP_TABS)) {
            /* valid, no NUL: what cleaning and sanitising would give back */
            out = xmalloc(len + 1);
            memcpy(out, body, len);
            out[len] = '\0';
            *out_len = len;
            *sanitized = true;
        } else {
            out = charset_utf8_clean(body ? body : "", len, out_len);
        }
    }
    if (charset_used)
        *charset_used = cs;
    return out;
}
