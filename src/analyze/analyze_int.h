/*
 * analyze_int.h: the parts of the analyzer, private to src/analyze and its
 * unit tests. analyzer.c ties them together; each part is memory only.
 *
 *   ac.c         Aho-Corasick automaton over bytes (schemes, lexicons, risk words)
 *   normalize.c  normalisation (public API in analyze.h) + normalize_term
 *   scheme.c     scheme expressions and groups, compiled onto one automaton
 *   simhash.c    64-bit SimHash and the banded near-duplicate index
 *   sentiment.c  sentiment names and the lexicon scorer
 *   sentiment_model.c  the trained model (logistic regression) and its trainer
 *   risk.c       sensitive categories, local and official words, the score
 *   event.c      incremental event grouping and each event's figures
 */
#ifndef JY_ANALYZE_INT_H
#define JY_ANALYZE_INT_H

#include "analyze/analyze.h"

/* A bijective 64-bit finaliser (murmur3's): spreads keys over all bits. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* ---- ac.c ------------------------------------------------------------------ */

/* Patterns are byte strings (normalised UTF-8); a hit is reported with the
 * pattern's value and its byte range [start, end) in the text. Several
 * patterns may share one value and one pattern may be added with several
 * values. Matching is leftmost-first per end position: every occurrence of
 * every pattern is reported, in order of end offset. */
struct ac;
struct ac *ac_new(void);
/* Adds a pattern (len > 0). Must be called before ac_build. */
void ac_add(struct ac *a, const char *pattern, size_t len, int32_t value);
void ac_build(struct ac *a);
size_t ac_count(const struct ac *a); /* patterns added */
/* Calls hit for every occurrence; stops early when hit returns false. */
/* start/end: byte offsets; cstart/cend: the same in code points. */
typedef bool (*ac_hit_fn)(void *ctx, int32_t value, size_t start, size_t end, size_t cstart,
                          size_t cend);
void ac_scan(const struct ac *a, const char *text, size_t len, ac_hit_fn hit, void *ctx);
void ac_free(struct ac *a);
/* Several vocabularies in one automaton, so that one pass over a text
 * serves them all: a new, built automaton holding every pattern of
 * parts[0..n) (NULL parts are skipped), each hit tagged with its part. */
struct ac *ac_union(const struct ac *const *parts, size_t n);
/* Where a union's scan sends the hits of one part (hit NULL: dropped). */
struct ac_sink {
    ac_hit_fn hit;
    void *ctx;
};
/* Scans a union: the hits of part p go to sinks[p], each part's in the
 * order its own automaton would report them. Stops when a sink returns
 * false. */
void ac_scan_parts(const struct ac *a, const char *text, size_t len, const struct ac_sink *sinks);

/* ---- normalize.c ------------------------------------------------------------ */

/* normalize_term: see analyze.h */

/* ---- scheme.c ----------------------------------------------------------------- */

struct scheme_engine;
/* Compiles every enabled scheme of cfg->analysis onto one automaton. Terms are
 * normalised with nz. Errors: JY_ECONFIG "FILE:LINE:COL: analysis.schemes[i]...: ..." */
int scheme_engine_new(struct normalizer *nz, const struct config *cfg, struct scheme_engine **out,
                      struct jy_error *err);
/* Whether cfg's schemes compile, terms normalised without a normaliser
 * (what scheme_engine_new(NULL, ...) would say of them, without building
 * the automaton). */
int scheme_engine_check(const struct config *cfg, struct jy_error *err);
void scheme_engine_free(struct scheme_engine *se);
size_t scheme_engine_count(const struct scheme_engine *se);
const char *scheme_engine_name(const struct scheme_engine *se, int i);
/* Matches normalised title and text (either may be NULL) of an item from a
 * source at media level ml. Fills the indices of the schemes matched
 * (ascending) and the terms of matched schemes that occur (with their
 * offsets; a term shared by two matched schemes appears once per scheme).
 * Arrays are new (free with free(); the terms' strings are the engine's) and may be NULL when
 * the count is 0. */
void scheme_engine_match(struct scheme_engine *se, const char *title, const char *text,
                         enum media_level ml, int **schemes, size_t *n_schemes,
                         struct an_term **terms, size_t *n_terms);
