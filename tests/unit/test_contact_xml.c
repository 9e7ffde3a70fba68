/* test_contact_xml: the Windows Contacts .contact reader, table-driven.
 *
 * Every document is written here, in memory, after Microsoft's published Windows Contacts schema
 * (http://schemas.microsoft.com/Contact: c:contact with NameCollection, EmailAddressCollection,
 * PhoneNumberCollection, PhysicalAddressCollection, PositionCollection, DateCollection, Notes,
 * PhotoCollection ..., labels in c:LabelCollection/c:Label). Each case is re-encoded as UTF-8
 * (with or without BOM) or UTF-16 (LE/BE, with or without BOM) and the contact read back is
 * described as "field=value" lines, compared with the expected description. A NULL expectation
 * means the document must be rejected with one sentence naming the file.
 *
 * Then: an entity bomb and external entities (files and DTDs that exist on this disk) must be
 * refused without being expanded or fetched and without libxml2 printing anything (stderr is
 * captured around those parses, and libxml2's global error handlers count stray messages); every
 * prefix of a valid document, in UTF-8 and UTF-16, parses only once the root is closed and
 * never crashes (run under ASan to see reads past the end); the size limit; the sniffer. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "util/buf.h"
#include "model/contact.h"
#include "util/error.h"
#include "tap.h"
#include "wlm/contact_xml.h"
#include "util/xalloc.h"

enum enc { BYTES, UTF8_BOM, UTF16LE_BOM, UTF16LE, UTF16BE_BOM, UTF16BE };

static const char *const enc_names[] = {"as given",     "UTF-8 BOM",    "UTF-16LE BOM",
                                        "UTF-16LE",     "UTF-16BE BOM", "UTF-16BE"};

#define LIT(s) s, sizeof(s) - 1

/* Documents as Windows writes them: an XML declaration, the c: prefix on every element. */
#define DECL8 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
#define DECL16 "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n"
#define ROOT_OPEN                                                                                 \
    "<c:contact c:Version=\"1\" xmlns:c=\"http://schemas.microsoft.com/Contact\" "                \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                                    \
    "xmlns:MSP2P=\"http://schemas.microsoft.com/Contact/Extended/MSP2P\" "                        \
    "xmlns:MSWABMAPI=\"http://schemas.microsoft.com/Contact/Extended/MSWABMAPI\">\r\n"
#define ROOT_CLOSE "</c:contact>\r\n"
#define DOC(body) DECL8 ROOT_OPEN body ROOT_CLOSE
#define DOC16(body) DECL16 ROOT_OPEN body ROOT_CLOSE

#define EL(n, v) "\t<c:" n ">" v "</c:" n ">\r\n"
#define NIL(n) "\t<c:" n " xsi:nil=\"true\"/>\r\n"
#define LABELS(...) "<c:LabelCollection>" __VA_ARGS__ "</c:LabelCollection>"
#define L(v) "<c:Label>" v "</c:Label>"
#define ID "c:ElementID=\"7c4a1d2e-5b36-4f7a-9a53-0c1e8e7d2f11\""

#define NAMES(body) "<c:NameCollection><c:Name " ID ">\r\n" body "</c:Name></c:NameCollection>\r\n"
#define EMAILS(body) "<c:EmailAddressCollection>" body "</c:EmailAddressCollection>\r\n"
#define EMAIL(addr, labels)                                                                       \
    "<c:EmailAddress " ID "><c:Type>SMTP</c:Type><c:Address>" addr "</c:Address>" labels          \
    "</c:EmailAddress>"
#define PHONES(body) "<c:PhoneNumberCollection>" body "</c:PhoneNumberCollection>\r\n"
#define PHONE(num, labels)                                                                        \
    "<c:PhoneNumber " ID "><c:Number>" num "</c:Number>" labels "</c:PhoneNumber>"
#define ADDRS(body) "<c:PhysicalAddressCollection>" body "</c:PhysicalAddressCollection>\r\n"
#define ADDR(body, labels) "<c:PhysicalAddress " ID ">" body labels "</c:PhysicalAddress>"
#define POSITION(body, labels)                                                                    \
    "<c:PositionCollection><c:Position " ID ">" body labels                                     \
    "</c:Position></c:PositionCollection>\r\n"
#define DATES(body) "<c:DateCollection>" body "</c:DateCollection>\r\n"
#define DATE(v, labels) "<c:Date " ID "><c:Value>" v "</c:Value>" labels "</c:Date>"
#define PHOTO(attrs, b64)                                                                         \
    "<c:PhotoCollection><c:Photo " ID ">" LABELS(L("UserTile")) "<c:Value" attrs ">" b64          \
    "</c:Value></c:Photo></c:PhotoCollection>\r\n"
#define JPEG_B64 "/9j/4AAQSkZJRgA="         /* FF D8 FF E0 00 10 "JFIF" 00 */
#define PNG_B64 "iVBORw0KGgoAAAANSUhEUg==" /* 89 "PNG" 0D 0A 1A 0A 00 00 00 0D "IHDR" */

/* Bookkeeping elements every real file has; the reader must ignore them. */
#define PREAMBLE                                                                                  \
    EL("CreationDate", "2009-06-01T08:30:00Z") NIL("Extended")                                    \
    "<c:ContactIDCollection><c:ContactID " ID "><c:Value>9b0d1c3a-1111-2222-3333-444455556666"    \
    "</c:Value></c:ContactID></c:ContactIDCollection>\r\n"

