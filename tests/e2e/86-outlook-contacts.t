#!/usr/bin/env python3
"""convert --for outlook puts the address book into the PST: a Contacts folder (IPF.Contact)
with one IPM.Contact per contact, as three independent readers see it.

A temporary user profile <tmp>/taro holds the sample WLM store under AppData/Local/Microsoft/
Windows Live Mail and the Windows Contacts .contact files under Contacts/; it is converted with
--contacts samples/contacts and one more vCard written here (three e-mails and a fourth, readings,
categories, birthday, multi-line note). The expected contacts are read from the sources by this
script alone: the vCards with a small parser here, the CSVs with the csv module in their
encodings, the .contact XML with xml.etree. Then:
- pstcheck.py: `== errors: 0`; pstsdk (87-pstsdk.t): 0 errors, no DISAGREE line, every
  contact and message in the folders; outlook/contacts.csv and outlook/vcards/ are there;
- pffexport (Contact.txt, Message.txt), readpst -j 0 -D -r (the Contacts folder as vCards) and
  pst-extractor (pst-walk.js, and a few more getters through its API) each find exactly
  report.json totals.contacts_written contacts, with the given and family names, e-mail 1-3,
  phones, company, job title, birthday (not shown by pffexport) and notes of the sources;
- pst-extractor reads the categories, the store holds the Japanese readings;
- the Thunderbird route of the same profile writes thunderbird/contacts.vcf with every contact;
- `wlmigrate scan` of the profile lists its .contact files with their counts.
A reader that is missing is a failed check in CI (wltest.Tap.skip).
"""
import collections
import csv
import glob
import importlib.machinery
import json
import os
import quopri
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

pstsdk = importlib.machinery.SourceFileLoader(
    "pstsdk", os.path.join(os.path.dirname(os.path.abspath(__file__)), "87-pstsdk.t")).load_module()

BUILD = os.environ.get("BUILD") or os.path.join(wltest.REPO, "build")
PSTCHECK = os.path.join(wltest.TOOLS, "pstcheck.py")
WALK = os.path.join(wltest.TOOLS, "pst-walk.js")
TOP = "Top of Outlook data file"
NAME = "Windows Live Mail"
SRC = os.path.join(wltest.SAMPLES, "contacts")

EXTRA_VCF = """BEGIN:VCARD\r
VERSION:3.0\r
N:Watanabe;Kenji;;Dr.;\r
FN:Kenji Watanabe\r
X-PHONETIC-FIRST-NAME:ケンジ\r
X-PHONETIC-LAST-NAME:ワタナベ\r
EMAIL;TYPE=INTERNET,PREF:kenji@example.jp\r
EMAIL;TYPE=INTERNET,HOME:kenji.home@example.net\r
EMAIL;TYPE=INTERNET:kenji.third@example.org\r
EMAIL;TYPE=INTERNET:kenji.fourth@example.com\r
TEL;TYPE=WORK,VOICE:03-1111-0001\r
TEL;TYPE=HOME,VOICE:03-1111-0002\r
TEL;TYPE=CELL:090-1111-0003\r
ORG:Example Kogyo;R&D\r
TITLE:Chief Engineer\r
BDAY:1975-03-31\r
CATEGORIES:Work,Golf\r
NOTE:Line one\\nline two\r
END:VCARD\r
"""
READINGS = ["ケンジ", "ワタナベ"]
CATEGORIES = ["Work", "Golf"]


# ---- the contacts as the sources hold them ---------------------------------------------------

def record(given=None, family=None, emails=(), phones=(), mobile=None, company=None, title=None,
           birthday=None, notes=None):
    def clean(s):
        s = (s or "").replace("\r\n", "\n").strip()
        return s or None
    return {"given": clean(given), "family": clean(family),
            "emails": [e.strip() for e in emails if e and e.strip()][:3],
            "phones": sorted(p.strip() for p in phones if p and p.strip()),
            "mobile": clean(mobile), "company": clean(company), "title": clean(title),
            "birthday": clean(birthday), "notes": clean(notes)}


