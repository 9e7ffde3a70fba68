#!/usr/bin/env python3
"""Same input, same output: the PST's identifiers are derived from the input (pstwriter.c), so
two conversions of one store with SOURCE_DATE_EPOCH set give byte-identical PSTs; another time
of the run (which goes into the store's creation time, contacts' times and 0xF01's instance
GUIDs) or another store gives another PST."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402


def convert(t, store, out, env=None, *extra):
    e = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "SOURCE_DATE_EPOCH")}
    e["LC_ALL"] = "C.UTF-8"
    e.update(env or {})
    p = wltest.run("convert", store, "--for", "outlook", "-o", out, "-q", "--force", *extra, env=e)
    t.ok(p.returncode in (0, 1), "%s: convert finishes" % out, p.stderr.decode("utf-8", "replace"))
    with open(os.path.join(out, "outlook", "Windows Live Mail.pst"), "rb") as fh:
        return fh.read()


def main():
    t = wltest.Tap()
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(wltest.SAMPLES, "wlm-store")
        contacts = ("--contacts", os.path.join(wltest.SAMPLES, "contacts"))
        fixed = {"SOURCE_DATE_EPOCH": "1700000000"}
        a = convert(t, store, os.path.join(tmp, "a"), fixed, *contacts)
        b = convert(t, store, os.path.join(tmp, "b"), fixed, *contacts)
        t.ok(a == b, "two runs with SOURCE_DATE_EPOCH: byte-identical PSTs (%d bytes)" % len(a))
        c = convert(t, store, os.path.join(tmp, "c"), {"SOURCE_DATE_EPOCH": "1800000000"}, *contacts)
        t.ok(a != c, "another SOURCE_DATE_EPOCH: another PST")
        other = os.path.join(tmp, "other-store")
        shutil.copytree(os.path.join(wltest.SAMPLES, "eml-tree"), other)
        d = convert(t, other, os.path.join(tmp, "d"), fixed)
        e = convert(t, other, os.path.join(tmp, "e"), fixed)
        t.ok(a != d and d == e, "another store: another PST, again the same on a second run")
    t.done()


if __name__ == "__main__":
    main()
