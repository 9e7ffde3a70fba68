#!/usr/bin/env python3
"""PST files we write are accepted by a strict checker and by three independent readers.

build/tests/test_pst_build writes empty.pst, tree.pst (three levels of Japanese folder names)
and mail.pst (messages with recipients and attachments) with, beside each, NAME.expect: the
FOLDER/ITEM lines pst-walk.js should print. Each file must pass ../shared/tools/pstcheck.py
with `== errors: 0`, open in pffinfo, export in pffexport with the same folders and message
counts, give the same folders and counts in readpst -j 0 -D -r (with forked jobs readpst
0.6.76 shares a file offset between its children and loses messages), and the same listing in
pst-extractor (npm, through ../shared/tools/pst-walk.js; installed into $BUILD/npm-pst when npm is there).
Our empty store must have the node set and template columns of Outlook's Empty.pst.

80-pst-random.t loads this file for its helpers.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

BUILD = os.environ.get("BUILD") or os.path.join(wltest.REPO, "build")
BUILDER = os.path.join(BUILD, "tests", "test_pst_build")
PSTCHECK = os.path.join(wltest.TOOLS, "pstcheck.py")
WALK = os.path.join(wltest.TOOLS, "pst-walk.js")
EMPTY_OUTLOOK = os.path.join(wltest.CORPORA, "pst", "outlook-pst-rs", "Empty.pst")
TOP = "/Top of Outlook data file"
NON_BMP = re.compile("[\U00010000-\U0010FFFF]")


def read_expect(path):
    """[(folder line, [item lines])] from NAME.expect."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("FOLDER "):
                out.append((line, []))
            elif line.strip():
                out[-1][1].append(line.strip())
    return out


def expected_folders(exp):
    """{path below the top folder: message count}"""
    res = {}
    for fline, items in exp:
        path = re.match(r"FOLDER (.*?) count=", fline).group(1)
        res[path[len(TOP) + 1:]] = len(items)
    return res


def pstcheck(t, pst, name):
    p = subprocess.run([sys.executable, PSTCHECK, pst, "--props"], capture_output=True)
    last = p.stdout.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    t.ok(p.returncode == 0 and last[0] == "== errors: 0", "%s: pstcheck errors: 0" % name,
         p.stdout.decode("utf-8", "replace")[-3000:] + p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode("utf-8", "replace")


def check_pff(t, pst, name, exp, work):
    if not wltest.have("pffexport"):
        t.skip("%s: pffinfo/pffexport" % name, "pff-tools not installed")
        return
    p = subprocess.run(["pffinfo", pst], capture_output=True)
    out = p.stdout.decode("utf-8", "replace")
    t.ok(p.returncode == 0 and "Subtree, Wastbox, Common views, Finder" in out,
         "%s: pffinfo opens it and finds the store's folders" % name, out + p.stderr.decode())
    target = os.path.join(work, "pff-" + name)
    p = subprocess.run(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, pst],
                       capture_output=True)
    top = os.path.join(target + ".export", TOP[1:])
    got = {}
    for dirpath, dirs, files in os.walk(top):
        rel = os.path.relpath(dirpath, top)
        if re.search(r"(^|/)(Message|Contact|Appointment|Item)\d{5}(/|$)", rel):
            continue
        msgs = [d for d in dirs if re.match(r"(Message|Contact|Item)\d{5}$", d)]
        if rel != ".":
            got[rel] = len(msgs)
    want = dict(expected_folders(exp))
    want["Deleted Items"] = 0
    # libpff 20180714 decodes UTF-16 surrogate pairs wrongly (U+20BB7 comes out as U+207B8, while
    # pstcheck and pst-extractor read our D842 DFB7 right): compare such characters as "?".
    got, want = ({NON_BMP.sub("?", k): v for k, v in d.items()} for d in (got, want))
    t.eq(got, want, "%s: pffexport exports every folder with its messages" % name)
    leftovers = [d for d in (target + ".orphans", target + ".recovered")
                 if os.path.isdir(d) and os.listdir(d)]
    t.eq(leftovers, [], "%s: pffexport finds no orphaned or recovered items" % name)


