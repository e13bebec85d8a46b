/* lane.c: the collector's second thread, which parses finished transfers and
 * makes their new items' text analysis ahead.
 *
 * The loop's thread hands over every finished HTTP transfer (lane_submit)
 * and takes them back parsed (lane_take), in the order given, to store
 * them. In between, this thread runs transfer_finish and, for each item
 * whose guid the source's previous response did not carry (a feed
 * repeats what it showed last time, which is stored already), what the
 * item's own words decide (analyzer_text) with an analyzer of its own made
 * from the same configuration and given the same model. The store then
 * does only what needs the items before it (near-duplicates, events), in
 * its transaction, so parsing and most of the analysis of one batch run
 * beside the storing of the one before. What the lane made is only a head
 * start: an item without it, or whose source's media level changed since,
 * is analysed in full by the store, and a job analysed under an older
 * model than the loop's is analysed again. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_int.h"

struct lane {
    const struct config *cfg;
    CURLM *wake; /* curl_multi_wakeup: the loop may be waiting for the network */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* jobs to do, or stop (lane's side); a job done (loop's side) */
    struct lane_job *todo, *todo_tail;
    struct lane_job *done, *done_tail;
    struct lane_job *spent; /* stored: freed here, where their memory came from */
    size_t pending;         /* submitted, not yet taken */
    bool stop;
    bool prepare; /* make the analyzer before the first job (lane_prepare) */
    /* the model, as the loop last gave it (NULL: the lexicon) */
    char *model;
    size_t model_len;
    unsigned model_gen;
    bool model_unknown; /* the loop does not know what its analyzer uses */
    char error[1024];   /* why the lane does not analyse ahead, for the loop to say */
    bool error_new;
    atomic_bool analysing; /* it has had items to analyse (the store will too) */
    bool prepared;         /* lane_prepare was called (read and set by the loop only) */
    /* lane thread only */
    struct analyzer *an;
    bool an_failed;        /* no analyzer could be made: parse only, for good */
    bool an_usable;        /* an has the loop's model (or, both without, the lexicon) */
    bool an_has_model;     /* a model cannot be taken back out of an analyzer */
    unsigned an_model_gen; /* the model generation an_usable is about */
    uint64_t **seen;       /* per source: the guid hashes of its last response, sorted */
    size_t *n_seen;
};

