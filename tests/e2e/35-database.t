#!/usr/bin/env python3
"""samples/wlm-store with its ESE database (Mail.MSMessageStore): state, received times, true folder
names, Recovered and missing files, judged against the database as another program reads it.

Expectations come from two sources that are not wlmigrate: `esedbexport` (Debian libesedb-utils; the
same library as ours but a different program) exports the tables Folders, Messages and Streams as
tab-separated text, parsed here (64-bit values print unsigned: -1 is 18446744073709551615;
backslash, tab and line ends print escaped), and a Python walk of the message files on disk.
From them, per message file:
  - its row: the Streams row whose Path (relative to the store, or absolute: cut after
    `\\Windows Live Mail\\`) names the file, case-insensitively, and the Messages row using it;
  - where it goes: a file with no row, or whose row's MSGCOL_FOLDERID has no Folders row, goes to
    the top-level folder `Recovered` (problem `recovered`); every other file stays in its
    directory; a row whose file is gone is a `missing_file` problem;
  - its state: MSGCOL_FLAGS 0x80 read, 0x20 flagged, 0x80000 replied, 0x100000 forwarded become
    X-Mozilla-Status 0x1, 0x4, 0x2, 0x1000; a file with no row has unknown state: read;
  - its `From ` line date: MSGCOL_RECEIVEDDATE (FILETIME) in UTC; with no row, the Date header;
    a message without Date gets a Date header with the received time;
  - its folder's name: FLDCOL_NAMEW along the path (the cut-short `プロジェクト2024年度 c17` under
    its long name, in report.json folders[].name and in the output path).
Converted messages are read back with Python's mailbox module (wltest.mbox_messages) and mapped to
their source file by their bytes after the three state headers (the conversions keep raw 8-bit
header fields as stored, --keep-raw-headers, so that the bytes are the file's; their re-encoding
is judged by 31-raw-headers.t).

Checked: the conversion of samples/wlm-store (exit 1: a 0-byte file and a missing file), scan
--json (per-folder unread = rows without the read bit), scan of the single account directory (the
database one level up), and the real Thunderbird (tb_oracle.py): per message read, flagged,
replied and forwarded, per folder unread. Then robustness, each on a temporary copy of the store:
no database; the database cut to 10,000 bytes; 300 KB of random bytes as the database; a dirty
database (rebuilt with tests/tools/make-wlm-db.py --dirty from make-samples.py's spec); the main
database random but a real copy in Backup/new/. Each must write every non-empty message, report
the right `database` state and problem kinds (one `state_unknown` when there is no usable
database; `database_dirty`; `database_backup`), and never crash.

Then what real databases show (doc/WLM-STORE.md), each in a database of its own built with
make-wlm-db.py: no Messages table (the catalog of a real empty store, with its column types)
still names the folders; FLDCOL_NAME's CP932 (and Windows-1252) bytes in a column that claims
1252 are read as such without FLDCOL_NAMEW, and FLDCOL_NAMEW wins over it; FLDCOL_SPECIAL 1-5
give inbox, outbox, sent, deleted and drafts whatever the name, 0 no kind; the `From ` line
date is MSGCOL_RECEIVEDDATE, else MSGCOL_DOWNLOADTIME, never MSGCOL_DATE (the sent time: the
Date header then); header-only files are reported once each as header_only, and a whole file
whose row lacks the "body downloaded" bit is not (the bit is read; cross-checking it against the
file is left for the pipeline, which decides header_only).
"""
import datetime
import email
import email.policy
import email.utils
import importlib.util
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

SAMPLE = os.path.join(wltest.SAMPLES, "wlm-store")
DB_NAME = "Mail.MSMessageStore"
TOOLS_DIR = os.path.join(wltest.REPO, "tests", "tools")
ORACLE = os.path.join(wltest.TOOLS, "tb_oracle.py")
ACCOUNT_DIR = "Gmail (taro 48a"
CUT_SHORT = "Storage Folders/プロジェクト2024年度 c17"

MESSAGE_FILE = re.compile(r"(?i)\.(eml|nws)$")
FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
BLANK_LINE = re.compile(rb"(?:^|\n)\r?\n")
ENVELOPE = re.compile(
    r"^From (\S+) ((Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d\d) (\d\d):(\d\d):(\d\d) (\d{4}))$")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

FILETIME_UNIX = 116444736000000000
WLM_READ, WLM_FLAGGED, WLM_REPLIED, WLM_FORWARDED = 0x80, 0x20, 0x80000, 0x100000
TB_READ, TB_REPLIED, TB_MARKED, TB_FORWARDED = 0x1, 0x2, 0x4, 0x1000
TB_STATE_BITS = TB_READ | TB_REPLIED | TB_MARKED | TB_FORWARDED
TB_EXPUNGED = 0x8
RECOVERED = "\0recovered"           # placement key of the Recovered folder (never a directory)


# ---------------------------------------------------------------------------------------------
# The database as esedbexport prints it
# ---------------------------------------------------------------------------------------------