/* scheme_engine_match in steps, for a scan shared with other vocabularies
 * (ac_union of scheme_engine_ac and others): begin, then the scans, each
 * after scheme_engine_field says whether it reads the title, with
 * scheme_engine_hit as the sink of this engine's part, then decide. */
const struct ac *scheme_engine_ac(const struct scheme_engine *se);
void scheme_engine_begin(struct scheme_engine *se);
void scheme_engine_field(struct scheme_engine *se, bool title);
bool scheme_engine_hit(void *ctx, int32_t term, size_t start, size_t end, size_t cstart,
                       size_t cend);
void scheme_engine_decide(struct scheme_engine *se, const char *title, const char *text,
                          enum media_level ml, int **schemes, size_t *n_schemes,
                          struct an_term **terms, size_t *n_terms);

/* ---- simhash.c ---------------------------------------------------------------- */

/* SimHash over overlapping 3-character shingles of normalised text (texts
 * shorter than 3 characters: their characters). simhash64_sketch also makes
 * the text's sketch into *sk in the same pass. */
uint64_t simhash64(const char *text, size_t len);
uint64_t simhash64_sketch(const char *text, size_t len, struct dup_sketch *sk);
int simhash_distance(uint64_t a, uint64_t b);
/* Sorts the sketch's values and drops repeats (once; dup_sketch_match needs
 * it). */
void dup_sketch_sort(struct dup_sketch *sk);
/* Whether two sorted sketches' texts are near-duplicates: the smaller has at
 * least half the larger's shingles, and 7/8 of its sampled ones are the
 * larger's. */
bool dup_sketch_match(const struct dup_sketch *a, const struct dup_sketch *b);

/* Near-duplicate index. Entries with a sketch are found by sketch lookups
 * (dup_sketch_match); entries without one by their SimHash: with threshold k
 * the 64 bits are cut into k+1 bands, so two hashes within distance k share
 * at least one band exactly (pigeonhole). Entries older than window seconds
 * are dropped as the clock moves. */
struct dup_index;
struct dup_index *dup_index_new(int threshold, int64_t window);
/* The earliest-added entry without a sketch within the threshold of h and
 * the window (relative to now), or 0. */
int64_t dup_index_find(struct dup_index *di, uint64_t h, int64_t now);
/* The earliest-added entry within the window that is a near-duplicate of
 * sk's text (those without a sketch: within the threshold of h), or 0. A
 * NULL or empty sk looks up h alone, as dup_index_find. */
int64_t dup_index_find_sketch(struct dup_index *di, uint64_t h, const struct dup_sketch *sk,
                              int64_t now);
void dup_index_add(struct dup_index *di, int64_t id, uint64_t h, int64_t at);
/* Adds an entry found by its sketch (NULL or empty: by h, as dup_index_add). */
void dup_index_add_sketch(struct dup_index *di, int64_t id, uint64_t h, const struct dup_sketch *sk,
                          int64_t at);
/* Adds an entry by the keys its sketch files it under (n_low of its
 * smallest values, as struct an_dup_keys has them; 0: by h), whose sketch
 * is made by the sketcher when a look-up first has it as a candidate. */
void dup_index_add_keys(struct dup_index *di, int64_t id, uint64_t h, const uint32_t *low,
                        uint32_t n_low, int64_t at);
/* What makes a lazy entry's sketch; false: it cannot (the entry matches nothing). */
void dup_index_set_sketcher(struct dup_index *di,
                            bool (*sketch)(void *ctx, int64_t id, struct dup_sketch *out),
                            void *ctx);
size_t dup_index_size(const struct dup_index *di);
void dup_index_clear(struct dup_index *di);
void dup_index_free(struct dup_index *di);

/* ---- sentiment.c -------------------------------------------------------------- */

/* The lexicon in DATADIR/lexicon/ (see data/lexicon/README): sentiment
 * words with weights, rhetorical demands, sarcasm and irony markers, crimes
 * and police action, negations, degree words. */
struct lexicon;
int lexicon_load(struct normalizer *nz, const char *datadir, struct lexicon **out,
                 struct jy_error *err);
void lexicon_free(struct lexicon *lx);
/* Whether every lexicon file reads and parses as lexicon_load would have
 * it (its error, naming the file and line), without normalising or
 * building anything. */
