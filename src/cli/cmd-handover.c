/* cmd-handover.c: jingyu handover, the notes between shifts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "roster/roster.h"

static int handover_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    const char *verb = o->n_pos ? o->pos[0] : "list";
    if (!strcmp(verb, "prefill") || !strcmp(verb, "write")) {
        char *pre = NULL;
        if ((rc = store_handover_prefill(c->st, &c->cfg->duty, &c->cfg->incident, c->now, &pre,
                                         &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        if (!strcmp(verb, "prefill")) {
            fputs(pre, stdout);
        } else {
            int64_t id;
            rc = store_handover_write(c->st, &c->me, &c->cfg->duty, cli_opt(o, "--to"),
                                      cli_opt(o, "--note"), pre, c->now, &id, &err);
            if (rc)
                rc = cli_fail(c, rc, &err);
            else
                printf("%lld\n", (long long)id);
        }
        free(pre);
    } else if (!strcmp(verb, "ack")) {
        int64_t id;
        if (o->n_pos != 2 || !cli_parse_id(o->pos[1], &id)) {
            rc = cli_usage_error(c, "usage: handover ack ID [--as-leader]");
            return rc;
        }
        if ((rc = store_handover_ack(c->st, &c->me, id, cli_flag(o, "--as-leader"), c->now, &err)))
            rc = cli_fail(c, rc, &err);
    } else if (!strcmp(verb, "list")) {
        struct store_handover *v;
        size_t n;
        if ((rc = store_handovers_list(c->st, cli_opt(o, "--search"), 50, &v, &n, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            char t[32];
            cli_fmt_time(v[i].written_at, t, sizeof t);
            printf("#%lld %s %s → %s ", (long long)v[i].id, t, v[i].from_login,
                   v[i].to_login ? v[i].to_login : "-");
            if (!v[i].acked_by)
                printf("未确认\n");
            else if (v[i].acked_as_leader)
                printf("由带班领导 %s 代为确认\n", v[i].acked_by);
            else
                printf("%s 已接班\n", v[i].acked_by);
            cli_print_clean("  ", v[i].note);
        }
        store_handovers_free(v, n);
    } else {
        rc = cli_usage_error(c, "usage: handover prefill|write [--note T] [--to LOGIN]|ack ID "
                                "[--as-leader]|list [--search WORDS]");
    }
    return rc;
}

static const struct verb_opts handover_opts[] = {
    {"", "--search"},       {"prefill", ""},      {"write", "--note --to"},
    {"ack", "--as-leader"}, {"list", "--search"}, {NULL, NULL},
};

int cmd_handover(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu handover", argc, argv, handover_opts, handover_main);
}
