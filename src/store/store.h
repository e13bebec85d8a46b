/*
 * store: the one SQLite file every process shares. It owns the connection
 * (WAL, synchronous=NORMAL, foreign keys, busy_timeout), the schema and its
 * migrations, every SQL statement in jingyu, the background full-text index
 * (a CJK-bigram FTS5 tokenizer), the collector lease, and change detection
 * through PRAGMA data_version. A struct store is one connection and is used
 * by one thread at a time. Queries are paged and indexed: nothing here loads
 * a whole table.
 */
#ifndef JY_STORE_H
#define JY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analyze/analyze.h"
#include "config/config.h"
#include "incident/incident.h"
#include "roster/roster.h"
#include "parse/parse.h"
#include "util/util.h"

#define STORE_SCHEMA_VERSION 15

struct store;

/* Opens (creating if needed) and migrates. A database whose schema is newer
 * than this binary is refused with JY_EVERSION. */
int store_open(const char *path, struct store **out, struct jy_error *err);
/* Opens for reading only (a --read-only console): SQLITE_OPEN_READONLY and
 * query_only, no migration, no change of journal mode: nothing is written.
 * A file whose schema is older or newer than this binary is refused with
 * JY_EVERSION and a message saying so. */
int store_open_readonly(const char *path, struct store **out, struct jy_error *err);
/* Before the first store_open of a process: creates the database's folder
 * (0700, or 2770 owned by group) and the database (0600, or 0660 owned by
 * group; SQLite gives -wal and -shm its mode) when they are missing, and
 * fills *warnings (n strings, the caller frees them) with each of them
 * found more open than that. group NULL: owner only. */
int store_files_prepare(const char *db, const char *group, char ***warnings, size_t *n,
                        struct jy_error *err);
/* The id of group (files.group); JY_ECONFIG when there is none. */
int store_files_group(const char *group, gid_t *gid, struct jy_error *err);
void store_close(struct store *st);
int store_schema_version(struct store *st, int *version);

/* Groups several writes (e.g. the fetches that finished in one collector
 * turn) into one transaction: one commit instead of many. Writes made in
 * between nest as savepoints, so each still succeeds or fails whole; the
 * events their analyses touched are written once, by store_tx_commit. A
 * write that fails after others analysed items leaves the analyzer knowing
 * more than the database: store_tx_commit then undoes the whole
 * transaction and returns JY_ESTATE, and the writes are to be made again,
 * one transaction each. */
int store_tx_begin(struct store *st, struct jy_error *err);
int store_tx_commit(struct store *st, struct jy_error *err);
void store_tx_rollback(struct store *st);

/* ---- sources ------------------------------------------------------------ */

enum source_state {
    SOURCE_NEW, /* never fetched yet */
    SOURCE_OK,
    SOURCE_FAILING, /* the last attempt failed */
    SOURCE_DARK,    /* fetches work but nothing new for dark_after intervals */
    SOURCE_DISABLED
};

struct store_source {
    int64_t id;
    char *name;
    char *type;        /* "feed", "file-drop", "replay" */
    char *url;         /* url or path */
    char *media_level; /* "central", ... */
    char *region;
    bool enabled; /* config's enabled AND not disabled from the console */
    int interval;
    int64_t last_attempt, last_success; /* 0 = never */
    int last_status;                    /* HTTP status of the last attempt, 0 if none */
    int failures;                       /* consecutive failures */
    int64_t failing_since;              /* first of the current run of failures, 0 if none */
    char *last_error;                   /* NULL when the last attempt succeeded */
    char *last_warning;         /* what the last success lost or guessed (items past max_items, a
                                   charset fallback), NULL when nothing */
    char *etag, *last_modified; /* byte for byte as received */
    int64_t next_due;
    int64_t last_new_item; /* when an item from it was last stored, 0 if never */
    int64_t created_at;
    int64_t replay_start; /* replay sources: when the scenario started */
};

/* Adds or updates the source named sc->name from the configuration (keeps
 * its health and validators). */
int store_source_sync(struct store *st, const struct source_config *sc, int64_t *id,
                      struct jy_error *err);
int store_sources_list(struct store *st, struct store_source **out, size_t *n,
                       struct jy_error *err);
int store_source_get(struct store *st, int64_t id, struct store_source *out, struct jy_error *err);
void store_source_clear(struct store_source *s);
void store_sources_free(struct store_source *s, size_t n);
/* From the console: :source disable NAME / :source enable NAME. JY_ENOTFOUND
 * when no such source. */
int store_source_set_enabled(struct store *st, const char *name, bool enabled, const char *who,
                             int64_t now, struct jy_error *err);
enum source_state store_source_state(const struct store_source *s, int64_t now, int dark_after);
/* Judges n sources at time now: fills states (when not NULL) and returns
 * how many are failing or dark. No query: callers pass rows they hold. */
int store_sources_down(const struct store_source *v, size_t n, int64_t now, int dark_after,
                       enum source_state *states);

/* One fetch's outcome, stored in one transaction together with its items. */
struct fetch_result {
    bool ok;             /* false: error says why */
    bool not_modified;   /* 304 */
    bool items_only;     /* store the items but leave the health columns (one
                            part of a fetch whose outcome is recorded later) */
    int http_status;     /* 0 for non-HTTP sources or no response */
    const char *error;   /* when !ok */
    const char *warning; /* when ok: what the parse lost or guessed (NULL: nothing), kept
                            as the source's warning until the next success */
    const char *etag;    /* validators to store (NULL: keep the old ones, "": clear) */
    const char *last_modified;
    int64_t next_due;
    int64_t replay_start; /* replay sources, 0 = unchanged */
    const struct feed_item *items;
    size_t n_items;
    int64_t *ids;         /* when not NULL (n_items long): gets each item's new id, or 0
                             when it was already stored */
    struct an_text **pre; /* when not NULL (n_items long): each item's text analysis
                             made ahead (analyzer_text), or NULL; the store takes
                             the results and hands them back (an_text_give_back):
                             the caller frees them */
    char **pre_cols;      /* with pre, when not NULL: each pre's analysis columns made
                             ahead (store_analysis_columns), or NULL; the caller's */
};
/* The analysis row's JSON columns (topics, schemes, terms: three strings,
 * each ended by a NUL) of an item's text results, made ahead of
 * store_fetch_record (on another thread, with another analyzer of the same
 * configuration). A new string. */
