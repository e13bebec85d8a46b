/* Unit tests for ui/list.c, the window of rows behind the feed pane. A fake
 * keyset-paged source (same contract as store_items_page/_tail: newest
 * first, cursors exclusive) counts what is queried, so the tests check both
 * what the user sees (which row is selected, which rows are visible) and
 * that only pages around the view are ever fetched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ui_private.h"

/* Items 1..n with sort_at = 10 * id (a newer id is newer). */
struct fake {
    int64_t n;
    size_t queries, rows_fetched, max_limit;
    size_t live; /* rows handed out and not yet freed */
};

static bool older_than(int64_t id, const struct store_cursor *c)
{
    int64_t s = 10 * id;
    return s < c->sort_at || (s == c->sort_at && id < c->id);
}

static bool newer_than(int64_t id, const struct store_cursor *c)
{
    int64_t s = 10 * id;
    return s > c->sort_at || (s == c->sort_at && id > c->id);
}

static void fill(struct fake *f, struct store_item *it, int64_t id)
{
    memset(it, 0, sizeof *it);
    it->id = id;
    it->sort_at = 10 * id;
    it->title = xasprintf("item %lld", (long long)id);
    f->live++;
}

static int fake_page(void *ctx, const struct store_cursor *from, bool older, size_t limit,
                     struct store_item **out, size_t *n, struct jy_error *err)
{
    (void)err;
    struct fake *f = ctx;
    f->queries++;
    if (limit > f->max_limit)
        f->max_limit = limit;
    struct store_item *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    if (!from || older) {
        for (int64_t id = f->n; id >= 1 && k < limit; id--)
            if (!from || older_than(id, from))
                fill(f, &v[k++], id);
    } else {
        /* the `limit` rows just newer than from, returned newest first */
        int64_t lo = 0;
        for (int64_t id = 1; id <= f->n; id++)
            if (newer_than(id, from)) {
                lo = id;
                break;
            }
        if (lo) {
            int64_t hi = lo + (int64_t)limit - 1 > f->n ? f->n : lo + (int64_t)limit - 1;
            for (int64_t id = hi; id >= lo; id--)
                fill(f, &v[k++], id);
        }
    }
    f->rows_fetched += k;
    *out = v;
    *n = k;
    return 0;
}

static int fake_tail(void *ctx, size_t limit, struct store_item **out, size_t *n,
                     struct jy_error *err)
{
    (void)err;
    struct fake *f = ctx;
    f->queries++;
    size_t k = (size_t)f->n < limit ? (size_t)f->n : limit;
    struct store_item *v = xcalloc(k ? k : 1, sizeof *v);
    for (size_t i = 0; i < k; i++)
        fill(f, &v[i], (int64_t)k - (int64_t)i);
    f->rows_fetched += k;
    *out = v;
    *n = k;
    return 0;
}

static struct fake *current;

static void fake_free(struct store_item *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].title);
    current->live -= n;
    free(rows);
}

static void setup_list(struct ui_list *l, struct fake *f, int64_t n, int h, bool can_newer)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    current = f;
    struct ui_list_src src = {.ctx = f,
                              .page = fake_page,
                              .tail = can_newer ? fake_tail : NULL,
                              .free_rows = fake_free,
                              .can_newer = can_newer};
    ui_list_init(l, &src, h);
    assert_int_equal(ui_list_home(l, NULL), 0);
}

static int64_t selected(const struct ui_list *l)
{
    const struct store_item *it = ui_list_selected(l);
    return it ? it->id : -1;
}

static int64_t first_visible(const struct ui_list *l)
{
    return l->rows[l->top].id;
}

static void home_shows_newest(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 1000000, 10, true);
    assert_int_equal(selected(&l), 1000000);
    assert_int_equal(first_visible(&l), 1000000);
    assert_true(l.n <= 20); /* never the table */
    ui_list_free(&l);
    assert_int_equal(f.live, 0);
}

static void walking_a_million_rows_keeps_a_small_window(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 1000000, 10, true);
    for (int i = 0; i < 500; i++) {
        assert_int_equal(ui_list_move(&l, 10, true, NULL), 0);
        assert_true(l.n <= 30);
        assert_true(l.sel >= l.top && l.sel < l.top + 10);
    }
    assert_int_equal(selected(&l), 1000000 - 5000);
    assert_true(f.max_limit <= 20);
    /* and back up, one row at a time past the window's front */
    for (int i = 0; i < 25; i++)
        assert_int_equal(ui_list_move(&l, -1, false, NULL), 0);
    assert_int_equal(selected(&l), 1000000 - 5000 + 25);
    assert_true(l.sel >= l.top && l.sel < l.top + 10);
    for (size_t i = 1; i < l.n; i++) /* contiguous, newest first */
        assert_int_equal(l.rows[i].id, l.rows[i - 1].id - 1);
    assert_true(f.rows_fetched < 6000);
    ui_list_free(&l);
    assert_int_equal(f.live, 0);
}

