/*
 * text: the Chinese text the benchmarks store. Real Weibo posts from
 * $JINGYU_SHARED/corpus/weibo_police_2020.jsonl when that file is there (read
 * in place, never copied), otherwise sentences generated from a small
 * vocabulary with a skewed word frequency, so that common and rare terms
 * both exist. Items are built by cycling the base texts with variations so a
 * million items are not a million copies of twelve thousand.
 */
#ifndef JY_BENCH_TEXT_H
#define JY_BENCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct bench_text {
    char **texts; /* base texts, valid UTF-8 */
    size_t n;
    bool from_corpus;
    char source[1200]; /* what they came from, for the report */
};

/* Loads the corpus, else generates n_generated base texts. */
void bench_text_load(struct bench_text *bt, size_t n_generated);
void bench_text_free(struct bench_text *bt);

/* Item i's content (about chars code points) and title (a prefix of another
 * base text), built from base text i % n and fillers chosen by i / n. */
void bench_text_item(const struct bench_text *bt, size_t i, size_t chars, struct jy_buf *title,
                     struct jy_buf *content);

/* Appends at most max_cp code points of s to b; returns how many it took. */
size_t bench_text_append_cps(struct jy_buf *b, const char *s, size_t max_cp);

#endif
