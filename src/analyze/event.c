/*
 * event.c: incremental grouping of scheme-matched items into events (舆情事件)
 * and each event's running figures.
 *
 * An item joins the best open event (last_seen within event_window hours of
 * the item's time), tried in this order:
 *   0. the event of the earlier item its //@ chain reproduces (a repost);
 *   1. the event holding the first copy it duplicates;
 *   2. an event sharing one of its #topics# with similar text (the most
 *      similar such event; trending topics are pasted onto other stories,
 *      so a topic alone joins nothing);
 *   3. an event sharing a matched term or a scheme whose text profile is
 *      similar enough (cosine >= event_similarity; the most similar wins).
 * Otherwise it starts a new event. Candidates come only from indexes (topic,
 * term and scheme keys, each remembering the KEY_RECENT events most recently
 * active under it; first copy id -> event), so the cost per item does not
 * grow with the number of open events.
 *
 * Text similarity: an item is the set of its character bigrams (both
 * characters letters, digits or CJK; punctuation says nothing about the
 * story; #topics# are left out, see rule 2), each hashed into one of
 * PROF_BUCKETS counters (the hashing trick: no table to probe or prune; the few bigrams that share
 * a counter add a little noise, far below the threshold). An item is the 0/1 vector of the counters
 * its bigrams fall into; an event's profile counts, for each counter, how many of its items fell
 * into it. The score is the cosine between the two. Writing thousands of numbers for every item
 * would cost more than the rest of the analysis, so the state carries the PROFILE_KEEP largest
 * counters, refreshed for each of the first PROFILE_SNAPSHOT items and every PROFILE_SNAPSHOT items
 * after: a restored event's profile is that much of it, at most that many items old (its figures
 * are exact).
 *
 * Title: the first item's title, replaced when a first copy of the event
 * gathers more near-duplicate copies than the current representative (the
 * title then comes from the copy that tipped it, which says the same).
 *
 * Spread: the clock-hour series (hourly[], for the sparklines) is what an
 * officer reads, but the risk model measures the spread on the event's own
 * timeline, in TICK-second ticks counted from its first item: the last hour
 * is the TICKS_HOUR ticks up to the latest item's, the hour before is the
 * TICKS_HOUR before those, and so on back SPREAD_HOURS. So the same posts
 * shifted by any amount give the same velocity, acceleration and phase,
 * where clock hours would cut a burst in two depending on when it began.
 *
 * Events close when their last_seen falls more than the window behind the
 * newest item time seen (swept every SWEEP_EVERY seconds of item time), so
 * memory is bounded by what happens inside one window.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

#define KEY_RECENT 16       /* events remembered per index key */
#define SIM_CANDIDATES 12   /* at most this many events scored per item */
#define PROF_BUCKETS 4096   /* a profile's counters (a power of two) */
#define PROFILE_KEEP 256    /* counters kept in the state */
#define PROFILE_SNAPSHOT 16 /* the state's copy of the profile is refreshed this often */
#define TERMS_MAX 64        /* distinct terms counted per event (space-saving) */
#define TOPICS_MAX 10
#define SOURCES_MAX 512  /* distinct sources counted exactly */
#define MEMBERS_MAX 1024 /* first copies remembered per event */
#define MEMBERS_STATE 64 /* of which the most recent are kept in the state */
#define SWEEP_EVERY 600
#define TITLE_RAW_MAX 1024 /* a raw title source kept for later at most this long */
#define PROF_POOL 64       /* zeroed profiles kept for new events */
#define TICK 300           /* seconds in a tick of the spread series */
#define TICKS_HOUR (3600 / TICK)
#define SPREAD_HOURS 13 /* the last hour and the 12 before it */
#define TICKS_KEPT (TICKS_HOUR * SPREAD_HOURS)

struct event;
static const char *event_title(struct event *ev);

/* ---- a small open-addressing table: uint64 key -> (pointer, number) -------- */

struct tab_slot {
    uint64_t key; /* 0: empty (keys are made non-zero) */
    void *p;
    int64_t n;
};

struct tab {
    struct tab_slot *s;
    size_t cap, used;
};

static struct tab_slot *tab_find(const struct tab *t, uint64_t key)
{
    if (!t->cap)
        return NULL;
    for (size_t i = mix64(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->s[i].key == key)
            return &t->s[i];
        if (t->s[i].key == 0)
            return NULL;
    }
}

static struct tab_slot *tab_put(struct tab *t, uint64_t key)
{
    struct tab_slot *f = tab_find(t, key);
    if (f)
        return f;
    if ((t->used + 1) * 2 > t->cap) {
        struct tab_slot *old = t->s;
        size_t oc = t->cap;
        t->cap = oc ? oc * 2 : 64;
        t->s = xcalloc(t->cap, sizeof *t->s);
        for (size_t i = 0; i < oc; i++) {
            if (!old[i].key)
                continue;
            size_t j = mix64(old[i].key) & (t->cap - 1);
            while (t->s[j].key)
                j = (j + 1) & (t->cap - 1);
            t->s[j] = old[i];
        }
        free(old);
    }
    size_t i = mix64(key) & (t->cap - 1);
    while (t->s[i].key)
        i = (i + 1) & (t->cap - 1);
    t->s[i].key = key;
    t->s[i].p = NULL;
    t->s[i].n = 0;
    t->used++;
    return &t->s[i];
}

/* Backward-shift deletion keeps probe chains short without tombstones. */
static void tab_del(struct tab *t, struct tab_slot *slot)
{
    size_t mask = t->cap - 1, i = (size_t)(slot - t->s), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->s[j].key)
            break;
        size_t home = mix64(t->s[j].key) & mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        t->s[i] = t->s[j];
        i = j;
    }
    memset(&t->s[i], 0, sizeof t->s[i]);
    t->used--;
}