/* A contact that uses every collection of the schema. */
#define FULL_BODY                                                                                 \
    PREAMBLE                                                                                      \
    EMAILS(EMAIL("john.public@example.test", LABELS(L("Personal") L("Preferred")))                \
               EMAIL("jqp@work.example.test", LABELS(L("Business")))                              \
                   EMAIL("  other@example.test ", ""))                                            \
    NAMES(EL("FormattedName", "Dr. John Q. Public Jr.") EL("GivenName", "John")                   \
              EL("FamilyName", "Public") EL("MiddleName", "Quincy") EL("Prefix", "Dr.")           \
                  EL("Suffix", "Jr.") EL("NickName", "Johnny")                                    \
                      EL("PhoneticGivenName", "ジョン") EL("PhoneticFamilyName", "パブリック"))   \
    PHONES(PHONE("+1 555 0100", LABELS(L("Voice") L("Personal")))                                 \
               PHONE("+1 555 0101", LABELS(L("Cellular")))                                        \
                   PHONE("+1 555 0102", LABELS(L("Fax") L("Business")))                           \
                       PHONE("+1 555 0103", LABELS(L("Business") L("Voice")))                     \
                           PHONE("+1 555 0104", LABELS(L("Pager")))                               \
                               PHONE("+1 555 0105", LABELS(L("Car"))))                            \
    ADDRS(ADDR(EL("Street", "1 Main St") EL("Locality", "Springfield") EL("Region", "IL")         \
                   EL("PostalCode", "62701") EL("Country", "USA"),                                \
               LABELS(L("Personal")))                                                             \
              ADDR(EL("Street", "500 Corporate Way") EL("Locality", "Redmond")                    \
                       EL("Region", "WA") EL("PostalCode", "98052")                               \
                           EL("Country", "United States of America"),                             \
                   LABELS(L("Business") L("Preferred"))))                                         \
    POSITION(EL("Company", "Example Corp") EL("Department", "R&amp;D") EL("JobTitle", "Engineer") \
                 EL("Office", "Bldg 4") EL("Profession", "Physicist"),                            \
             LABELS(L("Business")))                                                               \
    DATES(DATE("1970-05-17T00:00:00Z", LABELS(L("wab:Birthday")))                                 \
              DATE("1995-06-10T00:00:00Z", LABELS(L("wab:Anniversary"))))                         \
    "<c:UrlCollection><c:Url " ID "><c:Value>http://example.test/john</c:Value>"                  \
    LABELS(L("Business")) "</c:Url></c:UrlCollection>\r\n"                                        \
    "<c:IMAddressCollection><c:IMAddress " ID "><c:Value>john@im.example.test</c:Value>"          \
    "<c:Protocol>MSN</c:Protocol></c:IMAddress></c:IMAddressCollection>\r\n"                      \
    "<c:PersonCollection><c:Person " ID "><c:FormattedName>Jane Public</c:FormattedName>"         \
    LABELS(L("wab:Spouse")) "</c:Person></c:PersonCollection>\r\n"                                \
    EL("Notes", "Met at the 2008 conference.\nLikes tea &amp; &lt;XML&gt;.")                     \
    PHOTO(" c:ContentType=\"image/jpeg\"", "\r\n\t\t/9j/4AAQ\r\n\t\tSkZJRgA=\r\n\t")

#define FULL_WANT                                                                                 \
    "display=Dr. John Q. Public Jr.\ngiven=John\nfamily=Public\nmiddle=Quincy\nprefix=Dr.\n"      \
    "suffix=Jr.\nnickname=Johnny\ngiven_yomi=ジョン\nfamily_yomi=パブリック\n"                   \
    "company=Example Corp\ndepartment=R&D\ntitle=Engineer\noffice=Bldg 4\nrole=Physicist\n"       \
    "birthday=1970-05-17\nanniversary=1995-06-10\n"                                               \
    "notes=Met at the 2008 conference.\nLikes tea & <XML>.\nspouse=Jane Public\n"                 \
    "email=john.public@example.test (home,pref)\nemail=jqp@work.example.test (work)\n"            \
    "email=other@example.test\n"                                                                  \
    "phone=+1 555 0100 (home,voice)\nphone=+1 555 0101 (cell)\nphone=+1 555 0102 (work,fax)\n"    \
    "phone=+1 555 0103 (work,voice)\nphone=+1 555 0104 (pager)\nphone=+1 555 0105 (car)\n"        \
    "url=http://example.test/john (work)\nim=john@im.example.test [MSN]\n"                        \
    "adr=1 Main St|Springfield|IL|62701|USA|| (home)\n"                                           \
    "adr=500 Corporate Way|Redmond|WA|98052|United States of America|| (work)\n"                  \
    "photo=11 image/jpeg ffd8ffe0\n"

/* A Japanese contact as Windows Contacts on a Japanese Windows writes it (UTF-8 or UTF-16). */
#define JA_BODY                                                                                   \
    PREAMBLE                                                                                      \
    NAMES(EL("FormattedName", "山田 太郎") EL("GivenName", "太郎") EL("FamilyName", "山田")       \
              EL("PhoneticGivenName", "たろう") EL("PhoneticFamilyName", "やまだ")                \
                  EL("NickName", "たろちゃん"))                                                   \
    EMAILS(EMAIL("taro.yamada@example.jp", LABELS(L("Personal") L("Preferred")))                  \
               EMAIL("yamada@kaisha.example.co.jp", LABELS(L("Business"))))                       \
    PHONES(PHONE("090-1234-5678", LABELS(L("Cellular") L("Voice")))                               \
               PHONE("03-1234-5678", LABELS(L("Business") L("Voice")))                            \
                   PHONE("03-1234-5679", LABELS(L("Business") L("Fax"))))                         \
    ADDRS(ADDR(EL("Street", "丸の内1-1-1") EL("Locality", "千代田区") EL("Region", "東京都")      \
                   EL("PostalCode", "100-0005") EL("Country", "日本"),                            \
               LABELS(L("Business"))))                                                            \
    POSITION(EL("Company", "株式会社サンプル") EL("Department", "営業部") EL("JobTitle", "部長"), \
             LABELS(L("Business")))                                                               \
    DATES(DATE("1980-02-29T00:00:00Z", LABELS(L("wab:Birthday"))))                                \
    EL("Notes", "よろしくお願いします 😀")

