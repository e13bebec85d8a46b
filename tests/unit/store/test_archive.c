/* Unit tests for retention (src/store/archive.c): what leaves and what
 * stays, and a run stopped at every one of its steps (as a kill -9 would
 * stop it) and finished by the next run, with nothing lost or kept twice
 * and the full-text indexes of both files matching their items. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_int.h"

#define N_ITEMS 35

struct fixture {
    char dir[64], path[128], arch[128];
    struct store *st;
    int64_t src;
};

static int64_t day(int y, int m, int d)
{
    return jy_days_from_civil(y, m, d) * 86400;
}

static void raw(struct fixture *f, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

/* 10 items in each of January, February and March 2026, 5 in July; ids
 * 1..35 in that order, all analysed and indexed. */
static void fill(struct fixture *f)
{
    static const int64_t when[4][3] = {{2026, 1, 10}, {2026, 2, 10}, {2026, 3, 10}, {2026, 7, 10}};
    int id = 0;
    for (int m = 0; m < 4; m++) {
        int n = m < 3 ? 10 : 5;
        struct feed_item it[10];
        char guid[10][16], title[10][64], body[10][96];
        for (int i = 0; i < n; i++) {
            id++;
            snprintf(guid[i], sizeof guid[i], "g%d", id);
            snprintf(title[i], sizeof title[i], "清河警情通报第%d号", id);
            snprintf(body[i], sizeof body[i], "城关派出所处置纠纷，编号%d。", id);
            it[i] = (struct feed_item){.guid = guid[i],
                                       .title = title[i],
                                       .content = body[i],
                                       .published =
                                           day((int)when[m][0], (int)when[m][1], (int)when[m][2]),
                                       .has_date = true};
        }
        int64_t now = day((int)when[m][0], (int)when[m][1], (int)when[m][2]) + 3600;
        struct fetch_result r = {.ok = true, .http_status = 200, .items = it, .n_items = (size_t)n};
        size_t ins = 0;
        struct jy_error err = {0};
        assert_int_equal(store_fetch_record(f->st, f->src, &r, now, &ins, &err), 0);
        assert_int_equal(ins, (size_t)n);
    }
    int done = 1;
    struct jy_error err = {0};
    while (done)
        assert_int_equal(store_index_step(f->st, 100, &done, &err), 0);
    /* analyses, events, duplicates and what pins items, written as the
     * analyzer and the console would have */
    raw(f, "INSERT INTO analysis (item_id, normalized, simhash, sentiment_score, analyzed_at) "
           "SELECT id, title, id, 0, fetched_at FROM items;"
           "INSERT INTO events (id, title, first_seen, last_seen, first_collected, items, sources,"
           " negative, velocity, score, level, updated_at) VALUES "
           "(1, 'E1', 0, 0, 0, 2, 1, 0, 0, 0, 0, 0), (2, 'E2', 0, 0, 0, 2, 1, 0, 0, 0, 0,"
           " 0), (3, 'E3', 0, 0, 0, 1, 1, 0, 0, 0, 0, 0), (4, 'E4', 0, 0, 0, 2, 1, 0,"
           " 0, 0, 0, 0);"
           /* open events' analyzer state, which leaves with the event */
           "INSERT INTO event_states VALUES (1, '{}'), (2, '{}'), (3, '{}'), (4, '{}');"
           /* E1: two January items, leaves; E2: a January item and a July one, stays;
            * E3: alerted, stays; E4: January and February, leaves with February */
           "UPDATE items SET event_id = 1 WHERE id IN (1, 2);"
           "UPDATE items SET event_id = 2 WHERE id IN (3, 31);"
           "UPDATE items SET event_id = 3 WHERE id = 4;"
           "UPDATE items SET event_id = 4 WHERE id IN (9, 12);"
           "INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at)"
           " VALUES ('event', 'e3', 3, 3, 'a', 0);"
           /* 5 a copy of 1 (both leave); 32 (July) a copy of 7: 7 stays */
           "UPDATE items SET dup_of = 1 WHERE id = 5;"
           "UPDATE items SET dup_of = 7 WHERE id = 32;"
           "INSERT INTO item_dups VALUES (1, 1), (7, 1);"
           "INSERT INTO labels VALUES (8, 1, 'x', 0);"
           "INSERT INTO incident_items VALUES (1, 10);");
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    /* tmpfs when there is one: the archive syncs every commit, and this
     * test makes a few hundred of them */
    snprintf(f->dir, sizeof f->dir, "%s/jy-arch-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    snprintf(f->arch, sizeof f->arch, "%s/archive", f->dir);
    struct jy_error err = {0};
    if (store_open(f->path, &f->st, &err) != 0)
        return -1;
    struct source_config sc = {.name = "某某日报",
                               .type = SOURCE_FEED,
                               .url = "http://127.0.0.1/rss",
                               .interval = 300,
                               .enabled = true};
    if (store_source_sync(f->st, &sc, &f->src, &err) != 0)
        return -1;
    fill(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

struct stop {
    int at, seen;
};

static int stop_at(void *ctx, int step)
{
    struct stop *s = ctx;
    s->seen = step;
    return s->at && step >= s->at;
}

static int archive(struct fixture *f, struct stop *s, struct store_archive_report *rep)
{
    struct store_archive_opts o = {
        .months = 3, .dir = f->arch, .now = day(2026, 7, 20), .step_hook = stop_at, .hook_ctx = s};
    struct jy_error err = {0};
    return store_archive_run(f->st, &o, rep, &err);
}

/* Appends "file:id" of every item (and "ev:file:id" of every event), and
 * checks that each file's index holds exactly its indexed items. */
static void list_file(const char *path, const char *tag, bool live, char *out, size_t n)
{
    sqlite3 *db;
    /* writable for an archive: FTS5 takes its integrity-check as an INSERT */
    assert_int_equal(
        sqlite3_open_v2(path, &db, live ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, NULL),
        SQLITE_OK);
    assert_int_equal(store_tokenizer_register(db, NULL), 0);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM items ORDER BY id", -1, &s, NULL),
                     SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out + strlen(out), n - strlen(out), "%s:%lld ", tag,
                 (long long)sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM events ORDER BY id", -1, &s, NULL),
                     SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out + strlen(out), n - strlen(out), "ev%s:%lld ", tag,
                 (long long)sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    /* every item has its analysis, and the index's documents are the items
     * (in the live file: those up to the index mark) */
    const char *q = live ? "SELECT (SELECT count(*) FROM items i LEFT JOIN analysis a ON "
                           "a.item_id = i.id WHERE a.item_id IS NULL) + (SELECT count(*) FROM "
                           "items_fts_docsize d LEFT JOIN items i ON i.id = d.id WHERE i.id IS "
                           "NULL) + (SELECT count(*) FROM items i, fts_state t WHERE i.id <= "
                           "t.indexed_upto AND i.id NOT IN (SELECT id FROM items_fts_docsize))"
                         : "SELECT (SELECT count(*) FROM items i LEFT JOIN analysis a ON "
                           "a.item_id = i.id WHERE a.item_id IS NULL) + (SELECT count(*) FROM "
                           "items_fts_docsize d LEFT JOIN items i ON i.id = d.id WHERE i.id IS "
                           "NULL) + (SELECT count(*) FROM items i WHERE i.id NOT IN (SELECT id "
                           "FROM items_fts_docsize)) + (SELECT count(*) FROM arc_pending)";
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (sqlite3_column_int(s, 0) != 0)
        fail_msg("%s: %d rows out of step between items, analyses, index and pending", path,
                 sqlite3_column_int(s, 0));
    sqlite3_finalize(s);
    /* an archive's character index is whole (floor 0) and holds exactly its
     * items: every one of them has 警 */
    if (!live) {
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT (SELECT floor FROM chars_state), (SELECT "
                                            "count(*) FROM items_chars('\"警\"')) - (SELECT "
                                            "count(*) FROM items)",
                                            -1, &s, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        if (sqlite3_column_int64(s, 0) != 0 || sqlite3_column_int64(s, 1) != 0)
            fail_msg("%s: character index floor %lld, %lld rows more than items", path,
                     (long long)sqlite3_column_int64(s, 0), (long long)sqlite3_column_int64(s, 1));
        sqlite3_finalize(s);
        char *msg = NULL;
        if (sqlite3_exec(db, "INSERT INTO items_chars (items_chars) VALUES ('integrity-check')",
                         NULL, NULL, &msg) != SQLITE_OK)
            fail_msg("%s: items_chars: %s", path, msg);
    }
    sqlite3_close(db);
}

static void state_of(struct fixture *f, char *out, size_t n)
{
    out[0] = '\0';
    list_file(f->path, "live", true, out, n);
    static const char *const months[] = {"2026-01", "2026-02", "2026-03"};
    for (int i = 0; i < 3; i++) {
        char *p = store_archive_path(f->arch, months[i]);
        if (access(p, F_OK) == 0)
            list_file(p, months[i], false, out, n);
        free(p);
    }
}

#define EXPECTED                                                                                   \
    "live:3 live:4 live:7 live:8 live:10 live:31 live:32 live:33 live:34 live:35 evlive:2 "        \
    "evlive:3 2026-01:1 2026-01:2 2026-01:5 2026-01:6 ev2026-01:1 2026-02:9 2026-02:11 "           \
    "2026-02:12 2026-02:13 2026-02:14 2026-02:15 2026-02:16 2026-02:17 2026-02:18 2026-02:19 "     \
    "2026-02:20 ev2026-02:4 2026-03:21 2026-03:22 2026-03:23 2026-03:24 2026-03:25 2026-03:26 "    \
    "2026-03:27 2026-03:28 2026-03:29 2026-03:30 "

static int64_t count_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* The ids store_search finds for query in st, newest first, as "20 19 ". */
static void expect_hits(struct store *st, const char *query, const char *want)
{
    struct store_item *v;
    size_t n;
    struct jy_error err = {0};
    assert_int_equal(store_search(st, query, NULL, 50, &v, &n, &err), 0);
    char got[512] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%lld ", (long long)v[i].id);
    store_items_free(v, n);
    if (strcmp(got, want))
        fail_msg("%s: search %s: got %s, want %s", st->path, query, got, want);
}

static void what_leaves_and_what_stays(void **state)
{
    struct fixture *f = *state;
    struct stop s = {0};
    struct store_archive_report rep;
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(archive(f, &s, &rep), 0);
    assert_int_equal(rep.n, 3);
    assert_int_equal(rep.months[0].items + rep.months[1].items + rep.months[2].items, 25);
    store_archive_report_clear(&rep);
    char got[4096];
    state_of(f, got, sizeof got);
    assert_string_equal(got, EXPECTED);
    /* a second run has nothing to do; search opens an archive */
    assert_int_equal(archive(f, &s, &rep), 0);
    assert_int_equal(rep.n, 0);
    store_archive_report_clear(&rep);
    struct store *ar = NULL;
    struct jy_error err = {0};
    char *p = store_archive_path(f->arch, "2026-02");
    assert_int_equal(store_open_archive(p, &ar, &err), 0);
    struct store_item *v;
    size_t n;
    assert_int_equal(store_search(ar, "警情通报", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 11);
    assert_string_equal(v[0].source_name, "某某日报");
    store_items_free(v, n);
    assert_int_equal(store_search(ar, "第12号", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].dups, 0);
    store_items_free(v, n);
    /* a single character, and one beside a digit, answer from the
     * archive's character index: the hits of a scan, though a scan could
     * now reach only the newest item */
    assert_int_equal(count_of(ar->db, "SELECT count(*) FROM items_chars('\"警\"')"), 11);
    ar->scan_window = 1;
    expect_hits(ar, "警", "20 19 18 17 16 15 14 13 12 11 9 ");
    expect_hits(ar, "2号", "12 ");
    store_close(ar);
    free(p);
    /* a first copy keeps its count of duplicates in the archive, where it
     * sits on the item's row (the live file's item_dups, migration 15, is
     * not archived) */
    p = store_archive_path(f->arch, "2026-01");
    assert_int_equal(store_open_archive(p, &ar, &err), 0);
    assert_int_equal(store_search(ar, "第1号", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, 1);
    assert_int_equal(v[0].dups, 1);
    store_items_free(v, n);
    store_close(ar);
    free(p);
    /* the live file's search no longer finds what left, by either index,
     * and both hold exactly the items that stayed */
    assert_int_equal(store_search(f->st, "警情通报", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 10);
    store_items_free(v, n);
    assert_int_equal(store_search(f->st, "警", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 10);
    store_items_free(v, n);
    /* the count of a first copy that stays stays; that of one that left, left */
    assert_int_equal(store_search(f->st, "第7号", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].dups, 1);
    store_items_free(v, n);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(f->st->db,
                                        "SELECT (SELECT count(*) FROM items_fts('\"警情\"')), "
                                        "(SELECT count(*) FROM items_chars('\"警\"'))",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 10);
    assert_int_equal(sqlite3_column_int(q, 1), 10);
    sqlite3_finalize(q);
    assert_int_equal(
        sqlite3_exec(f->st->db,
                     "INSERT INTO items_fts (items_fts) VALUES ('integrity-check');"
                     "INSERT INTO items_chars (items_chars) VALUES ('integrity-check');",
                     NULL, NULL, NULL),
        SQLITE_OK);
}

/* An archive written before the character index (dropped here, as an
 * older jingyu wrote it) is searched by scanning until an archive run
 * gives it the index, a batch at a time; a run stopped at any step of
 * that, and searches between, find what a scan finds, and the next run
 * finishes the index. */
static void older_archive_gets_its_index(void **state)
{
    struct fixture *f = *state;
    struct stop s = {0};
    struct store_archive_report rep;
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(archive(f, &s, &rep), 0);
    store_archive_report_clear(&rep);
    static const char *const months[] = {"2026-01", "2026-02", "2026-03"};
    static const char *const scans[] = {"6 5 2 1 ", "20 19 18 17 16 15 14 13 12 11 9 ",
                                        "30 29 28 27 26 25 24 23 22 21 "};
    for (int i = 0; i < 3; i++) {
        char *p = store_archive_path(f->arch, months[i]);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
        assert_int_equal(store_tokenizer_register(db, NULL), 0);
        assert_int_equal(
            sqlite3_exec(db, "DROP TABLE items_chars; DROP TABLE chars_state;", NULL, NULL, NULL),
            SQLITE_OK);
        sqlite3_close(db);
        struct store *ar = NULL;
        struct jy_error err = {0};
        assert_int_equal(store_open_archive(p, &ar, &err), 0);
        expect_hits(ar, "警", scans[i]);
        store_close(ar);
        free(p);
    }
    /* three items a step: the months of 4, 11 and 10 items take 2, 4 and 4
     * steps, each run stopped after one (the tenth has none left) */
    struct store_archive_opts o = {.months = 3,
                                   .dir = f->arch,
                                   .now = day(2026, 7, 20),
                                   .chars_batch = 3,
                                   .step_hook = stop_at,
                                   .hook_ctx = &s};
    int stops = 0;
    for (;;) {
        s = (struct stop){.at = 2}; /* one step a run */
        struct jy_error err = {0};
        int rc = store_archive_run(f->st, &o, &rep, &err);
        store_archive_report_clear(&rep);
        for (int i = 0; i < 3; i++) {
            char *p = store_archive_path(f->arch, months[i]);
            struct store *ar = NULL;
            assert_int_equal(store_open_archive(p, &ar, &err), 0);
            expect_hits(ar, "警", scans[i]);
            store_close(ar);
            free(p);
        }
        if (rc == 0)
            break;
        stops++;
        assert_true(stops < 20);
    }
    assert_int_equal(stops, 9);
    char got[4096];
    state_of(f, got, sizeof got);
    assert_string_equal(got, EXPECTED);
    /* and each answers a single character from its index now */
    for (int i = 0; i < 3; i++) {
        char *p = store_archive_path(f->arch, months[i]);
        struct store *ar = NULL;
        struct jy_error err = {0};
        assert_int_equal(store_open_archive(p, &ar, &err), 0);
        ar->scan_window = 1;
        expect_hits(ar, "警", scans[i]);
        store_close(ar);
        free(p);
    }
}

/* A run killed in the middle of a commit to an archive leaves a hot
 * journal: search still opens the month, as it was before that commit. */
static void killed_commit_leaves_month_readable(void **state)
{
    struct fixture *f = *state;
    struct stop s = {0};
    struct store_archive_report rep;
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(archive(f, &s, &rep), 0);
    store_archive_report_clear(&rep);
    char *p = store_archive_path(f->arch, "2026-02");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* a writer that spills its pages into the file, then dies */
        sqlite3 *db;
        if (sqlite3_open(p, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA cache_size = 10; BEGIN; UPDATE items SET title = 'x';"
                         "CREATE TABLE junk (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO junk SELECT "
                         "randomblob(1000) FROM n;",
                         NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char journal[160];
    snprintf(journal, sizeof journal, "%s-journal", p);
    assert_int_equal(access(journal, F_OK), 0);
    struct store *ar = NULL;
    struct jy_error err = {0};
    if (store_open_archive(p, &ar, &err))
        fail_msg("%s", err.msg);
    struct store_item *v;
    size_t n;
    assert_int_equal(store_search(ar, "警情通报", NULL, 50, &v, &n, &err), 0);
    assert_int_equal(n, 11);
    assert_string_not_equal(v[0].title, "x");
    store_items_free(v, n);
    store_close(ar);
    free(p);
}

/* Stops the run at step k (k = 1, 2, ... until a run has no step k), then
 * reopens the store as a restarted process would and runs again: the end
 * is always the same. */
static void stopped_anywhere_finishes_alike(void **state)
{
    struct fixture *f = *state;
    setenv("TZ", "UTC", 1);
    tzset();
    char want[4096], got[4096];
    for (int k = 1;; k++) {
        struct stop s = {.at = k};
        struct store_archive_report rep;
        int rc = archive(f, &s, &rep);
        store_archive_report_clear(&rep);
        if (rc == 0) { /* fewer than k steps: every point was tried */
            state_of(f, got, sizeof got);
            assert_string_equal(got, EXPECTED);
            assert_true(k > 10);
            break;
        }
        store_close(f->st);
        struct jy_error err = {0};
        assert_int_equal(store_open(f->path, &f->st, &err), 0);
        struct stop none = {0};
        assert_int_equal(archive(f, &none, &rep), 0);
        store_archive_report_clear(&rep);
        state_of(f, got, sizeof got);
        if (strcmp(got, EXPECTED))
            fail_msg("stopped at step %d: got %s", k, got);
        /* a fresh store for the next k */
        store_close(f->st);
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf %s/*", f->dir);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(store_open(f->path, &f->st, &err), 0);
        struct source_config sc = {.name = "某某日报",
                                   .type = SOURCE_FEED,
                                   .url = "http://127.0.0.1/rss",
                                   .interval = 300,
                                   .enabled = true};
        assert_int_equal(store_source_sync(f->st, &sc, &f->src, &err), 0);
        fill(f);
        (void)want;
    }
}

static void pinned_meanwhile_stays_once(void **state)
{
    /* an item linked to an incident between the copy and the delete stays
     * live, and its copy leaves the archive */
    struct fixture *f = *state;
    setenv("TZ", "UTC", 1);
    tzset();
    struct stop s = {.at = 2}; /* after the first batch's copy */
    struct store_archive_report rep;
    assert_int_not_equal(archive(f, &s, &rep), 0);
    store_archive_report_clear(&rep);
    raw(f, "INSERT INTO incident_items VALUES (2, 6);");
    struct stop none = {0};
    assert_int_equal(archive(f, &none, &rep), 0);
    store_archive_report_clear(&rep);
    char got[4096];
    state_of(f, got, sizeof got);
    assert_non_null(strstr(got, "live:6 "));
    assert_null(strstr(got, "2026-01:6 "));
}

static void refused_without_admin_or_retention(void **state)
{
    struct fixture *f = *state;
    struct actor viewer = {.login = "v", .roles = ROLE_OPERATOR, .known = true};
    struct store_archive_opts o = {
        .months = 3, .dir = f->arch, .now = day(2026, 7, 20), .actor = &viewer};
    struct store_archive_report rep;
    struct jy_error err = {0};
    assert_int_equal(store_archive_run(f->st, &o, &rep, &err), JY_EPERM);
    o.actor = NULL;
    o.months = 0;
    assert_int_equal(store_archive_run(f->st, &o, &rep, &err), JY_EINVAL);
    assert_int_not_equal(access(f->arch, F_OK), 0);
}

static void vacuum_gives_pages_back(void **state)
{
    struct fixture *f = *state;
    struct actor admin = {.login = "a", .roles = ROLE_ADMIN, .known = true};
    struct actor op = {.login = "o", .roles = ROLE_OPERATOR, .known = true};
    raw(f, "CREATE TABLE filler (x BLOB); INSERT INTO filler WITH RECURSIVE n(i) AS "
           "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) SELECT zeroblob(4000) FROM n;"
           "DROP TABLE filler;");
    struct store_db_stats s;
    struct jy_error err = {0};
    assert_int_equal(store_db_stats(f->st, f->arch, &s, &err), 0);
    assert_int_equal(s.auto_vacuum, 2); /* new files are made incremental */
    assert_true(s.free_pages >= 400);
    int64_t pages = s.pages;
    store_db_stats_clear(&s);
    int64_t freed = 0;
    assert_int_equal(store_db_vacuum(f->st, &op, 100, true, NULL, NULL, 0, &freed, &err), JY_EPERM);
    assert_int_equal(store_db_vacuum(f->st, &admin, 100, false, NULL, NULL, 0, &freed, &err), 0);
    assert_true(freed >= 400);
    assert_int_equal(store_db_stats(f->st, NULL, &s, &err), 0);
    assert_int_equal(s.free_pages, 0);
    assert_true(s.pages <= pages - 400);
    bool found = false;
    for (size_t i = 0; i < s.n_tables; i++)
        if (!strcmp(s.tables[i].name, "items"))
            found = s.tables[i].rows == N_ITEMS;
    assert_true(found);
    store_db_stats_clear(&s);
    struct store_audit *a;
    size_t n;
    assert_int_equal(store_audit_list(f->st, NULL, 0, 1, &a, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].action, "db.vacuum");
    store_audit_free(a, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(what_leaves_and_what_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(stopped_anywhere_finishes_alike, setup, teardown),
        cmocka_unit_test_setup_teardown(killed_commit_leaves_month_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(older_archive_gets_its_index, setup, teardown),
        cmocka_unit_test_setup_teardown(pinned_meanwhile_stays_once, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_without_admin_or_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(vacuum_gives_pages_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