char *store_analysis_columns(const struct analyzer *an, const struct an_result *r);
/* Records a fetch: health columns, validators, and the items (duplicates by
 * (source, guid) are skipped; items are stored even when !ok, e.g. the good
 * lines of a partly bad file drop). *inserted gets the number of new items. */
int store_fetch_record(struct store *st, int64_t source_id, const struct fetch_result *r,
                       int64_t now, size_t *inserted, struct jy_error *err);

/* ---- items -------------------------------------------------------------- */

struct store_item {
    int64_t id, source_id;
    char *source_name;
    char *guid, *link, *title, *author;
    char *content;        /* NULL in page results (only store_item_get fills it) */
    int64_t published_at; /* fetched_at when the item had no date */
    int64_t fetched_at;
    int64_t sort_at; /* the feed's order: published_at, but never later than fetched_at */
    bool date_missing;
    bool read;
    /* From its analysis (zero/NULL when not analysed). */
    bool analyzed;
    int dups;          /* near-duplicates linked to this item (the row shows ×(dups+1)) */
    char *dup_sources; /* page rows with dups > 0: "A、B、C" (its own source first) */
    int64_t duplicate_of;
    int64_t event_id;
    int sentiment; /* -1, 0, 1 */
    char *schemes; /* store_item_get only: JSON array of scheme names */
    char *terms;   /* store_item_get only: JSON array of matched terms, each
                      [term, scheme index, start, end, in title 0|1] (offsets in
                      the normalised text or title); older rows: objects with the
                      keys term, scheme, start, end, title */
    int label;     /* an operator's sentiment label: -1, 0, 1, or 2 = none */
};

/* A position in the feed's order (newest first): (sort_at, id). */
struct store_cursor {
    int64_t sort_at, id;
};

/* One page of items in feed order, newest first.
 * from == NULL: the newest `limit` items.
 * older: the `limit` items just after *from (strictly older), newest first.
 * !older: the `limit` items just before *from (strictly newer), still
 *         returned newest first.
 * Callers free the array with store_items_free. */
int store_items_page(struct store *st, const struct store_cursor *from, bool older, size_t limit,
                     struct store_item **out, size_t *n, struct jy_error *err);
/* The oldest `limit` items, newest first (for G, the end of the list). */
int store_items_tail(struct store *st, size_t limit, struct store_item **out, size_t *n,
                     struct jy_error *err);
int store_item_get(struct store *st, int64_t id, struct store_item *out, struct jy_error *err);
/* Read marks are each person's own: item rows show those of the person
 * set here (0, the default: none, every item unread). */
void store_set_reader(struct store *st, int64_t person_id);
/* Marks item id read for the person acting; a viewer, an unknown login or
 * a read-only console changes nothing (and this returns 0). */
int store_item_mark_read(struct store *st, const struct actor *a, int64_t id, int64_t now,
                         struct jy_error *err);
void store_item_clear(struct store_item *it);
void store_items_free(struct store_item *items, size_t n);
/* Feed pages (store_items_page, store_items_tail) show first copies only:
 * an item analysed as a near-duplicate is folded into its first copy's row. */

/* Newest item id, cheap (for "anything new?"). 0 when empty. */
int store_items_max_id(struct store *st, int64_t *id, struct jy_error *err);

/* Full-text search, newest collected first (by id: the order the index
 * yields without sorting; older_than->id continues a search). The query is words
 * separated by spaces, all of which must occur (Chinese words, single
 * characters, Latin words, "quoted phrases"). older_than: continue after
 * this position (NULL: from the newest). Items not yet indexed are searched
 * too, so a fresh item is found at once. Every term must occur as written
 * (case-insensitive for Latin letters), before and after indexing alike.
 * A query with no term an index can answer (punctuation only; a single
 * character among items the character index has not reached yet, on a
 * store from before schema 13) scans only the newest 200,000 items. */
int store_search(struct store *st, const char *query, const struct store_cursor *older_than,
                 size_t limit, struct store_item **out, size_t *n, struct jy_error *err);

/* ---- analysis: items' results, events, alerts, model, labels ---------------- */

/* From now on, store_fetch_record analyses every item it inserts with an,
 * inside the same transaction, so no item is ever visible without its
 * analysis. Before its first use, and after any rollback, the analyzer's
 * memory is rebuilt from the database. an must outlive the store (or be
 * unset with NULL). */
int store_set_analyzer(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                       struct jy_error *err);
/* The same with an analyzer that make creates when the first item needs it
 * (creating one opens dictionaries: a collector whose fetches bring nothing
 * new need not). The caller owns what make creates. */
void store_set_analyzer_factory(struct store *st,
                                int (*make)(void *ctx, struct analyzer **out, struct jy_error *err),
                                void *ctx, const struct analysis_config *ac);
/* Analyses up to batch items stored before analysis existed, in one
 * transaction; *done gets how many (0: nothing left). */
int store_analysis_catch_up(struct store *st, size_t batch, int *done, struct jy_error *err);

/* Stores one item's analysis and its verdict (on the item's row, stored
 * before it was analysed) inside the current transaction, and notes its
 * event (and the alert when r->alert) for store_analysis_flush. */
int store_analysis_record(struct store *st, const struct analyzer *an, const struct an_result *r,
                          int64_t now, struct jy_error *err);
/* Writes each event noted since the last flush once, with its picture from
 * an, then (when alerts) the alerts; call before the transaction commits.
 * (A store with an analyzer of its own, see store_set_analyzer, does this
 * at its commits.) Lets an free the events closed meanwhile. */
int store_analysis_flush(struct store *st, struct analyzer *an, int64_t now, bool alerts,
                         struct jy_error *err);
/* Gives a fresh analyzer the memory it needs: first copies inside the
 * duplicate window and events still open, relative to the newest stored
 * (the analyzer's clock is item time, not the wall clock). */
int store_analysis_restore(struct store *st, struct analyzer *an, const struct analysis_config *ac,
                           struct jy_error *err);
/* Items stored but never analysed (e.g. collected before analysis existed),
 * oldest first, at most limit; content filled. */
int store_analysis_backlog(struct store *st, size_t limit, struct store_item **out, size_t *n,
                           struct jy_error *err);

