/* time.c: wall-clock and monotonic time, and the one output format. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#ifdef JY_TEST_HOOKS
/* the monotonic time of the first look at a running fake clock */
static _Atomic int64_t fake_base_ms;
#endif

int64_t jy_now(void)
{
#ifdef JY_TEST_HOOKS
    /* the tests' fake clock: compiled in only with -Dtest_hooks=true.
     * "SECONDS" stands still; "SECONDS+" starts there at the process's
     * first look and runs (a collector crossing a time of day). */
    const char *fake = getenv("JINGYU_FAKE_NOW");
    if (fake && *fake) {
        char *end;
        int64_t t = strtoll(fake, &end, 10);
        if (*end == '+') {
            int64_t zero = 0, mono = jy_mono_ms();
            atomic_compare_exchange_strong(&fake_base_ms, &zero, mono);
            t += (mono - atomic_load(&fake_base_ms)) / 1000;
        }
        return t;
    }
#endif
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

int jy_time_parse(const char *s, int64_t *out, bool *date_only)
{
    if (date_only)
        *date_only = false;
    if (!s)
        return JY_EINVAL;
    if (s[0] == '@') {
        char *end;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end)
            return JY_EINVAL;
        *out = v;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return JY_EINVAL;
    const char *p = s + n;
    bool only_date = *p == '\0';
    if (!only_date) {
        if (*p != ' ' && *p != 'T')
            return JY_EINVAL;
        p++;
        int k = 0;
        if (sscanf(p, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return JY_EINVAL;
        p += k;
        if (*p == ':') {
            if (sscanf(p, ":%2d%n", &sec, &k) != 1 || k != 3)
                return JY_EINVAL;
            p += k;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return JY_EINVAL;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec,
                    .tm_isdst = -1};
    if (*p == '\0') {
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            return JY_EINVAL;
        *out = (int64_t)t;
    } else {
        int off = 0;
        if (!strcmp(p, "Z")) {
            off = 0;
        } else {
            int oh, om, k = 0;
            if ((p[0] != '+' && p[0] != '-') || sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 ||
                k != 5 || p[1 + k] || oh > 14 || om > 59)
                return JY_EINVAL;
            off = (oh * 60 + om) * 60 * (p[0] == '-' ? -1 : 1);
        }
        tm.tm_isdst = 0;
        *out = (int64_t)timegm(&tm) - off;
    }
    if (date_only)
        *date_only = only_date;
    return 0;
}

/* Days from civil and back: the era-based algorithm (400-year cycles of
 * 146097 days, March-based years so that February comes last). */
int64_t jy_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void jy_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int jy_day_parse(const char *s, int64_t *day)
{
    int y, m, d, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[10])
        return JY_EINVAL;
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
        return JY_EINVAL;
    int64_t v = jy_days_from_civil(y, m, d);
    int y2, m2, d2;
    jy_civil_from_days(v, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return JY_EINVAL; /* 2026-02-30 */
    *day = v;
    return 0;
}

int jy_time_parse_until(const char *s, int64_t now, int64_t *out)
{
    if (!s)
        return JY_EINVAL;
    while (*s == ' ')
        s++;
    const char *p = *s == '+' ? s + 1 : s;
    char *end;
    if (*p >= '0' && *p <= '9') {
        long long v = strtoll(p, &end, 10);
        int64_t unit = 0;
        switch (*end) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            break;
        }
        if (unit && end[1] == '\0' && v >= 0 && v <= 3650LL * 86400 / unit) {
            *out = now + (int64_t)v * unit;
            return 0;
        }
        if (p != s)
            return JY_EINVAL; /* "+" needs a span */
    }
    return jy_time_parse(s, out, NULL);
}
