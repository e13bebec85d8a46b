/* html.c: reducing feed HTML to the plain text an operator reads.
 *
 * This is not an HTML parser: feed bodies are fragments, often broken, and
 * all we need is their words. A single pass drops tags and comments, drops
 * the contents of script and style, turns block boundaries into line breaks,
 * decodes character references and folds whitespace. Whatever is left goes
 * through utf8_sanitize so that no escape sequence reaches the screen. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse_internal.h"

struct html_entity {
    const char *name;
    uint32_t cp;
};

/* The named references that occur in Chinese and Western news feeds; the
 * rest of HTML's 2,000 names are rare enough to be left as written. */
static const struct html_entity html_entities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122},  {"mdash", 0x2014},  {"ndash", 0x2013},  {"hellip", 0x2026},
    {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"bdquo", 0x201E},  {"laquo", 0xAB},    {"raquo", 0xBB},
    {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"middot", 0xB7},   {"times", 0xD7},
    {"divide", 0xF7},   {"bull", 0x2022},   {"deg", 0xB0},      {"plusmn", 0xB1},
    {"sect", 0xA7},     {"para", 0xB6},     {"cent", 0xA2},     {"pound", 0xA3},
    {"yen", 0xA5},      {"euro", 0x20AC},   {"iexcl", 0xA1},    {"iquest", 0xBF},
    {"ensp", 0x2002},   {"emsp", 0x2003},   {"thinsp", 0x2009}, {"zwnj", 0x200C},
    {"zwj", 0x200D},    {"shy", 0xAD},      {"prime", 0x2032},  {"Prime", 0x2033},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"larr", 0x2190},
    {"uarr", 0x2191},   {"rarr", 0x2192},   {"darr", 0x2193},   {"harr", 0x2194},
    {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},   {"sup2", 0xB2},
    {"sup3", 0xB3},     {"micro", 0xB5},    {"ordf", 0xAA},     {"ordm", 0xBA},
    {"not", 0xAC},      {"macr", 0xAF},     {"acute", 0xB4},    {"cedil", 0xB8},
    {"uml", 0xA8},      {"curren", 0xA4},   {"brvbar", 0xA6},   {"sup1", 0xB9},
    {"Agrave", 0xC0},   {"Aacute", 0xC1},   {"Acirc", 0xC2},    {"Atilde", 0xC3},
    {"Auml", 0xC4},     {"Aring", 0xC5},    {"AElig", 0xC6},    {"Ccedil", 0xC7},
    {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},    {"Euml", 0xCB},
    {"Igrave", 0xCC},   {"Iacute", 0xCD},   {"Icirc", 0xCE},    {"Iuml", 0xCF},
    {"ETH", 0xD0},      {"Ntilde", 0xD1},   {"Ograve", 0xD2},   {"Oacute", 0xD3},
    {"Ocirc", 0xD4},    {"Otilde", 0xD5},   {"Ouml", 0xD6},     {"Oslash", 0xD8},
    {"Ugrave", 0xD9},   {"Uacute", 0xDA},   {"Ucirc", 0xDB},    {"Uuml", 0xDC},
    {"Yacute", 0xDD},   {"THORN", 0xDE},    {"szlig", 0xDF},    {"agrave", 0xE0},
    {"aacute", 0xE1},   {"acirc", 0xE2},    {"atilde", 0xE3},   {"auml", 0xE4},
    {"aring", 0xE5},    {"aelig", 0xE6},    {"ccedil", 0xE7},   {"egrave", 0xE8},
    {"eacute", 0xE9},   {"ecirc", 0xEA},    {"euml", 0xEB},     {"igrave", 0xEC},
    {"iacute", 0xED},   {"icirc", 0xEE},    {"iuml", 0xEF},     {"eth", 0xF0},
    {"ntilde", 0xF1},   {"ograve", 0xF2},   {"oacute", 0xF3},   {"ocirc", 0xF4},
    {"otilde", 0xF5},   {"ouml", 0xF6},     {"oslash", 0xF8},   {"ugrave", 0xF9},
    {"uacute", 0xFA},   {"ucirc", 0xFB},    {"uuml", 0xFC},     {"yacute", 0xFD},
    {"thorn", 0xFE},    {"yuml", 0xFF},     {"OElig", 0x152},   {"oelig", 0x153},
    {"Scaron", 0x160},  {"scaron", 0x161},  {"Yuml", 0x178},    {"fnof", 0x192},
    {"circ", 0x2C6},    {"tilde", 0x2DC},   {"alpha", 0x3B1},   {"beta", 0x3B2},
    {"gamma", 0x3B3},   {"delta", 0x3B4},   {"pi", 0x3C0},      {"mu", 0x3BC},
    {"Omega", 0x3A9},   {"infin", 0x221E},  {"ne", 0x2260},     {"le", 0x2264},
    {"ge", 0x2265},     {"minus", 0x2212},  {"asymp", 0x2248},  {"hearts", 0x2665},
    {"spades", 0x2660}, {"clubs", 0x2663},  {"diams", 0x2666},  {"loz", 0x25CA},
};

