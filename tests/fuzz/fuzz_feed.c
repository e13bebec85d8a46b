/* Feed documents of every format (RSS, RDF, Atom, JSON Feed), through
 * detection, charset conversion, XML or JSON parsing and HTML cleaning. The
 * first byte picks a declared Content-Type, so the header's charset path is
 * fuzzed too. */
#include "fuzz.h"
#include "parse/parse.h"

static const char *const types[] = {
    NULL,
    "application/rss+xml",
    "text/xml; charset=gbk",
    "application/json; charset=utf-8",
    "application/atom+xml; charset=iso-8859-1",
    "text/html; charset=gb18030",
    "application/feed+json",
    "text/xml; charset=utf-16",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct parse_opts opts = {
        .content_type = types[data[0] % (sizeof types / sizeof *types)],
        .max_field = 4096,
        .max_items = 200,
    };
    struct feed f = {0};
    struct jy_error err = {0};
    if (parse_feed((const char *)data + 1, size - 1, &opts, &f, &err) == 0) {
        fuzz_check_clean("title", f.title, 0);
        fuzz_check_clean("link", f.link, 0);
        for (size_t i = 0; i < f.n_items; i++) {
            const struct feed_item *it = &f.items[i];
            if (!it->guid || !it->title || !it->content)
                abort();
            fuzz_check_clean("item guid", it->guid, 0);
            fuzz_check_clean("item title", it->title, 0);
            fuzz_check_clean("item link", it->link, 0);
            fuzz_check_clean("item author", it->author, 0);
            fuzz_check_clean("item content", it->content, 1);
        }
        feed_free(&f);
    }
    return 0;
}
