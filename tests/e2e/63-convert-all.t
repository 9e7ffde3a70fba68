#!/usr/bin/env python3
"""convert ROOT --all: every store below ROOT into OUT/<user>/<kind>/, a summary, the worst exit.

The tree, built here from samples/ (copies keep their mtimes):
  ROOT/Users/alice/AppData/Local/Microsoft/Windows Live Mail   samples/wlm-store
  ROOT/Users/alice/AppData/Local/Microsoft/Windows Mail        samples/windows-mail-store
  ROOT/bob/AppData/Local/Microsoft/Windows Live Mail           samples/wlm-store (a copied profile)
Checks:
- --list --json names the three stores and their directories by the README's rule;
- --for thunderbird: each OUT/<user>/<kind>/ holds, byte for byte, what a single `convert` of
  that store writes (10-samples-mbox.t judges that one), reports apart from the output path;
  every mbox holds the number of messages report.json says; the exit code is the worst of the
  three single ones; summary.json's rows and totals and summary.txt's rows equal each report.json;
- --for outlook: each PST passes pstcheck.py (0 errors) and readpst finds in each folder the
  messages report.json says were written there;
- one store's conversion killed (strace kills the process that reads one of bob's messages),
  with --jobs 1 and --jobs 3: the other two are complete and correct, bob's row says crashed with
  exit code 3, the run exits 3, bob's directory holds nothing that looks finished; the same
  command again converts bob alone (the others' report.json untouched) and exits 1;
- Ctrl-C (SIGINT to the run) as the first store ends, --jobs 1: exit 130, the first store
  installed, the last not started; the same command again finishes;
- the whole run killed as it writes summary.json: every store installed, no summary.json; the
  same command again writes it, every store "converted_before";
- a store whose directory cannot be made fails alone (exit 3); a result of another target in
  OUT is refused (exit 2), not taken as done; no store below ROOT exits 3 and OUT inside a store
  exits 2, both writing nothing; --list without --all, --jobs 0 and --all with
  --profile are usage errors.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

PSTCHECK = os.path.join(wltest.TOOLS, "pstcheck.py")
MS = os.path.join("AppData", "Local", "Microsoft")
LAYOUT = [  # (user, kind, path below ROOT, sample)
    ("alice", "wlm", os.path.join("Users", "alice", MS, "Windows Live Mail"), "wlm-store"),
    ("alice", "windows-mail", os.path.join("Users", "alice", MS, "Windows Mail"),
     "windows-mail-store"),
    ("bob", "wlm", os.path.join("bob", MS, "Windows Live Mail"), "wlm-store"),
]
REPORTS = ("report.json", "report.txt", "report.html")
COUNTS = ("messages_found", "messages_written", "messages_not_converted", "problems_with_loss")


def build_tree(root):
    for _, _, rel, sample in LAYOUT:
        shutil.copytree(os.path.join(wltest.SAMPLES, sample), os.path.join(root, rel),
                        symlinks=True)


def convert_all(root, out, target, *extra, strace_path=None, signal="SIGKILL", when=1,
                or_reads=False):
    cmd = [wltest.WLMIGRATE, "convert", root, "--all", "--for", target, "-o", out, *extra]
    if strace_path:
        # signal whichever process opens strace_path (the `when`-th time): one store's
        # conversion, or the run itself; `or_reads` for a message, which is opened by its name
        # in its folder's open directory (openat(dirfd, name), which -P does not match): then
        # the first read of it
        calls = "openat,read" if or_reads else "openat"
        cmd = ["strace", "-f", "-qq", "-o", os.devnull, "-P", strace_path, "-e", "trace=" + calls,
               "-e", "inject=%s:signal=%s:when=%d" % (calls, signal, when)] + cmd
    env = {k: v for k, v in os.environ.items() if k != "LANGUAGE"}
    env["LC_ALL"] = "C.UTF-8"
    if strace_path:
        # LeakSanitizer cannot work under ptrace and would make an ASan build exit 1 at its end
        old = env.get("ASAN_OPTIONS")
        env["ASAN_OPTIONS"] = old + ":detect_leaks=0" if old else "detect_leaks=0"
    return subprocess.run(cmd, capture_output=True, env=env)


def tree_bytes(top):
    """{relative path: bytes} of every file below top, hidden .wlmigrate-* entries left out."""
    res = {}
    for dirpath, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".wlmigrate-")]
        for f in files:
            if f.startswith(".wlmigrate-"):
                continue
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                res[os.path.relpath(p, top)] = fh.read()
    return res


def same_result(t, got_dir, want_dir, label):
    """OUT/<user>/<kind> against a single convert's OUT: the same files, the same bytes, reports
    once each output path is written the same."""
    got, want = tree_bytes(got_dir), tree_bytes(want_dir)
    for name in REPORTS:
        if name in got:
            got[name] = got[name].replace(os.fsencode(got_dir), b"OUT")
        if name in want:
            want[name] = want[name].replace(os.fsencode(want_dir), b"OUT")
    differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    t.ok(got and not differ, "%s: the same result as a single convert of the store (%d files)"
         % (label, len(got)), "differ: %s" % differ[:5])


def mbox_counts_agree(t, out_dir, report, label):
    bad = []
    for f in report["folders"]:
        for o in f["outputs"]:
            path = os.path.join(out_dir, o)
            n = len(wltest.mbox_messages(path)) if os.path.isfile(path) else 0
            if len(f["outputs"]) == 1 and n != f["written"]:
                bad.append((o, n, f["written"]))
    t.ok(report["folders"] and not bad,
         "%s: every mbox holds the messages report.json says were written there" % label, bad)


def summary_agrees(t, out, want_code, label, before=None):
    """summary.json and summary.txt against each store's report.json."""
    s = wltest.load_json(os.path.join(out, "summary.json"))
    t.eq((s["summary_version"], s["exit_code"], len(s["stores"])), (1, want_code, len(LAYOUT)),
         "%s: summary.json: version 1, exit code %d, one row per store" % (label, want_code))
    rows = {(r["user"], r["kind"]): r for r in s["stores"]}
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as fh:
        text = fh.read()
    totals = {k: 0 for k in COUNTS[:3]}
    for user, kind, _, _ in LAYOUT:
        r = rows.get((user, kind))
        rep = os.path.join(out, user, kind, "report.json")
        if not t.ok(r is not None and os.path.isfile(rep), "%s: %s/%s has a row and a report"
                    % (label, user, kind)):
            continue
        report = wltest.load_json(rep)
        want = {k: report["totals"][k] for k in COUNTS}
        t.eq({k: r[k] for k in COUNTS}, want, "%s: %s/%s row equals its report.json totals"
             % (label, user, kind))
        code = 1 if want["messages_not_converted"] or want["problems_with_loss"] else 0
        t.eq((r["exit_code"], r["status"], r["store"], r["output"]),
             (code, "converted_with_losses" if code else "converted", report["store"],
              os.path.join(out, user, kind)),
             "%s: %s/%s row: exit code, status, store and output" % (label, user, kind))
        if before is not None:
            t.eq(r["converted_before"], before[(user, kind)],
                 "%s: %s/%s converted_before is %s" % (label, user, kind, before[(user, kind)]))
        line = re.search(r"(?m)^%s +%s +%d +%d +%d +%d " % (
            re.escape(user), re.escape(kind), want["messages_found"], want["messages_written"],
            want["messages_not_converted"], code), text)
        t.ok(line, "%s: summary.txt: %s/%s with the same numbers" % (label, user, kind), text)
        for k in totals:
            totals[k] += want[k]
    t.eq({k: s["totals"][k] for k in totals}, totals, "%s: summary totals are the sums" % label)
    return s