ESCAPES = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def unescape(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def esedbexport(db_path, work):
    """{table: [{column: text}]} as esedbexport exports the database, or raises RuntimeError."""
    target = os.path.join(tempfile.mkdtemp(dir=work, prefix="export-"), "db")
    p = subprocess.run(["esedbexport", "-t", target, db_path], capture_output=True, timeout=60)
    if p.returncode != 0 or not os.path.isdir(target + ".export"):
        raise RuntimeError("esedbexport %s: exit %d: %s" % (db_path, p.returncode,
                                                            p.stderr.decode("utf-8", "replace")))
    tables = {}
    for name in os.listdir(target + ".export"):
        with open(os.path.join(target + ".export", name), encoding="utf-8",
                  errors="surrogateescape") as fh:
            lines = fh.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        header = lines[0].split("\t") if lines else []
        tables[name.rsplit(".", 1)[0]] = [dict(zip(header, (unescape(v) for v in line.split("\t"))))
                                          for line in lines[1:]]
    return tables


def int64(text):
    """An exported 64-bit integer (printed unsigned) as a signed number; None when NULL."""
    if text is None or text == "":
        return None
    v = int(text)
    return v - (1 << 64) if v >= 1 << 63 else v


def store_relative(path):
    """A database path (relative, or absolute below ...\\Windows Live Mail\\) as a path relative
    to the store with '/' separators."""
    if path is None:
        return None
    path = path.rstrip("\0")
    low = path.lower()
    for marker in ("\\windows live mail\\", "\\windows mail\\"):
        i = low.find(marker)
        if i >= 0:
            path = path[i + len(marker):]
            break
    return path.replace("\\", "/")


def filetime_utc(ft):
    return datetime.datetime.fromtimestamp((ft - FILETIME_UNIX) // 10**7, datetime.timezone.utc)


class Database:
    def __init__(self, tables):
        for needed in ("Folders", "Messages", "Streams"):
            if needed not in tables:
                raise RuntimeError("esedbexport gave no %s table (tables: %s)"
                                   % (needed, sorted(tables)))
        self.folders = {}
        for r in tables["Folders"]:
            self.folders[int64(r["FLDCOL_ID"])] = {
                "parent": int64(r.get("FLDCOL_PARENT")),
                "name": (r.get("FLDCOL_NAMEW") or "").rstrip("\0"),
                "path": store_relative(r.get("FLDCOL_PATH") or None),
            }
        self.by_path = {f["path"].lower(): fid for fid, f in self.folders.items() if f["path"]}
        raw_streams = {int64(r["Id"]): r.get("Path") or "" for r in tables["Streams"]}
        self.rows = []
        for r in tables["Messages"]:
            raw = raw_streams.get(int64(r["MSGCOL_STREAM"]))
            self.rows.append({
                "id": int64(r["MSGCOL_ID"]),
                "folder": int64(r["MSGCOL_FOLDERID"]),
                "stream_path": store_relative(raw or None),
                "absolute": bool(raw and re.match(r"(?i)^[a-z]:\\", raw)),
                "received": int64(r.get("MSGCOL_RECEIVEDDATE")),
                "flags": int64(r.get("MSGCOL_FLAGS")) or 0,
            })
        self.by_file = {}
        for row in self.rows:
            if row["stream_path"]:
                self.by_file.setdefault(row["stream_path"].lower(), row)

    def display_name(self, rel):
        """FLDCOL_NAMEW of each folder along rel, joined with '/'; None if one is unknown."""
        parts, names = rel.split("/"), []
        for i in range(1, len(parts) + 1):
            fid = self.by_path.get("/".join(parts[:i]).lower())
            if fid is None or not self.folders[fid]["name"]:
                return None
            names.append(self.folders[fid]["name"])
        return "/".join(names)


def tb_bits(flags):
    return ((TB_READ if flags & WLM_READ else 0) | (TB_REPLIED if flags & WLM_REPLIED else 0)
            | (TB_MARKED if flags & WLM_FLAGGED else 0)
            | (TB_FORWARDED if flags & WLM_FORWARDED else 0))


def bit_names(bits):
    return "+".join(n for b, n in ((TB_READ, "read"), (TB_REPLIED, "replied"),
                                   (TB_MARKED, "flagged"), (TB_FORWARDED, "forwarded"))
                    if bits & b) or "unread"


# ---------------------------------------------------------------------------------------------
# The message files on disk
# ---------------------------------------------------------------------------------------------

class Source:
    def __init__(self, folder, rel, path):
        self.folder, self.rel = folder, rel
        with open(path, "rb") as fh:
            self.data = fh.read()
        data = self.data
        self.converted = bool(data) and bool(FIELD_LINE.match(data.split(b"\n", 1)[0]))
        m = BLANK_LINE.search(data)
        self.header_end = m.end() if m else len(data)
        self.eol = b"\r\n" if b"\r\n" in data else b"\n"
        self.no_final_eol = self.converted and not data.endswith(b"\n")
        self.message_id, self.date, self.received_hdr, self.no_date = "", None, None, False
        if self.converted:
            head = email.message_from_bytes(data[:self.header_end], policy=email.policy.compat32)
            self.message_id = (head["Message-ID"] or "").strip().strip("<>")
            self.no_date = head["Date"] is None
            if head["Date"]:
                try:
                    self.date = email.utils.parsedate_to_datetime(head["Date"])
                except (TypeError, ValueError):
                    self.date = None
            for value in head.get_all("Received") or []:
                if ";" in value:
                    try:
                        self.received_hdr = email.utils.parsedate_to_datetime(
                            value.rsplit(";", 1)[1].strip())
                    except (TypeError, ValueError):
                        pass


def walk(root):
    """(sources in path order, set of directories relative to root); Backup/ at the root and the
    database's files are not mail."""
    sources, dirs = [], set()
    for dirpath, subdirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        if rel == "":
            subdirs[:] = [d for d in subdirs if d.lower() != "backup"]
        else:
            dirs.add(rel)
        subdirs.sort()
        for f in sorted(files):
            if MESSAGE_FILE.search(f):
                sources.append(Source(rel, f if not rel else rel + "/" + f,
                                      os.path.join(dirpath, f)))
    return sources, dirs


def utc_envelope_date(dt):
    u = dt.astimezone(datetime.timezone.utc)
    return "%s %s %02d %02d:%02d:%02d %04d" % (DAYS[u.weekday()], MONTHS[u.month - 1], u.day,
                                               u.hour, u.minute, u.second, u.year)


def remove_one_date_line(data):
    m = BLANK_LINE.search(data)
    end = m.start() + 1 if m else len(data)
    for line in re.finditer(rb"(?im)^Date[ \t]*:[^\r\n]*(\r?\n)", data[:end]):
        return data[:line.start()] + data[line.end():], line.group(0)
    return None


def written_as(src, got):
    """(True, added Date line or None) when `got` (after the state headers) is src as written."""
    want = src.data + (src.eol if src.no_final_eol else b"")
    if got == want:
        return True, None
    if src.no_date:
        cut = remove_one_date_line(got)
        if cut and cut[0] == want:
            return True, cut[1]
    return False, None


# ---------------------------------------------------------------------------------------------
# What the conversion must do
# ---------------------------------------------------------------------------------------------

class Expect:
    """Where each message file goes and what state it gets, from the database (or none)."""

    def __init__(self, sources, dirs, db, unknown_read=True):
        self.sources, self.dirs, self.db = sources, dirs, db
        self.place, self.row, self.bits, self.recovered = {}, {}, {}, {}
        on_disk = {s.rel.lower() for s in sources}
        for s in sources:
            row = db.by_file.get(s.rel.lower()) if db else None
            self.row[s.rel] = row
            if db and row is None:
                self.place[s.rel] = RECOVERED
                self.recovered[s.rel] = "no row"
            elif db and row["folder"] not in db.folders:
                self.place[s.rel] = RECOVERED
                self.recovered[s.rel] = "row's folder %d has no Folders row" % row["folder"]
            else:
                self.place[s.rel] = s.folder
            self.bits[s.rel] = (tb_bits(row["flags"]) if row
                                else (TB_READ if unknown_read else 0))
        self.missing = sorted(r["stream_path"] for r in (db.rows if db else [])
                              if r["stream_path"] and r["stream_path"].lower() not in on_disk)

    def placed(self, key):
        return [s for s in self.sources if self.place[s.rel] == key]

    def unread_rows(self, key):
        """Messages placed in `key` whose row lacks the read bit (no row: unknown, not counted)."""
        return len([s for s in self.placed(key)
                    if self.row[s.rel] and not self.row[s.rel]["flags"] & WLM_READ])

    def envelope_date(self, s):
        row = self.row[s.rel]
        if row and row["received"] is not None:
            return utc_envelope_date(filetime_utc(row["received"])), "row's received time"
        when = s.date or s.received_hdr
        return (utc_envelope_date(when) if when else None), "Date header"


def folder_key(f, dirs):
    """The placement key of a report folder: its directory, or RECOVERED."""
    if f["source"] in dirs or f["source"] == "":
        return f["source"]
    if f["name"] == "Recovered":
        return RECOVERED
    return None


def problems_of(r, kind):
    return sorted((x["path"], x["lost"]) for x in r["problems"] if x["kind"] == kind)


def check_conversion(t, label, store, out, exp, want_db, want_db_kinds, extra=()):
    """Converts `store` into `out` and checks it against `exp`. Returns (report, {output folder
    relative to thunderbird/: [(mbox offset, Source)]}) or (None, {})."""
    p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "--quiet",
                   "--keep-raw-headers", *extra)
    err = p.stderr.decode("utf-8", "replace")
    report_path = os.path.join(out, "report.json")
    t.ok(p.returncode == 1, "%s: convert exits 1 (a 0-byte file%s), no crash"
         % (label, ", a missing file" if exp.missing else ""),
         "exit %d\n%s" % (p.returncode, err[-2000:]))
    if not t.ok(os.path.isfile(report_path), "%s: report.json written" % label, err[-2000:]):
        return None, {}
    r = wltest.load_json(report_path)
    t.eq(r.get("database"), want_db, "%s: report.json database is %r" % (label, want_db))

    converted = [s for s in exp.sources if s.converted]
    t.eq((r["totals"]["messages_found"], r["totals"]["messages_written"]),
         (len(exp.sources), len(converted)),
         "%s: totals: %d message files found, all %d non-empty ones written"
         % (label, len(exp.sources), len(converted)))

    # Problems that come from the database.
    got_db_kinds = sorted((x["kind"], x["lost"]) for x in r["problems"]
                          if x["kind"] in ("state_unknown", "database_dirty", "database_backup"))
    t.eq(got_db_kinds, sorted((k, False) for k in want_db_kinds),
         "%s: database problems are exactly %s (lost=false)"
         % (label, ", ".join("one %s" % k for k in want_db_kinds) or "none"))
    t.eq(problems_of(r, "recovered"), sorted((p, False) for p in exp.recovered),
         "%s: `recovered` problems (lost=false) are the files with no row or a row whose folder "
         "does not exist: %s" % (label, ", ".join("%s (%s)" % kv for kv in
                                                  sorted(exp.recovered.items())) or "none"))
    t.eq(problems_of(r, "missing_file"), sorted((p, True) for p in exp.missing),
         "%s: `missing_file` problems (lost=true) are the rows whose file is gone: %s"
         % (label, ", ".join(exp.missing) or "none"))

    # Folders: where each message goes, and the names.
    keys = {}
    for f in r["folders"]:
        keys.setdefault(folder_key(f, exp.dirs), []).append(f)
    t.ok(None not in keys and all(len(v) == 1 for v in keys.values()),
         "%s: folders[] are the store's directories%s, each once" % (
             label, " and one Recovered folder" if exp.recovered else ""),
         [(f["source"], f["name"]) for v in keys.values() for f in v if len(v) > 1]
         + [(f["source"], f["name"]) for f in keys.get(None, [])])
    rec = keys.get(RECOVERED, [])
    if exp.recovered:
        t.ok(len(rec) == 1 and rec[0]["outputs"][0] == "thunderbird/Windows Live Mail.sbd/Recovered"
             and os.path.isfile(os.path.join(out, rec[0]["outputs"][0])),
             "%s: a top-level folder Recovered (thunderbird/Windows Live Mail.sbd/Recovered)"
             % label, rec)
    else:
        t.ok(not rec, "%s: no Recovered folder" % label, rec)
    bad = []
    for key, fs in sorted(keys.items(), key=lambda kv: str(kv[0])):
        if key is None:
            continue
        placed = exp.placed(key)
        want = (len(placed), len([s for s in placed if s.converted]),
                sum(len(s.data) for s in placed))
        got = (fs[0]["found"], fs[0]["written"], fs[0]["bytes"])
        if got != want:
            bad.append("%r: found/written/bytes %r, want %r" % (fs[0]["source"], got, want))
    t.ok(not bad, "%s: folders[] found/written/bytes per folder = the files placed there" % label,
         "\n".join(bad))
    if exp.db:
        bad = []
        for key, fs in keys.items():
            if key in (None, RECOVERED, ""):
                continue
            want = exp.db.display_name(key)
            if want is None or fs[0]["name"] != want:
                bad.append("%r: name %r, want %r (FLDCOL_NAMEW)" % (key, fs[0]["name"], want))
        t.ok(not bad, "%s: every folder's name is FLDCOL_NAMEW along its path" % label,
             "\n".join(bad))
        long_name = exp.db.display_name(CUT_SHORT)
        f = keys.get(CUT_SHORT, [{}])[0]
        last = long_name.rsplit("/", 1)[-1] if long_name else None
        t.ok(last and last != "プロジェクト2024年度 c17" and f.get("name") == long_name
             and (f.get("outputs") or [""])[0].endswith("/" + last)
             and os.path.isfile(os.path.join(out, (f.get("outputs") or [""])[0]))
             and not any("c17" in x["outputs"][0] for x in r["folders"]),
             "%s: the cut-short %r is %r in folders[].name and in the output path"
             % (label, CUT_SHORT, last), f)
    else:
        f = keys.get(CUT_SHORT, [{}])[0]
        t.ok((f.get("outputs") or [""])[0].endswith("/プロジェクト2024年度 c17"),
             "%s: without a database the cut-short folder keeps its directory name" % label, f)

    # Every message, mapped back to its file by its bytes.
    placements, unmapped, states, dates, status2, added = {}, [], [], [], [], []
    n_checked = 0
    for key, fs in keys.items():
        if key is None:
            continue
        mbox_path = os.path.join(out, fs[0]["outputs"][0])
        if not os.path.isfile(mbox_path):
            unmapped.append("%s: no mbox file" % fs[0]["outputs"][0])
            continue
        with open(mbox_path, "rb") as fh:
            raw = fh.read()
        offsets = [m.start() for m in re.finditer(rb"(?m)^From ", raw)]
        msgs = wltest.mbox_messages(mbox_path)
        if len(offsets) != len(msgs):
            unmapped.append("%s: %d `From ` lines, %d messages" % (fs[0]["outputs"][0], len(offsets),
                                                                    len(msgs)))
            continue
        candidates = [s for s in exp.placed(key) if s.converted]
        used, mapped = set(), []
        for offset, (envelope, rest) in zip(offsets, msgs):
            state, body = wltest.split_state_headers(rest)
            if state is None:
                unmapped.append("%s @%d: no state headers first" % (fs[0]["outputs"][0], offset))
                continue
            hit = None
            for s in candidates:
                if s.rel in used:
                    continue
                ok, date_line = written_as(s, body)
                if ok:
                    hit = (s, date_line)
                    break
            if hit is None:
                unmapped.append("%s @%d: matches no file placed there" % (fs[0]["outputs"][0],
                                                                          offset))
                continue
            s, date_line = hit
            used.add(s.rel)
            mapped.append((offset, s))
            n_checked += 1
            try:
                status, s2 = int(state["Status"], 16), int(state["Status2"], 16)
            except ValueError:
                states.append("%s: state headers %r" % (s.rel, state))
                continue
            want = exp.bits[s.rel]
            if status & TB_STATE_BITS != want or status & TB_EXPUNGED:
                states.append("%s: X-Mozilla-Status %04x (%s), want %s (%s)"
                              % (s.rel, status, bit_names(status & TB_STATE_BITS),
                                 bit_names(want), "flags 0x%x" % exp.row[s.rel]["flags"]
                                 if exp.row[s.rel] else "no row"))
            if s2 != 0x00800000:
                status2.append("%s: X-Mozilla-Status2 %s" % (s.rel, state["Status2"]))
            em = ENVELOPE.match(envelope)
            want_date, source = exp.envelope_date(s)
            if not em or (want_date and em.group(2) != want_date):
                dates.append("%s: %r, want %r (%s)" % (s.rel, envelope, want_date, source))
            if date_line is not None and exp.row[s.rel]:
                try:
                    when = email.utils.parsedate_to_datetime(
                        date_line.split(b":", 1)[1].strip().decode("ascii"))
                except (TypeError, ValueError, UnicodeDecodeError):
                    when = None
                added.append((s.rel, when and utc_envelope_date(when),
                              exp.envelope_date(s)[0]))
        missing = [s.rel for s in candidates if s.rel not in used]
        if missing:
            unmapped.append("%s: files not found in it: %s" % (fs[0]["outputs"][0], missing))
        placements[fs[0]["outputs"][0][len("thunderbird/"):]] = (key, mapped)
    t.ok(not unmapped and n_checked == len(converted),
         "%s: each of the %d messages maps back to exactly one file placed in its folder (bytes "
         "after the state headers)" % (label, len(converted)), "\n".join(unmapped))
    t.ok(not states, "%s: X-Mozilla-Status read/replied/flagged/forwarded = %s for all %d messages"
         % (label, "the database flags" if exp.db else
            "read (state unknown)" if exp.bits and all(v == TB_READ for v in exp.bits.values())
            else "unread (--unknown-state unread)", n_checked), "\n".join(states))
    t.ok(not status2, "%s: X-Mozilla-Status2 is 00800000 everywhere" % label, "\n".join(status2))
    t.ok(not dates, "%s: each `From ` line date is %s" % (
        label, "the row's received time in UTC (Date header without a row)" if exp.db
        else "the Date header in UTC"), "\n".join(dates))
    if exp.db:
        t.ok(added and all(a == b for _, a, b in added),
             "%s: the Date header added to %s is the row's received time"
             % (label, ", ".join(x[0] for x in added) or "(no message without Date?)"), added)
    return r, placements


def check_scan(t, label, store, exp, want_db, want_db_file, want_db_kinds):
    p = wltest.run("scan", store, "--json")
    try:
        doc = json.loads(p.stdout.decode("utf-8"))
        st = doc["stores"][0]
    except (UnicodeDecodeError, ValueError, KeyError, IndexError) as e:
        t.ok(False, "%s: scan --json prints one store" % label,
             "%s\n%s" % (e, p.stderr.decode("utf-8", "replace")[-2000:]))
        return
    t.ok(p.returncode == 1, "%s: scan exits 1 (a conversion would lose the 0-byte file), no "
         "crash" % label, "exit %d" % p.returncode)
    t.eq((st.get("database"), st.get("database_file")), (want_db, want_db_file),
         "%s: scan database %r, database_file %r" % (label, want_db, want_db_file))
    bad = []
    seen = set()
    for f in st.get("folders", []):
        key = folder_key(f, exp.dirs)
        if key is None:
            bad.append("unexpected folder %r (%r)" % (f["source"], f["name"]))
            continue
        seen.add(key)
        want = (len(exp.placed(key)), exp.unread_rows(key))
        if (f["messages"], f["unread"]) != want:
            bad.append("%r: messages/unread %r, want %r" % (f["source"],
                                                            (f["messages"], f["unread"]), want))
    for key in set(exp.place.values()) - seen:
        bad.append("no folder for %r" % key)
    t.ok(not bad, "%s: scan per folder: messages placed there, unread = rows without the read "
         "bit (%d unread in all)" % (label, sum(exp.unread_rows(k) for k in
                                                set(exp.place.values()))), "\n".join(bad))
    got_db_kinds = sorted((x["kind"], x["lost"]) for x in st.get("problems", [])
                          if x["kind"] in ("state_unknown", "database_dirty", "database_backup"))
    t.eq(got_db_kinds, sorted((k, False) for k in want_db_kinds),
         "%s: scan's database problems are exactly %s (lost=false)"
         % (label, ", ".join("one %s" % k for k in want_db_kinds) or "none"))
    t.eq((problems_of(st, "recovered"), problems_of(st, "missing_file")),
         (sorted((x, False) for x in exp.recovered), sorted((x, True) for x in exp.missing)),
         "%s: scan lists the same recovered and missing_file problems" % label)


# ---------------------------------------------------------------------------------------------
# Thunderbird
# ---------------------------------------------------------------------------------------------

def check_thunderbird(t, out, exp, placements, tmp):
    result = os.path.join(tmp, "tb.json")
    p = subprocess.run([sys.executable, ORACLE, os.path.join(out, "thunderbird"), result,
                        "--expect-all"], capture_output=True, timeout=900)
    t.eq(p.returncode, 0, "Thunderbird: tb_oracle.py --expect-all exits 0")
    if not t.ok(os.path.isfile(result), "Thunderbird: produced a result",
                p.stderr.decode("utf-8", "replace")[-3000:]):
        return
    print("# " + p.stdout.decode("utf-8", "replace").strip().replace("\n", "\n# "))
    tb = wltest.load_json(result)
    t.ok(tb["crossCheck"]["allMessagesSeen"] is True, "Thunderbird: crossCheck.allMessagesSeen",
         tb["crossCheck"])
    by_file = {f.get("sourceFile"): f for f in tb["folders"] if f.get("sourceFile")}
    unmatched, states, unread = [], [], []
    n = 0
    for rel, (key, mapped) in sorted(placements.items()):
        f = by_file.get(rel)
        if f is None:
            unmatched.append("%s: not in Thunderbird's folder list" % rel)
            continue
        by_offset = dict(mapped)
        by_id = {}
        for _, s in mapped:
            by_id.setdefault(s.message_id, []).append(s)
        want_unread = 0
        for m in f.get("messages", []):
            cands = by_id.get(m.get("messageId"), [])
            s = cands[0] if len(cands) == 1 else by_offset.get(int(m.get("storeToken", -1)))
            if s is None:
                unmatched.append("%s: %r (%r)" % (rel, m.get("messageId"), m.get("subject")))
                continue
            n += 1
            bits = exp.bits[s.rel]
            want = (bool(bits & TB_READ), bool(bits & TB_MARKED), bool(bits & TB_REPLIED),
                    bool(bits & TB_FORWARDED))
            got = (m["read"], m["flagged"], m["replied"], m["forwarded"])
            want_unread += not want[0]
            if got != want:
                states.append("%s: read/flagged/replied/forwarded %r, want %r (%s)"
                              % (s.rel, got, want, "flags 0x%x" % exp.row[s.rel]["flags"]
                                 if exp.row[s.rel] else "no row"))
        if f.get("unread") != want_unread or len(f.get("messages", [])) != len(mapped):
            unread.append("%s: %s messages, %s unread; want %d, %d"
                          % (rel, len(f.get("messages", [])), f.get("unread"), len(mapped),
                             want_unread))
    total = sum(len(m) for _, m in placements.values())
    t.ok(not unmatched and n == total, "Thunderbird: each of its %d messages matched to its file "
         "(Message-ID in its folder, else storeToken)" % total, "\n".join(unmatched))
    t.ok(not states, "Thunderbird: per message read, flagged, replied and forwarded equal the "
         "database", "\n".join(states))
    t.ok(not unread, "Thunderbird: per folder message and unread counts equal the database",
         "\n".join(unread))
    want_totals = {"unread": 0, "flagged": 0, "replied": 0, "forwarded": 0}
    for s in exp.sources:
        if s.converted:
            b = exp.bits[s.rel]
            want_totals["unread"] += not b & TB_READ
            want_totals["flagged"] += bool(b & TB_MARKED)
            want_totals["replied"] += bool(b & TB_REPLIED)
            want_totals["forwarded"] += bool(b & TB_FORWARDED)
    t.eq({k: tb["totals"].get(k) for k in want_totals}, want_totals,
         "Thunderbird: totals unread/flagged/replied/forwarded")


# ---------------------------------------------------------------------------------------------
# Robustness variants
# ---------------------------------------------------------------------------------------------

def load_make_samples():
    sys.dont_write_bytecode = True          # leave no __pycache__ in tests/tools
    spec = importlib.util.spec_from_file_location(
        "make_samples", os.path.join(TOOLS_DIR, "make-samples.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_database_spec():
    """make-samples.py's spec of the sample database (tables and rows)."""
    ms = load_make_samples()
    tree = ms.Tree()
    tree.mkdir(ms.WLM)
    ms.wlm_accounts(tree)
    ms.gmail_store(tree)
    ms.local_store(tree)
    ms.wlm_side_files(tree)
    return ms.wlm_database_spec(tree)


def build_dirty_database(t, work):
    """A dirty copy of the sample database, rebuilt from make-samples.py's spec with
    make-wlm-db.py --dirty (patching the header's state alone breaks its checksum: libesedb then
    refuses the file). Returns its path or None."""
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w", encoding="utf-8") as fh:
        json.dump(sample_database_spec(), fh, ensure_ascii=False)
    paths = {}
    for kind, extra in (("clean", []), ("dirty", ["--dirty"])):
        paths[kind] = os.path.join(work, "%s.MSMessageStore" % kind)
        p = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "make-wlm-db.py"), spec_path,
                            paths[kind], *extra], capture_output=True, timeout=120)
        if not t.ok(p.returncode == 0 and os.path.isfile(paths[kind]),
                    "make-wlm-db.py%s builds the %s database from the spec"
                    % ("".join(" " + x for x in extra), kind),
                    p.stderr.decode("utf-8", "replace")):
            return None
    with open(paths["clean"], "rb") as a, open(os.path.join(SAMPLE, DB_NAME), "rb") as b:
        sample = b.read()
        t.ok(a.read() == sample, "make-samples.py's spec rebuilds the sample database byte for "
             "byte (so the dirty one holds the same rows)")
    with open(paths["dirty"], "rb") as fh:
        dirty = fh.read()
    states = [struct.unpack_from("<I", data, off)[0] for data in (sample, dirty)
              for off in (52, 8192 + 52)]
    t.eq(states, [3, 3, 2, 2], "database state (offset 52, header and shadow): sample clean (3), "
         "rebuilt one dirty (2)")
    return paths["dirty"]