static void tab_free(struct tab *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

/* ---- events ----------------------------------------------------------------- */

struct term_count {
    char *term;
    uint64_t h; /* jy_hash64 of term: compared before the text */
    int count;
};

#define PROF_COUNT_MAX UINT16_MAX

struct event {
    int64_t id;
    char *title;     /* NULL until asked for, when title_raw holds what it is made of */
    char *title_raw; /* see event_input.title_src */
    int64_t rep_item;
    int rep_copies;
    int64_t first_seen, last_seen, first_collected;
    int items, negative, local, official;
    int voiced;    /* items whose own words say something */
    int genre;     /* items of praise, notices or tips */
    bool debunked; /* a rumour in it was denied */
    unsigned categories;
    uint8_t severity[N_CATEGORIES]; /* each category's most severe, percent */
    enum media_level top_media;
    uint64_t *sources; /* grown as sources come (most events have a few) */
    int cap_sources;
    int n_sources;
    struct term_count *terms; /* grown as terms come, up to TERMS_MAX */
    int cap_terms;
    int n_terms;
    char *topics[TOPICS_MAX];
    int n_topics;
    int *schemes;
    int n_schemes;
    int64_t hour_base; /* the hour (unix time / 3600) of hourly[23] */
    int hourly[24];
    int64_t tick_anchor;   /* the time from which ticks are counted (the first item's) */
    int64_t tick_top;      /* the latest item's tick */
    int ticks[TICKS_KEPT]; /* items per tick, a ring: tick t at t mod TICKS_KEPT */
    enum risk_level alerted;
    double score; /* as last assessed */
    enum risk_level level;
    uint16_t *prof;                      /* PROF_BUCKETS counters, NULL before the first item */
    uint64_t prof_nz[PROF_BUCKETS / 64]; /* which counters are not 0 */
    double prof_norm2;                   /* sum of count^2 */
    char *prof_json;                     /* the state's copy of the profile */
    int64_t *members; /* first copies, a ring of mem_cap (grown to MEMBERS_MAX) */
    int mem_head, mem_n, mem_cap;
    uint32_t seen_gen; /* candidate de-duplication */
    bool open;
};

struct event_engine {
    const struct analysis_config *ac;
    const char *(*scheme_name)(void *ctx, int i);
    void *ctx;
    int64_t next_id;
    int64_t window, hwm, last_sweep;
    struct event **open;
    size_t n_open, cap_open;
    struct tab keys;       /* topic/term/scheme key -> int64 array[KEY_RECENT] of event ptrs */
    struct tab members;    /* first copy id -> event, copies */
    struct tab byid;       /* event id -> event, open or closed since the last settle */
    struct event **closed; /* closed since the last event_engine_settle */
    size_t n_closed, cap_closed;
    uint32_t gen;
    bool keep_state;   /* fill an_event.state (see event_engine_keep_state) */
    bool full_picture; /* event_engine_add fills the whole an_event */
    /* scratch for an item's bigrams */
    const uint16_t *bg; /* the distinct profile counters its bigrams fall into */
    size_t n_bg;
    uint16_t *bg_b;            /* EVENT_BIGRAMS_MAX: bg when the input brings none */
    uint16_t *pool[PROF_POOL]; /* zeroed profiles for new events */
    int n_pool;
};

struct keyvec {
    struct event *ev[KEY_RECENT];
    int n;
};

/* The index key of a text whose jy_hash64 is h. */
static uint64_t key_hash(char tag, uint64_t h)
{
    uint64_t k = mix64(h ^ (uint64_t)(unsigned char)tag << 56);
    return k ? k : 1;
}

static uint64_t key_str(char tag, const char *s)
{
    return key_hash(tag, jy_hash64(s, strlen(s)));
}

static uint64_t key_scheme(int i)
{
    uint64_t k = mix64((uint64_t)(uint32_t)i ^ UINT64_C(0x5c5c000000000000));
    return k ? k : 1;
}

static uint64_t key_event(int64_t id)
{
    uint64_t k = mix64((uint64_t)id ^ UINT64_C(0xe7e7000000000000));
    return k ? k : 1;
}

static uint64_t key_member(int64_t id)
{
    uint64_t k = mix64((uint64_t)id ^ UINT64_C(0xa1a1000000000000));
    return k ? k : 1;
}

/* Makes ev the most recent event under key (dropping the oldest beyond
 * KEY_RECENT). */
static void key_touch(struct event_engine *ee, uint64_t key, struct event *ev)
{
    struct tab_slot *s = tab_put(&ee->keys, key);
    struct keyvec *kv = s->p;
    if (!kv)
        kv = s->p = xcalloc(1, sizeof *kv);
    int i;
    for (i = 0; i < kv->n && kv->ev[i] != ev; i++)
        ;
    if (i < kv->n) {
        memmove(&kv->ev[i], &kv->ev[i + 1], (size_t)(kv->n - i - 1) * sizeof kv->ev[0]);
        kv->n--;
    } else if (kv->n == KEY_RECENT) {
        memmove(&kv->ev[0], &kv->ev[1], (KEY_RECENT - 1) * sizeof kv->ev[0]);
        kv->n--;
    }
    kv->ev[kv->n++] = ev;
}

static void key_drop(struct event_engine *ee, uint64_t key, struct event *ev)
{
    struct tab_slot *s = tab_find(&ee->keys, key);
    if (!s)
        return;
    struct keyvec *kv = s->p;
    for (int i = 0; i < kv->n; i++) {
        if (kv->ev[i] == ev) {
            memmove(&kv->ev[i], &kv->ev[i + 1], (size_t)(kv->n - i - 1) * sizeof kv->ev[0]);
            kv->n--;
            break;
        }
    }
    if (kv->n == 0) {
        free(kv);
        tab_del(&ee->keys, s);
    }
}

/* ---- bigrams and the profile -------------------------------------------------- */

static bool word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    return cp >= 0x3400 && !(cp >= 0xfe30 && cp <= 0xff65) && cp != 0xfffd;
}

/* The profile counter of a bigram (two code points of 21 bits). States keep
 * counter numbers: this may never change. */
static inline unsigned prof_bucket(uint64_t k)
{
    return (unsigned)((k * UINT64_C(0x9e3779b97f4a7c15)) >> 52) & (PROF_BUCKETS - 1);
}

size_t event_bigrams(const char *text, size_t len, uint16_t *out)
{
    uint64_t seen[PROF_BUCKETS / 64];
    memset(seen, 0, sizeof seen);
    size_t n = 0;
    uint32_t prev = 0;
    for (size_t i = 0; i < len && n < EVENT_BIGRAMS_MAX;) {
        /* A #topic# is left out: a topic key groups by it already, and
         * trending topics pasted onto posts of other stories would make
         * them look alike. */
        if (text[i] == '#') {
            const char *close = memchr(text + i + 1, '#', len - i - 1 < 120 ? len - i - 1 : 120);
            if (close) {
                i = (size_t)(close - text) + 1;
                prev = 0;
                continue;
            }
        }
        uint32_t cp;
        i += utf8_decode(text + i, len - i, &cp);
        if (!word_cp(cp)) {
            prev = 0;
            continue;
        }
        if (prev) {
            unsigned b = prof_bucket(((uint64_t)prev << 21) | cp);
            uint64_t bit = UINT64_C(1) << (b & 63);
            if (!(seen[b >> 6] & bit)) {
                seen[b >> 6] |= bit;
                out[n++] = (uint16_t)b;
            }
        }
        prev = cp;
    }
    return n;
}

/* Profiles are taken from and given back to a pool, zeroed by clearing
 * only the counters that are not 0: most events are small, and zeroing
 * 8 KiB for each new one cost more than its items' analysis. */
static uint16_t *prof_take(struct event_engine *ee)
{
    if (ee->n_pool > 0)
        return ee->pool[--ee->n_pool];
    return xcalloc(PROF_BUCKETS, sizeof(uint16_t));
}

static void prof_give(struct event_engine *ee, struct event *ev)
{
    if (!ev->prof)
        return;
    if (ee->n_pool == PROF_POOL) {
        free(ev->prof);
    } else {
        for (int w = 0; w < PROF_BUCKETS / 64; w++) {
            for (uint64_t m = ev->prof_nz[w]; m; m &= m - 1)
                ev->prof[w * 64 + __builtin_ctzll(m)] = 0;
        }
        ee->pool[ee->n_pool++] = ev->prof;
    }
    ev->prof = NULL;
}

/* A one-item event keeps no counters: its bitmap of counters in use is its
 * profile (each count 1). Most events never get a second item, and 8 KiB of
 * counters each, zeroed, written and read as candidates, cost more than the
 * rest of their analysis. The counters are made when the second item
 * comes. */
