/* notify.c: escalation, formats, signatures and delivery.
 *
 * A pass first walks the waiting alerts and takes the escalation steps that
 * are due (each step once: the store records it with the messages it
 * queues), then, channel by channel, claims the due messages, keeps within
 * the channel's rate (what is over it becomes one digest, sent in the last
 * slot of the minute or deferred to the next), posts them, and marks each
 * sent, or failed with its next try after a backoff. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "notify.h"

#define CLAIM_MAX 200
/* A claim is held per message, for one delivery: a claim older than the send
 * timeout plus this margin belongs to a process that died mid-send, and the
 * next pass takes the message back (the notify lock expires as soon). */
#define CLAIM_MARGIN 30
#define RESPONSE_MAX (64u << 10)
#define ESCALATE_WINDOW 86400 /* alerts older than this are not escalated any more */

/* ---- secrets ------------------------------------------------------------------ */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    if (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') || (s[0] == '\'' && s[n - 1] == '\''))) {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

int notify_secrets_load(const char *path, struct notify_secrets *out, struct jy_error *err)
{
    memset(out, 0, sizeof *out);
    /* checked on the descriptor that is read: no window between the two */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return jy_error_set(err, JY_EIO, "secrets file %s: cannot read it (%s)", path,
                            strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = jy_error_set(err, JY_EPERM, "secrets file %s is not a regular file", path);
    else if (sb.st_mode & 077)
        rc = jy_error_set(err, JY_EPERM,
                          "secrets file %s has mode %04o: others can read it; refused "
                          "(chmod 600 %s)",
                          path, (unsigned)(sb.st_mode & 07777), path);
    else if (sb.st_uid != geteuid())
        rc = jy_error_set(err, JY_EPERM,
                          "secrets file %s belongs to uid %u, not to the user running jingyu "
                          "(uid %u); refused",
                          path, (unsigned)sb.st_uid, (unsigned)geteuid());
    else if (sb.st_size > (1 << 20))
        rc = jy_error_set(err, JY_ETOOBIG, "secrets file %s is too large", path);
    if (rc) {
        close(fd);
        return rc;
    }
    size_t len = (size_t)sb.st_size;
    char *text = xmalloc(len + 1);
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, text + got, len - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    len = got;
    text[len] = '\0';
    int line = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *t = trim(l);
        if (!*t || *t == '#')
            continue;
        char *colon = strchr(t, ':');
        if (!colon) {
            /* the value is a secret: never echo the line */
            rc = jy_error_set(err, JY_ECONFIG, "secrets file %s, line %d: expected NAME: value",
                              path, line);
            break;
        }
        *colon = '\0';
        out->names = xrealloc(out->names, (out->n + 1) * sizeof *out->names);
        out->values = xrealloc(out->values, (out->n + 1) * sizeof *out->values);
        out->names[out->n] = xstrdup(trim(t));
        out->values[out->n] = xstrdup(trim(colon + 1));
        out->n++;
    }
    explicit_bzero(text, len);
    free(text);
    if (rc)
        notify_secrets_free(out);
    return rc;
}

void notify_secrets_free(struct notify_secrets *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->names[i]);
        explicit_bzero(s->values[i], strlen(s->values[i]));
        free(s->values[i]);
    }
    free(s->names);
    free(s->values);
    memset(s, 0, sizeof *s);
}

const char *notify_secret(const struct notify_secrets *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->n; i++)
        if (!strcmp(s->names[i], name))
            return s->values[i];
    return NULL;
}

