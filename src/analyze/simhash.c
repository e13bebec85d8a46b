/*
 * simhash.c: 64-bit SimHash of normalised text and the banded index that
 * finds a near-duplicate's first copy in time independent of the corpus.
 *
 * The features are overlapping 3-code-point shingles of the text with each
 * run of punctuation, spaces and symbols reduced to one separator (see
 * shingle_char), all weighted equally.
 * A shingle's three code points (21 bits each) pack losslessly into 63 bits,
 * and a murmur-style finaliser (a bijection) spreads them over 64 bits, so
 * distinct shingles never collide and no byte-wise hashing is needed.
 *
 * The index cuts the 64 bits into k+1 bands for threshold k: two hashes
 * within distance k agree exactly on at least one band (pigeonhole). Each
 * (band, band value) key maps to a chain of entries in the order they were
 * added. Entries live in a FIFO (a ring indexed by sequence number) in the
 * same order, so the oldest entry is at the head of every chain it belongs
 * to and expiring it is O(bands). Expiry is lazy: a lookup at time `now`
 * first drops entries older than now - window from the front of the FIFO.
 * Items are expected roughly in time order; an entry added out of order is
 * still filtered by time at lookup and leaves when it reaches the front.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "analyze/analyze_int.h"

/* spread[x] has byte i set to 1 when bit i of x is set: adding spread values
 * of a word's eight bytes counts all 64 bits in eight byte-wide lanes at once. */
static uint64_t spread[256];

static void spread_init(void)
{
    for (int x = 0; x < 256; x++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            if (x & (1 << i))
                v |= UINT64_C(1) << (8 * i);
        }
        spread[x] = v;
    }
}

/* The 64 vote counters, bit-sliced: a hash is a column of 64 bits, and
 * sixteen hashes at a time are added with carry-save adders (a full adder
 * across all 64 bits in five word operations) into counters of ones, twos,
 * fours and eights held as words; what carries out of the eights counts
 * sixteens, in byte lanes (spread). A vote costs about six word operations
 * where eight table look-ups and additions used to. */
struct votes {
    uint64_t block[16];
    int in_block;
    uint64_t ones, twos, fours, eights;
    uint64_t lanes[8]; /* lanes[k] byte i: sixteens of bit 8k+i; flushed before overflow */
    int pending;
    int32_t sixteens[64];
    int n;
};

/* (hi, lo) = a + b + c, bitwise */
static inline void csa(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t u = a ^ b;
    *hi = (a & b) | (u & c);
    *lo = u ^ c;
}

static void lanes_flush(struct votes *v)
{
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < 8; i++)
            v->sixteens[8 * k + i] += (int32_t)((v->lanes[k] >> (8 * i)) & 0xff);
        v->lanes[k] = 0;
    }
    v->pending = 0;
}

/* Adds eight hashes into the ones, twos and fours; returns what carries
 * into the eights. */
static uint64_t votes_eight(struct votes *v, const uint64_t *d)
{
    uint64_t twos_a, twos_b, fours_a, fours_b, eights;
    csa(&twos_a, &v->ones, v->ones, d[0], d[1]);
    csa(&twos_b, &v->ones, v->ones, d[2], d[3]);
    csa(&fours_a, &v->twos, v->twos, twos_a, twos_b);
    csa(&twos_a, &v->ones, v->ones, d[4], d[5]);
    csa(&twos_b, &v->ones, v->ones, d[6], d[7]);
    csa(&fours_b, &v->twos, v->twos, twos_a, twos_b);
    csa(&eights, &v->fours, v->fours, fours_a, fours_b);
    return eights;
}

/* Adds the block's sixteen hashes (unused ones are 0, which add nothing). */
static void votes_block(struct votes *v)
{
    uint64_t eights_a = votes_eight(v, v->block), eights_b = votes_eight(v, v->block + 8);
    uint64_t sixteens;
    csa(&sixteens, &v->eights, v->eights, eights_a, eights_b);
    if (sixteens) {
        if (v->pending == 255)
            lanes_flush(v);
        for (int k = 0; k < 8; k++)
            v->lanes[k] += spread[(sixteens >> (8 * k)) & 0xff];
        v->pending++;
    }
    v->in_block = 0;
}

static inline void votes_add(struct votes *v, uint64_t h)
{
    v->block[v->in_block++] = h;
    v->n++;
    if (v->in_block == 16)
        votes_block(v);
}

/* The votes bit b got, once every vote is in. */
static int32_t votes_count(const struct votes *v, int b)
{
    return 16 * v->sixteens[b] + (int32_t)((v->ones >> b) & 1) + 2 * (int32_t)((v->twos >> b) & 1) +
           4 * (int32_t)((v->fours >> b) & 1) + 8 * (int32_t)((v->eights >> b) & 1);
}

/* Letters, digits and marks make shingles; a run of anything else
 * (punctuation, spaces, symbols, emoji) counts as one separator between them
 * and nothing at either end, so "网友愤怒！！" and "网友愤怒", or "A，B" and
 * "A!!! B", hash alike: reposts differ in exactly such noise. */
