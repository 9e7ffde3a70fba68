/* contact_csv: contacts CSV in and out (see contact_csv.h).
 *
 * Every assumption about column names is in the two tables below: `read_columns` (every
 * header we recognise, from every family) and the write profiles. Gmail's numbered columns
 * ("E-mail 2 - Value") are parsed by pattern instead. */
#include "contact_csv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "normalize/charset.h"
#include "csv.h"
#include "pipeline/writer.h"
#include "report/report.h"
#include "util/fsutil.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"

enum field {
    F_NONE, F_IGNORE, F_DISPLAY, F_GIVEN, F_FAMILY, F_MIDDLE, F_PREFIX, F_SUFFIX, F_NICK,
    F_GIVEN_YOMI, F_FAMILY_YOMI, F_MIDDLE_YOMI, F_COMPANY_YOMI, F_COMPANY, F_DEPT, F_TITLE,
    F_OFFICE, F_ROLE, F_EMAIL, F_PHONE, F_URL, F_IM, F_STREET, F_STREET2, F_STREET3, F_CITY,
    F_REGION, F_POSTAL, F_COUNTRY, F_POBOX, F_BDAY, F_ANNIV, F_NOTES, F_CATEGORIES, F_SPOUSE,
    F_MANAGER, F_ASSISTANT, F_BIRTH_YEAR, F_BIRTH_MONTH, F_BIRTH_DAY,
};

/* Address slots of a row. */
enum { SLOT_HOME, SLOT_WORK, SLOT_OTHER, SLOT_COUNT };

struct column {
    const char *name;
    enum field field;
    unsigned types; /* phone/e-mail/URL types, or the address slot for address parts */
};

#define H CONTACT_HOME
#define W CONTACT_WORK
#define O CONTACT_OTHER