#define JA_WANT                                                                                   \
    "display=山田 太郎\ngiven=太郎\nfamily=山田\nnickname=たろちゃん\ngiven_yomi=たろう\n"        \
    "family_yomi=やまだ\ncompany=株式会社サンプル\ndepartment=営業部\ntitle=部長\n"               \
    "birthday=1980-02-29\nnotes=よろしくお願いします 😀\n"                                        \
    "email=taro.yamada@example.jp (home,pref)\nemail=yamada@kaisha.example.co.jp (work)\n"        \
    "phone=090-1234-5678 (cell,voice)\nphone=03-1234-5678 (work,voice)\n"                         \
    "phone=03-1234-5679 (work,fax)\n"                                                             \
    "adr=丸の内1-1-1|千代田区|東京都|100-0005|日本|| (work)\n"

#define BOMB                                                                                      \
    "<?xml version=\"1.0\"?>\r\n<!DOCTYPE c:contact [\r\n"                                        \
    "<!ENTITY a \"aaaaaaaaaa\">\r\n<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\r\n"            \
    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\r\n"                                          \
    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\r\n"                                          \
    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\r\n"                                          \
    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\r\n"                                          \
    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\r\n"                                          \
    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\r\n"                                          \
    "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\r\n"                                          \
    "<!ENTITY j \"&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;\">\r\n]>\r\n" ROOT_OPEN                          \
    NAMES(EL("FormattedName", "&j;") EL("GivenName", "&j;&j;&j;")) EL("Notes", "&j;&j;")          \
    ROOT_CLOSE

