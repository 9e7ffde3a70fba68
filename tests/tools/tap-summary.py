#!/usr/bin/env python3
"""tap-summary.py - what `make test` ran, what it skipped and why, after prove's own report.

Written for this project. prove runs every test file through this script as its interpreter
(`prove --exec 'tests/tools/tap-summary.py --tee DIR'`): the test's standard output goes to prove
unchanged and is kept in DIR (one log per test file, its exit status and time beside it). After
prove, `tap-summary.py DIR` reads the logs as TAP and prints:

    Skipped, by reason:                       (or "Skipped: nothing")
      REASON (N files, M checks)
          FILE    whole file | N checks
    files: N ran, N ok, N failed, N skipped whole; slowest: FILE N s, ...
    tests: N passed, N failed, N skipped

The last line counts assertions (`ok` lines; a skip is an `ok ... # SKIP reason` or a file's
`1..0 # SKIP reason`); a file that failed without a failing assertion (no plan, wrong count, a
crash, a non-zero exit) counts as one failed. Its exit status is 1 when anything failed, 2 when
DIR holds no log; `make test` keeps prove's status all the same.

Usage: tap-summary.py --tee DIR TEST [ARG...]     (run TEST, copy its stdout into DIR)
       tap-summary.py DIR                         (the summary)
"""
import os
import re
import signal
import subprocess
import sys
import time

PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(\w*)[:\s]*(.*))?$")
TEST = re.compile(r"^(not )?ok\b(.*)$")
DIRECTIVE = re.compile(r"#\s*(SKIP|TODO)\S*\s*(.*)$", re.I)
BAIL = re.compile(r"^Bail out!")


def log_name(directory, test):
    """DIR/path/of/test relative to the current directory (prove runs from the repository)."""
    rel = os.path.relpath(os.path.abspath(test))
    rel = rel.replace(".." + os.sep, "__" + os.sep).lstrip(os.sep)
    return os.path.join(directory, rel + ".tap")


def tee(directory, argv):
    log = log_name(directory, argv[0])
    os.makedirs(os.path.dirname(log), exist_ok=True)
    t0 = time.monotonic()
    with open(log, "wb") as fh:
        try:
            exe = argv[0] if os.sep in argv[0] else os.path.join(".", argv[0])
            proc = subprocess.Popen([exe] + argv[1:], stdout=subprocess.PIPE)
        except OSError as e:
            msg = ("not ok 1 - %s cannot be run: %s\n1..1\n" % (argv[0], e)).encode()
            sys.stdout.buffer.write(msg)
            fh.write(msg)
            rc = 126
        else:
            out = sys.stdout.buffer
            while True:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                out.write(chunk)
                out.flush()
                fh.write(chunk)
            rc = proc.wait()
    with open(log + ".status", "w") as fh:
        fh.write("%d %.2f %s\n" % (rc, time.monotonic() - t0, argv[0]))
    if rc < 0:                       # killed by a signal: let prove see the same wait status
        try:
            signal.signal(-rc, signal.SIG_DFL)
        except (OSError, ValueError):   # SIGKILL, SIGSTOP: default already
            pass
        os.kill(os.getpid(), -rc)
        return 128 - rc
    return rc


class Result:
    def __init__(self, name):
        self.name = name
        self.passed = self.failed = self.todo = 0
        self.skips = []              # reasons of skipped assertions
        self.skip_all = None         # reason when the file skipped itself whole
        self.plan = None
        self.count = 0
        self.bailed = False
        self.rc = None
        self.seconds = 0.0

    def problem(self):
        """Why the file failed as a whole, or None."""
        if self.bailed:
            return "bailed out"
        if self.plan is None:
            return "no plan"
        if self.plan != self.count:
            return "planned %d, ran %d" % (self.plan, self.count)
        if self.rc not in (0, None):
            return "exit status %d" % self.rc
        return None


def parse(path, name):
    r = Result(name)
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            m = PLAN.match(line)
            if m:
                r.plan = int(m.group(1))
                if r.plan == 0 and (m.group(2) or "").upper().startswith("SKIP"):
                    r.skip_all = m.group(3).strip() or "no reason given"
                continue
            m = TEST.match(line)
            if m:
                r.count += 1
                d = DIRECTIVE.search(m.group(2))
                directive = d.group(1).upper() if d else ""
                if m.group(1):
                    if directive == "TODO":
                        r.todo += 1
                    else:
                        r.failed += 1
                elif directive == "SKIP":
                    r.skips.append(d.group(2).strip() or "no reason given")
                else:
                    r.passed += 1
                continue
            if BAIL.match(line):
                r.bailed = True
    try:
        with open(path + ".status") as fh:
            rc, seconds, _ = fh.read().split(" ", 2)
            r.rc, r.seconds = int(rc), float(seconds)
    except (OSError, ValueError):
        r.rc = None
    return r


def summary(directory):
    results = []
    for dirpath, dirs, files in os.walk(directory):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".tap"):
                path = os.path.join(dirpath, f)
                results.append(parse(path, os.path.relpath(path, directory)[:-len(".tap")]))
    if not results:
        print("tap-summary: no test log in %s" % directory)
        return 2
    by_reason = {}
    for r in results:
        if r.skip_all is not None:
            by_reason.setdefault(r.skip_all, []).append((r.name, None))
        counts = {}
        for why in r.skips:
            counts[why] = counts.get(why, 0) + 1
        for why, n in counts.items():
            by_reason.setdefault(why, []).append((r.name, n))
    print()
    if not by_reason:
        print("Skipped: nothing")
    else:
        print("Skipped, by reason:")
        width = max(len(name) for entries in by_reason.values() for name, _ in entries)
        for why in sorted(by_reason):
            entries = by_reason[why]
            whole = sum(1 for _, n in entries if n is None)
            checks = sum(n for _, n in entries if n is not None)
            print("  %s (%s)" % (why, ", ".join(x for x in (
                "%d file%s whole" % (whole, "" if whole == 1 else "s") if whole else "",
                "%d check%s" % (checks, "" if checks == 1 else "s") if checks else "") if x)))
            for name, n in entries:
                print("      %-*s  %s" % (width, name, "whole file" if n is None else
                                          "%d check%s" % (n, "" if n == 1 else "s")))
    failed_files = [r for r in results if r.failed or r.problem()]
    for r in failed_files:
        print("FAILED: %s: %s" % (r.name, "; ".join(x for x in (
            "%d failed" % r.failed if r.failed else "", r.problem() or "") if x)))
    skipped_whole = sum(1 for r in results if r.skip_all is not None and not r.problem())
    slow = sorted(results, key=lambda r: -r.seconds)[:3]
    print("files: %d ran, %d ok, %d failed, %d skipped whole; %.0f s in all; slowest: %s"
          % (len(results), len(results) - len(failed_files) - skipped_whole, len(failed_files),
             skipped_whole, sum(r.seconds for r in results),
             ", ".join("%s %.1f s" % (os.path.basename(r.name), r.seconds) for r in slow)))
    failed = sum(r.failed or (1 if r.problem() else 0) for r in results)
    passed = sum(r.passed for r in results)
    skipped = sum(len(r.skips) for r in results) + sum(1 for r in results
                                                       if r.skip_all is not None)
    print("tests: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "--tee":
        return tee(argv[1], argv[2:])
    if len(argv) == 1 and not argv[0].startswith("-"):
        return summary(argv[0])
    sys.stderr.write(__doc__.split("Usage: ")[1])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