static uint64_t guid_hash(const char *g)
{
    uint64_t h = jy_hash64(g ? g : "", g ? strlen(g) : 0);
    return h ? h : 1;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* v sorted */
static bool seen_has(const uint64_t *v, size_t n, uint64_t h)
{
    return n && bsearch(&h, v, n, sizeof *v, u64_cmp) != NULL;
}

static void lane_failed(struct lane *ln, const char *why)
{
    pthread_mutex_lock(&ln->mu);
    snprintf(ln->error, sizeof ln->error, "parsing thread analyses nothing ahead: %.900s", why);
    ln->error_new = true;
    pthread_mutex_unlock(&ln->mu);
}

/* Brings the lane's analyzer up to the loop's model generation (the blob is
 * copied under the lock, loaded outside it). Returns whether what it makes
 * may be used: the same model as the store's analyzer, or both none. */
static bool lane_analyzer(struct lane *ln)
{
    if (ln->an_failed)
        return false;
    struct jy_error err = {0};
    if (!ln->an) {
        if (analyzer_new(ln->cfg, &ln->an, &err) != 0) {
            ln->an_failed = true;
            lane_failed(ln, err.msg);
            return false;
        }
        ln->an_usable = true; /* generation 0: no model on either side */
    }
    pthread_mutex_lock(&ln->mu);
    unsigned gen = ln->model_gen;
    bool unknown = ln->model_unknown;
    char *blob = NULL;
    size_t len = ln->model_len;
    if (gen != ln->an_model_gen && ln->model) {
        blob = xmalloc(len ? len : 1);
        memcpy(blob, ln->model, len);
    }
    pthread_mutex_unlock(&ln->mu);
    if (gen != ln->an_model_gen) {
        ln->an_model_gen = gen;
        if (unknown) {
            ln->an_usable = false;
        } else if (blob) {
            ln->an_usable = analyzer_set_model(ln->an, blob, len, &err) == 0;
            if (ln->an_usable)
                ln->an_has_model = true;
            else
                lane_failed(ln, err.msg);
        } else {
            ln->an_usable = !ln->an_has_model; /* the model was removed */
        }
    }
    free(blob);
    return ln->an_usable;
}

void lane_job_finish(const struct config *cfg, struct lane_job *j)
{
    transfer_finish(j->t, j->res, &cfg->sources[j->i], &j->r, &j->feed, j->errmsg, sizeof j->errmsg,
                    &j->retry_after, jy_now());
}

static void lane_work(struct lane *ln, struct lane_job *j)
{
    lane_job_finish(ln->cfg, j);
    if (!j->r.ok || j->r.n_items == 0)
        return;
    uint64_t *now_seen = xmalloc(j->r.n_items * sizeof *now_seen);
    atomic_store(&ln->analysing, true);
    bool analyse = lane_analyzer(ln);
    j->model_gen = ln->an_model_gen;
    for (size_t k = 0; k < j->r.n_items; k++) {
        const struct feed_item *it = &j->r.items[k];
        now_seen[k] = guid_hash(it->guid);
        if (!analyse || seen_has(ln->seen[j->i], ln->n_seen[j->i], now_seen[k]))
            continue;
        struct an_item in = {
            .title = it->title,
            .text = it->content,
            .media_level = j->media,
        };
        struct jy_error err = {0};
        if (!j->pre) {
            j->pre = xcalloc(j->r.n_items, sizeof *j->pre);
            j->cols = xcalloc(j->r.n_items, sizeof *j->cols);
        }
        if (analyzer_text(ln->an, &in, &j->pre[k], &err) != 0)
            j->pre[k] = NULL; /* the store analyses it, and reports what fails */
        else                  /* and what its analysis row will say, while the loop is busy */
            j->cols[k] = store_analysis_columns(ln->an, an_text_results(j->pre[k]));
    }
    j->r.pre = j->pre;
    j->r.pre_cols = j->cols;
    /* What this response carried counts as stored from now on, even if it
     * is not (a rollback, a lost lease): those items only lose their head
     * start next time. */
    qsort(now_seen, j->r.n_items, sizeof *now_seen, u64_cmp);
    free(ln->seen[j->i]);
    ln->seen[j->i] = now_seen;
    ln->n_seen[j->i] = j->r.n_items;
}

static void *lane_main(void *arg)
{
    struct lane *ln = arg;
    pthread_mutex_lock(&ln->mu);
    for (;;) {
        /* Jobs are freed by the thread that allocated most of their memory:
         * freeing another thread's blocks contends for its allocator. */
        while (ln->spent) {
            struct lane_job *spent = ln->spent;
            ln->spent = NULL;
            pthread_mutex_unlock(&ln->mu);
            for (struct lane_job *j = spent, *next; j; j = next) {
                next = j->next;
                lane_job_free(j);
            }
            pthread_mutex_lock(&ln->mu);
        }
        while (!ln->todo && !ln->stop && !ln->spent && !ln->prepare)
            pthread_cond_wait(&ln->cv, &ln->mu);
        if (ln->stop)
            break;
        if (ln->prepare) {
            ln->prepare = false;
            pthread_mutex_unlock(&ln->mu);
            lane_analyzer(ln);
            pthread_mutex_lock(&ln->mu);
            continue;
        }
        if (!ln->todo)
            continue;
        struct lane_job *j = ln->todo;
        ln->todo = j->next;
        if (!ln->todo)
            ln->todo_tail = NULL;
        j->next = NULL;
        pthread_mutex_unlock(&ln->mu);
        lane_work(ln, j);
        pthread_mutex_lock(&ln->mu);
        if (ln->done_tail)
            ln->done_tail->next = j;
        else
            ln->done = j;
        ln->done_tail = j;
        pthread_cond_broadcast(&ln->cv);
        if (ln->wake)
            curl_multi_wakeup(ln->wake);
    }
    pthread_mutex_unlock(&ln->mu);
    return NULL;
}

struct lane *lane_start(const struct config *cfg, CURLM *wake)
{
    struct lane *ln = xcalloc(1, sizeof *ln);
    ln->cfg = cfg;
    ln->wake = wake;
    ln->seen = xcalloc(cfg->n_sources + 1, sizeof *ln->seen);
    ln->n_seen = xcalloc(cfg->n_sources + 1, sizeof *ln->n_seen);
    pthread_mutex_init(&ln->mu, NULL);
    /* waits are timed on the monotonic clock: a clock set back must not
     * hold up the loop */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ln->cv, &ca);
    pthread_condattr_destroy(&ca);
    ln->started = pthread_create(&ln->thread, NULL, lane_main, ln) == 0;
    return ln;
}

void lane_job_free(struct lane_job *j)
{
    if (!j)
        return;
    if (j->pre) {
        for (size_t k = 0; k < j->r.n_items; k++) {
            an_text_free(j->pre[k]);
            free(j->cols[k]);
        }
        free(j->pre);
        free(j->cols);
    }
    feed_free(&j->feed);
    transfer_free(j->t);
    free(j);
}