static const struct mem_case {
    const char *label;
    enum enc enc;
    const char *text; /* UTF-8, re-encoded as `enc` says; BYTES: used as given */
    size_t len;
    const char *want; /* the description of the contact read; NULL: must be rejected */
} cases[] = {
    /* The whole schema, in each encoding Windows may write. */
    {"full contact", BYTES, LIT(DOC(FULL_BODY)), FULL_WANT},
    {"full contact", UTF8_BOM, LIT(DOC(FULL_BODY)), FULL_WANT},
    {"full contact", UTF16LE_BOM, LIT(DOC16(FULL_BODY)), FULL_WANT},
    {"full contact", UTF16BE_BOM, LIT(DOC16(FULL_BODY)), FULL_WANT},
    {"Japanese contact", BYTES, LIT(DOC(JA_BODY)), JA_WANT},
    {"Japanese contact", UTF8_BOM, LIT(DOC(JA_BODY)), JA_WANT},
    {"Japanese contact", UTF16LE_BOM, LIT(DOC16(JA_BODY)), JA_WANT},
    {"Japanese contact", UTF16LE, LIT(DOC16(JA_BODY)), JA_WANT},
    {"Japanese contact", UTF16BE_BOM, LIT(DOC16(JA_BODY)), JA_WANT},
    {"Japanese contact", UTF16BE, LIT(DOC16(JA_BODY)), JA_WANT},
    {"Japanese contact without declaration", UTF16LE_BOM, LIT(ROOT_OPEN JA_BODY ROOT_CLOSE),
     JA_WANT},
    {"UTF-8 declared as UTF-16: the bytes decide", BYTES,
     LIT(DOC16(NAMES(EL("GivenName", "太郎")))), "given=太郎\n"},
    {"CP932 bytes declared Shift_JIS", BYTES,
     LIT("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><c:contact "
         "xmlns:c=\"http://schemas.microsoft.com/Contact\"><c:NameCollection><c:Name>"
         "<c:FamilyName>\x8e\x52\x93\x63</c:FamilyName></c:Name></c:NameCollection></c:contact>"),
     "family=山田\n"},

    /* Names. */
    {"phonetic names only", BYTES,
     LIT(DOC(NAMES(EL("PhoneticGivenName", "はなこ") EL("PhoneticFamilyName", "すずき")
                       EL("PhoneticMiddleName", "み")))),
     "given_yomi=はなこ\nfamily_yomi=すずき\nmiddle_yomi=み\n"},
    {"first Name wins, a second fills what it lacks", BYTES,
     LIT(DOC("<c:NameCollection><c:Name>" EL("GivenName", "First") "</c:Name><c:Name>"
             EL("GivenName", "Second") EL("FamilyName", "Family") "</c:Name></c:NameCollection>")),
     "given=First\nfamily=Family\n"},
    {"PersonalTitle as the prefix", BYTES, LIT(DOC(NAMES(EL("PersonalTitle", "Ms.")
                                                             EL("GivenName", "Ann")))),
     "given=Ann\nprefix=Ms.\n"},
    {"xsi:nil and blank values are absent", BYTES,
     LIT(DOC(NAMES(NIL("FormattedName") EL("GivenName", " \t\r\n ") EL("FamilyName", "Doe")
                       NIL("MiddleName")))),
     "family=Doe\n"},
    {"no prefix, other case, other prefix", BYTES,
     LIT("<contact xmlns=\"http://schemas.microsoft.com/Contact\"><namecollection><NAME>"
         "<givenname>Al</givenname><x:FamilyName xmlns:x=\"urn:x\">Bo</x:FamilyName></NAME>"
         "</namecollection></contact>"),
     "given=Al\nfamily=Bo\n"},
    {"entities, CDATA, character references, comments, PIs", BYTES,
     LIT(DOC(NAMES(EL("FormattedName", " A &amp; B <![CDATA[<C>]]> &#x5c71;&#128512;")
                       EL("GivenName", "Gi<!-- note -->ven<?pi x?>")))),
     "display=A & B <C> 山😀\ngiven=Given\n"},

    /* E-mail and phones. */
    {"label synonyms and wab: prefixes", BYTES,
     LIT(DOC(PHONES(PHONE("1", LABELS(L("Mobile"))) PHONE("2", LABELS(L("wab:Home") L("Fax")))
                        PHONE("3", LABELS(L("Work") L("Video")))
                            PHONE("4", LABELS(L("Other") L("Strange")))))),
     "phone=1 (cell)\nphone=2 (home,fax)\nphone=3 (work,video)\nphone=4 (other)\n"},
    {"e-mail without an Address, or empty, is not kept", BYTES,
     LIT(DOC(EMAILS("<c:EmailAddress><c:Type>SMTP</c:Type></c:EmailAddress>"
                    EMAIL("", "") EMAIL("  ", LABELS(L("Preferred")))
                        "<c:EmailAddress><c:Address xsi:nil=\"true\"/></c:EmailAddress>"
                            EMAIL("kept@example.test", "")))),
     "email=kept@example.test\n"},
    {"many e-mails and phones keep their order", BYTES,
     LIT(DOC(EMAILS(EMAIL("a@x.test", "") EMAIL("b@x.test", "") EMAIL("c@x.test", "")
                        EMAIL("d@x.test", "") EMAIL("e@x.test", ""))
                 PHONES(PHONE("1", "") PHONE("2", "") PHONE("3", "")))),
     "email=a@x.test\nemail=b@x.test\nemail=c@x.test\nemail=d@x.test\nemail=e@x.test\n"
     "phone=1\nphone=2\nphone=3\n"},

    /* Addresses. */
    {"address parts, PO box and extended", BYTES,
     LIT(DOC(ADDRS(ADDR(EL("POBox", "PO 12") EL("ExtendedAddress", "Apt 3") EL("Street", "S")
                            EL("Locality", "L") EL("Region", "R") EL("PostalCode", "P")
                                EL("Country", "C"),
                        "")))),
     "adr=S|L|R|P|C|PO 12|Apt 3\n"},
    {"FormattedAddress only", BYTES,
     LIT(DOC(ADDRS(ADDR(EL("FormattedAddress", "1 Main St, Springfield"), LABELS(L("Other")))))),
     "adr=1 Main St, Springfield|||||| (other)\n"},
    {"an empty address is not kept", BYTES,
     LIT(DOC(ADDRS(ADDR(NIL("Street") EL("Locality", " "), LABELS(L("Personal"))))
                 NAMES(EL("GivenName", "x")))),
     "given=x\n"},

    /* Dates. */
    {"date labels", BYTES,
     LIT(DOC(DATES(DATE("2001-01-02", LABELS(L("Birthday")))
                       DATE("2003-04-05T12:00:00Z", LABELS(L("Anniversary") L("wab:Other")))))),
     "birthday=2001-01-02\nanniversary=2003-04-05\n"},
    {"date not understood is kept as text", BYTES,
     LIT(DOC(DATES(DATE("sometime in May", LABELS(L("wab:Birthday")))))),
     "birthday=sometime in May\n"},
    {"date without a known label is named as dropped", BYTES,
     LIT(DOC(DATES(DATE("2001-01-02", LABELS(L("wab:Graduation")))) NAMES(EL("GivenName", "x")))),
     "given=x\ndropped=Date\n"},

    /* Photos. */
    {"PNG photo without content type", BYTES, LIT(DOC(PHOTO("", PNG_B64))),
     "photo=16 image/png 89504e47\n"},
    {"JPEG photo typed octet-stream", BYTES,
     LIT(DOC(PHOTO(" c:ContentType=\"application/octet-stream\"", JPEG_B64))),
     "photo=11 image/jpeg ffd8ffe0\n"},
    {"photo of unknown bytes, no type", BYTES, LIT(DOC(PHOTO("", "AAECAw=="))),
     "photo=4 - 00010203\n"},
    {"photo that is not base64 is not kept", BYTES,
     LIT(DOC(PHOTO(" c:ContentType=\"image/jpeg\"", "!!!! ==") NAMES(EL("GivenName", "x")))),
     "given=x\n"},
    {"first photo wins", BYTES,
     LIT(DOC("<c:PhotoCollection><c:Photo><c:Value>" PNG_B64 "</c:Value></c:Photo><c:Photo>"
             "<c:Value>" JPEG_B64 "</c:Value></c:Photo></c:PhotoCollection>")),
     "photo=16 image/png 89504e47\n"},

    /* Unknown and ignored parts. */
    {"unknown elements holding text are named", BYTES,
     LIT(DOC(NAMES(EL("GivenName", "x"))
                 "<c:CertificateCollection><c:Certificate><c:Value>MIIB</c:Value>"
                 "</c:Certificate></c:CertificateCollection>"
                 "<c:FooCollection><c:Foo>text</c:Foo><c:Bar/><c:Foo>again</c:Foo>"
                 "</c:FooCollection>"
                 "<c:PersonCollection><c:Person><c:FormattedName>Boss</c:FormattedName>"
                 LABELS(L("wab:Manager")) "</c:Person><c:Person><c:FormattedName>Kid"
                 "</c:FormattedName>" LABELS(L("wab:Child")) "</c:Person></c:PersonCollection>")),
     "given=x\nmanager=Boss\ndropped=Foo, Person\n"},
    {"XInclude is not processed", BYTES,
     LIT(DOC(NAMES(EL("GivenName", "x")
                       "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
                       "href=\"/etc/passwd\" parse=\"text\"/>"))),
     "given=x\n"},
    {"an empty contact is returned as is", BYTES, LIT(DOC("")), ""},
    {"self-closed root", BYTES,
     LIT("<c:contact xmlns:c=\"http://schemas.microsoft.com/Contact\"/>"), ""},

    /* Rejected. */
    {"wrong root element", BYTES,
     LIT("<?xml version=\"1.0\"?><MessageAccount><Account_Name>a</Account_Name>"
         "</MessageAccount>"),
     NULL},
    {"contact nested below another root", BYTES,
     LIT("<root>" ROOT_OPEN NAMES(EL("GivenName", "x")) ROOT_CLOSE "</root>"), NULL},
    {"empty input", BYTES, LIT(""), NULL},
    {"UTF-8 BOM only", BYTES, LIT("\xEF\xBB\xBF"), NULL},
    {"UTF-16 BOM only", BYTES, LIT("\xFF\xFE"), NULL},
    {"whitespace only", UTF16LE_BOM, LIT(" \r\n\t"), NULL},
    {"a vCard", BYTES, LIT("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n"), NULL},
    {"a PNG", BYTES, LIT("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), NULL},
    {"unclosed root", BYTES, LIT(DECL8 ROOT_OPEN NAMES(EL("GivenName", "x"))), NULL},
    {"mismatched end tag", BYTES,
     LIT(DOC("<c:NameCollection><c:Name><c:GivenName>x</c:FamilyName></c:Name>"
             "</c:NameCollection>")),
     NULL},
    {"two roots", BYTES, LIT(DOC(NAMES(EL("GivenName", "x"))) ROOT_OPEN ROOT_CLOSE), NULL},
    {"text after the root", BYTES, LIT(DOC(NAMES(EL("GivenName", "x"))) "junk"), NULL},
    {"unquoted attribute", BYTES,
     LIT("<c:contact c:Version=1 xmlns:c=\"http://schemas.microsoft.com/Contact\"/>"), NULL},
    {"bare < in text", BYTES, LIT(DOC(NAMES(EL("GivenName", "a < b")))), NULL},
    {"bare & in text", BYTES, LIT(DOC(NAMES(EL("GivenName", "a & b")))), NULL},
    {"undeclared prefix", BYTES, LIT("<c:contact><c:Notes>n</c:Notes></c:contact>"), NULL},
    {"control character reference", BYTES, LIT(DOC(EL("Notes", "a&#1;b"))), NULL},
    {"NUL in the middle", BYTES, LIT(DOC(EL("Notes", "a\0b"))), NULL},
    {"NUL in the middle (UTF-16LE)", UTF16LE_BOM, LIT(DOC16(EL("Notes", "a\0b"))), NULL},
    {"UTF-16 of odd length", BYTES, LIT("\xFF\xFE<\0c\0:\0c\0o\0n\0t\0a\0c\0t\0/\0>"), NULL},
    {"UTF-16LE lone surrogate", BYTES, LIT("\xFF\xFE<\0\0\xdc>\0"), NULL},
    {"undeclared entity", BYTES, LIT(DOC(EL("Notes", "&lol;"))), NULL},
    {"unbalanced nesting", BYTES,
     LIT(DOC("<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
             "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
             "x</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
             "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
             "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>")),
     NULL}, /* one </a> too many */
    {"entity bomb", BYTES, LIT(BOMB), NULL},
    {"entity bomb (UTF-16LE)", UTF16LE_BOM, LIT(BOMB), NULL},
    {"DOCTYPE with a harmless entity", BYTES,
     LIT("<!DOCTYPE c:contact [<!ENTITY n \"name\">]>" ROOT_OPEN NAMES(EL("GivenName", "&n;"))
             ROOT_CLOSE),
     NULL},
    {"DOCTYPE without a subset", BYTES,
     LIT("<!DOCTYPE contact>" ROOT_OPEN NAMES(EL("GivenName", "x")) ROOT_CLOSE), NULL},
    {"external entity to a network address", BYTES,
     LIT("<!DOCTYPE c:contact [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>" ROOT_OPEN
             NAMES(EL("GivenName", "&x;")) ROOT_CLOSE),
     NULL},
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
    bool be = enc == UTF16BE_BOM || enc == UTF16BE;
    if (enc == UTF16LE_BOM)
        buf_append(out, "\xFF\xFE", 2);
    if (enc == UTF16BE_BOM)
        buf_append(out, "\xFE\xFF", 2);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
        for (size_t k = 1; k < n && i + k < len; k++)
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
            if (be) {
                char t = b[0];
                b[0] = b[1];
                b[1] = t;
            }
            buf_append(out, b, 2);
        }
    }
}

