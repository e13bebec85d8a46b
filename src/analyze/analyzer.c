/* analyzer.c: one item through every part, in the order the parts need.
 *
 * normalise → match schemes → SimHash and near-duplicate lookup → sentiment →
 * risk marks → (matched items only) event grouping and risk grading. The
 * analyzer owns the parts and the memory they learn from items; it never
 * touches the database (the store persists results and restores memory). */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

/* Texts shorter than this many bytes are too short to call near-duplicates
 * (two different posts saying only "转发微博" are not the same story). */
#define DUP_MIN_BYTES 12
/* Dates before 1990 are not believed (0 and small numbers are common
 * placeholders). */
#define PUBLISHED_MIN INT64_C(631152000)
/* How much of an untitled post's text becomes its display title. */
#define TITLE_COLS 60
#define TITLE_HEAD 256 /* bytes of a text looked at first for its title */
/* A neutral comment shorter than this says nothing of the public's
 * attitude (转发微博, 转, mark): it is not counted in the attitude. */
#define VOICED_CHARS 8

enum { VOCAB_SCHEMES, VOCAB_LEXICON, VOCAB_RISK, VOCAB_PARTS };

struct analyzer {
    struct normalizer *nz;
    struct scheme_engine *schemes;
    struct dup_index *dups;
    struct lexicon *lexicon;
    struct sentiment_model *model;
    struct risk_vocab *risk;
    struct event_engine *events;
    /* the schemes', the lexicon's and the risk words' patterns in one
     * automaton (parts in that order): one pass over a text serves all */
    struct ac *vocab;
    struct memo *memo; /* MEMO_SLOTS of them */
    int dup_threshold;
    int64_t dup_window;
    char *region;      /* the last source region asked about, and */
    bool region_local; /* whether it is local */
    /* the normalised text of a first copy restored by its keys alone */
    char *(*text)(void *ctx, int64_t id);
    void *text_ctx;
};

/* What an item's own text decides (normalised text, schemes and terms,
 * SimHash, sentiment, the risk words in it) depends on its title, text and
 * media level alone, and reposts repeat a text word for word, mostly within
 * a few items of each other (in the Weibo corpus a quarter of the posts
 * repeat one, nearly all within 256 posts). The last MEMO_SLOTS texts,
 * direct-mapped by a hash of the three, give their results back
 * (copied: results are the caller's) without the work. What an item
 * learns from those before it (duplicates, events) is never kept here. */
#define MEMO_SLOTS 256
/* Longer texts are not remembered: reposts are short, and 256 long
 * articles would hold their copies for the collector's lifetime. */
#define MEMO_MAX_BYTES 16384

struct memo {
    uint64_t key; /* 0: empty */
    char *title;  /* the raw input, compared on a hit; title NULL or not "" */
    char *text;
    enum media_level media;
    struct an_result r;      /* what text_results_copy copies, nothing else */
    char *ntitle;            /* the title normalised, or NULL */
    struct risk_marks marks; /* of the text (names are the item's own) */
};

/* A hash of a text eight bytes at a time (jy_hash64 goes a byte at a time,
 * and its values are kept in event states, so it stays as it is). */
static uint64_t text_hash(const char *s, size_t n, uint64_t h)
{
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix64((h ^ w ^ n) * UINT64_C(0xbf58476d1ce4e5b9));
}

static uint64_t memo_key(const char *title, const char *text, enum media_level media)
{
    uint64_t h = text_hash(text, strlen(text), (uint64_t)media + 1);
    if (title)
        h = text_hash(title, strlen(title), h);
    return h ? h : 1;
}

static void memo_entry_clear(struct memo *m)
{
    free(m->title);
    free(m->text);
    an_result_clear(&m->r);
    free(m->ntitle);
    memset(m, 0, sizeof *m);
}

static void memo_clear(struct analyzer *an)
{
    for (size_t i = 0; an->memo && i < MEMO_SLOTS; i++)
        memo_entry_clear(&an->memo[i]);
}

static void *memdup_or_null(const void *p, size_t n)
{
    if (!n)
        return NULL;
    void *q = xmalloc(n);
    memcpy(q, p, n);
    return q;
}

/* Copies the results a text decides by itself (see analyze_text) from src
 * into dst, which holds none. */