def norm_date(s):
    """YYYY-MM-DD from 1985/04/01, 19850401, 1975-03-31T00:00:00Z; None otherwise."""
    if not s:
        return None
    m = re.match(r"(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})", s.strip())
    return "%s-%02d-%02d" % (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def split_unescaped(value, sep):
    parts, cur, esc = [], "", False
    for ch in value:
        if esc:
            cur += {"n": "\n", "N": "\n"}.get(ch, ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == sep:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def vcard_props(data, default_charset="utf-8"):
    """[[(NAME, {PARAMS}, value)]] per card; 2.1 quoted-printable and 3.0/4.0 folding undone."""
    logical = []
    for ln in data.replace(b"\r\n", b"\n").split(b"\n"):
        if logical and ln[:1] in (b" ", b"\t") and not logical[-1].endswith(b"="):
            logical[-1] += ln[1:]
        elif (logical and logical[-1].endswith(b"=")
              and b"QUOTED-PRINTABLE" in logical[-1].split(b":", 1)[0].upper()):
            logical[-1] = logical[-1][:-1] + ln
        else:
            logical.append(ln)
    cards, cur = [], None
    for ln in logical:
        if b":" not in ln:
            continue
        head, value = ln.split(b":", 1)
        parts = head.decode("ascii", "replace").split(";")
        name = parts[0].upper().split(".")[-1]
        params = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            params[k.upper()] = v if _ else ""
        if name == "BEGIN":
            cur = []
        elif name == "END":
            cards.append(cur)
            cur = None
        elif cur is not None:
            if params.get("ENCODING", "").upper() == "QUOTED-PRINTABLE":
                value = quopri.decodestring(value)
            text = value.decode(params.get("CHARSET", default_charset), "replace")
            cur.append((name, params, text))
    return cards


def card_record(props):
    get = collections.defaultdict(list)
    for name, params, text in props:
        get[name].append((params, text))
    n = split_unescaped(get["N"][0][1], ";") if get["N"] else []
    mobile = None
    for params, text in get["TEL"]:
        kinds = " ".join(list(params) + [params.get("TYPE", "")]).upper()
        if "CELL" in kinds and mobile is None:
            mobile = text
    one = lambda k: split_unescaped(get[k][0][1], ";")[0] if get[k] else None  # noqa: E731
    return record(given=n[1] if len(n) > 1 else None, family=n[0] if n else None,
                  emails=[t for _, t in get["EMAIL"]], phones=[t for _, t in get["TEL"]],
                  mobile=mobile, company=one("ORG"), title=one("TITLE"),
                  birthday=norm_date(one("BDAY")), notes=one("NOTE"))


def contact_xml_record(path):
    ns = {"c": "http://schemas.microsoft.com/Contact"}
    root = ET.parse(path).getroot()
    t = lambda el, q: (el.findtext(q, namespaces=ns) if el is not None else None)  # noqa: E731
    name = root.find("c:NameCollection/c:Name", ns)
    pos = root.find("c:PositionCollection/c:Position", ns)
    phones, mobile = [], None
    for p in root.findall("c:PhoneNumberCollection/c:PhoneNumber", ns):
        phones.append(t(p, "c:Number"))
        labels = [lb.text for lb in p.findall("c:LabelCollection/c:Label", ns)]
        if "Cellular" in labels and mobile is None:
            mobile = t(p, "c:Number")
    birthday = None
    for d in root.findall("c:DateCollection/c:Date", ns):
        if "wab:Birthday" in [lb.text for lb in d.findall("c:LabelCollection/c:Label", ns)]:
            birthday = norm_date(t(d, "c:Value"))
    return record(given=t(name, "c:GivenName"), family=t(name, "c:FamilyName"),
                  emails=[t(e, "c:Address") for e in
                          root.findall("c:EmailAddressCollection/c:EmailAddress", ns)],
                  phones=phones, mobile=mobile, company=t(pos, "c:Company"),
                  title=t(pos, "c:JobTitle"), birthday=birthday, notes=t(root, "c:Notes"))


def csv_records(path, encoding):
    out = []
    with open(path, encoding=encoding, newline="") as fh:
        for row in csv.DictReader(fh):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            col = lambda *names: next((row[n] for n in names if row.get(n)), None)  # noqa: E731
            phones = [v for k, v in row.items()
                      if v and re.search(r"Phone|Fax|Pager|電話|ファックス|携帯", k)]
            out.append(record(given=col("First Name", "名"), family=col("Last Name", "姓"),
                              emails=[col("E-mail Address", "電子メール アドレス"),
                                      col("E-mail 2 Address"), col("E-mail 3 Address")],
                              phones=phones, mobile=col("Mobile Phone", "携帯電話"),
                              company=col("Company", "会社名"), title=col("Job Title", "役職"),
                              birthday=norm_date(col("Birthday", "誕生日")),
                              notes=col("Notes", "メモ")))
    return out


def expected_contacts(profile_contacts, extra):
    recs = []
    for d in (profile_contacts, os.path.join(SRC, "Contacts")):
        for p in sorted(glob.glob(os.path.join(d, "*.contact"))):
            recs.append(contact_xml_record(p))
    for p in sorted(glob.glob(os.path.join(SRC, "cards", "*.vcf"))) + [extra]:
        with open(p, "rb") as fh:
            recs += [card_record(c) for c in vcard_props(fh.read())]
    recs += csv_records(os.path.join(SRC, "wlm-export-en-cp932.csv"), "cp932")
    recs += csv_records(os.path.join(SRC, "wlm-export-ja-utf16.csv"), "utf-16")
    return recs


def view(recs, fields):
    """The records as a sorted list of tuples of `fields` (order-free comparison)."""
    return sorted(tuple(json.dumps(r[f], ensure_ascii=False) for f in fields) for r in recs)


# ---- the readers -----------------------------------------------------------------------------

def pff_contacts(pst, work):
    target = os.path.join(work, "pff")
    subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, pst],
                   capture_output=True, timeout=120)
    folder = os.path.join(target + ".export", TOP, "Contacts")
    recs = []
    for d in sorted(glob.glob(os.path.join(folder, "Contact*"))):
        fields, phones = {}, []
        with open(os.path.join(d, "Contact.txt"), encoding="utf-8", errors="replace") as fh:
            section = None
            for line in fh:
                line = line.rstrip("\n")
                if line.endswith(":") and "\t" not in line:
                    section = line[:-1]
                    continue
                m = re.match(r"([^:\t]+):\t+(.*)$", line)
                if m and section == "Contact":
                    fields[m.group(1)] = m.group(2)
                    if re.search(r"phone|fax|pager", m.group(1), re.I) and m.group(2):
                        phones.append(m.group(2))
        notes = None
        body = os.path.join(d, "Message.txt")
        if os.path.exists(body):
            with open(body, encoding="utf-8", errors="replace", newline="") as fh:
                notes = fh.read()
        recs.append(record(given=fields.get("Given name"), family=fields.get("Surname"),
                           emails=[fields.get("Email address %d" % i) for i in (1, 2, 3)],
                           phones=phones, mobile=fields.get("Mobile phone number"),
                           company=fields.get("Company name"), title=fields.get("Job title"),
                           notes=notes))
    leftovers = [p for p in (target + ".orphans", target + ".recovered")
                 if os.path.isdir(p) and os.listdir(p)]
    return recs, os.path.isdir(folder), leftovers


