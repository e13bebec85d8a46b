/* cmd-scheme.c: jingyu scheme test 'EXPR' < items.jsonl: which items an
 * expression matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "store/store.h"

int cmd_scheme(const struct config *cfg, int argc, char **argv)
{
    (void)cfg;
    if (argc != 2 || strcmp(argv[0], "test") != 0) {
        for (int i = 0; i < argc; i++)
            if (!strncmp(argv[i], "--", 2))
                fprintf(stderr, "jingyu scheme: unknown option %s\n", argv[i]);
        fprintf(stderr, "usage: jingyu scheme test 'EXPR' < items.jsonl\n");
        return CMD_EXIT_USAGE;
    }
    const char *expr = argv[1];
    struct jy_error err = {0};
    struct scheme_set *ss = NULL;
    int column = 0;
    if (scheme_compile_expr(expr, &ss, &column, &err) != 0) {
        /* show the expression with a caret under the column */
        fprintf(stderr, "jingyu scheme test: %s\n  %s\n  ", err.msg, expr);
        int width = 0;
        const char *p = expr;
        for (int c = 1; c < column && *p; c++) {
            uint32_t cp;
            size_t n = utf8_decode(p, strlen(p), &cp);
            width += utf8_cp_width(cp);
            p += n;
        }
        fprintf(stderr, "%*s^\n", width, "");
        return CMD_EXIT_USAGE;
    }
    struct normalizer *nz = NULL;
    if (normalizer_new(&nz, &err) != 0) {
        fprintf(stderr, "jingyu scheme test: %s\n", err.msg);
        scheme_set_free(ss);
        return CMD_EXIT_RUNTIME;
    }
    size_t len, matched = 0, total = 0;
    bool too_long;
    char *line;
    struct line_reader *lr = cli_line_reader_new(stdin);
    while ((line = cli_read_line(lr, &len, &too_long))) {
        json_error_t je;
        json_t *o = too_long || len == 0 ? NULL : json_loadb(line, len, 0, &je);
        if (!json_is_object(o)) {
            json_decref(o);
            continue;
        }
        total++;
        const char *title = json_string_value(json_object_get(o, "title"));
        const char *text = json_string_value(json_object_get(o, "text"));
        struct normalized nb = {0};
        /* titles as the analyzer takes them: no Weibo rules */
        char *nt = title ? normalize_term(nz, title, strlen(title)) : NULL;
        normalize_text(nz, text ? text : "", text ? strlen(text) : 0, &nb, &err);
        struct an_term *terms = NULL;
        size_t n_terms = 0;
        if (scheme_set_match(ss, nt, nb.text, &terms, &n_terms)) {
            matched++;
            json_t *hit = json_array();
            for (size_t i = 0; i < n_terms; i++)
                json_array_append_new(hit, json_string(terms[i].term));
            json_t *out = json_pack("{s:O?, s:s, s:o}", "id", json_object_get(o, "id"),
                                    "normalized", nb.text, "terms", hit);
            char *s = json_dumps(out, JSON_COMPACT);
            if (s)
                puts(s);
            free(s);
            json_decref(out);
        }
        free(terms);
        free(nt);
        normalized_clear(&nb);
        json_decref(o);
    }
    cli_line_reader_free(lr);
    fprintf(stderr, "jingyu scheme test: %zu of %zu items match\n", matched, total);
    normalizer_free(nz);
    scheme_set_free(ss);
    return 0;
}
