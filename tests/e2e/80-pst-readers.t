#!/usr/bin/env python3
"""PST files we write are accepted by a strict checker and by three independent readers.

build/tests/test_pst_build writes empty.pst, tree.pst (three levels of Japanese folder names)
and mail.pst (messages with recipients and attachments) with, beside each, NAME.expect: the
FOLDER/ITEM lines pst-walk.js should print. Each file must pass tests/tools/pstcheck.py
with `== errors: 0`, open in pffinfo, export in pffexport with the same folders and message
counts, give the same folders and counts in readpst -j 0 -D -r (with forked jobs readpst
0.6.76 shares a file offset between its children and loses messages), and the same listing in
pst-extractor (npm, through tests/tools/pst-walk.js; installed into $BUILD/npm-pst when npm is there).
Our empty store must have the node set and template columns of Outlook's Empty.pst
(../shared/corpora/pst/outlook-pst-rs; one skipped check when it is absent outside CI).

Every file is also walked by Microsoft's pstsdk (87-pstsdk.t holds the walker's helpers): 0
errors, no DISAGREE line, the folders' rows and PR_CONTENT_COUNT as written.

large.pst (test_pst_build DIR large) holds 20,000 messages in one folder (a contents table whose
heap and row matrix span many blocks) and a message whose property context spans several heap
blocks, with a 200-row recipient table and an embedded message: pstcheck with its layout rules,
readpst and pstsdk must find every message, pffinfo must open it, and the size estimate behind
--pst-max-size must not be below the file's size. pffexport and pst-extractor are left out for
this one file (pffexport writes 80,000 files for it, 45 s and more; pst-extractor takes 20 s);
both read the 301-row, five-block contents table of mail.pst.

The old layout: mail.pst and large.pst rewritten as the writer laid heaps out before issue 12
(every heap block cut at its page map) must fail pstcheck's heap-block and data-tree rules and
nothing else, pass it without the layout rules ([MS-PST] allows them), and make pstsdk disagree;
rewritten with unpadded row-matrix blocks (the prototype's layout, which pst-extractor
misreads), they must fail the row-matrix and data-tree rules and nothing else.

80-pst-random.t loads this file for its helpers.
"""
import importlib.machinery
import importlib.util
import struct
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
HERE = os.path.dirname(os.path.abspath(__file__))
pstsdk = importlib.machinery.SourceFileLoader("pstsdk", os.path.join(HERE, "87-pstsdk.t")).load_module()


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
    out = p.stdout.decode("utf-8", "replace")
    last = out.strip().splitlines()[-1:] or [""]
    t.ok(p.returncode == 0 and last[0] == "== errors: 0" and "\n== layout: " in out,
         "%s: pstcheck errors: 0, layout rules included" % name,
         out[-3000:] + p.stderr.decode("utf-8", "replace"))
    return out


def check_pstsdk(t, pst, name, exp):
    pstsdk.check(t, pst, name, expected_folders(exp))


# ---- the layout before issue 12, rebuilt from a file in today's layout ----------------------

