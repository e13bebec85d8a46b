/* collect_int.h: private to src/collect. */
#ifndef JY_COLLECT_INT_H
#define JY_COLLECT_INT_H

#include <curl/curl.h>

#include "collect.h"

/* One HTTP transfer in flight. */
struct transfer {
    CURL *easy;
    struct curl_slist *req_headers;
    int64_t source_id;
    int source_index; /* into the config's sources */
    int prev_failures;
    struct jy_buf body;
    bool too_big;
    size_t max_body;
    int parse_memory; /* collector.parse_memory */
    char errbuf[CURL_ERROR_SIZE];
    /* headers of the final response (reset at every status line) */
    char *etag, *last_modified, *retry_after, *content_type;
};

/* Creates a transfer for url with the collector's settings and the stored
 * validators (either may be NULL). */
struct transfer *transfer_new(const struct collector_config *cc, const char *url, const char *etag,
                              const char *last_modified);
void transfer_free(struct transfer *t);

/* Turns a finished transfer (curl result code res) into a fetch result: parses
 * the body, fills r (items owned by *feed), and the seconds to wait before the
 * next attempt as asked by the server (Retry-After), or -1. Strings in r point
 * into t or feed and stay valid until they are freed. */
void transfer_finish(struct transfer *t, CURLcode res, const struct source_config *sc,
                     struct fetch_result *r, struct feed *feed, char *errmsg, size_t errlen,
                     int64_t *retry_after, int64_t now);

/* ---- the lane (lane.c): a thread that parses finished transfers and makes
 * their new items' text analysis ahead, while the loop stores ---------------- */

struct lane;

/* One finished transfer on its way through the lane. */
struct lane_job {
    struct lane_job *next;
    /* the loop's */
    size_t i;               /* config source index */
    struct transfer *t;     /* owned by the job */
    CURLcode res;           /* the transfer's result */
    enum media_level media; /* the source's, for the text analysis */
    unsigned epoch;         /* the loop's count of lost leases when submitted */
    bool here;              /* finished on the loop's thread (lane_job_finish) */
    size_t queued_bytes;    /* its body, counted against the lane's queue */
    /* the lane's */
    struct fetch_result r; /* strings point into t, feed and errmsg; r.pre = pre */
    struct feed feed;
    struct an_text **pre; /* r.n_items long, or NULL */
    char **cols;          /* their analysis columns (store_analysis_columns), or NULL */
    unsigned model_gen;   /* the model pre was made with (lane_set_model) */
    int64_t retry_after;  /* asked by the server, or -1 */
    char errmsg[1200];
};

/* Starts the lane for cfg's sources; wake (may be NULL) gets a
 * curl_multi_wakeup when a job is done. When no thread can be started, the
 * work is done in lane_submit. */
struct lane *lane_start(const struct config *cfg, CURLM *wake);
/* Stops the thread and frees the lane with every job not taken. */
void lane_stop(struct lane *ln);
/* Hands a job (its transfer removed from the multi handle) to the lane. */
void lane_submit(struct lane *ln, struct lane_job *j);
/* The jobs done so far, in the order submitted (a list by next; NULL when
 * none), waiting up to wait_ms for one when some are in the lane. */
struct lane_job *lane_take(struct lane *ln, int wait_ms);
/* Jobs submitted and not yet taken. */
size_t lane_pending(struct lane *ln);
/* Whether a response with items has reached the lane (so the store's
 * analyzer will be needed). */
bool lane_analysing(struct lane *ln);
/* Whether the lane has its thread (false: lane_submit does the work). */
bool lane_threaded(const struct lane *ln);
void lane_job_free(struct lane_job *j);
/* Only the parse (transfer_finish), on the caller's thread: for a response
 * with nothing to parse (an error, a 304), which need not wait its turn. */
void lane_job_finish(const struct config *cfg, struct lane_job *j);
/* Frees jobs stored (a list by next): those the lane parsed on its thread,
 * those finished here (lane_job_finish) at once. */
void lane_recycle(struct lane *ln, struct lane_job *jobs);
/* The model the store's analyzer uses (NULL: the lexicon); a new one
 * starts a new generation: what was made before it is not used. */
void lane_set_model(struct lane *ln, const char *blob, size_t len);
/* The store's analyzer's model is not known (it could not be read): a new
 * generation in which the lane makes nothing ahead, until lane_set_model. */
void lane_model_unknown(struct lane *ln);
/* Why the lane stopped analysing ahead, once (false: nothing new). */
bool lane_error(struct lane *ln, char *buf, size_t n);
unsigned lane_model_gen(struct lane *ln);
/* A response with items is likely on its way: the lane makes its analyzer
 * now if it has none (otherwise it does at the first job with items). */
void lane_prepare(struct lane *ln);

/* Reads a drop folder: imports every *.jsonl file once and moves it to done/
 * or failed/ (with NAME.reason). A file changed within the last second is
 * left for the next look, or waited for when wait_for_writers (--once). */
int local_file_drop(struct store *st, const struct config *cfg, const struct source_config *sc,
                    int64_t source_id, int64_t now, int64_t next_due, bool wait_for_writers,
                    size_t *inserted, struct jy_error *err);

/* Plays the demo scenario up to now. */
int local_replay(struct store *st, const struct config *cfg, const struct source_config *sc,
                 const struct store_source *row, int64_t now, int64_t next_due, size_t *inserted,
                 struct jy_error *err);

/* The most parsing one document may hold: multiple (collector.parse_memory)
 * times max_body. */
size_t collect_parse_memory(size_t max_body, int multiple);

/* The longest pause a Retry-After may impose: one day. */
#define COLLECT_RETRY_AFTER_MAX 86400

/* Parses an HTTP Retry-After value (seconds or HTTP date) into seconds from
 * now, at most COLLECT_RETRY_AFTER_MAX; -1 when absent or unparseable. */
int64_t collect_retry_after(const char *value, int64_t now);
/* The delay before retrying a source that has failed `failures` times in a
 * row, with +-25% jitter. */
int64_t collect_backoff(const struct collector_config *cc, int interval, int failures);

#endif
