#!/usr/bin/env python3
"""The samples converted for Thunderbird by wlmigrate.exe under Wine give the Linux build's bytes.

Each store of samples/ (the WLM store with its database and the sample address books, the
Windows Mail store, the .eml tree) is converted by the Linux build and by the exe into OUTs of
their own. Judged: the same exit code; OUT/thunderbird/ and OUT/unconverted/ the same, file for
file, names included (every name and every byte: sha256 of each file below them, found with
os.walk without following links); report.json's store kind, database state, totals and problem
kinds the same (its paths are each system's own and are not compared).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

CASES = [
    ("wlm-store", ["--contacts", "samples/contacts"]),
    ("windows-mail-store", []),
    ("eml-tree", []),
]


def summary(out):
    path = os.path.join(out, "report.json")
    if not os.path.isfile(path):
        return None
    r = wltest.load_json(path)
    return {"store_kind": r.get("store_kind"), "database": r.get("database"),
            "totals": r.get("totals"),
            "problems": sorted(p.get("kind", "") for p in r.get("problems", []))}


def tree(out, sub):
    return wltest.sha256_tree(os.path.join(out, sub))


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-tb-")
    try:
        for store, extra in CASES:
            ref, got, ref_out, exe_out = wintest.convert_both(wine, work, store, extra,
                                                              "thunderbird")
            t.eq(got.returncode, ref.returncode, "%s: the exe exits %d as Linux does"
                 % (store, ref.returncode))
            if not t.ok(os.path.isfile(os.path.join(exe_out, "report.json")),
                        "%s: the exe finished its result" % store, wintest.text(got.stderr)):
                continue
            want = tree(ref_out, "thunderbird")
            t.ok(len(want) > 2, "%s: the Linux build wrote a Thunderbird tree (%d files)"
                 % (store, len(want)))
            have = tree(exe_out, "thunderbird")
            t.eq(sorted(have), sorted(want), "%s: the same file names in thunderbird/" % store)
            differ = sorted(n for n in want if have.get(n) not in (None, want[n]))
            t.eq(differ, [], "%s: every file in thunderbird/ has the same bytes" % store)
            t.eq(tree(exe_out, "unconverted"), tree(ref_out, "unconverted"),
                 "%s: the same unconverted/ originals" % store)
            t.eq(summary(exe_out), summary(ref_out),
                 "%s: report.json: same store kind, database, totals, problem kinds" % store)
    finally:
        wine.close()
        wltest.shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
