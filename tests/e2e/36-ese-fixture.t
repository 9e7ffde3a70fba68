#!/usr/bin/env python3
"""The ESE fixture builder (tests/tools/eselib.py, make-wlm-db.py) under `make test`.

Runs tests/tools/check-ese-fixture.py, which builds databases with the builder and reads them back
with libesedb's esedbinfo and esedbexport, and compares with the real databases in
../shared/corpora/ese/. It prints TAP itself: its output and exit code are passed through. When
that corpus is absent the comparisons are one skipped check added before the plan (a failure in
CI, as every wltest skip). Skipped when esedbexport (Debian libesedb-utils) is not installed.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(os.path.dirname(HERE), "tools", "check-ese-fixture.py")
sys.path.insert(0, HERE)
import wltest  # noqa: E402


def main():
    for tool in ("esedbexport", "esedbinfo"):
        if not shutil.which(tool):
            if os.environ.get("CI"):   # in CI every judge must be there
                print("not ok 1 - %s is required (apt-get install libesedb-utils)\n1..1" % tool)
                return 1
            print("1..0 # SKIP %s is not installed (apt-get install libesedb-utils)" % tool)
            return 0
    sys.stdout.flush()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")   # no __pycache__ in tests/tools
    missing = wltest.corpus_missing("ese")
    try:
        p = subprocess.run([sys.executable, CHECK], env=env, timeout=600,
                           stdout=subprocess.PIPE if missing else None)
    except subprocess.TimeoutExpired:
        print("not ok 1 - check-ese-fixture.py finished within 600 s\n1..1")
        return 1
    if not missing:
        return p.returncode
    # check-ese-fixture.py notes the absent corpus and prints its plan last: the comparisons it
    # left out become one skipped check (a failure in CI) numbered after its own.
    rc = p.returncode
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        m = re.fullmatch(r"1\.\.(\d+)", line)
        if m:
            t = wltest.Tap()
            t.n = int(m.group(1))
            t.skip("checksums and records against Windows' own databases",
                   "corpus missing: " + ", ".join(missing))
            if t.failed:
                rc = 1
            line = "1..%d" % t.n
        print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main())
