#!/usr/bin/env python3
"""The ESE fixture builder (tests/tools/eselib.py, make-wlm-db.py) under `make test`.

Runs tests/tools/check-ese-fixture.py, which builds databases with the builder and reads them back
with libesedb's esedbinfo and esedbexport (and compares with real databases in
../shared/corpora/ese/ when present). It prints TAP itself: its output and exit code are passed
through unchanged. Skipped when esedbexport (Debian libesedb-utils) is not installed.
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(os.path.dirname(HERE), "tools", "check-ese-fixture.py")


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
    try:
        p = subprocess.run([sys.executable, CHECK], env=env, timeout=600)
    except subprocess.TimeoutExpired:
        print("not ok 1 - check-ese-fixture.py finished within 600 s\n1..1")
        return 1
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
