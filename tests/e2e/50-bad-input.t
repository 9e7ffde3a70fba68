#!/usr/bin/env python3
"""Bad input: each case in its own temporary .eml store.

For every case converting must not crash or hang, must end with exit 0 (nothing lost) or 1
(something in the report as not converted), report.json must be valid JSON (strict UTF-8), every
bad item must be in problems[] with the right kind and a path naming it, and everything else
must still be converted.
"""
import codecs
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

t = wltest.Tap()
# One U+FFFD per invalid byte (Python's "replace" gives one per maximal invalid subpart).
codecs.register_error("perbyte", lambda e: ("\ufffd" * (e.end - e.start), e.end))


def msg(subject, date=True, body=b"body\n"):
    if isinstance(subject, str):
        subject = subject.encode("utf-8")
    return (b"From: Sender <sender@example.org>\nTo: to@example.org\n" +
            (b"Date: Mon, 01 Jan 2001 10:00:00 +0000\n" if date else b"") +
            b"Subject: " + subject + b"\n\n" + body)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def convert(store, out, *extra):
    """Runs convert; returns (process or None on a hang, report dict or None)."""
    try:
        p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q", *extra,
                       timeout=120)
    except subprocess.TimeoutExpired:
        t.ok(False, "convert finishes (no hang)")
        return None, None
    t.ok(p.returncode in (0, 1), "convert ends normally (exit %d)" % p.returncode,
         p.stderr.decode("utf-8", "replace"))
    path = os.path.join(out, "report.json")
    report = None
    try:
        with open(path, "rb") as fh:
            report = json.loads(fh.read().decode("utf-8", "strict"))
    except (OSError, ValueError) as e:
        t.ok(False, "report.json is valid UTF-8 JSON", e)
        return p, None
    t.ok(True, "report.json is valid UTF-8 JSON")
    return p, report


def names(report_path, real):
    """True when a report path names the file `real` (store-relative, bytes): exactly, or with
    its invalid UTF-8 bytes shown as U+FFFD, as \\xNN escapes, or decoded as CP932."""
    if isinstance(real, str):
        real = os.fsencode(real)
    forms = {real.decode("utf-8", "replace"), real.decode("utf-8", "perbyte"),
             real.decode("utf-8", "backslashreplace")}
    try:
        forms.add(real.decode("cp932"))
    except UnicodeDecodeError:
        pass
    return report_path in forms


def problem(report, kind, real):
    return [p for p in report["problems"] if p["kind"] == kind and names(p["path"], real)]


def expect_problem(report, kind, real, what):
    return t.ok(problem(report, kind, real), "%s: problem %s naming %r" % (what, kind, real),
                json.dumps(report["problems"], ensure_ascii=False, indent=1))


def folder_row(report, real_source):
    rows = [f for f in report["folders"] if names(f["source"], real_source)]
    return rows[0] if len(rows) == 1 else None


def subjects(mbox):
    out = []
    for _, raw in wltest.mbox_messages(mbox):
        m = re.search(rb"^Subject: ([^\r\n]*)", raw, re.M)
        out.append(m.group(1) if m else None)
    return out


# ---- unreadable message files: a FIFO and a socket named *.eml ----------------------------
# (Tests run as root: chmod 000 would not stop a read. A directory named y.eml is no message
# file but a folder, and is checked as one.)

