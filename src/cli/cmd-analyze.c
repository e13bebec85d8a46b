/* cmd-analyze.c: the analysis subcommands.
 *
 *   jingyu analyze [--db FILE] < items.jsonl     one JSON line out per item in
 *   jingyu scheme test 'EXPR' < items.jsonl      which items an expression matches
 *   jingyu train FILE.jsonl [--db FILE] [--holdout N]
 *   jingyu train --grading-labels [--fit] [--db FILE]  (cmd-train-grading.c)
 *
 * analyze touches no database unless --db names one: then it reads its
 * trained model, and with --store stores each item as the collector would.
 * Output order is input order. Input lines are read by jy_json_pick (no
 * tree per line) and output lines written straight into a buffer: at tens
 * of thousands of lines a second, both cost as much as parts of the
 * analysis. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "collect/collect.h"
#include "incident/incident.h"
#include "parse/parse.h"
#include "store/store.h"

/* The members of an input line that analyze reads. */
enum { K_ID, K_TITLE, K_TEXT, K_PUBLISHED, K_SOURCE, K_AUTHOR, K_MEDIA, K_REGION, N_ITEM_KEYS };
static const char *const item_keys[N_ITEM_KEYS] = {
    "id", "title", "text", "published", "source", "author", "media_level", "region",
};

static const char *json_str(const struct jy_jval *v)
{
    return v->type == JY_J_STRING ? v->str : NULL;
}

static int64_t json_time(const struct jy_jval *v)
{
    int64_t t = 0;
    if (v->type == JY_J_INT)
        return v->i;
    if (v->type == JY_J_STRING && parse_date(v->str, &t) == 0)
        return t;
    return 0;
}

static enum media_level json_media(const struct jy_jval *v)
{
    const char *s = json_str(v);
    for (int m = MEDIA_CENTRAL; s && m <= MEDIA_INTERNAL; m++)
        if (strcmp(s, media_level_name((enum media_level)m)) == 0 ||
            strcmp(s, media_level_label((enum media_level)m)) == 0)
            return (enum media_level)m;
    return MEDIA_UNKNOWN;
}

/* ---- the input, read and analysed ahead ----------------------------------
 *
 * analyze's input goes through an intake: a second thread (the lane) reads
 * lines in batches, picks their members and makes each item's text
 * analysis (analyzer_text: what the item's own words decide) with an
 * analyzer of its own, while the main thread takes the items in input
 * order, does what needs the items before them (near-duplicates, events,
 * risk), stores and writes them. An item's text analysis is claimed once,
 * by whichever thread comes to it first: the main thread makes those the
 * lane has not reached itself rather than wait (and reads when the lane
 * has not), so both cores stay busy whichever part is the slower. Text results do not depend on who
 * makes them, nor on what was made before (the analyzers' memos only save work), so the output is
 * the same as on one thread. With one thread (--threads 1, or when no thread can be started) the
 * main thread reads and analyses everything itself. */
#define INTAKE_BATCH 64                /* lines read at once */
#define INTAKE_AHEAD 8                 /* batches read ahead of the main thread, at most */
#define INTAKE_AHEAD_BYTES (16u << 20) /* and the bytes of their lines */

enum { ITEM_WAITING, ITEM_LANE, ITEM_READY, ITEM_MAIN }; /* who makes its text analysis */

struct intake_item {
    char *line; /* owned; v's strings point into it */
    size_t len;
    bool too_long, object;
    struct jy_jval v[N_ITEM_KEYS];
    atomic_int state;
    struct an_text *pre; /* made by the lane (ITEM_READY), or NULL */
};

struct intake_batch {
    struct intake_item item[INTAKE_BATCH];
    size_t n, bytes;
    size_t scan; /* items before it the lane has tried to claim (under mu) */
    struct intake_batch *next;
};

struct intake {
    struct line_reader *lr;
    const struct config *cfg;
    char *model; /* the sentiment model both analyzers use, or NULL */
    size_t model_len;
    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* a batch read, an item made, room made, or stop */
    struct intake_batch *head; /* the main thread's batch; the queue from there */
    struct intake_batch *tail; /* the last batch read */
    size_t n_batches, bytes;   /* queued */
    bool eof, stop;
    bool reading;               /* one thread reads at a time */
    struct intake_batch *spent; /* done with by the main thread, for the lane to free */
    struct analyzer *an;        /* the lane's, or NULL when it analyses nothing */
    struct intake_batch *cur;   /* the main thread's batch (the head once taken), */
    size_t next;                /* and its next item there */
};

