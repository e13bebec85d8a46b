/*
 * refresh: what a console re-reads when another connection commits. The
 * store keeps a change mark per area (store_marks_read); the areas that
 * moved decide which parts of the screen are re-queried, and only the parts
 * that can be seen now: the feed and the risk board wait while a view
 * covers them, and are re-read when the main screen shows again. The
 * header (waiting alerts, overdue incidents, people on duty, dark sources)
 * is always visible. A commit that moves no mark (a lease heartbeat, the
 * index catching up) re-reads nothing. Pure: tested without a terminal.
 */
#include "ui_private.h"

#define AREA(a) (1u << STORE_AREA_##a)

/* The areas an open view's text is built from. */
static unsigned view_areas(enum ui_screen screen)
{
    switch (screen) {
    case UI_SCREEN_SOURCES:
        return AREA(SOURCES) | AREA(EVENTS);
    case UI_SCREEN_EVENT:
        return AREA(ITEMS) | AREA(EVENTS) | AREA(INCIDENTS) | AREA(DUTY);
    case UI_SCREEN_INCIDENTS:
    case UI_SCREEN_INCIDENT:
        return AREA(EVENTS) | AREA(INCIDENTS) | AREA(DUTY);
    case UI_SCREEN_KPI:
        return AREA(EVENTS) | AREA(INCIDENTS);
    case UI_SCREEN_ROSTER:
        return AREA(DUTY) | AREA(EVENTS) | AREA(INCIDENTS);
    case UI_SCREEN_DIRECTORY:
        return AREA(DIRECTORY) | AREA(DUTY);
    default: /* the main screen's panes are not a view; the pager, help and
              * a form are not rebuilt under the officer's eyes */
        return 0;
    }
}

unsigned ui_refresh_plan(unsigned areas, enum ui_screen screen, unsigned *deferred)
{
    unsigned want = 0;
    if (areas & AREA(ITEMS))
        want |= UI_RELOAD_FEED;
    if (areas & AREA(SOURCES))
        want |= UI_RELOAD_HEALTH;
    if (areas & AREA(EVENTS))
        want |= UI_RELOAD_BOARD | UI_RELOAD_ALERTS;
    if (areas & AREA(INCIDENTS))
        want |= UI_RELOAD_INCIDENTS;
    if (areas & AREA(DUTY))
        want |= UI_RELOAD_DUTY | UI_RELOAD_INCIDENTS; /* names on the incidents */
    if (areas & view_areas(screen))
        want |= UI_RELOAD_VIEW;
    want |= *deferred;
    if (screen != UI_SCREEN_MAIN) { /* the panes are hidden: later */
        *deferred = want & (UI_RELOAD_FEED | UI_RELOAD_BOARD);
        want &= ~(UI_RELOAD_FEED | UI_RELOAD_BOARD);
    } else {
        *deferred = 0;
    }
    return want;
}
