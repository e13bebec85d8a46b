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

#endif
