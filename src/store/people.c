/* people.c: people and their roles, the mapping from a login to the person
 * acting, and the form drafts kept for each person. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PERSON_COLS "id, login, name, badge, unit, roles, active"

static void person_read(sqlite3_stmt *s, struct store_person *p)
{
    p->id = sqlite3_column_int64(s, 0);
    p->login = store_col_text(s, 1);
    p->name = store_col_text(s, 2);
    p->badge = store_col_text(s, 3);
    p->unit = store_col_text(s, 4);
    const char *r = (const char *)sqlite3_column_text(s, 5);
    if (!r || role_parse(r, &p->roles, NULL))
        p->roles = ROLE_VIEWER;
    p->active = sqlite3_column_int(s, 6) != 0;
}

void store_person_clear(struct store_person *p)
{
    if (!p)
        return;
    jy_free(&p->login);
    jy_free(&p->name);
    jy_free(&p->badge);
    jy_free(&p->unit);
}

void store_people_free(struct store_person *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        store_person_clear(&v[i]);
    free(v);
}

int store_person_get(struct store *st, const char *login, struct store_person *out,
                     struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " PERSON_COLS " FROM people WHERE login = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "read person");
    sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        person_read(s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no person with login %s", login);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read person");
}

int store_people_list(struct store *st, struct store_person **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " PERSON_COLS " FROM people ORDER BY login", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "list people");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        memset(&(*out)[*n], 0, sizeof **out);
        person_read(s, &(*out)[(*n)++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_people_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "list people");
    }
    return 0;
}

static int admins_count(struct store *st, int64_t *count, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT count(*) FROM people WHERE active AND "
                           "(',' || roles || ',') LIKE '%,admin,%'",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "count admins");
    int rc = sqlite3_step(s);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "count admins");
}

static char *person_json(struct store *st, const char *login)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT json_object('login', login, 'name', name, 'badge', badge, "
                           "'unit', unit, 'roles', roles, 'active', active) FROM people "
                           "WHERE login = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        out = store_col_text(s, 0);
    sqlite3_finalize(s);
    return out;
}

static bool login_ok(const char *s)
{
    if (!s || !*s || strlen(s) >= sizeof(((struct actor *)0)->login))
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7f)
            return false;
    }
    return true;
}

int store_person_put(struct store *st, const struct actor *by, const struct store_person *p,
                     int64_t now, struct jy_error *err)
{
    if (!login_ok(p->login))
        return jy_error_set(err, JY_EINVAL, "登录名须为 1 到 63 个字节，不含空格和控制字符");
    if (!p->name || !*p->name || strlen(p->name) >= sizeof(((struct actor *)0)->name))
        return jy_error_set(err, JY_EINVAL, "姓名必填（最多 63 字节）");
    if (!p->roles || (p->roles & ~(unsigned)ROLE_ALL))
        return jy_error_set(err, JY_EINVAL, "须指定角色");
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    /* The first person (an empty table) needs nobody's leave and must be an
     * admin; after that only an admin registers, and the last active admin
     * stays one. */
    int64_t people = 0, admins = 0;
    sqlite3_stmt *c = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM people", -1, &c, NULL) == SQLITE_OK &&
        sqlite3_step(c) == SQLITE_ROW)
        people = sqlite3_column_int64(c, 0);
    sqlite3_finalize(c);
    if ((rc = admins_count(st, &admins, err)))
        return store_write_end(st, nested, rc, err);
    if (people == 0 && (!(p->roles & ROLE_ADMIN) || !p->active))
        rc = jy_error_set(err, JY_EPERM, "第一位登记的人员须有管理员角色（admin）");
    else if (people > 0 && !actor_has(by, ROLE_ADMIN))
        rc = jy_error_set(err, JY_EPERM, "只有管理员可以登记人员");
    if (rc)
        return store_write_end(st, nested, rc, err);
    char *before = person_json(st, p->login);
    if (people > 0 && admins == 1 && (!(p->roles & ROLE_ADMIN) || !p->active)) {
        /* is the one changed the last admin? */
        struct store_person cur;
        if (store_person_get(st, p->login, &cur, NULL) == 0) {
            if (cur.active && (cur.roles & ROLE_ADMIN))
                rc = jy_error_set(err, JY_EPERM, "不能去掉最后一位管理员");
            store_person_clear(&cur);
        }
        if (rc) {
            free(before);
            return store_write_end(st, nested, rc, err);
        }
    }
    char roles[128];
    role_format(p->roles, roles, sizeof roles);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO people (login, name, badge, unit, roles, active, "
                           "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
                           "ON CONFLICT (login) DO UPDATE SET name = excluded.name, "
                           "badge = excluded.badge, unit = excluded.unit, roles = excluded.roles, "
                           "active = excluded.active, updated_at = excluded.updated_at",
                           -1, &s, NULL) != SQLITE_OK) {
        free(before);
        return store_write_end(st, nested, store_db_error(st, err, "save person"), err);
    }
    sqlite3_bind_text(s, 1, p->login, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, p->badge, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, p->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, roles, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, p->active);
    sqlite3_bind_int64(s, 7, now);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(before);
        return store_write_end(st, nested, store_db_error(st, err, "save person"), err);
    }
    char *after = person_json(st, p->login);
    int64_t id = sqlite3_last_insert_rowid(st->db);
    if (before) {
        struct store_person cur;
        if (store_person_get(st, p->login, &cur, NULL) == 0) {
            id = cur.id;
            store_person_clear(&cur);
        }
    }
    rc = store_audit_append(st, by && by->login[0] ? by->login : "?",
                            before ? "person.update" : "person.create", "person", id, before, after,
                            now, err);
    free(before);
    free(after);
    return store_write_end(st, nested, rc, err);
}

