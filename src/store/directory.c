/* directory.c: the roster pane's lists (people, units, the expert pool,
 * media contacts, training records), searched, imported from CSV and
 * exported to it. One table of descriptions drives every query: column and
 * table names come from it, never from input; values are always bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const struct dir_desc descs[DIR_N] = {
    [DIR_PEOPLE] = {"people",
                    "人员",
                    5,
                    {"login", "name", "badge", "unit", "roles"},
                    {"登录名", "姓名", "警号", "单位", "角色"},
                    1},
    [DIR_UNITS] = {"units",
                   "单位",
                   4,
                   {"name", "parent", "phone", "note"},
                   {"名称", "上级", "电话", "备注"},
                   1},
    [DIR_EXPERTS] = {"experts",
                     "专家库",
                     5,
                     {"name", "field", "unit", "contact", "note"},
                     {"姓名", "领域", "单位", "联系方式", "备注"},
                     2},
    [DIR_MEDIA] = {"media",
                   "媒体联络",
                   4,
                   {"outlet", "person", "contact", "note"},
                   {"媒体", "联系人", "联系方式", "备注"},
                   2},
    [DIR_TRAINING] = {"training",
                      "培训记录",
                      4,
                      {"login", "course", "day", "hours"},
                      {"登录名", "课程", "日期", "学时"},
                      3},
};

static const char *const tables[DIR_N] = {"people", "units", "experts", "media_contacts",
                                          "training"};

const struct dir_desc *store_dir_desc(enum dir_kind k)
{
    return (unsigned)k < DIR_N ? &descs[k] : NULL;
}

int store_dir_kind(const char *key)
{
    for (int i = 0; key && i < DIR_N; i++)
        if (!strcmp(descs[i].key, key))
            return i;
    return -1;
}

void store_dir_rows_free(char ***rows, size_t n, size_t n_cols)
{
    for (size_t i = 0; rows && i < n; i++) {
        for (size_t j = 0; j < n_cols; j++)
            free(rows[i][j]);
        free(rows[i]);
    }
    free(rows);
}

static char *select_sql(enum dir_kind k, size_t n_words, bool limit)
{
    const struct dir_desc *d = &descs[k];
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "SELECT ");
    for (size_t i = 0; i < d->n_cols; i++)
        jy_buf_printf(&b, "%scoalesce(%s, '')", i ? ", " : "", d->cols[i]);
    jy_buf_printf(&b, " FROM %s WHERE 1", tables[k]);
    for (size_t w = 0; w < n_words; w++) {
        jy_buf_puts(&b, " AND instr(");
        for (size_t i = 0; i < d->n_cols; i++)
            jy_buf_printf(&b, "%scoalesce(%s, '')", i ? " || ' ' || " : "", d->cols[i]);
        jy_buf_printf(&b, ", ?%zu) > 0", w + 2);
    }
    jy_buf_puts(&b, " ORDER BY ");
    for (size_t i = 0; i < d->n_keys; i++)
        jy_buf_printf(&b, "%s%s", i ? ", " : "", d->cols[i]);
    if (limit)
        jy_buf_puts(&b, " LIMIT ?1");
    return jy_buf_steal(&b);
}

static int dir_query(struct store *st, enum dir_kind k, const char *words, size_t limit,
                     bool limited, char ****rows, size_t *n, struct jy_error *err)
{
    *rows = NULL;
    *n = 0;
    char *w = xstrdup(words ? words : "");
    char *parts[8];
    size_t np = 0;
    char *save = NULL;
    for (char *t = strtok_r(w, " \t", &save); t && np < 8; t = strtok_r(NULL, " \t", &save))
        parts[np++] = t;
    char *sql = select_sql(k, np, limited);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        free(w);
        return store_db_error(st, err, "directory");
    }
    if (limited)
        sqlite3_bind_int64(s, 1, (int64_t)limit);
    for (size_t i = 0; i < np; i++)
        sqlite3_bind_text(s, (int)i + 2, parts[i], -1, SQLITE_TRANSIENT);
    free(w);
    size_t nc = descs[k].n_cols;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
        char **r = xcalloc(nc, sizeof *r);
        for (size_t i = 0; i < nc; i++)
            r[i] = store_col_text(s, (int)i);
        (*rows)[(*n)++] = r;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_dir_rows_free(*rows, *n, nc);
        *rows = NULL;
        *n = 0;
        return store_db_error(st, err, "directory");
    }
    return 0;
}

int store_dir_list(struct store *st, enum dir_kind k, const char *words, size_t limit,
                   char ****rows, size_t *n, struct jy_error *err)
{
    if ((unsigned)k >= DIR_N)
        return jy_error_set(err, JY_EINVAL, "no such list");
    return dir_query(st, k, words, limit, true, rows, n, err);
}

int store_dir_export(struct store *st, enum dir_kind k, char **csv, struct jy_error *err)
{
    *csv = NULL;
    if ((unsigned)k >= DIR_N)
        return jy_error_set(err, JY_EINVAL, "no such list");
    char ***rows;
    size_t n;
    int rc = dir_query(st, k, NULL, 0, false, &rows, &n, err);
    if (rc)
        return rc;
    const struct dir_desc *d = &descs[k];
    struct jy_buf b;
    jy_buf_init(&b, 0);
    for (size_t i = 0; i < d->n_cols; i++) {
        if (i)
            jy_buf_puts(&b, ",");
        jy_csv_field(&b, d->cols[i]);
    }
    jy_buf_puts(&b, "\r\n");
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; i < d->n_cols; i++) {
            if (i)
                jy_buf_puts(&b, ",");
            jy_csv_field(&b, rows[r][i]);
        }
        jy_buf_puts(&b, "\r\n");
    }
    store_dir_rows_free(rows, n, d->n_cols);
    *csv = jy_buf_steal(&b);
    return 0;
}

/* Checks one row's values; a message names the line and column. */
static int check_row(enum dir_kind k, char **v, int line, struct jy_error *err)
{
    const struct dir_desc *d = &descs[k];
    for (size_t i = 0; i < d->n_keys; i++)
        if (!v[i] || !*v[i])
            return jy_error_set(err, JY_EINVAL, "line %d: %s is empty", line, d->cols[i]);
    for (size_t i = 0; i < d->n_cols; i++)
        if (v[i] && strlen(v[i]) > 2000)
            return jy_error_set(err, JY_EINVAL, "line %d: %s is too long", line, d->cols[i]);
    if (k == DIR_TRAINING) {
        int64_t day;
        char *end;
        double h = strtod(v[3] ? v[3] : "", &end);
        if (jy_day_parse(v[2], &day))
            return jy_error_set(err, JY_EINVAL, "line %d: day must be a date like 2026-12-01",
                                line);
        if (!v[3] || !*v[3] || *end || h < 0 || h > 1000)
            return jy_error_set(err, JY_EINVAL, "line %d: hours must be a number (0..1000)", line);
    }
    return 0;
}

