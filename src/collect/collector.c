/* collector.c: the collector loop, its thread, and the lease it runs under.
 *
 * One loop serves `jingyu collect`, `collect --once` and the console's
 * background thread. Each turn it renews (or tries for) the lease, starts the
 * fetches that are due (HTTP ones on one libcurl multi handle, up to
 * `parallel` at a time; folders inline), stores every finished fetch in its
 * own transaction, advances the full-text index a little, and waits at most
 * a fifth of a second for the network, so stopping is always prompt. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect_int.h"
#include "notify/notify.h"

#define POLL_MS 200
#define ROWS_MAX_AGE_MS 1000
#define INDEX_BATCH 500
#define ANALYSIS_BATCH 200
/* Fetched responses waiting in the lane, each holding its body: at most
 * this many, and new fetches start only while they hold less than
 * LANE_QUEUE_BYTES (the bound that matters for memory). The queue is far
 * deeper than `parallel` because this thread takes no finished transfers
 * while it stores what the lane made: a queue of only a few responses ran
 * dry meanwhile and the lane waited idle (a fifth of a run of 200 feeds). */
#define LANE_QUEUE 128
#define LANE_QUEUE_BYTES ((size_t)64 << 20)
#define INDEX_IDLE_MS 200
/* retention: the first archive run after start, its time slice, how often */
#define ARCHIVE_FIRST_MS 5000
#define ARCHIVE_BUDGET_MS 3000
#define ARCHIVE_EVERY_MS ((int64_t)24 * 3600 * 1000)
#define ARCHIVE_RETRY_MS ((int64_t)3600 * 1000)
/* the audit chain's upkeep (seal.c): how often the holder looks */
#define UPKEEP_EVERY_MS 5000

struct collector {
    const struct config *cfg;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool leader;
    pthread_mutex_t mu;
    char last_error[1024];
};

struct loop {
    const struct config *cfg;
    struct store *st;
    CURLM *multi;
    char host[256];
    int pid;
    bool leader;
    bool once;
    int64_t next_beat;
    int64_t renewed_ms;         /* monotonic time of the last renewal of our lease */
    int64_t *ids;               /* source id per config source */
    bool *started;              /* --once: attempted already */
    struct transfer **inflight; /* per config source, NULL when idle */
    bool *queued;               /* per config source: its finished transfer is in the lane */
    int n_queued;               /* how many (see LANE_QUEUE) */
    size_t queued_bytes;        /* the bodies they hold */
    struct lane *lane;          /* parses finished transfers (and analyses ahead) */
    unsigned epoch;             /* leases lost: jobs submitted before one are not stored */
    int64_t *due_after;         /* per config source: not before this (what we last stored) */
    struct store_source *rows;  /* the sources' state, re-read at most every ROWS_MAX_AGE_MS */
    size_t n_rows;
    int64_t rows_read_ms;
    int n_inflight;
    size_t cursor;    /* where the next turn's look at the sources starts */
    size_t once_next; /* --once: every source before it has been started */
    size_t *local;    /* the config indices of the folders (see schedule) */
    size_t n_local;
    struct collector *owner; /* NULL when run in the foreground */
    atomic_bool leader_flag; /* what the indexer thread reads */
    struct analyzer *an;     /* analyses every stored item (see store_set_analyzer) */
    int64_t dark_checked_ms; /* when the sources were last checked for going dark */
    bool backlog_done;       /* every item stored before analysis existed is analysed */
    int64_t *dark_alerted;   /* per config source: the dark spell already alerted */
    int64_t archive_next_ms; /* retention: when the archive runs next (monotonic) */
    int64_t upkeep_next_ms;  /* the audit chain's sealing and anchoring (monotonic) */
    char last_error[1024];
};

static void loop_error(struct loop *l, const char *msg)
{
    snprintf(l->last_error, sizeof l->last_error, "%s", msg);
    if (l->owner) {
        pthread_mutex_lock(&l->owner->mu);
        snprintf(l->owner->last_error, sizeof l->owner->last_error, "%s", msg);
        pthread_mutex_unlock(&l->owner->mu);
    } else {
        fprintf(stderr, "jingyu collect: %s\n", msg);
    }
}

static bool sc_is_local(const struct source_config *sc)
{
    return sc->type != SOURCE_FEED;
}