def _pstcheck_module():
    spec = importlib.util.spec_from_file_location("pstcheck_mod", PSTCHECK)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def old_layout(src, dst, kind):
    """Writes `dst`: `src` with every non-last block of each multi-block heap cut at its page
    map (kind "heap": the layout before issue 12) or of each multi-block row matrix cut after
    its last whole row (kind "rows": unpadded row blocks). Each cut block keeps its place and
    BID: the block gets its new cb and trailer (CRC), its BBT entry the new cb (page CRC), its
    XBLOCK the new lcbTotal (CRC). The space freed stays allocated, which no rule checks.
    Returns the number of blocks cut."""
    pc = _pstcheck_module()
    p = pc.PST(src)
    f = bytearray(p.f)
    entry = {}

    def bbt_pages(ib):
        lvl, n = f[ib + 491], f[ib + 488]
        for i in range(n):
            e = ib + 24 * i
            if lvl:
                bbt_pages(pc.u64(f, e + 16))
            else:
                entry[pc.u64(f, e) & ~1] = e
    bbt_pages(p.hdr["bbt_ib"])
    pages, cut = set(), 0

    def rewrite(bid, stored):
        e = p.bbt[bid & ~1]
        ib, old = e["ib"], (e["cb"] + 16 + 63) // 64 * 64
        total = (len(stored) + 16 + 63) // 64 * 64
        trailer = struct.pack("<HHIQ", len(stored), pc.sig(ib, e["bid"]), pc.crc(bytes(stored)), e["bid"])
        f[ib:ib + old] = bytes(stored) + bytes(total - 16 - len(stored)) + trailer + bytes(old - total)
        struct.pack_into("<H", f, entry[bid & ~1] + 16, len(stored))
        pages.add(entry[bid & ~1] & ~511)

    def shorten(xbid, new_len):
        """Cuts the non-last leaves of XBLOCK `xbid` to new_len(index, decoded data) bytes."""
        nonlocal cut
        x = p.bbt[xbid & ~1]
        d = bytes(f[x["ib"]:x["ib"] + x["cb"]])
        if d[1] != 1:
            return
        kids = [pc.u64(d, 8 + 8 * i) for i in range(pc.u16(d, 2))]
        total = 0
        for i, k in enumerate(kids):
            e = p.bbt[k & ~1]
            stored = f[e["ib"]:e["ib"] + e["cb"]]
            if i + 1 < len(kids):
                n = new_len(i, p.block(k))
                if n < len(stored):
                    stored = stored[:n]
                    rewrite(k, stored)
                    cut += 1
            total += len(stored)
        d = d[:4] + struct.pack("<I", total) + d[8:]
        rewrite(xbid, d)

    seen = set()

    def visit(nid, bid_data, bid_sub):
        subs = p.subnodes(bid_sub) if bid_sub else {}
        if bid_data & 2 and nid & 0x1F != 0x1F and bid_data not in seen:
            seen.add(bid_data)
            blocks = p.data_tree(bid_data)
            if blocks and blocks[0][2:3] == b"\xec":
                if kind == "heap":
                    shorten(bid_data, lambda i, b: pc.u16(b, 0) + 4 + 2 * (pc.u16(b, pc.u16(b, 0)) + 1))
            hn = pc.HN(blocks) if blocks and blocks[0][2:3] == b"\xec" else None
        elif bid_data and nid & 0x1F != 0x1F:
            first = p.data_tree_first(bid_data)
            hn = pc.HN([first]) if first[2:3] == b"\xec" else None
        else:
            hn = None
        if kind == "rows" and hn is not None and hn.bClientSig == 0x7C:
            t = hn.get(hn.hidUserRoot)
            rows, rs = pc.u32(t, 14), pc.u16(t, 8)
            sn = subs.get(rows) if rows & 0x1F else None
            if sn and sn["bidData"] & 2 and sn["bidData"] not in seen:
                seen.add(sn["bidData"])
                shorten(sn["bidData"], lambda i, b: (8176 // rs) * rs)
        for snid, sn in subs.items():
            visit(snid, sn["bidData"], sn["bidSub"])
    for nid, e in sorted(p.nbt.items()):
        visit(nid, e["bidData"], e["bidSub"])
    for pg in pages:
        struct.pack_into("<I", f, pg + 500, pc.crc(bytes(f[pg:pg + 496])))
    with open(dst, "wb") as fh:
        fh.write(f)
    return cut


def check_old_layout(t, pst, name, work):
    """The rules fail on the old layouts, and only the rules: [MS-PST] still reads them."""
    for kind, rules in (("heap", {"heap-block", "data-tree"}), ("rows", {"row-matrix", "data-tree"})):
        dst = os.path.join(work, "%s-old-%s.pst" % (name, kind))
        cut = old_layout(pst, dst, kind)
        out = subprocess.run([sys.executable, PSTCHECK, dst],
                             capture_output=True).stdout.decode("utf-8", "replace")
        errs = [ln.strip()[3:] for ln in out.splitlines() if ln.startswith("  !! ")]
        got = {m.group(1) for m in (re.match(r"layout: ([a-z-]+): ", e) for e in errs) if m}
        other = [e for e in errs if not e.startswith("layout: ")]
        t.ok(cut > 0 and got == rules and not other,
             "%s, %s blocks unpadded (%d cut): pstcheck fails exactly the rules %s"
             % (name, kind, cut, ", ".join(sorted(rules))), "\n".join(errs[:15]))
        plain = subprocess.run([sys.executable, PSTCHECK, dst, "--no-layout"],
                               capture_output=True).stdout.decode("utf-8", "replace")
        t.ok(plain.strip().endswith("== errors: 0"),
             "%s, %s blocks unpadded: without the layout rules pstcheck accepts it ([MS-PST] "
             "allows it)" % (name, kind), plain[-1500:])
        path, why = pstsdk.walker()
        if path is None:
            t.skip("%s, %s blocks unpadded: pstsdk disagrees" % (name, kind), why)
            continue
        res = pstsdk.walk(dst)
        t.ok(any("short non-last child" in ln or "not 8176 bytes" in ln for ln in res["disagree"]),
             "%s, %s blocks unpadded: pstsdk disagrees (%d DISAGREE, %d ERROR lines)"
             % (name, kind, len(res["disagree"]), len(res["errors"])))


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


def check_large(t, work):
    """20,000 messages in one folder and a message wider than one heap block."""
    p = subprocess.run([BUILDER, work, "large"], capture_output=True)
    t.ok(p.returncode == 0, "test_pst_build writes large.pst", p.stderr.decode())
    pst = os.path.join(work, "large.pst")
    exp = read_expect(os.path.join(work, "large.expect"))
    dump = pstcheck(t, pst, "large")
    if wltest.have("pffinfo"):
        p = subprocess.run(["pffinfo", pst], capture_output=True)
        t.ok(p.returncode == 0, "large: pffinfo opens it", p.stderr.decode("utf-8", "replace"))
    else:
        t.skip("large: pffinfo", "pff-tools not installed")
    m = re.search(r"== layout: .*?(\d+) heaps \((\d+) of several blocks\).*?\((\d+) in subnodes\)", dump)
    t.ok(m and int(m.group(2)) >= 4 and int(m.group(3)) >= 2,
         "large: the layout rules saw the multi-block heaps (contents table, two PCs, recipient "
         "table) and row matrices (%s)" % (m.group(0) if m else "no layout line"))
    with open(os.path.join(work, "large.estimate")) as fh:
        estimate = int(fh.read())
    size = os.path.getsize(pst)
    t.ok(size <= estimate, "large: the --pst-max-size estimate before commit (%d) is not below "
                           "the file's size (%d)" % (estimate, size))
    check_readpst(t, pst, "large", exp, "Large", work)
    res = pstsdk.check(t, pst, "large", expected_folders(exp))
    if res:
        t.ok(res["summary"][2] == 1, "large: pstsdk opens the embedded message (%d attachments)"
             % res["summary"][2])


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
            check_pstsdk(t, pst, name, exp)
        check_large(t, work)
        check_old_layout(t, os.path.join(work, "mail.pst"), "mail", work)
        check_old_layout(t, os.path.join(work, "large.pst"), "large", work)
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
        if t.need_corpus("empty store: Outlook's node set and template table columns",
                         "pst/outlook-pst-rs/Empty.pst"):
            ours, outlook = nodes_and_templates(os.path.join(work, "empty.pst")), nodes_and_templates(EMPTY_OUTLOOK)
            t.ok(outlook[0], "Outlook's Empty.pst: pstcheck lists its nodes")
            t.eq([hex(n) for n in ours[0]], [hex(n) for n in outlook[0]], "empty store: Outlook's node set")
            t.eq(ours[1], outlook[1], "empty store: Outlook's template table columns")
        # Japanese names survive as UTF-16 in the PC: pstcheck shows them.
        dump = pstcheck(t, os.path.join(work, "tree.pst"), "tree (again)")
        t.ok("'旅行 ✈ 𠮷野家'" in dump and "'移行テスト'" in dump, "tree: Japanese names and a surrogate pair stored")
    t.done()


if __name__ == "__main__":
    main()
