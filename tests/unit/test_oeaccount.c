/* test_oeaccount: the .oeaccount parser, table-driven.
 *
 * The five real files Thunderbird's former importer kept (read in place from ../shared/corpora, so
 * run this from the repository root), then in-memory cases for each encoding, the defaults, the
 * fallbacks and malformed input, every prefix of one real file, and the size limit. A NULL
 * expectation means the parse must be rejected with a one-line message naming the file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "util/buf.h"
#include "util/error.h"
#include "model/model.h"
#include "tap.h"
#include "wlm/oeaccount.h"

#define CORPUS "../shared/corpora/thunderbird-import/WindowsLiveMail/"

struct expect {
    const char *name;
    enum account_kind kind;
    const char *server;
    unsigned port;
    enum account_security security;
    const char *user_name;
    bool secure_auth;
    bool leave_on_server;
    const char *root_folder;
    const char *smtp_server;
    unsigned smtp_port;
    enum account_security smtp_security;
    const char *smtp_user_name;
    enum smtp_auth smtp_auth;
    const char *display_name;
    const char *email;
    const char *reply_to;
    const char *organization;
    bool is_gmail;
};

/* An expectation with the SMTP port every account gets when none is written. */
#define E(...) (&(const struct expect){.smtp_port = 25, __VA_ARGS__})

/* Real files, relative to CORPUS; the values are those in the files (iconv -f utf-16). */
static const struct {
    const char *path;
    const struct expect *want;
} files[] = {
    {"pop3.test.test/account{D244}.oeaccount",
     E(.name = "testpopaccountname", .kind = MODEL_ACCOUNT_POP3, .server = "pop3.test.test", .port = 110,
       .user_name = "testpopusername", .smtp_server = "smtp.pop.test",
       .display_name = "popdisplayname", .email = "testpop@invalid.invalid")},
    {"news.mozilla.org/account{B3B3}.oeaccount",
     E(.name = "accountnamemozillanews", .kind = MODEL_ACCOUNT_NNTP, .server = "testnews.mozilla.org",
       .port = 119, .display_name = "test", .email = "mozillanews@invalid.invalid")},
    {"MicrosoftCommunities/account{2E23}.oeaccount",
     E(.name = "Microsoft Communities Test", .kind = MODEL_ACCOUNT_NNTP,
       .server = "testmsnews.microsoft.invalid", .port = 119)},
    /* NNTP_Port 233 is hex (563); NNTP_Reply_To_Email_Address is typed DWORD but holds text. */
    {"donhallnntp/donhallnntp{testnntp}.oeaccount",
     E(.name = "donhallnntp", .kind = MODEL_ACCOUNT_NNTP, .server = "news.wingtiptoys.invalid",
       .port = 563, .security = MODEL_SECURITY_SSL, .user_name = "don", .secure_auth = true,
       .display_name = "Don Hall", .email = "don@wingtiptoys.invalid",
       .reply_to = "don@wingtiptoys.invalid", .organization = "Wingtip Toys")},
    /* IMAP_Port 3e1 = 993, SMTP_Port 19 = 25; Leave_Mail_On_Server=1 is ignored for IMAP. */
    {"donhallimap/donhallimap{testimap}.oeaccount",
     E(.name = "donhallimap", .kind = MODEL_ACCOUNT_IMAP, .server = "mail.wingtiptoys.invalid",
       .port = 993, .security = MODEL_SECURITY_SSL, .user_name = "don", .secure_auth = true,
       .root_folder = "Inbox", .smtp_server = "smtp.wingtiptoys.invalid",
       .smtp_security = MODEL_SECURITY_SSL, .smtp_user_name = "don",
       .smtp_auth = MODEL_SMTP_AUTH_SPA, .display_name = "Don Hall",
       .email = "don@wingtiptoys.invalid", .reply_to = "don@wingtiptoys.invalid",
       .organization = "Wingtip Toys")},
};

enum enc { BYTES, UTF8_BOM, UTF16LE_BOM, UTF16LE, UTF16BE_BOM };

static const char *const enc_names[] = {"as given", "UTF-8 BOM", "UTF-16LE BOM", "UTF-16LE",
                                        "UTF-16BE BOM"};