int notify_expand(const char *tmpl, const struct notify_secrets *s, char **out,
                  struct jy_error *err)
{
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    const char *p = tmpl;
    while (*p) {
        const char *at = strstr(p, "${");
        if (!at) {
            jy_buf_puts(&b, p);
            break;
        }
        jy_buf_append(&b, p, (size_t)(at - p));
        const char *end = strchr(at + 2, '}');
        if (!end) {
            jy_buf_free(&b);
            return jy_error_set(err, JY_ECONFIG, "unclosed ${ in a channel url");
        }
        char name[128];
        size_t n = (size_t)(end - at - 2);
        if (n >= sizeof name)
            n = sizeof name - 1;
        memcpy(name, at + 2, n);
        name[n] = '\0';
        const char *v = notify_secret(s, name);
        if (!v) {
            jy_buf_free(&b);
            return jy_error_set(err, JY_ECONFIG, "no secret named %s in the secrets file", name);
        }
        jy_buf_puts(&b, v);
        p = end + 1;
    }
    *out = jy_buf_steal(&b);
    return 0;
}

/* ---- formats ------------------------------------------------------------------ */

char *notify_payload(enum notify_type type, const char *subject, const char *body, int64_t ts,
                     const char *sign)
{
    struct jy_buf text, b;
    jy_buf_init(&text, 0);
    jy_buf_printf(&text, "%s\n%s", subject, body);
    jy_buf_init(&b, 0);
    switch (type) {
    case NOTIFY_WECOM:
    case NOTIFY_DINGTALK:
        /* both robots take {"msgtype":"text","text":{"content":...}} */
        jy_buf_puts(&b, "{\"msgtype\":\"text\",\"text\":{\"content\":");
        jy_buf_json_str(&b, text.data);
        jy_buf_puts(&b, "}}");
        break;
    case NOTIFY_FEISHU:
        jy_buf_puts(&b, "{");
        if (sign) {
            jy_buf_printf(&b, "\"timestamp\":\"%lld\",\"sign\":", (long long)ts);
            jy_buf_json_str(&b, sign);
            jy_buf_puts(&b, ",");
        }
        jy_buf_puts(&b, "\"msg_type\":\"text\",\"content\":{\"text\":");
        jy_buf_json_str(&b, text.data);
        jy_buf_puts(&b, "}}");
        break;
    case NOTIFY_JSON:
    case NOTIFY_SMTP:
        jy_buf_puts(&b, "{\"source\":\"jingyu\",\"subject\":");
        jy_buf_json_str(&b, subject);
        jy_buf_puts(&b, ",\"text\":");
        jy_buf_json_str(&b, body);
        jy_buf_printf(&b, ",\"at\":%lld}", (long long)ts);
        break;
    }
    jy_buf_free(&text);
    return jy_buf_steal(&b);
}

static int hmac_base64(const void *key, size_t key_len, const void *msg, size_t msg_len, char *out,
                       size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, md, &md_len))
        return JY_EIO;
    unsigned char b64[128];
    int n = EVP_EncodeBlock(b64, md, (int)md_len);
    if (n <= 0 || (size_t)n >= size)
        return JY_ETOOBIG;
    memcpy(out, b64, (size_t)n + 1);
    return 0;
}

int notify_dingtalk_sign(const char *secret, int64_t ts_ms, char *out, size_t size)
{
    char msg[512];
    int m = snprintf(msg, sizeof msg, "%lld\n%s", (long long)ts_ms, secret);
    if (m < 0 || (size_t)m >= sizeof msg)
        return JY_ETOOBIG;
    char b64[128];
    int rc = hmac_base64(secret, strlen(secret), msg, (size_t)m, b64, sizeof b64);
    if (rc)
        return rc;
    /* percent-encode + / = for the query string */
    size_t k = 0;
    for (const char *p = b64; *p; p++) {
        if (k + 4 >= size)
            return JY_ETOOBIG;
        if (*p == '+' || *p == '/' || *p == '=')
            k += (size_t)snprintf(out + k, size - k, "%%%02X", (unsigned char)*p);
        else
            out[k++] = *p;
    }
    out[k] = '\0';
    return 0;
}

