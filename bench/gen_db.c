/* gen_db: builds the large database the search and console benchmarks run
 * on. It stores N items of about 200 Chinese characters across 50 sources
 * through the store API (store_fetch_record, a few thousand items per call),
 * then indexes them all with store_index_step, printing rows/s for each
 * phase. It also picks the search terms: the most and a little used
 * one-, two- and four-character terms of the base texts, a character they
 * never use, and a Latin letter before a common character ("x警", the
 * kind the bigrams cannot answer), and counts how many stored items
 * contain each, so the search figures say what they searched.
 *
 *   gen_db DB N TERMS_FILE [CONFIG]
 *
 * DB is replaced; TERMS_FILE gets the terms and the timings, KEY=VALUE lines.
 * With CONFIG (a jingyu configuration: its schemes and risk model), every
 * item is analysed as the collector would store it, so the database also
 * holds events with their state, alerts and analysis rows: the store a
 * county has after months of collecting, which the console's board reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "config/config.h"
#include "store/store.h"
#include "text.h"

#define N_SOURCES 50
#define BATCH 5000
#define INDEX_BATCH 20000
#define ITEM_CHARS 200

/* ---- picking terms: document frequency of CJK 2- and 4-grams ------------ */

struct gram {
    uint64_t key; /* 0 = empty slot */
    uint32_t df;
    uint32_t last_doc;
    uint32_t doc, off; /* first occurrence, to spell it */
};

struct gram_table {
    struct gram *slots;
    size_t mask;
};

static bool cjk_common(uint32_t cp)
{
    return cp >= 0x4E00 && cp <= 0x9FFF;
}

static struct gram *gram_find(struct gram_table *t, uint64_t key)
{
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & t->mask;
    while (t->slots[h].key && t->slots[h].key != key)
        h = (h + 1) & t->mask;
    return &t->slots[h];
}

/* Keys pack 15-bit offsets from U+4E00 with the length in the top bits. */
static void grams_count(const struct bench_text *bt, struct gram_table *t)
{
    t->mask = (1u << 23) - 1;
    t->slots = xcalloc(t->mask + 1, sizeof *t->slots);
    size_t used = 0;
    for (size_t d = 0; d < bt->n && used < t->mask / 2; d++) {
        const char *s = bt->texts[d];
        size_t len = strlen(s), i = 0;
        uint32_t win[4];
        uint32_t offs[4];
        int run = 0;
        while (i < len) {
            uint32_t cp;
            size_t at = i;
            i += utf8_decode(s + i, len - i, &cp);
            if (!cjk_common(cp)) {
                run = 0;
                continue;
            }
            memmove(win, win + 1, 3 * sizeof *win);
            memmove(offs, offs + 1, 3 * sizeof *offs);
            win[3] = cp - 0x4E00;
            offs[3] = (uint32_t)at;
            run++;
            for (int g = 1; g <= 4; g *= 2) {
                if (run < g)
                    continue;
                uint64_t key = (uint64_t)g << 60;
                for (int k = 4 - g; k < 4; k++)
                    key |= (uint64_t)win[k] << (15 * (3 - k));
                struct gram *e = gram_find(t, key);
                if (!e->key) {
                    e->key = key;
                    e->doc = (uint32_t)d;
                    e->off = offs[4 - g];
                    e->last_doc = UINT32_MAX;
                    used++;
                }
                if (e->last_doc != (uint32_t)d) {
                    e->df++;
                    e->last_doc = (uint32_t)d;
                }
            }
        }
    }
}

static char *gram_spell(const struct bench_text *bt, const struct gram *e)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    bench_text_append_cps(&b, bt->texts[e->doc] + e->off, (size_t)(e->key >> 60));
    return jy_buf_steal(&b);
}

/* The most used gram of length g, and one used in exactly rare_df texts
 * (the first such in text order after the first tenth, so it is not always
 * from the oldest posts). */
