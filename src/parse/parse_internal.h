/*
 * parse_internal.h: what the files of src/parse share and nobody outside the
 * folder may include. The format parsers (xml.c, json.c) fill raw items; the
 * finishing step in item.c applies the caps, the guid fallback and
 * sanitising so that every format ends up with the same guarantees.
 */
#ifndef JY_PARSE_INTERNAL_H
#define JY_PARSE_INTERNAL_H

#include "parse.h"

#define PARSE_DEFAULT_MAX_FIELD ((size_t)1 << 20)
#define PARSE_DEFAULT_MAX_ITEMS ((size_t)10000)
#define PARSE_MIN_MEMORY ((size_t)1 << 20) /* the floor of a max_memory given */

/* The caps of one parse, with the defaults filled in. */
struct parse_limits {
    size_t max_field;
    size_t max_items;
    size_t max_memory;    /* 0: none */
    const char *base_url; /* the document's address, or NULL */
    size_t *n_found;      /* gets the items in the document, taken or not */
};

/* Between these two calls, what libxml2 and jansson allocate on this thread
 * is counted (mem.c); with refuse, an allocation that would pass limit
 * bytes fails. parse_mem_over says whether the count has passed the limit;
 * parse_mem_end whether it did at any point. limit 0: no limit. */
void parse_mem_begin(size_t limit, bool refuse);
bool parse_mem_over(void);
bool parse_mem_end(void);
/* JY_ETOOBIG with the message that says the limit was passed. */
int parse_mem_error(struct jy_error *err, size_t limit);

/* Adds a sentence to f->warning ("; " between sentences). */
void parse_feed_warn(struct feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends an item to f (growing the array); returns the new, zeroed item. */
struct feed_item *parse_feed_item_add(struct feed *f);
/* Gives it the guarantees parse.h promises: title and content not NULL,
 * fields sanitised and cut to max_field on a code point boundary, guid
 * filled in. made_text: title, content and author are what html_to_text or
 * parse_plain_text returned (sanitised already, with the same newlines), so
 * they are only cut and trimmed. */
void parse_item_finish(struct feed_item *it, const struct parse_limits *lim, bool made_text);
/* Raw C0 control characters (other than tab, newline and carriage return)
 * are not allowed in XML nor raw in JSON strings, so a parser would drop
 * them or refuse the document; yet an escape sequence can only be removed
 * whole while its ESC is still there. parse_feed therefore stands each of
 * them in for a code point of plane 16's private use area before parsing
 * (U+10FF00 + the control), and the fields are sanitised after parsing,
 * with the controls put back first, so that the sequence goes as a whole
 * and one hostile title costs only itself. */
#define PARSE_HIDDEN_C0 0x10FF00u
/* Whether cp stands in for a control character (PARSE_HIDDEN_C0). */
static inline bool parse_cp_hidden(uint32_t cp)
{
    return cp >= PARSE_HIDDEN_C0 && cp < PARSE_HIDDEN_C0 + 0x20;
}
/* A new string: s (valid UTF-8, len bytes) with its C0 controls hidden. */
char *parse_controls_hide(const char *s, size_t len, size_t *out_len);
/* utf8_sanitize of s with its hidden controls put back first. */
char *parse_sanitize(const char *s, size_t len, int flags);

/* A new string: s cut to at most max bytes without splitting a UTF-8
 * sequence, then sanitised (newlines kept when keep_newlines). */
char *parse_text_clip(const char *s, size_t max, bool keep_newlines);
/* Trims ASCII whitespace at both ends; returns a new string, NULL for
 * NULL or empty. */
char *parse_strtrim(const char *s);

/* Plain text (no markup, no references) made displayable: whitespace runs
 * folded, line breaks kept only when keep_newlines, sanitised. */
char *parse_plain_text(const char *s, size_t len, bool keep_newlines);
/* parse_to_utf8, and *sanitized true when the result is also what
 * utf8_sanitize(..., UTF8_KEEP_NEWLINES | UTF8_KEEP_TABS) would make of it
 * (UTF-8 text with nothing to remove: found in one pass, copied once). */
struct charset_note {
    const char *declared; /* by the Content-Type or the document, or NULL */
    bool fell_back;       /* declared UTF-8, decoded as GB18030 */
    size_t bad;           /* bytes that became U+FFFD */
};
char *parse_to_utf8_sanitized(const char *body, size_t len, const char *content_type,
                              const char *override, size_t *out_len, const char **charset_used,
                              bool *sanitized, struct charset_note *note);
/* Days from 1970-01-01 to the date y-m-d (proleptic Gregorian; m 1..12 and
 * d a day of that month), negative before. */
int64_t parse_days_from_civil(int y, int m, int d);
/* Decodes base64 (whitespace ignored); NULL when it is not base64. */
char *parse_base64_decode(const char *s, size_t len, size_t *out_len);

int parse_xml_feed(const char *utf8, size_t len, const struct parse_limits *lim, struct feed *out,
                   struct jy_error *err);
int parse_json_feed(const char *utf8, size_t len, const struct parse_limits *lim, struct feed *out,
                    struct jy_error *err);

#endif
