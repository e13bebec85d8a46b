/*
 * simhash.c: 64-bit SimHash and the sketch of normalised text, and the index
 * that finds a near-duplicate's first copy in time independent of the corpus.
 *
 * The features are overlapping 3-code-point shingles of the text with each
 * run of punctuation, spaces and symbols reduced to one separator (see
 * shingle_char), all weighted equally.
 * A shingle's three code points (21 bits each) pack losslessly into 63 bits,
 * and a murmur-style finaliser (a bijection) spreads them over 64 bits, so
 * distinct shingles never collide and no byte-wise hashing is needed.
 *
 * Near-duplicates are decided on the sketch, not the SimHash: the hashes
 * (top 32 bits) of a text's shingles that fall below a limit, halved until
 * fewer than 64 are left, a sample that two texts take alike below the lower
 * of their limits. Two texts are near-duplicates when the smaller has at
 * least half as many distinct shingles as the larger and at least 7/8 of its
 * sampled shingles are the larger's: a copy with a tail, a source prefix or
 * a few characters changed. SimHash could not say so: a two-character edit
 * or a sentence added moves a 100-character text's SimHash by 5-10 bits, as
 * far as it moves some different texts (bench/neardup.py: recall 0.44 of
 * such copies within 3 bits, 0.83 within 8, where the sketch finds 0.98).
 *
 * The index files each text under the pairs of its sketch's 3 smallest
 * values and looks a text up under the pairs of its 4 smallest (6 keys): a
 * near-duplicate shares most of its smallest values, a different text
 * rarely two of them, so the chains looked at are short and each candidate
 * is checked on its sketch. Entries without a sketch (texts without letters
 * or digits, items restored with no text, dup_index_add) are filed under
 * their SimHash: the 64 bits cut into k+1 bands for threshold k, so two
 * hashes within distance k agree exactly on at least one band (pigeonhole),
 * and found within distance k.
 *
 * Each key maps to a chain of entries in the order they were added. Entries
 * live in a FIFO (a ring indexed by sequence number) in the same order, so
 * the oldest entry is at the head of every chain it belongs to and expiring
 * it is O(keys). Expiry is lazy: a lookup at time `now` first drops entries
 * older than now - window from the front of the FIFO.
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

/* Near-duplicates: the smaller text has at least 1/DUP_SIZE_RATIO of the
 * larger's shingles and at least DUP_SHARE_NUM/DUP_SHARE_DEN of its sampled
 * shingles are the larger's. Chosen on bench/neardup.py's dev part: a share
 * of 3/4 found 0.982 of the copies and merged 0.82% of the items with
 * another post, 27/32 0.985 and 0.07% (and 48 corpus links between texts
 * its reference calls different), 7/8 0.978 and 0.01% (16 such links),
 * 29/32 0.957 and none (4), missing 12% of the two-character edits. */
#define DUP_SIZE_RATIO 2
#define DUP_SHARE_NUM 7
#define DUP_SHARE_DEN 8

/* The sketch is a sample of the text's shingles by hash value: those below
 * a limit that halves whenever DUP_SKETCH of them are held, so a text of
 * any length keeps between DUP_SKETCH/2 and DUP_SKETCH, and two texts are
 * sampled alike below the lower of their limits. The limit starts where a
 * text of Chinese characters of this length would end up (halving from the
 * top cost as much as the sampling). A shingle costs a store and a
 * comparison; sorting (to compare) waits until a text is a candidate,
 * which most never are. */
static uint32_t sketch_start(size_t len)
{
    uint32_t shift = 0;
    for (size_t chars = len / 3; (chars >> shift) > DUP_SKETCH && shift < 24;)
        shift++;
    return shift;
}

/* Sorts v[0..n), values below 2^(32 - shift), and drops repeats; returns
 * how many are left. */
