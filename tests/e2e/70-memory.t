#!/usr/bin/env python3
"""Peak memory does not grow with the store, and messages are streamed.

Each measurement runs wlmigrate under its own small Python wrapper process, which reports
getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux) of its one child: the measurements are
isolated from each other and from this script. Under `make asan` the sanitizer's quarantine of
freed memory (256 MB by default) would look like growth: it is turned off for these runs.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

WRAPPER = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(json.dumps({"rc": p.returncode,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": p.stderr.decode("utf-8", "replace")}))
"""

HEADER = b"From: Sender <s@example.org>\nDate: Mon, 01 Jan 2001 10:00:00 +0000\n"
BODY_10K = (b"z" * 79 + b"\n") * 128


def make_store(root, n, folders=5):
    for i in range(n):
        d = os.path.join(root, "Folder%d" % (i % folders))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "m%05d.eml" % i), "wb") as fh:
            fh.write(HEADER + b"Subject: message %05d\n\n" % i + BODY_10K)


def make_small_folder(folder, n):
    os.makedirs(folder)
    for i in range(n):
        with open(os.path.join(folder, "m%06d.eml" % i), "wb") as fh:
            fh.write(HEADER + b"To: r@example.org\nSubject: small %06d about the report\n\n" % i +
                     b"a short body line\n" * 8)


def peak_rss(store, out, target="thunderbird", extra=()):
    """(exit code, peak RSS in KiB, stderr) of one conversion."""
    env = dict(os.environ)
    quarantine = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    old = env.get("ASAN_OPTIONS")
    env["ASAN_OPTIONS"] = old + ":" + quarantine if old else quarantine
    p = subprocess.run([sys.executable, "-c", WRAPPER, wltest.WLMIGRATE, "convert", store,
                        "--for", target, "-o", out, "-q", *extra],
                       capture_output=True, timeout=300, env=env)
    r = json.loads(p.stdout.decode())
    return r["rc"], r["maxrss_kib"], r["stderr"]


