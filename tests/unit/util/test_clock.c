/* test_clock.c: the fake clock (JINGYU_FAKE_NOW) is a test hook. Built
 * twice from src/util/time.c: without JY_TEST_HOOKS, as an installed
 * binary is, the variable must change nothing; with it, it sets the time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "util/util.h"

static void test_fake_now(void **state)
{
    (void)state;
    int64_t real = jy_now();
    assert_true(real > 1700000000);
    setenv("JINGYU_FAKE_NOW", "12345", 1);
#ifdef JY_TEST_HOOKS
    assert_int_equal(jy_now(), 12345);
#else
    int64_t t = jy_now();
    assert_true(t >= real && t < real + 60);
#endif
    unsetenv("JINGYU_FAKE_NOW");
}

/* "SECONDS+": starts at SECONDS and runs with the monotonic clock. */
static void test_fake_now_running(void **state)
{
    (void)state;
    int64_t real = jy_now();
    (void)real;
    setenv("JINGYU_FAKE_NOW", "12345+", 1);
#ifdef JY_TEST_HOOKS
    int64_t t0 = jy_now();
    assert_true(t0 >= 12345 && t0 <= 12346);
    struct timespec ts = {1, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int64_t t1 = jy_now();
    assert_true(t1 >= t0 + 1 && t1 <= t0 + 3);
#else
    int64_t t = jy_now();
    assert_true(t >= real && t < real + 60);
#endif
    unsetenv("JINGYU_FAKE_NOW");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_fake_now),
                                       cmocka_unit_test(test_fake_now_running)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