int lexicon_check(const char *datadir, struct jy_error *err);
/* Scores normalised text: *score in -1..1. */
enum sentiment lexicon_score(const struct lexicon *lx, const char *text, size_t len, double *score);

/* What the lexicon saw in a text besides its verdict, each in 0..1 (the
 * score -1..1): what a trained model weighs beside the text's characters.
 * The order is part of the model format: add at the end. */
enum lex_feature {
    LEXF_SCORE,    /* the lexicon's score */
    LEXF_NEGATIVE, /* the weight of what counted negative, squashed */
    LEXF_POSITIVE, /* and positive */
    LEXF_DEMAND,   /* rhetorical questions and demands, n/(n+1) */
    LEXF_SARCASM,  /* sarcasm markers, n/(n+1) */
    LEXF_CRIME,    /* crimes and misfortunes (as counted), squashed */
    LEXF_ACTION,   /* police action words, n/(n+1) */
    LEXF_QUESTION, /* question marks, n/(n+1) */
    LEXF_EXCLAIM,  /* exclamation marks, n/(n+1) */
    /* added later: a model trained before has fewer (its n_lex), and the
     * ones it lacks weigh nothing in it */
    LEXF_AT_POLICE, /* negative words in the clause after a police word, n/(n+1) */
    LEXF_NEGATION,  /* negations, n/(n+1) */
    LEXF_LENGTH,    /* characters, log(1 + n) / log(1001), at most 1 */
    LEXF_N
};
struct lex_features {
    float v[LEXF_N];
};

/* lexicon_score in steps, for a scan shared with other vocabularies: the
 * hits of lexicon_ac's patterns gathered by lex_hit_collect (the sink, ctx a
 * struct lex_hits made ready by lex_hits_init), then scored over text, which
 * also frees what the hits took. lf (may be NULL) gets the features. */
struct lex_hit {
    uint32_t start, end;
    int32_t entry;
};
/* Most texts have a handful, so they live inside; a long article spills to
 * the heap once. */
struct lex_hits {
    struct lex_hit *h;
    size_t n, cap;
    struct lex_hit local[128];
};
const struct ac *lexicon_ac(const struct lexicon *lx);
void lex_hits_init(struct lex_hits *hs);
bool lex_hit_collect(void *ctx, int32_t value, size_t start, size_t end, size_t cstart,
                     size_t cend);
enum sentiment lexicon_score_hits(const struct lexicon *lx, const char *text, size_t len,
                                  struct lex_hits *hits, double *score, struct lex_features *lf);

/* ---- sentiment_model.c ---------------------------------------------------------- */

/* A trained model as the store keeps it: logistic regression ("JYLR", what
 * sentiment_train makes) or an older naive Bayes blob ("JYNB", still
 * read). Loading expands it into a dense table, so scoring is a table
 * lookup per character n-gram and never allocates. */
struct sentiment_model;
int sentiment_model_load(const char *blob, size_t len, struct sentiment_model **out,
                         struct jy_error *err);
void sentiment_model_free(struct sentiment_model *m);
/* Whether scoring needs the lexicon's features (naive Bayes does not). */
bool sentiment_model_uses_lexicon(const struct sentiment_model *m);
/* "logistic regression" or "naive Bayes" */
const char *sentiment_model_kind(const struct sentiment_model *m);
/* Scores normalised text, lf its lexicon features (NULL: taken as none
 * seen). *score: P(positive) - P(negative), in -1..1. */
enum sentiment sentiment_model_score(const struct sentiment_model *m, const char *text, size_t len,
                                     const struct lex_features *lf, double *score);
/* sentiment_model_score and the probability of each class (negative,
 * neutral, positive; 0 for a class the model never saw). */
enum sentiment sentiment_model_probs(const struct sentiment_model *m, const char *text, size_t len,
                                     const struct lex_features *lf, double prob[3]);

/* ---- risk.c -------------------------------------------------------------------- */

