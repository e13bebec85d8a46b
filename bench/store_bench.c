/* store_bench: times store queries directly, without a terminal or a
 * network in between, so the console and search figures can be split into
 * query cost and everything else.
 *
 *   store_bench search DB REPEATS TERM...  store_search(limit 50): first call
 *                                           and median of REPEATS, per term
 *   store_bench page DB REPEATS ROWS        store_items_page: the newest page,
 *                                           and older pages by keyset from
 *                                           cursors spread over the table
 *   store_bench like DB REPEATS TERM...    the baseline: the same newest-50
 *                                           question as a plain LIKE scan on
 *                                           items, straight through SQLite
 *   store_bench lag DB N                    fresh DB: store N items in fetch-
 *                                           sized calls (50 items), then time
 *                                           store_index_step(2000) until
 *                                           store_index_lag reports 0
 *   store_bench refresh DB REPEATS          the store calls of one console
 *                                           refresh (what it re-reads when
 *                                           data_version moves): the risk
 *                                           board (72 h, 200 events), the
 *                                           newest feed page, the waiting
 *                                           alerts, sources, open incidents;
 *                                           first call and median of each;
 *                                           and the change marks a console
 *                                           reads first (store_marks_read)
 *   store_bench catchup DB BATCH            store_index_step(BATCH) until it
 *                                           has nothing left: on a store
 *                                           migrated to schema 13 that is
 *                                           the background fill of the
 *                                           character index; total and
 *                                           longest step (the write lock)
 *   store_bench write DB SECONDS [CONFIG]   a collector's commits for the
 *                                           console CPU figure: every
 *                                           second one fetch of 5 new
 *                                           items (analysed with CONFIG's
 *                                           schemes and risk model), one of
 *                                           nothing new (a 304: the source's
 *                                           health only), and an index step
 * Every figure is printed as one line with KEY=VALUE fields for run.sh.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "config/config.h"
#include "incident/incident.h"
#include "store/store.h"
#include "text.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)(q * (double)(n - 1) + 0.5);
    return v[k < n ? k : n - 1];
}

static int die(const char *what, const struct jy_error *err)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, err->msg);
    return 1;
}

static int cmd_search(const char *db, int repeats, char **terms, int n_terms)
{
    struct store *st;
    struct jy_error err = {0};
    if (store_open(db, &st, &err))
        return die("open", &err);
    double *t = xcalloc((size_t)repeats, sizeof *t);
    for (int k = 0; k < n_terms; k++) {
        double first = 0;
        size_t hits = 0;
        for (int r = 0; r <= repeats; r++) {
            struct store_item *items;
            size_t n;
            double t0 = now_ms();
            if (store_search(st, terms[k], NULL, 50, &items, &n, &err))
                return die("search", &err);
            double dt = now_ms() - t0;
            store_items_free(items, n);
            if (r == 0) {
                first = dt;
                hits = n;
            } else {
                t[r - 1] = dt;
            }
        }
        printf("search term=%s hits=%zu first_ms=%.2f median_ms=%.3f p95_ms=%.3f\n", terms[k], hits,
               first, quantile(t, (size_t)repeats, 0.5), quantile(t, (size_t)repeats, 0.95));
    }
    free(t);
    store_close(st);
    return 0;
}

/* What a program without a full-text index does: scan items newest first
 * until 50 match (the whole table when fewer do), with the same columns and
 * join as store_search returns. */
static int cmd_like(const char *db, int repeats, char **terms, int n_terms)
{
    sqlite3 *h;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "store_bench: %s: %s\n", db, sqlite3_errmsg(h));
        return 1;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(
            h,
            "SELECT i.id, i.source_id, s.name, i.guid, i.link, i.title, i.author,"
            " i.published_at, i.fetched_at, i.sort_at, i.date_missing,"
            " i.read_at IS NOT NULL FROM items i JOIN sources s ON s.id = i.source_id"
            " WHERE i.title LIKE ?1 OR i.content LIKE ?1 ORDER BY i.id DESC LIMIT 50",
            -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "store_bench: like: %s\n", sqlite3_errmsg(h));
        return 1;
    }
    double *t = xcalloc((size_t)repeats, sizeof *t);
    for (int k = 0; k < n_terms; k++) {
        char *pat = xasprintf("%%%s%%", terms[k]);
        double first = 0;
        size_t hits = 0;
        for (int r = 0; r <= repeats; r++) {
            size_t n = 0;
            double t0 = now_ms();
            sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
            while (sqlite3_step(s) == SQLITE_ROW)
                n++;
            sqlite3_reset(s);
            double dt = now_ms() - t0;
            if (r == 0) {
                first = dt;
                hits = n;
            } else {
                t[r - 1] = dt;
            }
        }
        printf("like term=%s hits=%zu first_ms=%.2f median_ms=%.3f p95_ms=%.3f\n", terms[k], hits,
               first, quantile(t, (size_t)repeats, 0.5), quantile(t, (size_t)repeats, 0.95));
        free(pat);
    }
    free(t);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return 0;
}

