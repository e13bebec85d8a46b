/* main.c: argument parsing and subcommands.
 *
 *   jingyu [--config FILE] [--no-collect] [--read-only] [--exit-after N]   the console
 *   jingyu check-config                                      validate and exit
 *   jingyu inspect FILE|URL                                  parse one feed, print JSON lines
 *   jingyu collect [--once]                                  the collector without a screen
 *   jingyu status                                            lease holder, source health, index lag
 *   jingyu analyze [--db FILE [--store]]                   analyse JSON lines from stdin
 *   jingyu scheme test 'EXPR'                                which items an expression matches
 *   jingyu train FILE.jsonl [--db FILE] [--holdout N]        learn the sentiment model
 *   jingyu train --grading-labels [--fit] [--db FILE]        officers' regrades (JSON lines)
 *   jingyu incident new|list|show|assess|respond|...        the incident workflow
 *   jingyu person add|list                                   people and roles
 *   jingyu audit verify|log                                  the audit chain
 *   jingyu kpi --from DATE --to DATE [--json]                the plan's KPIs
 *   jingyu duty ... / jingyu handover ...                    duty schedule, handover notes
 *   jingyu silence add|list|expire                           silences of events and sources
 *   jingyu db stats|vacuum|archive                           the file's upkeep, retention
 *   jingyu search WORDS [--archive M | --archives]           full-text search, archives too
 *
 * Exit status: 0 ok, 1 runtime error, 2 bad usage or bad configuration. */
#include <curl/curl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/parser.h>

#include "analyze/analyze.h"
#include "cmd.h"
#include "collect/collect.h"
#include "config/config.h"
#include "parse/parse.h"
#include "store/store.h"
#include "ui.h"
#include "util/util.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fputs("usage: jingyu [--config FILE] [--no-collect] [--read-only] [--exit-after N]\n"
          "       jingyu [--config FILE] check-config\n"
          "       jingyu [--config FILE] inspect FILE|URL\n"
          "       jingyu [--config FILE] collect [--once]\n"
          "       jingyu [--config FILE] status\n"
          "       jingyu [--config FILE] analyze [--db FILE [--store]] [--threads 1|2] < "
          "items.jsonl\n"
          "       jingyu [--config FILE] scheme test 'EXPR' < items.jsonl\n"
          "       jingyu [--config FILE] train FILE.jsonl [--db FILE] [--holdout N]\n"
          "       jingyu [--config FILE] train --grading-labels [--fit] [--db FILE]\n"
          "       jingyu [--config FILE] incident new|list|show|assess|respond|verify|move|draft|\n"
          "                              "
          "submit|approve|return|publish|correct|close|link|task|feedback\n"
          "       jingyu [--config FILE] person add LOGIN --name N --roles R | person list\n"
          "       jingyu [--config FILE] audit verify | audit log [--incident ID]\n"
          "       jingyu [--config FILE] kpi --from DATE --to DATE [--json]\n"
          "       jingyu [--config FILE] duty show|gaps|now|generate|set|swap ...\n"
          "       jingyu [--config FILE] handover prefill|write|ack|list ...\n"
          "       jingyu [--config FILE] notify run [--once] | send --subject S | status\n"
          "       jingyu [--config FILE] directory list|export|import KIND [FILE]\n"
          "       jingyu [--config FILE] silence add (--event ID | --source ID) --reason R "
          "--until TIME\n"
          "       jingyu [--config FILE] silence list [--all] [--json] | silence expire ID\n"
          "       jingyu [--config FILE] db stats | db vacuum [--step PAGES] | db archive "
          "[--dry-run]\n"
          "       jingyu [--config FILE] search WORDS... [--archive YYYY-MM | --archives] "
          "[--limit N]\n"
          "       jingyu --version | --help\n"
          "See jingyu(1) and jingyu.yaml(5).\n",
          f);
}