/* Every header name we read. English names are compared ignoring ASCII case. */
static const struct column read_columns[] = {
    /* Windows Live Mail, English (doc/WLM-STORE.md "Contacts") and Outlook English (doc/OUTLOOK.md "Contacts as CSV") */
    {"First Name", F_GIVEN, 0}, {"Last Name", F_FAMILY, 0}, {"Middle Name", F_MIDDLE, 0},
    {"Name", F_DISPLAY, 0}, {"Display Name", F_DISPLAY, 0}, {"Nickname", F_NICK, 0},
    {"Title", F_PREFIX, 0}, {"Suffix", F_SUFFIX, 0}, {"Given Yomi", F_GIVEN_YOMI, 0},
    {"Surname Yomi", F_FAMILY_YOMI, 0}, {"Company Yomi", F_COMPANY_YOMI, 0},
    {"E-mail Address", F_EMAIL, 0}, {"E-mail 2 Address", F_EMAIL, 0},
    {"E-mail 3 Address", F_EMAIL, 0}, {"E-mail Display Name", F_IGNORE, 0},
    {"E-mail 2 Display Name", F_IGNORE, 0}, {"E-mail 3 Display Name", F_IGNORE, 0},
    {"E-mail Type", F_IGNORE, 0}, {"E-mail 2 Type", F_IGNORE, 0}, {"E-mail 3 Type", F_IGNORE, 0},
    {"Home Street", F_STREET, SLOT_HOME}, {"Home Street 2", F_STREET2, SLOT_HOME},
    {"Home Street 3", F_STREET3, SLOT_HOME}, {"Home City", F_CITY, SLOT_HOME},
    {"Home Postal Code", F_POSTAL, SLOT_HOME}, {"Home State", F_REGION, SLOT_HOME},
    {"Home Country/Region", F_COUNTRY, SLOT_HOME}, {"Home PO Box", F_POBOX, SLOT_HOME},
    {"Business Street", F_STREET, SLOT_WORK}, {"Business Street 2", F_STREET2, SLOT_WORK},
    {"Business Street 3", F_STREET3, SLOT_WORK}, {"Business City", F_CITY, SLOT_WORK},
    {"Business Postal Code", F_POSTAL, SLOT_WORK}, {"Business State", F_REGION, SLOT_WORK},
    {"Business Country/Region", F_COUNTRY, SLOT_WORK}, {"Business PO Box", F_POBOX, SLOT_WORK},
    {"Other Street", F_STREET, SLOT_OTHER}, {"Other Street 2", F_STREET2, SLOT_OTHER},
    {"Other Street 3", F_STREET3, SLOT_OTHER}, {"Other City", F_CITY, SLOT_OTHER},
    {"Other Postal Code", F_POSTAL, SLOT_OTHER}, {"Other State", F_REGION, SLOT_OTHER},
    {"Other Country/Region", F_COUNTRY, SLOT_OTHER}, {"Other PO Box", F_POBOX, SLOT_OTHER},
    {"Home Phone", F_PHONE, H | CONTACT_VOICE}, {"Home Phone 2", F_PHONE, H | CONTACT_VOICE},
    {"Home Fax", F_PHONE, H | CONTACT_FAX}, {"Mobile Phone", F_PHONE, CONTACT_CELL},
    {"Business Phone", F_PHONE, W | CONTACT_VOICE},
    {"Business Phone 2", F_PHONE, W | CONTACT_VOICE}, {"Business Fax", F_PHONE, W | CONTACT_FAX},
    {"Pager", F_PHONE, CONTACT_PAGER}, {"Car Phone", F_PHONE, CONTACT_CAR},
    {"Other Phone", F_PHONE, O | CONTACT_VOICE}, {"Primary Phone", F_PHONE, CONTACT_PREF},
    {"Other Fax", F_PHONE, O | CONTACT_FAX}, {"Company Main Phone", F_PHONE, CONTACT_MAIN},
    {"Callback", F_PHONE, O}, {"Radio Phone", F_PHONE, O}, {"Telex", F_PHONE, O},
    {"TTY/TDD Phone", F_PHONE, CONTACT_TEXT}, {"ISDN", F_PHONE, O},
    {"Assistant's Phone", F_PHONE, O}, {"IMAddress", F_IM, 0},
    {"Personal Web Page", F_URL, H}, {"Business Web Page", F_URL, W}, {"Web Page", F_URL, W},
    {"Company", F_COMPANY, 0}, {"Job Title", F_TITLE, 0}, {"Department", F_DEPT, 0},
    {"Office Location", F_OFFICE, 0}, {"Notes", F_NOTES, 0}, {"Birthday", F_BDAY, 0},
    {"Anniversary", F_ANNIV, 0}, {"Categories", F_CATEGORIES, 0}, {"Spouse", F_SPOUSE, 0},
    {"Manager's Name", F_MANAGER, 0}, {"Assistant's Name", F_ASSISTANT, 0},
    {"Profession", F_ROLE, 0}, {"Initials", F_IGNORE, 0}, {"Priority", F_IGNORE, 0},
    {"Private", F_IGNORE, 0}, {"Sensitivity", F_IGNORE, 0}, {"Gender", F_IGNORE, 0},
    {"Location", F_IGNORE, 0}, {"Mileage", F_IGNORE, 0}, {"Billing Information", F_IGNORE, 0},
    {"Directory Server", F_IGNORE, 0}, {"Account", F_IGNORE, 0},
    /* Thunderbird's export */
    {"Primary Email", F_EMAIL, 0}, {"Secondary Email", F_EMAIL, 0}, {"Screen Name", F_IM, 0},
    {"Work Phone", F_PHONE, W | CONTACT_VOICE}, {"Fax Number", F_PHONE, CONTACT_FAX},
    {"Pager Number", F_PHONE, CONTACT_PAGER}, {"Mobile Number", F_PHONE, CONTACT_CELL},
    {"Home Address", F_STREET, SLOT_HOME}, {"Home Address 2", F_STREET2, SLOT_HOME},
    {"Home ZipCode", F_POSTAL, SLOT_HOME}, {"Home Country", F_COUNTRY, SLOT_HOME},
    {"Work Address", F_STREET, SLOT_WORK}, {"Work Address 2", F_STREET2, SLOT_WORK},
    {"Work City", F_CITY, SLOT_WORK}, {"Work State", F_REGION, SLOT_WORK},
    {"Work ZipCode", F_POSTAL, SLOT_WORK}, {"Work Country", F_COUNTRY, SLOT_WORK},
    {"Organization", F_COMPANY, 0}, {"Web Page 1", F_URL, W}, {"Web Page 2", F_URL, H},
    {"Birth Year", F_BIRTH_YEAR, 0}, {"Birth Month", F_BIRTH_MONTH, 0},
    {"Birth Day", F_BIRTH_DAY, 0},
    /* roundcube-style names */
    {"Email Home", F_EMAIL, H}, {"Email Work", F_EMAIL, W}, {"Email Other", F_EMAIL, O},
    {"Home Mobile", F_PHONE, CONTACT_CELL}, {"Home Zip", F_POSTAL, SLOT_HOME},
    {"Work Zip", F_POSTAL, SLOT_WORK}, {"Website Home Page", F_URL, H},
    {"Website Work", F_URL, W}, {"Website Blog", F_URL, 0}, {"Website Other", F_URL, 0},
    {"Website Profile", F_URL, 0}, {"Phone Video", F_PHONE, CONTACT_VIDEO},
    {"IM Aim", F_IM, 0}, {"IM Icq", F_IM, 0}, {"IM Jabber", F_IM, 0}, {"IM Msn", F_IM, 0},
    {"IM Skype", F_IM, 0}, {"IM Yahoo", F_IM, 0}, {"Maiden Name", F_IGNORE, 0},
    /* Gmail's single columns (numbered ones are parsed by pattern) */
    {"Given Name", F_GIVEN, 0}, {"Family Name", F_FAMILY, 0}, {"Additional Name", F_MIDDLE, 0},
    {"Name Prefix", F_PREFIX, 0}, {"Name Suffix", F_SUFFIX, 0},
    {"Given Name Yomi", F_GIVEN_YOMI, 0}, {"Family Name Yomi", F_FAMILY_YOMI, 0},
    {"Additional Name Yomi", F_MIDDLE_YOMI, 0}, {"Yomi Name", F_IGNORE, 0},
    {"Short Name", F_IGNORE, 0}, {"Group Membership", F_CATEGORIES, 0},
    {"Occupation", F_ROLE, 0}, {"Hobby", F_IGNORE, 0}, {"Subject", F_IGNORE, 0},
    /* Windows Live Mail, Japanese (doc/WLM-STORE.md "Contacts"; some names end in spaces) */
    {"姓", F_FAMILY, 0}, {"名", F_GIVEN, 0}, {"ミドル ネーム", F_MIDDLE, 0},
    {"名前", F_DISPLAY, 0}, {"表示名", F_DISPLAY, 0}, {"ニックネーム", F_NICK, 0},
    {"電子メール アドレス", F_EMAIL, 0}, {"会社名", F_COMPANY, 0}, {"部署", F_DEPT, 0},
    {"役職", F_TITLE, 0}, {"事務所", F_OFFICE, 0},
    {"勤務先の国または地域", F_COUNTRY, SLOT_WORK}, {"勤務先の郵便番号", F_POSTAL, SLOT_WORK},
    {"勤務先の都道府県", F_REGION, SLOT_WORK}, {"勤務先の市区町村", F_CITY, SLOT_WORK},
    {"勤務先の番地", F_STREET, SLOT_WORK}, {"勤務先電話番号", F_PHONE, W | CONTACT_VOICE},
    {"勤務先ファックス", F_PHONE, W | CONTACT_FAX}, {"ビジネス Web ページ", F_URL, W},
    {"国または地域", F_COUNTRY, SLOT_HOME}, {"自宅の郵便番号", F_POSTAL, SLOT_HOME},
    {"自宅の都道府県", F_REGION, SLOT_HOME}, {"自宅の市区町村", F_CITY, SLOT_HOME},
    {"自宅の番地", F_STREET, SLOT_HOME}, {"携帯電話", F_PHONE, CONTACT_CELL},
    {"自宅電話番号", F_PHONE, H | CONTACT_VOICE}, {"自宅ファックス", F_PHONE, H | CONTACT_FAX},
    {"個人 Web ページ", F_URL, H}, {"誕生日", F_BDAY, 0}, {"メモ", F_NOTES, 0},
    {"ポケットベル", F_PHONE, CONTACT_PAGER},
    /* Japanese Outlook (the write profile below; third-party descriptions) */
    {"敬称", F_PREFIX, 0}, {"敬称 (英語)", F_SUFFIX, 0}, {"フリガナ (名)", F_GIVEN_YOMI, 0},
    {"フリガナ (姓)", F_FAMILY_YOMI, 0}, {"フリガナ (会社名)", F_COMPANY_YOMI, 0},
    {"電子メール 2 アドレス", F_EMAIL, 0}, {"電子メール 3 アドレス", F_EMAIL, 0},
    {"自宅電話", F_PHONE, H | CONTACT_VOICE}, {"自宅電話 2", F_PHONE, H | CONTACT_VOICE},
    {"会社電話", F_PHONE, W | CONTACT_VOICE}, {"会社電話 2", F_PHONE, W | CONTACT_VOICE},
    {"自動車電話", F_PHONE, CONTACT_CAR}, {"その他の電話", F_PHONE, O | CONTACT_VOICE},
    {"通常の電話", F_PHONE, CONTACT_PREF}, {"会社 FAX", F_PHONE, W | CONTACT_FAX},
    {"自宅 FAX", F_PHONE, H | CONTACT_FAX}, {"その他の FAX", F_PHONE, O | CONTACT_FAX},
    {"会社代表電話", F_PHONE, CONTACT_MAIN}, {"IM アドレス", F_IM, 0},
    {"番地 (会社)", F_STREET, SLOT_WORK}, {"市町村 (会社)", F_CITY, SLOT_WORK},
    {"都道府県 (会社)", F_REGION, SLOT_WORK}, {"郵便番号 (会社)", F_POSTAL, SLOT_WORK},
    {"国/地域 (会社)", F_COUNTRY, SLOT_WORK}, {"番地 (自宅)", F_STREET, SLOT_HOME},
    {"市町村 (自宅)", F_CITY, SLOT_HOME}, {"都道府県 (自宅)", F_REGION, SLOT_HOME},
    {"郵便番号 (自宅)", F_POSTAL, SLOT_HOME}, {"国/地域 (自宅)", F_COUNTRY, SLOT_HOME},
    {"番地 (その他)", F_STREET, SLOT_OTHER}, {"市町村 (その他)", F_CITY, SLOT_OTHER},
    {"都道府県 (その他)", F_REGION, SLOT_OTHER}, {"郵便番号 (その他)", F_POSTAL, SLOT_OTHER},
    {"国/地域 (その他)", F_COUNTRY, SLOT_OTHER}, {"個人 Web ページ (自宅)", F_URL, H},
    {"Web ページ", F_URL, W}, {"記念日", F_ANNIV, 0}, {"分類", F_CATEGORIES, 0},
    {"配偶者", F_SPOUSE, 0}, {"上司名", F_MANAGER, 0}, {"アシスタント名", F_ASSISTANT, 0},
    {"勤務先", F_COMPANY, 0},
};