static struct an_item intake_item_text(const struct intake_item *it)
{
    return (struct an_item){
        .title = json_str(&it->v[K_TITLE]),
        .text = json_str(&it->v[K_TEXT]),
        .media_level = json_media(&it->v[K_MEDIA]),
    };
}

/* Reads up to INTAKE_BATCH lines into a new batch, members picked; NULL at
 * the end of the input. */
static struct intake_batch *intake_read_batch(struct line_reader *lr)
{
    struct intake_batch *b = NULL;
    char *line;
    size_t len;
    bool too_long;
    while ((!b || b->n < INTAKE_BATCH) && (line = cli_read_line(lr, &len, &too_long))) {
        if (!b)
            b = xcalloc(1, sizeof *b);
        struct intake_item *it = &b->item[b->n++];
        it->line = xmalloc(len + 1);
        memcpy(it->line, line, len + 1);
        it->len = len;
        it->too_long = too_long;
        it->object =
            !too_long && len > 0 && jy_json_pick(it->line, len, item_keys, N_ITEM_KEYS, it->v) == 0;
        atomic_init(&it->state, ITEM_WAITING);
        b->bytes += len;
    }
    return b;
}

/* Frees a list of batches. */
static void intake_batches_free(struct intake_batch *b)
{
    while (b) {
        struct intake_batch *next = b->next;
        for (size_t i = 0; i < b->n; i++) {
            free(b->item[i].line);
            an_text_free(b->item[i].pre);
        }
        free(b);
        b = next;
    }
}

/* Under mu: the batch read goes to the end of the queue (NULL: the input
 * ended). */
static void intake_append(struct intake *f, struct intake_batch *b)
{
    if (!b) {
        f->eof = true;
    } else {
        if (f->tail)
            f->tail->next = b;
        else
            f->head = b;
        f->tail = b;
        f->n_batches++;
        f->bytes += b->bytes;
    }
    pthread_cond_broadcast(&f->cv);
}

/* Under mu: an item nobody has claimed, now the lane's; NULL when every
 * item read is claimed. The lane takes the first unclaimed item of the
 * newest batch that has one, the main thread the oldest items, each
 * making those the other has not reached: they meet only when all that was
 * read is made, so the main thread seldom waits for an item the lane is
 * making, and does the text analysis of as many items as it has time for. */
static struct intake_item *intake_lane_claim(struct intake *f)
{
    for (;;) {
        struct intake_batch *newest = NULL;
        for (struct intake_batch *b = f->head; b; b = b->next) {
            if (b->scan < b->n)
                newest = b;
        }
        if (!newest)
            return NULL;
        while (newest->scan < newest->n) {
            struct intake_item *it = &newest->item[newest->scan++];
            int waiting = ITEM_WAITING;
            if (it->object && atomic_compare_exchange_strong(&it->state, &waiting, ITEM_LANE))
                return it;
        }
    }
}

/* Under mu (or on one thread): reads the next batch into the queue, mu let
 * go meanwhile; the one who reads is the only one who does. */
static void intake_read_locked(struct intake *f)
{
    f->reading = true;
    if (f->threaded)
        pthread_mutex_unlock(&f->mu);
    struct intake_batch *b = intake_read_batch(f->lr);
    if (f->threaded)
        pthread_mutex_lock(&f->mu);
    f->reading = false;
    intake_append(f, b);
}

static bool intake_room(const struct intake *f)
{
    return !f->eof && !f->reading && f->n_batches < INTAKE_AHEAD && f->bytes < INTAKE_AHEAD_BYTES;
}

