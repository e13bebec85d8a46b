/* json.c: JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) via
 * jansson. Field mapping as in gofeed's translator: id, url (else
 * external_url), title, content_html else content_text else summary,
 * date_published else date_modified, authors[0].name (1.1) else author.name
 * (1.0), falling back to the feed's author. */
#include <jansson.h>
#include <string.h>

#include "parse_internal.h"

static const char *jf_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The name of authors[0] or author, or NULL. */
static const char *jf_author(json_t *o)
{
    json_t *authors = json_object_get(o, "authors");
    if (json_is_array(authors)) {
        for (size_t i = 0; i < json_array_size(authors); i++) {
            const char *n = jf_str(json_array_get(authors, i), "name");
            if (n && *n)
                return n;
        }
    }
    json_t *author = json_object_get(o, "author");
    const char *n = jf_str(author, "name");
    return n && *n ? n : NULL;
}

static void jf_item_read(json_t *jit, json_t *root, const struct parse_limits *lim,
                         struct feed_item *it)
{
    json_t *id = json_object_get(jit, "id");
    if (json_is_string(id))
        it->guid = parse_strtrim(json_string_value(id));
    else if (json_is_integer(id)) /* 1.0 allowed numbers in practice */
        it->guid = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
    it->link = parse_strtrim(jf_str(jit, "url"));
    if (!it->link)
        it->link = parse_strtrim(jf_str(jit, "external_url"));
    const char *t = jf_str(jit, "title");
    if (t)
        it->title = parse_plain_text(t, strlen(t), false);
    const char *author = jf_author(jit);
    if (!author)
        author = jf_author(root);
    if (author)
        it->author = parse_plain_text(author, strlen(author), false);
    const char *dates[] = {jf_str(jit, "date_published"), jf_str(jit, "date_modified")};
    for (size_t i = 0; i < 2 && !it->has_date; i++) {
        if (dates[i] && parse_date(dates[i], &it->published) == 0)
            it->has_date = true;
    }
    const char *html = jf_str(jit, "content_html");
    const char *text = jf_str(jit, "content_text");
    const char *summary = jf_str(jit, "summary");
    size_t cap = lim->max_field * 4 + 4096;
    if (html && *html)
        it->content = html_to_text(html, strnlen(html, cap), true);
    else if (text && *text)
        it->content = parse_plain_text(text, strnlen(text, cap), true);
    else if (summary)
        it->content = parse_plain_text(summary, strnlen(summary, cap), true);
}

int parse_json_feed(const char *utf8, size_t len, const struct parse_limits *lim, struct feed *out,
                    struct jy_error *err)
{
    json_error_t je;
    parse_mem_begin(lim->max_memory, true);
    json_t *root = json_loadb(utf8, len, 0, &je);
    if (parse_mem_end()) {
        json_decref(root);
        return parse_mem_error(err, lim->max_memory);
    }
    if (!root)
        return jy_error_set(err, JY_EPARSE, "JSON error at line %d column %d: %s", je.line,
                            je.column, je.text);
    const char *version = jf_str(root, "version");
    json_t *items = json_object_get(root, "items");
    /* Producers write "version": "1.1" as often as the URL the spec asks
     * for; an "items" array is the surer sign. */
    bool is_feed = json_is_array(items) || (version && strstr(version, "jsonfeed.org"));
    if (!json_is_object(root) || !is_feed) {
        json_decref(root);
        return jy_error_set(err, JY_EPARSE,
                            "not a feed: JSON without a JSON Feed \"version\" and \"items\"");
    }
    out->format = "json";
    const char *t = jf_str(root, "title");
    if (t)
        out->title = parse_plain_text(t, strlen(t), false);
    out->link = parse_strtrim(jf_str(root, "home_page_url"));
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *jit = json_array_get(items, i);
        if (!json_is_object(jit))
            continue;
        (*lim->n_found)++;
        if (out->n_items >= lim->max_items)
            continue; /* counted: the warning says how many were left */
        struct feed_item *it = parse_feed_item_add(out);
        jf_item_read(jit, root, lim, it);
        parse_item_finish(it, lim, true);
    }
    json_decref(root);
    return 0;
}
