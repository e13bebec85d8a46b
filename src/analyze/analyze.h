/*
 * analyze: turns items into what the duty officer acts on. It owns
 * normalisation (NFKC, traditional to simplified, Weibo noise), monitoring
 * schemes (boolean rules over one Aho-Corasick automaton), near-duplicates
 * (64-bit SimHash with a banded index), events (incremental grouping),
 * sentiment (a lexicon scorer, or a trained logistic regression), and the risk
 * model that grades events I-IV and says when an event needs an alert.
 *
 * Nothing here touches SQLite or the terminal: an analyzer is memory only.
 * The store persists its results and gives back the state it needs after a
 * restart (analyzer_restore_*). One analyzer is used by one thread at a time.
 */
#ifndef JY_ANALYZE_H
#define JY_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/util.h"

/* ---- normalisation -------------------------------------------------------- */

struct normalized {
    char *text;    /* the author's own words, normalised: NFKC, simplified, Latin
                      lower-case, URLs, 网页链接, private-use and lone-? emoji
                      remnants removed, whitespace collapsed */
    char *repost;  /* the //@user: chain split off (normalised), or NULL */
    char **topics; /* #话题# without the #, normalised, in order, no repeats */
    size_t n_topics;
};

struct normalizer;
/* Opens OpenCC's t2s conversion. JY_EIO with a message when its data is
 * missing. The first in a process also builds the tables every normalizer
 * shares (tens of milliseconds). */
int normalizer_new(struct normalizer **out, struct jy_error *err);
void normalizer_free(struct normalizer *nz);
/* Only whether OpenCC's t2s conversion opens (a millisecond or two). */
int normalizer_check(struct jy_error *err);
/* Normalises s (UTF-8, len bytes; invalid bytes are replaced). Never fails
 * on content. */
int normalize_text(struct normalizer *nz, const char *s, size_t len, struct normalized *out,
                   struct jy_error *err);
void normalized_clear(struct normalized *n);
/* Folds s one character at a time as normalisation folds characters (NFKC,
 * traditional to simplified, Latin lower case): a new string, and *at gets,
 * for each of its bytes, the byte offset in s of the character it came from
 * (free both). What finds a normalised term in the text as written, e.g. to
 * highlight 暴力执法 in 暴力執法 (phrase-level conversion aside). */
char *normalize_fold(struct normalizer *nz, const char *s, size_t len, size_t **at);
/* Normalises a scheme term, lexicon word or title (what the analyzer does
 * to titles): NFKC, simplified, Latin lower-case, whitespace collapsed; no
 * Weibo handling. Returns a new string. */
char *normalize_term(struct normalizer *nz, const char *s, size_t len);

/* ---- sentiment ------------------------------------------------------------ */

enum sentiment { SENT_NEGATIVE = -1, SENT_NEUTRAL = 0, SENT_POSITIVE = 1 };
const char *sentiment_name(enum sentiment s);               /* "negative", ... */
const char *sentiment_label(enum sentiment s);              /* 负面, 中性, 正面 */
int sentiment_parse(const char *name, enum sentiment *out); /* 0 or JY_EINVAL */

/* A trained model (logistic regression over hashed character n-grams and
 * the lexicon's findings), as stored in the database. */
struct sentiment_example {
    const char *text; /* raw; the trainer normalises */
    enum sentiment label;
};
struct train_report {
    size_t n_train, n_test;
    double macro_f1;         /* the model on the held-back part (three classes) */
    double lexicon_macro_f1; /* the lexicon alone on the same part */
    double accuracy, lexicon_accuracy;
    /* macro-F1 of negative against the rest, what a duty room acts on */
    double negative_f1, lexicon_negative_f1;
    double c;         /* the regularisation chosen */
    double cv_f1;     /* its cross-validated negative_f1 on the training part (-1: too
                         few examples to cross-validate, C left at 1) */
    double threshold; /* P(negative) from which a text is negative, chosen with C
                         (0: the likeliest class decides) */
};
/* Trains on examples, holding back every holdout-th example (0: none) to
 * measure. *model gets a serialised model (free with free()). The lexicon
 * is config_datadir()'s. */