struct store_event {
    int64_t id;
    char *title;
    int64_t rep_item;
    int64_t first_seen, last_seen, first_collected;
    int items, sources;
    char *top_media; /* "central", ... or NULL */
    int negative;
    double velocity;
    int hourly[24]; /* items per hour, [23] = the hour that ends at `now` given to the query */
    double score;
    int level;         /* enum risk_level */
    char *explanation; /* JSON array of {"indicator","label","value","weight","points"} */
    char *schemes, *terms, *topics; /* JSON arrays */
    int64_t alert_id;               /* its newest alert, 0 if none */
    bool acked;                     /* every alert of the event acknowledged (true when none) */
    char *acked_by;                 /* who acknowledged the newest alert */
    int64_t acked_at;
    /* its newest alert: the level now and the one it was raised at, how
     * often the level rose while it waited, and whether it is a flash (raised
     * although incident alert_incident is open: a rise of two levels) */
    int alert_level, alert_first_level, alert_rises;
    bool alert_flash;
    int64_t alert_incident;
    /* the silence holding its alerts at the query's now (0 when none):
     * who set it, why, until when */
    int64_t silence_id;
    char *silenced_by, *silence_reason;
    int64_t silenced_until;
};
/* The risk board: events seen in the last `hours` hours, and older ones
 * whose alerts still wait (else nobody could acknowledge them), graded ones
 * first by level (I first) then score, then the rest by score; hourly
 * series relative to now. */
int store_events_board(struct store *st, int64_t now, int hours, size_t limit,
                       struct store_event **out, size_t *n, struct jy_error *err);
int store_event_get(struct store *st, int64_t id, int64_t now, struct store_event *out,
                    struct jy_error *err);
/* The event's items in time order (oldest first, duplicates included),
 * at most limit. */
int store_event_items(struct store *st, int64_t event_id, size_t limit, struct store_item **out,
                      size_t *n, struct jy_error *err);
void store_event_clear(struct store_event *e);
void store_events_free(struct store_event *v, size_t n);

struct store_alert {
    int64_t id;
    char *kind; /* "event" or "source" (信源失联) */
    int64_t event_id, source_id;
    int level; /* enum risk_level; 0 for source alerts */
    char *title;
    int64_t raised_at;
    int64_t first_item_at; /* collection time of the event's first item (0: n/a) */
    char *acked_by;        /* NULL while waiting */
    int64_t acked_at;
    int first_level;     /* the level it was raised at (level is where it rose to since) */
    int rises;           /* how often its level rose while it waited */
    int64_t risen_at;    /* the last rise (0: none) */
    bool flash;          /* raised although the event's incident is open (a rise of 2 levels) */
    int64_t incident_id; /* a flash's open incident */
    int64_t clock_at;    /* store_alerts_escalating: where its escalation clock starts */
};
/* The alert rules for an event whose level the analyzer says entered `to`
 * or rose to it (enum risk_level), `from` being the level stored before
 * (0: none yet). store_analysis_flush calls it after writing the event.
 * Alerts are deduplicated on the event, Alertmanager-style:
 * - while an alert of the event waits (unacknowledged), no second one is
 *   raised: the waiting one rises to `to` (rises, risen_at, an audit row
 *   "alert.rise"), and its escalation chain goes on from where it is, with
 *   the new level's windows counted from when it was first raised, so a
 *   rise to a level with shorter windows makes the next steps due sooner
 *   (at once when it has waited that long already);
 * - an event with an open incident raises no new alert: the change goes to
 *   the incident's timeline (an audit row "incident.event_level" on the
 *   incident, whose model_level follows), except a rise of two levels or
 *   more (from counted as IV when ungraded), which raises an alert flagged
 *   as a flash;
 * - otherwise a new alert at `to`, unless the event was alerted at that
 *   level (or higher) before. */
int store_event_alert(struct store *st, int64_t event_id, int from, int to, int64_t now,
                      struct jy_error *err);
/* The header's count: distinct events with a waiting alert that no silence
 * holds at now, and distinct sources with a waiting 信源失联 alert likewise. */
int store_alerts_waiting(struct store *st, int64_t now, int *events, int *sources,
                         struct jy_error *err);
/* What escalation works on at now: the newest waiting alert of each event
 * (one chain per event) and each waiting source alert, none that a silence
 * holds; clock_at is raised_at, or the end of the last silence that held
 * it (a silenced alert's chain starts when the silence ends). Newest first,
 * at most limit. */
int store_alerts_escalating(struct store *st, int64_t now, size_t limit, struct store_alert **out,
                            size_t *n, struct jy_error *err);
/* Raises a 信源失联 alert for a source that went dark; once per dark spell
 * (keyed by its last new item). *raised says whether it was new. */
int store_alert_source_dark(struct store *st, int64_t source_id, int64_t now, bool *raised,
                            struct jy_error *err);
int store_alerts_unacked(struct store *st, int *count, struct jy_error *err);
/* Newest first; unacked_only to list the waiting ones. */
int store_alerts_list(struct store *st, bool unacked_only, size_t limit, struct store_alert **out,
                      size_t *n, struct jy_error *err);
/* Acknowledges one alert (JY_ENOTFOUND; acknowledging twice keeps the first). */
int store_alert_ack(struct store *st, int64_t id, const char *who, int64_t now,
                    struct jy_error *err);
/* Acknowledges the waiting alerts of an event up to alert id upto_alert (the
 * newest the operator was shown; 0: all) and, with seen_level (the level the
 * operator was shown; 0: any), not one whose level rose above it since;
 * *count gets how many. */
int store_event_ack(struct store *st, int64_t event_id, int64_t upto_alert, int seen_level,
                    const char *who, int64_t now, int *count, struct jy_error *err);
/* Acknowledges every waiting 信源失联 alert; *count gets how many. */
int store_alerts_ack_sources(struct store *st, const char *who, int64_t now, int *count,
                             struct jy_error *err);
void store_alerts_free(struct store_alert *v, size_t n);

/* An operator's sentiment label on an item (training data). */
int store_item_label(struct store *st, int64_t item_id, int label, const char *who, int64_t now,
                     struct jy_error *err);
/* Every labelled item's text (title + content) and label, for `jingyu train`. */
int store_labels_examples(struct store *st, char ***texts, int **labels, size_t *n,
                          struct jy_error *err);
/* The trained sentiment model ("sentiment"). JY_ENOTFOUND when none.
 * Replacing it is an admin's (JY_EPERM otherwise), and audited. */
int store_model_put(struct store *st, const struct actor *a, const char *name, const char *blob,
                    size_t len, const char *info, int64_t now, struct jy_error *err);
