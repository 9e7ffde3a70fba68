#!/usr/bin/env python3
"""Writes samples/contacts/: small contact exports of invented people, in the shapes Windows
Live Mail and Windows Mail write them (see doc/WLM-STORE.md "Contacts"):

  wlm-export-ja-utf16.csv   WLM CSV export, UTF-16LE with BOM, Japanese headers (some with
                            trailing spaces), a quoted multi-line note
  wlm-export-en-cp932.csv   WLM CSV export in CP932 (ANSI code page) with English headers
  cards/*.vcf               vCard 2.1 business cards, CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE,
                            one with a soft break inside a two-byte character
  Contacts/*.contact        two Windows Contacts XML files (one UTF-8, one UTF-16LE)

Every person, address and number here is made up. Run from the repository root:
    python3 tests/tools/make-sample-contacts.py
"""
import base64
import os

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "samples", "contacts")

JA_HEADERS = ["姓", "名 ", "ニックネーム", "電子メール アドレス ", "会社名", "部署",
              "勤務先の国または地域", "勤務先の郵便番号", "勤務先の都道府県", "勤務先の市区町村",
              "勤務先の番地", "勤務先電話番号", "勤務先ファックス", "ビジネス Web ページ",
              "国または地域", "自宅の郵便番号", "自宅の都道府県", "自宅の市区町村", "自宅の番地",
              "携帯電話", "自宅電話番号", "自宅ファックス", "個人 Web ページ", "誕生日", "メモ"]

JA_ROWS = [
    ["佐藤", "花子", "はなちゃん", "hanako.sato@example.jp", "架空商事株式会社", "総務部", "日本",
     "100-0001", "東京都", "千代田区", "架空町1-2-3", "03-0000-1111", "03-0000-1112",
     "https://example.jp/", "日本", "150-0000", "東京都", "渋谷区", "見本1-1", "090-0000-0001",
     "03-0000-2222", "", "", "1985/04/01", "新年会の幹事\n連絡はメールで"],
    ["鈴木", "一郎", "", "ichiro@example.com", "", "", "", "", "", "", "", "", "", "", "日本",
     "530-0000", "大阪府", "大阪市北区", "例示2-3-4", "080-0000-0002", "", "", "", "", ""],
]

EN_HEADERS = ["First Name", "Last Name", "Middle Name", "Name", "Nickname", "E-mail Address",
              "Home Street", "Home City", "Home Postal Code", "Home State", "Home Country/Region",
              "Home Phone", "Home Fax", "Mobile Phone", "Personal Web Page", "Business Street",
              "Business City", "Business Postal Code", "Business State",
              "Business Country/Region", "Business Web Page", "Business Phone", "Business Fax",
              "Pager", "Company", "Job Title", "Department", "Office Location", "Notes"]

EN_ROWS = [
    {"First Name": "Ken", "Last Name": "Kobayashi", "Name": "Ken Kobayashi",
     "E-mail Address": "ken.k@example.net", "Business Street": "5-6-7 Sample-cho",
     "Business City": "Yokohama", "Business Postal Code": "220-0000",
     "Business State": "Kanagawa", "Business Country/Region": "Japan",
     "Business Phone": "+81 45 000 0003", "Company": "Fictional Works", "Job Title": "Engineer",
     "Office Location": "3F", "Notes": "Met at the 2010 expo, \"booth 12\""},
    {"First Name": "太郎", "Last Name": "高橋", "Name": "高橋 太郎",
     "E-mail Address": "taro.takahashi@example.jp", "Mobile Phone": "090-0000-0004",
     "Home City": "名古屋市", "Home State": "愛知県", "Notes": "CP932 で書かれた行"},
]

CARDS = {
    "yamada.vcf": [("N", "山田;花子;;;"), ("FN", "山田 花子"),
                   ("SOUND;X-IRMC-N", "ヤマダ;ハナコ;;;"), ("ORG", "見本工業株式会社;開発部"),
                   ("TITLE", "課長"), ("TEL;WORK;VOICE", "03-0000-0005"),
                   ("TEL;CELL", "090-0000-0005"), ("EMAIL;PREF;INTERNET", "hanako@example.co.jp"),
                   ("ADR;WORK", ";;見本2-2-2;港区;東京都;105-0000;日本"),
                   ("NOTE", "名刺交換 2011年")],
    "ito.vcf": [("N", "伊藤;誠;;;"), ("FN", "伊藤 誠"), ("ORG", "架空運輸"),
                ("TEL;WORK;FAX", "06-0000-0006"), ("EMAIL;INTERNET", "makoto.ito@example.jp")],
}


def qp(data, first_line_room):
    """Quoted-printable with soft breaks every ~70 characters, even inside a character."""
    out, line = [], ""
    for b in data:
        enc = "=%02X" % b if b >= 0x80 or b in (0x3D,) or b < 0x20 else chr(b)
        for ch in ([enc] if len(enc) == 1 else [enc[0:3]]):
            if len(line) + len(ch) > first_line_room:
                out.append(line + "=")
                line, first_line_room = "", 73
            line += ch
    out.append(line)
    return "\r\n".join(out)


def write_cards(d):
    os.makedirs(d, exist_ok=True)
    for name, props in CARDS.items():
        lines = ["BEGIN:VCARD", "VERSION:2.1"]
        for head, value in props:
            raw = value.encode("cp932")
            if all(b < 0x80 for b in raw):
                lines.append("%s:%s" % (head, value))
            else:
                h = "%s;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:" % head
                # a narrow first line so that a soft break falls inside a two-byte character
                lines.append(h + qp(raw, 17 if head == "NOTE" else 70))
        lines.append("REV:20110401T000000Z")
        lines.append("END:VCARD")
        open(os.path.join(d, name), "wb").write(("\r\n".join(lines) + "\r\n").encode("ascii"))