static void prof_add_item(struct event_engine *ee, struct event *ev, const uint16_t *bg_b, size_t n)
{
    if (!ev->prof && ev->prof_norm2 <= 0) { /* the first item */
        for (size_t i = 0; i < n; i++)
            ev->prof_nz[bg_b[i] >> 6] |= UINT64_C(1) << (bg_b[i] & 63);
        ev->prof_norm2 = (double)n; /* bg_b holds distinct counters */
        return;
    }
    if (!ev->prof) {
        ev->prof = prof_take(ee);
        for (int w = 0; w < PROF_BUCKETS / 64; w++) {
            for (uint64_t m = ev->prof_nz[w]; m; m &= m - 1)
                ev->prof[w * 64 + __builtin_ctzll(m)] = 1;
        }
    }
    uint16_t *t = ev->prof;
    double norm2 = ev->prof_norm2;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = t[bg_b[i]];
        if (c == 0)
            ev->prof_nz[bg_b[i] >> 6] |= UINT64_C(1) << (bg_b[i] & 63);
        if (c < PROF_COUNT_MAX) {
            norm2 += 2.0 * c + 1;
            t[bg_b[i]] = (uint16_t)(c + 1);
        }
    }
    ev->prof_norm2 = norm2;
}

/* A counter's count (a one-item event's are its bitmap). */
static inline unsigned prof_count(const struct event *ev, unsigned b)
{
    if (ev->prof)
        return ev->prof[b];
    return (unsigned)(ev->prof_nz[b >> 6] >> (b & 63)) & 1;
}

static double prof_similarity(const struct event *ev, const uint16_t *bg_b, size_t n)
{
    if (n == 0 || ev->prof_norm2 <= 0)
        return 0;
    uint64_t dot = 0;
    if (ev->prof) {
        const uint16_t *t = ev->prof;
        for (size_t i = 0; i < n; i++)
            dot += t[bg_b[i]];
    } else {
        for (size_t i = 0; i < n; i++)
            dot += (ev->prof_nz[bg_b[i] >> 6] >> (bg_b[i] & 63)) & 1;
    }
    return (double)dot / (sqrt((double)n) * sqrt(ev->prof_norm2));
}

/* ---- engine -------------------------------------------------------------------- */

struct event_engine *event_engine_new(const struct analysis_config *ac,
                                      const char *(*scheme_name)(void *ctx, int i), void *ctx)
{
    struct event_engine *ee = xcalloc(1, sizeof *ee);
    ee->ac = ac;
    ee->scheme_name = scheme_name;
    ee->ctx = ctx;
    ee->next_id = 1;
    ee->keep_state = true;
    ee->full_picture = true;
    ee->window = (int64_t)(ac->event_window > 0 ? ac->event_window : 48) * 3600;
    ee->bg_b = xmalloc(EVENT_BIGRAMS_MAX * sizeof *ee->bg_b);
    return ee;
}

static void event_free(struct event *ev)
{
    if (!ev)
        return;
    free(ev->title);
    free(ev->title_raw);
    for (int i = 0; i < ev->n_terms; i++)
        free(ev->terms[i].term);
    free(ev->terms);
    for (int i = 0; i < ev->n_topics; i++)
        free(ev->topics[i]);
    free(ev->schemes);
    free(ev->prof);
    free(ev->prof_json);
    free(ev->sources);
    free(ev->members);
    free(ev);
}

/* Removes a closed event from every index; it stays findable by id (its
 * final picture may still be wanted) until event_engine_settle frees it. */
static void event_close(struct event_engine *ee, struct event *ev)
{
    ev->open = false;
    if (ee->n_closed == ee->cap_closed) {
        ee->cap_closed = ee->cap_closed ? ee->cap_closed * 2 : 16;
        ee->closed = xrealloc(ee->closed, ee->cap_closed * sizeof *ee->closed);
    }
    ee->closed[ee->n_closed++] = ev;
    for (int i = 0; i < ev->n_topics; i++)
        key_drop(ee, key_str('t', ev->topics[i]), ev);
    for (int i = 0; i < ev->n_terms; i++)
        key_drop(ee, key_str('w', ev->terms[i].term), ev);
    for (int i = 0; i < ev->n_schemes; i++)
        key_drop(ee, key_scheme(ev->schemes[i]), ev);
    for (int i = 0; i < ev->mem_n; i++) {
        struct tab_slot *s =
            tab_find(&ee->members, key_member(ev->members[(ev->mem_head + i) % ev->mem_cap]));
        if (s && s->p == ev)
            tab_del(&ee->members, s);
    }
}

void event_engine_settle(struct event_engine *ee)
{
    for (size_t i = 0; i < ee->n_closed; i++) {
        struct tab_slot *s = tab_find(&ee->byid, key_event(ee->closed[i]->id));
        if (s && s->p == ee->closed[i])
            tab_del(&ee->byid, s);
        prof_give(ee, ee->closed[i]);
        event_free(ee->closed[i]);
    }
    ee->n_closed = 0;
}

static void byid_put(struct event_engine *ee, struct event *ev)
{
    tab_put(&ee->byid, key_event(ev->id))->p = ev;
}

void event_engine_clear(struct event_engine *ee)
{
    for (size_t i = 0; i < ee->n_open; i++)
        event_free(ee->open[i]);
    ee->n_open = 0;
    for (size_t i = 0; i < ee->n_closed; i++)
        event_free(ee->closed[i]);
    ee->n_closed = 0;
    tab_free(&ee->byid);
    for (size_t i = 0; i < ee->keys.cap; i++)
        free(ee->keys.s[i].p);
    tab_free(&ee->keys);
    tab_free(&ee->members);
    ee->hwm = ee->last_sweep = 0;
}

void event_engine_free(struct event_engine *ee)
{
    if (!ee)
        return;
    event_engine_clear(ee);
    free(ee->open);
    free(ee->closed);
    free(ee->bg_b);
    for (int i = 0; i < ee->n_pool; i++)
        free(ee->pool[i]);
    free(ee);
}

void event_engine_keep_state(struct event_engine *ee, bool keep)
{
    ee->keep_state = keep;
}

void event_engine_full_picture(struct event_engine *ee, bool full)
{
    ee->full_picture = full;
}

void event_engine_set_next_id(struct event_engine *ee, int64_t next_id)
{
    if (next_id > 0)
        ee->next_id = next_id;
}

static void sweep(struct event_engine *ee)
{
    if (ee->hwm - ee->last_sweep < SWEEP_EVERY)
        return;
    ee->last_sweep = ee->hwm;
    size_t k = 0;
    for (size_t i = 0; i < ee->n_open; i++) {
        struct event *ev = ee->open[i];
        if (ev->last_seen < ee->hwm - ee->window)
            event_close(ee, ev);
        else
            ee->open[k++] = ev;
    }
    ee->n_open = k;
}

static void open_push(struct event_engine *ee, struct event *ev)
{
    if (ee->n_open == ee->cap_open) {
        ee->cap_open = ee->cap_open ? ee->cap_open * 2 : 64;
        ee->open = xrealloc(ee->open, ee->cap_open * sizeof *ee->open);
    }
    ee->open[ee->n_open++] = ev;
}

static bool event_accepts(const struct event_engine *ee, const struct event *ev, int64_t at)
{
    return at - ev->last_seen <= ee->window && ev->first_seen - at <= ee->window;
}

/* ---- per-event bookkeeping ------------------------------------------------------ */