static int cmd_page(const char *db, int repeats, int rows)
{
    struct store *st;
    struct jy_error err = {0};
    if (store_open(db, &st, &err))
        return die("open", &err);
    double *t = xcalloc((size_t)repeats, sizeof *t);
    struct store_item *items;
    size_t n;
    for (int r = 0; r < repeats; r++) {
        double t0 = now_ms();
        if (store_items_page(st, NULL, true, (size_t)rows, &items, &n, &err))
            return die("page", &err);
        t[r] = now_ms() - t0;
        store_items_free(items, n);
    }
    printf("page kind=newest rows=%d median_ms=%.3f p95_ms=%.3f\n", rows,
           quantile(t, (size_t)repeats, 0.5), quantile(t, (size_t)repeats, 0.95));

    /* cursors from ids spread over the table: page down (older) and up */
    int64_t max_id = 0;
    store_items_max_id(st, &max_id, &err);
    for (int dir = 0; dir < 2; dir++) {
        for (int r = 0; r < repeats; r++) {
            int64_t id = 1 + (int64_t)((double)(max_id - 1) * (double)(r + 1) / (repeats + 1));
            struct store_item cur;
            if (store_item_get(st, id, &cur, &err))
                return die("item", &err);
            struct store_cursor c = {cur.sort_at, cur.id};
            store_item_clear(&cur);
            double t0 = now_ms();
            if (store_items_page(st, &c, dir == 0, (size_t)rows, &items, &n, &err))
                return die("page", &err);
            t[r] = now_ms() - t0;
            store_items_free(items, n);
        }
        printf("page kind=%s rows=%d median_ms=%.3f p95_ms=%.3f\n", dir == 0 ? "older" : "newer",
               rows, quantile(t, (size_t)repeats, 0.5), quantile(t, (size_t)repeats, 0.95));
    }
    free(t);
    store_close(st);
    return 0;
}

static int cmd_lag(const char *db, size_t n_items)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char *p = xasprintf("%s%s", db, sfx[i]);
        unlink(p);
        free(p);
    }
    struct bench_text bt;
    bench_text_load(&bt, 12000);
    struct store *st;
    struct jy_error err = {0};
    if (store_open(db, &st, &err))
        return die("open", &err);
    enum { SOURCES = 200, PER_FETCH = 50 };
    int64_t ids[SOURCES];
    for (int s = 0; s < SOURCES; s++) {
        char name[32];
        snprintf(name, sizeof name, "lag-%03d", s);
        struct source_config sc = {.name = name,
                                   .type = SOURCE_FEED,
                                   .url = "http://127.0.0.1:1/x.xml",
                                   .interval = 300,
                                   .enabled = true};
        if (store_source_sync(st, &sc, &ids[s], &err))
            return die("source", &err);
    }
    struct feed_item items[PER_FETCH];
    struct jy_buf title, content;
    jy_buf_init(&title, 0);
    jy_buf_init(&content, 0);
    int64_t now = jy_now();
    double ins_ms = 0;
    for (size_t done = 0, call = 0; done < n_items; call++) {
        size_t k = n_items - done < PER_FETCH ? n_items - done : PER_FETCH;
        for (size_t j = 0; j < k; j++) {
            bench_text_item(&bt, done + j, 200, &title, &content);
            items[j] = (struct feed_item){.guid = xasprintf("lag-%zu", done + j),
                                          .title = jy_buf_steal(&title),
                                          .content = jy_buf_steal(&content),
                                          .published = now - (int64_t)(n_items - done - j),
                                          .has_date = true};
        }
        struct fetch_result r = {
            .ok = true, .http_status = 200, .items = items, .n_items = k, .next_due = now + 300};
        double t0 = now_ms();
        if (store_fetch_record(st, ids[call % SOURCES], &r, now, NULL, &err))
            return die("insert", &err);
        ins_ms += now_ms() - t0;
        for (size_t j = 0; j < k; j++)
            feed_item_clear(&items[j]);
        done += k;
    }
    int64_t pending = 0;
    store_index_lag(st, &pending, NULL, &err);
    double t0 = now_ms();
    int steps = 0, done;
    do {
        if (store_index_step(st, 2000, &done, &err))
            return die("index", &err);
        steps++;
    } while (done > 0);
    double idx_ms = now_ms() - t0;
    int64_t after = -1;
    store_index_lag(st, &after, NULL, &err);
    printf("lag items=%zu insert_ms=%.0f pending_before=%lld catchup_ms=%.0f steps=%d "
           "pending_after=%lld index_rps=%.0f\n",
           n_items, ins_ms, (long long)pending, idx_ms, steps - 1, (long long)after,
           (double)pending / (idx_ms / 1000.0));
    jy_buf_free(&title);
    jy_buf_free(&content);
    bench_text_free(&bt);
    store_close(st);
    return 0;
}