static uint32_t values_sort_unique(uint32_t *v, uint32_t n, uint32_t shift)
{
    if (shift <= 26 && n > 8) {
        /* The values are uniform below the limit: counted into 64 buckets by
         * their top 6 bits, they come out nearly in order, and the insertion
         * sort below has little left to do. */
        uint32_t bits = 26 - shift, tmp[DUP_SKETCH];
        uint8_t start[65] = {0};
        for (uint32_t i = 0; i < n; i++)
            start[(v[i] >> bits) + 1]++;
        for (int b = 1; b <= 64; b++)
            start[b] = (uint8_t)(start[b] + start[b - 1]);
        for (uint32_t i = 0; i < n; i++)
            tmp[start[v[i] >> bits]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    }
    return k;
}

/* Makes room in a full sample: halves the limit (2^(32 - sk->shift)) until
 * fewer than DUP_SKETCH of the values held are below it; returns how many
 * are. Halving keeps about half of distinct values: keeping all or none
 * means a few shingles repeated fill the sample, and dropping the repeats
 * makes room instead (a text of one shingle over and over keeps it). */
static uint32_t sketch_halve(struct dup_sketch *sk, uint32_t n)
{
    while (n == DUP_SKETCH) {
        uint64_t half = UINT64_C(1) << (31 - sk->shift);
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            k += sk->v[i] < half;
        if (k == 0 || k == n) {
            uint32_t u = values_sort_unique(sk->v, n, sk->shift);
            sk->repeats += n - u;
            if (u < n) {
                n = u;
                continue;
            }
        }
        if (sk->shift == 31)
            return n - 1; /* 64 distinct hashes of 0 or 1: no more room */
        sk->shift++;
        k = 0;
        for (uint32_t i = 0; i < n; i++) {
            sk->v[k] = sk->v[i];
            k += sk->v[i] < half;
        }
        n = k;
    }
    return n;
}

/* One feature's hash into the votes and the sketch (its top 32 bits; *n
 * values held, below *limit). Repeats count too: a repetitive text keeps
 * fewer. */
static inline void feature_add(struct votes *v, struct dup_sketch *sk, uint32_t *n, uint64_t *limit,
                               uint64_t h)
{
    votes_add(v, h);
    uint32_t x = (uint32_t)(h >> 32);
    sk->v[*n] = x;
    *n += x < *limit;
    if (*n == DUP_SKETCH) {
        *n = sketch_halve(sk, *n);
        *limit = UINT64_C(1) << (32 - sk->shift);
    }
}

/* The m smallest distinct values of the sketch into low[], ascending;
 * returns how many there are (fewer when the sketch holds fewer). The
 * values are uniform below the limit: the m smallest of n are nearly always
 * among those below 2m/n of it, which are sorted alone. */
static uint32_t sketch_lowest(const struct dup_sketch *sk, uint32_t m, uint32_t *low)
{
    uint32_t k = 0;
    if (sk->sorted) {
        k = sk->n < m ? sk->n : m;
        memcpy(low, sk->v, k * sizeof *low);
        return k;
    }
    uint64_t limit = UINT64_C(1) << (32 - sk->shift);
    for (uint64_t below = sk->n > 4 * m ? limit / sk->n * 2 * m : limit;; below *= 2) {
        uint32_t c[DUP_SKETCH], n = 0;
        for (uint32_t i = 0; i < sk->n; i++) {
            c[n] = sk->v[i];
            n += sk->v[i] < below;
        }
        k = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t x = c[i], j = k;
            for (; j > 0 && low[j - 1] > x; j--)
                ;
            if ((j > 0 && low[j - 1] == x) || j == m)
                continue;
            uint32_t t = k < m ? k++ : m - 1; /* full: the largest drops out */
            for (; t > j; t--)
                low[t] = low[t - 1];
            low[j] = x;
        }
        if (k == m || below >= limit)
            return k;
    }
}

/* SimHash and sketch of the text, the sketch's limit starting at 2^(32 -
 * shift). */
static uint64_t simhash_pass(const char *text, size_t len, struct dup_sketch *sk, uint32_t shift)
{
    /* The collector's two threads may come here first at the same time. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, spread_init);
    struct votes v;
    memset(&v, 0, sizeof v);
    uint32_t held = 0;
    sk->shift = shift;
    sk->sorted = 0;
    sk->repeats = 0;
    uint64_t limit = UINT64_C(1) << (32 - sk->shift);
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
                feature_add(&v, sk, &held, &limit, mix64(key));
        }
        key = (key << 21 | cp) & mask63;
        if (++have >= 3)
            feature_add(&v, sk, &held, &limit, mix64(key));
        gap = false;
    }
    if (have > 0 && have < 3) {
        /* Too short for a shingle: each character is a feature, the older
         * first. */
        for (int k = have - 1; k >= 0; k--)
            feature_add(&v, sk, &held, &limit,
                        mix64((key >> (21 * k) & 0x1FFFFF) | (UINT64_C(1) << 63)));
    }
    sk->n = held;
    sk->size = (uint32_t)v.n;
    sk->n_low = sketch_lowest(sk, DUP_SKETCH_LOW, sk->low);
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

