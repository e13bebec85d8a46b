/* cmd-db.c: the database's upkeep and search from the command line.
 *
 *   jingyu db stats                       sizes, rows and bytes per table, items per month,
 *                                         index lag, archive files
 *   jingyu db vacuum [--step PAGES]       give free pages back, in short steps, with progress
 *   jingyu db archive [--dry-run]         move what retention lets go to the monthly archives
 *   jingyu search WORDS... [--archive YYYY-MM | --archives] [--limit N]
 *
 * archive and vacuum write: an admin's, audited, and archive runs only while
 * no other process holds the collector lease (it takes the lease itself).
 * Unknown options are refused with exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "collect/collect.h"
#include "store/store.h"

#define CMD_EXIT_REFUSED 3

struct dbcli {
    const struct config *cfg;
    struct store *st;
    struct actor me;
    const char *name;
    char host[256];
    bool leased;
    int64_t beat_ms;
};

static int db_fail(const struct dbcli *c, int rc, const struct jy_error *err)
{
    fprintf(stderr, "%s: %s\n", c->name, err->msg);
    switch (rc) {
    case JY_EPERM:
    case JY_ESTATE:
    case JY_EINVAL:
    case JY_EBUSY:
        return CMD_EXIT_REFUSED;
    case JY_EVERSION:
        return CMD_EXIT_USAGE;
    default:
        return CMD_EXIT_RUNTIME;
    }
}

static int db_usage(const struct dbcli *c, const char *why)
{
    if (why)
        fprintf(stderr, "%s: %s\n", c->name, why);
    fprintf(stderr, "usage: jingyu db stats | db vacuum [--step PAGES] | db archive [--dry-run]\n"
                    "       jingyu search WORDS... [--archive YYYY-MM | --archives] [--limit N]\n"
                    "See jingyu(1).\n");
    return CMD_EXIT_USAGE;
}

static int db_open(struct dbcli *c, bool need_actor)
{
    struct jy_error err = {0};
    int rc = store_open(c->cfg->database, &c->st, &err);
    if (!rc && need_actor) {
        char login[64];
        incident_login(c->cfg->identity_from_env, login, sizeof login);
        rc = store_actor_resolve(c->st, login, false, &c->me, &err);
    }
    if (rc) {
        int code = db_fail(c, rc, &err);
        store_close(c->st);
        c->st = NULL;
        return code;
    }
    return 0;
}

/* Takes the collector lease for this process: archive and the vacuum's
 * conversion never run beside a collector. */
static int db_lease(struct dbcli *c, bool *got, struct jy_error *err)
{
    if (gethostname(c->host, sizeof c->host - 1) != 0)
        snprintf(c->host, sizeof c->host, "localhost");
    int rc =
        store_lease_acquire(c->st, c->host, (int)getpid(), jy_now(), COLLECT_LEASE_TTL, got, err);
    if (!rc && *got) {
        c->leased = true;
        c->beat_ms = jy_mono_ms();
        store_lease_fence(c->st, c->host, (int)getpid());
    }
    return rc;
}

static void db_unlease(struct dbcli *c)
{
    if (c->leased)
        store_lease_release(c->st, c->host, (int)getpid(), NULL);
    c->leased = false;
}

static int lease_holder_error(struct dbcli *c, struct jy_error *err)
{
    struct store_lease le;
    bool present = false;
    store_lease_get(c->st, &le, &present, NULL);
    return jy_error_set(err, JY_EBUSY,
                        "another process holds the collector lease (%s pid %d); archive runs "
                        "inside that collector once a day, or stop it and retry",
                        present ? le.host : "?", present ? le.pid : 0);
}

/* Between the archive's steps: renews the lease. */
static int archive_tick(void *ctx, int step)
{
    (void)step;
    struct dbcli *c = ctx;
    if (jy_mono_ms() - c->beat_ms < COLLECT_LEASE_BEAT * 1000)
        return 0;
    bool got = false;
    struct jy_error err = {0};
    if (store_lease_acquire(c->st, c->host, (int)getpid(), jy_now(), COLLECT_LEASE_TTL, &got,
                            &err) != 0 ||
        !got)
        return 1;
    c->beat_ms = jy_mono_ms();
    return 0;
}

