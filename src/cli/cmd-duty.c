/* cmd-duty.c: jingyu duty, the duty schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "roster/roster.h"

/* ---- duty and handover ---------------------------------------------------------------- */

static bool opt_day(const struct cli *c, const struct opts *o, const char *key, int64_t *day,
                    int64_t dflt)
{
    const char *v = cli_opt(o, key);
    *day = dflt;
    if (!v)
        return true;
    if (roster_day_parse(v, day)) {
        fprintf(stderr, "%s: %s: not a date: %s (use 2026-12-01)\n", c->name, key, v);
        return false;
    }
    return true;
}

static void print_slots(const struct config *cfg, const struct roster_slot *v, size_t n,
                        int64_t from, int64_t to)
{
    static const char *const wd[] = {"一", "二", "三", "四", "五", "六", "日"};
    size_t ng;
    struct roster_gap *gaps = roster_gaps(&cfg->duty, v, n, from, to, &ng);
    for (int64_t day = from; day <= to; day++) {
        char d[16];
        roster_day_format(day, d);
        for (size_t s = 0; s < cfg->duty.n_shifts; s++) {
            const struct duty_shift *sh = &cfg->duty.shifts[s];
            printf("%s 周%s %s", d, wd[roster_weekday(day)], sh->name);
            for (size_t p = 0; p < sh->n_posts; p++) {
                const struct roster_slot *x = NULL;
                for (size_t i = 0; i < n && !x; i++)
                    if (v[i].day == day && !strcmp(v[i].shift, sh->name) &&
                        !strcmp(v[i].post, sh->posts[p]))
                        x = &v[i];
                if (x && !x->login[0])
                    x = NULL; /* emptied on purpose */
                if (x)
                    printf("\t%s=%s%s", sh->posts[p], x->name ? x->name : x->login,
                           !strcmp(x->source, "rotation") ? ""
                           : !strcmp(x->source, "swap")   ? "(换)"
                                                          : "(调)");
                else
                    printf("\t%s=缺", sh->posts[p]);
            }
            printf("\n");
        }
    }
    free(gaps);
}

static int duty_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    int64_t today = roster_day_of(&c->cfg->duty, c->now);
    /* between midnight and the day shift's start the shift on duty began the
     * day before: "today" for the schedule is its day, or generating from
     * today would leave the shift on duty now empty */
    size_t shift;
    int64_t shift_day;
    if (roster_shift_at(&c->cfg->duty, c->now, &shift, &shift_day) && shift_day < today)
        today = shift_day;
    const char *verb = o->n_pos ? o->pos[0] : "show";
    if (!strcmp(verb, "generate")) {
        int64_t from, to;
        if (!opt_day(c, o, "--from", &from, today) || !opt_day(c, o, "--to", &to, from + 27)) {
            rc = CMD_EXIT_USAGE;
            return rc;
        }
        int written;
        if ((rc = store_duty_generate(c->st, &c->me, &c->cfg->duty, from, to, c->now, &written,
                                      &err)))
            rc = cli_fail(c, rc, &err);
        else
            printf("%d\n", written);
    } else if (!strcmp(verb, "set")) {
        int64_t day;
        if (o->n_pos < 4 || roster_day_parse(o->pos[1], &day)) {
            rc = cli_usage_error(c,
                                 "usage: duty set DAY SHIFT POST [--login LOGIN] (none: empty it)");
            return rc;
        }
        const char *login = cli_opt(o, "--login");
        if ((rc = store_duty_set(c->st, &c->me, &c->cfg->duty, day, o->pos[2], o->pos[3], login,
                                 c->now, &err)))
            rc = cli_fail(c, rc, &err);
    } else if (!strcmp(verb, "swap")) {
        int64_t d1, d2;
        if (o->n_pos != 3 || roster_day_parse(o->pos[1], &d1) || roster_day_parse(o->pos[2], &d2) ||
            !cli_opt(o, "--first") || !cli_opt(o, "--second")) {
            rc = cli_usage_error(c, "usage: duty swap DAY1 DAY2 --first LOGIN1 --second LOGIN2");
            return rc;
        }
        if ((rc = store_duty_swap(c->st, &c->me, d1, cli_opt(o, "--first"), d2,
                                  cli_opt(o, "--second"), c->now, &err)))
            rc = cli_fail(c, rc, &err);
    } else if (!strcmp(verb, "show") || !strcmp(verb, "gaps")) {
        bool gaps_only = !strcmp(verb, "gaps");
        int64_t from, to;
        if (!opt_day(c, o, "--from", &from, today) ||
            !opt_day(c, o, "--to", &to, from + (gaps_only ? c->cfg->duty.gap_days - 1 : 6))) {
            rc = CMD_EXIT_USAGE;
            return rc;
        }
        struct roster_slot *v;
        size_t n;
        if ((rc = store_duty_range(c->st, from, to, &v, &n, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        if (gaps_only) {
            size_t ng;
            struct roster_gap *g = roster_gaps(&c->cfg->duty, v, n, from, to, &ng);
            for (size_t i = 0; i < ng; i++) {
                char d[16];
                roster_day_format(g[i].day, d);
                printf("%s\t%s\t%s\n", d, g[i].shift, g[i].post);
            }
            free(g);
            rc = ng ? CMD_EXIT_RUNTIME : 0; /* scripts can alarm on a gap */
        } else {
            print_slots(c->cfg, v, n, from, to);
        }
        roster_slots_free(v, n);
    } else if (!strcmp(verb, "now")) {
        struct roster_slot *v;
        size_t n;
        if ((rc = store_duty_at(c->st, &c->cfg->duty, c->now, &v, &n, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        for (size_t i = 0; i < n; i++)
            printf("%s\t%s\t%s\t%s\n", v[i].shift, v[i].post, v[i].login,
                   v[i].name ? v[i].name : "");
        if (!n)
            printf("未排班\n");
        roster_slots_free(v, n);
    } else {
        rc = cli_usage_error(c, "usage: duty show|gaps|now|generate|set|swap");
    }
    return rc;
}

static const struct verb_opts duty_opts[] = {
    {"", "--from --to"},
    {"show", "--from --to"},
    {"gaps", "--from --to"},
    {"generate", "--from --to"},
    {"set", "--login"},
    {"swap", "--first --second"},
    {"now", ""},
    {NULL, NULL},
};

int cmd_duty(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu duty", argc, argv, duty_opts, duty_main);
}
