/* Unit tests for src/collect: Retry-After parsing, backoff growth and jitter,
 * and file-drop / replay sources run through the real collector loop
 * (`collect_run(..., once)`) on a temp folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/collect_int.h"

static void retry_after_values(void **state)
{
    (void)state;
    assert_int_equal(collect_retry_after("120", 1000), 120);
    assert_int_equal(collect_retry_after("0", 1000), 0);
    assert_int_equal(collect_retry_after(NULL, 1000), -1);
    assert_int_equal(collect_retry_after("soon", 1000), -1);
    /* HTTP date: 2026-11-25T01:00:00Z is 1795568400 */
    assert_int_equal(collect_retry_after("Wed, 25 Nov 2026 01:00:00 GMT", 1795568400 - 90), 90);
    assert_int_equal(collect_retry_after("Wed, 25 Nov 2026 01:00:00 GMT", 1795568400 + 90), 0);
    /* hostile values are bounded, never overflow, never park a source for good */
    assert_int_equal(collect_retry_after("99999999999999999999", 1000), -1);
    assert_int_equal(collect_retry_after("9000000000", 1000), COLLECT_RETRY_AFTER_MAX);
    assert_int_equal(collect_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 1795568400),
                     COLLECT_RETRY_AFTER_MAX);
}

/* The daily anchor time in local time (here +08:00): the last one passed,
 * and the next one after a moment. */
static void anchor_times_in_local_time(void **state)
{
    (void)state;
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "<+0800>-08:00", 1);
    tzset();
    const int64_t day = 1796140800; /* 2026-12-02 00:00 +08:00 */
    const int at = 6 * 60;          /* 06:00 */
    assert_int_equal(collect_anchor_due(day + 6 * 3600, at), day + 6 * 3600);
    assert_int_equal(collect_anchor_due(day + 6 * 3600 - 1, at), day - 86400 + 6 * 3600);
    assert_int_equal(collect_anchor_due(day + 23 * 3600, at), day + 6 * 3600);
    assert_int_equal(collect_anchor_next(day + 6 * 3600 - 1, at), day + 6 * 3600);
    assert_int_equal(collect_anchor_next(day + 6 * 3600, at), day + 86400 + 6 * 3600);
    assert_int_equal(collect_anchor_due(day + 30, 0), day);
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}

static void backoff_grows_with_jitter_and_cap(void **state)
{
    (void)state;
    struct collector_config cc = {.min_interval = 1, .max_backoff = 3600};
    for (int trial = 0; trial < 50; trial++) {
        int64_t d1 = collect_backoff(&cc, 300, 1);
        int64_t d3 = collect_backoff(&cc, 300, 3);
        int64_t d20 = collect_backoff(&cc, 300, 20);
        assert_in_range(d1, 45, 75);      /* 60 +-25% */
        assert_in_range(d3, 180, 300);    /* 240 +-25% */
        assert_in_range(d20, 2700, 4500); /* capped at 3600, +-25% */
    }
    /* the jitter really varies */
    int64_t first = collect_backoff(&cc, 300, 5);
    bool varied = false;
    for (int i = 0; i < 50 && !varied; i++)
        varied = collect_backoff(&cc, 300, 5) != first;
    assert_true(varied);
}

struct tmp {
    char dir[64];
    char drop[128];
    char db[128];
};

static void tmp_make(struct tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/jy-collect-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->drop, sizeof t->drop, "%s/drop", t->dir);
    snprintf(t->db, sizeof t->db, "%s/t.db", t->dir);
    assert_int_equal(mkdir(t->drop, 0755), 0);
}

