/* duty.c: the duty schedule (值班表) and handover notes (交接班).
 *
 * The schedule is one row per (day, shift, post). Rotations fill it;
 * overrides and swaps change single rows and are never overwritten by a
 * later generation. Every change appends an audit row (a swap's names both
 * people). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static bool may_plan(const struct actor *a, struct jy_error *err)
{
    if (actor_check_write(a, err))
        return false;
    if (!actor_has(a, ROLE_LEADER | ROLE_ADMIN)) {
        jy_error_set(err, JY_EPERM, "只有带班领导或管理员可以排班");
        return false;
    }
    return true;
}

static const struct duty_shift *find_shift(const struct duty_config *dc, const char *name)
{
    for (size_t i = 0; name && i < dc->n_shifts; i++)
        if (!strcmp(dc->shifts[i].name, name))
            return &dc->shifts[i];
    return NULL;
}

static bool has_post(const struct duty_shift *sh, const char *post)
{
    for (size_t i = 0; post && i < sh->n_posts; i++)
        if (!strcmp(sh->posts[i], post))
            return true;
    return false;
}

int store_duty_generate(struct store *st, const struct actor *a, const struct duty_config *dc,
                        int64_t from, int64_t to, int64_t now, int *written, struct jy_error *err)
{
    *written = 0;
    if (!may_plan(a, err))
        return err ? err->code : JY_EPERM;
    if (to < from || to - from > 366)
        return jy_error_set(err, JY_EINVAL, "排班区间须在一年以内");
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO duty (day, shift, post, login, source, updated_at, "
                           "updated_by) VALUES (?1, ?2, ?3, ?4, 'rotation', ?5, ?6) "
                           "ON CONFLICT (day, shift, post) DO UPDATE SET login = excluded.login, "
                           "updated_at = excluded.updated_at, updated_by = excluded.updated_by "
                           "WHERE duty.source = 'rotation' AND duty.login <> excluded.login",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "generate duty"), err);
    for (int64_t day = from; day <= to && !rc; day++) {
        for (size_t i = 0; i < dc->n_rotations && !rc; i++) {
            const struct duty_rotation *r = &dc->rotations[i];
            const char *who = roster_rotation_person(r, day);
            if (!who)
                continue;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, day);
            sqlite3_bind_text(s, 2, r->shift, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, r->post, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, who, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 5, now);
            sqlite3_bind_text(s, 6, a->login, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_db_error(st, err, "generate duty");
            else
                *written += sqlite3_changes(st->db);
        }
    }
    sqlite3_finalize(s);
    if (!rc) {
        char f[16], t[16], after[96];
        roster_day_format(from, f);
        roster_day_format(to, t);
        snprintf(after, sizeof after, "{\"from\":\"%s\",\"to\":\"%s\",\"written\":%d}", f, t,
                 *written);
        rc = store_audit_append(st, a->login, "duty.generate", "duty", 0, NULL, after, now, err);
    }
    return store_write_end(st, nested, rc, err);
}

/* The slot as JSON (NULL when empty). */
static char *slot_json(struct store *st, int64_t day, const char *shift, const char *post)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT json_object('day', ?1, 'shift', shift, 'post', post, 'login', "
                           "login, 'source', source) FROM duty WHERE day = ?1 AND shift = ?2 AND "
                           "post = ?3",
                           -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_text(s, 2, shift, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, post, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        out = store_col_text(s, 0);
    sqlite3_finalize(s);
    return out;
}

int store_duty_set(struct store *st, const struct actor *a, const struct duty_config *dc,
                   int64_t day, const char *shift, const char *post, const char *login, int64_t now,
                   struct jy_error *err)
{
    if (!may_plan(a, err))
        return err ? err->code : JY_EPERM;
    const struct duty_shift *sh = find_shift(dc, shift);
    if (!sh)
        return jy_error_set(err, JY_EINVAL, "没有名为「%s」的班次", shift ? shift : "");
    if (!has_post(sh, post))
        return jy_error_set(err, JY_EINVAL, "班次「%s」没有「%s」岗位", sh->name, post ? post : "");
    bool nested;
    int rc = store_write_begin(st, &nested, err);
    if (rc)
        return rc;
    if (login && *login) {
        struct store_person p;
        if ((rc = store_person_get(st, login, &p, err)))
            return store_write_end(
                st, nested,
                rc == JY_ENOTFOUND ? jy_error_set(err, JY_EINVAL, "%s 未登记", login) : rc, err);
        bool active = p.active;
        store_person_clear(&p);
        if (!active)
            return store_write_end(st, nested, jy_error_set(err, JY_EINVAL, "%s 已停用", login),
                                   err);
    }
    char *before = slot_json(st, day, sh->name, post);
    sqlite3_stmt *s = NULL;
    /* emptying a slot is an override too (an empty login), so that a later
     * generation does not fill it again */
    const char *sql = "INSERT OR REPLACE INTO duty (day, shift, post, login, source, updated_at, "
                      "updated_by) VALUES (?1, ?2, ?3, ?4, 'override', ?5, ?6)";
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        free(before);
        return store_write_end(st, nested, store_db_error(st, err, "set duty"), err);
    }
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_text(s, 2, sh->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, post, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, login ? login : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_text(s, 6, a->login, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "set duty");
    sqlite3_finalize(s);
    if (!rc) {
        char *after = slot_json(st, day, sh->name, post);
        rc = store_audit_append(st, a->login, "duty.set", "duty", day, before, after, now, err);
        free(after);
    }
    free(before);
    return store_write_end(st, nested, rc, err);
}

/* The one slot login holds on day: JY_ENOTFOUND, or JY_EINVAL when several. */
static int slot_of(struct store *st, int64_t day, const char *login, char **shift, char **post,
                   struct jy_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT shift, post FROM duty WHERE day = ?1 AND login = ?2", -1,
                           &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "swap");
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
    int found = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (found++ == 0) {
            *shift = store_col_text(s, 0);
            *post = store_col_text(s, 1);
        }
    }
    sqlite3_finalize(s);
    char d[16];
    roster_day_format(day, d);
    if (found == 0)
        return jy_error_set(err, JY_ENOTFOUND, "%s 在 %s 没有班", login, d);
    if (found > 1) {
        jy_free(shift);
        jy_free(post);
        return jy_error_set(err, JY_EINVAL, "%s 在 %s 有多个班，请用 duty set 调整", login, d);
    }
    return 0;
}

