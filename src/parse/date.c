/* date.c: the dates feeds carry, turned into UTC seconds.
 *
 * Two grammars cover what we meet: ISO 8601 / RFC 3339 (and the Chinese CMS
 * habit "2024-01-02 15:04:05", which has no zone and means Beijing time), and
 * RFC 822 as written in practice: weekday optional, commas optional, one-digit
 * days, two-digit years, full month names, seconds missing, named, numeric or
 * no zones. The RFC 822 side is a token scanner rather than a fixed pattern,
 * because real feeds shuffle those parts around ("Jan 2, 2006 15:04 PST",
 * asctime order). Nothing here depends on the locale: no strptime. */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "parse_internal.h"

#define DATE_CHINA_OFFSET (8 * 3600)

/* The words of dates, in lower case, with their lengths: a word of the
 * date is lowered once and compared with these (by length first). */
struct date_word {
    const char *s;
    size_t n;
};
#define DW(lit)                                                                                    \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }
#define DATE_WORD_MAX 15 /* longer words are none of these */

static const struct date_word date_months[] = {DW("jan"), DW("feb"), DW("mar"), DW("apr"),
                                               DW("may"), DW("jun"), DW("jul"), DW("aug"),
                                               DW("sep"), DW("oct"), DW("nov"), DW("dec")};
static const struct date_word date_month_full[] = {
    DW("january"), DW("february"), DW("march"),     DW("april"),   DW("may"),      DW("june"),
    DW("july"),    DW("august"),   DW("september"), DW("october"), DW("november"), DW("december")};
static const struct date_word date_weekdays[] = {
    DW("mon"),      DW("tue"),    DW("wed"),     DW("thu"),       DW("fri"),      DW("sat"),
    DW("sun"),      DW("monday"), DW("tuesday"), DW("wednesday"), DW("thursday"), DW("friday"),
    DW("saturday"), DW("sunday"), DW("tues"),    DW("thur"),      DW("thurs"),    DW("weds")};

static bool date_word_is(const char *lw, size_t n, const struct date_word *w)
{
    return w->n == n && memcmp(w->s, lw, n) == 0;
}

/* w's n letters in lower case into lw (DATE_WORD_MAX + 1 bytes); false when
 * the word is too long to be one of ours. */