static void *intake_lane(void *arg)
{
    struct intake *f = arg;
    struct jy_error err = {0};
    /* Without an analyzer (its failure is the main thread's to report: it
     * makes one from the same configuration) the lane only reads. */
    if (analyzer_new(f->cfg, &f->an, &err) == 0) {
        analyzer_keep_state(f->an, false);
        if (f->model && analyzer_set_model(f->an, f->model, f->model_len, &err) != 0) {
            analyzer_free(f->an);
            f->an = NULL;
        }
    }
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        /* Reading comes first: a tenth of the work of analysing, and what
         * is read the main thread may analyse too. */
        if (intake_room(f)) {
            intake_read_locked(f);
            continue;
        }
        if (f->spent) {
            /* the main thread is done with them, and the lane makes none
             * of their items now: freed here, where their memory came from */
            struct intake_batch *list = f->spent;
            f->spent = NULL;
            pthread_mutex_unlock(&f->mu);
            intake_batches_free(list);
            pthread_mutex_lock(&f->mu);
            continue;
        }
        struct intake_item *it = f->an ? intake_lane_claim(f) : NULL;
        if (!it) {
            if (f->eof)
                break; /* all read, all claimed */
            pthread_cond_wait(&f->cv, &f->mu);
            continue;
        }
        pthread_mutex_unlock(&f->mu);
        struct an_item in = intake_item_text(it);
        struct an_text *t = NULL;
        if (analyzer_text(f->an, &in, &t, &err) != 0)
            t = NULL; /* the main thread makes it again, and says why */
        pthread_mutex_lock(&f->mu);
        it->pre = t;
        atomic_store(&it->state, ITEM_READY);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static struct intake *intake_new(FILE *in, const struct config *cfg, const char *model,
                                 size_t model_len, int threads)
{
    struct intake *f = xcalloc(1, sizeof *f);
    f->lr = cli_line_reader_new(in);
    f->cfg = cfg;
    if (model) {
        f->model = xmalloc(model_len ? model_len : 1);
        memcpy(f->model, model, model_len);
        f->model_len = model_len;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->threaded = threads > 1 && pthread_create(&f->thread, NULL, intake_lane, f) == 0;
    return f;
}

static void intake_free(struct intake *f)
{
    if (!f)
        return;
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL); /* it may finish reading a batch first */
    }
    intake_batches_free(f->head);
    intake_batches_free(f->spent);
    analyzer_free(f->an); /* after the results whose terms are its strings */
    cli_line_reader_free(f->lr);
    free(f->model);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* The next input item in order, NULL at the end; good until the next
 * call. The main thread never waits for the lane's analysis of an item:
 * one the lane is still making, it makes too (on a busy machine the lane
 * may be off the processor for a while), and the lane's is thrown away.
 * Batches done with go back to the lane (spent), which frees them with the
 * text results it made and the main thread gave back (an_text_give_back):
 * memory freed on the thread that allocated it costs glibc's malloc less,
 * and the lane cannot free a batch while it makes one of its items. */
static struct intake_item *intake_next(struct intake *f)
{
    if (!f->cur || f->next == f->cur->n) {
        if (f->threaded)
            pthread_mutex_lock(&f->mu);
        struct intake_batch *done = f->cur; /* the head */
        if (done) {
            f->head = done->next;
            if (!f->head)
                f->tail = NULL;
            f->n_batches--;
            f->bytes -= done->bytes;
            done->next = NULL;
            if (f->threaded) { /* for the lane to free */
                done->next = f->spent;
                f->spent = done;
                done = NULL;
            }
        }
        while (!f->head && !f->eof) {
            if (!f->reading)
                intake_read_locked(f);
            else
                pthread_cond_wait(&f->cv, &f->mu);
        }
        if (f->threaded)
            pthread_cond_broadcast(&f->cv); /* room for the lane to read */
        f->cur = f->head;
        f->next = 0;
        if (f->threaded)
            pthread_mutex_unlock(&f->mu);
        intake_batches_free(done);
        if (!f->cur)
            return NULL;
    }
    struct intake_item *it = &f->cur->item[f->next++];
    int waiting = ITEM_WAITING;
    if (it->object)
        atomic_compare_exchange_strong(&it->state, &waiting, ITEM_MAIN);
    return it;
}

/* The item's text analysis as the lane made it, or NULL: the caller's to
 * make. */
static struct an_text *intake_pre(const struct intake_item *it)
{
    return atomic_load(&it->state) == ITEM_READY ? it->pre : NULL;
}

/* The output line of one item, written straight into b (a jansson tree per
 * item would cost more than the analysis). ev is the item's event, or NULL;
 * names the schemes' names as JSON strings; id is the item's id as JSON
 * text; dup_id the first copy's, or NULL. */
#define PUT_LIT(b, s) jy_buf_append((b), s, sizeof(s) - 1)

/* Each scheme term's JSON text, found by the term's address: terms are the
 * analyzer's strings, alive as long as it is, and a few thousand of them
 * are written over and over. */
struct term_cache {
    struct term_slot {
        const char *term; /* NULL: empty */
        size_t at, len;   /* in text */
    } * slots;
    size_t cap, used;
    struct jy_buf text;
};

static size_t term_slot_of(const struct term_cache *c, const char *term)
{
    size_t i = (size_t)(((uintptr_t)term >> 3) * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (c->cap - 1);
    while (c->slots[i].term && c->slots[i].term != term)
        i = (i + 1) & (c->cap - 1);
    return i;
}

static void term_json_put(struct jy_buf *b, struct term_cache *c, const char *term)
{
    if ((c->used + 1) * 2 > c->cap) {
        struct term_cache old = *c;
        c->cap = old.cap ? old.cap * 2 : 1024;
        c->slots = xcalloc(c->cap, sizeof *c->slots);
        for (size_t i = 0; i < old.cap; i++) {
            if (old.slots[i].term)
                c->slots[term_slot_of(c, old.slots[i].term)] = old.slots[i];
        }
        free(old.slots);
    }
    struct term_slot *s = &c->slots[term_slot_of(c, term)];
    if (!s->term) {
        s->term = term;
        s->at = c->text.len;
        jy_buf_json_str(&c->text, term);
        s->len = c->text.len - s->at;
        c->used++;
    }
    jy_buf_append(b, c->text.data + s->at, s->len);
}

static void result_write(struct jy_buf *b, const struct an_result *r, const struct an_event *ev,
                         const struct jy_buf *names, struct term_cache *terms, const char *id,
                         const char *dup_id)
{
    static const char digits[] = "0123456789abcdef";
    char hex[18] = {'"'};
    for (int k = 0; k < 16; k++)
        hex[1 + k] = digits[(r->simhash >> (60 - 4 * k)) & 15];
    hex[17] = '"';
    PUT_LIT(b, "{\"id\":");
    jy_buf_puts(b, id);
    PUT_LIT(b, ",\"normalized\":");
    jy_buf_json_str(b, r->norm.text);
    if (r->norm.repost) {
        PUT_LIT(b, ",\"repost\":");
        jy_buf_json_str(b, r->norm.repost);
    }
    PUT_LIT(b, ",\"topics\":");
    jy_buf_json_strs(b, (const char *const *)r->norm.topics, r->norm.n_topics);
    PUT_LIT(b, ",\"schemes\":[");
    for (size_t i = 0; i < r->n_schemes; i++) {
        if (i)
            jy_buf_putc(b, ',');
        jy_buf_append(b, names[r->schemes[i]].data, names[r->schemes[i]].len);
    }
    PUT_LIT(b, "],\"terms\":[");
    for (size_t i = 0; i < r->n_terms; i++) {
        const struct an_term *t = &r->terms[i];
        if (i)
            jy_buf_putc(b, ',');
        PUT_LIT(b, "{\"term\":");
        term_json_put(b, terms, t->term);
        PUT_LIT(b, ",\"scheme\":");
        jy_buf_append(b, names[t->scheme].data, names[t->scheme].len);
        PUT_LIT(b, ",\"start\":");
        jy_buf_json_int(b, (int64_t)t->start);
        PUT_LIT(b, ",\"end\":");
        jy_buf_json_int(b, (int64_t)t->end);
        if (t->in_title)
            PUT_LIT(b, ",\"in\":\"title\"}");
        else
            PUT_LIT(b, ",\"in\":\"text\"}");
    }
    PUT_LIT(b, "],\"simhash\":");
    jy_buf_append(b, hex, sizeof hex);
    PUT_LIT(b, ",\"duplicate_of\":");
    jy_buf_puts(b, dup_id ? dup_id : "null");
    PUT_LIT(b, ",\"event\":");
    if (r->event_id)
        jy_buf_json_int(b, r->event_id);
    else
        PUT_LIT(b, "null");
    PUT_LIT(b, ",\"sentiment\":");
    jy_buf_json_str(b, sentiment_name(r->sentiment));
    PUT_LIT(b, ",\"sentiment_score\":");
    jy_buf_json_num(b, r->sentiment_score, 6);
    PUT_LIT(b, ",\"risk_score\":");
    jy_buf_json_num(b, ev ? ev->score : 0, 1);
    PUT_LIT(b, ",\"level\":");
    if (ev && ev->level)
        jy_buf_json_str(b, level_roman(ev->level));
    else
        PUT_LIT(b, "null");
    PUT_LIT(b, ",\"explanation\":");
    /* already JSON text (risk_assess writes it) */
    jy_buf_puts(b, ev && ev->explanation ? ev->explanation : "[]");
    PUT_LIT(b, "}\n");
}

/* Every input's id as JSON text, by sequence number, in one arena: what
 * duplicate_of names. */
struct id_table {
    struct jy_buf text;
    size_t *at;
    size_t n, cap;
};

/* id: the line's "id" member, or NULL for a line that is not an object. A
 * string or an integer is written as such; any other value as jansson
 * writes it compactly (as before the input had a reader of its own: 1e2 is
 * 100.0, escapes are undone). */
static void id_table_add(struct id_table *t, const struct jy_jval *id, int64_t seq)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->at = xrealloc(t->at, t->cap * sizeof *t->at);
    }
    t->at[t->n++] = t->text.len;
    if (!id) {
        jy_buf_puts(&t->text, "null");
    } else if (id->type == JY_J_ABSENT) {
        jy_buf_json_int(&t->text, seq);
    } else if (id->type == JY_J_STRING) {
        jy_buf_json_str(&t->text, id->str);
    } else if (id->type == JY_J_INT) {
        jy_buf_json_int(&t->text, id->i);
    } else {
        json_error_t je;
        json_t *v = json_loadb(id->raw, id->raw_len, JSON_DECODE_ANY, &je);
        char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        jy_buf_puts(&t->text, s ? s : "null");
        free(s);
        json_decref(v);
    }
    jy_buf_putc(&t->text, '\0');
}

