/* Unit tests for formats/mbox/mboxrd: escaping fed in every possible chunking, and the
 * envelope sender. */
#include <stdlib.h>
#include <string.h>

#include "mbox/mboxrd.h"
#include "tap.h"

static const struct {
    const char *in;
    const char *want;
} escapes[] = {
    {"", ""},
    {"From me\n", ">From me\n"},
    {"a\nFrom me\n", "a\n>From me\n"},
    {">From me\n", ">>From me\n"},
    {">>>From x", ">>>>From x"},
    {"From", "From"},                   /* no space: not an envelope */
    {"From\n", "From\n"},
    {"Fro", "Fro"},
    {">Fro\n", ">Fro\n"},
    {"> From x\n", "> From x\n"},       /* a space before From: not escaped */
    {" From x\n", " From x\n"},
    {"from x\n", "from x\n"},           /* case matters */
    {"x From y\n", "x From y\n"},       /* only at the start of a line */
    {"a\r\nFrom b\r\n", "a\r\n>From b\r\n"},
    {"a\r\n>From b\r\n>>From c\r\n", "a\r\n>>From b\r\n>>>From c\r\n"},
    {"\nFrom \n", "\n>From \n"},
    {">>>\n", ">>>\n"},
    {">\n>From\n", ">\n>From\n"},
    {"From From \n", ">From From \n"},
    {"FFrom x\n", "FFrom x\n"},
    {">F>rom\n", ">F>rom\n"},
    {"plain\ntext\n", "plain\ntext\n"},
    {"a\n>quoted\n>>x\nFrank\n", "a\n>quoted\n>>x\nFrank\n"},
    {"a\n>q\nFrom x\nb\n", "a\n>q\n>From x\nb\n"},
    {"ends\nFro", "ends\nFro"},
    {"ends\n>>", "ends\n>>"},
};

/* Runs the escaper over `in` cut into pieces of `step` bytes; with `in_place`, each piece is
 * first put past the buffer's end and offered to mboxrd_pass (as the writer reads the rest of
 * a message), and fed to mboxrd_write only when refused. */
static char *escape_in_steps(const char *in, size_t step, bool in_place, bool *newline)
{
    struct buf out = BUF_INIT;
    struct mboxrd_escaper e;
    mboxrd_begin(&e);
    size_t len = strlen(in);
    for (size_t i = 0; i < len; i += step) {
        size_t n = len - i < step ? len - i : step;
        if (in_place) {
            memcpy(buf_reserve(&out, n), in + i, n);
            if (mboxrd_pass(&e, &out, n))
                continue;
        }
        mboxrd_write(&e, &out, in + i, n);
    }
    mboxrd_end(&e, &out);
    *newline = mboxrd_ends_with_newline(&e);
    if (e.written != out.len)
        ok(0, "written counts %llu bytes of %zu in steps of %zu", (unsigned long long)e.written,
           out.len, step);
    return buf_detach(&out);
}

int main(void)
{
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
        size_t len = strlen(escapes[i].in);
        for (size_t step = 1; step <= (len ? len : 1); step++) {
            for (int in_place = 0; in_place <= 1; in_place++) {
                bool nl;
                char *got = escape_in_steps(escapes[i].in, step, in_place, &nl);
                if (step == 1 || step == len || strcmp(got, escapes[i].want) != 0) {
                    char what[160], q[96];
                    snprintf(what, sizeof what, "escape %s in steps of %zu%s",
                             tap_quote(escapes[i].in, q, sizeof q), step,
                             in_place ? ", read in place" : "");
                    is_str(got, escapes[i].want, what);
                }
                bool want_nl = len > 0 && escapes[i].in[len - 1] == '\n';
                char q[96];
                if (nl != want_nl)
                    ok(0, "ends_with_newline for %s", tap_quote(escapes[i].in, q, sizeof q));
                free(got);
            }
        }
    }

    static const struct {
        const char *value;
        const char *want;
    } senders[] = {
        {NULL, "-"},
        {"", "-"},
        {"<>", "-"},
        {"<taro@example.jp>", "taro@example.jp"},
        {"\"Yamada, Taro\" <taro@example.jp>", "taro@example.jp"},
        {"=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>", "yamada@example.jp"},
        {"taro@example.jp (Taro)", "taro@example.jp"},
        {"Taro taro@example.jp", "taro@example.jp"},
        {"MAILER-DAEMON (Mail Delivery System)", "MAILER-DAEMON"},
        {"<a b@example.jp>", "ab@example.jp"},
        {"\xe5\xb1\xb1\xe7\x94\xb0", "-"},
    };
    for (size_t i = 0; i < sizeof senders / sizeof senders[0]; i++) {
        char out[256];
        mboxrd_envelope_sender(senders[i].value, out, sizeof out);
        char what[64];
        snprintf(what, sizeof what, "envelope sender case %zu", i);
        is_str(out, senders[i].want, what);
    }
    char tiny[4];
    mboxrd_envelope_sender("<taro@example.jp>", tiny, sizeof tiny);
    is_str(tiny, "tar", "envelope sender is cut to the buffer");
    return tap_done();
}