/* Tags whose boundaries are line breaks in the text. */
static const char *const html_block_tags[] = {
    "p",          "div",     "li",     "h1",    "h2",    "h3",         "h4",     "h5",
    "h6",         "tr",      "ul",     "ol",    "table", "blockquote", "pre",    "section",
    "article",    "header",  "footer", "hr",    "dd",    "dt",         "dl",     "figure",
    "figcaption", "address", "nav",    "aside", "main",  "title",      "center", "form",
};

/* Decodes a character reference at s (which starts with '&'); returns the
 * bytes consumed, 0 when it is not one (the '&' is then literal). */
static size_t html_entity_decode(const char *s, size_t len, uint32_t *cp)
{
    if (len < 3)
        return 0;
    if (s[1] == '#') {
        size_t i = 2;
        uint32_t v = 0;
        bool hex = i < len && (s[i] == 'x' || s[i] == 'X');
        if (hex)
            i++;
        size_t start = i;
        while (i < len && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))) {
            if (v < 0x110000) {
                int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
                                                     : tolower((unsigned char)s[i]) - 'a' + 10;
                v = v * (hex ? 16 : 10) + (uint32_t)d;
            }
            i++;
        }
        if (i == start)
            return 0;
        if (i < len && s[i] == ';')
            i++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        *cp = v;
        return i;
    }
    size_t i = 1;
    while (i < len && i < 12 && isalnum((unsigned char)s[i]))
        i++;
    size_t n = i - 1;
    if (n == 0)
        return 0;
    bool semi = i < len && s[i] == ';';
    for (size_t k = 0; k < sizeof html_entities / sizeof html_entities[0]; k++) {
        if (strlen(html_entities[k].name) == n && memcmp(html_entities[k].name, s + 1, n) == 0) {
            /* Without the ';' only the old core five are trusted, as
             * browsers do: "&copy2024" style text is too rare to guess. */
            if (!semi && k >= 6)
                return 0;
            *cp = html_entities[k].cp;
            return i + (semi ? 1 : 0);
        }
    }
    return 0;
}

struct html_out {
    struct jy_buf b;
    bool keep_newlines;
    bool pending_space;
    int pending_nl;
    bool dirty; /* b may hold what utf8_sanitize removes (html_done) */
};

static void html_emit(struct html_out *o, const char *p, size_t n)
{
    if (o->b.len > 0) {
        if (o->pending_nl && o->keep_newlines) {
            for (int i = 0; i < o->pending_nl; i++)
                jy_buf_putc(&o->b, '\n');
        } else if (o->pending_nl || o->pending_space) {
            jy_buf_putc(&o->b, ' ');
        }
    }
    o->pending_nl = 0;
    o->pending_space = false;
    jy_buf_append(&o->b, p, n);
}

static void html_emit_cp(struct html_out *o, uint32_t cp)
{
    if (cp == 0xA0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000) {
        o->pending_space = true;
        return;
    }
    if (cp == 0xAD || cp == 0x200B)
        return;
    if (parse_cp_hidden(cp)) /* a control parse_feed hid: back, to be sanitised */
        cp -= PARSE_HIDDEN_C0;
    if (!utf8_plain_cp(cp) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        o->dirty = true;
    char enc[4];
    html_emit(o, enc, utf8_encode(cp, enc));
}

/* The text made: what would pass utf8_sanitize unchanged is taken as it is
 * (runs of plain characters, spaces, newlines only where kept, and decoded
 * characters that are plain); anything else goes through it. */
static char *html_done(struct html_out *o)
{
    if (!o->dirty) {
        /* the working buffer, given back at its size when it holds
         * kilobytes more than its text (it doubles as it grows): parsed
         * items wait in the lane */
        size_t len = o->b.len, cap = o->b.cap;
        char *out = jy_buf_steal(&o->b);
        return cap > 2 * len + 4096 ? xrealloc(out, len + 1) : out;
    }
    char *out = parse_sanitize(o->b.data, o->b.len, o->keep_newlines ? UTF8_KEEP_NEWLINES : 0);
    jy_buf_free(&o->b);
    return out;
}

/* Length of the run at s of characters that html_emit_cp would copy as they
 * are (no markup, entity, space or character it drops or replaces), so that
 * ordinary text is copied in one piece rather than a character at a time. */
static size_t html_plain_run(const char *s, size_t len, bool markup)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c <= ' ' || c == 0x7F || (markup && (c == '<' || c == '&')))
                break;
            i++;
            continue;
        }
        /* three-byte characters after U+3000 (CJK: most of a Chinese post)
         * are all copied as they are */
        if (utf8_cjk3(s + i, len - i) && memcmp(s + i, "\xe3\x80\x80", 3) != 0) {
            i += 3;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if ((cp == 0xFFFD && n == 1) || cp == 0xA0 || cp == 0x3000 || cp == 0xAD || cp == 0x200B ||
            cp < 0xA0 || !utf8_plain_cp(cp) || parse_cp_hidden(cp))
            break;
        i += n;
    }
    return i;
}

