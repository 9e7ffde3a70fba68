#!/usr/bin/env python3
"""Round trip of third-party mail corpora through `convert --for thunderbird`.

Every file of the corpora below is copied (in a temporary directory, never into the repository)
into an .eml tree, one folder per source directory, and converted. Each source file is then
judged against what comes back: Python's mailbox module reads the mbox files (wltest undoes the
mboxrd escaping), report.json is read with json, unconverted/ is compared byte for byte.

What a message may look like after conversion (doc/THUNDERBIRD.md): `From <sender> <date>`, the three
X-Mozilla state lines (in the message's own line ends), a Date header only when the message had
none at the top of its header block, the stored bytes, a line end only when the message lacked
a final one. Expected classification, computed here independently of wlmigrate:
  - 0-byte file                                   -> problem `empty`, not converted
  - first line not a header field line (an mbox   -> problem `not_a_message`, not converted
    envelope `From ` line left by a mail tool is
    skipped first: such files are real mail)
  - headers with no body after them               -> written, problem `header_only`
  - everything else                               -> written
A header field the normalizer decodes (Subject, From, Sender, Reply-To, To, Cc, Bcc; the first of
each name) that holds 8-bit bytes that are not UTF-8 is written again as UTF-8 encoded words
(problem `repaired_header_charset`, doc/THUNDERBIRD.md "Raw 8-bit headers"): such a field must
come back as 7-bit text and every other byte as stored.
"""
import collections
import datetime
import os
import re
import shutil
import sys
import tempfile
import time
from email.utils import parsedate_to_datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

CORPORA = [
    # (short name, directory below wltest.CORPORA)
    ("sisimai-bsd", "sisimai-set-of-emails/maildir/bsd"),
    ("sisimai-dos", "sisimai-set-of-emails/maildir/dos"),
    ("stalwart", "stalwart-mail-parser/eml"),
    ("mikel", "mikel-mail/emails"),
]

FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")  # printable ASCII name without ':', then ':'
DATE_FIELD = re.compile(rb"(?i)date[ \t]*:")
ENVELOPE = re.compile(
    r"^From (\S+) (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d\d) (\d\d):(\d\d):(\d\d) (\d{4})$")


def split_lines(data):
    """The lines of `data`, each with its LF (a CR alone does not end a line)."""
    out, pos = [], 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        out.append(data[pos:end])
        pos = end
    return out


def header_block(data):
    """(lines of the top-level header block, offset just past the empty line that ends it, or
    None when there is no empty line (LF or CRLF))."""
    out, pos = [], 0
    for ln in split_lines(data):
        pos += len(ln)
        if ln in (b"\n", b"\r\n"):
            return out, pos
        out.append(ln)
    return out, None


REENCODED = ("subject", "from", "sender", "reply-to", "to", "cc", "bcc")


def first_fields(hdr):
    """{lower-case name: (index of its first line, number of lines)} of the first field of each
    name in REENCODED (continuation lines belong to the field before them)."""
    out, i = {}, 0
    while i < len(hdr):
        m = FIELD_LINE.match(hdr[i])
        n = 1
        while i + n < len(hdr) and hdr[i + n][:1] in (b" ", b"\t"):
            n += 1
        if m:
            name = hdr[i].split(b":", 1)[0].strip().lower().decode("latin-1")
            if name in REENCODED and name not in out:
                out[name] = (i, n)
        i += n
    return out


def raw_8bit_fields(hdr):
    """The names of the fields wlmigrate re-encodes."""
    names = set()
    for name, (i, n) in first_fields(hdr).items():
        value = b"".join(hdr[i:i + n])
        if re.search(rb"[\x80-\xff]", value):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                names.add(name)
    return names


def without_fields(data, names):
    """`data` with the first field of each of `names` cut out of its header block."""
    lines = split_lines(data)
    hdr, _ = header_block(data)
    cut = set()
    for name, (i, n) in first_fields(hdr).items():
        if name in names:
            cut.update(range(i, i + n))
    return b"".join(ln for k, ln in enumerate(lines) if k not in cut)


