/* commands.c: the command table, and what is made from it: the usage text
 * and the bash completion. jingyu(1) lists the same commands; the unit test
 * tests/unit/cli/test_commands.c holds the three against this table. */
#include <string.h>

#include "cli/cli.h"

static const char *const incident_verbs[] = {
    "new",     "list",   "show",    "assess",  "respond", "verify", "move", "draft",    "submit",
    "approve", "return", "publish", "correct", "close",   "link",   "task", "feedback", NULL};
static const char *const person_verbs[] = {"add", "list", NULL};
static const char *const audit_verbs[] = {"verify", "seal", "anchor", "log", NULL};
static const char *const duty_verbs[] = {"show", "gaps", "now", "generate", "set", "swap", NULL};
static const char *const handover_verbs[] = {"prefill", "write", "ack", "list", NULL};
static const char *const notify_verbs[] = {"run", "send", "status", NULL};
static const char *const directory_verbs[] = {"list", "export", "import", NULL};
static const char *const silence_verbs[] = {"add", "list", "expire", NULL};
static const char *const db_verbs[] = {"stats", "vacuum", "archive", NULL};
static const char *const scheme_verbs[] = {"test", NULL};
static const char *const completion_verbs[] = {"bash", NULL};

/* In the order of the usage text. The console (no command) is not here: its
 * options come before any command, see main.c. */