static void human(int64_t bytes, char *out, size_t n)
{
    if (bytes < 0)
        snprintf(out, n, "-");
    else if (bytes >= (int64_t)1 << 30)
        snprintf(out, n, "%.1f GB", (double)bytes / (1 << 30));
    else if (bytes >= 1 << 20)
        snprintf(out, n, "%.1f MB", (double)bytes / (1 << 20));
    else if (bytes >= 1 << 10)
        snprintf(out, n, "%.1f KB", (double)bytes / (1 << 10));
    else
        snprintf(out, n, "%lld B", (long long)bytes);
}

static int db_stats(struct dbcli *c)
{
    struct store_db_stats s;
    struct jy_error err = {0};
    int rc = store_db_stats(c->st, c->cfg->retention.archive_dir, &s, &err);
    if (rc)
        return db_fail(c, rc, &err);
    char a[32], b[32];
    human(s.file_bytes, a, sizeof a);
    human(s.wal_bytes, b, sizeof b);
    static const char *const av[] = {"none", "full", "incremental"};
    printf("database: %s\n", c->cfg->database);
    printf("file: %s (%lld bytes); wal: %s (%lld bytes)\n", a, (long long)s.file_bytes, b,
           (long long)s.wal_bytes);
    human(s.free_pages * s.page_size, a, sizeof a);
    printf("pages: %lld of %lld bytes, %lld free (%s); auto_vacuum: %s\n", (long long)s.pages,
           (long long)s.page_size, (long long)s.free_pages, a,
           s.auto_vacuum >= 0 && s.auto_vacuum <= 2 ? av[s.auto_vacuum] : "?");
    printf("index lag: %lld items", (long long)s.index_lag);
    if (s.index_lag && s.index_oldest)
        printf(", oldest waiting %llds", (long long)(jy_now() - s.index_oldest));
    printf("\n");
    printf("tables%s:\n", s.dbstat ? " (bytes with their indexes, from dbstat)"
                                   : " (bytes unknown: this SQLite has no dbstat)");
    for (size_t i = 0; i < s.n_tables; i++) {
        human(s.tables[i].bytes, a, sizeof a);
        printf("  %-24s %12lld rows  %10s\n", s.tables[i].name, (long long)s.tables[i].rows, a);
    }
    printf("items by month collected:\n");
    for (size_t i = 0; i < s.n_months; i++)
        printf("  %s %12lld\n", s.months[i].month, (long long)s.months[i].items);
    if (c->cfg->retention.months > 0)
        printf("retention: %d months; archives in %s\n", c->cfg->retention.months,
               c->cfg->retention.archive_dir);
    else
        printf("retention: off (keep everything); archives in %s\n", c->cfg->retention.archive_dir);
    for (size_t i = 0; i < s.n_archives; i++) {
        human(s.archives[i].bytes, a, sizeof a);
        printf("  archive %s %12lld items  %10s\n", s.archives[i].month,
               (long long)s.archives[i].items, a);
    }
    store_db_stats_clear(&s);
    return 0;
}

static void vacuum_progress(void *ctx, int64_t done, int64_t total)
{
    (void)ctx;
    if (done < 0)
        printf("converting to incremental auto-vacuum (full VACUUM): %llds\n", (long long)total);
    else
        printf("freed %lld of %lld free pages (%lld%%)\n", (long long)done, (long long)total,
               total ? (long long)(done * 100 / total) : 100LL);
    fflush(stdout);
}

