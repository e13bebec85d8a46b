/* audit.c: the append-only audit trail.
 *
 * Every create, change, transition, approval, acknowledgement and login
 * appends a row in the same transaction as the change it records. Each row
 * carries the SHA-256 of the previous row's hash and its own fields, so that
 * changing any byte of an old row (or removing one) breaks the chain at that
 * row, which `jingyu audit verify` names; a head record, written with every
 * row, catches rows removed from the end. Triggers refuse UPDATE and DELETE
 * through SQL; the chain catches what goes around SQLite. The hash is not
 * keyed: someone able to write the file who recomputes the chain and its
 * head from the changed row on is not caught. verify prints the head hash
 * so that it can be noted elsewhere (a handover note, a report) and
 * compared. The previous hash
 * is read inside the writer's BEGIN IMMEDIATE, so two processes appending
 * at once still form one chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "store_int.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

int store_write_begin(struct store *st, bool *nested, struct jy_error *err)
{
    *nested = !sqlite3_get_autocommit(st->db);
    return *nested ? store_exec(st, "SAVEPOINT w", err) : store_begin(st, err);
}

int store_write_end(struct store *st, bool nested, int rc, struct jy_error *err)
{
    if (rc) {
        if (nested) {
            sqlite3_exec(st->db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL);
        } else {
            store_rollback(st);
        }
        return rc;
    }
    return nested ? store_exec(st, "RELEASE w", err) : store_commit(st, err);
}

/* A field's bytes: its length counts, not its first NUL (a byte changed
 * after a NUL in the file must still break the chain). */
struct field {
    const char *p; /* NULL: SQL NULL */
    size_t n;
};

static struct field field_str(const char *s)
{
    return (struct field){s, s ? strlen(s) : 0};
}

static struct field field_col(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return (struct field){NULL, 0};
    const char *p = (const char *)sqlite3_column_blob(s, i);
    return (struct field){p ? p : "", (size_t)sqlite3_column_bytes(s, i)};
}

/* Feeds one field: its length, then its bytes (NULL is "-"), so that no
 * two different rows hash the same text. */
static void hash_field(EVP_MD_CTX *ctx, struct field f)
{
    char len[32];
    if (!f.p) {
        EVP_DigestUpdate(ctx, "-;", 2);
        return;
    }
    int w = snprintf(len, sizeof len, "%zu:", f.n);
    EVP_DigestUpdate(ctx, len, (size_t)w);
    EVP_DigestUpdate(ctx, f.p, f.n);
    EVP_DigestUpdate(ctx, ";", 1);
}

static void hash_int(EVP_MD_CTX *ctx, int64_t v, bool null)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    hash_field(ctx, field_str(null ? NULL : buf));
}

struct audit_row {
    int64_t id, at, object_id;
    bool object_id_null;
    struct field actor, action, object, before, after, prev;
};

