#!/usr/bin/env python3
"""The project's own sample stores through `convert --for thunderbird`, judged byte for byte.

samples/wlm-store, samples/windows-mail-store and samples/eml-tree are each converted into their
own temporary OUT. samples/wlm-store is converted WITHOUT its database: it is copied into a
temporary directory without the root's Mail.MSMessageStore (everything else, Backup/ included,
byte for byte and with its mtimes), so that state, received times and folder names come from the
files alone (35-database.t tests the store with its database). A store without a readable
database must say so once: `database` "missing" and one `state_unknown` problem, not a loss;
every message read, nothing flagged, replied or forwarded.

Every expectation is computed here from the source tree, independently of wlmigrate: a Python
walk of the store (Backup/ at the store root, the ESE database with its log and checkpoint files,
*.oeaccount and winmail.fol are not mail; every directory is a folder; *.eml and *.nws files are
messages), Python's email parser for headers, xml.etree for the UTF-16 .oeaccount
files, Python's mailbox module (through wltest.mbox_messages, mboxrd undone) for the output.

Classification of a message file (same rules as 20-corpora-roundtrip.t):
  0 bytes                                   -> `empty`, not converted (exit code 1)
  first line is not a header field line     -> `not_a_message`, not converted (exit code 1)
  no empty line after the header block      -> `header_only`, written as it is
  no Date header                            -> written with a Date header added (`repaired_date`)
  no final line end                         -> written with one added (`repaired_final_newline`)
Each written message must read back as: `From <sender> <UTC date>`, X-Mozilla-Status,
X-Mozilla-Status2, X-Mozilla-Keys, then the stored bytes unchanged apart from those two repairs.
The conversions here keep raw 8-bit header fields as stored (--keep-raw-headers), so that every
byte can be compared; their re-encoding, the default, is judged by tests/e2e/31-raw-headers.t and
20-corpora-roundtrip.t.
"""
import datetime
import email
import email.policy
import email.utils
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

STORES = [("wlm-store", "wlm"), ("windows-mail-store", "windows-mail"), ("eml-tree", "eml-tree")]
CONTAINER = "Windows Live Mail"

MESSAGE_FILE = re.compile(r"(?i)\.(eml|nws)$")
NOT_MAIL = re.compile(r"(?i)^(.*\.msmessagestore|edb.*\.log|edb\.chk|tmp\.edb|.*\.jrs|.*\.pat"
                      r"|.*\.oeaccount|winmail\.fol)$")
FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
BLANK_LINE = re.compile(rb"(?:^|\n)\r?\n")
ENVELOPE = re.compile(
    r"^From (\S+) (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d\d) (\d\d):(\d\d):(\d\d) (\d{4})$")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|;#\x00-\x1f]|^\.|[.~ ]$')
WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")


class Msg:
    def __init__(self, folder, name, path):
        self.folder, self.name, self.path = folder, name, path
        with open(path, "rb") as fh:
            self.data = fh.read()
        self.rel = name if not folder else folder + "/" + name
        data = self.data
        first = data.split(b"\n", 1)[0]
        self.empty = not data
        self.not_message = bool(data) and not FIELD_LINE.match(first)
        self.converted = not (self.empty or self.not_message)
        m = BLANK_LINE.search(data)
        self.header_end = m.end() if m else len(data)
        self.header_only = self.converted and m is None
        self.crlf = b"\r\n" in data
        self.eol = b"\r\n" if self.crlf else b"\n"
        if self.converted:
            msg = email.message_from_bytes(data[:self.header_end], policy=email.policy.compat32)
            self.headers = msg
            self.no_date = msg["Date"] is None
        else:
            self.headers, self.no_date = None, False
        self.no_final_eol = self.converted and not data.endswith(b"\n")


def walk_store(root):
    """{folder relative to root ('' = root): [Msg in file-name order]}, plus the account dirs."""
    folders, accounts = {}, {}
    for dirpath, dirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        if rel == "":
            dirs[:] = [d for d in dirs if d.lower() != "backup"]
        dirs.sort()
        folders[rel] = [Msg(rel, f, os.path.join(dirpath, f))
                        for f in sorted(files) if MESSAGE_FILE.search(f)]
        for f in files:
            if f.lower().endswith(".oeaccount") and rel and "/" not in rel:
                accounts[rel] = account_name(os.path.join(dirpath, f))
    return folders, accounts


def has_database(root):
    """A store database in the root: state, received times and true folder names would then come
    from it (README), which this script does not read: the stores converted here have none."""
    return any(f.lower() in ("mail.msmessagestore", "windowsmail.msmessagestore")
               for f in os.listdir(root))


