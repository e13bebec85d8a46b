/* seal.c: the collector keeps the audit chain sealed and anchored.
 *
 * A keyed chain helps only if someone seals it, and an anchor only if it
 * leaves the machine every day; a duty room that forgets the cron job has
 * neither. So the collector that holds the lease does both: with audit.key
 * it seals new rows once the last seal is audit.seal_every old, and every
 * day at audit.anchor_at it seals and appends the head to audit.anchor
 * and/or queues it to audit.anchor_channel. A day missed (no collector at
 * 06:00) is made up as soon as one runs. Each attempt is noted in the
 * store (audit_upkeep), so that `jingyu status` and every console say when
 * the seal or an anchor is failing or overdue; a failure never stops
 * collecting and is tried again after UPKEEP_RETRY. `jingyu audit anchor`
 * writes the same line through the same functions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "notify/notify.h"

/* A failed seal or anchor is tried again after this many seconds. */
#define UPKEEP_RETRY 600

static int64_t local_at(const struct tm *day, int minutes, int shift_days)
{
    struct tm tm = *day;
    tm.tm_mday += shift_days;
    tm.tm_hour = minutes / 60;
    tm.tm_min = minutes % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

int64_t collect_anchor_due(int64_t now, int minutes)
{
    time_t tt = (time_t)now;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return now;
    int64_t t = local_at(&tm, minutes, 0);
    return t <= now ? t : local_at(&tm, minutes, -1);
}

int64_t collect_anchor_next(int64_t t, int minutes)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return t + 86400;
    int64_t next = local_at(&tm, minutes, 0);
    return next > t ? next : local_at(&tm, minutes, 1);
}

char *collect_anchor_line(const struct store_audit_check *chk, int64_t now)
{
    char at[32];
    jy_time_rfc3339(now, at);
    return chk->keyed ? xasprintf("%s rows %lld head %s seals %zu mac %s\n", at,
                                  (long long)chk->rows, chk->head, chk->seals, chk->seal_mac)
                      : xasprintf("%s rows %lld head %s\n", at, (long long)chk->rows, chk->head);
}

int collect_anchor_append(const char *file, const char *line, struct jy_error *err)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return jy_error_set(err, JY_EIO, "%s: %s", file, strerror(errno));
    size_t len = strlen(line);
    ssize_t w = write(fd, line, len);
    int e = errno;
    /* the line must reach the disk before the store says it did */
    if (w == (ssize_t)len && fsync(fd) != 0)
        e = errno, w = -1;
    close(fd);
    if (w != (ssize_t)len)
        return jy_error_set(err, JY_EIO, "%s: %s", file, w < 0 ? strerror(e) : "short write");
    return 0;
}

/* What is due, from the state and the configuration. */
struct plan {
    int64_t seal_due;   /* when the unsealed rows are due to be sealed; 0: nothing to seal */
    int64_t anchor_due; /* the anchor time last passed */
};

static struct plan plan_make(const struct config *cfg, const struct store_audit_state *s,
                             int64_t now)
{
    struct plan p = {0};
    p.anchor_due = collect_anchor_due(now, cfg->audit_anchor_at);
    if (cfg->audit_key && s->head_rows > s->sealed_rows) {
        /* new rows wait at most seal_every after the last seal, and never
         * past the next daily anchor time */
        int64_t first = s->first_unsealed_at ? s->first_unsealed_at : now;
        int64_t due = collect_anchor_next(first - 1, cfg->audit_anchor_at);
        if (cfg->audit_seal_every > 0) {
            int64_t every = s->seal_at + cfg->audit_seal_every;
            if (every < first)
                every = first;
            if (every < due)
                due = every;
        }
        p.seal_due = due;
    }
    return p;
}

/* The upkeep row of kind, when it is about target (a changed target starts
 * afresh). */
