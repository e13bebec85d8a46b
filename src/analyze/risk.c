/*
 * risk.c: the risk model (风险评估指标体系). It holds the vocabulary that
 * marks an item (seven sensitive categories from DATADIR/risk/NAME.txt, local
 * region words, markers of official accounts, all on one Aho-Corasick
 * automaton so one pass over the text finds them all) and turns an event's
 * figures into a 0-100 score, a level I-IV and an explanation that lists each
 * indicator's contribution. The explanation's points are rounded to 0.1 and
 * the score is their sum, so what the officer reads adds up.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze_int.h"

/* ---- levels ---------------------------------------------------------------- */

const char *level_roman(enum risk_level l)
{
    static const char *const r[] = {"-", "I", "II", "III", "IV"};
    return (unsigned)l <= LEVEL_IV ? r[l] : r[0];
}

const char *level_label(enum risk_level l)
{
    static const char *const r[] = {"未分级", "特别重大", "重大", "较大", "一般"};
    return (unsigned)l <= LEVEL_IV ? r[l] : r[0];
}

const char *level_color(enum risk_level l)
{
    static const char *const r[] = {"none", "red", "orange", "yellow", "blue"};
    return (unsigned)l <= LEVEL_IV ? r[l] : r[0];
}

/* ---- categories ------------------------------------------------------------ */

static const struct {
    const char *file, *label;
    double severity;
} categories[N_CATEGORIES] = {
    [CAT_ENFORCEMENT] = {"enforcement", "执法争议", 1.0},
    [CAT_MISCONDUCT] = {"misconduct", "民警违纪", 0.9},
    [CAT_RUMOUR] = {"rumour", "警情谣言", 0.8},
    [CAT_ASSAULT] = {"assault", "袭警/民警受伤", 0.7},
    [CAT_MAJOR_CASE] = {"major_case", "重大案事件", 0.55},
    [CAT_MINORS] = {"minors", "涉未成年人", 0.7},
    [CAT_WINDOW] = {"window", "窗口投诉", 0.4},
};

const char *risk_category_label(enum risk_category c)
{
    return (unsigned)c < N_CATEGORIES ? categories[c].label : "";
}

double risk_category_severity(enum risk_category c)
{
    return (unsigned)c < N_CATEGORIES ? categories[c].severity : 0.0;
}

/* ---- vocabulary ------------------------------------------------------------ */

/* What a word is to the content rules: the automaton's value is kind << 8
 * | category. */
enum vocab_kind {
    VK_CAT,        /* a category term that counts by itself */
    VK_CAT_POLICE, /* "警:TERM": counts when the police do it */
    VK_ACTOR,      /* the police (actors.txt) */
    VK_ACT,        /* violence or abuse: who does it to whom decides (acts.txt) */
    VK_OTHER,      /* someone other than the police (others.txt) */
    VK_BEI,        /* 被: what follows is done to the one before */
    VK_NEG,        /* a negation (negation.txt) */
    VK_RUMOUR,     /* a rumour's carrier (网传) */
    VK_ALARM,      /* an alarming claim ("!TERM" in rumour.txt) */
    VK_DEBUNK,     /* debunk.txt */
    VK_PUNISHED,   /* "谣:" in debunk.txt: a denial only if a rumour is named */
    VK_MINOR,      /* minors.txt */
    VK_HARM,       /* harm.txt */
    VK_PRAISE,     /* praise.txt */
    VK_PUBLICITY,  /* publicity.txt */
    VK_ENFORCE,    /* enforce.txt: the police act on what follows */
    VK_QUESTION,   /* question.txt: a question or demand put to the police */
    VK_WARN,       /* warn.txt: what a tip warns of follows */
    VK_SANCTION,   /* sanction.txt: an official's disciplinary sanction (停职, 处分) */
    VK_SEIZE,      /* seize.txt: taking someone away (抓走, 带走) */
    VK_KIN,        /* kin.txt: the teller's own people (我父亲, 业主) */
    VK_DEATH,      /* death.txt */
    VK_CUSTODY,    /* custody.txt: custody, or the moment of an arrest */
    VK_COLLUSION,  /* collusion.txt: collusion or a cover-up (保护伞, 警匪勾结) */
    VK_ABROAD,     /* abroad.txt: a country or city abroad (美国, 莫斯科) */
    VK_FOREIGNER,  /* police of a place abroad (莫斯科警方): not ours */
    VK_LOCAL,
    VK_OFFICIAL,
};
#define VK_VALUE(kind, cat) ((int32_t)((kind) << 16 | (cat)))
#define VK_VALUE_SEV(kind, cat, sev) ((int32_t)((kind) << 16 | (sev) << 8 | (cat)))

/* Windows of the content rules, in characters. */
#define AGENT_WINDOW 12  /* a police actor before its act */
#define VICTIM_AFTER 4   /* an act right before the police (殴打民警) */
#define NEG_WINDOW 2     /* a negation right before a term */
#define ENFORCE_WINDOW 6 /* an enforcement verb before its object (查处酒驾) */
#define MINOR_WINDOW 10  /* a child and a harm */
/* Severities (percent) of what the rules decide beyond the words' own. */
#define ACT_VICTIM_SEVERITY 60  /* violence against the police */
#define ACT_CRIME_SEVERITY 50   /* violence between people: crime news */
#define RUMOUR_IDLE_SEVERITY 35 /* hearsay of nothing serious */
#define QUESTION_SEVERITY 40    /* questions put to the police */
#define QUESTION_WINDOW 30      /* a question this near a police actor */
#define MENTION_MAX 30          /* an @mention name is at most this many characters */
#define GRAFT_WINDOW 40         /* a plain 民警违纪 term this near the police is theirs */
#define GRAFT_OTHER_SEVERITY 30 /* graft with no police near: another office's */
#define SANCTION_WINDOW 20      /* a sanction this near the police punishes an officer */
#define DISPUTE_WINDOW 10       /* a question this near a denial disputes it */
#define PLEDGE_BEFORE 4         /* a condition this near before a denial (如有不实) */
#define PLEDGE_AFTER 20         /* a pledge this near after one (...愿受法律制裁) */
#define WARN_WINDOW 12          /* a tip's warning this near before a term */
#define KIN_BEFORE 8            /* one's own before the police take them (把业主抓了) */
#define KIN_AFTER 3             /* ... or right after (带走了我父亲) */
#define SEIZE_NEG_WINDOW 6      /* a negation this near before the taking (没有被警察带走) */
#define SEIZE_SEVERITY 80       /* one's own taken away by the police */
#define CUSTODY_WINDOW 20       /* custody this near before a death, in one sentence */
#define ABROAD_WINDOW 6         /* a place abroad this near before its police */
#define COLLUSION_FAR_SEVERITY 60 /* a cover-up alleged with no officer near */
/* A capped score bends into the CAP_SOFT points under its ceiling: over
 * points above the knee become CAP_SOFT * over / (over + CAP_SOFT_SCALE). */
#define CAP_SOFT 5.0
#define CAP_SOFT_SCALE 10.0

struct risk_vocab {
    struct ac *ac;
};

static void vocab_add(struct risk_vocab *rv, struct normalizer *nz, const char *s, size_t len,
                      int32_t value)
{
    char *t = normalize_term(nz, s, len);
    if (*t)
        ac_add(rv->ac, t, strlen(t), value);
    free(t);
}

/* The word files and what their lines are. A category file's line is a
 * VK_CAT term, or VK_CAT_POLICE with the prefix "警:"; rumour.txt's lines
 * marked "!" are VK_ALARM. */