static void grams_pick(const struct bench_text *bt, struct gram_table *t, int g, uint32_t rare_df,
                       char **common, char **rare)
{
    struct gram *best = NULL, *pick = NULL;
    for (size_t h = 0; h <= t->mask; h++) {
        struct gram *e = &t->slots[h];
        if (!e->key || (int)(e->key >> 60) != g)
            continue;
        if (!best || e->df > best->df)
            best = e;
        if (e->df == rare_df && e->doc >= bt->n / 10 &&
            (!pick || e->doc < pick->doc || (e->doc == pick->doc && e->off < pick->off)))
            pick = e;
    }
    static const char *const common_default[] = {"", "警", "警方", "", "警方通报"};
    static const char *const rare_default[] = {"", "鑫", "锦旗", "", "归还失主"};
    *common = best ? gram_spell(bt, best) : xstrdup(common_default[g]);
    *rare = pick ? gram_spell(bt, pick) : xstrdup(rare_default[g]);
}

/* A common CJK character no base text uses (the first from U+7000 up). */
static char *gram_absent(struct gram_table *t)
{
    for (uint32_t cp = 0x7000; cp <= 0x9FA5; cp++) {
        struct gram *e = gram_find(t, ((uint64_t)1 << 60) | (cp - 0x4E00));
        if (!e->key) {
            char s[8];
            s[utf8_encode(cp, s)] = 0;
            return xstrdup(s);
        }
    }
    return xstrdup("鱻");
}

/* ---- generating ---------------------------------------------------------- */

static double secs_since(int64_t t0)
{
    return (double)(jy_mono_ms() - t0) / 1000.0;
}

static int die(const char *what, const struct jy_error *err)
{
    fprintf(stderr, "gen_db: %s: %s\n", what, err->msg);
    return 1;
}

static void remove_db(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        char *p = xasprintf("%s%s", path, sfx[i]);
        unlink(p);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: gen_db DB N TERMS_FILE [CONFIG]\n");
        return 2;
    }
    const char *db = argv[1], *terms_path = argv[3];
    size_t n_items = strtoull(argv[2], NULL, 10);
    struct bench_text bt;
    bench_text_load(&bt, 12000);
    printf("gen_db: %zu items of ~%d characters from %s\n", n_items, ITEM_CHARS, bt.source);

    struct gram_table gt;
    grams_count(&bt, &gt);
