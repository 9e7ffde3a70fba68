#!/usr/bin/env python3
"""`wlmigrate show` over real mail: the normalizer judged by readers that are not ours.

- Every message file of the corpora (sisimai maildir/bsd and dos, stalwart-mail-parser/eml,
  mikel-mail/emails, roundcube *.eml) goes through `show --json`: exit 0, or 3 exactly for the
  files that are not messages (empty, or no header field first; computed here), never a crash or
  a sanitizer report, and the JSON has the documented shape.
- Japanese mail (sisimai bsd files whose bytes name iso-2022-jp, shift_jis or euc-jp, or hold
  ESC $ B; every file of mikel-mail/emails/multi_charset): no U+FFFD in the subject, the From
  names or the text body.
- Attachments: the SHA-256 of every named part Python's email package decodes (embedded
  messages searched too; TNEF and message/* parts left out) is among ours.
- winmail.dat: roundcube's TNEF files, wrapped here in a message, open into their files.
- The text output, usage errors and unreadable files.

The runs go in parallel; the time taken is printed (it is not asserted).
"""
import base64
import concurrent.futures
import email
import email.policy
import glob
import hashlib
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

t = wltest.Tap()
C = wltest.CORPORA
t.skip_all_without_corpus("sisimai-set-of-emails/maildir", "stalwart-mail-parser/eml",
                          "mikel-mail/emails", "roundcube")

FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
JAPANESE = re.compile(rb"(?i)iso-2022-jp|shift_jis|euc-jp|\x1b\$B")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")


def files_below(d):
    out = []
    for dirpath, dirs, names in os.walk(os.path.join(C, d)):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            if not n.startswith(".") and os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


ALL = (files_below("sisimai-set-of-emails/maildir/bsd") + files_below("sisimai-set-of-emails/maildir/dos")
       + files_below("stalwart-mail-parser/eml") + files_below("mikel-mail/emails")
       + sorted(glob.glob(os.path.join(C, "roundcube", "*.eml"))))
JAPANESE_FILES = [f for f in files_below("sisimai-set-of-emails/maildir/bsd")
                  if JAPANESE.search(open(f, "rb").read())]
JAPANESE_FILES += files_below("mikel-mail/emails/multi_charset")


def is_message(data):
    """False for what show must refuse with 3: no bytes, or no header field line first."""
    if not data:
        return False
    if data.startswith(b"From "):
        nl = data.find(b"\n")
        data = data[nl + 1:] if nl >= 0 else b""
    return bool(FIELD_LINE.match(data))


def show(path, *extra):
    p = wltest.run("show", *extra, path)
    doc = None
    if p.returncode == 0 and "--json" in extra:
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
    return p, doc


start = time.time()
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
    results = dict(zip(ALL, pool.map(lambda f: show(f, "--json"), ALL)))
elapsed = time.time() - start
print("# %d files shown in %.1f s" % (len(ALL), elapsed))
t.ok(len(ALL) > 800, "the corpora hold the expected files (%d)" % len(ALL))

# --- every file: exit code, no crash, JSON shape -------------------------------------------------

bad_exit, crashed, bad_json, bad_shape = [], [], [], []


def check_addresses(v):
    return isinstance(v, list) and all(
        isinstance(a, dict) and (a.get("name") is None or isinstance(a["name"], str))
        and isinstance(a.get("address"), str) for a in v)


def check_attachments(v, depth=0):
    if not isinstance(v, list):
        return False
    for a in v:
        if not (isinstance(a, dict) and isinstance(a.get("content_type"), str)
                and isinstance(a.get("size"), int) and re.fullmatch(r"[0-9a-f]{64}", a.get("sha256", ""))
                and "filename" in a and "content_id" in a):
            return False
        if a.get("message") is not None and not check_message(a["message"], depth + 1):
            return False
    return True