static void text_results_copy(struct an_result *dst, const struct an_result *src)
{
    const struct normalized *n = &src->norm;
    dst->norm.text = xstrdup(n->text ? n->text : "");
    dst->norm.repost = n->repost ? xstrdup(n->repost) : NULL;
    dst->norm.n_topics = n->n_topics;
    dst->norm.topics = memdup_or_null(n->topics, n->n_topics * sizeof *n->topics);
    for (size_t i = 0; i < n->n_topics; i++)
        dst->norm.topics[i] = xstrdup(n->topics[i]);
    dst->schemes = memdup_or_null(src->schemes, src->n_schemes * sizeof *src->schemes);
    dst->n_schemes = src->n_schemes;
    dst->terms = memdup_or_null(src->terms, src->n_terms * sizeof *src->terms);
    dst->n_terms = src->n_terms;
    dst->simhash = src->simhash;
    dst->sketch = src->sketch;
    dst->bigrams = memdup_or_null(src->bigrams, src->n_bigrams * sizeof *src->bigrams);
    dst->n_bigrams = dst->bigrams ? src->n_bigrams : 0;
    dst->sentiment = src->sentiment;
    dst->sentiment_score = src->sentiment_score;
    dst->via_repost = src->via_repost;
}

/* The results the text decided when it was last seen, into out, *ntitle and
 * *marks; false when it is not remembered. */
static bool memo_get(struct analyzer *an, uint64_t key, const char *title, const char *text,
                     enum media_level media, struct an_result *out, char **ntitle,
                     struct risk_marks *marks)
{
    struct memo *m = &an->memo[key & (MEMO_SLOTS - 1)];
    if (m->key != key || m->media != media || (m->title == NULL) != (title == NULL) ||
        (title && strcmp(m->title, title) != 0) || strcmp(m->text, text) != 0)
        return false;
    text_results_copy(out, &m->r);
    *ntitle = m->ntitle ? xstrdup(m->ntitle) : NULL;
    *marks = m->marks;
    return true;
}

static void memo_put(struct analyzer *an, uint64_t key, const char *title, const char *text,
                     enum media_level media, const struct an_result *out, const char *ntitle,
                     const struct risk_marks *marks)
{
    struct memo *m = &an->memo[key & (MEMO_SLOTS - 1)];
    memo_entry_clear(m);
    m->key = key;
    m->title = title ? xstrdup(title) : NULL;
    m->text = xstrdup(text);
    m->media = media;
    text_results_copy(&m->r, out);
    m->ntitle = ntitle ? xstrdup(ntitle) : NULL;
    m->marks = *marks;
}

static const char *scheme_name_cb(void *ctx, int i)
{
    return scheme_engine_name(((struct analyzer *)ctx)->schemes, i);
}

int analyzer_new(const struct config *cfg, struct analyzer **out, struct jy_error *err)
{
    *out = NULL;
    struct analyzer *an = xcalloc(1, sizeof *an);
    const struct analysis_config *ac = &cfg->analysis;
    int rc;
    if ((rc = normalizer_new(&an->nz, err)) ||
        (rc = scheme_engine_new(an->nz, cfg, &an->schemes, err)) ||
        (rc = lexicon_load(an->nz, config_datadir(), &an->lexicon, err)) ||
        (rc = risk_vocab_new(an->nz, config_datadir(), cfg, &an->risk, err))) {
        analyzer_free(an);
        return rc;
    }
    const struct ac *parts[VOCAB_PARTS] = {
        [VOCAB_SCHEMES] = scheme_engine_ac(an->schemes),
        [VOCAB_LEXICON] = lexicon_ac(an->lexicon),
        [VOCAB_RISK] = risk_vocab_ac(an->risk),
    };
    an->vocab = ac_union(parts, VOCAB_PARTS);
    an->memo = xcalloc(MEMO_SLOTS, sizeof *an->memo);
    an->dup_threshold = ac->simhash_threshold;
    an->dup_window = (int64_t)ac->duplicate_window * 3600;
    an->dups = dup_index_new(ac->simhash_threshold, an->dup_window);
    an->events = event_engine_new(ac, scheme_name_cb, an);
    event_engine_full_picture(an->events, false);
    *out = an;
    return 0;
}

