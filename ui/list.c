/*
 * list: the window of rows behind the feed pane (and search results). The
 * store pages by keyset (sort_at, id), so the window keeps only the rows
 * around the view: moving past its edge fetches one more page from the
 * cursor at that edge, and rows more than a page away are dropped. Nothing
 * here ever counts or loads a whole table, which keeps a keypress fast with
 * a million items.
 */
#include <stdlib.h>
#include <string.h>

#include "ui_private.h"

static size_t page_size(const struct ui_list *l)
{
    return l->height > 0 ? (size_t)l->height : 1;
}

void ui_list_init(struct ui_list *l, const struct ui_list_src *src, int height)
{
    memset(l, 0, sizeof *l);
    l->src = *src;
    l->height = height;
}

static void set_rows(struct ui_list *l, struct store_item *rows, size_t n)
{
    if (l->rows)
        l->src.free_rows(l->rows, l->n);
    l->rows = rows;
    l->n = n;
}

void ui_list_free(struct ui_list *l)
{
    set_rows(l, NULL, 0);
    l->top = l->sel = 0;
}

void ui_list_set_height(struct ui_list *l, int height)
{
    l->height = height;
    size_t h = page_size(l);
    if (l->sel >= l->top + h)
        l->top = l->sel - h + 1;
    if (l->sel < l->top)
        l->top = l->sel;
}

const struct store_item *ui_list_selected(const struct ui_list *l)
{
    return l->n ? &l->rows[l->sel] : NULL;
}

static struct store_cursor cursor_of(const struct store_item *it)
{
    return (struct store_cursor){it->sort_at, it->id};
}

/* A cursor just newer than it, so that "strictly older" includes it. */
static struct store_cursor cursor_at(const struct store_item *it)
{
    return (struct store_cursor){it->sort_at, it->id + 1};
}

int ui_list_home(struct ui_list *l, struct jy_error *err)
{
    size_t limit = 2 * page_size(l);
    struct store_item *rows = NULL;
    size_t n = 0;
    int rc = l->src.page(l->src.ctx, NULL, true, limit, &rows, &n, err);
    if (rc)
        return rc;
    set_rows(l, rows, n);
    l->top = l->sel = 0;
    l->at_newest = true;
    l->at_oldest = n < limit;
    return 0;
}

int ui_list_end(struct ui_list *l, struct jy_error *err)
{
    if (!l->src.tail) {
        if (l->n)
            return ui_list_move(l, (long)(l->n - 1 - l->sel), false, err);
        return 0;
    }
    size_t limit = 2 * page_size(l);
    struct store_item *rows = NULL;
    size_t n = 0;
    int rc = l->src.tail(l->src.ctx, limit, &rows, &n, err);
    if (rc)
        return rc;
    set_rows(l, rows, n);
    l->at_oldest = true;
    l->at_newest = n < limit;
    l->sel = n ? n - 1 : 0;
    l->top = n > page_size(l) ? n - page_size(l) : 0;
    return 0;
}

static int fetch_older(struct ui_list *l, size_t want, struct jy_error *err)
{
    if (l->at_oldest || !l->n)
        return 0;
    struct store_cursor c = cursor_of(&l->rows[l->n - 1]);
    struct store_item *rows = NULL;
    size_t n = 0;
    int rc = l->src.page(l->src.ctx, &c, true, want, &rows, &n, err);
    if (rc)
        return rc;
    if (n < want)
        l->at_oldest = true;
    if (n) {
        l->rows = xrealloc(l->rows, (l->n + n) * sizeof *l->rows);
        memcpy(l->rows + l->n, rows, n * sizeof *rows);
        l->n += n;
    }
    free(rows); /* the strings moved into l->rows */
    return 0;
}

static int fetch_newer(struct ui_list *l, size_t want, struct jy_error *err)
{
    if (l->at_newest || !l->n || !l->src.can_newer)
        return 0;
    struct store_cursor c = cursor_of(&l->rows[0]);
    struct store_item *rows = NULL;
    size_t n = 0;
    int rc = l->src.page(l->src.ctx, &c, false, want, &rows, &n, err);
    if (rc)
        return rc;
    if (n < want)
        l->at_newest = true;
    if (n) {
        struct store_item *all = xmalloc((l->n + n) * sizeof *all);
        memcpy(all, rows, n * sizeof *rows);
        memcpy(all + n, l->rows, l->n * sizeof *l->rows);
        free(l->rows);
        l->rows = all;
        l->n += n;
        l->top += n;
        l->sel += n;
    }
    free(rows);
    return 0;
}