void lane_recycle(struct lane *ln, struct lane_job *jobs)
{
    /* each job is freed on the thread that made most of it */
    struct lane_job *back = NULL, **tail = &back;
    for (struct lane_job *j = jobs, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        if (j->here || !ln->started) {
            lane_job_free(j);
        } else {
            *tail = j;
            tail = &j->next;
        }
    }
    if (!back)
        return;
    pthread_mutex_lock(&ln->mu);
    *tail = ln->spent;
    ln->spent = back;
    pthread_cond_broadcast(&ln->cv);
    pthread_mutex_unlock(&ln->mu);
}

void lane_submit(struct lane *ln, struct lane_job *j)
{
    j->next = NULL;
    if (!ln->started) /* no thread: the work is done here */
        lane_work(ln, j);
    pthread_mutex_lock(&ln->mu);
    struct lane_job **head = ln->started ? &ln->todo : &ln->done;
    struct lane_job **tail = ln->started ? &ln->todo_tail : &ln->done_tail;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
    ln->pending++;
    pthread_cond_broadcast(&ln->cv);
    pthread_mutex_unlock(&ln->mu);
}

struct lane_job *lane_take(struct lane *ln, int wait_ms)
{
    pthread_mutex_lock(&ln->mu);
    if (!ln->done && wait_ms > 0 && ln->pending > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!ln->done && ln->pending > 0)
            if (pthread_cond_timedwait(&ln->cv, &ln->mu, &ts) != 0)
                break;
    }
    struct lane_job *all = ln->done;
    for (struct lane_job *j = all; j; j = j->next)
        ln->pending--;
    ln->done = ln->done_tail = NULL;
    pthread_mutex_unlock(&ln->mu);
    return all;
}

bool lane_analysing(struct lane *ln)
{
    return atomic_load(&ln->analysing);
}

bool lane_threaded(const struct lane *ln)
{
    return ln->started;
}

size_t lane_pending(struct lane *ln)
{
    pthread_mutex_lock(&ln->mu);
    size_t n = ln->pending;
    pthread_mutex_unlock(&ln->mu);
    return n;
}

void lane_set_model(struct lane *ln, const char *blob, size_t len)
{
    pthread_mutex_lock(&ln->mu);
    bool same = !ln->model_unknown &&
                (blob ? ln->model && ln->model_len == len && memcmp(ln->model, blob, len) == 0
                      : ln->model == NULL);
    ln->model_unknown = false;
    if (!same) {
        free(ln->model);
        ln->model = NULL;
        ln->model_len = 0;
        if (blob) {
            ln->model = xmalloc(len ? len : 1);
            memcpy(ln->model, blob, len);
            ln->model_len = len;
        }
        ln->model_gen++;
    }
    pthread_mutex_unlock(&ln->mu);
}

void lane_prepare(struct lane *ln)
{
    if (!ln->started || ln->prepared)
        return;
    ln->prepared = true;
    pthread_mutex_lock(&ln->mu);
    ln->prepare = true;
    pthread_cond_broadcast(&ln->cv);
    pthread_mutex_unlock(&ln->mu);
}

void lane_model_unknown(struct lane *ln)
{
    pthread_mutex_lock(&ln->mu);
    ln->model_unknown = true;
    ln->model_gen++;
    pthread_mutex_unlock(&ln->mu);
}

bool lane_error(struct lane *ln, char *buf, size_t n)
{
    pthread_mutex_lock(&ln->mu);
    bool fresh = ln->error_new;
    if (fresh)
        snprintf(buf, n, "%s", ln->error);
    ln->error_new = false;
    pthread_mutex_unlock(&ln->mu);
    return fresh;
}

unsigned lane_model_gen(struct lane *ln)
{
    pthread_mutex_lock(&ln->mu);
    unsigned g = ln->model_gen;
    pthread_mutex_unlock(&ln->mu);
    return g;
}

void lane_stop(struct lane *ln)
{
    if (!ln)
        return;
    pthread_mutex_lock(&ln->mu);
    ln->stop = true;
    pthread_cond_broadcast(&ln->cv);
    pthread_mutex_unlock(&ln->mu);
    if (ln->started)
        pthread_join(ln->thread, NULL);
    struct lane_job *lists[3] = {ln->todo, ln->done, ln->spent};
    for (int k = 0; k < 3; k++) {
        for (struct lane_job *j = lists[k], *next; j; j = next) {
            next = j->next;
            lane_job_free(j);
        }
    }
    for (size_t i = 0; i < ln->cfg->n_sources; i++)
        free(ln->seen[i]);
    free(ln->seen);
    free(ln->n_seen);
    free(ln->model);
    /* after every job: their terms point at its strings */
    analyzer_free(ln->an);
    pthread_cond_destroy(&ln->cv);
    pthread_mutex_destroy(&ln->mu);
    free(ln);
}