def expectation(data):
    """What should become of a source file: dict with kind and the repairs."""
    if not data:
        return {"written": False, "kinds": {"empty"}}
    first = data
    if data.startswith(b"From "):
        nl = data.find(b"\n")
        first = data[nl + 1:] if nl >= 0 else b""
    if not FIELD_LINE.match(first):
        return {"written": False, "kinds": {"not_a_message"}}
    hdr, body_at = header_block(data)
    kinds = set()
    if body_at is None or body_at >= len(data):
        kinds.add("header_only")
    has_date = any(DATE_FIELD.match(x) for x in hdr)
    if not has_date:
        kinds.add("repaired_date")
    final_eol = data.endswith(b"\n")
    if not final_eol:
        kinds.add("repaired_final_newline")
    reencoded = raw_8bit_fields(hdr)
    if reencoded:
        kinds.add("repaired_header_charset")
    nl = data.find(b"\n")
    eol = b"\r\n" if nl > 0 and data[nl - 1:nl] == b"\r" else b"\n"
    return {"written": True, "kinds": kinds, "add_date": not has_date,
            "add_eol": not final_eol, "eol": eol, "reencoded": reencoded}


def build_store(store):
    """Copies every corpus file into `store`; returns {store-relative path: (corpus, original)}
    and {folder source path: [store-relative paths in wlmigrate's (byte) order]}."""
    origin, folders = {}, collections.OrderedDict()
    for short, rel in CORPORA:
        base = os.path.join(wltest.CORPORA, rel)
        for dirpath, dirs, files in os.walk(base):
            dirs.sort()
            sub = os.path.relpath(dirpath, base)
            folder = short if sub == "." else short + "-" + sub.replace(os.sep, "-")
            files = [f for f in files if os.path.isfile(os.path.join(dirpath, f))
                     and not os.path.islink(os.path.join(dirpath, f))]
            if not files:
                continue
            os.makedirs(os.path.join(store, folder))
            names = []
            for f in files:
                name = f if f.lower().endswith(".eml") else f + ".eml"
                dst = os.path.join(folder, name)
                assert dst not in origin, dst
                shutil.copyfile(os.path.join(dirpath, f), os.path.join(store, dst))
                origin[dst] = (short, os.path.join(dirpath, f))
                names.append(name)
            folders[folder] = [os.path.join(folder, n) for n in sorted(names, key=os.fsencode)]
    return origin, folders


def date_value(src):
    """The unfolded value of the top-level Date header, or None."""
    hdr, _ = header_block(src)
    for i, ln in enumerate(hdr):
        if DATE_FIELD.match(ln):
            value = ln.split(b":", 1)[1]
            for cont in hdr[i + 1:]:
                if cont[:1] not in (b" ", b"\t"):
                    break
                value += cont
            return b" ".join(value.split()).decode("latin-1")
    return None


def check_envelope(envelope, src, where, bad, dated):
    """The `From ` line: `From <no spaces> <Www Mmm DD HH:MM:SS YYYY>`; its date is the Date
    header's in UTC whenever Python's parser reads that header with a zone."""
    m = ENVELOPE.match(envelope)
    if not m:
        bad.append("%s: envelope %r" % (where, envelope))
        return
    date = envelope.split(" ", 2)[2]
    try:
        time.strptime(date, "%a %b %d %H:%M:%S %Y")
    except ValueError:
        bad.append("%s: envelope date not a real date %r" % (where, envelope))
    value = date_value(src)
    try:
        dt = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        dt = None
    if dt is None or dt.tzinfo is None:
        return
    want = dt.astimezone(datetime.timezone.utc).strftime("%a %b %d %H:%M:%S %Y")
    dated[0] += 1
    if date != want:
        bad.append("%s: envelope date %r, want %r (Date: %s)" % (where, date, want, value))