def copy_without_database(sample, dst):
    """A copy of samples/<sample> without the database file in its root (Backup/new/'s copy and
    everything else kept, mtimes included)."""
    src = os.path.join(wltest.SAMPLES, sample)

    def ignore(directory, names):
        if os.path.realpath(directory) != os.path.realpath(src):
            return []
        return [n for n in names if n.lower() in ("mail.msmessagestore",
                                                  "windowsmail.msmessagestore")]
    shutil.copytree(src, dst, symlinks=True, ignore=ignore)
    return dst


def read_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def account_name(path):
    with open(path, "rb") as fh:
        root = ET.fromstring(fh.read())          # honours the BOM and encoding="utf-16"
    el = root.find("Account_Name")
    return el.text if el is not None else None


def utc_envelope_date(dt):
    u = dt.astimezone(datetime.timezone.utc)
    return "%s %s %02d %02d:%02d:%02d %04d" % (DAYS[u.weekday()], MONTHS[u.month - 1], u.day,
                                               u.hour, u.minute, u.second, u.year)


def received_dates(msg):
    out = []
    for value in msg.get_all("Received") or []:
        if ";" in value:
            try:
                out.append(email.utils.parsedate_to_datetime(value.rsplit(";", 1)[1].strip()))
            except (TypeError, ValueError):
                pass
    return out


def remove_one_date_line(data):
    """(data without the first Date header line inside its header block, that line) or None."""
    m = BLANK_LINE.search(data)
    end = m.start() + 1 if m else len(data)
    for line in re.finditer(rb"(?im)^Date[ \t]*:[^\r\n]*(\r?\n)", data[:end]):
        return data[:line.start()] + data[line.end():], line.group(0)
    return None


