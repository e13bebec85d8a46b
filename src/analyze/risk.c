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
    [CAT_ENFORCEMENT] = {"enforcement", "执法争议", 0.9},
    [CAT_MISCONDUCT] = {"misconduct", "民警违纪", 0.9},
    [CAT_RUMOUR] = {"rumour", "警情谣言", 0.7},
    [CAT_ASSAULT] = {"assault", "袭警/民警受伤", 1.0},
    [CAT_MAJOR_CASE] = {"major_case", "重大案事件", 1.0},
    [CAT_MINORS] = {"minors", "涉未成年人", 0.8},
    [CAT_WINDOW] = {"window", "窗口投诉", 0.5},
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

enum { VAL_LOCAL = 100, VAL_OFFICIAL = 101 };

/* An @mention name is at most this many characters before the marker. */
#define MENTION_MAX 30

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

/* Adds every term of DATADIR/risk/NAME.txt (one a line, # comments). */
static int vocab_load_file(struct risk_vocab *rv, struct normalizer *nz, const char *datadir,
                           const char *name, int32_t value, struct jy_error *err)
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
        vocab_add(rv, nz, line, (size_t)(end - line), value);
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
    ac_add(rv->ac, t, len, VAL_LOCAL);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && memcmp(t + len - sl, suffixes[i], sl) == 0) {
            size_t chars = 0;
            for (size_t k = 0; k < len - sl; k++)
                chars += ((unsigned char)t[k] & 0xc0) != 0x80;
            if (chars >= 2)
                ac_add(rv->ac, t, len - sl, VAL_LOCAL);
            break;
        }
    }
    free(t);
}

int risk_vocab_check(const char *datadir, const struct config *cfg, struct jy_error *err)
{
    for (int c = 0; c <= N_CATEGORIES; c++) {
        if (c == N_CATEGORIES && cfg->analysis.risk.n_official_words > 0)
            break; /* official.txt is read only when the config names none */
        char *path = xasprintf("%s/risk/%s.txt", datadir,
                               c < N_CATEGORIES ? categories[c].file : "official");
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
        if ((rc = vocab_load_file(rv, nz, datadir, categories[c].file, c, err))) {
            risk_vocab_free(rv);
            return rc;
        }
    }
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
            vocab_add(rv, nz, w, strlen(w), VAL_OFFICIAL);
        }
    } else if ((rc = vocab_load_file(rv, nz, datadir, "official", VAL_OFFICIAL, err))) {
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
    (void)end;
    (void)cstart;
    (void)cend;
    struct risk_scan *sc = ctx;
    if (value == VAL_OFFICIAL) {
        if (sc->names_only || in_mention(sc->text, start))
            sc->m->official = true;
    } else if (sc->names_only) {
        /* a region or category word in a name says nothing */
    } else if (value == VAL_LOCAL) {
        sc->m->local = true;
    } else if (value >= 0 && value < N_CATEGORIES) {
        sc->m->categories |= 1u << value;
    }
    return true;
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
    struct risk_scan sc = {m, buf, true};
    ac_scan(rv->ac, buf, n, risk_vocab_hit, &sc);
}

void risk_vocab_scan(const struct risk_vocab *rv, const char *text, size_t len, const char *author,
                     const char *source, struct risk_marks *out)
{
    memset(out, 0, sizeof *out);
    if (text && len > 0) {
        struct risk_scan sc = {out, text, false};
        ac_scan(rv->ac, text, len, risk_vocab_hit, &sc);
    }
    risk_vocab_scan_names(rv, author, source, out);
}

void risk_vocab_scan_names(const struct risk_vocab *rv, const char *author, const char *source,
                           struct risk_marks *marks)
{
    scan_name(rv, author, marks);
    scan_name(rv, source, marks);
}

const struct ac *risk_vocab_ac(const struct risk_vocab *rv)
{
    return rv ? rv->ac : NULL;
}

/* ---- the score -------------------------------------------------------------- */

enum {
    IND_NEGATIVE,
    IND_SENSITIVE,
    IND_MEDIA,
    IND_VELOCITY,
    IND_VOLUME,
    IND_LOCAL,
    IND_OFFICIAL,
    N_IND
};

/* Each indicator's JSON up to its value: the explanation is written for
 * every item `jingyu analyze` reads. */
#define IND_HEAD(name, label) "{\"indicator\":\"" name "\",\"label\":\"" label "\",\"value\":"
static const char *const ind_heads[N_IND] = {
    IND_HEAD("negative", "负面占比"), IND_HEAD("sensitive", "敏感类别"),
    IND_HEAD("media", "媒体级别"),    IND_HEAD("velocity", "传播速度"),
    IND_HEAD("volume", "信息量"),     IND_HEAD("local", "本地关联"),
    IND_HEAD("official", "官方账号"),
};

