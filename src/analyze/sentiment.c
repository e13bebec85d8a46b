/*
 * sentiment.c: negative / neutral / positive for one normalised text, two ways.
 *
 * The lexicon scorer reads DATADIR/lexicon/ (see data/lexicon/README): weighted
 * sentiment words, negations, degree words and "ignore" words, all on one
 * Aho-Corasick automaton. A text is scanned once; overlapping hits are
 * resolved leftmost-longest (so 不作为 is one word, not 不 + 作为, and 最近
 * hides 最); each sentiment word is then scaled by the degree and negation
 * words chained just before it, the sum is squashed with tanh into -1..1 and
 * cut at +-LEX_THRESHOLD.
 *
 * The trained model is multinomial naive Bayes over hashed character
 * unigrams and bigrams (2^NB_BITS buckets), with additive smoothing and class
 * priors. (Adding trigrams lost 0.03 macro-F1 on the labelled Weibo corpus
 * and doubled the size; the format still allows them.) Its serialised form (what
 * the store keeps) is:
 *
 *   "JYNB" u32 version(1) u32 bits u32 classes(3) u32 max_n u32 n_entries
 *   f32 log_prior[3] f32 log_unseen[3]
 *   n_entries x { u32 bucket, f32 log_p[3] }   (buckets strictly ascending)
 *
 * all little-endian; only buckets seen in training are stored (an unseen
 * bucket has log_unseen), which keeps the blob near 1 MB. Loading expands
 * it into a dense table so scoring is one table lookup per n-gram and never
 * allocates. Classes are in the order negative, neutral, positive.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze_int.h"
#include "config/config.h"

/* ---- names -------------------------------------------------------------------- */

const char *sentiment_name(enum sentiment s)
{
    switch (s) {
    case SENT_NEGATIVE:
        return "negative";
    case SENT_POSITIVE:
        return "positive";
    case SENT_NEUTRAL:
        break;
    }
    return "neutral";
}

const char *sentiment_label(enum sentiment s)
{
    switch (s) {
    case SENT_NEGATIVE:
        return "负面";
    case SENT_POSITIVE:
        return "正面";
    case SENT_NEUTRAL:
        break;
    }
    return "中性";
}

int sentiment_parse(const char *name, enum sentiment *out)
{
    static const struct {
        const char *en, *zh;
        enum sentiment s;
    } names[] = {
        {"negative", "负面", SENT_NEGATIVE},
        {"neutral", "中性", SENT_NEUTRAL},
        {"positive", "正面", SENT_POSITIVE},
    };
    if (!name)
        return JY_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].en) == 0 || strcmp(name, names[i].zh) == 0) {
            *out = names[i].s;
            return 0;
        }
    }
    return JY_EINVAL;
}

/* ---- the lexicon ----------------------------------------------------------------- */

/* Squashed score beyond which a text is negative or positive. One word of
 * weight 1 alone gives tanh(0.5) = 0.46, so a single clear word decides. */
#define LEX_THRESHOLD 0.2
/* How far (in characters) a modifier may stand before what it modifies. */
#define LEX_DEGREE_GAP 2
#define LEX_NEGATION_GAP 3
/* "不太满意" is mildly, not very, unsatisfied: a negation in front of a degree
 * word turns the degree into this damping factor. */
#define LEX_NEGATED_DEGREE 0.5

enum lex_kind { LEX_WORD, LEX_NEGATION, LEX_DEGREE, LEX_IGNORE };

struct lex_entry {
    float value; /* signed weight (LEX_WORD) or multiplier (LEX_DEGREE) */
    uint8_t kind;
};

struct lexicon {
    struct ac *ac;
    struct lex_entry *entries; /* indexed by the automaton's value */
    size_t n_entries;
};

/* The files, in the order that decides which entry wins when a word is
 * listed twice. */
