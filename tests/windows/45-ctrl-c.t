#!/usr/bin/env python3
"""Ctrl-C in the middle of a conversion, under Wine.

Wine hands SIGINT to a console program as CTRL_C_EVENT, through the handlers that
SetConsoleCtrlHandler registered, as Windows does when Ctrl-C is pressed in cmd.exe or
PowerShell. A copy of samples/wlm-store with 3,000 more messages (files the database does not
list: the Recovered folder), so that the conversion lasts; SIGINT once its partial directory is
there. The exe ends with exit 130 (as on Linux), says it was interrupted, and leaves nothing that
looks finished: no report.json, no thunderbird/ in OUT. The same command again converts the
store, with the Linux build's Thunderbird tree, byte for byte.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

SAMPLE = os.path.join(wintest.SAMPLES, "wlm-store")


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-ctrlc-")
    try:
        store = os.path.join(work, "wlm-store")
        shutil.copytree(SAMPLE, store, symlinks=True)
        inbox = os.path.join(store, "Storage Folders", "Inbox")
        for i in range(3000):
            with open(os.path.join(inbox, "3F%06X-%08X.eml" % (i, i)), "wb") as f:
                f.write(b"From: a@example.com\r\nSubject: m%d\r\n"
                        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody %d\r\n" % (i, i))
        out = os.path.join(work, "out")
        args = ["convert", wintest.winpath(store), "--for", "thunderbird",
                "-o", wintest.winpath(out)]
        with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
            run = subprocess.Popen([wintest.WINE, wine.exe, *args], env=wine.env,
                                   stdin=subprocess.DEVNULL, stdout=so, stderr=se, cwd=wine.tmp)
            end = time.monotonic() + 120
            partial = False
            while time.monotonic() < end and run.poll() is None and not partial:
                partial = os.path.isdir(out) and any(n.startswith(".wlmigrate-")
                                                     for n in os.listdir(out))
                time.sleep(0.01)
            if partial:
                run.send_signal(signal.SIGINT)
            code = run.wait(timeout=600)
            se.seek(0)
            err = wintest.text(se.read())
        t.ok(partial, "the conversion is under way (its partial directory is there)")
        t.eq(code, 130, "Ctrl-C: exit 130, as on Linux")
        t.ok("interrupted" in err, "Ctrl-C: it says it was interrupted", err[-400:])
        left = sorted(os.listdir(out)) if os.path.isdir(out) else []
        t.ok("report.json" not in left and "thunderbird" not in left,
             "Ctrl-C: nothing that looks finished in OUT", left)
        ref_out = os.path.join(work, "linux")
        ref = wintest.linux("convert", store, "--for", "thunderbird", "-o", ref_out)
        again = wine.run(*args)
        t.eq(again.returncode, ref.returncode, "the same command again: exit %d as on Linux"
             % ref.returncode)
        want = wltest.sha256_tree(os.path.join(ref_out, "thunderbird"))
        have = wltest.sha256_tree(os.path.join(out, "thunderbird"))
        t.ok(len(want) > 2 and have == want,
             "the same command again: the Linux build's Thunderbird tree (%d files)" % len(want),
             "only Linux: %s\nonly Windows or different: %s" % (
                 sorted(set(want) - set(have)),
                 sorted(n for n in have if want.get(n) != have[n])))
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
