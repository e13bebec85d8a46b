/*
 * normalize.c: the text every analysis part matches on. An item's text goes
 * through three passes over reused scratch buffers:
 *
 *   1. map:   decode UTF-8 (invalid bytes become U+FFFD), NFKC with case
 *             folding (full-width to half-width, compatibility forms, Latin
 *             lower-case), whitespace and controls to one space, and for
 *             Weibo text private-use code points and lone `?` emoji remnants
 *             dropped;
 *   2. t2s:   traditional to simplified with OpenCC, only when pass 1 saw a
 *             code point whose conversion differs (OpenCC is slow and most
 *             posts are simplified already);
 *   3. clean: for Weibo text URLs, `网页链接` and `收起全文` remnants removed;
 *             whitespace runs collapsed to one space, trimmed.
 *
 * NFKC is table-driven: the first normalizer_new() asks utf8proc once for the NFKC
 * case-folded form of every BMP code point and keeps the ones that change.
 * Which code points OpenCC converts is learnt as they are first seen (a
 * text's unknown ones in one call): asking about all 28,000 ideographs up
 * front took OpenCC longer than a collector's first hundred feeds.
 * Code points whose normal form depends on their neighbours (combining marks,
 * Hangul jamo) are flagged; a text containing one goes through utf8proc_map()
 * whole instead, which is rare in Chinese posts. CJK ideographs, the bulk of
 * every post, are copied without a lookup.
 *
 * Weibo specifics: the first `//@` starts the repost chain, which is
 * normalised separately into `repost` so that it is never matched as the
 * author's own words. `#话题#` topics are taken from the normalised text (then
 * from the repost), and the topic text stays in `text` too, so that a scheme
 * term inside a topic still matches and offsets stay plain.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opencc/opencc.h>
#include <utf8proc.h>

#include "analyze/analyze_int.h"

/* NFKC_Casefold-like: compatibility composition, case folding and default
 * ignorables (zero-width spaces, variation selectors, BOM) removed. */
#define NZ_UTF8PROC_FLAGS                                                                          \
    (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* map[] entries: MAP_IDENTITY, MAP_CONTEXT, or bits 0..6 the length of the
 * replacement (0: the code point is dropped), bit 7 set when the replacement
 * holds a code point OpenCC would convert, bits 8..31 its offset in pool. */
#define MAP_IDENTITY 0u
#define MAP_CONTEXT 0xffffffffu
#define MAP_T2S 0x80u

/* Topics longer than this are not topics but a stray `#` pairing across
 * sentences. */
#define TOPIC_MAX_BYTES 120
#define TOPICS_MAX 32

/* Characters of context either side of the traditional ones handed to
 * OpenCC; its longest phrases are about this long. */
#define T2S_CONTEXT 8

struct sbuf {
    char *d;
    size_t len, cap;
};

/* What NFKC and OpenCC make of each BMP code point, shared by every
 * normalizer of the process (the collector's two analyzers, the console's).
 * map is built once and read-only after. t2s holds two bits a code point,
 * T2S_KNOWN and T2S_CONVERTS: code points outside the ideograph ranges are
 * known not to convert from the start, the others are learnt on first sight
 * (t2s_learn). The bits are only ever set, with an atomic or, and both of a
 * code point's are set at once, so a reader sees none or both. */
#define T2S_KNOWN 1u
#define T2S_CONVERTS 2u
struct nz_tables {
    uint32_t map[0x10000];
    _Atomic uint8_t t2s[0x10000 / 4];
    char *pool;
    size_t pool_len, pool_cap;
};

static pthread_mutex_t tables_mu = PTHREAD_MUTEX_INITIALIZER;
static struct nz_tables *tables; /* never freed: the process's */

struct normalizer {
    opencc_t cc;
    struct nz_tables *tab;
    struct sbuf a, b, c;
};

/* Where pass 1's output holds code points OpenCC would change: byte ranges
 * in order, each run of them that lies within a few characters of the next
 * joined into one. Past SPAN_MAX runs the last one grows. */
#define SPAN_MAX 16
/* Runs closer than this (bytes) are one: their windows would meet anyway. */
#define SPAN_JOIN (2 * T2S_CONTEXT * 4)
struct span {
    size_t n;
    size_t lo[SPAN_MAX], hi[SPAN_MAX];
};

static inline void span_mark(struct span *sp, size_t from, size_t to)
{
    if (sp->n && (from <= sp->hi[sp->n - 1] + SPAN_JOIN || sp->n == SPAN_MAX)) {
        if (to > sp->hi[sp->n - 1])
            sp->hi[sp->n - 1] = to;
        return;
    }
    sp->lo[sp->n] = from;
    sp->hi[sp->n++] = to;
}

/* ---- small helpers ---------------------------------------------------------- */

static inline void sbuf_reserve(struct sbuf *b, size_t more)
{
    if (b->len + more + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + more + 1)
            cap *= 2;
        b->d = xrealloc(b->d, cap);
        b->cap = cap;
    }
}