static int upsert(struct store *st, enum dir_kind k, char **v, bool *added, struct jy_error *err)
{
    const struct dir_desc *d = &descs[k];
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_printf(&b, "INSERT INTO %s (", tables[k]);
    for (size_t i = 0; i < d->n_cols; i++)
        jy_buf_printf(&b, "%s%s", i ? ", " : "", d->cols[i]);
    jy_buf_puts(&b, ") VALUES (");
    for (size_t i = 0; i < d->n_cols; i++)
        jy_buf_printf(&b, "%s?%zu", i ? ", " : "", i + 1);
    jy_buf_puts(&b, ") ON CONFLICT (");
    for (size_t i = 0; i < d->n_keys; i++)
        jy_buf_printf(&b, "%s%s", i ? ", " : "", d->cols[i]);
    jy_buf_puts(&b, ") DO ");
    if (d->n_keys == d->n_cols) {
        jy_buf_puts(&b, "NOTHING");
    } else {
        jy_buf_puts(&b, "UPDATE SET ");
        for (size_t i = d->n_keys; i < d->n_cols; i++)
            jy_buf_printf(&b, "%s%s = excluded.%s", i > d->n_keys ? ", " : "", d->cols[i],
                          d->cols[i]);
    }
    /* was it there before? */
    char *exists_sql = NULL;
    {
        struct jy_buf e;
        jy_buf_init(&e, 0);
        jy_buf_printf(&e, "SELECT 1 FROM %s WHERE ", tables[k]);
        for (size_t i = 0; i < d->n_keys; i++)
            jy_buf_printf(&e, "%s%s = ?%zu", i ? " AND " : "", d->cols[i], i + 1);
        exists_sql = jy_buf_steal(&e);
    }
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(st->db, exists_sql, -1, &s, NULL) == SQLITE_OK) {
        for (size_t i = 0; i < d->n_keys; i++)
            sqlite3_bind_text(s, (int)i + 1, v[i], -1, SQLITE_STATIC);
        *added = sqlite3_step(s) != SQLITE_ROW;
        sqlite3_finalize(s);
    }
    free(exists_sql);
    if (sqlite3_prepare_v2(st->db, b.data, -1, &s, NULL) != SQLITE_OK) {
        jy_buf_free(&b);
        return store_db_error(st, err, "import");
    }
    jy_buf_free(&b);
    for (size_t i = 0; i < d->n_cols; i++) {
        if (k == DIR_TRAINING && i == 3)
            sqlite3_bind_double(s, 4, strtod(v[3], NULL));
        else if (v[i] && *v[i])
            sqlite3_bind_text(s, (int)i + 1, v[i], -1, SQLITE_STATIC);
    }
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, err, "import");
    sqlite3_finalize(s);
    return rc;
}

