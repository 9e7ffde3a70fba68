/* pstcontact: a contact as PST properties (see pstcontact.h). */
#include "pst/pstcontact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "model/model.h"
#include "pst/plist.h"
#include "pst/pstprop.h"
#include "util/xalloc.h"

struct pstcontact {
    struct pst_message msg;
    struct plist props;
    struct plist att;           /* the photo, when there is one */
    struct pst_proplist att_list;
    struct buf dropped;
    char **owned;               /* strings and bytes freed with the result */
    size_t nowned, capowned;
};

/* ---- named properties ---------------------------------------------------------------------- */

#define GUID_TAIL 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46
/* {00062004-0000-0000-C000-000000000046} and {00062008-...}, stored byte order. */
#define ADDR(lid) {{0x04, 0x20, 0x06, 0x00, 0x00, 0x00, GUID_TAIL}, lid, NULL}
#define COMMON(lid) {{0x08, 0x20, 0x06, 0x00, 0x00, 0x00, GUID_TAIL}, lid, NULL}

/* Every name a contact gets, in the order it gets them (pstcontact.h). */
enum {
    N_FILE_UNDER,
    N_FILE_UNDER_ID,
    N_YOMI_FIRST,
    N_YOMI_LAST,
    N_YOMI_COMPANY,
    N_EMAIL1_DISPLAY, N_EMAIL1_TYPE, N_EMAIL1_ADDR, N_EMAIL1_ORIG, N_EMAIL1_EID,
    N_EMAIL2_DISPLAY, N_EMAIL2_TYPE, N_EMAIL2_ADDR, N_EMAIL2_ORIG, N_EMAIL2_EID,
    N_EMAIL3_DISPLAY, N_EMAIL3_TYPE, N_EMAIL3_ADDR, N_EMAIL3_ORIG, N_EMAIL3_EID,
    N_EMAIL_LIST,
    N_ARRAY_TYPE,
    N_WORK_STREET, N_WORK_CITY, N_WORK_STATE, N_WORK_POSTAL, N_WORK_COUNTRY, N_WORK_POBOX,
    N_WORK_ADDRESS,
    N_HOME_ADDRESS,
    N_OTHER_ADDRESS,
    N_POSTAL_ID,
    N_IM,
    N_HTML,
    N_HAS_PICTURE,
    N_VERSION_NAME, /* last: harmless when a reader misses it */
    N_COUNT
};

static const struct pst_propname names[N_COUNT] = {
    [N_FILE_UNDER] = ADDR(0x8005),
    [N_FILE_UNDER_ID] = ADDR(0x8006),
    [N_YOMI_FIRST] = ADDR(0x802C),
    [N_YOMI_LAST] = ADDR(0x802D),
    [N_YOMI_COMPANY] = ADDR(0x802E),
    [N_EMAIL1_DISPLAY] = ADDR(0x8080), [N_EMAIL1_TYPE] = ADDR(0x8082),
    [N_EMAIL1_ADDR] = ADDR(0x8083),    [N_EMAIL1_ORIG] = ADDR(0x8084),
    [N_EMAIL1_EID] = ADDR(0x8085),
    [N_EMAIL2_DISPLAY] = ADDR(0x8090), [N_EMAIL2_TYPE] = ADDR(0x8092),
    [N_EMAIL2_ADDR] = ADDR(0x8093),    [N_EMAIL2_ORIG] = ADDR(0x8094),
    [N_EMAIL2_EID] = ADDR(0x8095),
    [N_EMAIL3_DISPLAY] = ADDR(0x80A0), [N_EMAIL3_TYPE] = ADDR(0x80A2),
    [N_EMAIL3_ADDR] = ADDR(0x80A3),    [N_EMAIL3_ORIG] = ADDR(0x80A4),
    [N_EMAIL3_EID] = ADDR(0x80A5),
    [N_EMAIL_LIST] = ADDR(0x8028),
    [N_ARRAY_TYPE] = ADDR(0x8029),
    [N_WORK_STREET] = ADDR(0x8045),
    [N_WORK_CITY] = ADDR(0x8046),
    [N_WORK_STATE] = ADDR(0x8047),
    [N_WORK_POSTAL] = ADDR(0x8048),
    [N_WORK_COUNTRY] = ADDR(0x8049),
    [N_WORK_POBOX] = ADDR(0x804A),
    [N_WORK_ADDRESS] = ADDR(0x801B),
    [N_HOME_ADDRESS] = ADDR(0x801A),
    [N_OTHER_ADDRESS] = ADDR(0x801C),
    [N_POSTAL_ID] = ADDR(0x8022),
    [N_IM] = ADDR(0x8062),
    [N_HTML] = ADDR(0x802B),
    [N_HAS_PICTURE] = ADDR(0x8015),
    [N_VERSION_NAME] = COMMON(0x8554),
};

