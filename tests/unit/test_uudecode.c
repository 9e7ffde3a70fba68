/* Unit tests for src/uudecode: finding `begin` ... `end` blocks in a text and decoding them. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "tap.h"
#include "normalize/uudecode.h"

struct uucase {
    const char *what;
    const char *text;
    size_t blocks;     /* how many blocks are found */
    const char *name;  /* of the first block */
    bool closed;       /* of the first block */
    const char *bytes; /* the first block decoded */
    size_t bad;        /* bad lines of the first block (+1 without `end`) */
    const char *rest;  /* the text with every block cut out */
};

static const struct uucase cases[] = {
    {"one block", "hi\nbegin 644 cat.txt\n#0V%T\n`\nend\nbye\n", 1, "cat.txt", true, "Cat", 0,
     "hi\nbye\n"},
    {"CRLF lines", "begin 644 cat.txt\r\n#0V%T\r\n`\r\nend\r\n", 1, "cat.txt", true, "Cat", 0, ""},
    {"four-digit mode, name with spaces", "begin 0600 my file.bin\n\"86(`\nend\n", 1,
     "my file.bin", true, "ab", 0, ""},
    {"length 45 line", "begin 644 x\nM86)C9&5F9VAI:FML;6YO<'%R<W1U=G=X>7HP,3(S-#4V-S@Y04)#1$5&1TA)\n"
     "`\nend\n", 1, "x", true, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHI", 0, ""},
    {"no end line: runs to the end, counted", "begin 644 cat.txt\n#0V%T\nmore text\n", 1,
     "cat.txt", false, "Cat", 2, ""},
    {"short line skipped and counted", "begin 644 y\n#0V%T\nM0V%T\n#0V%T\nend\n", 1, "y", true,
     "CatCat", 1, ""},
    {"bad length character skipped and counted", "begin 644 y\n#0V%T\na0V%T\nend\n", 1, "y",
     true, "Cat", 1, ""},
    {"character outside 0x20..0x60 skipped and counted", "begin 644 y\n#0V%T\n#0v%T\nend\n", 1,
     "y", true, "Cat", 1, ""},
    {"empty lines inside a block", "begin 644 y\n#0V%T\n\n#0V%T\nend\n", 1, "y", true,
     "CatCat", 0, ""},
    {"two blocks", "a\nbegin 644 one\n!80``\nend\nb\nbegin 644 two\n!80``\nend\nc", 2, "one",
     true, "a", 0, "a\nb\nc"},
    {"begin without a data line is text", "begin 644 x\nhello there\nend\n", 0, NULL, false,
     NULL, 0, "begin 644 x\nhello there\nend\n"},
    {"begin as the last line is text", "text\nbegin 644 x\n", 0, NULL, false, NULL, 0,
     "text\nbegin 644 x\n"},
    {"mode not octal", "begin 648 x\n#0V%T\nend\n", 0, NULL, false, NULL, 0,
     "begin 648 x\n#0V%T\nend\n"},
    {"mode too short", "begin 64 xyz\n#0V%T\nend\n", 0, NULL, false, NULL, 0,
     "begin 64 xyz\n#0V%T\nend\n"},
    {"no name", "begin 644 \n#0V%T\nend\n", 0, NULL, false, NULL, 0, "begin 644 \n#0V%T\nend\n"},
    {"begin not at the start of a line", " begin 644 x\n#0V%T\nend\n", 0, NULL, false, NULL, 0,
     " begin 644 x\n#0V%T\nend\n"},
    {"empty text", "", 0, NULL, false, NULL, 0, ""},
};

int main(void)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct uucase *k = &cases[c];
        size_t len = strlen(k->text), count = 99;
        struct uudecode_block *b = uudecode_find(k->text, len, &count);
        if (!is_int((long long)count, (long long)k->blocks, k->what))
            continue;
        struct buf rest = BUF_INIT;
        size_t pos = 0;
        for (size_t i = 0; i < count; i++) {
            buf_append(&rest, k->text + pos, b[i].begin - pos);
            pos = b[i].end;
        }
        buf_append(&rest, k->text + pos, len - pos);
        is_str(buf_str(&rest), k->rest, k->what);
        buf_free(&rest);
        if (count) {
            is_str(b[0].name, k->name, k->what);
            is_int(b[0].closed, k->closed, k->what);
            struct buf out = BUF_INIT;
            size_t bad = uudecode_block(k->text, &b[0], &out);
            is_str(buf_str(&out), k->bytes, k->what);
            is_int((long long)bad, (long long)k->bad, k->what);
            buf_free(&out);
        }
        uudecode_free(b, count);
    }
    uudecode_free(NULL, 0);
    return tap_done();
}
