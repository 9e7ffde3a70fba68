#!/usr/bin/env python3
"""Contacts: every vCard and CSV of the corpora (../shared/corpora, skipped with one line when
absent outside CI) and of samples/contacts in, vCard and CSV out, judged by readers that are not
ours: Debian's python3-vobject parses our vCard 4.0 output, the real Thunderbird
imports it through its own importer (tb_oracle.py --contacts), and Python's csv module reads
our CSV in the declared encoding. Field counts: for each input vCard, an independent line
scanner here counts the EMAIL, TEL, ADR, URL, ORG, TITLE, NOTE, BDAY and PHOTO values, and
vobject must find as many in our output for that file. Last, a symbolic link is never followed,
neither in the profile searched beside a store nor in a --contacts directory."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wltest import Tap, run, CORPORA, TOOLS, SAMPLES  # noqa: E402

t = Tap()
try:
    import vobject
except ImportError:
    # Debian's python3-vobject lives in the system Python's path; a python3 from elsewhere
    # (pyenv) can still load it from there.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import vobject
    except ImportError:
        vobject = None

CORPUS_DIRS = ("aosp-vcard", "ez-vcard", "roundcube", "thunderbird-import/addressbooks")
VCF_DIRS = [os.path.join(CORPORA, d) for d in CORPUS_DIRS]
COUNTED = ("EMAIL", "TEL", "ADR", "URL", "ORG", "TITLE", "NOTE", "BDAY", "PHOTO")
ONE_PER_CARD = ("ORG", "TITLE", "NOTE", "BDAY", "PHOTO")


def vcf_files():
    out = []
    for d in VCF_DIRS:
        for root, _, files in os.walk(d):
            out += [os.path.join(root, f) for f in files if f.lower().endswith(".vcf")]
    return sorted(out)


def scan_counts(path):
    """Independent count of non-empty properties per name: unfold, undo QP soft breaks."""
    data = open(path, "rb").read()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 3 and (data[0] == 0 or data[1] == 0)):
        enc = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else (
            "utf-16-be" if data[0] == 0 else "utf-16-le")
        data = data.decode(enc).encode("utf-8")
    lines = re.split(rb"\r\n|\n|\r", data)
    logical = []
    for ln in lines:
        if logical and ln[:1] in (b" ", b"\t"):
            logical[-1] += ln[1:]
        elif logical and logical[-1].endswith(b"=") and b"QUOTED-PRINTABLE" in logical[-1].upper().split(b":")[0] and ln:
            logical[-1] = logical[-1][:-1] + ln
        else:
            logical.append(ln)
    counts = {}
    depth = 0
    seen_in_card = set()
    for ln in logical:
        if b":" not in ln:
            continue
        head, value = ln.split(b":", 1)
        name = head.split(b";")[0].split(b".")[-1].upper().decode("ascii", "replace")
        if name == "BEGIN" and value.strip().upper() == b"VCARD":
            depth += 1
            seen_in_card = set()
        elif name == "END" and value.strip().upper() == b"VCARD":
            depth -= 1
        elif depth > 0 and name in COUNTED:
            stripped = value.replace(b";", b"").strip()
            if not stripped:
                continue
            # The model keeps one organisation, title and note per card (repeated ones are
            # joined into it) and one birthday and photo (a second one is reported as dropped):
            # a card counts once for those.
            if name in ONE_PER_CARD:
                if name in seen_in_card:
                    continue
                seen_in_card.add(name)
            counts[name] = counts.get(name, 0) + 1
    return counts


def thunderbird_imports(vcf, data, label):
    """The real Thunderbird imports our vCard file through its own importer: every card, no
    parser error, no empty card, names, phones and addresses as written (read back by vobject).
    The cards Thunderbird made, or None when it is not installed (a skipped check)."""
    if not os.path.exists("/usr/lib/thunderbird/thunderbird"):
        t.skip("%s: Thunderbird imports our vCard" % label, "thunderbird not installed")
        return None
    ncards = data.count(b"BEGIN:VCARD")
    res = os.path.join(os.path.dirname(vcf), "tb.json")
    q = subprocess.run([sys.executable, os.path.join(TOOLS, "tb_oracle.py"), res,
                        "--contacts", vcf, "--expect-contacts"], capture_output=True, timeout=300)
    if not t.ok(q.returncode == 0 and os.path.isfile(res), "%s: tb_oracle exit 0" % label,
                q.stderr.decode("utf-8", "replace")[-800:]):
        return None
    ab = json.load(open(res))["addressBooks"][0]
    cards = ab["cards"]
    t.eq(len(cards), ncards, "%s: Thunderbird imported every card" % label)
    t.eq(ab.get("console") or [], [], "%s: no parser error in Thunderbird's console" % label)
    empty = [c for c in cards if not (c.get("displayName") or "").strip()]
    t.eq(len(empty), 0, "%s: no empty card (every card has a name)" % label)
    # names, addresses and phones as we wrote them
    ours = list(vobject.readComponents(data.decode("utf-8"))) if vobject else []
    if ours:
        want_fn = sorted(str(c.fn.value) for c in ours)
        got_fn = sorted(c["displayName"] for c in cards)
        t.eq(got_fn, want_fn, "%s: every name as written" % label)
        t.eq(sum(len(c["phones"]) for c in cards),
             sum(len(c.contents.get("tel", [])) for c in ours), "%s: every phone" % label)
        t.eq(sum(len(c["addresses"]) for c in cards),
             sum(len(c.contents.get("adr", [])) for c in ours), "%s: every address" % label)
    return cards


def corpus_checks(tmp):
    """1-5: the corpora's vCards and CSVs (third-party, read in place)."""
    # 1. every corpus vCard, one run per file, counted against its own output
    files = vcf_files()
    t.ok(len(files) >= 50, "corpus vCards found (%d)" % len(files))
    lost = []
    total_in = total_out = 0
    outputs = []
    for i, f in enumerate(files):
        out = os.path.join(tmp, "v%03d" % i)
        p = run("contacts", f, "-o", out, "--to", "vcard", "-q")
        if p.returncode not in (0, 1):
            lost.append((f, "exit %d: %s" % (p.returncode, p.stderr[-300:])))
            continue
        vcf = os.path.join(out, "contacts.vcf")
        outputs.append(vcf)
        want = scan_counts(f)
        if vobject is None:
            continue
        got = {}
        text = open(vcf, encoding="utf-8").read()
        try:
            for card in vobject.readComponents(text):
                for name in COUNTED:
                    got[name] = got.get(name, 0) + len(card.contents.get(name.lower(), []))
        except Exception as e:  # noqa: BLE001
            lost.append((f, "vobject cannot parse our output: %s" % e))
            continue
        for name, n in want.items():
            total_in += n
            total_out += min(n, got.get(name, 0))
            if got.get(name, 0) < n:
                lost.append((f, "%s: %d in, %d out" % (name, n, got.get(name, 0))))
    if vobject is None:
        t.skip("field counts with python3-vobject", "python3-vobject not installed")
    else:
        t.ok(not lost, "every counted field of %d corpus vCards is in our output, read by vobject "
             "(%d of %d values)" % (len(files), total_out, total_in), "\n".join(map(str, lost)))

    # 2. all corpora at once -> one file; Thunderbird imports every card, none empty
    allout = os.path.join(tmp, "all")
    p = run("contacts", *VCF_DIRS, "-o", allout, "--to", "vcard")
    t.ok(p.returncode in (0, 1), "contacts over all corpora finishes (exit %d)" % p.returncode,
         p.stderr.decode("utf-8", "replace")[-800:])
    vcf = os.path.join(allout, "contacts.vcf")
    data = open(vcf, "rb").read()
    ncards = data.count(b"BEGIN:VCARD")
    t.ok(ncards >= 90, "cards written: %d" % ncards)
    t.ok(b"QUOTED-PRINTABLE" not in data.upper() and b"CHARSET=" not in data.upper(),
         "4.0 output has no quoted-printable and no CHARSET")
    try:
        data.decode("utf-8")
        t.ok(True, "output is strict UTF-8")
    except UnicodeDecodeError as e:
        t.ok(False, "output is strict UTF-8", str(e))
    m = re.search(rb"bad_contact: .*skipped", p.stderr)
    t.ok(m is not None, "a bad card is skipped with a reason (%s)" % (m.group(0)[:80] if m else None))
    cards = thunderbird_imports(vcf, data, "corpora")
    if cards is not None:
        jp = [c for c in cards if "安藤" in c["displayName"]]
        t.ok(len(jp) >= 3, "Japanese names from Shift_JIS cards survive (%d)" % len(jp))

    # 3. vCard 3.0 option
    p = run("contacts", os.path.join(CORPORA, "aosp-vcard"), "-o", os.path.join(tmp, "v3"),
            "--to", "vcard", "--vcard-version", "3.0", "-q")
    d3 = open(os.path.join(tmp, "v3", "contacts.vcf"), "rb").read()
    t.ok(d3.count(b"VERSION:3.0") == d3.count(b"BEGIN:VCARD") > 0, "--vcard-version 3.0")

    # 4. CSV out, read back by Python's csv in the declared encoding
    src = [os.path.join(CORPORA, "aosp-vcard"), os.path.join(CORPORA, "roundcube", "Csv2vcard")]
    for prof, enc, bom in (("outlook-en", "utf-8-sig", b"\xef\xbb\xbf"), ("outlook-ja", "cp932", b"")):
        out = os.path.join(tmp, "csv-" + prof)
        p = run("contacts", *src, "-o", out, "--to", "csv", "--csv-profile", prof, "-q")
        raw = open(os.path.join(out, "contacts.csv"), "rb").read()
        t.ok(raw.startswith(bom) if bom else not raw.startswith(b"\xef\xbb\xbf"),
             "%s: BOM as declared" % prof)
        t.ok(raw.count(b"\r\n") >= 2, "%s: CRLF line ends" % prof)
        rows = list(csv.reader(io.StringIO(raw.decode(enc), newline="")))
        t.ok(len(rows) > 10 and all(len(r) == len(rows[0]) for r in rows),
             "%s: %d rows of %d columns read by Python's csv in %s" % (prof, len(rows),
                                                                      len(rows[0]), enc))
        if prof == "outlook-ja":
            hdr = rows[0]
            t.ok("姓" in hdr and "名" in hdr and "電子メール アドレス" in hdr, "Japanese headers")
            names = [r[hdr.index("姓")] for r in rows[1:]]
            t.ok(any("安藤" in n for n in names), "Japanese names in CP932")
    # a character CP932 cannot hold is reported, never silently replaced
    odd = os.path.join(tmp, "odd.vcf")
    open(odd, "w", encoding="utf-8").write(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:𠮷野 家\r\nN:𠮷野;家;;;\r\nEND:VCARD\r\n")
    p = run("contacts", odd, "-o", os.path.join(tmp, "odd"), "--to", "csv", "--csv-profile",
            "outlook-ja")
    t.eq(p.returncode, 1, "unencodable character: exit 1")
    t.ok("contact_chars" in p.stderr.decode("utf-8", "replace") and "𠮷" in
         p.stderr.decode("utf-8", "replace"), "unencodable character reported by name")

    # 5. roundcube's CSVs and the vCards they should become: every e-mail and phone
    rc = os.path.join(CORPORA, "roundcube", "Csv2vcard")
    for name in ("all", "email", "gmail", "outlook", "tb_plain"):
        out = os.path.join(tmp, "rc-" + name)
        run("contacts", os.path.join(rc, name + ".csv"), "-o", out, "--to", "vcard", "-q")
        ours = list(vobject.readComponents(open(os.path.join(out, "contacts.vcf"),
                                                encoding="utf-8").read())) if vobject else []
        theirs = list(vobject.readComponents(open(os.path.join(rc, name + ".vcf"),
                                                  encoding="utf-8-sig").read())) if vobject else []
        if not vobject:
            t.skip("roundcube %s" % name, "python3-vobject not installed")
            continue
        def vals(cards, prop):
            return sorted(str(v.value).strip() for c in cards for v in c.contents.get(prop, []))
        t.eq(vals(ours, "email"), vals(theirs, "email"), "roundcube %s.csv: every e-mail" % name)
        t.ok(set(vals(theirs, "tel")) <= set(vals(ours, "tel")),
             "roundcube %s.csv: every phone" % name,
             "missing: %r" % (set(vals(theirs, "tel")) - set(vals(ours, "tel"))))


with tempfile.TemporaryDirectory() as tmp:
    # 1-5 read the third-party corpora in place: without them (a clone alone) one skip line.
    if t.need_corpus("contacts over the corpora's vCards and CSVs", *CORPUS_DIRS):
        corpus_checks(tmp)

    # 6. samples: WLM CSV exports (UTF-16LE Japanese headers, CP932 English), Shift_JIS 2.1
    # cards, .contact files
    sdir = os.path.join(SAMPLES, "contacts")
    if os.path.isdir(sdir):
        out = os.path.join(tmp, "samples")
        p = run("contacts", sdir, "-o", out, "--to", "vcard")
        err = p.stderr.decode("utf-8", "replace")
        t.eq(p.returncode, 0, "samples convert without loss")
        per = dict(re.findall(r"/([^/\n]+) \((?:vcard|csv|contact)\): (\d+) contacts", err))
        t.ok(all(int(v) > 0 for v in per.values()) and len(per) >= 6,
             "every sample file gives contacts: %r" % per)
        text = open(os.path.join(out, "contacts.vcf"), encoding="utf-8").read()
        for word in ("佐藤", "鈴木", "高橋", "ヤマダ", "Kobayashi"):
            t.ok(word in text, "sample name %s in the output" % word)
        # the real Thunderbird imports the samples' cards (needs no corpus)
        cards = thunderbird_imports(os.path.join(out, "contacts.vcf"), text.encode("utf-8"),
                                    "samples")
        if cards is not None:
            names = " ".join(c["displayName"] for c in cards)
            t.ok(all(w in names for w in ("佐藤", "鈴木", "高橋", "中村", "Kobayashi")),
                 "samples: Thunderbird shows the Japanese and Latin names", names)

    # 7. symbolic links are never followed: not in the profile searched beside a store (a linked
    # Windows Live Contacts/{id} directory, a linked folder in Contacts/), not in a --contacts
    # directory (a linked subdirectory, a linked card)
    elsewhere = os.path.join(tmp, "elsewhere")
    os.makedirs(os.path.join(elsewhere, "DBStore"))
    open(os.path.join(elsewhere, "DBStore", "contacts.edb"), "wb").write(b"not a database")
    card = os.path.join(SAMPLES, "contacts", "Contacts", "Nakamura Yui.contact")
    shutil.copy(card, os.path.join(elsewhere, "Linked.contact"))
    open(os.path.join(elsewhere, "linked.vcf"), "w").write(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Linked Card\r\nEND:VCARD\r\n")
    profile = os.path.join(tmp, "profile")
    ms = os.path.join(profile, "AppData", "Local", "Microsoft")
    store = os.path.join(ms, "Windows Live Mail")
    shutil.copytree(os.path.join(SAMPLES, "eml-tree"), store)
    os.makedirs(os.path.join(ms, "Windows Live Contacts"))
    os.symlink(elsewhere, os.path.join(ms, "Windows Live Contacts", "{linked}"))
    os.makedirs(os.path.join(profile, "Contacts"))
    shutil.copy(card, os.path.join(profile, "Contacts", "Real.contact"))
    os.symlink(elsewhere, os.path.join(profile, "Contacts", "linked"))
    p = run("scan", store, "--json")
    srcs = [s["path"] for st in json.loads(p.stdout)["stores"] for s in st["contact_sources"]]
    t.eq(srcs, [os.path.join(os.path.realpath(profile), "Contacts", "Real.contact")],
         "profile search: the real .contact found, nothing behind a link")
    cdir = os.path.join(tmp, "linkdir")
    os.makedirs(cdir)
    open(os.path.join(cdir, "real.vcf"), "w").write(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Real Card\r\nEND:VCARD\r\n")
    os.symlink(elsewhere, os.path.join(cdir, "linked-dir"))
    os.symlink(os.path.join(elsewhere, "linked.vcf"), os.path.join(cdir, "linked.vcf"))
    p = run("contacts", cdir, "-o", os.path.join(tmp, "linkout"), "--to", "vcard")
    err = p.stderr.decode("utf-8", "replace")
    vcf = open(os.path.join(tmp, "linkout", "contacts.vcf"), encoding="utf-8").read()
    t.ok(p.returncode == 0 and "Real Card" in vcf and "Linked Card" not in vcf
         and "Nakamura" not in vcf and "1 contacts written" in err,
         "--contacts directory: the real card read, nothing behind a link", err)
t.done()
