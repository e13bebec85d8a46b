/* cmd-directory.c: jingyu directory list|export|import, units, experts and media contacts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- directories ------------------------------------------------------------------------- */

static int directory_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    struct jy_error err = {0};
    int k = o->n_pos >= 2 ? store_dir_kind(o->pos[1]) : -1;
    if (k < 0) {
        rc = cli_usage_error(c, "usage: directory list|export|import people|units|experts|media|"
                                "training [FILE] [--search WORDS]");
        return rc;
    }
    const struct dir_desc *d = store_dir_desc((enum dir_kind)k);
    if (!strcmp(o->pos[0], "list")) {
        char ***rows;
        size_t n;
        if ((rc = store_dir_list(c->st, (enum dir_kind)k, cli_opt(o, "--search"), 1000, &rows, &n,
                                 &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        for (size_t r = 0; r < n; r++) {
            for (size_t i = 0; i < d->n_cols; i++) {
                char *clean = utf8_sanitize(rows[r][i], strlen(rows[r][i]), 0);
                printf("%s%s", i ? "\t" : "", clean);
                free(clean);
            }
            printf("\n");
        }
        store_dir_rows_free(rows, n, d->n_cols);
    } else if (!strcmp(o->pos[0], "export")) {
        char *csv;
        if ((rc = store_dir_export(c->st, (enum dir_kind)k, &csv, &err))) {
            rc = cli_fail(c, rc, &err);
            return rc;
        }
        fputs(csv, stdout);
        free(csv);
    } else if (!strcmp(o->pos[0], "import") && o->n_pos == 3) {
        char *text;
        size_t len;
        if (jy_read_file(o->pos[2], 16u << 20, &text, &len, &err)) {
            rc = cli_fail(c, JY_EIO, &err);
            return rc;
        }
        int added, updated;
        rc = store_dir_import(c->st, &c->me, (enum dir_kind)k, text, len, c->now, &added, &updated,
                              &err);
        free(text);
        if (rc)
            rc = cli_fail(c, rc, &err);
        else
            printf("%s: %d added, %d updated\n", d->key, added, updated);
    } else {
        rc = cli_usage_error(c, "usage: directory list|export|import KIND [FILE]");
    }
    return rc;
}

static const struct verb_opts directory_opts[] = {
    {"list", "--search"},
    {"export", ""},
    {"import", ""},
    {NULL, NULL},
};

int cmd_directory(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu directory", argc, argv, directory_opts, directory_main);
}