static inline void sbuf_put(struct sbuf *b, const char *p, size_t n)
{
    sbuf_reserve(b, n);
    memcpy(b->d + b->len, p, n);
    b->len += n;
}

static inline void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_reserve(b, 1);
    b->d[b->len++] = c;
}

static inline void sbuf_putcp(struct sbuf *b, uint32_t cp)
{
    sbuf_reserve(b, 4);
    b->len += utf8_encode(cp, b->d + b->len);
}

static inline bool is_alnum_ascii(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_pua(uint32_t cp)
{
    return (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000;
}

static inline bool is_cjk(uint32_t cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

/* The ideographs OpenCC may convert: the rest of the BMP never is. */
static inline bool t2s_candidate(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
           (cp >= 0xf900 && cp <= 0xfaff);
}

static inline unsigned t2s_bits(const struct nz_tables *t, uint32_t cp)
{
    return (atomic_load_explicit(&t->t2s[cp >> 2], memory_order_relaxed) >> (2 * (cp & 3))) & 3u;
}

static inline void t2s_set(struct nz_tables *t, uint32_t cp, unsigned bits)
{
    atomic_fetch_or_explicit(&t->t2s[cp >> 2], (uint8_t)(bits << (2 * (cp & 3))),
                             memory_order_relaxed);
}

static void t2s_learn(struct normalizer *nz, const uint32_t *cps, size_t n);

/* Whether OpenCC converts cp (a BMP code point), learnt now if unknown. */
static bool t2s_has(struct normalizer *nz, uint32_t cp)
{
    if (cp >= 0x10000)
        return false;
    unsigned b = t2s_bits(nz->tab, cp);
    if (!(b & T2S_KNOWN)) {
        t2s_learn(nz, &cp, 1);
        b = t2s_bits(nz->tab, cp);
    }
    return b & T2S_CONVERTS;
}

static bool is_mark(uint32_t cp)
{
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
    return p->combining_class != 0 || p->category == UTF8PROC_CATEGORY_MN ||
           p->category == UTF8PROC_CATEGORY_MC || p->category == UTF8PROC_CATEGORY_ME;
}

static bool is_space_or_control(uint32_t cp)
{
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP ||
           c == UTF8PROC_CATEGORY_CC;
}

/* Code points whose NFKC form depends on what comes before or after them. */
static bool needs_context(uint32_t cp)
{
    return is_mark(cp) || (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3131 && cp <= 0x318e) ||
           (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);
}

/* ---- building the tables ---------------------------------------------------- */

/* Learns whether OpenCC converts each of cps (BMP code points; known ones
 * and repeats are skipped): one call converts them one per line, and those
 * that come back different convert. When the answer does not come back line
 * for line, or OpenCC fails, all of them are taken to convert: slower later
 * (OpenCC is asked about every text holding one), never wrong. */
static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void t2s_learn(struct normalizer *nz, const uint32_t *cps, size_t n)
{
    uint32_t *ask = xmalloc((n ? n : 1) * sizeof *ask);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(t2s_bits(nz->tab, cps[i]) & T2S_KNOWN))
            ask[k++] = cps[i];
    }
    qsort(ask, k, sizeof *ask, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (!u || ask[u - 1] != ask[i])
            ask[u++] = ask[i];
    }
    k = u;
    if (!k) {
        free(ask);
        return;
    }
    struct sbuf in = {0};
    for (size_t i = 0; i < k; i++) {
        sbuf_putcp(&in, ask[i]);
        sbuf_putc(&in, '\n');
    }
    /* every answer first, then each code point's two bits at once: one
     * that reads "known" must never miss "converts" */
    char *outp = opencc_convert_utf8(nz->cc, in.d, in.len);
    bool *converts = xcalloc(k, sizeof *converts);
    const char *o = outp;
    size_t i = 0;
    for (; o && i < k; i++) {
        const char *nl = strchr(o, '\n');
        if (!nl)
            break;
        char enc[4];
        size_t len = utf8_encode(ask[i], enc);
        converts[i] = (size_t)(nl - o) != len || memcmp(o, enc, len) != 0;
        o = nl + 1;
    }
    for (size_t q = 0; q < k; q++) /* not line for line: all of them */
        t2s_set(nz->tab, ask[q], T2S_KNOWN | (i < k || converts[q] ? T2S_CONVERTS : 0));
    free(converts);
    if (outp)
        opencc_convert_utf8_free(outp);
    free(in.d);
    free(ask);
}

/* Learns the unknown ideographs of a text at once, from the first unknown
 * one on (what nz_map meets). Returns cp's bits. */
__attribute__((noinline, cold)) static unsigned t2s_learn_text(struct normalizer *nz, uint32_t cp,
                                                               const char *s, size_t len)
{
    uint32_t few[256], *cps = few;
    size_t n = 0, cap = 256;
    cps[n++] = cp;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += utf8_decode(s + i, len - i, &c);
        if (!t2s_candidate(c) || (t2s_bits(nz->tab, c) & T2S_KNOWN))
            continue;
        if (n == cap) {
            cap *= 2;
            if (cps == few) {
                cps = xmalloc(cap * sizeof *cps);
                memcpy(cps, few, sizeof few);
            } else {
                cps = xrealloc(cps, cap * sizeof *cps);
            }
        }
        cps[n++] = c;
    }
    t2s_learn(nz, cps, n);
    if (cps != few)
        free(cps);
    return t2s_bits(nz->tab, cp);
}

