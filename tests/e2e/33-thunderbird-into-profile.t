#!/usr/bin/env python3
"""convert --for thunderbird --into-profile DIR, judged by the real Thunderbird.

Two profiles that are Thunderbird's own:
  A. one made by `thunderbird -CreateProfile` (never started: no account at all yet);
  B. one Thunderbird ran on with an account and mail: samples/windows-mail-store written with
     --profile, then started by tests/tools/tb_oracle.py --profile --keep-profile (Thunderbird
     rewrote its prefs.js and indexed its mail).
samples/wlm-store with samples/contacts is added to each. Thunderbird, started on the result
(tb_oracle.py --profile), must show:
  - the accounts it had, unchanged (B: the same list, settings and identities as before; A: only
    the Local Folders account, which the import adds since Thunderbird makes it only when first
    needed), and the mail it had, unchanged (B: every folder with the same messages and state);
  - the added container folder with the same folders and messages, subjects and state as
    Thunderbird shows for the tree `-o OUT` writes, and a new address book "Windows Live Mail"
    with every contact, as Thunderbird imports contacts.vcf (both named by --container).
An import whose folder is there already is refused without --force.
While a real Thunderbird runs on the profile the import is refused (exit 2), and strace shows that
wlmigrate opened nothing of the profile for writing and renamed, removed or made nothing there.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

ORACLE = os.path.join(wltest.TOOLS, "tb_oracle.py")
TB = os.environ.get("TB_BINARY", "/usr/lib/thunderbird/thunderbird")
STORE = os.path.join(wltest.SAMPLES, "wlm-store")
CONTACTS = os.path.join(wltest.SAMPLES, "contacts")
# profile B already holds a "Windows Live Mail" folder (from --profile): the import goes beside it
CONTAINER = "Old mail"


def oracle(tree, options, result):
    p = subprocess.run([sys.executable, ORACLE, *tree, result, *options, "--expect-all"],
                       capture_output=True, timeout=900)
    return p, (wltest.load_json(result) if os.path.isfile(result) else None)


def folders(tb, top=None):
    """{folder path: sorted (message id, subject, read, flagged, replied, forwarded)}, only below
    the top-level folder `top` when given."""
    out = {}
    for f in tb["folders"]:
        if top is None or f["path"] == top or f["path"].startswith(top + "/"):
            out[f["path"]] = sorted((m["messageId"], m["subject"], m["read"], m["flagged"],
                                     m["replied"], m["forwarded"])
                                    for m in f.get("messages", []))
    return out


def cards(book):
    return sorted((c["displayName"], c["firstName"], c["lastName"], tuple(c["emails"]),
                   tuple(p["value"] for p in c["phones"]),
                   tuple(tuple(a) if isinstance(a, list) else a for a in c["addresses"]),
                   tuple(sorted((e["name"], str(e["value"])) for e in c["entries"]
                                if e["name"].startswith("x-phonetic-"))))
                  for c in book["cards"])


def main():
    t = wltest.Tap()
    if not shutil.which("thunderbird"):
        t.skip_all("thunderbird is not installed (apt-get install thunderbird)")
    if not shutil.which("strace"):
        t.skip_all("strace is not installed (apt-get install strace)")
    with tempfile.TemporaryDirectory(prefix="tbprofile-e2e-33-") as tmp:
        # What the tree route gives, as Thunderbird sees it: the reference for the added mail.
        out = os.path.join(tmp, "out")
        wltest.run("convert", STORE, "--contacts", CONTACTS, "--for", "thunderbird", "-o", out,
                   "--container", CONTAINER, "--quiet")
        _, ref = oracle([os.path.join(out, "thunderbird")],
                        ["--contacts", os.path.join(out, "thunderbird", "contacts.vcf")],
                        os.path.join(tmp, "ref.json"))
        if not t.ok(ref is not None, "Thunderbird reads the tree route's result"):
            t.done()
        want_mail = folders(ref, CONTAINER)
        want_cards = cards([b for b in ref["addressBooks"] if not b.get("existing")][0])

        # A: made by Thunderbird, never started.
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        made = os.path.join(tmp, "made")
        subprocess.run([TB, "--headless", "-CreateProfile", "wlmtest " + made],
                       env=dict(os.environ, HOME=home, MOZ_HEADLESS="1"),
                       capture_output=True, timeout=120)
        # B: Thunderbird ran on it, with an account and mail.
        written = os.path.join(tmp, "written")
        wltest.run("convert", os.path.join(wltest.SAMPLES, "windows-mail-store"), "--for",
                   "thunderbird", "--profile", written, "--quiet")
        p, before = oracle([], ["--profile", written, "--keep-profile"],
                           os.path.join(tmp, "before.json"))
        kept = re.search(r"profile kept at (\S+)", p.stderr.decode("utf-8", "replace"))
        used = os.path.join(kept.group(1), "profile") if kept else None
        t.ok(os.path.isfile(os.path.join(made, "times.json")) and used and before,
             "two profiles of Thunderbird's own: one it made, one it ran on with mail")
        if not used:
            t.done()

        for label, prof, had in (("made by Thunderbird", made, None), ("used", used, before)):
            p = wltest.run("convert", STORE, "--contacts", CONTACTS, "--for", "thunderbird",
                           "--into-profile", prof, "--container", CONTAINER, "--quiet")
            t.ok(p.returncode in (0, 1), "%s: the import succeeds" % label,
                 p.stderr.decode("utf-8", "replace"))
            proc, tb = oracle([], ["--profile", prof], os.path.join(tmp, label + ".json"))
            if not t.ok(proc.returncode == 0 and tb, "%s: Thunderbird starts on it and sees every "
                        "message" % label, proc.stderr.decode("utf-8", "replace")[-2000:]):
                continue
            if had is None:
                t.eq([a["type"] for a in tb["accounts"]], ["none"],
                     "%s: its only account is Local Folders (added, as Thunderbird would)" % label)
            else:
                t.eq(tb["accounts"], had["accounts"],
                     "%s: its accounts, identities and SMTP servers are unchanged" % label)
                old = folders(had)
                now = folders(tb)
                t.eq({k: now.get(k) for k in old}, old,
                     "%s: its %d folders and %d messages are there unchanged" % (
                         label, len(old), sum(map(len, old.values()))))
            t.eq(folders(tb, CONTAINER), want_mail,
                 "%s: the added folder holds the %d folders and messages of the tree route, "
                 "with subjects and state" % (label, len(want_mail)))
            books = [b for b in tb["addressBooks"] if b["addressBook"]["name"] == CONTAINER]
            t.ok(len(books) == 1 and cards(books[0]) == want_cards,
                 "%s: a new address book holds all %d contacts as Thunderbird imports them"
                 % (label, len(want_cards)),
                 books and "got:  %r\nwant: %r" % (cards(books[0]), want_cards))

        p = wltest.run("convert", STORE, "--for", "thunderbird", "--into-profile", used,
                       "--container", CONTAINER, "--quiet")
        t.ok(p.returncode == 2 and b"--force" in p.stderr,
             "the same import again is refused without --force (exit 2)",
             p.stderr.decode("utf-8", "replace"))

        # While Thunderbird runs on the profile: refused, nothing touched.
        env = dict(os.environ, HOME=home, MOZ_HEADLESS="1")
        proc = subprocess.Popen([TB, "--headless", "--no-remote", "--profile", made], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            for _ in range(120):
                if os.path.lexists(os.path.join(made, "lock")):
                    break
                time.sleep(0.5)
            time.sleep(2)
            # What wlmigrate itself does to the profile, seen by strace: Thunderbird keeps
            # writing its own files meanwhile, so comparing the files would judge it, not us.
            trace = os.path.join(tmp, "refused.strace")
            p = subprocess.run(["strace", "-f", "-qq", "-o", trace, "-e",
                                "trace=open,openat,creat,rename,renameat,renameat2,unlink,"
                                "unlinkat,mkdir,mkdirat,rmdir,truncate,ftruncate",
                                wltest.WLMIGRATE, "convert", STORE, "--for", "thunderbird",
                                "--into-profile", made, "--container", "Again", "--quiet"],
                               capture_output=True,
                               env=dict({k: v for k, v in os.environ.items() if k != "LANGUAGE"},
                                        LC_ALL="C.UTF-8",
                                        # LeakSanitizer cannot work under ptrace (make asan)
                                        ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                                        ":detect_leaks=0"))
            t.ok(p.returncode == 2 and b"running" in p.stderr,
                 "while Thunderbird runs on the profile the import is refused (exit 2)",
                 p.stderr.decode("utf-8", "replace"))
            with open(trace, encoding="utf-8", errors="replace") as f:
                calls = [l.strip() for l in f if made in l]
            changes = [c for c in calls
                       if not re.search(r"\bopen(at)?\(", c)
                       or re.search(r"O_(WRONLY|RDWR|CREAT|TRUNC)", c)]
            t.ok(calls and not changes
                 and not os.path.exists(os.path.join(made, "Mail", "Local Folders", "Again")),
                 "and wlmigrate opened nothing of the profile for writing, renamed, removed or "
                 "made nothing there (%d calls on it, all reads)" % len(calls), changes)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=60)
        shutil.rmtree(os.path.dirname(used), ignore_errors=True)
    t.done()


main()