static bool date_lower(const char *w, size_t n, char *lw)
{
    if (n > DATE_WORD_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        lw[k] = (char)tolower((unsigned char)w[k]);
    return true;
}

struct date_zone {
    struct date_word name;
    int offset; /* seconds east of UTC */
};

/* RFC 822 section 5 names; the military letters are read in
 * date_zone_lookup, with RFC 822's signs. */
static const struct date_zone date_zones[] = {
    {DW("gmt"), 0},
    {DW("ut"), 0},
    {DW("utc"), 0},
    {DW("z"), 0},
    {DW("est"), -5 * 3600},
    {DW("edt"), -4 * 3600},
    {DW("cst"), -6 * 3600},
    {DW("cdt"), -5 * 3600},
    {DW("mst"), -7 * 3600},
    {DW("mdt"), -6 * 3600},
    {DW("pst"), -8 * 3600},
    {DW("pdt"), -7 * 3600},
    /* North American names without the season, and central Europe's */
    {DW("at"), -4 * 3600},
    {DW("ast"), -4 * 3600},
    {DW("adt"), -3 * 3600},
    {DW("et"), -5 * 3600},
    {DW("ct"), -6 * 3600},
    {DW("mt"), -7 * 3600},
    {DW("pt"), -8 * 3600},
    {DW("met"), 3600},
    {DW("mest"), 2 * 3600},
    {DW("cet"), 3600},
    {DW("cest"), 2 * 3600},
};

static bool date_days_valid(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    int n = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        n = 29;
    return d <= n;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (m
 * 1..12, d within the month): by whole 400-year eras of 146,097 days, years
 * counted from March so that February's length only matters at the end of
 * one. Plain arithmetic: timegm() went through the C library's mktime, a
 * few thousand instructions a date, a date an item. */
int64_t parse_days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                  /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 from March 1 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
    return era * 146097 + doe - 719468; /* 1970-01-01 is day 719,468 of era 0 */
}

static int date_make(int y, int mo, int d, int h, int mi, int s, int offset, int64_t *out)
{
    if (y < 1000 || y > 9999 || !date_days_valid(y, mo, d) || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60)
        return JY_EPARSE;
    *out = parse_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    return 0;
}

/* Reads up to max digits at *p; returns the count read (value in *v). */
static int date_digits(const char **p, int max, int *v)
{
    int n = 0, x = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        x = x * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *v = x;
    return n;
}

/* "+08:00", "+0800", "+08", "-5". Returns false if p is not at an offset. */
static bool date_offset(const char **pp, int *offset)
{
    const char *p = *pp;
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1;
    p++;
    int h, m = 0;
    int n = date_digits(&p, 4, &h);
    if (n == 4) {
        m = h % 100;
        h /= 100;
    } else if (n == 3) {
        m = h % 100;
        h /= 100;
    } else if (n >= 1) {
        if (*p == ':') {
            p++;
            if (date_digits(&p, 2, &m) != 2)
                return false;
        }
    } else {
        return false;
    }
    if (h > 14 || m > 59)
        return false;
    *offset = sign * (h * 3600 + m * 60);
    *pp = p;
    return true;
}

/* lw: a word in lower case, n letters */
static int date_zone_lookup(const char *lw, size_t n, int *offset)
{
    for (size_t i = 0; i < sizeof date_zones / sizeof date_zones[0]; i++) {
        if (date_word_is(lw, n, &date_zones[i].name)) {
            *offset = date_zones[i].offset;
            return 0;
        }
    }
    if (n == 1 && lw[0] >= 'a' && lw[0] <= 'y' && lw[0] != 'j') {
        /* RFC 822's military letters: A..I are -1..-9 hours, K..M -10..-12,
         * N..Y +1..+12 (as feedparser reads them) */
        int c = lw[0];
        int h = c <= 'i' ? -(c - 'a' + 1) : c <= 'm' ? -(c - 'k' + 10) : c - 'n' + 1;
        *offset = h * 3600;
        return 0;
    }
    return -1;
}

/* y-m-d of day `yday` (1-based) of year y; false when the year has no such
 * day. */
static bool date_from_ordinal(int y, int yday, int *mo, int *d)
{
    if (yday < 1)
        return false;
    for (int m = 1; m <= 12; m++) {
        int n = 1;
        while (date_days_valid(y, m, n + 1))
            n++;
        if (yday <= n) {
            *mo = m;
            *d = yday;
            return true;
        }
        yday -= n;
    }
    return false;
}

/* y-m-d of ISO week w, weekday wd (1 = Monday) of ISO year y. */
static bool date_from_week(int y, int w, int wd, int *oy, int *mo, int *d)
{
    if (w < 1 || w > 53 || wd < 1 || wd > 7)
        return false;
    /* Week 1 holds January 4th; days from the epoch of its Monday. */
    int64_t jan4 = parse_days_from_civil(y, 1, 4);
    int64_t jan4_wd = ((jan4 % 7) + 7 + 3) % 7 + 1; /* 1970-01-01 was a Thursday */
    int64_t day = jan4 - (jan4_wd - 1) + (int64_t)(w - 1) * 7 + (wd - 1);
    /* back to a civil date (the inverse of parse_days_from_civil) */
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    *oy = (int)(yoe + era * 400 + (*mo <= 2));
    return true;
}

/* The date part of ISO 8601 in the forms feeds use: YYYY-MM-DD (or with
 * slashes), YYYYMMDD, YYYY-MM, YYYY, the ordinal YYYY-DDD and YYYYDDD, the
 * week date YYYY-Www-D and YYYYWwwD, and the two-digit-year forms of old
 * feeds: YYMMDD, YY-MM-DD, YYDDD, YY-DDD, -YYMM and -YY-MM (years 00..99 are
 * 2000..2099). Leaves *pp after the date; *sep gets the separator used. */
static int date_iso_day(const char **pp, int *y, int *mo, int *d, char *sep)
{
    const char *p = *pp;
    *mo = *d = 1;
    *sep = 0;
    bool short_year = false, month_only = false;
    if (*p == '-' && isdigit((unsigned char)p[1])) { /* -YYMM, -YY-MM */
        p++;
        month_only = true;
        short_year = true;
    }
    const char *start = p;
    int v;
    int n = date_digits(&p, 8, &v);
    if (month_only) {
        if (n == 4) {
            *y = v / 100;
            *mo = v % 100;
        } else if (n == 2 && *p == '-') {
            *y = v;
            p++;
            if (date_digits(&p, 2, mo) != 2)
                return JY_EPARSE;
            if (*p == '-') { /* -YY-MM-DD */
                p++;
                if (date_digits(&p, 2, d) != 2)
                    return JY_EPARSE;
            }
        } else {
            return JY_EPARSE;
        }
    } else if (n == 8) { /* YYYYMMDD */
        *y = v / 10000;
        *mo = v / 100 % 100;
        *d = v % 100;
    } else if (n == 7) { /* YYYYDDD */
        *y = v / 1000;
        if (!date_from_ordinal(*y, v % 1000, mo, d))
            return JY_EPARSE;
    } else if (n == 6) { /* YYMMDD */
        short_year = true;
        *y = v / 10000;
        *mo = v / 100 % 100;
        *d = v % 100;
    } else if (n == 5) { /* YYDDD */
        *y = 2000 + v / 1000;
        if (!date_from_ordinal(*y, v % 1000, mo, d))
            return JY_EPARSE;
    } else if (n == 4 || n == 2) {
        *y = v;
        short_year = n == 2;
        if (n == 4 && (*p == 'W' || (*p == '-' && p[1] == 'W'))) { /* week date */
            p += *p == '-' ? 2 : 1;
            int w, wd = 1;
            if (date_digits(&p, 2, &w) != 2)
                return JY_EPARSE;
            if (*p == '-')
                p++;
            if (isdigit((unsigned char)*p))
                date_digits(&p, 1, &wd);
            if (!date_from_week(*y, w, wd, y, mo, d))
                return JY_EPARSE;
            *pp = p;
            return 0;
        }
        if (*p == '-' || *p == '/') {
            *sep = *p;
            p++;
            const char *f = p;
            int m;
            int k = date_digits(&p, 3, &m);
            if (k == 3 && *sep == '-') { /* ordinal YYYY-DDD / YY-DDD */
                if (short_year)
                    *y += 2000;
                if (!date_from_ordinal(*y, m, mo, d))
                    return JY_EPARSE;
                *pp = p;
                return 0;
            }
            if (k < 1 || k > 2 || p - f > 2)
                return JY_EPARSE;
            *mo = m;
            if (*p == *sep) {
                p++;
                if (date_digits(&p, 2, d) < 1)
                    return JY_EPARSE;
            } else if (short_year) {
                return JY_EPARSE;
            }
        } else if (short_year) {
            return JY_EPARSE;
        }
    } else {
        return JY_EPARSE;
    }
    (void)start;
    if (short_year)
        *y += 2000;
    *pp = p;
    return 0;
}

/* ISO 8601 / RFC 3339 and "YYYY-MM-DD HH:MM[:SS]" / "YYYY/MM/DD ...". */
static int date_parse_iso(const char *p, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    char sep;
    if (date_iso_day(&p, &y, &mo, &d, &sep) != 0)
        return JY_EPARSE;
    bool has_time = false, spaced = false;
    int offset = 0;
    bool has_zone = false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        spaced = *p == ' ';
        while (*p == ' ' || *p == 'T' || *p == 't')
            p++;
        if (*p == '\0')
            goto done;
        int hn = date_digits(&p, 6, &h);
        if (hn == 4 || hn == 6) { /* compact hhmm[ss] */
            if (hn == 6) {
                s = h % 100;
                h /= 100;
            }
            mi = h % 100;
            h /= 100;
        } else if (hn < 1 || hn > 2) {
            return JY_EPARSE;
        } else if (*p != ':') { /* the hour alone: "2003-12-31T10Z" */
            if (hn != 2 || isdigit((unsigned char)*p))
                return JY_EPARSE;
        } else {
            p++;
            if (date_digits(&p, 2, &mi) < 1)
                return JY_EPARSE;
        }
        if (*p == ':' && hn <= 2) {
            p++;
            if (date_digits(&p, 2, &s) < 1)
                return JY_EPARSE;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return JY_EPARSE;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        has_time = true;
        while (*p == ' ')
            p++;
        if (*p == 'Z' || *p == 'z') {
            has_zone = true;
            p++;
        } else if (*p == '+' || *p == '-') {
            if (!date_offset(&p, &offset))
                return JY_EPARSE;
            has_zone = true;
        } else if (isalpha((unsigned char)*p)) {
            const char *w = p;
            while (isalpha((unsigned char)*p))
                p++;
            char lw[DATE_WORD_MAX + 1];
            size_t n = (size_t)(p - w);
            if (!date_lower(w, n, lw) || date_zone_lookup(lw, n, &offset) != 0)
                return JY_EPARSE;
            has_zone = true;
            if ((*p == '+' || *p == '-') && !date_offset(&p, &offset))
                return JY_EPARSE;
        }
    }
done:
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return JY_EPARSE;
    /* A zoneless wall-clock time written with a space (or slashes) is what
     * Chinese CMSs print, and they print Beijing time. */
    if (has_time && !has_zone && (spaced || sep == '/'))
        offset = DATE_CHINA_OFFSET;
    return date_make(y, mo, d, h, mi, s, offset, out);
}

static int date_month_lookup(const char *lw, size_t n)
{
    for (int i = 0; i < 12; i++) {
        if (date_word_is(lw, n, &date_months[i]) || date_word_is(lw, n, &date_month_full[i]) ||
            (i == 8 && n == 4 && memcmp(lw, "sept", 4) == 0))
            return i + 1;
    }
    return 0;
}

static bool date_is_weekday(const char *lw, size_t n)
{
    for (size_t i = 0; i < sizeof date_weekdays / sizeof date_weekdays[0]; i++) {
        if (date_word_is(lw, n, &date_weekdays[i]))
            return true;
    }
    return false;
}

/* RFC 822 and relatives, by tokens: words are weekdays (ignored), months,
 * zones or AM/PM; "h:m[:s]" is the time; signed numbers after the time are
 * offsets; other numbers are the day (first small one) and the year. */
static int date_parse_rfc822(const char *p, int64_t *out)
{
    int y = -1, mo = 0, d = -1, h = 0, mi = 0, s = 0, offset = 0;
    bool has_time = false, has_zone = false;
    int ampm = 0;
    int ydigits = 0;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == ',' || c == '\t' || c == '.') {
            p++;
            continue;
        }
        if (c == '(') { /* "(CST)" style comments */
            const char *e = strchr(p, ')');
            if (!e)
                return JY_EPARSE;
            p = e + 1;
            continue;
        }
        if (isalpha(c)) {
            const char *w = p;
            while (isalpha((unsigned char)*p))
                p++;
            size_t n = (size_t)(p - w);
            char lw[DATE_WORD_MAX + 1];
            if (!date_lower(w, n, lw))
                return JY_EPARSE;
            int m;
            int zo;
            if (date_is_weekday(lw, n))
                continue;
            if (n == 2 && memcmp(lw, "at", 2) == 0 && !has_time)
                continue;                                           /* "Jan 2, 2006 at 3:04 PM" */
            if (n == 3 && memcmp(lw, "etc", 3) == 0 && *p == '/') { /* "Etc/GMT" */
                p++;
                continue;
            }
            if ((m = date_month_lookup(lw, n)) != 0) {
                if (mo)
                    return JY_EPARSE;
                mo = m;
            } else if (n == 2 && memcmp(lw, "am", 2) == 0) {
                ampm = 1;
            } else if (n == 2 && memcmp(lw, "pm", 2) == 0) {
                ampm = 2;
            } else if (has_zone && has_time && date_zone_lookup(lw, n, &zo) == 0) {
                /* "-0400 EDT": the name after the offset says it again */
            } else if (!has_zone && date_zone_lookup(lw, n, &zo) == 0) {
                offset = zo;
                has_zone = true;
                if (*p == '+' || *p == '-') {
                    if (!date_offset(&p, &offset))
                        return JY_EPARSE;
                }
            } else {
                return JY_EPARSE;
            }
            continue;
        }
        if ((c == '+' || c == '-') && (has_time || y >= 0)) {
            if (!date_offset(&p, &offset))
                return JY_EPARSE;
            has_zone = true;
            continue;
        }
        if (c == '-' && d >= 0 && mo == 0) { /* "02-Jan-2006" */
            p++;
            continue;
        }
        if (c == '-' && mo != 0 && y < 0) {
            p++;
            continue;
        }
        if (isdigit(c)) {
            int v;
            int n = date_digits(&p, 9, &v);
            if (*p == ':') {
                if (has_time || n > 2)
                    return JY_EPARSE;
                h = v;
                p++;
                if (date_digits(&p, 2, &mi) != 2)
                    return JY_EPARSE;
                if (*p == ':') {
                    p++;
                    if (date_digits(&p, 2, &s) != 2)
                        return JY_EPARSE;
                    if (*p == '.' && isdigit((unsigned char)p[1])) {
                        p++;
                        while (isdigit((unsigned char)*p))
                            p++;
                    }
                }
                has_time = true;
                continue;
            }
            if (isdigit((unsigned char)*p))
                return JY_EPARSE; /* more than 9 digits */
            if (n <= 2 && d < 0) {
                d = v;
            } else if (n == 4 && has_time && y >= 0 && !has_zone) {
                /* "07:05:09 0100": no sign, so no telling east from west;
                 * read as UTC, as feedparser does */
                if (v / 100 > 14 || v % 100 > 59)
                    return JY_EPARSE;
                has_zone = true;
            } else if (y < 0) {
                y = v;
                ydigits = n;
            } else {
                return JY_EPARSE;
            }
            continue;
        }
        return JY_EPARSE;
    }
    if (y < 0 || mo == 0 || d < 0)
        return JY_EPARSE;
    if (ydigits <= 2) {
        if (ydigits == 0)
            return JY_EPARSE;
        y += y < 50 ? 2000 : 1900;
    } else if (ydigits == 3) {
        return JY_EPARSE;
    }
    if (ampm && h > 12 && ampm == 2)
        ampm = 0; /* "19:48:21 PM": a 24-hour clock that says PM too */
    if (ampm) {
        if (h < 1 || h > 12)
            return JY_EPARSE;
        if (ampm == 1 && h == 12)
            h = 0;
        else if (ampm == 2 && h != 12)
            h += 12;
    }
    return date_make(y, mo, d, h, mi, s, offset, out);
}

