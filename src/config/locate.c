/*
 * locate.c: decides which configuration file jingyu reads and where its data
 * files live. The order is the usual one for a Unix tool (explicit option,
 * environment, per-user XDG file, system file) and ends with the bundled demo
 * so that a fresh checkout shows something useful without any setup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"

#ifndef JY_DATADIR
#define JY_DATADIR "/usr/local/share/jingyu"
#endif
#ifndef JY_SRCDATADIR
#define JY_SRCDATADIR ""
#endif

#define SYSTEM_CONFIG "/etc/jingyu/config.yaml"

static bool is_dir(const char *path)
{
    struct stat st;
    return *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

const char *config_datadir(void)
{
    const char *env = getenv("JINGYU_DATADIR");
    if (env && *env)
        return env;
    /* Running from a build tree: the source tree's data/ is the one that
     * matches the binary, and nothing needs installing. */
    if (is_dir(JY_SRCDATADIR))
        return JY_SRCDATADIR;
    return JY_DATADIR;
}

/* An explicitly named file (option or $JINGYU_CONFIG) must exist: silently
 * falling back to another file would hide a typo. */
static int locate_explicit(const char *path, const char *from, char **out, struct jy_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return jy_error_set(err, JY_ENOTFOUND, "%s: %s (given by %s)", path, strerror(errno), from);
    if (S_ISDIR(st.st_mode))
        return jy_error_set(err, JY_ENOTFOUND,
                            "%s: is a directory, not a configuration file "
                            "(given by %s)",
                            path, from);
    *out = xstrdup(path);
    return 0;
}

int config_locate(const char *cli_path, char **out, struct jy_error *err)
{
    *out = NULL;
    if (cli_path)
        return locate_explicit(cli_path, "--config", out, err);

    const char *env = getenv("JINGYU_CONFIG");
    if (env && *env)
        return locate_explicit(env, "$JINGYU_CONFIG", out, err);

    char *user = NULL;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        user = xasprintf("%s/jingyu/config.yaml", xdg);
    else if (home && *home)
        user = xasprintf("%s/.config/jingyu/config.yaml", home);
    if (user && is_file(user)) {
        *out = user;
        return 0;
    }

    if (is_file(SYSTEM_CONFIG)) {
        free(user);
        *out = xstrdup(SYSTEM_CONFIG);
        return 0;
    }

    char *demo = xasprintf("%s/demo/demo.yaml", config_datadir());
    if (is_file(demo)) {
        free(user);
        *out = demo;
        return 0;
    }
    int rc = jy_error_set(err, JY_ENOTFOUND,
                          "no configuration file found (tried %s%s" SYSTEM_CONFIG
                          " and the demo %s); pass --config FILE",
                          user ? user : "", user ? ", " : "", demo);
    free(user);
    free(demo);
    return rc;
}