int store_actor_resolve(struct store *st, const char *login, bool read_only, struct actor *out,
                        struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->login, sizeof out->login, "%s", login && *login ? login : "?");
    snprintf(out->name, sizeof out->name, "%s", out->login);
    out->roles = ROLE_VIEWER;
    out->read_only = read_only;
    struct store_person p;
    int rc = store_person_get(st, out->login, &p, err);
    if (rc == JY_ENOTFOUND) {
        jy_error_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    if (p.active) {
        out->person_id = p.id;
        out->known = true;
        out->roles = p.roles;
        snprintf(out->name, sizeof out->name, "%s", p.name);
    }
    store_person_clear(&p);
    return 0;
}

/* ---- drafts ------------------------------------------------------------- */

int store_draft_put(struct store *st, const char *owner, const char *key, const char *data,
                    int64_t now, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO drafts (owner, key, data, saved_at) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "save draft");
    sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, data, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "save draft");
}

int store_draft_get(struct store *st, const char *owner, const char *key, char **data,
                    int64_t *saved_at, struct jy_error *err)
{
    *data = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT data, saved_at FROM drafts WHERE owner = ?1 AND key = ?2", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read draft");
    sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *data = store_col_text(s, 0);
        if (saved_at)
            *saved_at = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return jy_error_set(err, JY_ENOTFOUND, "no draft %s", key);
    return rc == SQLITE_ROW ? 0 : store_db_error(st, err, "read draft");
}

int store_draft_delete(struct store *st, const char *owner, const char *key, struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM drafts WHERE owner = ?1 AND key = ?2", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, err, "delete draft");
    sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_db_error(st, err, "delete draft");
}

int store_drafts_list(struct store *st, const char *owner, char ***keys, size_t *n,
                      struct jy_error *err)
{
    *keys = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT key FROM drafts WHERE owner = ?1 ORDER BY saved_at", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "list drafts");
    sqlite3_bind_text(s, 1, owner, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *keys = xrealloc(*keys, (*n + 1) * sizeof **keys);
        (*keys)[(*n)++] = store_col_text(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < *n; i++)
            free((*keys)[i]);
        jy_free(keys);
        *n = 0;
        return store_db_error(st, err, "list drafts");
    }
    return 0;
}