static int load_config(const char *cli_path, struct config **cfg)
{
    struct jy_error err = {0};
    char *path = NULL;
    if (config_locate(cli_path, &path, &err) != 0 || config_load(path, cfg, &err) != 0) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        free(path);
        return EXIT_USAGE;
    }
    free(path);
    config_apply_timezone(*cfg); /* times shown in the bureau's zone unless TZ says otherwise */
    return 0;
}

/* Creates the database's folder (e.g. ~/.local/share/jingyu for the demo)
 * and the database with owner-only modes (or files.group's), and warns of
 * any of them found more open. */
static int ensure_db_dir(const struct config *cfg)
{
    struct jy_error err = {0};
    char **warn = NULL;
    size_t n = 0;
    if (store_files_prepare(cfg->database, cfg->files_group, &warn, &n, &err)) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return err.code == JY_ECONFIG ? EXIT_USAGE : EXIT_RUNTIME;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "jingyu: warning: %s\n", warn[i]);
        free(warn[i]);
    }
    free(warn);
    return 0;
}

/* For commands that open the database: the configuration, and the folder the
 * database lives in (the demo's is under ~/.local/share, new on a fresh
 * account). */
static int load_config_and_db_dir(const char *cli_path, struct config **cfg)
{
    int rc = load_config(cli_path, cfg);
    if (rc)
        return rc;
    if ((rc = ensure_db_dir(*cfg))) {
        config_free(*cfg);
        *cfg = NULL;
    }
    return rc;
}

/* Compiles the schemes and checks the data files and OpenCC, so that a bad
 * expression or a broken installation stops us here with its position, not
 * later inside the collector thread. full: builds a whole analyzer (what
 * check-config promises); otherwise only what is needed to know (the
 * console's first screen must not wait tens of milliseconds for tables its
 * collector thread builds anyway). */
static int check_analysis(const struct config *cfg, bool full)
{
    struct analyzer *an = NULL;
    struct jy_error err = {0};
    if (full ? analyzer_new(cfg, &an, &err) != 0
             : analyzer_check(cfg, &err) != 0 || normalizer_check(&err) != 0) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return err.code == JY_ECONFIG ? EXIT_USAGE : EXIT_RUNTIME;
    }
    analyzer_free(an);
    return 0;
}

/* Subcommands with options of their own: everything after their name. */
static int cmd_with_args(const char *cli_path, const char *cmd, int argc, char **argv)
{
    struct config *cfg;
    bool opens_db = strcmp(cmd, "analyze") && strcmp(cmd, "scheme") && strcmp(cmd, "train");
    int rc = opens_db ? load_config_and_db_dir(cli_path, &cfg) : load_config(cli_path, &cfg);
    if (rc)
        return rc;
    if (strcmp(cmd, "analyze") == 0)
        rc = cmd_analyze(cfg, argc, argv);
    else if (strcmp(cmd, "scheme") == 0)
        rc = cmd_scheme(cfg, argc, argv);
    else if (strcmp(cmd, "incident") == 0)
        rc = cmd_incident(cfg, argc, argv);
    else if (strcmp(cmd, "person") == 0)
        rc = cmd_people(cfg, argc, argv);
    else if (strcmp(cmd, "audit") == 0)
        rc = cmd_audit(cfg, argc, argv);
    else if (strcmp(cmd, "kpi") == 0)
        rc = cmd_kpi(cfg, argc, argv);
    else if (strcmp(cmd, "duty") == 0)
        rc = cmd_duty(cfg, argc, argv);
    else if (strcmp(cmd, "handover") == 0)
        rc = cmd_handover(cfg, argc, argv);
    else if (strcmp(cmd, "notify") == 0)
        rc = cmd_notify(cfg, argc, argv);
    else if (strcmp(cmd, "directory") == 0)
        rc = cmd_directory(cfg, argc, argv);
    else if (strcmp(cmd, "silence") == 0)
        rc = cmd_silence(cfg, argc, argv);
    else if (strcmp(cmd, "db") == 0)
        rc = cmd_db(cfg, argc, argv);
    else if (strcmp(cmd, "search") == 0)
        rc = cmd_search(cfg, argc, argv);
    else
        rc = cmd_train(cfg, argc, argv);
    config_free(cfg);
    return rc;
}