/* One indicator's words in the explanation, put together without printf
 * (but the one %.1f): the explanation is written for every item `jingyu
 * analyze` reads. */
static void detail_words(struct jy_buf *w, int ind, const struct risk_inputs *in, int items,
                         int volume_full)
{
    switch (ind) {
    case IND_NEGATIVE:
    case IND_LOCAL:
        jy_buf_puts(w, ind == IND_NEGATIVE ? "负面 " : "涉本地 ");
        jy_buf_json_int(w, ind == IND_NEGATIVE ? in->negative : in->local);
        jy_buf_putc(w, '/');
        jy_buf_json_int(w, items);
        jy_buf_puts(w, " 条");
        break;
    case IND_SENSITIVE:
        for (int c = 0; c < N_CATEGORIES; c++) {
            if (!(in->categories & (1u << c)))
                continue;
            jy_buf_puts(w, w->len ? "、" : "涉及 ");
            jy_buf_puts(w, categories[c].label);
        }
        if (!w->len)
            jy_buf_puts(w, "未涉及敏感类别");
        break;
    case IND_MEDIA:
        jy_buf_puts(w, "最高 ");
        jy_buf_puts(w, media_level_label(in->top_media));
        break;
    case IND_VELOCITY:
        jy_buf_printf(w, "近1小时为前12小时均值的 %.1f 倍", in->velocity);
        break;
    case IND_VOLUME:
        jy_buf_puts(w, "共 ");
        jy_buf_json_int(w, items);
        jy_buf_puts(w, " 条 (满值 ");
        jy_buf_json_int(w, volume_full);
        jy_buf_puts(w, " 条)");
        break;
    case IND_OFFICIAL:
        if (in->official > 0) {
            jy_buf_puts(w, "官方账号参与 ");
            jy_buf_json_int(w, in->official);
            jy_buf_puts(w, " 条");
        } else {
            jy_buf_puts(w, "无官方账号参与");
        }
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

void risk_assess(const struct risk_config *rc, const struct risk_inputs *in, double *score,
                 enum risk_level *level, char **explanation)
{
    /* Defaults stand in for a model left empty (all weights or thresholds 0). */
    double w[N_IND] = {rc->w_negative, rc->w_sensitive, rc->w_media,   rc->w_velocity,
                       rc->w_volume,   rc->w_local,     rc->w_official};
    double wsum = 0;
    for (int i = 0; i < N_IND; i++)
        wsum += w[i] > 0 ? w[i] : 0;
    if (wsum <= 0) {
        const double def[N_IND] = {20, 25, 15, 15, 10, 10, 5};
        memcpy(w, def, sizeof w);
        wsum = 100;
    }
    for (int i = 0; i < N_IND; i++)
        w[i] = (w[i] > 0 ? w[i] : 0) * 100.0 / wsum;
    double lmin[4];
    memcpy(lmin, rc->level_min, sizeof lmin);
    if (lmin[0] <= 0 && lmin[1] <= 0 && lmin[2] <= 0 && lmin[3] <= 0) {
        const double def[4] = {80, 60, 40, 25};
        memcpy(lmin, def, sizeof lmin);
    }
    int volume_full = rc->volume_full > 0 ? rc->volume_full : 50;
    double velocity_full = rc->velocity_full > 1 ? rc->velocity_full : 6;

    int items = in->items > 0 ? in->items : 0;
    double v[N_IND];
    v[IND_NEGATIVE] = items ? clamp01((double)in->negative / items) : 0;
    double sev = 0;
    for (int c = 0; c < N_CATEGORIES; c++) {
        if ((in->categories & (1u << c)) && categories[c].severity > sev)
            sev = categories[c].severity;
    }
    v[IND_SENSITIVE] = sev;
    v[IND_MEDIA] = media_value(in->top_media);
    v[IND_VELOCITY] = in->velocity <= 1 ? 0 : clamp01((in->velocity - 1) / (velocity_full - 1));
    v[IND_VOLUME] = clamp01(log1p((double)items) / log1p((double)volume_full));
    v[IND_LOCAL] = items ? clamp01((double)in->local / items) : 0;
    v[IND_OFFICIAL] = in->official > 0 ? 1 : 0;

    double total = 0;
    struct jy_buf b, words; /* the explanation; one indicator's words */
    jy_buf_init(&b, 0);
    jy_buf_init(&words, 0);
    if (explanation) {
        jy_buf_reserve(&b, 1024); /* seven indicators: about 700 bytes */
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
        detail_words(&words, i, in, items, volume_full);
        jy_buf_json_str(&b, words.data);
        jy_buf_putc(&b, '}');
    }
    total = round_to(total, 0.1);
    if (total > 100)
        total = 100;
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
