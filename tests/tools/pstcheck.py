#!/usr/bin/env python3
"""pstcheck.py - an independent strict checker and dumper for Unicode PST files.

Written for this project as a test oracle, apart from its C code, from the [MS-PST] specification
alone (doc/PST.md says what wlmigrate writes and why): the tests judge our PST files with it, and
it reads the PST files Outlook itself wrote with 0 errors. The tests run this copy, carried in the
repository so that a clone can test itself.

Checks header CRCs, page CRC/sig, block CRC/sig, walks NBT/BBT, the allocation map, decodes
HN/BTH/PC/TC. Needs Python 3 and pst-permute-table.txt beside this file (the [MS-PST] 5.1
permutation table, for blocks written with bCryptMethod NDB_CRYPT_PERMUTE).

Usage: pstcheck.py FILE.pst [--nodes] [--props] [--amap] [--bbt] [--no-layout]
       pstcheck.py FILE.pst --nameid          (the named-property map, after the check)
The last line is `== errors: N`; exit status 0 when N is 0, 1 otherwise (a file that is not a
Unicode PST at all stops with a traceback, also a non-zero status).

Layout rules. Besides what [MS-PST] requires, the check holds every file to the layout Outlook
itself writes where [MS-PST] leaves a choice, because readers written by Outlook's team depend on
it (Microsoft's pstsdk) and so, presumably, does Outlook. Each rule was measured on the Outlook-made
files (java-libpst dist-list.pst and passworded.pst, outlook-pst-rs Empty.pst, libyal outlook.pst):
they all pass. Errors start with "layout:" and name the rule; `--no-layout` skips them (for
files of several GB, where reading every heap in Python takes long). The rules:
  data-tree     every child of an XBLOCK but the last holds 8176 bytes, every XBLOCK of an
                XXBLOCK but the last 1021 * 8176. [MS-PST] only says lcbTotal is the sum; pstsdk
                finds byte k of a node in child k / 8176 (ndb/node.h), so a short block makes it
                read the wrong bytes or loop; Outlook's multi-block streams are cut so.
  heap-block    a heap's items start right after the block's header (HNHDR 12, HNBITMAPHDR 66,
                HNPAGEHDR 2 bytes), the HNPAGEMAP follows the last item at the next even offset,
                the last (or only) block ends with its page map and every other block is a full
                8176 bytes, zero after the page map. [MS-PST] addresses items by block index and
                leaves block sizes open; pstsdk reads a heap node as one stream (above), and
                every heap block in Outlook's files ends at its map or is full.
  fill-level    each block's rgbFillLevel entry (HNHDR for blocks 0-7, HNBITMAPHDR for the 128
                from its own) is the [MS-PST] 2.3.1.2 class of its free bytes, 8176 minus where its
                page map ends: Outlook's two blocks with under 3584 free bytes carry 1 and 2 so.
  row-matrix    a table's row matrix holds exactly one row per row-index entry; in a heap item
                it is rows * size bytes; in a subnode every block but the last holds
                floor(8176 / row size) rows and is padded with zeros to 8176 bytes, and the last
                holds the rest. [MS-PST] requires whole rows per block; java-libpst and
                pst-extractor find row i at (i / per) * 8176 + (i % per) * size (with unpadded
                blocks pst-extractor lost 1,436 of 1,500 rows).
  heap-roots    a PC's BTHHEADER is HID 0x20; a TC has its row-index BTHHEADER at 0x20 and TCINFO
                at 0x40 (hidUserRoot), its TCOLDESCs sorted by tag: as in every Outlook heap;
                pst-extractor loops forever when the BTH header is elsewhere.
  cref          a block's cRef is 1 + the references to it (NBT bidData/bidSub, XBLOCK, XXBLOCK,
                SLBLOCK, SIBLOCK entries): true of every block of Outlook's files.
  padding       the bytes between a block's data and its trailer, SLBLOCK/SIBLOCK dwPadding and
                BTPAGE dwPadding are zero; BTPAGE cEntMax is 20 (BBT, index pages) or 15 (NBT
                leaves): as in Outlook's files.
Compared and left out, because Outlook's files differ among themselves: cFree 0, the byte
between an odd-length last item and the page map, the AMap marking only used space, which row
matrices go to subnodes, and the padding of BBT/NBT entries and of unused B-tree page slots.
"""
import collections, struct, sys, zlib

