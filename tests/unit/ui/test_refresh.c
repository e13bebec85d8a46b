/* Unit tests for ui/refresh.c: which parts of the screen a commit by
 * another connection makes the console re-read. A commit that adds items
 * re-reads the feed and nothing of incidents, duty, alerts or views; a
 * commit that moves no mark re-reads nothing; the hidden panes wait for
 * the main screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ui_private.h"

#define AREA(a) (1u << STORE_AREA_##a)

static void items_only_rereads_the_feed(void **state)
{
    (void)state;
    unsigned deferred = 0;
    assert_int_equal(ui_refresh_plan(AREA(ITEMS), UI_SCREEN_MAIN, &deferred), UI_RELOAD_FEED);
    assert_int_equal(deferred, 0);
    /* with the source's health, as a fetch with new items moves it */
    assert_int_equal(ui_refresh_plan(AREA(ITEMS) | AREA(SOURCES), UI_SCREEN_MAIN, &deferred),
                     UI_RELOAD_FEED | UI_RELOAD_HEALTH);
}

static void nothing_shown_changed_rereads_nothing(void **state)
{
    (void)state;
    unsigned deferred = 0;
    for (int s = UI_SCREEN_MAIN; s <= UI_SCREEN_DIRECTORY; s++) {
        assert_int_equal(ui_refresh_plan(0, (enum ui_screen)s, &deferred), 0);
        assert_int_equal(deferred, 0);
    }
}

static void each_area_its_parts(void **state)
{
    (void)state;
    unsigned deferred = 0;
    assert_int_equal(ui_refresh_plan(AREA(SOURCES), UI_SCREEN_MAIN, &deferred), UI_RELOAD_HEALTH);
    assert_int_equal(ui_refresh_plan(AREA(EVENTS), UI_SCREEN_MAIN, &deferred),
                     UI_RELOAD_BOARD | UI_RELOAD_ALERTS);
    assert_int_equal(ui_refresh_plan(AREA(INCIDENTS), UI_SCREEN_MAIN, &deferred),
                     UI_RELOAD_INCIDENTS);
    assert_int_equal(ui_refresh_plan(AREA(DUTY), UI_SCREEN_MAIN, &deferred),
                     UI_RELOAD_DUTY | UI_RELOAD_INCIDENTS);
    assert_int_equal(ui_refresh_plan(AREA(DIRECTORY), UI_SCREEN_MAIN, &deferred), 0);
    assert_int_equal(ui_refresh_plan(AREA(DIRECTORY), UI_SCREEN_DIRECTORY, &deferred),
                     UI_RELOAD_VIEW);
    /* an open view is rebuilt when what it shows changed, not otherwise */
    assert_int_equal(ui_refresh_plan(AREA(INCIDENTS), UI_SCREEN_INCIDENTS, &deferred),
                     UI_RELOAD_INCIDENTS | UI_RELOAD_VIEW);
    assert_int_equal(ui_refresh_plan(AREA(ITEMS), UI_SCREEN_ROSTER, &deferred), 0);
    assert_int_equal(ui_refresh_plan(AREA(ITEMS), UI_SCREEN_EVENT, &deferred), UI_RELOAD_VIEW);
}

static void hidden_panes_wait_for_the_main_screen(void **state)
{
    (void)state;
    unsigned deferred = 0;
    /* new items and a moved event while the incident list covers the panes:
     * the header's alerts now, the feed and the board later */
    assert_int_equal(ui_refresh_plan(AREA(ITEMS), UI_SCREEN_INCIDENTS, &deferred), 0);
    assert_int_equal(deferred, UI_RELOAD_FEED);
    assert_int_equal(ui_refresh_plan(AREA(EVENTS), UI_SCREEN_INCIDENTS, &deferred),
                     UI_RELOAD_ALERTS | UI_RELOAD_VIEW);
    assert_int_equal(deferred, UI_RELOAD_FEED | UI_RELOAD_BOARD);
    /* back on the main screen, with no new commit */
    assert_int_equal(ui_refresh_plan(0, UI_SCREEN_MAIN, &deferred),
                     UI_RELOAD_FEED | UI_RELOAD_BOARD);
    assert_int_equal(deferred, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items_only_rereads_the_feed),
        cmocka_unit_test(nothing_shown_changed_rereads_nothing),
        cmocka_unit_test(each_area_its_parts),
        cmocka_unit_test(hidden_panes_wait_for_the_main_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