int notify_feishu_sign(const char *secret, int64_t ts, char *out, size_t size)
{
    char key[512];
    int m = snprintf(key, sizeof key, "%lld\n%s", (long long)ts, secret);
    if (m < 0 || (size_t)m >= sizeof key)
        return JY_ETOOBIG;
    return hmac_base64(key, (size_t)m, "", 0, out, size);
}

int64_t notify_backoff(int attempts)
{
    int64_t s = 30;
    for (int i = 1; i < attempts && s < 3600; i++)
        s *= 2;
    return s < 3600 ? s : 3600;
}

/* ---- escalation ------------------------------------------------------------------ */

int escalation_due(const struct escalation_config *ec, int level, int64_t raised_at, int64_t now)
{
    int l = level >= 1 && level <= 4 ? level : 4;
    int64_t waited = now - raised_at;
    if (waited >= (int64_t)ec->bureau[l] * 60)
        return 2;
    if (waited >= (int64_t)ec->leader[l] * 60)
        return 1;
    return 0;
}

static int escalate(struct store *st, const struct config *cfg, const char *const *channels,
                    size_t n_channels, int64_t now, struct notify_stats *stats,
                    struct jy_error *err)
{
    /* one chain per event (its newest waiting alert), none silenced */
    struct store_alert *al;
    size_t na;
    int rc = store_alerts_escalating(st, now, 500, &al, &na, err);
    if (rc)
        return rc;
    /* who leads the shift now (the first post of the shift is the leader's
     * when no post is called 带班领导) */
    /* the 带班领导 of every shift covering now (a 24-hour shift and a night
     * shift may overlap) */
    struct roster_slot *duty = NULL;
    size_t nd = 0;
    int64_t today = roster_day_of(&cfg->duty, now);
    store_duty_range(st, today - 2, today, &duty, &nd, NULL);
    char leaders[512] = "";
    for (size_t i = 0; i < nd; i++) {
        if (strcmp(duty[i].post, "带班领导") || !duty[i].login[0])
            continue;
        for (size_t sh = 0; sh < cfg->duty.n_shifts; sh++) {
            int64_t a0, e0;
            if (strcmp(cfg->duty.shifts[sh].name, duty[i].shift))
                continue;
            roster_shift_window(&cfg->duty, sh, duty[i].day, &a0, &e0);
            if (a0 <= now && now < e0 && !strstr(leaders, duty[i].login)) {
                size_t len = strlen(leaders);
                snprintf(leaders + len, sizeof leaders - len, "%s%s", len ? "," : "",
                         duty[i].login);
            }
        }
    }
    char bureau[512] = "";
    for (size_t i = 0; i < cfg->escalation.n_bureau_leaders; i++) {
        size_t len = strlen(bureau);
        snprintf(bureau + len, sizeof bureau - len, "%s%s", len ? "," : "",
                 cfg->escalation.bureau_leaders[i]);
    }
    for (size_t i = 0; i < na && !rc; i++) {
        const struct store_alert *a = &al[i];
        /* the clock runs from the raise (or from the end of a silence that
         * held it); a rise keeps it and applies the new level's windows */
        if (now - a->clock_at > ESCALATE_WINDOW || a->clock_at > now)
            continue;
        unsigned done;
        if ((rc = store_escalation_steps(st, a->id, &done, err)))
            break;
        int due = escalation_due(&cfg->escalation, a->level, a->clock_at, now);
        for (int step = 0; step <= due && !rc; step++) {
            if (done & (1u << step))
                continue;
            const char *to = step == 0 ? "" : step == 1 ? leaders : bureau;
            char *title = utf8_sanitize(a->title, strlen(a->title), 0);
            char subject[512], body[1024];
            int minutes = (int)((now - a->clock_at) / 60);
            /* the level now, and where it rose from while it waited */
            char level[64];
            if (!a->level)
                snprintf(level, sizeof level, "信源失联");
            else if (a->rises && a->first_level != a->level)
                snprintf(level, sizeof level, "%s级（由%s级升级）", level_roman(a->level),
                         level_roman(a->first_level));
            else
                snprintf(level, sizeof level, "%s级", level_roman(a->level));
            if (step == 0) {
                snprintf(subject, sizeof subject, "【预警】%s", title);
                snprintf(body, sizeof body, "预警 #%lld，%s%s。请值班员在警舆中确认（a）。",
                         (long long)a->id, level, a->flash ? "，处置中事件跃升两级" : "");
            } else {
                snprintf(subject, sizeof subject, "【%s】预警 #%lld 已 %d 分钟无人确认：%s",
                         step == 1 ? "升级" : "再升级", (long long)a->id, minutes, title);
                snprintf(body, sizeof body, "%s。请%s %s 处理。", level,
                         step == 1 ? "带班领导" : "局领导",
                         to[0] ? to : (step == 1 ? "（当前无人排班）" : "（未配置局领导）"));
            }
            free(title);
            rc = store_escalation_record(st, a->id, step, to[0] ? to : "-", channels, n_channels,
                                         subject, body, now, err);
            if (!rc)
                stats->escalated++;
        }
    }
    roster_slots_free(duty, nd);
    store_alerts_free(al, na);
    return rc;
}