int store_duty_swap(struct store *st, const struct actor *a, int64_t day1, const char *login1,
                    int64_t day2, const char *login2, int64_t now, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (!login1 || !login2 || !strcmp(login1, login2))
        return jy_error_set(err, JY_EINVAL, "换班须是两个不同的人");
    if (!actor_has(a, ROLE_LEADER | ROLE_ADMIN) && strcmp(a->login, login1) &&
        strcmp(a->login, login2))
        return jy_error_set(err, JY_EPERM, "只有换班的当事人、带班领导或管理员可以换班");
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    char *shift1 = NULL, *post1 = NULL, *shift2 = NULL, *post2 = NULL;
    if ((rc = slot_of(st, day1, login1, &shift1, &post1, err)) ||
        (rc = slot_of(st, day2, login2, &shift2, &post2, err)))
        goto done;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE duty SET login = ?4, source = 'swap', updated_at = ?5, "
                           "updated_by = ?6 WHERE day = ?1 AND shift = ?2 AND post = ?3",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = store_db_error(st, err, "swap");
        goto done;
    }
    for (int k = 0; k < 2 && !rc; k++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, k ? day2 : day1);
        sqlite3_bind_text(s, 2, k ? shift2 : shift1, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, k ? post2 : post1, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, k ? login1 : login2, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, now);
        sqlite3_bind_text(s, 6, a->login, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(st, err, "swap");
    }
    sqlite3_finalize(s);
    if (!rc) {
        char d1[16], d2[16];
        roster_day_format(day1, d1);
        roster_day_format(day2, d2);
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "first", true);
        jy_buf_printf(&b, "{\"day\":\"%s\",\"shift\":", d1);
        jy_buf_json_str(&b, shift1);
        jy_buf_puts(&b, ",\"post\":");
        jy_buf_json_str(&b, post1);
        jy_buf_puts(&b, ",\"was\":");
        jy_buf_json_str(&b, login1);
        jy_buf_puts(&b, ",\"now\":");
        jy_buf_json_str(&b, login2);
        jy_buf_puts(&b, "}");
        jy_buf_json_key(&b, "second", false);
        jy_buf_printf(&b, "{\"day\":\"%s\",\"shift\":", d2);
        jy_buf_json_str(&b, shift2);
        jy_buf_puts(&b, ",\"post\":");
        jy_buf_json_str(&b, post2);
        jy_buf_puts(&b, ",\"was\":");
        jy_buf_json_str(&b, login2);
        jy_buf_puts(&b, ",\"now\":");
        jy_buf_json_str(&b, login1);
        jy_buf_puts(&b, "}}");
        rc = store_audit_append(st, a->login, "duty.swap", "duty", day1, NULL, b.data, now, err);
        jy_buf_free(&b);
    }
