#!/usr/bin/env python3
"""convert --for thunderbird --profile DIR, judged by the real Thunderbird started on the profile.

samples/wlm-store (an IMAP Gmail account and a POP3 account) with samples/contacts, and
samples/windows-mail-store (a POP3 account without ports), are each written as a new profile;
tests/tools/tb_oracle.py --profile starts a headless, offline Thunderbird on a copy of it, with
only its offline and quiet settings added as user.js, and lists what Thunderbird reads.

Expectations are computed here from the .oeaccount XML (UTF-16), read with xml.etree:
  - every IMAP/POP3 account is there with its type, host, port, connection security (none; with
    WLM's "secure connection": STARTTLS on 25, 587, 110 and 143, TLS on any other port), user
    name and authentication (OAuth2 for gmail.com hosts, normal password otherwise), its identity
    (name, address, reply-to, organization) and its SMTP server (host, port, security, and the
    logon WLM used, SMTP_Use_Sicily: none with no user name, SPA as NTLM, the incoming server's
    user and method, or its own user with a normal password; OAuth2 for gmail.com); a POP3 account leaves mail on the server and never deletes it
    there, an IMAP account neither expunges its Inbox nor empties the Trash on exit; Thunderbird
    holds no saved password and prefs.js names none; the report lists each account created;
  - Local Folders: Thunderbird sees every message of the written mbox files, and per folder the
    same messages with the same subjects and read, flagged, replied and forwarded state as it
    shows for the tree `-o OUT` writes (tests/e2e/30 and 35 judge that tree against the source);
  - the address book: the Personal Address Book (abook.sqlite) holds every contact, with the
    names, readings, e-mail addresses, phones and postal addresses Thunderbird's own importer
    makes of the contacts.vcf the `-o OUT` route writes for the same contacts;
  - a DIR that is not empty is refused (exit 2, nothing touched) unless --force.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

ORACLE = os.path.join(wltest.TOOLS, "tb_oracle.py")
DEFAULT_PORT = {"imap": 143, "pop3": 110}
CLEAR_START_PORTS = (25, 587, 110, 143)
OAUTH2, PASSWORD, NONE, NTLM = 10, 3, 1, 6


def oeaccounts(store):
    """The expected Thunderbird account per .oeaccount below `store`."""
    out = []
    for dp, _, fns in os.walk(store):
        for fn in sorted(fns):
            if not fn.lower().endswith(".oeaccount"):
                continue
            with open(os.path.join(dp, fn), "rb") as fh:
                root = ET.fromstring(fh.read())
            v = {el.tag: (el.text or "") for el in root}
            kind = "imap" if "IMAP_Server" in v else "pop3" if "POP3_Server" in v else None
            if kind is None:
                continue
            p = kind.upper()

            def dword(name, default):
                return int(v[name], 16) if name in v else default

            def socket(secure, port):
                return 0 if not secure else 2 if port in CLEAR_START_PORTS else 3

            port = dword(p + "_Port", DEFAULT_PORT[kind])
            user = v.get(p + "_User_Name")
            host = v[p + "_Server"]
            smtp_host = v.get("SMTP_Server")
            smtp_port = dword("SMTP_Port", 25)
            gmail = lambda h: h.lower().endswith((".gmail.com", ".googlemail.com"))
            in_auth = OAUTH2 if gmail(host) else PASSWORD
            # SMTP_Use_Sicily: 0 (or none) no logon, 1 SPA, 2 the incoming server's, 3 its own
            sicily = dword("SMTP_Use_Sicily", 0)
            smtp_auth, smtp_user = {0: (NONE, ""), 1: (NTLM, v.get("SMTP_User_Name", user)),
                                    2: (in_auth, user)}.get(
                                        sicily, (PASSWORD, v.get("SMTP_User_Name", user)))
            if smtp_host and gmail(smtp_host):
                smtp_auth = OAUTH2
            out.append({
                "name": v.get("Account_Name"), "type": kind, "hostName": host, "port": port,
                "socketType": socket(dword(p + "_Secure_Connection", 0), port),
                "username": user, "authMethod": in_auth,
                "identity": {"fullName": v.get("SMTP_Display_Name", ""),
                             "email": v.get("SMTP_Email_Address", ""),
                             "replyTo": v.get("SMTP_Reply_To_Email_Address"),
                             "organization": v.get("SMTP_Organization_Name", "")},
                "smtp": None if not smtp_host else {
                    "hostname": smtp_host, "port": smtp_port,
                    "socketType": socket(dword("SMTP_Secure_Connection", 0), smtp_port),
                    "username": smtp_user, "authMethod": smtp_auth}})
    return out


def oracle(tree, options, result):
    p = subprocess.run([sys.executable, ORACLE, *tree, result, *options, "--expect-all"],
                       capture_output=True, timeout=900)
    return p, (wltest.load_json(result) if os.path.isfile(result) else None)


def seen_account(a):
    """What Thunderbird reports of an account, in the shape of oeaccounts()."""
    ids = a["identities"]
    smtp = ids[0]["smtp"] if ids else None
    return {
        "name": a["name"], "type": a["type"], "hostName": a["hostName"], "port": a["port"],
        "socketType": a["socketType"], "username": a["username"], "authMethod": a["authMethod"],
        "identity": {k: ids[0][k] for k in ("fullName", "email", "replyTo", "organization")} if ids else None,
        "smtp": None if not smtp else {k: smtp[k] for k in ("hostname", "port", "socketType",
                                                            "username", "authMethod")}}


def messages_by_folder(tb, container):
    """{folder path: [(message id, subject, read, flagged, replied, forwarded)]} below the
    container (Thunderbird's own Trash and Outbox left out)."""
    out = {}
    for f in tb["folders"]:
        if f["path"] == container or f["path"].startswith(container + "/"):
            out[f["path"]] = sorted((m["messageId"], m["subject"], m["read"], m["flagged"],
                                     m["replied"], m["forwarded"])
                                    for m in f.get("messages", []))
    return out


def card_view(c):
    """The fields of a card the issue names, as Thunderbird reports them."""
    reading = {e["name"]: e["value"] for e in c.get("entries", [])
               if e["name"].startswith("x-phonetic-")}
    return (c["displayName"], c["firstName"], c["lastName"],
            reading.get("x-phonetic-first-name"), reading.get("x-phonetic-last-name"),
            tuple(c["emails"]),
            tuple(p["value"] for p in c["phones"]),
            tuple(tuple(a) if isinstance(a, list) else a for a in c["addresses"]))


def main():
    t = wltest.Tap()
    if not shutil.which("thunderbird"):
        t.skip_all("thunderbird is not installed (apt-get install thunderbird)")
    with tempfile.TemporaryDirectory(prefix="tbprofile-e2e-32-") as tmp:
        for name, extra in (("wlm-store", ["--contacts", os.path.join(wltest.SAMPLES,
                                                                      "contacts")]),
                            ("windows-mail-store", [])):
            store = os.path.join(wltest.SAMPLES, name)
            profile = os.path.join(tmp, name + "-profile")
            p = wltest.run("convert", store, "--for", "thunderbird", "--profile", profile,
                           "--quiet", *extra)
            if not t.ok(p.returncode in (0, 1) and os.path.isfile(os.path.join(profile,
                                                                               "prefs.js")),
                        "%s: the profile is written" % name, p.stderr.decode("utf-8", "replace")):
                continue
            with open(os.path.join(profile, "prefs.js"), encoding="utf-8") as f:
                prefs = f.read()
            t.ok("password" not in prefs.lower(), "%s: prefs.js holds no password" % name)
            report = wltest.load_json(os.path.join(profile, "report.json"))
            want = oeaccounts(store)
            created = [x for x in report["problems"] if x["kind"] == "account_created"]
            t.eq(len(created), len(want), "%s: the report lists each account created" % name)

            tree_out = os.path.join(tmp, name + "-out")
            p = wltest.run("convert", store, "--for", "thunderbird", "-o", tree_out, "--quiet",
                           *extra)
            vcf = os.path.join(tree_out, "thunderbird", "contacts.vcf")
            options = ["--contacts", vcf] if os.path.isfile(vcf) else []
            tree_proc, tree_tb = oracle([os.path.join(tree_out, "thunderbird")], options,
                                        os.path.join(tmp, name + "-tree.json"))
            proc, tb = oracle([], ["--profile", profile], os.path.join(tmp, name + "-profile.json"))
            if not t.ok(proc.returncode == 0 and tb and tree_tb,
                        "%s: Thunderbird started on the profile and saw every message of its "
                        "mbox files" % name,
                        (proc.stderr + tree_proc.stderr).decode("utf-8", "replace")[-3000:]
                        + " exit %d, %d" % (proc.returncode, tree_proc.returncode)):
                continue
            print("# " + proc.stdout.decode("utf-8", "replace").strip().replace("\n", "\n# "))

            mail = [a for a in tb["accounts"] if a["type"] in ("imap", "pop3")]
            got = sorted((seen_account(a) for a in mail), key=lambda a: a["hostName"])
            t.eq(got, sorted(want, key=lambda a: a["hostName"]),
                 "%s: every account with its server, security, user, authentication, identity "
                 "and SMTP server" % name)
            local = [a for a in tb["accounts"] if a["type"] == "none"]
            t.ok(len(local) == 1 and tb["localFoldersDir"].endswith("/Mail/Local Folders"),
                 "%s: one Local Folders account, in Mail/Local Folders" % name)
            keeps = [(a["hostName"], a.get("leaveMessagesOnServer"),
                      a.get("deleteMailLeftOnServer"), a.get("deleteByAgeFromServer"),
                      a.get("cleanupInboxOnExit"), a.get("emptyTrashOnExit")) for a in mail]
            t.ok(all((a[1], a[2], a[3]) == (True, False, False) if a[4] is None
                     else (a[4], a[5]) == (False, False) for a in keeps),
                 "%s: nothing deletes mail on a server (POP3 leaves it, IMAP never expunges)"
                 % name, keeps)
            t.eq(tb["savedPasswords"], 0, "%s: Thunderbird holds no saved password" % name)

            container = "Windows Live Mail"
            got_mail = messages_by_folder(tb, container)
            want_mail = messages_by_folder(tree_tb, container)
            t.ok(got_mail == want_mail and sum(map(len, got_mail.values())) > 0,
                 "%s: Local Folders shows the %d folders and %d messages of the tree route with "
                 "their subjects and state" % (name, len(want_mail),
                                               sum(map(len, want_mail.values()))),
                 "got:  %r\nwant: %r" % (got_mail, want_mail))

            books = {b["addressBook"]["name"]: b for b in tb["addressBooks"] if b.get("existing")}
            imported = [b for b in tree_tb.get("addressBooks", []) if not b.get("existing")]
            if imported:
                pab = books.get("Personal Address Book", {"cards": []})
                got_cards = sorted(map(card_view, pab["cards"]))
                want_cards = sorted(map(card_view, imported[0]["cards"]))
                t.ok(got_cards == want_cards and len(got_cards) == report["totals"].get(
                         "contacts_found", len(got_cards)),
                     "%s: the Personal Address Book holds all %d contacts with names, readings, "
                     "e-mail, phones and addresses as Thunderbird imports them from contacts.vcf"
                     % (name, len(want_cards)), "got:  %r\nwant: %r" % (got_cards, want_cards))
                t.ok(any(c[3] or c[4] for c in got_cards),
                     "%s: Japanese readings reach Thunderbird's cards" % name)

        # A directory that is not empty.
        busy = os.path.join(tmp, "busy")
        os.makedirs(busy)
        with open(os.path.join(busy, "keep.txt"), "w") as f:
            f.write("mine")
        store = os.path.join(wltest.SAMPLES, "windows-mail-store")
        p = wltest.run("convert", store, "--for", "thunderbird", "--profile", busy, "--quiet")
        t.ok(p.returncode == 2 and sorted(os.listdir(busy)) == ["keep.txt"],
             "a DIR that is not empty is refused (exit 2) and left as it was",
             p.stderr.decode("utf-8", "replace"))
        p = wltest.run("convert", store, "--for", "thunderbird", "--profile", busy, "--quiet",
                       "--force")
        t.ok(p.returncode in (0, 1) and os.path.isfile(os.path.join(busy, "prefs.js"))
             and os.path.isfile(os.path.join(busy, "keep.txt")),
             "with --force the profile is written beside what was there")
        p = wltest.run("convert", store, "--for", "thunderbird", "--profile", busy, "-o", busy)
        t.eq(p.returncode, 2, "-o and --profile together are a usage error")
    t.done()


main()
