/* test_commands.c: the command table (src/cli/commands.c) is the one list of
 * commands: the usage text, jingyu(1)'s command list and the bash completion
 * all name exactly its commands, and the completion offers each verb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

/* What f printed, as one string (the caller frees it). */
/* not inlined: GCC 12 takes the memstream's buffer for a local of the caller
 * (-Wdangling-pointer at -O2) */
__attribute__((noinline)) static char *printed(void (*print)(FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    print(f);
    fclose(f);
    return buf;
}

/* The man page, whole. */
static char *man_page(void)
{
    const char *srcdir = getenv("JINGYU_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/man/jingyu.1", srcdir ? srcdir : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set JINGYU_SRCDIR)", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, out);
    fclose(f);
    fclose(out);
    return buf;
}

/* name as roff writes it: '-' as "\-" */
static void roff_name(const char *name, char *out, size_t size)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 3 < size; p++) {
        if (*p == '-')
            out[k++] = '\\';
        out[k++] = *p;
    }
    out[k] = '\0';
}

static void usage_names_every_command(void **state)
{
    (void)state;
    char *u = printed(cli_usage);
    for (size_t i = 0; i < cli_n_commands; i++) {
        char want[128];
        snprintf(want, sizeof want, "jingyu [--config FILE] %s", cli_commands[i].name);
        if (!strstr(u, want))
            fail_msg("usage lacks %s", want);
    }
    /* and names nothing else: each "jingyu [--config FILE] WORD" is a command */
    size_t lines = 0;
    for (const char *p = u; (p = strstr(p, "jingyu [--config FILE] ")); lines++) {
        p += strlen("jingyu [--config FILE] ");
        char word[64];
        size_t n = strcspn(p, " \n");
        if (p[0] == '[') /* the console's options */
            continue;
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        if (!cli_find(word))
            fail_msg("usage names %s, which is no command", word);
    }
    assert_true(lines >= cli_n_commands);
    free(u);
}

static void man_lists_every_command(void **state)
{
    (void)state;
    char *man = man_page();
    for (size_t i = 0; i < cli_n_commands; i++) {
        char name[64], want[128];
        roff_name(cli_commands[i].name, name, sizeof name);
        snprintf(want, sizeof want, "jingyu %s", name);
        if (!strstr(man, want))
            fail_msg("jingyu(1) lacks %s", want);
    }
    /* and each command it gives a tag of its own (".B jingyu WORD") is one */
    for (const char *p = man; (p = strstr(p, "\n.B jingyu ")); p++) {
        const char *w = p + strlen("\n.B jingyu ");
        if (*w == '\\' && w[1] == 'f') /* the console: .B jingyu \fR[... */
            continue;
        if (*w == '\\' && w[1] == '-') /* --version, --help */
            continue;
        char word[64];
        size_t k = 0;
        for (; *w && *w != ' ' && *w != '\n' && k + 1 < sizeof word; w++) {
            if (*w == '\\' && w[1] == '-')
                continue;
            word[k++] = *w;
        }
        word[k] = '\0';
        if (!cli_find(word))
            fail_msg("jingyu(1) documents %s, which is no command", word);
    }
    free(man);
}

static void completion_offers_every_command_and_verb(void **state)
{
    (void)state;
    char *c = printed(cli_completion_bash);
    /* the first word's list */
    const char *first = strstr(c, "compgen -W '");
    assert_non_null(first);
    first += strlen("compgen -W '");
    size_t n = strcspn(first, "'");
    for (size_t i = 0; i < cli_n_commands; i++) {
        const struct cli_command *cmd = &cli_commands[i];
        char padded[64];
        snprintf(padded, sizeof padded, " %s ", cmd->name);
        char list[1024];
        snprintf(list, sizeof list, " %.*s ", (int)n, first);
        if (!strstr(list, padded))
            fail_msg("completion does not offer %s", cmd->name);
        if (!cmd->verbs)
            continue;
        char arm[64];
        snprintf(arm, sizeof arm, "            %s) COMPREPLY=($(compgen -W '", cmd->name);
        const char *a = strstr(c, arm);
        if (!a)
            fail_msg("completion has no verbs for %s", cmd->name);
        a += strlen(arm);
        snprintf(list, sizeof list, " %.*s ", (int)strcspn(a, "'"), a);
        for (const char *const *v = cmd->verbs; *v; v++) {
            snprintf(padded, sizeof padded, " %s ", *v);
            if (!strstr(list, padded))
                fail_msg("completion does not offer %s %s", cmd->name, *v);
        }
    }
    free(c);
}

static void names_are_unique_and_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_n_commands; i++) {
        assert_ptr_equal(cli_find(cli_commands[i].name), &cli_commands[i]);
        assert_non_null(cli_commands[i].run);
        assert_non_null(cli_commands[i].summary);
    }
    /* a name not in the table is no command (it used to fall through to train) */
    assert_null(cli_find("trian"));
    assert_null(cli_find(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_names_every_command),
        cmocka_unit_test(man_lists_every_command),
        cmocka_unit_test(completion_offers_every_command_and_verb),
        cmocka_unit_test(names_are_unique_and_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