static int64_t regular_next(const struct loop *l, const struct source_config *sc, int64_t now)
{
    int iv = sc->interval > l->cfg->collector.min_interval ? sc->interval
                                                           : l->cfg->collector.min_interval;
    return now + iv;
}

static void abort_transfers(struct loop *l)
{
    for (size_t i = 0; i < l->cfg->n_sources; i++) {
        if (l->inflight[i]) {
            curl_multi_remove_handle(l->multi, l->inflight[i]->easy);
            transfer_free(l->inflight[i]);
            l->inflight[i] = NULL;
        }
        l->queued[i] = false; /* what is in the lane is dropped when it comes back */
    }
    l->n_inflight = 0;
    l->n_queued = 0;
    l->queued_bytes = 0;
    l->epoch++;
}

static int loop_open(struct loop *l, const struct config *cfg, bool once, struct jy_error *err)
{
    memset(l, 0, sizeof *l);
    l->cfg = cfg;
    l->once = once;
    l->archive_next_ms = jy_mono_ms() + ARCHIVE_FIRST_MS;
    l->pid = (int)getpid();
    if (gethostname(l->host, sizeof l->host - 1) != 0)
        snprintf(l->host, sizeof l->host, "localhost");
    /* A bad scheme stops the collector now; the analyzer itself is made
     * when the first new item needs it (see make_analyzer). */
    int rc = analyzer_check(cfg, err);
    if (rc)
        return rc;
    if ((rc = store_open(cfg->database, &l->st, err)))
        return rc;
    store_lease_fence(l->st, l->host, l->pid);
    l->ids = xcalloc(cfg->n_sources + 1, sizeof *l->ids);
    l->started = xcalloc(cfg->n_sources + 1, sizeof *l->started);
    l->inflight = xcalloc(cfg->n_sources + 1, sizeof *l->inflight);
    l->queued = xcalloc(cfg->n_sources + 1, sizeof *l->queued);
    l->due_after = xcalloc(cfg->n_sources + 1, sizeof *l->due_after);
    l->dark_alerted = xcalloc(cfg->n_sources + 1, sizeof *l->dark_alerted);
    l->local = xcalloc(cfg->n_sources + 1, sizeof *l->local);
    for (size_t i = 0; i < cfg->n_sources; i++)
        if (sc_is_local(&cfg->sources[i]))
            l->local[l->n_local++] = i;
    if ((rc = store_tx_begin(l->st, err)))
        return rc;
    for (size_t i = 0; i < cfg->n_sources; i++) {
        if ((rc = store_source_sync(l->st, &cfg->sources[i], &l->ids[i], err))) {
            store_tx_rollback(l->st);
            return rc;
        }
    }
    if ((rc = store_tx_commit(l->st, err)))
        return rc;
    l->multi = curl_multi_init();
    if (!l->multi)
        return jy_error_set(err, JY_ENET, "cannot start libcurl");
    curl_multi_setopt(l->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)cfg->collector.parallel);
    l->lane = lane_start(cfg, l->multi);
    if (!lane_threaded(l->lane))
        loop_error(l, "cannot start the parsing thread: parsing in the collector's own");
    return 0;
}

static void loop_close(struct loop *l)
{
    /* first: its jobs hold transfers, and their wake-up call needs the multi handle */
    lane_stop(l->lane);
    if (l->multi) {
        abort_transfers(l);
        curl_multi_cleanup(l->multi);
    }
    if (l->st) {
        if (l->leader)
            store_lease_release(l->st, l->host, l->pid, NULL);
        store_close(l->st);
    }
    analyzer_free(l->an);
    free(l->ids);
    free(l->started);
    free(l->inflight);
    free(l->queued);
    free(l->due_after);
    free(l->dark_alerted);
    free(l->local);
    store_sources_free(l->rows, l->n_rows);
}

static void leader_set(struct loop *l, bool got);

static void beat(struct loop *l, int64_t now)
{
    if (now < l->next_beat)
        return;
    l->next_beat = now + COLLECT_LEASE_BEAT;
    bool got = false;
    struct jy_error err = {0};
    if (store_lease_acquire(l->st, l->host, l->pid, now, COLLECT_LEASE_TTL, &got, &err) != 0) {
        loop_error(l, err.msg);
        /* Keep collecting only while the last renewal is surely still valid:
         * after that another process may rightly take over. */
        if (!l->leader ||
            jy_mono_ms() - l->renewed_ms < (COLLECT_LEASE_TTL - COLLECT_LEASE_BEAT) * 1000)
            return;
        got = false;
    }
    leader_set(l, got);
}

