/*
 * util: the base every other subsystem stands on and that depends on nothing
 * else in jingyu. It owns allocation (the xmalloc family, which aborts with a
 * message rather than returning NULL), error values (struct jy_error), bounded
 * byte buffers for anything filled from outside, UTF-8 decoding, sanitising
 * and display width, and wall-clock time.
 */
#ifndef JY_UTIL_H
#define JY_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

/* Functions that can fail return 0 or one of these (negative) codes and, when
 * given a struct jy_error, write a message there that names the file, line,
 * column, source or field concerned. */
enum {
    JY_OK = 0,
    JY_EINVAL = -1, /* bad argument or bad input */
    JY_EIO = -2,    /* file or system call failed */
    JY_ENOMEM = -3,
    JY_EPARSE = -4,  /* malformed document */
    JY_EDB = -5,     /* SQLite error */
    JY_ENET = -6,    /* network error */
    JY_ETOOBIG = -7, /* a bounded buffer would overflow */
    JY_EBUSY = -8,   /* someone else holds it */
    JY_ENOTFOUND = -9,
    JY_ECONFIG = -10,  /* configuration invalid */
    JY_EVERSION = -11, /* database newer than this binary */
    JY_EPERM = -12,    /* the person acting lacks the right */
    JY_ESTATE = -13,   /* not allowed in the current state (the message says why) */
    JY_ECONFLICT = -14 /* someone else saved first (row version changed) */
};

struct jy_error {
    int code;
    /* the field of a form or record the error is about (a store's or the
     * workflow's key, e.g. "strategy"), "" when none: the console puts msg
     * beside that field, the command line prints "field: msg" */
    char field[32];
    char msg[1024];
};

/* Sets err (if not NULL) and returns code, so callers can write
 * `return jy_error_set(err, JY_EIO, "open %s: %s", path, strerror(errno));` */