static bool shingle_char(uint32_t cp)
{
    if (cp >= 0x4E00 && cp <= 0x9FFF)
        return true; /* CJK Unified Ideographs, all Lo: most of the text */
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

uint64_t simhash64(const char *text, size_t len)
{
    /* The collector's two threads may come here first at the same time. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, spread_init);
    struct votes v;
    memset(&v, 0, sizeof v);
    /* the last three code points, 21 bits each, the newest lowest: the
     * shingle's 63-bit key as it is */
    uint64_t key = 0;
    const uint64_t mask63 = (UINT64_C(1) << 63) - 1;
    int have = 0;
    size_t i = 0;

    bool gap = false; /* a run of punctuation, spaces or symbols was skipped */
    while (i < len) {
        uint32_t cp;
        unsigned char c = (unsigned char)text[i];
        bool word;
        if (c < 0x80) {
            cp = c;
            i++;
            word = (unsigned)((c | 0x20) - 'a') < 26 || (unsigned)(c - '0') < 10;
        } else {
            i += utf8_decode(text + i, len - i, &cp);
            word = shingle_char(cp);
        }
        if (!word) {
            gap = true;
            continue;
        }
        /* The run becomes one separator, and only between words. */
        if (gap && have > 0) {
            key = (key << 21 | ' ') & mask63;
            if (++have >= 3)
                votes_add(&v, mix64(key));
        }
        key = (key << 21 | cp) & mask63;
        if (++have >= 3)
            votes_add(&v, mix64(key));
        gap = false;
    }
    if (have > 0 && have < 3) {
        /* Too short for a shingle: each character is a feature, the older
         * first. */
        for (int k = have - 1; k >= 0; k--)
            votes_add(&v, mix64((key >> (21 * k) & 0x1FFFFF) | (UINT64_C(1) << 63)));
    }
    if (v.in_block) {
        memset(v.block + v.in_block, 0, (16 - (size_t)v.in_block) * sizeof v.block[0]);
        votes_block(&v);
    }
    lanes_flush(&v);
    uint64_t out = 0;
    for (int b = 0; b < 64; b++) {
        if (2 * votes_count(&v, b) > v.n)
            out |= UINT64_C(1) << b;
    }
    return out;
}

int simhash_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

/* ---- the banded index -------------------------------------------------- */

#define MAX_BANDS 16

struct dup_entry {
    int64_t id, at;
    uint64_t hash;
};

/* One (band, value) key: the chain of entries (sequence numbers, 0: none). */
struct dup_slot {
    uint64_t value;
    uint64_t head, tail; /* 0: empty slot */
    uint32_t band;
};

struct dup_index {
    int threshold, bands;
    int64_t window;
    int shift[MAX_BANDS], width[MAX_BANDS];
    /* FIFO ring: entry with sequence s lives at s & (cap - 1); live ones are
     * first..next-1. nexts[(s & (cap-1)) * bands + b] is the chain link. */
    struct dup_entry *ring;
    uint64_t *nexts;
    size_t cap;
    uint64_t first, next;
    struct dup_slot *slots;
    size_t n_slots, used;
};

static inline uint64_t band_value(const struct dup_index *di, uint64_t h, int b)
{
    uint64_t v = h >> di->shift[b];
    return di->width[b] >= 64 ? v : v & ((UINT64_C(1) << di->width[b]) - 1);
}

static inline size_t slot_home(const struct dup_index *di, int band, uint64_t value)
{
    return (size_t)(mix64(value * UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)band + 1) &
                    (di->n_slots - 1));
}

static struct dup_slot *slot_find(struct dup_index *di, int band, uint64_t value)
{
    size_t i = slot_home(di, band, value);
    for (;;) {
        struct dup_slot *s = &di->slots[i];
        if (s->head == 0)
            return NULL;
        if (s->band == (uint32_t)band && s->value == value)
            return s;
        i = (i + 1) & (di->n_slots - 1);
    }
}

static void slots_grow(struct dup_index *di);

static struct dup_slot *slot_insert(struct dup_index *di, int band, uint64_t value)
{
    if ((di->used + 1) * 2 > di->n_slots)
        slots_grow(di);
    size_t i = slot_home(di, band, value);
    while (di->slots[i].head != 0)
        i = (i + 1) & (di->n_slots - 1);
    di->slots[i].band = (uint32_t)band;
    di->slots[i].value = value;
    di->used++;
    return &di->slots[i];
}

static void slots_grow(struct dup_index *di)
{
    struct dup_slot *old = di->slots;
    size_t n_old = di->n_slots;
    di->n_slots = n_old ? n_old * 2 : 1024;
    di->slots = xcalloc(di->n_slots, sizeof *di->slots);
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].head == 0)
            continue;
        size_t j = slot_home(di, (int)old[i].band, old[i].value);
        while (di->slots[j].head != 0)
            j = (j + 1) & (di->n_slots - 1);
        di->slots[j] = old[i];
    }
    free(old);
}

