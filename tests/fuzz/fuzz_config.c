/* The configuration loader: libyaml's events walked into struct config,
 * with every key's type and range checked. A configuration comes from an
 * operator, not the internet, but a typo must give a message, never a
 * crash. config_load takes a path, so each input is written to a file of
 * this process's own. */
#include <stdio.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/jingyu-fuzz-config-%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();

    struct config *cfg = NULL;
    struct jy_error err = {0};
    if (config_load(path, &cfg, &err) == 0)
        config_free(cfg);
    else if (!err.msg[0])
        abort(); /* a refusal must say why */
    return 0;
}