static void tmp_remove(struct tmp *t)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool exists(const char *dir, const char *name)
{
    char path[256];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

static int64_t count_items(const char *db)
{
    struct store *st;
    assert_int_equal(store_open(db, &st, NULL), 0);
    int64_t n = 0;
    store_items_max_id(st, &n, NULL);
    store_close(st);
    return n;
}

static struct config *one_source_config(struct tmp *t, enum source_type type, const char *path)
{
    struct config *cfg = calloc(1, sizeof *cfg);
    cfg->database = t->db;
    cfg->collector = (struct collector_config){.parallel = 2,
                                               .timeout = 5,
                                               .connect_timeout = 5,
                                               .max_body = 1 << 20,
                                               .max_redirects = 3,
                                               .min_interval = 1,
                                               .max_backoff = 60,
                                               .dark_after = 6,
                                               .user_agent = "test"};
    cfg->sources = calloc(1, sizeof *cfg->sources);
    cfg->n_sources = 1;
    cfg->sources[0] = (struct source_config){.name = "内部通报",
                                             .type = type,
                                             .path = (char *)path,
                                             .interval = 1,
                                             .enabled = true,
                                             .speed = 60};
    return cfg;
}

static void file_drop_imports_once_and_moves(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    struct config *cfg = one_source_config(&t, SOURCE_FILE_DROP, t.drop);
    const char *good = "{\"guid\":\"a1\",\"title\":\"清河县派出所通报\",\"content\":\"正文一\"}\n"
                       "{\"guid\":\"a2\",\"title\":\"第二条\",\"text\":\"正文二\"}\n";
    write_file(t.drop, "good.jsonl", good);
    write_file(t.drop, "bad.jsonl",
               "{\"guid\":\"b1\",\"title\":\"好的一行\",\"content\":\"x\"}\nnot json at all\n");
    write_file(t.drop, "ignored.tmp", "{\"guid\":\"zz\",\"title\":\"写了一半\"}\n");
    struct jy_error err = {0};
    assert_int_equal(collect_run(cfg, true, NULL, &err), 0);
    assert_int_equal(count_items(t.db), 3); /* good lines of the bad file are kept */
    assert_true(exists(t.drop, "done/good.jsonl"));
    assert_true(exists(t.drop, "failed/bad.jsonl"));
    assert_true(exists(t.drop, "failed/bad.jsonl.reason"));
    assert_true(exists(t.drop, "ignored.tmp"));
    assert_false(exists(t.drop, "good.jsonl"));
    /* the reason names the line */
    char path[256], buf[512] = {0};
    snprintf(path, sizeof path, "%s/failed/bad.jsonl.reason", t.drop);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(buf, "line 2"));
    /* the source's health says a file failed */
    struct store *st;
    assert_int_equal(store_open(t.db, &st, NULL), 0);
    struct store_source *src;
    size_t n;
    assert_int_equal(store_sources_list(st, &src, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_non_null(src[0].last_error);
    assert_non_null(strstr(src[0].last_error, "bad.jsonl"));
    store_sources_free(src, n);
    store_close(st);
    /* dropping the same file again adds nothing twice */
    write_file(t.drop, "good.jsonl", good);
    assert_int_equal(collect_run(cfg, true, NULL, &err), 0);
    assert_int_equal(count_items(t.db), 3);
    assert_true(exists(t.drop, "done/good.jsonl.1"));
    free(cfg->sources);
    free(cfg);
    tmp_remove(&t);
}

static void drop_file_that_cannot_move_blocks_nothing(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    struct config *cfg = one_source_config(&t, SOURCE_FILE_DROP, t.drop);
    write_file(t.drop, "a.jsonl", "{\"guid\":\"a1\",\"title\":\"好\",\"content\":\"x\"}\nbad\n");
    write_file(t.drop, "b.jsonl", "{\"guid\":\"b1\",\"title\":\"乙\",\"content\":\"y\"}\n");
    write_file(t.drop, "failed", "a file where the failed/ folder should be\n");
    struct jy_error err = {0};
    assert_int_equal(collect_run(cfg, true, NULL, &err), 0);
    assert_int_equal(count_items(t.db), 2); /* b was imported although a is stuck */
    assert_true(exists(t.drop, "done/b.jsonl"));
    assert_true(exists(t.drop, "a.jsonl"));
    struct store *st;
    assert_int_equal(store_open(t.db, &st, NULL), 0);
    struct store_source *src;
    size_t n;
    assert_int_equal(store_sources_list(st, &src, &n, NULL), 0);
    assert_non_null(src[0].last_error);
    assert_non_null(strstr(src[0].last_error, "cannot move"));
    assert_int_equal(src[0].failures, 1);
    store_sources_free(src, n);
    store_close(st);
    free(cfg->sources);
    free(cfg);
    tmp_remove(&t);
}

static void replay_plays_backlog_at_once(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    write_file(t.drop, "story.jsonl",
               "{\"at\":-30,\"guid\":\"s1\",\"title\":\"早先的帖子\",\"content\":\"a\"}\n"
               "{\"at\":0,\"guid\":\"s2\",\"title\":\"开始\",\"content\":\"b\"}\n"
               "{\"at\":600,\"guid\":\"s3\",\"title\":\"十小时后\",\"content\":\"c\"}\n");
    struct config *cfg = one_source_config(&t, SOURCE_REPLAY, t.drop);
    struct jy_error err = {0};
    assert_int_equal(collect_run(cfg, true, NULL, &err), 0);
    assert_int_equal(count_items(t.db), 2); /* at <= 0 now; the later one waits */
    free(cfg->sources);
    free(cfg);
    tmp_remove(&t);
}

static void once_refuses_while_another_collects(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t);
    struct config *cfg = one_source_config(&t, SOURCE_FILE_DROP, t.drop);
    struct store *st;
    assert_int_equal(store_open(t.db, &st, NULL), 0);
    bool got;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    /* our parent is alive: a live holder on this host */
    assert_int_equal(store_lease_acquire(st, host, (int)getppid(), jy_now(), 12, &got, NULL), 0);
    assert_true(got);
    struct jy_error err = {0};
    assert_int_equal(collect_run(cfg, true, NULL, &err), JY_EBUSY);
    assert_non_null(strstr(err.msg, "another process collects"));
    store_close(st);
    free(cfg->sources);
    free(cfg);
    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_after_values),
        cmocka_unit_test(backoff_grows_with_jitter_and_cap),
        cmocka_unit_test(file_drop_imports_once_and_moves),
        cmocka_unit_test(drop_file_that_cannot_move_blocks_nothing),
        cmocka_unit_test(replay_plays_backlog_at_once),
        cmocka_unit_test(once_refuses_while_another_collects),
        cmocka_unit_test(anchor_times_in_local_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