static int row_hash(const struct audit_row *r, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        return JY_ENOMEM;
    }
    EVP_DigestUpdate(ctx, "jingyu-audit-1;", 15);
    hash_field(ctx, r->prev);
    hash_int(ctx, r->id, false);
    hash_int(ctx, r->at, false);
    hash_field(ctx, r->actor);
    hash_field(ctx, r->action);
    hash_field(ctx, r->object);
    hash_int(ctx, r->object_id, r->object_id_null);
    hash_field(ctx, r->before);
    hash_field(ctx, r->after);
    int ok = EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (!ok || len != 32)
        return JY_EIO;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int store_audit_append(struct store *st, const char *actor, const char *action, const char *object,
                       int64_t object_id, const char *before, const char *after, int64_t now,
                       struct jy_error *err)
{
    if (sqlite3_get_autocommit(st->db))
        return jy_error_set(err, JY_EINVAL, "audit row outside a transaction");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit");
    char prev[65] = GENESIS;
    int64_t id = 1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0) + 1;
        const unsigned char *h = sqlite3_column_text(s, 1);
        snprintf(prev, sizeof prev, "%s", h ? (const char *)h : "");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "audit");
    struct audit_row r = {.id = id,
                          .at = now,
                          .object_id = object_id,
                          .object_id_null = object_id == 0,
                          .actor = field_str(actor && *actor ? actor : "?"),
                          .action = field_str(action),
                          .object = field_str(object),
                          .before = field_str(before),
                          .after = field_str(after),
                          .prev = field_str(prev)};
    char hash[65];
    if ((rc = row_hash(&r, hash)))
        return jy_error_set(err, rc, "audit: cannot compute SHA-256");
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO audit (id, at, actor, action, object, object_id, before, "
                           "after, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_text(s, 3, r.actor.p, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, object, -1, SQLITE_STATIC);
    if (object_id)
        sqlite3_bind_int64(s, 6, object_id);
    sqlite3_bind_text(s, 7, before, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, after, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, err, "audit");
    if (sqlite3_prepare_v2(st->db, "UPDATE audit_head SET rows = ?1, hash = ?2 WHERE id = 1", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit head");
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "audit head");
}

int store_audit_record(struct store *st, const char *actor, const char *action, const char *object,
                       int64_t object_id, const char *after, int64_t now, struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    rc = store_audit_append(st, actor, action, object, object_id, NULL, after, now, err);
    return store_write_end(st, nested, rc, err);
}

static const char *col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

/* Checks the rows against their hashes and the head, inside the caller's
 * transaction. */
static int chain_check(struct store *st, struct store_audit_check *out, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, at, actor, action, object, object_id, before, after, prev, "
                           "hash FROM audit ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit verify");
    char prev[65] = GENESIS;
    int64_t expect_id = 1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct audit_row r = {
            .id = sqlite3_column_int64(s, 0),
            .at = sqlite3_column_int64(s, 1),
            .actor = field_col(s, 2),
            .action = field_col(s, 3),
            .object = field_col(s, 4),
            .object_id = sqlite3_column_int64(s, 5),
            .object_id_null = sqlite3_column_type(s, 5) == SQLITE_NULL,
            .before = field_col(s, 6),
            .after = field_col(s, 7),
            .prev = field_col(s, 8),
        };
        struct field stored = field_col(s, 9);
        out->rows++;
        const char *why = NULL;
        char hash[65];
        if (r.id != expect_id)
            why = "rows are missing before it";
        else if (!r.prev.p || r.prev.n != strlen(prev) || memcmp(r.prev.p, prev, r.prev.n))
            why = "it does not chain to the row before it";
        else if (row_hash(&r, hash) || !stored.p || stored.n != 64 || memcmp(hash, stored.p, 64))
            why = "its content does not match its hash";
        if (why) {
            out->bad_id = r.id;
            snprintf(out->why, sizeof out->why, "%s", why);
            break;
        }
        memcpy(prev, hash, sizeof prev);
        expect_id = r.id + 1;
    }
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    sqlite3_finalize(s);
    /* the head says how many rows there were and what the last one hashed
     * to: a chain cut short at its end is caught here */
    if (ok && !out->bad_id) {
        ok = sqlite3_prepare_v2(st->db, "SELECT rows, hash FROM audit_head WHERE id = 1", -1, &s,
                                NULL) == SQLITE_OK;
        if (ok && sqlite3_step(s) == SQLITE_ROW) {
            int64_t rows = sqlite3_column_int64(s, 0);
            const char *h = col(s, 1);
            if (rows > expect_id - 1) {
                out->bad_id = expect_id;
                snprintf(out->why, sizeof out->why,
                         "rows %lld to %lld are missing at the end of the chain",
                         (long long)expect_id, (long long)rows);
            } else if (rows < expect_id - 1 || !h || strcmp(h, prev)) {
                out->bad_id = expect_id - 1;
                snprintf(out->why, sizeof out->why, "the chain's head record does not match it");
            }
        } else if (ok) {
            out->bad_id = 1;
            snprintf(out->why, sizeof out->why, "the chain's head record is missing");
        }
        sqlite3_finalize(s);
    }
    if (!ok)
        return store_db_error(st, err, "audit verify");
    snprintf(out->head, sizeof out->head, "%s", prev);
    out->head_rows = expect_id - 1;
    return 0;
}