/* ---- write profiles ------------------------------------------------------------------------- */

struct out_column {
    const char *name;
    enum field field;
    unsigned types; /* phones: the types it takes; addresses: the slot; e-mail/URL: index */
};

static const struct out_column outlook_en[] = {
    {"First Name", F_GIVEN, 0}, {"Middle Name", F_MIDDLE, 0}, {"Last Name", F_FAMILY, 0},
    {"Title", F_PREFIX, 0}, {"Suffix", F_SUFFIX, 0}, {"Nickname", F_NICK, 0},
    {"Given Yomi", F_GIVEN_YOMI, 0}, {"Surname Yomi", F_FAMILY_YOMI, 0},
    {"E-mail Address", F_EMAIL, 0}, {"E-mail 2 Address", F_EMAIL, 1},
    {"E-mail 3 Address", F_EMAIL, 2}, {"Home Phone", F_PHONE, H}, {"Home Phone 2", F_PHONE, H},
    {"Business Phone", F_PHONE, W}, {"Business Phone 2", F_PHONE, W},
    {"Mobile Phone", F_PHONE, CONTACT_CELL}, {"Car Phone", F_PHONE, CONTACT_CAR},
    {"Other Phone", F_PHONE, O}, {"Primary Phone", F_PHONE, CONTACT_PREF},
    {"Pager", F_PHONE, CONTACT_PAGER}, {"Business Fax", F_PHONE, W | CONTACT_FAX},
    {"Home Fax", F_PHONE, H | CONTACT_FAX}, {"Other Fax", F_PHONE, O | CONTACT_FAX},
    {"Company Main Phone", F_PHONE, CONTACT_MAIN}, {"Callback", F_NONE, 0},
    {"Radio Phone", F_NONE, 0}, {"Telex", F_NONE, 0},
    {"TTY/TDD Phone", F_PHONE, CONTACT_TEXT}, {"IMAddress", F_IM, 0}, {"Job Title", F_TITLE, 0},
    {"Department", F_DEPT, 0}, {"Company", F_COMPANY, 0}, {"Office Location", F_OFFICE, 0},
    {"Manager's Name", F_MANAGER, 0}, {"Assistant's Name", F_ASSISTANT, 0},
    {"Assistant's Phone", F_NONE, 0}, {"Company Yomi", F_COMPANY_YOMI, 0},
    {"Business Street", F_STREET, SLOT_WORK}, {"Business City", F_CITY, SLOT_WORK},
    {"Business State", F_REGION, SLOT_WORK}, {"Business Postal Code", F_POSTAL, SLOT_WORK},
    {"Business Country/Region", F_COUNTRY, SLOT_WORK}, {"Home Street", F_STREET, SLOT_HOME},
    {"Home City", F_CITY, SLOT_HOME}, {"Home State", F_REGION, SLOT_HOME},
    {"Home Postal Code", F_POSTAL, SLOT_HOME}, {"Home Country/Region", F_COUNTRY, SLOT_HOME},
    {"Other Street", F_STREET, SLOT_OTHER}, {"Other City", F_CITY, SLOT_OTHER},
    {"Other State", F_REGION, SLOT_OTHER}, {"Other Postal Code", F_POSTAL, SLOT_OTHER},
    {"Other Country/Region", F_COUNTRY, SLOT_OTHER}, {"Personal Web Page", F_URL, 1},
    {"Spouse", F_SPOUSE, 0}, {"Schools", F_NONE, 0}, {"Hobby", F_NONE, 0},
    {"Location", F_NONE, 0}, {"Web Page", F_URL, 0}, {"Birthday", F_BDAY, 0},
    {"Anniversary", F_ANNIV, 0}, {"Notes", F_NOTES, 0}, {"Categories", F_CATEGORIES, 0},
};