int analyzer_check(const struct config *cfg, struct jy_error *err)
{
    int rc = scheme_engine_check(cfg, err);
    if (!rc)
        rc = lexicon_check(config_datadir(), err);
    if (!rc)
        rc = risk_vocab_check(config_datadir(), cfg, err);
    return rc;
}

void analyzer_free(struct analyzer *an)
{
    if (!an)
        return;
    event_engine_free(an->events);
    memo_clear(an);
    free(an->memo);
    ac_free(an->vocab);
    risk_vocab_free(an->risk);
    sentiment_model_free(an->model);
    lexicon_free(an->lexicon);
    dup_index_free(an->dups);
    scheme_engine_free(an->schemes);
    normalizer_free(an->nz);
    free(an->region);
    free(an);
}

int analyzer_set_model(struct analyzer *an, const char *model, size_t len, struct jy_error *err)
{
    struct sentiment_model *m;
    int rc = sentiment_model_load(model, len, &m, err);
    if (rc)
        return rc;
    sentiment_model_free(an->model);
    an->model = m;
    memo_clear(an); /* sentiment came from the model replaced */
    return 0;
}

int analyzer_event(struct analyzer *an, int64_t event_id, struct an_event *out,
                   struct jy_error *err)
{
    return event_engine_get(an->events, event_id, out, err);
}

int analyzer_event_explain(struct analyzer *an, int64_t event_id, double *score,
                           enum risk_level *level, char **explanation, struct jy_error *err)
{
    return event_engine_explain(an->events, event_id, score, level, explanation, err);
}

void analyzer_settle(struct analyzer *an)
{
    event_engine_settle(an->events);
}

void analyzer_keep_state(struct analyzer *an, bool keep)
{
    event_engine_keep_state(an->events, keep);
}

void analyzer_reset(struct analyzer *an)
{
    dup_index_clear(an->dups);
    event_engine_clear(an->events);
}

size_t analyzer_n_schemes(const struct analyzer *an)
{
    return scheme_engine_count(an->schemes);
}

const char *analyzer_scheme_name(const struct analyzer *an, int i)
{
    return scheme_engine_name(an->schemes, i);
}

void analyzer_restore_next_event(struct analyzer *an, int64_t next_id)
{
    event_engine_set_next_id(an->events, next_id);
}

void an_dup_keys_of(const struct an_result *r, struct an_dup_keys *out)
{
    memset(out, 0, sizeof *out);
    size_t len = r->norm.text ? strlen(r->norm.text) : 0;
    /* what analyzer_restore_item makes of the stored text: the sketch of a
     * text is the one analyze_text made of it (its body) */
    if (len == 0)
        return;
    if (len < DUP_MIN_BYTES) {
        out->skip = true;
        return;
    }
    if (r->sketch.n == 0)
        return;
    out->n = r->sketch.n_low < DUP_KEYS ? r->sketch.n_low : DUP_KEYS;
    memcpy(out->low, r->sketch.low, out->n * sizeof *out->low);
}

void analyzer_restore_item_keys_out(struct analyzer *an, int64_t id, uint64_t simhash,
                                    const char *normalized, int64_t at, struct an_dup_keys *filed)
{
    struct an_dup_keys none;
    if (!filed)
        filed = &none;
    memset(filed, 0, sizeof *filed);
    size_t len = normalized ? strlen(normalized) : 0;
    if (len == 0) {
        /* No text: it was judged on its title, which the store does not
         * keep normalised; its SimHash finds its copies. */
        dup_index_add(an->dups, id, simhash, at);
        return;
    }
    if (len < DUP_MIN_BYTES) {
        filed->skip = true;
        return; /* too short to have been a first copy (see state_part) */
    }
    struct dup_sketch sk;
    simhash64_sketch(normalized, len, &sk);
    dup_index_add_sketch(an->dups, id, simhash, &sk, at);
    if (sk.n > 0) {
        filed->n = sk.n_low < DUP_KEYS ? sk.n_low : DUP_KEYS;
        memcpy(filed->low, sk.low, filed->n * sizeof *filed->low);
    }
}

void analyzer_restore_item(struct analyzer *an, int64_t id, uint64_t simhash,
                           const char *normalized, int64_t at)
{
    analyzer_restore_item_keys_out(an, id, simhash, normalized, at, NULL);
}

void analyzer_restore_keys(struct analyzer *an, int64_t id, uint64_t simhash,
                           const struct an_dup_keys *k, int64_t at)
{
    if (k->skip)
        return;
    dup_index_add_keys(an->dups, id, simhash, k->low, k->n, at);
}