static const char *id_table_get(const struct id_table *t, int64_t seq)
{
    return seq >= 1 && (size_t)seq <= t->n ? t->text.data + t->at[seq - 1] : "null";
}

/* The trained model from the database, if any, into *blob (NULL: none, the
 * lexicon is used). */
static int load_model(struct store *st, const char *db, char **blob, size_t *len,
                      struct jy_error *err)
{
    *blob = NULL;
    *len = 0;
    int rc = store_model_get(st, "sentiment", blob, len, err);
    if (rc == JY_ENOTFOUND) {
        fprintf(stderr, "jingyu analyze: %s has no trained model; using the lexicon\n", db);
        *blob = NULL;
        rc = 0;
    }
    return rc;
}

/* --store: each item goes into the database as the collector would store
 * it, under a source of its own named 导入:SOURCE (disabled: it is never
 * fetched, nor judged dark), with its analysis, event and alerts, in
 * transactions of STORE_BATCH items. */
#define STORE_BATCH 256

struct sink {
    struct store *st;
    char host[256]; /* the collector lease is ours while we store */
    int pid;
    char **names; /* source names seen, and their ids */
    int64_t *src_ids;
    size_t n_src;
    size_t pending;    /* items in the open transaction */
    int64_t *item_ids; /* database id of each input line (0: not stored) */
    size_t n_items;
};

