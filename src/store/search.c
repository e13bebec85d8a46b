/* search.c: full-text search and the background index that serves it.
 *
 * Indexing is the most expensive step of ingestion, so it is kept off the
 * insert path: items commit and show at once, and store_index_step() (called
 * by the collector between fetches) adds them to the FTS5 index in batches.
 * fts_state.indexed_upto marks how far it has come. A search combines the
 * index (ids up to the mark) with a plain scan of the few items past it, so
 * a fresh item is found at once. Results come newest-collected first, the
 * order FTS5 can produce without sorting.
 *
 * Two FTS5 tables index the same items: items_fts holds bigrams and Latin
 * words (tokenizer jybigram) and answers most terms as phrases; items_chars
 * holds each CJK character without positions (jychar) and narrows the
 * searches no term of which the bigrams can answer ("警", "x警", "警,").
 * Archives hold both too (archive.c). items_chars came with schema 14: on a store indexed before,
 * it covers only ids above chars_state.floor, which store_index_step lowers to 0 (newest first)
 * once it has nothing new to index; below the floor a search falls back to scanning, as before
 * schema 14. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct term {
    char *text;   /* lower-cased (ASCII), sanitised */
    bool indexed; /* the index can find it: two CJK characters, or a Latin word */
    bool cjk;     /* it holds a CJK character, so items_chars can narrow it */
};

/* A term can be answered by the bigram index when the tokenizer makes at
 * least one token of it and it holds no CJK character standing alone (no
 * CJK neighbour inside the term): the index holds bigrams, and a lone
 * character is indexed only where it stood alone. The others go to
 * items_chars if they hold a CJK character; punctuation-only terms make no
 * token and are left to the scan filter. */
static bool term_indexable(const char *t)
{
    size_t len = strlen(t), i = 0;
    int run = 0;
    bool any = false;
    while (i <= len) {
        uint32_t cp = 0;
        size_t n = i < len ? utf8_decode(t + i, len - i, &cp) : 1;
        int cls = i < len ? store_token_class(cp) : 0;
        if (cls == 2) {
            run++;
        } else {
            if (run == 1)
                return false;
            run = 0;
        }
        if (cls != 0)
            any = true;
        i += n;
    }
    return any;
}

static bool term_has_cjk(const char *t)
{
    size_t len = strlen(t), i = 0;
    while (i < len) {
        uint32_t cp = 0;
        i += utf8_decode(t + i, len - i, &cp);
        if (store_token_class(cp) == 2)
            return true;
    }
    return false;
}

static void match_add(struct jy_buf *match, const char *tok, size_t len)
{
    jy_buf_puts(match, match->len ? " \"" : "\"");
    jy_buf_append(match, tok, len);
    jy_buf_puts(match, "\"");
}

/* The items_chars query for the terms, all required: for every term, each
 * pair of a letter or digit and a CJK character side by side (folded, as
 * the tokenizer jychar writes them), and each CJK character that is in no
 * such pair. Each is quoted on its own: jychar takes a query string as one
 * token. Positions are not kept; the substring check does the rest. */
static void chars_match(const struct term *terms, size_t n_terms, struct jy_buf *match)
{
    for (size_t k = 0; k < n_terms; k++) {
        const char *t = terms[k].text;
        size_t len = strlen(t), i = 0;
        int prev_cls = 0;
        uint32_t prev = 0;
        size_t prev_at = 0, prev_n = 0;
        bool prev_paired = false;
        while (i <= len) {
            uint32_t cp = 0;
            size_t n = i < len ? utf8_decode(t + i, len - i, &cp) : 1;
            int cls = i < len ? store_token_class(cp) : 0;
            bool paired = false;
            if (cls && prev_cls && cls != prev_cls) {
                char pair[8];
                size_t p = 0;
                if (prev_cls == 1) {
                    p = utf8_encode(store_token_fold(prev), pair);
                    memcpy(pair + p, t + i, n);
                    p += n;
                } else {
                    memcpy(pair, t + prev_at, prev_n);
                    p = prev_n + utf8_encode(store_token_fold(cp), pair + prev_n);
                }
                match_add(match, pair, p);
                paired = true;
                prev_paired = true;
            }
            /* a CJK character is settled once its right neighbour is seen */
            if (prev_cls == 2 && !prev_paired)
                match_add(match, t + prev_at, prev_n);
            prev_cls = cls;
            prev = cp;
            prev_at = i;
            prev_n = n;
            prev_paired = paired;
            i += n;
        }
    }
}