def check_store(t, sample, kind, out, container=CONTAINER, src=None):
    extra_args = () if container == CONTAINER else ("--container", container)
    label = sample if container == CONTAINER else "%s --container %s" % (sample, container)
    src = src or os.path.join(wltest.SAMPLES, sample)
    before = wltest.sha256_tree(src)
    folders, accounts = walk_store(src)
    t.ok(not has_database(src), "%s: the converted store has no database in its root" % label)
    messages = [m for msgs in folders.values() for m in msgs]
    lost = [m for m in messages if not m.converted]
    written = [m for m in messages if m.converted]

    p = wltest.run("convert", src, "--for", "thunderbird", "-o", out, "--quiet",
                   "--keep-raw-headers", *extra_args)
    want_code = 1 if lost else 0
    t.eq(p.returncode, want_code, "%s: exit code %d (%d message(s) that cannot be converted)"
         % (label, want_code, len(lost)))
    t.eq(wltest.sha256_tree(src), before, "%s: the source tree is unchanged" % label)
    report_path = os.path.join(out, "report.json")
    if not t.ok(os.path.isfile(report_path), "%s: report.json written" % label,
                p.stderr.decode("utf-8", "replace")):
        return None
    r = wltest.load_json(report_path)
    t.eq((r.get("report_version"), r.get("command"), r.get("store_kind"), r.get("target")),
         (2, "convert", kind, "thunderbird"), "%s: report header (version, command, kind)" % label)

    # Totals, from the walk.
    repaired = [m for m in written if m.no_date or m.no_final_eol]
    want_totals = {
        "messages_found": len(messages), "messages_written": len(written),
        "messages_not_converted": len(lost), "messages_repaired": len(repaired),
        "bytes_found": sum(len(m.data) for m in messages),
        "bytes_written": sum(len(m.data) for m in written),
    }
    got_totals = {k: r["totals"].get(k) for k in want_totals}
    t.eq(got_totals, want_totals, "%s: report totals agree with a walk of the source" % label)
    backup = os.path.join(src, "Backup")
    if os.path.isdir(backup):
        n_backup = sum(1 for _, _, fs in os.walk(backup) for f in fs if MESSAGE_FILE.search(f))
        t.ok(n_backup > 0 and r["totals"]["messages_found"] == len(messages),
             "%s: the %d message(s) in Backup/ are not imported (%d found, not %d)"
             % (label, n_backup, len(messages), len(messages) + n_backup))

    # Problems: the message-level ones are exactly those the walk predicts.
    kinds = {"empty", "not_a_message", "header_only", "repaired_date", "repaired_final_newline"}
    want_problems = set()
    for m in messages:
        if m.empty:
            want_problems.add((m.rel, "empty"))
        elif m.not_message:
            want_problems.add((m.rel, "not_a_message"))
        else:
            if m.header_only:
                want_problems.add((m.rel, "header_only"))
            if m.no_date:
                want_problems.add((m.rel, "repaired_date"))
            if m.no_final_eol:
                want_problems.add((m.rel, "repaired_final_newline"))
    got_problems = {(x["path"], x["kind"]) for x in r["problems"] if x["kind"] in kinds}
    t.eq(sorted(got_problems), sorted(want_problems),
         "%s: per-message problems (empty, not_a_message, header_only, repairs)" % label)
    t.eq(sorted(x["path"] for x in r["problems"] if x["lost"]),
         sorted(m.rel for m in lost), "%s: problems with lost=true are the lost messages" % label)
    t.eq((r["totals"]["problems"], r["totals"]["problems_with_loss"]),
         (len(r["problems"]), len([x for x in r["problems"] if x["lost"]])),
         "%s: totals.problems and problems_with_loss count the problems list" % label)

    # No database: said once, as `state_unknown` (not a loss); nothing the database would add.
    unknown = [x for x in r["problems"] if x["kind"] == "state_unknown"]
    if kind == "eml-tree":
        t.eq((r.get("database"), len(unknown)), ("none", 0),
             "%s: database \"none\" and no state_unknown problem (a plain .eml tree)" % label)
    else:
        t.eq((r.get("database"), [x["lost"] for x in unknown]), ("missing", [False]),
             "%s: database \"missing\" and one state_unknown problem with lost=false" % label)
    db_kinds = {"recovered", "missing_file", "database_dirty", "database_backup"}
    t.eq(sorted((x["kind"], x["path"]) for x in r["problems"] if x["kind"] in db_kinds), [],
         "%s: no recovered, missing_file, database_dirty or database_backup problem" % label)
    t.ok(not any(f["source"] == "(recovered)" or f["name"] == "Recovered" for f in r["folders"]),
         "%s: no Recovered folder" % label, [f["name"] for f in r["folders"]])

    if lost:
        kept = []
        for m in lost:
            u = os.path.join(out, "unconverted", m.rel)
            kept.append(os.path.isfile(u) and read_bytes(u) == m.data)
        t.ok(all(kept), "%s: unconverted/ holds the original bytes of the %d message(s) not "
             "converted" % (label, len(lost)))

    # Folders: every directory of the store (Backup/ excluded) is one entry.
    rep = {f["source"]: f for f in r["folders"]}
    dirs = set(folders) - {""}
    extra = set(rep) - dirs
    t.ok(dirs <= set(rep) and extra <= {""} and (not folders[""] or "" in rep),
         "%s: folders[] are the %d directories of the store" % (label, len(dirs)),
         "missing: %r\nextra: %r" % (sorted(dirs - set(rep)), sorted(extra)))
    bad = []
    for src_rel, msgs in sorted(folders.items()):
        f = rep.get(src_rel)
        if f is None:
            continue
        want = (len(msgs), len([m for m in msgs if m.converted]), sum(len(m.data) for m in msgs))
        got = (f["found"], f["written"], f["bytes"])
        if got != want:
            bad.append("%r: got found/written/bytes %r, want %r" % (src_rel, got, want))
    t.ok(not bad, "%s: folders[] found, written and bytes per folder agree with the walk" % label,
         "\n".join(bad))

    # Account folders carry the .oeaccount's Account_Name, not the cut-short directory name.
    for acc_dir, acc_name in sorted(accounts.items()):
        f = rep.get(acc_dir, {})
        last = (f.get("outputs") or [""])[0].rsplit("/", 1)[-1]
        t.ok(acc_name and f.get("name") == acc_name and last == acc_name,
             "%s: account folder %r is named %r (Account_Name), output %r"
             % (label, acc_dir, acc_name, f.get("outputs")))
    if sample == "wlm-store":
        t.ok(any(d != n for d, n in accounts.items()) and len(accounts) >= 2,
             "%s: the sample has accounts whose directory name is not the account name" % label)
        t.eq(sorted(a["name"] for a in r["accounts"]), sorted(accounts.values()),
             "%s: accounts[] carry the names from the .oeaccount XML" % label)

    # Output paths mirror the source tree under the container (names here need no renaming).
    root_seg = [os.path.basename(src)] if "" in rep else []
    bad = []
    for src_rel, f in rep.items():
        segs = root_seg + ([] if src_rel == "" else src_rel.split("/"))
        if src_rel and src_rel.split("/")[0] in accounts:
            segs[len(root_seg)] = accounts[src_rel.split("/")[0]]
        if any(UNSAFE_NAME.search(s) or WINDOWS_RESERVED.match(s)
               or len(s.encode("utf-16-le")) > 110 for s in segs):
            continue
        want = "thunderbird/" + "/".join([s + ".sbd" for s in [container] + segs[:-1]]
                                         + segs[-1:])
        if f["outputs"][0] != want:
            bad.append("%r -> %r, want %r" % (src_rel, f["outputs"][0], want))
    t.ok(not bad, "%s: each folder's output path is its source path under the container" % label,
         "\n".join(bad))

    # The tree on disk.
    tb = os.path.join(out, "thunderbird")
    t.ok(os.path.isfile(os.path.join(tb, container)) and
         os.path.isdir(os.path.join(tb, container + ".sbd")),
         "%s: container mbox %r and %r.sbd exist" % (label, container, container))
    missing = [f["outputs"][0] for f in r["folders"]
               if not os.path.isfile(os.path.join(out, f["outputs"][0]))]
    t.ok(not missing, "%s: every folder's output is an mbox file in OUT" % label, missing)
    lonely, mboxes = [], set()
    for dirpath, dirs, files in os.walk(tb):
        for d in dirs:
            if d.endswith(".sbd") and not os.path.isfile(os.path.join(dirpath, d[:-4])):
                lonely.append(os.path.relpath(os.path.join(dirpath, d), out))
        for f in files:
            mboxes.add(os.path.relpath(os.path.join(dirpath, f), out).replace(os.sep, "/"))
    t.ok(not lonely, "%s: every X.sbd/ has its mbox X beside it" % label, lonely)
    t.eq(sorted(mboxes), sorted({"thunderbird/" + container} | {f["outputs"][0] for f in r["folders"]}),
         "%s: the only files in OUT/thunderbird are the container and the folders' mboxes" % label)

    # Every mbox, message by message, against the source files.
    bad, n_checked, from_lines_ok = [], 0, True
    for src_rel, msgs in sorted(folders.items()):
        f = rep.get(src_rel)
        if f is None:
            continue
        mbox_path = os.path.join(out, f["outputs"][0])
        if not os.path.isfile(mbox_path):
            continue
        with open(mbox_path, "rb") as fh:
            raw = fh.read()
        want_msgs = [m for m in msgs if m.converted]
        got = wltest.mbox_messages(mbox_path)
        if raw and not raw.startswith(b"From "):
            bad.append("%s: does not start with 'From '" % f["outputs"][0])
        if len(re.findall(rb"(?m)^From ", raw)) != len(want_msgs):
            from_lines_ok = False
        if len(got) != len(want_msgs):
            bad.append("%s: %d messages, want %d" % (f["outputs"][0], len(got), len(want_msgs)))
            continue
        for m, (envelope, rest) in zip(want_msgs, got):
            n_checked += 1
            why = check_message(m, envelope, rest)
            if why:
                bad.append("%s: %s" % (m.rel, why))
    t.ok(not bad, "%s: all %d written messages read back in file-name order with their exact "
         "bytes (state headers first, Date and final line end only where missing)"
         % (label, len(written)), "\n".join(bad))
    t.eq(n_checked, len(written), "%s: every written message was compared" % label)
    t.ok(from_lines_ok, "%s: the raw mbox files have exactly one `From ` line per message "
         "(body lines are mboxrd-escaped)" % label)
    return r, folders