def readpst_contacts(pst, work):
    target = os.path.join(work, "readpst")
    os.makedirs(target)
    subprocess.run(["readpst", "-j", "0", "-D", "-r", "-8", "-cv", "-o", target, pst], capture_output=True,
                   timeout=120)
    path = os.path.join(target, NAME, "Contacts", "contacts")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return [card_record(c) for c in vcard_props(fh.read())]


JS_FIELDS = r"""
const { PSTFile } = require('pst-extractor');
const f = new PSTFile(process.argv[1]);
const out = [];
function walk(folder) {
  if (folder.containerClass === 'IPF.Contact' && folder.contentCount > 0) {
    let m = folder.getNextChild();
    while (m) {
      const phones = ['businessTelephoneNumber', 'business2TelephoneNumber', 'homeTelephoneNumber',
        'home2TelephoneNumber', 'mobileTelephoneNumber', 'carTelephoneNumber',
        'pagerTelephoneNumber', 'businessFaxNumber', 'homeFaxNumber', 'primaryFaxNumber',
        'companyMainPhoneNumber', 'primaryTelephoneNumber', 'otherTelephoneNumber']
        .map(k => m[k]).filter(v => v);
      out.push({cls: m.messageClass, given: m.givenName, family: m.surname,
        emails: [m.email1EmailAddress, m.email2EmailAddress, m.email3EmailAddress],
        phones, mobile: m.mobileTelephoneNumber, company: m.companyName, title: m.title,
        birthday: m.birthday ? m.birthday.toISOString() : null, notes: m.body,
        categories: m.colorCategories, fileUnder: m.fileUnder});
      m = folder.getNextChild();
    }
  }
  if (folder.hasSubfolders) for (const c of folder.getSubFolders()) walk(c);
}
walk(f.getRootFolder());
console.log(JSON.stringify(out));
"""