done:
    free(shift1);
    free(post1);
    free(shift2);
    free(post2);
    return store_write_end(st, nested, rc, err);
}

int store_duty_range(struct store *st, int64_t from, int64_t to, struct roster_slot **out,
                     size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT d.day, d.shift, d.post, d.login, p.name, d.source FROM duty d "
                           "LEFT JOIN people p ON p.login = d.login WHERE d.day BETWEEN ?1 AND ?2 "
                           "ORDER BY d.day, d.shift, d.post",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, err, "read duty");
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct roster_slot *x = &(*out)[(*n)++];
        x->day = sqlite3_column_int64(s, 0);
        x->shift = store_col_text(s, 1);
        x->post = store_col_text(s, 2);
        x->login = store_col_text(s, 3);
        x->name = store_col_text(s, 4);
        x->source = store_col_text(s, 5);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        roster_slots_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "read duty");
    }
    return 0;
}

int store_duty_at(struct store *st, const struct duty_config *dc, int64_t t,
                  struct roster_slot **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    size_t shift;
    int64_t day;
    if (!roster_shift_at(dc, t, &shift, &day))
        return 0;
    struct roster_slot *v;
    size_t k;
    int rc = store_duty_range(st, day, day, &v, &k, err);
    if (rc)
        return rc;
    /* keep the slots of that shift, in the order of its posts */
    const struct duty_shift *sh = &dc->shifts[shift];
    struct roster_slot *keep = xcalloc(k ? k : 1, sizeof *keep);
    size_t m = 0;
    for (size_t p = 0; p < sh->n_posts; p++) {
        for (size_t i = 0; i < k; i++) {
            if (v[i].shift && !strcmp(v[i].shift, sh->name) && !strcmp(v[i].post, sh->posts[p]) &&
                v[i].login[0]) {
                keep[m++] = v[i];
                memset(&v[i], 0, sizeof v[i]);
            }
        }
    }
    roster_slots_free(v, k);
    if (m == 0)
        jy_free(&keep);
    *out = keep;
    *n = m;
    return 0;
}

/* ---- handover ------------------------------------------------------------------ */