/* PidNameKeywords: PS_PUBLIC_STRINGS {00020329-...} "Keywords". */
static const struct pst_propname keywords = {{0x29, 0x03, 0x02, 0x00, 0x00, 0x00, GUID_TAIL}, 0,
                                             "Keywords"};

/* ---- list helpers (as pstmail.c) ----------------------------------------------------------- */

static char *keep(struct pstcontact *pc, char *s)
{
    pc->owned = xgrow(pc->owned, &pc->capowned, pc->nowned + 1, sizeof *pc->owned);
    pc->owned[pc->nowned++] = s;
    return s;
}

static struct pst_prop *add_named(struct plist *l, int which, uint16_t type)
{
    struct pst_prop *p = plist_add(l, PST_TAG(0, type));
    p->name = &names[which];
    return p;
}

/* A named string, "" when absent (every contact carries every name). */
static void named_str(struct plist *l, int which, const char *s)
{
    struct pst_prop *p = add_named(l, which, PST_PT_UNICODE);
    p->data = s ? s : "";
    p->len = (size_t)-1;
}

static void named_num(struct plist *l, int which, uint16_t type, uint64_t num)
{
    add_named(l, which, type)->num = num;
}

static void named_bin(struct plist *l, int which, uint16_t type, const void *data, size_t len)
{
    struct pst_prop *p = add_named(l, which, type);
    p->data = data;
    p->len = len;
}

static void drop(struct pstcontact *pc, const char *what, const char *value)
{
    if (pc->dropped.len)
        buf_puts(&pc->dropped, ", ");
    buf_printf(&pc->dropped, "%s %s", what, value);
}

static bool has_cjk(const char *s)
{
    /* Lead bytes from 0xE3 start U+3000 and above: kana, CJK, full-width forms. */
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0xE3)
            return true;
    return false;
}

static bool set(const char *s)
{
    return s && *s;
}

/* ---- pieces ------------------------------------------------------------------------------ */

/* FILETIME of 12:00 UTC on a "YYYY-MM-DD" date; 0 when the text is not such a date (a date
 * without a year, "--MM-DD", cannot be stored in a PST contact). */
