/* store_int.h: private to src/store. The connection object and the
 * statement cache shared by the store's files. */
#ifndef JY_STORE_INT_H
#define JY_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

enum stmt_id {
    STMT_DATA_VERSION,
    STMT_MARKS,
    STMT_ITEM_INSERT,
    STMT_ITEM_INSERT_JUDGED,
    STMT_ITEM_EXISTS,
    STMT_SOURCE_OK,
    STMT_SOURCE_FAIL,
    STMT_SOURCE_NEW_ITEM,
    STMT_SOURCE_GET,
    STMT_SOURCE_SYNC,
    STMT_FENCE,
    STMT_PAGE_NEWEST,
    STMT_PAGE_OLDER,
    STMT_PAGE_NEWER,
    STMT_PAGE_TAIL,
    STMT_ITEM_GET,
    STMT_MAX_ID,
    STMT_DUP_SOURCES,
    STMT_ANALYSIS_INSERT,
    STMT_ITEM_VERDICT,
    STMT_DUPS_BUMP,
    STMT_EVENT_UPSERT,
    STMT_EVENT_STATE_UPSERT,
    STMT_EVENT_STATE_DELETE,
    STMT_ALERT_INSERT,
    STMT_EVENT_HOURLY,
    STMT_FIRST_COPY_PUT,
    STMT_FIRST_COPY_PUT_LOOKUP,
    STMT_FIRST_COPY_DELETE,
    STMT_FIRST_COPY_TEXT,
    STMT_INDEX_STATE,
    STMT_COUNT
};

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmts[STMT_COUNT];
    char *fence_host; /* see store_lease_fence; NULL: no fence */
    int fence_pid;
    struct analyzer *an; /* see store_set_analyzer; NULL: items are not analysed */
    /* or made on first need (store_set_analyzer_factory) */
    int (*an_make)(void *ctx, struct analyzer **out, struct jy_error *err);
    void *an_make_ctx;
    const struct analysis_config *an_cfg;
    bool an_dirty;    /* the analyzer's memory may hold what a rollback undid */
    bool text_failed; /* a first copy's text could not be read (see first_copy_text) */
    /* Events touched since the last store_analysis_flush, one entry per item,
     * with the level an item raised an alert for (0: none). */
    struct store_pending {
        int64_t event_id;
        int alert_level;
        size_t seq;
    } * pend;
    size_t n_pend, cap_pend;
    int64_t pend_now; /* the time of the writes that left them (their rows' updated_at) */
    /* Inside store_tx_begin/commit, events are written once, at the commit.
     * A write that fails in between, after others left events to write,
     * undoes its own part but leaves the analyzer knowing more than the
     * database: the transaction can then only be rolled back. */
    bool tx_lost;
    /* an analysis row's JSON columns (topics, schemes, terms), reused */
    struct jy_buf json;
    int64_t reader; /* whose read marks item rows show (jy_reader() in SQL); 0: nobody's */
    /* how many of the newest items a search scans where no index answers;
     * 0: SEARCH_SCAN_WINDOW (unit tests shrink it to see the index work) */
    int64_t scan_window;
};

/* Whether stored items are analysed (now, or by an analyzer made on first
 * need). */
#define STORE_ANALYSING(st) ((st)->an || (st)->an_make)

/* Inserts the items of r that the source does not hold yet, each analysed
 * first so that its row is written once with its verdict, and stores their
 * analyses, inside the caller's transaction (needs an analyzer). ids[i]
 * gets the new item's id, 0 for an item the source already held;
 * *inserted counts the new ones. The events they touched are written now,
 * or with defer_events left for store_tx_commit. */
int store_insert_analysed(struct store *st, int64_t source_id, const struct fetch_result *r,
                          int64_t now, bool defer_events, size_t *inserted, int64_t *ids,
                          struct jy_error *err);

/* Binds an item's verdict (duplicate of, event: NULL when none; sentiment)
 * to ?first..?first+2 of an items statement. */
void store_bind_verdict(sqlite3_stmt *s, int first, const struct an_result *r);
/* items.c's two halves of that: whether the source holds an item with that
 * guid, and the insert of a new item under a given id with its verdict. */
