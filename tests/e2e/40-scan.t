#!/usr/bin/env python3
"""`wlmigrate scan` (text and --json), store discovery, and the CLI's usage and exit codes.

Expectations come from the source files: accounts from the .oeaccount XML (UTF-16 with BOM,
parsed by xml.etree; DWORD values are hexadecimal), folders, counts and bytes from a Python walk
of the store (Backup/ at the store root, ESE database/log files, *.oeaccount and winmail.fol are
not mail; *.eml and *.nws are messages), problems from the message files themselves (0 bytes ->
`empty`, lost; no empty line after the headers -> `header_only`). Third-party account files from
Thunderbird's former WLM importer (../shared/corpora/thunderbird-import) are read in place.

samples/wlm-store is scanned WITHOUT its database: it is copied into a temporary directory without
the root's Mail.MSMessageStore (nothing else changed), so that folders, counts and names come from
the files alone (35-database.t scans it with its database). A store without a database says so:
`database` "missing", `database_file` null, one `state_unknown` problem (not a loss), no folder
with known state or unread messages.
"""
import json
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

SAMPLE_WLM = os.path.join(wltest.SAMPLES, "wlm-store")
WLM = None          # main(): a copy of SAMPLE_WLM without its database
VISTA = os.path.join(wltest.SAMPLES, "windows-mail-store")
EMLTREE = os.path.join(wltest.SAMPLES, "eml-tree")
TB_IMPORT = os.path.join(wltest.CORPORA, "thunderbird-import", "WindowsLiveMail")

MESSAGE_FILE = re.compile(r"(?i)\.(eml|nws)$")
FIELD_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
BLANK_LINE = re.compile(rb"(?:^|\n)\r?\n")
KINDS = (("IMAP", "imap"), ("POP3", "pop3"), ("NNTP", "nntp"), ("LDAP", "ldap"),
         ("HTTPMail", "http"))
DEFAULT_PORT = {"imap": 143, "pop3": 110, "nntp": 119, "ldap": 389}
SPECIAL = {"inbox": "inbox", "outbox": "outbox", "sent items": "sent", "deleted items": "deleted",
           "drafts": "drafts", "junk e-mail": "junk"}


def oeaccount(path):
    """The settings a scan reports, read from the XML here."""
    with open(path, "rb") as fh:
        root = ET.fromstring(fh.read())
    v = {el.tag: (el.get("type"), (el.text or "")) for el in root}

    def sz(name):
        return v[name][1] if name in v else None

    def dword(name, default):
        return int(v[name][1], 16) if name in v else default

    kind, prefix = "unknown", None
    for p, k in KINDS:
        if p + "_Server" in v:
            kind, prefix = k, p
            break
    acc = {"name": sz("Account_Name"), "kind": kind}
    if prefix:
        acc.update(server=sz(prefix + "_Server"),
                   port=dword(prefix + "_Port", DEFAULT_PORT.get(kind)),
                   security="ssl" if dword(prefix + "_Secure_Connection", 0) else "none",
                   user_name=sz(prefix + "_User_Name"))
    acc["smtp_server"] = sz("SMTP_Server")
    if acc["smtp_server"]:
        acc["smtp_port"] = dword("SMTP_Port", 25)
        acc["smtp_security"] = "ssl" if dword("SMTP_Secure_Connection", 0) else "none"
    acc["display_name"] = sz("SMTP_Display_Name") or (prefix and sz(prefix + "_Display_Name"))
    acc["email"] = sz("SMTP_Email_Address") or (prefix and sz(prefix + "_Email_Address"))
    host = (acc.get("server") or "") + " " + (acc.get("smtp_server") or "")
    acc["gmail"] = bool(re.search(r"(?i)(^|[. ])(gmail|googlemail)\.com\b", host)
                        or re.search(r"(?i)@(gmail|googlemail)\.com$", acc["email"] or ""))
    return acc


def walk(root):
    """(folders {rel: (messages, bytes)}, accounts {dir: settings}, problems {(path, kind)})."""
    folders, accounts, problems = {}, {}, set()
    for dirpath, dirs, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        if rel == "":
            dirs[:] = [d for d in dirs if d.lower() != "backup"]
        n = size = 0
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            if f.lower().endswith(".oeaccount"):
                accounts[rel] = oeaccount(full)
            if not MESSAGE_FILE.search(f):
                continue
            with open(full, "rb") as fh:
                data = fh.read()
            n, size = n + 1, size + len(data)
            path = f if not rel else rel + "/" + f
            if not data:
                problems.add((path, "empty"))
            elif not FIELD_LINE.match(data.split(b"\n", 1)[0]):
                problems.add((path, "not_a_message"))
            elif not BLANK_LINE.search(data):
                problems.add((path, "header_only"))
        folders[rel] = (n, size)
    return folders, accounts, problems