def case_unreadable(tmp):
    store = os.path.join(tmp, "store")
    write(os.path.join(store, "Inbox", "a-good.eml"), msg("good"))
    os.mkfifo(os.path.join(store, "Inbox", "x.eml"))
    # A directory named like a message is a folder: what it holds is converted, nothing lost.
    write(os.path.join(store, "Inbox", "y.eml", "inner.eml"), msg("inside y.eml"))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(os.path.join(store, "Inbox", "s.eml"))
    try:
        p, r = convert(store, os.path.join(tmp, "out"))
    finally:
        sock.close()
    if not r:
        return
    t.eq(p.returncode, 1, "unreadable: exit 1 (messages not converted)")
    expect_problem(r, "unreadable", "Inbox/x.eml", "FIFO")
    expect_problem(r, "unreadable", "Inbox/s.eml", "socket")
    t.ok(all(pr["lost"] for pr in r["problems"] if pr["kind"] == "unreadable"),
         "unreadable: problems marked lost")
    tot = r["totals"]
    t.eq((tot["messages_found"], tot["messages_written"], tot["messages_not_converted"]),
         (4, 2, 2), "unreadable: found 4, written 2, not converted 2")
    t.eq(sorted(pr["path"] for pr in r["problems"]), ["Inbox/s.eml", "Inbox/x.eml"],
         "unreadable: no other problem (the directory y.eml is a folder)")
    row = folder_row(r, "Inbox")
    t.ok(row and subjects(os.path.join(tmp, "out", row["outputs"][0])) == [b"good"],
         "unreadable: the readable message is converted")
    row = folder_row(r, "Inbox/y.eml")
    t.ok(row and subjects(os.path.join(tmp, "out", row["outputs"][0])) == [b"inside y.eml"],
         "unreadable: the directory y.eml is a folder with its message")


# ---- names that are not UTF-8 ----------------------------------------------------------------

def case_bad_utf8(tmp):
    store = os.path.join(tmp, "store").encode()
    bad_dir = b"\x8e\xf3\x90M"          # CP932 bytes
    bad_file = b"\xffbad.eml"            # a byte that is never UTF-8
    write(store + b"/Inbox/ok.eml", msg("plain"))
    write(store + b"/" + bad_dir + b"/ok.eml", msg("in-cp932-folder"))
    write(store + b"/" + bad_dir + b"/" + bad_file, msg("ff-file", date=False))
    write(store + b"/Inbox/" + bad_file, msg("ff-in-inbox"))
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 0, "bad UTF-8: exit 0 (nothing lost)")
    t.eq((r["totals"]["messages_found"], r["totals"]["messages_written"]), (4, 4),
         "bad UTF-8: all 4 messages written")
    expect_problem(r, "bad_name", bad_dir, "CP932 folder name")
    expect_problem(r, "bad_name", bad_dir + b"/" + bad_file, "0xff file name in that folder")
    expect_problem(r, "bad_name", b"Inbox/" + bad_file, "0xff file name")
    expect_problem(r, "repaired_date", bad_dir + b"/" + bad_file,
                   "repair of a message with a bad file name")
    row = folder_row(r, bad_dir)
    t.ok(row is not None, "bad UTF-8: the folder has a folders[] row")
    if row:
        mbox = os.path.join(out, row["outputs"][0])
        tb_name = row["outputs"][0].rsplit("/", 1)[1]
        t.ok(os.path.isfile(mbox), "bad UTF-8: folders[].output exists: %s" % row["outputs"][0])
        t.ok("\ufffd" not in tb_name and tb_name.strip("_"),
             "bad UTF-8: Thunderbird folder name is valid UTF-8 and readable: %r" % tb_name)
        t.ok(sorted(subjects(mbox)) == [b"ff-file", b"in-cp932-folder"],
             "bad UTF-8: both messages of the folder are in its mbox")
    # Every name in the Thunderbird tree is valid UTF-8.
    bad_names = []
    for dirpath, dirs, files in os.walk(os.path.join(out, "thunderbird").encode()):
        for n in dirs + files:
            try:
                n.decode("utf-8", "strict")
            except UnicodeDecodeError:
                bad_names.append(os.path.join(dirpath, n))
    t.ok(not bad_names, "bad UTF-8: every name in OUT/thunderbird is UTF-8", bad_names)
    row = folder_row(r, "Inbox")
    t.ok(row and sorted(subjects(os.path.join(out, row["outputs"][0]))) == [b"ff-in-inbox", b"plain"],
         "bad UTF-8: the message with a 0xff file name is converted")


# ---- symbolic links ----------------------------------------------------------------------------