/* ---- the keyed chain: seals ------------------------------------------------
 *
 * Anyone able to write the file can recompute the plain chain after
 * changing a row, or cut rows off its end and rewrite the head. A seal is
 * an HMAC-SHA256, under a key kept in the owner-only secrets file, over the
 * head (rows, hash) at the time and the previous seal's MAC: without the
 * key no seal can be made or changed, and since each row's hash covers all
 * rows before it, a seal vouches for every row up to its count. Processes
 * without the key (operators' consoles under their own logins) append
 * rows as before; `jingyu audit seal` (or anchor, or a cron job) seals
 * them. Rows after the last seal are covered by the next one. */

static int seal_mac(const char *key, int64_t id, int64_t rows, const char *hash, int64_t at,
                    const char *prev, char out[65])
{
    char *msg = xasprintf("jingyu-seal-1;%lld;%lld;%s;%lld;%s", (long long)id, (long long)rows,
                          hash, (long long)at, prev);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    bool ok = HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, strlen(msg), md,
                   &len) != NULL &&
              len == 32;
    free(msg);
    if (!ok)
        return JY_EIO;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* The stored hash of row id (checked by chain_check beforehand). */
static int row_stored_hash(struct store *st, int64_t id, char out[65], struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT hash FROM audit WHERE id = ?1", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, err, "audit seal");
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    const char *h = rc == SQLITE_ROW ? col(s, 0) : NULL;
    snprintf(out, 65, "%s", h ? h : "");
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_db_error(st, err, "audit seal");
}

/* Checks the seals (with key) after chain_check found the rows whole. */
static int seals_check(struct store *st, const char *key, struct store_audit_check *out,
                       struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, rows, hash, at, prev, mac FROM audit_seals ORDER BY id", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit seals");
    char prev[65] = GENESIS;
    int64_t expect_id = 1, last_rows = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        out->seals++;
        if (!key)
            continue;
        int64_t id = sqlite3_column_int64(s, 0), rows = sqlite3_column_int64(s, 1),
                at = sqlite3_column_int64(s, 3);
        const char *hash = col(s, 2), *sprev = col(s, 4), *mac = col(s, 5);
        char want[65] = "", row_hash_now[65] = "";
        const char *why = NULL;
        int hrc = 0;
        if (id != expect_id)
            why = "seals are missing before it";
        else if (!sprev || strcmp(sprev, prev))
            why = "it does not chain to the seal before it";
        else if (!hash || seal_mac(key, id, rows, hash, at, prev, want) || !mac ||
                 strcmp(want, mac))
            why = "its MAC does not match (made without the key, or changed)";
        else if (rows < last_rows)
            why = "it seals fewer rows than the seal before it";
        else if (rows > out->head_rows)
            why = "rows it sealed are missing at the end of the chain";
        else if (rows > 0 && ((hrc = row_stored_hash(st, rows, row_hash_now, err)) ||
                              strcmp(row_hash_now, hash)))
            why = "the row it sealed has changed";
        if (hrc) { /* a read that failed is no verdict */
            sqlite3_finalize(s);
            return hrc;
        }
        if (why) {
            out->bad_seal = id;
            snprintf(out->why, sizeof out->why, "seal %lld: %s", (long long)id, why);
            break;
        }
        snprintf(prev, sizeof prev, "%s", mac);
        expect_id = id + 1;
        last_rows = rows;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "audit seals");
    out->sealed_rows = last_rows;
    snprintf(out->seal_mac, sizeof out->seal_mac, "%s", prev);
    return 0;
}