def check_rows_skipped(t, tmp, clean_report):
    """A message row that names no stream cannot be used: the report says so
    (database_rows_skipped, not a loss) and every message file is still converted."""
    spec = sample_database_spec()
    spec["tables"]["Messages"][0]["MSGCOL_STREAM"] = 99999
    spec_path = os.path.join(tmp, "rows-spec.json")
    with open(spec_path, "w", encoding="utf-8") as fh:
        json.dump(spec, fh, ensure_ascii=False)
    store = variant_copy(tmp, "rows-skipped")
    p = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "make-wlm-db.py"), spec_path,
                        os.path.join(store, DB_NAME)], capture_output=True, timeout=120)
    if not t.ok(p.returncode == 0, "make-wlm-db.py builds a database with a row that names no "
                "stream", p.stderr.decode("utf-8", "replace")):
        return
    out = os.path.join(tmp, "out-rows-skipped")
    wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q", "--keep-raw-headers")
    r = wltest.load_json(os.path.join(out, "report.json"))
    rows = [x for x in r["problems"] if x["kind"] == "database_rows_skipped"]
    t.ok(len(rows) == 1 and rows[0]["path"] == DB_NAME and not rows[0]["lost"]
         and rows[0]["message"].startswith("1 row of the database could not be used"),
         "a row without its stream is reported once as database_rows_skipped (not a loss)", rows)
    t.eq([r["totals"][k] for k in ("messages_found", "messages_written")],
         [clean_report["totals"][k] for k in ("messages_found", "messages_written")],
         "with a row skipped every message file is still found and written")
    t.eq(problems_of(clean_report, "database_rows_skipped"), [],
         "the sample database has no row that cannot be used")


