#!/usr/bin/env python3
"""Capture every observable output of one wlmigrate binary in a directory tree, so that two
binaries (before and after a refactor that must not change any output) can be compared with
`diff -r`.

Usage:
  tests/tools/snapshot-outputs.py --wlmigrate /path/to/binary --out DIR [--shared ../shared]
                                  [--work WORKDIR] [--jobs N] [--force] [--keep-work]

  # compare two binaries
  tests/tools/snapshot-outputs.py --wlmigrate /tmp/wlmigrate-before --out /tmp/snap-before
  tests/tools/snapshot-outputs.py --wlmigrate ./wlmigrate          --out /tmp/snap-after
  diff -r /tmp/snap-before /tmp/snap-after

DIR (created fresh) receives:
  convert/<store>.<target>/         the whole OUT of `convert STORE --for TARGET -o OUT`, copied
                                    verbatim (Thunderbird tree, report.json, report.txt,
                                    unconverted/, contacts.vcf, outlook/contacts.csv, vcards/),
                                    except that each PST is replaced by two text files (below) and
                                    its size goes to pst-sizes.txt; absolute paths in report.json,
                                    report.txt and report.html become placeholders (@WORK@,
                                    @REPO@, @SHARED@)
  convert/<store>.<target>.run.txt  the command, exit code, stdout and stderr
      Stores: the three sample stores (wlm-store with `--contacts samples/contacts`, as README.md's
      first command), "corpora" (every .eml of ../shared/corpora in an .eml tree laid out as
      tests/e2e/85-outlook.t lays it out) and "corpora-split" (the same store, --for outlook
      --pst-max-size 2M: the PST split path)
  scan/<store>.txt, .json (+ .run.txt)  `scan STORE` and `scan STORE --json` (the same stores)
  show/{corpora,samples}/<path>.txt, .json  stdout of `show FILE` and `show FILE --json` for every
                                    .eml of ../shared/corpora and samples/, named by its path
                                    (e.g. show/samples/eml-tree/Inbox/Meeting notes.eml.json);
                                    every exit code and any stderr in show/status.txt
  contacts/<variant>/ (+ .run.txt)  `contacts samples/contacts -o OUT --to ...`: vcard-4.0,
                                    vcard-3.0 (--vcard-version 3.0), csv-outlook-en,
                                    csv-outlook-ja (--csv-profile outlook-ja)
  misc/*.run.txt                    --version, --help, contacts --help, no arguments

Each PST becomes two listings, because a PST is not byte-reproducible (it holds random
identifiers and the time of the run):
  <name>.pst.listing.txt   read with pst-extractor (node, build/npm-pst), in tree order: the
      message store, every folder (with its hierarchy- and contents-table rows), every item, its
      recipients, its attachments (data length and SHA-256) and embedded messages, each as
        G name=value  every getter pst-extractor has (subject, sender, times, bodies, flags,
                      counts, message class, contact fields of an IPM.Contact, ...), and
        P TAG=value   every raw property of the object's property context, sorted by tag;
      strings over 160 characters and binaries over 64 bytes as length and SHA-256.
  <name>.pst.pstcheck.txt  tests/tools/pstcheck.py --props --amap, when it is there: the
      file's structure pst-extractor does not show (header, allocation maps, every node with
      its block IDs, property contexts and tables with heap IDs and column layout, the
      name-to-ID map). It also says "== errors: N".

What is normalized, and why (nothing else is touched):
  - PST, values the writer draws at random on every run: the store's record key (PidTagRecordKey
    0x0FF9, also inside every EntryID the store holds) is shown as {record-key}; the GUID in
    PidTagReplVersionHistory (0x0E34) as {repl-guid}; a message's PidTagSearchKey (0x300B, 16
    random bytes; a recipient's "SMTP:..." search key is kept) as {random ...}; in pstcheck's
    dump, node 0xF01's instance GUIDs and creation time.
  - PST, the time of the run: any time within the convert run (+-2 s) is {time-of-run}. The
    writer uses "now" where the source has no time (creation and modification time of
    contacts); a real message time never falls in that window.
  - Absolute paths in report.json, report.txt, report.html and every captured stdout/stderr: @WORK@ (the
    scratch directory), @REPO@, @SHARED@, longest first.
  - Progress lines on stderr ("... N/M messages, X MB/s", every 10 s when stderr is not a
    terminal) are dropped: they depend on speed. The runs here take far less than 10 s, so
    normally there are none.
  - Inputs: samples/ and the .eml files of ../shared/corpora are copied into the scratch
    directory and every file and directory there gets the mtime 2024-04-01 00:00:00 UTC.
    Git does not keep mtimes, and a message without Date and Received is dated by its file
    time (also in `show`), so otherwise a fresh checkout would change the output.
  - The environment: TZ=UTC, LC_ALL=C.UTF-8; commands run in the scratch copy of the inputs
    with relative paths (samples/wlm-store, corpora/..., as README.md's commands).
The scratch directory is DIR/../snapshot-work unless --work says otherwise (the same for two
snapshots taken side by side); it is replaced on every run and removed at the end. Two runs
that share it must not run at the same time.

To check that the normalization is complete, run this twice with the same binary into two
directories and `diff -r` them: they must be identical. The exit code is 1 when something
could not be captured (a warning says what), else 0.

Python 3 standard library only, plus node with pst-extractor 1.12.0 (README.md: npm install
--prefix build/npm-pst pst-extractor@1.12.0).
"""
import argparse
import concurrent.futures
import datetime
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE_STORES = ["wlm-store", "windows-mail-store", "eml-tree"]
# The corpora tests/e2e/85-outlook.t copies into its .eml store (today: every .eml of corpora/).
CORPORA_MAIL = ["sisimai-set-of-emails", "stalwart-mail-parser", "mikel-mail", "roundcube"]
PINNED_MTIME = 1711929600  # 2024-04-01 00:00:00 UTC
WORK_MARKER = ".snapshot-outputs-work"
PROGRESS_LINE = re.compile(rb"^[^\n]*\d+/\d+ messages, [\d.]+ MB/s[^\n]*\n", re.M)
ISO_TIME = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\b")

