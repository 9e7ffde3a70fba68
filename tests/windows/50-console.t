#!/usr/bin/env python3
"""What the technician reads in a console window, under Wine.

Started on a terminal (a pseudo-terminal here), a Wine console program gets a real console: its
standard handles answer GetConsoleMode, and what it writes with WriteConsoleW reaches the
terminal as UTF-8. The exe relays its UTF-8 output to WriteConsoleW there (src/util/platform.c).
Checked: `--lang ja --help` and `--lang ja --version` show every character of the Linux build's
output (Wine's console draws spaces as cursor moves, so the comparison leaves out white space
and terminal escapes), an error goes to the console too with exit 2, and a conversion's last
lines (the summary and the next step, in Japanese) are there with exit code as on Linux.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def on_console(wine, *args, timeout=300):
    """Runs the exe on a pseudo-terminal; (exit code, what the terminal showed, as text)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([wintest.WINE, wine.exe, *args], env=wine.env, stdin=slave,
                         stdout=slave, stderr=slave, cwd=wine.tmp, close_fds=True)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            p.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal's other end is closed: the program ended
            break
        if not data:
            break
        shown += data
    os.close(master)
    code = p.wait(timeout=60)
    return code, ESCAPE.sub(b"", shown).decode("utf-8", "replace")


def letters(text):
    return re.sub(r"\s+", "", text)


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-console-")
    try:
        for args in (("--lang", "ja", "--help"), ("--lang", "ja", "--version")):
            ref = wltest.run(*args)
            code, shown = on_console(wine, *args)
            want = letters(ref.stdout.decode("utf-8"))
            t.ok(code == 0 and len(want) > 20 and letters(shown) == want,
                 "%s on a console: exit 0, the Linux build's text" % " ".join(args),
                 "shown: %r" % shown[:400])
        code, shown = on_console(wine, "--lang", "ja", "convert")
        t.ok(code == 2 and "使い方" in shown and "wlmigrate--help" in letters(shown),
             "a usage error on a console: exit 2, the message shown", shown[:400])
        store = os.path.join(wintest.SAMPLES, "wlm-store")
        ref_out, out = os.path.join(work, "linux"), os.path.join(work, "windows")
        ref = wltest.run("--lang", "ja", "convert", store, "--for", "thunderbird", "-o", ref_out)
        code, shown = on_console(wine, "--lang", "ja", "convert", wintest.winpath(store),
                                 "--for", "thunderbird", "-o", wintest.winpath(out))
        t.eq(code, ref.returncode, "a conversion on a console: exit %d as on Linux"
             % ref.returncode)
        summary = [line for line in ref.stdout.decode("utf-8").splitlines() if line.strip()]
        # the summary line names no path before its first "/": that part must be shown as is
        head = letters(summary[0].split("/")[0]) if summary else ""
        t.ok(len(head) > 10 and head in letters(shown) and "thunderbird" in shown,
             "a conversion on a console: its summary is shown in Japanese (%s)" % head,
             shown[-600:])
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
