/* iconv.h for the Windows build: iconv_open, iconv and iconv_close over GLib's g_iconv_*.
 *
 * Debian ships no iconv for mingw-w64 (no GNU libiconv, no win-iconv), but GLib on Windows
 * carries its own converter over the Windows code pages (win_iconv, with Microsoft's CP932 for
 * Shift_JIS) behind the public g_iconv_open/g_iconv/g_iconv_close. GMime and src/normalize/charset.c
 * call the POSIX names; this header, installed into the cross prefix by
 * tools/windows/build-deps.sh, gives them those names on top of GLib, so both use the one
 * converter GLib uses, and nothing else has to change. The Linux build never sees this file. */
#ifndef WLMIGRATE_WINDOWS_ICONV_H
#define WLMIGRATE_WINDOWS_ICONV_H

#include <stddef.h>
#include <glib.h>

typedef GIConv iconv_t;

static inline iconv_t iconv_open(const char *tocode, const char *fromcode)
{
    return g_iconv_open(tocode, fromcode);
}

static inline size_t iconv(iconv_t cd, char **inbuf, size_t *inbytesleft, char **outbuf,
                           size_t *outbytesleft)
{
    return g_iconv(cd, inbuf, inbytesleft, outbuf, outbytesleft);
}

static inline int iconv_close(iconv_t cd)
{
    return g_iconv_close(cd);
}

#endif