/* ---- delivery ------------------------------------------------------------------ */

struct response {
    char data[RESPONSE_MAX];
    size_t len;
};

static size_t on_response(char *p, size_t size, size_t n, void *ctx)
{
    struct response *r = ctx;
    size_t k = size * n;
    size_t room = sizeof r->data - 1 - r->len;
    memcpy(r->data + r->len, p, k < room ? k : room);
    r->len += k < room ? k : room;
    r->data[r->len] = '\0';
    return k;
}

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t on_upload(char *p, size_t size, size_t n, void *ctx)
{
    struct upload *u = ctx;
    size_t k = size * n;
    if (k > u->len - u->pos)
        k = u->len - u->pos;
    memcpy(p, u->data + u->pos, k);
    u->pos += k;
    return k;
}

/* A robot answering 200 may still refuse: {"errcode":310000,...} or
 * {"code":19021,...}. */
static bool robot_refused(const char *body, char *why, size_t size)
{
    const char *keys[] = {"\"errcode\":", "\"code\":", "\"StatusCode\":"};
    for (size_t i = 0; i < 3; i++) {
        const char *at = strstr(body, keys[i]);
        if (!at)
            continue;
        long v = strtol(at + strlen(keys[i]), NULL, 10);
        if (v != 0) {
            snprintf(why, size, "the receiver refused it (%s%ld)", keys[i], v);
            return true;
        }
    }
    return false;
}

/* Posts one message; 0 or a failure with why (never a secret in it). */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const volatile int *stop = ctx;
    return stop && *stop; /* non-zero aborts the transfer */
}