static const struct {
    const char *file;
    enum vocab_kind kind;
} word_files[] = {
    {"actors", VK_ACTOR},      {"acts", VK_ACT},
    {"others", VK_OTHER},      {"negation", VK_NEG},
    {"debunk", VK_DEBUNK},     {"harm", VK_HARM},
    {"praise", VK_PRAISE},     {"publicity", VK_PUBLICITY},
    {"enforce", VK_ENFORCE},   {"question", VK_QUESTION},
    {"sanction", VK_SANCTION}, {"seize", VK_SEIZE},
    {"kin", VK_KIN},           {"death", VK_DEATH},
    {"custody", VK_CUSTODY},   {"collusion", VK_COLLUSION},
    {"warn", VK_WARN},         {"abroad", VK_ABROAD},
};

/* Adds every term of DATADIR/risk/NAME.txt (one a line, # comments) as
 * kind (and cat, for a category file). */
static int vocab_load_file(struct risk_vocab *rv, struct normalizer *nz, const char *datadir,
                           const char *name, enum vocab_kind kind, int cat, struct jy_error *err)
{
    char *path = xasprintf("%s/risk/%s.txt", datadir, name);
    char *data;
    size_t len;
    int rc = jy_read_file(path, 4u << 20, &data, &len, err);
    if (rc) {
        free(path);
        return rc;
    }
    for (char *line = data, *nl; line < data + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(data + len - line));
        if (!nl)
            nl = data + len;
        char *end = nl;
        while (end > line && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        while (line < end && (*line == ' ' || *line == '\t'))
            line++;
        if (line == end || *line == '#')
            continue;
        enum vocab_kind k = kind;
        if (kind == VK_CAT && (size_t)(end - line) > 4 && memcmp(line, "警:", 4) == 0) {
            k = VK_CAT_POLICE;
            line += 4;
        } else if (kind == VK_CAT && cat == CAT_RUMOUR && *line == '!') {
            k = VK_ALARM;
            line++;
        } else if (kind == VK_CAT && cat == CAT_RUMOUR) {
            k = VK_RUMOUR;
        } else if (kind == VK_CAT && cat == CAT_MINORS) {
            k = VK_MINOR;
        } else if (kind == VK_DEBUNK && (size_t)(end - line) > 4 && memcmp(line, "谣:", 4) == 0) {
            k = VK_PUNISHED;
            line += 4;
        }
        /* "TERM =0.45": the term's own severity */
        int sev = 0;
        char *eq = memchr(line, '=', (size_t)(end - line));
        if (eq && (k == VK_CAT || k == VK_CAT_POLICE || k == VK_ALARM || k == VK_ACT ||
                   k == VK_QUESTION || k == VK_ENFORCE)) {
            char num[16] = {0};
            size_t nl2 =
                (size_t)(end - eq - 1) < sizeof num - 1 ? (size_t)(end - eq - 1) : sizeof num - 1;
            memcpy(num, eq + 1, nl2);
            double d = strtod(num, NULL);
            sev = d <= 0 ? 0 : d >= 1 ? 100 : (int)(d * 100 + 0.5);
            char *t = eq;
            while (t > line && (t[-1] == ' ' || t[-1] == '\t'))
                t--;
            end = t;
        }
        if (line < end)
            vocab_add(rv, nz, line, (size_t)(end - line), VK_VALUE_SEV(k, cat, sev));
    }
    free(data);
    free(path);
    return 0;
}

/* A region word, and the same without an administrative suffix when at
 * least two characters remain (清河县 -> 清河): people rarely write it. */
static void vocab_add_region(struct risk_vocab *rv, struct normalizer *nz, const char *region)
{
    static const char *const suffixes[] = {"自治县", "自治州", "街道", "省", "市",
                                           "县",     "区",     "镇",   "乡"};
    char *t = normalize_term(nz, region, strlen(region));
    size_t len = strlen(t);
    if (len == 0) {
        free(t);
        return;
    }
    ac_add(rv->ac, t, len, VK_VALUE(VK_LOCAL, 0));
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && memcmp(t + len - sl, suffixes[i], sl) == 0) {
            size_t chars = 0;
            for (size_t k = 0; k < len - sl; k++)
                chars += ((unsigned char)t[k] & 0xc0) != 0x80;
            if (chars >= 2)
                ac_add(rv->ac, t, len - sl, VK_VALUE(VK_LOCAL, 0));
            break;
        }
    }
    free(t);
}

int risk_vocab_check(const char *datadir, const struct config *cfg, struct jy_error *err)
{
    size_t n_words = sizeof word_files / sizeof word_files[0];
    for (size_t i = 0; i <= N_CATEGORIES + n_words; i++) {
        const char *name = i < N_CATEGORIES             ? categories[i].file
                           : i < N_CATEGORIES + n_words ? word_files[i - N_CATEGORIES].file
                                                        : "official";
        if (i == N_CATEGORIES + n_words && cfg->analysis.risk.n_official_words > 0)
            break; /* official.txt is read only when the config names none */
        char *path = xasprintf("%s/risk/%s.txt", datadir, name);
        char *data = NULL;
        size_t len;
        int rc = jy_read_file(path, 4u << 20, &data, &len, err);
        free(data);
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}

int risk_vocab_new(struct normalizer *nz, const char *datadir, const struct config *cfg,
                   struct risk_vocab **out, struct jy_error *err)
{
    *out = NULL;
    struct risk_vocab *rv = xcalloc(1, sizeof *rv);
    rv->ac = ac_new();
    int rc;
    for (int c = 0; c < N_CATEGORIES; c++) {
        if ((rc = vocab_load_file(rv, nz, datadir, categories[c].file, VK_CAT, c, err))) {
            risk_vocab_free(rv);
            return rc;
        }
    }
    for (size_t i = 0; i < sizeof word_files / sizeof word_files[0]; i++) {
        if ((rc = vocab_load_file(rv, nz, datadir, word_files[i].file, word_files[i].kind, 0,
                                  err))) {
            risk_vocab_free(rv);
            return rc;
        }
    }
    ac_add(rv->ac, "被", strlen("被"), VK_VALUE(VK_BEI, 0));
    const struct risk_config *rc_cfg = &cfg->analysis.risk;
    if (rc_cfg->n_region_words > 0) {
        for (size_t i = 0; i < rc_cfg->n_region_words; i++)
            vocab_add_region(rv, nz, rc_cfg->region_words[i]);
    } else {
        for (size_t i = 0; i < cfg->n_sources; i++) {
            const char *r = cfg->sources[i].region;
            bool seen = !r || !*r;
            for (size_t j = 0; j < i && !seen; j++)
                seen = cfg->sources[j].region && strcmp(cfg->sources[j].region, r) == 0;
            if (!seen)
                vocab_add_region(rv, nz, r);
        }
    }
    if (rc_cfg->n_official_words > 0) {
        for (size_t i = 0; i < rc_cfg->n_official_words; i++) {
            const char *w = rc_cfg->official_words[i];
            vocab_add(rv, nz, w, strlen(w), VK_VALUE(VK_OFFICIAL, 0));
        }
    } else if ((rc = vocab_load_file(rv, nz, datadir, "official", VK_OFFICIAL, 0, err))) {
        risk_vocab_free(rv);
        return rc;
    }
    ac_build(rv->ac);
    *out = rv;
    return 0;
}

void risk_vocab_free(struct risk_vocab *rv)
{
    if (!rv)
        return;
    ac_free(rv->ac);
    free(rv);
}

/* Characters that may appear in an account name between @ and the marker. */
static bool mention_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               cp == '_' || cp == '-';
    if ((cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x3000 && cp <= 0x303f) ||
        (cp >= 0xff00 && cp <= 0xff65) || cp == 0xfffd)
        return false; /* punctuation, CJK symbols, full-width forms */
    return true;
}

