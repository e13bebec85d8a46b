/* cmd-person.c: jingyu person add|list, the people and their roles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- person -------------------------------------------------------------------- */

static int person_main(struct cli *c, const struct opts *op)
{
    const struct opts o = *op;
    int rc = 0;
    struct jy_error err = {0};
    if (o.n_pos >= 1 && !strcmp(o.pos[0], "list")) {
        struct store_person *v;
        size_t n;
        if ((rc = store_people_list(c->st, &v, &n, &err)))
            return cli_fail(c, rc, &err);
        for (size_t i = 0; i < n; i++) {
            char roles[128];
            role_format(v[i].roles, roles, sizeof roles);
            char *name = utf8_sanitize(v[i].name, strlen(v[i].name), 0);
            printf("%s\t%s\t%s\t%s\t%s%s\n", v[i].login, name, v[i].badge ? v[i].badge : "-",
                   v[i].unit ? v[i].unit : "-", roles, v[i].active ? "" : "\t(inactive)");
            free(name);
        }
        store_people_free(v, n);
        return 0;
    }
    if (o.n_pos != 2 || strcmp(o.pos[0], "add"))
        return cli_usage_error(c, "usage: person add LOGIN --name N --roles R | person list");
    struct store_person p = {.login = (char *)o.pos[1],
                             .name = (char *)cli_opt(&o, "--name"),
                             .badge = (char *)cli_opt(&o, "--badge"),
                             .unit = (char *)cli_opt(&o, "--unit"),
                             .active = !cli_flag(&o, "--inactive")};
    const char *roles = cli_opt(&o, "--roles");
    if (!roles)
        return cli_usage_error(c,
                               "--roles is required (operator, leader, approver, admin, viewer)");
    if ((rc = role_parse(roles, &p.roles, &err)) ||
        (rc = store_person_put(c->st, &c->me, &p, c->now, &err)))
        return cli_fail(c, rc, &err);
    printf("%s\n", p.login);
    return 0;
}

static const struct verb_opts person_opts[] = {
    {"add", "--name --roles --badge --unit --inactive"},
    {"list", ""},
    {NULL, NULL},
};

int cmd_people(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu person", argc, argv, person_opts, person_main);
}