static const struct store_upkeep *upkeep_of(const struct store_audit_state *s, const char *kind,
                                            const char *target)
{
    const struct store_upkeep *u = store_audit_upkeep_find(s, kind);
    if (u && target && (!u->target || strcmp(u->target, target)))
        return NULL;
    return u;
}

static bool retry_wait(const struct store_upkeep *u, int64_t now)
{
    return u && u->error && now - u->tried_at < UPKEEP_RETRY && now >= u->tried_at;
}

/* The key, loaded afresh (the secrets file may have been rotated). */
static int key_load(const struct config *cfg, struct notify_secrets *sec, const char **key,
                    struct jy_error *err)
{
    *key = NULL;
    memset(sec, 0, sizeof *sec);
    if (!cfg->notify.secrets)
        return jy_error_set(err, JY_ECONFIG, "audit.key needs notify.secrets (the secrets file)");
    int rc = notify_secrets_load(cfg->notify.secrets, sec, err);
    if (rc)
        return rc;
    *key = notify_secret(sec, cfg->audit_key);
    if (!*key || !**key)
        return jy_error_set(err, JY_ECONFIG, "no secret named %s in the secrets file",
                            cfg->audit_key);
    return 0;
}

/* Seals (keyed, when rows are unsealed or none ever was) or verifies the
 * chain, for an anchor: chk is its head. A broken chain is an error. */
static int chain_head(struct store *st, const struct config *cfg, const struct store_audit_state *s,
                      bool seal, int64_t now, struct store_audit_check *chk, struct jy_error *err)
{
    struct notify_secrets sec;
    const char *key = NULL;
    int rc = cfg->audit_key ? key_load(cfg, &sec, &key, err) : 0;
    if (!rc) {
        if (key && (seal || s->head_rows > s->sealed_rows || !s->seal_at))
            rc = store_audit_seal(st, key, now, chk, err);
        else
            rc = store_audit_verify(st, key, chk, err);
        if (!rc && (chk->bad_id || chk->bad_seal))
            rc = jy_error_set(err, JY_ESTATE, "not sealed: %s", chk->why);
        if (rc == JY_ESTATE)
            rc = jy_error_set(err, JY_ESTATE,
                              "the audit chain is BROKEN (%s): run jingyu audit "
                              "verify",
                              chk->why);
    }
    if (cfg->audit_key)
        notify_secrets_free(&sec);
    return rc;
}

/* Notes an attempt; the first error (the one to show) stays in *first. */
static int note(struct store *st, const char *kind, const char *target, int64_t now, int rc,
                const struct jy_error *what, struct jy_error *first)
{
    struct jy_error e = {0};
    int nrc = store_audit_upkeep_note(st, kind, target, now, rc ? what->msg : NULL, &e);
    if (rc && !first->code) /* a file's error names the file */
        jy_error_set(first, rc, "%s%s: %s",
                     !strcmp(kind, "seal")          ? "seal"
                     : !strcmp(kind, "anchor:file") ? "anchor"
                                                    : "anchor to channel ",
                     !strcmp(kind, "anchor:channel") ? target : "", what->msg);
    if (nrc && !first->code)
        *first = e;
    return rc ? rc : nrc;
}

