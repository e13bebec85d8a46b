/* Unit tests for src/store: migrations, items and keyset paging, search over
 * the background index, source health and validators, the collector lease,
 * change detection. Each test works on a fresh file in a temp folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_int.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
    int64_t src;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/jy-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    struct jy_error err = {0};
    if (store_open(f->path, &f->st, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    struct source_config sc = {.name = "某某日报",
                               .type = SOURCE_FEED,
                               .url = "http://127.0.0.1/rss",
                               .interval = 300,
                               .enabled = true};
    if (store_source_sync(f->st, &sc, &f->src, &err) != 0)
        return -1;
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

static size_t record(struct fixture *f, struct feed_item *items, size_t n, int64_t now)
{
    struct fetch_result r = {
        .ok = true, .http_status = 200, .items = items, .n_items = n, .next_due = now + 300};
    size_t ins = 99;
    struct jy_error err = {0};
    assert_int_equal(store_fetch_record(f->st, f->src, &r, now, &ins, &err), 0);
    return ins;
}

static struct feed_item mk(const char *guid, const char *title, const char *content, int64_t pub)
{
    struct feed_item it = {.guid = (char *)guid,
                           .title = (char *)title,
                           .content = (char *)content,
                           .published = pub,
                           .has_date = pub != 0};
    return it;
}

/* The collector schedules from store_sources_list: every source is in
 * it, past 10,000 too (a county with many feeds lost the rest). */
static void sources_list_has_every_source(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_exec(f->st, "BEGIN", NULL), 0);
    for (int i = 0; i < 10050; i++) {
        char name[32], url[64];
        snprintf(name, sizeof name, "源%d", i);
        snprintf(url, sizeof url, "http://127.0.0.1/%d", i);
        struct source_config sc = {
            .name = name, .type = SOURCE_FEED, .url = url, .interval = 300, .enabled = true};
        assert_int_equal(store_source_sync(f->st, &sc, NULL, NULL), 0);
    }
    assert_int_equal(store_exec(f->st, "COMMIT", NULL), 0);
    struct store_source *v;
    size_t n;
    assert_int_equal(store_sources_list(f->st, &v, &n, NULL), 0);
    assert_int_equal(n, 10051);
    assert_string_equal(v[n - 1].name, "源10049");
    store_sources_free(v, n);
}

static void migrations_fresh_and_newer_refused(void **state)
{
    struct fixture *f = *state;
    int v = 0;
    assert_int_equal(store_schema_version(f->st, &v), 0);
    assert_int_equal(v, STORE_SCHEMA_VERSION);
    store_close(f->st);
    /* reopening an up-to-date file changes nothing */
    struct jy_error err = {0};
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(f->path, &f->st, &err), JY_EVERSION);
    assert_non_null(strstr(err.msg, "newer"));
    assert_null(f->st);
    /* teardown needs a store: put the version back */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
}

static void wal_and_foreign_keys_on(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* A store of millions of items needs more than SQLite's 2 MB page cache
 * (see STORE_SIZING_PRAGMAS): every connection the store opens is sized. */
static void connection_sized_for_a_large_store(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(pragma_int(f->st->db, "PRAGMA cache_size"), -65536);
    assert_int_equal(pragma_int(f->st->db, "PRAGMA wal_autocheckpoint"), 4000);
    /* the build's SQLite may cap the map (SQLITE_MAX_MMAP_SIZE), never to 0 */
    assert_true(pragma_int(f->st->db, "PRAGMA mmap_size") > 0);
}

/* Migration 8 moves an event's state out of its row: a file of schema 7
 * keeps every state, and the analyzer's restore still finds it. */
static void migration_moves_event_state(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(store_tokenizer_register(db, NULL), 0); /* to drop items_chars */
    /* the file as schema 9 left it: the state a column of events (and no
     * first_copies, migration 13, or items_chars, migration 14) */
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE first_copies;"
                                  "DROP TABLE first_copies_state;"
                                  "DROP TABLE event_states;"
                                  "DROP TABLE audit_upkeep;"
                                  "DROP TABLE items_chars;"
                                  "DROP TABLE chars_state;"
                                  "ALTER TABLE events ADD COLUMN state TEXT;"
                                  "INSERT INTO events (id, title, first_seen, last_seen, "
                                  "first_collected, items, sources, negative, velocity, score, "
                                  "level, state, updated_at) VALUES "
                                  "(1, '甲', 10, 20, 10, 2, 1, 0, 0, 0.5, 4, '{\"v\":1}', 30),"
                                  "(2, '乙', 10, 20, 10, 1, 1, 0, 0, 0.1, 0, NULL, 30);"
                                  "PRAGMA user_version = 9;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct jy_error err = {0};
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
    int v = 0;
    assert_int_equal(store_schema_version(f->st, &v), 0);
    assert_int_equal(v, STORE_SCHEMA_VERSION);
    sqlite3 *h = f->st->db;
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM pragma_table_info('events') WHERE name = "
                                   "'state'"),
                     0);
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM event_states"), 1);
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(h, "SELECT state FROM event_states WHERE event_id = 1", -1, &s, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "{\"v\":1}");
    sqlite3_finalize(s);
    /* the events themselves are untouched */
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM events WHERE title IN ('甲', '乙')"), 2);
}

