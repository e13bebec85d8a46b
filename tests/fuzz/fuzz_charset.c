/* Charset detection and conversion to UTF-8, then HTML reduction to text:
 * the first byte picks the declared charset (or none) and whether newlines
 * are kept. */
#include "fuzz.h"
#include "parse/parse.h"

static const char *const overrides[] = {
    NULL, "gbk", "gb18030", "big5", "utf-8", "iso-8859-1", "windows-1252", "utf-16",
};
static const char *const types[] = {
    NULL,
    "text/html; charset=gb2312",
    "text/xml; charset=\"utf-8\"",
    "text/plain; charset=bogus",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned pick = data[0];
    const char *body = (const char *)data + 1;
    size--;

    size_t len = 0;
    const char *used = NULL;
    char *u = parse_to_utf8(body, size, types[pick & 3], overrides[(pick >> 2) & 7], &len, &used);
    if (!u || !used || !utf8_valid(u, len))
        abort();

    char *text = html_to_text(u, len, pick & 0x20);
    if (!text)
        abort();
    fuzz_check_clean("html_to_text", text, pick & 0x20);
    free(text);
    free(u);
    return 0;
}
