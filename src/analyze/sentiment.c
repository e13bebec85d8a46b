/*
 * sentiment.c: sentiment names, and the lexicon scorer: negative / neutral /
 * positive for one normalised text (the trained model is sentiment_model.c).
 *
 * The scorer reads DATADIR/lexicon/ (see data/lexicon/README): weighted
 * sentiment words, rhetorical demands, sarcasm and irony markers, crimes,
 * police action, police words, report marks, negations, degree words and
 * "ignore" words, all on one Aho-Corasick automaton. A text is scanned once;
 * overlapping hits are resolved leftmost-longest (so 不作为 is one word, not
 * 不 + 作为, and 最近 hides 最); each word is then scaled by the degree and
 * negation words chained just before it and by the rules of police talk
 * (lexicon_score_hits), the sum is squashed with tanh into -1..1 and cut at
 * +-LEX_THRESHOLD.
 *
 * Police talk, as the duty room reads it: a crime is news when the text
 * tells of the police acting on it or is a report, a grievance when nobody
 * did, and the police's own doing when a police word stands right before it
 * (警察枪杀); demands and rhetorical questions are complaints whatever
 * negation they hold; praise beside sarcasm, or 666 beside something bad,
 * is mockery; #topics# are filing labels, not feelings.
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
/* How far (in characters, within a clause) a rhetorical question reaches:
 * 难道就不是包庇 asserts 包庇. */
#define LEX_RHETORIC_REACH 12
/* A crime or misfortune in a text that also tells of the police acting on
 * it (嫌疑人杀人, 警方迅速破案) is news, not the author's grievance: it
 * counts this much. */
#define LEX_CRIME_HANDLED 0.1
/* and all of them together at most this much, so that a long report of an
 * accident does not add up to a grievance by itself */
#define LEX_CRIME_HANDLED_MAX 0.3
/* A word inside a #topic# counts this much: topics name what a post is
 * filed under (#武汉警方通报...#), often a dozen trending ones appended
 * for reach, not what its author feels. */
#define LEX_TOPIC_WEIGHT 0.1
/* How much unhandled crime turns praise into a jeer (打人了还这么霸气). */
#define LEX_IRONY_CRIME 1.0
/* A news report or notice (report.txt) quotes anger more than it feels
 * it: its other negative words count this much. */
#define LEX_REPORT_WEIGHT 0.3
/* How close (in characters) a crime word must follow a police word for
 * the police to be its doer: 警察枪杀, 民警当街殴打. */
#define LEX_AGENT_GAP 2