static const struct {
    const char *name;
    enum lex_kind kind;
    double sign; /* for LEX_WORD */
    bool weighted;
} lex_files[] = {
    {"negative.txt", LEX_WORD, -1.0, true},   {"positive.txt", LEX_WORD, 1.0, true},
    {"negation.txt", LEX_NEGATION, 0, false}, {"degree.txt", LEX_DEGREE, 0, true},
    {"ignore.txt", LEX_IGNORE, 0, false},
};

/* Normalised words already loaded (open addressing), to keep the first entry
 * of a word listed twice: the automaton would otherwise report both. */
struct word_set {
    char **slot;
    size_t cap, n;
};

static bool word_set_add(struct word_set *ws, char *w)
{
    if ((ws->n + 1) * 2 > ws->cap) {
        size_t ncap = ws->cap ? ws->cap * 2 : 1024;
        char **ns = xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < ws->cap; i++) {
            if (!ws->slot[i])
                continue;
            size_t j = jy_hash64(ws->slot[i], strlen(ws->slot[i])) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = ws->slot[i];
        }
        free(ws->slot);
        ws->slot = ns;
        ws->cap = ncap;
    }
    size_t j = jy_hash64(w, strlen(w)) & (ws->cap - 1);
    while (ws->slot[j]) {
        if (strcmp(ws->slot[j], w) == 0)
            return false;
        j = (j + 1) & (ws->cap - 1);
    }
    ws->slot[j] = w;
    ws->n++;
    return true;
}

static void word_set_free(struct word_set *ws)
{
    for (size_t i = 0; i < ws->cap; i++)
        free(ws->slot[i]);
    free(ws->slot);
}

static void lexicon_add(struct lexicon *lx, size_t *cap, const char *word, enum lex_kind kind,
                        double value)
{
    if (lx->n_entries == *cap) {
        *cap = *cap ? *cap * 2 : 512;
        lx->entries = xrealloc(lx->entries, *cap * sizeof *lx->entries);
    }
    lx->entries[lx->n_entries] = (struct lex_entry){(float)value, (uint8_t)kind};
    ac_add(lx->ac, word, strlen(word), (int32_t)lx->n_entries);
    lx->n_entries++;
}

/* Reads one lexicon file into lx (NULL: only checks it). Lines: "word" or
 * "word<TAB>number". */
static int lexicon_read_file(struct lexicon *lx, size_t *cap, struct word_set *ws,
                             struct normalizer *nz, const char *path, int f, struct jy_error *err)
{
    char *buf;
    size_t len;
    int rc = jy_read_file(path, 16u << 20, &buf, &len, err);
    if (rc == JY_ETOOBIG)
        return jy_error_set(err, JY_EIO, "%s: larger than 16 MB, not a lexicon", path);
    if (rc)
        return rc; /* JY_EIO "PATH: why" */
    int lineno = 0;
    for (char *line = buf, *next; rc == 0 && line < buf + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        next = nl ? nl + 1 : buf + len;
        if (nl)
            *nl = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        line += strspn(line, " \t");
        if (*line == '\0' || *line == '#')
            continue;
        size_t wlen = strcspn(line, "\t ");
        char *rest = line + wlen;
        rest += strspn(rest, "\t ");
        double value = 1.0;
        if (lex_files[f].weighted && *rest && *rest != '#') {
            char *end;
            errno = 0;
            value = strtod(rest, &end);
            end += strspn(end, " \t");
            if (errno || end == rest || (*end && *end != '#') || !(value > 0 && value <= 10))
                rc = jy_error_set(err, JY_EPARSE,
                                  "%s:%d: \"%s\" is not a weight (a number above 0, at most 10)",
                                  path, lineno, rest);
        }
        if (rc || !lx)
            continue;
        char *word = normalize_term(nz, line, wlen);
        if (!word || !*word || !word_set_add(ws, word)) {
            free(word);
            continue;
        }
        lexicon_add(lx, cap, word, lex_files[f].kind,
                    lex_files[f].kind == LEX_WORD ? lex_files[f].sign * value : value);
    }
    free(buf);
    return rc;
}

