/* Unit tests for src/mimeparam: Content-Type / Content-Disposition parameters, RFC 2231 pieces,
 * encoded words in quotes and raw 8-bit names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/mimeparam.h"
#include "tap.h"

#define A_TXT "\xe3\x81\x82.txt" /* "あ.txt" in UTF-8 */

struct pcase {
    const char *value;
    const char *hint;
    const char *name;
    const char *want; /* decoded; NULL: absent */
};

static const struct pcase cases[] = {
    /* plain values */
    {"attachment; filename=\"a.txt\"", NULL, "filename", "a.txt"},
    {"attachment; filename=a.txt  ", NULL, "filename", "a.txt"},
    {"attachment; FileName = \"a.txt\"", NULL, "filename", "a.txt"},
    {"attachment; filename=\"a\\\"b\\\\c\"", NULL, "filename", "a\"b\\c"},
    {"attachment; filename=\"a;b.txt\"; size=3", NULL, "filename", "a;b.txt"},
    {"attachment; filename=\"a.txt\" trailing; x=1", NULL, "filename", "a.txt"},
    {"attachment; filename=\"unterminated", NULL, "filename", "unterminated"},
    {"attachment; filename=", NULL, "filename", ""},
    {"attachment; junk; =nameless; filename=b", NULL, "filename", "b"},
    {"attachment; filename=first; filename=second", NULL, "filename", "first"},
    {"attachment", NULL, "filename", NULL},
    {"attachment; name=x", NULL, "filename", NULL},
    {"", NULL, "filename", NULL},
    /* RFC 2231 */
    {"attachment; filename*=UTF-8''%E3%81%82.txt", NULL, "filename", A_TXT},
    {"attachment; filename*=utf-8'ja'%E3%81%82.txt", NULL, "filename", A_TXT},
    {"attachment; filename*0=\"foo\"; filename*1=\"bar.txt\"", NULL, "filename", "foobar.txt"},
    {"attachment; filename*0*=UTF-8''%E3%81; filename*1*=%82.txt", NULL, "filename", A_TXT},
    {"attachment; filename*0*=UTF-8''%E3%81%82; filename*1=\".txt\"", NULL, "filename", A_TXT},
    {"attachment; filename*0=\"100%\"; filename*1*=%20sure", NULL, "filename", "100% sure"},
    {"attachment; filename*1=\"bar.txt\"; filename*0=\"foo\"", NULL, "filename", "foobar.txt"},
    {"attachment; filename*2*=.txt; filename*0*=UTF-8''%E3; filename*1*=%81%82", NULL,
     "filename", A_TXT},
    {"attachment; filename*10=\"k\"; filename*2=\"c\"; filename*0=\"a\"; filename*1=\"b\"", NULL,
     "filename", "abck"},
    {"attachment; filename=\"plain.txt\"; filename*=UTF-8''%E3%81%82.txt", NULL, "filename",
     A_TXT},
    {"attachment; filename*=UTF-8''%E3%81%82.txt; filename=\"plain.txt\"", NULL, "filename",
     A_TXT},
    {"attachment; filename*=iso-2022-jp''%1B%24B%24%22%1B%28B.txt", NULL, "filename", A_TXT},
    /* encoded words, also inside quotes */
    {"attachment; filename=\"=?UTF-8?B?44GCLnR4dA==?=\"", NULL, "filename", A_TXT},
    {"attachment; filename==?UTF-8?B?44GCLnR4dA==?=", NULL, "filename", A_TXT},
    {"application/octet-stream; name=\"=?ISO-2022-JP?B?GyRCJCIbKEI=?=.txt\"", NULL, "name",
     A_TXT},
    /* raw 8-bit */
    {"attachment; filename=\"\xe3\x81\x82.txt\"", NULL, "filename", A_TXT},
    {"attachment; filename=\"\x83\x5c.txt\"", "Shift_JIS", "filename", "\xe3\x82\xbd.txt"},
    {"attachment; filename=\"\x83\x5c\x83\x5c.txt\"", NULL, "filename",
     "\xe3\x82\xbd\xe3\x82\xbd.txt"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct pcase *k = &cases[i];
        struct mimeparam *ps = mimeparam_parse(k->value, strlen(k->value), k->hint);
        struct charset_stats st = {0};
        char *got = mimeparam_decoded(ps, k->name, k->hint, &st);
        char what[200];
        snprintf(what, sizeof what, "case %zu: %s of '%.120s'", i + 1, k->name, k->value);
        for (char *p = what; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F)
                *p = '?';
        is_str(got, k->want, what);
        is_int(mimeparam_has(ps, k->name), k->want != NULL, "mimeparam_has agrees");
        free(got);
        mimeparam_free(ps);
    }

    /* the type and raw parameters */
    const char *v = "  Text/Plain ; charset=\"ISO-2022-JP\"; format=flowed;"
                    " name*=UTF-8''x; title*0=a";
    struct mimeparam *ps = mimeparam_parse(v, strlen(v), NULL);
    size_t len = 99;
    is_str(mimeparam_type(ps, &len), "Text/Plain", "type trimmed, case kept");
    is_int((long long)len, 10, "type length");
    is_str(mimeparam_raw(ps, "charset", &len), "ISO-2022-JP", "raw charset unquoted");
    is_int((long long)len, 11, "raw length");
    is_str(mimeparam_raw(ps, "FORMAT", NULL), "flowed", "raw: names are case-insensitive");
    is_str(mimeparam_raw(ps, "name", NULL), NULL, "raw: an RFC 2231 name* is not plain");
    is_str(mimeparam_raw(ps, "title", NULL), NULL, "raw: an RFC 2231 piece is not plain");
    is_str(mimeparam_raw(ps, "boundary", NULL), NULL, "raw: absent");
    ok(mimeparam_has(ps, "title"), "has: a piece counts");
    ok(!mimeparam_has(ps, "titl"), "has: whole names only");
    mimeparam_free(ps);

    ps = mimeparam_parse(NULL, 0, NULL);
    is_str(mimeparam_type(ps, &len), "", "no value: empty type");
    is_int((long long)len, 0, "no value: type length");
    is_str(mimeparam_raw(ps, "charset", NULL), NULL, "no value: no parameters");
    mimeparam_free(ps);
    mimeparam_free(NULL);

    /* a value that is not NUL-terminated: nothing past len is read */
    ps = mimeparam_parse("inline; filename=ab.txt", 19, NULL);
    char *got = mimeparam_decoded(ps, "filename", NULL, NULL);
    is_str(got, "ab", "only `len` bytes are read");
    is_str(mimeparam_type(ps, NULL), "inline", "type of a cut value");
    free(got);
    mimeparam_free(ps);
    return tap_done();
}