/* Japanese Outlook: same columns, localized names (see the header comment). */
static const struct out_column outlook_ja[] = {
    {"名", F_GIVEN, 0}, {"ミドル ネーム", F_MIDDLE, 0}, {"姓", F_FAMILY, 0},
    {"敬称", F_PREFIX, 0}, {"敬称 (英語)", F_SUFFIX, 0}, {"ニックネーム", F_NICK, 0},
    {"フリガナ (名)", F_GIVEN_YOMI, 0}, {"フリガナ (姓)", F_FAMILY_YOMI, 0},
    {"電子メール アドレス", F_EMAIL, 0}, {"電子メール 2 アドレス", F_EMAIL, 1},
    {"電子メール 3 アドレス", F_EMAIL, 2}, {"自宅電話", F_PHONE, H}, {"自宅電話 2", F_PHONE, H},
    {"会社電話", F_PHONE, W}, {"会社電話 2", F_PHONE, W}, {"携帯電話", F_PHONE, CONTACT_CELL},
    {"自動車電話", F_PHONE, CONTACT_CAR}, {"その他の電話", F_PHONE, O},
    {"通常の電話", F_PHONE, CONTACT_PREF}, {"ポケットベル", F_PHONE, CONTACT_PAGER},
    {"会社 FAX", F_PHONE, W | CONTACT_FAX}, {"自宅 FAX", F_PHONE, H | CONTACT_FAX},
    {"その他の FAX", F_PHONE, O | CONTACT_FAX}, {"会社代表電話", F_PHONE, CONTACT_MAIN},
    {"IM アドレス", F_IM, 0}, {"役職", F_TITLE, 0}, {"部署", F_DEPT, 0},
    {"会社名", F_COMPANY, 0}, {"事務所", F_OFFICE, 0}, {"上司名", F_MANAGER, 0},
    {"アシスタント名", F_ASSISTANT, 0}, {"フリガナ (会社名)", F_COMPANY_YOMI, 0},
    {"番地 (会社)", F_STREET, SLOT_WORK}, {"市町村 (会社)", F_CITY, SLOT_WORK},
    {"都道府県 (会社)", F_REGION, SLOT_WORK}, {"郵便番号 (会社)", F_POSTAL, SLOT_WORK},
    {"国/地域 (会社)", F_COUNTRY, SLOT_WORK}, {"番地 (自宅)", F_STREET, SLOT_HOME},
    {"市町村 (自宅)", F_CITY, SLOT_HOME}, {"都道府県 (自宅)", F_REGION, SLOT_HOME},
    {"郵便番号 (自宅)", F_POSTAL, SLOT_HOME}, {"国/地域 (自宅)", F_COUNTRY, SLOT_HOME},
    {"番地 (その他)", F_STREET, SLOT_OTHER}, {"市町村 (その他)", F_CITY, SLOT_OTHER},
    {"都道府県 (その他)", F_REGION, SLOT_OTHER}, {"郵便番号 (その他)", F_POSTAL, SLOT_OTHER},
    {"国/地域 (その他)", F_COUNTRY, SLOT_OTHER}, {"個人 Web ページ", F_URL, 1},
    {"配偶者", F_SPOUSE, 0}, {"Web ページ", F_URL, 0}, {"誕生日", F_BDAY, 0},
    {"記念日", F_ANNIV, 0}, {"メモ", F_NOTES, 0}, {"分類", F_CATEGORIES, 0},
};

#undef H
#undef W
#undef O

int contact_csv_profile_from_name(const char *name, enum contact_csv_profile *p)
{
    if (name && strcasecmp(name, "outlook-en") == 0)
        *p = CONTACT_CSV_OUTLOOK_EN;
    else if (name && strcasecmp(name, "outlook-ja") == 0)
        *p = CONTACT_CSV_OUTLOOK_JA;
    else
        return -1;
    return 0;
}

/* The encoding a profile is written in by default: "UTF-8-BOM" or "CP932". */
static const char *contact_csv_profile_encoding(enum contact_csv_profile p)
{
    return p == CONTACT_CSV_OUTLOOK_JA ? "CP932" : "UTF-8-BOM";
}

/* ---- reading ----------------------------------------------------------------------------- */

/* Trims ASCII spaces and U+3000 at both ends; returns a pointer and length into `s`. */
static const char *trim(const char *s, size_t *n)
{
    size_t len = strlen(s);
    for (;;) {
        if (len && (*s == ' ' || *s == '\t')) {
            s++, len--;
        } else if (len >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) {
            s += 3, len -= 3;
        } else if (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
            len--;
        } else if (len >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0) {
            len -= 3;
        } else {
            break;
        }
    }
    *n = len;
    return s;
}

static const struct column *lookup(const char *header)
{
    size_t n;
    const char *h = trim(header, &n);
    for (size_t i = 0; i < sizeof read_columns / sizeof read_columns[0]; i++)
        if (strlen(read_columns[i].name) == n && strncasecmp(read_columns[i].name, h, n) == 0)
            return &read_columns[i];
    return NULL;
}

/* Gmail: "E-mail 2 - Value" -> kind "E-mail", number 2, sub "Value". */
struct gmail_col {
    char kind[24];
    unsigned number;
    char sub[24];
};

static bool gmail_parse(const char *header, struct gmail_col *g)
{
    size_t n;
    const char *h = trim(header, &n);
    const char *dash = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(h + i, " - ", 3) == 0) {
            dash = h + i;
            break;
        }
    if (!dash)
        return false;
    const char *sp = dash;
    while (sp > h && isdigit((unsigned char)sp[-1]))
        sp--;
    if (sp == dash || sp == h || sp[-1] != ' ')
        return false;
    size_t kl = (size_t)(sp - 1 - h), sl = n - (size_t)(dash + 3 - h);
    if (kl >= sizeof g->kind || sl >= sizeof g->sub || kl == 0)
        return false;
    memcpy(g->kind, h, kl);
    g->kind[kl] = '\0';
    g->number = (unsigned)strtoul(sp, NULL, 10);
    memcpy(g->sub, dash + 3, sl);
    g->sub[sl] = '\0';
    return g->number > 0 && g->number < 100;
}

static unsigned gmail_types(const char *t)
{
    unsigned f = 0;
    if (!t)
        return 0;
    if (strcasestr(t, "home"))
        f |= CONTACT_HOME;
    if (strcasestr(t, "work"))
        f |= CONTACT_WORK;
    if (strcasestr(t, "mobile"))
        f |= CONTACT_CELL;
    if (strcasestr(t, "fax"))
        f |= CONTACT_FAX;
    if (strcasestr(t, "pager"))
        f |= CONTACT_PAGER;
    if (strcasestr(t, "main"))
        f |= CONTACT_MAIN;
    if (strcasestr(t, "other"))
        f |= CONTACT_OTHER;
    return f;
}

/* Splits Gmail's " ::: " lists. */
static void each_value(const char *v, void (*fn)(struct contact *, const char *, unsigned),
                       struct contact *c, unsigned types)
{
    const char *p = v;
    for (;;) {
        const char *sep = strstr(p, " ::: ");
        if (!sep) {
            fn(c, p, types);
            return;
        }
        char *part = xstrndup(p, (size_t)(sep - p));
        fn(c, part, types);
        free(part);
        p = sep + 5;
    }
}

static void add_email(struct contact *c, const char *v, unsigned t)
{
    contact_add_email(c, v, t);
}

static void add_phone(struct contact *c, const char *v, unsigned t)
{
    contact_add_phone(c, v, t);
}

static void add_url(struct contact *c, const char *v, unsigned t)
{
    contact_add_url(c, v, t);
}

static void add_category(struct contact *c, const char *v, unsigned t)
{
    (void)t;
    /* Gmail marks its system groups with '*': "* myContacts" */
    if (v[0] == '*')
        return;
    contact_add_category(c, v);
}

static char *decode_input(const char *data, size_t len, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)data;
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return charset_to_utf8(data + 2, len - 2, "UTF-16LE", NULL, outlen);
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
        return charset_to_utf8(data + 2, len - 2, "UTF-16BE", NULL, outlen);
    if (len >= 4 && p[0] != 0 && p[1] == 0 && p[2] != 0 && p[3] == 0)
        return charset_to_utf8(data, len, "UTF-16LE", NULL, outlen);
    if (len >= 4 && p[0] == 0 && p[1] != 0 && p[2] == 0 && p[3] != 0)
        return charset_to_utf8(data, len, "UTF-16BE", NULL, outlen);
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        data += 3, len -= 3;
    /* An ESC goes through charset_to_utf8() like every other encoding's (U+FFFD, or
     * ISO-2022-JP when it starts one), so the text does not depend on the file's encoding. */
    if (utf8_valid(data, len) && !memchr(data, 0x1B, len)) {
        *outlen = len;
        return xstrndup(data, len);
    }
    return charset_to_utf8(data, len, charset_guess(data, len, "CP932"), NULL, outlen);
}