/* Frees rows[from, from+count) and closes the gap. free_rows frees a whole
 * array, so the dropped rows are moved into one of their own first. */
static void drop_rows(struct ui_list *l, size_t from, size_t count)
{
    if (!count)
        return;
    struct store_item *gone = xmalloc(count * sizeof *gone);
    memcpy(gone, l->rows + from, count * sizeof *gone);
    memmove(l->rows + from, l->rows + from + count, (l->n - from - count) * sizeof *l->rows);
    l->n -= count;
    l->src.free_rows(gone, count);
}

/* Keeps at most a page of rows beyond each side of the view. Search results
 * cannot be fetched newer again, so their front is kept. */
static void trim(struct ui_list *l)
{
    size_t h = page_size(l);
    if (l->src.can_newer && l->top > h) {
        size_t drop = l->top - h;
        drop_rows(l, 0, drop);
        l->top -= drop;
        l->sel -= drop;
        l->at_newest = false;
    }
    if (l->n > l->top + 2 * h) {
        drop_rows(l, l->top + 2 * h, l->n - (l->top + 2 * h));
        l->at_oldest = false;
    }
}

int ui_list_move(struct ui_list *l, long delta, bool page, struct jy_error *err)
{
    if (!l->n)
        return 0;
    size_t h = page_size(l);
    long target = (long)l->sel + delta;
    int rc = 0;
    if (target >= (long)l->n) {
        size_t want = (size_t)target - l->n + 1;
        rc = fetch_older(l, want > h ? want : h, err);
    } else if (target < 0) {
        size_t before = l->sel;
        size_t want = (size_t)-target;
        rc = fetch_newer(l, want > h ? want : h, err);
        target += (long)(l->sel - before);
    }
    if (target >= (long)l->n)
        target = (long)l->n - 1;
    if (target < 0)
        target = 0;
    if (page) {
        long top = (long)l->top + delta;
        long max_top = l->n > h ? (long)(l->n - h) : 0;
        if (top > max_top)
            top = max_top;
        if (top < 0)
            top = 0;
        l->top = (size_t)top;
    }
    l->sel = (size_t)target;
    if (l->sel < l->top)
        l->top = l->sel;
    if (l->sel >= l->top + h)
        l->top = l->sel - h + 1;
    trim(l);
    return rc;
}

int ui_list_refresh(struct ui_list *l, struct jy_error *err)
{
    size_t h = page_size(l);
    if (!l->n || (l->at_newest && l->top == 0)) {
        /* At the top: show the newest. The selection follows the newest row
         * when it was on it, otherwise it stays on its item. */
        int64_t keep = l->n && l->sel > 0 ? l->rows[l->sel].id : 0;
        size_t old_sel = l->sel;
        int rc = ui_list_home(l, err);
        if (rc)
            return rc;
        if (keep) {
            size_t i = 0;
            while (i < l->n && l->rows[i].id != keep)
                i++;
            l->sel = i < l->n ? i : (old_sel < l->n ? old_sel : (l->n ? l->n - 1 : 0));
            if (l->sel >= h)
                l->top = l->sel - h + 1;
        }
        return 0;
    }
    /* Scrolled: re-query from the first visible row down, as many rows as
     * the window holds from there. */
    int64_t keep = l->rows[l->sel].id;
    size_t offset = l->sel - l->top;
    struct store_cursor c = cursor_at(&l->rows[l->top]);
    size_t limit = l->n - l->top > 2 * h ? l->n - l->top : 2 * h;
    struct store_item *rows = NULL;
    size_t n = 0;
    int rc = l->src.page(l->src.ctx, &c, true, limit, &rows, &n, err);
    if (rc)
        return rc;
    set_rows(l, rows, n);
    l->at_newest = false; /* rows above the view were dropped */
    l->at_oldest = n < limit;
    l->top = 0;
    size_t i = 0;
    while (i < n && rows[i].id != keep)
        i++;
    if (i < n) {
        l->sel = i;
        l->top = i >= offset ? i - offset : 0;
    } else {
        l->sel = offset < n ? offset : (n ? n - 1 : 0);
    }
    if (!n && !l->at_newest)
        return ui_list_home(l, err); /* everything below vanished: start over */
    return 0;
}