def check_outside_paths(t, tmp, clean_report):
    """A stream row whose path leads out of the store (an absolute path elsewhere, a ".." step)
    is never followed and is named in the report, each path as stored; every message file is
    still converted."""
    spec = sample_database_spec()
    bad = ["C:\\..\\..\\etc\\shadow", "Storage Folders\\..\\..\\..\\secret.eml",
           "D:\\Other\\Place\\x.eml"]
    for i, path in enumerate(bad):
        spec["tables"]["Streams"].append({"Id": 90001 + i, "Path": path})
    spec_path = os.path.join(tmp, "outside-spec.json")
    with open(spec_path, "w", encoding="utf-8") as fh:
        json.dump(spec, fh, ensure_ascii=False)
    store = variant_copy(tmp, "outside-paths")
    p = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "make-wlm-db.py"), spec_path,
                        os.path.join(store, DB_NAME)], capture_output=True, timeout=120)
    if not t.ok(p.returncode == 0, "make-wlm-db.py builds a database with stream paths outside "
                "the store", p.stderr.decode("utf-8", "replace")):
        return
    out = os.path.join(tmp, "out-outside-paths")
    wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q")
    r = wltest.load_json(os.path.join(out, "report.json"))
    named = [x["message"] for x in r["problems"] if x["kind"] == "database_rows_skipped"
             and "outside the store" in x["message"]]
    t.eq(sorted(m.split("(", 1)[1].split(")", 1)[0] for m in named), sorted(bad),
         "each stream path outside the store is named in the report as stored")
    t.eq([r["totals"][k] for k in ("messages_found", "messages_written")],
         [clean_report["totals"][k] for k in ("messages_found", "messages_written")],
         "with such rows every message file is still found and written")
    with open(os.path.join(out, "report.txt"), encoding="utf-8") as fh:
        text = fh.read()
    t.ok(all(b in text for b in bad), "report.txt names them too")