/* Is the marker at text[start] inside an @mention? */
static bool in_mention(const char *text, size_t start)
{
    size_t i = start;
    for (int chars = 0; i > 0 && chars <= MENTION_MAX; chars++) {
        size_t j = i - 1;
        while (j > 0 && ((unsigned char)text[j] & 0xc0) == 0x80)
            j--;
        if (text[j] == '@')
            return true;
        uint32_t cp;
        utf8_decode(text + j, i - j, &cp);
        if (!mention_char(cp))
            return false;
        i = j;
    }
    return false;
}

bool risk_vocab_hit(void *ctx, int32_t value, size_t start, size_t end, size_t cstart, size_t cend)
{
    struct risk_scan *sc = ctx;
    enum vocab_kind kind = (enum vocab_kind)(value >> 16);
    if (kind == VK_OFFICIAL) {
        if (sc->names_only || in_mention(sc->text, start))
            sc->m->official = true;
        return true;
    }
    if (sc->names_only)
        return true; /* a region or category word in a name says nothing */
    if (kind == VK_LOCAL) {
        sc->m->local = true;
        return true;
    }
    if (sc->n_hits < RISK_HITS_MAX) {
        sc->hits[sc->n_hits++] = (struct risk_hit){
            .kind = (uint8_t)kind,
            .cat = (uint8_t)(value & 0xff),
            .severity = (uint8_t)((value >> 8) & 0xff),
            .start = (uint32_t)start,
            .end = (uint32_t)end,
            .cstart = (uint32_t)cstart,
            .cend = (uint32_t)cend,
        };
    }
    return true;
}

/* ---- the content rules -------------------------------------------------------- */

/* Does text[from, to) (bytes) hold one of stops? */
static bool span_has(const char *text, size_t from, size_t to, const char *const *stops, size_t n)
{
    for (size_t i = from; i < to; i++) {
        for (size_t k = 0; k < n; k++) {
            size_t len = strlen(stops[k]);
            if (i + len <= to && memcmp(text + i, stops[k], len) == 0)
                return true;
        }
    }
    return false;
}

/* Ends of a sentence (a comma does not end one), and, for an act and its
 * object, any pause at all. */
static const char *const sentence_stops[] = {"。", "！", "？", "；", "!", "?", ";", "\n"};
static const char *const pause_stops[] = {"。", "！", "？", "；", "!",  "?", ";",
                                          "\n", ",",  ".",  " ",  "，", "、"};
#define N_STOPS(a) (sizeof a / sizeof a[0])

static bool sentence_break(const char *text, size_t from, size_t to)
{
    return span_has(text, from, to, sentence_stops, N_STOPS(sentence_stops));
}

/* Is the person word h acted on (把/将 right before it)? */
static bool object_marked(const struct risk_scan *sc, const struct risk_hit *h)
{
    return h->start >= 3 && (memcmp(sc->text + h->start - 3, "把", 3) == 0 ||
                             memcmp(sc->text + h->start - 3, "将", 3) == 0);
}

static bool negated(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *n = &sc->hits[i];
        if (n->kind == VK_NEG && n->cend <= h->cstart && h->cstart - n->cend <= NEG_WINDOW)
            return true;
    }
    return false;
}

/* The police act on h: an enforcement verb just before it (查处酒驾) or
 * right after it (酒驾整治). */
static bool enforced(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *e = &sc->hits[i];
        if (e->kind != VK_ENFORCE)
            continue;
        if (e->cend <= h->cstart && h->cstart - e->cend <= ENFORCE_WINDOW)
            return true;
        if (e->cstart >= h->cend && e->cstart - h->cend <= 2)
            return true;
    }
    return false;
}

/* Is h what a tip warns of: a warning word (warn.txt) at most WARN_WINDOW
 * characters before it, in the same sentence (谨防不法分子冒充警察)? */
static bool warned_of(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *w = &sc->hits[i];
        if (w->kind == VK_WARN && w->cend <= h->cstart && h->cstart - w->cend <= WARN_WINDOW &&
            !sentence_break(sc->text, w->end, h->start))
            return true;
    }
    return false;
}

/* Is the outcome h only threatened (将被拘留, 会被处罚): a tip's warning,
 * no case? */
static bool outcome_threatened(const struct risk_scan *sc, const struct risk_hit *h)
{
    static const char *const futures[] = {"将", "会", "将被", "会被", "将依法", "将予以"};
    for (size_t k = 0; k < N_STOPS(futures); k++) {
        size_t len = strlen(futures[k]);
        if (h->start >= len && memcmp(sc->text + h->start - len, futures[k], len) == 0)
            return true;
    }
    return false;
}

/* Is h part of a longer word of praise or publicity (诈骗 in 防诈骗)? */
static bool inside_genre(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *g = &sc->hits[i];
        if ((g->kind == VK_PUBLICITY || g->kind == VK_PRAISE || g->kind == VK_ENFORCE) &&
            g->cstart <= h->cstart && g->cend >= h->cend &&
            g->cend - g->cstart > h->cend - h->cstart)
            return true;
    }
    return false;
}

/* Is the police actor a right after the act h its object (殴打民警, 打伤两名
 * 民警)? Nothing but a count may stand between: no 被 (殴打妻子被民警抓获),
 * no comma or sentence end, no other person. */
static bool object_span(const struct risk_scan *sc, const struct risk_hit *h,
                        const struct risk_hit *a)
{
    if (span_has(sc->text, h->end, a->start, pause_stops, N_STOPS(pause_stops)))
        return false;
    for (int j = 0; j < sc->n_hits; j++) {
        const struct risk_hit *b = &sc->hits[j];
        if (b->cstart >= h->cend && b->cend <= a->cstart &&
            (b->kind == VK_BEI || b->kind == VK_OTHER))
            return false;
    }
    return true;
}

/* Is 被 b, after the police actor a, the mark of someone the police help
 * (民警为被撞伤的老人撑伞, 民警救起被殴打的女子): 为, 帮 or 替 right before
 * it, or a word of help (praise.txt) between a and it? */
static bool helped(const struct risk_scan *sc, const struct risk_hit *a, const struct risk_hit *b)
{
    static const char *const fors[] = {"为", "帮", "替"};
    if (b->start >= 3 && span_has(sc->text, b->start - 3, b->start, fors, N_STOPS(fors)))
        return true;
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *p = &sc->hits[i];
        if (p->kind == VK_PRAISE && p->cstart >= a->cend && p->cend <= b->cstart)
            return true;
    }
    return false;
}

/* Who does h: 1 the police (a police actor before it in the same sentence,
 * nobody else between), -1 it is done to the police (民警被打, 殴打民警),
 * 0 neither. */
static int police_role(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *a = &sc->hits[i];
        if (a->kind == VK_ACTOR && a->cstart >= h->cend && a->cstart - h->cend <= VICTIM_AFTER &&
            h->kind == VK_ACT && object_span(sc, h, a))
            return -1;
    }
    int role = 0;
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *a = &sc->hits[i];
        if (a->kind != VK_ACTOR || a->cend > h->cstart || h->cstart - a->cend > AGENT_WINDOW ||
            sentence_break(sc->text, a->end, h->start))
            continue;
        bool bei = false, other = false;
        for (int j = 0; j < sc->n_hits; j++) {
            const struct risk_hit *b = &sc->hits[j];
            if (b->cstart < a->cend || b->cend > h->cstart)
                continue;
            if (b->kind == VK_BEI && !helped(sc, a, b))
                bei = true;
            else if (b->kind == VK_ENFORCE || b->kind == VK_PUBLICITY || b->kind == VK_BEI ||
                     b->kind == VK_FOREIGNER || (b->kind == VK_OTHER && !object_marked(sc, b)))
                other = true; /* someone else's doing, or whom the police help */
            else if (b->kind == VK_ACTOR)
                other = true; /* a nearer actor decides */
        }
        if (bei && h->kind == VK_ACT)
            role = -1;
        else if (!bei && !other)
            return 1;
    }
    return role;
}

