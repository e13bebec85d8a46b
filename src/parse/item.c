/* item.c: what every item goes through whatever its format: the caps on
 * field size, the guid fallback, freeing, the `jingyu inspect` JSON line, and
 * the JSON-lines item format of file drops and the demo replay. */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"

void feed_item_clear(struct feed_item *it)
{
    if (!it)
        return;
    jy_free(&it->guid);
    jy_free(&it->link);
    jy_free(&it->title);
    jy_free(&it->author);
    jy_free(&it->content);
    it->published = 0;
    it->has_date = false;
}

void feed_free(struct feed *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_items; i++)
        feed_item_clear(&f->items[i]);
    jy_free(&f->items);
    jy_free(&f->title);
    jy_free(&f->link);
    jy_free(&f->warning);
    f->n_items = 0;
    f->format = NULL;
    f->charset = NULL;
}

void parse_feed_warn(struct feed *f, const char *fmt, ...)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    if (f->warning)
        jy_buf_printf(&b, "%s; ", f->warning);
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    jy_buf_puts(&b, s ? s : "");
    free(s);
    free(f->warning);
    f->warning = jy_buf_steal(&b);
}

struct feed_item *parse_feed_item_add(struct feed *f)
{
    /* Grow by doubling: n_items is a power of two exactly when full. */
    size_t n = f->n_items;
    if (n == 0 || (n & (n - 1)) == 0)
        f->items = xrealloc(f->items, (n ? n * 2 : 4) * sizeof *f->items);
    memset(&f->items[n], 0, sizeof f->items[n]);
    f->n_items = n + 1;
    return &f->items[n];
}

char *parse_strtrim(const char *s)
{
    if (!s)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? xstrndup(s, n) : NULL;
}

/* How much of s (n bytes) is kept under max: cut at the start of the code
 * point max falls in. */
static size_t clip_len(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

char *parse_text_clip(const char *s, size_t max, bool keep_newlines)
{
    size_t n = clip_len(s, strlen(s), max);
    return parse_sanitize(s, n, keep_newlines ? UTF8_KEEP_NEWLINES : 0);
}

char *parse_controls_hide(const char *s, size_t len, size_t *out_len)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_reserve(&b, len + 16);
    jy_buf_append(&b, "", 0);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        /* bytes below 0x20 are never part of a longer UTF-8 sequence */
        if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
            continue;
        jy_buf_append(&b, s + run, i - run);
        char enc[4];
        jy_buf_append(&b, enc, utf8_encode(PARSE_HIDDEN_C0 + c, enc));
        run = i + 1;
    }
    jy_buf_append(&b, s + run, len - run);
    *out_len = b.len;
    return jy_buf_steal(&b);
}

char *parse_sanitize(const char *s, size_t len, int flags)
{
    /* U+10FF00..U+10FF1F is F4 8F BC 80..9F */
    if (!memmem(s, len, "\xF4\x8F\xBC", 3))
        return utf8_sanitize(s, len, flags);
    char *raw = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (i + 4 <= len && memcmp(s + i, "\xF4\x8F\xBC", 3) == 0 &&
            (unsigned char)s[i + 3] >= 0x80 && (unsigned char)s[i + 3] <= 0x9F) {
            raw[o++] = (char)((unsigned char)s[i + 3] - 0x80);
            i += 4;
        } else {
            raw[o++] = s[i++];
        }
    }
    char *out = utf8_sanitize(raw, o, flags);
    free(raw);
    return out;
}

/* Replaces *field by its clipped, sanitised, trimmed copy (NULL if empty);
 * clean: it is sanitised already (any prefix of it that ends between code
 * points then is too). */
static void item_field_fix(char **field, size_t max, bool keep_newlines, bool clean)
{
    if (!*field)
        return;
    char *c;
    size_t before; /* what the block held */
    if (clean) {
        before = strlen(*field);
        (*field)[clip_len(*field, before, max)] = '\0';
        c = *field;
    } else {
        c = parse_text_clip(*field, max, keep_newlines);
        free(*field);
        before = strlen(c);
    }
    /* trimmed where it is (parse_strtrim's rule) */
    size_t from = 0, n = strlen(c);
    while (isspace((unsigned char)c[from]))
        from++;
    while (n > from && isspace((unsigned char)c[n - 1]))
        n--;
    if (n == from) {
        free(c);
        *field = NULL;
        return;
    }
    memmove(c, c + from, n - from);
    c[n - from] = '\0';
    /* a field cut far short gives its memory back (items wait in the lane) */
    *field = before > 2 * (n - from) + 4096 ? xrealloc(c, n - from + 1) : c;
}

