#!/usr/bin/env python3
"""convert --for outlook: one PST that a strict checker and three independent readers accept,
holding every folder and message of the store with what the normalizer sees in them.

Stores: the three sample stores, and every .eml of ../shared/corpora/ (sisimai, stalwart,
mikel, roundcube) copied into a temporary .eml tree (with --pst-max-size; one skip line when the
corpora are absent outside CI). For each PST:
- pstcheck.py: `== errors: 0` (with its layout rules);
- pstsdk (87-pstsdk.t): 0 errors, no DISAGREE line, every folder's rows and PR_CONTENT_COUNT
  equal to report.json (in the split parts: 0 errors, and every message in one part);
- pffexport, readpst and pst-extractor (pst-walk.js) each find the folders of report.json with
  exactly the messages written there; pffexport leaves nothing orphaned or recovered;
- per message (pst-extractor): subject, sender name and address, sent time and recipients equal
  `wlmigrate show --json` of the source file (compared as multisets over the store);
- per message (pffexport, matched to its source by the header block): the plain body and every
  attachment are byte-identical to the normalizer's (`show --json`: body text, attachment
  SHA-256), the HTML body byte-identical to the source's only text/html part;
- read flags: per folder, the unread messages equal those the Thunderbird route marks unread;
- --pst-max-size: parts below the limit, every message in exactly one part, the report says
  where each folder (and each split stretch) went.
A reader that is missing is a failed check in CI (wltest.Tap.skip).
"""
import collections
import email
import email.policy
import email.utils
import hashlib
import importlib.machinery
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

pstsdk = importlib.machinery.SourceFileLoader(
    "pstsdk", os.path.join(os.path.dirname(os.path.abspath(__file__)), "87-pstsdk.t")).load_module()

BUILD = os.environ.get("BUILD") or os.path.join(wltest.REPO, "build")
PSTCHECK = os.path.join(wltest.TOOLS, "pstcheck.py")
WALK = os.path.join(wltest.TOOLS, "pst-walk.js")
TOP = "Top of Outlook data file"
NAME = "Windows Live Mail"
NON_BMP = re.compile("[\U00010000-\U0010FFFF]")
MSGDIR = re.compile(r"(Message|Item)\d{5}$")
CORPORA_MAIL = ["sisimai-set-of-emails", "stalwart-mail-parser", "mikel-mail", "roundcube"]


def convert(t, store, out, target, *extra):
    p = wltest.run("convert", store, "--for", target, "-o", out, "-q", "--force", *extra)
    t.ok(p.returncode in (0, 1), "%s: convert --for %s finishes" % (os.path.basename(store), target),
         p.stderr.decode("utf-8", "replace"))
    with open(os.path.join(out, "report.json"), encoding="utf-8") as fh:
        return json.load(fh)


def expected(report):
    """{pst file: {folder path below the top: messages written}} from report.json."""
    res = collections.defaultdict(dict)
    for f in report["folders"]:
        for out in f["outputs"]:
            m = re.match(r"outlook/(.*?\.pst)/(.*)$", out)
            if m:
                res[m.group(1)].setdefault(m.group(2), 0)
        if len(f["outputs"]) == 1:
            m = re.match(r"outlook/(.*?\.pst)/(.*)$", f["outputs"][0])
            res[m.group(1)][m.group(2)] = f["written"]
    return res


def pff_export(pst, work, tag):
    target = os.path.join(work, "pff-" + tag)
    subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, pst],
                   capture_output=True)
    return target


def pff_messages(target):
    """{folder path: [message dir]} below the top folder (embedded messages not counted)."""
    top = os.path.join(target + ".export", TOP)
    got = {}
    for dirpath, dirs, files in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        if re.search(r"(^|/)(Message|Item)\d{5}(/|$)", rel):
            dirs[:] = []
            continue
        if rel != ".":
            got[rel] = sorted(os.path.join(dirpath, d) for d in dirs if MSGDIR.match(d))
    return got


def readpst_counts(pst, work, tag):
    target = os.path.join(work, "readpst-" + tag)
    os.makedirs(target)
    subprocess.run(["readpst", "-j", "0", "-D", "-r", "-8", "-o", target, pst], capture_output=True)
    base = os.path.join(target, NAME)
    got = {}
    for dirpath, dirs, files in os.walk(base):
        if "mbox" in files:
            with open(os.path.join(dirpath, "mbox"), "rb") as fh:
                got[os.path.relpath(dirpath, base)] = sum(1 for ln in fh if ln.startswith(b"From "))
    return got