static int db_vacuum(struct dbcli *c, int step)
{
    struct jy_error err = {0};
    if (!actor_has(&c->me, ROLE_ADMIN)) {
        jy_error_set(&err, JY_EPERM, "只有管理员可以整理数据库（%s）", c->me.login);
        return db_fail(c, JY_EPERM, &err);
    }
    bool got = false;
    /* the lease only matters for the one full VACUUM of an older file */
    if (db_lease(c, &got, &err) != 0)
        jy_error_clear(&err);
    int64_t freed = 0;
    int rc = store_db_vacuum(c->st, &c->me, step, got, vacuum_progress, c, jy_now(), &freed, &err);
    db_unlease(c);
    if (rc)
        return db_fail(c, rc, &err);
    printf("vacuum: %lld pages given back\n", (long long)freed);
    return 0;
}

static int db_archive(struct dbcli *c, bool dry)
{
    struct jy_error err = {0};
    const struct retention_config *rc_cfg = &c->cfg->retention;
    if (rc_cfg->months <= 0) {
        fprintf(stderr, "%s: retention is off (retention.months is 0 in %s): nothing to do\n",
                c->name, c->cfg->path);
        return CMD_EXIT_REFUSED;
    }
    if (!dry && !actor_has(&c->me, ROLE_ADMIN)) {
        jy_error_set(&err, JY_EPERM, "只有管理员可以归档（%s）", c->me.login);
        return db_fail(c, JY_EPERM, &err);
    }
    bool got = false;
    if (!dry) {
        int rc = db_lease(c, &got, &err);
        if (!rc && !got)
            rc = lease_holder_error(c, &err);
        if (rc)
            return db_fail(c, rc, &err);
    }
    struct store_archive_opts o = {.months = rc_cfg->months,
                                   .dir = rc_cfg->archive_dir,
                                   .now = jy_now(),
                                   .dry_run = dry,
                                   .actor = dry ? NULL : &c->me,
                                   .step_hook = dry ? NULL : archive_tick,
                                   .hook_ctx = c};
    struct store_archive_report rep;
    int rc = store_archive_run(c->st, &o, &rep, &err);
    db_unlease(c);
    char cut[32];
    jy_time_local(rep.cutoff, "%Y-%m-%d %H:%M", cut, sizeof cut);
    if (!rc) {
        printf("%s items collected before %s%s\n", dry ? "would archive" : "archived", cut,
               rep.n ? ":" : ": none");
        for (size_t i = 0; i < rep.n; i++) {
            char *path = store_archive_path(rc_cfg->archive_dir, rep.months[i].month);
            if (dry)
                printf("  %s %lld items -> %s\n", rep.months[i].month,
                       (long long)rep.months[i].items, path);
            else
                printf("  %s %lld items, %lld events -> %s\n", rep.months[i].month,
                       (long long)rep.months[i].items, (long long)rep.months[i].events, path);
            free(path);
        }
        if (dry && rep.n)
            printf("  with up to %lld events\n", (long long)rep.dry_events);
        if (rep.recovered)
            printf("finished an interrupted run (%lld rows settled)\n", (long long)rep.recovered);
    }
    store_archive_report_clear(&rep);
    return rc ? db_fail(c, rc, &err) : 0;
}

int cmd_db(const struct config *cfg, int argc, char **argv)
{
    struct dbcli c = {.cfg = cfg, .name = "jingyu db"};
    const char *verb = argc ? argv[0] : NULL;
    bool dry = false;
    int step = 1000;
    for (int i = 1; i < argc; i++) {
        if (verb && !strcmp(verb, "archive") && !strcmp(argv[i], "--dry-run")) {
            dry = true;
        } else if (verb && !strcmp(verb, "vacuum") && !strcmp(argv[i], "--step")) {
            if (++i >= argc || (step = atoi(argv[i])) <= 0)
                return db_usage(&c, "--step needs a positive number of pages");
        } else {
            char why[128];
            snprintf(why, sizeof why, "unknown option or argument %.80s", argv[i]);
            return db_usage(&c, why);
        }
    }
    if (!verb || (strcmp(verb, "stats") && strcmp(verb, "vacuum") && strcmp(verb, "archive")))
        return db_usage(&c, verb ? "unknown db command" : NULL);
    int rc = db_open(&c, strcmp(verb, "stats") != 0);
    if (rc)
        return rc;
    if (!strcmp(verb, "stats"))
        rc = db_stats(&c);
    else if (!strcmp(verb, "vacuum"))
        rc = db_vacuum(&c, step);
    else
        rc = db_archive(&c, dry);
    store_close(c.st);
    return rc;
}