/* The newest trained model, if any, replaces the lexicon, in the store's
 * analyzer (once made) and the lane's. */
static void load_model(struct loop *l)
{
    struct jy_error err = {0};
    char *model = NULL;
    size_t len = 0;
    int rc = store_model_get(l->st, "sentiment", &model, &len, &err);
    if ((rc == 0 && l->an && analyzer_set_model(l->an, model, len, &err) != 0) ||
        (rc && rc != JY_ENOTFOUND)) {
        loop_error(l, err.msg);
        lane_model_unknown(l->lane); /* the store's analyzer kept what it had */
    } else {
        lane_set_model(l->lane, model, len);
    }
    free(model);
}

/* The store's factory: the analyzer, made when the first new item needs it. */
static int make_analyzer(void *ctx, struct analyzer **out, struct jy_error *err)
{
    struct loop *l = ctx;
    int rc = analyzer_new(l->cfg, &l->an, err);
    if (rc)
        return rc;
    load_model(l);
    *out = l->an;
    return 0;
}

/* On becoming the collector: the analyzer's memory is rebuilt from what the
 * previous holder stored (before its next use), and the newest trained model
 * replaces the lexicon. */
static void analysis_take_over(struct loop *l)
{
    if (!l->an) {
        store_set_analyzer_factory(l->st, make_analyzer, l, &l->cfg->analysis);
        load_model(l); /* the lane's, before the first fetch reaches it */
        return;
    }
    load_model(l);
    struct jy_error err = {0};
    if (store_set_analyzer(l->st, l->an, &l->cfg->analysis, &err) != 0)
        loop_error(l, err.msg);
}

static void leader_set(struct loop *l, bool got)
{
    if (got)
        l->renewed_ms = jy_mono_ms();
    if (l->leader && !got) {
        loop_error(l, "lost the collector lease to another process");
        abort_transfers(l);
    }
    if (got && !l->leader)
        analysis_take_over(l);
    l->leader = got;
    atomic_store(&l->leader_flag, got);
    if (l->owner)
        atomic_store(&l->owner->leader, got);
}

/* Makes the store's analyzer, when the first fetch with items needs one:
 * while the lane analyses it (and builds its own), not after. A collector
 * whose fetches bring nothing (all 304) never makes one. */
static void store_analyzer_ready(struct loop *l)
{
    if (l->an)
        return;
    struct jy_error err = {0};
    struct analyzer *an = NULL;
    if (make_analyzer(l, &an, &err) == 0)
        store_set_analyzer(l->st, an, &l->cfg->analysis, &err);
    else
        loop_error(l, err.msg); /* the store tries again, and says why */
}

/* When to come back to a source after this fetch of it. */
static int64_t job_next_due(struct loop *l, const struct lane_job *j, int64_t now)
{
    const struct source_config *sc = &l->cfg->sources[j->i];
    if (j->r.ok)
        return regular_next(l, sc, now);
    int64_t wait = collect_backoff(&l->cfg->collector, sc->interval, j->t->prev_failures + 1);
    if (j->retry_after > wait)
        wait = j->retry_after;
    return now + wait;
}

/* Stores the parsed transfers (a list) in one transaction. Only once it
 * committed do the sources count as fetched; otherwise they are fetched
 * again. One that fails after others were analysed undoes the whole
 * transaction (see store_tx_begin): the others are then stored one by one. */