def walk(pst, mods):
    env = dict(os.environ, NODE_PATH=mods)
    p = subprocess.run(["node", WALK, pst], capture_output=True, env=env, timeout=120)
    folders, cur, item = {}, None, None
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("FOLDER "):
            m = re.match(r"FOLDER (.*) count=(\d+) unread=(\d+) ", line)
            path = m.group(1)
            cur = None
            if path.startswith("/" + TOP + "/") and path != "/" + TOP + "/Deleted Items":
                cur = folders[path[len(TOP) + 2:]] = {"count": int(m.group(2)),
                                                      "unread": int(m.group(3)), "items": []}
        elif line.startswith("  ITEM ") and cur is not None:
            m = re.match(r'  ITEM class=(\S+) subject=(".*?") read=(\w+) from=(".*?") <(.*?)> '
                         r'delivery=(\S+) submit=(\S+) ', line)
            item = {"subject": json.loads(m.group(2)), "read": m.group(3) == "true",
                    "from": (json.loads(m.group(4)), m.group(5)), "submit": m.group(7),
                    "rcpts": []}
            cur["items"].append(item)
        elif line.startswith("    RCPT ") and cur is not None:
            m = re.match(r'    RCPT type=(\d) name=(".*?") addr=(.*?) addrtype', line)
            item["rcpts"].append((int(m.group(1)), json.loads(m.group(2)), m.group(3)))
    return p.returncode, folders


def show(path):
    p = wltest.run("show", path, "--json")
    return json.loads(p.stdout.decode("utf-8")) if p.returncode in (0, 1) else None


def converted_sources(store_root, report):
    """Absolute paths of the message files written (found minus those not converted)."""
    not_converted = ("empty", "unreadable", "not_a_message", "write_failed")
    lost = {p["path"] for p in report["problems"] if p["kind"] in not_converted}
    res = []
    for dirpath, dirs, files in os.walk(store_root):
        dirs[:] = [d for d in dirs if d.lower() != "backup"]  # never read by the store walk
        for f in files:
            if f.lower().endswith(".eml"):
                rel = os.path.relpath(os.path.join(dirpath, f), store_root)
                if rel not in lost:
                    res.append(os.path.join(dirpath, f))
    return res


def disp(a):
    return a["name"] if a.get("name") else a["address"]


def expected_item(v):
    sender = (v["sender"] or v["from"] or [{"name": None, "address": ""}])[0]
    rc = []
    for typ, key in ((1, "to"), (2, "cc"), (3, "bcc")):
        for a in v[key]:
            if a.get("name") is None and a["address"] == "":
                continue
            rc.append((typ, disp(a), a["address"]))
    date = v["date"][:19] + ".000Z" if v["date"] else None
    return (v["subject"] or "", disp(sender), sender["address"], date, tuple(rc))


def got_item(it):
    return (it["subject"], it["from"][0], it["from"][1], it["submit"], tuple(it["rcpts"]))


def skeleton(text):
    """The header block's lines that are printable ASCII, without white space, first 200
    characters: what survives line-end styles (CR-only files have no header boundary the
    normalizer can see) and 8-bit header lines (decoded by a charset guess in the PST)."""
    lines = [ln for ln in re.split(r"\r\n|\r|\n", text) if not re.search(r"[^\x00-\x7f]", ln)]
    return re.sub(r"[^\x21-\x7e]", "", "".join(lines))[:200]


def bmp_only(b):
    """libpff 20180714 decodes UTF-16 surrogate pairs wrongly (80-pst-readers.t): compare
    characters beyond the BMP as '?'."""
    return re.sub(rb"[\xf0-\xf4][\x80-\xbf]{3}", b"?", b) if b is not None else None


def source_header(raw):
    if raw.startswith(b"From ") and not re.match(rb"From\s*:", raw):  # an mbox From line
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    m = re.search(rb"\r?\n\r?\n|\r\r", raw)
    return raw[: m.end()] if m else raw


def html_parts(msg):
    """text/html leaf parts outside attached messages that are not attachments."""
    out = []
    if msg.is_multipart():
        for p in msg.get_payload():
            if isinstance(p, email.message.Message):
                out += html_parts(p)
    elif msg.get_content_type() == "text/html" and not msg.get_filename() and \
            (msg.get("Content-Disposition") or "").split(";")[0].strip().lower() != "attachment":
        out.append(msg)
    return out


