#!/usr/bin/env python3
"""A kill at any system call of a run leaves OUT correct, and the same command again finishes.

strace injects SIGKILL at the N-th rename, unlink, rmdir or mkdir of `wlmigrate convert`, for
N = 1, 2, ... until the run gets through; this covers every such call of the install (and of the
conversion before it). Four cases: a new OUT, `--force` over an existing result of another
store, a new Thunderbird profile (`--profile DIR`: its parts prefs.js, Mail/ and the reports),
and an import into an existing profile (`--into-profile DIR`: parts below DIR, Mail/Local
Folders/NAME, beside what the profile holds). After each kill OUT must hold the complete old result, the complete new one, or no
report.json (nothing that looks complete); then the same command, run again without strace,
must exit as a clean run does, leave exactly the new result (byte for byte), and leave no
.wlmigrate-* entry behind.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

t = wltest.Tap()
SAMPLES = os.path.join(wltest.REPO, "samples")
OLD_STORE = os.path.join(SAMPLES, "eml-tree")
NEW_STORE = os.path.join(SAMPLES, "windows-mail-store")
SYSCALLS = ("rename", "unlink", "rmdir", "mkdir")


def digest(out):
    """{relative path: sha256 or "dir"} of OUT's visible result (hidden .wlmigrate-* left out)."""
    res = {}
    for dirpath, dirs, files in os.walk(out):
        rel = os.path.relpath(dirpath, out)
        if rel == ".":
            dirs[:] = [d for d in dirs if not d.startswith(".wlmigrate-")]
            files = [f for f in files if not f.startswith(".wlmigrate-")]
        for d in dirs:
            res[os.path.normpath(os.path.join(rel, d))] = "dir"
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                res[os.path.normpath(os.path.join(rel, f))] = hashlib.sha256(fh.read()).hexdigest()
    return res


def leftovers(out):
    return sorted(n for n in os.listdir(out) if n.startswith(".wlmigrate-")) if os.path.isdir(out) else []


def convert(store, out, force, strace=None, where="-o"):
    cmd = [wltest.WLMIGRATE, "convert", store, "--for", "thunderbird", where, out, "-q"]
    if force:
        cmd.append("--force")
    if strace:
        sc, n, log = strace
        cmd = ["strace", "-f", "-o", log, "-e", "trace=" + sc,
               "-e", "inject=%s:signal=SIGKILL:when=%d" % (sc, n)] + cmd
    return subprocess.run(cmd, capture_output=True)


def killed(log):
    with open(log, encoding="utf-8", errors="replace") as fh:
        return "killed by SIGKILL" in fh.read()


def case(tmp, label, force, where="-o"):
    out = os.path.join(tmp, "out")
    saved_old = os.path.join(tmp, "saved-old")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(saved_old, ignore_errors=True)
    old = None
    if force:
        p = convert(OLD_STORE, out, False)
        old = digest(out)
        shutil.copytree(out, saved_old, symlinks=True)
    if where == "--into-profile":
        # a profile Thunderbird made (times.json) that already holds another import
        os.makedirs(out)
        with open(os.path.join(out, "times.json"), "w") as fh:
            fh.write('{"created": 1}')
        subprocess.run([wltest.WLMIGRATE, "convert", OLD_STORE, "--for", "thunderbird",
                        "--into-profile", out, "--container", "Earlier", "-q"],
                       capture_output=True)
        old = digest(out)
        shutil.copytree(out, saved_old, symlinks=True)
        force = True  # what the kill loop restores before each run; the command has no --force
    command_force = force and where != "--into-profile"
    p = convert(NEW_STORE, out, command_force, where=where)
    clean_code, new = p.returncode, digest(out)
    t.ok(clean_code in (0, 1) and "report.json" in new and new != old,
         "%s: a clean run writes the new result (exit %d)" % (label, clean_code),
         p.stderr.decode("utf-8", "replace"))
    bad, runs, finished = [], 0, 0
    for sc in SYSCALLS:
        for n in range(1, 400):
            shutil.rmtree(out, ignore_errors=True)
            if force:
                shutil.copytree(saved_old, out, symlinks=True)
            log = os.path.join(tmp, "strace.log")
            convert(NEW_STORE, out, command_force, (sc, n, log), where)
            runs += 1
            if not killed(log):
                break
            seen = digest(out) if os.path.isdir(out) else {}
            if "report.json" in seen and seen not in (old, new):
                bad.append("%s #%d: OUT holds a report.json but neither the old nor the new "
                           "result" % (sc, n))
            # Killed after the new report.json landed, the run had finished its result: run
            # again without --force it is an existing result (exit 2), with --force redone.
            want = 2 if seen == new and not command_force else clean_code
            p = convert(NEW_STORE, out, command_force, where=where)
            after = digest(out)
            if p.returncode != want or after != new or leftovers(out):
                bad.append("%s #%d: the run again exits %d (want %d), result %s, leftovers %s"
                           % (sc, n, p.returncode, want, "new" if after == new else "wrong",
                              leftovers(out)))
            finished += seen == new
    t.ok(runs > 2 * len(SYSCALLS), "%s: %d runs killed at every %s in turn (%d after the new "
         "report.json was in place)" % (label, runs - len(SYSCALLS), "/".join(SYSCALLS), finished))
    t.ok(not bad, "%s: after every kill OUT is old, new or incomplete, and the same command "
         "again gives the new result with nothing left over" % label, "\n".join(bad))


def main():
    if not wltest.have("strace"):
        t.skip_all("strace not installed (Debian package strace)")
    with tempfile.TemporaryDirectory() as tmp:
        case(tmp, "new OUT", False)
        case(tmp, "--force over another result", True)
        case(tmp, "--profile DIR", False, "--profile")
        case(tmp, "--into-profile DIR", False, "--into-profile")
    t.done()


main()