/* Migration 13 adds first_copies empty, complete from past the newest item:
 * the older first copies are restored from their texts (and backfilled by
 * the collector's first restore). */
static void migration_adds_first_copies(void **state)
{
    struct fixture *f = *state;
    struct feed_item a[] = {mk("g1", "一", "内容一", 1000), mk("g2", "二", "内容二", 2000)};
    assert_int_equal(record(f, a, 2, 5000), 2);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE first_copies; DROP TABLE first_copies_state;"
                                  "PRAGMA user_version = 12;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct jy_error err = {0};
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
    assert_int_equal(pragma_int(f->st->db, "SELECT count(*) FROM first_copies"), 0);
    assert_int_equal(pragma_int(f->st->db, "SELECT complete_from FROM first_copies_state"), 3);
}

/* Migration 15 moves the count of near-duplicates off the wide item rows
 * into item_dups, where the item rows' SQL reads it; a bump there moves the
 * feed's change mark as the item row's update did. */
static void migration_moves_dup_counts(void **state)
{
    struct fixture *f = *state;
    struct feed_item a[] = {mk("g1", "一", "内容一", 1000), mk("g2", "二", "内容二", 2000),
                            mk("g3", "三", "内容三", 3000)};
    assert_int_equal(record(f, a, 3, 5000), 3);
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE item_dups;"
                                  "UPDATE items SET dups = 2 WHERE id = 1;"
                                  "UPDATE items SET dup_of = 1 WHERE id IN (2, 3);"
                                  "PRAGMA user_version = 14;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct jy_error err = {0};
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
    assert_int_equal(pragma_int(f->st->db, "SELECT n FROM item_dups WHERE item_id = 1"), 2);
    assert_int_equal(pragma_int(f->st->db, "SELECT count(*) FROM item_dups"), 1);
    struct store_item *v;
    size_t n;
    assert_int_equal(store_items_page(f->st, NULL, true, 10, &v, &n, NULL), 0);
    assert_int_equal(n, 1); /* the copies fold into their first */
    assert_int_equal(v[0].id, 1);
    assert_int_equal(v[0].dups, 2);
    assert_non_null(v[0].dup_sources);
    store_items_free(v, n);
    struct store_marks m0, m1;
    assert_int_equal(store_marks_read(f->st, &m0, NULL), 0);
    assert_int_equal(store_exec(f->st,
                                "INSERT INTO item_dups (item_id, n) VALUES (1, 1) "
                                "ON CONFLICT(item_id) DO UPDATE SET n = n + 1",
                                NULL),
                     0);
    assert_int_equal(store_marks_read(f->st, &m1, NULL), 0);
    assert_int_equal(store_marks_diff(&m0, &m1), 1u << STORE_AREA_ITEMS);
    assert_int_equal(store_items_page(f->st, NULL, true, 10, &v, &n, NULL), 0);
    assert_int_equal(v[0].dups, 3);
    store_items_free(v, n);
}

static void refetch_never_duplicates(void **state)
{
    struct fixture *f = *state;
    struct feed_item a[] = {mk("g1", "清河县交警查酒驾", "内容一", 1000),
                            mk("g2", "第二条", "内容二", 2000), mk("g3", "第三条", "内容三", 3000)};
    assert_int_equal(record(f, a, 3, 5000), 3);
    struct feed_item b[] = {mk("g1", "清河县交警查酒驾", "内容一", 1000),
                            mk("g2", "第二条", "内容二", 2000), mk("g3", "第三条", "内容三", 3000),
                            mk("g4", "第四条", "内容四", 4000)};
    assert_int_equal(record(f, b, 4, 6000), 1);
    int64_t max = 0;
    assert_int_equal(store_items_max_id(f->st, &max, NULL), 0);
    assert_int_equal(max, 4);
}