static uint32_t pool_add(struct normalizer *nz, const char *s, size_t n, bool t2s)
{
    if (nz->tab->pool_len + n > nz->tab->pool_cap) {
        nz->tab->pool_cap = nz->tab->pool_cap ? nz->tab->pool_cap * 2 : 16384;
        nz->tab->pool = xrealloc(nz->tab->pool, nz->tab->pool_cap);
    }
    memcpy(nz->tab->pool + nz->tab->pool_len, s, n);
    uint32_t e = (uint32_t)(nz->tab->pool_len << 8) | (uint32_t)n | (t2s ? MAP_T2S : 0);
    nz->tab->pool_len += n;
    return e;
}

/* A code point's NFKC form while the map is built. */
struct nz_repl {
    uint32_t cp;
    utf8proc_uint8_t *dst;
    size_t len;
};

static void map_build(struct normalizer *nz)
{
    /* Offset 0 is never used so that (offset 0, length 0) stays MAP_IDENTITY
     * and a dropped code point has a non-zero entry. */
    nz->tab->pool_len = 1;
    uint32_t space = pool_add(nz, " ", 1, false);
    /* First every replacement, then what OpenCC makes of the ideographs in
     * them learnt in one call, then the entries. */
    struct nz_repl *repl = NULL;
    size_t n_repl = 0, cap_repl = 0;
    uint32_t *ideo = NULL;
    size_t n_ideo = 0, cap_ideo = 0;
    for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
        if (is_cjk(cp) || (cp >= 0xd800 && cp <= 0xdfff) || is_pua(cp))
            continue;
        if (utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_CN)
            continue;
        if (is_space_or_control(cp)) {
            nz->tab->map[cp] = space;
            continue;
        }
        if (needs_context(cp)) {
            nz->tab->map[cp] = MAP_CONTEXT;
            continue;
        }
        char enc[5];
        size_t n = utf8_encode(cp, enc);
        enc[n] = '\0';
        /* utf8proc_map's steps into a buffer here: decompose, then compose
         * and encode in place (no allocation for each of 26,000 code points;
         * the same result for every one of them, checked) */
        utf8proc_int32_t buf[65]; /* reencode ends the text with a NUL: one more */
        utf8proc_ssize_t r = utf8proc_decompose((const utf8proc_uint8_t *)enc, (utf8proc_ssize_t)n,
                                                buf, 64, NZ_UTF8PROC_FLAGS);
        if (r >= 0 && r <= 64)
            r = utf8proc_reencode(buf, r, NZ_UTF8PROC_FLAGS);
        else
            r = -1;
        if (r < 0 || ((size_t)r == n && !memcmp(buf, enc, n)))
            continue;
        utf8proc_uint8_t *dst = xmalloc((size_t)r + 1);
        memcpy(dst, buf, (size_t)r);
        dst[r] = 0;
        if (n_repl == cap_repl) {
            cap_repl = cap_repl ? cap_repl * 2 : 1024;
            repl = xrealloc(repl, cap_repl * sizeof *repl);
        }
        repl[n_repl++] = (struct nz_repl){cp, dst, (size_t)r};
        for (size_t q = 0; q < (size_t)r;) {
            uint32_t c;
            q += utf8_decode((const char *)dst + q, (size_t)r - q, &c);
            if (!t2s_candidate(c))
                continue;
            if (n_ideo == cap_ideo) {
                cap_ideo = cap_ideo ? cap_ideo * 2 : 1024;
                ideo = xrealloc(ideo, cap_ideo * sizeof *ideo);
            }
            ideo[n_ideo++] = c;
        }
    }
    t2s_learn(nz, ideo, n_ideo);
    free(ideo);
    for (size_t i = 0; i < n_repl; i++) {
        /* The replacement must itself be context-free and short. */
        bool ok = repl[i].len < 0x80, t2s = false;
        const char *q = (const char *)repl[i].dst;
        size_t left = repl[i].len;
        while (ok && left) {
            uint32_t c;
            size_t k = utf8_decode(q, left, &c);
            q += k;
            left -= k;
            if (needs_context(c))
                ok = false;
            if (t2s_has(nz, c))
                t2s = true;
        }
        nz->tab->map[repl[i].cp] =
            ok ? pool_add(nz, (const char *)repl[i].dst, repl[i].len, t2s) : MAP_CONTEXT;
        free(repl[i].dst);
    }
    free(repl);
}

