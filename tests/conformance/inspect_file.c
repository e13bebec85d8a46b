/* inspect_file: a test-only stand-in for `jingyu inspect FILE`. Reads one
 * file, parses it with parse_feed and prints feed_item_to_json per item, one
 * per line; a parse error goes to stderr with exit status 1 (a crash is
 * what the conformance runner treats as fatal). */
#include <stdio.h>
#include <stdlib.h>

#include "parse/parse.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: inspect_file FILE\n");
        return 2;
    }
    struct jy_error err = {0};
    char *body;
    size_t len;
    if (jy_read_file(argv[1], 64u << 20, &body, &len, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    struct feed f;
    int rc = parse_feed(body, len, NULL, &f, &err);
    free(body);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        return 1;
    }
    struct jy_buf line;
    jy_buf_init(&line, 0);
    for (size_t i = 0; i < f.n_items; i++) {
        jy_buf_reset(&line);
        feed_item_to_json(&f.items[i], &line);
        printf("%s\n", line.data ? line.data : "{}");
    }
    jy_buf_free(&line);
    feed_free(&f);
    return 0;
}
