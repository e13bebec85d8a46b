/* detect.c: the entry point. parse_feed converts the body to UTF-8, looks
 * at its first significant character to choose between the XML family and
 * JSON Feed (the Content-Type header lies too often to be trusted for this),
 * and hands over to xml.c or json.c. Also the small base64 decoder that Atom
 * needs. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "parse_internal.h"

int parse_feed(const char *body, size_t len, const struct parse_opts *opts, struct feed *out,
               struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    struct parse_opts none = {0};
    if (!opts)
        opts = &none;
    struct parse_limits lim = {
        .max_field = opts->max_field ? opts->max_field : PARSE_DEFAULT_MAX_FIELD,
        .max_items = opts->max_items ? opts->max_items : PARSE_DEFAULT_MAX_ITEMS,
    };
    if (!body || len == 0)
        return jy_error_set(err, JY_EPARSE, "not a feed: the document is empty");
    size_t ulen;
    const char *charset;
    char *conv = parse_to_utf8(body, len, opts->content_type, opts->encoding, &ulen, &charset);
    /* Terminal escape sequences must go before the XML parser sees them:
     * it would drop a raw ESC as an invalid character and leave "[2J" in
     * the text, where nothing could recognise it any more. Control
     * characters are not allowed in XML or raw in JSON strings anyway. */
    char *utf8 = utf8_sanitize(conv, ulen, UTF8_KEEP_NEWLINES | UTF8_KEEP_TABS);
    free(conv);
    ulen = strlen(utf8);
    size_t i = 0;
    while (i < ulen && isspace((unsigned char)utf8[i]))
        i++;
    int rc;
    if (i == ulen) {
        rc = jy_error_set(err, JY_EPARSE, "not a feed: the document is blank");
    } else if (utf8[i] == '<') {
        xmlInitParser();
        rc = parse_xml_feed(utf8 + i, ulen - i, &lim, out, err);
    } else if (utf8[i] == '{') {
        rc = parse_json_feed(utf8 + i, ulen - i, &lim, out, err);
    } else {
        char start[24];
        size_t n = 0;
        while (n < 16 && i + n < ulen && utf8[i + n] != '\n' && utf8[i + n] != '\r')
            n++;
        /* The sample is for a log line: keep it printable. */
        char *clean = utf8_sanitize(utf8 + i, n, 0);
        snprintf(start, sizeof start, "%.16s", clean);
        free(clean);
        rc = jy_error_set(err, JY_EPARSE, "not a feed: neither XML nor JSON (starts with \"%s\")",
                          start);
    }
    free(utf8);
    if (rc) {
        feed_free(out);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->charset = charset;
    return 0;
}

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

char *parse_base64_decode(const char *s, size_t len, size_t *out_len)
{
    char *out = xmalloc(len / 4 * 3 + 4);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || pad) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (pad > 2) {
        free(out);
        return NULL;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}