static int deliver(const struct notify_channel *c, const struct notify_secrets *sec, int timeout,
                   const volatile int *stop, const char *subject, const char *body, int64_t now,
                   char *why, size_t why_size)
{
    char *url = NULL;
    struct jy_error err = {0};
    if (notify_expand(c->url, sec, &url, &err)) {
        size_t k = strlen(err.msg) < why_size - 1 ? strlen(err.msg) : why_size - 1;
        memcpy(why, err.msg, k);
        why[k] = '\0';
        return JY_ECONFIG;
    }
    CURL *e = curl_easy_init();
    if (!e) {
        free(url);
        snprintf(why, why_size, "out of memory");
        return JY_ENOMEM;
    }
    struct response resp = {.len = 0};
    resp.data[0] = '\0';
    struct curl_slist *headers = NULL, *rcpt = NULL;
    char *payload = NULL;
    int rc = 0;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)(timeout < 5 ? timeout : 5));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jingyu/" JY_VERSION);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)stop);
    if (c->type == NOTIFY_SMTP) {
        const char *pw = c->password ? notify_secret(sec, c->password) : NULL;
        if (c->password && !pw) {
            snprintf(why, why_size, "no secret named %s in the secrets file", c->password);
            rc = JY_ECONFIG;
            goto out;
        }
        struct jy_buf m;
        jy_buf_init(&m, 0);
        jy_buf_printf(&m, "From: %s\r\nTo: ", c->from);
        for (size_t i = 0; i < c->n_to; i++) {
            jy_buf_printf(&m, "%s%s", i ? ", " : "", c->to[i]);
            rcpt = curl_slist_append(rcpt, c->to[i]);
        }
        /* RFC 2047 for the Chinese subject: base64 of the UTF-8 */
        unsigned char enc[1400];
        size_t sl = strlen(subject);
        if (sl > 1000)
            sl = 1000;
        EVP_EncodeBlock(enc, (const unsigned char *)subject, (int)sl);
        jy_buf_printf(&m,
                      "\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: "
                      "text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
                      enc, body);
        payload = jy_buf_steal(&m);
        struct upload up = {payload, strlen(payload), 0};
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_MAIL_FROM, c->from);
        curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_CRLF, 1L); /* bare LF in a body is refused by strict servers */
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(e, CURLOPT_READDATA, &up);
        if (c->user)
            curl_easy_setopt(e, CURLOPT_USERNAME, c->user);
        if (pw)
            curl_easy_setopt(e, CURLOPT_PASSWORD, pw);
        CURLcode res = curl_easy_perform(e);
        if (res != CURLE_OK) {
            snprintf(why, why_size, "smtp: %s", curl_easy_strerror(res));
            rc = JY_ENET;
        }
        goto out;
    }
    char sign[256] = "";
    if (c->type == NOTIFY_DINGTALK && c->secret) {
        const char *s = notify_secret(sec, c->secret);
        if (!s || notify_dingtalk_sign(s, now * 1000, sign, sizeof sign)) {
            snprintf(why, why_size, "no secret named %s in the secrets file", c->secret);
            rc = JY_ECONFIG;
            goto out;
        }
        char *signed_url = xasprintf("%s%stimestamp=%lld&sign=%s", url,
                                     strchr(url, '?') ? "&" : "?", (long long)now * 1000, sign);
        free(url);
        url = signed_url;
    } else if (c->type == NOTIFY_FEISHU && c->secret) {
        const char *s = notify_secret(sec, c->secret);
        if (!s || notify_feishu_sign(s, now, sign, sizeof sign)) {
            snprintf(why, why_size, "no secret named %s in the secrets file", c->secret);
            rc = JY_ECONFIG;
            goto out;
        }
    }
    payload = notify_payload(c->type, subject, body, now, sign[0] ? sign : NULL);
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &resp);
    CURLcode res = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (res != CURLE_OK) {
        snprintf(why, why_size, "%s", curl_easy_strerror(res));
        rc = JY_ENET;
    } else if (status < 200 || status >= 300) {
        snprintf(why, why_size, "HTTP %ld", status);
        rc = JY_ENET;
    } else if (c->type != NOTIFY_JSON && robot_refused(resp.data, why, why_size)) {
        rc = JY_ENET;
    }
out:
    curl_slist_free_all(headers);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(e);
    free(payload);
    if (url)
        explicit_bzero(url, strlen(url)); /* it may hold a key */
    free(url);
    return rc;
}

/* One pass's identity on the rows it claims. */
struct pass {
    struct store *st;
    const struct notify_secrets *sec;
    int timeout;
    const volatile int *stop;
    int64_t claim;
    const char *holder;
    struct notify_stats *stats;
};