def main():
    t = wltest.Tap()
    with tempfile.TemporaryDirectory(prefix="wlm-70-") as tmp:
        measured = {}
        for n in (300, 3000):
            store = os.path.join(tmp, "store%d" % n)
            out = os.path.join(tmp, "out%d" % n)
            make_store(store, n)
            rc, kib, err = peak_rss(store, out)
            t.ok(rc == 0, "%d messages: exit 0" % n, err)
            report = wltest.load_json(os.path.join(out, "report.json"))
            t.eq(report["totals"]["messages_written"], n, "%d messages: all written" % n)
            measured[n] = kib
            print("# %d messages of %d bytes: peak RSS %d KiB" % (n, len(BODY_10K), kib))
        limit = 1.5 * measured[300] + 2048
        t.ok(measured[3000] <= limit,
             "peak RSS for 3000 messages (%d KiB) <= 1.5 x that for 300 (%d KiB) + 2 MiB"
             % (measured[3000], measured[300]))

        # One 50 MB message: streamed, never held whole in memory.
        store = os.path.join(tmp, "big")
        os.makedirs(os.path.join(store, "Big"))
        size = 0
        with open(os.path.join(store, "Big", "big.eml"), "wb") as fh:
            head = HEADER + b"Subject: fifty megabytes\n\n"
            fh.write(head)
            size += len(head)
            chunk = BODY_10K * 100
            while size < 50 * 1024 * 1024:
                fh.write(chunk)
                size += len(chunk)
        out = os.path.join(tmp, "outbig")
        rc, kib, err = peak_rss(store, out)
        t.ok(rc == 0, "50 MB message: exit 0", err)
        report = wltest.load_json(os.path.join(out, "report.json"))
        t.eq((report["totals"]["messages_written"], report["totals"]["bytes_written"]),
             (1, size), "50 MB message: written whole")
        row = [f for f in report["folders"] if f["source"] == "Big"]
        t.ok(row and os.path.getsize(os.path.join(out, row[0]["outputs"][0])) > size,
             "50 MB message: the mbox holds it")
        print("# one message of %d bytes: peak RSS %d KiB" % (size, kib))
        t.ok(kib <= 40 * 1024, "50 MB message: peak RSS %d KiB <= 40 MiB" % kib)

        # The Outlook route decodes a large message from its file and streams its attachment
        # into the PST: a 160 MB message with a 120 MB attachment, and a 40 MB header line.
        store = os.path.join(tmp, "bigpst")
        os.makedirs(os.path.join(store, "Big"))
        blob = hashlib.sha256()
        with open(os.path.join(store, "Big", "attached.eml"), "wb") as fh:
            fh.write(HEADER + b"Subject: a large attachment\nMIME-Version: 1.0\n"
                     b"Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
                     b"Content-Type: text/plain\n\nsee the file\n--B\n"
                     b"Content-Type: application/pdf; name=\"large.pdf\"\n"
                     b"Content-Transfer-Encoding: base64\n\n")
            piece = bytes((i * 7919) & 0xFF for i in range(57 * 4096))
            for k in range(120 * 1024 * 1024 // len(piece)):
                part = piece[k % 57:] + piece[:k % 57]
                blob.update(part)
                fh.write(base64.encodebytes(part))
            fh.write(b"--B--\n")
        with open(os.path.join(store, "Big", "long-header.eml"), "wb") as fh:
            fh.write(HEADER + b"Subject: a long header line\nX-Junk: " + b"j" * (40 << 20) +
                     b"\nTo: r@example.org\n\nthe body\n")
        out = os.path.join(tmp, "outbigpst")
        rc, kib, err = peak_rss(store, out, "outlook")
        t.ok(rc == 1, "Outlook route, 160 MB message and 40 MB header line: exit 1 (a cut is a "
             "loss)", err)
        print("# Outlook route, 160 MB and 40 MB messages: peak RSS %d KiB" % kib)
        t.ok(kib <= 64 * 1024, "Outlook route: peak RSS %d KiB <= 64 MiB" % kib)
        report = wltest.load_json(os.path.join(out, "report.json"))
        t.eq(report["totals"]["messages_written"], 2, "Outlook route: both messages written")
        notes = [p for p in report.get("problems", []) if "header_cut" in p.get("message", "")]
        t.ok(len(notes) == 1 and notes[0]["path"] == "Big/long-header.eml" and notes[0]["lost"],
             "the cut header line is named in the report", notes)
        pst = os.path.join(out, "outlook", "Windows Live Mail.pst")
        got = os.path.join(tmp, "readpst")
        os.makedirs(got)
        subprocess.run(["readpst", "-j", "0", "-D", "-b", "-S", "-o", got, pst],
                       capture_output=True, timeout=600)
        found = [os.path.join(d, f) for d, _, fs in os.walk(got) for f in fs
                 if f.endswith("large.pdf")]
        same = False
        if found:
            h = hashlib.sha256()
            with open(found[0], "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            same = h.digest() == blob.digest()
        t.ok(same, "readpst gives the 120 MB attachment back byte for byte", found)

        # The Outlook route's memory does not grow with a folder: its contents table goes to the
        # file as its rows come, both B-trees as their pages fill, the folder's names are read
        # in order within 2 MiB and its date order sorted within 4 MiB (runs beyond both go to
        # temporary files), with at most 4 MiB of small messages kept from the sort. Those caps
        # are all reached below 40,000 messages: from 40,000 to 80,000 the peak should not move
        # (4 MiB allowed, for ASan's allocator too); what grew with every message before (the
        # B-trees' indexes, the table's rows, the lists: about 350 bytes a message) would add
        # 13 MiB. --jobs 1, so that no message waits in the writer thread's
        # queue (bounded apart: 32 MiB). The binary before took 19.6 and 60.9 MiB for 2,000 and
        # 40,000 such messages.
        measured = {}
        for n in (40000, 80000):
            store = os.path.join(tmp, "folder%d" % n)
            make_small_folder(os.path.join(store, "Inbox"), n)
            out = os.path.join(tmp, "outfolder%d" % n)
            rc, kib, err = peak_rss(store, out, "outlook", ["--jobs", "1"])
            t.ok(rc == 0, "Outlook route, one folder of %d messages: exit 0" % n, err)
            measured[n] = kib
            print("# Outlook route, one folder of %d small messages: peak RSS %d KiB" % (n, kib))
        t.ok(measured[80000] <= measured[40000] + 4 * 1024,
             "Outlook route: peak RSS for one folder of 80,000 (%d KiB) <= that for 40,000 (%d "
             "KiB) + 4 MiB" % (measured[80000], measured[40000]))
        pst = os.path.join(tmp, "outfolder40000", "outlook", "Windows Live Mail.pst")
        p = subprocess.run([sys.executable, os.path.join(wltest.REPO, "tests", "tools", "pstcheck.py"),
                            pst], capture_output=True, timeout=600)
        last = p.stdout.decode("utf-8", "replace").strip().splitlines()[-1:]
        t.ok(p.returncode == 0 and last == ["== errors: 0"],
             "pstcheck: the 40,000-row contents table and both B-trees keep every rule", last)
        got = os.path.join(tmp, "readpst40000")
        os.makedirs(got)
        subprocess.run(["readpst", "-j", "0", "-q", "-o", got, pst], capture_output=True,
                       timeout=600)
        subjects = set()
        for d, _, fs in os.walk(got):
            for f in fs:
                with open(os.path.join(d, f), "rb") as fh:
                    subjects.update(line for line in fh if line.startswith(b"Subject: small "))
        t.eq(len(subjects), 40000, "readpst finds the 40,000 messages, each once")
    t.done()


if __name__ == "__main__":
    main()