# pst-extractor lister, written into WORK and run as: node pst-list.js FILE.pst T0_MS T1_MS
# (T0..T1: the time of the convert run, for {time-of-run}).
PST_LIST_JS = r"""
'use strict';
const crypto = require('crypto');
const { PSTFile } = require('pst-extractor');
const { PSTUtil } = require('pst-extractor/dist/PSTUtil.class');
const { PSTTableBC } = require('pst-extractor/dist/PSTTableBC.class');
const { PSTNodeInputStream } = require('pst-extractor/dist/PSTNodeInputStream.class');
const Long = require('long');
const [file, t0, t1] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
console.error = () => {};  // pst-extractor logs what it then throws; errors are listed in-band
const SLACK_MS = 2000;
const inRun = (ms) => ms >= t0 - SLACK_MS && ms <= t1 + SLACK_MS;
const out = [];
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const fmtBytes = (b) => b.length <= 64 ? 'hex:' + b.toString('hex') : `len=${b.length} sha256=${sha(b)}`;
const fmtStr = (s) => s.length <= 160 ? JSON.stringify(s)
  : `len=${s.length} sha256=${sha(Buffer.from(s, 'utf8'))}`;

function fmt(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return fmtStr(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return fmtBytes(v);
  if (v instanceof Date) {
    if (isNaN(v.getTime())) return 'InvalidDate';
    return inRun(v.getTime()) ? '{time-of-run}' : v.toISOString();
  }
  if (Array.isArray(v)) return '[' + v.map(fmt).join(', ') + ']';
  if (typeof v === 'object' && 'low' in v && 'high' in v) return v.toString();  // Long
  return `<${v.constructor ? v.constructor.name : typeof v}>`;
}

// Every getter of the object's classes (PSTMessage, PSTContact, PSTFolder, ...), sorted by name.
const SKIP = new Set(['embeddedPSTMessage', 'fileInputStream']);  // listed separately (DATA, EMBEDDED)
function getters(obj, ind) {
  const names = new Set();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p)))
      if (d.get && !SKIP.has(k)) names.add(k);
  for (const k of [...names].sort()) {
    let v;
    try { v = fmt(obj[k]); } catch (e) { v = `<error ${e.message}>`; }
    out.push(`${ind}G ${k}=${v}`);
  }
}

function filetime(b) {
  const ft = b.readBigUInt64LE(0);
  const ms = Number(ft / 10000n - 11644473600000n);
  if (inRun(ms)) return '{time-of-run}';
  let iso;
  try { iso = new Date(ms).toISOString().replace('Z', (ft % 10000n).toString().padStart(4, '0') + 'Z'); }
  catch (e) { iso = 'out-of-range'; }
  return `${ft} ${iso}`;
}

// A raw property value: fixed-size values from the item, the rest from the heap or a subnode.
// `random`: the tags whose value the writer draws at random for this object.
function rawValue(tagId, item, sub, random) {
  const t = item.entryValueType;
  if (t === 0x02 || t === 0x03 || t === 0x0a || t === 0x0b || t === 0x01) return String(item.entryValueReference);
  if (t === 0x04) return 'f32bits:' + (item.entryValueReference >>> 0).toString(16);
  let data = null;
  if (!item.isExternalValueReference) data = item.data;
  else if (sub && sub.has(item.entryValueReference)) {
    try { data = sub.get(item.entryValueReference).getData(); } catch (e) { return `<error ${e.message}>`; }
  } else return '<unresolved>';
  if (!data) return 'null';
  if (random && random.has(tagId)) return `{random ${data.length} bytes}`;
  if (t === 0x1f) return fmtStr(data.toString('utf16le'));
  if (t === 0x40 && data.length === 8) return 'time:' + filetime(data);
  if (t === 0x14 && data.length === 8) return data.readBigInt64LE(0).toString();
  if (t === 0x05 && data.length === 8) return String(data.readDoubleLE(0));
  return fmtBytes(data);
}

function props(items, sub, ind, random) {
  if (!items) return;
  for (const k of [...items.keys()].sort((a, b) => a - b)) {
    const it = items.get(k);
    const tag = (((k << 16) >>> 0) | it.entryValueType).toString(16).padStart(8, '0').toUpperCase();
    out.push(`${ind}P ${tag}=${rawValue(k, it, sub, random)}`);
  }
}

function object(obj, ind, random) {
  getters(obj, ind);
  props(obj.pstTableItems, obj.localDescriptorItems, ind, random);
}

// A message's PidTagSearchKey is 16 random bytes (a recipient's is "SMTP:ADDRESS", kept).
const MESSAGE_RANDOM = new Set([0x300b]);

// The message an attachment holds (afByValue... afEmbeddedMessage: PidTagAttachDataObject names
// the subnode). pst-extractor's own embeddedPSTMessage returns null for every attachment read
// from an attachment table (it wants a descriptor node such attachments never have).
function embedded(a) {
  const item = a.pstTableItems.get(0x3701);
  if (!item || item.entryValueType !== 0x000d || !a.localDescriptorItems) return null;
  const d = a.localDescriptorItems.get(item.data.readUInt32LE(0));
  if (!d) return null;
  const table = new PSTTableBC(new PSTNodeInputStream(f, d));
  const sub = d.subNodeOffsetIndexIdentifier > 0
    ? f.getPSTDescriptorItems(Long.fromNumber(d.subNodeOffsetIndexIdentifier)) : new Map();
  return PSTUtil.createAppropriatePSTMessageObject(f, null, table, sub);
}

function message(m, ind) {
  object(m, ind, MESSAGE_RANDOM);
  const nr = m.numberOfRecipients;
  for (let i = 0; i < nr; i++) {
    out.push(`${ind}RCPT ${i}`);
    object(m.getRecipient(i), ind + '  ');
  }
  const na = m.numberOfAttachments;
  if (m.attachmentTable)
    m.attachmentTable.getItems().forEach((row, i) => { out.push(`${ind}ATTROW ${i}`); props(row, null, ind + '  '); });
  for (let i = 0; i < na; i++) {
    out.push(`${ind}ATT ${i}`);
    const a = m.getAttachment(i);
    object(a, ind + '  ');
    const s = a.fileInputStream;
    if (s) {
      const b = Buffer.alloc(s.length.toNumber());
      s.readCompletely(b);
      out.push(`${ind}  DATA len=${b.length} sha256=${sha(b)}`);
    }
    if (a.attachMethod === 5) {
      let e;
      try { e = embedded(a); } catch (err) { out.push(`${ind}  EMBEDDED <error ${err.message}>`); }
      if (e) { out.push(`${ind}  EMBEDDED`); message(e, ind + '    '); }
    }
  }
}

function folder(fo, path, ind) {
  out.push(`${ind}FOLDER ${JSON.stringify(path)}`);
  object(fo, ind + '  ');
  try { fo.initSubfoldersTable(); } catch (e) { out.push(`${ind}  HIER <error ${e.message}>`); }
  if (fo.subfoldersTable)
    fo.subfoldersTable.getItems().forEach((row, i) => { out.push(`${ind}  HIERROW ${i}`); props(row, null, ind + '    '); });
  try { fo.initEmailsTable(); } catch (e) { out.push(`${ind}  CONTENTS <error ${e.message}>`); }
  if (fo.emailsTable)
    fo.emailsTable.getItems().forEach((row, i) => { out.push(`${ind}  CONTROW ${i}`); props(row, null, ind + '    '); });
  let m, i = 0;
  while ((m = fo.getNextChild())) { out.push(`${ind}  ITEM ${i++}`); message(m, ind + '    '); }
  if (fo.hasSubfolders) for (const c of fo.getSubFolders()) folder(c, path + '/' + c.displayName, ind + '  ');
}

const f = new PSTFile(file);
const store = f.getMessageStore();
out.push(`FILE encryptionType=${f.encryptionType} pstFileType=${f.pstFileType}`);
out.push('STORE');
object(store, '  ');
folder(f.getRootFolder(), '', '');

// Random values the writer puts in several places: printed as names wherever they appear.
let text = out.join('\n') + '\n';
const masks = [];
const rk = store.pstTableItems.get(0x0ff9);  // PidTagRecordKey
if (rk && rk.data && rk.data.length === 16) masks.push([rk.data.toString('hex'), '{record-key}']);
const rv = store.pstTableItems.get(0x0e34);  // PidTagReplVersionHistory: count, GUID, version
if (rv && rv.data && rv.data.length >= 20) masks.push([rv.data.subarray(4, 20).toString('hex'), '{repl-guid}']);
for (const [hex, name] of masks) text = text.split(hex).join(name);
process.stdout.write(text);
"""


