/* tokenizer.c: the "jybigram" and "jychar" FTS5 tokenizers.
 *
 * Chinese has no spaces, so a word tokenizer sees a whole sentence as one
 * token. This one emits every pair of adjacent CJK characters (a lone CJK
 * character alone), and Latin/digit words lower-cased. A query of two or more
 * Chinese characters tokenizes to consecutive bigrams, which FTS5 matches as a
 * phrase, so "清河县" finds exactly the texts containing it. Doing the
 * bigrams here, rather than storing a bigram copy of the text, keeps the
 * database small and the insert path short.
 *
 * A second tokenizer, "jychar", emits every CJK character on its own and
 * each pair of a letter or digit and a CJK character side by side. It feeds
 * items_chars (detail='none': which items hold a token, no positions), the
 * index behind searches a bigram cannot answer: a single character, a
 * character beside Latin letters or punctuation ("x警", "警,"). */
#include <string.h>
#include <utf8proc.h>

#include "store_int.h"

#define MAX_WORD 64 /* bytes; longer Latin words are cut */

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
           (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

static bool is_word(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO || c == UTF8PROC_CATEGORY_ND ||
           c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

static uint32_t fold(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* fullwidth ASCII */
        cp -= 0xFEE0;
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
}

uint32_t store_token_fold(uint32_t cp)
{
    return fold(cp);
}

int store_token_class(uint32_t cp)
{
    cp = fold(cp);
    return is_cjk(cp) ? 2 : is_word(cp) ? 1 : 0;
}

typedef int (*token_cb)(void *, int, const char *, int, int, int);

static int bigram_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
                           token_cb emit)
{
    (void)tok;
    (void)flags;
    char word[MAX_WORD + 4];
    int wlen = 0, wstart = 0, wend = 0;
    int prev_start = -1, prev_len = 0; /* the previous CJK char, if adjacent */
    bool prev_emitted = false;         /* whether it was part of an emitted bigram */
    int i = 0, rc = SQLITE_OK;

    while (i <= n && rc == SQLITE_OK) {
        uint32_t cp = 0;
        int len = 0;
        if (i < n) {
            len = (int)utf8_decode(text + i, (size_t)(n - i), &cp);
            cp = fold(cp);
        }
        bool cjk = i < n && is_cjk(cp);
        bool wordch = i < n && !cjk && is_word(cp);

        if (!wordch && wlen > 0) {
            rc = emit(ctx, 0, word, wlen, wstart, wend);
            wlen = 0;
        }
        if (!cjk && prev_start >= 0) {
            if (!prev_emitted) /* a lone CJK character */
                rc = rc ? rc
                        : emit(ctx, 0, text + prev_start, prev_len, prev_start,
                               prev_start + prev_len);
            prev_start = -1;
        }
        if (i >= n)
            break;
        if (cjk) {
            if (prev_start >= 0) {
                rc = emit(ctx, 0, text + prev_start, prev_len + len, prev_start, i + len);
                prev_emitted = true;
            } else {
                prev_emitted = false;
            }
            prev_start = i;
            prev_len = len;
        } else if (wordch) {
            if (wlen == 0)
                wstart = i;
            if (wlen + 4 <= MAX_WORD)
                wlen += (int)utf8_encode(cp, word + wlen);
            wend = i + len;
        }
        i += len;
    }
    return rc;
}

/* Every CJK character, and where a letter or digit meets a CJK character
 * the pair of them, folded ("x警" in "tax警察", "警1" in "交警110"), so
 * that a term mixing the two is narrowed by its rarer joint. With
 * detail='none' FTS5 keeps one entry per item and token.
 *
 * Only search.c writes queries for items_chars, and it writes each token
 * already folded and quoted on its own: a query string is one token. */
static int char_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
                         token_cb emit)
{
    (void)tok;
    if (flags & FTS5_TOKENIZE_QUERY)
        return n > 0 ? emit(ctx, 0, text, n, 0, n) : SQLITE_OK;
    char pair[8];
    int prev_cls = 0, prev_start = 0, prev_len = 0;
    uint32_t prev = 0;
    int i = 0, rc = SQLITE_OK;
    while (i < n && rc == SQLITE_OK) {
        uint32_t cp = 0;
        int len = (int)utf8_decode(text + i, (size_t)(n - i), &cp);
        cp = fold(cp);
        int cls = is_cjk(cp) ? 2 : is_word(cp) ? 1 : 0;
        if (cls == 2)
            rc = emit(ctx, 0, text + i, len, i, i + len);
        if (rc == SQLITE_OK && cls && prev_cls && cls != prev_cls) {
            /* the CJK character as written, the letter or digit folded */
            int k = 0;
            if (prev_cls == 1) {
                k = (int)utf8_encode(prev, pair);
                memcpy(pair + k, text + i, (size_t)len);
                k += len;
            } else {
                memcpy(pair, text + prev_start, (size_t)prev_len);
                k = prev_len + (int)utf8_encode(cp, pair + prev_len);
            }
            rc = emit(ctx, 0, pair, k, prev_start, i + len);
        }
        prev_cls = cls;
        prev = cp;
        prev_start = i;
        prev_len = len;
        i += len;
    }
    return rc;
}

static int bigram_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)args;
    (void)nargs;
    static int dummy;
    *out = (Fts5Tokenizer *)&dummy;
    return SQLITE_OK;
}

static void bigram_delete(Fts5Tokenizer *tok)
{
    (void)tok;
}

int store_tokenizer_register(sqlite3 *db, struct jy_error *err)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
        return jy_error_set(err, JY_EDB, "this SQLite has no FTS5: %s", sqlite3_errmsg(db));
    sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(s);
    sqlite3_finalize(s);
    if (!api)
        return jy_error_set(err, JY_EDB, "this SQLite has no FTS5");
    static fts5_tokenizer tok = {bigram_create, bigram_delete, bigram_tokenize};
    static fts5_tokenizer chars = {bigram_create, bigram_delete, char_tokenize};
    if (api->xCreateTokenizer(api, "jybigram", NULL, &tok, NULL) != SQLITE_OK ||
        api->xCreateTokenizer(api, "jychar", NULL, &chars, NULL) != SQLITE_OK)
        return jy_error_set(err, JY_EDB, "cannot register the jybigram tokenizers: %s",
                            sqlite3_errmsg(db));
    return 0;
}
