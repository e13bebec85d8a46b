/* detect.c: the entry point. parse_feed converts the body to UTF-8, looks
 * at its first significant character to choose between the XML family and
 * JSON Feed (the Content-Type header lies too often to be trusted for this),
 * and hands over to xml.c or json.c. Also the small base64 decoder that Atom
 * needs. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "parse_internal.h"

static int cmp_guid_index(const void *a, const void *b, void *items)
{
    const struct feed_item *v = items;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(v[i].guid, v[j].guid);
    return c ? c : (i > j) - (i < j);
}

static uint64_t item_text_hash(const struct feed_item *it)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_printf(&b, "%s\n%s", it->title, it->content);
    uint64_t h = jy_hash64(b.data, b.len);
    jy_buf_free(&b);
    return h;
}

/* Two items of one document with the same guid (often the same link used as
 * guid: search pages, API mappings) would be stored as one, silently. The
 * later ones get the hash of what they say appended, so distinct items are
 * kept and identical ones still collapse. Feeds with unique guids are left
 * alone, so refetching keeps every guid stable. */
static void feed_guids_disambiguate(struct feed *f)
{
    if (f->n_items < 2)
        return;
    size_t *order = xmalloc(f->n_items * sizeof *order);
    for (size_t i = 0; i < f->n_items; i++)
        order[i] = i;
    qsort_r(order, f->n_items, sizeof *order, cmp_guid_index, f->items);
    size_t first = order[0]; /* the first of a run of equal guids keeps its guid */
    for (size_t k = 1; k < f->n_items; k++) {
        struct feed_item *it = &f->items[order[k]];
        if (strcmp(f->items[first].guid, it->guid) != 0) {
            first = order[k];
            continue;
        }
        uint64_t h = item_text_hash(it);
        if (strncmp(it->guid, "sha:", 4) == 0 || h == item_text_hash(&f->items[first]))
            continue; /* the same item twice: let the store keep one */
        char *g = xasprintf("%s#%016" PRIx64, it->guid, h);
        free(it->guid);
        it->guid = g;
    }
    free(order);
}

int parse_feed(const char *body, size_t len, const struct parse_opts *opts, struct feed *out,
               struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    struct parse_opts none = {0};
    if (!opts)
        opts = &none;
    size_t n_found = 0;
    struct parse_limits lim = {
        .max_field = opts->max_field ? opts->max_field : PARSE_DEFAULT_MAX_FIELD,
        .max_items = opts->max_items ? opts->max_items : PARSE_DEFAULT_MAX_ITEMS,
        .max_memory = opts->max_memory,
        .base_url = opts->base_url,
        .n_found = &n_found,
    };
    /* the parser's own context and dictionary cost some 100 KiB whatever
     * the document */
    if (lim.max_memory && lim.max_memory < PARSE_MIN_MEMORY)
        lim.max_memory = PARSE_MIN_MEMORY;
    parse_init();
    if (!body || len == 0)
        return jy_error_set(err, JY_EPARSE, "not a feed: the document is empty");
    size_t ulen;
    const char *charset;
    bool clean = false;
    struct charset_note note;
    char *conv = parse_to_utf8_sanitized(body, len, opts->content_type, opts->encoding, &ulen,
                                         &charset, &clean, &note);
    /* Parse first, sanitise each field after: sanitising the document
     * would let one unterminated escape sequence in a title swallow the
     * markup of the items after it. The raw controls the parsers cannot
     * take are hidden until the fields are made (parse_controls_hide). */
    char *utf8 = conv;
    if (!clean) {
        utf8 = parse_controls_hide(conv, ulen, &ulen);
        free(conv);
    }
    size_t i = 0;
    while (i < ulen && isspace((unsigned char)utf8[i]))
        i++;
    int rc;
    if (i == ulen) {
        rc = jy_error_set(err, JY_EPARSE, "not a feed: the document is blank");
    } else if (utf8[i] == '<') {
        rc = parse_xml_feed(utf8 + i, ulen - i, &lim, out, err);
    } else if (utf8[i] == '{') {
        rc = parse_json_feed(utf8 + i, ulen - i, &lim, out, err);
    } else {
        char start[24];
        size_t n = 0;
        while (n < 16 && i + n < ulen && utf8[i + n] != '\n' && utf8[i + n] != '\r')
            n++;
        /* The sample is for a log line: keep it printable. */
        char *clean = parse_sanitize(utf8 + i, n, 0);
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
    /* What was guessed or lost, for the source's warning: these losses
     * used to be silent. */
    if (note.fell_back)
        parse_feed_warn(out, "declared %s, but the bytes are not UTF-8: decoded as GB18030",
                        note.declared);
    if (note.bad)
        parse_feed_warn(out, "%zu byte%s could not be decoded as %s and became U+FFFD", note.bad,
                        note.bad == 1 ? "" : "s", charset);
    if (n_found > out->n_items)
        parse_feed_warn(out,
                        "the document has %zu items; only the first %zu were taken (max_items)",
                        n_found, out->n_items);
    if (out->link) { /* taken as written: sanitised here like an item's */
        char *l = parse_text_clip(out->link, lim.max_field, false);
        free(out->link);
        out->link = l;
    }
    feed_guids_disambiguate(out);
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