def readpst_counts(pst, work):
    os.makedirs(work)
    subprocess.run(["readpst", "-j", "0", "-D", "-r", "-8", "-o", work, pst], capture_output=True)
    got = {}
    for dirpath, _, files in os.walk(work):
        if "mbox" in files:
            with open(os.path.join(dirpath, "mbox"), "rb") as fh:
                got[os.path.relpath(dirpath, work)] = sum(1 for ln in fh if ln.startswith(b"From "))
    return got


def check_outlook(t, tmp, root):
    out = os.path.join(tmp, "out-pst")
    p = convert_all(root, out, "outlook", "-q", "--jobs", "2")
    t.eq(p.returncode, 1, "--for outlook: exit code 1 (the wlm stores lose a message each)")
    summary_agrees(t, out, 1, "--for outlook")
    for user, kind, _, _ in LAYOUT:
        label = "--for outlook %s/%s" % (user, kind)
        d = os.path.join(out, user, kind)
        pst = os.path.join(d, "outlook", "Windows Live Mail.pst")
        if not t.ok(os.path.isfile(pst), "%s: the PST is installed" % label):
            continue
        c = subprocess.run([sys.executable, PSTCHECK, pst], capture_output=True)
        t.ok(b"== errors: 0" in c.stdout, "%s: pstcheck.py finds no error" % label,
             c.stdout[-400:].decode("utf-8", "replace"))
        if not wltest.have("readpst"):
            t.skip("%s: readpst's folders" % label, "readpst is not installed")
            continue
        report = wltest.load_json(os.path.join(d, "report.json"))
        want = {}
        for f in report["folders"]:
            m = re.match(r"outlook/.*?\.pst/(.*)$", f["outputs"][0])
            if m and f["written"]:
                want[os.path.join("Windows Live Mail", m.group(1))] = f["written"]
        got = readpst_counts(pst, os.path.join(tmp, "readpst-%s-%s" % (user, kind)))
        got = {k: v for k, v in got.items() if v}
        t.ok(want and got == want,
             "%s: readpst finds the messages of report.json in each folder" % label,
             "readpst: %s, report.json: %s" % (got, want))