static void send_one(struct pass *p, const struct notify_channel *c, const struct store_outbox *m)
{
    char why[256] = "";
    struct jy_error err = {0};
    bool got = false;
    /* the lock is renewed before each send: a long pass keeps it */
    store_notify_lock(p->st, p->holder, jy_now(), p->timeout + CLAIM_MARGIN, &got, &err);
    if (!got) {
        store_outbox_defer(p->st, m->id, p->claim, jy_now(), &err);
        return;
    }
    int rc =
        deliver(c, p->sec, p->timeout, p->stop, m->subject, m->body, jy_now(), why, sizeof why);
    int64_t at = jy_now(); /* when it went: the rate limit counts real minutes */
    if (rc == 0) {
        store_outbox_sent(p->st, m->id, p->claim, at, &err);
        p->stats->sent++;
    } else {
        store_outbox_failed(p->st, m->id, p->claim, why, at + notify_backoff(m->attempts + 1),
                            &err);
        p->stats->failed++;
    }
}

/* Robots take a few kilobytes of text (企业微信 2048 bytes): a digest body
 * is cut there, on a character boundary, saying how much more there was. */
#define DIGEST_MAX 1800

/* One digest of messages v[0..n): each one's subject and body (an earlier
 * digest's body whole), so that nothing is lost by merging. */
static int make_digest(struct pass *p, const struct notify_channel *c, const struct store_outbox *v,
                       size_t n, struct store_outbox *digest, struct jy_error *err)
{
    int64_t *ids = xmalloc(n * sizeof *ids);
    struct jy_buf body;
    jy_buf_init(&body, 0);
    jy_buf_puts(&body, "");
    size_t total = 0, shown = 0;
    for (size_t i = 0; i < n; i++) {
        ids[i] = v[i].id;
        bool nested = !strcmp(v[i].kind, "digest");
        const char *num = nested ? strstr(v[i].subject, "汇总：") : NULL;
        size_t count = num ? (size_t)atoi(num + strlen("汇总：")) : 1;
        total += count ? count : 1;
        struct jy_buf one;
        jy_buf_init(&one, 0);
        if (nested)
            jy_buf_printf(&one, "%s\n", v[i].body);
        else
            jy_buf_printf(&one, "· %s%s%s\n", v[i].subject, v[i].body[0] ? "：" : "", v[i].body);
        if (body.len + one.len <= DIGEST_MAX) {
            jy_buf_append(&body, one.data, one.len);
            shown += count ? count : 1;
        }
        jy_buf_free(&one);
    }
    if (shown < total)
        jy_buf_printf(&body, "……另 %zu 条未列出，见 jingyu notify status\n", total - shown);
    char subject[128];
    snprintf(subject, sizeof subject, "汇总：%zu 条通知（超出每分钟 %d 条的限额，合并发送）", total,
             c->per_minute);
    int rc = store_outbox_digest(p->st, c->name, ids, n, p->claim, subject, body.data, jy_now(),
                                 digest, err);
    free(ids);
    jy_buf_free(&body);
    return rc;
}

/* Claims the next due message of channel c alone, for one delivery: 1 when
 * there was one (in *m), 0 when none is due. */
static int claim_next(struct pass *p, const struct notify_channel *c, struct store_outbox *m,
                      struct jy_error *err)
{
    struct store_outbox *v;
    size_t n;
    int rc = store_outbox_claim(p->st, c->name, jy_now(), (int64_t)p->timeout + CLAIM_MARGIN,
                                p->claim, 1, &v, &n, err);
    if (rc)
        return rc;
    if (n)
        *m = v[0];
    free(v);
    return n ? 1 : 0;
}

/* Messages of channel c within its rate: one claim per message, held only
 * while that message is posted, so that a process killed mid-send holds one
 * message, and only for a send timeout plus a margin. What is over the rate
 * is claimed together only to be merged at once into one digest (no network
 * between that claim and the digest's own row). */
