/* verbs.c: what the commands with verbs share: their options read and
 * checked against each command's table, the store opened as the person
 * acting, errors turned into exit statuses, and a few printers. The
 * commands themselves are in cmd-*.c, their usage in commands.c.
 *
 * The person acting is the Unix login (or $JINGYU_USER when the
 * configuration's identity.from_env allows it). Exit status: 0 ok, 1 runtime
 * error, 2 bad usage, 3 refused by the rules (right, state, a field),
 * 4 someone else saved first. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "incident/incident.h"
#include "store/store.h"

int cli_fail(const struct cli *c, int rc, const struct jy_error *err)
{
    fprintf(stderr, "%s: %s%s%s\n", c->name, err->field, err->field[0] ? ": " : "", err->msg);
    switch (rc) {
    case JY_EPERM:
    case JY_ESTATE:
    case JY_EINVAL:
    case JY_ENOTFOUND:
        return CMD_EXIT_REFUSED;
    case JY_ECONFLICT:
        return CMD_EXIT_CONFLICT;
    case JY_EVERSION:
        return CMD_EXIT_USAGE;
    default:
        return CMD_EXIT_RUNTIME;
    }
}

int cli_usage_error(const struct cli *c, const char *what)
{
    fprintf(stderr, "%s: %s (see jingyu(1))\n", c->name, what);
    return CMD_EXIT_USAGE;
}

int cli_open(struct cli *c, const struct config *cfg, const char *name)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->name = name;
    c->now = jy_now();
    struct jy_error err = {0};
    char login[64];
    incident_login(cfg->identity_from_env, login, sizeof login);
    int rc = store_open(cfg->database, &c->st, &err);
    if (!rc)
        rc = store_actor_resolve(c->st, login, false, &c->me, &err);
    if (rc) {
        int code = cli_fail(c, rc, &err);
        store_close(c->st);
        c->st = NULL;
        return code;
    }
    return 0;
}

/* ---- options ----------------------------------------------------------------- */

/* Options are --key VALUE (or flags); positional arguments in order. */
bool cli_is_flag(const char *k)
{
    static const char *const flags[] = {"--json",     "--all",  "--final",     "--retract",
                                        "--inactive", "--once", "--as-leader", "--template"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (!strcmp(k, flags[i]))
            return true;
    }
    return false;
}

int cli_opts_parse(const struct cli *c, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "--", 2)) {
            if (!cli_is_flag(argv[i]) && ++i >= argc)
                o->no_value = argv[i - 1]; /* said after unknown options are */
        } else if (o->n_pos < 4) {
            o->pos[o->n_pos++] = argv[i];
        } else {
            return cli_usage_error(c, "too many arguments");
        }
    }
    return 0;
}

const char *cli_opt(const struct opts *o, const char *key)
{
    for (int i = 0; i < o->argc; i++) {
        if (!strncmp(o->argv[i], "--", 2)) {
            if (cli_is_flag(o->argv[i]))
                continue;
            if (!strcmp(o->argv[i], key))
                return o->argv[i + 1];
            i++;
        }
    }
    return NULL;
}

bool cli_flag(const struct opts *o, const char *key)
{
    for (int i = 0; i < o->argc; i++) {
        if (!strcmp(o->argv[i], key))
            return true;
        if (!strncmp(o->argv[i], "--", 2) && !cli_is_flag(o->argv[i]))
            i++;
    }
    return false;
}

bool cli_parse_id(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (*s == '#')
        s++;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return false;
    *out = v;
    return true;
}

bool cli_parse_level(const char *s, int *out)
{
    static const char *const names[] = {"I", "II", "III", "IV"};
    static const char *const digits[] = {"1", "2", "3", "4"};
    for (int i = 0; s && i < 4; i++) {
        if (!strcmp(s, names[i]) || !strcmp(s, digits[i]) || !strcmp(s, level_label(i + 1))) {
            *out = i + 1;
            return true;
        }
    }
    return false;
}

/* --key TIME (optional): 0 when absent; false on a bad time. */
bool cli_opt_time(const struct cli *c, const struct opts *o, const char *key, int64_t *out)
{
    const char *v = cli_opt(o, key);
    *out = 0;
    if (!v)
        return true;
    if (jy_time_parse(v, out, NULL)) {
        fprintf(stderr, "%s: %s: not a time: %s (use 2026-12-01 08:30)\n", c->name, key, v);
        return false;
    }
    return true;
}

static bool opt_listed(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; (p = strstr(p, key)); p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

int cli_opts_check(const char *name, const struct verb_opts *table, const struct opts *o)
{
    const char *verb = o->n_pos ? o->pos[0] : "";
    const struct verb_opts *t = table;
    while (t->verb && strcmp(t->verb, "*") && strcmp(t->verb, verb))
        t = t + 1;
    if (!t->verb) /* an unknown verb: the command says so with its usage */
        return o->no_value ? cli_usage_error(&(struct cli){.name = name}, "an option needs a value")
                           : 0;
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        if (strncmp(a, "--", 2))
            continue;
        if (!opt_listed(t->opts, a)) {
            fprintf(stderr, "%s%s%s: unknown option %s\nusage: %s%s%s %s\n(see jingyu(1))\n", name,
                    verb[0] ? " " : "", verb, a, name, verb[0] ? " " : "", verb,
                    t->opts[0] ? t->opts : "(no options)");
            return CMD_EXIT_USAGE;
        }
        if (!cli_is_flag(a))
            i++;
    }
    if (o->no_value) {
        fprintf(stderr, "%s: %s needs a value\n", name, o->no_value);
        return CMD_EXIT_USAGE;
    }
    return 0;
}