static void done_store(struct loop *l, struct lane_job *jobs, int64_t now)
{
    struct jy_error err = {0};
    /* The store's analyzer loads the newest model, which may make the
     * lane's head starts out of date: made first (when items need it). */
    bool items = false;
    for (struct lane_job *j = jobs; j && !items; j = j->next)
        items = j->r.n_items > 0;
    if (items)
        store_analyzer_ready(l);
    unsigned gen = lane_model_gen(l->lane);
    for (struct lane_job *j = jobs; j; j = j->next) {
        j->r.next_due = job_next_due(l, j, now);
        if (j->model_gen != gen)
            j->r.pre = NULL; /* made with a model replaced since */
    }
    int rc = store_tx_begin(l->st, &err);
    for (struct lane_job *j = jobs; j && !rc; j = j->next) {
        rc = store_fetch_record(l->st, l->ids[j->i], &j->r, now, NULL, &err);
        if (rc && rc != JY_EBUSY) {
            /* this fetch's savepoint is undone; the others still stand
             * (unless the analysis of earlier ones must be redone: then the
             * commit undoes all, and they are stored again one by one) */
            loop_error(l, err.msg);
            rc = 0;
        }
    }
    if (rc) {
        store_tx_rollback(l->st);
        loop_error(l, err.msg);
        if (rc == JY_EBUSY) /* fenced: another process holds the lease now */
            leader_set(l, false);
        return;
    }
    rc = store_tx_commit(l->st, &err);
    if (rc == JY_ESTATE && jobs->next) {
        loop_error(l, err.msg);
        for (struct lane_job *j = jobs; j; j = j->next) {
            struct lane_job *next = j->next;
            j->next = NULL;
            done_store(l, j, now);
            j->next = next;
        }
        return;
    }
    if (rc) {
        loop_error(l, err.msg);
        return;
    }
    for (struct lane_job *j = jobs; j; j = j->next)
        l->due_after[j->i] = j->r.next_due;
}

static void start_source(struct loop *l, size_t i, const struct store_source *row, int64_t now)
{
    const struct source_config *sc = &l->cfg->sources[i];
    struct jy_error err = {0};
    size_t got = 0;
    int rc = 0;
    l->started[i] = true;
    switch (sc->type) {
    case SOURCE_FEED: {
        struct transfer *t =
            transfer_new(&l->cfg->collector, sc->url, row->etag, row->last_modified);
        if (!t) {
            loop_error(l, "cannot create a transfer");
            return;
        }
        /* Asked without validators, a server sends the whole feed: the
         * lane makes its analyzer while the request is out. */
        if (!row->etag && !row->last_modified)
            lane_prepare(l->lane);
        t->source_id = row->id;
        t->source_index = (int)i;
        t->prev_failures = row->failures;
        curl_multi_add_handle(l->multi, t->easy);
        l->inflight[i] = t;
        l->n_inflight++;
        return;
    }
    case SOURCE_FILE_DROP:
        rc = local_file_drop(l->st, l->cfg, sc, row->id, now, regular_next(l, sc, now), l->once,
                             &got, &err);
        break;
    case SOURCE_REPLAY:
        rc = local_replay(l->st, l->cfg, sc, row, now, regular_next(l, sc, now), &got, &err);
        break;
    }
    if (rc)
        loop_error(l, err.msg);
    l->due_after[i] = regular_next(l, sc, now);
}

static const struct store_source *find_row(const struct store_source *rows, size_t n, int64_t id)
{
    size_t lo = 0, hi = n; /* rows come ordered by id */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].id < id)
            lo = mid + 1;
        else if (rows[mid].id > id)
            hi = mid;
        else
            return &rows[mid];
    }
    return NULL;
}

/* Looks at source i: starts it when it is due and there is room (a folder
 * always has room). Returns whether it is due but waits for a transfer slot. */
static bool schedule_one(struct loop *l, size_t i, int64_t now)
{
    if (l->inflight[i] || l->queued[i] || (l->once && l->started[i]))
        return false;
    const struct store_source *row = find_row(l->rows, l->n_rows, l->ids[i]);
    if (!row) {
        l->started[i] = l->once; /* --once: nothing to do for it */
        return false;
    }
    /* --once fetches everything now, except a server that asked us (or whose
     * failures tell us) to wait: there is no server to spare in a folder */
    int64_t next_due = row->next_due > l->due_after[i] ? row->next_due : l->due_after[i];
    bool local = sc_is_local(&l->cfg->sources[i]);
    bool due = row->enabled && (next_due <= now || (l->once && (row->failures == 0 || local)));
    if (l->once && !due && row->enabled)
        fprintf(stderr, "jingyu collect: %s: not due until %lld s from now (retry later)\n",
                row->name, (long long)(next_due - now));
    if (l->once && !due)
        l->started[i] = true;
    if (!due)
        return false;
    if (local || (l->n_inflight < l->cfg->collector.parallel && l->n_queued < LANE_QUEUE &&
                  l->queued_bytes < LANE_QUEUE_BYTES)) {
        start_source(l, i, row, now);
        return false;
    }
    return true;
}

