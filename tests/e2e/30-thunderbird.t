#!/usr/bin/env python3
"""The real Thunderbird judges the conversion of samples/wlm-store.

samples/wlm-store, copied WITHOUT its database (the root's Mail.MSMessageStore left out, nothing
else changed: 35-database.t tests the store with its database), is converted twice (default, and
--unknown-state unread); each result is opened by a headless Thunderbird through
tests/tools/tb_oracle.py (two Thunderbird runs in all).
Checked against expectations computed here from the source files:
  - tb_oracle exits 0 with --expect-all and crossCheck.allMessagesSeen;
  - every folder of our output is in Thunderbird's folder list, with as many messages as our mbox
    file has `From ` lines, and as many as the source folder has convertible .eml files;
  - per message (file-name order = mbox order = Thunderbird's storeToken order): the Message-ID,
    the subject and the date Thunderbird shows equal what Python decodes from the source .eml.
    Subjects: email.policy.default where it decodes cleanly; where it cannot (ISO-2022-JP with NEC
    row 13 and IBM extension characters such as ①㈱髙, CP932 sent as "Shift_JIS", raw 8-bit
    Shift_JIS, encoded words split inside a character) a CP932-aware RFC 2047 decoder written
    here (adjacent words of one charset joined as bytes before decoding, as RFC 2047 readers do);
  - state: everything read, nothing flagged/replied/forwarded (the .eml files record no state,
    unknown state becomes read); with --unknown-state unread, everything unread. The report says
    so once: `database` "missing", one `state_unknown` problem with lost=false.
"""
import base64
import datetime
import email
import email.policy
import email.utils
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

SAMPLE = os.path.join(wltest.SAMPLES, "wlm-store")
ORACLE = os.path.join(wltest.TOOLS, "tb_oracle.py")
MESSAGE_FILE = re.compile(r"(?i)\.(eml|nws)$")
FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
BLANK_LINE = re.compile(rb"(?:^|\n)\r?\n")
ENCODED_WORD = re.compile(r"=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=")
RE_PREFIX = re.compile(r"(?i)^re:\s*")
WINDOWS_EXTENSION = set("①②③④⑤⑥⑦⑧⑨⑩ⅠⅡⅢⅰⅱⅲ㈱㈲№髙﨑")


# ---------------------------------------------------------------------------------------------
# A decoder for Japanese Windows mail, independent of wlmigrate and of Thunderbird.
# ---------------------------------------------------------------------------------------------

def jis_to_cp932(data):
    """ISO-2022-JP as Windows writes it (CP50220/CP50221: JIS X 0208 plus NEC row 13 and the
    NEC-selected IBM extensions in rows 89-92, half-width katakana after ESC ( I) -> text, by
    mapping every JIS pair to its Shift_JIS code and decoding that as CP932."""
    out, mode, i = bytearray(), "ascii", 0
    escapes = {b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b$B": "jis", b"\x1b$@": "jis",
               b"\x1b(I": "kana"}
    while i < len(data):
        b = data[i]
        if b == 0x1B:
            mode = escapes[bytes(data[i:i + 3])]            # KeyError: unknown escape
            i += 3
        elif mode == "ascii" or b in (0x0A, 0x0D):
            out.append(b)
            i += 1
        elif mode == "kana":
            out.append(b | 0x80)
            i += 1
        else:
            j1, j2 = b, data[i + 1]
            s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
            if j1 & 1:
                s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
            else:
                s2 = j2 + 0x7E
            out += bytes((s1, s2))
            i += 2
    return bytes(out).decode("cp932")


def decode_bytes(data, charset):
    cs = (charset or "us-ascii").lower().strip('"')
    if cs in ("iso-2022-jp", "csiso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221"):
        return jis_to_cp932(data)
    if cs in ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j", "cp932"):
        return data.decode("cp932")
    return data.decode(cs)


def decode_rfc2047(value):
    out, pending, pending_cs, last = [], b"", None, 0
    for m in ENCODED_WORD.finditer(value):
        gap = value[last:m.start()]
        charset, kind, payload = m.group(1).lower(), m.group(2).upper(), m.group(3)
        if kind == "B":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = re.sub(rb"=([0-9A-Fa-f]{2})", lambda x: bytes.fromhex(x.group(1).decode()),
                          payload.replace("_", " ").encode("ascii"))
        if pending_cs == charset and not gap.strip():
            pending += data
        else:
            if pending_cs:
                out.append(decode_bytes(pending, pending_cs))
            out.append(gap)
            pending, pending_cs = data, charset
        last = m.end()
    if pending_cs:
        out.append(decode_bytes(pending, pending_cs))
    out.append(value[last:])
    return "".join(out)