def case_links(tmp):
    store = os.path.join(tmp, "store")
    outside = os.path.join(tmp, "outside")
    write(os.path.join(outside, "secret.eml"), msg("OUTSIDE-SECRET-1"))
    write(os.path.join(outside, "dir", "secret2.eml"), msg("OUTSIDE-SECRET-2"))
    write(os.path.join(store, "Inbox", "ok.eml"), msg("inside"))
    links = {
        "Inbox/link.eml": os.path.join(outside, "secret.eml"),
        "Inbox/loop": ".",
        "Inbox/outdir": os.path.join(outside, "dir"),
        "Inbox/dangling.eml": os.path.join(tmp, "nonexistent.eml"),
        "rel.eml": "../outside/secret.eml",
    }
    for rel, target in links.items():
        os.symlink(target, os.path.join(store, rel))
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 0, "links: exit 0")
    for rel in links:
        expect_problem(r, "link_skipped", rel, "symbolic link")
    t.eq((r["totals"]["messages_found"], r["totals"]["messages_written"]), (1, 1),
         "links: only the real message found and written")
    t.eq(wltest.grep_tree(out, b"OUTSIDE-SECRET"), [], "links: nothing from outside the store imported")
    t.ok(not any("loop" in f["source"] for f in r["folders"]), "links: the loop is not a folder")
    row = folder_row(r, "Inbox")
    t.ok(row and subjects(os.path.join(out, row["outputs"][0])) == [b"inside"],
         "links: the real message is converted")
    try:
        s = wltest.run("scan", store, "--json", timeout=60)
        t.ok(s.returncode == 0 and json.loads(s.stdout.decode("utf-8")) is not None,
             "links: scan terminates with valid JSON")
    except (subprocess.TimeoutExpired, ValueError) as e:
        t.ok(False, "links: scan terminates with valid JSON", e)


# ---- NUL bytes ------------------------------------------------------------------------------

def case_nul(tmp):
    store = os.path.join(tmp, "store")
    data = (b"From: a@example.org\nDate: Tue, 02 Jan 2001 10:00:00 +0000\nSubject: nul\x00inside\n"
            b"\nbefore\x00after\n\x00\x00\x00\nFrom \x00x\n\x00From y\nend\n")
    write(os.path.join(store, "Inbox", "nul.eml"), data)
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 0, "NUL: exit 0")
    row = folder_row(r, "Inbox")
    got = wltest.mbox_messages(os.path.join(out, row["outputs"][0])) if row else []
    t.eq(len(got), 1, "NUL: one message in the mbox")
    if got:
        state, rest = wltest.split_state_headers(got[0][1])
        t.ok(state is not None and rest == data, "NUL: message written byte-identical",
             "got %r" % rest[:300])
    t.eq(r["problems"], [], "NUL: no problems reported")


# ---- one 100 MB message -----------------------------------------------------------------------

BIG_CHUNK = 256 * 1024   # wlmigrate's copy buffer: put `From ` lines across its boundaries
HEAD_READ = 65536


def big_block(header_len):
    """1 MiB of body with `From ` lines (escaped and not) across wlmigrate's read boundaries."""
    block = bytearray()
    line = b"x" * 998 + b"\n"
    specials = [b"From someone else\n", b">From quoted\n", b">>>From deep\n", b"From\n",
                b"Fromage\n", b" From x\n"]
    i = 0
    while len(block) < (1 << 20):
        block += specials[i % len(specials)] if i % 7 == 0 else line
        i += 1
    block = block[: 1 << 20]
    block[-1:] = b"\n"
    # Boundaries of the reads, relative to the body (the head read is HEAD_READ bytes).
    first = (HEAD_READ - header_len) % BIG_CHUNK
    for k in range(4):
        b = first + k * BIG_CHUNK
        if 1 <= b - 3 and b + 20 < len(block):
            piece = b"\n>From straddle\n" if k % 2 else b"\nFrom straddle\n"
            at = b - 3 if k % 2 else b - 2   # "\n>F" | "rom" ...  /  "\nF" | "rom" ...
            block[at:at + len(piece)] = piece
    return bytes(block)