static void member_add(struct event_engine *ee, struct event *ev, int64_t id)
{
    if (ev->mem_n == ev->mem_cap && ev->mem_cap < MEMBERS_MAX) {
        /* grow the ring, its oldest first */
        int cap = ev->mem_cap ? ev->mem_cap * 4 : 4;
        int64_t *m = xmalloc((size_t)(cap < MEMBERS_MAX ? cap : MEMBERS_MAX) * sizeof *m);
        for (int i = 0; i < ev->mem_n; i++)
            m[i] = ev->members[(ev->mem_head + i) % ev->mem_cap];
        free(ev->members);
        ev->members = m;
        ev->mem_cap = cap < MEMBERS_MAX ? cap : MEMBERS_MAX;
        ev->mem_head = 0;
    }
    if (ev->mem_n == MEMBERS_MAX) {
        struct tab_slot *s = tab_find(&ee->members, key_member(ev->members[ev->mem_head]));
        if (s && s->p == ev)
            tab_del(&ee->members, s);
        ev->mem_head = (ev->mem_head + 1) % MEMBERS_MAX;
        ev->mem_n--;
    }
    ev->members[(ev->mem_head + ev->mem_n) % ev->mem_cap] = id;
    ev->mem_n++;
    struct tab_slot *s = tab_put(&ee->members, key_member(id));
    s->p = ev;
}

static void hourly_add(struct event *ev, int64_t at, int n)
{
    int64_t h = at >= 0 ? at / 3600 : (at - 3599) / 3600;
    if (h > ev->hour_base) {
        int64_t shift = h - ev->hour_base;
        if (shift >= 24) {
            memset(ev->hourly, 0, sizeof ev->hourly);
        } else {
            memmove(ev->hourly, ev->hourly + shift, (size_t)(24 - shift) * sizeof(int));
            memset(ev->hourly + 24 - shift, 0, (size_t)shift * sizeof(int));
        }
        ev->hour_base = h;
    }
    int64_t idx = 23 - (ev->hour_base - h);
    if (idx >= 0)
        ev->hourly[idx] += n;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int tick_slot(int64_t t)
{
    int64_t r = t % TICKS_KEPT;
    return (int)(r < 0 ? r + TICKS_KEPT : r);
}

/* Counts n items at time at in the spread series; a tick older than the
 * series keeps is left out (the item still counts in the event's volume). */
static void ticks_add(struct event *ev, int64_t at, int n)
{
    int64_t t = floor_div(at - ev->tick_anchor, TICK);
    if (t > ev->tick_top) {
        int64_t clear = t - ev->tick_top;
        if (clear >= TICKS_KEPT)
            memset(ev->ticks, 0, sizeof ev->ticks);
        else
            for (int64_t k = ev->tick_top + 1; k <= t; k++)
                ev->ticks[tick_slot(k)] = 0;
        ev->tick_top = t;
    }
    if (t > ev->tick_top - TICKS_KEPT)
        ev->ticks[tick_slot(t)] += n;
}

/* An event's spread on its own timeline: items in the last hour up to its
 * latest item, and in each hour before that (win[k]: k hours back). */
struct spread {
    int win[SPREAD_HOURS];
    bool has_previous; /* the event began before the last hour */
};

static void event_spread(const struct event *ev, struct spread *sp)
{
    memset(sp, 0, sizeof *sp);
    int slot = tick_slot(ev->tick_top);
    for (int k = 0; k < SPREAD_HOURS; k++) {
        for (int j = 0; j < TICKS_HOUR; j++) {
            sp->win[k] += ev->ticks[slot];
            slot = slot ? slot - 1 : TICKS_KEPT - 1;
        }
    }
    int64_t first = floor_div(ev->first_seen - ev->tick_anchor, TICK);
    sp->has_previous = first <= ev->tick_top - TICKS_HOUR;
}

/* Mean items an hour in the 12 hours before the last. */
static double spread_hour_mean(const struct spread *sp)
{
    double before = 0;
    for (int k = 1; k < SPREAD_HOURS; k++)
        before += sp->win[k];
    return before / (SPREAD_HOURS - 1);
}

/* The last hour against the mean of the 12 before, as the board's arrow
 * shows it. A baseline of at least one item an hour: a new event's first
 * items are not an infinite burst. (The risk model measures against a
 * higher background, velocity_base.) */
static double spread_velocity(const struct spread *sp)
{
    double mean = spread_hour_mean(sp);
    return (double)sp->win[0] / (mean > 1.0 ? mean : 1.0);
}

/* The last hour against the one before (at least one item); 0 (none) while
 * the event is younger than an hour: its whole life is the last hour, and
 * counting it twice would make velocity's burst an acceleration too. */
static double spread_acceleration(const struct spread *sp)
{
    if (!sp->has_previous)
        return 0;
    return (double)sp->win[0] / (sp->win[1] > 1 ? sp->win[1] : 1);
}

/* The phase up to the event's last item: 发生 while it is young or small,
 * 消散 once its last hour fell below a third of its busiest, 高潮 near the
 * busiest, 扩散 while it grows. */
static enum risk_phase spread_phase(const struct event *ev, const struct spread *sp)
{
    int peak = 0, peak_at = 0;
    for (int k = SPREAD_HOURS - 1; k >= 0; k--) {
        if (sp->win[k] > peak) {
            peak = sp->win[k];
            peak_at = k;
        }
    }
    int cur = sp->win[0], prev = sp->win[1];
    if (ev->items < 5 || ev->last_seen - ev->first_seen < 3600)
        return PHASE_EMERGING;
    if (3 * cur < peak && peak_at > 0)
        return PHASE_FADING;
    if (cur > prev && cur >= peak)
        return PHASE_SPREADING;
    return 2 * cur >= peak ? PHASE_PEAK : PHASE_SPREADING;
}

static int media_rank(enum media_level m)
{
    return m == MEDIA_UNKNOWN ? 100 : (int)m;
}

/* Room for one more term (most events have a few). */
static void terms_reserve(struct event *ev)
{
    if (ev->n_terms < ev->cap_terms)
        return;
    ev->cap_terms = ev->cap_terms ? ev->cap_terms * 2 : 4;
    if (ev->cap_terms > TERMS_MAX)
        ev->cap_terms = TERMS_MAX;
    ev->terms = xrealloc(ev->terms, (size_t)ev->cap_terms * sizeof *ev->terms);
}

/* Counts term; when a term had to give its place, it is dropped from the
 * index so the index never points at an event that no longer holds it. */
static void term_count_add(struct event_engine *ee, struct event *ev, const char *term, uint64_t h,
                           int n)
{
    for (int i = 0; i < ev->n_terms; i++) {
        if (ev->terms[i].h == h && strcmp(ev->terms[i].term, term) == 0) {
            ev->terms[i].count += n;
            return;
        }
    }
    if (ev->n_terms < TERMS_MAX) {
        terms_reserve(ev);
        ev->terms[ev->n_terms] = (struct term_count){xstrdup(term), h, n};
        ev->n_terms++;
        return;
    }
    /* Space-saving: the least counted term gives its place (and its count). */
    int lo = 0;
    for (int i = 1; i < ev->n_terms; i++) {
        if (ev->terms[i].count < ev->terms[lo].count)
            lo = i;
    }
    key_drop(ee, key_hash('w', ev->terms[lo].h), ev);
    free(ev->terms[lo].term);
    ev->terms[lo].term = xstrdup(term);
    ev->terms[lo].h = h;
    ev->terms[lo].count += n;
}

static void topic_add(struct event *ev, const char *topic)
{
    for (int i = 0; i < ev->n_topics; i++) {
        if (strcmp(ev->topics[i], topic) == 0)
            return;
    }
    if (ev->n_topics < TOPICS_MAX)
        ev->topics[ev->n_topics++] = xstrdup(topic);
}

static bool event_has_topic(const struct event *ev, const char *topic)
{
    for (int i = 0; i < ev->n_topics; i++) {
        if (strcmp(ev->topics[i], topic) == 0)
            return true;
    }
    return false;
}

static void scheme_add(struct event *ev, int s)
{
    int i = 0;
    while (i < ev->n_schemes && ev->schemes[i] < s)
        i++;
    if (i < ev->n_schemes && ev->schemes[i] == s)
        return;
    ev->schemes = xrealloc(ev->schemes, (size_t)(ev->n_schemes + 1) * sizeof *ev->schemes);
    memmove(&ev->schemes[i + 1], &ev->schemes[i], (size_t)(ev->n_schemes - i) * sizeof(int));
    ev->schemes[i] = s;
    ev->n_schemes++;
}

static void source_push(struct event *ev, uint64_t h)
{
    if (ev->n_sources == SOURCES_MAX)
        return;
    if (ev->n_sources == ev->cap_sources) {
        ev->cap_sources = ev->cap_sources ? ev->cap_sources * 4 : 4;
        if (ev->cap_sources > SOURCES_MAX)
            ev->cap_sources = SOURCES_MAX;
        ev->sources = xrealloc(ev->sources, (size_t)ev->cap_sources * sizeof *ev->sources);
    }
    ev->sources[ev->n_sources++] = h;
}

static void source_add(struct event *ev, const char *source)
{
    if (!source || !*source)
        return;
    /* 53 bits, so the state can carry them as exact JSON integers */
    uint64_t h = jy_hash64(source, strlen(source)) >> 11;
    for (int i = 0; i < ev->n_sources; i++) {
        if (ev->sources[i] == h)
            return;
    }
    source_push(ev, h);
}

/* Distinct terms of the item (an_term lists one entry per occurrence and
 * scheme), with their hashes; n_out of them, pointers into in->terms. */
static size_t item_terms(const struct event_input *in, const char **out, uint64_t *hs, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < in->n_terms && n < max; i++) {
        const char *t = in->terms[i].term;
        if (!t || !*t)
            continue;
        uint64_t h = jy_hash64(t, strlen(t));
        size_t j;
        for (j = 0; j < n && (hs[j] != h || strcmp(out[j], t) != 0); j++)
            ;
        if (j == n) {
            hs[n] = h;
            out[n++] = t;
        }
    }
    return n;
}