static void pages_are_keyset_and_ordered(void **state)
{
    struct fixture *f = *state;
    struct feed_item v[100];
    char guids[100][16], titles[100][32];
    for (int i = 0; i < 100; i++) {
        snprintf(guids[i], 16, "g%d", i);
        snprintf(titles[i], 32, "标题%d", i);
        /* published out of order to prove sorting */
        v[i] = mk(guids[i], titles[i], "正文", 10000 + (i * 37) % 100 * 10);
    }
    assert_int_equal(record(f, v, 100, 20000), 100);
    struct store_item *p1, *p2, *back, *tail;
    size_t n1, n2, nb, nt;
    assert_int_equal(store_items_page(f->st, NULL, true, 10, &p1, &n1, NULL), 0);
    assert_int_equal(n1, 10);
    for (size_t i = 1; i < n1; i++)
        assert_true(p1[i - 1].sort_at >= p1[i].sort_at);
    struct store_cursor c = {p1[9].sort_at, p1[9].id};
    assert_int_equal(store_items_page(f->st, &c, true, 10, &p2, &n2, NULL), 0);
    assert_int_equal(n2, 10);
    assert_true(p2[0].sort_at <= p1[9].sort_at);
    assert_true(p2[0].id != p1[9].id);
    struct store_cursor c2 = {p2[0].sort_at, p2[0].id};
    assert_int_equal(store_items_page(f->st, &c2, false, 10, &back, &nb, NULL), 0);
    assert_int_equal(nb, 10);
    for (size_t i = 0; i < 10; i++) /* walking back up returns the first page, newest first */
        assert_int_equal(back[i].id, p1[i].id);
    assert_int_equal(store_items_tail(f->st, 5, &tail, &nt, NULL), 0);
    assert_int_equal(nt, 5);
    assert_true(tail[0].sort_at >= tail[4].sort_at);
    assert_int_equal(tail[4].sort_at, 10000);
    assert_null(p1[0].content); /* pages carry no bodies */
    store_items_free(p1, n1);
    store_items_free(p2, n2);
    store_items_free(back, nb);
    store_items_free(tail, nt);
}

static void future_dates_sort_at_fetch_time(void **state)
{
    struct fixture *f = *state;
    struct feed_item v[] = {mk("future", "来自未来", "x", 99999999),
                            mk("nodate", "无日期", "y", 0)};
    record(f, v, 2, 5000);
    struct store_item *p;
    size_t n;
    assert_int_equal(store_items_page(f->st, NULL, true, 10, &p, &n, NULL), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i].sort_at, 5000);
        if (strcmp(p[i].guid, "nodate") == 0) {
            assert_true(p[i].date_missing);
            assert_int_equal(p[i].published_at, 5000);
        } else {
            assert_int_equal(p[i].published_at, 99999999);
        }
    }
    store_items_free(p, n);
}

static size_t count_hits(struct store *st, const char *q)
{
    struct store_item *v;
    size_t n;
    struct jy_error err = {0};
    assert_int_equal(store_search(st, q, NULL, 50, &v, &n, &err), 0);
    store_items_free(v, n);
    return n;
}

