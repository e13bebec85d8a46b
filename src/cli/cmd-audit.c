/* cmd-audit.c: jingyu audit verify|seal|anchor|log, the audit chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collect/collect.h"
#include "notify/notify.h"

/* ---- audit ----------------------------------------------------------------------- */

/* The audit key (the secret audit.key names in notify.secrets): *key NULL
 * when none is configured; an error when one is but cannot be read. */
static int audit_key_load(const struct cli *c, struct notify_secrets *sec, const char **key,
                          struct jy_error *err)
{
    *key = NULL;
    memset(sec, 0, sizeof *sec);
    if (!c->cfg->audit_key)
        return 0;
    if (!c->cfg->notify.secrets)
        return jy_error_set(err, JY_ECONFIG, "audit.key needs notify.secrets (the secrets file)");
    int rc = notify_secrets_load(c->cfg->notify.secrets, sec, err);
    if (rc)
        return rc;
    *key = notify_secret(sec, c->cfg->audit_key);
    if (!*key || !**key)
        return jy_error_set(err, JY_ECONFIG, "no secret named %s in the secrets file",
                            c->cfg->audit_key);
    return 0;
}

static void audit_print_check(const struct store_audit_check *chk)
{
    if (chk->bad_id) {
        printf("audit chain BROKEN at row %lld: %s (%lld rows checked)\n", (long long)chk->bad_id,
               chk->why, (long long)chk->rows);
        return;
    }
    if (chk->bad_seal) {
        printf("audit chain BROKEN: %s (%lld rows whole, %zu seals checked)\n", chk->why,
               (long long)chk->rows, chk->seals);
        return;
    }
    printf("audit chain ok: %lld rows, head %s\n", (long long)chk->rows, chk->head);
    if (chk->keyed)
        printf("keyed: %zu seals ok, rows 1-%lld sealed, last seal %s\n", chk->seals,
               (long long)chk->sealed_rows, chk->seal_mac);
    else if (chk->seals)
        printf("keyed: %zu seals not checked (no key)\n", chk->seals);
}

/* audit anchor: the head (and last seal) as one line, appended to a file
 * and/or sent to a channel (by default the configuration's), to be
 * compared later from outside. Each is noted like the collector's daily
 * anchor (see src/collect/seal.c), so that `jingyu status` shows it. */
static int audit_anchor(struct cli *c, const struct opts *o, const struct store_audit_check *chk,
                        bool keyed)
{
    char *line = collect_anchor_line(chk, c->now);
    fputs(line, stdout);
    int rc = 0;
    struct jy_error err = {0};
    const char *file = cli_opt(o, "--file") ? cli_opt(o, "--file") : c->cfg->audit_anchor;
    if (file) {
        int e = collect_anchor_append(file, line, &err);
        if (e)
            fprintf(stderr, "%s: %s\n", c->name, err.msg);
        struct jy_error nerr = {0};
        if (keyed || actor_can_write(&c->me)) /* a viewer writes nothing */
            store_audit_upkeep_note(c->st, "anchor:file", file, c->now, e ? err.msg : NULL, &nerr);
        if (e)
            rc = CMD_EXIT_RUNTIME;
        jy_error_clear(&err);
    }
    const char *channel =
        cli_opt(o, "--channel") ? cli_opt(o, "--channel") : c->cfg->audit_anchor_channel;
    if (!rc && channel) {
        size_t i = 0;
        while (i < c->cfg->notify.n_channels && strcmp(c->cfg->notify.channels[i].name, channel))
            i++;
        int e = 0;
        if (i == c->cfg->notify.n_channels)
            rc = cli_usage_error(c, "no such channel");
        else if (!keyed && (e = actor_check_write(&c->me, &err)))
            rc = cli_fail(c, e, &err);
        else if ((e = store_outbox_add(c->st, &channel, 1, "audit.anchor", 0, "审计链锚点", line,
                                       c->now, &err)))
            rc = cli_fail(c, e, &err);
        else
            store_audit_upkeep_note(c->st, "anchor:channel", channel, c->now, NULL, &err);
    }
    free(line);
    return rc;
}

static int audit_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos == 1 ? o->pos[0] : "";
    if (!strcmp(verb, "verify") || !strcmp(verb, "seal") || !strcmp(verb, "anchor")) {
        struct notify_secrets sec;
        const char *key = NULL;
        if ((rc = audit_key_load(c, &sec, &key, &err))) {
            if (strcmp(verb, "verify")) {
                rc = cli_fail(c, rc, &err);
                notify_secrets_free(&sec);
                return rc;
            }
            /* verify still checks the rows; the seals need the key */
            fprintf(stderr, "%s: seals not checked: %s\n", c->name, err.msg);
            jy_error_clear(&err);
            key = NULL;
        }
        if (!strcmp(verb, "seal") && !key) {
            notify_secrets_free(&sec);
            return cli_usage_error(c, "audit seal needs audit.key (a secret in notify.secrets)");
        }
        struct store_audit_check chk;
        rc = key && strcmp(verb, "verify") ? store_audit_seal(c->st, key, c->now, &chk, &err)
                                           : store_audit_verify(c->st, key, &chk, &err);
        notify_secrets_free(&sec);
        if (rc && rc != JY_ESTATE)
            return cli_fail(c, rc, &err);
        audit_print_check(&chk);
        if (chk.bad_id || chk.bad_seal)
            return CMD_EXIT_RUNTIME;
        if (!strcmp(verb, "anchor"))
            rc = audit_anchor(c, o, &chk, key != NULL);
    } else if (!strcmp(verb, "log")) {
        int64_t id = 0, limit = 50, offset = 0;
        const char *v = cli_opt(o, "--incident");
        if ((v && !cli_parse_id(v, &id)) ||
            ((v = cli_opt(o, "--limit")) && !cli_parse_id(v, &limit)) ||
            ((v = cli_opt(o, "--offset")) && strcmp(v, "0") && !cli_parse_id(v, &offset))) {
            rc = cli_usage_error(c, "--incident, --limit and --offset need numbers");
            return rc;
        }
        struct store_audit *a;
        size_t n;
        bool more = false;
        if ((rc = store_audit_page(c->st, id ? "incident" : NULL, id, (size_t)offset, (size_t)limit,
                                   &a, &n, &more, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        for (size_t i = n; i-- > 0;) {
            char t[32];
            cli_fmt_time(a[i].at, t, sizeof t);
            char *after = a[i].after ? utf8_sanitize(a[i].after, strlen(a[i].after), 0) : NULL;
            printf("%lld\t%s\t%s\t%s\t%s#%lld\t%s\n", (long long)a[i].id, t, a[i].actor,
                   a[i].action, a[i].object, (long long)a[i].object_id, after ? after : "");
            free(after);
        }
        store_audit_free(a, n);
        if (more)
            fprintf(stderr,
                    "%s: older rows not shown: the %lld above are the newest from offset %lld; "
                    "add --offset %lld for the next page\n",
                    c->name, (long long)n, (long long)offset, (long long)(offset + (int64_t)n));
    } else {
        rc = cli_usage_error(c, "usage: audit verify | seal | anchor [--file F] [--channel NAME] | "
                                "log [--incident ID] [--limit N] [--offset N]");
    }
    return rc;
}

static const struct verb_opts audit_opts[] = {
    {"verify", ""}, {"log", "--incident --limit --offset"},
    {"seal", ""},   {"anchor", "--file --channel"},
    {NULL, NULL},
};

int cmd_audit(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu audit", argc, argv, audit_opts, audit_main);
}