def html_as_text(data, charset):
    codec = {"shift_jis": "cp932", "x-sjis": "cp932", "iso-2022-jp": "iso2022_jp_ext"}.get(
        (charset or "utf-8").lower(), charset or "utf-8")
    try:
        return data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None


def check_bodies(t, tag, msgdirs, sources, views):
    """pffexport's Message.txt, Message.html and Attachments/ against the sources."""
    by_key = collections.defaultdict(list)
    for src in sources:
        with open(src, "rb") as fh:
            raw = fh.read()
        by_key[skeleton(source_header(raw).decode("latin-1"))].append((src, raw))
    unmatched, text_bad, att_bad, html_bad, html_checked = [], [], [], [], 0
    for d in msgdirs:
        try:
            with open(os.path.join(d, "InternetHeaders.txt"), encoding="utf-8", errors="replace") as fh:
                key = skeleton(fh.read())
        except FileNotFoundError:
            key = None
        cands = by_key.get(key)
        if not cands:
            unmatched.append(d)
            continue
        txt_path = os.path.join(d, "Message.txt")
        txt = open(txt_path, "rb").read() if os.path.exists(txt_path) else None
        att_dir = os.path.join(d, "Attachments")
        atts = collections.Counter()
        if os.path.isdir(att_dir):
            for f in os.listdir(att_dir):
                p = os.path.join(att_dir, f)
                if os.path.isfile(p) and not os.path.islink(p):
                    atts[hashlib.sha256(open(p, "rb").read()).hexdigest()] += 1
        html_path = os.path.join(d, "Message.html")
        html = open(html_path, "rb").read() if os.path.exists(html_path) else None
        ok_text = ok_att = ok_html = False
        for src, raw in cands:
            v = views[src]
            want_txt = v["body_text"].encode("utf-8") if v["body_text"] else None
            if want_txt and b"\x00" in want_txt:
                want_txt = want_txt.split(b"\x00")[0]  # pffexport stops at a U+0000 in the text
            if bmp_only(txt) == bmp_only(want_txt) or (txt == b"" and not want_txt):
                ok_text = True
            want_att = collections.Counter(a["sha256"] for a in v["attachments"]
                                           if a.get("content_type") != "message/rfc822")
            if atts == want_att:
                ok_att = True
            parts = html_parts(email.message_from_bytes(raw, policy=email.policy.compat32))
            if len(parts) == 1 and v["body_html"] is not None:
                html_checked += 1
                if (html or b"") == (parts[0].get_payload(decode=True) or b""):
                    ok_html = True
                elif html and html_as_text(html, v["body_html_charset"]) == v["body_html"]:
                    ok_html = True  # Python's parser reads a malformed MIME tree otherwise
            else:
                ok_html = True
        if not ok_text:
            text_bad.append(d)
        if not ok_att:
            att_bad.append(d)
        if not ok_html:
            html_bad.append(d)
    t.eq(unmatched, [], "%s: every message pffexport exports is matched to its source by its headers" % tag)
    t.eq(text_bad, [], "%s: plain bodies byte-identical to the normalizer's" % tag)
    t.eq(att_bad, [], "%s: attachments byte-identical (pffexport Attachments/ vs show SHA-256)" % tag)
    t.eq(html_bad, [], "%s: HTML bodies byte-identical to the source part (%d checked)" % (tag, html_checked))


def tb_unread(store, work, tag):
    """{source folder: unread messages} as the Thunderbird route writes them."""
    out = os.path.join(work, "tb-" + tag)
    p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q")
    with open(os.path.join(out, "report.json"), encoding="utf-8") as fh:
        rep = json.load(fh)
    res = {}
    for f in rep["folders"]:
        path = os.path.join(out, f["outputs"][0])
        n = 0
        if os.path.isfile(path):
            for _env, raw in wltest.mbox_messages(path):
                state, _ = wltest.split_state_headers(raw)
                if state and not int(state["Status"], 16) & 1:
                    n += 1
        res[f["source"]] = n
    return res if p.returncode in (0, 1) else None