/* ---- JSON output ------------------------------------------------------------------ */

#define TOP_TERMS 10 /* an event's terms shown */

static int term_cmp(const void *a, const void *b)
{
    const struct term_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->term, y->term);
}

static char *event_schemes_json(const struct event_engine *ee, const struct event *ev)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < ev->n_schemes; i++) {
        const char *name = ee->scheme_name ? ee->scheme_name(ee->ctx, ev->schemes[i]) : NULL;
        if (i)
            jy_buf_putc(&b, ',');
        jy_buf_json_str(&b, name ? name : "");
    }
    jy_buf_putc(&b, ']');
    return jy_buf_steal(&b);
}

/* The state's copy of the profile, "[counter,count,...]": rewritten for each of
 * the first PROFILE_SNAPSHOT items and every PROFILE_SNAPSHOT items after
 * (see the top of the file). The PROFILE_KEEP largest counters, except that
 * counts of 64 and more count as equal (the first in counter order win). */
static const char *event_profile_json(struct event *ev)
{
    if (ev->prof_json && ev->items > PROFILE_SNAPSHOT && ev->items % PROFILE_SNAPSHOT != 0)
        return ev->prof_json;
    /* The cut-off is found by counting rather than sorting, and only the
     * counters that are not 0 are visited, in order. */
    int hist[65] = {0}; /* counts >= 64 share the last cell */
    for (int w = 0; w < PROF_BUCKETS / 64; w++) {
        for (uint64_t m = ev->prof_nz[w]; m; m &= m - 1) {
            int j = w * 64 + __builtin_ctzll(m);
            unsigned c = prof_count(ev, (unsigned)j);
            hist[c < 64 ? c : 64]++;
        }
    }
    int cut = 64, above = 0;
    while (cut > 1 && above + hist[cut] <= PROFILE_KEEP)
        above += hist[cut--];
    int room = PROFILE_KEEP - above;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_putc(&b, '[');
    bool first = true;
    for (int w = 0; w < PROF_BUCKETS / 64; w++) {
        for (uint64_t m = ev->prof_nz[w]; m; m &= m - 1) {
            int j = w * 64 + __builtin_ctzll(m);
            unsigned cnt = prof_count(ev, (unsigned)j);
            int c = cnt < 64 ? (int)cnt : 64;
            if (c < cut || (c == cut && room-- <= 0))
                continue;
            if (!first)
                jy_buf_putc(&b, ',');
            first = false;
            jy_buf_json_int(&b, j);
            jy_buf_putc(&b, ',');
            jy_buf_json_int(&b, cnt);
        }
    }
    jy_buf_putc(&b, ']');
    free(ev->prof_json);
    ev->prof_json = jy_buf_steal(&b);
    return ev->prof_json;
}

static char *event_state(const struct event_engine *ee, struct event *ev)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "{\"v\":2");
    jy_buf_json_key(&b, "title", false);
    jy_buf_json_str(&b, event_title(ev));
    const struct {
        const char *k;
        int64_t v;
    } nums[] = {
        {"rep_item", ev->rep_item},
        {"rep_copies", ev->rep_copies},
        {"first_seen", ev->first_seen},
        {"last_seen", ev->last_seen},
        {"first_collected", ev->first_collected},
        {"items", ev->items},
        {"negative", ev->negative},
        {"local", ev->local},
        {"official", ev->official},
        {"genre", ev->genre},
        {"voiced", ev->voiced},
        {"debunked", ev->debunked},
        {"categories", ev->categories},
        {"top_media", ev->top_media},
        {"alerted", ev->alerted},
        {"hour_base", ev->hour_base},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        jy_buf_json_key(&b, nums[i].k, false);
        jy_buf_json_int(&b, nums[i].v);
    }
    jy_buf_json_key(&b, "severity", false);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < N_CATEGORIES; i++) {
        if (i)
            jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, ev->severity[i]);
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "hourly", false);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < 24; i++) {
        if (i)
            jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, ev->hourly[i]);
    }
    jy_buf_putc(&b, ']');
    /* The spread series as [tick, items] for the ticks that hold any. */
    jy_buf_json_key(&b, "tick_anchor", false);
    jy_buf_json_int(&b, ev->tick_anchor);
    jy_buf_json_key(&b, "tick_top", false);
    jy_buf_json_int(&b, ev->tick_top);
    jy_buf_json_key(&b, "ticks", false);
    jy_buf_putc(&b, '[');
    bool first_tick = true;
    for (int64_t t = ev->tick_top - TICKS_KEPT + 1; t <= ev->tick_top; t++) {
        int n = ev->ticks[tick_slot(t)];
        if (!n)
            continue;
        jy_buf_puts(&b, first_tick ? "[" : ",[");
        first_tick = false;
        jy_buf_json_int(&b, t);
        jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, n);
        jy_buf_putc(&b, ']');
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "sources", false);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < ev->n_sources; i++) {
        if (i)
            jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, (int64_t)ev->sources[i]);
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "terms", false);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < ev->n_terms; i++) {
        jy_buf_puts(&b, i ? ",[" : "[");
        jy_buf_json_str(&b, ev->terms[i].term);
        jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, ev->terms[i].count);
        jy_buf_putc(&b, ']');
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "topics", false);
    jy_buf_json_strs(&b, (const char *const *)ev->topics, (size_t)ev->n_topics);
    /* Schemes by index and name: a restored index whose name changed (the
     * configuration was edited) is dropped. */
    jy_buf_json_key(&b, "schemes", false);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < ev->n_schemes; i++) {
        const char *name = ee->scheme_name ? ee->scheme_name(ee->ctx, ev->schemes[i]) : NULL;
        jy_buf_puts(&b, i ? ",[" : "[");
        jy_buf_json_int(&b, ev->schemes[i]);
        jy_buf_putc(&b, ',');
        jy_buf_json_str(&b, name ? name : "");
        jy_buf_putc(&b, ']');
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "members", false);
    jy_buf_putc(&b, '[');
    int from = ev->mem_n > MEMBERS_STATE ? ev->mem_n - MEMBERS_STATE : 0;
    bool first = true;
    for (int i = from; i < ev->mem_n; i++) {
        int64_t id = ev->members[(ev->mem_head + i) % ev->mem_cap];
        struct tab_slot *s = tab_find(&ee->members, key_member(id));
        if (!s || s->p != ev)
            continue;
        jy_buf_puts(&b, first ? "[" : ",[");
        first = false;
        jy_buf_json_int(&b, id);
        jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, s->n);
        jy_buf_putc(&b, ']');
    }
    jy_buf_putc(&b, ']');
    jy_buf_json_key(&b, "profile", false);
    jy_buf_puts(&b, event_profile_json(ev));
    jy_buf_putc(&b, '}');
    return jy_buf_steal(&b);
}

