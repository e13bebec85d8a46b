/* One line of a JSON-lines file drop (and of the demo replay), and the
 * item written back as JSON, which must parse. */
#include <jansson.h>
#include <stdio.h>

#include "fuzz.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_item it = {0};
    struct jy_error err = {0};
    if (parse_jsonl_item((const char *)data, size, &it, &err) == 0) {
        if (!it.guid || !it.title || !it.content)
            abort();
        fuzz_check_clean("guid", it.guid, 0);
        fuzz_check_clean("title", it.title, 0);
        fuzz_check_clean("link", it.link, 0);
        fuzz_check_clean("author", it.author, 0);
        fuzz_check_clean("content", it.content, 1);
        struct jy_buf b;
        jy_buf_init(&b, 0);
        feed_item_to_json(&it, &b);
        /* what `jingyu inspect` prints must be one JSON object */
        json_t *j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
        if (!json_is_object(j)) {
            fprintf(stderr, "not JSON: [%s] %zu\n", b.data, b.len);
            abort();
        }
        json_decref(j);
        jy_buf_free(&b);
        feed_item_clear(&it);
    }
    return 0;
}
