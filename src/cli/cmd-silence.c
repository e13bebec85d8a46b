/* cmd-silence.c: jingyu silence add|list|expire, silences of events and sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- silences ---------------------------------------------------------------------- */

/* --source: an id or a source's name. */
static int source_ref(const struct cli *c, const char *v, int64_t *id, struct jy_error *err)
{
    if (cli_parse_id(v, id))
        return 0;
    struct store_source *src;
    size_t n;
    int rc = store_sources_list(c->st, &src, &n, err);
    if (rc)
        return rc;
    *id = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(src[i].name, v))
            *id = src[i].id;
    store_sources_free(src, n);
    return *id ? 0 : jy_error_set(err, JY_ENOTFOUND, "没有信源「%s」", v);
}

static void silence_print(const struct store_silence *x, bool json)
{
    char created[32], until[32], expired[32];
    cli_fmt_time(x->created_at, created, sizeof created);
    cli_fmt_time(x->until, until, sizeof until);
    cli_fmt_time(x->expired_at, expired, sizeof expired);
    if (json) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "id", true);
        jy_buf_json_int(&b, x->id);
        cli_json_str(&b, "kind", x->event_id ? "event" : "source", false);
        cli_json_int(&b, x->event_id ? "event_id" : "source_id",
                     x->event_id ? x->event_id : x->source_id);
        cli_json_str(&b, "target", x->target, false);
        cli_json_str(&b, "reason", x->reason, false);
        cli_json_str(&b, "owner", x->created_by, false);
        cli_json_int(&b, "created_at", x->created_at);
        cli_json_int(&b, "until", x->until);
        cli_json_str(&b, "expired_by", x->expired_by, false);
        cli_json_int(&b, "expired_at", x->expired_at);
        jy_buf_json_key(&b, "active", false);
        jy_buf_puts(&b, x->active ? "true}" : "false}");
        printf("%s\n", b.data);
        jy_buf_free(&b);
        return;
    }
    char *target = utf8_sanitize(x->target ? x->target : "", strlen(x->target ? x->target : ""), 0);
    char *reason = utf8_sanitize(x->reason, strlen(x->reason), 0);
    printf("#%lld	%s #%lld %s	%s 设于 %s	至 %s	%s", (long long)x->id,
           x->event_id ? "事件" : "信源", (long long)(x->event_id ? x->event_id : x->source_id),
           target, x->created_by, created, until, reason);
    if (x->expired_at)
        printf("	已由 %s 于 %s 解除", x->expired_by ? x->expired_by : "?", expired);
    else if (!x->active)
        printf("	已到期");
    printf("\n");
    free(target);
    free(reason);
}

static int silence_main(struct cli *c, const struct opts *o)
{
    const char *verb = o->n_pos ? o->pos[0] : "";
    struct jy_error err = {0};
    int rc;
    if (!strcmp(verb, "add") && o->n_pos == 1) {
        int64_t event_id = 0, source_id = 0, until;
        const char *ev = cli_opt(o, "--event"), *so = cli_opt(o, "--source"),
                   *un = cli_opt(o, "--until");
        if ((!ev) == (!so))
            return cli_usage_error(c, "silence add needs --event ID or --source ID");
        if (ev && !cli_parse_id(ev, &event_id))
            return cli_usage_error(c, "--event needs an event id");
        if (so && (rc = source_ref(c, so, &source_id, &err)))
            return cli_fail(c, rc, &err);
        if (!un)
            return cli_usage_error(c, "silence add needs --until TIME (2h, 1d, 2026-12-01 18:00)");
        if (jy_time_parse_until(un, c->now, &until)) {
            fprintf(stderr, "%s: --until: not a time: %s (use 2h, 30m, 1d or 2026-12-01 18:00)\n",
                    c->name, un);
            return CMD_EXIT_USAGE;
        }
        int64_t id;
        if ((rc = store_silence_add(c->st, &c->me, event_id, source_id, cli_opt(o, "--reason"),
                                    until, c->now, &id, &err)))
            return cli_fail(c, rc, &err);
        printf("%lld\n", (long long)id);
        return 0;
    }
    if (!strcmp(verb, "list") && o->n_pos == 1) {
        struct store_silence *v;
        size_t n;
        if ((rc = store_silences_list(c->st, cli_flag(o, "--all"), c->now, 500, &v, &n, &err)))
            return cli_fail(c, rc, &err);
        for (size_t i = 0; i < n; i++)
            silence_print(&v[i], cli_flag(o, "--json"));
        store_silences_free(v, n);
        return 0;
    }
    if (!strcmp(verb, "expire") && o->n_pos == 2) {
        int64_t id;
        if (!cli_parse_id(o->pos[1], &id))
            return cli_usage_error(c, "silence expire needs a silence id");
        if ((rc = store_silence_expire(c->st, &c->me, id, c->now, &err)))
            return cli_fail(c, rc, &err);
        return 0;
    }
    return cli_usage_error(c,
                           "usage: silence add (--event ID | --source ID) --reason R --until TIME "
                           "| silence list [--all] [--json] | silence expire ID");
}

static const struct verb_opts silence_opts[] = {
    {"add", "--event --source --reason --until"},
    {"list", "--all --json"},
    {"expire", ""},
    {NULL, NULL},
};

int cmd_silence(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu silence", argc, argv, silence_opts, silence_main);
}
