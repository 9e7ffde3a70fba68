/* Unit tests for src/normalize: the decoded view of messages built here in memory.
 *
 * Japanese text is built from its code bytes (JIS X 0208 pairs written as the two ASCII
 * characters they are, CP932 and EUC-JP bytes in hex) and encoded words are made with GLib's
 * base64, so the only literal Japanese is the UTF-8 each case must give. */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "model/model.h"
#include "normalize/normalize.h"
#include "tap.h"

/* ---- building messages ---- */

#define ESC "\x1b"
#define JIS(pairs) ESC "$B" pairs ESC "(B" /* JIS X 0208 text, back to ASCII */

/* =?charset?B?...?= around `len` bytes. */
static char *b_word(const char *charset, const char *bytes, size_t len)
{
    gchar *b64 = g_base64_encode((const guchar *)bytes, len);
    char *w = g_strdup_printf("=?%s?B?%s?=", charset, b64);
    g_free(b64);
    return w;
}

static char *b_words(const char *charset, const char *bytes)
{
    return b_word(charset, bytes, strlen(bytes));
}

static char *base64_lines(const char *bytes, size_t len)
{
    gchar *b64 = g_base64_encode((const guchar *)bytes, len);
    struct buf b = BUF_INIT;
    size_t l = strlen(b64);
    for (size_t i = 0; i < l; i += 76) {
        buf_append(&b, b64 + i, l - i < 76 ? l - i : 76);
        buf_puts(&b, "\n");
    }
    g_free(b64);
    return buf_detach(&b);
}

/* Classic uuencoding of `len` bytes (lines of 45 bytes), begin/end lines included. */
static char *uuencode(const char *name, const unsigned char *d, size_t len)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "begin 644 %s\n", name);
    for (size_t i = 0; i < len; i += 45) {
        size_t n = len - i < 45 ? len - i : 45;
        buf_putc(&b, (char)(n ? n + 32 : '`'));
        for (size_t k = 0; k < n; k += 3) {
            unsigned char c0 = d[i + k], c1 = k + 1 < n ? d[i + k + 1] : 0,
                          c2 = k + 2 < n ? d[i + k + 2] : 0;
            unsigned v[4] = {c0 >> 2u, ((c0 & 3u) << 4) | (c1 >> 4u), ((c1 & 15u) << 2) | (c2 >> 6u),
                             c2 & 63u};
            for (int q = 0; q < 4; q++)
                buf_putc(&b, (char)(v[q] ? v[q] + 32 : '`'));
        }
        buf_putc(&b, '\n');
    }
    buf_puts(&b, "`\nend\n");
    return buf_detach(&b);
}

/* ---- a handle over a private copy of the bytes ---- */

struct msg {
    struct normalize *n;
    char *bytes;
};

static struct msg open_hints(const char *bytes, size_t len, int64_t store, int64_t file)
{
    struct msg m;
    m.bytes = malloc(len ? len : 1);
    memcpy(m.bytes, bytes, len);
    struct normalize_hints h = {store, file};
    m.n = normalize_open(m.bytes, len, &h, NULL);
    return m;
}

static struct msg open_msg(const char *text)
{
    return open_hints(text, strlen(text), MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN);
}

static void close_msg(struct msg *m)
{
    normalize_free(m->n);
    free(m->bytes);
}

static size_t repairs(struct normalize *n, const char *kind, const char *where)
{
    size_t total = 0;
    for (size_t i = 0; i < normalize_repair_count(n); i++) {
        const struct normalize_repair *r = normalize_repair_at(n, i);
        if (strcmp(r->kind, kind) == 0 && (!where || strcmp(r->where, where) == 0))
            total += r->count;
    }
    return total;
}

static const char *addr_name(const struct address_list *l, size_t i)
{
    return i < l->count ? l->items[i].name : "(missing)";
}

static const char *addr_address(const struct address_list *l, size_t i)
{
    return i < l->count ? l->items[i].address : "(missing)";
}

static const char *att_name(struct normalize *n, size_t i)
{
    const struct normalize_attachment *a = normalize_attachment(n, i);
    return a ? a->filename : "(missing)";
}

/* ---- the cases ---- */