int jy_error_set(struct jy_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, about one field (see struct jy_error). */
int jy_error_set_field(struct jy_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void jy_error_clear(struct jy_error *err);

/* ---- allocation -------------------------------------------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s); /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Frees *pp and sets it to NULL. */
#define jy_free(pp)                                                                                \
    do {                                                                                           \
        free(*(pp));                                                                               \
        *(pp) = NULL;                                                                              \
    } while (0)

/* ---- bounded buffers --------------------------------------------------- */

/* A growable byte buffer with a hard maximum. Appending past max fails with
 * JY_ETOOBIG and leaves the buffer as it was. The data is always
 * NUL-terminated (the terminator is not counted in len). */
struct jy_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 means SIZE_MAX */
};

void jy_buf_init(struct jy_buf *b, size_t max);
int jy_buf_append_slow(struct jy_buf *b, const void *p, size_t n);
/* Inline when the bytes fit the room already there (JSON is written a few
 * bytes at a time); otherwise jy_buf_append_slow grows the buffer. */
static inline int jy_buf_append(struct jy_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap || n > b->max - b->len)
        return jy_buf_append_slow(b, p, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}
static inline int jy_buf_putc(struct jy_buf *b, char c)
{
    return jy_buf_append(b, &c, 1);
}
/* Inline so that a literal's length is known where it is written. */
static inline int jy_buf_puts(struct jy_buf *b, const char *s)
{
    return jy_buf_append(b, s, strlen(s));
}
/* Room for n more bytes (within the cap), so that appending that much does
 * not move the data again. */
void jy_buf_reserve(struct jy_buf *b, size_t n);
int jy_buf_printf(struct jy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jy_buf_reset(struct jy_buf *b);
/* Hands the data to the caller (who frees it) and resets the buffer. */
char *jy_buf_steal(struct jy_buf *b);
void jy_buf_free(struct jy_buf *b);

/* Writing JSON text straight into a buffer (for hot paths where building a
 * jansson tree would cost more than the work it reports): a string, quoted
 * and escaped (s is UTF-8; control bytes become \u00XX); an integer; a
 * number with at most `decimals` decimals and no trailing zeros; an object
 * key ("k": preceded by a comma unless first). */
void jy_buf_json_str(struct jy_buf *b, const char *s);
void jy_buf_json_int(struct jy_buf *b, int64_t v);
void jy_buf_json_num(struct jy_buf *b, double v, int decimals);
void jy_buf_json_key(struct jy_buf *b, const char *k, bool first);
/* An array of n strings (NULL ones written as ""). */
void jy_buf_json_strs(struct jy_buf *b, const char *const *v, size_t n);

/* ---- JSON objects read without a tree (jsonpick.c) ---------------------- */

enum jy_jtype {
    JY_J_ABSENT, /* the object has no such member */
    JY_J_NULL,
    JY_J_FALSE,
    JY_J_TRUE,
    JY_J_INT, /* an integer that fits in int64_t */
    JY_J_REAL,
    JY_J_STRING,
    JY_J_ARRAY,
    JY_J_OBJECT,
};

struct jy_jval {
    enum jy_jtype type;
    const char *str; /* JY_J_STRING: the value, unescaped and NUL-terminated */
    size_t len;      /* its bytes */
    int64_t i;       /* JY_J_INT */
    const char *raw; /* any other type: the value's JSON text in the input */
    size_t raw_len;
};

/* Checks that text[0..len) is one JSON object (RFC 8259, strict UTF-8, no
 * \u0000 in strings, integers within 64 bits: what jansson's defaults
 * accept) and fills out[k] with the member named keys[k] (the last one when
 * repeated). Strings are unescaped in place, so text is changed and the
 * values point into it. Returns 0, or -1 when the text is not such an
 * object (out is then undefined). */
int jy_json_pick(char *text, size_t len, const char *const *keys, size_t n_keys,
                 struct jy_jval *out);

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes one code point from s (at most len bytes). Returns the number of
 * bytes consumed (>= 1 when len >= 1); invalid or truncated sequences yield
 * U+FFFD and consume one byte. */
size_t utf8_decode_slow(const char *s, size_t len, uint32_t *cp);
/* Inline for the two cases that make up nearly all text here, ASCII and the
 * three-byte sequences of CJK (every analysis pass decodes every
 * character); anything else goes to utf8_decode_slow. */
static inline size_t utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len >= 1 && s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (len >= 3) {
        /* The three bytes as one word, checked at once: 1110xxxx 10xxxxxx
         * 10xxxxxx, and neither overlong (E0 with the second byte below
         * A0) nor a surrogate (ED with it at A0 or above): the first
         * byte's low four bits with the second byte's 0x20 bit tell both. */
        uint32_t x = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16;
        uint32_t t = x & 0x200F;
        if ((x & 0xC0C0F0) == 0x8080E0 && t != 0 && t != 0x200D) {
            *cp = (x & 0x0F) << 12 | (x >> 2 & 0xFC0) | (x >> 16 & 0x3F);
            return 3;
        }
    }
    return utf8_decode_slow(str, len, cp);
}
/* Whether cp (a decoded code point) may stand in sanitised text as it is:
 * not a C0 or C1 control, DEL, nor a bidirectional override or isolate
 * (those could reorder what an operator reads). */
static inline bool utf8_plain_cp(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return false;
    return !((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069));
}
/* Whether s (n bytes left) starts with a well-formed three-byte character
 * from U+3000 on, other than a surrogate: CJK and the fullwidth forms, the
 * bulk of Chinese text, checked by its bytes without decoding. */
static inline bool utf8_cjk3(const char *s, size_t n)
{
    if (n < 3)
        return false;
    const unsigned char *u = (const unsigned char *)s;
    uint32_t x = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16;
    return (x & 0xC0C0F0) == 0x8080E0 && u[0] >= 0xE3 && u[0] != 0xED;
}
/* Encodes cp into out (4 bytes room); returns bytes written. */
size_t utf8_encode(uint32_t cp, char *out);
bool utf8_valid(const char *s, size_t len);

enum {
    UTF8_KEEP_NEWLINES = 1 << 0, /* keep \n (and turn \r\n, \r into \n) */
    UTF8_KEEP_TABS = 1 << 1,     /* keep \t, otherwise it becomes a space */
};
/* Returns a new string that is valid UTF-8 (invalid bytes become U+FFFD)
 * with every terminal escape sequence (CSI, OSC, DCS, SOS, PM, APC, and
 * two-byte ESC sequences) removed whole, and every other C0/C1 control
 * character and DEL removed. Safe to store and to draw. */
char *utf8_sanitize(const char *s, size_t len, int flags);
/* Whether utf8_sanitize(s, len, flags) would give s back unchanged (valid,
 * and nothing it removes or replaces), found without copying. */
bool utf8_is_sanitized(const char *s, size_t len, int flags);

/* Display width of one code point in terminal columns: 0 for combining
 * marks and controls, 2 for East Asian wide and fullwidth (CJK, most emoji),
 * 1 otherwise. Independent of the locale. */
int utf8_cp_width(uint32_t cp);
/* Display width of a NUL-terminated UTF-8 string. */
int utf8_width(const char *s);
/* Byte length of the longest prefix of s whose display width is <= cols;
 * *width_out (if not NULL) gets that prefix's width. Never splits a code
 * point, and keeps combining marks with their base. */
size_t utf8_prefix_for_width(const char *s, int cols, int *width_out);
/* A new string of s truncated to at most cols columns; if anything was cut,
 * the result ends with "…" (one column) and still fits in cols. */
char *utf8_truncate(const char *s, int cols);

/* ---- time -------------------------------------------------------------- */

/* Seconds since the epoch, UTC. In a test build only (meson option
 * test_hooks, which `make test` sets; off in an installed binary), the
 * environment variable JINGYU_FAKE_NOW (seconds) overrides it (read at
 * every call); "SECONDS+" is a clock that starts there at the first call
 * and runs. */
int64_t jy_now(void);
/* Monotonic milliseconds, for intervals and timeouts. */
int64_t jy_mono_ms(void);
/* Formats t as RFC 3339 UTC ("2004-01-01T19:48:21Z"); out needs 21 bytes. */
void jy_time_rfc3339(int64_t t, char out[static 32]);
/* Formats t in local time with strftime format fmt. */
void jy_time_local(int64_t t, const char *fmt, char *out, size_t outsz);
/* Reads a time typed by a person: "2026-12-01" (local midnight; *date_only
 * set), "2026-12-01 08:30", "2026-12-01T08:30:15", each optionally ending in
 * "Z" or "+08:00" (else local time), or "@SECONDS". JY_EINVAL otherwise. */
int jy_time_parse(const char *s, int64_t *out, bool *date_only);
/* Reads an end time typed by a person: a span from now ("2h", "+90m",
 * "1d", "30s"; a number and one of s m h d) or anything jy_time_parse
 * reads. JY_EINVAL otherwise. */
int jy_time_parse_until(const char *s, int64_t now, int64_t *out);
/* Calendar days: the number of the day y-m-d counted from 1970-01-01 (0),
 * and back. Proleptic Gregorian; no time zone involved. */
int64_t jy_days_from_civil(int y, int m, int d);
void jy_civil_from_days(int64_t days, int *y, int *m, int *d);
/* "2026-12-01" -> day number; JY_EINVAL for anything else, 2026-02-30 included. */
int jy_day_parse(const char *s, int64_t *day);

/* ---- CSV (RFC 4180) ---------------------------------------------------- */

/* Reads one record from *p (up to end): fields separated by commas, quoted
 * with "..." ("" inside for a quote), ending at CRLF, LF or the end; a BOM
 * at the very start is skipped by the caller. Returns 0 and the fields (new
 * strings), JY_ENOTFOUND at the end, JY_EPARSE on an unclosed quote. */
int jy_csv_record(const char **p, const char *end, char ***fields, size_t *n);
void jy_csv_free(char **fields, size_t n);
/* Appends one field, quoted when it must be. A field a spreadsheet would
 * read as a formula (= + - @ first) gets a ' in front. */
void jy_csv_field(struct jy_buf *b, const char *s);

/* ---- least squares ------------------------------------------------------ */

#define JY_LSQ_MAX 16
/* Weights w (k of them, at most JY_LSQ_MAX) that minimise
 * |X w - y|^2 + lambda |w - w0|^2 subject to sum(w) = total and w >= 0; X
 * is n rows of k values (row-major), w0 NULL for zeros. lambda > 0 keeps a
 * fit with few rows near w0. JY_EINVAL when it cannot be solved. */
int jy_lsq_simplex(const double *x, const double *y, size_t n, size_t k, const double *w0,
                   double lambda, double total, double *w);

/* ---- misc -------------------------------------------------------------- */

/* Reads a whole file into a NUL-terminated buffer of at most max bytes. */
int jy_read_file(const char *path, size_t max, char **out, size_t *len, struct jy_error *err);
/* 64-bit FNV-1a hash. */
uint64_t jy_hash64(const void *p, size_t n);

#endif