static uint64_t contact_date(const char *date)
{
    int y, m, d;
    char tail;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1601 || y > 9999 ||
        m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    /* Days from 1970-01-01 (civil-from-days, inverted). */
    int yy = m <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int mp = (m + 9) % 12;
    int doy = (153 * mp + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    /* Noon UTC: the same calendar day in every time zone from UTC-11 to UTC+11, where
     * midnight UTC would show the day before anywhere west of Greenwich. */
    return model_time_to_filetime(days * 86400 + 12 * 3600);
}

/* File-under and its PidLidFileUnderId ([MS-OXOCNTC] 2.2.1.1.12). */
static char *file_under(const struct contact *c, const char *display, uint32_t *id)
{
    const char *given = c->given, *family = c->family, *middle = c->middle;
    if (set(family) && (set(given) || set(middle))) {
        struct buf b = BUF_INIT;
        bool eastern = has_cjk(family) || has_cjk(given);
        buf_puts(&b, family);
        buf_puts(&b, eastern ? " " : ", ");
        if (set(given))
            buf_puts(&b, given);
        if (set(middle)) {
            if (set(given))
                buf_putc(&b, ' ');
            buf_puts(&b, middle);
        }
        *id = eastern ? 0x8031 : 0x8017;
        return buf_detach(&b);
    }
    if (set(family)) {
        *id = 0x3A11;
        return xstrdup(family);
    }
    if (set(given)) {
        *id = 0x3A06;
        return xstrdup(given);
    }
    if (!set(c->display) && set(c->company)) {
        *id = 0x3A16;
        return xstrdup(c->company);
    }
    *id = 0x3001;
    return xstrdup(display);
}

static void add_emails(struct pstcontact *pc, const struct contact *c, const char *display)
{
    static const int base[3] = {N_EMAIL1_DISPLAY, N_EMAIL2_DISPLAY, N_EMAIL3_DISPLAY};
    struct plist *l = &pc->props;
    uint8_t list[12];
    size_t nlist = 0;
    uint32_t mask = 0;
    for (size_t i = 0; i < 3; i++) {
        int n = base[i];
        const char *addr = i < c->n_emails ? c->emails[i].value : NULL;
        if (!set(addr)) {
            named_str(l, n, "");
            named_str(l, n + 1, "");
            named_str(l, n + 2, "");
            named_str(l, n + 3, "");
            named_bin(l, n + 4, PST_PT_BINARY, NULL, 0);
            continue;
        }
        bool same = strcmp(display, addr) == 0;
        char *disp = keep(pc, same ? xstrdup(addr) : xasprintf("%s (%s)", display, addr));
        size_t len;
        char *eid = keep(pc, plist_one_off_entryid(display, addr, &len));
        named_str(l, n, disp);
        named_str(l, n + 1, "SMTP");
        named_str(l, n + 2, addr);
        named_str(l, n + 3, addr);
        named_bin(l, n + 4, PST_PT_BINARY, eid, len);
        pst_put32(list + 4 * nlist, (uint32_t)i);
        nlist++;
        mask |= 1u << i;
    }
    for (size_t i = 3; i < c->n_emails; i++)
        drop(pc, "e-mail", c->emails[i].value);
    char *mv = keep(pc, xmalloc(nlist ? 4 * nlist : 1));
    memcpy(mv, list, 4 * nlist);
    named_bin(l, N_EMAIL_LIST, PST_PT_MV_I32, mv, 4 * nlist);
    named_num(l, N_ARRAY_TYPE, PST_PT_I32, mask);
}

/* Phone slots, in the order a number of a kind takes them. */
enum {
    P_BUSINESS, P_BUSINESS2, P_HOME, P_HOME2, P_MOBILE, P_CAR, P_PAGER, P_BUSINESS_FAX,
    P_HOME_FAX, P_OTHER_FAX, P_MAIN, P_PRIMARY, P_OTHER, P_COUNT
};
static const uint16_t phone_ids[P_COUNT] = {0x3A08, 0x3A1B, 0x3A09, 0x3A2F, 0x3A1C, 0x3A1E, 0x3A21,
                                            0x3A24, 0x3A25, 0x3A23, 0x3A57, 0x3A1A, 0x3A1F};

static void add_phones(struct pstcontact *pc, const struct contact *c)
{
    const char *slot[P_COUNT] = {0};
    for (size_t i = 0; i < c->n_phones; i++) {
        const struct contact_value *v = &c->phones[i];
        unsigned t = v->types;
        int want[4] = {-1, -1, -1, -1};
        if (t & CONTACT_FAX) {
            want[0] = t & CONTACT_WORK ? P_BUSINESS_FAX : t & CONTACT_HOME ? P_HOME_FAX : P_OTHER_FAX;
            want[1] = P_OTHER_FAX;
        } else if (t & CONTACT_CELL) {
            want[0] = P_MOBILE;
        } else if (t & CONTACT_PAGER) {
            want[0] = P_PAGER;
        } else if (t & CONTACT_CAR) {
            want[0] = P_CAR;
        } else if (t & CONTACT_MAIN) {
            want[0] = P_MAIN;
        } else if (t & CONTACT_WORK) {
            want[0] = P_BUSINESS;
            want[1] = P_BUSINESS2;
        } else if (t & CONTACT_HOME) {
            want[0] = P_HOME;
            want[1] = P_HOME2;
        } else if (t & CONTACT_PREF) {
            want[0] = P_PRIMARY;
        }
        want[2] = P_OTHER;
        want[3] = P_PRIMARY;
        bool placed = false;
        for (size_t k = 0; k < 4 && !placed; k++)
            if (want[k] >= 0 && !slot[want[k]]) {
                slot[want[k]] = v->value;
                placed = true;
            }
        if (!placed)
            drop(pc, "phone", v->value);
    }
    for (size_t k = 0; k < P_COUNT; k++)
        plist_opt_str(&pc->props, PST_TAG(phone_ids[k], PST_PT_UNICODE), slot[k]);
}

/* The address as a block of lines, as Outlook shows it: street, "postal city region", country. */
static char *address_block(const struct contact_address *a)
{
    struct buf b = BUF_INIT;
    const char *lines[3][3] = {{a->pobox, a->extended, a->street},
                               {a->postal_code, a->city, a->region},
                               {a->country, NULL, NULL}};
    for (size_t i = 0; i < 3; i++) {
        bool any = false;
        for (size_t j = 0; j < 3; j++) {
            const char *s = lines[i][j];
            if (!set(s))
                continue;
            if (any)
                buf_puts(&b, i == 0 ? "\r\n" : " ");
            else if (b.len)
                buf_puts(&b, "\r\n");
            buf_puts(&b, s);
            any = true;
        }
    }
    return buf_detach(&b);
}

/* The six parts of an address into a property set: street, city, state, postal code, country,
 * PO box. */
static void address_tags(struct plist *l, const struct contact_address *a, const uint16_t ids[6])
{
    const char *street = a->street;
    plist_opt_str(l, PST_TAG(ids[0], PST_PT_UNICODE), street);
    plist_opt_str(l, PST_TAG(ids[1], PST_PT_UNICODE), a->city);
    plist_opt_str(l, PST_TAG(ids[2], PST_PT_UNICODE), a->region);
    plist_opt_str(l, PST_TAG(ids[3], PST_PT_UNICODE), a->postal_code);
    plist_opt_str(l, PST_TAG(ids[4], PST_PT_UNICODE), a->country);
    plist_opt_str(l, PST_TAG(ids[5], PST_PT_UNICODE), a->pobox);
}

static void add_addresses(struct pstcontact *pc, const struct contact *c)
{
    static const uint16_t home_ids[6] = {0x3A5D, 0x3A59, 0x3A5C, 0x3A5B, 0x3A5A, 0x3A5E};
    static const uint16_t other_ids[6] = {0x3A63, 0x3A5F, 0x3A62, 0x3A61, 0x3A60, 0x3A64};
    static const uint16_t mail_ids[6] = {0x3A29, 0x3A27, 0x3A28, 0x3A2A, 0x3A26, 0x3A2B};
    struct plist *l = &pc->props;
    const struct contact_address *home = NULL, *work = NULL, *other = NULL;
    for (size_t i = 0; i < c->n_addresses; i++) {
        const struct contact_address *a = &c->addresses[i];
        const struct contact_address **slot =
            a->types & CONTACT_WORK ? &work : a->types & CONTACT_HOME ? &home : &other;
        if (*slot && !other)
            slot = &other;
        if (*slot) {
            char *text = address_block(a);
            for (char *p = text; *p; p++)
                if (*p == '\r' || *p == '\n')
                    *p = ' ';
            drop(pc, "address", keep(pc, text));
            continue;
        }
        *slot = a;
    }
    char *blocks[3] = {NULL, NULL, NULL};
    const struct contact_address *which[3] = {home, work, other};
    for (size_t i = 0; i < 3; i++)
        if (which[i])
            blocks[i] = keep(pc, address_block(which[i]));
    if (home)
        address_tags(l, home, home_ids);
    if (other)
        address_tags(l, other, other_ids);
    static const struct contact_address none = {0};
    const struct contact_address *w = work ? work : &none;
    named_str(l, N_WORK_STREET, w->street);
    named_str(l, N_WORK_CITY, w->city);
    named_str(l, N_WORK_STATE, w->region);
    named_str(l, N_WORK_POSTAL, w->postal_code);
    named_str(l, N_WORK_COUNTRY, w->country);
    named_str(l, N_WORK_POBOX, w->pobox);
    named_str(l, N_WORK_ADDRESS, blocks[1]);
    named_str(l, N_HOME_ADDRESS, blocks[0]);
    named_str(l, N_OTHER_ADDRESS, blocks[2]);
    /* The mailing address: the preferred one, else work, home, other. */
    const struct contact_address *mailing = NULL;
    uint32_t id = 0;
    for (size_t i = 0; i < 3 && !mailing; i++)
        if (which[i] && (which[i]->types & CONTACT_PREF))
            mailing = which[i], id = (uint32_t)i + 1;
    static const int order[3] = {1, 0, 2}; /* work, home, other */
    for (size_t k = 0; k < 3 && !mailing; k++)
        if (which[order[k]])
            mailing = which[order[k]], id = (uint32_t)order[k] + 1;
    named_num(l, N_POSTAL_ID, PST_PT_I32, id);
    if (mailing) {
        address_tags(l, mailing, mail_ids);
        plist_str(l, PST_TAG(0x3A15, PST_PT_UNICODE), blocks[id - 1]);
    }
}

/* PidNameKeywords: a multi-valued string ([MS-PST] 2.3.3.4.2: count, offsets, UTF-16 values). */
static void add_categories(struct pstcontact *pc, const struct contact *c)
{
    if (!c->n_categories)
        return;
    struct buf values = BUF_INIT, all = BUF_INIT;
    uint32_t *offs = xcalloc(c->n_categories, sizeof *offs);
    size_t head = 4 + 4 * c->n_categories;
    for (size_t i = 0; i < c->n_categories; i++) {
        offs[i] = (uint32_t)(head + values.len);
        pst_utf16_append(&values, c->categories[i], strlen(c->categories[i]));
    }
    uint8_t w[4];
    pst_put32(w, (uint32_t)c->n_categories);
    buf_append(&all, w, 4);
    for (size_t i = 0; i < c->n_categories; i++) {
        pst_put32(w, offs[i]);
        buf_append(&all, w, 4);
    }
    if (values.len)
        buf_append(&all, values.data, values.len);
    free(offs);
    buf_free(&values);
    size_t len = all.len;
    struct pst_prop *p = plist_add(&pc->props, PST_TAG(0, PST_PT_MV_UNICODE));
    p->name = &keywords;
    p->data = keep(pc, buf_detach(&all));
    p->len = len;
}

static void add_photo(struct pstcontact *pc, const struct contact *c)
{
    struct plist *a = &pc->att;
    plist_str(a, PST_TAG(0x3001, PST_PT_UNICODE), "ContactPicture.jpg");
    plist_str(a, PST_TAG(0x3707, PST_PT_UNICODE), "ContactPicture.jpg");
    plist_str(a, PST_TAG(0x3704, PST_PT_UNICODE), "CONTAC~1.JPG");
    plist_str(a, PST_TAG(0x3703, PST_PT_UNICODE), ".jpg");
    plist_str(a, PST_TAG(0x370E, PST_PT_UNICODE), c->photo_type ? c->photo_type : "image/jpeg");
    plist_num(a, PST_TAG(0x3705, PST_PT_I32), 1);
    plist_num(a, PST_TAG(0x370B, PST_PT_I32), 0xFFFFFFFFu);
    plist_num(a, PST_TAG(0x3714, PST_PT_I32), 0);
    plist_num(a, PST_TAG(0x7FFE, PST_PT_BOOLEAN), 1);
    plist_num(a, PST_TAG(0x7FFF, PST_PT_BOOLEAN), 1); /* PidTagAttachmentContactPhoto */
    plist_bin(a, PST_TAG(0x3701, PST_PT_BINARY), c->photo, c->photo_len);
    pc->att_list.props = a->v;
    pc->att_list.count = a->n;
    pc->msg.attachments = &pc->att_list;
    pc->msg.nattachments = 1;
}

struct pstcontact *pstcontact_build(const struct contact *c)
{
    struct pstcontact *pc = xcalloc(1, sizeof *pc);
    struct plist *l = &pc->props;
    char *display = keep(pc, contact_best_name(c));

    plist_str(l, PST_TAG(0x001A, PST_PT_UNICODE), "IPM.Contact");
    plist_str(l, PST_TAG(0x0037, PST_PT_UNICODE), keep(pc, xasprintf("\x01\x01%s", display)));
    plist_str(l, PST_TAG(0x0E1D, PST_PT_UNICODE), display);
    plist_str(l, PST_TAG(0x0070, PST_PT_UNICODE), display);
    plist_str(l, PST_TAG(0x3001, PST_PT_UNICODE), display);
    plist_num(l, PST_TAG(0x0E07, PST_PT_I32), 0x01); /* read */
    plist_num(l, PST_TAG(0x1080, PST_PT_I32), 0x200); /* the contact icon */
    plist_num(l, PST_TAG(0x0017, PST_PT_I32), 1);
    plist_num(l, PST_TAG(0x0036, PST_PT_I32), 0);

    /* Names. */
    plist_opt_str(l, PST_TAG(0x3A06, PST_PT_UNICODE), c->given);
    plist_opt_str(l, PST_TAG(0x3A11, PST_PT_UNICODE), c->family);
    plist_opt_str(l, PST_TAG(0x3A44, PST_PT_UNICODE), c->middle);
    plist_opt_str(l, PST_TAG(0x3A45, PST_PT_UNICODE), c->prefix);
    plist_opt_str(l, PST_TAG(0x3A05, PST_PT_UNICODE), c->suffix);
    plist_opt_str(l, PST_TAG(0x3A4F, PST_PT_UNICODE), c->nickname);
    struct buf ini = BUF_INIT;
    const char *parts[3] = {c->given, c->middle, c->family};
    for (size_t i = 0; i < 3; i++)
        if (set(parts[i]) && (unsigned char)parts[i][0] < 0x80) {
            buf_putc(&ini, parts[i][0]);
            buf_putc(&ini, '.');
        }
    if (ini.len)
        plist_str(l, PST_TAG(0x3A0A, PST_PT_UNICODE), keep(pc, buf_detach(&ini)));
    buf_free(&ini);
    uint32_t fid = 0;
    char *fu = keep(pc, file_under(c, display, &fid));
    named_str(l, N_FILE_UNDER, fu);
    named_num(l, N_FILE_UNDER_ID, PST_PT_I32, fid);
    named_str(l, N_YOMI_FIRST, c->given_yomi);
    named_str(l, N_YOMI_LAST, c->family_yomi);
    named_str(l, N_YOMI_COMPANY, c->company_yomi);
    if (set(c->middle_yomi))
        drop(pc, "middle-name reading", c->middle_yomi);

    add_emails(pc, c, display);
    add_phones(pc, c);
    add_addresses(pc, c);

    /* Organisation and people. */
    plist_opt_str(l, PST_TAG(0x3A16, PST_PT_UNICODE), c->company);
    plist_opt_str(l, PST_TAG(0x3A18, PST_PT_UNICODE), c->department);
    plist_opt_str(l, PST_TAG(0x3A17, PST_PT_UNICODE), c->title);
    plist_opt_str(l, PST_TAG(0x3A46, PST_PT_UNICODE), c->role);
    plist_opt_str(l, PST_TAG(0x3A19, PST_PT_UNICODE), c->office);
    plist_opt_str(l, PST_TAG(0x3A4E, PST_PT_UNICODE), c->manager);
    plist_opt_str(l, PST_TAG(0x3A30, PST_PT_UNICODE), c->assistant);
    plist_opt_str(l, PST_TAG(0x3A48, PST_PT_UNICODE), c->spouse);

    /* Web pages: the first work one as business home page, the first other as personal. */
    const char *business = NULL, *personal = NULL;
    for (size_t i = 0; i < c->n_urls; i++) {
        const char *u = c->urls[i].value;
        if ((c->urls[i].types & CONTACT_WORK) && !business)
            business = u;
        else if (!personal)
            personal = u;
        else if (!business)
            business = u;
        else
            drop(pc, "web page", u);
    }
    plist_opt_str(l, PST_TAG(0x3A51, PST_PT_UNICODE), business);
    plist_opt_str(l, PST_TAG(0x3A50, PST_PT_UNICODE), personal);
    named_str(l, N_HTML, business);
    named_str(l, N_IM, c->n_ims ? c->ims[0].value : NULL);
    for (size_t i = 1; i < c->n_ims; i++)
        drop(pc, "IM address", c->ims[i].value);

    /* Dates at 12:00 UTC (see contact_date). */
    uint64_t bday = contact_date(c->birthday);
    if (bday)
        plist_num(l, PST_TAG(0x3A42, PST_PT_SYSTIME), bday);
    else if (set(c->birthday))
        drop(pc, "birthday", c->birthday);
    uint64_t anniv = contact_date(c->anniversary);
    if (anniv)
        plist_num(l, PST_TAG(0x3A41, PST_PT_SYSTIME), anniv);
    else if (set(c->anniversary))
        drop(pc, "anniversary", c->anniversary);

    plist_opt_str(l, PST_TAG(0x1000, PST_PT_UNICODE), c->notes);
    add_categories(pc, c);

    bool photo = c->photo && c->photo_len;
    if (photo)
        add_photo(pc, c);
    else if (set(c->photo_uri))
        drop(pc, "photo", c->photo_uri);
    named_num(l, N_HAS_PICTURE, PST_PT_BOOLEAN, photo);
    named_str(l, N_VERSION_NAME, "16.0");

    pc->msg.props.props = l->v;
    pc->msg.props.count = l->n;
    return pc;
}

const struct pst_message *pstcontact_message(const struct pstcontact *pc)
{
    return &pc->msg;
}

const char *pstcontact_dropped(const struct pstcontact *pc)
{
    return pc->dropped.len ? buf_str(&pc->dropped) : NULL;
}

void pstcontact_free(struct pstcontact *pc)
{
    if (!pc)
        return;
    for (size_t i = 0; i < pc->nowned; i++)
        free(pc->owned[i]);
    free(pc->owned);
    plist_free(&pc->props);
    plist_free(&pc->att);
    buf_free(&pc->dropped);
    free(pc);
}