#define LIT(s) s, sizeof(s) - 1
#define DECL "<?xml version=\"1.0\" encoding=\"utf-16\" ?>\r\n"
#define ACCT(body) DECL "<MessageAccount>\r\n" body "</MessageAccount>\r\n"
#define SZ(name, v) "<" name " type=\"SZ\">" v "</" name ">\r\n"
#define DW(name, v) "<" name " type=\"DWORD\">" v "</" name ">\r\n"
#define BIN(name, v) "<" name " type=\"BINARY\">" v "</" name ">\r\n"
#define SECRET "0123456789abcdef5ec2e7"

#define BASE                                                                                      \
    ACCT(SZ("Account_Name", "Mail 山田") SZ("POP3_Server", "pop.example.test")                    \
             SZ("SMTP_Display_Name", "山田 太郎 😀") SZ("SMTP_Email_Address", "taro@example.test"))
#define BASE_WANT                                                                                 \
    E(.name = "Mail 山田", .kind = MODEL_ACCOUNT_POP3, .server = "pop.example.test", .port = 110,       \
      .display_name = "山田 太郎 😀", .email = "taro@example.test")

#define BOMB                                                                                      \
    "<?xml version=\"1.0\"?>\r\n<!DOCTYPE MessageAccount [\r\n"                                   \
    "<!ENTITY a \"aaaaaaaaaa\">\r\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\r\n"            \
    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\r\n"                                          \
    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\r\n"                                          \
    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\r\n"                                          \
    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\r\n"                                          \
    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\r\n"                                          \
    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\r\n"                                          \
    "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\r\n"                                          \
    "<!ENTITY j \"&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;\">\r\n]>\r\n"                                    \
    "<MessageAccount>" SZ("Account_Name", "&j;") SZ("POP3_Server", "&j;&j;&j;")                   \
    "</MessageAccount>\r\n"

