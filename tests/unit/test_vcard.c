/* test_vcard: the vCard reader and writer on small inputs (table-driven), and round trips.
 *
 * Each case is a vCard text and what one field of the first contact must be (NULL expected:
 * the card must be skipped). Round trip: read -> write 4.0 -> read -> write 4.0 gives the same
 * bytes twice, and the same for 3.0 and 2.1. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "model/contact.h"
#include "report/report.h"
#include "tap.h"
#include "vcard/vcard_reader.h"
#include "vcard/vcard_writer.h"

enum what { W_DISPLAY, W_GIVEN, W_FAMILY, W_EMAIL0, W_PHONE0, W_STREET0, W_NOTES, W_GIVEN_YOMI,
            W_FAMILY_YOMI, W_BDAY, W_COUNT, W_CATEGORY0, W_PHOTO_LEN, W_IM0, W_LABEL0 };

static const struct vcase {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen */
    enum what what;
    const char *want; /* NULL: no contact at all */
} cases[] = {
    {"3.0 simple", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n", 0,
     W_FAMILY, "Lee"},
    {"folded line", "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\n  Lee\nEND:VCARD\n", 0, W_DISPLAY,
     "Ann Lee"},
    {"escapes 3.0", "BEGIN:VCARD\nVERSION:3.0\nFN:x\nNOTE:a\\, b\\; c\\nd\\\\e\nEND:VCARD\n", 0,
     W_NOTES, "a, b; c\nd\\e"},
    {"2.1 QP soft break inside a UTF-8 character",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=\r\n"
     "=B0;=E5=A4=AA=E9=83=8E\r\nEND:VCARD\r\n",
     0, W_FAMILY, "山田"},
    {"2.1 Shift_JIS QP", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:"
     "=8E=52=93=63;=91=BE=98=59\r\nEND:VCARD\r\n", 0, W_GIVEN, "太郎"},
    {"raw Shift_JIS without CHARSET", "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:\x8E\x52\x93\x63\r\nEND:VCARD\r\n",
     0, W_DISPLAY, "山田"},
    {"2.1 bare types", "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nTEL;HOME;FAX:123\r\nEND:VCARD\r\n", 0,
     W_PHONE0, "123"},
    {"soft break before blank line ends the value",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nNOTE;ENCODING=QUOTED-PRINTABLE:abc=\r\n\r\nEMAIL:x@y\r\nEND:VCARD\r\n",
     0, W_EMAIL0, "x@y"},
    {"SOUND;X-IRMC-N", "BEGIN:VCARD\r\nVERSION:2.1\r\nN:A;B\r\nSOUND;X-IRMC-N:\xef\xbd\xb1;\xef\xbd\xb2\r\nEND:VCARD\r\n",
     0, W_FAMILY_YOMI, "ｱ"},
    {"X-PHONETIC-FIRST-NAME", "BEGIN:VCARD\nVERSION:3.0\nFN:a\nX-PHONETIC-FIRST-NAME:たろう\nEND:VCARD\n",
     0, W_GIVEN_YOMI, "たろう"},
    {"item1 group label", "BEGIN:VCARD\nVERSION:3.0\nFN:a\nitem1.EMAIL:a@b\nitem1.X-ABLabel:_$!<Other>!$_\nEND:VCARD\n",
     0, W_LABEL0, "Other"},
    {"bday basic", "BEGIN:VCARD\nVERSION:4.0\nFN:a\nBDAY:19800102\nEND:VCARD\n", 0, W_BDAY,
     "1980-01-02"},
    {"bday no year", "BEGIN:VCARD\nVERSION:4.0\nFN:a\nBDAY:--0102\nEND:VCARD\n", 0, W_BDAY, "--01-02"},
    {"categories", "BEGIN:VCARD\nVERSION:3.0\nFN:a\nCATEGORIES:Work,Friends\nEND:VCARD\n", 0,
     W_CATEGORY0, "Work"},
    {"photo 2.1 base64 without folding space",
     "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/\r\n4AAQ\r\n\r\nEND:VCARD\r\n",
     0, W_PHOTO_LEN, "6"},
    {"photo 4.0 data URI", "BEGIN:VCARD\nVERSION:4.0\nFN:a\nPHOTO:data:image/png;base64,iVBORw==\nEND:VCARD\n",
     0, W_PHOTO_LEN, "4"},
    {"IMPP scheme", "BEGIN:VCARD\nVERSION:4.0\nFN:a\nIMPP:xmpp:a@b\nEND:VCARD\n", 0, W_IM0, "a@b"},
    {"UTF-16LE with BOM", "\xff\xfe" "B\0E\0G\0I\0N\0:\0V\0C\0A\0R\0D\0\n\0F\0N\0:\0Z\0\n\0E\0N\0D\0:\0V\0C\0A\0R\0D\0\n\0",
     42, W_DISPLAY, "Z"},
    {"UTF-16BE without BOM", "\0B\0E\0G\0I\0N\0:\0V\0C\0A\0R\0D\0\n\0F\0N\0:\0Q\0\n\0E\0N\0D\0:\0V\0C\0A\0R\0D\0\n",
     40, W_DISPLAY, "Q"},
    {"many cards", "BEGIN:VCARD\nFN:a\nEND:VCARD\nBEGIN:VCARD\nFN:b\nEND:VCARD\nBEGIN:VCARD\nFN:c\nEND:VCARD\n",
     0, W_COUNT, "3"},
    {"nested card: both kept", "BEGIN:VCARD\nFN:outer\nBEGIN:VCARD\nFN:inner\nEND:VCARD\nEND:VCARD\n",
     0, W_COUNT, "2"},
    {"cut off card kept", "BEGIN:VCARD\nVERSION:3.0\nFN:cut", 0, W_DISPLAY, "cut"},
    {"empty card skipped", "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n", 0, W_DISPLAY, NULL},
    {"no card at all", "hello\n", 0, W_DISPLAY, NULL},
    {"comment line", "BEGIN:VCARD\nVERSION:2.1\n# note\nFN:c\nEND:VCARD\n", 0, W_DISPLAY, "c"},
};