# ---------------------------------------------------------------------------------------------
# What real databases show (doc/WLM-STORE.md), each fact in a database of its own
# ---------------------------------------------------------------------------------------------

def build_store(tmp, name, files, spec):
    """A store directory `name` under tmp: {relative path: bytes} (a path ending in '/' is an empty
    directory) and a Mail.MSMessageStore built by make-wlm-db.py from `spec` (a .py spec, so that
    it may hold bytes). Returns (store, make-wlm-db.py's CompletedProcess)."""
    store = os.path.join(tmp, name)
    for rel, data in files.items():
        path = os.path.join(store, rel)
        if rel.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    spec_path = os.path.join(tmp, name + "-spec.py")
    with open(spec_path, "w", encoding="utf-8") as fh:
        fh.write("SPEC = %r\n" % (spec,))
    p = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "make-wlm-db.py"), spec_path,
                        os.path.join(store, DB_NAME)], capture_output=True, timeout=120)
    return store, p


def scan_json(store):
    p = wltest.run("scan", store, "--json")
    try:
        return json.loads(p.stdout.decode("utf-8"))["stores"][0]
    except (UnicodeDecodeError, ValueError, KeyError, IndexError):
        return {}


def folder_rows(folders, start=1):
    """Folders rows for [(directory relative to the store, extra columns)], ids from `start`,
    each parent the row of its directory's parent (0, the invisible root, for the top)."""
    ids, rows = {"": 0}, [{"FLDCOL_ID": 0, "FLDCOL_PARENT": -1, "FLDCOL_SPECIAL": 0}]
    for i, (d, extra) in enumerate(folders):
        ids[d] = start + i
        row = {"FLDCOL_ID": ids[d], "FLDCOL_PARENT": ids[os.path.dirname(d)],
               "FLDCOL_PATH": d.replace("/", "\\"), "FLDCOL_SPECIAL": 0, "FLDCOL_TYPE": 3}
        row.update(extra)
        rows.append(row)
    return rows, ids