/* ---- search ------------------------------------------------------------------------ */

static void print_item(const struct store_item *it, const char *where)
{
    char t[32];
    jy_time_local(it->fetched_at, "%Y-%m-%d %H:%M", t, sizeof t);
    char *title = utf8_sanitize(it->title, strlen(it->title), 0);
    char *src = utf8_sanitize(it->source_name ? it->source_name : "",
                              strlen(it->source_name ? it->source_name : ""), 0);
    printf("%lld\t%s\t%s\t%s\t%s\n", (long long)it->id, where, t, src, title);
    free(title);
    free(src);
}

/* Prints up to *left results of query from st (an open live file or
 * archive), labelled where. */
static int search_one(struct dbcli *c, struct store *st, const char *query, const char *where,
                      size_t *left)
{
    struct store_item *v = NULL;
    size_t n = 0;
    struct jy_error err = {0};
    int rc = store_search(st, query, NULL, *left, &v, &n, &err);
    if (rc)
        return db_fail(c, rc, &err);
    for (size_t i = 0; i < n; i++)
        print_item(&v[i], where);
    *left -= n;
    store_items_free(v, n);
    return 0;
}

static bool month_ok(const char *m)
{
    return strlen(m) == 7 && m[4] == '-' && strspn(m, "0123456789-") == 7;
}

int cmd_search(const struct config *cfg, int argc, char **argv)
{
    struct dbcli c = {.cfg = cfg, .name = "jingyu search"};
    const char *month = NULL;
    bool all = false;
    long limit = 50;
    struct jy_buf q;
    jy_buf_init(&q, 0);
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--archive")) {
            if (++i >= argc || !month_ok(argv[i]))
                rc = db_usage(&c, "--archive needs a month, YYYY-MM");
            else
                month = argv[i];
        } else if (!strcmp(argv[i], "--archives")) {
            all = true;
        } else if (!strcmp(argv[i], "--limit")) {
            if (++i >= argc || (limit = atol(argv[i])) <= 0 || limit > 100000)
                rc = db_usage(&c, "--limit needs a number from 1 to 100000");
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            char why[128];
            snprintf(why, sizeof why, "unknown option %.80s", argv[i]);
            rc = db_usage(&c, why);
        } else {
            if (q.len)
                jy_buf_putc(&q, ' ');
            jy_buf_puts(&q, argv[i]);
        }
    }
    if (!rc && !q.len)
        rc = db_usage(&c, "nothing to search for");
    if (!rc && month && all)
        rc = db_usage(&c, "--archive and --archives exclude each other");
    if (rc) {
        jy_buf_free(&q);
        return rc;
    }
    size_t left = (size_t)limit;
    if (!month && !all) {
        if (!(rc = db_open(&c, false))) {
            rc = search_one(&c, c.st, q.data, "live", &left);
            store_close(c.st);
        }
        jy_buf_free(&q);
        return rc;
    }
    char **months = NULL;
    size_t n = 0;
    struct jy_error err = {0};
    if (month) {
        months = xcalloc(1, sizeof *months);
        months[n++] = xstrdup(month);
    } else {
        store_archive_list(cfg->retention.archive_dir, &months, &n, &err);
    }
    for (size_t i = 0; i < n && !rc && left; i++) {
        char *path = store_archive_path(cfg->retention.archive_dir, months[i]);
        struct store *ar = NULL;
        if ((rc = store_open_archive(path, &ar, &err)))
            rc = db_fail(&c, rc, &err);
        else
            rc = search_one(&c, ar, q.data, months[i], &left);
        store_close(ar);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(months[i]);
    free(months);
    jy_buf_free(&q);
    return rc;
}