bool contact_csv_sniff(const char *data, size_t len)
{
    size_t n;
    char *text = decode_input(data, len < 8192 ? len : 8192, &n);
    char *nl = strpbrk(text, "\r\n");
    if (nl)
        *nl = '\0';
    struct csv_table t = {0};
    csv_parse(text, strlen(text), csv_guess_delimiter(text, strlen(text)), &t);
    size_t known = 0;
    if (t.count > 0) {
        struct gmail_col g;
        for (size_t i = 0; i < t.rows[0].count; i++)
            known += lookup(t.rows[0].fields[i]) != NULL || gmail_parse(t.rows[0].fields[i], &g);
    }
    csv_table_free(&t);
    free(text);
    return known >= 1;
}

struct addr_parts {
    unsigned types;
    char *part[8]; /* street, street2, street3, city, region, postal, country, pobox */
};

static void put_addr(struct addr_parts *a, enum field f, const char *v)
{
    int k = f == F_STREET ? 0 : f == F_STREET2 ? 1 : f == F_STREET3 ? 2 : f == F_CITY ? 3
          : f == F_REGION ? 4 : f == F_POSTAL ? 5 : f == F_COUNTRY ? 6 : 7;
    contact_append(&a->part[k], v, "\n");
}

static void flush_addr(struct contact *c, struct addr_parts *a)
{
    bool any = false;
    for (int k = 0; k < 8; k++)
        any |= a->part[k] != NULL;
    if (any) {
        struct contact_address *ad = contact_add_address(c, a->types);
        char *street = NULL;
        for (int k = 0; k < 3; k++)
            contact_append(&street, a->part[k], "\n");
        ad->street = street;
        ad->city = a->part[3];
        ad->region = a->part[4];
        ad->postal_code = a->part[5];
        ad->country = a->part[6];
        ad->pobox = a->part[7];
        a->part[3] = a->part[4] = a->part[5] = a->part[6] = a->part[7] = NULL;
    }
    for (int k = 0; k < 8; k++) {
        free(a->part[k]);
        a->part[k] = NULL;
    }
}

/* Gmail columns of one row: gathered per (kind, number) then applied. */
static void gmail_apply(struct contact *c, const struct csv_row *hdr, const struct csv_row *row,
                        struct addr_parts *gaddr, size_t n_gaddr)
{
    for (size_t i = 0; i < hdr->count && i < row->count; i++) {
        struct gmail_col g;
        const char *v = row->fields[i];
        if (!v[0] || lookup(hdr->fields[i]) || !gmail_parse(hdr->fields[i], &g))
            continue;
        if (strcasecmp(g.sub, "Type") == 0 || strcasecmp(g.sub, "Label") == 0)
            continue;
        /* the type column of the same number */
        const char *type = NULL;
        for (size_t k = 0; k < hdr->count && k < row->count; k++) {
            struct gmail_col t;
            if (gmail_parse(hdr->fields[k], &t) && strcasecmp(t.kind, g.kind) == 0 &&
                t.number == g.number && strcasecmp(t.sub, "Type") == 0)
                type = row->fields[k];
        }
        unsigned types = gmail_types(type);
        if (strcasecmp(g.kind, "E-mail") == 0 && strcasecmp(g.sub, "Value") == 0) {
            each_value(v, add_email, c, types);
        } else if (strcasecmp(g.kind, "Phone") == 0 && strcasecmp(g.sub, "Value") == 0) {
            each_value(v, add_phone, c, types);
        } else if (strcasecmp(g.kind, "Website") == 0 && strcasecmp(g.sub, "Value") == 0) {
            each_value(v, add_url, c, types);
        } else if (strcasecmp(g.kind, "IM") == 0 && strcasecmp(g.sub, "Value") == 0) {
            contact_add_im(c, v, NULL);
        } else if (strcasecmp(g.kind, "Address") == 0 && g.number <= n_gaddr) {
            struct addr_parts *a = &gaddr[g.number - 1];
            a->types = types;
            if (strcasecmp(g.sub, "Street") == 0)
                put_addr(a, F_STREET, v);
            else if (strcasecmp(g.sub, "City") == 0)
                put_addr(a, F_CITY, v);
            else if (strcasecmp(g.sub, "Region") == 0)
                put_addr(a, F_REGION, v);
            else if (strcasecmp(g.sub, "Postal Code") == 0)
                put_addr(a, F_POSTAL, v);
            else if (strcasecmp(g.sub, "Country") == 0)
                put_addr(a, F_COUNTRY, v);
            else if (strcasecmp(g.sub, "PO Box") == 0)
                put_addr(a, F_POBOX, v);
            else if (strcasecmp(g.sub, "Extended Address") == 0)
                put_addr(a, F_STREET2, v);
            /* "Formatted" repeats the parts */
        } else if (strcasecmp(g.kind, "Organization") == 0) {
            if (strcasecmp(g.sub, "Name") == 0)
                contact_append(&c->company, v, "; ");
            else if (strcasecmp(g.sub, "Title") == 0)
                contact_append(&c->title, v, "; ");
            else if (strcasecmp(g.sub, "Department") == 0)
                contact_append(&c->department, v, "; ");
            else if (strcasecmp(g.sub, "Yomi Name") == 0)
                contact_set(&c->company_yomi, v);
            else if (strcasecmp(g.sub, "Location") == 0)
                contact_set(&c->office, v);
            else if (strcasecmp(g.sub, "Job Description") == 0)
                contact_append(&c->role, v, "; ");
            else
                contact_note_dropped(c, hdr->fields[i]);
        } else if (strcasecmp(g.kind, "Event") == 0 && strcasecmp(g.sub, "Value") == 0) {
            if (!c->anniversary) {
                char *d = contact_date_normalize(v);
                contact_set(&c->anniversary, d ? d : v);
                free(d);
            }
        } else if (strcasecmp(g.kind, "Relation") == 0 && strcasecmp(g.sub, "Value") == 0) {
            if (type && strcasestr(type, "spouse"))
                contact_set(&c->spouse, v);
            else if (type && strcasestr(type, "manager"))
                contact_set(&c->manager, v);
            else if (type && strcasestr(type, "assistant"))
                contact_set(&c->assistant, v);
            else
                contact_note_dropped(c, hdr->fields[i]);
        } else {
            contact_note_dropped(c, hdr->fields[i]);
        }
    }
}