static void end_and_edges(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 1000000, 10, true);
    assert_int_equal(ui_list_end(&l, NULL), 0);
    assert_int_equal(selected(&l), 1); /* the oldest */
    assert_int_equal(ui_list_move(&l, 5, false, NULL), 0);
    assert_int_equal(selected(&l), 1); /* cannot go past it */
    assert_int_equal(ui_list_move(&l, -30, false, NULL), 0);
    assert_int_equal(selected(&l), 31);
    assert_int_equal(ui_list_move(&l, -1000, true, NULL), 0);
    assert_int_equal(selected(&l), 1031);
    assert_int_equal(ui_list_home(&l, NULL), 0);
    assert_int_equal(ui_list_move(&l, -1, false, NULL), 0);
    assert_int_equal(selected(&l), 1000000); /* cannot go before the newest */
    ui_list_free(&l);

    setup_list(&l, &f, 3, 10, true); /* fewer rows than the screen */
    assert_int_equal(ui_list_move(&l, 10, true, NULL), 0);
    assert_int_equal(selected(&l), 1);
    assert_int_equal(l.top, 0);
    ui_list_free(&l);

    setup_list(&l, &f, 0, 10, true); /* empty */
    assert_null(ui_list_selected(&l));
    assert_int_equal(ui_list_move(&l, 1, false, NULL), 0);
    assert_int_equal(ui_list_end(&l, NULL), 0);
    assert_null(ui_list_selected(&l));
    ui_list_free(&l);
}

static void new_items_appear_at_the_top(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 100, 10, true);
    f.n = 103; /* another process stored three */
    assert_int_equal(ui_list_refresh(&l, NULL), 0);
    assert_int_equal(first_visible(&l), 103);
    assert_int_equal(selected(&l), 103); /* the selection follows the newest */

    assert_int_equal(ui_list_move(&l, 2, false, NULL), 0);
    assert_int_equal(selected(&l), 101);
    f.n = 105;
    assert_int_equal(ui_list_refresh(&l, NULL), 0);
    assert_int_equal(first_visible(&l), 105);
    assert_int_equal(selected(&l), 101); /* it stays on its item */
    ui_list_free(&l);
}

static void scrolled_view_stays_put(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 1000, 10, true);
    assert_int_equal(ui_list_move(&l, 50, true, NULL), 0);
    int64_t sel = selected(&l), top = first_visible(&l);
    size_t queries = f.queries;
    f.n = 1200;
    assert_int_equal(ui_list_refresh(&l, NULL), 0);
    assert_int_equal(f.queries, queries + 1); /* one page, from the view */
    assert_int_equal(selected(&l), sel);
    assert_int_equal(first_visible(&l), top);
    /* moving up again reaches the new items */
    assert_int_equal(ui_list_home(&l, NULL), 0);
    assert_int_equal(selected(&l), 1200);
    ui_list_free(&l);
}

static void search_results_load_older_hits(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 45, 10, false); /* a search: pages only go older */
    assert_int_equal(l.n, 20);
    assert_false(l.at_oldest);
    for (int i = 0; i < 44; i++)
        assert_int_equal(ui_list_move(&l, 1, false, NULL), 0);
    assert_int_equal(selected(&l), 1);
    assert_true(l.at_oldest);
    assert_int_equal(l.n, 45); /* the front is kept: it cannot be fetched again */
    assert_int_equal(ui_list_end(&l, NULL), 0);
    assert_int_equal(selected(&l), 1);
    for (int i = 0; i < 44; i++)
        assert_int_equal(ui_list_move(&l, -1, false, NULL), 0);
    assert_int_equal(selected(&l), 45);
    ui_list_free(&l);
    assert_int_equal(f.live, 0);
}

static void resize_keeps_selection_visible(void **state)
{
    (void)state;
    struct fake f;
    struct ui_list l;
    setup_list(&l, &f, 100, 20, true);
    assert_int_equal(ui_list_move(&l, 15, false, NULL), 0);
    ui_list_set_height(&l, 5);
    assert_true(l.sel >= l.top && l.sel < l.top + 5);
    assert_int_equal(selected(&l), 85);
    ui_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(home_shows_newest),
        cmocka_unit_test(walking_a_million_rows_keeps_a_small_window),
        cmocka_unit_test(end_and_edges),
        cmocka_unit_test(new_items_appear_at_the_top),
        cmocka_unit_test(scrolled_view_stays_put),
        cmocka_unit_test(search_results_load_older_hits),
        cmocka_unit_test(resize_keeps_selection_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