static void search_finds_chinese_words_before_and_after_indexing(void **state)
{
    struct fixture *f = *state;
    struct feed_item v[] = {
        mk("1", "清河县交警查处酒驾", "今天晚上在人民路检查站", 100),
        mk("2", "网传抢孩子系谣言", "清河警方辟谣：经核实不实", 200),
        mk("3", "Police Rescue in the river", "民警跳河救人 获点赞", 300),
        mk("4", "窗口办事排长队", "群众反映户籍窗口推诿", 400),
    };
    record(f, v, 4, 1000);
    int64_t pending = 0;
    assert_int_equal(store_index_lag(f->st, &pending, NULL, NULL), 0);
    assert_int_equal(pending, 4);
    /* not indexed yet: found by the scan of the tail */
    assert_int_equal(count_hits(f->st, "交警"), 1);
    int done = 0;
    assert_int_equal(store_index_step(f->st, 1000, &done, NULL), 0);
    assert_int_equal(done, 4);
    assert_int_equal(store_index_lag(f->st, &pending, NULL, NULL), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(count_hits(f->st, "交警"), 1);     /* 2 characters */
    assert_int_equal(count_hits(f->st, "清河警方"), 1); /* 4 characters, in content */
    assert_int_equal(count_hits(f->st, "清河"), 2);
    assert_int_equal(count_hits(f->st, "rescue"), 1);    /* Latin, any case */
    assert_int_equal(count_hits(f->st, "清河 辟谣"), 1); /* AND */
    assert_int_equal(count_hits(f->st, "\"户籍窗口\""), 1);
    assert_int_equal(count_hits(f->st, "河县交"), 1);
    assert_int_equal(count_hits(f->st, "县公"), 0); /* bigram absent */
    assert_int_equal(count_hits(f->st, "警"), 3);   /* one character: scanned */
    assert_int_equal(count_hits(f->st, "火灾"), 0);
    /* a later item is found before the index catches up, newest first */
    struct feed_item w[] = {mk("5", "交警再查酒驾", "第二次", 500)};
    record(f, w, 1, 2000);
    struct store_item *r;
    size_t n;
    assert_int_equal(store_search(f->st, "交警", NULL, 50, &r, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].guid, "5");
    assert_string_equal(r[1].guid, "1");
    /* paging: continue after the first hit */
    struct store_cursor c = {r[0].sort_at, r[0].id};
    store_items_free(r, n);
    assert_int_equal(store_search(f->st, "交警", &c, 50, &r, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].guid, "1");
    store_items_free(r, n);
}

/* The rows a search for one term must return: the newest limit items that
 * hold it (case-insensitive for ASCII), by a plain scan. */
static void expect_scan_rows(struct store *st, const char *term, size_t limit)
{
    struct store_item *v;
    size_t n;
    struct jy_error err = {0};
    assert_int_equal(store_search(st, term, NULL, limit, &v, &n, &err), 0);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(st->db,
                                        "SELECT id FROM items WHERE instr(lower(title || ' ' || "
                                        "content), ?1) > 0 ORDER BY id DESC LIMIT ?2",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, term, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
    size_t k = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        assert_true(k < n);
        assert_int_equal(v[k].id, sqlite3_column_int64(s, 0));
        k++;
    }
    sqlite3_finalize(s);
    assert_int_equal(k, n);
    store_items_free(v, n);
}

static int count_progress(void *arg)
{
    (*(int *)arg)++;
    return 0;
}

/* SQLite VM steps (in hundreds) one search takes. */
static int search_cost(struct store *st, const char *q, size_t *hits)
{
    int ticks = 0;
    sqlite3_progress_handler(st->db, 100, count_progress, &ticks);
    struct store_item *v;
    assert_int_equal(store_search(st, q, NULL, 50, &v, hits, NULL), 0);
    sqlite3_progress_handler(st->db, 0, NULL, NULL);
    store_items_free(v, *hits);
    return ticks;
}

static void filler(struct fixture *f, const char *prefix, int n, int64_t now)
{
    struct feed_item *v = calloc((size_t)n, sizeof *v);
    char **guid = calloc((size_t)n, sizeof *guid);
    for (int i = 0; i < n; i++) {
        guid[i] = xasprintf("%s-%d", prefix, i);
        v[i] = mk(guid[i], "警方通报一般情况", "市民来电反映道路积水，交警到场处置", 100 + i);
    }
    assert_int_equal(record(f, v, (size_t)n, now), (size_t)n);
    for (int i = 0; i < n; i++)
        free(guid[i]);
    free(guid);
    free(v);
}

static const char *const single_terms[] = {"警", "x警", "0警", "警,",  "警x",  "警务",
                                           "鱻", "交",  "查",  "警】", "ｘ警", "】"};

/* A single character, or one beside a letter, a digit or punctuation, is
 * answered by the character index (migration 14) with every hit a scan
 * finds: at the end of a run (警 in 交警), alone between punctuation,
 * beside Latin letters or digits. */
static void single_character_search_answers_from_the_index(void **state)
{
    struct fixture *f = *state;
    filler(f, "old", 2000, 900);
    struct feed_item v[] = {
        mk("1", "路口有交警", "今天", 100), mk("2", "【警】提示", "注意安全", 200),
        mk("3", "Tax警务公开", "", 300),    mk("4", "报警电话110警情", "", 400),
        mk("5", "无关内容", "天气晴", 500), mk("6", "清河县交警查处", "X警察到场", 600),
        mk("7", "交警,请让行", "", 700),    mk("8", "ｘ警", "全角", 800),
        mk("9", "警x光", "", 900),
    };
    record(f, v, 9, 1000);
    /* before indexing every item is scanned: that is the rule */
    for (size_t i = 0; i < sizeof single_terms / sizeof *single_terms; i++)
        expect_scan_rows(f->st, single_terms[i], 50);
    int done = 0;
    do
        assert_int_equal(store_index_step(f->st, 500, &done, NULL), 0);
    while (done > 0);
    /* with no scan window, a hit can only come from an index */
    f->st->scan_window = 1;
    for (size_t i = 0; i < sizeof single_terms / sizeof *single_terms; i++)
        if (strcmp(single_terms[i], "】") != 0) /* punctuation: scanned, as before */
            expect_scan_rows(f->st, single_terms[i], 50);
    for (size_t i = 0; i < sizeof single_terms / sizeof *single_terms; i++)
        if (strcmp(single_terms[i], "】") != 0)
            expect_scan_rows(f->st, single_terms[i], 3000); /* every hit */
    f->st->scan_window = 0;
    assert_int_equal(count_hits(f->st, "x警"), 2);  /* Tax警务, X警察 (not the fullwidth ｘ) */
    assert_int_equal(count_hits(f->st, "0警"), 1);  /* 110警情 */
    assert_int_equal(count_hits(f->st, "警,"), 1);  /* 交警,请 */
    assert_int_equal(count_hits(f->st, "警x"), 1);  /* 警x光 */
    assert_int_equal(count_hits(f->st, "警务"), 1); /* bigram index */
    /* the index reads only the items that hold the character: an absent one,
     * or "x警" among 2,000 items with 警 and no x, costs far less than a
     * scan of them (the scan took over 400 hundred-step ticks) */
    size_t hits = 0;
    assert_true(search_cost(f->st, "鱻", &hits) < 20);
    assert_int_equal(hits, 0);
    assert_true(search_cost(f->st, "x警", &hits) < 20);
    assert_int_equal(hits, 2);
    int ticks = search_cost(f->st, "警", &hits);
    assert_int_equal(hits, 50);
    assert_true(ticks < 40);
}

/* A store indexed before migration 14 gets its character index in the
 * background, newest first, while new items keep arriving; a search gives
 * the same rows before, during and after. */
static void single_character_search_same_during_background_fill(void **state)
{
    struct fixture *f = *state;
    filler(f, "a", 40, 1000);
    struct feed_item v[] = {mk("1", "路口有交警", "今天", 100), mk("2", "【警】提示", "", 200),
                            mk("3", "Tax警务", "", 300)};
    record(f, v, 3, 1100);
    filler(f, "b", 40, 1200);
    int done = 0;
    do
        assert_int_equal(store_index_step(f->st, 500, &done, NULL), 0);
    while (done > 0);
    /* the file as schema 13 left it: no character index */
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(store_tokenizer_register(db, NULL), 0);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE items_chars;"
                                  "DROP TABLE chars_state;"
                                  "PRAGMA user_version = 13;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct jy_error err = {0};
    assert_int_equal(store_open(f->path, &f->st, &err), 0);
    sqlite3 *h = f->st->db;
    assert_int_equal(pragma_int(h, "SELECT floor FROM chars_state"), 83);
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM items_chars('\"警\"')"), 0);
    int64_t left = -1;
    assert_int_equal(store_chars_left(f->st, &left, NULL), 0);
    assert_int_equal(left, 83); /* what `jingyu status` reports */
    static const char *const q[] = {"警", "x警", "交", "鱻"};
    for (int round = 0;; round++) {
        for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
            expect_scan_rows(f->st, q[i], 50);
            expect_scan_rows(f->st, q[i], 2); /* a page, across the floor */
        }
        /* paging from an item under the floor continues the same order */
        struct store_cursor c = {0, 42};
        struct store_item *r;
        size_t n;
        assert_int_equal(store_search(f->st, "警", &c, 5, &r, &n, NULL), 0);
        assert_int_equal(n, 5);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(r[k].id, 41 - (int64_t)k);
        store_items_free(r, n);
        if (round == 2) {
            /* new items during the fill are indexed first */
            filler(f, "c", 3, 1300);
            assert_int_equal(store_index_step(f->st, 10, &done, NULL), 0);
            assert_int_equal(done, 3);
            assert_int_equal(pragma_int(h, "SELECT indexed_upto FROM fts_state"), 86);
            continue;
        }
        assert_int_equal(store_index_step(f->st, 10, &done, NULL), 0);
        if (done == 0)
            break;
        assert_true(round < 20);
    }
    assert_int_equal(pragma_int(h, "SELECT floor FROM chars_state"), 0);
    assert_int_equal(pragma_int(h, "SELECT count(*) FROM items_chars('\"警\"')"), 86);
    assert_int_equal(store_chars_left(f->st, &left, NULL), 0);
    assert_int_equal(left, 0);
    assert_int_equal(
        sqlite3_exec(h, "INSERT INTO items_chars (items_chars) VALUES ('integrity-check')", NULL,
                     NULL, NULL),
        SQLITE_OK);
}