/* Is a police actor within window characters of h, either side, and not
 * in another hashtag (#监狱长被免职##35岁民警倒在岗位#: two stories; a
 * hashtag and the text after it are one)? */
static bool police_near(const struct risk_scan *sc, const struct risk_hit *h, uint32_t window)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *a = &sc->hits[i];
        if (a->kind != VK_ACTOR)
            continue;
        uint32_t gap = a->cstart >= h->cend   ? a->cstart - h->cend
                       : h->cstart >= a->cend ? h->cstart - a->cend
                                              : 0;
        if (gap > window)
            continue;
        size_t from = a->start < h->start ? a->end : h->end;
        size_t to = a->start < h->start ? h->start : a->start;
        int marks = 0;
        for (size_t k = from; k < to && marks < 2; k++)
            marks += sc->text[k] == '#';
        if (marks < 2)
            return true;
    }
    return false;
}

/* A "警:" term followed right away by its doer (醉驾司机, 醉驾者). A harm
 * (harm.txt: 猥亵, 性侵) is done to someone: the person after it is its
 * object (辅警猥亵女子). */
static bool doer_follows(const struct risk_scan *sc, const struct risk_hit *h)
{
    if (strncmp(sc->text + h->end, "者", 3) == 0)
        return true;
    for (int i = 0; i < sc->n_hits; i++) {
        if (sc->hits[i].kind == VK_HARM && sc->hits[i].start == h->start &&
            sc->hits[i].end == h->end)
            return false;
    }
    for (int i = 0; i < sc->n_hits; i++) {
        if (sc->hits[i].kind == VK_OTHER && sc->hits[i].cstart == h->cend)
            return true;
    }
    return false;
}

/* Is h what an enforcement word right after it acts on (赌博的打击力度,
 * 酒驾的整治)? */
static bool enforcement_of(const struct risk_scan *sc, const struct risk_hit *h)
{
    if (strncmp(sc->text + h->end, "的", 3) != 0)
        return false;
    for (int i = 0; i < sc->n_hits; i++) {
        if (sc->hits[i].kind == VK_ENFORCE && sc->hits[i].start == h->end + 3)
            return true;
    }
    return false;
}

/* Is the denial h a whistleblower's pledge rather than a denial: under a
 * condition (如有不实, 若有虚假 ...) or followed by a promise to answer for
 * it (有夸大不实我愿受法律制裁)? The post makes the claims, it does not deny
 * them. */
static bool denial_pledged(const struct risk_scan *sc, const struct risk_hit *h)
{
    static const char *const conditions[] = {"如", "若", "倘"};
    static const char *const pledges[] = {"法律责任", "法律制裁", "愿受法律", "承担一切责任"};
    size_t i = h->start;
    for (int chars = 0; i > 0 && chars < PLEDGE_BEFORE; chars++) {
        size_t j = i - 1;
        while (j > 0 && ((unsigned char)sc->text[j] & 0xc0) == 0x80)
            j--;
        if (span_has(sc->text, j, i, conditions, N_STOPS(conditions)))
            return true;
        i = j;
    }
    size_t to = h->end;
    for (int chars = 0; sc->text[to] && chars < PLEDGE_AFTER; chars++) {
        to++;
        while (sc->text[to] && ((unsigned char)sc->text[to] & 0xc0) == 0x80)
            to++;
    }
    return span_has(sc->text, h->end, to, pledges, N_STOPS(pledges));
}

/* Is the denial h disputed: part of what the police did (以谣言依法处理):
 * a 执法争议 term that counts (a "警:" one done by the police) holding it,
 * or naming a rumour (谣) and ending at most two characters before it? A
 * denial after any other term denies it (暴力执法，系谣言). */
static bool denial_disputed(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *e = &sc->hits[i];
        if ((e->kind != VK_CAT && e->kind != VK_CAT_POLICE) || e->cat != CAT_ENFORCEMENT)
            continue;
        bool holds = e->cend >= h->cend;
        bool names_rumour = holds || (e->cend + 2 >= h->cstart &&
                                      memmem(sc->text + e->start, e->end - e->start, "谣", 3));
        if (e->cstart <= h->cstart && names_rumour && !negated(sc, e) &&
            (e->kind == VK_CAT || police_role(sc, e) == 1))
            return true;
    }
    /* a question or demand right at the denial disputes it (难道公安局自己
     * 断定是谣言, 是谣言？凭什么) */
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *q = &sc->hits[i];
        if (q->kind != VK_QUESTION || negated(sc, q))
            continue;
        uint32_t gap = q->cstart >= h->cend   ? q->cstart - h->cend
                       : h->cstart >= q->cend ? h->cstart - q->cend
                                              : 0;
        if (gap <= DISPUTE_WINDOW)
            return true;
    }
    return false;
}

/* Marks category c at the hit's severity (its own, else sev percent). */
static void mark(struct risk_marks *m, int c, int own, int sev)
{
    int v = own ? own : sev;
    m->categories |= 1u << c;
    if (v > m->severity[c])
        m->severity[c] = (uint8_t)v;
}

/* 被 + the police + a one-character blow (被警察打了, 被几个民警踹倒, 被辅警
 * 给扇了): the speaker was hit by the police. Two-character acts (殴打,
 * 扇耳光) are acts.txt's; these single characters count only in this
 * frame, and not in the words they start (犯罪团伙被警方打掉, 被民警推荐). */
static const char *const passive_blows[] = {"打", "揍", "踢", "踹", "扇", "掐", "砸", "推", "铐"};
static const char *const blow_words[] = {"打击", "打掉", "打响", "打开", "打通", "打电话", "打捞",
                                         "打包", "打听", "打卡", "打折", "打扰", "打拐",   "打黑",
                                         "打假", "打私", "打非", "打传", "打赌", "打工",   "推荐",
                                         "推动", "推进", "推出", "推广", "推送", "推行",   "推迟",
                                         "推移", "推理", "推断", "推测", "推选", "推介",   "砸门"};
#define PASSIVE_GAP 4 /* 被 ... the police: 几个, 派出所的 */

static bool passive_blow(const struct risk_scan *sc, const struct risk_hit *bei)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *a = &sc->hits[i];
        if (a->kind != VK_ACTOR || a->cstart < bei->cend || a->cstart - bei->cend > PASSIVE_GAP ||
            span_has(sc->text, bei->end, a->start, pause_stops, N_STOPS(pause_stops)))
            continue;
        const char *p = sc->text + a->end;
        /* 给 or 一顿 may stand between (被警察给打了, 被民警一顿打) */
        if (strncmp(p, "给", 3) == 0)
            p += 3;
        else if (strncmp(p, "一顿", 6) == 0)
            p += 6;
        for (size_t k = 0; k < N_STOPS(blow_words); k++)
            if (strncmp(p, blow_words[k], strlen(blow_words[k])) == 0)
                return false;
        for (size_t k = 0; k < N_STOPS(passive_blows); k++)
            if (strncmp(p, passive_blows[k], strlen(passive_blows[k])) == 0)
                return true;
    }
    return false;
}