/* Fills out with a full copy of the event's picture, risk assessed. */
/* The risk model on the event's figures (explanation: NULL or a new JSON
 * array). */
static void event_assess(const struct event_engine *ee, const struct event *ev, double *score,
                         enum risk_level *level, char **explanation)
{
    struct risk_inputs ri = {
        .items = ev->items,
        .negative = ev->negative,
        .voiced = ev->voiced,
        .local = ev->local,
        .official = ev->official,
        .genre = ev->genre,
        .sources = ev->n_sources,
        .categories = ev->categories,
        .severity = ev->severity,
        .debunked = ev->debunked,
        .top_media = ev->top_media,
    };
    struct spread sp;
    event_spread(ev, &sp);
    ri.last_hour = sp.win[0];
    ri.hour_mean = spread_hour_mean(&sp);
    ri.acceleration = spread_acceleration(&sp);
    ri.phase = spread_phase(ev, &sp);
    risk_assess(&ee->ac->risk, &ri, score, level, explanation);
}

static void event_fill(const struct event_engine *ee, struct event *ev, struct an_event *out)
{
    memset(out, 0, sizeof *out);
    out->id = ev->id;
    out->title = xstrdup(event_title(ev));
    out->rep_item = ev->rep_item;
    out->first_seen = ev->first_seen;
    out->last_seen = ev->last_seen;
    out->first_collected = ev->first_collected;
    out->items = ev->items;
    out->sources = ev->n_sources;
    out->top_media = ev->top_media;
    out->negative = ev->negative;
    struct spread sp;
    event_spread(ev, &sp);
    out->velocity = spread_velocity(&sp);
    memcpy(out->hourly, ev->hourly, sizeof out->hourly);
    out->schemes = event_schemes_json(ee, ev);

    /* the ten first in term_cmp's order, by insertion */
    struct term_count top[TOP_TERMS];
    int n_top = 0;
    for (int i = 0; i < ev->n_terms; i++) {
        const struct term_count *t = &ev->terms[i];
        if (n_top == TOP_TERMS && term_cmp(t, &top[n_top - 1]) >= 0)
            continue;
        int k = n_top < TOP_TERMS ? n_top++ : TOP_TERMS - 1;
        while (k > 0 && term_cmp(t, &top[k - 1]) < 0) {
            top[k] = top[k - 1];
            k--;
        }
        top[k] = *t;
    }
    const struct term_count *sorted = top;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_putc(&b, '[');
    for (int i = 0; i < n_top; i++) {
        jy_buf_puts(&b, i ? ",[" : "[");
        jy_buf_json_str(&b, sorted[i].term);
        jy_buf_putc(&b, ',');
        jy_buf_json_int(&b, sorted[i].count);
        jy_buf_putc(&b, ']');
    }
    jy_buf_putc(&b, ']');
    out->terms = jy_buf_steal(&b);
    jy_buf_json_strs(&b, (const char *const *)ev->topics, (size_t)ev->n_topics);
    out->topics = jy_buf_steal(&b);

    event_assess(ee, ev, &out->score, &out->level, &out->explanation);
    if (ee->keep_state)
        out->state = event_state(ee, ev);
}

void an_event_clear(struct an_event *e)
{
    if (!e)
        return;
    free(e->title);
    free(e->schemes);
    free(e->terms);
    free(e->topics);
    free(e->explanation);
    free(e->state);
    memset(e, 0, sizeof *e);
}

/* ---- grouping ----------------------------------------------------------------------- */

/* The item's display title (a new string). */
static char *input_title(const struct event_input *in)
{
    if (in->title)
        return xstrdup(in->title);
    return in->make_title ? in->make_title(in->title_ctx) : xstrdup("");
}

/* Sets the event's title from the item: a short raw source is kept as it
 * is until the title is wanted. */
static void title_set(struct event *ev, const struct event_input *in)
{
    free(ev->title);
    free(ev->title_raw);
    ev->title = ev->title_raw = NULL;
    if (!in->title && in->title_src && strlen(in->title_src) <= TITLE_RAW_MAX)
        ev->title_raw = xstrdup(in->title_src);
    else
        ev->title = input_title(in);
}

static const char *event_title(struct event *ev)
{
    if (!ev->title) {
        const char *raw = ev->title_raw ? ev->title_raw : "";
        ev->title = event_title_text(raw, strlen(raw));
        free(ev->title_raw);
        ev->title_raw = NULL;
    }
    return ev->title;
}

static struct event *event_new(struct event_engine *ee, const struct event_input *in)
{
    struct event *ev = xcalloc(1, sizeof *ev);
    ev->id = ee->next_id++;
    title_set(ev, in);
    ev->rep_item = in->id;
    ev->first_seen = ev->last_seen = in->at;
    ev->first_collected = in->collected;
    ev->top_media = MEDIA_UNKNOWN;
    ev->hour_base = in->at >= 0 ? in->at / 3600 : (in->at - 3599) / 3600;
    ev->tick_anchor = in->at;
    ev->open = true;
    open_push(ee, ev);
    byid_put(ee, ev);
    return ev;
}