/* Words of dates in the languages feedparser reads besides English: Greek
 * month and weekday abbreviations (RFC 822 order, "Κυρ, 11 Ιούλ 2004
 * 12:00:00 EST") and Hungarian month names inside W3C-DTF
 * ("2004-július-13T9:15-05:00"). Each is replaced by the English month
 * (Greek), its number (Hungarian) or nothing (a weekday) before parsing. */
struct date_alias {
    const char *from, *to;
};
static const struct date_alias date_aliases[] = {
    {"Ιαν", "Jan"},       {"Φεβ", "Feb"},    {"Μάρ", "Mar"},     {"Μαρ", "Mar"},
    {"Μάώ", "Mar"},       {"Απρ", "Apr"},    {"Μάι", "May"},     {"Μαϊ", "May"},
    {"Μάϊ", "May"},       {"Μαι", "May"},    {"Ιούν", "Jun"},    {"Ιουν", "Jun"},
    {"Ιούλ", "Jul"},      {"Ιουλ", "Jul"},   {"Αύγ", "Aug"},     {"Αυγ", "Aug"},
    {"Σεπ", "Sep"},       {"Οκτ", "Oct"},    {"Νοέ", "Nov"},     {"Νοε", "Nov"},
    {"Δεκ", "Dec"},       {"Κυρ", ""},       {"Δευ", ""},        {"Τρί", ""},
    {"Τρι", ""},          {"Τετ", ""},       {"Πέμ", ""},        {"Πεμ", ""},
    {"Παρ", ""},          {"Σάβ", ""},       {"Σαβ", ""},        {"január", "01"},
    {"február", "02"},    {"március", "03"}, {"április", "04"},  {"május", "05"},
    {"máujus", "05"},     {"június", "06"},  {"július", "07"},   {"augusztus", "08"},
    {"szeptember", "09"}, {"október", "10"}, {"november", "11"}, {"december", "12"},
};

