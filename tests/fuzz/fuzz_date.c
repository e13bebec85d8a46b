/* The date parser (RFC 822 and its deviations, RFC 3339 / ISO 8601, and
 * Chinese sources' "YYYY-MM-DD HH:MM:SS"). A date it accepts must also be
 * accepted again in the form `jingyu inspect` writes (RFC 3339 UTC), with
 * the same value. */
#include <stdio.h>
#include <time.h>

#include "fuzz.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    char *s = fuzz_cstr(data, size);
    int64_t t = 0;
    if (parse_date(s, &t) == 0 && t > -62135596800LL && t < 253402300800LL) {
        time_t tt = (time_t)t;
        struct tm tm;
        char back[64];
        if (!gmtime_r(&tt, &tm) || !strftime(back, sizeof back, "%Y-%m-%dT%H:%M:%SZ", &tm))
            abort();
        int64_t t2 = 0;
        if (tm.tm_year + 1900 >= 1000 && (parse_date(back, &t2) != 0 || t2 != t))
            abort();
    }
    free(s);
    return 0;
}