def check_message(m, envelope, rest):
    """None when `rest` (after the From line, mboxrd undone) is what m must become, else why."""
    state, body = wltest.split_state_headers(rest)
    if state is None:
        return "the first three header lines are not X-Mozilla-Status/-Status2/-Keys"
    try:
        status, status2 = int(state["Status"], 16), int(state["Status2"], 16)
    except ValueError:
        return "state header values are not hex: %r" % state
    if (status != 0x1 or status2 != 0x00800000 or state["Keys"] != ""):
        return ("state %r: want Status 0001 (read: state unknown), Status2 00800000 (MDN sent), "
                "empty keys" % state)
    if not re.match(rb"X-Mozilla-Keys: {60,}" + re.escape(m.eol), rest.split(b"Status2", 1)[1]
                    .split(b"\n", 1)[1]):
        return "X-Mozilla-Keys is not padded with spaces / not in the message's line ends"
    want = m.data + (m.eol if m.no_final_eol else b"")
    date_line = None
    if m.no_date:
        cut = remove_one_date_line(body)
        if cut is None:
            return "no Date header was added"
        body, date_line = cut
    if body != want:
        return "bytes differ from the source%s" % (" (after removing the added Date)"
                                                   if m.no_date else "")
    # The From line: sender without spaces, UTC date from Date (else the Received header).
    em = ENVELOPE.match(envelope)
    if not em:
        return "bad envelope line %r" % envelope
    sender = em.group(1)
    return_path = email.utils.parseaddr(m.headers["Return-Path"] or "")[1]
    from_addr = email.utils.parseaddr(m.headers["From"] or "")[1]
    if return_path and sender != return_path:
        return "envelope sender %r, want the Return-Path %r" % (sender, return_path)
    if not return_path and sender not in (from_addr or "-", "-"):
        return "envelope sender %r, want the From address %r or -" % (sender, from_addr)
    when = None
    if m.headers["Date"]:
        try:
            when = email.utils.parsedate_to_datetime(m.headers["Date"])
        except (TypeError, ValueError):
            when = None
    received = received_dates(m.headers)
    if when is None and received:
        when = received[-1]
    if when is not None and envelope.split(" ", 2)[2] != utc_envelope_date(when):
        return "envelope date %r, want %r" % (envelope, utc_envelope_date(when))
    if date_line is not None:
        if not date_line.endswith(m.eol):
            return "added Date line has other line ends than the message"
        try:
            added = email.utils.parsedate_to_datetime(date_line.split(b":", 1)[1].strip()
                                                      .decode("ascii"))
        except (TypeError, ValueError, UnicodeDecodeError):
            return "added Date header does not parse: %r" % date_line
        if received and added not in received:
            return "added %r is not the Received time %r" % (date_line, received)
    return None


