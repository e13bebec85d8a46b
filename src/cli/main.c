/* main.c: the global options, then the command the table (commands.c)
 * names; no command opens the console.
 *
 *   jingyu [--config FILE] [--no-collect] [--read-only] [--exit-after N]   the console
 *   jingyu [--config FILE] COMMAND ...                       see `jingyu --help`
 *
 * Exit status: 0 ok, 1 runtime error, 2 bad usage or bad configuration. */
#include <curl/curl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "cli/cli.h"
#include "config/config.h"
#include "parse/parse.h"
#include "store/store.h"
#include "util/util.h"

#define EXIT_RUNTIME CMD_EXIT_RUNTIME
#define EXIT_USAGE CMD_EXIT_USAGE

static int load_config(const char *cli_path, struct config **cfg)
{
    struct jy_error err = {0};
    char *path = NULL;
    if (config_locate(cli_path, &path, &err) != 0 || config_load(path, cfg, &err) != 0) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        free(path);
        return EXIT_USAGE;
    }
    free(path);
    config_apply_timezone(*cfg); /* times shown in the bureau's zone unless TZ says otherwise */
    return 0;
}

/* Creates the database's folder (e.g. ~/.local/share/jingyu for the demo)
 * and the database with owner-only modes (or files.group's), and warns of
 * any of them found more open. */
static int ensure_db_dir(const struct config *cfg)
{
    struct jy_error err = {0};
    char **warn = NULL;
    size_t n = 0;
    if (store_files_prepare(cfg->database, cfg->files_group, &warn, &n, &err)) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return err.code == JY_ECONFIG ? EXIT_USAGE : EXIT_RUNTIME;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "jingyu: warning: %s\n", warn[i]);
        free(warn[i]);
    }
    free(warn);
    return 0;
}

/* Loads what the command needs (its configuration, its database's folder),
 * runs it with the arguments after its name, and frees what it loaded. */
static int run(const struct cli_command *c, const char *cli_path, int argc, char **argv)
{
    struct config *cfg = NULL;
    int rc = 0;
    if (c->needs & CLI_CONFIG_OPTIONAL) {
        struct jy_error err = {0};
        char *path = NULL;
        if (config_locate(cli_path, &path, &err) == 0 && config_load(path, &cfg, &err) == 0)
            config_apply_timezone(cfg);
        free(path);
    } else if (c->needs & CLI_CONFIG) {
        rc = load_config(cli_path, &cfg);
    }
    if (!rc && (c->needs & CLI_DB))
        rc = ensure_db_dir(cfg);
    if (!rc)
        rc = c->run(cfg, argc, argv);
    config_free(cfg);
    return rc;
}

static const struct cli_command console = {"",         "", "the console", NULL, CLI_CONFIG | CLI_DB,
                                           cmd_console};

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* libcurl (with CURLOPT_NOSIGNAL) leaves SIGPIPE to us: a peer closing
     * a socket must not kill the process */
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* once, before any thread parses: xmlInitParser is not thread-safe in
     * libxml2 2.9, and the allocators of libxml2 and jansson are set here */
    parse_init();
    const char *config_path = NULL, *arg = NULL;
    const struct cli_command *cmd = NULL;
    const char *console_opt = NULL; /* an option of the console alone, when given */
    bool no_collect = false, read_only = false, once = false;
    char *exit_after = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "jingyu: --config needs a file\n");
                return EXIT_USAGE;
            }
            config_path = argv[i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config_path = a + 9;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
            printf("jingyu %s\n", JY_VERSION);
            return 0;
        } else if (strcmp(a, "--no-collect") == 0) {
            no_collect = true;
            console_opt = a;
        } else if (strcmp(a, "--read-only") == 0) {
            read_only = true;
            console_opt = a;
        } else if (strcmp(a, "--once") == 0) {
            once = true;
        } else if (strcmp(a, "--exit-after") == 0) {
            console_opt = a;
            if (++i >= argc || atoi(argv[i]) <= 0) {
                fprintf(stderr, "jingyu: --exit-after needs a positive number\n");
                return EXIT_USAGE;
            }
            exit_after = argv[i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "jingyu: unknown option %s\n", a);
            cli_usage(stderr);
            return EXIT_USAGE;
        } else if (!cmd) {
            if (!(cmd = cli_find(a))) {
                fprintf(stderr, "jingyu: unknown command %s\n", a);
                cli_usage(stderr);
                return EXIT_USAGE;
            }
            if (cmd->needs & CLI_OWN_ARGS) {
                /* everything after its name is the command's */
                if (console_opt || once) {
                    fprintf(stderr, "jingyu %s: unknown option %s\n", a,
                            once ? "--once" : console_opt);
                    cli_usage(stderr);
                    return EXIT_USAGE;
                }
                int rc = run(cmd, config_path, argc - i - 1, argv + i + 1);
                curl_global_cleanup();
                xmlCleanupParser();
                return rc;
            }
        } else if (!arg) {
            arg = a;
        } else {
            fprintf(stderr, "jingyu %s: unexpected argument %s\n", cmd->name, a);
            cli_usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* the console's options belong to it, --once to collect */
    if ((cmd && console_opt) || (once && (!cmd || strcmp(cmd->name, "collect")))) {
        fprintf(stderr, "jingyu%s%s: unknown option %s\n", cmd ? " " : "", cmd ? cmd->name : "",
                cmd && console_opt ? console_opt : "--once");
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    /* the commands without an option table take no argument but inspect's
     * one: a stray word (a mistyped option) is refused, not ignored */
    if (cmd && arg && (cmd->needs & CLI_NO_ARGS)) {
        fprintf(stderr, "jingyu %s: unexpected argument %s\n", cmd->name, arg);
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    if (cmd && !arg && (cmd->needs & CLI_ONE_ARG)) {
        fprintf(stderr, "jingyu %s: needs %s\n", cmd->name, strchr(cmd->usage, ' ') + 1);
        return EXIT_USAGE;
    }
    char *once_argv[] = {"--once", NULL};
    char *one_argv[] = {(char *)arg, NULL};
    int rc;
    if (!cmd) {
        /* the console's options, each once, as cmd_console reads them */
        char *cargv[4];
        int cargc = 0;
        if (no_collect)
            cargv[cargc++] = "--no-collect";
        if (read_only)
            cargv[cargc++] = "--read-only";
        if (exit_after) {
            cargv[cargc++] = "--exit-after";
            cargv[cargc++] = exit_after;
        }
        rc = run(&console, config_path, cargc, cargv);
    } else if (arg) {
        rc = run(cmd, config_path, 1, one_argv);
    } else if (once) {
        rc = run(cmd, config_path, 1, once_argv);
    } else {
        rc = run(cmd, config_path, 0, one_argv);
    }
    curl_global_cleanup();
    xmlCleanupParser();
    return rc;
}