static void health_and_validators(void **state)
{
    struct fixture *f = *state;
    struct fetch_result ok = {.ok = true,
                              .http_status = 200,
                              .etag = "\"v1\"",
                              .last_modified = "Wed, 25 Nov 2026 01:00:00 GMT",
                              .next_due = 400};
    assert_int_equal(store_fetch_record(f->st, f->src, &ok, 100, NULL, NULL), 0);
    struct store_source s;
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_string_equal(s.etag, "\"v1\"");
    assert_string_equal(s.last_modified, "Wed, 25 Nov 2026 01:00:00 GMT");
    assert_int_equal(s.next_due, 400);
    store_source_clear(&s);

    struct fetch_result bad = {
        .ok = false, .http_status = 500, .error = "HTTP 500", .next_due = 700};
    store_fetch_record(f->st, f->src, &bad, 200, NULL, NULL);
    store_fetch_record(f->st, f->src, &bad, 300, NULL, NULL);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_int_equal(s.failures, 2);
    assert_int_equal(s.failing_since, 200);
    assert_int_equal(s.last_status, 500);
    assert_string_equal(s.last_error, "HTTP 500");
    assert_string_equal(s.etag, "\"v1\""); /* a failure keeps the validators */
    assert_int_equal(store_source_state(&s, 300, 6), SOURCE_FAILING);
    store_source_clear(&s);

    /* 304 with a new ETag refreshes it; no Last-Modified keeps the old one */
    struct fetch_result nm = {
        .ok = true, .not_modified = true, .http_status = 304, .etag = "W/\"v2\"", .next_due = 900};
    store_fetch_record(f->st, f->src, &nm, 400, NULL, NULL);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.failing_since, 0);
    assert_null(s.last_error);
    assert_string_equal(s.etag, "W/\"v2\"");
    assert_string_equal(s.last_modified, "Wed, 25 Nov 2026 01:00:00 GMT");
    store_source_clear(&s);

    /* a 200 without validators clears them */
    struct fetch_result plain = {.ok = true, .http_status = 200, .etag = "", .last_modified = ""};
    store_fetch_record(f->st, f->src, &plain, 500, NULL, NULL);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_null(s.etag);
    assert_null(s.last_modified);
    store_source_clear(&s);
}