int store_dir_import(struct store *st, const struct actor *a, enum dir_kind k, const char *csv,
                     size_t len, int64_t now, int *added, int *updated, struct jy_error *err)
{
    *added = *updated = 0;
    if ((unsigned)k >= DIR_N)
        return jy_error_set(err, JY_EINVAL, "no such list");
    if (!actor_has(a, ROLE_ADMIN))
        return jy_error_set(err, JY_EPERM, "只有管理员可以导入名录");
    const struct dir_desc *d = &descs[k];
    const char *p = csv, *end = csv + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    if (!utf8_valid(p, (size_t)(end - p)))
        return jy_error_set(err, JY_EINVAL, "the file is not UTF-8 (save it as CSV UTF-8)");
    char **hdr;
    size_t nh;
    if (jy_csv_record(&p, end, &hdr, &nh))
        return jy_error_set(err, JY_EINVAL, "empty file: the first line must name the columns");
    /* which CSV column holds each of ours */
    int where[6];
    for (size_t i = 0; i < d->n_cols; i++) {
        where[i] = -1;
        for (size_t j = 0; j < nh; j++)
            if (!strcmp(hdr[j], d->cols[i]) || !strcmp(hdr[j], d->labels[i]))
                where[i] = (int)j;
        if (where[i] < 0 &&
            (i < d->n_keys || (k == DIR_PEOPLE && i == 4) || (k == DIR_TRAINING && i == 3))) {
            int rc = jy_error_set(err, JY_EINVAL, "line 1: no column %s", d->cols[i]);
            jy_csv_free(hdr, nh);
            return rc;
        }
    }
    jy_csv_free(hdr, nh);
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    int line = 1;
    char **f;
    size_t nf;
    int r;
    while (!rc && (r = jy_csv_record(&p, end, &f, &nf)) != JY_ENOTFOUND) {
        line++;
        if (r == JY_EPARSE) {
            rc = jy_error_set(err, JY_EINVAL, "line %d: a quote is never closed", line);
            break;
        }
        if (nf == 1 && !f[0][0]) { /* a blank line */
            jy_csv_free(f, nf);
            continue;
        }
        char *v[6] = {0};
        for (size_t i = 0; i < d->n_cols; i++) {
            const char *x = where[i] >= 0 && (size_t)where[i] < nf ? f[where[i]] : "";
            /* a note may run over lines; other cells are one line */
            v[i] = utf8_sanitize(x, strlen(x), strcmp(d->cols[i], "note") ? 0 : UTF8_KEEP_NEWLINES);
        }
        rc = check_row(k, v, line, err);
        bool is_new = false;
        if (!rc && k == DIR_PEOPLE) {
            struct store_person cur,
                pr = {.login = v[0], .name = v[1], .badge = v[2], .unit = v[3], .active = true};
            is_new = store_person_get(st, v[0], &cur, NULL) != 0;
            if (!is_new)
                store_person_clear(&cur);
            struct jy_error rerr = {0};
            rc = role_parse(v[4], &pr.roles, &rerr);
            if (rc)
                rc = jy_error_set(err, JY_EINVAL, "line %d: %s", line, rerr.msg);
            else
                rc = store_person_put(st, a, &pr, now, err);
        } else if (!rc) {
            rc = upsert(st, k, v, &is_new, err);
        }
        if (!rc)
            (*(is_new ? added : updated))++;
        for (size_t i = 0; i < d->n_cols; i++)
            free(v[i]);
        jy_csv_free(f, nf);
    }
    if (!rc) {
        char after[128];
        snprintf(after, sizeof after, "{\"list\":\"%s\",\"added\":%d,\"updated\":%d}", d->key,
                 *added, *updated);
        rc = store_audit_append(st, a->login, "directory.import", d->key, 0, NULL, after, now, err);
    }
    if (rc)
        *added = *updated = 0;
    return store_write_end(st, nested, rc, err);
}