def scan_json(t, path, what):
    p = wltest.run("scan", path, "--json")
    try:
        doc = json.loads(p.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        doc = None
        err = e
    t.ok(doc is not None, "%s: scan --json prints valid JSON" % what,
         None if doc is not None else "%s\n%s" % (err, p.stderr.decode("utf-8", "replace")))
    return p, doc


def check_accounts(t, got_accounts, want_by_dir, what):
    got = {a.get("name"): a for a in got_accounts}
    t.eq(sorted(got), sorted(a["name"] for a in want_by_dir.values()),
         "%s: the accounts are those of the .oeaccount files" % what)
    for acc_dir, want in sorted(want_by_dir.items()):
        a = got.get(want["name"], {})
        sub = {k: a.get(k) for k in want}
        t.eq(sub, want, "%s: account %r (dir %r) has the XML's values" % (what, want["name"],
                                                                          acc_dir))
        t.ok(str(a.get("source", "")).startswith(acc_dir + "/")
             and a.get("source", "").lower().endswith(".oeaccount"),
             "%s: account %r names its source file in %r" % (what, want["name"], acc_dir),
             a.get("source"))


def check_store_doc(t, st, root, kind, what):
    folders, accounts, problems = walk(root)
    t.eq((st.get("kind"), os.path.realpath(st.get("path", ""))), (kind, os.path.realpath(root)),
         "%s: one store of kind %s at %s" % (what, kind, root))
    check_accounts(t, st.get("accounts", []), accounts, what)
    for acc_dir, want in sorted(accounts.items()):
        a = {x["name"]: x for x in st.get("accounts", [])}.get(want["name"], {})
        if want["gmail"]:
            t.ok(a.get("gmail") is True and isinstance(a.get("advice"), str)
                 and re.search(r"(?i)oauth", a["advice"])
                 and re.search(r"(?i)app password", a["advice"]),
                 "%s: Gmail account %r carries the OAuth / app password advice"
                 % (what, want["name"]), a.get("advice"))
        else:
            t.ok(a.get("gmail") is False and a.get("advice") is None,
                 "%s: account %r (not Gmail) has no Gmail advice" % (what, want["name"]))

    dirs = set(folders) - {""}
    got = {f["source"]: f for f in st.get("folders", [])}
    t.ok(dirs <= set(got) and set(got) - dirs <= {""},
         "%s: folders are the %d directories of the store" % (what, len(dirs)),
         "missing %r\nextra %r" % (sorted(dirs - set(got)), sorted(set(got) - dirs)))
    bad = ["%r: got %r, want %r" % (rel, (got[rel]["messages"], got[rel]["bytes"]), folders[rel])
           for rel in sorted(set(got) & set(folders))
           if (got[rel]["messages"], got[rel]["bytes"]) != folders[rel]]
    t.ok(not bad, "%s: messages and bytes per folder equal the walk" % what, "\n".join(bad))
    order = [f["source"] for f in st.get("folders", [])]
    t.ok(all(order.index(os.path.dirname(s)) < i for i, s in enumerate(order)
             if os.path.dirname(s) in order and s),
         "%s: folders are listed parents before children" % what, order)
    bad = []
    for f in st.get("folders", []):
        parts = f["source"].split("/") if f["source"] else []
        top = parts[0] if parts else ""
        acc = accounts.get(top) or (accounts.get("") if "" in accounts else None)
        want_account = acc["name"] if acc else None
        if f.get("account") != want_account:
            bad.append("%r: account %r, want %r" % (f["source"], f.get("account"), want_account))
        segs = ([os.path.basename(root)] if "" in got else []) + parts
        if top in accounts and parts:
            segs[len(segs) - len(parts)] = accounts[top]["name"]
        if (f.get("path"), f.get("depth")) != ("/".join(segs), len(segs) - 1):
            bad.append("%r: path %r depth %r, want %r depth %d"
                       % (f["source"], f.get("path"), f.get("depth"), "/".join(segs),
                          len(segs) - 1))
        if (len(parts) == 2 and top.lower() in ("storage folders", "local folders")
                and parts[1].lower() in SPECIAL and f.get("special") != SPECIAL[parts[1].lower()]):
            bad.append("%r: special %r, want %r" % (f["source"], f.get("special"),
                                                    SPECIAL[parts[1].lower()]))
    t.ok(not bad, "%s: folder account, path (with account names), depth and special kinds" % what,
         "\n".join(bad))
    got_problems = {(x["path"], x["kind"]) for x in st.get("problems", [])
                    if x["kind"] in ("empty", "not_a_message", "header_only")}
    t.eq(sorted(got_problems), sorted(problems),
         "%s: problems list the empty, not-a-message and header-only files" % what)
    lost = {x["path"] for x in st.get("problems", []) if x["lost"]}
    t.ok({p for p, k in problems if k != "header_only"} <= lost
         and not {p for p, k in problems if k == "header_only"} & lost,
         "%s: empty files are losses, header-only messages are not" % what)
    want_totals = {"accounts": len(accounts), "folders": len(got),
                   "messages": sum(n for n, _ in folders.values()),
                   "bytes": sum(b for _, b in folders.values()),
                   "problems": len(st.get("problems", [])), "problems_with_loss": len(lost)}
    t.eq({k: st.get("totals", {}).get(k) for k in want_totals}, want_totals,
         "%s: totals agree with the walk" % what)
    return problems


def copy_without_database(dst):
    def ignore(directory, names):
        if os.path.realpath(directory) != os.path.realpath(SAMPLE_WLM):
            return []
        return [n for n in names if n.lower() == "mail.msmessagestore"]
    shutil.copytree(SAMPLE_WLM, dst, symlinks=True, ignore=ignore)
    return dst


def check_no_database(t, st, kind, what):
    """A store without a database (or a plain .eml tree) in a scan: nothing claims known state."""
    unknown = [x for x in st.get("problems", []) if x["kind"] == "state_unknown"]
    if kind == "eml-tree":
        t.eq((st.get("database"), st.get("database_file"), len(unknown)), ("none", None, 0),
             "%s: database \"none\", database_file null, no state_unknown problem" % what)
    else:
        t.eq((st.get("database"), st.get("database_file"), [x["lost"] for x in unknown]),
             ("missing", None, [False]),
             "%s: database \"missing\", database_file null, one state_unknown problem with "
             "lost=false" % what)
    bad = [(f["source"], f.get("with_state"), f.get("unread")) for f in st.get("folders", [])
           if (f.get("with_state"), f.get("unread")) != (0, 0)]
    t.ok(not bad, "%s: no folder claims messages with known state or unread ones" % what, bad)
    t.ok(not any(x["kind"] in ("recovered", "missing_file") for x in st.get("problems", []))
         and not any(f["source"] == "(recovered)" for f in st.get("folders", [])),
         "%s: no Recovered folder, no recovered or missing_file problem" % what)


def main():
    global WLM
    t = wltest.Tap()
    keep = tempfile.TemporaryDirectory(prefix="wlm-e2e-40-src-")
    WLM = copy_without_database(os.path.join(keep.name, "wlm-store"))
    want_tree = wltest.sha256_tree(SAMPLE_WLM)
    had_db = want_tree.pop("Mail.MSMessageStore", None) is not None
    t.ok(had_db and wltest.sha256_tree(WLM) == want_tree,
         "the wlm-store copy is samples/wlm-store minus its Mail.MSMessageStore, nothing else "
         "changed")

    # samples/wlm-store (without its database), in full.
    p, doc = scan_json(t, WLM, "wlm-store")
    if doc:
        t.eq(doc.get("scan_version"), 1, "wlm-store: scan_version 1")
        stores = doc.get("stores", [])
        t.eq(len(stores), 1, "wlm-store: one store")
        if stores:
            problems = check_store_doc(t, stores[0], WLM, "wlm", "wlm-store")
            check_no_database(t, stores[0], "wlm", "wlm-store")
            t.ok(any(k == "empty" for _, k in problems) and any(k == "header_only"
                                                                 for _, k in problems),
                 "wlm-store: the sample has a 0-byte file and a header-only message")
            want = 1 if any(k in ("empty", "not_a_message") for _, k in problems) else 0
            t.eq(p.returncode, want, "wlm-store: scan exits %d (a conversion would lose the "
                                     "0-byte file)" % want)

    # Text output.
    p = wltest.run("scan", WLM)
    text = p.stdout.decode("utf-8", "replace")
    _, accounts, _ = walk(WLM)
    t.ok(all(a["name"] in text for a in accounts.values()) and re.search(r"2-step|app password",
                                                                          text),
         "wlm-store: text scan names every account and gives the 2-step / app password advice",
         text[:2000])
    t.eq(p.returncode, 1, "wlm-store: text scan exits 1 as well")

    # The other kinds.
    for root, kind, what in ((VISTA, "windows-mail", "windows-mail-store"),
                             (EMLTREE, "eml-tree", "eml-tree")):
        p, doc = scan_json(t, root, what)
        if doc:
            stores = doc.get("stores", [])
            t.eq([s.get("kind") for s in stores], [kind], "%s: one store of kind %s" % (what, kind))
            if stores:
                problems = check_store_doc(t, stores[0], root, kind, what)
                check_no_database(t, stores[0], kind, what)
                want = 1 if any(k in ("empty", "not_a_message") for _, k in problems) else 0
                t.eq(p.returncode, want, "%s: scan exits %d" % (what, want))

    # One account directory of a store.
    gmail_dir = os.path.join(WLM, "Gmail (taro 48a")
    p, doc = scan_json(t, gmail_dir, "one account directory")
    if doc:
        stores = doc.get("stores", [])
        t.eq(len(stores), 1, "one account directory: one store")
        if stores:
            st = stores[0]
            _, acc_all, _ = walk(WLM)
            want_acc = acc_all["Gmail (taro 48a"]
            t.eq([a.get("name") for a in st.get("accounts", [])], [want_acc["name"]],
                 "one account directory: only that account (%r)" % want_acc["name"])
            folders, _, problems = walk(gmail_dir)
            got = {f["source"]: (f["messages"], f["bytes"]) for f in st.get("folders", [])}
            t.ok(set(folders) - {""} <= set(got) <= set(folders)
                 and all(got[k] == folders[k] for k in got),
                 "one account directory: its folders with counts and bytes", got)
            t.eq(st.get("totals", {}).get("messages"), sum(n for n, _ in folders.values()),
                 "one account directory: its messages only")
            want = 1 if any(k in ("empty", "not_a_message") for _, k in problems) else 0
            t.eq(p.returncode, want, "one account directory: exit code %d" % want)
            check_no_database(t, st, "wlm", "one account directory")

    # Thunderbird's own test accounts (third-party, read in place; skipped without the corpus).
    doc = None
    if t.need_corpus("thunderbird-import: scan reads Thunderbird's own WLM test accounts",
                     "thunderbird-import/WindowsLiveMail"):
        p, doc = scan_json(t, TB_IMPORT, "thunderbird-import")
    if doc:
        stores = doc.get("stores", [])
        t.eq([s.get("kind") for s in stores], ["wlm"], "thunderbird-import: one wlm store")
        if stores:
            st = stores[0]
            _, accounts, _ = walk(TB_IMPORT)
            t.eq(len(accounts), 5, "thunderbird-import: five .oeaccount files in the corpus")
            check_accounts(t, st.get("accounts", []), accounts, "thunderbird-import")
            by_name = {a["name"]: a for a in st.get("accounts", [])}
            # The values Thunderbird's own importer read (../shared/corpora/README.md).
            pop = [a for a in st.get("accounts", []) if a.get("server") == "pop3.test.test"]
            t.ok(len(pop) == 1 and {k: pop[0].get(k) for k in
                                    ("kind", "port", "user_name", "display_name", "email",
                                     "smtp_server")}
                 == {"kind": "pop3", "port": 110, "user_name": "testpopusername",
                     "display_name": "popdisplayname", "email": "testpop@invalid.invalid",
                     "smtp_server": "smtp.pop.test"},
                 "thunderbird-import: POP3 pop3.test.test:110 testpopusername, popdisplayname "
                 "<testpop@invalid.invalid>, SMTP smtp.pop.test", pop)
            news = by_name.get("accountnamemozillanews", {})
            t.ok((news.get("kind"), news.get("server"), news.get("port"))
                 == ("nntp", "testnews.mozilla.org", 119),
                 "thunderbird-import: NNTP accountnamemozillanews testnews.mozilla.org:119", news)
            imap = [a for a in st.get("accounts", []) if a.get("kind") == "imap"]
            t.ok(len(imap) == 1 and imap[0].get("port") == 993
                 and imap[0].get("security") == "ssl",
                 "thunderbird-import: the IMAP account on port 993 with SSL", imap)
            t.eq(p.returncode, 0, "thunderbird-import: scan exits 0 (nothing to lose)")

    with tempfile.TemporaryDirectory(prefix="wlm-e2e-40-") as tmp:
        # A mounted Windows disk with two users, one of them with lower-case path names.
        disk = os.path.join(tmp, "disk")
        wlm_copy = os.path.join(disk, "Users", "taro", "AppData", "Local", "Microsoft",
                                "Windows Live Mail")
        vista_copy = os.path.join(disk, "Users", "hana", "appdata", "local", "microsoft",
                                  "Windows Mail")
        shutil.copytree(WLM, wlm_copy, symlinks=True)
        shutil.copytree(VISTA, vista_copy, symlinks=True)
        before = wltest.sha256_tree(disk)
        p, doc = scan_json(t, disk, "mounted disk")
        if doc:
            stores = {os.path.realpath(s.get("path", "")): s for s in doc.get("stores", [])}
            t.eq(sorted(stores), sorted([os.path.realpath(wlm_copy),
                                         os.path.realpath(vista_copy)]),
                 "mounted disk: scan from the root finds both stores (one below appdata/local/"
                 "microsoft in lower case)")
            for root, kind, what in ((wlm_copy, "wlm", "mounted disk, taro"),
                                     (vista_copy, "windows-mail", "mounted disk, hana")):
                st = stores.get(os.path.realpath(root))
                if st:
                    folders, _, _ = walk(root)
                    t.eq((st.get("kind"), st.get("totals", {}).get("messages")),
                         (kind, sum(n for n, _ in folders.values())),
                         "%s: kind %s with all its messages" % (what, kind))
            _, _, problems = walk(wlm_copy)
            want = 1 if any(k in ("empty", "not_a_message") for _, k in problems) else 0
            t.eq(p.returncode, want, "mounted disk: scan exits %d" % want)
        out = os.path.join(tmp, "out-disk")
        p = wltest.run("convert", disk, "--for", "thunderbird", "-o", out, "--quiet")
        err = p.stderr.decode("utf-8", "replace")
        t.eq(p.returncode, 2, "mounted disk: convert from the root refuses (exit 2)")
        t.ok(wlm_copy in err and vista_copy in err,
             "mounted disk: convert lists both stores", err)
        t.ok(not os.path.exists(os.path.join(out, "report.json"))
             and not os.path.exists(os.path.join(out, "thunderbird")),
             "mounted disk: convert wrote nothing")
        t.eq(wltest.sha256_tree(disk), before, "mounted disk: scan and convert changed nothing")

        # Nothing there.
        empty = os.path.join(tmp, "nothing here")
        os.mkdir(empty)
        p = wltest.run("scan", empty)
        t.eq(p.returncode, 3, "empty directory: scan exits 3")
        t.ok(empty in p.stderr.decode("utf-8", "replace"),
             "empty directory: the message names the path", p.stderr)
        out = os.path.join(tmp, "out-empty")
        p = wltest.run("convert", empty, "--for", "thunderbird", "-o", out, "--quiet")
        t.eq(p.returncode, 3, "empty directory: convert exits 3")
        t.ok(empty in p.stderr.decode("utf-8", "replace"),
             "empty directory: convert's message names the path", p.stderr)
        t.ok(not os.path.exists(os.path.join(out, "report.json")),
             "empty directory: convert wrote no result")

        gone = os.path.join(tmp, "no such directory")
        p = wltest.run("scan", gone)
        t.ok(p.returncode == 3 and gone in p.stderr.decode("utf-8", "replace"),
             "a path that does not exist: scan exits 3 and names it", p.stderr)

        # Usage.
        p = wltest.run("--help")
        t.ok(p.returncode == 0 and b"scan" in p.stdout and b"convert" in p.stdout,
             "--help exits 0 and shows scan and convert")
        p = wltest.run("--version")
        t.ok(p.returncode == 0 and re.search(rb"\d+\.\d+", p.stdout),
             "--version exits 0 and prints a version", p.stdout)
        p = wltest.run("frobnicate", WLM)
        t.ok(p.returncode == 2 and b"frobnicate" in p.stderr,
             "an unknown command exits 2 and names it", p.stderr)
        # the program's own words, not getopt's (which differ between C libraries)
        for args, want in ((("--frobnicate", "scan", WLM), b"wlmigrate: unknown option: --frobnicate\n"),
                           (("-qZ", "scan", WLM), b"wlmigrate: unknown option: -Z\n"),
                           (("scan", WLM, "-o"), b"wlmigrate: -o needs a value\n"),
                           (("convert", WLM, "--for"), b"wlmigrate: --for needs a value\n")):
            p = wltest.run(*args)
            t.ok(p.returncode == 2 and p.stderr.startswith(want),
                 "%s: exit 2, %r" % (" ".join(a for a in args if a != WLM), want), p.stderr)
        p = wltest.run("convert", EMLTREE, "--for", "thunderbird")
        t.eq(p.returncode, 2, "convert without -o exits 2")
        p = wltest.run("scan")
        t.eq(p.returncode, 2, "scan without STORE exits 2")
    keep.cleanup()
    t.done()


if __name__ == "__main__":
    main()
