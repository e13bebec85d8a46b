/* error.c: setting and naming jy_error values. */
#include <stdio.h>
#include <string.h>

#include "util.h"

int jy_error_set(struct jy_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void jy_error_clear(struct jy_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

const char *jy_strerror(int code)
{
    switch (code) {
    case JY_OK:
        return "ok";
    case JY_EINVAL:
        return "invalid argument";
    case JY_EIO:
        return "input/output error";
    case JY_ENOMEM:
        return "out of memory";
    case JY_EPARSE:
        return "parse error";
    case JY_EDB:
        return "database error";
    case JY_ENET:
        return "network error";
    case JY_ETOOBIG:
        return "too large";
    case JY_EBUSY:
        return "busy";
    case JY_ENOTFOUND:
        return "not found";
    case JY_ECONFIG:
        return "configuration error";
    case JY_EVERSION:
        return "database version too new";
    }
    return "unknown error";
}