def check_message(d, depth=0):
    if not isinstance(d, dict):
        return False
    for k in ("subject", "message_id", "body_text", "body_html"):
        if k not in d or not (d[k] is None or isinstance(d[k], str)):
            return False
    for k in ("from", "to", "cc", "sender", "reply_to", "bcc"):
        if not check_addresses(d.get(k)):
            return False
    if not (d.get("date") is None or ISO_UTC.match(d["date"])):
        return False
    if d.get("date_origin") not in ("Date", "Received", "store", "file time", "none"):
        return False
    if not isinstance(d.get("repairs"), list) or not all(
            isinstance(r.get("kind"), str) and isinstance(r.get("where"), str)
            and isinstance(r.get("count"), int) and r["count"] > 0 for r in d["repairs"]):
        return False
    return check_attachments(d.get("attachments"), depth)


for f, (p, doc) in results.items():
    rel = os.path.relpath(f, C)
    if p.returncode < 0 or SANITIZER.search(p.stderr):
        crashed.append("%s: exit %d %s" % (rel, p.returncode, p.stderr.decode("utf-8", "replace")[-500:]))
        continue
    want = 0 if is_message(open(f, "rb").read()) else 3
    if p.returncode != want:
        bad_exit.append("%s: exit %d, want %d: %s" % (rel, p.returncode, want,
                                                      p.stderr.decode("utf-8", "replace").strip()))
    if p.returncode == 0:
        if doc is None:
            bad_json.append(rel)
        elif not check_message(doc):
            bad_shape.append(rel)
t.ok(not crashed, "no crash and no sanitizer report", "\n".join(crashed))
t.ok(not bad_exit, "exit 0 for messages, 3 for the rest", "\n".join(bad_exit))
t.ok(not bad_json, "stdout is valid JSON", "\n".join(bad_json))
t.ok(not bad_shape, "the JSON has the documented shape", "\n".join(bad_shape))
refused = sum(1 for p, _ in results.values() if p.returncode == 3)
t.ok(refused < 20, "few files refused (%d)" % refused)

# --- Japanese: nothing replaced --------------------------------------------------------------------

t.ok(len(JAPANESE_FILES) >= 100, "Japanese messages found (%d)" % len(JAPANESE_FILES))
replaced = []
for f in JAPANESE_FILES:
    p, doc = results.get(f) or show(f, "--json")
    if not doc:
        replaced.append("%s: no JSON (exit %d)" % (f, p.returncode))
        continue
    fields = [("subject", doc["subject"] or "")]
    fields += [("from name", a["name"] or "") for a in doc["from"]]
    fields.append(("body_text", doc["body_text"] or ""))
    for what, v in fields:
        if "\ufffd" in v:
            i = v.index("\ufffd")
            replaced.append("%s %s: %r" % (os.path.relpath(f, C), what, v[max(0, i - 20):i + 20]))
t.ok(not replaced, "no U+FFFD in Japanese subjects, From names and text bodies", "\n".join(replaced))

# known texts, checked against what the corpora's own tests expect
KNOWN = [
    ("sisimai-set-of-emails/maildir/bsd/lhost-kddi-01.eml", "subject", "メールエラー通知"),
    ("mikel-mail/emails/multi_charset/japanese_iso_2022.eml", "subject", "まみむめも"),
    ("mikel-mail/emails/multi_charset/japanese_shift_jis.eml", "body_text",
     "あいうえお\r\n\r\nこのメールはテスト用のメールです。"),
    ("mikel-mail/emails/multi_charset/ks_c_5601-1987.eml", "body_text", "스티해"),
]
for rel, key, want in KNOWN:
    p, doc = results.get(os.path.join(C, rel)) or (None, None)
    got = (doc or {}).get(key) or ""
    t.ok(got.startswith(want), "%s: %s" % (rel, key), "got:  %r\nwant: %r..." % (got[:80], want))
