/* Unit tests for src/html2text: HTML to plain text, and the charset named in a <meta> tag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/html2text.h"
#include "tap.h"

struct textcase {
    const char *html;
    const char *want;
};

static const struct textcase texts[] = {
    /* text, white space */
    {"", ""},
    {"plain", "plain"},
    {"  a \t b\r\n c  ", "a b c"},
    {"<b>bold</b> and <i>italic</i>", "bold and italic"},
    {"a<span>b</span>c", "abc"},
    /* entities */
    {"a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;", "a & b <c> \"d\" 'e'"},
    {"x&nbsp;y", "x\xc2\xa0y"},
    {"&copy;&reg;&yen;&euro;&hellip;", "\xc2\xa9\xc2\xae\xc2\xa5\xe2\x82\xac\xe2\x80\xa6"},
    {"&#65;&#x42;&#X43;&#x3042;", "ABC\xe3\x81\x82"},
    {"&#65 no semicolon", "A no semicolon"},
    {"&amp no semicolon", "& no semicolon"},
    {"&#0; &#xD800; &#x110000;", "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd"},
    {"&#x1F600;", "\xf0\x9f\x98\x80"},
    {"&unknown; &AMP; & alone &#; &#x;", "&unknown; &AMP; & alone &#; &#x;"},
    /* line breaks */
    {"one<br>two<br/>three<BR />four", "one\ntwo\nthree\nfour"},
    {"one<br><br>two", "one\n\ntwo"},
    {"one<br><br><br><br>two", "one\n\ntwo"},
    {"<p>one</p><p>two</p>", "one\ntwo"},
    {"<div>a</div><div>b</div>", "a\nb"},
    {"<ul><li>x</li><li>y</li></ul>", "x\ny"},
    {"<h1>Title</h1>text", "Title\ntext"},
    {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
    {"word <p> next", "word\nnext"},
    {"<br><br><p>start", "start"},
    {"end<br><br>  \n", "end"},
    /* dropped elements */
    {"a<script>var x = '<b>';</script>b", "ab"},
    {"a<SCRIPT type=\"text/javascript\">x()</SCRIPT>b", "ab"},
    {"a<style>p { color: red }</style>b", "ab"},
    {"<head><title>t</title><style>x</style></head><body>body</body>", "body"},
    {"<html><head><meta charset=utf-8><body>text</body></html>", "text"},
    {"<title>only title</title>after", "after"},
    {"a<!-- <p>comment</p> -->b", "ab"},
    {"a<!-- never closed", "a"},
    {"<!DOCTYPE html><?xml version=\"1.0\"?>x", "x"},
    /* unterminated and stray */
    {"a<script>never closed", "anever closed"},
    {"a<b", "a"},
    {"text <p unterminated", "text"},
    {"x<=y", "x<=y"},   /* a '<' that starts no tag is text */
    {"a<", "a<"},
    {"a</>b", "ab"},
    /* UTF-8 passes unchanged */
    {"<p>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e</p>", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
    {"caf\xc3\xa9 &amp; cr\xc3\xa8me", "caf\xc3\xa9 & cr\xc3\xa8me"},
};

struct metacase {
    const char *html;
    const char *want; /* NULL: none */
};

static const struct metacase metas[] = {
    {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-2022-jp\">",
     "iso-2022-jp"},
    {"<meta charset=\"Shift_JIS\">", "Shift_JIS"},
    {"<meta charset='utf-8'>", "utf-8"},
    {"<META CHARSET = windows-1252>", "windows-1252"},
    {"<meta charset=>", NULL},
    {"<p>no charset here</p>", NULL},
    {"", NULL},
};

/* A test name for `html`: control bytes shown as \xNN, so that TAP lines stay whole. */
static void name(char *dst, size_t cap, const char *what, const char *html)
{
    size_t o = (size_t)snprintf(dst, cap, "%s '", what);
    for (const char *p = html; *p && o + 6 < cap; p++) {
        if ((unsigned char)*p < 0x20)
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", (unsigned char)*p);
        else
            dst[o++] = *p;
    }
    snprintf(dst + o, cap - o, "'");
}

int main(void)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = 99;
        char *got = html2text_convert(texts[i].html, strlen(texts[i].html), &len);
        char what[200];
        name(what, sizeof what, "text of", texts[i].html);
        if (is_str(got, texts[i].want, what))
            is_int((long long)len, (long long)strlen(texts[i].want), "length");
        free(got);
    }
    /* not NUL-terminated input: nothing is read past len */
    size_t len;
    char *got = html2text_convert("ab<br>cd", 4, &len);
    is_str(got, "ab", "only `len` bytes are read");
    free(got);

    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        char *cs = html2text_meta_charset(metas[i].html, strlen(metas[i].html));
        char what[200];
        name(what, sizeof what, "meta charset of", metas[i].html);
        is_str(cs, metas[i].want, what);
        free(cs);
    }
    /* only the first 8 KiB are searched */
    char *big = malloc(9001);
    memset(big, ' ', 9000);
    big[9000] = '\0';
    memcpy(big + 8500, "charset=utf-8", 13);
    char *cs = html2text_meta_charset(big, 9000);
    is_str(cs, NULL, "a charset after 8 KiB is not seen");
    free(cs);
    free(big);
    return tap_done();
}