static void put_types(struct buf *b, unsigned t)
{
    static const char *const names[] = {"home", "work",  "other", "cell", "fax",   "pager",
                                        "voice", "car", "pref",  "text", "video", "main"};
    if (!t)
        return;
    buf_puts(b, " (");
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (t & (1u << i)) {
            if (!first)
                buf_putc(b, ',');
            buf_puts(b, names[i]);
            first = false;
        }
    if (t >> (sizeof names / sizeof names[0]))
        buf_puts(b, ",?");
    buf_putc(b, ')');
}

static void put_field(struct buf *b, const char *name, const char *v)
{
    if (!v)
        return;
    buf_puts(b, name);
    buf_putc(b, '=');
    buf_puts(b, v);
    buf_putc(b, '\n');
}

static void put_values(struct buf *b, const char *name, const struct contact_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, name);
        buf_putc(b, '=');
        buf_puts(b, v[i].value ? v[i].value : "(NULL)");
        put_types(b, v[i].types);
        if (v[i].label) {
            buf_puts(b, " [");
            buf_puts(b, v[i].label);
            buf_putc(b, ']');
        }
        buf_putc(b, '\n');
    }
}

/* The contact as "field=value" lines in a fixed order (origin left out). */
static char *describe(const struct contact *c)
{
    struct buf b = BUF_INIT;
#define F(f) put_field(&b, #f, c->f)
    F(display), F(given), F(family), F(middle), F(prefix), F(suffix), F(nickname);
    F(given_yomi), F(family_yomi), F(middle_yomi), F(company_yomi);
    F(company), F(department), F(title), F(office), F(role);
    F(birthday), F(anniversary), F(notes), F(spouse), F(manager), F(assistant);
#undef F
    put_values(&b, "email", c->emails, c->n_emails);
    put_values(&b, "phone", c->phones, c->n_phones);
    put_values(&b, "url", c->urls, c->n_urls);
    put_values(&b, "im", c->ims, c->n_ims);
    for (size_t i = 0; i < c->n_addresses; i++) {
        const struct contact_address *a = &c->addresses[i];
        const char *parts[] = {a->street, a->city,  a->region,  a->postal_code,
                               a->country, a->pobox, a->extended};
        buf_puts(&b, "adr=");
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            if (k)
                buf_putc(&b, '|');
            if (parts[k])
                buf_puts(&b, parts[k]);
        }
        put_types(&b, a->types);
        buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < c->n_categories; i++)
        put_field(&b, "category", c->categories[i]);
    if (c->photo) {
        char line[128];
        snprintf(line, sizeof line, "photo=%zu %s ", c->photo_len,
                 c->photo_type ? c->photo_type : "-");
        buf_puts(&b, line);
        for (size_t i = 0; i < c->photo_len && i < 4; i++) {
            snprintf(line, sizeof line, "%02x", c->photo[i]);
            buf_puts(&b, line);
        }
        buf_putc(&b, '\n');
    }
    put_field(&b, "photo_uri", c->photo_uri);
    put_field(&b, "dropped", c->dropped);
    buf_putc(&b, '\0');
    return buf_detach(&b);
}