uint64_t simhash64_sketch(const char *text, size_t len, struct dup_sketch *sk)
{
    uint32_t shift = sketch_start(len);
    uint64_t h = simhash_pass(text, len, sk, shift);
    /* Fewer shingles than the length promised (emoji, punctuation, one
     * phrase over and over) leave a thin sample: start again from the top. */
    if (shift > 0 && sk->n < DUP_SKETCH / 8 && sk->size > sk->n)
        simhash_pass(text, len, sk, 0);
    return h;
}

uint64_t simhash64(const char *text, size_t len)
{
    struct dup_sketch sk;
    return simhash64_sketch(text, len, &sk);
}

int simhash_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

void dup_sketch_sort(struct dup_sketch *sk)
{
    if (sk->sorted)
        return;
    uint32_t k = values_sort_unique(sk->v, sk->n, sk->shift);
    /* The sample holds every occurrence of the shingles it holds: the share
     * of repeats in it is the text's (exact when nothing was left out). */
    uint64_t seen = (uint64_t)sk->n + sk->repeats;
    if (k < seen)
        sk->size = (uint32_t)((uint64_t)sk->size * k / seen);
    sk->n = k;
    sk->repeats = 0;
    sk->sorted = 1;
}

bool dup_sketch_match(const struct dup_sketch *a, const struct dup_sketch *b)
{
    if (!a->sorted || !b->sorted)
        abort(); /* dup_sketch_sort first */
    if (a->size > b->size) {
        const struct dup_sketch *t = a;
        a = b;
        b = t;
    }
    if (a->n == 0 || (uint64_t)a->size * DUP_SIZE_RATIO < b->size)
        return false;
    /* Below the lower limit both samples hold every shingle of their text:
     * a value of the smaller's missing from the larger's sample is missing
     * from the larger text. */
    uint32_t shift = a->shift > b->shift ? a->shift : b->shift;
    uint64_t limit = UINT64_C(1) << (32 - shift);
    uint32_t samples = 0, missed = 0, j = 0;
    for (uint32_t i = 0; i < a->n && a->v[i] < limit; i++) {
        while (j < b->n && b->v[j] < a->v[i])
            j++;
        samples++;
        if (j < b->n && b->v[j] == a->v[i])
            continue;
        /* there are at most a->n samples: past this many misses, no hope */
        if (++missed * DUP_SHARE_DEN > a->n * (DUP_SHARE_DEN - DUP_SHARE_NUM))
            return false;
    }
    return samples > 0 && missed * DUP_SHARE_DEN <= samples * (DUP_SHARE_DEN - DUP_SHARE_NUM);
}

/* ---- the index ---------------------------------------------------------- */

#define MAX_BANDS 16
/* An entry with a sketch is filed under the pairs of its PAIR_KEYS smallest
 * values (3 keys); a lookup tries the pairs of its PAIR_PROBES smallest (6
 * keys). In a model of the index run on bench/neardup.py's dev part, filing
 * under 3 and probing 4 found 0.979 of the copies, probing 5 (10 keys)
 * 0.981, and keys of three values instead of two cost 6 points of recall. */
#define PAIR_KEYS 3
#define PAIR_PROBES DUP_SKETCH_LOW
#define MAX_PAIRS (PAIR_PROBES * (PAIR_PROBES - 1) / 2)
/* Entries a lookup has turned down, not looked at again in another chain
 * (a related text often shares several of the keys). */
#define REJECTED_MAX 16
/* The band number of pair keys in the slot table (bands are 0..MAX_BANDS-1). */
#define PAIR_BAND MAX_BANDS

struct dup_entry {
    int64_t id, at;
    uint64_t hash;
    uint32_t low[PAIR_KEYS]; /* its sketch's smallest values; n_low == 0: */
    uint32_t n_low;          /* filed under its SimHash's bands */
    bool lazy;               /* its sketch is made when a look-up first needs it */
};

_Static_assert(PAIR_KEYS == DUP_KEYS,
               "the store keeps DUP_KEYS values a first copy is filed under");