/* Starts what is due. Returns whether anything is left to do (--once).
 *
 * The sources are looked at round robin from where the last turn stopped,
 * and a turn stops at the first due feed that finds every transfer slot
 * taken: a turn then costs the sources it looks at, not all of them. (A
 * pass over every source in every turn, with a turn per finished fetch,
 * made a run over 10,000 feeds quadratic.) Folders are not held up by the
 * slots: they are looked at every turn. */
static bool schedule(struct loop *l, int64_t now)
{
    size_t n = l->cfg->n_sources;
    bool pending = l->n_inflight > 0 || l->n_queued > 0;
    /* --once: every source before once_next has been started (or passed over) */
    while (l->once && l->once_next < n && l->started[l->once_next])
        l->once_next++;
    if (n == 0 || (l->once && l->once_next >= n))
        return pending;
    /* one query for all sources' state, at most once a second (an operator's
     * :source disable reaches us within that) */
    if (!l->rows || jy_mono_ms() - l->rows_read_ms > ROWS_MAX_AGE_MS) {
        struct store_source *rows = NULL;
        size_t n_rows = 0;
        struct jy_error err = {0};
        if (store_sources_list(l->st, &rows, &n_rows, &err) != 0) {
            loop_error(l, err.msg);
            return pending;
        }
        store_sources_free(l->rows, l->n_rows);
        l->rows = rows;
        l->n_rows = n_rows;
        l->rows_read_ms = jy_mono_ms();
    }
    /* --once looks no further back than once_next: what is before it is started */
    size_t from = l->once ? l->once_next : l->cursor % n, span = l->once ? n - from : n;
    bool full = false;
    for (size_t k = 0; k < span && !full; k++) {
        size_t i = (from + k) % n;
        if (schedule_one(l, i, now)) {
            full = true;
            l->cursor = i; /* the next turn starts with it */
        }
    }
    if (!full)
        l->cursor = from;
    for (size_t k = 0; full && k < l->n_local; k++)
        schedule_one(l, l->local[k], now);
    return l->n_inflight > 0 || l->n_queued > 0 || full;
}

/* The full-text index is brought up to date by a thread of its own, with
 * its own connection, so that indexing (the costliest step of ingestion)
 * never delays storing a fetch. Small batches keep each write lock short. */
struct indexer {
    pthread_t thread;
    const char *database;
    const char *host;
    int pid;
    atomic_bool stop;
    atomic_bool *leader;
};

static void *indexer_main(void *arg)
{
    struct indexer *ix = arg;
    struct store *st = NULL;
    struct jy_error err = {0};
    if (store_open(ix->database, &st, &err) != 0)
        return NULL;
    store_lease_fence(st, ix->host, ix->pid);
    while (!atomic_load(&ix->stop)) {
        int done = 0;
        if (atomic_load(ix->leader) && store_index_step(st, INDEX_BATCH, &done, &err) != 0)
            done = 0; /* busy or failing: try again next time */
        if (done == 0)
            usleep(INDEX_IDLE_MS * 1000);
    }
    store_close(st);
    return NULL;
}

static struct indexer *indexer_start(struct loop *l)
{
    struct indexer *ix = xcalloc(1, sizeof *ix);
    ix->database = l->cfg->database;
    ix->host = l->host;
    ix->pid = l->pid;
    atomic_bool *leader = &l->leader_flag;
    ix->leader = leader;
    if (pthread_create(&ix->thread, NULL, indexer_main, ix) != 0) {
        free(ix);
        return NULL;
    }
    return ix;
}

/* Escalation and notifications run in a thread of their own too: a
 * receiver that takes its time (up to notify.timeout per message) must not
 * hold up collecting. Only the lease holder sends, every few seconds. */
#define NOTIFY_EVERY_MS 5000

struct notifier {
    pthread_t thread;
    const struct config *cfg;
    volatile int stop; /* also read by libcurl's progress callback to cut a delivery short */
    atomic_bool stop_flag;
    atomic_bool *leader;
};