def own_subject(data, header_end):
    """Subject decoded without Python's email header machinery: unfolded raw bytes; 8-bit bytes
    in the charset of the message's Content-Type (what Japanese readers assume); RFC 2047."""
    head = re.sub(rb"\r?\n(?=[ \t])", b"", data[:header_end])
    m = re.search(rb"(?im)^subject[ \t]*:[ \t]*([^\r\n]*)", head)
    if not m:
        return ""
    raw = m.group(1).rstrip()
    if not raw.isascii():
        ct = re.search(rb'(?im)^content-type[ \t]*:.*?charset="?([A-Za-z0-9_.:-]+)', head)
        return decode_bytes(raw, ct.group(1).decode() if ct else "utf-8")
    return decode_rfc2047(raw.decode("ascii"))


def python_subject(data):
    """Python's email.policy.default, or None when it cannot decode the subject cleanly."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        s = str(msg["Subject"] or "")
    except Exception:                                   # noqa: BLE001  (any parser failure)
        return None
    if "\ufffd" in s or "=?" in s or re.search(r"[\udc80-\udcff]", s):
        return None
    return s


class Source:
    def __init__(self, folder, path):
        self.folder = folder
        self.name = os.path.basename(path)
        with open(path, "rb") as fh:
            self.data = fh.read()
        first = self.data.split(b"\n", 1)[0]
        self.converted = bool(self.data) and bool(FIELD_LINE.match(first))
        if not self.converted:
            return
        m = BLANK_LINE.search(self.data)
        self.header_end = m.end() if m else len(self.data)
        head = email.message_from_bytes(self.data[:self.header_end],
                                        policy=email.policy.compat32)
        self.message_id = (head["Message-ID"] or "").strip().strip("<>")
        self.py_subject = python_subject(self.data)
        self.own_subject = own_subject(self.data, self.header_end)
        self.subject = self.py_subject if self.py_subject is not None else self.own_subject
        when = None
        if head["Date"]:
            when = email.utils.parsedate_to_datetime(head["Date"])
        else:
            for value in head.get_all("Received") or []:
                when = email.utils.parsedate_to_datetime(value.rsplit(";", 1)[1].strip())
        self.when = when


def walk(root):
    folders = {}
    for dirpath, dirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        if rel == "":
            dirs[:] = [d for d in dirs if d.lower() != "backup"]
        folders[rel] = [Source(rel, os.path.join(dirpath, f))
                        for f in sorted(files) if MESSAGE_FILE.search(f)]
    return folders


def copy_without_database(dst):
    """samples/wlm-store without the database in its root (mtimes kept; Backup/ kept as it is)."""
    def ignore(directory, names):
        if os.path.realpath(directory) != os.path.realpath(SAMPLE):
            return []
        return [n for n in names if n.lower() == "mail.msmessagestore"]
    shutil.copytree(SAMPLE, dst, symlinks=True, ignore=ignore)
    return dst


def run_oracle(tree, result):
    p = subprocess.run([sys.executable, ORACLE, tree, result, "--expect-all"],
                       capture_output=True, timeout=900)
    return p, (wltest.load_json(result) if os.path.isfile(result) else None)


def main():
    t = wltest.Tap()
    if not shutil.which("thunderbird"):
        t.skip_all("thunderbird is not installed (apt-get install thunderbird)")
    folders = walk(SAMPLE)
    sources = [s for msgs in folders.values() for s in msgs if s.converted]

    # The decoder written here must agree with Python wherever Python decodes cleanly.
    disagree = [(s.name, s.py_subject, s.own_subject) for s in sources
                if s.py_subject is not None and s.py_subject != s.own_subject]
    t.ok(not disagree, "the CP932-aware subject decoder agrees with email.policy.default on the "
         "%d subjects Python decodes cleanly" % len([s for s in sources if s.py_subject]),
         disagree)
    fallback = [s for s in sources if s.py_subject is None]
    print("# subjects Python's email package cannot decode (Windows extension characters, raw "
          "8-bit, split words): %d of %d: %s" % (len(fallback), len(sources),
                                                ", ".join(s.name for s in fallback)))

    with tempfile.TemporaryDirectory(prefix="wlm-e2e-30-") as tmp:
        # The store without its database: state unknown, every message read (or unread).
        store = copy_without_database(os.path.join(tmp, "src", "wlm-store"))
        want_tree = wltest.sha256_tree(SAMPLE)
        had_db = want_tree.pop("Mail.MSMessageStore", None) is not None
        t.ok(had_db and wltest.sha256_tree(store) == want_tree,
             "the copy is samples/wlm-store minus its Mail.MSMessageStore, nothing else changed")
        for state, want_read in (("read", True), ("unread", False)):
            out = os.path.join(tmp, "out-" + state)
            args = ["convert", store, "--for", "thunderbird", "-o", out, "--quiet"]
            if state == "unread":
                args += ["--unknown-state", "unread"]
            p = wltest.run(*args)
            label = "--unknown-state %s" % state if state == "unread" else "default state"
            report_path = os.path.join(out, "report.json")
            if not t.ok(p.returncode in (0, 1) and os.path.isfile(report_path),
                        "%s: conversion finished with a report" % label,
                        p.stderr.decode("utf-8", "replace")):
                continue
            report = wltest.load_json(report_path)
            unknown = [x for x in report["problems"] if x["kind"] == "state_unknown"]
            t.eq((report.get("database"), [x["lost"] for x in unknown]), ("missing", [False]),
                 "%s: database \"missing\", one state_unknown problem with lost=false" % label)
            proc, tb = run_oracle(os.path.join(out, "thunderbird"),
                                  os.path.join(tmp, "tb-%s.json" % state))
            t.eq(proc.returncode, 0, "%s: tb_oracle.py --expect-all exits 0" % label)
            if not t.ok(tb is not None, "%s: Thunderbird produced a result" % label,
                        proc.stderr.decode("utf-8", "replace")[-3000:]):
                continue
            print("# " + proc.stdout.decode("utf-8", "replace").strip().replace("\n", "\n# "))
            t.ok(tb["crossCheck"]["allMessagesSeen"] is True,
                 "%s: crossCheck.allMessagesSeen" % label, tb["crossCheck"])
            tb_by_file = {f.get("sourceFile"): f for f in tb["folders"] if f.get("sourceFile")}

            missing, counts = [], []
            for f in report["folders"]:
                rel = f["outputs"][0][len("thunderbird/"):]
                with open(os.path.join(out, f["outputs"][0]), "rb") as fh:
                    from_lines = len(re.findall(rb"(?m)^From ", fh.read()))
                want = len([s for s in folders.get(f["source"], []) if s.converted])
                got = tb_by_file.get(rel)
                if got is None:
                    missing.append(rel)
                elif not (got["messageCount"] == from_lines == want):
                    counts.append("%s: Thunderbird %d, From lines %d, source %d"
                                  % (rel, got["messageCount"], from_lines, want))
            t.ok(not missing, "%s: all %d folders of our output are in Thunderbird's folder list"
                 % (label, len(report["folders"])), missing)
            t.ok(not counts, "%s: Thunderbird's message count per folder = our `From ` lines = "
                 "the source's convertible .eml files" % label, "\n".join(counts))

            shown, states = [], []
            for f in report["folders"]:
                got = tb_by_file.get(f["outputs"][0][len("thunderbird/"):])
                if got is None:
                    continue
                msgs = sorted(got.get("messages", []), key=lambda m: int(m["storeToken"]))
                srcs = [s for s in folders.get(f["source"], []) if s.converted]
                for s, m in zip(srcs, msgs):
                    shown.append((f["source"], s, m))
                    states.append((m["read"], m["flagged"], m["replied"], m["forwarded"]))
            t.eq(len(shown), len(sources), "%s: Thunderbird lists every message" % label)
            want_states = [(want_read, False, False, False)]
            t.ok(sorted(set(states)) == want_states,
                 "%s: every message is %s, none flagged, replied or forwarded"
                 % (label, "read" if want_read else "unread"),
                 "got:  %r\nwant: %r" % (sorted(set(states)), want_states))
            got_totals = (tb["totals"]["unread"], tb["totals"]["flagged"],
                          tb["totals"]["replied"], tb["totals"]["forwarded"])
            want_totals = (0 if want_read else len(sources), 0, 0, 0)
            t.ok(got_totals == want_totals,
                 "%s: Thunderbird's totals (unread, flagged, replied, forwarded)" % label,
                 "got:  %r\nwant: %r" % (got_totals, want_totals))
            if state != "read":
                continue

            # Per message: identity, subject and date as Thunderbird shows them.
            for folder, s, m in shown:
                what = "%s/%s" % (folder, s.name)
                has_re = bool(RE_PREFIX.match(s.subject))
                want_subject = RE_PREFIX.sub("", s.subject, count=1) if has_re else s.subject
                tb_has_re = "HasRe" in m.get("flagNames", [])
                tb_date = m["dateISO"][:19]
                want_date = (s.when.astimezone(datetime.timezone.utc)
                             .strftime("%Y-%m-%dT%H:%M:%S") if s.when else None)
                t.ok(m["messageId"] == s.message_id and m["subject"] == want_subject
                     and tb_has_re == has_re and tb_date == want_date,
                     "Thunderbird shows %s as %r (%s)" % (what, m["displaySubject"],
                                                           "email.policy.default"
                                                           if s.py_subject is not None
                                                           else "decoded here, CP932-aware"),
                     "message-id  TB %r / source %r\nsubject     TB %r (HasRe %s)\n"
                     "want        %r (Re: %s)\ndate        TB %r / source %r"
                     % (m["messageId"], s.message_id, m["subject"], tb_has_re, want_subject,
                        has_re, tb_date, want_date))
            ext = [(s, m) for _, s, m in shown if WINDOWS_EXTENSION & set(s.subject)]
            t.ok(ext and all(RE_PREFIX.sub("", s.subject, count=1) == m["subject"]
                             for s, m in ext),
                 "Thunderbird shows the Windows extension characters (①㈱髙Ⅱ№...) in the %d "
                 "subjects that have them" % len(ext))
    t.done()


if __name__ == "__main__":
    main()