def check_store(t, store, work, tag, mods, deep=True):
    out = os.path.join(work, "out-" + tag)
    report = convert(t, store, out, "outlook")
    exp = expected(report)
    pst = os.path.join(out, "outlook", NAME + ".pst")
    t.eq(sorted(exp), [NAME + ".pst"], "%s: one PST named after the container" % tag)
    want = exp[NAME + ".pst"]
    p = subprocess.run([sys.executable, PSTCHECK, pst], capture_output=True)
    last = p.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    t.ok(last[0] == "== errors: 0", "%s: pstcheck errors: 0" % tag, p.stdout.decode()[-2000:])
    written = sum(want.values())
    t.eq(written, report["totals"]["messages_written"], "%s: report folders add up" % tag)
    pstsdk.check(t, pst, tag, want)

    if wltest.have("pffexport"):
        target = pff_export(pst, work, tag)
        msgs = pff_messages(target)
        # pffexport writes '@' in folder names as '_', and libpff 20180714 decodes surrogate
        # pairs wrongly (see 80-pst-readers.t): compare those as it writes them.
        got = {NON_BMP.sub("?", k): len(v) for k, v in msgs.items() if k != "Deleted Items"}
        t.eq(got, {NON_BMP.sub("?", k.replace("@", "_")): v for k, v in want.items()},
             "%s: pffexport finds every folder with its messages" % tag)
        leftovers = [d for d in (target + ".orphans", target + ".recovered")
                     if os.path.isdir(d) and os.listdir(d)]
        t.eq(leftovers, [], "%s: pffexport finds nothing orphaned or recovered" % tag)
    else:
        t.skip("%s: pffexport" % tag, "pff-tools not installed")
        msgs = {}

    if wltest.have("readpst"):
        t.eq(readpst_counts(pst, work, tag), {k: v for k, v in want.items() if v},
             "%s: readpst finds every message in its folder" % tag)
    else:
        t.skip("%s: readpst" % tag, "pst-utils not installed")

    if mods is None:
        t.skip("%s: pst-extractor" % tag, "node/npm or pst-extractor not available")
        return report, out
    rc, folders = walk(pst, mods)
    t.ok(rc == 0, "%s: pst-extractor reads it" % tag)
    t.eq({k: len(v["items"]) for k, v in folders.items()}, want,
         "%s: pst-extractor lists every folder with its messages" % tag)
    t.eq({k: v["count"] for k, v in folders.items()}, want,
         "%s: ContentCount of every folder equals its messages" % tag)
    t.eq({k: v["unread"] for k, v in folders.items()},
         {k: sum(1 for i in v["items"] if not i["read"]) for k, v in folders.items()},
         "%s: ContentUnreadCount agrees with the messages' read flags" % tag)
    tb = tb_unread(store, work, tag)
    by_src = {f["source"]: f["outputs"][0].split("/", 2)[2] for f in report["folders"]
              if len(f["outputs"]) == 1}
    t.eq({by_src[s]: n for s, n in tb.items() if s in by_src},
         {k: v["unread"] for k, v in folders.items()},
         "%s: unread messages per folder equal the Thunderbird route's" % tag)
    t.ok(all(i["subject"] == i["subject"].lstrip("\x01\x02\x03\x04\x05") for v in folders.values()
             for i in v["items"]), "%s: subjects carry no 0x01 prefix characters after reading" % tag)
    if not deep:
        return report, out

    sources = converted_sources(store, report)
    views = {s: show(s) for s in sources}
    want_items = collections.Counter(expected_item(v) for v in views.values() if v)
    got_items = collections.Counter(got_item(i) for v in folders.values() for i in v["items"])
    missing = list((want_items - got_items).elements())[:5]
    extra = list((got_items - want_items).elements())[:5]
    t.ok(not missing and not extra and len(views) == written,
         "%s: subject, sender, sent time and recipients of every message equal the normalizer's" % tag,
         "missing: %r\nextra: %r" % (missing, extra))
    # Every repair the normalizer made reaches the report: show lists them per message.
    repaired = {os.path.relpath(s, store) for s, v in views.items() if v and v.get("repairs")}
    reported = {p["path"] for p in report["problems"]
                if p["kind"] in ("decode_repaired", "decode_lost")}
    t.eq(sorted(repaired - reported)[:5], [],
         "%s: every message decoded with repairs has a decode_* line in the report (%d)"
         % (tag, len(reported)))
    if msgs:
        check_bodies(t, tag, [d for v in msgs.values() for d in v], sources, views)
    return report, out


def make_corpus_store(root):
    n = 0
    for corpus in CORPORA_MAIL:
        base = os.path.join(wltest.CORPORA, corpus)
        for dirpath, dirs, files in os.walk(base):
            for f in files:
                if f.lower().endswith(".eml"):
                    dst = os.path.join(root, os.path.relpath(dirpath, wltest.CORPORA))
                    os.makedirs(dst, exist_ok=True)
                    shutil.copy2(os.path.join(dirpath, f), dst)
                    n += 1
    return n