static void *notifier_main(void *arg)
{
    struct notifier *nt = arg;
    struct store *st = NULL;
    struct jy_error err = {0};
    if (store_open(nt->cfg->database, &st, &err) != 0)
        return NULL;
    int64_t next = 0;
    while (!atomic_load(&nt->stop_flag)) {
        if (atomic_load(nt->leader) && jy_mono_ms() >= next) {
            struct notify_stats ns;
            jy_error_clear(&err);
            /* failures stay on their rows */
            notify_pass_until(st, nt->cfg, jy_now(), &nt->stop, &ns, &err);
            next = jy_mono_ms() + NOTIFY_EVERY_MS;
        }
        usleep(100 * 1000);
    }
    store_close(st);
    return NULL;
}

static struct notifier *notifier_start(struct loop *l)
{
    struct notifier *nt = xcalloc(1, sizeof *nt);
    nt->cfg = l->cfg;
    nt->leader = &l->leader_flag;
    if (pthread_create(&nt->thread, NULL, notifier_main, nt) != 0) {
        free(nt);
        return NULL;
    }
    return nt;
}

static void notifier_stop(struct notifier *nt)
{
    if (!nt)
        return;
    nt->stop = 1;
    atomic_store(&nt->stop_flag, true);
    pthread_join(nt->thread, NULL);
    free(nt);
}

static void indexer_stop(struct indexer *ix)
{
    if (!ix)
        return;
    atomic_store(&ix->stop, true);
    pthread_join(ix->thread, NULL);
    free(ix);
}

/* Between fetches: a 信源失联 alert for each source that went dark (the
 * store keeps one per dark spell), and a batch of items stored before
 * analysis existed. */
static void analysis_idle(struct loop *l, int64_t now, bool busy)
{
    struct jy_error err = {0};
    if (jy_mono_ms() - l->dark_checked_ms >= ROWS_MAX_AGE_MS) {
        l->dark_checked_ms = jy_mono_ms();
        for (size_t i = 0; i < l->cfg->n_sources; i++) {
            const struct store_source *row = find_row(l->rows, l->n_rows, l->ids[i]);
            if (!row || store_source_state(row, now, l->cfg->collector.dark_after) != SOURCE_DARK)
                continue;
            /* one write per dark spell from this process, not one a second */
            int64_t spell = row->last_new_item ? row->last_new_item : row->created_at;
            if (l->dark_alerted[i] == spell)
                continue;
            bool raised = false;
            if (store_alert_source_dark(l->st, row->id, now, &raised, &err) != 0)
                loop_error(l, err.msg);
            else
                l->dark_alerted[i] = spell;
        }
    }
    if (busy || l->backlog_done || l->once)
        return;
    int done = 0;
    if (store_analysis_catch_up(l->st, ANALYSIS_BATCH, &done, &err) != 0)
        loop_error(l, err.msg);
    else if (done == 0)
        l->backlog_done = true;
}

/* Retention (retention.months): once a day, between fetches, the items
 * that may leave move to their monthly archives, a few seconds at a time
 * (the run is restartable, so a cut never loses anything), and only by the
 * lease's holder. */

static void retention_idle(struct loop *l, bool busy)
{
    const struct retention_config *rc = &l->cfg->retention;
    int64_t mono = jy_mono_ms();
    if (rc->months <= 0 || busy || l->once || mono < l->archive_next_ms)
        return;
    struct store_archive_opts o = {.months = rc->months,
                                   .dir = rc->archive_dir,
                                   .now = jy_now(),
                                   .budget_ms = ARCHIVE_BUDGET_MS};
    struct store_archive_report rep;
    struct jy_error err = {0};
    if (store_archive_run(l->st, &o, &rep, &err) != 0) {
        loop_error(l, err.msg);
        l->archive_next_ms = mono + ARCHIVE_RETRY_MS;
    } else {
        l->archive_next_ms = mono + (rep.more ? 1000 : ARCHIVE_EVERY_MS);
    }
    store_archive_report_clear(&rep);
}

/* The audit chain: sealed and anchored when due (see seal.c), by the
 * lease's holder only. A failure is noted in the store, where `jingyu
 * status` and the consoles show it, said once here, and tried again later;
 * collecting goes on. */