static size_t parse_terms(const char *query, struct term *terms, size_t max)
{
    char *q = utf8_sanitize(query, strlen(query), 0);
    size_t n = 0;
    char *p = q;
    while (*p && n < max) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *start, *end;
        if (*p == '"') {
            start = ++p;
            end = strchr(p, '"');
            if (!end)
                end = p + strlen(p);
            p = *end ? end + 1 : end;
        } else {
            start = p;
            end = strchr(p, ' ');
            if (!end)
                end = p + strlen(p);
            p = end;
        }
        if (end > start) {
            char *t = xstrndup(start, (size_t)(end - start));
            for (char *c = t; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c += 32;
            terms[n].text = t;
            terms[n].indexed = term_indexable(t);
            terms[n].cjk = term_has_cjk(t);
            n++;
        }
    }
    free(q);
    return n;
}

/* Runs one search query, appending its rows to out[*n..limit): items with
 * above < id < below, newest first, containing every term (as a substring,
 * case-insensitive for ASCII). With match, the FTS table fts (items_fts or
 * items_chars) finds the candidates (an FTS5 query); without, the items
 * table is scanned. */
static int search_run(struct store *st, const char *fts, const char *match, int64_t below,
                      int64_t above, const struct term *terms, size_t n_terms, size_t limit,
                      struct store_item *out, size_t *n, struct jy_error *err)
{
    struct jy_buf sql;
    jy_buf_init(&sql, 0);
    jy_buf_puts(&sql, "SELECT " STORE_ITEM_COLS);
    if (match)
        jy_buf_printf(&sql,
                      " FROM %s f JOIN items i ON i.id = f.rowid"
                      " JOIN sources s ON s.id = i.source_id"
                      " WHERE f.rowid < ?1 AND f.rowid > ?2 AND %s MATCH ?4",
                      fts, fts);
    else
        jy_buf_puts(&sql, " FROM items i JOIN sources s ON s.id = i.source_id"
                          " WHERE i.id < ?1 AND i.id > ?2");
    for (size_t k = 0; k < n_terms; k++)
        jy_buf_printf(&sql, " AND instr(lower(i.title || ' ' || i.content), ?%zu) > 0", k + 5);
    jy_buf_puts(&sql, match ? " ORDER BY f.rowid DESC LIMIT ?3" : " ORDER BY i.id DESC LIMIT ?3");

    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL);
    jy_buf_free(&sql);
    if (rc != SQLITE_OK)
        return store_db_error(st, err, "search");
    sqlite3_bind_int64(s, 1, below);
    sqlite3_bind_int64(s, 2, above);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit);
    if (match)
        sqlite3_bind_text(s, 4, match, -1, SQLITE_STATIC);
    for (size_t k = 0; k < n_terms; k++)
        sqlite3_bind_text(s, (int)k + 5, terms[k].text, -1, SQLITE_STATIC);
    while (*n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW)
        store_item_read_row(s, &out[(*n)++]);
    if (*n < limit && rc != SQLITE_DONE)
        rc = store_db_error(st, err, "search");
    else
        rc = 0;
    sqlite3_finalize(s);
    return rc;
}

static int indexed_upto(struct store *st, int64_t *upto, struct jy_error *err);

/* The index mark and the floor of items_chars (see the top of the file).
 * An archive has both (archive.c fills in the character index of one
 * written before schema 14 as the live file's is filled), except one
 * written before schema 14 and not yet opened by an archive run: no
 * chars_state, its floor is its mark, and a single character is scanned. */