static int default_severity(int c)
{
    return (int)(categories[c].severity * 100 + 0.5);
}

/* Is there a negation less than window characters before h, in its clause? */
static bool negated_within(const struct risk_scan *sc, const struct risk_hit *h, uint32_t window)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *n = &sc->hits[i];
        if (n->kind == VK_NEG && n->cend <= h->cstart && h->cstart - n->cend <= window &&
            !span_has(sc->text, n->end, h->start, pause_stops, N_STOPS(pause_stops)))
            return true;
    }
    return false;
}

/* The police take one of the teller's own away (警察过来把业主抓了, 派出所的
 * 人带走了我父亲, 我爸被警察带走了): the police do h (police_role, so no
 * notice's word and no other person stands between them), and a kin word
 * is in h's clause, a few characters before it or right after. */
static bool kin_taken(const struct risk_scan *sc, const struct risk_hit *h)
{
    if (negated_within(sc, h, SEIZE_NEG_WINDOW) || police_role(sc, h) != 1)
        return false;
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *k = &sc->hits[i];
        if (k->kind != VK_KIN)
            continue;
        if (k->cend <= h->cstart && h->cstart - k->cend <= KIN_BEFORE &&
            !span_has(sc->text, k->end, h->start, pause_stops, N_STOPS(pause_stops)))
            return true;
        if (k->cstart >= h->cend && k->cstart - h->cend <= KIN_AFTER &&
            !span_has(sc->text, h->end, k->start, pause_stops, N_STOPS(pause_stops)))
            return true;
    }
    return false;
}

/* A death in custody or during enforcement: custody (custody.txt) at most
 * CUSTODY_WINDOW characters before the death h, in one sentence, with no
 * negation from just before the custody word on. Returns 1 someone died at
 * the police's hands, -1 an officer died (民警在抓捕过程中身亡: a police
 * actor before it that is not part of the custody word nor right after 被,
 * and no other person in the sentence before the death), 0 neither. */
static int custody_death(const struct risk_scan *sc, const struct risk_hit *h)
{
    const struct risk_hit *c = NULL;
    for (int i = 0; i < sc->n_hits && !c; i++) {
        const struct risk_hit *x = &sc->hits[i];
        if (x->kind == VK_CUSTODY && x->cend <= h->cstart &&
            h->cstart - x->cend <= CUSTODY_WINDOW && !sentence_break(sc->text, x->end, h->start))
            c = x;
    }
    if (!c || negated_within(sc, c, NEG_WINDOW + 4) || negated(sc, h))
        return 0;
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *n = &sc->hits[i];
        if (n->kind == VK_NEG && n->cstart >= c->cstart && n->cend <= h->cstart)
            return 0;
    }
    bool officer = false;
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *a = &sc->hits[i];
        if (a->cend > h->cstart || sentence_break(sc->text, a->end, h->start))
            continue;
        if (a->kind == VK_OTHER || a->kind == VK_KIN)
            return 1;
        if (a->kind != VK_ACTOR || (a->cstart >= c->cstart && a->cend <= c->cend))
            continue;
        bool agent = false; /* 被警察带走后 */
        for (int j = 0; j < sc->n_hits; j++)
            agent |= sc->hits[j].kind == VK_BEI && sc->hits[j].cend <= a->cstart &&
                     a->cstart - sc->hits[j].cend <= 1;
        officer |= !agent;
    }
    return officer ? -1 : 1;
}

/* Police named with a place abroad (莫斯科警方, 美国马萨诸塞州警方) are
 * another country's: what they do is world news, not the bureau's to
 * answer. Such an actor becomes VK_FOREIGNER: the place at most
 * ABROAD_WINDOW characters before it, with no pause and nobody else
 * between (日本男子被警方拘捕 is a man abroad and the police). */
static void foreign_police_mark(struct risk_scan *sc)
{
    for (int i = 0; i < sc->n_hits; i++) {
        struct risk_hit *a = &sc->hits[i];
        if (a->kind != VK_ACTOR)
            continue;
        for (int j = 0; j < sc->n_hits; j++) {
            const struct risk_hit *f = &sc->hits[j];
            if (f->kind != VK_ABROAD || f->cend > a->cstart ||
                a->cstart - f->cend > ABROAD_WINDOW ||
                span_has(sc->text, f->end, a->start, pause_stops, N_STOPS(pause_stops)))
                continue;
            bool between = false;
            for (int k = 0; k < sc->n_hits && !between; k++) {
                const struct risk_hit *b = &sc->hits[k];
                between = b->cstart >= f->cend && b->cend <= a->cstart &&
                          (b->kind == VK_OTHER || b->kind == VK_ACTOR || b->kind == VK_FOREIGNER ||
                           b->kind == VK_BEI);
            }
            if (!between) {
                a->kind = VK_FOREIGNER;
                break;
            }
        }
    }
}

/* Is the plain term h done by a foreign police force: one before it in the
 * same sentence, within AGENT_WINDOW, and no police actor of ours nearer
 * (莫斯科警方暴力执法)? */
static bool foreign_doer(const struct risk_scan *sc, const struct risk_hit *h)
{
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *f = &sc->hits[i];
        if (f->kind != VK_FOREIGNER || f->cend > h->cstart || h->cstart - f->cend > AGENT_WINDOW ||
            sentence_break(sc->text, f->end, h->start))
            continue;
        bool ours = false;
        for (int j = 0; j < sc->n_hits && !ours; j++) {
            const struct risk_hit *a = &sc->hits[j];
            ours = a->kind == VK_ACTOR && a->cstart >= f->cend && a->cend <= h->cstart;
        }
        if (!ours)
            return true;
    }
    return false;
}

/* Is h inside a #topic#: an odd number of '#' before it, and the closing
 * one after it on the same line? A topic's title is a headline others
 * wrote (#为什么武汉新增病例高于湖北全省#), not the post's own question. */
static bool in_topic(const struct risk_scan *sc, const struct risk_hit *h)
{
    int marks = 0;
    for (size_t k = 0; k < h->start; k++)
        marks += sc->text[k] == '#';
    if (!(marks & 1))
        return false;
    for (const char *p = sc->text + h->end; *p && *p != '\n'; p++) {
        if (*p == '#')
            return true;
    }
    return false;
}