static void test_iso2022jp(void)
{
    /* ①㈱№Ⅱ (NEC row 13) 髙﨑 (NEC-selected IBM extensions): 2D21 2D6A 2D62 2D36 7C62 7975 */
    const char *jis = JIS("-!-j-b-6|byu");
    char *subject = b_words("ISO-2022-JP", jis);
    char *text = g_strdup_printf("From: a@example.jp\nSubject: %s\nMIME-Version: 1.0\n"
                                 "Content-Type: text/plain; charset=ISO-2022-JP\n"
                                 "Content-Transfer-Encoding: 7bit\n\n%s\n" JIS("$3$s$K$A$O") "\n",
                                 subject, jis);
    struct msg m = open_msg(text);
    is_str(normalize_subject(m.n), "①㈱№Ⅱ髙﨑", "ISO-2022-JP subject with NEC and IBM characters");
    is_str(normalize_body_text(m.n, NULL), "①㈱№Ⅱ髙﨑\nこんにちは\n", "ISO-2022-JP body");
    is_int((long long)repairs(m.n, "charset_replaced", NULL), 0, "nothing replaced");
    ok(normalize_body_html(m.n, NULL) == NULL, "no HTML body");
    is_int((long long)normalize_attachment_count(m.n), 0, "no attachments");
    close_msg(&m);
    g_free(text);
    g_free(subject);
}

static void test_katakana_wave_dash(void)
{
    /* half-width katakana after ESC ( I; the wave dash JIS 2141 is U+FF5E as in CP932 */
    char *subject = b_words("iso-2022-jp", ESC "(I123" ESC "(B " JIS("!A"));
    char *text = g_strdup_printf("Subject: %s\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
                                 ESC "(I123" ESC "(B 10" JIS("!A") "12\n",
                                 subject);
    struct msg m = open_msg(text);
    is_str(normalize_subject(m.n), "ｱｲｳ ～", "half-width katakana and wave dash in the subject");
    is_str(normalize_body_text(m.n, NULL), "ｱｲｳ 10～12\n", "the same in the body");
    close_msg(&m);
    g_free(text);
    g_free(subject);
}

static void test_split_words(void)
{
    /* 山田 (JIS 3B33 4544) split inside 山 and inside the escape state */
    char *w1 = b_words("ISO-2022-JP", ESC "$B;");
    char *w2 = b_words("ISO-2022-JP", "3ED" ESC "(B");
    /* 山田 in UTF-8 (e5 b1 b1 e7 94 b0) split after two bytes */
    char *u1 = b_word("UTF-8", "\xe5\xb1", 2);
    char *u2 = b_word("UTF-8", "\xb1\xe7\x94\xb0", 4);
    char *text = g_strdup_printf("Subject: %s\n %s\nX-Also: x\nComments: %s %s\n\nbody\n", w1, w2,
                                 u1, u2);
    struct msg m = open_msg(text);
    is_str(normalize_subject(m.n), "山田", "subject split mid-character across ISO-2022-JP words");
    close_msg(&m);
    g_free(text);
    text = g_strdup_printf("Subject: %s %s\n\nbody\n", u1, u2);
    m = open_msg(text);
    is_str(normalize_subject(m.n), "山田", "subject split mid-character across UTF-8 words");
    close_msg(&m);
    g_free(text);
    g_free(w1);
    g_free(w2);
    g_free(u1);
    g_free(u2);
}

static void test_raw_cp932(void)
{
    /* 山田 = 8E52 9363, 送信者 = 9197 904D 8ED2, テスト = 8365 8358 8367 */
    const char *text = "From: \x91\x97\x90\x4d\x8e\xd2 <sender@example.jp>\n"
                       "To: \"\x83\x65\x83\x58\x83\x67\" <test@example.jp>\n"
                       "Subject: \x8e\x52\x93\x63\n"
                       "Content-Type: text/plain; charset=Shift_JIS\n"
                       "Content-Transfer-Encoding: 8bit\n\n"
                       "\x83\x65\x83\x58\x83\x67\n";
    struct msg m = open_msg(text);
    is_str(normalize_subject(m.n), "山田", "raw CP932 subject");
    ok(repairs(m.n, "charset_guessed", "subject") > 0, "  the guess is recorded");
    const struct address_list *from = normalize_from(m.n);
    is_str(addr_name(from, 0), "送信者", "raw CP932 From name");
    is_str(addr_address(from, 0), "sender@example.jp", "  its address");
    is_str(addr_name(normalize_to(m.n), 0), "テスト", "raw CP932 quoted To name");
    is_str(normalize_body_text(m.n, NULL), "テスト\n", "Shift_JIS body");
    close_msg(&m);
}

static void test_euc_jp(void)
{
    const char *text = "Subject: euc\nContent-Type: text/plain; charset=EUC-JP\n\n"
                       "\xc6\xfc\xcb\xdc\xb8\xec\n";
    struct msg m = open_msg(text);
    is_str(normalize_body_text(m.n, NULL), "日本語\n", "EUC-JP body");
    close_msg(&m);
}

