/* csv.c: RFC 4180 records, read and written, for the directories' import
 * and export. Quoted fields may hold commas, quotes and line breaks; a cell
 * that a spreadsheet would take for a formula is written with a leading '
 * so that opening an export cannot run anything, and reading takes that '
 * off again, so that an export imports back as it was. A phone number
 * (+86 138 0000 0000) can call no function and is written as it is. */
#include <stdlib.h>
#include <string.h>

#include "util.h"

int jy_csv_record(const char **p, const char *end, char ***fields, size_t *n)
{
    *fields = NULL;
    *n = 0;
    const char *s = *p;
    if (s >= end)
        return JY_ENOTFOUND;
    struct jy_buf f;
    jy_buf_init(&f, 0);
    for (;;) {
        jy_buf_reset(&f);
        jy_buf_puts(&f, "");
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end) {
                    jy_buf_free(&f);
                    jy_csv_free(*fields, *n);
                    *fields = NULL;
                    *n = 0;
                    return JY_EPARSE;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        jy_buf_append(&f, "\"", 1);
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                jy_buf_append(&f, s, 1);
                s++;
            }
            /* anything after the closing quote up to the separator is kept */
            while (s < end && *s != ',' && *s != '\n' && *s != '\r')
                jy_buf_append(&f, s++, 1);
        } else {
            while (s < end && *s != ',' && *s != '\n' && *s != '\r')
                jy_buf_append(&f, s++, 1);
        }
        *fields = xrealloc(*fields, (*n + 1) * sizeof **fields);
        const char *v = f.data;
        if (v[0] == '\'' && (v[1] == '=' || v[1] == '+' || v[1] == '-' || v[1] == '@'))
            v++; /* our own defusing of a formula (jy_csv_field) */
        (*fields)[(*n)++] = xstrdup(v);
        if (s < end && *s == ',') {
            s++;
            continue;
        }
        if (s < end && *s == '\r')
            s++;
        if (s < end && *s == '\n')
            s++;
        break;
    }
    jy_buf_free(&f);
    *p = s;
    return 0;
}

void jy_csv_free(char **fields, size_t n)
{
    for (size_t i = 0; fields && i < n; i++)
        free(fields[i]);
    free(fields);
}

void jy_csv_field(struct jy_buf *b, const char *s)
{
    if (!s)
        s = "";
    bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
    if (formula && (*s == '+' || *s == '-') && s[1]) {
        /* digits, spaces and hyphens alone make a phone number, not a formula */
        formula = false;
        for (const char *p = s + 1; *p && !formula; p++)
            formula = !((*p >= '0' && *p <= '9') || *p == ' ' || *p == '-');
    }
    bool quote = formula || strpbrk(s, ",\"\r\n") || *s == ' ' || (*s && s[strlen(s) - 1] == ' ');
    if (!quote) {
        jy_buf_puts(b, s);
        return;
    }
    jy_buf_puts(b, "\"");
    if (formula)
        jy_buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            jy_buf_puts(b, "\"\"");
        else
            jy_buf_append(b, p, 1);
    }
    jy_buf_puts(b, "\"");
}
