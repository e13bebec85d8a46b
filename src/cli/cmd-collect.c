/* cmd-collect.c: jingyu collect [--once], the collector without a screen. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collect/collect.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int cmd_collect(const struct config *cfg, int argc, char **argv)
{
    bool once = argc == 1 && !strcmp(argv[0], "--once");
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct jy_error err = {0};
    int rc = collect_run(cfg, once, &stop_requested, &err);
    if (rc) {
        fprintf(stderr, "jingyu collect: %s\n", err.msg);
        return rc == JY_EVERSION ? CMD_EXIT_USAGE : CMD_EXIT_RUNTIME;
    }
    return 0;
}