static int sink_source(struct sink *k, const char *source, enum media_level ml, const char *region,
                       int64_t *id, struct jy_error *err)
{
    char *name = xasprintf("导入:%s", source && *source ? source : "jingyu analyze");
    for (size_t i = 0; i < k->n_src; i++) {
        if (strcmp(k->names[i], name) == 0) {
            *id = k->src_ids[i];
            free(name);
            return 0;
        }
    }
    struct source_config sc = {.name = name,
                               .type = SOURCE_FILE_DROP,
                               .path = (char *)"-",
                               .interval = 86400,
                               .enabled = false,
                               .media_level = ml,
                               .region = (char *)region};
    int rc = store_source_sync(k->st, &sc, id, err);
    if (rc) {
        free(name);
        return rc;
    }
    k->names = xrealloc(k->names, (k->n_src + 1) * sizeof *k->names);
    k->src_ids = xrealloc(k->src_ids, (k->n_src + 1) * sizeof *k->src_ids);
    k->names[k->n_src] = name;
    k->src_ids[k->n_src++] = *id;
    return 0;
}

/* Stores the item; *id gets its database id, or 0 when the source already
 * holds an item with that guid. */
static int sink_item(struct sink *k, const struct an_item *in, const char *guid, int64_t now,
                     int64_t *id, struct jy_error *err)
{
    *id = 0;
    int64_t src = 0;
    int rc;
    if (k->pending == 0 && (rc = store_tx_begin(k->st, err)))
        return rc;
    k->pending++;
    if ((rc = sink_source(k, in->source, in->media_level, in->region, &src, err)))
        return rc;
    const char *title = in->title ? in->title : "", *text = in->text ? in->text : "";
    struct feed_item fi = {
        .guid = (char *)guid,
        .title = utf8_sanitize(title, strlen(title), 0),
        .author = in->author ? utf8_sanitize(in->author, strlen(in->author), 0) : NULL,
        .content = utf8_sanitize(text, strlen(text), 0),
        .published = in->published,
        .has_date = in->published != 0,
    };
    struct fetch_result fr = {.ok = true, .items = &fi, .n_items = 1, .ids = id};
    rc = store_fetch_record(k->st, src, &fr, now, NULL, err);
    free(fi.title);
    free(fi.author);
    free(fi.content);
    return rc;
}