static void source_states(void **state)
{
    struct fixture *f = *state;
    struct store_source s;
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_int_equal(store_source_state(&s, 0, 6), SOURCE_NEW);
    store_source_clear(&s);
    struct feed_item v[] = {mk("a", "标题", "正文", 100)};
    record(f, v, 1, 10000);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_int_equal(store_source_state(&s, 10000 + 300 * 6, 6), SOURCE_OK);
    assert_int_equal(store_source_state(&s, 10000 + 300 * 6 + 1, 6), SOURCE_DARK);
    enum source_state states[1];
    assert_int_equal(store_sources_down(&s, 1, 10000 + 5000, 6, states), 1);
    assert_int_equal(states[0], SOURCE_DARK);
    store_source_clear(&s);
    assert_int_equal(store_source_set_enabled(f->st, "某某日报", false, "test", 1, NULL), 0);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_int_equal(store_source_state(&s, 10000, 6), SOURCE_DISABLED);
    store_source_clear(&s);
    struct jy_error err = {0};
    assert_int_equal(store_source_set_enabled(f->st, "没有这个", true, "test", 1, &err),
                     JY_ENOTFOUND);
    /* a config sync keeps the console's choice and the health */
    struct source_config sc = {.name = "某某日报",
                               .type = SOURCE_FEED,
                               .url = "http://x/",
                               .interval = 60,
                               .enabled = true};
    int64_t id;
    assert_int_equal(store_source_sync(f->st, &sc, &id, NULL), 0);
    assert_int_equal(id, f->src);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_false(s.enabled);
    assert_int_equal(s.interval, 60);
    assert_int_equal(s.last_new_item, 10000);
    store_source_clear(&s);
}

static void moved_source_starts_afresh(void **state)
{
    struct fixture *f = *state;
    struct fetch_result bad = {
        .ok = false, .http_status = 503, .error = "HTTP 503", .next_due = 99999};
    struct fetch_result ok = {.ok = true,
                              .http_status = 200,
                              .etag = "\"old\"",
                              .last_modified = "Wed, 25 Nov 2026 01:00:00 GMT",
                              .next_due = 500};
    store_fetch_record(f->st, f->src, &ok, 100, NULL, NULL);
    store_fetch_record(f->st, f->src, &bad, 200, NULL, NULL);
    /* same address again: health and validators stay */
    struct source_config same = {.name = "某某日报",
                                 .type = SOURCE_FEED,
                                 .url = "http://127.0.0.1/rss",
                                 .interval = 300,
                                 .enabled = true};
    assert_int_equal(store_source_sync(f->st, &same, NULL, NULL), 0);
    struct store_source s;
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_string_equal(s.etag, "\"old\"");
    assert_int_equal(s.failures, 1);
    assert_int_equal(s.next_due, 99999);
    store_source_clear(&s);
    /* a new address: no old validators sent to it, no inherited backoff */
    struct source_config moved = same;
    moved.url = "http://mirror.example/rss";
    assert_int_equal(store_source_sync(f->st, &moved, NULL, NULL), 0);
    assert_int_equal(store_source_get(f->st, f->src, &s, NULL), 0);
    assert_null(s.etag);
    assert_null(s.last_modified);
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.next_due, 0);
    assert_string_equal(s.url, "http://mirror.example/rss");
    store_source_clear(&s);
}