static void check_rejection(const struct error *err, const char *source, const char *label)
{
    size_t n = strlen(err->msg);
    ok(n > 0 && strstr(err->msg, source) && !strchr(err->msg, '\n') && err->msg[n - 1] == '.',
       "%s: one sentence naming the file", label);
    printf("#   %s\n", err->msg);
}

/* Anything libxml2 reports outside the parse context would land in these global handlers. */
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

/* stderr goes to a temporary file around parses that must print nothing. */
static FILE *captured;
static int saved_stderr = -1;

static void capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    captured = tmpfile();
    if (captured && saved_stderr >= 0)
        dup2(fileno(captured), 2);
}

/* Restores stderr; returns the number of bytes written to it meanwhile. */
static long capture_end(void)
{
    fflush(stderr);
    long n = -1;
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
    if (captured) {
        fseek(captured, 0, SEEK_END);
        n = ftell(captured);
        fclose(captured);
        captured = NULL;
    }
    return n;
}

/* libxml2's own allocations, counted through xmlMemSetup: the live bytes now, and the most
 * any one parse held beyond what was live before it, over its input length. An entity bomb, a
 * quadratic copy or a buffer that keeps doubling shows here as a number, the same on every
 * machine and under ASan, where a CPU time would measure the machine's load. */
struct mem_head {
    size_t size;
    size_t pad; /* keeps the caller's bytes 16-byte aligned */
};

static size_t xml_live, xml_peak;
#define XML_BYTES_PER_INPUT_BYTE 32 /* 14.4 measured, for 1,000,000 nested elements */
static double worst_ratio;        /* peak bytes held by one parse / (its length + 64 KiB) */
static char worst_source[64];

static void *count_malloc(size_t n)
{
    struct mem_head *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->size = n;
    xml_live += n;
    if (xml_live > xml_peak)
        xml_peak = xml_live;
    return h + 1;
}

static void count_free(void *p)
{
    if (!p)
        return;
    struct mem_head *h = (struct mem_head *)p - 1;
    xml_live -= h->size;
    free(h);
}

static void *count_realloc(void *p, size_t n)
{
    if (!p)
        return count_malloc(n);
    struct mem_head *h = (struct mem_head *)p - 1;
    size_t old = h->size;
    struct mem_head *g = realloc(h, sizeof *g + n);
    if (!g)
        return NULL;
    g->size = n;
    xml_live = xml_live - old + n;
    if (xml_live > xml_peak)
        xml_peak = xml_live;
    return g + 1;
}

static char *count_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = count_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static struct contact *measured_read(const char *data, size_t len, const char *source,
                                     struct error *err)
{
    size_t before = xml_live;
    xml_peak = xml_live;
    struct contact *c = contact_xml_read(data, len, source, err);
    double ratio = (double)(xml_peak - before) / ((double)len + 65536.0);
    if (ratio > worst_ratio) {
        worst_ratio = ratio;
        snprintf(worst_source, sizeof worst_source, "%s", source);
    }
    return c;
}

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mem_case *tc = &cases[i];
        char source[256], label[300];
        snprintf(source, sizeof source, "Contacts/case %zu.contact", i);
        snprintf(label, sizeof label, "%s (%s)", tc->label, enc_names[tc->enc]);
        struct buf data = BUF_INIT;
        encode(&data, tc->enc, tc->text, tc->len);
        /* an exact-size copy, so that ASan sees any read past the end */
        char *copy = malloc(data.len ? data.len : 1);
        if (data.len)
            memcpy(copy, data.data, data.len);
        struct error err = {{0}};
        capture_begin();
        struct contact *c = measured_read(copy, data.len, source, &err);
        long printed = capture_end();
        is_int(printed, 0, label); /* nothing on stderr */
        if (tc->want) {
            if (ok(c != NULL, "%s: read", label)) {
                char *got = describe(c);
                char what[340];
                snprintf(what, sizeof what, "%s: fields", label);
                is_str(got, tc->want, what);
                snprintf(what, sizeof what, "%s: origin", label);
                is_str(c->origin, source, what);
                free(got);
            } else {
                printf("#   %s\n", err.msg);
            }
        } else if (ok(c == NULL, "%s: rejected", label)) {
            check_rejection(&err, source, label);
        }
        if (c && !tc->want)
            printf("#   read as: %s\n", c->given ? c->given : "(no given name)");
        contact_free(c);
        free(copy);
        buf_free(&data);
    }
}

/* External entities and DTDs naming a file that exists, with a secret inside: refused, the
 * secret nowhere, nothing printed. */