def main():
    t = wltest.Tap()
    with tempfile.TemporaryDirectory(prefix="wlm-e2e-10-") as tmp:
        results = {}
        # samples/wlm-store without its database; the copy differs from it in nothing else.
        wlm_copy = copy_without_database("wlm-store", os.path.join(tmp, "src", "wlm-store"))
        want_tree = wltest.sha256_tree(os.path.join(wltest.SAMPLES, "wlm-store"))
        had_db = want_tree.pop("Mail.MSMessageStore", None) is not None
        t.ok(had_db and wltest.sha256_tree(wlm_copy) == want_tree,
             "wlm-store copy: the sample minus its Mail.MSMessageStore, every other file the same")
        for sample, kind in STORES:
            results[sample] = check_store(t, sample, kind, os.path.join(tmp, sample),
                                          src=wlm_copy if sample == "wlm-store" else None)

        # The message with `From ` / `>From ` body lines round-trips exactly.
        r, folders = results["wlm-store"] or (None, {})
        quoted = [m for msgs in folders.values() for m in msgs if m.converted
                  and re.search(rb"(?m)^>*From ", m.data[m.header_end:])]
        found = False
        for m in quoted:
            f = {x["source"]: x for x in r["folders"]}[m.folder]
            mbox_path = os.path.join(tmp, "wlm-store", f["outputs"][0])
            idx = [x for x in folders[m.folder] if x.converted].index(m)
            got = wltest.mbox_messages(mbox_path)
            with open(mbox_path, "rb") as fh:
                raw = fh.read()
            body_lines = re.findall(rb"(?m)^>*From [^\r\n]*", m.data[m.header_end:])
            escaped = all(re.search(rb"(?m)^>" + re.escape(line), raw) for line in body_lines)
            _, rest = wltest.split_state_headers(got[idx][1])
            found = True
            t.ok(rest == m.data and escaped,
                 "wlm-store: %s (%d body lines matching ^>*From ) is escaped mboxrd-style and "
                 "round-trips exactly" % (m.rel, len(body_lines)))
        t.ok(found, "wlm-store: the sample has a message with `From `/`>From ` body lines")

        # --container Other: the same mbox files under another container folder.
        other = os.path.join(tmp, "other")
        r2 = check_store(t, "eml-tree", "eml-tree", other, "Other")
        tb = os.path.join(other, "thunderbird")
        t.ok(not os.path.exists(os.path.join(tb, CONTAINER)) and
             not os.path.exists(os.path.join(tb, CONTAINER + ".sbd")),
             "--container Other: no 'Windows Live Mail' container is written")
        if r2 and results["eml-tree"]:
            r1 = results["eml-tree"][0]
            same = []
            for f1, f2 in zip(sorted(r1["folders"], key=lambda f: f["source"]),
                              sorted(r2[0]["folders"], key=lambda f: f["source"])):
                with open(os.path.join(tmp, "eml-tree", f1["outputs"][0]), "rb") as a, \
                        open(os.path.join(other, f2["outputs"][0]), "rb") as b:
                    same.append(a.read() == b.read())
            t.ok(same and all(same) and len(r1["folders"]) == len(r2[0]["folders"]),
                 "--container Other: the folder mboxes are the same bytes as with the default")
    t.done()


if __name__ == "__main__":
    main()
