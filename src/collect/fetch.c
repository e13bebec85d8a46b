/* fetch.c: one HTTP transfer, set up for a hostile network.
 *
 * The body goes into a bounded buffer (a huge or endless response fails the
 * fetch, it does not eat memory); redirects are limited and may not leave
 * HTTP(S); TLS is verified; only the last response's headers count; the
 * validators are kept byte for byte as the server sent them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect_int.h"

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct transfer *t = ud;
    if (jy_buf_append(&t->body, p, size * n) != 0) {
        t->too_big = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return size * n;
}

static void set_header(char **slot, const char *v, size_t len)
{
    free(*slot);
    *slot = xstrndup(v, len);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct transfer *t = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100): forget the old headers */
        jy_free(&t->etag);
        jy_free(&t->last_modified);
        jy_free(&t->retry_after);
        jy_free(&t->content_type);
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    size_t nlen = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen > 4096)
        return len;
    /* A value with control bytes is not a header we will store, print or
     * send back: treat it as absent. */
    for (size_t k = 0; k < vlen; k++)
        if (((unsigned char)v[k] < 0x20 && v[k] != '\t') || v[k] == 0x7F)
            return len;
    if (nlen == 4 && strncasecmp(p, "etag", 4) == 0)
        set_header(&t->etag, v, vlen);
    else if (nlen == 13 && strncasecmp(p, "last-modified", 13) == 0)
        set_header(&t->last_modified, v, vlen);
    else if (nlen == 11 && strncasecmp(p, "retry-after", 11) == 0)
        set_header(&t->retry_after, v, vlen);
    else if (nlen == 12 && strncasecmp(p, "content-type", 12) == 0)
        set_header(&t->content_type, v, vlen);
    return len;
}

struct transfer *transfer_new(const struct collector_config *cc, const char *url, const char *etag,
                              const char *last_modified)
{
    struct transfer *t = xcalloc(1, sizeof *t);
    t->easy = curl_easy_init();
    if (!t->easy) {
        free(t);
        return NULL;
    }
    t->max_body = cc->max_body;
    t->parse_memory = cc->parse_memory;
    jy_buf_init(&t->body, cc->max_body);
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)cc->max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding libcurl decodes */
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)cc->timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)cc->connect_timeout);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cc->max_body);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, cc->user_agent ? cc->user_agent : "jingyu");
    if (cc->proxy && *cc->proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, cc->proxy);
    if (etag && *etag) {
        char *h = xasprintf("If-None-Match: %s", etag);
        t->req_headers = curl_slist_append(t->req_headers, h);
        free(h);
    }
    if (last_modified && *last_modified) {
        char *h = xasprintf("If-Modified-Since: %s", last_modified);
        t->req_headers = curl_slist_append(t->req_headers, h);
        free(h);
    }
    t->req_headers = curl_slist_append(
        t->req_headers, "Accept: application/rss+xml, application/atom+xml, "
                        "application/feed+json, application/json, text/xml, */*;q=0.5");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->req_headers);
    return t;
}

void transfer_free(struct transfer *t)
{
    if (!t)
        return;
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->req_headers);
    jy_buf_free(&t->body);
    free(t->etag);
    free(t->last_modified);
    free(t->retry_after);
    free(t->content_type);
    free(t);
}

int64_t collect_retry_after(const char *value, int64_t now)
{
    if (!value || !*value)
        return -1;
    int64_t secs;
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (end != value && *end == '\0') {
        if (errno == ERANGE)
            return -1;
        secs = v;
    } else {
        int64_t when;
        if (parse_date(value, &when) != 0)
            return -1;
        secs = when - now;
    }
    /* A server may ask for a pause, not for the source to be parked for
     * good (or for an overflowing due time). */
    if (secs < 0)
        return 0;
    return secs > COLLECT_RETRY_AFTER_MAX ? COLLECT_RETRY_AFTER_MAX : secs;
}

int64_t collect_backoff(const struct collector_config *cc, int interval, int failures)
{
    int64_t base = interval < cc->min_interval ? cc->min_interval : interval;
    if (base > 60)
        base = 60; /* the first retry comes soon, the following ones double */
    int shift = failures > 1 ? failures - 1 : 0;
    if (shift > 16)
        shift = 16;
    int64_t delay = base << shift;
    if (delay > cc->max_backoff)
        delay = cc->max_backoff;
    /* +-25% jitter so that many failing sources do not retry in lockstep */
    int64_t span = delay / 2;
    if (span > 0)
        delay = delay - delay / 4 + (int64_t)(random() % (span + 1));
    return delay < 1 ? 1 : delay;
}

void transfer_finish(struct transfer *t, CURLcode res, const struct source_config *sc,
                     struct fetch_result *r, struct feed *feed, char *errmsg, size_t errlen,
                     int64_t *retry_after, int64_t now)
{
    memset(r, 0, sizeof *r);
    *retry_after = -1;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    r->http_status = (int)status;
    r->error = errmsg;
    errmsg[0] = '\0';

    if (res != CURLE_OK) {
        if (t->too_big || res == CURLE_FILESIZE_EXCEEDED)
            snprintf(errmsg, errlen, "response larger than the limit of %zu bytes (max_body)",
                     t->max_body);
        else if (res == CURLE_OPERATION_TIMEDOUT)
            snprintf(errmsg, errlen, "timeout: %s", t->errbuf[0] ? t->errbuf : "no answer");
        else if (res == CURLE_TOO_MANY_REDIRECTS)
            snprintf(errmsg, errlen, "too many redirects: %s", t->errbuf);
        else
            snprintf(errmsg, errlen, "%s: %s", curl_easy_strerror(res), t->errbuf);
        return;
    }
    if (status == 304) {
        r->ok = true;
        r->not_modified = true;
        r->etag = t->etag; /* refreshed when the 304 carries new ones */
        r->last_modified = t->last_modified;
        return;
    }
    if (status >= 400 || (status >= 300 && status < 400)) {
        if (status == 429 || status == 503)
            *retry_after = collect_retry_after(t->retry_after, now);
        snprintf(errmsg, errlen, "HTTP %ld%s", status,
                 *retry_after >= 0 ? " (server asks to retry later)" : "");
        return;
    }
    char *where = NULL; /* after redirects: the address the feed came from */
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &where);
    struct parse_opts po = {.content_type = t->content_type,
                            .encoding = sc ? sc->encoding : NULL,
                            .max_memory = collect_parse_memory(t->max_body, t->parse_memory),
                            .base_url = where};
    struct jy_error perr = {0};
    if (parse_feed(t->body.data ? t->body.data : "", t->body.len, &po, feed, &perr) != 0) {
        snprintf(errmsg, errlen, "parse error: %s", perr.msg);
        return;
    }
    r->ok = true;
    r->etag = t->etag ? t->etag : ""; /* a 200 without validators clears the old ones */
    r->last_modified = t->last_modified ? t->last_modified : "";
    r->items = feed->items;
    r->n_items = feed->n_items;
    r->warning = feed->warning;
}

size_t collect_parse_memory(size_t max_body, int multiple)
{
    if (multiple <= 0)
        multiple = 8;
    return max_body > SIZE_MAX / (size_t)multiple ? SIZE_MAX : max_body * (size_t)multiple;
}