/* The dup index's sketcher: the sketch analyzer_restore_item would have made. */
static bool sketch_from_text(void *ctx, int64_t id, struct dup_sketch *out)
{
    struct analyzer *an = ctx;
    char *text = an->text ? an->text(an->text_ctx, id) : NULL;
    if (!text)
        return false;
    simhash64_sketch(text, strlen(text), out);
    free(text);
    return true;
}

void analyzer_set_text_source(struct analyzer *an, char *(*text)(void *ctx, int64_t id), void *ctx)
{
    an->text = text;
    an->text_ctx = ctx;
    dup_index_set_sketcher(an->dups, text ? sketch_from_text : NULL, an);
}

int analyzer_restore_event(struct analyzer *an, int64_t id, const char *state, struct jy_error *err)
{
    return event_engine_restore(an->events, id, state, err);
}

char *event_title_text(const char *src, size_t len)
{
    /* The start of a long text is enough when, made safe, it is already
     * wider than the title (what is cut off the end cannot matter); only a
     * start that was mostly control sequences needs the whole text. */
    size_t head = len > TITLE_HEAD ? TITLE_HEAD : len;
    while (head < len && head > 0 && ((unsigned char)src[head] & 0xC0) == 0x80)
        head--; /* not inside a character: its pieces would be wider than it */
    char *clean = utf8_sanitize(src, head, 0);
    char *t = utf8_truncate(clean, TITLE_COLS);
    if (head < len && strcmp(t, clean) == 0) { /* the safe head fits whole */
        free(t);
        free(clean);
        clean = utf8_sanitize(src, len, 0);
        t = utf8_truncate(clean, TITLE_COLS);
    }
    free(clean);
    return t;
}

/* The event's display title: the item's title, else the start of its text,
 * safe to draw. */
static char *display_title(const void *ctx)
{
    const struct an_item *in = ctx;
    const char *src = in->title && *in->title ? in->title : in->text ? in->text : "";
    return event_title_text(src, strlen(src));
}

/* The texts of a repost chain ("user:text //@user:text ..."), deepest
 * first: each segment without its "user:" (up to 30 characters before the
 * first colon). Into seg (at most n); returns how many. */
struct segment {
    const char *s;
    size_t len;
};
#define CHAIN_KEEP 16 /* segments of a chain looked at, the deepest */
static size_t chain_segments(const char *chain, struct segment *seg, size_t n)
{
    /* the last CHAIN_KEEP segments, in a ring: the original is the last */
    struct segment ring[CHAIN_KEEP];
    size_t k = 0;
    for (const char *p = chain; p;) {
        const char *next = strstr(p, "//@");
        size_t len = next ? (size_t)(next - p) : strlen(p);
        const char *colon = memchr(p, ':', len < 96 ? len : 96);
        if (colon) {
            len -= (size_t)(colon + 1 - p);
            p = colon + 1;
        }
        while (len > 0 && (*p == ' '))
            p++, len--;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        ring[k++ % CHAIN_KEEP] = (struct segment){p, len};
        p = next ? next + 3 : NULL;
    }
    size_t m = 0;
    for (size_t i = k; i-- > 0 && m < n && k - i <= CHAIN_KEEP;)
        seg[m++] = ring[i % CHAIN_KEEP];
    return m;
}

/* A repost's chain: the risk words of the story it spreads (its content is the
 * story's; its own words stay the reposter's, for attitude) and, when its
 * own words matched no scheme, the chain's schemes (without terms: those
 * are the original author's words, not the reposter's). *story becomes
 * the original's text, what the item tells for grouping. */
