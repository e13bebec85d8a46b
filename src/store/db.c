/* db.c: opening the shared SQLite file and migrating its schema.
 *
 * Many processes (consoles, `jingyu collect`, CLI subcommands) share one file,
 * so the connection runs in WAL mode with a busy timeout, and every write is a
 * short BEGIN IMMEDIATE transaction. Migrations are numbered SQL scripts
 * applied in order inside one transaction each; PRAGMA user_version records
 * how far a file has come, and a file from a newer jingyu is refused rather
 * than guessed at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

/* A trigger that moves an area's change mark (migration 12): name, the
 * event ("INSERT", "UPDATE OF col", ...), the table, the area's number. */
#define MARK_ON(name, event, table, area)                                                          \
    "CREATE TRIGGER IF NOT EXISTS mark_" name " AFTER " event " ON " table                         \
    " BEGIN UPDATE changes SET n = n + 1 WHERE area = " area "; END;"
/* ... on every insert, update and delete */
#define MARK_ALL(table, area)                                                                      \
    MARK_ON(table "_" area "_i", "INSERT", table, area)                                            \
    MARK_ON(table "_" area "_u", "UPDATE", table, area)                                            \
    MARK_ON(table "_" area "_d", "DELETE", table, area)

/* Migration N brings the schema from version N-1 to N. Never edit a released
 * entry: add a new one. */