def case_big(tmp):
    store = os.path.join(tmp, "store")
    os.makedirs(os.path.join(store, "Big"))
    src = os.path.join(store, "Big", "big.eml")
    header = (b"From: big@example.org\nDate: Wed, 03 Jan 2001 10:00:00 +0000\n"
              b"Subject: one hundred megabytes\nContent-Type: text/plain\n\n")
    block = big_block(len(header))
    h = hashlib.sha256()
    size = 0
    with open(src, "wb") as fh:
        for part in [header] + [block] * 100:
            fh.write(part)
            h.update(part)
            size += len(part)
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    os.unlink(src)  # free the disk early
    if not r:
        return
    t.eq(p.returncode, 0, "100 MB: exit 0")
    t.eq((r["totals"]["messages_written"], r["totals"]["bytes_written"]), (1, size),
         "100 MB: written, bytes counted")
    row = folder_row(r, "Big")
    if not t.ok(row, "100 MB: folders[] row"):
        return
    # Stream the mbox: envelope, three state lines, the message mboxrd-unescaped, one blank line.
    g = hashlib.sha256()
    n = 0
    unescaped_from = 0
    with open(os.path.join(out, row["outputs"][0]), "rb") as fh:
        envelope = fh.readline()
        state = [fh.readline() for _ in range(3)]
        held = None
        for ln in fh:
            if held is not None:
                g.update(held)
                n += len(held)
            if ln.startswith(b"From "):
                unescaped_from += 1
            if re.match(rb">+From ", ln):
                ln = ln[1:]
            held = ln
    t.ok(envelope.startswith(b"From big@example.org "), "100 MB: envelope line", envelope)
    t.ok([s.split(b":")[0] for s in state] ==
         [b"X-Mozilla-Status", b"X-Mozilla-Status2", b"X-Mozilla-Keys"], "100 MB: state lines")
    t.eq(held, b"\n", "100 MB: one blank line after the message")
    t.eq(unescaped_from, 0, "100 MB: every From line inside the message is escaped")
    t.eq((n, g.hexdigest()), (size, h.hexdigest()), "100 MB: message byte-identical (sha256)")


# ---- 40 nested folders --------------------------------------------------------------------

def case_nested(tmp):
    store = os.path.join(tmp, "store")
    d = store
    for i in range(1, 41):
        d = os.path.join(d, "L%02d" % i)
        write(os.path.join(d, "m.eml"), msg("level %d" % i))
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 0, "nested: exit 0")
    t.eq((r["totals"]["messages_found"], r["totals"]["messages_written"]), (40, 40),
         "nested: all 40 messages written")
    t.eq(r["problems"], [], "nested: no problems")
    base = os.path.join(out, "thunderbird", "Windows Live Mail.sbd", "store.sbd")
    bad = []
    path = base
    for i in range(1, 41):
        mbox = os.path.join(path, "L%02d" % i)
        if not os.path.isfile(mbox) or subjects(mbox) != [b"level %d" % i]:
            bad.append(mbox)
        path = mbox + ".sbd"
    t.ok(not bad, "nested: 40 nested .sbd levels below the store folder, each mbox with its "
         "message", bad)
    deepest = folder_row(r, "/".join("L%02d" % i for i in range(1, 41)))
    t.ok(deepest and os.path.isfile(os.path.join(out, deepest["outputs"][0]))
         and deepest["outputs"][0].count(".sbd/") == 41, "nested: deepest folders[].output",
         deepest)


# ---- non-mail files -----------------------------------------------------------------------