int store_model_get(struct store *st, const char *name, char **blob, size_t *len,
                    struct jy_error *err);

/* ---- silences --------------------------------------------------------------- */

/* A silence holds the alerts of one event or one source (its 信源失联
 * alerts) from created_at until `until` or until expired by hand: they are
 * recorded but neither escalated nor counted as waiting. */
struct store_silence {
    int64_t id, event_id, source_id; /* one of the two is 0 */
    char *target;                    /* the event's title or the source's name */
    char *reason, *created_by, *expired_by;
    int64_t created_at, until, expired_at;
    bool active; /* at the query's now */
};
/* Silences an event (event_id) or a source (source_id) until `until`, with
 * a reason; the owner is the person acting. Refused (JY_EINVAL) without a
 * reason, with an end not after now or more than 30 days away; JY_ENOTFOUND
 * for an unknown event or source. Audited ("silence.add"). */
int store_silence_add(struct store *st, const struct actor *a, int64_t event_id, int64_t source_id,
                      const char *reason, int64_t until, int64_t now, int64_t *id,
                      struct jy_error *err);
/* Ends an active silence now (JY_ENOTFOUND; JY_ESTATE when it has ended
 * already). Audited ("silence.expire"). */
int store_silence_expire(struct store *st, const struct actor *a, int64_t id, int64_t now,
                         struct jy_error *err);
/* Active silences at now (all: every silence), newest first. */
int store_silences_list(struct store *st, bool all, int64_t now, size_t limit,
                        struct store_silence **out, size_t *n, struct jy_error *err);
void store_silences_free(struct store_silence *v, size_t n);

/* ---- grading labels ------------------------------------------------------------ */

/* An officer's level for an incident's event that differs from the
 * model's, stored by the 研判 save (store_incident_save) with the reason and
 * the event's explanation at that moment: training data for the weights. */
struct store_grading_label {
    int64_t id, incident_id, event_id;
    int model_level, officer_level;
    double model_score;
    char *reason, *explanation, *labelled_by;
    int64_t labelled_at;
};
/* In id order; event_id != 0: that event's only. At most limit. */
int store_grading_labels_list(struct store *st, int64_t event_id, size_t limit,
                              struct store_grading_label **out, size_t *n, struct jy_error *err);
void store_grading_labels_free(struct store_grading_label *v, size_t n);

/* ---- people and identity --------------------------------------------------- */

struct store_person {
    int64_t id;
    char *login, *name, *badge, *unit;
    unsigned roles; /* enum role bits */
    bool active;
};
/* Adds or updates the person with p->login. Only an admin may, except while
 * the database has no active admin (the first setup). Audited. */
int store_person_put(struct store *st, const struct actor *by, const struct store_person *p,
                     int64_t now, struct jy_error *err);
int store_person_get(struct store *st, const char *login, struct store_person *out,
                     struct jy_error *err); /* JY_ENOTFOUND */
int store_people_list(struct store *st, struct store_person **out, size_t *n, struct jy_error *err);
void store_person_clear(struct store_person *p);
void store_people_free(struct store_person *v, size_t n);
/* Maps a login to the person acting: an unknown or inactive login is a
 * viewer (out->known false). */
int store_actor_resolve(struct store *st, const char *login, bool read_only, struct actor *out,
                        struct jy_error *err);

/* ---- audit trail ------------------------------------------------------------ */

/* Appends one row (inside the caller's transaction): who, what, on which
 * object, the object before and after (JSON, NULL when none). */
int store_audit_append(struct store *st, const char *actor, const char *action, const char *object,
                       int64_t object_id, const char *before, const char *after, int64_t now,
                       struct jy_error *err);
/* The same in a transaction of its own (e.g. a login). */
int store_audit_record(struct store *st, const char *actor, const char *action, const char *object,
                       int64_t object_id, const char *after, int64_t now, struct jy_error *err);

struct store_audit_check {
    int64_t rows;   /* rows checked (up to and including the bad one) */
    int64_t bad_id; /* first broken row, 0 when the chain is whole */
    char why[96];
    char head[65];     /* hash of the last good row */
    int64_t head_rows; /* rows in the whole chain (when it is whole) */
    /* the keyed chain (seals): */
    bool keyed;          /* checked with the key (else seals are only counted) */
    size_t seals;        /* seals found (checked up to the bad one, when keyed) */
    int64_t bad_seal;    /* first bad seal, 0 when none */
    int64_t sealed_rows; /* rows the last good seal vouches for */
    char seal_mac[65];   /* its MAC (the genesis value when none) */
};
/* Checks the whole chain in one read transaction; with key (the secret
 * named by audit.key; NULL: none) also the seals. */
int store_audit_verify(struct store *st, const char *key, struct store_audit_check *out,
                       struct jy_error *err);
/* Checks the chain and its seals, then seals its head with key, in one
 * write transaction. JY_ESTATE (why in out->why) when the chain or a seal
 * is broken: a broken chain is never sealed. On the collector's connection
 * (fenced), only while it holds the lease (JY_EBUSY). */
int store_audit_seal(struct store *st, const char *key, int64_t now, struct store_audit_check *out,
                     struct jy_error *err);

/* The audit chain's upkeep (sealing and anchoring, see src/collect/seal.c):
 * the chain's length, its last seal, and for each kind of work ("seal",
 * "anchor:file", "anchor:channel") the last success and attempt. */
#define STORE_UPKEEP_MAX 8
struct store_upkeep {
    char kind[24];
    char *target;     /* the anchor file or channel; NULL for the seal */
    int64_t ok_at;    /* the last success, 0 when none */
    int64_t tried_at; /* the last attempt */
    char *error;      /* the last attempt's error; NULL when it succeeded */
};
struct store_audit_state {
    int64_t head_rows;         /* rows in the chain, by its head record */
    int64_t sealed_rows;       /* rows the last seal covers, 0 when none */
    int64_t seal_at;           /* when it was made, 0 when none */
    int64_t first_unsealed_at; /* when the first row after it was written, 0 when none */
    struct store_upkeep upkeep[STORE_UPKEEP_MAX];
    size_t n_upkeep;
};
int store_audit_state_get(struct store *st, struct store_audit_state *out, struct jy_error *err);
void store_audit_state_clear(struct store_audit_state *s);
/* The upkeep row of kind, or NULL. */
const struct store_upkeep *store_audit_upkeep_find(const struct store_audit_state *s,
                                                   const char *kind);