static void test_external(void)
{
    static const char secret[] = "S3CRET-c0ntact-entity-7731";
    char dir[] = "/tmp/test_contact_xml.XXXXXX";
    if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
        return;
    char txt[256], dtd[256];
    snprintf(txt, sizeof txt, "%s/secret.txt", dir);
    snprintf(dtd, sizeof dtd, "%s/evil.dtd", dir);
    FILE *f = fopen(txt, "w");
    if (f) {
        fputs(secret, f);
        fclose(f);
    }
    f = fopen(dtd, "w");
    if (f) {
        fprintf(f, "<!ENTITY leak \"%s\">\n<!ENTITY file SYSTEM \"file://%s\">\n", secret, txt);
        fclose(f);
    }
    char *docs[5];
    const char *labels[5] = {"external entity to a file", "external DTD defining entities",
                             "parameter entity pulling in a DTD",
                             "external entity in an attribute-free element, no prefix",
                             "XInclude of a file"};
    docs[0] = xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE c:contact [<!ENTITY x SYSTEM "
                        "\"file://%s\">]>\n" ROOT_OPEN NAMES(EL("GivenName", "&x;"))
                            EL("Notes", "&x;") ROOT_CLOSE,
                        txt);
    docs[1] = xasprintf("<!DOCTYPE c:contact SYSTEM \"file://%s\">" ROOT_OPEN
                            NAMES(EL("GivenName", "&leak;") EL("FamilyName", "&file;"))
                                ROOT_CLOSE,
                        dtd);
    docs[2] = xasprintf("<!DOCTYPE c:contact [<!ENTITY %% p SYSTEM \"%s\"> %%p;]>" ROOT_OPEN
                            NAMES(EL("GivenName", "&leak;")) ROOT_CLOSE,
                        dtd);
    docs[3] = xasprintf("<!DOCTYPE contact [<!ENTITY x SYSTEM \"%s\">]><contact><Notes>&x;"
                        "</Notes></contact>",
                        txt);
    docs[4] = xasprintf(DOC(NAMES(EL("GivenName", "x"))
                                "<c:FooCollection><xi:include "
                                "xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"%s\" "
                                "parse=\"text\"/></c:FooCollection>"),
                        txt);
    for (size_t i = 0; i < 5; i++) {
        struct error err = {{0}};
        capture_begin();
        struct contact *c = measured_read(docs[i], strlen(docs[i]), "Contacts/evil.contact", &err);
        long printed = capture_end();
        is_int(printed, 0, labels[i]);
        if (i < 4) {
            if (ok(c == NULL, "%s: refused", labels[i]))
                check_rejection(&err, "Contacts/evil.contact", labels[i]);
            ok(strstr(err.msg, "DOCTYPE") != NULL, "%s: the DOCTYPE is named", labels[i]);
        } else {
            ok(c != NULL && c->given && strcmp(c->given, "x") == 0, "%s: read", labels[i]);
        }
        char *d = c ? describe(c) : NULL;
        ok(!strstr(err.msg, secret) && !(d && strstr(d, secret)), "%s: the secret is nowhere",
           labels[i]);
        free(d);
        contact_free(c);
        free(docs[i]);
    }
    unlink(txt);
    unlink(dtd);
    rmdir(dir);
}

/* Every prefix of a valid document: only those that reach the root's end tag parse. */
static void truncations(enum enc enc, const char *text, size_t len, const char *want)
{
    struct buf data = BUF_INIT;
    encode(&data, enc, text, len);
    /* the encoded length up to the end of "</c:contact>" */
    const char *end = strstr(text, ROOT_CLOSE);
    struct buf head = BUF_INIT;
    encode(&head, enc, text, (size_t)(end - text) + strlen("</c:contact>"));
    size_t complete = head.len;
    buf_free(&head);
    size_t wrong = 0, parsed = 0;
    capture_begin();
    for (size_t n = 0; n <= data.len; n++) {
        struct error err = {{0}};
        char *prefix = malloc(n ? n : 1);
        memcpy(prefix, data.data, n);
        struct contact *c = measured_read(prefix, n, "cut.contact", &err);
        bool should = n >= complete && (enc == BYTES || enc == UTF8_BOM || n % 2 == 0);
        if (c) {
            parsed++;
            char *d = describe(c);
            if (!should || strcmp(d, want) != 0)
                wrong++, printf("# prefix %zu parsed\n", n);
            free(d);
        } else if (should || !strstr(err.msg, "cut.contact")) {
            wrong++, printf("# prefix %zu: %s\n", n, err.msg);
        }
        contact_free(c);
        free(prefix);
    }
    long printed = capture_end();
    size_t tail = data.len - complete;
    size_t expect = enc == BYTES || enc == UTF8_BOM ? tail + 1 : tail / 2 + 1;
    is_int((long long)parsed, (long long)expect, "prefixes: only those with the end tag parse");
    ok(wrong == 0, "%s: each of the %zu prefixes parses or is rejected as expected",
       enc_names[enc], data.len + 1);
    is_int(printed, 0, "prefixes: nothing printed");
    buf_free(&data);
}

static void test_truncations(void)
{
    truncations(BYTES, LIT(DOC(FULL_BODY)), FULL_WANT);
    truncations(UTF16LE_BOM, LIT(DOC16(JA_BODY)), JA_WANT);
}