def case_non_mail(tmp):
    store = os.path.join(tmp, "store")
    binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    write(os.path.join(store, "Inbox", "a.eml"), msg("real"))
    write(os.path.join(store, "Inbox", "z.eml"), binary)
    write(os.path.join(store, "Inbox", "notes.txt"), b"Subject: not a message file\n\nhi\n")
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 1, "non-mail: exit 1 (z.eml not converted)")
    expect_problem(r, "not_a_message", "Inbox/z.eml", "binary z.eml")
    expect_problem(r, "other_file", "Inbox/notes.txt", "notes.txt")
    t.ok(all(p["lost"] is False for p in problem(r, "other_file", "Inbox/notes.txt")),
         "non-mail: notes.txt is not counted as lost")
    kept = os.path.join(out, "unconverted", "Inbox", "z.eml")
    t.ok(os.path.isfile(kept) and open(kept, "rb").read() == binary,
         "non-mail: z.eml kept byte-identical in unconverted/")
    t.ok(not os.path.exists(os.path.join(out, "unconverted", "Inbox", "notes.txt")),
         "non-mail: notes.txt not in unconverted/")
    row = folder_row(r, "Inbox")
    t.eq((row or {}).get("found"), 2, "non-mail: folder found counts a.eml and z.eml only")
    t.eq((r["totals"]["messages_found"], r["totals"]["messages_written"],
          r["totals"]["messages_not_converted"]), (2, 1, 1), "non-mail: totals")
    t.ok(row and subjects(os.path.join(out, row["outputs"][0])) == [b"real"],
         "non-mail: the real message is converted, nothing else in the mbox")


# ---- folder names Thunderbird cannot use ------------------------------------------------

TB_FORBIDDEN = set('\\/:*?"<>|') | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def tb_safe(name):
    return (name and not (set(name) & TB_FORBIDDEN) and name[0] not in ".#"
            and name[-1] not in ".~ " and len(name.encode("utf-16-le")) // 2 <= 55
            and not re.search(r"\.(msf|sbd|snm|toc)$", name, re.I))


def case_names(tmp):
    store = os.path.join(tmp, "store")
    long_name = "Projekt Übersicht " + "0123456789" * 9 + " Ende"   # 113 characters
    renamed = [long_name, "a:b*c?", ".hidden", "trailing.", "a\\b", '<x>|"q"', "end~",
               "space ", "#hash", "box.msf", "sub.sbd", "invoice\u202egpj.exe", "\u2066iso\u2069"]
    # "a_b_c_" is safe, but it is what "a:b*c?" would become: one of the two must give way.
    folders = renamed + ["normal", "日本語フォルダ", "a_b_c_"]
    for i, name in enumerate(folders):
        write(os.path.join(store, name, "m.eml"), msg("folder %d" % i))
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(p.returncode, 0, "names: exit 0")
    t.eq(r["totals"]["messages_written"], len(folders), "names: every message written")
    outputs = {}
    bad = []
    for i, name in enumerate(folders):
        row = folder_row(r, name)
        if not row:
            bad.append("%r: no folders[] row" % name)
            continue
        mbox = os.path.join(out, row["outputs"][0])
        tb = row["outputs"][0].rsplit("/", 1)[1]
        outputs[name] = tb
        if not os.path.isfile(mbox):
            bad.append("%r: output %r does not exist" % (name, row["outputs"][0]))
        elif subjects(mbox) != [b"folder %d" % i]:
            bad.append("%r: output %r holds %r" % (name, row["outputs"][0], subjects(mbox)))
        if not tb_safe(tb):
            bad.append("%r: Thunderbird name %r is not safe" % (name, tb))
        if tb != name and not problem(r, "folder_renamed", name):
            bad.append("%r: renamed to %r without a folder_renamed problem" % (name, tb))
        if tb == name and problem(r, "folder_renamed", name):
            bad.append("%r: folder_renamed reported but the name is unchanged" % name)
    t.ok(not bad, "names: each folder in its own mbox under a safe name, renames reported",
         "\n".join(bad))
    unsafe = [n for n in folders if not tb_safe(n)]
    t.ok(all(outputs.get(n) != n for n in unsafe) and
         all(problem(r, "folder_renamed", n) for n in unsafe),
         "names: every unsafe name renamed and reported (%d)" % len(unsafe))
    t.ok(all(outputs.get(n) == n for n in ("normal", "日本語フォルダ")),
         "names: safe names kept (Japanese too)", outputs)
    lowered = [v.lower() for v in outputs.values()]
    t.eq(len(set(lowered)), len(lowered), "names: Thunderbird names unique (ignoring case)")
    t.ok(outputs.get(long_name, "").startswith("Projekt Übersicht 0123"),
         "names: the long name is shortened readably: %r" % outputs.get(long_name))


