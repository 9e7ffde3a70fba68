#!/usr/bin/env python3
"""Soak: `convert --for outlook` writes a PST beyond 4 GB that is correct (issue 7).

Not part of `make test` (run it with `make soak`). It needs about 3x the PST size free on the
disk of $TMPDIR (about 15 GB) and takes a few minutes on two cores:

- a temporary .eml tree is generated, streaming, from a fixed seed: SOAK_PST_MESSAGES (450)
  messages in three folders, each with one incompressible 10 MiB base64 attachment;
- `wlmigrate convert STORE --for outlook -o OUT` runs under a small wrapper that reports the
  child's peak RSS (getrusage RUSAGE_CHILDREN); it must stay under 64 MiB (issue 11);
- the PST must be larger than 4 GiB, so that block offsets need more than 32 bits and the file
  passes the ~2 GB mark where FPMap pages begin;
- a reader written here from [MS-PST] and doc/PST.md (section 1.1, 1.6) checks every
  AMap interval k: AMap at 0x4400 + k * 253952, PMap at +512 when k % 8 == 0, FMap at +1024 when
  k >= 128 and (k - 128) % 496 == 0, FPMap at +1024 when k >= 8192 and (k - 8192) % 31744 == 0
  (one FPMap maps 496 * 8 PMaps = 31744 AMaps; the first is at 0x7C004800): ptype, wSig 0, the
  trailer's bid (= the page's offset) and CRC; the FMap bytes (longest free run of each AMap);
  every block's trailer (cb, bid, wSig, CRC over the stored bytes) for every BBT entry; and that
  each AMap marks exactly the map pages, B-tree pages and blocks of its interval, nothing more
  (a map page in a wrong slot would be allocated space nobody owns) and nothing less;
- tests/tools/pstcheck.py (without --props, which would decode 4 GB in pure Python):
  header CRCs, ibFileEof, every AMap page, cbAMapFree, the BBT and NBT pages, AMap coverage of
  every block: `== errors: 0`;
- pffinfo opens the file; pffexport finds every message in its folder, nothing orphaned or
  recovered, every attachment at full size, and the first, middle and last attachment
  byte-identical (SHA-256) to the generated ones; readpst finds every message.
Timings and the peak RSS are printed as TAP comments. Everything temporary is removed.
"""
import base64
import hashlib
import json
import mmap
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import wltest  # noqa: E402

N = int(os.environ.get("SOAK_PST_MESSAGES") or 450)
SIZE = 10 << 20            # attachment bytes per message
FOLDERS = 3
SEED = 0x4C3A7E
CHUNK = 57 * 16384         # generated per step; a multiple of 57 keeps base64 lines of 76
PSTCHECK = os.path.join(wltest.TOOLS, "pstcheck.py")
TOP = "Top of Outlook data file"
STORE_NAME = "soakstore"

AMAP0 = 0x4400
INTERVAL = 253952
PAGE = 512

WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(json.dumps({"rc": p.returncode, "seconds": time.monotonic() - t,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": p.stderr.decode("utf-8", "replace")}))
"""


def note(msg):
    print("# " + msg)
    sys.stdout.flush()


def chunks(i):
    """The attachment of message i, in CHUNK-sized pieces, the same on every call."""
    rng = random.Random(SEED * 1000003 + i)
    left = SIZE
    while left > 0:
        c = min(CHUNK, left)
        yield rng.randbytes(c)
        left -= c


def attachment_sha256(i):
    h = hashlib.sha256()
    for c in chunks(i):
        h.update(c)
    return h.hexdigest()


def folder_of(i):
    return "Folder%d" % (i % FOLDERS)


def make_store(root):
    for i in range(N):
        d = os.path.join(root, folder_of(i))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "m%05d.eml" % i), "wb") as fh:
            fh.write(b"From: Soak Sender <soak@example.org>\n"
                     b"To: Soak Reader <reader@example.org>\n"
                     b"Date: Mon, 01 Jan 2024 10:%02d:%02d +0000\n"
                     b"Subject: soak %05d\n"
                     b"Message-ID: <soak-%05d@example.org>\n"
                     b"MIME-Version: 1.0\n"
                     b"Content-Type: multipart/mixed; boundary=\"=soak=\"\n\n"
                     b"--=soak=\nContent-Type: text/plain; charset=us-ascii\n\n"
                     b"soak message %05d\n\n"
                     b"--=soak=\nContent-Type: application/octet-stream\n"
                     b"Content-Disposition: attachment; filename=\"blob%05d.bin\"\n"
                     b"Content-Transfer-Encoding: base64\n\n"
                     % (i // 60 % 60, i % 60, i, i, i, i))
            for c in chunks(i):
                fh.write(base64.encodebytes(c))
            fh.write(b"\n--=soak=--\n")


def timed(argv, **kw):
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True, **kw)
    return p, time.monotonic() - t


# ---- a small reader for the NDB layer -----------------------------------------------------

def crc(b):
    return zlib.crc32(b, 0xFFFFFFFF) ^ 0xFFFFFFFF


def wsig(ib, bid):
    x = (ib ^ bid) & 0xFFFFFFFF
    return ((x >> 16) ^ x) & 0xFFFF


def has_pmap(k):
    return k % 8 == 0


def has_fmap(k):
    return k >= 128 and (k - 128) % 496 == 0


def has_fpmap(k):
    return k >= 8192 and (k - 8192) % 31744 == 0


def map_pages(k):
    """[(offset, ptype)] of the map pages that interval k must hold."""
    base = AMAP0 + k * INTERVAL
    pages = [(base, 0x84)]
    if has_pmap(k):
        pages.append((base + PAGE, 0x83))
    if has_fmap(k):
        pages.append((base + 2 * PAGE, 0x82))
    elif has_fpmap(k):
        pages.append((base + 2 * PAGE, 0x85))
    return pages


def longest_free(bits):
    s = "".join(format(b, "08b") for b in bits)
    return min(255, max(len(r) for r in s.split("1")))


class Bitmaps:
    """Expected AMap bitmaps, built from what the file holds."""

    def __init__(self, count):
        self.maps = [bytearray(496) for _ in range(count)]

    def mark(self, off, length):
        k = (off - AMAP0) // INTERVAL
        if k < 0 or k >= len(self.maps) or (off + length - 1 - AMAP0) // INTERVAL != k:
            return False
        m = self.maps[k]
        first = (off - AMAP0 - k * INTERVAL) // 64
        last = first + (length + 63) // 64        # exclusive
        while first < last and first % 8:
            m[first // 8] |= 0x80 >> (first % 8)
            first += 1
        while first + 8 <= last:
            m[first // 8] = 0xFF
            first += 8
        while first < last:
            m[first // 8] |= 0x80 >> (first % 8)
            first += 1
        return True


def check_ndb(t, path):
    """The structure checks of this script (see the docstring). Returns a dict of figures."""
    errors = []
    figures = {}

    def bad(msg):
        if len(errors) < 40:
            errors.append(msg)
        else:
            errors[-1] = "... and more"

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as f:
        size = len(f)
        h = f[:564]
        eof, amap_last, amap_free = struct.unpack_from("<QQQ", h, 184)
        nbt_bid, nbt_ib, bbt_bid, bbt_ib = struct.unpack_from("<QQQQ", h, 216)
        t.eq(eof, size, "header ibFileEof is the file size")
        t.ok((size - AMAP0) % INTERVAL == 0, "the file ends at the end of an AMap interval")
        count = (size - AMAP0) // INTERVAL
        t.eq(amap_last, AMAP0 + (count - 1) * INTERVAL, "header ibAMapLast is the last AMap")
        figures["amaps"] = count

        # Map pages at their slots.
        want = {"amap": 0, "pmap": 0, "fmap": 0, "fpmap": 0}
        names = {0x84: "amap", 0x83: "pmap", 0x82: "fmap", 0x85: "fpmap"}
        fpmap_offsets = []
        expect = Bitmaps(count)
        free_bits = 0
        for k in range(count):
            for off, ptype in map_pages(k):
                pg = f[off:off + PAGE]
                tr = pg[496:]
                want[names[ptype]] += 1
                if ptype == 0x85:
                    fpmap_offsets.append(off)
                if tr[0] != ptype or tr[1] != ptype:
                    bad("interval %d: page at %#x has ptype %02x/%02x, want %02x"
                        % (k, off, tr[0], tr[1], ptype))
                    continue
                if struct.unpack_from("<H", tr, 2)[0] != 0:
                    bad("map page at %#x: wSig not 0" % off)
                if struct.unpack_from("<I", tr, 4)[0] != crc(pg[:496]):
                    bad("map page at %#x: CRC mismatch" % off)
                if struct.unpack_from("<Q", tr, 8)[0] != off:
                    bad("map page at %#x: trailer bid %#x is not its offset"
                        % (off, struct.unpack_from("<Q", tr, 8)[0]))
                if ptype == 0x82:
                    for j in range(496):
                        if k + j >= count:
                            break
                        a = AMAP0 + (k + j) * INTERVAL
                        lf = longest_free(f[a:a + 496])
                        if pg[j] != lf:
                            bad("FMap at %#x: byte %d (AMap %d) is %d, longest free run is %d"
                                % (off, j, k + j, pg[j], lf))
                            break
                expect.mark(off, PAGE)
            # The +1024 slot of an interval without FMap or FPMap is ordinary space.
            if not has_fmap(k) and not has_fpmap(k):
                off = AMAP0 + k * INTERVAL + 2 * PAGE
                tr = f[off + 496:off + PAGE]
                if tr[0] in (0x82, 0x85) and tr[0] == tr[1] and \
                        struct.unpack_from("<Q", tr, 8)[0] == off:
                    bad("interval %d: a map page (ptype %02x) at %#x where none belongs"
                        % (k, tr[0], off))
            a = AMAP0 + k * INTERVAL
            free_bits += sum(8 - bin(b).count("1") for b in f[a:a + 496])
        figures.update(want)
        figures["fpmap_offsets"] = fpmap_offsets
        t.eq(amap_free, free_bits * 64, "header cbAMapFree equals the free bits of the AMaps")

        # B-tree pages, then every block of the BBT.
        blocks = []
        npages = [0]

        def walk(ib, bid, ptype):
            pg = f[ib:ib + PAGE]
            tr = pg[496:]
            if ib % PAGE or tr[0] != ptype or tr[1] != ptype or \
                    struct.unpack_from("<I", tr, 4)[0] != crc(pg[:496]) or \
                    struct.unpack_from("<Q", tr, 8)[0] != bid or \
                    struct.unpack_from("<H", tr, 2)[0] != wsig(ib, bid):
                bad("B-tree page at %#x (bid %#x): bad alignment or trailer" % (ib, bid))
                return
            npages[0] += 1
            if not expect.mark(ib, PAGE):
                bad("B-tree page at %#x outside the file or across an interval" % ib)
            c_ent, _, cb_ent, level = pg[488], pg[489], pg[490], pg[491]
            for i in range(c_ent):
                e = pg[i * cb_ent:(i + 1) * cb_ent]
                if level > 0:
                    walk(struct.unpack_from("<Q", e, 16)[0], struct.unpack_from("<Q", e, 8)[0],
                         ptype)
                elif ptype == 0x80:
                    bid_e, ib_e, cb = struct.unpack_from("<QQH", e, 0)
                    blocks.append((bid_e, ib_e, cb))

        walk(bbt_ib, bbt_bid, 0x80)
        walk(nbt_ib, nbt_bid, 0x81)
        figures["btree_pages"] = npages[0]
        figures["blocks"] = len(blocks)
        max_ib = 0
        for bid, ib, cb in blocks:
            total = (cb + 16 + 63) // 64 * 64
            if ib % 64 or total > 8192 or not expect.mark(ib, total):
                bad("block %#x at %#x (cb %d): misaligned, too large or across an interval"
                    % (bid, ib, cb))
                continue
            raw = f[ib:ib + total]
            tcb, tsig, tcrc, tbid = struct.unpack_from("<HHIQ", raw, total - 16)
            if tcb != cb or tbid != bid or tsig != wsig(ib, bid) or tcrc != crc(raw[:cb]):
                bad("block %#x at %#x: trailer cb %d bid %#x sig/CRC %s"
                    % (bid, ib, tcb, tbid, "ok" if tcrc == crc(raw[:cb]) else "wrong"))
            max_ib = max(max_ib, ib)
        figures["max_block_ib"] = max_ib

        # Each AMap marks exactly what its interval holds.
        diff = 0
        for k in range(count):
            a = AMAP0 + k * INTERVAL
            if f[a:a + 496] != bytes(expect.maps[k]):
                diff += 1
                if diff <= 5:
                    got = f[a:a + 496]
                    extra = sum(bin(g & ~w & 0xFF).count("1") for g, w in zip(got, expect.maps[k]))
                    miss = sum(bin(w & ~g & 0xFF).count("1") for g, w in zip(got, expect.maps[k]))
                    bad("AMap %d at %#x: %d units marked that nothing holds, %d held but unmarked"
                        % (k, a, extra, miss))
        figures["amap_mismatches"] = diff
    return errors, figures


def main():
    t = wltest.Tap()
    missing = [x for x in ("pffinfo", "pffexport", "readpst") if not shutil.which(x)]
    if missing:
        t.skip_all("readers not installed: " + ", ".join(missing))
    tmp_parent = os.environ.get("TMPDIR") or tempfile.gettempdir()
    planned = N * SIZE * 21 // 20
    free = shutil.disk_usage(tmp_parent).free
    if free < 3 * planned:
        t.skip_all("needs %.1f GB free in %s (3x the planned %.1f GB PST), has %.1f GB"
                   % (3 * planned / 1e9, tmp_parent, planned / 1e9, free / 1e9))
    big = N * SIZE > 4_400_000_000
    note("plan: %d messages x %d MiB attachment, PST about %.2f GB; %.1f GB free in %s"
         % (N, SIZE >> 20, planned / 1e9, free / 1e9, tmp_parent))

    tmp = tempfile.mkdtemp(prefix="wlm-soak-4g-", dir=tmp_parent)
    try:
        run(t, tmp, big)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.ok(not os.path.exists(tmp), "temporary files removed")
    t.done()


def run(t, tmp, big):
    store = os.path.join(tmp, STORE_NAME)
    out = os.path.join(tmp, "out")
    t0 = time.monotonic()
    make_store(store)
    note("generated store in %.1f s" % (time.monotonic() - t0))

    env = dict(os.environ)
    q = "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
    env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"] + ":" + q if env.get("ASAN_OPTIONS") else q
    p = subprocess.run([sys.executable, "-c", WRAPPER, wltest.WLMIGRATE, "convert", store,
                        "--for", "outlook", "-o", out, "-q"], capture_output=True, env=env,
                       timeout=3600)
    r = json.loads(p.stdout.decode())
    if not t.ok(r["rc"] == 0, "convert --for outlook exits 0", r["stderr"]):
        return
    shutil.rmtree(store)
    psts = sorted(os.listdir(os.path.join(out, "outlook")))
    if not t.eq(len(psts), 1, "one PST written"):
        return
    pst = os.path.join(out, "outlook", psts[0])
    size = os.path.getsize(pst)
    rss = r["maxrss_kib"] * 1024
    note("PST %d bytes (%.2f GB, %.2f GiB) written in %.1f s (%.0f MB/s); wlmigrate peak RSS "
         "%.1f MiB" % (size, size / 1e9, size / 2**30, r["seconds"], size / 1e6 / r["seconds"],
                       rss / 2**20))
    if big:
        t.ok(size > 4 * 2**30, "the PST is larger than 4 GiB (%d bytes)" % size)
    else:
        t.ok(True, "the PST is larger than 4 GiB # SKIP SOAK_PST_MESSAGES=%d is too few" % N)
    t.ok(rss < 64 * 2**20,
         "wlmigrate peak RSS %.1f MiB < 64 MiB for a store of %.1f GB" % (rss / 2**20, size / 1e9))

    t0 = time.monotonic()
    errors, fig = check_ndb(t, pst)
    note("NDB reader: %d AMaps, %d PMaps, %d FMaps, %d FPMaps at %s, %d B-tree pages, "
         "%d blocks, last block at %#x; %.1f s"
         % (fig.get("amaps", 0), fig.get("pmap", 0), fig.get("fmap", 0), fig.get("fpmap", 0),
            [hex(x) for x in fig.get("fpmap_offsets", [])], fig.get("btree_pages", 0),
            fig.get("blocks", 0), fig.get("max_block_ib", 0), time.monotonic() - t0))
    t.eq(errors, [], "map pages at their slots, every block trailer and CRC, AMaps exact")
    if big:
        t.ok(fig.get("amaps", 0) > 8192 and fig.get("fpmap_offsets", [None])[0] == 0x7C004800,
             "the file crosses AMap interval 8192 and has its FPMap at 0x7C004800")
        t.ok(fig.get("max_block_ib", 0) > 2**32, "blocks sit beyond 4 GiB")

    t0 = time.monotonic()
    p = subprocess.run([sys.executable, PSTCHECK, pst], capture_output=True, timeout=3600)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    note("pstcheck.py (structure, AMaps, BBT/NBT, AMap coverage; no --props): %.1f s"
         % (time.monotonic() - t0))
    t.ok(lines and lines[-1] == "== errors: 0", "pstcheck.py: errors 0",
         "\n".join([ln for ln in lines if "!!" in ln][:20] + lines[-3:]) +
         p.stderr.decode("utf-8", "replace")[-2000:])

    p, secs = timed(["pffinfo", pst], timeout=600)
    note("pffinfo: %.1f s" % secs)
    t.ok(p.returncode == 0 and b"Personal Folder File information" in p.stdout,
         "pffinfo opens the PST", p.stderr.decode("utf-8", "replace"))

    target = os.path.join(tmp, "pff")
    p, secs = timed(["pffexport", "-q", "-f", "all", "-m", "all", "-t", target, pst],
                    timeout=3600)
    note("pffexport -f all -m all: %.1f s" % secs)
    t.ok(p.returncode == 0, "pffexport exits 0", p.stderr.decode("utf-8", "replace"))
    top = os.path.join(target + ".export", TOP, STORE_NAME)
    found = {}
    sizes_bad = []
    for fo in sorted(os.listdir(top)) if os.path.isdir(top) else []:
        for m in sorted(os.listdir(os.path.join(top, fo))):
            adir = os.path.join(top, fo, m, "Attachments")
            for a in os.listdir(adir) if os.path.isdir(adir) else []:
                mm = re.match(r"\d+_blob(\d{5})\.bin$", a)
                if mm:
                    i = int(mm.group(1))
                    found[i] = (fo, os.path.join(adir, a))
                    if os.path.getsize(os.path.join(adir, a)) != SIZE:
                        sizes_bad.append(a)
    t.eq(sorted(found), list(range(N)), "pffexport: every message, with its attachment")
    t.eq(sorted(i for i, (fo, _) in found.items() if fo != folder_of(i)), [],
         "pffexport: every message in its folder")
    t.eq(sizes_bad, [], "pffexport: every attachment has its full size")
    leftovers = [d for d in (target + ".orphans", target + ".recovered")
                 if os.path.isdir(d) and os.listdir(d)]
    t.eq(leftovers, [], "pffexport: nothing orphaned or recovered")
    for i in sorted({0, N // 2, N - 1}):
        got = None
        if i in found:
            h = hashlib.sha256()
            with open(found[i][1], "rb") as fh:
                for c in iter(lambda: fh.read(1 << 20), b""):
                    h.update(c)
            got = h.hexdigest()
        t.eq(got, attachment_sha256(i), "attachment of message %d is byte-identical" % i)
    shutil.rmtree(target + ".export", ignore_errors=True)

    rdir = os.path.join(tmp, "readpst")
    os.makedirs(rdir)
    p, secs = timed(["readpst", "-j", "0", "-D", "-r", "-8", "-o", rdir, pst], timeout=3600)
    note("readpst -j 0 -D -r -8: %.1f s" % secs)
    counts = {}
    for dirpath, dirs, files in os.walk(rdir):
        if "mbox" in files:
            g = subprocess.run(["grep", "-c", "^From ", os.path.join(dirpath, "mbox")],
                               capture_output=True)
            counts[os.path.basename(dirpath)] = int(g.stdout or 0)
    want = {}
    for i in range(N):
        want[folder_of(i)] = want.get(folder_of(i), 0) + 1
    t.eq(counts, want, "readpst: every message in its folder",)
    shutil.rmtree(rdir, ignore_errors=True)


if __name__ == "__main__":
    main()