def check_kill_one(t, tmp, root, refs, jobs):
    """bob's conversion killed: the others finish; the same command again converts bob."""
    label = "--jobs %d, bob's conversion killed" % jobs
    out = os.path.join(tmp, "out-kill-%d" % jobs)
    bob_store = os.path.join(root, LAYOUT[2][2])
    victim = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(bob_store, "Storage Folders", "Sent Items"))
                    for f in fs if f.endswith(".eml"))[0]
    p = convert_all(root, out, "thunderbird", "-q", "--keep-raw-headers", "--jobs", str(jobs),
                    strace_path=victim, or_reads=True)
    t.eq(p.returncode, 3, "%s: the run exits 3" % label)
    s = wltest.load_json(os.path.join(out, "summary.json"))
    rows = {(r["user"], r["kind"]): r for r in s["stores"]}
    bob = rows.get(("bob", "wlm"), {})
    t.eq((bob.get("status"), bob.get("exit_code"), bob.get("messages_found")),
         ("crashed", 3, None), "%s: bob's row says crashed, exit code 3, no counts" % label)
    t.ok(bob.get("error") and "crashed (signal 9)" in bob["error"],
         "%s: bob's row says how it ended" % label, bob.get("error"))
    t.ok(not os.path.exists(os.path.join(out, "bob", "wlm", "report.json")),
         "%s: bob's directory holds no report.json" % label)
    for user, kind, _, _ in LAYOUT[:2]:
        same_result(t, os.path.join(out, user, kind), refs[(user, kind)],
                    "%s: %s/%s" % (label, user, kind))
    mtimes = {k: os.stat(os.path.join(out, k[0], k[1], "report.json")).st_mtime_ns
              for k in [(u, k) for u, k, _, _ in LAYOUT[:2]]}
    p = convert_all(root, out, "thunderbird", "-q", "--keep-raw-headers", "--jobs", str(jobs))
    t.eq(p.returncode, 1, "%s: the same command again exits 1" % label)
    same_result(t, os.path.join(out, "bob", "wlm"), refs[("bob", "wlm")],
                "%s, run again: bob/wlm" % label)
    t.eq({k: os.stat(os.path.join(out, k[0], k[1], "report.json")).st_mtime_ns for k in mtimes},
         mtimes, "%s, run again: the finished stores are not converted again" % label)
    leftovers = [n for n in os.listdir(os.path.join(out, "bob", "wlm")) if n.startswith(".wlm")]
    t.eq(leftovers, [], "%s, run again: no .wlmigrate-* entry left in bob/wlm" % label)
    summary_agrees(t, out, 1, "%s, run again" % label,
                   before={("alice", "wlm"): True, ("alice", "windows-mail"): True,
                           ("bob", "wlm"): False})