static int cmd_check_config(const char *cli_path)
{
    struct config *cfg;
    int rc = load_config(cli_path, &cfg);
    if (rc)
        return rc;
    if ((rc = check_analysis(cfg, true))) {
        config_free(cfg);
        return rc;
    }
    printf("%s: ok (%zu sources, %zu schemes, database %s)\n", cfg->path, cfg->n_sources,
           cfg->analysis.n_schemes, cfg->database);
    config_free(cfg);
    return 0;
}

static int cmd_inspect(const char *cli_path, const char *target)
{
    struct config *cfg = NULL;
    struct jy_error err = {0};
    char *path = NULL;
    /* inspect works without a valid configuration: it then uses defaults */
    if (config_locate(cli_path, &path, &err) == 0)
        config_load(path, &cfg, &err);
    free(path);
    struct feed feed;
    jy_error_clear(&err);
    int rc = collect_inspect(cfg, target, &feed, &err);
    config_free(cfg);
    if (rc) {
        fprintf(stderr, "jingyu inspect: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    struct jy_buf line;
    jy_buf_init(&line, 0);
    for (size_t i = 0; i < feed.n_items; i++) {
        jy_buf_reset(&line);
        feed_item_to_json(&feed.items[i], &line);
        fwrite(line.data, 1, line.len, stdout);
        fputc('\n', stdout);
    }
    jy_buf_free(&line);
    feed_free(&feed);
    return 0;
}

static int cmd_collect(const char *cli_path, bool once)
{
    struct config *cfg;
    int rc = load_config_and_db_dir(cli_path, &cfg);
    if (rc)
        return rc;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct jy_error err = {0};
    rc = collect_run(cfg, once, &stop_requested, &err);
    config_free(cfg);
    if (rc) {
        fprintf(stderr, "jingyu collect: %s\n", err.msg);
        return rc == JY_EVERSION ? EXIT_USAGE : EXIT_RUNTIME;
    }
    return 0;
}

static const char *state_name(enum source_state s)
{
    switch (s) {
    case SOURCE_NEW:
        return "new";
    case SOURCE_OK:
        return "ok";
    case SOURCE_FAILING:
        return "failing";
    case SOURCE_DARK:
        return "dark";
    case SOURCE_DISABLED:
        return "disabled";
    }
    return "?";
}

static void print_time(const char *label, int64_t t)
{
    char buf[32];
    if (t) {
        jy_time_rfc3339(t, buf);
        printf("  %-14s %s\n", label, buf);
    }
}

/* Prints a stored string, which came from outside, safe for the terminal. */
static void print_field(const char *label, const char *value)
{
    if (!value)
        return;
    char *clean = utf8_sanitize(value, strlen(value), 0);
    printf("  %-14s %s\n", label, clean);
    free(clean);
}

/* The audit chain's seal and anchors: when last done, when next due, and
 * whether one is failing or overdue (see src/collect/seal.c). */
static void print_audit_status(struct store *st, const struct config *cfg, int64_t now)
{
    struct collect_audit_status as;
    struct jy_error err = {0};
    if (collect_audit_status(st, cfg, now, &as, &err)) {
        printf("audit: cannot read: %s\n", err.msg);
        return;
    }
    printf("audit: %lld rows", (long long)as.head_rows);
    if (as.sealed_rows)
        printf(", rows 1-%lld sealed", (long long)as.sealed_rows);
    printf("%s\n", cfg->audit_key || cfg->audit_anchor || cfg->audit_anchor_channel
                       ? ""
                       : " (no audit.key or audit.anchor: neither sealed nor anchored)");
    for (size_t i = 0; i < as.n; i++) {
        const struct collect_upkeep_item *it = &as.items[i];
        const char *state = it->error[0] ? "FAILING" : it->overdue ? "OVERDUE" : "ok";
        printf("audit %s%s%s [%s]\n", !strcmp(it->kind, "seal") ? "seal" : "anchor",
               it->target ? (!strcmp(it->kind, "anchor:file") ? " file " : " channel ") : "",
               it->target ? it->target : "", state);
        if (it->last_ok)
            print_time("last success", it->last_ok);
        else
            printf("  %-14s %s\n", "last success", "never");
        print_time("last attempt", it->tried_at);
        print_time("next due", it->next_at);
        print_field("last error", it->error[0] ? it->error : NULL);
    }
}

static int cmd_status(const char *cli_path)
{
    struct config *cfg;
    int rc = load_config(cli_path, &cfg);
    if (rc)
        return rc;
    struct store *st = NULL;
    struct jy_error err = {0};
    struct store_source *src = NULL;
    size_t n = 0;
    if ((rc = ensure_db_dir(cfg)) || (rc = store_open(cfg->database, &st, &err)) ||
        (rc = store_sources_list(st, &src, &n, &err))) {
        if (rc < 0)
            fprintf(stderr, "jingyu status: %s\n", err.msg);
        store_close(st);
        config_free(cfg);
        return rc == JY_EVERSION ? EXIT_USAGE : EXIT_RUNTIME;
    }
    int64_t now = jy_now();
    struct store_lease le;
    bool present = false;
    store_lease_get(st, &le, &present, NULL);
    printf("database: %s\n", cfg->database);
    if (present) {
        char since[32];
        jy_time_rfc3339(le.since, since);
        printf("collector: %s pid %d since %s (heartbeat %llds ago)%s\n", le.host, le.pid, since,
               (long long)(now - le.heartbeat),
               now - le.heartbeat > COLLECT_LEASE_TTL ? " EXPIRED" : "");
    } else {
        printf("collector: none\n");
    }
    int64_t pending = 0, oldest = 0, max_id = 0;
    store_index_lag(st, &pending, &oldest, NULL);
    store_items_max_id(st, &max_id, NULL);
    printf("items: %lld; index lag: %lld items", (long long)max_id, (long long)pending);
    if (pending && oldest)
        printf(", oldest waiting %llds", (long long)(now - oldest));
    int64_t chars_left = 0;
    if (!store_chars_left(st, &chars_left, NULL) && chars_left)
        printf("; character index filling, %lld older items left (one-character searches scan "
               "them meanwhile)",
               (long long)chars_left);
    printf("\n");
    print_audit_status(st, cfg, now);
    for (size_t i = 0; i < n; i++) {
        struct store_source *s = &src[i];
        printf("source %s [%s] %s\n", s->name,
               state_name(store_source_state(s, now, cfg->collector.dark_after)),
               s->url ? s->url : "");
        print_time("last attempt", s->last_attempt);
        print_time("last success", s->last_success);
        print_time("last new item", s->last_new_item);
        print_time("next due", s->next_due);
        if (s->last_status)
            printf("  %-14s %d\n", "http status", s->last_status);
        if (s->failures) {
            printf("  %-14s %d\n", "failures", s->failures);
            print_time("failing since", s->failing_since);
        }
        print_field("last error", s->last_error);
        print_field("warning", s->last_warning);
        print_field("etag", s->etag);
        print_field("last-modified", s->last_modified);
    }
    store_sources_free(src, n);
    store_close(st);
    config_free(cfg);
    return 0;
}

static int cmd_console(const char *cli_path, bool collect, bool read_only, int exit_after)
{
    struct config *cfg;
    int rc = load_config_and_db_dir(cli_path, &cfg);
    if (rc)
        return rc;
    if ((rc = check_analysis(cfg, false))) {
        config_free(cfg);
        return rc;
    }
    struct ui_options opts = {.collect = collect, .exit_after = exit_after, .read_only = read_only};
    struct jy_error err = {0};
    rc = ui_run(cfg, &opts, &err);
    config_free(cfg);
    if (rc) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return rc == JY_EVERSION ? EXIT_USAGE : EXIT_RUNTIME;
    }
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* libcurl (with CURLOPT_NOSIGNAL) leaves SIGPIPE to us: a peer closing
     * a socket must not kill the process */
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* once, before any thread parses: xmlInitParser is not thread-safe in
     * libxml2 2.9, and the allocators of libxml2 and jansson are set here */
    parse_init();
    const char *config_path = NULL, *cmd = NULL, *arg = NULL;
    const char *console_opt = NULL; /* an option of the console alone, when given */
    bool collect = true, once = false, read_only = false;
    int exit_after = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "jingyu: --config needs a file\n");
                return EXIT_USAGE;
            }
            config_path = argv[i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config_path = a + 9;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
            printf("jingyu %s\n", JY_VERSION);
            return 0;
        } else if (strcmp(a, "--no-collect") == 0) {
            collect = false;
            console_opt = a;
        } else if (strcmp(a, "--read-only") == 0) {
            read_only = true;
            console_opt = a;
        } else if (strcmp(a, "--once") == 0) {
            once = true;
        } else if (strcmp(a, "--exit-after") == 0) {
            console_opt = a;
            if (++i >= argc || (exit_after = atoi(argv[i])) <= 0) {
                fprintf(stderr, "jingyu: --exit-after needs a positive number\n");
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "jingyu: unknown option %s\n", a);
            usage(stderr);
            return EXIT_USAGE;
        } else if (!cmd && (strcmp(a, "analyze") == 0 || strcmp(a, "scheme") == 0 ||
                            strcmp(a, "train") == 0 || strcmp(a, "incident") == 0 ||
                            strcmp(a, "person") == 0 || strcmp(a, "audit") == 0 ||
                            strcmp(a, "kpi") == 0 || strcmp(a, "duty") == 0 ||
                            strcmp(a, "handover") == 0 || strcmp(a, "notify") == 0 ||
                            strcmp(a, "directory") == 0 || strcmp(a, "silence") == 0 ||
                            strcmp(a, "db") == 0 || strcmp(a, "search") == 0)) {
            if (console_opt || once) {
                fprintf(stderr, "jingyu %s: unknown option %s\n", a, once ? "--once" : console_opt);
                usage(stderr);
                return EXIT_USAGE;
            }
            int rc = cmd_with_args(config_path, a, argc - i - 1, argv + i + 1);
            curl_global_cleanup();
            xmlCleanupParser();
            return rc;
        } else if (!cmd) {
            cmd = a;
        } else if (!arg) {
            arg = a;
        } else {
            fprintf(stderr, "jingyu %s: unexpected argument %s\n", cmd, a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* the console's options belong to it, --once to collect */
    if ((cmd && console_opt) || (once && (!cmd || strcmp(cmd, "collect")))) {
        fprintf(stderr, "jingyu%s%s: unknown option %s\n", cmd ? " " : "", cmd ? cmd : "",
                cmd && console_opt ? console_opt : "--once");
        usage(stderr);
        return EXIT_USAGE;
    }
    /* the commands without an option table take no argument but inspect's
     * one: a stray word (a mistyped option) is refused, not ignored */
    if (cmd && arg &&
        (!strcmp(cmd, "check-config") || !strcmp(cmd, "collect") || !strcmp(cmd, "status"))) {
        fprintf(stderr, "jingyu %s: unexpected argument %s\n", cmd, arg);
        usage(stderr);
        return EXIT_USAGE;
    }
    int rc;
    if (!cmd) {
        rc = cmd_console(config_path, collect, read_only, exit_after);
    } else if (strcmp(cmd, "check-config") == 0) {
        rc = cmd_check_config(config_path);
    } else if (strcmp(cmd, "inspect") == 0) {
        if (!arg) {
            fprintf(stderr, "jingyu inspect: needs a FILE or URL\n");
            return EXIT_USAGE;
        }
        rc = cmd_inspect(config_path, arg);
    } else if (strcmp(cmd, "collect") == 0) {
        rc = cmd_collect(config_path, once);
    } else if (strcmp(cmd, "status") == 0) {
        rc = cmd_status(config_path);
    } else {
        fprintf(stderr, "jingyu: unknown command %s\n", cmd);
        usage(stderr);
        rc = EXIT_USAGE;
    }
    curl_global_cleanup();
    xmlCleanupParser();
    return rc;
}