static void set_date(char **dst, const char *v)
{
    char *d = contact_date_normalize(v);
    if (d && !*d) { /* Outlook's "no date" */
        free(d);
        return;
    }
    if (!d) {
        /* D/M/YYYY when the first number cannot be a month */
        unsigned a, b, y;
        char tail;
        if (sscanf(v, "%u/%u/%u%c", &a, &b, &y, &tail) == 3 && a > 12 && b <= 12 && y > 999)
            d = xasprintf("%04u-%02u-%02u", y, b, a);
    }
    contact_set(dst, d ? d : v);
    free(d);
}

size_t contact_csv_read(const char *data, size_t len, const char *source, struct contact_list *out,
                        struct report *rep, size_t *skipped)
{
    size_t added = 0, skip = 0;
    if (skipped)
        *skipped = 0;
    if (!source)
        source = "";
    if (len > CONTACT_CSV_MAX_BYTES) {
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "The file is larger than %zu MB: not read as CSV.",
                       CONTACT_CSV_MAX_BYTES >> 20);
        return 0;
    }
    size_t n;
    char *text = decode_input(data, len, &n);
    struct csv_table t = {0};
    csv_parse(text, n, csv_guess_delimiter(text, n), &t);
    if (t.unterminated)
        report_problem(rep, PROBLEM_BAD_CONTACT, source,
                       "A quoted field is not closed before the end of the file: the last row "
                       "may hold more than one contact's text.");
    if (t.count == 0) {
        csv_table_free(&t);
        free(text);
        return 0;
    }
    const struct csv_row *hdr = &t.rows[0];
    const struct column **cols = xcalloc(hdr->count + 1, sizeof *cols);
    size_t known = 0;
    bool gmail = false;
    for (size_t i = 0; i < hdr->count; i++) {
        struct gmail_col g;
        cols[i] = lookup(hdr->fields[i]);
        known += cols[i] != NULL;
        if (!cols[i] && gmail_parse(hdr->fields[i], &g))
            gmail = true, known++;
    }
    if (known == 0) {
        report_problem(rep, PROBLEM_CONTACT_SOURCE, source,
                       "No column of the first line is a contact field this program knows: the "
                       "file is not read (is the header row missing?).");
        free(cols);
        csv_table_free(&t);
        free(text);
        return 0;
    }
    for (size_t r = 1; r < t.count; r++) {
        const struct csv_row *row = &t.rows[r];
        bool any = false;
        for (size_t i = 0; i < row->count; i++)
            any |= row->fields[i][0] != '\0';
        if (!any)
            continue;
        struct contact *c = contact_new();
        struct addr_parts addr[SLOT_COUNT] = {{CONTACT_HOME, {0}}, {CONTACT_WORK, {0}},
                                              {CONTACT_OTHER, {0}}};
        struct addr_parts gaddr[5];
        memset(gaddr, 0, sizeof gaddr);
        char *by = NULL, *bm = NULL, *bd = NULL;
        for (size_t i = 0; i < row->count; i++) {
            const char *v = row->fields[i];
            if (!v[0])
                continue;
            const struct column *col = i < hdr->count ? cols[i] : NULL;
            if (!col) {
                struct gmail_col g;
                if (i >= hdr->count || !gmail_parse(hdr->fields[i], &g))
                    contact_note_dropped(c, i < hdr->count && hdr->fields[i][0]
                                                ? hdr->fields[i]
                                                : "(a column without a name)");
                continue;
            }
            switch (col->field) {
            case F_NONE:
            case F_IGNORE: break;
            case F_DISPLAY: contact_set(&c->display, v); break;
            case F_GIVEN: contact_set(&c->given, v); break;
            case F_FAMILY: contact_set(&c->family, v); break;
            case F_MIDDLE: contact_set(&c->middle, v); break;
            case F_PREFIX: contact_set(&c->prefix, v); break;
            case F_SUFFIX: contact_set(&c->suffix, v); break;
            case F_NICK: contact_set(&c->nickname, v); break;
            case F_GIVEN_YOMI: contact_set(&c->given_yomi, v); break;
            case F_FAMILY_YOMI: contact_set(&c->family_yomi, v); break;
            case F_MIDDLE_YOMI: contact_set(&c->middle_yomi, v); break;
            case F_COMPANY_YOMI: contact_set(&c->company_yomi, v); break;
            case F_COMPANY: contact_set(&c->company, v); break;
            case F_DEPT: contact_set(&c->department, v); break;
            case F_TITLE: contact_set(&c->title, v); break;
            case F_OFFICE: contact_set(&c->office, v); break;
            case F_ROLE: contact_set(&c->role, v); break;
            case F_EMAIL: each_value(v, add_email, c, col->types); break;
            case F_PHONE: contact_add_phone(c, v, col->types); break;
            case F_URL: contact_add_url(c, v, col->types); break;
            case F_IM: {
                const char *svc = strncasecmp(col->name, "IM ", 3) == 0 ? col->name + 3 : NULL;
                char lower[16] = "";
                for (size_t k = 0; svc && svc[k] && k + 1 < sizeof lower; k++)
                    lower[k] = (char)tolower((unsigned char)svc[k]), lower[k + 1] = '\0';
                contact_add_im(c, v, svc ? lower : NULL);
                break;
            }
            case F_STREET:
            case F_STREET2:
            case F_STREET3:
            case F_CITY:
            case F_REGION:
            case F_POSTAL:
            case F_COUNTRY:
            case F_POBOX: put_addr(&addr[col->types], col->field, v); break;
            case F_BDAY: set_date(&c->birthday, v); break;
            case F_ANNIV: set_date(&c->anniversary, v); break;
            case F_NOTES: contact_append(&c->notes, v, "\n"); break;
            case F_CATEGORIES: {
                /* Outlook: "a;b"; Gmail: "a ::: b" */
                char *copy = xstrdup(v);
                for (char *p = copy; *p; p++)
                    if (*p == ';')
                        *p = '\x1f';
                for (char *p = copy; (p = strstr(p, " ::: ")) != NULL;)
                    memcpy(p, "\x1f\x1f\x1f\x1f\x1f", 5);
                char *save = NULL;
                for (char *tok = strtok_r(copy, "\x1f", &save); tok;
                     tok = strtok_r(NULL, "\x1f", &save))
                    add_category(c, tok, 0);
                free(copy);
                break;
            }
            case F_SPOUSE: contact_set(&c->spouse, v); break;
            case F_MANAGER: contact_set(&c->manager, v); break;
            case F_ASSISTANT: contact_set(&c->assistant, v); break;
            case F_BIRTH_YEAR: contact_set(&by, v); break;
            case F_BIRTH_MONTH: contact_set(&bm, v); break;
            case F_BIRTH_DAY: contact_set(&bd, v); break;
            }
        }
        if (gmail)
            gmail_apply(c, hdr, row, gaddr, 5);
        for (int s = 0; s < SLOT_COUNT; s++)
            flush_addr(c, &addr[s]);
        for (int s = 0; s < 5; s++)
            flush_addr(c, &gaddr[s]);
        if (bm && bd && !c->birthday) {
            unsigned m = (unsigned)atoi(bm), d = (unsigned)atoi(bd), y = by ? (unsigned)atoi(by) : 0;
            if (m >= 1 && m <= 12 && d >= 1 && d <= 31)
                c->birthday = y ? xasprintf("%04u-%02u-%02u", y, m, d)
                                : xasprintf("--%02u-%02u", m, d);
        }
        free(by);
        free(bm);
        free(bd);
        if (contact_is_empty(c)) {
            skip++;
            report_problem(rep, PROBLEM_BAD_CONTACT, source,
                           "Row at line %zu holds no name, address, phone or e-mail: skipped.",
                           row->line);
            contact_free(c);
            continue;
        }
        c->origin = xasprintf("%s line %zu", source, row->line);
        if (c->dropped) {
            char *who = contact_best_name(c);
            report_problem(rep, PROBLEM_CONTACT_FIELD, source,
                           "Row at line %zu (%s): columns no address book field holds: %s.",
                           row->line, who, c->dropped);
            free(who);
        }
        contact_list_add(out, c);
        added++;
    }
    free(cols);
    csv_table_free(&t);
    free(text);
    if (skipped)
        *skipped = skip;
    return added;
}