static void test_q_and_mislabel(void)
{
    const char *text = "Subject: =?ISO-8859-1?Q?Caf=E9_au_lait?= =?utf-8?q?_=E2=9C=93?=\n"
                       "Content-Type: text/plain; charset=us-ascii\n\n" JIS("F|K\\8l") "\n";
    struct msg m = open_msg(text);
    is_str(normalize_subject(m.n), "Café au lait ✓", "Q-encoding with underscores");
    is_str(normalize_body_text(m.n, NULL), "日本語\n", "us-ascii label over ISO-2022-JP bytes");
    ok(repairs(m.n, "charset_relabelled", "body_text") > 0, "  the relabelling is recorded");
    close_msg(&m);
    m = open_msg("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n"
                 "\xe6\x97\xa5\xe6\x9c\xac\n");
    is_str(normalize_body_text(m.n, NULL), "日本\n", "iso-8859-1 label over UTF-8 bytes");
    close_msg(&m);
    m = open_msg("Subject: x\n\n\x93\xfa\x96\x7b\x8c\xea\n");
    is_str(normalize_body_text(m.n, NULL), "日本語\n", "no charset: CP932 guessed");
    ok(repairs(m.n, "charset_guessed", "body_text") > 0, "  the guess is recorded");
    close_msg(&m);
}

static void test_attachment_names(void)
{
    char *jis_word = b_words("ISO-2022-JP", JIS(";3ED") ".txt");
    char *text = g_strdup_printf(
        "Subject: names\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
        "--b1\nContent-Type: text/plain; charset=us-ascii\n\nsee the files\n"
        "--b1\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=UTF-8''%%E5%%B1%%B1%%E7%%94%%B0.txt\n"
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
        "--b1\nContent-Type: application/octet-stream; name=\"%s\"\n"
        "Content-Disposition: attachment; filename=\"%s\"\n\nx\n"
        "--b1\nContent-Type: text/plain; name=\"\x8e\x52\x93\x63.txt\"\n\ny\n"
        "--b1\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
        " filename*0*=iso-2022-jp'ja'%%1B%%24B%%3B3;\n filename*1*=ED%%1B%%28B;\n"
        " filename*2=\".pdf\"\n\nz\n"
        "--b1\nContent-Type: image/png; name=\"fallback.png\"\n"
        "Content-Disposition: inline; filename=\"fallback.png\"; filename*=utf-8''real.png\n"
        "Content-ID: <img1@example.jp>\n\npng\n"
        "--b1--\n",
        jis_word, jis_word);
    struct msg m = open_msg(text);
    is_int((long long)normalize_attachment_count(m.n), 5, "five attachments");
    is_str(att_name(m.n, 0), "山田.txt", "RFC 2231 file name");
    size_t len;
    const char *data = normalize_attachment_data(m.n, 0, &len);
    ok(data && len == 5 && memcmp(data, "hello", 5) == 0, "  its bytes decoded");
    is_str(att_name(m.n, 1), "山田.txt", "RFC 2047 inside quotes");
    is_str(att_name(m.n, 2), "山田.txt", "raw CP932 name");
    is_str(normalize_attachment(m.n, 2)->content_type, "text/plain", "  a named text part");
    is_str(att_name(m.n, 3), "山田.pdf", "RFC 2231 continuations, encoded and plain");
    is_str(att_name(m.n, 4), "real.png", "filename* wins over filename");
    const struct normalize_attachment *a = normalize_attachment(m.n, 4);
    is_str(a->content_id, "img1@example.jp", "  Content-ID without brackets");
    ok(a->disposition == NORMALIZE_DISPOSITION_INLINE, "  inline");
    ok(normalize_attachment(m.n, 0)->disposition == NORMALIZE_DISPOSITION_ATTACHMENT,
       "attachment disposition");
    is_str(normalize_body_text(m.n, NULL), "see the files", "body is the first text part");
    ok(normalize_attachment(m.n, 5) == NULL, "out of range is NULL");
    close_msg(&m);
    g_free(text);
    g_free(jis_word);
}