int lexicon_load(struct normalizer *nz, const char *datadir, struct lexicon **out,
                 struct jy_error *err)
{
    *out = NULL;
    struct lexicon *lx = xcalloc(1, sizeof *lx);
    lx->ac = ac_new();
    size_t cap = 0;
    struct word_set ws = {0};
    int rc = 0;
    for (size_t f = 0; rc == 0 && f < sizeof lex_files / sizeof lex_files[0]; f++) {
        char *path = xasprintf("%s/lexicon/%s", datadir, lex_files[f].name);
        rc = lexicon_read_file(lx, &cap, &ws, nz, path, (int)f, err);
        free(path);
    }
    word_set_free(&ws);
    if (rc) {
        lexicon_free(lx);
        return rc;
    }
    ac_build(lx->ac);
    *out = lx;
    return 0;
}

int lexicon_check(const char *datadir, struct jy_error *err)
{
    int rc = 0;
    for (size_t f = 0; rc == 0 && f < sizeof lex_files / sizeof lex_files[0]; f++) {
        char *path = xasprintf("%s/lexicon/%s", datadir, lex_files[f].name);
        rc = lexicon_read_file(NULL, NULL, NULL, NULL, path, (int)f, err);
        free(path);
    }
    return rc;
}

void lexicon_free(struct lexicon *lx)
{
    if (!lx)
        return;
    ac_free(lx->ac);
    free(lx->entries);
    free(lx);
}

bool lex_hit_collect(void *ctx, int32_t value, size_t start, size_t end, size_t cstart, size_t cend)
{
    (void)cstart;
    (void)cend;
    struct lex_hits *hs = ctx;
    if (hs->n == hs->cap) {
        size_t ncap = hs->cap * 4;
        struct lex_hit *nh = xmalloc(ncap * sizeof *nh);
        memcpy(nh, hs->h, hs->n * sizeof *nh);
        if (hs->h != hs->local)
            free(hs->h);
        hs->h = nh;
        hs->cap = ncap;
    }
    hs->h[hs->n++] = (struct lex_hit){(uint32_t)start, (uint32_t)end, value};
    return true;
}

/* Leftmost first, and at one start the longest first. */
static int lex_hit_cmp(const void *x, const void *y)
{
    const struct lex_hit *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return 0;
}

/* Punctuation ends a negation's reach: "不，开心" is not "不开心". Text is
 * normalised (NFKC), so full-width marks arrive as ASCII. */
static bool lex_is_break(uint32_t cp)
{
    if (cp < 0x80)
        return cp == '\n' || (cp > ' ' && cp < 0x7f &&
                              !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
                                (cp >= 'A' && cp <= 'Z')));
    return (cp >= 0x2010 && cp <= 0x206f) || (cp >= 0x3000 && cp <= 0x303f) ||
           (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff01 && cp <= 0xff0f) ||
           (cp >= 0xff1a && cp <= 0xff20) || (cp >= 0xff5b && cp <= 0xff65);
}

/* Characters between byte offsets [from, to), or -1 when punctuation stands
 * between or there are more than limit. */
static int lex_gap(const char *text, size_t from, size_t to, int limit)
{
    int chars = 0;
    while (from < to) {
        uint32_t cp;
        from += utf8_decode(text + from, to - from, &cp);
        if (lex_is_break(cp) || ++chars > limit)
            return -1;
    }
    return chars;
}

const struct ac *lexicon_ac(const struct lexicon *lx)
{
    return lx ? lx->ac : NULL;
}

void lex_hits_init(struct lex_hits *hs)
{
    hs->h = hs->local;
    hs->n = 0;
    hs->cap = sizeof hs->local / sizeof hs->local[0];
}

enum sentiment lexicon_score(const struct lexicon *lx, const char *text, size_t len, double *score)
{
    struct lex_hits hs;
    lex_hits_init(&hs);
    ac_scan(lx->ac, text, len, lex_hit_collect, &hs);
    return lexicon_score_hits(lx, text, &hs, score);
}

