/* cmd-console.c: jingyu with no command, the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ui.h"

int cmd_console(const struct config *cfg, int argc, char **argv)
{
    /* main.c has read the console's options: --no-collect, --read-only and
     * --exit-after N, in that form, are all argv holds */
    struct ui_options opts = {.collect = true};
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--no-collect"))
            opts.collect = false;
        else if (!strcmp(argv[i], "--read-only"))
            opts.read_only = true;
        else if (!strcmp(argv[i], "--exit-after") && i + 1 < argc)
            opts.exit_after = atoi(argv[++i]);
    }
    int rc = cli_check_analysis(cfg, false);
    if (rc)
        return rc;
    struct jy_error err = {0};
    rc = ui_run(cfg, &opts, &err);
    if (rc) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return rc == JY_EVERSION ? CMD_EXIT_USAGE : CMD_EXIT_RUNTIME;
    }
    return 0;
}