# ---- mail saved with blank lines or an indent before its first header field ------------------

def case_leading_blanks(tmp):
    store = os.path.join(tmp, "store")
    crlf = msg("crlf").replace(b"\n", b"\r\n")
    cases = {"a.eml": (b"\n\n", msg("blank lines")), "b.eml": (b"   ", msg("indented")),
             "c.eml": (b"\r\n\t", crlf)}
    for name, (lead, data) in cases.items():
        write(os.path.join(store, "Inbox", name), lead + data)
    write(os.path.join(store, "Inbox", "d.eml"), b"\n\n  not a header line at all\n")
    out = os.path.join(tmp, "out")
    p, r = convert(store, out)
    if not r:
        return
    t.eq(r["totals"]["messages_written"], 3, "leading blanks: the three mails are converted")
    t.eq(r["totals"]["messages_repaired"], 3, "leading blanks: each counts as repaired")
    bad = []
    for name, (lead, _) in cases.items():
        found = problem(r, "repaired_leading_blanks", "Inbox/" + name)
        if len(found) != 1 or found[0]["lost"] or "%d byte" % len(lead) not in found[0]["message"]:
            bad.append("%s: %r" % (name, found))
    t.ok(not bad, "leading blanks: one repaired_leading_blanks (not a loss) per mail, naming the "
         "bytes removed", "\n".join(bad))
    expect_problem(r, "not_a_message", "Inbox/d.eml", "blank lines before a line that is no field")
    row = folder_row(r, "Inbox")
    raws = [raw for _, raw in wltest.mbox_messages(os.path.join(out, row["outputs"][0]))] if row else []
    bodies = [wltest.split_state_headers(raw)[1] for raw in raws]
    t.eq(bodies, [cases[n][1] for n in sorted(cases)],
         "leading blanks: each is written as its bytes after the blanks, unchanged")
    sh = wltest.run("show", os.path.join(store, "Inbox", "b.eml"), "--json")
    t.ok(sh.returncode == 0 and json.loads(sh.stdout)["subject"] == "indented",
         "leading blanks: show decodes the mail as the converter writes it", sh.stderr)


# ---- the store named through a symbolic link --------------------------------------------

def case_store_link(tmp):
    store = os.path.join(tmp, "store")
    write(os.path.join(store, "Inbox", "a.eml"), msg("through a link"))
    link = os.path.join(tmp, "link-to-store")
    os.symlink(store, link)
    p = wltest.run("scan", link, "--json")
    scan = json.loads(p.stdout) if p.returncode == 0 else {}
    t.ok(p.returncode == 0 and scan.get("stores", [{}])[0].get("path") == os.path.realpath(store),
         "store link: scan reads the store the link points to and names it",
         p.stderr.decode("utf-8", "replace") + p.stdout.decode("utf-8", "replace")[:400])
    p, r = convert(link, os.path.join(tmp, "out"))
    t.ok(r and r["store"] == os.path.realpath(store) and r["totals"]["messages_written"] == 1,
         "store link: convert reads it too; report.json names the real path")


def main():
    cases = [case_unreadable, case_bad_utf8, case_links, case_nul, case_big, case_nested,
             case_non_mail, case_names, case_leading_blanks, case_store_link]
    for case in cases:
        print("# " + case.__name__)
        with tempfile.TemporaryDirectory(prefix="wlm-50-") as tmp:
            case(tmp)
    t.done()


if __name__ == "__main__":
    main()
