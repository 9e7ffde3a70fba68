#!/usr/bin/env python3
"""convert ROOT --all under Wine, judged against the Linux build.

Windows cannot fork: the exe starts itself again for each store (the role convert-store, given
the store, its directory and the run's command line), --jobs of them at once. A tree with two
users' stores (Users/alice, Users/bob, as on a copied disk) gives OUT/<user>/wlm/ for each, each
Thunderbird tree byte-identical to the Linux build's `--all` of the same tree, and
OUT/summary.json with both rows and the exit code Linux gives, with --jobs 1 and --jobs 2.

One store's process killed (bob's, found by its command line, which Wine shows as the Linux
one, and killed with SIGKILL while it converts 3,000 more messages): alice's result is still
Linux's, bob's row says crashed with exit code 3 and his directory holds no report.json, the run
exits 3, and the same command again converts bob as Linux does. (strace, which 63-convert-all.t
uses on Linux, cannot pick the process: Wine's wineserver opens the files for every process.)
"""
import json
import os
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

SAMPLE = os.path.join(wintest.SAMPLES, "wlm-store")


def summary(out):
    try:
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


ROW_KEYS = ("kind", "status", "messages_found", "messages_written", "messages_not_converted",
            "problems_with_loss", "exit_code")


def same_tree(t, ref_out, exe_out, user, label):
    wintest.same_tree(t, os.path.join(ref_out, user, "wlm", "thunderbird"),
                      os.path.join(exe_out, user, "wlm", "thunderbird"),
                      "%s: %s's Thunderbird tree is Linux's" % (label, user))


def bob_inbox(root):
    return os.path.join(root, "Users", "bob", "AppData", "Local", "Microsoft",
                        "Windows Live Mail", "Storage Folders", "Inbox")


def kill_one(t, wine, work, root, ref_out, ref_rows):
    """bob's process killed while it converts; then the same command again."""
    label = "bob's process killed"
    out = os.path.join(work, "windows-kill")
    args = ["convert", wintest.winpath(root), "--all", "--jobs", "2", "--for", "thunderbird",
            "-o", wintest.winpath(out)]
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        run = wine.start(*args, out=so, err=se)
        killed = wintest.wait_for(lambda: wintest.process_with(
            ("--wlmigrate-child", "convert-store", "/Users/bob/")), run)
        if killed:
            os.kill(killed, signal.SIGKILL)
        code = run.wait(timeout=900)
        se.seek(0)
        err = wintest.text(se.read())
    t.ok(killed is not None, "%s: bob's process is seen and killed" % label)
    t.eq(code, 3, "%s: the run exits 3" % label)
    rows = {r.get("user"): r for r in summary(out).get("stores", [])}
    bob = rows.get("bob", {})
    t.ok((bob.get("status"), bob.get("exit_code"), bob.get("messages_found")) ==
         ("crashed", 3, None), "%s: bob's row says crashed, exit code 3, no counts" % label,
         "%s\n%s" % (bob, err[-600:]))
    t.ok(not os.path.exists(os.path.join(out, "bob", "wlm", "report.json")),
         "%s: bob's directory holds no report.json" % label)
    t.eq({k: rows.get("alice", {}).get(k) for k in ROW_KEYS},
         {k: ref_rows.get("alice", {}).get(k) for k in ROW_KEYS},
         "%s: alice's row as on Linux" % label)
    same_tree(t, ref_out, out, "alice", label)
    again = wine.run(*args)
    rows = {r.get("user"): r for r in summary(out).get("stores", [])}
    t.ok(again.returncode == ref_rows.get("bob", {}).get("exit_code") and
         {k: rows.get("bob", {}).get(k) for k in ROW_KEYS} ==
         {k: ref_rows.get("bob", {}).get(k) for k in ROW_KEYS},
         "%s: the same command again converts bob, as on Linux" % label,
         "%s\n%s" % (rows.get("bob"), wintest.text(again.stderr)[-600:]))
    same_tree(t, ref_out, out, "bob", label + ", then again")


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-all-")
    try:
        root = os.path.join(work, "disk")
        for user in ("alice", "bob"):
            shutil.copytree(SAMPLE, os.path.join(root, "Users", user, "AppData", "Local",
                                                 "Microsoft", "Windows Live Mail"), symlinks=True)
        # bob has 3,000 more messages (files the database does not list: the Recovered
        # folder), so that his conversion lasts long enough to be killed while it runs
        wintest.add_messages(bob_inbox(root), 3000)
        ref_out = os.path.join(work, "linux")
        ref = wintest.linux("convert", root, "--all", "--for", "thunderbird", "-o", ref_out)
        ref_rows = {r.get("user"): r for r in summary(ref_out).get("stores", [])}
        for jobs in ("1", "2"):
            label = "--all --jobs %s" % jobs
            exe_out = os.path.join(work, "windows-" + jobs)
            got = wine.run("convert", wintest.winpath(root), "--all", "--jobs", jobs,
                           "--for", "thunderbird", "-o", wintest.winpath(exe_out))
            t.ok(got.returncode == ref.returncode, "%s: exit %d as on Linux (%d)"
                 % (label, ref.returncode, got.returncode), wintest.text(got.stderr))
            for user in ("alice", "bob"):
                same_tree(t, ref_out, exe_out, user, label)
            rows = {r.get("user"): r for r in summary(exe_out).get("stores", [])}
            t.eq(sorted(rows), ["alice", "bob"], "%s: summary.json has one row per user" % label)
            for user in ("alice", "bob"):
                t.eq({k: rows.get(user, {}).get(k) for k in ROW_KEYS},
                     {k: ref_rows.get(user, {}).get(k) for k in ROW_KEYS},
                     "%s: summary.json: %s's row as on Linux" % (label, user))
        kill_one(t, wine, work, root, ref_out, ref_rows)
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