void risk_scan_decide(struct risk_scan *sc)
{
    struct risk_marks *m = sc->m;
    bool carrier = false, alarm = false, minor = false, harm_near_minor = false;
    bool questioned = false, punished = false;
    int alarm_sev = 0, outcome_sev = 0;
    foreign_police_mark(sc);
    for (int i = 0; i < sc->n_hits; i++) {
        const struct risk_hit *h = &sc->hits[i];
        switch ((enum vocab_kind)h->kind) {
        case VK_CAT:
            if (h->cat >= N_CATEGORIES || negated(sc, h) || enforced(sc, h) ||
                inside_genre(sc, h) || warned_of(sc, h))
                break;
            if ((h->cat == CAT_ENFORCEMENT || h->cat == CAT_MISCONDUCT) && foreign_doer(sc, h)) {
                /* another country's police: world news, a case at most */
                mark(m, CAT_MAJOR_CASE, 0, ACT_CRIME_SEVERITY);
            } else if (h->cat == CAT_MISCONDUCT && !police_near(sc, h, GRAFT_WINDOW)) {
                /* 腐败, 截留, 渎职 with no officer near are another
                 * office's (a charity's, a health board's): negative, but
                 * no 民警违纪 */
                mark(m, h->cat, 0, GRAFT_OTHER_SEVERITY);
            } else {
                mark(m, h->cat, h->severity, default_severity(h->cat));
            }
            break;
        case VK_CAT_POLICE:
            /* no enforced(): an enforcement verb between the police and
             * the term already makes it someone else's (交警查处酒驾), and
             * one after it punishes the officer (民警醉驾被刑拘); but a
             * term right after 把/将 is what the police act on (民警把赌博
             * 人员带回), and so is one that owns the enforcement after it
             * (公安将加大对聚众赌博的打击力度) */
            if (h->cat < N_CATEGORIES && !negated(sc, h) && !doer_follows(sc, h) &&
                !object_marked(sc, h) && !enforcement_of(sc, h) && police_role(sc, h) == 1)
                mark(m, h->cat, h->severity, default_severity(h->cat));
            break;
        case VK_SANCTION:
            /* an officer's sanction (辅警...已停职, 两民警被警告处分) tells of
             * misconduct, whatever the notice's tone */
            if (!negated(sc, h) && police_near(sc, h, SANCTION_WINDOW))
                mark(m, CAT_MISCONDUCT, h->severity, default_severity(CAT_MISCONDUCT));
            break;
        case VK_ACT:
            if (!negated(sc, h)) {
                int role = police_role(sc, h);
                /* the police doing it is the worst; done to the police, or
                 * between people (crime news), less */
                if (role == 1)
                    mark(m, CAT_ENFORCEMENT, h->severity, default_severity(CAT_ENFORCEMENT));
                else if (role == -1)
                    mark(m, CAT_ASSAULT, 0, ACT_VICTIM_SEVERITY);
                else if (!enforced(sc, h) && !warned_of(sc, h))
                    mark(m, CAT_MAJOR_CASE, 0, ACT_CRIME_SEVERITY);
            }
            break;
        case VK_BEI:
            if (!negated(sc, h) && passive_blow(sc, h))
                mark(m, CAT_ENFORCEMENT, 0, default_severity(CAT_ENFORCEMENT));
            break;
        case VK_SEIZE:
            if (kin_taken(sc, h))
                mark(m, CAT_ENFORCEMENT, 0, SEIZE_SEVERITY);
            break;
        case VK_DEATH: {
            int who = custody_death(sc, h);
            if (who == 1)
                mark(m, CAT_ENFORCEMENT, 0, default_severity(CAT_ENFORCEMENT));
            else if (who == -1)
                mark(m, CAT_ASSAULT, 0, ACT_VICTIM_SEVERITY);
            break;
        }
        case VK_COLLUSION:
            /* a word that names the police (警匪勾结), or one near them, is
             * theirs; elsewhere in a post about the police, still a cover-up
             * alleged */
            if (negated(sc, h) || enforced(sc, h) || inside_genre(sc, h))
                break;
            mark(m, CAT_MISCONDUCT, 0,
                 memmem(sc->text + h->start, h->end - h->start, "警", 3) ||
                         police_near(sc, h, GRAFT_WINDOW)
                     ? default_severity(CAT_MISCONDUCT)
                     : COLLUSION_FAR_SEVERITY);
            break;
        case VK_RUMOUR:
            carrier = true;
            break;
        case VK_ALARM:
            alarm = true;
            if (h->severity > alarm_sev)
                alarm_sev = h->severity;
            break;
        case VK_DEBUNK:
            if (!denial_disputed(sc, h) && !denial_pledged(sc, h))
                m->debunk = true;
            break;
        case VK_PUNISHED:
            punished |= !denial_disputed(sc, h) && !denial_pledged(sc, h);
            break;
        case VK_MINOR:
            minor = true;
            for (int j = 0; j < sc->n_hits && !harm_near_minor; j++) {
                const struct risk_hit *x = &sc->hits[j];
                if (x->kind != VK_HARM || negated(sc, x))
                    continue;
                uint32_t gap = x->cstart >= h->cend   ? x->cstart - h->cend
                               : h->cstart >= x->cend ? h->cstart - x->cend
                                                      : 0;
                harm_near_minor = gap <= MINOR_WINDOW;
            }
            break;
        case VK_QUESTION:
            if (negated(sc, h) || in_topic(sc, h))
                break;
            questioned = true;
            if (police_near(sc, h, QUESTION_WINDOW))
                mark(m, CAT_ENFORCEMENT, h->severity, QUESTION_SEVERITY);
            break;
        case VK_PRAISE:
            m->praise = true;
            break;
        case VK_ENFORCE:
            /* a case told by its outcome (破获, 刑拘, 获刑: "=SEVERITY" in
             * enforce.txt) is crime news, in a notice's tone */
            if (h->severity > outcome_sev && !negated(sc, h) && !outcome_threatened(sc, h))
                outcome_sev = h->severity;
            m->publicity = true;
            break;
        case VK_PUBLICITY:
            m->publicity = true;
            break;
        default:
            break;
        }
    }
    /* a punishment denies a rumour only in a post that names one (散布谣言
     *被行政拘留); elsewhere it is a case's outcome (殴打安保被行政拘留) */
    if (punished && strstr(sc->text, "谣"))
        m->debunk = true;
    if (minor && harm_near_minor)
        mark(m, CAT_MINORS, 0, default_severity(CAT_MINORS));
    /* A rumour: told as hearsay, of a serious case or an alarming claim;
     * hearsay of nothing in particular is a small thing. */
    bool serious = alarm || (m->categories & (1u << CAT_MAJOR_CASE | 1u << CAT_MINORS));
    if (carrier && !m->debunk)
        mark(m, CAT_RUMOUR, serious ? alarm_sev : 0,
             serious ? default_severity(CAT_RUMOUR) : RUMOUR_IDLE_SEVERITY);
    /* a case told by its outcome: crime news, and no hearsay's alarm (在群里
     * 说 ... 将蒋某传唤 is no rumour of a serious case) */
    if (outcome_sev)
        mark(m, CAT_MAJOR_CASE, 0, outcome_sev);
    /* A post that questions or demands (为什么, 给个说法, 难道) is no
     * notice, tip or praise: the 通报 or 依法处理 it names is what it
     * takes issue with. */
    if (questioned)
        m->praise = m->publicity = false;
    /* A post that denies a rumour is the denial: what it names is what
     * the rumour claimed, at a quarter of its weight. */
    if (m->debunk) {
        m->categories &= ~(1u << CAT_RUMOUR);
        m->severity[CAT_RUMOUR] = 0;
        for (int c = 0; c < N_CATEGORIES; c++)
            m->severity[c] = (uint8_t)(m->severity[c] / 4);
        m->publicity = true;
    }
    sc->n_hits = 0;
}

/* Looks for official markers in a raw author or source name (Latin
 * lower-cased, truncated to 255 bytes). */