enum lex_kind {
    LEX_WORD,     /* negative.txt, positive.txt */
    LEX_DEMAND,   /* demand.txt: rhetorical questions and demands */
    LEX_SARCASM,  /* sarcasm.txt: markers that turn praise into mockery */
    LEX_IRONY,    /* irony.txt: praise, or mockery beside negative words */
    LEX_CRIME,    /* crime.txt: crimes and misfortunes (not the police's doing) */
    LEX_ACTION,   /* action.txt: the police acting on a case */
    LEX_POLICE,   /* police.txt: words naming the police */
    LEX_REPORT,   /* report.txt: marks of a news report or notice */
    LEX_NEGATION, /* negation.txt */
    LEX_DEGREE,   /* degree.txt */
    LEX_IGNORE,   /* ignore.txt */
};

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
    double sign; /* of the words' weights */
    bool weighted;
    bool optional; /* newer than the first lexicon: a lexicon folder made
                      before them (JINGYU_DATADIR) still loads without */
} lex_files[] = {
    {"negative.txt", LEX_WORD, -1.0, true, false}, {"positive.txt", LEX_WORD, 1.0, true, false},
    {"demand.txt", LEX_DEMAND, -1.0, true, true},  {"sarcasm.txt", LEX_SARCASM, -1.0, true, true},
    {"irony.txt", LEX_IRONY, 1.0, true, true},     {"crime.txt", LEX_CRIME, -1.0, true, true},
    {"action.txt", LEX_ACTION, 1.0, true, true},   {"police.txt", LEX_POLICE, 0, false, true},
    {"report.txt", LEX_REPORT, 0, false, true},    {"negation.txt", LEX_NEGATION, 0, false, false},
    {"degree.txt", LEX_DEGREE, 0, true, false},    {"ignore.txt", LEX_IGNORE, 0, false, false},
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
    if (lex_files[f].optional && access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
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
                    lex_files[f].weighted && lex_files[f].sign != 0 ? lex_files[f].sign * value
                                                                    : value);
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

/* Sorts hits by lex_hit_cmp, keeping ties in the order found (glibc's
 * qsort is a merge sort: stable too). The automaton finds them by their
 * end, so a post's few come nearly sorted by start and an insertion sort
 * has little to do, where qsort's calls through a pointer cost as much as
 * the scoring; a long article's many still go to qsort. */
#define LEX_SORT_INSERTION 32
static void lex_hits_sort(struct lex_hit *h, size_t n)
{
    if (n > LEX_SORT_INSERTION) {
        qsort(h, n, sizeof *h, lex_hit_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct lex_hit x = h[i];
        size_t j = i;
        for (; j > 0 && lex_hit_cmp(&h[j - 1], &x) > 0; j--)
            h[j] = h[j - 1];
        h[j] = x;
    }
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
    return lexicon_score_hits(lx, text, len, &hs, score, NULL);
}

/* Whether [from, to) of text holds no punctuation (and at most limit
 * characters): the two ends stand in one clause. */
static bool lex_same_clause(const char *text, size_t from, size_t to, int limit)
{
    return from <= to && lex_gap(text, from, to, limit) >= 0;
}

/* Whether a crime word at `to` follows a police word ending at `from`
 * closely enough, in one clause and not in the passive (警察被打). */
static bool lex_by_police(const char *text, size_t from, size_t to)
{
    if (!lex_same_clause(text, from, to, LEX_AGENT_GAP))
        return false;
    return !memmem(text + from, to - from, "被", strlen("被"));
}

/* Walks text from *at to offset to, keeping *in_topic true between the two
 * '#' of a #topic#. A '#' without a partner opens nothing. */
static void lex_topic_advance(const char *text, size_t len, size_t to, size_t *at, size_t *close,
                              bool *in_topic)
{
    while (*at < to) {
        if (*in_topic) {
            if (*close >= to) {
                *at = to;
                return;
            }
            *at = *close + 1;
            *in_topic = false;
            continue;
        }
        const char *h = memchr(text + *at, '#', to - *at);
        if (!h) {
            *at = to;
            return;
        }
        size_t open = (size_t)(h - text);
        const char *c = memchr(h + 1, '#', len - open - 1);
        *at = open + 1;
        if (c) {
            *close = (size_t)(c - text);
            *in_topic = true;
        }
    }
}

enum sentiment lexicon_score_hits(const struct lexicon *lx, const char *text, size_t len,
                                  struct lex_hits *hits, double *score, struct lex_features *lf)
{
    struct lex_hits *hs = hits;
    /* Leftmost-longest, non-overlapping: compact the kept hits in place. */
    lex_hits_sort(hs->h, hs->n);
    size_t kept = 0;
    uint32_t last_end = 0;
    bool sarcasm = false, action = false, report = false;
    for (size_t i = 0; i < hs->n; i++) {
        if (hs->h[i].start < last_end)
            continue;
        hs->h[kept++] = hs->h[i];
        last_end = hs->h[i].end;
        uint8_t kind = lx->entries[hs->h[i].entry].kind;
        sarcasm = sarcasm || kind == LEX_SARCASM;
        action = action || kind == LEX_ACTION;
        report = report || kind == LEX_REPORT;
    }

    /* neg and pos: the magnitudes of what counted each way; irony waits
     * for the rest to be known. */
    double neg = 0, pos = 0, irony = 0, crime = 0;
    int n_demand = 0, n_sarcasm = 0, n_action = 0, n_negation = 0, n_at_police = 0;
    int32_t police = -1; /* the last police word */
    size_t topic_at = 0, topic_close = 0;
    bool in_topic = false;
    int32_t demand = -1; /* the last rhetorical question or demand seen */
    int32_t doer = -1;   /* the last police word, or crime they did */
    for (size_t i = 0; i < kept; i++) {
        const struct lex_hit *hit = &hs->h[i];
        const struct lex_entry *e = &lx->entries[hit->entry];
        if (e->kind == LEX_POLICE)
            doer = police = (int32_t)i;
        n_negation += e->kind == LEX_NEGATION;
        if (e->kind == LEX_NEGATION || e->kind == LEX_DEGREE || e->kind == LEX_IGNORE ||
            e->kind == LEX_POLICE || e->kind == LEX_REPORT)
            continue;
        /* 警察枪杀, 民警打人, and 警察开枪打死 (a crime right after one the
         * police did): the police did it. */
        bool by_police = e->kind == LEX_CRIME && doer >= 0 && (size_t)doer == i - 1 &&
                         lex_by_police(text, hs->h[doer].end, hit->start);
        if (by_police)
            doer = (int32_t)i;
        double v = e->value;
        if (e->kind == LEX_DEMAND) {
            demand = (int32_t)i;
            n_demand++;
        } else if (e->kind == LEX_SARCASM) {
            n_sarcasm++;
        } else {
            /* Walk left through the chain of modifiers standing just
             * before the word ("并不是很" + "满意"); a sentiment word or a
             * gap ends it. A negation in the clause of a rhetorical
             * question says the opposite of what it says (难道不是包庇):
             * it negates nothing. */
            double degree = 1.0;
            bool has_degree = false, negated = false;
            size_t head = hit->start;
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
                    bool rhetorical = demand >= 0 && (size_t)demand < j &&
                                      lex_same_clause(text, hs->h[demand].end, hs->h[j].start,
                                                      LEX_RHETORIC_REACH);
                    negated = negated != !rhetorical;
                } else {
                    break;
                }
                head = hs->h[j].start;
            }
            v *= (negated ? -1.0 : 1.0) * degree;
            if (e->kind == LEX_CRIME && (action || report) && !by_police)
                v *= LEX_CRIME_HANDLED;
            else if (v > 0 && sarcasm && e->kind != LEX_IRONY)
                v = -v; /* 呵呵, 为人民服务 */
            n_action += e->kind == LEX_ACTION;
        }
        /* A report's own exclamation (【痛心！...】) is not a quote. */
        if (report && v < 0 && e->kind != LEX_CRIME && !(hit->end < len && text[hit->end] == '!'))
            v *= LEX_REPORT_WEIGHT;
        lex_topic_advance(text, len, hit->start, &topic_at, &topic_close, &in_topic);
        if (in_topic)
            v *= LEX_TOPIC_WEIGHT;
        /* a crime is news, unless they did it */
        if (v < 0 && police >= 0 && (e->kind != LEX_CRIME || by_police) &&
            lex_same_clause(text, hs->h[police].end, hit->start, LEX_RHETORIC_REACH))
            n_at_police++;
        if (e->kind == LEX_IRONY)
            irony += v;
        else if (e->kind == LEX_CRIME && !by_police)
            crime += v;
        else if (v < 0)
            neg -= v;
        else
            pos += v;
    }
    /* 666 after 警察打人 is a jeer; after 破案 it is applause: a crime the
     * police handled does not turn it ("杀人案告破, 666"), nor a passing
     * misfortune (感染). */
    if (neg > 0 || sarcasm || (crime <= -LEX_IRONY_CRIME && !action && !report))
        irony = -fabs(irony);
    if (irony < 0)
        neg -= irony;
    else
        pos += irony;
    if ((action || report) && crime < -LEX_CRIME_HANDLED_MAX)
        crime = -LEX_CRIME_HANDLED_MAX;
    if (crime < 0)
        neg -= crime;
    else
        pos += crime;
    if (hs->h != hs->local)
        free(hs->h);
    lex_hits_init(hs);

    double s = tanh((pos - neg) / 2);
    if (score)
        *score = s;
    if (lf) {
        size_t q = 0, x = 0;
        for (const char *p = text; (p = memchr(p, '?', len - (size_t)(p - text))); p++)
            q++;
        for (const char *p = text; (p = memchr(p, '!', len - (size_t)(p - text))); p++)
            x++;
        lf->v[LEXF_SCORE] = (float)s;
        lf->v[LEXF_NEGATIVE] = (float)tanh(neg / 2);
        lf->v[LEXF_POSITIVE] = (float)tanh(pos / 2);
        lf->v[LEXF_DEMAND] = (float)n_demand / (float)(n_demand + 1);
        lf->v[LEXF_SARCASM] = (float)n_sarcasm / (float)(n_sarcasm + 1);
        lf->v[LEXF_CRIME] = (float)tanh(fabs(crime) / 2);
        lf->v[LEXF_ACTION] = (float)n_action / (float)(n_action + 1);
        lf->v[LEXF_QUESTION] = (float)q / (float)(q + 1);
        lf->v[LEXF_EXCLAIM] = (float)x / (float)(x + 1);
        lf->v[LEXF_AT_POLICE] = (float)n_at_police / (float)(n_at_police + 1);
        lf->v[LEXF_NEGATION] = (float)n_negation / (float)(n_negation + 1);
        size_t chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)text[i] & 0xc0) != 0x80;
        lf->v[LEXF_LENGTH] = (float)fmin(1.0, log1p((double)chars) / log(1001.0));
    }
    if (s <= -LEX_THRESHOLD)
        return SENT_NEGATIVE;
    if (s >= LEX_THRESHOLD)
        return SENT_POSITIVE;
    return SENT_NEUTRAL;
}