int normalizer_new(struct normalizer **out, struct jy_error *err)
{
    *out = NULL;
    struct normalizer *nz = xcalloc(1, sizeof *nz);
    nz->cc = opencc_open("t2s.json");
    if (nz->cc == (opencc_t)-1) {
        const char *why = opencc_error();
        free(nz);
        return jy_error_set(err, JY_EIO,
                            "cannot open OpenCC's traditional-to-simplified conversion "
                            "(t2s.json): %s; is the opencc data package installed?",
                            why && *why ? why : "unknown error");
    }
    pthread_mutex_lock(&tables_mu);
    if (!tables) {
        /* OpenCC is asked once now, so that one that cannot convert is
         * refused here rather than found out text by text. */
        char *probe = opencc_convert_utf8(nz->cc, "\xe5\xbe\x8c\n", 4); /* 後 */
        if (!probe) {
            pthread_mutex_unlock(&tables_mu);
            normalizer_free(nz);
            return jy_error_set(err, JY_EIO, "OpenCC cannot convert text: %s", opencc_error());
        }
        opencc_convert_utf8_free(probe);
        nz->tab = xcalloc(1, sizeof *nz->tab);
        for (uint32_t cp = 0; cp < 0x10000; cp++) {
            if (!t2s_candidate(cp))
                t2s_set(nz->tab, cp, T2S_KNOWN);
        }
        map_build(nz);
        tables = nz->tab;
    }
    nz->tab = tables;
    pthread_mutex_unlock(&tables_mu);
    *out = nz;
    return 0;
}

