/* cmd-status.c: jingyu status: the lease holder, the sources' health, the
 * index and the audit chain's seals and anchors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collect/collect.h"
#include "store/store.h"

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

int cmd_status(const struct config *cfg, int argc, char **argv)
{
    (void)argc, (void)argv;
    int rc;
    struct store *st = NULL;
    struct jy_error err = {0};
    struct store_source *src = NULL;
    size_t n = 0;
    if ((rc = store_open(cfg->database, &st, &err)) ||
        (rc = store_sources_list(st, &src, &n, &err))) {
        if (rc < 0)
            fprintf(stderr, "jingyu status: %s\n", err.msg);
        store_close(st);
        return rc == JY_EVERSION ? CMD_EXIT_USAGE : CMD_EXIT_RUNTIME;
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
    return 0;
}