void parse_item_finish(struct feed_item *it, const struct parse_limits *lim, bool made_text)
{
    item_field_fix(&it->title, lim->max_field, false, made_text);
    item_field_fix(&it->content, lim->max_field, true, made_text);
    item_field_fix(&it->link, lim->max_field, false, false);
    item_field_fix(&it->author, lim->max_field, false, made_text);
    item_field_fix(&it->guid, lim->max_field, false, false);
    if (!it->title)
        it->title = xstrdup("");
    if (!it->content)
        it->content = xstrdup("");
    if (!it->guid && it->link)
        it->guid = xstrdup(it->link);
    if (!it->guid) {
        /* No identity in the feed: derive one from what the item says, so
         * that refetching the same document yields the same guid. */
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, it->title);
        jy_buf_putc(&b, '\n');
        jy_buf_puts(&b, it->content);
        jy_buf_printf(&b, "\n%" PRId64, it->has_date ? it->published : (int64_t)0);
        uint64_t h = jy_hash64(b.data, b.len);
        jy_buf_free(&b);
        it->guid = xasprintf("sha:%016" PRIx64, h);
    }
}

static json_t *item_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_stringn(s, strlen(s));
    if (!j) { /* not valid UTF-8: cannot happen after finish, but never crash */
        char *clean = utf8_sanitize(s, strlen(s), UTF8_KEEP_NEWLINES);
        j = json_string(clean);
        free(clean);
    }
    return j ? j : json_null();
}

void feed_item_to_json(const struct feed_item *it, struct jy_buf *out)
{
    json_t *o = json_object();
    json_object_set_new(o, "title", item_json_str(it->title));
    json_object_set_new(o, "link", item_json_str(it->link));
    json_object_set_new(o, "guid", item_json_str(it->guid));
    json_object_set_new(o, "author", item_json_str(it->author));
    if (it->has_date) {
        char ts[32];
        jy_time_rfc3339(it->published, ts);
        json_object_set_new(o, "published", json_string(ts));
    } else {
        json_object_set_new(o, "published", json_null());
    }
    json_object_set_new(o, "content", item_json_str(it->content));
    char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (s)
        jy_buf_puts(out, s);
    free(s);
    json_decref(o);
}

/* The string value of key, or of a number as written; NULL otherwise. */
static char *jsonl_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return xstrndup(json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return NULL;
}

int parse_jsonl_item(const char *line, size_t len, struct feed_item *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return jy_error_set(err, JY_EPARSE, "JSON line: %s at column %d", je.text, je.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return jy_error_set(err, JY_EPARSE, "JSON line: not an object");
    }
    char *title = jsonl_string(root, "title");
    char *content = jsonl_string(root, "content");
    if (!content)
        content = jsonl_string(root, "text");
    if (!title && !content) {
        json_decref(root);
        return jy_error_set(err, JY_EPARSE, "JSON line: neither \"title\" nor \"content\"");
    }
    if (title) {
        out->title = html_to_text(title, strlen(title), false);
        free(title);
    }
    if (content) {
        out->content = html_to_text(content, strlen(content), true);
        free(content);
    }
    out->guid = jsonl_string(root, "guid");
    if (!out->guid)
        out->guid = jsonl_string(root, "id");
    out->link = jsonl_string(root, "link");
    if (!out->link)
        out->link = jsonl_string(root, "url");
    json_t *author = json_object_get(root, "author");
    if (json_is_object(author))
        out->author = jsonl_string(author, "name");
    else
        out->author = jsonl_string(root, "author");
    /* A date that cannot be read costs the item its date, not its place:
     * feeds are treated the same way. */
    json_t *pub = json_object_get(root, "published");
    if (json_is_string(pub)) {
        out->has_date = parse_date(json_string_value(pub), &out->published) == 0;
    } else if (json_is_number(pub)) {
        double v = json_number_value(pub);
        if (v > -1e12 && v < 1e12) {
            out->published = (int64_t)v;
            out->has_date = true;
        }
    }
    json_decref(root);
    struct parse_limits lim = {.max_field = PARSE_DEFAULT_MAX_FIELD,
                               .max_items = PARSE_DEFAULT_MAX_ITEMS};
    parse_item_finish(out, &lim, false);
    return 0;
}