static void test_broken_base64(void)
{
    /* 日本語 in UTF-8 is 5pel5pys6Kqe; then junk and a dangling character */
    struct msg m = open_msg("Subject: b64\nContent-Type: text/plain; charset=utf-8\n"
                            "Content-Transfer-Encoding: base64\n\n5pel5pys!!6Kqe\n*Q\n");
    const char *t = normalize_body_text(m.n, NULL);
    ok(t && strncmp(t, "日本語", strlen("日本語")) == 0, "broken base64: what can be decoded is");
    is_int((long long)repairs(m.n, "base64_invalid", "body_text"), 4,
           "  three bad characters and a dangling one counted");
    close_msg(&m);
    m = open_msg("Subject: qp\nContent-Type: text/plain; charset=utf-8\n"
                 "Content-Transfer-Encoding: quoted-printable\n\na=3Db =ZZ c=\nd\n");
    is_str(normalize_body_text(m.n, NULL), "a=b =ZZ cd\n", "quoted-printable with a bad escape");
    is_int((long long)repairs(m.n, "quoted_printable_invalid", "body_text"), 1, "  counted");
    close_msg(&m);
    m = open_msg("Subject: cte\nContent-Transfer-Encoding: x-gzip64\n\nplain\n");
    is_str(normalize_body_text(m.n, NULL), "plain\n", "unknown transfer encoding: as is");
    is_int((long long)repairs(m.n, "encoding_unknown", "body_text"), 1, "  recorded");
    close_msg(&m);
}

static void test_broken_multipart(void)
{
    struct msg m = open_msg("Subject: nb\nContent-Type: multipart/mixed\n\nhello there\n");
    is_str(normalize_body_text(m.n, NULL), "hello there\n", "multipart without boundary: text kept");
    ok(repairs(m.n, "multipart_no_boundary", NULL) > 0, "  recorded");
    is_int((long long)normalize_attachment_count(m.n), 0, "  no attachments");
    close_msg(&m);
    m = open_msg("Subject: tr\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
                 "Content-Type: text/plain\n\nfirst\n--XX\nContent-Type: application/pdf; "
                 "name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBE");
    is_str(normalize_body_text(m.n, NULL), "first", "truncated multipart: body");
    is_int((long long)normalize_attachment_count(m.n), 1, "  the cut attachment is kept");
    size_t len;
    const char *d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == 3 && memcmp(d, "%PD", 3) == 0, "  with the bytes that are there");
    ok(repairs(m.n, "multipart_truncated", "mime") == 1, "  recorded");
    close_msg(&m);
    /* CRLF, and the last delimiter without a line end: GMime would keep the CR */
    m = open_msg("Subject: crlf\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
                 "Content-Type: text/plain\r\n\r\nbody\r\n--B\r\n"
                 "Content-Type: text/plain; name=a.txt\r\n\r\ndata\r\n\r\n--B--");
    d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == 6 && memcmp(d, "data\r\n", 6) == 0,
       "the CRLF before a last delimiter without line end belongs to the delimiter");
    is_str(normalize_body_text(m.n, NULL), "body", "  body");
    close_msg(&m);
}

static void test_embedded(void)
{
    char *inner_subject = b_words("ISO-2022-JP", JIS("7oL>"));
    char *text = g_strdup_printf(
        "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        "--outer\r\nContent-Type: text/plain\r\n\r\nforwarded below\r\n"
        "--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
        "Subject: %s\r\nFrom: Inner <inner@example.jp>\r\n"
        "Date: Sat, 1 Jan 2000 09:00:00 +0900\r\n"
        "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n"
        "--inner\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n" JIS("K\\J8") "\r\n"
        "--inner\r\nContent-Type: text/plain; name=note.txt\r\n\r\nnote\r\n"
        "--inner--\r\n"
        "--outer\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "U3ViamVjdDogZW5jb2RlZAoKYm9keQo=\r\n"
        "--outer--\r\n",
        inner_subject);
    struct msg m = open_msg(text);
    is_str(normalize_body_text(m.n, NULL), "forwarded below", "outer body");
    is_int((long long)normalize_attachment_count(m.n), 2, "two embedded messages");
    const struct normalize_attachment *a = normalize_attachment(m.n, 0);
    ok(a && a->is_message, "message/rfc822 is an embedded message");
    is_str(a ? a->content_type : NULL, "message/rfc822", "  its type");
    size_t len;
    const char *d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len > 9 && memcmp(d, "Subject: ", 9) == 0 &&
           memcmp(d + len - 9, "--inner--", 9) == 0,
       "  its bytes are the message exactly, without the delimiter's line end");
    struct normalize *inner = normalize_attachment_message(m.n, 0);
    ok(inner != NULL, "  opened");
    is_str(normalize_subject(inner), "件名", "  its subject");
    is_str(addr_name(normalize_from(inner), 0), "Inner", "  its From");
    is_int(normalize_date(inner, NULL), 946684800, "  its date");
    is_str(normalize_body_text(inner, NULL), "本文", "  its body");
    is_int((long long)normalize_attachment_count(inner), 1, "  its attachment");
    is_str(att_name(inner, 0), "note.txt", "  named");
    normalize_free(inner);
    a = normalize_attachment(m.n, 1);
    ok(a && a->is_message, "base64 message/rfc822 is an embedded message too");
    inner = normalize_attachment_message(m.n, 1);
    is_str(inner ? normalize_subject(inner) : NULL, "encoded", "  decoded and opened");
    normalize_free(inner);
    ok(normalize_attachment_message(m.n, 5) == NULL, "out of range: NULL");
    close_msg(&m);
    g_free(text);
    g_free(inner_subject);

    /* the last of two Content-Type headers counts (as for GMime), so the boundary is known and
     * each embedded message ends where the next part begins */
    m = open_msg("Subject: dup\nContent-Type: text/html\nContent-Type: multipart/mixed; boundary=o\n"
                 "\n--o\nContent-Type: message/rfc822\n\nSubject: a\n\nx\n"
                 "--o\nContent-Type: message/rfc822\n\nSubject: b\n\ny\n--o--\n");
    is_int((long long)normalize_attachment_count(m.n), 2, "two embedded messages");
    d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == 13 && memcmp(d, "Subject: a\n\nx", 13) == 0, "  the first ends before the second");
    close_msg(&m);
}