int store_handover_prefill(struct store *st, const struct duty_config *dc,
                           const struct incident_config *ic, int64_t now, char **text,
                           struct jy_error *err)
{
    *text = NULL;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    /* the next shift: from the end of the one running now */
    size_t shift;
    int64_t day, next_start = now, next_end = now + 86400;
    if (roster_shift_at(dc, now, &shift, &day)) {
        int64_t a, e;
        roster_shift_window(dc, shift, day, &a, &e);
        next_start = e;
        next_end = e + 86400;
        /* the shift that starts when this one ends */
        for (int64_t d = day; d <= day + 2; d++) {
            for (size_t s2 = 0; s2 < dc->n_shifts; s2++) {
                int64_t a2, e2;
                roster_shift_window(dc, s2, d, &a2, &e2);
                if (a2 == e) {
                    next_end = e2;
                    d = day + 3;
                    break;
                }
            }
        }
    }
    struct store_alert *al;
    size_t na;
    int rc = store_alerts_list(st, true, 50, &al, &na, err);
    if (rc) {
        jy_buf_free(&b);
        return rc;
    }
    jy_buf_printf(&b, "未确认预警（%zu）：\n", na);
    for (size_t i = 0; i < na; i++) {
        char when[32];
        roster_time_format(dc, al[i].raised_at, when, sizeof when);
        char *title = utf8_sanitize(al[i].title, strlen(al[i].title), 0);
        jy_buf_printf(&b, "  - [%s] %s（%s）\n", al[i].level ? level_roman(al[i].level) : "失联",
                      title, when);
        free(title);
    }
    store_alerts_free(al, na);
    struct incident *inc;
    size_t ni;
    if ((rc = store_incidents_list(st, true, 200, &inc, &ni, err))) {
        jy_buf_free(&b);
        return rc;
    }
    incidents_sort(inc, ni, ic, now);
    jy_buf_printf(&b, "未办结工单（%zu）：\n", ni);
    struct jy_buf due;
    jy_buf_init(&due, 0);
    jy_buf_puts(&due, "");
    size_t ndue = 0;
    for (size_t i = 0; i < ni; i++) {
        struct inc_clock c[INC_N_CLOCKS];
        size_t nc = incident_clocks(&inc[i], ic, now, c);
        const struct inc_clock *next = incident_next_clock(c, nc);
        char span[32] = "";
        if (next)
            inc_format_span(next->status == CLOCK_OVERDUE ? now - next->due_at : next->due_at - now,
                            span, sizeof span);
        char *title = utf8_sanitize(inc[i].title, strlen(inc[i].title), 0);
        jy_buf_printf(&b, "  - #%lld [%s] %s %s%s%s%s%s\n", (long long)inc[i].id,
                      inc_state_label(inc[i].state), level_roman(inc[i].level), title,
                      next ? "；" : "", next ? inc_clock_label(next->kind) : "",
                      next ? (next->status == CLOCK_OVERDUE ? " 已超时 " : " 剩余 ") : "", span);
        for (size_t k = 0; k < nc; k++) {
            if (c[k].status != CLOCK_PENDING && c[k].status != CLOCK_OVERDUE)
                continue;
            if (c[k].due_at < next_start || c[k].due_at >= next_end)
                continue;
            char when[32];
            roster_time_format(dc, c[k].due_at, when, sizeof when);
            jy_buf_printf(&due, "  - #%lld %s 截止 %s（%s）\n", (long long)inc[i].id,
                          inc_clock_label(c[k].kind), when, title);
            ndue++;
        }
        free(title);
    }
    incidents_free(inc, ni);
    jy_buf_printf(&b, "下一班内到期的时限（%zu）：\n%s", ndue, due.data);
    jy_buf_free(&due);
    *text = jy_buf_steal(&b);
    return 0;
}

int store_handover_receiver(struct store *st, const struct duty_config *dc, int64_t now,
                            const char *writer, char *out, size_t size, struct jy_error *err)
{
    out[0] = '\0';
    size_t shift;
    int64_t day;
    if (!roster_shift_at(dc, now, &shift, &day))
        return 0;
    int64_t start, end;
    roster_shift_window(dc, shift, day, &start, &end);
    struct roster_slot *v;
    size_t n;
    int rc = store_duty_at(st, dc, end, &v, &n, err);
    if (rc)
        return rc;
    /* the 值班员 first; else any post but the leader's */
    for (int pass = 0; pass < 2 && !out[0]; pass++) {
        for (size_t i = 0; i < n && !out[0]; i++) {
            if (!v[i].login[0] || (writer && !strcmp(v[i].login, writer)))
                continue;
            if (pass == 0 ? !strcmp(v[i].post, HANDOVER_RECEIVER_POST)
                          : strcmp(v[i].post, "带班领导") != 0)
                snprintf(out, size, "%s", v[i].login);
        }
    }
    roster_slots_free(v, n);
    return 0;
}

