/* text.c: base texts for the benchmarks (corpus or generated) and the
 * recipe that turns item number i into a title and a body. */
#include "text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated mode: words drawn with a Zipf-like skew (word k has weight
 * 1/(k+1)), so the head words are in most texts and the tail words in few. */
static const char *const vocab[] = {
    "警方",   "民警",     "通报",     "群众",   "派出所",   "交警",     "事故",       "疫情",
    "防控",   "社区",     "网友",     "视频",   "现场",     "调查",     "处置",       "嫌疑人",
    "报警",   "救助",     "巡逻",     "值班",   "道路",     "车辆",     "医院",       "学校",
    "小区",   "村民",     "志愿者",   "口罩",   "检查",     "执勤",     "刑警",       "特警",
    "辅警",   "反诈",     "电信诈骗", "转账",   "银行卡",   "冒充",     "客服",       "退款",
    "走失",   "老人",     "儿童",     "寻亲",   "暴雨",     "积水",     "救援",       "消防",
    "火灾",   "山林",     "高速",     "拥堵",   "酒驾",     "醉驾",     "超载",       "逆行",
    "违停",   "罚款",     "扣分",     "驾照",   "谣言",     "辟谣",     "造谣",       "拘留",
    "传播",   "不实信息", "澄清",     "回应",   "舆论",     "关注",     "转发",       "评论",
    "点赞",   "热搜",     "话题",     "直播",   "记者",     "采访",     "官方",       "发布",
    "县城",   "乡镇",     "集市",     "工地",   "工厂",     "欠薪",     "讨薪",       "纠纷",
    "调解",   "邻里",     "宠物",     "犬只",   "伤人",     "野生动物", "非法捕捞",   "河道",
    "水库",   "溺水",     "防汛",     "抗旱",   "春运",     "返乡",     "复工",       "复产",
    "隔离",   "体温",     "登记",     "卡口",   "测温",     "通行证",   "感谢",       "致敬",
    "辛苦",   "守护",     "平安",     "温暖",   "点赞民警", "人民警察", "为人民服务", "正能量",
    "盗窃",   "抢劫",     "电动车",   "手机",   "钱包",     "监控",     "追回",       "失主",
    "归还",   "锦旗",     "青铜峡",   "黄河滩", "梨花镇",   "石门坎",   "白鹭洲",     "枫林渡",
    "柳条沟", "杏花村",   "桃源坪",   "竹溪口",
};

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic, so every run stores the same text */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void text_generate(struct bench_text *bt, size_t n)
{
    size_t nv = sizeof vocab / sizeof vocab[0];
    double total = 0;
    for (size_t k = 0; k < nv; k++)
        total += 1.0 / (double)(k + 1);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    bt->texts = xcalloc(n, sizeof *bt->texts);
    for (size_t i = 0; i < n; i++) {
        jy_buf_reset(&b);
        int words = 20 + (int)(rng_next(&seed) % 40);
        for (int w = 0; w < words; w++) {
            double r = (double)(rng_next(&seed) >> 11) / 9007199254740992.0 * total;
            size_t k = 0;
            while (k + 1 < nv && (r -= 1.0 / (double)(k + 1)) > 0)
                k++;
            jy_buf_puts(&b, vocab[k]);
            if (rng_next(&seed) % 6 == 0)
                jy_buf_puts(&b, (rng_next(&seed) & 1) ? "，" : "。");
        }
        bt->texts[i] = jy_buf_steal(&b);
    }
    jy_buf_free(&b);
    bt->n = n;
    bt->from_corpus = false;
    snprintf(bt->source, sizeof bt->source, "generated text (%zu base texts)", n);
}

static bool text_load_corpus(struct bench_text *bt, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t cap = 16384, n = 0;
    bt->texts = xcalloc(cap, sizeof *bt->texts);
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) > 0) {
        json_t *o = json_loadb(line, (size_t)len, 0, NULL);
        const char *t = o ? json_string_value(json_object_get(o, "text")) : NULL;
        if (t && *t) {
            if (n == cap)
                bt->texts = xrealloc(bt->texts, (cap *= 2) * sizeof *bt->texts);
            bt->texts[n++] = utf8_sanitize(t, strlen(t), 0);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    if (n == 0) {
        free(bt->texts);
        bt->texts = NULL;
        return false;
    }
    bt->n = n;
    bt->from_corpus = true;
    snprintf(bt->source, sizeof bt->source, "%s (%zu posts)", path, n);
    return true;
}

void bench_text_load(struct bench_text *bt, size_t n_generated)
{
    memset(bt, 0, sizeof *bt);
    const char *shared = getenv("JINGYU_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/corpus/weibo_police_2020.jsonl",
             shared && *shared ? shared : "../shared");
    if (!text_load_corpus(bt, path))
        text_generate(bt, n_generated);
}

void bench_text_free(struct bench_text *bt)
{
    for (size_t i = 0; i < bt->n; i++)
        free(bt->texts[i]);
    free(bt->texts);
    memset(bt, 0, sizeof *bt);
}

size_t bench_text_append_cps(struct jy_buf *b, const char *s, size_t max_cp)
{
    size_t len = strlen(s), i = 0, k = 0;
    while (i < len && k < max_cp) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        k++;
    }
    jy_buf_append(b, s, i);
    return k;
}

void bench_text_item(const struct bench_text *bt, size_t i, size_t chars, struct jy_buf *title,
                     struct jy_buf *content)
{
    size_t n = bt->n, base = i % n, cycle = i / n;
    jy_buf_reset(title);
    jy_buf_reset(content);
    /* the first cycle stores every base text as it is; later cycles start
     * further in and append different fillers, so repeats are variations */
    const char *first = bt->texts[base];
    if (cycle > 0) {
        size_t skip = 0, len = strlen(first);
        for (size_t k = 0; k < (cycle % 7) * 3 && skip < len; k++) {
            uint32_t cp;
            skip += utf8_decode(first + skip, len - skip, &cp);
        }
        if (len - skip >= 12)
            first += skip;
    }
    size_t got = bench_text_append_cps(content, first, chars);
    for (size_t k = 1; got < chars && k < 16; k++) {
        size_t j = (base * 31 + cycle * 7919 + k * 104729) % n;
        jy_buf_puts(content, " ");
        got += 1 + bench_text_append_cps(content, bt->texts[j], chars - got - 1);
    }
    bench_text_append_cps(title, bt->texts[(base + cycle * 13 + 5) % n], 24);
}