/* buf with the aliases above replaced, in place (every replacement is
 * shorter); false when a byte outside ASCII is left over. The Hungarian
 * names in ASCII ("november", "december") are read only where W3C-DTF has
 * its month, between "YYYY-" and "-". */
static bool date_unalias(char *buf)
{
    char *o = buf;
    bool ok = true;
    for (const char *p = buf; *p;) {
        size_t i, n = 0;
        for (i = 0; i < sizeof date_aliases / sizeof date_aliases[0]; i++) {
            n = strlen(date_aliases[i].from);
            bool ascii = (unsigned char)date_aliases[i].from[0] < 0x80;
            if (ascii && (p - buf != 5 || p[-1] != '-' || p[n] != '-'))
                continue;
            if (strncmp(p, date_aliases[i].from, n) == 0)
                break;
        }
        if (i < sizeof date_aliases / sizeof date_aliases[0]) {
            size_t m = strlen(date_aliases[i].to);
            memmove(o, date_aliases[i].to, m);
            o += m;
            p += n;
            continue;
        }
        if ((unsigned char)*p >= 0x80)
            ok = false;
        *o++ = *p++;
    }
    *o = '\0';
    return ok;
}

static bool date_utf8_word(const char **pp, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*pp, w, n) != 0)
        return false;
    *pp += n;
    return true;
}