static void fence_stops_a_collector_that_lost_the_lease(void **state)
{
    struct fixture *f = *state;
    bool got;
    assert_int_equal(store_lease_acquire(f->st, "hostA", 111, 1000, 12, &got, NULL), 0);
    assert_true(got);
    store_lease_fence(f->st, "hostA", 111);
    struct feed_item v[] = {mk("a", "标题", "正文", 100)};
    size_t n = 0;
    struct fetch_result r = {.ok = true, .items = v, .n_items = 1, .next_due = 5};
    assert_int_equal(store_fetch_record(f->st, f->src, &r, 1001, &n, NULL), 0);
    assert_int_equal(n, 1);
    /* another process takes over after expiry; our late write is refused */
    struct store *other;
    assert_int_equal(store_open(f->path, &other, NULL), 0);
    assert_int_equal(store_lease_acquire(other, "hostB", 222, 1100, 12, &got, NULL), 0);
    assert_true(got);
    struct feed_item w[] = {mk("b", "迟到的", "正文", 200)};
    struct fetch_result late = {.ok = true, .items = w, .n_items = 1, .next_due = 7};
    struct jy_error err = {0};
    assert_int_equal(store_fetch_record(f->st, f->src, &late, 1101, NULL, &err), JY_EBUSY);
    int64_t max = 0;
    store_items_max_id(f->st, &max, NULL);
    assert_int_equal(max, 1);
    int done = -1;
    assert_int_equal(store_index_step(f->st, 100, &done, &err), JY_EBUSY);
    assert_int_equal(done, 0);
    /* a heartbeat from the future does not keep a lease alive */
    assert_int_equal(store_lease_acquire(other, "hostB", 222, 99999, 12, &got, NULL), 0);
    assert_int_equal(store_lease_acquire(f->st, "hostA", 111, 1200, 12, &got, NULL), 0);
    assert_true(got);
    store_close(other);
}

static void lease_one_holder(void **state)
{
    struct fixture *f = *state;
    struct store *other;
    assert_int_equal(store_open(f->path, &other, NULL), 0);
    bool got;
    int me = (int)getpid();
    assert_int_equal(store_lease_acquire(f->st, "hostA", me, 1000, 12, &got, NULL), 0);
    assert_true(got);
    assert_int_equal(store_lease_acquire(other, "hostB", 4242, 1005, 12, &got, NULL), 0);
    assert_false(got);
    assert_int_equal(store_lease_acquire(f->st, "hostA", me, 1010, 12, &got, NULL), 0);
    assert_true(got); /* renewal */
    assert_int_equal(store_lease_acquire(other, "hostB", 4242, 1020, 12, &got, NULL), 0);
    assert_false(got); /* heartbeat 10 s old: still valid */
    assert_int_equal(store_lease_acquire(other, "hostB", 4242, 1023, 12, &got, NULL), 0);
    assert_true(got); /* expired */
    struct store_lease le;
    bool present;
    assert_int_equal(store_lease_get(f->st, &le, &present, NULL), 0);
    assert_true(present);
    assert_string_equal(le.host, "hostB");
    assert_int_equal(le.pid, 4242);
    /* a holder on this host whose pid is gone loses it at once */
    assert_int_equal(store_lease_release(other, "hostB", 4242, NULL), 0);
    assert_int_equal(store_lease_acquire(other, "hostA", 999999, 2000, 12, &got, NULL), 0);
    assert_true(got);
    assert_int_equal(store_lease_acquire(f->st, "hostA", me, 2001, 12, &got, NULL), 0);
    assert_true(got);
    assert_int_equal(store_lease_release(f->st, "hostA", me, NULL), 0);
    assert_int_equal(store_lease_get(f->st, &le, &present, NULL), 0);
    assert_false(present);
    store_close(other);
}

static void data_version_sees_other_connections(void **state)
{
    struct fixture *f = *state;
    struct store *other;
    assert_int_equal(store_open(f->path, &other, NULL), 0);
    int64_t v1, v2, v3;
    assert_int_equal(store_data_version(f->st, &v1, NULL), 0);
    assert_int_equal(store_data_version(f->st, &v2, NULL), 0);
    assert_int_equal(v1, v2);
    struct feed_item v[] = {mk("x", "新消息", "正文", 100)};
    struct fetch_result r = {.ok = true, .items = v, .n_items = 1};
    assert_int_equal(store_fetch_record(other, f->src, &r, 100, NULL, NULL), 0);
    assert_int_equal(store_data_version(f->st, &v3, NULL), 0);
    assert_true(v3 != v1);
    store_close(other);
}

