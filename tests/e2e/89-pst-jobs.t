#!/usr/bin/env python3
"""The Outlook route on two threads writes the same file as on one: `--jobs 2` (the messages
decoded on the pipeline's thread, written into the PST on a second one, formats/pst/pstqueue.c)
and `--jobs 1` give byte-identical PSTs (with SOURCE_DATE_EPOCH, as 88-pst-reproducible.t) and
the same report, for:
- the samples (WLM store with its contacts, the .eml tree, the Windows Mail store);
- a corpus-shaped store (every corpus message in two folders, one skip line without corpora);
- a mixed store: small messages, messages past the first read (read whole), one past
  OUTLOOK_HOLD_MAX (9 MB, decoded from its file on the pipeline's thread between queued ones),
  attachments, an embedded message, an unreadable file, a folder with no messages, and the same
  with --pst-max-size 4M (parts decided while the writer thread is idle).
And a Ctrl-C (SIGINT) while the writer thread is writing: exit 130, nothing left in OUT, the
process ends (both threads), the next run succeeds."""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

CORPORA_MAIL = ["sisimai-set-of-emails", "stalwart-mail-parser", "mikel-mail", "roundcube"]


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "SOURCE_DATE_EPOCH")}
    e["LC_ALL"] = "C.UTF-8"
    e["SOURCE_DATE_EPOCH"] = "1700000000"
    return e


def convert(t, store, out, jobs, *extra):
    """The PSTs (name -> bytes) and report.json (without what names the run) of one convert."""
    p = wltest.run("convert", store, "--for", "outlook", "-o", out, "-q", "--force",
                   "--jobs", str(jobs), *extra, env=env())
    t.ok(p.returncode in (0, 1), "%s: convert --jobs %d finishes" % (os.path.basename(out), jobs),
         p.stderr.decode("utf-8", "replace"))
    psts = {}
    d = os.path.join(out, "outlook")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.endswith(".pst"):
            with open(os.path.join(d, name), "rb") as fh:
                psts[name] = fh.read()
    report = wltest.load_json(os.path.join(out, "report.json"))
    for key in ("output", "started", "finished", "duration_seconds", "run"):
        report.pop(key, None)
    return psts, json.dumps(report, sort_keys=True)


def same(t, what, store, work, *extra):
    a, ra = convert(t, store, os.path.join(work, what + "-1"), 1, *extra)
    b, rb = convert(t, store, os.path.join(work, what + "-2"), 2, *extra)
    t.ok(a and a == b, "%s: --jobs 1 and --jobs 2 give byte-identical PSTs (%d, %d bytes)"
         % (what, len(a), sum(len(v) for v in a.values())))
    t.ok(ra == rb, "%s: the same report" % what)
    return a


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def mail(i, body_bytes=0, attachment=0, embedded=False):
    """A message with a text body of about `body_bytes`, an attachment of `attachment` bytes
    (base64) and, when `embedded`, a message/rfc822 part with an attachment of its own."""
    head = ("From: Sender %d <s%d@example.com>\r\nTo: r@example.org\r\nSubject: message %d\r\n"
            "Date: Mon, %d Jan 2024 10:%02d:00 +0000\r\nMessage-ID: <m%d@example.com>\r\n"
            "MIME-Version: 1.0\r\n" % (i, i, i, 1 + i % 28, i % 60, i))
    text = ("line %d of the body, some words to fill it\r\n" % i) * max(1, body_bytes // 44)
    if not attachment and not embedded:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    parts = ["Content-Type: text/plain; charset=utf-8\r\n\r\n" + text]
    if attachment:
        blob = bytes((k * 7 + i) % 251 for k in range(attachment))
        b64 = base64.encodebytes(blob).decode().replace("\n", "\r\n")
        parts.append("Content-Type: application/octet-stream; name=\"f%d.bin\"\r\n"
                     "Content-Disposition: attachment; filename=\"f%d.bin\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n%s" % (i, i, b64))
    if embedded:
        parts.append("Content-Type: message/rfc822\r\n\r\n" +
                     mail(i + 100000, 300, 5000).decode())
    body = "".join("--b%d\r\n%s\r\n" % (i, p) for p in parts) + "--b%d--\r\n" % i
    return (head + "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % i + body).encode()


def mixed_store(root):
    for i in range(200):
        folder = "Inbox" if i % 3 else "Archive/2024"
        size = [200, 3000, 90 * 1024, 200 * 1024][i % 4]
        write(os.path.join(root, folder, "m%04d.eml" % i),
              mail(i, size, attachment=[0, 20000, 0, 100 * 1024][i % 4], embedded=i % 25 == 0))
    write(os.path.join(root, "Inbox", "big.eml"), mail(7777, 1000, 9 * 1024 * 1024))
    write(os.path.join(root, "Inbox", "zero.eml"), b"")
    write(os.path.join(root, "Inbox", "not-mail.eml"), b"\x00\x01 no header here\n")
    os.makedirs(os.path.join(root, "Empty"))


def corpus_store(root):
    sources = []
    for name in CORPORA_MAIL:
        for dirpath, dirnames, filenames in os.walk(os.path.join(wltest.CORPORA, name)):
            dirnames.sort()
            sources += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".eml")]
    for copy in range(2):
        for i, src in enumerate(sources):
            dst = os.path.join(root, "Copy %d" % copy, "%08X.eml" % i)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    return len(sources) * 2