import os
KEY = [int(x) for x in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pst-permute-table.txt')).read().strip(',').split(',')]
mpbbR, mpbbS, mpbbI = KEY[:256], KEY[256:512], KEY[512:]
DECODE = bytes(mpbbI)  # bytes.translate table: the same substitution, done in C

def crc(data):
    # MS-PST 5.3: reflected CRC-32 (poly 0xEDB88320), seed 0, no final xor
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF

def sig(ib, bid):
    ib ^= bid
    return ((ib >> 16) ^ ib) & 0xFFFF

def u8(b, o): return b[o]
def u16(b, o): return struct.unpack_from('<H', b, o)[0]
def u32(b, o): return struct.unpack_from('<I', b, o)[0]
def u64(b, o): return struct.unpack_from('<Q', b, o)[0]

ERR = []
SHOWN = {}
def err(msg, rule=None):
    """Records an error; of one layout rule only the first 20 are printed (all are counted)."""
    ERR.append(msg)
    if rule:
        SHOWN[rule] = SHOWN.get(rule, 0) + 1
        if SHOWN[rule] > 20:
            return
    print('  !! ' + msg)

def lerr(rule, msg):
    err('layout: %s: %s' % (rule, msg), rule)

class PST:
    def __init__(self, path):
        self.f = open(path, 'rb').read()
        h = self.f[:564]
        assert h[:4] == b'!BDN', 'bad magic'
        self.wVer = u16(h, 10)
        assert self.wVer >= 23, 'not unicode (wVer=%d)' % self.wVer
        self.hdr = dict(
            dwCRCPartial=u32(h, 4), wMagicClient=h[8:10], wVer=u16(h, 10), wVerClient=u16(h, 12),
            bPlatformCreate=h[14], bPlatformAccess=h[15], dwReserved1=u32(h, 16), dwReserved2=u32(h, 20),
            bidUnused=u64(h, 24), bidNextP=u64(h, 32), dwUnique=u32(h, 40),
            rgnid=[u32(h, 44 + 4 * i) for i in range(32)], qwUnused=u64(h, 172),
            ibFileEof=u64(h, 184), ibAMapLast=u64(h, 192), cbAMapFree=u64(h, 200), cbPMapFree=u64(h, 208),
            nbt_bid=u64(h, 216), nbt_ib=u64(h, 224), bbt_bid=u64(h, 232), bbt_ib=u64(h, 240),
            fAMapValid=h[248], bReserved=h[249], wReserved=u16(h, 250), dwAlign=u32(h, 252),
            bSentinel=h[512], bCryptMethod=h[513], rgbReserved=u16(h, 514), bidNextB=u64(h, 516),
            dwCRCFull=u32(h, 524), rgbReserved2=h[528:531], bReserved2=h[531])
        p = crc(h[8:8 + 471]); fl = crc(h[8:8 + 516])
        self.hdr['crc_partial_ok'] = p == self.hdr['dwCRCPartial']
        self.hdr['crc_full_ok'] = fl == self.hdr['dwCRCFull']
        if not self.hdr['crc_partial_ok']: err('header dwCRCPartial mismatch calc=%08x' % p)
        if not self.hdr['crc_full_ok']: err('header dwCRCFull mismatch calc=%08x' % fl)
        if len(self.f) != self.hdr['ibFileEof']: err('file size %d != ibFileEof %d' % (len(self.f), self.hdr['ibFileEof']))
        self.bbt = {}
        self.nbt = {}
        self.walk(self.hdr['bbt_ib'], self.hdr['bbt_bid'], 0x80)
        self.walk(self.hdr['nbt_ib'], self.hdr['nbt_bid'], 0x81)

    def page(self, ib, bid, ptype):
        pg = self.f[ib:ib + 512]
        t = pg[496:]
        if t[0] != ptype or t[1] != ptype: err('page @%x ptype %x/%x != %x' % (ib, t[0], t[1], ptype))
        if u32(t, 4) != crc(pg[:496]): err('page @%x CRC mismatch' % ib)
        if ptype in (0x80, 0x81, 0x86):
            if u16(t, 2) != sig(ib, u64(t, 8)): err('page @%x wSig mismatch' % ib)
        else:
            if u16(t, 2) != 0: err('map page @%x wSig != 0' % ib)
            if u64(t, 8) != ib: err('map page @%x bid != ib' % ib)
        if bid is not None and u64(t, 8) != bid: err('page @%x bid %x != BREF bid %x' % (ib, u64(t, 8), bid))
        if ib % 512: err('page @%x not 512-aligned' % ib)
        return pg

    def walk(self, ib, bid, ptype, depth=0):
        pg = self.page(ib, bid, ptype)
        cEnt, cEntMax, cbEnt, cLevel = pg[488], pg[489], pg[490], pg[491]
        want = (24, 20) if cLevel > 0 or ptype == 0x80 else (32, 15)
        if LAYOUT and ((cbEnt, cEntMax) != want or u32(pg, 492) != 0):
            lerr('padding', 'B-tree page @%x: cbEnt %d cEntMax %d dwPadding %x, Outlook writes %d, %d, 0'
                 % (ib, cbEnt, cEntMax, u32(pg, 492), want[0], want[1]))
        for i in range(cEnt):
            e = pg[i * cbEnt:(i + 1) * cbEnt]
            if cLevel > 0:
                self.walk(u64(e, 16), u64(e, 8), ptype, depth + 1)
            elif ptype == 0x80:
                self.bbt[u64(e, 0) & ~1] = dict(bid=u64(e, 0), ib=u64(e, 8), cb=u16(e, 16), cRef=u16(e, 18))
            else:
                self.nbt[u32(e, 0)] = dict(nid=u32(e, 0), bidData=u64(e, 8), bidSub=u64(e, 16), nidParent=u32(e, 24))
        if depth == 0:
            pass

    def block(self, bid):
        bid &= ~1
        e = self.bbt.get(bid)
        if e is None:
            err('bid %x not in BBT' % bid); return b''
        ib, cb = e['ib'], e['cb']
        total = (cb + 16 + 63) // 64 * 64
        raw = self.f[ib:ib + total]
        t = raw[total - 16:]
        if u16(t, 0) != cb: err('block %x trailer cb %d != BBT cb %d' % (bid, u16(t, 0), cb))
        if u64(t, 8) & ~1 != bid: err('block %x trailer bid %x' % (bid, u64(t, 8)))
        if u32(t, 4) != crc(raw[:cb]): err('block %x CRC mismatch' % bid)
        if u16(t, 2) != sig(ib, u64(t, 8)): err('block %x wSig mismatch' % bid)
        if ib % 64: err('block %x not 64-aligned' % bid)
        data = raw[:cb]
        if not (bid & 2) and self.hdr['bCryptMethod'] == 1:
            data = data.translate(DECODE)
        elif not (bid & 2) and self.hdr['bCryptMethod'] == 2:
            err('cyclic not implemented')
        return data

    def data_tree(self, bid):
        """returns list of data blocks (bytes) for a bidData"""
        d = self.block(bid)
        if bid & 2:
            btype, clevel, cent, total = d[0], d[1], u16(d, 2), u32(d, 4)
            assert btype == 1, 'internal block not X/XX: btype %d' % btype
            out = []
            for i in range(cent):
                c = u64(d, 8 + 8 * i)
                out += self.data_tree(c)
            if sum(len(x) for x in out) != total: err('XBLOCK lcbTotal %d != %d' % (total, sum(len(x) for x in out)))
            return out
        return [d]

    def data_tree_first(self, bid):
        """The first data block of a tree (reads only the internal blocks on the way)."""
        while bid & 2:
            d = self.block(bid)
            if len(d) < 16 or d[0] != 1 or not u16(d, 2):
                return b''
            bid = u64(d, 8)
        return self.block(bid)

    def subnodes(self, bidSub):
        res = {}
        if not bidSub: return res
        d = self.block(bidSub)
        btype, clevel, cent = d[0], d[1], u16(d, 2)
        if btype != 2: err('subnode block btype %d' % btype); return res
        for i in range(cent):
            if clevel == 0:
                o = 8 + 24 * i
                res[u32(d, o)] = dict(nid=u32(d, o), bidData=u64(d, o + 8), bidSub=u64(d, o + 16))
            else:
                o = 8 + 16 * i
                res.update(self.subnodes(u64(d, o + 8)))
        return res


class HN:
    def __init__(self, blocks):
        self.blocks = blocks
        b0 = blocks[0]
        self.ibHnpm, self.bSig, self.bClientSig, self.hidUserRoot = u16(b0, 0), b0[2], b0[3], u32(b0, 4)
        if self.bSig != 0xEC: err('HN bSig %x' % self.bSig)
        self.maps = []
        for bi, b in enumerate(blocks):
            pm = u16(b, 0)
            cAlloc, cFree = u16(b, pm), u16(b, pm + 2)
            offs = [u16(b, pm + 4 + 2 * i) for i in range(cAlloc + 1)]
            self.maps.append(offs)

    def get(self, hid):
        if hid == 0: return b''
        if hid & 0x1F != 0: err('not a HID: %x' % hid); return b''
        idx = (hid >> 5) & 0x7FF
        bi = hid >> 16
        offs = self.maps[bi]
        return self.blocks[bi][offs[idx - 1]:offs[idx]]


def bth_records(hn, hidhdr):
    h = hn.get(hidhdr)
    bType, cbKey, cbEnt, levels, hidRoot = h[0], h[1], h[2], h[3], u32(h, 4)
    if bType != 0xB5: err('BTH bType %x' % bType)
    recs = []
    def rec(hid, lvl):
        d = hn.get(hid)
        if lvl > 0:
            for i in range(0, len(d), cbKey + 4):
                rec(u32(d, i + cbKey), lvl - 1)
        else:
            for i in range(0, len(d), cbKey + cbEnt):
                recs.append((d[i:i + cbKey], d[i + cbKey:i + cbKey + cbEnt]))
    if hidRoot: rec(hidRoot, levels)
    return (cbKey, cbEnt, levels), recs

FIXED = {0x2: 2, 0x3: 4, 0x4: 4, 0x5: 8, 0x6: 8, 0x7: 8, 0xA: 4, 0xB: 1, 0x14: 8, 0x40: 8, 0x48: 16}

def fmt_val(ptype, v):
    if ptype == 0x1F: return repr(v.decode('utf-16le', 'replace'))[:80]
    if ptype == 0x1E: return repr(v)[:80]
    if ptype in (0x3, 0xA): return '%d (0x%x)' % (struct.unpack('<i', v[:4])[0], u32(v, 0))
    if ptype == 0x2: return str(struct.unpack('<h', v[:2])[0])
    if ptype == 0xB: return str(bool(v[0]))
    if ptype == 0x40:
        import datetime
        t = u64(v, 0)
        try:
            return (datetime.datetime(1601, 1, 1) + datetime.timedelta(microseconds=t // 10)).isoformat()
        except Exception: return hex(t)
    if ptype == 0x14: return str(u64(v, 0))
    return v[:48].hex() + ('...(%d)' % len(v) if len(v) > 48 else '')

def read_pc(pst, node, subs):
    hn = HN(pst.data_tree(node['bidData']))
    if hn.bClientSig != 0xBC: err('PC bClientSig %x' % hn.bClientSig)
    (ck, ce, lv), recs = bth_records(hn, hn.hidUserRoot)
    props = []
    for k, d in recs:
        pid, pt = u16(k, 0), u16(d, 0)
        hnid = u32(d, 2)
        if pt in FIXED and FIXED[pt] <= 4:
            v = d[2:2 + FIXED[pt]]
            where = 'inline'
        elif hnid & 0x1F == 0:
            v = hn.get(hnid); where = 'HID %x' % hnid
        else:
            sn = subs.get(hnid)
            if sn is None: err('subnode %x missing' % hnid); v = b''
            else: v = b''.join(pst.data_tree(sn['bidData']))
            where = 'subnode %x' % hnid
        props.append((pid, pt, v, where))
    return props

def read_tc(pst, node, subs):
    hn = HN(pst.data_tree(node['bidData']))
    if hn.bClientSig != 0x7C: err('TC bClientSig %x' % hn.bClientSig)
    t = hn.get(hn.hidUserRoot)
    bType, cCols = t[0], t[1]
    rgib = [u16(t, 2 + 2 * i) for i in range(4)]
    hidRowIndex, hnidRows, hidIndex = u32(t, 10), u32(t, 14), u32(t, 18)
    cols = []
    for i in range(cCols):
        o = 22 + 8 * i
        cols.append(dict(tag=u32(t, o), ib=u16(t, o + 4), cb=t[o + 6], iBit=t[o + 7]))
    (ck, ce, lv), ridx = bth_records(hn, hidRowIndex)
    rowsz = rgib[3]
    rowdata = b''
    if hnidRows:
        if hnidRows & 0x1F == 0:
            rowblocks = [hn.get(hnidRows)]
        else:
            sn = subs.get(hnidRows)
            rowblocks = pst.data_tree(sn['bidData']) if sn else []
    else:
        rowblocks = []
    rows = []
    perblock = 8176 // rowsz if rowsz else 0
    allrows = []
    for b in rowblocks:
        n = len(b) // rowsz
        for i in range(n):
            allrows.append(b[i * rowsz:(i + 1) * rowsz])
    for r in allrows:
        vals = {}
        for c in cols:
            ceb = r[rgib[2]:]
            present = (ceb[c['iBit'] // 8] >> (7 - c['iBit'] % 8)) & 1
            if not present: continue
            raw = r[c['ib']:c['ib'] + c['cb']]
            pt = c['tag'] & 0xFFFF
            if pt in FIXED and FIXED[pt] <= 8:
                v = raw
            else:
                hnid = u32(raw, 0)
                if hnid & 0x1F == 0: v = hn.get(hnid)
                else:
                    sn = subs.get(hnid); v = b''.join(pst.data_tree(sn['bidData'])) if sn else b''
            vals[c['tag']] = v
        rows.append(vals)
    return dict(cCols=cCols, rgib=rgib, cols=cols, hidRowIndex=hidRowIndex, hnidRows=hnidRows,
                hidIndex=hidIndex, rowindex=[(u32(k, 0), u32(d, 0) if len(d) == 4 else u16(d, 0)) for k, d in ridx],
                bth=(ck, ce, lv), rows=rows)


# ---- layout rules (see the module's docstring) -------------------------------------------

LAYOUT = True         # main() clears it for --no-layout
FULL = 8176           # data bytes of a full block
HEAP_SIGS = {0x6C, 0x7C, 0x8C, 0x9C, 0xA5, 0xAC, 0xB5, 0xBC, 0xCC}  # bClientSig values
FILL_LIMITS = [3584, 2560, 2048, 1792, 1536, 1280, 1024, 768, 512, 256, 128, 64, 32, 16, 8]


def fill_class(free):
    """[MS-PST] 2.3.1.2: the fill level of a block with `free` bytes left."""
    for i, limit in enumerate(FILL_LIMITS):
        if free >= limit:
            return i
    return 15


def heap_header_size(i):
    return 12 if i == 0 else 66 if i >= 8 and (i - 8) % 128 == 0 else 2


def layout_heap(blocks, what, stats):
    """heap-block and fill-level rules; returns False when the heap cannot be decoded."""
    stats['heaps'] += 1
    if len(blocks) > 1:
        stats['heaps of several blocks'] += 1
    ends = []
    for i, b in enumerate(blocks):
        n = len(blocks)
        pm = u16(b, 0) if len(b) >= 2 else len(b)
        if pm + 4 > len(b):
            lerr('heap-block', '%s block %d of %d: ibHnpm %d beyond its %d bytes' % (what, i, n, pm, len(b)))
            return False
        c = u16(b, pm)
        end = pm + 4 + 2 * (c + 1)
        if end > len(b):
            lerr('heap-block', '%s block %d of %d: page map of %d items overruns the block' % (what, i, n, c))
            return False
        offs = [u16(b, pm + 4 + 2 * k) for k in range(c + 1)]
        if offs[0] != heap_header_size(i) or pm != (offs[-1] + 1) & ~1:
            lerr('heap-block', '%s block %d of %d: items from %d to %d, page map at %d (Outlook: items '
                 'right after the %d-byte header, the map at the next even offset)'
                 % (what, i, n, offs[0], offs[-1], pm, heap_header_size(i)))
        if i + 1 == n:
            if len(b) != end:
                lerr('heap-block', '%s last block %d of %d: %d bytes, but its page map ends at %d'
                     % (what, i, n, len(b), end))
        elif len(b) != FULL:
            lerr('heap-block', '%s block %d of %d holds %d bytes, not 8176 (a short non-last heap block; '
                 'its page map ends at %d)' % (what, i, n, len(b), end))
        elif b[end:].strip(b'\0'):
            lerr('heap-block', '%s block %d of %d: the spare bytes after the page map are not zero' % (what, i, n))
        ends.append(end)
    for i in range(len(blocks)):
        if i < 8:
            src, k = blocks[0][8:12], i
        else:
            j = 8 + (i - 8) // 128 * 128
            src, k = blocks[j][2:66], i - j
        got = (src[k // 2] >> (4 * (k % 2))) & 0xF
        want = fill_class(FULL - ends[i])
        if got != want:
            lerr('fill-level', '%s block %d of %d: fill level %d, but %d bytes are free (level %d)'
                 % (what, i, len(blocks), got, FULL - ends[i], want))
    for k in range(len(blocks), 8):  # HNHDR entries past the last block
        if (blocks[0][8 + k // 2] >> (4 * (k % 2))) & 0xF:
            lerr('fill-level', '%s: fill level set for block %d of %d' % (what, k, len(blocks)))
    return True


def layout_tables(pst, blocks, subs, what, stats):
    """heap-roots and row-matrix rules for a PC or TC heap."""
    hn = HN(blocks)
    if hn.bClientSig == 0xBC:
        h = hn.get(0x20) if hn.maps and len(hn.maps[0]) > 1 else b''
        if hn.hidUserRoot != 0x20 or h[:1] != b'\xb5':
            lerr('heap-roots', '%s: PC hidUserRoot %x, Outlook has its BTHHEADER at HID 0x20' % (what, hn.hidUserRoot))
        return
    if hn.bClientSig != 0x7C:
        return
    stats['tables'] += 1
    t = hn.get(hn.hidUserRoot)
    if len(t) < 22 or t[0] != 0x7C:
        lerr('heap-roots', '%s: TCINFO missing at hidUserRoot %x' % (what, hn.hidUserRoot))
        return
    rs, rowidx, rows = u16(t, 8), u32(t, 10), u32(t, 14)
    tags = [u32(t, 22 + 8 * i) for i in range(t[1])]
    if hn.hidUserRoot != 0x40 or rowidx != 0x20 or tags != sorted(tags):
        lerr('heap-roots', '%s: TCINFO at %x, row index at %x, columns %ssorted by tag (Outlook: 0x40, '
             '0x20, sorted)' % (what, hn.hidUserRoot, rowidx, '' if tags == sorted(tags) else 'not '))
    n = len(bth_records(hn, rowidx)[1])
    if rows == 0:
        if n:
            lerr('row-matrix', '%s: %d row-index entries but no row matrix' % (what, n))
        return
    stats['row matrices'] += 1
    if rows & 0x1F == 0:
        if len(hn.get(rows)) != n * rs:
            lerr('row-matrix', '%s: row matrix item of %d bytes for %d rows of %d' % (what, len(hn.get(rows)), n, rs))
        return
    stats['row matrices in subnodes'] += 1
    sn = subs.get(rows)
    if sn is None or not rs:
        lerr('row-matrix', '%s: row matrix subnode %x missing' % (what, rows))
        return
    rblocks = pst.data_tree(sn['bidData'])
    per = FULL // rs
    want = (n + per - 1) // per
    if len(rblocks) != max(want, 1):
        lerr('row-matrix', '%s: %d rows of %d bytes in %d blocks, %d expected (%d per block)'
             % (what, n, rs, len(rblocks), want, per))
        return
    for i, b in enumerate(rblocks):
        if i + 1 < len(rblocks):
            if len(b) != FULL or b[per * rs:].strip(b'\0'):
                lerr('row-matrix', '%s: row block %d of %d: %d bytes (%d rows of %d), not padded with zeros '
                     'to 8176' % (what, i, len(rblocks), len(b), per, rs))
        elif len(b) != (n - per * i) * rs:
            lerr('row-matrix', '%s: last row block %d bytes, %d rows of %d left' % (what, len(b), n - per * i, rs))


def check_layout(pst):
    """The layout rules over every node, subnode and block; prints a summary line."""
    stats = collections.Counter()
    refs = collections.Counter()
    for e in pst.nbt.values():
        for b in (e['bidData'], e['bidSub']):
            if b:
                refs[b & ~1] += 1
    # cref, padding, and the data-tree rule: every internal block once.
    for bid, e in pst.bbt.items():
        ib, cb = e['ib'], e['cb']
        total = (cb + 16 + 63) // 64 * 64
        if pst.f[ib + cb:ib + total - 16].strip(b'\0'):
            lerr('padding', 'block %x: bytes between its data and its trailer are not zero' % bid)
        if not bid & 2:
            continue
        d = pst.f[ib:ib + cb]
        if cb < 8:
            continue
        if d[0] == 1:
            stats['data trees (XBLOCK, XXBLOCK)'] += 1
            level, cent, lcb = d[1], u16(d, 2), u32(d, 4)
            for i in range(cent):
                c = u64(d, 8 + 8 * i) & ~1
                refs[c] += 1
                if i + 1 == cent:
                    continue
                if level == 1:
                    got, full = pst.bbt.get(c, {}).get('cb'), FULL
                else:
                    x = pst.bbt.get(c)
                    got, full = (u32(pst.f, x['ib'] + 4) if x else None), 1021 * FULL
                if got != full:
                    lerr('data-tree', 'XBLOCK %x (level %d, %d children, lcbTotal %d): child %d %x holds %s bytes, '
                         'not %d' % (bid, level, cent, lcb, i, c, got, full))
        elif d[0] == 2:
            if u32(d, 4):
                lerr('padding', 'subnode block %x: dwPadding %x' % (bid, u32(d, 4)))
            for i in range(u16(d, 2)):
                if d[1] == 0:
                    for o in (8, 16):
                        b = u64(d, 8 + 24 * i + o)
                        if b:
                            refs[b & ~1] += 1
                else:
                    refs[u64(d, 8 + 16 * i + 8) & ~1] += 1
    for bid, e in pst.bbt.items():
        if e['cRef'] != refs[bid] + 1:
            lerr('cref', 'block %x: cRef %d, but %d references (Outlook writes references + 1)'
                 % (bid, e['cRef'], refs[bid]))
    stats['blocks'] = len(pst.bbt)
    # heap-block, fill-level, heap-roots, row-matrix: every heap of every node and subnode.
    seen = set()
    def visit(nid, bid_data, bid_sub, what):
        subs = pst.subnodes(bid_sub) if bid_sub else {}
        if bid_data and nid & 0x1F != 0x1F and bid_data & ~1 not in seen:
            seen.add(bid_data & ~1)
            first = pst.data_tree_first(bid_data)
            if len(first) >= 4 and first[2] == 0xEC and first[3] in HEAP_SIGS:
                blocks = pst.data_tree(bid_data)
                if layout_heap(blocks, what, stats):
                    layout_tables(pst, blocks, subs, what, stats)
        for snid, sn in sorted(subs.items()):
            visit(snid, sn['bidData'], sn['bidSub'], '%s/sub %x' % (what, snid))
    for nid, e in sorted(pst.nbt.items()):
        visit(nid, e['bidData'], e['bidSub'], 'node %x' % nid)
    print('== layout: %d blocks, %d data trees (XBLOCK, XXBLOCK), %d heaps (%d of several blocks), '
          '%d tables, %d row matrices (%d in subnodes)'
          % (stats['blocks'], stats['data trees (XBLOCK, XXBLOCK)'], stats['heaps'],
             stats['heaps of several blocks'], stats['tables'], stats['row matrices'],
             stats['row matrices in subnodes']))
    for rule, n in sorted(SHOWN.items()):
        if n > 20:
            print('  !! layout: %s: %d errors in all (20 shown)' % (rule, n))


def main():
    global LAYOUT
    path = sys.argv[1]
    opts = sys.argv[2:]
    LAYOUT = '--no-layout' not in opts
    p = PST(path)
    print('== HEADER')
    for k, v in p.hdr.items():
        if k == 'rgnid':
            print('  rgnid:', ' '.join('%d:%x' % (i, x) for i, x in enumerate(v)))
        elif isinstance(v, int):
            print('  %s = %d (0x%x)' % (k, v, v))
        else:
            print('  %s = %r' % (k, v))
    # AMap
    if '--amap' in opts or True:
        ib = 0x4400; n = 0; free = 0
        while ib < p.hdr['ibFileEof']:
            pg = p.page(ib, None, 0x84)
            bits = pg[:496]
            free += sum(8 - bin(x).count('1') for x in bits) * 64
            n += 1
            ib += 253952
        print('== AMaps: %d, free bytes by AMap bits = %d (cbAMapFree=%d)' % (n, free, p.hdr['cbAMapFree']))
        # check every BBT block & page allocated in AMap
        def allocated(off):
            ai = (off - 0x4400) // 253952
            base = 0x4400 + ai * 253952
            bit = (off - base) // 64
            return (p.f[base + bit // 8] >> (7 - bit % 8)) & 1
        bad = 0
        for e in p.bbt.values():
            total = (e['cb'] + 16 + 63) // 64 * 64
            for o in range(e['ib'], e['ib'] + total, 64):
                if not allocated(o): bad += 1
        print('  blocks with unallocated 64B units:', bad)
    # DList
    dl = p.f[0x4200:0x4400]
    if dl[496] == 0x86:
        print('== DList @0x4200: bFlags=%x cEnt=%d ulCurrentPage=%d ents=%s' % (
            dl[0], dl[1], u32(dl, 4), [(u32(dl, 8 + 4 * i) & 0xFFFFF, u32(dl, 8 + 4 * i) >> 20) for i in range(dl[1])]))
        if u32(dl, 500) != crc(dl[:496]): print('  DList CRC over 496 mismatch')
    else:
        print('== no DList page (ptype %x)' % dl[496])
    print('== BBT: %d entries; NBT: %d entries' % (len(p.bbt), len(p.nbt)))
    if LAYOUT:
        check_layout(p)
    if '--bbt' in opts:
        for b, e in sorted(p.bbt.items()):
            print('  bid=%x ib=%x cb=%d cRef=%d' % (e['bid'], e['ib'], e['cb'], e['cRef']))
    if '--nodes' in opts or '--props' in opts:
        for nid, e in sorted(p.nbt.items()):
            print('  NID %05x type=%02x idx=%d bidData=%x bidSub=%x parent=%x' % (nid, nid & 0x1F, nid >> 5, e['bidData'], e['bidSub'], e['nidParent']))
            if '--props' not in opts or not e['bidData']: continue
            subs = p.subnodes(e['bidSub'])
            try:
                blocks = p.data_tree(e['bidData'])
                b0 = blocks[0]
                if len(b0) >= 4 and b0[2] == 0xEC:
                    if b0[3] == 0xBC:
                        for pid, pt, v, where in read_pc(p, e, subs):
                            print('      %04x%04x %-10s %s' % (pid, pt, where, fmt_val(pt, v)))
                    elif b0[3] == 0x7C:
                        tc = read_tc(p, e, subs)
                        print('      TC cCols=%d rgib=%s hidRowIndex=%x hnidRows=%x bth=%s rowindex=%s' % (
                            tc['cCols'], tc['rgib'], tc['hidRowIndex'], tc['hnidRows'], tc['bth'], tc['rowindex']))
                        for c in tc['cols']:
                            print('        col %08x ib=%d cb=%d iBit=%d' % (c['tag'], c['ib'], c['cb'], c['iBit']))
                        for r in tc['rows']:
                            print('        row:', ', '.join('%08x=%s' % (t, fmt_val(t & 0xFFFF, v)) for t, v in r.items()))
                    else:
                        print('      HN client sig %x' % b0[3])
                else:
                    print('      raw %d bytes: %s' % (sum(len(x) for x in blocks), b0[:64].hex()))
                for snid, s in subs.items():
                    sb = p.data_tree(s['bidData'])
                    print('      subnode %x bidData=%x bidSub=%x len=%d head=%s' % (snid, s['bidData'], s['bidSub'], sum(len(x) for x in sb), sb[0][:16].hex() if sb else ''))
            except Exception as ex:
                err('node %x decode failed: %r' % (nid, ex))
    print('== errors: %d' % len(ERR))

def dump_nameid(path):
    import uuid
    p = PST(path)
    e = p.nbt[0x61]
    props = {(pid): v for pid, pt, v, w in read_pc(p, e, p.subnodes(e['bidSub']))}
    guids = props.get(2, b'')
    ents = props.get(3, b'')
    strs = props.get(4, b'')
    print('bucket count', u32(props[1], 0))
    G = [str(uuid.UUID(bytes_le=guids[i:i + 16])) for i in range(0, len(guids), 16)]
    print('GUID stream:', G)
    out = []
    for i in range(0, len(ents), 8):
        dwid, wguid, widx = u32(ents, i), u16(ents, i + 4), u16(ents, i + 6)
        n = wguid & 1; gi = wguid >> 1
        g = {1: 'PS_MAPI', 2: 'PS_PUBLIC_STRINGS'}.get(gi) or G[gi - 3]
        if n:
            ln = u32(strs, dwid); name = strs[dwid + 4:dwid + 4 + ln].decode('utf-16le')
        else:
            name = '0x%04x' % dwid
        out.append((0x8000 + widx, g, name))
    for pid, g, name in sorted(out):
        print('  %04x  %s  %s' % (pid, g, name))
    # buckets
    nb = u32(props[1], 0)
    cnt = 0
    for k in props:
        if 0x1000 <= k < 0x1000 + nb: cnt += 1
    print('non-empty bucket streams:', cnt)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: pstcheck.py FILE.pst [--nodes] [--props] [--amap] [--bbt] [--nameid]')
    main()
    if '--nameid' in sys.argv[2:]:
        dump_nameid(sys.argv[1])
    sys.exit(1 if ERR else 0)
