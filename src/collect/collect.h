/*
 * collect: the collector. It owns the schedule (due times, per-source
 * minimum interval, exponential backoff with jitter, Retry-After), fetching
 * with libcurl's multi interface (parallel, bounded bodies, timeouts,
 * redirect limit, gzip/deflate, TLS verification, conditional GET), file
 * drops and the demo replay, source health, the collector lease, and kicking
 * the background full-text index. It runs in its own thread with its own
 * store connection; nothing here blocks the console.
 */
#ifndef JY_COLLECT_H
#define JY_COLLECT_H

#include <signal.h>
#include <stdbool.h>

#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

/* Seconds without a heartbeat after which another process takes the lease.
 * The holder renews every COLLECT_LEASE_BEAT seconds. Takeover therefore
 * happens within COLLECT_LEASE_TTL + COLLECT_LEASE_BEAT (< 20 s). */
#define COLLECT_LEASE_TTL 12
#define COLLECT_LEASE_BEAT 3

struct collector;

/* Starts the collector thread: it opens its own connection to
 * cfg->database, tries for the lease every COLLECT_LEASE_BEAT seconds, and
 * collects while it holds it. cfg must outlive the collector. */
int collector_start(const struct config *cfg, struct collector **out, struct jy_error *err);
/* Stops the thread, releases the lease, frees. NULL is fine. */
void collector_stop(struct collector *c);
/* Whether this process holds the lease right now. */
bool collector_is_leader(const struct collector *c);
/* The last error the thread met (copied into buf), or "" when none. */
void collector_last_error(struct collector *c, char *buf, size_t n);

/* Runs the collector in the calling thread until *stop becomes non-zero
 * (`jingyu collect`), indexing in a second thread. once: fetch every enabled
 * source once (except those a server asked to wait), store, and return,
 * leaving the indexing to whichever process collects next (`jingyu collect
 * --once`; does not wait for the lease when nobody holds it, fails with
 * JY_EBUSY when a live process does or when the lease is lost mid-run). */
int collect_run(const struct config *cfg, bool once, volatile sig_atomic_t *stop,
                struct jy_error *err);

/* Fetches one URL or file (file:// or a plain path) with the collector's
 * settings and parses it: `jingyu inspect`. */
int collect_inspect(const struct config *cfg, const char *url_or_file, struct feed *out,
                    struct jy_error *err);

/* ---- the audit chain's upkeep (seal.c) -------------------------------------
 *
 * The lease's holder seals the chain (audit.key) and anchors its head
 * (audit.anchor, audit.anchor_channel) once a day at audit.anchor_at, and
 * seals new rows once the last seal is audit.seal_every old. */

/* Seconds past its time after which a seal or anchor counts as overdue. */
#define COLLECT_UPKEEP_GRACE 900

/* The last daily anchor time (minutes after local midnight) at or before
 * now, and the first one after t. */
int64_t collect_anchor_due(int64_t now, int minutes);
int64_t collect_anchor_next(int64_t t, int minutes);
/* The line an anchor records: time, rows, head (and, keyed, seals and the
 * last seal's MAC), ending in a newline. */
char *collect_anchor_line(const struct store_audit_check *chk, int64_t now);
/* Appends line to file, created 0600, never through a link, synced. */
int collect_anchor_append(const char *file, const char *line, struct jy_error *err);
/* Seals and anchors what is due at now, noting each attempt in the store;
 * the first failure in err (the others are noted too). JY_EBUSY: st's
 * process no longer holds the lease. */
int collect_audit_upkeep(struct store *st, const struct config *cfg, int64_t now,
                         struct jy_error *err);

struct collect_upkeep_item {
    const char *kind;   /* "seal", "anchor:file", "anchor:channel" */
    const char *target; /* the file or channel (the configuration's); NULL for the seal */
    int64_t last_ok;    /* the last success, 0 when none */
    int64_t tried_at;   /* the last attempt, 0 when none */
    char error[256];    /* the last attempt's error, "" when it succeeded */
    int64_t next_at;    /* when it is due next (0: nothing to do) */
    bool overdue;       /* due for longer than COLLECT_UPKEEP_GRACE */
};
struct collect_audit_status {
    int64_t head_rows, sealed_rows, seal_at;
    struct collect_upkeep_item items[3];
    size_t n;  /* the configured ones: the seal (with a key), then the anchors */
    bool warn; /* one is overdue or failing */
};
/* What the upkeep has done and what is overdue, for `jingyu status` and
 * the console. */
int collect_audit_status(struct store *st, const struct config *cfg, int64_t now,
                         struct collect_audit_status *out, struct jy_error *err);

#endif