static void html_break(struct html_out *o, int n)
{
    if (o->b.len == 0)
        return;
    if (n == 0) {
        if (o->pending_nl < 1)
            o->pending_nl = 1;
    } else {
        o->pending_nl += n;
        if (o->pending_nl > 2)
            o->pending_nl = 2;
    }
}

/* Case-insensitive search for needle in s[0..len). */
static const char *html_find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(s + i, needle, n) == 0)
            return s + i;
    }
    return NULL;
}

/* Handles the markup at s (starting with '<'); returns bytes consumed, or 0
 * when the '<' is literal text. */
static size_t html_markup(struct html_out *o, const char *s, size_t len)
{
    if (len >= 4 && memcmp(s, "<!--", 4) == 0) {
        const char *e = html_find_ci(s + 4, len - 4, "-->");
        return e ? (size_t)(e - s) + 3 : len;
    }
    if (len >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
        const char *e = html_find_ci(s + 9, len - 9, "]]>");
        size_t end = e ? (size_t)(e - s) : len;
        for (size_t i = 9; i < end;) {
            uint32_t cp;
            size_t n = utf8_decode(s + i, end - i, &cp);
            html_emit_cp(o, cp);
            i += n;
        }
        return e ? end + 3 : len;
    }
    if (len >= 2 && (s[1] == '!' || s[1] == '?')) {
        const char *e = memchr(s, '>', len);
        return e ? (size_t)(e - s) + 1 : len;
    }
    size_t i = 1;
    bool closing = false;
    if (i < len && s[i] == '/') {
        closing = true;
        i++;
    }
    if (i >= len || !isalpha((unsigned char)s[i]))
        return 0;
    size_t ns = i;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == ':' || s[i] == '-'))
        i++;
    size_t nl = i - ns;
    const char *name = s + ns;
    /* Skip attributes, honouring quotes so that "a>b" in a value does not
     * end the tag. */
    char quote = 0;
    while (i < len) {
        char c = s[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            break;
        }
        i++;
    }
    size_t end = i < len ? i + 1 : len;
    /* Namespaced XHTML ("xhtml:p") counts as its local name. */
    const char *colon = memchr(name, ':', nl);
    if (colon) {
        nl -= (size_t)(colon + 1 - name);
        name = colon + 1;
    }
    if (!closing && ((nl == 6 && strncasecmp(name, "script", 6) == 0) ||
                     (nl == 5 && strncasecmp(name, "style", 5) == 0))) {
        char close[10];
        snprintf(close, sizeof close, "</%.*s", (int)nl, name);
        const char *e = html_find_ci(s + end, len - end, close);
        if (!e)
            return len;
        const char *gt = memchr(e, '>', len - (size_t)(e - s));
        return gt ? (size_t)(gt - s) + 1 : len;
    }
    if (nl == 2 && strncasecmp(name, "br", 2) == 0) {
        html_break(o, 1);
        return end;
    }
    for (size_t k = 0; k < sizeof html_block_tags / sizeof html_block_tags[0]; k++) {
        if (strlen(html_block_tags[k]) == nl && strncasecmp(html_block_tags[k], name, nl) == 0) {
            html_break(o, 0);
            return end;
        }
    }
    /* Inline tags: table cells and images separate words. */
    if ((nl == 2 && (strncasecmp(name, "td", 2) == 0 || strncasecmp(name, "th", 2) == 0)) ||
        (nl == 3 && strncasecmp(name, "img", 3) == 0))
        o->pending_space = true;
    return end;
}

char *html_to_text(const char *html, size_t len, bool keep_newlines)
{
    struct html_out o = {.keep_newlines = keep_newlines};
    jy_buf_init(&o.b, 0);
    jy_buf_append(&o.b, "", 0);
    if (!html)
        len = 0;
    size_t i = 0;
    while (i < len) {
        size_t run = html_plain_run(html + i, len - i, true);
        if (run > 0) {
            html_emit(&o, html + i, run);
            i += run;
            continue;
        }
        char c = html[i];
        if (c == '<') {
            size_t n = html_markup(&o, html + i, len - i);
            if (n > 0) {
                i += n;
                continue;
            }
        } else if (c == '&') {
            uint32_t cp;
            size_t n = html_entity_decode(html + i, len - i, &cp);
            if (n > 0) {
                html_emit_cp(&o, cp);
                i += n;
                continue;
            }
        }
        uint32_t cp;
        size_t n = utf8_decode(html + i, len - i, &cp);
        html_emit_cp(&o, cp);
        i += n;
    }
    return html_done(&o);
}

char *parse_plain_text(const char *s, size_t len, bool keep_newlines)
{
    struct html_out o = {.keep_newlines = keep_newlines};
    jy_buf_init(&o.b, 0);
    jy_buf_append(&o.b, "", 0);
    size_t i = 0;
    while (s && i < len) {
        size_t run = html_plain_run(s + i, len - i, false);
        if (run > 0) {
            html_emit(&o, s + i, run);
            i += run;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == '\n') {
            html_break(&o, 1);
        } else if (cp == '\r') {
            if (i + 1 < len && s[i + 1] == '\n')
                n++;
            html_break(&o, 1);
        } else {
            html_emit_cp(&o, cp);
        }
        i += n;
    }
    return html_done(&o);
}
