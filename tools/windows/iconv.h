/* iconv.h for the Windows build: iconv_open, iconv and iconv_close over GLib's g_iconv_*.
 *
 * Debian ships no iconv for mingw-w64 (no GNU libiconv, no win-iconv), but GLib on Windows
 * carries its own converter over the Windows code pages (win_iconv, with Microsoft's CP932 for
 * Shift_JIS) behind the public g_iconv_open/g_iconv/g_iconv_close. GMime and src/normalize/charset.c
 * call the POSIX names; this header, installed into the cross prefix by
 * tools/windows/build-deps.sh, gives them those names on top of GLib, so both use the one
 * converter GLib uses, and nothing else has to change. The Linux build never sees this file.
 *
 * One name differs: glibc's "EUC-JP-MS" (EUC-JP with Microsoft's extensions, which
 * src/normalize/charset.c asks for) is unknown to win_iconv, whose "EUC-JP" is Windows' own
 * EUC-JP (code page 51932, Microsoft's mapping), so that name is asked for instead. */
#ifndef WLMIGRATE_WINDOWS_ICONV_H
#define WLMIGRATE_WINDOWS_ICONV_H

#include <stddef.h>
#include <glib.h>

typedef GIConv iconv_t;

static inline const char *wlmigrate_iconv_name(const char *name)
{
    return g_ascii_strcasecmp(name, "EUC-JP-MS") == 0 ? "EUC-JP" : name;
}

static inline iconv_t iconv_open(const char *tocode, const char *fromcode)
{
    return g_iconv_open(wlmigrate_iconv_name(tocode), wlmigrate_iconv_name(fromcode));
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