enum risk_category {
    CAT_ENFORCEMENT, /* 执法争议 */
    CAT_MISCONDUCT,  /* 民警违纪 */
    CAT_RUMOUR,      /* 警情谣言 */
    CAT_ASSAULT,     /* 袭警/民警受伤 */
    CAT_MAJOR_CASE,  /* 重大案事件 */
    CAT_MINORS,      /* 涉未成年人 */
    CAT_WINDOW,      /* 窗口投诉 */
    N_CATEGORIES
};
const char *risk_category_label(enum risk_category c);
double risk_category_severity(enum risk_category c); /* 0..1 */

/* Category term lists (DATADIR/risk/NAME.txt), local region words, official
 * account markers, on one automaton. */
struct risk_vocab;
int risk_vocab_new(struct normalizer *nz, const char *datadir, const struct config *cfg,
                   struct risk_vocab **out, struct jy_error *err);
void risk_vocab_free(struct risk_vocab *rv);
/* Whether every file risk_vocab_new would read can be read (size included). */
int risk_vocab_check(const char *datadir, const struct config *cfg, struct jy_error *err);
struct risk_marks {
    unsigned categories;            /* bit (1u << enum risk_category), decided in context */
    uint8_t severity[N_CATEGORIES]; /* each category's, in percent (its most severe word) */
    bool local;                     /* names a local region word */
    bool official;                  /* from or naming an official account */
    bool praise;                    /* praise, heroism, thanks (正面事迹) */
    bool publicity;                 /* a notice, campaign, tip or enforcement news (警务宣传) */
    bool debunk;                    /* says a rumour is false */
};
/* text: normalised; author/source: raw (may be NULL). */
void risk_vocab_scan(const struct risk_vocab *rv, const char *text, size_t len, const char *author,
                     const char *source, struct risk_marks *out);
/* risk_vocab_scan in steps, for a scan shared with other vocabularies: the
 * marks zeroed, risk_vocab_ac's patterns sent to risk_vocab_hit (ctx a
 * struct risk_scan over the text scanned, names_only false), then
 * risk_scan_decide (which may be followed by another text's scan into the
 * same marks), then the names. */
#define RISK_HITS_MAX 192
struct risk_hit {
    uint8_t kind, cat, severity; /* severity: percent, 0 for the category's own */
    uint32_t start, end;         /* bytes */
    uint32_t cstart, cend;       /* characters */
};
struct risk_scan {
    struct risk_marks *m;
    const char *text;
    bool names_only; /* scanning an author/source name: only official markers */
    int n_hits;
    struct risk_hit hits[RISK_HITS_MAX]; /* the text's words, for the content rules */
};
/* Makes sc ready to scan text into m (its word list is not zeroed: words
 * are written before they are read). */
static inline void risk_scan_start(struct risk_scan *sc, struct risk_marks *m, const char *text,
                                   bool names_only)
{
    sc->m = m;
    sc->text = text;
    sc->names_only = names_only;
    sc->n_hits = 0;
}
const struct ac *risk_vocab_ac(const struct risk_vocab *rv);
bool risk_vocab_hit(void *ctx, int32_t value, size_t start, size_t end, size_t cstart, size_t cend);
/* The content rules over the words of the text scanned (who did what to
 * whom, negation, enforcement, genre): adds to sc->m, forgets the words. */
void risk_scan_decide(struct risk_scan *sc);
void risk_vocab_scan_names(const struct risk_vocab *rv, const char *author, const char *source,
                           struct risk_marks *marks);
/* Adds add's marks to m (categories, each category's highest severity,
 * the flags). */
void risk_marks_merge(struct risk_marks *m, const struct risk_marks *add);
/* Whether a source's region (normalised) names a local place. */
bool risk_vocab_local(const struct risk_vocab *rv, const char *region);

/* The phase of an event (舆情演变), from its spread series. */
enum risk_phase { PHASE_EMERGING, PHASE_SPREADING, PHASE_PEAK, PHASE_FADING };