static const char *const migrations[] = {
    /* 1: sources, items, background full-text index, collector lease */
    "CREATE TABLE sources ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  type TEXT NOT NULL,"
    "  url TEXT,"
    "  media_level TEXT NOT NULL DEFAULT 'unknown',"
    "  region TEXT,"
    "  interval INTEGER NOT NULL DEFAULT 300,"
    "  config_enabled INTEGER NOT NULL DEFAULT 1,"
    "  console_disabled INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt INTEGER,"
    "  last_success INTEGER,"
    "  last_status INTEGER,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  failing_since INTEGER,"
    "  last_error TEXT,"
    "  etag TEXT,"
    "  last_modified TEXT,"
    "  next_due INTEGER NOT NULL DEFAULT 0,"
    "  last_new_item INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  replay_start INTEGER"
    ");"
    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id),"
    "  guid TEXT NOT NULL,"
    "  link TEXT,"
    "  title TEXT NOT NULL,"
    "  author TEXT,"
    "  content TEXT NOT NULL,"
    "  published_at INTEGER NOT NULL,"
    "  fetched_at INTEGER NOT NULL,"
    "  sort_at INTEGER NOT NULL,"
    "  date_missing INTEGER NOT NULL DEFAULT 0,"
    "  read_at INTEGER,"
    "  UNIQUE(source_id, guid)"
    ");"
    "CREATE INDEX items_sort ON items(sort_at, id);"
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, content, content='items',"
    "  content_rowid='id', tokenize='jybigram', detail='full');"
    "CREATE TABLE fts_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  indexed_upto INTEGER NOT NULL);"
    "INSERT INTO fts_state VALUES (1, 0);"
    "CREATE TABLE lease ("
    "  name TEXT PRIMARY KEY,"
    "  host TEXT NOT NULL,"
    "  pid INTEGER NOT NULL,"
    "  since INTEGER NOT NULL,"
    "  heartbeat INTEGER NOT NULL"
    ");",

    /* 2: analysis. An item's verdict sits on its row (what the feed pages
     * need without a join); the normalised text and matches beside it. */
    "ALTER TABLE items ADD COLUMN dup_of INTEGER;" /* first copy, when a near-duplicate */
    "ALTER TABLE items ADD COLUMN dups INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE items ADD COLUMN event_id INTEGER;"
    "ALTER TABLE items ADD COLUMN sentiment INTEGER;" /* NULL: not analysed yet */
    "CREATE INDEX items_dup ON items(dup_of) WHERE dup_of IS NOT NULL;"
    "CREATE INDEX items_event ON items(event_id, sort_at) WHERE event_id IS NOT NULL;"
    "CREATE TABLE analysis ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  normalized TEXT NOT NULL,"
    "  repost TEXT,"
    "  topics TEXT,"
    "  schemes TEXT,"
    "  terms TEXT,"
    "  simhash INTEGER NOT NULL,"
    "  sentiment_score REAL NOT NULL,"
    "  analyzed_at INTEGER NOT NULL"
    ");"
    /* Items stored before analysis existed are analysed in the background,
     * up to this id. */
    "CREATE TABLE analysis_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  backlog_next INTEGER NOT NULL, backlog_upto INTEGER NOT NULL);"
    "INSERT INTO analysis_state SELECT 1, 1, coalesce(max(id), 0) FROM items;"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  rep_item INTEGER,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  first_collected INTEGER NOT NULL,"
    "  items INTEGER NOT NULL,"
    "  sources INTEGER NOT NULL,"
    "  top_media TEXT,"
    "  negative INTEGER NOT NULL,"
    "  velocity REAL NOT NULL,"
    "  schemes TEXT,"
    "  terms TEXT,"
    "  topics TEXT,"
    "  score REAL NOT NULL,"
    "  level INTEGER NOT NULL,"
    "  explanation TEXT,"
    "  state TEXT,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX events_last ON events(last_seen);"
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('event', 'source')),"
    "  dedup_key TEXT NOT NULL UNIQUE,"
    "  event_id INTEGER REFERENCES events(id),"
    "  source_id INTEGER REFERENCES sources(id),"
    "  level INTEGER NOT NULL DEFAULT 0,"
    "  title TEXT NOT NULL,"
    "  raised_at INTEGER NOT NULL,"
    "  first_item_at INTEGER,"
    "  latency INTEGER," /* raised_at - first_item_at: feeds 预警及时率 */
    "  acked_by TEXT,"
    "  acked_at INTEGER"
    ");"
    "CREATE INDEX alerts_waiting ON alerts(raised_at) WHERE acked_at IS NULL;"
    "CREATE INDEX alerts_event ON alerts(event_id);"
    "CREATE TABLE labels ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  label INTEGER NOT NULL CHECK (label IN (-1, 0, 1)),"
    "  labelled_by TEXT NOT NULL,"
    "  labelled_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE models ("
    "  name TEXT PRIMARY KEY,"
    "  data BLOB NOT NULL,"
    "  info TEXT,"
    "  created_at INTEGER NOT NULL"
    ");",
    /* 3: people and roles, incidents and their forms, releases with every
     * version, department tasks, form drafts, the audit chain */
    "CREATE TABLE people ("
    "  id INTEGER PRIMARY KEY,"
    "  login TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  badge TEXT,"
    "  unit TEXT,"
    "  roles TEXT NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  title TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),"
    "  model_level INTEGER NOT NULL DEFAULT 0,"
    "  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 6),"
    "  officer TEXT,"
    "  departments TEXT,"
    "  origin TEXT,"
    "  event_id INTEGER REFERENCES events(id),"
    "  alert_id INTEGER REFERENCES alerts(id),"
    "  parent_id INTEGER REFERENCES incidents(id),"
    "  started_at INTEGER NOT NULL,"
    "  ack_from INTEGER,"
    "  acked_at INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  level_reason TEXT,"
    "  strategy TEXT,"
    "  reported_up INTEGER NOT NULL DEFAULT 0,"
    "  reported_at INTEGER,"
    "  facts TEXT,"
    "  evidence TEXT,"
    "  legal_opinion TEXT,"
    "  legal_by TEXT,"
    "  verified_by TEXT,"
    "  verified_at INTEGER,"
    "  outcome TEXT,"
    "  effective INTEGER NOT NULL DEFAULT -1,"
    "  effective_why TEXT,"
    "  secondary TEXT,"
    "  lessons TEXT,"
    "  satisfaction INTEGER NOT NULL DEFAULT -1,"
    "  closed_at INTEGER,"
    "  reopened INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX incidents_state ON incidents(state);"
    "CREATE INDEX incidents_created ON incidents(created_at);"
    "CREATE INDEX incidents_parent ON incidents(parent_id) WHERE parent_id IS NOT NULL;"
    "CREATE TABLE incident_events ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    "  event_id INTEGER NOT NULL REFERENCES events(id),"
    "  PRIMARY KEY (incident_id, event_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX incident_events_event ON incident_events(event_id);"
    "CREATE TABLE incident_items ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  PRIMARY KEY (incident_id, item_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE responses ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    "  channel TEXT NOT NULL,"
    "  content TEXT NOT NULL,"
    "  responded_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX responses_incident ON responses(incident_id);"
    /* status: draft (being written, or returned), submitted, approved,
     * published; correction set later when corrected or retracted */
    "CREATE TABLE releases ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    "  seq INTEGER NOT NULL,"
    "  final INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'published')),"
    "  approver TEXT,"
    "  decided_at INTEGER,"
    "  published_at INTEGER,"
    "  channel TEXT,"
    "  link TEXT,"
    "  correction TEXT CHECK (correction IN ('corrected', 'retracted')),"
    "  correction_reason TEXT,"
    "  corrected_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (incident_id, seq)"
    ");"
    "CREATE TABLE release_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES releases(id),"
    "  version INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  written_by TEXT NOT NULL,"
    "  written_at INTEGER NOT NULL,"
    "  UNIQUE (release_id, version)"
    ");"
    "CREATE TABLE release_reviews ("
    "  id INTEGER PRIMARY KEY,"
    "  release_id INTEGER NOT NULL REFERENCES releases(id),"
    "  version INTEGER NOT NULL,"
    "  decision TEXT NOT NULL CHECK (decision IN ('submitted', 'approved', 'returned')),"
    "  by_login TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  comment TEXT"
    ");"
    "CREATE TABLE tasks ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    "  department TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  due_at INTEGER NOT NULL,"
    "  assigned_by TEXT NOT NULL,"
    "  assigned_at INTEGER NOT NULL,"
    "  feedback TEXT,"
    "  feedback_by TEXT,"
    "  feedback_at INTEGER"
    ");"
    "CREATE INDEX tasks_incident ON tasks(incident_id);"
    /* a form being edited, kept so that a dropped session loses nothing */
    "CREATE TABLE drafts ("
    "  owner TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  data TEXT NOT NULL,"
    "  saved_at INTEGER NOT NULL,"
    "  PRIMARY KEY (owner, key)"
    ");"
    /* Append-only: each row's hash is SHA-256 over the previous row's hash
     * and this row's fields (see audit.c). */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  object_id INTEGER,"
    "  before TEXT,"
    "  after TEXT,"
    "  prev TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ");"
    "CREATE INDEX audit_object ON audit(object, object_id);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    /* the chain's head, written with every row: rows removed from the end
     * leave it pointing past the last one */
    "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  rows INTEGER NOT NULL, hash TEXT NOT NULL);"
    "INSERT INTO audit_head VALUES (1, 0, "
    "  '0000000000000000000000000000000000000000000000000000000000000000');"
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NEW.rows <= OLD.rows"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_head_keep BEFORE DELETE ON audit_head"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
    /* 4: the duty schedule and handover notes */
    "CREATE TABLE duty ("
    "  day INTEGER NOT NULL," /* day number in the configured zone */
    "  shift TEXT NOT NULL,"
    "  post TEXT NOT NULL,"
    "  login TEXT NOT NULL,"
    "  source TEXT NOT NULL CHECK (source IN ('rotation', 'override', 'swap')),"
    "  updated_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  PRIMARY KEY (day, shift, post)"
    ") WITHOUT ROWID;"
    "CREATE INDEX duty_login ON duty(login, day);"
    "CREATE TABLE handovers ("
    "  id INTEGER PRIMARY KEY,"
    "  day INTEGER NOT NULL,"
    "  shift TEXT NOT NULL,"
    "  from_login TEXT NOT NULL,"
    "  to_login TEXT,"
    "  note TEXT NOT NULL,"
    "  prefill TEXT NOT NULL,"
    "  written_at INTEGER NOT NULL,"
    "  acked_by TEXT,"
    "  acked_at INTEGER"
    ");"
    "CREATE INDEX handovers_written ON handovers(written_at);",
    /* 5: the notification outbox and the escalation steps taken */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  channel TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  alert_id INTEGER,"
    "  subject TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('waiting', 'sending', 'sent', 'digested',"
    "    'cancelled')),"
    "  created_at INTEGER NOT NULL,"
    "  next_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  claimed_at INTEGER,"
    "  claim INTEGER," /* who claimed it: a later update must come from the same pass */
    "  sent_at INTEGER,"
    "  last_error TEXT,"
    "  digest_id INTEGER REFERENCES outbox(id)"
    ");"
    "CREATE INDEX outbox_due ON outbox(channel, status, next_at);"
    "CREATE INDEX outbox_sent ON outbox(channel, sent_at) WHERE sent_at IS NOT NULL;"
    /* one sender at a time, so that two processes never share a rate limit */
    "CREATE TABLE notify_lock (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL,"
    "  until INTEGER NOT NULL);"
    "CREATE TABLE escalations ("
    "  alert_id INTEGER NOT NULL REFERENCES alerts(id),"
    "  step INTEGER NOT NULL," /* 0 raised (to the channels), 1 shift leader, 2 bureau */
    "  to_logins TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (alert_id, step)"
    ") WITHOUT ROWID;",
    /* 6: directories: units, the expert pool, media contacts, training */
    "CREATE TABLE units ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  parent TEXT,"
    "  phone TEXT,"
    "  note TEXT"
    ");"
    "CREATE TABLE experts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  field TEXT NOT NULL," /* law, media, sociology, ... */
    "  unit TEXT,"
    "  contact TEXT,"
    "  note TEXT,"
    "  UNIQUE (name, field)"
    ");"
    "CREATE TABLE media_contacts ("
    "  id INTEGER PRIMARY KEY,"
    "  outlet TEXT NOT NULL,"
    "  person TEXT NOT NULL,"
    "  contact TEXT,"
    "  note TEXT,"
    "  UNIQUE (outlet, person)"
    ");"
    "CREATE TABLE training ("
    "  id INTEGER PRIMARY KEY,"
    "  login TEXT NOT NULL,"
    "  course TEXT NOT NULL,"
    "  day TEXT NOT NULL," /* YYYY-MM-DD */
    "  hours REAL NOT NULL,"
    "  UNIQUE (login, course, day)"
    ");",
    /* 7: alert noise control and the officers' grading labels. One
     * escalation chain per event: a rise while the event's alert waits
     * updates that alert (its level, when and how often it rose) instead of
     * raising another; a flash is an alert raised although the event has an
     * open incident (a rise of two levels or more). Silences keep an
     * event's or a source's alerts from escalating and from the waiting
     * count until they end. A grading label is an officer's level that
     * differs from the model's, with the reason and the model's
     * explanation, for fitting the weights. */
    "ALTER TABLE alerts ADD COLUMN first_level INTEGER;" /* the level it was raised at */
    "ALTER TABLE alerts ADD COLUMN rises INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE alerts ADD COLUMN risen_at INTEGER;"
    "ALTER TABLE alerts ADD COLUMN flash INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE alerts ADD COLUMN incident_id INTEGER REFERENCES incidents(id);"
    "UPDATE alerts SET first_level = level;"
    "CREATE INDEX alerts_event_waiting ON alerts(event_id, id) WHERE acked_at IS NULL;"
    "CREATE TABLE silences ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER REFERENCES events(id),"
    "  source_id INTEGER REFERENCES sources(id),"
    "  reason TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  until INTEGER NOT NULL,"
    "  expired_by TEXT," /* ended early by hand */
    "  expired_at INTEGER,"
    "  CHECK ((event_id IS NULL) <> (source_id IS NULL))"
    ");"
    "CREATE INDEX silences_event ON silences(event_id) WHERE event_id IS NOT NULL;"
    "CREATE INDEX silences_source ON silences(source_id) WHERE source_id IS NOT NULL;"
    "CREATE TABLE grading_labels ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),"
    "  event_id INTEGER NOT NULL REFERENCES events(id),"
    "  model_level INTEGER NOT NULL,"
    "  model_score REAL NOT NULL,"
    "  officer_level INTEGER NOT NULL CHECK (officer_level BETWEEN 1 AND 4),"
    "  reason TEXT NOT NULL,"
    "  explanation TEXT,"
    "  labelled_by TEXT NOT NULL,"
    "  labelled_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX grading_labels_event ON grading_labels(event_id);",
    /* 8: a source that succeeds may still have lost or guessed something
     * (items past max_items, a charset the bytes did not fit): issue 15 */
    "ALTER TABLE sources ADD COLUMN last_warning TEXT;",
    /* 9: access and accountability. Read marks are per person (the old
     * items.read_at, one mark for everyone, is no longer read). A
     * statement's versions name their writer's person id, which the
     * approver check compares. A handover acknowledged by a leader for the
     * named receiver says so. Seals: an HMAC chain over the audit chain's
     * head, made by whoever holds the key (see audit.c). */
    "CREATE TABLE item_reads ("
    "  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
    "  person_id INTEGER NOT NULL REFERENCES people(id),"
    "  read_at INTEGER NOT NULL,"
    "  PRIMARY KEY (item_id, person_id)"
    ") WITHOUT ROWID;"
    "ALTER TABLE release_versions ADD COLUMN written_by_id INTEGER REFERENCES people(id);"
    "UPDATE release_versions SET written_by_id ="
    "  (SELECT p.id FROM people p WHERE p.login = release_versions.written_by);"
    "ALTER TABLE handovers ADD COLUMN acked_as_leader INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE audit_seals ("
    "  id INTEGER PRIMARY KEY,"
    "  rows INTEGER NOT NULL,"
    "  hash TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  prev TEXT NOT NULL,"
    "  mac TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
    /* 10: an event's state (the analyzer's memory of it, several KB of JSON,
     * read only to restore the analyzer) in a table of its own, so that
     * the risk board's scan of events reads narrow rows. */
    "CREATE TABLE event_states ("
    "  event_id INTEGER PRIMARY KEY REFERENCES events(id),"
    "  state TEXT NOT NULL"
    ");"
    "INSERT INTO event_states SELECT id, state FROM events WHERE state IS NOT NULL;"
    "ALTER TABLE events DROP COLUMN state;",
    /* 11: the collector's upkeep of the audit chain: for the seal and each
     * anchor target, the last success, the last attempt and its error, so
     * that `jingyu status` and every console can say when it is overdue
     * or failing (see src/collect/seal.c). */
    "CREATE TABLE audit_upkeep ("
    "  kind TEXT PRIMARY KEY," /* 'seal', 'anchor:file', 'anchor:channel' */
    "  target TEXT,"           /* the file or the channel */
    "  ok_at INTEGER,"         /* the last success */
    "  tried_at INTEGER NOT NULL,"
    "  error TEXT" /* the last attempt's; NULL when it succeeded */
    ");",
    /* 12: change marks, one counter per area of the screen (enum
     * store_area), moved by triggers, so that a console told by
     * data_version that someone committed re-reads only the areas that
     * changed (store_marks_read). New items are seen by max(items.id), so
     * an insert into items, the hot path, fires no trigger; the lease,
     * the index mark, event states, drafts and the outbox move none. */
    "CREATE TABLE IF NOT EXISTS changes (area INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO changes VALUES (0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0);" MARK_ON(
        "items_upd", "UPDATE", "items", "0") MARK_ON("items_del", "DELETE", "items",
                                                     "0") MARK_ALL("item_reads", "0")
        MARK_ALL("labels", "0") MARK_ON("sources_ins_items", "INSERT", "sources", "0") MARK_ON(
            "sources_name", "UPDATE OF name", "sources", "0") MARK_ALL("sources", "1")
            MARK_ALL("events", "2") MARK_ALL("alerts", "2") MARK_ALL("silences", "2") MARK_ALL(
                "escalations", "2") MARK_ALL("incidents", "3") MARK_ALL("incident_events", "3")
                MARK_ALL("incident_items", "3") MARK_ALL("responses", "3") MARK_ALL("releases", "3")
                    MARK_ALL("release_versions", "3") MARK_ALL("release_reviews", "3")
                        MARK_ALL("tasks", "3") MARK_ALL("grading_labels", "3")
                            MARK_ON("audit_ins", "INSERT", "audit", "3") MARK_ALL("duty", "4")
                                MARK_ALL("handovers", "4") MARK_ALL("people", "4")
                                    MARK_ALL("units", "5") MARK_ALL("experts", "5")
                                        MARK_ALL("media_contacts", "5") MARK_ALL("training", "5"),
    /* 13: what the analyzer's near-duplicate index files each first copy
     * under (its SimHash and the smallest values of its sketch), so that a
     * restart refiles the week's first copies without reading and
     * sketching their texts; a sketch is made from the text only when a
     * look-up meets the copy (see restore_lazy in analysis.c). Every first
     * copy from `complete_from` on has its row; older ones are read the old
     * way, and given their row, by the first restore that meets them. */
    "CREATE TABLE first_copies ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL," /* the item's fetched_at */
    "  simhash INTEGER NOT NULL,"
    "  low BLOB" /* NULL: filed under its SimHash; else 4 bytes (little-endian) a value */
    ");"
    "CREATE TABLE first_copies_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  complete_from INTEGER NOT NULL);"
    "INSERT INTO first_copies_state SELECT 1, coalesce(max(id), 0) + 1 FROM items;",
    /* 14: which items hold each CJK character (tokenizer jychar, no
     * positions), for the searches the bigram index cannot answer: a
     * single character, or one beside Latin letters or punctuation. It
     * covers the ids in (chars_state.floor, fts_state.indexed_upto]: new
     * items join it with the bigram index, and store_index_step fills in
     * the older ones newest first, lowering the floor to 0, so an existing
     * store gets it in the background instead of in a long migration
     * (search.c). Written to run again over its own tables unharmed. */
    "CREATE VIRTUAL TABLE IF NOT EXISTS items_chars USING fts5(title, content, content='items',"
    "  content_rowid='id', tokenize='jychar', detail='none', columnsize=0);"
    "CREATE TABLE IF NOT EXISTS chars_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  floor INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO chars_state SELECT 1, indexed_upto FROM fts_state;",
    /* 15: how many near-duplicates each first copy has, in a narrow table
     * of its own (issue 15, ingest at scale). The count used to sit on the
     * first copy's row in items, which carries the text (five rows to a
     * page), so every duplicate stored rewrote a page of older item rows,
     * into the WAL and again at the checkpoint; the further back its first
     * copies lie, the fewer of those rewrites share a page, and the blocks
     * written per item grew with the store (7.4 at 200 feeds x 50 items,
     * 10.5 at 10,000). Hundreds of counts share a page of item_dups.
     * items.dups is no longer read nor written; an archive's items.dups
     * still carries the count (archive.c). Its marks move as the items'
     * update trigger moved them. */
    "CREATE TABLE IF NOT EXISTS item_dups ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,"
    "  n INTEGER NOT NULL"
    ");"
    "INSERT OR IGNORE INTO item_dups SELECT id, dups FROM items WHERE dups > 0;" MARK_ALL(
        "item_dups", "0"),
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