static void audit_idle(struct loop *l)
{
    int64_t mono = jy_mono_ms();
    if (l->once || mono < l->upkeep_next_ms)
        return;
    l->upkeep_next_ms = mono + UPKEEP_EVERY_MS;
    struct jy_error err = {0};
    int rc = collect_audit_upkeep(l->st, l->cfg, jy_now(), &err);
    if (rc && rc != JY_EBUSY) { /* EBUSY: the lease is gone; beat() says so */
        char *msg = xasprintf("audit chain upkeep: %s", err.msg);
        loop_error(l, msg);
        free(msg);
    }
}

/* One turn: lease, schedule, transfers, index. Returns whether --once still
 * has work. */
static bool turn(struct loop *l)
{
    int64_t now = jy_now();
    beat(l, now);
    bool pending = false;
    if (l->leader)
        pending = schedule(l, now);
    int running = 0;
    curl_multi_perform(l->multi, &running);
    /* Finished transfers go to the lane to be parsed; what it has parsed is
     * stored, all under one lock: parsing must not hold up consoles'
     * writes. */
    struct lane_job *keep = NULL, **tail = &keep; /* to store this turn, in order */
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(l->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (!t)
            continue;
        struct lane_job *j = xcalloc(1, sizeof *j);
        j->i = (size_t)t->source_index;
        j->t = t;
        j->res = m->data.result;
        j->media = l->cfg->sources[j->i].media_level;
        j->epoch = l->epoch;
        curl_multi_remove_handle(l->multi, t->easy);
        l->inflight[j->i] = NULL;
        l->n_inflight--;
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (j->res != CURLE_OK || status == 304) { /* nothing to parse: stored this turn */
            lane_job_finish(l->cfg, j);
            j->here = true;
            *tail = j;
            tail = &j->next;
            continue;
        }
        l->queued[j->i] = true;
        l->n_queued++;
        j->queued_bytes = t->body.len;
        l->queued_bytes += j->queued_bytes;
        lane_submit(l->lane, j);
    }
    if (!l->an && l->leader && lane_analysing(l->lane))
        store_analyzer_ready(l);
    char why[1024];
    if (lane_error(l->lane, why, sizeof why))
        loop_error(l, why);
    /* nothing else to wait for: wait for the lane */
    struct lane_job *jobs = lane_take(l->lane, l->n_inflight > 0 || keep ? 0 : POLL_MS);
    for (struct lane_job *j = jobs, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        if (j->epoch != l->epoch) { /* from before a lost lease */
            lane_job_free(j);
            continue;
        }
        l->queued[j->i] = false;
        l->n_queued--;
        l->queued_bytes -= j->queued_bytes;
        *tail = j;
        tail = &j->next;
    }
    if (keep)
        done_store(l, keep, jy_now());
    lane_recycle(l->lane, keep);
    if (l->leader) {
        analysis_idle(l, jy_now(), keep != NULL);
        retention_idle(l, keep != NULL || l->n_inflight > 0);
        audit_idle(l);
    }
    if (l->n_inflight > 0)
        curl_multi_poll(l->multi, NULL, 0, POLL_MS, NULL);
    return pending || l->n_inflight > 0 || lane_pending(l->lane) > 0;
}

static void *thread_main(void *arg)
{
    struct collector *c = arg;
    struct loop l;
    struct jy_error err = {0};
    /* A busy database at start (another process migrating or importing)
     * must not leave this console without a standby collector: retry. */
    while (loop_open(&l, c->cfg, false, &err) != 0) {
        pthread_mutex_lock(&c->mu);
        snprintf(c->last_error, sizeof c->last_error, "%s", err.msg);
        pthread_mutex_unlock(&c->mu);
        loop_close(&l);
        for (int k = 0; k < 25 && !atomic_load(&c->stop); k++)
            usleep(POLL_MS * 1000);
        if (atomic_load(&c->stop))
            return NULL;
    }
    l.owner = c;
    struct indexer *ix = indexer_start(&l);
    struct notifier *nt = notifier_start(&l);
    while (!atomic_load(&c->stop)) {
        /* sleep only when nothing is due: a fast server must not wait out a
         * pause between batches of `parallel` fetches */
        if (!turn(&l))
            usleep(POLL_MS * 1000);
    }
    notifier_stop(nt);
    indexer_stop(ix);
    loop_close(&l);
    atomic_store(&c->leader, false);
    return NULL;
}