/* ---- writing ------------------------------------------------------------------------------ */

static const struct out_column *profile_columns(enum contact_csv_profile p, size_t *n)
{
    if (p == CONTACT_CSV_OUTLOOK_JA) {
        *n = sizeof outlook_ja / sizeof outlook_ja[0];
        return outlook_ja;
    }
    *n = sizeof outlook_en / sizeof outlook_en[0];
    return outlook_en;
}

void contact_csv_write_header(struct buf *out, enum contact_csv_profile p)
{
    size_t n;
    const struct out_column *cols = profile_columns(p, &n);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        csv_write_field(out, cols[i].name, ',');
    }
    buf_puts(out, "\r\n");
}

static char *format_date(const char *d, enum contact_csv_profile p)
{
    if (!d)
        return NULL;
    if (strlen(d) == 10 && d[4] == '-' && d[7] == '-') {
        int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
        return p == CONTACT_CSV_OUTLOOK_JA ? xasprintf("%04d/%d/%d", y, m, day)
                                           : xasprintf("%d/%d/%04d", m, day, y);
    }
    return xstrdup(d);
}

/* Which phone column takes a phone: the first free column whose types it matches best. */
static int phone_score(unsigned col, unsigned t)
{
    const unsigned kinds = CONTACT_FAX | CONTACT_CELL | CONTACT_PAGER | CONTACT_CAR |
                           CONTACT_MAIN | CONTACT_TEXT;
    const unsigned places = CONTACT_HOME | CONTACT_WORK | CONTACT_OTHER;
    if ((col & kinds) || (t & kinds)) {
        if (!(col & kinds & t))
            return -1;
        if (!(col & places))
            return 3;
    } else if (col == CONTACT_PREF) {
        return (t & CONTACT_PREF) ? 4 : 0;
    }
    if (col & places & t)
        return 3;
    if (t & places)
        return -1;
    return (col & CONTACT_OTHER) ? 2 : 1;
}