static void test_uuencode(void)
{
    static const unsigned char payload[] = "Hello, uuencoded world!\nSecond line with more "
                                           "than forty-five bytes in it, to need two lines.\n";
    char *uu = uuencode("hello.txt", payload, sizeof payload - 1);
    char *text = g_strdup_printf("Subject: uu\n\nSee the file.\n\n%s\nThanks.\n", uu);
    struct msg m = open_msg(text);
    is_str(normalize_body_text(m.n, NULL), "See the file.\n\n\nThanks.\n",
           "uuencoded block cut out of the text");
    is_int((long long)normalize_attachment_count(m.n), 1, "  and made an attachment");
    is_str(att_name(m.n, 0), "hello.txt", "  named");
    ok(normalize_attachment(m.n, 0)->origin == NORMALIZE_ORIGIN_UUENCODE, "  from uuencode");
    size_t len;
    const char *d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == sizeof payload - 1 && memcmp(d, payload, len) == 0, "  bytes decoded");
    is_int((long long)repairs(m.n, "uuencode_invalid", NULL), 0, "  no repair");
    normalize_attachment_release(m.n, 0);
    d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == sizeof payload - 1, "decoded again after release");
    close_msg(&m);
    g_free(text);
    g_free(uu);
    m = open_msg("Subject: not uu\n\nbegin 644 is just words here\nnothing follows\n");
    is_int((long long)normalize_attachment_count(m.n), 0, "\"begin 644\" in prose is not uuencode");
    close_msg(&m);
}

static void test_groups_and_ids(void)
{
    struct msg m = open_msg(
        "From: Taro <taro@example.jp>\nTo: Team: a@example.jp, \"B\" <b@example.jp>;, c@example.jp\n"
        "Cc: undisclosed-recipients:;\nBcc: hidden@example.jp\nSender: s@example.jp\n"
        "Reply-To: r@example.jp\nMessage-ID: <id1@example.jp>\n"
        "In-Reply-To: <id0@example.jp> (comment)\n"
        "References: <a@x> <b@x>\n <c@x>\nX-Priority: 1 (Highest)\nSubject: g\n\nb\n");
    const struct address_list *to = normalize_to(m.n);
    is_int((long long)to->count, 3, "group members and a mailbox");
    is_str(to->count > 1 ? to->items[1].group : NULL, "Team", "  member's group");
    is_str(to->count > 2 ? to->items[2].group : "x", NULL, "  mailbox after the group");
    const struct address_list *cc = normalize_cc(m.n);
    is_int((long long)cc->count, 1, "empty group: one entry");
    is_str(cc->count ? cc->items[0].group : NULL, "undisclosed-recipients", "  named");
    is_str(addr_address(normalize_bcc(m.n), 0), "hidden@example.jp", "Bcc");
    is_str(addr_address(normalize_sender(m.n), 0), "s@example.jp", "Sender");
    is_str(addr_address(normalize_reply_to(m.n), 0), "r@example.jp", "Reply-To");
    is_int((long long)normalize_from(m.n)->count, 1, "From");
    is_str(normalize_message_id(m.n), "<id1@example.jp>", "Message-ID");
    is_str(normalize_in_reply_to(m.n), "<id0@example.jp>", "In-Reply-To");
    size_t nrefs;
    const char *const *refs = normalize_references(m.n, &nrefs);
    ok(nrefs == 3 && strcmp(refs[2], "<c@x>") == 0, "References, folded");
    ok(normalize_importance(m.n) == NORMALIZE_IMPORTANCE_HIGH, "X-Priority 1 is high");
    ok(normalize_has_header(m.n, "x-priority"), "has_header is case-insensitive");
    is_int((long long)normalize_sender(m.n)->count, 1, "accessors cache");
    close_msg(&m);
    m = open_msg("Subject: none\n\nb\n");
    is_int((long long)normalize_to(m.n)->count, 0, "absent header: empty list");
    ok(normalize_message_id(m.n) == NULL, "absent Message-ID");
    ok(normalize_importance(m.n) == NORMALIZE_IMPORTANCE_NORMAL, "normal importance");
    close_msg(&m);
    m = open_msg("Importance: low\nSubject: l\n\nb\n");
    ok(normalize_importance(m.n) == NORMALIZE_IMPORTANCE_LOW, "Importance: low");
    close_msg(&m);
}