int sentiment_train(struct normalizer *nz, const struct sentiment_example *ex, size_t n,
                    int holdout, char **model, size_t *model_len, struct train_report *rep,
                    struct jy_error *err);

/* ---- the analyzer ----------------------------------------------------------- */

enum risk_level { LEVEL_NONE = 0, LEVEL_I = 1, LEVEL_II = 2, LEVEL_III = 3, LEVEL_IV = 4 };
const char *level_roman(enum risk_level l); /* "I".."IV", "-" */
const char *level_label(enum risk_level l); /* 特别重大, 重大, 较大, 一般, 未分级 */
const char *level_color(enum risk_level l); /* "red", "orange", "yellow", "blue", "none" */

struct analyzer;

/* Creates an analyzer from the configuration's schemes and risk model and the
 * lexicons in config_datadir(). A bad scheme expression is JY_ECONFIG with
 * "FILE:LINE:COLUMN: analysis.schemes[i].expr: what is wrong". */
int analyzer_new(const struct config *cfg, struct analyzer **out, struct jy_error *err);
void analyzer_free(struct analyzer *an);
/* Checks the configuration's schemes as analyzer_new would and reads the
 * lexicon and risk files it reads, in a fraction of its time (it opens no
 * OpenCC dictionary and builds no table; normalizer_check does the one):
 * for a process that wants to refuse a bad configuration or installation at
 * once but create its analyzer only when there is something to analyse. */
int analyzer_check(const struct config *cfg, struct jy_error *err);
/* Uses a trained sentiment model (from sentiment_train) in place of the
 * lexicon. JY_EINVAL when the blob is not a model. */
int analyzer_set_model(struct analyzer *an, const char *model, size_t len, struct jy_error *err);
/* Whether results carry each event's state for analyzer_restore_event
 * (default true). A caller that never persists events (jingyu analyze)
 * turns it off: writing the state is a good part of an item's cost. */
void analyzer_keep_state(struct analyzer *an, bool keep);
/* Forgets everything learnt from items (duplicate index, events); keeps schemes
 * and model. The collector calls it when a transaction fails, then restores. */
void analyzer_reset(struct analyzer *an);

/* One item to analyse. */
struct an_item {
    int64_t id;         /* the store's item id (or a sequence number); > 0 */
    const char *title;  /* may be NULL */
    const char *text;   /* content; may be NULL */
    int64_t published;  /* 0: unknown; a date before 1990 or after `collected` is not
                           believed either: `collected` is used */
    int64_t collected;  /* when it was fetched */
    const char *source; /* source name; may be NULL */
    const char *author; /* the item's author; may be NULL */
    enum media_level media_level;
    const char *region; /* the source's region; may be NULL */
};

struct an_term {
    int scheme;        /* index into the configuration's schemes */
    const char *term;  /* as written in the scheme (normalised); the engine's copy,
                        * good while the analyzer or scheme set lives */
    size_t start, end; /* byte offsets in normalized.text (or the title, see in_title) */
    bool in_title;
};

/* The full picture of an event after an item changed it. */
struct an_event {
    int64_t id;
    char *title;                   /* from its most representative item */
    int64_t rep_item;              /* that item */
    int64_t first_seen, last_seen; /* item times (published, else collected) */
    int64_t first_collected;       /* collection time of its first item */
    int items;                     /* including duplicates */
    int sources;                   /* distinct sources */
    enum media_level top_media;    /* highest level reached (MEDIA_UNKNOWN if none) */
    int negative;                  /* negative items */
    double velocity;               /* items last hour / mean per hour of the 12 before */
    int hourly[24];                /* items per hour, [23] = the hour of last_seen */
    char *schemes;                 /* JSON array of scheme names matched by its items */
    char *terms;                   /* JSON array of [term, count], most frequent first (<= 10) */
    char *topics;                  /* JSON array of topics (<= 10) */
    double score;                  /* 0-100 */
    enum risk_level level;
    char *explanation; /* JSON array of {"indicator","label","value","weight","points"} */
    char *state;       /* opaque: what analyzer_restore_event needs (NULL when
                          the analyzer keeps no state, see analyzer_keep_state) */
};

