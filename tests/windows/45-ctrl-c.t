#!/usr/bin/env python3
"""Ctrl-C in the middle of a conversion, under Wine.

Wine hands SIGINT to a console program as CTRL_C_EVENT, through the handlers that
SetConsoleCtrlHandler registered, as Windows does when Ctrl-C is pressed in cmd.exe or
PowerShell. A copy of samples/wlm-store with 3,000 more messages (files the database does not
list: the Recovered folder), so that the conversion lasts; SIGINT once its partial directory is
there. The exe ends with exit 130 (as on Linux), says it was interrupted, and leaves nothing that
looks finished: no report.json, no thunderbird/ in OUT. The same command again converts the
store, with the Linux build's Thunderbird tree, byte for byte.

The same with `convert --all`: Ctrl-C while bob's store is converted in its own process (alice's
done): the run ends that process, exits 130 with bob's row interrupted and no result of his, and
the same command again converts bob and keeps alice's.
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


def ctrl_c_all(t, wine, work):
    """`convert --all`: Ctrl-C while bob's store (3,000 more messages) is converted in its own
    process and alice's is done. The console's Ctrl-C reaches the run, not the stores' processes
    (they have no console): the run ends bob's process, exits 130 and writes the summary; the
    same command again converts bob."""
    label = "--all, Ctrl-C during bob's store"
    root = os.path.join(work, "disk")
    for user in ("alice", "bob"):
        shutil.copytree(SAMPLE, os.path.join(root, "Users", user, "AppData", "Local",
                                             "Microsoft", "Windows Live Mail"), symlinks=True)
    wintest.add_messages(os.path.join(root, "Users", "bob", "AppData", "Local", "Microsoft",
                              "Windows Live Mail", "Storage Folders", "Inbox"), 3000)
    out = os.path.join(work, "all-out")
    args = ["convert", wintest.winpath(root), "--all", "--jobs", "2", "--for", "thunderbird",
            "-o", wintest.winpath(out)]
    alice_report = os.path.join(out, "alice", "wlm", "report.json")
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        run = wine.start(*args, out=so, err=se)
        ready = wintest.wait_for(lambda: os.path.isfile(alice_report) and wintest.process_with(
            ("--wlmigrate-child", "convert-store", "/Users/bob/")), run)
        if ready:
            run.send_signal(signal.SIGINT)
        code = run.wait(timeout=600)
    t.ok(ready, "%s: alice's store is done and bob's is under way" % label)
    try:
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            rows = {r.get("user"): r for r in json.load(f).get("stores", [])}
    except (OSError, ValueError):
        rows = {}
    t.eq((code, rows.get("alice", {}).get("status"), rows.get("bob", {}).get("status"),
          rows.get("bob", {}).get("exit_code")),
         (130, "converted_with_losses", "interrupted", 130),
         "%s: exit 130, alice converted, bob interrupted" % label)
    t.ok(not os.path.exists(os.path.join(out, "bob", "wlm", "report.json")),
         "%s: bob has no result" % label)
    again = wine.run(*args)
    try:
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            rows = {r.get("user"): r for r in json.load(f).get("stores", [])}
    except (OSError, ValueError):
        rows = {}
    t.ok(again.returncode == 1 and rows.get("bob", {}).get("status") == "converted_with_losses"
         and rows.get("alice", {}).get("converted_before"),
         "%s, run again: bob converted, alice kept from before (exit 1)" % label,
         "%s %s" % (again.returncode, rows))


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-ctrlc-")
    try:
        store = os.path.join(work, "wlm-store")
        shutil.copytree(SAMPLE, store, symlinks=True)
        wintest.add_messages(os.path.join(store, "Storage Folders", "Inbox"), 3000)
        out = os.path.join(work, "out")
        args = ["convert", wintest.winpath(store), "--for", "thunderbird",
                "-o", wintest.winpath(out)]
        with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
            run = wine.start(*args, out=so, err=se)
            partial = wintest.wait_for(lambda: os.path.isdir(out) and any(
                n.startswith(".wlmigrate-") for n in os.listdir(out)), run)
            if partial:
                run.send_signal(signal.SIGINT)
            code = run.wait(timeout=600)
            se.seek(0)
            err = wintest.text(se.read())
        t.ok(partial, "the conversion is under way (its partial directory is there)")
        t.eq(code, 130, "Ctrl-C: exit 130, as on Linux")
        t.ok("interrupted" in err, "Ctrl-C: it says it was interrupted", err[-400:])
        left = sorted(os.listdir(out)) if os.path.isdir(out) else []
        t.ok("report.json" not in left and "thunderbird" not in left,
             "Ctrl-C: nothing that looks finished in OUT", left)
        ref_out = os.path.join(work, "linux")
        ref = wintest.linux("convert", store, "--for", "thunderbird", "-o", ref_out)
        again = wine.run(*args)
        t.eq(again.returncode, ref.returncode, "the same command again: exit %d as on Linux"
             % ref.returncode)
        wintest.same_tree(t, os.path.join(ref_out, "thunderbird"),
                          os.path.join(out, "thunderbird"),
                          "the same command again: the Linux build's Thunderbird tree")
        ctrl_c_all(t, wine, work)
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