static void test_dates(void)
{
    const char *origin;
    struct msg m = open_msg("Date: Sat, 01 Jan 2000 09:00:00 +0900\nSubject: d\n\nb\n");
    is_int(normalize_date(m.n, &origin), 946684800, "Date header");
    is_str(origin, "Date", "  origin");
    is_int((long long)repairs(m.n, "date_missing", NULL) + (long long)repairs(m.n, "date_invalid", NULL), 0,
           "  no repair");
    close_msg(&m);
    const char *rcv = "Received: from a by b; junk\nReceived: from c by d; Sat, 1 Jan 2000 "
                      "00:00:00 +0000\nSubject: d\n\nb\n";
    m = open_hints(rcv, strlen(rcv), 5, 6);
    is_int(normalize_date(m.n, &origin), 946684800, "no Date: the first Received with a date");
    is_str(origin, "Received", "  origin");
    is_int((long long)repairs(m.n, "date_missing", "Received"), 1, "  recorded");
    close_msg(&m);
    const char *bad = "Date: not a date at all\nSubject: d\n\nb\n";
    m = open_hints(bad, strlen(bad), 1000, 2000);
    is_int(normalize_date(m.n, &origin), 1000, "invalid Date, no Received: the store's time");
    is_str(origin, "store", "  origin");
    is_int((long long)repairs(m.n, "date_invalid", "store"), 1, "  recorded");
    close_msg(&m);
    m = open_hints(bad, strlen(bad), MODEL_TIME_UNKNOWN, 2000);
    is_int(normalize_date(m.n, &origin), 2000, "then the file's time");
    is_str(origin, "file time", "  origin");
    close_msg(&m);
    m = open_msg("From  : John Doe <jdoe@example.net>\r\n"
                 "Date  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\r\n\r\nhello\r\n");
    is_int(normalize_date(m.n, &origin), 880127706, "RFC 5322 obsolete date with comments");
    is_str(addr_name(normalize_from(m.n), 0), "John Doe", "\"From  :\" first is a field, no envelope");
    close_msg(&m);
    m = open_msg(bad);
    is_int(normalize_date(m.n, &origin), MODEL_TIME_UNKNOWN, "nothing: unknown");
    is_str(origin, "none", "  origin");
    close_msg(&m);
}