/* Runs a subcommand: the options read and checked against its table, the
 * store opened as the person acting, body run, the store closed on every
 * path. */
int cli_main(const struct config *cfg, const char *name, int argc, char **argv,
             const struct verb_opts *table, int (*body)(struct cli *c, const struct opts *o))
{
    struct cli c = {.cfg = cfg, .name = name};
    struct opts o;
    int rc = cli_opts_parse(&c, argc, argv, &o);
    if (rc || (rc = cli_opts_check(name, table, &o)))
        return rc;
    if ((rc = cli_open(&c, cfg, name)))
        return rc;
    rc = body(&c, &o);
    store_close(c.st);
    return rc;
}

/* ---- output ------------------------------------------------------------------- */

void cli_print_clean(const char *label, const char *value)
{
    if (!value || !*value)
        return;
    char *clean = utf8_sanitize(value, strlen(value), 0);
    printf("%s%s\n", label, clean);
    free(clean);
}

void cli_fmt_time(int64_t t, char *buf, size_t size)
{
    if (!t)
        snprintf(buf, size, "-");
    else
        jy_time_local(t, "%Y-%m-%d %H:%M", buf, size);
}

void cli_json_str(struct jy_buf *b, const char *k, const char *v, bool first)
{
    jy_buf_json_key(b, k, first);
    if (v)
        jy_buf_json_str(b, v);
    else
        jy_buf_puts(b, "null");
}

void cli_json_int(struct jy_buf *b, const char *k, int64_t v)
{
    jy_buf_json_key(b, k, false);
    jy_buf_json_int(b, v);
}

/* Compiles the schemes and checks the data files and OpenCC, so that a bad
 * expression or a broken installation stops us here with its position, not
 * later inside the collector thread. full: builds a whole analyzer (what
 * check-config promises); otherwise only what is needed to know (the
 * console's first screen must not wait tens of milliseconds for tables its
 * collector thread builds anyway). */
int cli_check_analysis(const struct config *cfg, bool full)
{
    struct analyzer *an = NULL;
    struct jy_error err = {0};
    if (full ? analyzer_new(cfg, &an, &err) != 0
             : analyzer_check(cfg, &err) != 0 || normalizer_check(&err) != 0) {
        fprintf(stderr, "jingyu: %s\n", err.msg);
        return err.code == JY_ECONFIG ? CMD_EXIT_USAGE : CMD_EXIT_RUNTIME;
    }
    analyzer_free(an);
    return 0;
}

int cmd_actor(const struct config *cfg, struct store *st, const char *name, unsigned need,
              struct actor *out)
{
    char login[64];
    struct jy_error err = {0};
    incident_login(cfg->identity_from_env, login, sizeof login);
    if (store_actor_resolve(st, login, false, out, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return CMD_EXIT_RUNTIME;
    }
    if (need && !actor_has(out, need)) {
        char roles[64];
        role_format_zh(need, roles, sizeof roles);
        fprintf(stderr, "%s: %s 无权写入数据库（须有角色：%s）\n", name,
                out->known ? out->name : out->login, roles);
        return CMD_EXIT_REFUSED;
    }
    return 0;
}

/* ---- lines of standard input ---------------------------------------------- */

/* Lines of any length from a stream, through a block buffer. */
struct line_reader {
    FILE *f;
    size_t pos, len;
    struct jy_buf line; /* the last line read */
    char buf[65536];
};

struct line_reader *cli_line_reader_new(FILE *f)
{
    struct line_reader *r = xcalloc(1, sizeof *r);
    r->f = f;
    jy_buf_init(&r->line, LINE_MAX_BYTES);
    return r;
}

void cli_line_reader_free(struct line_reader *r)
{
    if (r)
        jy_buf_free(&r->line);
    free(r);
}

/* Reads one line (NUL bytes and all) into the reader's buffer, good until
 * the next call; NULL at the end. A line longer than LINE_MAX_BYTES is read
 * to its end but not kept: *too_long is set and an empty line comes back,
 * so one endless line cannot take the memory. */
char *cli_read_line(struct line_reader *r, size_t *len, bool *too_long)
{
    struct jy_buf *b = &r->line;
    jy_buf_reset(b);
    bool any = false;
    *too_long = false;
    for (;;) {
        if (r->pos == r->len) {
            r->pos = 0;
            r->len = fread(r->buf, 1, sizeof r->buf, r->f);
            if (r->len == 0)
                break;
        }
        any = true;
        char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - (r->buf + r->pos)) : r->len - r->pos;
        if (!*too_long && jy_buf_append(b, r->buf + r->pos, n) != 0) {
            *too_long = true;
            jy_buf_reset(b);
        }
        r->pos += n + (nl != NULL);
        if (nl)
            break;
    }
    if (!any)
        return NULL;
    if (!b->data)
        jy_buf_append(b, "", 0);
    size_t n = b->len;
    while (n > 0 && b->data[n - 1] == '\r')
        b->data[--n] = '\0';
    b->len = n;
    *len = n;
    return b->data;
}