def interrupted(t, tmp):
    """SIGINT once the PST being written has grown: the writer thread is busy then."""
    store = os.path.join(tmp, "many")
    for i in range(1500):
        write(os.path.join(store, "F%d" % (i % 2), "m%04d.eml" % i),
              mail(i, 2000, attachment=60 * 1024))
    out = os.path.join(tmp, "out-int")
    part = os.path.join(out, ".wlmigrate-partial", "outlook", "Windows Live Mail.pst.part")
    proc = subprocess.Popen([wltest.WLMIGRATE, "convert", store, "--for", "outlook", "-o", out,
                             "-q", "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env())
    seen = False
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if os.path.getsize(part) > 4 * 1024 * 1024:
                seen = True
                break
        except OSError:
            pass
        time.sleep(0.001)
    if seen:
        proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
        ended = True
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        ended = False
    t.ok(seen, "Ctrl-C: caught while the PST was being written")
    t.ok(ended, "Ctrl-C: the process ends (the writer thread too)")
    t.eq(proc.returncode, 130, "Ctrl-C: exit 130")
    t.ok(b"interrupted" in err, "Ctrl-C: says it was interrupted", err)
    left = os.listdir(out) if os.path.isdir(out) else []
    t.eq(left, [], "Ctrl-C: nothing left in OUT")
    p = wltest.run("convert", store, "--for", "outlook", "-o", out, "-q", "--jobs", "2", env=env())
    report = wltest.load_json(os.path.join(out, "report.json"))
    t.ok(p.returncode == 0 and report["totals"]["messages_written"] == 1500,
         "after Ctrl-C: a normal run writes every message", p.stderr)


def main():
    t = wltest.Tap()
    with tempfile.TemporaryDirectory() as tmp:
        same(t, "wlm-store", os.path.join(wltest.SAMPLES, "wlm-store"), tmp,
             "--contacts", os.path.join(wltest.SAMPLES, "contacts"))
        same(t, "eml-tree", os.path.join(wltest.SAMPLES, "eml-tree"), tmp)
        same(t, "windows-mail-store", os.path.join(wltest.SAMPLES, "windows-mail-store"), tmp)

        mixed = os.path.join(tmp, "mixed")
        mixed_store(mixed)
        same(t, "mixed", mixed, tmp)
        parts = same(t, "mixed-split", mixed, tmp, "--pst-max-size", "4M")
        t.ok(len(parts) >= 3, "mixed-split: several parts (%d)" % len(parts))

        if t.need_corpus("corpus-shaped store: --jobs 1 and 2", *CORPORA_MAIL):
            corpus = os.path.join(tmp, "corpus")
            n = corpus_store(corpus)
            t.ok(n > 1000, "corpus-shaped store: %d messages" % n)
            same(t, "corpus", corpus, tmp)
            shutil.rmtree(corpus)

        interrupted(t, tmp)
    t.done()


if __name__ == "__main__":
    main()