static void test_html(void)
{
    struct msg m = open_msg(
        "Subject: h\nContent-Type: text/html\n\n<html><head><title>T</title>"
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">"
        "<style>p{}</style></head><body><p>\x93\xfa\x96\x7b &amp; co&nbsp;&#x263A;</p>"
        "<div>line&lt;2&gt;<br>three</div><script>x()</script></body></html>\n");
    const char *t = normalize_body_text(m.n, NULL);
    is_str(t, "日本 & co\xc2\xa0☺\nline<2>\nthree", "text derived from HTML");
    ok(normalize_body_text_from_html(m.n), "  said so");
    size_t len;
    const char *charset;
    const char *raw = normalize_body_html_raw(m.n, &len, &charset);
    ok(raw && memmem(raw, len, "\x93\xfa\x96\x7b", 4) != NULL, "HTML bytes as sent");
    is_str(charset, "shift_jis", "  charset from <meta>");
    const char *h = normalize_body_html(m.n, NULL);
    ok(h && strstr(h, "日本 &amp;") != NULL, "HTML in UTF-8");
    close_msg(&m);

    m = open_msg("Subject: alt\nContent-Type: multipart/alternative; boundary=a\n\n"
                 "--a\nContent-Type: text/plain; charset=utf-8\n\nplain text\n"
                 "--a\nContent-Type: multipart/related; boundary=r\n\n"
                 "--r\nContent-Type: text/html; charset=iso-2022-jp\n\n<p>" JIS("K\\J8") "</p>\n"
                 "--r\nContent-Type: image/gif\nContent-ID: <logo>\nContent-Transfer-Encoding: "
                 "base64\n\nR0lGODlh\n--r--\n--a--\n");
    is_str(normalize_body_text(m.n, NULL), "plain text", "alternative: text/plain for the text");
    ok(!normalize_body_text_from_html(m.n), "  not derived");
    is_str(normalize_body_html(m.n, NULL), "<p>本文</p>", "  text/html inside related for the HTML");
    normalize_body_html_raw(m.n, &len, &charset);
    is_str(charset, "iso-2022-jp", "  its declared charset");
    is_int((long long)normalize_attachment_count(m.n), 1, "  the related image");
    const struct normalize_attachment *a = normalize_attachment(m.n, 0);
    ok(a && a->disposition == NORMALIZE_DISPOSITION_INLINE && a->content_id &&
           strcmp(a->content_id, "logo") == 0,
       "  inline with its Content-ID");
    close_msg(&m);

    m = open_msg("Subject: mislabelled html\nContent-Type: text/html; charset=us-ascii\n\n"
                 "<p>" JIS("F|K\\8l") "</p>\n");
    is_str(normalize_body_html(m.n, NULL), "<p>日本語</p>\n", "HTML labelled us-ascii, JIS bytes");
    normalize_body_html_raw(m.n, &len, &charset);
    is_str(charset, "ISO-2022-JP", "  the charset of its bytes is the real one");
    close_msg(&m);
}

static void put_le32(struct buf *b, unsigned v)
{
    char c[4] = {(char)(v & 0xff), (char)(v >> 8 & 0xff), (char)(v >> 16 & 0xff), (char)(v >> 24)};
    buf_append(b, c, 4);
}

static void tnef_attr(struct buf *b, int level, unsigned id, const void *data, size_t len)
{
    buf_putc(b, (char)level);
    put_le32(b, id);
    put_le32(b, (unsigned)len);
    buf_append(b, data, len);
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += ((const unsigned char *)data)[i];
    char cs[2] = {(char)(sum & 0xff), (char)(sum >> 8 & 0xff)};
    buf_append(b, cs, 2);
}

static void test_tnef(void)
{
    /* a winmail.dat built by hand: two files, the second named by a Unicode MAPI property */
    struct buf t = BUF_INIT;
    put_le32(&t, 0x223E9F78);
    buf_append(&t, "\x01\x00", 2);
    tnef_attr(&t, 1, 0x00089006, "\x00\x00\x01\x00", 4); /* attTnefVersion */
    static const char rend[14] = {1, 0, 0xff, 0xff, 0xff, 0xff};
    tnef_attr(&t, 2, 0x00069002, rend, sizeof rend); /* attAttachRenddata: a new file */
    tnef_attr(&t, 2, 0x00018010, "a.txt", 6);        /* attAttachTitle */
    tnef_attr(&t, 2, 0x0006800F, "first", 5);        /* attAttachData */
    tnef_attr(&t, 2, 0x00069002, rend, sizeof rend);
    tnef_attr(&t, 2, 0x00018010, "YAMADA.TXT", 11);
    tnef_attr(&t, 2, 0x0006800F, "second", 6);
    struct buf mapi = BUF_INIT; /* PR_ATTACH_LONG_FILENAME as PT_UNICODE: 山田.txt */
    put_le32(&mapi, 1);
    put_le32(&mapi, 0x3707001F);
    put_le32(&mapi, 1);
    put_le32(&mapi, 14);
    buf_append(&mapi, "\x71\x5c\x30\x75.\0t\0x\0t\0\0\0\0\0", 16);
    tnef_attr(&t, 2, 0x00069005, mapi.data, mapi.len); /* attAttachment */
    char *b64 = base64_lines(t.data, t.len);
    char *text = g_strdup_printf(
        "Subject: tnef\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
        "Content-Type: text/plain\n\nsee\n--x\nContent-Type: application/ms-tnef; "
        "name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n%s--x\n"
        "Content-Type: text/plain; name=after.txt\n\nafter\n--x--\n",
        b64);
    struct msg m = open_msg(text);
    is_int((long long)normalize_attachment_count(m.n), 3, "winmail.dat opened into its files");
    is_str(att_name(m.n, 0), "a.txt", "  first file");
    is_str(att_name(m.n, 1), "山田.txt", "  long Unicode name");
    is_str(att_name(m.n, 2), "after.txt", "  the next MIME attachment keeps its place");
    ok(normalize_attachment(m.n, 1)->origin == NORMALIZE_ORIGIN_TNEF, "  from TNEF");
    size_t len;
    const char *d = normalize_attachment_data(m.n, 1, &len);
    ok(d && len == 6 && memcmp(d, "second", 6) == 0, "  bytes");
    normalize_attachment_release(m.n, 1);
    d = normalize_attachment_data(m.n, 1, &len);
    ok(d && len == 6, "  kept across a release");
    close_msg(&m);
    g_free(text);
    g_free(b64);

    m = open_msg("Subject: bad tnef\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
                 "Content-Type: application/ms-tnef; name=winmail.dat\n\nnot tnef at all\n--x--\n");
    is_int((long long)normalize_attachment_count(m.n), 1, "unreadable winmail.dat kept");
    is_str(att_name(m.n, 0), "winmail.dat", "  as it is");
    ok(repairs(m.n, "tnef_unreadable", NULL) == 1, "  recorded");
    d = normalize_attachment_data(m.n, 0, &len);
    ok(d && len == 15, "  with its bytes");
    close_msg(&m);
    buf_free(&t);
    buf_free(&mapi);
}

