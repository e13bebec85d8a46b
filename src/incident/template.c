/* template.c: which category an incident opened from an event starts with,
 * and which statement template a category drafts from.
 *
 * The risk model names the sensitive categories an event touches in its
 * explanation (the content indicator's detail, "涉及 执法争议、警情谣言(已辟谣)");
 * the first table maps each to the incident category of config.yaml's
 * list, most severe first, as the model ranks them (a debunked rumour at a
 * quarter, below every other category). The second table names the
 * template of data/templates/ a category's statement starts from; both are
 * here, not in the console, so that the CLI chooses as the console does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"

/* The risk model's category labels (src/analyze/risk.c) in the model's
 * default order of severity, with the incident category each becomes. */
static const struct {
    const char *risk, *category;
} category_map[] = {
    {"执法争议", "执法争议"},  {"民警违纪", "民警违纪"}, {"警情谣言", "警情谣言"},
    {"袭警/民警受伤", "袭警"}, {"涉未成年人", "其他"},   {"重大案事件", "重大案事件"},
    {"窗口投诉", "窗口投诉"},
};

/* Statement templates by incident category; any other category drafts
 * from the default, a 情况通报. */
static const struct {
    const char *category, *file;
} template_map[] = {
    {"警情谣言", "jingqing.txt"},
};
#define TEMPLATE_DEFAULT "qingkuang.txt"

static bool configured(const char *const *cats, size_t n, const char *c)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(cats[i], c))
            return true;
    return false;
}

const char *incident_category_default(const char *const *cats, size_t n)
{
    if (configured(cats, n, "其他"))
        return "其他";
    return n ? cats[0] : "其他";
}

const char *incident_category_for_event(const char *explanation, const char *const *cats, size_t n)
{
    const char *fallback = incident_category_default(cats, n);
    /* the content indicator's object only: {"indicator":"content",...} */
    const char *obj = explanation ? strstr(explanation, "\"indicator\":\"content\"") : NULL;
    if (!obj)
        return fallback;
    const char *end = strchr(obj, '}');
    size_t len = end ? (size_t)(end - obj) : strlen(obj);
    char *content = xstrndup(obj, len);
    const char *best = NULL, *debunked = NULL;
    for (size_t i = 0; i < sizeof category_map / sizeof category_map[0] && !best; i++) {
        const char *at = strstr(content, category_map[i].risk);
        if (!at || !configured(cats, n, category_map[i].category))
            continue;
        if (!strncmp(at + strlen(category_map[i].risk), "(已辟谣)", strlen("(已辟谣)")))
            debunked = category_map[i].category; /* a quarter: after every other */
        else
            best = category_map[i].category;
    }
    free(content);
    if (best)
        return best;
    return debunked ? debunked : fallback;
}

const char *incident_template_file(const char *category)
{
    for (size_t i = 0; category && i < sizeof template_map / sizeof template_map[0]; i++)
        if (!strcmp(category, template_map[i].category))
            return template_map[i].file;
    return TEMPLATE_DEFAULT;
}

char *incident_template_text(const char *datadir, const char *category, const char *bureau,
                             struct jy_error *err)
{
    char *path = xasprintf("%s/templates/%s", datadir, incident_template_file(category));
    char *text = NULL;
    size_t len;
    int rc = jy_read_file(path, 1 << 16, &text, &len, err);
    free(path);
    if (rc)
        return NULL;
    /* {bureau} -> the bureau's name */
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "");
    for (const char *p = text; *p;) {
        const char *at = strstr(p, "{bureau}");
        if (!at) {
            jy_buf_puts(&b, p);
            break;
        }
        jy_buf_append(&b, p, (size_t)(at - p));
        jy_buf_puts(&b, bureau ? bureau : "");
        p = at + strlen("{bureau}");
    }
    free(text);
    return jy_buf_steal(&b);
}
