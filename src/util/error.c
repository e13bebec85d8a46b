/* error.c: setting and naming jy_error values. */
#include <stdio.h>
#include <string.h>

#include "util.h"

static int error_vset(struct jy_error *err, int code, const char *field, const char *fmt,
                      va_list ap)
{
    if (err) {
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        err->code = code;
        snprintf(err->field, sizeof err->field, "%s", field);
    }
    return code;
}

int jy_error_set(struct jy_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, "", fmt, ap);
    va_end(ap);
    return code;
}

int jy_error_set_field(struct jy_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, field ? field : "", fmt, ap);
    va_end(ap);
    return code;
}

void jy_error_clear(struct jy_error *err)
{
    if (err) {
        err->code = 0;
        err->field[0] = '\0';
        err->msg[0] = '\0';
    }
}