static int index_state(struct store *st, int64_t *upto, int64_t *chars_floor, struct jy_error *err)
{
    /* kept prepared: every search and index step reads it first */
    sqlite3_stmt *s = store_stmt(st, STMT_INDEX_STATE,
                                 "SELECT f.indexed_upto, c.floor FROM fts_state f, chars_state c "
                                 "WHERE f.id = 1 AND c.id = 1",
                                 NULL);
    int rc = s ? sqlite3_step(s) : SQLITE_DONE;
    if (rc == SQLITE_ROW) {
        *upto = sqlite3_column_int64(s, 0);
        *chars_floor = sqlite3_column_int64(s, 1);
    }
    if (s)
        sqlite3_reset(s); /* ends the read */
    if (rc == SQLITE_ROW)
        return 0;
    if (s && rc != SQLITE_DONE)
        return store_db_error(st, err, "read index state");
    rc = indexed_upto(st, upto, err);
    *chars_floor = *upto;
    return rc;
}

static int indexed_upto(struct store *st, int64_t *upto, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT indexed_upto FROM fts_state WHERE id = 1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "read index state");
    int rc = sqlite3_step(s);
    *upto = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read index state");
}

#define MAX_TERMS 16
#define SEARCH_SCAN_WINDOW 200000

int store_search(struct store *st, const char *query, const struct store_cursor *older_than,
                 size_t limit, struct store_item **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    struct term terms[MAX_TERMS];
    size_t n_terms = parse_terms(query, terms, MAX_TERMS);
    if (n_terms == 0)
        return jy_error_set(err, JY_EINVAL, "empty search");
    int64_t upto, chars_floor;
    int rc = index_state(st, &upto, &chars_floor, err);
    if (rc)
        goto done;
    int64_t below = older_than ? older_than->id : INT64_MAX;
    struct store_item *items = xcalloc(limit ? limit : 1, sizeof *items);
    *out = items;

    struct jy_buf match;
    jy_buf_init(&match, 0);
    for (size_t i = 0; i < n_terms; i++) {
        if (!terms[i].indexed)
            continue;
        jy_buf_puts(&match, match.len ? " \"" : "\"");
        for (const char *c = terms[i].text; *c; c++)
            jy_buf_append(&match, c, *c == '"' ? 0 : 1);
        jy_buf_puts(&match, "\"");
    }

    /* 1: items past the index mark, by scanning (few: the index lag). */
    if (below > upto) {
        rc = search_run(st, NULL, NULL, below, upto, terms, n_terms, limit, items, n, err);
        below = upto + 1;
    }
    /* 2: the index narrows, and every term is then checked as a substring,
     * so an item is found by the same rule before and after indexing. */
    if (!rc && *n < limit) {
        if (match.len) {
            rc = search_run(st, "items_fts", match.data, below, 0, terms, n_terms, limit, items, n,
                            err);
        } else {
            /* no term the bigrams can answer (a single character, "x警"):
             * the character index narrows where it reaches ... */
            int64_t top = below; /* the scan window's, as before schema 13 */
            bool any_cjk = false;
            for (size_t i = 0; i < n_terms; i++)
                any_cjk = any_cjk || terms[i].cjk;
            if (any_cjk && below - 1 > chars_floor) {
                chars_match(terms, n_terms, &match);
                rc = search_run(st, "items_chars", match.data, below, chars_floor, terms, n_terms,
                                limit, items, n, err);
                below = chars_floor + 1;
            }
            /* ... and below it (punctuation only, or a store whose character
             * index is still being filled) a scan, but only of the newest
             * SEARCH_SCAN_WINDOW items, so a keypress stays cheap */
            if (!rc && *n < limit && below > 1) {
                if (top == INT64_MAX && (rc = store_items_max_id(st, &top, err)) == 0)
                    top++;
                int64_t window = st->scan_window > 0 ? st->scan_window : SEARCH_SCAN_WINDOW;
                int64_t floor = top > window ? top - window : 0;
                if (!rc && below > floor + 1)
                    rc = search_run(st, NULL, NULL, below, floor, terms, n_terms, limit, items, n,
                                    err);
            }
        }
    }
    jy_buf_free(&match);
    if (rc) {
        store_items_free(items, *n);
        *out = NULL;
        *n = 0;
    }
done:
    for (size_t i = 0; i < n_terms; i++)
        free(terms[i].text);
    return rc;
}

/* Runs one statement binding ?1 = a (and ?2 = b when it has it). */
static int index_exec(struct store *st, const char *sql, int64_t a, int64_t b, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "index");
    sqlite3_bind_int64(s, 1, a);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int64(s, 2, b);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "index");
}