/* A chain's key: a SimHash band's value, or a pair of sketch values. */
struct dup_key {
    uint32_t band;
    uint64_t value;
};

/* One key's slot: the chain of entries (sequence numbers, 0: none). */
struct dup_slot {
    uint64_t value;
    uint64_t head, tail; /* 0: empty slot */
    uint32_t band;
};

struct dup_index {
    int threshold, bands;
    int64_t window;
    int shift[MAX_BANDS], width[MAX_BANDS];
    /* FIFO ring: entry with sequence s lives at s & (cap - 1), its sketch
     * beside it; live ones are first..next-1. nexts[(s & (cap-1)) * stride
     * + k] links the chain of the entry's k-th key. */
    struct dup_entry *ring;
    struct dup_sketch *sketches;
    uint64_t *nexts;
    size_t cap, stride;
    uint64_t first, next;
    size_t banded; /* live entries filed under their bands */
    struct dup_slot *slots;
    size_t n_slots, used;
    /* makes a lazy entry's sketch (see dup_index_add_keys) */
    bool (*sketch)(void *ctx, int64_t id, struct dup_sketch *out);
    void *sketch_ctx;
};

static inline uint64_t band_value(const struct dup_index *di, uint64_t h, int b)
{
    uint64_t v = h >> di->shift[b];
    return di->width[b] >= 64 ? v : v & ((UINT64_C(1) << di->width[b]) - 1);
}

/* The keys of the pairs of low[0..m) (ascending, distinct); a single value
 * pairs with itself. */
static int pair_keys(const uint32_t *low, uint32_t m, struct dup_key *keys)
{
    if (m == 1) {
        keys[0] = (struct dup_key){PAIR_BAND, (uint64_t)low[0] << 32 | low[0]};
        return 1;
    }
    int n = 0;
    for (uint32_t i = 0; i < m; i++) {
        for (uint32_t j = i + 1; j < m; j++)
            keys[n++] = (struct dup_key){PAIR_BAND, (uint64_t)low[i] << 32 | low[j]};
    }
    return n;
}

static inline struct dup_entry *ring_at(const struct dup_index *di, uint64_t seq)
{
    return &di->ring[seq & (di->cap - 1)];
}

static inline struct dup_sketch *sketch_at(const struct dup_index *di, uint64_t seq)
{
    return &di->sketches[seq & (di->cap - 1)];
}

/* The keys the entry is filed under, in the order of its links. */
static int entry_keys(const struct dup_index *di, const struct dup_entry *e, struct dup_key *keys)
{
    if (e->n_low > 0)
        return pair_keys(e->low, e->n_low, keys);
    for (int b = 0; b < di->bands; b++)
        keys[b] = (struct dup_key){(uint32_t)b, band_value(di, e->hash, b)};
    return di->bands;
}

/* The entry's link in the chain of key. */
static uint64_t *link_at(const struct dup_index *di, uint64_t seq, const struct dup_key *key)
{
    uint64_t *links = &di->nexts[(seq & (di->cap - 1)) * di->stride];
    if (key->band != PAIR_BAND)
        return &links[key->band];
    struct dup_key keys[MAX_PAIRS];
    int n = entry_keys(di, ring_at(di, seq), keys);
    for (int k = 0; k < n; k++) {
        if (keys[k].value == key->value)
            return &links[k];
    }
    abort(); /* an entry is only in the chains of its keys */
}

static inline size_t slot_home(const struct dup_index *di, const struct dup_key *key)
{
    return (size_t)(mix64(key->value * UINT64_C(0x9e3779b97f4a7c15) + key->band + 1) &
                    (di->n_slots - 1));
}

static struct dup_slot *slot_find(struct dup_index *di, const struct dup_key *key)
{
    if (di->n_slots == 0)
        return NULL;
    size_t i = slot_home(di, key);
    for (;;) {
        struct dup_slot *s = &di->slots[i];
        if (s->head == 0)
            return NULL;
        if (s->band == key->band && s->value == key->value)
            return s;
        i = (i + 1) & (di->n_slots - 1);
    }
}

static void slots_grow(struct dup_index *di);