def check_split(t, store, work, mods):
    """--pst-max-size: parts under the limit that together hold every message once."""
    out = os.path.join(work, "out-split")
    limit = 2 * 1024 * 1024
    report = convert(t, store, out, "outlook", "--pst-max-size", "2M")
    parts = sorted(os.listdir(os.path.join(out, "outlook")))
    t.ok(len(parts) >= 3, "split: several parts (%s)" % ", ".join(parts))
    t.ok(all(os.path.getsize(os.path.join(out, "outlook", p)) <= limit for p in parts),
         "split: every part at most --pst-max-size")
    total, errors, sdk_total, sdk_bad = 0, [], 0, []
    sdk, why = pstsdk.walker()
    for p in parts:
        path = os.path.join(out, "outlook", p)
        c = subprocess.run([sys.executable, PSTCHECK, path], capture_output=True).stdout.decode()
        if not c.strip().endswith("== errors: 0"):
            errors.append(p)
        if mods:
            _, folders = walk(path, mods)
            total += sum(len(v["items"]) for v in folders.values())
        if sdk:
            res = pstsdk.walk(path)
            if not res["summary"] or res["summary"][3] or res["errors"] or res["disagree"] or \
                    any(r != c for r, c in pstsdk.user_folders(res).values()):
                sdk_bad.append((p, (res["errors"] + res["disagree"])[:3]))
            sdk_total += res["summary"][1] if res["summary"] else 0
    t.eq(errors, [], "split: pstcheck errors: 0 in every part")
    if sdk:
        t.eq(sdk_bad, [], "split: pstsdk reads every part with 0 errors and no DISAGREE line, "
                          "rows = PR_CONTENT_COUNT in every folder")
        t.eq(sdk_total, report["totals"]["messages_written"],
             "split: pstsdk finds every message in exactly one part")
    else:
        t.skip("split: pstsdk walks every part", why)
    if mods:
        t.eq(total, report["totals"]["messages_written"], "split: every message in exactly one part")
    outputs = [f["outputs"] for f in report["folders"]]
    t.ok(all(o and all(re.match(r"outlook/Windows Live Mail( \(\d+\))?\.pst/", x) for x in o)
             for o in outputs),
         "split: the report says which part each folder went to")
    splits = [p for p in report["problems"] if p["kind"] == "pst_split"]
    t.ok(all(re.search(r"\d+ messages? dated .* in Windows Live Mail", p["message"]) for p in splits),
         "split: a split folder's report lists which messages went to which part (%d)" % len(splits))
    # A split folder is split by date: each stretch starts no earlier than the one before ends.
    overlaps = []
    for p in splits:
        ranges = re.findall(r"dated (.+?) to (.+?) in ", p["message"])
        stamps = [(email.utils.parsedate_to_datetime(a), email.utils.parsedate_to_datetime(z))
                  for a, z in ranges]
        for (a1, z1), (a2, z2) in zip(stamps, stamps[1:]):
            if a2 < z1:
                overlaps.append((p["path"], str(z1), str(a2)))
    t.ok(splits and not overlaps, "split: every split folder is split by date (%d folders)"
         % len(splits), overlaps)
    p = subprocess.run([wltest.WLMIGRATE, "convert", store, "--for", "outlook", "-o",
                        os.path.join(work, "x"), "--pst-max-size", "12k"], capture_output=True)
    t.eq(p.returncode, 2, "split: a limit under 1M is a usage error")


def main():
    t = wltest.Tap()
    if not os.access(wltest.WLMIGRATE, os.X_OK):
        t.skip_all("wlmigrate not built")
    mods = wltest.pst_extractor_modules()
    with tempfile.TemporaryDirectory() as work:
        for name in ("wlm-store", "windows-mail-store", "eml-tree"):
            check_store(t, os.path.join(wltest.SAMPLES, name), work, name, mods)
        # The corpora's mail (third-party, read in place): without it, one skip line.
        if t.need_corpus("the corpora's .eml files in one store, converted for Outlook and split",
                         *CORPORA_MAIL):
            corpus = os.path.join(work, "corpus-store")
            n = make_corpus_store(corpus)
            t.ok(n > 900, "corpus store holds %d messages" % n)
            check_store(t, corpus, work, "corpora", mods)
            check_split(t, corpus, work, mods)
    t.done()


if __name__ == "__main__":
    main()