/* A text's near-duplicate sketch (simhash.c): the hashes of its shingles
 * that fall below 2^(32 - shift), shift chosen from its length and raised
 * until fewer than DUP_SKETCH are held (in the order seen, repeats kept,
 * until dup_sketch_sort), and how many shingles it has. n == 0: none. */
#define DUP_SKETCH 64
#define DUP_SKETCH_LOW 4
struct dup_sketch {
    uint32_t n;                   /* values in v */
    uint32_t size;                /* shingles in the text, repeats counted until sorted,
                                     then distinct (estimated from the repeats in v) */
    uint32_t shift;               /* v holds every shingle hash below 2^(32 - shift) */
    uint32_t sorted;              /* v is ascending, without repeats */
    uint32_t repeats;             /* repeats dropped from v before it was sorted */
    uint32_t n_low;               /* the smallest distinct values (what the index files */
    uint32_t low[DUP_SKETCH_LOW]; /* it under), ascending */
    uint32_t v[DUP_SKETCH];
};

struct an_result {
    int64_t id;
    struct normalized norm;
    int *schemes; /* indices of matched schemes, ascending */
    size_t n_schemes;
    struct an_term *terms;
    size_t n_terms;
    uint64_t simhash;
    struct dup_sketch sketch; /* what finds its near-duplicates */
    /* when it matched a scheme: its text's word bigrams as event-profile
     * counters (made with the text results, for the event grouping) */
    uint16_t *bigrams;
    size_t n_bigrams;
    int64_t duplicate_of; /* first copy's id, 0 if none */
    /* A repost whose own words matched no scheme: its schemes are its //@
     * chain's (and its terms empty: they are the original author's words). */
    bool via_repost;
    /* the earlier item its chain reproduces (found by chain), 0 if none */
    int64_t repost_of;
    enum sentiment sentiment;
    double sentiment_score; /* -1..1 */
    int64_t event_id;       /* 0 when it matched no scheme */
    /* When event_id != 0: the event's id, score and level after this item
     * (the rest of its picture through analyzer_event: building it for
     * every item would cost more than the analysis). */
    struct an_event event;
    /* The event entered a level or rose to a higher one with this item:
     * (event_id, event.level) should raise an alert. */
    bool alert;
};

/* Analyses one item and updates the analyzer's memory (duplicate index,
 * events). Items should come in collection order. */
int analyzer_run(struct analyzer *an, const struct an_item *in, struct an_result *out,
                 struct jy_error *err);
void an_result_clear(struct an_result *r);

/* What an item's own words decide (its normalised text and title, schemes
 * and terms, SimHash, sentiment, the risk words in it), made ahead of
 * analyzer_run_text. It needs only the item's title, text and media level,
 * so it may be made on another thread by another analyzer made from the
 * same configuration with the same model; its terms point at that
 * analyzer's strings, which must outlive the results. */
struct an_text;
int analyzer_text(struct analyzer *an, const struct an_item *in, struct an_text **out,
                  struct jy_error *err);
void an_text_free(struct an_text *t);
/* Whether t was made for this item (the same title and text pointers and
 * media level): then its text results are those analyzer_run_text makes of
 * it, whoever makes them. */
bool an_text_fits(const struct an_text *t, const struct an_item *in);
/* t's text results (until analyzer_run_text takes them). */
const struct an_result *an_text_results(const struct an_text *t);
/* analyzer_run with t (NULL, or made by analyzer_text for this very item:
 * the same title and text pointers and media level, else it is made again
 * here). t's results move into out; t is still the caller's to free. */
int analyzer_run_text(struct analyzer *an, const struct an_item *in, struct an_text *t,
                      struct an_result *out, struct jy_error *err);