/* The change marks say which areas another connection's commit touched,
 * so that a console re-reads only those: new items move the items mark and
 * nothing of incidents, duty or events; a heartbeat of the lease or the
 * index catching up moves none. */
static void change_marks_name_the_areas_a_commit_touched(void **state)
{
    struct fixture *f = *state;
    struct store *other;
    assert_int_equal(store_open(f->path, &other, NULL), 0);
    struct store_marks m0, m1;
    struct jy_error err = {0};
    assert_int_equal(store_marks_read(f->st, &m0, &err), 0);

    /* a fetch with new items: the items, and the source (its newest item) */
    struct feed_item v[] = {mk("a", "新消息", "正文", 100), mk("b", "又一条", "正文二", 110)};
    struct fetch_result r = {.ok = true, .items = v, .n_items = 2, .items_only = true};
    assert_int_equal(store_fetch_record(other, f->src, &r, 100, NULL, NULL), 0);
    assert_int_equal(store_marks_read(f->st, &m1, &err), 0);
    assert_int_equal(store_marks_diff(&m0, &m1),
                     (1u << STORE_AREA_ITEMS) | (1u << STORE_AREA_SOURCES));
    m0 = m1;

    /* a fetch that brought nothing: the source's health only */
    struct fetch_result nm = {.ok = true, .not_modified = true, .http_status = 304};
    assert_int_equal(store_fetch_record(other, f->src, &nm, 200, NULL, NULL), 0);
    assert_int_equal(store_marks_read(f->st, &m1, &err), 0);
    assert_int_equal(store_marks_diff(&m0, &m1), 1u << STORE_AREA_SOURCES);
    m0 = m1;

    /* the lease's heartbeat and the index catching up: nothing shown */
    bool got = false;
    assert_int_equal(store_lease_acquire(other, "host", 1, 300, 20, &got, NULL), 0);
    int done = 0;
    assert_int_equal(store_index_step(other, 100, &done, NULL), 0);
    assert_int_equal(done, 2);
    assert_int_equal(store_marks_read(f->st, &m1, &err), 0);
    assert_int_equal(store_marks_diff(&m0, &m1), 0);

    /* an audit row (an incident's trail) and a person: their areas */
    assert_int_equal(store_audit_record(other, "zhang", "login", "session", 0, "{}", 400, NULL), 0);
    assert_int_equal(store_marks_read(f->st, &m1, &err), 0);
    assert_int_equal(store_marks_diff(&m0, &m1), 1u << STORE_AREA_INCIDENTS);
    m0 = m1;
    assert_int_equal(store_exec(other,
                                "INSERT INTO people (login, name, roles, created_at, updated_at)"
                                " VALUES ('li', '李四', 'operator', 1, 1)",
                                NULL),
                     0);
    assert_int_equal(store_exec(other,
                                "INSERT INTO events (title, first_seen, last_seen, first_collected,"
                                " items, sources, negative, velocity, score, level, updated_at)"
                                " VALUES ('事件', 1, 1, 1, 1, 1, 0, 0, 0, 0, 1)",
                                NULL),
                     0);
    assert_int_equal(store_marks_read(f->st, &m1, &err), 0);
    assert_int_equal(store_marks_diff(&m0, &m1),
                     (1u << STORE_AREA_DUTY) | (1u << STORE_AREA_EVENTS));
    store_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_fresh_and_newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(sources_list_has_every_source, setup, teardown),
        cmocka_unit_test_setup_teardown(connection_sized_for_a_large_store, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_moves_event_state, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_adds_first_copies, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_moves_dup_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(wal_and_foreign_keys_on, setup, teardown),
        cmocka_unit_test_setup_teardown(refetch_never_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(pages_are_keyset_and_ordered, setup, teardown),
        cmocka_unit_test_setup_teardown(future_dates_sort_at_fetch_time, setup, teardown),
        cmocka_unit_test_setup_teardown(search_finds_chinese_words_before_and_after_indexing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(single_character_search_answers_from_the_index, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(single_character_search_same_during_background_fill, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(health_and_validators, setup, teardown),
        cmocka_unit_test_setup_teardown(source_states, setup, teardown),
        cmocka_unit_test_setup_teardown(lease_one_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(moved_source_starts_afresh, setup, teardown),
        cmocka_unit_test_setup_teardown(fence_stops_a_collector_that_lost_the_lease, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(data_version_sees_other_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(change_marks_name_the_areas_a_commit_touched, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
