#!/usr/bin/env python3
"""Corrupt ESE databases cannot take the run down (issue 11): every message is still converted.

The databases in tests/e2e/corrupt-databases/ (gzip-compressed, a few KB each) are inputs on
which Debian's libesedb 20181229 reads past a page, allocates negative sizes or uses freed memory:
crash-* files found by fuzzing libesedb in-process (the former tests/fuzz/fuzz_contacts_edb), some
with every page checksum recomputed afterwards (`-fixed`) so that wlmigrate's checks before
libesedb let them through and libesedb itself reads the damage. Named by what wlmigrate must meet:
  child-*     pass the checks; libesedb reads them in the child process (under AddressSanitizer
              the child crashes: the reason then says "crashed (AddressSanitizer: ...)")
  asan-*      the sample's own database with a few bytes of its tables' pages changed (checksums
              recomputed): under AddressSanitizer libesedb's child crashes (unreadable); without
              it, libesedb reads past its buffers unseen and may give rows (the run must only
              finish with every message, as always)
  check-*     refused by the checks of the file header and first pages before libesedb sees them
Each stands in for samples/wlm-store/Mail.MSMessageStore in a copy of the store and is converted
for Thunderbird. Checked against a conversion of the same store without a database: the same exit
code, the same messages written, the same mail tree (byte for byte), report.json database
"unreadable", exactly one state_unknown problem whose message says why (the reason of the check
or of the child), nothing of a sanitizer on wlmigrate's error output, no signal. Then: a corrupt
database with WLM's good backup copy in Backup/new/ (the backup is used: "backup"); a corrupt
contacts.edb beside the store (contact_source, the mail unchanged); a database that is fine
(the sample's own) read through the child like any other ("ok"), also with stale bytes in an
unused page of its catalog's first extent; and the checks against the databases Windows wrote in
../shared/corpora/ese: each passes them as it is, and is refused with one byte changed in its
catalog's root page.

Run it with the AddressSanitizer build to see the crashes contained:
  WLMIGRATE=build-asan/wlmigrate tests/e2e/37-corrupt-database.t
"""
import glob
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "corrupt-databases")
SAMPLE = os.path.join(wltest.SAMPLES, "wlm-store")
DB_NAME = "Mail.MSMessageStore"
CONTACTS_REL = os.path.join("AppData", "Local", "Microsoft", "Windows Live", "Contacts",
                            "default", "15.4", "DBStore", "contacts.edb")
STORE_REL = os.path.join("AppData", "Local", "Microsoft", "Windows Live Mail")
REASONS = re.compile(r"is not a readable ESE database: |crashed \(|took longer than |"
                     r"ran out of memory|has no table |cannot open the database |"
                     r"gave output that is not what its reader writes|ended early")


def asan_build():
    try:
        p = subprocess.run(["ldd", wltest.WLMIGRATE], capture_output=True, timeout=30)
        return b"libasan" in p.stdout
    except (OSError, subprocess.TimeoutExpired):
        return False


def store_copy(tmp, name, db_bytes):
    store = os.path.join(tmp, name, "wlm-store")
    shutil.copytree(SAMPLE, store, symlinks=True)
    path = os.path.join(store, DB_NAME)
    os.remove(path)
    if db_bytes is not None:
        with open(path, "wb") as fh:
            fh.write(db_bytes)
    return store


def convert(store, out, timeout=600):
    p = wltest.run("convert", store, "--for", "thunderbird", "-o", out, "-q", timeout=timeout)
    try:
        report = wltest.load_json(os.path.join(out, "report.json"))
    except (OSError, ValueError):
        report = None
    return p, report


def mail_tree(out):
    sums = wltest.sha256_tree(os.path.join(out, "thunderbird"))
    sums.pop("contacts.vcf", None)
    return sums


def sanitizer_said(p):
    return b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr


def main():
    t = wltest.Tap()
    seeds = sorted(glob.glob(os.path.join(SEEDS, "*.gz")))
    if not t.ok(len(seeds) >= 5, "%d corrupt databases in tests/e2e/corrupt-databases"
                % len(seeds)):
        t.done()
    asan = asan_build()
    print("# %s is %san AddressSanitizer build" % (wltest.WLMIGRATE, "" if asan else "not "))
    with tempfile.TemporaryDirectory(prefix="wlm-e2e-37-") as tmp:
        base_out = os.path.join(tmp, "out-base")
        base, base_r = convert(store_copy(tmp, "base", None), base_out)
        if not t.ok(base_r is not None and base_r["database"] == "missing",
                    "the store without a database converts (exit %d)" % base.returncode,
                    base.stderr.decode("utf-8", "replace")[-1500:]):
            t.done()
        base_mail = mail_tree(base_out)
        written = base_r["totals"]["messages_written"]

        for i, seed in enumerate(seeds):
            name = os.path.basename(seed)[:-3]
            with gzip.open(seed, "rb") as fh:
                data = fh.read()
            out = os.path.join(tmp, "out-%d" % i)
            p, r = convert(store_copy(tmp, "s%d" % i, data), out)
            err = p.stderr.decode("utf-8", "replace")
            t.ok(p.returncode == base.returncode and not sanitizer_said(p),
                 "%s: exit %d as without a database, nothing of a sanitizer on stderr"
                 % (name, base.returncode), "exit %d\n%s" % (p.returncode, err[-1500:]))
            if not t.ok(r is not None, "%s: report.json written" % name):
                continue
            if name.startswith("asan-") and not asan:
                t.eq(r["totals"]["messages_written"], written,
                     "%s: all %d messages written (database %s: without AddressSanitizer "
                     "libesedb may read it)" % (name, written, r["database"]))
                continue
            t.eq((r["database"], r["totals"]["messages_written"]), ("unreadable", written),
                 "%s: database unreadable, all %d messages written" % (name, written))
            t.eq(mail_tree(out), base_mail, "%s: the mail tree is the one written without a "
                 "database" % name)
            why = [x["message"] for x in r["problems"] if x["kind"] == "state_unknown"]
            t.ok(len(why) == 1 and REASONS.search(why[0]),
                 "%s: one state_unknown problem, saying why: %s"
                 % (name, REASONS.search(why[0]).group(0).strip(" (:") if why and
                    REASONS.search(why[0]) else "?"), why)
            if name.startswith("check-"):
                t.ok(why and "is not a readable ESE database" in why[0],
                     "%s: refused before libesedb saw it" % name, why)
            elif name.startswith(("child-", "asan-")) and asan:
                t.ok(why and "crashed (AddressSanitizer" in why[0],
                     "%s: the AddressSanitizer build's child crashed, the run did not" % name,
                     why)

        # The main database corrupt, WLM's backup copy good: the backup is used.
        child_seeds = [s for s in seeds if os.path.basename(s).startswith("child-")]
        with gzip.open(child_seeds[0] if child_seeds else seeds[0], "rb") as fh:
            data = fh.read()
        store = store_copy(tmp, "backup", data)
        shutil.copyfile(os.path.join(SAMPLE, DB_NAME), os.path.join(store, "Backup", "new",
                                                                    DB_NAME))
        p, r = convert(store, os.path.join(tmp, "out-backup"))
        t.ok(r is not None and r["database"] == "backup" and not sanitizer_said(p) and
             any(x["kind"] == "database_backup" for x in r["problems"]),
             "a corrupt database with a good Backup/new/ copy: the backup is used (%s)"
             % (r and r["database"]), p.stderr.decode("utf-8", "replace")[-1500:])

        # A corrupt contacts.edb beside the store: reported, the mail unchanged.
        profile = os.path.join(tmp, "profile")
        shutil.copytree(SAMPLE, os.path.join(profile, STORE_REL), symlinks=True)
        edb = os.path.join(profile, CONTACTS_REL)
        os.makedirs(os.path.dirname(edb))
        ok_out = os.path.join(tmp, "out-nocontacts")
        convert_args = ("--for", "thunderbird", "-q")
        wltest.run("convert", os.path.join(profile, STORE_REL), *convert_args, "-o", ok_out,
                   "--no-contacts", timeout=600)
        for k, seed in enumerate(child_seeds[:2]):
            with gzip.open(seed, "rb") as fh, open(edb, "wb") as dst:
                dst.write(fh.read())
            out = os.path.join(tmp, "out-contacts-%d" % k)
            p = wltest.run("convert", os.path.join(profile, STORE_REL), *convert_args, "-o", out,
                           timeout=600)
            try:
                r = wltest.load_json(os.path.join(out, "report.json"))
            except (OSError, ValueError):
                r = None
            src = [x for x in (r or {}).get("problems", []) if x["kind"] == "contact_source"]
            # libesedb without AddressSanitizer may read these whole; with it, the child crashes
            t.ok(r is not None and p.returncode >= 0 and not sanitizer_said(p) and
                 (src or not asan) and mail_tree(out) == mail_tree(ok_out),
                 "%s as contacts.edb: %sthe mail unchanged" % (
                     os.path.basename(seed)[:-3],
                     "contact_source reported (%s), " % (src[0]["message"][:120] if src else "")
                     if asan or src else "read, "),
                 json.dumps(src, ensure_ascii=False)[:800] + p.stderr.decode("utf-8",
                                                                         "replace")[-800:])

        # The sample's own database, through the same child: read.
        p, r = convert(SAMPLE, os.path.join(tmp, "out-sample"))
        t.ok(r is not None and r["database"] == "ok" and not sanitizer_said(p),
             "the sample's good database is read through the child (ok)")

        # Stale bytes in an unused page of the catalog's first extent (Windows grows a file
        # without clearing it): not damage, the database is read.
        with open(os.path.join(SAMPLE, DB_NAME), "rb") as fh:
            data = bytearray(fh.read())
        page = 8192
        unused = [n for n in range(5, 24) if not any(data[(n + 1) * page:(n + 2) * page])]
        if t.ok(unused, "the sample's catalog extent has unused pages (%s)" % unused[:3]):
            stale = bytearray(random.Random(37).randbytes(page))
            stale[36:40] = (0xC0A81234).to_bytes(4, "little")   # flags no page has
            data[(unused[-1] + 1) * page:(unused[-1] + 2) * page] = stale
            p, r = convert(store_copy(tmp, "stale", bytes(data)), os.path.join(tmp, "out-stale"))
            t.ok(r is not None and r["database"] == "ok",
                 "stale bytes in unused page %d: the database is still read (ok)" % unused[-1],
                 r and [x["message"] for x in r["problems"] if x["kind"] == "state_unknown"])

        # Databases Windows wrote pass the checks (their checksums are right); one byte changed
        # in the catalog's root page does not.
        if t.need_corpus("the checks against databases Windows wrote", "ese/basic.edb"):
            corpus = os.path.join(wltest.CORPORA, "ese")
            names = sorted(n for n in os.listdir(corpus) if n.endswith((".edb", ".dat")))
            for name in names:
                with open(os.path.join(corpus, name), "rb") as fh:
                    data = bytearray(fh.read())
                page = int.from_bytes(data[236:240], "little") or 4096
                for label, change in (("as Windows wrote it", None), ("one byte changed in "
                                                                       "page 4", 5 * page + 100)):
                    if change is not None:
                        data[change] ^= 0x5A
                    path = os.path.join(tmp, "corpus-%s.edb" % name.split(".")[0])
                    with open(path, "wb") as fh:
                        fh.write(data)
                    out = os.path.join(tmp, "out-corpus-%s-%d" % (name, change is None))
                    p = wltest.run("contacts", path, "-o", out, "--to", "vcard", timeout=300)
                    err = p.stderr.decode("utf-8", "replace")
                    refused = "is not a readable ESE database" in err
                    t.ok(refused == (change is not None) and p.returncode >= 0 and
                         not sanitizer_said(p),
                         "%s %s: %s" % (name, label, "refused by the checks" if change is not None
                                         else "passes the checks, read by the child"),
                         err[-600:])
    t.done()


if __name__ == "__main__":
    main()