static void repost_part(struct analyzer *an, struct an_result *out, enum media_level media,
                        struct risk_marks *marks, const char **story, size_t *story_len)
{
    /* The chain's texts without the reposters' names (a name holding 交警
     * is no police actor in the story), one sentence each, deepest first. */
    struct segment seg[CHAIN_KEEP];
    size_t n = chain_segments(out->norm.repost, seg, CHAIN_KEEP);
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            jy_buf_puts(&b, "。");
        jy_buf_append(&b, seg[i].s, seg[i].len);
    }
    const char *chain = b.data ? b.data : "";
    bool own_matched = out->n_schemes > 0;
    /* The story's risk words decide marks of their own, merged after: a
     * denial in the chain weighs the chain's claims, not the reposter's. */
    struct risk_marks cm;
    memset(&cm, 0, sizeof cm);
    struct risk_scan rscan;
    risk_scan_start(&rscan, &cm, chain, false);
    struct ac_sink sinks[VOCAB_PARTS] = {
        [VOCAB_SCHEMES] = {own_matched ? NULL : scheme_engine_hit, an->schemes},
        [VOCAB_RISK] = {risk_vocab_hit, &rscan},
    };
    if (!own_matched) {
        scheme_engine_begin(an->schemes);
        scheme_engine_field(an->schemes, false);
    }
    ac_scan_parts(an->vocab, chain, b.len, sinks);
    risk_scan_decide(&rscan);
    risk_marks_merge(marks, &cm);
    if (!own_matched) {
        int *schemes = NULL;
        size_t n_schemes = 0, n_terms = 0;
        struct an_term *terms = NULL;
        scheme_engine_decide(an->schemes, NULL, chain, media, &schemes, &n_schemes, &terms,
                             &n_terms);
        free(terms);
        if (n_schemes > 0) {
            free(out->schemes);
            out->schemes = schemes;
            out->n_schemes = n_schemes;
            out->via_repost = true;
        } else {
            free(schemes);
        }
    }
    jy_buf_free(&b);
    if (n > 0 && (out->via_repost || *story_len < DUP_MIN_BYTES)) {
        *story = seg[0].s;
        *story_len = seg[0].len;
    }
}

/* What the item's own words decide: its normalised text and title (*ntitle,
 * new), schemes and terms, SimHash, sentiment and the risk words in it. */
static int analyze_text(struct analyzer *an, const char *raw_title, const char *text,
                        enum media_level media, struct an_result *out, char **ntitle,
                        struct risk_marks *marks, struct jy_error *err)
{
    int rc = normalize_text(an->nz, text, strlen(text), &out->norm, err);
    if (rc)
        return rc;
    char *title = raw_title ? normalize_term(an->nz, raw_title, strlen(raw_title)) : NULL;
    *ntitle = title;
    /* A post with no body (a headline-only feed entry) is judged on its
     * title. */
    const char *body = out->norm.text;
    if (!*body && title)
        body = title;
    size_t len = strlen(body);

    /* One pass over the title and one over the text find the schemes'
     * terms, and in the body (the text, else the title) the lexicon's and
     * the risk words. */
    struct lex_hits lex;
    lex_hits_init(&lex);
    bool lexicon_needed = !an->model || sentiment_model_uses_lexicon(an->model);
    memset(marks, 0, sizeof *marks);
    struct risk_scan rscan;
    risk_scan_start(&rscan, marks, body, false);
    struct ac_sink sinks[VOCAB_PARTS] = {[VOCAB_SCHEMES] = {scheme_engine_hit, an->schemes}};
    struct ac_sink body_sinks[VOCAB_PARTS] = {
        [VOCAB_SCHEMES] = {scheme_engine_hit, an->schemes},
        [VOCAB_LEXICON] = {lexicon_needed ? lex_hit_collect : NULL, &lex},
        [VOCAB_RISK] = {risk_vocab_hit, &rscan},
    };
    scheme_engine_begin(an->schemes);
    if (title && *title) {
        scheme_engine_field(an->schemes, true);
        ac_scan_parts(an->vocab, title, strlen(title), body == title ? body_sinks : sinks);
    }
    if (*out->norm.text) {
        scheme_engine_field(an->schemes, false);
        ac_scan_parts(an->vocab, out->norm.text, len, body_sinks);
    }
    scheme_engine_decide(an->schemes, title, out->norm.text, media, &out->schemes, &out->n_schemes,
                         &out->terms, &out->n_terms);
    risk_scan_decide(&rscan);
    out->simhash = simhash64_sketch(body, len, &out->sketch);
    const char *story = body; /* what the item tells: its words, or its chain's original */
    size_t story_len = len;
    if (out->norm.repost)
        repost_part(an, out, media, marks, &story, &story_len);
    if (out->n_schemes > 0) { /* what an event needs, made here rather than where events are */
        uint16_t bg[EVENT_BIGRAMS_MAX];
        out->n_bigrams = event_bigrams(story, story_len, bg);
        out->bigrams = memdup_or_null(bg, out->n_bigrams * sizeof *bg);
    }
    if (!an->model) {
        out->sentiment =
            lexicon_score_hits(an->lexicon, body, len, &lex, &out->sentiment_score, NULL);
    } else if (lexicon_needed) {
        struct lex_features lf;
        lexicon_score_hits(an->lexicon, body, len, &lex, NULL, &lf);
        out->sentiment = sentiment_model_score(an->model, body, len, &lf, &out->sentiment_score);
    } else {
        out->sentiment = sentiment_model_score(an->model, body, len, NULL, &out->sentiment_score);
    }
    return 0;
}

