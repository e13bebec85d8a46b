/* cmd-check-config.c: jingyu check-config, the configuration validated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "analyze/analyze.h"

int cmd_check_config(const struct config *cfg, int argc, char **argv)
{
    (void)argc, (void)argv;
    int rc = cli_check_analysis(cfg, true);
    if (rc)
        return rc;
    printf("%s: ok (%zu sources, %zu schemes, database %s)\n", cfg->path, cfg->n_sources,
           cfg->analysis.n_schemes, cfg->database);
    return 0;
}