static int deliver_channel(struct pass *p, const struct notify_channel *c, int64_t now,
                           struct jy_error *err)
{
    int sent = 0;
    int rc = store_outbox_sent_since(p->st, c->name, now - 60, &sent, err);
    if (rc)
        return rc;
    int allowance = c->per_minute - sent;
    int64_t stale = (int64_t)p->timeout + CLAIM_MARGIN;
    /* the last slot of the minute is kept for a digest of what is left */
    for (int i = 0; i + 1 < allowance && !(p->stop && *p->stop); i++) {
        struct store_outbox m;
        if ((rc = claim_next(p, c, &m, err)) <= 0)
            return rc;
        send_one(p, c, &m);
        store_outbox_clear(&m);
    }
    if (p->stop && *p->stop)
        return 0;
    struct store_outbox *v;
    size_t n;
    if ((rc =
             store_outbox_claim(p->st, c->name, jy_now(), stale, p->claim, CLAIM_MAX, &v, &n, err)))
        return rc;
    if (n == 0) {
        store_outbox_free(v, n);
        return 0;
    }
    if (allowance <= 0) {
        /* nothing may go this minute: what waits becomes one digest for the next */
        if (n > 1) {
            struct store_outbox d;
            if ((rc = make_digest(p, c, v, n, &d, err)) == 0) {
                store_outbox_defer(p->st, d.id, p->claim, now + 60, err);
                p->stats->digests++;
                store_outbox_clear(&d);
            }
        } else {
            store_outbox_defer(p->st, v[0].id, p->claim, now + 60, err);
        }
        p->stats->deferred += (int)n;
    } else if (n == 1) {
        send_one(p, c, &v[0]);
    } else {
        struct store_outbox d;
        if ((rc = make_digest(p, c, v, n, &d, err)) == 0) {
            p->stats->digests++;
            send_one(p, c, &d);
            store_outbox_clear(&d);
        } else {
            for (size_t k = 0; k < n; k++)
                store_outbox_defer(p->st, v[k].id, p->claim, now, err);
        }
    }
    store_outbox_free(v, n);
    return rc;
}

int notify_pass_until(struct store *st, const struct config *cfg, int64_t now,
                      const volatile int *stop, struct notify_stats *stats, struct jy_error *err)
{
    memset(stats, 0, sizeof *stats);
    const struct notify_config *nc = &cfg->notify;
    const char **names = xcalloc(nc->n_channels ? nc->n_channels : 1, sizeof *names);
    for (size_t i = 0; i < nc->n_channels; i++)
        names[i] = nc->channels[i].name;
    int rc = escalate(st, cfg, names, nc->n_channels, now, stats, err);
    free(names);
    if (rc || nc->n_channels == 0)
        return rc;
    /* one sender at a time: two would each spend a channel's whole rate */
    char holder[320], host[256] = "?";
    gethostname(host, sizeof host - 1);
    snprintf(holder, sizeof holder, "%s:%d", host, (int)getpid());
    struct notify_secrets sec = {0};
    if (nc->secrets && (rc = notify_secrets_load(nc->secrets, &sec, err)))
        return rc;
    bool got = false;
    if ((rc = store_notify_lock(st, holder, now, nc->timeout + CLAIM_MARGIN, &got, err)) || !got) {
        notify_secrets_free(&sec);
        return rc;
    }
    struct pass p = {.st = st,
                     .sec = &sec,
                     .timeout = nc->timeout,
                     .stop = stop,
                     .claim = ((int64_t)getpid() << 32) ^ jy_mono_ms() ^ ((int64_t)now << 8),
                     .holder = holder,
                     .stats = stats};
    for (size_t i = 0; i < nc->n_channels && !rc && !(stop && *stop); i++)
        rc = deliver_channel(&p, &nc->channels[i], now, err);
    notify_secrets_free(&sec);
    struct jy_error uerr = {0};
    store_notify_unlock(st, holder, &uerr); /* the next pass, from whichever process */
    return rc;
}

int notify_pass(struct store *st, const struct config *cfg, int64_t now, struct notify_stats *stats,
                struct jy_error *err)
{
    return notify_pass_until(st, cfg, now, NULL, stats, err);
}