enum sentiment lexicon_score_hits(const struct lexicon *lx, const char *text, struct lex_hits *hits,
                                  double *score)
{
    struct lex_hits *hs = hits;
    /* Leftmost-longest, non-overlapping: compact the kept hits in place. */
    qsort(hs->h, hs->n, sizeof *hs->h, lex_hit_cmp);
    size_t kept = 0;
    uint32_t last_end = 0;
    for (size_t i = 0; i < hs->n; i++) {
        if (hs->h[i].start < last_end)
            continue;
        hs->h[kept++] = hs->h[i];
        last_end = hs->h[i].end;
    }

    double sum = 0;
    for (size_t i = 0; i < kept; i++) {
        const struct lex_entry *e = &lx->entries[hs->h[i].entry];
        if (e->kind != LEX_WORD)
            continue;
        /* Walk left through the chain of modifiers standing just before the
         * word ("并不是很" + "满意"); a sentiment word or a gap ends it. */
        double degree = 1.0;
        bool has_degree = false, negated = false;
        size_t head = hs->h[i].start;
        for (size_t j = i; j-- > 0;) {
            const struct lex_entry *m = &lx->entries[hs->h[j].entry];
            if (m->kind == LEX_DEGREE) {
                if (lex_gap(text, hs->h[j].end, head, LEX_DEGREE_GAP) < 0)
                    break;
                degree *= m->value;
                has_degree = true;
            } else if (m->kind == LEX_NEGATION) {
                if (lex_gap(text, hs->h[j].end, head, LEX_NEGATION_GAP) < 0)
                    break;
                if (has_degree) {
                    degree = LEX_NEGATED_DEGREE;
                    has_degree = false;
                }
                negated = !negated;
            } else {
                break;
            }
            head = hs->h[j].start;
        }
        sum += (negated ? -1.0 : 1.0) * degree * e->value;
    }
    if (hs->h != hs->local)
        free(hs->h);
    lex_hits_init(hs);

    double s = tanh(sum / 2);
    if (score)
        *score = s;
    if (s <= -LEX_THRESHOLD)
        return SENT_NEGATIVE;
    if (s >= LEX_THRESHOLD)
        return SENT_POSITIVE;
    return SENT_NEUTRAL;
}

/* ---- naive Bayes: features ----------------------------------------------------------- */

#define NB_MAGIC "JYNB"
#define NB_VERSION 1u
#define NB_BITS 18u
#define NB_MAX_N 2u
#define NB_CLASSES 3
#define NB_HEADER 48u
#define NB_ENTRY 16u
/* Additive smoothing. 1 (Laplace) over-smooths 2^18 sparse buckets and drowns
 * the smallest class: on the held-back fifth of the labelled Weibo corpus
 * (distinct texts) macro-F1 was 0.54 at 1, 0.65 at 0.2, 0.70 at 0.05 and 0.69
 * at 0.02. */
#define NB_ALPHA 0.05