int normalizer_check(struct jy_error *err)
{
    opencc_t cc = opencc_open("t2s.json");
    if (cc == (opencc_t)-1) {
        const char *why = opencc_error();
        return jy_error_set(err, JY_EIO,
                            "cannot open OpenCC's traditional-to-simplified conversion "
                            "(t2s.json): %s; is the opencc data package installed?",
                            why && *why ? why : "unknown error");
    }
    opencc_close(cc);
    return 0;
}

void normalizer_free(struct normalizer *nz)
{
    if (!nz)
        return;
    if (nz->cc && nz->cc != (opencc_t)-1)
        opencc_close(nz->cc);
    free(nz->a.d);
    free(nz->b.d);
    free(nz->c.d);
    free(nz);
}

/* ---- pass 1: map ------------------------------------------------------------- */

/* Whether what follows a run of `?` at s[j] ends it the way an emoji remnant
 * ends in the corpus: end of text, a space, or the `#` / `@` that starts the
 * next topic or mention (private-use code points in between are skipped, they
 * are dropped anyway). */
static bool lone_q_boundary(const char *s, size_t j, size_t len)
{
    while (j < len) {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x80)
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == '@';
        uint32_t cp;
        size_t n = utf8_decode(s + j, len - j, &cp);
        if (!is_pua(cp))
            return cp == 0x3000 || cp == 0xff03 || cp == 0xff20;
        j += n;
    }
    return true;
}

/* Pass 1 into out. premapped: s already went through utf8proc_map() (the
 * fallback), so only the Weibo rules and t2s detection apply. Returns false
 * when s holds a code point that needs the fallback. */
static bool nz_map(struct normalizer *nz, const char *s, size_t len, bool weibo, bool premapped,
                   struct sbuf *outp, struct span *t2s)
{
    /* A local copy, so that the compiler keeps it in registers: writes
     * through a char pointer could otherwise alias the struct. */
    struct sbuf w = *outp, *out = &w;
    out->len = 0;
    sbuf_reserve(out, len + 16);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z') {
                c = (unsigned char)(c + 32);
            } else if (c == '?' && weibo) {
                /* A `?` run not after a Latin letter or digit and followed by a
                 * boundary is an emoji the corpus's encoding lost, not a
                 * question: "痛心 ?", "转发 ???#话题#". */
                size_t j = i;
                while (j < len && s[j] == '?')
                    j++;
                bool after_word = out->len && is_alnum_ascii((unsigned char)out->d[out->len - 1]);
                if (!after_word && lone_q_boundary(s, j, len)) {
                    i = j;
                    continue;
                }
                sbuf_put(out, s + i, j - i);
                i = j;
                continue;
            } else if (c < 0x20 || c == 0x7f) {
                c = ' ';
            }
            sbuf_putc(out, (char)c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n;
        /* Three-byte sequences (all of CJK) decoded inline: this loop is hot. */
        if ((c & 0xf0) == 0xe0 && len - i >= 3 && ((unsigned char)s[i + 1] & 0xc0) == 0x80 &&
            ((unsigned char)s[i + 2] & 0xc0) == 0x80) {
            cp = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[i + 1] & 0x3f) << 6) |
                 (uint32_t)(s[i + 2] & 0x3f);
            n = 3;
            if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) {
                cp = 0xfffd;
                n = 1;
            }
        } else {
            n = utf8_decode(s + i, len - i, &cp);
        }
        if (is_cjk(cp)) {
            unsigned b = t2s_bits(nz->tab, cp);
            if (__builtin_expect(b != T2S_KNOWN, 0)) { /* not known, or converts */
                if (!(b & T2S_KNOWN))
                    b = t2s_learn_text(nz, cp, s + i, len - i);
                if (b & T2S_CONVERTS)
                    span_mark(t2s, out->len, out->len + n);
            }
            /* n is 3 (a BMP ideograph, never overlong): a fixed-size copy,
             * not a call for each character */
            sbuf_reserve(out, 3);
            memcpy(out->d + out->len, s + i, 3);
            out->len += 3;
            i += n;
            continue;
        }
        i += n;
        if (is_pua(cp)) {
            if (!weibo)
                sbuf_putcp(out, cp);
            continue;
        }
        if (premapped) {
            if (is_space_or_control(cp)) {
                sbuf_putc(out, ' ');
                continue;
            }
            if (t2s_has(nz, cp))
                span_mark(t2s, out->len, out->len + 4);
            sbuf_putcp(out, cp);
            continue;
        }
        if (cp < 0x10000) {
            uint32_t m = nz->tab->map[cp];
            if (m == MAP_IDENTITY) {
                sbuf_putcp(out, cp);
            } else if (m == MAP_CONTEXT) {
                *outp = w;
                return false;
            } else {
                if (m & MAP_T2S)
                    span_mark(t2s, out->len, out->len + (m & 0x7f));
                sbuf_put(out, nz->tab->pool + (m >> 8), m & 0x7f);
            }
            continue;
        }
        /* Outside the BMP: emoji and CJK extensions are their own normal
         * form; the rest (mathematical letters, enclosed alphanumerics, CJK
         * compatibility supplement) is decomposed on the spot. */
        if ((cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp < 0x2f800) ||
            (cp >= 0x2fa20 && cp <= 0x3ffff)) {
            sbuf_putcp(out, cp);
            continue;
        }
        utf8proc_int32_t d[16];
        int bound = 0;
        utf8proc_ssize_t r =
            utf8proc_decompose_char((utf8proc_int32_t)cp, d, 16,
                                    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, &bound);
        if (r < 0 || r > 16) {
            sbuf_putcp(out, cp);
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < r; k++) {
            if (needs_context((uint32_t)d[k])) {
                *outp = w;
                return false;
            }
        }
        for (utf8proc_ssize_t k = 0; k < r; k++) {
            if (t2s_has(nz, (uint32_t)d[k]))
                span_mark(t2s, out->len, out->len + 4);
            sbuf_putcp(out, (uint32_t)d[k]);
        }
    }
    out->d[out->len] = '\0';
    *outp = w;
    return true;
}