const struct cli_command cli_commands[] = {
    {"check-config", "check-config", "validate the configuration and exit", NULL,
     CLI_CONFIG | CLI_NO_ARGS, cmd_check_config},
    {"inspect", "inspect FILE|URL", "parse one feed and print its items as JSON lines", NULL,
     CLI_CONFIG_OPTIONAL | CLI_ONE_ARG, cmd_inspect},
    {"collect", "collect [--once]", "the collector without a screen", NULL,
     CLI_CONFIG | CLI_DB | CLI_NO_ARGS, cmd_collect},
    {"status", "status", "the lease holder, the sources' health, the index and the audit seals",
     NULL, CLI_CONFIG | CLI_DB | CLI_NO_ARGS, cmd_status},
    {"analyze", "analyze [--db FILE [--store]] [--threads 1|2] < items.jsonl",
     "analyse JSON lines from standard input", NULL, CLI_CONFIG | CLI_OWN_ARGS, cmd_analyze},
    {"scheme", "scheme test 'EXPR' < items.jsonl", "which items an expression matches",
     scheme_verbs, CLI_CONFIG | CLI_OWN_ARGS, cmd_scheme},
    {"train",
     "train FILE.jsonl [--db FILE] [--holdout N]\n"
     "train --grading-labels [--fit] [--db FILE]",
     "learn the sentiment model; list or fit the officers' regrades", NULL,
     CLI_CONFIG | CLI_OWN_ARGS, cmd_train},
    {"incident",
     "incident new|list|show|assess|respond|verify|move|draft|\n"
     "         submit|approve|return|publish|correct|close|link|task|feedback",
     "the incident workflow", incident_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_incident},
    {"person", "person add LOGIN --name N --roles R | person list", "people and their roles",
     person_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_people},
    {"audit", "audit verify | audit log [--incident ID]", "the audit chain", audit_verbs,
     CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_audit},
    {"kpi", "kpi --from DATE --to DATE [--json]", "the plan's KPIs over a period", NULL,
     CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_kpi},
    {"duty", "duty show|gaps|now|generate|set|swap ...", "the duty schedule", duty_verbs,
     CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_duty},
    {"handover", "handover prefill|write|ack|list ...", "handover notes between shifts",
     handover_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_handover},
    {"notify", "notify run [--once] | send --subject S | status",
     "the outbox: deliver, send, and say how delivery goes", notify_verbs,
     CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_notify},
    {"directory", "directory list|export|import KIND [FILE]", "units, experts and media contacts",
     directory_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_directory},
    {"silence",
     "silence add (--event ID | --source ID) --reason R --until TIME\n"
     "silence list [--all] [--json] | silence expire ID",
     "silences of events and sources", silence_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS,
     cmd_silence},
    {"db", "db stats | db vacuum [--step PAGES] | db archive [--dry-run]",
     "the file's upkeep and retention", db_verbs, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_db},
    {"search", "search WORDS... [--archive YYYY-MM | --archives] [--limit N]",
     "full-text search, archives too", NULL, CLI_CONFIG | CLI_DB | CLI_OWN_ARGS, cmd_search},
    {"completion", "completion bash", "print the shell completion, made from this table",
     completion_verbs, CLI_OWN_ARGS, cmd_completion},
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

const struct cli_command *cli_find(const char *name)
{
    for (size_t i = 0; i < cli_n_commands; i++) {
        if (!strcmp(cli_commands[i].name, name))
            return &cli_commands[i];
    }
    return NULL;
}

void cli_usage(FILE *f)
{
    static const char lead[] = "       jingyu [--config FILE] ";
    fputs("usage: jingyu [--config FILE] [--no-collect] [--read-only] [--exit-after N]\n", f);
    for (size_t i = 0; i < cli_n_commands; i++) {
        /* one line of the table's usage after another, each led */
        for (const char *p = cli_commands[i].usage; *p;) {
            size_t n = strcspn(p, "\n");
            /* a line that starts with spaces goes on under the one before */
            size_t sp = strspn(p, " ");
            fprintf(f, "%*s%.*s\n", -(int)(sizeof lead - 1), sp ? "" : lead, (int)(n - sp), p + sp);
            p += n + (p[n] == '\n');
        }
    }
    fputs("       jingyu --version | --help\n"
          "See jingyu(1) and jingyu.yaml(5).\n",
          f);
}

void cli_completion_bash(FILE *f)
{
    fputs("# bash completion for jingyu, made by `jingyu completion bash` from its command\n"
          "# table. Install: jingyu completion bash > "
          "/usr/share/bash-completion/completions/jingyu\n"
          "_jingyu()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} i cmd=\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        case ${COMP_WORDS[i]} in\n"
          "            --config|-c|--exit-after) ((i++)) ;;\n"
          "            -*) ;;\n"
          "            *) cmd=${COMP_WORDS[i]}; break ;;\n"
          "        esac\n"
          "    done\n"
          "    if [[ -z $cmd ]]; then\n"
          "        COMPREPLY=($(compgen -W '",
          f);
    for (size_t i = 0; i < cli_n_commands; i++)
        fprintf(f, "%s%s", i ? " " : "", cli_commands[i].name);
    fputs(" --config --no-collect --read-only --exit-after --version --help' -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if ((COMP_CWORD == i + 1)); then\n"
          "        case $cmd in\n",
          f);
    for (size_t i = 0; i < cli_n_commands; i++) {
        const struct cli_command *c = &cli_commands[i];
        if (!c->verbs)
            continue;
        fprintf(f, "            %s) COMPREPLY=($(compgen -W '", c->name);
        for (const char *const *v = c->verbs; *v; v++)
            fprintf(f, "%s%s", v == c->verbs ? "" : " ", *v);
        fputs("' -- \"$cur\")) ;;\n", f);
    }
    fputs("            *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
          "        esac\n"
          "        return\n"
          "    fi\n"
          "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "}\n"
          "complete -F _jingyu jingyu\n",
          f);
}

int cmd_completion(const struct config *cfg, int argc, char **argv)
{
    (void)cfg;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "-", 1)) {
            fprintf(stderr, "jingyu completion: unknown option %s\nusage: jingyu completion bash\n",
                    argv[i]);
            return CMD_EXIT_USAGE;
        }
    }
    if (argc != 1 || strcmp(argv[0], "bash")) {
        fprintf(stderr, "jingyu completion: which shell?\nusage: jingyu completion bash\n");
        return CMD_EXIT_USAGE;
    }
    cli_completion_bash(stdout);
    return 0;
}