CONTACT_XML = """<?xml version="1.0" encoding="{enc}"?>
<c:contact c:Version="1" xmlns:c="http://schemas.microsoft.com/Contact" xmlns:dt="http://schemas.microsoft.com/2004/02/datatypes">
 <c:CreationDate>2008-05-01T09:00:00Z</c:CreationDate>
 <c:Notes>{notes}</c:Notes>
 <c:EmailAddressCollection><c:EmailAddress c:ElementID="1"><c:Type>SMTP</c:Type><c:Address>{email}</c:Address><c:LabelCollection><c:Label>Preferred</c:Label></c:LabelCollection></c:EmailAddress></c:EmailAddressCollection>
 <c:NameCollection><c:Name c:ElementID="2"><c:FormattedName>{fn}</c:FormattedName><c:FamilyName>{family}</c:FamilyName><c:GivenName>{given}</c:GivenName><c:PhoneticFamilyName>{yfamily}</c:PhoneticFamilyName><c:PhoneticGivenName>{ygiven}</c:PhoneticGivenName></c:Name></c:NameCollection>
 <c:PhoneNumberCollection><c:PhoneNumber c:ElementID="3"><c:Number>{phone}</c:Number><c:LabelCollection><c:Label>Cellular</c:Label></c:LabelCollection></c:PhoneNumber><c:PhoneNumber c:ElementID="4"><c:Number>{work}</c:Number><c:LabelCollection><c:Label>Voice</c:Label><c:Label>Business</c:Label></c:LabelCollection></c:PhoneNumber></c:PhoneNumberCollection>
 <c:PhysicalAddressCollection><c:PhysicalAddress c:ElementID="5"><c:Street>{street}</c:Street><c:Locality>{city}</c:Locality><c:Region>{region}</c:Region><c:PostalCode>{postal}</c:PostalCode><c:Country>日本</c:Country><c:LabelCollection><c:Label>Personal</c:Label></c:LabelCollection></c:PhysicalAddress></c:PhysicalAddressCollection>
 <c:PositionCollection><c:Position c:ElementID="6"><c:Company>{company}</c:Company><c:JobTitle>{title}</c:JobTitle><c:LabelCollection><c:Label>Business</c:Label></c:LabelCollection></c:Position></c:PositionCollection>
 <c:DateCollection><c:Date c:ElementID="7"><c:Value>{bday}</c:Value><c:LabelCollection><c:Label>wab:Birthday</c:Label></c:LabelCollection></c:Date></c:DateCollection>
 <c:PhotoCollection><c:Photo c:ElementID="8"><c:LabelCollection><c:Label>UserTile</c:Label></c:LabelCollection><c:Value c:ContentType="image/png" dt:dt="bin.base64">{photo}</c:Value></c:Photo></c:PhotoCollection>
</c:contact>
"""

PNG_1X1 = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def write_contacts(d):
    os.makedirs(d, exist_ok=True)
    people = [
        ("ヤマダ タロウ.contact", "utf-8", dict(fn="山田 太郎", family="山田", given="太郎",
         yfamily="ヤマダ", ygiven="タロウ", email="taro.yamada@example.jp",
         phone="090-0000-0007", work="03-0000-0007", street="見本3-3-3", city="京都市",
         region="京都府", postal="600-0000", company="見本堂", title="店主",
         bday="1970-01-15T00:00:00Z", notes="Windows メールの連絡先", photo=PNG_1X1)),
        ("Nakamura Yui.contact", "utf-16", dict(fn="中村 結衣", family="中村", given="結衣",
         yfamily="なかむら", ygiven="ゆい", email="yui@example.org", phone="080-0000-0008",
         work="011-000-0008", street="架空通4-4", city="札幌市", region="北海道",
         postal="060-0000", company="Example Sapporo", title="Designer",
         bday="1992-12-24T00:00:00Z", notes="invented person", photo=PNG_1X1)),
    ]
    for name, enc, fields in people:
        text = CONTACT_XML.format(enc="UTF-16" if enc == "utf-16" else "UTF-8", **fields)
        data = text.encode("utf-16-le") if enc == "utf-16" else text.encode("utf-8")
        if enc == "utf-16":
            data = b"\xff\xfe" + data
        open(os.path.join(d, name), "wb").write(data)


def csv_line(fields):
    out = []
    for f in fields:
        if any(c in f for c in ',"\r\n'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + "\r\n"


def main():
    os.makedirs(ROOT, exist_ok=True)
    text = csv_line(JA_HEADERS) + "".join(csv_line(r) for r in JA_ROWS)
    open(os.path.join(ROOT, "wlm-export-ja-utf16.csv"), "wb").write(
        b"\xff\xfe" + text.replace("\r\n", "\r\n").encode("utf-16-le"))
    text = csv_line(EN_HEADERS) + "".join(csv_line([r.get(h, "") for h in EN_HEADERS])
                                          for r in EN_ROWS)
    open(os.path.join(ROOT, "wlm-export-en-cp932.csv"), "wb").write(text.encode("cp932"))
    write_cards(os.path.join(ROOT, "cards"))
    write_contacts(os.path.join(ROOT, "Contacts"))


if __name__ == "__main__":
    main()