int store_handover_write(struct store *st, const struct actor *a, const struct duty_config *dc,
                         const char *to_login, const char *note, const char *prefill, int64_t now,
                         int64_t *id, struct jy_error *err)
{
    *id = 0;
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    if (inc_blank(note) && inc_blank(prefill))
        return jy_error_set_field(err, JY_EINVAL, "note", "交接内容不能为空");
    /* the receiver: the one named (a registered person), else the next
     * shift's 值班员 */
    char dflt[64];
    if (to_login && *to_login) {
        struct store_person p;
        if ((rc = store_person_get(st, to_login, &p, err)) == JY_ENOTFOUND)
            return jy_error_set_field(err, JY_EINVAL, "to", "接班人 %s 未登记", to_login);
        if (rc)
            return rc;
        bool active = p.active;
        store_person_clear(&p);
        if (!active)
            return jy_error_set_field(err, JY_EINVAL, "to", "接班人 %s 已停用", to_login);
    } else {
        if ((rc = store_handover_receiver(st, dc, now, a->login, dflt, sizeof dflt, err)))
            return rc;
        to_login = dflt;
    }
    size_t shift = 0;
    int64_t day = roster_day_of(dc, now);
    bool in_shift = roster_shift_at(dc, now, &shift, &day);
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO handovers (day, shift, from_login, to_login, note, "
                           "prefill, written_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "handover"), err);
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_text(s, 2, in_shift ? dc->shifts[shift].name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->login, -1, SQLITE_STATIC);
    if (to_login && *to_login)
        sqlite3_bind_text(s, 4, to_login, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, prefill ? prefill : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, now);
    if (sqlite3_step(s) == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    rc = sqlite3_step(s) == SQLITE_DONE && *id ? 0 : store_db_error(st, err, "handover");
    sqlite3_finalize(s);
    if (!rc) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "to", true);
        jy_buf_json_str(&b, to_login ? to_login : "");
        jy_buf_json_key(&b, "note", false);
        jy_buf_json_str(&b, note ? note : "");
        jy_buf_puts(&b, "}");
        rc = store_audit_append(st, a->login, "handover.write", "handover", *id, NULL, b.data, now,
                                err);
        jy_buf_free(&b);
    }
    if (rc)
        *id = 0;
    return store_write_end(st, nested, rc, err);
}