def simple_mail(msgid, date, body=b"Hello.\r\n"):
    head = ("From: a@example.com\r\nTo: b@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: %s\r\n" % (msgid, msgid, date)).encode()
    return head + b"\r\n" + body if body is not None else head


def check_empty_store_database(t, tmp):
    """A database with no Messages table (the real catalog of an empty store: Folders, Streams,
    UserDataTable; FLDCOL_SPECIAL UInt8, Streams.Id Int32) still names the folders; FLDCOL_NAME
    holds CP932 bytes in a column that claims 1252 and is read as CP932 when FLDCOL_NAMEW is
    absent; FLDCOL_NAMEW wins over FLDCOL_NAME."""
    long_name = "プロジェクト2024年度 顧客対応と設計レビューの記録（長期保存）"
    ansi_name = "取引先との打ち合わせ記録"
    latin_name = "Données reçues"
    folders, _ = folder_rows([
        ("Storage Folders", {"FLDCOL_NAMEW": "Storage Folders"}),
        ("Storage Folders/Inbox", {"FLDCOL_NAMEW": "Inbox", "FLDCOL_SPECIAL": 1}),
        ("Storage Folders/Long Fo c17", {"FLDCOL_NAMEW": long_name,
                                         "FLDCOL_NAME": "wrong ANSI name".encode()}),
        ("Storage Folders/Torihiki 1a2", {"FLDCOL_NAME": ansi_name.encode("cp932")}),
        ("Storage Folders/Donnees 3b4", {"FLDCOL_NAME": latin_name.encode("cp1252")}),
    ])
    spec = {"ansi_codepage": 932,
            "column_types": {"Folders.FLDCOL_SPECIAL": "UnsignedByte", "Streams.Id": "Long"},
            "without_tables": ["Messages", "Uidl"],
            "tables": {"Folders": folders}}
    store, p = build_store(tmp, "empty-store", {
        "Storage Folders/Inbox/": b"", "Storage Folders/Long Fo c17/": b"",
        "Storage Folders/Torihiki 1a2/": b"", "Storage Folders/Donnees 3b4/": b""}, spec)
    if not t.ok(p.returncode == 0, "make-wlm-db.py builds a database without a Messages table",
                p.stderr.decode("utf-8", "replace")):
        return
    try:
        tables = esedbexport(os.path.join(store, DB_NAME), tmp)
    except RuntimeError as e:
        tables = {}
        t.ok(False, "esedbexport reads the database without Messages", e)
    t.ok(tables and "Messages" not in tables and "Folders" in tables and "Streams" in tables,
         "esedbexport: the database has Folders and Streams, no Messages", sorted(tables))
    raw = {r.get("FLDCOL_PATH", "").rstrip("\0"): r.get("FLDCOL_NAME") for r in
           tables.get("Folders", [])}
    t.ok(raw.get("Storage Folders\\Torihiki 1a2") not in (None, ansi_name),
         "esedbexport decodes the CP932 bytes of FLDCOL_NAME as its column claims (1252): %r"
         % raw.get("Storage Folders\\Torihiki 1a2"))
    st = scan_json(store)
    t.eq((st.get("database"), st.get("database_file")), ("ok", DB_NAME),
         "no Messages table: the database is read (ok)")
    names = {f["source"]: f["name"] for f in st.get("folders", [])}
    t.eq(names.get("Storage Folders/Long Fo c17"), long_name,
         "no Messages table: the cut-short folder has its FLDCOL_NAMEW (over FLDCOL_NAME)")
    t.eq(names.get("Storage Folders/Torihiki 1a2"), ansi_name,
         "FLDCOL_NAME without FLDCOL_NAMEW: its CP932 bytes read as CP932, not as 1252")
    t.eq(names.get("Storage Folders/Donnees 3b4"), latin_name,
         "FLDCOL_NAME without FLDCOL_NAMEW: Windows-1252 bytes read as Windows-1252")
    t.eq([x["kind"] for x in st.get("problems", [])], [],
         "no Messages table, no message files: no problem reported")