/* Writes the batch's events and alerts, then commits. */
static int sink_flush(struct sink *k, struct analyzer *an, int64_t now, struct jy_error *err)
{
    if (!k->pending)
        return 0;
    k->pending = 0;
    int rc = store_analysis_flush(k->st, an, now, true, err);
    if (rc || (rc = store_tx_commit(k->st, err)))
        return rc;
    bool got = false; /* renew the heartbeat */
    if ((rc = store_lease_acquire(k->st, k->host, k->pid, jy_now(), COLLECT_LEASE_TTL, &got, err)))
        return rc;
    return got ? 0 : jy_error_set(err, JY_EBUSY, "lost the collector lease to another process");
}

/* Storing analyses means allocating event ids and extending events that a
 * collector holds in memory: only the holder of the collector lease may, so
 * --store takes it (and keeps it fenced) or refuses. */
static int sink_lease(struct sink *k, struct jy_error *err)
{
    if (gethostname(k->host, sizeof k->host - 1) != 0)
        snprintf(k->host, sizeof k->host, "localhost");
    k->pid = (int)getpid();
    bool got = false;
    int rc = store_lease_acquire(k->st, k->host, k->pid, jy_now(), COLLECT_LEASE_TTL, &got, err);
    if (rc)
        return rc;
    if (!got) {
        struct store_lease le = {0};
        bool present = false;
        store_lease_get(k->st, &le, &present, NULL);
        return jy_error_set(err, JY_EBUSY,
                            "a collector is running (%s, pid %d): stop it, or drop the file into a "
                            "file-drop source instead",
                            le.host, le.pid);
    }
    store_lease_fence(k->st, k->host, k->pid);
    return 0;
}

/* The import's audit row: who stored how many lines under which sources
 * (written also after a failure: the batches committed before it stay). */
static int import_audit(struct sink *k, const struct actor *me, int64_t lines, size_t stored,
                        bool complete)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "{");
    jy_buf_json_key(&b, "lines", true);
    jy_buf_json_int(&b, lines);
    jy_buf_json_key(&b, "stored", false);
    jy_buf_json_int(&b, (int64_t)stored);
    jy_buf_json_key(&b, "complete", false);
    jy_buf_puts(&b, complete ? "true" : "false");
    jy_buf_json_key(&b, "sources", false);
    jy_buf_puts(&b, "[");
    for (size_t i = 0; i < k->n_src; i++) {
        if (i)
            jy_buf_puts(&b, ",");
        jy_buf_json_str(&b, k->names[i]);
    }
    jy_buf_puts(&b, "]}");
    struct jy_error err = {0};
    int rc = store_audit_record(k->st, me->login, "items.import", "source",
                                k->n_src ? k->src_ids[0] : 0, b.data, jy_now(), &err);
    jy_buf_free(&b);
    if (rc)
        fprintf(stderr, "jingyu analyze: audit: %s\n", err.msg);
    return rc;
}

/* The input id of a first copy stored by this run, else its database id. */
static const char *sink_dup_id(const struct sink *k, const struct id_table *ids, int64_t db_id,
                               char *num, size_t size)
{
    size_t lo = 0, hi = k->n_items;
    while (lo < hi) { /* item_ids grow with the line number, zeros aside */
        size_t mid = (lo + hi) / 2, m = mid;
        while (m < hi && k->item_ids[m] == 0)
            m++;
        if (m == hi) {
            hi = mid;
        } else if (k->item_ids[m] < db_id) {
            lo = m + 1;
        } else if (k->item_ids[m] > db_id) {
            hi = mid;
        } else {
            return id_table_get(ids, (int64_t)m + 1);
        }
    }
    snprintf(num, size, "%lld", (long long)db_id);
    return num;
}