/* Records an attempt of kind on target at now: error NULL for a success.
 * On the collector's connection, only while it holds the lease (JY_EBUSY). */
int store_audit_upkeep_note(struct store *st, const char *kind, const char *target, int64_t now,
                            const char *error, struct jy_error *err);

struct store_audit {
    int64_t id, at, object_id;
    char *actor, *action, *object, *before, *after, *hash;
};
/* Newest first; object NULL for every object. Object "incident" is the
 * incident's whole trail: its own rows and those of its releases (draft,
 * submit, approve, return, publish, correct), tasks, grading label and
 * alerts (raised, escalated, acknowledged). store_audit_page skips the
 * newest offset rows and sets *more (when not NULL) when older rows
 * remain. */
int store_audit_page(struct store *st, const char *object, int64_t object_id, size_t offset,
                     size_t limit, struct store_audit **out, size_t *n, bool *more,
                     struct jy_error *err);
int store_audit_list(struct store *st, const char *object, int64_t object_id, size_t limit,
                     struct store_audit **out, size_t *n, struct jy_error *err);
void store_audit_free(struct store_audit *v, size_t n);

/* ---- incidents (处置工单) ------------------------------------------------------ */

/* What a new incident starts from. With event_id (or alert_id, whose event
 * is taken), empty fields come from the event: title, level (also kept as
 * the model's level), and the start of the clocks (its first item's
 * collection); the event's waiting alerts are acknowledged. By hand (a
 * phone tip), title, category and level are required and started_at is when
 * the tip came (0: now). */
struct store_incident_new {
    const char *title, *category;
    int level;
    const char *officer, *departments, *origin;
    int64_t event_id, alert_id, parent_id, item_id;
    int64_t started_at;
};
int store_incident_create(struct store *st, const struct actor *a,
                          const struct store_incident_new *n, const struct incident_config *ic,
                          int64_t now, int64_t *id, struct field_error *errs, size_t *n_errs,
                          struct jy_error *err);
int store_incident_get(struct store *st, int64_t id, struct incident *out, struct jy_error *err);
/* Open incidents (and closed ones too unless open_only), at most limit,
 * newest first; sort them for the screen with incidents_sort. */
int store_incidents_list(struct store *st, bool open_only, size_t limit, struct incident **out,
                         size_t *n, struct jy_error *err);
/* Saves one form's fields from in (which names the version it was edited
 * from). 研判 is checked against the model's level of the incident's event
 * as it is now (a different level needs level_reason), records that level
 * as model_level, and leaves a grading label when the levels differ (see
 * store_grading_labels_list). Field errors: JY_EINVAL with *n_errs > 0. Someone else saved since:
 * JY_ECONFLICT, nothing written, and *theirs (when not NULL) gets what is
 * stored now so that both versions can be shown. */
int store_incident_save(struct store *st, const struct actor *a, enum inc_form form,
                        const struct incident *in, const struct incident_config *ic, int64_t now,
                        struct field_error *errs, size_t *n_errs, struct incident *theirs,
                        struct jy_error *err);
/* Saves the closure form and closes the incident, in one transaction
 * (errors as store_incident_save's, then store_incident_transition's). */
int store_incident_close(struct store *st, const struct actor *a, const struct incident *in,
                         const struct incident_config *ic, int64_t now, struct field_error *errs,
                         size_t *n_errs, struct incident *theirs, struct jy_error *err);
/* Moves the incident (version 0: whatever is stored). Refusals are JY_ESTATE
 * or JY_EPERM with the reason; a stale version is JY_ECONFLICT. */
int store_incident_transition(struct store *st, const struct actor *a, int64_t id, int64_t version,
                              enum inc_state to, const char *reason, int64_t now,
                              struct jy_error *err);

/* Links one more event or item (one of the two ids, the other 0) to the
 * incident. Linking twice is no error. */
int store_incident_link(struct store *st, const struct actor *a, int64_t id, int64_t event_id,
                        int64_t item_id, int64_t now, struct jy_error *err);
/* "#3、#7": the incident's linked events (*events) and items (*items), new
 * strings ("" when none). */
int store_incident_links(struct store *st, int64_t id, char **events, char **items,
                         struct jy_error *err);

struct store_response {
    int64_t id, incident_id;
    char *channel, *content, *created_by;
    int64_t responded_at, created_at;
};
int store_response_add(struct store *st, const struct actor *a, int64_t incident_id,
                       const char *channel, const char *content, int64_t responded_at, int64_t now,
                       int64_t *id, struct jy_error *err);
int store_responses_list(struct store *st, int64_t incident_id, struct store_response **out,
                         size_t *n, struct jy_error *err);
void store_responses_free(struct store_response *v, size_t n);

/* A statement (情况通报/警情通报, then 续报一, 续报二, ...). Every version of
 * its text is kept. status: draft, submitted, approved, published. */
struct store_release {
    int64_t id, incident_id;
    int seq;    /* 1: 首次通报, 2: 续报一, ... */
    bool final; /* the result (结果通报): meets the result clock */
    char *status;
    int version;    /* newest version */
    char *text;     /* newest text */
    char *drafters; /* everyone who wrote a version, "a、b" */
    char *approver; /* who approved (or last returned) it */
    char *comment;  /* the last review's comment */
    int64_t decided_at, published_at;
    char *channel, *link;
    char *correction; /* NULL, "corrected" or "retracted" */
    char *correction_reason;
    int64_t corrected_at;
};
/* Writes a new version of the incident's open release (creating the next
 * release when none is open). Allowed while verifying, in approval and in
 * follow-up; a submitted draft cannot be edited until it is decided, and
 * editing an approved one withdraws the approval. */
int store_release_draft(struct store *st, const struct actor *a, int64_t incident_id,
                        const char *text, bool final, int64_t now, int64_t *release_id,
                        struct jy_error *err);
int store_release_submit(struct store *st, const struct actor *a, int64_t release_id, int64_t now,
                         struct jy_error *err);
/* An approver's decision: never by one who wrote any version of it; a
 * return needs a comment and sends the draft back to drafting. */
int store_release_decide(struct store *st, const struct actor *a, int64_t release_id, bool approve,
                         const char *comment, int64_t now, struct jy_error *err);
/* Records the publication of an approved release and moves the incident to
 * 发布 in the same transaction. */