static void scan_name(const struct risk_vocab *rv, const char *name, struct risk_marks *m)
{
    if (!name || !*name || m->official)
        return;
    char buf[256];
    size_t n = 0;
    for (; name[n] && n < sizeof buf - 1; n++) {
        char c = name[n];
        buf[n] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[n] = '\0';
    struct risk_scan sc;
    risk_scan_start(&sc, m, buf, true);
    ac_scan(rv->ac, buf, n, risk_vocab_hit, &sc);
}

void risk_vocab_scan(const struct risk_vocab *rv, const char *text, size_t len, const char *author,
                     const char *source, struct risk_marks *out)
{
    memset(out, 0, sizeof *out);
    if (text && len > 0) {
        struct risk_scan *sc = xmalloc(sizeof *sc);
        risk_scan_start(sc, out, text, false);
        ac_scan(rv->ac, text, len, risk_vocab_hit, sc);
        risk_scan_decide(sc);
        free(sc);
    }
    risk_vocab_scan_names(rv, author, source, out);
}

void risk_vocab_scan_names(const struct risk_vocab *rv, const char *author, const char *source,
                           struct risk_marks *marks)
{
    scan_name(rv, author, marks);
    scan_name(rv, source, marks);
}

void risk_marks_merge(struct risk_marks *m, const struct risk_marks *add)
{
    m->categories |= add->categories;
    for (int c = 0; c < N_CATEGORIES; c++) {
        if (add->severity[c] > m->severity[c])
            m->severity[c] = add->severity[c];
    }
    m->local |= add->local;
    m->official |= add->official;
    m->praise |= add->praise;
    m->publicity |= add->publicity;
    m->debunk |= add->debunk;
}

bool risk_vocab_local(const struct risk_vocab *rv, const char *region)
{
    if (!region || !*region)
        return false;
    struct risk_marks m = {0};
    struct risk_scan sc;
    risk_scan_start(&sc, &m, region, false);
    ac_scan(rv->ac, region, strlen(region), risk_vocab_hit, &sc);
    return m.local;
}

const struct ac *risk_vocab_ac(const struct risk_vocab *rv)
{
    return rv ? rv->ac : NULL;
}

/* ---- the score -------------------------------------------------------------- */

/* The indicator families of DB4401/T 12-2023 (媒体传播, 舆论强度, 民意态度,
 * 舆情演变) with the 涉警 content and local relevance beside them. */
enum { IND_CONTENT, IND_ATTITUDE, IND_INTENSITY, IND_MEDIA, IND_EVOLUTION, IND_LOCAL, N_IND };

/* Each indicator's JSON up to its value: the explanation is written for
 * every item `jingyu analyze` reads. */
#define IND_HEAD(name, label) "{\"indicator\":\"" name "\",\"label\":\"" label "\",\"value\":"
static const char *const ind_heads[N_IND] = {
    IND_HEAD("content", "涉警内容"),   IND_HEAD("attitude", "民意态度"),
    IND_HEAD("intensity", "舆论强度"), IND_HEAD("media", "媒体传播"),
    IND_HEAD("evolution", "舆情演变"), IND_HEAD("local", "本地关联"),
};

static const char *const phase_labels[] = {"发生期", "扩散期", "高潮期", "消散期"};

const char *risk_phase_label(enum risk_phase p)
{
    return (unsigned)p <= PHASE_FADING ? phase_labels[p] : phase_labels[0];
}

/* The content value: the most severe category, a denied rumour at a
 * quarter; *top gets that category (-1: none). */
static double content_value(const struct risk_inputs *in, int *top)
{
    double sev = 0;
    *top = -1;
    for (int c = 0; c < N_CATEGORIES; c++) {
        if (!(in->categories & (1u << c)))
            continue;
        double s =
            in->severity && in->severity[c] ? in->severity[c] / 100.0 : categories[c].severity;
        if (c == CAT_RUMOUR && in->debunked)
            s *= 0.25;
        if (s > sev) {
            sev = s;
            *top = c;
        }
    }
    return sev;
}

/* Whether praise, notices and tips make most of the event (and nothing an
 * officer did wrong is in it): then its content never alerts above IV. */
static bool genre_capped(const struct risk_inputs *in)
{
    unsigned police = 1u << CAT_ENFORCEMENT | 1u << CAT_MISCONDUCT;
    return in->items > 0 && !(in->categories & police) && 2 * in->genre >= in->items;
}

/* x to one decimal, always with it (2.0, not 2), without printf. */
static void put_tenths(struct jy_buf *w, double x)
{
    long long t = llround(x * 10);
    if (t < 0) {
        jy_buf_putc(w, '-');
        t = -t;
    }
    jy_buf_json_int(w, t / 10);
    jy_buf_putc(w, '.');
    jy_buf_putc(w, (char)('0' + t % 10));
}

/* One indicator's words in the explanation, put together without printf:
 * the explanation is written for every item `jingyu analyze` reads. */
static void detail_words(struct jy_buf *w, int ind, const struct risk_inputs *in, int items,
                         int volume_full, double velocity, double velocity_base)
{
    switch (ind) {
    case IND_CONTENT: {
        for (int c = 0; c < N_CATEGORIES; c++) {
            if (!(in->categories & (1u << c)))
                continue;
            jy_buf_puts(w, w->len ? "、" : "涉及 ");
            jy_buf_puts(w, categories[c].label);
            if (c == CAT_RUMOUR && in->debunked)
                jy_buf_puts(w, "(已辟谣)");
        }
        if (!w->len)
            jy_buf_puts(w, "未涉及敏感类别");
        if (in->genre > 0) {
            jy_buf_puts(w, "；正面/宣传类 ");
            jy_buf_json_int(w, in->genre);
            jy_buf_puts(w, " 条");
        }
        break;
    }
    case IND_ATTITUDE:
    case IND_LOCAL:
        jy_buf_puts(w, ind == IND_ATTITUDE ? "负面 " : "涉本地 ");
        jy_buf_json_int(w, ind == IND_ATTITUDE ? in->negative : in->local);
        jy_buf_putc(w, '/');
        jy_buf_json_int(w, ind == IND_ATTITUDE ? in->voiced : items);
        jy_buf_puts(w, ind == IND_ATTITUDE ? " 条表态" : " 条");
        break;
    case IND_INTENSITY:
        jy_buf_puts(w, "共 ");
        jy_buf_json_int(w, items);
        jy_buf_puts(w, " 条 (满值 ");
        jy_buf_json_int(w, volume_full);
        jy_buf_puts(w, ")；近1小时 ");
        jy_buf_json_int(w, in->last_hour);
        jy_buf_puts(w, " 条，为前12小时均值 (不低于 ");
        put_tenths(w, velocity_base);
        jy_buf_puts(w, ") 的 ");
        put_tenths(w, velocity);
        if (in->acceleration > 0) {
            jy_buf_puts(w, " 倍，为前1小时的 ");
            put_tenths(w, in->acceleration);
            jy_buf_puts(w, " 倍");
        } else {
            jy_buf_puts(w, " 倍；不足1小时，无加速度");
        }
        break;
    case IND_MEDIA:
        jy_buf_puts(w, "最高 ");
        jy_buf_puts(w, media_level_label(in->top_media));
        jy_buf_puts(w, "；信源 ");
        jy_buf_json_int(w, in->sources);
        jy_buf_puts(w, " 个");
        if (in->official > 0) {
            jy_buf_puts(w, "；官方账号参与 ");
            jy_buf_json_int(w, in->official);
            jy_buf_puts(w, " 条");
        }
        break;
    case IND_EVOLUTION:
        jy_buf_puts(w, risk_phase_label(in->phase));
        break;
    }
}

static double round_to(double x, double unit)
{
    return round(x / unit) * unit;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* A ratio r >= 1 as a share of full on a log scale (1 -> 0, full -> 1). */
static double log_share(double r, double full)
{
    return r <= 1 ? 0 : clamp01(log(r) / log(full));
}

static double media_value(enum media_level m)
{
    switch (m) {
    case MEDIA_CENTRAL:
        return 1.0;
    case MEDIA_PROVINCIAL:
        return 0.75;
    case MEDIA_LOCAL:
        return 0.5;
    case MEDIA_SELF:
        return 0.3;
    case MEDIA_INTERNAL:
        return 0.3;
    case MEDIA_UNKNOWN:
        break;
    }
    return 0.2;
}

static double phase_value(enum risk_phase p)
{
    static const double v[] = {0.5, 1.0, 0.8, 0.2};
    return (unsigned)p <= PHASE_FADING ? v[p] : 0.5;
}

void risk_assess(const struct risk_config *rc, const struct risk_inputs *in, double *score,
                 enum risk_level *level, char **explanation)
{
    /* Defaults stand in for a model left empty (all weights or thresholds 0). */
    double w[N_IND] = {rc->w_content, rc->w_attitude,  rc->w_intensity,
                       rc->w_media,   rc->w_evolution, rc->w_local};
    double wsum = 0;
    for (int i = 0; i < N_IND; i++)
        wsum += w[i] > 0 ? w[i] : 0;
    if (wsum <= 0) {
        const double def[N_IND] = {RISK_DEFAULT_WEIGHTS};
        memcpy(w, def, sizeof w);
        wsum = 100;
    }
    for (int i = 0; i < N_IND; i++)
        w[i] = (w[i] > 0 ? w[i] : 0) * 100.0 / wsum;
    double lmin[4];
    memcpy(lmin, rc->level_min, sizeof lmin);
    if (lmin[0] <= 0 && lmin[1] <= 0 && lmin[2] <= 0 && lmin[3] <= 0) {
        const double def[4] = {RISK_DEFAULT_LEVELS};
        memcpy(lmin, def, sizeof lmin);
    }
    int volume_full = rc->volume_full > 0 ? rc->volume_full : RISK_DEFAULT_VOLUME_FULL;
    double velocity_full = rc->velocity_full > 1 ? rc->velocity_full : RISK_DEFAULT_VELOCITY_FULL;
    double velocity_base = rc->velocity_base >= 1 ? rc->velocity_base : RISK_DEFAULT_VELOCITY_BASE;
    double accel_full =
        rc->acceleration_full > 1 ? rc->acceleration_full : RISK_DEFAULT_ACCELERATION_FULL;
    double major = rc->major_content > 0 ? rc->major_content : RISK_DEFAULT_MAJOR_CONTENT;
    double content_base = clamp01(rc->content_base);

    int items = in->items > 0 ? in->items : 0;
    int top_cat;
    double v[N_IND];
    v[IND_CONTENT] = content_value(in, &top_cat);
    v[IND_ATTITUDE] = in->voiced > 0 ? clamp01((double)in->negative / in->voiced) : 0;
    /* Intensity on log scales that keep ranking far past the first few
     * dozen items: the early-warning question is which story will be big,
     * and a volume that is full at 200 makes every fast story look the same.
     * Velocity measures the last hour against the hours before, but never
     * against less than a background of velocity_base items an hour: a
     * handful of posts is no burst, and from there to a few hundred an hour
     * is where the first hour tells the stories that go far from the rest.
     * An event younger than an hour has no acceleration (its whole life is
     * the last hour); velocity, all there is to go on, takes its share. */
    double volume = clamp01(log1p((double)items) / log1p((double)volume_full));
    double hour_mean = in->hour_mean > velocity_base ? in->hour_mean : velocity_base;
    double velocity_ratio = in->last_hour > 0 ? in->last_hour / hour_mean : 0;
    double velocity = log_share(velocity_ratio, velocity_full);
    if (in->acceleration > 0)
        v[IND_INTENSITY] =
            0.6 * volume + 0.2 * velocity + 0.2 * log_share(in->acceleration, accel_full);
    else
        v[IND_INTENSITY] = 0.6 * volume + 0.4 * velocity;
    /* Content weighs with the spread: what few have seen counts less, so
     * the first hour's score ranks stories by how far they are going and
     * not by the words of their first post. */
    double content = v[IND_CONTENT];
    v[IND_CONTENT] = content * (content_base + (1 - content_base) * volume);
    double reach = media_value(in->top_media);
    if (in->official > 0 && reach < 0.6)
        reach = 0.6;
    reach += in->sources > 1 ? 0.1 * log2((double)in->sources) : 0;
    v[IND_MEDIA] = clamp01(reach);
    v[IND_EVOLUTION] = phase_value(in->phase);
    v[IND_LOCAL] = items ? clamp01((double)in->local / items) : 0;

    /* What the content allows: I and II need a serious matter (volume alone
     * never makes one), praise, notices and tips stay at IV. */
    enum risk_level cap = LEVEL_I;
    if (genre_capped(in) && content < major)
        cap = LEVEL_IV;
    else if (content < major)
        cap = LEVEL_III;

    double total = 0;
    struct jy_buf b, words; /* the explanation; one indicator's words */
    jy_buf_init(&b, 0);
    jy_buf_init(&words, 0);
    if (explanation) {
        jy_buf_reserve(&b, 1024); /* six indicators: about 800 bytes */
        jy_buf_putc(&b, '[');
    }
    for (int i = 0; i < N_IND; i++) {
        double points = round_to(v[i] * w[i], 0.1);
        total += points;
        if (!explanation)
            continue;
        if (i)
            jy_buf_putc(&b, ',');
        jy_buf_puts(&b, ind_heads[i]);
        jy_buf_json_num(&b, v[i], 2);
        jy_buf_puts(&b, ",\"weight\":");
        jy_buf_json_num(&b, w[i], 1);
        jy_buf_puts(&b, ",\"points\":");
        jy_buf_json_num(&b, points, 1);
        jy_buf_puts(&b, ",\"detail\":");
        words.len = 0;
        detail_words(&words, i, in, items, volume_full, velocity_ratio, velocity_base);
        jy_buf_json_str(&b, words.data);
        jy_buf_putc(&b, '}');
    }
    total = round_to(total, 0.1);
    if (total > 100)
        total = 100;
    /* A capped event's score stays under the next level up, and the
     * explanation says so, so that what the officer reads still adds up.
     * It bends towards the ceiling rather than stopping at it: the last
     * CAP_SOFT points below the ceiling take ever more of the uncapped
     * score, so that capped events still rank by it (a notice that spreads
     * to thousands above one that a few saw) and do not all tie at 49.9. */
    double ceiling = cap == LEVEL_I ? 100 : round_to(lmin[cap - 2] - 0.1, 0.1);
    double knee = ceiling - CAP_SOFT;
    double over = cap != LEVEL_I ? total - knee : 0;
    double bent = round_to(knee + CAP_SOFT * over / (over + CAP_SOFT_SCALE), 0.1);
    if (bent > ceiling)
        bent = ceiling;
    double cut = over > 0 ? round_to(bent - total, 0.1) : 0;
    if (cut < 0) {
        if (explanation) {
            jy_buf_puts(&b, ",{\"indicator\":\"cap\",\"label\":\"定级上限\",\"value\":");
            jy_buf_json_int(&b, cap);
            jy_buf_puts(&b, ",\"weight\":0,\"points\":");
            jy_buf_json_num(&b, cut, 1);
            jy_buf_puts(&b, ",\"detail\":");
            jy_buf_json_str(&b, cap == LEVEL_IV ? "正面事迹/警务宣传为主，内容不超过IV级"
                                                : "未涉及严重涉警内容，仅凭声量不定I、II级");
            jy_buf_putc(&b, '}');
        }
        total = round_to(total + cut, 0.1);
    }
    *score = total;
    *level = LEVEL_NONE;
    for (int l = 0; l < 4; l++) {
        /* A small tolerance: the score is a sum of tenths in floating point. */
        if (total + 1e-9 >= lmin[l]) {
            *level = (enum risk_level)(LEVEL_I + l);
            break;
        }
    }
    if (explanation) {
        jy_buf_putc(&b, ']');
        *explanation = jy_buf_steal(&b);
    }
    jy_buf_free(&words);
}
