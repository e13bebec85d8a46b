/*
 * notify: making sure an alert reaches someone. It owns the escalation
 * policy (an alert nobody acknowledged goes to the channels when raised, to
 * the shift leader on duty after its window, then to the bureau leaders),
 * the secrets file (webhook keys, signing secrets, the SMTP password: never
 * in the configuration, the database, a log or the screen), the message
 * formats of the 企业微信, 钉钉 (signed) and 飞书 group robots, a generic
 * JSON webhook and e-mail over SMTP (libcurl), per-channel rate limits that
 * merge what is over the limit into one digest instead of dropping it, and
 * retries with backoff. Everything goes through the store's outbox, so
 * nothing is lost across restarts or while a receiver is down.
 */
#ifndef JY_NOTIFY_H
#define JY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

/* ---- secrets ------------------------------------------------------------------ */

struct notify_secrets {
    char **names, **values;
    size_t n;
};
/* Reads "NAME: value" lines (# comments, blank lines). The file must be a
 * regular file owned by the user running jingyu and readable by nobody else
 * (mode 0600 or 0400): anything else is refused with JY_EPERM, naming the
 * file and its mode. */
int notify_secrets_load(const char *path, struct notify_secrets *out, struct jy_error *err);
void notify_secrets_free(struct notify_secrets *s);
const char *notify_secret(const struct notify_secrets *s, const char *name);
/* tmpl with each ${NAME} replaced from the secrets; JY_ECONFIG names an
 * unknown one. */
int notify_expand(const char *tmpl, const struct notify_secrets *s, char **out,
                  struct jy_error *err);

/* ---- formats ------------------------------------------------------------------ */

/* The request body for a webhook channel (JSON), for subject and body.
 * ts and sign: 飞书's signature fields (sign NULL: unsigned). */
char *notify_payload(enum notify_type type, const char *subject, const char *body, int64_t ts,
                     const char *sign);
/* 钉钉: base64(HMAC-SHA256(key = secret, message = ts_ms "\n" secret)),
 * percent-encoded for the URL. */
int notify_dingtalk_sign(const char *secret, int64_t ts_ms, char *out, size_t size);
/* 飞书: base64(HMAC-SHA256(key = ts "\n" secret, message = "")). */
int notify_feishu_sign(const char *secret, int64_t ts, char *out, size_t size);
/* Seconds before the next try after `attempts` failed ones: 30 s doubling,
 * at most an hour. */
int64_t notify_backoff(int attempts);

/* ---- escalation ------------------------------------------------------------------ */

/* The highest step due for an alert of level raised at raised_at: 0 (tell
 * the channels), 1 (the shift leader on duty), 2 (the bureau leaders). */
int escalation_due(const struct escalation_config *ec, int level, int64_t raised_at, int64_t now);

/* ---- one pass ------------------------------------------------------------------ */

struct notify_stats {
    int escalated; /* steps taken */
    int sent, failed, digests, deferred;
};
/* Escalates the waiting alerts (raised in the last 24 hours) and delivers
 * what is due on every channel. Errors of single deliveries are recorded
 * on their rows, not returned; a broken secrets file is returned. */
int notify_pass(struct store *st, const struct config *cfg, int64_t now, struct notify_stats *stats,
                struct jy_error *err);
/* The same, returning early (and cutting a delivery short) once *stop is
 * set; stop may be NULL. Only one process delivers at a time (a lock row
 * in the database); the others only escalate. */
int notify_pass_until(struct store *st, const struct config *cfg, int64_t now,
                      const volatile int *stop, struct notify_stats *stats, struct jy_error *err);

#endif