/* One of the store calls a console refresh makes; returns 0 or an error. */
static int refresh_call(struct store *st, int which, struct jy_error *err)
{
    int64_t now = jy_now();
    int rc = 0;
    switch (which) {
    case 0: {
        struct store_event *ev;
        size_t n;
        if (!(rc = store_events_board(st, now, 72, 200, &ev, &n, err)))
            store_events_free(ev, n);
        break;
    }
    case 1: {
        struct store_item *items;
        size_t n;
        if (!(rc = store_items_page(st, NULL, true, 30, &items, &n, err)))
            store_items_free(items, n);
        break;
    }
    case 2: {
        int events, sources;
        rc = store_alerts_waiting(st, now, &events, &sources, err);
        break;
    }
    case 3: {
        struct store_source *src;
        size_t n;
        if (!(rc = store_sources_list(st, &src, &n, err)))
            store_sources_free(src, n);
        break;
    }
    default: {
        struct incident *v;
        size_t n;
        if (!(rc = store_incidents_list(st, true, 500, &v, &n, err)))
            incidents_free(v, n);
        break;
    }
    }
    return rc;
}

static int cmd_refresh(const char *db, int repeats)
{
    static const char *const names[] = {"board", "page", "alerts", "sources", "incidents"};
    struct store *st;
    struct jy_error err = {0};
    if (store_open(db, &st, &err))
        return die("open", &err);
    double *t = xcalloc((size_t)repeats, sizeof *t);
    double total_first = 0, total_med = 0;
    for (int k = 0; k < 5; k++) {
        double t0 = now_ms();
        if (refresh_call(st, k, &err))
            return die(names[k], &err);
        double first = now_ms() - t0;
        for (int r = 0; r < repeats; r++) {
            t0 = now_ms();
            if (refresh_call(st, k, &err))
                return die(names[k], &err);
            t[r] = now_ms() - t0;
        }
        double med = quantile(t, (size_t)repeats, 0.5);
        printf("refresh call=%s first_ms=%.3f median_ms=%.3f p95_ms=%.3f\n", names[k], first, med,
               quantile(t, (size_t)repeats, 0.95));
        total_first += first;
        total_med += med;
    }
    printf("refresh call=all first_ms=%.3f median_ms=%.3f\n", total_first, total_med);
    /* what a console pays for a commit that changed nothing it shows: the
     * change marks, read to find that out */
    for (int r = 0; r < repeats; r++) {
        struct store_marks m;
        double t0 = now_ms();
        if (store_marks_read(st, &m, &err))
            return die("marks", &err);
        t[r] = now_ms() - t0;
    }
    printf("refresh call=marks median_ms=%.3f p95_ms=%.3f\n", quantile(t, (size_t)repeats, 0.5),
           quantile(t, (size_t)repeats, 0.95));
    free(t);
    store_close(st);
    return 0;
}

/* What a console sees while a collector runs: each second, a fetch that
 * brings items (and, analysed, moves events), a fetch that brings nothing
 * but the source's health, and the background index catching up. */
