/* cmd-inspect.c: jingyu inspect FILE|URL, one feed parsed and printed as JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collect/collect.h"
#include "parse/parse.h"

int cmd_inspect(const struct config *cfg, int argc, char **argv)
{
    (void)argc;
    /* inspect works without a valid configuration (cfg NULL): defaults */
    struct jy_error err = {0};
    struct feed feed;
    int rc = collect_inspect(cfg, argv[0], &feed, &err);
    if (rc) {
        fprintf(stderr, "jingyu inspect: %s\n", err.msg);
        return CMD_EXIT_RUNTIME;
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