/* Korean blogs, in Korea's time (UTC+9): Nate's "2004-05-25 오후 11:23:17"
 * (오전 morning, 오후 afternoon, a 12-hour clock) and OnBlog's "2004년 05월
 * 28일 01:31:15". */
static int date_parse_korean(const char *p, int64_t *out)
{
    int y, mo, d, h, mi, s = 0, half = 0;
    if (date_digits(&p, 4, &y) != 4)
        return JY_EPARSE;
    if (*p == '-') {
        p++;
        if (date_digits(&p, 2, &mo) < 1 || *p++ != '-' || date_digits(&p, 2, &d) < 1)
            return JY_EPARSE;
    } else if (date_utf8_word(&p, "년")) {
        while (*p == ' ')
            p++;
        if (date_digits(&p, 2, &mo) < 1 || !date_utf8_word(&p, "월"))
            return JY_EPARSE;
        while (*p == ' ')
            p++;
        if (date_digits(&p, 2, &d) < 1 || !date_utf8_word(&p, "일"))
            return JY_EPARSE;
    } else {
        return JY_EPARSE;
    }
    while (*p == ' ')
        p++;
    if (date_utf8_word(&p, "오전"))
        half = 1;
    else if (date_utf8_word(&p, "오후"))
        half = 2;
    while (*p == ' ')
        p++;
    if (date_digits(&p, 2, &h) < 1 || *p++ != ':' || date_digits(&p, 2, &mi) != 2)
        return JY_EPARSE;
    if (*p == ':') {
        p++;
        if (date_digits(&p, 2, &s) != 2)
            return JY_EPARSE;
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return JY_EPARSE;
    if (half) {
        if (h < 1 || h > 12)
            return JY_EPARSE;
        if (half == 1 && h == 12)
            h = 0;
        else if (half == 2 && h != 12)
            h += 12;
    }
    return date_make(y, mo, d, h, mi, s, 9 * 3600, out);
}

/* Past a weekday that stands before a numeric date, as Perforce writes
 * "Fri, 2006/09/15 08:19:53 EDT". */
static const char *date_skip_weekday(const char *buf)
{
    const char *p = buf;
    while (isalpha((unsigned char)*p))
        p++;
    char lw[DATE_WORD_MAX + 1];
    size_t n = (size_t)(p - buf);
    if (n == 0 || !date_lower(buf, n, lw) || !date_is_weekday(lw, n))
        return buf;
    while (*p == ',' || *p == ' ')
        p++;
    size_t digits = strspn(p, "0123456789");
    return digits == 4 && (p[4] == '/' || p[4] == '-') ? p : buf;
}

int parse_date(const char *s, int64_t *out)
{
    if (!s)
        return JY_EPARSE;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 128)
        return JY_EPARSE;
    /* Fold internal whitespace runs (tabs, newlines, doubled spaces) to one
     * space so both grammars can assume single spaces. */
    char buf[130];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            if (o > 0 && buf[o - 1] != ' ')
                buf[o++] = ' ';
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    int64_t t;
    int rc;
    if (strstr(buf, "년") || strstr(buf, "오전") || strstr(buf, "오후")) {
        rc = date_parse_korean(buf, &t);
        if (rc == 0 && out)
            *out = t;
        return rc;
    }
    if (!date_unalias(buf))
        return JY_EPARSE;
    const char *b = date_skip_weekday(buf);
    /* ISO 8601 when it starts with digits and has no letters before its
     * 'T' or 'W' (RFC 822 dates start with a weekday or a day and a
     * month name); one that fails is tried as RFC 822 too ("2 Jan 2006"). */
    size_t digits = strspn(b, "0123456789");
    bool iso = (digits >= 4 &&
                (b[digits] == '-' || b[digits] == '/' || b[digits] == 'T' || b[digits] == 'W' ||
                 b[digits] == '\0' || b[digits] == 'Z' || b[digits] == '+')) ||
               (digits >= 2 && b[digits] == '-') || (b[0] == '-' && isdigit((unsigned char)b[1]));
    rc = iso ? date_parse_iso(b, &t) : JY_EPARSE;
    if (rc && buf[0] != '-')
        rc = date_parse_rfc822(buf, &t);
    if (rc == 0 && out)
        *out = t;
    return rc;
}