int store_release_publish(struct store *st, const struct actor *a, int64_t release_id,
                          int64_t published_at, const char *channel, const char *link, int64_t now,
                          struct jy_error *err);
/* Marks a published release corrected or retracted, with the reason. */
int store_release_correct(struct store *st, const struct actor *a, int64_t release_id, bool retract,
                          const char *reason, int64_t now, struct jy_error *err);
int store_releases_list(struct store *st, int64_t incident_id, struct store_release **out,
                        size_t *n, struct jy_error *err);
void store_releases_free(struct store_release *v, size_t n);

struct store_task {
    int64_t id, incident_id;
    char *department, *description, *assigned_by, *feedback, *feedback_by;
    int64_t due_at, assigned_at, feedback_at;
};
int store_task_add(struct store *st, const struct actor *a, int64_t incident_id,
                   const char *department, const char *description, int64_t due_at,
                   const struct incident_config *ic, int64_t now, int64_t *id,
                   struct jy_error *err);
int store_task_feedback(struct store *st, const struct actor *a, int64_t task_id,
                        const char *feedback, int64_t now, struct jy_error *err);
int store_tasks_list(struct store *st, int64_t incident_id, struct store_task **out, size_t *n,
                     struct jy_error *err);
void store_tasks_free(struct store_task *v, size_t n);

/* ---- form drafts ------------------------------------------------------------- */

/* A form being edited, saved as it is typed so that a dropped session or a
 * crash loses nothing; offered back at the next start. key names the form
 * ("incident/12/assessment"). */
int store_draft_put(struct store *st, const char *owner, const char *key, const char *data,
                    int64_t now, struct jy_error *err);
int store_draft_get(struct store *st, const char *owner, const char *key, char **data,
                    int64_t *saved_at, struct jy_error *err); /* JY_ENOTFOUND */
int store_draft_delete(struct store *st, const char *owner, const char *key, struct jy_error *err);
/* The owner's drafts' keys, oldest first. */
int store_drafts_list(struct store *st, const char *owner, char ***keys, size_t *n,
                      struct jy_error *err);

/* ---- duty schedule and handover (值班、交接班) ------------------------------------ */

/* Fills days [from, to] from the configuration's rotations; overrides and
 * swaps are kept. A leader's or an admin's. *written gets how many slots
 * were set. */
int store_duty_generate(struct store *st, const struct actor *a, const struct duty_config *dc,
                        int64_t from, int64_t to, int64_t now, int *written, struct jy_error *err);
/* Puts login on a post of a shift of a day (an override); login NULL or ""
 * empties the slot. The person must be registered. A leader's or an admin's. */
int store_duty_set(struct store *st, const struct actor *a, const struct duty_config *dc,
                   int64_t day, const char *shift, const char *post, const char *login, int64_t now,
                   struct jy_error *err);
/* Exchanges login1's slot on day1 with login2's on day2 (each must hold
 * exactly one that day). By either of the two, a leader or an admin; the
 * audit row names both. */
int store_duty_swap(struct store *st, const struct actor *a, int64_t day1, const char *login1,
                    int64_t day2, const char *login2, int64_t now, struct jy_error *err);
/* The slots of days [from, to], by day, shift and post; names filled. */
int store_duty_range(struct store *st, int64_t from, int64_t to, struct roster_slot **out,
                     size_t *n, struct jy_error *err);
/* Who is on duty at t: the slots of the shift covering t (none when no
 * shift covers it or nobody is scheduled). */
int store_duty_at(struct store *st, const struct duty_config *dc, int64_t t,
                  struct roster_slot **out, size_t *n, struct jy_error *err);

struct store_handover {
    int64_t id, day;
    char *shift, *from_login, *to_login, *note, *prefill, *acked_by;
    int64_t written_at, acked_at;
    bool acked_as_leader; /* acked_by, a leader, acknowledged it for to_login */
};
/* The post whose holder receives a handover note by default. */
#define HANDOVER_RECEIVER_POST "值班员"
/* The default receiver of a note written at now: the next shift's 值班员
 * (else anyone on its other posts but the leader's), not writer; "" when
 * none is scheduled. */
int store_handover_receiver(struct store *st, const struct duty_config *dc, int64_t now,
                            const char *writer, char *out, size_t size, struct jy_error *err);
/* What the outgoing officer's note starts from: waiting alerts, open
 * incidents, and the deadlines that fall in the next shift. */
int store_handover_prefill(struct store *st, const struct duty_config *dc,
                           const struct incident_config *ic, int64_t now, char **text,
                           struct jy_error *err);
/* The outgoing officer writes the note for the shift covering now, to
 * to_login (a registered person) or, when NULL or "", to the default
 * receiver (store_handover_receiver). */
int store_handover_write(struct store *st, const struct actor *a, const struct duty_config *dc,
                         const char *to_login, const char *note, const char *prefill, int64_t now,
                         int64_t *id, struct jy_error *err);
/* The incoming officer acknowledges it (not its writer): only the named
 * receiver, or a leader who says so (as_leader; recorded on the note and
 * in the audit row). A note naming nobody: any officer. */
int store_handover_ack(struct store *st, const struct actor *a, int64_t id, bool as_leader,
                       int64_t now, struct jy_error *err);
/* Newest first; words (NULL: all) must all occur in the note or the pre-fill. */
int store_handovers_list(struct store *st, const char *words, size_t limit,
                         struct store_handover **out, size_t *n, struct jy_error *err);
void store_handovers_free(struct store_handover *v, size_t n);

/* ---- notifications outbox and escalation ----------------------------------------- */

/* A message waiting to go out through a channel. Nothing is lost across
 * restarts or while a receiver is down: a row leaves "waiting" only when it
 * was delivered (or merged into a digest that is itself a row). */
struct store_outbox {
    int64_t id, alert_id;
    char *channel, *kind, *subject, *body, *status, *last_error;
    int attempts;
    int64_t created_at, next_at, sent_at, digest_id;
};
/* Queues a message for every configured channel (channels[], n). */
int store_outbox_add(struct store *st, const char *const *channels, size_t n, const char *kind,
                     int64_t alert_id, const char *subject, const char *body, int64_t now,
                     struct jy_error *err);
/* Claims (marks "sending") up to limit messages of channel that are due:
 * waiting with next_at <= now, or claimed by a process that died more than
 * stale seconds ago. Oldest first. */
int store_outbox_claim(struct store *st, const char *channel, int64_t now, int64_t stale,
                       int64_t claim, size_t limit, struct store_outbox **out, size_t *n,
                       struct jy_error *err);