/* Pass 1 with the whole-text fallback. */
static void nz_map_full(struct normalizer *nz, const char *s, size_t len, bool weibo,
                        struct sbuf *out, struct span *t2s)
{
    t2s->n = 0;
    if (nz_map(nz, s, len, weibo, false, out, t2s))
        return;
    /* utf8proc_map() wants valid UTF-8 without NUL bytes. */
    char *valid = utf8_sanitize(s, len, UTF8_KEEP_NEWLINES | UTF8_KEEP_TABS);
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)valid,
                                      (utf8proc_ssize_t)strlen(valid), &dst, NZ_UTF8PROC_FLAGS);
    t2s->n = 0;
    if (r >= 0)
        nz_map(nz, (const char *)dst, (size_t)r, weibo, true, out, t2s);
    else
        nz_map(nz, valid, strlen(valid), weibo, true, out, t2s);
    free(dst);
    free(valid);
}

/* ---- pass 3: clean ------------------------------------------------------------ */

/* RFC 3986 characters minus the ones that, after NFKC, are mostly Chinese
 * punctuation right after a link (，！（）) or start a topic (#). */
static inline bool is_url_char(unsigned char c)
{
    return is_alnum_ascii(c) || (c && strchr("-._~:/?@$&*+=%", c));
}

static size_t skip_url_tail(const char *s, size_t i, size_t len)
{
    while (i < len && is_url_char((unsigned char)s[i]))
        i++;
    return i;
}

static inline bool starts(const char *s, size_t i, size_t len, const char *lit, size_t n)
{
    return len - i >= n && !memcmp(s + i, lit, n);
}

#define LIT(s) s, sizeof(s) - 1

