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

/* Feeds one field: its length, then its bytes (NULL is "-"), so that no
 * two different rows hash the same text. */
static void hash_field(EVP_MD_CTX *ctx, const char *s)
{
    char len[32];
    if (!s) {
        EVP_DigestUpdate(ctx, "-;", 2);
        return;
    }
    size_t n = strlen(s);
    int w = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(ctx, len, (size_t)w);
    EVP_DigestUpdate(ctx, s, n);
    EVP_DigestUpdate(ctx, ";", 1);
}

static void hash_int(EVP_MD_CTX *ctx, int64_t v, bool null)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    hash_field(ctx, null ? NULL : buf);
}

struct audit_row {
    int64_t id, at, object_id;
    bool object_id_null;
    const char *actor, *action, *object, *before, *after, *prev;
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
                          .actor = actor && *actor ? actor : "?",
                          .action = action,
                          .object = object,
                          .before = before,
                          .after = after,
                          .prev = prev};
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
    sqlite3_bind_text(s, 3, r.actor, -1, SQLITE_STATIC);
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

int store_audit_verify(struct store *st, struct store_audit_check *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    /* one read transaction: a consistent chain even while others append */
    int rc = store_exec(st, "BEGIN", err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, at, actor, action, object, object_id, before, after, prev, "
                           "hash FROM audit ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "audit verify");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    char prev[65] = GENESIS;
    int64_t expect_id = 1;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct audit_row r = {
            .id = sqlite3_column_int64(s, 0),
            .at = sqlite3_column_int64(s, 1),
            .actor = col(s, 2),
            .action = col(s, 3),
            .object = col(s, 4),
            .object_id = sqlite3_column_int64(s, 5),
            .object_id_null = sqlite3_column_type(s, 5) == SQLITE_NULL,
            .before = col(s, 6),
            .after = col(s, 7),
            .prev = col(s, 8),
        };
        const char *stored = col(s, 9);
        out->rows++;
        const char *why = NULL;
        char hash[65];
        if (r.id != expect_id)
            why = "rows are missing before it";
        else if (!r.prev || strcmp(r.prev, prev))
            why = "it does not chain to the row before it";
        else if (row_hash(&r, hash) || !stored || strcmp(hash, stored))
            why = "its content does not match its hash";
        if (why) {
            out->bad_id = r.id;
            snprintf(out->why, sizeof out->why, "%s", why);
            break;
        }
        snprintf(prev, sizeof prev, "%s", stored);
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
    if (!ok) {
        rc = store_db_error(st, err, "audit verify");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    snprintf(out->head, sizeof out->head, "%s", prev);
    return 0;
}

int store_audit_list(struct store *st, const char *object, int64_t object_id, size_t limit,
                     struct store_audit **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    const char *sql =
        object ? "SELECT id, at, actor, action, object, object_id, before, after, hash FROM audit "
                 "WHERE object = ?1 AND object_id = ?2 ORDER BY id DESC LIMIT ?3"
               : "SELECT id, at, actor, action, object, object_id, before, after, hash FROM audit "
                 "ORDER BY id DESC LIMIT ?3";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "audit list");
    if (object) {
        sqlite3_bind_text(s, 1, object, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, object_id);
    }
    sqlite3_bind_int64(s, 3, (int64_t)limit);
    struct store_audit *v = xcalloc(limit ? limit : 1, sizeof *v);
    size_t k = 0;
    int rc = SQLITE_DONE;
    while (k < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
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
    if (k < limit && rc != SQLITE_DONE) {
        store_audit_free(v, k);
        return store_db_error(st, err, "audit list");
    }
    *out = v;
    *n = k;
    return 0;
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