/* The updates below apply only while the row is still this claim's: a pass
 * whose claim was taken back cannot mark what another pass sends. */
int store_outbox_sent(struct store *st, int64_t id, int64_t claim, int64_t now,
                      struct jy_error *err);
/* A failed delivery: back to waiting until next_at, with the reason. */
int store_outbox_failed(struct store *st, int64_t id, int64_t claim, const char *why,
                        int64_t next_at, struct jy_error *err);
/* Takes (or renews) the sender's lock for ttl seconds; *got says whether
 * this holder has it. */
int store_notify_lock(struct store *st, const char *holder, int64_t now, int ttl, bool *got,
                      struct jy_error *err);
/* Lets go of it (at the end of a pass). */
int store_notify_unlock(struct store *st, const char *holder, struct jy_error *err);
/* Puts a claimed message back to wait until next_at (a rate limit, not a
 * failure: attempts unchanged). */
int store_outbox_defer(struct store *st, int64_t id, int64_t claim, int64_t next_at,
                       struct jy_error *err);
/* Merges claimed messages ids[] into one new claimed digest row (returned
 * in *digest); they become "digested" and point to it. */
int store_outbox_digest(struct store *st, const char *channel, const int64_t *ids, size_t n,
                        int64_t claim, const char *subject, const char *body, int64_t now,
                        struct store_outbox *digest, struct jy_error *err);
/* Messages of channel delivered since t. */
int store_outbox_sent_since(struct store *st, const char *channel, int64_t t, int *count,
                            struct jy_error *err);
int store_outbox_list(struct store *st, const char *status, size_t limit, struct store_outbox **out,
                      size_t *n, struct jy_error *err);
void store_outbox_clear(struct store_outbox *o);
void store_outbox_free(struct store_outbox *v, size_t n);

/* The escalation steps already taken for an alert: bit k set for step k. */
int store_escalation_steps(struct store *st, int64_t alert_id, unsigned *steps,
                           struct jy_error *err);
/* Records step of alert (to whom) and queues its message on every
 * channel, with an audit row, in one transaction. */
int store_escalation_record(struct store *st, int64_t alert_id, int step, const char *to_logins,
                            const char *const *channels, size_t n, const char *subject,
                            const char *body, int64_t now, struct jy_error *err);
struct store_escalation {
    int64_t alert_id;
    int step;
    char *to_logins;
    int64_t at;
};
/* The steps of an alert (alert_id != 0) or the newest of all, newest first. */
int store_escalations_list(struct store *st, int64_t alert_id, size_t limit,
                           struct store_escalation **out, size_t *n, struct jy_error *err);
void store_escalations_free(struct store_escalation *v, size_t n);
/* How many escalation steps beyond the first (to people) were ever taken:
 * consoles flash when it grows. */
int store_escalations_count(struct store *st, int64_t *count, struct jy_error *err);

/* ---- directories (名录) ------------------------------------------------------------ */

/* The lists of the roster pane, each a table of text columns: people,
 * units, experts (专家库), media contacts (主流媒体联络) and training records.
 * One description per list drives the queries, CSV import and export. */
enum dir_kind { DIR_PEOPLE, DIR_UNITS, DIR_EXPERTS, DIR_MEDIA, DIR_TRAINING, DIR_N };
struct dir_desc {
    const char *key;   /* "people", "units", "experts", "media", "training" */
    const char *label; /* 人员, 单位, 专家库, 媒体联络, 培训记录 */
    size_t n_cols;
    const char *cols[6];   /* CSV header and column names */
    const char *labels[6]; /* Chinese column titles */
    size_t n_keys;         /* the first n_keys columns identify a row */
};
const struct dir_desc *store_dir_desc(enum dir_kind k);
int store_dir_kind(const char *key); /* -1 when unknown */
/* Rows (each n_cols strings, "" for NULL) whose text contains every word,
 * at most limit, ordered by the key columns. */
int store_dir_list(struct store *st, enum dir_kind k, const char *words, size_t limit,
                   char ****rows, size_t *n, struct jy_error *err);
void store_dir_rows_free(char ***rows, size_t n, size_t n_cols);
/* Adds or updates rows (by their key columns) from a CSV text whose first
 * line names the columns; an admin's. People rows need a roles column.
 * *added and *updated count; a bad line is JY_EINVAL naming it, and nothing
 * is stored. */
int store_dir_import(struct store *st, const struct actor *a, enum dir_kind k, const char *csv,
                     size_t len, int64_t now, int *added, int *updated, struct jy_error *err);
/* The whole list as CSV (header first, RFC 4180 quoting). A new string. */
int store_dir_export(struct store *st, enum dir_kind k, char **csv, struct jy_error *err);

/* ---- KPIs ---------------------------------------------------------------------- */

/* The plan's six KPIs over [from, to) as of now, with the definitions in
 * ../shared/DESIGN.md (windows from ic). */
int store_kpi(struct store *st, const struct incident_config *ic, int64_t from, int64_t to,
              int64_t now, struct kpi k[KPI_N], struct jy_error *err);

/* ---- background index ---------------------------------------------------- */

/* Indexes up to batch not-yet-indexed items in one transaction; *done gets
 * how many. Called by the collector between fetches. */
int store_index_step(struct store *st, int batch, int *done, struct jy_error *err);
/* How many items wait to be indexed, and since when the oldest waits. */
int store_index_lag(struct store *st, int64_t *pending, int64_t *oldest_fetched,
                    struct jy_error *err);
/* How many items the character index (single-character search) has still
 * to take in after an upgrade: 0 once it covers every item. */
int store_chars_left(struct store *st, int64_t *left, struct jy_error *err);

/* ---- retention, archives and upkeep (archive.c, maint.c) ------------------ */

