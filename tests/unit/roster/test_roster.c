/* test_roster.c: calendar days (month ends, leap years, impossible dates),
 * weekdays and months, shift windows in the configured zone (a 24-hour
 * shift from 08:30 Beijing time runs into the next day), which shift covers
 * a moment, rotations across a month end, and gap detection. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "roster/roster.h"

static int64_t day(const char *s)
{
    int64_t d = -1;
    assert_int_equal(roster_day_parse(s, &d), 0);
    return d;
}

static void days(void **state)
{
    (void)state;
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("2026-03-01") - day("2026-02-28"), 1);
    assert_int_equal(day("2028-03-01") - day("2028-02-28"), 2); /* leap */
    assert_int_equal(day("2027-01-01") - day("2026-12-31"), 1);
    int64_t d;
    assert_int_equal(roster_day_parse("2026-02-29", &d), JY_EINVAL);
    assert_int_equal(roster_day_parse("2026-13-01", &d), JY_EINVAL);
    assert_int_equal(roster_day_parse("2026-12-1", &d), JY_EINVAL);
    assert_int_equal(roster_day_parse("2026-12-01x", &d), JY_EINVAL);
    char out[16];
    roster_day_format(day("2028-02-29"), out);
    assert_string_equal(out, "2028-02-29");
    assert_int_equal(roster_weekday(day("2026-12-02")), 2); /* a Wednesday */
    assert_int_equal(roster_weekday(day("2026-12-06")), 6); /* Sunday */
    int64_t first;
    int n;
    roster_month(day("2026-12-17"), &first, &n);
    assert_int_equal(first, day("2026-12-01"));
    assert_int_equal(n, 31);
    roster_month(day("2028-02-10"), &first, &n);
    assert_int_equal(n, 29);
}

static struct duty_shift shifts[2];
static char *posts_full[] = {"带班领导", "值班员"};
static char *posts_night[] = {"值班员"};
static struct duty_config dc = {.utc_offset = 8 * 3600, .shifts = shifts, .n_shifts = 1};

static void windows(void **state)
{
    (void)state;
    shifts[0] = (struct duty_shift){"全天", 8 * 60 + 30, 24, posts_full, 2};
    /* 2026-12-02 08:30 +08:00 is 00:30 UTC */
    int64_t d = day("2026-12-02"), a, e;
    roster_shift_window(&dc, 0, d, &a, &e);
    assert_int_equal(a, d * 86400 + 30 * 60);
    assert_int_equal(e - a, 24 * 3600);
    assert_int_equal(roster_day_of(&dc, a), d);
    /* 07:00 Beijing time on the 2nd still belongs to the 1st's shift */
    size_t s;
    int64_t on;
    assert_true(roster_shift_at(&dc, a - 90 * 60, &s, &on));
    assert_int_equal(on, d - 1);
    assert_true(roster_shift_at(&dc, a, &s, &on));
    assert_int_equal(on, d);
    /* day and night shifts with a hole between them */
    shifts[0] = (struct duty_shift){"白班", 8 * 60, 10, posts_full, 2};
    shifts[1] = (struct duty_shift){"夜班", 20 * 60, 11, posts_night, 1};
    dc.n_shifts = 2;
    roster_shift_window(&dc, 1, d, &a, &e);
    assert_true(roster_shift_at(&dc, a + 10 * 3600, &s, &on)); /* 06:00 the next day */
    assert_int_equal(s, 1);
    assert_int_equal(on, d);
    assert_false(roster_shift_at(&dc, e + 30 * 60, &s, &on)); /* 07:30: nobody's shift */
    dc.n_shifts = 1;
    shifts[0] = (struct duty_shift){"全天", 8 * 60 + 30, 24, posts_full, 2};
}

static void rotations(void **state)
{
    (void)state;
    char *people[] = {"zhang", "wang", "zhao"};
    struct duty_rotation r = {.post = "值班员",
                              .people = people,
                              .n_people = 3,
                              .start_day = day("2026-11-29"),
                              .every = 1};
    assert_null(roster_rotation_person(&r, day("2026-11-28")));
    assert_string_equal(roster_rotation_person(&r, day("2026-11-29")), "zhang");
    assert_string_equal(roster_rotation_person(&r, day("2026-11-30")), "wang");
    assert_string_equal(roster_rotation_person(&r, day("2026-12-01")), "zhao"); /* month end */
    assert_string_equal(roster_rotation_person(&r, day("2026-12-02")), "zhang");
    r.every = 2;
    assert_string_equal(roster_rotation_person(&r, day("2026-11-30")), "zhang");
    assert_string_equal(roster_rotation_person(&r, day("2026-12-01")), "wang");
    assert_string_equal(roster_rotation_person(&r, day("2027-01-01")), "wang"); /* year end */
}

static void gaps(void **state)
{
    (void)state;
    int64_t d = day("2026-12-31");
    struct roster_slot slots[3] = {
        {.day = d, .shift = "全天", .post = "带班领导", .login = "li"},
        {.day = d, .shift = "全天", .post = "值班员", .login = "zhang"},
        {.day = d + 1, .shift = "全天", .post = "值班员", .login = "wang"},
    };
    size_t n;
    struct roster_gap *g = roster_gaps(&dc, slots, 3, d, d + 2, &n);
    assert_int_equal(n, 3);
    assert_int_equal(g[0].day, d + 1);
    assert_string_equal(g[0].post, "带班领导");
    assert_int_equal(g[1].day, d + 2);
    assert_int_equal(g[2].day, d + 2);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(days),
        cmocka_unit_test(windows),
        cmocka_unit_test(rotations),
        cmocka_unit_test(gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
