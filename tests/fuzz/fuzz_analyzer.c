/* The whole analyzer: normalisation (OpenCC, NFKC, Weibo markup, //@
 * chains), scheme matching, near-duplicates, events, sentiment and risk
 * grading, over up to 64 items a run. Each input line is one item: its
 * first byte sets the media level and how many minutes after the previous
 * item it comes, the rest is its text (a tab splits off a title). The
 * analyzer is made once (OpenCC is slow to open) and reset between inputs,
 * so every input starts from nothing. */
#include <stdio.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "config/config.h"
#include "fuzz.h"

static const char config_yaml[] = "database: /tmp/jingyu-fuzz-unused.db\n"
                                  "analysis:\n"
                                  "  schemes:\n"
                                  "    - name: 涉警\n"
                                  "      主体: [警察, 公安, 民警, 派出所, 警方, 辅警, 交警, 执法]\n"
                                  "    - name: 谣言\n"
                                  "      expr: '(网传 OR 谣言 OR \"抢孩子\") AND NOT 演练'\n"
                                  "    - name: 地域\n"
                                  "      地域: [清河, 柳林]\n"
                                  "      事件: [打人, 排队, 死亡, 受伤]\n";

static struct config *cfg; /* kept for the process: the analyzer points into it */
static struct analyzer *an;

static void setup(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/jingyu-fuzz-analyzer-%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f || fputs(config_yaml, f) < 0 || fclose(f) != 0)
        abort();
    struct jy_error err = {0};
    if (config_load(path, &cfg, &err) != 0 || analyzer_new(cfg, &an, &err) != 0) {
        fprintf(stderr, "fuzz_analyzer: %s\n", err.msg);
        abort();
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!an)
        setup();
    if (size > 32768)
        return 0;
    analyzer_reset(an);
    char *s = fuzz_cstr(data, size);
    int64_t at = 1700000000;
    int64_t id = 1;
    for (char *line = s; line && *line && id <= 64;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        unsigned char knob = (unsigned char)line[0];
        at += 60 * (knob & 0x1f);
        char *title = NULL, *text = line + 1;
        char *tab = strchr(text, '\t');
        if (tab) {
            *tab = '\0';
            title = text;
            text = tab + 1;
        }
        struct an_item in = {
            .id = id++,
            .title = title,
            .text = text,
            .published = (knob & 0x80) ? at - 30 : 0,
            .collected = at,
            .source = (knob & 0x40) ? "某某日报" : "自媒体",
            .author = (knob & 0x20) ? "清河警方" : NULL,
            .media_level = MEDIA_UNKNOWN,
            .region = "清河县",
        };
        struct an_result r = {0};
        struct jy_error err = {0};
        if (analyzer_run(an, &in, &r, &err) == 0) {
            if (r.event_id) {
                struct an_event ev = {0};
                if (analyzer_event(an, r.event_id, &ev, &err) == 0) {
                    if (ev.score < 0 || ev.score > 100)
                        abort();
                    an_event_clear(&ev);
                }
            }
            an_result_clear(&r);
        }
        line = next;
    }
    free(s);
    return 0;
}