p, doc = results[os.path.join(C, "mikel-mail/emails/multi_charset/japanese_attachment_long_name.eml")]
t.eq([a["filename"] for a in (doc or {}).get("attachments", [])], ["かきくけこ" * 5 + ".txt"],
     "RFC 2231 name in continuations")

# --- attachments against Python's email package ----------------------------------------------------


def our_sums(doc):
    out = []
    for a in doc["attachments"]:
        out.append(a["sha256"])
        if a.get("message"):
            out += our_sums(a["message"])
    return out


compared, missing = 0, []
for f, (p, doc) in results.items():
    if not doc:
        continue
    msg = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.compat32)
    theirs = []
    for part in msg.walk():
        ct = part.get_content_type()
        if part.is_multipart() or not part.get_filename() or "tnef" in ct or ct.startswith("message/"):
            continue
        payload = part.get_payload(decode=True)
        if payload is not None:
            theirs.append((part.get_filename(), hashlib.sha256(payload).hexdigest()))
    if not theirs:
        continue
    compared += 1
    ours = our_sums(doc)
    for name, s in theirs:
        if s not in ours:
            missing.append("%s: %s" % (os.path.relpath(f, C), name))
t.ok(compared >= 50, "messages with named attachments compared with Python's email (%d)" % compared)
t.ok(not missing, "every attachment Python decodes has the same SHA-256 here", "\n".join(missing))

# --- winmail.dat -------------------------------------------------------------------------------

with tempfile.TemporaryDirectory() as tmp:

    def wrap(tnef_name):
        data = open(os.path.join(C, "roundcube", tnef_name), "rb").read()
        msg = (b"From: a@example.com\r\nSubject: tnef\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
               b"Content-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\n"
               b"Content-Type: application/ms-tnef; name=winmail.dat\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n"
               + base64.encodebytes(data).replace(b"\n", b"\r\n") + b"--XX--\r\n")
        path = os.path.join(tmp, tnef_name + ".eml")
        with open(path, "wb") as fh:
            fh.write(msg)
        return show(path, "--json")

    p, doc = wrap("one-file.tnef")
    atts = (doc or {}).get("attachments", [])
    # AUTHORS as ytnef's own test-data/results/AUTHORS has it
    t.eq([(a["filename"], a["size"], a["sha256"], a["origin"]) for a in atts],
         [("AUTHORS", 244, "36c47da7d11846caf0474a4b3df83bb4eba9ea01d2bca500c288fa108e123d28", "tnef")],
         "winmail.dat with one file opened")
    p, doc = wrap("winmail-10193.tnef")
    atts = (doc or {}).get("attachments", [])
    t.eq([(a["filename"], a["content_type"], bool(a["content_id"])) for a in atts],
         [("image.png", "image/png", True)] * 3, "winmail.dat with three images and content ids")
    t.ok(all(a["size"] > 30000 for a in atts), "  their bytes")

    # --- text output and errors ----------------------------------------------------------------
    kddi = os.path.join(C, "sisimai-set-of-emails/maildir/bsd/lhost-kddi-01.eml")
    p = wltest.run("show", kddi)
    out = p.stdout.decode("utf-8", "replace")
    t.ok(p.returncode == 0 and "Subject:" in out and "メールエラー通知" in out,
         "text output shows the decoded subject", out[:400])
    t.ok("Attachments (1)" in out and "message/rfc822" in out, "  and the attachment", out)
    p = wltest.run("show")
    t.eq(p.returncode, 2, "show without a file: usage error")
    p = wltest.run("show", os.path.join(tmp, "missing.eml"))
    t.eq(p.returncode, 3, "a missing file: 3")
    t.ok(b"missing.eml" in p.stderr, "  named on stderr", p.stderr)
    empty = os.path.join(tmp, "empty.eml")
    open(empty, "wb").close()
    t.eq(wltest.run("show", "--json", empty).returncode, 3, "an empty file: 3")
    t.eq(wltest.run("show", tmp).returncode, 3, "a directory: 3")

t.done()
