/* lease.c: the collector lease.
 *
 * Exactly one process collects at a time, so that sources are not fetched
 * twice and ETags are not raced. The holder is one row (host, pid,
 * heartbeat) changed only inside BEGIN IMMEDIATE, which makes "read, decide,
 * write" atomic across processes. A holder that stops beating for ttl
 * seconds, or whose pid is gone on this same host, loses the lease. */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static bool pid_gone(int pid)
{
    return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

int store_lease_acquire(struct store *st, const char *host, int pid, int64_t now, int ttl,
                        bool *got, struct jy_error *err)
{
    *got = false;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    struct store_lease cur;
    bool present;
    if ((rc = store_lease_get(st, &cur, &present, err))) {
        store_rollback(st);
        return rc;
    }
    bool ours = present && cur.pid == pid && strcmp(cur.host, host) == 0;
    /* a heartbeat from the future (the clock was stepped back) proves
     * nothing: treat it as stale too */
    bool free_to_take = !present || cur.heartbeat < now - ttl || cur.heartbeat > now + ttl ||
                        (strcmp(cur.host, host) == 0 && cur.pid != pid && pid_gone(cur.pid));
    if (!ours && !free_to_take) {
        store_rollback(st);
        return 0;
    }
    sqlite3_stmt *s;
    const char *sql = ours ? "UPDATE lease SET heartbeat = ?4 WHERE name = 'collector'"
                           : "INSERT OR REPLACE INTO lease (name, host, pid, since, heartbeat)"
                             " VALUES ('collector', ?1, ?2, ?3, ?4)";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "lease");
        store_rollback(st);
        return rc;
    }
    if (!ours) {
        sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, pid);
        sqlite3_bind_int64(s, 3, now);
    }
    sqlite3_bind_int64(s, 4, now);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        rc = store_db_error(st, err, "lease");
        store_rollback(st);
        return rc;
    }
    if ((rc = store_commit(st, err)))
        return rc;
    *got = true;
    return 0;
}

int store_lease_release(struct store *st, const char *host, int pid, struct jy_error *err)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "DELETE FROM lease WHERE name = 'collector' AND host = ?1 AND pid = ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "release lease");
    sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, pid);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "release lease");
}

int store_lease_get(struct store *st, struct store_lease *out, bool *present, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    *present = false;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT host, pid, since, heartbeat FROM lease WHERE name = 'collector'",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read lease");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(s, 0);
        snprintf(out->host, sizeof out->host, "%s", h ? (const char *)h : "");
        out->pid = sqlite3_column_int(s, 1);
        out->since = sqlite3_column_int64(s, 2);
        out->heartbeat = sqlite3_column_int64(s, 3);
        *present = true;
    }
    sqlite3_finalize(s);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_db_error(st, err, "read lease");
}

void store_lease_fence(struct store *st, const char *host, int pid)
{
    free(st->fence_host);
    st->fence_host = host ? xstrdup(host) : NULL;
    st->fence_pid = pid;
}

int store_fence_check(struct store *st, struct jy_error *err)
{
    if (!st->fence_host)
        return 0;
    sqlite3_stmt *s =
        store_stmt(st, STMT_FENCE,
                   "SELECT 1 FROM lease WHERE name = 'collector' AND host = ?1 AND pid = ?2", err);
    if (!s)
        return JY_EDB;
    sqlite3_bind_text(s, 1, st->fence_host, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, st->fence_pid);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_EBUSY, "this process no longer holds the collector lease");
    return store_db_error(st, err, "check lease");
}