int store_audit_verify(struct store *st, const char *key, struct store_audit_check *out,
                       struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    out->keyed = key != NULL;
    /* one read transaction: a consistent chain even while others append */
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    if (!(rc = chain_check(st, out, err)) && !out->bad_id)
        rc = seals_check(st, key, out, err);
    sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int store_audit_seal(struct store *st, const char *key, int64_t now, struct store_audit_check *out,
                     struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    out->keyed = true;
    if (!key || !*key)
        return jy_error_set(err, JY_ECONFIG, "no audit key: set audit.key to a secret's name");
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    /* the collector's connection seals only while it holds the lease */
    if (!(rc = store_fence_check(st, err)) && !(rc = chain_check(st, out, err)) && !out->bad_id)
        rc = seals_check(st, key, out, err);
    if (!rc && (out->bad_id || out->bad_seal))
        rc = jy_error_set(err, JY_ESTATE, "not sealed: %s", out->why);
    if (rc)
        return store_write_end(st, nested, rc, err);
    int64_t id = (int64_t)out->seals + 1;
    char mac[65];
    if (seal_mac(key, id, out->head_rows, out->head, now, out->seal_mac, mac))
        return store_write_end(
            st, nested, jy_error_set(err, JY_EIO, "audit seal: cannot compute the HMAC"), err);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO audit_seals (id, rows, hash, at, prev, mac) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "audit seal"), err);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, out->head_rows);
    sqlite3_bind_text(s, 3, out->head, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_text(s, 5, out->seal_mac, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, mac, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "audit seal");
    sqlite3_finalize(s);
    if (!rc) {
        out->seals++;
        out->sealed_rows = out->head_rows;
        snprintf(out->seal_mac, sizeof out->seal_mac, "%s", mac);
    }
    return store_write_end(st, nested, rc, err);
}

/* ---- upkeep: what the collector's sealing and anchoring did ------------------ */

static void upkeep_clear(struct store_upkeep *u)
{
    free(u->target);
    free(u->error);
    memset(u, 0, sizeof *u);
}

void store_audit_state_clear(struct store_audit_state *s)
{
    for (size_t i = 0; i < s->n_upkeep; i++)
        upkeep_clear(&s->upkeep[i]);
    memset(s, 0, sizeof *s);
}

const struct store_upkeep *store_audit_upkeep_find(const struct store_audit_state *s,
                                                   const char *kind)
{
    for (size_t i = 0; i < s->n_upkeep; i++)
        if (!strcmp(s->upkeep[i].kind, kind))
            return &s->upkeep[i];
    return NULL;
}