int collect_audit_upkeep(struct store *st, const struct config *cfg, int64_t now,
                         struct jy_error *err)
{
    const char *file = cfg->audit_anchor, *channel = cfg->audit_anchor_channel;
    if (!cfg->audit_key && !file && !channel)
        return 0;
    struct store_audit_state s;
    int rc = store_audit_state_get(st, &s, err);
    if (rc)
        return rc;
    struct plan p = plan_make(cfg, &s, now);
    const struct store_upkeep *uf = file ? upkeep_of(&s, "anchor:file", file) : NULL;
    const struct store_upkeep *uc = channel ? upkeep_of(&s, "anchor:channel", channel) : NULL;
    bool want_file = file && (!uf || uf->ok_at < p.anchor_due) && !retry_wait(uf, now);
    bool want_channel = channel && (!uc || uc->ok_at < p.anchor_due) && !retry_wait(uc, now);
    bool want_seal =
        p.seal_due && now >= p.seal_due && !retry_wait(store_audit_upkeep_find(&s, "seal"), now);
    struct jy_error first = {0};
    int out = 0;
    if (want_seal || want_file || want_channel) {
        struct store_audit_check chk;
        struct jy_error e = {0};
        rc = chain_head(st, cfg, &s, want_seal, now, &chk, &e);
        if (rc == JY_EBUSY) { /* no longer the lease's holder: its successor does it */
            store_audit_state_clear(&s);
            *err = e;
            return rc;
        }
        /* the seal's row: sealed (or checked with the key) or failed */
        if (cfg->audit_key)
            out = note(st, "seal", NULL, now, rc, &e, &first);
        if (rc) {
            /* no head to anchor: each target waits, and says why */
            if (want_file)
                note(st, "anchor:file", file, now, rc, &e, &first);
            if (want_channel)
                note(st, "anchor:channel", channel, now, rc, &e, &first);
            out = rc;
        } else {
            char *line = collect_anchor_line(&chk, now);
            if (want_file) {
                jy_error_clear(&e);
                int frc = collect_anchor_append(file, line, &e);
                frc = note(st, "anchor:file", file, now, frc, &e, &first);
                out = out ? out : frc;
            }
            if (want_channel) {
                jy_error_clear(&e);
                int crc = store_outbox_add(st, &channel, 1, "audit.anchor", 0, "审计链锚点", line,
                                           now, &e);
                crc = note(st, "anchor:channel", channel, now, crc, &e, &first);
                out = out ? out : crc;
            }
            free(line);
        }
    }
    store_audit_state_clear(&s);
    if (out)
        *err = first;
    return out;
}

static void item_fill(struct collect_upkeep_item *it, const struct store_upkeep *u)
{
    if (!u)
        return;
    it->tried_at = u->tried_at;
    if (u->error)
        snprintf(it->error, sizeof it->error, "%s", u->error);
    if (!it->last_ok)
        it->last_ok = u->ok_at;
}

int collect_audit_status(struct store *st, const struct config *cfg, int64_t now,
                         struct collect_audit_status *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    struct store_audit_state s;
    int rc = store_audit_state_get(st, &s, err);
    if (rc)
        return rc;
    out->head_rows = s.head_rows;
    out->sealed_rows = s.sealed_rows;
    out->seal_at = s.seal_at;
    struct plan p = plan_make(cfg, &s, now);
    if (cfg->audit_key) {
        struct collect_upkeep_item *it = &out->items[out->n++];
        it->kind = "seal";
        it->last_ok = s.seal_at;
        item_fill(it, store_audit_upkeep_find(&s, "seal"));
        it->next_at = p.seal_due;
        it->overdue = p.seal_due && now > p.seal_due + COLLECT_UPKEEP_GRACE;
    }
    const char *targets[2] = {cfg->audit_anchor, cfg->audit_anchor_channel};
    const char *kinds[2] = {"anchor:file", "anchor:channel"};
    for (int k = 0; k < 2; k++) {
        if (!targets[k])
            continue;
        struct collect_upkeep_item *it = &out->items[out->n++];
        it->kind = kinds[k];
        it->target = targets[k];
        const struct store_upkeep *u = upkeep_of(&s, kinds[k], targets[k]);
        item_fill(it, u);
        bool done = u && u->ok_at >= p.anchor_due;
        it->next_at = done ? collect_anchor_next(now, cfg->audit_anchor_at) : p.anchor_due;
        it->overdue = !done && now > p.anchor_due + COLLECT_UPKEEP_GRACE;
    }
    for (size_t i = 0; i < out->n; i++)
        out->warn = out->warn || out->items[i].overdue || out->items[i].error[0];
    store_audit_state_clear(&s);
    return 0;
}