def check_readpst(t, pst, name, exp, store, work):
    if not wltest.have("readpst"):
        t.skip("%s: readpst" % name, "pst-utils not installed")
        return
    target = os.path.join(work, "readpst-" + name)
    os.makedirs(target)
    p = subprocess.run(["readpst", "-j", "0", "-D", "-r", "-8", "-o", target, pst], capture_output=True)
    out = p.stdout.decode("utf-8", "replace")
    names = collections.Counter(re.findall(r'Processing Folder "(.*)"', out))
    want_folders = expected_folders(exp)
    want_names = collections.Counter(path.split("/")[-1] for path in want_folders)
    want_names["Deleted Items"] += 1
    t.eq(dict(names), dict(want_names), "%s: readpst walks every folder" % name)
    got = {}
    base = os.path.join(target, store)
    for dirpath, dirs, files in os.walk(base):
        if "mbox" in files:
            with open(os.path.join(dirpath, "mbox"), "rb") as fh:
                n = sum(1 for line in fh if line.startswith(b"From "))
            got[os.path.relpath(dirpath, base)] = n
    want = {k: v for k, v in want_folders.items() if v}
    t.eq(got, want, "%s: readpst message counts per folder" % name)


def walk_lines(t, pst, name, mods):
    env = dict(os.environ, NODE_PATH=mods)
    p = subprocess.run(["node", WALK, pst], capture_output=True, env=env, timeout=120)
    t.ok(p.returncode == 0, "%s: pst-extractor reads it" % name, p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode("utf-8", "replace").splitlines()


def check_walk(t, pst, name, exp, mods):
    if mods is None:
        t.skip("%s: pst-extractor" % name, "node/npm or the package not available")
        return
    lines = walk_lines(t, pst, name, mods)
    got, cur = [], None
    for line in lines:
        if line.startswith("FOLDER "):
            cur = None
            if line.startswith("FOLDER " + TOP + "/") and \
                    not line.startswith("FOLDER " + TOP + "/Deleted Items "):
                cur = (line, [])
                got.append(cur)
        elif line.startswith("  ITEM ") and cur is not None:
            m = re.search(r'subject=(".*?") read=(\w+)', line)
            cur[1].append("ITEM subject=%s read=%s" % (m.group(1), m.group(2)))
    t.eq(got, exp, "%s: pst-extractor lists the folders, counts and items we wrote" % name)


def check_all(t, work, name, mods):
    pst = os.path.join(work, name + ".pst")
    exp = read_expect(os.path.join(work, name + ".expect"))
    pstcheck(t, pst, name)
    check_pff(t, pst, name, exp, work)
    return pst, exp


def main():
    t = wltest.Tap()
    if not os.access(BUILDER, os.X_OK):
        t.skip_all("%s not built" % BUILDER)
    mods = wltest.pst_extractor_modules()
    with tempfile.TemporaryDirectory() as work:
        p = subprocess.run([BUILDER, work], capture_output=True)
        t.ok(p.returncode == 0, "test_pst_build writes the samples", p.stderr.decode())
        stores = {"empty": "Empty", "tree": "移行テスト", "mail": "Mail"}
        for name, store in stores.items():
            pst, exp = check_all(t, work, name, mods)
            check_readpst(t, pst, name, exp, store, work)
            check_walk(t, pst, name, exp, mods)
        size = os.path.getsize(os.path.join(work, "empty.pst"))
        t.eq(size, 0x4400 + 253952, "empty store: one AMap interval, as Outlook's")

        # The empty store against Outlook's: node set and the template tables' columns.
        def nodes_and_templates(path):
            out = subprocess.run([sys.executable, PSTCHECK, path, "--props"],
                                 capture_output=True).stdout.decode("utf-8", "replace")
            nids, cols, cur = [], {}, None
            for line in out.splitlines():
                m = re.match(r"  NID (\w+) ", line)
                if m:
                    cur = int(m.group(1), 16)
                    nids.append(cur)
                m = re.match(r"\s+col (\w+) ib=(\d+) cb=(\d+) iBit=(\d+)", line)
                if m and cur in (0x60D, 0x60E, 0x60F, 0x610, 0x62B, 0x64C, 0x671, 0x692, 0x6B6, 0x6D7, 0x6F8):
                    cols.setdefault(cur, []).append(m.groups())
            return sorted(nids), cols
        ours, outlook = nodes_and_templates(os.path.join(work, "empty.pst")), nodes_and_templates(EMPTY_OUTLOOK)
        t.eq([hex(n) for n in ours[0]], [hex(n) for n in outlook[0]], "empty store: Outlook's node set")
        t.eq(ours[1], outlook[1], "empty store: Outlook's template table columns")
        # Japanese names survive as UTF-16 in the PC: pstcheck shows them.
        dump = pstcheck(t, os.path.join(work, "tree.pst"), "tree (again)")
        t.ok("'旅行 ✈ 𠮷野家'" in dump and "'移行テスト'" in dump, "tree: Japanese names and a surrogate pair stored")
    t.done()


if __name__ == "__main__":
    main()