void contact_csv_write_row(struct buf *out, const struct contact *c, enum contact_csv_profile p,
                           bool photo_elsewhere, char **lost)
{
    size_t n;
    const struct out_column *cols = profile_columns(p, &n);
    char **vals = xcalloc(n, sizeof *vals);
    *lost = NULL;
    /* phones: best-scoring free column, in the contact's order */
    for (size_t k = 0; k < c->n_phones; k++) {
        int best = -1;
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            if (cols[i].field != F_PHONE || vals[i])
                continue;
            int s = phone_score(cols[i].types, c->phones[k].types);
            if (s > best)
                best = s, at = i;
        }
        if (best < 0) {
            /* any free phone column of a plain kind rather than losing it */
            for (size_t i = 0; i < n && best < 0; i++)
                if (cols[i].field == F_PHONE && !vals[i] &&
                    !(cols[i].types & (CONTACT_FAX | CONTACT_CELL | CONTACT_PAGER)))
                    best = 0, at = i;
        }
        if (best < 0) {
            char *what = xasprintf("phone %s", c->phones[k].value);
            contact_append(lost, what, ", ");
            free(what);
            continue;
        }
        vals[at] = xstrdup(c->phones[k].value);
    }
    /* addresses: by slot, else the Other slot */
    bool used[SLOT_COUNT] = {false, false, false};
    for (size_t k = 0; k < c->n_addresses; k++) {
        const struct contact_address *a = &c->addresses[k];
        int slot = (a->types & CONTACT_WORK) ? SLOT_WORK : (a->types & CONTACT_HOME) ? SLOT_HOME
                                                                                     : SLOT_OTHER;
        if (used[slot])
            slot = !used[SLOT_OTHER] ? SLOT_OTHER : !used[SLOT_HOME] ? SLOT_HOME
                 : !used[SLOT_WORK] ? SLOT_WORK : -1;
        if (slot < 0) {
            contact_append(lost, "a fourth postal address", ", ");
            continue;
        }
        used[slot] = true;
        char *street = NULL;
        contact_append(&street, a->pobox, "\n");
        contact_append(&street, a->extended, "\n");
        contact_append(&street, a->street, "\n");
        for (size_t i = 0; i < n; i++) {
            if (cols[i].types != (unsigned)slot)
                continue;
            switch (cols[i].field) {
            case F_STREET: vals[i] = street ? xstrdup(street) : NULL; break;
            case F_CITY: vals[i] = a->city ? xstrdup(a->city) : NULL; break;
            case F_REGION: vals[i] = a->region ? xstrdup(a->region) : NULL; break;
            case F_POSTAL: vals[i] = a->postal_code ? xstrdup(a->postal_code) : NULL; break;
            case F_COUNTRY: vals[i] = a->country ? xstrdup(a->country) : NULL; break;
            default: break;
            }
        }
        free(street);
    }
    /* URLs: home -> the personal page, others -> the web page */
    bool url_used[2] = {false, false};
    for (size_t k = 0; k < c->n_urls; k++) {
        int idx = (c->urls[k].types & CONTACT_HOME) ? 1 : 0;
        if (url_used[idx])
            idx = !url_used[0] ? 0 : !url_used[1] ? 1 : -1;
        if (idx < 0) {
            char *what = xasprintf("web page %s", c->urls[k].value);
            contact_append(lost, what, ", ");
            free(what);
            continue;
        }
        url_used[idx] = true;
        for (size_t i = 0; i < n; i++)
            if (cols[i].field == F_URL && cols[i].types == (unsigned)idx)
                vals[i] = xstrdup(c->urls[k].value);
    }
    for (size_t k = 3; k < c->n_emails; k++) {
        char *what = xasprintf("e-mail %s", c->emails[k].value);
        contact_append(lost, what, ", ");
        free(what);
    }
    for (size_t k = 1; k < c->n_ims; k++) {
        char *what = xasprintf("IM %s", c->ims[k].value);
        contact_append(lost, what, ", ");
        free(what);
    }
    bool names = c->given || c->family || c->middle;
    for (size_t i = 0; i < n; i++) {
        const char *v = NULL;
        char *owned = NULL;
        switch (cols[i].field) {
        case F_GIVEN:
            /* Outlook builds the display name from the parts: a contact known only by its
             * display name keeps it as the first (Japanese: last) name */
            v = c->given ? c->given
              : (!names && p == CONTACT_CSV_OUTLOOK_EN) ? c->display : NULL;
            break;
        case F_FAMILY:
            v = c->family ? c->family
              : (!names && p == CONTACT_CSV_OUTLOOK_JA) ? c->display : NULL;
            break;
        case F_MIDDLE: v = c->middle; break;
        case F_PREFIX: v = c->prefix; break;
        case F_SUFFIX: v = c->suffix; break;
        case F_NICK: v = c->nickname; break;
        case F_GIVEN_YOMI: v = c->given_yomi; break;
        case F_FAMILY_YOMI: v = c->family_yomi; break;
        case F_COMPANY_YOMI: v = c->company_yomi; break;
        case F_EMAIL: v = cols[i].types < c->n_emails ? c->emails[cols[i].types].value : NULL; break;
        case F_IM: v = c->n_ims ? c->ims[0].value : NULL; break;
        case F_TITLE: v = c->title; break;
        case F_DEPT: v = c->department; break;
        case F_COMPANY: v = c->company; break;
        case F_OFFICE: v = c->office; break;
        case F_MANAGER: v = c->manager; break;
        case F_ASSISTANT: v = c->assistant; break;
        case F_SPOUSE: v = c->spouse; break;
        case F_BDAY: v = owned = format_date(c->birthday, p); break;
        case F_ANNIV: v = owned = format_date(c->anniversary, p); break;
        case F_NOTES: v = c->notes; break;
        case F_CATEGORIES: {
            struct buf b = BUF_INIT;
            for (size_t k = 0; k < c->n_categories; k++) {
                if (k)
                    buf_putc(&b, ';');
                buf_puts(&b, c->categories[k]);
            }
            v = owned = buf_detach(&b);
            break;
        }
        default: break;
        }
        if (v && !vals[i])
            vals[i] = xstrdup(v);
        free(owned);
    }
    if (c->middle_yomi)
        contact_append(lost, "middle-name reading", ", ");
    if (c->role)
        contact_append(lost, "role", ", ");
    if ((c->photo || c->photo_uri) && !photo_elsewhere)
        contact_append(lost, "photo", ", ");
    if (c->display && names) {
        /* a display name that the parts do not make is lost in CSV */
        char *made = NULL;
        struct contact tmp = *c;
        tmp.display = NULL;
        made = contact_best_name(&tmp);
        if (strcmp(made, c->display) != 0) {
            char *sp = NULL;
            /* "Taro Yamada" vs "Yamada Taro": the same name in the other order is not lost */
            struct buf alt = BUF_INIT;
            buf_printf(&alt, "%s %s", c->family ? c->family : "", c->given ? c->given : "");
            char *alt2 = xasprintf("%s %s", c->given ? c->given : "", c->family ? c->family : "");
            if (strcmp(buf_str(&alt), c->display) != 0 && strcmp(alt2, c->display) != 0) {
                sp = xasprintf("display name \"%s\"", c->display);
                contact_append(lost, sp, ", ");
            }
            free(sp);
            free(alt2);
            buf_free(&alt);
        }
        free(made);
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        csv_write_field(out, vals[i], ',');
        free(vals[i]);
    }
    buf_puts(out, "\r\n");
    free(vals);
}

/* The iconv name of an encoding contact_csv_write() takes, and whether it starts with a BOM;
 * NULL for any other name. */
static const char *output_encoding(const char *enc, bool *bom)
{
    *bom = false;
    if (strcasecmp(enc, "UTF-8-BOM") == 0 || strcasecmp(enc, "UTF8-BOM") == 0) {
        *bom = true;
        return "UTF-8";
    }
    if (strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0)
        return "UTF-8";
    if (strcasecmp(enc, "CP932") == 0 || strcasecmp(enc, "SHIFT_JIS") == 0 ||
        strcasecmp(enc, "SJIS") == 0 || strcasecmp(enc, "WINDOWS-31J") == 0)
        return "CP932";
    if (strcasecmp(enc, "UTF-16LE") == 0 || strcasecmp(enc, "UTF-16") == 0) {
        *bom = true;
        return "UTF-16LE";
    }
    return NULL;
}

int contact_csv_write(struct buf *out, const struct contact_list *l,
                      const struct contact_csv_options *o, const char *path,
                      struct writer_outcome *notes, struct error *err)
{
    const char *enc = o->encoding ? o->encoding : contact_csv_profile_encoding(o->profile);
    bool bom;
    const char *iconv_name = output_encoding(enc, &bom);
    if (!iconv_name) {
        error_set(err, "Unknown CSV encoding %s (UTF-8, UTF-8-BOM, CP932, UTF-16LE).", enc);
        return -1;
    }
    struct buf file = BUF_INIT, row = BUF_INIT, bad = BUF_INIT;
    if (bom && strcmp(iconv_name, "UTF-8") == 0)
        buf_append(&file, "\xEF\xBB\xBF", 3);
    else if (bom)
        buf_append(&file, "\xFF\xFE", 2);
    contact_csv_write_header(&row, o->profile);
    int rc = charset_from_utf8(&file, row.data, row.len, iconv_name, NULL, err);
    for (size_t i = 0; rc == 0 && i < l->count; i++) {
        const struct contact *c = l->items[i];
        char *lost = NULL;
        buf_reset(&row);
        buf_reset(&bad);
        contact_csv_write_row(&row, c, o->profile, o->photos_elsewhere, &lost);
        rc = charset_from_utf8(&file, row.data, row.len, iconv_name, &bad, err);
        const char *where = c->origin ? c->origin : path;
        if (bad.len || lost) {
            char *who = contact_best_name(c);
            if (bad.len)
                writer_outcome_note(notes, PROBLEM_CONTACT_CHARS, where,
                                    "%s: characters %s cannot hold, written as '?' in %s: %s",
                                    who, enc, path_basename(path), buf_str(&bad));
            if (lost)
                writer_outcome_note(notes, PROBLEM_CONTACT_FIELD, where,
                                    "%s: no column in %s for: %s.", who, path_basename(path),
                                    lost);
            free(who);
        }
        free(lost);
    }
    if (rc == 0)
        buf_append(out, file.data ? file.data : "", file.len);
    buf_free(&file);
    buf_free(&row);
    buf_free(&bad);
    return rc;
}
