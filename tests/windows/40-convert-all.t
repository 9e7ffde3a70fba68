#!/usr/bin/env python3
"""convert ROOT --all under Wine, judged against the Linux build.

Windows cannot fork, so the exe converts the stores one after another in its own process
(plat_can_fork): a tree with two users' stores (Users/alice, Users/bob, as on a copied disk)
gives OUT/<user>/wlm/ for each, each Thunderbird tree byte-identical to the Linux build's
`--all` of the same tree, and OUT/summary.json with both rows and the exit code Linux gives.
"""
import json
import os
import shutil
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


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-all-")
    try:
        root = os.path.join(work, "disk")
        for user in ("alice", "bob"):
            shutil.copytree(SAMPLE, os.path.join(root, "Users", user, "AppData", "Local",
                                                 "Microsoft", "Windows Live Mail"), symlinks=True)
        ref_out, exe_out = os.path.join(work, "linux"), os.path.join(work, "windows")
        ref = wintest.linux("convert", root, "--all", "--for", "thunderbird", "-o", ref_out)
        got = wine.run("convert", wintest.winpath(root), "--all", "--for", "thunderbird",
                       "-o", wintest.winpath(exe_out))
        t.ok(got.returncode == ref.returncode, "--all: exit %d as on Linux (%d)"
             % (ref.returncode, got.returncode), wintest.text(got.stderr))
        for user in ("alice", "bob"):
            want = wltest.sha256_tree(os.path.join(ref_out, user, "wlm", "thunderbird"))
            have = wltest.sha256_tree(os.path.join(exe_out, user, "wlm", "thunderbird"))
            t.ok(len(want) > 2 and have == want,
                 "--all: %s's Thunderbird tree is Linux's (%d files)" % (user, len(want)),
                 "only Linux: %s\nonly Windows or different: %s" % (
                     sorted(set(want) - set(have)),
                     sorted(n for n in have if want.get(n) != have[n])))
        rows = {r.get("user"): r for r in summary(exe_out).get("stores", [])}
        ref_rows = {r.get("user"): r for r in summary(ref_out).get("stores", [])}
        t.eq(sorted(rows), ["alice", "bob"], "summary.json: one row per user")
        for user in ("alice", "bob"):
            keys = ("kind", "status", "messages_found", "messages_written", "messages_not_converted",
                    "problems_with_loss", "exit_code")
            t.eq({k: rows.get(user, {}).get(k) for k in keys},
                 {k: ref_rows.get(user, {}).get(k) for k in keys},
                 "summary.json: %s's row as on Linux" % user)
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    main()