/* How many bytes of Weibo noise start at s[i] (0 when none). */
static size_t noise_at(const char *s, size_t i, size_t len)
{
    unsigned char c = (unsigned char)s[i];
    bool word_before = i > 0 && is_alnum_ascii((unsigned char)s[i - 1]);
    switch (c) {
    case 'h':
        /* "http:" alone occurs too, left over before a link card ("http:O网页链接"). */
        if (!word_before && (starts(s, i, len, LIT("http:")) || starts(s, i, len, LIT("https:"))))
            return skip_url_tail(s, i, len) - i;
        return 0;
    case 't':
        if (!word_before && (i == 0 || s[i - 1] != '.') && starts(s, i, len, LIT("t.cn/")))
            return skip_url_tail(s, i, len) - i;
        return 0;
    case 'o':
        /* "O网页链接": the O is what is left of the link icon. */
        if (!word_before && starts(s, i + 1, len, LIT("网页链接")))
            return 1 + sizeof "网页链接" - 1;
        return 0;
    default:
        break;
    }
    if (c < 0x80)
        return 0;
    if (starts(s, i, len, LIT("网页链接")))
        return sizeof "网页链接" - 1;
    /* The collapse/expand buttons of long posts, with their icon letter. */
    if (starts(s, i, len, LIT("收起全文")) || starts(s, i, len, LIT("展开全文"))) {
        size_t n = sizeof "收起全文" - 1;
        if (i + n < len && (s[i + n] == 'd' || s[i + n] == 'c') &&
            (i + n + 1 == len || !is_alnum_ascii((unsigned char)s[i + n + 1])))
            n++;
        return n;
    }
    return 0;
}

static void nz_clean(const char *s, size_t len, bool weibo, struct sbuf *out)
{
    out->len = 0;
    sbuf_reserve(out, len + 1);
    char *d = out->d;
    size_t o = 0;
    bool space = false;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            space = true;
            i++;
            continue;
        }
        /* Only bytes that can start noise: h(ttp), t(.cn), o网页链接, 网, 收, 展. */
        if (weibo && (c == 'h' || c == 't' || c == 'o' ||
                      ((c == 0xe7 || c == 0xe6 || c == 0xe5) && i + 1 < len &&
                       ((unsigned char)s[i + 1] == 0xbd || (unsigned char)s[i + 1] == 0x94 ||
                        (unsigned char)s[i + 1] == 0xb1)))) {
            size_t skip = noise_at(s, i, len);
            if (skip) {
                i += skip;
                continue;
            }
        }
        if (space && o)
            d[o++] = ' ';
        space = false;
        /* Whole three-byte characters at once: most of a post is CJK. */
        if (c >= 0xe0 && c < 0xf0 && len - i >= 3) {
            memcpy(d + o, s + i, 3);
            o += 3;
            i += 3;
            continue;
        }
        d[o++] = (char)c;
        i++;
    }
    d[o] = '\0';
    out->len = o;
}

/* ---- putting it together ---------------------------------------------------------- */

/* Normalises s into nz->b (terms: weibo false). */
static void nz_run(struct normalizer *nz, const char *s, size_t len, bool weibo)
{
    struct span sp;
    nz_map_full(nz, s, len, weibo, &nz->a, &sp);
    const char *src = nz->a.d;
    size_t n = nz->a.len;
    if (sp.n) {
        /* OpenCC converts phrase by phrase, so each window it sees reaches a
         * few characters past the first and last traditional ones of a run;
         * the rest of the post (usually all of it) is left alone, and runs
         * far apart are converted apart. */
        const char *a = nz->a.d;
        struct sbuf *c = &nz->c;
        c->len = 0;
        size_t done = 0; /* a[0..done) is in c */
        for (size_t k = 0; k < sp.n; k++) {
            size_t lo = sp.lo[k], hi = sp.hi[k] < n ? sp.hi[k] : n;
            for (int q = 0; q < T2S_CONTEXT && lo > done; q++) {
                lo--;
                while (lo > done && ((unsigned char)a[lo] & 0xc0) == 0x80)
                    lo--;
            }
            size_t stop = k + 1 < sp.n ? sp.lo[k + 1] : n;
            for (int q = 0; q < T2S_CONTEXT && hi < stop; q++) {
                hi++;
                while (hi < stop && ((unsigned char)a[hi] & 0xc0) == 0x80)
                    hi++;
            }
            sbuf_put(c, a + done, lo - done);
            char *conv = opencc_convert_utf8(nz->cc, a + lo, hi - lo);
            if (conv) {
                sbuf_put(c, conv, strlen(conv));
                opencc_convert_utf8_free(conv);
            } else {
                sbuf_put(c, a + lo, hi - lo);
            }
            done = hi;
        }
        sbuf_put(c, a + done, n - done);
        c->d[c->len] = '\0';
        src = c->d;
        n = c->len;
    }
    nz_clean(src, n, weibo, &nz->b);
}

