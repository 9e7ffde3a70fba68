#!/usr/bin/env python3
"""pstcheck.py - an independent strict checker and dumper for Unicode PST files.

Written for this project as a test oracle, apart from its C code, from the [MS-PST] specification
alone (doc/PST.md says what wlmigrate writes and why): the tests judge our PST files with it, and
it reads the PST files Outlook itself wrote with 0 errors. The tests run this copy, carried in the
repository so that a clone can test itself.

Checks header CRCs, page CRC/sig, block CRC/sig, walks NBT/BBT, the allocation map, decodes
HN/BTH/PC/TC. Needs Python 3 and pst-permute-table.txt beside this file (the [MS-PST] 5.1
permutation table, for blocks written with bCryptMethod NDB_CRYPT_PERMUTE).

Usage: pstcheck.py FILE.pst [--nodes] [--props] [--amap] [--bbt]
       pstcheck.py FILE.pst --nameid          (the named-property map, after the check)
The last line is `== errors: N`; exit status 0 when N is 0, 1 otherwise (a file that is not a
Unicode PST at all stops with a traceback, also a non-zero status).
"""
import struct, sys, zlib

import os
KEY = [int(x) for x in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pst-permute-table.txt')).read().strip(',').split(',')]
mpbbR, mpbbS, mpbbI = KEY[:256], KEY[256:512], KEY[512:]

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
def err(msg):
    ERR.append(msg)
    print('  !! ' + msg)

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
            data = bytes(mpbbI[x] for x in data)
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


def main():
    path = sys.argv[1]
    opts = sys.argv[2:]
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
