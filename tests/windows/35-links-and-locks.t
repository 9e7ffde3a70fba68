#!/usr/bin/env python3
"""Links inside the store and a message file another program holds, under Wine.

- Links: a copy of samples/wlm-store with links to two folders outside the store (each holding
  a message) and a link loop. Wine 8 cannot make a junction (`mklink /j` fails,
  FSCTL_SET_REPARSE_POINT answers ERROR_NOT_SUPPORTED); it shows a Linux symbolic link to a
  directory as a reparse point (FILE_ATTRIBUTE_REPARSE_POINT) with no tag, as the program sees a
  junction or a directory link made on Windows. The exe must follow none of them: each is
  reported as link_skipped, as the Linux build reports the same tree, nothing from outside is
  written, and the Thunderbird tree is the Linux build's, byte for byte. (A link to a file
  cannot be shown: Wine 8 presents it as the plain file it points to, with no reparse
  attribute, where Windows marks it.)
- A held file: one message of the sample opened with no sharing by another Windows process
  (tests/windows/holdfile.c, built here with mingw-w64), as a running program holds a file. The
  exe cannot read it: it converts every other message the Linux build converts, lists that one
  as unreadable (lost) with its path in report.json and report.txt, and exits 1.
- The database held so (a running Windows Live Mail opens Mail.MSMessageStore without sharing):
  convert refuses with exit 3, saying to close Windows Live Mail or to use --while-running, and
  writes nothing; scan reports the database unreadable; --while-running converts with the state
  unknown and says why.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

SAMPLE = os.path.join(wintest.SAMPLES, "wlm-store")
INBOX = os.path.join("Storage Folders", "Inbox")
SECRET = b"OUTSIDE-THE-STORE-7f3a"


def message(subject):
    return (b"From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject +
            b"\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <" + subject +
            b"@x>\r\n\r\n" + subject + b"\r\n")


def report_of(out):
    try:
        with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def problems(r, kind):
    return sorted(p.get("path", "") for p in (r or {}).get("problems", [])
                  if p.get("kind") == kind)


def case_links(t, wine, work):
    store = os.path.join(work, "links", "wlm-store")
    outside = os.path.join(work, "links", "outside")
    os.makedirs(os.path.join(outside, "dir"))
    with open(os.path.join(outside, "2E5B0000-00000002.eml"), "wb") as f:
        f.write(message(SECRET + b"-top"))
    with open(os.path.join(outside, "dir", "2E5B0000-00000001.eml"), "wb") as f:
        f.write(message(SECRET + b"-dir"))
    shutil.copytree(SAMPLE, store, symlinks=True)
    links = {os.path.join(INBOX, "outside-folder"): os.path.join(outside, "dir"),
             os.path.join("Storage Folders", "Sent Items", "outside-folder"): outside,
             os.path.join(INBOX, "loop"): "."}
    for rel, target in links.items():
        os.symlink(target, os.path.join(store, rel))
    ref_out = os.path.join(work, "links-linux")
    exe_out = os.path.join(work, "links-windows")
    ref = wintest.linux("convert", store, "--for", "thunderbird", "-o", ref_out)
    got = wine.run("convert", wintest.winpath(store), "--for", "thunderbird",
                   "-o", wintest.winpath(exe_out))
    t.eq(got.returncode, ref.returncode, "links: exit %d as on Linux" % ref.returncode)
    want, have = problems(report_of(ref_out), "link_skipped"), problems(report_of(exe_out),
                                                                         "link_skipped")
    t.ok(len(want) == len(links) and have == want,
         "links: the %d links reported as link_skipped, as on Linux" % len(links),
         "Linux: %s\nWindows: %s\n%s" % (want, have, wintest.text(got.stderr)))
    t.eq(wltest.grep_tree(exe_out, SECRET), [], "links: nothing from outside the store is written")
    wintest.same_tree(t, os.path.join(ref_out, "thunderbird"),
                      os.path.join(exe_out, "thunderbird"),
                      "links: the same Thunderbird tree as Linux")


def build_holder(work):
    """holdfile.exe built with mingw-w64, or None when the compiler is missing."""
    cc = shutil.which("x86_64-w64-mingw32-gcc")
    if not cc:
        return None
    exe = os.path.join(work, "holdfile.exe")
    p = subprocess.run([cc, "-municode", "-O2", "-o", exe,
                        os.path.join(wintest.HERE, "holdfile.c")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return exe if p.returncode == 0 else None


class Held:
    """`path` held open with no sharing by holdfile.exe under Wine while the block runs."""

    def __init__(self, t, wine, holder, path, work):
        self.t, self.wine, self.holder, self.path, self.work = t, wine, holder, path, work

    def __enter__(self):
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen([wintest.WINE, self.holder, wintest.winpath(self.path)],
                                  env=self.wine.env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err, cwd=self.work)
        said = self.p.stdout.readline()
        return said.strip() == b"held"

    def __exit__(self, *exc):
        self.p.stdin.close()
        self.p.wait(timeout=120)
        self.err.close()
        return False


def case_held(t, wine, work, holder):
    store = os.path.join(work, "held", "wlm-store")
    shutil.copytree(SAMPLE, store, symlinks=True)
    held_rel = os.path.join(INBOX, "2E5B1494-0000000C.eml")
    ref_out = os.path.join(work, "held-linux")
    exe_out = os.path.join(work, "held-windows")
    ref = wintest.linux("convert", store, "--for", "thunderbird", "-o", ref_out)
    ref_totals = (report_of(ref_out) or {}).get("totals", {})
    with Held(t, wine, holder, os.path.join(store, held_rel), work) as held:
        if not t.ok(held, "the other process holds the message file"):
            return
        got = wine.run("convert", wintest.winpath(store), "--for", "thunderbird",
                       "-o", wintest.winpath(exe_out))
    t.eq(got.returncode, 1, "held: exit 1 (messages not converted), as on Linux (%d)"
         % ref.returncode)
    r = report_of(exe_out)
    unreadable = problems(r, "unreadable")
    t.ok(len(unreadable) == 1 and unreadable[0].replace("\\", "/").endswith("Inbox/2E5B1494-0000000C.eml"),
         "held: the held message is listed as unreadable, by its path", unreadable)
    lost = [p for p in (r or {}).get("problems", []) if p.get("kind") == "unreadable"]
    t.ok(lost and all(p.get("lost") for p in lost), "held: it is counted as lost",
         lost)
    totals = (r or {}).get("totals", {})
    t.ok(ref_totals.get("messages_found") and
         totals.get("messages_found") == ref_totals.get("messages_found") and
         totals.get("messages_written") == ref_totals.get("messages_written", 0) - 1,
         "held: every other message is written (%s of %s)" % (totals.get("messages_written"),
                                                             totals.get("messages_found")),
         "Linux %s, Windows %s" % (ref_totals, totals))
    try:
        with open(os.path.join(exe_out, "report.txt"), encoding="utf-8-sig") as f:
            report_text = f.read()
    except OSError:
        report_text = ""
    t.ok("2E5B1494-0000000C.eml" in report_text,
         "held: report.txt names the message", report_text[-800:])


def case_database_held(t, wine, work, holder):
    """Mail.MSMessageStore held with no sharing, as a running Windows Live Mail holds it."""
    store = os.path.join(work, "db-held", "wlm-store")
    shutil.copytree(SAMPLE, store, symlinks=True)
    out = os.path.join(work, "db-held-out")
    args = ["convert", wintest.winpath(store), "--for", "thunderbird", "-o", wintest.winpath(out)]
    with Held(t, wine, holder, os.path.join(store, "Mail.MSMessageStore"), work) as held:
        if not t.ok(held, "the other process holds Mail.MSMessageStore"):
            return
        got = wine.run(*args)
        err = wintest.text(got.stderr)
        t.ok(got.returncode == 3 and "close Windows Live Mail, then run again" in err
             and "--while-running" in err,
             "database held: convert refuses, saying to close Windows Live Mail (exit %d)"
             % got.returncode, err)
        t.ok(not os.path.exists(os.path.join(out, "report.json")), "database held: no result")
        scan = wine.run("scan", wintest.winpath(store), "--json")
        try:
            database = json.loads(scan.stdout.decode("utf-8"))["stores"][0].get("database")
        except (ValueError, KeyError, IndexError):
            database = None
        t.eq(database, "unreadable", "database held: scan reports it unreadable")
        got = wine.run(*args, "--while-running")
        r = report_of(out)
        unknown = [p for p in (r or {}).get("problems", []) if p.get("kind") == "state_unknown"]
        totals = (r or {}).get("totals", {})
        t.ok(got.returncode in (0, 1) and totals.get("messages_written") and unknown and
             "Windows Live Mail was running" in unknown[0].get("message", ""),
             "--while-running: converted, the state unknown because Windows Live Mail held the "
             "database", "%s %s\n%s" % (totals, unknown, wintest.text(got.stderr)))


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-links-")
    try:
        case_links(t, wine, work)
        holder = build_holder(work)
        if t.ok(holder is not None, "holdfile.exe is built with x86_64-w64-mingw32-gcc"):
            case_held(t, wine, work, holder)
            case_database_held(t, wine, work, holder)
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