int collector_start(const struct config *cfg, struct collector **out, struct jy_error *err)
{
    *out = NULL;
    struct collector *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    pthread_mutex_init(&c->mu, NULL);
    if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return jy_error_set(err, JY_EIO, "cannot start the collector thread");
    }
    *out = c;
    return 0;
}

void collector_stop(struct collector *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

bool collector_is_leader(const struct collector *c)
{
    return c && atomic_load(&((struct collector *)c)->leader);
}

void collector_last_error(struct collector *c, char *buf, size_t n)
{
    if (!c) {
        if (n)
            buf[0] = '\0';
        return;
    }
    pthread_mutex_lock(&c->mu);
    snprintf(buf, n, "%s", c->last_error);
    pthread_mutex_unlock(&c->mu);
}

int collect_run(const struct config *cfg, bool once, volatile sig_atomic_t *stop,
                struct jy_error *err)
{
    struct loop l;
    int rc = loop_open(&l, cfg, once, err);
    if (rc) {
        loop_close(&l);
        return rc;
    }
    if (once) {
        beat(&l, jy_now());
        if (!l.leader) {
            struct store_lease le;
            bool present = false;
            if (l.last_error[0] || store_lease_get(l.st, &le, &present, err) != 0 || !present) {
                rc = jy_error_set(err, JY_EDB, "cannot take the collector lease: %s",
                                  l.last_error[0] ? l.last_error : err->msg);
            } else {
                rc = jy_error_set(err, JY_EBUSY,
                                  "another process collects (%s pid %d); not fetching twice",
                                  le.host, le.pid);
            }
            loop_close(&l);
            return rc;
        }
        /* --once stores and leaves: indexing is the background's job
         * (jingyu status shows the lag; search scans what is not indexed) */
        while (!(stop && *stop) && turn(&l))
            ;
        if (!l.leader) {
            loop_close(&l);
            return jy_error_set(err, JY_EBUSY,
                                "lost the collector lease during the run; some sources were not "
                                "fetched");
        }
    } else {
        bool was_leader = false;
        struct indexer *ix = indexer_start(&l);
        struct notifier *nt = notifier_start(&l);
        fprintf(stderr, "jingyu collect: %s pid %d waiting for the collector lease\n", l.host,
                l.pid);
        while (!(stop && *stop)) {
            bool busy = turn(&l);
            if (l.leader != was_leader) {
                fprintf(stderr, "jingyu collect: %s\n",
                        l.leader ? "collecting (holds the lease)" : "lease lost; waiting");
                was_leader = l.leader;
            }
            if (!busy)
                usleep(POLL_MS * 1000);
        }
        notifier_stop(nt);
        indexer_stop(ix);
    }
    loop_close(&l);
    return 0;
}

int collect_inspect(const struct config *cfg, const char *url_or_file, struct feed *out,
                    struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    size_t max = cfg ? cfg->collector.max_body : 20u << 20;
    if (!strstr(url_or_file, "://")) {
        char *data;
        size_t len;
        int rc = jy_read_file(url_or_file, max, &data, &len, err);
        if (rc)
            return rc;
        struct parse_opts po = {
            .max_memory = collect_parse_memory(max, cfg ? cfg->collector.parse_memory : 8)};
        rc = parse_feed(data, len, &po, out, err);
        free(data);
        return rc;
    }
    struct collector_config cc = {.parallel = 1,
                                  .timeout = 30,
                                  .connect_timeout = 10,
                                  .max_body = max,
                                  .parse_memory = 8,
                                  .max_redirects = 5,
                                  .min_interval = 1,
                                  .max_backoff = 3600,
                                  .user_agent = "jingyu/" JY_VERSION};
    if (cfg)
        cc = cfg->collector;
    struct transfer *t = transfer_new(&cc, url_or_file, NULL, NULL);
    if (!t)
        return jy_error_set(err, JY_ENET, "cannot create a transfer");
    CURLcode res = curl_easy_perform(t->easy);
    struct fetch_result r;
    char msg[1200];
    int64_t ra;
    transfer_finish(t, res, NULL, &r, out, msg, sizeof msg, &ra, jy_now());
    transfer_free(t);
    if (!r.ok)
        return jy_error_set(err, JY_ENET, "%s: %s", url_or_file, msg);
    if (r.not_modified)
        return jy_error_set(err, JY_ENET, "%s: 304 without a request validator", url_or_file);
    return 0;
}
