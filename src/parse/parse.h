/*
 * parse: turns bytes from a source into items. It owns format detection
 * (RSS 0.9x/2.0, RSS 1.0/RDF, Atom 0.3/1.0, JSON Feed 1.0/1.1), the JSON-lines
 * item format of file drops and the demo replay, character-set detection and
 * conversion to UTF-8, date parsing, and the reduction of HTML to plain text.
 * It does no I/O: callers hand it a buffer. Every string it returns is valid
 * UTF-8 with control characters and terminal escape sequences removed.
 */
#ifndef JY_PARSE_H
#define JY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct feed_item {
    char *guid;        /* as in the feed; if absent: the link, else "sha:" + hash of title,
                          content and date; never NULL */
    char *link;        /* may be NULL */
    char *title;       /* plain text, one line; may be "" but not NULL */
    char *author;      /* may be NULL */
    char *content;     /* plain text, newlines kept; may be "" but not NULL */
    int64_t published; /* UTC seconds; meaningful only when has_date */
    bool has_date;
};

struct feed {
    char *title;         /* may be NULL */
    char *link;          /* may be NULL */
    const char *format;  /* "rss", "rdf", "atom" or "json" (static string) */
    const char *charset; /* the input charset that was used (static or owned by the feed) */
    struct feed_item *items;
    size_t n_items;
    char *warning; /* what was lost or guessed though the parse succeeded (items past
                      max_items, a declared charset the bytes did not fit), or NULL */
};

struct parse_opts {
    const char *content_type; /* the HTTP Content-Type header value, or NULL */
    const char *encoding;     /* a source's encoding override ("gbk", ...), or NULL */
    size_t max_field;         /* longest title/content kept, in bytes (0 = 1 MiB) */
    size_t max_items;         /* most items taken from one document (0 = 10000) */
    size_t max_memory;        /* most bytes the XML or JSON parser may hold while it
                                 reads the document (0 = no limit) */
    const char *base_url;     /* where the document was fetched from: relative links
                                 resolve against it (under any xml:base), or NULL */
};

/* Installs the counting allocator behind max_memory in libxml2 and jansson
 * and initialises libxml2. parse_feed calls it itself; a program with
 * threads calls it first, before any thread uses libxml2 or jansson. */
void parse_init(void);

/* Parses one feed document of any supported format. On failure returns
 * JY_EPARSE with a message naming what was wrong (and the line where the
 * XML parser knows it), or JY_ETOOBIG when the parser needed more than
 * max_memory; *out is then empty. */
int parse_feed(const char *body, size_t len, const struct parse_opts *opts, struct feed *out,
               struct jy_error *err);
void feed_free(struct feed *f);
void feed_item_clear(struct feed_item *it);

/* Parses one line of a JSON-lines drop: an object with "title", "content" or
 * "text", and optionally "guid" or "id", "link" or "url", "author",
 * "published" (RFC 3339 / RFC 822 string or epoch seconds). */
int parse_jsonl_item(const char *line, size_t len, struct feed_item *out, struct jy_error *err);

/* Writes the item as one JSON object (no newline) with keys title, link, guid,
 * author, published (RFC 3339 UTC or null), content: the `jingyu inspect`
 * line. */
void feed_item_to_json(const struct feed_item *it, struct jy_buf *out);

/* Converts body to UTF-8. The charset is chosen in this order: override, a
 * BOM, the HTTP Content-Type charset, the XML declaration (or HTML meta),
 * then UTF-8 if valid, else GB18030. GBK and GB2312 are decoded as GB18030
 * (a superset). Invalid bytes become U+FFFD; never fails on content.
 * *charset_used (if not NULL) gets a static name. */
char *parse_to_utf8(const char *body, size_t len, const char *content_type, const char *override,
                    size_t *out_len, const char **charset_used);

/* Parses RFC 822 dates (with the usual deviations: missing weekday or
 * seconds, single-digit days, named and numeric zones, Chinese month or
 * weekday names are not required), RFC 3339 / ISO 8601 (also reduced,
 * ordinal, week and compact forms, and two-digit years as 2000..2099), and
 * "YYYY-MM-DD HH:MM:SS" (taken as UTC+8 when no zone is given, since our
 * sources are Chinese). Returns 0 and sets *out (UTC seconds) or JY_EPARSE. */
int parse_date(const char *s, int64_t *out);

/* Reduces HTML (or text with entities) to plain text: tags removed, block
 * elements and <br> become newlines (when keep_newlines, else spaces),
 * entities decoded (named, decimal, hex), whitespace runs folded, and the
 * result sanitised. */
char *html_to_text(const char *html, size_t len, bool keep_newlines);

#endif
