#!/usr/bin/env python3
"""Soak: one 2 GB message converts for Outlook in bounded memory (issue 11, item 3).

Not part of `make test` (run it with `make soak`). It needs about 6 GB free on the disk of
$TMPDIR and takes about a minute on two cores:

- a store with one message of SOAK_MESSAGE_MB (2048) MB is generated, streaming, from a fixed
  seed: a short text body and one incompressible base64 attachment of three quarters of it;
- `wlmigrate convert STORE --for outlook` runs under a wrapper that reports the child's peak
  RSS (getrusage RUSAGE_CHILDREN): it must stay under 64 MiB, since the message is decoded from
  its file and the attachment streamed into the PST;
- readpst (-j 0) reads the PST back: the attachment is byte-identical (SHA-256) to the one
  generated, and the body text is there.
Everything temporary is removed.
"""
import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import wltest  # noqa: E402

SIZE_MB = int(os.environ.get("SOAK_MESSAGE_MB") or 2048)
CHUNK = 57 * 16384  # a multiple of 57 keeps base64 lines of 76

WRAPPER = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(json.dumps({"rc": p.returncode,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": p.stderr.decode("utf-8", "replace")}))
"""


def note(msg):
    print("# " + msg)
    sys.stdout.flush()


def generate(path, size):
    """The message, and the SHA-256 and length of its attachment."""
    rnd = random.Random(0x2B1E55)
    digest, length = hashlib.sha256(), 0
    with open(path, "wb") as fh:
        fh.write(b"From: Sender <s@example.org>\r\nTo: r@example.org\r\n"
                 b"Subject: a message of two gigabytes\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
                 b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"SOAK\"\r\n\r\n"
                 b"--SOAK\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                 b"The drawings are attached.\r\n--SOAK\r\n"
                 b"Content-Type: application/pdf; name=\"drawings.pdf\"\r\n"
                 b"Content-Transfer-Encoding: base64\r\n\r\n")
        while fh.tell() < size:
            block = rnd.randbytes(CHUNK)
            digest.update(block)
            length += len(block)
            fh.write(base64.encodebytes(block).replace(b"\n", b"\r\n"))
        fh.write(b"--SOAK--\r\n")
    return digest.hexdigest(), length


def main():
    t = wltest.Tap()
    if not shutil.which("readpst"):
        t.skip_all("readpst (pst-utils) is not installed")
    tmp = tempfile.mkdtemp(prefix="wlm-soak-msg-")
    try:
        store = os.path.join(tmp, "store")
        os.makedirs(os.path.join(store, "Inbox"))
        eml = os.path.join(store, "Inbox", "huge.eml")
        start = time.monotonic()
        want, length = generate(eml, SIZE_MB << 20)
        note("generated %d bytes (attachment %d) in %.1f s"
               % (os.path.getsize(eml), length, time.monotonic() - start))
        out = os.path.join(tmp, "out")
        start = time.monotonic()
        p = subprocess.run([sys.executable, "-c", WRAPPER, wltest.WLMIGRATE, "convert", store,
                            "--for", "outlook", "-o", out, "-q"], capture_output=True)
        r = json.loads(p.stdout.decode())
        took = time.monotonic() - start
        t.ok(r["rc"] == 0, "convert --for outlook: exit 0", r["stderr"])
        rss = r["maxrss_kib"] * 1024
        note("converted in %.1f s, peak RSS %.1f MiB" % (took, rss / 2**20))
        t.ok(rss < 64 * 2**20, "peak RSS %.1f MiB < 64 MiB for a %d MB message"
             % (rss / 2**20, SIZE_MB))
        pst = os.path.join(out, "outlook", "Windows Live Mail.pst")
        back = os.path.join(tmp, "readpst")
        os.makedirs(back)
        p = subprocess.run(["readpst", "-j", "0", "-D", "-b", "-S", "-o", back, pst],
                           capture_output=True)
        found = {f: os.path.join(d, f) for d, _, fs in os.walk(back) for f in fs}
        att = [v for k, v in found.items() if k.endswith("drawings.pdf")]
        got = hashlib.sha256()
        if att:
            with open(att[0], "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    got.update(block)
        t.ok(att and got.hexdigest() == want and os.path.getsize(att[0]) == length,
             "readpst gives the %d-byte attachment back byte for byte" % length, sorted(found))
        bodies = [v for k, v in found.items() if not k.endswith(".pdf")]
        t.ok(any(b"The drawings are attached." in open(v, "rb").read(4096) for v in bodies),
             "and the body text")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