/* Linear probing deletion by backward shift: no tombstones, so lookups stay
 * short however many entries come and go. */
static void slot_delete(struct dup_index *di, struct dup_slot *s)
{
    size_t mask = di->n_slots - 1;
    size_t i = (size_t)(s - di->slots);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (di->slots[j].head == 0)
            break;
        size_t home = slot_home(di, (int)di->slots[j].band, di->slots[j].value);
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        di->slots[i] = di->slots[j];
        i = j;
    }
    memset(&di->slots[i], 0, sizeof di->slots[i]);
    di->used--;
}

struct dup_index *dup_index_new(int threshold, int64_t window)
{
    struct dup_index *di = xcalloc(1, sizeof *di);
    if (threshold < 0)
        threshold = 0;
    if (threshold > MAX_BANDS - 1)
        threshold = MAX_BANDS - 1;
    di->threshold = threshold;
    di->bands = threshold + 1;
    di->window = window;
    for (int b = 0; b < di->bands; b++) {
        int lo = b * 64 / di->bands, hi = (b + 1) * 64 / di->bands;
        di->shift[b] = lo;
        di->width[b] = hi - lo;
    }
    di->first = di->next = 1;
    return di;
}

static inline struct dup_entry *ring_at(const struct dup_index *di, uint64_t seq)
{
    return &di->ring[seq & (di->cap - 1)];
}

static inline uint64_t *next_at(const struct dup_index *di, uint64_t seq, int b)
{
    return &di->nexts[(seq & (di->cap - 1)) * (size_t)di->bands + (size_t)b];
}

static void expire(struct dup_index *di, int64_t now)
{
    while (di->first < di->next) {
        uint64_t seq = di->first;
        struct dup_entry *e = ring_at(di, seq);
        if (e->at >= now - di->window)
            break;
        for (int b = 0; b < di->bands; b++) {
            struct dup_slot *s = slot_find(di, b, band_value(di, e->hash, b));
            if (!s || s->head != seq)
                abort(); /* the oldest entry heads each of its chains */
            s->head = *next_at(di, seq, b);
            if (s->head == 0)
                slot_delete(di, s);
        }
        di->first++;
    }
}

int64_t dup_index_find(struct dup_index *di, uint64_t h, int64_t now)
{
    expire(di, now);
    uint64_t best = 0;
    int64_t best_id = 0;
    if (di->n_slots == 0)
        return 0;
    for (int b = 0; b < di->bands; b++) {
        struct dup_slot *s = slot_find(di, b, band_value(di, h, b));
        if (!s)
            continue;
        /* Chains are in add order: the first hit is this band's earliest. */
        for (uint64_t seq = s->head; seq != 0 && (best == 0 || seq < best);
             seq = *next_at(di, seq, b)) {
            const struct dup_entry *e = ring_at(di, seq);
            if (e->at < now - di->window || simhash_distance(e->hash, h) > di->threshold)
                continue;
            best = seq;
            best_id = e->id;
            break;
        }
    }
    return best_id;
}

static void ring_grow(struct dup_index *di)
{
    size_t ncap = di->cap ? di->cap * 2 : 1024;
    struct dup_entry *ring = xmalloc(ncap * sizeof *ring);
    uint64_t *nexts = xmalloc(ncap * (size_t)di->bands * sizeof *nexts);
    for (uint64_t seq = di->first; seq < di->next; seq++) {
        ring[seq & (ncap - 1)] = *ring_at(di, seq);
        memcpy(&nexts[(seq & (ncap - 1)) * (size_t)di->bands], next_at(di, seq, 0),
               (size_t)di->bands * sizeof *nexts);
    }
    free(di->ring);
    free(di->nexts);
    di->ring = ring;
    di->nexts = nexts;
    di->cap = ncap;
}

void dup_index_add(struct dup_index *di, int64_t id, uint64_t h, int64_t at)
{
    if (di->next - di->first >= di->cap)
        ring_grow(di);
    uint64_t seq = di->next++;
    struct dup_entry *e = ring_at(di, seq);
    e->id = id;
    e->at = at;
    e->hash = h;
    for (int b = 0; b < di->bands; b++) {
        *next_at(di, seq, b) = 0;
        uint64_t v = band_value(di, h, b);
        struct dup_slot *s = di->n_slots ? slot_find(di, b, v) : NULL;
        if (s) {
            *next_at(di, s->tail, b) = seq;
            s->tail = seq;
        } else {
            s = slot_insert(di, b, v);
            s->head = s->tail = seq;
        }
    }
}

size_t dup_index_size(const struct dup_index *di)
{
    return (size_t)(di->next - di->first);
}

void dup_index_clear(struct dup_index *di)
{
    if (di->slots)
        memset(di->slots, 0, di->n_slots * sizeof *di->slots);
    di->used = 0;
    di->first = di->next = 1;
}

void dup_index_free(struct dup_index *di)
{
    if (!di)
        return;
    free(di->ring);
    free(di->nexts);
    free(di->slots);
    free(di);
}