def main():
    t = wltest.Tap()
    work = tempfile.mkdtemp(prefix="wlm86-")
    try:
        profile = os.path.join(work, "taro")
        store = os.path.join(profile, "AppData", "Local", "Microsoft", "Windows Live Mail")
        shutil.copytree(os.path.join(wltest.SAMPLES, "wlm-store"), store)
        pcontacts = os.path.join(profile, "Contacts")
        os.makedirs(pcontacts)
        for p in glob.glob(os.path.join(SRC, "Contacts", "*.contact")):
            shutil.copy(p, pcontacts)
        extra = os.path.join(work, "extra.vcf")
        with open(extra, "w", encoding="utf-8", newline="") as fh:
            fh.write(EXTRA_VCF)
        want = expected_contacts(pcontacts, extra)

        out = os.path.join(work, "out")
        p = wltest.run("convert", store, "--for", "outlook", "-o", out, "-q", "--force",
                       "--contacts", SRC, "--contacts", extra)
        t.ok(p.returncode in (0, 1), "convert --for outlook with contacts finishes",
             p.stderr.decode("utf-8", "replace"))
        report = wltest.load_json(os.path.join(out, "report.json"))
        written = report["totals"]["contacts_written"]
        t.eq(written, len(want), "report: every source contact written")
        pst = os.path.join(out, "outlook", NAME + ".pst")
        t.ok(os.path.isfile(os.path.join(out, "outlook", "contacts.csv")), "outlook/contacts.csv")
        vcards = glob.glob(os.path.join(out, "outlook", "vcards", "*.vcf"))
        t.eq(len(vcards), written, "outlook/vcards/ holds one card per contact")
        dropped = [x for x in report["problems"] if x["kind"] == "contact_field"
                   and "Outlook contact" in x["message"]]
        t.ok(len(dropped) == 1 and "kenji.fourth@example.com" in dropped[0]["message"],
             "report: the fourth e-mail, which a PST contact cannot hold, is named", dropped)

        chk = subprocess.run([sys.executable, PSTCHECK, pst, "--props"], capture_output=True,
                             timeout=120)
        dump = chk.stdout.decode("utf-8", "replace")
        t.ok("== errors: 0" in dump, "pstcheck: errors 0", dump[-2000:])
        res = pstsdk.check(t, pst, "contacts PST")
        if res:
            contacts = {k: v for k, v in pstsdk.user_folders(res).items() if v[0]}
            got = sum(v[0] for v in contacts.values())
            t.ok(got == written + report["totals"]["messages_written"] and
                 all(r == c for r, c in contacts.values()),
                 "pstsdk: the folders hold every contact and message written (%d), rows = "
                 "PR_CONTENT_COUNT" % got, contacts)
        t.ok(all(repr(r)[1:-1] in dump or r in dump for r in READINGS),
             "the Japanese readings are stored", READINGS)
        # PidNameKeywords as [MS-PST] 2.3.3.4.2 multi-valued string: count, offsets, UTF-16LE
        # values (pst-extractor's colorCategories does not decode this layout; pstcheck prints
        # the bytes).
        values = [c.encode("utf-16-le") for c in CATEGORIES]
        head, offs = 4 + 4 * len(values), []
        for v in values:
            offs.append(head + sum(len(x) for x in values[:len(offs)]))
        mv = (len(values).to_bytes(4, "little") + b"".join(o.to_bytes(4, "little") for o in offs)
              + b"".join(values)).hex()
        t.ok(re.search(r"^\s+8[0-9a-f]{3}101f HID \w+\s+%s$" % mv, dump, re.M),
             "the categories are stored as a multi-valued string", mv)

        full = ["given", "family", "emails", "phones", "company", "title", "birthday", "notes"]
        if wltest.have("pffexport"):
            got, folder, leftovers = pff_contacts(pst, work)
            t.ok(folder, "pffexport: a Contacts folder")
            t.eq(len(got), written, "pffexport: every contact")
            fields = [f for f in full if f != "birthday"]
            t.eq(view(got, fields), view(want, fields),
                 "pffexport: names, e-mail 1-3, phones, company, job title, notes")
            t.eq(leftovers, [], "pffexport: nothing orphaned or recovered")
        else:
            t.skip("pffexport reads the contacts", "pffexport (pff-tools) not installed")

        if wltest.have("readpst"):
            got = readpst_contacts(pst, work)
            t.ok(got is not None, "readpst: the Contacts folder as vCards")
            got = got or []
            t.eq(len(got), written, "readpst: every contact")
            t.eq(view(got, full), view(want, full),
                 "readpst: names, e-mail 1-3, phones, company, job title, birthday, notes")
        else:
            t.skip("readpst reads the contacts", "readpst (pst-utils) not installed")

        mods = wltest.pst_extractor_modules()
        if mods and wltest.have("node"):
            env = dict(os.environ, NODE_PATH=mods)
            w = subprocess.run(["node", WALK, pst], capture_output=True, env=env, timeout=120)
            listing = w.stdout.decode("utf-8", "replace")
            m = re.search(r"^FOLDER /%s/Contacts count=(\d+) .*class=(\S*)$" % re.escape(TOP),
                          listing, re.M)
            t.ok(m and int(m.group(1)) == written and m.group(2) == "IPF.Contact",
                 "pst-walk: Contacts (IPF.Contact) with every contact", listing[-3000:])
            lines = re.findall(r"^    CONTACT given=(.*?) sur=(.*?) fileUnder=.*? email1=(.*?) "
                               r"email1type=(.*?) email1disp=.*? company=(.*?) mobile=(.*)$",
                               listing, re.M)
            t.eq(sorted(lines),
                 sorted((r["given"] or "", r["family"] or "",
                         r["emails"][0] if r["emails"] else "",
                         "SMTP" if r["emails"] else "", r["company"] or "", r["mobile"] or "")
                        for r in want),
                 "pst-walk: given, surname, e-mail 1 (SMTP), company, mobile")
            js = subprocess.run(["node", "-e", JS_FIELDS, pst], capture_output=True, env=env,
                                timeout=120)
            try:
                items = json.loads(js.stdout.decode("utf-8"))
            except ValueError:
                items = []
            t.ok(items and all(i["cls"] == "IPM.Contact" for i in items),
                 "pst-extractor: IPM.Contact items", js.stderr.decode("utf-8", "replace"))
            got = [record(given=i["given"], family=i["family"], emails=i["emails"],
                          phones=i["phones"], company=i["company"], title=i["title"],
                          birthday=(i["birthday"] or "")[:10] or None, notes=i["notes"])
                   for i in items]
            t.eq(view(got, full), view(want, full),
                 "pst-extractor: names, e-mail 1-3, phones, company, job title, birthday, notes")
            kenji = [i for i in items if i["family"] == "Watanabe"]
            t.ok(kenji and kenji[0]["fileUnder"] == "Watanabe, Kenji",
                 "pst-extractor: file-under", kenji)
        else:
            t.skip("pst-extractor reads the contacts", "node/npm or pst-extractor not available")

        # The Thunderbird route of the same profile.
        tb = os.path.join(work, "tb")
        p = wltest.run("convert", store, "--for", "thunderbird", "-o", tb, "-q", "--force",
                       "--contacts", SRC, "--contacts", extra)
        t.ok(p.returncode in (0, 1), "convert --for thunderbird finishes",
             p.stderr.decode("utf-8", "replace"))
        vcf = os.path.join(tb, "thunderbird", "contacts.vcf")
        cards = []
        if os.path.exists(vcf):
            with open(vcf, "rb") as fh:
                cards = [card_record(c) for c in vcard_props(fh.read())]
        t.eq(len(cards), len(want), "thunderbird/contacts.vcf: every contact")
        t.eq(view(cards, ["given", "family", "emails"]), view(want, ["given", "family", "emails"]),
             "thunderbird/contacts.vcf: names and e-mails")

        # scan lists the profile's .contact files with their counts.
        s = wltest.run("scan", store)
        text = s.stdout.decode("utf-8", "replace")
        for c in sorted(glob.glob(os.path.join(pcontacts, "*.contact"))):
            t.ok(re.search(r"^\s*1 contacts? \[contact\] %s$" % re.escape(c), text, re.M),
                 "scan lists %s with 1 contact" % os.path.basename(c), text[-1500:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