class Snapshot:
    def __init__(self, args):
        self.wl = os.path.abspath(args.wlmigrate)
        self.out = os.path.abspath(args.out)
        self.shared = os.path.abspath(args.shared)
        self.corpora = os.path.join(self.shared, "corpora")
        self.work = os.path.abspath(args.work or os.path.join(os.path.dirname(self.out), "snapshot-work"))
        self.inputs = os.path.join(self.work, "inputs")  # samples/ and corpora/, mtimes pinned
        self.jobs = args.jobs
        self.pstcheck = os.path.join(REPO, "tests", "tools", "pstcheck.py")
        self.node_modules = args.node_modules
        self.env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
        self.env.pop("LANG", None)
        self.env.pop("LANGUAGE", None)
        # Placeholders for absolute paths, longest first (WORK may lie inside REPO or SHARED).
        self.paths = sorted({(self.work, "@WORK@"), (REPO, "@REPO@"), (self.shared, "@SHARED@"),
                             (os.path.realpath(self.work), "@WORK@"), (os.path.realpath(REPO), "@REPO@"),
                             (os.path.realpath(self.shared), "@SHARED@")},
                            key=lambda p: -len(p[0]))
        self.warnings = []

    # ---- helpers ---------------------------------------------------------------------------

    def scrub(self, data):
        """Absolute paths to placeholders in captured bytes."""
        for path, name in self.paths:
            data = data.replace(path.encode(), name.encode())
        return data

    def run(self, args, cwd):
        """Runs wlmigrate; returns (exit code, stdout, stderr) with paths scrubbed and progress
        lines dropped from stderr."""
        p = subprocess.run([self.wl, *args], cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=600)
        return p.returncode, self.scrub(p.stdout), self.scrub(PROGRESS_LINE.sub(b"", p.stderr))

    def write(self, rel, data):
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)

    def record(self, rel, args, rc, stdout, stderr, with_stdout=True):
        """A .run.txt file: command line (placeholders), exit code, stdout, stderr."""
        cmd = self.scrub(shlex.join(["wlmigrate", *args]).encode())
        parts = [b"$ " + cmd + b"\n", b"exit: %d\n" % rc]
        if with_stdout:
            parts += [b"--- stdout\n", stdout]
        parts += [b"--- stderr\n", stderr]
        self.write(rel, b"".join(parts))

    # ---- inputs ----------------------------------------------------------------------------

    def prepare_work(self):
        if os.path.lexists(self.work):
            if not os.path.exists(os.path.join(self.work, WORK_MARKER)):
                sys.exit("snapshot-outputs: %s exists and is not a scratch directory of this script"
                         % self.work)
            shutil.rmtree(self.work)
        os.makedirs(self.work)
        open(os.path.join(self.work, WORK_MARKER), "w").close()
        shutil.copytree(os.path.join(REPO, "samples"), os.path.join(self.inputs, "samples"), symlinks=True)
        # Every .eml of corpora/ at its relative path (for show), and the 85-outlook.t store.
        for dirpath, dirs, files in os.walk(self.corpora):
            dirs.sort()
            for f in sorted(files):
                if f.lower().endswith(".eml"):
                    rel = os.path.relpath(os.path.join(dirpath, f), self.corpora)
                    dst = os.path.join(self.inputs, "corpora", rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(os.path.join(dirpath, f), dst)
                    if rel.split(os.sep)[0] in CORPORA_MAIL:
                        dst = os.path.join(self.work, "corpus-store", rel)
                        os.makedirs(os.path.dirname(dst), exist_ok=True)
                        shutil.copyfile(os.path.join(dirpath, f), dst)
        for root in (self.inputs, os.path.join(self.work, "corpus-store")):
            for dirpath, dirs, files in os.walk(root, topdown=False):
                for name in files + dirs:
                    os.utime(os.path.join(dirpath, name), (PINNED_MTIME, PINNED_MTIME),
                             follow_symlinks=False)
            os.utime(root, (PINNED_MTIME, PINNED_MTIME))

    def eml_files(self, top):
        """Relative paths (to self.inputs) of every .eml below inputs/top, sorted."""
        res = []
        for dirpath, dirs, files in os.walk(os.path.join(self.inputs, top)):
            for f in files:
                if f.lower().endswith(".eml"):
                    res.append(os.path.relpath(os.path.join(dirpath, f), self.inputs))
        return sorted(res)

    # ---- the commands ----------------------------------------------------------------------

    def convert(self, name, store, target, extra=()):
        """convert into WORK/out/NAME.TARGET; copies OUT (PSTs listed instead) into DIR."""
        tag = "%s.%s" % (name, target)
        out = os.path.join(self.work, "out", tag)
        args = ["convert", store, *extra, "--for", target, "-o", out]
        t0 = time.time()
        rc, so, se = self.run(args, cwd=self.inputs)
        t1 = time.time()
        self.record(os.path.join("convert", tag + ".run.txt"), args, rc, so, se)
        dst = os.path.join(self.out, "convert", tag)
        if not os.path.isdir(out):
            self.warnings.append("%s: no output directory (exit %d)" % (tag, rc))
            return []
        shutil.copytree(out, dst, symlinks=True,
                        ignore=lambda d, names: [n for n in names if n.lower().endswith(".pst")])
        for rep in ("report.json", "report.txt", "report.html"):
            p = os.path.join(dst, rep)
            if os.path.isfile(p):
                with open(p, "rb") as fh:
                    data = fh.read()
                with open(p, "wb") as fh:
                    fh.write(self.scrub(data))
        psts = []
        for dirpath, dirs, files in os.walk(out):
            for f in files:
                if f.lower().endswith(".pst"):
                    src = os.path.join(dirpath, f)
                    psts.append((src, os.path.join(dst, os.path.relpath(src, out)) + ".listing.txt",
                                 t0, t1))
        if psts:
            sizes = "".join("%d %s\n" % (os.path.getsize(s), os.path.relpath(s, out))
                            for s, _, _, _ in sorted(psts))
            self.write(os.path.join("convert", tag, "pst-sizes.txt"), sizes.encode())
        return psts

    def list_pst(self, job):
        src, dst, t0, t1 = job
        env = dict(self.env, NODE_PATH=self.node_modules)
        p = subprocess.run(["node", os.path.join(self.work, "pst-list.js"), src,
                            str(int(t0 * 1000)), str(int(t1 * 1000) + 1)],
                           env=env, capture_output=True, timeout=600)
        data = p.stdout
        if p.returncode != 0:
            self.warnings.append("pst-extractor failed on %s (exit %d)" % (src, p.returncode))
            data += b"\n--- pst-extractor exit %d\n" % p.returncode + p.stderr
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as fh:
            fh.write(self.scrub(data))
        if os.path.isfile(self.pstcheck):
            self.pstcheck_dump(src, dst.replace(".listing.txt", ".pstcheck.txt"), t0, t1)

    def pstcheck_dump(self, src, dst, t0, t1):
        """tests/tools/pstcheck.py --props --amap: the file's structure (header, maps, every
        node with its block IDs, every property context and table with heap IDs and columns,
        the name-to-ID map), which pst-extractor does not show. Random values masked as in the
        listing, plus node 0xF01's instance GUIDs and creation time."""
        p = subprocess.run([sys.executable, self.pstcheck, src, "--props", "--amap"], env=self.env,
                           capture_output=True, timeout=600)
        lines = p.stdout.decode("utf-8", "replace").splitlines()
        masks = {}
        nid = None
        for ln in lines:
            if ln.startswith("  NID "):
                nid = ln.split()[1]
            elif nid == "00021":  # the message store's property context
                f = ln.split()
                if len(f) == 4 and f[:2] == ["0ff90102", "HID"] and len(f[3]) == 32:
                    masks[f[3]] = "{record-key}"
                elif len(f) == 4 and f[:2] == ["0e340102", "HID"] and len(f[3]) >= 40:
                    masks[f[3][8:40]] = "{repl-guid}"
        out = []
        nid_type = None
        for ln in lines:
            if ln.startswith("  NID "):
                nid, nid_type = ln.split()[1], ln.split()[2]
            elif nid_type == "type=04" and ln.lstrip().startswith("300b0102 "):
                ln = ln[:ln.index("300b0102")] + "300b0102 {random}"  # a message's search key
            elif nid == "00f01" and ln.lstrip().startswith("raw "):
                head, hexs = ln.rsplit(" ", 1)
                ln = head + " " + hexs[:80] + "{instance GUIDs, time of run}"
            for hexs, name in masks.items():
                ln = ln.replace(hexs, name)
            out.append(ISO_TIME.sub(lambda m: self.run_time(m.group(1), t0, t1), ln))
        data = ("\n".join(out) + "\n").encode()
        if p.returncode != 0 or out[-1:] != ["== errors: 0"]:
            self.warnings.append("pstcheck: %s: exit %d, %s" % (src, p.returncode, out[-1:]))
            data += b"--- pstcheck exit %d\n" % p.returncode + p.stderr
        with open(dst, "wb") as fh:
            fh.write(self.scrub(data))

    @staticmethod
    def run_time(iso, t0, t1):
        """{time-of-run} for a (UTC) time within the convert run, else the time itself."""
        try:
            t = datetime.datetime.fromisoformat(iso).replace(tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return iso
        return "{time-of-run}" if t0 - 2 <= t <= t1 + 2 else iso

    def show(self, rel):
        """show and show --json of one input; returns its status.txt lines."""
        lines = []
        for suffix, extra in ((".txt", []), (".json", ["--json"])):
            rc, so, se = self.run(["show", rel, *extra], cwd=self.inputs)
            self.write(os.path.join("show", rel + suffix), so)
            lines.append(b"%d %s %s\n" % (rc, suffix[1:].encode(), rel.encode()))
            lines += [b"    " + ln + b"\n" for ln in se.splitlines()]
        return b"".join(lines)

    def scan(self, name, store):
        for suffix, extra in ((".txt", []), (".json", ["--json"])):
            args = ["scan", store, *extra]
            rc, so, se = self.run(args, cwd=self.inputs)
            self.write(os.path.join("scan", name + suffix), so)
            self.record(os.path.join("scan", name + suffix + ".run.txt"), args, rc, so, se,
                        with_stdout=False)

    def contacts(self, name, extra):
        out = os.path.join(self.work, "contacts", name)
        args = ["contacts", "samples/contacts", "-o", out, *extra]
        rc, so, se = self.run(args, cwd=self.inputs)
        self.record(os.path.join("contacts", name + ".run.txt"), args, rc, so, se)
        if os.path.isdir(out):
            shutil.copytree(out, os.path.join(self.out, "contacts", name), symlinks=True)

    def misc(self):
        for name, args in (("version", ["--version"]), ("help", ["--help"]),
                           ("contacts-help", ["contacts", "--help"]), ("no-args", [])):
            rc, so, se = self.run(args, cwd=self.inputs)
            self.record(os.path.join("misc", name + ".run.txt"), args, rc, so, se)

    # ---- all of it -------------------------------------------------------------------------

    def main(self):
        self.prepare_work()
        with open(os.path.join(self.work, "pst-list.js"), "w", encoding="utf-8") as fh:
            fh.write(PST_LIST_JS)
        corpus = os.path.join(self.work, "corpus-store")
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            # Conversions first (the big corpora PST first): each PST is listed in the pool while
            # the next conversion runs, then the thousands of show calls fill the pool.
            lists = []
            for name in ["corpora", "corpora-split"] + SAMPLE_STORES:
                store = corpus if name.startswith("corpora") else os.path.join("samples", name)
                for target in ("outlook", "thunderbird"):
                    if name == "corpora-split" and target == "thunderbird":
                        continue
                    extra = []
                    if name == "wlm-store":
                        extra = ["--contacts", "samples/contacts"]
                    elif name == "corpora-split":
                        extra = ["--pst-max-size", "2M"]
                    lists += [pool.submit(self.list_pst, job)
                              for job in self.convert(name, store, target, extra)]
            shows = [pool.submit(self.show, rel)
                     for rel in self.eml_files("corpora") + self.eml_files("samples")]
            for name in SAMPLE_STORES + ["corpora"]:
                self.scan(name, corpus if name == "corpora" else os.path.join("samples", name))
            for name, extra in (("vcard-4.0", ["--to", "vcard"]),
                                ("vcard-3.0", ["--to", "vcard", "--vcard-version", "3.0"]),
                                ("csv-outlook-en", ["--to", "csv"]),
                                ("csv-outlook-ja", ["--to", "csv", "--csv-profile", "outlook-ja"])):
                self.contacts(name, extra)
            self.misc()
            for fut in lists:
                fut.result()
            self.write(os.path.join("show", "status.txt"), b"".join(f.result() for f in shows))
        self.check_leftover_paths()

    def check_leftover_paths(self):
        """Warns about files that still name the scratch directory (a path not rewritten)."""
        needle = self.work.encode()
        for dirpath, dirs, files in os.walk(self.out):
            for f in files:
                p = os.path.join(dirpath, f)
                with open(p, "rb") as fh:
                    if needle in fh.read():
                        self.warnings.append("%s still holds %s" % (os.path.relpath(p, self.out),
                                                                      self.work))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wlmigrate", required=True, help="the binary to snapshot")
    ap.add_argument("--out", required=True, help="snapshot directory (must not exist, or --force)")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"),
                    help="the shared directory holding corpora/ (default ../shared)")
    ap.add_argument("--work", help="scratch directory (default DIR/../snapshot-work)")
    ap.add_argument("--node-modules", default=os.path.join(
        os.environ.get("BUILD") or os.path.join(REPO, "build"), "npm-pst", "node_modules"),
        help="node_modules holding pst-extractor (default build/npm-pst/node_modules)")
    ap.add_argument("--jobs", type=int, default=min(4, max(2, os.cpu_count() or 2)),
                    help="parallel wlmigrate/node processes (default 2-4 by CPU count)")
    ap.add_argument("--force", action="store_true", help="replace an existing --out")
    ap.add_argument("--keep-work", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    if not os.access(args.wlmigrate, os.X_OK):
        sys.exit("snapshot-outputs: %s is not an executable" % args.wlmigrate)
    if not os.path.isdir(os.path.join(args.node_modules, "pst-extractor")):
        sys.exit("snapshot-outputs: pst-extractor not found in %s" % args.node_modules)
    if not shutil.which("node"):
        sys.exit("snapshot-outputs: node not found")
    if not os.path.isdir(os.path.join(args.shared, "corpora")):
        sys.exit("snapshot-outputs: no corpora/ in %s" % args.shared)
    start = time.time()
    snap = Snapshot(args)
    if os.path.commonpath([snap.work, snap.out]) in (snap.work, snap.out):
        sys.exit("snapshot-outputs: --work and --out must not contain each other")
    if os.path.lexists(snap.out):
        if not os.path.isdir(snap.out) or (os.listdir(snap.out) and not args.force):
            sys.exit("snapshot-outputs: %s exists (use --force to replace it)" % snap.out)
        shutil.rmtree(snap.out)
    os.makedirs(snap.out)
    if not os.path.isfile(snap.pstcheck):
        print("note: %s not found: no .pstcheck.txt files" % snap.pstcheck, file=sys.stderr)
    snap.main()
    if not args.keep_work:
        shutil.rmtree(snap.work)
    nfiles = sum(len(files) for _, _, files in os.walk(snap.out))
    for w in snap.warnings:
        print("warning: " + w, file=sys.stderr)
    print("snapshot of %s in %s: %d files, %.1f s" % (snap.wl, snap.out, nfiles, time.time() - start))
    return 1 if snap.warnings else 0


if __name__ == "__main__":
    sys.exit(main())
