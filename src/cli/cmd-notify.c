/* cmd-notify.c: jingyu notify run|send|status, the outbox and its channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include <signal.h>
#include "notify/notify.h"

/* ---- notifications ---------------------------------------------------------------------- */

static volatile int notify_stop;

static void on_notify_stop(int sig)
{
    (void)sig;
    notify_stop = 1;
}

static int notify_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos ? o->pos[0] : "status";
    if (!strcmp(verb, "run")) {
        /* escalation and delivery; --once for one pass (tests, cron) */
        struct sigaction sa = {0};
        sa.sa_handler = on_notify_stop;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        notify_stop = 0;
        bool once = cli_flag(o, "--once");
        do {
            struct notify_stats ns;
            jy_error_clear(&err);
            if ((rc = notify_pass_until(c->st, c->cfg, jy_now(), &notify_stop, &ns, &err))) {
                /* once: that is the answer; running: say it and carry on */
                int code = cli_fail(c, rc, &err);
                if (once) {
                    rc = code;
                    break;
                }
                rc = 0;
            }
            if (once || ns.escalated || ns.sent || ns.failed || ns.digests)
                printf("escalated %d, sent %d, failed %d, digests %d, deferred %d\n", ns.escalated,
                       ns.sent, ns.failed, ns.digests, ns.deferred);
            fflush(stdout);
            for (int i = 0; i < 20 && !once && !notify_stop; i++)
                usleep(100 * 1000);
        } while (!once && !notify_stop);
    } else if (!strcmp(verb, "send")) {
        /* a message by hand: to one channel or all */
        const char *subject = cli_opt(o, "--subject"), *body = cli_opt(o, "--body");
        if (!subject) {
            rc = cli_usage_error(c, "usage: notify send --subject S [--body B] [--channel NAME]");
            return rc;
        }
        if ((rc = actor_check_write(&c->me, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        const char *one = cli_opt(o, "--channel");
        const char **names = xcalloc(c->cfg->notify.n_channels + 1, sizeof *names);
        size_t n = 0;
        for (size_t i = 0; i < c->cfg->notify.n_channels; i++)
            if (!one || !strcmp(one, c->cfg->notify.channels[i].name))
                names[n++] = c->cfg->notify.channels[i].name;
        if (!n)
            rc = cli_usage_error(c, "no such channel");
        else if ((rc = store_outbox_add(c->st, names, n, "manual", 0, subject, body ? body : "",
                                        c->now, &err)))
            rc = cli_fail(c, rc, &err);
        free(names);
    } else if (!strcmp(verb, "status")) {
        struct store_outbox *v;
        size_t n;
        if ((rc = store_outbox_list(c->st, NULL, 100, &v, &n, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            char t[32];
            cli_fmt_time(v[i].created_at, t, sizeof t);
            char *subj = utf8_sanitize(v[i].subject, strlen(v[i].subject), 0);
            printf("#%lld\t%s\t%s\t%s\t%d\t%s\t%s\n", (long long)v[i].id, t, v[i].channel,
                   v[i].status, v[i].attempts, subj, v[i].last_error ? v[i].last_error : "");
            free(subj);
        }
        store_outbox_free(v, n);
    } else {
        rc = cli_usage_error(c, "usage: notify run [--once] | send --subject S [--body B] "
                                "[--channel NAME] | status");
    }
    return rc;
}

static const struct verb_opts notify_opts[] = {
    {"", ""},     {"status", ""}, {"run", "--once"}, {"send", "--subject --body --channel"},
    {NULL, NULL},
};

int cmd_notify(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu notify", argc, argv, notify_opts, notify_main);
}
