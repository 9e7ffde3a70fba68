#!/usr/bin/env python3
"""Windows Live Contacts' contacts.edb (experimental reader) found beside a WLM store.

THE SCHEMA HERE IS A GUESS. No public contacts.edb exists (doc/WLM-STORE.md), so these
databases are invented: a table "ContactsTable" whose column names follow the patterns that
formats/wlm/contacts_edb.c looks for (FirstName, LastName, YomiFirstName, PersonalEmail,
MobilePhone, HomeStreet, BusinessCity ...), UTF-16 text columns (one ANSI), a primary key over an
integer id, next to a settings table that must not be taken for contacts. They are built with
our ESE fixture builder (tests/tools/eselib.py), which libesedb reads like a database written by
Windows. A real sample will say what the real names are; then correct both the reader's pattern
table and SCHEMA below.

A temporary user profile holds a copy of samples/wlm-store at
  <profile>/AppData/Local/Microsoft/Windows Live Mail
and the database at the WLM 2011 path
  <profile>/AppData/Local/Microsoft/Windows Live/Contacts/default/15.4/DBStore/contacts.edb
Checked:
  1. `scan --json` and `scan` list the database as an edb source with the right count (an empty
     row is skipped and counted as such);
  2. `convert --for thunderbird` writes OUT/thunderbird/contacts.vcf, parsed here with a small
     vCard reader (unfold, unescape): every contact with its names, every e-mail and phone;
     an unmapped text column is reported as contact_field; the mail is what a run without
     contacts writes;
  3. a database whose tables look like nothing is reported (contact_source) and the mail is
     still converted, unchanged;
  4. truncated copies and random bytes in place of contacts.edb: no crash, the mail converted
     unchanged, the damage reported.

With --write-seeds DIR, writes the fuzzing seeds (tests/fuzz/seeds-contacts-edb) and exits.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ beside the tools
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
from wltest import Tap, run, SAMPLES, sha256_tree, load_json  # noqa: E402
import eselib  # noqa: E402

UNICODE, ANSI = 1200, 1252
CONTACTS_REL = os.path.join("AppData", "Local", "Microsoft", "Windows Live", "Contacts",
                            "default", "15.4", "DBStore", "contacts.edb")
STORE_REL = os.path.join("AppData", "Local", "Microsoft", "Windows Live Mail")

# The guessed schema: (column, ESE type, code page). Text columns are UTF-16 unless said.
SCHEMA = [
    ("ContactId", "Long", None),
    ("DisplayName", "Text", UNICODE),
    ("FirstName", "Text", UNICODE),
    ("LastName", "Text", UNICODE),
    ("MiddleName", "Text", UNICODE),
    ("NickName", "Text", UNICODE),
    ("YomiFirstName", "Text", UNICODE),
    ("YomiLastName", "Text", UNICODE),
    ("PersonalEmail", "Text", UNICODE),
    ("BusinessEmail", "Text", UNICODE),
    ("OtherEmail", "LongText", UNICODE),       # "a\nb": several addresses in one value
    ("HomePhone", "Text", UNICODE),
    ("BusinessPhone", "Text", UNICODE),
    ("MobilePhone", "Text", UNICODE),
    ("HomeFax", "Text", UNICODE),
    ("Pager", "Text", ANSI),
    ("CompanyName", "Text", UNICODE),
    ("JobTitle", "Text", UNICODE),
    ("Department", "Text", UNICODE),
    ("HomeStreet", "Text", UNICODE),
    ("HomeCity", "Text", UNICODE),
    ("HomePostalCode", "Text", UNICODE),
    ("HomeCountry", "Text", UNICODE),
    ("BusinessCity", "Text", UNICODE),
    ("Birthday", "Text", UNICODE),
    ("WebSite", "Text", UNICODE),
    ("Notes", "LongText", UNICODE),
    ("ExtendedProperties", "LongText", UNICODE),  # text no pattern maps: reported
    ("LastModified", "DateTime", None),           # not text: ignored
    ("Flags", "Long", None),
]

# Each person: the row, and what the vCard must carry (names, e-mails, phones).
PEOPLE = [
    ({"ContactId": 1, "DisplayName": "山田 太郎", "FirstName": "太郎", "LastName": "山田",
      "YomiFirstName": "たろう", "YomiLastName": "やまだ",
      "PersonalEmail": "taro.yamada@example.jp", "BusinessEmail": "yamada@kaisha.example.co.jp",
      "OtherEmail": "taro@example.net\ntaro2@example.net",
      "HomePhone": "03-1234-5678", "MobilePhone": "090-1234-5678",
      "BusinessPhone": "03-9876-5432", "HomeFax": "03-1234-5679",
      "CompanyName": "株式会社サンプル", "JobTitle": "部長", "Department": "営業部",
      "HomeStreet": "丸の内1-1-1", "HomeCity": "千代田区", "HomePostalCode": "100-0005",
      "HomeCountry": "日本", "Birthday": "1980-02-29", "Notes": "よろしく 😀\n二行目",
      "ExtendedProperties": "<props/>", "Flags": 1},
     {"given": "太郎", "family": "山田", "fn": "山田 太郎",
      "emails": ["taro.yamada@example.jp", "yamada@kaisha.example.co.jp", "taro@example.net",
                 "taro2@example.net"],
      "phones": ["03-1234-5678", "090-1234-5678", "03-9876-5432", "03-1234-5679"],
      "also": ["株式会社サンプル", "部長", "千代田区", "1980"]}),
    ({"ContactId": 2, "FirstName": "花子", "LastName": "鈴木", "NickName": "はなちゃん",
      "PersonalEmail": "hanako@example.jp", "MobilePhone": "080-0000-1111",
      "Pager": "555-0199", "WebSite": "http://hanako.example.jp/"},
     {"given": "花子", "family": "鈴木", "emails": ["hanako@example.jp"],
      "phones": ["080-0000-1111", "555-0199"], "also": ["はなちゃん"]}),
    ({"ContactId": 3, "DisplayName": "John Q. Public", "FirstName": "John",
      "MiddleName": "Quincy", "LastName": "Public", "BusinessEmail": "jqp@example.test",
      "BusinessPhone": "+1 425 555 0100", "BusinessCity": "Redmond",
      "CompanyName": "Example; Corp, Inc."},
     {"given": "John", "family": "Public", "fn": "John Q. Public", "emails": ["jqp@example.test"],
      "phones": ["+1 425 555 0100"], "also": ["Redmond"]}),
    ({"ContactId": 4, "PersonalEmail": "only.mail@example.test"},
     {"emails": ["only.mail@example.test"], "phones": []}),
    ({"ContactId": 5, "LastName": "O'Brien-Ñúñez", "FirstName": "Zoë",
      "HomePhone": "+353 1 555 0123"},
     {"given": "Zoë", "family": "O'Brien-Ñúñez", "emails": [], "phones": ["+353 1 555 0123"]}),
]
EMPTY_ROW = {"ContactId": 99, "Flags": 7}   # nothing a person would miss: skipped


def contacts_table(rows):
    cols = [eselib.Column(name, kind, codepage=cp) for name, kind, cp in SCHEMA]
    return eselib.Table("ContactsTable", cols, rows=rows, primary_key=["ContactId"])


def settings_table():
    """A table with text columns that match no contact pattern."""
    return eselib.Table("SettingsTable",
                        [eselib.Column("SettingId", "Long"),
                         eselib.Column("SettingKey", "Text"),
                         eselib.Column("SettingValue", "LongText")],
                        rows=[{"SettingId": 1, "SettingKey": "Version", "SettingValue": "15.4"}],
                        primary_key=["SettingId"])


def good_db(path):
    rows = [r for r, _ in PEOPLE] + [EMPTY_ROW]
    eselib.write_database(path, [settings_table(), contacts_table(rows)])


def unrecognisable_db(path):
    blobs = eselib.Table("Blobs", [eselib.Column("Id", "Long"), eselib.Column("Data", "Binary"),
                                   eselib.Column("Kind", "Text")],
                         rows=[{"Id": 1, "Data": b"\x01\x02", "Kind": "x"}], primary_key=["Id"])
    eselib.write_database(path, [settings_table(), blobs])


def write_seeds(d):
    """Fuzzing seeds, with 4 KiB pages to keep them small."""
    os.makedirs(d, exist_ok=True)
    rows = [r for r, _ in PEOPLE] + [EMPTY_ROW]
    eselib.write_database(os.path.join(d, "contacts-4k.edb"),
                          [settings_table(), contacts_table(rows)], page_size=4096)
    eselib.write_database(os.path.join(d, "one-contact-4k.edb"), [contacts_table([PEOPLE[0][0]])],
                          page_size=4096)
    blobs = eselib.Table("Blobs", [eselib.Column("Id", "Long"), eselib.Column("Kind", "Text")],
                         rows=[{"Id": 1, "Kind": "x"}], primary_key=["Id"])
    eselib.write_database(os.path.join(d, "unrecognisable-4k.edb"), [blobs], page_size=4096)


# --- a small vCard reader, enough for our output -------------------------------------------------

def unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            out.append("\n" if v[i + 1] in "nN" else v[i + 1])
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def split_unescaped(v, sep):
    parts, cur, i = [], [], 0
    while i < len(v):
        if v[i] == "\\" and i + 1 < len(v):
            cur.append(v[i:i + 2])
            i += 2
        elif v[i] == sep:
            parts.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(v[i])
            i += 1
    parts.append("".join(cur))
    return parts


def read_vcards(path):
    """[{NAME: [(params, value)]}] from a UTF-8 vCard file."""
    text = open(path, "rb").read().decode("utf-8")
    lines = []
    for ln in text.replace("\r\n", "\n").split("\n"):
        if ln[:1] in (" ", "\t") and lines:
            lines[-1] += ln[1:]
        elif ln:
            lines.append(ln)
    cards, cur = [], None
    for ln in lines:
        head, _, value = ln.partition(":")
        name = head.split(";")[0].split(".")[-1].upper()
        if name == "BEGIN" and value.upper() == "VCARD":
            cur = {}
        elif name == "END" and value.upper() == "VCARD":
            cards.append(cur)
            cur = None
        elif cur is not None:
            cur.setdefault(name, []).append((head, value))
    return cards


def card_summary(card):
    n = split_unescaped(card["N"][0][1], ";") if "N" in card else []
    return {
        "family": unescape(n[0]) if n else "",
        "given": unescape(n[1]) if len(n) > 1 else "",
        "fn": unescape(card["FN"][0][1]) if "FN" in card else "",
        "emails": [unescape(v) for _, v in card.get("EMAIL", [])],
        "phones": [unescape(v).removeprefix("tel:") for _, v in card.get("TEL", [])],
        "text": "\n".join(unescape(v) for props in card.values() for _, v in props),
    }


# --- runs ---------------------------------------------------------------------------------------

def make_profile(tmp, name):
    profile = os.path.join(tmp, name)
    shutil.copytree(os.path.join(SAMPLES, "wlm-store"), os.path.join(profile, STORE_REL),
                    symlinks=True)
    os.makedirs(os.path.dirname(os.path.join(profile, CONTACTS_REL)))
    return profile


def mail_tree(out):
    """Checksums of the Thunderbird mail tree (contacts.vcf left out)."""
    sums = sha256_tree(os.path.join(out, "thunderbird"))
    sums.pop("contacts.vcf", None)
    return sums


def convert(profile, out, *extra):
    return run("convert", os.path.join(profile, STORE_REL), "--for", "thunderbird", "-o", out,
               "-q", *extra, timeout=60)


def problems(out, kind=None):
    try:
        rep = load_json(os.path.join(out, "report.json"))
    except (OSError, ValueError):
        return None
    return [p for p in rep.get("problems", []) if kind is None or p["kind"] == kind]


def crashed(p):
    return (p.returncode < 0 or p.returncode == 3 or b"Sanitizer" in p.stderr or
            b"runtime error:" in p.stderr)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write-seeds":
        write_seeds(sys.argv[2])
        return
    t = Tap()
    with tempfile.TemporaryDirectory() as tmp:
        # baseline: the mail alone
        base_profile = make_profile(tmp, "base")
        base_out = os.path.join(tmp, "out-base")
        p = convert(base_profile, base_out, "--no-contacts")
        t.ok(p.returncode in (0, 1), "baseline convert without contacts (exit %d)" % p.returncode,
             p.stderr.decode("utf-8", "replace")[-600:])
        base_mail = mail_tree(base_out)
        t.ok(len(base_mail) >= 5, "baseline wrote the mail tree (%d files)" % len(base_mail))

        # 1. scan
        profile = make_profile(tmp, "good")
        edb = os.path.join(profile, CONTACTS_REL)
        good_db(edb)
        store = os.path.join(profile, STORE_REL)
        p = run("scan", store, "--json", timeout=60)
        t.ok(p.returncode in (0, 1) and not crashed(p), "scan --json (exit %d)" % p.returncode,
             p.stderr.decode("utf-8", "replace")[-600:])
        try:
            scan = json.loads(p.stdout)
        except ValueError as e:
            scan = {"stores": []}
            t.ok(False, "scan --json is JSON", e)
        srcs = [s for st in scan.get("stores", []) for s in st.get("contact_sources", [])]
        mine = [s for s in srcs if os.path.realpath(s["path"]) == os.path.realpath(edb)]
        t.eq(len(mine), 1, "scan lists contacts.edb at the WLM 2011 path once")
        if mine:
            t.eq(mine[0]["kind"], "edb", "its kind is edb")
            t.eq(mine[0]["contacts"], len(PEOPLE), "its contact count")
            t.eq(mine[0]["skipped"], 1, "the empty row is counted as skipped")
            t.eq(mine[0]["unreadable"], False, "not unreadable")
        p = run("scan", store, timeout=60)
        text = p.stdout.decode("utf-8", "replace")
        t.ok(any(ln.strip().startswith("%d contacts [edb]" % len(PEOPLE)) and
                 ln.rstrip().endswith("contacts.edb") for ln in text.splitlines()),
             "scan (text) shows '%d contacts [edb] .../contacts.edb'" % len(PEOPLE), text[-1500:])

        # 2. convert
        out = os.path.join(tmp, "out-good")
        p = convert(profile, out)
        t.ok(p.returncode in (0, 1), "convert with contacts.edb (exit %d)" % p.returncode,
             p.stderr.decode("utf-8", "replace")[-600:])
        vcf = os.path.join(out, "thunderbird", "contacts.vcf")
        cards = []
        if t.ok(os.path.isfile(vcf), "OUT/thunderbird/contacts.vcf written"):
            try:
                cards = [card_summary(c) for c in read_vcards(vcf)]
            except (UnicodeDecodeError, KeyError, IndexError) as e:
                t.ok(False, "contacts.vcf parses", e)
        t.eq(len(cards), len(PEOPLE), "one card per non-empty row")
        for row, want in PEOPLE:
            who = "row %d" % row["ContactId"]
            match = [c for c in cards if set(want["emails"]) <= set(c["emails"]) and
                     set(want["phones"]) <= set(c["phones"]) and
                     c["given"] == want.get("given", "") and
                     c["family"] == want.get("family", "")]
            t.ok(len(match) == 1, "%s: one card with its names, %d e-mails and %d phones"
                 % (who, len(want["emails"]), len(want["phones"])),
                 "want %r\ncards:\n%s" % (want, "\n".join(map(repr, cards))))
            if not match:
                continue
            c = match[0]
            t.eq(sorted(c["emails"]), sorted(want["emails"]), "%s: exactly its e-mails" % who)
            t.eq(sorted(c["phones"]), sorted(want["phones"]), "%s: exactly its phones" % who)
            if "fn" in want:
                t.eq(c["fn"], want["fn"], "%s: FN is the display name" % who)
            missing = [s for s in want.get("also", []) if s not in c["text"]]
            t.ok(not missing, "%s: other fields carried (%s)"
                 % (who, ", ".join(want.get("also", []))), "missing: %r" % missing)
        rep_field = problems(out, "contact_field") or []
        t.ok(any("ExtendedProperties" in p["message"] for p in rep_field),
             "the unmapped text column ExtendedProperties is reported (contact_field)",
             json.dumps(problems(out), ensure_ascii=False, indent=1)[:1500])
        t.ok(not any(x in json.dumps(rep_field) for x in ("SettingKey", "LastModified", "Flags")),
             "columns of other tables and non-text columns are not reported")
        t.ok(any("skipped" in p["message"] for p in problems(out, "bad_contact") or []),
             "the empty row is reported as skipped (bad_contact)")
        t.eq(mail_tree(out), base_mail, "the mail is what a run without contacts writes")

        # 3. a database whose tables look like nothing
        profile = make_profile(tmp, "unknown")
        unrecognisable_db(os.path.join(profile, CONTACTS_REL))
        out = os.path.join(tmp, "out-unknown")
        p = convert(profile, out)
        t.ok(p.returncode in (0, 1) and not crashed(p),
             "convert with an unrecognisable contacts.edb finishes (exit %d)" % p.returncode,
             p.stderr.decode("utf-8", "replace")[-600:])
        srcp = problems(out, "contact_source")
        t.ok(srcp and any("contacts.edb" in p["path"] for p in srcp),
             "reported as contact_source naming contacts.edb",
             json.dumps(problems(out), ensure_ascii=False, indent=1)[:1500])
        t.eq(mail_tree(out), base_mail, "the mail is still converted, unchanged")
        p = run("scan", os.path.join(profile, STORE_REL), "--json", timeout=60)
        try:
            srcs = [s for st in json.loads(p.stdout)["stores"] for s in st["contact_sources"]]
        except (ValueError, KeyError):
            srcs = []
        t.ok(any(s["kind"] == "edb" and s["contacts"] == 0 and s["unreadable"] for s in srcs),
             "scan lists it as unreadable with 0 contacts", srcs)

        # 4. truncated databases and random bytes
        whole = open(os.path.join(tmp, "good", CONTACTS_REL), "rb").read()
        rng = random.Random(66)
        damaged = [("empty file", b""), ("4 bytes", whole[:4]),
                   ("header only (one page)", whole[:8192]),
                   ("header and shadow header", whole[:16384]),
                   ("half", whole[:len(whole) // 2]),
                   ("last page missing", whole[:-8192]),
                   ("cut inside the last page", whole[:-100]),
                   ("random bytes", rng.randbytes(len(whole))),
                   ("random bytes after a real header", whole[:16384] + rng.randbytes(65536))]
        # a few pages of the good database overwritten with random bytes
        for k in range(3):
            b = bytearray(whole)
            for pg in rng.sample(range(2, len(whole) // 8192), 3):
                b[pg * 8192:(pg + 1) * 8192] = rng.randbytes(8192)
            damaged.append(("three random pages (%d)" % k, bytes(b)))
        profile = make_profile(tmp, "damaged")
        edb = os.path.join(profile, CONTACTS_REL)
        for i, (what, data) in enumerate(damaged):
            with open(edb, "wb") as fh:
                fh.write(data)
            out = os.path.join(tmp, "out-damaged-%d" % i)
            p = convert(profile, out)
            err = p.stderr.decode("utf-8", "replace")[-600:]
            if not t.ok(p.returncode in (0, 1) and not crashed(p),
                        "%s: convert finishes (exit %d)" % (what, p.returncode), err):
                continue
            t.eq(mail_tree(out), base_mail, "%s: the mail converted unchanged" % what)
            probs = problems(out) or []
            hurt = [x for x in probs if x["kind"] in ("contact_source", "bad_contact")]
            vcf = os.path.join(out, "thunderbird", "contacts.vcf")
            ncards = open(vcf, "rb").read().count(b"BEGIN:VCARD") if os.path.exists(vcf) else 0
            if what.startswith("three random pages"):
                # may be read whole, in part or not at all, but never lose contacts silently
                t.ok(ncards == len(PEOPLE) or hurt,
                     "%s: %d of %d cards, %d contact problem(s) reported"
                     % (what, ncards, len(PEOPLE), len(hurt)),
                     json.dumps(probs, ensure_ascii=False, indent=1)[:1200])
            else:
                # before the reader checked the table's record count, a table whose pages were
                # cut off read as "0 contacts" with nothing reported
                t.ok(any(x["kind"] == "contact_source" for x in hurt) and ncards == 0,
                     "%s: no card, reported as contact_source" % what,
                     json.dumps(probs, ensure_ascii=False, indent=1)[:1200])
            p = run("scan", os.path.join(profile, STORE_REL), timeout=60)
            t.ok(p.returncode in (0, 1) and not crashed(p),
                 "%s: scan finishes (exit %d)" % (what, p.returncode),
                 p.stderr.decode("utf-8", "replace")[-600:])
    t.done()


if __name__ == "__main__":
    main()