def check_database_facts(t, tmp):
    """FLDCOL_SPECIAL's stored values (0 ordinary, 1-5 inbox, outbox, sent, deleted, drafts);
    the received time from MSGCOL_RECEIVEDDATE, then MSGCOL_DOWNLOADTIME, never MSGCOL_DATE
    (the sent time); the "body downloaded" bit (0x1) against header-only files."""
    local = "Storage Folders"
    specials = [("Posteingang", 1, "inbox"), ("Postausgang", 2, "outbox"),
                ("Gesendete Objekte", 3, "sent"), ("Gelöschte Objekte", 4, "deleted"),
                ("Entwürfe", 5, "drafts"), ("Ordner", 0, None), ("Sent Items", 0, "sent")]
    dirs = [(local, {"FLDCOL_NAMEW": local})]
    dirs += [("%s/%s" % (local, name), {"FLDCOL_NAMEW": name, "FLDCOL_SPECIAL": value})
             for name, value, _ in specials]
    folders, ids = folder_rows(dirs)
    box = "%s/Posteingang" % local
    sent, received, downloaded = ("2012-05-01T09:00:00Z", "2012-05-01T10:00:00Z",
                                  "2012-05-01T11:00:00Z")
    header_date = "Tue, 01 May 2012 08:00:00 +0000"      # none of the database's times
    mails = [
        # (file, bytes, the row's columns, the `From ` line date, why)
        ("00000001-00000001.eml", simple_mail("all-three", header_date),
         {"MSGCOL_DATE": sent, "MSGCOL_RECEIVEDDATE": received,
          "MSGCOL_DOWNLOADTIME": downloaded, "MSGCOL_FLAGS": ["downloaded", "read"]},
         "Tue May 01 10:00:00 2012", "MSGCOL_RECEIVEDDATE over MSGCOL_DOWNLOADTIME and DATE"),
        ("00000001-00000002.eml", simple_mail("download-and-sent", header_date),
         {"MSGCOL_DATE": sent, "MSGCOL_DOWNLOADTIME": downloaded,
          "MSGCOL_FLAGS": ["downloaded", "read"]},
         "Tue May 01 11:00:00 2012", "no RECEIVEDDATE: MSGCOL_DOWNLOADTIME, not MSGCOL_DATE"),
        ("00000001-00000003.eml", simple_mail("sent-only", header_date),
         {"MSGCOL_DATE": sent, "MSGCOL_FLAGS": ["downloaded", "read"]},
         "Tue May 01 08:00:00 2012", "only MSGCOL_DATE (the sent time): the Date header"),
        ("00000001-00000004.eml", simple_mail("headers-not-downloaded", header_date, None),
         {"MSGCOL_RECEIVEDDATE": received, "MSGCOL_FLAGS": ["read"]}, None,
         "a header-only file the database says was not downloaded"),
        ("00000001-00000005.eml", simple_mail("headers-but-downloaded", header_date, None),
         {"MSGCOL_RECEIVEDDATE": received, "MSGCOL_FLAGS": ["downloaded", "read"]}, None,
         "a header-only file the database says was downloaded whole"),
        ("00000001-00000006.eml", simple_mail("body-not-flagged", header_date),
         {"MSGCOL_RECEIVEDDATE": received, "MSGCOL_FLAGS": ["read"]}, None,
         "a whole file the database says was not downloaded (downloaded since)"),
    ]
    files = {"%s/%s/" % (local, name): b"" for name, _, _ in specials}
    streams, rows = [], []
    for i, (name, data, columns, _, _) in enumerate(mails):
        files["%s/%s" % (box, name)] = data
        streams.append({"Id": 10 + i, "Path": ("%s/%s" % (box, name)).replace("/", "\\")})
        row = {"MSGCOL_ID": 1 + i, "MSGCOL_FOLDERID": ids[box], "MSGCOL_STREAM": 10 + i}
        row.update(columns)
        rows.append(row)
    spec = {"tables": {"Folders": folders, "Streams": streams, "Messages": rows}}
    store, p = build_store(tmp, "facts-store", files, spec)
    if not t.ok(p.returncode == 0, "make-wlm-db.py builds the database of facts",
                p.stderr.decode("utf-8", "replace")):
        return
    try:
        exported = esedbexport(os.path.join(store, DB_NAME), tmp)
        columns = set(exported["Messages"][0]) if exported.get("Messages") else set()
    except RuntimeError as e:
        columns = set()
        t.ok(False, "esedbexport reads the database of facts", e)
    t.ok({"MSGCOL_DATE", "MSGCOL_RECEIVEDDATE", "MSGCOL_DOWNLOADTIME"} <= columns,
         "esedbexport: Messages has MSGCOL_DATE, MSGCOL_RECEIVEDDATE and MSGCOL_DOWNLOADTIME",
         sorted(columns))

    st = scan_json(store)
    got = {f["source"]: f.get("special") for f in st.get("folders", [])}
    for name, value, want in specials:
        t.eq(got.get("%s/%s" % (local, name)), want,
             "FLDCOL_SPECIAL %d on %r: special %r%s" % (
                 value, name, want, " (0 is an ordinary folder, not the SDK's inbox)"
                 if value == 0 and want is None else
                 " (0 gives no kind: the standard name decides)" if value == 0 else ""))

    out = os.path.join(tmp, "out-facts")
    p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "--quiet",
                   "--keep-raw-headers")
    report_path = os.path.join(out, "report.json")
    if not t.ok(os.path.isfile(report_path), "the store of facts converts (exit %d)"
                % p.returncode, p.stderr.decode("utf-8", "replace")[-1500:]):
        return
    r = wltest.load_json(report_path)
    t.eq((r.get("database"), r["totals"]["messages_found"], r["totals"]["messages_written"]),
         ("ok", len(mails), len(mails)), "the store of facts: database ok, every message written")
    outputs = [f["outputs"][0] for f in r["folders"] if f["source"] == box]
    envelopes = {}
    if t.ok(outputs and os.path.isfile(os.path.join(out, outputs[0])),
            "the folder of the messages has its mbox", r["folders"]):
        for envelope, rest in wltest.mbox_messages(os.path.join(out, outputs[0])):
            m = re.search(rb"Message-ID: <([^>]+)>", rest)
            envelopes[m.group(1).decode() if m else None] = envelope
    for name, data, _, want, why in mails:
        if want is None:
            continue
        msgid = re.search(rb"Message-ID: <([^>]+)>", data).group(1).decode()
        got = envelopes.get(msgid, "")
        t.ok(got.endswith(" " + want), "%s: the `From ` line date is %s" % (why, want), got)

    by_kind = {}
    for x in r["problems"]:
        if x["kind"] in ("header_only", "body_missing"):
            by_kind.setdefault(x["kind"], []).append((x["path"].rsplit("/", 1)[-1], x))
    only = by_kind.get("header_only", [])
    t.ok(len(only) == 1 and only[0][0] == "00000001-00000004.eml"
         and "the database says so too" in only[0][1]["message"] and not only[0][1]["lost"],
         "the header-only file the database says was not downloaded: one header_only problem, "
         "the database agreeing, not a loss", only)
    missing = by_kind.get("body_missing", [])
    t.ok(len(missing) == 1 and missing[0][0] == "00000001-00000005.eml" and missing[0][1]["lost"]
         and "body is lost" in missing[0][1]["message"],
         "the header-only file the database says was downloaded whole: body_missing, a loss",
         missing)
    t.ok(p.returncode == 1, "a lost body makes the run end with exit 1 (%d)" % p.returncode)


def check_database_in_use(t, tmp):
    """A database another program holds (a running Windows Live Mail: on Windows its file is open
    without sharing, here a record lock, which is what wlmigrate looks for on Linux): convert is
    refused with what to do and writes nothing; --while-running converts every message with its
    state unknown and says why; scan reports it without refusing."""
    import fcntl
    store = variant_copy(tmp, "in-use")
    db = os.path.join(store, DB_NAME)
    out = os.path.join(tmp, "in-use-out")
    with open(db, "r+b") as held:
        fcntl.lockf(held, fcntl.LOCK_EX)
        p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q")
        err = p.stderr.decode("utf-8", "replace")
        t.ok(p.returncode == 3 and "close Windows Live Mail, then run again" in err
             and "--while-running" in err,
             "database held: convert refuses, saying to close Windows Live Mail (exit %d)"
             % p.returncode, err)
        t.ok(not os.path.exists(os.path.join(out, "report.json")), "database held: no result")
        p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q",
                       "--while-running")
        report = wltest.load_json(os.path.join(out, "report.json")) \
            if os.path.isfile(os.path.join(out, "report.json")) else {}
        totals = report.get("totals", {})
        unknown = [x for x in report.get("problems", []) if x["kind"] == "state_unknown"]
        t.ok(p.returncode in (0, 1) and totals.get("messages_written")
             and totals.get("messages_written") + totals.get("messages_not_converted", 0)
             == totals.get("messages_found") == len(walk(SAMPLE)[0]),
             "--while-running: every message file found and written (but the sample's one "
             "that is not mail) (%r)" % totals, p.stderr)
        t.ok(unknown and "Windows Live Mail was running" in unknown[0]["message"],
             "--while-running: state_unknown says Windows Live Mail held the database", unknown)
        st = scan_json(store)
        t.eq(st.get("database"), "unreadable", "database held: scan reports it unreadable")
        fcntl.lockf(held, fcntl.LOCK_UN)
    p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q", "--force")
    report = wltest.load_json(os.path.join(out, "report.json"))
    t.eq([x["kind"] for x in report.get("problems", []) if x["kind"] == "state_unknown"], [],
         "once Windows Live Mail is closed: the state is read again")