static struct dup_slot *slot_insert(struct dup_index *di, const struct dup_key *key)
{
    if ((di->used + 1) * 2 > di->n_slots)
        slots_grow(di);
    size_t i = slot_home(di, key);
    while (di->slots[i].head != 0)
        i = (i + 1) & (di->n_slots - 1);
    di->slots[i].band = key->band;
    di->slots[i].value = key->value;
    di->used++;
    return &di->slots[i];
}

static size_t slot_home_of(const struct dup_index *di, const struct dup_slot *s)
{
    struct dup_key key = {s->band, s->value};
    return slot_home(di, &key);
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
        size_t j = slot_home_of(di, &old[i]);
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
        size_t home = slot_home_of(di, &di->slots[j]);
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
    di->stride = (size_t)(di->bands > PAIR_KEYS ? di->bands : PAIR_KEYS);
    di->window = window;
    for (int b = 0; b < di->bands; b++) {
        int lo = b * 64 / di->bands, hi = (b + 1) * 64 / di->bands;
        di->shift[b] = lo;
        di->width[b] = hi - lo;
    }
    di->first = di->next = 1;
    return di;
}

static void expire(struct dup_index *di, int64_t now)
{
    while (di->first < di->next) {
        uint64_t seq = di->first;
        const struct dup_entry *e = ring_at(di, seq);
        if (e->at >= now - di->window)
            break;
        struct dup_key keys[MAX_BANDS];
        int n = entry_keys(di, e, keys);
        for (int k = 0; k < n; k++) {
            struct dup_slot *s = slot_find(di, &keys[k]);
            if (!s || s->head != seq)
                abort(); /* the oldest entry heads each of its chains */
            s->head = di->nexts[(seq & (di->cap - 1)) * di->stride + (size_t)k];
            if (s->head == 0)
                slot_delete(di, s);
        }
        if (e->n_low == 0)
            di->banded--;
        di->first++;
    }
}

/* The earliest entry filed under h's bands within the threshold of h, if
 * it is earlier than *best (0: none yet). */
static void find_banded(struct dup_index *di, uint64_t h, int64_t now, uint64_t *best,
                        int64_t *best_id)
{
    for (int b = 0; b < di->bands; b++) {
        struct dup_key key = {(uint32_t)b, band_value(di, h, b)};
        struct dup_slot *s = slot_find(di, &key);
        if (!s)
            continue;
        /* Chains are in add order: the first hit is this band's earliest. */
        for (uint64_t seq = s->head; seq != 0 && (*best == 0 || seq < *best);
             seq = *link_at(di, seq, &key)) {
            const struct dup_entry *e = ring_at(di, seq);
            if (e->at < now - di->window || simhash_distance(e->hash, h) > di->threshold)
                continue;
            *best = seq;
            *best_id = e->id;
            break;
        }
    }
}

int64_t dup_index_find(struct dup_index *di, uint64_t h, int64_t now)
{
    expire(di, now);
    uint64_t best = 0;
    int64_t best_id = 0;
    find_banded(di, h, now, &best, &best_id);
    return best_id;
}