struct store_archive_opts {
    int months;      /* items collected before the start of the month `months` back leave */
    const char *dir; /* the archive folder (created when needed) */
    int64_t now;
    bool dry_run;      /* only count what would leave (the report's months) */
    int64_t budget_ms; /* stop after about this long (0: no limit); report.more */
    int chars_batch;   /* items per step when an older archive's character index is filled (0: 2000)
                        */
    const struct actor *actor; /* NULL: the collector ("jingyu"); else an admin's */
    /* called between steps: nonzero stops the run there, as a kill would
     * (tests); the CLI renews its lease here */
    int (*step_hook)(void *ctx, int step);
    void *hook_ctx;
};
struct store_archive_month {
    char month[8]; /* "2026-03" */
    int64_t items, events;
};
struct store_archive_report {
    struct store_archive_month *months; /* what moved (or would, dry run), by archive month */
    size_t n;
    int64_t cutoff;     /* items collected before this could leave */
    int64_t recovered;  /* rows of an interrupted run that were settled */
    int64_t dry_events; /* dry run: events that would leave with their items */
    bool more;          /* the budget ran out: call again */
    char current[8];    /* the month being written */
};
/* Moves items collected before the cutoff, with their analysis, index
 * entries and events, to one archive file a month in o->dir
 * ("jingyu-YYYY-MM.db", with the same tables and its own full-text indexes;
 * one written before the character index gets it, filled a batch at a time
 * within the budget),
 * and leaves in the live file everything an incident, an alert, a silence,
 * a grading label, a sentiment label or the audit trail needs (see
 * archive.c). Each batch is copied and synced before it is deleted, so the
 * run can be killed at any point and the next run finishes it: nothing is
 * lost or kept twice. Call with no other process holding the collector
 * lease (or from its holder, whose fence it honours). One audit row
 * ("db.archive") per month moved. An actor must be an admin (JY_EPERM). */
int store_archive_run(struct store *st, const struct store_archive_opts *o,
                      struct store_archive_report *rep, struct jy_error *err);
void store_archive_report_clear(struct store_archive_report *rep);
/* dir/jingyu-MONTH.db, a new string. */
char *store_archive_path(const char *dir, const char *month);
/* The months that have an archive file in dir, newest first (none when
 * the folder does not exist). */
int store_archive_list(const char *dir, char ***months, size_t *n, struct jy_error *err);
/* Opens an archive read-only: store_search works on it, with the character
 * index for single characters where the archive has it (one written by an
 * older jingyu gets it from the next archive run) and by scanning where
 * not. */
int store_open_archive(const char *path, struct store **out, struct jy_error *err);

struct store_table_stats {
    char *name;
    int64_t rows;  /* -1: not counted (virtual tables' shadow tables are counted) */
    int64_t bytes; /* -1 when dbstat is not available */
};
struct store_month_count {
    char month[8];
    int64_t items;
};
struct store_archive_file {
    char month[8];
    int64_t bytes, items; /* items -1 when it cannot be read */
};
struct store_db_stats {
    int64_t file_bytes, wal_bytes;
    int64_t page_size, pages, free_pages;
    int auto_vacuum;                  /* 0 none, 1 full, 2 incremental */
    bool dbstat;                      /* per-table bytes are from dbstat */
    struct store_table_stats *tables; /* largest first */
    size_t n_tables;
    struct store_month_count *months; /* items by month of collection, oldest first */
    size_t n_months;
    int64_t index_lag, index_oldest;
    struct store_archive_file *archives; /* newest first */
    size_t n_archives;
};
/* Sizes of the file and its -wal, rows and bytes per table (dbstat when
 * SQLite has it, else the page counts only), items per month, the index
 * lag, and the archive files in archive_dir (NULL: none). */
int store_db_stats(struct store *st, const char *archive_dir, struct store_db_stats *out,
                   struct jy_error *err);
void store_db_stats_clear(struct store_db_stats *s);
/* Returns free pages to the file system while others read and write:
 * PRAGMA incremental_vacuum in short transactions of `step` pages, calling
 * progress (freed so far, free pages at the start) after each. A file not
 * yet in incremental auto-vacuum mode is converted first by one full
 * VACUUM, when may_convert (writers wait meanwhile: hold the collector
 * lease; progress gets (-1, seconds) while it runs), else JY_EBUSY says
 * so. *freed gets the pages returned. An admin's; audited ("db.vacuum"). */
int store_db_vacuum(struct store *st, const struct actor *a, int step, bool may_convert,
                    void (*progress)(void *ctx, int64_t done, int64_t total), void *ctx,
                    int64_t now, int64_t *freed, struct jy_error *err);

/* ---- change detection ---------------------------------------------------- */

/* PRAGMA data_version: changes whenever another connection commits. */
int store_data_version(struct store *st, int64_t *v, struct jy_error *err);

/* What a commit changed, by area of the screen: each area has a counter
 * that triggers move (migration 12), and new items show as a higher
 * max(items.id). A commit that moves none of them (the lease's heartbeat,
 * the index catching up, a form's draft) changed nothing a console shows. */
enum store_area {
    STORE_AREA_ITEMS,     /* item rows (new ones by id), read marks, labels, source names */
    STORE_AREA_SOURCES,   /* sources and their health */
    STORE_AREA_EVENTS,    /* events, alerts, silences, escalations */
    STORE_AREA_INCIDENTS, /* incidents with their records, tasks, releases; audit rows */
    STORE_AREA_DUTY,      /* the schedule, handover notes, people */
    STORE_AREA_DIRECTORY, /* units, experts, media contacts, training */
    STORE_AREA_N
};
struct store_marks {
    int64_t n[STORE_AREA_N];
    int64_t items_max;
};
int store_marks_read(struct store *st, struct store_marks *out, struct jy_error *err);
/* The areas (1 << STORE_AREA_*) whose marks differ between a and b. */
unsigned store_marks_diff(const struct store_marks *a, const struct store_marks *b);

/* ---- collector lease ----------------------------------------------------- */

struct store_lease {
    char host[256];
    int pid;
    int64_t since, heartbeat;
};

/* Takes the lease when it is free, expired (heartbeat older than ttl
 * seconds), held by a process on this host that no longer exists, or already
 * ours (then renews the heartbeat). *got says whether we hold it now. */
int store_lease_acquire(struct store *st, const char *host, int pid, int64_t now, int ttl,
                        bool *got, struct jy_error *err);
int store_lease_release(struct store *st, const char *host, int pid, struct jy_error *err);
/* *present is false when nobody holds it. */
int store_lease_get(struct store *st, struct store_lease *out, bool *present, struct jy_error *err);
/* Fences this connection's collector writes: from now on store_fetch_record
 * and store_index_step check, inside their transaction, that (host, pid)
 * still holds the lease, and fail with JY_EBUSY (writing nothing) when it
 * does not. A collector that stalled past the lease's expiry therefore
 * cannot overwrite what its successor stored. */
void store_lease_fence(struct store *st, const char *host, int pid);

#endif