#define N_TERMS 8
    char *terms[N_TERMS]; /* common2, rare2, common4, rare4, common1, rare1, absent1, mixed */
    grams_pick(&bt, &gt, 2, 2, &terms[0], &terms[1]);
    grams_pick(&bt, &gt, 4, 2, &terms[2], &terms[3]);
    grams_pick(&bt, &gt, 1, 2, &terms[4], &terms[5]);
    terms[6] = gram_absent(&gt);
    terms[7] = xstrdup("x警");
    free(gt.slots);
    size_t counts[N_TERMS] = {0};

    remove_db(db);
    struct jy_error err = {0};
    struct store *st;
    if (store_open(db, &st, &err))
        return die("open", &err);
    struct config *cfg = NULL;
    struct analyzer *an = NULL;
    if (argc == 5) {
        if (config_load(argv[4], &cfg, &err) || analyzer_new(cfg, &an, &err) ||
            store_set_analyzer(st, an, &cfg->analysis, &err))
            return die("analyzer", &err);
        printf("gen_db: every item analysed with the schemes and risk model of %s\n", argv[4]);
    }
    int64_t src_ids[N_SOURCES];
    for (int s = 0; s < N_SOURCES; s++) {
        char name[32], url[64];
        snprintf(name, sizeof name, "bench-%02d", s);
        snprintf(url, sizeof url, "http://127.0.0.1:1/bench/%02d.xml", s);
        struct source_config sc = {
            .name = name, .type = SOURCE_FEED, .url = url, .interval = 300, .enabled = true};
        if (store_source_sync(st, &sc, &src_ids[s], &err))
            return die("source", &err);
    }

    /* published times spread over the last 60 days, oldest first, so the
     * feed order and the id order agree as they do in real collection */
    int64_t now = jy_now(), span = 60 * 86400;
    struct feed_item *items = xcalloc(BATCH, sizeof *items);
    struct jy_buf title, content;
    jy_buf_init(&title, 0);
    jy_buf_init(&content, 0);
    int64_t t0 = jy_mono_ms();
    double gen_secs = 0;
    size_t done = 0, calls = 0;
    while (done < n_items) {
        int64_t tg = jy_mono_ms();
        size_t k = n_items - done < BATCH ? n_items - done : BATCH;
        for (size_t j = 0; j < k; j++) {
            size_t i = done + j;
            bench_text_item(&bt, i, ITEM_CHARS, &title, &content);
            for (int t = 0; t < N_TERMS; t++)
                if (strstr(title.data, terms[t]) || strstr(content.data, terms[t]))
                    counts[t]++;
            struct feed_item *it = &items[j];
            it->guid = xasprintf("gen-%zu", i);
            it->link = xasprintf("https://news.example.invalid/%zu.html", i);
            it->title = jy_buf_steal(&title);
            it->author = xasprintf("用户%zu", i % 5000);
            it->content = jy_buf_steal(&content);
            it->published = now - span + (int64_t)((double)span * (double)i / (double)n_items);
            it->has_date = true;
        }
        gen_secs += secs_since(tg);
        struct fetch_result r = {
            .ok = true, .http_status = 200, .items = items, .n_items = k, .next_due = now + 300};
        size_t inserted = 0;
        if (store_fetch_record(st, src_ids[calls % N_SOURCES], &r, now, &inserted, &err))
            return die("insert", &err);
        if (inserted != k)
            fprintf(stderr, "gen_db: batch stored %zu of %zu items\n", inserted, k);
        for (size_t j = 0; j < k; j++)
            feed_item_clear(&items[j]);
        done += k;
        calls++;
        if (calls % 40 == 0)
            fprintf(stderr, "  inserted %zu / %zu (%.0f s)\n", done, n_items, secs_since(t0));
    }
    double ins_secs = secs_since(t0) - gen_secs;
    printf("insert: %zu rows in %.1f s of store_fetch_record (%zu calls of <= %d) = %.0f rows/s"
           " (text building %.1f s excluded)\n",
           n_items, ins_secs, calls, BATCH, (double)n_items / ins_secs, gen_secs);

    int64_t t1 = jy_mono_ms();
    size_t indexed = 0;
    int step;
    do {
        if (store_index_step(st, INDEX_BATCH, &step, &err))
            return die("index", &err);
        indexed += (size_t)step;
        if (step && (indexed / INDEX_BATCH) % 10 == 0)
            fprintf(stderr, "  indexed %zu / %zu (%.0f s)\n", indexed, n_items, secs_since(t1));
    } while (step > 0);
    double idx_secs = secs_since(t1);
    int64_t pending = -1;
    store_index_lag(st, &pending, NULL, &err);
    printf("index: %zu rows in %.1f s of store_index_step(%d) = %.0f rows/s; lag after: %lld\n",
           indexed, idx_secs, INDEX_BATCH, (double)indexed / idx_secs, (long long)pending);
    store_close(st);
    analyzer_free(an);
    config_free(cfg);

    FILE *f = fopen(terms_path, "w");
    if (!f) {
        perror(terms_path);
        return 1;
    }
    static const char *const names[N_TERMS] = {"common2", "rare2", "common4", "rare4",
                                               "common1", "rare1", "absent1", "mixed"};
    for (int t = 0; t < N_TERMS; t++) {
        fprintf(f, "TERM_%s='%s'\nCOUNT_%s=%zu\n", names[t], terms[t], names[t], counts[t]);
        printf("term %-8s %s in %zu items\n", names[t], terms[t], counts[t]);
        free(terms[t]);
    }
    fprintf(f,
            "GEN_ITEMS=%zu\nGEN_INSERT_S=%.1f\nGEN_INSERT_RPS=%.0f\nGEN_INDEX_S=%.1f\n"
            "GEN_INDEX_RPS=%.0f\nGEN_TEXT='%s'\nGEN_SCHEMA=%d\nGEN_ANALYSED=%s\n",
            n_items, ins_secs, (double)n_items / ins_secs, idx_secs, (double)indexed / idx_secs,
            bt.from_corpus ? "corpus" : "generated", STORE_SCHEMA_VERSION, an ? "yes" : "no");
    fclose(f);
    free(items);
    jy_buf_free(&title);
    jy_buf_free(&content);
    bench_text_free(&bt);
    return 0;
}