/* analyze_text through the memo: out's text results, *title and *marks. */
static int text_part(struct analyzer *an, const struct an_item *in, struct an_result *out,
                     char **title, struct risk_marks *marks, struct jy_error *err)
{
    const char *text = in->text ? in->text : "";
    const char *raw_title = in->title && *in->title ? in->title : NULL;
    bool memo = strlen(text) + (raw_title ? strlen(raw_title) : 0) <= MEMO_MAX_BYTES;
    uint64_t key = memo ? memo_key(raw_title, text, in->media_level) : 0;
    *title = NULL;
    if (memo && memo_get(an, key, raw_title, text, in->media_level, out, title, marks))
        return 0;
    int rc = analyze_text(an, raw_title, text, in->media_level, out, title, marks, err);
    if (rc) {
        free(*title);
        *title = NULL;
        an_result_clear(out);
        return rc;
    }
    if (memo)
        memo_put(an, key, raw_title, text, in->media_level, out, *title, marks);
    return 0;
}

struct an_text {
    const char *title, *text; /* the item's, compared by address */
    enum media_level media;
    bool taken;         /* its results went to an analyzer_run_text */
    struct an_result r; /* the text results only */
    char *ntitle;
    struct risk_marks marks;
};

int analyzer_text(struct analyzer *an, const struct an_item *in, struct an_text **out,
                  struct jy_error *err)
{
    struct an_text *t = xcalloc(1, sizeof *t);
    int rc = text_part(an, in, &t->r, &t->ntitle, &t->marks, err);
    if (rc) {
        free(t);
        *out = NULL;
        return rc;
    }
    t->title = in->title;
    t->text = in->text;
    t->media = in->media_level;
    *out = t;
    return 0;
}

void an_text_free(struct an_text *t)
{
    if (!t)
        return;
    an_result_clear(&t->r);
    free(t->ntitle);
    free(t);
}

static int state_part(struct analyzer *an, const struct an_item *in, struct an_result *out,
                      char *title, struct risk_marks marks, struct jy_error *err);

void an_text_give_back(struct an_text *t, struct an_result *r)
{
    if (!t)
        return;
    an_result_clear(&t->r);
    t->r.norm = r->norm;
    t->r.schemes = r->schemes;
    t->r.n_schemes = r->n_schemes;
    t->r.terms = r->terms;
    t->r.n_terms = r->n_terms;
    t->r.bigrams = r->bigrams;
    t->r.n_bigrams = r->n_bigrams;
    memset(&r->norm, 0, sizeof r->norm);
    r->schemes = NULL;
    r->n_schemes = 0;
    r->terms = NULL;
    r->n_terms = 0;
    r->bigrams = NULL;
    r->n_bigrams = 0;
    t->taken = true;
}

int analyzer_run(struct analyzer *an, const struct an_item *in, struct an_result *out,
                 struct jy_error *err)
{
    return analyzer_run_text(an, in, NULL, out, err);
}

bool an_text_fits(const struct an_text *t, const struct an_item *in)
{
    return t && t->title == in->title && t->text == in->text && t->media == in->media_level;
}

const struct an_result *an_text_results(const struct an_text *t)
{
    return &t->r;
}

int analyzer_run_text(struct analyzer *an, const struct an_item *in, struct an_text *t,
                      struct an_result *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    char *title = NULL;
    struct risk_marks marks;
    if (t && !t->taken && an_text_fits(t, in)) {
        *out = t->r;
        title = t->ntitle;
        marks = t->marks;
        memset(&t->r, 0, sizeof t->r);
        t->ntitle = NULL;
        t->taken = true;
    } else {
        int rc = text_part(an, in, out, &title, &marks, err);
        if (rc)
            return rc;
    }
    out->id = in->id;
    return state_part(an, in, out, title, marks, err);
}

