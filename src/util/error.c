/* error: filling the error value (see error.h). The sentence is English; its translation is
 * remembered beside it (util/i18n.h) for the person who reads it. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/i18n.h"
#include "util/platform.h"

void error_set(struct error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    i18n_remember_vformat(err->msg, fmt, ap);
    va_end(ap);
}

void error_errno(struct error *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
                 plat_strerror_english(errnum));
    char suffix[300];
    snprintf(suffix, sizeof suffix, ": %s", strerror(errnum));
    va_start(ap, fmt);
    i18n_remember_vformat_suffix(err->msg, fmt, ap, suffix);
    va_end(ap);
}