static void topics_collect(struct normalized *out, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && out->n_topics < TOPICS_MAX) {
        const char *h = memchr(s + i, '#', len - i);
        if (!h)
            break;
        size_t open = (size_t)(h - s);
        const char *e = memchr(s + open + 1, '#', len - open - 1);
        if (!e)
            break;
        size_t close = (size_t)(e - s);
        size_t a = open + 1, b = close;
        while (a < b && s[a] == ' ')
            a++;
        while (b > a && s[b - 1] == ' ')
            b--;
        if (a == b || b - a > TOPIC_MAX_BYTES) {
            /* "##" or a `#` pairing across sentences: the closing `#` may open
             * the next topic. */
            i = close;
            continue;
        }
        bool seen = false;
        for (size_t k = 0; k < out->n_topics && !seen; k++)
            seen = strlen(out->topics[k]) == b - a && !memcmp(out->topics[k], s + a, b - a);
        if (!seen) {
            out->topics = xrealloc(out->topics, (out->n_topics + 1) * sizeof *out->topics);
            out->topics[out->n_topics++] = xstrndup(s + a, b - a);
        }
        i = close + 1;
    }
}

/* The first "//@" of s, or NULL (memchr finds the slashes faster than
 * memmem the three bytes). */
static const char *find_chain(const char *s, size_t len)
{
    const char *p = s, *end = s + len;
    while (end - p >= 3 && (p = memchr(p, '/', (size_t)(end - p - 2)))) {
        if (p[1] == '/' && p[2] == '@')
            return p;
        p++;
    }
    return NULL;
}

int normalize_text(struct normalizer *nz, const char *s, size_t len, struct normalized *out,
                   struct jy_error *err)
{
    (void)err;
    memset(out, 0, sizeof *out);
    if (!s)
        len = 0;
    /* The repost chain starts at the first "//@"; its "//@" is not kept. */
    const char *chain = find_chain(s, len);
    size_t own = chain ? (size_t)(chain - s) : len;

    nz_run(nz, s ? s : "", own, true);
    out->text = xstrndup(nz->b.d, nz->b.len);
    topics_collect(out, out->text, nz->b.len);
    if (chain) {
        nz_run(nz, chain + 3, len - own - 3, true);
        if (nz->b.len) {
            out->repost = xstrndup(nz->b.d, nz->b.len);
            topics_collect(out, out->repost, nz->b.len);
        }
    }
    return 0;
}

void normalized_clear(struct normalized *n)
{
    if (!n)
        return;
    free(n->text);
    free(n->repost);
    for (size_t i = 0; i < n->n_topics; i++)
        free(n->topics[i]);
    free(n->topics);
    memset(n, 0, sizeof *n);
}

char *normalize_fold(struct normalizer *nz, const char *s, size_t len, size_t **at)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    size_t cap = len + 16;
    size_t *map = xmalloc(cap * sizeof *map);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        size_t from = b.len;
        if (cp < 0x80 && cp != ' ') {
            /* ASCII needs nothing but lower case */
            jy_buf_putc(&b, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        } else {
            nz_run(nz, s + i, k, false);
            jy_buf_append(&b, nz->b.d, nz->b.len);
        }
        if (b.len > cap) {
            cap = b.len * 2;
            map = xrealloc(map, cap * sizeof *map);
        }
        for (size_t j = from; j < b.len; j++)
            map[j] = i;
        i += k;
    }
    *at = map;
    return b.data ? jy_buf_steal(&b) : xstrdup("");
}

char *normalize_term(struct normalizer *nz, const char *s, size_t len)
{
    if (!s)
        return xstrdup("");
    nz_run(nz, s, len, false);
    return xstrndup(nz->b.d, nz->b.len);
}