static char *field(const struct contact_list *l, enum what w)
{
    if (w == W_COUNT) {
        char *s = malloc(24);
        snprintf(s, 24, "%zu", l->count);
        return s;
    }
    const struct contact *c = l->items[0];
    const char *v = NULL;
    char tmp[32];
    switch (w) {
    case W_DISPLAY: v = c->display; break;
    case W_GIVEN: v = c->given; break;
    case W_FAMILY: v = c->family; break;
    case W_EMAIL0: v = c->n_emails ? c->emails[0].value : NULL; break;
    case W_PHONE0: v = c->n_phones ? c->phones[0].value : NULL; break;
    case W_STREET0: v = c->n_addresses ? c->addresses[0].street : NULL; break;
    case W_NOTES: v = c->notes; break;
    case W_GIVEN_YOMI: v = c->given_yomi; break;
    case W_FAMILY_YOMI: v = c->family_yomi; break;
    case W_BDAY: v = c->birthday; break;
    case W_CATEGORY0: v = c->n_categories ? c->categories[0] : NULL; break;
    case W_PHOTO_LEN: snprintf(tmp, sizeof tmp, "%zu", c->photo_len); v = tmp; break;
    case W_IM0: v = c->n_ims ? c->ims[0].value : NULL; break;
    case W_LABEL0: v = c->n_emails ? c->emails[0].label : NULL; break;
    case W_COUNT: break;
    }
    return v ? strdup(v) : NULL;
}

