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

enum { VOCAB_SCHEMES, VOCAB_LEXICON, VOCAB_RISK, VOCAB_PARTS };

struct analyzer {
    struct normalizer *nz;
    struct scheme_engine *schemes;
    struct dup_index *dups;
    struct lexicon *lexicon;
    struct nb_model *model;
    struct risk_vocab *risk;
    struct event_engine *events;
    /* the schemes', the lexicon's and the risk words' patterns in one
     * automaton (parts in that order): one pass over a text serves all */
    struct ac *vocab;
    int dup_threshold;
    int64_t dup_window;
};

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
    struct scheme_engine *se = NULL;
    int rc = scheme_engine_new(NULL, cfg, &se, err);
    scheme_engine_free(se);
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
    ac_free(an->vocab);
    risk_vocab_free(an->risk);
    nb_model_free(an->model);
    lexicon_free(an->lexicon);
    dup_index_free(an->dups);
    scheme_engine_free(an->schemes);
    normalizer_free(an->nz);
    free(an);
}

int analyzer_set_model(struct analyzer *an, const char *model, size_t len, struct jy_error *err)
{
    struct nb_model *m;
    int rc = nb_model_load(model, len, &m, err);
    if (rc)
        return rc;
    nb_model_free(an->model);
    an->model = m;
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

void analyzer_restore_item(struct analyzer *an, int64_t id, uint64_t simhash, int64_t at)
{
    dup_index_add(an->dups, id, simhash, at);
}

int analyzer_restore_event(struct analyzer *an, int64_t id, const char *state, struct jy_error *err)
{
    return event_engine_restore(an->events, id, state, err);
}

/* The event's display title: the item's title, else the start of its text,
 * safe to draw. */
static char *display_title(const void *ctx)
{
    const struct an_item *in = ctx;
    const char *src = in->title && *in->title ? in->title : in->text ? in->text : "";
    char *clean = utf8_sanitize(src, strlen(src), 0);
    char *t = utf8_truncate(clean, TITLE_COLS);
    free(clean);
    return t;
}

int analyzer_run(struct analyzer *an, const struct an_item *in, struct an_result *out,
                 struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    out->id = in->id;
    const char *text = in->text ? in->text : "";
    int rc = normalize_text(an->nz, text, strlen(text), &out->norm, err);
    if (rc)
        return rc;
    char *title =
        in->title && *in->title ? normalize_term(an->nz, in->title, strlen(in->title)) : NULL;
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
    struct risk_marks marks;
    memset(&marks, 0, sizeof marks);
    struct risk_scan rscan = {&marks, body, false};
    struct ac_sink sinks[VOCAB_PARTS] = {[VOCAB_SCHEMES] = {scheme_engine_hit, an->schemes}};
    struct ac_sink body_sinks[VOCAB_PARTS] = {
        [VOCAB_SCHEMES] = {scheme_engine_hit, an->schemes},
        [VOCAB_LEXICON] = {an->model ? NULL : lex_hit_collect, &lex},
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
    scheme_engine_decide(an->schemes, title, out->norm.text, in->media_level, &out->schemes,
                         &out->n_schemes, &out->terms, &out->n_terms);

    /* The item's time: its date when believable, else when it was collected.
     * A date after collection (a wrong zone, milliseconds, 2099) or before
     * PUBLISHED_MIN would move the engines' clocks: one such item closed
     * every open event. */
    int64_t at = in->collected > 0 ? in->collected : jy_now();
    int64_t when = in->published > PUBLISHED_MIN && in->published < at ? in->published : at;
    out->simhash = simhash64(body, len);
    if (len >= DUP_MIN_BYTES) {
        out->duplicate_of = dup_index_find(an->dups, out->simhash, at);
        if (!out->duplicate_of)
            dup_index_add(an->dups, in->id, out->simhash, at);
    }

    if (an->model)
        out->sentiment = nb_model_score(an->model, body, len, &out->sentiment_score);
    else
        out->sentiment = lexicon_score_hits(an->lexicon, body, &lex, &out->sentiment_score);

    if (out->n_schemes > 0) {
        struct event_input ev = {
            .id = in->id,
            .at = when,
            .collected = at,
            .text = body,
            .len = len,
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
        };
        risk_vocab_scan_names(an->risk, in->author, in->source, &marks);
        ev.marks = marks;
        ev.make_title = display_title; /* made only when the event needs it */
        ev.title_ctx = in;
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
    an_event_clear(&r->event);
    memset(r, 0, sizeof *r);
}