static int cmd_write(const char *db, int seconds, const char *config_path)
{
    struct store *st;
    struct jy_error err = {0};
    if (store_open(db, &st, &err))
        return die("open", &err);
    struct config *cfg = NULL;
    struct analyzer *an = NULL;
    if (config_path && (config_load(config_path, &cfg, &err) || analyzer_new(cfg, &an, &err) ||
                        store_set_analyzer(st, an, &cfg->analysis, &err)))
        return die("analyzer", &err);
    struct store_source *src = NULL;
    size_t n_src = 0;
    if (store_sources_list(st, &src, &n_src, &err))
        return die("sources", &err);
    if (n_src < 2) {
        fprintf(stderr, "store_bench: write: %s has fewer than 2 sources\n", db);
        return 1;
    }
    int64_t max_id = 0;
    store_items_max_id(st, &max_id, &err);
    struct bench_text bt;
    bench_text_load(&bt, 12000);
    enum { PER_FETCH = 5 };
    struct feed_item items[PER_FETCH];
    struct jy_buf title, content;
    jy_buf_init(&title, 0);
    jy_buf_init(&content, 0);
    size_t stored = 0, commits = 0;
    double t_end = now_ms() + seconds * 1000.0, next = now_ms();
    for (int k = 0; now_ms() < t_end; k++) {
        int64_t now = jy_now();
        for (size_t j = 0; j < PER_FETCH; j++) {
            size_t i = (size_t)max_id + (size_t)k * PER_FETCH + j;
            bench_text_item(&bt, i, 200, &title, &content);
            items[j] = (struct feed_item){.guid = xasprintf("write-%lld-%zu", (long long)now, i),
                                          .title = jy_buf_steal(&title),
                                          .content = jy_buf_steal(&content),
                                          .published = now,
                                          .has_date = true};
        }
        struct fetch_result r = {.ok = true,
                                 .http_status = 200,
                                 .items = items,
                                 .n_items = PER_FETCH,
                                 .next_due = now + 300};
        size_t ins = 0;
        if (store_fetch_record(st, src[(size_t)k % n_src].id, &r, now, &ins, &err))
            return die("insert", &err);
        for (size_t j = 0; j < PER_FETCH; j++)
            feed_item_clear(&items[j]);
        stored += ins;
        struct fetch_result nm = {
            .ok = true, .not_modified = true, .http_status = 304, .next_due = now + 300};
        if (store_fetch_record(st, src[(size_t)(k + 1) % n_src].id, &nm, now, NULL, &err))
            return die("not modified", &err);
        int done = 0;
        if (store_index_step(st, 2000, &done, &err))
            return die("index", &err);
        commits += 2 + (done > 0);
        next += 1000.0;
        double wait = next - now_ms();
        if (wait > 0)
            usleep((useconds_t)(wait * 1000.0));
    }
    printf("write seconds=%d items=%zu commits=%zu analysed=%s\n", seconds, stored, commits,
           an ? "yes" : "no");
    jy_buf_free(&title);
    jy_buf_free(&content);
    bench_text_free(&bt);
    store_sources_free(src, n_src);
    store_close(st);
    analyzer_free(an);
    config_free(cfg);
    return 0;
}

static int cmd_catchup(const char *db, int batch)
{
    struct jy_error err = {0};
    struct store *st;
    if (store_open(db, &st, &err))
        return die("open", &err);
    double t0 = now_ms(), longest = 0;
    long rows = 0;
    int steps = 0, done;
    do {
        double ts = now_ms();
        if (store_index_step(st, batch, &done, &err))
            return die("index", &err);
        double d = now_ms() - ts;
        longest = d > longest ? d : longest;
        rows += done;
        steps++;
    } while (done > 0);
    double ms = now_ms() - t0;
    printf("catchup batch=%d rows=%ld steps=%d total_ms=%.0f longest_step_ms=%.1f rps=%.0f\n",
           batch, rows, steps, ms, longest, ms > 0 ? (double)rows / (ms / 1000.0) : 0.0);
    store_close(st);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "search") == 0)
        return cmd_search(argv[2], atoi(argv[3]), argv + 4, argc - 4);
    if (argc >= 5 && strcmp(argv[1], "like") == 0)
        return cmd_like(argv[2], atoi(argv[3]), argv + 4, argc - 4);
    if (argc == 5 && strcmp(argv[1], "page") == 0)
        return cmd_page(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "lag") == 0)
        return cmd_lag(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "refresh") == 0)
        return cmd_refresh(argv[2], atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "catchup") == 0)
        return cmd_catchup(argv[2], atoi(argv[3]));
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "write") == 0)
        return cmd_write(argv[2], atoi(argv[3]), argc == 5 ? argv[4] : NULL);
    fprintf(stderr, "usage: store_bench search|like DB REPEATS TERM... | page DB REPEATS ROWS |"
                    " lag DB N | refresh DB REPEATS | catchup DB BATCH |"
                    " write DB SECONDS [CONFIG]\n");
    return 2;
}