/* Picks the event the item joins, or NULL. */
static struct event *event_choose(struct event_engine *ee, const struct event_input *in,
                                  const uint64_t *term_h, size_t n_terms)
{
    /* 0. the event of the item a repost's chain reproduces */
    if (in->repost_of) {
        struct tab_slot *s = tab_find(&ee->members, key_member(in->repost_of));
        if (s && event_accepts(ee, s->p, in->at))
            return s->p;
    }
    /* 1. the event holding the first copy */
    if (in->duplicate_of) {
        struct tab_slot *s = tab_find(&ee->members, key_member(in->duplicate_of));
        if (s && event_accepts(ee, s->p, in->at))
            return s->p;
    }
    uint32_t gen = ++ee->gen;
    struct event *best = NULL;
    double best_sim = -1;
    double thr = ee->ac->event_similarity > 0 ? ee->ac->event_similarity : 0.25;
    /* 2. a shared topic, with similar text (a trending #topic# is pasted
     * onto posts of many stories, so it says nothing by itself): the most
     * similar of the events under it */
    for (size_t i = 0; i < in->n_topics; i++) {
        struct tab_slot *s = tab_find(&ee->keys, key_str('t', in->topics[i]));
        if (!s)
            continue;
        struct keyvec *kv = s->p;
        for (int k = kv->n - 1; k >= 0; k--) {
            struct event *ev = kv->ev[k];
            if (ev->seen_gen == gen || !event_accepts(ee, ev, in->at) ||
                !event_has_topic(ev, in->topics[i]))
                continue;
            ev->seen_gen = gen;
            double sim = prof_similarity(ev, ee->bg, ee->n_bg);
            if (sim >= thr &&
                (sim > best_sim || (sim == best_sim && ev->last_seen > best->last_seen))) {
                best = ev;
                best_sim = sim;
            }
        }
    }
    if (best)
        return best;
    /* 3. similar text sharing a term or a scheme: the most recently active
     * events under each key, at most SIM_CANDIDATES of them */
    int scored = 0;
    for (int round = 0; round < KEY_RECENT && scored < SIM_CANDIDATES; round++) {
        bool any = false;
        for (size_t i = 0; i < n_terms + in->n_schemes && scored < SIM_CANDIDATES; i++) {
            uint64_t key =
                i < n_terms ? key_hash('w', term_h[i]) : key_scheme(in->schemes[i - n_terms]);
            struct tab_slot *s = tab_find(&ee->keys, key);
            if (!s)
                continue;
            struct keyvec *kv = s->p;
            if (round >= kv->n)
                continue;
            any = true;
            struct event *ev = kv->ev[kv->n - 1 - round];
            if (ev->seen_gen == gen || !event_accepts(ee, ev, in->at))
                continue;
            ev->seen_gen = gen;
            scored++;
            double sim = prof_similarity(ev, ee->bg, ee->n_bg);
            if (sim >= thr &&
                (sim > best_sim || (sim == best_sim && best && ev->last_seen > best->last_seen))) {
                best = ev;
                best_sim = sim;
            }
        }
        if (!any)
            break;
    }
    return best;
}

int event_engine_add(struct event_engine *ee, const struct event_input *in, struct an_event *out,
                     bool *alert, struct jy_error *err)
{
    (void)err;
    memset(out, 0, sizeof *out);
    *alert = false;
    if (in->at > ee->hwm)
        ee->hwm = in->at;
    sweep(ee);

    const char *terms[TERMS_MAX];
    uint64_t term_h[TERMS_MAX];
    size_t n_terms = item_terms(in, terms, term_h, TERMS_MAX);
    if (in->bigrams) {
        ee->bg = in->bigrams;
        ee->n_bg = in->n_bigrams;
    } else {
        ee->n_bg = event_bigrams(in->text ? in->text : "", in->text ? in->len : 0, ee->bg_b);
        ee->bg = ee->bg_b;
    }

    struct event *ev = event_choose(ee, in, term_h, n_terms);
    if (!ev)
        ev = event_new(ee, in);

    /* figures */
    if (in->at < ev->first_seen)
        ev->first_seen = in->at;
    if (in->at > ev->last_seen)
        ev->last_seen = in->at;
    if (ev->items == 0 || (in->collected && in->collected < ev->first_collected))
        ev->first_collected = in->collected;
    hourly_add(ev, in->at, 1);
    ticks_add(ev, in->at, 1);
    ev->items++;
    /* Attitude is toward the police: grief or anger in a post that praises
     * them (民警倒在抗疫一线, 一路走好) with nothing they did wrong is not
     * against them. */
    unsigned wrong = 1u << CAT_ENFORCEMENT | 1u << CAT_MISCONDUCT;
    if (in->sentiment == SENT_NEGATIVE && !(in->marks.praise && !(in->marks.categories & wrong)))
        ev->negative++;
    if (in->voiced || in->sentiment != SENT_NEUTRAL)
        ev->voiced++;
    if (in->marks.local)
        ev->local++;
    if (in->marks.official)
        ev->official++;
    if ((in->marks.praise || in->marks.publicity) &&
        !(in->marks.categories & (1u << CAT_ENFORCEMENT | 1u << CAT_MISCONDUCT)))
        ev->genre++;
    if (in->marks.debunk)
        ev->debunked = true;
    ev->categories |= in->marks.categories;
    for (int c = 0; c < N_CATEGORIES; c++) {
        if (in->marks.severity[c] > ev->severity[c])
            ev->severity[c] = in->marks.severity[c];
    }
    if (media_rank(in->media_level) < media_rank(ev->top_media))
        ev->top_media = in->media_level;
    source_add(ev, in->source);
    for (size_t i = 0; i < n_terms; i++) {
        term_count_add(ee, ev, terms[i], term_h[i], 1);
        key_touch(ee, key_hash('w', term_h[i]), ev);
    }
    for (size_t i = 0; i < in->n_topics; i++) {
        topic_add(ev, in->topics[i]);
        if (event_has_topic(ev, in->topics[i]))
            key_touch(ee, key_str('t', in->topics[i]), ev);
    }
    for (size_t i = 0; i < in->n_schemes; i++) {
        scheme_add(ev, in->schemes[i]);
        key_touch(ee, key_scheme(in->schemes[i]), ev);
    }
    prof_add_item(ee, ev, ee->bg, ee->n_bg);

    /* near-duplicates: members and the representative item */
    if (in->duplicate_of) {
        struct tab_slot *s = tab_find(&ee->members, key_member(in->duplicate_of));
        if (s && s->p == ev) {
            s->n++;
            if (s->n > ev->rep_copies) {
                ev->rep_copies = (int)s->n;
                if (ev->rep_item != in->duplicate_of) {
                    ev->rep_item = in->duplicate_of;
                    char *t = input_title(in);
                    if (*t) {
                        free(ev->title);
                        free(ev->title_raw);
                        ev->title_raw = NULL;
                        ev->title = t;
                    } else {
                        free(t);
                    }
                }
            }
        } else if (!s) {
            /* The first copy's event is gone (closed, or the copy left its
             * ring): this event carries the story now, and a repost whose
             * chain finds that first copy joins it here, not wherever its
             * reposter's two words ("转发微博") happen to fall. */
            member_add(ee, ev, in->duplicate_of);
        }
    } else {
        member_add(ee, ev, in->id);
    }

    event_assess(ee, ev, &ev->score, &ev->level, NULL);
    if (ev->level != LEVEL_NONE && (ev->alerted == LEVEL_NONE || ev->level < ev->alerted)) {
        ev->alerted = ev->level;
        *alert = true;
    }
    if (ee->full_picture) {
        event_fill(ee, ev, out); /* after the alert: the state remembers it */
    } else {
        out->id = ev->id;
        out->score = ev->score;
        out->level = ev->level;
    }
    return 0;
}

int event_engine_explain(struct event_engine *ee, int64_t id, double *score, enum risk_level *level,
                         char **explanation, struct jy_error *err)
{
    struct tab_slot *s = tab_find(&ee->byid, key_event(id));
    if (!s || !s->p)
        return jy_error_set(err, JY_ENOTFOUND, "event %lld is not in memory", (long long)id);
    event_assess(ee, s->p, score, level, explanation);
    return 0;
}

int event_engine_get(struct event_engine *ee, int64_t id, struct an_event *out,
                     struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    struct tab_slot *s = tab_find(&ee->byid, key_event(id));
    if (!s || !s->p)
        return jy_error_set(err, JY_ENOTFOUND, "event %lld is not in memory", (long long)id);
    event_fill(ee, s->p, out);
    return 0;
}