def variant_copy(tmp, name):
    dst = os.path.join(tmp, "variant-" + name, "wlm-store")
    shutil.copytree(SAMPLE, dst, symlinks=True)
    return dst


def main():
    t = wltest.Tap()
    for tool, package in (("esedbexport", "libesedb-utils"), ("thunderbird", "thunderbird")):
        if not shutil.which(tool):
            t.skip_all("%s is not installed (apt-get install %s)" % (tool, package))
    with tempfile.TemporaryDirectory(prefix="wlm-e2e-35-") as tmp:
        try:
            db = Database(esedbexport(os.path.join(SAMPLE, DB_NAME), tmp))
        except RuntimeError as e:
            t.ok(False, "esedbexport reads samples/wlm-store/%s" % DB_NAME, e)
            t.done()
        sources, dirs = walk(SAMPLE)
        exp = Expect(sources, dirs, db)

        # The sample must hold what this script tests, or its checks prove nothing.
        with_file = [db.by_file[s.rel.lower()] for s in sources if s.rel.lower() in db.by_file]
        varied = {name: len([r for r in with_file if test(r["flags"])]) for name, test in (
            ("unread", lambda f: not f & WLM_READ), ("flagged", lambda f: f & WLM_FLAGGED),
            ("replied", lambda f: f & WLM_REPLIED), ("forwarded", lambda f: f & WLM_FORWARDED))}
        orphans = [p for p, why in exp.recovered.items() if why != "no row"]
        no_row = [p for p, why in exp.recovered.items() if why == "no row"]
        t.ok(all(varied.values()) and orphans and no_row and exp.missing
             and any(r["absolute"] for r in db.rows)
             and exp.db.display_name(CUT_SHORT) not in (None, CUT_SHORT),
             "esedbexport: the sample database has unread, flagged, replied and forwarded rows "
             "%r, a file without a row %r, a row in a missing folder %r, a row without a file %r,"
             " an absolute stream path and a long name for the cut-short folder"
             % (varied, no_row, orphans, exp.missing))

        # samples/wlm-store as it is.
        before = wltest.sha256_tree(SAMPLE)
        out = os.path.join(tmp, "out")
        r, placements = check_conversion(t, "wlm-store", SAMPLE, out, exp, "ok", [])
        t.eq(wltest.sha256_tree(SAMPLE), before, "wlm-store: the source is unchanged")
        check_scan(t, "wlm-store scan", SAMPLE, exp, "ok", DB_NAME, [])
        check_rows_skipped(t, tmp, r)
        check_outside_paths(t, tmp, r)
        check_empty_store_database(t, tmp)
        check_database_facts(t, tmp)
        check_database_in_use(t, tmp)

        # One account's directory: the database one level up.
        acc = os.path.join(SAMPLE, ACCOUNT_DIR)
        p = wltest.run("scan", acc, "--json")
        try:
            st = json.loads(p.stdout.decode("utf-8"))["stores"][0]
        except (UnicodeDecodeError, ValueError, KeyError, IndexError):
            st = {}
        t.eq((st.get("database"), st.get("database_file")), ("ok", DB_NAME),
             "account directory scan: the database one level up is used")
        bad, n_unread = [], 0
        for f in st.get("folders", []):
            key = ACCOUNT_DIR + ("/" + f["source"] if f["source"] else "")
            want = (len(exp.placed(key)), exp.unread_rows(key))
            n_unread += want[1]
            if (f["messages"], f["unread"]) != want:
                bad.append("%r: messages/unread %r, want %r" % (f["source"],
                                                                (f["messages"], f["unread"]),
                                                                want))
        want_dirs = {d for d in dirs if d == ACCOUNT_DIR or d.startswith(ACCOUNT_DIR + "/")}
        got_dirs = {ACCOUNT_DIR + ("/" + f["source"] if f["source"] else "")
                    for f in st.get("folders", [])}
        t.ok(st and not bad and got_dirs == want_dirs and n_unread,
             "account directory scan: per folder messages and unread (%d) from the rows"
             % n_unread, "\n".join(bad) + "\nfolders %r" % sorted(got_dirs ^ want_dirs))

        if r is not None:
            check_thunderbird(t, out, exp, placements, tmp)

        # Robustness: the database missing, broken, dirty, or only its backup usable.
        no_db = Expect(sources, dirs, None)
        rng = random.Random(35)
        noise = rng.randbytes(300 * 1024)
        dirty_path = build_dirty_database(t, tmp)

        store = variant_copy(tmp, "missing")
        os.remove(os.path.join(store, DB_NAME))
        check_conversion(t, "no database", store, os.path.join(tmp, "out-missing"), no_db,
                         "missing", ["state_unknown"])
        check_scan(t, "no database scan", store, no_db, "missing", None, ["state_unknown"])

        store = variant_copy(tmp, "truncated")
        with open(os.path.join(store, DB_NAME), "r+b") as fh:
            fh.truncate(10000)
        check_conversion(t, "database cut to 10,000 bytes", store,
                         os.path.join(tmp, "out-truncated"), no_db, "unreadable",
                         ["state_unknown"])
        check_scan(t, "database cut to 10,000 bytes scan", store, no_db, "unreadable", DB_NAME,
                   ["state_unknown"])

        store = variant_copy(tmp, "random")
        with open(os.path.join(store, DB_NAME), "wb") as fh:
            fh.write(noise)
        check_conversion(t, "300 KB of random bytes", store, os.path.join(tmp, "out-random"),
                         no_db, "unreadable", ["state_unknown"])
        check_conversion(t, "300 KB of random bytes, --unknown-state unread", store,
                         os.path.join(tmp, "out-random-unread"),
                         Expect(sources, dirs, None, unknown_read=False), "unreadable",
                         ["state_unknown"], ("--unknown-state", "unread"))
        check_scan(t, "300 KB of random bytes scan", store, no_db, "unreadable", DB_NAME,
                   ["state_unknown"])

        if dirty_path:
            store = variant_copy(tmp, "dirty")
            shutil.copyfile(dirty_path, os.path.join(store, DB_NAME))
            try:
                dirty_exp = Expect(sources, dirs, Database(esedbexport(dirty_path, tmp)))
            except RuntimeError as e:
                dirty_exp = None
                t.ok(False, "esedbexport reads the dirty database", e)
            if dirty_exp:
                check_conversion(t, "dirty database", store, os.path.join(tmp, "out-dirty"),
                                 dirty_exp, "dirty", ["database_dirty"])
                check_scan(t, "dirty database scan", store, dirty_exp, "dirty", DB_NAME,
                           ["database_dirty"])

        store = variant_copy(tmp, "backup")
        with open(os.path.join(store, DB_NAME), "wb") as fh:
            fh.write(noise)
        shutil.copyfile(os.path.join(SAMPLE, DB_NAME),
                        os.path.join(store, "Backup", "new", DB_NAME))
        check_conversion(t, "main database random, real Backup/new/ copy", store,
                         os.path.join(tmp, "out-backup"), exp, "backup", ["database_backup"])
        check_scan(t, "main database random, real Backup/new/ copy scan", store, exp, "backup",
                   "Backup/new/" + DB_NAME, ["database_backup"])
    t.done()


if __name__ == "__main__":
    main()