static inline uint64_t nb_mix(uint64_t x)
{
    /* splitmix64's finaliser: part of the format (version 1), do not change. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Runs BODY with `bucket` set for every character n-gram (n = 1..max_n) of
 * text; a macro rather than a callback so the scorer's inner loop stays a
 * table lookup and an add.
 * Code points fit in 21 bits, so an n-gram packs into one 64-bit key; a
 * trigram key has the top bit set and a bigram key is at least 2^21, so keys
 * of different n never collide before hashing. Spaces are skipped: they
 * separate, they say nothing. */
#define NB_FOR_EACH_BUCKET(text, len, max_n, shift, BODY)                                          \
    do {                                                                                           \
        uint64_t nb_p1 = 0, nb_p2 = 0;                                                             \
        for (size_t nb_i = 0; nb_i < (len);) {                                                     \
            uint32_t nb_cp;                                                                        \
            nb_i += utf8_decode((text) + nb_i, (len)-nb_i, &nb_cp);                                \
            if (nb_cp == ' ' || nb_cp == '\t' || nb_cp == '\n')                                    \
                continue;                                                                          \
            uint64_t nb_keys[3] = {nb_cp, 0, 0};                                                   \
            int nb_k = 1;                                                                          \
            if ((max_n) >= 2 && nb_p1)                                                             \
                nb_keys[nb_k++] = nb_p1 << 21 | nb_cp;                                             \
            if ((max_n) >= 3 && nb_p2)                                                             \
                nb_keys[nb_k++] = 1ULL << 63 | nb_p2 << 42 | nb_p1 << 21 | nb_cp;                  \
            for (int nb_j = 0; nb_j < nb_k; nb_j++) {                                              \
                uint32_t bucket = (uint32_t)(nb_mix(nb_keys[nb_j]) >> (shift));                    \
                BODY;                                                                              \
            }                                                                                      \
            nb_p2 = nb_p1;                                                                         \
            nb_p1 = nb_cp;                                                                         \
        }                                                                                          \
    } while (0)

struct nb_model {
    uint32_t bits, max_n;
    float prior[NB_CLASSES];
    float *logp; /* NB_CLASSES per bucket */
};

/* ---- naive Bayes: the blob --------------------------------------------------------- */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put_u32(p, v);
}