_Static_assert(N_MIGRATIONS == STORE_SCHEMA_VERSION, "STORE_SCHEMA_VERSION must match migrations");

int store_db_error(struct store *st, struct jy_error *err, const char *what)
{
    return jy_error_set(err, JY_EDB, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_exec(struct store *st, const char *sql, struct jy_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = jy_error_set(err, JY_EDB, "%s: %s", st->path, msg ? msg : "error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int store_begin(struct store *st, struct jy_error *err)
{
    st->tx_lost = false;
    st->n_pend = 0;
    return store_exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct jy_error *err)
{
    int rc = 0;
    if (st->tx_lost)
        rc = jy_error_set(err, JY_ESTATE,
                          "%s: a write failed after others had been analysed; the whole "
                          "transaction was undone",
                          st->path);
    else if (st->n_pend && st->an) /* the events the writes touched, each once */
        rc = store_analysis_flush(st, st->an, st->pend_now, true, err);
    if (!rc)
        rc = store_exec(st, "COMMIT", err);
    if (rc)
        store_rollback(st);
    return rc;
}

void store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    /* whatever the analyzer learnt in this transaction is gone from disk */
    st->an_dirty = true;
    st->n_pend = 0;
    st->tx_lost = false;
}

sqlite3_stmt *store_stmt(struct store *st, enum stmt_id id, const char *sql, struct jy_error *err)
{
    sqlite3_stmt *s = st->stmts[id];
    if (!s) {
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
            store_db_error(st, err, "prepare");
            return NULL;
        }
        st->stmts[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

char *store_col_text(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? xstrdup((const char *)t) : NULL;
}

int store_tx_begin(struct store *st, struct jy_error *err)
{
    return store_begin(st, err);
}

int store_tx_commit(struct store *st, struct jy_error *err)
{
    return store_commit(st, err);
}

void store_tx_rollback(struct store *st)
{
    store_rollback(st);
}

static int get_version(struct store *st, int *v, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read schema version");
    int rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read schema version");
}

int store_schema_version(struct store *st, int *version)
{
    return get_version(st, version, NULL);
}

static int migrate(struct store *st, struct jy_error *err)
{
    int v;
    int rc = get_version(st, &v, err);
    if (rc)
        return rc;
    if (v > STORE_SCHEMA_VERSION)
        return jy_error_set(err, JY_EVERSION,
                            "%s: database schema version %d is newer than this jingyu (%d); "
                            "use a newer jingyu",
                            st->path, v, STORE_SCHEMA_VERSION);
    if (v == STORE_SCHEMA_VERSION)
        return 0;
    if ((rc = store_begin(st, err)))
        return rc;
    /* Re-read inside the write lock: another process may have migrated. */
    if ((rc = get_version(st, &v, err)))
        goto fail;
    for (; v < STORE_SCHEMA_VERSION; v++) {
        if ((rc = store_exec(st, migrations[v], err)))
            goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = store_exec(st, sql, err)))
            goto fail;
    }
    return store_commit(st, err);
fail:
    store_rollback(st);
    return rc;
}

/* Switches the file to WAL, which lets consoles read while the collector
 * writes. The switch needs a moment of exclusive access, and when two
 * processes create the file at once it can quietly stay in rollback mode:
 * check the answer and try again. */
static int set_wal(struct store *st, struct jy_error *err)
{
    char mode[16] = "";
    for (int attempt = 0; attempt < 50; attempt++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK)
            return store_db_error(st, err, "journal mode");
        if (sqlite3_step(s) == SQLITE_ROW)
            snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        if (strcmp(mode, "wal") == 0)
            return 0;
        usleep(100 * 1000);
    }
    return jy_error_set(err, JY_EDB, "%s: cannot switch to WAL mode (journal mode is %s)", st->path,
                        mode[0] ? mode : "unknown");
}

/* jy_reader(): the person whose read marks this connection's item rows
 * show (store_set_reader). */
static void sql_reader(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    const struct store *st = sqlite3_user_data(ctx);
    sqlite3_result_int64(ctx, st->reader);
}

void store_set_reader(struct store *st, int64_t person_id)
{
    st->reader = person_id;
}

int store_register_reader(struct store *st, struct jy_error *err)
{
    if (sqlite3_create_function(st->db, "jy_reader", 0, SQLITE_UTF8, st, sql_reader, NULL, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "register jy_reader");
    return 0;
}

/* A new file is made in incremental auto-vacuum mode, so that `jingyu db
 * vacuum` can give pages back in short steps while others write (see
 * maint.c). The mode can only be chosen before the first table. */
static int set_auto_vacuum(struct store *st, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read schema");
    int rc = sqlite3_step(s);
    bool empty = rc == SQLITE_ROW && sqlite3_column_int(s, 0) == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return store_db_error(st, err, "read schema");
    return empty ? store_exec(st, "PRAGMA auto_vacuum = INCREMENTAL", err) : 0;
}

/* Sizing for a store of millions of items. SQLite's default page cache
 * is 2 MB: once the indexes an insert touches outgrow it, every insert
 * reads its pages back from the file and the cost per item grows with the
 * store. 64 MiB holds the hot part of the indexes of a year's store; it is
 * a ceiling, filled only as pages are used. Reads of the main file go
 * through a shared memory map (the kernel's page cache, once for every
 * console on the server) instead of a private copy per connection. The
 * WAL is checkpointed every 4,000 pages (16 MiB) instead of 1,000: a page
 * that several commits rewrite (an index's hot leaf, an event's row) is
 * copied into the file once per checkpoint, and each checkpoint costs two
 * fsyncs. */
#define STORE_SIZING_PRAGMAS                                                                       \
    "PRAGMA cache_size = -65536;"                                                                  \
    "PRAGMA mmap_size = 1073741824;"                                                               \
    "PRAGMA wal_autocheckpoint = 4000;"

int store_open(const char *path, struct store **out, struct jy_error *err)
{
    *out = NULL;
    struct store *st = xcalloc(1, sizeof *st);
    jy_buf_init(&st->json, 0);
    st->path = xstrdup(path);
    int rc = sqlite3_open_v2(
        path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = jy_error_set(err, JY_EDB, "%s: cannot open database: %s", path,
                          st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return rc;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    if ((rc = store_register_reader(st, err))) {
        store_close(st);
        return rc;
    }
    if ((rc = store_tokenizer_register(st->db, err)) || (rc = set_auto_vacuum(st, err)) ||
        (rc = set_wal(st, err)) ||
        (rc = store_exec(st,
                         "PRAGMA synchronous = NORMAL;"
                         "PRAGMA foreign_keys = ON;"
                         "PRAGMA temp_store = MEMORY;" STORE_SIZING_PRAGMAS,
                         err)) ||
        (rc = migrate(st, err))) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

int store_open_readonly(const char *path, struct store **out, struct jy_error *err)
{
    *out = NULL;
    struct store *st = xcalloc(1, sizeof *st);
    jy_buf_init(&st->json, 0);
    st->path = xstrdup(path);
    int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = jy_error_set(err, JY_EDB, "%s: cannot open database: %s", path,
                          st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return rc;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    int v = 0;
    if ((rc = store_register_reader(st, err)) || (rc = store_tokenizer_register(st->db, err)) ||
        (rc = store_exec(st, "PRAGMA query_only = ON;" STORE_SIZING_PRAGMAS, err)) ||
        (rc = get_version(st, &v, err))) {
        store_close(st);
        return rc;
    }
    if (v != STORE_SCHEMA_VERSION) {
        rc = jy_error_set(err, JY_EVERSION,
                          v > STORE_SCHEMA_VERSION
                              ? "%s: database schema version %d is newer than this jingyu (%d); "
                                "use a newer jingyu"
                              : "%s: database schema version %d is older than this jingyu (%d), "
                                "and a read-only console does not migrate it; open it once "
                                "without --read-only (or run jingyu status) to migrate",
                          path, v, STORE_SCHEMA_VERSION);
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    if (st->db)
        sqlite3_close(st->db);
    free(st->path);
    free(st->fence_host);
    free(st->pend);
    jy_buf_free(&st->json);
    free(st);
}

int store_marks_read(struct store *st, struct store_marks *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = store_stmt(st, STMT_MARKS,
                                 "SELECT -1, coalesce(max(id), 0) FROM items "
                                 "UNION ALL SELECT area, n FROM changes",
                                 err);
    if (!s)
        return JY_EDB;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int area = sqlite3_column_int(s, 0);
        int64_t v = sqlite3_column_int64(s, 1);
        if (area < 0)
            out->items_max = v;
        else if (area < STORE_AREA_N)
            out->n[area] = v;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "read change marks");
}

unsigned store_marks_diff(const struct store_marks *a, const struct store_marks *b)
{
    unsigned mask = a->items_max != b->items_max ? 1u << STORE_AREA_ITEMS : 0;
    for (int i = 0; i < STORE_AREA_N; i++)
        if (a->n[i] != b->n[i])
            mask |= 1u << i;
    return mask;
}

int store_data_version(struct store *st, int64_t *v, struct jy_error *err)
{
    sqlite3_stmt *s = store_stmt(st, STMT_DATA_VERSION, "PRAGMA data_version", err);
    if (!s)
        return JY_EDB;
    if (sqlite3_step(s) != SQLITE_ROW)
        return store_db_error(st, err, "data_version");
    *v = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}
