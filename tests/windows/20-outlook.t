#!/usr/bin/env python3
"""The samples converted for Outlook by wlmigrate.exe under Wine: readpst, pffexport and
pst-extractor read the same messages from its PST as from the Linux build's.

Each store of samples/ is converted by the Linux build and by the exe. Judged: the same exit
code; readpst (`-j 0 -D -r -8`) exports the two PSTs to the same files, names and bytes (but the
MIME boundaries readpst makes up from a random number each run, which are masked); pffexport
(`-f all -m all`) exports them to the same files, names and bytes, except the creation and
modification times of each contact (the time of the conversion: two Linux runs differ there
too), which are masked in Contacts/*/Contact.txt alone; pst-extractor (tests/tools/pst-walk.js)
lists the same folders and messages; the same contacts.csv.
"""
import hashlib
import os
import re
import subprocess
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
PST = os.path.join("outlook", "Windows Live Mail.pst")
CONTACT_TIME = re.compile(rb"(?m)^(Creation|Modification) time:[^\n]*\n")
READPST_BOUNDARY = re.compile(rb"boundary-LibPST-iamunique-\d+_-_-")


def files_of(root, mask_contact_times=False, mask_boundaries=False):
    """{relative path: sha256} below root; with mask_contact_times, the two time lines of each
    Contacts/*/Contact.txt are left out first; with mask_boundaries, readpst's boundaries."""
    sums = {}
    for dirpath, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            rel = os.path.relpath(p, root)
            with open(p, "rb") as fh:
                data = fh.read()
            if mask_contact_times and re.search(r"(^|/)Contacts/Contact\d+/Contact\.txt$", rel):
                data = CONTACT_TIME.sub(b"", data)
            if mask_boundaries:
                data = READPST_BOUNDARY.sub(b"boundary-LibPST-iamunique-N_-_-", data)
            sums[rel] = hashlib.sha256(data).hexdigest()
    return sums


def readpst(pst, work, tag):
    out = os.path.join(work, "readpst-" + tag)
    os.makedirs(out)
    p = subprocess.run(["readpst", "-j", "0", "-D", "-r", "-8", "-o", out, pst],
                       capture_output=True)
    return p.returncode, files_of(out, mask_boundaries=True)


def pffexport(pst, work, tag):
    target = os.path.join(work, "pff-" + tag)
    p = subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, pst],
                       capture_output=True)
    return p.returncode, files_of(target + ".export", mask_contact_times=True)


def walk(pst, mods):
    """What pst-extractor (tests/tools/pst-walk.js) lists of `pst`: its exit code and lines."""
    p = subprocess.run(["node", os.path.join(wltest.TOOLS, "pst-walk.js"), pst],
                       capture_output=True, env=dict(os.environ, NODE_PATH=mods), timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace").splitlines()


def compare(t, what, want, have):
    t.ok(len(want) > 1, "%s: the Linux build's PST exports %d files" % (what, len(want)))
    t.eq(sorted(have), sorted(want), "%s: the same file names" % what)
    differ = sorted(n for n in want if have.get(n) not in (None, want[n]))
    t.eq(differ, [], "%s: every file has the same bytes" % what)


def main():
    t = wltest.Tap()
    for tool, pkg in (("readpst", "pst-utils"), ("pffexport", "pff-tools")):
        if not wltest.have(tool):
            t.skip_all("%s not installed (%s)" % (tool, pkg))
    mods = wltest.pst_extractor_modules()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-pst-")
    try:
        for store, extra in CASES:
            ref, got, ref_out, exe_out = wintest.convert_both(wine, work, store, extra,
                                                              "outlook")
            t.eq(got.returncode, ref.returncode, "%s: the exe exits %d as Linux does"
                 % (store, ref.returncode))
            if not t.ok(os.path.isfile(os.path.join(exe_out, PST)),
                        "%s: the exe wrote its PST" % store, wintest.text(got.stderr)):
                continue
            rc_ref, want = readpst(os.path.join(ref_out, PST), work, store + "-linux")
            rc_got, have = readpst(os.path.join(exe_out, PST), work, store + "-windows")
            t.eq((rc_got, rc_ref), (0, 0), "%s: readpst reads both PSTs" % store)
            compare(t, "%s: readpst -j 0" % store, want, have)
            rc_ref, want = pffexport(os.path.join(ref_out, PST), work, store + "-linux")
            rc_got, have = pffexport(os.path.join(exe_out, PST), work, store + "-windows")
            t.eq((rc_got, rc_ref), (0, 0), "%s: pffexport reads both PSTs" % store)
            compare(t, "%s: pffexport" % store, want, have)
            if mods is None:
                t.skip("%s: pst-extractor" % store, "node/npm or the package not available")
            else:
                rc_ref, want = walk(os.path.join(ref_out, PST), mods)
                rc_got, have = walk(os.path.join(exe_out, PST), mods)
                t.ok((rc_got, rc_ref) == (0, 0) and len(want) > 1 and have == want,
                     "%s: pst-extractor lists the same %d folders and messages" % (store, len(want)),
                     "\n".join(sorted(set(want) ^ set(have))[:20]))
            csv = os.path.join("outlook", "contacts.csv")
            t.eq(files_of(os.path.join(exe_out, "outlook")).get("contacts.csv"),
                 files_of(os.path.join(ref_out, "outlook")).get("contacts.csv"),
                 "%s: the same %s" % (store, csv))
    finally:
        wine.close()
        wltest.shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
