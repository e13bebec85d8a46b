/* jsonpick (util.h's JSON reader without a tree), against jansson with its
 * defaults, whose acceptance jsonpick promises to match: both must accept
 * or refuse the same texts as one object, and agree on the members
 * picked (strings byte for byte, integers by value, other types by kind). */
#include <jansson.h>

#include "fuzz.h"

static const char *const keys[] = {"title", "text",      "id",  "a",
                                   "",      "published", "url", "\xe6\xa0\x87"};
#define N_KEYS (sizeof keys / sizeof *keys)

static enum jy_jtype kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return JY_J_NULL;
    case JSON_FALSE:
        return JY_J_FALSE;
    case JSON_TRUE:
        return JY_J_TRUE;
    case JSON_INTEGER:
        return JY_J_INT;
    case JSON_REAL:
        return JY_J_REAL;
    case JSON_STRING:
        return JY_J_STRING;
    case JSON_ARRAY:
        return JY_J_ARRAY;
    case JSON_OBJECT:
        return JY_J_OBJECT;
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fuzz_cstr(data, size);
    struct jy_jval out[N_KEYS];
    int picked = jy_json_pick(copy, size, keys, N_KEYS, out);

    /* jansson's buffer reader lets a NUL byte end a token (it accepts
     * {"a":2<NUL>}), where RFC 8259 and jsonpick refuse it: texts with a NUL
     * are only run through jsonpick, for crashes. */
    if (memchr(data, '\0', size)) {
        free(copy);
        return 0;
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, 0, &jerr);
    bool object = root && json_is_object(root);
    if ((picked == 0) != object) {
        fprintf(stderr, "jsonpick %s, jansson %s (%s)\n", picked == 0 ? "accepts" : "refuses",
                object ? "accepts" : "refuses",
                !root    ? jerr.text
                : object ? "an object"
                         : "not an object");
        abort();
    }
    if (object) {
        for (size_t k = 0; k < N_KEYS; k++) {
            json_t *v = json_object_get(root, keys[k]);
            if (!v) {
                if (out[k].type != JY_J_ABSENT)
                    abort();
                continue;
            }
            if (out[k].type != kind(v))
                abort();
            if (out[k].type == JY_J_STRING &&
                (out[k].len != json_string_length(v) ||
                 memcmp(out[k].str, json_string_value(v), out[k].len) != 0))
                abort();
            if (out[k].type == JY_J_INT && out[k].i != json_integer_value(v))
                abort();
        }
    }
    json_decref(root);
    free(copy);
    return 0;
}