/* The last id and the number of items of the next batch: ids above from,
 * ascending, or (down) ids up to from, descending. */
static int index_batch(struct store *st, int64_t from, bool down, int batch, int64_t *last,
                       int *count, struct jy_error *err)
{
    sqlite3_stmt *s;
    const char *sql = down ? "SELECT min(id), count(*) FROM (SELECT id FROM items WHERE id <= ?1 "
                             "ORDER BY id DESC LIMIT ?2)"
                           : "SELECT max(id), count(*) FROM (SELECT id FROM items WHERE id > ?1 "
                             "ORDER BY id LIMIT ?2)";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "index");
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int(s, 2, batch);
    *last = 0;
    *count = 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *last = sqlite3_column_int64(s, 0);
        *count = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "index");
}

/* New items go into both indexes. With none waiting, a batch of the items
 * below chars_state.floor (newest first) goes into items_chars, so a store
 * indexed before schema 13 gets its character index without a stall. */
int store_index_step(struct store *st, int batch, int *done, struct jy_error *err)
{
    *done = 0;
    int64_t upto, floor, last = 0, max_id = 0;
    /* the common case, nothing to do, takes no write lock */
    int rc = index_state(st, &upto, &floor, err);
    if (!rc)
        rc = store_items_max_id(st, &max_id, err);
    if (rc || (max_id <= upto && floor <= 0))
        return rc;
    if ((rc = store_begin(st, err)))
        return rc;
    if ((rc = store_fence_check(st, err)) || (rc = index_state(st, &upto, &floor, err)) ||
        (rc = index_batch(st, upto, false, batch, &last, done, err)))
        goto fail;
    if (*done > 0) {
        if ((rc = index_exec(st,
                             "INSERT INTO items_fts (rowid, title, content) SELECT id, title, "
                             "content FROM items WHERE id > ?1 AND id <= ?2",
                             upto, last, err)) ||
            (rc = index_exec(st,
                             "INSERT INTO items_chars (rowid, title, content) SELECT id, title, "
                             "content FROM items WHERE id > ?1 AND id <= ?2",
                             upto, last, err)) ||
            (rc = index_exec(st, "UPDATE fts_state SET indexed_upto = ?1 WHERE id = 1", last, 0,
                             err)))
            goto fail;
        return store_commit(st, err);
    }
    if (floor <= 0) {
        store_rollback(st);
        return 0;
    }
    int64_t lowest = 0;
    if ((rc = index_batch(st, floor, true, batch, &lowest, done, err)))
        goto fail;
    /* a short batch reached the oldest item: nothing is left below it */
    int64_t new_floor = *done < batch ? 0 : lowest - 1;
    if ((*done > 0 && (rc = index_exec(st,
                                       "INSERT INTO items_chars (rowid, title, content) SELECT id, "
                                       "title, content FROM items WHERE id >= ?1 AND id <= ?2",
                                       lowest, floor, err))) ||
        (rc = index_exec(st, "UPDATE chars_state SET floor = ?1 WHERE id = 1", new_floor, 0, err)))
        goto fail;
    return store_commit(st, err);
fail:
    store_rollback(st);
    *done = 0;
    return rc;
}

int store_index_lag(struct store *st, int64_t *pending, int64_t *oldest_fetched,
                    struct jy_error *err)
{
    int64_t upto;
    int rc = indexed_upto(st, &upto, err);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*), (SELECT fetched_at FROM items WHERE id > ?1 "
                           "ORDER BY id LIMIT 1) FROM items WHERE id > ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "index lag");
    sqlite3_bind_int64(s, 1, upto);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return store_db_error(st, err, "index lag");
    }
    *pending = sqlite3_column_int64(s, 0);
    if (oldest_fetched)
        *oldest_fetched = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    return 0;
}

int store_chars_left(struct store *st, int64_t *left, struct jy_error *err)
{
    int64_t upto = 0, floor = 0;
    *left = 0;
    int rc = index_state(st, &upto, &floor, err);
    if (rc || floor <= 0)
        return rc;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM items WHERE id <= ?1", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "character index");
    sqlite3_bind_int64(s, 1, floor);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return store_db_error(st, err, "character index");
    }
    *left = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return 0;
}
