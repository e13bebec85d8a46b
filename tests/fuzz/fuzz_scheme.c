/* The scheme expression parser (AND/OR/NOT, parentheses, quoted terms) and
 * the matcher it builds. The input is an expression, a newline, and a text
 * to match it against (used as it is: the matcher must cope with any
 * string, normalised or not). */
#include "analyze/analyze.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = fuzz_cstr(data, size);
    char *text = strchr(s, '\n');
    if (text)
        *text++ = '\0';
    else
        text = s + size;

    struct scheme_set *ss = NULL;
    int column = 0;
    struct jy_error err = {0};
    if (scheme_compile_expr(s, &ss, &column, &err) == 0) {
        struct an_term *terms = NULL;
        size_t n_terms = 0;
        (void)scheme_set_match(ss, text, text, &terms, &n_terms);
        for (size_t i = 0; i < n_terms; i++)
            if (!terms[i].term || terms[i].end < terms[i].start || terms[i].end > strlen(text))
                abort();
        free(terms);
        scheme_set_free(ss);
    } else if (column < 1 || (size_t)column > strlen(s) + 1) {
        abort(); /* the caret would point outside the expression */
    }
    free(s);
    return 0;
}