static void round_trip(const char *text, enum vcard_version v, const char *what)
{
    struct contact_list a = CONTACT_LIST_INIT, b = CONTACT_LIST_INIT, c = CONTACT_LIST_INIT;
    vcard_read(text, strlen(text), "t", &a, NULL, NULL);
    struct buf w1 = BUF_INIT, w2 = BUF_INIT;
    for (size_t i = 0; i < a.count; i++)
        vcard_write(&w1, a.items[i], v);
    vcard_read(w1.data, w1.len, "t", &b, NULL, NULL);
    for (size_t i = 0; i < b.count; i++)
        vcard_write(&w2, b.items[i], v);
    vcard_read(w2.data, w2.len, "t", &c, NULL, NULL);
    ok(a.count == b.count && w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0,
       "round trip is stable (%s, version %d)", what, (int)v);
    size_t fa = 0, fb = 0;
    for (size_t i = 0; i < a.count; i++)
        fa += contact_field_count(a.items[i]);
    for (size_t i = 0; i < b.count; i++)
        fb += contact_field_count(b.items[i]);
    is_int((long long)fb, (long long)fa, "no field lost in the round trip");
    buf_free(&w1);
    buf_free(&w2);
    contact_list_clear(&a);
    contact_list_clear(&b);
    contact_list_clear(&c);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct vcase *t = &cases[i];
        struct contact_list l = CONTACT_LIST_INIT;
        struct report *r = report_new();
        size_t len = t->len ? t->len : strlen(t->text);
        vcard_read(t->text, len, "t.vcf", &l, r, NULL);
        if (!t->want) {
            is_int((long long)l.count, 0, t->name);
        } else if (l.count == 0) {
            ok(0, "%s: no contact read", t->name);
        } else {
            char *got = field(&l, t->what);
            is_str(got, t->want, t->name);
            free(got);
        }
        contact_list_clear(&l);
        report_free(r);
    }
    static const char rich[] =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:髙橋 一郎\r\nN:髙橋;一郎;;Dr.;\r\n"
        "X-PHONETIC-LAST-NAME:たかはし\r\nNICKNAME:イチ\r\nEMAIL;TYPE=INTERNET,WORK:i@example.jp\r\n"
        "EMAIL;TYPE=HOME:h@example.jp\r\nTEL;TYPE=CELL:090-0000-0000\r\nTEL;TYPE=WORK,FAX:03-0000\r\n"
        "ADR;TYPE=WORK:;3F;丸の内1-1;千代田区;東京都;100-0005;日本\r\nORG:例株式会社;営業部\r\n"
        "TITLE:部長\r\nBDAY:1970-05-06\r\nNOTE:line1\\nline2, with; marks\r\nURL:https://example.jp/\r\n"
        "CATEGORIES:取引先,Golf\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==\r\nEND:VCARD\r\n";
    round_trip(rich, VCARD_V40, "rich Japanese card");
    round_trip(rich, VCARD_V30, "rich Japanese card");
    round_trip(rich, VCARD_V21, "rich Japanese card");
    /* 2.1 output uses QP with CHARSET=UTF-8 for non-ASCII values */
    struct contact_list l = CONTACT_LIST_INIT;
    vcard_read(rich, strlen(rich), "t", &l, NULL, NULL);
    struct buf w = BUF_INIT;
    vcard_write(&w, l.items[0], VCARD_V21);
    ok(strstr(buf_str(&w), "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:") != NULL,
       "2.1 writes CHARSET=UTF-8 quoted-printable");
    buf_reset(&w);
    vcard_write(&w, l.items[0], VCARD_V40);
    ok(strstr(buf_str(&w), "QUOTED-PRINTABLE") == NULL && strstr(buf_str(&w), "CHARSET") == NULL,
       "4.0 has no quoted-printable and no CHARSET");
    ok(strstr(buf_str(&w), "PHOTO:data:image/jpeg;base64,") != NULL, "4.0 photo as data: URI");
    bool short_lines = true;
    for (const char *p = buf_str(&w); *p;) {
        const char *e = strstr(p, "\r\n");
        if (!e)
            break;
        if (e - p > 75)
            short_lines = false;
        p = e + 2;
    }
    ok(short_lines, "4.0 lines folded at 75 octets");
    buf_free(&w);
    contact_list_clear(&l);
    return tap_done();
}