static void test_odd_inputs(void)
{
    struct msg m = open_hints("", 0, MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN);
    ok(m.n != NULL, "empty input opens");
    ok(normalize_subject(m.n) == NULL, "  no subject");
    normalize_body_text(m.n, NULL);
    is_int((long long)normalize_attachment_count(m.n), 0, "  no attachments");
    close_msg(&m);

    m = open_msg("From someone@example.com Sat Jan  1 00:00:00 2000\nSubject: env\n\nbody\n");
    is_str(normalize_subject(m.n), "env", "a leading mbox From line is skipped");
    is_str(normalize_body_text(m.n, NULL), "body\n", "  body");
    size_t hl;
    const char *hb = normalize_header_block(m.n, &hl);
    ok(hl == 14 && memcmp(hb, "Subject: env\n\n", 14) == 0, "  header block");
    close_msg(&m);

    m = open_msg("Subject: only headers\n");
    is_str(normalize_subject(m.n), "only headers", "header-only message");
    normalize_body_text(m.n, NULL);
    close_msg(&m);

    m = open_msg("Subject: attach\nContent-Type: text/plain; name=x.txt\n"
                 "Content-Disposition: attachment\n\nfile\n");
    ok(normalize_body_text(m.n, NULL) == NULL, "a whole-message attachment is not the body");
    is_int((long long)normalize_attachment_count(m.n), 1, "  but an attachment");
    close_msg(&m);

    /* deep nesting */
    struct buf deep = BUF_INIT;
    buf_puts(&deep, "Subject: deep\n");
    for (int i = 0; i < 200; i++)
        buf_printf(&deep, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
    buf_puts(&deep, "Content-Type: text/plain\n\ndeep text\n");
    m = open_hints(deep.data, deep.len, MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN);
    normalize_body_text(m.n, NULL);
    normalize_attachment_count(m.n);
    ok(1, "200 nested multiparts: no crash");
    close_msg(&m);
    buf_free(&deep);

    /* a NUL byte in a header and a header without a value */
    static const char nul[] = "Subject: a\0b\nFrom:\nTo: <>\n\nbody";
    m = open_hints(nul, sizeof nul - 1, MODEL_TIME_UNKNOWN, MODEL_TIME_UNKNOWN);
    is_str(normalize_subject(m.n), "ab", "NUL bytes dropped from a header");
    is_int((long long)normalize_from(m.n)->count, 0, "empty From");
    close_msg(&m);
    normalize_free(NULL);
    ok(1, "normalize_free(NULL)");
}

int main(void)
{
    g_mime_init();
    test_iso2022jp();
    test_katakana_wave_dash();
    test_split_words();
    test_raw_cp932();
    test_euc_jp();
    test_q_and_mislabel();
    test_attachment_names();
    test_broken_base64();
    test_broken_multipart();
    test_embedded();
    test_uuencode();
    test_groups_and_ids();
    test_dates();
    test_html();
    test_tnef();
    test_odd_inputs();
    g_mime_shutdown();
    return tap_done();
}