/* The characters of s, counted up to at most max. */
static size_t count_chars(const char *s, size_t max)
{
    size_t n = 0;
    for (; *s && n < max; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Whether a source's region is local (the last answer is kept: items come
 * in runs from one source). */
static bool source_local(struct analyzer *an, const char *region)
{
    if (!region || !*region)
        return false;
    if (!an->region || strcmp(an->region, region) != 0) {
        free(an->region);
        an->region = xstrdup(region);
        char *t = normalize_term(an->nz, region, strlen(region)); /* as the words are */
        an->region_local = risk_vocab_local(an->risk, t);
        free(t);
    }
    return an->region_local;
}

/* What an item learns from those before it: near-duplicates, events. Takes
 * title. */
static int state_part(struct analyzer *an, const struct an_item *in, struct an_result *out,
                      char *title, struct risk_marks marks, struct jy_error *err)
{
    int rc = 0;
    /* A post with no body (a headline-only feed entry) is judged on its
     * title. */
    const char *body = out->norm.text;
    if (!*body && title)
        body = title;
    size_t len = strlen(body);

    /* The item's time: its date when believable, else when it was collected.
     * A date after collection (a wrong zone, milliseconds, 2099) or before
     * PUBLISHED_MIN would move the engines' clocks: one such item closed
     * every open event. */
    int64_t at = in->collected > 0 ? in->collected : jy_now();
    int64_t when = in->published > PUBLISHED_MIN && in->published < at ? in->published : at;
    /* A repost joins the event of the item its chain reproduces (the
     * deepest text first: the original). */
    if (out->norm.repost) {
        struct segment seg[4];
        size_t n = chain_segments(out->norm.repost, seg, 4);
        for (size_t i = 0; i < n && !out->repost_of; i++) {
            if (seg[i].len < DUP_MIN_BYTES)
                continue;
            struct dup_sketch sk;
            uint64_t h = simhash64_sketch(seg[i].s, seg[i].len, &sk);
            int64_t id = dup_index_find_sketch(an->dups, h, &sk, at);
            if (id && event_engine_holds(an->events, id, when))
                out->repost_of = id;
        }
    }
    if (len >= DUP_MIN_BYTES) {
        out->duplicate_of = dup_index_find_sketch(an->dups, out->simhash, &out->sketch, at);
        if (!out->duplicate_of)
            dup_index_add_sketch(an->dups, in->id, out->simhash, &out->sketch, at);
    }

    if (out->n_schemes > 0 || out->repost_of) {
        struct event_input ev = {
            .id = in->id,
            .at = when,
            .collected = at,
            .text = body,
            .len = len,
            .bigrams = out->bigrams,
            .n_bigrams = out->n_bigrams,
            .simhash = out->simhash,
            .duplicate_of = out->duplicate_of,
            .topics = (const char *const *)out->norm.topics,
            .n_topics = out->norm.n_topics,
            .terms = out->terms,
            .n_terms = out->n_terms,
            .schemes = out->schemes,
            .n_schemes = out->n_schemes,
            .source = in->source,
            .media_level = in->media_level,
            .sentiment = out->sentiment,
            .voiced = count_chars(out->norm.text, VOICED_CHARS) >= VOICED_CHARS,
        };
        risk_vocab_scan_names(an->risk, in->author, in->source, &marks);
        if (!marks.local && source_local(an, in->region))
            marks.local = true;
        ev.marks = marks;
        ev.repost_of = out->repost_of;
        ev.make_title = display_title; /* made only when the event needs it */
        ev.title_ctx = in;
        ev.title_src = in->title && *in->title ? in->title : in->text ? in->text : "";
        rc = event_engine_add(an->events, &ev, &out->event, &out->alert, err);
        if (rc) {
            free(title);
            an_result_clear(out);
            return rc;
        }
        out->event_id = out->event.id;
    }
    free(title);
    return 0;
}

void an_result_clear(struct an_result *r)
{
    if (!r)
        return;
    normalized_clear(&r->norm);
    free(r->schemes);
    free(r->terms);
    free(r->bigrams);
    an_event_clear(&r->event);
    memset(r, 0, sizeof *r);
}