static float get_f32(const unsigned char *p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

int nb_model_load(const char *blob, size_t len, struct nb_model **out, struct jy_error *err)
{
    *out = NULL;
    const unsigned char *p = (const unsigned char *)blob;
    if (!blob || len < NB_HEADER || memcmp(p, NB_MAGIC, 4) != 0)
        return jy_error_set(err, JY_EINVAL, "not a sentiment model (no JYNB header)");
    uint32_t version = get_u32(p + 4), bits = get_u32(p + 8), classes = get_u32(p + 12);
    uint32_t max_n = get_u32(p + 16), n = get_u32(p + 20);
    if (version != NB_VERSION)
        return jy_error_set(err, JY_EINVAL, "sentiment model version %u (this build reads %u)",
                            version, NB_VERSION);
    if (bits < 8 || bits > 24 || classes != NB_CLASSES || max_n < 1 || max_n > 3 ||
        n > (1u << bits) || (len - NB_HEADER) / NB_ENTRY != n || (len - NB_HEADER) % NB_ENTRY)
        return jy_error_set(err, JY_EINVAL, "sentiment model: bad sizes (%zu bytes)", len);
    struct nb_model *m = xcalloc(1, sizeof *m);
    m->bits = bits;
    m->max_n = max_n;
    float unseen[NB_CLASSES];
    bool ok = true;
    for (int c = 0; c < NB_CLASSES; c++) {
        m->prior[c] = get_f32(p + 24 + 4 * c);
        unseen[c] = get_f32(p + 36 + 4 * c);
        ok = ok && isfinite(m->prior[c]) && isfinite(unseen[c]);
    }
    size_t buckets = (size_t)1 << bits;
    m->logp = xmalloc(buckets * NB_CLASSES * sizeof *m->logp);
    for (size_t b = 0; b < buckets; b++)
        memcpy(m->logp + b * NB_CLASSES, unseen, sizeof unseen);
    int64_t prev = -1;
    for (uint32_t i = 0; ok && i < n; i++) {
        const unsigned char *e = p + NB_HEADER + (size_t)i * NB_ENTRY;
        uint32_t b = get_u32(e);
        if ((int64_t)b <= prev || b >= buckets) {
            ok = false;
            break;
        }
        prev = b;
        for (int c = 0; c < NB_CLASSES; c++) {
            float v = get_f32(e + 4 + 4 * c);
            ok = ok && isfinite(v);
            m->logp[(size_t)b * NB_CLASSES + c] = v;
        }
    }
    if (!ok) {
        nb_model_free(m);
        return jy_error_set(err, JY_EINVAL, "sentiment model: corrupt data");
    }
    *out = m;
    return 0;
}

void nb_model_free(struct nb_model *m)
{
    if (!m)
        return;
    free(m->logp);
    free(m);
}

enum sentiment nb_model_score(const struct nb_model *m, const char *text, size_t len, double *score)
{
    double lp[NB_CLASSES];
    for (int c = 0; c < NB_CLASSES; c++)
        lp[c] = m->prior[c];
    NB_FOR_EACH_BUCKET(text, len, m->max_n, 64 - m->bits, {
        const float *row = m->logp + (size_t)bucket * NB_CLASSES;
        lp[0] += row[0];
        lp[1] += row[1];
        lp[2] += row[2];
    });
    int best = 0;
    for (int c = 1; c < NB_CLASSES; c++)
        if (lp[c] > lp[best])
            best = c;
    /* Posteriors relative to the best class, so exp never overflows. */
    double post[NB_CLASSES], total = 0;
    for (int c = 0; c < NB_CLASSES; c++)
        total += post[c] = exp(lp[c] - lp[best]);
    if (score)
        *score = (post[2] - post[0]) / total;
    return (enum sentiment)(best - 1);
}

/* ---- the trainer --------------------------------------------------------------------- */

/* Macro-F1 and accuracy from a confusion matrix [truth][predicted]. */
static void train_measure(const size_t conf[NB_CLASSES][NB_CLASSES], double *macro_f1,
                          double *accuracy)
{
    size_t total = 0, right = 0;
    double f1 = 0;
    for (int c = 0; c < NB_CLASSES; c++) {
        size_t tp = conf[c][c], truth = 0, predicted = 0;
        for (int k = 0; k < NB_CLASSES; k++) {
            truth += conf[c][k];
            predicted += conf[k][c];
            total += conf[c][k];
        }
        right += tp;
        if (tp)
            f1 += 2.0 * (double)tp / (double)(truth + predicted);
    }
    *macro_f1 = f1 / NB_CLASSES;
    *accuracy = total ? (double)right / (double)total : 0;
}

static char *train_blob(const double *count, const double total[NB_CLASSES],
                        const size_t docs[NB_CLASSES], size_t *blob_len)
{
    size_t buckets = (size_t)1 << NB_BITS, n = 0, ndocs = 0;
    for (size_t b = 0; b < buckets; b++) {
        const double *row = count + b * NB_CLASSES;
        n += row[0] > 0 || row[1] > 0 || row[2] > 0;
    }
    for (int c = 0; c < NB_CLASSES; c++)
        ndocs += docs[c];
    size_t len = NB_HEADER + n * NB_ENTRY;
    unsigned char *p = xmalloc(len);
    memcpy(p, NB_MAGIC, 4);
    put_u32(p + 4, NB_VERSION);
    put_u32(p + 8, NB_BITS);
    put_u32(p + 12, NB_CLASSES);
    put_u32(p + 16, NB_MAX_N);
    put_u32(p + 20, (uint32_t)n);
    double denom[NB_CLASSES];
    for (int c = 0; c < NB_CLASSES; c++) {
        /* Priors are smoothed too, so a class without examples is unlikely,
         * not impossible (log 0 would poison every sum). */
        put_f32(p + 24 + 4 * c, (float)log((docs[c] + 1.0) / (ndocs + NB_CLASSES)));
        denom[c] = total[c] + NB_ALPHA * (double)buckets;
        put_f32(p + 36 + 4 * c, (float)log(NB_ALPHA / denom[c]));
    }
    unsigned char *e = p + NB_HEADER;
    for (size_t b = 0; b < buckets; b++) {
        const double *row = count + b * NB_CLASSES;
        if (!(row[0] > 0 || row[1] > 0 || row[2] > 0))
            continue;
        put_u32(e, (uint32_t)b);
        for (int c = 0; c < NB_CLASSES; c++)
            put_f32(e + 4 + 4 * c, (float)log((row[c] + NB_ALPHA) / denom[c]));
        e += NB_ENTRY;
    }
    *blob_len = len;
    return (char *)p;
}

int sentiment_train(struct normalizer *nz, const struct sentiment_example *ex, size_t n,
                    int holdout, char **model, size_t *model_len, struct train_report *rep,
                    struct jy_error *err)
{
    *model = NULL;
    *model_len = 0;
    memset(rep, 0, sizeof *rep);
    if (holdout < 0 || holdout == 1)
        return jy_error_set(err, JY_EINVAL, "holdout %d: use 0 (none) or 2 and above", holdout);
    for (size_t i = 0; i < n; i++) {
        if (ex[i].label < SENT_NEGATIVE || ex[i].label > SENT_POSITIVE || !ex[i].text)
            return jy_error_set(err, JY_EINVAL, "example %zu: no text or bad label", i + 1);
    }
    size_t buckets = (size_t)1 << NB_BITS;
    double *count = xcalloc(buckets * NB_CLASSES, sizeof *count);
    double total[NB_CLASSES] = {0};
    size_t docs[NB_CLASSES] = {0};
    const unsigned shift = 64 - NB_BITS;
    int rc = 0;

    /* Normalise each text once; the held-back ones are kept for measuring. */
    bool *held = xcalloc(n ? n : 1, sizeof *held);
    char **held_text = xcalloc(n ? n : 1, sizeof *held_text);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct normalized norm = {0};
        rc = normalize_text(nz, ex[i].text, strlen(ex[i].text), &norm, err);
        if (rc)
            break;
        const char *t = norm.text ? norm.text : "";
        size_t tl = strlen(t);
        if (holdout > 0 && i % (size_t)holdout == (size_t)holdout - 1) {
            held[i] = true;
            held_text[i] = xstrdup(t);
            rep->n_test++;
        } else {
            int c = ex[i].label + 1;
            docs[c]++;
            rep->n_train++;
            NB_FOR_EACH_BUCKET(t, tl, NB_MAX_N, shift, {
                count[(size_t)bucket * NB_CLASSES + c] += 1;
                total[c] += 1;
            });
        }
        normalized_clear(&norm);
    }
    if (rc == 0 && rep->n_train == 0)
        rc = jy_error_set(err, JY_EINVAL, "no examples to train on");

    char *blob = NULL;
    size_t blob_len = 0;
    if (rc == 0)
        blob = train_blob(count, total, docs, &blob_len);
    free(count);

    if (rc == 0 && rep->n_test > 0) {
        struct nb_model *m = NULL;
        struct lexicon *lx = NULL;
        rc = nb_model_load(blob, blob_len, &m, err);
        if (rc == 0)
            rc = lexicon_load(nz, config_datadir(), &lx, err);
        if (rc == 0) {
            size_t conf_nb[NB_CLASSES][NB_CLASSES] = {{0}};
            size_t conf_lx[NB_CLASSES][NB_CLASSES] = {{0}};
            for (size_t i = 0; i < n; i++) {
                if (!held[i])
                    continue;
                size_t tl = strlen(held_text[i]);
                int truth = ex[i].label + 1;
                conf_nb[truth][nb_model_score(m, held_text[i], tl, NULL) + 1]++;
                conf_lx[truth][lexicon_score(lx, held_text[i], tl, NULL) + 1]++;
            }
            train_measure(conf_nb, &rep->macro_f1, &rep->accuracy);
            train_measure(conf_lx, &rep->lexicon_macro_f1, &rep->lexicon_accuracy);
        }
        nb_model_free(m);
        lexicon_free(lx);
    }
    for (size_t i = 0; i < n; i++)
        free(held_text[i]);
    free(held_text);
    free(held);
    if (rc) {
        free(blob);
        memset(rep, 0, sizeof *rep);
        return rc;
    }
    *model = blob;
    *model_len = blob_len;
    return 0;
}
