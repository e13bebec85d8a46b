/*
 * cli: the command line. One table (commands.c) names every command with its
 * usage, a summary, its verbs and what it needs before it runs; main.c
 * dispatches through it, and the usage text, jingyu(1)'s command list and
 * the shell completion all come from it (tests/unit/cli checks the three).
 * Each command lives in its own cmd-*.c; what the commands with verbs share
 * (their options, the person acting, exit statuses) is in verbs.c.
 *
 * A command takes the loaded configuration and the arguments after its name,
 * and returns the process's exit status.
 */
#ifndef JY_CLI_H
#define JY_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

#define CMD_EXIT_RUNTIME 1
#define CMD_EXIT_USAGE 2
#define CMD_EXIT_REFUSED 3  /* the person acting lacks the right, or a rule refuses */
#define CMD_EXIT_CONFLICT 4 /* someone else saved first */

/* ---- the command table --------------------------------------------------- */

/* What a command needs before it runs. */
enum cli_needs {
    CLI_CONFIG = 1 << 0,          /* a valid configuration */
    CLI_CONFIG_OPTIONAL = 1 << 1, /* the configuration when there is one, else defaults */
    CLI_DB = 1 << 2,              /* the database's folder and file, made with their modes */
    CLI_OWN_ARGS = 1 << 3,        /* reads every argument after its name itself */
    CLI_NO_ARGS = 1 << 4,         /* takes no word after its name (main.c refuses one) */
    CLI_ONE_ARG = 1 << 5,         /* takes exactly one word after its name */
};

struct cli_command {
    const char *name;
    /* the usage lines after "jingyu [--config FILE] ", one per line */
    const char *usage;
    const char *summary;      /* one line, for jingyu(1) and completion */
    const char *const *verbs; /* NULL-terminated, or NULL: the words after the name */
    unsigned needs;           /* enum cli_needs */
    /* cfg is NULL only with CLI_CONFIG_OPTIONAL and no configuration */
    int (*run)(const struct config *cfg, int argc, char **argv);
};

extern const struct cli_command cli_commands[];
extern const size_t cli_n_commands;

/* The command called name, or NULL. */
const struct cli_command *cli_find(const char *name);
/* The whole usage text, from the table. */
void cli_usage(FILE *f);
/* A bash completion script for jingyu, from the table. */
void cli_completion_bash(FILE *f);

/* ---- the commands (cmd-*.c) ------------------------------------------------ */

int cmd_console(const struct config *cfg, int argc, char **argv);
int cmd_check_config(const struct config *cfg, int argc, char **argv);
int cmd_inspect(const struct config *cfg, int argc, char **argv);
int cmd_collect(const struct config *cfg, int argc, char **argv);
int cmd_status(const struct config *cfg, int argc, char **argv);
int cmd_analyze(const struct config *cfg, int argc, char **argv);
int cmd_scheme(const struct config *cfg, int argc, char **argv);
int cmd_train(const struct config *cfg, int argc, char **argv);
/* train --grading-labels (cmd-train-grading.c) */
int cmd_train_grading(const struct config *cfg, int argc, char **argv);
int cmd_incident(const struct config *cfg, int argc, char **argv);
int cmd_people(const struct config *cfg, int argc, char **argv);
int cmd_audit(const struct config *cfg, int argc, char **argv);
int cmd_kpi(const struct config *cfg, int argc, char **argv);
int cmd_duty(const struct config *cfg, int argc, char **argv);
int cmd_handover(const struct config *cfg, int argc, char **argv);
int cmd_notify(const struct config *cfg, int argc, char **argv);
int cmd_directory(const struct config *cfg, int argc, char **argv);
int cmd_silence(const struct config *cfg, int argc, char **argv);
int cmd_db(const struct config *cfg, int argc, char **argv);
int cmd_search(const struct config *cfg, int argc, char **argv);
int cmd_completion(const struct config *cfg, int argc, char **argv);

/* The person acting on st: the Unix login (or $JINGYU_USER where the
 * configuration allows it) mapped to a person. When need (role bits) is
 * not 0, refuses with a message on stderr unless the person has one of
 * them. Returns 0 or an exit status. */
int cmd_actor(const struct config *cfg, struct store *st, const char *name, unsigned need,
              struct actor *out);

/* ---- what the commands share (verbs.c) ---------------------------------------- */

/* Compiles the schemes and checks the data files and OpenCC, so that a bad
 * expression or a broken installation stops a command at its start with its
 * position. full: a whole analyzer (check-config); otherwise only what is
 * needed to know. Returns 0 or an exit status, said on stderr. */
int cli_check_analysis(const struct config *cfg, bool full);

struct cli {
    const struct config *cfg;
    struct store *st;
    struct actor me;
    int64_t now;
    const char *name; /* "jingyu incident" */
};

/* Options are --key VALUE (or flags); positional arguments in order. */
struct opts {
    int argc;
    char **argv;
    const char *pos[4]; /* positional arguments */
    int n_pos;
    const char *no_value; /* the last option, when its value is missing */
};

/* The options each verb of a command takes (space-separated). verb "*":
 * the command has no verbs; verb "": the default verb when none is given.
 * An option not listed is refused before anything is opened. */
struct verb_opts {
    const char *verb, *opts;
};

/* Runs a subcommand: the options read and checked against its table, the
 * store opened as the person acting, body run, the store closed on every
 * path. */
int cli_main(const struct config *cfg, const char *name, int argc, char **argv,
             const struct verb_opts *table, int (*body)(struct cli *c, const struct opts *o));
/* Prints err and returns the exit status its code means. */
int cli_fail(const struct cli *c, int rc, const struct jy_error *err);
int cli_usage_error(const struct cli *c, const char *what);
int cli_open(struct cli *c, const struct config *cfg, const char *name);
bool cli_is_flag(const char *k);
int cli_opts_parse(const struct cli *c, int argc, char **argv, struct opts *o);
int cli_opts_check(const char *name, const struct verb_opts *table, const struct opts *o);
/* --key's value, or NULL; whether a flag is given */
const char *cli_opt(const struct opts *o, const char *key);
bool cli_flag(const struct opts *o, const char *key);
/* an id (with or without '#'), a level (I, 1, 特别重大 ...) */
bool cli_parse_id(const char *s, int64_t *out);
bool cli_parse_level(const char *s, int *out);
/* --key TIME (optional): 0 when absent; false on a bad time, said on stderr */
bool cli_opt_time(const struct cli *c, const struct opts *o, const char *key, int64_t *out);
/* label and value, the value cleaned for the terminal; nothing when empty */
void cli_print_clean(const char *label, const char *value);
/* a local time "2026-12-01 08:30", or "-" for 0 */
void cli_fmt_time(int64_t t, char *buf, size_t size);
void cli_json_str(struct jy_buf *b, const char *k, const char *v, bool first);
void cli_json_int(struct jy_buf *b, const char *k, int64_t v);

/* Lines of any length from a stream, through a block buffer (analyze,
 * scheme and train read standard input). A line is good until the next
 * call; NULL at the end. A line longer than LINE_MAX_BYTES is read to its
 * end but not kept: *too_long is set and an empty line comes back. */
#define LINE_MAX_BYTES (4u << 20)
struct line_reader;
struct line_reader *cli_line_reader_new(FILE *f);
void cli_line_reader_free(struct line_reader *r);
char *cli_read_line(struct line_reader *r, size_t *len, bool *too_long);

#endif