static int state_read(struct store *st, struct store_audit_state *out, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = SQLITE_DONE;
    /* the head, the last seal and the time of the first row after it */
    if (sqlite3_prepare_v2(st->db,
                           "SELECT h.rows, s.rows, s.at, "
                           "  (SELECT a.at FROM audit a WHERE a.id = COALESCE(s.rows, 0) + 1) "
                           "FROM audit_head h LEFT JOIN "
                           "  (SELECT rows, at FROM audit_seals ORDER BY id DESC LIMIT 1) s "
                           "WHERE h.id = 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit state");
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        out->head_rows = sqlite3_column_int64(s, 0);
        out->sealed_rows = sqlite3_column_int64(s, 1);
        out->seal_at = sqlite3_column_int64(s, 2);
        out->first_unsealed_at = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "audit state");
    if (sqlite3_prepare_v2(st->db,
                           "SELECT kind, target, ok_at, tried_at, error FROM audit_upkeep "
                           "ORDER BY kind",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit upkeep");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && out->n_upkeep < STORE_UPKEEP_MAX) {
        struct store_upkeep *u = &out->upkeep[out->n_upkeep++];
        snprintf(u->kind, sizeof u->kind, "%s", col(s, 0) ? col(s, 0) : "");
        u->target = store_col_text(s, 1);
        u->ok_at = sqlite3_column_int64(s, 2);
        u->tried_at = sqlite3_column_int64(s, 3);
        u->error = store_col_text(s, 4);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error(st, err, "audit upkeep");
    return 0;
}

int store_audit_state_get(struct store *st, struct store_audit_state *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    /* one read transaction: the head and the seal from the same moment */
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    rc = state_read(st, out, err);
    sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    if (rc)
        store_audit_state_clear(out);
    return rc;
}

int store_audit_upkeep_note(struct store *st, const char *kind, const char *target, int64_t now,
                            const char *error, struct jy_error *err)
{
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    if ((rc = store_fence_check(st, err)))
        return store_write_end(st, nested, rc, err);
    sqlite3_stmt *s = NULL;
    /* a success sets ok_at; a failure keeps the last success, unless the
     * target changed (a new file has never had a line) */
    if (sqlite3_prepare_v2(
            st->db,
            "INSERT INTO audit_upkeep (kind, target, ok_at, tried_at, error) "
            "VALUES (?1, ?2, CASE WHEN ?4 IS NULL THEN ?3 END, ?3, ?4) "
            "ON CONFLICT (kind) DO UPDATE SET "
            "  ok_at = CASE WHEN excluded.error IS NULL THEN excluded.tried_at "
            "               WHEN target IS excluded.target THEN ok_at END, "
            "  target = excluded.target, tried_at = excluded.tried_at, error = excluded.error",
            -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "audit upkeep"), err);
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, error, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "audit upkeep");
    sqlite3_finalize(s);
    return store_write_end(st, nested, rc, err);
}

/* An incident's own trail: its rows, and those of its releases, its tasks,
 * its grading label and the alerts that led to it or were raised on its
 * events (raised, risen, escalated, acknowledged). */
#define AUDIT_INCIDENT_TRAIL                                                                       \
    "(object = 'incident' AND object_id = ?2) OR "                                                 \
    "(object = 'release' AND object_id IN (SELECT id FROM releases WHERE incident_id = ?2)) OR "   \
    "(object = 'task' AND object_id IN (SELECT id FROM tasks WHERE incident_id = ?2)) OR "         \
    "(object = 'grading_label' AND object_id IN "                                                  \
    "  (SELECT id FROM grading_labels WHERE incident_id = ?2)) OR "                                \
    "(object = 'alert' AND object_id IN (SELECT a.id FROM alerts a WHERE a.incident_id = ?2 OR "   \
    "  a.id = (SELECT alert_id FROM incidents WHERE id = ?2) OR "                                  \
    "  a.event_id = (SELECT event_id FROM incidents WHERE id = ?2) OR "                            \
    "  a.event_id IN (SELECT event_id FROM incident_events WHERE incident_id = ?2)))"

int store_audit_page(struct store *st, const char *object, int64_t object_id, size_t offset,
                     size_t limit, struct store_audit **out, size_t *n, bool *more,
                     struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    if (more)
        *more = false;
    sqlite3_stmt *s = NULL;
    const char *cols = "SELECT id, at, actor, action, object, object_id, before, after, hash "
                       "FROM audit ";
    char *sql =
        !object ? xasprintf("%sORDER BY id DESC LIMIT ?3 OFFSET ?4", cols)
        : !strcmp(object, "incident")
            ? xasprintf("%sWHERE " AUDIT_INCIDENT_TRAIL " ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                        cols)
            : xasprintf("%sWHERE object = ?1 AND object_id = ?2 ORDER BY id DESC "
                        "LIMIT ?3 OFFSET ?4",
                        cols);
    int prc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    free(sql);
    if (prc != SQLITE_OK)
        return store_db_error(st, err, "audit list");
    if (object) {
        sqlite3_bind_text(s, 1, object, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, object_id);
    }
    /* one row more than asked tells whether there are more */
    sqlite3_bind_int64(s, 3, (int64_t)limit + 1);
    sqlite3_bind_int64(s, 4, (int64_t)offset);
    struct store_audit *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == limit) {
            if (more)
                *more = true;
            rc = SQLITE_DONE;
            break;
        }
        struct store_audit *a = &v[k++];
        a->id = sqlite3_column_int64(s, 0);
        a->at = sqlite3_column_int64(s, 1);
        a->actor = store_col_text(s, 2);
        a->action = store_col_text(s, 3);
        a->object = store_col_text(s, 4);
        a->object_id = sqlite3_column_int64(s, 5);
        a->before = store_col_text(s, 6);
        a->after = store_col_text(s, 7);
        a->hash = store_col_text(s, 8);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_audit_free(v, k);
        return store_db_error(st, err, "audit list");
    }
    *out = v;
    *n = k;
    return 0;
}

int store_audit_list(struct store *st, const char *object, int64_t object_id, size_t limit,
                     struct store_audit **out, size_t *n, struct jy_error *err)
{
    return store_audit_page(st, object, object_id, 0, limit, out, n, NULL, err);
}

void store_audit_free(struct store_audit *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].actor);
        free(v[i].action);
        free(v[i].object);
        free(v[i].before);
        free(v[i].after);
        free(v[i].hash);
    }
    free(v);
}