int cmd_analyze(const struct config *cfg, int argc, char **argv)
{
    const char *db = NULL;
    bool store = false;
    int threads = 2;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--store") == 0) {
            store = true;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "1") == 0 || strcmp(argv[i + 1], "2") == 0)) {
            threads = atoi(argv[++i]);
        } else {
            fprintf(stderr,
                    "jingyu analyze: unknown argument %s\n"
                    "usage: jingyu analyze [--db FILE [--store]] [--threads 1|2] < items.jsonl\n",
                    argv[i]);
            return CMD_EXIT_USAGE;
        }
    }
    if (store && !db) {
        fprintf(stderr, "jingyu analyze: --store needs --db FILE\n");
        return CMD_EXIT_USAGE;
    }
    struct jy_error err = {0};
    struct analyzer *an = NULL;
    struct sink k = {0};
    if (analyzer_new(cfg, &an, &err) != 0) {
        fprintf(stderr, "jingyu analyze: %s\n", err.msg);
        return err.code == JY_ECONFIG ? CMD_EXIT_USAGE : CMD_EXIT_RUNTIME;
    }
    /* Without --store nothing is persisted, and writing each event's state
     * would be a good part of the cost. */
    analyzer_keep_state(an, store);
    struct actor me = {0};
    if (db && store) {
        /* importing items is an admin's, and audited */
        int arc = store_open(db, &k.st, &err);
        if (arc)
            fprintf(stderr, "jingyu analyze: %s\n", err.msg);
        else
            arc = cmd_actor(cfg, k.st, "jingyu analyze", ROLE_ADMIN, &me);
        if (arc) {
            store_close(k.st);
            analyzer_free(an);
            return arc < 0 ? CMD_EXIT_RUNTIME : arc;
        }
    }
    char *model = NULL;
    size_t model_len = 0;
    if (db &&
        ((!k.st && store_open(db, &k.st, &err)) || load_model(k.st, db, &model, &model_len, &err) ||
         (model && analyzer_set_model(an, model, model_len, &err)) ||
         (store &&
          (sink_lease(&k, &err) || store_analysis_restore(k.st, an, &cfg->analysis, &err))))) {
        fprintf(stderr, "jingyu analyze: %s\n", err.msg);
        if (k.st && k.pid)
            store_lease_release(k.st, k.host, k.pid, NULL); /* ours only */
        store_close(k.st);
        free(model);
        analyzer_free(an);
        return CMD_EXIT_RUNTIME;
    }
    if (!store) {
        store_close(k.st);
        k.st = NULL;
    }
    struct id_table ids = {0};
    jy_buf_init(&ids.text, 0);
    size_t n_names = analyzer_n_schemes(an);
    struct jy_buf *names = xcalloc(n_names ? n_names : 1, sizeof *names);
    struct term_cache terms = {0};
    jy_buf_init(&terms.text, 0);
    for (size_t i = 0; i < n_names; i++) {
        jy_buf_init(&names[i], 0);
        jy_buf_json_str(&names[i], analyzer_scheme_name(an, (int)i));
    }
    struct jy_buf out;
    jy_buf_init(&out, 0);
    int64_t now = jy_now(), seq = 0;
    size_t bad = 0, bad_dates = 0, cap_items = 0;
    int rc = 0;
    struct intake *input = intake_new(stdin, cfg, model, model_len, threads);
    free(model);
    struct intake_item *it;
    while ((it = intake_next(input))) {
        seq++;
        const struct jy_jval *v = it->v;
        size_t len = it->len;
        bool object = it->object, too_long = it->too_long;
        if (k.st) {
            if (k.n_items == cap_items) {
                cap_items = cap_items ? 2 * cap_items : 1024;
                k.item_ids = xrealloc(k.item_ids, cap_items * sizeof *k.item_ids);
            }
            k.item_ids[k.n_items++] = 0;
        }
        if (!object) {
            if (too_long) {
                fprintf(stderr, "jingyu analyze: line %lld: longer than %u MiB; skipped\n",
                        (long long)seq, LINE_MAX_BYTES >> 20);
                bad++;
            } else if (len > 0) {
                fprintf(stderr, "jingyu analyze: line %lld: not a JSON object\n", (long long)seq);
                bad++;
            }
            id_table_add(&ids, NULL, seq);
            continue;
        }
        const struct jy_jval *jid = &v[K_ID];
        id_table_add(&ids, jid, seq);
        int64_t published = json_time(&v[K_PUBLISHED]);
        if (published > now + 86400 || published < 0) {
            /* here the date stands in for the collection time: a date in the
             * future (or milliseconds) would move the analysis's clock */
            if (!bad_dates++)
                fprintf(stderr,
                        "jingyu analyze: line %lld: published date out of range; ignored (the "
                        "count of such lines follows at the end)\n",
                        (long long)seq);
            published = 0;
        }
        struct an_item in = {
            .id = seq,
            .title = json_str(&v[K_TITLE]),
            .text = json_str(&v[K_TEXT]),
            .published = published,
            .collected = published ? published : now,
            .source = json_str(&v[K_SOURCE]),
            .author = json_str(&v[K_AUTHOR]),
            .media_level = json_media(&v[K_MEDIA]),
            .region = json_str(&v[K_REGION]),
        };
        if (k.st) {
            /* the guid: the input's id, so that storing a file twice stores
             * each item once */
            char *guid = jid->type == JY_J_STRING ? xstrdup(jid->str)
                         : jid->type == JY_J_INT  ? xstrdup(id_table_get(&ids, seq))
                                                 : xasprintf("analyze:%lld:%d:%lld", (long long)now,
                                                             (int)getpid(), (long long)seq);
            in.collected = now;
            rc = sink_item(&k, &in, guid, now, &in.id, &err);
            free(guid);
            if (rc) {
                fprintf(stderr, "jingyu analyze: line %lld: %s\n", (long long)seq, err.msg);
                rc = CMD_EXIT_RUNTIME;
                break;
            }
            if (!in.id) {
                fprintf(stderr, "jingyu analyze: line %lld: id %s is already stored; skipped\n",
                        (long long)seq, id_table_get(&ids, seq));
                continue;
            }
            k.item_ids[k.n_items - 1] = in.id;
        }
        struct an_result res;
        struct an_event ev = {0};
        struct an_text *pre = intake_pre(it); /* the same till given back */
        if (analyzer_run_text(an, &in, pre, &res, &err) != 0 ||
            (res.event_id && analyzer_event_explain(an, res.event_id, &ev.score, &ev.level,
                                                    &ev.explanation, &err) != 0) ||
            (k.st && store_analysis_record(k.st, an, &res, now, &err) != 0)) {
            fprintf(stderr, "jingyu analyze: line %lld: %s\n", (long long)seq, err.msg);
            an_event_clear(&ev);
            rc = CMD_EXIT_RUNTIME;
            break;
        }
        char num[24];
        const char *dup = NULL;
        if (res.duplicate_of)
            dup = k.st ? sink_dup_id(&k, &ids, res.duplicate_of, num, sizeof num)
                       : id_table_get(&ids, res.duplicate_of);
        jy_buf_reset(&out);
        result_write(&out, &res, res.event_id ? &ev : NULL, names, &terms, id_table_get(&ids, seq),
                     dup);
        fwrite(out.data, 1, out.len, stdout);
        an_event_clear(&ev);
        an_text_give_back(pre, &res); /* freed where it was made */
        an_result_clear(&res);
        if (!k.st)
            analyzer_settle(an);
        if (k.st && k.pending >= STORE_BATCH && sink_flush(&k, an, now, &err) != 0) {
            fprintf(stderr, "jingyu analyze: %s\n", err.msg);
            rc = CMD_EXIT_RUNTIME;
            break;
        }
    }
    if (k.st) {
        if (rc == 0 && sink_flush(&k, an, now, &err) != 0) {
            fprintf(stderr, "jingyu analyze: %s\n", err.msg);
            rc = CMD_EXIT_RUNTIME;
        } else if (rc) {
            store_tx_rollback(k.st);
        }
        size_t stored = 0;
        for (size_t i = 0; i < k.n_items; i++)
            stored += k.item_ids[i] != 0;
        if (stored && import_audit(&k, &me, seq, stored, rc == 0) != 0)
            rc = CMD_EXIT_RUNTIME;
        store_lease_release(k.st, k.host, k.pid, NULL);
        store_close(k.st);
        for (size_t i = 0; i < k.n_src; i++)
            free(k.names[i]);
        free(k.names);
        free(k.src_ids);
        free(k.item_ids);
    }
    jy_buf_free(&out);
    for (size_t i = 0; i < n_names; i++)
        jy_buf_free(&names[i]);
    free(names);
    free(terms.slots);
    jy_buf_free(&terms.text);
    jy_buf_free(&ids.text);
    free(ids.at);
    intake_free(input); /* after the term cache, which holds its analyzer's strings' addresses */
    analyzer_free(an);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "jingyu analyze: cannot write the output\n");
        return CMD_EXIT_RUNTIME;
    }
    if (bad)
        fprintf(stderr, "jingyu analyze: %zu lines were skipped\n", bad);
    if (bad_dates)
        fprintf(stderr, "jingyu analyze: %zu lines had a published date out of range (ignored)\n",
                bad_dates);
    return rc;
}
