/* time.c: wall-clock and monotonic time, and the one output format. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

int64_t jy_now(void)
{
    const char *fake = getenv("JINGYU_FAKE_NOW");
    if (fake && *fake)
        return strtoll(fake, NULL, 10);
    return (int64_t)time(NULL);
}

int64_t jy_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void jy_time_rfc3339(int64_t t, char out[static 32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 32, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void jy_time_local(int64_t t, const char *fmt, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(out, outsz, fmt, &tm) == 0) {
        if (outsz)
            out[0] = '\0';
    }
}