bool event_engine_holds(struct event_engine *ee, int64_t id, int64_t at)
{
    struct tab_slot *s = tab_find(&ee->members, key_member(id));
    return s && event_accepts(ee, s->p, at);
}

/* ---- restore ------------------------------------------------------------------------ */

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

int event_engine_restore(struct event_engine *ee, int64_t id, const char *state,
                         struct jy_error *err)
{
    json_error_t je;
    json_t *o = state ? json_loads(state, 0, &je) : NULL;
    int64_t version = json_is_object(o) ? jint(o, "v") : 0;
    if ((version != 1 && version != 2) || !json_is_string(json_object_get(o, "title"))) {
        json_decref(o);
        return jy_error_set(err, JY_EINVAL, "event %lld: bad state", (long long)id);
    }
    struct event *ev = xcalloc(1, sizeof *ev);
    ev->id = id;
    ev->open = true;
    ev->title = xstrdup(json_string_value(json_object_get(o, "title")));
    ev->rep_item = jint(o, "rep_item");
    ev->rep_copies = (int)jint(o, "rep_copies");
    ev->first_seen = jint(o, "first_seen");
    ev->last_seen = jint(o, "last_seen");
    ev->first_collected = jint(o, "first_collected");
    ev->items = (int)jint(o, "items");
    ev->negative = (int)jint(o, "negative");
    ev->local = (int)jint(o, "local");
    ev->official = (int)jint(o, "official");
    ev->genre = (int)jint(o, "genre");
    /* a state from before the count: every item spoke */
    ev->voiced = json_object_get(o, "voiced") ? (int)jint(o, "voiced") : ev->items;
    ev->debunked = jint(o, "debunked") != 0;
    ev->categories = (unsigned)jint(o, "categories");
    int64_t tm = jint(o, "top_media");
    ev->top_media =
        tm >= MEDIA_UNKNOWN && tm <= MEDIA_INTERNAL ? (enum media_level)tm : MEDIA_UNKNOWN;
    int64_t al = jint(o, "alerted");
    ev->alerted = al >= LEVEL_NONE && al <= LEVEL_IV ? (enum risk_level)al : LEVEL_NONE;
    ev->hour_base = jint(o, "hour_base");
    json_t *a, *v;
    size_t i;
    /* a state from before the severities: each category's default */
    a = json_object_get(o, "severity");
    for (int c = 0; c < N_CATEGORIES; c++) {
        if (c < (int)json_array_size(a)) {
            json_int_t v = json_integer_value(json_array_get(a, (size_t)c));
            ev->severity[c] = (uint8_t)(v < 0 ? 0 : v > 100 ? 100 : v);
        } else if (ev->categories & (1u << c))
            ev->severity[c] = (uint8_t)(risk_category_severity((enum risk_category)c) * 100 + 0.5);
    }
    a = json_object_get(o, "hourly");
    for (i = 0; i < 24 && i < json_array_size(a); i++)
        ev->hourly[i] = (int)json_integer_value(json_array_get(a, i));
    a = json_object_get(o, "ticks");
    if (json_is_array(a)) {
        ev->tick_anchor = jint(o, "tick_anchor");
        ev->tick_top = jint(o, "tick_top");
        json_array_foreach(a, i, v)
        {
            int64_t t = (int64_t)json_integer_value(json_array_get(v, 0));
            if (t <= ev->tick_top && t > ev->tick_top - TICKS_KEPT)
                ev->ticks[tick_slot(t)] += (int)json_integer_value(json_array_get(v, 1));
        }
    } else {
        /* a state from before the spread series: each clock hour's items at
         * the middle of their hour, within the event's span */
        ev->tick_anchor = ev->first_seen;
        for (int h = 0; h < 24; h++) {
            int64_t at = (ev->hour_base - 23 + h) * 3600 + 1800;
            at = at < ev->first_seen ? ev->first_seen : at > ev->last_seen ? ev->last_seen : at;
            if (ev->hourly[h])
                ticks_add(ev, at, ev->hourly[h]);
        }
    }
    json_array_foreach(json_object_get(o, "sources"), i, v)
    {
        source_push(ev, (uint64_t)json_integer_value(v));
    }
    json_array_foreach(json_object_get(o, "terms"), i, v)
    {
        const char *t = json_string_value(json_array_get(v, 0));
        if (t && ev->n_terms < TERMS_MAX) {
            terms_reserve(ev);
            ev->terms[ev->n_terms].term = xstrdup(t);
            ev->terms[ev->n_terms].h = jy_hash64(t, strlen(t));
            ev->terms[ev->n_terms++].count = (int)json_integer_value(json_array_get(v, 1));
        }
    }
    json_array_foreach(json_object_get(o, "topics"), i, v)
    {
        if (json_is_string(v))
            topic_add(ev, json_string_value(v));
    }
    json_array_foreach(json_object_get(o, "schemes"), i, v)
    {
        int s = (int)json_integer_value(json_array_get(v, 0));
        const char *name = json_string_value(json_array_get(v, 1));
        const char *now = ee->scheme_name ? ee->scheme_name(ee->ctx, s) : NULL;
        if (name && now && strcmp(name, now) == 0)
            scheme_add(ev, s);
    }
    /* [counter, count, ...]; a state of version 1 (before the counters)
     * gave bigrams: each goes to its counter */
    a = json_object_get(o, "profile");
    ev->prof = xcalloc(PROF_BUCKETS, sizeof *ev->prof);
    for (i = 0; i + 1 < json_array_size(a); i += 2) {
        json_t *jk = json_array_get(a, i), *jc = json_array_get(a, i + 1);
        if (!json_is_integer(jk) || !json_is_integer(jc))
            continue;
        json_int_t k = json_integer_value(jk), c = json_integer_value(jc);
        /* counter 0 is a counter; bigram 0 (version 1) was an empty slot */
        if (c <= 0 || k < 0 || (version == 1 && k == 0) || (version == 2 && k >= PROF_BUCKETS))
            continue;
        size_t j = version == 2 ? (size_t)k : prof_bucket((uint64_t)k);
        uint32_t sum = (uint32_t)ev->prof[j] + (c < PROF_COUNT_MAX ? (uint32_t)c : PROF_COUNT_MAX);
        ev->prof[j] = (uint16_t)(sum < PROF_COUNT_MAX ? sum : PROF_COUNT_MAX);
    }
    for (int j = 0; j < PROF_BUCKETS; j++) {
        ev->prof_norm2 += (double)ev->prof[j] * ev->prof[j];
        if (ev->prof[j])
            ev->prof_nz[j >> 6] |= UINT64_C(1) << (j & 63);
    }

    open_push(ee, ev);
    byid_put(ee, ev);
    if (ev->last_seen > ee->hwm)
        ee->hwm = ev->last_seen;
    if (id >= ee->next_id)
        ee->next_id = id + 1;
    for (int k = 0; k < ev->n_topics; k++)
        key_touch(ee, key_str('t', ev->topics[k]), ev);
    for (int k = 0; k < ev->n_terms; k++)
        key_touch(ee, key_str('w', ev->terms[k].term), ev);
    for (int k = 0; k < ev->n_schemes; k++)
        key_touch(ee, key_scheme(ev->schemes[k]), ev);
    json_array_foreach(json_object_get(o, "members"), i, v)
    {
        int64_t mid = (int64_t)json_integer_value(json_array_get(v, 0));
        if (mid <= 0)
            continue;
        member_add(ee, ev, mid);
        tab_find(&ee->members, key_member(mid))->n = json_integer_value(json_array_get(v, 1));
    }
    json_decref(o);
    return 0;
}
