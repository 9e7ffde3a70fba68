#!/usr/bin/env python3
"""Safety of the source and of the output.

- the store is only read: checksums and modification times of everything in it are unchanged
  after `scan` and after `convert`;
- `-o` inside the store is refused (exit 2) and creates nothing there, however the path is
  spelled; an output whose replacement would delete the store is refused too;
- an existing result is never replaced without --force (exit 2, untouched), and replaced with it;
- a stale OUT/.wlmigrate-partial left by a crash is cleaned up by the next run;
- Ctrl-C (SIGINT) during a conversion: exit 130 and nothing written; the next run succeeds.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

t = wltest.Tap()


def msg(i, date=True, size=0):
    head = b"From: Sender <s@example.org>\nSubject: message %d\n" % i
    if date:
        head += b"Date: Mon, 01 Jan 2001 10:00:00 +0000\n"
    body = b"From here on a body line that needs escaping\n"
    if size:
        line = b"y" * 99 + b"\n"
        body += line * max(1, size // len(line))
    return head + b"\n" + body


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def make_store(root):
    write(os.path.join(root, "Inbox", "1.eml"), msg(1))
    write(os.path.join(root, "Inbox", "2.eml"), msg(2, date=False))
    write(os.path.join(root, "Inbox", "empty.eml"), b"")
    write(os.path.join(root, "Inbox", "notes.txt"), b"not mail\n")
    write(os.path.join(root, "Inbox", "Sub", "3.eml"), msg(3))
    write(os.path.join(root, "Sent", "4.eml"), msg(4))
    old = time.time() - 86400 * 400
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            os.utime(os.path.join(dirpath, n), (old, old))
    os.utime(root, (old, old))


def snapshot(root):
    """{relative path: (kind, mtime_ns, sha256 or None)} of everything below root, links not
    followed."""
    sums = wltest.sha256_tree(root)
    snap = {".": ("dir", os.lstat(root).st_mtime_ns, None)}
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            kind = "dir" if os.path.isdir(p) and not os.path.islink(p) else "file"
            snap[rel] = (kind, st.st_mtime_ns, sums.get(rel))
    return snap


def diff(a, b):
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append("%s: %r -> %r" % (k, a.get(k), b.get(k)))
    return "\n".join(out)


def convert(store, out, *extra, **kw):
    return wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q", *extra,
                      timeout=120, **kw)


def read_only(tmp):
    store = os.path.join(tmp, "store")
    make_store(store)
    before = snapshot(store)
    # README: scan exits 1 when a conversion would lose something (here the 0-byte message).
    p = wltest.run("scan", store, timeout=60)
    t.eq(p.returncode, 1, "scan exits 1")
    p = wltest.run("scan", store, "--json", timeout=60)
    t.eq(p.returncode, 1, "scan --json exits 1")
    after = snapshot(store)
    t.ok(after == before, "store unchanged after scan (checksums, mtimes)", diff(before, after))
    out = os.path.join(tmp, "out")
    p = convert(store, out)
    t.eq(p.returncode, 1, "convert exits 1 (a 0-byte message is not converted)")
    t.ok(os.path.isfile(os.path.join(out, "report.json")), "convert wrote report.json")
    after = snapshot(store)
    t.ok(after == before, "store unchanged after convert (checksums, mtimes)",
         diff(before, after))


def output_inside_store(tmp):
    store = os.path.join(tmp, "store")
    make_store(store)
    os.symlink(store, os.path.join(tmp, "alias"))
    before = snapshot(store)
    cases = [
        ("the store itself", store),
        ("a new directory in the store", os.path.join(store, "out")),
        ("an existing mail folder", os.path.join(store, "Inbox")),
        ("a new directory below a folder", os.path.join(store, "Inbox", "Sub", "a", "b")),
        ("a path through a link to the store", os.path.join(tmp, "alias", "out")),
        ("a relative path", os.path.relpath(os.path.join(store, "Sent", "out"))),
        ("a path with .. after a missing directory",
         os.path.join(tmp, "missing", "..", "store", "out")),
    ]
    for what, out in cases:
        p = convert(store, out)
        t.eq(p.returncode, 2, "-o inside the store (%s): exit 2" % what)
        after = snapshot(store)
        t.ok(after == before, "-o inside the store (%s): nothing created in the store" % what,
             diff(before, after))
        if after != before:  # start the next case from a clean store
            subprocess.run(["rm", "-rf", store])
            make_store(store)
            before = snapshot(store)
    # A store that lies where the result would be replaced: OUT/thunderbird is the store.
    out = os.path.join(tmp, "o2")
    inner = os.path.join(out, "thunderbird")
    make_store(inner)
    before = snapshot(inner)
    for n, how in enumerate(("", " (OUT spelled missing/../o2)") * 2):
        extra = ("--force",) if n >= 2 else ()
        spelled = os.path.join(tmp, "missing%d" % n, "..", "o2") if how else out
        what = "store inside OUT/thunderbird%s %s" % (how, " ".join(extra))
        p = convert(inner, spelled, *extra)
        t.eq(p.returncode, 2, what + ": exit 2")
        after = snapshot(inner) if os.path.isdir(inner) else {}
        t.ok(after == before, what + ": store untouched", diff(before, after))
        if after != before:
            subprocess.run(["rm", "-rf", out])
            make_store(inner)
            before = snapshot(inner)


def existing_result(tmp):
    store = os.path.join(tmp, "store")
    make_store(store)
    out = os.path.join(tmp, "out")
    p = convert(store, out)
    t.eq(p.returncode, 1, "first run: exit 1")
    write(os.path.join(out, "thunderbird", "extra-old-file"), b"from an old run\n")
    write(os.path.join(out, "mine.txt"), b"a file of the user's beside the result\n")
    before = snapshot(out)
    write(os.path.join(store, "Sent", "5.eml"), msg(5))
    p = convert(store, out)
    t.eq(p.returncode, 2, "second run without --force: exit 2")
    after = snapshot(out)
    t.ok(after == before, "second run without --force: old result untouched", diff(before, after))
    t.ok(b"--force" in p.stderr, "second run without --force: says to use --force", p.stderr)

    p = convert(store, out, "--force")
    t.eq(p.returncode, 1, "run with --force: exit 1")
    t.ok(not os.path.exists(os.path.join(out, "thunderbird", "extra-old-file")),
         "run with --force: old extra file in OUT/thunderbird gone")
    report = wltest.load_json(os.path.join(out, "report.json"))
    t.eq(report["totals"]["messages_found"], 6, "run with --force: report.json is the new one")
    sent = [f for f in report["folders"] if f["source"] == "Sent"]
    t.ok(sent and len(wltest.mbox_messages(os.path.join(out, sent[0]["outputs"][0]))) == 2,
         "run with --force: the new message is in the new mbox")
    t.ok(os.path.isfile(os.path.join(out, "mine.txt")),
         "run with --force: a file not part of the result is left alone")
    t.ok(not os.path.exists(os.path.join(out, ".wlmigrate-partial")),
         "run with --force: no .wlmigrate-partial left")


def stale_partial(tmp):
    store = os.path.join(tmp, "store")
    make_store(store)
    out = os.path.join(tmp, "out")
    partial = os.path.join(out, ".wlmigrate-partial")
    write(os.path.join(partial, "thunderbird", "Windows Live Mail.sbd", "stale-folder"),
          b"From - Mon Jan  1 00:00:00 2001\nSubject: stale\n\nstale\n")
    write(os.path.join(partial, "report.json"), b"{\"stale\": true}")
    write(os.path.join(out, ".wlmigrate-lock"), b"")   # a lock file left by a crash
    p = convert(store, out)
    t.ok(p.returncode == 1, "stale partial: run without --force proceeds (exit 1)",
         p.stderr)
    t.ok(not os.path.exists(partial), "stale partial: .wlmigrate-partial cleaned up")
    t.ok(not os.path.exists(os.path.join(out, "thunderbird", "Windows Live Mail.sbd",
                                         "stale-folder")),
         "stale partial: nothing of it in the result")
    report = wltest.load_json(os.path.join(out, "report.json"))
    t.eq(report["totals"]["messages_found"], 5, "stale partial: fresh report")


def run_interrupted(store, out, *extra):
    """Starts a conversion, sends SIGINT once OUT/.wlmigrate-partial exists; returns (whether
    the run was seen in progress, exit code, stderr)."""
    partial = os.path.join(out, ".wlmigrate-partial")
    proc = subprocess.Popen([wltest.WLMIGRATE, "convert", store, "--for", "thunderbird",
                             "-o", out, "-q", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = False
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        if os.path.isdir(partial):
            seen = True
            break
        time.sleep(0.001)
    if seen:
        time.sleep(0.05)   # well into the conversion of 300 MB
        proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return seen, proc.returncode, err


def interrupted(tmp):
    # 3000 messages of 100 KB (300 MB): 3000 of 20 KB convert in 0.2 s, too quick to catch.
    store = os.path.join(tmp, "store")
    n = 3000
    body = msg(0, size=100 * 1024)
    for i in range(n):
        write(os.path.join(store, "F%d" % (i % 3), "m%04d.eml" % i), body)
    out = os.path.join(tmp, "out")
    before = snapshot(store)
    seen, rc, err = run_interrupted(store, out)
    t.ok(seen, "Ctrl-C: the conversion was still running when .wlmigrate-partial appeared")
    t.eq(rc, 130, "Ctrl-C: exit 130")
    t.ok(b"interrupted" in err, "Ctrl-C: says it was interrupted", err)
    for name in ("report.json", "report.txt", "thunderbird", "unconverted", ".wlmigrate-partial"):
        t.ok(not os.path.exists(os.path.join(out, name)), "Ctrl-C: no OUT/%s" % name)
    left = os.listdir(out) if os.path.isdir(out) else []
    t.eq(left, [], "Ctrl-C: nothing at all left in OUT")
    after = snapshot(store)
    t.ok(after == before, "Ctrl-C: store unchanged", diff(before, after))

    p = convert(store, out)
    t.ok(p.returncode == 0, "after Ctrl-C: a normal run succeeds (exit 0)", p.stderr)
    report = wltest.load_json(os.path.join(out, "report.json"))
    t.eq((report["totals"]["messages_found"], report["totals"]["messages_written"]), (n, n),
         "after Ctrl-C: every message written")

    # Ctrl-C while --force replaces that result: the old result stays as it was.
    # (OUT's own mtime changes: the run makes and removes its lock file and partial directory.)
    old = snapshot(out)
    old.pop(".")
    seen, rc, err = run_interrupted(store, out, "--force")
    t.ok(seen and rc == 130, "Ctrl-C during --force: interrupted, exit 130 (got %r)" % rc, err)
    now = snapshot(out)
    now.pop(".")
    t.ok(now == old, "Ctrl-C during --force: the old result is untouched", diff(old, now))


def main():
    for case in (read_only, output_inside_store, existing_result, stale_partial, interrupted):
        print("# " + case.__name__)
        with tempfile.TemporaryDirectory(prefix="wlm-60-") as tmp:
            case(tmp)
    t.done()


if __name__ == "__main__":
    main()