static const struct mem_case {
    const char *label;
    enum enc enc;
    const char *text; /* UTF-8 re-encoded as `enc` says; BYTES: used as given */
    size_t len;
    const struct expect *want; /* NULL: must be rejected */
    const char *secret;        /* when set: appears in no field and no message */
} cases[] = {
    /* Encodings, all with non-ASCII text and a character outside the BMP. */
    {"UTF-8 without BOM", BYTES, LIT(BASE), BASE_WANT, NULL},
    {"UTF-8 with BOM", UTF8_BOM, LIT(BASE), BASE_WANT, NULL},
    {"UTF-16LE with BOM", UTF16LE_BOM, LIT(BASE), BASE_WANT, NULL},
    {"UTF-16LE without BOM", UTF16LE, LIT(BASE), BASE_WANT, NULL},
    {"UTF-16BE with BOM", UTF16BE_BOM, LIT(BASE), BASE_WANT, NULL},
    {"UTF-8 declared utf-8", BYTES,
     LIT("<?xml version=\"1.0\" encoding=\"utf-8\"?><MessageAccount>"
         SZ("Account_Name", "Mail 山田") "</MessageAccount>"),
     E(.name = "Mail 山田"), NULL},
    {"UTF-8 declared iso-8859-1: the bytes decide", BYTES,
     LIT("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><MessageAccount>"
         SZ("Account_Name", "Mail 山田") "</MessageAccount>"),
     E(.name = "Mail 山田"), NULL},
    {"UTF-8 without declaration", UTF8_BOM,
     LIT("<MessageAccount>" SZ("Account_Name", "n") "</MessageAccount>"), E(.name = "n"), NULL},

    /* Gmail, on a label boundary, either server, any case. */
    {"gmail IMAP", UTF16LE_BOM,
     LIT(ACCT(SZ("Account_Name", "Gmail") SZ("IMAP_Server", "imap.gmail.com")
                  DW("IMAP_Secure_Connection", "00000001") SZ("SMTP_Server", "smtp.gmail.com")
                      DW("SMTP_Port", "000001d1") DW("SMTP_Secure_Connection", "1"))),
     &(const struct expect){.name = "Gmail", .kind = MODEL_ACCOUNT_IMAP, .server = "imap.gmail.com",
                            .port = 993, .security = MODEL_SECURITY_SSL, .smtp_server = "smtp.gmail.com",
                            .smtp_port = 465, .smtp_security = MODEL_SECURITY_SSL, .is_gmail = true},
     NULL},
    {"gmail upper case POP3", BYTES,
     LIT(ACCT(SZ("Account_Name", "g") SZ("POP3_Server", "POP.GMAIL.COM"))),
     E(.name = "g", .kind = MODEL_ACCOUNT_POP3, .server = "POP.GMAIL.COM", .port = 110,
       .is_gmail = true),
     NULL},
    {"googlemail SMTP only", BYTES,
     LIT(ACCT(SZ("Account_Name", "g") SZ("POP3_Server", "pop.isp.test")
                  SZ("SMTP_Server", "smtp.GoogleMail.com"))),
     E(.name = "g", .kind = MODEL_ACCOUNT_POP3, .server = "pop.isp.test", .port = 110,
       .smtp_server = "smtp.GoogleMail.com", .is_gmail = true),
     NULL},
    {"gmail.com itself", BYTES, LIT(ACCT(SZ("IMAP_Server", "gmail.com"))),
     E(.name = "gmail.com", .kind = MODEL_ACCOUNT_IMAP, .server = "gmail.com", .port = 143,
       .is_gmail = true),
     NULL},
    {"not gmail: notgmail.com", BYTES, LIT(ACCT(SZ("IMAP_Server", "imap.notgmail.com"))),
     E(.name = "imap.notgmail.com", .kind = MODEL_ACCOUNT_IMAP, .server = "imap.notgmail.com",
       .port = 143),
     NULL},
    {"not gmail: gmail.com.evil.test", BYTES,
     LIT(ACCT(SZ("POP3_Server", "pop.gmail.com.evil.test") SZ("SMTP_Server", "googlemail.co"))),
     E(.name = "pop.gmail.com.evil.test", .kind = MODEL_ACCOUNT_POP3,
       .server = "pop.gmail.com.evil.test", .port = 110, .smtp_server = "googlemail.co"),
     NULL},

    /* Default and written ports. */
    {"IMAP default port", BYTES, LIT(ACCT(SZ("IMAP_Server", "i"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143), NULL},
    {"POP3 SSL default port", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") DW("POP3_Secure_Connection", "1"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 995,
       .security = MODEL_SECURITY_SSL),
     NULL},
    {"NNTP SSL default port", BYTES,
     LIT(ACCT(SZ("NNTP_Server", "n") DW("NNTP_Secure_Connection", "1"))),
     E(.name = "n", .kind = MODEL_ACCOUNT_NNTP, .server = "n", .port = 563, .security = MODEL_SECURITY_SSL),
     NULL},
    {"LDAP default port", BYTES, LIT(ACCT(SZ("LDAP_Server", "l"))),
     E(.name = "l", .kind = MODEL_ACCOUNT_LDAP, .server = "l", .port = 389), NULL},
    {"LDAP SSL default port", BYTES,
     LIT(ACCT(SZ("LDAP_Server", "l") DW("LDAP_Secure_Connection", "1"))),
     E(.name = "l", .kind = MODEL_ACCOUNT_LDAP, .server = "l", .port = 636, .security = MODEL_SECURITY_SSL),
     NULL},
    {"HTTPMail server", BYTES,
     LIT(ACCT(SZ("Account_Name", "Hotmail") SZ("HTTPMail_Server", "https://mail.test/dav")
                  SZ("HTTPMail_User_Name", "me@hotmail.test") DW("HTTPMail_Use_Sicily", "1"))),
     E(.name = "Hotmail", .kind = MODEL_ACCOUNT_HTTP, .server = "https://mail.test/dav",
       .user_name = "me@hotmail.test", .secure_auth = true),
     NULL},
    {"HTTP server", BYTES, LIT(ACCT(SZ("HTTP_Server", "h"))),
     E(.name = "h", .kind = MODEL_ACCOUNT_HTTP, .server = "h"), NULL},
    {"DeltaSync settings only", BYTES,
     LIT(ACCT(SZ("Account_Name", "Live") DW("DeltaSync_Enabled", "1"))),
     E(.name = "Live", .kind = MODEL_ACCOUNT_HTTP), NULL},
    {"upper-case hex port, many leading zeros", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") DW("IMAP_Port", "000000000003E1"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 993), NULL},
    {"written port wins over the SSL default", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") DW("POP3_Port", "6e") DW("POP3_Secure_Connection", "1"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110, .security = MODEL_SECURITY_SSL),
     NULL},

    /* Bad DWORDs count as absent. */
    {"bad DWORD: not hex", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") DW("IMAP_Port", "zz") DW("IMAP_Secure_Connection", "yes"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143), NULL},
    {"bad DWORD: 0x prefix", BYTES, LIT(ACCT(SZ("IMAP_Server", "i") DW("IMAP_Port", "0x3e1"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143), NULL},
    {"bad DWORD: overflow", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") DW("POP3_Port", "100000000")
                  DW("POP3_Secure_Connection", "100000001"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110), NULL},
    {"bad DWORD: empty and negative", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") DW("POP3_Port", "") DW("Leave_Mail_On_Server", "-1"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110), NULL},
    {"port out of range: 0 and 65536", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") DW("IMAP_Port", "0") SZ("SMTP_Server", "s")
                  DW("SMTP_Port", "10000"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143, .smtp_server = "s"), NULL},
    {"SMTP_Use_Sicily 2: the incoming server's logon", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") SZ("SMTP_Server", "s") DW("SMTP_Use_Sicily", "2"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143, .smtp_server = "s",
       .smtp_auth = MODEL_SMTP_AUTH_AS_INCOMING), NULL},
    {"SMTP_Use_Sicily 3: its own user name", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") SZ("SMTP_Server", "s") DW("SMTP_Use_Sicily", "00000003")
                  SZ("SMTP_User_Name", "u"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143, .smtp_server = "s",
       .smtp_auth = MODEL_SMTP_AUTH_PASSWORD, .smtp_user_name = "u"), NULL},
    {"SMTP_Use_Sicily of an unknown value: a password, not none", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") SZ("SMTP_Server", "s") DW("SMTP_Use_Sicily", "7"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143, .smtp_server = "s",
       .smtp_auth = MODEL_SMTP_AUTH_PASSWORD), NULL},
    {"SMTP_Use_Sicily 0 and typed SZ: no authentication", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") SZ("SMTP_Server", "s") SZ("SMTP_Use_Sicily", "3"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143, .smtp_server = "s",
       .smtp_auth = MODEL_SMTP_AUTH_NONE), NULL},
    {"port typed SZ is not read", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") SZ("IMAP_Port", "3e1"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143), NULL},
    {"largest DWORD is nonzero, spaces trimmed", BYTES,
     LIT(ACCT(SZ("IMAP_Server", "i") DW("IMAP_Secure_Connection", "ffffffff")
                  DW("IMAP_Use_Sicily", " 1\r\n"))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 993, .security = MODEL_SECURITY_SSL,
       .secure_auth = true),
     NULL},

    /* Kind precedence and per-kind settings. */
    {"IMAP wins over POP3", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") SZ("IMAP_Server", "i") DW("Leave_Mail_On_Server", "1")
                  SZ("IMAP_Root_Folder", " INBOX.Sub "))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143,
       .root_folder = "INBOX.Sub"),
     NULL},
    {"empty IMAP server is absent", BYTES,
     LIT(ACCT(SZ("IMAP_Server", " \r\n ") SZ("POP3_Server", "p") SZ("POP3_User_Name", "u")
                  DW("Leave_Mail_On_Server", "1") SZ("IMAP_Root_Folder", "r"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110, .user_name = "u",
       .leave_on_server = true),
     NULL},
    {"NNTP wins over LDAP; news identity", BYTES,
     LIT(ACCT(SZ("LDAP_Server", "l") SZ("NNTP_Server", "n") SZ("SMTP_Display_Name", "smtp")
                  SZ("NNTP_Display_Name", "news") SZ("NNTP_Email_Address", "n@x.test")
                      SZ("NNTP_Reply_To_Email_Address", "r@x.test")
                          SZ("SMTP_Organization_Name", "smtp org")
                              SZ("NNTP_Organization_Name", "news org"))),
     E(.name = "n", .kind = MODEL_ACCOUNT_NNTP, .server = "n", .port = 119, .display_name = "news",
       .email = "n@x.test", .reply_to = "r@x.test", .organization = "news org"),
     NULL},
    {"mail account ignores news identity", BYTES,
     LIT(ACCT(SZ("POP3_Server", "p") SZ("NNTP_Display_Name", "news")
                  SZ("SMTP_Reply_To_Email_Address", "r@x.test")
                      SZ("NNTP_Organization_Name", "news org")
                          SZ("SMTP_Organization_Name", "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe"))),
     E(.name = "p", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110, .reply_to = "r@x.test",
       .organization = "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe"),
     NULL},

    /* Names. */
    {"missing Account_Name: server", UTF16LE_BOM, LIT(ACCT(SZ("POP3_Server", "pop.x.test"))),
     E(.name = "pop.x.test", .kind = MODEL_ACCOUNT_POP3, .server = "pop.x.test", .port = 110), NULL},
    {"blank Account_Name: server", BYTES,
     LIT(ACCT(SZ("Account_Name", " \t ") SZ("NNTP_Server", "news.x.test"))),
     E(.name = "news.x.test", .kind = MODEL_ACCOUNT_NNTP, .server = "news.x.test", .port = 119), NULL},
    {"missing Account_Name: SMTP server", BYTES, LIT(ACCT(SZ("SMTP_Server", "smtp.x.test"))),
     E(.name = "smtp.x.test", .smtp_server = "smtp.x.test"), NULL},
    {"missing Account_Name: e-mail", BYTES, LIT(ACCT(SZ("SMTP_Email_Address", "a@x.test"))),
     E(.name = "a@x.test", .email = "a@x.test"), NULL},
    {"Account_Name alone", BYTES, LIT(ACCT(SZ("Account_Name", "only"))), E(.name = "only"), NULL},
    {"nothing identifies the account", UTF16LE_BOM,
     LIT(ACCT(DW("Connection_Type", "00000003") SZ("POP3_User_Name", "u"))), NULL, NULL},
    {"empty MessageAccount", BYTES, LIT(DECL "<MessageAccount/>"), NULL, NULL},

    /* Passwords and other BINARY settings are never read. */
    {"BINARY settings skipped", UTF16LE_BOM,
     LIT(ACCT(BIN("Account_Name", SECRET) SZ("IMAP_Server", "i") BIN("IMAP_User_Name", SECRET)
                  BIN("IMAP_Password2", SECRET) BIN("SMTP_Password2", SECRET))),
     E(.name = "i", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 143), SECRET},
    {"BINARY password in a broken file", UTF16LE_BOM,
     LIT(DECL "<MessageAccount>" BIN("IMAP_Password2", SECRET) "<oops></MessageAccount>"), NULL,
     SECRET},

    /* Names and types in any case, text forms, structure. */
    {"names and types in any case", BYTES,
     LIT(DECL "<messageaccount><account_name type=\"sz\">x</account_name>"
              "<imap_SERVER type=\"Sz\">i</imap_SERVER><Imap_Port type=\"dword\">3E1</Imap_Port>"
              "</messageaccount>"),
     E(.name = "x", .kind = MODEL_ACCOUNT_IMAP, .server = "i", .port = 993), NULL},
    {"entities, CDATA, character references", BYTES,
     LIT(ACCT(SZ("Account_Name", " A &amp; B <![CDATA[<C>]]> &#x5c71;&#128512;\r\n"))),
     E(.name = "A & B <C> 山😀"), NULL},
    {"comment inside a value", BYTES, LIT(ACCT(SZ("Account_Name", "na<!-- x -->me"))),
     E(.name = "name"), NULL},
    {"first of duplicates wins", BYTES,
     LIT(ACCT(SZ("Account_Name", "first") SZ("ACCOUNT_NAME", "second"))), E(.name = "first"),
     NULL},
    {"nested settings are not read", BYTES,
     LIT(ACCT(SZ("Account_Name", "a") "<Group>" SZ("IMAP_Server", "i") "</Group>")),
     E(.name = "a"), NULL},
    {"string without type attribute", BYTES,
     LIT(ACCT("<Account_Name>a</Account_Name><POP3_Server>p</POP3_Server>"
              "<POP3_Port>3e1</POP3_Port>")),
     E(.name = "a", .kind = MODEL_ACCOUNT_POP3, .server = "p", .port = 110), NULL},

    /* Rejected. */
    {"wrong root element", UTF16LE_BOM, LIT(DECL "<Account>" SZ("Account_Name", "a") "</Account>"),
     NULL, NULL},
    {"empty input", BYTES, LIT(""), NULL, NULL},
    {"UTF-16 BOM only", BYTES, LIT("\xFF\xFE"), NULL, NULL},
    {"UTF-8 BOM only", BYTES, LIT("\xEF\xBB\xBF"), NULL, NULL},
    {"whitespace only", UTF16LE_BOM, LIT(" \r\n"), NULL, NULL},
    {"truncated: no end tag", UTF16LE_BOM,
     LIT(DECL "<MessageAccount>\r\n" SZ("Account_Name", "a") "</MessageAcc"), NULL, NULL},
    {"truncated: odd UTF-16 length", BYTES, LIT("\xFF\xFE<\0M"), NULL, NULL},
    {"garbage: PNG header", BYTES, LIT("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), NULL, NULL},
    {"garbage: invalid UTF-8", BYTES, LIT("\xc3\x28\xa0\xa1\xff"), NULL, NULL},
    {"garbage: plain text", BYTES, LIT("hello world"), NULL, NULL},
    {"garbage: control character reference", BYTES, LIT(ACCT(SZ("Account_Name", "a&#1;b"))),
     NULL, NULL},
    {"garbage: content after the root", BYTES, LIT(ACCT(SZ("Account_Name", "a")) "<x/>"), NULL,
     NULL},
    {"overlong UTF-8 in a value", BYTES, LIT(ACCT(SZ("Account_Name", "a\xc0\xaf" "b"))), NULL,
     NULL},
    {"UTF-8 encoded surrogate", BYTES, LIT(ACCT(SZ("Account_Name", "a\xed\xa0\x80" "b"))), NULL,
     NULL},
    {"UTF-8 cut inside a character", BYTES, LIT(ACCT(SZ("Account_Name", "a")) "\xe5\xb1"), NULL,
     NULL},
    {"UTF-16BE lone high surrogate", BYTES, LIT("\xFE\xFF\0<\xd8\0\0>"), NULL, NULL},
    {"UTF-16LE lone low surrogate", BYTES, LIT("\xFF\xFE<\0\0\xdc>\0"), NULL, NULL},
    {"UTF-16LE high surrogate at the end", BYTES, LIT("\xFF\xFE<\0\0\xd8"), NULL, NULL},
    {"NUL in the middle (UTF-8)", BYTES, LIT(ACCT(SZ("Account_Name", "a\0b"))), NULL, NULL},
    {"NUL in the middle (UTF-16LE)", UTF16LE_BOM, LIT(ACCT(SZ("Account_Name", "a\0b"))), NULL,
     NULL},
    {"entity bomb", BYTES, LIT(BOMB), NULL, NULL},
    {"entity bomb (UTF-16LE)", UTF16LE_BOM, LIT(BOMB), NULL, NULL},
    {"external entity", BYTES,
     LIT("<?xml version=\"1.0\"?><!DOCTYPE MessageAccount [<!ENTITY x SYSTEM "
         "\"file:///etc/passwd\">]><MessageAccount>" SZ("Account_Name", "&x;")
         SZ("POP3_Server", "p") "</MessageAccount>"),
     NULL, NULL},
    {"external DTD", BYTES,
     LIT("<!DOCTYPE MessageAccount SYSTEM \"http://example.invalid/a.dtd\"><MessageAccount>"
         SZ("Account_Name", "a") "</MessageAccount>"),
     NULL, NULL},
    {"DOCTYPE with a harmless entity", BYTES,
     LIT("<!DOCTYPE MessageAccount [<!ENTITY n \"name\">]><MessageAccount>"
         SZ("Account_Name", "&n;") SZ("POP3_Server", "p") "</MessageAccount>"),
     NULL, NULL},
    {"undeclared entity", BYTES, LIT(ACCT(SZ("Account_Name", "&lol;"))), NULL, NULL},
};

/* Re-encodes trusted UTF-8 (NULs allowed) as `enc`. */
static void encode(struct buf *out, enum enc enc, const char *s, size_t len)
{
    if (enc == UTF8_BOM)
        buf_append(out, "\xEF\xBB\xBF", 3);
    if (enc == BYTES || enc == UTF8_BOM) {
        buf_append(out, s, len);
        return;
    }
    if (enc == UTF16LE_BOM)
        buf_append(out, "\xFF\xFE", 2);
    if (enc == UTF16BE_BOM)
        buf_append(out, "\xFE\xFF", 2);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
        for (size_t k = 1; k < n; k++)
            cp = cp << 6 | ((unsigned char)s[i + k] & 0x3Fu);
        i += n;
        uint32_t units[2] = {cp, 0};
        size_t nunits = 1;
        if (cp >= 0x10000) {
            units[0] = 0xD800 + ((cp - 0x10000) >> 10);
            units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            nunits = 2;
        }
        for (size_t k = 0; k < nunits; k++) {
            char b[2] = {(char)(units[k] & 0xFF), (char)(units[k] >> 8)};
            if (enc == UTF16BE_BOM) {
                char t = b[0];
                b[0] = b[1];
                b[1] = t;
            }
            buf_append(out, b, 2);
        }
    }
}

static bool contains(const char *s, const char *needle)
{
    return s && strstr(s, needle);
}

static void check_account(const struct model_account *a, const struct expect *w,
                          const char *source, const char *label)
{
    char what[256];
#define STR(f)                                                                                    \
    (snprintf(what, sizeof what, "%s: " #f, label), is_str(a->f, w->f, what))
#define INT(f)                                                                                    \
    (snprintf(what, sizeof what, "%s: " #f, label), is_int((long long)a->f, (long long)w->f, what))
    snprintf(what, sizeof what, "%s: source", label);
    is_str(a->source, source, what);
    STR(name);
    INT(kind);
    STR(server);
    INT(port);
    INT(security);
    STR(user_name);
    INT(secure_auth);
    INT(leave_on_server);
    STR(root_folder);
    STR(smtp_server);
    INT(smtp_port);
    INT(smtp_security);
    STR(smtp_user_name);
    INT(smtp_auth);
    STR(display_name);
    STR(email);
    STR(reply_to);
    STR(organization);
    INT(is_gmail);
#undef STR
#undef INT
}

static void check_rejection(const struct error *err, const char *source, const char *label)
{
    size_t n = strlen(err->msg);
    ok(n > 0 && strstr(err->msg, source) && !strchr(err->msg, '\n') && err->msg[n - 1] == '.',
       "%s: one sentence naming the file", label);
    printf("#   %s\n", err->msg);
}

static double slowest; /* CPU seconds of the slowest single parse */

static struct model_account *timed_parse(const char *data, size_t len, const char *source,
                                         struct error *err)
{
    clock_t start = clock();
    struct model_account *a = oeaccount_parse(data, len, source, err);
    double t = (double)(clock() - start) / CLOCKS_PER_SEC;
    if (t > slowest)
        slowest = t;
    return a;
}

static bool read_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    bool good = !ferror(f);
    fclose(f);
    return good;
}

static void test_real_files(void)
{
    if (!tap_need_file(CORPUS "donhallimap/donhallimap{testimap}.oeaccount",
                       "the five real .oeaccount files of Thunderbird's importer"))
        return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct buf data = BUF_INIT;
        char path[512];
        snprintf(path, sizeof path, CORPUS "%s", files[i].path);
        if (!ok(read_file(path, &data), "read %s", path)) {
            buf_free(&data);
            continue;
        }
        ok(data.len > 2 && memcmp(data.data, "\xFF\xFE", 2) == 0, "%s: UTF-16LE with BOM",
           files[i].path);
        struct error err = {{0}};
        struct model_account *a = timed_parse(data.data, data.len, files[i].path, &err);
        if (ok(a != NULL, "%s parses", files[i].path))
            check_account(a, files[i].want, files[i].path, files[i].path);
        else
            printf("#   %s\n", err.msg);
        model_account_free(a);
        buf_free(&data);
    }
}

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mem_case *c = &cases[i];
        char source[256], label[300];
        snprintf(source, sizeof source, "case/%s.oeaccount", c->label);
        snprintf(label, sizeof label, "%s (%s)", c->label, enc_names[c->enc]);
        struct buf data = BUF_INIT;
        encode(&data, c->enc, c->text, c->len);
        struct error err = {{0}};
        struct model_account *a = timed_parse(data.data, data.len, source, &err);
        if (c->want) {
            if (ok(a != NULL, "%s: parses", label))
                check_account(a, c->want, source, label);
            else
                printf("#   %s\n", err.msg);
        } else if (ok(a == NULL, "%s: rejected", label)) {
            check_rejection(&err, source, label);
        }
        if (c->secret) {
            bool leaked = contains(err.msg, c->secret);
            if (a)
                leaked = leaked || contains(a->name, c->secret) ||
                         contains(a->server, c->secret) || contains(a->user_name, c->secret) ||
                         contains(a->root_folder, c->secret) ||
                         contains(a->smtp_server, c->secret) ||
                         contains(a->smtp_user_name, c->secret) ||
                         contains(a->display_name, c->secret) || contains(a->email, c->secret) ||
                         contains(a->reply_to, c->secret);
            ok(!leaked, "%s: BINARY value copied nowhere", label);
        }
        model_account_free(a);
        buf_free(&data);
    }
}

/* Every prefix of a real file: only the whole file, with or without its final CR LF, parses. */
static void test_truncations(void)
{
    const char *rel = "donhallimap/donhallimap{testimap}.oeaccount";
    struct buf data = BUF_INIT;
    if (!tap_need_file(CORPUS "donhallimap/donhallimap{testimap}.oeaccount",
                       "every prefix of a real .oeaccount file"))
        return;
    if (!ok(read_file(CORPUS "donhallimap/donhallimap{testimap}.oeaccount", &data),
            "read %s", rel)) {
        buf_free(&data);
        return;
    }
    size_t wrong = 0, parsed = 0;
    for (size_t n = 0; n <= data.len; n++) {
        struct error err = {{0}};
        /* A copy of exactly n bytes, so that ASan sees any read past the end. */
        char *prefix = malloc(n ? n : 1);
        memcpy(prefix, data.data, n);
        struct model_account *a = timed_parse(prefix, n, rel, &err);
        bool want = n % 2 == 0 && n + 4 >= data.len;
        if (a) {
            parsed++;
            if (!want || strcmp(a->name, "donhallimap") != 0 || a->port != 993)
                wrong++, printf("# prefix %zu parsed\n", n);
        } else if (want || !strstr(err.msg, rel)) {
            wrong++, printf("# prefix %zu: %s\n", n, err.msg);
        }
        model_account_free(a);
        free(prefix);
    }
    is_int((long long)parsed, 3, "prefixes of the IMAP file: exactly 3 parse");
    ok(wrong == 0, "each of the %zu prefixes parses or is rejected as expected", data.len + 1);
    buf_free(&data);
}

/* The size limit, at the limit and one byte over; also a NULL error pointer. */
static void test_limits(void)
{
    static const char head[] = "<MessageAccount>" SZ("Account_Name", "big") "</MessageAccount>";
    char *big = malloc(OEACCOUNT_MAX_BYTES + 1);
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, ' ', OEACCOUNT_MAX_BYTES + 1 - (sizeof head - 1));
    struct error err = {{0}};
    struct model_account *a = timed_parse(big, OEACCOUNT_MAX_BYTES, "big.oeaccount", &err);
    ok(a && strcmp(a->name, "big") == 0, "a file of exactly OEACCOUNT_MAX_BYTES parses");
    model_account_free(a);
    a = timed_parse(big, OEACCOUNT_MAX_BYTES + 1, "big.oeaccount", &err);
    if (ok(a == NULL, "one byte more is rejected"))
        check_rejection(&err, "big.oeaccount", "too large");
    model_account_free(a);
    free(big);
    ok(oeaccount_parse("junk", 4, "junk.oeaccount", NULL) == NULL, "NULL error pointer is fine");
}

/* Anything libxml2 reports outside the parser context would land in these global handlers. */
static int stray_messages;

static void count_generic(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
    stray_messages++;
}

#if LIBXML_VERSION >= 21200
static void count_structured(void *ctx, const xmlError *e)
#else
static void count_structured(void *ctx, xmlErrorPtr e)
#endif
{
    (void)ctx, (void)e;
    stray_messages++;
}

int main(void)
{
    xmlSetGenericErrorFunc(NULL, count_generic);
    xmlSetStructuredErrorFunc(NULL, count_structured);
    test_real_files();
    test_cases();
    test_truncations();
    test_limits();
    is_int(stray_messages, 0, "libxml2 reported nothing outside the parse");
    ok(slowest < 2.0, "no parse took more than 2 s of CPU (slowest %.3f s)", slowest);
    xmlCleanupParser();
    return tap_done();
}