int store_handover_ack(struct store *st, const struct actor *a, int64_t id, bool as_leader,
                       int64_t now, struct jy_error *err)
{
    int rc = actor_check_write(a, err);
    if (rc)
        return rc;
    bool nested;
    if ((rc = store_write_begin(st, &nested, err)))
        return rc;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT from_login, acked_by, to_login FROM handovers WHERE id = ?1", -1,
                           &s, NULL) != SQLITE_OK)
        return store_write_end(st, nested, store_db_error(st, err, "handover"), err);
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    char *from = step == SQLITE_ROW ? store_col_text(s, 0) : NULL;
    char *acked = step == SQLITE_ROW ? store_col_text(s, 1) : NULL;
    char *to = step == SQLITE_ROW ? store_col_text(s, 2) : NULL;
    sqlite3_finalize(s);
    /* for someone else: only a leader who says so (as_leader), and the
     * note then records that the leader acknowledged it for them */
    bool for_other = to && *to && strcmp(to, a->login) != 0;
    if (step != SQLITE_ROW)
        rc = jy_error_set(err, JY_ENOTFOUND, "没有交接记录 #%lld", (long long)id);
    else if (acked)
        rc = jy_error_set(err, JY_ESTATE, "交接记录 #%lld 已由 %s 确认", (long long)id, acked);
    else if (!strcmp(from, a->login))
        rc = jy_error_set(err, JY_EPERM, "交班人不能自己确认接班");
    else if (for_other && !actor_has(a, ROLE_LEADER))
        rc = jy_error_set(err, JY_EPERM,
                          "此交接记录交给 %s，只有他本人（或带班领导明确代为确认）可以确认", to);
    else if (for_other && !as_leader)
        rc = jy_error_set(err, JY_EPERM,
                          "此交接记录交给 %s；带班领导代为确认须明确说明（jingyu handover ack %lld "
                          "--as-leader）",
                          to, (long long)id);
    if (!rc) {
        if (sqlite3_prepare_v2(st->db,
                               "UPDATE handovers SET acked_by = ?2, acked_at = ?3, "
                               "acked_as_leader = ?4 WHERE id = ?1",
                               -1, &s, NULL) != SQLITE_OK) {
            rc = store_db_error(st, err, "handover");
        } else {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_text(s, 2, a->login, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, now);
            sqlite3_bind_int(s, 4, for_other);
            rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_db_error(st, err, "handover");
            sqlite3_finalize(s);
        }
    }
    if (!rc) {
        struct jy_buf b;
        jy_buf_init(&b, 0);
        jy_buf_puts(&b, "{");
        jy_buf_json_key(&b, "to", true);
        jy_buf_json_str(&b, to ? to : "");
        jy_buf_json_key(&b, "as_leader", false);
        jy_buf_puts(&b, for_other ? "true}" : "false}");
        rc = store_audit_append(st, a->login, for_other ? "handover.ack.as_leader" : "handover.ack",
                                "handover", id, NULL, b.data, now, err);
        jy_buf_free(&b);
    }
    free(from);
    free(acked);
    free(to);
    return store_write_end(st, nested, rc, err);
}

int store_handovers_list(struct store *st, const char *words, size_t limit,
                         struct store_handover **out, size_t *n, struct jy_error *err)
{
    *out = NULL;
    *n = 0;
    /* each word a LIKE on note || prefill, bound as a parameter */
    char *w = xstrdup(words ? words : "");
    char *parts[8];
    size_t np = 0;
    char *save = NULL;
    for (char *tok = strtok_r(w, " \t", &save); tok && np < 8; tok = strtok_r(NULL, " \t", &save))
        parts[np++] = tok;
    struct jy_buf sql;
    jy_buf_init(&sql, 0);
    jy_buf_puts(&sql, "SELECT id, day, shift, from_login, to_login, note, prefill, acked_by, "
                      "written_at, coalesce(acked_at, 0), acked_as_leader FROM handovers WHERE 1");
    for (size_t i = 0; i < np; i++)
        jy_buf_printf(&sql, " AND instr(note || ' ' || prefill, ?%zu) > 0", i + 2);
    jy_buf_puts(&sql, " ORDER BY id DESC LIMIT ?1");
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL);
    jy_buf_free(&sql);
    if (rc != SQLITE_OK) {
        free(w);
        return store_db_error(st, err, "handovers");
    }
    sqlite3_bind_int64(s, 1, (int64_t)limit);
    for (size_t i = 0; i < np; i++)
        sqlite3_bind_text(s, (int)i + 2, parts[i], -1, SQLITE_TRANSIENT);
    free(w);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct store_handover *h = &(*out)[(*n)++];
        h->id = sqlite3_column_int64(s, 0);
        h->day = sqlite3_column_int64(s, 1);
        h->shift = store_col_text(s, 2);
        h->from_login = store_col_text(s, 3);
        h->to_login = store_col_text(s, 4);
        h->note = store_col_text(s, 5);
        h->prefill = store_col_text(s, 6);
        h->acked_by = store_col_text(s, 7);
        h->written_at = sqlite3_column_int64(s, 8);
        h->acked_at = sqlite3_column_int64(s, 9);
        h->acked_as_leader = sqlite3_column_int(s, 10) != 0;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        store_handovers_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_db_error(st, err, "handovers");
    }
    return 0;
}

void store_handovers_free(struct store_handover *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].shift);
        free(v[i].from_login);
        free(v[i].to_login);
        free(v[i].note);
        free(v[i].prefill);
        free(v[i].acked_by);
    }
    free(v);
}
