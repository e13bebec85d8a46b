/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz share: the entry point's
 * prototype, a NUL-terminated copy of the input, and the checks every
 * string that leaves a parser must pass (valid UTF-8, no control
 * characters but newline and tab), which abort so that libFuzzer keeps the
 * input.
 */
#ifndef JY_FUZZ_H
#define JY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (bytes after a NUL are kept but unseen by
 * functions that take a C string). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Aborts unless s is what parse.h promises of every string it returns:
 * valid UTF-8 with no escape sequence, control character (but newlines
 * where keep_newlines, and tabs) or bidirectional override. */
static inline void fuzz_check_clean(const char *what, const char *s, int keep_newlines)
{
    if (s && !utf8_is_sanitized(s, strlen(s),
                                UTF8_KEEP_TABS | (keep_newlines ? UTF8_KEEP_NEWLINES : 0))) {
        fprintf(stderr, "%s is not sanitised:", what);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            fprintf(stderr, *p < 0x20 || *p >= 0x7f ? " %02x" : " %c", *p);
        fputc('\n', stderr);
        abort();
    }
}

#endif