def main():
    t = wltest.Tap()
    t.skip_all_without_corpus(*[rel for _, rel in CORPORA])
    with tempfile.TemporaryDirectory(prefix="wlm-20-") as tmp:
        store = os.path.join(tmp, "corpora")
        out = os.path.join(tmp, "out")
        origin, folders = build_store(store)
        expect = {}
        for path in origin:
            with open(os.path.join(store, path), "rb") as fh:
                expect[path] = expectation(fh.read())

        p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q")
        n_lost = sum(1 for e in expect.values() if not e["written"])
        t.eq(p.returncode, 1 if n_lost else 0, "exit code (%d files not converted)" % n_lost)
        t.eq(p.stdout, b"", "-q prints nothing on stdout")
        report = wltest.load_json(os.path.join(out, "report.json"))
        totals = report["totals"]

        want_written = sum(1 for e in expect.values() if e["written"])
        want_repaired = sum(1 for e in expect.values()
                            if e["written"] and (e["add_date"] or e["add_eol"]))
        t.eq(totals["messages_found"], len(expect), "totals.messages_found")
        t.eq(totals["messages_written"], want_written, "totals.messages_written")
        t.eq(totals["messages_not_converted"], n_lost, "totals.messages_not_converted")
        t.eq(totals["messages_repaired"], want_repaired, "totals.messages_repaired")
        t.eq(sum(f["found"] for f in report["folders"]), totals["messages_found"],
             "sum of folders[].found equals totals.messages_found")
        t.eq(sum(f["written"] for f in report["folders"]), totals["messages_written"],
             "sum of folders[].written equals totals.messages_written")

        # Problems: every path is a real source file, and per file exactly the kinds expected.
        got_kinds = collections.defaultdict(set)
        not_real = []
        for pr in report["problems"]:
            if pr["path"] not in origin or not os.path.isfile(os.path.join(store, pr["path"])):
                not_real.append(pr)
            got_kinds[pr["path"]].add(pr["kind"])
        t.ok(not not_real, "every problems[] path names a real source file", not_real)
        kind_diff = ["%s: got %s want %s" % (path, sorted(got_kinds.get(path, ())),
                                             sorted(e["kinds"]))
                     for path, e in sorted(expect.items())
                     if got_kinds.get(path, set()) != e["kinds"]]
        t.ok(not kind_diff, "problems[] kinds per file as expected (%d files)" % len(expect),
             "\n".join(kind_diff))
        lost_flag = [pr for pr in report["problems"]
                     if pr["lost"] != (pr["kind"] in ("empty", "not_a_message"))]
        t.ok(not lost_flag, "problems[].lost set exactly for messages not converted", lost_flag)

        # Folders: one row per source folder, found/written counts, output exists.
        rows = {f["source"]: f for f in report["folders"]}
        row_bad = []
        for folder, paths in folders.items():
            row = rows.get(folder)
            if not row:
                row_bad.append("%s: no folders[] row" % folder)
                continue
            w = sum(1 for x in paths if expect[x]["written"])
            if (row["found"], row["written"]) != (len(paths), w):
                row_bad.append("%s: found/written %d/%d, want %d/%d"
                               % (folder, row["found"], row["written"], len(paths), w))
            if row["bytes"] != sum(os.path.getsize(os.path.join(store, x)) for x in paths):
                row_bad.append("%s: bytes %d" % (folder, row["bytes"]))
            if not os.path.isfile(os.path.join(out, row["outputs"][0])):
                row_bad.append("%s: output %s missing" % (folder, row["outputs"][0]))
        t.ok(not row_bad, "folders[] rows: found, written, bytes, output file (%d folders)"
             % len(folders), "\n".join(row_bad))

        # Messages back from the mbox files, in file-name order within each folder.
        checked = collections.Counter()
        bad = []
        dated = [0]
        for folder, paths in folders.items():
            row = rows.get(folder)
            if not row:
                continue
            mbox = os.path.join(out, row["outputs"][0])
            got = wltest.mbox_messages(mbox)
            written = [x for x in paths if expect[x]["written"]]
            if len(got) != len(written):
                bad.append("%s: %d messages in the mbox, want %d" % (folder, len(got),
                                                                       len(written)))
                continue
            for path, (envelope, raw) in zip(written, got):
                e = expect[path]
                with open(os.path.join(store, path), "rb") as fh:
                    src = fh.read()
                check_envelope(envelope, src, path, bad, dated)
                eol = e["eol"]
                state = re.match(rb"X-Mozilla-Status: ([0-9a-f]{4})" + re.escape(eol) +
                                 rb"X-Mozilla-Status2: ([0-9a-f]{8})" + re.escape(eol) +
                                 rb"X-Mozilla-Keys: " + b" " * 80 + re.escape(eol), raw)
                if not state:
                    bad.append("%s: state headers wrong: %r" % (path, raw[:200]))
                    continue
                if state.groups() != (b"0001", b"00800000"):
                    bad.append("%s: state %r, want read + MDN sent" % (path, state.groups()))
                rest = raw[state.end():]
                if e["add_date"]:
                    m = re.match(rb"Date: ([^\r\n]+)" + re.escape(eol), rest)
                    if not m:
                        bad.append("%s: no added Date header: %r" % (path, rest[:100]))
                        continue
                    try:
                        parsedate_to_datetime(m.group(1).decode("ascii"))
                    except (TypeError, ValueError, UnicodeDecodeError):
                        bad.append("%s: added Date unparsable: %r" % (path, m.group(1)))
                    rest = rest[m.end():]
                want = src + (eol if e["add_eol"] else b"")
                if e["reencoded"]:
                    rest_hdr, _ = header_block(rest)
                    if raw_8bit_fields(rest_hdr):
                        bad.append("%s: raw 8-bit fields left: %s" % (path, sorted(
                            raw_8bit_fields(rest_hdr))))
                    rest, want = (without_fields(rest, e["reencoded"]),
                                  without_fields(want, e["reencoded"]))
                if rest != want:
                    i = next((k for k in range(min(len(rest), len(want)))
                              if rest[k] != want[k]), min(len(rest), len(want)))
                    bad.append("%s: bytes differ at %d (got %d bytes, want %d): got %r want %r"
                               % (path, i, len(rest), len(want), rest[i:i + 60], want[i:i + 60]))
                    continue
                checked[origin[path][0]] += 1
        t.ok(not bad, "every written message comes back byte-identical (apart from the "
             "documented changes) with a valid From line", "\n".join(bad))
        t.eq(sum(checked.values()), want_written, "number of messages checked in the mbox files")
        t.ok(dated[0] > 0.8 * want_written, "From line dates compared with Date headers: %d"
             % dated[0])

        # Messages not converted: originals kept byte for byte.
        kept_bad = []
        for path, e in sorted(expect.items()):
            if e["written"]:
                continue
            kept = os.path.join(out, "unconverted", path)
            with open(os.path.join(store, path), "rb") as fh:
                src = fh.read()
            if not os.path.isfile(kept):
                kept_bad.append("%s: not in unconverted/" % path)
                continue
            with open(kept, "rb") as fh:
                if fh.read() != src:
                    kept_bad.append("%s: unconverted/ copy differs" % path)
            checked[origin[path][0] + " (unconverted)"] += 1
        t.ok(not kept_bad, "every message not converted is in unconverted/ byte-identical (%d)"
             % n_lost, "\n".join(kept_bad))

        # No other file in unconverted/.
        extra = []
        for dirpath, _, files in os.walk(os.path.join(out, "unconverted")):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), os.path.join(out, "unconverted"))
                if rel not in expect or expect[rel]["written"]:
                    extra.append(rel)
        t.ok(not extra, "unconverted/ holds only messages not converted", extra)

        for short, _ in CORPORA:
            total = sum(1 for o in origin.values() if o[0] == short)
            print("# %s: %d files, %d checked in the mbox, %d checked in unconverted/"
                  % (short, total, checked[short], checked[short + " (unconverted)"]))
    t.done()


if __name__ == "__main__":
    main()