int64_t dup_index_find_sketch(struct dup_index *di, uint64_t h, const struct dup_sketch *sk,
                              int64_t now)
{
    if (!sk || sk->n == 0)
        return dup_index_find(di, h, now);
    expire(di, now);
    uint64_t best = 0;
    int64_t best_id = 0;
    if (di->banded > 0)
        find_banded(di, h, now, &best, &best_id);
    struct dup_key keys[MAX_PAIRS];
    int n = pair_keys(sk->low, sk->n_low, keys);
    struct dup_sketch mine; /* sk sorted, once there is a candidate */
    mine.sorted = 0;
    uint64_t rejected[REJECTED_MAX];
    int n_rejected = 0;
    for (int k = 0; k < n; k++) {
        struct dup_slot *s = slot_find(di, &keys[k]);
        if (!s)
            continue;
        for (uint64_t seq = s->head; seq != 0 && (best == 0 || seq < best);
             seq = *link_at(di, seq, &keys[k])) {
            const struct dup_entry *e = ring_at(di, seq);
            if (e->at < now - di->window)
                continue;
            bool seen = false;
            for (int r = 0; r < n_rejected && !seen; r++)
                seen = rejected[r] == seq;
            if (seen)
                continue;
            if (!mine.sorted) {
                mine = *sk;
                dup_sketch_sort(&mine);
            }
            struct dup_sketch *theirs = sketch_at(di, seq);
            if (e->lazy) {
                /* made now from the same text as a full restore made it then;
                 * one that cannot be made any more matches nothing */
                if (!di->sketch || !di->sketch(di->sketch_ctx, e->id, theirs))
                    memset(theirs, 0, sizeof *theirs);
                ring_at(di, seq)->lazy = false;
            }
            dup_sketch_sort(theirs);
            if (!dup_sketch_match(&mine, theirs)) {
                if (n_rejected < REJECTED_MAX)
                    rejected[n_rejected++] = seq;
                continue;
            }
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
    struct dup_sketch *sketches = xmalloc(ncap * sizeof *sketches);
    uint64_t *nexts = xmalloc(ncap * di->stride * sizeof *nexts);
    for (uint64_t seq = di->first; seq < di->next; seq++) {
        size_t at = seq & (ncap - 1), was = seq & (di->cap - 1);
        ring[at] = di->ring[was];
        /* only the sketches made: the pages of the others are never touched */
        if (ring[at].n_low > 0 && !ring[at].lazy)
            sketches[at] = di->sketches[was];
        memcpy(&nexts[at * di->stride], &di->nexts[was * di->stride], di->stride * sizeof *nexts);
    }
    free(di->ring);
    free(di->sketches);
    free(di->nexts);
    di->ring = ring;
    di->sketches = sketches;
    di->nexts = nexts;
    di->cap = ncap;
}

/* Files entry id under its n_low smallest sketch values low (n_low == 0:
 * under its SimHash's bands; banded says so, see dup_index_add_sketch),
 * with its sketch sk, or lazy (sk NULL, see dup_index_add_keys). */
static void add_entry(struct dup_index *di, int64_t id, uint64_t h, const uint32_t *low,
                      uint32_t n_low, const struct dup_sketch *sk, bool banded, int64_t at)
{
    if (di->next - di->first >= di->cap)
        ring_grow(di);
    uint64_t seq = di->next++;
    struct dup_entry *e = ring_at(di, seq);
    e->id = id;
    e->at = at;
    e->hash = h;
    e->n_low = n_low;
    if (n_low)
        memcpy(e->low, low, n_low * sizeof *e->low);
    e->lazy = !banded && !sk;
    if (sk)
        *sketch_at(di, seq) = *sk;
    if (banded)
        di->banded++;
    struct dup_key keys[MAX_BANDS];
    int n = entry_keys(di, e, keys);
    for (int k = 0; k < n; k++) {
        di->nexts[(seq & (di->cap - 1)) * di->stride + (size_t)k] = 0;
        struct dup_slot *s = slot_find(di, &keys[k]);
        if (s) {
            *link_at(di, s->tail, &keys[k]) = seq;
            s->tail = seq;
        } else {
            s = slot_insert(di, &keys[k]);
            s->head = s->tail = seq;
        }
    }
}

void dup_index_add_sketch(struct dup_index *di, int64_t id, uint64_t h, const struct dup_sketch *sk,
                          int64_t at)
{
    if (sk && sk->n > 0)
        add_entry(di, id, h, sk->low, sk->n_low < PAIR_KEYS ? sk->n_low : PAIR_KEYS, sk, false, at);
    else
        add_entry(di, id, h, NULL, 0, NULL, true, at);
}

void dup_index_add(struct dup_index *di, int64_t id, uint64_t h, int64_t at)
{
    dup_index_add_sketch(di, id, h, NULL, at);
}

void dup_index_add_keys(struct dup_index *di, int64_t id, uint64_t h, const uint32_t *low,
                        uint32_t n_low, int64_t at)
{
    if (n_low == 0 || n_low > PAIR_KEYS)
        add_entry(di, id, h, NULL, 0, NULL, true, at);
    else
        add_entry(di, id, h, low, n_low, NULL, false, at);
}

void dup_index_set_sketcher(struct dup_index *di,
                            bool (*sketch)(void *ctx, int64_t id, struct dup_sketch *out),
                            void *ctx)
{
    di->sketch = sketch;
    di->sketch_ctx = ctx;
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
    di->banded = 0;
    di->first = di->next = 1;
}

void dup_index_free(struct dup_index *di)
{
    if (!di)
        return;
    free(di->ring);
    free(di->sketches);
    free(di->nexts);
    free(di->slots);
    free(di);
}