/* What the model sees of one event. */
struct risk_inputs {
    int items;    /* all, reposts included */
    int negative; /* items whose own words are negative (the public's attitude) */
    int voiced;   /* items whose own words say something (not a bare 转发微博) */
    int local;    /* items naming a local place or from a local source */
    int official; /* items from or naming an official account */
    int genre;    /* items that are praise, notices or tips and nothing worse */
    int sources;  /* distinct sources */
    unsigned categories;
    const uint8_t *severity; /* per category, percent; NULL: the categories' defaults */
    bool debunked;           /* a rumour was denied */
    enum media_level top_media;
    /* The spread on the event's own timeline, in hours up to its latest item. */
    int last_hour;       /* items in the last hour */
    double hour_mean;    /* mean items an hour in the 12 before it */
    double acceleration; /* last hour against the one before; 0: none, the event is younger */
    enum risk_phase phase;
};
/* Score 0..100, level, and the explanation (JSON array, new string). */
void risk_assess(const struct risk_config *rc, const struct risk_inputs *in, double *score,
                 enum risk_level *level, char **explanation);

/* ---- event.c ------------------------------------------------------------------ */

/* What the grouping sees of one matched item. */
struct event_input {
    int64_t id;
    int64_t at; /* published, else collected */
    int64_t collected;
    const char *title; /* display title for the event (sanitised by the caller), or NULL: */
    /* makes it when the event needs it (a new event, a new representative) */
    char *(*make_title)(const void *ctx);
    const void *title_ctx;
    /* or, when short, the raw text make_title would make it of: kept as it
     * is, and made into a title only when someone asks for it (jingyu
     * analyze never does) */
    const char *title_src;
    const char *text; /* normalised */
    size_t len;
    /* event_bigrams of text, or NULL: the engine makes them */
    const uint16_t *bigrams;
    size_t n_bigrams;
    uint64_t simhash;
    int64_t duplicate_of;
    int64_t repost_of; /* an earlier item its //@ chain reproduces, or 0 */
    const char *const *topics;
    size_t n_topics;
    const struct an_term *terms;
    size_t n_terms;
    const int *schemes;
    size_t n_schemes;
    const char *source;
    enum media_level media_level;
    enum sentiment sentiment;
    bool voiced; /* its own words say something: not neutral, or not a bare 转发微博 */
    struct risk_marks marks;
};

/* An event's display title made of the raw start of a title or text:
 * control characters removed, cut to the title's columns (new string). */
char *event_title_text(const char *src, size_t len);

/* A text's word bigrams as the counters of an event's profile that they
 * fall into, each once, in the order met (at most EVENT_BIGRAMS_MAX): what
 * grouping compares with the events. Into out; returns how many. */
#define EVENT_BIGRAMS_MAX 192
size_t event_bigrams(const char *text, size_t len, uint16_t *out);

struct event_engine;
/* scheme_name maps scheme indices to names for the event's JSON. */
struct event_engine *event_engine_new(const struct analysis_config *ac,
                                      const char *(*scheme_name)(void *ctx, int i), void *ctx);
void event_engine_free(struct event_engine *ee);
void event_engine_clear(struct event_engine *ee);
void event_engine_set_next_id(struct event_engine *ee, int64_t next_id);
/* Whether event_engine_add fills an_event.state (default true). */
void event_engine_keep_state(struct event_engine *ee, bool keep);
/* Whether event_engine_add fills the whole an_event (default true) or only
 * its id, score and level (the rest through event_engine_get). */
void event_engine_full_picture(struct event_engine *ee, bool full);
/* Puts the item into an open event (or a new one) and fills *out with the
 * event's picture, risk assessed (see event_engine_full_picture); *alert
 * when its level was entered or rose. */
int event_engine_add(struct event_engine *ee, const struct event_input *in, struct an_event *out,
                     bool *alert, struct jy_error *err);
/* The full picture of an event in memory: open, or closed since the last
 * event_engine_settle. JY_ENOTFOUND otherwise. */
int event_engine_get(struct event_engine *ee, int64_t id, struct an_event *out,
                     struct jy_error *err);
/* Only the risk assessment of such an event: score, level, explanation. */
int event_engine_explain(struct event_engine *ee, int64_t id, double *score, enum risk_level *level,
                         char **explanation, struct jy_error *err);
/* Frees the events closed since the last call. */
void event_engine_settle(struct event_engine *ee);
/* Whether an open event that would take an item at `at` holds the first
 * copy id. */
bool event_engine_holds(struct event_engine *ee, int64_t id, int64_t at);
/* Restores an open event from an_event.state. */
int event_engine_restore(struct event_engine *ee, int64_t id, const char *state,
                         struct jy_error *err);

#endif