def check_interrupt(t, tmp, root):
    """Ctrl-C as the run reads back the first store's report.json (its second open of that path,
    the first being the look for an earlier result): the first store is installed, bob's (the
    last, --jobs 1) is never started, exit 130; the same command again finishes the rest."""
    label = "Ctrl-C after the first store"
    out = os.path.join(tmp, "out-int")
    first = os.path.join(out, "alice", "wlm", "report.json")
    p = convert_all(root, out, "thunderbird", "--jobs", "1", "--keep-raw-headers",
                    strace_path=first, signal="SIGINT", when=2)
    s = wltest.load_json(os.path.join(out, "summary.json"))
    rows = {(r["user"], r["kind"]): r for r in s["stores"]}
    t.eq((p.returncode, s["exit_code"], rows[("alice", "wlm")]["status"],
          rows[("bob", "wlm")]["status"], rows[("bob", "wlm")]["exit_code"]),
         (130, 130, "converted_with_losses", "not_started", 130),
         "%s: exit 130, alice/wlm converted, bob/wlm not started" % label)
    second = rows[("alice", "windows-mail")]
    t.ok(second["status"] != "converted" or os.path.isfile(os.path.join(second["output"],
                                                                        "report.json")),
         "%s: alice/windows-mail converted only if its result is installed (%s)"
         % (label, second["status"]))
    t.ok(not os.path.exists(os.path.join(out, "bob", "wlm", "report.json")),
         "%s: bob/wlm has no result" % label)
    p = convert_all(root, out, "thunderbird", "-q", "--keep-raw-headers")
    t.eq(p.returncode, 1, "%s, run again: exit 1" % label)
    summary_agrees(t, out, 1, "%s, run again" % label)