/* Moves r's text results (normalised text, topics, schemes, terms) back into
 * t (NULL: nothing), to be freed with it (the collector frees t on the thread
 * that made it); r keeps the rest. t is not used again. */
void an_text_give_back(struct an_text *t, struct an_result *r);
/* The full picture of an event (with its state unless analyzer_keep_state
 * said no): open, or closed since the last analyzer_settle, so a caller
 * that writes events once per batch finds every event of the batch.
 * JY_ENOTFOUND otherwise. */
int analyzer_event(struct analyzer *an, int64_t event_id, struct an_event *out,
                   struct jy_error *err);
/* Only an event's risk assessment (score, level, explanation: a new JSON
 * array), as analyzer_event would give it, at a fraction of the cost. */
int analyzer_event_explain(struct analyzer *an, int64_t event_id, double *score,
                           enum risk_level *level, char **explanation, struct jy_error *err);
/* Frees the memory of events closed since the last call. */
void analyzer_settle(struct analyzer *an);
void an_event_clear(struct an_event *e);

/* Scheme names (index -> name) and count. */
size_t analyzer_n_schemes(const struct analyzer *an);
const char *analyzer_scheme_name(const struct analyzer *an, int i);

/* ---- restoring memory after a restart ------------------------------------- */

/* The next event id to allocate (the store's largest + 1). */
void analyzer_restore_next_event(struct analyzer *an, int64_t next_id);
/* A first copy still inside the duplicate window: its SimHash and its
 * normalised text (the sketch is made from it; "" when the item had none). */
void analyzer_restore_item(struct analyzer *an, int64_t id, uint64_t simhash,
                           const char *normalized, int64_t at);
/* What the near-duplicate index files a first copy under, as a full restore
 * (analyzer_restore_item) would file it from its stored normalised text:
 * nothing (skip: a text too short to be a first copy), its SimHash's bands
 * (n == 0), or the n smallest values of its sketch. The store keeps them
 * beside each first copy so that a restart files the copies without their
 * texts (analyzer_restore_keys). */
#define DUP_KEYS 3
struct an_dup_keys {
    bool skip;
    uint32_t n;
    uint32_t low[DUP_KEYS];
};
/* The keys of an analysed item (r->duplicate_of == 0), from r alone. */
void an_dup_keys_of(const struct an_result *r, struct an_dup_keys *out);
/* analyzer_restore_item, telling what the item was filed under (NULL: no need). */
void analyzer_restore_item_keys_out(struct analyzer *an, int64_t id, uint64_t simhash,
                                    const char *normalized, int64_t at, struct an_dup_keys *filed);
/* A first copy filed by its keys alone: its sketch is made from its
 * normalised text, which text(ctx, id) gives back (a new string; NULL when
 * it cannot: the copy then matches nothing), when a look-up first needs
 * it. Files it exactly where analyzer_restore_item would. */
void analyzer_restore_keys(struct analyzer *an, int64_t id, uint64_t simhash,
                           const struct an_dup_keys *k, int64_t at);
void analyzer_set_text_source(struct analyzer *an, char *(*text)(void *ctx, int64_t id), void *ctx);
/* An event still open (from an_event.state). JY_EINVAL when state is bad. */
int analyzer_restore_event(struct analyzer *an, int64_t id, const char *state,
                           struct jy_error *err);

/* ---- schemes on their own (jingyu scheme test) ------------------------------ */

struct scheme_set;
/* Compiles one expression. JY_EINVAL with "column N: what is wrong" (N is
 * 1-based, in characters) and *column set. */
int scheme_compile_expr(const char *expr, struct scheme_set **out, int *column,
                        struct jy_error *err);
/* Does the (normalised) title/text match? Fills matched terms when not NULL. */
bool scheme_set_match(struct scheme_set *ss, const char *title, const char *text,
                      struct an_term **terms, size_t *n_terms);
void scheme_set_free(struct scheme_set *ss);

#endif