int store_item_exists(struct store *st, int64_t source_id, const char *guid, bool *exists,
                      struct jy_error *err);
int store_item_insert_judged(struct store *st, int64_t source_id, const struct feed_item *it,
                             int64_t now, const struct an_result *verdict, struct jy_error *err);

/* The parameter that holds "now" in statements that judge silences: a
 * fixed number past every other parameter (a named one would take the
 * number after the highest used before it, and collide with a ?1 that comes
 * later in the text). */
#define STORE_NOW_PARAM 20
#define STORE_NOW "?20"
/* SQL: a silence in force at STORE_NOW, on the silences row named s. */
#define SILENCE_ACTIVE(s)                                                                          \
    s ".expired_at IS NULL AND " s ".created_at <= " STORE_NOW " AND " s ".until > " STORE_NOW

/* grading.c: the model's level of an event (0 when ungraded or no event),
 * and the grading label a 研判 save leaves (inside the caller's
 * transaction): stored when officer_level differs from the event's model
 * level, removed when it agrees; nothing for an ungraded event. */
int store_grading_model_level(struct store *st, int64_t event_id, int *level, struct jy_error *err);
int store_grading_record(struct store *st, const char *who, int64_t incident_id, int64_t event_id,
                         int officer_level, const char *reason, int64_t now, struct jy_error *err);

/* 0 when no fence is set or the fence's holder still holds the lease;
 * JY_EBUSY otherwise. Call inside a write transaction. */
int store_fence_check(struct store *st, struct jy_error *err);

/* Returns the cached statement for id (preparing sql on first use), reset
 * and with bindings cleared; NULL with err set on failure. */
sqlite3_stmt *store_stmt(struct store *st, enum stmt_id id, const char *sql, struct jy_error *err);
int store_db_error(struct store *st, struct jy_error *err, const char *what);
int store_exec(struct store *st, const char *sql, struct jy_error *err);
int store_begin(struct store *st, struct jy_error *err); /* BEGIN IMMEDIATE */
/* A write that is its own transaction, or a savepoint inside the caller's;
 * store_write_end commits (or rolls back when rc != 0) and returns rc. */
int store_write_begin(struct store *st, bool *nested, struct jy_error *err);
int store_write_end(struct store *st, bool nested, int rc, struct jy_error *err);
/* Runs sql (an UPDATE or DELETE on ?1) with id bound. */
int store_exec_id(struct store *st, const char *sql, int64_t id, struct jy_error *err);
int store_commit(struct store *st, struct jy_error *err);
void store_rollback(struct store *st);
char *store_col_text(sqlite3_stmt *s, int col); /* xstrdup or NULL */

int store_tokenizer_register(sqlite3 *db, struct jy_error *err);
/* How the tokenizer sees a code point: 0 separator, 1 part of a word
 * (Latin, digits, other letters), 2 CJK (indexed as bigrams). */
int store_token_class(uint32_t cp);
/* The code point as the tokenizers index it (fullwidth ASCII to ASCII,
 * lower case). */
uint32_t store_token_fold(uint32_t cp);

/* The columns of a store_item (without content), in the order
 * store_item_read_row expects; items are "i", sources "s". */
#define STORE_ITEM_COLS                                                                            \
    "i.id, i.source_id, s.name, i.guid, i.link, i.title, i.author, i.published_at, "               \
    "i.fetched_at, i.sort_at, i.date_missing, "                                                    \
    "EXISTS (SELECT 1 FROM item_reads r WHERE r.item_id = i.id AND r.person_id = jy_reader()), "   \
    "i.sentiment IS NOT NULL, "                                                                    \
    "coalesce((SELECT d.n FROM item_dups d WHERE d.item_id = i.id), 0), "                          \
    "i.dup_of, i.event_id, coalesce(i.sentiment, 0), "                                             \
    "coalesce((SELECT l.label FROM labels l WHERE l.item_id = i.id), 2)"
#define STORE_ITEM_NCOLS 18
void store_item_read_row(sqlite3_stmt *s, struct store_item *it);

/* Registers jy_reader() (whose read marks item rows show) on st's
 * connection: store_open does, and so must any other opener whose SQL
 * reads item rows. */
int store_register_reader(struct store *st, struct jy_error *err);

#endif