def main():
    t = wltest.Tap()
    with tempfile.TemporaryDirectory(prefix="wlm-e2e-63-") as tmp:
        root = os.path.join(tmp, "root")
        build_tree(root)
        real_root = os.path.realpath(root)

        # the plan
        out = os.path.join(tmp, "out")
        p = convert_all(root, out, "thunderbird", "--list", "--json")
        plan = json.loads(p.stdout.decode("utf-8")) if p.returncode == 0 else {"stores": []}
        got = sorted((s["user"], s["kind"], s["store"], s["output"]) for s in plan["stores"])
        want = sorted((u, k, os.path.join(real_root, rel), os.path.join(os.path.realpath(tmp),
                                                                           "out", u, k))
                      for u, k, rel, _ in LAYOUT)
        t.eq(got, want, "--list --json: the three stores, their users and directories")
        t.ok(not os.path.exists(out), "--list converts nothing")

        # single conversions, the reference
        refs = {}
        single_codes = []
        for user, kind, rel, _ in LAYOUT:
            ref = os.path.join(tmp, "single-%s-%s" % (user, kind))
            q = wltest.run("convert", os.path.join(root, rel), "--for", "thunderbird", "-o", ref,
                           "-q", "--keep-raw-headers")
            single_codes.append(q.returncode)
            refs[(user, kind)] = ref

        # all three, two at a time
        p = convert_all(root, out, "thunderbird", "-q", "--keep-raw-headers", "--jobs", "2")
        t.eq(p.returncode, max(single_codes),
             "--all exits with the worst of the single conversions' codes (%d)"
             % max(single_codes))
        t.eq(p.stdout, b"", "-q: nothing on stdout")
        for user, kind, _, _ in LAYOUT:
            d = os.path.join(out, user, kind)
            same_result(t, d, refs[(user, kind)], "%s/%s" % (user, kind))
            if os.path.isfile(os.path.join(d, "report.json")):
                mbox_counts_agree(t, d, wltest.load_json(os.path.join(d, "report.json")),
                                  "%s/%s" % (user, kind))
        summary_agrees(t, out, max(single_codes), "--for thunderbird",
                       before={(u, k): False for u, k, _, _ in LAYOUT})
        t.eq(sorted(n for n in os.listdir(out)), ["alice", "bob", "summary.json", "summary.txt"],
             "OUT holds the users' directories and the summary, nothing else")

        # --json: summary.json on stdout; nothing to do the second time
        p = convert_all(root, out, "thunderbird", "--json", "--keep-raw-headers")
        with open(os.path.join(out, "summary.json"), "rb") as fh:
            t.ok(p.returncode == 1 and p.stdout == fh.read(),
                 "run again with --json: exit 1, stdout is the new summary.json")
        t.ok(b"0 to convert (3 converted before)" in p.stderr,
             "run again: every store was converted before", p.stderr)

        check_outlook(t, tmp, root)

        if wltest.have("strace"):
            for jobs in (1, 3):
                check_kill_one(t, tmp, root, refs, jobs)
            # the whole run killed as it writes summary.json
            out2 = os.path.join(tmp, "out-kill-run")
            p = convert_all(root, out2, "thunderbird", "-q", "--keep-raw-headers",
                            strace_path=os.path.join(out2, "summary.json.tmp"))
            t.ok(p.returncode != 0 and not os.path.exists(os.path.join(out2, "summary.json")),
                 "run killed at summary.json: no summary.json")
            t.ok(all(os.path.isfile(os.path.join(out2, u, k, "report.json"))
                     for u, k, _, _ in LAYOUT), "run killed at summary.json: every store installed")
            p = convert_all(root, out2, "thunderbird", "-q", "--keep-raw-headers")
            t.eq(p.returncode, 1, "run killed at summary.json, run again: exit 1")
            summary_agrees(t, out2, 1, "run killed at summary.json, run again",
                           before={(u, k): True for u, k, _, _ in LAYOUT})
            check_interrupt(t, tmp, root)
        else:
            t.skip("a killed conversion", "strace is not installed")

        # a store that fails alone: its directory cannot be made
        out3 = os.path.join(tmp, "out-fail")
        os.makedirs(os.path.join(out3, "alice"))
        with open(os.path.join(out3, "alice", "wlm"), "w") as fh:
            fh.write("in the way\n")
        p = convert_all(root, out3, "thunderbird", "-q")
        s = wltest.load_json(os.path.join(out3, "summary.json"))
        rows = {(r["user"], r["kind"]): r for r in s["stores"]}
        t.eq((p.returncode, rows[("alice", "wlm")]["status"], rows[("alice", "wlm")]["exit_code"]),
             (3, "failed", 3), "alice/wlm cannot be written: it fails alone, the run exits 3")
        t.ok("not a directory" in (rows[("alice", "wlm")]["error"] or ""),
             "the failed row says why", rows[("alice", "wlm")]["error"])
        t.ok(all(os.path.isfile(os.path.join(out3, u, k, "report.json"))
                 for u, k in (("alice", "windows-mail"), ("bob", "wlm"))),
             "the other two stores are converted")

        # a result of another target is not a finished store: refused, exit 2
        p = convert_all(root, out, "outlook", "-q")
        s = wltest.load_json(os.path.join(out, "summary.json"))
        t.ok(p.returncode == 2 and all(r["status"] == "refused" and r["exit_code"] == 2
                                       for r in s["stores"]),
             "--for outlook over Thunderbird results: every store refused, exit 2",
             p.stderr.decode("utf-8", "replace"))

        # usage
        for args, what in ((["--list"], "--list without --all"),
                           (["--all", "--jobs", "0"], "--jobs 0"),
                           (["--all", "--jobs", "x"], "--jobs x")):
            p = wltest.run("convert", root, "--for", "thunderbird", "-o", out, *args)
            t.eq(p.returncode, 2, "%s: usage error" % what)
        p = wltest.run("convert", root, "--all", "--for", "thunderbird",
                       "--profile", os.path.join(tmp, "profile"))
        t.eq(p.returncode, 2, "--all with --profile: usage error")
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        p = convert_all(empty, os.path.join(tmp, "o5"), "thunderbird", "-q")
        t.ok(p.returncode == 3 and b"no Windows Live Mail store" in p.stderr
             and not os.path.exists(os.path.join(tmp, "o5")),
             "no store below ROOT: exit 3, nothing written", p.stderr)
        inside = os.path.join(root, LAYOUT[0][2], "out")
        p = convert_all(root, inside, "thunderbird", "-q")
        t.ok(p.returncode == 2 and b"inside a source store" in p.stderr
             and not os.path.exists(inside), "OUT inside one of the stores: exit 2, nothing written",
             p.stderr)
        p = wltest.run("convert", root, "--for", "thunderbird", "-o", os.path.join(tmp, "o4"))
        t.ok(p.returncode == 2 and b"--all" in p.stderr,
             "several stores without --all: exit 2, the message names --all")
    t.done()


if __name__ == "__main__":
    main()