/* The size limit, at the limit and one byte over; a NULL error pointer. */
static void test_limits(void)
{
    static const char head[] = ROOT_OPEN NAMES(EL("GivenName", "big")) ROOT_CLOSE;
    char *big = malloc(CONTACT_XML_MAX_BYTES + 1);
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, ' ', CONTACT_XML_MAX_BYTES + 1 - (sizeof head - 1));
    struct error err = {{0}};
    struct contact *c = measured_read(big, CONTACT_XML_MAX_BYTES, "big.contact", &err);
    ok(c && c->given && strcmp(c->given, "big") == 0,
       "a file of exactly CONTACT_XML_MAX_BYTES is read");
    contact_free(c);
    c = measured_read(big, CONTACT_XML_MAX_BYTES + 1, "big.contact", &err);
    if (ok(c == NULL, "one byte more is rejected"))
        check_rejection(&err, "big.contact", "too large");
    contact_free(c);
    free(big);
    ok(contact_xml_read("junk", 4, "junk.contact", NULL) == NULL, "NULL error pointer is fine");

    /* A 12 MB photo (over libxml2's default 10 MB text limit, under ours). */
    {
        static const char h[] = ROOT_OPEN "<c:PhotoCollection><c:Photo><c:Value>";
        static const char t[] = "</c:Value></c:Photo></c:PhotoCollection>" ROOT_CLOSE;
        size_t nb = (size_t)12 << 20, len = sizeof h - 1 + nb + sizeof t - 1;
        char *doc = malloc(len);
        memcpy(doc, h, sizeof h - 1);
        memset(doc + sizeof h - 1, 'A', nb);
        memcpy(doc + sizeof h - 1 + nb, t, sizeof t - 1);
        c = measured_read(doc, len, "photo.contact", &err);
        ok(c && c->photo_len == nb / 4 * 3, "a 12 MB base64 photo is read (%zu bytes)",
           c ? c->photo_len : 0);
        contact_free(c);
        free(doc);
    }

    /* Deep nesting: read below libxml2's depth limit, read or refused above it, never a crash
     * (this recursed nowhere with libxml2 2.9.14, even under ASan). */
    static const size_t depths[] = {200, 2000, 100000, 1000000};
    for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
        struct buf deep = BUF_INIT;
        buf_puts(&deep, ROOT_OPEN NAMES(EL("GivenName", "deep")) "<c:FooCollection>");
        for (size_t i = 0; i < depths[k]; i++)
            buf_puts(&deep, "<c:Deep>");
        buf_puts(&deep, "text");
        for (size_t i = 0; i < depths[k]; i++)
            buf_puts(&deep, "</c:Deep>");
        buf_puts(&deep, "</c:FooCollection>" ROOT_CLOSE);
        c = measured_read(deep.data, deep.len, "deep.contact", &err);
        if (depths[k] < 256)
            ok(c && c->dropped && strcmp(c->dropped, "Deep") == 0, "nesting %zu deep is read",
               depths[k]);
        else /* libxml2's depth limit is its own business (lifted by XML_PARSE_HUGE) */
            ok(c ? c->dropped && strcmp(c->dropped, "Deep") == 0 : strstr(err.msg, "deep") != NULL,
               "nesting %zu deep: %s, no crash", depths[k], c ? "read" : "refused");
        contact_free(c);
        buf_free(&deep);
    }

    /* Many values and many unknown names: no quadratic blow-up (50000 names took 55 s when
     * every one was kept). Lists grow one element per realloc: fine with glibc, quadratic
     * under ASan (20000 e-mails took 4 s), hence 5000. */
    struct buf doc = BUF_INIT;
    buf_puts(&doc, ROOT_OPEN "<c:EmailAddressCollection>");
    for (int i = 0; i < 5000; i++) {
        char item[128];
        snprintf(item, sizeof item, "<c:EmailAddress><c:Address>u%d@x.test</c:Address>"
                                    "</c:EmailAddress>", i);
        buf_puts(&doc, item);
    }
    buf_puts(&doc, "</c:EmailAddressCollection><c:FooCollection>");
    for (int i = 0; i < 50000; i++) {
        char item[128];
        snprintf(item, sizeof item, "<c:Unknown%d>v</c:Unknown%d>", i, i);
        buf_puts(&doc, item);
    }
    buf_puts(&doc, "</c:FooCollection>" ROOT_CLOSE);
    c = measured_read(doc.data, doc.len, "many.contact", &err);
    size_t dl = c && c->dropped ? strlen(c->dropped) : 0;
    ok(c && c->n_emails == 5000 && dl < 2100 &&
           strncmp(c->dropped, "Unknown0, Unknown1,", 19) == 0 &&
           strcmp(c->dropped + dl - 5, ", ...") == 0,
       "5000 e-mails and 50000 unknown names read, the names cut short");
    contact_free(c);
    buf_free(&doc);
}

static void test_sniff(void)
{
    static const struct {
        const char *label;
        enum enc enc;
        const char *text;
        size_t len;
        bool want;
    } s[] = {
        {"UTF-8 .contact", BYTES, LIT(DOC(JA_BODY)), true},
        {"UTF-8 BOM .contact", UTF8_BOM, LIT(DOC(JA_BODY)), true},
        {"UTF-16LE BOM .contact", UTF16LE_BOM, LIT(DOC16(JA_BODY)), true},
        {"UTF-16BE .contact", UTF16BE, LIT(DOC16(JA_BODY)), true},
        {"no prefix", BYTES, LIT("<contact/>"), true},
        {"vCard", BYTES, LIT("BEGIN:VCARD\r\nFN:contact\r\nEND:VCARD\r\n"), false},
        {"CSV", BYTES, LIT("First Name,Last Name,E-mail Address\r\nA,B,a@b\r\n"), false},
        {".oeaccount", UTF16LE_BOM, LIT("<?xml version=\"1.0\"?><MessageAccount/>"), false},
        {"empty", BYTES, LIT(""), false},
        {"short", BYTES, LIT("<c"), false},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        struct buf data = BUF_INIT;
        encode(&data, s[i].enc, s[i].text, s[i].len);
        char *copy = malloc(data.len ? data.len : 1);
        if (data.len)
            memcpy(copy, data.data, data.len);
        ok(contact_xml_sniff(copy, data.len) == s[i].want, "sniff %s: %s", s[i].label,
           s[i].want ? "yes" : "no");
        free(copy);
        buf_free(&data);
    }
}

int main(void)
{
    xmlMemSetup(count_free, count_malloc, count_realloc, count_strdup);
    xmlSetGenericErrorFunc(NULL, count_generic);
    xmlSetStructuredErrorFunc(NULL, count_structured);
    test_cases();
    test_external();
    test_truncations();
    test_limits();
    test_sniff();
    is_int(stray_messages, 0, "libxml2 reported nothing outside the parse");
    printf("# libxml2 held at most %.2f bytes per input byte (%s)\n", worst_ratio, worst_source);
    ok(worst_ratio < XML_BYTES_PER_INPUT_BYTE,
       "no parse made libxml2 hold more than %d bytes per input byte", XML_BYTES_PER_INPUT_BYTE);
    xmlCleanupParser();
    is_int((long)xml_live, 0, "libxml2 holds nothing once every parse is done");
    return tap_done();
}
